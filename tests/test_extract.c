/* test_extract.c: the extraction engine on small documents with the shipped education pack -
 * enumerations, baselines, ranges, qualifiers, exclusions, sections, title metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/extract_int.h"
#include "base/punct.h"
#include "base/utf8.h"
#include "ruleset/rule_int.h"

#include "tests/rowcollect.h"

static rules *pack;

static int setup(void **state)
{
    (void)state;
    pm_error e;
    pack = rules_create();
    if (rules_load(pack, "../rules", &e) != 0) {
        fprintf(stderr, "%s:%ld: %s\n", e.file, e.line, e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rules_free(pack);
    return 0;
}

static void run(const char *doc, got *g, const extract_opts *o)
{
    extractor *x = extractor_create(pack);
    assert_non_null(x);
    memset(g, 0, sizeof *g);
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(extractor_run(x, "doc.txt", doc, strlen(doc), o, collect, g, &e), 0);
    extractor_free(x);
}

/* row i has this value, unit and text */
static void expect(const got *g, size_t i, const char *value, const char *unit, const char *sentence)
{
    if (i >= g->n)
        fail_msg("row %zu missing (only %zu rows)", i, g->n);
    assert_string_equal(g->cell[i][COL_VALUE], value);
    assert_string_equal(g->cell[i][COL_UNIT], unit);
    assert_string_equal(g->cell[i][COL_TEXT], sentence);
}

static void test_enumeration_two_rows(void **state)
{
    (void)state;
    got g;
    run("新增85个教学班、3970个学位，新改扩建义务教育学校40所、幼儿园15所。", &g, NULL);
    assert_int_equal(g.n, 4);
    expect(&g, 0, "85", "个", "85个");
    assert_string_equal(g.cell[0][COL_SUBJECT], "教学班");
    expect(&g, 1, "3970", "个", "3970个");
    assert_string_equal(g.cell[1][COL_SUBJECT], "学位");
    assert_string_equal(g.cell[1][COL_CATEGORY], "学位");
    expect(&g, 2, "40", "所", "40所");
    expect(&g, 3, "15", "所", "15所");
    assert_string_equal(g.cell[3][COL_SUBJECT], "幼儿园");
}

static void test_baseline_and_target(void **state)
{
    (void)state;
    got g;
    run("普惠性幼儿园覆盖率由现在的72.5%提高到85%。", &g, NULL);
    assert_int_equal(g.n, 2);
    expect(&g, 0, "72.5", "%", "72.5%");
    assert_string_equal(g.cell[0][COL_ROLE], "baseline");
    expect(&g, 1, "85", "%", "85%");
    assert_string_equal(g.cell[1][COL_ROLE], "target");
}

static void test_range_and_qualifiers(void **state)
{
    (void)state;
    got g;
    run("每个镇建设1至2处少年宫，培训教师5000人次以上，资助约2.3万人次，惠及3000余人，生活补助不低于1200元/年。", &g, NULL);
    assert_int_equal(g.n, 5);
    expect(&g, 0, "1", "处", "1至2处");
    assert_string_equal(g.cell[0][COL_VALUE_MAX], "2");
    expect(&g, 1, "5000", "人次", "5000人次以上");
    assert_string_equal(g.cell[1][COL_QUALIFIER], ">=");
    expect(&g, 2, "23000", "人次", "约2.3万人次");
    assert_string_equal(g.cell[2][COL_QUALIFIER], "~");
    expect(&g, 3, "3000", "人", "3000余人");
    assert_string_equal(g.cell[3][COL_QUALIFIER], ">=");
    expect(&g, 4, "1200", "元/年", "不低于1200元/年");
    assert_string_equal(g.cell[4][COL_QUALIFIER], ">=");
}

static void test_range_repeating_its_unit(void **state)
{
    (void)state;
    got g;
    run("巩固率提高到95%—97%。", &g, NULL);
    assert_int_equal(g.n, 1);
    expect(&g, 0, "95", "%", "95%—97%");
    assert_string_equal(g.cell[0][COL_VALUE_MAX], "97");
}

