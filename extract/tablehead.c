/* tablehead.c: the header of an indicator table - its column names (cut like its rows, or one
 * per line, with a second line under them), their kinds, roles and years, its caption. */
#include "extract/table_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tbl_head_kind(table *t, const char *s, size_t n, int *role)
{
    static const int kinds[] = {TABLE_SERIAL, TABLE_GROUP, TABLE_NAME, TABLE_UNIT,
                                TABLE_ATTRIBUTE, TABLE_NOTE, TABLE_VALUE};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (rules_table(t->r, kinds[i], s, n, role, t->md, t->mctx))
            return kinds[i];
    return -1;
}

static void head_set(table *t, int j, const char *s, size_t n)
{
    n = n < HEAD_TEXT - 1 ? n : HEAD_TEXT - 1;
    memcpy(t->head[j], s, n);
    t->headlen[j] = n;
}

static void head_add(table *t, int j, const char *s, size_t n)
{
    size_t have = t->headlen[j];
    n = have + n < HEAD_TEXT - 1 ? n : HEAD_TEXT - 1 - have;
    memcpy(t->head[j] + have, s, n);
    t->headlen[j] += n;
}

/* The year a header text names (its last `period` phrase), and the first of its span. */
static int head_year(table *t, const char *s, size_t n, int *since)
{
    rules_hit h[8];
    size_t k = rules_senses(t->r, SENSE_PERIOD, s, n, t->plan_year, h, 8, t->md, t->mctx);
    *since = 0;
    for (size_t i = k < 8 ? k : 8; i-- > 0;)
        if (h[i].year > 0) {
            *since = h[i].since;
            return h[i].year;
        }
    if (n == 4 && (s[0] == '1' || s[0] == '2')) /* a bare 2025 */
        return atoi(s);
    return 0;
}

/* Kinds, roles and years of the columns from their header texts; cap: the caption. */
static void resolve_columns(table *t, table_info *ti)
{
    int role[TABLE_MAX_COLS], year[TABLE_MAX_COLS], since[TABLE_MAX_COLS], target = 0, maxauto = 0, cs = 0;
    int capyear = ti->cap_e > ti->cap_s ? head_year(t, t->s + ti->cap_s, ti->cap_e - ti->cap_s, &cs) : 0;
    for (int j = 0; j < ti->ncols; j++) {
        role[j] = TROLE_AUTO;
        int kind = t->headlen[j] ? tbl_head_kind(t, t->head[j], t->headlen[j], &role[j]) : ti->col[j].kind == TABLE_GROUP ? TABLE_GROUP : -1;
        ti->col[j] = (struct table_col){kind < 0 ? TABLE_NOTE : kind, NULL, 0, 0, 0, 0, 0, ""};
        year[j] = kind == TABLE_VALUE ? head_year(t, t->head[j], t->headlen[j], &since[j]) : 0;
        if (kind == TABLE_VALUE && role[j] == TROLE_TARGET && year[j] > target)
            target = year[j];
        if (kind == TABLE_VALUE && role[j] == TROLE_AUTO && year[j] > maxauto)
            maxauto = year[j];
    }
    int explicit_target = 0;
    for (int j = 0; j < ti->ncols; j++)
        explicit_target |= ti->col[j].kind == TABLE_VALUE && role[j] == TROLE_TARGET;
    /* the latest year is the target when no column says so, unless it is past already */
    int auto_target = !explicit_target && maxauto && !(t->plan_year && maxauto < t->plan_year) ? maxauto : 0;
    if (!target)
        target = auto_target;
    int end = target ? target : capyear ? capyear : t->span_end ? t->span_end : t->plan_year;
    int start = cs ? cs - 1 : t->plan_year ? t->plan_year - 1 : 0;
    for (int j = 0; j < ti->ncols; j++) {
        struct table_col *c = &ti->col[j];
        if (c->kind != TABLE_VALUE)
            continue;
        int r = role[j];
        if (r == TROLE_AUTO)
            r = year[j] && year[j] == auto_target ? TROLE_TARGET
                : explicit_target && year[j] >= target && year[j] ? TROLE_TARGET
                : !explicit_target && !auto_target ? TROLE_ACTUAL : TROLE_BASELINE;
        c->change = r == TROLE_CHANGE;
        if (r == TROLE_QUANTITY) { /* 新增床位（张）: the name before the bracket */
            c->quantity = 1;
            c->hs = t->hoff[j][0];
            c->he = t->hoff[j][1];
            for (size_t p = c->hs; p < c->he; p++)
                if (t->s[p] == '(' || (p + 3 <= c->he && memcmp(t->s + p, "（", 3) == 0)) {
                    c->he = p;
                    break;
                }
            tbl_trim(t->s, &c->hs, &c->he);
        }
        tbl_head_unit(t, t->head[j], t->headlen[j], c->unit, sizeof c->unit);
        if (c->change && !c->unit[0])
            snprintf(c->unit, sizeof c->unit, "%%");
        c->role = r == TROLE_BASELINE ? "baseline" : r == TROLE_ACTUAL ? "actual" : "target";
        c->period = year[j] ? year[j] : r == TROLE_BASELINE || r == TROLE_ACTUAL ? start : end;
    }
}

