/* test_summary.c: statistics, histograms, pivots, formats and input errors of output/summary.
 * Expected numbers are computed by hand in the comments next to each case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/summary.h"

#define HDR "file,city,category,role,value,value_max,unit\n"
#define STATS "count,sum,mean,sd,min,p25,median,p75,max,docs,ranges,no_sum\n"

/* Read csv into a new summary (by, role), write it; returns the output (malloc'd)
 * or NULL with *rc and err filled when reading or writing failed. */
static char *run_full(const char *csv, const char *by, const char *role, int format, unsigned flags,
                      int (*additive)(void *, const char *), int *rc, pm_error *err)
{
    pm_error_clear(err);
    summary *s = summary_create(by, role, err);
    assert_non_null(s);
    if (additive)
        summary_set_additive(s, additive, NULL);
    size_t len = strlen(csv);
    FILE *in = len ? fmemopen((void *)csv, len, "r") : tmpfile();
    assert_non_null(in);
    *rc = summary_read(s, in, "in.csv", err);
    fclose(in);
    char *buf = NULL;
    size_t n = 0;
    if (*rc == PM_OK) {
        FILE *out = open_memstream(&buf, &n);
        assert_non_null(out);
        *rc = summary_write(s, out, format, flags, err);
        fclose(out);
        if (*rc != PM_OK) {
            free(buf);
            buf = NULL;
        }
    }
    summary_free(s);
    return buf;
}

static char *run(const char *csv, const char *by, int format, unsigned flags)
{
    int rc;
    pm_error err;
    char *out = run_full(csv, by, NULL, format, flags, NULL, &rc, &err);
    if (rc != PM_OK)
        fail_msg("unexpected error %d: %s:%ld:%ld: %s", rc, err.file, err.line, err.column, err.msg);
    return out;
}

static void expect(const char *csv, const char *by, int format, unsigned flags, const char *want)
{
    char *got = run(csv, by, format, flags);
    assert_string_equal(got, want);
    free(got);
}

/* Read csv and expect an error: code, line, column, message. */
static void expect_error(const char *csv, int code, long line, long column, const char *msg)
{
    int rc;
    pm_error err;
    char *out = run_full(csv, NULL, NULL, SUMMARY_CSV, 0, NULL, &rc, &err);
    assert_null(out);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_string_equal(err.file, "in.csv");
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_string_equal(err.msg, msg);
}

/* 1,2,3,4,100: sum 110, mean 110/5 = 22; deviations -21 -20 -19 -18 78, squares
 * 441+400+361+324+6084 = 7610, sd = sqrt(7610/4) = sqrt(1902.5) = 43.617657;
 * quantiles interpolate at (n-1)f: p25 at 1 -> 2, median at 2 -> 3, p75 at 3 -> 4. */
static void test_odd_count(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,3,,个\n"
               "a,A,X,target,100,,个\n"
               "a,A,X,target,1,,个\n"
               "a,A,X,target,4,,个\n"
               "a,A,X,target,2,,个\n",
           NULL, SUMMARY_CSV, 0,
           "city,category,unit," STATS "A,X,个,5,110,22,43.6176569751288,1,2,3,4,100,1,0,\n");
}

/* 10,20,30,40: sum 100, mean 25; squares 225+25+25+225 = 500, sd = sqrt(500/3) =
 * 12.909944; p25 at 0.75 -> 10+0.75*10 = 17.5, median at 1.5 -> 25, p75 at 2.25 -> 32.5. */
static void test_even_count(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,40,,人\n"
               "a,A,X,target,10,,人\n"
               "a,A,X,target,30,,人\n"
               "a,A,X,target,20,,人\n",
           NULL, SUMMARY_CSV, 0,
           "city,category,unit," STATS "A,X,人,4,100,25,12.9099444873581,10,17.5,25,32.5,40,1,0,\n");
}

