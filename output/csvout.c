/* csvout.c: RFC 4180 rows through libcsv (csv_write), quoted only when needed,
 * with formula neutralisation, UTF-8-safe cutting of runaway cells and an optional BOM. */
#include "output/csvout.h"

#include "base/mem.h"
#include "base/utf8.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct csvout {
    FILE *fp;               /* NULL: rows stay in row (csvout_create_mem) */
    unsigned flags;
    unsigned long rows;
    int bom_done;
    unsigned char *numeric; /* numeric[i] != 0: column i is numeric */
    size_t nnumeric;
    char *cell;             /* scratch: apostrophe + (cut) text + mark */
    size_t cellcap;
    char *row;              /* the row being written, sent with one fwrite; in memory,
                             * every row so far */
    size_t rowlen, rowcap;
};

csvout *csvout_create(FILE *fp, unsigned flags)
{
    if (!fp)
        return NULL;
    csvout *w = xcalloc(1, sizeof *w);
    w->fp = fp;
    w->flags = flags;
    return w;
}

csvout *csvout_create_mem(unsigned flags)
{
    csvout *w = xcalloc(1, sizeof *w);
    w->flags = flags & ~(unsigned)CSVOUT_BOM;
    return w;
}

char *csvout_take(csvout *w, size_t *n)
{
    *n = 0;
    if (!w || w->fp || !w->rowlen)
        return NULL;
    char *s = w->row;
    *n = w->rowlen;
    w->row = NULL;
    w->rowlen = w->rowcap = 0;
    return s;
}

void csvout_free(csvout *w)
{
    if (!w)
        return;
    free(w->numeric);
    free(w->cell);
    free(w->row);
    free(w);
}

void csvout_set_numeric(csvout *w, const unsigned char *numeric, size_t n)
{
    if (!w)
        return;
    free(w->numeric);
    w->numeric = NULL;
    w->nnumeric = 0;
    if (!numeric || n == 0)
        return;
    w->numeric = xmemdup(numeric, n);
    w->nnumeric = n;
}

unsigned long csvout_rows(const csvout *w)
{
    return w ? w->rows : 0;
}

/* Grow *buf to hold at least need bytes (never fails: base/mem). */
static void reserve(char **buf, size_t *cap, size_t need)
{
    *buf = mem_grow(*buf, cap, need < 256 ? 256 : need, 1);
}

/* Byte length of the longest prefix of s[0..len) of at most max UTF-16 units (what a
 * spreadsheet counts: a character beyond U+FFFF is two), or len if all of s fits.
 * *more is set when characters remain after the cut. */
static size_t utf8_prefix(const char *s, size_t len, size_t max, int *more)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t off = 0, units = 0;
    while (off < len) {
        uint32_t cp;
        size_t n = utf8_next(p + off, len - off, &cp);
        size_t u = cp != UTF8_BAD && cp > 0xFFFF ? 2 : 1;
        if (units + u > max)
            break;
        units += u;
        off += n;
    }
    *more = off < len;
    return off;
}

/* Bytes of word v equal to zero: the high bit of each set (exact as to whether any is). */
#define ONES 0x0101010101010101ull
static uint64_t zero_bytes(uint64_t v) { return (v - ONES) & ~v & (ONES << 7); }

/* A comma, quote or line break inside. */
static int needs_quotes(const char *s, size_t len)
{
    /* short cells (most of a row): eight bytes at a time, the four compared only when a
     * byte is below 64 (none in Chinese text); long ones (context): memchr is vectorised,
     * and four of its passes beat the loop */
    if (len <= 64) {
        size_t i = 0;
        for (; len - i >= 8; i += 8) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (((v - ONES * 64) & ~v & (ONES << 7)) &&
                (zero_bytes(v ^ ONES * ',') | zero_bytes(v ^ ONES * '"') | zero_bytes(v ^ ONES * '\n') |
                 zero_bytes(v ^ ONES * '\r')))
                return 1;
        }
        /* bit c of the mask: the four bytes below 64 that need quotes */
        const uint64_t special = 1ull << ',' | 1ull << '"' | 1ull << '\n' | 1ull << '\r';
        for (; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 64 && (special >> c & 1))
                return 1;
        }
        return 0;
    }
    return memchr(s, ',', len) || memchr(s, '"', len) || memchr(s, '\n', len) || memchr(s, '\r', len);
}

static int is_formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Most cells: no apostrophe, no cut, no blank-end rule. Copied eight bytes at a time while
 * they are checked for the bytes that need quotes; 1 when the cell was written unquoted,
 * 0 (nothing kept) when it holds one. The row has room for the cell (csvout_row). */
static int write_plain(csvout *w, const char *s, size_t len)
{
    char *d = w->row + w->rowlen;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if (((v - ONES * 64) & ~v & (ONES << 7)) && /* a byte below 64: look closer */
            (zero_bytes(v ^ ONES * ',') | zero_bytes(v ^ ONES * '"') | zero_bytes(v ^ ONES * '\n') |
             zero_bytes(v ^ ONES * '\r')))
            return 0;
        memcpy(d + i, &v, 8);
    }
    const uint64_t special = 1ull << ',' | 1ull << '"' | 1ull << '\n' | 1ull << '\r';
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 64 && (special >> c & 1))
            return 0;
        d[i] = (char)c;
    }
    w->rowlen += len;
    return 1;
}

/* Add one cell to the row: neutralise, cut, quote; at least one byte stays free
 * after it, for the comma or newline. Returns 0. */
