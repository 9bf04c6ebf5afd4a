/* outfile.h: output that is complete or absent - written to a temporary file
 * beside the target and renamed into place on success. */
#ifndef PM_OUTFILE_H
#define PM_OUTFILE_H

#include <stdio.h>
#include "extract/error.h"

typedef struct outfile outfile;

/* path NULL or "-": standard output (no temporary file). Otherwise refuses
 * (PM_ERR_USAGE, message names the file) when path is the same file as one of
 * inputs[0..ninputs) (compared by device and inode, not by name), and creates
 * "DIR/.NAME.XXXXXX" with mkstemp. Returns NULL and fills err on failure. */
outfile *outfile_open(const char *path, const char *const *inputs, size_t ninputs, pm_error *err);

FILE *outfile_stream(outfile *o);

/* Flush, check ferror, fsync-free close, rename onto the target. On any
 * failure the temporary file is removed and PM_ERR_IO returned with the reason
 * (e.g. "no space left on device"). Frees o in every case. */
int outfile_commit(outfile *o, pm_error *err);

/* Remove the temporary file and free o (accepts NULL). Safe to use for cleanup. */
void outfile_abort(outfile *o);

/* Async-signal-safe: unlink every temporary file still open (for SIGINT handlers). */
void outfile_abort_all_signal(void);

#endif