/* A caption right above line li (a blank line may stand between). */
static void find_caption(table *t, size_t li, table_info *ti)
{
    ti->cap_s = ti->cap_e = 0;
    ti->first = (long)li + 1;
    for (size_t k = li, tries = 0; k-- > 0 && tries < 2; tries++) {
        size_t a = t->lines[k].s, b = t->lines[k].e;
        tbl_trim(t->s, &a, &b);
        if (a == b)
            continue;
        if (b - a <= 240 && tbl_match(t, TABLE_CAPTION, a, b, NULL)) {
            ti->cap_s = a;
            ti->cap_e = b;
            ti->first = (long)k + 1;
        }
        break;
    }
}

/* The names of a header cut from the line [a, b) by mode: at least two (three when cut by
 * spaces) the rules know, a name and a value among them. Their count, 0 when none. */
static int names_in_line(table *t, size_t a, size_t b, int mode, lspan *c)
{
    int n = tbl_split(t->s, a, b, mode, c, MAX_CELLS), names = 0, values = 0, role;
    if (n < 2 || n > TABLE_MAX_COLS)
        return 0;
    int filled = 0, unknown = 0;
    for (int j = 0; j < n; j++) {
        if (c[j].s == c[j].e)
            continue;
        int k = tbl_head_kind(t, t->s + c[j].s, c[j].e - c[j].s, &role);
        if (k < 0 && (++unknown > 1 || c[j].e - c[j].s > 30))
            return 0; /* one cell the rules do not know (建设性质) is a note column */
        filled += k >= 0;
        names += k == TABLE_NAME;
        values += k == TABLE_VALUE;
    }
    if (filled < (mode == M_PIPE || mode == M_TAB ? 2 : 3) || !names || !values)
        return 0;
    return n;
}

/* The names of a header written one per line from line li on (blank lines may stand
 * between): at least three, a name and a value among them. Their count (0 when none);
 * *nl the line after the last. */
static int names_per_line(table *t, size_t li, lspan *c, size_t *nl)
{
    int n = 0, names = 0, values = 0, role;
    for (*nl = li; *nl < t->nlines; ++*nl) {
        size_t x = t->lines[*nl].s, y = t->lines[*nl].e;
        tbl_trim(t->s, &x, &y);
        if (x == y && n)
            continue;
        if (x == y || y - x > CELL_LINE_BYTES || tbl_line_mode(t->s, x, y) != M_SINGLE || n == TABLE_MAX_COLS)
            break;
        int k = tbl_head_kind(t, t->s + x, y - x, &role);
        if (k < 0)
            break;
        c[n++] = (lspan){x, y};
        names += k == TABLE_NAME;
        values += k == TABLE_VALUE;
    }
    return n >= 3 && names && values ? n : 0;
}

/* The columns of ti from the header names c[0..n) of line li cut by mode. */
static void set_columns(table *t, size_t li, table_info *ti, const lspan *c, int n, int mode)
{
    int role;
    ti->ncols = 0;
    for (int j = 0; j < TABLE_MAX_COLS; j++)
        t->hpos[j] = -1;
    for (int j = 0; j < n; j++) {
        /* one name per line: （基期值） under 2020年 belongs to it */
        int k = -1;
        if (mode == M_SINGLE && ti->ncols > 0 && ti->col[ti->ncols - 1].kind == TABLE_VALUE &&
            (memcmp(t->s + c[j].s, "（", 3) == 0 || t->s[c[j].s] == '(') &&
            (k = tbl_head_kind(t, t->s + c[j].s, c[j].e - c[j].s, &role)) == TABLE_VALUE) {
            head_add(t, ti->ncols - 1, t->s + c[j].s, c[j].e - c[j].s);
            continue;
        }
        if (mode == M_SPACES)
            t->hpos[ti->ncols] = tbl_display_col(t->s, t->lines[li].s, c[j].s);
        t->hoff[ti->ncols][0] = c[j].s;
        t->hoff[ti->ncols][1] = c[j].e;
        head_set(t, ti->ncols, t->s + c[j].s, c[j].e - c[j].s);
        ti->col[ti->ncols++].kind = tbl_head_kind(t, t->s + c[j].s, c[j].e - c[j].s, &role);
    }
}