static int write_cell(csvout *w, const char *s, size_t len, int numeric)
{
    if (s && len && len <= 64 && !(w->flags & CSVOUT_QUOTE_BLANKS) &&
        (numeric || (w->flags & CSVOUT_RAW) || !is_formula_start(s[0])) && write_plain(w, s, len))
        return 0;
    static const char mark[] = CSVOUT_CUT_MARK;
    const size_t marklen = sizeof mark - 1;
    size_t markchars = 0;
    int more;

    if (!s)
        len = 0;
    size_t apos = (!numeric && !(w->flags & CSVOUT_RAW) && len > 0 && is_formula_start(s[0])) ? 1 : 0;

    /* The whole cell as the spreadsheet sees it, apostrophe included, must fit.
     * A cell of fewer bytes than the limit has fewer UTF-16 units too: no count. */
    size_t keep = len;
    more = 0;
    if (len + apos > CSVOUT_CELL_MAX && !(w->flags & CSVOUT_WHOLE))
        keep = utf8_prefix(s, len, CSVOUT_CELL_MAX - apos, &more);
    int cut = more;
    if (cut) {
        for (size_t off = 0; off < marklen; markchars++) {
            uint32_t cp;
            off += utf8_next((const unsigned char *)mark + off, marklen - off, &cp);
        }
        keep = utf8_prefix(s, len, CSVOUT_CELL_MAX - apos - markchars, &more);
    }
    /* judged on the cell as given: "\tx" is quoted after its apostrophe too */
    int blank_end = (w->flags & CSVOUT_QUOTE_BLANKS) && len &&
                    (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t');

    const char *cell = s;
    size_t celllen = len;
    if (apos || cut) {
        celllen = apos + keep + (cut ? marklen : 0);
        reserve(&w->cell, &w->cellcap, celllen);
        if (apos)
            w->cell[0] = '\'';
        if (keep)
            memcpy(w->cell + apos, s, keep);
        if (cut)
            memcpy(w->cell + apos + keep, mark, marklen);
        cell = w->cell;
    }

    if (celllen == 0) {
        reserve(&w->row, &w->rowcap, w->rowlen + 1);
        return 0;
    }
    if (!blank_end && !needs_quotes(cell, celllen)) {
        reserve(&w->row, &w->rowcap, w->rowlen + celllen + 1);
        memcpy(w->row + w->rowlen, cell, celllen);
        w->rowlen += celllen;
        return 0;
    }
    /* quoted: at most twice the cell (every byte a quote) and the two quotes */
    reserve(&w->row, &w->rowcap, w->rowlen + 2 * celllen + 3);
    if (!memchr(cell, '"', celllen)) { /* most quoted cells (a comma inside): what csv_write writes */
        w->row[w->rowlen] = '"';
        memcpy(w->row + w->rowlen + 1, cell, celllen);
        w->row[w->rowlen + 1 + celllen] = '"';
        w->rowlen += celllen + 2;
        return 0;
    }
    w->rowlen += csv_write(w->row + w->rowlen, w->rowcap - w->rowlen, cell, celllen);
    return 0;
}

/* Before any bytes of a row: an earlier error, the byte-order mark. 0 or -1. */
static int start_write(csvout *w)
{
    if (!w->fp)
        return 0;
    if (ferror(w->fp)) {
        errno = EIO; /* an earlier row failed; its reason was reported then */
        return -1;
    }
    if ((w->flags & CSVOUT_BOM) && !w->bom_done) {
        w->bom_done = 1;
        if (fwrite("\xEF\xBB\xBF", 1, 3, w->fp) != 3)
            return -1;
    }
    return 0;
}

int csvout_rows_raw(csvout *w, const char *bytes, size_t n, unsigned long nrows)
{
    if (!w)
        return -1;
    if (n == 0 && nrows == 0)
        return 0; /* nothing: not even the mark */
    if (start_write(w) != 0)
        return -1;
    if (!w->fp) { /* in memory: after the rows so far */
        reserve(&w->row, &w->rowcap, w->rowlen + n);
        if (n)
            memcpy(w->row + w->rowlen, bytes, n);
        w->rowlen += n;
    } else if (n && (fwrite(bytes, 1, n, w->fp) != n || ferror(w->fp))) {
        return -1;
    }
    w->rows += nrows;
    return 0;
}

int csvout_row(csvout *w, const char *const *cells, const size_t *lens, size_t n)
{
    if (!w || start_write(w) != 0)
        return -1;
    /* room for the whole row at once, mostly: each cell quoted, quotes doubled, an
     * apostrophe, its comma; and the newline (write_cell grows it when a cut cell
     * needs more) */
    size_t need = 1;
    for (size_t i = 0; i < n; i++) {
        const char *s = cells ? cells[i] : NULL;
        size_t len = s ? (lens ? lens[i] : strlen(s)) : 0;
        if (len > CSVOUT_CELL_MAX)
            len = CSVOUT_CELL_MAX; /* a longer one is cut, and reserves on its own */
        need += 2 * len + 4;
    }
    size_t start = w->fp ? 0 : w->rowlen; /* in memory, after the rows so far */
    w->rowlen = start;
    reserve(&w->row, &w->rowcap, start + need);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            w->row[w->rowlen++] = ','; /* each cell leaves a byte free (write_cell) */
        const char *s = cells ? cells[i] : NULL;
        size_t len = s ? (lens ? lens[i] : strlen(s)) : 0;
        int numeric = i < w->nnumeric && w->numeric[i];
        if (write_cell(w, s, len, numeric) != 0) {
            w->rowlen = start;
            return -1;
        }
    }
    w->row[w->rowlen++] = '\n'; /* the last cell left its free byte, or need did */
    if (w->fp && (fwrite(w->row, 1, w->rowlen, w->fp) != w->rowlen || ferror(w->fp)))
        return -1;
    w->rows++;
    return 0;
}
