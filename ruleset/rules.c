/* rules.c: reading rule packs (plain-text, line-oriented) and compiling their patterns.
 * Format: see README "Rule files"; every pattern is compiled at load, JIT-compiled per pack on first use. */
#include "ruleset/rules.h"
#include "base/grow.h"
#include "ruleset/rxscan.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct define {
    char *name;
    char *pattern;  /* already expanded */
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
    size_t uixmask, uixunits; /* uixunits: the units it covers (stale when != nunits) */
    qual_entry *quals;
    size_t nquals, capquals;
    char **packs;
    pcre2_code **detect;  /* per pack: what its documents look like, NULL = always active */
    char **detect_src;    /* per pack: the detect pattern as written, NULL with detect */
    size_t npacks;
    char **files;  /* file names referenced by rules (owned) */
    size_t nfiles;
    int depth;     /* include nesting of the file being loaded */
    int fallback;  /* pack used when no detect pattern matches, -1 for none */
    pcre2_code **carry;   /* `carry` patterns, each as (?:...)\z, anchored */
    size_t ncarry, capcarry;
    sense_entry *senses;  /* `section`, `cue`, `period`, `nonadditive` patterns, in load order */
    size_t nsenses, capsenses;
    pcre2_code *combined[SENSE_KINDS]; /* per kind: its patterns as one, each marked with
                                        * (*MARK:i), i its entry; NULL: scan them one by one */
    table_entry *tables;  /* `table` patterns, in load order */
    size_t ntables, captables;
    jitstate *jit;
};

rules *rules_create(void)
{
    rules *r = calloc(1, sizeof(rules));
    if (!r)
        return NULL;
    r->fallback = -1;
    if (!(r->jit = calloc(1, sizeof *r->jit)) || pthread_mutex_init(&r->jit->mu, NULL)) {
        free(r->jit);
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
            pcre2_jit_compile(ru->code, PCRE2_JIT_COMPLETE);
            if (ru->before_code)
                pcre2_jit_compile(ru->before_code, PCRE2_JIT_COMPLETE);
        }
    }
    atomic_fetch_or_explicit(&j->done, todo, memory_order_release);
    pthread_mutex_unlock(&j->mu);
}

int rules_fallback_pack(const rules *r)
{
    return r->fallback;
}

static void rule_free(rule *ru)
{
    if (!ru)
        return;
    free(ru->id);
    free(ru->pack);
    free(ru->category);
    free(ru->role);
    free(ru->pattern);
    pcre2_code_free(ru->code);
    free(ru->before);
    pcre2_code_free(ru->before_code);
    for (size_t i = 0; i < ru->nunit_lits; i++)
        free(ru->unit_lits[i]);
    free(ru->unit_lits);
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
    for (size_t i = 0; i < r->ndefs; i++) {
        free(r->defs[i].name);
        free(r->defs[i].pattern);
    }
    free(r->defs);
    for (size_t i = 0; i < r->nunits; i++) {
        free(r->units[i].written);
        free(r->units[i].canon);
    }
    free(r->units);
    free(r->uix);
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
        pcre2_code_free(r->carry[i]);
    free(r->carry);
    for (size_t i = 0; i < r->nsenses; i++) {
        pcre2_code_free(r->senses[i].code);
        free(r->senses[i].src);
    }
    free(r->senses);
    for (int k = 0; k < SENSE_KINDS; k++)
        pcre2_code_free(r->combined[k]);
    for (size_t i = 0; i < r->ntables; i++)
        pcre2_code_free(r->tables[i].code);
    free(r->tables);
    if (r->jit)
        pthread_mutex_destroy(&r->jit->mu);
    free(r->jit);
    free(r);
}

size_t rules_count(const rules *r) { return r->n; }
const rule *rules_at(const rules *r, size_t i) { return i < r->n ? r->items[i] : NULL; }
size_t rules_pack_count(const rules *r) { return r->npacks; }
const char *rules_pack_name(const rules *r, size_t i) { return i < r->npacks ? r->packs[i] : NULL; }
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

/* Index the units by written form, for the lookup of every row; on failure the
 * lookup stays a linear search. */
static void unit_index(rules *r)
{
    size_t cap = 16;
    while (cap < 2 * r->nunits)
        cap *= 2;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return;
    for (size_t i = 0; i < r->nunits; i++) { /* a later entry for the same word replaces it */
        size_t h = unit_hash(r->units[i].written, r->units[i].wlen) & (cap - 1);
        while (ix[h] && !(r->units[ix[h] - 1].wlen == r->units[i].wlen &&
                          memcmp(r->units[ix[h] - 1].written, r->units[i].written, r->units[i].wlen) == 0))
            h = (h + 1) & (cap - 1);
        ix[h] = (uint32_t)i + 1;
    }
    free(r->uix);
    r->uix = ix;
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
    for (size_t i = r->nunits; i-- > 0;)
        if (strcmp(r->units[i].canon, unit) == 0)
            return r->units[i].additive;
    return -1;
}

