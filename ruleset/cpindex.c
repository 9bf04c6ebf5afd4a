/* cpindex.c: an open-addressing map from code point to a run of a sorted table,
 * for the per-character lookups of the engine's scanners. */
#include "ruleset/cpindex.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

typedef struct slot {
    uint32_t cp, start, n; /* n 0: an empty slot */
} slot;

struct cpindex {
    slot *slot;
    uint32_t mask;
    uint64_t bits[1024]; /* code points < 65536 present: most lookups stop here */
};

static uint32_t hash(uint32_t cp, uint32_t mask) { return (cp * 2654435761u) >> 12 & mask; }

cpindex *cpindex_create(const void *base, size_t count, size_t size, size_t cp_off)
{
    cpindex *ix = xcalloc(1, sizeof *ix);
    size_t slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    ix->slot = xcalloc(slots, sizeof *ix->slot);
    ix->mask = (uint32_t)(slots - 1);
    const unsigned char *b = base;
    for (size_t i = 0; i < count;) {
        uint32_t cp;
        memcpy(&cp, b + i * size + cp_off, sizeof cp);
        size_t j = i + 1;
        while (j < count && memcmp(b + j * size + cp_off, &cp, sizeof cp) == 0)
            j++;
        if (cp < 65536)
            ix->bits[cp / 64] |= (uint64_t)1 << (cp % 64);
        uint32_t h = hash(cp, ix->mask);
        while (ix->slot[h].n)
            h = (h + 1) & ix->mask;
        ix->slot[h] = (slot){cp, (uint32_t)i, (uint32_t)(j - i)};
        i = j;
    }
    return ix;
}

void cpindex_free(cpindex *ix)
{
    if (!ix)
        return;
    free(ix->slot);
    free(ix);
}

size_t cpindex_find(const cpindex *ix, uint32_t cp, size_t *start)
{
    if (!ix || (cp < 65536 && !(ix->bits[cp / 64] >> (cp % 64) & 1)))
        return 0;
    for (uint32_t h = hash(cp, ix->mask);; h = (h + 1) & ix->mask) {
        if (!ix->slot[h].n)
            return 0;
        if (ix->slot[h].cp == cp) {
            *start = ix->slot[h].start;
            return ix->slot[h].n;
        }
    }
}

const uint64_t *cpindex_bits(const cpindex *ix)
{
    static const uint64_t none[1024];
    return ix ? ix->bits : none;
}