/* A second header line at nl: names the rules know (or bracketed notes) that join those
 * above, one per column or one per value column. 1 when line nl is one. */
static int second_line(table *t, size_t nl, table_info *ti)
{
    size_t x = t->lines[nl].s, y = t->lines[nl].e;
    tbl_trim(t->s, &x, &y);
    int m2 = x < y ? tbl_line_mode(t->s, x, y) : M_SINGLE, role;
    lspan c2[MAX_CELLS];
    int n2 = x < y && y - x <= LINE_BYTES ? tbl_split(t->s, x, y, m2 == M_SINGLE ? M_SPACE1 : m2, c2, MAX_CELLS) : 0;
    int ok = n2 > 0, filled = 0;
    for (int j = 0; j < n2 && ok; j++)
        if (c2[j].s < c2[j].e) {
            filled++;
            ok = tbl_head_kind(t, t->s + c2[j].s, c2[j].e - c2[j].s, &role) >= 0 || tbl_bracketed(t->s, c2[j].s, c2[j].e);
        }
    if (!ok || !filled)
        return 0;
    int vcols[TABLE_MAX_COLS], nv = 0;
    for (int j = 0; j < ti->ncols; j++)
        if (ti->col[j].kind == TABLE_VALUE)
            vcols[nv++] = j;
    if (n2 == ti->ncols) {
        for (int j = 0; j < n2; j++)
            head_add(t, j, t->s + c2[j].s, c2[j].e - c2[j].s);
    } else {
        for (int j = 0, v = 0; j < n2; j++)
            if (c2[j].s < c2[j].e && v < nv)
                head_add(t, vcols[v++], t->s + c2[j].s, c2[j].e - c2[j].s);
    }
    return 1;
}

/* A header at line li: column names cut by the line's mode (and a second line under it),
 * or one name per line. Sets ti's columns and *next (the first line after the header),
 * *mode_out (how its first line is cut). 0 when li starts no header. */
static int read_header(table *t, size_t li, table_info *ti, size_t *next, int *mode_out)
{
    size_t a = t->lines[li].s, b = t->lines[li].e;
    tbl_trim(t->s, &a, &b);
    if (a == b || b - a > LINE_BYTES)
        return 0;
    int mode = tbl_line_mode(t->s, a, b);
    if (mode == M_SINGLE && memchr(t->s + a, ' ', b - a))
        mode = M_SPACE1;
    lspan c[MAX_CELLS];
    size_t nl = li + 1; /* index of the first line after the header */
    int n = mode != M_SINGLE ? names_in_line(t, a, b, mode, c) : names_per_line(t, li, c, &nl);
    if (!n)
        return 0;
    set_columns(t, li, ti, c, n, mode);
    if (mode != M_SINGLE && nl < t->nlines && second_line(t, nl, ti))
        nl++;
    *next = nl;
    *mode_out = mode;
    return 1;
}

/* Without a group column, one before the first: a group cell may stand before a row's name. */
static void add_group_column(table *t, table_info *ti)
{
    for (int j = 0; j < ti->ncols; j++)
        if (ti->col[j].kind == TABLE_GROUP)
            return;
    if (ti->ncols >= TABLE_MAX_COLS)
        return;
    memmove(&ti->col[1], &ti->col[0], (size_t)ti->ncols * sizeof ti->col[0]);
    memmove(t->head[1], t->head[0], (size_t)ti->ncols * sizeof t->head[0]);
    memmove(&t->headlen[1], &t->headlen[0], (size_t)ti->ncols * sizeof t->headlen[0]);
    memmove(&t->hpos[1], &t->hpos[0], (size_t)ti->ncols * sizeof t->hpos[0]);
    memmove(&t->hoff[1], &t->hoff[0], (size_t)ti->ncols * sizeof t->hoff[0]);
    t->hoff[0][0] = t->hoff[0][1] = 0;
    ti->ncols++;
    head_set(t, 0, "", 0);
    t->hpos[0] = -1;
    ti->col[0].kind = TABLE_GROUP;
}

int tbl_header(table *t, size_t li, table_info *ti, size_t *next, int *mode)
{
    if (!read_header(t, li, ti, next, mode))
        return 0;
    add_group_column(t, ti);
    find_caption(t, li, ti);
    ti->header = (long)li + 1;
    resolve_columns(t, ti);
    return 1;
}
