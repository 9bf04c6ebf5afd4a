/* rules.h: rule packs - the plain-text files in rules/ that say what a target looks like.
 * Loading compiles every pattern, so a bad rule fails before any document is read
 * (JIT compilation waits for the first document of each pack: rules_jit). */
#ifndef PM_RULES_H
#define PM_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <pcre2.h>
#include "base/error.h"

typedef struct rules rules;

/* Named groups a rule may use, in this order. A name may appear up to
 * RULES_MAX_DUP times; of those set by a match, the last one counts. */
#define RULE_GROUP_NAMES {"value", "value_max", "unit", "subject", "action", "qual", "qual_after"}
#define RULE_NGROUPS 7
#define RULES_MAX_DUP 8

/* Kinds of entries in a pack. */
enum rule_kind { RULE_TARGET = 0, RULE_EXCLUDE = 1 };

/* One inline example of a rule: "TEXT => VALUE UNIT" (positive) or a negative
 * example that must give no row. */
typedef struct rule_example {
    char *text;
    char *value;      /* expected value, NULL for negative examples */
    char *value_max;  /* expected value_max or NULL */
    char *unit;       /* expected canonical unit or NULL */
    char *subject;    /* expected subject or NULL (not checked when NULL) */
    char *qualifier;  /* expected qualifier (= >= <= ~) or NULL (not checked) */
    int negative;
    long line;        /* where it is written */
} rule_example;

/* A rule as its author wrote it, read-only for users of the pack. Owned by the rules set. */
typedef struct rule {
    char *id;          /* pack.name, e.g. edu.new_places */
    char *pack;        /* pack name, e.g. edu */
    int pack_index;    /* index of the pack, for rules_pack_name */
    char *category;    /* category column; empty for exclusions */
    char *role;        /* "target", "actual" or "baseline" (key `role`; default target:
                        * then the row's sentence and section decide, see extract/meaning.h) */
    int kind;          /* RULE_TARGET or RULE_EXCLUDE */
    int priority;      /* larger wins when two rules take the same number */
    char *pattern;     /* the pattern after {NAME} expansion; matched anchored at a number */
    char *before;      /* optional: what must come right before the pattern, as (?:...)\z */
    int reach;         /* characters `before` may reach back (key `reach`, default 20) */
    const char *file;  /* where it is defined */
    long line;
    rule_example *examples;
    size_t nexamples, capexamples;
    struct rule_compiled *compiled; /* the compiled patterns: ruleset/rule_int.h (extract/ only) */
} rule;

/* A new empty set. Free with rules_free (accepts NULL). */
rules *rules_create(void);
void rules_free(rules *r);

/* Compile the patterns of the packs in `packs` (bit i: pack i) with PCRE2's JIT.
 * Loading leaves that to the first document that uses a pack, so a run pays only
 * for the plan types it meets; the extractor calls this before it matches. Each
 * pack is compiled once (again after a later load adds rules to it). Safe to call
 * from several threads at once; not while rules_load runs. A pattern that JIT
 * cannot compile is matched by PCRE2's interpreter. */
void rules_jit(const rules *r, uint64_t packs);

/* Load a rule file, or every *.rules file of a directory in name order
 * (base.rules first).
 * Rules of a later file override earlier ones with the same id.
 * On error returns PM_ERR_SYNTAX / PM_ERR_IO and fills err with file, line,
 * column and message (PCRE2's message for a bad pattern). */
int rules_load(rules *r, const char *path, pm_error *err);

/* Load rule text from memory, `name` used in error messages (for tests). */
int rules_load_string(rules *r, const char *name, const char *src, size_t len, pm_error *err);

/* The keys of the rule-file format, in the order documented: the i-th key's usage
 * ("unit WRITTEN = CANON [*SCALE] [rate]") and a one-line help. Returns 0 for a top-level
 * key, 1 for a key of a rule block, -1 past the last key. */
int rules_key_info(size_t i, const char **usage, const char **help);

size_t rules_count(const rules *r);
const rule *rules_at(const rules *r, size_t i);

/* Let matches with mctx run the table guards of r's compiled parts (rxscan_guard_table):
 * the callout function is set on mctx, with r's sets. The parts match the same without it,
 * only slower. r must outlive the matches. */
void rules_use_guards(const rules *r, pcre2_match_context *mctx);

/* Bytes the compiled pattern (part 0) or `before` part (part 1) of ru takes, against
 * PCRE2's limit of RULES_COMPILED_MAX for one pattern; 0 when ru has no such part. */
#define RULES_COMPILED_MAX 65536
size_t rules_compiled_size(const rule *ru, int part);

/* rules_lint (rulelint.c): likely mistakes in r, each reported to fn with the file and line
 * it is at: defines and word lists never used as {NAME} (in the files r's rules come from),
 * words of a (?<unit>...) group without a `unit` line, and patterns or `before` parts within
 * 25% of RULES_COMPILED_MAX. Returns how many it found. */
typedef void (*rules_lint_fn)(void *ctx, const char *file, long line, const char *msg);
size_t rules_lint(const rules *r, rules_lint_fn fn, void *ctx);

/* Canonical unit for a written unit/counter (e.g. 名 -> 人, 万元 -> 元 with
 * *scale = 10000), or NULL when the unit map does not know it (*scale = 1).
 * `len` bytes of `written`; scale may be NULL. */
const char *rules_unit_canon(const rules *r, const char *written, size_t len, double *scale);

/* Qualifier symbol (= >= <= ~) for a qualifier word (以上, 约 ...), or NULL. */
const char *rules_qualifier(const rules *r, const char *word, size_t len);

