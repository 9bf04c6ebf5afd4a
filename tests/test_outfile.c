/* test_outfile.c: cmocka tests of all-or-nothing output files - commit, abort,
 * refusing to overwrite an input, write and rename errors, modes, signal cleanup. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/outfile.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

typedef struct fixture {
    char dir[64];
    char path[PATH_MAX];
} fixture;

/* Remove a directory tree (no symlinks followed). */
static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                    continue;
                char sub[PATH_MAX];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rm_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/pm_outfile_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* f->path = DIR/name */
static const char *at(fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

/* Entries of dir (without . and ..); with prefix set, only those starting with it. */
static int count_entries(const char *dir, const char *prefix, char *first, size_t firstsize)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (prefix && strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        if (n == 0 && first)
            snprintf(first, firstsize, "%s", de->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Whole file in a static buffer, or NULL if it cannot be opened. */
static const char *read_file(const char *path)
{
    static char buf[1 << 16];
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void test_commit_creates_file(void **state)
{
    fixture *f = *state;
    pm_error err;
    pm_error_clear(&err);
    outfile *o = outfile_open(at(f, "out.csv"), NULL, 0, &err);
    assert_non_null(o);
    FILE *fp = outfile_stream(o);
    assert_non_null(fp);
    assert_true(fp != stdout);
    assert_true(fputs("指标,值\nGDP,5\n", fp) >= 0);

    /* While open: only the temporary ".out.csv.XXXXXX" exists, beside the target. */
    char tmpname[256];
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
    assert_int_equal(count_entries(f->dir, ".out.csv.", tmpname, sizeof tmpname), 1);
    assert_int_equal(strlen(tmpname), strlen(".out.csv.") + 6);
    assert_null(read_file(at(f, "out.csv")));

    assert_int_equal(outfile_commit(o, &err), PM_OK);
    const char *text = read_file(at(f, "out.csv"));
    assert_non_null(text);
    assert_string_equal(text, "指标,值\nGDP,5\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
    assert_int_equal(count_entries(f->dir, ".", NULL, 0), 0);
}

static void test_commit_replaces_existing(void **state)
{
    fixture *f = *state;
    write_file(at(f, "out.csv"), "old contents that are longer\n");
    pm_error err;
    outfile *o = outfile_open(at(f, "out.csv"), NULL, 0, &err);
    assert_non_null(o);
    fputs("new\n", outfile_stream(o));
    /* Until the commit the old file is intact. */
    assert_string_equal(read_file(at(f, "out.csv")), "old contents that are longer\n");
    assert_int_equal(outfile_commit(o, &err), PM_OK);
    assert_string_equal(read_file(at(f, "out.csv")), "new\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
}

static void test_relative_target(void **state)
{
    fixture *f = *state;
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    pm_error err;
    outfile *o = outfile_open("rel.csv", NULL, 0, &err);
    int ok = o != NULL;
    if (o) {
        fputs("x\n", outfile_stream(o));
        ok = outfile_commit(o, &err) == PM_OK;
    }
    assert_int_equal(chdir(cwd), 0);
    assert_true(ok);
    assert_string_equal(read_file(at(f, "rel.csv")), "x\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
}

static void test_abort_leaves_nothing(void **state)
{
    fixture *f = *state;
    pm_error err;
    outfile *o = outfile_open(at(f, "out.csv"), NULL, 0, &err);
    assert_non_null(o);
    fputs("partial", outfile_stream(o));
    outfile_abort(o);
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 0);

    /* An existing target survives an abort untouched. */
    write_file(at(f, "keep.csv"), "keep\n");
    o = outfile_open(at(f, "keep.csv"), NULL, 0, &err);
    assert_non_null(o);
    fputs("replacement", outfile_stream(o));
    outfile_abort(o);
    assert_string_equal(read_file(at(f, "keep.csv")), "keep\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);

    outfile_abort(NULL);
}

static void test_refuse_input(void **state)
{
    fixture *f = *state;
    char target[PATH_MAX], spelled[PATH_MAX], twice[PATH_MAX], linked[PATH_MAX];
    snprintf(target, sizeof target, "%s/x.txt", f->dir);
    snprintf(spelled, sizeof spelled, "%s/./x.txt", f->dir);
    snprintf(twice, sizeof twice, "%s//x.txt", f->dir);
    snprintf(linked, sizeof linked, "%s/hard.txt", f->dir);
    write_file(target, "规划纲要\n");
    assert_int_equal(link(target, linked), 0);

    const char *spellings[] = {spelled, twice, linked};
    for (size_t i = 0; i < 3; i++) {
        const char *inputs[] = {"/nonexistent/input.txt", spellings[i]};
        pm_error err;
        pm_error_clear(&err);
        outfile *o = outfile_open(target, inputs, 2, &err);
        assert_null(o);
        assert_int_equal(err.code, PM_ERR_USAGE);
        assert_non_null(strstr(err.msg, "'"));
        assert_non_null(strstr(err.msg, target));
        assert_non_null(strstr(err.msg, spellings[i]));
    }

    /* Relative "./x.txt" against the absolute target, from inside the directory. */
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    const char *rel[] = {"./x.txt"};
    pm_error err;
    outfile *o = outfile_open(target, rel, 1, &err);
    outfile *o2 = outfile_open("x.txt", (const char *const[]){target}, 1, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_null(o);
    assert_null(o2);

    /* Nothing was touched or left behind. */
    assert_string_equal(read_file(target), "规划纲要\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 2);

    /* A different file, or a target that does not exist yet, is fine. */
    const char *inputs[] = {target};
    o = outfile_open(at(f, "new.csv"), inputs, 1, &err);
    assert_non_null(o);
    outfile_abort(o);
    write_file(at(f, "other.csv"), "o\n");
    o = outfile_open(f->path, inputs, 1, &err);
    assert_non_null(o);
    outfile_abort(o);
}

static void test_target_is_directory(void **state)
{
    fixture *f = *state;
    pm_error err;
    pm_error_clear(&err);
    assert_null(outfile_open(f->dir, NULL, 0, &err));
    assert_int_equal(err.code, PM_ERR_IO);
    assert_non_null(strstr(err.msg, "is a directory"));

    pm_error_clear(&err);
    assert_null(outfile_open(at(f, "missing/out.csv"), NULL, 0, &err));
    assert_int_equal(err.code, PM_ERR_IO);
    assert_non_null(strstr(err.msg, "no such file or directory"));
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 0);
}

static void test_commit_error_directory_removed(void **state)
{
    fixture *f = *state;
    char sub[128], target[PATH_MAX], tmp[PATH_MAX], name[256];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    snprintf(target, sizeof target, "%s/out.csv", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    pm_error err;
    pm_error_clear(&err);
    outfile *o = outfile_open(target, NULL, 0, &err);
    assert_non_null(o);
    fputs("data\n", outfile_stream(o));

    assert_int_equal(count_entries(sub, ".out.csv.", name, sizeof name), 1);
    snprintf(tmp, sizeof tmp, "%s/%s", sub, name);
    assert_int_equal(unlink(tmp), 0);
    assert_int_equal(rmdir(sub), 0);

    assert_int_equal(outfile_commit(o, &err), PM_ERR_IO);
    assert_int_equal(err.code, PM_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot write '"));
    assert_non_null(strstr(err.msg, target));
    assert_non_null(strstr(err.msg, ": no such file or directory"));
}

static void test_commit_error_write_fails(void **state)
{
    fixture *f = *state;
    /* A file size limit makes write(2) fail with EFBIG, like a full disk would
     * fail with ENOSPC: the commit must notice, keep nothing and say why. */
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < 4096)
        skip();
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    write_file(at(f, "out.csv"), "previous\n");

    pm_error err;
    pm_error_clear(&err);
    outfile *o = outfile_open(at(f, "out.csv"), NULL, 0, &err);
    assert_non_null(o);
    FILE *fp = outfile_stream(o);
    setvbuf(fp, NULL, _IOFBF, 1 << 16); /* everything still buffered at commit */

    lim = old;
    lim.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; i < 1000; i++)
        fputs("到2025年，单位GDP能耗降低13.5%\n", fp);
    int rc = outfile_commit(o, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);

    assert_int_equal(rc, PM_ERR_IO);
    assert_int_equal(err.code, PM_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot write '"));
    assert_non_null(strstr(err.msg, "': file too large"));
    assert_string_equal(read_file(at(f, "out.csv")), "previous\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
}

static void test_commit_error_stream_error(void **state)
{
    fixture *f = *state;
    pm_error err;
    pm_error_clear(&err);
    outfile *o = outfile_open(at(f, "out.csv"), NULL, 0, &err);
    assert_non_null(o);
    FILE *fp = outfile_stream(o);
    fputs("data\n", fp);
    /* Reading a write-only stream sets its error flag. */
    assert_int_equal(fgetc(fp), EOF);
    assert_true(ferror(fp));
    assert_int_equal(outfile_commit(o, &err), PM_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot write '"));
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 0);
}

static mode_t file_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_permissions(void **state)
{
    fixture *f = *state;
    pm_error err;
    mode_t saved = umask(022);
    outfile *o = outfile_open(at(f, "a.csv"), NULL, 0, &err);
    int rc1 = o ? outfile_commit(o, &err) : -1;
    umask(077);
    o = outfile_open(at(f, "b.csv"), NULL, 0, &err);
    int rc2 = o ? outfile_commit(o, &err) : -1;
    umask(saved);
    assert_int_equal(rc1, PM_OK);
    assert_int_equal(rc2, PM_OK);
    assert_int_equal(file_mode(at(f, "a.csv")), 0644);
    assert_int_equal(file_mode(at(f, "b.csv")), 0600);

    /* Replacing a file keeps its mode, as truncating it in place would. */
    write_file(at(f, "c.csv"), "c\n");
    assert_int_equal(chmod(f->path, 0640), 0);
    o = outfile_open(f->path, NULL, 0, &err);
    assert_non_null(o);
    assert_int_equal(outfile_commit(o, &err), PM_OK);
    assert_int_equal(file_mode(at(f, "c.csv")), 0640);
}

static void test_symlink_target(void **state)
{
    fixture *f = *state;
    char real[PATH_MAX], lnk[PATH_MAX];
    snprintf(real, sizeof real, "%s/real.csv", f->dir);
    snprintf(lnk, sizeof lnk, "%s/link.csv", f->dir);
    write_file(real, "old\n");
    assert_int_equal(symlink("real.csv", lnk), 0);
    pm_error err;
    outfile *o = outfile_open(lnk, NULL, 0, &err);
    assert_non_null(o);
    fputs("new\n", outfile_stream(o));
    assert_int_equal(outfile_commit(o, &err), PM_OK);
    struct stat st;
    assert_int_equal(lstat(lnk, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(read_file(real), "new\n");
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 2);
}

static void test_stdout(void **state)
{
    (void)state;
    pm_error err;
    outfile *o = outfile_open("-", NULL, 0, &err);
    assert_non_null(o);
    assert_ptr_equal(outfile_stream(o), stdout);
    assert_int_equal(outfile_commit(o, &err), PM_OK);
    o = outfile_open(NULL, NULL, 0, &err);
    assert_non_null(o);
    assert_ptr_equal(outfile_stream(o), stdout);
    outfile_abort(o);
    /* stdout is still open and usable. */
    assert_int_equal(fflush(stdout), 0);
    assert_false(ferror(stdout));
}

static void on_signal(int sig)
{
    (void)sig;
    outfile_abort_all_signal();
}

static void test_abort_all_signal(void **state)
{
    fixture *f = *state;
    pm_error err;
    outfile *a = outfile_open(at(f, "a.csv"), NULL, 0, &err);
    outfile *b = outfile_open(at(f, "b.csv"), NULL, 0, &err);
    assert_non_null(a);
    assert_non_null(b);
    fputs("a", outfile_stream(a));
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 2);

    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(raise(SIGUSR1), 0);
    sigaction(SIGUSR1, &old, NULL);
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 0);

    /* Committed or aborted files are no longer registered. */
    outfile_abort(a);
    outfile *c = outfile_open(at(f, "c.csv"), NULL, 0, &err);
    assert_non_null(c);
    assert_int_equal(outfile_commit(c, &err), PM_OK);
    outfile_abort_all_signal();
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
    assert_non_null(read_file(at(f, "c.csv")));

    /* Its temporary file gone, b can no longer be committed. */
    assert_int_equal(outfile_commit(b, &err), PM_ERR_IO);
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 1);
}

static void test_many_open(void **state)
{
    fixture *f = *state;
    outfile *o[80];
    pm_error err;
    int n = 0;
    for (; n < 80; n++) {
        char name[32];
        snprintf(name, sizeof name, "f%d.csv", n);
        pm_error_clear(&err);
        o[n] = outfile_open(at(f, name), NULL, 0, &err);
        if (!o[n])
            break;
    }
    assert_int_equal(n, 64);
    assert_int_equal(err.code, PM_ERR_LIMIT);
    for (int i = 0; i < n; i++)
        outfile_abort(o[i]);
    assert_int_equal(count_entries(f->dir, NULL, NULL, 0), 0);
    /* The slots are free again. */
    o[0] = outfile_open(at(f, "again.csv"), NULL, 0, &err);
    assert_non_null(o[0]);
    assert_int_equal(outfile_commit(o[0], &err), PM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_creates_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_replaces_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_is_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_error_directory_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_error_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_error_stream_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_all_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
