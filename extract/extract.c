/* extract.c: runs a rule set over one document - decode, find headings and title,
 * match every rule line by line, drop excluded numbers, resolve overlaps, emit rows. */
#include "extract/extract.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/docinfo.h"
#include "base/grow.h"
#include "base/numparse.h"
#include "ruleset/cpindex.h"
#include "extract/meaning.h"
#include "ruleset/prefilter.h"
#include "ruleset/rule_int.h"
#include "extract/table.h"
#include "base/utf8.h"
#include "text/text.h"

const char *const extract_columns[COL_COUNT] = {
    "file", "city", "year", "section", "category", "rule", "subject", "action", "role",
    "period", "additive", "attribute", "value", "value_max", "qualifier", "unit", "text", "line", "context"};

#define MATCH_LIMIT 200000   /* backtracking steps of one match attempt */
#define DEPTH_LIMIT 10000
#define HEAP_LIMIT_KB 20000
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
} span;

struct extractor {
    const rules *r;
    const rule **rule;  /* rules_at(r, i) for every i, read without a call */
    size_t nrules;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
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
    const char *line;  /* the line being matched */
    size_t linelen;
    int auto_packs;    /* choose the plan-type pack per document */
    uint64_t fixed;    /* packs chosen by extractor_set_packs */
    uint64_t active;   /* packs used for the current document */
    uint64_t warned[16]; /* rules (by index) already reported for hitting a limit */
    size_t *scan[2], nscan[2]; /* per kind: the rules matched for this document */
    size_t *copy[2], ncopy[2]; /* per kind: the rules that copy an earlier twin's matches */
    size_t *twin;           /* per rule: the first rule with the same kind, pattern and before
                             * (itself when none); twins are matched once and copied */
    int tracing;            /* explain: exclusions run on every line */
    size_t value_end;       /* the line's last end of a candidate's value */
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
};

static unsigned dpair_hash(uint32_t a, uint32_t b)
{
    return (a * 2654435761u ^ b * 40503u) >> 7 & (DPAIR_BITS - 1);
}