int rules_carries(const rules *r, const char *line, size_t from, size_t to, pcre2_match_data *md,
                  pcre2_match_context *mctx)
{
    for (size_t i = 0; i < r->ncarry; i++)
        if (pcre2_match(r->carry[i], (PCRE2_SPTR)line, to, from, PCRE2_NO_UTF_CHECK, md, mctx) >= 0)
            return 1;
    return 0;
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

/* One scan of a kind's combined pattern: the same hits as its patterns one by one, but
 * where two overlap the one that starts first (then the one written first). */
static size_t senses_combined(const rules *r, const pcre2_code *code, const char *s, size_t n, int plan_year,
                              rules_hit *out, size_t cap, pcre2_match_data *md, pcre2_match_context *mctx)
{
    size_t k = 0, at = 0;
    while (at < n && pcre2_match(code, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, md, mctx) >= 0) {
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

/* Join each kind's patterns into one, so a line is scanned once per kind. A kind whose
 * joined pattern does not compile is scanned pattern by pattern. */
static void build_combined(rules *r)
{
    for (int kind = 0; kind < SENSE_KINDS; kind++) {
        pcre2_code_free(r->combined[kind]);
        r->combined[kind] = NULL;
        size_t len = 0, cnt = 0;
        for (size_t i = 0; i < r->nsenses; i++)
            if (r->senses[i].kind == kind) {
                len += strlen(r->senses[i].src) + 32;
                cnt++;
            }
        if (cnt < 2)
            continue;
        char *buf = malloc(len + 1), *w = buf;
        if (!buf)
            continue;
        for (size_t i = 0; i < r->nsenses; i++)
            if (r->senses[i].kind == kind)
                w += sprintf(w, "%s(?:%s(*MARK:%zu))", w == buf ? "" : "|", r->senses[i].src, i);
        int ec;
        PCRE2_SIZE eo;
        r->combined[kind] = pcre2_compile((PCRE2_SPTR)buf, (size_t)(w - buf), PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
        if (r->combined[kind])
            pcre2_jit_compile(r->combined[kind], PCRE2_JIT_COMPLETE);
        free(buf);
    }
}

size_t rules_senses(const rules *r, int kind, const char *s, size_t n, int plan_year, rules_hit *out, size_t cap,
                    pcre2_match_data *md, pcre2_match_context *mctx)
{
    if (kind >= 0 && kind < SENSE_KINDS && r->combined[kind])
        return senses_combined(r, r->combined[kind], s, n, plan_year, out, cap, md, mctx);
    size_t k = 0;
    for (size_t i = 0; i < r->nsenses; i++) {
        const sense_entry *se = &r->senses[i];
        if (se->kind != kind)
            continue;
        size_t at = 0;
        while (at < n && pcre2_match(se->code, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, md, mctx) >= 0) {
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

/* ---- parsing ---------------------------------------------------------- */

/* Parser state for one file. */
typedef struct parser {
    rules *r;
    const char *file;
    long line;
    const char *linep;   /* start of the current line */
    size_t linelen;
    char *pack;
    int pack_index;
    int depth;           /* include nesting */
    rule *cur;           /* block being filled, not yet in r->items */
    char *pat;           /* pattern source of the current block */
    size_t patlen;
    long patline;        /* line and column of each pattern piece, for errors */
    struct piece { long line, col; size_t off, len; const char *src; size_t srclen; int which; } *pieces;
    size_t npieces, cappieces;
    pm_error *err;
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int perr(parser *p, long col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* columns are counted in characters, not bytes */
    long chars = col;
    if (p->linep && col > 0) {
        chars = 1;
        for (long i = 0; i < col - 1 && (size_t)i < p->linelen; i++)
            if (((unsigned char)p->linep[i] & 0xC0) != 0x80)
                chars++;
    }
    pm_error_set(p->err, PM_ERR_SYNTAX, p->file, p->line, chars, "%s", msg);
    pm_error_source(p->err, p->linep, p->linelen);
    return PM_ERR_SYNTAX;
}

/* Append the expansion of src[0..n) to buf (growing it); each output byte
 * also records which source column it came from (for compile errors). */
typedef struct xbuf {
    char *s;
    size_t n, cap;
    long *col;  /* source column (1-based, bytes) of each output byte */
    long *line;
} xbuf;

static int xput(xbuf *b, const char *s, size_t n, long line, long col, int same_col)
{
    if (pm_grow((void **)&b->s, &b->cap, b->n + n + 1, 1))
        return -1;
    size_t cap2 = b->cap;
    void *c = realloc(b->col, cap2 * sizeof(long));
    if (!c)
        return -1;
    b->col = c;
    void *l = realloc(b->line, cap2 * sizeof(long));
    if (!l)
        return -1;
    b->line = l;
    memcpy(b->s + b->n, s, n);
    for (size_t i = 0; i < n; i++) {
        b->col[b->n + i] = same_col ? col : col + (long)i;
        b->line[b->n + i] = line;
    }
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

static const define *def_find(const rules *r, const char *name, size_t len)
{
    for (size_t i = r->ndefs; i-- > 0;)
        if (strlen(r->defs[i].name) == len && memcmp(r->defs[i].name, name, len) == 0)
            return &r->defs[i];
    return NULL;
}

/* Longest pattern text after {NAME} expansion (PCRE2 cannot compile much more anyway). */
#define PATTERN_MAX (1 << 20)

static int is_name_start(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

/* Expand {NAME} references in s[0..n) (a source piece at line/col) into b. */
static int expand(parser *p, xbuf *b, const char *s, size_t n, long line, long col)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\\' && i + 1 < n) {  /* keep escapes, e.g. \{ */
            if (xput(b, s + i, 2, line, col + (long)i, 0))
                return PM_ERR_NOMEM;
            i += 2;
            continue;
        }
        if (s[i] == '{' && i + 1 < n && is_name_start(s[i + 1])) {
            size_t j = i + 1;
            while (j < n && is_name_char(s[j]))
                j++;
            if (j < n && s[j] == '}') {
                const define *d = def_find(p->r, s + i + 1, j - i - 1);
                if (!d) {
                    char name[128];
                    snprintf(name, sizeof name, "%.*s", (int)(j - i - 1), s + i + 1);
                    p->line = line;
                    return perr(p, col + (long)i, "unknown sub-pattern '{%s}'", name);
                }
                size_t dl = strlen(d->pattern);
                if (b->n + dl > PATTERN_MAX) { /* nested defines double at each level */
                    p->line = line;
                    return perr(p, col + (long)i, "pattern longer than %d bytes after expanding '{%s}'",
                                PATTERN_MAX, d->name);
                }
                if (xput(b, d->pattern, dl, line, col + (long)i, 1))
                    return PM_ERR_NOMEM;
                i = j + 1;
                continue;
            }
        }
        if (xput(b, s + i, 1, line, col + (long)i, 0))
            return PM_ERR_NOMEM;
        i++;
    }
    return 0;
}

static int group_number(const pcre2_code *code, const char *name)
{
    int n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);
    if (n == PCRE2_ERROR_NOUNIQUESUBSTRING) {
        PCRE2_SPTR first, last;
        int size = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)name, &first, &last);
        if (size > 0)
            return (first[0] << 8) | first[1];
    }
    return n > 0 ? n : 0;
}

/* Expand and compile the pieces of one part (0 pattern, 1 before) of the current
 * block, wrapped as prefix...suffix; errors point into the rule file. */
static int compile_part(parser *p, int which, const char *prefix, const char *suffix, pcre2_code **out,
                        char **text, uint32_t options)
{
    xbuf b = {0};
    int rc = 0;
    struct piece *first = NULL;
    for (size_t i = 0; i < p->npieces && rc == 0; i++) {
        struct piece *pc = &p->pieces[i];
        if (pc->which != which)
            continue;
        if (!first) {
            first = pc;
            if (xput(&b, prefix, strlen(prefix), pc->line, pc->col, 1))
                rc = PM_ERR_NOMEM;
        }
        p->linep = pc->src;
        p->linelen = pc->srclen;
        if (rc == 0)
            rc = expand(p, &b, p->pat + pc->off, pc->len, pc->line, pc->col);
    }
    if (!first)
        return 0;
    if (rc == 0 && xput(&b, suffix, strlen(suffix), b.line[b.n - 1], b.col[b.n - 1] + 1, 1))
        rc = PM_ERR_NOMEM;
    if (rc == 0) {
        int ec;
        PCRE2_SIZE eo;
        /* PCRE2 gets the guarded twin of the text; the text itself is what errors,
         * the prefilter and listings read */
        char *g = NULL;
        size_t gn = 0;
        if (!(options & PCRE2_ANCHORED) && rxscan_guard(b.s, b.n, &g, &gn) < 0)
            rc = PM_ERR_NOMEM;
        *out = g ? pcre2_compile((PCRE2_SPTR)g, gn, PCRE2_UTF | PCRE2_DUPNAMES | options, &ec, &eo, NULL) : NULL;
        free(g);
        if (!*out)
            *out = pcre2_compile((PCRE2_SPTR)b.s, b.n, PCRE2_UTF | PCRE2_DUPNAMES | options, &ec, &eo, NULL);
        if (rc) {
            pcre2_code_free(*out);
            *out = NULL;
        } else if (!*out) {
            char msg[256];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
            size_t at = eo < b.n ? eo : b.n - 1;
            long line = b.line[at], col = b.col[at] + (eo >= b.n ? 1 : 0);
            for (size_t i = 0; i < p->npieces; i++)
                if (p->pieces[i].line == line) {
                    p->linep = p->pieces[i].src;
                    p->linelen = p->pieces[i].srclen;
                }
            p->line = line;
            rc = perr(p, col, "%s", msg);
        } else {
            *text = b.s; /* JIT compilation waits for rules_jit */
            b.s = NULL;
        }
    }
    free(b.s);
    free(b.col);
    free(b.line);
    return rc;
}

/* ---- unit literals, for the engine's prefilter ---- */

typedef struct litset {
    char **v;
    size_t n, cap;
} litset;

static int lit_add(litset *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && memcmp(l->v[i], s, n) == 0)
            return 0;
    if (pm_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(char *)))
        return -1;
    if (!(l->v[l->n] = strndup(s, n)))
        return -1;
    l->n++;
    return 0;
}

/* Skip a class starting at p[0] == '[' to just after its ']'; NULL if unclosed. */
static const char *skip_class(const char *p)
{
    for (p++; *p && *p != ']'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : NULL;
}

/* Skip a group starting at p[0] == '(' to just after its ')'; NULL if unbalanced. */
static const char *skip_group(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '[') { /* a class may hold ')' */
            if (!(p = skip_class(p)))
                return NULL;
            p--; /* the loop steps past the ] again */
        } else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
    }
    return NULL;
}

/* Literal alternatives of the group body p..end (after "(?<unit>"): each
 * alternative must be literal characters, optionally wrapped in (?:...) or
 * beside assertions (which consume nothing). Returns -1 when not so. */
static int body_literals(const char *p, const char *end, litset *l)
{
    char buf[128];
    size_t n = 0;
    while (p <= end) {
        if (p == end || *p == '|') {
            if (n == 0 || lit_add(l, buf, n))
                return -1;
            n = 0;
            p++;
            continue;
        }
        if (p[0] == '(' && p[1] == '?' && (p[2] == '=' || p[2] == '!' || (p[2] == '<' && (p[3] == '=' || p[3] == '!')))) {
            const char *q = skip_group(p); /* an assertion */
            if (!q || q > end)
                return -1;
            p = q;
            continue;
        }
        if (p[0] == '(' && p[1] == '?' && p[2] == ':') {
            const char *q = skip_group(p);
            if (!q || q > end || n != 0)
                return -1; /* a (?:...) must start its alternative */
            if (q < end && *q != '|') {
                /* (?:万吨|吨)(?:/年)?: the unit starts with one of the group's words, so
                 * those are what the prefilter looks for; the rest of the alternative
                 * may be anything, but the group must not be optional */
                if (*q == '?' || *q == '*' || *q == '{')
                    return -1;
                const char *r = q;
                while (r < end && *r != '|') {
                    if (*r == '(' || *r == '[') {
                        const char *g = *r == '(' ? skip_group(r) : skip_class(r);
                        if (!g || g > end)
                            return -1;
                        r = g;
                    } else {
                        r += *r == '\\' && r + 1 < end ? 2 : 1;
                    }
                }
                q = r;
            }
            if (body_literals(p + 3, skip_group(p) - 1, l))
                return -1;
            p = q;
            if (p < end)
                p++;
            else
                break;
            continue;
        }
        if (*p == '\\' && p + 1 < end && strchr("/.%-+*?()[]{}|^$\\", p[1])) {
            p++;
        } else if (strchr(".[]()*+?{}^$\\", *p)) {
            return -1;
        }
        if (n + 1 >= sizeof buf)
            return -1;
        buf[n++] = *p++;
    }
    return 0;
}

/* Collect the literals of every (?<unit>...) group of the expanded pattern. */
static int unit_literals(rule *ru)
{
    litset l = {0};
    int ok = 1;
    for (const char *p = strstr(ru->pattern, "(?<unit>"); p && ok; p = strstr(p + 1, "(?<unit>")) {
        const char *q = skip_group(p);
        ok = q && body_literals(p + 8, q - 1, &l) == 0;
    }
    if (!ok || l.n == 0) {
        for (size_t i = 0; i < l.n; i++)
            free(l.v[i]);
        free(l.v);
        return 0;
    }
    ru->unit_lits = l.v;
    ru->nunit_lits = l.n;
    return 0;
}

/* Compile the current block: the pattern (matched anchored at a number) and the
 * optional `before` part (must end right where the pattern starts). */
static int compile_block(parser *p)
{
    rule *ru = p->cur;
    int have = 0;
    for (size_t i = 0; i < p->npieces; i++)
        have |= p->pieces[i].which == 0;
    if (!have) {
        p->linep = NULL;
        pm_error_set(p->err, PM_ERR_SYNTAX, p->file, ru->line, 0, "rule '%s' has no pattern", ru->id);
        return PM_ERR_SYNTAX;
    }
    int rc = compile_part(p, 0, "", "", &ru->code, &ru->pattern, PCRE2_ANCHORED | PCRE2_NO_START_OPTIMIZE);
    if (rc == 0)
        rc = compile_part(p, 1, "(?:", ")\\z", &ru->before_code, &ru->before, 0);
    if (rc)
        return rc;
    /* the extractor keeps 64 ovector pairs: group numbers above 63 would read past them */
    for (int part = 0; part < 2; part++) {
        uint32_t ncap = 0;
        const pcre2_code *code = part ? ru->before_code : ru->code;
        if (code && pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap) == 0 && ncap > 63) {
            p->linep = NULL;
            pm_error_set(p->err, PM_ERR_SYNTAX, p->file, ru->line, 0, "rule '%s' has %u groups in its %s (at most 63)",
                         ru->id, (unsigned)ncap, part ? "before" : "pattern");
            return PM_ERR_SYNTAX;
        }
    }
    pcre2_pattern_info(ru->code, PCRE2_INFO_CAPTURECOUNT, &ru->ncaptures);
    ru->g_value = group_number(ru->code, "value");
    ru->g_value_max = group_number(ru->code, "value_max");
    ru->g_unit = group_number(ru->code, "unit");
    ru->g_subject = group_number(ru->code, "subject");
    ru->g_action = group_number(ru->code, "action");
    ru->g_qual = group_number(ru->code, "qual");
    ru->g_qual_after = group_number(ru->code, "qual_after");
    static const char *const names[7] = RULE_GROUP_NAMES;
    for (int part = 0; part < 2; part++) {
        const pcre2_code *code = part ? ru->before_code : ru->code;
        for (int k = 0; k < 7 && code; k++) {
            PCRE2_SPTR a, b;
            int size = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)names[k], &a, &b);
            int n = 0;
            for (PCRE2_SPTR q = a; size > 0 && q <= b && n < RULES_MAX_DUP; q += size)
                ru->groups[part][k][n++] = (short)((q[0] << 8) | q[1]);
            ru->groups[part][k][n] = 0;
        }
    }
    if (ru->before_code) {
        ru->gb_subject = group_number(ru->before_code, "subject");
        ru->gb_action = group_number(ru->before_code, "action");
        ru->gb_qual = group_number(ru->before_code, "qual");
    }
    if (ru->kind == RULE_TARGET)
        unit_literals(ru);
    if (ru->kind == RULE_TARGET && (!ru->g_value || !ru->g_unit)) {
        p->linep = NULL;
        pm_error_set(p->err, PM_ERR_SYNTAX, p->file, ru->line, 0,
                     "rule '%s' needs named groups 'value' and 'unit' in its pattern", ru->id);
        return PM_ERR_SYNTAX;
    }
    return 0;
}

