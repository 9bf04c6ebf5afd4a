/* filelist.c: collecting the paths of a batch: arguments, directory walks, list files.
 * Walks are sorted so the output order never depends on the file system. */
#include "cli/filelist.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "base/strbuf.h"

void filelist_add(filelist *l, const char *path)
{
    GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = xstrdup(path);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The directories from the walk's root down to the one being read, by device and inode. */
#define WALK_MAX_DEPTH 64
typedef struct walk_state {
    const char *glob;
    filelist_warn_fn warn;
    void *ctx;
    dev_t dev[WALK_MAX_DEPTH + 1];
    ino_t ino[WALK_MAX_DEPTH + 1];
} walk_state;

static int on_path(const walk_state *w, int depth, const struct stat *st)
{
    for (int i = 0; i <= depth; i++)
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino)
            return 1;
    return 0;
}

/* Walk dir, the directory of w->dev/ino[depth]. */
static int walk(filelist *l, const char *dir, walk_state *w, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    filelist sub = {0};
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* ., .., and hidden files such as our own temporary outputs */
        strbuf p = STRBUF_INIT;
        strbuf_addf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
        filelist_add(&sub, p.buf);
        strbuf_release(&p);
    }
    closedir(d);
    if (sub.n > 1)
        qsort(sub.v, sub.n, sizeof(char *), cmp);
    for (size_t i = 0; i < sub.n && rc == 0; i++) {
        struct stat st;
        if (stat(sub.v[i], &st) != 0)
            continue;
        const char *base = strrchr(sub.v[i], '/');
        base = base ? base + 1 : sub.v[i];
        if (S_ISDIR(st.st_mode) && on_path(w, depth, &st)) {
            if (w->warn)
                w->warn(w->ctx, sub.v[i], "recursive directory loop");
        } else if (S_ISDIR(st.st_mode)) {
            if (depth + 1 > WALK_MAX_DEPTH) {
                errno = ELOOP;
                rc = -1;
                break;
            }
            w->dev[depth + 1] = st.st_dev;
            w->ino[depth + 1] = st.st_ino;
            rc = walk(l, sub.v[i], w, depth + 1);
        } else if (S_ISREG(st.st_mode) && fnmatch(w->glob, base, 0) == 0)
            filelist_add(l, sub.v[i]);
    }
    filelist_free(&sub);
    return rc;
}

int filelist_walk(filelist *l, const char *dir, const char *glob, filelist_warn_fn warn, void *ctx)
{
    walk_state w = {.glob = glob, .warn = warn, .ctx = ctx};
    struct stat st;
    if (stat(dir, &st) != 0)
        return -1;
    w.dev[0] = st.st_dev;
    w.ino[0] = st.st_ino;
    return walk(l, dir, &w, 0);
}

int filelist_read(filelist *l, const char *list)
{
    FILE *fp = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
    if (!fp)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0)
            filelist_add(l, line);
    }
    if (ferror(fp))
        rc = -1;
    free(line);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

void filelist_free(filelist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
