/* test_csvread.c: cmocka tests of the located CSV reader - fields by name in any order,
 * optional columns, a header that may be data, and errors at file:line:column. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "output/csvread.h"

static FILE *text(const char *s)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    fputs(s, fp);
    rewind(fp);
    return fp;
}

static const char *const want[] = {"value", "unit", "note"};
static const unsigned char optional[] = {0, 0, 1};

static void test_fields_by_name_in_any_order(void **state)
{
    (void)state;
    FILE *fp = text("\xEF\xBB\xBFunit,extra,value\r\n名,x,\"3,800\"\r\n\r\n人次,,8000\n");
    pm_error err;
    pm_error_clear(&err);
    csvread *r;
    assert_int_equal(csvread_open(&r, fp, "t.csv", want, optional, 3, 0, &err), PM_OK);
    const char *const *f;
    const size_t *len;
    assert_int_equal(csvread_next(r, &f, &len), 1);
    assert_string_equal(f[0], "3,800");
    assert_int_equal(len[0], 5);
    assert_string_equal(f[1], "名");
    assert_null(f[2]); /* optional and absent */
    assert_int_equal(csvread_next(r, &f, &len), 1); /* the blank line is no record */
    assert_string_equal(f[0], "8000");
    assert_string_equal(f[1], "人次");
    assert_int_equal(csvread_next(r, &f, &len), 0);
    csvread_free(r);
    fclose(fp);
}

static void test_missing_column_and_short_record(void **state)
{
    (void)state;
    FILE *fp = text("value,note\n1,a\n");
    pm_error err;
    pm_error_clear(&err);
    csvread *r = NULL;
    assert_int_equal(csvread_open(&r, fp, "t.csv", want, optional, 3, 0, &err), PM_ERR_SYNTAX);
    assert_null(r);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.msg, "missing column 'unit'");
    fclose(fp);

    fp = text("value,unit\n1,名\n2\n");
    assert_int_equal(csvread_open(&r, fp, "t.csv", want, optional, 3, 0, &err), PM_OK);
    const char *const *f;
    const size_t *len;
    assert_int_equal(csvread_next(r, &f, &len), 1);
    assert_int_equal(csvread_next(r, &f, &len), PM_ERR_SYNTAX);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.msg, "record has no field 'unit' (only 1 field)");
    csvread_free(r);
    fclose(fp);
}

static void test_fail_names_the_field(void **state)
{
    (void)state;
    FILE *fp = text("unit,value\n“万人”,  abc\n");
    pm_error err;
    pm_error_clear(&err);
    csvread *r;
    assert_int_equal(csvread_open(&r, fp, "t.csv", want, optional, 3, 0, &err), PM_OK);
    const char *const *f;
    const size_t *len;
    assert_int_equal(csvread_next(r, &f, &len), 1);
    assert_int_equal(csvread_fail(r, 0, PM_ERR_SYNTAX, "value '%s' is not a number", f[0]), PM_ERR_SYNTAX);
    assert_string_equal(err.file, "t.csv");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 8); /* characters, after the blanks: “万人”, is 5 */
    assert_string_equal(err.source, "“万人”,  abc");
    assert_int_equal(csvread_next(r, &f, &len), PM_ERR_SYNTAX); /* stays failed */
    csvread_free(r);
    fclose(fp);
}

static void test_header_optional_reads_first_row_as_data(void **state)
{
    (void)state;
    static const char *const mw[] = {"file", "city", "year"};
    FILE *fp = text("a.txt,南屏县,2030\nb.txt,临江区,2031");
    pm_error err;
    pm_error_clear(&err);
    csvread *r;
    assert_int_equal(csvread_open(&r, fp, "m.csv", mw, NULL, 3, CSVREAD_HEADER_OPTIONAL, &err), PM_OK);
    const char *const *f;
    const size_t *len;
    assert_int_equal(csvread_next(r, &f, &len), 1);
    assert_string_equal(f[0], "a.txt");
    assert_string_equal(f[1], "南屏县");
    assert_int_equal(csvread_next(r, &f, &len), 1); /* no line break at the end */
    assert_string_equal(f[2], "2031");
    assert_int_equal(csvread_next(r, &f, &len), 0);
    csvread_free(r);
    fclose(fp);
}

static void test_bad_quotes_are_located(void **state)
{
    (void)state;
    FILE *fp = text("value,unit\n1,名\"x\n");
    pm_error err;
    pm_error_clear(&err);
    csvread *r;
    assert_int_equal(csvread_open(&r, fp, "t.csv", want, optional, 3, 0, &err), PM_OK);
    const char *const *f;
    const size_t *len;
    assert_int_equal(csvread_next(r, &f, &len), PM_ERR_SYNTAX);
    assert_string_equal(err.msg, "misplaced quote");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 4);
    csvread_free(r);
    fclose(fp);

    fp = text("value,unit\n\"1,名\n");
    assert_int_equal(csvread_open(&r, fp, "t.csv", want, optional, 3, 0, &err), PM_OK);
    assert_int_equal(csvread_next(r, &f, &len), PM_ERR_SYNTAX);
    assert_string_equal(err.msg, "unterminated quoted field at end of input");
    csvread_free(r);
    fclose(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_by_name_in_any_order),
        cmocka_unit_test(test_missing_column_and_short_record),
        cmocka_unit_test(test_fail_names_the_field),
        cmocka_unit_test(test_header_optional_reads_first_row_as_data),
        cmocka_unit_test(test_bad_quotes_are_located),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
