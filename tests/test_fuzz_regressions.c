/* test_fuzz_regressions.c: replays the fuzz seeds and every input a fuzzer once crashed on
 * through the same entry points as tests/fuzz/fuzz_*.c (run `make check SANITIZE=1` for ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "extract/extract.h"
#include "base/numparse.h"
#include "ruleset/rules.h"
#include "tests/fuzz/rxscan_oracle.h"
#include "output/summary.h"

#define SEEDS "fuzz/seeds"
#define REGRESSIONS "fuzz/regressions"

/* Inputs that crashed a fuzzer, with the return code the entry point must give now. */
static const struct {
    const char *name;  /* file under fuzz/regressions: TARGET-N */
    int rc;
    const char *why;
} regressions[] = {
    {"numparse-1", PM_OK, "103998999億998008: 亿 and the rest below it made 17 digits, written as 10399899900998000"},
    {"numparse-2", PM_OK, "70000001811億4030000: 亿 and the rest added in two roundings, one step off the decimal"},
    {"rules-1", PM_ERR_SYNTAX, "bad example value: the error message read the freed value (use after free)"},
    {"rules-2", PM_ERR_SYNTAX, "invalid UTF-8 in a pattern compiled with PCRE2_NO_UTF_CHECK (SEGV in pcre2_compile)"},
    {"rules-3", PM_ERR_SYNTAX, "a rule with 70 groups: group numbers above 63 read past the extractor's ovector"},
    {"rules-4", PM_ERR_SYNTAX, "defines doubling 27 times: gigabytes of pattern from a 600-byte file"},
    {"rules-5", PM_OK, "a NUL byte in a unit's written form: its length was taken up to '=', past the copy"},
    {"rules-6", PM_OK, "a pattern whose unit group can stay unset: the row's unit was read at line + (size_t)-1 (UBSan)"},
    {"rules-7", PM_OK, "a rule part that expanded to nothing: its suffix was placed at line[-1] (UBSan: pointer overflow)"},
    {"summary-1", PM_ERR_SYNTAX, "a record of empty fields: NULL arena + 0 (UBSan: zero offset to null pointer)"},
    {"rxscan-1", PM_OK, "\\77 is the octal character '?', not a back reference: the scan said '?' cannot occur"},
    {"rxscan-2", PM_OK, "\\c{ is the control character ';': the scan took '{' for a literal that ends the match"},
    {"rxscan-3", PM_OK, "n{00} repeats zero times: the scan read the minimum as non-zero and said it cannot be empty"},
    {"rxscan-4", PM_OK, "[\\QE-\\E-Q]: a quoted character starts a range; the scan read two literals"},
    {"rxscan-5", PM_OK, "i(?#)? is i?: the quantifier after a comment was read as a literal '?'"},
    {"rxscan-6", PM_OK, "K\\E* is K*: a stray \\E between an item and its quantifier"},
    {"rxscan-7", PM_OK, "[\\0\\E-=] is the range NUL to '=': \\E inside a class was read as a member"},
    {"rxscan-8", PM_OK, "[\\g-X] is a range from g: the scan read \\g- as a back reference and lost it"},
    {"rxscan-9", PM_OK, "(?i)[NUL-i] takes x through X: caseless ranges were tested on the lower case only"},
    {"rxscan-10", PM_OK, "\\C takes one byte of a character: a match can end inside one"},
    {"rxscan-11", PM_OK, "[^\\0-\\xC-0]: \\0 starts a range; the scan read the range as \\xC-0"},
    {"rxscan-12", PM_OK, "[.]: a ] before the .] means no POSIX item, so [ and . are members and the class ends there"},
    {"rxscan-13", PM_OK, "(*:NAME) takes ( and | into its name: a first-character guard inserted there broke the pattern"},
    {"rxscan-14", PM_OK, "(?<*...): a non-atomic lookbehind, zero-width; read as a named group it made the pattern non-empty"},
    {"rxscan-15", PM_OK, "[^\\PPxx\\S]: PCRE2 10.42 leaves \\S out above U+00FF in a class with a property, so the class takes ，"},
    {"rxscan-16", PM_OK, "[\\c](x|y|z]: \\c takes the ] as its character, so the class goes on; the guard read it as closed"},
    {"rxscan-17", PM_OK, "a{,3} is text before PCRE2 10.43 and a quantifier from it: the scan said it ends with a (now it gives up)"},
    {"rxscan-18", PM_OK, "\\N{U+4E2A} is the character U+4E2A: the scan read \\N and then the text {U+4E2A}, ending with }"},
    {"rxscan-19", PM_OK, "a guarded twin too large for PCRE2 (a repeat of 873 guarded groups) is no finding: the engine compiles the source"},
};

