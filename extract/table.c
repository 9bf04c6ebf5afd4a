/* table.c: indicator tables in a flattened document - a header of column names, then rows whose
 * cells are aligned to the columns by the cheapest placement, one row per numeric value cell. */
#include "extract/table_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/numparse.h"
#include "base/utf8.h"

table *table_create(const rules *r, pcre2_match_context *mctx)
{
    table *t = xcalloc(1, sizeof *t);
    t->r = r;
    t->mctx = mctx;
    if (!(t->md = pcre2_match_data_create(16, NULL))) {
        free(t);
        return NULL;
    }
    return t;
}

void table_free(table *t)
{
    if (!t)
        return;
    pcre2_match_data_free(t->md);
    free(t->lines);
    free(t->tabs);
    free(t->rows);
    free(t->cells);
    free(t->stream);
    free(t->cost);
    free(t->back);
    free(t);
}

const table_info *table_tables(const table *t, size_t *n) { *n = t->ntabs; return t->tabs; }
const table_row *table_rows(const table *t, size_t *n) { *n = t->nrows; return t->rows; }
const table_cell *table_cells(const table *t, size_t *n) { *n = t->ncells; return t->cells; }

/* ---- lines ---------------------------------------------------------------- */

/* How a trimmed line is cut into cells. */
int tbl_line_mode(const char *s, size_t a, size_t b)
{
    if (memchr(s + a, '|', b - a))
        return M_PIPE;
    if (memchr(s + a, '\t', b - a))
        return M_TAB;
    for (const char *p = s + a, *e = s + b; p + 1 < e && (p = memchr(p, ' ', (size_t)(e - p - 1))) != NULL; p++)
        if (p[1] == ' ') /* Chinese lines have few spaces: memchr skips to each */
            return M_SPACES;
    return M_SINGLE;
}

/* The cells of line [a, b) (trimmed) cut by mode; -1 when there are more than cap. */
int tbl_split(const char *s, size_t a, size_t b, int mode, lspan *out, int cap)
{
    int n = 0;
    tbl_trim(s, &a, &b);
    if (mode == M_PIPE) {
        if (a < b && s[a] == '|')
            a++;
        if (b > a && s[b - 1] == '|')
            b--;
    }
    size_t i = a;
    while (i <= b) {
        size_t j = i;
        if (mode == M_PIPE || mode == M_TAB) {
            char sep = mode == M_PIPE ? '|' : '\t';
            while (j < b && s[j] != sep)
                j++;
        } else if (mode == M_SPACES) {
            while (j < b && !(s[j] == '\t' || (s[j] == ' ' && j + 1 < b && s[j + 1] == ' ')))
                j++;
        } else if (mode == M_SPACE1) {
            while (j < b && !tbl_is_sp(s[j]))
                j++;
        } else {
            j = b;
        }
        size_t cs = i, ce = j;
        tbl_trim(s, &cs, &ce);
        if (n == cap)
            return -1;
        out[n++] = (lspan){cs, ce};
        if (j >= b)
            break;
        i = j + 1;
        if (mode == M_SPACES || mode == M_SPACE1)
            while (i < b && tbl_is_sp(s[i]))
                i++;
    }
    return n;
}

/* The display column of byte p of the line starting at a: CJK characters are two wide. */
int tbl_display_col(const char *s, size_t a, size_t p)
{
    int w = 0;
    for (size_t i = a; i < p; i += utf8_len((unsigned char)s[i]))
        w += (unsigned char)s[i] < 0x80 ? 1 : 2;
    return w;
}

/* ---- alignment ---------------------------------------------------------- */

/* What placing a cell of type `type` in a column of kind `kind` costs (INF: never). */
static double place_cost(int type, int kind)
{
    static const double cost[6][7] = {
        /*            serial group name unit  attr  note value */
        /* empty  */ {0.3, 0.1, INF, 0.3, 0.3, 0.1, 0.2},
        /* serial */ {0.0, INF, INF, INF, INF, 0.5, 0.05},
        /* number */ {INF, INF, INF, INF, INF, 0.5, 0.0},
        /* attr   */ {INF, INF, INF, INF, 0.0, 0.5, INF},
        /* unit   */ {INF, 1.5, 2.0, 0.0, INF, 0.5, INF},
        /* text   */ {INF, 0.5, 0.0, 1.2, INF, 0.5, 1.0},
    };
    int k = kind - TABLE_SERIAL;
    return k < 0 || k > 6 ? 0.5 : cost[type][k];
}