/* One row: every statistic is the value; sd is undefined, so empty. */
static void test_one_row(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,7,,所\n", NULL, SUMMARY_CSV, 0,
           "city,category,unit," STATS "A,X,所,1,7,7,,7,7,7,7,7,1,0,\n");
}

/* 5,5,5: sum 15, sd 0 (defined, n = 3). */
static void test_repeated(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,5,,所\na,A,X,target,5,,所\na,A,X,target,5,,所\n", NULL,
           SUMMARY_CSV, 0, "city,category,unit," STATS "A,X,所,3,15,5,0,5,5,5,5,5,1,0,\n");
}

/* A range 1..2 counts its lower bound 1, next to a plain 3: sum 4, mean 2,
 * sd = sqrt((1+1)/1) = 1.414214, p25 at 0.25 -> 1.5, p75 at 0.75 -> 2.5; ranges 1. */
static void test_range(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,1,2,处\na,A,X,target,3,,处\n", NULL, SUMMARY_CSV, 0,
           "city,category,unit," STATS "A,X,处,2,4,2,1.4142135623731,1,1.5,2,2.5,3,1,1,\n");
}

/* 12 所 and 3800 个 in the same category are two groups, never added together. */
static void test_mixed_units(void **state)
{
    (void)state;
    expect(HDR "a,A,学校,target,12,,所\na,A,学校,target,3800,,个\na,A,学校,target,3,,所\n",
           "category", SUMMARY_CSV, 0,
           "category,unit," STATS "学校,个,1,3800,3800,,3800,3800,3800,3800,3800,1,0,\n"
           "学校,所,2,15,7.5,6.36396103067893,3,5.25,7.5,9.75,12,1,0,\n");
}

/* Percentages are never summed; the rest of the statistics still are computed:
 * 30.4 and 41.5, mean 35.95, sd = 11.1/sqrt(2) = 7.848885, p25 = 30.4+0.25*11.1 = 33.175. */
static void test_percent(void **state)
{
    (void)state;
    expect(HDR "a,A,R,target,30.4,,%\na,A,R,target,41.5,,%\n", NULL, SUMMARY_CSV, 0,
           "city,category,unit," STATS "A,R,%,2,,35.95,7.84888527117068,30.4,33.175,35.95,38.725,41.5,1,0,rate unit\n");
}

static int no_yuan(void *ctx, const char *unit)
{
    (void)ctx;
    if (strcmp(unit, "元/平方米") == 0)
        return 0;
    if (strcmp(unit, "个") == 0)
        return 1;
    return -1;
}

/* The additivity callback: 0 -> no sum; -1 (unknown) -> summed. */
static void test_additive_callback(void **state)
{
    (void)state;
    int rc;
    pm_error err;
    char *out = run_full(HDR "a,A,P,target,5000,,元/平方米\na,A,P,target,6000,,元/平方米\n"
                             "a,A,Q,target,2,,个\na,A,R,target,3,,套\n",
                         NULL, NULL, SUMMARY_CSV, 0, no_yuan, &rc, &err);
    assert_int_equal(rc, PM_OK);
    assert_string_equal(out, "city,category,unit," STATS
                             "A,P,元/平方米,2,,5500,707.106781186548,5000,5250,5500,5750,6000,1,0,rate unit\n"
                             "A,Q,个,1,2,2,,2,2,2,2,2,1,0,\n"
                             "A,R,套,1,3,3,,3,3,3,3,3,1,0,\n");
    free(out);
}

#define ROLES HDR "a,A,X,target,10,,人\na,A,X,baseline,4,,人\na,A,X,target,20,,人\n"

