/* text_int.h: what text.c (the text object, normalisation, detection) and encoding.c
 * (UTF-8 repair, iconv decoding, GB18030 or Big5) share. Private to text/. */
#ifndef PM_TEXT_INT_H
#define PM_TEXT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "text/text.h"

/* At most this many bad-byte warnings per document; one more says "too many". */
#define WARN_MAX 50
/* Bytes of input decoded and scored to choose between GB18030 and Big5. */
#define SCORE_SAMPLE (256u << 10)

/* Internal result of a strict decode or validating pass: the bytes are not valid. */
#define NOT_VALID 1

typedef struct {
    text_warn_fn fn;
    void *ctx;
    long last_line;
    unsigned count;
} warner;

/* Report bad bytes on `line`: once per line, at most WARN_MAX times. */
static inline void warn_bad(warner *w, long line)
{
    if (!w || !w->fn || line == w->last_line)
        return;
    w->last_line = line;
    if (w->count < WARN_MAX)
        w->fn(w->ctx, line, "invalid byte sequence replaced");
    else if (w->count == WARN_MAX)
        w->fn(w->ctx, line, "too many invalid byte sequences: further ones replaced silently");
    w->count++;
}

/* How many '\n' in s[0..n). */
static inline long count_lines(const char *s, size_t n)
{
    long k = 0;
    const char *end = s + n;
    while (s < end && (s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        k++;
        s++;
    }
    return k;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (1-4), or 0. */
static inline size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* The code point of the well-formed sequence of len bytes at s. */
static inline uint32_t utf8_get(const unsigned char *s, size_t len)
{
    switch (len) {
    case 1: return s[0];
    case 2: return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    case 3: return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    default:
        return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
               (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    }
}

/* text.c: the simplified form of cp, or 0 when it has none. */
uint32_t text_t2s(uint32_t cp);

/* ---- encoding.c ---- */

/* name upper-cased without '-' and '_' ("utf-8" -> "UTF8"), truncated to fit. */
void enc_key(const char *name, char *key, size_t size);
/* Code unit size of an encoding: 2 for UTF-16/UCS-2, 4 for UTF-32/UCS-4, else 1. */
size_t enc_unit(const char *name);

/* Decode in[0..n) from enc to UTF-8 into a new NUL-terminated buffer (*out, the caller
 * frees). strict: stop at the first bad byte and return NOT_VALID. Otherwise each bad
 * byte (code unit, for UTF-16 and UTF-32) becomes U+FFFD (counted in *nbad if nbad,
 * warned through w). Returns PM_OK, NOT_VALID, or PM_ERR_INPUT when iconv cannot
 * convert from enc at all. */
int enc_iconv(const char *enc, const char *in, size_t n, int strict, warner *w, char **out,
              size_t *outlen, size_t *nbad);

/* Counts over s[0..n): well-formed 3- and 4-byte sequences (hanzi and the like;
 * 2-byte ones arise by chance in GB and Big5 text too) and ill-formed subparts. */
void enc_utf8_stats(const unsigned char *s, size_t n, size_t *good_mb, size_t *bad);

/* A new NUL-terminated copy of s[0..n) (the caller frees), each ill-formed subpart
 * replaced by U+FFFD (EF BF BD) and warned with its line; its length in *outlen. */
char *enc_utf8_repair(const unsigned char *s, size_t n, warner *w, size_t *outlen);

/* Bytes that are not UTF-8: the best-ranked legacy decoding (GB18030 or Big5) that
 * decodes the whole input strictly; if none does, the candidate (UTF-8, GB18030,
 * BIG5) that needs the fewest replacements, those warned through w. Returns the
 * encoding's name with the text in *buf (the caller frees; NULL if that decoding
 * failed after all), or NULL for UTF-8 with repairs (then *buf is NULL). */
const char *enc_legacy(const unsigned char *s, size_t n, warner *w, char **buf, size_t *len);

/* Valid UTF-8 s[0..n) without any 3- or 4-byte character but with 2-byte characters a
 * Chinese document would not contain (IPA, modifiers, combining marks, Hebrew,
 * Arabic ...) is likely a short GB or Big5 text that happens to be valid UTF-8
 * (实施 in GBK is CA B5 CA A9, two IPA letters in UTF-8). The legacy decoding when it
 * scores better (its name, the text in *buf for the caller to free), else NULL. */
const char *enc_recheck_two_byte(const unsigned char *s, size_t n, char **buf, size_t *len);

#endif
