/* test_table.c: the indicator-table reader on rule data of its own - headers, the four
 * flattenings, group cells, units in names, text and empty cells, roles and periods by column,
 * and the `table` keys' errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset/rules.h"
#include "extract/table.h"

static const char data[] =
    "pack t\n"
    "unit 亿元 = 元 *100000000\n"
    "unit % = % rate\n"
    "unit 个 = 个\n"
    "qualifier ≥ >=\n"
    "qualifier 以上 >=\n"
    "qualifier 左右 ~\n"
    "period (?<year>20\\d\\d)年\n"
    "period 十四五 => 2025 since 2021\n"
    "nonadditive 人均\n"
    "table caption ^表\\d\n"
    "table column serial 序号\n"
    "table column group 领域\n"
    "table column name 指标(?:名称)?\n"
    "table column unit 单位\n"
    "table column attribute 属性\n"
    "table column value .*基期.* => baseline\n"
    "table column value 目标值 => target\n"
    "table column value 年均增长 => change\n"
    "table column value (?:20\\d\\d)年 => auto\n"
    "table cell binding 约束性\n"
    "table cell expected 预期性\n"
    "table cell empty —\n"
    "table cell unit %|岁|个|亿元|张/千人\n"
    "table cell ratio 率$\n";

static rules *load(void)
{
    rules *r = rules_create();
    assert_non_null(r);
    pm_error e;
    pm_error_clear(&e);
    if (rules_load_string(r, "t.rules", data, strlen(data), &e) != 0)
        fail_msg("%s:%ld:%ld: %s", e.file, e.line, e.column, e.msg);
    assert_true(rules_tables(r));
    return r;
}

/* The rows of doc as "subject|value|unit|role|period|additive|attribute|qualifier|line" lines. */
static void read(const char *doc, int year, int span, char *out, size_t cap)
{
    rules *r = load();
    table *t = table_create(r, NULL);
    assert_non_null(t);
    table_read(t, doc, strlen(doc), year, span);
    size_t n;
    const table_row *rows = table_rows(t, &n);
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && at < cap; i++) {
        const table_row *w = &rows[i];
        at += (size_t)snprintf(out + at, cap - at, "%.*s|%g|%s|%s|%d|%d|%s|%s|%ld\n", (int)(w->name_e - w->name_s),
                               doc + w->name_s, w->value, w->unit, w->role, w->period, w->additive, w->attribute,
                               w->qualifier, w->line);
    }
    table_free(t);
    rules_free(r);
}

static void test_pipes_with_groups(void **state)
{
    (void)state;
    char got[4096];
    read("江川市卫生健康规划\n"
         "表1 主要指标\n"
         "| 领域 | 序号 | 指标名称 | 单位 | 2020年 | 2025年 | 属性 |\n"
         "|---|---|---|---|---|---|---|\n"
         "| 健康水平 | 1 | 人均预期寿命 | 岁 | 78.3 | 79 | 预期性 |\n"
         "| | 2 | 孕产妇死亡率 | % | 9.8 | ≥9.5 | 约束性 |\n"
         "| 服务体系 | 3 | 每千人口床位数 | 张/千人 | — | 7 | 预期性 |\n"
         "| | 4 | 健康素养水平 | % | 22 | 持续提高 | 预期性 |\n"
         "二、主要任务\n",
         2021, 0, got, sizeof got);
    assert_string_equal(got, "人均预期寿命|78.3|岁|baseline|2020|0|expected|=|5\n"
                             "人均预期寿命|79|岁|target|2025|0|expected|=|5\n"
                             "孕产妇死亡率|9.8|%|baseline|2020|0|binding|=|6\n"
                             "孕产妇死亡率|9.5|%|target|2025|0|binding|>=|6\n"
                             "每千人口床位数|7|张/千人|target|2025|0|expected|=|7\n"
                             "健康素养水平|22|%|baseline|2020|0|expected|=|8\n");
}

static void test_tabs_units_in_name(void **state)
{
    (void)state;
    char got[4096];
    /* no unit column: the name's bracket; 亿元 multiplied out; a shifted group cell */
    read("指标\t2024年\t2026年\t属性\n"
         "财政收入（亿元）\t12.5\t14\t预期性\n"
         "民生\t新建学校（个）\t3\t5以上\t约束性\n",
         2026, 0, got, sizeof got);
    assert_string_equal(got, "财政收入|1.25e+09|元|baseline|2024|1|expected|=|2\n"
                             "财政收入|1.4e+09|元|target|2026|1|expected|=|2\n"
                             "新建学校|3|个|baseline|2024|1|binding|=|3\n"
                             "新建学校|5|个|target|2026|1|binding|>=|3\n");
}

