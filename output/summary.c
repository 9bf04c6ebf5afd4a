/* summary.c: group extracted targets by key columns and compute totals, quantiles and
 * log10 histograms with GSL; read extract CSV with libcsv; write csv, Markdown or JSON. */
#include "output/summary.h"
#include "base/numparse.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define DEFAULT_BY "city,category,unit"
#define READ_BLOCK 65536
#define RECORD_MAX (16u << 20) /* longer records are an unterminated quote, not data */

enum { ROLE_TARGET, ROLE_ACTUAL, ROLE_BASELINE, ROLE_ALL };

/* Slots: the columns a row needs, then the key fields. */
/* value_max and additive may be absent (an extract CSV of an older version has no additive) */
enum { SL_VALUE, SL_VMAX, SL_ROLE, SL_FILE, SL_ADD, SL_KEY };
static const char *const slot_names[SL_KEY] = {"value", "value_max", "role", "file", "additive"};
#define SLOT_OPTIONAL(i) ((i) == SL_VMAX || (i) == SL_ADD)

/* ---- interned byte strings: string -> dense id ---- */

typedef struct intern {
    char **str; /* each NUL-terminated copy, stable address */
    size_t *len;
    uint64_t *hash;
    size_t n, cap;
    size_t *slot; /* open addressing, id + 1, 0 empty */
    size_t nslot; /* power of two */
} intern;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static void intern_free(intern *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->str[i]);
    free(t->str);
    free(t->len);
    free(t->hash);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static int intern_rehash(intern *t, size_t nslot)
{
    size_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t id = 0; id < t->n; id++) {
        size_t i = (size_t)t->hash[id] & (nslot - 1);
        while (slot[i])
            i = (i + 1) & (nslot - 1);
        slot[i] = id + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = nslot;
    return 0;
}

/* Find or add s[0..len). Returns 1 added, 0 found, -1 out of memory. */
static int intern_get(intern *t, const char *s, size_t len, size_t *id)
{
    if ((t->n + 1) * 4 > t->nslot * 3 && intern_rehash(t, t->nslot ? t->nslot * 2 : 64) != 0)
        return -1;
    uint64_t h = hash_bytes(s, len);
    size_t i = (size_t)h & (t->nslot - 1);
    while (t->slot[i]) {
        size_t k = t->slot[i] - 1;
        if (t->hash[k] == h && t->len[k] == len && memcmp(t->str[k], s, len) == 0) {
            *id = k;
            return 0;
        }
        i = (i + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **str = realloc(t->str, cap * sizeof *str);
        if (!str)
            return -1;
        t->str = str;
        size_t *ln = realloc(t->len, cap * sizeof *ln);
        if (!ln)
            return -1;
        t->len = ln;
        uint64_t *hs = realloc(t->hash, cap * sizeof *hs);
        if (!hs)
            return -1;
        t->hash = hs;
        t->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    t->str[t->n] = copy;
    t->len[t->n] = len;
    t->hash[t->n] = h;
    t->slot[i] = ++t->n;
    *id = t->n - 1;
    return 1;
}

/* ---- groups ---- */

typedef struct group {
    const char *key;    /* nkey NUL-terminated fields back to back, owned by the key table */
    size_t keylen;
    const char **fld;   /* nkey pointers into key, in the summary's fldv */
    double *v;          /* lower bounds, as added (sorted at write time) */
    size_t n, cap;
    size_t ranges;      /* rows with a value_max */
    uint32_t *docs;     /* set of file ids + 1, open addressing */
    size_t ndocs, doccap;
    uint32_t last_doc;
    int nonadd;         /* its rows say additive=no: never summed (a group of its own) */
} group;

struct summary {
    char **keyname; /* nkey column names, unit included */
    size_t nkey, unit_k;
    int role;
    int (*additive)(void *ctx, const char *unit);
    void *actx;
    intern keys, files;
    group *g;       /* indexed by key id */
    const char **fldv; /* gcap * nkey field pointers */
    size_t gcap;
    char *kbuf;     /* key being built */
    size_t kcap;
    const char **sf; /* scratch: one row by slot */
    size_t *slen;
};

static int docs_add(group *g, uint32_t id)
{
    uint32_t key = id + 1;
    if (g->last_doc == key)
        return 0;
    g->last_doc = key;
    if ((g->ndocs + 1) * 4 > g->doccap * 3) {
        size_t cap = g->doccap ? g->doccap * 2 : 8;
        uint32_t *d = calloc(cap, sizeof *d);
        if (!d)
            return -1;
        for (size_t j = 0; j < g->doccap; j++) {
            if (!g->docs[j])
                continue;
            size_t i = (g->docs[j] * 2654435761u) & (cap - 1);
            while (d[i])
                i = (i + 1) & (cap - 1);
            d[i] = g->docs[j];
        }
        free(g->docs);
        g->docs = d;
        g->doccap = cap;
    }
    size_t i = (key * 2654435761u) & (g->doccap - 1);
    while (g->docs[i]) {
        if (g->docs[i] == key)
            return 0;
        i = (i + 1) & (g->doccap - 1);
    }
    g->docs[i] = key;
    g->ndocs++;
    return 0;
}

/* ---- create / free ---- */

summary *summary_create(const char *by, const char *role, pm_error *err)
{
    gsl_set_error_handler_off();
    int r;
    if (!role || strcmp(role, "target") == 0)
        r = ROLE_TARGET;
    else if (strcmp(role, "baseline") == 0)
        r = ROLE_BASELINE;
    else if (strcmp(role, "actual") == 0)
        r = ROLE_ACTUAL;
    else if (strcmp(role, "all") == 0)
        r = ROLE_ALL;
    else {
        pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "unknown role '%s' (target, actual, baseline or all)", role);
        return NULL;
    }
    if (!by || !*by)
        by = DEFAULT_BY;

    summary *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->role = r;
    size_t nf = 2; /* fields + room for unit */
    for (const char *p = by; *p; p++)
        nf += *p == ',';
    s->keyname = calloc(nf, sizeof *s->keyname);
    if (!s->keyname)
        goto nomem;
    s->unit_k = (size_t)-1;
    for (const char *p = by;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *a = p, *b = p + n;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (a == b) {
            pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "empty field name in --by '%s'", by);
            summary_free(s);
            return NULL;
        }
        char *name = strndup(a, (size_t)(b - a));
        if (!name)
            goto nomem;
        for (size_t k = 0; k < s->nkey; k++)
            if (strcmp(s->keyname[k], name) == 0) {
                pm_error_set(err, PM_ERR_USAGE, NULL, 0, 0, "field '%s' given twice in --by", name);
                free(name);
                summary_free(s);
                return NULL;
            }
        if (strcmp(name, "unit") == 0)
            s->unit_k = s->nkey;
        s->keyname[s->nkey++] = name;
        if (!e)
            break;
        p = e + 1;
    }
    if (s->unit_k == (size_t)-1) {
        if (!(s->keyname[s->nkey] = strdup("unit")))
            goto nomem;
        s->unit_k = s->nkey++;
    }
    s->sf = malloc((SL_KEY + s->nkey) * sizeof *s->sf);
    s->slen = malloc((SL_KEY + s->nkey) * sizeof *s->slen);
    if (!s->sf || !s->slen)
        goto nomem;
    return s;
nomem:
    summary_free(s);
    pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return NULL;
}

