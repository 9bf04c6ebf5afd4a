/* bits.h: bit sets of 64-bit words (bit i % 64 of word i / 64), the one helper their loops
 * share. Header only. */
#ifndef PM_BITS_H
#define PM_BITS_H

#include <stdint.h>

/* The index of the lowest set bit of v (v != 0). */
static inline unsigned bits_lowest(uint64_t v)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(v);
#else
    unsigned n = 0;
    while (!(v & 1)) {
        v >>= 1;
        n++;
    }
    return n;
#endif
}

#endif
