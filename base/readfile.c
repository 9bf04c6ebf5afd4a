/* readfile.c: a whole file into memory, in chunks that double (64 KB first) up to a cap.
 * Used by the CLI for documents and by the rule loader for rule files. */
#include "base/readfile.h"

#include "base/mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Whether fp is a regular file with more than max bytes after its position (a cheap
 * refusal; other files are bounded by the read loop). */
static int known_too_big(FILE *fp, size_t max)
{
    struct stat st;
    int fd = fileno(fp);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    off_t at = ftello(fp);
    if (at < 0 || st.st_size <= at)
        return 0;
    return (uintmax_t)(st.st_size - at) > (uintmax_t)max;
}

char *readfile_fp(FILE *fp, size_t max, size_t *n, int *err)
{
    if (max >= SIZE_MAX - 1)
        max = SIZE_MAX - 2;
    if (known_too_big(fp, max)) {
        *err = EFBIG;
        return NULL;
    }
    /* room for one byte past max, so a file of more than max bytes is seen as such */
    size_t limit = max + 1, cap = limit < (1 << 16) ? limit : (1 << 16), len = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap)
            break;
        if (cap == limit) {
            free(buf);
            *err = EFBIG;
            return NULL;
        }
        cap = cap > limit / 2 ? limit : cap * 2;
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

char *readfile(const char *path, size_t max, size_t *n, int *err)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        *err = errno;
        return NULL;
    }
    char *buf = readfile_fp(fp, max, n, err);
    if (fp != stdin)
        fclose(fp);
    return buf;
}
