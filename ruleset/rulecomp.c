/* rulecomp.c: turning a rule's written pattern pieces into compiled patterns - {NAME}
 * expansion with a line/column map, so that PCRE2's errors point into the rule file. */
#include "ruleset/rules_priv.h"

#include "base/mem.h"
#include "ruleset/rxscan.h"
#include "ruleset/rxwords.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rule_perr(parser *p, long col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* columns are counted in characters, not bytes */
    long chars = col;
    if (p->linep && col > 0) {
        chars = 1;
        for (long i = 0; i < col - 1 && (size_t)i < p->linelen; i++)
            if (((unsigned char)p->linep[i] & 0xC0) != 0x80)
                chars++;
    }
    pm_error_set(p->err, PM_ERR_SYNTAX, p->file, p->line, chars, "%s", msg);
    pm_error_source(p->err, p->linep, p->linelen);
    return PM_ERR_SYNTAX;
}

/* Append s[0..n) to b; each byte comes from line, column col (same_col) or col + i. */
static void xput(xbuf *b, const char *s, size_t n, long line, long col, int same_col)
{
    size_t at = b->s.len;
    strbuf_add(&b->s, s, n);
    GROW(b->col, at + n + 1, b->capcol);
    GROW(b->line, at + n + 1, b->capline);
    for (size_t i = 0; i < n; i++) {
        b->col[at + i] = same_col ? col : col + (long)i;
        b->line[at + i] = line;
    }
}

void xbuf_release(xbuf *b)
{
    strbuf_release(&b->s);
    free(b->col);
    free(b->line);
    b->col = b->line = NULL;
    b->capcol = b->capline = 0;
}

static const define *def_find(const rules *r, const char *name, size_t len)
{
    for (size_t i = r->ndefs; i-- > 0;)
        if (strlen(r->defs[i].name) == len && memcmp(r->defs[i].name, name, len) == 0)
            return &r->defs[i];
    return NULL;
}

/* Longest pattern text after {NAME} expansion (PCRE2 cannot compile much more anyway). */
#define PATTERN_MAX (1 << 20)

int rule_expand(parser *p, xbuf *b, const char *s, size_t n, long line, long col)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\\' && i + 1 < n) {  /* keep escapes, e.g. \{ */
            xput(b, s + i, 2, line, col + (long)i, 0);
            i += 2;
            continue;
        }
        if (s[i] == '{' && i + 1 < n && is_name_start(s[i + 1])) {
            size_t j = i + 1;
            while (j < n && is_name_char(s[j]))
                j++;
            if (j < n && s[j] == '}') {
                const define *d = def_find(p->r, s + i + 1, j - i - 1);
                if (!d) {
                    char name[128];
                    snprintf(name, sizeof name, "%.*s", (int)(j - i - 1), s + i + 1);
                    p->line = line;
                    return rule_perr(p, col + (long)i, "unknown sub-pattern '{%s}'", name);
                }
                size_t dl = strlen(d->pattern);
                if (b->s.len + dl > PATTERN_MAX) { /* nested defines double at each level */
                    p->line = line;
                    return rule_perr(p, col + (long)i, "pattern longer than %d bytes after expanding '{%s}'",
                                     PATTERN_MAX, d->name);
                }
                xput(b, d->pattern, dl, line, col + (long)i, 1);
                i = j + 1;
                continue;
            }
        }
        xput(b, s + i, 1, line, col + (long)i, 0);
        i++;
    }
    return 0;
}

int rule_group_number(const pcre2_code *code, const char *name)
{
    int n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);
    if (n == PCRE2_ERROR_NOUNIQUESUBSTRING) {
        PCRE2_SPTR first, last;
        int size = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)name, &first, &last);
        if (size > 0)
            return (first[0] << 8) | first[1];
    }
    return n > 0 ? n : 0;
}

/* PCRE2's message for a pattern that did not compile, at the rule-file place of offset eo
 * of the expansion b. */
/* An error at offset eo of the expanded part b (at its end when eo is past it): at the line
 * and column of the rule file it came from. */
