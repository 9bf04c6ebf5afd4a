/* rulefile.c: reading rule files - lines, the key table and the handler of each key.
 * Format: README "Rule files" (`planmetrics rules keys` prints the same table). */
#include "ruleset/rules_priv.h"

#include "base/mem.h"
#include "base/readfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rule_key;
typedef int key_fn(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col);

/* One key of the rule-file format (the table is below its handlers). A TOP key closes the
 * open rule first; a BLOCK key needs one. usage and help: for `rules keys` and the README. */
struct rule_key {
    const char *name;
    enum { TOP, BLOCK } where;
    key_fn *fn;
    int arg;            /* what the handler of several keys is told */
    const char *usage, *help;
};

static int parse_text(rules *r, const char *name, const char *src, size_t len, pm_error *err);

/* read_rule_file's answer for a pipe, socket or device where only a file will do */
#define NOT_A_FILE (-1)

/* Why a rule file could not be read, as messages say it: strerror with a lowercase first
 * letter, "larger than 16 MiB" for EFBIG, or NOT_A_FILE's. Returns buf. */
static const char *read_reason(int e, char *buf, size_t n)
{
    if (e == NOT_A_FILE)
        snprintf(buf, n, "a pipe, socket or device, not a file");
    else if (e == EFBIG)
        snprintf(buf, n, "larger than %d MiB", READFILE_RULES_MAX_MIB);
    else
        snprintf(buf, n, "%s", strerror(e));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

/* Read the rule file at path (at most READFILE_RULES_MAX bytes): 0 with *buf (the caller
 * frees it) and *n set, or the errno value (EFBIG: larger than the cap; with file_only,
 * EISDIR or NOT_A_FILE for anything but a regular file). */
static int read_rule_file(const char *path, int file_only, char **buf, size_t *n)
{
    /* file_only: a pipe would wait for a writer forever, a device never end: open without
     * waiting, then look at what was opened */
    int fd = open(path, O_RDONLY | (file_only ? O_NONBLOCK : 0));
    if (fd < 0)
        return errno ? errno : EIO;
    struct stat st;
    if (file_only && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? EISDIR : NOT_A_FILE;
    }
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        int e = errno ? errno : EIO;
        close(fd);
        return e;
    }
    int e = 0;
    *buf = readfile_fp(fp, READFILE_RULES_MAX, n, &e);
    fclose(fp);
    return *buf ? 0 : e;
}

/* include FILE: load another rule file first (path relative to this file's
 * folder); a file already loaded (same real path) is not loaded again. A file that cannot
 * be read is an error at the include line, with the reason. */
static int key_include(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (vlen == 0)
        return rule_perr(p, col, "'include' needs a file name");
    if (p->depth >= 8)
        return rule_perr(p, col, "includes nested too deeply");
    const char *slash = strrchr(p->file, '/');
    size_t dl = slash && v[0] != '/' ? (size_t)(slash - p->file) + 1 : 0;
    char *path = xmalloc(dl + vlen + 1);
    memcpy(path, p->file, dl);
    memcpy(path + dl, v, vlen);
    path[dl + vlen] = '\0';
    char *real = realpath(path, NULL);
    int rc = 0, seen = 0, e = real ? 0 : errno;
    char why[128];
    for (size_t i = 0; real && i < p->r->nfiles && !seen; i++) {
        char *ri = realpath(p->r->files[i], NULL);
        seen = ri && strcmp(ri, real) == 0;
        free(ri);
    }
    char *buf = NULL;
    size_t n = 0;
    if (real && !seen) /* an include is a file: only --rules itself may be a pipe */
        e = read_rule_file(path, 1, &buf, &n);
    if (e) {
        rc = rule_perr(p, col, "cannot include '%s': %s", path, read_reason(e, why, sizeof why));
    } else if (!seen) {
        p->r->depth = p->depth + 1;
        rc = parse_text(p->r, path, buf, n, p->err);
        p->r->depth = 0;
    }
    free(buf);
    free(real);
    free(path);
    return rc;
}

