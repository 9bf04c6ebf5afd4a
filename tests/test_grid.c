/* test_grid.c: cmocka tests of output/grid - the result table and its CSV, Markdown and
 * JSON renderings (widths by display columns, empty cells, numeric columns). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/grid.h"

/* city | count: 临江市 3, "a|b" with no count. */
static grid *sample(void)
{
    grid *g = grid_create(2);
    grid_head(g, 0, "city", 0);
    grid_head(g, 1, "count", 1);
    size_t r = grid_add_row(g);
    grid_put(g, r, 0, "临江市");
    grid_put(g, r, 1, "3");
    r = grid_add_row(g);
    grid_set(g, r, 0, strdup("a|b\n")); /* handed over */
    return g;
}

static char *render(const grid *g, int format)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&buf, &n);
    assert_non_null(out);
    assert_int_equal(grid_write(g, out, format), 0);
    fclose(out);
    return buf;
}

static void test_csv(void **state)
{
    (void)state;
    grid *g = sample();
    char *s = render(g, GRID_CSV);
    assert_string_equal(s, "city,count\n临江市,3\n\"a|b\n\",\n");
    free(s);
    grid_free(g);
    grid_free(NULL);
}

/* 临江市 is 6 columns wide: the widest cell of its column. */
static void test_markdown(void **state)
{
    (void)state;
    grid *g = sample();
    char *s = render(g, GRID_MD);
    assert_string_equal(s, "| city   | count |\n"
                           "| ------ | ----: |\n"
                           "| 临江市 |     3 |\n"
                           "| a\\|b   |       |\n");
    free(s);
    grid_free(g);
}

static void test_json(void **state)
{
    (void)state;
    grid *g = sample();
    char *s = render(g, GRID_JSON);
    assert_string_equal(s, "[\n  {\"city\": \"临江市\", \"count\": 3},\n"
                           "  {\"city\": \"a|b\\n\", \"count\": null}\n]\n");
    free(s);
    grid_free(g);
    g = grid_create(1);
    grid_head(g, 0, "x", 0);
    s = render(g, GRID_JSON);
    assert_string_equal(s, "[]\n");
    free(s);
    grid_free(g);
}

static void test_rows(void **state)
{
    (void)state;
    grid *g = sample();
    assert_int_equal(grid_rows(g), 2);
    grid_put(g, 1, 1, "4"); /* a cell set again replaces the old one */
    char *s = render(g, GRID_CSV);
    assert_string_equal(s, "city,count\n临江市,3\n\"a|b\n\",4\n");
    free(s);
    grid_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
