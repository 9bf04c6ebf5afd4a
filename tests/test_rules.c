/* test_rules.c: rule-file loading - the format, the unit map, overrides, and
 * every error naming file, line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "ruleset/rule_int.h"
#include "ruleset/rules_priv.h"

static int load(rules *r, const char *src, pm_error *e)
{
    pm_error_clear(e);
    return rules_load_string(r, "t.rules", src, strlen(src), e);
}

static const char good[] =
    "# a comment\n"
    "pack demo\n"
    "define N \\d+\n"
    "define NU (?:{N}|[一二三])\n"
    "unit 名 = 人\n"
    "unit 万元 = 元 *10000\n"
    "unit % = % rate\n"
    "qualifier 以上 >=\n"
    "rule people\n"
    "  category 人员\n"
    "  priority 7\n"
    "  pattern (?<value>{NU})(?<unit>名)\n"
    "  pattern (?<qual_after>以上)?\n"
    "  example 招聘20名 => 20 人\n"
    "  example 招聘20名以上 => >=20 人\n"
    "  not 第一名\n"
    "exclude ord\n"
    "  pattern 第{NU}\n";

static void test_load_good(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, good, &e), 0);
    assert_int_equal(rules_count(r), 2);
    const rule *ru = rules_at(r, 0);
    assert_string_equal(ru->id, "demo.people");
    assert_string_equal(ru->category, "人员");
    assert_string_equal(ru->role, "target");
    assert_int_equal(ru->priority, 7);
    assert_int_equal(ru->kind, RULE_TARGET);
    /* group numbers by name, in RULE_GROUP_NAMES order: value, value_max, unit, subject, ... */
    const short (*g)[RULES_MAX_DUP + 1] = ru->compiled->groups[0];
    assert_true(g[0][0] > 0 && g[2][0] > 0 && g[6][0] > 0);
    assert_int_equal(g[3][0], 0);
    /* both pattern lines joined, {NU} and {N} expanded */
    assert_string_equal(ru->pattern, "(?<value>(?:\\d+|[一二三]))(?<unit>名)(?<qual_after>以上)?");
    assert_int_equal(ru->nexamples, 3);
    assert_string_equal(ru->examples[1].value, "20");
    assert_string_equal(ru->examples[1].qualifier, ">=");
    assert_string_equal(ru->examples[1].unit, "人");
    assert_true(ru->examples[2].negative);
    assert_int_equal(ru->examples[2].line, 16);
    assert_int_equal(rules_at(r, 1)->kind, RULE_EXCLUDE);
    assert_string_equal(rules_at(r, 1)->id, "demo.ord");
    assert_int_equal(rules_pack_count(r), 1);
    assert_string_equal(rules_pack_name(r, 0), "demo");
    rules_free(r);
}

static void test_unit_map(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, good, &e), 0);
    double scale = 0;
    assert_string_equal(rules_unit_canon(r, "名", strlen("名"), &scale), "人");
    assert_true(scale == 1.0);
    assert_string_equal(rules_unit_canon(r, "万元", strlen("万元"), &scale), "元");
    assert_true(scale == 10000.0);
    assert_null(rules_unit_canon(r, "只", strlen("只"), &scale));
    assert_int_equal(rules_unit_additive(r, "人"), 1);
    assert_int_equal(rules_unit_additive(r, "%"), 0);
    assert_int_equal(rules_unit_additive(r, "吨"), -1);
    assert_string_equal(rules_qualifier(r, "以上", strlen("以上")), ">=");
    assert_null(rules_qualifier(r, "以下", strlen("以下")));
    /* a later load redefines a unit: the lookup finds the new meaning, and units
     * that only the later load has */
    assert_int_equal(load(r, "unit 名 = 名额\nunit 万吨 = 吨 *10000\n", &e), 0);
    assert_string_equal(rules_unit_canon(r, "名", strlen("名"), &scale), "名额");
    assert_string_equal(rules_unit_canon(r, "万吨", strlen("万吨"), &scale), "吨");
    assert_true(scale == 10000.0);
    assert_string_equal(rules_unit_canon(r, "万元", strlen("万元"), &scale), "元");
    assert_null(rules_unit_canon(r, "万", strlen("万"), &scale));
    assert_true(scale == 1.0);
    rules_free(r);
}

static void test_override_same_id(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, good, &e), 0);
    const char later[] = "pack demo\nrule people\n  category 新\n  pattern (?<value>\\d+)(?<unit>人)\n";
    assert_int_equal(rules_load_string(r, "later.rules", later, strlen(later), &e), 0);
    assert_int_equal(rules_count(r), 2);
    assert_string_equal(rules_at(r, 0)->category, "新");
    assert_string_equal(rules_at(r, 0)->file, "later.rules");
    rules_free(r);
}

