/* tablecell.c: one cell of an indicator table - its type (empty, serial, number, attribute,
 * unit, text), a number's qualifier, range and unit, an indicator's name and unit. */
#include "extract/table_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/numparse.h"
#include "base/utf8.h"

/* A qualifier word of 1 to 4 characters at the start (front) or end of [a, b): its bytes. */
static size_t qual_at(table *t, size_t a, size_t b, int front, const char **q)
{
    size_t len[5], k = 0, p = a;
    if (front)
        for (; k < 4 && p < b; k++)
            len[k] = (p += utf8_len((unsigned char)t->s[p])) - a;
    else
        for (size_t e = b; k < 4 && e > a; k++) {
            do
                e--;
            while (e > a && ((unsigned char)t->s[e] & 0xC0) == 0x80);
            len[k] = b - e;
        }
    while (k-- > 0) { /* the longest first */
        const char *w = rules_qualifier(t->r, t->s + (front ? a : b - len[k]), len[k]);
        if (w && len[k] < b - a) {
            *q = w;
            return len[k];
        }
    }
    return 0;
}

static int unit_str(table *t, const char *p, size_t n)
{
    return n > 0 && (rules_table(t->r, TABLE_UNITCELL, p, n, NULL, t->md, t->mctx) || rules_unit_canon(t->r, p, n, NULL));
}

static int is_unit(table *t, size_t a, size_t b)
{
    return unit_str(t, t->s + a, b - a);
}

/* A unit in brackets in a header text: 年均增长（%）. */
void tbl_head_unit(table *t, const char *h, size_t n, char *out, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        size_t ol = h[i] == '(' ? 1 : i + 3 <= n && memcmp(h + i, "（", 3) == 0 ? 3 : 0;
        if (!ol)
            continue;
        for (size_t j = i + ol; j < n; j++)
            if (h[j] == ')' || (j + 3 <= n && memcmp(h + j, "）", 3) == 0)) {
                if (j - i - ol < cap && unit_str(t, h + i + ol, j - i - ol))
                    snprintf(out, cap, "%.*s", (int)(j - i - ol), h + i + ol);
                break;
            }
    }
}

static int strip_brackets(const char *s, size_t *a, size_t *b)
{
    static const char *pair[][2] = {{"[", "]"}, {"〔", "〕"}, {"【", "】"}, {"（", "）"}, {"(", ")"}};
    for (size_t i = 0; i < sizeof pair / sizeof pair[0]; i++) {
        size_t lo = strlen(pair[i][0]), lc = strlen(pair[i][1]);
        if (*b - *a > lo + lc && memcmp(s + *a, pair[i][0], lo) == 0 && memcmp(s + *b - lc, pair[i][1], lc) == 0) {
            *a += lo;
            *b -= lc;
            return 1;
        }
    }
    return 0;
}

/* A number cell: [qualifier] number [range] [unit] [qualifier], maybe in brackets. */
static int parse_number(table *t, tcell *c)
{
    const char *s = t->s;
    size_t a = c->s, b = c->e;
    strip_brackets(s, &a, &b);
    const char *q = "=";
    if (a < b && !(s[a] >= '0' && s[a] <= '9')) {
        size_t k = qual_at(t, a, b, 1, &q);
        a += k;
        while (a < b && s[a] == ' ')
            a++;
    }
    while (b > a && (s[b - 1] == '*' || s[b - 1] == ' '))
        b--;
    double v = 0, vmax = 0;
    size_t k = a < b ? num_parse(s + a, b - a, &v) : 0;
    if (!k)
        return 0;
    size_t p = a + k;
    int has_max = 0;
    static const char *dash[] = {"-", "~", "—", "～", "–", "－", "至", "到"};
    for (size_t i = 0; i < sizeof dash / sizeof dash[0] && !has_max; i++) {
        size_t dl = strlen(dash[i]), k2;
        if (b - p > dl && memcmp(s + p, dash[i], dl) == 0 && (k2 = num_parse(s + p + dl, b - p - dl, &vmax)) > 0) {
            has_max = 1;
            p += dl + k2;
        }
    }
    const char *qa = NULL;
    size_t tail = qual_at(t, p, b, 0, &qa);
    if (tail && !(b - tail > p && s[b - tail - 1] == '/')) { /* 95以上, 9左右 (not 人/万以上) */
        b -= tail;
        if (strcmp(q, "=") == 0)
            q = qa;
    } else if (p < b && b - p <= 12 && rules_qualifier(t->r, s + p, b - p)) {
        if (strcmp(q, "=") == 0)
            q = rules_qualifier(t->r, s + p, b - p);
        b = p;
    }
    size_t us = p, ue = b;
    tbl_trim(s, &us, &ue);
    if (us < ue && !is_unit(t, us, ue))
        return 0;
    c->type = CT_NUMBER;
    c->v = v;
    c->vmax = vmax;
    c->has_max = has_max;
    c->qual = q;
    c->us = us;
    c->ue = ue;
    return 1;
}

