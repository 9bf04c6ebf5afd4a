/* text.c: documents decoded to UTF-8 (UTF-8/16/32, GB18030, Big5 via iconv) and
 * normalised for matching in one linear pass, with a run-based map back to the original. */
#include "text/text.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text/t2s_table.h"

/* One run of the offset map: norm bytes from n on map to orig bytes from o on,
 * one to one, until the next run starts. */
typedef struct {
    size_t n, o;
} map_run;

struct text {
    char *orig;
    size_t orig_len;
    char *norm;
    size_t norm_len;
    map_run *runs;
    size_t nruns, runcap;
    char enc[64];
    /* Characters with lead byte 0xE3..0xE9 that normalisation leaves as they are:
     * bit (b2 ^ 0x80) of keep3[(b0 - 0xE3) << 6 | (b1 ^ 0x80)] (set at create) */
    uint64_t keep3[7 * 64];
};

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
static void warn_bad(warner *w, long line)
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

static long count_lines(const char *s, size_t n)
{
    long k = 0;
    const char *end = s + n;
    while (s < end && (s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        k++;
        s++;
    }
    return k;
}

/* ---- text object -------------------------------------------------------- */

text *text_create(void)
{
    text *t = calloc(1, sizeof(text));
    if (!t)
        return NULL;
    /* what norm_pass's slow path would copy unchanged: a code point in
     * [T2S_BMP_LO, T2S_BMP_HI) without a simplified form (below it: punctuation
     * and spaces, which the slow path looks at) */
    for (uint32_t cp = T2S_BMP_LO; cp < T2S_BMP_HI; cp++) {
        uint32_t k = cp - T2S_BMP_LO;
        if (!(t2s_bmp_bits[k >> 5] >> (k & 31) & 1u))
            t->keep3[((cp >> 12) - 3) << 6 | (cp >> 6 & 0x3F)] |= (uint64_t)1 << (cp & 0x3F);
    }
    return t;
}

static void text_reset(text *t)
{
    free(t->orig);
    free(t->norm);
    free(t->runs);
    t->orig = t->norm = NULL;
    t->runs = NULL;
    t->orig_len = t->norm_len = t->nruns = t->runcap = 0;
    t->enc[0] = '\0';
}

void text_free(text *t)
{
    if (!t)
        return;
    text_reset(t);
    free(t);
}

const char *text_orig(const text *t, size_t *len)
{
    if (len)
        *len = t && t->orig ? t->orig_len : 0;
    return t && t->orig ? t->orig : "";
}

const char *text_norm(const text *t, size_t *len)
{
    if (len)
        *len = t && t->norm ? t->norm_len : 0;
    return t && t->norm ? t->norm : "";
}

const char *text_encoding(const text *t)
{
    return t && t->enc[0] ? t->enc : "UTF-8";
}

size_t text_orig_offset(const text *t, size_t norm_off)
{
    if (!t || t->nruns == 0)
        return 0;
    if (norm_off >= t->norm_len)
        return t->orig_len;
    size_t lo = 0, hi = t->nruns; /* last run with n <= norm_off; runs[0].n == 0 */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->runs[mid].n <= norm_off)
            lo = mid;
        else
            hi = mid;
    }
    size_t r = t->runs[lo].o + (norm_off - t->runs[lo].n);
    return r < t->orig_len ? r : t->orig_len;
}

static int run_push(text *t, size_t n, size_t o)
{
    if (t->nruns && t->runs[t->nruns - 1].n == n) {
        t->runs[t->nruns - 1].o = o;
        return PM_OK;
    }
    if (t->nruns == t->runcap) {
        size_t cap = t->runcap ? t->runcap * 2 : 64;
        map_run *r = realloc(t->runs, cap * sizeof *r);
        if (!r)
            return PM_ERR_NOMEM;
        t->runs = r;
        t->runcap = cap;
    }
    t->runs[t->nruns].n = n;
    t->runs[t->nruns].o = o;
    t->nruns++;
    return PM_OK;
}

/* A character of il original bytes at orig offset o became ol bytes at norm
 * offset n (il != ol). Bytes of a longer replacement beyond il map to the last
 * original byte, keeping the map monotone and inside the character. */
static int map_change(text *t, size_t n, size_t o, size_t il, size_t ol)
{
    const map_run *last = &t->runs[t->nruns - 1];
    if (last->o + (n - last->n) != o && run_push(t, n, o))
        return PM_ERR_NOMEM;
    for (size_t k = il; k < ol; k++)
        if (run_push(t, n + k, o + il - 1))
            return PM_ERR_NOMEM;
    return run_push(t, n + ol, o + il);
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s[0..n) (1-4), or 0. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
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

/* Length of the maximal ill-formed subpart at s[0..n) (the bytes one U+FFFD
 * replaces, as Unicode recommends); s does not start a valid sequence. */
static size_t utf8_bad_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 1;
    size_t k = 1;
    if (k < n && s[k] >= lo && s[k] <= hi) {
        k++;
        while (k < len && k < n && (s[k] & 0xC0) == 0x80)
            k++;
    }
    return k < len ? k : 1;
}