/* Each bad file gives this line, column and message fragment. */
static const struct {
    const char *src;
    long line, col;
    const char *msg;
} bad[] = {
    {"pack p\nrule a\n  colour red\n", 3, 3, "unknown key 'colour'"},
    {"pack p\nrule a\n  pattern (?<value>\\d+(?<unit>名)\n", 3, 33, "missing closing parenthesis"},
    {"pack p\nrule a\n  pattern (?<value>{NUMBER})(?<unit>名)\n", 3, 20, "unknown sub-pattern '{NUMBER}'"},
    {"pack p\nrule a\n  pattern (?<value>\\d+)\n", 3, 11, "needs named groups 'value' and 'unit'"},
    /* a misspelt group would lose its part of the row without a word; one called is a helper */
    {"pack p\nrule a\n  pattern (?<subjcet>学位)(?<value>\\d+)(?<unit>个)\n", 3, 14, "unknown group 'subjcet'"},
    {"pack p\nrule a\n  before (?<subjetc>学位)\n  pattern (?<value>\\d+)(?<unit>个)\n", 3, 13, "unknown group 'subjetc'"},
    {"pack p\nrule a\n  category x\n", 2, 0, "has no pattern"},
    {"rule a\n", 1, 1, "'pack NAME' must come before"},
    {"pack p\ncategory x\n", 2, 1, "outside a rule"},
    {"pack p\nunit 名\n", 2, 6, "'unit' needs"},
    {"pack p\nunit 名 = 人 *zero\n", 2, 12, "bad scale"},
    {"pack p\nqualifier 以上 >\n", 2, 14, "qualifier symbol"},
    {"pack p\nrule a\n  role goal\n", 3, 8, "role must be"},
    {"pack p\nrule a\n  priority high\n", 3, 12, "priority must be"},
    {"pack p\nrule a\n  example 招聘20名\n", 3, 11, "example needs"},
    {"pack p\ndefine n \\d+\n", 2, 8, "'define' needs an upper-case NAME"},
    {"pack p\ndefine N [0-9\n", 2, 14, "missing terminating ]"},
    {"pack p\nrule a\n  reach 500\n", 3, 9, "reach must be"},
    {"pack p\nfallback yes\n", 2, 10, "'fallback' takes no value"},
    {"pack p\ndetect (教育\n", 2, 11, "missing closing parenthesis"},
    {"pack p\ninclude no-such.rules\n", 2, 9, "cannot include"},
    {"pack p\ncarry\n", 2, 6, "'carry' needs a pattern"},
    {"pack p\ncarry 、|(增长\n", 2, 12, "missing closing parenthesis"},
    {"pack p\ncarry {LINK}\n", 2, 7, "unknown sub-pattern '{LINK}'"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rules *r = rules_create();
        pm_error e;
        int rc = load(r, bad[i].src, &e);
        if (rc != PM_ERR_SYNTAX || e.line != bad[i].line || e.column != bad[i].col ||
            !strstr(e.msg, bad[i].msg))
            fail_msg("case %zu: rc %d at %ld:%ld '%s', expected %ld:%ld '%s'", i, rc, e.line, e.column, e.msg,
                     bad[i].line, bad[i].col, bad[i].msg);
        assert_string_equal(e.file, "t.rules");
        rules_free(r);
    }
}

/* Every key of the table is one the loader knows: alone on a line (in a block, for a block
 * key), it never gives "unknown key"; and the table has top and block keys, each once. */
static void test_key_table(void **state)
{
    (void)state;
    const char *usage, *help;
    int where, blocks = 0;
    size_t i;
    for (i = 0; (where = rules_key_info(i, &usage, &help)) >= 0; i++) {
        char name[32], src[128];
        assert_true(strlen(help) > 10);
        snprintf(name, sizeof name, "%.*s", (int)strcspn(usage, " "), usage);
        for (size_t j = 0; j < i; j++) {
            const char *u2, *h2;
            rules_key_info(j, &u2, &h2);
            if (strncmp(u2, name, strlen(name)) == 0 && (u2[strlen(name)] == ' ' || !u2[strlen(name)]))
                fail_msg("key '%s' twice", name);
        }
        blocks += where;
        snprintf(src, sizeof src, "pack p\n%s%s\n", where ? "rule a\n  " : "", name);
        rules *r = rules_create();
        pm_error e;
        load(r, src, &e);
        if (strstr(e.msg, "unknown key"))
            fail_msg("key '%s': %s", name, e.msg);
        rules_free(r);
        if (where) { /* a block key outside a block */
            r = rules_create();
            snprintf(src, sizeof src, "pack p\n%s x\n", name);
            assert_int_equal(load(r, src, &e), PM_ERR_SYNTAX);
            assert_non_null(strstr(e.msg, "outside a rule"));
            rules_free(r);
        }
    }
    assert_true(i >= 24);
    assert_true(blocks >= 8 && blocks < (int)i);
}

