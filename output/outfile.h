/* outfile.h: output that is complete or absent - written to a temporary file
 * beside the target and renamed into place on success. */
#ifndef PM_OUTFILE_H
#define PM_OUTFILE_H

#include <stdio.h>
#include "base/error.h"

typedef struct outfile outfile;

/* path NULL or "-": standard output (no temporary file; refused if stdout is
 * a regular file that is one of the inputs). Otherwise refuses (PM_ERR_USAGE,
 * message names both files) when path is the same file as one of
 * inputs[0..ninputs) (compared by device and inode, not by name; "-" is stdin;
 * a target that does not exist yet is fine), and creates "DIR/.NAME.XXXXXX"
 * with mkstemp. The file gets 0666 & ~umask like fopen, or the mode of the
 * file it replaces; a symlink target is followed, so the link stays. Returns
 * NULL and fills err on failure (PM_ERR_IO; PM_ERR_LIMIT beyond 64 files open
 * at once). */
outfile *outfile_open(const char *path, const char *const *inputs, size_t ninputs, pm_error *err);

FILE *outfile_stream(outfile *o);

/* Flush, check ferror, fsync-free close, rename onto the target. On any
 * failure the temporary file is removed and PM_ERR_IO returned with the reason
 * (e.g. "cannot write 'out.csv': no space left on device"; "input/output error"
 * when only the stream's error flag tells of an earlier failed write). For
 * stdout: fflush and ferror only, never closed. Frees o in every case. */
int outfile_commit(outfile *o, pm_error *err);

/* Remove the temporary file and free o (accepts NULL). Safe to use for cleanup. */
void outfile_abort(outfile *o);

/* Async-signal-safe: unlink every temporary file still open (for SIGINT handlers). */
void outfile_abort_all_signal(void);

#endif
