/* rows.c: the row builder - a resolved match or a table cell made into the CSV cells of a row:
 * unit and value, text span and sentence, subject (cut, carried, or an item of a list). */
#include "extract/extract_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/numparse.h"
#include "base/punct.h"
#include "base/mem.h"
#include "base/utf8.h"

/* Cell col of b: s[0..n), then a NUL. */
static void put(rowbuf *b, int col, const char *s, size_t n)
{
    strbuf *sb = &b->sb;
    b->off[col] = sb->len;
    b->len[col] = n;
    strbuf_grow(sb, n + 1); /* one growth for the cell and its NUL */
    if (n)
        memcpy(sb->buf + sb->len, s, n);
    sb->buf[sb->len + n] = '\0';
    sb->len += n + 1;
    sb->buf[sb->len] = '\0';
}

static void puts_(rowbuf *b, int col, const char *s) { put(b, col, s, strlen(s)); }

/* Bytes of the sentence stop (base/punct.h) at p (avail bytes there), 0 when none is. */
static size_t is_stop(const char *p, size_t avail)
{
    if (!punct_lead((unsigned char)*p)) /* most of a Chinese text */
        return 0;
    size_t n;
    uint32_t cp = utf8_decode((const unsigned char *)p, avail, &n);
    return punct_flags(cp) & PUNCT_STOP ? n : 0;
}

/* The line's sentence stops and carriage returns, found once per line: stop[i] is where
 * one starts, stop[i + 1] where it ends (the same for '\r': the context ends before it). */
static void line_stops(extractor *x, const char *ln, size_t len)
{
    if (x->stops_line == ln && x->stops_len == len)
        return;
    x->stops_line = ln;
    x->stops_len = len;
    x->nstops = 0;
    for (size_t b = 0; b < len;) {
        unsigned char c = (unsigned char)ln[b];
        if (c >= 0xE4 && c <= 0xE9) { /* most of a Chinese text: 3 bytes, no stop */
            b += 3;
            continue;
        }
        size_t k = c == '\r' ? 0 : is_stop(ln + b, len - b);
        if (k || c == '\r') {
            GROW(x->stops, x->nstops + 2, x->capstops);
            x->stops[x->nstops++] = b;
            x->stops[x->nstops++] = b + k;
        }
        b += k ? k : utf8_len(c);
    }
}