/* words NAME ... end: literal words, one per line, escaped; {OTHER} takes in a list's words
 * (or a define's pattern); a duplicate, however it comes, is an error at its place. */
static void test_words(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    const char src[] = "pack w\n"
                       "define D \\d+\n"
                       "words ACT\n"
                       "  新建\n"
                       "  # a comment line\n"
                       "  改(扩)建   # literal: escaped\n"
                       "end\n"
                       "words MORE\n"
                       "  {ACT}\n"
                       "  a.b\n"
                       "  {D}\n"
                       "end\n"
                       "rule a\n"
                       "  before (?<action>{MORE})\n"
                       "  pattern (?<value>{D})(?<unit>所)\n";
    assert_int_equal(load(r, src, &e), 0);
    const rule *ru = rules_at(r, 0);
    assert_string_equal(ru->before, "(?:(?<action>(?:新建|改\\(扩\\)建|a\\.b|\\d+)))\\z");
    assert_int_equal(ru->line, 13);
    rules_free(r);

    static const struct {
        const char *src;
        long line, col;
        const char *msg;
    } wbad[] = {
        {"words A\n  x\n  y\n  x\nend\n", 4, 3, "'x' is already in words A"},
        {"words A\n  x\nend\nwords B\n  x\n  {A}\nend\n", 6, 3, "'x' of {A} is already in words B"},
        {"words A\n  x\nend\nwords B\n  {A}\n  x\nend\n", 6, 3, "'x' is already in words B"},
        {"words A\n  x y\nend\n", 2, 5, "one word per line in words A"},
        {"words A\n  x\n", 1, 7, "words A has no 'end'"},
        {"words A\nend\n", 2, 1, "words A has no words"},
        {"words a\n", 1, 7, "'words' needs an upper-case NAME"},
        {"words A B\n", 1, 7, "'words' needs an upper-case NAME"},
        {"words A\n  {B}\nend\n", 2, 3, "unknown sub-pattern '{B}'"},
        {"words A\n  “引号”\n  “引号”\nend\n", 3, 3, "is already in words A"}, /* columns in characters */
    };
    for (size_t i = 0; i < sizeof wbad / sizeof wbad[0]; i++) {
        r = rules_create();
        int rc = load(r, wbad[i].src, &e);
        if (rc != PM_ERR_SYNTAX || e.line != wbad[i].line || e.column != wbad[i].col || !strstr(e.msg, wbad[i].msg))
            fail_msg("case %zu: rc %d at %ld:%ld '%s', expected %ld:%ld '%s'", i, rc, e.line, e.column, e.msg,
                     wbad[i].line, wbad[i].col, wbad[i].msg);
        rules_free(r);
    }
}

/* qualifier SYMBOL WORD WORD...; the one-word form qualifier WORD SYMBOL still works. */
static void test_qualifier_lines(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, "qualifier >= 以上 不少于  至少\nqualifier ~ 约\nqualifier 以内 <=\nqualifier >= >=\n", &e), 0);
    static const char *const want[][2] = {
        {"以上", ">="}, {"不少于", ">="}, {"至少", ">="}, {"约", "~"}, {"以内", "<="}, {">=", ">="},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *q = rules_qualifier(r, want[i][0], strlen(want[i][0]));
        if (!q || strcmp(q, want[i][1]) != 0)
            fail_msg("'%s': %s, want %s", want[i][0], q ? q : "none", want[i][1]);
    }
    assert_null(rules_qualifier(r, "", 0));
    assert_int_equal(load(r, "qualifier 以上 >\n", &e), PM_ERR_SYNTAX);
    assert_non_null(strstr(e.msg, "qualifier symbol"));
    rules_free(r);
}

static void test_error_keeps_source_line(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, "pack p\nrule a\n  pattern (?<value>\\d+(?<unit>名)\n", &e), PM_ERR_SYNTAX);
    assert_string_equal(e.source, "  pattern (?<value>\\d+(?<unit>名)");
    rules_free(r);
}

static void test_missing_file(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(rules_load(r, "no/such.rules", &e), PM_ERR_IO);
    assert_string_equal(e.file, "no/such.rules");
    rules_free(r);
    rules_free(NULL);
}

