/* rulesense.c: the keys that say what a row means (section, cue, period, nonadditive,
 * distribute) and how an indicator table reads (table): each compiles one pattern. */
#include "ruleset/rules_priv.h"

#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A year of a `period` key: YYYY, +N or -N (from the plan year), year+N (the group plus
 * N), none; -1 when bad. */
static int parse_yspec(const char *s, size_t n, yspec *y)
{
    char tmp[16], *e;
    if (n == 4 && memcmp(s, "none", 4) == 0) {
        *y = (yspec){YS_PLACEHOLDER, 0};
        return 0;
    }
    if (n > 5 && n < 10 && memcmp(s, "year+", 5) == 0) { /* the (?<year>) group plus N */
        int v = 0;
        for (size_t i = 5; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        *y = (yspec){YS_GROUP, v};
        return 0;
    }
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    long v = strtol(tmp, &e, 10);
    if (*e)
        return -1;
    if (tmp[0] == '+' || tmp[0] == '-') {
        if (v < -100 || v > 100)
            return -1;
        *y = (yspec){YS_REL, (int)v};
        return 0;
    }
    if (n != 4 || v < 1900 || v > 2199)
        return -1;
    *y = (yspec){YS_ABS, (int)v};
    return 0;
}

/* The class word of section review|plan PATTERN, cue actual|target|baseline PATTERN into
 * se->kind; *pat, *plen: the pattern after it. */
static int sense_class(parser *p, const char *key, sense_entry *se, const char **pat, size_t *plen, long col)
{
    static const struct { const char *key, *cls; int kind; } kinds[] = {
        {"section", "review", SENSE_REVIEW}, {"section", "plan", SENSE_PLAN},
        {"cue", "actual", SENSE_ACTUAL},     {"cue", "target", SENSE_TARGET},
        {"cue", "baseline", SENSE_BASELINE},
    };
    const char *v = *pat, *sp = memchr(v, ' ', *plen);
    size_t vlen = *plen, cl = sp ? (size_t)(sp - v) : vlen;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].key, key) == 0 && strlen(kinds[i].cls) == cl && memcmp(kinds[i].cls, v, cl) == 0)
            se->kind = kinds[i].kind;
    if (se->kind < 0)
        return rule_perr(p, col, strcmp(key, "cue") == 0 ? "'cue' needs 'actual', 'target' or 'baseline' and a pattern"
                                                         : "'section' needs 'review' or 'plan' and a pattern");
    *pat = sp ? sp + 1 : v + vlen;
    *plen = (size_t)(v + vlen - *pat);
    while (*plen && **pat == ' ')
        (*pat)++, (*plen)--;
    return 0;
}

/* The years of period PATTERN [=> YEAR [since YEAR]] (pat at column pcol): into se, and
 * *plen cut to the pattern. Without " => " the pattern's (?<year>) group gives the year. */
static int period_years(parser *p, sense_entry *se, const char *pat, size_t *plen, long pcol)
{
    se->year.mode = se->since.mode = YS_GROUP;
    for (size_t i = *plen; i-- > 3;) {
        if (memcmp(pat + i - 3, " =>", 3) != 0 || (i != *plen && pat[i] != ' '))
            continue;
        const char *y = pat + i, *end = pat + *plen;
        while (y < end && *y == ' ')
            y++;
        const char *ye = y;
        while (ye < end && *ye != ' ')
            ye++;
        if (parse_yspec(y, (size_t)(ye - y), &se->year))
            return rule_perr(p, pcol + (long)(y - pat),
                             "a period's year must be YYYY, +N, -N (from the plan year), year+N or none");
        se->since.mode = YS_NONE;
        const char *sn = ye;
        while (sn < end && *sn == ' ')
            sn++;
        if (sn < end) {
            if ((size_t)(end - sn) < 6 || memcmp(sn, "since ", 6) != 0)
                return rule_perr(p, pcol + (long)(sn - pat), "after a period's year only 'since YEAR' may follow");
            const char *ss = sn + 6;
            while (ss < end && *ss == ' ')
                ss++;
            if (parse_yspec(ss, (size_t)(end - ss), &se->since) || se->since.mode == YS_PLACEHOLDER)
                return rule_perr(p, pcol + (long)(ss - pat), "a period's year must be YYYY, +N or -N (from the plan year)");
        }
        *plen = i - 3;
        break;
    }
    return 0;
}

/* Compile pat[0..plen) (at column pcol) for se and add it to the set. */
static int add_sense(parser *p, const char *key, sense_entry *se, const char *pat, size_t plen, long pcol)
{
    if (plen == 0)
        return rule_perr(p, pcol, "'%s' needs a pattern", key);
    int rc = rule_compile_top(p, pat, plen, pcol, ")", 0, &se->code, &se->src);
    if (rc)
        return rc;
    if (se->kind == SENSE_PERIOD) {
        se->g_year = rule_group_number(se->code, "year");
        se->g_since = rule_group_number(se->code, "since");
        if (se->year.mode == YS_GROUP && se->g_year <= 0) { /* also for year+N */
            pcre2_code_free(se->code);
            free(se->src);
            return rule_perr(p, pcol, "a period needs a (?<year>...) group or ' => YEAR'");
        }
        if (se->since.mode == YS_GROUP && se->g_since <= 0)
            se->since.mode = YS_NONE;
    }
    GROW(p->r->senses, p->r->nsenses + 1, p->r->capsenses);
    p->r->senses[p->r->nsenses++] = *se;
    return 0;
}

