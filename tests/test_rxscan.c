/* test_rxscan.c: which characters a pattern can consume - table cases for each kind of
 * atom, the give-up cases, and a check against PCRE2 on every `before` of the shipped rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#include "ruleset/rules.h"
#include "ruleset/rule_int.h"
#include "ruleset/rxscan.h"

/* The candidates every case asks about, in this order. */
static const uint32_t CPS[] = {0xFF0C /* ， */, 0x3002 /* 。 */, ' ', ',', 0x3001 /* 、 */, 0x300B /* 》 */, 'a', '\t'};
#define NCPS (sizeof CPS / sizeof CPS[0])

/* pattern, then what may[] must be for CPS as a string of 0/1; ret: the return code */
struct rcase {
    const char *pat;
    const char *may;
    int ret;
};

static const struct rcase CASES[] = {
    /* literals and escapes */
    {"第", "00000000", 0},
    {"，|。", "11000000", 0},
    {"\\x{3001}", "00001000", 0},
    {"\\,", "00010000", 0},
    {"\\Q, \\E", "00110000", 0},
    {"A", "00000000", 0},
    {"(?i)A", "00000010", 0},
    /* escape classes */
    {"\\d+", "00000000", 0},
    {"\\s", "00100001", 0},
    {"\\S", "11011110", 0},
    {"\\w", "00000010", 0},
    {"\\h", "00100001", 0},
    {"\\D", "11111111", 0},
    {"\\p{Han}", "11111111", 0},
    {".", "11111111", 0},
    /* classes */
    {"[^》\\n]{0,60}", "11111011", 0},
    {"[^\\s，,。；;、：:！？!?（()）“”\"《》\\d%]", "00000010", 0},
    {"[，,]", "10010000", 0},
    {"[a-z]", "00000010", 0},
    {"[]a]", "00000010", 0},
    {"[\\s\\d]", "00100001", 0},
    {"[[:alpha:]]", "11111111", 0},
    {"[\\Q,\\E]", "11111111", -1},
    /* lookarounds do not consume; groups do */
    {"(?<=[，。])第", "00000000", 0},
    {"(?![，,])x(?=、)", "00000000", 0},
    {"(?<subject>[^，]{1,3})", "01111111", 0},
    {"(?:(?!a)[^a])*", "11111101", 0},
    {"(?P<n>x)(?P=n)", "00000000", 0},
    {"(x)\\1\\k<n>", "00000000", 0},
    {"(?#，)y", "00000000", 0},
    {"a{2,3}\\{", "00000010", 0},
    /* definitions match nothing where they stand; a call in a lookaround consumes nothing */
    {"(?(DEFINE)(?<v>，|、))(?:(?!(?&v))[a ])+", "00100010", 0},
    {"(?:(?!(?&v)|(?P>v))a){1,3}(?(DEFINE)(?<v>。))", "00000010", 0},
    {"(?=(?1)),(?(DEFINE)(a))", "00010000", 0},
    /* beyond the scan: everything may be consumed */
    {"(*COMMIT)x", "11111111", -1},
    {"(?x) a", "11111111", -1},
    {"(?(1)a|b)", "11111111", -1},
    {"(a)(?1)", "11111111", -1},
    {"(?&v)a(?(DEFINE)(?<v>，))", "11111111", -1},
    {"(?(DEFINE)(?<v>，))(?:(?&v)|a)", "11111111", -1},
    {"\\g<1>", "11111111", -1},
    {"[abc", "11111111", -1},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        unsigned char may[NCPS];
        int rc = rxscan_consumable(CASES[i].pat, strlen(CASES[i].pat), CPS, NCPS, may);
        char got[NCPS + 1];
        for (size_t k = 0; k < NCPS; k++)
            got[k] = may[k] ? '1' : '0';
        got[NCPS] = '\0';
        if (strcmp(got, CASES[i].may) != 0 || rc != CASES[i].ret)
            fail_msg("pattern '%s': may %s (want %s), rc %d (want %d)", CASES[i].pat, got, CASES[i].may, rc,
                     CASES[i].ret);
    }
}

static void test_start_sensitive(void **state)
{
    (void)state;
    assert_int_equal(rxscan_start_sensitive("\\Gx", 3), 1);
    assert_int_equal(rxscan_start_sensitive("a(*SKIP)b", 9), 1);
    assert_int_equal(rxscan_start_sensitive("\\\\G", 3), 0);
    assert_int_equal(rxscan_start_sensitive("(?:a|b)\\z", 9), 0);
}

/* Soundness on real patterns: wherever a shipped rule's `before` part matches in
 * one of the examples, no character of the match is one the scan said it cannot take. */
static void test_shipped_befores(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error err = {0};
    assert_int_equal(rules_load(r, "../rules", &err), 0);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    size_t checked = 0, narrowed = 0;
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        if (!ru->before)
            continue;
        unsigned char may[NCPS];
        rxscan_consumable(ru->before, strlen(ru->before), CPS, NCPS, may);
        narrowed += memchr(may, 0, NCPS) != NULL;
        for (size_t e = 0; e < ru->nexamples; e++) {
            const char *t = ru->examples[e].text;
            for (size_t a = 0; t[a]; a++) {
                if (((unsigned char)t[a] & 0xC0) == 0x80)
                    continue;
                if (pcre2_match(ru->compiled->before_code, (PCRE2_SPTR)t, a, 0, 0, md, NULL) < 0)
                    continue;
                const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                for (size_t p = ov[0]; p < ov[1]; p++)
                    for (size_t k = 0; k < NCPS; k++) {
                        char buf[8];
                        size_t bl = CPS[k] < 0x80 ? 1 : 3;
                        if (bl == 1)
                            buf[0] = (char)CPS[k];
                        else {
                            buf[0] = (char)(0xE0 | CPS[k] >> 12);
                            buf[1] = (char)(0x80 | (CPS[k] >> 6 & 0x3F));
                            buf[2] = (char)(0x80 | (CPS[k] & 0x3F));
                        }
                        if (p + bl <= ov[1] && memcmp(t + p, buf, bl) == 0 && !may[k])
                            fail_msg("rule '%s': before matched U+%04X in '%s'", ru->id, (unsigned)CPS[k], t);
                    }
                checked++;
            }
        }
    }
    assert_true(checked > 100);
    assert_true(narrowed > 10); /* the scan narrows most shipped befores */
    pcre2_match_data_free(md);
    rules_free(r);
}

