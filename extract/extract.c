/* extract.c: runs a rule set over one document - decode, find headings and title,
 * match every rule line by line, drop excluded numbers, resolve overlaps, emit rows. */
#include "extract/extract.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract/docinfo.h"
#include "extract/grow.h"
#include "extract/numparse.h"
#include "extract/rxscan.h"
#include "extract/text.h"

const char *const extract_columns[COL_COUNT] = {
    "file", "city", "year", "section", "category", "rule", "subject", "action", "role",
    "value", "value_max", "qualifier", "unit", "text", "line", "context"};

#define MATCH_LIMIT 200000   /* backtracking steps of one match attempt */
#define DEPTH_LIMIT 10000
#define HEAP_LIMIT_KB 20000
#define CONTEXT_MAX 600  /* bytes of context kept on each side of a match */

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

/* Code point -> the run of entries with that code point in a table sorted by it
 * (open addressing, built once): one probe where a binary search took eight. */
typedef struct cpslot {
    uint32_t cp, start, n; /* n 0: an empty slot */
} cpslot;
typedef struct cpindex {
    cpslot *slot;
    uint32_t mask;
} cpindex;

struct extractor {
    const rules *r;
    const rule **rule;  /* rules_at(r, i) for every i, read without a call */
    size_t nrules;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    text *t;
    docinfo *doc;       /* title and headings */
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
    /* per rule: the characters its pattern must end with (sorted), when they are
     * few and it cannot be empty; n 0 = no such check */
    struct blast *plast;
    struct pchar {
        uint32_t cp;
        size_t rule;
    } *pchars;              /* every such character with its rule, by character */
    size_t npchars;
    uint64_t pfirst[1024];  /* code points < 65536 among pchars */
    cpindex pix;            /* code point -> its run of pchars */
    size_t *lastpos;        /* per rule, for the current line: where the last of its
                             * characters starts, (size_t)-1 for none */
    /* Prefilter: a target rule whose units are all literals is tried at a number only
     * when one of its units occurs within UNIT_REACH characters after it. */
    struct unitlit {
        unsigned cp;        /* first code point */
        const char *s;
        size_t n;
        size_t rule;
    } *lits;
    size_t nlits;
    uint64_t first[1024];   /* code points < 65536 that start some literal */
    cpindex litix;          /* code point -> its run of lits */
    size_t words;           /* 64-bit words per rule bitset */
    uint64_t *amask;        /* per anchor of the line: the rules worth trying */
    uint64_t *linemask;     /* their union over the line */
    unsigned char *filtered; /* per rule: a target with unit literals (tried only where amask says) */
    size_t capamask;
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
    size_t *anc;       /* where numbers start in the line */
    size_t nanc, capanc;
    uint32_t *prevcp;  /* per number: the character before it */
    size_t capprev;
    uint32_t *bstop;   /* per rule: the STOP_CPS its `before` can never contain */
    /* per rule: the characters its `before` part must end with (sorted), when
     * they are few and it cannot be empty; nblast 0 = no such check */
    struct blast {
        uint32_t cp[RXSCAN_LAST_MAX];
        size_t n;
    } *blast;
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
    uint64_t dfirst[1024];    /* code points < 65536 that start some word */
    cpindex dix;              /* code point -> its run of dwords */
};

static size_t numeral_at(const unsigned char *s, size_t avail);

#define UNIT_REACH 16 /* characters after a number where its unit may start */

/* Separators a `before` part often cannot contain: when it cannot, its search
 * window starts after the last one (the leftmost match is the same, found sooner). */
static const uint32_t STOP_CPS[] = {'\t', ' ', 0x3000, 0xFF0C, ',', 0x3002, 0xFF1B, ';', 0xFF1A, ':', 0xFF01, '!',
                                    0xFF1F, '?', 0x3001, 0xFF08, '(', 0xFF09, ')', 0x201C, 0x201D, '"', 0x300A,
                                    0x300B, 0x3010, 0x3011};
#define NSTOP (sizeof STOP_CPS / sizeof STOP_CPS[0])

/* Index of cp in STOP_CPS, or -1. Called for every character a `before` window
 * walks over, so a switch rather than a search. */
