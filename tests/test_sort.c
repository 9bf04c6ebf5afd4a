/* test_sort.c: sort_stable (base/sort.h) on arrays with many ties: ordered, equal elements
 * kept in their order - by insertion alone (16 or fewer) and merged (more). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/sort.h"

typedef struct item {
    int key;        /* compared */
    size_t order;   /* where it stood: ties must keep it */
    char pad[150];  /* as large as the engine's candidates */
} item;

static int key_cmp(const void *pa, const void *pb)
{
    const item *a = pa, *b = pb;
    return (a->key > b->key) - (a->key < b->key);
}

static void test_stable(void **state)
{
    (void)state;
    unsigned seed = 12345;
    item *v = malloc(64 * sizeof *v);
    assert_non_null(v);
    for (size_t n = 0; n <= 64; n++) {
        for (int round = 0; round < 50; round++) {
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                v[i].key = (int)(seed >> 16) % 5; /* many ties */
                v[i].order = i;
                memset(v[i].pad, (int)i, sizeof v[i].pad);
            }
            sort_stable(v, n, sizeof *v, key_cmp);
            for (size_t i = 1; i < n; i++) {
                assert_true(v[i - 1].key <= v[i].key);
                if (v[i - 1].key == v[i].key)
                    assert_true(v[i - 1].order < v[i].order);
            }
            for (size_t i = 0; i < n; i++) /* each element moved whole */
                assert_int_equal((unsigned char)v[i].pad[sizeof v[i].pad - 1], (unsigned char)v[i].order);
        }
    }
    free(v);
}

/* An element over SORT_ELEM_MAX bytes is moved through the heap: the same order. */
typedef struct big {
    int key;
    size_t order;
    char pad[400];
} big;

static int big_cmp(const void *pa, const void *pb)
{
    const big *a = pa, *b = pb;
    return (a->key > b->key) - (a->key < b->key);
}

static void test_large_elements(void **state)
{
    (void)state;
    big *v = malloc(40 * sizeof *v);
    assert_non_null(v);
    for (size_t n = 0; n <= 40; n++) {
        for (size_t i = 0; i < n; i++) {
            v[i].key = (int)((i * 7) % 3);
            v[i].order = i;
            memset(v[i].pad, (int)i, sizeof v[i].pad);
        }
        sort_stable(v, n, sizeof *v, big_cmp);
        for (size_t i = 1; i < n; i++)
            assert_true(v[i - 1].key < v[i].key || (v[i - 1].key == v[i].key && v[i - 1].order < v[i].order));
        for (size_t i = 0; i < n; i++)
            assert_int_equal((unsigned char)v[i].pad[sizeof v[i].pad - 1], (unsigned char)v[i].order);
    }
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable),
        cmocka_unit_test(test_large_elements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
