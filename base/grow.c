/* grow.c: growable arrays - capacity doubles, so n appends cost O(n).
 * Overflow of the byte count is refused like a failed allocation. */
#include "base/grow.h"

#include <stdint.h>
#include <stdlib.h>

int pm_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    if (sz && nc > SIZE_MAX / sz)
        return -1;
    void *p = realloc(*arr, nc * sz);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}