static int key_pack(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (vlen == 0)
        return rule_perr(p, col, "'pack' needs a name");
    free(p->pack);
    p->pack = xstrndup(v, vlen);
    p->pack_index = rules_pack_index(p->r, v, vlen);
    if (p->pack_index >= 0)
        return 0;
    rules *r = p->r;
    if (r->npacks >= RULES_MAX_PACKS)
        return rule_perr(p, col, "too many packs (at most %d)", RULES_MAX_PACKS);
    r->packs = xrealloc(r->packs, (r->npacks + 1) * sizeof *r->packs);
    r->detect = xrealloc(r->detect, (r->npacks + 1) * sizeof *r->detect);
    r->detect_src = xrealloc(r->detect_src, (r->npacks + 1) * sizeof *r->detect_src);
    r->packs[r->npacks] = xstrdup(p->pack);
    r->detect[r->npacks] = NULL;
    r->detect_src[r->npacks] = NULL;
    p->pack_index = (int)r->npacks++;
    return 0;
}

static int key_fallback(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    (void)v;
    if (!p->pack)
        return rule_perr(p, 1, "'pack NAME' must come before 'fallback'");
    if (vlen)
        return rule_perr(p, col, "'fallback' takes no value");
    p->r->fallback = p->pack_index;
    return 0;
}

static int key_detect(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (!p->pack)
        return rule_perr(p, 1, "'pack NAME' must come before 'detect'");
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)v, vlen, RULE_RX_OPTS, &ec, &eo, NULL);
    if (!c) {
        char msg[256];
        pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
        return rule_perr(p, col + (long)eo, "%s", msg);
    }
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    pcre2_code_free(p->r->detect[p->pack_index]);
    free(p->r->detect_src[p->pack_index]);
    p->r->detect[p->pack_index] = c;
    p->r->detect_src[p->pack_index] = xstrndup(v, vlen);
    return 0;
}

/* rule ID, exclude ID (k->arg: RULE_TARGET, RULE_EXCLUDE): a new block. */
static int key_rule(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    if (!p->pack)
        return rule_perr(p, 1, "'pack NAME' must come before the first rule");
    for (size_t i = 0; i < vlen; i++)
        if (!(isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.' || v[i] == '-')) {
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%.*s", (int)vlen, v);
            return rule_perr(p, col + (long)i, "bad rule id '%s': use letters, digits, '_', '-' and '.'", tmp);
        }
    if (vlen == 0)
        return rule_perr(p, col, "rule needs an id");
    rule *ru = xcalloc(1, sizeof *ru);
    strbuf id = STRBUF_INIT;
    if (memchr(v, '.', vlen))
        strbuf_add(&id, v, vlen);
    else
        strbuf_addf(&id, "%s.%.*s", p->pack, (int)vlen, v);
    ru->id = strbuf_detach(&id, NULL);
    ru->pack = xstrdup(p->pack);
    ru->pack_index = p->pack_index;
    ru->kind = k->arg;
    ru->category = xstrdup("");
    ru->role = xstrdup("target");
    ru->reach = 20;
    ru->file = p->file; /* the file it is written in, not the last one included */
    ru->line = p->line;
    p->cur = ru;
    return 0;
}

/* define NAME PATTERN: checked to compile on its own, so errors point at the define; the
 * rule groups are declared first, so a define may refer to them (\k<unit>). */
static int key_define(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    size_t i = 0;
    while (i < vlen && is_name_char(v[i]))
        i++;
    if (i == 0 || !is_name_start(v[0]) || i >= vlen || v[i] != ' ')
        return rule_perr(p, col, "'define' needs an upper-case NAME and a pattern");
    static const char groups[] = "(?:(?<value>)(?<value_max>)(?<unit>)(?<subject>)(?<action>)(?<qual>)(?<qual_after>))?";
    const size_t glen = sizeof groups - 1;
    xbuf b = {STRBUF_INIT, NULL, NULL, 0, 0};
    size_t j = i;
    while (j < vlen && v[j] == ' ')
        j++;
    int rc = rule_expand(p, &b, v + j, vlen - j, p->line, col + (long)j);
    if (rc) {
        xbuf_release(&b);
        return rc;
    }
    strbuf probe = STRBUF_INIT;
    strbuf_add(&probe, groups, glen);
    strbuf_add(&probe, b.s.buf, b.s.len);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)probe.buf, probe.len, RULE_RX_OPTS | PCRE2_DUPNAMES, &ec, &eo, NULL);
    strbuf_release(&probe);
    if (!c) {
        char msg[256];
        pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
        xbuf_release(&b);
        return rule_perr(p, col + (long)j + (long)(eo >= glen ? eo - glen : 0), "%s", msg);
    }
    pcre2_code_free(c);
    GROW(p->r->defs, p->r->ndefs + 1, p->r->capdefs);
    p->r->defs[p->r->ndefs++] = (define){xstrndup(v, i), strbuf_detach(&b.s, NULL), NULL, 0};
    xbuf_release(&b);
    return 0;
}