static uint32_t utf8_decode(const unsigned char *s, size_t len)
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

static size_t utf8_put(unsigned char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | cp >> 6);
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | cp >> 12);
        d[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | cp >> 18);
    d[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Counts over s[0..n): well-formed 3- and 4-byte sequences (hanzi and the like;
 * 2-byte ones arise by chance in GB and Big5 text too) and ill-formed subparts. */
static void utf8_stats(const unsigned char *s, size_t n, size_t *good_mb, size_t *bad)
{
    size_t i = 0, g = 0, b = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_valid_len(s + i, n - i);
        if (len) {
            g += len > 2;
            i += len;
        } else {
            b++;
            i += utf8_bad_len(s + i, n - i);
        }
    }
    *good_mb = g;
    *bad = b;
}

/* Copy s[0..n) into a new buffer, each ill-formed subpart replaced by U+FFFD
 * (EF BF BD), warning with its line. */
static int utf8_repair(const unsigned char *s, size_t n, warner *w, char **out, size_t *outlen)
{
    size_t cap = n + n / 8 + 16;
    unsigned char *d = malloc(cap + 1);
    if (!d)
        return PM_ERR_NOMEM;
    size_t i = 0, o = 0, counted = 0;
    long line = 1;
    while (i < n) {
        if (cap - o < 4) {
            unsigned char *nd = realloc(d, cap * 2 + 1);
            if (!nd) {
                free(d);
                return PM_ERR_NOMEM;
            }
            d = nd;
            cap *= 2;
        }
        size_t len = s[i] < 0x80 ? 1 : utf8_valid_len(s + i, n - i);
        if (len) {
            memcpy(d + o, s + i, len);
            o += len;
            i += len;
            continue;
        }
        line += count_lines((const char *)s + counted, i - counted);
        counted = i;
        warn_bad(w, line);
        d[o++] = 0xEF;
        d[o++] = 0xBF;
        d[o++] = 0xBD;
        i += utf8_bad_len(s + i, n - i);
    }
    d[o] = '\0';
    *out = (char *)d;
    *outlen = o;
    return PM_OK;
}

/* ---- traditional -> simplified ------------------------------------------ */

