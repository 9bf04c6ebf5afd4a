/* table.c: indicator tables in a flattened document - a header of column names, then rows whose
 * cells are aligned to the columns by the cheapest placement, one row per numeric value cell. */
#include "extract/table.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/grow.h"
#include "base/numparse.h"

#define MAX_CELLS 24        /* cells of one line; more: no table line */
#define LINE_BYTES 800      /* a longer line is prose */
#define CELL_LINE_BYTES 90  /* in a one-cell-per-line table, a longer line ends it */
#define MAX_STREAM 4000     /* cells of a one-cell-per-line table */
#define HEAD_TEXT 160       /* bytes of a column's header text */
#define INF 1e6

enum { CT_EMPTY, CT_SERIAL, CT_NUMBER, CT_ATTR, CT_UNIT, CT_TEXT };
enum { M_SINGLE, M_PIPE, M_TAB, M_SPACES, M_SPACE1 };

typedef struct tcell {
    size_t s, e;   /* trimmed, in the document */
    long line;
    int type;      /* CT_* */
    int attr;      /* CT_ATTR: TABLE_BINDING or TABLE_EXPECTED */
    double v, vmax;
    int has_max;
    const char *qual;
    size_t us, ue; /* a unit written in the cell (95%), us == ue when none */
    int pos;       /* display column where it starts in its line (CJK 2), -1 unknown */
} tcell;

typedef struct lspan {
    size_t s, e;
} lspan;

struct table {
    const rules *r;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
    const char *s;
    size_t n;
    int plan_year, span_end;
    lspan *lines;
    size_t nlines, caplines;
    table_info *tabs;
    size_t ntabs, captabs;
    table_row *rows;
    size_t nrows, caprows;
    table_cell *cells;
    size_t ncells, capcells;
    tcell *stream;    /* the cells being aligned */
    size_t nstream, capstream;
    double *cost;     /* the alignment's table of costs and its way back */
    int *back;
    size_t capcost, capback;
    char head[TABLE_MAX_COLS][HEAD_TEXT]; /* the header text of each column */
    size_t headlen[TABLE_MAX_COLS];
    size_t group_s, group_e; /* the group (category) the rows stand in */
    size_t hoff[TABLE_MAX_COLS][2]; /* each header cell of the first line in the document */
    int hpos[TABLE_MAX_COLS]; /* display column of each header cell (spaces tables), else -1 */
};

table *table_create(const rules *r, pcre2_match_context *mctx)
{
    table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
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

/* ---- cells --------------------------------------------------------------- */

static int is_sp(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static void trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && is_sp(s[*a]))
        (*a)++;
    while (*b > *a && is_sp(s[*b - 1]))
        (*b)--;
}

static int match(table *t, int kind, size_t a, size_t b, int *role)
{
    return rules_table(t->r, kind, t->s + a, b - a, role, t->md, t->mctx);
}

/* How a trimmed line is cut into cells. */
static int line_mode(const char *s, size_t a, size_t b)
{
    if (memchr(s + a, '|', b - a))
        return M_PIPE;
    if (memchr(s + a, '\t', b - a))
        return M_TAB;
    for (size_t i = a; i + 1 < b; i++)
        if (s[i] == ' ' && s[i + 1] == ' ')
            return M_SPACES;
    return M_SINGLE;
}

/* The cells of line [a, b) (trimmed) cut by mode; -1 when there are more than cap. */
static int split(const char *s, size_t a, size_t b, int mode, lspan *out, int cap)
{
    int n = 0;
    trim(s, &a, &b);
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
            while (j < b && !is_sp(s[j]))
                j++;
        } else {
            j = b;
        }
        size_t cs = i, ce = j;
        trim(s, &cs, &ce);
        if (n == cap)
            return -1;
        out[n++] = (lspan){cs, ce};
        if (j >= b)
            break;
        i = j + 1;
        if (mode == M_SPACES || mode == M_SPACE1)
            while (i < b && is_sp(s[i]))
                i++;
    }
    return n;
}

