/* summary.c: rows into groups - a summary's key fields, role filter and values, from an
 * extract CSV (through output/csvread) or given directly; sumtable.c writes the tables. */
#include "output/summary.h"

#include "base/mem.h"
#include "output/csvread.h"
#include "output/summary_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#define DEFAULT_BY "city,category,unit"

static const char *const slot_names[SL_KEY] = {"value", "value_max", "role", "file", "additive"};

static void docs_add(group *g, uint32_t id)
{
    uint32_t key = id + 1;
    if (g->last_doc == key)
        return;
    g->last_doc = key;
    if ((g->ndocs + 1) * 4 > g->doccap * 3) {
        size_t cap = g->doccap ? g->doccap * 2 : 8;
        uint32_t *d = xcalloc(cap, sizeof *d);
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
            return;
        i = (i + 1) & (g->doccap - 1);
    }
    g->docs[i] = key;
    g->ndocs++;
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

    summary *s = xcalloc(1, sizeof *s);
    s->keys = strmap_create();
    s->files = strmap_create();
    strbuf_init(&s->kbuf);
    s->role = r;
    size_t nf = 2; /* fields + room for unit */
    for (const char *p = by; *p; p++)
        nf += *p == ',';
    s->keyname = xcalloc(nf, sizeof *s->keyname);
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
        char *name = xstrndup(a, (size_t)(b - a));
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
        s->keyname[s->nkey] = xstrdup("unit");
        s->unit_k = s->nkey++;
    }
    s->sf = xmalloc((SL_KEY + s->nkey) * sizeof *s->sf);
    s->slen = xmalloc((SL_KEY + s->nkey) * sizeof *s->slen);
    return s;
}

void summary_free(summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->keys && i < strmap_count(s->keys); i++) {
        free(s->g[i].v);
        free(s->g[i].docs);
    }
    free(s->g);
    free(s->fldv);
    free(s->sf);
    free(s->slen);
    strmap_free(s->keys);
    strmap_free(s->files);
    if (s->keyname)
        for (size_t k = 0; k < s->nkey; k++)
            free(s->keyname[k]);
    free(s->keyname);
    strbuf_release(&s->kbuf);
    free(s);
}

void summary_set_additive(summary *s, int (*fn)(void *ctx, const char *unit), void *ctx)
{
    s->additive = fn;
    s->actx = ctx;
}

size_t summary_groups(const summary *s)
{
    return strmap_count(s->keys);
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

/* One row, fields by slot (f[i] NULL: column absent). Returns PM_OK (added or
 * filtered out) or PM_ERR_SYNTAX with *bad the slot of the bad number. */
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
    strbuf *kb = &s->kbuf;
    strbuf_reset(kb);
    for (size_t k = 0; k < s->nkey; k++) {
        const char *p = f[SL_KEY + k];
        size_t n = len[SL_KEY + k];
        unneutralise(&p, &n);
        strbuf_add(kb, p, n);
        strbuf_addch(kb, '\0');
    }
    strbuf_addch(kb, nonadd ? 'n' : 'y');
    strbuf_addch(kb, '\0');
    size_t ngroups = strmap_count(s->keys);
    if (ngroups == s->gcap) { /* room for a new group before its key is interned */
        s->gcap = s->gcap ? s->gcap * 2 : 64;
        s->g = xrealloc(s->g, s->gcap * sizeof *s->g);
        s->fldv = xrealloc(s->fldv, s->gcap * s->nkey * sizeof *s->fldv);
        for (size_t i = 0; i < ngroups; i++) /* the field pointers moved */
            s->g[i].fld = s->fldv + i * s->nkey;
    }
    size_t id;
    int added = strmap_put(s->keys, kb->buf, kb->len, &id);
    group *g = &s->g[id];
    if (added) {
        memset(g, 0, sizeof *g);
        g->key = strmap_str(s->keys, id);
        g->keylen = kb->len;
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
    strmap_put(s->files, fp, fn, &fid);
    docs_add(g, (uint32_t)fid);
    GROW(g->v, g->n + 1, g->cap);
    g->v[g->n++] = v;
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
    return rc;
}

/* ---- reading CSV ---- */

int summary_read(summary *s, FILE *in, const char *name, pm_error *err)
{
    size_t ns = SL_KEY + s->nkey;
    const char **want = xmalloc(ns * sizeof *want);
    unsigned char *optional = xmalloc(ns);
    for (size_t i = 0; i < ns; i++) {
        want[i] = slot_name(s, i);
        optional[i] = SLOT_OPTIONAL(i);
    }
    csvread *r;
    int rc = csvread_open(&r, in, name, want, optional, ns, 0, err);
    free(want);
    free(optional);
    if (rc != PM_OK)
        return rc;
    const char *const *f;
    const size_t *len;
    while ((rc = csvread_next(r, &f, &len)) == 1) {
        size_t bad = 0;
        if (add_row(s, f, len, &bad) == PM_ERR_SYNTAX) {
            rc = csvread_fail(r, bad, PM_ERR_SYNTAX, "%s '%.*s' is not a number", slot_name(s, bad),
                              msg_len(f[bad], len[bad]), f[bad]);
            break;
        }
    }
    csvread_free(r);
    return rc < 0 ? rc : PM_OK;
}
