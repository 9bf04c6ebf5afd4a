/* rxlast.c: the characters a match of a pattern can end with (rxscan_last) or start with
 * (rxscan_first), read from its source item by item; anything beyond the scan says "any". */
#include "ruleset/rxscan.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ruleset/rxscan_int.h"

/* A set of code points, or "any" (all = 1). */
typedef struct cpset {
    int all;
    size_t n;
    uint32_t cp[RXSCAN_MANY_MAX];
} cpset;

static void set_add(cpset *a, uint32_t cp)
{
    if (a->all)
        return;
    for (size_t i = 0; i < a->n; i++)
        if (a->cp[i] == cp)
            return;
    if (a->n == RXSCAN_MANY_MAX)
        a->all = 1;
    else
        a->cp[a->n++] = cp;
}

/* Too many for the readers that keep at most RXSCAN_LAST_MAX (all but rxscan_first_many):
 * to them a set is "any" past that, as when sets held no more. */
static int set_big(const cpset *a)
{
    return a->all || a->n > RXSCAN_LAST_MAX;
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

/* Add the other cases of a's characters, as PCRE2 matches them caselessly in UTF mode
 * (k also matches U+212A KELVIN SIGN, s U+017F LONG S); "any" for a character outside
 * ASCII whose case this scan does not know. CJK characters and punctuation have none. */
static void fold_set(cpset *a)
{
    size_t n = a->n;
    for (size_t i = 0; i < n && !a->all; i++) {
        uint32_t c = a->cp[i], lo = c | 0x20;
        if (lo >= 'a' && lo <= 'z' && c < 0x80) {
            set_add(a, lo);
            set_add(a, lo - 0x20);
            if (lo == 'k')
                set_add(a, 0x212A);
            if (lo == 's')
                set_add(a, 0x17F);
        } else if (c >= 0x80 && !(c == 0xD7 || c == 0xF7 || (c >= 0x3000 && c <= 0x9FFF) ||
                                  (c >= 0xFF01 && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
                                  (c >= 0xFF5B && c <= 0xFFEF))) {
            a->all = 1;
        }
    }
}

/* What a piece of pattern can end with (or start with, reading for first characters):
 * those characters, and whether it can match the empty string. */
typedef struct tail {
    cpset last;
    int nullable;
    size_t width; /* the most characters it can consume, W_INF: no bound known */
    int inrun;    /* every character it can consume is a number's (rxscan_number_char) */
} tail;

#define W_INF ((size_t)-1)
#define W_CAP 100000 /* widths past this count as unbounded */

static size_t w_add(size_t a, size_t b)
{
    return a == W_INF || b == W_INF || a + b > W_CAP ? W_INF : a + b;
}

static size_t w_mul(size_t a, size_t m)
{
    if (a == 0 || m == 0)
        return 0;
    return a == W_INF || m == W_INF || m > W_CAP / a ? W_INF : a * m;
}

/* Are all of a's characters a number's (none when a is "any")? */
static int set_inrun(const cpset *a)
{
    if (a->all)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (!rxscan_number_char(a->cp[i]))
            return 0;
    return 1;
}

static int last_alt(scan *s, tail *out, int depth, int first);

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
    if (rxlex_read_class(s, &c))
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
static int last_item(scan *s, tail *t, int depth, int first)
{
    t->last.all = 0;
    t->last.n = 0;
    t->nullable = 0;
    t->width = 1; /* one character, as most atoms */
    t->inrun = 0;
    unsigned c = s->s[s->i];
    if (c == '(' && rxlex_is_call(s->s + s->i, s->n - s->i)) {
        /* a call: it may end with anything, or match nothing */
        const unsigned char *e = memchr(s->s + s->i, ')', s->n - s->i);
        if (!e)
            return -1;
        s->i = (size_t)(e - s->s) + 1;
        t->last.all = 1;
        t->nullable = 1;
        t->width = W_INF;
    } else if (c == '(') {
        const unsigned char *p = s->s + s->i;
        size_t left = s->n - s->i;
        int look = 0, fold = 0;
        if (left >= 2 && p[1] == '*')
            return -1;
        if (left >= 2 && p[1] == '?') {
            unsigned d = left >= 3 ? p[2] : 0;
            if (d == '=' || d == '!' || d == '*' || (d == '<' && left >= 4 && (p[3] == '=' || p[3] == '!' || p[3] == '*'))) {
                look = 1; /* (?* and (?<*: the non-atomic lookarounds */
                s->i += d == '<' ? 4 : 3;
            } else if (rxlex_is_define(p, left)) {
                look = 1; /* matches nothing where it stands: read as a lookaround */
                s->i += DEFINE_LEN;
            } else if (d == ':' || d == '|' || d == '>') {
                s->i += 3;
            } else if (d == 'i' && left >= 4 && p[3] == ':') {
                fold = 1; /* (?i:...): its characters in either case */
                s->i += 4;
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
                t->width = 0;
                t->inrun = 1;
                return 0;
            } else {
                return -1; /* options, conditionals, subroutine calls, named references */
            }
        } else {
            s->i++;
        }
        tail in;
        if (depth > 200 || last_alt(s, &in, depth + 1, first))
            return -1;
        if (s->i >= s->n || s->s[s->i] != ')')
            return -1;
        s->i++;
        if (fold)
            fold_set(&in.last);
        if (look) {
            t->nullable = 1;
            t->width = 0;
            t->inrun = 1;
        } else {
            set_copy(&t->last, &in.last);
            t->nullable = in.nullable;
            t->width = in.width;
            t->inrun = in.inrun && !fold; /* a letter's other case is no numeral */
        }
    } else if (c == '[') {
        s->i++;
        if (class_set(s, &t->last))
            return -1;
        t->inrun = set_inrun(&t->last);
    } else if (c == '\\') {
        s->i++;
        if (s->i < s->n && s->s[s->i] == 'Q')
            return -1;
        unsigned letter = s->i < s->n ? s->s[s->i] : 0;
        atom a = rxlex_escape(s, 0);
        if (a.kind == A_GIVEUP)
            return -1;
        if (a.kind == A_NONE) { /* an assertion, or a back reference: anything, maybe nothing */
            unsigned e = s->s[s->i - 1];
            t->nullable = 1;
            t->last.all = !(e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'K' || e == 'E');
            t->width = t->last.all ? W_INF : 0; /* a back reference: what its group took */
            t->inrun = !t->last.all;
        } else if (a.kind == A_CHAR) {
            set_add(&t->last, a.lo);
            t->inrun = set_inrun(&t->last);
        } else if (a.kind == A_CLASS && !a.neg && a.k != 'w') {
            class_chars(a.k, &t->last);
            t->inrun = letter != 'R' && set_inrun(&t->last);
            t->width = letter == 'R' ? 2 : 1; /* \R takes \r\n */
        } else {
            t->last.all = 1;
            if (a.kind != A_CLASS) /* \X \p{..} \o{..} ...: one character or more */
                t->width = W_INF;
        }
    } else if (c == '.') {
        s->i++;
        t->last.all = 1;
    } else if (c == '^' || c == '$') {
        s->i++;
        t->nullable = 1;
        t->width = 0;
        t->inrun = 1;
    } else if (c == '?' || c == '*' || c == '+' || (c == '{' && (rxlex_quantifier(s) || rxlex_quantifier_doubt(s)))) {
        return -1; /* a quantifier with nothing this scan knows before it */
    } else {
        set_add(&t->last, next_cp(s));
        t->inrun = set_inrun(&t->last);
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
        size_t min, max;
        if (q == '?' || q == '*') {
            t->nullable = 1;
            t->width = q == '*' ? w_mul(t->width, W_INF) : t->width;
            s->i++;
        } else if (q == '+') {
            t->width = w_mul(t->width, W_INF);
            s->i++;
        } else if (q == '{' && rxlex_quantifier_doubt(s)) {
            return -1; /* a quantifier or text, as the PCRE2 run with reads it */
        } else if (q == '{' && (ql = rxlex_quantifier_bounds(s, &min, &max)) > 0) {
            if (min == 0) /* {0,3} {00} {,2}: may repeat zero times */
                t->nullable = 1;
            t->width = w_mul(t->width, max == RXLEX_UNBOUNDED ? W_INF : max);
            s->i += ql;
        } else {
            return 0;
        }
        if (s->i < s->n && (s->s[s->i] == '?' || s->s[s->i] == '+'))
            s->i++; /* lazy or possessive */
    }
    return 0;
}

static int last_seq(scan *s, tail *out, int depth, int first)
{
    out->last.all = 0;
    out->last.n = 0;
    out->nullable = 1;
    out->width = 0;
    out->inrun = 1;
    while (s->i < s->n && s->s[s->i] != '|' && s->s[s->i] != ')') {
        tail it;
        if (last_item(s, &it, depth, first))
            return -1;
        out->width = w_add(out->width, it.width);
        out->inrun &= it.inrun;
        if (first) { /* the items up to the first that cannot be empty */
            if (out->nullable)
                set_union(&out->last, &it.last);
            out->nullable &= it.nullable;
        } else if (!it.nullable) {
            set_copy(&out->last, &it.last);
            out->nullable = 0;
        } else {
            set_union(&out->last, &it.last);
        }
    }
    return 0;
}

static int last_alt(scan *s, tail *out, int depth, int first)
{
    if (last_seq(s, out, depth, first))
        return -1;
    while (s->i < s->n && s->s[s->i] == '|') {
        s->i++;
        tail b;
        if (last_seq(s, &b, depth, first))
            return -1;
        set_union(&out->last, &b.last);
        out->nullable |= b.nullable;
        if (b.width == W_INF || (out->width != W_INF && b.width > out->width))
            out->width = b.width;
        out->inrun &= b.inrun;
    }
    return 0;
}

static int ends(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable, int first, size_t max)
{
    scan st = {(const unsigned char *)src, len, 0, NULL, 0, NULL, 0};
    tail t;
    *n = 0;
    *nullable = 1;
    if (last_alt(&st, &t, 0, first) || st.i != st.n || t.last.all || t.last.n > max)
        return -1;
    *nullable = t.nullable;
    memcpy(cps, t.last.cp, t.last.n * sizeof *cps);
    *n = t.last.n;
    return 0;
}

int rxscan_last(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable)
{
    return ends(src, len, cps, n, nullable, 0, RXSCAN_LAST_MAX);
}

int rxscan_first(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable)
{
    return ends(src, len, cps, n, nullable, 1, RXSCAN_LAST_MAX);
}

int rxscan_first_many(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable)
{
    return ends(src, len, cps, n, nullable, 1, RXSCAN_MANY_MAX);
}

/* How common a set's characters are in the text numbers stand in: ASCII (digits, spaces,
 * punctuation) and numerals are everywhere near numbers, other characters count one. */
static size_t set_cost(const cpset *a)
{
    size_t cost = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t c = a->cp[i];
        int common = c < 0x80 || c == 0x3000 || c == 0x4E00 || c == 0x4E8C || c == 0x4E09 || c == 0x5341 ||
                     c == 0x4E07 || c == 0x5343 || c == 0x767E || c == 0x5E74 || c == 0x7684;
        cost += common ? 32 : 1; /* 一 二 三 十 万 千 百 年 的 */
    }
    return cost;
}

/* The two cheapest sets of one alternative so far, from two of its items, with their
 * distances (rxscan_near's; 0 for rxscan_needed); n: how many were offered, at most 2. */
typedef struct best2 {
    cpset set[2];
    size_t cost[2], dist[2];
    int n;
} best2;

/* Offer one item's set: a later one wins a tie, and the best so far moves to second place. */
static void best2_offer(best2 *b, const cpset *c, size_t cost, size_t dist)
{
    if (b->n == 0)
        b->cost[0] = b->cost[1] = (size_t)-1;
    if (cost <= b->cost[0]) {
        b->cost[1] = b->cost[0];
        b->set[1] = b->set[0];
        b->dist[1] = b->dist[0];
        b->cost[0] = cost;
        set_copy(&b->set[0], c);
        b->dist[0] = dist;
    } else if (cost <= b->cost[1]) {
        b->cost[1] = cost;
        set_copy(&b->set[1], c);
        b->dist[1] = dist;
    }
    if (b->n < 2)
        b->n++;
}

/* Read the item at s->i twice: for its first characters (f) and its last ones (l). */
static int read_item(scan *s, tail *f, tail *l)
{
    size_t i0 = s->i;
    if (last_item(s, f, 0, 1))
        return -1;
    size_t i1 = s->i;
    s->i = i0;
    return last_item(s, l, 0, 0) || s->i != i1 ? -1 : 0;
}

/* rxscan_needed's alternative: per item that cannot be empty, the cheaper of its first and
 * its last characters. */
static int needed_seq(scan *s, best2 *b)
{
    while (s->i < s->n && s->s[s->i] != '|' && s->s[s->i] != ')') {
        tail f, l;
        if (read_item(s, &f, &l))
            return -1;
        if (f.nullable)
            continue;
        const cpset *c = NULL; /* this item's cheaper side */
        size_t cc = (size_t)-1;
        if (!set_big(&l.last) && l.last.n)
            c = &l.last, cc = set_cost(&l.last);
        if (!set_big(&f.last) && f.last.n && set_cost(&f.last) < cc)
            c = &f.last, cc = set_cost(&f.last);
        if (c)
            best2_offer(b, c, cc, 0);
    }
    return 0;
}

/* Per alternative the best set of seq's, their union (with the largest distance), and the
 * second set of a pattern without alternatives; -1 when an alternative has none. */
static int two_sets(const char *src, size_t len, int (*seq)(scan *, best2 *), uint32_t *cps, size_t *n,
                    size_t *dist, uint32_t *cps2, size_t *n2, size_t *dist2)
{
    scan st = {(const unsigned char *)src, len, 0, NULL, 0, NULL, 0};
    cpset all = {0, 0, {0}}, second = {0, 0, {0}};
    size_t d = 0, d2 = 0;
    int alts = 0;
    *n = *n2 = 0;
    *dist = *dist2 = 0;
    for (;;) {
        best2 b = {.n = 0};
        if (seq(&st, &b) || b.n == 0)
            return -1;
        set_union(&all, &b.set[0]);
        if (set_big(&all))
            return -1;
        if (b.dist[0] > d)
            d = b.dist[0];
        if (alts++ == 0 && b.n == 2) {
            set_copy(&second, &b.set[1]);
            d2 = b.dist[1];
        }
        if (st.i >= st.n)
            break;
        if (st.s[st.i] != '|')
            return -1; /* an unbalanced ')' */
        st.i++;
    }
    memcpy(cps, all.cp, all.n * sizeof *cps);
    *n = all.n;
    *dist = d;
    if (alts == 1 && second.n && !set_big(&second)) { /* a second set only without alternatives */
        memcpy(cps2, second.cp, second.n * sizeof *cps2);
        *n2 = second.n;
        *dist2 = d2;
    }
    return 0;
}

int rxscan_needed(const char *src, size_t len, uint32_t *cps, size_t *n, uint32_t *cps2, size_t *n2)
{
    size_t d, d2;
    return two_sets(src, len, needed_seq, cps, n, &d, cps2, n2, &d2);
}

/* The number characters above U+00FF, in code point order (rxscan_number_char searches it):
 * the numerals and multipliers, 余 多, the range words (至 到 — － ～). */
static const uint32_t NUMBER_CJK[] = {0x2014, 0x3007, 0x4E00, 0x4E03, 0x4E07, 0x4E09, 0x4E24, 0x4E5D, 0x4E8C,
                                      0x4E94, 0x4EBF, 0x4F59, 0x516B, 0x516D, 0x5230, 0x5341, 0x5343, 0x5345,
                                      0x56DB, 0x591A, 0x5EFF, 0x767E, 0x81F3, 0x96F6, 0xFF0D, 0xFF5E};

size_t rxscan_number_chars(uint32_t *out, size_t cap)
{
    size_t n = 0;
    for (uint32_t cp = 0; cp < 0x100; cp++)
        if (rxscan_number_char(cp) && n < cap)
            out[n++] = cp;
    for (size_t i = 0; i < sizeof NUMBER_CJK / sizeof NUMBER_CJK[0] && n < cap; i++)
        out[n++] = NUMBER_CJK[i];
    return n;
}

int rxscan_number_char(uint32_t cp)
{
    /* digits, the separators and spaces inside numbers (\s without PCRE2_UCP), the '/' of
     * dates, then NUMBER_CJK */
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || cp == ',' || cp == '.' || cp == '/' || cp == '~' || cp == '-' ||
               (cp >= 9 && cp <= 13) || cp == ' ';
    if (cp == 0x85 || cp == 0xA0)
        return 1;
    size_t lo = 0, hi = sizeof NUMBER_CJK / sizeof NUMBER_CJK[0];
    while (cp >= 0x100 && lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (NUMBER_CJK[mid] == cp)
            return 1;
        if (NUMBER_CJK[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Rule out, for rxscan_near, sets every number near its start has: a digit's. */
static int set_has_digit(const cpset *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->cp[i] >= '0' && a->cp[i] <= '9')
            return 1;
    return 0;
}

/* rxscan_near's alternative: per item that cannot be empty, the cheaper of its first and
 * last characters with their distances. The items before the one a set is read from: first
 * those that take only a number's characters (they stay within the run the match starts
 * with), then items of bounded width, summed in k. */
static int near_seq(scan *s, best2 *b)
{
    size_t k = 0;
    int inprefix = 1, bounded = 1;
    while (s->i < s->n && s->s[s->i] != '|' && s->s[s->i] != ')') {
        tail f, l;
        if (read_item(s, &f, &l))
            return -1;
        if (bounded && !f.nullable) {
            /* its first character stands at most k past the run, its last at most
             * k + width - 1: the cheaper side of the item */
            size_t d[2] = {k, l.width == W_INF ? W_INF : w_add(k, l.width - 1)};
            const cpset *c[2] = {&f.last, &l.last}, *pick = NULL;
            size_t cc = (size_t)-1, dd = 0;
            for (int j = 0; j < 2; j++) {
                if (d[j] == W_INF || d[j] > RXSCAN_NEAR_MAX || set_big(c[j]) || !c[j]->n || set_has_digit(c[j]))
                    continue;
                size_t cj = set_cost(c[j]) * (d[j] + 1);
                if (cj <= cc)
                    pick = c[j], cc = cj, dd = d[j];
            }
            if (pick)
                best2_offer(b, pick, cc, dd);
        }
        if (bounded && !(inprefix && f.inrun)) {
            inprefix = 0;
            k = w_add(k, f.width);
            bounded = k != W_INF;
        }
    }
    return 0;
}

int rxscan_near(const char *src, size_t len, uint32_t *cps, size_t *n, size_t *dist, uint32_t *cps2, size_t *n2,
                size_t *dist2)
{
    return two_sets(src, len, near_seq, cps, n, dist, cps2, n2, dist2);
}

/* ---- rxscan_pairs: the first two characters ------------------------------------------- */

/* After an item: is a quantifier next (or a comment or \E, which may stand before one)? -1
 * yes, 0 no. */
static int no_quant(const scan *s)
{
    if (s->i >= s->n)
        return 0;
    unsigned q = s->s[s->i];
    if (q == '?' || q == '*' || q == '+' || (q == '{' && (rxlex_quantifier(s) || rxlex_quantifier_doubt(s))))
        return -1;
    if (q == '\\' && s->i + 1 < s->n && s->s[s->i + 1] == 'E')
        return -1;
    return q == '(' && s->i + 2 < s->n && s->s[s->i + 1] == '?' && s->s[s->i + 2] == '#' ? -1 : 0;
}

/* A product of two sets: every pair of a character of f and one of s. */
typedef struct prod {
    cpset f, s;
} prod;

#define PAIRS_MAX 128 /* products kept per piece; more: the pattern is beyond the scan */

/* What a piece of pattern says about the first two characters of its matches: its first
 * characters, the characters it can match alone (one-character matches), whether it can
 * match the empty string, and products that hold the first two characters of each match
 * of two characters or more. */
typedef struct psum {
    cpset f, o;
    int nullable;
    prod *pi;
    size_t npi, cap;
} psum;

static void psum_init(psum *p, int nullable)
{
    p->f.all = p->o.all = 0;
    p->f.n = p->o.n = 0;
    p->nullable = nullable;
    p->pi = NULL;
    p->npi = p->cap = 0;
}

static void psum_release(psum *p)
{
    free(p->pi);
    p->pi = NULL;
    p->npi = p->cap = 0;
}

/* Add the product f x s; -1 when there are too many. */
static int prod_add(psum *p, const cpset *f, const cpset *s)
{
    if ((!f->all && !f->n) || (!s->all && !s->n))
        return 0;
    if (p->npi == PAIRS_MAX)
        return -1;
    GROW(p->pi, p->npi + 1, p->cap);
    set_copy(&p->pi[p->npi].f, f);
    set_copy(&p->pi[p->npi].s, s);
    p->npi++;
    return 0;
}

static int prods_add(psum *p, const psum *q)
{
    for (size_t i = 0; i < q->npi; i++)
        if (prod_add(p, &q->pi[i].f, &q->pi[i].s))
            return -1;
    return 0;
}

/* x := x followed by y. */
static int psum_concat(psum *x, const psum *y)
{
    if (prod_add(x, &x->o, &y->f) || (x->nullable && prods_add(x, y)))
        return -1;
    cpset o = {0, 0, {0}};
    if (y->nullable)
        set_copy(&o, &x->o);
    if (x->nullable) {
        set_union(&o, &y->o);
        set_union(&x->f, &y->f);
    }
    set_copy(&x->o, &o);
    x->nullable &= y->nullable;
    return 0;
}

/* x := x or y. */
static int psum_alt(psum *x, const psum *y)
{
    set_union(&x->f, &y->f);
    set_union(&x->o, &y->o);
    x->nullable |= y->nullable;
    return prods_add(x, y);
}

static int pairs_alt(scan *s, psum *out, int depth);

/* One item: an atom (as last_item reads it: one character of its set at a time, or none)
 * or a group. */
static int pairs_item(scan *s, psum *out, int depth)
{
    const unsigned char *p = s->s + s->i;
    size_t left = s->n - s->i;
    psum_init(out, 0);
    int group = 0, fold = 0;
    if (depth > 200)
        return -1;
    if (p[0] == '(' && !rxlex_is_call(p, left) && !(left >= 2 && p[1] == '*') && !rxlex_is_define(p, left)) {
        if (left >= 2 && p[1] == '?') {
            unsigned d = left >= 3 ? p[2] : 0;
            if (d == ':' || d == '|' || d == '>') {
                s->i += 3;
                group = 1;
            } else if (d == 'i' && left >= 4 && p[3] == ':') {
                s->i += 4;
                group = fold = 1;
            } else if ((d == '<' && left >= 4 && p[3] != '=' && p[3] != '!' && p[3] != '*') || d == '\'' ||
                       (d == 'P' && left >= 4 && p[3] == '<')) {
                const unsigned char *e = memchr(p + 3, d == '\'' ? '\'' : '>', left - 3);
                if (!e)
                    return -1;
                s->i = (size_t)(e - s->s) + 1;
                group = 1;
            }
        } else {
            s->i++;
            group = 1;
        }
    }
    if (!group) {
        tail t;
        if (last_item(s, &t, depth, 1))
            return -1;
        out->nullable = t.nullable;
        if (t.width == 0)
            return 0; /* an assertion, a lookaround, a comment */
        /* one character of the set at a time; more than one: the set twice */
        set_copy(&out->f, &t.last);
        set_copy(&out->o, &t.last);
        return t.width > 1 ? prod_add(out, &t.last, &t.last) : 0;
    }
    if (pairs_alt(s, out, depth + 1) || s->i >= s->n || s->s[s->i] != ')')
        return -1;
    s->i++;
    if (fold) {
        fold_set(&out->f);
        fold_set(&out->o);
        for (size_t i = 0; i < out->npi; i++) {
            fold_set(&out->pi[i].f);
            fold_set(&out->pi[i].s);
        }
    }
    /* its quantifier: repeated, the characters it can match alone may follow each other */
    if (no_quant(s) == 0)
        return 0;
    unsigned q = s->s[s->i];
    size_t ql, min = 1, max = 1;
    if (q == '?' || q == '*' || q == '+') {
        min = q == '+';
        max = q == '?' ? 1 : RXLEX_UNBOUNDED;
        s->i++;
    } else if (q == '{' && !rxlex_quantifier_doubt(s) && (ql = rxlex_quantifier_bounds(s, &min, &max)) > 0) {
        s->i += ql;
    } else {
        return -1; /* a comment or \E before it, or a brace read two ways */
    }
    if (s->i < s->n && (s->s[s->i] == '?' || s->s[s->i] == '+'))
        s->i++;
    if (max == 0) { /* {0}: nothing */
        psum_release(out);
        psum_init(out, 1);
        return 0;
    }
    out->nullable |= min == 0;
    return max > 1 ? prod_add(out, &out->o, &out->f) : 0;
}

static int pairs_seq(scan *s, psum *out, int depth)
{
    psum_init(out, 1);
    while (s->i < s->n && s->s[s->i] != '|' && s->s[s->i] != ')') {
        psum it;
        int rc = pairs_item(s, &it, depth) || psum_concat(out, &it);
        psum_release(&it);
        if (rc)
            return -1;
    }
    return 0;
}

static int pairs_alt(scan *s, psum *out, int depth)
{
    if (pairs_seq(s, out, depth))
        return -1;
    while (s->i < s->n && s->s[s->i] == '|') {
        s->i++;
        psum b;
        int rc = pairs_seq(s, &b, depth) || psum_alt(out, &b);
        psum_release(&b);
        if (rc)
            return -1;
    }
    return 0;
}

int rxscan_pairs(const char *src, size_t len, uint64_t *pairs, uint64_t *open)
{
    scan st = {(const unsigned char *)src, len, 0, NULL, 0, NULL, 0};
    psum t;
    int rc = 0;
    if (pairs_alt(&st, &t, 0) || st.i != st.n || t.f.all || t.o.all) {
        psum_release(&t);
        return -1;
    }
    /* one-character matches: any second character (or none) */
    for (size_t i = 0; i < t.o.n; i++)
        if (t.o.cp[i] < 0x10000)
            open[t.o.cp[i] >> 6] |= (uint64_t)1 << (t.o.cp[i] & 63);
    for (size_t k = 0; k < t.npi && rc == 0; k++) {
        const prod *pr = &t.pi[k];
        if (pr->f.all) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < pr->f.n; i++) {
            uint32_t a = pr->f.cp[i];
            if (a >= 0x10000)
                continue; /* always open */
            if (pr->s.all) {
                open[a >> 6] |= (uint64_t)1 << (a & 63);
                continue;
            }
            for (size_t j = 0; j < pr->s.n; j++) {
                size_t h = rxscan_pair_hash(a, pr->s.cp[j]);
                pairs[h >> 6] |= (uint64_t)1 << (h & 63);
            }
        }
    }
    psum_release(&t);
    return rc;
}