/* The flags after a unit's canonical form: *SCALE, rate. */
static int unit_flags(parser *p, unit_entry *u, const char *q, const char *end, const char *v, long col)
{
    while (q < end) {
        while (q < end && *q == ' ')
            q++;
        const char *ws = q;
        while (q < end && *q != ' ')
            q++;
        if (q == ws)
            break;
        if (*ws == '*') {
            char tmp[64], *e;
            snprintf(tmp, sizeof tmp, "%.*s", (int)(q - ws - 1), ws + 1);
            u->scale = strtod(tmp, &e);
            if (*e || e == tmp || !isfinite(u->scale) || u->scale <= 0) /* not nan, inf, 0, -1 */
                return rule_perr(p, col + (long)(ws - v), "bad scale '%s'", tmp);
        } else if (q - ws == 4 && memcmp(ws, "rate", 4) == 0) {
            u->additive = 0;
        } else {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(q - ws), ws);
            return rule_perr(p, col + (long)(ws - v), "unknown unit flag '%s' (use *SCALE or rate)", tmp);
        }
    }
    return 0;
}

/* unit WRITTEN = CANON [*SCALE] [rate] */
static int key_unit(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    const char *eq = NULL;
    for (size_t i = 0; i + 3 <= vlen && !eq; i++)
        if (memcmp(v + i, " = ", 3) == 0)
            eq = v + i;
    if (!eq || eq == v)
        return rule_perr(p, col, "'unit' needs 'WRITTEN = CANONICAL [*SCALE] [rate]'");
    const char *q = eq + 3, *end = v + vlen;
    const char *cs = q;
    while (q < end && *q != ' ')
        q++;
    if (q == cs)
        return rule_perr(p, col + (long)(cs - v), "'unit' needs a canonical unit after '='");
    unit_entry u = {xstrndup(v, (size_t)(eq - v)), 0, xstrndup(cs, (size_t)(q - cs)), 1.0, 1};
    u.wlen = strlen(u.written); /* not eq - v: xstrndup stops at a NUL byte of the file */
    int rc = unit_flags(p, &u, q, end, v, col);
    if (rc) {
        free(u.written);
        free(u.canon);
        return rc;
    }
    GROW(p->r->units, p->r->nunits + 1, p->r->capunits);
    p->r->units[p->r->nunits++] = u;
    return 0;
}

/* carry PATTERN: what may stand between a row and the one before it that lends it its
 * subject; compiled as (?:PATTERN)\z, anchored */
static int key_carry(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (vlen == 0)
        return rule_perr(p, col, "'carry' needs a pattern");
    pcre2_code *c = NULL;
    int rc = rule_compile_top(p, v, vlen, col, ")\\z", PCRE2_ANCHORED, &c, NULL);
    if (rc)
        return rc;
    GROW(p->r->carry, p->r->ncarry + 1, p->r->capcarry);
    p->r->carry[p->r->ncarry++] = (struct carry){c, p->file, p->line};
    return 0;
}

static int key_words(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    return rule_key_words(p, v, vlen, col);
}

static int key_table(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    return rule_key_table(p, v, vlen, col);
}

static int key_sense(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    return rule_key_sense(p, k->name, v, vlen, col);
}

