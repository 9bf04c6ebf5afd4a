/* rules_priv.h: the inside of a rule set and of its loader - shared by rules.c (the set and
 * its queries), rulefile.c (lines and keys), rulecomp.c (expansion, compiling), rulesense.c
 * (meaning and table keys) and rulewords.c (word lists). Nothing outside ruleset/ includes it. */
#ifndef PM_RULES_PRIV_H
#define PM_RULES_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/strbuf.h"
#include "ruleset/rule_int.h"
#include "ruleset/rxscan.h"

typedef struct define {
    char *name;
    char *pattern;  /* already expanded */
    char **words;   /* a `words` list: its words, as written (NULL for a plain define) */
    size_t nwords;
} define;

typedef struct unit_entry {
    char *written;
    size_t wlen;  /* strlen(written): looked up for every row */
    char *canon;
    double scale;
    int additive;
} unit_entry;

typedef struct qual_entry {
    char *word;
    size_t wlen;
    char *symbol;
} qual_entry;

/* A year as a `period` key gives it: none, a four-digit year, plan year + n, a named
 * group of the match (year / since), or `none`: a placeholder (rules_hit year -1). */
enum { YS_NONE, YS_ABS, YS_REL, YS_GROUP, YS_PLACEHOLDER };
typedef struct yspec {
    int mode, n;
} yspec;

/* One pattern of what a row means (rules_senses). */
typedef struct sense_entry {
    int kind;  /* SENSE_* */
    pcre2_code *code;
    char *src;  /* the expanded pattern, for the kind's combined pattern */
    yspec year, since;
    int g_year, g_since;  /* group numbers of (?<year>) and (?<since>), 0 none */
} sense_entry;

/* One `table` pattern (rules_table). */
typedef struct table_entry {
    int kind;  /* TABLE_* */
    int role;  /* TABLE_VALUE: TROLE_* */
    pcre2_code *code;
    char *src; /* the pattern as compiled, after {NAME} expansion */
} table_entry;

/* Which packs are JIT-compiled (rules_jit). The only state that changes after load:
 * it sits behind a pointer, so a const rules * may be shared by threads. */
typedef struct jitstate {
    pthread_mutex_t mu;
    _Atomic uint64_t done;  /* bit i: every rule of pack i is JIT-compiled */
} jitstate;

struct rules {
    rule **items;
    size_t n, cap;
    define *defs;
    size_t ndefs, capdefs;
    unit_entry *units;
    size_t nunits, capunits;
    uint32_t *uix;        /* hash of written unit -> 1 + index of its last entry, 0 empty */
    uint32_t *cix;        /* the same by canonical unit (rules_unit_additive) */
    size_t uixmask, uixunits; /* uixunits: the units it covers (stale when != nunits) */
    qual_entry *quals;
    size_t nquals, capquals;
    char **packs;
    pcre2_code **detect;  /* per pack: what its documents look like, NULL = always active */
    char **detect_src;    /* per pack: the detect pattern as written, NULL with detect */
    size_t npacks, cappacks;
    char **files;  /* file names referenced by rules (owned) */
    size_t nfiles, capfiles;
    int depth;     /* include nesting of the file being loaded */
    int fallback;  /* pack used when no detect pattern matches, -1 for none */
    struct carry {        /* `carry` patterns, each as (?:...)\z, anchored */
        pcre2_code *code;
        const char *file; /* one of files */
        long line;
    } *carry;
    size_t ncarry, capcarry;
    sense_entry *senses;  /* `section`, `cue`, `period`, `nonadditive` patterns, in load order */
    size_t nsenses, capsenses;
    pcre2_code *combined[SENSE_KINDS]; /* per kind: its patterns as one, each marked with
                                        * (*MARK:i), i its entry; NULL: scan them one by one */
    pcre2_code *anchored[SENSE_KINDS]; /* the same compiled anchored, tried only where a
                                        * match can start (starts); NULL with starts */
    uint64_t *starts[SENSE_KINDS];     /* the characters the kind's matches can start with
                                        * (bit cp, laid out as cpindex_bits); NULL: unknown */
    int starts_hi[SENSE_KINDS];        /* ... and whether one is above U+FFFF */
    uint64_t *pairs[SENSE_KINDS];      /* their first two characters (rxscan_pairs: the
                                        * hashed pairs, RXSCAN_PAIR_BITS bits, then 65536 bits
                                        * of first characters any second one may follow);
                                        * NULL: not known */
    uint64_t *starts_all;              /* the union of the kinds' starts (rules_senses_kinds) */
    int starts_all_hi;
    table_entry *tables;  /* `table` patterns, in load order */
    uint64_t *tstarts[TABLE_KINDS]; /* per kind matched against a whole cell: the characters
                                     * its cells can start with (bit cp, as cpindex_bits), and
                                     * tstarts_hi one above U+FFFF; NULL: unknown */
    int tstarts_hi[TABLE_KINDS];
    size_t ntables, captables;
    jitstate *jit;
    rxscan_guards *guards; /* the sets of the table guards in the compiled parts (rxscan_guard_table) */
    /* the rules' compiled parts (patterns, `before` parts), by expanded source and
     * options: a part written again (a shared `before`) is compiled and JIT-compiled once,
     * and rules point at it; freed with the set */
    struct compiled_part {
        char *src;
        size_t len;
        uint32_t options;
        pcre2_code *code;
    } *parts;
    size_t nparts, capparts;
};

