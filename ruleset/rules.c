/* rules.c: a loaded rule set and its queries - units, qualifiers, packs, carry links, what a
 * row means, table headers; JIT compilation per pack. Loading is rulefile.c. */
#include "ruleset/rules_priv.h"

#include "base/mem.h"
#include "base/utf8.h"
#include "ruleset/cpindex.h"
#include "ruleset/rxscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rules *rules_create(void)
{
    rules *r = xcalloc(1, sizeof(rules));
    r->fallback = -1;
    r->guards = rxscan_guards_create();
    r->jit = xcalloc(1, sizeof *r->jit);
    if (pthread_mutex_init(&r->jit->mu, NULL)) {
        free(r->jit);
        rxscan_guards_free(r->guards);
        free(r);
        return NULL;
    }
    atomic_init(&r->jit->done, 0);
    return r;
}

void rules_jit(const rules *r, uint64_t packs)
{
    jitstate *j = r->jit;
    if ((atomic_load_explicit(&j->done, memory_order_acquire) & packs) == packs)
        return;
    pthread_mutex_lock(&j->mu);
    uint64_t todo = packs & ~atomic_load_explicit(&j->done, memory_order_relaxed);
    for (size_t i = 0; todo && i < r->n; i++) {
        const rule *ru = r->items[i];
        if (todo >> ru->pack_index & 1) {
            /* a pattern JIT cannot compile is matched by the interpreter; one already
             * compiled returns at once */
            pcre2_jit_compile(ru->compiled->code, PCRE2_JIT_COMPLETE);
            if (ru->compiled->before_code)
                pcre2_jit_compile(ru->compiled->before_code, PCRE2_JIT_COMPLETE);
        }
    }
    atomic_fetch_or_explicit(&j->done, todo, memory_order_release);
    pthread_mutex_unlock(&j->mu);
}

int rules_fallback_pack(const rules *r)
{
    return r->fallback;
}

void rule_free(rule *ru)
{
    if (!ru)
        return;
    free(ru->id);
    free(ru->pack);
    free(ru->category);
    free(ru->role);
    free(ru->pattern);
    free(ru->before);
    struct rule_compiled *c = ru->compiled;
    if (c) { /* its code and before_code are the set's (rules_free) */
        for (size_t i = 0; i < c->nunit_lits; i++)
            free(c->unit_lits[i]);
        free(c->unit_lits);
        free(c);
    }
    for (size_t i = 0; i < ru->nexamples; i++) {
        rule_example *ex = &ru->examples[i];
        free(ex->text);
        free(ex->value);
        free(ex->value_max);
        free(ex->unit);
        free(ex->subject);
        free(ex->qualifier);
    }
    free(ru->examples);
    free(ru);
}

void rules_free(rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        rule_free(r->items[i]);
    free(r->items);
    rule_parts_clear(r);
    for (size_t i = 0; i < r->ndefs; i++) {
        free(r->defs[i].name);
        free(r->defs[i].pattern);
        for (size_t k = 0; k < r->defs[i].nwords; k++)
            free(r->defs[i].words[k]);
        free(r->defs[i].words);
    }
    free(r->defs);
    for (size_t i = 0; i < r->nunits; i++) {
        free(r->units[i].written);
        free(r->units[i].canon);
    }
    free(r->units);
    free(r->uix);
    free(r->cix);
    for (size_t i = 0; i < r->nquals; i++) {
        free(r->quals[i].word);
        free(r->quals[i].symbol);
    }
    free(r->quals);
    for (size_t i = 0; i < r->npacks; i++) {
        free(r->packs[i]);
        pcre2_code_free(r->detect[i]);
        free(r->detect_src[i]);
    }
    free(r->packs);
    free(r->detect);
    free(r->detect_src);
    for (size_t i = 0; i < r->nfiles; i++)
        free(r->files[i]);
    free(r->files);
    for (size_t i = 0; i < r->ncarry; i++)
        pcre2_code_free(r->carry[i].code);
    free(r->carry);
    for (size_t i = 0; i < r->nsenses; i++) {
        pcre2_code_free(r->senses[i].code);
        free(r->senses[i].src);
    }
    free(r->senses);
    for (int k = 0; k < SENSE_KINDS; k++) {
        pcre2_code_free(r->combined[k]);
        pcre2_code_free(r->anchored[k]);
        free(r->starts[k]);
        free(r->pairs[k]);
    }
    free(r->starts_all);
    for (int k = 0; k < TABLE_KINDS; k++)
        free(r->tstarts[k]);
    for (size_t i = 0; i < r->ntables; i++) {
        pcre2_code_free(r->tables[i].code);
        free(r->tables[i].src);
    }
    free(r->tables);
    if (r->jit)
        pthread_mutex_destroy(&r->jit->mu);
    free(r->jit);
    rxscan_guards_free(r->guards);
    free(r);
}

