/* extract.c: runs a rule set over one document - decode, find headings and title,
 * match every rule line by line, drop excluded numbers, resolve overlaps, emit rows. */
#include "extract/extract_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/bits.h"
#include "base/mem.h"
#include "base/sort.h"
#include "base/numparse.h"

const char *const extract_columns[COL_COUNT] = {
    "file", "city", "year", "section", "category", "rule", "subject", "action", "role",
    "period", "additive", "attribute", "value", "value_max", "qualifier", "unit", "text", "line", "context"};

#define MATCH_LIMIT 200000   /* backtracking steps of one match attempt */
#define DEPTH_LIMIT 10000
#define HEAP_LIMIT_KB 20000

/* Per rule, the first rule with the same kind, pattern and `before` (itself when none). */
static size_t *find_twins(const rules *r)
{
    size_t n = rules_count(r), *twin = xcalloc(n + 1, sizeof *twin);
    for (size_t i = 0; i < n; i++) {
        const rule *a = rules_at(r, i);
        twin[i] = i;
        for (size_t j = 0; j < i; j++) {
            const rule *b = rules_at(r, j);
            if (twin[j] == j && a->kind == b->kind && strcmp(a->pattern, b->pattern) == 0 &&
                ((!a->before && !b->before) || (a->before && b->before && strcmp(a->before, b->before) == 0)) &&
                a->reach == b->reach) {
                twin[i] = j;
                break;
            }
        }
    }
    return twin;
}

