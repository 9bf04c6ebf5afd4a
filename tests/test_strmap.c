/* test_strmap.c: cmocka tests of interned strings - dense ids in order of first sight,
 * stable copies across growth, bytes compared exactly (NULs inside included). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/strmap.h"

static void test_ids_are_dense_and_stable(void **state)
{
    (void)state;
    strmap *m = strmap_create();
    size_t id;
    assert_int_equal(strmap_put(m, "学位", strlen("学位"), &id), 1);
    assert_int_equal(id, 0);
    const char *first = strmap_str(m, 0);
    char buf[32];
    for (int i = 0; i < 5000; i++) { /* several rehashes */
        int n = snprintf(buf, sizeof buf, "key%d", i);
        assert_int_equal(strmap_put(m, buf, (size_t)n, &id), 1);
        assert_int_equal(id, (size_t)i + 1);
    }
    assert_ptr_equal(strmap_str(m, 0), first); /* the copy did not move */
    assert_int_equal(strmap_put(m, "key42", 5, &id), 0);
    assert_int_equal(id, 43);
    assert_int_equal(strmap_count(m), 5001);
    assert_int_equal(strmap_find(m, "key4999", 7, &id), 1);
    assert_int_equal(id, 5000);
    assert_int_equal(strmap_find(m, "key5000", 7, &id), 0);
    strmap_free(m);
    strmap_free(NULL);
}

static void test_bytes_compared_exactly(void **state)
{
    (void)state;
    strmap *m = strmap_create();
    size_t a, b, c;
    assert_int_equal(strmap_put(m, "a\0b", 3, &a), 1);
    assert_int_equal(strmap_put(m, "a\0c", 3, &b), 1);
    assert_int_equal(strmap_put(m, "a", 1, &c), 1);
    assert_true(a != b && b != c);
    assert_int_equal(strmap_len(m, a), 3);
    assert_memory_equal(strmap_str(m, b), "a\0c", 4); /* NUL-terminated copy */
    size_t e;
    assert_int_equal(strmap_find(m, "", 0, &e), 0);
    assert_int_equal(strmap_put(m, "", 0, &e), 1);
    assert_string_equal(strmap_str(m, e), "");
    strmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_are_dense_and_stable),
        cmocka_unit_test(test_bytes_compared_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
