/* cpindex.h: code point -> the run of entries with that code point in a table sorted
 * by it; a bitmap answers most "none" at once, else one probe of an open-addressing table. */
#ifndef PM_CPINDEX_H
#define PM_CPINDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct cpindex cpindex;

/* Index count entries of `size` bytes at base, sorted by the uint32_t at byte
 * offset cp_off of each. The table is not kept: the index gives positions in it.
 * Never NULL. Free with cpindex_free (accepts NULL). */
cpindex *cpindex_create(const void *base, size_t count, size_t size, size_t cp_off);
void cpindex_free(cpindex *ix);

/* How many entries have code point cp (0 if none); the first one's position in
 * *start. ix may be NULL (no entries). */
size_t cpindex_find(const cpindex *ix, uint32_t cp, size_t *start);

/* The bitmap of the code points below 65536 that have entries (bit cp of word
 * cp / 64), for a test inline in a scanner's loop before cpindex_find. Owned by
 * ix (an all-zero map when ix is NULL). */
const uint64_t *cpindex_bits(const cpindex *ix);

/* May cp have entries? 0 means surely not; bits from cpindex_bits. */
static inline int cpindex_maybe(const uint64_t *bits, uint32_t cp)
{
    return cp >= 65536 || (bits[cp >> 6] >> (cp & 63) & 1);
}

/* Past the run of 3-byte UTF-8 characters at s[i..n) whose bit in a map laid out as
 * cpindex_bits is clear: the index of the first other character (i if none), read
 * without decoding - most of a Chinese text in a scanner's hot loop. */
static inline size_t cpindex_skip3(const uint64_t *bits, const unsigned char *s, size_t i, size_t n)
{
    size_t lim = n >= 2 ? n - 2 : 0; /* i < lim: three bytes left */
    while (i < lim) {
        unsigned c = s[i];
        if ((c & 0xF0u) != 0xE0u || (bits[(c & 0x0Fu) << 6 | (s[i + 1] & 0x3Fu)] >> (s[i + 2] & 0x3F) & 1))
            break;
        i += 3;
    }
    return i;
}

#endif