/* Baselines are left out by default; --role baseline and all select them. */
static void test_roles(void **state)
{
    (void)state;
    int rc;
    pm_error err;
    expect(ROLES, "unit", SUMMARY_CSV, 0, "unit," STATS "人,2,30,15,7.07106781186548,10,12.5,15,17.5,20,1,0,\n");
    char *out = run_full(ROLES, "unit", "baseline", SUMMARY_CSV, 0, NULL, &rc, &err);
    assert_string_equal(out, "unit," STATS "人,1,4,4,,4,4,4,4,4,1,0,\n");
    free(out);
    /* all: 4,10,20: sum 34, mean 11.3333333333333, sd = sqrt((53.78+1.78+75.11)/2) = 8.08290376865476 */
    out = run_full(ROLES, "unit", "all", SUMMARY_CSV, 0, NULL, &rc, &err);
    assert_string_equal(out, "unit," STATS "人,3,34,11.3333333333333,8.08290376865476,4,7,10,15,20,1,0,\n");
    free(out);
    assert_null(summary_create(NULL, "targets", &err));
    assert_int_equal(err.code, PM_ERR_USAGE);
    assert_string_equal(err.msg, "unknown role 'targets' (target, actual, baseline or all)");
}

/* What a large value absorbs is added back (a compensated sum): -1e308, 0.0000001 and
 * 1e308 sum to 0.0000001, and their mean is a third of it, not 0. */
#define CANCEL HDR "a,A,X,target,-1e308,,人\na,A,X,target,0.0000001,,人\na,A,X,target,1e308,,人\n"
static void test_sum_compensated(void **state)
{
    (void)state;
    char *out = run(CANCEL, "unit", SUMMARY_CSV, 0);
    const char *row = strchr(out, '\n') + 1;
    assert_memory_equal(row, "人,3,0.0000001,0.0000000333333333333333,", strlen("人,3,0.0000001,0.0000000333333333333333,"));
    free(out);
    /* the pivot's cells and totals too: three cities, one value each */
    out = run(HDR "a,A,X,target,-1e308,,人\nb,B,X,target,0.0000001,,人\nc,C,X,target,1e308,,人\n", "city,unit",
              SUMMARY_CSV, SUMMARY_PIVOT);
    assert_non_null(strstr(out, "\ntotal,0.0000001\n"));
    free(out);
}

/* An actual is never counted with targets: the default counts targets only, --role actual
 * the results alone. */
#define ACTUALS HDR "a,A,X,target,10,,人\na,A,X,actual,7,,人\na,A,X,actual,5,,人\n"
static void test_role_actual(void **state)
{
    (void)state;
    int rc;
    pm_error err;
    expect(ACTUALS, "unit", SUMMARY_CSV, 0, "unit," STATS "人,1,10,10,,10,10,10,10,10,1,0,\n");
    char *out = run_full(ACTUALS, "unit", "actual", SUMMARY_CSV, 0, NULL, &rc, &err);
    assert_string_equal(out, "unit," STATS "人,2,12,6,1.4142135623731,5,5.5,6,6.5,7,1,0,\n");
    free(out);
}

/* additive=no rows (per head: 2.5 beds per 1000 people) are a group of their own that has
 * no sum and says why; they never add to the counts of the same unit (800 + 200 beds). */
#define ADDS "file,city,category,role,value,value_max,unit,additive\n" \
             "a,A,X,target,800,,张,yes\na,A,X,target,2.5,,张,no\na,A,X,target,200,,张,yes\n"
static void test_additive_column(void **state)
{
    (void)state;
    expect(ADDS, "unit", SUMMARY_CSV, 0,
           "unit," STATS "张,1,,2.5,,2.5,2.5,2.5,2.5,2.5,1,0,not additive\n"
           "张,2,1000,500,424.264068711929,200,350,500,650,800,1,0,\n");
    /* the pivot sums the additive rows only */
    expect(ADDS, "city", SUMMARY_CSV, SUMMARY_PIVOT, "city,total (张)\nA,1000\ntotal,1000\n");
}

