/* extract.h: the extraction engine - one document in, one row per quantified target out.
 * An extractor is bound to a loaded rule set; use one extractor per thread. */
#ifndef PM_EXTRACT_H
#define PM_EXTRACT_H

#include <stddef.h>
#include "base/error.h"
#include "ruleset/rules.h"

typedef struct extractor extractor;

/* The CSV columns, in order. */
enum {
    COL_FILE, COL_CITY, COL_YEAR, COL_SECTION, COL_CATEGORY, COL_RULE, COL_SUBJECT,
    COL_ACTION, COL_ROLE, COL_PERIOD, COL_ADDITIVE, COL_ATTRIBUTE, COL_VALUE, COL_VALUE_MAX, COL_QUALIFIER, COL_UNIT, COL_TEXT,
    COL_LINE, COL_CONTEXT, COL_COUNT
};
extern const char *const extract_columns[COL_COUNT];

/* One extracted row: cell[i] (NUL-terminated, len[i] bytes) for column i.
 * Valid only during the callback. value is the parsed number in base units, a unit's scale
 * applied in binary: the value cell is it rounded to NUM_DIGITS significant digits (73.6亿元:
 * 7359999999.999999 here, 7360000000 in the cell, which is what the CSV and summary keep). */
typedef struct pm_row {
    const char *cell[COL_COUNT];
    size_t len[COL_COUNT];
    double value;
    const rule *rule;
    size_t norm_start, norm_end;  /* span of the row's text in the normalised text */
} pm_row;

/* Return non-zero from the callback to stop the document. */
typedef int (*extract_row_fn)(void *ctx, const pm_row *row);
/* Warnings about the document (bad bytes replaced, a rule hit a match limit). */
typedef void (*extract_warn_fn)(void *ctx, const char *file, long line, const char *msg);

/* What explain shows: per line, every number and what became of it; in an indicator
 * table every cell (MARK_CELL: a header cell or a cell that gave no row, note says which). */
enum { MARK_ROW, MARK_EXCLUDED, MARK_UNTAKEN, MARK_CELL };
typedef struct extract_mark {
    int kind;          /* MARK_* */
    size_t start, end; /* byte offsets in the original line (text_orig coordinates) */
    const rule *rule;  /* the rule that took it, or the exclusion; NULL when untaken */
    const char *note;  /* table cells: what the cell is ("name", "target 2025", "text: no number"),
                        * else NULL; valid during the callback */
} extract_mark;
/* Called for every line (also lines without numbers) with its original text
 * (line[0..len), no newline) and its marks in order. Non-zero stops. */
typedef int (*extract_trace_fn)(void *ctx, long lineno, const char *line, size_t len,
                                const extract_mark *marks, size_t nmarks);

typedef struct extract_opts {
    const char *city;      /* override the city read from the title (NULL: detect) */
    const char *year;      /* override the year (NULL: detect) */
    const char *encoding;  /* NULL or "auto": detect */
    extract_warn_fn warn;
    void *warn_ctx;
    double max_seconds;    /* > 0: give up the document after this long (PM_ERR_LIMIT) */
    extract_trace_fn trace; /* explain: see every line's numbers (exclusions then run on every line) */
    void *trace_ctx;
} extract_opts;

/* Bind to r (not copied: r must outlive the extractor). NULL when PCRE2 has no memory.
 * Free with extractor_free (accepts NULL). */
extractor *extractor_create(const rules *r);
void extractor_free(extractor *x);

/* Which plan-type packs to use: NULL or "auto" (default: per document, the pack
 * whose `detect` pattern matches it best; when none does, the `fallback` pack,
 * else the first plan-type pack),
 * "all", or a comma list ("edu,gov"). Packs without `detect` are always used.
 * Returns PM_ERR_USAGE naming an unknown pack. */
int extractor_set_packs(extractor *x, const char *spec, pm_error *err);

/* Extract the document bytes[0..n) named `file`. Rows are passed to fn in
 * document order. Returns 0, PM_ERR_INPUT (binary or undecodable document:
 * err says why), or the callback's non-zero value. */
int extractor_run(extractor *x, const char *file, const char *bytes, size_t n,
                  const extract_opts *o, extract_row_fn fn, void *ctx, pm_error *err);

/* Run every inline example of the rule set. For each failure fn is called
 * with the rule, the example and a message "expected ... got ...".
 * Returns the number of failures. */
typedef void (*extract_fail_fn)(void *ctx, const rule *ru, const rule_example *ex, const char *msg);
size_t extractor_test_examples(extractor *x, extract_fail_fn fn, void *ctx);

#endif
