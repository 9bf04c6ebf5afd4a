/* prefilter.c: per rule, what its patterns say about where it can match (unit words,
 * last characters, separators a `before` cannot cross); per line, one pass to apply it. */
#include "ruleset/prefilter.h"

#include <stdlib.h>
#include <string.h>

#include "ruleset/cpindex.h"
#include "base/bits.h"
#include "base/mem.h"
#include "base/numparse.h"
#include "base/punct.h"
#include "ruleset/rule_int.h"
#include "ruleset/rxscan.h"
#include "base/utf8.h"

#define UNIT_REACH 16 /* characters after a number where its unit may start */

/* Separators a `before` part often cannot contain (base/punct.h): when it cannot, its search
 * window starts after the last one (the leftmost match is the same, found sooner). */
#define STOP_CP(i, cp, f) cp,
static const uint32_t STOP_CPS[] = {PUNCT_SEPARATORS(STOP_CP)};
#undef STOP_CP
#define NSTOP (sizeof STOP_CPS / sizeof STOP_CPS[0])

/* A few characters, sorted; n 0 means "no check". */
typedef struct charset {
    uint32_t cp[RXSCAN_LAST_MAX];
    size_t n;
} charset;

/* One character-keyed table: entries sorted by code point, and an index over them. */
typedef struct keyed {
    struct entry {
        uint32_t cp;
        size_t rule;
        const char *s;   /* the whole word (unit literals), or NULL */
        size_t n;
        uint64_t *rules; /* unit words: every rule with this word (p->words wide) */
        size_t cid;      /* lasts: the character's number among the distinct ones */
    } *e;
    size_t n;
    cpindex *ix;
} keyed;

struct prefilter {
    const rules *r;
    size_t nrules, words;    /* words: 64-bit words per rule bitset */
    unsigned char *filtered; /* per rule: a target tried only near one of its units */
    keyed units;             /* the unit words of targets, each once, by first character */
    uint64_t *unitrules;     /* the rule sets of the unit words */
    keyed lasts;             /* the characters patterns must take (entry.rule: a slot, 2 per rule) */
    charset *plast;          /* per slot 2i, 2i+1: two sets a match of rule i's pattern must
                              * take a character of each (n 0: no check) */
    charset *blast;          /* per rule: those its `before` part must end with */
    uint32_t *bstop;         /* per rule: the STOP_CPS its `before` cannot contain */
    uint64_t (*first)[4];    /* per rule: the bytes its pattern can start with (all ones: any) */
    /* the same per number, as rule sets (p->words wide): */
    uint64_t *fbyte;         /* per byte: the rules whose pattern can start with it */
    uint64_t *unfilt;        /* the rules tried without a unit near the number */
    uint64_t *anyend;        /* the rules whose `before` may end with any character (or none) */
    keyed bends;             /* the characters `before` parts must end with: entry.rules */
    uint64_t *bendrules;     /* their rule sets */
    uint64_t *nrules_at;     /* prefilter_number_rules' answer */
    keyed nears;             /* rxscan_near's characters: entry.n the distance, entry.rules */
    uint64_t *nearrules;     /* their rule sets, 2 * words wide: the first sets of the
                              * rules, then (word words + i / 64) the second ones */
    uint64_t *nonear;        /* the rules without such a set, the same way */
    size_t neardmax;         /* the largest distance */
    uint64_t nearhot[1024];  /* 3-byte code points of the near sets and the number
                              * characters (these also in runbits) */
    uint64_t runbits[1024];  /* rxscan_number_char's characters below U+10000 */
    uint64_t afterhot[1024]; /* 3-byte code points after_numbers decodes: numerals, number
                              * characters, the first characters of units and near sets */
    /* the current line */
    const char *line;
    size_t *num, nnum, capnum; /* where its numbers start */
    uint32_t *prev;            /* per number: the character before it (0 at the line start) */
    size_t capprev;
    /* prefilter_line_may's answers for the line, worked out on the first question: */
    uint64_t *lknown, *lno;    /* the rules asked about, those it said no for */
    uint64_t *lbound;          /* those it said yes for with a bound, in maylast */
    size_t *maylast;
    uint64_t *amask;           /* per number: the targets with a unit near it */
    uint64_t *nmask;           /* per number (2 * words wide, as nearrules): the rules with a
                                * character of their near set close enough to it */
    size_t capnmask;
    size_t capamask;
    uint64_t *linemask;        /* their union */
    size_t *lastpos;           /* per slot: where its characters last start, (size_t)-1 none */
    size_t *lastocc, nchars;   /* per distinct character of lasts: where it last starts */
    size_t *stamp, gen;        /* lastpos[j] is for this line when stamp[j] == gen */
    size_t *slotcid, *slotoff; /* slot j's characters: slotcid[slotoff[j] .. slotoff[j + 1]) */
    uint64_t hot[1024];        /* 3-byte code points scan must look at: numerals, last characters */
    uint64_t numerals[1024];   /* the 3-byte numerals among them (num_numeral) */
};

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
        if (!may[i] && punct_index(STOP_CPS[i]) == (int)i)
            m |= (uint32_t)1 << i;
    return m;
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* The characters a match of src must end with, when it cannot be empty and they
 * are few (else b->n = 0: no check). */
