/* outfile.c: all-or-nothing output files - mkstemp beside the target, rename on
 * commit - plus a static registry of live temporary files for signal handlers. */
#include "output/outfile.h"

#include "base/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Temporary files that a signal handler may have to remove. The paths live in
 * static storage so the handler never touches memory that may be freed. */
#define OUTFILE_SLOTS 64
enum { SLOT_FREE = 0, SLOT_CLAIMED = 1, SLOT_LIVE = 2 };
static char reg_path[OUTFILE_SLOTS][PATH_MAX];
static atomic_int reg_state[OUTFILE_SLOTS];

/* Longest part of the target's name copied into the temporary name, so that
 * ".NAME.XXXXXX" stays under NAME_MAX (255) for any target. */
#define TMP_BASE_MAX 200

struct outfile {
    FILE *fp;
    int is_stdout;
    int direct;  /* a device or pipe (/dev/null, a FIFO): written in place, never renamed */
    int slot;       /* index in the registry, -1 for none */
    char *shown;    /* the path as given, for messages */
    char *target;   /* rename destination (a symlink is resolved to its file) */
    char *tmp;
};

static int slot_claim(void)
{
    for (int i = 0; i < OUTFILE_SLOTS; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&reg_state[i], &expected, SLOT_CLAIMED))
            return i;
    }
    return -1;
}

static void slot_release(int slot)
{
    if (slot >= 0)
        atomic_store(&reg_state[slot], SLOT_FREE);
}

void outfile_abort_all_signal(void)
{
    for (int i = 0; i < OUTFILE_SLOTS; i++)
        if (atomic_load(&reg_state[i]) == SLOT_LIVE)
            unlink(reg_path[i]);
}

/* The process umask, read without changing it where possible (umask() is
 * set-and-get, which would race with other threads creating files). */
static mode_t current_umask(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (fp) {
        char line[256];
        while (fgets(line, sizeof line, fp)) {
            if (strncmp(line, "Umask:", 6) == 0) {
                char *end;
                unsigned long m = strtoul(line + 6, &end, 8);
                if (end != line + 6) {
                    fclose(fp);
                    return (mode_t)(m & 0777);
                }
            }
        }
        fclose(fp);
    }
    mode_t m = umask(0);
    umask(m);
    return m;
}

static int stat_input(const char *in, struct stat *st)
{
    if (!in)
        return -1;
    if (strcmp(in, "-") == 0)
        return fstat(STDIN_FILENO, st);
    return stat(in, st);
}

/* Index of the input that is the same file as st, or -1. */
static long same_input(const struct stat *st, const char *const *inputs, size_t ninputs)
{
    for (size_t i = 0; inputs && i < ninputs; i++) {
        struct stat is;
        if (stat_input(inputs[i], &is) == 0 && is.st_dev == st->st_dev && is.st_ino == st->st_ino)
            return (long)i;
    }
    return -1;
}

static void outfile_free(outfile *o)
{
    if (!o)
        return;
    free(o->shown);
    free(o->target);
    free(o->tmp);
    free(o);
}

static outfile *open_stdout(const char *const *inputs, size_t ninputs, pm_error *err)
{
    struct stat so;
    if (fstat(STDOUT_FILENO, &so) == 0 && S_ISREG(so.st_mode)) {
        long i = same_input(&so, inputs, ninputs);
        if (i >= 0) {
            pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0,
                         "standard output is the same file as input '%s'", inputs[i]);
            return NULL;
        }
    }
    outfile *o = xcalloc(1, sizeof *o);
    o->fp = stdout;
    o->is_stdout = 1;
    o->slot = -1;
    return o;
}

/* A device or FIFO, written in place. */
static outfile *open_direct(const char *path, pm_error *err)
{
    char why[PM_STRERROR_MAX];
    outfile *d = xcalloc(1, sizeof *d);
    d->shown = xstrdup(path);
    d->slot = -1;
    d->direct = 1;
    if (!(d->fp = fopen(path, "w"))) {
        pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write '%s': %s", path, pm_strerror(errno, why, sizeof why));
        outfile_free(d);
        return NULL;
    }
    return d;
}

