/* sumtable.c: a summary's groups as tables - statistics per group (GSL), log10
 * histograms and the pivot of sums - written through output/grid. */
#include "output/summary.h"

#include "base/mem.h"
#include "base/numparse.h"
#include "output/grid.h"
#include "output/summary_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* A number as extract writes it; NULL (an empty cell) when it is not finite. */
static char *num_dup(double v)
{
    if (!isfinite(v))
        return NULL;
    char buf[NUM_FORMAT_MAX];
    int n = num_format(v, buf, sizeof buf);
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return xstrdup(buf);
}

static char *count_dup(size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    return xstrdup(buf);
}

/* ---- statistics ---- */

static int cmp_group(const void *a, const void *b)
{
    const group *x = *(const group *const *)a, *y = *(const group *const *)b;
    size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Groups sorted by key, values of each sorted ascending; *ng of them. */
static group **sorted_groups(summary *s, size_t *ng)
{
    size_t ngroups = strmap_count(s->keys);
    group **gs = xmalloc((ngroups ? ngroups : 1) * sizeof *gs);
    size_t n = 0;
    for (size_t i = 0; i < ngroups; i++)
        if (s->g[i].n) {
            gs[n++] = &s->g[i];
            gsl_sort(s->g[i].v, 1, s->g[i].n);
        }
    qsort(gs, n, sizeof *gs, cmp_group);
    *ng = n;
    return gs;
}

/* Why a group has no sum: NULL when it has one. */
static const char *no_sum(const summary *s, const group *g);

static int unit_additive(const summary *s, const char *unit)
{
    if (strcmp(unit, "%") == 0 || strcmp(unit, "‰") == 0)
        return 0;
    if (!s->additive)
        return 1;
    return s->additive(s->actx, unit) != 0;
}

static const char *no_sum(const summary *s, const group *g)
{
    if (!unit_additive(s, g->fld[s->unit_k]))
        return "rate unit";
    if (g->nonadd)
        return "not additive";
    return NULL;
}

/* One step of a compensated (Neumaier) sum in long double: acc the sum, lost what large
 * values absorbed of small ones, added back at the end (cell_sum). */
static void add_compensated(long double *acc, long double *lost, long double x)
{
    long double t = *acc + x;
    *lost += fabsl(*acc) >= fabsl(x) ? (*acc - t) + x : (x - t) + *acc;
    *acc = t;
}

/* A compensated sum as a double (inf beyond one). */
static double cell_sum(long double acc, long double lost)
{
    return (double)(isfinite(acc) ? acc + lost : acc);
}

/* Sum of a group's (sorted) values, ascending so the result does not depend on input order,
 * compensated: -1e308, 0.0000001 and 1e308 sum to 0.0000001, not 0. */
static long double group_sum(const group *g)
{
    long double acc = 0, lost = 0;
    for (size_t i = 0; i < g->n; i++)
        add_compensated(&acc, &lost, g->v[i]);
    return isfinite(acc) ? acc + lost : acc; /* where long double is double, inf stays inf */
}

static void key_cells(const summary *s, const group *g, grid *t, size_t row)
{
    for (size_t k = 0; k < s->nkey; k++)
        grid_put(t, row, k, g->fld[k]);
}

static const char *const stat_cols[] = {"count", "sum", "mean", "sd", "min", "p25",
                                        "median", "p75", "max", "docs", "ranges", "no_sum"};
#define NSTAT (sizeof stat_cols / sizeof *stat_cols)

/* The sample sd of v[0..n) (sorted, n >= 2), also when the variance overflows a double
 * (-1e200 and 1e200): then of the values scaled down by the largest magnitude. */
static double sd_of(const double *v, size_t n)
{
    double sd = gsl_stats_sd(v, 1, n);
    if (isfinite(sd))
        return sd;
    double m = fmax(fabs(v[0]), fabs(v[n - 1])), *w = xmalloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = v[i] / m;
    sd = m * gsl_stats_sd(w, 1, n);
    free(w);
    return sd;
}

static grid *build_stats(summary *s, group **gs, size_t ng)
{
    grid *t = grid_create(s->nkey + NSTAT);
    for (size_t k = 0; k < s->nkey; k++)
        grid_head(t, k, s->keyname[k], 0);
    for (size_t c = 0; c < NSTAT; c++)
        grid_head(t, s->nkey + c, stat_cols[c], c != NSTAT - 1);
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        size_t row = grid_add_row(t), k = s->nkey;
        key_cells(s, g, t, row);
        const double *v = g->v;
        size_t n = g->n;
        grid_set(t, row, k + 0, count_dup(n));
        const char *why = no_sum(s, g);
        long double exact = group_sum(g); /* long double: beyond a double it is still finite */
        double sum = why ? 0 : (double)exact;
        if (!why && !isfinite(sum))
            why = "sum beyond a double";
        if (!why)
            grid_set(t, row, k + 1, num_dup(sum));
        else
            grid_put(t, row, k + 11, why);
        grid_set(t, row, k + 2, num_dup((double)(exact / (long double)n)));
        if (n >= 2)
            grid_set(t, row, k + 3, num_dup(sd_of(v, n)));
        grid_set(t, row, k + 4, num_dup(v[0]));
        grid_set(t, row, k + 5, num_dup(gsl_stats_quantile_from_sorted_data(v, 1, n, 0.25)));
        grid_set(t, row, k + 6, num_dup(gsl_stats_median_from_sorted_data(v, 1, n)));
        grid_set(t, row, k + 7, num_dup(gsl_stats_quantile_from_sorted_data(v, 1, n, 0.75)));
        grid_set(t, row, k + 8, num_dup(v[n - 1]));
        grid_set(t, row, k + 9, count_dup(g->ndocs));
        grid_set(t, row, k + 10, count_dup(g->ranges));
    }
    return t;
}

