/* table_int.h: the table reader's insides, shared by its files (tablecell.c reads one cell,
 * tablehead.c a header's columns, table.c cuts lines, aligns cells and makes rows). */
#ifndef PM_TABLE_INT_H
#define PM_TABLE_INT_H

#include <stddef.h>

#include "extract/table.h"

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

static inline int tbl_is_sp(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Narrow [*a, *b) of s to its text without spaces, tabs and CRs at either end. */
static inline void tbl_trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && tbl_is_sp(s[*a]))
        (*a)++;
    while (*b > *a && tbl_is_sp(s[*b - 1]))
        (*b)--;
}

/* Does the `table` pattern of kind match the document's [a, b)? *role: its role (may be NULL). */
static inline int tbl_match(table *t, int kind, size_t a, size_t b, int *role)
{
    return rules_table(t->r, kind, t->s + a, b - a, role, t->md, t->mctx);
}

/* ---- tablecell.c: one cell ---- */

/* The type of cell c (c->s, c->e set) and, for a number, its value, range, qualifier, unit. */
void tbl_classify(table *t, tcell *c);
/* A cell in brackets without a digit: （预计完成）, （%） under a header's name. */
int tbl_bracketed(const char *s, size_t a, size_t b);
/* A unit in brackets in a header text h[0..n) (年均增长（%）) into out, else out unchanged. */
void tbl_head_unit(table *t, const char *h, size_t n, char *out, size_t cap);
/* The indicator's name [*a, *b) without serial, marks and a unit ([*us, *ue)) or attribute
 * (*attr) in brackets at its end. */
void tbl_clean_name(table *t, size_t *a, size_t *b, size_t *us, size_t *ue, const char **attr);
/* The canonical unit of u[0..n) into out and its scale: 亿元 -> 元 *1e8. */
void tbl_unit(table *t, const char *u, size_t n, char *out, size_t cap, double *scale);
/* Is the row (named by [a, b)) not additive: a rate, a ratio, a per-head figure? */
int tbl_not_additive(table *t, const table_row *row, size_t a, size_t b);

/* ---- tablehead.c: the header ---- */

/* The column kind (TABLE_*) a header text s[0..n) names, its role in *role; -1 none. */
int tbl_head_kind(table *t, const char *s, size_t n, int *role);
/* A table's header at line li: its columns (a group column first), caption, roles and
 * years in *ti, the first line after it in *next, how its first line is cut in *mode.
 * 0 when li starts no header. */
int tbl_header(table *t, size_t li, table_info *ti, size_t *next, int *mode);

/* ---- table.c: lines ---- */

/* How the trimmed line [a, b) is cut into cells (M_*). */
int tbl_line_mode(const char *s, size_t a, size_t b);
/* The cells of line [a, b) cut by mode into out; -1 when there are more than cap. */
int tbl_split(const char *s, size_t a, size_t b, int mode, lspan *out, int cap);
/* The display column of byte p of the line starting at a: CJK characters are two wide. */
int tbl_display_col(const char *s, size_t a, size_t p);

#endif
