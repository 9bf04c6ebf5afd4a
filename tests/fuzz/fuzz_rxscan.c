/* fuzz_rxscan.c: libFuzzer target for rxscan - arbitrary bytes as a pattern, then PCRE2 as the
 * oracle: wherever the compiled pattern matches a few subjects, the scan's answers must hold. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/rxscan.h"

#include <pcre2.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Subjects made of the characters the scan is asked about, and others. */
static const char *const SUBJECTS[] = {
    "，第3所学校。", "ab,c d;e:f!g?h", "（由30%提高到41%）", "“二二”《三》", "x\t\r\n y", "新建12个，增长5%以上",
};
static const uint32_t CPS[] = {0xFF0C, 0x3002, ' ', ',', ';', ':', '!', '?', 0x3001, 0xFF08, '(', 0xFF09,
                               ')', 0x201C, 0x201D, 0x300A, 0x300B, '\t', 'a', 'x'};
#define NCPS (sizeof CPS / sizeof CPS[0])

static uint32_t cp_at(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    size_t n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    uint32_t cp = s[0] & (0x3F >> (n - 1));
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    *len = n;
    return cp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *src = malloc(size ? size : 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    unsigned char may[NCPS];
    int crc = rxscan_consumable(src, size, CPS, NCPS, may);
    uint32_t last[RXSCAN_LAST_MAX];
    size_t nlast = 0;
    int nullable = 0;
    int lrc = rxscan_last(src, size, last, &nlast, &nullable);
    int sens = rxscan_start_sensitive(src, size);
    if ((crc != 0 && crc != -1) || (lrc != 0 && lrc != -1) || nlast > RXSCAN_LAST_MAX || (sens != 0 && sens != 1))
        abort();
    int ec;
    PCRE2_SIZE eo;
    /* as the rule loader compiles: UTF, no UCP; invalid UTF-8 simply does not compile */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, size, PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
    if (re) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(mc, 10000);
        pcre2_set_depth_limit(mc, 1000);
        for (size_t s = 0; md && mc && s < sizeof SUBJECTS / sizeof SUBJECTS[0]; s++) {
            const char *t = SUBJECTS[s];
            size_t tl = strlen(t);
            for (size_t at = 0; at <= tl; at++) {
                if (at < tl && ((unsigned char)t[at] & 0xC0) == 0x80)
                    continue;
                if (pcre2_match(re, (PCRE2_SPTR)t, tl, at, PCRE2_ANCHORED, md, mc) < 0)
                    continue;
                const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                if (ov[1] < ov[0])
                    continue; /* \K can put the start after the end */
                /* no consumed character is one the scan said cannot be */
                for (size_t p = ov[0]; crc == 0 && p < ov[1];) {
                    size_t l;
                    uint32_t cp = cp_at((const unsigned char *)t + p, &l);
                    for (size_t k = 0; k < NCPS; k++)
                        if (CPS[k] == cp && !may[k] && ov[0] == at)
                            abort();
                    p += l;
                }
                /* the match ends with one of the last characters, and is empty only if it may be */
                if (lrc == 0 && ov[0] == at) {
                    if (ov[1] == ov[0]) {
                        if (!nullable)
                            abort();
                    } else {
                        size_t p = ov[1] - 1, l;
                        while (p > ov[0] && ((unsigned char)t[p] & 0xC0) == 0x80)
                            p--;
                        uint32_t cp = cp_at((const unsigned char *)t + p, &l);
                        int found = 0;
                        for (size_t k = 0; k < nlast && !found; k++)
                            found = last[k] == cp;
                        if (!found)
                            abort();
                    }
                }
            }
        }
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
    free(src);
    return 0;
}
