/* detect.c: which packs a document gets - the `detect` patterns scored over its head (word
 * lists without PCRE2, in one pass), the `fallback` pack, or the packs the caller fixed. */
#include "extract/extract_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/utf8.h"

static unsigned dpair_hash(uint32_t a, uint32_t b)
{
    return (a * 2654435761u ^ b * 40503u) >> 7 & (DPAIR_BITS - 1);
}

/* The hash of six bytes (the low 48 bits of v, read little-endian): the first two characters
 * of a word, or of the text at a place. */
static inline unsigned dbytes_hash(uint64_t v)
{
    return (unsigned)(((v & 0xFFFFFFFFFFFFull) * 0x9E3779B97F4A7C15ull) >> 40) & (DPAIR_BITS - 1);
}

/* Eight bytes at u as a little-endian number. */
static inline uint64_t load8(const unsigned char *u)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, u, 8);
    return v;
#else
    return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
           (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
#endif
}

static int dword_cmp(const void *pa, const void *pb)
{
    const struct dword *a = pa, *b = pb;
    if (a->cp != b->cp)
        return a->cp < b->cp ? -1 : 1;
    if (a->pack != b->pack)
        return a->pack < b->pack ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

int extract_detect_index(extractor *x)
{
    size_t cap = 0;
    for (size_t i = 0; i < rules_pack_count(x->r); i++) { /* at most RULES_MAX_PACKS = 64 */
        const char *src = rules_pack_detect_source(x->r, i);
        if (!src || !*src || strpbrk(src, "\\^$.[](){}?*+") || strstr(src, "||") || *src == '|' ||
            src[strlen(src) - 1] == '|')
            continue;
        size_t words = 1;
        for (const char *q = src; *q; q++)
            words += *q == '|';
        x->dwords = xrealloc(x->dwords, (cap + words) * sizeof *x->dwords);
        cap += words;
        int order = 0;
        for (const char *q = src; *q;) {
            size_t n = strcspn(q, "|"), cl;
            struct dword *d = &x->dwords[x->ndwords++];
            *d = (struct dword){utf8_decode((const unsigned char *)q, n, &cl), (int)i, order++, q, n};
            size_t cl2;
            const unsigned char *w = (const unsigned char *)q;
            if (n >= 6 && (w[0] & 0xF0) == 0xE0 && (w[3] & 0xF0) == 0xE0) {
                unsigned char b8[8] = {0};
                memcpy(b8, w, 6);
                unsigned hb = dbytes_hash(load8(b8));
                x->dbytes[hb / 64] |= (uint64_t)1 << (hb % 64);
            } else if ((w[0] & 0xF0) == 0xE0) {
                x->dslow = 1; /* one 3-byte character, or another after it */
            }
            if (cl < n) {
                uint32_t cp2 = utf8_decode((const unsigned char *)q + cl, n - cl, &cl2);
                unsigned h = dpair_hash(d->cp, cp2);
                x->dpair[h / 64] |= (uint64_t)1 << (h % 64);
            } else if (d->cp < 65536) {
                x->dsolo[d->cp / 64] |= (uint64_t)1 << (d->cp % 64);
            }
            q += n + (q[n] == '|');
        }
        x->dlit |= (uint64_t)1 << i;
    }
    if (x->ndwords > 1)
        qsort(x->dwords, x->ndwords, sizeof *x->dwords, dword_cmp);
    x->dix = cpindex_create(x->dwords, x->ndwords, sizeof *x->dwords, offsetof(struct dword, cp));
    return x->dix ? 0 : -1;
}

uint64_t extract_shared_packs(const rules *r)
{
    uint64_t m = 0;
    for (size_t i = 0; i < rules_pack_count(r); i++)
        if (!rules_pack_detect(r, i))
            m |= (uint64_t)1 << i;
    return m;
}

int extractor_set_packs(extractor *x, const char *spec, pm_error *err)
{
    x->auto_packs = !spec || strcmp(spec, "auto") == 0;
    x->fixed = 0;
    if (x->auto_packs)
        return 0;
    if (strcmp(spec, "all") == 0) {
        x->fixed = ~(uint64_t)0;
        return 0;
    }
    for (const char *p = spec; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int i = rules_pack_index(x->r, p, n);
        if (i < 0)
            return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "unknown pack '%.*s'", (int)n, p);
        x->fixed |= (uint64_t)1 << i;
        p += n + (e ? 1 : 0);
    }
    x->fixed |= extract_shared_packs(x->r);
    return 0;
}

