/* meaning.h: what a row means - its role (target, actual, baseline), the year it is for and
 * whether it adds up - from its sentence and the headings above it, by the rule files' data. */
#ifndef PM_MEANING_H
#define PM_MEANING_H

#include <stddef.h>
#include "ruleset/rules.h"

typedef struct meaning meaning;

/* Bound to r and the match limits of mctx (NULL: none); neither is copied, both must
 * outlive it. NULL when PCRE2 has no memory for its match data. Free with meaning_free
 * (accepts NULL). One per extractor: it keeps the state of the document being read. */
meaning *meaning_create(const rules *r, pcre2_match_context *mctx);
void meaning_free(meaning *m);

/* A new document s[0..n) (normalised) whose plan year is year ("2026"; NULL or "" when
 * none is known). A placeholder year (a `period ... => none` phrase) in its first 4 KB
 * leaves the plan year unknown; a span on a short line of its head (三年行动计划（2024—2026年）)
 * makes its last year the period of targets that name no year. */
void meaning_reset(meaning *m, const char *year, const char *s, size_t n);

/* The plan year of the document given to meaning_reset (0: none known) and the last year
 * of the span its title names (*span_end, 0: none). */
int meaning_years(const meaning *m, int *span_end);

/* Line ln[0..len) (normalised) is a heading at level (0 outermost): it sets the kind of
 * part (review, plan) and the year of what stands under it, and clears deeper levels. */
void meaning_heading(meaning *m, int level, const char *ln, size_t len);

/* A line that is no numbered heading (“十四五”时期工作回顾, 2026年重点工作): when it is short
 * (at most 40 characters), holds no sentence stop and a `section` pattern matches it, it
 * starts a part at level 0, as meaning_heading. Returns 1 then, else 0. */
int meaning_part(meaning *m, const char *ln, size_t len);

/* The line ln[0..len) whose rows come next: finds its cues, years and per-head words once,
 * from offset `from` on (the start of the first row's sentence: nothing before it counts).
 * ln must stay valid while its rows are asked about. */
void meaning_line(meaning *m, const char *ln, size_t len, size_t from);

/* Where a row stands in the line given to meaning_line (byte offsets). */
typedef struct meaning_in {
    size_t sentence;   /* start of its sentence */
    size_t from;       /* end of the row before it in the same sentence, else the sentence start */
    size_t text, num;  /* start of its text (a qualifier may come first) and of its number */
    size_t end;        /* end of its text */
    const char *role;  /* the rule's role key: "target" (default, decided here), "actual", "baseline" */
    int unit_additive; /* rules_unit_additive of its unit: 0 for a rate */
} meaning_in;

typedef struct meaning_row {
    const char *role; /* "target", "actual" or "baseline" (static strings) */
    int period;       /* four-digit year, 0 when none is known */
    int additive;     /* 1 yes, 0 no */
} meaning_row;

void meaning_of(const meaning *m, const meaning_in *in, meaning_row *out);

#endif