static int is_qual_symbol(const char *s, size_t n)
{
    return (n == 1 && (*s == '=' || *s == '~')) || (n == 2 && (!memcmp(s, ">=", 2) || !memcmp(s, "<=", 2)));
}

static void add_qualifier(rules *r, const char *word, size_t wl, const char *sym, size_t sl)
{
    qual_entry qe = {xstrndup(word, wl), 0, xstrndup(sym, sl)};
    qe.wlen = strlen(qe.word); /* not wl: xstrndup stops at a NUL byte of the file */
    GROW(r->quals, r->nquals + 1, r->capquals);
    r->quals[r->nquals++] = qe;
}

/* qualifier SYMBOL WORD WORD..., or one word: qualifier WORD SYMBOL */
static int key_qualifier(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    const char *sp = memchr(v, ' ', vlen), *end = v + vlen;
    if (!sp)
        return rule_perr(p, col, "'qualifier' needs 'WORD SYMBOL'");
    const char *sym = sp;
    while (sym < end && *sym == ' ')
        sym++;
    if (is_qual_symbol(v, (size_t)(sp - v))) { /* the symbol first, then its words */
        for (const char *w = sym, *we; w < end; w = we) {
            for (we = w; we < end && *we != ' '; we++)
                ;
            add_qualifier(p->r, w, (size_t)(we - w), v, (size_t)(sp - v));
            while (we < end && *we == ' ')
                we++;
        }
        return 0;
    }
    size_t sl = (size_t)(end - sym);
    if (!is_qual_symbol(sym, sl))
        return rule_perr(p, col + (long)(sym - v), "qualifier symbol must be one of = >= <= ~");
    add_qualifier(p->r, v, (size_t)(sp - v), sym, sl);
    return 0;
}

/* ---- keys of a rule block ---- */

static int key_category(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    (void)col;
    free(p->cur->category);
    p->cur->category = xstrndup(v, vlen);
    return 0;
}

static int key_role(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (!((vlen == 6 && !memcmp(v, "target", 6)) || (vlen == 6 && !memcmp(v, "actual", 6)) ||
          (vlen == 8 && !memcmp(v, "baseline", 8))))
        return rule_perr(p, col, "role must be 'target', 'actual' or 'baseline'");
    free(p->cur->role);
    p->cur->role = xstrndup(v, vlen);
    return 0;
}

/* A whole number v[0..vlen) from lo to hi into *out; -1 when it is not one. */
static int whole_number(const char *v, size_t vlen, long lo, long hi, int *out)
{
    char tmp[32], *e;
    snprintf(tmp, sizeof tmp, "%.*s", (int)vlen, v);
    long n = strtol(tmp, &e, 10);
    if (!*tmp || *e || n < lo || n > hi)
        return -1;
    *out = (int)n;
    return 0;
}

static int key_priority(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (whole_number(v, vlen, -1000, 1000, &p->cur->priority))
        return rule_perr(p, col, "priority must be a whole number from -1000 to 1000");
    return 0;
}

static int key_reach(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    (void)k;
    if (whole_number(v, vlen, 1, 200, &p->cur->reach))
        return rule_perr(p, col, "reach must be a number of characters from 1 to 200");
    return 0;
}

/* pattern PCRE2, before PCRE2 (k->arg 0, 1): one more piece of that part. */
static int key_pattern(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    if (vlen == 0)
        return rule_perr(p, col, "empty pattern");
    GROW(p->pieces, p->npieces + 1, p->cappieces);
    p->pieces[p->npieces++] = (piece){p->line, col, p->pat.len, vlen, p->linep, p->linelen, k->arg};
    strbuf_add(&p->pat, v, vlen);
    return 0;
}

/* The fields after " => " of an example: [Q]VALUE[..MAX] UNIT [SUBJECT]; the subject is
 * the rest. Returns how many (at most 3). */