/* What leaving a column without a cell costs: a row has a name; a group stands on the
 * first row of its group only. */
static double skip_cost(int kind)
{
    switch (kind) {
    case TABLE_NAME: return INF;
    case TABLE_GROUP: return 0.05;
    case TABLE_NOTE: return 0.1;
    case TABLE_SERIAL: return 0.6;
    case TABLE_UNIT: return 0.8;
    default: return 0.9;
    }
}

#define ROW_COST 0.3   /* a new row (one cell per line) */
#define EXTRA_COST 3.0 /* a cell left out (a line's cell that fits no column) */

/* Place the cells c[0..m) in the columns of ti, in order; with `breaks` they may form
 * several rows. place[i]: the cell's column or -1; start[i]: 1 when it starts a row.
 * Returns the cost (>= INF: no placement). */
static double align(table *t, const table_info *ti, const tcell *c, size_t m, int breaks, int *place, int *start)
{
    int k = ti->ncols, w = k + 1; /* state j: the last cell is in column j-1; 0: none yet */
    double pre[TABLE_MAX_COLS + 1], inner[TABLE_MAX_COLS + 1];
    pre[0] = inner[0] = 0;
    for (int j = 0; j < k; j++) /* a row rather ends early than misses a value inside */
        inner[j + 1] = inner[j] + (ti->col[j].kind == TABLE_VALUE ? 0.1 : 0);
    for (int j = 0; j < k; j++) /* a vanished value cell is rather a baseline's (—) than a target's */
        pre[j + 1] = pre[j] + skip_cost(ti->col[j].kind) -
                     (ti->col[j].kind == TABLE_VALUE && ti->col[j].role && strcmp(ti->col[j].role, "target") != 0 ? 0.05 : 0);
    GROW(t->cost, (m + 1) * (size_t)w, t->capcost);
    GROW(t->back, (m + 1) * (size_t)w, t->capback);
    double *D = t->cost;
    int *B = t->back;
    for (int j = 0; j < w; j++)
        D[j] = j ? INF * 4 : 0;
    for (size_t i = 0; i < m; i++) {
        double *prev = D + i * (size_t)w, *cur = D + (i + 1) * (size_t)w;
        int *bk = B + (i + 1) * (size_t)w;
        for (int j = 0; j < w; j++) {
            cur[j] = breaks ? INF * 4 : prev[j] + EXTRA_COST; /* the cell left out */
            bk[j] = j * 3 + 2;
        }
        for (int j = 1; j < w; j++) {
            double e = place_cost(c[i].type, ti->col[j - 1].kind);
            if (e >= INF)
                continue;
            if (c[i].pos >= 0 && t->hpos[j - 1] >= 0) { /* a tie goes to the column it stands under */
                int d = c[i].pos - t->hpos[j - 1];
                d = d < 0 ? -d : d;
                e += 0.2 * (d > 10 ? 1.0 : d / 10.0);
            }
            for (int p = 0; p < w; p++) {
                if (prev[p] >= INF * 4)
                    continue;
                if (p < j) {
                    double v = prev[p] + pre[j - 1] - pre[p] + inner[j - 1] - inner[p] + e;
                    if (v < cur[j]) {
                        cur[j] = v;
                        bk[j] = p * 3;
                    }
                }
                if (breaks && p >= 1) {
                    double v = prev[p] + pre[k] - pre[p] + ROW_COST + pre[j - 1] + e;
                    if (v < cur[j]) {
                        cur[j] = v;
                        bk[j] = p * 3 + 1;
                    }
                }
            }
        }
    }
    double best = INF * 4;
    int bj = 0;
    for (int j = 0; j < w; j++) {
        double v = D[m * (size_t)w + j] + pre[k] - pre[j];
        if (v < best) {
            best = v;
            bj = j;
        }
    }
    for (size_t i = m; i-- > 0;) {
        int code = B[(i + 1) * (size_t)w + bj];
        int p = code / 3, how = code % 3;
        place[i] = how == 2 ? -1 : bj - 1;
        start[i] = how == 1 || (how == 0 && p == 0);
        bj = p;
    }
    return best;
}

static void add_cell(table *t, size_t tab, long line, size_t s, size_t e, int col, const char *what)
{
    GROW(t->cells, t->ncells + 1, t->capcells);
    t->cells[t->ncells++] = (table_cell){tab, line, s, e, col, what};
}