static void test_money_and_chinese_numerals(void **state)
{
    (void)state;
    got g;
    run("安排专项经费2.5亿元，投入1500万元，新建两所学校，建设一所实践基地，补充教师一千二百名。", &g, NULL);
    assert_int_equal(g.n, 5);
    expect(&g, 0, "250000000", "元", "2.5亿元");
    expect(&g, 1, "15000000", "元", "1500万元");
    expect(&g, 2, "2", "所", "两所");
    expect(&g, 3, "1", "所", "一所");
    expect(&g, 4, "1200", "人", "一千二百名");
}

static void test_never_rows(void **state)
{
    (void)state;
    got g;
    run("2018年是贯彻“十三五”规划的关键一年，举办第七届艺术节、第四批试点，落实“三个清单”和十项准则，"
        "开展“八个一”活动，推进新高考3+3模式，贯彻《3-6岁儿童学习与发展指南》，8月底前完成，满10年的教师。",
        &g, NULL);
    for (size_t i = 0; i < g.n; i++)
        fprintf(stderr, "unexpected row: %s %s\n", g.cell[i][COL_TEXT], g.cell[i][COL_RULE]);
    assert_int_equal(g.n, 0);
}

static void test_number_after_noun(void **state)
{
    (void)state;
    got g;
    run("创建党建示范校100个、党员示范岗100个。", &g, NULL);
    assert_int_equal(g.n, 2);
    expect(&g, 0, "100", "个", "100个");
    expect(&g, 1, "100", "个", "100个");
    assert_string_equal(g.cell[1][COL_SUBJECT], "党员示范岗");
}

static void test_title_sections_lines(void **state)
{
    (void)state;
    got g;
    run("当前位置：首页 > 工作计划\n"
        "临川市教育局2023年工作要点\n"
        "\n"
        "一、扩大教育资源\n"
        "（一）学前教育。新建幼儿园6所。\n"
        "（二）义务教育。新增学位800个。\n"
        "二、队伍建设\n"
        "1.培训。培训教师900人次。\n",
        &g, NULL);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.cell[0][COL_CITY], "临川市");
    assert_string_equal(g.cell[0][COL_YEAR], "2023");
    assert_string_equal(g.cell[0][COL_SECTION], "一、扩大教育资源 > （一）学前教育");
    assert_string_equal(g.cell[0][COL_LINE], "5");
    assert_string_equal(g.cell[0][COL_CONTEXT], "新建幼儿园6所。");
    assert_string_equal(g.cell[1][COL_SECTION], "一、扩大教育资源 > （二）义务教育");
    assert_string_equal(g.cell[2][COL_SECTION], "二、队伍建设 > 1.培训");
    assert_string_equal(g.cell[2][COL_LINE], "8");
    assert_string_equal(g.cell[2][COL_FILE], "doc.txt");
}

static void test_placeholder_city_and_overrides(void **state)
{
    (void)state;
    got g;
    run("某市教育局2019年工作要点\n新建学校3所。\n", &g, NULL);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.cell[0][COL_CITY], "");
    assert_string_equal(g.cell[0][COL_YEAR], "2019");
    extract_opts o = {.city = "沧州市", .year = "2020"};
    run("某市教育局2019年工作要点\n新建学校3所。\n", &g, &o);
    assert_string_equal(g.cell[0][COL_CITY], "沧州市");
    assert_string_equal(g.cell[0][COL_YEAR], "2020");
}

static void test_empty_documents(void **state)
{
    (void)state;
    got g;
    run("", &g, NULL);
    assert_int_equal(g.n, 0);
    run("   \n\n  ", &g, NULL);
    assert_int_equal(g.n, 0);
}

static int count_fail;
static char fail_text[2][200];
static void on_fail(void *ctx, const rule *ru, const rule_example *ex, const char *msg)
{
    (void)ctx;
    if (count_fail < 2)
        snprintf(fail_text[count_fail], sizeof fail_text[0], "%s:%ld: rule %s: %s", ru->file, ex->line, ru->id, msg);
    count_fail++;
}