static void part_last(const char *src, charset *b)
{
    int nullable;
    b->n = 0;
    if (!src || rxscan_last(src, strlen(src), b->cp, &b->n, &nullable) || nullable)
        b->n = 0;
    else if (b->n > 1)
        qsort(b->cp, b->n, sizeof b->cp[0], u32_cmp);
}

static int has_digit(const charset *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->cp[i] >= '0' && b->cp[i] <= '9')
            return 1;
    return 0;
}

/* A few characters every match of the pattern must take one of (rxscan_needed: rare
 * ones, else its last characters), and maybe a second such set; n = 0: no check. */
static void part_needed(const char *src, charset *b, charset *b2)
{
    b->n = b2->n = 0;
    if (src && rxscan_needed(src, strlen(src), b->cp, &b->n, b2->cp, &b2->n) == 0 && b->n > 0 && !has_digit(b)) {
        if (has_digit(b2)) /* the number itself has one: no check */
            b2->n = 0;
        if (b->n > 1)
            qsort(b->cp, b->n, sizeof b->cp[0], u32_cmp);
        if (b2->n > 1)
            qsort(b2->cp, b2->n, sizeof b2->cp[0], u32_cmp);
        return;
    }
    b2->n = 0;
    part_last(src, b);
}

/* The bytes a match of the pattern can start with, as PCRE2 works them out for its
 * own start-of-match optimisation (a copy compiled without PCRE2_ANCHORED and
 * PCRE2_NO_START_OPTIMIZE, then dropped); every byte when it cannot tell. */
static void part_first(const char *src, uint64_t out[4])
{
    memset(out, 0xFF, 4 * sizeof out[0]);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, RULE_RX_OPTS | PCRE2_DUPNAMES, &ec, &eo, NULL);
    if (!re)
        return;
    uint32_t type = 0, cu = 0;
    const uint8_t *map = NULL;
    if (pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 && type == 1 &&
        pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODEUNIT, &cu) == 0 && cu < 256) {
        /* a caseless first unit is given in one case: an ASCII letter takes both */
        memset(out, 0, 4 * sizeof out[0]);
        out[cu / 64] |= (uint64_t)1 << (cu % 64);
        if ((cu | 0x20) >= 'a' && (cu | 0x20) <= 'z')
            out[(cu ^ 0x20) / 64] |= (uint64_t)1 << ((cu ^ 0x20) % 64);
    } else if (type == 0 && pcre2_pattern_info(re, PCRE2_INFO_FIRSTBITMAP, &map) == 0 && map) {
        memset(out, 0, 4 * sizeof out[0]);
        for (int b = 0; b < 256; b++)
            if (map[b / 8] >> (b % 8) & 1)
                out[b / 64] |= (uint64_t)1 << (b % 64);
    }
    pcre2_code_free(re);
}

static int in_charset(const charset *b, uint32_t cp)
{
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

static int near_cmp(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->cp != b->cp)
        return a->cp < b->cp ? -1 : 1;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return (a->rule > b->rule) - (a->rule < b->rule);
}

static int entry_cmp(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->cp != b->cp)
        return a->cp < b->cp ? -1 : 1;
    if (a->s && b->s) { /* unit words: the same word together */
        int c = a->n != b->n ? (a->n < b->n ? -1 : 1) : memcmp(a->s, b->s, a->n);
        if (c)
            return c;
    }
    return (a->rule > b->rule) - (a->rule < b->rule);
}

/* Merge the runs of k's entries (sorted) that same() says are equal into one entry each,
 * with the set of their rules (entry.rule: a bit of a set width words wide). The sets,
 * one per merged entry, in the array returned (the caller frees it). */