/* pattern, its last characters as a string (order free), nullable; NULL = -1 */
struct lcase {
    const char *pat;
    const char *last;
    int nullable;
};

static const struct lcase LCASES[] = {
    {"第", "第", 0},
    {"(?:浏览|点击)(?:次数|量)?", "览击数量", 0},
    {"(?:由|从)(?:现在的)?", "由从的", 0},
    {"\\d+年", "年", 0},
    {"[〔\\[（]", "〔[（", 0},
    {"万人口?", "人口", 0},
    {"x\\s*", "x \t\n\v\f\r\xc2\x85\xc2\xa0", 0},
    {"(?<q>约|近)?", "约近", 1},
    {"a(?=b)", "a", 0},
    {"a(?!b)|c\\b", "ac", 0},
    {"a{0,3}", "a", 1},
    {"a{2}", "a", 0},
    {"(?:a|)", "a", 1},
    {"(?:x)\\z", "x", 0},
    {"[0-9]", "0123456789", 0},
    {"(?:(?!(?&v))[甲乙])+(?(DEFINE)(?<v>丙|丁))", "甲乙", 0},
    {"(?(DEFINE)(?<v>丙))x(?:(?!(?&v))y)?", "xy", 0},
    /* could end with anything, or beyond the scan */
    {"[^》]", NULL, 0},
    {".", NULL, 0},
    {"a\\w", NULL, 0},
    {"(a)\\1", NULL, 0},
    {"(?i)a", NULL, 0},
    {"(?(1)a|b)", NULL, 0},
    {"a)", NULL, 0},
    {"x(?&v)(?(DEFINE)(?<v>丙))", NULL, 0},
    {"[\\x{4e00}-\\x{9fff}]", NULL, 0},
};

static void test_last(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof LCASES / sizeof LCASES[0]; i++) {
        const struct lcase *c = &LCASES[i];
        uint32_t cps[RXSCAN_LAST_MAX];
        size_t n;
        int nullable;
        int rc = rxscan_last(c->pat, strlen(c->pat), cps, &n, &nullable);
        if (!c->last) {
            if (rc != -1)
                fail_msg("pattern '%s': want -1, got a set of %zu", c->pat, n);
            continue;
        }
        if (rc != 0)
            fail_msg("pattern '%s': want a set, got -1", c->pat);
        /* the same characters, in any order */
        size_t want = 0;
        for (const unsigned char *p = (const unsigned char *)c->last; *p; p++)
            want += (*p & 0xC0) != 0x80;
        if (n != want || nullable != c->nullable)
            fail_msg("pattern '%s': %zu characters (want %zu), nullable %d (want %d)", c->pat, n, want,
                     nullable, c->nullable);
        for (size_t k = 0; k < n; k++) {
            char buf[5] = {0};
            if (cps[k] < 0x80)
                buf[0] = (char)cps[k];
            else if (cps[k] < 0x800) {
                buf[0] = (char)(0xC0 | cps[k] >> 6);
                buf[1] = (char)(0x80 | (cps[k] & 0x3F));
            } else {
                buf[0] = (char)(0xE0 | cps[k] >> 12);
                buf[1] = (char)(0x80 | (cps[k] >> 6 & 0x3F));
                buf[2] = (char)(0x80 | (cps[k] & 0x3F));
            }
            if (!strstr(c->last, buf))
                fail_msg("pattern '%s': U+%04X is not one of '%s'", c->pat, (unsigned)cps[k], c->last);
        }
    }
}

/* pattern, its first characters as a string (order free), nullable; NULL = -1 */
static const struct lcase FCASES[] = {
    {"第", "第", 0},
    {"(?:浏览|点击)(?:次数|量)?", "浏点", 0},
    {"(?:由|从)?(?:现在的)", "由从现", 0},
    {"\\d+年", "0123456789", 0},
    {"(?<![比较\\d])(?<year>(?:19|20)\\d{2})年", "12", 0},
    {"(?<=元|瓦)(?:及)?以上", "及以", 0},
    {"(?=b)a", "a", 0},
    {"a?b*c", "abc", 0},
    {"(?<q>约|近)?", "约近", 1},
    {"(?i:x{2,4}|×{2,4}|某)年", "xX×某", 0},
    {"(?i:k)", "kK\xe2\x84\xaa", 0},
    {"(?:每|人均)(?:千)?", "每人", 0},
    /* could start with anything, or beyond the scan */
    {".年", NULL, 0},
    {"\\w", NULL, 0},
    {"(a)?\\1b", NULL, 0},
    {"(?i)a", NULL, 0},
    {"(?i:é)", NULL, 0},
    {"(?&v)x(?(DEFINE)(?<v>丙))", NULL, 0},
};