/* ---- histograms ---- */

static double p10(int e)
{
    return pow(10.0, e);
}

/* Largest e with 10^e <= v, smallest e with 10^e >= v (v > 0), exact at powers of ten. */
static int dec_floor(double v)
{
    int e = (int)floor(log10(v));
    while (e > -330 && p10(e) > v)
        e--;
    while (e < 308 && p10(e + 1) <= v)
        e++;
    return e;
}

static int dec_ceil(double v)
{
    int e = (int)ceil(log10(v));
    while (e > -330 && p10(e - 1) >= v)
        e--;
    while (e < 308 && p10(e) < v)
        e++;
    return e;
}

static char *bin_label(double lo, double hi, int last)
{
    char a[400], b[400], out[820];
    num_format(lo, a, sizeof a);
    num_format(hi, b, sizeof b);
    snprintf(out, sizeof out, "[%s,%s%c", a, b, last ? ']' : ')');
    return xstrdup(out);
}

static const char *const hist_cols[] = {"bin", "lo", "hi", "count"};

/* The rows of one group with values above 0: a bin per decade. */
static void hist_bins(const summary *s, const group *g, size_t from, grid *t)
{
    int lo = dec_floor(g->v[from]), hi = dec_ceil(g->v[g->n - 1]);
    if (hi <= lo)
        hi = lo + 1; /* every value is the same power of ten */
    size_t nb = (size_t)(hi - lo);
    double *edge = xmalloc((nb + 1) * sizeof *edge);
    gsl_histogram *h = gsl_histogram_alloc(nb);
    if (!h)
        h = gsl_histogram_alloc(nb); /* GSL allocates on its own: a second try, then give up */
    if (h) {
        for (size_t b = 0; b <= nb; b++)
            edge[b] = p10(lo + (int)b);
        int rc = gsl_histogram_set_ranges(h, edge, nb + 1);
        for (size_t j = from; j < g->n && rc == GSL_SUCCESS; j++) {
            /* gsl bins are [lo,hi): a value on the top edge goes into the last bin */
            double x = g->v[j] >= edge[nb] ? edge[nb - 1] : g->v[j];
            rc = gsl_histogram_increment(h, x);
        }
        for (size_t b = 0; b < nb && rc == GSL_SUCCESS; b++) {
            size_t row = grid_add_row(t), k = s->nkey;
            key_cells(s, g, t, row);
            grid_set(t, row, k, bin_label(edge[b], edge[b + 1], b + 1 == nb));
            grid_set(t, row, k + 1, num_dup(edge[b]));
            grid_set(t, row, k + 2, num_dup(edge[b + 1]));
            grid_set(t, row, k + 3, count_dup((size_t)gsl_histogram_get(h, b)));
        }
    }
    free(edge);
    gsl_histogram_free(h);
}

