/* mem.h: the one allocation policy (jq's jv_mem_alloc, git's xmalloc): allocation never fails.
 * On failure the handler runs (the CLI's prints "out of memory" and aborts); it never returns. */
#ifndef PM_MEM_H
#define PM_MEM_H

#include <stddef.h>

/* What runs when memory runs out; it must not return (abort, exit or longjmp).
 * The default aborts without a word; the CLI installs one that says so first.
 * Pass NULL to get the default back. */
typedef void mem_fail_fn(size_t wanted);
void mem_on_fail(mem_fail_fn *fn);

/* Out of memory in an allocator of someone else's (GSL, libcsv): runs the handler, then
 * aborts; never returns. */
void mem_fail(size_t wanted)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* As malloc/calloc/realloc/strdup/strndup, but never NULL (a size of 0 gives a
 * valid, distinct block). The caller frees with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *s, size_t n);

/* Make arr (elements of sz bytes, capacity *cap) hold at least need elements; the capacity
 * doubles, so n appends cost O(n). Returns the (maybe moved) array. */
void *mem_grow_slow(void *arr, size_t *cap, size_t need, size_t sz);
static inline void *mem_grow(void *arr, size_t *cap, size_t need, size_t sz)
{
    return need <= *cap ? arr : mem_grow_slow(arr, cap, need, sz); /* the common case inline */
}

/* GROW(a, need, cap): typed mem_grow for an array a with a size_t capacity cap. */
#define GROW(a, need, cap) ((a) = mem_grow((a), &(cap), (need), sizeof *(a)))

#endif