void summary_free(summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->keys.n; i++) {
        free(s->g[i].v);
        free(s->g[i].docs);
    }
    free(s->g);
    free(s->fldv);
    free(s->sf);
    free(s->slen);
    intern_free(&s->keys);
    intern_free(&s->files);
    if (s->keyname)
        for (size_t k = 0; k < s->nkey; k++)
            free(s->keyname[k]);
    free(s->keyname);
    free(s->kbuf);
    free(s);
}

void summary_set_additive(summary *s, int (*fn)(void *ctx, const char *unit), void *ctx)
{
    s->additive = fn;
    s->actx = ctx;
}

size_t summary_groups(const summary *s)
{
    return s->keys.n;
}

/* ---- adding rows ---- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A plain decimal number, optionally signed, with optional exponent; spaces around
 * are allowed. inf, nan, hex and empty fields are not numbers. */
static int parse_num(const char *s, size_t n, double *out)
{
    while (n && is_blank(*s))
        s++, n--;
    while (n && is_blank(s[n - 1]))
        n--;
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e)
            return -1;
    }
    if (i != n || n >= 128)
        return -1;
    char buf[128];
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* A text cell written as '=x for spreadsheet safety means =x. */
static void unneutralise(const char **s, size_t *n)
{
    if (*n >= 2 && (*s)[0] == '\'' && strchr("=+-@\t\r", (*s)[1]))
        (*s)++, (*n)--;
}

static int add_value(group *g, double v)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4;
        double *nv = realloc(g->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        g->v = nv;
        g->cap = cap;
    }
    g->v[g->n++] = v;
    return 0;
}

/* One row, fields by slot (f[i] NULL: column absent). Returns PM_OK (added or
 * filtered out), PM_ERR_SYNTAX with *bad the slot of the bad number, PM_ERR_NOMEM. */
