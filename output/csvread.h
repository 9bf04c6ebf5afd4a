/* csvread.h: reading a CSV with a header row through libcsv - fields found by column name,
 * every error located at file:line:column with its source line (summary, --manifest). */
#ifndef PM_CSVREAD_H
#define PM_CSVREAD_H

#include <stdio.h>
#include <stddef.h>
#include "base/error.h"

/* Ownership: a csvread copies the names it is given and owns the row buffers; in and err
 * stay the caller's and must outlive it. Free with csvread_free (accepts NULL). */
typedef struct csvread csvread;

/* csvread_open flags */
enum {
    /* A first record holding none of the wanted names is data, its columns taken in the
     * wanted order (a manifest may or may not have a header). */
    CSVREAD_HEADER_OPTIONAL = 1u << 0
};

/* Read the header of in (a UTF-8 BOM is skipped) and find the nwant columns want[i];
 * optional[i] != 0 (optional may be NULL) lets one be absent. name is used in errors.
 * Returns PM_OK with *rp set (an empty input reads as no rows), or PM_ERR_SYNTAX
 * (missing columns, bad quotes, a record over 16 MB: an unterminated quote) or
 * PM_ERR_IO in err. */
int csvread_open(csvread **rp, FILE *in, const char *name, const char *const *want,
                 const unsigned char *optional, size_t nwant, unsigned flags, pm_error *err);

/* The next record: 1 with (*f)[i], (*len)[i] the field of want[i] (NUL-terminated; NULL
 * when an optional column is absent), valid until the next call; 0 at the end; or a
 * negative PM_ERR_* in the open's err (a required field missing from a short record,
 * bad quotes, a read error). */
int csvread_next(csvread *r, const char *const **f, const size_t **len);

/* Fail at want[i]'s field of the record csvread_next last gave: err gets file, line,
 * column and the source line, and later calls return code. Returns code. */
int csvread_fail(csvread *r, size_t i, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

void csvread_free(csvread *r);

#endif