static inline unsigned popcount32(uint32_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_popcount(x);
#else
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    return (((x + (x >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24;
#endif
}

/* Simplified form of cp in [T2S_BMP_LO, T2S_BMP_HI), or 0: one bitmap probe. */
static inline uint32_t t2s_bmp(uint32_t cp)
{
    uint32_t k = cp - T2S_BMP_LO, w = t2s_bmp_bits[k >> 5], bit = k & 31;
    if (!(w >> bit & 1u))
        return 0;
    return t2s_pairs[t2s_bmp_rank[k >> 5] + popcount32(w & ((1u << bit) - 1))].simp;
}

/* Simplified form of a supplementary-plane cp, or 0: binary search. */
static uint32_t t2s_astral(uint32_t cp)
{
    size_t lo = T2S_BMP_COUNT, hi = T2S_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t2s_pairs[mid].trad < cp)
            lo = mid + 1;
        else if (t2s_pairs[mid].trad > cp)
            hi = mid;
        else
            return t2s_pairs[mid].simp;
    }
    return 0;
}

static uint32_t t2s(uint32_t cp)
{
    if (cp >= T2S_BMP_LO && cp < T2S_BMP_HI)
        return t2s_bmp(cp);
    if (cp >= 0x20000 && cp < 0x40000)
        return t2s_astral(cp);
    return 0;
}

/* ---- normalisation ------------------------------------------------------ */

/* Full-width forms that stay: ， （ ） ： ； (、 and 。 lie outside FF01-FF5E). */
static inline int fw_kept(uint32_t cp)
{
    return cp == 0xFF0C || cp == 0xFF08 || cp == 0xFF09 || cp == 0xFF1A || cp == 0xFF1B;
}

static inline int is_space_cp(uint32_t cp)
{
    return cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F;
}

/* Normalise t->orig into t->norm, building the map, validating UTF-8 as it goes.
 * Returns PM_OK (*two_byte: how many 2-byte characters), PM_ERR_NOMEM, or
 * NOT_VALID (t->norm freed; *bad_at: offset of the first bad sequence).
 * two_byte and bad_at may be NULL. */
static int norm_pass(text *t, size_t *two_byte, size_t *bad_at)
{
    const unsigned char *s = (const unsigned char *)t->orig;
    size_t n = t->orig_len;
    /* Only 3-byte -> 4-byte replacements grow, so 4/3 of the input suffices. */
    unsigned char *d = malloc(n / 3 * 4 + 4);
    if (!d)
        return PM_ERR_NOMEM;
    free(t->norm);
    t->norm = (char *)d;
    t->norm_len = 0;
    t->nruns = 0;
    if (run_push(t, 0, 0))
        return PM_ERR_NOMEM;

    size_t i = 0, o = 0, n2 = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { /* ASCII run: 8 bytes at a time, copied unchanged */
            size_t j = i + 1;
            while (n - j >= 8) {
                uint64_t w;
                memcpy(&w, s + j, 8);
                if (w & 0x8080808080808080ull)
                    break;
                j += 8;
            }
            while (j < n && s[j] < 0x80)
                j++;
            memcpy(d + o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        if (c >= 0xE3 && c <= 0xE9) { /* a run of Chinese characters that stay as they are */
            size_t j = i;
            while (n - j >= 3) {
                /* a lead byte 0xE3..0xE9 and two continuation bytes (both below 0x40
                 * once flipped) of a character that stays: one bit of keep3 */
                unsigned r = s[j] - 0xE3u, c1 = s[j + 1] ^ 0x80u, c2 = s[j + 2] ^ 0x80u;
                if (r >= 7 || (c1 | c2) >= 0x40 || !(t->keep3[r << 6 | c1] >> c2 & 1))
                    break;
                j += 3;
            }
            if (j > i) {
                memcpy(d + o, s + i, j - i);
                o += j - i;
                i = j;
                continue;
            }
        }
        if (c >= 0xE0 && c <= 0xEF) { /* 3 bytes: CJK, punctuation, full-width */
            if (n - i < 3)
                goto bad;
            unsigned c1 = s[i + 1], c2 = s[i + 2];
            if ((c2 & 0xC0) != 0x80 || (c1 & 0xC0) != 0x80 || (c == 0xE0 && c1 < 0xA0) ||
                (c == 0xED && c1 > 0x9F))
                goto bad;
            uint32_t cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(c1 & 0x3F) << 6 | (c2 & 0x3F);
            if (cp >= T2S_BMP_LO && cp < T2S_BMP_HI) {
                uint32_t simp = t2s_bmp(cp);
                if (simp) {
                    size_t ol = utf8_put(d + o, simp);
                    if (ol != 3 && map_change(t, o, i, 3, ol))
                        return PM_ERR_NOMEM;
                    o += ol;
                    i += 3;
                    continue;
                }
            } else if ((cp >= 0xFF01 && cp <= 0xFF5E && !fw_kept(cp)) || is_space_cp(cp)) {
                d[o] = (unsigned char)(cp >= 0xFF01 ? cp - 0xFEE0 : ' ');
                if (map_change(t, o, i, 3, 1))
                    return PM_ERR_NOMEM;
                o += 1;
                i += 3;
                continue;
            }
            d[o] = (unsigned char)c;
            d[o + 1] = (unsigned char)c1;
            d[o + 2] = (unsigned char)c2;
            o += 3;
            i += 3;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80)
                goto bad;
            n2++;
            if (c == 0xC2 && s[i + 1] == 0xA0) { /* U+00A0 no-break space */
                d[o] = ' ';
                if (map_change(t, o, i, 2, 1))
                    return PM_ERR_NOMEM;
                o += 1;
            } else {
                d[o] = (unsigned char)c;
                d[o + 1] = s[i + 1];
                o += 2;
            }
            i += 2;
            continue;
        }
        size_t len = utf8_valid_len(s + i, n - i);
        if (len != 4)
            goto bad;
        uint32_t cp = utf8_decode(s + i, 4), simp = cp >= 0x20000 ? t2s_astral(cp) : 0;
        if (simp) {
            size_t ol = utf8_put(d + o, simp);
            if (ol != 4 && map_change(t, o, i, 4, ol))
                return PM_ERR_NOMEM;
            o += ol;
        } else {
            memcpy(d + o, s + i, 4);
            o += 4;
        }
        i += 4;
    }
    d[o] = '\0';
    t->norm_len = o;
    if (two_byte)
        *two_byte = n2;
    return PM_OK;

bad:
    if (bad_at)
        *bad_at = i;
    free(t->norm);
    t->norm = NULL;
    t->nruns = 0;
    return NOT_VALID;
}

/* Take ownership of buf (UTF-8 from a decoder or repair) as the original text:
 * drop a leading U+FEFF, reject NUL characters, normalise. */
static int adopt(text *t, char *buf, size_t len, const char *enc, pm_error *err)
{
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, len - 3);
        len -= 3;
        buf[len] = '\0';
    }
    t->orig = buf;
    t->orig_len = len;
    snprintf(t->enc, sizeof t->enc, "%s", enc);
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        long line = 1 + count_lines(buf, (size_t)(nul - buf));
        text_reset(t);
        return pm_error_set(err, PM_ERR_INPUT, NULL, line, 0,
                            "looks like a binary file: it contains NUL characters");
    }
    int rc = norm_pass(t, NULL, NULL);
    if (rc != PM_OK) {
        text_reset(t);
        return rc == NOT_VALID ? pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0,
                                              "decoder produced invalid UTF-8 from '%s'", enc)
                               : pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    return PM_OK;
}