/* The cells c[0..m) of a row placed by place[], each with what it is, for explain. */
static void row_cells(table *t, size_t tab, const table_info *ti, const tcell *c, size_t m, const int *place)
{
    for (size_t i = 0; i < m; i++) {
        int k = place[i] < 0 ? -1 : ti->col[place[i]].kind;
        const char *what = k == TABLE_VALUE ? (c[i].type == CT_NUMBER || c[i].type == CT_SERIAL ? "row"
                                               : c[i].type == CT_EMPTY ? "empty" : "text")
                           : k == TABLE_NAME ? "name" : k == TABLE_SERIAL ? "serial" : k == TABLE_GROUP ? "group"
                           : k == TABLE_UNIT ? "unit" : k == TABLE_ATTRIBUTE ? "attribute" : k == TABLE_NOTE ? "note" : "text";
        add_cell(t, tab, c[i].line, c[i].s, c[i].e, place[i], what);
    }
}

/* The rows of one table row: cells c[0..m) placed by place[]. Returns 1 when it had a value
 * cell, 0 when it gave nothing (a group line, a heading). */
static int emit_row(table *t, size_t tab, const table_info *ti, const tcell *c, size_t m, const int *place)
{
    int name = -1, group = -1, unit = -1, attr = -1, values = 0;
    for (size_t i = 0; i < m; i++) {
        int k = place[i] < 0 ? -1 : ti->col[place[i]].kind;
        if (k == TABLE_NAME && name < 0)
            name = (int)i;
        else if (k == TABLE_GROUP && c[i].type != CT_EMPTY)
            group = (int)i;
        else if (k == TABLE_UNIT && c[i].type != CT_EMPTY)
            unit = (int)i;
        else if (k == TABLE_ATTRIBUTE && c[i].type == CT_ATTR)
            attr = (int)i;
        values += k == TABLE_VALUE && c[i].type != CT_EMPTY;
    }
    if (name < 0)
        return 0;
    if (group >= 0) {
        t->group_s = c[group].s;
        t->group_e = c[group].e;
    }
    size_t filled = 0;
    for (size_t i = 0; i < m; i++)
        filled += c[i].type != CT_EMPTY;
    if (!values && attr < 0) { /* a line of its own naming a group: 健康水平 */
        if (c[name].e - c[name].s <= 48 && filled == 1) {
            t->group_s = c[name].s;
            t->group_e = c[name].e;
        }
        return 0;
    }
    size_t na = c[name].s, nb = c[name].e, us = 0, ue = 0;
    const char *attribute = attr < 0 ? "" : c[attr].attr == TABLE_BINDING ? "binding" : "expected";
    tbl_clean_name(t, &na, &nb, &us, &ue, &attribute);
    if (unit >= 0 && c[unit].type != CT_TEXT) {
        us = c[unit].s;
        ue = c[unit].e;
    } else if (unit >= 0 && ue == us) {
        us = c[unit].s;
        ue = c[unit].e;
    }
    size_t first = t->ncells;
    row_cells(t, tab, ti, c, m, place);
    for (size_t i = 0; i < m; i++) {
        if (place[i] < 0 || ti->col[place[i]].kind != TABLE_VALUE || !(c[i].type == CT_NUMBER || c[i].type == CT_SERIAL))
            continue;
        const struct table_col *col = &ti->col[place[i]];
        GROW(t->rows, t->nrows + 1, t->caprows);
        table_row *r = &t->rows[t->nrows];
        memset(r, 0, sizeof *r);
        r->table = tab;
        r->line = c[i].line;
        r->cell_s = c[i].s;
        r->cell_e = c[i].e;
        r->name_s = col->quantity && col->he > col->hs ? col->hs : na;
        r->name_e = col->quantity && col->he > col->hs ? col->he : nb;
        r->group_s = t->group_s;
        r->group_e = t->group_e;
        r->cells = first;
        r->ncells = m;
        double scale = 1;
        if (c[i].us < c[i].ue)
            tbl_unit(t, t->s + c[i].us, c[i].ue - c[i].us, r->unit, sizeof r->unit, &scale);
        else if (col->unit[0])
            tbl_unit(t, col->unit, strlen(col->unit), r->unit, sizeof r->unit, &scale);
        else
            tbl_unit(t, t->s + us, ue - us, r->unit, sizeof r->unit, &scale);
        r->value = c[i].v * scale;
        r->value_max = c[i].vmax * scale;
        r->has_max = c[i].has_max;
        r->qualifier = c[i].qual ? c[i].qual : "=";
        r->role = col->role;
        r->period = col->period;
        r->attribute = attribute;
        r->additive = !(col->change || tbl_not_additive(t, r, na, nb));
        t->nrows++;
    }
    return 1;
}

