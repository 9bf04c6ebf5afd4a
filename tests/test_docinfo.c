/* test_docinfo.c: the place and year read from title lines, and the heading path
 * of each line (the `section` column). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "text/docinfo.h"

static const struct {
    const char *doc;
    const char *city, *year;
} titles[] = {
    {"当前位置：首页 > 计划\n临川市教育局2023年工作要点\n正文", "临川市", "2023"},
    {"2026年西湾市政府工作报告\n——在西湾市第九届人民代表大会上", "西湾市", "2026"},
    {"云岫州人民政府关于印发云岫州交通三年行动计划（2024—2026年）的通知\n", "云岫州", "2024"},
    {"政府工作报告\n——2026年1月20日在南屿省第十四届人民代表大会第五次会议上\n", "南屿省", "2026"},
    {"政府工作报告\n南屿省省长 某某\n2026-01-31\n", "南屿省", "2026"},
    {"某市教育局2019年工作要点\n", "", "2019"},
    {"xx市教育局xxxx年工作要点\n", "", ""},
    /* Taiwan: a year of the Republic (113 = 2024) and 计画 */
    {"台中市政府教育局113年度施政计画\n", "台中市", "2024"},
    {"新北市民国112年教育计画\n", "新北市", "2023"},
    {"新建学校3所。\n2018年完成。\n", "", ""},
    {"", "", ""},
};

static void test_titles(void **state)
{
    (void)state;
    docinfo *d = docinfo_create();
    assert_non_null(d);
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        char city[96], year[8];
        docinfo_title(d, titles[i].doc, strlen(titles[i].doc), city, sizeof city, year, sizeof year);
        if (strcmp(city, titles[i].city) != 0 || strcmp(year, titles[i].year) != 0)
            fail_msg("case %zu: got '%s' '%s', expected '%s' '%s'", i, city, year, titles[i].city, titles[i].year);
    }
    docinfo_free(d);
    docinfo_free(NULL);
}

static void feed(docinfo *d, const char *line)
{
    docinfo_line(d, line, strlen(line), line, strlen(line));
}

static void test_heading_path(void **state)
{
    (void)state;
    docinfo *d = docinfo_create();
    docinfo_reset(d);
    assert_string_equal(docinfo_section(d), "");
    feed(d, "一、扩大资源供给");
    feed(d, "（一）学前教育。新建幼儿园6所。");
    assert_string_equal(docinfo_section(d), "一、扩大资源供给 > （一）学前教育");
    feed(d, "新建学校3所。"); /* not a heading: the path stays */
    assert_string_equal(docinfo_section(d), "一、扩大资源供给 > （一）学前教育");
    feed(d, "1.小学。新增学位800个。");
    assert_string_equal(docinfo_section(d), "一、扩大资源供给 > （一）学前教育 > 1.小学");
    feed(d, "\xC2\xA0\xC2\xA0二、队伍建设"); /* no-break spaces before a heading */
    assert_string_equal(docinfo_section(d), "二、队伍建设");
    feed(d, "（三）全年培训教师2000人次，招聘新教师150名，安排专项资金1500万元。");
    assert_string_equal(docinfo_section(d), "二、队伍建设 > （三）全年培训教师2000人次");
    feed(d, "1.5万名学生参加活动。"); /* 1.5 is a number, not a heading */
    assert_string_equal(docinfo_section(d), "二、队伍建设 > （三）全年培训教师2000人次");
    docinfo_reset(d);
    assert_string_equal(docinfo_section(d), "");
    docinfo_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_titles),
        cmocka_unit_test(test_heading_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