static void test_spaces_missing_cell(void **state)
{
    (void)state;
    char got[4096];
    /* runs of spaces: the vanished baseline cell goes by the column it stands under */
    read("指标名称          单位    2023年    2026年\n"
         "学校数            个      40        45\n"
         "新建学校          个                6\n",
         2024, 0, got, sizeof got);
    assert_string_equal(got, "学校数|40|个|baseline|2023|1||=|2\n"
                             "学校数|45|个|target|2026|1||=|2\n"
                             "新建学校|6|个|target|2026|1||=|3\n");
}

static void test_one_cell_per_line(void **state)
{
    (void)state;
    char got[4096];
    /* header cells on lines of their own, 基期 under its year, a growth column, a text cell */
    read("序号\n指标\n单位\n2020年\n（基期）\n目标值\n年均增长\n"
         "1\n人均收入\n元\n30000\n40000\n6左右\n"
         "2\n达标率\n%\n80\n持续提高\n\n"
         "三、保障措施\n加强组织领导，落实责任。\n",
         2021, 2025, got, sizeof got);
    assert_string_equal(got, "人均收入|30000|元|baseline|2020|0||=|11\n"
                             "人均收入|40000|元|target|2025|0||=|12\n"
                             "人均收入|6|%|target|2025|0||~|13\n"
                             "达标率|80|%|baseline|2020|0||=|17\n");
}

static void test_prose_is_no_table(void **state)
{
    (void)state;
    char got[1024];
    /* words of a header inside prose, a header without rows */
    read("全市指标名称统一，单位2020年起调整，新增学位3000个。\n"
         "指标 | 2025年\n"
         "加强组织领导，落实责任。\n",
         2025, 0, got, sizeof got);
    assert_string_equal(got, "");
    rules *r = load();
    table *t = table_create(r, NULL);
    size_t n;
    table_read(t, "x", 1, 0, 0);
    table_tables(t, &n);
    assert_int_equal(n, 0);
    table_rows(t, &n);
    assert_int_equal(n, 0);
    table_free(t);
    table_free(NULL);
    rules_free(r);
}

static void test_heading_ends_table(void **state)
{
    (void)state;
    /* one cell per line: a numbered heading after the last row is the next part, not a cell */
    static const char doc[] = "序号\n指标\n单位\n2025年\n1\n新建学校\n个\n5\n2\n培训教师\n个\n8\n"
                              "三、保障措施\n（一）加强领导\n";
    rules *r = load();
    table *t = table_create(r, NULL);
    table_read(t, doc, strlen(doc), 2025, 0);
    size_t n;
    const table_info *ti = table_tables(t, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ti[0].header, 1);
    assert_int_equal(ti[0].last, 12);
    assert_int_equal(ti[0].ncols, 5); /* a group column before the name, and the four named */
    assert_int_equal(ti[0].col[4].kind, TABLE_VALUE);
    assert_string_equal(ti[0].col[4].role, "target");
    assert_int_equal(ti[0].col[4].period, 2025);
    table_rows(t, &n);
    assert_int_equal(n, 2);
    table_free(t);
    rules_free(r);
}

static void test_key_errors(void **state)
{
    (void)state;
    static const struct { const char *src, *msg; } bad[] = {
        {"table row 指标\n", "'table' needs caption, column or cell"},
        {"table column width 指标\n", "'table column' needs serial, group, name, unit, attribute, note or value"},
        {"table cell colour 红\n", "'table cell' needs binding, expected, empty, unit or ratio"},
        {"table column value 2025年\n", "'table column value' needs 'PATTERN => auto|target|baseline|actual|change|quantity'"},
        {"table column value 2025年 => goal\n", "a table column's role must be auto, target, baseline, actual, change or quantity"},
        {"table column name (指标\n", "missing closing parenthesis"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rules *r = rules_create();
        pm_error e;
        pm_error_clear(&e);
        int rc = rules_load_string(r, "t.rules", bad[i].src, strlen(bad[i].src), &e);
        assert_int_not_equal(rc, 0);
        assert_int_equal(e.line, 1);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("%s: got '%s'", bad[i].src, e.msg);
        rules_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipes_with_groups),
        cmocka_unit_test(test_tabs_units_in_name),
        cmocka_unit_test(test_spaces_missing_cell),
        cmocka_unit_test(test_one_cell_per_line),
        cmocka_unit_test(test_prose_is_no_table),
        cmocka_unit_test(test_heading_ends_table),
        cmocka_unit_test(test_key_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
