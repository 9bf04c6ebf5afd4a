/* csvread.c: libcsv's push parser turned into a pull reader of named fields. The raw text
 * of the record in hand is kept, so an error can name the line and column of a field. */
#include "output/csvread.h"

#include "base/mem.h"
#include "base/strbuf.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define READ_BLOCK 65536
#define RECORD_MAX (16u << 20) /* longer records are an unterminated quote, not data */

struct csvread {
    FILE *in;
    char *name;
    pm_error *err;
    int rc;
    struct csv_parser p;
    size_t nwant;
    char **want;
    unsigned char *optional;
    unsigned flags;
    int header_done;
    char **hdr;          /* header names while the header record is read */
    size_t nhdr, hdrcap;
    size_t ncols;
    long *col;           /* column of each wanted name, -1 absent */
    unsigned char *need; /* per column (ncols + 1) */
    size_t field;        /* index of the field in progress */
    strbuf arena;        /* needed fields of the record in progress, each NUL-terminated */
    size_t *foff, *flen;
    unsigned char *fhave;
    const char **out;    /* the row handed out, by wanted name */
    size_t *outlen;
    int ready;           /* a record is complete and not yet handed out */
    int given;           /* a record was handed out: clear its fields before the next */
    strbuf rec;          /* raw text since the end of the previous record */
    long rec_line;       /* line of rec.buf[0] */
    int rec_cr_before;   /* rec.buf[0] follows a CR (so a leading LF is the same line break) */
    int reset_pending;   /* rec is the last record's: start again at the next feed */
    long line;           /* line of the next byte fed */
    int last_cr;
    int rec_ended;
    char *buf;           /* read block */
    size_t blen, bpos;
    int eof;
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Line, column (characters, 1-based) of byte offset off of the raw record, and
 * the extent of its line. */
static void locate(const csvread *r, size_t off, long *line, long *col, size_t *ls, size_t *le)
{
    const char *rec = r->rec.buf;
    long ln = r->rec_line;
    size_t start = 0;
    int cr = r->rec_cr_before;
    if (off > r->rec.len)
        off = r->rec.len;
    for (size_t i = 0; i < off; i++) {
        if (rec[i] == '\n') {
            if (!cr)
                ln++;
            start = i + 1;
            cr = 0;
        } else if (rec[i] == '\r') {
            ln++;
            start = i + 1;
            cr = 1;
        } else {
            cr = 0;
        }
    }
    long chars = 0;
    for (size_t i = start; i < off; i++)
        chars += ((unsigned char)rec[i] & 0xC0) != 0x80;
    size_t e = start;
    while (e < r->rec.len && rec[e] != '\n' && rec[e] != '\r')
        e++;
    *line = ln;
    *col = chars + 1;
    *ls = start;
    *le = e;
}

/* Byte offset where field col of the raw record starts (after leading blanks);
 * col (size_t)-1: the last field begun. rec.len when the record has fewer fields. */
static size_t field_offset(const csvread *r, size_t col)
{
    const char *s = r->rec.buf;
    size_t n = r->rec.len, i = 0;
    while (i < n && (s[i] == '\r' || s[i] == '\n' || is_blank(s[i])))
        i++;
    for (size_t k = 0;; k++) {
        while (i < n && is_blank(s[i]))
            i++;
        if (k == col)
            return i;
        size_t j = i;
        if (j < n && s[j] == '"') {
            for (j++; j < n; j++)
                if (s[j] == '"') {
                    if (j + 1 < n && s[j + 1] == '"')
                        j++;
                    else {
                        j++;
                        break;
                    }
                }
        }
        while (j < n && s[j] != ',' && s[j] != '\r' && s[j] != '\n')
            j++;
        if (j >= n || s[j] != ',')
            return col == (size_t)-1 ? i : n;
        i = j + 1;
    }
}

/* Fail with msg at byte offset off of the raw record (line only unless with_col). */
static int fail_at(csvread *r, int code, size_t off, int with_col, const char *msg)
{
    long line, col;
    size_t ls, le;
    locate(r, off, &line, &col, &ls, &le);
    r->rc = pm_error_set(r->err, code, r->name, line, with_col ? col : 0, "%s", msg);
    if (with_col)
        pm_error_source(r->err, r->rec.buf + ls, le - ls);
    return r->rc;
}

int csvread_fail(csvread *r, size_t i, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t c = i < r->nwant && r->col[i] >= 0 ? (size_t)r->col[i] : 0;
    return fail_at(r, code, field_offset(r, c), 1, msg);
}

/* The header record is data after all: its fields become the first row's. */
static void header_as_row(csvread *r)
{
    for (size_t c = 0; c < r->ncols && c < r->nhdr; c++) {
        r->foff[c] = r->arena.len;
        r->flen[c] = strlen(r->hdr[c]);
        r->fhave[c] = 1;
        strbuf_add(&r->arena, r->hdr[c], r->flen[c] + 1);
    }
    r->field = r->nhdr;
}

static void on_row(csvread *r);

static void on_header(csvread *r)
{
    if (r->nhdr && strncmp(r->hdr[0], "\xEF\xBB\xBF", 3) == 0)
        memmove(r->hdr[0], r->hdr[0] + 3, strlen(r->hdr[0]) - 2);
    size_t found = 0;
    for (size_t i = 0; i < r->nwant; i++) {
        r->col[i] = -1;
        for (size_t c = 0; c < r->nhdr; c++)
            if (strcmp(r->hdr[c], r->want[i]) == 0) {
                r->col[i] = (long)c;
                found++;
                break;
            }
    }
    int positional = !found && (r->flags & CSVREAD_HEADER_OPTIONAL);
    r->ncols = positional ? r->nwant : r->nhdr;
    r->need = xcalloc(r->ncols + 1, 1);
    r->foff = xcalloc(r->ncols + 1, sizeof *r->foff);
    r->flen = xcalloc(r->ncols + 1, sizeof *r->flen);
    r->fhave = xcalloc(r->ncols + 1, 1);
    r->header_done = 1;
    if (positional) {
        for (size_t i = 0; i < r->nwant; i++) {
            r->col[i] = (long)i;
            r->need[i] = 1;
        }
        header_as_row(r);
        on_row(r);
        return;
    }
    strbuf missing = STRBUF_INIT;
    size_t nmiss = 0;
    for (size_t i = 0; i < r->nwant; i++) {
        if (r->col[i] >= 0)
            r->need[r->col[i]] = 1;
        else if (!r->optional || !r->optional[i])
            strbuf_addf(&missing, "%s'%s'", nmiss++ ? ", " : "", r->want[i]);
    }
    if (nmiss) {
        char msg[400];
        snprintf(msg, sizeof msg, "missing column%s %.300s", nmiss > 1 ? "s" : "", missing.buf);
        fail_at(r, PM_ERR_SYNTAX, field_offset(r, 0), 0, msg);
    }
    strbuf_release(&missing);
}

static void on_field(void *data, size_t n, void *ctx)
{
    csvread *r = ctx;
    if (r->rc)
        return;
    if (!r->header_done) {
        GROW(r->hdr, r->nhdr + 1, r->hdrcap);
        r->hdr[r->nhdr++] = xmemdup(data, n);
        return;
    }
    size_t c = r->field++;
    if (c >= r->ncols || !r->need[c])
        return;
    r->foff[c] = r->arena.len;
    r->flen[c] = n;
    r->fhave[c] = 1;
    strbuf_add(&r->arena, data, n);
    strbuf_addch(&r->arena, '\0');
}

/* A data record is complete: its fields by wanted name. */
static void on_row(csvread *r)
{
    for (size_t i = 0; i < r->nwant; i++) {
        long c = r->col[i];
        if (c >= 0 && r->fhave[c]) {
            r->out[i] = r->arena.buf + r->foff[c];
            r->outlen[i] = r->flen[c];
        } else if (r->optional && r->optional[i]) {
            r->out[i] = NULL;
            r->outlen[i] = 0;
        } else {
            char msg[400];
            snprintf(msg, sizeof msg, "record has no field '%s' (only %zu field%s)", r->want[i],
                     r->field, r->field == 1 ? "" : "s");
            fail_at(r, PM_ERR_SYNTAX, field_offset(r, 0), 0, msg);
            return;
        }
    }
    r->ready = 1;
}

static void on_record(int term, void *ctx)
{
    (void)term;
    csvread *r = ctx;
    r->rec_ended = 1;
    if (r->rc)
        return;
    if (!r->header_done)
        on_header(r);
    else
        on_row(r);
}

/* Start the raw record again when the last one has been dealt with. */
static void settle(csvread *r)
{
    if (!r->reset_pending)
        return;
    r->reset_pending = 0;
    strbuf_reset(&r->rec);
    r->rec_line = r->line;
    r->rec_cr_before = r->last_cr;
}

/* Feed one chunk: a line up to and including its terminator, or part of a line. */
static int feed(csvread *r, const char *chunk, size_t n)
{
    settle(r);
    if (r->rec.len + n > RECORD_MAX)
        return r->rc = pm_error_set(r->err, PM_ERR_SYNTAX, r->name, r->rec_line, 0,
                                    "record longer than %u MB (unterminated quoted field?)",
                                    RECORD_MAX >> 20);
    size_t base = r->rec.len;
    strbuf_add(&r->rec, chunk, n);
    r->rec_ended = 0;
    size_t used = csv_parse(&r->p, chunk, n, on_field, on_record, r);
    if (r->rc)
        return r->rc;
    if (used < n) {
        if (csv_error(&r->p) == CSV_EPARSE)
            return fail_at(r, PM_ERR_SYNTAX, base + used, 1, "misplaced quote");
        return r->rc = pm_error_set(r->err, PM_ERR_LIMIT, r->name, r->rec_line, 0, "%s",
                                    csv_strerror(csv_error(&r->p)));
    }
    char last = chunk[n - 1];
    int blank = base == 0;
    for (size_t i = 0; blank && i < n; i++)
        blank = chunk[i] == '\r' || chunk[i] == '\n' || is_blank(chunk[i]);
    if (last == '\n') {
        if (!(n == 1 && r->last_cr))
            r->line++;
        r->last_cr = 0;
    } else if (last == '\r') {
        r->line++;
        r->last_cr = 1;
    } else {
        r->last_cr = 0;
        blank = 0;
    }
    if (r->rec_ended || blank)
        r->reset_pending = 1;
    return 0;
}

/* End of input: the last record may have had no line break. */
static int finish(csvread *r)
{
    r->eof = 1;
    if (ferror(r->in)) {
        char why[PM_STRERROR_MAX];
        return r->rc = pm_error_set(r->err, PM_ERR_IO, r->name, 0, 0, "cannot read input: %s",
                                    pm_strerror(errno, why, sizeof why));
    }
    settle(r);
    int f = csv_fini(&r->p, on_field, on_record, r);
    if (!r->rc && f != 0)
        fail_at(r, PM_ERR_SYNTAX, field_offset(r, (size_t)-1), 1,
                "unterminated quoted field at end of input");
    return r->rc;
}

/* Parse until a record is complete (1), the input ends (0) or an error (< 0); with
 * header_only, also stop once the header has been read. */
static int advance(csvread *r, int header_only)
{
    while (!r->rc && !r->ready && !(header_only && r->header_done)) {
        if (r->bpos == r->blen) {
            if (r->eof)
                return 0;
            r->blen = fread(r->buf, 1, READ_BLOCK, r->in);
            r->bpos = 0;
            if (r->blen == 0) {
                finish(r);
                break;
            }
        }
        size_t i = r->bpos, j = i;
        while (j < r->blen && r->buf[j] != '\n' && r->buf[j] != '\r')
            j++;
        if (j < r->blen)
            j++;
        r->bpos = j;
        feed(r, r->buf + i, j - i);
    }
    return r->rc ? r->rc : r->ready;
}

static void *xrealloc_cb(void *p, size_t n)
{
    return xrealloc(p, n);
}

int csvread_open(csvread **rp, FILE *in, const char *name, const char *const *want,
                 const unsigned char *optional, size_t nwant, unsigned flags, pm_error *err)
{
    csvread *r = xcalloc(1, sizeof *r);
    r->in = in;
    r->name = xstrdup(name ? name : "");
    r->err = err;
    r->flags = flags;
    r->nwant = nwant;
    r->want = xcalloc(nwant + 1, sizeof *r->want);
    for (size_t i = 0; i < nwant; i++)
        r->want[i] = xstrdup(want[i]);
    if (optional)
        r->optional = xmemdup(optional, nwant);
    r->col = xcalloc(nwant + 1, sizeof *r->col);
    r->out = xcalloc(nwant + 1, sizeof *r->out);
    r->outlen = xcalloc(nwant + 1, sizeof *r->outlen);
    strbuf_init(&r->arena);
    strbuf_init(&r->rec);
    r->line = r->rec_line = 1;
    r->buf = xmalloc(READ_BLOCK);
    csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_realloc_func(&r->p, xrealloc_cb);
    advance(r, 1);
    if (r->rc) {
        int rc = r->rc;
        csvread_free(r);
        *rp = NULL;
        return rc;
    }
    *rp = r;
    return PM_OK;
}

int csvread_next(csvread *r, const char *const **f, const size_t **len)
{
    if (r->given) { /* the row handed out last is done with */
        r->given = 0;
        r->field = 0;
        strbuf_reset(&r->arena);
        memset(r->fhave, 0, r->ncols + 1);
    }
    int rc = advance(r, 0);
    if (rc != 1)
        return rc;
    r->ready = 0;
    r->given = 1;
    *f = r->out;
    *len = r->outlen;
    return 1;
}

void csvread_free(csvread *r)
{
    if (!r)
        return;
    csv_free(&r->p);
    for (size_t i = 0; i < r->nhdr; i++)
        free(r->hdr[i]);
    free(r->hdr);
    for (size_t i = 0; i < r->nwant; i++)
        free(r->want[i]);
    free(r->want);
    free(r->optional);
    free(r->name);
    free(r->col);
    free(r->need);
    free(r->foff);
    free(r->flen);
    free(r->fhave);
    free(r->out);
    free(r->outlen);
    strbuf_release(&r->arena);
    strbuf_release(&r->rec);
    free(r->buf);
    free(r);
}
