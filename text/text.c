/* text.c: documents detected and decoded to UTF-8 (other encodings in encoding.c) and
 * normalised for matching in one linear pass, with a run-based map back to the original. */
#include "text/text.h"

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "text/t2s_table.h"
#include "text/text_int.h"

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

/* ---- text object -------------------------------------------------------- */

text *text_create(void)
{
    text *t = xcalloc(1, sizeof(text));
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

static void run_push(text *t, size_t n, size_t o)
{
    if (t->nruns && t->runs[t->nruns - 1].n == n) {
        t->runs[t->nruns - 1].o = o;
        return;
    }
    if (t->nruns == t->runcap)
        GROW(t->runs, t->nruns + 1, t->runcap);
    t->runs[t->nruns].n = n;
    t->runs[t->nruns].o = o;
    t->nruns++;
}

/* A character of il original bytes at orig offset o became ol bytes at norm
 * offset n (il != ol). Bytes of a longer replacement beyond il map to the last
 * original byte, keeping the map monotone and inside the character. */
static void map_change(text *t, size_t n, size_t o, size_t il, size_t ol)
{
    const map_run *last = &t->runs[t->nruns - 1];
    if (last->o + (n - last->n) != o)
        run_push(t, n, o);
    for (size_t k = il; k < ol; k++)
        run_push(t, n + k, o + il - 1);
    run_push(t, n + ol, o + il);
}


/* ---- UTF-8 ---------------------------------------------------------------- */

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

uint32_t text_t2s(uint32_t cp)
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
 * Returns PM_OK (*two_byte: how many 2-byte characters) or
 * NOT_VALID (t->norm freed; *bad_at: offset of the first bad sequence).
 * two_byte and bad_at may be NULL. */
static int norm_pass(text *t, size_t *two_byte, size_t *bad_at)
{
    const unsigned char *s = (const unsigned char *)t->orig;
    size_t n = t->orig_len;
    /* Only 3-byte -> 4-byte replacements grow, so 4/3 of the input suffices. */
    unsigned char *d = xmalloc(n / 3 * 4 + 4);
    free(t->norm);
    t->norm = (char *)d;
    t->norm_len = 0;
    t->nruns = 0;
    run_push(t, 0, 0);

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
            size_t j = i, lim = n >= 2 ? n - 2 : 0; /* j < lim: three bytes left */
            const uint64_t *keep = t->keep3;
            while (j < lim) {
                /* a lead byte 0xE3..0xE9 and two continuation bytes (both below 0x40
                 * once flipped) of a character that stays: one bit of keep3 */
                unsigned r = s[j] - 0xE3u, c1 = s[j + 1] ^ 0x80u, c2 = s[j + 2] ^ 0x80u;
                if (r >= 7 || (c1 | c2) >= 0x40 || !(keep[r << 6 | c1] >> c2 & 1))
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
                    if (ol != 3)
                        map_change(t, o, i, 3, ol);
                    o += ol;
                    i += 3;
                    continue;
                }
            } else if ((cp >= 0xFF01 && cp <= 0xFF5E && !fw_kept(cp)) || is_space_cp(cp)) {
                d[o] = (unsigned char)(cp >= 0xFF01 ? cp - 0xFEE0 : ' ');
                map_change(t, o, i, 3, 1);
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
                map_change(t, o, i, 2, 1);
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
        uint32_t cp = utf8_get(s + i, 4), simp = cp >= 0x20000 ? t2s_astral(cp) : 0;
        if (simp) {
            size_t ol = utf8_put(d + o, simp);
            if (ol != 4)
                map_change(t, o, i, 4, ol);
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
    if (norm_pass(t, NULL, NULL) != PM_OK) {
        text_reset(t);
        return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "decoder produced invalid UTF-8 from '%s'",
                            enc);
    }
    return PM_OK;
}

/* Copy s[0..n) as the original and normalise it, validating as it goes: one
 * pass. Returns PM_OK, or NOT_VALID with t reset and *bad_at set. */
static int utf8_fast(text *t, const unsigned char *s, size_t n, size_t *two_byte, size_t *bad_at)
{
    t->orig = xmemdup(s, n);
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
    size_t len;
    char *buf = enc_utf8_repair(s, n, w, &len);
    return adopt(t, buf, len, "UTF-8", err);
}

/* Bytes that are not UTF-8: decoded as enc_legacy chooses. */
static int load_legacy(text *t, const unsigned char *s, size_t n, warner *w, pm_error *err)
{
    char *buf;
    size_t len;
    const char *enc = enc_legacy(s, n, w, &buf, &len);
    if (!enc)
        return load_utf8(t, s, n, 1, w, err);
    if (!buf)
        return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "cannot decode '%s' input", enc);
    return adopt(t, buf, len, enc, err);
}

/* Valid UTF-8 with odd 2-byte characters: switch to a legacy decoding when
 * enc_recheck_two_byte finds a better one. Returns PM_OK (t kept or replaced) or an error. */
static int recheck_two_byte(text *t, const unsigned char *s, size_t n, pm_error *err)
{
    char *buf;
    size_t len;
    const char *enc = enc_recheck_two_byte(s, n, &buf, &len);
    if (!enc)
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
    if (enc_iconv(encoding, (const char *)s, n, 0, w, &buf, &len, NULL) != PM_OK)
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
        if (enc_iconv(boms[k].enc, bytes + boms[k].len, n - boms[k].len, 0, &w, &buf, &len,
                      NULL) != PM_OK)
            return pm_error_set(err, PM_ERR_INPUT, NULL, 0, 0, "cannot decode '%s' input",
                                boms[k].enc);
        return adopt(t, buf, len, boms[k].enc, err);
    }

    if ((rc = check_nul(s, n, err)))
        return rc;

    /* The common case: valid UTF-8, one validating and normalising pass. */
    size_t two_byte = 0, bad_at = 0;
    if (utf8_fast(t, s, n, &two_byte, &bad_at) == PM_OK)
        return two_byte ? recheck_two_byte(t, s, n, err) : PM_OK;

    /* UTF-8 with a few damaged bytes stays UTF-8. Read as UTF-8, GB18030 and Big5
     * text has far more ill-formed parts than well-formed 3-byte sequences (about
     * 40:1 over a document, never below 1:1 in single sentences of a test corpus).
     * Counted in a window around the first bad byte, not the whole input. */
    size_t from = bad_at > SCORE_SAMPLE / 4 ? bad_at - SCORE_SAMPLE / 4 : 0;
    while (from < bad_at && (s[from] & 0xC0) == 0x80)
        from++;
    size_t good, bad;
    enc_utf8_stats(s + from, n - from < SCORE_SAMPLE ? n - from : SCORE_SAMPLE, &good, &bad);
    if (good >= 3 * bad)
        return load_utf8(t, s, n, 1, &w, err);
    return load_legacy(t, s, n, &w, err);
}