/* docs counts distinct files: a, b, a, c -> 3 (and 2 in the other group). */
static void test_docs(void **state)
{
    (void)state;
    expect(HDR "a.txt,A,X,target,1,,个\nb.txt,A,X,target,1,,个\na.txt,A,X,target,1,,个\n"
               "c.txt,A,X,target,1,,个\nb.txt,B,X,target,1,,个\nb.txt,B,X,target,1,,个\n"
               "a.txt,B,X,target,1,,个\n",
           "city", SUMMARY_CSV, 0,
           "city,unit," STATS "A,个,4,4,1,0,1,1,1,1,1,3,0,\nB,个,3,3,1,0,1,1,1,1,1,2,0,\n");
}

/* Columns found by name in any order; extra columns, CRLF line ends and a BOM are fine. */
static void test_columns_by_name(void **state)
{
    (void)state;
    expect("\xEF\xBB\xBFunit,extra,value,role,text,file,category,city\r\n"
           "个,x,\"3\",target,\"a, \"\"quoted\"\"\ntext\",f,C,Z\r\n"
           "个,y,5,target,t,g,C,Z\r\n",
           NULL, SUMMARY_CSV, 0, "city,category,unit," STATS "Z,C,个,2,8,4,1.4142135623731,3,3.5,4,4.5,5,2,0,\n");
}

/* unit may be placed anywhere in --by; it is appended when missing. */
static void test_by(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,1,,个\na,B,X,target,2,,个\n", "unit, category", SUMMARY_CSV, 0,
           "unit,category," STATS "个,X,2,3,1.5,0.707106781186548,1,1.25,1.5,1.75,2,1,0,\n");
    pm_error err;
    assert_null(summary_create("city,,unit", NULL, &err));
    assert_int_equal(err.code, PM_ERR_USAGE);
    assert_null(summary_create("city,city", NULL, &err));
    assert_string_equal(err.msg, "field 'city' given twice in --by");
}

/* Empty input and a header alone: the header, no groups. */
static void test_empty(void **state)
{
    (void)state;
    expect("", NULL, SUMMARY_CSV, 0, "city,category,unit," STATS);
    expect(HDR, NULL, SUMMARY_CSV, 0, "city,category,unit," STATS);
    expect(HDR, NULL, SUMMARY_JSON, 0, "[]\n");
    expect("", NULL, SUMMARY_CSV, SUMMARY_PIVOT, "city\n");
}

/* 5 -> [1,10), 50 -> [10,100), 1000 on the top edge -> [100,1000] (inclusive);
 * edges from 10^floor(log10 5) = 1 to 10^ceil(log10 1000) = 1000; 0 and -3 -> "<=0". */
static void test_hist(void **state)
{
    (void)state;
    expect(HDR "a,A,X,target,1000,,个\na,A,X,target,5,,个\na,A,X,target,0,,个\n"
               "a,A,X,target,50,,个\na,A,X,target,-3,,个\na,A,X,target,150,,个\n"
               "a,B,X,target,1000,,个\n"
               "a,C,X,target,0.5,,%\na,C,X,target,2,,%\n",
           "city", SUMMARY_CSV, SUMMARY_HIST,
           "city,unit,bin,lo,hi,count\n"
           "A,个,<=0,,0,2\n"
           "A,个,\"[1,10)\",1,10,1\n"
           "A,个,\"[10,100)\",10,100,1\n"
           "A,个,\"[100,1000]\",100,1000,2\n"
           /* one value, itself a power of ten: one decade starting there */
           "B,个,\"[1000,10000]\",1000,10000,1\n"
           /* 0.5 -> [0.1,1), 2 -> [1,10] */
           "C,%,\"[0.1,1)\",0.1,1,1\n"
           "C,%,\"[1,10]\",1,10,1\n");
}

#define PIVOT HDR "a,A,X,target,1,,个\na,A,X,target,2,,个\na,A,Y,target,10,,个\n" \
                  "a,B,X,target,100,,个\na,B,Y,target,5,,所\na,B,Z,target,50,,%\n" \
                  "a,C,X,target,1000,,个\n"

