/* test_readfile.c: cmocka tests of the whole-file reader - every byte (past the first
 * 64 KB chunk too, NUL bytes included), a terminating NUL, the errno of a failure. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        char *buf = readfile_fp(fp, &n, &err);
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
    assert_null(readfile("no/such/file.txt", &n, &err));
    assert_int_equal(err, ENOENT);
    err = 0;
    assert_null(readfile(".", &n, &err)); /* a directory opens, but does not read */
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
    char *buf = readfile(path, &n, &err);
    remove(path);
    assert_non_null(buf);
    assert_int_equal(n, 10);
    assert_string_equal(buf, "pack demo\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_every_byte),
        cmocka_unit_test(test_path_errors_give_errno),
        cmocka_unit_test(test_reads_a_named_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