static int add_row(summary *s, const char *const *f, const size_t *len, size_t *bad)
{
    double v, vmax;
    if (parse_num(f[SL_VALUE], len[SL_VALUE], &v) != 0) {
        *bad = SL_VALUE;
        return PM_ERR_SYNTAX;
    }
    int range = 0;
    if (f[SL_VMAX]) {
        size_t i = 0;
        while (i < len[SL_VMAX] && is_blank(f[SL_VMAX][i]))
            i++;
        if (i < len[SL_VMAX]) {
            if (parse_num(f[SL_VMAX], len[SL_VMAX], &vmax) != 0) {
                *bad = SL_VMAX;
                return PM_ERR_SYNTAX;
            }
            range = 1;
        }
    }
    if (s->role != ROLE_ALL) {
        const char *want = s->role == ROLE_TARGET ? "target" : s->role == ROLE_ACTUAL ? "actual" : "baseline";
        if (len[SL_ROLE] != strlen(want) || memcmp(f[SL_ROLE], want, len[SL_ROLE]) != 0)
            return PM_OK;
    }

    /* additive=no rows are a group of their own: the key gets one more part */
    int nonadd = f[SL_ADD] && len[SL_ADD] == 2 && memcmp(f[SL_ADD], "no", 2) == 0;
    size_t klen = 2;
    for (size_t k = 0; k < s->nkey; k++)
        klen += len[SL_KEY + k] + 1;
    if (klen > s->kcap) {
        char *nb = realloc(s->kbuf, klen * 2);
        if (!nb)
            return PM_ERR_NOMEM;
        s->kbuf = nb;
        s->kcap = klen * 2;
    }
    klen = 0;
    for (size_t k = 0; k < s->nkey; k++) {
        const char *p = f[SL_KEY + k];
        size_t n = len[SL_KEY + k];
        unneutralise(&p, &n);
        if (n)
            memcpy(s->kbuf + klen, p, n);
        klen += n;
        s->kbuf[klen++] = '\0';
    }
    s->kbuf[klen++] = nonadd ? 'n' : 'y';
    s->kbuf[klen++] = '\0';
    if (s->keys.n == s->gcap) { /* room for a new group before its key is interned */
        size_t cap = s->gcap ? s->gcap * 2 : 64;
        group *ng = realloc(s->g, cap * sizeof *ng);
        if (!ng)
            return PM_ERR_NOMEM;
        s->g = ng;
        const char **nf = realloc(s->fldv, cap * s->nkey * sizeof *nf);
        if (!nf)
            return PM_ERR_NOMEM;
        for (size_t i = 0; i < s->keys.n; i++) /* the field pointers moved */
            ng[i].fld = nf + i * s->nkey;
        s->fldv = nf;
        s->gcap = cap;
    }
    size_t id;
    int added = intern_get(&s->keys, s->kbuf, klen, &id);
    if (added < 0)
        return PM_ERR_NOMEM;
    group *g = &s->g[id];
    if (added) {
        memset(g, 0, sizeof *g);
        g->key = s->keys.str[id];
        g->keylen = klen;
        g->fld = s->fldv + id * s->nkey;
        g->nonadd = nonadd;
        const char *p = g->key;
        for (size_t k = 0; k < s->nkey; k++) {
            g->fld[k] = p;
            p += strlen(p) + 1;
        }
    }
    const char *fp = f[SL_FILE];
    size_t fn = len[SL_FILE];
    unneutralise(&fp, &fn);
    size_t fid;
    if (intern_get(&s->files, fp, fn, &fid) < 0 || docs_add(g, (uint32_t)fid) != 0 ||
        add_value(g, v) != 0)
        return PM_ERR_NOMEM;
    if (range)
        g->ranges++;
    return PM_OK;
}

static const char *slot_name(const summary *s, size_t i)
{
    return i < SL_KEY ? slot_names[i] : s->keyname[i - SL_KEY];
}

