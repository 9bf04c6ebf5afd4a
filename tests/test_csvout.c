/* test_csvout.c: cmocka tests of the CSV writer - quoting, formula neutralisation,
 * cutting of runaway cells on UTF-8 boundaries, BOM and write errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/csvout.h"

/* Write rows with w (over a memstream) and return the bytes (caller frees). */
typedef struct sink {
    FILE *fp;
    char *buf;
    size_t len;
} sink;

static void sink_open(sink *s)
{
    s->buf = NULL;
    s->len = 0;
    s->fp = open_memstream(&s->buf, &s->len);
    assert_non_null(s->fp);
}

static char *sink_close(sink *s)
{
    assert_int_equal(fclose(s->fp), 0);
    return s->buf;
}

/* One row of NUL-terminated cells through a fresh writer. */
static char *row_text(unsigned flags, const unsigned char *numeric, size_t nnum,
                      const char *const *cells, size_t n)
{
    sink s;
    sink_open(&s);
    csvout *w = csvout_create(s.fp, flags);
    assert_non_null(w);
    if (numeric)
        csvout_set_numeric(w, numeric, nnum);
    assert_int_equal(csvout_row(w, cells, NULL, n), 0);
    assert_int_equal(csvout_rows(w), 1);
    csvout_free(w);
    return sink_close(&s);
}

/* Cells of the first record of a CSV text, parsed back with libcsv (strict). */
typedef struct parsed {
    char *cell[16];
    size_t len[16];
    size_t n;
    int records;
} parsed;

static void on_field(void *data, size_t len, void *arg)
{
    parsed *p = arg;
    if (p->records > 0 || p->n >= 16)
        return;
    p->cell[p->n] = malloc(len + 1);
    assert_non_null(p->cell[p->n]);
    if (len)
        memcpy(p->cell[p->n], data, len);
    p->cell[p->n][len] = '\0';
    p->len[p->n] = len;
    p->n++;
}

static void on_record(int c, void *arg)
{
    (void)c;
    ((parsed *)arg)->records++;
}

static void parse(const char *text, size_t len, parsed *p)
{
    memset(p, 0, sizeof *p);
    struct csv_parser cp;
    assert_int_equal(csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI), 0);
    assert_int_equal(csv_parse(&cp, text, len, on_field, on_record, p), len);
    assert_int_equal(csv_fini(&cp, on_field, on_record, p), 0);
    csv_free(&cp);
}

static void parsed_free(parsed *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->cell[i]);
}