size_t rules_count(const rules *r) { return r->n; }
const rule *rules_at(const rules *r, size_t i) { return i < r->n ? r->items[i] : NULL; }

size_t rules_compiled_size(const rule *ru, int part)
{
    const pcre2_code *code = part ? ru->compiled->before_code : ru->compiled->code;
    size_t size = 0;
    if (code)
        pcre2_pattern_info(code, PCRE2_INFO_SIZE, &size);
    return size;
}
void rules_use_guards(const rules *r, pcre2_match_context *mctx)
{
    if (r && mctx)
        pcre2_set_callout(mctx, rxscan_guards_callout, r->guards);
}

size_t rules_pack_count(const rules *r) { return r->npacks; }
const char *rules_pack_name(const rules *r, size_t i) { return i < r->npacks ? r->packs[i] : NULL; }
const char *rules_file(const rules *r, size_t i) { return i < r->nfiles ? r->files[i] : NULL; }
const pcre2_code *rules_pack_detect(const rules *r, size_t i) { return i < r->npacks ? r->detect[i] : NULL; }
const char *rules_pack_detect_source(const rules *r, size_t i) { return i < r->npacks ? r->detect_src[i] : NULL; }

int rules_pack_index(const rules *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->npacks; i++)
        if (strlen(r->packs[i]) == len && memcmp(r->packs[i], name, len) == 0)
            return (int)i;
    return -1;
}

static uint32_t unit_hash(const char *w, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h;
}

/* Index the units by written form, for the lookup of every row. */
void rules_index_units(rules *r)
{
    size_t cap = 16;
    while (cap < 2 * r->nunits)
        cap *= 2;
    uint32_t *ix = xcalloc(cap, sizeof *ix), *cix = xcalloc(cap, sizeof *cix);
    for (size_t i = 0; i < r->nunits; i++) { /* a later entry for the same word replaces it */
        size_t h = unit_hash(r->units[i].written, r->units[i].wlen) & (cap - 1);
        while (ix[h] && !(r->units[ix[h] - 1].wlen == r->units[i].wlen &&
                          memcmp(r->units[ix[h] - 1].written, r->units[i].written, r->units[i].wlen) == 0))
            h = (h + 1) & (cap - 1);
        ix[h] = (uint32_t)i + 1;
        const char *c = r->units[i].canon;
        h = unit_hash(c, strlen(c)) & (cap - 1);
        while (cix[h] && strcmp(r->units[cix[h] - 1].canon, c) != 0)
            h = (h + 1) & (cap - 1);
        cix[h] = (uint32_t)i + 1;
    }
    free(r->uix);
    free(r->cix);
    r->uix = ix;
    r->cix = cix;
    r->uixmask = cap - 1;
    r->uixunits = r->nunits;
}