static int dword_cmp(const void *pa, const void *pb)
{
    const struct dword *a = pa, *b = pb;
    if (a->cp != b->cp)
        return a->cp < b->cp ? -1 : 1;
    if (a->pack != b->pack)
        return a->pack < b->pack ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

/* Index the detect patterns that are plain alternations of words. */
static int build_dwords(extractor *x)
{
    size_t cap = 0;
    for (size_t i = 0; i < rules_pack_count(x->r); i++) { /* at most RULES_MAX_PACKS = 64 */
        const char *src = rules_pack_detect_source(x->r, i);
        if (!src || !*src || strpbrk(src, "\\^$.[](){}?*+") || strstr(src, "||") || *src == '|' ||
            src[strlen(src) - 1] == '|')
            continue;
        size_t words = 1;
        for (const char *q = src; *q; q++)
            words += *q == '|';
        struct dword *nd = realloc(x->dwords, (cap + words) * sizeof *nd);
        if (!nd)
            return -1;
        x->dwords = nd;
        cap += words;
        int order = 0;
        for (const char *q = src; *q;) {
            size_t n = strcspn(q, "|"), cl;
            struct dword *d = &x->dwords[x->ndwords++];
            *d = (struct dword){utf8_decode((const unsigned char *)q, n, &cl), (int)i, order++, q, n};
            size_t cl2;
            if (cl < n) {
                uint32_t cp2 = utf8_decode((const unsigned char *)q + cl, n - cl, &cl2);
                unsigned h = dpair_hash(d->cp, cp2);
                x->dpair[h / 64] |= (uint64_t)1 << (h % 64);
            } else if (d->cp < 65536) {
                x->dsolo[d->cp / 64] |= (uint64_t)1 << (d->cp % 64);
            }
            q += n + (q[n] == '|');
        }
        x->dlit |= (uint64_t)1 << i;
    }
    if (x->ndwords > 1)
        qsort(x->dwords, x->ndwords, sizeof *x->dwords, dword_cmp);
    x->dix = cpindex_create(x->dwords, x->ndwords, sizeof *x->dwords, offsetof(struct dword, cp));
    return x->dix ? 0 : -1;
}

extractor *extractor_create(const rules *r)
{
    extractor *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->r = r;
    x->auto_packs = 1;
    x->nrules = rules_count(r);
    x->rule = calloc(x->nrules + 1, sizeof *x->rule);
    for (size_t i = 0; x->rule && i < x->nrules; i++)
        x->rule[i] = rules_at(r, i);
    x->md = pcre2_match_data_create(64, NULL);
    x->mctx = pcre2_match_context_create(NULL);
    x->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    x->t = text_create();
    x->doc = docinfo_create();
    x->mean = meaning_create(r, x->mctx);
    x->tab = table_create(r, x->mctx);
    for (int k = 0; k < 2; k++) {
        x->scan[k] = calloc(rules_count(r) + 1, sizeof(size_t));
        x->copy[k] = calloc(rules_count(r) + 1, sizeof(size_t));
    }
    x->twin = calloc(rules_count(r) + 1, sizeof(size_t));
    for (size_t i = 0; x->twin && i < rules_count(r); i++) {
        const rule *a = rules_at(r, i);
        x->twin[i] = i;
        for (size_t j = 0; j < i; j++) {
            const rule *b = rules_at(r, j);
            if (x->twin[j] == j && a->kind == b->kind && strcmp(a->pattern, b->pattern) == 0 &&
                ((!a->before && !b->before) || (a->before && b->before && strcmp(a->before, b->before) == 0)) &&
                a->reach == b->reach) {
                x->twin[i] = j;
                break;
            }
        }
    }
    unsigned char *copies = calloc(rules_count(r) + 1, 1); /* twins: their matches are copied */
    for (size_t i = 0; copies && x->twin && i < rules_count(r); i++)
        copies[i] = x->twin[i] != i;
    if (copies)
        x->pf = prefilter_create(r, copies);
    free(copies);
    if (!x->rule || !x->md || !x->mctx || !x->t || !x->doc || !x->mean || !x->tab || !x->twin || !x->pf || !x->scan[0] || !x->scan[1] ||
        !x->copy[0] || !x->copy[1] || build_dwords(x)) {
        extractor_free(x);
        return NULL;
    }
    if (x->jit)
        pcre2_jit_stack_assign(x->mctx, NULL, x->jit);
    /* a hostile pattern gives up at one spot instead of hanging the run */
    pcre2_set_match_limit(x->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(x->mctx, DEPTH_LIMIT);
    pcre2_set_heap_limit(x->mctx, HEAP_LIMIT_KB);
    return x;
}

void extractor_free(extractor *x)
{
    if (!x)
        return;
    pcre2_match_data_free(x->md);
    pcre2_match_context_free(x->mctx);
    pcre2_jit_stack_free(x->jit);
    text_free(x->t);
    docinfo_free(x->doc);
    meaning_free(x->mean);
    table_free(x->tab);
    prefilter_free(x->pf);
    free(x->c);
    free(x->ex);
    free(x->exmax);
    free(x->marks);
    cpindex_free(x->dix);
    free(x->twin);
    free(x->rule);
    free(x->dwords);
    for (int k = 0; k < 2; k++) {
        free(x->scan[k]);
        free(x->copy[k]);
    }
    free(x);
}

static int match(extractor *x, const pcre2_code *re, const char *s, size_t n, size_t start)
{
    /* the JIT fast path; patterns JIT could not compile go to the interpreter */
    int rc = pcre2_jit_match(re, (PCRE2_SPTR)s, n, start, 0, x->md, x->mctx);
    if (rc != PCRE2_ERROR_JIT_BADOPTION)
        return rc;
    return pcre2_match(re, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, x->md, x->mctx);
}

/* ---- matching ---------------------------------------------------------- */

/* The last set group among gs (0-terminated group numbers, in pattern order): of a
 * verb before a noun and one after it (完成农村户厕改造2000户), the one after it. */
static int last_set(const short *gs, const PCRE2_SIZE *ov, size_t *s, size_t *e)
{
    int found = 0;
    for (; *gs; gs++)
        if (ov[2 * *gs] != PCRE2_UNSET) {
            *s = ov[2 * *gs];
            *e = ov[2 * *gs + 1];
            found = 1;
        }
    return found;
}

static int add_cand(extractor *x, const rule *ru, size_t idx, const PCRE2_SIZE *ov, size_t anchor)
{
    if (pm_grow((void **)&x->c, &x->capc, x->nc + 1, sizeof(cand)))
        return PM_ERR_NOMEM;
    cand *c = &x->c[x->nc];
    c->ru = ru;
    c->idx = idx;
    for (int i = 0; i < G_N; i++) {
        c->g[i][0] = c->g[i][1] = (size_t)-1;
        last_set(ru->compiled->groups[0][i], ov, &c->g[i][0], &c->g[i][1]);
    }
    c->anchor = anchor;
    if (c->g[G_VALUE][0] == (size_t)-1)
        return 0;
    /* a value the number parser cannot read entirely is no number */
    size_t vl = c->g[G_VALUE][1] - c->g[G_VALUE][0];
    if (vl == 0 || num_parse(x->line + c->g[G_VALUE][0], vl, &c->value) != vl)
        return 0;
    c->start = c->g[G_VALUE][0];
    c->end = c->g[G_VALUE][1];
    for (int i = G_VMAX; i <= G_UNIT; i++)
        if (c->g[i][0] != (size_t)-1) {
            if (c->g[i][0] < c->start)
                c->start = c->g[i][0];
            if (c->g[i][1] > c->end)
                c->end = c->g[i][1];
        }
    /* a range that repeats its unit (5%-5.5%, 3万人至5万人): the text takes both */
    size_t ul = c->g[G_UNIT][1] - c->g[G_UNIT][0];
    if (c->g[G_VMAX][0] != (size_t)-1 && c->g[G_UNIT][0] != (size_t)-1 && c->g[G_UNIT][1] <= c->g[G_VMAX][0] &&
        c->g[G_VMAX][1] == c->end && c->end + ul <= x->linelen &&
        memcmp(x->line + c->end, x->line + c->g[G_UNIT][0], ul) == 0)
        c->end += ul;
    x->nc++;
    return 0;
}

/* Rule ru (index idx) gave up at the current line with PCRE2 error rc: tell the
 * line's warning callback, once per rule and document (a pathological rule must not
 * flood stderr). */
static void limit_warning(extractor *x, const rule *ru, size_t idx, int rc)
{
    if (!x->warn || idx >= 8 * sizeof x->warned || (x->warned[idx / 64] >> (idx % 64) & 1))
        return;
    x->warned[idx / 64] |= (uint64_t)1 << (idx % 64);
    char msg[300];
    PCRE2_UCHAR em[120];
    pcre2_get_error_message(rc, em, sizeof em);
    snprintf(msg, sizeof msg, "rule '%s' (%s:%ld) skipped here: %s", ru->id, ru->file, ru->line, (char *)em);
    x->warn(x->wctx, x->file, x->lineno, msg);
}


/* Match a rule's `before` part so that it ends at `a`; 1 when it does.
 * For a candidate c, its groups fill what the pattern left unset. */
static int match_before(extractor *x, const rule *ru, size_t idx, size_t a, cand *c)
{
    const char *ln = x->line;
    size_t w = prefilter_window(x->pf, idx, a, ru->reach);
    int rc = match(x, ru->compiled->before_code, ln, a, w);
    if (rc < 0) {
        if (rc != PCRE2_ERROR_NOMATCH)
            limit_warning(x, ru, idx, rc);
        return 0;
    }
    const PCRE2_SIZE *bov = pcre2_get_ovector_pointer(x->md);
    for (int i = 0; c && i < G_N; i++)
        if (c->g[i][0] == (size_t)-1)
            last_set(ru->compiled->groups[1][i], bov, &c->g[i][0], &c->g[i][1]);
    return 1;
}

/* Try one rule at the k-th number of the current line: a target adds a candidate
 * (its `before` is checked later, only if it wins); an exclusion adds a span. */
static int try_at(extractor *x, const rule *ru, size_t idx, size_t len, size_t k)
{
    PCRE2_SIZE ov[2 * 64];
    size_t a = x->anc[k];
    int rc = match(x, ru->compiled->code, x->line, len, a);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        limit_warning(x, ru, idx, rc);
        return 0;
    }
    /* only the pairs this pattern has: rc is one more than the highest group set */
    uint32_t npairs = (uint32_t)rc < 64 ? (uint32_t)rc : 64;
    memcpy(ov, pcre2_get_ovector_pointer(x->md), 2 * npairs * sizeof(PCRE2_SIZE));
    for (uint32_t k2 = npairs; k2 < 64 && k2 <= ru->compiled->ncaptures; k2++)
        ov[2 * k2] = ov[2 * k2 + 1] = PCRE2_UNSET;
    if (ru->kind == RULE_TARGET)
        return add_cand(x, ru, idx, ov, a) ? PM_ERR_NOMEM : 0;
    size_t from = a;
    if (ru->compiled->before_code) {
        if (!match_before(x, ru, idx, a, NULL))
            return 0;
        from = pcre2_get_ovector_pointer(x->md)[0];
    }
    if (pm_grow((void **)&x->ex, &x->capex, x->nex + 1, sizeof(span)))
        return PM_ERR_NOMEM;
    x->ex[x->nex++] = (span){from, ov[1], ru};
    return 0;
}

/* Try one rule at every number of the current line. */
static int scan_rule(extractor *x, const rule *ru, size_t idx, size_t len)
{
    /* an exclusion that starts at its number covers nothing before it: past the
     * end of the last candidate's value it cannot drop one (explain shows all) */
    size_t stop = ru->kind == RULE_EXCLUDE && !ru->compiled->before_code && !x->tracing ? x->value_end : (size_t)-1;
    for (size_t k = 0; k < x->nanc && x->anc[k] < stop; k++) {
        if (prefilter_may(x->pf, idx, k) && try_at(x, ru, idx, len, k))
            return PM_ERR_NOMEM;
    }
    return 0;
}

/* Every active rule at every number of the line: rows into x->c, exclusions
 * into x->ex. Exclusions run only on lines that have a candidate. */
static int collect(extractor *x, const char *ln, size_t len, extract_warn_fn warn, void *wctx,
                   const char *file, long lineno)
{
    x->nc = x->nex = 0;
    x->line = ln;
    x->linelen = len;
    x->warn = warn;
    x->wctx = wctx;
    x->file = file;
    x->lineno = lineno;
    if (prefilter_line(x->pf, ln, len))
        return PM_ERR_NOMEM;
    x->anc = prefilter_numbers(x->pf, &x->nanc);
    for (int kind = RULE_TARGET; kind <= RULE_EXCLUDE && x->nanc; kind++) {
        if (kind == RULE_EXCLUDE && x->nc == 0 && !x->tracing)
            break;
        if (kind == RULE_EXCLUDE) {
            x->value_end = 0;
            for (size_t j = 0; j < x->nc; j++)
                if (x->c[j].g[G_VALUE][1] > x->value_end)
                    x->value_end = x->c[j].g[G_VALUE][1];
        }
        size_t nc0 = x->nc, nex0 = x->nex;
        for (size_t k = 0; k < x->nscan[kind]; k++) {
            size_t i = x->scan[kind][k];
            if (prefilter_line_may(x->pf, i) && scan_rule(x, x->rule[i], i, len))
                return PM_ERR_NOMEM;
        }
        /* a rule with the same pattern as an earlier one: copy that one's matches */
        for (size_t k = 0; k < x->ncopy[kind]; k++) {
            size_t i = x->copy[kind][k], t = x->twin[i];
            const rule *ru = x->rule[i], *lead = x->rule[t];
            for (size_t j = nc0, n = x->nc; kind == RULE_TARGET && j < n; j++)
                if (x->c[j].idx == t) {
                    if (pm_grow((void **)&x->c, &x->capc, x->nc + 1, sizeof(cand)))
                        return PM_ERR_NOMEM;
                    x->c[x->nc] = x->c[j];
                    x->c[x->nc].ru = ru;
                    x->c[x->nc++].idx = i;
                }
            for (size_t j = nex0, n = x->nex; kind == RULE_EXCLUDE && j < n; j++)
                if (x->ex[j].ru == lead) {
                    if (pm_grow((void **)&x->ex, &x->capex, x->nex + 1, sizeof(span)))
                        return PM_ERR_NOMEM;
                    x->ex[x->nex] = x->ex[j];
                    x->ex[x->nex++].ru = ru;
                }
        }
    }
    return 0;
}

/* Once per document, from the active packs: which rules of each kind are
 * matched, and which only copy the matches of an earlier twin. */
static void plan_rules(extractor *x)
{
    rules_jit(x->r, x->active);
    x->nscan[0] = x->nscan[1] = x->ncopy[0] = x->ncopy[1] = 0;
    for (size_t i = 0; i < rules_count(x->r); i++) {
        const rule *ru = rules_at(x->r, i), *lead = rules_at(x->r, x->twin[i]);
        if (!(x->active >> ru->pack_index & 1))
            continue;
        if (x->twin[i] != i && (x->active >> lead->pack_index & 1))
            x->copy[ru->kind][x->ncopy[ru->kind]++] = i;
        else
            x->scan[ru->kind][x->nscan[ru->kind]++] = i;
    }
}

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->ru->priority != b->ru->priority)
        return a->ru->priority > b->ru->priority ? -1 : 1;
    size_t la = a->end - a->start, lb = b->end - b->start;
    if (la != lb)
        return la > lb ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int pos_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int span_cmp(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    return a->s < b->s ? -1 : a->s > b->s;
}

