/* fuzz_extract.c: libFuzzer target for a whole document - decoding, normalisation, every rule.
 * Rules come from $PLANMETRICS_RULES, else ../rules or rules; each row's cells are all read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "extract/extract.h"

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

static int on_row(void *ctx, const pm_row *row)
{
    (void)ctx;
    size_t sum = 0;
    for (int i = 0; i < COL_COUNT; i++) {
        if (!row->cell[i] || row->cell[i][row->len[i]] != '\0')
            abort();
        for (size_t k = 0; k < row->len[i]; k++)
            sum += (unsigned char)row->cell[i][k];
    }
    if (!row->rule || row->norm_start > row->norm_end)
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
    int rc = extractor_run(g_x, "fuzz.txt", doc, size, &o, on_row, NULL, &err);
    if (rc != 0 && rc != PM_ERR_INPUT)
        abort();
    free(doc);
    return 0;
}