/* Print at most ~60 bytes of a field into a message, cut on a character boundary. */
static int msg_len(const char *s, size_t n)
{
    if (n <= 60)
        return (int)n;
    n = 60;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

int summary_add(summary *s, const char *const *names, const char *const *values, size_t n,
                pm_error *err)
{
    size_t ns = SL_KEY + s->nkey;
    const char **f = s->sf;
    size_t *len = s->slen;
    for (size_t i = 0; i < ns; i++) {
        const char *want = slot_name(s, i);
        f[i] = NULL;
        len[i] = 0;
        for (size_t j = 0; j < n; j++)
            if (names[j] && strcmp(names[j], want) == 0) {
                f[i] = values[j] ? values[j] : "";
                len[i] = strlen(f[i]);
                break;
            }
        if (!f[i] && !SLOT_OPTIONAL(i))
            return pm_error_set(err, PM_ERR_SYNTAX, NULL, 0, 0, "missing field '%s'", want);
    }
    size_t bad = 0;
    int rc = add_row(s, f, len, &bad);
    if (rc == PM_ERR_SYNTAX)
        return pm_error_set(err, rc, NULL, 0, 0, "%s '%.*s' is not a number", slot_name(s, bad),
                            msg_len(f[bad], len[bad]), f[bad]);
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(err, rc, NULL, 0, 0, "out of memory");
    return rc;
}

/* ---- reading CSV ---- */

typedef struct reader {
    summary *s;
    const char *name;
    pm_error *err;
    int rc;
    struct csv_parser p;
    int header_done;
    char **hdr; /* header names while the header record is read */
    size_t nhdr, hdrcap;
    size_t ncols;
    long *slot_col;      /* column of each slot, -1 absent */
    unsigned char *need; /* per column */
    size_t field;        /* index of the field in progress */
    char *arena;         /* needed fields of the record in progress */
    size_t alen, acap;
    size_t *foff, *flen;
    unsigned char *fhave;
    char *rec;           /* raw text since the end of the previous record */
    size_t rlen, rcap;
    long rec_line;       /* line of rec[0] */
    int rec_cr_before;   /* rec[0] follows a CR (so a leading LF is the same line break) */
    long line;           /* line of the next byte fed */
    int last_cr;
    int rec_ended;
} reader;

/* Line, column (characters, 1-based) of byte offset off of the raw record, and
 * the extent of its line. */
static void locate(const reader *r, size_t off, long *line, long *col, size_t *ls, size_t *le)
{
    long ln = r->rec_line;
    size_t start = 0;
    int cr = r->rec_cr_before;
    if (off > r->rlen)
        off = r->rlen;
    for (size_t i = 0; i < off; i++) {
        char c = r->rec[i];
        if (c == '\n') {
            if (!cr)
                ln++;
            start = i + 1;
            cr = 0;
        } else if (c == '\r') {
            ln++;
            start = i + 1;
            cr = 1;
        } else {
            cr = 0;
        }
    }
    long chars = 0;
    for (size_t i = start; i < off; i++)
        chars += ((unsigned char)r->rec[i] & 0xC0) != 0x80;
    size_t e = start;
    while (e < r->rlen && r->rec[e] != '\n' && r->rec[e] != '\r')
        e++;
    *line = ln;
    *col = chars + 1;
    *ls = start;
    *le = e;
}

/* Byte offset where field col of the raw record starts (after leading blanks);
 * col (size_t)-1: the last field begun. rlen when the record has fewer fields. */
static size_t field_offset(const reader *r, size_t col)
{
    const char *s = r->rec;
    size_t n = r->rlen, i = 0;
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
static int reader_error(reader *r, int code, size_t off, int with_col, const char *msg)
{
    long line, col;
    size_t ls, le;
    locate(r, off, &line, &col, &ls, &le);
    r->rc = pm_error_set(r->err, code, r->name, line, with_col ? col : 0, "%s", msg);
    if (with_col)
        pm_error_source(r->err, r->rec + ls, le - ls);
    return r->rc;
}

static int nomem(reader *r)
{
    return r->rc = pm_error_set(r->err, PM_ERR_NOMEM, r->name, 0, 0, "out of memory");
}

static void on_header(reader *r)
{
    summary *s = r->s;
    size_t ns = SL_KEY + s->nkey;
    if (r->nhdr && r->hdr[0] && strncmp(r->hdr[0], "\xEF\xBB\xBF", 3) == 0)
        memmove(r->hdr[0], r->hdr[0] + 3, strlen(r->hdr[0]) - 2);
    r->ncols = r->nhdr;
    r->slot_col = malloc(ns * sizeof *r->slot_col);
    r->need = calloc(r->ncols + 1, 1);
    r->foff = calloc(r->ncols + 1, sizeof *r->foff);
    r->flen = calloc(r->ncols + 1, sizeof *r->flen);
    r->fhave = calloc(r->ncols + 1, 1);
    if (!r->slot_col || !r->need || !r->foff || !r->flen || !r->fhave) {
        nomem(r);
        return;
    }
    char missing[300] = "";
    size_t nmiss = 0, used = 0;
    for (size_t i = 0; i < ns; i++) {
        const char *want = slot_name(s, i);
        r->slot_col[i] = -1;
        for (size_t c = 0; c < r->ncols; c++)
            if (strcmp(r->hdr[c], want) == 0) {
                r->slot_col[i] = (long)c;
                r->need[c] = 1;
                break;
            }
        if (r->slot_col[i] < 0 && !SLOT_OPTIONAL(i) && used < sizeof missing) {
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s'%s'",
                                     nmiss ? ", " : "", want);
            nmiss++;
        }
    }
    if (nmiss) {
        char msg[400];
        snprintf(msg, sizeof msg, "missing column%s %s", nmiss > 1 ? "s" : "", missing);
        reader_error(r, PM_ERR_SYNTAX, field_offset(r, 0), 0, msg);
    }
    r->header_done = 1;
}

static void on_field(void *data, size_t n, void *ctx)
{
    reader *r = ctx;
    if (r->rc)
        return;
    if (!r->header_done) {
        if (r->nhdr == r->hdrcap) {
            size_t cap = r->hdrcap ? r->hdrcap * 2 : 32;
            char **h = realloc(r->hdr, cap * sizeof *h);
            if (!h) {
                nomem(r);
                return;
            }
            r->hdr = h;
            r->hdrcap = cap;
        }
        char *name = malloc(n + 1);
        if (!name) {
            nomem(r);
            return;
        }
        if (n)
            memcpy(name, data, n);
        name[n] = '\0';
        r->hdr[r->nhdr++] = name;
        return;
    }
    size_t c = r->field++;
    if (c >= r->ncols || !r->need[c])
        return;
    if (!r->arena || r->alen + n > r->acap) { /* never NULL once used: NULL + 0 is undefined */
        size_t cap = (r->alen + n) * 2 + 64;
        char *a = realloc(r->arena, cap);
        if (!a) {
            nomem(r);
            return;
        }
        r->arena = a;
        r->acap = cap;
    }
    if (n)
        memcpy(r->arena + r->alen, data, n);
    r->foff[c] = r->alen;
    r->flen[c] = n;
    r->fhave[c] = 1;
    r->alen += n;
}

static void on_record(int term, void *ctx)
{
    (void)term;
    reader *r = ctx;
    r->rec_ended = 1;
    if (r->rc)
        return;
    if (!r->header_done) {
        on_header(r);
        return;
    }
    summary *s = r->s;
    size_t ns = SL_KEY + s->nkey;
    const char **f = s->sf;
    size_t *len = s->slen;
    for (size_t i = 0; i < ns; i++) {
        long c = r->slot_col[i];
        if (c >= 0 && r->fhave[c]) {
            f[i] = r->arena + r->foff[c];
            len[i] = r->flen[c];
        } else if (SLOT_OPTIONAL(i)) {
            f[i] = NULL;
            len[i] = 0;
        } else {
            char msg[400];
            snprintf(msg, sizeof msg, "record has no field '%s' (only %zu field%s)", slot_name(s, i),
                     r->field, r->field == 1 ? "" : "s");
            reader_error(r, PM_ERR_SYNTAX, field_offset(r, 0), 0, msg);
            goto reset;
        }
    }
    size_t bad = 0;
    int rc = add_row(s, f, len, &bad);
    if (rc == PM_ERR_SYNTAX) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s '%.*s' is not a number", slot_name(s, bad),
                 msg_len(f[bad], len[bad]), f[bad]);
        reader_error(r, rc, field_offset(r, (size_t)r->slot_col[bad]), 1, msg);
    } else if (rc != PM_OK) {
        nomem(r);
    }
