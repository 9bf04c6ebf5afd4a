/* rxguard.c: first-character guards (rxscan_guard) - an alternation of literal words gets
 * a lookahead class of their first characters, so PCRE2 rejects most positions at once. */
#include "ruleset/rxscan.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strbuf.h"
#include "ruleset/rxscan_int.h"

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

int rxscan_guard(const char *src, size_t len, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (guard_extended(src, len))
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (src[i] == '(' && src[i + 1] == '*')
            return 0; /* verbs: a (*MARK:NAME) name may hold ( and |, a guard in it breaks it */
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
        strbuf_add(&o, src + copied, from + op - copied);
        strbuf_addstr(&o, "(?=[");
        for (size_t q = 0; q < nfc; q++) {
            if (q && fc[q] == fc[q - 1])
                continue;
            if (fc[q] >> 24 == '-') /* the only word character that means something in a class */
                strbuf_addch(&o, '\\');
            for (int sh = 24; sh >= 0 && (fc[q] >> sh & 0xFF); sh -= 8)
                strbuf_addch(&o, (int)(fc[q] >> sh & 0xFF));
        }
        free(fc);
        strbuf_addstr(&o, "])(?:");
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