/* Finish the current block: compile it and add it (replacing one with the same id). */
static int end_block(parser *p)
{
    rule *ru = p->cur;
    if (!ru)
        return 0;
    int rc = compile_block(p);
    p->cur = NULL;
    p->npieces = 0;
    p->patlen = 0;
    if (rc) {
        rule_free(ru);
        return rc;
    }
    /* its pack has a rule that is not JIT-compiled yet */
    atomic_fetch_and(&p->r->jit->done, ~((uint64_t)1 << ru->pack_index));
    for (size_t i = 0; i < p->r->n; i++)
        if (strcmp(p->r->items[i]->id, ru->id) == 0) {
            rule_free(p->r->items[i]);
            p->r->items[i] = ru;
            return 0;
        }
    if (pm_grow((void **)&p->r->items, &p->r->cap, p->r->n + 1, sizeof(rule *))) {
        rule_free(ru);
        return PM_ERR_NOMEM;
    }
    p->r->items[p->r->n++] = ru;
    return 0;
}

/* Split "TEXT => [Q]VALUE[..MAX] UNIT [SUBJECT]" of an example line. */
static int parse_example(parser *p, rule_example *ex, const char *v, size_t n, long col)
{
    const char *arrow = NULL;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(v + i, " => ", 4) == 0)
            arrow = v + i;
    if (!arrow)
        return perr(p, col, "example needs 'TEXT => VALUE UNIT'");
    ex->text = strndup(v, (size_t)(arrow - v));
    const char *q = arrow + 4, *end = v + n;
    char *fields[3] = {0};
    int nf = 0;
    while (q < end && nf < 3) {
        while (q < end && *q == ' ')
            q++;
        const char *s = q;
        while (q < end && *q != ' ')
            q++;
        if (q > s)
            fields[nf++] = strndup(s, (size_t)(q - s));
        if (nf == 2) { /* the subject is the rest */
            while (q < end && *q == ' ')
                q++;
            if (q < end)
                fields[nf++] = strndup(q, (size_t)(end - q));
            break;
        }
    }
    if (nf < 2) {
        for (int i = 0; i < nf; i++)
            free(fields[i]);
        return perr(p, (long)(arrow - v) + col + 4, "example needs 'TEXT => VALUE UNIT'");
    }
    char *val = fields[0];
    const char *qs[] = {">=", "<=", "~", "="};
    for (size_t i = 0; i < 4; i++)
        if (strncmp(val, qs[i], strlen(qs[i])) == 0) {
            ex->qualifier = strdup(qs[i]);
            memmove(val, val + strlen(qs[i]), strlen(val) - strlen(qs[i]) + 1);
            break;
        }
    char *dots = strstr(val, "..");
    if (dots) {
        ex->value_max = strdup(dots + 2);
        *dots = '\0';
    }
    char *endp;
    if (!*val || (strtod(val, &endp), *endp) || (ex->value_max && (strtod(ex->value_max, &endp), *endp))) {
        int rc = perr(p, (long)(arrow - v) + col + 4, "example value '%s' is not a number", val);
        for (int i = 0; i < nf; i++) /* after perr: val is fields[0] */
            free(fields[i]);
        return rc;
    }
    ex->value = val;
    ex->unit = fields[1];
    ex->subject = fields[2];
    return 0;
}