reset:
    r->field = 0;
    r->alen = 0;
    if (r->fhave)
        memset(r->fhave, 0, r->ncols + 1);
}

/* Feed one chunk: a line up to and including its terminator, or part of a line. */
static int feed(reader *r, const char *chunk, size_t n)
{
    if (r->rlen + n > RECORD_MAX) {
        r->rc = pm_error_set(r->err, PM_ERR_SYNTAX, r->name, r->rec_line, 0,
                             "record longer than %u MB (unterminated quoted field?)",
                             RECORD_MAX >> 20);
        return r->rc;
    }
    if (r->rlen + n > r->rcap) {
        size_t cap = (r->rlen + n) * 2;
        char *nr = realloc(r->rec, cap);
        if (!nr)
            return nomem(r);
        r->rec = nr;
        r->rcap = cap;
    }
    memcpy(r->rec + r->rlen, chunk, n);
    size_t base = r->rlen;
    r->rlen += n;
    r->rec_ended = 0;
    size_t used = csv_parse(&r->p, chunk, n, on_field, on_record, r);
    if (r->rc)
        return r->rc;
    if (used < n) {
        if (csv_error(&r->p) == CSV_EPARSE)
            return reader_error(r, PM_ERR_SYNTAX, base + used, 1, "misplaced quote");
        return nomem(r);
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
    if (r->rec_ended || blank) {
        r->rlen = 0;
        r->rec_line = r->line;
        r->rec_cr_before = r->last_cr;
    }
    return 0;
}

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->nhdr; i++)
        free(r->hdr[i]);
    free(r->hdr);
    free(r->slot_col);
    free(r->need);
    free(r->foff);
    free(r->flen);
    free(r->fhave);
    free(r->arena);
    free(r->rec);
}

int summary_read(summary *s, FILE *in, const char *name, pm_error *err)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.name = name;
    r.err = err;
    r.line = r.rec_line = 1;
    if (csv_init(&r.p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return pm_error_set(err, PM_ERR_NOMEM, name, 0, 0, "out of memory");
    char *buf = malloc(READ_BLOCK);
    if (!buf) {
        csv_free(&r.p);
        return pm_error_set(err, PM_ERR_NOMEM, name, 0, 0, "out of memory");
    }
    while (!r.rc) {
        size_t got = fread(buf, 1, READ_BLOCK, in);
        if (got == 0)
            break;
        for (size_t i = 0; i < got && !r.rc;) {
            size_t j = i;
            while (j < got && buf[j] != '\n' && buf[j] != '\r')
                j++;
            if (j < got)
                j++;
            feed(&r, buf + i, j - i);
            i = j;
        }
    }
    if (!r.rc && ferror(in))
        r.rc = pm_error_set(err, PM_ERR_IO, name, 0, 0, "cannot read input: %s", strerror(errno));
    if (!r.rc) {
        int f = csv_fini(&r.p, on_field, on_record, &r);
        if (!r.rc && f != 0)
            reader_error(&r, PM_ERR_SYNTAX, field_offset(&r, (size_t)-1), 1,
                         "unterminated quoted field at end of input");
    }
    csv_free(&r.p);
    free(buf);
    reader_free(&r);
    return r.rc;
}

/* ---- tables ---- */

typedef struct table {
    size_t ncols, nrows, cap;
    char **head;            /* ncols */
    unsigned char *numeric; /* ncols */
    char **cell;            /* nrows * ncols, NULL = empty (null in JSON) */
} table;

static void table_free(table *t)
{
    if (t->head)
        for (size_t c = 0; c < t->ncols; c++)
            free(t->head[c]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cell[i]);
    free(t->head);
    free(t->numeric);
    free(t->cell);
}

static int table_init(table *t, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->head = calloc(ncols ? ncols : 1, sizeof *t->head);
    t->numeric = calloc(ncols ? ncols : 1, 1);
    return t->head && t->numeric ? 0 : -1;
}

/* A new row of empty cells, or NULL when out of memory. */
static char **table_row(table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cell, cap * t->ncols * sizeof *c);
        if (!c)
            return NULL;
        t->cell = c;
        t->cap = cap;
    }
    char **row = t->cell + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++)
        row[c] = NULL;
    t->nrows++;
    return row;
}

