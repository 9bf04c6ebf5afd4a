/* grow.h: the growable-array helper the extraction modules share.
 * Arrays double in place; the caller owns and frees the memory. */
#ifndef PM_GROW_H
#define PM_GROW_H

#include <stddef.h>

/* Make *arr (elements of sz bytes, capacity *cap) hold at least need elements.
 * 0, or -1 on no memory (then *arr and *cap are unchanged). */
int pm_grow(void **arr, size_t *cap, size_t need, size_t sz);

#endif
