/* manifest.h: --manifest, a CSV of file,city,year for documents that do not say (a header
 * row is optional); read through output/csvread, so an error names its line and column. */
#ifndef PM_MANIFEST_H
#define PM_MANIFEST_H

#include <stddef.h>

typedef struct manifest_row {
    char *file, *city, *year;
} manifest_row;

/* Ownership: the manifest owns its rows; manifest_free frees them (the struct is the
 * caller's, zero-initialised before manifest_load). */
typedef struct manifest {
    manifest_row *rows;
    size_t n, cap;
} manifest;

/* Read path into m. A year that is not empty or four digits is an error, as --year's. 0, or
 * -1 after printing the error (file:line:column, caret). */
int manifest_load(manifest *m, const char *path);

/* The row of file: the same path, else the same base name; NULL when none. */
const manifest_row *manifest_find(const manifest *m, const char *file);

void manifest_free(manifest *m);

#endif