void tbl_classify(table *t, tcell *c)
{
    const char *s = t->s;
    c->qual = "=";
    c->us = c->ue = 0;
    c->has_max = 0;
    size_t n = c->e - c->s;
    if (n == 0 || tbl_match(t, TABLE_EMPTY, c->s, c->e, NULL)) {
        c->type = CT_EMPTY;
        return;
    }
    if (tbl_match(t, TABLE_BINDING, c->s, c->e, NULL) || tbl_match(t, TABLE_EXPECTED, c->s, c->e, NULL)) {
        c->type = CT_ATTR;
        c->attr = tbl_match(t, TABLE_BINDING, c->s, c->e, NULL) ? TABLE_BINDING : TABLE_EXPECTED;
        return;
    }
    /* a serial number: 1, 1., 1、, （1） */
    size_t a = c->s, b = c->e, d = 0;
    strip_brackets(s, &a, &b);
    while (a + d < b && d < 4 && s[a + d] >= '0' && s[a + d] <= '9')
        d++;
    if (d >= 1 && d <= 3 && (a + d == b || (a + d + 1 == b && s[a + d] == '.') ||
                             (a + d + 3 == b && memcmp(s + a + d, "、", 3) == 0))) {
        c->type = CT_SERIAL;
        c->v = atof(s + a);
        return;
    }
    if (tbl_match(t, TABLE_UNITCELL, c->s, c->e, NULL)) { /* 1/10万 is a unit, not a number */
        c->type = CT_UNIT;
        return;
    }
    if (parse_number(t, c))
        return;
    c->type = is_unit(t, c->s, c->e) ? CT_UNIT : CT_TEXT;
}

/* A cell in brackets without a digit: （预计完成）, （%） under a header's name. */
int tbl_bracketed(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return 0;
    size_t x = a, y = b;
    return strip_brackets(s, &x, &y);
}

/* ---- names and units ---------------------------------------------------- */

/* The indicator's name without serial, marks and a unit or attribute in brackets at its end. */
void tbl_clean_name(table *t, size_t *a, size_t *b, size_t *us, size_t *ue, const char **attr)
{
    const char *s = t->s;
    size_t d = 0;
    while (*a + d < *b && d < 3 && s[*a + d] >= '0' && s[*a + d] <= '9')
        d++;
    if (d && *a + d < *b && (s[*a + d] == '.' || s[*a + d] == ' ' || s[*a + d] == ')'))
        *a += d + 1;
    else if (d && *b - *a > d + 3 && (memcmp(s + *a + d, "、", 3) == 0 || memcmp(s + *a + d, "．", 3) == 0))
        *a += d + 3;
    else if (*b - *a > 3 && (unsigned char)s[*a] == 0xE2 && (unsigned char)s[*a + 1] == 0x91)
        *a += 3; /* ① .. ⑳ */
    tbl_trim(s, a, b);
    for (int round = 0; round < 3; round++) {
        while (*b > *a && (s[*b - 1] == '*' || s[*b - 1] == ' '))
            (*b)--;
        static const char *marks[] = {"★", "☆", "▲", "△", "※"};
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
            if (*b - *a > 3 && memcmp(s + *b - 3, marks[i], 3) == 0)
                *b -= 3;
        int close3 = *b - *a > 3 && memcmp(s + *b - 3, "）", 3) == 0, close1 = *b > *a && s[*b - 1] == ')';
        if (!close3 && !close1)
            break;
        size_t o = *b - (close3 ? 3 : 1);
        size_t open = o;
        while (open > *a && !(memcmp(s + open, "（", 3) == 0 || s[open] == '('))
            open--;
        if (open == *a)
            break;
        size_t is = open + (s[open] == '(' ? 1 : 3), ie = o;
        tbl_trim(s, &is, &ie);
        if (tbl_match(t, TABLE_BINDING, is, ie, NULL))
            *attr = "binding";
        else if (tbl_match(t, TABLE_EXPECTED, is, ie, NULL))
            *attr = "expected";
        else if (is_unit(t, is, ie)) {
            *us = is;
            *ue = ie;
        } else
            break;
        *b = open;
        tbl_trim(s, a, b);
    }
}

/* The canonical unit of u[0..n) and its scale: 亿元 -> 元 *1e8; 万吨 -> 吨 *1e4 when the map
 * does not know it. */
void tbl_unit(table *t, const char *u, size_t n, char *out, size_t cap, double *scale)
{
    *scale = 1;
    const char *c = rules_unit_canon(t->r, u, n, scale);
    if (!c) {
        static const struct { const char *w; double x; } mul[] = {{"万亿", 1e12}, {"亿", 1e8}, {"万", 1e4}};
        for (size_t i = 0; i < 3 && !c; i++) {
            size_t l = strlen(mul[i].w);
            if (n > l && memcmp(u, mul[i].w, l) == 0 && u[l] != '/' && u[l] != '\xEF') {
                double s2 = 1;
                c = rules_unit_canon(t->r, u + l, n - l, &s2);
                *scale = mul[i].x * s2;
                if (!c) {
                    u += l;
                    n -= l;
                }
                break;
            }
        }
    }
    if (c)
        snprintf(out, cap, "%s", c);
    else if (n && u[0] == '/') /* 9.2/10万: per 100,000 */
        snprintf(out, cap, "1%.*s", (int)(n < cap - 1 ? n : cap - 2), u);
    else
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), u);
}

int tbl_not_additive(table *t, const table_row *row, size_t a, size_t b)
{
    if (strchr(row->unit, '/') || strstr(row->unit, "‰") || strstr(row->unit, "‱"))
        return 1;
    if (rules_unit_additive(t->r, row->unit) == 0)
        return 1;
    rules_hit h[1];
    return tbl_match(t, TABLE_RATIO, a, b, NULL) ||
           rules_senses(t->r, SENSE_NONADDITIVE, t->s + a, b - a, 0, h, 1, t->md, t->mctx) > 0;
}
