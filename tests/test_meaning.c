/* test_meaning.c: a row's role, period and additivity - the meaning module on its own rule
 * data, the rule-file keys that feed it (and their errors), and the shipped packs end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/meaning.h"

/* Rule data of its own, so these tests do not move with the shipped packs. */
static const char senses[] =
    "pack t\n"
    "section review 回顾\n"
    "section plan 任务\n"
    "cue baseline 现有\n"
    "cue actual 已建成\n"
    "cue target 力争\n"
    "period (?<year>20\\d\\d)年的?\n"
    "period (?<since>20\\d\\d)-(?<year>20\\d\\d)\n"
    "period 去年 => -1\n"
    "period 十四五 => 2025 since 2021\n"
    "period xxxx年 => none\n"
    "period 民国(?<year>\\d{3})年 => year+1911\n"
    "nonadditive 人均|每千人\n";

static rules *load_senses(void)
{
    rules *r = rules_create();
    assert_non_null(r);
    pm_error e;
    pm_error_clear(&e);
    if (rules_load_string(r, "t.rules", senses, strlen(senses), &e) != 0)
        fail_msg("%s:%ld:%ld: %s", e.file, e.line, e.column, e.msg);
    return r;
}

/* The meaning of the number `num` (its first occurrence) of line ln, whose row has no
 * row before it in the sentence; the sentence is the whole line. */
static meaning_row ask(meaning *m, const char *ln, const char *num, const char *role, int unit_additive)
{
    const char *p = strstr(ln, num);
    assert_non_null(p);
    meaning_line(m, ln, strlen(ln), 0);
    size_t at = (size_t)(p - ln);
    meaning_in in = {0, 0, at, at, at + strlen(num), role, unit_additive};
    meaning_row out;
    meaning_of(m, &in, &out);
    return out;
}

static void test_role_from_cues(void **state)
{
    (void)state;
    rules *r = load_senses();
    meaning *m = meaning_create(r, NULL);
    assert_non_null(m);
    const char doc[] = "2026年某计划\n";
    meaning_reset(m, "2026", doc, strlen(doc));
    meaning_row o = ask(m, "现有学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "baseline");
    assert_int_equal(o.period, 2026);
    o = ask(m, "已建成学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "actual");
    assert_int_equal(o.period, 2025); /* an actual without a year: the year before the plan's */
    o = ask(m, "力争新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "target");
    assert_int_equal(o.period, 2026);
    o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "target");
    /* a rule's own role is kept */
    o = ask(m, "已建成学校12所", "12所", "baseline", 1);
    assert_string_equal(o.role, "baseline");
    /* a year gone by makes an actual, whatever the cue */
    o = ask(m, "力争2024年的学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "actual");
    assert_int_equal(o.period, 2024);
    meaning_free(m);
    rules_free(r);
}

static void test_cue_after_the_row_before(void **state)
{
    (void)state;
    rules *r = load_senses();
    meaning *m = meaning_create(r, NULL);
    const char doc[] = "x\n";
    meaning_reset(m, "2026", doc, strlen(doc));
    /* 现有 governs its own clause: the count after the row before it is a target */
    const char ln[] = "现有学校50所、新建10所";
    meaning_line(m, ln, strlen(ln), 0);
    size_t a = (size_t)(strstr(ln, "10所") - ln), prev_end = (size_t)(strstr(ln, "、") - ln);
    meaning_in in = {0, prev_end, a, a, a + 5, "target", 1};
    meaning_row o;
    meaning_of(m, &in, &o);
    assert_string_equal(o.role, "target");
    /* 力争 governs the sentence */
    const char l2[] = "力争新建学校10所、培训教师500人";
    meaning_line(m, l2, strlen(l2), 0);
    a = (size_t)(strstr(l2, "500人") - l2);
    prev_end = (size_t)(strstr(l2, "、") - l2);
    in = (meaning_in){0, prev_end, a, a, a + 6, "target", 1};
    meaning_of(m, &in, &o);
    assert_string_equal(o.role, "target");
    meaning_free(m);
    rules_free(r);
}

static void test_sections(void **state)
{
    (void)state;
    rules *r = load_senses();
    meaning *m = meaning_create(r, NULL);
    const char doc[] = "x\n";
    meaning_reset(m, "2026", doc, strlen(doc));
    const char h1[] = "一、工作回顾";
    meaning_heading(m, 0, h1, strlen(h1));
    meaning_row o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "actual");
    assert_int_equal(o.period, 2025);
    /* a deeper heading inherits the part */
    const char h2[] = "（一）教育";
    meaning_heading(m, 1, h2, strlen(h2));
    o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "actual");
    /* a target cue wins over the part */
    o = ask(m, "力争新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "target");
    const char h3[] = "二、重点任务";
    meaning_heading(m, 0, h3, strlen(h3));
    o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "target");
    /* a heading about a year before the plan year is a review, and gives its year */
    const char h4[] = "三、2024年情况";
    meaning_heading(m, 0, h4, strlen(h4));
    o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "actual");
    assert_int_equal(o.period, 2024);
    /* only the heading's first clause says what part it is */
    const char h5[] = "四、教育，工作回顾";
    meaning_heading(m, 0, h5, strlen(h5));
    o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "target");
    meaning_free(m);
    rules_free(r);
}