/* Whether line[from..to) is all a link of a `carry` pattern: a row without a subject
 * whose text starts at `to` then takes the subject of the row whose text ends at
 * `from`. md: match data of the caller's (its contents are overwritten); mctx: the
 * caller's match limits, or NULL. Returns 1 when a pattern matches, else 0. When none
 * matches and one gave up at a limit, *gave_up (when not NULL) is its PCRE2 error and
 * *file, *fline say where it was written (the file: owned by r); else *gave_up is 0. */
int rules_carries(const rules *r, const char *line, size_t from, size_t to, pcre2_match_data *md,
                  pcre2_match_context *mctx, int *gave_up, const char **file, long *fline);

/* What a row means: the patterns of the keys `section review|plan`, `cue
 * actual|target|baseline`, `period`, `nonadditive` and `distribute`, one kind at a time. */
enum rules_sense {
    SENSE_REVIEW, SENSE_PLAN,                   /* a heading that starts a review / a plan part */
    SENSE_ACTUAL, SENSE_TARGET, SENSE_BASELINE, /* a word in a sentence that decides a role */
    SENSE_PERIOD,                               /* a phrase that names a year */
    SENSE_NONADDITIVE,                          /* per head, per unit: for the clause */
    SENSE_NONADD_OWN,                           /* a size class, a threshold: its own number */
    SENSE_DISTRIBUTE,                           /* between a list's noun and its numbers: 分别 */
    SENSE_KINDS
};
typedef struct rules_hit {
    size_t start, end; /* byte offsets of the match */
    int kind;          /* SENSE_* */
    int year, since;   /* SENSE_PERIOD: the year named and the first year of a span it names
                        * (十四五 = 2025 since 2021); 0 when not known; year -1: a
                        * placeholder (xxxx年, the key's year `none`) */
} rules_hit;
/* Every match of the patterns of `kind` in s[0..n) (each pattern scanned left to right,
 * its matches not overlapping), relative years resolved against plan_year (0: none known).
 * Writes at most cap hits to out; returns how many there are. md: the caller's match data
 * (at least 16 pairs; its contents are overwritten); mctx: match limits, or NULL. */
size_t rules_senses(const rules *r, int kind, const char *s, size_t n, int plan_year, rules_hit *out, size_t cap,
                    pcre2_match_data *md, pcre2_match_context *mctx);
/* The same for every kind in the bitmask kinds (bit SENSE_*), in one pass over s where the
 * kinds' start characters are known: each kind's hits as rules_senses gives them, the
 * kinds' interleaved (h.kind tells them apart). */
size_t rules_senses_kinds(const rules *r, unsigned kinds, const char *s, size_t n, int plan_year, rules_hit *out,
                          size_t cap, pcre2_match_data *md, pcre2_match_context *mctx);

/* Indicator tables (主要指标): the patterns of the `table` keys, one kind at a time. */
enum rules_table_kind {
    TABLE_CAPTION,                              /* a short line above a table that names it */
    TABLE_SERIAL, TABLE_GROUP, TABLE_NAME,      /* header cells: 序号, 领域, 指标名称 */
    TABLE_UNIT, TABLE_ATTRIBUTE, TABLE_NOTE,    /* 单位, 属性, 备注 (a column that gives no row) */
    TABLE_VALUE,                                /* 2020年, 目标值, 年均增长: a column of values */
    TABLE_BINDING, TABLE_EXPECTED,              /* attribute cells: 约束性, 预期性 */
    TABLE_EMPTY, TABLE_UNITCELL,                /* cells: one that stands for nothing (—), a unit */
    TABLE_RATIO,                                /* in an indicator's name: a ratio (…率, 人均…) */
    TABLE_KINDS
};
/* The role of a value column: `auto` is decided by the table (its latest year the
 * target, earlier years baselines); `change` is a growth rate (a target, not additive). */
enum { TROLE_AUTO, TROLE_TARGET, TROLE_BASELINE, TROLE_ACTUAL, TROLE_CHANGE, TROLE_QUANTITY };
/* Whether a `table` pattern of `kind` matches s[0..n): the whole of it, except for
 * TABLE_CAPTION and TABLE_RATIO (anywhere in it). The first that matches, in load
 * order, sets *role (TABLE_VALUE: TROLE_*; role may be NULL). s must be valid UTF-8 (it
 * is not checked again: a normalised text, cut at character boundaries). md: the caller's
 * match data (overwritten); mctx: match limits, or NULL. */
int rules_table(const rules *r, int kind, const char *s, size_t n, int *role, pcre2_match_data *md,
                pcre2_match_context *mctx);
/* Whether tables can be read: a `table column name` and a `table column value` are loaded. */
int rules_tables(const rules *r);

/* Whether values of a canonical unit may be summed: 1 yes, 0 no (rates, %),
 * -1 when the unit is not in any loaded unit map. */
int rules_unit_additive(const rules *r, const char *unit);

/* Packs loaded, in load order (at most RULES_MAX_PACKS). A pack with a `detect`
 * pattern is a plan type (edu, gov ...) chosen per document; a pack without one
 * (base) is always active. */
#define RULES_MAX_PACKS 64
size_t rules_pack_count(const rules *r);
const char *rules_pack_name(const rules *r, size_t i);
/* The i-th rule file read, includes too, by the name it was opened with (owned by r); NULL
 * past the last. */
const char *rules_file(const rules *r, size_t i);
const pcre2_code *rules_pack_detect(const rules *r, size_t i);
/* The same pattern as written in the rule file (owned by the set), or NULL. */
const char *rules_pack_detect_source(const rules *r, size_t i);
/* The pack marked `fallback` (used for a document no detect pattern matches),
 * or -1: then the first plan-type pack is used. */
int rules_fallback_pack(const rules *r);

/* Index of the pack called name[0..len), or -1. */
int rules_pack_index(const rules *r, const char *name, size_t len);

#endif