static const unit_entry *unit_find(const rules *r, const char *w, size_t len)
{
    if (r->uix && r->uixunits == r->nunits) {
        for (size_t h = unit_hash(w, len) & r->uixmask; r->uix[h]; h = (h + 1) & r->uixmask) {
            const unit_entry *u = &r->units[r->uix[h] - 1];
            if (u->wlen == len && memcmp(u->written, w, len) == 0)
                return u;
        }
        return NULL;
    }
    for (size_t i = r->nunits; i-- > 0;)
        if (r->units[i].wlen == len && memcmp(r->units[i].written, w, len) == 0)
            return &r->units[i];
    return NULL;
}

const char *rules_unit_canon(const rules *r, const char *written, size_t len, double *scale)
{
    const unit_entry *u = unit_find(r, written, len);
    if (scale)
        *scale = u ? u->scale : 1.0;
    return u ? u->canon : NULL;
}

int rules_unit_additive(const rules *r, const char *unit)
{
    if (r->cix && r->uixunits == r->nunits) {
        for (size_t h = unit_hash(unit, strlen(unit)) & r->uixmask; r->cix[h]; h = (h + 1) & r->uixmask)
            if (strcmp(r->units[r->cix[h] - 1].canon, unit) == 0)
                return r->units[r->cix[h] - 1].additive;
        return -1;
    }
    for (size_t i = r->nunits; i-- > 0;)
        if (strcmp(r->units[i].canon, unit) == 0)
            return r->units[i].additive;
    return -1;
}

int rules_carries(const rules *r, const char *line, size_t from, size_t to, pcre2_match_data *md,
                  pcre2_match_context *mctx, int *gave_up, const char **file, long *fline)
{
    int err = 0, found = 0;
    for (size_t i = 0; i < r->ncarry && !found; i++) {
        int rc = rules_match(r->carry[i].code, line, to, from, md, mctx);
        found = rc >= 0;
        if (!found && rc != PCRE2_ERROR_NOMATCH && !err) {
            err = rc;
            if (file)
                *file = r->carry[i].file;
            if (fline)
                *fline = r->carry[i].line;
        }
    }
    if (gave_up)
        *gave_up = found ? 0 : err;
    return found;
}

static int year_of(const yspec *y, int g, const char *s, const PCRE2_SIZE *ov, int plan_year)
{
    switch (y->mode) {
    case YS_ABS:
        return y->n;
    case YS_REL:
        return plan_year ? plan_year + y->n : 0;
    case YS_PLACEHOLDER:
        return -1;
    case YS_GROUP: /* the group's digits, plus n (民国113年: year+1911) */
        if (g > 0 && ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] - ov[2 * g] >= 2 && ov[2 * g + 1] - ov[2 * g] <= 4) {
            int v = 0;
            for (size_t i = ov[2 * g]; i < ov[2 * g + 1]; i++) {
                if (s[i] < '0' || s[i] > '9')
                    return 0;
                v = v * 10 + (s[i] - '0');
            }
            v += y->n;
            return v >= 1900 && v <= 2199 ? v : 0;
        }
        return 0;
    default:
        return 0;
    }
}

/* The first set group called name in the last match of code, or 0. */
static int set_group(const pcre2_code *code, const char *name, const PCRE2_SIZE *ov)
{
    PCRE2_SPTR first, last;
    int size = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)name, &first, &last);
    for (PCRE2_SPTR q = first; size > 0 && q <= last; q += size) {
        int g = (q[0] << 8) | q[1];
        if (ov[2 * g] != PCRE2_UNSET)
            return g;
    }
    return 0;
}

/* Where in s[at..n) a match of a kind may start (a character of its starts), or n. */
static size_t next_start(const uint64_t *bits, int hi, const char *str, size_t at, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    while ((at = cpindex_skip3(bits, s, at, n)) < n) {
        size_t k = 1;
        uint32_t cp = s[at] < 0x80 ? s[at] : utf8_decode(s + at, n - at, &k);
        if (cp >= 65536 ? hi : (int)(bits[cp >> 6] >> (cp & 63) & 1))
            return at;
        at += k ? k : 1;
    }
    return n;
}

