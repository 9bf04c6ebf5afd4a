/* table.h: indicator tables (主要指标) in a flattened document - the header's columns, each
 * row's cells aligned to them, one row per numeric cell of a value column, by the `table` keys. */
#ifndef PM_TABLE_H
#define PM_TABLE_H

#include <stddef.h>
#include "ruleset/rules.h"

typedef struct table table;

#define TABLE_MAX_COLS 16

/* One table: the lines it covers and its columns. */
typedef struct table_info {
    long first, last;        /* lines (1-based) from its caption (or header) to its last row */
    long header;             /* the header's first line */
    size_t cap_s, cap_e;     /* its caption in the document, cap_s == cap_e when none */
    int ncols;
    struct table_col {
        int kind;            /* TABLE_SERIAL .. TABLE_VALUE (rules.h) */
        const char *role;    /* value columns: "target", "baseline", "actual"; else NULL */
        int period;          /* value columns: the year, 0 when none is known */
        int change;          /* a growth rate column (年均增长) */
        int quantity;        /* its header names what is counted: the rows' subject */
        size_t hs, he;       /* that name in the document (without its unit) */
        char unit[16];       /* value columns: a unit of its own (年均增长（%）; a change: %), or "" */
    } col[TABLE_MAX_COLS];
} table_info;

/* One row: a numeric cell of a value column. Offsets are in the document given to table_read. */
typedef struct table_row {
    size_t table;            /* index of its table */
    long line;               /* the line of the cell */
    size_t cell_s, cell_e;   /* the cell as written */
    size_t name_s, name_e;   /* the indicator's name without serial number, unit and marks */
    size_t group_s, group_e; /* its group (category) cell, empty when none */
    size_t cells, ncells;    /* its row's cells: table_cells()[cells .. cells + ncells) */
    double value, value_max; /* in base units */
    int has_max;
    const char *qualifier;   /* "=", ">=", "<=", "~" */
    const char *role;        /* "target", "baseline", "actual" */
    int period;              /* 0 when none is known */
    int additive;            /* 1 yes, 0 no */
    const char *attribute;   /* "binding", "expected" or "" */
    char unit[48];           /* canonical unit (元 for 亿元), or as written */
} table_row;

/* Every cell of every table, header cells too, with what became of it (for explain). */
typedef struct table_cell {
    size_t table;
    long line;
    size_t s, e;             /* in the document */
    int col;                 /* its column, -1 when it fits none */
    const char *what;        /* "column", "row", "name", "serial", "group", "unit", "attribute",
                              * "note", "empty", "text" (no number) */
} table_cell;

/* Bound to r and the match limits mctx (NULL: none), which must outlive it. NULL when PCRE2
 * has no memory for its match data. Free with table_free (accepts NULL). One per extractor
 * (it keeps the tables of the last document read). */
table *table_create(const rules *r, pcre2_match_context *mctx);
void table_free(table *t);

/* Find the tables of the normalised document s[0..n) (a plan for plan_year, 0 when not
 * known; span_end: the last year of the span its title names, 0 none). s must stay valid
 * while its results are read. */
void table_read(table *t, const char *s, size_t n, int plan_year, int span_end);

/* The results of the last table_read, in document order; owned by t, valid until the next. */
const table_info *table_tables(const table *t, size_t *n);
const table_row *table_rows(const table *t, size_t *n);
const table_cell *table_cells(const table *t, size_t *n);

#endif