/* The same check for the first characters of a match. */
static void test_first(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FCASES / sizeof FCASES[0]; i++) {
        const struct lcase *c = &FCASES[i];
        uint32_t cps[RXSCAN_LAST_MAX];
        size_t n;
        int nullable;
        int rc = rxscan_first(c->pat, strlen(c->pat), cps, &n, &nullable);
        if (!c->last) {
            if (rc != -1)
                fail_msg("pattern '%s': want -1, got a set of %zu", c->pat, n);
            continue;
        }
        if (rc != 0)
            fail_msg("pattern '%s': want a set, got -1", c->pat);
        size_t want = 0;
        for (const unsigned char *p = (const unsigned char *)c->last; *p; p++)
            want += (*p & 0xC0) != 0x80;
        if (n != want || nullable != c->nullable)
            fail_msg("pattern '%s': %zu characters (want %zu), nullable %d (want %d)", c->pat, n, want,
                     nullable, c->nullable);
        for (size_t k = 0; k < n; k++) {
            char buf[5] = {0};
            if (cps[k] < 0x80) {
                buf[0] = (char)cps[k];
            } else if (cps[k] < 0x800) {
                buf[0] = (char)(0xC0 | cps[k] >> 6);
                buf[1] = (char)(0x80 | (cps[k] & 0x3F));
            } else {
                buf[0] = (char)(0xE0 | cps[k] >> 12);
                buf[1] = (char)(0x80 | (cps[k] >> 6 & 0x3F));
                buf[2] = (char)(0x80 | (cps[k] & 0x3F));
            }
            if (!strstr(c->last, buf))
                fail_msg("pattern '%s': U+%04X is not one of '%s'", c->pat, (unsigned)cps[k], c->last);
        }
    }
}

/* pattern, its needed sets as strings (order free; "" none); NULL first = -1 */
static const struct ncase {
    const char *pat, *set1, *set2;
} NCASES[] = {
    {"\\d+个?之一", "之", "一"},                              /* a rare literal before a numeral */
    {"\\d+(?:级|以上)的?(?:项目|企业)", "目业", "级上"},       /* two items: the later wins a tie */
    {"\\d+位次", "次", "位"},
    {"(?:19|20)\\d{2}年|\\d+月", "年月", ""},                 /* alternatives: their union, no second */
    {"(?<=元)以上", "上", "以"},
    {"\\d+", "0123456789", ""},
    {"(?:x|y)?z", "z", ""},
    {".*", NULL, NULL},
    {"a|.", NULL, NULL},
    {"(?i)a", NULL, NULL},
};

static int same_set(const uint32_t *cps, size_t n, const char *want)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)want; *p; p++)
        count += (*p & 0xC0) != 0x80;
    if (count != n)
        return 0;
    for (size_t k = 0; k < n; k++) {
        char buf[5] = {0};
        if (cps[k] < 0x80) {
            buf[0] = (char)cps[k];
        } else {
            buf[0] = (char)(0xE0 | cps[k] >> 12);
            buf[1] = (char)(0x80 | (cps[k] >> 6 & 0x3F));
            buf[2] = (char)(0x80 | (cps[k] & 0x3F));
        }
        if (!strstr(want, buf))
            return 0;
    }
    return 1;
}

static void test_needed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof NCASES / sizeof NCASES[0]; i++) {
        const struct ncase *c = &NCASES[i];
        uint32_t a[RXSCAN_LAST_MAX], b[RXSCAN_LAST_MAX];
        size_t na, nb;
        int rc = rxscan_needed(c->pat, strlen(c->pat), a, &na, b, &nb);
        if (!c->set1) {
            if (rc != -1)
                fail_msg("pattern '%s': want -1, got a set of %zu", c->pat, na);
            continue;
        }
        if (rc != 0)
            fail_msg("pattern '%s': want sets, got -1", c->pat);
        if (!same_set(a, na, c->set1) || !same_set(b, nb, c->set2))
            fail_msg("pattern '%s': sets of %zu and %zu characters, want '%s' and '%s'", c->pat, na, nb, c->set1,
                     c->set2);
    }
}

/* rxscan_near: a set, and how far past the run of number characters it may stand
 * (set NULL: -1), and the second set (set2 "": none). */
static const struct nearcase {
    const char *pat, *set;
    size_t dist;
    const char *set2;
    size_t dist2;
} NEARCASES[] = {
    {"\\d+[ ]?(?:个|所)[^，]{0,12}?之一", "个所", 0, "之", 13},           /* two items: two sets */
    {"\\d+(?:万元)?(?:级|以上)的?(?:项目|企业)", "级以", 2, "项企", 5},   /* past bounded items */
    {"\\d+(?:条|项)(?:意见|措施)", "条项", 0, "意措", 1},                 /* right after the number */
    {"\\d+\\s*个?(?:工作日|月)", "工月", 1, NULL, 0},                     /* \\s stays in the run */
    {"(?:19|20)\\d{2}(?:\\s*[-/至]\\s*\\d{2})?年", "年", 0, NULL, 0},     /* a range of years is a run */
    {"[^”]{0,12}”", "”", 12, NULL, 0},                                   /* no run: the width alone */
    {"\\d+个|\\d+项之一", "个项", 0, NULL, 0},       /* alternatives: union (项 is nearer than 之), one set */
    {"\\d+个|[^，]{0,3}之", "个之", 3, NULL, 0},       /* ... with the larger distance */
    {"\\d+\\.\\d+", ".", 0, NULL, 0},                /* '.' within the run */
    {"\\d{2,4}(?:万|亿)?", NULL, 0, NULL, 0},         /* number characters only: no set */
    {"\\d+(?:岁|周岁)?-\\d+岁", "-", 2, NULL, 0},      /* 岁 is past an unbounded item */
    {"\\d+[^0-9]?\\d+岁", NULL, 0, NULL, 0},
    {"\\d+.*之一", NULL, 0, NULL, 0},
    {"[^》]{0,60}》", NULL, 0, NULL, 0},                 /* farther than RXSCAN_NEAR_MAX */
    {"\\d+(\\D)\\1个", NULL, 0, NULL, 0},             /* a back reference: no bound */
    {"\\d+(?i:a)个", "个", 1, "aA", 0},                /* a folded letter leaves the run */
};