static void test_periods(void **state)
{
    (void)state;
    rules *r = load_senses();
    meaning *m = meaning_create(r, NULL);
    const char doc[] = "x\n";
    meaning_reset(m, "2026", doc, strlen(doc));
    /* its own year, right before the number, over the sentence's */
    const char ln[] = "产值从2020年的3.6万亿元增长到2025年的4.9万亿元";
    meaning_line(m, ln, strlen(ln), 0);
    size_t a = (size_t)(strstr(ln, "3.6") - ln);
    meaning_in in = {0, 0, a, a, a + 10, "baseline", 1};
    meaning_row o;
    meaning_of(m, &in, &o);
    assert_string_equal(o.role, "baseline");
    assert_int_equal(o.period, 2020);
    a = (size_t)(strstr(ln, "4.9") - ln);
    in = (meaning_in){0, a - 3, a, a, a + 10, "target", 1};
    meaning_of(m, &in, &o);
    assert_int_equal(o.period, 2025);
    assert_string_equal(o.role, "actual");
    /* relative years, spans and their baselines */
    o = ask(m, "去年新建学校12所", "12所", "target", 1);
    assert_int_equal(o.period, 2025);
    assert_string_equal(o.role, "actual");
    o = ask(m, "十四五期间比重由30%提高", "30%", "baseline", 0);
    assert_int_equal(o.period, 2020); /* the year before the span's first */
    o = ask(m, "2027-2030新建学校12所", "12所", "target", 1);
    assert_int_equal(o.period, 2030);
    /* a year of the Republic */
    o = ask(m, "民国114年新建学校12所", "12所", "target", 1);
    assert_int_equal(o.period, 2025);
    /* a year that is another number's own governs nothing else */
    o = ask(m, "2028年的300所和学校12所", "12所", "target", 1);
    assert_int_equal(o.period, 2026);
    meaning_free(m);
    rules_free(r);
}