/* Copy s[0..n) as the original and normalise it, validating as it goes: one
 * pass. Returns PM_OK, PM_ERR_NOMEM, or NOT_VALID with t reset and *bad_at set. */
static int utf8_fast(text *t, const unsigned char *s, size_t n, size_t *two_byte, size_t *bad_at)
{
    char *buf = malloc(n + 1);
    if (!buf)
        return PM_ERR_NOMEM;
    memcpy(buf, s, n);
    buf[n] = '\0';
    t->orig = buf;
    t->orig_len = n;
    snprintf(t->enc, sizeof t->enc, "UTF-8");
    int rc = norm_pass(t, two_byte, bad_at);
    if (rc != PM_OK)
        text_reset(t);
    return rc;
}

/* Load bytes that are UTF-8, replacing ill-formed parts with U+FFFD. known_bad:
 * skip the fast path (the caller saw a bad byte). */
static int load_utf8(text *t, const unsigned char *s, size_t n, int known_bad, warner *w,
                     pm_error *err)
{
    int rc = known_bad ? NOT_VALID : utf8_fast(t, s, n, NULL, NULL);
    if (rc == PM_OK)
        return PM_OK;
    char *buf;
    size_t len;
    if (rc != NOT_VALID || utf8_repair(s, n, w, &buf, &len))
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return adopt(t, buf, len, "UTF-8", err);
}

/* ---- iconv decoding -------------------------------------------------------- */

/* name upper-cased without '-' and '_' ("utf-8" -> "UTF8"), truncated to fit. */
static void enc_key(const char *name, char *key, size_t size)
{
    size_t k = 0;
    for (; *name && k + 1 < size; name++)
        if (*name != '-' && *name != '_')
            key[k++] = (char)(*name >= 'a' && *name <= 'z' ? *name - 'a' + 'A' : *name);
    key[k] = '\0';
}

/* Code unit size of an encoding: 2 for UTF-16/UCS-2, 4 for UTF-32/UCS-4, else 1. */
static size_t enc_unit(const char *name)
{
    char key[32];
    enc_key(name, key, sizeof key);
    if (strncmp(key, "UTF16", 5) == 0 || strncmp(key, "UCS2", 4) == 0 ||
        strcmp(key, "UNICODE") == 0)
        return 2;
    if (strncmp(key, "UTF32", 5) == 0 || strncmp(key, "UCS4", 4) == 0)
        return 4;
    return 1;
}

/* Decode in[0..n) from enc to UTF-8 into a new buffer. strict: stop at the first
 * bad byte and return NOT_VALID. Otherwise each bad byte (code unit, for UTF-16
 * and UTF-32) becomes U+FFFD (counted in *nbad, warned through w). Returns PM_OK, NOT_VALID, PM_ERR_NOMEM, or
 * PM_ERR_INPUT when iconv cannot convert from enc at all. */