static char *num_dup(double v)
{
    if (!isfinite(v))
        return NULL;
    char buf[400];
    int n = num_format(v, buf, sizeof buf);
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return strdup(buf);
}

static char *count_dup(size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    return strdup(buf);
}

/* A value the cell must hold: false when allocation failed. */
#define SET(cellp, expr) ((*(cellp) = (expr)) != NULL)

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

/* Groups sorted by key, values of each sorted ascending; *ng of them (a group
 * left empty by an allocation failure is not one). */
static group **sorted_groups(summary *s, size_t *ng)
{
    group **gs = malloc((s->keys.n ? s->keys.n : 1) * sizeof *gs);
    if (!gs)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->keys.n; i++)
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

/* Sum of a group's (sorted) values, ascending so the result does not depend on input order. */
static double group_sum(const group *g)
{
    long double acc = 0;
    for (size_t i = 0; i < g->n; i++)
        acc += g->v[i];
    return (double)acc;
}

static int key_cells(const summary *s, const group *g, char **row)
{
    for (size_t k = 0; k < s->nkey; k++)
        if (!SET(&row[k], strdup(g->fld[k])))
            return -1;
    return 0;
}

static const char *const stat_cols[] = {"count", "sum", "mean", "sd", "min", "p25",
                                        "median", "p75", "max", "docs", "ranges", "no_sum"};
#define NSTAT (sizeof stat_cols / sizeof *stat_cols)

static int build_stats(summary *s, group **gs, size_t ng, table *t)
{
    if (table_init(t, s->nkey + NSTAT) != 0)
        return -1;
    for (size_t k = 0; k < s->nkey; k++)
        if (!SET(&t->head[k], strdup(s->keyname[k])))
            return -1;
    for (size_t c = 0; c < NSTAT; c++) {
        if (!SET(&t->head[s->nkey + c], strdup(stat_cols[c])))
            return -1;
        t->numeric[s->nkey + c] = c != NSTAT - 1;
    }
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        char **row = table_row(t);
        if (!row || key_cells(s, g, row) != 0)
            return -1;
        char **st = row + s->nkey;
        const double *v = g->v;
        size_t n = g->n;
        if (!SET(&st[0], count_dup(n)))
            return -1;
        const char *why = no_sum(s, g);
        if (!why)
            st[1] = num_dup(group_sum(g));
        else if (!SET(&st[11], strdup(why)))
            return -1;
        st[2] = num_dup(gsl_stats_mean(v, 1, n));
        if (n >= 2)
            st[3] = num_dup(gsl_stats_sd(v, 1, n));
        st[4] = num_dup(v[0]);
        st[5] = num_dup(gsl_stats_quantile_from_sorted_data(v, 1, n, 0.25));
        st[6] = num_dup(gsl_stats_median_from_sorted_data(v, 1, n));
        st[7] = num_dup(gsl_stats_quantile_from_sorted_data(v, 1, n, 0.75));
        st[8] = num_dup(v[n - 1]);
        if (!SET(&st[9], count_dup(g->ndocs)) || !SET(&st[10], count_dup(g->ranges)))
            return -1;
        if (!st[2] || !st[4] || !st[5] || !st[6] || !st[7] || !st[8])
            return -1;
    }
    return 0;
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
    return strdup(out);
}

static const char *const hist_cols[] = {"bin", "lo", "hi", "count"};

static int build_hist(summary *s, group **gs, size_t ng, table *t)
{
    if (table_init(t, s->nkey + 4) != 0)
        return -1;
    for (size_t k = 0; k < s->nkey; k++)
        if (!SET(&t->head[k], strdup(s->keyname[k])))
            return -1;
    for (size_t c = 0; c < 4; c++) {
        if (!SET(&t->head[s->nkey + c], strdup(hist_cols[c])))
            return -1;
        t->numeric[s->nkey + c] = c > 0;
    }
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        size_t nonpos = 0;
        while (nonpos < g->n && g->v[nonpos] <= 0)
            nonpos++;
        if (nonpos) {
            char **row = table_row(t);
            if (!row || key_cells(s, g, row) != 0 || !SET(&row[s->nkey], strdup("<=0")) ||
                !SET(&row[s->nkey + 2], strdup("0")) || !SET(&row[s->nkey + 3], count_dup(nonpos)))
                return -1;
        }
        if (nonpos == g->n)
            continue;
        int lo = dec_floor(g->v[nonpos]), hi = dec_ceil(g->v[g->n - 1]);
        if (hi <= lo)
            hi = lo + 1; /* every value is the same power of ten */
        size_t nb = (size_t)(hi - lo);
        double *edge = malloc((nb + 1) * sizeof *edge);
        gsl_histogram *h = gsl_histogram_alloc(nb);
        if (!edge || !h) {
            free(edge);
            gsl_histogram_free(h);
            return -1;
        }
        for (size_t b = 0; b <= nb; b++)
            edge[b] = p10(lo + (int)b);
        int rc = gsl_histogram_set_ranges(h, edge, nb + 1);
        for (size_t j = nonpos; j < g->n && rc == GSL_SUCCESS; j++) {
            /* gsl bins are [lo,hi): a value on the top edge goes into the last bin */
            double x = g->v[j] >= edge[nb] ? edge[nb - 1] : g->v[j];
            rc = gsl_histogram_increment(h, x);
        }
        for (size_t b = 0; b < nb && rc == GSL_SUCCESS; b++) {
            char **row = table_row(t);
            if (!row || key_cells(s, g, row) != 0 ||
                !SET(&row[s->nkey], bin_label(edge[b], edge[b + 1], b + 1 == nb)) ||
                !SET(&row[s->nkey + 1], num_dup(edge[b])) ||
                !SET(&row[s->nkey + 2], num_dup(edge[b + 1])) ||
                !SET(&row[s->nkey + 3], count_dup((size_t)gsl_histogram_get(h, b))))
                rc = -1;
        }
        free(edge);
        gsl_histogram_free(h);
        if (rc != GSL_SUCCESS)
            return -1;
    }
    return 0;
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