/* Characters in a valid UTF-8 string, or -1 if it is not valid UTF-8. */
static long utf8_chars(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    long chars = 0;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (n == 0 || i + n > len)
            return -1;
        for (size_t k = 1; k < n; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return -1;
        i += n;
        chars++;
    }
    return chars;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static void test_quoting(void **state)
{
    (void)state;
    const char *cells[] = {"a,b", "say \"hi\"", "line1\nline2", "cr\rhere", "十四五规划", "", "plain"};
    char *out = row_text(0, NULL, 0, cells, 7);
    assert_string_equal(out, "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\rhere\","
                             "十四五规划,,plain\n");
    parsed p;
    parse(out, strlen(out), &p);
    assert_int_equal(p.n, 7);
    assert_int_equal(p.records, 1);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(p.cell[i], cells[i]);
    parsed_free(&p);
    free(out);
}

/* Short cells and long ones (context) take different scans: both quote every special. */
static void test_quoting_long_and_short(void **state)
{
    (void)state;
    static const char special[] = {',', '"', '\n', '\r'};
    for (size_t len = 2; len <= 131; len += 43) { /* a lone \r would be a formula start */
        for (size_t k = 0; k < sizeof special; k++) {
            char cell[140];
            memset(cell, 'x', len);
            cell[len - 1] = special[k];
            cell[len] = '\0';
            const char *cells[] = {cell, "plain"};
            char *out = row_text(0, NULL, 0, cells, 2);
            assert_int_equal(out[0], '"');
            parsed p;
            parse(out, strlen(out), &p);
            assert_int_equal(p.n, 2);
            assert_string_equal(p.cell[0], cell);
            parsed_free(&p);
            free(out);
        }
        char cell[140];
        memset(cell, 'x', len);
        cell[len] = '\0';
        const char *cells[] = {cell};
        char *out = row_text(0, NULL, 0, cells, 1);
        assert_int_equal(out[0], 'x'); /* nothing special: no quotes */
        free(out);
    }
}

/* Cells up to 64 bytes are copied while they are checked, eight bytes at a time: a special
 * byte at any place of any such length is quoted, in a file and in memory, and a cell
 * without one is copied as it is, next to others. */
static void test_quoting_every_position(void **state)
{
    (void)state;
    static const char special[] = {',', '"', '\n', '\r'};
    for (size_t len = 1; len <= 70; len++)
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof special; k++) {
                char cell[80];
                for (size_t i = 0; i < len; i++)
                    cell[i] = (char)('a' + i % 26);
                cell[at] = special[k];
                cell[len] = '\0';
                if (at == 0 && special[k] == '\r')
                    continue; /* a formula start: test_formula_text_columns */
                const char *cells[] = {"x", cell, "十四五"};
                char *out = row_text(0, NULL, 0, cells, 3);
                assert_int_equal(out[2], '"');
                parsed p;
                parse(out, strlen(out), &p);
                assert_int_equal(p.n, 3);
                assert_string_equal(p.cell[1], cell);
                assert_string_equal(p.cell[2], "十四五");
                parsed_free(&p);
                free(out);
            }
    csvout *w = csvout_create_mem(0);
    char expect[6000];
    size_t elen = 0;
    for (size_t len = 1; len <= 70; len++) {
        char cell[80];
        for (size_t i = 0; i < len; i++)
            cell[i] = i % 3 == 2 ? ' ' : (char)('A' + i % 26);
        const char *cells[] = {cell, "y"};
        const size_t lens[] = {len, 1};
        assert_int_equal(csvout_row(w, cells, lens, 2), 0);
        memcpy(expect + elen, cell, len);
        elen += len;
        memcpy(expect + elen, ",y\n", 3);
        elen += 3;
    }
    size_t n;
    char *got = csvout_take(w, &n);
    assert_int_equal(n, elen);
    assert_memory_equal(got, expect, elen);
    free(got);
    csvout_free(w);
}

static void test_quoting_chinese_punctuation_and_spaces(void **state)
{
    (void)state;
    /* Full-width comma and quotes are not CSV syntax: left unquoted; so are edge blanks
     * unless CSVOUT_QUOTE_BLANKS (test_quote_blanks). */
    const char *cells[] = {"到2025年，单位GDP能耗降低13.5%", "“碳达峰”", " padded "};
    char *out = row_text(0, NULL, 0, cells, 3);
    assert_string_equal(out, "到2025年，单位GDP能耗降低13.5%,“碳达峰”, padded \n");
    free(out);
}

/* CSVOUT_QUOTE_BLANKS (the summary's CSV): a blank at either end is quoted, judged on the
 * cell as given, so "\tx" is quoted after its apostrophe. */
static void test_quote_blanks(void **state)
{
    (void)state;
    const char *cells[] = {" padded ", "end ", "\tx", "-1", "in side", ""};
    const unsigned char numeric[] = {0, 0, 0, 1, 0, 0};
    char *out = row_text(CSVOUT_QUOTE_BLANKS, numeric, 6, cells, 6);
    assert_string_equal(out, "\" padded \",\"end \",\"'\tx\",-1,in side,\n");
    free(out);
}

/* CSVOUT_WHOLE (the summary's CSV): a cell over CSVOUT_CELL_MAX is written whole. */
static void test_whole_cells_are_not_cut(void **state)
{
    (void)state;
    size_t n = CSVOUT_CELL_MAX + 10;
    char *cell = malloc(n + 1);
    assert_non_null(cell);
    memset(cell, 'a', n);
    cell[n] = '\0';
    const char *cells[] = {cell};
    char *out = row_text(CSVOUT_WHOLE, NULL, 0, cells, 1);
    assert_int_equal(strlen(out), n + 1);
    assert_memory_equal(out, cell, n);
    assert_int_equal(out[n], '\n');
    free(out);
    free(cell);
}

