/* rxlex.c: the lexer of the rxscan readers - escapes, classes, quantifiers and group
 * openers of PCRE2 pattern source, each read conservatively (UNSURE when in doubt). */
#include <string.h>

#include "ruleset/rxscan_int.h"

/* Punctuation and symbol blocks: never digits, letters or spaces in any mode. */
static int is_punct_block(uint32_t cp)
{
    return (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) || (cp >= 0x3001 && cp <= 0x3004) ||
           (cp >= 0x3008 && cp <= 0x3020) || (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0xFE10 && cp <= 0xFE19) ||
           (cp >= 0xFE30 && cp <= 0xFE6B);
}

static int is_hspace(uint32_t cp)
{
    return cp == 0x09 || cp == 0x20 || cp == 0xA0 || cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static int is_vspace(uint32_t cp)
{
    return (cp >= 0x0A && cp <= 0x0D) || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

/* Does the escape class letter k (d s w h v, lower case) contain cp? */
static int esc_class(int k, uint32_t cp)
{
    switch (k) {
    case 'h':
        return is_hspace(cp) ? YES : NO;
    case 'v':
        return is_vspace(cp) ? YES : NO;
    case 's':
        if (is_hspace(cp) || is_vspace(cp))
            return YES;
        return cp < 0x80 || is_punct_block(cp) ? NO : UNSURE;
    case 'd':
        if (cp < 0x80)
            return cp >= '0' && cp <= '9' ? YES : NO;
        return is_punct_block(cp) ? NO : UNSURE;
    case 'w':
        if (cp < 0x80)
            return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ? YES : NO;
        return is_punct_block(cp) || is_hspace(cp) ? NO : UNSURE;
    default:
        return UNSURE;
    }
}

static int invert(int m) { return m == UNSURE ? UNSURE : m == YES ? NO : YES; }

static uint32_t fold(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* The other case of an ASCII letter (x for X, X for x); other characters unchanged. */
static uint32_t other_case(uint32_t c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c >= 'a' && c <= 'z' ? c - 32 : c;
}

int rxlex_same_char(const scan *s, uint32_t a, uint32_t b)
{
    return a == b || (s->caseless && fold(a) == fold(b));
}

/* Read hex digits up to `max` (or within braces): the code point, or -1. */
static long read_hex(scan *s, int braces, int max)
{
    long v = 0;
    int nd = 0;
    while (s->i < s->n && (braces || nd < max)) {
        unsigned c = s->s[s->i];
        int d = c >= '0' && c <= '9' ? (int)c - '0' : c >= 'a' && c <= 'f' ? (int)c - 'a' + 10 : c >= 'A' && c <= 'F' ? (int)c - 'A' + 10 : -1;
        if (d < 0)
            break;
        v = v * 16 + d;
        nd++;
        s->i++;
        if (v > 0x10FFFF)
            return -1;
    }
    if (braces) {
        if (s->i >= s->n || s->s[s->i] != '}')
            return -1;
        s->i++;
    }
    return v;
}

int rxlex_atom_has(const scan *s, const atom *a, uint32_t cp)
{
    switch (a->kind) {
    case A_CHAR:
        return rxlex_same_char(s, a->lo, cp) ? YES : NO;
    case A_CLASS: {
        int m = esc_class(a->k, cp);
        return a->neg ? invert(m) : m;
    }
    case A_ANY:
        return YES;
    case A_UNSURE:
        return UNSURE;
    default:
        return NO;
    }
}

static atom escape_any(scan *s, int in_class);

/* Parse an escape after the backslash. In a class, \b is a backspace and an
 * escape that would consume nothing elsewhere cannot be told about.
 * Non-consuming escapes (assertions, back references) give A_NONE. */
atom rxlex_escape(scan *s, int in_class)
{
    atom a = escape_any(s, in_class);
    if (in_class && a.kind == A_NONE)
        a.kind = A_UNSURE;
    return a;
}

static atom escape_any(scan *s, int in_class)
{
    atom a = {A_NONE, 0, 0, 0};
    if (s->i >= s->n)
        return (atom){A_GIVEUP, 0, 0, 0};
    unsigned c = s->s[s->i];
    if (c >= 0x80) { /* an escaped non-ASCII character is itself */
        a.kind = A_CHAR;
        a.lo = next_cp(s);
        return a;
    }
    s->i++;
    switch (c) {
    case 'd': case 's': case 'w': case 'h': case 'v':
        return (atom){A_CLASS, 0, (int)c, 0};
    case 'D': case 'S': case 'W': case 'H': case 'V':
        return (atom){A_CLASS, 0, (int)c + 32, 1};
    case 'N':
        if (s->n - s->i >= 3 && s->s[s->i] == '{' && s->s[s->i + 1] == 'U' && s->s[s->i + 2] == '+') {
            /* \N{U+hh..}: one character by its code point (UTF mode) */
            s->i += 3;
            long v = read_hex(s, 1, 0);
            return v < 0 ? (atom){A_GIVEUP, 0, 0, 0} : (atom){A_CHAR, (uint32_t)v, 0, 0};
        }
        return (atom){A_ANY, 0, 0, 0};
    case 'X':
        return (atom){A_ANY, 0, 0, 0};
    case 'C': /* one code unit: a match may end inside a character */
        return (atom){A_GIVEUP, 0, 0, 0};
    case 'R':
        return (atom){A_CLASS, 0, 'v', 0};
    case 'p': case 'P':
        if (s->i < s->n && s->s[s->i] == '{') {
            while (s->i < s->n && s->s[s->i] != '}')
                s->i++;
            if (s->i < s->n)
                s->i++;
        } else if (s->i < s->n) {
            s->i++;
        }
        return (atom){A_UNSURE, 0, 0, 0};
    case 'b':
        if (in_class)
            return (atom){A_CHAR, 8, 0, 0};
        return a;
    case 'B': case 'A': case 'z': case 'Z': case 'K': case 'E':
        return a;
    case 'G':
        return (atom){A_GIVEUP, 0, 0, 0};
    case 'n': return (atom){A_CHAR, '\n', 0, 0};
    case 't': return (atom){A_CHAR, '\t', 0, 0};
    case 'r': return (atom){A_CHAR, '\r', 0, 0};
    case 'f': return (atom){A_CHAR, '\f', 0, 0};
    case 'e': return (atom){A_CHAR, 0x1B, 0, 0};
    case 'a': return (atom){A_CHAR, 0x07, 0, 0};
    case 'x': {
        long v = s->i < s->n && s->s[s->i] == '{' ? (s->i++, read_hex(s, 1, 0)) : read_hex(s, 0, 2);
        return v < 0 ? (atom){A_GIVEUP, 0, 0, 0} : (atom){A_CHAR, (uint32_t)v, 0, 0};
    }
    case 'g':
        if (in_class) /* not a reference in a class: cannot tell, and read nothing more */
            return (atom){A_UNSURE, 0, 0, 0};
        /* \g{N} \gN \g{-N} are back references; \g<..> \g'..' are subroutine calls */
        if (s->i < s->n && (s->s[s->i] == '<' || s->s[s->i] == '\''))
            return (atom){A_GIVEUP, 0, 0, 0};
        if (s->i < s->n && s->s[s->i] == '{') {
            while (s->i < s->n && s->s[s->i] != '}')
                s->i++;
            s->i += s->i < s->n;
        } else {
            s->i += s->i < s->n && (s->s[s->i] == '-' || s->s[s->i] == '+');
            while (s->i < s->n && s->s[s->i] >= '0' && s->s[s->i] <= '9')
                s->i++;
        }
        return a;
    case 'k': {
        if (in_class)
            return (atom){A_UNSURE, 0, 0, 0};
        unsigned open = s->i < s->n ? s->s[s->i] : 0;
        unsigned close = open == '<' ? '>' : open == '{' ? '}' : open == '\'' ? '\'' : 0;
        if (!close)
            return (atom){A_GIVEUP, 0, 0, 0};
        s->i++;
        while (s->i < s->n && s->s[s->i] != close)
            s->i++;
        s->i += s->i < s->n;
        return a;
    }
    case 'c': /* \cX: a control character; X is part of the escape */
        s->i += s->i < s->n;
        return (atom){A_UNSURE, 0, 0, 0};
    case 'o': /* \o{...} */
        if (s->i < s->n && s->s[s->i] == '{') {
            while (s->i < s->n && s->s[s->i] != '}')
                s->i++;
            s->i += s->i < s->n;
        }
        return (atom){A_UNSURE, 0, 0, 0};
    case '0': /* \0, \0o, \0oo: octal */
        for (int k = 0; k < 2 && s->i < s->n && s->s[s->i] >= '0' && s->s[s->i] <= '7'; k++)
            s->i++;
        return (atom){A_UNSURE, 0, 0, 0};
    default:
        if (c >= '1' && c <= '9') {
            /* \1-\9: a back reference, consuming what its group did; \12 and longer may
             * be an octal character (\77 is '?' without 77 groups): cannot tell */
            if (in_class || (s->i < s->n && s->s[s->i] >= '0' && s->s[s->i] <= '9')) {
                while (s->i < s->n && s->s[s->i] >= '0' && s->s[s->i] <= '9')
                    s->i++;
                return (atom){A_UNSURE, 0, 0, 0};
            }
            return a;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return (atom){A_UNSURE, 0, 0, 0}; /* an escape this scan does not know */
        return (atom){A_CHAR, c, 0, 0};      /* \. \( \[ \- ... */
    }
}
/* When s[i..) is "[:", "[." or "[=" and PCRE2 reads a POSIX item there ([:alpha:]),
 * the index after its closing ":]"; else 0 and the '[' is an ordinary member. The
 * rule is PCRE2's: a ']' or another "[:" before the ":]" means no item. */
size_t rxlex_posix_end(const unsigned char *s, size_t i, size_t n)
{
    if (i + 1 >= n || s[i] != '[' || (s[i + 1] != ':' && s[i + 1] != '.' && s[i + 1] != '='))
        return 0;
    unsigned char term = s[i + 1];
    for (size_t p = i + 2; p + 2 <= n; p++) {
        if (s[p] == '\\' && (s[p + 1] == ']' || s[p + 1] == '\\'))
            p++;
        else if ((s[p] == '[' && s[p + 1] == term) || s[p] == ']')
            return 0;
        else if (s[p] == term && s[p + 1] == ']')
            return p + 2;
    }
    return 0;
}

/* Read a class after '['. Returns 0, or -1 when it is malformed or holds \Q or \E
 * (a quoted character may start a range, \E may stand inside one: rare, not worth
 * reading). */
int rxlex_read_class(scan *s, cclass *c)
{
    c->neg = 0;
    c->n = 0;
    c->many = 0;
    if (s->i < s->n && s->s[s->i] == '^') {
        c->neg = 1;
        s->i++;
    }
    for (int first = 1;; first = 0) {
        if (s->i >= s->n)
            return -1;
        unsigned ch = s->s[s->i];
        if (ch == ']' && !first) {
            s->i++;
            return 0;
        }
        cmember m = {{A_UNSURE, 0, 0, 0}, 0};
        size_t pe = ch == '[' ? rxlex_posix_end(s->s, s->i, s->n) : 0;
        if (pe) {
            s->i = pe;
        } else if (ch == '\\') {
            s->i++;
            if (s->i < s->n && (s->s[s->i] == 'Q' || s->s[s->i] == 'E'))
                return -1; /* \E is ignored by PCRE2, so x\E-y is a range: rare, give up */
            m.lo = rxlex_escape(s, 1);
        } else {
            m.lo = (atom){A_CHAR, next_cp(s), 0, 0};
        }
        if (m.lo.kind == A_GIVEUP)
            return -1;
        if (m.lo.kind == A_ANY)
            m.lo.kind = A_UNSURE;
        if (m.lo.kind != A_CHAR && s->i + 1 < s->n && s->s[s->i] == '-' && s->s[s->i + 1] != ']')
            return -1; /* x-y where x is not read as one character (\0, \cX, \d...): cannot tell */
        m.hi = m.lo.lo;
        if (m.lo.kind == A_CHAR && s->i + 1 < s->n && s->s[s->i] == '-' && s->s[s->i + 1] != ']') {
            s->i++;
            atom hi;
            if (s->s[s->i] == '\\') {
                s->i++;
                hi = rxlex_escape(s, 1);
            } else {
                hi = (atom){A_CHAR, next_cp(s), 0, 0};
            }
            if (hi.kind != A_CHAR)
                return -1;
            m.hi = hi.lo;
        }
        if (c->n < sizeof c->m / sizeof c->m[0])
            c->m[c->n++] = m;
        else
            c->many = 1;
    }
}

/* Does the class contain cp? */
int rxlex_class_has(const scan *s, const cclass *c, uint32_t cp)
{
    int res = c->many ? UNSURE : NO, prop = 0;
    for (size_t i = 0; i < c->n; i++)
        prop |= c->m[i].lo.kind == A_UNSURE;
    for (size_t i = 0; i < c->n && res != YES; i++) {
        const cmember *m = &c->m[i];
        int r;
        if (m->lo.kind == A_CLASS && m->lo.neg && prop && cp > 255)
            r = UNSURE; /* PCRE2 10.42 leaves \S \D \W out above U+00FF beside a \p: [^\PP\S] takes ， */
        else if (m->lo.kind == A_CHAR)
            r = (cp >= m->lo.lo && cp <= m->hi) || (s->caseless && other_case(cp) >= m->lo.lo && other_case(cp) <= m->hi)
                    ? YES
                    : NO;
        else
            r = rxlex_atom_has(s, &m->lo, cp);
        if (r == YES || (r == UNSURE && res == NO))
            res = r;
    }
    return c->neg ? invert(res) : res;
}
/* A quantifier in braces, read as PCRE2 10.42 and earlier do (loose 0: {n} {n,} {n,m}
 * only) or as 10.43 and later do (loose 1: also {,m}, and spaces and tabs after '{',
 * around ',' and before '}'). Its length, or 0 when it is literal text. */
static size_t brace_quantifier(const scan *s, int loose, size_t *min, size_t *max)
{
    size_t j = s->i + 1, d1 = 0, d2 = 0;
    while (loose && j < s->n && (s->s[j] == ' ' || s->s[j] == '\t'))
        j++;
    for (*min = 0; j < s->n && s->s[j] >= '0' && s->s[j] <= '9'; j++, d1++)
        *min = *min < 100000 ? *min * 10 + (size_t)(s->s[j] - '0') : *min;
    *max = *min;
    while (loose && j < s->n && (s->s[j] == ' ' || s->s[j] == '\t'))
        j++;
    if (j < s->n && s->s[j] == ',') {
        j++;
        while (loose && j < s->n && (s->s[j] == ' ' || s->s[j] == '\t'))
            j++;
        for (*max = 0; j < s->n && s->s[j] >= '0' && s->s[j] <= '9'; j++, d2++)
            *max = *max < 100000 ? *max * 10 + (size_t)(s->s[j] - '0') : *max;
        if (!d2)
            *max = RXLEX_UNBOUNDED;
        while (loose && j < s->n && (s->s[j] == ' ' || s->s[j] == '\t'))
            j++;
        if (!d1 && (!loose || !d2))
            return 0; /* {,m} before 10.43, {,} always: literal text */
    } else if (!d1) {
        return 0;
    }
    return j < s->n && s->s[j] == '}' ? j + 1 - s->i : 0;
}

size_t rxlex_quantifier_bounds(const scan *s, size_t *min, size_t *max)
{
    return brace_quantifier(s, 0, min, max);
}

size_t rxlex_quantifier(const scan *s)
{
    size_t min, max;
    return brace_quantifier(s, 0, &min, &max);
}

int rxlex_quantifier_doubt(const scan *s)
{
    size_t min, max, min2, max2;
    size_t strict = brace_quantifier(s, 0, &min, &max), loose = brace_quantifier(s, 1, &min2, &max2);
    return strict != loose || min != min2 || max != max2;
}

int rxlex_is_define(const unsigned char *p, size_t left)
{
    return left >= DEFINE_LEN && memcmp(p, "(?(DEFINE)", DEFINE_LEN) == 0;
}

/* A subroutine call by name or number: (?&name) (?P>name) (?1) (?-1) (?+1) (?R). */
int rxlex_is_call(const unsigned char *p, size_t left)
{
    if (left < 3 || p[0] != '(' || p[1] != '?')
        return 0;
    unsigned d = p[2];
    return d == '&' || d == 'R' || (d >= '0' && d <= '9') ||
           ((d == '-' || d == '+') && left >= 4 && p[3] >= '0' && p[3] <= '9') || (d == 'P' && left >= 4 && p[3] == '>');
}