static size_t sink;

/* The whole file, exact size (malloc'd, 1 byte for an empty file). */
static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    assert_int_equal(ferror(fp), 0);
    fclose(fp);
    char *exact = malloc(len ? len : 1);
    assert_non_null(exact);
    memcpy(exact, buf, len);
    free(buf);
    *n = len;
    return exact;
}

/* ---- the entry points, as in tests/fuzz/fuzz_*.c ---- */

static int run_numparse(const char *s, size_t size)
{
    size_t starts = size < 64 ? size : 64;
    for (size_t off = 0; off <= starts && off <= size; off++) {
        double v = -12345.0;
        size_t used = num_parse(s + off, size - off, &v);
        assert_true(used <= size - off);
        if (used == 0) {
            assert_true(v == -12345.0);
            continue;
        }
        char buf[NUM_FORMAT_MAX];
        assert_true(num_format(v, buf, sizeof buf) > 0);
        /* a value kept is the decimal as written: strtod reads the text back exactly */
        if (isfinite(v) && strtod(buf, NULL) != v)
            fail_msg("'%.*s' gave %s, which reads back as another number", (int)(size - off), s + off, buf);
    }
    return 0;
}

static void on_fail(void *ctx, const rule *ru, const rule_example *ex, const char *msg)
{
    (void)ctx;
    sink += strlen(ru->id) + strlen(ex->text) + strlen(msg);
}

static int run_rules(const char *src, size_t size)
{
    rules *r = rules_create();
    assert_non_null(r);
    pm_error err;
    pm_error_clear(&err);
    int rc = rules_load_string(r, "fuzz.rules", src, size, &err);
    if (rc == 0) {
        double scale;
        (void)rules_unit_canon(r, "万元", strlen("万元"), &scale);
        extractor *x = extractor_create(r);
        assert_non_null(x);
        sink += extractor_test_examples(x, on_fail, NULL);
        extractor_free(x);
    } else {
        assert_int_equal(err.code, rc);
        assert_true(strlen(err.msg) > 0);
    }
    rules_free(r);
    return rc;
}

static rules *shipped;

static int on_row(void *ctx, const pm_row *row)
{
    (void)ctx;
    for (int i = 0; i < COL_COUNT; i++) {
        assert_non_null(row->cell[i]);
        assert_int_equal(strlen(row->cell[i]), row->len[i]);
    }
    assert_true(row->norm_start <= row->norm_end);
    sink++;
    return 0;
}

static void on_warn(void *ctx, const char *file, long line, const char *msg)
{
    (void)ctx;
    (void)line;
    sink += strlen(file) + strlen(msg);
}

static int run_extract(const char *doc, size_t size)
{
    if (!shipped) {
        pm_error err;
        pm_error_clear(&err);
        shipped = rules_create();
        assert_non_null(shipped);
        if (rules_load(shipped, "../rules", &err) != 0)
            fail_msg("../rules: %s:%ld: %s", err.file, err.line, err.msg);
    }
    extractor *x = extractor_create(shipped);
    assert_non_null(x);
    extract_opts o = {0};
    o.warn = on_warn;
    pm_error err;
    pm_error_clear(&err);
    int rc = extractor_run(x, "fuzz.txt", doc, size, &o, on_row, NULL, &err);
    extractor_free(x);
    return rc;
}

static int run_summary(const char *csv, size_t size)
{
    pm_error err;
    pm_error_clear(&err);
    summary *s = summary_create("city,category", "all", &err);
    assert_non_null(s);
    char *copy = xmemdup(csv, size); /* fmemopen takes a writable buffer */
    FILE *in = size ? fmemopen(copy, size, "r") : fopen("/dev/null", "r");
    assert_non_null(in);
    int rc = summary_read(s, in, "fuzz.csv", &err);
    fclose(in);
    free(copy);
    FILE *out = fopen("/dev/null", "w");
    assert_non_null(out);
    static const unsigned flags[] = {0, SUMMARY_HIST, SUMMARY_PIVOT};
    for (int f = SUMMARY_CSV; f <= SUMMARY_JSON; f++)
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            assert_int_equal(summary_write(s, out, f, flags[k], &err), PM_OK);
    fclose(out);
    summary_free(s);
    return rc;
}