/* Is [s,e) overlapped by an exclusion? x->ex is sorted by start and x->exmax[i]
 * is the largest end among the first i+1 spans. */
static int excluded(const extractor *x, size_t s, size_t e)
{
    size_t lo = 0, hi = x->nex; /* count of spans starting before e */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->ex[mid].s < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && x->exmax[lo - 1] > s;
}

/* Keep the best candidate for each number: drop excluded ones, then, within each
 * cluster of overlapping candidates, accept in priority order those that do not
 * overlap an accepted one and whose `before` part matches. Linear in the line
 * apart from sorting, so a 50 MB line costs what 50 MB of lines cost. */
static size_t resolve(extractor *x)
{
    if (x->nex) {
        qsort(x->ex, x->nex, sizeof(span), span_cmp);
        if (pm_grow((void **)&x->exmax, &x->capexmax, x->nex, sizeof(size_t)))
            return 0;
        for (size_t i = 0; i < x->nex; i++)
            x->exmax[i] = i && x->exmax[i - 1] > x->ex[i].e ? x->exmax[i - 1] : x->ex[i].e;
    }
    size_t k = 0;
    for (size_t i = 0; i < x->nc; i++)
        if (!x->nex || !excluded(x, x->c[i].g[G_VALUE][0], x->c[i].g[G_VALUE][1]))
            x->c[k++] = x->c[i];
    if (k == 0)
        return 0;
    qsort(x->c, k, sizeof(cand), pos_cmp);
    size_t n = 0;
    for (size_t from = 0; from < k;) {
        size_t to = from + 1, end = x->c[from].end;
        while (to < k && x->c[to].start < end) {
            if (x->c[to].end > end)
                end = x->c[to].end;
            to++;
        }
        qsort(x->c + from, to - from, sizeof(cand), cand_cmp);
        size_t first = n;
        for (size_t i = from; i < to; i++) {
            int clash = 0;
            for (size_t j = first; j < n && !clash; j++)
                clash = x->c[i].start < x->c[j].end && x->c[j].start < x->c[i].end;
            if (!clash && (!x->c[i].ru->compiled->before_code || match_before(x, x->c[i].ru, x->c[i].idx, x->c[i].anchor, &x->c[i])))
                x->c[n++] = x->c[i];
        }
        from = to;
    }
    qsort(x->c, n, sizeof(cand), pos_cmp);
    return n;
}

/* ---- rows -------------------------------------------------------------- */

typedef struct rowbuf {
    char *s;
    size_t n, cap;
    size_t off[COL_COUNT], len[COL_COUNT];
} rowbuf;

static int put(rowbuf *b, int col, const char *s, size_t n)
{
    if (pm_grow((void **)&b->s, &b->cap, b->n + n + 1, 1))
        return -1;
    memcpy(b->s + b->n, s, n);
    b->off[col] = b->n;
    b->len[col] = n;
    b->n += n;
    b->s[b->n++] = '\0';
    return 0;
}

static int puts_(rowbuf *b, int col, const char *s) { return put(b, col, s, strlen(s)); }

static int is_stop(const char *p, size_t avail, int strong)
{
    unsigned char c = (unsigned char)p[0];
    if (c >= 0x80) { /* 。 is E3 80 82; ！ ？ ； are EF BC 81, EF BC 9F, EF BC 9B */
        if (avail < 3)
            return 0;
        unsigned char c1 = (unsigned char)p[1], c2 = (unsigned char)p[2];
        if ((c == 0xE3 && c1 == 0x80 && c2 == 0x82) ||
            (c == 0xEF && c1 == 0xBC && (c2 == 0x81 || c2 == 0x9F || (!strong && c2 == 0x9B))))
            return 3;
        return 0;
    }
    if (*p == '!' || *p == '?' || (!strong && *p == ';'))
        return 1;
    return 0;
}

/* The sentence around [s,e) of the line, bounded by CONTEXT_MAX on each side. */
static void sentence(const char *ln, size_t len, size_t s, size_t e, size_t *cs, size_t *ce)
{
    size_t a = s;
    while (a > 0 && s - a < CONTEXT_MAX) {
        size_t p = a - 1;
        while (p > 0 && ((unsigned char)ln[p] & 0xC0) == 0x80)
            p--;
        if (is_stop(ln + p, len - p, 0))
            break;
        a = p;
    }
    size_t b = e;
    while (b < len && b - e < CONTEXT_MAX && ln[b] != '\r') {
        int k = is_stop(ln + b, len - b, 0);
        if (k) {
            b += (size_t)k;
            break;
        }
        unsigned char c = (unsigned char)ln[b];
        b += utf8_len(c);
    }
    if (b > len)
        b = len;
    while (a < s && (ln[a] == ' ' || ln[a] == '\t'))
        a++;
    *cs = a;
    *ce = b;
}

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Does the subject hold a word: an ASCII letter or digit, or a CJK character (a
 * subject of punctuation alone, such as the '-' of a range, is no subject)? */
static int has_word(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = utf8_decode(u + i, n - i, &cl);
        if ((cp < 0x80 && ((cp | 0x20) - 'a' < 26 || cp - '0' < 10)) || (cp >= 0x2E80 && cp < 0xFF00) || cp >= 0x10000)
            return 1;
        i += cl ? cl : 1;
    }
    return 0;
}

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