static void test_examples_runner_reports_failures(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    const char src[] = "pack t\n"
                       "rule n\n"
                       "  pattern (?<value>\\d+)(?<unit>所)\n"
                       "  example 建3所 => 3 所\n"
                       "  example 建4所 => 5 所\n"
                       "  not 建6所\n";
    assert_int_equal(rules_load_string(r, "t.rules", src, strlen(src), &e), 0);
    extractor *x = extractor_create(r);
    count_fail = 0;
    assert_int_equal(extractor_test_examples(x, on_fail, NULL), 2);
    assert_int_equal(count_fail, 2);
    assert_string_equal(fail_text[0], "t.rules:5: rule t.n: expected 5 所 got 4 所 (t.n)");
    assert_string_equal(fail_text[1], "t.rules:6: rule t.n: expected no row got 6 所 (t.n)");
    extractor_free(x);
    rules_free(r);
}

/* Extract doc with a private rule set given as text. */
static void run_rules(const char *src, const char *doc, got *g, const extract_opts *o, const char *packs)
{
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    if (rules_load_string(r, "t.rules", src, strlen(src), &e) != 0)
        fail_msg("t.rules:%ld:%ld: %s", e.line, e.column, e.msg);
    extractor *x = extractor_create(r);
    assert_non_null(x);
    assert_int_equal(extractor_set_packs(x, packs, &e), 0);
    memset(g, 0, sizeof *g);
    assert_int_equal(extractor_run(x, "doc.txt", doc, strlen(doc), o, collect, g, &e), 0);
    extractor_free(x);
    rules_free(r);
}

static void test_pack_chosen_by_document(void **state)
{
    (void)state;
    got g;
    run("南湾市2025年政府工作报告\n各位代表：地区生产总值增长5.5%左右，城镇新增就业5万人。\n", &g, NULL);
    assert_true(g.n >= 2);
    for (size_t i = 0; i < g.n; i++)
        assert_memory_equal(g.cell[i][COL_RULE], "gov.", 4);
    run("南湾市教育局2025年工作要点\n新建学校3所，新增学位2000个，培训教师500人次。\n", &g, NULL);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++)
        assert_memory_equal(g.cell[i][COL_RULE], "edu.", 4);
    extractor *x = extractor_create(pack);
    pm_error e;
    assert_int_equal(extractor_set_packs(x, "edu,farming", &e), PM_ERR_USAGE);
    assert_non_null(strstr(e.msg, "farming"));
    extractor_free(x);
}

/* A document JIT-compiles the packs it is matched with (base and the one detected) before
 * any match, and leaves the other plan types to the documents that need them. */
static void test_jit_for_the_packs_used(void **state)
{
    (void)state;
    uint32_t jit = 0;
    if (pcre2_config(PCRE2_CONFIG_JIT, &jit) < 0 || !jit)
        skip();
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(rules_load(r, "../rules", &e), 0);
    extractor *x = extractor_create(r);
    assert_non_null(x);
    got g;
    memset(&g, 0, sizeof g);
    static const char doc[] = "南湾市教育局2025年工作要点\n新建学校3所，新增学位2000个。\n";
    assert_int_equal(extractor_run(x, "doc.txt", doc, strlen(doc), NULL, collect, &g, &e), 0);
    assert_int_equal(g.n, 2);
    int base = rules_pack_index(r, "base", 4), edu = rules_pack_index(r, "edu", 3);
    assert_true(base >= 0 && edu >= 0);
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        size_t size = 0;
        pcre2_pattern_info(ru->compiled->code, PCRE2_INFO_JITSIZE, &size);
        int used = ru->pack_index == base || ru->pack_index == edu;
        for (size_t j = 0; j < rules_count(r) && !used; j++) { /* a pattern written in both */
            const rule *o = rules_at(r, j);
            used = (o->pack_index == base || o->pack_index == edu) && o->compiled->code == ru->compiled->code;
        }
        if (used)
            assert_true(size > 0);
        else
            assert_int_equal(size, 0);
    }
    extractor_free(x);
    rules_free(r);
}

/* The rows are want[i] = {value, subject}, n of them, in this order. */
static void expect_subjects(const got *g, const char *const want[][2], size_t n)
{
    assert_int_equal(g->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(g->cell[i][COL_VALUE], want[i][0]);
        assert_string_equal(g->cell[i][COL_SUBJECT], want[i][1]);
    }
}