/* The first two characters of kind's matches (rxscan_pairs over its patterns), or NULL when
 * one pattern is beyond the scan. */
static uint64_t *kind_pairs(const rules *r, int kind)
{
    uint64_t *bits = xcalloc((RXSCAN_PAIR_BITS + 65536) / 64, sizeof *bits);
    for (size_t i = 0; i < r->nsenses; i++) {
        const sense_entry *se = &r->senses[i];
        if (se->kind == kind && rxscan_pairs(se->src, strlen(se->src), bits, bits + RXSCAN_PAIR_BITS / 64)) {
            free(bits);
            return NULL;
        }
    }
    return bits;
}

/* May a match of kind start at s[at..n), whose first character cp is cl bytes long, by
 * its first two characters? */
static inline int pair_may(const rules *r, int kind, const char *s, size_t n, size_t at, uint32_t cp, size_t cl)
{
    const uint64_t *pairs = r->pairs[kind];
    if (!pairs || cp >= 65536 || (pairs[RXSCAN_PAIR_BITS / 64 + (cp >> 6)] >> (cp & 63) & 1))
        return 1;
    if (at + cl >= n)
        return 0; /* no second character, and no match of one */
    const unsigned char *u = (const unsigned char *)s + at + cl;
    size_t l;
    uint32_t c2 = u[0] < 0x80 ? u[0] : utf8_decode(u, n - at - cl, &l);
    size_t h = rxscan_pair_hash(cp, c2);
    return (int)(pairs[h >> 6] >> (h & 63) & 1);
}

/* One scan of a kind's combined pattern: the same hits as its patterns one by one, but
 * where two overlap the one that starts first (then the one written first). With the
 * kind's start characters known, the anchored twin is tried only where one stands: the
 * same matches as the unanchored search, which tries every start in turn. */
static size_t senses_combined(const rules *r, int kind, const char *s, size_t n, int plan_year, rules_hit *out,
                              size_t cap, pcre2_match_data *md, pcre2_match_context *mctx)
{
    const pcre2_code *code = r->combined[kind], *anch = r->anchored[kind];
    const uint64_t *bits = r->starts[kind];
    size_t k = 0, at = 0;
    while (at < n) {
        int rc;
        if (anch) {
            if ((at = next_start(bits, r->starts_hi[kind], s, at, n)) >= n)
                break;
            size_t cl = 1;
            uint32_t cp = (unsigned char)s[at] < 0x80 ? (unsigned char)s[at]
                                                      : utf8_decode((const unsigned char *)s + at, n - at, &cl);
            rc = pair_may(r, kind, s, n, at, cp, cl) ? rules_match(anch, s, n, at, md, mctx) : PCRE2_ERROR_NOMATCH;
            if (rc == PCRE2_ERROR_NOMATCH) {
                at++;
                while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80)
                    at++;
                continue;
            }
        } else {
            rc = rules_match(code, s, n, at, md, mctx);
        }
        if (rc < 0)
            break;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        PCRE2_SPTR mark = pcre2_get_mark(md);
        size_t i = mark ? (size_t)strtoul((const char *)mark, NULL, 10) : r->nsenses;
        if (i < r->nsenses && k < cap) {
            const sense_entry *se = &r->senses[i];
            rules_hit h = {ov[0], ov[1], se->kind, year_of(&se->year, set_group(code, "year", ov), s, ov, plan_year), 0};
            h.since = year_of(&se->since, set_group(code, "since", ov), s, ov, plan_year);
            out[k] = h;
        }
        k += i < r->nsenses;
        at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++;
    }
    return k;
}

/* The characters every match of kind's patterns starts with, as a bitmap (and *hi: one
 * above U+FFFF), or NULL when one pattern could start with anything, match the empty
 * string or depend on where the search starts. */