static int stop_index(uint32_t cp)
{
    switch (cp) {
    case '\t': return 0;
    case ' ': return 1;
    case 0x3000: return 2;
    case 0xFF0C: return 3;
    case ',': return 4;
    case 0x3002: return 5;
    case 0xFF1B: return 6;
    case ';': return 7;
    case 0xFF1A: return 8;
    case ':': return 9;
    case 0xFF01: return 10;
    case '!': return 11;
    case 0xFF1F: return 12;
    case '?': return 13;
    case 0x3001: return 14;
    case 0xFF08: return 15;
    case '(': return 16;
    case 0xFF09: return 17;
    case ')': return 18;
    case 0x201C: return 19;
    case 0x201D: return 20;
    case '"': return 21;
    case 0x300A: return 22;
    case 0x300B: return 23;
    case 0x3010: return 24;
    case 0x3011: return 25;
    default: return -1;
    }
}

/* Which STOP_CPS the before part of ru can never contain (0 when it has none, or
 * when its matches depend on where the search starts). */
static uint32_t before_stops(const rule *ru)
{
    unsigned char may[NSTOP];
    if (!ru->before || rxscan_start_sensitive(ru->before, strlen(ru->before)) ||
        rxscan_consumable(ru->before, strlen(ru->before), STOP_CPS, NSTOP, may))
        return 0;
    uint32_t m = 0;
    for (size_t i = 0; i < NSTOP; i++)
        if (!may[i] && stop_index(STOP_CPS[i]) == (int)i)
            m |= (uint32_t)1 << i;
    return m;
}

static uint32_t cp_hash(uint32_t cp, uint32_t mask) { return (cp * 2654435761u) >> 12 & mask; }

/* Index count entries of `size` bytes sorted by the uint32 at cp_off. Returns 0 or -1. */
static int cpindex_build(cpindex *ix, const void *base, size_t count, size_t size, size_t cp_off)
{
    size_t slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    ix->slot = calloc(slots, sizeof *ix->slot);
    if (!ix->slot)
        return -1;
    ix->mask = (uint32_t)(slots - 1);
    const unsigned char *b = base;
    for (size_t i = 0; i < count;) {
        uint32_t cp;
        memcpy(&cp, b + i * size + cp_off, sizeof cp);
        size_t j = i + 1;
        while (j < count && memcmp(b + j * size + cp_off, &cp, sizeof cp) == 0)
            j++;
        uint32_t h = cp_hash(cp, ix->mask);
        while (ix->slot[h].n)
            h = (h + 1) & ix->mask;
        ix->slot[h] = (cpslot){cp, (uint32_t)i, (uint32_t)(j - i)};
        i = j;
    }
    return 0;
}

/* The run of entries with code point cp, or NULL. */
static const cpslot *cpindex_find(const cpindex *ix, uint32_t cp)
{
    if (!ix->slot)
        return NULL;
    for (uint32_t h = cp_hash(cp, ix->mask);; h = (h + 1) & ix->mask) {
        if (!ix->slot[h].n)
            return NULL;
        if (ix->slot[h].cp == cp)
            return &ix->slot[h];
    }
}

static unsigned decode(const unsigned char *s, size_t avail, size_t *len)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > avail)
        n = avail;
    *len = n;
    if (n == 1)
        return c;
    unsigned cp = c & (0x3F >> (n - 1));
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    return cp;
}

static int lit_cmp(const void *pa, const void *pb)
{
    const struct unitlit *a = pa, *b = pb;
    return a->cp < b->cp ? -1 : a->cp > b->cp;
}

/* Index every unit literal of every target rule by its first character. */
static int build_lits(extractor *x)
{
    size_t n = 0;
    for (size_t i = 0; i < rules_count(x->r); i++)
        n += rules_at(x->r, i)->nunit_lits;
    x->words = (rules_count(x->r) + 63) / 64;
    x->linemask = calloc(x->words + 1, sizeof(uint64_t));
    x->filtered = calloc(rules_count(x->r) + 1, 1);
    if (!x->linemask || !x->filtered)
        return -1;
    for (size_t i = 0; i < rules_count(x->r); i++)
        x->filtered[i] = rules_at(x->r, i)->kind == RULE_TARGET && rules_at(x->r, i)->unit_lits;
    x->lits = calloc(n + 1, sizeof *x->lits);
    if (!x->lits)
        return -1;
    for (size_t i = 0; i < rules_count(x->r); i++) {
        const rule *ru = rules_at(x->r, i);
        for (size_t k = 0; k < ru->nunit_lits; k++) {
            size_t l;
            struct unitlit *u = &x->lits[x->nlits++];
            u->s = ru->unit_lits[k];
            u->n = strlen(u->s);
            u->cp = decode((const unsigned char *)u->s, u->n, &l);
            u->rule = i;
            if (u->cp < 65536)
                x->first[u->cp / 64] |= (uint64_t)1 << (u->cp % 64);
        }
    }
    if (x->nlits > 1)
        qsort(x->lits, x->nlits, sizeof *x->lits, lit_cmp);
    return cpindex_build(&x->litix, x->lits, x->nlits, sizeof *x->lits, offsetof(struct unitlit, cp));
}

