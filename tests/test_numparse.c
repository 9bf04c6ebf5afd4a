/* test_numparse.c: table-driven tests for num_parse and num_format.
 * Every input is copied to an exact-size heap buffer without a NUL so ASan sees over-reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/numparse.h"
#include "tests/fuzz/numformat_oracle.h"

/* in: the text; used: the prefix that must be consumed ("" = not a number); value. */
struct pcase {
    const char *in, *used;
    double value;
};

/* Parse in[0..len) from a heap copy with no terminator; returns bytes used. */
static size_t parse_exact(const char *in, size_t len, double *v)
{
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memcpy(buf, in, len);
    size_t n = num_parse(buf, len, v);
    free(buf);
    return n;
}

static void run_cases(const struct pcase *c, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        double v = 42;
        size_t n = parse_exact(c[k].in, strlen(c[k].in), &v);
        if (n != strlen(c[k].used) || (n && v != c[k].value) || (!n && v != 42))
            fail_msg("num_parse(\"%s\") = %zu bytes, %.17g; want %zu bytes (\"%s\"), %.17g",
                     c[k].in, n, v, strlen(c[k].used), c[k].used, n ? c[k].value : 42.0);
        /* The consumed prefix alone must parse the same way. */
        if (n) {
            double w = 0;
            assert_int_equal(parse_exact(c[k].in, n, &w), n);
            assert_true(w == v);
        }
    }
}

#define RUN(table) run_cases(table, sizeof table / sizeof table[0])

static void test_arabic(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "3800个", "3800", 3800 },
        { "0", "0", 0 },
        { "007号", "007", 7 },
        { "4.5", "4.5", 4.5 },
        { "30.4%", "30.4", 30.4 },
        { "0.25倍", "0.25", 0.25 },
        { "0.1", "0.1", 0.1 },
        { "5.", "5", 5 },
        { "5.x", "5", 5 },
        { "2.3.1节", "2.3", 2.3 },
        { "9999999999999", "9999999999999", 9999999999999.0 },
        { "1234567.891", "1234567.891", 1234567.891 },
    };
    RUN(c);
}

static void test_grouping(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "1,500人", "1,500", 1500 },
        { "12,345,678元", "12,345,678", 12345678 },
        { "5,10", "5", 5 },
        { "1,5000", "1", 1 },
        { "1234,567", "1234", 1234 },
        { "1,234,56", "1,234", 1234 },
        { "1,234.5", "1,234.5", 1234.5 },
        { "1,234,", "1,234", 1234 },
        { "77 100", "77 100", 77100 },
        { "77 10", "77", 77 },
        { "77  100", "77", 77 },
        { "1 000 000", "1 000 000", 1000000 },
        { "77\xC2\xA0" "100", "77\xC2\xA0" "100", 77100 },
        { "1\xEF\xBC\x8C" "500", "1\xEF\xBC\x8C" "500", 1500 }, /* 1，500 */
        { "1,000 000", "1,000", 1000 },
        { "1,234万", "1,234万", 12340000 },
    };
    RUN(c);
}

static void test_fullwidth(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "３８００个", "３８００", 3800 },
        { "４．５", "４．５", 4.5 },
        { "４．５万", "４．５万", 45000 },
        { "3８0０", "3８0０", 3800 },
        { "１，２００", "１，２００", 1200 },
        { "５．", "５", 5 },
    };
    RUN(c);
}