static void test_near(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof NEARCASES / sizeof NEARCASES[0]; i++) {
        const struct nearcase *c = &NEARCASES[i];
        uint32_t a[RXSCAN_LAST_MAX];
        size_t n, d;
        uint32_t a2[RXSCAN_LAST_MAX];
        size_t n2, d2;
        int rc = rxscan_near(c->pat, strlen(c->pat), a, &n, &d, a2, &n2, &d2);
        if (!c->set) {
            if (rc != -1)
                fail_msg("pattern '%s': want -1, got a set of %zu at %zu", c->pat, n, d);
            continue;
        }
        if (rc != 0)
            fail_msg("pattern '%s': want a set, got -1", c->pat);
        if (!same_set(a, n, c->set) || d != c->dist)
            fail_msg("pattern '%s': %zu characters within %zu, want '%s' within %zu", c->pat, n, d, c->set, c->dist);
        const char *want2 = c->set2 ? c->set2 : "";
        if (!same_set(a2, n2, want2) || (n2 && d2 != c->dist2))
            fail_msg("pattern '%s': a second set of %zu within %zu, want '%s' within %zu", c->pat, n2, d2, want2,
                     c->dist2);
    }
    assert_true(rxscan_number_char('7') && rxscan_number_char(0x4E07) && rxscan_number_char(0x81F3)); /* 7 万 至 */
    assert_false(rxscan_number_char(0x4E2A) || rxscan_number_char('%')); /* 个 % */
}

/* Braces as every PCRE2 reads them: {2} {1,} {2,3} are quantifiers and {,} text in every
 * version, and the scan's last characters agree with the PCRE2 linked; {,3} and { 2 } are text
 * before 10.43 and quantifiers from it, and since the library linked at run time may be
 * either, the scan gives up on them. \N{U+4E2A} is one character. */
static void test_quantifier_forms(void **state)
{
    (void)state;
    static const struct { const char *pat; int doubt; } forms[] = {
        {"a{2}", 0}, {"a{1,}", 0}, {"a{2,3}", 0}, {"a{,}", 0}, {"a{,3}", 1}, {"a{ 2 }", 1}, {"a{2, 3}", 1},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const char *pat = forms[i].pat;
        uint32_t cps[RXSCAN_LAST_MAX];
        size_t n;
        int nullable;
        int rc = rxscan_last(pat, strlen(pat), cps, &n, &nullable);
        if (forms[i].doubt) {
            if (rc != -1)
                fail_msg("pattern '%s': read either way by PCRE2 versions, the scan must give up", pat);
            continue;
        }
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
        assert_non_null(re);
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
        /* literal text when PCRE2 finds the pattern's own source in it */
        int literal = pcre2_match(re, (PCRE2_SPTR)pat, strlen(pat), 0, 0, md, NULL) > 0 &&
                      pcre2_get_ovector_pointer(md)[1] - pcre2_get_ovector_pointer(md)[0] == strlen(pat);
        assert_int_equal(rc, 0);
        assert_int_equal(n, 1);
        if (cps[0] != (literal ? (uint32_t)'}' : (uint32_t)'a'))
            fail_msg("pattern '%s': PCRE2 reads it as %s, the scan says it ends with U+%04X", pat,
                     literal ? "text" : "a quantifier", (unsigned)cps[0]);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
    uint32_t cps[RXSCAN_LAST_MAX];
    size_t n;
    int nullable;
    assert_int_equal(rxscan_last("\\d+\\N{U+4E2A}", strlen("\\d+\\N{U+4E2A}"), cps, &n, &nullable), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cps[0], 0x4E2A);
}

/* Decode the UTF-8 character that ends right before s + end. */
static uint32_t cp_before(const char *s, size_t end)
{
    size_t p = end - 1;
    while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
        p--;
    const unsigned char *u = (const unsigned char *)s + p;
    if (u[0] < 0x80)
        return u[0];
    if (u[0] < 0xE0)
        return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    if (u[0] < 0xF0)
        return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 | (uint32_t)(u[2] & 0x3F) << 6 |
           (u[3] & 0x3F);
}

/* Soundness on real patterns: every match of a shipped pattern or `before` part in
 * the examples ends with one of the characters the scan gave, and is not empty
 * when the scan said it cannot be. */
static void test_shipped_last(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error err = {0};
    assert_int_equal(rules_load(r, "../rules", &err), 0);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    size_t checked = 0, sets = 0;
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        for (int part = 0; part < 2; part++) {
            const char *src = part ? ru->before : ru->pattern;
            const pcre2_code *code = part ? ru->compiled->before_code : ru->compiled->code;
            uint32_t cps[RXSCAN_LAST_MAX];
            size_t n;
            int nullable;
            if (!src || rxscan_last(src, strlen(src), cps, &n, &nullable))
                continue;
            sets++;
            for (size_t e = 0; e < ru->nexamples; e++) {
                const char *t = ru->examples[e].text;
                for (size_t a = 0; t[a]; a++) {
                    if (((unsigned char)t[a] & 0xC0) == 0x80)
                        continue;
                    /* the pattern anchored at a; the before part ending at a */
                    int rc = part ? pcre2_match(code, (PCRE2_SPTR)t, a, 0, 0, md, NULL)
                                  : pcre2_match(code, (PCRE2_SPTR)t, strlen(t), a, 0, md, NULL);
                    if (rc < 0)
                        continue;
                    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                    checked++;
                    if (ov[1] == ov[0]) {
                        if (!nullable)
                            fail_msg("rule '%s' %s: empty match in '%s'", ru->id, part ? "before" : "pattern", t);
                        continue;
                    }
                    uint32_t last = cp_before(t, ov[1]);
                    int found = 0;
                    for (size_t k = 0; k < n && !found; k++)
                        found = cps[k] == last;
                    if (!found)
                        fail_msg("rule '%s' %s: match in '%s' ends with U+%04X", ru->id, part ? "before" : "pattern",
                                 t, (unsigned)last);
                }
            }
        }
    }
    assert_true(sets > 20);
    assert_true(checked > 100);
    pcre2_match_data_free(md);
    rules_free(r);
}

/* pattern; the first two characters it allows ("ab cd": pairs a-b and c-d); the first
 * characters any second one may follow (one-character matches too); the pairs it must not
 * allow (checked where their hash is no allowed pair's); NULL pairs: -1 */
