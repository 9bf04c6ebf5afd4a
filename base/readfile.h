/* readfile.h: reading a whole file into memory - the one loop the CLI's document reader and
 * the rule loader share. Allocation never fails (base/mem.h); only the reading can. */
#ifndef PM_READFILE_H
#define PM_READFILE_H

#include <stddef.h>
#include <stdio.h>

/* The largest document `extract` and `explain` read: 1024 MiB (README "Errors and exit
 * codes"). A larger one is refused by name ("FILE: larger than 1024 MiB", exit code 1). */
#define READFILE_DOC_MAX_MIB 1024
#define READFILE_DOC_MAX ((size_t)READFILE_DOC_MAX_MIB << 20)
/* The largest rule file, given or included: 16 MiB (a rule-file error, exit code 2). */
#define READFILE_RULES_MAX_MIB 16
#define READFILE_RULES_MAX ((size_t)READFILE_RULES_MAX_MIB << 20)

/* The rest of fp, at most max bytes, in a new buffer (NUL-terminated; the caller frees it)
 * with its length in *n. NULL after a read error, with errno's value in *err (EIO when errno
 * has none), or with EFBIG when there are more than max bytes: a regular file is measured
 * first, anything else (a FIFO, /dev/zero) is read no further than max + 1 bytes. fp is
 * left open. */
char *readfile_fp(FILE *fp, size_t max, size_t *n, int *err);

/* Open path ("-": standard input), read it whole (as readfile_fp, at most max bytes) and
 * close it. NULL with errno's value (or EFBIG) in *err when it cannot be opened or read. */
char *readfile(const char *path, size_t max, size_t *n, int *err);

#endif