/* Sums: A/X 1+2 = 3, A/Y 10, B/X 100, C/X 1000; X total 1103, Y 10, 个 total 1113;
 * 所: only B/Y 5; % is not summed and has no column. */
static void test_pivot(void **state)
{
    (void)state;
    expect(PIVOT, NULL, SUMMARY_CSV, SUMMARY_PIVOT,
           "city,X (个),Y (个),total (个),Y (所),total (所)\n"
           "A,3,10,13,,\n"
           "B,100,,100,5,5\n"
           "C,1000,,1000,,\n"
           "total,1103,10,1113,5,5\n");
    /* one field besides unit: a total column per unit */
    expect(PIVOT, "category", SUMMARY_CSV, SUMMARY_PIVOT,
           "category,total (个),total (所)\nX,1103,\nY,10,5\ntotal,1113,5\n");
    int rc;
    pm_error err;
    char *out = run_full(PIVOT, "unit", NULL, SUMMARY_CSV, SUMMARY_PIVOT, NULL, &rc, &err);
    assert_null(out);
    assert_int_equal(rc, PM_ERR_USAGE);
    out = run_full(PIVOT, NULL, NULL, SUMMARY_CSV, SUMMARY_PIVOT | SUMMARY_HIST, NULL, &rc, &err);
    assert_null(out);
    assert_int_equal(rc, PM_ERR_USAGE);
}

#define TINY HDR "a,杭州,学校,target,12,,所\nb,杭州,学校,target,3,,所\n" \
                 "a,Ning|bo,\"=1+1\",target,0.5,,%\n"

static void test_format_csv(void **state)
{
    (void)state;
    /* a formula-looking text cell is written with a leading apostrophe */
    expect(TINY, NULL, SUMMARY_CSV, 0,
           "city,category,unit," STATS
           "Ning|bo,'=1+1,%,1,,0.5,,0.5,0.5,0.5,0.5,0.5,1,0,rate unit\n"
           "杭州,学校,所,2,15,7.5,6.36396103067893,3,5.25,7.5,9.75,12,2,0,\n");
    /* and read back as what it stands for */
    expect(HDR "a,'=x,\"'-y\",target,1,,个\n", NULL, SUMMARY_JSON, 0,
           "[\n  {\"city\": \"=x\", \"category\": \"-y\", \"unit\": \"个\", \"count\": 1, \"sum\": 1, "
           "\"mean\": 1, \"sd\": null, \"min\": 1, \"p25\": 1, \"median\": 1, \"p75\": 1, \"max\": 1, "
           "\"docs\": 1, \"ranges\": 0, \"no_sum\": null}\n]\n");
}

static void test_format_md(void **state)
{
    (void)state;
    /* widths: 杭州 and 学校 count 2 per character; '|' escaped */
    expect(TINY, "city", SUMMARY_MD, 0,
           "| city     | unit | count | sum | mean | sd               | min | p25  | median | p75  | max | docs | ranges | no_sum    |\n"
           "| -------- | ---- | ----: | --: | ---: | ---------------: | --: | ---: | -----: | ---: | --: | ---: | -----: | --------- |\n"
           "| Ning\\|bo | %    |     1 |     |  0.5 |                  | 0.5 |  0.5 |    0.5 |  0.5 | 0.5 |    1 |      0 | rate unit |\n"
           "| 杭州     | 所   |     2 |  15 |  7.5 | 6.36396103067893 |   3 | 5.25 |    7.5 | 9.75 |  12 |    2 |      0 |           |\n");
    expect(TINY, NULL, SUMMARY_MD, SUMMARY_PIVOT,
           "| city  | 学校 (所) | total (所) |\n"
           "| ----- | --------: | ---------: |\n"
           "| 杭州  |        15 |         15 |\n"
           "| total |        15 |         15 |\n");
}