/* Match code against s[0..n) (valid UTF-8) from start: the JIT's own entry, cheaper than
 * pcre2_match's, and pcre2_match for a pattern the JIT did not compile. PCRE2's return. */
static inline int rules_match(const pcre2_code *code, const char *s, size_t n, size_t start, pcre2_match_data *md,
                              pcre2_match_context *mctx)
{
    int rc = pcre2_jit_match(code, (PCRE2_SPTR)s, n, start, 0, md, mctx);
    if (rc != PCRE2_ERROR_JIT_BADOPTION)
        return rc;
    return pcre2_match(code, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, md, mctx);
}

/* rules.c: free one rule (accepts NULL; its compiled parts are the set's); index the unit
 * map for lookups; join each sense kind's patterns into one (after every load). */
void rule_free(rule *ru);
void rules_index_units(rules *r);
void rules_build_combined(rules *r);
/* Read the table patterns' first characters (rules_table's check), after loading. */
void rules_build_table_starts(rules *r);

/* ---- the loader ---- */

/* A piece of the current block's pattern (which 0) or `before` part (1): where it is
 * written, for errors, and where its text sits in parser.pat. */
typedef struct piece {
    long line, col;
    size_t off, len;
    const char *src;  /* its line, for the caret */
    size_t srclen;
    int which;
} piece;

/* Parser state for one file. */
typedef struct parser {
    rules *r;
    const char *file;
    long line;
    const char *linep;   /* start of the current line (an error's source line) */
    size_t linelen;
    char *pack;
    int pack_index;
    int depth;           /* include nesting */
    rule *cur;           /* block being filled, not yet in r->items */
    strbuf pat;          /* pattern source of the current block */
    piece *pieces;
    size_t npieces, cappieces;
    struct wordlist *words; /* the open `words NAME ... end` block, or NULL */
    pm_error *err;
} parser;

/* A syntax error at column col (bytes) of the current line: fills p->err, returns PM_ERR_SYNTAX. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int rule_perr(parser *p, long col, const char *fmt, ...);

/* rulecomp.c */
/* Free the set's compiled rule parts (r->parts). */
void rule_parts_clear(rules *r);
static inline int is_name_start(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
static inline int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
/* The expansion of {NAME} references, each output byte with the line and column it came from. */
typedef struct xbuf {
    strbuf s;
    long *col;  /* source column (1-based, bytes) of each output byte */
    long *line;
    size_t capcol, capline;
} xbuf;
void xbuf_release(xbuf *b);
/* Expand {NAME} references in s[0..n) (a source piece at line/col) into b. */
int rule_expand(parser *p, xbuf *b, const char *s, size_t n, long line, long col);
/* The number of the (first) group called name, or 0. */
int rule_group_number(const pcre2_code *code, const char *name);
/* Compile a top-level pattern v[0..vlen) (defines expanded) as (?:PATTERN` suffix`; JIT at
 * load: these patterns are small and every document uses them. src: NULL, or gets the
 * expanded source (the caller frees it). */
int rule_compile_top(parser *p, const char *v, size_t vlen, long col, const char *suffix, uint32_t opts,
                     pcre2_code **out, char **src);
/* Finish the current block: compile it and add it (replacing one with the same id). */
int rule_end_block(parser *p);

/* rulesense.c: the keys section, cue, period, nonadditive, distribute (key is one of them)
 * and table. */
int rule_key_sense(parser *p, const char *key, const char *v, size_t vlen, long col);
int rule_key_table(parser *p, const char *v, size_t vlen, long col);

/* rulewords.c: words NAME (a new list), then each line of the block until `end` (word[0..n)
 * at column col), and the end of the file (an open block is an error). rule_words_free:
 * the open block, after an error. */
int rule_key_words(parser *p, const char *v, size_t vlen, long col);
int rule_words_line(parser *p, const char *word, size_t n, long col);
int rule_words_eof(parser *p);
void rule_words_free(parser *p);

#endif