/* Bytes of the UTF-8 character at s[i]. */
static size_t cl(const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The display column of byte p of the line starting at a: CJK characters are two wide. */
static int display_col(const char *s, size_t a, size_t p)
{
    int w = 0;
    for (size_t i = a; i < p; i += cl(s, i))
        w += (unsigned char)s[i] < 0x80 ? 1 : 2;
    return w;
}

/* A qualifier word of 1 to 4 characters at the start (front) or end of [a, b): its bytes. */
static size_t qual_at(table *t, size_t a, size_t b, int front, const char **q)
{
    size_t len[5], k = 0, p = a;
    if (front)
        for (; k < 4 && p < b; k++)
            len[k] = (p += cl(t->s, p)) - a;
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
static void head_unit(table *t, const char *h, size_t n, char *out, size_t cap)
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
    trim(s, &us, &ue);
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

static void classify(table *t, tcell *c)
{
    const char *s = t->s;
    c->qual = "=";
    c->us = c->ue = 0;
    c->has_max = 0;
    size_t n = c->e - c->s;
    if (n == 0 || match(t, TABLE_EMPTY, c->s, c->e, NULL)) {
        c->type = CT_EMPTY;
        return;
    }
    if (match(t, TABLE_BINDING, c->s, c->e, NULL) || match(t, TABLE_EXPECTED, c->s, c->e, NULL)) {
        c->type = CT_ATTR;
        c->attr = match(t, TABLE_BINDING, c->s, c->e, NULL) ? TABLE_BINDING : TABLE_EXPECTED;
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
    if (match(t, TABLE_UNITCELL, c->s, c->e, NULL)) { /* 1/10万 is a unit, not a number */
        c->type = CT_UNIT;
        return;
    }
    if (parse_number(t, c))
        return;
    c->type = is_unit(t, c->s, c->e) ? CT_UNIT : CT_TEXT;
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
 * Returns the cost (>= INF: no placement), or -1 on no memory. */
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
    if (pm_grow((void **)&t->cost, &t->capcost, (m + 1) * (size_t)w, sizeof(double)) ||
        pm_grow((void **)&t->back, &t->capback, (m + 1) * (size_t)w, sizeof(int)))
        return -1;
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

/* ---- header ------------------------------------------------------------- */

static int head_kind(table *t, const char *s, size_t n, int *role)
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
        int kind = t->headlen[j] ? head_kind(t, t->head[j], t->headlen[j], &role[j]) : ti->col[j].kind == TABLE_GROUP ? TABLE_GROUP : -1;
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
            trim(t->s, &c->hs, &c->he);
        }
        head_unit(t, t->head[j], t->headlen[j], c->unit, sizeof c->unit);
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
        trim(t->s, &a, &b);
        if (a == b)
            continue;
        if (b - a <= 240 && match(t, TABLE_CAPTION, a, b, NULL)) {
            ti->cap_s = a;
            ti->cap_e = b;
            ti->first = (long)k + 1;
        }
        break;
    }
}

static int add_cell(table *t, size_t tab, long line, size_t s, size_t e, int col, const char *what)
{
    if (pm_grow((void **)&t->cells, &t->capcells, t->ncells + 1, sizeof(table_cell)))
        return PM_ERR_NOMEM;
    t->cells[t->ncells++] = (table_cell){tab, line, s, e, col, what};
    return 0;
}

/* A cell in brackets without a digit: （预计完成）, （%） under a header's name. */
static int bracketed(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return 0;
    size_t x = a, y = b;
    return strip_brackets(s, &x, &y);
}

/* A header at line li: column names cut by the line's mode (and a second line under it),
 * or one name per line. Sets ti's columns and *next (the first line after the header),
 * *cellmode (the header was one name per line). 0 when li starts no header. */
static int read_header(table *t, size_t li, table_info *ti, size_t *next, int *mode_out)
{
    size_t a = t->lines[li].s, b = t->lines[li].e;
    trim(t->s, &a, &b);
    if (a == b || b - a > LINE_BYTES)
        return 0;
    int mode = line_mode(t->s, a, b);
    if (mode == M_SINGLE && memchr(t->s + a, ' ', b - a))
        mode = M_SPACE1;
    lspan c[MAX_CELLS];
    int n = 0, names = 0, values = 0, role;
    size_t nl = li + 1; /* index of the first line after the header */
    if (mode != M_SINGLE) {
        n = split(t->s, a, b, mode, c, MAX_CELLS);
        if (n < 2 || n > TABLE_MAX_COLS)
            return 0;
        int filled = 0, unknown = 0;
        for (int j = 0; j < n; j++) {
            if (c[j].s == c[j].e)
                continue;
            int k = head_kind(t, t->s + c[j].s, c[j].e - c[j].s, &role);
            if (k < 0 && (++unknown > 1 || c[j].e - c[j].s > 30))
                return 0; /* one cell the rules do not know (建设性质) is a note column */
            filled += k >= 0;
            names += k == TABLE_NAME;
            values += k == TABLE_VALUE;
        }
        if (filled < (mode == M_PIPE || mode == M_TAB ? 2 : 3) || !names || !values)
            return 0;
    } else { /* one name per line */
        nl = li;
        while (nl < t->nlines) {
            size_t x = t->lines[nl].s, y = t->lines[nl].e;
            trim(t->s, &x, &y);
            if (x == y && n) { /* blank lines may stand between */
                nl++;
                continue;
            }
            if (x == y || y - x > CELL_LINE_BYTES || line_mode(t->s, x, y) != M_SINGLE || n == TABLE_MAX_COLS)
                break;
            int k = head_kind(t, t->s + x, y - x, &role);
            if (k < 0)
                break;
            c[n++] = (lspan){x, y};
            names += k == TABLE_NAME;
            values += k == TABLE_VALUE;
            nl++;
        }
        if (n < 3 || !names || !values)
            return 0;
    }
    ti->ncols = 0;
    for (int j = 0; j < TABLE_MAX_COLS; j++)
        t->hpos[j] = -1;
    for (int j = 0; j < n; j++) {
        /* one name per line: （基期值） under 2020年 belongs to it */
        int k = -1;
        if (mode == M_SINGLE && ti->ncols > 0 && ti->col[ti->ncols - 1].kind == TABLE_VALUE &&
            (memcmp(t->s + c[j].s, "（", 3) == 0 || t->s[c[j].s] == '(') &&
            (k = head_kind(t, t->s + c[j].s, c[j].e - c[j].s, &role)) == TABLE_VALUE) {
            head_add(t, ti->ncols - 1, t->s + c[j].s, c[j].e - c[j].s);
            continue;
        }
        if (mode == M_SPACES)
            t->hpos[ti->ncols] = display_col(t->s, t->lines[li].s, c[j].s);
        t->hoff[ti->ncols][0] = c[j].s;
        t->hoff[ti->ncols][1] = c[j].e;
        head_set(t, ti->ncols, t->s + c[j].s, c[j].e - c[j].s);
        ti->col[ti->ncols++].kind = head_kind(t, t->s + c[j].s, c[j].e - c[j].s, &role);
    }
    if (mode != M_SINGLE && nl < t->nlines) { /* a second header line: its names join those above */
        size_t x = t->lines[nl].s, y = t->lines[nl].e;
        trim(t->s, &x, &y);
        int m2 = x < y ? line_mode(t->s, x, y) : M_SINGLE;
        lspan c2[MAX_CELLS];
        int n2 = x < y && y - x <= LINE_BYTES ? split(t->s, x, y, m2 == M_SINGLE ? M_SPACE1 : m2, c2, MAX_CELLS) : 0;
        int ok = n2 > 0, filled = 0;
        for (int j = 0; j < n2 && ok; j++)
            if (c2[j].s < c2[j].e) {
                filled++;
                ok = head_kind(t, t->s + c2[j].s, c2[j].e - c2[j].s, &role) >= 0 || bracketed(t->s, c2[j].s, c2[j].e);
            }
        if (ok && filled) {
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
            nl++;
        }
    }
    *next = nl;
    *mode_out = mode;
    return 1;
}

/* ---- rows --------------------------------------------------------------- */

/* The indicator's name without serial, marks and a unit or attribute in brackets at its end. */
static void clean_name(table *t, size_t *a, size_t *b, size_t *us, size_t *ue, const char **attr)
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
    trim(s, a, b);
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
        trim(s, &is, &ie);
        if (match(t, TABLE_BINDING, is, ie, NULL))
            *attr = "binding";
        else if (match(t, TABLE_EXPECTED, is, ie, NULL))
            *attr = "expected";
        else if (is_unit(t, is, ie)) {
            *us = is;
            *ue = ie;
        } else
            break;
        *b = open;
        trim(s, a, b);
    }
}

