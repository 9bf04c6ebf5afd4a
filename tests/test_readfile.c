/* test_readfile.c: cmocka tests of the whole-file reader - every byte (past the first
 * 64 KB chunk too, NUL bytes included), a terminating NUL, the errno of a failure, the cap. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/readfile.h"

static void test_reads_every_byte(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 300000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t want = sizes[k];
        FILE *fp = tmpfile();
        assert_non_null(fp);
        for (size_t i = 0; i < want; i++)
            fputc((int)(i * 7 % 256), fp);
        rewind(fp);
        size_t n = 12345;
        int err = 0;
        char *buf = readfile_fp(fp, READFILE_DOC_MAX, &n, &err);
        fclose(fp);
        assert_non_null(buf);
        assert_int_equal(n, want);
        assert_int_equal(err, 0);
        for (size_t i = 0; i < want; i++)
            if ((unsigned char)buf[i] != (unsigned char)(i * 7 % 256))
                fail_msg("size %zu: byte %zu differs", want, i);
        assert_int_equal(buf[n], '\0');
        free(buf);
    }
}

static void test_path_errors_give_errno(void **state)
{
    (void)state;
    size_t n;
    int err = 0;
    assert_null(readfile("no/such/file.txt", READFILE_DOC_MAX, &n, &err));
    assert_int_equal(err, ENOENT);
    err = 0;
    assert_null(readfile(".", READFILE_DOC_MAX, &n, &err)); /* a directory opens, but does not read */
    assert_int_equal(err, EISDIR);
}

static void test_reads_a_named_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_readfile_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("pack demo\n", fp);
    fclose(fp);
    size_t n = 0;
    int err = 0;
    char *buf = readfile(path, READFILE_RULES_MAX, &n, &err);
    remove(path);
    assert_non_null(buf);
    assert_int_equal(n, 10);
    assert_string_equal(buf, "pack demo\n");
    free(buf);
}

/* A regular file of exactly max bytes is read; one byte more is EFBIG (measured first). */
static void test_cap_regular_file(void **state)
{
    (void)state;
    FILE *fp = tmpfile();
    assert_non_null(fp);
    for (int i = 0; i < 1000; i++)
        fputc('x', fp);
    size_t n = 0;
    int err = 0;
    rewind(fp);
    char *buf = readfile_fp(fp, 1000, &n, &err);
    assert_non_null(buf);
    assert_int_equal(n, 1000);
    free(buf);
    rewind(fp);
    assert_null(readfile_fp(fp, 999, &n, &err));
    assert_int_equal(err, EFBIG);
    /* the rest of the stream counts, not its whole size */
    fseek(fp, 1, SEEK_SET);
    buf = readfile_fp(fp, 999, &n, &err);
    assert_non_null(buf);
    assert_int_equal(n, 999);
    free(buf);
    fclose(fp);
}

/* A pipe has no size to measure: the read loop stops one byte past the cap. */
static void test_cap_pipe(void **state)
{
    (void)state;
    for (int over = 0; over <= 1; over++) {
        int fd[2];
        assert_int_equal(pipe(fd), 0);
        char block[3000];
        memset(block, 'y', sizeof block);
        assert_int_equal(write(fd[1], block, sizeof block), (long)sizeof block);
        close(fd[1]);
        FILE *fp = fdopen(fd[0], "rb");
        assert_non_null(fp);
        size_t n = 0;
        int err = 0;
        char *buf = readfile_fp(fp, sizeof block - (size_t)over, &n, &err);
        if (over) {
            assert_null(buf);
            assert_int_equal(err, EFBIG);
        } else {
            assert_non_null(buf);
            assert_int_equal(n, sizeof block);
        }
        free(buf);
        fclose(fp);
    }
}

/* /dev/zero never ends (its size is 0): refused at the cap, past the first chunk too. */
static void test_cap_endless_device(void **state)
{
    (void)state;
    static const size_t caps[] = {0, 10, 65536, 300000};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        size_t n = 0;
        int err = 0;
        assert_null(readfile("/dev/zero", caps[k], &n, &err));
        assert_int_equal(err, EFBIG);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_every_byte),
        cmocka_unit_test(test_path_errors_give_errno),
        cmocka_unit_test(test_reads_a_named_file),
        cmocka_unit_test(test_cap_regular_file),
        cmocka_unit_test(test_cap_pipe),
        cmocka_unit_test(test_cap_endless_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
