/* rxscan.c: a conservative reading of PCRE2 pattern source - which characters its
 * consuming atoms can take. Anything unusual gives up and answers "may consume". */
#include "ruleset/rxscan.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

/* Membership answers: no, yes, or cannot tell (counts as yes in the end). */
enum { NO = 0, YES = 1, UNSURE = 2 };

typedef struct scan {
    const unsigned char *s;
    size_t n, i;
    const uint32_t *cps;
    size_t ncps;
    unsigned char *may;
    int caseless;
} scan;

/* Decode the UTF-8 character at s->i (advancing), or return (uint32_t)-1 at the end. */
static uint32_t next_cp(scan *s)
{
    if (s->i >= s->n)
        return (uint32_t)-1;
    size_t k;
    uint32_t cp = utf8_decode(s->s + s->i, s->n - s->i, &k);
    s->i += k;
    return cp;
}

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

static int same_char(const scan *s, uint32_t a, uint32_t b)
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

/* One parsed atom or class member: a single code point, a range, an escape
 * class (k, negated), "anything", or "cannot tell". */
typedef struct atom {
    enum { A_NONE, A_CHAR, A_CLASS, A_ANY, A_UNSURE, A_GIVEUP } kind;
    uint32_t lo;
    int k, neg;
} atom;

static int atom_has(const scan *s, const atom *a, uint32_t cp)
{
    switch (a->kind) {
    case A_CHAR:
        return same_char(s, a->lo, cp) ? YES : NO;
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
static atom escape(scan *s, int in_class)
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
    case 'N': case 'X':
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

/* A character class as read: its members, each a character, a range, an escape
 * class (\d ...) or something this scan cannot tell about ([:alpha:], \p{..}). */
typedef struct cmember {
    atom lo;     /* A_CHAR, A_CLASS or A_UNSURE */
    uint32_t hi; /* lo.lo..hi for a range of characters; hi == lo.lo for one */
} cmember;

typedef struct cclass {
    int neg;
    size_t n;
    int many; /* more members than fit: read as "cannot tell" */
    cmember m[64];
} cclass;

/* When s[i..) is "[:", "[." or "[=" and PCRE2 reads a POSIX item there ([:alpha:]),
 * the index after its closing ":]"; else 0 and the '[' is an ordinary member. The
 * rule is PCRE2's: a ']' or another "[:" before the ":]" means no item. */
static size_t posix_end(const unsigned char *s, size_t i, size_t n)
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
static int read_class(scan *s, cclass *c)
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
        size_t pe = ch == '[' ? posix_end(s->s, s->i, s->n) : 0;
        if (pe) {
            s->i = pe;
        } else if (ch == '\\') {
            s->i++;
            if (s->i < s->n && (s->s[s->i] == 'Q' || s->s[s->i] == 'E'))
                return -1; /* \E is ignored by PCRE2, so x\E-y is a range: rare, give up */
            m.lo = escape(s, 1);
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
                hi = escape(s, 1);
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
static int class_has(const scan *s, const cclass *c, uint32_t cp)
{
    int res = c->many ? UNSURE : NO;
    for (size_t i = 0; i < c->n && res != YES; i++) {
        const cmember *m = &c->m[i];
        int r;
        if (m->lo.kind == A_CHAR)
            r = (cp >= m->lo.lo && cp <= m->hi) || (s->caseless && other_case(cp) >= m->lo.lo && other_case(cp) <= m->hi)
                    ? YES
                    : NO;
        else
            r = atom_has(s, &m->lo, cp);
        if (r == YES || (r == UNSURE && res == NO))
            res = r;
    }
    return c->neg ? invert(res) : res;
}

/* Parse a class after '['; fold each candidate's membership into may[]. */
static int klass(scan *s, int counts)
{
    cclass c;
    if (read_class(s, &c))
        return -1;
    for (size_t k = 0; counts && k < s->ncps; k++)
        if (class_has(s, &c, s->cps[k]) != NO)
            s->may[k] = 1;
    return 0;
}

/* Is s->s[i..] a quantifier {n}, {n,}, {n,m} or {,m}? Its length, or 0. */
static size_t quantifier(const scan *s)
{
    size_t j = s->i + 1, digits = 0, comma = 0;
    while (j < s->n && ((s->s[j] >= '0' && s->s[j] <= '9') || (s->s[j] == ',' && !comma) || s->s[j] == ' ')) {
        if (s->s[j] == ',')
            comma = 1;
        else if (s->s[j] != ' ')
            digits++;
        j++;
    }
    return j < s->n && s->s[j] == '}' && digits ? j + 1 - s->i : 0;
}

/* (?(DEFINE)...: groups defined to be called, matching nothing where they stand. */
#define DEFINE_LEN 10
static int is_define(const unsigned char *p, size_t left)
{
    return left >= DEFINE_LEN && memcmp(p, "(?(DEFINE)", DEFINE_LEN) == 0;
}

/* A subroutine call by name or number: (?&name) (?P>name) (?1) (?-1) (?+1) (?R). */
static int is_call(const unsigned char *p, size_t left)
{
    if (left < 3 || p[0] != '(' || p[1] != '?')
        return 0;
    unsigned d = p[2];
    return d == '&' || d == 'R' || (d >= '0' && d <= '9') ||
           ((d == '-' || d == '+') && left >= 4 && p[3] >= '0' && p[3] <= '9') || (d == 'P' && left >= 4 && p[3] == '>');
}

int rxscan_consumable(const char *src, size_t len, const uint32_t *cps, size_t n, unsigned char *may)
{
    scan st = {(const unsigned char *)src, len, 0, cps, n < 64 ? n : 64, may, 0};
    scan *s = &st;
    memset(may, 0, n);
    for (size_t k = 64; k < n; k++)
        may[k] = 1; /* beyond what one pass tracks */
    unsigned char look[256]; /* per open group: inside a lookaround (consumes nothing) */
    int depth = 0;
    look[0] = 0;
    while (s->i < s->n) {
        unsigned c = s->s[s->i];
        int counts = !look[depth];
        atom a = {A_NONE, 0, 0, 0};
        if (c == '\\') {
            s->i++;
            if (s->i < s->n && s->s[s->i] == 'Q') {
                s->i++;
                while (s->i < s->n && !(s->s[s->i] == '\\' && s->i + 1 < s->n && s->s[s->i + 1] == 'E')) {
                    uint32_t cp = next_cp(s);
                    for (size_t k = 0; counts && k < s->ncps; k++)
                        if (same_char(s, cp, cps[k]))
                            may[k] = 1;
                }
                s->i += 2;
                continue;
            }
            a = escape(s, 0);
        } else if (c == '[') {
            s->i++;
            if (klass(s, counts))
                goto giveup;
            continue;
        } else if (c == '(') {
            const unsigned char *p = s->s + s->i;
            size_t left = s->n - s->i;
            int lk = look[depth];
            if (left >= 2 && p[1] == '*')
                goto giveup; /* (*VERB) and alpha assertions */
            if (left >= 3 && p[1] == '?' && p[2] == '#') {
                const unsigned char *e = memchr(p, ')', left);
                if (!e)
                    goto giveup;
                s->i = (size_t)(e - s->s) + 1;
                continue;
            }
            if (left >= 2 && p[1] == '?') {
                unsigned d = left >= 3 ? p[2] : 0;
                if (d == '=' || d == '!' || (d == '<' && left >= 4 && (p[3] == '=' || p[3] == '!'))) {
                    lk = 1;
                    s->i += d == '<' ? 4 : 3;
                } else if (is_define(p, left)) {
                    lk = 1; /* definitions match nothing where they stand */
                    s->i += DEFINE_LEN;
                } else if (lk && is_call(p, left)) {
                    /* a call in a lookaround or a definition consumes nothing of a match
                     * (one anywhere else could consume what its group does: gives up) */
                    const unsigned char *e = memchr(p, ')', left);
                    if (!e)
                        goto giveup;
                    s->i = (size_t)(e - s->s) + 1;
                    continue;
                } else if (d == ':' || d == '|' || d == '>') {
                    s->i += 3;
                } else if (d == '<' || d == '\'' || (d == 'P' && left >= 4 && p[3] == '<')) {
                    unsigned close = d == '\'' ? '\'' : '>';
                    const unsigned char *e = memchr(p + 3, (int)close, left - 3);
                    if (!e)
                        goto giveup;
                    s->i = (size_t)(e - s->s) + 1;
                } else if (d == 'P' && left >= 4 && p[3] == '=') { /* (?P=name): a back reference */
                    const unsigned char *e = memchr(p, ')', left);
                    if (!e)
                        goto giveup;
                    s->i = (size_t)(e - s->s) + 1;
                    continue;
                } else {
                    /* option settings (?i) (?i:...) (?-i); anything else gives up */
                    size_t j = 2;
                    while (j < left && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') || p[j] == '-' || p[j] == '^')) {
                        if (p[j] == 'x')
                            goto giveup;
                        if (p[j] == 'i')
                            s->caseless = 1;
                        j++;
                    }
                    if (j == 2 || j >= left || (p[j] != ')' && p[j] != ':'))
                        goto giveup;
                    s->i += j + 1;
                    if (p[j] == ')')
                        continue;
                }
            } else {
                s->i++;
            }
            if (depth + 1 >= (int)sizeof look)
                goto giveup;
            look[++depth] = (unsigned char)lk;
            continue;
        } else if (c == ')') {
            if (depth > 0)
                depth--;
            s->i++;
            continue;
        } else if (c == '|' || c == '*' || c == '+' || c == '?' || c == '^' || c == '$') {
            s->i++;
            continue;
        } else if (c == '{' && quantifier(s)) {
            s->i += quantifier(s);
            continue;
        } else if (c == '.') {
            s->i++;
            a = (atom){A_ANY, 0, 0, 0};
        } else {
            a = (atom){A_CHAR, next_cp(s), 0, 0};
        }
        if (a.kind == A_GIVEUP)
            goto giveup;
        for (size_t k = 0; counts && k < s->ncps; k++)
            if (atom_has(s, &a, cps[k]) != NO)
                may[k] = 1;
    }
    return 0;
giveup:
    memset(may, 1, n);
    return -1;
}

int rxscan_start_sensitive(const char *src, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (src[i] == '\\') {
            if (src[i + 1] == 'G')
                return 1;
            i++;
        } else if (src[i] == '(' && src[i + 1] == '*') {
            return 1;
        }
    }
    return 0;
}

/* ---- last characters ----------------------------------------------------- */

/* A set of code points, or "any" (all = 1). */
typedef struct cpset {
    int all;
    size_t n;
    uint32_t cp[RXSCAN_LAST_MAX];
} cpset;

static void set_add(cpset *a, uint32_t cp)
{
    if (a->all)
        return;
    for (size_t i = 0; i < a->n; i++)
        if (a->cp[i] == cp)
            return;
    if (a->n == RXSCAN_LAST_MAX)
        a->all = 1;
    else
        a->cp[a->n++] = cp;
}

static void set_copy(cpset *a, const cpset *b)
{
    a->all = b->all;
    a->n = b->n;
    memcpy(a->cp, b->cp, b->n * sizeof b->cp[0]);
}

static void set_union(cpset *a, const cpset *b)
{
    if (b->all)
        a->all = 1;
    for (size_t i = 0; !a->all && i < b->n; i++)
        set_add(a, b->cp[i]);
}

/* What a piece of pattern can end with: its last characters, and whether it can
 * match the empty string. */
typedef struct tail {
    cpset last;
    int nullable;
} tail;

static int last_alt(scan *s, tail *out, int depth);

/* The characters of \d \s \h \v as compiled without PCRE2_UCP (a superset for \s). */
static void class_chars(int k, cpset *out)
{
    static const uint32_t sp[] = {9, 10, 11, 12, 13, 32, 0x85, 0xA0};
    static const uint32_t hs[] = {0x09, 0x20, 0xA0, 0x1680, 0x180E, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
                                  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000};
    static const uint32_t vs[] = {0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029};
    if (k == 'd')
        for (uint32_t d = '0'; d <= '9'; d++)
            set_add(out, d);
    else if (k == 's')
        for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
            set_add(out, sp[i]);
    else if (k == 'h')
        for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
            set_add(out, hs[i]);
    else if (k == 'v')
        for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
            set_add(out, vs[i]);
    else
        out->all = 1;
}

/* A class as a set of characters; "any" for negated classes, escape classes
 * other than \d \s \h \v, and wide ranges. */
static int class_set(scan *s, cpset *out)
{
    cclass c;
    out->all = 0;
    out->n = 0;
    if (read_class(s, &c))
        return -1;
    out->all = c.neg || c.many;
    for (size_t i = 0; i < c.n && !out->all; i++) {
        const cmember *m = &c.m[i];
        if (m->lo.kind == A_CLASS && !m->lo.neg && m->lo.k != 'w') {
            class_chars(m->lo.k, out);
        } else if (m->lo.kind != A_CHAR || m->hi < m->lo.lo || m->hi - m->lo.lo >= RXSCAN_LAST_MAX) {
            out->all = 1;
        } else {
            for (uint32_t cp = m->lo.lo; !out->all && cp <= m->hi; cp++)
                set_add(out, cp);
        }
    }
    return 0;
}

/* One item (atom and its quantifier). Zero-width items are nullable with no
 * last characters. */
static int last_item(scan *s, tail *t, int depth)
{
    t->last.all = 0;
    t->last.n = 0;
    t->nullable = 0;
    unsigned c = s->s[s->i];
    if (c == '(' && is_call(s->s + s->i, s->n - s->i)) {
        /* a call: it may end with anything, or match nothing */
        const unsigned char *e = memchr(s->s + s->i, ')', s->n - s->i);
        if (!e)
            return -1;
        s->i = (size_t)(e - s->s) + 1;
        t->last.all = 1;
        t->nullable = 1;
    } else if (c == '(') {
        const unsigned char *p = s->s + s->i;
        size_t left = s->n - s->i;
        int look = 0;
        if (left >= 2 && p[1] == '*')
            return -1;
        if (left >= 2 && p[1] == '?') {
            unsigned d = left >= 3 ? p[2] : 0;
            if (d == '=' || d == '!' || (d == '<' && left >= 4 && (p[3] == '=' || p[3] == '!'))) {
                look = 1;
                s->i += d == '<' ? 4 : 3;
            } else if (is_define(p, left)) {
                look = 1; /* matches nothing where it stands: read as a lookaround */
                s->i += DEFINE_LEN;
            } else if (d == ':' || d == '|' || d == '>') {
                s->i += 3;
            } else if (d == '<' || d == '\'' || (d == 'P' && left >= 4 && p[3] == '<')) {
                const unsigned char *e = memchr(p + 3, d == '\'' ? '\'' : '>', left - 3);
                if (!e)
                    return -1;
                s->i = (size_t)(e - s->s) + 1;
            } else if (d == '#') {
                const unsigned char *e = memchr(p, ')', left);
                if (!e)
                    return -1;
                s->i = (size_t)(e - s->s) + 1;
                t->nullable = 1;
                return 0;
            } else {
                return -1; /* options, conditionals, subroutine calls, named references */
            }
        } else {
            s->i++;
        }
        tail in;
        if (depth > 200 || last_alt(s, &in, depth + 1))
            return -1;
        if (s->i >= s->n || s->s[s->i] != ')')
            return -1;
        s->i++;
        if (look) {
            t->nullable = 1;
        } else {
            set_copy(&t->last, &in.last);
            t->nullable = in.nullable;
        }
    } else if (c == '[') {
        s->i++;
        if (class_set(s, &t->last))
            return -1;
    } else if (c == '\\') {
        s->i++;
        if (s->i < s->n && s->s[s->i] == 'Q')
            return -1;
        atom a = escape(s, 0);
        if (a.kind == A_GIVEUP)
            return -1;
        if (a.kind == A_NONE) { /* an assertion, or a back reference: anything, maybe nothing */
            unsigned e = s->s[s->i - 1];
            t->nullable = 1;
            t->last.all = !(e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'K' || e == 'E');
        } else if (a.kind == A_CHAR) {
            set_add(&t->last, a.lo);
        } else if (a.kind == A_CLASS && !a.neg && a.k != 'w') {
            class_chars(a.k, &t->last);
        } else {
            t->last.all = 1;
        }
    } else if (c == '.') {
        s->i++;
        t->last.all = 1;
    } else if (c == '^' || c == '$') {
        s->i++;
        t->nullable = 1;
    } else if (c == '?' || c == '*' || c == '+' || (c == '{' && quantifier(s))) {
        return -1; /* a quantifier with nothing this scan knows before it */
    } else {
        set_add(&t->last, next_cp(s));
    }
    /* the quantifier; a comment or a stray \E (PCRE2 ignores both) may stand between
     * it and its item: a(?#...)? and a\E? are a? */
    for (;;) {
        if (s->i + 2 < s->n && s->s[s->i] == '(' && s->s[s->i + 1] == '?' && s->s[s->i + 2] == '#') {
            const unsigned char *e = memchr(s->s + s->i, ')', s->n - s->i);
            if (!e)
                return -1;
            s->i = (size_t)(e - s->s) + 1;
        } else if (s->i + 1 < s->n && s->s[s->i] == '\\' && s->s[s->i + 1] == 'E') {
            s->i += 2;
        } else {
            break;
        }
    }
    if (s->i < s->n) {
        unsigned q = s->s[s->i];
        size_t ql;
        if (q == '?' || q == '*') {
            t->nullable = 1;
            s->i++;
        } else if (q == '+') {
            s->i++;
        } else if (q == '{' && (ql = quantifier(s)) > 0) {
            size_t j = s->i + 1, min = 0; /* {,m} has no minimum */
            while (j < s->n && s->s[j] == ' ')
                j++;
            for (; j < s->n && s->s[j] >= '0' && s->s[j] <= '9' && min < 1000; j++)
                min = min * 10 + (size_t)(s->s[j] - '0');
            if (min == 0) /* {0,3} {00} {,2}: may repeat zero times */
                t->nullable = 1;
            s->i += ql;
        } else {
            return 0;
        }
        if (s->i < s->n && (s->s[s->i] == '?' || s->s[s->i] == '+'))
            s->i++; /* lazy or possessive */
    }
    return 0;
}

static int last_seq(scan *s, tail *out, int depth)
{
    out->last.all = 0;
    out->last.n = 0;
    out->nullable = 1;
    while (s->i < s->n && s->s[s->i] != '|' && s->s[s->i] != ')') {
        tail it;
        if (last_item(s, &it, depth))
            return -1;
        if (!it.nullable) {
            set_copy(&out->last, &it.last);
            out->nullable = 0;
        } else {
            set_union(&out->last, &it.last);
        }
    }
    return 0;
}

static int last_alt(scan *s, tail *out, int depth)
{
    if (last_seq(s, out, depth))
        return -1;
    while (s->i < s->n && s->s[s->i] == '|') {
        s->i++;
        tail b;
        if (last_seq(s, &b, depth))
            return -1;
        set_union(&out->last, &b.last);
        out->nullable |= b.nullable;
    }
    return 0;
}

int rxscan_last(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable)
{
    scan st = {(const unsigned char *)src, len, 0, NULL, 0, NULL, 0};
    tail t;
    *n = 0;
    *nullable = 1;
    if (last_alt(&st, &t, 0) || st.i != st.n || t.last.all)
        return -1;
    *nullable = t.nullable;
    memcpy(cps, t.last.cp, t.last.n * sizeof *cps);
    *n = t.last.n;
    return 0;
}

/* ---- first-character guards ---------------------------------------------- */

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* A byte that can start or continue a plain word: not ASCII whitespace, control
 * or one of the characters that mean something outside a class. */
static int word_byte(unsigned char c)
{
    return c >= 0x80 || (c > ' ' && c != 0x7F && !strchr("\\^$.[]|()?*+{}#", c));
}

/* Skip a class whose '[' is at src[i]; the index after its ']', or 0 when it is
 * unclosed or quotes with \Q (the scan then gives up). */
static size_t guard_skip_class(const char *src, size_t len, size_t i)
{
    i++;
    if (i < len && src[i] == '^')
        i++;
    if (i < len && src[i] == ']') /* a leading ] is a member */
        i++;
    while (i < len && src[i] != ']') {
        if (src[i] == '\\') {
            if (i + 1 < len && (src[i + 1] == 'Q' || src[i + 1] == 'E'))
                return 0;
            i += 2;
        } else if (src[i] == '[' && posix_end((const unsigned char *)src, i, len)) {
            i = posix_end((const unsigned char *)src, i, len);
        } else {
            i++;
        }
    }
    return i < len ? i + 1 : 0;
}

/* The length of a group opener at src[i] == '(' whose body may be guarded:
 * (  (?:  (?<name>  (?P<name>  (?'name'. 0 for any other (lookarounds, options,
 * comments, conditionals, branch resets, verbs). */
static size_t guard_opener(const char *src, size_t len, size_t i)
{
    if (i + 1 >= len || src[i + 1] == '*')
        return 0;
    if (src[i + 1] != '?')
        return 1;
    if (i + 2 < len && src[i + 2] == ':')
        return 3;
    size_t j = i + 2;
    char close = '>';
    if (j < len && src[j] == 'P')
        j++;
    if (j < len && src[j] == '\'')
        close = '\'';
    else if (j >= len || src[j] != '<')
        return 0;
    j++;
    if (j >= len || !(src[j] == '_' || (src[j] >= 'A' && src[j] <= 'Z') || (src[j] >= 'a' && src[j] <= 'z')))
        return 0; /* (?<= and (?<! are lookbehinds */
    while (j < len && (src[j] == '_' || (src[j] >= 'A' && src[j] <= 'Z') || (src[j] >= 'a' && src[j] <= 'z') ||
                       (src[j] >= '0' && src[j] <= '9')))
        j++;
    return j < len && src[j] == close ? j + 1 - i : 0;
}

/* The index after the item at src[i] that holds no group syntax of its own: an
 * escape (\c takes one byte more), a \Q...\E quote, a class or a (?#...) comment
 * (each up to its end, or the pattern's end when unclosed), else the one byte.
 * 0 when a class cannot be read. */
static size_t guard_step(const char *src, size_t len, size_t i)
{
    if (src[i] == '\\' && i + 1 < len && src[i + 1] == 'Q') {
        for (size_t j = i + 2; j + 1 < len; j++)
            if (src[j] == '\\' && src[j + 1] == 'E')
                return j + 2;
        return len;
    }
    if (src[i] == '\\') {
        size_t k = i + 2 < len && src[i + 1] == 'c' ? 3 : 2;
        return i + k < len ? i + k : len;
    }
    if (src[i] == '[')
        return guard_skip_class(src, len, i);
    if (src[i] == '(' && i + 2 < len && src[i + 1] == '?' && src[i + 2] == '#') {
        const char *e = memchr(src + i, ')', len - i);
        return e ? (size_t)(e - src) + 1 : len;
    }
    return i + 1;
}

/* From src[i], inside an alternative: the index of the '|' or ')' that ends it at
 * this level, or 0 when the scan gives up (\Q quoting, a malformed class) or the
 * pattern ends first. */
static size_t guard_alt_end(const char *src, size_t len, size_t i)
{
    int depth = 0;
    while (i < len && !(depth == 0 && (src[i] == '|' || src[i] == ')'))) {
        if (src[i] == '\\' && i + 1 < len && src[i + 1] == 'Q')
            return 0;
        size_t next = guard_step(src, len, i);
        if (!next)
            return 0;
        if (next == i + 1)
            depth += src[i] == '(' ? 1 : src[i] == ')' ? -1 : 0;
        i = next;
    }
    return i < len ? i : 0;
}

/* When src[b..) up to a ')' is an alternation of at least RXSCAN_GUARD_MIN
 * alternatives that each start with a literal character that must be there (not
 * followed by ?, * or {): the index of that ')', else 0. The first characters
 * are those of src[b] and of each byte after a '|' that guard_alt_end stops at. */
static size_t guard_body(const char *src, size_t len, size_t b, size_t *nwords)
{
    size_t i = b, words = 0;
    for (;;) {
        if (i >= len || !word_byte((unsigned char)src[i]))
            return 0;
        i += utf8_len((unsigned char)src[i]);
        if (i >= len || src[i] == '?' || src[i] == '*' || src[i] == '{')
            return 0; /* the first character may be missing */
        if (!(i = guard_alt_end(src, len, i)))
            return 0;
        words++;
        if (src[i] == '|') {
            i++;
            continue;
        }
        if (words < RXSCAN_GUARD_MIN)
            return 0;
        *nwords = words;
        return i;
    }
}

/* Does the pattern turn on extended mode anywhere ((?x), (?xx), (?^x), (?i-x: ...)?
 * Then whitespace and # change meaning and the scan stays out. */
static int guard_extended(const char *src, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (src[i] == '\\') {
            i++;
            continue;
        }
        if (src[i] != '(' || src[i + 1] != '?')
            continue;
        for (size_t j = i + 2; j < len && (src[j] == '^' || src[j] == '-' || (src[j] >= 'a' && src[j] <= 'z') ||
                                           (src[j] >= 'A' && src[j] <= 'Z'));
             j++)
            if (src[j] == 'x')
                return 1;
    }
    return 0;
}

int rxscan_guard(const char *src, size_t len, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (guard_extended(src, len))
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (src[i] == '(' && src[i + 1] == '*')
            return 0; /* verbs: a (*MARK:NAME) name may hold ( and |, a guard in it breaks it */
    char *o = NULL;
    size_t on = 0, cap = 0;
    int guarded = 0;
    for (size_t i = 0; i < len;) {
        size_t from = i, op = 0, end = 0, nwords = 0;
        if (src[i] == '(' && (op = guard_opener(src, len, i)) && (end = guard_body(src, len, i + op, &nwords)))
            i = end + 1;
        else if (!(i = guard_step(src, len, i)))
            goto giveup; /* a class beyond the scan */
        /* room for the copy and, for a guarded group, (?=[...])(?:...) with a
         * first character (at most 4 bytes, 2 when escaped) per word */
        size_t need = on + (i - from) + (end ? 12 + 4 * nwords : 0) + 1;
        if (need > cap) {
            size_t nc = cap ? cap : 256;
            while (nc < need)
                nc *= 2;
            char *no = realloc(o, nc);
            if (!no) {
                free(o);
                return -1;
            }
            o = no;
            cap = nc;
        }
        if (!end) {
            memcpy(o + on, src + from, i - from);
            on += i - from;
            continue;
        }
        /* (opener (?=[first characters]) (?: words ) ): each first character once, in
         * code point order (packed UTF-8 bytes sort the same way) */
        uint32_t *fc = malloc(nwords * sizeof *fc);
        if (!fc) {
            free(o);
            return -1;
        }
        size_t nfc = 0;
        for (size_t w = from + op; w < end; w++) {
            size_t k = utf8_len((unsigned char)src[w]);
            uint32_t packed = 0;
            for (size_t q = 0; q < 4; q++)
                packed = packed << 8 | (q < k && w + q < end ? (unsigned char)src[w + q] : 0);
            fc[nfc++] = packed;
            w = guard_alt_end(src, len, w + k); /* guard_body found it: not 0 */
        }
        qsort(fc, nfc, sizeof *fc, cmp_u32);
        memcpy(o + on, src + from, op);
        on += op;
        memcpy(o + on, "(?=[", 4);
        on += 4;
        for (size_t q = 0; q < nfc; q++) {
            if (q && fc[q] == fc[q - 1])
                continue;
            if (fc[q] >> 24 == '-') /* the only word character that means something in a class */
                o[on++] = '\\';
            for (int sh = 24; sh >= 0 && (fc[q] >> sh & 0xFF); sh -= 8)
                o[on++] = (char)(fc[q] >> sh & 0xFF);
        }
        free(fc);
        memcpy(o + on, "])(?:", 5);
        on += 5;
        memcpy(o + on, src + from + op, end - (from + op));
        on += end - (from + op);
        memcpy(o + on, "))", 2);
        on += 2;
        guarded = 1;
    }
    if (!guarded)
        goto giveup;
    o[on] = '\0';
    *out = o;
    *outlen = on;
    return 1;
giveup:
    free(o);
    return 0;
}