/* The canonical unit of u[0..n) and its scale: 亿元 -> 元 *1e8; 万吨 -> 吨 *1e4 when the map
 * does not know it. */
static void put_unit(table *t, const char *u, size_t n, char *out, size_t cap, double *scale)
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

static int not_additive(table *t, const table_row *row, size_t a, size_t b)
{
    if (strchr(row->unit, '/') || strstr(row->unit, "‰") || strstr(row->unit, "‱"))
        return 1;
    if (rules_unit_additive(t->r, row->unit) == 0)
        return 1;
    rules_hit h[1];
    return match(t, TABLE_RATIO, a, b, NULL) ||
           rules_senses(t->r, SENSE_NONADDITIVE, t->s + a, b - a, 0, h, 1, t->md, t->mctx) > 0;
}

/* The rows of one table row: cells c[0..m) placed by place[]. Returns 1 when it had a value
 * cell, 0 when it gave nothing (a group line, a heading), or PM_ERR_NOMEM. */
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
    clean_name(t, &na, &nb, &us, &ue, &attribute);
    if (unit >= 0 && c[unit].type != CT_TEXT) {
        us = c[unit].s;
        ue = c[unit].e;
    } else if (unit >= 0 && ue == us) {
        us = c[unit].s;
        ue = c[unit].e;
    }
    size_t first = t->ncells;
    for (size_t i = 0; i < m; i++) {
        int k = place[i] < 0 ? -1 : ti->col[place[i]].kind;
        const char *what = k == TABLE_VALUE ? (c[i].type == CT_NUMBER || c[i].type == CT_SERIAL ? "row"
                                               : c[i].type == CT_EMPTY ? "empty" : "text")
                           : k == TABLE_NAME ? "name" : k == TABLE_SERIAL ? "serial" : k == TABLE_GROUP ? "group"
                           : k == TABLE_UNIT ? "unit" : k == TABLE_ATTRIBUTE ? "attribute" : k == TABLE_NOTE ? "note" : "text";
        if (add_cell(t, tab, c[i].line, c[i].s, c[i].e, place[i], what))
            return PM_ERR_NOMEM;
    }
    for (size_t i = 0; i < m; i++) {
        if (place[i] < 0 || ti->col[place[i]].kind != TABLE_VALUE || !(c[i].type == CT_NUMBER || c[i].type == CT_SERIAL))
            continue;
        const struct table_col *col = &ti->col[place[i]];
        if (pm_grow((void **)&t->rows, &t->caprows, t->nrows + 1, sizeof(table_row)))
            return PM_ERR_NOMEM;
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
            put_unit(t, t->s + c[i].us, c[i].ue - c[i].us, r->unit, sizeof r->unit, &scale);
        else if (col->unit[0])
            put_unit(t, col->unit, strlen(col->unit), r->unit, sizeof r->unit, &scale);
        else
            put_unit(t, t->s + us, ue - us, r->unit, sizeof r->unit, &scale);
        r->value = c[i].v * scale;
        r->value_max = c[i].vmax * scale;
        r->has_max = c[i].has_max;
        r->qualifier = c[i].qual ? c[i].qual : "=";
        r->role = col->role;
        r->period = col->period;
        r->attribute = attribute;
        r->additive = !(col->change || not_additive(t, r, na, nb));
        t->nrows++;
    }
    return 1;
}