static void test_format_json(void **state)
{
    (void)state;
    expect(TINY, "unit", SUMMARY_JSON, 0,
           "[\n"
           "  {\"unit\": \"%\", \"count\": 1, \"sum\": null, \"mean\": 0.5, \"sd\": null, \"min\": 0.5, "
           "\"p25\": 0.5, \"median\": 0.5, \"p75\": 0.5, \"max\": 0.5, \"docs\": 1, \"ranges\": 0, \"no_sum\": \"rate unit\"},\n"
           "  {\"unit\": \"所\", \"count\": 2, \"sum\": 15, \"mean\": 7.5, \"sd\": 6.36396103067893, \"min\": 3, "
           "\"p25\": 5.25, \"median\": 7.5, \"p75\": 9.75, \"max\": 12, \"docs\": 2, \"ranges\": 0, \"no_sum\": null}\n"
           "]\n");
    expect(TINY, "unit", SUMMARY_JSON, SUMMARY_HIST,
           "[\n"
           "  {\"unit\": \"%\", \"bin\": \"[0.1,1]\", \"lo\": 0.1, \"hi\": 1, \"count\": 1},\n"
           "  {\"unit\": \"所\", \"bin\": \"[1,10)\", \"lo\": 1, \"hi\": 10, \"count\": 1},\n"
           "  {\"unit\": \"所\", \"bin\": \"[10,100]\", \"lo\": 10, \"hi\": 100, \"count\": 1}\n"
           "]\n");
}

static void test_error_not_a_number(void **state)
{
    (void)state;
    /* line 3; value is the 5th field: "a,A,X,target," is 13 characters -> column 14 */
    expect_error(HDR "a,A,X,target,1,,个\na,A,X,target,1x2,,个\n", PM_ERR_SYNTAX, 3, 14,
                 "value '1x2' is not a number");
    /* the value is on line 3, after a quoted line break; columns count characters:
     * "校\",b," is 5 -> 6 */
    expect_error("city,category,file,value,role,unit\n杭州,\"学\n校\",b,nan,target,个\n",
                 PM_ERR_SYNTAX, 3, 6, "value 'nan' is not a number");
    expect_error(HDR "a,A,X,target,,,个\n", PM_ERR_SYNTAX, 2, 14, "value '' is not a number");
    expect_error(HDR "a,A,X,target,1,2x,个\n", PM_ERR_SYNTAX, 2, 16, "value_max '2x' is not a number");
}

static void test_error_missing_column(void **state)
{
    (void)state;
    expect_error("file,city,category,value\na,A,X,1\n", PM_ERR_SYNTAX, 1, 0,
                 "missing columns 'role', 'unit'");
    expect_error("\n\nfile,city,value,role,unit\n", PM_ERR_SYNTAX, 3, 0, "missing column 'category'");
    expect_error(HDR "a,A,X,target\n", PM_ERR_SYNTAX, 2, 0, "record has no field 'value' (only 4 fields)");
}

static void test_error_quotes(void **state)
{
    (void)state;
    /* the opening quote of the last field: "a,A,X,target,1,," is 16 -> column 17 */
    expect_error(HDR "a,A,X,target,1,,个\na,A,X,target,1,,\"个\n", PM_ERR_SYNTAX, 3, 17,
                 "unterminated quoted field at end of input");
    /* a quote inside an unquoted field: the quote itself */
    expect_error(HDR "a,A\"B,X,target,1,,个\n", PM_ERR_SYNTAX, 2, 4, "misplaced quote");
    int rc;
    pm_error err;
    run_full(HDR "a,A,X,target,x,,个\n", NULL, NULL, SUMMARY_CSV, 0, NULL, &rc, &err);
    assert_string_equal(err.source, "a,A,X,target,x,,个");
}

