/* rxscan.c: a conservative reading of PCRE2 pattern source - which characters its
 * consuming atoms can take. Anything unusual gives up and answers "may consume". */
#include "ruleset/rxscan.h"

#include <string.h>

#include "ruleset/rxscan_int.h"

/* Parse a class after '['; fold each candidate's membership into may[]. */
static int klass(scan *s, int counts)
{
    cclass c;
    if (rxlex_read_class(s, &c))
        return -1;
    for (size_t k = 0; counts && k < s->ncps; k++)
        if (rxlex_class_has(s, &c, s->cps[k]) != NO)
            s->may[k] = 1;
    return 0;
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
                        if (rxlex_same_char(s, cp, cps[k]))
                            may[k] = 1;
                }
                s->i += 2;
                continue;
            }
            a = rxlex_escape(s, 0);
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
                } else if (rxlex_is_define(p, left)) {
                    lk = 1; /* definitions match nothing where they stand */
                    s->i += DEFINE_LEN;
                } else if (lk && rxlex_is_call(p, left)) {
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
        } else if (c == '{' && rxlex_quantifier_doubt(s)) {
            goto giveup; /* a quantifier or text, as the PCRE2 run with reads it */
        } else if (c == '{' && rxlex_quantifier(s)) {
            s->i += rxlex_quantifier(s);
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
            if (rxlex_atom_has(s, &a, cps[k]) != NO)
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
