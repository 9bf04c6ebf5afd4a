/* rxscan.h: what a PCRE2 pattern can consume, read from its source - a conservative
 * scan that lets the engine narrow where a `before` part can start. Pure functions. */
#ifndef PM_RXSCAN_H
#define PM_RXSCAN_H

#include <stddef.h>
#include <stdint.h>

#include <pcre2.h>

/* For each code point cps[i] (i < n), set may[i] to 0 when no match of the UTF
 * pattern `src` (len bytes, after {NAME} expansion) can contain that character,
 * else to 1. Only consuming atoms count: literals, escapes, classes and '.';
 * lookaround contents do not. Conservative: anything the scan cannot reason
 * about (subroutine calls, conditionals, (*VERB)s, \G, extended mode, \p
 * properties in doubt) leaves may[i] = 1.
 * Returns 0, or -1 when the pattern as a whole was beyond the scan (then every
 * may[i] is 1). */
int rxscan_consumable(const char *src, size_t len, const uint32_t *cps, size_t n, unsigned char *may);

/* Whether the pattern's matches may depend on where the search starts, beyond
 * which positions are tried: \G and backtracking verbs ((*COMMIT), (*SKIP) ...).
 * 1 yes (do not move a start offset), 0 no. */
int rxscan_start_sensitive(const char *src, size_t len);

/* The characters a match of the pattern can end with, for a pattern whose last
 * characters are few: at most RXSCAN_LAST_MAX of them are stored in cps (sorted
 * by nothing) and counted in *n; *nullable is 1 when it can match the empty string.
 * Returns 0, or -1 when it could end with almost anything or the scan cannot tell
 * (options, conditionals, subroutine calls, verbs, wide classes). \d \s \h \v
 * are read as PCRE2 compiles them without PCRE2_UCP, as rule patterns are. */
#define RXSCAN_LAST_MAX 64
int rxscan_last(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable);
/* The same for the characters a match can start with: the first character every
 * non-empty match consumes is one of cps. Lookarounds consume nothing, so a lookbehind
 * before the first character does not count. (?i:...) groups are read with their
 * characters' other cases. */
int rxscan_first(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable);
/* rxscan_first with room for up to RXSCAN_MANY_MAX characters in cps, for table guards
 * (rxscan_guard_table), which test a set of any size at the same cost. */
#define RXSCAN_MANY_MAX 256
int rxscan_first_many(const char *src, size_t len, uint32_t *cps, size_t *n, int *nullable);
/* A set of characters every match of the pattern contains one of, chosen to be rare near
 * numbers: per alternative, the first or the last characters of one of its items that
 * cannot be empty (a literal 之 of {NUM}个之一 rather than its last character, the numeral
 * 一). At most RXSCAN_LAST_MAX in cps, counted in *n. A pattern without alternatives at
 * its top may give a second such set, from another item, in cps2 (*n2; 0 none): every
 * match contains a character of each. Returns 0, or -1 when no set is known (an
 * alternative whose every item could be empty or hold anything, or a pattern beyond the
 * scan). */
int rxscan_needed(const char *src, size_t len, uint32_t *cps, size_t *n, uint32_t *cps2, size_t *n2);

/* The first two characters of the pattern's matches, for a filter in front of an anchored
 * match: every match of two characters or more whose first is c1 (below U+10000) and
 * second c2 sets bit rxscan_pair_hash(c1, c2) of pairs (RXSCAN_PAIR_BITS bits) or bit c1
 * of open (65536 bits: any second character, also for one-character matches). Bits are
 * only added (OR several patterns into one filter). A character above U+FFFF as c1
 * always passes. Lookarounds are read as passing. Returns 0, or -1 when the scan cannot
 * tell (a match may start with any character, options, conditionals, too many products):
 * then no filter is known. */
#define RXSCAN_PAIR_BITS 65536
static inline size_t rxscan_pair_hash(uint32_t a, uint32_t b)
{
    return (size_t)(((a * 0x9E3779B1u) ^ (b * 0x85EBCA77u)) >> 16);
}
int rxscan_pairs(const char *src, size_t len, uint64_t *pairs, uint64_t *open);