static int example_fields(const char *q, const char *end, char *fields[3])
{
    int nf = 0;
    while (q < end && nf < 3) {
        while (q < end && *q == ' ')
            q++;
        const char *s = q;
        while (q < end && *q != ' ')
            q++;
        if (q > s)
            fields[nf++] = xstrndup(s, (size_t)(q - s));
        if (nf == 2) {
            while (q < end && *q == ' ')
                q++;
            if (q < end)
                fields[nf++] = xstrndup(q, (size_t)(end - q));
            break;
        }
    }
    return nf;
}

/* Split "TEXT => [Q]VALUE[..MAX] UNIT [SUBJECT]" of an example line. */
static int parse_example(parser *p, rule_example *ex, const char *v, size_t n, long col)
{
    const char *arrow = NULL;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(v + i, " => ", 4) == 0)
            arrow = v + i;
    if (!arrow)
        return rule_perr(p, col, "example needs 'TEXT => VALUE UNIT'");
    long vcol = (long)(arrow - v) + col + 4;
    char *fields[3] = {0};
    int nf = example_fields(arrow + 4, v + n, fields);
    int rc = nf < 2 ? rule_perr(p, vcol, "example needs 'TEXT => VALUE UNIT'") : 0;
    char *val = fields[0];
    static const char *const qs[] = {">=", "<=", "~", "="};
    for (size_t i = 0; i < 4 && rc == 0; i++)
        if (strncmp(val, qs[i], strlen(qs[i])) == 0) {
            ex->qualifier = xstrdup(qs[i]);
            memmove(val, val + strlen(qs[i]), strlen(val) - strlen(qs[i]) + 1);
            break;
        }
    char *dots = rc ? NULL : strstr(val, "..");
    if (dots) {
        ex->value_max = xstrdup(dots + 2);
        *dots = '\0';
    }
    char *endp;
    if (rc == 0 && (!*val || (strtod(val, &endp), *endp) || (ex->value_max && (strtod(ex->value_max, &endp), *endp))))
        rc = rule_perr(p, vcol, "example value '%s' is not a number", val);
    if (rc) {
        for (int i = 0; i < nf; i++)
            free(fields[i]);
        return rc;
    }
    ex->text = xstrndup(v, (size_t)(arrow - v));
    ex->value = val;
    ex->unit = fields[1];
    ex->subject = fields[2];
    return 0;
}

/* example TEXT => ..., not TEXT (k->arg 0, 1) */
static int key_example(parser *p, const struct rule_key *k, const char *v, size_t vlen, long col)
{
    rule *ru = p->cur;
    GROW(ru->examples, ru->nexamples + 1, ru->capexamples);
    rule_example *ex = &ru->examples[ru->nexamples];
    memset(ex, 0, sizeof *ex);
    ex->line = p->line;
    ex->negative = k->arg;
    if (ex->negative) {
        ex->text = xstrndup(v, vlen);
    } else {
        int rc = parse_example(p, ex, v, vlen, col);
        if (rc) {
            free(ex->value_max);
            free(ex->qualifier);
            return rc;
        }
    }
    ru->nexamples++;
    return 0;
}

/* ---- the key table ---- */