/* For every number of the line, the rules one of whose units follows it. */
static int dispatch(extractor *x, const char *ln, size_t len)
{
    if (pm_grow((void **)&x->amask, &x->capamask, x->nanc * x->words + 1, sizeof(uint64_t)))
        return PM_ERR_NOMEM;
    memset(x->amask, 0, x->nanc * x->words * sizeof(uint64_t));
    memset(x->linemask, 0, x->words * sizeof(uint64_t));
    const unsigned char *s = (const unsigned char *)ln;
    for (size_t k = 0; k < x->nanc; k++) {
        uint64_t *m = x->amask + k * x->words;
        size_t p = x->anc[k], chars = 0;
        int in_number = 1;
        while (p < len && chars <= UNIT_REACH) {
            size_t cl;
            unsigned cp = decode(s + p, len - p, &cl);
            const cpslot *run = cp < 65536 && !(x->first[cp / 64] >> (cp % 64) & 1) ? NULL : cpindex_find(&x->litix, cp);
            for (size_t i = run ? run->start : 0, e = run ? run->start + run->n : 0; i < e; i++)
                if (x->lits[i].n <= len - p && memcmp(ln + p, x->lits[i].s, x->lits[i].n) == 0)
                    m[x->lits[i].rule / 64] |= (uint64_t)1 << (x->lits[i].rule % 64);
            if (in_number && (numeral_at(s + p, len - p) || *(s + p) == '.' || *(s + p) == ','))
                ; /* the number itself does not count against the reach */
            else {
                in_number = 0;
                chars++;
            }
            p += cl;
        }
        for (size_t w = 0; w < x->words; w++)
            x->linemask[w] |= m[w];
    }
    return 0;
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
    for (size_t i = 0; i < rules_pack_count(x->r) && i < 64; i++) {
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
            *d = (struct dword){decode((const unsigned char *)q, n, &cl), (int)i, order++, q, n};
            if (d->cp < 65536)
                x->dfirst[d->cp / 64] |= (uint64_t)1 << (d->cp % 64);
            q += n + (q[n] == '|');
        }
        x->dlit |= (uint64_t)1 << i;
    }
    if (x->ndwords > 1)
        qsort(x->dwords, x->ndwords, sizeof *x->dwords, dword_cmp);
    return cpindex_build(&x->dix, x->dwords, x->ndwords, sizeof *x->dwords, offsetof(struct dword, cp));
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* The characters a match of src must end with, when it cannot be empty and they
 * are few (else b->n = 0: no check). */
static void part_last(const char *src, struct blast *b)
{
    int nullable;
    b->n = 0;
    if (!src || rxscan_last(src, strlen(src), b->cp, &b->n, &nullable) || nullable)
        b->n = 0;
    else if (b->n > 1)
        qsort(b->cp, b->n, sizeof b->cp[0], u32_cmp);
}

static int pchar_cmp(const void *pa, const void *pb)
{
    const struct pchar *a = pa, *b = pb;
    return (a->cp > b->cp) - (a->cp < b->cp);
}

/* Index the last characters of every pattern that has few (see scan_line). */
static int build_plast(extractor *x)
{
    size_t n = rules_count(x->r), total = 0;
    x->plast = calloc(n + 1, sizeof *x->plast);
    x->lastpos = calloc(n + 1, sizeof(size_t));
    if (!x->plast || !x->lastpos)
        return -1;
    for (size_t i = 0; i < n; i++) { /* a twin is never matched itself */
        if (x->twin[i] == i)
            part_last(rules_at(x->r, i)->pattern, &x->plast[i]);
        total += x->plast[i].n;
    }
    x->pchars = calloc(total + 1, sizeof *x->pchars);
    if (!x->pchars)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < x->plast[i].n; k++) {
            uint32_t cp = x->plast[i].cp[k];
            x->pchars[x->npchars++] = (struct pchar){cp, i};
            if (cp < 65536)
                x->pfirst[cp / 64] |= (uint64_t)1 << (cp % 64);
        }
    if (x->npchars > 1)
        qsort(x->pchars, x->npchars, sizeof *x->pchars, pchar_cmp);
    return cpindex_build(&x->pix, x->pchars, x->npchars, sizeof *x->pchars, offsetof(struct pchar, cp));
}