/* Is line [a, b) (trimmed) the end of a one-cell-per-line table: prose, a note, a caption? */
static int ends_cells(table *t, size_t a, size_t b)
{
    if (b - a > CELL_LINE_BYTES || line_mode(t->s, a, b) == M_PIPE || match(t, TABLE_CAPTION, a, b, NULL))
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
    return head_kind(t, t->s + a, b - a, &role) == TABLE_NAME;
}

static int push_cell(table *t, size_t a, size_t b, long line, int pos)
{
    if (pm_grow((void **)&t->stream, &t->capstream, t->nstream + 1, sizeof(tcell)))
        return PM_ERR_NOMEM;
    tcell *c = &t->stream[t->nstream++];
    memset(c, 0, sizeof *c);
    c->s = a;
    c->e = b;
    c->line = line;
    c->pos = pos;
    classify(t, c);
    return 0;
}

/* The rows of the table whose header ended before line index li. Returns the index of the
 * line after its last row (li when it has none), or (size_t)-1 on no memory. */
static size_t read_rows(table *t, size_t tab, size_t li, int cellmode, int hmode)
{
    table_info *ti = &t->tabs[tab];
    int place[MAX_STREAM], start[MAX_STREAM];
    size_t end = li, blanks = 0;
    t->group_s = t->group_e = 0;
    if (!cellmode) {
        for (size_t k = li; k < t->nlines; k++) {
            size_t a = t->lines[k].s, b = t->lines[k].e;
            trim(t->s, &a, &b);
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
            int mode = line_mode(t->s, a, b);
            lspan cs[MAX_CELLS];
            int n = split(t->s, a, b, mode == M_SINGLE && hmode == M_SPACE1 ? M_SPACE1 : mode, cs, MAX_CELLS);
            if (n < 1)
                break;
            int prose = 0;
            for (int j = 0; j < n; j++)
                prose |= cs[j].e - cs[j].s > CELL_LINE_BYTES;
            if (prose)
                break;
            t->nstream = 0;
            for (int j = 0; j < n; j++)
                if (push_cell(t, cs[j].s, cs[j].e, (long)k + 1,
                              hmode == M_SPACES && mode == M_SPACES ? display_col(t->s, t->lines[k].s, cs[j].s) : -1))
                    return (size_t)-1;
            if (n == 1 && (t->stream[0].type != CT_TEXT || ends_cells(t, a, b)))
                break;
            double cost = align(t, ti, t->stream, t->nstream, 0, place, start);
            if (cost < 0)
                return (size_t)-1;
            if (cost >= INF)
                break;
            int rc = emit_row(t, tab, ti, t->stream, t->nstream, place);
            if (rc < 0)
                return (size_t)-1;
            if (rc)
                end = k + 1;
        }
        return end;
    }
    t->nstream = 0;
    for (size_t k = li; k < t->nlines && t->nstream < MAX_STREAM; k++) {
        size_t a = t->lines[k].s, b = t->lines[k].e;
        trim(t->s, &a, &b);
        if (a == b)
            continue;
        if (ends_cells(t, a, b))
            break;
        if (push_cell(t, a, b, (long)k + 1, -1))
            return (size_t)-1;
    }
    if (!t->nstream)
        return li;
    double cost = align(t, ti, t->stream, t->nstream, 1, place, start);
    if (cost < 0)
        return (size_t)-1;
    if (cost >= INF)
        return li;
    for (size_t i = 0; i < t->nstream;) {
        size_t j = i + 1;
        while (j < t->nstream && !start[j])
            j++;
        int rc = emit_row(t, tab, ti, t->stream + i, j - i, place + i);
        if (rc < 0)
            return (size_t)-1;
        if (rc)
            end = (size_t)t->stream[j - 1].line;
        else if (end > li) /* a row without values after rows with them: the table ended */
            break;
        i = j;
    }
    return end;
}

