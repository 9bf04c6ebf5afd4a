/* test_mem.c: cmocka tests of the allocation policy (a failed allocation reaches the handler,
 * never the caller), typed growth, and the string buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strbuf.h"

/* Under ASan or TSan a huge malloc must return NULL (as the C library's does), not stop the
 * test. The sanitizer reads its own default; the other one is never called. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "allocator_may_return_null=1 halt_on_error=1 exitcode=66";
}

static jmp_buf back;
static size_t failed_size;

static void catch_fail(size_t wanted)
{
    failed_size = wanted;
    longjmp(back, 1);
}

static void test_failed_allocation_reaches_handler(void **state)
{
    (void)state;
    mem_on_fail(catch_fail);
    failed_size = 0;
    volatile int reached = 0;
    if (setjmp(back) == 0) {
        void *p = xmalloc(SIZE_MAX - 16);
        free(p);
        reached = 1;
    }
    assert_int_equal(reached, 0);
    assert_int_equal(failed_size, SIZE_MAX - 16);
    /* an overflowing element count is out of memory too, not a short block */
    failed_size = 0;
    if (setjmp(back) == 0) {
        void *p = xcalloc(SIZE_MAX / 2, 4);
        free(p);
        reached = 1;
    }
    assert_int_equal(reached, 0);
    assert_int_equal(failed_size, SIZE_MAX);
    mem_on_fail(NULL);
}

static void test_zero_sizes_give_blocks(void **state)
{
    (void)state;
    void *a = xmalloc(0), *b = xcalloc(0, 8);
    assert_non_null(a);
    assert_non_null(b);
    char *s = xstrndup("统计年鉴", 6);
    assert_string_equal(s, "统计");
    char *t = xstrndup("ab", 99);
    assert_string_equal(t, "ab");
    free(a);
    free(b);
    free(s);
    free(t);
}

static void test_grow_keeps_elements(void **state)
{
    (void)state;
    long *v = NULL;
    size_t cap = 0;
    for (long i = 0; i < 1000; i++) {
        GROW(v, (size_t)i + 1, cap);
        v[i] = i * 3;
    }
    assert_true(cap >= 1000);
    for (long i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 3);
    size_t before = cap;
    GROW(v, 10, cap); /* already big enough: unchanged */
    assert_int_equal(cap, before);
    free(v);
}

static void test_strbuf_builds_text(void **state)
{
    (void)state;
    strbuf sb = STRBUF_INIT;
    assert_string_equal(sb.buf, "");
    strbuf_addstr(&sb, "新增");
    strbuf_addf(&sb, "%d%s", 3800, "个学位");
    strbuf_addch(&sb, '|');
    assert_string_equal(sb.buf, "新增3800个学位|");
    assert_int_equal(sb.len, strlen("新增3800个学位|"));
    for (int i = 0; i < 500; i++) /* past any first allocation, through addf's retry */
        strbuf_addf(&sb, "%s", "一二三四五六七八九十");
    assert_int_equal(sb.len, strlen("新增3800个学位|") + 500 * 30);
    strbuf_setlen(&sb, 6);
    assert_string_equal(sb.buf, "新增");
    size_t n;
    char *s = strbuf_detach(&sb, &n);
    assert_int_equal(n, 6);
    assert_string_equal(s, "新增");
    assert_string_equal(sb.buf, "");
    free(s);
    strbuf_release(&sb);
    /* detaching an empty buffer hands over a string of its own */
    s = strbuf_detach(&sb, NULL);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_allocation_reaches_handler),
        cmocka_unit_test(test_zero_sizes_give_blocks),
        cmocka_unit_test(test_grow_keeps_elements),
        cmocka_unit_test(test_strbuf_builds_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