static const struct pcase {
    const char *pat, *pairs, *open, *not;
} PCASES[] = {
    {"(?:19|20)\\d{2}年", "19 20", "", "10 1. 2. 21 年1"},  /* a year, not 10 or 1.5 */
    {"a|bc", "bc", "a", "bd ca"},
    {"a?b", "ab", "b", "bb aa"},                            /* b alone, or ab */
    {"(?i:ab)c", "ab Ab aB AB", "", "ac bc"},
    {"x.", "", "x", ""},                                     /* any second character */
    {"a{2}|b+", "aa bb", "ab", "ab ba"},                     /* a repeated atom may match alone */
    {"(?:ab)*c", "ab", "c", "ba ca"},
    {"(?<![比较])今年(?=的)", "今年", "", "今天 年今"},          /* lookarounds pass */
    {"每(?:千|万)人|人均", "每千 每万 人均", "", "每人 人口"},
    {"力争|确保", "力争 确保", "", "力量 确定"},
    {".x", NULL, NULL, NULL},                                /* any first character */
    {"(?m)ab", NULL, NULL, NULL},                            /* options: beyond the scan */
    {"(a)\\1", "", "a", ""},                                 /* a back reference: anything next */
};

/* The code points of s, one per character, into cps (at most 8). */
static size_t cps_of(const char *s, size_t len, uint32_t *cps)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < 8;) {
        const unsigned char *u = (const unsigned char *)s + i;
        size_t l = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
        uint32_t cp = l == 1 ? u[0] : (uint32_t)(u[0] & (0x3F >> (l - 1)));
        for (size_t k = 1; k < l; k++)
            cp = cp << 6 | (u[k] & 0x3F);
        cps[n++] = cp;
        i += l;
    }
    return n;
}

static int pair_bit(const uint64_t *bits, uint32_t a, uint32_t b)
{
    size_t h = rxscan_pair_hash(a, b);
    return (int)(bits[h >> 6] >> (h & 63) & 1);
}

/* rxscan_number_chars lists exactly the characters rxscan_number_char says yes for, each
 * once, in code point order. */
static void test_number_chars(void **state)
{
    (void)state;
    uint32_t cps[RXSCAN_NUMBER_CHARS];
    size_t n = rxscan_number_chars(cps, RXSCAN_NUMBER_CHARS);
    assert_true(n > 20 && n < RXSCAN_NUMBER_CHARS); /* room left: none was cut */
    size_t yes = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        if (!rxscan_number_char(cp))
            continue;
        yes++;
        size_t hits = 0;
        for (size_t i = 0; i < n; i++)
            hits += cps[i] == cp;
        if (hits != 1)
            fail_msg("U+%04X listed %zu times", (unsigned)cp, hits);
    }
    assert_int_equal(yes, n);
    for (size_t i = 1; i < n; i++) /* in order: rxscan_number_char searches the table */
        assert_true(cps[i - 1] < cps[i]);
    assert_true(rxscan_number_char(0x4E07) && rxscan_number_char('7') && !rxscan_number_char(0x4E2A)); /* 万 7, not 个 */
    assert_int_equal(rxscan_number_chars(cps, 3), 3);
}

static void test_pairs(void **state)
{
    (void)state;
    static uint64_t bits[(RXSCAN_PAIR_BITS + 65536) / 64];
    const uint64_t *open = bits + RXSCAN_PAIR_BITS / 64;
    for (size_t i = 0; i < sizeof PCASES / sizeof PCASES[0]; i++) {
        const struct pcase *c = &PCASES[i];
        memset(bits, 0, sizeof bits);
        int rc = rxscan_pairs(c->pat, strlen(c->pat), bits, bits + RXSCAN_PAIR_BITS / 64);
        if (!c->pairs) {
            if (rc != -1)
                fail_msg("pattern '%s': want -1", c->pat);
            continue;
        }
        if (rc != 0)
            fail_msg("pattern '%s': want pairs, got -1", c->pat);
        uint32_t want[16][2];
        size_t nwant = 0;
        for (const char *p = c->pairs; *p;) {
            const char *e = strchr(p, ' ');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            uint32_t cp[8];
            assert_int_equal(cps_of(p, l, cp), 2);
            if (!pair_bit(bits, cp[0], cp[1]))
                fail_msg("pattern '%s': pair '%.*s' not allowed", c->pat, (int)l, p);
            want[nwant][0] = cp[0];
            want[nwant++][1] = cp[1];
            p += l + (e != NULL);
        }
        uint32_t oc[8];
        size_t no = cps_of(c->open, strlen(c->open), oc);
        for (uint32_t cp = 0; cp < 65536; cp++) {
            int is = (int)(open[cp >> 6] >> (cp & 63) & 1), want_open = 0;
            for (size_t k = 0; k < no; k++)
                want_open |= oc[k] == cp;
            if (is != want_open)
                fail_msg("pattern '%s': U+%04X %s open", c->pat, (unsigned)cp, is ? "is" : "is not");
        }
        for (const char *p = c->not; *p;) {
            const char *e = strchr(p, ' ');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            uint32_t cp[8];
            assert_int_equal(cps_of(p, l, cp), 2);
            int collides = 0;
            for (size_t k = 0; k < nwant; k++)
                collides |= rxscan_pair_hash(cp[0], cp[1]) == rxscan_pair_hash(want[k][0], want[k][1]);
            if (!collides && pair_bit(bits, cp[0], cp[1]))
                fail_msg("pattern '%s': pair '%.*s' allowed", c->pat, (int)l, p);
            p += l + (e != NULL);
        }
    }
}

/* pattern, then the guarded pattern (NULL: rxscan_guard leaves it) */
struct gcase {
    const char *pat;
    const char *want;
};

