/* prefilter.h: where each rule can match in a line, read from its patterns once at
 * load, so the engine calls PCRE2 only where a match is possible (same rows, less time). */
#ifndef PM_PREFILTER_H
#define PM_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "ruleset/rules.h"

typedef struct prefilter prefilter;

/* Read every rule of r: the unit words of targets, the characters a pattern or a
 * `before` part must end with, the characters a pattern must take near its start, the
 * separators a `before` part cannot contain (ruleset/rxscan.h). Rules i with skip[i] != 0
 * are usually not tried themselves (the engine copies a twin's matches): the per-line and
 * per-number character checks are left out for them; skip may be NULL. r must outlive p.
 * NULL when out of memory. Free with prefilter_free (accepts NULL). */
prefilter *prefilter_create(const rules *r, const unsigned char *skip);
void prefilter_free(prefilter *p);

/* Read one line (UTF-8 without its '\n'; it must stay valid until the next call):
 * where its numbers start and what each number allows. A number starts at a
 * numeral (num_numeral) not preceded by a numeral, nor by '.' or ',' inside an
 * Arabic number (4.5, 1,500), nor by the space of a number grouped with spaces
 * (77 100: a space between digits followed by exactly three digits).
 * Returns 0 or PM_ERR_NOMEM. */
int prefilter_line(prefilter *p, const char *ln, size_t len);

/* The line's numbers: the offset where each starts, in order; their count in *n.
 * Owned by p, valid until the next prefilter_line. */
const size_t *prefilter_numbers(const prefilter *p, size_t *n);

/* Can rule i match anywhere in the line? 0 when a target has none of its units
 * near any number, or the line lacks a character its pattern must take (from the first
 * number on; only for rules without a near set, which prefilter_may checks at each
 * number). Else 1, and in *last the offset past which it cannot start: the last place
 * of such a character ((size_t)-1 when there is no such bound). Not const: the
 * answers are cached for the line (each rule's worked out on its first question). */
int prefilter_line_may(prefilter *p, size_t i, size_t *last);

/* Can rule i match at the k-th number of the line, one at or before the bound that
 * prefilter_line_may gave? 0 when a target has none of its units within 16 characters
 * after it, no character of the rule's near set (rxscan_near) stands within its distance
 * past the run of number characters the number starts, no match starts with its first
 * byte, or the `before` part cannot end right before the number. */
int prefilter_may(const prefilter *p, size_t i, size_t k);

/* The rules of the set `among` that may start at the k-th number of the line: those
 * prefilter_line_may allows with the number at or before its bound, and prefilter_may
 * at the number. Sets are bit i % 64 of word i / 64 for rule i, *words words (among
 * as many). Owned by p, valid until the next call. */
const uint64_t *prefilter_number_rules(prefilter *p, size_t k, const uint64_t *among, size_t *words);

/* Where the search for rule i's `before` part starts, for a number at offset a of
 * the line: `reach` characters back, or just after the last separator the part
 * cannot contain, whichever is nearer. */
size_t prefilter_window(const prefilter *p, size_t i, size_t a, int reach);

#endif