static int iconv_decode(const char *enc, const char *in, size_t n, int strict, warner *w,
                        char **out, size_t *outlen, size_t *nbad)
{
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return PM_ERR_INPUT;
    size_t cap = n + n / 2 + 16, used = 0, counted = 0, bad = 0, unit = enc_unit(enc);
    long line = 1;
    char *buf = malloc(cap + 1);
    int rc = PM_OK;
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype lacks const */
    size_t il = n;
    while (buf) {
        char *op = buf + used;
        size_t ol = cap - used;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        used = (size_t)(op - buf);
        if (r != (size_t)-1 && il == 0)
            break;
        int e = errno;
        if (e == E2BIG || cap - used < 4) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
            continue;
        }
        if (e != EILSEQ && e != EINVAL) {
            rc = PM_ERR_INPUT;
            break;
        }
        if (strict) {
            rc = NOT_VALID;
            break;
        }
        line += count_lines(buf + counted, used - counted);
        counted = used;
        warn_bad(w, line);
        memcpy(buf + used, "\xEF\xBF\xBD", 3);
        used += 3;
        bad++;
        if (e == EINVAL) /* incomplete sequence at the end */
            break;
        size_t skip = unit < il ? unit : il;
        ip += skip;
        il -= skip;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    if (!buf)
        return PM_ERR_NOMEM;
    if (rc != PM_OK) {
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    if (nbad)
        *nbad = bad;
    return PM_OK;
}

/* ---- GB18030 or Big5? ---------------------------------------------------- */

/* Very common characters of modern written Chinese, in simplified form, plus the
 * vocabulary of plan documents: the evidence for telling a right decoding from
 * mojibake. Traditional text counts after mapping to simplified. */
static const char common_chars[] =
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子"
    "那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面"
    "起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机"
    "十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文"
    "体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门"
    "任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别"
    "打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山"
    "金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且"
    "权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师"
    "观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元"
    "英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百"
    "需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须"
    "九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首"
    "医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案"
    "黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲"
    "型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低"
    "朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般"
    "普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省"
    "初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射"
    "略范竟句室异激汉村策演简罪判担州静退既衣宗积余检差富灵协角占配征修皮挥胜降"
    "阶审坚善读超免压银买养执副乱抗犯追帮宣岁航优香田铁控税左右份穿艺背阵草概块"
    "守户烈洋索款靠评版宝座释景顾登货互付慢欧换闻危核介坏讨良序升监临亮露永呼野"
    "架域括杂误减编测败屋梦温困渐封救贵缺楼县尚移画班智短掌遗固席松秘谢遇康虑均"
    "销钟藏赶剧票损巨旧端探湖录叶春乡附吸予礼港板庭妇归额含顺输招婚脱补督油疗旅"
    "材灭逐笔鲜词择寻厂博授岸健堂旁宫借禁阴园谋避抓荣孙束跳顶镇练迫篇馆遍凡础洞"
    "卷坦牛宁纸训私庄祖丝翻森握戏隐熟骨访弱典欲伙盘扩盖稳亿拥齐赛趣迎冰虚析购替"
    "途侵刑绿套贸毕唯谷轮库迹尤竞街促延震甲伟川申缓潜售灯针络抵植纯夏页筑折尊秀"
    "混雅振染盛舞圆措残秋培迷诚宽宇猛摆毁伸摩盟末拍硬操阻订彩抽赞纷沿违浪汇币丰"
    "殊献援译夺汽烧距裁偏符勇触课敬懂墙罚厅巧侧债融惯享童乘挂奖绍厚纵障讯涉彻刊"
    "役描患妙签症仿倾牌陷闭奋庆撤茶疾播季仪珠驻孔宜桥淡繁伴旦潮粮缩聚径恰灰捕珍"
    "幕映泰隔启尖忠累估泛荒偿横拒孤衡零穷舍码灾洪津俗胸劲贫仁偶辑邦恢圈仰润堆碰"
    "稍迟辆废净署壁御奉旋冬矿伏倍秦盾租骑乏隆诊摄污渡旗甘耐凭扎抢粗肩梁综爬悉返"
    "井壮薄扫敏碍殖详允幅剩颗赏液箱贴漫舒辛餐励辞键峰尺黎辈贯侦滑券崇扰宪绕趋慈"
    "阅墨插粉泥拔媒佩扑龄驱惜兼跃肃驶届欣惠册储闲洁踪频磨递撞拟巡剂绩贡坡截燃焦"
    "伪锁逼颇劝呈搜勤戒驾饮柔腐幼践籍牧凉佳浓芳稿竹垂遵脉兽贷昌叙钢沟寄扶铺寿询"
    "肥辉扣廷凝慰腾埋泉涌辖艰紫祝邮鉴梯祥阔誉筹丛牵鸣阁穆旨抛池粒遥冠尘抚浅纠钻"
    "晶敦菌涂粹扁亏煤恭湿循暖糖赋抑秩宿踏侯押肤疫削岗宏履涨耀扭伐堪雇廉契拼覆刷"
    "嫌添挖氧浩羽妨贪仓轨盐览帅寺屏饱滴疏棉晴填饲渴扮逆脆柴绳储蓄竭"
    "镇街道乡村社区学位教师培训课程幼儿园义务高中职业院校就业创业养老托育医疗卫"
    "生健康体育文化旅游住房保障交通水利能源电力环境生态绿色低碳产业园区企业项目"
    "投资资金财政预算万元亿元人次户套公里亩吨个家所座条张台辆年度计划目标任务完"
    "成实施推进加快落实提升改善扩大新增累计达到超过全面深化持续巩固";

/* Points for a decoded sample: common characters score, rare or unlikely ones
 * (private use, extension A, kana, Hangul, symbols) cost. */
static long decoding_score(const char *u, size_t len, const uint32_t *common)
{
    const unsigned char *s = (const unsigned char *)u;
    size_t i = 0;
    long score = 0;
    while (i < len) {
        size_t l = utf8_valid_len(s + i, len - i);
        if (l == 0) { /* cannot happen for iconv output; be safe */
            score -= 3;
            i++;
            continue;
        }
        uint32_t cp = utf8_decode(s + i, l);
        i += l;
        if (cp < 0x80)
            continue;
        uint32_t sc = t2s(cp);
        if (!sc)
            sc = cp;
        if (sc >= 0x4E00 && sc < 0xA000 && (common[(sc - 0x4E00) >> 5] >> (sc & 31) & 1u))
            score += 3;
        else if ((cp >= 0x4E00 && cp < 0xA000) || (cp >= 0x3000 && cp < 0x3040) ||
                 (cp >= 0xFF00 && cp < 0xFFF0) || (cp >= 0x2010 && cp < 0x2070))
            ; /* other hanzi, CJK and general punctuation, full-width forms */
        else
            score -= 1;
    }
    return score;
}

static void common_bitmap(uint32_t *bits, size_t nwords)
{
    const unsigned char *s = (const unsigned char *)common_chars;
    size_t n = sizeof common_chars - 1, i = 0;
    memset(bits, 0, nwords * sizeof *bits);
    while (i < n) {
        size_t l = utf8_valid_len(s + i, n - i);
        if (!l)
            break;
        uint32_t cp = utf8_decode(s + i, l);
        if (cp >= 0x4E00 && cp < 0xA000)
            bits[(cp - 0x4E00) >> 5] |= 1u << (cp & 31);
        i += l;
    }
}

static const char *const big5_names[] = {"BIG5", "CP950", "BIG5-HKSCS"};
#define N_BIG5 (sizeof big5_names / sizeof *big5_names)

/* A sample of s[0..n) for choosing the decoding: at most SCORE_SAMPLE bytes, cut
 * after a byte below 0x30 (never part of a GB18030 or Big5 multi-byte sequence). */
static size_t sample_len(const unsigned char *s, size_t n)
{
    if (n <= SCORE_SAMPLE)
        return n;
    for (size_t k = SCORE_SAMPLE; k > 0; k--)
        if (s[k - 1] < 0x30)
            return k;
    return n;
}

/* A legacy decoding worth trying: GB18030 or big5_names[big5]. */
typedef struct {
    int big5; /* -1: GB18030 */
    long score;
} legacy_cand;

/* Rank GB18030 and Big5 (the first of BIG5, CP950, BIG5-HKSCS that decodes) by
 * strict decoding a sample of s and scoring it: cands[0..*ncand) best first, ties
 * to GB18030. Returns PM_OK or PM_ERR_NOMEM. */
static int legacy_rank(const unsigned char *s, size_t n, const uint32_t *common,
                       legacy_cand cands[2], size_t *ncand)
{
    size_t m = sample_len(s, n), k = 0;
    char *buf;
    size_t len;
    *ncand = 0;
    for (int c = -1; c < (int)N_BIG5; c++) {
        const char *enc = c < 0 ? "GB18030" : big5_names[c];
        int rc = iconv_decode(enc, (const char *)s, m, 1, NULL, &buf, &len, NULL);
        if (rc == PM_ERR_NOMEM)
            return rc;
        if (rc != PM_OK)
            continue;
        cands[k].big5 = c;
        cands[k].score = decoding_score(buf, len, common);
        free(buf);
        k++;
        if (c < 0)
            continue;
        break; /* one Big5 variant is enough */
    }
    if (k == 2 && cands[1].score > cands[0].score) {
        legacy_cand tmp = cands[0];
        cands[0] = cands[1];
        cands[1] = tmp;
    }
    *ncand = k;
    return PM_OK;
}

/* Strict full decode for a candidate (a Big5 candidate also tries the later
 * variants). *buf is NULL if it fails. Returns PM_OK or PM_ERR_NOMEM. */
static int legacy_decode(const unsigned char *s, size_t n, const legacy_cand *c, char **buf,
                         size_t *len, const char **enc)
{
    int last = c->big5 < 0 ? -1 : (int)N_BIG5 - 1;
    *buf = NULL;
    for (int k = c->big5; k <= last; k++) {
        *enc = k < 0 ? "GB18030" : big5_names[k];
        int rc = iconv_decode(*enc, (const char *)s, n, 1, NULL, buf, len, NULL);
        if (rc == PM_ERR_NOMEM)
            return rc;
        if (rc == PM_OK)
            return PM_OK;
        *buf = NULL;
    }
    return PM_OK;
}

/* Bytes that are not UTF-8: the best-ranked legacy decoding that decodes the
 * whole input strictly; if none does, the candidate (UTF-8, GB18030, BIG5) that
 * needs the fewest replacements. */
static int load_legacy(text *t, const unsigned char *s, size_t n, warner *w, pm_error *err)
{
    uint32_t common[(0xA000 - 0x4E00) / 32];
    common_bitmap(common, sizeof common / sizeof *common);
    legacy_cand cands[2];
    size_t ncand;
    char *buf;
    size_t len;
    const char *enc = NULL;
    if (legacy_rank(s, n, common, cands, &ncand))
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < ncand; k++) {
        if (legacy_decode(s, n, &cands[k], &buf, &len, &enc))
            return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
        if (buf)
            return adopt(t, buf, len, enc, err);
    }

    size_t good, utf8_bad, gbbad = SIZE_MAX, b5bad = SIZE_MAX;
    utf8_stats(s, n, &good, &utf8_bad);
    if (iconv_decode("GB18030", (const char *)s, n, 0, NULL, &buf, &len, &gbbad) == PM_OK)
        free(buf);
    if (iconv_decode("BIG5", (const char *)s, n, 0, NULL, &buf, &len, &b5bad) == PM_OK)
        free(buf);
    if (utf8_bad <= gbbad && utf8_bad <= b5bad)
        return load_utf8(t, s, n, 1, w, err);
    enc = gbbad <= b5bad ? "GB18030" : "BIG5";
    if (iconv_decode(enc, (const char *)s, n, 0, w, &buf, &len, NULL) != PM_OK)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return adopt(t, buf, len, enc, err);
}