static int part_error(parser *p, const xbuf *b, PCRE2_SIZE eo, const char *msg)
{
    size_t at = eo < b->s.len ? eo : b->s.len - 1;
    long line = b->line[at], col = b->col[at] + (eo >= b->s.len ? 1 : 0);
    for (size_t i = 0; i < p->npieces; i++)
        if (p->pieces[i].line == line) {
            p->linep = p->pieces[i].src;
            p->linelen = p->pieces[i].srclen;
        }
    p->line = line;
    return rule_perr(p, col, "%s", msg);
}

static int compile_error(parser *p, const xbuf *b, int ec, PCRE2_SIZE eo)
{
    char msg[256];
    pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
    return part_error(p, b, eo, msg);
}

/* Whether name (n bytes) stands in s[0..len) as a reference of the kind the two bytes before
 * it say: a call (?&N) (?P>N), a back reference \\g<N> \\g'N' \\g{N} \\k<N> \\k'N' \\k{N}
 * (?P=N), a condition (?(N) (?(<N>) (?('N') (?(R&N). def: where it is defined instead
 * ((?<N> (?'N' (?P<N>), or (size_t)-1. */
static int group_used(const char *s, size_t len, const char *name, size_t n, size_t *def)
{
    static const char *const refs[] = {"?&", "P>", "g<", "g'", "g{", "k<", "k'", "k{", "P=", "?(", "(<", "('", "R&"};
    *def = (size_t)-1;
    int used = 0;
    for (size_t i = 2; i + n <= len; i++) {
        if (memcmp(s + i, name, n) != 0 || (i + n < len && !strchr(")>'}", s[i + n])))
            continue;
        for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++)
            used |= memcmp(s + i - 2, refs[k], 2) == 0;
        if (*def == (size_t)-1 && (memcmp(s + i - 2, "?<", 2) == 0 || memcmp(s + i - 2, "?'", 2) == 0 ||
                                   memcmp(s + i - 2, "P<", 2) == 0))
            *def = i;
    }
    return used;
}

/* Edit distance of a and b (insertions, deletions, changes and swaps of two neighbours),
 * counted up to 3: names longer than 31 bytes are 3 apart from anything. */
static int name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31 || la > lb + 2 || lb > la + 2) /* each edit changes the length by one at most */
        return 3;
    int d[32][32];
    for (size_t i = 0; i <= la; i++)
        for (size_t j = 0; j <= lb; j++) {
            if (i == 0 || j == 0) {
                d[i][j] = (int)(i + j);
                continue;
            }
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb] < 3 ? d[la][lb] : 3;
}

/* A named group of a rule's part within two edits of a group the rule reads
 * (RULE_GROUP_NAMES), and not called or referred to by name inside the part, is a
 * misspelling: (?<subjcet>...) would lose the subject without a word. Groups of other names
 * are the author's own. Returns 0 or the error at the group's name. */
static int check_group_names(parser *p, const xbuf *b, const pcre2_code *code)
{
    static const char *const known[RULE_NGROUPS] = RULE_GROUP_NAMES;
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t e = 0; e < count && table; e++) {
        const char *name = (const char *)table + (size_t)e * size + 2, *like = NULL;
        int exact = 0;
        for (int k = 0; k < RULE_NGROUPS && !exact; k++)
            exact = strcmp(name, known[k]) == 0;
        for (int k = 0; k < RULE_NGROUPS && !exact; k++) {
            int dist = name_distance(name, known[k]);
            exact |= dist == 0;
            if (dist > 0 && dist < 3 && !like)
                like = known[k];
        }
        size_t def;
        if (exact || !like || group_used(b->s.buf, b->s.len, name, strlen(name), &def))
            continue;
        char msg[256];
        snprintf(msg, sizeof msg, "unknown group '%.40s': is it '%s'? (a rule reads value, value_max, unit, "
                 "subject, action, qual and qual_after)", name, like);
        return part_error(p, b, def == (size_t)-1 ? 0 : def, msg);
    }
    return 0;
}

void rule_parts_clear(rules *r)
{
    for (size_t i = 0; i < r->nparts; i++) {
        free(r->parts[i].src);
        pcre2_code_free(r->parts[i].code);
    }
    free(r->parts);
    r->parts = NULL;
    r->nparts = r->capparts = 0;
}

