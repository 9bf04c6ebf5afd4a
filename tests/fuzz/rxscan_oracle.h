/* rxscan_oracle.h: rxscan's answers checked against PCRE2 on a few subjects - shared by
 * the fuzz target and the regression test (header-only: both are single-file programs). */
#ifndef PM_RXSCAN_ORACLE_H
#define PM_RXSCAN_ORACLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "ruleset/rxscan.h"

static uint32_t oracle_cp(const unsigned char *s, size_t *len)
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

/* Scan the pattern src[0..size) (any bytes) and check, wherever PCRE2 matches it
 * at the start of a test subject, that no matched character is one the scan said
 * it cannot take, that it holds a character of each needed set (rxscan_needed), and
 * one of the near set close to its start (rxscan_near), that it starts with one of its
 * first characters and ends with one of its last characters (or is empty only when it
 * may be). NULL when all holds, else msg with what failed. */
static const char *rxscan_oracle(const char *src, size_t size, char *msg, size_t cap)
{
    static const char *const subjects[] = {"，第3所学校。", "ab,c d;e:f!g?h", "（由30%提高到41%）", "“二二”《三》",
                                           "x\t\r\n y", "新建12个，增长5%以上", "XX年Kk\xc5\xbf\xe2\x84\xaa×某",
                                           "3至5.5万余个项目级, 2025/1-2年一二", "a{,3}b{ 2 }c{1, 2}d{}"};
    static const uint32_t cps[] = {0xFF0C, 0x3002, ' ', ',', ';', ':', '!', '?', 0x3001, 0xFF08, '(', 0xFF09,
                                   ')', 0x201C, 0x201D, 0x300A, 0x300B, '\t', 'a', 'x'};
    enum { NC = sizeof cps / sizeof cps[0] };
    unsigned char may[NC];
    int crc = rxscan_consumable(src, size, cps, NC, may);
    uint32_t last[RXSCAN_LAST_MAX];
    size_t nlast = 0;
    int nullable = 0;
    int lrc = rxscan_last(src, size, last, &nlast, &nullable);
    uint32_t first[RXSCAN_LAST_MAX];
    size_t nfirst = 0;
    int fnullable = 0;
    int frc = rxscan_first(src, size, first, &nfirst, &fnullable);
    uint32_t many[RXSCAN_MANY_MAX];
    size_t nmany = 0;
    int mnullable = 0;
    int mrc = rxscan_first_many(src, size, many, &nmany, &mnullable);
    uint32_t need[2][RXSCAN_LAST_MAX];
    size_t nneed[2] = {0, 0};
    int nrc = rxscan_needed(src, size, need[0], &nneed[0], need[1], &nneed[1]);
    uint32_t nearc[2][RXSCAN_LAST_MAX];
    size_t nnear[2] = {0, 0}, neard[2] = {0, 0};
    int nearrc = rxscan_near(src, size, nearc[0], &nnear[0], &neard[0], nearc[1], &nnear[1], &neard[1]);
    static uint64_t pairs[(RXSCAN_PAIR_BITS + 65536) / 64];
    memset(pairs, 0, sizeof pairs);
    int prc = rxscan_pairs(src, size, pairs, pairs + RXSCAN_PAIR_BITS / 64);
    int sens = rxscan_start_sensitive(src, size);
    if ((crc != 0 && crc != -1) || (lrc != 0 && lrc != -1) || (frc != 0 && frc != -1) || (nrc != 0 && nrc != -1) ||
        nlast > RXSCAN_LAST_MAX || nfirst > RXSCAN_LAST_MAX || nneed[0] > RXSCAN_LAST_MAX ||
        nneed[1] > RXSCAN_LAST_MAX || (sens != 0 && sens != 1) || (nearrc != 0 && nearrc != -1) ||
        (mrc != 0 && mrc != -1) || (prc != 0 && prc != -1) || nmany > RXSCAN_MANY_MAX || (frc == 0 && mrc != 0) ||
        nnear[0] > RXSCAN_LAST_MAX || nnear[1] > RXSCAN_LAST_MAX || neard[0] > RXSCAN_NEAR_MAX ||
        neard[1] > RXSCAN_NEAR_MAX) {
        snprintf(msg, cap, "return codes out of range");
        return msg;
    }
    int ec;
    PCRE2_SIZE eo;
    /* as the rule loader compiles: UTF, no UCP; invalid UTF-8 simply does not compile */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, size, PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
    if (!re)
        return NULL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    const char *bad = NULL;
    if (md && mc) {
        pcre2_set_match_limit(mc, 10000);
        pcre2_set_depth_limit(mc, 1000);
    }
    for (size_t si = 0; md && mc && !bad && si < sizeof subjects / sizeof subjects[0]; si++) {
        const char *t = subjects[si];
        size_t tl = strlen(t);
        for (size_t at = 0; !bad && at <= tl; at++) {
            if ((at < tl && ((unsigned char)t[at] & 0xC0) == 0x80) ||
                pcre2_match(re, (PCRE2_SPTR)t, tl, at, PCRE2_ANCHORED, md, mc) < 0)
                continue;
            const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (ov[0] != at || ov[1] < ov[0])
                continue; /* \K moved the start */
            for (size_t p = ov[0], l; crc == 0 && !bad && p < ov[1]; p += l) {
                uint32_t cp = oracle_cp((const unsigned char *)t + p, &l);
                for (size_t k = 0; k < NC; k++)
                    if (cps[k] == cp && !may[k]) {
                        snprintf(msg, cap, "matched U+%04X, which the scan said it cannot", (unsigned)cp);
                        bad = msg;
                    }
            }
            if (!bad && frc == 0 && ov[1] == ov[0] && !fnullable)
                bad = msg, snprintf(msg, cap, "matched the empty string, which the first-character scan said it cannot");
            if (!bad && frc == 0 && ov[1] > ov[0]) {
                size_t l;
                uint32_t cp = oracle_cp((const unsigned char *)t + ov[0], &l);
                int found = 0;
                for (size_t k = 0; k < nfirst && !found; k++)
                    found = first[k] == cp;
                if (!found)
                    bad = msg, snprintf(msg, cap, "a match started with U+%04X, not one of its first characters", (unsigned)cp);
            }
            /* the same for the wide first-character scan */
            if (!bad && mrc == 0 && ov[1] == ov[0] && !mnullable)
                bad = msg, snprintf(msg, cap, "matched the empty string, which the wide first-character scan said it cannot");
            if (!bad && mrc == 0 && ov[1] > ov[0]) {
                size_t l;
                uint32_t cp = oracle_cp((const unsigned char *)t + ov[0], &l);
                int found = 0;
                for (size_t k = 0; k < nmany && !found; k++)
                    found = many[k] == cp;
                if (!found)
                    bad = msg, snprintf(msg, cap, "a match started with U+%04X, not one of its wide first characters", (unsigned)cp);
            }
            /* its first two characters pass the pair filter (rxscan_pairs) */
            if (!bad && prc == 0 && ov[1] > ov[0]) {
                size_t l1, l2;
                uint32_t c1 = oracle_cp((const unsigned char *)t + ov[0], &l1);
                int open = c1 >= 0x10000 || (pairs[RXSCAN_PAIR_BITS / 64 + (c1 >> 6)] >> (c1 & 63) & 1);
                if (!open && ov[0] + l1 >= ov[1])
                    bad = msg, snprintf(msg, cap, "a one-character match of U+%04X, which the pair scan said it cannot", (unsigned)c1);
                if (!bad && !open) {
                    uint32_t c2 = oracle_cp((const unsigned char *)t + ov[0] + l1, &l2);
                    size_t h = rxscan_pair_hash(c1, c2);
                    if (!(pairs[h >> 6] >> (h & 63) & 1))
                        bad = msg, snprintf(msg, cap, "a match started with U+%04X U+%04X, not one of its pairs",
                                            (unsigned)c1, (unsigned)c2);
                }
            }
            /* a character of each needed set is in the match (from where it was tried) */
            for (int w = 0; !bad && nrc == 0 && w < 2; w++) {
                int found = nneed[w] == 0;
                for (size_t p = at, l; !found && p < ov[1]; p += l) {
                    uint32_t cp = oracle_cp((const unsigned char *)t + p, &l);
                    for (size_t k = 0; k < nneed[w] && !found; k++)
                        found = need[w][k] == cp;
                }
                if (!found)
                    bad = msg, snprintf(msg, cap, "a match holds no character of needed set %d", w + 1);
            }
            /* a character of each near set within its distance past the run of number
             * characters the match starts with (rxscan_near) */
            for (int w = 0; !bad && nearrc == 0 && w < 2; w++) {
                size_t run = (size_t)-1, idx = 0;
                int found = nnear[w] == 0;
                for (size_t p = at, l; !found && p < ov[1]; p += l, idx++) {
                    uint32_t cp = oracle_cp((const unsigned char *)t + p, &l);
                    if (run == (size_t)-1 && !rxscan_number_char(cp))
                        run = idx;
                    if (run != (size_t)-1 && idx > run + neard[w])
                        break;
                    for (size_t k = 0; k < nnear[w] && !found; k++)
                        found = nearc[w][k] == cp;
                }
                if (!found)
                    bad = msg, snprintf(msg, cap, "a match holds no character of near set %d within %zu", w + 1,
                                        neard[w]);
            }
            if (bad || lrc != 0)
                continue;
            if (ov[1] == ov[0]) {
                if (!nullable)
                    bad = msg, snprintf(msg, cap, "matched the empty string, which the scan said it cannot");
                continue;
            }
            size_t p = ov[1] - 1, l;
            while (p > ov[0] && ((unsigned char)t[p] & 0xC0) == 0x80)
                p--;
            uint32_t cp = oracle_cp((const unsigned char *)t + p, &l);
            int found = 0;
            for (size_t k = 0; k < nlast && !found; k++)
                found = last[k] == cp;
            if (!found)
                bad = msg, snprintf(msg, cap, "a match ended with U+%04X, not one of its last characters", (unsigned)cp);
        }
    }
    /* the guarded twins - class guards only (rxscan_guard), and with table guards
     * (rxscan_guard_table, matched with their callout) - compile and match exactly as the
     * source does, from every start of every subject and, as `before` parts are matched,
     * ending at every character */
    for (int tables = 0; tables < 2 && !bad && md && mc; tables++) {
        char *g = NULL;
        size_t gn = 0;
        pcre2_code *gre = NULL;
        pcre2_match_data *gmd = NULL;
        rxscan_guards *gs = tables ? rxscan_guards_create() : NULL;
        pcre2_match_context *gmc = pcre2_match_context_copy(mc);
        if (gmc && gs)
            pcre2_set_callout(gmc, rxscan_guards_callout, gs);
        if (gmc && rxscan_guard_table(src, size, gs, &g, &gn) == 1) {
            gre = pcre2_compile((PCRE2_SPTR)g, gn, PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
            gmd = pcre2_match_data_create(pcre2_get_ovector_count(md), NULL);
            /* a twin too large to compile is left for the source (rulecomp.c falls back) */
            if (!gre && ec != PCRE2_ERROR_PATTERN_TOO_LARGE)
                bad = msg, snprintf(msg, cap, "the guarded pattern (%s) does not compile", tables ? "tables" : "classes");
        }
        for (size_t si = 0; gre && gmd && !bad && si < sizeof subjects / sizeof subjects[0]; si++) {
            const char *t = subjects[si];
            size_t tl = strlen(t);
            for (size_t at = 0; !bad && at <= tl; at++) {
                if (at < tl && ((unsigned char)t[at] & 0xC0) == 0x80)
                    continue;
                for (int end = 0; end < 2 && !bad; end++) { /* from at to the end; from 0 to at */
                    size_t from = end ? 0 : at, to = end ? at : tl;
                    int r1 = pcre2_match(re, (PCRE2_SPTR)t, to, from, 0, md, mc);
                    int r2 = pcre2_match(gre, (PCRE2_SPTR)t, to, from, 0, gmd, gmc);
                    if ((r1 < 0 && r1 != PCRE2_ERROR_NOMATCH) || (r2 < 0 && r2 != PCRE2_ERROR_NOMATCH))
                        continue; /* a limit: the two may take different numbers of steps */
                    if (r1 != r2 || (r1 > 0 && memcmp(pcre2_get_ovector_pointer(md), pcre2_get_ovector_pointer(gmd),
                                                      2 * (size_t)r1 * sizeof(PCRE2_SIZE)) != 0))
                        bad = msg, snprintf(msg, cap, "the guarded pattern (%s) matches otherwise %s %zu of subject %zu",
                                            tables ? "tables" : "classes", end ? "ending at" : "at", at, si);
                }
            }
        }
        pcre2_match_data_free(gmd);
        pcre2_code_free(gre);
        free(g);
        pcre2_match_context_free(gmc);
        rxscan_guards_free(gs);
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return bad;
}

#endif
