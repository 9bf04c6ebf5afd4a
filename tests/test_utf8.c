/* test_utf8.c: cmocka tests of the strict decoder (invalid, overlong, surrogate and cut
 * sequences are one byte) and of display widths (CJK 2, combining 0, curly quotes 1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/utf8.h"

static size_t next(const char *s, size_t n, uint32_t *cp)
{
    return utf8_next((const unsigned char *)s, n, cp);
}

static void test_strict_decoder(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(next("学", 3, &cp), 3);
    assert_int_equal(cp, 0x5B66);
    assert_int_equal(next("\xF0\x9F\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(next("学", 2, &cp), 1); /* cut short */
    assert_int_equal(cp, UTF8_BAD);
    assert_int_equal(next("\xC0\xAF", 2, &cp), 1); /* overlong */
    assert_int_equal(cp, UTF8_BAD);
    assert_int_equal(next("\xED\xA0\x80", 3, &cp), 1); /* surrogate */
    assert_int_equal(cp, UTF8_BAD);
    assert_int_equal(next("\xF4\x90\x80\x80", 4, &cp), 1); /* above U+10FFFF */
    assert_int_equal(cp, UTF8_BAD);
    assert_int_equal(next("\x80", 1, &cp), 1);
    assert_int_equal(cp, UTF8_BAD);
}

static void test_widths(void **state)
{
    (void)state;
    assert_int_equal(utf8_width("abc", 3), 3);
    assert_int_equal(utf8_width("学位", strlen("学位")), 4);
    assert_int_equal(utf8_width("，（）", strlen("，（）")), 6);      /* full-width */
    assert_int_equal(utf8_width("“双减”…", strlen("“双减”…")), 7);   /* quotes and ellipsis: 1 */
    assert_int_equal(utf8_width("e\xCC\x81", 3), 1);                  /* combining acute */
    assert_int_equal(utf8_width("\xFF" "a", 2), 2);                   /* a bad byte is 1 */
    assert_int_equal(utf8_width_chars("“双减”x", 3), 5);
    assert_int_equal(utf8_width_chars("ab", 10), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_decoder),
        cmocka_unit_test(test_widths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