static void test_packs_detect_fallback_reach(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    const char src[] = "pack base\n"
                       "exclude ord\n"
                       "  before 第\n"
                       "  pattern \\d+\n"
                       "pack edu\n"
                       "detect 学校|教师\n"
                       "rule n\n"
                       "  reach 40\n"
                       "  pattern (?<value>\\d+)(?<unit>所|处)\n"
                       "pack gov\n"
                       "detect 政府工作报告\n"
                       "fallback\n";
    assert_int_equal(load(r, src, &e), 0);
    assert_int_equal(rules_pack_count(r), 3);
    assert_null(rules_pack_detect(r, 0)); /* base: always used */
    assert_non_null(rules_pack_detect(r, 1));
    assert_int_equal(rules_pack_index(r, "gov", 3), 2);
    assert_int_equal(rules_pack_index(r, "hr", 2), -1);
    assert_int_equal(rules_fallback_pack(r), 2);
    const rule *ru = rules_at(r, 1);
    assert_string_equal(ru->id, "edu.n");
    assert_int_equal(ru->pack_index, 1);
    assert_int_equal(ru->reach, 40);
    assert_int_equal(rules_at(r, 0)->reach, 20); /* the default */
    assert_non_null(rules_at(r, 0)->compiled->before_code);
    /* the unit literals the engine's prefilter uses */
    assert_int_equal(ru->compiled->nunit_lits, 2);
    assert_string_equal(ru->compiled->unit_lits[0], "所");
    assert_string_equal(ru->compiled->unit_lits[1], "处");
    rules_free(r);

    /* a unit that starts with a word list and goes on: the words are its prefixes;
     * an optional list, or a class, leaves the rule without a prefilter */
    static const struct {
        const char *unit;
        size_t n;
        const char *first, *last;
    } u[] = {
        {"(?:万吨|吨)(?:/年|/日)?", 2, "万吨", "吨"},
        {"(?:公里|米)[/]小时|个", 3, "公里", "个"},
        {"(?:万吨|吨)?x", 0, NULL, NULL},
        {"[吨斤]", 0, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "pack t\nrule n\n  pattern (?<value>\\d+)(?<unit>%s)\n", u[i].unit);
        r = rules_create();
        assert_int_equal(load(r, buf, &e), 0);
        ru = rules_at(r, 0);
        if (ru->compiled->nunit_lits != u[i].n)
            fail_msg("unit '%s': %zu literals, want %zu", u[i].unit, ru->compiled->nunit_lits, u[i].n);
        if (u[i].n) {
            assert_string_equal(ru->compiled->unit_lits[0], u[i].first);
            assert_string_equal(ru->compiled->unit_lits[u[i].n - 1], u[i].last);
        } else {
            assert_null(ru->compiled->unit_lits);
        }
        rules_free(r);
    }
}

static void test_include_loads_once(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    /* edu.rules includes base.rules; loading the directory reads base.rules first, once */
    assert_int_equal(rules_load(r, "../rules/edu.rules", &e), 0);
    size_t n = rules_count(r);
    assert_true(rules_pack_index(r, "base", 4) >= 0);
    assert_int_equal(rules_load(r, "../rules/base.rules", &e), 0); /* again: rules replaced, not added */
    assert_int_equal(rules_count(r), n);
    rules_free(r);
}

/* The shipped rule packs, loaded; a load error fails the test with its place. */
static rules *load_shipped(void)
{
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    if (rules_load(r, "../rules", &e) != 0)
        fail_msg("%s:%ld:%ld: %s", e.file, e.line, e.column, e.msg);
    return r;
}

static void test_shipped_packs_load(void **state)
{
    (void)state;
    rules *r = load_shipped();
    assert_true(rules_count(r) > 5);
    rules_free(r);
}

/* Room to grow: every shipped pattern and `before` part, as compiled (guarded), takes at
 * most three quarters of the 64 KB PCRE2 allows one pattern (with its default link size),
 * so a rule author who adds words to a shared list does not meet "regular expression is
 * too large". A bounded repeat of a group is compiled once per repetition: a long word
 * list checked at every character of a noun belongs in a (?(DEFINE)...) group, called. */
static void test_shipped_sizes(void **state)
{
    (void)state;
    rules *r = load_shipped();
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        assert_true(rules_compiled_size(ru, 0) > 0);
        assert_true((rules_compiled_size(ru, 1) > 0) == (ru->before != NULL));
        for (int k = 0; k < 2; k++) {
            size_t size = rules_compiled_size(ru, k);
            if (size > RULES_COMPILED_MAX * 3 / 4)
                fail_msg("rule '%s': the %s compiles to %zu bytes", ru->id, k ? "before part" : "pattern", size);
        }
    }
    rules_free(r);
}

/* A `carry` pattern (defines expanded) must match all of the text between two rows;
 * several `carry` lines are alternatives. */
/* The hits of kind as the unanchored search over its combined pattern gives them: the
 * reference for the anchored scan at start characters (rules_senses). */
static size_t ref_senses(const rules *r, int kind, const char *s, size_t n, rules_hit *out, size_t cap,
                         pcre2_match_data *md)
{
    size_t k = 0, at = 0;
    while (at < n && pcre2_match(r->combined[kind], (PCRE2_SPTR)s, n, at, 0, md, NULL) >= 0) {
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (k < cap)
            out[k] = (rules_hit){ov[0], ov[1], kind, 0, 0};
        k++;
        at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++;
    }
    return k;
}