static uint64_t *group_rules(keyed *k, size_t width, int (*same)(const struct entry *, const struct entry *))
{
    uint64_t *sets = xcalloc(k->n * width + 1, sizeof(uint64_t));
    size_t out = 0;
    for (size_t i = 0; i < k->n;) {
        size_t j = i;
        uint64_t *m = sets + out * width;
        for (; j < k->n && same(&k->e[j], &k->e[i]); j++)
            m[k->e[j].rule / 64] |= (uint64_t)1 << (k->e[j].rule % 64);
        k->e[out] = k->e[i];
        k->e[out++].rules = m;
        i = j;
    }
    k->n = out;
    return sets;
}

static int same_word(const struct entry *a, const struct entry *b)
{
    return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

static int same_char(const struct entry *a, const struct entry *b)
{
    return a->cp == b->cp;
}

static int same_char_distance(const struct entry *a, const struct entry *b)
{
    return a->cp == b->cp && a->n == b->n;
}

/* Unit words: sorted, then one entry per distinct word with the set of rules that
 * have it, so a word that many rules share (个, 人) is compared once. */
static void merge_units(prefilter *p)
{
    keyed *k = &p->units;
    if (k->n > 1)
        qsort(k->e, k->n, sizeof *k->e, entry_cmp);
    p->unitrules = group_rules(k, p->words, same_word);
}

/* The per-number checks as rule sets: by first byte, the unfiltered rules, and by the
 * character before the number (one entry per distinct `before` end character). */
static void rule_sets(prefilter *p)
{
    size_t W = p->words, nb = 0;
    p->fbyte = xcalloc(256 * W + 1, sizeof(uint64_t));
    p->unfilt = xcalloc(W + 1, sizeof(uint64_t));
    p->anyend = xcalloc(W + 1, sizeof(uint64_t));
    p->nrules_at = xcalloc(W + 1, sizeof(uint64_t));
    p->lknown = xcalloc(W + 1, sizeof(uint64_t));
    p->lno = xcalloc(W + 1, sizeof(uint64_t));
    p->lbound = xcalloc(W + 1, sizeof(uint64_t));
    p->maylast = xcalloc(p->nrules + 1, sizeof(size_t));
    for (size_t i = 0; i < p->nrules; i++) {
        uint64_t bit = (uint64_t)1 << (i % 64);
        for (int b = 0; b < 256; b++)
            if (p->first[i][b / 64] >> (b % 64) & 1)
                p->fbyte[(size_t)b * W + i / 64] |= bit;
        if (!p->filtered[i])
            p->unfilt[i / 64] |= bit;
        if (!p->blast[i].n)
            p->anyend[i / 64] |= bit;
        nb += p->blast[i].n;
    }
    keyed *k = &p->bends;
    k->e = xcalloc(nb + 1, sizeof *k->e);
    for (size_t i = 0; i < p->nrules; i++)
        for (size_t j = 0; j < p->blast[i].n; j++)
            k->e[k->n++] = (struct entry){p->blast[i].cp[j], i, NULL, 0, NULL, 0};
    if (k->n > 1)
        qsort(k->e, k->n, sizeof *k->e, entry_cmp);
    p->bendrules = group_rules(k, W, same_char);
}

/* rxscan_near's sets as rule sets, one per distinct character and distance (entries
 * sorted by character, then distance; entry.rule is i for rule i's first set, 64 * words
 * + i for its second), and the rules without one. */
static void near_sets(prefilter *p, const unsigned char *skip)
{
    size_t W = p->words, W2 = 2 * W, ne = 0, cap = 0;
    keyed *k = &p->nears;
    p->nonear = xcalloc(W2 + 1, sizeof(uint64_t));
    for (size_t i = 0; i < p->nrules; i++) {
        const rule *ru = rules_at(p->r, i);
        uint32_t cps[2][RXSCAN_LAST_MAX];
        size_t n[2] = {0, 0}, d[2] = {0, 0};
        if ((skip && skip[i]) ||
            rxscan_near(ru->pattern, strlen(ru->pattern), cps[0], &n[0], &d[0], cps[1], &n[1], &d[1]) || !n[0])
            n[0] = n[1] = 0;
        for (int slot = 0; slot < 2; slot++) {
            size_t bit = slot * 64 * W + i;
            if (!n[slot]) {
                p->nonear[bit / 64] |= (uint64_t)1 << (bit % 64);
                continue;
            }
            GROW(k->e, ne + n[slot] + 1, cap);
            for (size_t j = 0; j < n[slot]; j++)
                k->e[ne++] = (struct entry){cps[slot][j], bit, NULL, d[slot], NULL, 0};
            if (d[slot] > p->neardmax)
                p->neardmax = d[slot];
        }
    }
    k->n = ne;
    if (!k->e)
        k->e = xcalloc(1, sizeof *k->e);
    if (ne > 1) /* by character, distance, rule */
        qsort(k->e, ne, sizeof *k->e, near_cmp);
    p->nearrules = group_rules(k, W2, same_char_distance);
    uint32_t numc[RXSCAN_NUMBER_CHARS];
    for (size_t i = 0, n = rxscan_number_chars(numc, RXSCAN_NUMBER_CHARS); i < n; i++) {
        uint32_t cp = numc[i];
        p->runbits[cp / 64] |= (uint64_t)1 << (cp % 64);
        p->nearhot[cp / 64] |= (uint64_t)1 << (cp % 64); /* (only 3-byte ones are read) */
    }
    for (size_t i = 0; i < k->n; i++)
        if (k->e[i].cp >= 0x800 && k->e[i].cp < 0x10000)
            p->nearhot[k->e[i].cp / 64] |= (uint64_t)1 << (k->e[i].cp % 64);
}

/* Index the entries (sorted by entry_cmp). */
static int keyed_index(keyed *k)
{
    k->ix = cpindex_create(k->e, k->n, sizeof *k->e, offsetof(struct entry, cp));
    return k->ix ? 0 : -1;
}

/* The entries of k with code point cp: their count, the first in *start. */
static size_t keyed_find(const keyed *k, uint32_t cp, size_t *start)
{
    return cpindex_find(k->ix, cp, start);
}

prefilter *prefilter_create(const rules *r, const unsigned char *skip)
{
    prefilter *p = xcalloc(1, sizeof *p);
    p->r = r;
    p->nrules = rules_count(r);
    p->words = (p->nrules + 63) / 64;
    size_t nunits = 0, nlasts = 0;
    p->filtered = xcalloc(p->nrules + 1, 1);
    p->plast = xcalloc(2 * p->nrules + 1, sizeof *p->plast);
    p->blast = xcalloc(p->nrules + 1, sizeof *p->blast);
    p->bstop = xcalloc(p->nrules + 1, sizeof *p->bstop);
    p->lastpos = xcalloc(2 * p->nrules + 1, sizeof *p->lastpos);
    p->linemask = xcalloc(p->words + 1, sizeof *p->linemask);
    p->first = xcalloc(p->nrules + 1, sizeof *p->first);
    near_sets(p, skip);
    for (size_t i = 0; i < p->nrules; i++) {
        const rule *ru = rules_at(r, i);
        p->filtered[i] = ru->kind == RULE_TARGET && ru->compiled->unit_lits;
        nunits += ru->compiled->nunit_lits;
        /* the per-line check costs per rule and character of the line: only for rules
         * tried, and without a near set (which checks more closely, at each number) */
        if ((!skip || !skip[i]) && (p->nonear[i / 64] >> (i % 64) & 1))
            part_needed(ru->pattern, &p->plast[2 * i], &p->plast[2 * i + 1]);
        /* first bytes cost a compile: for the rules tried at most numbers, exclusions
         * (a target with unit words is tried only near one of them) */
        if ((!skip || !skip[i]) && ru->kind == RULE_EXCLUDE)
            part_first(ru->pattern, p->first[i]);
        else
            memset(p->first[i], 0xFF, sizeof p->first[i]);
        nlasts += p->plast[2 * i].n + p->plast[2 * i + 1].n;
        size_t same = i; /* an earlier rule with the same `before`: the same answers */
        for (size_t j = 0; ru->before && j < i && same == i; j++)
            if (rules_at(r, j)->before && strcmp(rules_at(r, j)->before, ru->before) == 0)
                same = j;
        if (same < i) {
            p->blast[i] = p->blast[same];
            p->bstop[i] = p->bstop[same];
        } else {
            part_last(ru->before, &p->blast[i]);
            p->bstop[i] = before_stops(ru);
        }
    }
    p->units.e = xcalloc(nunits + 1, sizeof *p->units.e);
    p->lasts.e = xcalloc(nlasts + 1, sizeof *p->lasts.e);
    for (size_t i = 0; i < p->nrules; i++) {
        const rule *ru = rules_at(r, i);
        for (size_t k = 0; p->filtered[i] && k < ru->compiled->nunit_lits; k++) {
            size_t l, n = strlen(ru->compiled->unit_lits[k]);
            uint32_t cp = utf8_decode((const unsigned char *)ru->compiled->unit_lits[k], n, &l);
            p->units.e[p->units.n++] = (struct entry){cp, i, ru->compiled->unit_lits[k], n, NULL, 0};
        }
        for (size_t j = 2 * i; j < 2 * i + 2; j++)
            for (size_t k = 0; k < p->plast[j].n; k++)
                p->lasts.e[p->lasts.n++] = (struct entry){p->plast[j].cp[k], j, NULL, 0, NULL, 0};
    }
    if (p->lasts.n > 1)
        qsort(p->lasts.e, p->lasts.n, sizeof *p->lasts.e, entry_cmp);
    for (size_t k = 0; k < p->lasts.n; k++) {
        if (k > 0 && p->lasts.e[k].cp != p->lasts.e[k - 1].cp)
            p->nchars++;
        p->lasts.e[k].cid = p->nchars;
    }
    p->nchars += p->lasts.n > 0;
    p->lastocc = xcalloc(p->nchars + 1, sizeof *p->lastocc);
    p->stamp = xcalloc(2 * p->nrules + 1, sizeof *p->stamp);
    p->slotoff = xcalloc(2 * p->nrules + 1, sizeof *p->slotoff);
    p->slotcid = xcalloc(p->lasts.n + 1, sizeof *p->slotcid);
    { /* each slot's characters by number: count, offsets, then fill */
        size_t *fill = xcalloc(2 * p->nrules + 1, sizeof *fill);
        for (size_t j = 0; j < 2 * p->nrules; j++)
            p->slotoff[j + 1] = p->slotoff[j] + p->plast[j].n;
        for (size_t k = 0; k < p->lasts.n; k++) {
            size_t j = p->lasts.e[k].rule;
            p->slotcid[p->slotoff[j] + fill[j]++] = p->lasts.e[k].cid;
        }
        free(fill);
    }
    merge_units(p);
    rule_sets(p);
    /* cpindex may still say no */
    if (keyed_index(&p->units) || keyed_index(&p->lasts) || keyed_index(&p->bends) || keyed_index(&p->nears)) {
        prefilter_free(p);
        return NULL;
    }
    memcpy(p->hot, cpindex_bits(p->lasts.ix), sizeof p->hot);
    const uint64_t *ub = cpindex_bits(p->units.ix);
    for (size_t w = 0; w < 1024; w++)
        p->afterhot[w] = p->nearhot[w] | ub[w];
    for (uint32_t cp = 0x800; cp < 0x10000; cp++) { /* and num_numeral's 3-byte numerals */
        char u[3] = {(char)(0xE0 | cp >> 12), (char)(0x80 | (cp >> 6 & 0x3F)), (char)(0x80 | (cp & 0x3F))};
        if (num_numeral(u, 3)) {
            p->hot[cp / 64] |= (uint64_t)1 << (cp % 64);
            p->numerals[cp / 64] |= (uint64_t)1 << (cp % 64);
            p->afterhot[cp / 64] |= (uint64_t)1 << (cp % 64);
        }
    }
    return p;
}

void prefilter_free(prefilter *p)
{
    if (!p)
        return;
    free(p->filtered);
    free(p->plast);
    free(p->blast);
    free(p->bstop);
    free(p->first);
    free(p->lastpos);
    free(p->lastocc);
    free(p->stamp);
    free(p->slotcid);
    free(p->slotoff);
    free(p->linemask);
    free(p->units.e);
    free(p->unitrules);
    cpindex_free(p->units.ix);
    free(p->lasts.e);
    cpindex_free(p->lasts.ix);
    free(p->num);
    free(p->prev);
    free(p->lknown);
    free(p->lno);
    free(p->lbound);
    free(p->maylast);
    free(p->fbyte);
    free(p->unfilt);
    free(p->anyend);
    free(p->bends.e);
    free(p->bendrules);
    cpindex_free(p->bends.ix);
    free(p->nrules_at);
    free(p->amask);
    free(p->nmask);
    free(p->nears.e);
    free(p->nearrules);
    free(p->nonear);
    cpindex_free(p->nears.ix);
    free(p);
}

/* Character cp stands at offset i of the line: where it last stands, if a rule needs it. */
static void last_char_at(prefilter *p, uint32_t cp, size_t i)
{
    size_t start;
    if (keyed_find(&p->lasts, cp, &start))
        p->lastocc[p->lasts.e[start].cid] = i;
}

/* Where slot j's characters last stand in the line, (size_t)-1 nowhere: worked out on
 * the first question of the line (only the rules of the packs in use are asked about). */
static size_t slot_last(prefilter *p, size_t j)
{
    if (p->stamp[j] == p->gen)
        return p->lastpos[j];
    size_t best = (size_t)-1;
    for (size_t k = p->slotoff[j]; k < p->slotoff[j + 1]; k++) {
        size_t at = p->lastocc[p->slotcid[k]];
        if (at != (size_t)-1 && (best == (size_t)-1 || at > best))
            best = at;
    }
    p->stamp[j] = p->gen;
    return p->lastpos[j] = best;
}

/* One pass over the line: where numbers start, the character before each, and
 * the last characters of patterns from the first number on. */
static void scan(prefilter *p, const char *ln, size_t len)
{
    const unsigned char *s = (const unsigned char *)ln;
    const uint64_t *lastbits = cpindex_bits(p->lasts.ix);
    p->nnum = 0;
    memset(p->lastocc, 0xFF, p->nchars * sizeof *p->lastocc); /* (size_t)-1: none */
    int prev_num = 0, prev_sep = 0;  /* previous char was a numeral / a separator inside a number */
    uint32_t prev = 0;               /* the previous character (0 at the start) */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0xE0 && c < 0xF0) { /* most characters: 3 bytes, no numeral, no last one */
            size_t j = cpindex_skip3(p->hot, s, i, len);
            if (j > i) {
                prev_num = prev_sep = 0;
                prev = (uint32_t)(s[j - 3] & 0x0F) << 12 | (uint32_t)(s[j - 2] & 0x3F) << 6 | (s[j - 1] & 0x3F);
                i = j;
                continue;
            }
        }
        size_t cl;
        uint32_t cp = utf8_decode(s + i, len - i, &cl);
        if (cp < 65536 && c >= 0x80 && !(p->hot[cp / 64] >> (cp % 64) & 1)) {
            prev_num = prev_sep = 0; /* other characters outside the hot set */
            prev = cp;
            i += cl;
            continue;
        }
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
        } else if (c >= 0xE0 && c < 0xF0 && cl == 3 ? (int)(p->numerals[cp / 64] >> (cp % 64) & 1) /* num_numeral's */
                                                     : num_numeral(ln + i, len - i) != 0) {
            if (!prev_num && !prev_sep) {
                GROW(p->num, p->nnum + 1, p->capnum);
                GROW(p->prev, p->nnum + 1, p->capprev);
                p->prev[p->nnum] = prev;
                p->num[p->nnum++] = i;
            }
            prev_num = 1;
            prev_sep = 0;
        } else {
            prev_num = prev_sep = 0;
        }
        /* last characters: only from the first number on (this one included) */
        if (p->nnum && p->lasts.n && cpindex_maybe(lastbits, cp))
            last_char_at(p, cp, i);
        prev = cp;
        i += cl;
    }
    p->gen++; /* every slot_last is asked afresh */
    memset(p->lknown, 0, p->words * sizeof(uint64_t)); /* and every prefilter_line_may */
    memset(p->lno, 0, p->words * sizeof(uint64_t));
    memset(p->lbound, 0, p->words * sizeof(uint64_t));
}