static void test_chinese(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "一", "一", 1 },
        { "两个", "两", 2 },
        { "兩", "兩", 2 },
        { "二", "二", 2 },
        { "十", "十", 10 },
        { "十五所", "十五", 15 },
        { "二十三", "二十三", 23 },
        { "一百", "一百", 100 },
        { "一百零五", "一百零五", 105 },
        { "三百零五", "三百零五", 305 },
        { "一千二百", "一千二百", 1200 },
        { "一千零一十", "一千零一十", 1010 },
        { "两万", "两万", 20000 },
        { "三万五千", "三万五千", 35000 },
        { "十二万", "十二万", 120000 },
        { "一亿二千万", "一亿二千万", 120000000 },
        { "三千万", "三千万", 30000000 },
        { "两万亿", "两万亿", 2e12 },
        { "〇", "〇", 0 },
        { "零", "零", 0 },
        { "廿", "廿", 20 },
        { "卅", "卅", 30 },
        { "廿五", "廿五", 25 },
        { "一萬", "一萬", 10000 },
        { "三億", "三億", 300000000 },
        { "兩萬五千", "兩萬五千", 25000 },
        { "一万五", "一万五", 15000 },       /* elided unit: 一万五 = 15000 */
        { "一千五", "一千五", 1500 },
        { "一百零", "一百", 100 },          /* a trailing 零 is not part of the number */
        { "十一五规划", "十一", 11 },
        { "七八十人", "七", 7 },             /* approximate range, not 780 */
        { "五百万千瓦", "五百万", 5000000 },
    };
    RUN(c);
}

static void test_digit_by_digit(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "一二〇", "一二〇", 120 },
        { "二〇一九年", "二〇一九", 2019 },
        { "二零二五", "二零二五", 2025 },
        { "一九九八", "一九九八", 1998 },
        { "三〇", "三〇", 30 },
        { "一二〇万", "一二〇万", 1200000 },
    };
    RUN(c);
}

static void test_multipliers(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "4.5万名", "4.5万", 45000 },
        { "1.2亿", "1.2亿", 120000000 },
        { "3千万", "3千万", 30000000 },
        { "2万亿", "2万亿", 2e12 },
        { "1.5万亿", "1.5万亿", 1.5e12 },
        { "10万亿", "10万亿", 1e13 },
        { "8百", "8百", 800 },
        { "3千", "3千", 3000 },
        { "1500万元", "1500万", 15000000 },
        { "3 万人", "3 万", 30000 },          /* one space before the multiplier */
        { "750多万人次", "750多万", 7500000 },  /* 多/余 before a multiplier */
        { "3000余万元", "3000余万", 30000000 },
        { "5余人", "5", 5 },                  /* 余 without a multiplier is not read */
        { "5十万", "5十万", 500000 },        /* 十万 is a multiplier */
        { "5十", "5", 5 },                   /* 十 alone is not */
        { "0.0005亿", "0.0005亿", 50000 },
        { "3.14159万", "3.14159万", 31415.9 },
        { "3千瓦", "3", 3 },                 /* kilowatt, not 3000 瓦 */
        { "5千米", "5", 5 },
        { "2千兆", "2", 2 },
        { "500万千瓦", "500万", 5000000 },
        { "3千万千瓦", "3千万", 30000000 },
        { "2萬", "2萬", 20000 },
        { "7億", "7億", 700000000 },
        /* a whole 万 or 亿 and the rest below it (Taiwan: 1 萬 2,000) */
        { "1万2000人", "1万2000", 12000 },
        { "1 萬 2,000 人次", "1 萬 2,000", 12000 },
        { "4萬5000人", "4萬5000", 45000 },
        { "1亿2000万元", "1亿2000万", 120000000 },
        { "1.5万2000", "1.5万", 15000 },      /* not after a decimal */
        { "1万20000", "1万", 10000 },         /* not when the rest is a 万 or more */
    };
    RUN(c);
}

static void test_percent(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "百分之三十", "百分之三十", 30 },
        { "百分之12.5以上", "百分之12.5", 12.5 },
        { "百分之五十五", "百分之五十五", 55 },
        { "百分之百", "百分之百", 100 },
        { "百分之", "", 0 },
        { "百分之多少", "", 0 },
    };
    RUN(c);
}