/* Compare rules_senses with the reference on s for every kind; the count of hits. */
static size_t same_senses(const rules *r, const char *s, pcre2_match_data *md)
{
    size_t total = 0;
    for (int kind = 0; kind < SENSE_KINDS; kind++) {
        if (!r->combined[kind])
            continue;
        rules_hit a[64], b[64];
        size_t na = rules_senses(r, kind, s, strlen(s), 2026, a, 64, md, NULL);
        size_t nb = ref_senses(r, kind, s, strlen(s), b, 64, md);
        if (na != nb)
            fail_msg("kind %d in '%s': %zu hits, the unanchored search %zu", kind, s, na, nb);
        for (size_t i = 0; i < na && i < 64; i++)
            if (a[i].start != b[i].start || a[i].end != b[i].end)
                fail_msg("kind %d in '%s': hit %zu at %zu..%zu, the unanchored search %zu..%zu", kind, s, i,
                         a[i].start, a[i].end, b[i].start, b[i].end);
        total += na;
    }
    /* all kinds in one pass: each kind's hits, in order, among the others' */
    rules_hit all[512];
    size_t nall = rules_senses_kinds(r, (1u << SENSE_KINDS) - 1, s, strlen(s), 2026, all, 512, md, NULL);
    if (nall != total)
        fail_msg("'%s': %zu hits of all kinds in one pass, %zu kind by kind", s, nall, total);
    for (int kind = 0; kind < SENSE_KINDS; kind++) {
        rules_hit a[64];
        size_t na = rules_senses(r, kind, s, strlen(s), 2026, a, 64, md, NULL), j = 0;
        for (size_t i = 0; i < nall; i++)
            if (all[i].kind == kind) {
                if (j >= na || all[i].start != a[j].start || all[i].end != a[j].end || all[i].year != a[j].year ||
                    all[i].since != a[j].since)
                    fail_msg("kind %d in '%s': hit %zu of the one pass differs", kind, s, j);
                j++;
            }
        if (j != na)
            fail_msg("kind %d in '%s': %zu hits in the one pass, %zu alone", kind, s, j, na);
    }
    return total;
}

/* Sense patterns are tried only where a match can start (rxscan_first): the shipped ones
 * all have start characters, and give the hits the unanchored search gives - on every
 * rule example and on sentences of each kind; a kind with a pattern that could start
 * anywhere keeps the unanchored search. */
static void test_sense_starts(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(rules_load(r, "../rules", &e), 0);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    for (int kind = 0; kind < SENSE_KINDS; kind++)
        if (r->combined[kind])
            assert_non_null(r->anchored[kind]);
    static const char *const lines[] = {
        "过去一年，全市已新增城镇就业5.2万人，2025年末常住人口达到310万人。",
        "今年力争完成投资800亿元，到2028年每千人口床位达到7.5张，人均道路面积提高到20平方米。",
        "“十五五”时期，计划由目前的60%提高到75%，民国114年与XX年、xxxx年的指标另计。",
        "二〇二六年 要新建亿元以上项目30个，分别增长5%和8%；未来五年内建成10万千瓦级电站。",
    };
    size_t hits = 0;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        hits += same_senses(r, lines[i], md);
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        for (size_t j = 0; j < ru->nexamples; j++)
            hits += same_senses(r, ru->examples[j].text, md);
    }
    assert_true(hits > 100);
    rules_free(r);
    /* a cue that may start with any character: that kind is searched unanchored */
    r = rules_create();
    assert_int_equal(load(r, "pack p\ncue actual .?已经\nperiod (?<year>20\\d\\d)年\n", &e), 0);
    assert_null(r->anchored[SENSE_ACTUAL]);
    assert_non_null(r->anchored[SENSE_PERIOD]);
    assert_int_equal(same_senses(r, "去年已经完成，2025年已经建成", md), 3); /* 年已经 twice, 2025年 */
    pcre2_match_data_free(md);
    rules_free(r);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* A rule and a carry pattern written after an include are named by their own file, not the
 * file included last (limit warnings and `rules list` say where to look). */
static void test_names_after_include(void **state)
{
    (void)state;
    char dir[] = "/tmp/pm-test-rules.XXXXXX", main_path[64], inc_path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(main_path, sizeof main_path, "%s/main.rules", dir);
    snprintf(inc_path, sizeof inc_path, "%s/inc.rules", dir);
    write_file(inc_path, "define N (?<value>\\d+)\n");
    write_file(main_path, "pack p\ninclude inc.rules\ncarry (?:(?:a|aa)*)*x|a+c\nrule r\n  pattern {N}(?<unit>个)\n");
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(rules_load(r, main_path, &e), 0);
    assert_string_equal(rules_at(r, 0)->file, main_path);
    assert_int_equal(rules_at(r, 0)->line, 4);
    pcre2_match_data *md = pcre2_match_data_create(8, NULL);
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mctx, 10000);
    static const char line[] = "aaaaaaaaaaaac";
    const char *file = NULL;
    long fline = 0;
    int gave_up = 0;
    assert_int_equal(rules_carries(r, line, 0, sizeof line - 1, md, mctx, &gave_up, &file, &fline), 0);
    assert_int_equal(gave_up, PCRE2_ERROR_MATCHLIMIT);
    assert_string_equal(file, main_path);
    assert_int_equal(fline, 3);
    pcre2_match_context_free(mctx);
    pcre2_match_data_free(md);
    rules_free(r);
    remove(main_path);
    remove(inc_path);
    rmdir(dir);
}