static uint64_t *kind_starts(const rules *r, int kind, int *hi)
{
    uint64_t *bits = xcalloc(65536 / 64, sizeof *bits);
    *hi = 0;
    for (size_t i = 0; i < r->nsenses; i++) {
        const sense_entry *se = &r->senses[i];
        uint32_t cps[RXSCAN_LAST_MAX];
        size_t m, len = se->kind == kind ? strlen(se->src) : 0;
        int nullable;
        if (se->kind != kind)
            continue;
        if (rxscan_first(se->src, len, cps, &m, &nullable) || nullable || rxscan_start_sensitive(se->src, len)) {
            free(bits);
            return NULL;
        }
        for (size_t j = 0; j < m; j++) {
            if (cps[j] >= 65536)
                *hi = 1;
            else
                bits[cps[j] >> 6] |= (uint64_t)1 << (cps[j] & 63);
        }
    }
    return bits;
}

/* Kinds a sentence is scanned for (rules_senses_kinds): not the headings' review and plan
 * words, nor the list word (分别) read between a list and its numbers. */
static int kind_in_line(int kind)
{
    return kind != SENSE_REVIEW && kind != SENSE_PLAN && kind != SENSE_DISTRIBUTE;
}

/* Join each kind's patterns into one, so a line is scanned once per kind; where the
 * kind's start characters are known, an anchored twin too. A kind whose joined pattern
 * does not compile is scanned pattern by pattern. */
void rules_build_combined(rules *r)
{
    for (int kind = 0; kind < SENSE_KINDS; kind++) {
        pcre2_code_free(r->combined[kind]);
        pcre2_code_free(r->anchored[kind]);
        free(r->starts[kind]);
        free(r->pairs[kind]);
        r->combined[kind] = r->anchored[kind] = NULL;
        r->starts[kind] = NULL;
        r->pairs[kind] = NULL;
        size_t cnt = 0;
        for (size_t i = 0; i < r->nsenses; i++)
            cnt += r->senses[i].kind == kind;
        if (cnt == 0)
            continue;
        strbuf buf = STRBUF_INIT;
        for (size_t i = 0; i < r->nsenses; i++)
            if (r->senses[i].kind == kind)
                strbuf_addf(&buf, "%s(?:%s(*MARK:%zu))", buf.len ? "|" : "", r->senses[i].src, i);
        int ec;
        PCRE2_SIZE eo;
        r->combined[kind] = pcre2_compile((PCRE2_SPTR)buf.buf, buf.len, RULE_RX_OPTS | PCRE2_DUPNAMES, &ec, &eo, NULL);
        if (r->combined[kind]) {
            pcre2_jit_compile(r->combined[kind], PCRE2_JIT_COMPLETE);
            r->starts[kind] = kind_starts(r, kind, &r->starts_hi[kind]);
        }
        if (r->starts[kind])
            r->anchored[kind] = pcre2_compile((PCRE2_SPTR)buf.buf, buf.len, RULE_RX_OPTS | PCRE2_DUPNAMES | PCRE2_ANCHORED,
                                              &ec, &eo, NULL);
        if (r->anchored[kind]) {
            pcre2_jit_compile(r->anchored[kind], PCRE2_JIT_COMPLETE);
            r->pairs[kind] = kind_pairs(r, kind);
        } else {
            free(r->starts[kind]);
            r->starts[kind] = NULL;
        }
        strbuf_release(&buf);
    }
    free(r->starts_all);
    r->starts_all = xcalloc(65536 / 64, sizeof *r->starts_all);
    r->starts_all_hi = 0;
    for (int kind = 0; kind < SENSE_KINDS; kind++)
        for (size_t w = 0; r->starts[kind] && (kind_in_line(kind)) && w < 65536 / 64; w++) {
            r->starts_all[w] |= r->starts[kind][w];
            r->starts_all_hi |= r->starts_hi[kind];
        }
}

