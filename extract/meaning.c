/* meaning.c: a row's role, period and additivity from the `section`, `cue`, `period` and
 * `nonadditive` patterns of the rule files; the engine holds the order of the decisions only. */
#include "extract/meaning.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sort.h"

#define LEVELS 8
enum { PART_NONE, PART_REVIEW, PART_PLAN };

typedef struct part {
    int kind;        /* 0, PART_REVIEW or PART_PLAN */
    int year, since; /* the year its heading names, 0 none */
} part;

struct meaning {
    const rules *r;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    int plan_year;
    int span_end;    /* the last year of a span its title names (三年行动计划（2024—2026年）), 0 none */
    int doc_review;  /* its title is a review (2025年工作总结): all of it looks back */
    part parts[LEVELS];
    const char *ln;  /* the line of meaning_line */
    rules_hit *hits; /* its cues, periods and per-head words, by kind, each in order of end */
    rules_hit *tmp;  /* meaning_line: the hits as found, before grouping */
    size_t captmp;
    size_t nhits, cap;
    size_t first[SENSE_KINDS + 1]; /* hits of kind k: [first[k], first[k+1]) */
};

meaning *meaning_create(const rules *r, pcre2_match_context *mctx)
{
    meaning *m = xcalloc(1, sizeof *m);
    m->r = r;
    m->mctx = mctx;
    m->md = pcre2_match_data_create(32, NULL);
    m->cap = 16;
    m->hits = xmalloc(m->cap * sizeof *m->hits);
    m->captmp = m->cap;
    m->tmp = xmalloc(m->captmp * sizeof *m->tmp);
    if (!m->md) {
        meaning_free(m);
        return NULL;
    }
    return m;
}

void meaning_free(meaning *m)
{
    if (!m)
        return;
    pcre2_match_data_free(m->md);
    free(m->hits);
    free(m->tmp);
    free(m);
}

static void scan(meaning *m, int kind, const char *s, size_t n);

#define HEAD_BYTES 4096
#define TITLE_BYTES 1500 /* where a document's title names its span ... */
#define TITLE_LINE 180   /* ... on a line of at most 60 characters */

/* The short lines of the document's head that name a year: the last year of a span one
 * names (or 0), and whether the first of them, the title, is a review's (2025年工作总结). */
static int title_span(meaning *m, const char *s, size_t n, int *review, int *since)
{
    size_t off = 0, end = n < TITLE_BYTES ? n : TITLE_BYTES;
    int span = 0, titled = 0;
    *review = 0;
    *since = 0;
    while (off < end) {
        const char *nl = memchr(s + off, '\n', n - off);
        size_t len = nl ? (size_t)(nl - (s + off)) : n - off;
        if (len <= TITLE_LINE) {
            m->nhits = 0;
            int year = 0;
            scan(m, SENSE_PERIOD, s + off, len);
            for (size_t i = 0; i < m->nhits; i++) {
                year |= m->hits[i].year > 0;
                if (!span && m->hits[i].since && m->hits[i].year > m->hits[i].since) {
                    span = m->hits[i].year;
                    if (!titled) /* the title names it: 某市“十五五”规划 */
                        *since = m->hits[i].since;
                }
            }
            m->nhits = 0;
            if (year && !titled) { /* the first such line is the title */
                titled = 1;
                scan(m, SENSE_REVIEW, s + off, len);
                *review = m->nhits > 0;
            }
        }
        off += len + 1;
    }
    return span;
}

void meaning_reset(meaning *m, const char *year, const char *s, size_t n)
{
    memset(m->parts, 0, sizeof m->parts);
    m->ln = NULL;
    m->plan_year = 0;
    if (year && strlen(year) == 4)
        m->plan_year = atoi(year);
    size_t head = n < HEAD_BYTES ? n : HEAD_BYTES;
    while (head < n && ((unsigned char)s[head] & 0xC0) == 0x80)
        head++;
    m->nhits = 0;
    int placeholder = 0, since = 0;
    scan(m, SENSE_PERIOD, s, head);
    for (size_t i = 0; i < m->nhits; i++)
        if (m->hits[i].year < 0)
            placeholder = 1;
    if (placeholder)
        m->plan_year = 0;
    m->span_end = title_span(m, s, n, &m->doc_review, &since);
    if (!m->plan_year && !placeholder && since) /* a plan for a span, no year: its first year */
        m->plan_year = since;
    if (!m->plan_year)
        m->span_end = 0;
    if (m->span_end < m->plan_year)
        m->span_end = 0;
    m->nhits = 0;
}

