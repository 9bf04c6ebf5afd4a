/* error.c: filling and printing the shared error record.
 * Printing lives here so every command formats locations the same way; the caret goes
 * under the column by display width (base/utf8), wide CJK counted as 2. */
#include "base/error.h"

#include "base/utf8.h"

#include <stdarg.h>
#include <string.h>

const char *pm_strerror(int errnum, char *buf, size_t size)
{
    if (!buf || size == 0)
        return "";
    buf[0] = '\0';
#if defined(_GNU_SOURCE)
    /* the GNU strerror_r returns its text, in buf or a static string */
    const char *s = strerror_r(errnum, buf, size);
    if (s != buf)
        snprintf(buf, size, "%s", s);
#else
    /* the XSI strerror_r (the Makefile's -D_POSIX_C_SOURCE=200809L without _GNU_SOURCE)
     * fills buf and returns 0 or an error number */
    if (strerror_r(errnum, buf, size) != 0 && !buf[0])
        snprintf(buf, size, "error %d", errnum);
#endif
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

void pm_error_clear(pm_error *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

int pm_error_set(pm_error *e, int code, const char *file, long line, long column,
                 const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->source[0] = '\0';
    return code;
}

void pm_error_source(pm_error *e, const char *line, size_t len)
{
    if (!e || !line)
        return;
    size_t n = 0;
    while (n < len && line[n] != '\n' && line[n] != '\r')
        n++;
    if (n >= sizeof e->source)
        n = sizeof e->source - 1;
    memcpy(e->source, line, n);
    e->source[n] = '\0';
}

void pm_error_print(const pm_error *e, FILE *fp)
{
    fputs("planmetrics: ", fp);
    if (e->file[0]) {
        fputs(e->file, fp);
        if (e->line > 0) {
            fprintf(fp, ":%ld", e->line);
            if (e->column > 0)
                fprintf(fp, ":%ld", e->column);
        }
        fputs(": ", fp);
    }
    fprintf(fp, "%s\n", e->msg);
    if (e->source[0] && e->column > 0) {
        fprintf(fp, "  %s\n  %*s^\n", e->source, (int)utf8_width_chars(e->source, (size_t)(e->column - 1)), "");
    }
}