int rule_key_sense(parser *p, const char *key, const char *v, size_t vlen, long col)
{
    sense_entry se = {.kind = -1};
    const char *pat = v;
    size_t plen = vlen;
    int rc = 0;
    if (strcmp(key, "section") == 0 || strcmp(key, "cue") == 0) {
        rc = sense_class(p, key, &se, &pat, &plen, col);
    } else if (strcmp(key, "period") == 0) {
        se.kind = SENSE_PERIOD;
    } else if (strcmp(key, "distribute") == 0) {
        se.kind = SENSE_DISTRIBUTE;
    } else if (vlen > 4 && memcmp(v, "own ", 4) == 0) {
        se.kind = SENSE_NONADD_OWN; /* nonadditive own PATTERN: only the number it touches */
        pat = v + 4;
        plen = vlen - 4;
        while (plen && *pat == ' ')
            pat++, plen--;
    } else {
        se.kind = SENSE_NONADDITIVE;
    }
    long pcol = col + (long)(pat - v);
    if (rc == 0 && se.kind == SENSE_PERIOD)
        rc = period_years(p, &se, pat, &plen, pcol);
    return rc ? rc : add_sense(p, key, &se, pat, plen, pcol);
}

/* The kind of table caption PATTERN | table column KIND PATTERN | table cell KIND PATTERN;
 * *pat: where the pattern starts. */
static int table_kind(parser *p, const char *v, size_t vlen, long col, const char **pat)
{
    static const struct { const char *cls, *name; int kind; } kinds[] = {
        {"caption", NULL, TABLE_CAPTION},       {"column", "serial", TABLE_SERIAL},
        {"column", "group", TABLE_GROUP},       {"column", "name", TABLE_NAME},
        {"column", "unit", TABLE_UNIT},         {"column", "attribute", TABLE_ATTRIBUTE},
        {"column", "note", TABLE_NOTE},         {"column", "value", TABLE_VALUE},
        {"cell", "binding", TABLE_BINDING},     {"cell", "expected", TABLE_EXPECTED},
        {"cell", "empty", TABLE_EMPTY},         {"cell", "unit", TABLE_UNITCELL},
        {"cell", "ratio", TABLE_RATIO},
    };
    const char *w[2] = {v, NULL}, *end = v + vlen;
    size_t wl[2] = {0, 0};
    const char *q = v;
    for (int i = 0; i < 2; i++) { /* the class word, then (column, cell) the kind word */
        while (q < end && *q == ' ')
            q++;
        w[i] = q;
        while (q < end && *q != ' ')
            q++;
        wl[i] = (size_t)(q - w[i]);
    }
    int kind = -1, named = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strlen(kinds[i].cls) != wl[0] || memcmp(kinds[i].cls, w[0], wl[0]) != 0)
            continue;
        named = kinds[i].name != NULL;
        if (!named || (strlen(kinds[i].name) == wl[1] && memcmp(kinds[i].name, w[1], wl[1]) == 0))
            kind = kinds[i].kind;
    }
    if (kind < 0)
        return rule_perr(p, col + (long)(named ? w[1] - v : 0),
                         named && wl[0] == 6 ? "'table column' needs serial, group, name, unit, attribute, note or value"
                         : named             ? "'table cell' needs binding, expected, empty, unit or ratio"
                                             : "'table' needs caption, column or cell");
    *pat = named ? q : w[1];
    while (*pat < end && **pat == ' ')
        (*pat)++;
    return kind;
}

/* The role after a value column's pattern, PATTERN => ROLE (v at column col): TROLE_*, and
 * *plen cut to the pattern. */
static int table_role(parser *p, const char *v, long col, const char *pat, size_t *plen)
{
    static const char *const roles[] = {"auto", "target", "baseline", "actual", "change", "quantity"};
    const char *end = pat + *plen;
    size_t i = *plen;
    while (i > 3 && memcmp(pat + i - 3, " =>", 3) != 0)
        i--;
    if (i <= 3)
        return rule_perr(p, col + (long)(pat - v),
                         "'table column value' needs 'PATTERN => auto|target|baseline|actual|change|quantity'");
    const char *rs = pat + i;
    while (rs < end && *rs == ' ')
        rs++;
    int role = -1;
    for (int k = 0; k < 6; k++)
        if (strlen(roles[k]) == (size_t)(end - rs) && memcmp(roles[k], rs, (size_t)(end - rs)) == 0)
            role = k;
    if (role < 0)
        return rule_perr(p, col + (long)(rs - v),
                         "a table column's role must be auto, target, baseline, actual, change or quantity");
    *plen = i - 3;
    while (*plen && pat[*plen - 1] == ' ')
        (*plen)--;
    return role;
}

int rule_key_table(parser *p, const char *v, size_t vlen, long col)
{
    const char *pat = v;
    int kind = table_kind(p, v, vlen, col, &pat);
    if (kind < 0)
        return kind;
    size_t plen = (size_t)(v + vlen - pat);
    int role = kind == TABLE_VALUE ? table_role(p, v, col, pat, &plen) : TROLE_AUTO;
    if (role < 0)
        return role;
    if (plen == 0)
        return rule_perr(p, col + (long)(pat - v), "'table' needs a pattern");
    int whole = kind != TABLE_CAPTION && kind != TABLE_RATIO;
    table_entry te = {kind, role, NULL, NULL};
    int rc = rule_compile_top(p, pat, plen, col + (long)(pat - v), whole ? ")\\z" : ")", whole ? PCRE2_ANCHORED : 0,
                              &te.code, &te.src);
    if (rc)
        return rc;
    GROW(p->r->tables, p->r->ntables + 1, p->r->captables);
    p->r->tables[p->r->ntables++] = te;
    return 0;
}
