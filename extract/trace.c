/* trace.c: what explain shows - for each line the marks of its rows, excluded and untaken
 * numbers, and in an indicator table every cell with what became of it. */
#include "extract/extract_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/numparse.h"

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
int extract_trace_line(extractor *x, runctx *r, size_t off, size_t len, size_t nrows, long lineno,
                       const extract_opts *o)
{
    size_t los = to_orig(r, off), loe = to_orig(r, off + len);
    x->nmarks = 0;
    for (size_t i = 0; i < nrows + x->nanc; i++) {
        extract_mark m = {0};
        if (i < nrows) {
            size_t ts, te;
            extract_text_span(&x->c[i], &ts, &te);
            m = (extract_mark){MARK_ROW, ts, te, x->c[i].ru, NULL};
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
        GROW(x->marks, x->nmarks + 1, x->capmarks);
        x->marks[x->nmarks++] = m;
    }
    if (x->nmarks > 1)
        qsort(x->marks, x->nmarks, sizeof(extract_mark), mark_cmp);
    return o->trace(o->trace_ctx, lineno, r->orig + los, loe - los, x->marks, x->nmarks);
}

/* explain: a table's line with every cell marked (header cells with their column, the
 * cells of rows with what became of them). */
int extract_trace_table(extractor *x, runctx *r, size_t off, size_t len, long lineno, const extract_opts *o)
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
        extract_mark m = {kind, to_orig(r, c->s) - los, to_orig(r, c->e) - los, kind == MARK_ROW ? &extract_table_rule : NULL, note};
        GROW(x->marks, x->nmarks + 1, x->capmarks);
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
                GROW(x->marks, x->nmarks + 1, x->capmarks);
                x->marks[x->nmarks++] = m;
            }
        }
    if (x->nmarks > 1)
        qsort(x->marks, x->nmarks, sizeof(extract_mark), mark_cmp);
    return o->trace(o->trace_ctx, lineno, r->orig + los, loe - los, x->marks, x->nmarks);
}