int table_read(table *t, const char *s, size_t n, int plan_year, int span_end)
{
    t->s = s;
    t->n = n;
    t->plan_year = plan_year;
    t->span_end = span_end;
    t->nlines = t->ntabs = t->nrows = t->ncells = 0;
    if (!rules_tables(t->r))
        return 0;
    for (size_t off = 0; off <= n;) {
        const char *nl = off < n ? memchr(s + off, '\n', n - off) : NULL;
        size_t e = nl ? (size_t)(nl - s) : n;
        if (pm_grow((void **)&t->lines, &t->caplines, t->nlines + 1, sizeof(lspan)))
            return PM_ERR_NOMEM;
        t->lines[t->nlines++] = (lspan){off, e};
        if (!nl)
            break;
        off = e + 1;
    }
    for (size_t li = 0; li < t->nlines;) {
        size_t a = t->lines[li].s, b = t->lines[li].e;
        trim(s, &a, &b);
        /* a header is a short line, or one with cells */
        if (a == b || (b - a > CELL_LINE_BYTES && line_mode(s, a, b) == M_SINGLE)) {
            li++;
            continue;
        }
        table_info ti = {0};
        size_t next = 0;
        int mode = 0;
        if (!read_header(t, li, &ti, &next, &mode)) {
            li++;
            continue;
        }
        int grouped = 0;
        for (int j = 0; j < ti.ncols; j++)
            grouped |= ti.col[j].kind == TABLE_GROUP;
        if (!grouped && ti.ncols < TABLE_MAX_COLS) { /* a group cell may stand before a row's name */
            memmove(&ti.col[1], &ti.col[0], (size_t)ti.ncols * sizeof ti.col[0]);
            memmove(t->head[1], t->head[0], (size_t)ti.ncols * sizeof t->head[0]);
            memmove(&t->headlen[1], &t->headlen[0], (size_t)ti.ncols * sizeof t->headlen[0]);
            memmove(&t->hpos[1], &t->hpos[0], (size_t)ti.ncols * sizeof t->hpos[0]);
            memmove(&t->hoff[1], &t->hoff[0], (size_t)ti.ncols * sizeof t->hoff[0]);
            t->hoff[0][0] = t->hoff[0][1] = 0;
            ti.ncols++;
            head_set(t, 0, "", 0);
            t->hpos[0] = -1;
            ti.col[0].kind = TABLE_GROUP;
        }
        find_caption(t, li, &ti);
        ti.header = (long)li + 1;
        resolve_columns(t, &ti);
        if (pm_grow((void **)&t->tabs, &t->captabs, t->ntabs + 1, sizeof(table_info)))
            return PM_ERR_NOMEM;
        size_t tab = t->ntabs++;
        t->tabs[tab] = ti;
        size_t cells0 = t->ncells, rows0 = t->nrows;
        /* header cells, for explain */
        for (size_t k = li; k < next; k++) {
            lspan c[MAX_CELLS];
            size_t x = t->lines[k].s, y = t->lines[k].e;
            trim(s, &x, &y);
            int m = line_mode(s, x, y);
            int nc = x < y ? split(s, x, y, m == M_SINGLE && mode != M_SINGLE ? M_SPACE1 : m, c, MAX_CELLS) : 0;
            for (int j = 0; j < nc; j++)
                if (c[j].s < c[j].e && add_cell(t, tab, (long)k + 1, c[j].s, c[j].e, -1, "column"))
                    return PM_ERR_NOMEM;
        }
        /* rows: cut like the header, or one cell per line */
        size_t first = next;
        while (first < t->nlines && t->lines[first].s == t->lines[first].e)
            first++;
        int cellmode = mode == M_SINGLE;
        if (!cellmode && first < t->nlines) {
            size_t x = t->lines[first].s, y = t->lines[first].e;
            trim(s, &x, &y);
            int m = line_mode(s, x, y);
            lspan c[MAX_CELLS];
            cellmode = m == M_SINGLE && !(mode == M_SPACE1 && split(s, x, y, M_SPACE1, c, MAX_CELLS) >= 2);
        }
        size_t end = read_rows(t, tab, next, cellmode, mode);
        if (end == (size_t)-1)
            return PM_ERR_NOMEM;
        if (t->nrows == rows0) { /* a header without rows is no table */
            t->ntabs--;
            t->ncells = cells0;
            li++;
            continue;
        }
        t->tabs[tab].last = (long)end;
        li = end;
    }
    return 0;
}