static void test_not_numbers(void **state)
{
    (void)state;
    static const struct pcase c[] = {
        { "", "", 0 },       { "个", "", 0 },     { "abc", "", 0 },   { ".", "", 0 },
        { ".5", "", 0 },     { "亿元", "亿", 1e8 },  { "万", "万", 1e4 },  { "百姓", "百", 100 },
        { "千万", "千", 1000 },   { ",500", "", 0 },   { " 5", "", 0 },    { "-3", "", 0 },
    };
    RUN(c);
}

/* len is honoured even when the text goes on, and cut UTF-8 is not a number. */
static void test_length_limit(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(parse_exact("1500", 2, &v), 2);
    assert_true(v == 15);
    assert_int_equal(parse_exact("4.5", 2, &v), 1);
    assert_true(v == 4);
    assert_int_equal(parse_exact("1,500", 4, &v), 1);
    assert_true(v == 1);
    assert_int_equal(parse_exact("一百", 4, &v), 3); /* 百 cut after one byte */
    assert_true(v == 1);
    assert_int_equal(parse_exact("4.5万", 4, &v), 3);
    assert_true(v == 4.5);
    v = 42;
    assert_int_equal(parse_exact("一", 2, &v), 0);
    assert_int_equal(parse_exact("百分之三十", 8, &v), 3); /* only a bare 百 fits */
    assert_true(v == 100);
    v = 42;
    assert_int_equal(parse_exact("\xC0\xB1", 2, &v), 0); /* overlong '1' */
    assert_true(v == 42);
    assert_int_equal(num_parse(NULL, 0, &v), 0);
}

struct fcase {
    double v;
    const char *out;
};

static void test_format(void **state)
{
    (void)state;
    static const struct fcase c[] = {
        { 45000, "45000" },       { 72.5, "72.5" },
        { 0.25, "0.25" },         { 1e10, "10000000000" },
        { 1.5e12, "1500000000000" }, { -3, "-3" },
        { 0, "0" },               { 100, "100" },
        { 0.1234567, "0.1234567" }, { 1.0000004, "1.0000004" },
        { -0.0000001, "-0.0000001" }, { 0.000001, "0.000001" },
        /* 15 significant digits: what a double holds of any decimal */
        { 1.0 / 3, "0.333333333333333" }, { 2.0 / 3 * 1e6, "666666.666666667" },
        { 123456789.0123456, "123456789.012346" }, { NAN, "nan" }, { INFINITY, "inf" }, { -INFINITY, "-inf" }, { 1e69,
          "1000000000000000000000000000000000000000000000000000000000000000000000" },
        { -72.25, "-72.25" },     { 1e13, "10000000000000" },
        { 0.1 + 0.2, "0.3" },     { 9999999999999.5, "9999999999999.5" },
        /* whole numbers take a path without printf: both sides of its limit */
        { -0.0, "0" },            { -120000000, "-120000000" },
        { 999999999999999, "999999999999999" }, { 1e15, "1000000000000000" },
        { -1e15, "-1000000000000000" }, { 1e20, "100000000000000000000" },
    };
    char buf[NUM_FORMAT_MAX];
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        int n = num_format(c[k].v, buf, sizeof buf);
        assert_string_equal(buf, c[k].out);
        assert_int_equal(n, strlen(c[k].out));
    }
}

static double pow10_small(int e)
{
    double p = 1;
    while (e-- > 0)
        p *= 10;
    return p;
}

static void test_format_truncates(void **state)
{
    (void)state;
    char buf[4];
    assert_int_equal(num_format(45000.5, buf, sizeof buf), 7);
    assert_string_equal(buf, "450");
    assert_int_equal(num_format(1.5e12, NULL, 0), 13);
    assert_int_equal(num_format(45000, buf, sizeof buf), 5);
    assert_string_equal(buf, "450");
}