static int build_pivot(summary *s, group **gs, size_t ng, table *t)
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
    const char **rows = malloc((ng + 1) * sizeof *rows);
    pcol *pc = malloc((2 * ng + 1) * sizeof *pc);
    double *val = NULL;
    unsigned char *has = NULL;
    int rc = -1;
    if (!rows || !pc)
        goto out;
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        const char *unit = g->fld[s->unit_k];
        if (no_sum(s, g))
            continue;
        rows[nrow++] = g->fld[rk];
        if (ck != (size_t)-1)
            pc[npc++] = (pcol){unit, g->fld[ck]};
        pc[npc++] = (pcol){unit, NULL};
    }
    qsort(rows, nrow, sizeof *rows, cmp_str);
    nrow = uniq(rows, nrow, sizeof *rows, cmp_str);
    qsort(pc, npc, sizeof *pc, cmp_pcol);
    npc = uniq(pc, npc, sizeof *pc, cmp_pcol);
    val = calloc((nrow + 1) * (npc + 1), sizeof *val);
    has = calloc((nrow + 1) * (npc + 1), 1);
    if (!val || !has)
        goto out;
    for (size_t i = 0; i < ng; i++) {
        const group *g = gs[i];
        const char *unit = g->fld[s->unit_k];
        if (no_sum(s, g))
            continue;
        double sum = group_sum(g);
        const char **rp = bsearch(&g->fld[rk], rows, nrow, sizeof *rows, cmp_str);
        size_t r = (size_t)(rp - rows);
        pcol kc = {unit, ck != (size_t)-1 ? g->fld[ck] : NULL}, kt = {unit, NULL};
        size_t cells[2];
        size_t ncell = 0;
        const pcol *cp = bsearch(&kt, pc, npc, sizeof *pc, cmp_pcol);
        cells[ncell++] = (size_t)(cp - pc);
        if (kc.col) {
            cp = bsearch(&kc, pc, npc, sizeof *pc, cmp_pcol);
            cells[ncell++] = (size_t)(cp - pc);
        }
        for (size_t j = 0; j < ncell; j++) {
            size_t c = cells[j];
            val[r * npc + c] += sum;
            has[r * npc + c] = 1;
            val[nrow * npc + c] += sum;
            has[nrow * npc + c] = 1;
        }
    }
    if (table_init(t, npc + 1) != 0 || !SET(&t->head[0], strdup(s->keyname[rk])))
        goto out;
    for (size_t c = 0; c < npc; c++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s (%s)", pc[c].col ? pc[c].col : "total", pc[c].unit);
        if (!SET(&t->head[c + 1], strdup(buf)))
            goto out;
        t->numeric[c + 1] = 1;
    }
    for (size_t r = 0; r <= nrow && nrow; r++) {
        char **row = table_row(t);
        if (!row || !SET(&row[0], strdup(r < nrow ? rows[r] : "total")))
            goto out;
        for (size_t c = 0; c < npc; c++)
            if (has[r * npc + c] && !SET(&row[c + 1], num_dup(val[r * npc + c])))
                goto out;
    }
    rc = 0;
out:
    free(rows);
    free(pc);
    free(val);
    free(has);
    return rc;
}

/* ---- writers ---- */

static int needs_neutral(const char *s)
{
    return *s && strchr("=+-@\t\r", *s);
}

static void write_csv_cell(FILE *out, const char *s, int numeric)
{
    if (!s)
        return;
    int neutral = !numeric && needs_neutral(s);
    size_t n = strlen(s);
    int quote = n && (is_blank(s[0]) || is_blank(s[n - 1]));
    for (const char *p = s; *p && !quote; p++)
        quote = *p == ',' || *p == '"' || *p == '\n' || *p == '\r';
    if (!quote) {
        if (neutral)
            fputc('\'', out);
        fputs(s, out);
        return;
    }
    if (neutral) {
        char *tmp = malloc(n + 2);
        if (tmp) {
            tmp[0] = '\'';
            memcpy(tmp + 1, s, n + 1);
            csv_fwrite(out, tmp, n + 1);
            free(tmp);
            return;
        }
        fputc('\'', out); /* out of memory: still safe, only unquoted */
    }
    csv_fwrite(out, s, n);
}

static void write_csv(const table *t, FILE *out)
{
    for (size_t r = 0; r <= t->nrows; r++) {
        char **row = r ? t->cell + (r - 1) * t->ncols : t->head;
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', out);
            write_csv_cell(out, row[c], r && t->numeric[c]);
        }
        fputc('\n', out);
    }
}