/* A regular file (ts: its stat, NULL when new), written to a temporary beside it. */
static outfile *open_replacing(const char *path, const struct stat *ts, pm_error *err)
{
    char why[PM_STRERROR_MAX];
    int exists = ts != NULL;
    /* Keep an existing file's permissions, as truncating it in place would;
     * a new file gets 0666 & ~umask like fopen (mkstemp creates 0600). */
    mode_t mode = exists ? (ts->st_mode & 07777) : (0666 & ~current_umask());

    outfile *o = xcalloc(1, sizeof *o);
    o->slot = -1;
    o->shown = xstrdup(path);
    /* Replace the file a symlink points to, not the link itself. */
    struct stat ls;
    if (exists && lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode))
        o->target = realpath(path, NULL);
    if (!o->target) /* realpath failed (a dangling link): the path itself */
        o->target = xstrdup(path);

    const char *slash = strrchr(o->target, '/');
    size_t dirlen = slash ? (size_t)(slash - o->target) + 1 : 0;
    const char *base = o->target + dirlen;
    size_t baselen = strlen(base);
    if (baselen == 0) {
        pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write '%s': %s", path,
                     pm_strerror(EISDIR, why, sizeof why));
        outfile_free(o);
        return NULL;
    }
    if (baselen > TMP_BASE_MAX)
        baselen = TMP_BASE_MAX;
    size_t tmplen = dirlen + 1 + baselen + 7;
    o->tmp = xmalloc(tmplen + 1);
    memcpy(o->tmp, o->target, dirlen);
    o->tmp[dirlen] = '.';
    memcpy(o->tmp + dirlen + 1, base, baselen);
    memcpy(o->tmp + dirlen + 1 + baselen, ".XXXXXX", 8);

    if (tmplen >= PATH_MAX) {
        pm_error_set(err, PM_ERR_LIMIT, NULL, 0, 0, "cannot write '%s': %s", path,
                     pm_strerror(ENAMETOOLONG, why, sizeof why));
        outfile_free(o);
        return NULL;
    }
    o->slot = slot_claim();
    if (o->slot < 0) {
        pm_error_set(err, PM_ERR_LIMIT, NULL, 0, 0,
                     "cannot write '%s': more than %d output files open", path, OUTFILE_SLOTS);
        outfile_free(o);
        return NULL;
    }

    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot create a temporary file beside '%s': %s",
                     path, pm_strerror(errno, why, sizeof why));
        slot_release(o->slot);
        outfile_free(o);
        return NULL;
    }
    memcpy(reg_path[o->slot], o->tmp, tmplen + 1);
    atomic_store(&reg_state[o->slot], SLOT_LIVE);

    if (fchmod(fd, mode) != 0 || !(o->fp = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        slot_release(o->slot);
        pm_error_set(err, PM_ERR_IO, NULL, 0, 0,
                     "cannot write '%s': %s", path, pm_strerror(e, why, sizeof why));
        outfile_free(o);
        return NULL;
    }
    return o;
}

outfile *outfile_open(const char *path, const char *const *inputs, size_t ninputs, pm_error *err)
{
    char why[PM_STRERROR_MAX];
    if (!path || strcmp(path, "-") == 0)
        return open_stdout(inputs, ninputs, err);

    struct stat ts;
    int exists = stat(path, &ts) == 0;
    if (exists && S_ISDIR(ts.st_mode)) {
        pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write '%s': %s", path,
                     pm_strerror(EISDIR, why, sizeof why));
        return NULL;
    }
    if (exists) {
        long i = same_input(&ts, inputs, ninputs);
        if (i >= 0) {
            pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0,
                         "output '%s' is the same file as input '%s'", path, inputs[i]);
            return NULL;
        }
        /* fopen("w") would refuse a file we may not write: so do we. */
        if (access(path, W_OK) != 0) {
            pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write '%s': %s", path,
                         pm_strerror(errno, why, sizeof why));
            return NULL;
        }
    }
    /* A device or a FIFO cannot be replaced by rename: write to it in place. */
    if (exists && !S_ISREG(ts.st_mode))
        return open_direct(path, err);
    return open_replacing(path, exists ? &ts : NULL, err);
}

FILE *outfile_stream(outfile *o)
{
    return o ? o->fp : NULL;
}

int outfile_commit(outfile *o, pm_error *err)
{
    char why[PM_STRERROR_MAX];
    if (!o)
        return pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "no output file to commit");

    if (o->is_stdout) {
        errno = 0;
        int bad = fflush(stdout) != 0 || ferror(stdout);
        int e = errno ? errno : EIO;
        outfile_free(o);
        if (bad)
            return pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write standard output: %s",
                                pm_strerror(e, why, sizeof why));
        return PM_OK;
    }

    int e = 0;
    errno = 0;
    if (fflush(o->fp) != 0)
        e = errno ? errno : EIO;
    else if (ferror(o->fp))
        e = EIO; /* an earlier write failed; its errno is gone */
    errno = 0;
    if (fclose(o->fp) != 0 && !e)
        e = errno ? errno : EIO;
    o->fp = NULL;
    if (!o->direct && !e && rename(o->tmp, o->target) != 0)
        e = errno;
    if (e && !o->direct)
        unlink(o->tmp);
    /* Only now: a signal arriving before the rename still finds the file. */
    slot_release(o->slot);
    int code = PM_OK;
    if (e)
        code = pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write '%s': %s", o->shown,
                            pm_strerror(e, why, sizeof why));
    outfile_free(o);
    return code;
}

void outfile_abort(outfile *o)
{
    if (!o)
        return;
    if (o->direct && o->fp)
        fclose(o->fp);
    else if (!o->is_stdout) {
        if (o->fp)
            fclose(o->fp);
        unlink(o->tmp);
        slot_release(o->slot);
    }
    outfile_free(o);
}
