/* rxguard.c: first-character guards (rxscan_guard) - an alternation of literal words gets
 * a lookahead class of their first characters, so PCRE2 rejects most positions at once. */
#include "ruleset/rxscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strbuf.h"
#include "base/utf8.h"
#include "ruleset/rxscan_int.h"

/* One set of a table guard: a bit per character below U+10000, in pages of 256. */
struct gset {
    uint32_t *cp;       /* its characters, sorted (to find a set added twice) */
    size_t n;
    int at_end;         /* the subject's end passes too */
    int hi;             /* a character above U+FFFF is in it: every such character passes */
    uint16_t page[256]; /* per 256 code points: 0 none of them, else 1 + the page's index */
};

struct rxscan_guards {
    struct gset *set;
    size_t n, cap;
    uint32_t (*pages)[8];
    size_t npages, cappages;
};

rxscan_guards *rxscan_guards_create(void)
{
    return xcalloc(1, sizeof(rxscan_guards));
}

void rxscan_guards_free(rxscan_guards *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        free(g->set[i].cp);
    free(g->set);
    free(g->pages);
    free(g);
}

static int cmp_u32(const void *pa, const void *pb);

/* The index of the set of cps[0..n) (with at_end) in g, added if new; -1 when g is full
 * (the guard then stays a class, or none). cps is sorted in place. */
static long guards_add(rxscan_guards *g, uint32_t *cps, size_t n, int at_end)
{
    qsort(cps, n, sizeof *cps, cmp_u32);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || cps[i] != cps[m - 1])
            cps[m++] = cps[i];
    for (size_t i = 0; i < g->n; i++)
        if (g->set[i].n == m && g->set[i].at_end == at_end && memcmp(g->set[i].cp, cps, m * sizeof *cps) == 0)
            return (long)i;
    if (g->n >= 255) /* callout numbers 1..255 */
        return -1;
    GROW(g->set, g->n + 1, g->cap);
    struct gset *e = &g->set[g->n];
    memset(e, 0, sizeof *e);
    e->cp = xmalloc((m ? m : 1) * sizeof *cps);
    memcpy(e->cp, cps, m * sizeof *cps);
    e->n = m;
    e->at_end = at_end;
    for (size_t i = 0; i < m; i++) {
        if (cps[i] >= 0x10000) {
            e->hi = 1;
            continue;
        }
        unsigned pg = cps[i] >> 8;
        if (!e->page[pg]) {
            GROW(g->pages, g->npages + 1, g->cappages);
            memset(g->pages[g->npages], 0, sizeof g->pages[0]);
            e->page[pg] = (uint16_t)++g->npages;
        }
        g->pages[e->page[pg] - 1][(cps[i] & 0xFF) >> 5] |= (uint32_t)1 << (cps[i] & 31);
    }
    return (long)g->n++;
}

int rxscan_guards_callout(pcre2_callout_block *b, void *data)
{
    const rxscan_guards *g = data;
    uint32_t k = b->callout_number;
    if (!g || k == 0 || k > g->n || b->callout_string)
        return 0;
    const struct gset *e = &g->set[k - 1];
    size_t at = b->current_position;
    if (at >= b->subject_length)
        return e->at_end ? 0 : 1;
    size_t left = b->subject_length - at;
    const unsigned char *u = b->subject + at;
    uint32_t cp = u[0];
    if (cp >= 0xE0 && cp < 0xF0 && left >= 3) { /* most of a Chinese text */
        cp = (cp & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    } else if (cp >= 0xF0) {
        return e->hi ? 0 : 1;
    } else if (cp >= 0x80) {
        size_t l;
        cp = utf8_decode(u, left, &l);
    }
    unsigned pg = e->page[cp >> 8 & 0xFF];
    return pg && (g->pages[pg - 1][(cp & 0xFF) >> 5] >> (cp & 31) & 1) ? 0 : 1;
}

/* Append the callout of table guard k (its set's index). */
static void put_table_guard(strbuf *o, long k)
{
    char buf[32];
    snprintf(buf, sizeof buf, "(?C%ld)", k + 1);
    strbuf_addstr(o, buf);
}

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
            i += i + 2 < len && src[i + 1] == 'c' ? 3 : 2; /* \cX: X is the escape's, even a ] */
        } else if (src[i] == '[' && rxlex_posix_end((const unsigned char *)src, i, len)) {
            i = rxlex_posix_end((const unsigned char *)src, i, len);
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

/* Does the pattern set options anywhere ((?i), (?s:...), (?^), (?-m) ...)? A table guard
 * tests characters as they are, not as (?i) would fold them. */
static int guard_options(const char *src, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (src[i] == '\\') {
            i++;
            continue;
        }
        if (src[i] == '(' && src[i + 1] == '?' && strchr("imnsxUJa^-", src[i + 2]))
            return 1;
    }
    return 0;
}