/* Valid UTF-8 without any 3- or 4-byte character but with 2-byte characters a
 * Chinese document would not contain (IPA, modifiers, combining marks, Hebrew,
 * Arabic ...) is likely a short GB or Big5 text that happens to be valid UTF-8
 * (实施 in GBK is CA B5 CA A9, two IPA letters in UTF-8). Switch to the legacy
 * decoding if it scores better. Returns PM_OK (t kept or replaced) or an error. */
static int recheck_two_byte(text *t, const unsigned char *s, size_t n, pm_error *err)
{
    int odd = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 0xE0)
            return PM_OK;
        if (s[i] >= 0xC0 && i + 1 < n) {
            uint32_t cp = utf8_decode(s + i, 2);
            if (cp >= 0x250 && !(cp >= 0x370 && cp < 0x530))
                odd = 1;
        }
    }
    if (!odd)
        return PM_OK;
    uint32_t common[(0xA000 - 0x4E00) / 32];
    common_bitmap(common, sizeof common / sizeof *common);
    legacy_cand cands[2];
    size_t ncand;
    if (legacy_rank(s, n, common, cands, &ncand))
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    /* UTF-8 sample scored over the same bytes the candidates were. */
    if (ncand == 0 || cands[0].score <= decoding_score((const char *)s, sample_len(s, n), common))
        return PM_OK;
    char *buf;
    size_t len;
    const char *enc;
    if (legacy_decode(s, n, &cands[0], &buf, &len, &enc))
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (!buf)
        return PM_OK;
    text_reset(t);
    return adopt(t, buf, len, enc, err);
}