/* Is cp a number character (rxscan_number_char), by table below U+10000? */
static inline int run_char(const prefilter *p, uint32_t cp)
{
    if (cp >= 0x10000)
        return rxscan_number_char(cp);
    return (int)(p->runbits[cp / 64] >> (cp % 64) & 1);
}

/* For every number of the line, in one walk past it: the targets one of whose units
 * starts within UNIT_REACH characters after it (the number itself not counted), and the
 * rules with a character of their near set within its distance past the run of number
 * characters the number starts (rxscan_near). The numbers are walked last to first: a walk
 * that reaches the next number still inside its run takes that number's near answer (the
 * same run, so the same distances past it), and a long run of numbers (1 2 3 ...) costs
 * its length once, not once per number. */
static void after_numbers(prefilter *p, const char *ln, size_t len)
{
    size_t W = p->words;
    GROW(p->amask, p->nnum * W + 1, p->capamask);
    memset(p->amask, 0, p->nnum * W * sizeof(uint64_t));
    GROW(p->nmask, p->nnum * 2 * W + 1, p->capnmask);
    memset(p->nmask, 0, p->nnum * 2 * W * sizeof(uint64_t));
    memset(p->linemask, 0, W * sizeof(uint64_t));
    const unsigned char *s = (const unsigned char *)ln;
    const uint64_t *ubits = cpindex_bits(p->units.ix), *nbits = cpindex_bits(p->nears.ix);
    for (size_t k = p->nnum; k-- > 0;) {
        uint64_t *am = p->amask + k * W, *nm = p->nmask + k * 2 * W;
        size_t next = k + 1 < p->nnum ? p->num[k + 1] : (size_t)-1;
        size_t at = p->num[k], chars = 0;      /* units: characters past the number */
        size_t idx = 0, run = (size_t)-1;       /* near sets: characters from it, where its run ends */
        int in_number = 1, udone = 0, ndone = !p->nears.n;
        while (at < len && !(udone && ndone)) {
            if (!ndone && at == next && run == (size_t)-1) { /* the next number, in this run */
                for (size_t w = 0; w < 2 * W; w++)
                    nm[w] |= nm[2 * W + w];
                ndone = 1;
                continue;
            }
            /* 3-byte characters that are no numeral, number character, unit or near start */
            size_t j = cpindex_skip3(p->afterhot, s, at, len);
            if (j > at) {
                size_t c = (j - at) / 3;
                in_number = 0;
                if (run == (size_t)-1)
                    run = idx;
                chars += c;
                idx += c;
                udone |= chars > UNIT_REACH;
                ndone |= idx > run + p->neardmax;
                at = j;
                continue;
            }
            size_t cl, start = 0, n = 0;
            uint32_t cp = utf8_decode(s + at, len - at, &cl);
            if (!udone) {
                if (cpindex_maybe(ubits, cp))
                    n = keyed_find(&p->units, cp, &start);
                for (size_t i = start; i < start + n; i++) {
                    const struct entry *e = &p->units.e[i];
                    if (e->n <= len - at && memcmp(ln + at, e->s, e->n) == 0)
                        for (size_t w = 0; w < W; w++)
                            am[w] |= e->rules[w];
                }
                if (in_number && (num_numeral(ln + at, len - at) || s[at] == '.' || s[at] == ','))
                    ; /* the number itself does not count against the reach */
                else {
                    in_number = 0;
                    chars++;
                }
                udone = chars > UNIT_REACH;
            }
            if (!ndone) {
                if (run == (size_t)-1 && !run_char(p, cp))
                    run = idx;
                if (run != (size_t)-1 && idx > run + p->neardmax) {
                    ndone = 1;
                } else {
                    n = cpindex_maybe(nbits, cp) ? keyed_find(&p->nears, cp, &start) : 0;
                    for (size_t i = start; i < start + n; i++) {
                        const struct entry *e = &p->nears.e[i];
                        if (run == (size_t)-1 || idx <= run + e->n)
                            for (size_t w = 0; w < 2 * W; w++)
                                nm[w] |= e->rules[w];
                    }
                }
            }
            idx++;
            at += cl;
        }
        for (size_t w = 0; w < W; w++)
            p->linemask[w] |= am[w];
    }
}

