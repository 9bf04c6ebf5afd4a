/* test_punct.c: cmocka tests of the shared punctuation list - indices follow the list, the
 * sentence stops are the ones the row builder cuts contexts at, and prefilter's byte test holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/punct.h"
#include "base/utf8.h"

#define CP(i, c, f) c,
static const uint32_t cps[] = {PUNCT_SEPARATORS(CP)};
#undef CP

static void test_index_is_place_in_list(void **state)
{
    (void)state;
    assert_int_equal(sizeof cps / sizeof cps[0], PUNCT_COUNT);
    assert_true(PUNCT_COUNT <= 32); /* a separator is a bit of a uint32_t */
    for (int i = 0; i < PUNCT_COUNT; i++)
        assert_int_equal(punct_index(cps[i]), i);
    assert_int_equal(punct_index('a'), -1);
    assert_int_equal(punct_index(0x4E00), -1); /* 一 */
}

static void test_sentence_stops(void **state)
{
    (void)state;
    static const char *stops[] = {"。", "！", "？", "；", "!", "?", ";"};
    static const char *others[] = {"，", "、", "：", ",", ":", " ", "（", "“", "a", "中"};
    size_t n;
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        uint32_t cp = utf8_decode((const unsigned char *)stops[i], strlen(stops[i]), &n);
        assert_true(punct_flags(cp) & PUNCT_STOP);
        assert_true(punct_index(cp) >= 0); /* every stop is a separator too */
    }
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        uint32_t cp = utf8_decode((const unsigned char *)others[i], strlen(others[i]), &n);
        assert_false(punct_flags(cp) & PUNCT_STOP);
    }
}

/* Scanners look up only characters that are ASCII or start with E2, E3 or EF (punct_lead). */
static void test_separators_lead_bytes(void **state)
{
    (void)state;
    for (int i = 0; i < PUNCT_COUNT; i++) {
        uint32_t c = cps[i];
        int lead = c < 0x80 ? 0 : c >= 0x800 && c < 0x10000 ? 0xE0 | (int)(c >> 12) : -1;
        assert_true(lead == 0 || lead == 0xE2 || lead == 0xE3 || lead == 0xEF);
        assert_true(punct_lead((unsigned char)(c < 0x80 ? c : (uint32_t)lead)));
    }
    assert_false(punct_lead(0xE4)); /* 一 .. 龥 start with E4 .. E9 */
    assert_false(punct_lead(0xE9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_is_place_in_list),
        cmocka_unit_test(test_sentence_stops),
        cmocka_unit_test(test_separators_lead_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
