/* filelist.h: the documents of a batch - named on the command line, found by walking
 * a directory (-r), or read one per line from a list (--files-from). */
#ifndef PM_FILELIST_H
#define PM_FILELIST_H

#include <stddef.h>

typedef struct filelist {
    char **v;     /* paths, owned */
    size_t n, cap;
} filelist;

/* Append a copy of path. */
void filelist_add(filelist *l, const char *path);
/* Told of a directory the walk skips (path as found, msg such as "recursive directory loop"). */
typedef void (*filelist_warn_fn)(void *ctx, const char *path, const char *msg);
/* Append every regular file under dir whose name matches glob (fnmatch), in
 * sorted path order so runs are reproducible. Symbolic links are followed, but a directory
 * that is already on the path being walked (same device and inode: a link to . or ..) is
 * skipped and given to warn (may be NULL), so each file is found once along one path.
 * 0, or -1 with errno set. */
int filelist_walk(filelist *l, const char *dir, const char *glob, filelist_warn_fn warn, void *ctx);
/* Append the paths of a list file, one per line ("-" = standard input); empty
 * lines are skipped, a trailing '\r' is dropped. 0, or -1 with errno set. */
int filelist_read(filelist *l, const char *list);
void filelist_free(filelist *l);

#endif