static int add_example(parser *p, const char *v, size_t n, long col, int negative)
{
    rule *ru = p->cur;
    if (pm_grow((void **)&ru->examples, &ru->capexamples, ru->nexamples + 1, sizeof(rule_example)))
        return PM_ERR_NOMEM;
    rule_example *ex = &ru->examples[ru->nexamples];
    memset(ex, 0, sizeof *ex);
    ex->line = p->line;
    ex->negative = negative;
    int rc = negative ? ((ex->text = strndup(v, n)) ? 0 : PM_ERR_NOMEM) : parse_example(p, ex, v, n, col);
    if (rc) {
        free(ex->text);
        free(ex->value_max);
        free(ex->qualifier);
        return rc;
    }
    ru->nexamples++;
    return 0;
}

static int load_file(rules *r, const char *path, pm_error *err);

/* include FILE: load another rule file first (path relative to this file's
 * folder); a file already loaded (same real path) is not loaded again. */
static int include(parser *p, const char *v, size_t vlen, long col)
{
    if (vlen == 0)
        return perr(p, col, "'include' needs a file name");
    if (p->depth >= 8)
        return perr(p, col, "includes nested too deeply");
    const char *slash = strrchr(p->file, '/');
    size_t dl = slash && v[0] != '/' ? (size_t)(slash - p->file) + 1 : 0;
    char *path = malloc(dl + vlen + 1);
    if (!path)
        return PM_ERR_NOMEM;
    memcpy(path, p->file, dl);
    memcpy(path + dl, v, vlen);
    path[dl + vlen] = '\0';
    char *real = realpath(path, NULL);
    int rc = 0, seen = 0;
    for (size_t i = 0; real && i < p->r->nfiles && !seen; i++) {
        char *ri = realpath(p->r->files[i], NULL);
        seen = ri && strcmp(ri, real) == 0;
        free(ri);
    }
    if (!real) {
        rc = perr(p, col, "cannot include '%s': no such file", path);
    } else if (!seen) {
        p->r->depth = p->depth + 1;
        rc = load_file(p->r, path, p->err);
        p->r->depth = 0;
    }
    free(real);
    free(path);
    return rc;
}

/* One "key value" line. key/v point into the line; col is v's column. */
/* Compile a top-level pattern v[0..vlen) (defines expanded) as (?:PATTERN` suffix`; JIT at
 * load: these patterns are small and every document uses them. src: NULL, or gets the
 * expanded source (the caller frees it). */