/* One hit of kind's anchored pattern at `at`, or -1 (and PCRE2's error in *rc). */
static int hit_at(const rules *r, int kind, const char *s, size_t n, size_t at, int plan_year, rules_hit *h,
                  pcre2_match_data *md, pcre2_match_context *mctx, int *rc)
{
    *rc = rules_match(r->anchored[kind], s, n, at, md, mctx);
    if (*rc < 0)
        return -1;
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    PCRE2_SPTR mark = pcre2_get_mark(md);
    size_t i = mark ? (size_t)strtoul((const char *)mark, NULL, 10) : r->nsenses;
    if (i >= r->nsenses)
        return -1;
    const pcre2_code *code = r->anchored[kind];
    const sense_entry *se = &r->senses[i];
    *h = (rules_hit){ov[0], ov[1], kind, year_of(&se->year, set_group(code, "year", ov), s, ov, plan_year), 0};
    h->since = year_of(&se->since, set_group(code, "since", ov), s, ov, plan_year);
    return 0;
}

size_t rules_senses_kinds(const rules *r, unsigned kinds, const char *s, size_t n, int plan_year, rules_hit *out,
                          size_t cap, pcre2_match_data *md, pcre2_match_context *mctx)
{
    size_t k = 0;
    unsigned fast = 0;
    for (int kind = 0; kind < SENSE_KINDS; kind++) {
        if (!(kinds >> kind & 1))
            continue;
        if (r->anchored[kind]) {
            fast |= 1u << kind;
            continue;
        }
        k += rules_senses(r, kind, s, n, plan_year, out + (k < cap ? k : cap), k < cap ? cap - k : 0, md, mctx);
    }
    if (!fast)
        return k;
    /* the start characters of the kinds of a sentence, or of every kind asked for */
    const uint64_t *any = r->starts_all;
    int any_hi = r->starts_all_hi;
    uint64_t *own = NULL;
    for (int kind = 0; kind < SENSE_KINDS; kind++)
        if ((fast >> kind & 1) && !kind_in_line(kind) && !own) {
            own = xmalloc(65536 / 8);
            for (size_t w = 0; w < 65536 / 64; w++) {
                own[w] = 0;
                for (int k2 = 0; k2 < SENSE_KINDS; k2++)
                    if (fast >> k2 & 1)
                        own[w] |= r->starts[k2][w];
            }
            for (int k2 = 0; k2 < SENSE_KINDS; k2++)
                if (fast >> k2 & 1)
                    any_hi |= r->starts_hi[k2];
            any = own;
        }
    size_t next[SENSE_KINDS] = {0}; /* per kind: where its next hit may start */
    unsigned live = fast;           /* kinds that have not hit a match error */
    for (size_t at = 0; live && (at = next_start(any, any_hi, s, at, n)) < n;) {
        size_t cl = 1;
        const unsigned char *u = (const unsigned char *)s + at;
        uint32_t cp = u[0] < 0x80 ? u[0] : utf8_decode(u, n - at, &cl);
        for (int kind = 0; kind < SENSE_KINDS; kind++) {
            if (!(live >> kind & 1) || at < next[kind])
                continue;
            if (cp < 65536 ? !(r->starts[kind][cp >> 6] >> (cp & 63) & 1) : !r->starts_hi[kind])
                continue;
            if (!pair_may(r, kind, s, n, at, cp, cl))
                continue;
            rules_hit h;
            int rc;
            if (hit_at(r, kind, s, n, at, plan_year, &h, md, mctx, &rc) < 0) {
                if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
                    live &= ~(1u << kind); /* as the one-kind scan: stop at an error */
                continue;
            }
            if (k < cap)
                out[k] = h;
            k++;
            size_t e = h.end > h.start ? h.end : h.start + 1;
            while (e < n && ((unsigned char)s[e] & 0xC0) == 0x80)
                e++;
            next[kind] = e;
        }
        at += cl ? cl : 1;
    }
    free(own);
    return k;
}