/* Is line [a, b) (trimmed) the end of a one-cell-per-line table: prose, a note, a caption? */
static int ends_cells(table *t, size_t a, size_t b)
{
    if (b - a > CELL_LINE_BYTES || tbl_line_mode(t->s, a, b) == M_PIPE || tbl_match(t, TABLE_CAPTION, a, b, NULL))
        return 1;
    static const char *stops[] = {"。", "；", "：", "，"};
    for (size_t i = 0; i < 4; i++)
        for (size_t p = a; p + 3 <= b; p++)
            if (memcmp(t->s + p, stops[i], 3) == 0)
                return 1;
    /* a numbered heading (四、保障措施, （三）, 第五章) starts the next part */
    size_t p = a, k;
    if (b - p >= 3 && (memcmp(t->s + p, "（", 3) == 0 || memcmp(t->s + p, "第", 3) == 0))
        p += 3;
    size_t q = p;
    while (q < b && (k = num_numeral(t->s + q, b - q)) == 3)
        q += k;
    if (q > p && b - q >= 3 &&
        (memcmp(t->s + q, "、", 3) == 0 || memcmp(t->s + q, "）", 3) == 0 || memcmp(t->s + q, "章", 3) == 0 ||
         memcmp(t->s + q, "节", 3) == 0 || memcmp(t->s + q, "部", 3) == 0))
        return 1;
    int role;
    return tbl_head_kind(t, t->s + a, b - a, &role) == TABLE_NAME;
}

static void push_cell(table *t, size_t a, size_t b, long line, int pos)
{
    GROW(t->stream, t->nstream + 1, t->capstream);
    tcell *c = &t->stream[t->nstream++];
    memset(c, 0, sizeof *c);
    c->s = a;
    c->e = b;
    c->line = line;
    c->pos = pos;
    tbl_classify(t, c);
}

/* The rows of the table tab whose header ended before line index li, each row a line cut
 * like the header (hmode). The index of the line after its last row, li when it has none. */
static size_t rows_cut(table *t, size_t tab, size_t li, int hmode)
{
    table_info *ti = &t->tabs[tab];
    int place[MAX_CELLS], start[MAX_CELLS];
    size_t end = li, blanks = 0;
    for (size_t k = li; k < t->nlines; k++) {
        size_t a = t->lines[k].s, b = t->lines[k].e;
        tbl_trim(t->s, &a, &b);
        if (a == b) {
            if (++blanks > 2)
                break;
            continue;
        }
        blanks = 0;
        if (b - a > LINE_BYTES)
            break;
        size_t p = a;
        while (p < b && strchr("|-:+= ", t->s[p]))
            p++;
        if (p == b) /* |---|:---| */
            continue;
        int mode = tbl_line_mode(t->s, a, b);
        lspan cs[MAX_CELLS];
        int n = tbl_split(t->s, a, b, mode == M_SINGLE && hmode == M_SPACE1 ? M_SPACE1 : mode, cs, MAX_CELLS);
        if (n < 1)
            break;
        int prose = 0;
        for (int j = 0; j < n; j++)
            prose |= cs[j].e - cs[j].s > CELL_LINE_BYTES;
        if (prose)
            break;
        t->nstream = 0;
        for (int j = 0; j < n; j++)
            push_cell(t, cs[j].s, cs[j].e, (long)k + 1,
                      hmode == M_SPACES && mode == M_SPACES ? tbl_display_col(t->s, t->lines[k].s, cs[j].s) : -1);
        if (n == 1 && (t->stream[0].type != CT_TEXT || ends_cells(t, a, b)))
            break;
        if (align(t, ti, t->stream, t->nstream, 0, place, start) >= INF)
            break;
        if (emit_row(t, tab, ti, t->stream, t->nstream, place))
            end = k + 1;
    }
    return end;
}

/* The rows of the table tab whose header ended before line index li, one cell per line,
 * rows where the alignment breaks them. The index of the line after its last row (li when
 * it has none). */