static const struct gcase GCASES[] = {
    {"(?:a|b|c|d)", "(?:(?=[abcd])(?:a|b|c|d))"},
    {"x(?<unit>个|家|户|个人)y", "x(?<unit>(?=[个家户])(?:个|家|户|个人))y"},
    {"(新建|扩建|改建|新增)", "((?=[扩改新])(?:新建|扩建|改建|新增))"},
    {"(?P<v>aa|ab|b-|-c)", "(?P<v>(?=[\\-ab])(?:aa|ab|b-|-c))"},
    {"(?'v'aa|bb|cc|dd)", "(?'v'(?=[abcd])(?:aa|bb|cc|dd))"},
    /* nested: the inner plain group is guarded, the outer one is not plain */
    {"(?:(?:甲|乙|丙|丁)年|戊)", "(?:(?:(?=[丁丙乙甲])(?:甲|乙|丙|丁))年|戊)"},
    {"(?!(?:约|近|超|逾))\\d", "(?!(?:(?=[约超近逾])(?:约|近|超|逾)))\\d"},
    /* left alone */
    {"(?:a|b|c)", NULL},              /* fewer than RXSCAN_GUARD_MIN words */
    {"(?:a|b|c|d|)", NULL},           /* an empty word matches anywhere */
    /* alternatives that start with a literal that must be there */
    {"(?:a|b+|c|d)", "(?:(?=[abcd])(?:a|b+|c|d))"},
    {"(?:增加(?!值)|增长|下降|提高)", "(?:(?=[下增提])(?:增加(?!值)|增长|下降|提高))"},
    {"(?:x(?:1|2)|y[|]|z\\)|wv)", "(?:(?=[wxyz])(?:x(?:1|2)|y[|]|z\\)|wv))"},
    {"(?:a\\E?x|b|c|d)", NULL},        /* \E or a comment between a character and its ? */
    {"(?:a(?#c)?x|b|c|d)", NULL},
    {"(?:a?|b|c|d)", NULL},           /* a first character that may be missing */
    {"(?:a*b|b|c|d)", NULL},
    {"(?:a{2}|b|c|d)", NULL},
    {"(?:a|b|c|(?:d))", NULL},        /* one that starts with a group */
    {"(?:a|b|c|\\d)", NULL},
    {"(?<=a|b|c|d)x", NULL},          /* lookbehinds, lookaheads, resets */
    {"(?=a|b|c|d)x", NULL},
    {"(?|a|b|c|d)", NULL},
    {"[(?:a|b|c|d)]", NULL},          /* inside a class */
    {"[]()?:a|b|c|d]", NULL},
    {"\\Q(?:a|b|c|d)\\E", NULL},      /* quoted */
    {"\\((?:a|b|c|d\\)", NULL},
    {"(?#(?:a|b|c|d))x", NULL},       /* a comment */
    {"(?x)(?:a|b|c|d)", NULL},        /* extended mode: whitespace and # mean something */
    {"(*:x(?:a|b|c|d))y", NULL},      /* verbs: a mark name may hold anything but ) */
    {"(?i-x:(?:a|b|c|d))", NULL},
    {"(?:a b|c|d|e)", "(?:(?=[acde])(?:a b|c|d|e))"},
    {"[a-", NULL},                    /* malformed: PCRE2 reports it */
};

static void test_guard(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof GCASES / sizeof GCASES[0]; i++) {
        const struct gcase *c = &GCASES[i];
        char *out;
        size_t n;
        int rc = rxscan_guard(c->pat, strlen(c->pat), &out, &n);
        if (!c->want) {
            if (rc != 0 || out)
                fail_msg("pattern '%s': want it left alone, got '%s'", c->pat, out ? out : "");
            continue;
        }
        if (rc != 1 || !out || strlen(out) != n || strcmp(out, c->want) != 0)
            fail_msg("pattern '%s': want '%s', got '%s'", c->pat, c->want, out ? out : "(none)");
        free(out);
    }
}

/* Table guards (rxscan_guard_table): the guarded text, and the same matches as the source
 * when matched with the guards' callout - from every start and ending at every character
 * of a few subjects. Each case has a table of its own, so its sets count from (?C1). */
static const struct gcase TCASES[] = {
    /* a call: the first characters of the group it runs */
    {"(?(DEFINE)(?<v>甲|乙丙))x(?!(?&v))y", "(?(DEFINE)(?<v>甲|乙丙))x(?!(?:(?C1)(?&v)))y"},
    {"(?(DEFINE)(?<v>甲?))(?&v)x", NULL},          /* a group that can match nothing */
    {"(?<n>甲)(?1)", NULL},                        /* called by number */
    /* after a lazy quantifier: what must match next, out through the groups */
    {"(?:(?<s>[^，]{1,5}?)(?:甲|乙)?丙)\\z", "(?:(?<s>[^，]{1,5}?(?C1))(?:甲|乙)?丙)\\z"},
    {"(?:(?<s>\\d{1,3}?)(?:万|亿)?)\\z", "(?:(?<s>\\d{1,3}?(?C1))(?:万|亿)?)\\z"}, /* or the end */
    {"a{1,2}?b|c", "a{1,2}?(?C1)b|c"},             /* this alternative only */
    {"x*?(?:y|)", NULL},                           /* what follows can match nothing anywhere */
    {"(?=a{1,3}?b)c", NULL},                       /* inside a lookahead */
    {"(?:a{1,3}?b)+c", NULL},                      /* in a group that repeats */
    {"(?>a{1,3}?b)c", NULL},                       /* in an atomic group */
    {"(?:a{1,3}?b)?+c", NULL},                     /* possessive */
    {"(?<g>a+?)b(?&g)", "(?<g>a+?)b(?:(?C1)(?&g))"}, /* a called group: its end returns elsewhere */
    {"(?<s>a{1,3}?)\\k<s>", NULL},                /* a back reference: not known */
    {"(?i)(?<s>a{1,3}?)b", NULL},                  /* options: characters would fold */
    {"a?\?b", "a?\?(?C1)b"},
    {"(?C1)a*?b", NULL},                           /* callouts of its own */
    {"(?:a?x*?)\\E*z", NULL},                      /* a stray \E before a quantifier */
    {"(?:a?x*?(?:))(?#c)*z", NULL},                /* a comment before a quantifier */
    {"(a*?)b|x\\g<1>c", NULL},                     /* a call written \g<1> */
    {"(?|(a)|(?<n>c))x|(?&n)z", NULL},             /* a branch reset: (?&n) runs (a) */
    /* a word guard of many first characters */
    {"(?:一a|丁a|七a|万a|丈a|三a|上a|下a|不a|与a|丐a|丑a|专a|且a|丕a|世a|丗a|丘a|丙a|业a|丛a|东a|丝a|丞a|丢a|两a|严a|丧a|个a|丫a|中a|丰a)",
     "(?:(?C1)(?:一a|丁a|七a|万a|丈a|三a|上a|下a|不a|与a|丐a|丑a|专a|且a|丕a|世a|丗a|丘a|丙a|业a|丛a|东a|丝a|丞a|丢a|两a|严a|丧a|个a|丫a|中a|丰a))"},
};