/* Can rule idx's `before` part end right before the k-th number of the line? */
static int before_may_end(const extractor *x, size_t idx, size_t k)
{
    const struct blast *b = &x->blast[idx];
    if (!b->n)
        return 1;
    if (x->anc[k] == 0)
        return 0;
    uint32_t cp = x->prevcp[k];
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->cp[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->n && b->cp[lo] == cp;
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
    for (int k = 0; k < 2; k++) {
        x->scan[k] = calloc(rules_count(r) + 1, sizeof(size_t));
        x->copy[k] = calloc(rules_count(r) + 1, sizeof(size_t));
    }
    x->twin = calloc(rules_count(r) + 1, sizeof(size_t));
    x->bstop = calloc(rules_count(r) + 1, sizeof(uint32_t));
    for (size_t i = 0; x->bstop && i < rules_count(r); i++)
        x->bstop[i] = before_stops(rules_at(r, i));
    x->blast = calloc(rules_count(r) + 1, sizeof *x->blast);
    for (size_t i = 0; x->blast && x->twin && i < rules_count(r); i++)
        part_last(rules_at(r, i)->before, &x->blast[i]);
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
    if (!x->rule || !x->md || !x->mctx || !x->t || !x->doc || !x->twin || !x->bstop || !x->blast || !x->scan[0] || !x->scan[1] || !x->copy[0] || !x->copy[1] ||
        build_lits(x) || build_dwords(x) || build_plast(x)) {
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
    free(x->c);
    free(x->ex);
    free(x->exmax);
    free(x->marks);
    free(x->lits);
    free(x->litix.slot);
    free(x->pix.slot);
    free(x->dix.slot);
    free(x->amask);
    free(x->linemask);
    free(x->filtered);
    free(x->twin);
    free(x->rule);
    free(x->bstop);
    free(x->blast);
    free(x->dwords);
    free(x->plast);
    free(x->pchars);
    free(x->lastpos);
    for (int k = 0; k < 2; k++) {
        free(x->scan[k]);
        free(x->copy[k]);
    }
    free(x->anc);
    free(x->prevcp);
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

/* The first set group among gs (0-terminated group numbers). */
static int first_set(const short *gs, const PCRE2_SIZE *ov, size_t *s, size_t *e)
{
    for (; *gs; gs++)
        if (ov[2 * *gs] != PCRE2_UNSET) {
            *s = ov[2 * *gs];
            *e = ov[2 * *gs + 1];
            return 1;
        }
    return 0;
}

/* Is there a numeral character (0-9, 〇零一二两三四五六七八九十百千万亿廿卅) at s?
 * Returns its length in bytes, or 0. */
static size_t numeral_at(const unsigned char *s, size_t avail)
{
    if (*s >= '0' && *s <= '9')
        return 1;
    if (avail < 3 || (*s != 0xE3 && *s != 0xE4 && *s != 0xE5 && *s != 0xE7 && *s != 0xE9))
        return 0;
    switch ((unsigned)s[0] << 16 | (unsigned)s[1] << 8 | s[2]) {
    case 0xE38087: case 0xE4B880: case 0xE4B883: case 0xE4B887: case 0xE4B889: case 0xE4B8A4:
    case 0xE4B99D: case 0xE4BA8C: case 0xE4BA94: case 0xE4BABF: case 0xE585AB: case 0xE585AD:
    case 0xE58D81: case 0xE58D83: case 0xE58D85: case 0xE59B9B: case 0xE5BBBF: case 0xE799BE:
    case 0xE99BB6:
        return 3;
    default:
        return 0;
    }
}

/* Is the 3-byte character cp a Chinese numeral (the non-ASCII ones of numeral_at)? */
static int numeral_cp(uint32_t cp)
{
    switch (cp) {
    case 0x3007: case 0x4E00: case 0x4E03: case 0x4E07: case 0x4E09: case 0x4E24: case 0x4E5D:
    case 0x4E8C: case 0x4E94: case 0x4EBF: case 0x516B: case 0x516D: case 0x5341: case 0x5343:
    case 0x5345: case 0x56DB: case 0x5EFF: case 0x767E: case 0x96F6:
        return 1;
    default:
        return 0;
    }
}

/* Character cp stands at offset i of the line: the rules that end with it may end there. */
static void last_char_at(extractor *x, uint32_t cp, size_t i)
{
    const cpslot *run = cpindex_find(&x->pix, cp);
    for (size_t k = run ? run->start : 0, e = run ? run->start + run->n : 0; k < e; k++)
        x->lastpos[x->pchars[k].rule] = i;
}

/* One pass over the line: the offsets where a number starts (x->anc) with the
 * character before each (x->prevcp), and for every rule with few last characters
 * where the last of them starts at or after the first number (x->lastpos).
 * A number starts at a numeral not preceded by a numeral, nor by '.' or ','
 * inside an Arabic number (4.5, 1,500), nor by the space of a number grouped
 * with spaces as in Hong Kong (77 100: a space between digits followed by
 * exactly three digits). */
static int scan_line(extractor *x, const char *ln, size_t len)
{
    const unsigned char *s = (const unsigned char *)ln;
    x->nanc = 0;
    memset(x->lastpos, 0xFF, x->nrules * sizeof *x->lastpos); /* (size_t)-1: none */
    int prev_num = 0, prev_sep = 0;  /* previous char was a numeral / a separator inside a number */
    uint32_t prev = 0;               /* the previous character (0 at the start) */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t cl;
        uint32_t cp;
        if (c < 0x80) {
            cp = c;
            cl = 1;
        } else if (c >= 0xE0 && c < 0xF0 && i + 2 < len) {
            cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            cl = 3;
        } else {
            cp = decode(s + i, len - i, &cl);
        }
        /* last characters: only from the first number on */
        if (x->nanc && x->npchars && (cp >= 65536 || (x->pfirst[cp / 64] >> (cp % 64) & 1)))
            last_char_at(x, cp, i);
        if (c < 0x80 && (c < '0' || c > '9')) {
            int after_digit = i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9';
            prev_sep = after_digit && (c == '.' || c == ',');
            if (after_digit && c == ' ') { /* 77 100: three digits, then no digit */
                size_t k = i + 1;
                while (k < len && k - i <= 4 && s[k] >= '0' && s[k] <= '9')
                    k++;
                prev_sep = k - i == 4 && (k == len || s[k] < '0' || s[k] > '9');
            }
            prev_num = 0;
        } else if (cl == 3 ? numeral_cp(cp) : numeral_at(s + i, len - i) != 0) {
            if (!prev_num && !prev_sep) {
                if (pm_grow((void **)&x->anc, &x->capanc, x->nanc + 1, sizeof(size_t)) ||
                    pm_grow((void **)&x->prevcp, &x->capprev, x->nanc + 1, sizeof(uint32_t)))
                    return PM_ERR_NOMEM;
                /* this number's own last characters count too */
                if (x->nanc == 0 && x->npchars && (cp >= 65536 || (x->pfirst[cp / 64] >> (cp % 64) & 1)))
                    last_char_at(x, cp, i);
                x->prevcp[x->nanc] = prev;
                x->anc[x->nanc++] = i;
            }
            prev_num = 1;
            prev_sep = 0;
        } else {
            prev_num = prev_sep = 0;
        }
        prev = cp;
        i += cl;
    }
    return 0;
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
        first_set(ru->groups[0][i], ov, &c->g[i][0], &c->g[i][1]);
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

static void limit_warning(extractor *x, const rule *ru, int rc, extract_warn_fn warn, void *wctx, const char *file,
                          long lineno)
{
    /* once per rule and document: a pathological rule must not flood stderr */
    size_t idx = 0;
    while (idx < rules_count(x->r) && rules_at(x->r, idx) != ru)
        idx++;
    if (!warn || idx >= 8 * sizeof x->warned || (x->warned[idx / 64] >> (idx % 64) & 1))
        return;
    x->warned[idx / 64] |= (uint64_t)1 << (idx % 64);
    char msg[300];
    PCRE2_UCHAR em[120];
    pcre2_get_error_message(rc, em, sizeof em);
    snprintf(msg, sizeof msg, "rule '%s' (%s:%ld) skipped here: %s", ru->id, ru->file, ru->line, (char *)em);
    warn(wctx, file, lineno, msg);
}


/* Match a rule's `before` part so that it ends at `a`; 1 when it does.
 * For a candidate c, its groups fill what the pattern left unset. */
static int match_before(extractor *x, const rule *ru, size_t idx, size_t a, cand *c)
{
    const char *ln = x->line;
    size_t w = a;
    uint32_t stops = x->bstop[idx];
    for (int chars = 0; w > 0 && chars < ru->reach; chars++) { /* back `reach` characters */
        size_t p = w;
        while (p > 0 && (((unsigned char)ln[--p]) & 0xC0) == 0x80)
            ;
        unsigned char lead = (unsigned char)ln[p];
        if (stops && (lead < 0x80 || lead == 0xE2 || lead == 0xE3 || lead == 0xEF)) {
            /* a character the part cannot contain ends the window (all of STOP_CPS are
             * ASCII or start with one of these bytes) */
            size_t cl;
            int k = stop_index(decode((const unsigned char *)ln + p, w - p, &cl));
            if (k >= 0 && (stops >> k & 1))
                break;
        }
        w = p;
    }
    int rc = match(x, ru->before_code, ln, a, w);
    if (rc < 0) {
        if (rc != PCRE2_ERROR_NOMATCH)
            limit_warning(x, ru, rc, x->warn, x->wctx, x->file, x->lineno);
        return 0;
    }
    const PCRE2_SIZE *bov = pcre2_get_ovector_pointer(x->md);
    for (int i = 0; c && i < G_N; i++)
        if (c->g[i][0] == (size_t)-1)
            first_set(ru->groups[1][i], bov, &c->g[i][0], &c->g[i][1]);
    return 1;
}

/* Try one rule at the k-th number of the current line: a target adds a candidate
 * (its `before` is checked later, only if it wins); an exclusion adds a span. */
static int try_at(extractor *x, const rule *ru, size_t idx, size_t len, size_t k)
{
    PCRE2_SIZE ov[2 * 64];
    size_t a = x->anc[k];
    if ((x->plast[idx].n && (x->lastpos[idx] == (size_t)-1 || x->lastpos[idx] < a)) || !before_may_end(x, idx, k))
        return 0; /* the pattern cannot end in the rest of the line, or `before` right here */
    int rc = match(x, ru->code, x->line, len, a);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        limit_warning(x, ru, rc, x->warn, x->wctx, x->file, x->lineno);
        return 0;
    }
    /* only the pairs this pattern has: rc is one more than the highest group set */
    uint32_t npairs = (uint32_t)rc < 64 ? (uint32_t)rc : 64;
    memcpy(ov, pcre2_get_ovector_pointer(x->md), 2 * npairs * sizeof(PCRE2_SIZE));
    for (uint32_t k2 = npairs; k2 < 64 && k2 <= ru->ncaptures; k2++)
        ov[2 * k2] = ov[2 * k2 + 1] = PCRE2_UNSET;
    if (ru->kind == RULE_TARGET)
        return add_cand(x, ru, idx, ov, a) ? PM_ERR_NOMEM : 0;
    size_t from = a;
    if (ru->before_code) {
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
    int filtered = x->filtered[idx];
    /* an exclusion that starts at its number covers nothing before it: past the
     * end of the last candidate's value it cannot drop one (explain shows all) */
    size_t stop = ru->kind == RULE_EXCLUDE && !ru->before_code && !x->tracing ? x->value_end : (size_t)-1;
    for (size_t k = 0; k < x->nanc && x->anc[k] < stop; k++) {
        if (filtered && !(x->amask[k * x->words + idx / 64] >> (idx % 64) & 1))
            continue;
        if (try_at(x, ru, idx, len, k))
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
    if (scan_line(x, ln, len) || dispatch(x, ln, len))
        return PM_ERR_NOMEM;
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
            /* cheap reasons to leave the rule (and its cache lines) alone on this line */
            if ((x->filtered[i] && !(x->linemask[i / 64] >> (i % 64) & 1)) ||
                (x->plast[i].n && x->lastpos[i] == (size_t)-1))
                continue;
            if (scan_rule(x, x->rule[i], i, len))
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
            if (!clash && (!x->c[i].ru->before_code || match_before(x, x->c[i].ru, x->c[i].idx, x->c[i].anchor, &x->c[i])))
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
        b += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
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

typedef struct runctx {
    extractor *x;
    const char *file;
    const char *city, *year;
    const char *norm, *orig;
    size_t normlen, origlen;
    extract_row_fn fn;
    void *ctx;
    rowbuf rb;
} runctx;

static size_t to_orig(runctx *rc, size_t norm_off)
{
    return text_orig_offset(rc->x->t, norm_off);
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
    const char *u = ln + c->g[G_UNIT][0];
    size_t ul = c->g[G_UNIT][0] == (size_t)-1 ? 0 : c->g[G_UNIT][1] - c->g[G_UNIT][0];
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
    const char *subj = "", *act = "";
    size_t sl = 0, al = 0;
    if (c->g[G_SUBJECT][0] != (size_t)-1) {
        subj = ln + c->g[G_SUBJECT][0];
        sl = c->g[G_SUBJECT][1] - c->g[G_SUBJECT][0];
        trim(&subj, &sl);
    }
    if (c->g[G_ACTION][0] != (size_t)-1) {
        act = ln + c->g[G_ACTION][0];
        al = c->g[G_ACTION][1] - c->g[G_ACTION][0];
    }
    err |= put(b, COL_SUBJECT, subj, sl);
    err |= put(b, COL_ACTION, act, al);
    err |= puts_(b, COL_ROLE, c->ru->role);
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
    snprintf(tmp, sizeof tmp, "%ld", lineno);
    err |= puts_(b, COL_LINE, tmp);
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
        size_t n = numeral_at((const unsigned char *)s + i, len - i);
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
            m = (extract_mark){MARK_ROW, ts, te, c->ru};
        } else {
            size_t a = x->anc[i - nrows], e = a;
            while (e < len && (numeral_at((const unsigned char *)x->line + e, len - e) || x->line[e] == '.' ||
                               x->line[e] == ','))
                e += x->line[e] == '.' || x->line[e] == ',' ? 1 : numeral_at((const unsigned char *)x->line + e, len - e);
            int taken = 0;
            for (size_t k = 0; k < nrows && !taken; k++)
                taken = a >= x->c[k].start && a < x->c[k].end;
            if (taken)
                continue;
            m = (extract_mark){MARK_UNTAKEN, a, e, NULL};
            for (size_t j = 0; j < x->nex; j++)
                if (x->ex[j].s < e && a < x->ex[j].e) {
                    m = (extract_mark){MARK_EXCLUDED, x->ex[j].s, x->ex[j].e, x->ex[j].ru};
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
    for (size_t p = 0; x->ndwords && p < lim;) {
        size_t cl;
        unsigned cp = decode(u + p, lim - p, &cl);
        const cpslot *run = cp < 65536 && !(x->dfirst[cp / 64] >> (cp % 64) & 1) ? NULL : cpindex_find(&x->dix, cp);
        if (run) {
            uint64_t done = 0;
            for (size_t k = run->start; k < run->start + run->n; k++) {
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
        for (size_t off = 0; i < 64 && !(x->dlit >> i & 1) && off < lim;) {
            if (match(x, d, s, lim, off) <= 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
            score[i] += ov[0] < head ? 10 : 1;
            off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (off < lim && ((unsigned char)s[off] & 0xC0) == 0x80)
                off++;
        }
        if (i < 64 && score[i] > best) {
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
    x->active = x->auto_packs ? detect_packs(x, r.norm, r.normlen) : x->fixed;
    x->tracing = o->trace != NULL;
    plan_rules(x);
    memset(x->warned, 0, sizeof x->warned);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    size_t off = 0;
    long lineno = 0;
    rc = 0;
    while (off < r.normlen && rc == 0) {
        const char *nl = memchr(r.norm + off, '\n', r.normlen - off);
        size_t len = nl ? (size_t)(nl - (r.norm + off)) : r.normlen - off;
        lineno++;
        size_t os = to_orig(&r, off), oe = to_orig(&r, off + len);
        docinfo_line(x->doc, r.norm + off, len, r.orig + os, oe - os);
        if (o->max_seconds > 0 && seconds_since(&t0) > o->max_seconds) {
            rc = pm_error_set(err, PM_ERR_LIMIT, file, lineno, 0,
                              "gave up after %g seconds (--timeout); rows before this line were written",
                              o->max_seconds);
            break;
        }
        rc = collect(x, r.norm + off, len, o->warn, o->warn_ctx, file, lineno);
        if (rc == 0) {
            size_t k = resolve(x);
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
