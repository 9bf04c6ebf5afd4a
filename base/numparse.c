/* numparse.c: Arabic, full-width and Chinese numerals (with 万/亿 multipliers) to doubles.
 * Works on code points decoded on the fly; never reads past len, never allocates. */
#include "base/numparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* Code point at s[i..len) with its byte length in *n; -1 at the end or on bad UTF-8. */
static long cp_at(const char *s, size_t len, size_t i, size_t *n)
{
    static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    const unsigned char *p = (const unsigned char *)s + i;
    size_t k;
    long c;

    if (i >= len)
        return -1;
    if (p[0] < 0x80)
        k = 1, c = p[0];
    else if ((p[0] & 0xE0) == 0xC0)
        k = 2, c = p[0] & 0x1F;
    else if ((p[0] & 0xF0) == 0xE0)
        k = 3, c = p[0] & 0x0F;
    else if ((p[0] & 0xF8) == 0xF0)
        k = 4, c = p[0] & 0x07;
    else
        return -1;
    if (k > len - i)
        return -1;
    for (size_t j = 1; j < k; j++) {
        if ((p[j] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (p[j] & 0x3F);
    }
    if (c < min[k])
        return -1;
    *n = k;
    return c;
}

/* Value of an ASCII or full-width digit at s[i], or -1. */
static int adigit(const char *s, size_t len, size_t i, size_t *n)
{
    long c = cp_at(s, len, i, n);
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 0xFF10 && c <= 0xFF19)
        return (int)(c - 0xFF10);
    return -1;
}

/* Chinese numeral kinds: D digit (also digit-by-digit), L 两/兩 (positional only),
 * S 十百千 and B 万亿 (val = power of ten), T 廿/卅 (val = 20/30). */
enum { NONE, D, L, S, B, T };
static const struct { long cp; int kind, val; } cn_tab[] = {
    { 0x3007, D, 0 }, { 0x96F6, D, 0 }, { 0x4E00, D, 1 }, { 0x4E8C, D, 2 },
    { 0x4E24, L, 2 }, { 0x5169, L, 2 }, { 0x4E09, D, 3 }, { 0x56DB, D, 4 },
    { 0x4E94, D, 5 }, { 0x516D, D, 6 }, { 0x4E03, D, 7 }, { 0x516B, D, 8 },
    { 0x4E5D, D, 9 }, { 0x5341, S, 1 }, { 0x767E, S, 2 }, { 0x5343, S, 3 },
    { 0x4E07, B, 4 }, { 0x842C, B, 4 }, { 0x4EBF, B, 8 }, { 0x5104, B, 8 },
    { 0x5EFF, T, 20 }, { 0x5345, T, 30 },
};

/* Kind of the Chinese numeral character at s[i] (NONE if it is not one). */
static int cn_at(const char *s, size_t len, size_t i, size_t *n, int *val)
{
    long c = cp_at(s, len, i, n);
    if (c < 0x3007 || c > 0x96F6) /* the table's range: most characters are outside it */
        return NONE;
    for (size_t k = 0; k < sizeof cn_tab / sizeof cn_tab[0]; k++)
        if (cn_tab[k].cp == c) {
            *val = cn_tab[k].val;
            return cn_tab[k].kind;
        }
    return NONE;
}

static double p10(int e)
{
    /* 10^0..10^22 are exact doubles, as the products of the loop below are */
    static const double exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (e >= 0 && e <= 22)
        return exact[e];
    double r = 1;
    while (e-- > 0)
        r *= 10;
    return r;
}

/* True when 千 followed by c is a metric prefix (千米 千克 千瓦 千伏 千兆 千帕 千焦 千赫):
 * then 3千瓦 is 3 kW, not 3000 瓦. */
static int si_unit(long c)
{
    static const long units[] = { 0x7C73, 0x514B, 0x74E6, 0x4F0F, 0x5146, 0x5E15, 0x7126, 0x8D6B };
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (units[k] == c)
            return 1;
    return 0;
}

/* Multiplier at s[i..): optional 十/百/千 then optional 万, 亿 or 万亿. 十 alone is not
 * one (5十万 = 500000, but 5十 is just 5). Returns bytes used, power of ten in *e. */
static size_t multiplier(const char *s, size_t len, size_t i, int *e)
{
    size_t j = i, n, n2;
    int v, small = 0, big = 0;
    int k = cn_at(s, len, j, &n, &v);

    if (k == S && !(v == 3 && si_unit(cp_at(s, len, j + n, &n2)))) {
        small = v;
        j += n;
        k = cn_at(s, len, j, &n, &v);
    }
    if (k == B) {
        big = v;
        j += n;
        if (v == 4 && cn_at(s, len, j, &n, &v) == B && v == 8) {
            big = 12;
            j += n;
        }
    }
    if (small == 1 && big == 0)
        return 0;
    *e = small + big;
    return j - i;
}

static int is_sep(long c)
{
    return c == ',' || c == 0xFF0C || c == ' ' || c == 0xA0;
}

/* mant * 10^e, where mant is an exact integer below 10^15: the double nearest the
 * decimal (one rounding; strtod's correct rounding where 10^|e| is not exact). */
static double scale(double mant, int e)
{
    if (e >= -22 && e <= 22) /* 10^22 is the largest power of ten a double holds exactly */
        return e >= 0 ? mant * p10(e) : mant / p10(-e);
    char buf[48];
    snprintf(buf, sizeof buf, "%.0fe%d", mant, e); /* no decimal point: locale-free */
    return strtod(buf, NULL);
}

/* Digits of a number as they are read: mant holds the significant ones (at most
 * NUM_DIGITS), zeros the trailing zeros not yet in it, sig their count. */
typedef struct {
    double mant;
    int sig, zeros, lost; /* lost: more than NUM_DIGITS significant digits */
} digits;

static void digit_add(digits *g, int d)
{
    if (d == 0) {
        if (g->sig)
            g->zeros++;
        return;
    }
    if (g->sig + g->zeros + 1 > NUM_DIGITS) {
        g->lost = 1;
        return;
    }
    g->mant = g->mant * p10(g->zeros + 1) + d;
    g->sig += g->zeros + 1;
    g->zeros = 0;
}

/* The value g's digits times 10^e; NaN when digits were lost, so no row is made of it. */
static double digits_value(const digits *g, int e)
{
    return g->lost ? NAN : scale(g->mant, g->zeros + e);
}

/* 3800, 1,500, 77 100, 4.5, ４．５, each with an optional multiplier. */
static size_t arabic(const char *s, size_t len, double *value)
{
    size_t i = 0, n, ndig = 0;
    digits g = {0, 0, 0, 0};
    int d, frac = 0, e = 0;

    while ((d = adigit(s, len, i, &n)) >= 0) {
        digit_add(&g, d);
        i += n;
        ndig++;
    }
    if (ndig == 0)
        return 0;
    /* Groups: one separator kind, each followed by exactly three digits. */
    long sep = -1, c;
    while (ndig <= 3 && is_sep(c = cp_at(s, len, i, &n)) && (sep < 0 || c == sep)) {
        size_t j = i + n, k = 0;
        int gd[4];
        while (k < 4 && (d = adigit(s, len, j, &n)) >= 0) {
            gd[k++] = d;
            j += n;
        }
        if (k != 3)
            break;
        for (size_t q = 0; q < 3; q++)
            digit_add(&g, gd[q]);
        sep = c;
        i = j;
    }
    size_t n2;
    c = cp_at(s, len, i, &n);
    if ((c == '.' || c == 0xFF0E) && adigit(s, len, i + n, &n2) >= 0) {
        i += n;
        while ((d = adigit(s, len, i, &n)) >= 0) {
            digit_add(&g, d);
            frac++;
            i += n;
        }
    }
    size_t m = multiplier(s, len, i, &e);
    if (m == 0 && i < len && s[i] == ' ') { /* 3 万 as written with spaces (Taiwan, Hong Kong) */
        m = multiplier(s, len, i + 1, &e);
        if (m)
            i++;
    }
    /* 750多万, 3000余万: "more than" between the number and its multiplier */
    if (m == 0 && i + 3 <= len && (memcmp(s + i, "\xE5\xA4\x9A", 3) == 0 || memcmp(s + i, "\xE4\xBD\x99", 3) == 0)) {
        m = multiplier(s, len, i + 3, &e);
        if (m)
            i += 3;
    }
    i += m;
    *value = digits_value(&g, e - frac);
    /* 1万2000, 1 萬 2,000, 1亿2000万: a whole number of 万 or 亿 and the rest below it */
    if (m && frac == 0 && (e == 4 || e == 8) && !isnan(*value)) {
        size_t j = i + (i < len && s[i] == ' ');
        double rest;
        size_t k = adigit(s, len, j, &n) >= 0 ? arabic(s + j, len - j, &rest) : 0;
        if (k && rest >= 1 && rest < p10(e) && rest == floor(rest)) {
            /* the digits of both, less the rest's trailing zeros: more than NUM_DIGITS
             * (103998999亿998008: 17) is a number a value cannot keep, as written whole */
            int tz = 0;
            double r = rest;
            for (; fmod(r, 10) == 0; r /= 10)
                tz++;
            /* else the significant digits as one integer (under 1e15: exact), scaled once, so
             * the double is the nearest to the decimal (70000001811亿4030000 added in two
             * roundings came out one step off) */
            if (g.sig && g.sig + g.zeros + e - tz > NUM_DIGITS)
                *value = NAN;
            else
                *value = g.sig ? scale(g.mant * p10(g.zeros + e - tz) + r, tz) : rest;
            i = j + k;
        }
    }
    return i;
}

/* Positional Chinese numerals: 三百零五, 一亿二千万, 十五, 廿五, 一万五 (= 15000). */
static size_t positional(const char *s, size_t len, double *value)
{
    double high = 0, mid = 0, sec = 0; /* parts times 亿, times 万, below 万 */
    int pend = -1;                     /* digit waiting for its unit */
    int zero = 0, last_small = 4, last_unit = 0, elide = 0;
    size_t i = 0, end = 0, n;
    int k, v;

    while ((k = cn_at(s, len, i, &n, &v)) != NONE) {
        if (k == D || k == L) {
            if (pend >= 0)
                break;
            if (v == 0 && end > 0) { /* 零 between units is a placeholder */
                zero = 1;
                i += n;
                continue;
            }
            pend = v;
            elide = zero ? 0 : last_unit; /* 一千五 = 1500, but 一千零五 = 1005 */
        } else if (k == S) {
            if (v >= last_small || (pend < 0 && v != 1))
                break;
            sec += (pend < 0 ? 1 : pend) * p10(v);
            pend = -1;
            last_small = last_unit = v;
        } else if (k == T) {
            if (pend >= 0 || last_small <= 1)
                break;
            sec += v;
            last_small = last_unit = 1;
        } else { /* 万 within a 亿 section at most once; 亿 once, after anything */
            double c = sec + (pend < 0 ? 0 : pend);
            if (v == 4 ? (mid > 0 || (sec == 0 && pend < 0)) : (high > 0 || (c == 0 && pend < 0 && mid == 0)))
                break;
            if (v == 4) {
                mid = c * p10(4);
            } else {
                high = (mid + c) * p10(8);
                mid = 0;
            }
            sec = 0;
            pend = -1;
            last_small = 4;
            last_unit = v;
        }
        zero = 0;
        i += n;
        end = i;
    }
    if (end == 0)
        return 0;
    /* high is exact (under 1e8 times 1e8); the sum may not be: sixteen digits (九千九百万...亿...
     * 九十九) are more than a value keeps, as for a number in Arabic digits */
    double low = mid + sec + (pend < 0 ? 0 : pend * (elide >= 2 ? p10(elide - 1) : 1));
    uint64_t whole = (uint64_t)high + (uint64_t)low;
    while (whole >= 10 && whole % 10 == 0)
        whole /= 10;
    *value = whole >= 1000000000000000ULL ? NAN : high + low;
    return end;
}

/* Digit-by-digit (二〇一九, 一二〇) when at least three digits or two including 〇/零,
 * so that 七八十 (seventy or eighty) is not read as 780; otherwise positional. */
static size_t chinese(const char *s, size_t len, double *value)
{
    size_t i = 0, n, ndig = 0;
    digits g = {0, 0, 0, 0};
    int v, zero = 0, e = 0;

    while (cn_at(s, len, i, &n, &v) == D) {
        digit_add(&g, v);
        zero |= v == 0;
        i += n;
        ndig++;
    }
    if (ndig < 2 || (ndig == 2 && !zero))
        return positional(s, len, value);
    i += multiplier(s, len, i, &e);
    *value = digits_value(&g, e);
    return i;
}

size_t num_parse(const char *s, size_t len, double *value)
{
    static const char pct[] = "\xE7\x99\xBE\xE5\x88\x86\xE4\xB9\x8B"; /* 百分之 */
    const size_t plen = sizeof pct - 1;
    size_t n;

    if (!s || !value)
        return 0;
    if (adigit(s, len, 0, &n) >= 0)
        return arabic(s, len, value);
    if (len >= plen && memcmp(s, pct, plen) == 0) {
        double v;
        size_t m = num_parse(s + plen, len - plen, &v);
        if (m == 0 && len - plen >= 3 && memcmp(s + plen, pct, 3) == 0) { /* 百分之百 */
            v = 100;
            m = 3;
        }
        if (m == 0)
            return 0;
        *value = v;
        return plen + m;
    }
    if ((n = chinese(s, len, value)) > 0)
        return n;
    /* a bare 百/千/万/亿 counts one of it: 近百人, 近万人, 逾千名 */
    static const struct { const char *w; double v; } bare[] = {
        {"\xE7\x99\xBE", 1e2}, {"\xE5\x8D\x83", 1e3}, {"\xE4\xB8\x87", 1e4}, {"\xE8\x90\xAC", 1e4},
        {"\xE4\xBA\xBF", 1e8}, {"\xE5\x84\x84", 1e8}};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
        if (len >= 3 && memcmp(s, bare[i].w, 3) == 0) {
            *value = bare[i].v;
            return 3;
        }
    return 0;
}

size_t num_numeral(const char *str, size_t avail)
{
    const unsigned char *s = (const unsigned char *)str;
    if (avail == 0)
        return 0;
    if (*s >= '0' && *s <= '9')
        return 1;
    if (avail < 3 || (*s != 0xE3 && *s != 0xE4 && *s != 0xE5 && *s != 0xE7 && *s != 0xE9))
        return 0;
    switch ((unsigned)s[0] << 16 | (unsigned)s[1] << 8 | s[2]) {
    case 0xE38087: case 0xE4B880: case 0xE4B883: case 0xE4B887: case 0xE4B889: case 0xE4B8A4:
    case 0xE4B99D: case 0xE4BA8C: case 0xE4BA94: case 0xE4BABF: case 0xE585AB: case 0xE585AD:
    case 0xE58D81: case 0xE58D83: case 0xE58D85: case 0xE59B9B: case 0xE5BBBF: case 0xE799BE:
    case 0xE99BB6:
        return 3;
    default:
        return 0;
    }
}

/* Write u in decimal backwards, ending just before end; returns where it starts. */
static char *put_udec(char *end, unsigned long long u)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return end;
}