/* ---- detection ------------------------------------------------------------ */

/* PM_ERR_INPUT if s starts like a known binary format. */
static int check_magic(const unsigned char *s, size_t n, pm_error *err)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *what;
    } kinds[] = {
        {"%PDF-", 5, "a PDF file: convert it with pdftotext first"},
        {"\x89PNG\r\n\x1a\n", 8, "a PNG image, not text"},
        {"\xFF\xD8\xFF", 3, "a JPEG image, not text"},
        {"GIF87a", 6, "a GIF image, not text"},
        {"GIF89a", 6, "a GIF image, not text"},
        {"PK\x03\x04", 4, "a ZIP archive (.docx, .xlsx, .odt?): save it as plain text first"},
        {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8,
         "a Microsoft Office document (.doc, .xls, .wps): save it as plain text first"},
        {"{\\rtf", 5, "an RTF document: save it as plain text first"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (n >= kinds[k].len && memcmp(s, kinds[k].magic, kinds[k].len) == 0)
            return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "looks like %s", kinds[k].what);
    return PM_OK;
}

/* PM_ERR_INPUT if s has a NUL byte (a binary file, or UTF-16/32 without a BOM). */
static int check_nul(const unsigned char *s, size_t n, pm_error *err)
{
    const unsigned char *nul = memchr(s, 0, n);
    if (!nul)
        return PM_OK;
    return pm_error_set(err, PM_ERR_INPUT, NULL, 1 + count_lines((const char *)s, (size_t)(nul - s)),
                        0, "looks like a binary file: it contains NUL bytes (for UTF-16 "
                           "without a byte order mark, give the encoding)");
}