static int compile_top(parser *p, const char *v, size_t vlen, long col, const char *suffix, uint32_t opts,
                       pcre2_code **out, char **src)
{
    xbuf b = {0};
    int rc = xput(&b, "(?:", 3, p->line, col, 1);
    if (rc == 0)
        rc = expand(p, &b, v, vlen, p->line, col);
    if (rc == 0)
        rc = xput(&b, suffix, strlen(suffix), p->line, col + (long)vlen, 1);
    if (rc == 0) {
        int ec;
        PCRE2_SIZE eo;
        *out = pcre2_compile((PCRE2_SPTR)b.s, b.n, PCRE2_UTF | PCRE2_DUPNAMES | opts, &ec, &eo, NULL);
        if (!*out) {
            char msg[256];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
            rc = perr(p, b.col[eo < b.n ? eo : b.n - 1], "%s", msg);
        } else {
            pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
            if (src) { /* the caller keeps the expanded source */
                *src = b.s;
                b.s = NULL;
            }
        }
    }
    free(b.s);
    free(b.col);
    free(b.line);
    return rc;
}

/* A year of a `period` key: YYYY, +N or -N (from the plan year), year+N (the group plus
 * N), none; -1 when bad. */
static int parse_yspec(const char *s, size_t n, yspec *y)
{
    char tmp[16], *e;
    if (n == 4 && memcmp(s, "none", 4) == 0) {
        *y = (yspec){YS_PLACEHOLDER, 0};
        return 0;
    }
    if (n > 5 && n < 10 && memcmp(s, "year+", 5) == 0) { /* the (?<year>) group plus N */
        int v = 0;
        for (size_t i = 5; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        *y = (yspec){YS_GROUP, v};
        return 0;
    }
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    long v = strtol(tmp, &e, 10);
    if (*e)
        return -1;
    if (tmp[0] == '+' || tmp[0] == '-') {
        if (v < -100 || v > 100)
            return -1;
        *y = (yspec){YS_REL, (int)v};
        return 0;
    }
    if (n != 4 || v < 1900 || v > 2199)
        return -1;
    *y = (yspec){YS_ABS, (int)v};
    return 0;
}

/* section review|plan PATTERN, cue actual|target|baseline PATTERN,
 * period PATTERN [=> YEAR [since YEAR]], nonadditive PATTERN, distribute PATTERN */
static int add_sense(parser *p, const char *key, size_t klen, const char *v, size_t vlen, long col)
{
    static const struct { const char *key, *cls; int kind; } kinds[] = {
        {"section", "review", SENSE_REVIEW}, {"section", "plan", SENSE_PLAN},
        {"cue", "actual", SENSE_ACTUAL},     {"cue", "target", SENSE_TARGET},
        {"cue", "baseline", SENSE_BASELINE}, {"period", NULL, SENSE_PERIOD},
        {"nonadditive", NULL, SENSE_NONADDITIVE}, {"distribute", NULL, SENSE_DISTRIBUTE},
    };
    char kb[16];
    snprintf(kb, sizeof kb, "%.*s", (int)klen, key);
    sense_entry se = {.kind = -1};
    int classed = strcmp(kb, "section") == 0 || strcmp(kb, "cue") == 0;
    const char *pat = v;
    size_t plen = vlen;
    if (classed) {
        const char *sp = memchr(v, ' ', vlen);
        size_t cl = sp ? (size_t)(sp - v) : vlen;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcmp(kinds[i].key, kb) == 0 && strlen(kinds[i].cls) == cl && memcmp(kinds[i].cls, v, cl) == 0)
                se.kind = kinds[i].kind;
        if (se.kind < 0)
            return perr(p, col, strcmp(kb, "cue") == 0 ? "'cue' needs 'actual', 'target' or 'baseline' and a pattern"
                                                       : "'section' needs 'review' or 'plan' and a pattern");
        pat = sp ? sp + 1 : v + vlen;
        plen = (size_t)(v + vlen - pat);
        while (plen && *pat == ' ')
            pat++, plen--;
    } else {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (!kinds[i].cls && strcmp(kinds[i].key, kb) == 0)
                se.kind = kinds[i].kind;
        if (se.kind == SENSE_NONADDITIVE && vlen > 4 && memcmp(v, "own ", 4) == 0) {
            se.kind = SENSE_NONADD_OWN; /* nonadditive own PATTERN: only the number it touches */
            pat = v + 4;
            plen = vlen - 4;
            while (plen && *pat == ' ')
                pat++, plen--;
        }
    }
    long pcol = col + (long)(pat - v);
    if (se.kind == SENSE_PERIOD) {
        /* the year after " => ": YYYY or +N/-N, then optionally "since YYYY|+N|-N" */
        se.year.mode = se.since.mode = YS_GROUP;
        for (size_t i = plen; i-- > 3;)
            if (memcmp(pat + i - 3, " =>", 3) == 0 && (i == plen || pat[i] == ' ')) {
                const char *y = pat + i, *end = pat + plen;
                while (y < end && *y == ' ')
                    y++;
                const char *ye = y;
                while (ye < end && *ye != ' ')
                    ye++;
                long ycol = pcol + (long)(y - pat);
                if (parse_yspec(y, (size_t)(ye - y), &se.year))
                    return perr(p, ycol, "a period's year must be YYYY, +N, -N (from the plan year), year+N or none");
                se.since.mode = YS_NONE;
                const char *sn = ye;
                while (sn < end && *sn == ' ')
                    sn++;
                if (sn < end) {
                    if ((size_t)(end - sn) < 6 || memcmp(sn, "since ", 6) != 0)
                        return perr(p, pcol + (long)(sn - pat), "after a period's year only 'since YEAR' may follow");
                    const char *ss = sn + 6;
                    while (ss < end && *ss == ' ')
                        ss++;
                    if (parse_yspec(ss, (size_t)(end - ss), &se.since) || se.since.mode == YS_PLACEHOLDER)
                        return perr(p, pcol + (long)(ss - pat), "a period's year must be YYYY, +N or -N (from the plan year)");
                }
                plen = i - 3;
                break;
            }
    }
    if (plen == 0)
        return perr(p, pcol, "'%s' needs a pattern", kb);
    int rc = compile_top(p, pat, plen, pcol, ")", 0, &se.code, &se.src);
    if (rc)
        return rc;
    if (se.kind == SENSE_PERIOD) {
        se.g_year = group_number(se.code, "year");
        se.g_since = group_number(se.code, "since");
        if (se.year.mode == YS_GROUP && se.g_year <= 0) { /* also for year+N */
            pcre2_code_free(se.code);
            free(se.src);
            return perr(p, pcol, "a period needs a (?<year>...) group or ' => YEAR'");
        }
        if (se.since.mode == YS_GROUP && se.g_since <= 0)
            se.since.mode = YS_NONE;
    }
    if (pm_grow((void **)&p->r->senses, &p->r->capsenses, p->r->nsenses + 1, sizeof(sense_entry))) {
        pcre2_code_free(se.code);
        free(se.src);
        return PM_ERR_NOMEM;
    }
    p->r->senses[p->r->nsenses++] = se;
    return 0;
}