static void test_placeholder_year(void **state)
{
    (void)state;
    rules *r = load_senses();
    meaning *m = meaning_create(r, NULL);
    const char doc[] = "某市2019年工作要点\nxx市xxxx年工作要点\n";
    meaning_reset(m, "2019", doc, strlen(doc));
    meaning_row o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_string_equal(o.role, "target");
    assert_int_equal(o.period, 0);
    meaning_reset(m, "", doc, 0);
    o = ask(m, "新建学校12所", "12所", "target", 1);
    assert_int_equal(o.period, 0);
    /* a plan for a span: its targets are for the span's last year, its results are not */
    const char span[] = "某州交通三年行动计划（2024-2026年）\n";
    meaning_reset(m, "2024", span, strlen(span));
    o = ask(m, "新建公路12条", "12条", "target", 1);
    assert_int_equal(o.period, 2026);
    o = ask(m, "去年新建公路12条", "12条", "target", 1);
    assert_int_equal(o.period, 2023);
    /* a span on a long line of the head (a paragraph) is no title */
    char para[400];
    snprintf(para, sizeof para, "某县2024年工作计划\n2024-2025年%s\n",
             "是实现规划目标任务的关键时期，全县上下要坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，"
             "着力推动高质量发展，统筹发展和安全，奋力开创各项事业新局面");
    meaning_reset(m, "2024", para, strlen(para));
    o = ask(m, "新建公路12条", "12条", "target", 1);
    assert_int_equal(o.period, 2024);
    meaning_free(m);
    rules_free(r);
}

static void test_additive(void **state)
{
    (void)state;
    rules *r = load_senses();
    meaning *m = meaning_create(r, NULL);
    const char doc[] = "x\n";
    meaning_reset(m, "2026", doc, strlen(doc));
    assert_int_equal(ask(m, "新增床位800张", "800张", "target", 1).additive, 1);
    assert_int_equal(ask(m, "每千人床位2.7张", "2.7张", "target", 1).additive, 0);
    assert_int_equal(ask(m, "增长5%", "5%", "target", 0).additive, 0);
    /* a per-head word of another clause does not count */
    assert_int_equal(ask(m, "人均收入提高，新增床位800张", "800张", "target", 1).additive, 1);
    meaning_free(m);
    rules_free(r);
}

static void test_key_errors(void **state)
{
    (void)state;
    static const struct { const char *src, *msg; } bad[] = {
        {"cue maybe 将\n", "'cue' needs 'actual', 'target' or 'baseline'"},
        {"section middle 中\n", "'section' needs 'review' or 'plan'"},
        {"period 今年 => 26\n", "a period's year must be"},
        {"period 今年 => +1 from 3\n", "only 'since YEAR' may follow"},
        {"period 民国(?<year>\\d+)年 => year+x\n", "a period's year must be"},
        {"period 今年\n", "a period needs a (?<year>...) group"},
        {"nonadditive (人均\n", "missing closing parenthesis"},
        {"cue target\n", "'cue' needs a pattern"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rules *r = rules_create();
        pm_error e;
        pm_error_clear(&e);
        int rc = rules_load_string(r, "t.rules", bad[i].src, strlen(bad[i].src), &e);
        if (rc != PM_ERR_SYNTAX || e.line != 1 || !strstr(e.msg, bad[i].msg))
            fail_msg("case %zu: rc %d at %ld:%ld '%s', expected '%s'", i, rc, e.line, e.column, e.msg, bad[i].msg);
        rules_free(r);
    }
    /* `role actual` is a role of its own */
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    const char ok[] = "pack t\nrule a\n  role actual\n  pattern (?<value>\\d+)(?<unit>所)\n";
    assert_int_equal(rules_load_string(r, "t.rules", ok, strlen(ok), &e), 0);
    rules_free(r);
}

/* ---- the shipped packs, end to end ---- */

#include "tests/rowcollect.h"

static void find(const got *g, const char *text, const char *role, const char *period, const char *additive)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->cell[i][COL_TEXT], text) == 0) {
            if (strcmp(g->cell[i][COL_ROLE], role) || strcmp(g->cell[i][COL_PERIOD], period) ||
                strcmp(g->cell[i][COL_ADDITIVE], additive))
                fail_msg("'%s': %s %s %s, expected %s %s %s", text, g->cell[i][COL_ROLE], g->cell[i][COL_PERIOD],
                         g->cell[i][COL_ADDITIVE], role, period, additive);
            return;
        }
    fail_msg("no row '%s'", text);
}