extractor *extractor_create(const rules *r)
{
    extractor *x = xcalloc(1, sizeof *x);
    x->r = r;
    x->auto_packs = 1;
    x->nrules = rules_count(r);
    x->rule = xcalloc(x->nrules + 1, sizeof *x->rule);
    for (size_t i = 0; i < x->nrules; i++)
        x->rule[i] = rules_at(r, i);
    x->md = pcre2_match_data_create(64, NULL);
    x->mctx = pcre2_match_context_create(NULL);
    x->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    x->t = text_create();
    x->doc = docinfo_create();
    x->mean = meaning_create(r, x->mctx);
    x->tab = table_create(r, x->mctx);
    for (int k = 0; k < 2; k++) {
        x->copy[k] = xcalloc(x->nrules + 1, sizeof(size_t));
    }
    x->twin = find_twins(r);
    x->words = (x->nrules + 63) / 64;
    x->withbefore = xcalloc(x->words + 1, sizeof(uint64_t));
    x->pastset = xcalloc(x->words + 1, sizeof(uint64_t));
    for (int k = 0; k < 2; k++)
        x->scanset[k] = xcalloc(x->words + 1, sizeof(uint64_t));
    for (size_t i = 0; i < x->nrules; i++)
        if (x->rule[i]->compiled->before_code)
            x->withbefore[i / 64] |= (uint64_t)1 << (i % 64);
    unsigned char *copies = xcalloc(x->nrules + 1, 1); /* twins: their matches are copied */
    for (size_t i = 0; i < x->nrules; i++)
        copies[i] = x->twin[i] != i;
    x->pf = prefilter_create(r, copies);
    free(copies);
    /* PCRE2 and the modules below may still say no */
    if (!x->md || !x->mctx || !x->t || !x->doc || !x->mean || !x->tab || !x->pf || extract_detect_index(x)) {
        extractor_free(x);
        return NULL;
    }
    if (x->jit)
        pcre2_jit_stack_assign(x->mctx, NULL, x->jit);
    /* a hostile pattern gives up at one spot instead of hanging the run */
    pcre2_set_match_limit(x->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(x->mctx, DEPTH_LIMIT);
    pcre2_set_heap_limit(x->mctx, HEAP_LIMIT_KB);
    /* the same with the table guards' callout, for the `before` parts that have them */
    if (!(x->gctx = pcre2_match_context_copy(x->mctx))) {
        extractor_free(x);
        return NULL;
    }
    rules_use_guards(r, x->gctx);
    return x;
}

void extractor_free(extractor *x)
{
    if (!x)
        return;
    pcre2_match_data_free(x->md);
    pcre2_match_context_free(x->mctx);
    pcre2_match_context_free(x->gctx);
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
    free(x->stops);
    cpindex_free(x->dix);
    free(x->twin);
    free(x->rule);
    free(x->dwords);
    for (int k = 0; k < 2; k++) {
        free(x->copy[k]);
        free(x->scanset[k]);
    }
    free(x->withbefore);
    free(x->pastset);
    free(x);
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

static void add_cand(extractor *x, const rule *ru, size_t idx, const PCRE2_SIZE *ov, size_t anchor)
{
    GROW(x->c, x->nc + 1, x->capc);
    cand *c = &x->c[x->nc];
    c->ru = ru;
    c->idx = idx;
    for (int i = 0; i < G_N; i++) {
        c->g[i][0] = c->g[i][1] = (size_t)-1;
        last_set(ru->compiled->groups[0][i], ov, &c->g[i][0], &c->g[i][1]);
    }
    c->anchor = anchor;
    if (c->g[G_VALUE][0] == (size_t)-1)
        return;
    /* a value the number parser cannot read entirely is no number */
    size_t vl = c->g[G_VALUE][1] - c->g[G_VALUE][0];
    if (vl == 0)
        return;
    struct parsed *pv = &x->parsed[c->g[G_VALUE][0] % 32];
    if (pv->gen != x->gen || pv->s != c->g[G_VALUE][0] || pv->n != vl) {
        double v = 0;
        size_t used = num_parse(x->line + c->g[G_VALUE][0], vl, &v);
        *pv = (struct parsed){x->gen, c->g[G_VALUE][0], vl, used, v};
    }
    if (pv->used != vl)
        return;
    c->value = pv->v;
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
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Whether the document's --timeout has passed. The clock is read at every call with `now`,
 * else at every 64th: most tries fail in less time than reading it takes, and each is
 * bounded by the match limits, so 64 of them stay short. Once late, always. */
static int late(extractor *x, int now)
{
    if (x->late || x->max_seconds <= 0)
        return x->late;
    if (!now && ++x->ticks % 64)
        return 0;
    x->late = seconds_since(&x->t0) > x->max_seconds;
    return x->late;
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
    int rc = extract_match_in(x, ru->compiled->before_tables ? x->gctx : x->mctx, ru->compiled->before_code, ln, a, w);
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
static void try_at(extractor *x, const rule *ru, size_t idx, size_t len, size_t k)
{
    PCRE2_SIZE ov[2 * 64];
    size_t a = x->anc[k];
    int rc = extract_match(x, ru->compiled->code, x->line, len, a);
    if (rc == PCRE2_ERROR_NOMATCH)
        return;
    if (rc < 0) {
        limit_warning(x, ru, idx, rc);
        return;
    }
    /* only the pairs this pattern has: rc is one more than the highest group set */
    uint32_t npairs = (uint32_t)rc < 64 ? (uint32_t)rc : 64;
    memcpy(ov, pcre2_get_ovector_pointer(x->md), 2 * npairs * sizeof(PCRE2_SIZE));
    for (uint32_t k2 = npairs; k2 < 64 && k2 <= ru->compiled->ncaptures; k2++)
        ov[2 * k2] = ov[2 * k2 + 1] = PCRE2_UNSET;
    if (ru->kind == RULE_TARGET) {
        add_cand(x, ru, idx, ov, a);
        return;
    }
    size_t from = a;
    if (ru->compiled->before_code) {
        if (!match_before(x, ru, idx, a, NULL))
            return;
        from = pcre2_get_ovector_pointer(x->md)[0];
    }
    GROW(x->ex, x->nex + 1, x->capex);
    x->ex[x->nex++] = (span){from, ov[1], ru, idx * x->nanc + k};
}

/* Try the rules of a kind at every number of the current line where the prefilter allows
 * them: number by number, the rules in index order (the rows do not depend on the order). */
static void scan_kind(extractor *x, int kind, size_t len)
{
    /* an exclusion that starts at its number covers nothing before it: past the
     * end of the last candidate's value it cannot drop one (explain shows all) */
    int cut = kind == RULE_EXCLUDE && !x->tracing;
    for (size_t k = 0; k < x->nanc; k++) {
        int past = cut && x->anc[k] >= x->value_end;
        size_t words;
        const uint64_t *m = prefilter_number_rules(x->pf, k, past ? x->pastset : x->scanset[kind], &words);
        for (size_t w = 0; w < words; w++)
            for (uint64_t bits = m[w]; bits; bits &= bits - 1) {
                if (late(x, 0))
                    return;
                size_t i = w * 64 + bits_lowest(bits);
                try_at(x, x->rule[i], i, len, k);
            }
    }
}

/* Every active rule at every number of the line: rows into x->c, exclusions
 * into x->ex. Exclusions run only on lines that have a candidate. */
static void collect(extractor *x, const char *ln, size_t len, extract_warn_fn warn, void *wctx,
                    const char *file, long lineno)
{
    x->nc = x->nex = 0;
    x->gen++;
    x->line = ln;
    x->linelen = len;
    x->warn = warn;
    x->wctx = wctx;
    x->file = file;
    x->lineno = lineno;
    prefilter_line(x->pf, ln, len); /* it cannot fail: allocation never does */
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
        scan_kind(x, kind, len);
        /* a rule with the same pattern as an earlier one: copy that one's matches */
        for (size_t k = 0; k < x->ncopy[kind]; k++) {
            size_t i = x->copy[kind][k], t = x->twin[i];
            const rule *ru = x->rule[i], *lead = x->rule[t];
            for (size_t j = nc0, n = x->nc; kind == RULE_TARGET && j < n; j++)
                if (x->c[j].idx == t) {
                    GROW(x->c, x->nc + 1, x->capc);
                    x->c[x->nc] = x->c[j];
                    x->c[x->nc].ru = ru;
                    x->c[x->nc++].idx = i;
                }
            for (size_t j = nex0, n = x->nex; kind == RULE_EXCLUDE && j < n; j++)
                if (x->ex[j].ru == lead) {
                    GROW(x->ex, x->nex + 1, x->capex);
                    x->ex[x->nex] = x->ex[j];
                    x->ex[x->nex].ru = ru;
                    x->ex[x->nex++].order = (x->nrules + i) * x->nanc + x->ex[j].order % x->nanc;
                }
        }
    }
}

/* Once per document, from the active packs: which rules of each kind are
 * matched, and which only copy the matches of an earlier twin. */
static void plan_rules(extractor *x)
{
    rules_jit(x->r, x->active);
    x->ncopy[0] = x->ncopy[1] = 0;
    for (int k = 0; k < 2; k++)
        memset(x->scanset[k], 0, x->words * sizeof(uint64_t));
    for (size_t i = 0; i < rules_count(x->r); i++) {
        const rule *ru = rules_at(x->r, i), *lead = rules_at(x->r, x->twin[i]);
        if (!(x->active >> ru->pack_index & 1))
            continue;
        if (x->twin[i] != i && (x->active >> lead->pack_index & 1))
            x->copy[ru->kind][x->ncopy[ru->kind]++] = i;
        else
            x->scanset[ru->kind][i / 64] |= (uint64_t)1 << (i % 64);
    }
    for (size_t w = 0; w < x->words; w++)
        x->pastset[w] = x->scanset[RULE_EXCLUDE][w] & x->withbefore[w];
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
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
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
        if (x->nex > 1)
            sort_stable(x->ex, x->nex, sizeof(span), span_cmp);
        GROW(x->exmax, x->nex, x->capexmax);
        for (size_t i = 0; i < x->nex; i++)
            x->exmax[i] = i && x->exmax[i - 1] > x->ex[i].e ? x->exmax[i - 1] : x->ex[i].e;
    }
    size_t k = 0;
    for (size_t i = 0; i < x->nc; i++)
        if (!x->nex || !excluded(x, x->c[i].g[G_VALUE][0], x->c[i].g[G_VALUE][1]))
            x->c[k++] = x->c[i];
    if (k == 0)
        return 0;
    if (k > 1)
        sort_stable(x->c, k, sizeof(cand), pos_cmp);
    size_t n = 0;
    for (size_t from = 0; from < k;) {
        size_t to = from + 1, end = x->c[from].end;
        while (to < k && x->c[to].start < end) {
            if (x->c[to].end > end)
                end = x->c[to].end;
            to++;
        }
        if (to - from > 1) /* most clusters are one candidate */
            sort_stable(x->c + from, to - from, sizeof(cand), cand_cmp);
        size_t first = n;
        for (size_t i = from; i < to; i++) {
            int clash = 0;
            for (size_t j = first; j < n && !clash; j++)
                clash = x->c[i].start < x->c[j].end && x->c[j].start < x->c[i].end;
            if (!clash && (!x->c[i].ru->compiled->before_code ||
                           (!late(x, 0) && match_before(x, x->c[i].ru, x->c[i].idx, x->c[i].anchor, &x->c[i]))))
                x->c[n++] = x->c[i];
        }
        from = to;
    }
    if (n > 1)
        sort_stable(x->c, n, sizeof(cand), pos_cmp);
    return n;
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

/* The --timeout error at line lineno: at its start (norm_off == line_off, no row of the line
 * written) or at the row that starts at norm_off (the rows before it written); the column
 * counts characters of the original line. */
static int timeout_error(const runctx *r, pm_error *err, long lineno, size_t line_off, size_t norm_off,
                         double secs)
{
    if (norm_off == line_off)
        return pm_error_set(err, PM_ERR_LIMIT, r->file, lineno, 0,
                            "gave up after %g seconds (--timeout); rows before this line were written", secs);
    long col = 1;
    for (size_t i = to_orig(r, line_off), e = to_orig(r, norm_off); i < e; i++)
        col += ((unsigned char)r->orig[i] & 0xC0) != 0x80;
    return pm_error_set(err, PM_ERR_LIMIT, r->file, lineno, col,
                        "gave up after %g seconds (--timeout); rows before this place were written", secs);
}

/* One line of prose (not a table's): its rows to r->fn, its marks to the trace. Returns 0,
 * the callback's non-zero value, or PM_ERR_LIMIT (err filled) when --timeout passes. */
static int prose_line(extractor *x, runctx *r, size_t off, size_t len, long lineno, const extract_opts *o,
                      pm_error *err)
{
    const char *ln = r->norm + off;
    collect(x, ln, len, o->warn, o->warn_ctx, r->file, lineno);
    size_t k = resolve(x); /* once late, it tries no before part */
    if (late(x, 1)) /* the line's rows are incomplete: none of them */
        return timeout_error(r, err, lineno, off, off, o->max_seconds);
    if (k) {
        size_t cs0 = 0, ce0;
        extract_sentence(x, ln, len, x->c[0].start, x->c[0].end, &cs0, &ce0);
        meaning_line(x->mean, ln, len, cs0);
    }
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        if (i && late(x, 1))
            return timeout_error(r, err, lineno, off, off + x->c[i].start, o->max_seconds);
        rc = extract_emit(r, &x->c[i], off, len, lineno);
    }
    if (rc == 0 && o->trace)
        rc = extract_trace_line(x, r, off, len, k, lineno, o);
    return rc;
}

int extractor_run(extractor *x, const char *file, const char *bytes, size_t n,
                  const extract_opts *o, extract_row_fn fn, void *ctx, pm_error *err)
{
    static const extract_opts none = {0};
    if (!o)
        o = &none;
    struct textwarn tw = {o, file};
    x->stops_line = NULL; /* a new text may put another line at the same address */
    int rc = text_load(x->t, bytes, n, o->encoding, o->warn ? text_warn : NULL, &tw, err);
    if (rc) {
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", file);
        return rc;
    }
    runctx r = {.x = x, .file = file, .fn = fn, .ctx = ctx, .warn = o->warn, .wctx = o->warn_ctx, .rb = {.sb = STRBUF_INIT}};
    r.norm = text_norm(x->t, &r.normlen);
    r.orig = text_orig(x->t, &r.origlen);
    char city[96] = "", year[8] = "";
    docinfo_title(x->doc, r.norm, r.normlen, city, sizeof city, year, sizeof year);
    r.city = o->city ? o->city : city;
    r.year = o->year ? o->year : year;
    docinfo_reset(x->doc);
    meaning_reset(x->mean, r.year, r.norm, r.normlen);
    x->active = x->auto_packs ? extract_detect(x, r.norm, r.normlen) : x->fixed;
    x->tracing = o->trace != NULL;
    plan_rules(x);
    memset(x->warned, 0, sizeof x->warned);
    clock_gettime(CLOCK_MONOTONIC, &x->t0);
    x->max_seconds = o->max_seconds;
    x->ticks = 0;
    x->late = 0;

    int span_end = 0, plan_year = meaning_years(x->mean, &span_end);
    table_read(x->tab, r.norm, r.normlen, plan_year, span_end);
    size_t ntab, ntrow, ti = 0, tri = 0;
    const table_info *tabs = table_tables(x->tab, &ntab);
    const table_row *trows = table_rows(x->tab, &ntrow);

    size_t off = 0;
    long lineno = 0;
    while (off < r.normlen && rc == 0) {
        const char *nl = memchr(r.norm + off, '\n', r.normlen - off);
        size_t len = nl ? (size_t)(nl - (r.norm + off)) : r.normlen - off;
        lineno++;
        while (ti < ntab && tabs[ti].last < lineno)
            ti++;
        if (ti < ntab && tabs[ti].first <= lineno) { /* a table's line: its rows, no prose rules */
            for (; tri < ntrow && trows[tri].line <= lineno && rc == 0; tri++)
                rc = extract_emit_table(&r, &trows[tri]);
            if (rc == 0 && o->trace)
                rc = extract_trace_table(x, &r, off, len, lineno, o);
            off += len + 1;
            continue;
        }
        size_t os = to_orig(&r, off), oe = to_orig(&r, off + len);
        int level = docinfo_line(x->doc, r.norm + off, len, r.orig + os, oe - os);
        if (level >= 0)
            meaning_heading(x->mean, level, r.norm + off, len);
        else
            meaning_part(x->mean, r.norm + off, len);
        if (late(x, 1)) {
            rc = timeout_error(&r, err, lineno, off, off, o->max_seconds);
            break;
        }
        rc = prose_line(x, &r, off, len, lineno, o, err);
        off += len + 1;
    }
    strbuf_release(&r.rb.sb);
    return rc;
}