static const struct rule_key keys[] = {
    {"include", TOP, key_include, 0, "include FILE",
     "load another rule file first (relative to this one; loaded once)"},
    {"pack", TOP, key_pack, 0, "pack NAME",
     "the pack's name; rule ids become NAME.ID"},
    {"detect", TOP, key_detect, 0, "detect PATTERN",
     "what documents of this plan type look like (a pack without one is always used)"},
    {"fallback", TOP, key_fallback, 0, "fallback",
     "this pack is used for a document that no detect pattern matches"},
    {"define", TOP, key_define, 0, "define NAME PATTERN",
     "a shared sub-pattern, used as {NAME} in later patterns"},
    {"words", TOP, key_words, 0, "words NAME ... end",
     "a word list used as {NAME}: one literal word per line ({OTHER}: another list's words), then end"},
    {"unit", TOP, key_unit, 0, "unit WRITTEN = CANON [*SCALE] [rate]",
     "unit map: how a written counter is reported; *SCALE multiplies the value, rate: never summed"},
    {"qualifier", TOP, key_qualifier, 0, "qualifier SYMBOL WORD...",
     "qualifier words and their meaning, SYMBOL one of = >= <= ~ (also: qualifier WORD SYMBOL)"},
    {"carry", TOP, key_carry, 0, "carry PATTERN",
     "what may stand between a row and the row before it whose subject it takes"},
    {"section", TOP, key_sense, 0, "section review|plan PATTERN",
     "a heading that starts a review part or a plan part"},
    {"cue", TOP, key_sense, 0, "cue actual|target|baseline PATTERN",
     "a word before a number that decides its role"},
    {"period", TOP, key_sense, 0, "period PATTERN [=> YEAR [since YEAR]]",
     "a phrase naming the year a number is for"},
    {"nonadditive", TOP, key_sense, 0, "nonadditive [own] PATTERN",
     "a per-head or per-unit word: the row's values do not add up (own: only the number it touches)"},
    {"distribute", TOP, key_sense, 0, "distribute PATTERN",
     "what stands between a list's shared noun and its numbers (分别)"},
    {"table", TOP, key_table, 0, "table caption|column|cell ... PATTERN",
     "how an indicator table reads: its caption, header cells and cells"},
    {"rule", TOP, key_rule, RULE_TARGET, "rule ID",
     "starts a rule block: numbers that are targets (or actuals, baselines)"},
    {"exclude", TOP, key_rule, RULE_EXCLUDE, "exclude ID",
     "starts an exclusion block: numbers inside its match are never rows"},
    {"category", BLOCK, key_category, 0, "category NAME",
     "the category column"},
    {"role", BLOCK, key_role, 0, "role target|actual|baseline",
     "default target: then the sentence and the section decide"},
    {"priority", BLOCK, key_priority, 0, "priority N",
     "two rules on the same number: the larger priority wins"},
    {"pattern", BLOCK, key_pattern, 0, "pattern PCRE2",
     "tried where a number starts; repeat to continue. Groups: value, unit (required), value_max, subject, action, qual_after"},
    {"before", BLOCK, key_pattern, 1, "before PCRE2",
     "optional: what must stand right before the number. Groups: subject, action, qual"},
    {"reach", BLOCK, key_reach, 0, "reach N",
     "how many characters `before` may reach back (1-200, default 20)"},
    {"example", BLOCK, key_example, 0, "example TEXT => VALUE UNIT [SUBJECT]",
     "this rule must give this row; VALUE may start with >= <= ~ and be a range 1..2"},
    {"not", BLOCK, key_example, 1, "not TEXT",
     "this rule must give no row for TEXT (in an exclude block: no rule may)"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

int rules_key_info(size_t i, const char **usage, const char **help)
{
    if (i >= NKEYS)
        return -1;
    *usage = keys[i].usage;
    *help = keys[i].help;
    return keys[i].where == BLOCK;
}

static const struct rule_key *key_find(const char *key, size_t klen)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strlen(keys[i].name) == klen && memcmp(keys[i].name, key, klen) == 0)
            return &keys[i];
    return NULL;
}

/* One "key value" line. key/v point into the line; col is v's column. */
static int handle(parser *p, const char *key, size_t klen, const char *v, size_t vlen, long col)
{
    const struct rule_key *k = key_find(key, klen);
    if (k && k->where == TOP) {
        int rc = rule_end_block(p);
        return rc ? rc : k->fn(p, k, v, vlen, col);
    }
    long kcol = p->linep ? (long)(key - p->linep) + 1 : 1;
    if (!k)
        return rule_perr(p, kcol, "unknown key '%.*s'", klen < 31 ? (int)klen : 31, key);
    if (!p->cur)
        return rule_perr(p, kcol, "'%s' outside a rule: start one with 'rule ID'", k->name);
    return k->fn(p, k, v, vlen, col);
}

