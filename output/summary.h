/* summary.h: totals and distributions of extracted targets, grouped by any columns.
 * Rows come from extract CSV files (summary_read) or directly (summary_add); GSL does the
 * statistics (output/sumtable.c), output/grid the writing. */
#ifndef PM_SUMMARY_H
#define PM_SUMMARY_H

#include <stdio.h>
#include <stddef.h>
#include "base/error.h"

/* Ownership: a summary owns copies of everything it is given (group keys are
 * interned once, values kept as doubles); callers keep ownership of every
 * string, stream and callback context they pass in. Free with summary_free. */
typedef struct summary summary;

/* Output formats for summary_write. */
enum { SUMMARY_CSV = 0, SUMMARY_MD = 1, SUMMARY_JSON = 2 };

/* summary_write flags: which table to write (default: statistics per group).
 * The two cannot be combined. */
enum {
    SUMMARY_HIST = 1u << 0,  /* log10 distribution per group, one row per bin */
    SUMMARY_PIVOT = 1u << 1  /* wide table of sums: first by-field x second by-field */
};

/* by: comma-separated column names ("city,category" ...), NULL or "" for the
 * default "city,category,unit"; "unit" is appended when missing.
 * role: "target" (NULL means this), "baseline" or "all".
 * Returns NULL with PM_ERR_USAGE (bad field list or role) in err. */
summary *summary_create(const char *by, const char *role, pm_error *err);
void summary_free(summary *s);

/* Whether a unit may be summed: fn returns 1 yes, 0 no, -1 unknown (summed).
 * "%" and "‰" are never summed. Without a callback every other unit is summed.
 * ctx is passed through, not owned. */
void summary_set_additive(summary *s, int (*fn)(void *ctx, const char *unit), void *ctx);

/* Add one row given as n (name, value) pairs, NUL-terminated, not kept.
 * Needs value, unit, role, file and the by-fields; value_max optional (a
 * non-empty value_max makes a range, counted at its lower bound `value`).
 * Rows whose role does not match are ignored after their numbers are checked.
 * Returns PM_OK or PM_ERR_SYNTAX (missing field, value not a number; err has no
 * location). */
int summary_add(summary *s, const char *const *names, const char *const *values, size_t n,
                pm_error *err);

/* Read a whole CSV stream with a header row (columns found by name, extra and
 * reordered columns fine; a UTF-8 BOM is skipped). name is used in errors.
 * Empty input or a header alone adds nothing. Returns PM_OK, PM_ERR_SYNTAX
 * (missing column, bad number, misplaced quote, unterminated quoted field:
 * err names file, line and column, with the source line; output/csvread) or
 * PM_ERR_IO. Rows before an error stay added. */
int summary_read(summary *s, FILE *in, const char *name, pm_error *err);

/* Write the table selected by flags to out in a SUMMARY_* format. Groups are
 * sorted by key. Returns PM_OK, PM_ERR_USAGE (bad flags: checked before
 * anything is written) or PM_ERR_IO (write error). */
int summary_write(summary *s, FILE *out, int format, unsigned flags, pm_error *err);

/* Number of groups so far. */
size_t summary_groups(const summary *s);

#endif
