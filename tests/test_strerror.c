/* test_strerror.c: cmocka tests of pm_strerror - the reason of an errno value, lowercased, in
 * the caller's buffer: two results held at once stay apart, and threads calling it at the
 * same time each get their own text (the extract workers' "cannot read: REASON"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"

static void test_lowercase_reason(void **state)
{
    (void)state;
    char buf[PM_STRERROR_MAX];
    assert_string_equal(pm_strerror(ENOENT, buf, sizeof buf), "no such file or directory");
    assert_string_equal(pm_strerror(EIO, buf, sizeof buf), "input/output error");
    assert_string_equal(pm_strerror(ENOSPC, buf, sizeof buf), "no space left on device");
    /* an unknown value still says something */
    assert_true(strlen(pm_strerror(123456, buf, sizeof buf)) > 0);
    /* a small buffer is cut, never overrun */
    char small[4];
    assert_true(strlen(pm_strerror(ENOENT, small, sizeof small)) < sizeof small);
}

static void test_results_do_not_share_storage(void **state)
{
    (void)state;
    char a[PM_STRERROR_MAX], b[PM_STRERROR_MAX];
    const char *ra = pm_strerror(ENOENT, a, sizeof a);
    const char *rb = pm_strerror(EISDIR, b, sizeof b);
    assert_string_equal(ra, "no such file or directory");
    assert_string_equal(rb, "is a directory");
}

typedef struct job {
    int errnum;
    const char *want;
    int wrong;
} job;

static void *hammer(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 20000; i++) {
        char buf[PM_STRERROR_MAX];
        if (strcmp(pm_strerror(j->errnum, buf, sizeof buf), j->want) != 0)
            j->wrong++;
    }
    return NULL;
}

static void test_threads_get_their_own_text(void **state)
{
    (void)state;
    job jobs[4] = {{ENOENT, "no such file or directory", 0},
                   {EISDIR, "is a directory", 0},
                   {EACCES, "permission denied", 0},
                   {ELOOP, "too many levels of symbolic links", 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &jobs[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(jobs[i].wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowercase_reason),
        cmocka_unit_test(test_results_do_not_share_storage),
        cmocka_unit_test(test_threads_get_their_own_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