static int parse_text(rules *r, const char *name, const char *src, size_t len, pm_error *err)
{
    GROW(r->files, r->nfiles + 1, r->capfiles);
    r->files[r->nfiles++] = xstrdup(name);
    parser p = {.r = r, .file = r->files[r->nfiles - 1], .err = err, .depth = r->depth, .pat = STRBUF_INIT};
    int rc = 0;
    const char *s = src, *end = src + len;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (s < end && rc == 0) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        p.line++;
        p.linep = s;
        p.linelen = (size_t)(le - s);
        const char *e = le;
        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        const char *k = s;
        while (k < e && (*k == ' ' || *k == '\t'))
            k++;
        if (k < e && *k != '#' && p.words) {
            rc = rule_words_line(&p, k, (size_t)(e - k), (long)(k - s) + 1);
        } else if (k < e && *k != '#') {
            const char *ke = k;
            while (ke < e && *ke != ' ' && *ke != '\t')
                ke++;
            const char *v = ke;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            rc = handle(&p, k, (size_t)(ke - k), v, (size_t)(e - v), (long)(v - s) + 1);
        }
        s = nl ? nl + 1 : end;
    }
    if (rc == 0 && p.words)
        rc = rule_words_eof(&p);
    rule_words_free(&p);
    if (rc == 0)
        rc = rule_end_block(&p);
    else if (p.cur)
        rule_free(p.cur);
    if (rc == 0)
        rules_index_units(r);
    free(p.pack);
    strbuf_release(&p.pat);
    free(p.pieces);
    return rc;
}

int rules_load_string(rules *r, const char *name, const char *src, size_t len, pm_error *err)
{
    int rc = parse_text(r, name, src, len, err);
    rules_build_combined(r);
    rules_build_table_starts(r);
    return rc;
}

/* file_only: path is a directory's entry, which must be a file (see read_rule_file) */
static int load_file(rules *r, const char *path, int file_only, pm_error *err)
{
    char *buf = NULL, why[128];
    size_t n = 0;
    int e = read_rule_file(path, file_only, &buf, &n);
    if (e)
        return pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rule file: %s", read_reason(e, why, sizeof why));
    int rc = parse_text(r, path, buf, n, err);
    free(buf);
    return rc;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.rules files of directory path into *out (the caller frees them), sorted by name
 * with base.rules first (what the other packs build on); how many in *n. */
static int rule_files(const char *path, char ***out, size_t *n, pm_error *err)
{
    DIR *d = opendir(path);
    char why[128];
    if (!d)
        return pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rule directory: %s",
                            read_reason(errno, why, sizeof why));
    char **names = NULL;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 6 && strcmp(de->d_name + l - 6, ".rules") == 0 && de->d_name[0] != '.') {
            strbuf name = STRBUF_INIT;
            size_t pl = strlen(path);
            strbuf_addf(&name, "%s%s%s", path, (pl && path[pl - 1] == '/') ? "" : "/", de->d_name);
            GROW(names, *n + 1, cap);
            names[(*n)++] = strbuf_detach(&name, NULL);
        }
    }
    closedir(d);
    if (*n > 1)
        qsort(names, *n, sizeof(char *), cmpstr);
    for (size_t i = 0; i < *n; i++) {
        const char *b = strrchr(names[i], '/');
        if (strcmp(b ? b + 1 : names[i], "base.rules") == 0) {
            char *t = names[i];
            memmove(names + 1, names, i * sizeof(char *));
            names[0] = t;
            break;
        }
    }
    *out = names;
    return 0;
}

static int load_path(rules *r, const char *path, pm_error *err)
{
    struct stat st;
    char why[128];
    if (stat(path, &st) != 0)
        return pm_error_set(err, PM_ERR_IO, path, 0, 0, "cannot read rules: %s", read_reason(errno, why, sizeof why));
    if (!S_ISDIR(st.st_mode))
        return load_file(r, path, 0, err);
    char **names = NULL;
    size_t n = 0;
    int rc = rule_files(path, &names, &n, err);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_file(r, names[i], 1, err);
    if (rc == 0 && n == 0)
        rc = pm_error_set(err, PM_ERR_IO, path, 0, 0, "no '.rules' files in directory");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int rules_load(rules *r, const char *path, pm_error *err)
{
    int rc = load_path(r, path, err);
    rules_build_combined(r);
    rules_build_table_starts(r);
    return rc;
}