static grid *build_hist(summary *s, group **gs, size_t ng)
{
    grid *t = grid_create(s->nkey + 4);
    for (size_t k = 0; k < s->nkey; k++)
        grid_head(t, k, s->keyname[k], 0);
    for (size_t c = 0; c < 4; c++)
        grid_head(t, s->nkey + c, hist_cols[c], c > 0);
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        size_t nonpos = 0;
        while (nonpos < g->n && g->v[nonpos] <= 0)
            nonpos++;
        if (nonpos) {
            size_t row = grid_add_row(t);
            key_cells(s, g, t, row);
            grid_put(t, row, s->nkey, "<=0");
            grid_put(t, row, s->nkey + 2, "0");
            grid_set(t, row, s->nkey + 3, count_dup(nonpos));
        }
        if (nonpos < g->n)
            hist_bins(s, g, nonpos, t);
    }
    return t;
}

/* ---- pivot ---- */

typedef struct pcol {
    const char *unit;
    const char *col; /* NULL: the unit's total column */
} pcol;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Units first, a unit's total column after its values. */
static int cmp_pcol(const void *a, const void *b)
{
    const pcol *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (c)
        return c;
    if (!x->col || !y->col)
        return (x->col == NULL) - (y->col == NULL);
    return strcmp(x->col, y->col);
}

static size_t uniq(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    char *p = base;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || cmp(p + (m - 1) * size, p + i * size) != 0)
            memmove(p + m++ * size, p + i * size, size);
    return m;
}

/* The pivot's row labels (first --by field) and columns (unit, second field or total),
 * sorted and unique; *nrow and *npc of them. Groups with no sum take no part. */
static void pivot_axes(const summary *s, group **gs, size_t ng, size_t rk, size_t ck,
                       const char **rows, size_t *nrow, pcol *pc, size_t *npc)
{
    size_t nr = 0, nc = 0;
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        if (no_sum(s, g))
            continue;
        rows[nr++] = g->fld[rk];
        if (ck != (size_t)-1)
            pc[nc++] = (pcol){g->fld[s->unit_k], g->fld[ck]};
        pc[nc++] = (pcol){g->fld[s->unit_k], NULL};
    }
    qsort(rows, nr, sizeof *rows, cmp_str);
    *nrow = uniq(rows, nr, sizeof *rows, cmp_str);
    qsort(pc, nc, sizeof *pc, cmp_pcol);
    *npc = uniq(pc, nc, sizeof *pc, cmp_pcol);
}