size_t rules_senses(const rules *r, int kind, const char *s, size_t n, int plan_year, rules_hit *out, size_t cap,
                    pcre2_match_data *md, pcre2_match_context *mctx)
{
    if (kind >= 0 && kind < SENSE_KINDS && r->combined[kind])
        return senses_combined(r, kind, s, n, plan_year, out, cap, md, mctx);
    size_t k = 0;
    for (size_t i = 0; i < r->nsenses; i++) {
        const sense_entry *se = &r->senses[i];
        if (se->kind != kind)
            continue;
        size_t at = 0;
        while (at < n && rules_match(se->code, s, n, at, md, mctx) >= 0) {
            const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (k < cap) {
                rules_hit h = {ov[0], ov[1], kind, year_of(&se->year, se->g_year, s, ov, plan_year), 0};
                h.since = year_of(&se->since, se->g_since, s, ov, plan_year);
                out[k] = h;
            }
            k++;
            at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80)
                at++;
        }
    }
    return k;
}

const char *rules_qualifier(const rules *r, const char *word, size_t len)
{
    for (size_t i = r->nquals; i-- > 0;)
        if (r->quals[i].wlen == len && memcmp(r->quals[i].word, word, len) == 0)
            return r->quals[i].symbol;
    return NULL;
}

/* The characters the cells of a kind matched whole can start with (rxscan_first_many over
 * its patterns), or NULL when one pattern may match the empty cell or start with anything. */
static uint64_t *table_starts(const rules *r, int kind, int *hi)
{
    if (kind == TABLE_CAPTION || kind == TABLE_RATIO)
        return NULL; /* found anywhere in the line */
    uint64_t *bits = xcalloc(65536 / 64, sizeof *bits);
    int any = 0;
    *hi = 0;
    for (size_t i = 0; i < r->ntables; i++) {
        const table_entry *te = &r->tables[i];
        uint32_t cps[RXSCAN_MANY_MAX];
        size_t m;
        int nullable;
        if (te->kind != kind)
            continue;
        any = 1;
        if (!te->src || rxscan_first_many(te->src, strlen(te->src), cps, &m, &nullable) || nullable ||
            rxscan_start_sensitive(te->src, strlen(te->src))) {
            free(bits);
            return NULL;
        }
        for (size_t j = 0; j < m; j++) {
            if (cps[j] >= 65536)
                *hi = 1;
            else
                bits[cps[j] >> 6] |= (uint64_t)1 << (cps[j] & 63);
        }
    }
    if (!any) {
        free(bits);
        return NULL;
    }
    return bits;
}

void rules_build_table_starts(rules *r)
{
    for (int k = 0; k < TABLE_KINDS; k++) {
        free(r->tstarts[k]);
        r->tstarts[k] = table_starts(r, k, &r->tstarts_hi[k]);
    }
}

int rules_table(const rules *r, int kind, const char *s, size_t n, int *role, pcre2_match_data *md,
                pcre2_match_context *mctx)
{
    const uint64_t *st = kind >= 0 && kind < TABLE_KINDS ? r->tstarts[kind] : NULL;
    if (st) { /* a cell no pattern of the kind can start with */
        if (n == 0)
            return 0;
        size_t l = 1;
        uint32_t cp = (unsigned char)s[0] < 0x80 ? (unsigned char)s[0] : utf8_decode((const unsigned char *)s, n, &l);
        if (cp >= 65536 ? !r->tstarts_hi[kind] : !(st[cp >> 6] >> (cp & 63) & 1))
            return 0;
    }
    for (size_t i = 0; i < r->ntables; i++) {
        const table_entry *te = &r->tables[i];
        if (te->kind != kind || rules_match(te->code, s, n, 0, md, mctx) < 0)
            continue;
        if (role)
            *role = te->role;
        return 1;
    }
    return 0;
}

int rules_tables(const rules *r)
{
    int name = 0, value = 0;
    for (size_t i = 0; i < r->ntables; i++) {
        name |= r->tables[i].kind == TABLE_NAME;
        value |= r->tables[i].kind == TABLE_VALUE;
    }
    return name && value;
}