static void test_guard_tables(void **state)
{
    (void)state;
    static const char *const subjects[] = {"x甲y", "x乙丙y", "xy", "ab", "aab", "c", "123万", "12", "甲乙丙",
                                           "，乙丙", "b", "aaaab", "丰a", "个b"};
    pcre2_match_data *m1 = pcre2_match_data_create(16, NULL), *m2 = pcre2_match_data_create(16, NULL);
    size_t matches = 0;
    for (size_t i = 0; i < sizeof TCASES / sizeof TCASES[0]; i++) {
        const struct gcase *c = &TCASES[i];
        rxscan_guards *g = rxscan_guards_create();
        char *out;
        size_t n;
        int rc = rxscan_guard_table(c->pat, strlen(c->pat), g, &out, &n);
        if (!c->want) {
            if (rc != 0 || out)
                fail_msg("pattern '%s': want it left alone, got '%s'", c->pat, out ? out : "");
            rxscan_guards_free(g);
            continue;
        }
        if (rc != 1 || !out || strlen(out) != n || strcmp(out, c->want) != 0)
            fail_msg("pattern '%s': want '%s', got '%s'", c->pat, c->want, out ? out : "(none)");
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *a = pcre2_compile((PCRE2_SPTR)c->pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
        pcre2_code *b = pcre2_compile((PCRE2_SPTR)out, n, PCRE2_UTF, &ec, &eo, NULL);
        assert_non_null(a);
        assert_non_null(b);
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        pcre2_set_callout(mc, rxscan_guards_callout, g);
        for (size_t k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
            const char *t = subjects[k];
            size_t tl = strlen(t);
            for (size_t at = 0; at <= tl; at++)
                for (int end = 0; end < 2; end++) {
                    size_t from = end ? 0 : at, to = end ? at : tl;
                    int r1 = pcre2_match(a, (PCRE2_SPTR)t, to, from, 0, m1, NULL);
                    int r2 = pcre2_match(b, (PCRE2_SPTR)t, to, from, 0, m2, mc);
                    if (r1 != r2 || (r1 > 0 && memcmp(pcre2_get_ovector_pointer(m1), pcre2_get_ovector_pointer(m2),
                                                      2 * (size_t)r1 * sizeof(PCRE2_SIZE)) != 0))
                        fail_msg("pattern '%s' on '%.*s' from %zu: %d against %d", c->pat, (int)to, t, from, r1, r2);
                    matches += r1 > 0;
                }
        }
        pcre2_match_context_free(mc);
        pcre2_code_free(a);
        pcre2_code_free(b);
        free(out);
        rxscan_guards_free(g);
    }
    assert_true(matches > 50);
    /* the callout alone: a set's characters pass, others fail, the end as the set says;
     * numbers beyond the table and string callouts are not its */
    rxscan_guards *g = rxscan_guards_create();
    char *out;
    size_t n;
    const char *pat = "(?:(?<s>\\d{1,3}?)(?:万|亿)?)\\z";
    assert_int_equal(rxscan_guard_table(pat, strlen(pat), g, &out, &n), 1);
    free(out);
    pcre2_callout_block b;
    memset(&b, 0, sizeof b);
    b.callout_number = 1;
    b.subject = (PCRE2_SPTR) "1万x";
    b.subject_length = strlen("1万x");
    b.current_position = 1;
    assert_int_equal(rxscan_guards_callout(&b, g), 0); /* 万 */
    b.current_position = 4;
    assert_int_equal(rxscan_guards_callout(&b, g), 1); /* x */
    b.current_position = b.subject_length;
    assert_int_equal(rxscan_guards_callout(&b, g), 0); /* the end: this set allows it */
    b.callout_number = 2;
    assert_int_equal(rxscan_guards_callout(&b, g), 0); /* not one of the table's */
    b.callout_number = 1;
    b.current_position = 4;
    b.callout_string = (PCRE2_SPTR) "x";
    assert_int_equal(rxscan_guards_callout(&b, g), 0);
    rxscan_guards_free(g);
    pcre2_match_data_free(m1);
    pcre2_match_data_free(m2);
}

/* Compile src as the engine does, or NULL. */
static pcre2_code *compile_src(const char *src, size_t n)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, n, PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
    if (re)
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

/* Whether the string s is among v[0..n). */
static int seen_before(const char *const *v, size_t n, const char *s)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k], s) == 0)
            return 1;
    return 0;
}

/* Do a and b give the same result and groups on s[0..n) from `from`? r1 gets a's result. */
static void same_match(const pcre2_code *a, const pcre2_code *b, const char *s, size_t n, size_t from,
                       pcre2_match_data *m1, pcre2_match_data *m2, pcre2_match_context *bctx, const char *what,
                       int *r1)
{
    *r1 = pcre2_match(a, (PCRE2_SPTR)s, n, from, 0, m1, NULL);
    int r2 = pcre2_match(b, (PCRE2_SPTR)s, n, from, 0, m2, bctx);
    if (*r1 != r2)
        fail_msg("%s: %d against %d in '%.*s' from %zu", what, *r1, r2, (int)n, s, from);
    if (*r1 > 0 && memcmp(pcre2_get_ovector_pointer(m1), pcre2_get_ovector_pointer(m2),
                          2 * (size_t)*r1 * sizeof(PCRE2_SIZE)) != 0)
        fail_msg("%s: other groups in '%.*s' from %zu", what, (int)n, s, from);
}

