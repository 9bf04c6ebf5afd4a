/* mem.c: allocation that never fails; out of memory is handled once, by the handler.
 * Overflow of a byte count is treated as out of memory. */
#include "base/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static mem_fail_fn *on_fail;

void mem_on_fail(mem_fail_fn *fn)
{
    on_fail = fn;
}

void mem_fail(size_t wanted)
{
    if (on_fail)
        on_fail(wanted);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_fail(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        mem_fail(SIZE_MAX);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_fail(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_fail(n);
    return q;
}

void *xmemdup(const void *s, size_t n)
{
    char *p = xmalloc(n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    return xmemdup(s, strnlen(s, n));
}

void *mem_grow_slow(void *arr, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return arr;
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            mem_fail(SIZE_MAX);
        nc *= 2;
    }
    if (sz && nc > SIZE_MAX / sz)
        mem_fail(SIZE_MAX);
    arr = xrealloc(arr, nc * sz);
    *cap = nc;
    return arr;
}