static grid *build_pivot(summary *s, group **gs, size_t ng)
{
    size_t rk = (size_t)-1, ck = (size_t)-1;
    for (size_t k = 0; k < s->nkey; k++)
        if (k != s->unit_k) {
            if (rk == (size_t)-1)
                rk = k;
            else if (ck == (size_t)-1)
                ck = k;
        }
    size_t nrow = 0, npc = 0;
    const char **rows = xmalloc((ng + 1) * sizeof *rows);
    pcol *pc = xmalloc((2 * ng + 1) * sizeof *pc);
    pivot_axes(s, gs, ng, rk, ck, rows, &nrow, pc, &npc);
    /* each cell's sum compensated as a group's is: val the sum, lost what it absorbed */
    long double *val = xcalloc((nrow + 1) * (npc + 1), sizeof *val);
    long double *lost = xcalloc((nrow + 1) * (npc + 1), sizeof *lost);
    unsigned char *has = xcalloc((nrow + 1) * (npc + 1), 1);
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        if (no_sum(s, g))
            continue;
        long double sum = group_sum(g);
        const char *unit = g->fld[s->unit_k];
        const char **rp = bsearch(&g->fld[rk], rows, nrow, sizeof *rows, cmp_str);
        size_t r = (size_t)(rp - rows);
        pcol kc = {unit, ck != (size_t)-1 ? g->fld[ck] : NULL}, kt = {unit, NULL};
        size_t cells[2], ncell = 0;
        const pcol *cp = bsearch(&kt, pc, npc, sizeof *pc, cmp_pcol);
        cells[ncell++] = (size_t)(cp - pc);
        if (kc.col) {
            cp = bsearch(&kc, pc, npc, sizeof *pc, cmp_pcol);
            cells[ncell++] = (size_t)(cp - pc);
        }
        for (size_t j = 0; j < ncell; j++) { /* its cell and the total row's */
            size_t c = cells[j];
            add_compensated(&val[r * npc + c], &lost[r * npc + c], sum);
            has[r * npc + c] = 1;
            add_compensated(&val[nrow * npc + c], &lost[nrow * npc + c], sum);
            has[nrow * npc + c] = 1;
        }
    }
    grid *t = grid_create(npc + 1);
    grid_head(t, 0, s->keyname[rk], 0);
    for (size_t c = 0; c < npc; c++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s (%s)", pc[c].col ? pc[c].col : "total", pc[c].unit);
        grid_head(t, c + 1, buf, 1);
    }
    for (size_t r = 0; r <= nrow && nrow; r++) {
        size_t row = grid_add_row(t);
        grid_put(t, row, 0, r < nrow ? rows[r] : "total");
        for (size_t c = 0; c < npc; c++)
            if (has[r * npc + c])
                grid_set(t, row, c + 1, num_dup(cell_sum(val[r * npc + c], lost[r * npc + c])));
    }
    free(rows);
    free(pc);
    free(val);
    free(lost);
    free(has);
    return t;
}

int summary_write(summary *s, FILE *out, int format, unsigned flags, pm_error *err)
{
    if (format != SUMMARY_CSV && format != SUMMARY_MD && format != SUMMARY_JSON)
        return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "unknown summary format %d", format);
    if (flags & ~(unsigned)(SUMMARY_HIST | SUMMARY_PIVOT))
        return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "unknown summary flags %#x", flags);
    if ((flags & SUMMARY_HIST) && (flags & SUMMARY_PIVOT))
        return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "--hist and --pivot cannot be combined");
    if ((flags & SUMMARY_PIVOT) && s->nkey < 2)
        return pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "--pivot needs a --by field besides 'unit'");

    size_t ng = 0;
    group **gs = sorted_groups(s, &ng);
    grid *t = flags & SUMMARY_PIVOT ? build_pivot(s, gs, ng)
              : flags & SUMMARY_HIST ? build_hist(s, gs, ng)
                                     : build_stats(s, gs, ng);
    free(gs);
    errno = 0;
    int fmt = format == SUMMARY_MD ? GRID_MD : format == SUMMARY_JSON ? GRID_JSON : GRID_CSV;
    int rc = grid_write(t, out, fmt);
    grid_free(t);
    if (rc != 0 || fflush(out) != 0 || ferror(out)) {
        char why[PM_STRERROR_MAX];
        return pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write summary: %s",
                            errno ? pm_strerror(errno, why, sizeof why) : "write error");
    }
    return PM_OK;
}