/* ---- call and tail guards (table guards only) ---- */

/* From src[i], inside an alternative: the index of the '|' or ')' that ends it at this
 * level, or at the top level (top) len when the pattern ends first; (size_t)-1 when the
 * scan gives up. */
static size_t alt_end(const char *src, size_t len, size_t i, int top)
{
    int depth = 0;
    while (i < len && !(depth == 0 && (src[i] == '|' || src[i] == ')'))) {
        size_t next = guard_step(src, len, i);
        if (!next)
            return (size_t)-1;
        if (next == i + 1)
            depth += src[i] == '(' ? 1 : src[i] == ')' ? -1 : 0;
        i = next;
    }
    if (i >= len)
        return top && depth == 0 ? len : (size_t)-1;
    return top && src[i] == ')' ? (size_t)-1 : i;
}

/* The ')' of the group one of whose alternatives ends at src[e] ('|' or ')'); (size_t)-1
 * when the scan gives up. */
static size_t group_close(const char *src, size_t len, size_t e)
{
    while (e < len && src[e] == '|')
        if ((e = alt_end(src, len, e + 1, 0)) == (size_t)-1)
            return e;
    return e < len && src[e] == ')' ? e : (size_t)-1;
}

/* The length of a quantifier at src[i] (* + ? or a brace PCRE2 reads as one), 0 when none
 * stands there, (size_t)-1 when PCRE2 versions read the brace differently. */
static size_t quant_len(const char *src, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    if (src[i] == '*' || src[i] == '+' || src[i] == '?')
        return 1;
    if (src[i] != '{')
        return 0;
    scan st = {(const unsigned char *)src, len, i, NULL, 0, NULL, 0};
    if (rxlex_quantifier_doubt(&st))
        return (size_t)-1;
    return rxlex_quantifier(&st);
}

/* Past the ')' at src[c] and a quantifier that lets its group match once at most (? or
 * ??): where what follows the group starts; (size_t)-1 when the group may repeat or is
 * possessive (then what follows is not all that comes next). */
static size_t after_group(const char *src, size_t len, size_t c)
{
    size_t j = c + 1, q = quant_len(src, len, j);
    if (q == 0)
        return j;
    if (q != 1 || src[j] != '?')
        return (size_t)-1;
    j++;
    if (j < len && src[j] == '+')
        return (size_t)-1;
    return j < len && src[j] == '?' ? j + 1 : j;
}

/* A group opener at src[i] == '(': its length in *oplen, and whether it is a plain or
 * capturing group (1), a call (2: (?&name) (?P>name) (?R) (?1) ..., up to its ')'), a
 * comment (3) or another kind (0: lookarounds, atomic groups, conditionals, DEFINE ...).
 * For a named group or a call by name, the name in *name, *nlen. */
static int opener_kind(const char *src, size_t len, size_t i, size_t *oplen, const char **name, size_t *nlen)
{
    *name = NULL;
    *nlen = 0;
    if (rxlex_is_call((const unsigned char *)src + i, len - i)) {
        const char *e = memchr(src + i, ')', len - i);
        if (!e)
            return -1;
        *oplen = (size_t)(e - src) + 1 - i;
        size_t at = src[i + 2] == '&' ? i + 3 : src[i + 2] == 'P' ? i + 4 : 0;
        if (at) {
            *name = src + at;
            *nlen = (size_t)(e - src) - at;
        }
        return 2;
    }
    if (i + 2 < len && src[i + 1] == '?' && src[i + 2] == '#') {
        *oplen = guard_step(src, len, i) - i;
        return 3;
    }
    size_t op = guard_opener(src, len, i);
    if (op) {
        *oplen = op;
        if (op > 3) { /* (?<name> (?'name' (?P<name> */
            size_t at = i + 3 + (src[i + 2] == 'P');
            *name = src + at;
            *nlen = i + op - 1 - at;
        }
        return 1;
    }
    *oplen = i + 1 < len && src[i + 1] == '?' ? 2 : 1;
    return 0;
}