/* The hits of kind in s[0..n), appended to m->hits. */
static void scan(meaning *m, int kind, const char *s, size_t n)
{
    size_t k = rules_senses(m->r, kind, s, n, m->plan_year, m->hits + m->nhits, m->cap - m->nhits, m->md, m->mctx);
    if (m->nhits + k > m->cap) {
        GROW(m->hits, m->nhits + k, m->cap);
        k = rules_senses(m->r, kind, s, n, m->plan_year, m->hits + m->nhits, m->cap - m->nhits, m->md, m->mctx);
    }
    m->nhits += k;
}

/* The hits of every kind in kinds in s[0..n), in m->tmp (m->nhits of them). */
static const rules_hit *scan_kinds(meaning *m, unsigned kinds, const char *s, size_t n)
{
    size_t k = rules_senses_kinds(m->r, kinds, s, n, m->plan_year, m->tmp, m->captmp, m->md, m->mctx);
    if (k > m->captmp) {
        GROW(m->tmp, k, m->captmp);
        k = rules_senses_kinds(m->r, kinds, s, n, m->plan_year, m->tmp, m->captmp, m->md, m->mctx);
    }
    GROW(m->hits, k, m->cap); /* meaning_line groups them there */
    m->nhits = k;
    return m->tmp;
}

/* The length of a heading's first clause: up to its first full stop, colon, semicolon or
 * comma (ASCII or full-width); a paragraph that starts with a number (2.开展…，…) is no title. */
static size_t title_len(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',' || s[i] == ':' || s[i] == ';')
            return i;
        if (i + 3 <= n && (!memcmp(s + i, "\xE3\x80\x82", 3) || !memcmp(s + i, "\xEF\xBC\x9A", 3) ||
                           !memcmp(s + i, "\xEF\xBC\x9B", 3) || !memcmp(s + i, "\xEF\xBC\x8C", 3)))
            return i;
    }
    return n;
}

int meaning_years(const meaning *m, int *span_end)
{
    *span_end = m->span_end;
    return m->plan_year;
}

void meaning_heading(meaning *m, int level, const char *ln, size_t len)
{
    if (level < 0 || level >= LEVELS)
        return;
    for (int i = level; i < LEVELS; i++)
        m->parts[i] = (part){0, 0, 0};
    len = title_len(ln, len);
    part *p = &m->parts[level];
    m->nhits = 0;
    scan(m, SENSE_REVIEW, ln, len);
    if (m->nhits)
        p->kind = PART_REVIEW;
    m->nhits = 0;
    if (!p->kind) {
        scan(m, SENSE_PLAN, ln, len);
        if (m->nhits)
            p->kind = PART_PLAN;
    }
    m->nhits = 0;
    scan(m, SENSE_PERIOD, ln, len);
    for (size_t i = 0; i < m->nhits; i++) /* the first year it names ... */
        if (m->hits[i].year > 0 && !p->year)
            p->year = m->hits[i].year;
    for (size_t i = 0; i < m->nhits; i++) /* ... and a span ending then (2025年和“十四五”: since 2021) */
        if (m->hits[i].year == p->year && m->hits[i].since && !p->since)
            p->since = m->hits[i].since;
    /* a part about a year before the plan year looks back on it */
    if (p->year && m->plan_year && p->year < m->plan_year)
        p->kind = PART_REVIEW;
    /* in a review (2025年工作总结) only a part about a later year plans (2026年工作打算) */
    if (m->doc_review && p->kind == PART_PLAN && !(m->plan_year && p->year > m->plan_year))
        p->kind = PART_NONE;
    m->nhits = 0;
    m->ln = NULL;
}

#define PART_MAX_BYTES 120 /* 40 characters of 3 bytes */

