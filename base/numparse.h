/* numparse.h: numbers as written in Chinese plan documents -> values in base units.
 * Pure functions, no allocation: Arabic, full-width, grouped, decimal, Chinese numerals, 万/亿. */
#ifndef PM_NUMPARSE_H
#define PM_NUMPARSE_H

#include <stddef.h>

/* Parse the number at s[0..len) (UTF-8). Accepts:
 *   ASCII and full-width digits (3800, ３８００), decimals (4.5, ４．５),
 *   digit groups separated by ',' '，' ' ' or U+00A0 when followed by exactly
 *   three digits (1,500  77 100), Chinese numerals simplified and traditional
 *   (一千二百, 两万, 十五, 三百零五, 〇/零, 兩, 廿 = 20, 卅 = 30, 萬, 億),
 *   a bare 百/千/万/亿 as one of it (近万人 -> 10000; the rules decide where it may stand),
 *   digit-by-digit Chinese (一二〇 = 120), 百分之N (N percent: value N),
 *   and a trailing multiplier after either form: 百 千 万 亿 十万 百万 千万 万亿
 *   (4.5万 = 45000, 1.2亿 = 120000000, 3千万 = 30000000), also after one space (3 万) or
 *   after 多/余 (750多万 = 7500000: the caller reads the qualifier), and a whole number of
 *   万 or 亿 followed by the rest below it (1万2000 = 12000, 1 萬 2,000 = 12000,
 *   1亿2000万 = 120000000).
 * Details: groups need a 1-3 digit lead and one separator kind (1234,567 = 1234);
 * digit-by-digit needs 3+ digits or a 〇/零 (七八十 is 7, not 780);
 * an elided last unit counts (一万五 = 15000, 一千零五 = 1005); 十 alone is not a
 * multiplier after Arabic digits (5十万 = 500000, 5十 = 5); 千 before 米 克 瓦 伏
 * 兆 帕 焦 赫 is a metric prefix, not a multiplier (3千瓦 = 3); 百分之百 = 100.
 * Not handled: Chinese decimals (三点五), 大写 numerals (壹贰), signs.
 * On success stores the value in *value and returns the number of bytes used
 * (the longest prefix that is a number). Returns 0 when s does not start with
 * a number; *value is then untouched. A number of more than NUM_DIGITS significant
 * digits (12345678901234567, 1.23456789012345678亿) is read, but its value is NaN:
 * a double cannot keep it, and a caller makes no row of it. One too large for a
 * double (310 digits) is infinite. */
size_t num_parse(const char *s, size_t len, double *value);

/* Significant digits a value keeps: a double holds any decimal of 15 exactly. */
#define NUM_DIGITS 15

/* Room num_format needs for any finite double, with the terminating NUL. */
#define NUM_FORMAT_MAX 352

/* Length in bytes of the numeral character at s[0..avail): an ASCII digit (1) or
 * one of 〇零一二两三四五六七八九十百千万亿廿卅 (3); 0 for anything else. Numbers
 * start at numerals: the engine tries its rules there. */
size_t num_numeral(const char *s, size_t avail);

/* Write v as plain decimal rounded to NUM_DIGITS significant digits: no exponent,
 * no separators, no trailing zeros (45000, 72.5, 0.25, 0.0000001). A value read
 * by num_parse (at most NUM_DIGITS digits, times a power of ten) comes out as
 * written, and strtod reads the text back to the same double. Non-finite v gives
 * "nan", "inf" or "-inf"; callers keep those out of their output. Returns the
 * length written (like snprintf: >= n when cut; NUM_FORMAT_MAX bytes never cut). */
int num_format(double v, char *buf, size_t n);

#endif