/* The body src[*b..*e) of the first group named name (what a call by that name runs). */
static int find_group(const char *src, size_t len, const char *name, size_t nlen, size_t *b, size_t *e)
{
    for (size_t i = 0; i < len;) {
        size_t op;
        const char *nm;
        size_t nl;
        if (src[i] == '(' && opener_kind(src, len, i, &op, &nm, &nl) == 1 && nm && nl == nlen &&
            memcmp(nm, name, nlen) == 0) {
            size_t end = alt_end(src, len, i + op, 0);
            if (end == (size_t)-1 || (end = group_close(src, len, end)) == (size_t)-1)
                return 0;
            *b = i + op;
            *e = end;
            return 1;
        }
        size_t next = guard_step(src, len, i);
        if (!next)
            return 0;
        i = next;
    }
    return 0;
}

/* The calls of a pattern: by name, and whether one is by number ((?1), (?-1), (?R)). */
typedef struct calls {
    const char **name;
    size_t *nlen, n;
    int numbered;
} calls;

/* Read the calls of src; 0, or -1 when the scan gives up. */
static int read_calls(const char *src, size_t len, calls *c)
{
    size_t cap = 0;
    for (size_t i = 0; i < len;) {
        size_t op, nl;
        const char *nm;
        if (src[i] == '(' && opener_kind(src, len, i, &op, &nm, &nl) == 2) {
            if (!nm) {
                c->numbered = 1;
            } else {
                if (c->n == cap) {
                    cap = cap ? 2 * cap : 8;
                    c->name = xrealloc(c->name, cap * sizeof *c->name);
                    c->nlen = xrealloc(c->nlen, cap * sizeof *c->nlen);
                }
                c->name[c->n] = nm;
                c->nlen[c->n++] = nl;
            }
        }
        size_t next = guard_step(src, len, i);
        if (!next)
            return -1;
        i = next;
    }
    return 0;
}

/* May a capturing group of this name (NULL: unnamed) be called? */
static int is_called(const calls *c, const char *name, size_t nlen)
{
    if (c->numbered)
        return 1;
    for (size_t i = 0; name && i < c->n; i++)
        if (c->nlen[i] == nlen && memcmp(c->name[i], name, nlen) == 0)
            return 1;
    return 0;
}

/* The table guard for a pattern piece src[0..n) that must match next, with "the subject
 * ends here" allowed when it can match nothing only there (end_ok): its set's index, or -1
 * when the piece can match nothing elsewhere or its first characters are not known. */
static long piece_guard(rxscan_guards *g, const char *piece, size_t n, int end_ok)
{
    uint32_t cps[RXSCAN_MANY_MAX];
    size_t m;
    int nullable;
    if (rxscan_first_many(piece, n, cps, &m, &nullable) || !m || (nullable && !end_ok))
        return -1;
    return guards_add(g, cps, m, nullable);
}

/* What must match after a lazy quantifier that ends at src[q], its group stack open[0..depth)
 * (where each group's alternative starts), up to the pattern's end: the rest of each
 * alternative out to the top, each group left through its ')' (and a ? quantifier). Its
 * guard (piece_guard), the pattern's closing \z read as "the subject ends here"; -1 none. */
static long tail_guard(rxscan_guards *g, const char *src, size_t len, size_t q, size_t depth)
{
    strbuf cont = STRBUF_INIT;
    size_t pos = q;
    long k = -1;
    for (size_t level = depth + 1; level-- > 0;) {
        size_t e = alt_end(src, len, pos, level == 0);
        if (e == (size_t)-1)
            goto done;
        strbuf_add(&cont, src + pos, e - pos);
        if (level == 0)
            break;
        size_t c = group_close(src, len, e);
        if (c == (size_t)-1 || (pos = after_group(src, len, c)) == (size_t)-1)
            goto done;
    }
    size_t n = cont.len, bs = 0;
    if (n >= 2 && cont.buf[n - 1] == 'z')
        for (size_t i = n - 1; i-- > 0 && cont.buf[i] == '\\';)
            bs++;
    int end_ok = bs % 2 == 1; /* an unescaped \z closes it */
    k = piece_guard(g, cont.buf ? cont.buf : "", end_ok ? n - 2 : n, end_ok);
done:
    strbuf_release(&cont);
    return k;
}