/* table caption PATTERN | table column KIND PATTERN [=> ROLE] | table cell KIND PATTERN */
static int add_table(parser *p, const char *v, size_t vlen, long col)
{
    static const struct { const char *cls, *name; int kind; } kinds[] = {
        {"caption", NULL, TABLE_CAPTION},       {"column", "serial", TABLE_SERIAL},
        {"column", "group", TABLE_GROUP},       {"column", "name", TABLE_NAME},
        {"column", "unit", TABLE_UNIT},         {"column", "attribute", TABLE_ATTRIBUTE},
        {"column", "note", TABLE_NOTE},         {"column", "value", TABLE_VALUE},
        {"cell", "binding", TABLE_BINDING},     {"cell", "expected", TABLE_EXPECTED},
        {"cell", "empty", TABLE_EMPTY},         {"cell", "unit", TABLE_UNITCELL},
        {"cell", "ratio", TABLE_RATIO},
    };
    static const char *roles[] = {"auto", "target", "baseline", "actual", "change", "quantity"};
    const char *w[2] = {v, NULL}, *end = v + vlen, *pat;
    size_t wl[2] = {0, 0};
    const char *q = v;
    for (int i = 0; i < 2; i++) { /* the class word, then (column, cell) the kind word */
        while (q < end && *q == ' ')
            q++;
        w[i] = q;
        while (q < end && *q != ' ')
            q++;
        wl[i] = (size_t)(q - w[i]);
    }
    int kind = -1, named = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strlen(kinds[i].cls) != wl[0] || memcmp(kinds[i].cls, w[0], wl[0]) != 0)
            continue;
        named = kinds[i].name != NULL;
        if (!named || (strlen(kinds[i].name) == wl[1] && memcmp(kinds[i].name, w[1], wl[1]) == 0))
            kind = kinds[i].kind;
    }
    if (kind < 0)
        return perr(p, col + (long)(named ? w[1] - v : 0),
                    named && wl[0] == 6 ? "'table column' needs serial, group, name, unit, attribute, note or value"
                    : named ? "'table cell' needs binding, expected, empty, unit or ratio"
                            : "'table' needs caption, column or cell");
    pat = named ? q : w[1];
    while (pat < end && *pat == ' ')
        pat++;
    size_t plen = (size_t)(end - pat);
    int role = TROLE_AUTO;
    if (kind == TABLE_VALUE) { /* ... => ROLE */
        size_t i = plen;
        while (i > 3 && memcmp(pat + i - 3, " =>", 3) != 0)
            i--;
        if (i <= 3)
            return perr(p, col + (long)(pat - v), "'table column value' needs 'PATTERN => auto|target|baseline|actual|change|quantity'");
        const char *rs = pat + i;
        while (rs < end && *rs == ' ')
            rs++;
        role = -1;
        for (int k = 0; k < 6; k++)
            if (strlen(roles[k]) == (size_t)(end - rs) && memcmp(roles[k], rs, (size_t)(end - rs)) == 0)
                role = k;
        if (role < 0)
            return perr(p, col + (long)(rs - v), "a table column's role must be auto, target, baseline, actual, change or quantity");
        plen = i - 3;
        while (plen && pat[plen - 1] == ' ')
            plen--;
    }
    if (plen == 0)
        return perr(p, col + (long)(pat - v), "'table' needs a pattern");
    int whole = kind != TABLE_CAPTION && kind != TABLE_RATIO;
    table_entry te = {kind, role, NULL};
    int rc = compile_top(p, pat, plen, col + (long)(pat - v), whole ? ")\\z" : ")", whole ? PCRE2_ANCHORED : 0, &te.code,
                         NULL);
    if (rc)
        return rc;
    if (pm_grow((void **)&p->r->tables, &p->r->captables, p->r->ntables + 1, sizeof(table_entry))) {
        pcre2_code_free(te.code);
        return PM_ERR_NOMEM;
    }
    p->r->tables[p->r->ntables++] = te;
    return 0;
}