static void subject(const got *g, const char *text, const char *want)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->cell[i][COL_TEXT], text) == 0) {
            if (strcmp(g->cell[i][COL_SUBJECT], want))
                fail_msg("'%s': subject '%s', expected '%s'", text, g->cell[i][COL_SUBJECT], want);
            return;
        }
    fail_msg("no row '%s'", text);
}

static void test_shipped_report(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    if (rules_load(r, "../rules", &e) != 0)
        fail_msg("%s:%ld: %s", e.file, e.line, e.msg);
    static const char doc[] =
        "2026年北塘市政府工作报告\n"
        "一、2025年工作回顾\n"
        "全市地区生产总值达到520亿元、增长5.4%，新增城镇就业1.3万人。\n"
        "每千人口执业医师数达到3.1人，居民人均可支配收入41200元。\n"
        "二、2026年重点任务\n"
        "地区生产总值增长5%左右，新增城镇就业1.2万人。\n"
        "高新技术企业从210家增加到260家，现有普通高中14所，再新建2所。\n"
        "到2030年，全市常住人口城镇化率达到68%。\n"
        "三、附\n"
        "地区生产总值增长5%，第一、二、三产业增加值分别增长3.5%、6%、5.5%。\n"
        "城镇、农村居民人均可支配收入分别达到52680元、31240元。\n"
        "固定资产投资增长4%，装备制造业、高技术制造业增加值分别增长17.7%、17.6%。\n"
        "培育3个千亿级产业集群，每个集群配套资金3000万元。\n"
        "新开工亿元以上项目120个，消除56人以上大班额。\n"
        "全市现有中小学52所、幼儿园38所，现有学校50所、新建10所。\n";
    extractor *x = extractor_create(r);
    assert_non_null(x);
    got g = {0};
    assert_int_equal(extractor_run(x, "doc.txt", doc, strlen(doc), NULL, collect, &g, &e), 0);
    find(&g, "520亿元", "actual", "2025", "yes");
    find(&g, "5.4%", "actual", "2025", "no");
    find(&g, "1.3万人", "actual", "2025", "yes");
    find(&g, "3.1人", "actual", "2025", "no");
    find(&g, "41200元", "actual", "2025", "no");
    find(&g, "5%左右", "target", "2026", "no");
    find(&g, "1.2万人", "target", "2026", "yes");
    find(&g, "210家", "baseline", "2026", "yes");
    find(&g, "260家", "target", "2026", "yes");
    find(&g, "14所", "baseline", "2026", "yes");
    find(&g, "68%", "target", "2030", "no");
    /* a count of size-class things adds up; a per-unit amount does not */
    find(&g, "3个", "target", "2026", "yes");
    find(&g, "3000万元", "target", "2026", "no");
    find(&g, "120个", "target", "2026", "yes"); /* projects above a threshold add up */
    find(&g, "56人以上", "target", "2026", "no"); /* the threshold does not */
    /* a list shares its cue, a new verb ends it */
    find(&g, "52所", "baseline", "2026", "yes");
    find(&g, "38所", "baseline", "2026", "yes");
    find(&g, "10所", "target", "2026", "yes");
    /* distributed lists: each row its item and the noun they share */
    subject(&g, "3.5%", "第一产业增加值");
    subject(&g, "6%", "第二产业增加值");
    subject(&g, "5.5%", "第三产业增加值");
    subject(&g, "52680元", "城镇居民人均可支配收入");
    subject(&g, "31240元", "农村居民人均可支配收入");
    subject(&g, "17.7%", "装备制造业增加值");
    subject(&g, "17.6%", "高技术制造业增加值");
    extractor_free(x);
    rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_from_cues),
        cmocka_unit_test(test_cue_after_the_row_before),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_placeholder_year),
        cmocka_unit_test(test_additive),
        cmocka_unit_test(test_key_errors),
        cmocka_unit_test(test_shipped_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
