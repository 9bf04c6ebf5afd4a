/* test_rxwords.c: cmocka tests of reading a named group's literal words from pattern
 * source - plain lists, escapes, (?:...) prefixes, assertions, and what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ruleset/rxwords.h"

/* The words of src's group `unit`, joined with spaces ("" for none). */
static char *words(const char *src)
{
    static char out[512];
    char **w;
    size_t n = rxwords_group(src, "unit", &w);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, w[i]);
        free(w[i]);
    }
    free(w);
    if (!n)
        assert_null(w);
    return out;
}

static void test_group_words(void **state)
{
    (void)state;
    static const struct { const char *src, *want; } cases[] = {
        {"(?<value>\\d+)(?<unit>个|所|名)", "个 所 名"},
        {"(?<unit>个|所)\\d(?<unit>所|处)", "个 所 处"},  /* every group, each word once */
        {"(?<unit>万元\\/年|\\%)", "万元/年 %"},           /* escaped punctuation is literal */
        {"(?<unit>(?:万吨|吨)(?:/年|/日)?)", "万吨 吨"},    /* a word list that goes on */
        {"(?<unit>(?:公里|米)[/]小时|个)", "公里 米 个"},
        {"(?<unit>所(?!长)|处)", "所 处"},                 /* assertions consume nothing */
        {"(?<unit>(?:万吨|吨)?x)", ""},                     /* an optional list: no words */
        {"(?<unit>[吨斤])", ""},                            /* a class */
        {"(?<unit>个|)", ""},                               /* an empty alternative */
        {"(?<unit>个|所", ""},                              /* unbalanced */
        {"(?<value>\\d+)", ""},                             /* no such group */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = words(cases[i].src);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: '%s', want '%s'", cases[i].src, got, cases[i].want);
    }
}

static void test_other_names(void **state)
{
    (void)state;
    char **w;
    size_t n = rxwords_group("(?<action>新建|改造)(?<unit>个)", "action", &w);
    assert_int_equal(n, 2);
    assert_string_equal(w[0], "新建");
    assert_string_equal(w[1], "改造");
    free(w[0]);
    free(w[1]);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_words),
        cmocka_unit_test(test_other_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