int prefilter_line(prefilter *p, const char *ln, size_t len)
{
    p->line = ln;
    scan(p, ln, len);
    after_numbers(p, ln, len);
    return 0;
}

const size_t *prefilter_numbers(const prefilter *p, size_t *n)
{
    *n = p->nnum;
    return p->num;
}

/* prefilter_line_may's answer, worked out (line_may) once per rule and line. */
static int line_may(prefilter *p, size_t i, size_t *last);

/* Work out rule i's answer for the line into lknown, lno, lbound and maylast. */
static void line_learn(prefilter *p, size_t i)
{
    size_t last;
    uint64_t bit = (uint64_t)1 << (i % 64);
    p->lknown[i / 64] |= bit;
    if (!line_may(p, i, &last))
        p->lno[i / 64] |= bit;
    else if ((p->maylast[i] = last) != (size_t)-1)
        p->lbound[i / 64] |= bit;
}

int prefilter_line_may(prefilter *p, size_t i, size_t *last)
{
    uint64_t bit = (uint64_t)1 << (i % 64);
    if (!(p->lknown[i / 64] & bit))
        line_learn(p, i);
    *last = p->lbound[i / 64] & bit ? p->maylast[i] : (size_t)-1;
    return !(p->lno[i / 64] & bit);
}