typedef struct runctx {
    extractor *x;
    const char *file;
    const char *city, *year;
    const char *norm, *orig;
    size_t normlen, origlen;
    extract_row_fn fn;
    void *ctx;
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

static size_t to_orig(runctx *rc, size_t norm_off)
{
    return text_orig_offset(rc->x->t, norm_off);
}

/* A character of an item of a list: a CJK character or an ASCII letter. */
static int item_char(const char *s, size_t avail, size_t *len)
{
    uint32_t cp = utf8_decode((const unsigned char *)s, avail, len);
    return (cp >= 0x3400 && cp < 0xA000) || ((cp | 0x20) - 'a' < 26);
}

/* Characters in s[a..b) (UTF-8). */
static size_t nchars(const char *s, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Bytes of the first n characters of s[a..b). */
static size_t char_bytes(const char *s, size_t a, size_t b, size_t n)
{
    size_t i = a;
    while (i < b && n) {
        i += utf8_len((unsigned char)s[i]);
        n--;
    }
    return (i < b ? i : b) - a;
}

#define ITEM_MAX 6 /* characters of an item before 、 */

/* Where the last item of a list ends in ln[so..se): after the longest ending of an earlier
 * item found there (装备制造业、高技术制造业增加值: 高技术制造业; 国家级、部级创新平台: 部级;
 * the noun they share then is what follows);
 * 0 when no ending of any item is found. Returns bytes from so. */
static size_t shared_end(const char *ln, size_t (*item)[2], size_t n, size_t so, size_t se)
{
    size_t best = 0, bestlen = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t a = item[i][0]; a < item[i][1]; a += utf8_len((unsigned char)ln[a])) {
            size_t len = item[i][1] - a; /* the ending ln[a..item end) */
            if (len <= bestlen)
                break;
            int one = len == utf8_len((unsigned char)ln[a]); /* a one-character ending counts only
                                                              * before a noun of 3 or more (部级创新平台) */
            for (size_t p = so; p + len <= se; p += utf8_len((unsigned char)ln[p]))
                if (memcmp(ln + p, ln + a, len) == 0 && (!one || nchars(ln, p + len, se) >= 3)) {
                    best = p + len - so;
                    bestlen = len;
                    break;
                }
            if (bestlen == len)
                break;
        }
    return best;
}

/* Whether the subject ln[so..se) ends a list that the row distributes: items joined by 、
 * stand right before it, each after a boundary, and a `distribute` word (分别) stands
 * between it and the number at ts. Fills d. */
static int find_dist(extractor *x, const char *ln, size_t so, size_t se, size_t ts, dist *d)
{
    static const char dun[] = "\xE3\x80\x81"; /* 、 */
    rules_hit h;
    if (se > ts || rules_senses(x->r, SENSE_DISTRIBUTE, ln + se, ts - se, 0, &h, 1, x->md, x->mctx) == 0)
        return 0;
    size_t rev[DIST_MAX][2], n = 0, p = so, cl;
    while (p >= 3 && memcmp(ln + p - 3, dun, 3) == 0 && n < DIST_MAX - 1) {
        size_t q = p - 3, k = 0;
        while (q > 0 && k <= ITEM_MAX) {
            size_t b = q - 1;
            while (b > 0 && ((unsigned char)ln[b] & 0xC0) == 0x80)
                b--;
            if (!item_char(ln + b, q - b, &cl))
                break;
            q = b;
            k++;
        }
        if (k == 0 || k > ITEM_MAX)
            return 0;
        rev[n][0] = q;
        rev[n][1] = p - 3;
        n++;
        p = q;
    }
    if (n == 0)
        return 0;
    memset(d, 0, sizeof *d);
    d->k = (int)n + 1;
    for (size_t i = 0; i < n; i++) {
        d->item[i][0] = rev[n - 1 - i][0];
        d->item[i][1] = rev[n - 1 - i][1];
    }
    /* the last item's length: numerals as many as lead the subject (第二、三产业: 三),
     * else as long as the middle items, else as the first */
    size_t L = 0, i = so, nb;
    while (i < se && (nb = num_numeral(ln + i, se - i)) > 0) {
        i += nb;
        L++;
    }
    size_t *f = d->item[0];
    if (L) { /* the first item's own numerals end it; what stands before them is shared */
        size_t e = f[1], s0 = f[0];
        while (e > s0) {
            size_t b = e - 1;
            while (b > s0 && ((unsigned char)ln[b] & 0xC0) == 0x80)
                b--;
            if (!num_numeral(ln + b, e - b))
                break;
            e = b;
        }
        if (nchars(ln, s0, e) > 1) { /* one character is shared (第), not a word before it */
            size_t b = e - 1;
            while (b > s0 && ((unsigned char)ln[b] & 0xC0) == 0x80)
                b--;
            s0 = b;
        }
        d->pre[0] = f[0] = s0;
        d->pre[1] = e;
    }
    size_t lb = L ? char_bytes(ln, so, se, L) : shared_end(ln, d->item, n, so, se);
    if (!L && !lb) /* else as long as the middle items, else as the first */
        lb = char_bytes(ln, so, se, nchars(ln, n >= 2 ? d->item[1][0] : f[0], n >= 2 ? d->item[1][1] : f[1]));
    if (lb == 0)
        return 0;
    if (so + lb >= se) /* whole nouns (林木覆盖率、湿地保护率分别达): nothing shared */
        lb = se - so;
    d->item[n][0] = so;
    d->item[n][1] = so + lb;
    d->tail[0] = so + lb;
    d->tail[1] = se;
    return 1;
}

/* Item i of list d as the document writes it: the shared part before it (not for the
 * first item, which holds it), the item, the shared noun; in rc->sbuf. */
static size_t dist_subject(runctx *rc, size_t lstart, const dist *d, int i)
{
    const size_t *piece[3] = {i ? d->pre : NULL, d->item[i], d->tail};
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        if (!piece[k] || piece[k][1] <= piece[k][0])
            continue;
        size_t a = to_orig(rc, lstart + piece[k][0]), b = to_orig(rc, lstart + piece[k][1]);
        if (b - a >= sizeof rc->sbuf - n)
            return 0;
        memcpy(rc->sbuf + n, rc->orig + a, b - a);
        n += b - a;
    }
    return n;
}

/* The subject and action of candidate c (line ln, sentence from cs, text [ts, te)), after
 * the row before it (rc->prev; carried: only a `carry` link stands between them): its own,
 * cut where it starts inside that row, carried over the link, or the next item of a list
 * that row distributes. from: where the cues that govern it start, kept for the next row. */
static struct prevrow row_subject(runctx *rc, const cand *c, const char *ln, long lineno, size_t cs, size_t ts,
                                  size_t te, int carried, size_t from)
{
    extractor *x = rc->x;
    const char *subj = "", *act = "";
    size_t sl = 0, al = 0;
    if (c->g[G_SUBJECT][0] != (size_t)-1) {
        subj = ln + c->g[G_SUBJECT][0];
        sl = c->g[G_SUBJECT][1] - c->g[G_SUBJECT][0];
        trim(&subj, &sl);
        if (!has_word(subj, sl))
            sl = 0;
    }
    if (c->g[G_ACTION][0] != (size_t)-1) {
        act = ln + c->g[G_ACTION][0];
        al = c->g[G_ACTION][1] - c->g[G_ACTION][0];
    }
    /* a subject that starts inside the row before it starts with that row's unit: it
     * keeps what follows (10个重点产业产值: 重点产业产值), and a link alone is none
     * (95万人和110万人: 和) */
    const struct prevrow *pr = &rc->prev;
    size_t so = sl ? (size_t)(subj - ln) : 0; /* where the subject starts in the line */
    if (sl && pr->lineno == lineno && so >= pr->start && so < pr->end) {
        size_t cut = pr->end - so < sl ? pr->end - so : sl;
        subj += cut;
        sl -= cut;
        trim(&subj, &sl);
        so = (size_t)(subj - ln);
        if (!has_word(subj, sl) || rules_carries(x->r, ln, so, so + sl, x->md, x->mctx))
            sl = 0;
    }
    /* no subject of its own: the one of the row before it in the sentence, when only a
     * link of a `carry` pattern stands between them (312亿元、增长4.1%); the next item of a
     * list the row before it distributes, whatever its own */
    int next_item = pr->d.k && pr->di + 1 < pr->d.k;
    int linked = carried && (sl == 0 || next_item);
    dist d = {0};
    int di = 0;
    if (linked && pr->sl) {
        subj = pr->subj;
        sl = pr->sl;
        if (next_item) {
            d = pr->d;
            di = pr->di + 1;
            if (al == 0) { /* the verb of a list is its rows' (分别增长3.5%、6%) */
                act = pr->act;
                al = pr->al;
            }
        }
    } else if (sl && !find_dist(x, ln, (size_t)(subj - ln), (size_t)(subj - ln) + sl, ts, &d)) {
        d.k = 0;
    }
    return (struct prevrow){lineno, cs, ts, te, subj, act, sl, al, d, di, from};
}