/* The characters a number is written with, as the rules' {NUM} reads it: digits, ',' '.' '/',
 * the spaces \s takes, the Chinese numerals and multipliers (〇 零 一 ... 十 百 千 万 亿 廿
 * 卅), 余 多, and the words of a range (至 到 ~ - — － ～). The run of them that a match
 * starts with is where rxscan_near's distances count from. */
int rxscan_number_char(uint32_t cp);

/* Every character rxscan_number_char says yes for, into out (at most cap; RXSCAN_NUMBER_CHARS
 * hold them all), in code point order. Returns how many. */
#define RXSCAN_NUMBER_CHARS 64
size_t rxscan_number_chars(uint32_t *out, size_t cap);

/* A set of characters every match holds one of near its start: where a match starts at
 * character 0 of a text whose characters 0..r-1 are number characters (rxscan_number_char)
 * and character r is not (or the text ends), it holds a character of cps at some
 * character p <= r + *dist. Read from the items before the one the set comes from: those
 * that take only number characters stay within the run, the others must have a bounded
 * width. Per alternative the cheapest such set (rare characters, a short distance; never a
 * digit's); their union, with the largest distance. At most RXSCAN_LAST_MAX in cps,
 * counted in *n; *dist at most RXSCAN_NEAR_MAX. A pattern without alternatives at its top
 * may give a second such set, from another item, in cps2, *n2 (0: none) and *dist2: every
 * match holds a character of each within its distance. Returns 0, or -1 when an
 * alternative has no such set or the pattern is beyond the scan. */
#define RXSCAN_NEAR_MAX 24
int rxscan_near(const char *src, size_t len, uint32_t *cps, size_t *n, size_t *dist, uint32_t *cps2, size_t *n2,
                size_t *dist2);

/* The same pattern with a first-character guard on every group that is an alternation
 * of at least RXSCAN_GUARD_MIN alternatives each starting with a literal character that
 * must be there - (?:新建|扩建|增加(?!值)|...) becomes (?:(?=[新扩增...])(?:新建|...)) -
 * so that PCRE2 turns a position away with one class test instead of trying each
 * alternative. It matches what the source matches, with the same groups. Literal
 * characters: other than whitespace and \\^$.[]|()?*+{}#, not followed by ?, * or {.
 * Returns 1 and a malloc'd NUL-terminated copy in *out (its length in *outlen; the
 * caller frees it), or 0 when there is nothing to guard or the scan cannot tell (extended
 * mode, (*VERB)s, a malformed class). */
#define RXSCAN_GUARD_MIN 4
int rxscan_guard(const char *src, size_t len, char **out, size_t *outlen);

/* Table guards: a guard whose set is large costs PCRE2 one compare per member as a class,
 * so with a table it is the callout (?Cn) instead, n - 1 a set of the table (at most 255),
 * which rxscan_guards_callout answers with one lookup. A pattern matched without that
 * callout function skips the guards and gives the same matches. A pattern with callouts of
 * its own gets no guards (and the engine matches it without the callout function). Create never returns NULL; free
 * accepts NULL. The table is filled while patterns are guarded, then only read (any number
 * of threads may match with it). */
typedef struct rxscan_guards rxscan_guards;
rxscan_guards *rxscan_guards_create(void);
void rxscan_guards_free(rxscan_guards *g);
/* Sets of at least this many characters become table guards. */
#define RXSCAN_GUARD_TABLE_MIN 32
/* rxscan_guard with table guards from g (NULL: classes only). */
int rxscan_guard_table(const char *src, size_t len, rxscan_guards *g, char **out, size_t *outlen);
/* The callout function for PCRE2 (pcre2_set_callout, g as its data): for (?Cn), 0 (go on)
 * when the character at the current position is in set n - 1, or the subject ends there and
 * the set allows that; 1 (fail here) when not. 0 for any other callout. */
int rxscan_guards_callout(pcre2_callout_block *b, void *g);

#endif