/* A named group of the rule's own is fine when its name is far from the groups a rule reads,
 * or when the part calls it or refers back to it. */
static void test_own_groups_when_used(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "pack p\nrule a\n  pattern (?(DEFINE)(?<stop>新增|建成))(?<value>\\d+)(?<unit>个)(?!(?&stop))\n",
        "pack p\nrule a\n  pattern (?<value>\\d+)(?<unit>个)(?<d>[、，])\\d+\\k<d>\n",
        "pack p\nrule a\n  pattern (?<value>\\d+)(?<unit>个)(?'w'万)?(?(w)元|人)\n",
        "pack p\nrule a\n  pattern (?<w>学位)\\g{w}(?<value>\\d+)(?<unit>个)\n",
        /* a name far from every group a rule reads is the author's own, used or not */
        "pack p\nrule a\n  pattern (?(DEFINE)(?<num>\\d+)(?<cn>[一二三]+))(?<value>(?&num))(?<unit>个)\n",
        /* one close to a group a rule reads is fine when the part refers to it */
        "pack p\nrule a\n  pattern (?(DEFINE)(?<units>个|名))(?<value>\\d+)(?<unit>(?&units))\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        rules *r = rules_create();
        pm_error e;
        pm_error_clear(&e);
        if (load(r, ok[i], &e) != 0)
            fail_msg("%s: %s", ok[i], e.msg);
        assert_int_equal(rules_count(r), 1);
        rules_free(r);
    }
}

static void test_carry(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, "pack p\ndefine SEP 、|，\ncarry (?:{SEP})(?:增长)?\ncarry 和\n", &e), 0);
    pcre2_match_data *md = pcre2_match_data_create(8, NULL);
    static const char line[] = "收入312亿元、增长4%和5%，其中增长6%";
    const char *s312 = strstr(line, "、增长"), *s4 = strstr(line, "4%"), *s5 = strstr(line, "5%");
    size_t a = (size_t)(s312 - line), b = (size_t)(s4 - line);
    assert_true(rules_carries(r, line, a, b, md, NULL, NULL, NULL, NULL));                         /* 、增长 */
    assert_true(rules_carries(r, line, a, a + strlen("、"), md, NULL, NULL, NULL, NULL));          /* 、 */
    assert_true(rules_carries(r, line, (size_t)(s5 - line) - strlen("和"), (size_t)(s5 - line), md, NULL, NULL, NULL, NULL));
    assert_false(rules_carries(r, line, a, b - strlen("长"), md, NULL, NULL, NULL, NULL));         /* 、增: not all of it */
    const char *other = strstr(line, "，其中");
    assert_false(rules_carries(r, line, (size_t)(other - line), (size_t)(strstr(line, "6%") - line), md, NULL, NULL, NULL, NULL));
    rules *none = rules_create();
    assert_false(rules_carries(none, line, a, b, md, NULL, NULL, NULL, NULL));                     /* no carry: never */
    rules_free(none);
    pcre2_match_data_free(md);
    rules_free(r);
}

/* A `carry` pattern is matched under the caller's match limits: one that needs more
 * backtracking than the limit allows (here ~2^12 tries of its first alternative before the
 * second matches) does not match under a low limit, though it does under PCRE2's default;
 * the answer is then PCRE2's error and where the pattern was written. */
static void test_carry_match_limit(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, "pack p\ncarry (?:(?:a|aa)*)*x|a+c\n", &e), 0);
    pcre2_match_data *md = pcre2_match_data_create(8, NULL);
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mctx, 10000);
    static const char line[] = "aaaaaaaaaaaac";
    int gave_up = 1;
    assert_int_equal(rules_carries(r, line, 0, sizeof line - 1, md, NULL, &gave_up, NULL, NULL), 1);
    assert_int_equal(gave_up, 0);
    const char *file = NULL;
    long fline = 0;
    assert_int_equal(rules_carries(r, line, 0, sizeof line - 1, md, mctx, &gave_up, &file, &fline), 0);
    assert_int_equal(gave_up, PCRE2_ERROR_MATCHLIMIT);
    assert_non_null(file);
    assert_int_equal(fline, 2); /* where the pattern was written, for the warning */
    pcre2_match_context_free(mctx);
    pcre2_match_data_free(md);
    rules_free(r);
}