/* The subject and action of row r as the document writes them (traditional stays
 * traditional); a list's item is put together from its pieces. */
static int put_subject(runctx *rc, rowbuf *b, size_t lstart, const char *ln, const struct prevrow *r)
{
    size_t so = r->sl ? (size_t)(r->subj - ln) : 0, ao = r->al ? (size_t)(r->act - ln) : 0;
    size_t sos = r->sl ? to_orig(rc, lstart + so) : 0, soe = r->sl ? to_orig(rc, lstart + so + r->sl) : 0;
    size_t aos = r->al ? to_orig(rc, lstart + ao) : 0, aoe = r->al ? to_orig(rc, lstart + ao + r->al) : 0;
    const char *osubj = rc->orig + sos;
    size_t osl = soe - sos, n;
    if (r->d.k && (n = dist_subject(rc, lstart, &r->d, r->di)) > 0) {
        osubj = rc->sbuf;
        osl = n;
    }
    trim(&osubj, &osl);
    return put(b, COL_SUBJECT, osubj, osl) | put(b, COL_ACTION, rc->orig + aos, aoe - aos);
}

static int emit(runctx *rc, const cand *c, size_t lstart, size_t llen, long lineno)
{
    extractor *x = rc->x;
    const char *ln = rc->norm + lstart;
    rowbuf *b = &rc->rb;
    b->n = 0;
    pm_row row;
    memset(&row, 0, sizeof row);
    char tmp[64];
    int err = 0;

    double v = c->value, vmax = 0, scale = 1.0;
    const char *u = "";
    size_t ul = 0;
    if (c->g[G_UNIT][0] != (size_t)-1) { /* a rule's unit group may be left unset */
        u = ln + c->g[G_UNIT][0];
        ul = c->g[G_UNIT][1] - c->g[G_UNIT][0];
    }
    const char *canon = rules_unit_canon(x->r, u, ul, &scale);
    v *= scale;
    int has_max = c->g[G_VMAX][0] != (size_t)-1;
    if (has_max && num_parse(ln + c->g[G_VMAX][0], c->g[G_VMAX][1] - c->g[G_VMAX][0], &vmax) == 0)
        has_max = 0;
    vmax *= scale;

    const char *qual = "=";
    for (int gi = G_QUAL; gi <= G_QUAL_AFTER; gi++)
        if (c->g[gi][0] != (size_t)-1 && c->g[gi][1] > c->g[gi][0]) {
            const char *q = rules_qualifier(x->r, ln + c->g[gi][0], c->g[gi][1] - c->g[gi][0]);
            if (q && strcmp(q, "=") != 0) {
                qual = q;
                break;
            }
        }

    /* text: from the qualifier (or number) to the end of unit/qualifier */
    size_t ts = c->start, te = c->end;
    for (int gi = G_QUAL; gi <= G_QUAL_AFTER; gi++)
        if (c->g[gi][0] != (size_t)-1 && c->g[gi][1] > c->g[gi][0]) {
            if (c->g[gi][0] < ts)
                ts = c->g[gi][0];
            if (c->g[gi][1] > te)
                te = c->g[gi][1];
        }
    size_t os = to_orig(rc, lstart + ts), oe = to_orig(rc, lstart + te);
    size_t cs, ce;
    sentence(ln, llen, ts, te, &cs, &ce);
    size_t ocs = to_orig(rc, lstart + cs), oce = to_orig(rc, lstart + ce);

    err |= puts_(b, COL_FILE, rc->file);
    err |= puts_(b, COL_CITY, rc->city);
    err |= puts_(b, COL_YEAR, rc->year);
    err |= puts_(b, COL_SECTION, docinfo_section(x->doc));
    err |= puts_(b, COL_CATEGORY, c->ru->category);
    err |= puts_(b, COL_RULE, c->ru->id);
    /* the cues that govern it start after the row before it in the sentence, or with that
     * row's when only a `carry` link stands between them, or an enumeration mark and a
     * noun without a verb of its own (现有中小学312所、幼儿园406所; not 现有50所、新建10所) */
    const struct prevrow *pr = &rc->prev;
    int same = pr->lineno == lineno && pr->cs == cs && pr->end <= ts;
    int listed = same && ts - pr->end >= 3 && memcmp(ln + pr->end, "\xE3\x80\x81", 3) == 0 &&
                 c->g[G_ACTION][0] == (size_t)-1;
    int carried = same && rules_carries(x->r, ln, pr->end, ts, x->md, x->mctx);
    size_t from = !same ? cs : listed || carried ? pr->from : pr->end;
    meaning_in mi = {cs, from, ts, c->start, te, c->ru->role, canon ? rules_unit_additive(x->r, canon) : 1};
    meaning_row mr;
    meaning_of(x->mean, &mi, &mr);
    rc->prev = row_subject(rc, c, ln, lineno, cs, ts, te, carried, from);
    err |= put_subject(rc, b, lstart, ln, &rc->prev);
    err |= puts_(b, COL_ROLE, mr.role);
    if (mr.period)
        err |= put(b, COL_PERIOD, tmp, (size_t)snprintf(tmp, sizeof tmp, "%d", mr.period));
    else
        err |= put(b, COL_PERIOD, "", 0);
    err |= puts_(b, COL_ADDITIVE, mr.additive ? "yes" : "no");
    err |= put(b, COL_ATTRIBUTE, "", 0);
    num_format(v, tmp, sizeof tmp);
    err |= puts_(b, COL_VALUE, tmp);
    if (has_max)
        num_format(vmax, tmp, sizeof tmp);
    err |= puts_(b, COL_VALUE_MAX, has_max ? tmp : "");
    err |= puts_(b, COL_QUALIFIER, qual);
    if (canon)
        err |= puts_(b, COL_UNIT, canon);
    else
        err |= put(b, COL_UNIT, u, ul);
    err |= put(b, COL_TEXT, rc->orig + os, oe - os);
    err |= put(b, COL_LINE, tmp, (size_t)num_format((double)lineno, tmp, sizeof tmp));
    err |= put(b, COL_CONTEXT, rc->orig + ocs, oce - ocs);
    if (err)
        return PM_ERR_NOMEM;
    for (int i = 0; i < COL_COUNT; i++) {
        row.cell[i] = b->s + b->off[i];
        row.len[i] = b->len[i];
    }
    row.value = v;
    row.rule = c->ru;
    row.norm_start = lstart + ts;
    row.norm_end = lstart + te;
    return rc->fn(rc->ctx, &row);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A number that is plainly a number when no rule took it: Arabic digits, or
 * Chinese numerals with 十/百/千/万/亿 (a lone 一 of 统一 is not shown). */
static int plain_number(const char *s, size_t len)
{
    if (*s >= '0' && *s <= '9')
        return 1;
    static const char *big[] = {"十", "百", "千", "万", "亿"};
    for (size_t i = 0; i < len;) {
        size_t n = num_numeral(s + i, len - i);
        if (!n)
            break;
        for (size_t k = 0; k < 5; k++)
            if (n == 3 && memcmp(s + i, big[k], 3) == 0)
                return 1;
        i += n;
    }
    return 0;
}

static int mark_cmp(const void *pa, const void *pb)
{
    const extract_mark *a = pa, *b = pb;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Report the line's rows, excluded numbers and untaken numbers to the trace. */
static int trace_line(extractor *x, runctx *r, size_t off, size_t len, size_t nrows, long lineno,
                      const extract_opts *o)
{
    size_t los = to_orig(r, off), loe = to_orig(r, off + len);
    x->nmarks = 0;
    for (size_t i = 0; i < nrows + x->nanc; i++) {
        extract_mark m = {0};
        if (i < nrows) {
            const cand *c = &x->c[i];
            size_t ts = c->start, te = c->end;
            for (int gi = G_QUAL; gi <= G_QUAL_AFTER; gi++)
                if (c->g[gi][0] != (size_t)-1 && c->g[gi][1] > c->g[gi][0]) {
                    ts = c->g[gi][0] < ts ? c->g[gi][0] : ts;
                    te = c->g[gi][1] > te ? c->g[gi][1] : te;
                }
            m = (extract_mark){MARK_ROW, ts, te, c->ru, NULL};
        } else {
            size_t a = x->anc[i - nrows], e = a;
            while (e < len && (num_numeral(x->line + e, len - e) || x->line[e] == '.' ||
                               x->line[e] == ','))
                e += x->line[e] == '.' || x->line[e] == ',' ? 1 : num_numeral(x->line + e, len - e);
            int taken = 0;
            for (size_t k = 0; k < nrows && !taken; k++)
                taken = a >= x->c[k].start && a < x->c[k].end;
            if (taken)
                continue;
            m = (extract_mark){MARK_UNTAKEN, a, e, NULL, NULL};
            for (size_t j = 0; j < x->nex; j++)
                if (x->ex[j].s < e && a < x->ex[j].e) {
                    m = (extract_mark){MARK_EXCLUDED, x->ex[j].s, x->ex[j].e, x->ex[j].ru, NULL};
                    break;
                }
            if (m.kind == MARK_UNTAKEN && !plain_number(x->line + a, e - a))
                continue;
            int dup = 0; /* one exclusion covering several numbers is shown once */
            for (size_t k = 0; k < x->nmarks && !dup; k++)
                dup = m.kind == MARK_EXCLUDED && x->marks[k].kind == MARK_EXCLUDED && x->marks[k].start == to_orig(r, off + m.start) - los;
            if (dup)
                continue;
        }
        m.start = to_orig(r, off + m.start) - los;
        m.end = to_orig(r, off + m.end) - los;
        if (pm_grow((void **)&x->marks, &x->capmarks, x->nmarks + 1, sizeof(extract_mark)))
            return PM_ERR_NOMEM;
        x->marks[x->nmarks++] = m;
    }
    if (x->nmarks > 1)
        qsort(x->marks, x->nmarks, sizeof(extract_mark), mark_cmp);
    return o->trace(o->trace_ctx, lineno, r->orig + los, loe - los, x->marks, x->nmarks);
}

/* Cell col of b: the pieces p[0..n) one after another. */
static int put_join(rowbuf *b, int col, const char *const *p, const size_t *len, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += len[i];
    if (pm_grow((void **)&b->s, &b->cap, b->n + total + 1, 1))
        return -1;
    b->off[col] = b->n;
    b->len[col] = total;
    for (int i = 0; i < n; i++) {
        memcpy(b->s + b->n, p[i], len[i]);
        b->n += len[i];
    }
    b->s[b->n++] = '\0';
    return 0;
}

/* The row of an indicator table's cell: subject, group and caption as written, context
 * the row's cells joined by " | ". */
static const rule table_rule = {.id = (char *)"table", .pack = (char *)"base", .category = (char *)"指标",
                                .role = (char *)"target"};

static int emit_table(runctx *rc, const table_row *tr)
{
    extractor *x = rc->x;
    rowbuf *b = &rc->rb;
    b->n = 0;
    size_t nt, nc;
    const table_info *ti = table_tables(x->tab, &nt) + tr->table;
    const table_cell *cells = table_cells(x->tab, &nc) + tr->cells;
    char tmp[64];
    int err = 0;
#define ORIG(a, e) rc->orig + to_orig(rc, a), to_orig(rc, e) - to_orig(rc, a)
    err |= puts_(b, COL_FILE, rc->file);
    err |= puts_(b, COL_CITY, rc->city);
    err |= puts_(b, COL_YEAR, rc->year);
    const char *sec = docinfo_section(x->doc);
    const char *sp[3] = {sec, " > ", rc->orig + to_orig(rc, ti->cap_s)};
    size_t sl[3] = {strlen(sec), 3, to_orig(rc, ti->cap_e) - to_orig(rc, ti->cap_s)};
    if (!sl[2])
        err |= put_join(b, COL_SECTION, sp, sl, 1);
    else
        err |= sl[0] ? put_join(b, COL_SECTION, sp, sl, 3) : put_join(b, COL_SECTION, sp + 2, sl + 2, 1);
    if (tr->group_e > tr->group_s)
        err |= put(b, COL_CATEGORY, ORIG(tr->group_s, tr->group_e));
    else
        err |= puts_(b, COL_CATEGORY, table_rule.category);
    err |= puts_(b, COL_RULE, table_rule.id);
    err |= put(b, COL_SUBJECT, ORIG(tr->name_s, tr->name_e));
    err |= put(b, COL_ACTION, "", 0);
    err |= puts_(b, COL_ROLE, tr->role);
    if (tr->period)
        err |= put(b, COL_PERIOD, tmp, (size_t)snprintf(tmp, sizeof tmp, "%d", tr->period));
    else
        err |= put(b, COL_PERIOD, "", 0);
    err |= puts_(b, COL_ADDITIVE, tr->additive ? "yes" : "no");
    err |= puts_(b, COL_ATTRIBUTE, tr->attribute);
    num_format(tr->value, tmp, sizeof tmp);
    err |= puts_(b, COL_VALUE, tmp);
    if (tr->has_max)
        num_format(tr->value_max, tmp, sizeof tmp);
    err |= puts_(b, COL_VALUE_MAX, tr->has_max ? tmp : "");
    err |= puts_(b, COL_QUALIFIER, tr->qualifier);
    err |= puts_(b, COL_UNIT, tr->unit);
    err |= put(b, COL_TEXT, ORIG(tr->cell_s, tr->cell_e));
    err |= put(b, COL_LINE, tmp, (size_t)num_format((double)tr->line, tmp, sizeof tmp));
    const char *cp[2 * 32];
    size_t cn[2 * 32];
    int k = 0;
    for (size_t i = 0; i < tr->ncells && k < 2 * 32 - 1; i++) {
        if (cells[i].e == cells[i].s)
            continue;
        if (k) {
            cp[k] = " | ";
            cn[k++] = 3;
        }
        cp[k] = rc->orig + to_orig(rc, cells[i].s);
        cn[k] = to_orig(rc, cells[i].e) - to_orig(rc, cells[i].s);
        k++;
    }
    err |= put_join(b, COL_CONTEXT, cp, cn, k);
#undef ORIG
    if (err)
        return PM_ERR_NOMEM;
    pm_row row;
    memset(&row, 0, sizeof row);
    for (int i = 0; i < COL_COUNT; i++) {
        row.cell[i] = b->s + b->off[i];
        row.len[i] = b->len[i];
    }
    row.value = tr->value;
    row.rule = &table_rule;
    row.norm_start = tr->cell_s;
    row.norm_end = tr->cell_e;
    return rc->fn(rc->ctx, &row);
}

/* explain: a table's line with every cell marked (header cells with their column, the
 * cells of rows with what became of them). */
static int trace_table(extractor *x, runctx *r, size_t off, size_t len, long lineno, const extract_opts *o)
{
    size_t nc, nt, nr;
    const table_cell *cells = table_cells(x->tab, &nc);
    const table_info *tabs = table_tables(x->tab, &nt);
    const table_row *rows = table_rows(x->tab, &nr);
    size_t los = to_orig(r, off), loe = to_orig(r, off + len), used = 0;
    x->nmarks = 0;
    for (size_t i = 0; i < nc; i++) {
        const table_cell *c = &cells[i];
        if (c->line != lineno || c->s < off || c->e > off + len || c->s == c->e)
            continue;
        char *note = x->notes + used;
        size_t room = sizeof x->notes - used;
        int kind = MARK_CELL, w = 0;
        const table_info *ti = &tabs[c->table];
        if (strcmp(c->what, "column") == 0) {
            w = snprintf(note, room, "column");
        } else if (strcmp(c->what, "row") == 0) {
            const table_row *tr = NULL;
            for (size_t k = 0; k < nr && !tr; k++)
                if (rows[k].cell_s == c->s && rows[k].line == lineno)
                    tr = &rows[k];
            kind = MARK_ROW;
            if (tr)
                w = snprintf(note, room, "table: %s %d %s%s%s%s", tr->role, tr->period, tr->unit,
                             tr->additive ? "" : " not additive", *tr->attribute ? " " : "", tr->attribute);
        } else if (c->col >= 0 && ti->col[c->col].kind == TABLE_VALUE) {
            w = snprintf(note, room, "%s: no number", c->what);
        } else {
            w = snprintf(note, room, "%s", c->what);
        }
        if (w < 0 || (size_t)w >= room)
            note = NULL;
        else
            used += (size_t)w + 1;
        extract_mark m = {kind, to_orig(r, c->s) - los, to_orig(r, c->e) - los, kind == MARK_ROW ? &table_rule : NULL, note};
        if (pm_grow((void **)&x->marks, &x->capmarks, x->nmarks + 1, sizeof(extract_mark)))
            return PM_ERR_NOMEM;
        x->marks[x->nmarks++] = m;
    }
    /* the header's first line says what each column is */
    for (size_t t = 0; t < nt; t++)
        if (tabs[t].header == lineno) {
            char *note = x->notes + used;
            size_t room = sizeof x->notes - used, at = 0;
            static const char *kinds[] = {"serial", "group", "name", "unit", "attribute", "note", "value"};
            at += (size_t)snprintf(note, room, "table of %d columns:", tabs[t].ncols);
            for (int j = 0; j < tabs[t].ncols && at < room; j++) {
                const struct table_col *col = &tabs[t].col[j];
                int k = col->kind - TABLE_SERIAL;
                if (col->kind == TABLE_VALUE)
                    at += (size_t)snprintf(note + at, room - at, " %s %d%s", col->role, col->period,
                                           col->change ? " change" : "");
                else
                    at += (size_t)snprintf(note + at, room - at, " %s", k >= 0 && k < 7 ? kinds[k] : "?");
                if (at < room && j + 1 < tabs[t].ncols)
                    at += (size_t)snprintf(note + at, room - at, ",");
            }
            if (at < room) {
                extract_mark m = {MARK_CELL, loe - los, loe - los, NULL, note};
                if (pm_grow((void **)&x->marks, &x->capmarks, x->nmarks + 1, sizeof(extract_mark)))
                    return PM_ERR_NOMEM;
                x->marks[x->nmarks++] = m;
            }
        }
    if (x->nmarks > 1)
        qsort(x->marks, x->nmarks, sizeof(extract_mark), mark_cmp);
    return o->trace(o->trace_ctx, lineno, r->orig + los, loe - los, x->marks, x->nmarks);
}

/* Warnings of the text layer (bad bytes replaced) go to the caller's callback. */
struct textwarn {
    const extract_opts *o;
    const char *file;
};

static void text_warn(void *ctx, long line, const char *msg)
{
    struct textwarn *tw = ctx;
    tw->o->warn(tw->o->warn_ctx, tw->file, line, msg);
}

/* Packs that are always on: those without a detect pattern. */
static uint64_t shared_packs(const rules *r)
{
    uint64_t m = 0;
    for (size_t i = 0; i < rules_pack_count(r); i++)
        if (!rules_pack_detect(r, i))
            m |= (uint64_t)1 << i;
    return m;
}

int extractor_set_packs(extractor *x, const char *spec, pm_error *err)
{
    x->auto_packs = !spec || strcmp(spec, "auto") == 0;
    x->fixed = 0;
    if (x->auto_packs)
        return 0;
    if (strcmp(spec, "all") == 0) {
        x->fixed = ~(uint64_t)0;
        return 0;
    }
    for (const char *p = spec; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int i = rules_pack_index(x->r, p, n);
        if (i < 0)
            return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "unknown pack '%.*s'", (int)n, p);
        x->fixed |= (uint64_t)1 << i;
        p += n + (e ? 1 : 0);
    }
    x->fixed |= shared_packs(x->r);
    return 0;
}

#define DETECT_BYTES 200000 /* how much of a document pack detection reads */

/* The plan-type pack whose detect pattern matches the document most often;
 * matches in the title lines (the first 600 bytes) count ten times. */
static uint64_t detect_packs(extractor *x, const char *s, size_t n)
{
    size_t lim = n < DETECT_BYTES ? n : DETECT_BYTES;
    while (lim < n && ((unsigned char)s[lim] & 0xC0) == 0x80)
        lim++;
    size_t head = lim < 600 ? lim : 600;
    while (head < lim && ((unsigned char)s[head] & 0xC0) == 0x80)
        head++;
    long score[64] = {0};
    /* word-list patterns, all in one pass: at each character the first word of each
     * list that matches there, then on from its end - what PCRE2's search would count */
    size_t next[64] = {0};
    const unsigned char *u = (const unsigned char *)s;
    const uint64_t *bits = cpindex_bits(x->dix);
    for (size_t p = 0; x->ndwords && p < lim;) {
        p = cpindex_skip3(bits, u, p, lim); /* most characters are 3 bytes and start no word */
        if (p >= lim)
            break;
        size_t cl;
        uint32_t cp = utf8_decode(u + p, lim - p, &cl);
        if (!cpindex_maybe(bits, cp)) { /* other characters that start no word */
            p += cl;
            continue;
        }
        if (cp < 65536 && !(x->dsolo[cp / 64] >> (cp % 64) & 1)) {
            /* no word is this one character: one bit tells whether one starts with the pair */
            size_t cl2;
            unsigned h = p + cl < lim ? dpair_hash(cp, utf8_decode(u + p + cl, lim - p - cl, &cl2)) : 0;
            if (p + cl >= lim || !(x->dpair[h / 64] >> (h % 64) & 1)) {
                p += cl;
                continue;
            }
        }
        size_t start = 0, nrun = cpindex_find(x->dix, cp, &start);
        if (nrun) {
            uint64_t done = 0;
            for (size_t k = start; k < start + nrun; k++) {
                const struct dword *d = &x->dwords[k];
                if ((done >> d->pack & 1) || p < next[d->pack] || d->n > lim - p || memcmp(s + p, d->s, d->n) != 0)
                    continue;
                done |= (uint64_t)1 << d->pack;
                score[d->pack] += p < head ? 10 : 1;
                next[d->pack] = p + d->n;
            }
        }
        p += cl;
    }
    long best = -1;
    int besti = -1;
    for (size_t i = 0; i < rules_pack_count(x->r); i++) {
        const pcre2_code *d = rules_pack_detect(x->r, i);
        if (!d)
            continue;
        for (size_t off = 0; !(x->dlit >> i & 1) && off < lim;) {
            if (match(x, d, s, lim, off) <= 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
            score[i] += ov[0] < head ? 10 : 1;
            off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (off < lim && ((unsigned char)s[off] & 0xC0) == 0x80)
                off++;
        }
        if (score[i] > best) {
            best = score[i];
            besti = (int)i;
        }
    }
    if (best == 0 && rules_fallback_pack(x->r) >= 0)
        besti = rules_fallback_pack(x->r);
    uint64_t m = shared_packs(x->r);
    if (besti >= 0)
        m |= (uint64_t)1 << besti;
    return m;
}

int extractor_run(extractor *x, const char *file, const char *bytes, size_t n,
                  const extract_opts *o, extract_row_fn fn, void *ctx, pm_error *err)
{
    static const extract_opts none = {0};
    if (!o)
        o = &none;
    struct textwarn tw = {o, file};
    int rc = text_load(x->t, bytes, n, o->encoding, o->warn ? text_warn : NULL, &tw, err);
    if (rc) {
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", file);
        return rc;
    }
    runctx r = {.x = x, .file = file, .fn = fn, .ctx = ctx};
    r.norm = text_norm(x->t, &r.normlen);
    r.orig = text_orig(x->t, &r.origlen);
    char city[96] = "", year[8] = "";
    docinfo_title(x->doc, r.norm, r.normlen, city, sizeof city, year, sizeof year);
    r.city = o->city ? o->city : city;
    r.year = o->year ? o->year : year;
    docinfo_reset(x->doc);
    meaning_reset(x->mean, r.year, r.norm, r.normlen);
    x->active = x->auto_packs ? detect_packs(x, r.norm, r.normlen) : x->fixed;
    x->tracing = o->trace != NULL;
    plan_rules(x);
    memset(x->warned, 0, sizeof x->warned);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    int span_end = 0, plan_year = meaning_years(x->mean, &span_end);
    if (table_read(x->tab, r.norm, r.normlen, plan_year, span_end))
        return pm_error_set(err, PM_ERR_NOMEM, file, 0, 0, "out of memory");
    size_t ntab, ntrow, ti = 0, tri = 0;
    const table_info *tabs = table_tables(x->tab, &ntab);
    const table_row *trows = table_rows(x->tab, &ntrow);

    size_t off = 0;
    long lineno = 0;
    rc = 0;
    while (off < r.normlen && rc == 0) {
        const char *nl = memchr(r.norm + off, '\n', r.normlen - off);
        size_t len = nl ? (size_t)(nl - (r.norm + off)) : r.normlen - off;
        lineno++;
        while (ti < ntab && tabs[ti].last < lineno)
            ti++;
        if (ti < ntab && tabs[ti].first <= lineno) { /* a table's line: its rows, no prose rules */
            for (; tri < ntrow && trows[tri].line <= lineno && rc == 0; tri++)
                rc = emit_table(&r, &trows[tri]);
            if (rc == 0 && o->trace)
                rc = trace_table(x, &r, off, len, lineno, o);
            off += len + 1;
            continue;
        }
        size_t os = to_orig(&r, off), oe = to_orig(&r, off + len);
        int level = docinfo_line(x->doc, r.norm + off, len, r.orig + os, oe - os);
        if (level >= 0)
            meaning_heading(x->mean, level, r.norm + off, len);
        else
            meaning_part(x->mean, r.norm + off, len);
        if (o->max_seconds > 0 && seconds_since(&t0) > o->max_seconds) {
            rc = pm_error_set(err, PM_ERR_LIMIT, file, lineno, 0,
                              "gave up after %g seconds (--timeout); rows before this line were written",
                              o->max_seconds);
            break;
        }
        rc = collect(x, r.norm + off, len, o->warn, o->warn_ctx, file, lineno);
        if (rc == 0) {
            size_t k = resolve(x);
            size_t cs0 = 0, ce0;
            if (k)
                sentence(r.norm + off, len, x->c[0].start, x->c[0].end, &cs0, &ce0);
            if (k && meaning_line(x->mean, r.norm + off, len, cs0))
                rc = PM_ERR_NOMEM;
            for (size_t i = 0; i < k && rc == 0; i++)
                rc = emit(&r, &x->c[i], off, len, lineno);
            if (rc == 0 && o->trace)
                rc = trace_line(x, &r, off, len, k, lineno, o);
        }
        off += len + 1;
    }
    free(r.rb.s);
    if (rc == PM_ERR_NOMEM)
        pm_error_set(err, rc, file, lineno, 0, "out of memory");
    return rc;
}

/* ---- inline examples --------------------------------------------------- */

typedef struct exrows {
    size_t n, n_rule;
    char got[512];
    int ok;
    const rule *want_rule;
    const rule_example *ex;
} exrows;

static int same_num(const char *a, const char *b)
{
    return strtod(a, NULL) == strtod(b, NULL);
}

static int ex_row(void *ctx, const pm_row *row)
{
    exrows *e = ctx;
    const rule_example *ex = e->ex;
    size_t l = strlen(e->got);
    if (e->n < 4 && l < sizeof e->got - 1)
        snprintf(e->got + l, sizeof e->got - l, "%s%s%s%s%s %s (%s)", e->n ? ", " : "",
                 strcmp(row->cell[COL_QUALIFIER], "=") ? row->cell[COL_QUALIFIER] : "", row->cell[COL_VALUE],
                 row->cell[COL_VALUE_MAX][0] ? ".." : "", row->cell[COL_VALUE_MAX], row->cell[COL_UNIT],
                 row->cell[COL_RULE]);
    e->n++;
    if (row->rule == e->want_rule)
        e->n_rule++;
    if (!ex->negative && row->rule == e->want_rule && same_num(row->cell[COL_VALUE], ex->value) &&
        strcmp(row->cell[COL_UNIT], ex->unit) == 0 &&
        (!ex->value_max ? !row->cell[COL_VALUE_MAX][0] : same_num(row->cell[COL_VALUE_MAX], ex->value_max)) &&
        (!ex->qualifier || strcmp(ex->qualifier, row->cell[COL_QUALIFIER]) == 0) &&
        (!ex->subject || strcmp(ex->subject, row->cell[COL_SUBJECT]) == 0))
        e->ok = 1;
    return 0;
}

size_t extractor_test_examples(extractor *x, extract_fail_fn fn, void *ctx)
{
    size_t fails = 0;
    int auto_packs = x->auto_packs;
    uint64_t fixed = x->fixed;
    for (size_t i = 0; i < rules_count(x->r); i++) {
        const rule *ru = rules_at(x->r, i);
        for (size_t k = 0; k < ru->nexamples; k++) {
            const rule_example *ex = &ru->examples[k];
            exrows e = {.want_rule = ru, .ex = ex};
            x->auto_packs = 0;
            x->fixed = shared_packs(x->r) | (uint64_t)1 << ru->pack_index;
            pm_error err;
            pm_error_clear(&err);
            int rc = extractor_run(x, ru->file, ex->text, strlen(ex->text), NULL, ex_row, &e, &err);
            char msg[900];
            if (rc != 0) {
                snprintf(msg, sizeof msg, "example could not be read: %s", err.msg);
            } else if (ex->negative) {
                if ((ru->kind == RULE_EXCLUDE ? e.n : e.n_rule) == 0)
                    continue;
                snprintf(msg, sizeof msg, "expected no row got %s", e.got);
            } else {
                if (e.ok)
                    continue;
                snprintf(msg, sizeof msg, "expected %s%s%s%s %s%s%s got %s", ex->qualifier ? ex->qualifier : "",
                         ex->value, ex->value_max ? ".." : "", ex->value_max ? ex->value_max : "", ex->unit,
                         ex->subject ? " " : "", ex->subject ? ex->subject : "", e.n ? e.got : "nothing");
            }
            fails++;
            if (fn)
                fn(ctx, ru, ex, msg);
        }
    }
    x->auto_packs = auto_packs;
    x->fixed = fixed;
    return fails;
}