/* A row without a subject takes the one of the row before it in the same sentence when
 * only a `carry` link stands between them; not across a sentence, nor over other words,
 * nor from a row that has none itself. */
/* The sentence bounds as a walk from the span outwards, character by character: the
 * reference extract_sentence's stop list must agree with. */
static size_t ref_stop(const char *p, size_t avail)
{
    if (!punct_lead((unsigned char)*p))
        return 0;
    size_t n;
    uint32_t cp = utf8_decode((const unsigned char *)p, avail, &n);
    return punct_flags(cp) & PUNCT_STOP ? n : 0;
}

static void ref_sentence(const char *ln, size_t len, size_t s, size_t e, size_t *cs, size_t *ce)
{
    size_t a = s;
    while (a > 0 && s - a < CONTEXT_MAX) {
        size_t p = a - 1;
        while (p > 0 && ((unsigned char)ln[p] & 0xC0) == 0x80)
            p--;
        if (ref_stop(ln + p, len - p))
            break;
        a = p;
    }
    size_t b = e;
    while (b < len && b - e < CONTEXT_MAX && ln[b] != '\r') {
        size_t k = ref_stop(ln + b, len - b);
        if (k) {
            b += k;
            break;
        }
        b += utf8_len((unsigned char)ln[b]);
    }
    if (b > len)
        b = len;
    while (a < s && (ln[a] == ' ' || ln[a] == '\t'))
        a++;
    *cs = a;
    *ce = b;
}

/* Sentence bounds from the line's stops, found once, agree with the walk for every span
 * of lines with stops of each kind, carriage returns, leading blanks and sentences longer
 * than CONTEXT_MAX on either side; a second line at the same address is read afresh. */
static void test_sentence_bounds(void **state)
{
    (void)state;
    char *lines[5];
    lines[0] = strdup("今年新增学位3800个。 计划培训8000人次；招聘教师120名！是否达标？ 完成;继续!好?");
    lines[1] = strdup("第一段内容\r第二段内容。第三段");
    lines[2] = strdup("\t  开头有空格的句子，新增10所。");
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 260; i++)
        strbuf_addstr(&sb, i == 130 ? "。" : i % 7 ? "建" : "a");
    lines[3] = strbuf_detach(&sb, NULL);
    strbuf_addstr(&sb, "新增");
    for (int i = 0; i < 500; i++)
        strbuf_addstr(&sb, "学位");
    strbuf_addstr(&sb, "12个");
    lines[4] = strbuf_detach(&sb, NULL);
    extractor *x = extractor_create(pack);
    assert_non_null(x);
    size_t checked = 0;
    for (int li = 0; li < 5; li++) {
        const char *ln = lines[li];
        size_t len = strlen(ln);
        for (size_t s0 = 0; s0 <= len; s0 += 1 + (len > 2000) * 5) {
            if (s0 < len && ((unsigned char)ln[s0] & 0xC0) == 0x80)
                continue;
            for (size_t e0 = s0; e0 <= len; e0 += 1 + (len > 2000) * 37) {
                if (e0 < len && ((unsigned char)ln[e0] & 0xC0) == 0x80)
                    continue;
                size_t a, b, ra, rb;
                extract_sentence(x, ln, len, s0, e0, &a, &b);
                ref_sentence(ln, len, s0, e0, &ra, &rb);
                if (a != ra || b != rb)
                    fail_msg("line %d span %zu..%zu: %zu..%zu, the walk gives %zu..%zu", li, s0, e0, a, b, ra, rb);
                checked++;
            }
        }
    }
    assert_true(checked > 10000);
    /* the same address and length, other text: its own stops */
    char buf[] = "一二三。四五六";
    size_t a, b;
    extract_sentence(x, buf, strlen(buf), 12, 15, &a, &b);
    assert_int_equal(a, 12);
    memcpy(buf, "一。三四五六七", strlen(buf));
    extractor_run(x, "doc.txt", "", 0, NULL, collect, NULL, NULL); /* a new document */
    extract_sentence(x, buf, strlen(buf), 12, 15, &a, &b);
    assert_int_equal(a, 6);
    extractor_free(x);
    for (int li = 0; li < 5; li++)
        free(lines[li]);
}