/* The printf-free paths agree with %.6f everywhere, ties and edges included. */
static void test_format_agrees(void **state)
{
    (void)state;
    static const double edge[] = {0.5, 0.0000005, 0.0000015, 0.0000025, -0.0000005, -0.0000004, 1e-7,
                                  0.1234565, 2.5e-6, 99999999.9999995, 1e8 - 1e-7, 1e8, -1e8 + 0.5,
                                  30.4, 44.3, 0.045, 1.005, 123456.789, 4503599627370495.5, 1e15 + 0.5};
    char got[NUM_FORMAT_MAX], want[400];
    for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++) {
        num_format(edge[k], got, sizeof got);
        numformat_oracle(edge[k], want);
        assert_string_equal(got, want);
    }
    /* values as documents write them: up to 7 decimals, times the unit scales */
    static const double scale[] = {1, 0.01, 10000, 1e8, 1e-4};
    uint64_t seed = 88172645463325252ULL;
    for (int k = 0; k < 200000; k++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        double v = (double)(seed % 100000000) / (double)(1ULL << (seed >> 40) % 24);
        v = (seed >> 60 & 1 ? -v : v) / pow10_small((int)(seed >> 32) % 8) * scale[(seed >> 20) % 5];
        num_format(v, got, sizeof got);
        numformat_oracle(v, want);
        if (strcmp(got, want) != 0)
            fail_msg("num_format(%.17g) gave '%s', %%.15g gives '%s'", v, got, want);
    }
}

/* Digits beyond what a double keeps are never cut silently: NaN (no row); too large: inf. */
static void test_digits_kept(void **state)
{
    (void)state;
    double v;
    /* also when the digits come in two parts: 亿 and the rest below it (fuzz_numparse found
     * 103998999億998008 written as 10399899900998000), or sixteen positional numerals */
    const char *lost[] = {"12345678901234567", "1.23456789012345678亿", "1234567890123456.5",
                          "一二三四五六七八九一二三四五六七八", "103998999億998008", "123456789012万1234",
                          "九千九百九十九万九千九百九十九亿九千九百九十九万九千九百九十九"};
    for (size_t k = 0; k < sizeof lost / sizeof lost[0]; k++) {
        size_t n = strlen(lost[k]);
        assert_int_equal(num_parse(lost[k], n, &v), n);
        assert_true(isnan(v));
    }
    char big[420];
    memset(big, '0', sizeof big - 1);
    big[0] = '1';
    big[sizeof big - 1] = '\0';
    assert_int_equal(num_parse(big, strlen(big), &v), strlen(big));
    assert_true(isinf(v));
    /* 15 significant digits, zeros around them free: exact, whatever the magnitude */
    struct { const char *in, *out; } ok[] = {
        {"123456789012345", "123456789012345"}, {"1.23456789012345亿", "123456789.012345"},
        {"0.00000000000000123456789012345", "0.00000000000000123456789012345"},
        {"1000000000000000000000000000000000000000000000000000000000000000000000",
         "1000000000000000000000000000000000000000000000000000000000000000000000"},
        {"9,999,999,999,999", "9999999999999"}, {"1.500", "1.5"}, {"0.0000001", "0.0000001"},
        {"1234567亿12345678", "123456712345678"}, {"九千九百九十九万九千九百九十九亿", "9999999900000000"},
        {"1亿2000万", "120000000"}, {"70000001811亿4030000", "7000000181104030000"},
    };
    char buf[NUM_FORMAT_MAX];
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        assert_int_equal(num_parse(ok[k].in, strlen(ok[k].in), &v), strlen(ok[k].in));
        num_format(v, buf, sizeof buf);
        assert_string_equal(buf, ok[k].out);
    }
    /* the longest outputs fit NUM_FORMAT_MAX */
    assert_true(num_format(-DBL_MAX, buf, sizeof buf) < (int)sizeof buf);
    assert_true(num_format(-4.9406564584124654e-324, buf, sizeof buf) < (int)sizeof buf);
    assert_string_equal(buf + strlen(buf) - 15, "494065645841247");
    num_format(1e-300, buf, sizeof buf); /* 0. then 299 zeros, then 1 */
    assert_int_equal(strlen(buf), 302);
    assert_int_equal(strspn(buf + 2, "0"), 299);
    assert_string_equal(buf + 301, "1");
}