static int line_may(prefilter *p, size_t i, size_t *last)
{
    *last = (size_t)-1;
    if (p->filtered[i] && !(p->linemask[i / 64] >> (i % 64) & 1))
        return 0;
    for (size_t j = 2 * i; j < 2 * i + 2; j++) {
        if (p->slotoff[j] == p->slotoff[j + 1]) /* plast[j].n, without reading plast */
            continue;
        size_t at = slot_last(p, j);
        if (at == (size_t)-1)
            return 0;
        if (at < *last)
            *last = at;
    }
    return 1;
}

/* prefilter_may's checks after the unit words: the first byte, the end of the `before`
 * part (bl NULL: no check). */
static inline int may_at(const prefilter *p, const uint64_t *first, const charset *bl, size_t k)
{
    size_t a = p->num[k];
    unsigned char b = (unsigned char)p->line[a];
    if (!(first[b / 64] >> (b % 64) & 1))
        return 0; /* no match starts with this byte */
    if (bl && (a == 0 || !in_charset(bl, p->prev[k])))
        return 0; /* the `before` part cannot end right here */
    return 1;
}

int prefilter_may(const prefilter *p, size_t i, size_t k)
{
    if (p->filtered[i] && !(p->amask[k * p->words + i / 64] >> (i % 64) & 1))
        return 0;
    const uint64_t *nm = p->nmask + k * 2 * p->words;
    for (size_t bit = i; bit < 2 * 64 * p->words; bit += 64 * p->words) /* each near set */
        if (!((p->nonear[bit / 64] | nm[bit / 64]) >> (bit % 64) & 1))
            return 0;
    return may_at(p, p->first[i], p->blast[i].n ? &p->blast[i] : NULL, k);
}

