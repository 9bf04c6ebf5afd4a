/* fuzz_extract.c: libFuzzer target for a whole document - decoding, normalisation, every rule.
 * Rules come from $PLANMETRICS_RULES, else ../rules or rules; each row's cells are all read,
 * every value is a finite plain decimal that reads back to the row's number, and the rows
 * written as CSV are read back by summary without an error. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/numparse.h"
#include "extract/extract.h"
#include "output/csvout.h"
#include "output/summary.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rules *g_rules;
static extractor *g_x;
static volatile size_t sink;

static void cleanup(void)
{
    extractor_free(g_x);
    rules_free(g_rules);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *env = getenv("PLANMETRICS_RULES");
    const char *cand[] = {env && *env ? env : NULL, "../rules", "rules"};
    const char *dir = NULL;
    for (size_t i = 0; i < sizeof cand / sizeof cand[0] && !dir; i++) {
        struct stat st;
        if (cand[i] && stat(cand[i], &st) == 0)
            dir = cand[i];
    }
    if (!dir) {
        fprintf(stderr, "fuzz_extract: no rules: set PLANMETRICS_RULES\n");
        exit(1);
    }
    pm_error err;
    pm_error_clear(&err);
    g_rules = rules_create();
    if (!g_rules || rules_load(g_rules, dir, &err) != 0) {
        fprintf(stderr, "fuzz_extract: %s:%ld: %s\n", err.file, err.line, err.msg);
        exit(1);
    }
    g_x = extractor_create(g_rules);
    if (!g_x)
        exit(1);
    atexit(cleanup);
    return 0;
}

/* A value cell: -?DIGITS(.DIGITS)?, no exponent, no inf or nan, read back by strtod to a
 * finite double that num_format writes as the same text; want: the row's number, which that
 * double must round (NULL: any). An empty cell passes only when allowed. */
static void check_number(const char *cell, size_t n, const double *want, int empty_ok)
{
    if (n == 0) {
        if (!empty_ok)
            abort();
        return;
    }
    size_t i = cell[0] == '-', d = 0;
    for (; i < n && cell[i] >= '0' && cell[i] <= '9'; i++)
        d++;
    if (!d)
        abort();
    if (i < n && cell[i] == '.') {
        size_t f = 0;
        for (i++; i < n && cell[i] >= '0' && cell[i] <= '9'; i++)
            f++;
        if (!f)
            abort();
    }
    if (i != n)
        abort();
    char *end;
    double v = strtod(cell, &end);
    /* the row's binary number, a unit's scale applied (73.6亿: 7359999999.999999), is the
     * cell's to 15 significant digits (7360000000) */
    if (end != cell + n || !isfinite(v) || (want && fabs(v - *want) > fabs(*want) * 1e-14))
        abort();
    char back[NUM_FORMAT_MAX];
    int bl = num_format(v, back, sizeof back);
    if (bl < 0 || (size_t)bl != n || memcmp(back, cell, n) != 0)
        abort();
}

static int on_row(void *ctx, const pm_row *row)
{
    csvout *w = ctx;
    size_t sum = 0;
    for (int i = 0; i < COL_COUNT; i++) {
        if (!row->cell[i] || row->cell[i][row->len[i]] != '\0')
            abort();
        for (size_t k = 0; k < row->len[i]; k++)
            sum += (unsigned char)row->cell[i][k];
    }
    if (!row->rule || row->norm_start > row->norm_end)
        abort();
    check_number(row->cell[COL_VALUE], row->len[COL_VALUE], &row->value, 0);
    check_number(row->cell[COL_VALUE_MAX], row->len[COL_VALUE_MAX], NULL, 1);
    if (csvout_row(w, row->cell, row->len, COL_COUNT) != 0)
        abort();
    sink += sum + strlen(row->rule->id);
    return 0;
}

static void on_warn(void *ctx, const char *file, long line, const char *msg)
{
    (void)ctx;
    (void)line;
    sink += strlen(file) + strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *doc = malloc(size ? size : 1);
    if (!doc)
        return 0;
    if (size)
        memcpy(doc, data, size);
    extract_opts o = {0};
    o.warn = on_warn;
    pm_error err;
    pm_error_clear(&err);
    char *csv = NULL;
    size_t csvlen = 0;
    FILE *mem = open_memstream(&csv, &csvlen);
    csvout *w = mem ? csvout_create(mem, 0) : NULL;
    if (!w)
        abort();
    unsigned char numeric[COL_COUNT] = {0}; /* as extract writes them */
    numeric[COL_VALUE] = numeric[COL_VALUE_MAX] = numeric[COL_LINE] = numeric[COL_YEAR] = 1;
    numeric[COL_QUALIFIER] = 1;
    csvout_set_numeric(w, numeric, COL_COUNT);
    if (csvout_row(w, extract_columns, NULL, COL_COUNT) != 0)
        abort();
    int rc = extractor_run(g_x, "fuzz.txt", doc, size, &o, on_row, w, &err);
    if (rc != 0 && rc != PM_ERR_INPUT)
        abort();
    unsigned long nrows = csvout_rows(w);
    csvout_free(w);
    fclose(mem);
    /* summary reads every row back: no value it calls not a number, and some group when
     * there was a row */
    summary *sum = summary_create(NULL, "all", &err);
    FILE *in = sum ? fmemopen(csv, csvlen, "r") : NULL;
    if (!in || summary_read(sum, in, "fuzz.csv", &err) != 0)
        abort();
    if (nrows > 1 && summary_groups(sum) == 0)
        abort();
    fclose(in);
    summary_free(sum);
    free(csv);
    free(doc);
    return 0;
}