/* The part compiled earlier from src[0..len) with options, or NULL. */
static pcre2_code *part_find(const rules *r, const char *src, size_t len, uint32_t options)
{
    for (size_t i = 0; i < r->nparts; i++)
        if (r->parts[i].len == len && r->parts[i].options == options && memcmp(r->parts[i].src, src, len) == 0)
            return r->parts[i].code;
    return NULL;
}

/* The set takes code, compiled from src[0..len) with options. */
static void part_keep(rules *r, const char *src, size_t len, uint32_t options, pcre2_code *code)
{
    GROW(r->parts, r->nparts + 1, r->capparts);
    r->parts[r->nparts++] = (struct compiled_part){xmemdup(src, len), len, options, code};
}

/* Expand and compile the pieces of one part (0 pattern, 1 before) of the current
 * block, wrapped as prefix...suffix; errors point into the rule file. */
static int compile_part(parser *p, int which, const char *prefix, const char *suffix, pcre2_code **out,
                        char **text, uint32_t options)
{
    xbuf b = {STRBUF_INIT, NULL, NULL, 0, 0};
    int rc = 0;
    const piece *first = NULL;
    for (size_t i = 0; i < p->npieces && rc == 0; i++) {
        const piece *pc = &p->pieces[i];
        if (pc->which != which)
            continue;
        if (!first) {
            first = pc;
            xput(&b, prefix, strlen(prefix), pc->line, pc->col, 1);
        }
        p->linep = pc->src;
        p->linelen = pc->srclen;
        rc = rule_expand(p, &b, p->pat.buf + pc->off, pc->len, pc->line, pc->col);
    }
    if (!first)
        return 0;
    if (rc == 0) {
        /* the suffix stands after the last character; a part that expanded to nothing (an
         * empty define, no prefix) has none: then at the first piece */
        long sl = b.s.len ? b.line[b.s.len - 1] : first->line, sc = b.s.len ? b.col[b.s.len - 1] + 1 : first->col;
        xput(&b, suffix, strlen(suffix), sl, sc, 1);
        int ec;
        PCRE2_SIZE eo;
        /* PCRE2 gets the guarded twin of the text; the text itself is what errors,
         * the prefilter and listings read */
        char *g = NULL;
        size_t gn = 0;
        if ((*out = part_find(p->r, b.s.buf, b.s.len, options)) == NULL) {
            if (!(options & PCRE2_ANCHORED))
                rxscan_guard_table(b.s.buf, b.s.len, p->r->guards, &g, &gn);
            *out = g ? pcre2_compile((PCRE2_SPTR)g, gn, RULE_RX_OPTS | PCRE2_DUPNAMES | options, &ec, &eo, NULL) : NULL;
            free(g);
            if (!*out)
                *out = pcre2_compile((PCRE2_SPTR)b.s.buf, b.s.len, RULE_RX_OPTS | PCRE2_DUPNAMES | options, &ec, &eo, NULL);
            if (*out)
                part_keep(p->r, b.s.buf, b.s.len, options, *out);
        }
        if (!*out)
            rc = compile_error(p, &b, ec, eo);
        else if ((rc = check_group_names(p, &b, *out)) != 0)
            *out = NULL; /* the rule set's parts own it */
        else
            *text = strbuf_detach(&b.s, NULL); /* JIT compilation waits for rules_jit */
    }
    xbuf_release(&b);
    return rc;
}

int rule_compile_top(parser *p, const char *v, size_t vlen, long col, const char *suffix, uint32_t opts,
                     pcre2_code **out, char **src)
{
    xbuf b = {STRBUF_INIT, NULL, NULL, 0, 0};
    xput(&b, "(?:", 3, p->line, col, 1);
    int rc = rule_expand(p, &b, v, vlen, p->line, col);
    if (rc == 0) {
        xput(&b, suffix, strlen(suffix), p->line, col + (long)vlen, 1);
        int ec;
        PCRE2_SIZE eo;
        *out = pcre2_compile((PCRE2_SPTR)b.s.buf, b.s.len, RULE_RX_OPTS | PCRE2_DUPNAMES | opts, &ec, &eo, NULL);
        if (!*out) {
            char msg[256];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
            rc = rule_perr(p, b.col[eo < b.s.len ? eo : b.s.len - 1], "%s", msg);
        } else {
            pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
            if (src) /* the caller keeps the expanded source */
                *src = strbuf_detach(&b.s, NULL);
        }
    }
    xbuf_release(&b);
    return rc;
}