static size_t rows_stream(table *t, size_t tab, size_t li)
{
    table_info *ti = &t->tabs[tab];
    int place[MAX_STREAM], start[MAX_STREAM];
    size_t end = li;
    t->nstream = 0;
    for (size_t k = li; k < t->nlines && t->nstream < MAX_STREAM; k++) {
        size_t a = t->lines[k].s, b = t->lines[k].e;
        tbl_trim(t->s, &a, &b);
        if (a == b)
            continue;
        if (ends_cells(t, a, b))
            break;
        push_cell(t, a, b, (long)k + 1, -1);
    }
    if (!t->nstream || align(t, ti, t->stream, t->nstream, 1, place, start) >= INF)
        return li;
    for (size_t i = 0; i < t->nstream;) {
        size_t j = i + 1;
        while (j < t->nstream && !start[j])
            j++;
        if (emit_row(t, tab, ti, t->stream + i, j - i, place + i))
            end = (size_t)t->stream[j - 1].line;
        else if (end > li) /* a row without values after rows with them: the table ended */
            break;
        i = j;
    }
    return end;
}

/* The header's cells of lines li .. next-1 (its first line cut by mode), for explain. */
static void header_cells(table *t, size_t tab, size_t li, size_t next, int mode)
{
    for (size_t k = li; k < next; k++) {
        lspan c[MAX_CELLS];
        size_t x = t->lines[k].s, y = t->lines[k].e;
        tbl_trim(t->s, &x, &y);
        int m = tbl_line_mode(t->s, x, y);
        int nc = x < y ? tbl_split(t->s, x, y, m == M_SINGLE && mode != M_SINGLE ? M_SPACE1 : m, c, MAX_CELLS) : 0;
        for (int j = 0; j < nc; j++)
            if (c[j].s < c[j].e)
                add_cell(t, tab, (long)k + 1, c[j].s, c[j].e, -1, "column");
    }
}

/* Are the rows after a header (its first line cut by mode) written one cell per line? */
static int one_cell_per_line(table *t, size_t next, int mode)
{
    size_t first = next;
    while (first < t->nlines && t->lines[first].s == t->lines[first].e)
        first++;
    if (mode == M_SINGLE)
        return 1;
    if (first >= t->nlines)
        return 0;
    size_t x = t->lines[first].s, y = t->lines[first].e;
    tbl_trim(t->s, &x, &y);
    lspan c[MAX_CELLS];
    return tbl_line_mode(t->s, x, y) == M_SINGLE &&
           !(mode == M_SPACE1 && tbl_split(t->s, x, y, M_SPACE1, c, MAX_CELLS) >= 2);
}

/* A table whose header is at line li: its header cells and rows. The index of the line
 * after it, 0 when li starts no table (no header, or a header without rows). */
static size_t read_table(table *t, size_t li)
{
    table_info ti = {0};
    size_t next = 0;
    int mode = 0;
    if (!tbl_header(t, li, &ti, &next, &mode))
        return 0;
    GROW(t->tabs, t->ntabs + 1, t->captabs);
    size_t tab = t->ntabs++;
    t->tabs[tab] = ti;
    size_t cells0 = t->ncells, rows0 = t->nrows;
    header_cells(t, tab, li, next, mode);
    t->group_s = t->group_e = 0;
    size_t end = one_cell_per_line(t, next, mode) ? rows_stream(t, tab, next) : rows_cut(t, tab, next, mode);
    if (t->nrows == rows0) { /* a header without rows is no table */
        t->ntabs--;
        t->ncells = cells0;
        return 0;
    }
    t->tabs[tab].last = (long)end;
    return end;
}

void table_read(table *t, const char *s, size_t n, int plan_year, int span_end)
{
    t->s = s;
    t->n = n;
    t->plan_year = plan_year;
    t->span_end = span_end;
    t->nlines = t->ntabs = t->nrows = t->ncells = 0;
    if (!rules_tables(t->r))
        return;
    for (size_t off = 0; off <= n;) {
        const char *nl = off < n ? memchr(s + off, '\n', n - off) : NULL;
        size_t e = nl ? (size_t)(nl - s) : n;
        GROW(t->lines, t->nlines + 1, t->caplines);
        t->lines[t->nlines++] = (lspan){off, e};
        if (!nl)
            break;
        off = e + 1;
    }
    for (size_t li = 0; li < t->nlines;) {
        size_t a = t->lines[li].s, b = t->lines[li].e, end;
        tbl_trim(s, &a, &b);
        /* a header is a short line, or one with cells */
        if (a == b || (b - a > CELL_LINE_BYTES && tbl_line_mode(s, a, b) == M_SINGLE) || !(end = read_table(t, li)))
            li++;
        else
            li = end;
    }
}
