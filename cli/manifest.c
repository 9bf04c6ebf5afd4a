/* manifest.c: the --manifest reader, a csvread client: columns file, city and year by name,
 * or in that order when the first row is not a header. A year is four digits or empty. */
#include "cli/manifest.h"

#include "base/mem.h"
#include "cli/cli.h"
#include "output/csvread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a manifest year is acceptable: empty (unknown) or four digits, as --year. Anything
 * else could reach the CSV's numeric year column as a formula (=HYPERLINK(...)). */
static int year_ok(const char *y, size_t len)
{
    return len == 0 || (len == 4 && strspn(y, "0123456789") == 4);
}

int manifest_load(manifest *m, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        char why[PM_STRERROR_MAX];
        cli_errorf("%s: cannot read manifest: %s", path, pm_strerror(errno, why, sizeof why));
        return -1;
    }
    static const char *const want[] = {"file", "city", "year"};
    pm_error err;
    pm_error_clear(&err);
    csvread *r;
    int rc = csvread_open(&r, fp, path, want, NULL, 3, CSVREAD_HEADER_OPTIONAL, &err);
    const char *const *f;
    const size_t *len;
    while (rc == PM_OK && (rc = csvread_next(r, &f, &len)) == 1) {
        if (!year_ok(f[2], len[2])) {
            int cut = len[2] > 40 ? 40 : (int)len[2]; /* at a character boundary */
            while (cut > 0 && ((unsigned char)f[2][cut] & 0xC0) == 0x80)
                cut--;
            rc = csvread_fail(r, 2, PM_ERR_SYNTAX, "year needs a four-digit year, not '%.*s%s'", cut, f[2],
                              (size_t)cut < len[2] ? "…" : "");
            break;
        }
        GROW(m->rows, m->n + 1, m->cap);
        m->rows[m->n++] = (manifest_row){xmemdup(f[0], len[0]), xmemdup(f[1], len[1]),
                                         xmemdup(f[2], len[2])};
        rc = PM_OK;
    }
    /* a read error (a directory, EIO) is the manifest's, not a CSV error at some line */
    int rerr = ferror(fp) ? (errno ? errno : EIO) : 0;
    csvread_free(r);
    fclose(fp);
    if (rerr) {
        char why[PM_STRERROR_MAX];
        cli_errorf("%s: cannot read manifest: %s", path, pm_strerror(rerr, why, sizeof why));
        return -1;
    }
    if (rc < 0) {
        cli_error(&err);
        return -1;
    }
    return 0;
}

const manifest_row *manifest_find(const manifest *m, const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->rows[i].file, file) == 0)
            return &m->rows[i];
    for (size_t i = 0; i < m->n; i++) {
        const char *mb = strrchr(m->rows[i].file, '/');
        if (strcmp(mb ? mb + 1 : m->rows[i].file, base) == 0)
            return &m->rows[i];
    }
    return NULL;
}

void manifest_free(manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->rows[i].file);
        free(m->rows[i].city);
        free(m->rows[i].year);
    }
    free(m->rows);
    m->rows = NULL;
    m->n = m->cap = 0;
}