/* Terminal columns of one code point: 2 for East Asian wide and full-width, 0 for
 * combining marks. */
static int cp_width(unsigned long c)
{
    if ((c >= 0x300 && c <= 0x36F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
        (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
        (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
        (c >= 0x1F300 && c <= 0x1F64F) || (c >= 0x1F900 && c <= 0x1F9FF) ||
        (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Decode one UTF-8 character at s; returns its byte length (1 for an invalid byte,
 * with *cp = (unsigned long)-1). */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 1) {
        *cp = c;
        return 1;
    }
    if (n == 0) {
        *cp = (unsigned long)-1;
        return 1;
    }
    unsigned long v = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = (unsigned long)-1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const unsigned long minv[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < minv[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = (unsigned long)-1;
        return 1;
    }
    *cp = v;
    return n;
}

static size_t display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned long cp;
        p += utf8_next(p, &cp);
        w += cp == (unsigned long)-1 ? 1 : (size_t)cp_width(cp);
    }
    return w;
}

/* A cell as Markdown: '|' escaped, line breaks as spaces. */
static char *md_cell(const char *s)
{
    if (!s)
        s = "";
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '|' ? 2 : 1;
    char *d = malloc(n + 1), *q = d;
    if (!d)
        return NULL;
    for (const char *p = s; *p; p++) {
        if (*p == '|')
            *q++ = '\\';
        *q++ = (*p == '\n' || *p == '\r') ? ' ' : *p;
    }
    *q = '\0';
    return d;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static int write_md(const table *t, FILE *out)
{
    size_t total = (t->nrows + 1) * t->ncols;
    char **esc = calloc(total ? total : 1, sizeof *esc);
    size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof *w), *cw = calloc(total ? total : 1, sizeof *cw);
    int rc = -1;
    if (!esc || !w || !cw)
        goto out;
    for (size_t r = 0; r <= t->nrows; r++) {
        char **row = r ? t->cell + (r - 1) * t->ncols : t->head;
        for (size_t c = 0; c < t->ncols; c++) {
            size_t i = r * t->ncols + c;
            if (!(esc[i] = md_cell(row[c])))
                goto out;
            cw[i] = display_width(esc[i]);
            if (cw[i] > w[c])
                w[c] = cw[i];
        }
    }
    for (size_t c = 0; c < t->ncols; c++)
        if (w[c] < 3)
            w[c] = 3;
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t i = r * t->ncols + c;
            fputs(c ? " | " : "| ", out);
            if (r && t->numeric[c]) {
                pad(out, w[c] - cw[i]);
                fputs(esc[i], out);
            } else {
                fputs(esc[i], out);
                pad(out, w[c] - cw[i]);
            }
        }
        fputs(" |\n", out);
        if (r == 0) {
            for (size_t c = 0; c < t->ncols; c++) {
                fputs(c ? " | " : "| ", out);
                for (size_t k = 0; k + 1 < w[c]; k++)
                    fputc('-', out);
                fputc(t->numeric[c] ? ':' : '-', out);
            }
            fputs(" |\n", out);
        }
    }
    rc = 0;
out:
    if (esc)
        for (size_t i = 0; i < total; i++)
            free(esc[i]);
    free(esc);
    free(w);
    free(cw);
    return rc;
}

/* A JSON string: quotes, backslashes and control characters escaped, invalid UTF-8 as U+FFFD. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned long cp;
        size_t n = utf8_next(p, &cp);
        if (cp == (unsigned long)-1)
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
            fprintf(out, "\\u%04lx", cp);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
    fputc('"', out);
}

static void write_json(const table *t, FILE *out)
{
    if (t->nrows == 0) {
        fputs("[]\n", out);
        return;
    }
    fputs("[\n", out);
    for (size_t r = 0; r < t->nrows; r++) {
        char **row = t->cell + r * t->ncols;
        fputs("  {", out);
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputs(", ", out);
            json_str(out, t->head[c]);
            fputs(": ", out);
            if (!row[c])
                fputs("null", out);
            else if (t->numeric[c])
                fputs(row[c], out);
            else
                json_str(out, row[c]);
        }
        fputs(r + 1 < t->nrows ? "},\n" : "}\n", out);
    }
    fputs("]\n", out);
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
    table t;
    memset(&t, 0, sizeof t);
    int rc = -1;
    if (gs) {
        if (flags & SUMMARY_PIVOT)
            rc = build_pivot(s, gs, ng, &t);
        else if (flags & SUMMARY_HIST)
            rc = build_hist(s, gs, ng, &t);
        else
            rc = build_stats(s, gs, ng, &t);
    }
    if (rc == 0) {
        errno = 0;
        if (format == SUMMARY_MD)
            rc = write_md(&t, out);
        else if (format == SUMMARY_JSON)
            write_json(&t, out);
        else
            write_csv(&t, out);
    }
    free(gs);
    table_free(&t);
    if (rc != 0)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (fflush(out) != 0 || ferror(out))
        return pm_error_set(err, PM_ERR_IO, NULL, 0, 0, "cannot write summary: %s",
                            errno ? strerror(errno) : "write error");
    return PM_OK;
}