/* Whether a rule's pattern (and its before part) carry JIT code. */
static int jitted(const rule *ru)
{
    size_t a = 0, b = 0;
    pcre2_pattern_info(ru->compiled->code, PCRE2_INFO_JITSIZE, &a);
    if (ru->compiled->before_code)
        pcre2_pattern_info(ru->compiled->before_code, PCRE2_INFO_JITSIZE, &b);
    return a > 0 && (!ru->compiled->before_code || b > 0);
}

/* Is each compiled part of ru also a part of a rule of pack (the set compiles a part
 * written twice once)? */
static int parts_of_pack(const rules *r, const rule *ru, int pack)
{
    const pcre2_code *part[2] = {ru->compiled->code, ru->compiled->before_code};
    for (int k = 0; k < 2; k++) {
        int found = part[k] == NULL;
        for (size_t i = 0; i < rules_count(r) && !found; i++) {
            const rule *o = rules_at(r, i);
            found = o->pack_index == pack && (o->compiled->code == part[k] || o->compiled->before_code == part[k]);
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int jit_available(void)
{
    uint32_t jit = 0;
    return pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit;
}

/* A part written again (the same expansion, the same options) is compiled once: the rules
 * share it, and each still matches as written. */
static void test_shared_parts(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    static const char src[] = "pack t\ndefine N (?:新建|新增)\n"
                              "rule a\n  before {N}\n  pattern (?<value>\\d+)(?<unit>所)\n"
                              "rule b\n  before (?:新建|新增)\n  pattern (?<value>\\d+)(?<unit>个)\n"
                              "rule c\n  before 新建\n  pattern (?<value>\\d+)(?<unit>所)\n";
    assert_int_equal(load(r, src, &e), 0);
    assert_int_equal(rules_count(r), 3);
    const rule *a = rules_at(r, 0), *b = rules_at(r, 1), *c = rules_at(r, 2);
    assert_ptr_equal(a->compiled->before_code, b->compiled->before_code);
    assert_ptr_equal(a->compiled->code, c->compiled->code);
    assert_ptr_not_equal(a->compiled->before_code, c->compiled->before_code);
    assert_ptr_not_equal(a->compiled->code, b->compiled->code);
    pcre2_match_data *md = pcre2_match_data_create(16, NULL);
    static const char t[] = "新增3所";
    assert_true(pcre2_match(b->compiled->before_code, (PCRE2_SPTR)t, 6, 0, 0, md, NULL) > 0);
    assert_true(pcre2_match(c->compiled->code, (PCRE2_SPTR)t, strlen(t), 6, 0, md, NULL) > 0);
    pcre2_match_data_free(md);
    rules_free(r);
}

/* Loading compiles every pattern but JIT-compiles none; rules_jit compiles the packs
 * it is given and no other, and again after a later load adds a rule to such a pack. */
static void test_jit_per_pack(void **state)
{
    (void)state;
    if (!jit_available())
        skip();
    rules *r = load_shipped();
    int edu = rules_pack_index(r, "edu", 3), gov = rules_pack_index(r, "gov", 3);
    assert_true(edu >= 0 && gov >= 0);
    for (size_t i = 0; i < rules_count(r); i++)
        assert_false(jitted(rules_at(r, i)));
    rules_jit(r, (uint64_t)1 << edu);
    size_t nedu = 0;
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        assert_int_equal(jitted(ru), ru->pack_index == edu || parts_of_pack(r, ru, edu));
        nedu += ru->pack_index == edu;
    }
    assert_true(nedu > 5);

    pm_error e;
    pm_error_clear(&e);
    static const char more[] = "pack edu\nrule extra\n  pattern (?<value>\\d+)(?<unit>所)\n";
    assert_int_equal(rules_load_string(r, "more.rules", more, strlen(more), &e), 0);
    const rule *extra = NULL;
    for (size_t i = 0; i < rules_count(r); i++)
        if (strcmp(rules_at(r, i)->id, "edu.extra") == 0)
            extra = rules_at(r, i);
    assert_non_null(extra);
    assert_false(jitted(extra));
    rules_jit(r, (uint64_t)1 << edu);
    assert_true(jitted(extra));
    rules_free(r);
}

struct jit_job {
    const rules *r;
    uint64_t packs;
};

static void *jit_thread(void *arg)
{
    const struct jit_job *j = arg;
    for (int k = 0; k < 50; k++)
        rules_jit(j->r, j->packs);
    return NULL;
}

/* rules_table(kind, cell) for every kind must be what trying each pattern of the kind says. */
static void table_cell_check(const rules *r, pcre2_match_data *md, const char *p, size_t n, size_t *hits)
{
    for (int k = 0; k < TABLE_KINDS; k++) {
        int want = 0;
        for (size_t i = 0; i < r->ntables && !want; i++)
            want = r->tables[i].kind == k && pcre2_match(r->tables[i].code, (PCRE2_SPTR)p, n, 0, 0, md, NULL) >= 0;
        int role;
        if (rules_table(r, k, p, n, &role, md, NULL) != want)
            fail_msg("table kind %d, cell '%.*s': rules_table says %d", k, (int)n, p, !want);
        *hits += want;
    }
}

/* rules_table's first-character check says no only where no pattern of the kind matches:
 * every line of the table fixtures and bundled plans, and every piece of them between
 * blanks, against the kind's patterns tried one by one. */
static void test_table_starts(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error err = {0};
    assert_int_equal(rules_load(r, "../rules", &err), 0);
    int filtered = 0;
    for (int k = 0; k < TABLE_KINDS; k++)
        filtered += r->tstarts[k] != NULL;
    assert_true(filtered >= 5); /* the column kinds; caption and ratio are found anywhere */
    assert_null(r->tstarts[TABLE_CAPTION]);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    static const char *const files[] = {"tables/2021_云峤市_十四五综合交通运输发展规划.txt",
                                        "tables/2026_嶺東市_十五五經濟社會發展規劃綱要.txt",
                                        "tables/2026_鹿溪市_十五五就业和社会保障事业发展规划.txt",
                                        "../examples/linjiang-edu-2025.txt", "../examples/nanshan-health-2025.txt"};
    size_t cells = 0, hits = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        FILE *fp = fopen(files[f], "rb");
        assert_non_null(fp);
        char line[4096];
        while (fgets(line, sizeof line, fp)) {
            line[strcspn(line, "\r\n")] = '\0';
            /* the whole line, then each piece between blanks (the first one too) */
            table_cell_check(r, md, line, strlen(line), &hits);
            cells++;
            for (char *p = line;; p++) {
                size_t n = strcspn(p, " \t");
                table_cell_check(r, md, p, n, &hits);
                cells++;
                p += n;
                if (!*p)
                    break;
            }
        }
        fclose(fp);
    }
    assert_true(cells > 200);
    assert_true(hits > 20);
    pcre2_match_data_free(md);
    rules_free(r);
}

/* Threads that meet packs at once (as extract's workers do) each get them compiled:
 * every rule of every pack asked for carries JIT code when they are done. */
static void test_jit_threads(void **state)
{
    (void)state;
    if (!jit_available())
        skip();
    rules *r = load_shipped();
    size_t np = rules_pack_count(r);
    assert_true(np >= 3);
    pthread_t th[4];
    struct jit_job jobs[4];
    for (int t = 0; t < 4; t++) {
        /* overlapping sets: pack 0 for all, then one or two more each */
        jobs[t] = (struct jit_job){r, 1u | (uint64_t)1 << (1 + t % (np - 1)) | (uint64_t)1 << (1 + (t + 1) % (np - 1))};
        assert_int_equal(pthread_create(&th[t], NULL, jit_thread, &jobs[t]), 0);
    }
    uint64_t all = 0;
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        all |= jobs[t].packs;
    }
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        assert_int_equal(jitted(ru), (int)(all >> ru->pack_index & 1));
    }
    rules_free(r);
}