/* The guard keeps the meaning: for every shipped pattern and `before` part that gets a
 * guard - class guards only, and with table guards (matched with their callout) - the
 * guarded pattern gives the same result and the same groups as the source,
 * starting at every character of every example and of the bundled example plans, and
 * (as `before` parts are matched) ending at every character. Repeated sources and texts
 * are tried once. Where neither finds a match starting at or after a character, none
 * starts after a later one either (a match attempt at a position does not depend on the
 * start offset, for patterns without \G and verbs): the later starts are not tried. */
static void test_shipped_guard(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error err = {0};
    assert_int_equal(rules_load(r, "../rules", &err), 0);
    /* the texts: every example, then the lines of the example plans */
    const char **texts = NULL;
    size_t ntexts = 0;
    char *plans[3] = {NULL, NULL, NULL};
    const char *names[3] = {"../examples/linjiang-edu-2025.txt", "../examples/nanshan-health-2025.txt",
                            "../examples/yunxi-edu-2024.txt"};
    for (size_t i = 0; i < rules_count(r); i++)
        for (size_t e = 0; e < rules_at(r, i)->nexamples; e++) {
            if (seen_before(texts, ntexts, rules_at(r, i)->examples[e].text))
                continue;
            texts = xrealloc(texts, (ntexts + 1) * sizeof *texts);
            texts[ntexts++] = rules_at(r, i)->examples[e].text;
        }
    for (int f = 0; f < 3; f++) {
        FILE *fp = fopen(names[f], "rb");
        assert_non_null(fp);
        plans[f] = xcalloc(1, 1 << 20);
        size_t got = fread(plans[f], 1, (1 << 20) - 1, fp);
        fclose(fp);
        plans[f][got] = '\0';
        for (char *line = strtok(plans[f], "\n"); line; line = strtok(NULL, "\n")) {
            if (seen_before(texts, ntexts, line))
                continue;
            texts = xrealloc(texts, (ntexts + 1) * sizeof *texts);
            texts[ntexts++] = line;
        }
    }
    pcre2_match_data *m1 = pcre2_match_data_create(64, NULL), *m2 = pcre2_match_data_create(64, NULL);
    size_t guarded = 0, tabled = 0, matches = 0, nsrcs = 0;
    const char **srcs = NULL;
    rxscan_guards *gs = rxscan_guards_create();
    pcre2_match_context *gctx = pcre2_match_context_create(NULL);
    pcre2_set_callout(gctx, rxscan_guards_callout, gs);
    for (size_t i = 0; i < 2 * rules_count(r); i++) { /* every rule with classes, then with tables */
        const rule *ru = rules_at(r, i % rules_count(r));
        int tables = i >= rules_count(r);
        if (i == rules_count(r))
            nsrcs = 0;
        for (int part = 0; part < 2; part++) {
            const char *src = part ? ru->before : ru->pattern;
            char *g;
            size_t gn;
            if (!src || seen_before(srcs, nsrcs, src) ||
                rxscan_guard_table(src, strlen(src), tables ? gs : NULL, &g, &gn) != 1)
                continue;
            srcs = xrealloc(srcs, (nsrcs + 1) * sizeof *srcs);
            srcs[nsrcs++] = src;
            guarded += !tables;
            tabled += tables && strstr(g, "(?C") != NULL;
            int sensitive = rxscan_start_sensitive(src, strlen(src)); /* none so far */
            pcre2_code *a = compile_src(src, strlen(src)), *b = compile_src(g, gn);
            assert_non_null(a);
            if (!b)
                fail_msg("rule '%s': the guarded %s does not compile: %s", ru->id, part ? "before" : "pattern", g);
            char what[160];
            snprintf(what, sizeof what, "rule '%s' %s (%s)", ru->id, part ? "before" : "pattern",
                     tables ? "tables" : "classes");
            pcre2_match_context *bctx = tables ? gctx : NULL;
            for (size_t t = 0; t < ntexts; t++) {
                const char *s = texts[t];
                size_t len = strlen(s);
                int rc, more = 1; /* a match may start at or after `at` */
                for (size_t at = 0; at <= len; at++) {
                    if (at < len && ((unsigned char)s[at] & 0xC0) == 0x80)
                        continue;
                    if (more) { /* starting at `at` (a pattern) */
                        same_match(a, b, s, len, at, m1, m2, bctx, what, &rc);
                        matches += rc > 0;
                        more = sensitive || rc != PCRE2_ERROR_NOMATCH;
                    }
                    /* ending there (a `before` part) */
                    same_match(a, b, s, at, 0, m1, m2, bctx, what, &rc);
                    matches += rc > 0;
                }
            }
            pcre2_code_free(a);
            pcre2_code_free(b);
            free(g);
        }
    }
    assert_true(guarded > 50);
    assert_true(tabled > 20);
    assert_true(matches > 1000);
    pcre2_match_context_free(gctx);
    rxscan_guards_free(gs);
    pcre2_match_data_free(m1);
    pcre2_match_data_free(m2);
    for (int f = 0; f < 3; f++)
        free(plans[f]);
    free(texts);
    free(srcs);
    rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_start_sensitive),
        cmocka_unit_test(test_shipped_befores),
        cmocka_unit_test(test_last),
        cmocka_unit_test(test_first),
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_number_chars),
        cmocka_unit_test(test_needed),
        cmocka_unit_test(test_near),
        cmocka_unit_test(test_quantifier_forms),
        cmocka_unit_test(test_shipped_last),
        cmocka_unit_test(test_guard),
        cmocka_unit_test(test_shipped_guard),
        cmocka_unit_test(test_guard_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
