/* grid.c: the summary's result table and its writers. CSV goes through csvout, so quoting
 * and formula neutralisation are the extract CSV's; Markdown widths come from base/utf8. */
#include "output/grid.h"

#include "base/mem.h"
#include "base/strbuf.h"
#include "base/utf8.h"
#include "output/csvout.h"

#include <stdlib.h>
#include <string.h>

struct grid {
    size_t ncols, nrows, cap;
    char **head;            /* ncols */
    unsigned char *numeric; /* ncols */
    char **cell;            /* nrows * ncols, NULL = empty (null in JSON) */
};

grid *grid_create(size_t ncols)
{
    grid *g = xcalloc(1, sizeof *g);
    g->ncols = ncols;
    g->head = xcalloc(ncols ? ncols : 1, sizeof *g->head);
    g->numeric = xcalloc(ncols ? ncols : 1, 1);
    return g;
}

void grid_free(grid *g)
{
    if (!g)
        return;
    for (size_t c = 0; c < g->ncols; c++)
        free(g->head[c]);
    for (size_t i = 0; i < g->nrows * g->ncols; i++)
        free(g->cell[i]);
    free(g->head);
    free(g->numeric);
    free(g->cell);
    free(g);
}

void grid_head(grid *g, size_t c, const char *name, int numeric)
{
    free(g->head[c]);
    g->head[c] = xstrdup(name);
    g->numeric[c] = numeric != 0;
}

size_t grid_add_row(grid *g)
{
    if (g->nrows == g->cap) {
        size_t cells = 0;
        g->cap = g->cap ? g->cap * 2 : 16;
        cells = g->cap * g->ncols;
        g->cell = xrealloc(g->cell, (cells ? cells : 1) * sizeof *g->cell);
    }
    char **row = g->cell + g->nrows * g->ncols;
    for (size_t c = 0; c < g->ncols; c++)
        row[c] = NULL;
    return g->nrows++;
}

void grid_set(grid *g, size_t row, size_t c, char *s)
{
    char **cell = &g->cell[row * g->ncols + c];
    free(*cell);
    *cell = s;
}

void grid_put(grid *g, size_t row, size_t c, const char *s)
{
    grid_set(g, row, c, s ? xstrdup(s) : NULL);
}

size_t grid_rows(const grid *g)
{
    return g->nrows;
}

static char **row_of(const grid *g, size_t r) /* r 0: the header */
{
    return r ? g->cell + (r - 1) * g->ncols : g->head;
}

static int write_csv(const grid *g, FILE *out)
{
    csvout *w = csvout_create(out, CSVOUT_QUOTE_BLANKS | CSVOUT_WHOLE); /* as summary always wrote */
    int rc = csvout_row(w, (const char *const *)g->head, NULL, g->ncols);
    csvout_set_numeric(w, g->numeric, g->ncols);
    for (size_t r = 1; r <= g->nrows && rc == 0; r++)
        rc = csvout_row(w, (const char *const *)row_of(g, r), NULL, g->ncols);
    csvout_free(w);
    return rc;
}

/* A cell as Markdown: '|' escaped, line breaks as spaces. */
static char *md_cell(const char *s)
{
    strbuf sb = STRBUF_INIT;
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '|')
            strbuf_addch(&sb, '\\');
        strbuf_addch(&sb, (*p == '\n' || *p == '\r') ? ' ' : *p);
    }
    return strbuf_detach(&sb, NULL);
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void md_line(const grid *g, char **esc, const size_t *cw, const size_t *w, size_t r, FILE *out)
{
    for (size_t c = 0; c < g->ncols; c++) {
        size_t i = r * g->ncols + c;
        fputs(c ? " | " : "| ", out);
        if (r && g->numeric[c]) {
            pad(out, w[c] - cw[i]);
            fputs(esc[i], out);
        } else {
            fputs(esc[i], out);
            pad(out, w[c] - cw[i]);
        }
    }
    fputs(" |\n", out);
}

static void write_md(const grid *g, FILE *out)
{
    size_t total = (g->nrows + 1) * g->ncols;
    char **esc = xcalloc(total ? total : 1, sizeof *esc);
    size_t *w = xcalloc(g->ncols ? g->ncols : 1, sizeof *w);
    size_t *cw = xcalloc(total ? total : 1, sizeof *cw);
    for (size_t r = 0; r <= g->nrows; r++)
        for (size_t c = 0; c < g->ncols; c++) {
            size_t i = r * g->ncols + c;
            esc[i] = md_cell(row_of(g, r)[c]);
            cw[i] = utf8_width(esc[i], strlen(esc[i]));
            if (cw[i] > w[c])
                w[c] = cw[i];
        }
    for (size_t c = 0; c < g->ncols; c++)
        if (w[c] < 3)
            w[c] = 3;
    for (size_t r = 0; r <= g->nrows; r++) {
        md_line(g, esc, cw, w, r, out);
        if (r)
            continue;
        for (size_t c = 0; c < g->ncols; c++) { /* the rule under the header */
            fputs(c ? " | " : "| ", out);
            for (size_t k = 0; k + 1 < w[c]; k++)
                fputc('-', out);
            fputc(g->numeric[c] ? ':' : '-', out);
        }
        fputs(" |\n", out);
    }
    for (size_t i = 0; i < total; i++)
        free(esc[i]);
    free(esc);
    free(w);
    free(cw);
}

/* A JSON string: quotes, backslashes and control characters escaped, invalid UTF-8 as U+FFFD. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        uint32_t cp;
        size_t n = utf8_next(p, left, &cp);
        if (cp == UTF8_BAD)
            fputs("\\ufffd", out);
        else if (cp == '"' || cp == '\\')
            fprintf(out, "\\%c", (int)cp);
        else if (cp == '\n')
            fputs("\\n", out);
        else if (cp == '\r')
            fputs("\\r", out);
        else if (cp == '\t')
            fputs("\\t", out);
        else if (cp < 0x20)
            fprintf(out, "\\u%04lx", (unsigned long)cp);
        else
            fwrite(p, 1, n, out);
        p += n;
        left -= n;
    }
    fputc('"', out);
}

static void write_json(const grid *g, FILE *out)
{
    if (g->nrows == 0) {
        fputs("[]\n", out);
        return;
    }
    fputs("[\n", out);
    for (size_t r = 1; r <= g->nrows; r++) {
        char **row = row_of(g, r);
        fputs("  {", out);
        for (size_t c = 0; c < g->ncols; c++) {
            if (c)
                fputs(", ", out);
            json_str(out, g->head[c]);
            fputs(": ", out);
            if (!row[c])
                fputs("null", out);
            else if (g->numeric[c])
                fputs(row[c], out);
            else
                json_str(out, row[c]);
        }
        fputs(r < g->nrows ? "},\n" : "}\n", out);
    }
    fputs("]\n", out);
}

int grid_write(const grid *g, FILE *out, int format)
{
    if (format == GRID_MD)
        write_md(g, out);
    else if (format == GRID_JSON)
        write_json(g, out);
    else if (write_csv(g, out) != 0)
        return -1;
    return ferror(out) ? -1 : 0;
}