const uint64_t *prefilter_number_rules(prefilter *p, size_t k, const uint64_t *among, size_t *words)
{
    size_t W = p->words, a = p->num[k], start;
    const uint64_t *am = p->amask + k * W, *fb = p->fbyte + (size_t)(unsigned char)p->line[a] * W;
    const uint64_t *nm = p->nmask + k * 2 * W;
    const uint64_t *be = a > 0 && keyed_find(&p->bends, p->prev[k], &start) ? p->bends.e[start].rules : NULL;
    for (size_t w = 0; w < W; w++) {
        uint64_t m = (am[w] | p->unfilt[w]) & fb[w] & (p->anyend[w] | (be ? be[w] : 0)) & (nm[w] | p->nonear[w]) &
                     (nm[W + w] | p->nonear[W + w]) &
                     among[w];
        /* the line's check (asked once per rule and line) and its bound */
        for (uint64_t bits = m & ~p->lknown[w]; bits; bits &= bits - 1)
            line_learn(p, w * 64 + bits_lowest(bits));
        m &= ~p->lno[w];
        for (uint64_t bits = m & p->lbound[w]; bits; bits &= bits - 1) {
            size_t i = w * 64 + bits_lowest(bits);
            if (a > p->maylast[i])
                m &= ~((uint64_t)1 << (i % 64));
        }
        p->nrules_at[w] = m;
    }
    *words = W;
    return p->nrules_at;
}