/* rules_lint: a unit word without a `unit` line is reported once, at the first rule using it. */
static void lint_count(void *ctx, const char *file, long line, const char *msg)
{
    (void)file;
    (void)line;
    if (strstr(msg, "unit word"))
        ++*(int *)ctx;
}

static void test_lint_unit_words(void **state)
{
    (void)state;
    rules *r = rules_create();
    pm_error e;
    assert_int_equal(load(r, "pack p\nunit 个 = 个\n"
                             "rule a\n  pattern (?<value>\\d+)(?<unit>个|枚)\n"
                             "rule b\n  pattern (?<value>\\d+)(?<unit>枚|个)\n", &e), 0);
    int n = 0;
    assert_int_equal(rules_lint(r, lint_count, &n), 1);
    assert_int_equal(n, 1);
    rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_lint_unit_words),
        cmocka_unit_test(test_unit_map),
        cmocka_unit_test(test_override_same_id),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_qualifier_lines),
        cmocka_unit_test(test_error_keeps_source_line),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_packs_detect_fallback_reach),
        cmocka_unit_test(test_include_loads_once),
        cmocka_unit_test(test_shipped_packs_load),
        cmocka_unit_test(test_shipped_sizes),
        cmocka_unit_test(test_sense_starts),
        cmocka_unit_test(test_own_groups_when_used),
        cmocka_unit_test(test_names_after_include),
        cmocka_unit_test(test_carry),
        cmocka_unit_test(test_carry_match_limit),
        cmocka_unit_test(test_shared_parts),
        cmocka_unit_test(test_jit_per_pack),
        cmocka_unit_test(test_jit_threads),
        cmocka_unit_test(test_table_starts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