#define DETECT_BYTES 200000 /* how much of a document pack detection reads */

/* Past the 3-byte characters of u[p..lim), each followed by another, whose six bytes start
 * no word (dbytes): most of a text, without decoding it. Only when every word that starts
 * with a 3-byte character has another after it (else p: the caller looks at every one). */
static size_t skip_words(const extractor *x, const unsigned char *u, size_t p, size_t lim)
{
    if (x->dslow)
        return p;
    const uint64_t *m = x->dbytes;
    while (lim - p >= 8) {
        uint64_t v = load8(u + p);
        if ((v & 0xF00000F0ull) != 0xE00000E0ull) /* bytes 0 and 3: two lead bytes */
            break;
        unsigned h = dbytes_hash(v);
        if (m[h / 64] >> (h % 64) & 1)
            break;
        p += 3;
    }
    return p;
}

/* The plan-type pack whose detect pattern matches the document most often;
 * matches in the title lines (the first 600 bytes) count ten times. */
uint64_t extract_detect(extractor *x, const char *s, size_t n)
{
    size_t lim = n < DETECT_BYTES ? n : DETECT_BYTES;
    while (lim < n && ((unsigned char)s[lim] & 0xC0) == 0x80)
        lim++;
    size_t head = lim < 600 ? lim : 600;
    while (head < lim && ((unsigned char)s[head] & 0xC0) == 0x80)
        head++;
    long score[64] = {0};
    /* word-list patterns, all in one pass: at each character the first word of each
     * list that matches there, then on from its end - what PCRE2's search would count */
    size_t next[64] = {0};
    const unsigned char *u = (const unsigned char *)s;
    const uint64_t *bits = cpindex_bits(x->dix);
    for (size_t p = 0; x->ndwords && p < lim;) {
        p = skip_words(x, u, p, lim);       /* most characters are 3 bytes and start no word, */
        p = cpindex_skip3(bits, u, p, lim); /* nor any other word's first character */
        if (p >= lim)
            break;
        size_t cl;
        uint32_t cp = utf8_decode(u + p, lim - p, &cl);
        if (!cpindex_maybe(bits, cp)) { /* other characters that start no word */
            p += cl;
            continue;
        }
        if (cp < 65536 && !(x->dsolo[cp / 64] >> (cp % 64) & 1)) {
            /* no word is this one character: one bit tells whether one starts with the pair */
            size_t cl2;
            unsigned h = p + cl < lim ? dpair_hash(cp, utf8_decode(u + p + cl, lim - p - cl, &cl2)) : 0;
            if (p + cl >= lim || !(x->dpair[h / 64] >> (h % 64) & 1)) {
                p += cl;
                continue;
            }
        }
        size_t start = 0, nrun = cpindex_find(x->dix, cp, &start);
        if (nrun) {
            uint64_t done = 0;
            for (size_t k = start; k < start + nrun; k++) {
                const struct dword *d = &x->dwords[k];
                if ((done >> d->pack & 1) || p < next[d->pack] || d->n > lim - p || memcmp(s + p, d->s, d->n) != 0)
                    continue;
                done |= (uint64_t)1 << d->pack;
                score[d->pack] += p < head ? 10 : 1;
                next[d->pack] = p + d->n;
            }
        }
        p += cl;
    }
    long best = -1;
    int besti = -1;
    for (size_t i = 0; i < rules_pack_count(x->r); i++) {
        const pcre2_code *d = rules_pack_detect(x->r, i);
        if (!d)
            continue;
        for (size_t off = 0; !(x->dlit >> i & 1) && off < lim;) {
            if (extract_match(x, d, s, lim, off) <= 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
            score[i] += ov[0] < head ? 10 : 1;
            off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (off < lim && ((unsigned char)s[off] & 0xC0) == 0x80)
                off++;
        }
        if (score[i] > best) {
            best = score[i];
            besti = (int)i;
        }
    }
    if (best == 0 && rules_fallback_pack(x->r) >= 0)
        besti = rules_fallback_pack(x->r);
    uint64_t m = extract_shared_packs(x->r);
    if (besti >= 0)
        m |= (uint64_t)1 << besti;
    return m;
}