static void test_carry_subject(void **state)
{
    (void)state;
    static const char src[] = "pack t\ncarry [、，](?:增长)?\n"
                              "rule n\n  before (?<subject>收入|支出)?(?:增长)?\n"
                              "  pattern (?<value>\\d+)(?<unit>元|%)\n";
    got g;
    run_rules(src, "收入312元、增长4%、5%。增长6%，支出9元、其中增长7%。\n增长8%。\n", &g, NULL, "t");
    static const char *const want[][2] = {{"312", "收入"}, {"4", "收入"}, {"5", "收入"}, {"6", ""},
                                          {"9", "支出"}, {"7", ""}, {"8", ""}};
    expect_subjects(&g, want, sizeof want / sizeof want[0]);
}

/* A subject that starts inside the row before it loses that row's unit (个重点项目:
 * 重点项目); what is left of it, when only a link, is no subject, and the row may then
 * carry the subject of the row before. */
static void test_subject_after_a_row(void **state)
{
    (void)state;
    static const char src[] = "pack t\ncarry 和\n"
                              "rule n\n  before (?<subject>[^\\d，。]{1,8})\n"
                              "  pattern (?<value>\\d+)(?<unit>个|项)\n";
    got g;
    run_rules(src, "建成10个重点项目5项，收入12项和44项。\n", &g, NULL, "t");
    static const char *const want[][2] = {{"10", "建成"}, {"5", "重点项目"}, {"12", "收入"}, {"44", "收入"}};
    expect_subjects(&g, want, sizeof want / sizeof want[0]);
}

/* Two packs whose detect words overlap, written as word lists (counted without
 * PCRE2) or as one group each (counted by PCRE2): the same pack must win. */
static const char *detect_src(int as_regex)
{
    return as_regex ? "pack a\ndetect (?:甲乙|甲|乙丙)\nrule n\n  category A\n  pattern (?<value>\\d+)(?<unit>所)\n"
                      "pack b\ndetect (?:乙|丙丙丙)\nrule n\n  category B\n  pattern (?<value>\\d+)(?<unit>所)\n"
                    : "pack a\ndetect 甲乙|甲|乙丙\nrule n\n  category A\n  pattern (?<value>\\d+)(?<unit>所)\n"
                      "pack b\ndetect 乙|丙丙丙\nrule n\n  category B\n  pattern (?<value>\\d+)(?<unit>所)\n";
}

/* ... and with words of two characters or more only (read by their first six bytes). */
static const char *detect_src2(int as_regex)
{
    return as_regex ? "pack a\ndetect (?:甲乙|乙丙甲|丙丙)\nrule n\n  category A\n  pattern (?<value>\\d+)(?<unit>所)\n"
                      "pack b\ndetect (?:乙丙|丙丙丙|甲甲)\nrule n\n  category B\n  pattern (?<value>\\d+)(?<unit>所)\n"
                    : "pack a\ndetect 甲乙|乙丙甲|丙丙\nrule n\n  category A\n  pattern (?<value>\\d+)(?<unit>所)\n"
                      "pack b\ndetect 乙丙|丙丙丙|甲甲\nrule n\n  category B\n  pattern (?<value>\\d+)(?<unit>所)\n";
}

