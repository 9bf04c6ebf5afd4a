/* readfile.c: a whole file into memory, in chunks that double (64 KB first).
 * Used by the CLI for documents and by the rule loader for rule files. */
#include "base/readfile.h"

#include "base/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *readfile_fp(FILE *fp, size_t *n, int *err)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap)
            break;
        cap *= 2;
        buf = xrealloc(buf, cap + 1);
    }
    if (ferror(fp)) {
        *err = errno ? errno : EIO;
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *n = len;
    return buf;
}

char *readfile(const char *path, size_t *n, int *err)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        *err = errno;
        return NULL;
    }
    char *buf = readfile_fp(fp, n, err);
    if (fp != stdin)
        fclose(fp);
    return buf;
}
