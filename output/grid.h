/* grid.h: a table of text cells with a header row, and its three renderings: CSV (through
 * output/csvout, the one CSV writer), aligned Markdown and JSON objects. */
#ifndef PM_GRID_H
#define PM_GRID_H

#include <stdio.h>
#include <stddef.h>

/* Ownership: a grid owns its header names and every cell (malloc'd strings handed over
 * with grid_set, or copied by grid_put). Free with grid_free (accepts NULL). */
typedef struct grid grid;

enum { GRID_CSV = 0, GRID_MD = 1, GRID_JSON = 2 };

grid *grid_create(size_t ncols);
void grid_free(grid *g);

/* Column c's name (copied); numeric columns are right-aligned in Markdown, bare numbers in
 * JSON, never neutralised in CSV. */
void grid_head(grid *g, size_t c, const char *name, int numeric);

/* A new row of empty cells; returns its index. */
size_t grid_add_row(grid *g);

/* Cell (row, c) takes s (malloc'd; NULL: empty, null in JSON). grid_put copies s. */
void grid_set(grid *g, size_t row, size_t c, char *s);
void grid_put(grid *g, size_t row, size_t c, const char *s);

size_t grid_rows(const grid *g);

/* Write g in a GRID_* format. Returns 0, or -1 on a write error (errno set by the write). */
int grid_write(const grid *g, FILE *out, int format);

#endif