static void test_lens_and_null_cells(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    csvout *w = csvout_create(s.fp, 0);
    const char *cells[] = {"abcdef", NULL, "x,yz"};
    const size_t lens[] = {3, 0, 3};
    assert_int_equal(csvout_row(w, cells, lens, 3), 0);
    assert_int_equal(csvout_row(w, NULL, NULL, 0), 0); /* an empty row */
    assert_int_equal(csvout_rows(w), 2);
    csvout_free(w);
    char *out = sink_close(&s);
    assert_string_equal(out, "abc,,\"x,y\"\n\n");
    free(out);
    csvout_free(NULL);
}

static void test_formula_text_columns(void **state)
{
    (void)state;
    const char *cells[] = {"=SUM(A1)", "+1", "-x", "@x", "\tx", "\rx", "-3", "a=b", "'quoted"};
    char *out = row_text(0, NULL, 0, cells, 9);
    assert_string_equal(out, "'=SUM(A1),'+1,'-x,'@x,'\tx,\"'\rx\",'-3,a=b,'quoted\n");
    free(out);

    /* The apostrophe goes inside the quotes when the cell needs quoting. */
    const char *c2[] = {"=HYPERLINK(\"http://x\",\"y\")"};
    out = row_text(0, NULL, 0, c2, 1);
    assert_string_equal(out, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n");
    free(out);
}

static void test_formula_numeric_columns(void **state)
{
    (void)state;
    const unsigned char numeric[] = {1, 0, 1, 1};
    const char *cells[] = {"-3", "-3", "+2.5", "-1e3"};
    char *out = row_text(0, numeric, 4, cells, 4);
    assert_string_equal(out, "-3,'-3,+2.5,-1e3\n");
    free(out);

    /* Columns beyond the declared ones are text. */
    const char *c2[] = {"-3", "-3", "-3", "-3", "-3"};
    out = row_text(0, numeric, 4, c2, 5);
    assert_string_equal(out, "-3,'-3,-3,-3,'-3\n");
    free(out);
}

static void test_formula_raw(void **state)
{
    (void)state;
    const char *cells[] = {"=SUM(A1)", "+1", "-x", "@x", "\tx", "\rx"};
    char *out = row_text(CSVOUT_RAW, NULL, 0, cells, 6);
    assert_string_equal(out, "=SUM(A1),+1,-x,@x,\tx,\"\rx\"\n");
    free(out);
}

/* A single cell of n copies of unit, written and parsed back. */
static void write_long_cell(const char *prefix, const char *unit, size_t n, unsigned flags, parsed *p)
{
    size_t ulen = strlen(unit), plen = strlen(prefix);
    char *cell = malloc(plen + ulen * n + 1);
    assert_non_null(cell);
    memcpy(cell, prefix, plen);
    for (size_t i = 0; i < n; i++)
        memcpy(cell + plen + i * ulen, unit, ulen);
    cell[plen + ulen * n] = '\0';
    const char *cells[] = {cell, "next"};
    char *out = row_text(flags, NULL, 0, cells, 2);
    parse(out, strlen(out), p);
    assert_int_equal(p->n, 2);
    assert_string_equal(p->cell[1], "next");
    free(out);
    free(cell);
}

static void test_cut_chinese(void **state)
{
    (void)state;
    parsed p;
    write_long_cell("", "规", 40000, 0, &p);
    long chars = utf8_chars(p.cell[0], p.len[0]);
    assert_true(chars > 0);
    assert_true(chars <= CSVOUT_CELL_MAX);
    assert_int_equal(chars, CSVOUT_CELL_MAX); /* cut as late as possible */
    assert_true(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
    assert_memory_equal(p.cell[0], "规规规", 9);
    parsed_free(&p);
}

static void test_cut_with_apostrophe(void **state)
{
    (void)state;
    parsed p;
    write_long_cell("=", "规", 40000, 0, &p);
    long chars = utf8_chars(p.cell[0], p.len[0]);
    assert_int_equal(chars, CSVOUT_CELL_MAX);
    assert_memory_equal(p.cell[0], "'=规", 5);
    assert_true(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
    parsed_free(&p);
}

/* UTF-16 units of s[0..len): what a spreadsheet counts against its limit. */
static long utf16_units(const char *s, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

/* Characters beyond U+FFFF (CJK Extension B place names) count two: the cut keeps
 * 32,767 UTF-16 units, so a spreadsheet keeps the whole cell and its mark. */
static void test_cut_counts_utf16_units(void **state)
{
    (void)state;
    parsed p;
    write_long_cell("", "\xF0\xA0\x80\x80", 40000, 0, &p); /* U+20000 */
    assert_true(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
    long units = utf16_units(p.cell[0], p.len[0]);
    assert_true(units <= CSVOUT_CELL_MAX);
    assert_true(units >= CSVOUT_CELL_MAX - 1); /* a two-unit character may not fit the last place */
    parsed_free(&p);
}

static void test_cut_never_splits_sequences(void **state)
{
    (void)state;
    /* Mixed 1-, 3- and 4-byte characters: every cut point must stay valid. */
    for (size_t shift = 0; shift < 3; shift++) {
        parsed p;
        const char *prefix = shift == 0 ? "" : shift == 1 ? "a" : "ab";
        write_long_cell(prefix, "x目😀", 12000, 0, &p);
        long chars = utf8_chars(p.cell[0], p.len[0]);
        assert_true(chars > 0);
        assert_true(utf16_units(p.cell[0], p.len[0]) <= CSVOUT_CELL_MAX);
        assert_true(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
        parsed_free(&p);
    }
}

static void test_cut_boundary(void **state)
{
    (void)state;
    parsed p;
    write_long_cell("", "目", CSVOUT_CELL_MAX, 0, &p); /* exactly the limit: kept whole */
    assert_int_equal(utf8_chars(p.cell[0], p.len[0]), CSVOUT_CELL_MAX);
    assert_false(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
    parsed_free(&p);

    write_long_cell("", "目", CSVOUT_CELL_MAX + 1, 0, &p);
    assert_int_equal(utf8_chars(p.cell[0], p.len[0]), CSVOUT_CELL_MAX);
    assert_true(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
    parsed_free(&p);

    /* Bytes, not characters, would have cut this ASCII cell at the same place. */
    write_long_cell("", "a,", 20000, 0, &p);
    assert_int_equal(utf8_chars(p.cell[0], p.len[0]), CSVOUT_CELL_MAX);
    assert_true(ends_with(p.cell[0], p.len[0], CSVOUT_CUT_MARK));
    parsed_free(&p);
}

static void test_bom(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    csvout *w = csvout_create(s.fp, CSVOUT_BOM);
    const char *hdr[] = {"指标", "值"};
    const char *row[] = {"GDP", "5"};
    assert_int_equal(csvout_row(w, hdr, NULL, 2), 0);
    assert_int_equal(csvout_row(w, row, NULL, 2), 0);
    assert_int_equal(csvout_rows(w), 2);
    csvout_free(w);
    char *out = sink_close(&s);
    assert_string_equal(out, "\xEF\xBB\xBF指标,值\nGDP,5\n");
    free(out);

    const char *cells[] = {"a"};
    out = row_text(0, NULL, 0, cells, 1);
    assert_string_equal(out, "a\n");
    free(out);
}

/* Rows formatted by one writer (a worker's, over memory) and copied by another:
 * the same bytes as writing them directly, the mark first, rows counted. */
static void test_rows_raw(void **state)
{
    (void)state;
    /* the second row holds a cell over the limit: cut, and the memory buffer grows */
    static char longcell[CSVOUT_CELL_MAX + 100];
    memset(longcell, 'y', sizeof longcell - 1);
    const char *rows[][3] = {{"=1+1", "-3", "a,b"}, {"到2025年", longcell, "说\"好\""}, {"x", "1", "y"}};
    unsigned char numeric[3] = {0, 1, 0};
    sink direct, out;
    sink_open(&direct);
    sink_open(&out);
    /* the memory csvout ignores the mark: it is the writer's */
    csvout *d = csvout_create(direct.fp, CSVOUT_BOM), *m = csvout_create_mem(CSVOUT_BOM),
           *o = csvout_create(out.fp, CSVOUT_BOM);
    assert_non_null(m);
    csvout_set_numeric(d, numeric, 3);
    csvout_set_numeric(m, numeric, 3);
    size_t n = 1;
    assert_null(csvout_take(m, &n)); /* nothing yet */
    assert_int_equal(n, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(csvout_row(d, rows[i], NULL, 3), 0);
        assert_int_equal(csvout_row(m, rows[i], NULL, 3), 0);
    }
    char *formatted = csvout_take(m, &n);
    assert_non_null(formatted);
    size_t none = 1;
    assert_null(csvout_take(m, &none)); /* taken: m starts again empty */
    assert_null(csvout_take(d, &none)); /* a stream csvout keeps nothing */
    assert_int_equal(none, 0);
    /* rows_raw into a memory csvout appends, as a row would */
    assert_int_equal(csvout_row(m, rows[0], NULL, 3), 0);
    assert_int_equal(csvout_rows_raw(m, "z\n", 2, 1), 0);
    size_t n2;
    char *again = csvout_take(m, &n2);
    assert_int_equal(n2, 17);
    assert_memory_equal(again, "'=1+1,-3,\"a,b\"\nz\n", 17);
    free(again);
    csvout_free(m);
    assert_int_equal(csvout_rows_raw(o, "", 0, 0), 0); /* a document without rows: no mark yet */
    assert_int_equal(csvout_rows(o), 0);
    assert_int_equal(csvout_rows_raw(o, formatted, n, 3), 0);
    assert_int_equal(csvout_rows(o), 3);
    csvout_free(d);
    csvout_free(o);
    char *want = sink_close(&direct), *got = sink_close(&out);
    assert_string_equal(got, want);
    assert_memory_equal(got, "\xEF\xBB\xBF'=1+1,-3,\"a,b\"\n", 18);
    assert_non_null(strstr(got, CSVOUT_CUT_MARK));
    free(formatted);
    free(want);
    free(got);

    FILE *fp = fopen("/dev/full", "w");
    if (!fp)
        skip();
    csvout *w = csvout_create(fp, 0);
    static char big[1 << 16];
    memset(big, 'x', sizeof big);
    int rc = 0;
    for (int i = 0; i < 64 && rc == 0; i++)
        rc = csvout_rows_raw(w, big, sizeof big, 1);
    assert_int_equal(rc, -1);
    assert_int_equal(csvout_rows_raw(w, "a\n", 2, 1), -1); /* sticky, as csvout_row */
    csvout_free(w);
    fclose(fp);
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *fp = fopen("/dev/full", "w");
    if (!fp)
        skip();
    csvout *w = csvout_create(fp, CSVOUT_BOM);
    const char *cells[] = {"到2025年单位GDP能耗降低13.5%", "13.5", "-"};
    int rc = 0;
    unsigned long i;
    errno = 0;
    for (i = 0; i < 100000 && rc == 0; i++)
        rc = csvout_row(w, cells, NULL, 3);
    assert_int_equal(rc, -1);
    assert_int_equal(errno, ENOSPC); /* the reason is left in errno */
    assert_true(i < 100000);
    assert_true(ferror(fp));
    /* The error is sticky: later rows fail too and are not counted. */
    unsigned long rows = csvout_rows(w);
    assert_int_equal(csvout_row(w, cells, NULL, 3), -1);
    assert_int_equal(csvout_rows(w), rows);
    csvout_free(w);
    fclose(fp);
}

static void test_write_error_after_flush(void **state)
{
    (void)state;
    /* Unbuffered: the very first row fails. */
    FILE *fp = fopen("/dev/full", "w");
    if (!fp)
        skip();
    setvbuf(fp, NULL, _IONBF, 0);
    csvout *w = csvout_create(fp, 0);
    const char *cells[] = {"a"};
    errno = 0;
    assert_int_equal(csvout_row(w, cells, NULL, 1), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(csvout_rows(w), 0);
    csvout_free(w);
    fclose(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_quoting_long_and_short),
        cmocka_unit_test(test_quoting_every_position),
        cmocka_unit_test(test_rows_raw),
        cmocka_unit_test(test_quoting_chinese_punctuation_and_spaces),
        cmocka_unit_test(test_quote_blanks),
        cmocka_unit_test(test_whole_cells_are_not_cut),
        cmocka_unit_test(test_lens_and_null_cells),
        cmocka_unit_test(test_formula_text_columns),
        cmocka_unit_test(test_formula_numeric_columns),
        cmocka_unit_test(test_formula_raw),
        cmocka_unit_test(test_cut_chinese),
        cmocka_unit_test(test_cut_with_apostrophe),
        cmocka_unit_test(test_cut_counts_utf16_units), cmocka_unit_test(test_cut_never_splits_sequences),
        cmocka_unit_test(test_cut_boundary),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_write_error_after_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