/* An error of the whole rule (no column): at the rule's line. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int block_error(parser *p, const char *fmt, ...)
{
    char msg[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->linep = NULL;
    pm_error_set(p->err, PM_ERR_SYNTAX, p->file, p->cur->line, 0, "%s", msg);
    return PM_ERR_SYNTAX;
}

/* Every group number of each name, in RULE_GROUP_NAMES order, 0-terminated. */
static void group_numbers(const pcre2_code *code, short groups[RULE_NGROUPS][RULES_MAX_DUP + 1])
{
    static const char *const names[RULE_NGROUPS] = RULE_GROUP_NAMES;
    for (int k = 0; k < RULE_NGROUPS && code; k++) {
        PCRE2_SPTR a, b;
        int size = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)names[k], &a, &b);
        int n = 0;
        for (PCRE2_SPTR q = a; size > 0 && q <= b && n < RULES_MAX_DUP; q += size)
            groups[k][n++] = (short)((q[0] << 8) | q[1]);
        groups[k][n] = 0;
    }
}

/* Compile the current block: the pattern (matched anchored at a number) and the
 * optional `before` part (must end right where the pattern starts). */
static int compile_block(parser *p)
{
    rule *ru = p->cur;
    int have = 0;
    for (size_t i = 0; i < p->npieces; i++)
        have |= p->pieces[i].which == 0;
    if (!have)
        return block_error(p, "rule '%s' has no pattern", ru->id);
    struct rule_compiled *c = ru->compiled = xcalloc(1, sizeof *c);
    int rc = compile_part(p, 0, "", "", &c->code, &ru->pattern, PCRE2_ANCHORED | PCRE2_NO_START_OPTIMIZE);
    if (rc == 0)
        rc = compile_part(p, 1, "(?:", ")\\z", &c->before_code, &ru->before, 0);
    if (rc)
        return rc;
    c->before_tables = ru->before && !strstr(ru->before, "(?C");
    /* the extractor keeps 64 ovector pairs: group numbers above 63 would read past them */
    for (int part = 0; part < 2; part++) {
        uint32_t ncap = 0;
        const pcre2_code *code = part ? c->before_code : c->code;
        if (code && pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap) == 0 && ncap > 63)
            return block_error(p, "rule '%s' has %u groups in its %s (at most 63)", ru->id, (unsigned)ncap,
                               part ? "before" : "pattern");
    }
    pcre2_pattern_info(c->code, PCRE2_INFO_CAPTURECOUNT, &c->ncaptures);
    group_numbers(c->code, c->groups[0]);
    group_numbers(c->before_code, c->groups[1]);
    if (ru->kind != RULE_TARGET)
        return 0;
    c->nunit_lits = rxwords_group(ru->pattern, "unit", &c->unit_lits);
    if (!rule_group_number(c->code, "value") || !rule_group_number(c->code, "unit")) {
        const piece *pc = p->pieces; /* at the first line of the pattern */
        while (pc->which != 0)
            pc++;
        p->line = pc->line;
        p->linep = pc->src;
        p->linelen = pc->srclen;
        return rule_perr(p, pc->col, "rule '%s' needs named groups 'value' and 'unit' in its pattern", ru->id);
    }
    return 0;
}

int rule_end_block(parser *p)
{
    rule *ru = p->cur;
    if (!ru)
        return 0;
    int rc = compile_block(p);
    p->cur = NULL;
    p->npieces = 0;
    strbuf_reset(&p->pat);
    if (rc) {
        rule_free(ru);
        return rc;
    }
    /* its pack has a rule that is not JIT-compiled yet */
    atomic_fetch_and(&p->r->jit->done, ~((uint64_t)1 << ru->pack_index));
    for (size_t i = 0; i < p->r->n; i++)
        if (strcmp(p->r->items[i]->id, ru->id) == 0) {
            rule_free(p->r->items[i]);
            p->r->items[i] = ru;
            return 0;
        }
    GROW(p->r->items, p->r->n + 1, p->r->cap);
    p->r->items[p->r->n++] = ru;
    return 0;
}