int meaning_part(meaning *m, const char *ln, size_t len)
{
    if (len == 0 || len > PART_MAX_BYTES || title_len(ln, len) != len)
        return 0;
    for (size_t i = 0; i + 3 <= len; i++) /* ！ ？ */
        if (!memcmp(ln + i, "\xEF\xBC\x81", 3) || !memcmp(ln + i, "\xEF\xBC\x9F", 3))
            return 0;
    m->nhits = 0;
    int found = 0;
    for (int k = SENSE_REVIEW; k <= SENSE_PLAN && !found; k++) {
        scan(m, k, ln, len);
        found = m->nhits > 0;
    }
    m->nhits = 0;
    if (!found)
        return 0;
    meaning_heading(m, 0, ln, len);
    return 1;
}

static int hit_cmp(const void *pa, const void *pb)
{
    const rules_hit *a = pa, *b = pb;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->start > b->start ? -1 : a->start < b->start; /* the longer first */
}

void meaning_line(meaning *m, const char *ln, size_t len, size_t from)
{
    m->ln = ln;
    m->nhits = 0;
    if (from > len)
        from = len;
    unsigned kinds = 0;
    for (int k = 0; k < SENSE_KINDS; k++)
        if (k != SENSE_REVIEW && k != SENSE_PLAN && k != SENSE_DISTRIBUTE)
            kinds |= 1u << k;
    /* every kind's hits in one pass, then grouped by kind (m->tmp) and sorted */
    const rules_hit *h = scan_kinds(m, kinds, ln + from, len - from);
    size_t count[SENSE_KINDS + 1] = {0};
    for (size_t i = 0; i < m->nhits; i++)
        count[h[i].kind]++;
    size_t at = 0;
    for (int k = 0; k < SENSE_KINDS; k++) {
        m->first[k] = at;
        at += count[k];
    }
    m->first[SENSE_KINDS] = at;
    size_t fill[SENSE_KINDS];
    memcpy(fill, m->first, sizeof fill);
    for (size_t i = 0; i < m->nhits; i++) {
        rules_hit x = h[i];
        x.start += from; /* offsets in the line */
        x.end += from;
        m->hits[fill[x.kind]++] = x;
    }
    for (int k = 0; k < SENSE_KINDS; k++)
        if (m->first[k + 1] - m->first[k] > 1)
            sort_stable(m->hits + m->first[k], m->first[k + 1] - m->first[k], sizeof(rules_hit), hit_cmp);
}

/* The last hit of kind ending in [from, to] (the longest of those ending last), or NULL. */
static const rules_hit *nearest(const meaning *m, int kind, size_t from, size_t to)
{
    const rules_hit *best = NULL;
    for (size_t i = m->first[kind]; i < m->first[kind + 1]; i++) {
        const rules_hit *h = &m->hits[i];
        if (h->end > to)
            break;
        if (h->start >= from && (!best || h->end > best->end))
            best = h;
    }
    return best;
}

/* The cue nearest before the row: after the row before it, else (a target cue only:
 * 力争 governs a sentence, 已 and 现有 a clause) earlier in the sentence. SENSE_* or -1. */
static int cue_of(const meaning *m, const meaning_in *in)
{
    static const int kinds[] = {SENSE_ACTUAL, SENSE_TARGET, SENSE_BASELINE};
    for (int pass = 0; pass < 2; pass++) {
        size_t from = pass ? in->sentence : in->from;
        const rules_hit *best = NULL;
        int kind = -1;
        for (int i = 0; i < 3; i++) {
            if (pass && kinds[i] != SENSE_TARGET)
                continue;
            const rules_hit *h = nearest(m, kinds[i], from, in->text);
            if (h && (!best || h->end > best->end)) {
                best = h;
                kind = kinds[i];
            }
        }
        if (kind >= 0 || in->from == in->sentence)
            return kind;
    }
    return -1;
}

/* Where the clause holding offset `at` starts: after the last comma or semicolon
 * (ASCII or full-width) in [from, at). */