static int handle(parser *p, const char *key, size_t klen, const char *v, size_t vlen, long col)
{
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(key, s, klen) == 0)
    if (KEY("include")) {
        int rc = end_block(p);
        return rc ? rc : include(p, v, vlen, col);
    }
    if (KEY("pack")) {
        int rc = end_block(p);
        if (rc)
            return rc;
        if (vlen == 0)
            return perr(p, col, "'pack' needs a name");
        free(p->pack);
        p->pack = strndup(v, vlen);
        p->pack_index = rules_pack_index(p->r, v, vlen);
        if (p->pack_index >= 0)
            return 0;
        if (p->r->npacks >= RULES_MAX_PACKS)
            return perr(p, col, "too many packs (at most %d)", RULES_MAX_PACKS);
        char **np = realloc(p->r->packs, (p->r->npacks + 1) * sizeof(char *));
        if (!np)
            return PM_ERR_NOMEM;
        p->r->packs = np;
        pcre2_code **nd = realloc(p->r->detect, (p->r->npacks + 1) * sizeof(pcre2_code *));
        if (!nd)
            return PM_ERR_NOMEM;
        p->r->detect = nd;
        p->r->detect[p->r->npacks] = NULL;
        char **ns = realloc(p->r->detect_src, (p->r->npacks + 1) * sizeof(char *));
        if (!ns)
            return PM_ERR_NOMEM;
        p->r->detect_src = ns;
        p->r->detect_src[p->r->npacks] = NULL;
        p->r->packs[p->r->npacks] = strdup(p->pack);
        p->pack_index = (int)p->r->npacks++;
        return 0;
    }
    if (KEY("fallback")) {
        int rc = end_block(p);
        if (rc)
            return rc;
        if (!p->pack)
            return perr(p, 1, "'pack NAME' must come before 'fallback'");
        if (vlen)
            return perr(p, col, "'fallback' takes no value");
        p->r->fallback = p->pack_index;
        return 0;
    }
    if (KEY("detect")) {
        int rc = end_block(p);
        if (rc)
            return rc;
        if (!p->pack)
            return perr(p, 1, "'pack NAME' must come before 'detect'");
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)v, vlen, PCRE2_UTF, &ec, &eo, NULL);
        if (!c) {
            char msg[256];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
            return perr(p, col + (long)eo, "%s", msg);
        }
        pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
        char *src = strndup(v, vlen);
        if (!src) {
            pcre2_code_free(c);
            return PM_ERR_NOMEM;
        }
        pcre2_code_free(p->r->detect[p->pack_index]);
        free(p->r->detect_src[p->pack_index]);
        p->r->detect[p->pack_index] = c;
        p->r->detect_src[p->pack_index] = src;
        return 0;
    }
    if (KEY("rule") || KEY("exclude")) {
        int rc = end_block(p);
        if (rc)
            return rc;
        if (!p->pack)
            return perr(p, 1, "'pack NAME' must come before the first rule");
        for (size_t i = 0; i < vlen; i++)
            if (!(isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.' || v[i] == '-'))
            {
                char tmp[128];
                snprintf(tmp, sizeof tmp, "%.*s", (int)vlen, v);
                return perr(p, col + (long)i, "bad rule id '%s': use letters, digits, '_', '-' and '.'", tmp);
            }
        if (vlen == 0)
            return perr(p, col, "rule needs an id");
        rule *ru = calloc(1, sizeof *ru);
        if (!ru)
            return PM_ERR_NOMEM;
        size_t plen = strlen(p->pack);
        ru->id = malloc(plen + vlen + 2);
        if (!ru->id) {
            free(ru);
            return PM_ERR_NOMEM;
        }
        if (memchr(v, '.', vlen))
            snprintf(ru->id, plen + vlen + 2, "%.*s", (int)vlen, v);
        else
            snprintf(ru->id, plen + vlen + 2, "%s.%.*s", p->pack, (int)vlen, v);
        ru->pack = strdup(p->pack);
        ru->pack_index = p->pack_index;
        ru->kind = KEY("rule") ? RULE_TARGET : RULE_EXCLUDE;
        ru->category = strdup("");
        ru->role = strdup("target");
        ru->reach = 20;
        ru->file = p->r->files[p->r->nfiles - 1];
        ru->line = p->line;
        p->cur = ru;
        return 0;
    }
    if (KEY("define")) {
        int rc = end_block(p);
        if (rc)
            return rc;
        size_t i = 0;
        while (i < vlen && is_name_char(v[i]))
            i++;
        if (i == 0 || !is_name_start(v[0]) || i >= vlen || v[i] != ' ')
            return perr(p, col, "'define' needs an upper-case NAME and a pattern");
        xbuf b = {0};
        size_t j = i;
        while (j < vlen && v[j] == ' ')
            j++;
        rc = expand(p, &b, v + j, vlen - j, p->line, col + (long)j);
        free(b.col);
        free(b.line);
        if (rc) {
            free(b.s);
            return rc;
        }
        /* check it compiles on its own, so errors point at the define; the rule
         * groups are declared first, so a define may refer to them (\k<unit>) */
        static const char groups[] = "(?:(?<value>)(?<value_max>)(?<unit>)(?<subject>)(?<action>)(?<qual>)(?<qual_after>))?";
        const size_t glen = sizeof groups - 1;
        char *probe = malloc(glen + b.n + 1);
        if (!probe) {
            free(b.s);
            return PM_ERR_NOMEM;
        }
        memcpy(probe, groups, glen);
        memcpy(probe + glen, b.s ? b.s : "", b.n);
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)probe, glen + b.n, PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
        free(probe);
        if (!c) {
            char msg[256];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
            free(b.s);
            return perr(p, col + (long)j + (long)(eo >= glen ? eo - glen : 0), "%s", msg);
        }
        pcre2_code_free(c);
        if (pm_grow((void **)&p->r->defs, &p->r->capdefs, p->r->ndefs + 1, sizeof(define))) {
            free(b.s);
            return PM_ERR_NOMEM;
        }
        p->r->defs[p->r->ndefs].name = strndup(v, i);
        p->r->defs[p->r->ndefs].pattern = b.s ? b.s : strdup("");
        p->r->ndefs++;
        return 0;
    }
    if (KEY("unit")) {
        /* unit WRITTEN = CANON [*SCALE] [rate] */
        int rc = end_block(p);
        if (rc)
            return rc;
        const char *eq = NULL;
        for (size_t i = 0; i + 3 <= vlen; i++)
            if (memcmp(v + i, " = ", 3) == 0) {
                eq = v + i;
                break;
            }
        if (!eq || eq == v)
            return perr(p, col, "'unit' needs 'WRITTEN = CANONICAL [*SCALE] [rate]'");
        const char *q = eq + 3, *end = v + vlen;
        const char *cs = q;
        while (q < end && *q != ' ')
            q++;
        if (q == cs)
            return perr(p, col + (long)(cs - v), "'unit' needs a canonical unit after '='");
        unit_entry u = {strndup(v, (size_t)(eq - v)), 0, strndup(cs, (size_t)(q - cs)), 1.0, 1};
        if (!u.written || !u.canon) {
            free(u.written);
            free(u.canon);
            return PM_ERR_NOMEM;
        }
        u.wlen = strlen(u.written); /* not eq - v: strndup stops at a NUL byte of the file */
        while (q < end) {
            while (q < end && *q == ' ')
                q++;
            const char *ws = q;
            while (q < end && *q != ' ')
                q++;
            if (q == ws)
                break;
            if (*ws == '*') {
                char tmp[64], *e;
                snprintf(tmp, sizeof tmp, "%.*s", (int)(q - ws - 1), ws + 1);
                u.scale = strtod(tmp, &e);
                if (*e || u.scale <= 0) {
                    free(u.written);
                    free(u.canon);
                    return perr(p, col + (long)(ws - v), "bad scale '%s'", tmp);
                }
            } else if (q - ws == 4 && memcmp(ws, "rate", 4) == 0) {
                u.additive = 0;
            } else {
                char tmp[64];
                snprintf(tmp, sizeof tmp, "%.*s", (int)(q - ws), ws);
                free(u.written);
                free(u.canon);
                return perr(p, col + (long)(ws - v), "unknown unit flag '%s' (use *SCALE or rate)", tmp);
            }
        }
        if (pm_grow((void **)&p->r->units, &p->r->capunits, p->r->nunits + 1, sizeof(unit_entry))) {
            free(u.written);
            free(u.canon);
            return PM_ERR_NOMEM;
        }
        p->r->units[p->r->nunits++] = u;
        return 0;
    }
    if (KEY("carry")) {
        /* carry PATTERN: what may stand between a row and the one before it that lends
         * it its subject; compiled as (?:PATTERN)\z, anchored */
        int rc = end_block(p);
        if (rc)
            return rc;
        if (vlen == 0)
            return perr(p, col, "'carry' needs a pattern");
        pcre2_code *c = NULL;
        rc = compile_top(p, v, vlen, col, ")\\z", PCRE2_ANCHORED, &c, NULL);
        if (rc == 0 && pm_grow((void **)&p->r->carry, &p->r->capcarry, p->r->ncarry + 1, sizeof(pcre2_code *))) {
            pcre2_code_free(c);
            rc = PM_ERR_NOMEM;
        }
        if (rc == 0)
            p->r->carry[p->r->ncarry++] = c;
        return rc;
    }
    if (KEY("table")) {
        int rc = end_block(p);
        return rc ? rc : add_table(p, v, vlen, col);
    }
    if (KEY("section") || KEY("cue") || KEY("period") || KEY("nonadditive") || KEY("distribute")) {
        int rc = end_block(p);
        return rc ? rc : add_sense(p, key, klen, v, vlen, col);
    }
    if (KEY("qualifier")) {
        int rc = end_block(p);
        if (rc)
            return rc;
        const char *sp = memchr(v, ' ', vlen);
        if (!sp)
            return perr(p, col, "'qualifier' needs 'WORD SYMBOL'");
        const char *sym = sp;
        while (sym < v + vlen && *sym == ' ')
            sym++;
        size_t sl = (size_t)(v + vlen - sym);
        if (!((sl == 1 && (*sym == '=' || *sym == '~')) || (sl == 2 && (!memcmp(sym, ">=", 2) || !memcmp(sym, "<=", 2)))))
            return perr(p, col + (long)(sym - v), "qualifier symbol must be one of = >= <= ~");
        if (pm_grow((void **)&p->r->quals, &p->r->capquals, p->r->nquals + 1, sizeof(qual_entry)))
            return PM_ERR_NOMEM;
        qual_entry qe = {strndup(v, (size_t)(sp - v)), 0, strndup(sym, sl)};
        if (!qe.word || !qe.symbol) {
            free(qe.word);
            free(qe.symbol);
            return PM_ERR_NOMEM;
        }
        qe.wlen = strlen(qe.word); /* not sp - v: strndup stops at a NUL byte of the file */
        p->r->quals[p->r->nquals++] = qe;
        return 0;
    }
    /* keys inside a rule block */
    char kbuf[32];
    snprintf(kbuf, sizeof kbuf, "%.*s", (int)klen, key);
    long kcol = p->linep ? (long)(key - p->linep) + 1 : 1;
    if (!p->cur) {
        if (KEY("category") || KEY("role") || KEY("priority") || KEY("pattern") || KEY("before") || KEY("reach") ||
            KEY("example") || KEY("not"))
            return perr(p, kcol, "'%s' outside a rule: start one with 'rule ID'", kbuf);
        return perr(p, kcol, "unknown key '%s'", kbuf);
    }
    rule *ru = p->cur;
    if (KEY("category")) {
        free(ru->category);
        ru->category = strndup(v, vlen);
        return 0;
    }
    if (KEY("role")) {
        if (!((vlen == 6 && !memcmp(v, "target", 6)) || (vlen == 6 && !memcmp(v, "actual", 6)) ||
              (vlen == 8 && !memcmp(v, "baseline", 8))))
            return perr(p, col, "role must be 'target', 'actual' or 'baseline'");
        free(ru->role);
        ru->role = strndup(v, vlen);
        return 0;
    }
    if (KEY("priority")) {
        char tmp[32], *e;
        snprintf(tmp, sizeof tmp, "%.*s", (int)vlen, v);
        long pr = strtol(tmp, &e, 10);
        if (!*tmp || *e || pr < -1000 || pr > 1000)
            return perr(p, col, "priority must be a whole number from -1000 to 1000");
        ru->priority = (int)pr;
        return 0;
    }
    if (KEY("reach")) {
        char tmp[32], *e;
        snprintf(tmp, sizeof tmp, "%.*s", (int)vlen, v);
        long n = strtol(tmp, &e, 10);
        if (!*tmp || *e || n < 1 || n > 200)
            return perr(p, col, "reach must be a number of characters from 1 to 200");
        ru->reach = (int)n;
        return 0;
    }
    if (KEY("pattern") || KEY("before")) {
        if (vlen == 0)
            return perr(p, col, "empty pattern");
        size_t need = p->patlen + vlen;
        char *np = realloc(p->pat, need + 1);
        if (!np)
            return PM_ERR_NOMEM;
        p->pat = np;
        memcpy(p->pat + p->patlen, v, vlen);
        if (pm_grow((void **)&p->pieces, &p->cappieces, p->npieces + 1, sizeof(struct piece)))
            return PM_ERR_NOMEM;
        p->pieces[p->npieces++] = (struct piece){p->line, col, p->patlen, vlen, p->linep, p->linelen, KEY("before")};
        p->patlen = need;
        return 0;
    }
    if (KEY("example"))
        return add_example(p, v, vlen, col, 0);
    if (KEY("not"))
        return add_example(p, v, vlen, col, 1);
    return perr(p, kcol, "unknown key '%s'", kbuf);
#undef KEY
}