size_t prefilter_window(const prefilter *p, size_t i, size_t a, int reach)
{
    const char *ln = p->line;
    uint32_t stops = p->bstop[i];
    size_t w = a;
    for (int chars = 0; w > 0 && chars < reach; chars++) {
        /* back one character: CJK ideographs (lead bytes E4..E9, most of the text, never a
         * separator) in one step, ASCII and other 3-byte characters at once, else over the
         * continuation bytes */
        if (w >= 3 && (unsigned char)ln[w - 3] - 0xE4u < 6u && ((unsigned char)ln[w - 2] & 0xC0) == 0x80 &&
            ((unsigned char)ln[w - 1] & 0xC0) == 0x80) {
            w -= 3;
            continue;
        }
        size_t at = w;
        if ((unsigned char)ln[w - 1] < 0x80)
            at = w - 1;
        else if (w >= 3 && ((unsigned char)ln[w - 3] & 0xF0) == 0xE0 && ((unsigned char)ln[w - 2] & 0xC0) == 0x80 &&
                 ((unsigned char)ln[w - 1] & 0xC0) == 0x80)
            at = w - 3;
        else
            while (at > 0 && (((unsigned char)ln[--at]) & 0xC0) == 0x80)
                ;
        unsigned char lead = (unsigned char)ln[at];
        if (stops && punct_lead(lead)) {
            /* a character the part cannot contain ends the window */
            size_t cl;
            int k = punct_index(utf8_decode((const unsigned char *)ln + at, w - at, &cl));
            if (k >= 0 && (stops >> k & 1))
                break;
        }
        w = at;
    }
    return w;
}
