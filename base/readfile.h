/* readfile.h: reading a whole file into memory - the one loop the CLI's document reader and
 * the rule loader share. Allocation never fails (base/mem.h); only the reading can. */
#ifndef PM_READFILE_H
#define PM_READFILE_H

#include <stddef.h>
#include <stdio.h>

/* The rest of fp, in a new buffer (NUL-terminated; the caller frees it) with its length in
 * *n. NULL after a read error, with errno's value in *err (EIO when errno has none). fp is
 * left open. */
char *readfile_fp(FILE *fp, size_t *n, int *err);

/* Open path ("-": standard input), read it whole (as readfile_fp) and close it. NULL with
 * errno's value in *err when it cannot be opened or read. */
char *readfile(const char *path, size_t *n, int *err);

#endif