static int parse_text(rules *r, const char *name, const char *src, size_t len, pm_error *err)
{
    char **nf = realloc(r->files, (r->nfiles + 1) * sizeof(char *));
    if (!nf)
        return PM_ERR_NOMEM;
    r->files = nf;
    r->files[r->nfiles++] = strdup(name);
    parser p = {.r = r, .file = r->files[r->nfiles - 1], .err = err, .depth = r->depth};
    int rc = 0;
    const char *s = src, *end = src + len;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (s < end && rc == 0) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        p.line++;
        p.linep = s;
        p.linelen = (size_t)(le - s);
        const char *e = le;
        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        const char *k = s;
        while (k < e && (*k == ' ' || *k == '\t'))
            k++;
        if (k < e && *k != '#') {
            const char *ke = k;
            while (ke < e && *ke != ' ' && *ke != '\t')
                ke++;
            const char *v = ke;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            rc = handle(&p, k, (size_t)(ke - k), v, (size_t)(e - v), (long)(v - s) + 1);
        }
        s = nl ? nl + 1 : end;
    }
    if (rc == 0)
        rc = end_block(&p);
    else if (p.cur)
        rule_free(p.cur);
    if (rc == 0)
        unit_index(r);
    free(p.pack);
    free(p.pat);
    free(p.pieces);
    return rc;
}

int rules_load_string(rules *r, const char *name, const char *src, size_t len, pm_error *err)
{
    int rc = parse_text(r, name, src, len, err);
    build_combined(r);
    return rc;
}

static int load_file(rules *r, const char *path, pm_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rule file: %s", strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (pm_grow((void **)&buf, &cap, n + 65536, 1)) {
            fclose(fp);
            free(buf);
            return PM_ERR_NOMEM;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    int rc = bad ? pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rule file") : parse_text(r, path, buf, n, err);
    free(buf);
    return rc;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int load_path(rules *r, const char *path, pm_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rules: %s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return load_file(r, path, err);
    DIR *d = opendir(path);
    if (!d)
        return pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rule directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 6 && strcmp(de->d_name + l - 6, ".rules") == 0 && de->d_name[0] != '.') {
            if (pm_grow((void **)&names, &cap, n + 1, sizeof(char *))) {
                rc = PM_ERR_NOMEM;
                break;
            }
            size_t pl = strlen(path);
            names[n] = malloc(pl + l + 2);
            if (!names[n]) {
                rc = PM_ERR_NOMEM;
                break;
            }
            snprintf(names[n], pl + l + 2, "%s%s%s", path, (pl && path[pl - 1] == '/') ? "" : "/", de->d_name);
            n++;
        }
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(char *), cmpstr);
    /* base.rules (what the other packs build on) comes first */
    for (size_t i = 0; i < n; i++) {
        const char *b = strrchr(names[i], '/');
        if (strcmp(b ? b + 1 : names[i], "base.rules") == 0) {
            char *t = names[i];
            memmove(names + 1, names, i * sizeof(char *));
            names[0] = t;
            break;
        }
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_file(r, names[i], err);
    if (rc == 0 && n == 0)
        rc = pm_error_set(err, PM_ERR_IO, path, 0, 0, "no '.rules' files in directory");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int rules_load(rules *r, const char *path, pm_error *err)
{
    int rc = load_path(r, path, err);
    build_combined(r);
    return rc;
}

int rules_table(const rules *r, int kind, const char *s, size_t n, int *role, pcre2_match_data *md,
                pcre2_match_context *mctx)
{
    for (size_t i = 0; i < r->ntables; i++) {
        const table_entry *te = &r->tables[i];
        if (te->kind != kind || pcre2_match(te->code, (PCRE2_SPTR)s, n, 0, 0, md, mctx) < 0)
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