/* The pattern with call guards - (?&name) as (?:(?Ck)(?&name)), k the first characters of
 * the group it runs - and tail guards - (?Ck) after a lazy quantifier, k the first
 * characters of what must match next - in plain and capturing groups only (not in
 * lookarounds, atomic groups or conditionals, nor in groups that are called, whose ends
 * return elsewhere). NULL when none was added or the scan gives up. */
static char *call_tail_guards(const char *src, size_t len, rxscan_guards *g, size_t *outlen)
{
    enum { MAXDEPTH = 64 };
    int plain[MAXDEPTH];
    size_t depth = 0, copied = 0, added = 0;
    strbuf o = STRBUF_INIT;
    for (size_t i = 0; i + 1 < len; i++)
        if (src[i] == '\\' && src[i + 1] == 'Q')
            return NULL;
    calls cl = {NULL, NULL, 0, 0};
    if (rxscan_start_sensitive(src, len) || read_calls(src, len, &cl))
        goto giveup;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)src[i];
        if (c == '(') {
            size_t op;
            const char *nm;
            size_t nl;
            int kind = opener_kind(src, len, i, &op, &nm, &nl);
            if (kind < 0)
                goto giveup;
            if (kind == 2) { /* a call: guarded by the first characters of the group it runs */
                size_t b, e;
                long k = nm && find_group(src, len, nm, nl, &b, &e) ? piece_guard(g, src + b, e - b, 0) : -1;
                if (k >= 0) {
                    strbuf_add(&o, src + copied, i - copied);
                    strbuf_addstr(&o, "(?:");
                    put_table_guard(&o, k);
                    strbuf_add(&o, src + i, op);
                    strbuf_addch(&o, ')');
                    copied = i + op;
                    added++;
                }
                i += op;
                continue;
            }
            if (kind == 3) {
                i += op;
                continue;
            }
            if (depth == MAXDEPTH)
                goto giveup;
            /* a capturing group that is called (or any, when some call is by number) ends
             * where the call returns: no tail guard inside */
            plain[depth++] = kind == 1 && !((op == 1 || nm) && is_called(&cl, nm, nl));
            i += op;
            continue;
        }
        if (c == ')') {
            if (depth == 0)
                goto giveup;
            depth--;
            i++;
            continue;
        }
        size_t ql = c == '{' || c == '*' || c == '+' || c == '?' ? quant_len(src, len, i) : 0;
        if (ql == (size_t)-1)
            goto giveup;
        if (ql) {
            size_t q = i + ql;
            if (q < len && src[q] == '?') { /* lazy: what follows is tried first */
                q++;
                int ok = 1;
                for (size_t d = 0; d < depth; d++)
                    ok &= plain[d];
                long k = ok ? tail_guard(g, src, len, q, depth) : -1;
                if (k >= 0) {
                    strbuf_add(&o, src + copied, q - copied);
                    put_table_guard(&o, k);
                    copied = q;
                    added++;
                }
            }
            i = q;
            continue;
        }
        size_t next = guard_step(src, len, i);
        if (!next)
            goto giveup;
        i = next;
    }
    if (!added || depth != 0)
        goto giveup;
    free(cl.name);
    free(cl.nlen);
    strbuf_add(&o, src + copied, len - copied);
    return strbuf_detach(&o, outlen);
giveup:
    free(cl.name);
    free(cl.nlen);
    strbuf_release(&o);
    return NULL;
}

int rxscan_guard(const char *src, size_t len, char **out, size_t *outlen)
{
    return rxscan_guard_table(src, len, NULL, out, outlen);
}

/* The word guards (the alternations of literal words) of src, table guards from tables
 * (NULL: classes). 1 and the result in *out, or 0 when none was added. */