/* Rows fed directly, as extract --summary does. */
static void test_add(void **state)
{
    (void)state;
    pm_error err;
    summary *s = summary_create("category", NULL, &err);
    assert_non_null(s);
    const char *names[] = {"file", "category", "role", "value", "value_max", "unit", "text"};
    const char *r1[] = {"a", "学校", "target", "3800", "", "个", "新增3800个学位"};
    const char *r2[] = {"b", "学校", "target", "1", "2", "个", "1至2处"};
    const char *r3[] = {"b", "学校", "baseline", "100", NULL, "个", ""};
    const char *r4[] = {"b", "学校", "target", "4.5万", NULL, "个", ""};
    assert_int_equal(summary_add(s, names, r1, 7, &err), PM_OK);
    assert_int_equal(summary_add(s, names, r2, 7, &err), PM_OK);
    assert_int_equal(summary_add(s, names, r3, 7, &err), PM_OK);
    assert_int_equal(summary_add(s, names, r4, 7, &err), PM_ERR_SYNTAX);
    assert_string_equal(err.msg, "value '4.5万' is not a number");
    assert_int_equal(summary_add(s, names, r1, 5, &err), PM_ERR_SYNTAX);
    assert_string_equal(err.msg, "missing field 'unit'");
    assert_int_equal(summary_groups(s), 1);
    char *buf = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&buf, &n);
    assert_int_equal(summary_write(s, out, SUMMARY_CSV, 0, &err), PM_OK);
    fclose(out);
    /* 1 (range, lower bound) and 3800: sum 3801, mean 1900.5, sd = 3799/sqrt(2) = 2686.298662 */
    assert_string_equal(buf, "category,unit," STATS
                             "学校,个,2,3801,1900.5,2686.29866172769,1,950.75,1900.5,2850.25,3800,2,1,\n");
    free(buf);
    summary_free(s);
    summary_free(NULL);
}

/* The CSV goes through csvout as summary's own writer wrote it: a blank at an end is
 * quoted (judged before the apostrophe), text cells and every header cell neutralised,
 * numeric cells not; '=x read back means =x. */
static void test_csv_cells_quoted_and_neutralised(void **state)
{
    (void)state;
    const char *in = "file,city,category,role,value,value_max,unit\n"
                     "a.txt,\" 临江\",=SUM(1),target,5,,个\n"
                     "b.txt,\"\tx\",'@y,target,-7,,个\n";
    expect(in, "city,category", SUMMARY_CSV, 0,
           "city,category,unit," STATS
           "\"'\tx\",'@y,个,1,-7,-7,,-7,-7,-7,-7,-7,1,0,\n"
           "\" 临江\",'=SUM(1),个,1,5,5,,5,5,5,5,5,1,0,\n");
    expect(in, "category,city", SUMMARY_CSV, SUMMARY_PIVOT,
           "category,\"'\tx (个)\",\" 临江 (个)\",total (个)\n"
           "'=SUM(1),,5,5\n"
           "'@y,-7,,-7\n"
           "total,-7,5,-2\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_odd_count),
        cmocka_unit_test(test_even_count),
        cmocka_unit_test(test_one_row),
        cmocka_unit_test(test_repeated),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_mixed_units),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_additive_callback),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_role_actual),
        cmocka_unit_test(test_sum_compensated),
        cmocka_unit_test(test_additive_column),
        cmocka_unit_test(test_docs),
        cmocka_unit_test(test_columns_by_name),
        cmocka_unit_test(test_by),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_hist),
        cmocka_unit_test(test_pivot),
        cmocka_unit_test(test_format_csv),
        cmocka_unit_test(test_format_md),
        cmocka_unit_test(test_format_json),
        cmocka_unit_test(test_error_not_a_number),
        cmocka_unit_test(test_error_missing_column),
        cmocka_unit_test(test_error_quotes),
        cmocka_unit_test(test_csv_cells_quoted_and_neutralised),
        cmocka_unit_test(test_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