/* Copy d[0..len) to buf as snprintf would (cut to n - 1 bytes, NUL-terminated);
 * returns len. */
static int put_digits(char *buf, size_t n, const char *d, size_t len)
{
    if (n) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(buf, d, k);
        buf[k] = '\0';
    }
    return (int)len;
}

static const unsigned long long ipow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

/* The shortest k <= 6 decimals (with |v| < 1e9) for which q / 10^k is the double a,
 * in *q; -1 when there is none. Then those digits are v's 15 significant ones. */
static int short_decimals(double a, unsigned long long *q)
{
    if (!(a < 1e9))
        return -1;
    for (int k = 1; k <= 6; k++) {
        double r = a * (double)ipow10[k];
        unsigned long long u = (unsigned long long)(r + 0.5);
        if ((double)u / (double)ipow10[k] == a) {
            *q = u;
            return k;
        }
    }
    return -1;
}

int num_format(double v, char *buf, size_t n)
{
    char d[NUM_FORMAT_MAX], *end = d + sizeof d, *p;
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v) { /* whole numbers, most values: no printf */
        long long i = (long long)v;
        p = put_udec(end, i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i);
        if (i < 0)
            *--p = '-';
        return put_digits(buf, n, p, (size_t)(end - p));
    }
    if (isnan(v))
        return put_digits(buf, n, "nan", 3);
    if (isinf(v))
        return v < 0 ? put_digits(buf, n, "-inf", 4) : put_digits(buf, n, "inf", 3);
    double a = v < 0 ? -v : v;
    unsigned long long q;
    int k = short_decimals(a, &q);
    if (k > 0) { /* 72.5, 0.25: a few decimals, without printf */
        p = put_udec(end, q % ipow10[k]);
        while (p > end - k)
            *--p = '0';
        *--p = '.';
        p = put_udec(p, q / ipow10[k]);
        if (v < 0)
            *--p = '-';
        return put_digits(buf, n, p, (size_t)(end - p));
    }
    /* the 15 significant digits and the exponent, then written out without it */
    char e[32];
    snprintf(e, sizeof e, "%.*e", NUM_DIGITS - 1, a); /* d.dddddddddddddde[+-]X */
    char dig[NUM_DIGITS];
    int nd = 0;
    for (const char *c = e; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9')
            dig[nd++] = *c;
    int x = atoi(strchr(e, 'e') + 1);
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    p = d;
    if (v < 0)
        *p++ = '-';
    if (x >= 0) {
        for (int i = 0; i <= x || i < nd; i++) {
            if (i == x + 1)
                *p++ = '.';
            *p++ = i < nd ? dig[i] : '0';
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *p++ = '0';
        memcpy(p, dig, (size_t)nd);
        p += nd;
    }
    return put_digits(buf, n, d, (size_t)(p - d));
}
