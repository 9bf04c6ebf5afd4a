/* fuzz_summary.c: libFuzzer target for the summary's CSV reader and writers.
 * The input is read with summary_read, then every format and table is written; in the CSV
 * tables every number cell must be empty or a finite plain decimal (no inf, nan, exponent). */
#include <csv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The columns of the summary's CSV tables that hold numbers (the by-fields, bin and no_sum
 * are text). */
static const char *const number_cols[] = {"count", "sum", "mean", "sd", "min", "p25", "median",
                                          "p75", "max", "docs", "ranges", "lo", "hi"};

struct scan {
    size_t col;
    int header;          /* reading the header row */
    unsigned char num[64]; /* per column (the first 64): it holds numbers */
};

static int is_number_col(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof number_cols / sizeof number_cols[0]; i++)
        if (strlen(number_cols[i]) == n && memcmp(number_cols[i], s, n) == 0)
            return 1;
    return 0;
}

/* empty, or -?DIGITS(.DIGITS)? that strtod reads to a finite double */
static int plain_decimal(const char *s, size_t n)
{
    if (n == 0)
        return 1;
    size_t i = s[0] == '-', d = 0, f = 1;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        d++;
    if (i < n && s[i] == '.')
        for (f = 0, i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            f++;
    return d && f && i == n;
}

static void on_field(void *f, size_t n, void *ctx)
{
    struct scan *sc = ctx;
    if (sc->col < sizeof sc->num) {
        if (sc->header)
            sc->num[sc->col] = (unsigned char)is_number_col(f, n);
        else if (sc->num[sc->col] && !plain_decimal(f, n))
            abort();
    }
    sc->col++;
}

static void on_record(int c, void *ctx)
{
    (void)c;
    struct scan *sc = ctx;
    sc->header = 0;
    sc->col = 0;
}

/* Check every number cell of a summary CSV table. */
static void check_table(const char *csvtext, size_t n)
{
    struct csv_parser p;
    struct scan sc = {.header = 1};
    if (csv_init(&p, 0) != 0)
        abort();
    if (csv_parse(&p, csvtext, n, on_field, on_record, &sc) != n)
        abort();
    csv_fini(&p, on_field, on_record, &sc);
    csv_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_error err;
    pm_error_clear(&err);
    summary *s = summary_create("city,category", "all", &err);
    if (!s)
        abort();
    char *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    /* fmemopen of size 0 is not portable: an empty stream from /dev/null instead. */
    FILE *in = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "r");
    if (!in)
        abort();
    int rc = summary_read(s, in, "fuzz.csv", &err);
    fclose(in);
    if (rc != PM_OK && rc != PM_ERR_SYNTAX && rc != PM_ERR_IO && rc != PM_ERR_NOMEM)
        abort();
    /* Rows before an error stay added: write whatever was read. */
    static const unsigned flags[] = {0, SUMMARY_HIST, SUMMARY_PIVOT};
    for (int f = SUMMARY_CSV; f <= SUMMARY_JSON; f++)
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            char *text = NULL;
            size_t tl = 0;
            FILE *out = open_memstream(&text, &tl);
            if (!out)
                abort();
            pm_error_clear(&err);
            rc = summary_write(s, out, f, flags[k], &err);
            if (rc != PM_OK && rc != PM_ERR_NOMEM)
                abort();
            fclose(out);
            if (f == SUMMARY_CSV && flags[k] != SUMMARY_PIVOT)
                check_table(text, tl);
            free(text);
        }
    summary_free(s);
    free(buf);
    return 0;
}
