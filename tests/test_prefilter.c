/* test_prefilter.c: numbers found in a line, the checks of prefilter_may and the number's
 * rule sets, the before window, and soundness against PCRE2 on the shipped rules' examples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/numparse.h"
#include "ruleset/prefilter.h"
#include "ruleset/rule_int.h"

static rules *load(const char *src)
{
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    if (rules_load_string(r, "t.rules", src, strlen(src), &e) != 0)
        fail_msg("t.rules:%ld:%ld: %s", e.line, e.column, e.msg);
    return r;
}

/* The offsets of the numbers prefilter_line finds, as "a,b,c". */
static void numbers(prefilter *p, const char *ln, char *out, size_t cap)
{
    assert_int_equal(prefilter_line(p, ln, strlen(ln)), 0);
    size_t n;
    const size_t *at = prefilter_numbers(p, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%zu", i ? "," : "", at[i]);
}

static void test_numbers(void **state)
{
    (void)state;
    rules *r = load("pack t\nrule n\n  pattern (?<value>\\d+)(?<unit>所)\n");
    prefilter *p = prefilter_create(r, NULL);
    assert_non_null(p);
    char got[128];
    numbers(p, "新建3所，4.5万人，1,500元", got, sizeof got);
    assert_string_equal(got, "6,13,25"); /* 3, 4.5万 (one number), 1,500 */
    numbers(p, "招收77 100人，二十三所", got, sizeof got);
    assert_string_equal(got, "6,18"); /* 77 100 is one number; 二十三 is one */
    numbers(p, "统一部署", got, sizeof got);
    assert_string_equal(got, "3"); /* a numeral in a word starts a number: the rules decide */
    numbers(p, "", got, sizeof got);
    assert_string_equal(got, "");
    prefilter_free(p);
    prefilter_free(NULL);
    rules_free(r);
}

/* Every 3-byte character starts a number exactly when num_numeral says it is a numeral. */
static void test_numerals_agree(void **state)
{
    (void)state;
    rules *r = load("pack t\nrule n\n  pattern (?<value>\\d+)(?<unit>所)\n");
    prefilter *p = prefilter_create(r, NULL);
    for (uint32_t cp = 0x800; cp <= 0xFFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char ln[5] = {'x', (char)(0xE0 | cp >> 12), (char)(0x80 | (cp >> 6 & 0x3F)), (char)(0x80 | (cp & 0x3F)), 0};
        assert_int_equal(prefilter_line(p, ln, 4), 0);
        size_t n;
        prefilter_numbers(p, &n);
        if ((n == 1) != (num_numeral(ln + 1, 3) == 3))
            fail_msg("U+%04X: %zu numbers, num_numeral %zu", (unsigned)cp, n, num_numeral(ln + 1, 3));
    }
    prefilter_free(p);
    rules_free(r);
}

static const char checks_src[] = "pack t\n"
                                 "rule unit\n"
                                 "  pattern (?<value>\\d+)[^，]{0,24}?(?<unit>所|个)\n"
                                 "exclude book\n"
                                 "  pattern \\d+[^》]{0,30}》\n"
                                 "exclude ordinal\n"
                                 "  before 第\n"
                                 "  pattern \\d+\n"
                                 "exclude year\n"
                                 "  pattern (?:19|20)\\d\\d年|[一二三]{2}年\n"
                                 "exclude policy\n"
                                 "  pattern \\d+(?:万元)?(?:条|项)(?:意见|措施)\n";

/* May rule ri start at the k-th number of the line just read: the line's check and its
 * bound, then the number's (as the engine asks them). */
static int allowed(prefilter *p, size_t ri, size_t k)
{
    size_t n, last;
    const size_t *at = prefilter_numbers(p, &n);
    return k < n && prefilter_line_may(p, ri, &last) && at[k] <= last && prefilter_may(p, ri, k);
}

static int line_may(prefilter *p, size_t ri)
{
    size_t last;
    return prefilter_line_may(p, ri, &last);
}

static int may(prefilter *p, const char *ln, size_t ri, size_t k)
{
    assert_int_equal(prefilter_line(p, ln, strlen(ln)), 0);
    return allowed(p, ri, k);
}

static void test_checks(void **state)
{
    (void)state;
    rules *r = load(checks_src);
    prefilter *p = prefilter_create(r, NULL);
    /* units: within 16 characters after the number, not further */
    assert_true(may(p, "新建3所学校", 0, 0));
    assert_true(may(p, "新建3处小学和中学的所", 0, 0));
    assert_false(may(p, "新建3处小学、初中、高中和职业技术学校共计所", 0, 0));
    assert_false(line_may(p, 0));
    /* last characters: 》 must come after the number (30 characters on at most: too far
     * for a near set, so the line is checked) */
    assert_true(may(p, "《3年行动计划》", 1, 0));
    assert_false(may(p, "《计划》3年", 1, 0));
    assert_false(line_may(p, 1));
    /* before: 第 right before the number */
    assert_true(may(p, "第3届", 2, 0));
    assert_false(may(p, "共3届", 2, 0));
    assert_false(may(p, "3届", 2, 0));
    /* first bytes: a year starts with 1, 2 or the first byte of 一二三 */
    assert_true(may(p, "2021年", 3, 0));
    assert_true(may(p, "1999年", 3, 0));
    assert_false(may(p, "3021年", 3, 0));
    assert_true(may(p, "二〇二一年", 3, 0));
    /* near characters (rxscan_near): 条 or 项 at most 2 characters past the number */
    assert_true(may(p, "出台10条措施", 4, 0));
    assert_true(may(p, "安排1,200万元项措施", 4, 0));
    assert_true(may(p, "出台3至5条措施", 4, 0));     /* a range is one run */
    assert_false(may(p, "出台10个方面30条措施", 4, 0)); /* 条 is past the first number's reach */
    assert_true(may(p, "出台10个方面30条措施", 4, 1));
    assert_false(may(p, "共10所学校和项目", 4, 0));
    assert_true(line_may(p, 4)); /* a rule with a near set is not checked per line */
    prefilter_free(p);
    rules_free(r);
}

static void test_window(void **state)
{
    (void)state;
    rules *r = load("pack t\n"
                    "rule noun\n"
                    "  reach 40\n"
                    "  before (?<subject>[^，。]{1,10})\n"
                    "  pattern (?<value>\\d+)(?<unit>所)\n"
                    "rule any\n"
                    "  reach 40\n"
                    "  before .{1,10}\n"
                    "  pattern (?<value>\\d+)(?<unit>所)\n");
    prefilter *p = prefilter_create(r, NULL);
    const char *ln = "今年，新建学校3所";
    assert_int_equal(prefilter_line(p, ln, strlen(ln)), 0);
    size_t a = strstr(ln, "3") - ln;
    assert_int_equal(prefilter_window(p, 0, a, 40), strlen("今年，")); /* after the comma */
    assert_int_equal(prefilter_window(p, 1, a, 40), 0);               /* '.' can take it */
    assert_int_equal(prefilter_window(p, 1, a, 2), a - 6);            /* reach: 2 characters */
    prefilter_free(p);
    rules_free(r);
}

/* Soundness: wherever prefilter_may says no, PCRE2 finds no match of the pattern at
 * the number together with the `before` part ending there - on every example of
 * every shipped rule, through every rule. */
static void test_shipped_sound(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(rules_load(r, "../rules", &e), 0);
    prefilter *p = prefilter_create(r, NULL);
    assert_non_null(p);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    size_t said_no = 0;
    uint64_t every[16]; /* every rule (of up to 1,024) */
    memset(every, 0xFF, sizeof every);
    assert_true(rules_count(r) <= 64 * 16);
    for (size_t x = 0; x < rules_count(r); x++) {
        const rule *src = rules_at(r, x);
        for (size_t ex = 0; ex < src->nexamples; ex++) {
            const char *t = src->examples[ex].text;
            size_t len = strlen(t), n;
            assert_int_equal(prefilter_line(p, t, len), 0);
            const size_t *at = prefilter_numbers(p, &n);
            for (size_t k = 0; k < n; k++) { /* the set per number says what the checks say */
                size_t words;
                const uint64_t *set = prefilter_number_rules(p, k, every, &words);
                assert_int_equal(words, (rules_count(r) + 63) / 64);
                for (size_t i = 0; i < rules_count(r); i++)
                    if ((int)(set[i / 64] >> (i % 64) & 1) != allowed(p, i, k))
                        fail_msg("rule '%s' at %zu of '%s': the number's set and the checks differ",
                                 rules_at(r, i)->id, at[k], t);
            }
            for (size_t i = 0; i < rules_count(r); i++) {
                const rule *ru = rules_at(r, i);
                for (size_t k = 0; k < n; k++) {
                    if (allowed(p, i, k))
                        continue;
                    said_no++;
                    int m = pcre2_match(ru->compiled->code, (PCRE2_SPTR)t, len, at[k], 0, md, NULL) > 0;
                    if (m && ru->compiled->before_code)
                        m = pcre2_match(ru->compiled->before_code, (PCRE2_SPTR)t, at[k], 0, 0, md, NULL) > 0;
                    if (m)
                        fail_msg("rule '%s' matches at %zu of '%s' where the prefilter said no", ru->id, at[k], t);
                }
            }
        }
    }
    assert_true(said_no > 10000);
    pcre2_match_data_free(md);
    prefilter_free(p);
    rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numerals_agree),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_shipped_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
