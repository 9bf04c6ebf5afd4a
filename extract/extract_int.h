/* extract_int.h: the extractor's insides, shared by its files (extract.c matches, detect.c
 * picks packs, rows.c builds rows, trace.c marks lines for explain, examples.c runs examples). */
#ifndef PM_EXTRACT_INT_H
#define PM_EXTRACT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/strbuf.h"
#include "extract/extract.h"
#include "extract/meaning.h"
#include "extract/table.h"
#include "ruleset/cpindex.h"
#include "ruleset/prefilter.h"
#include "ruleset/rule_int.h"
#include "ruleset/rules.h"
#include "text/docinfo.h"
#include "text/text.h"

#define CONTEXT_MAX 600  /* bytes of context kept on each side of a match */
#define DPAIR_BITS 65536 /* the pair filter of pack detection: a power of two */

/* A match of one rule, before overlaps are resolved. Offsets are in the line. */
typedef struct cand {
    const rule *ru;
    size_t idx;            /* rule index: earlier rules win ties */
    size_t start, end;     /* covered span: value .. end of unit / value_max */
    size_t g[8][2];        /* value, value_max, unit, subject, action, qual, qual_after */
    double value;          /* parsed value group, before the unit's scale */
    size_t anchor;         /* where the number (and the pattern) starts */
} cand;
enum { G_VALUE, G_VMAX, G_UNIT, G_SUBJECT, G_ACTION, G_QUAL, G_QUAL_AFTER, G_N };

typedef struct span {
    size_t s, e;
    const rule *ru;
    size_t order; /* among spans of the same start: a twin's copy after the rules matched,
                   * then by rule, then by number (explain names the first) */
} span;

struct extractor {
    const rules *r;
    const rule **rule;  /* rules_at(r, i) for every i, read without a call */
    size_t nrules;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_match_context *gctx; /* mctx with the table guards' callout (rules_use_guards) */
    pcre2_jit_stack *jit;
    text *t;
    docinfo *doc;       /* title and headings */
    meaning *mean;      /* role, period and additivity of the rows */
    table *tab;         /* indicator tables */
    char notes[4096];   /* explain: the notes of a table line's marks */
    cand *c;
    size_t nc, capc;
    span *ex;
    size_t nex, capex;
    size_t *exmax;  /* running maximum of exclusion ends, for resolve */
    size_t capexmax;
    /* the values of the line's candidates as num_parse read them, by where they start:
     * rules that match at one number read the same digits */
    struct parsed {
        size_t gen, s, n, used;
        double v;
    } parsed[32];
    size_t gen;        /* the line's number: a parsed entry of another line is stale */
    const char *line;  /* the line being matched */
    size_t linelen;
    int auto_packs;    /* choose the plan-type pack per document */
    uint64_t fixed;    /* packs chosen by extractor_set_packs */
    uint64_t active;   /* packs used for the current document */
    uint64_t warned[16]; /* rules (by index) already reported for hitting a limit */
    struct timespec t0;  /* --timeout: when the document's matching started */
    double max_seconds;  /* > 0: how long it may take */
    unsigned ticks;      /* tries since the clock was last read */
    int late;            /* the time is up: no more tries, no more rows */
    size_t *copy[2], ncopy[2]; /* per kind: the rules that copy an earlier twin's matches */
    size_t *twin;           /* per rule: the first rule with the same kind, pattern and before
                             * (itself when none); twins are matched once and copied */
    uint64_t *scanset[2];   /* per kind: the rules matched for this document (bit i % 64
                             * of word i / 64 for rule i) */
    uint64_t *withbefore;   /* the rules with a `before` part */
    uint64_t *pastset;      /* the exclusions of scanset with one: tried past every value */
    size_t words;           /* 64-bit words of a rule set */
    int tracing;            /* explain: exclusions run on every line */
    size_t value_end;       /* the line's last end of a candidate's value */
    const char *stops_line; /* extract_sentence: the line whose stops are in stops */
    size_t stops_len;
    size_t *stops, nstops, capstops; /* start, end of each stop (rows.c line_stops) */
    extract_mark *marks;
    size_t nmarks, capmarks;
    extract_warn_fn warn;   /* where limit warnings of the current line go */
    void *wctx;
    const char *file;
    long lineno;
    prefilter *pf;     /* where each rule can match in the current line */
    const size_t *anc; /* where numbers start in the line (owned by pf) */
    size_t nanc;
    /* Pack detection without PCRE2 for detect patterns that are plain word lists
     * (a|b|c): every word by first character, then pack, then position in its list. */
    struct dword {
        unsigned cp;
        int pack, order;
        const char *s;
        size_t n;
    } *dwords;
    size_t ndwords;
    uint64_t dlit;            /* packs whose detect pattern is such a list */
    cpindex *dix;             /* code point -> its run of dwords */
    /* Words of two or more characters by their first two: a bit per hash of the pair
     * (DPAIR_BITS). A first character of a one-character word is in dsolo, and
     * passes without its pair. Both are 0 for a pair no word starts with. */
    uint64_t dpair[DPAIR_BITS / 64];
    uint64_t dsolo[65536 / 64];
    /* The same by the six bytes of the first two characters when both are 3-byte ones
     * (dbytes_hash); dslow: a word is one 3-byte character or has another kind after
     * its first, so every character is looked at. */
    uint64_t dbytes[DPAIR_BITS / 64];
    int dslow;
};