static int word_guards(const char *src, size_t len, rxscan_guards *tables, char **out, size_t *outlen);

int rxscan_guard_table(const char *src, size_t len, rxscan_guards *tables, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (guard_extended(src, len))
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (src[i] == '(' && (src[i + 1] == '*' || (src[i + 1] == '?' && i + 2 < len && src[i + 2] == 'C')))
            return 0; /* verbs: a (*MARK:NAME) name may hold ( and |, a guard in it breaks it;
                       * callouts: the table guards' */
    for (size_t i = 0; i + 1 < len; i++) {
        if (src[i] == '\\' && (src[i + 1] == 'E' || src[i + 1] == 'g'))
            return 0; /* a stray \E before a quantifier, \g<name> calls: beyond the scan */
        if (src[i] == '\\')
            i++;
        else if (src[i] == '(' && src[i + 1] == '?' && i + 2 < len && (src[i + 2] == '#' || src[i + 2] == '|'))
            return 0; /* a comment before a quantifier, branch resets (calls by number) */
    }
    if (guard_options(src, len))
        tables = NULL;
    size_t midlen = 0;
    char *mid = tables ? call_tail_guards(src, len, tables, &midlen) : NULL;
    int rc = word_guards(mid ? mid : src, mid ? midlen : len, tables, out, outlen);
    if (rc || !mid) {
        free(mid);
        return rc;
    }
    *out = mid;
    *outlen = midlen;
    return 1;
}

static int word_guards(const char *src, size_t len, rxscan_guards *tables, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    strbuf o = STRBUF_INIT;
    size_t copied = 0; /* src[0..copied) is in o */
    for (size_t i = 0; i < len;) {
        size_t from = i, op = 0, end = 0, nwords = 0;
        if (src[i] == '(' && (op = guard_opener(src, len, i)) && (end = guard_body(src, len, i + op, &nwords)))
            i = end + 1;
        else if (!(i = guard_step(src, len, i)))
            goto giveup; /* a class beyond the scan */
        if (!end)
            continue;
        /* (opener (?=[first characters]) (?: words ) ): each first character once, in
         * code point order (packed UTF-8 bytes sort the same way) */
        uint32_t *fc = xmalloc(nwords * sizeof *fc);
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
        size_t distinct = 0;
        for (size_t q = 0; q < nfc; q++)
            distinct += !q || fc[q] != fc[q - 1];
        strbuf_add(&o, src + copied, from + op - copied);
        long k = -1;
        if (tables && distinct >= RXSCAN_GUARD_TABLE_MIN) {
            uint32_t *cps = xmalloc(nfc * sizeof *cps);
            for (size_t q = 0; q < nfc; q++) { /* the packed bytes as code points */
                unsigned char u[4] = {0, 0, 0, 0};
                size_t ul = 0, l;
                for (int sh = 24; sh >= 0 && (fc[q] >> sh & 0xFF); sh -= 8)
                    u[ul++] = (unsigned char)(fc[q] >> sh & 0xFF);
                cps[q] = utf8_decode(u, ul, &l);
            }
            k = guards_add(tables, cps, nfc, 0);
            free(cps);
        }
        if (k >= 0) {
            put_table_guard(&o, k);
        } else {
            strbuf_addstr(&o, "(?=[");
            for (size_t q = 0; q < nfc; q++) {
                if (q && fc[q] == fc[q - 1])
                    continue;
                if (fc[q] >> 24 == '-') /* the only word character that means something in a class */
                    strbuf_addch(&o, '\\');
                for (int sh = 24; sh >= 0 && (fc[q] >> sh & 0xFF); sh -= 8)
                    strbuf_addch(&o, (int)(fc[q] >> sh & 0xFF));
            }
            strbuf_addstr(&o, "])");
        }
        free(fc);
        strbuf_addstr(&o, "(?:");
        strbuf_add(&o, src + from + op, end - (from + op));
        strbuf_addstr(&o, "))");
        copied = i;
    }
    if (!copied)
        goto giveup; /* nothing guarded */
    strbuf_add(&o, src + copied, len - copied);
    *out = strbuf_detach(&o, outlen);
    return 1;
giveup:
    strbuf_release(&o);
    return 0;
}