static int load_forced(text *t, const unsigned char *s, size_t n, const char *encoding,
                       warner *w, pm_error *err)
{
    char key[32];
    enc_key(encoding, key, sizeof key);
    if (strchr(encoding, '/') || strlen(encoding) >= sizeof t->enc)
        return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "unknown encoding '%s'", encoding);
    if (strcmp(key, "UTF8") == 0) {
        int rc = check_nul(s, n, err);
        if (rc)
            return rc;
        if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            n -= 3;
        }
        return load_utf8(t, s, n, 0, w, err);
    }
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "unknown encoding '%s'", encoding);
    iconv_close(cd);
    if (enc_unit(encoding) == 1) {
        int rc = check_nul(s, n, err);
        if (rc)
            return rc;
    }
    char *buf;
    size_t len;
    int rc = iconv_decode(encoding, (const char *)s, n, 0, w, &buf, &len, NULL);
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(err, rc, NULL, 0, 0, "out of memory");
    if (rc != PM_OK)
        return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "cannot decode '%s' input", encoding);
    return adopt(t, buf, len, encoding, err);
}

int text_load(text *t, const char *bytes, size_t n, const char *encoding,
              text_warn_fn warn, void *warn_ctx, pm_error *err)
{
    if (!t || (!bytes && n))
        return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "text_load: no text object or bytes");
    text_reset(t);
    if (!bytes)
        bytes = "";
    const unsigned char *s = (const unsigned char *)bytes;
    warner w = {warn, warn_ctx, 0, 0};
    int rc;

    if (encoding && *encoding && strcasecmp(encoding, "auto") != 0) {
        if ((rc = check_magic(s, n, err)) == PM_OK)
            rc = load_forced(t, s, n, encoding, &w, err);
        return rc;
    }
    if ((rc = check_magic(s, n, err)))
        return rc;

    /* Byte order marks (UTF-32 before UTF-16: FF FE 00 00 starts with FF FE). */
    static const struct {
        const char *bom;
        size_t len;
        const char *enc;
    } boms[] = {
        {"\xEF\xBB\xBF", 3, "UTF-8"},       {"\xFF\xFE\0\0", 4, "UTF-32LE"},
        {"\0\0\xFE\xFF", 4, "UTF-32BE"},    {"\xFF\xFE", 2, "UTF-16LE"},
        {"\xFE\xFF", 2, "UTF-16BE"},
    };
    for (size_t k = 0; k < sizeof boms / sizeof *boms; k++) {
        if (n < boms[k].len || memcmp(s, boms[k].bom, boms[k].len) != 0)
            continue;
        if (k == 0) {
            if ((rc = check_nul(s, n, err)))
                return rc;
            return load_utf8(t, s + 3, n - 3, 0, &w, err);
        }
        char *buf;
        size_t len;
        rc = iconv_decode(boms[k].enc, bytes + boms[k].len, n - boms[k].len, 0, &w, &buf, &len,
                          NULL);
        if (rc == PM_ERR_NOMEM)
            return pm_error_set(err, rc, NULL, 0, 0, "out of memory");
        if (rc != PM_OK)
            return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "cannot decode '%s' input",
                                boms[k].enc);
        return adopt(t, buf, len, boms[k].enc, err);
    }

    if ((rc = check_nul(s, n, err)))
        return rc;

    /* The common case: valid UTF-8, one validating and normalising pass. */
    size_t two_byte = 0, bad_at = 0;
    rc = utf8_fast(t, s, n, &two_byte, &bad_at);
    if (rc == PM_OK)
        return two_byte ? recheck_two_byte(t, s, n, err) : PM_OK;
    if (rc != NOT_VALID)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");

    /* UTF-8 with a few damaged bytes stays UTF-8. Read as UTF-8, GB18030 and Big5
     * text has far more ill-formed parts than well-formed 3-byte sequences (about
     * 40:1 over a document, never below 1:1 in single sentences of a test corpus).
     * Counted in a window around the first bad byte, not the whole input. */
    size_t from = bad_at > SCORE_SAMPLE / 4 ? bad_at - SCORE_SAMPLE / 4 : 0;
    while (from < bad_at && (s[from] & 0xC0) == 0x80)
        from++;
    size_t good, bad;
    utf8_stats(s + from, n - from < SCORE_SAMPLE ? n - from : SCORE_SAMPLE, &good, &bad);
    if (good >= 3 * bad)
        return load_utf8(t, s, n, 1, &w, err);
    return load_legacy(t, s, n, &w, err);
}
