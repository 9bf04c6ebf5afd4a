/* sort.h: a stable sort for the engine's arrays (a line's candidates, a cluster, a sentence's
 * hits): insertion for a few elements, where qsort's set-up costs more, else merging. Header only. */
#ifndef PM_SORT_H
#define PM_SORT_H

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define SORT_SMALL 16     /* runs of at most this many elements: insertion */
#define SORT_ELEM_MAX 256 /* elements of at most this many bytes: moved through the stack */

/* Insertion sort of n elements, stable; tmp holds one element. */
static inline void sort_insert(unsigned char *b, size_t n, size_t size, int (*cmp)(const void *, const void *),
                               unsigned char *tmp)
{
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        while (j > 0 && cmp(b + (j - 1) * size, b + i * size) > 0)
            j--;
        if (j < i) { /* element i goes before the greater ones at j .. i-1 */
            memcpy(tmp, b + i * size, size);
            memmove(b + (j + 1) * size, b + j * size, (i - j) * size);
            memcpy(b + j * size, tmp, size);
        }
    }
}

/* Sort n elements of size bytes at base by cmp, keeping equal elements in their order
 * whatever the C library's qsort does: runs of SORT_SMALL by insertion, then merged pairwise
 * through a buffer (never fails: base/mem; an element over SORT_ELEM_MAX bytes is moved
 * through the heap too). */
static inline void sort_stable(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    unsigned char *b = base, one[SORT_ELEM_MAX];
    unsigned char *tmp = size <= sizeof one ? one : xmalloc(size);
    for (size_t i = 0; i < n; i += SORT_SMALL)
        sort_insert(b + i * size, n - i < SORT_SMALL ? n - i : SORT_SMALL, size, cmp, tmp);
    if (tmp != one)
        free(tmp);
    if (n <= SORT_SMALL)
        return;
    unsigned char *buf = xmalloc(n * size), *from = b, *to = buf;
    for (size_t width = SORT_SMALL; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) { /* the left one on ties: stable */
                const unsigned char *src = cmp(from + j * size, from + i * size) < 0 ? from + j++ * size : from + i++ * size;
                memcpy(to + k++ * size, src, size);
            }
            memcpy(to + k * size, from + i * size, (mid - i) * size);
            k += mid - i;
            memcpy(to + k * size, from + j * size, (hi - j) * size);
        }
        unsigned char *t = from;
        from = to;
        to = t;
    }
    if (from != b)
        memcpy(b, from, n * size);
    free(buf);
}

#endif