/* Any number of up to 15 significant digits, with a point anywhere and 万 or 亿 after it,
 * comes out of num_parse and num_format as written (the point moved, zeros dropped). */
static void test_written_digits_come_back(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char in[64], want[96], got[NUM_FORMAT_MAX];
    for (int k = 0; k < 100000; k++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        int nd = 1 + (int)(seed % 15), point = (int)((seed >> 8) % (uint64_t)(nd + 1)), mul = (int)((seed >> 16) % 3);
        char dig[16];
        for (int i = 0; i < nd; i++)
            dig[i] = (char)('0' + (seed >> (20 + 3 * (i % 14))) % 10);
        dig[0] = (char)('1' + dig[0] % 9); /* no leading zero, so the digits are significant */
        /* the number as written: d..d[.d..d][万|亿] */
        int n = 0;
        for (int i = 0; i < nd; i++) {
            if (i == point && point > 0 && point < nd)
                in[n++] = '.';
            in[n++] = dig[i];
        }
        int ip = point > 0 && point < nd ? point : nd; /* integer digits */
        in[n] = '\0';
        strcat(in, mul == 1 ? "万" : mul == 2 ? "亿" : "");
        /* the expected decimal: the point moved right by 0, 4 or 8 */
        int shift = mul * 4, intd = ip + shift, w = 0;
        char all[40];
        for (int i = 0; i < nd; i++)
            all[i] = dig[i];
        int tot = nd;
        while (tot < intd)
            all[tot++] = '0';
        while (tot > intd && all[tot - 1] == '0')
            tot--;
        for (int i = 0; i < tot; i++) {
            if (i == intd)
                want[w++] = '.';
            want[w++] = all[i];
        }
        want[w] = '\0';
        double v;
        assert_int_equal(num_parse(in, strlen(in), &v), strlen(in));
        num_format(v, got, sizeof got);
        if (strcmp(got, want) != 0)
            fail_msg("'%s' came back as '%s', not '%s'", in, got, want);
        assert_true(strtod(got, NULL) == v);
    }
}

/* Parsed values print back as plain numbers. */
static void test_roundtrip(void **state)
{
    (void)state;
    static const char *in[] = { "4.5万", "12,345,678", "百分之12.5", "一亿二千万", "0.0005亿" };
    static const char *out[] = { "45000", "12345678", "12.5", "120000000", "50000" };
    char buf[32];
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++) {
        double v;
        assert_true(num_parse(in[k], strlen(in[k]), &v) > 0);
        num_format(v, buf, sizeof buf);
        assert_string_equal(buf, out[k]);
    }
}

static void test_numeral(void **state)
{
    (void)state;
    assert_int_equal(num_numeral("3所", 4), 1);
    assert_int_equal(num_numeral("万人", 6), 3);
    assert_int_equal(num_numeral("〇", 3), 3);
    assert_int_equal(num_numeral("廿", 3), 3);
    assert_int_equal(num_numeral("元", 3), 0);
    assert_int_equal(num_numeral("万", 2), 0); /* cut short */
    assert_int_equal(num_numeral("x", 0), 0);
    assert_int_equal(num_numeral("３", 3), 0); /* full-width: normalised before matching */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arabic),          cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_fullwidth),       cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_digit_by_digit),  cmocka_unit_test(test_multipliers),
        cmocka_unit_test(test_percent),         cmocka_unit_test(test_not_numbers),
        cmocka_unit_test(test_length_limit),    cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncates), cmocka_unit_test(test_format_agrees),
        cmocka_unit_test(test_roundtrip),        cmocka_unit_test(test_digits_kept),
        cmocka_unit_test(test_written_digits_come_back),
        cmocka_unit_test(test_numeral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
