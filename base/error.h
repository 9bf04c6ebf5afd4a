/* error.h: the error record every module fills instead of printing.
 * Only the CLI prints it (pm_error_print) and chooses the exit code. */
#ifndef PM_ERROR_H
#define PM_ERROR_H

#include <stdio.h>

/* Return codes shared by all modules. */
enum {
    PM_OK = 0,
    PM_ERR_IO = -1,      /* a file could not be read or written */
    PM_ERR_SYNTAX = -2,  /* a rule file or CSV input is malformed */
    PM_ERR_NOMEM = -3,
    PM_ERR_INPUT = -4,   /* an input document was unusable (binary, bad encoding) */
    PM_ERR_LIMIT = -5,   /* a resource limit was hit */
    PM_ERR_USAGE = -6
};

/* Where and what. line/column are 1-based; 0 means unknown.
 * source holds the offending line (may be empty) for the caret display. */
typedef struct pm_error {
    int code;
    char file[512];
    long line;
    long column;
    char msg[512];
    char source[512];
} pm_error;

void pm_error_clear(pm_error *e);

/* Fill e (if non-NULL) and return code. fmt is printf-style. */
int pm_error_set(pm_error *e, int code, const char *file, long line, long column,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Remember the source line (up to its newline) for the caret display. */
void pm_error_source(pm_error *e, const char *line, size_t len);

/* "planmetrics: FILE:LINE:COL: MSG", then the source line and a caret
 * under the column (column counted in characters, wide CJK counted as 2). */
void pm_error_print(const pm_error *e, FILE *fp);

/* Room for any pm_strerror text. */
#define PM_STRERROR_MAX 128

/* The text of errno value errnum with its first letter lowercased ("no such file or directory",
 * "input/output error"; "EOF"-like words kept), written into buf (size bytes) and returned.
 * Thread-safe: nothing is shared between calls (strerror_r), so workers may call it. */
const char *pm_strerror(int errnum, char *buf, size_t size);

#endif