void extract_sentence(extractor *x, const char *ln, size_t len, size_t s, size_t e, size_t *cs, size_t *ce)
{
    line_stops(x, ln, len);
    const size_t *st = x->stops;
    size_t n = x->nstops / 2;
    /* back: after the last stop that ends at or before s, at most CONTEXT_MAX bytes back
     * (then at the character boundary there) */
    size_t lo = 0, hi = n; /* the first stop ending after s */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (st[2 * mid + 1] <= s && st[2 * mid] < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t a = 0;
    size_t j = lo; /* stops before j end at or before s; skip carriage returns */
    while (j > 0 && st[2 * (j - 1)] == st[2 * (j - 1) + 1])
        j--;
    if (j > 0 && s - st[2 * (j - 1) + 1] < CONTEXT_MAX) {
        a = st[2 * (j - 1) + 1];
    } else if (s >= CONTEXT_MAX) {
        a = s - CONTEXT_MAX;
        while (a > 0 && ((unsigned char)ln[a] & 0xC0) == 0x80)
            a--;
    }
    /* forward: through the first stop at or after e, or up to a carriage return, at most
     * CONTEXT_MAX bytes on (then at the character boundary there) */
    lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (st[2 * mid] < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t b;
    if (lo < n && st[2 * lo] - e < CONTEXT_MAX) {
        b = st[2 * lo + 1];
    } else {
        b = e + CONTEXT_MAX;
        while (b < len && ((unsigned char)ln[b] & 0xC0) == 0x80)
            b++;
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

/* Whether only a `carry` link stands in ln[from..to) (rules_carries). A pattern that gives
 * up at the match limits counts as no link, and is told once a document, as a rule is. */
static int carries(runctx *rc, const char *ln, size_t from, size_t to, long lineno)
{
    const char *file = "";
    long fline = 0;
    int gave_up;
    if (rules_carries(rc->x->r, ln, from, to, rc->x->md, rc->x->mctx, &gave_up, &file, &fline))
        return 1;
    if (!gave_up)
        return 0;
    if (rc->warn && !rc->carry_warned) {
        char msg[300];
        PCRE2_UCHAR em[120];
        pcre2_get_error_message(gave_up, em, sizeof em);
        snprintf(msg, sizeof msg, "carry pattern (%s:%ld) skipped here: %s", file, fline, (char *)em);
        rc->warn(rc->wctx, rc->file, lineno, msg);
    }
    rc->carry_warned = 1;
    return 0;
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
        if (!has_word(subj, sl) || carries(rc, ln, so, so + sl, lineno))
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
static void put_subject(runctx *rc, rowbuf *b, size_t lstart, const char *ln, const struct prevrow *r)
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
    put(b, COL_SUBJECT, osubj, osl);
    put(b, COL_ACTION, rc->orig + aos, aoe - aos);
}

/* The period cell: the year, or empty when none is known. */
static void put_period(rowbuf *b, int period)
{
    char tmp[NUM_FORMAT_MAX];
    if (period) /* num_format writes a whole number as "%d" does, without printf */
        put(b, COL_PERIOD, tmp, (size_t)num_format(period, tmp, sizeof tmp));
    else
        put(b, COL_PERIOD, "", 0);
}

/* The value and value_max cells (value_max empty without a range). */
static void put_values(rowbuf *b, double v, int has_max, double vmax)
{
    char tmp[NUM_FORMAT_MAX];
    num_format(v, tmp, sizeof tmp);
    puts_(b, COL_VALUE, tmp);
    if (has_max)
        num_format(vmax, tmp, sizeof tmp);
    puts_(b, COL_VALUE_MAX, has_max ? tmp : "");
}

static void put_line(rowbuf *b, long lineno)
{
    char tmp[64];
    put(b, COL_LINE, tmp, (size_t)num_format((double)lineno, tmp, sizeof tmp));
}

/* The built row b to the callback: its return. */
static int pass_row(runctx *rc, const rowbuf *b, double value, const rule *ru, size_t ns, size_t ne)
{
    pm_row row;
    memset(&row, 0, sizeof row);
    for (int i = 0; i < COL_COUNT; i++) {
        row.cell[i] = b->sb.buf + b->off[i];
        row.len[i] = b->len[i];
    }
    row.value = value;
    row.rule = ru;
    row.norm_start = ns;
    row.norm_end = ne;
    return rc->fn(rc->ctx, &row);
}

/* The value, value_max and unit of candidate c (line ln): in base units, the unit canonical
 * (NULL when the map does not know it: then u[0..*ul) as written). */
typedef struct rowval {
    double v, vmax;
    int has_max;
    const char *canon, *u;
    size_t ul;
    const char *qual;
} rowval;

static rowval row_value(const extractor *x, const cand *c, const char *ln)
{
    rowval rv = {c->value, 0, 0, NULL, "", 0, "="};
    double scale = 1.0;
    if (c->g[G_UNIT][0] != (size_t)-1) { /* a rule's unit group may be left unset */
        rv.u = ln + c->g[G_UNIT][0];
        rv.ul = c->g[G_UNIT][1] - c->g[G_UNIT][0];
    }
    rv.canon = rules_unit_canon(x->r, rv.u, rv.ul, &scale);
    rv.v *= scale;
    rv.has_max = c->g[G_VMAX][0] != (size_t)-1;
    if (rv.has_max && num_parse(ln + c->g[G_VMAX][0], c->g[G_VMAX][1] - c->g[G_VMAX][0], &rv.vmax) == 0)
        rv.has_max = 0;
    rv.vmax *= scale;
    for (int gi = G_QUAL; gi <= G_QUAL_AFTER; gi++)
        if (c->g[gi][0] != (size_t)-1 && c->g[gi][1] > c->g[gi][0]) {
            const char *q = rules_qualifier(x->r, ln + c->g[gi][0], c->g[gi][1] - c->g[gi][0]);
            if (q && strcmp(q, "=") != 0) {
                rv.qual = q;
                break;
            }
        }
    return rv;
}

void extract_text_span(const cand *c, size_t *ts, size_t *te)
{
    *ts = c->start;
    *te = c->end;
    for (int gi = G_QUAL; gi <= G_QUAL_AFTER; gi++)
        if (c->g[gi][0] != (size_t)-1 && c->g[gi][1] > c->g[gi][0]) {
            if (c->g[gi][0] < *ts)
                *ts = c->g[gi][0];
            if (c->g[gi][1] > *te)
                *te = c->g[gi][1];
        }
}

/* A value the CSV cannot keep exactly: more than NUM_DIGITS significant digits (NaN from
 * num_parse) or beyond a double (infinite, also after a unit's scale). No row is made
 * of it; the caller hears of it once, with the number as written (its start if long). */
static int value_refused(runctx *rc, long line, size_t at, const char *num, size_t nl, double v, int has_max,
                         double vmax)
{
    if (isfinite(v) && (!has_max || isfinite(vmax)))
        return 0;
    if (rc->warn && !(rc->refused_line == line && rc->refused_at == at)) {
        char msg[200];
        size_t cut = nl > 40 ? 40 : nl;
        while (cut < nl && cut > 0 && ((unsigned char)num[cut] & 0xC0) == 0x80) /* whole characters */
            cut--;
        int lost = isnan(v) || (has_max && isnan(vmax));
        if (lost)
            snprintf(msg, sizeof msg, "number '%.*s%s' has more than %d significant digits, which a value cannot keep: no row",
                     (int)cut, num, cut < nl ? "…" : "", NUM_DIGITS);
        else
            snprintf(msg, sizeof msg, "number '%.*s%s' is too large for a value: no row", (int)cut, num,
                     cut < nl ? "…" : "");
        rc->warn(rc->wctx, rc->file, line, msg);
    }
    rc->refused_line = line;
    rc->refused_at = at;
    return 1;
}

int extract_emit(runctx *rc, const cand *c, size_t lstart, size_t llen, long lineno)
{
    extractor *x = rc->x;
    const char *ln = rc->norm + lstart;
    rowbuf *b = &rc->rb;
    strbuf_reset(&b->sb);
    rowval rv = row_value(x, c, ln);
    if (value_refused(rc, lineno, lstart + c->g[G_VALUE][0], ln + c->g[G_VALUE][0],
                      c->g[G_VALUE][1] - c->g[G_VALUE][0], rv.v, rv.has_max, rv.vmax))
        return 0;
    size_t ts, te, cs, ce;
    extract_text_span(c, &ts, &te);
    size_t os = to_orig(rc, lstart + ts), oe = to_orig(rc, lstart + te);
    extract_sentence(x, ln, llen, ts, te, &cs, &ce);
    size_t ocs = to_orig(rc, lstart + cs), oce = to_orig(rc, lstart + ce);

    puts_(b, COL_FILE, rc->file);
    puts_(b, COL_CITY, rc->city);
    puts_(b, COL_YEAR, rc->year);
    puts_(b, COL_SECTION, docinfo_section(x->doc));
    puts_(b, COL_CATEGORY, c->ru->category);
    puts_(b, COL_RULE, c->ru->id);
    /* the cues that govern it start after the row before it in the sentence, or with that
     * row's when only a `carry` link stands between them, or an enumeration mark and a
     * noun without a verb of its own (现有中小学312所、幼儿园406所; not 现有50所、新建10所) */
    const struct prevrow *pr = &rc->prev;
    int same = pr->lineno == lineno && pr->cs == cs && pr->end <= ts;
    int listed = same && ts - pr->end >= 3 && memcmp(ln + pr->end, "\xE3\x80\x81", 3) == 0 &&
                 c->g[G_ACTION][0] == (size_t)-1;
    int carried = same && carries(rc, ln, pr->end, ts, lineno);
    size_t from = !same ? cs : listed || carried ? pr->from : pr->end;
    meaning_in mi = {cs, from, ts, c->start, te, c->ru->role, rv.canon ? rules_unit_additive(x->r, rv.canon) : 1};
    meaning_row mr;
    meaning_of(x->mean, &mi, &mr);
    rc->prev = row_subject(rc, c, ln, lineno, cs, ts, te, carried, from);
    put_subject(rc, b, lstart, ln, &rc->prev);
    puts_(b, COL_ROLE, mr.role);
    put_period(b, mr.period);
    puts_(b, COL_ADDITIVE, mr.additive ? "yes" : "no");
    put(b, COL_ATTRIBUTE, "", 0);
    put_values(b, rv.v, rv.has_max, rv.vmax);
    puts_(b, COL_QUALIFIER, rv.qual);
    if (rv.canon)
        puts_(b, COL_UNIT, rv.canon);
    else
        put(b, COL_UNIT, rv.u, rv.ul);
    put(b, COL_TEXT, rc->orig + os, oe - os);
    put_line(b, lineno);
    put(b, COL_CONTEXT, rc->orig + ocs, oce - ocs);
    return pass_row(rc, b, rv.v, c->ru, lstart + ts, lstart + te);
}

/* Cell col of b: the pieces p[0..n) one after another. */
static void put_join(rowbuf *b, int col, const char *const *p, const size_t *len, int n)
{
    b->off[col] = b->sb.len;
    for (int i = 0; i < n; i++)
        strbuf_add(&b->sb, p[i], len[i]);
    b->len[col] = b->sb.len - b->off[col];
    strbuf_addch(&b->sb, '\0');
}

/* The rows of indicator tables: subject, group and caption as written, context the row's
 * cells joined by " | ". */
static char table_id[] = "table", table_pack[] = "base", table_category[] = "指标", table_role[] = "target";
const rule extract_table_rule = {.id = table_id, .pack = table_pack, .category = table_category, .role = table_role};

/* The context of a table's row: its cells (as written) joined by " | ". */
static void put_cells(runctx *rc, rowbuf *b, const table_cell *cells, size_t ncells)
{
    const char *cp[2 * 32];
    size_t cn[2 * 32];
    int k = 0;
    for (size_t i = 0; i < ncells && k < 2 * 32 - 1; i++) {
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
    put_join(b, COL_CONTEXT, cp, cn, k);
}

/* Cell col of b: the document's original text of normalised [a, e). */
static void put_orig(runctx *rc, rowbuf *b, int col, size_t a, size_t e)
{
    size_t oa = to_orig(rc, a);
    put(b, col, rc->orig + oa, to_orig(rc, e) - oa);
}

int extract_emit_table(runctx *rc, const table_row *tr)
{
    extractor *x = rc->x;
    rowbuf *b = &rc->rb;
    strbuf_reset(&b->sb);
    if (value_refused(rc, tr->line, tr->cell_s, rc->norm + tr->cell_s, tr->cell_e - tr->cell_s, tr->value,
                      tr->has_max, tr->value_max))
        return 0;
    size_t nt, nc;
    const table_info *ti = table_tables(x->tab, &nt) + tr->table;
    const table_cell *cells = table_cells(x->tab, &nc) + tr->cells;
    puts_(b, COL_FILE, rc->file);
    puts_(b, COL_CITY, rc->city);
    puts_(b, COL_YEAR, rc->year);
    const char *sec = docinfo_section(x->doc);
    const char *sp[3] = {sec, " > ", rc->orig + to_orig(rc, ti->cap_s)};
    size_t sl[3] = {strlen(sec), 3, to_orig(rc, ti->cap_e) - to_orig(rc, ti->cap_s)};
    if (!sl[2])
        put_join(b, COL_SECTION, sp, sl, 1);
    else if (sl[0])
        put_join(b, COL_SECTION, sp, sl, 3);
    else
        put_join(b, COL_SECTION, sp + 2, sl + 2, 1);
    if (tr->group_e > tr->group_s)
        put_orig(rc, b, COL_CATEGORY, tr->group_s, tr->group_e);
    else
        puts_(b, COL_CATEGORY, extract_table_rule.category);
    puts_(b, COL_RULE, extract_table_rule.id);
    put_orig(rc, b, COL_SUBJECT, tr->name_s, tr->name_e);
    put(b, COL_ACTION, "", 0);
    puts_(b, COL_ROLE, tr->role);
    put_period(b, tr->period);
    puts_(b, COL_ADDITIVE, tr->additive ? "yes" : "no");
    puts_(b, COL_ATTRIBUTE, tr->attribute);
    put_values(b, tr->value, tr->has_max, tr->value_max);
    puts_(b, COL_QUALIFIER, tr->qualifier);
    puts_(b, COL_UNIT, tr->unit);
    put_orig(rc, b, COL_TEXT, tr->cell_s, tr->cell_e);
    put_line(b, tr->line);
    put_cells(rc, b, cells, tr->ncells);
    return pass_row(rc, b, tr->value, &extract_table_rule, tr->cell_s, tr->cell_e);
}