/* Match re against s[0..n) from start with x's match data and the limits of ctx (mctx or
 * gctx): PCRE2's return. */
static inline int extract_match_in(extractor *x, pcre2_match_context *ctx, const pcre2_code *re, const char *s,
                                   size_t n, size_t start)
{
    /* the JIT fast path; patterns JIT could not compile go to the interpreter */
    int rc = pcre2_jit_match(re, (PCRE2_SPTR)s, n, start, 0, x->md, ctx);
    if (rc != PCRE2_ERROR_JIT_BADOPTION)
        return rc;
    return pcre2_match(re, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, x->md, ctx);
}

static inline int extract_match(extractor *x, const pcre2_code *re, const char *s, size_t n, size_t start)
{
    return extract_match_in(x, x->mctx, re, s, n, start);
}

/* ---- detect.c ---- */

/* Index the detect patterns that are plain word lists. 0, or -1 when the index cannot be
 * built. */
int extract_detect_index(extractor *x);
/* The packs for the normalised document s[0..n): the shared ones and its plan type's. */
uint64_t extract_detect(extractor *x, const char *s, size_t n);
/* Packs that are always on: those without a detect pattern. */
uint64_t extract_shared_packs(const rules *r);

/* ---- rows.c ---- */

/* A distributed list (第一、二、三产业增加值分别增长3.5%、6%、5%): the rows that follow its
 * first one through `carry` links take one item each, with what the items share. Offsets
 * are in the line. */
#define DIST_MAX 8
typedef struct dist {
    int k;                    /* items; 0: no list */
    size_t item[DIST_MAX][2]; /* 第一 | 二 | 三 */
    size_t pre[2];            /* what the first item has before the others: 第 */
    size_t tail[2];           /* the noun they share: 产业增加值 */
} dist;

/* The cells of the row being built, one after another in sb, each ending in a NUL. */
typedef struct rowbuf {
    strbuf sb;
    size_t off[COL_COUNT], len[COL_COUNT];
} rowbuf;

/* One document being run: where its rows go and what the row builder remembers. */
typedef struct runctx {
    extractor *x;
    const char *file;
    const char *city, *year;
    const char *norm, *orig;
    size_t normlen, origlen;
    extract_row_fn fn;
    void *ctx;
    extract_warn_fn warn; /* the caller's, for values no row can keep (may be NULL) */
    void *wctx;
    long refused_line;    /* the last value refused, so that it is told once */
    int carry_warned;     /* a `carry` pattern gave up at a limit: told once a document */
    size_t refused_at;
    rowbuf rb;
    /* the row emitted last, for `carry`: its line, sentence start, text span (line
     * offsets) and subject (in the normalised text) */
    struct prevrow {
        long lineno;
        size_t cs, start, end;
        const char *subj, *act;
        size_t sl, al;
        dist d;  /* the list its subject distributes, and the item it took */
        int di;
        size_t from; /* where the cues that govern it may start */
    } prev;
    char sbuf[1024]; /* a subject put together from a list's pieces */
} runctx;

static inline size_t to_orig(const runctx *rc, size_t norm_off)
{
    return text_orig_offset(rc->x->t, norm_off);
}

/* The rule of the rows of indicator tables. */
extern const rule extract_table_rule;

/* The sentence around [s,e) of the line ln[0..len), bounded by CONTEXT_MAX on each side:
 * from after the last sentence stop (base/punct.h) ending at or before s, through the first
 * starting at or after e (or up to a '\r'). The line's stops are found once, on the first
 * call for it (x keeps them until a call for another line). */
void extract_sentence(extractor *x, const char *ln, size_t len, size_t s, size_t e, size_t *cs, size_t *ce);
/* The text of candidate c in its line: from its qualifier (or number) to the end of its unit
 * or qualifier. */
void extract_text_span(const cand *c, size_t *ts, size_t *te);
/* The row of candidate c of the line at norm offset lstart (llen bytes) to rc->fn: its
 * return. */
int extract_emit(runctx *rc, const cand *c, size_t lstart, size_t llen, long lineno);
/* The row of an indicator table's cell to rc->fn: its return. */
int extract_emit_table(runctx *rc, const table_row *tr);

/* ---- trace.c ---- */

/* explain: the marks of the line at norm offset off (len bytes) whose nrows rows are
 * x->c[0..nrows), to o->trace: its return. */
int extract_trace_line(extractor *x, runctx *r, size_t off, size_t len, size_t nrows, long lineno,
                       const extract_opts *o);
/* explain: a table's line with every cell marked, to o->trace: its return. */
int extract_trace_table(extractor *x, runctx *r, size_t off, size_t len, long lineno, const extract_opts *o);

#endif