static size_t clause_start(const char *ln, size_t from, size_t at)
{
    for (size_t i = at; i > from; i--) {
        if (ln[i - 1] == ',' || ln[i - 1] == ';')
            return i;
        if (i - from >= 3 && (!memcmp(ln + i - 3, "\xEF\xBC\x8C", 3) || !memcmp(ln + i - 3, "\xEF\xBC\x9B", 3)))
            return i;
    }
    return from;
}

static int is_digit_at(const char *s, size_t i) { return s[i] >= '0' && s[i] <= '9'; }

/* Does the row add up: not a rate, nor what a per-head or per-unit word or a size class
 * governs (每千人口, 人均, 亿元以上项目)? */
static int additive(const meaning *m, const meaning_in *in)
{
    int add = in->unit_additive != 0;
    if (add && m->ln) {
        size_t cl = clause_start(m->ln, in->sentence, in->text);
        for (size_t i = m->first[SENSE_NONADDITIVE]; i < m->first[SENSE_NONADDITIVE + 1] && add; i++) {
            const rules_hit *h = &m->hits[i];
            if (h->start >= cl && h->start <= in->end)
                add = 0;
        }
        for (size_t i = m->first[SENSE_NONADD_OWN]; i < m->first[SENSE_NONADD_OWN + 1] && add; i++) {
            const rules_hit *h = &m->hits[i]; /* it touches the row's own text */
            if (h->end > in->text && h->start < in->end)
                add = 0;
        }
    }
    return add;
}

void meaning_of(const meaning *m, const meaning_in *in, meaning_row *out)
{
    /* the part it stands in: the innermost heading that says so */
    int kind = m->doc_review ? PART_REVIEW : 0, hyear = 0, hsince = 0;
    for (int i = 0; i < LEVELS; i++) {
        if (m->parts[i].kind)
            kind = m->parts[i].kind;
        if (m->parts[i].year) {
            hyear = m->parts[i].year;
            hsince = m->parts[i].since;
        }
    }
    /* its year: a phrase right before its number (2020年的3.68万亿元, 上年729万人) is its own;
     * else the phrase nearest before it in the sentence that is not another number's own */
    const rules_hit *own = NULL, *gov = NULL;
    if (m->ln) {
        for (size_t i = m->first[SENSE_PERIOD]; i < m->first[SENSE_PERIOD + 1]; i++) {
            const rules_hit *h = &m->hits[i];
            if (h->end > in->num)
                break;
            if (h->start < in->sentence || h->year <= 0)
                continue;
            if (h->end == in->num || h->end == in->text)
                own = h;
            else if (!is_digit_at(m->ln, h->end) && (!gov || h->end > gov->end))
                gov = h;
        }
    }
    int year = own ? own->year : gov ? gov->year : hyear;
    int since = own ? 0 : gov ? gov->since : hsince;
    int from_text = own || gov || hyear;

    const char *role = in->role;
    int cue = m->ln ? cue_of(m, in) : -1;
    if (strcmp(role, "target") == 0) {
        if (cue == SENSE_BASELINE)
            role = "baseline";
        else if (from_text && year && m->plan_year && year < m->plan_year)
            role = "actual"; /* a number for a year gone by is no target */
        else if (cue == SENSE_ACTUAL)
            role = "actual";
        else if (cue == SENSE_TARGET)
            role = "target";
        else if (kind == PART_REVIEW)
            role = "actual";
    } else {
        role = strcmp(role, "actual") == 0 ? "actual" : "baseline";
    }

    int period = 0;
    if (strcmp(role, "baseline") == 0) {
        if (own)
            period = own->year;
        else if (since)
            period = since - 1;
        else if (kind == PART_REVIEW && from_text && year) /* a change during a year looked back on */
            period = year - 1;
        else if (m->plan_year)
            period = kind == PART_REVIEW ? m->plan_year - 1 : m->plan_year;
    } else if (from_text && year) {
        period = year;
    } else if (m->plan_year) { /* a target of a plan for a span is for its last year */
        /* an actual is for the year before the plan's, or a review's own year */
        period = strcmp(role, "actual") == 0 ? m->plan_year - !m->doc_review : m->span_end ? m->span_end : m->plan_year;
    }
    out->role = role;
    out->period = period;
    out->additive = additive(m, in);
}