static void test_detect_word_lists(void **state)
{
    (void)state;
    /* a counts 甲乙 then nothing; b counts 乙 - a tie goes to the first pack */
    static const struct { const char *doc, *want; } cases[] = {
        {"甲乙丙，3所", "A"},
        /* a: 乙丙 once (the rest overlaps it); b: 乙 and 丙丙丙 */
        {"乙丙丙丙，3所", "B"},
        /* a: 甲, 甲乙; b: 乙, 乙 */
        {"甲甲乙丙乙，3所", "A"},
        /* b: 乙 three times, a: none */
        {"乙，乙，乙，3所", "B"},
        /* b: 丙丙丙 once; the text ends inside another (丙丙), which does not count */
        {"丙丙丙，3所，丙丙", "B"},
        /* a: 乙丙 at the very end, 甲 once; b: 乙 */
        {"3所，甲，乙丙", "A"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int as_regex = 0; as_regex < 2; as_regex++) {
            got g;
            run_rules(detect_src(as_regex), cases[i].doc, &g, NULL, NULL);
            assert_int_equal(g.n, 1);
            if (strcmp(g.cell[0][COL_CATEGORY], cases[i].want) != 0)
                fail_msg("'%s' (%s): pack %s, want %s", cases[i].doc, as_regex ? "regex" : "words",
                         g.cell[0][COL_CATEGORY], cases[i].want);
        }
    /* and on random documents over the same characters */
    static const char *chars[] = {"甲", "乙", "丙", "，"};
    unsigned seed = 12345;
    for (int k = 0; k < 600; k++) {
        char doc[128] = "";
        size_t n = 1 + k % 30;
        for (size_t j = 0; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            strcat(doc, chars[(seed >> 16) % 4]);
        }
        strcat(doc, "，3所");
        for (int set = 0; set < 2; set++) {
            got a, b;
            run_rules(set ? detect_src2(0) : detect_src(0), doc, &a, NULL, NULL);
            run_rules(set ? detect_src2(1) : detect_src(1), doc, &b, NULL, NULL);
            assert_int_equal(a.n, 1);
            assert_int_equal(b.n, 1);
            if (strcmp(a.cell[0][COL_CATEGORY], b.cell[0][COL_CATEGORY]) != 0)
                fail_msg("'%s' (set %d): word lists chose %s, PCRE2 %s", doc, set + 1, a.cell[0][COL_CATEGORY],
                         b.cell[0][COL_CATEGORY]);
        }
    }
}

/* Every exclusion is tried at a number, also after another one matched there;
 * one whose pattern cannot end in the rest of the line is skipped, no other. */
static void test_exclusions_after_a_match(void **state)
{
    (void)state;
    static const char src[] = "pack t\n"
                              "detect 计划\n"
                              "exclude house\n"
                              "  pattern \\d+号\n"
                              "exclude flat\n"
                              "  pattern \\d+号楼\\d+室\n"
                              "exclude pair\n"
                              "  pattern ([一二三])\\1号\n"
                              "rule room\n"
                              "  category 室\n"
                              "  pattern (?<value>\\d+)(?<unit>室|号)\n";
    got g;
    /* 3号 matches first, 3号楼5室 after it: 5室 is inside it */
    run_rules(src, "3号楼5室，另有8室。", &g, NULL, "all");
    assert_int_equal(g.n, 1);
    assert_string_equal(g.cell[0][COL_VALUE], "8");
    /* an exclusion with a back reference is tried on its own */
    run_rules(src, "二二号，9室", &g, NULL, "all");
    assert_int_equal(g.n, 1);
    assert_string_equal(g.cell[0][COL_VALUE], "9");
    /* a number after every candidate still matters when its exclusion reaches back:
     * 2025 comes after 3室, and its exclusion covers 3室 from 《 */
    static const char quoted[] = "pack t\n"
                                 "exclude title\n"
                                 "  reach 40\n"
                                 "  before 《[^》]*\n"
                                 "  pattern 20\\d\\d》\n"
                                 "rule room\n"
                                 "  category 室\n"
                                 "  pattern (?<value>\\d+)(?<unit>室)\n";
    run_rules(quoted, "《改造3室与2025》", &g, NULL, "all");
    assert_int_equal(g.n, 0);
    run_rules(quoted, "改造3室与2025》", &g, NULL, "all");
    assert_int_equal(g.n, 1);
}

static const char twins_src[] = "pack t\n"
                                "detect 计划\n"
                                "rule low\n"
                                "  category 低\n"
                                "  pattern (?<value>\\d+)(?<unit>所)\n"
                                "rule high\n"
                                "  category 高\n"
                                "  priority 5\n"
                                "  pattern (?<value>\\d+)(?<unit>所)\n"
                                "rule letter\n"
                                "  category 字\n"
                                "  pattern (?<value>\\d+)(?<unit>\\p{Latin})\n";

static void test_same_pattern_rules_and_any_unit(void **state)
{
    (void)state;
    got g;
    /* two rules with one pattern: matched once, the higher priority wins */
    run_rules(twins_src, "新建3所，配置5x。", &g, NULL, "all");
    assert_int_equal(g.n, 2);
    assert_string_equal(g.cell[0][COL_RULE], "t.high");
    assert_string_equal(g.cell[0][COL_CATEGORY], "高");
    /* a unit that is not a literal list: the rule is tried at every number */
    assert_string_equal(g.cell[1][COL_RULE], "t.letter");
    assert_string_equal(g.cell[1][COL_UNIT], "x");
}

/* A `before` part with table guards (a call, a lazy subject: rxscan_guard_table) gives the
 * subjects and actions its source gives; one with a callout of its own is left unguarded
 * and matched without the guards' callout (its callout does nothing), with the same rows. */
static void test_before_table_guards(void **state)
{
    (void)state;
    static const char *const srcs[] = {
        "pack p\nrule s\n  category C\n"
        "  before (?(DEFINE)(?<stop>新建|扩建|改建|新增|建设))(?:(?<action>(?&stop)))?"
        "(?<subject>(?:(?!(?&stop))[^\\d，。]){1,8}?)(?:达到|约)?\n"
        "  pattern (?<value>\\d+)(?<unit>所|个)\n",
        "pack p\nrule s\n  category C\n"
        "  before (?C7)(?(DEFINE)(?<stop>新建|扩建|改建|新增|建设))(?:(?<action>(?&stop)))?"
        "(?<subject>(?:(?!(?&stop))[^\\d，。]){1,8}?)(?:达到|约)?\n"
        "  pattern (?<value>\\d+)(?<unit>所|个)\n",
    };
    static const char doc[] = "全市新建幼儿园3所，扩建小学约5个，学位新增达到7个。";
    static const char *const want[][2] = {{"幼儿园", "新建"}, {"小学", "扩建"}};
    got g[2];
    for (size_t k = 0; k < 2; k++) {
        run_rules(srcs[k], doc, &g[k], NULL, NULL);
        assert_int_equal(g[k].n, 3);
        for (size_t i = 0; i < 2; i++)
            if (strcmp(g[k].cell[i][COL_SUBJECT], want[i][0]) != 0 || strcmp(g[k].cell[i][COL_ACTION], want[i][1]) != 0)
                fail_msg("rule file %zu, row %zu: subject '%s' action '%s', want '%s' '%s'", k, i,
                         g[k].cell[i][COL_SUBJECT], g[k].cell[i][COL_ACTION], want[i][0], want[i][1]);
    }
    for (size_t i = 0; i < 3; i++) /* 学位新增达到7个: the source's leftmost start, guards or not */
        for (int col = 0; col < COL_COUNT; col++)
            if (col != COL_RULE && strcmp(g[0].cell[i][col], g[1].cell[i][col]) != 0)
                fail_msg("row %zu, column %d: '%s' with guards, '%s' without", i, col, g[0].cell[i][col],
                         g[1].cell[i][col]);
}

/* A subject of punctuation alone (the '-' of an unparsed range) is left empty; one with a
 * word in it is kept, whatever its script. */
static void test_subject_needs_a_word(void **state)
{
    (void)state;
    static const char src[] = "pack p\nrule s\n  category C\n  before (?<subject>[^\\d，]{1,6})\n"
                              "  pattern (?<value>\\d+)(?<unit>名)\n";
    static const struct { const char *doc, *want; } cases[] = {
        {"招聘600-800名，", ""},
        {"，——800名，", ""},
        {"，教师800名，", "教师"},
        {"，G网800名，", "G网"},
        {"，Ab800名，", "Ab"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got g;
        run_rules(src, cases[i].doc, &g, NULL, NULL);
        assert_int_equal(g.n, 1);
        if (strcmp(g.cell[0][COL_SUBJECT], cases[i].want) != 0)
            fail_msg("'%s': subject '%s', want '%s'", cases[i].doc, g.cell[0][COL_SUBJECT], cases[i].want);
    }
}

typedef struct marks {
    int kinds[16];
    char text[16][64];
    size_t n;
} marks;

static int on_trace(void *ctx, long lineno, const char *line, size_t len, const extract_mark *m, size_t n)
{
    marks *mk = ctx;
    (void)lineno;
    (void)len;
    for (size_t i = 0; i < n && mk->n < 16; i++, mk->n++) {
        mk->kinds[mk->n] = m[i].kind;
        snprintf(mk->text[mk->n], sizeof mk->text[0], "%.*s", (int)(m[i].end - m[i].start), line + m[i].start);
    }
    return 0;
}

static void test_trace_marks_every_number(void **state)
{
    (void)state;
    got g;
    marks mk = {0};
    extract_opts o = {.trace = on_trace, .trace_ctx = &mk};
    run("举办第七届艺术节，新建学校３所，编号2024-118号。", &g, &o);
    assert_int_equal(g.n, 1);
    assert_int_equal(mk.n, 4);
    assert_int_equal(mk.kinds[0], MARK_EXCLUDED);
    assert_string_equal(mk.text[0], "第七");
    assert_int_equal(mk.kinds[1], MARK_ROW);
    assert_string_equal(mk.text[1], "３所"); /* the original characters */
    assert_int_equal(mk.kinds[2], MARK_UNTAKEN);
    assert_string_equal(mk.text[2], "2024");
    assert_int_equal(mk.kinds[3], MARK_UNTAKEN);
    assert_string_equal(mk.text[3], "118");
}

static int nwarn;
static char lastwarn[300];
static void on_warn(void *ctx, const char *file, long line, const char *msg)
{
    (void)ctx;
    (void)file;
    (void)line;
    nwarn++;
    snprintf(lastwarn, sizeof lastwarn, "%s", msg);
}

static void test_match_limit_reported_once(void **state)
{
    (void)state;
    static const char src[] = "pack h\n"
                              "rule nested\n"
                              "  pattern (?<value>(\\d+)*\\d*)(?<unit>\\D)\n"
                              "rule plain\n"
                              "  pattern (?<value>\\d+)(?<unit>所)\n";
    char doc[8200];
    memset(doc, '1', 4000);
    memcpy(doc + 4000, "\n新建3所\n", strlen("\n新建3所\n") + 1);
    size_t at = strlen(doc);
    memset(doc + at, '7', 4000);
    doc[at + 4000] = '\0'; /* the bytes after are never set: the document ends here */
    got g;
    nwarn = 0;
    extract_opts o = {.warn = on_warn};
    run_rules(src, doc, &g, &o, NULL);
    assert_int_equal(nwarn, 1);
    assert_non_null(strstr(lastwarn, "h.nested"));
    assert_non_null(strstr(lastwarn, "match limit"));
    int found = 0;
    for (size_t i = 0; i < g.n; i++)
        found |= strcmp(g.cell[i][COL_TEXT], "3所") == 0;
    assert_true(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration_two_rows),
        cmocka_unit_test(test_baseline_and_target),
        cmocka_unit_test(test_range_and_qualifiers),
        cmocka_unit_test(test_range_repeating_its_unit),
        cmocka_unit_test(test_money_and_chinese_numerals),
        cmocka_unit_test(test_never_rows),
        cmocka_unit_test(test_number_after_noun),
        cmocka_unit_test(test_title_sections_lines),
        cmocka_unit_test(test_placeholder_city_and_overrides),
        cmocka_unit_test(test_empty_documents),
        cmocka_unit_test(test_examples_runner_reports_failures),
        cmocka_unit_test(test_pack_chosen_by_document),
        cmocka_unit_test(test_jit_for_the_packs_used),
        cmocka_unit_test(test_carry_subject),
        cmocka_unit_test(test_sentence_bounds),
        cmocka_unit_test(test_subject_after_a_row),
        cmocka_unit_test(test_detect_word_lists),
        cmocka_unit_test(test_subject_needs_a_word),
        cmocka_unit_test(test_before_table_guards),
        cmocka_unit_test(test_exclusions_after_a_match),
        cmocka_unit_test(test_same_pattern_rules_and_any_unit),
        cmocka_unit_test(test_trace_marks_every_number),
        cmocka_unit_test(test_match_limit_reported_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
