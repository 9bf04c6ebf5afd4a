/* csvout.h: RFC 4180 CSV rows through libcsv, safe to open in a spreadsheet.
 * Text cells that would start a formula are neutralised; runaway cells are cut. */
#ifndef PM_CSVOUT_H
#define PM_CSVOUT_H

#include <stdio.h>
#include <stddef.h>

typedef struct csvout csvout;

enum {
    CSVOUT_RAW = 1 << 0,          /* --raw: no formula neutralisation */
    CSVOUT_BOM = 1 << 1,          /* write a UTF-8 byte-order mark before the first row */
    CSVOUT_QUOTE_BLANKS = 1 << 2, /* also quote a cell that starts or ends with a space or
                                   * tab as given, before any apostrophe (libcsv trims
                                   * unquoted edge blanks: quoting keeps them) */
    CSVOUT_WHOLE = 1 << 3         /* never cut a cell (CSVOUT_CELL_MAX does not apply) */
};

/* Longest cell a spreadsheet keeps (Excel: 32,767 characters). A longer cell is cut
 * to fit and ends with CSVOUT_CUT_MARK. Characters are UTF-8 code points (a
 * malformed byte counts as one); the cut never falls inside a sequence, and the
 * limit covers the whole cell: apostrophe, kept text and mark. */
#define CSVOUT_CELL_MAX 32767
#define CSVOUT_CUT_MARK "…[cut]"

/* Write to fp (not owned: the caller closes it). Free with csvout_free (accepts NULL). */
csvout *csvout_create(FILE *fp, unsigned flags);
void csvout_free(csvout *w);

/* Format into memory instead (a worker thread formats, the writer copies the bytes
 * with csvout_rows_raw). CSVOUT_BOM is ignored: the mark is the writer's. */
csvout *csvout_create_mem(unsigned flags);

/* A memory csvout's rows so far: a malloc'd buffer the caller frees (NULL, *n 0
 * when there are none); w starts again empty. NULL for a stream csvout. */
char *csvout_take(csvout *w, size_t *n);

/* Declare which columns are numeric (never neutralised): numeric[i] != 0.
 * n must match the cells of later rows. The array is copied. */
void csvout_set_numeric(csvout *w, const unsigned char *numeric, size_t n);

/* Write one row of n cells; cells[i] has lens[i] bytes (lens may be NULL:
 * cells are NUL-terminated; cells or cells[i] NULL: empty cells). Text cells
 * beginning with = + - @ TAB or CR get a leading apostrophe unless CSVOUT_RAW;
 * numeric columns are written as they are. A cell is quoted only when it needs
 * it (comma, double quote, CR or LF; with CSVOUT_QUOTE_BLANKS also a space or
 * tab at either end; quotes doubled). Rows end with "\n". Returns 0, or -1 on a write error (ferror on
 * the stream; errno holds the reason of the write that failed). */
int csvout_row(csvout *w, const char *const *cells, const size_t *lens, size_t n);

/* Write nrows rows formatted by another csvout (csvout_create_mem: a worker thread
 * formats, the writer only copies), bytes[0..n).
 * The byte-order mark goes first if w has CSVOUT_BOM and has written nothing yet
 * (nothing at all when n and nrows are 0).
 * Returns 0, or -1 on a write error as csvout_row. */
int csvout_rows_raw(csvout *w, const char *bytes, size_t n, unsigned long nrows);

/* Rows written so far (header included). */
unsigned long csvout_rows(const csvout *w);

#endif