static int run_rxscan(const char *src, size_t size)
{
    char msg[128];
    if (size <= 4096 && rxscan_oracle(src, size, msg, sizeof msg))
        fail_msg("'%.*s': %s", (int)size, src, msg);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(const char *, size_t);
    int ok[4];  /* return codes the entry point may give on arbitrary input */
} targets[] = {
    {"numparse", run_numparse, {PM_OK, PM_OK, PM_OK, PM_OK}},
    {"rules", run_rules, {PM_OK, PM_ERR_SYNTAX, PM_ERR_SYNTAX, PM_ERR_SYNTAX}},
    {"extract", run_extract, {PM_OK, PM_ERR_INPUT, PM_ERR_INPUT, PM_ERR_INPUT}},
    {"summary", run_summary, {PM_OK, PM_ERR_SYNTAX, PM_ERR_SYNTAX, PM_ERR_SYNTAX}},
    {"rxscan", run_rxscan, {PM_OK, PM_OK, PM_OK, PM_OK}},
};
#define NTARGETS (sizeof targets / sizeof targets[0])

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names of the regular files in dir, sorted; *n of them. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open directory %s", dir);
    char **names = NULL;
    size_t k = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = realloc(names, (k + 1) * sizeof *names);
        assert_non_null(names);
        names[k] = strdup(de->d_name);
        assert_non_null(names[k]);
        k++;
    }
    closedir(d);
    if (k)
        qsort(names, k, sizeof *names, cmp_name);
    *n = k;
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int run_file(size_t t, const char *path)
{
    size_t n;
    char *buf = slurp(path, &n);
    int rc = targets[t].run(buf, n);
    free(buf);
    return rc;
}

/* Every seed through its own entry point. */
static void test_seeds(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t t = 0; t < NTARGETS; t++) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/%s", SEEDS, targets[t].name);
        size_t n;
        char **names = list_dir(dir, &n);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            int rc = run_file(t, path);
            int ok = 0;
            for (size_t k = 0; k < 4; k++)
                ok |= rc == targets[t].ok[k];
            if (!ok)
                fail_msg("%s: unexpected return code %d", path, rc);
            total++;
        }
        free_list(names, n);
    }
    assert_true(total >= 4);
}

/* Every seed through every other entry point as well: bytes meant for one parser
 * are fine garbage for the others. */
static void test_seeds_crossed(void **state)
{
    (void)state;
    for (size_t t = 0; t < NTARGETS; t++)
        for (size_t u = 0; u < NTARGETS; u++) {
            char dir[256];
            snprintf(dir, sizeof dir, "%s/%s", SEEDS, targets[u].name);
            size_t n;
            char **names = list_dir(dir, &n);
            for (size_t i = 0; i < n; i++) {
                char path[512];
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                int rc = run_file(t, path);
                int ok = 0;
                for (size_t k = 0; k < 4; k++)
                    ok |= rc == targets[t].ok[k];
                if (!ok)
                    fail_msg("%s through %s: unexpected return code %d", path, targets[t].name, rc);
            }
            free_list(names, n);
        }
}

/* Each saved crash gives its expected return code, and every saved file is listed. */
static void test_regressions(void **state)
{
    (void)state;
    size_t n;
    char **names = list_dir(REGRESSIONS, &n);
    for (size_t i = 0; i < n; i++) {
        int known = 0;
        for (size_t k = 0; k < sizeof regressions / sizeof regressions[0]; k++)
            known |= strcmp(names[i], regressions[k].name) == 0;
        if (!known)
            fail_msg("%s/%s is not listed in regressions[] of test_fuzz_regressions.c", REGRESSIONS, names[i]);
    }
    free_list(names, n);
    for (size_t k = 0; k < sizeof regressions / sizeof regressions[0]; k++) {
        const char *name = regressions[k].name;
        size_t t = 0;
        while (t < NTARGETS && !(strncmp(name, targets[t].name, strlen(targets[t].name)) == 0 &&
                                 name[strlen(targets[t].name)] == '-'))
            t++;
        if (t == NTARGETS)
            fail_msg("%s: no fuzz target named by its prefix", name);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", REGRESSIONS, name);
        int rc = run_file(t, path);
        if (rc != regressions[k].rc)
            fail_msg("%s (%s): return code %d, expected %d", name, regressions[k].why, rc, regressions[k].rc);
    }
}

static int teardown(void **state)
{
    (void)state;
    rules_free(shipped);
    shipped = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_seeds_crossed),
        cmocka_unit_test(test_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
