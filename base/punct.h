/* punct.h: the punctuation the engine cuts text at, listed once - the separators a rule's
 * `before` part often cannot cross (ruleset/prefilter), and among them the sentence stops. */
#ifndef PM_PUNCT_H
#define PM_PUNCT_H

#include <stdint.h>

#define PUNCT_STOP 1 /* ends a row's sentence, its context: 。！？；!?; */

/* X(index, code point, flags) for every separator; index is its place in the list (a
 * separator's bit in a 32-bit mask), so the list stays at most 32 long. */
#define PUNCT_SEPARATORS(X)                                                               \
    X(0, '\t', 0) X(1, ' ', 0) X(2, 0x3000, 0) X(3, 0xFF0C, 0) X(4, ',', 0)               \
    X(5, 0x3002, PUNCT_STOP) X(6, 0xFF1B, PUNCT_STOP) X(7, ';', PUNCT_STOP)               \
    X(8, 0xFF1A, 0) X(9, ':', 0) X(10, 0xFF01, PUNCT_STOP) X(11, '!', PUNCT_STOP)         \
    X(12, 0xFF1F, PUNCT_STOP) X(13, '?', PUNCT_STOP) X(14, 0x3001, 0) X(15, 0xFF08, 0)    \
    X(16, '(', 0) X(17, 0xFF09, 0) X(18, ')', 0) X(19, 0x201C, 0) X(20, 0x201D, 0)        \
    X(21, '"', 0) X(22, 0x300A, 0) X(23, 0x300B, 0) X(24, 0x3010, 0) X(25, 0x3011, 0)
#define PUNCT_COUNT 26

/* Can a separator start with byte b? Every one is ASCII or a 3-byte character led by E2, E3
 * or EF: a scanner skips other characters (all of CJK) at their first byte. */
static inline int punct_lead(unsigned char b)
{
    return b < 0x80 || b == 0xE2 || b == 0xE3 || b == 0xEF;
}

/* The index of separator cp in PUNCT_SEPARATORS, or -1 (a switch: it is called for every
 * character a `before` window walks over). */
static inline int punct_index(uint32_t cp)
{
#define PUNCT_CASE_INDEX(i, c, f) case c: return i;
    switch (cp) {
    PUNCT_SEPARATORS(PUNCT_CASE_INDEX)
    default: return -1;
    }
#undef PUNCT_CASE_INDEX
}

/* The flags (PUNCT_*) of cp, 0 for every other character. */
static inline int punct_flags(uint32_t cp)
{
#define PUNCT_CASE_FLAGS(i, c, f) case c: return f;
    switch (cp) {
    PUNCT_SEPARATORS(PUNCT_CASE_FLAGS)
    default: return 0;
    }
#undef PUNCT_CASE_FLAGS
}

#endif
