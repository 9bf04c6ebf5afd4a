/* rulelint.c: rules_lint - what in a loaded rule set is likely a mistake: unused defines and
 * word lists, unit words without a `unit` line, patterns near PCRE2's compiled-size limit. */
#include "ruleset/rules.h"
#include "ruleset/rxwords.h"

#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A define or words list as written: its name, file and line. */
typedef struct lintdef {
    char *name;
    const char *file;
    long line;
    int used;
} lintdef;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = 0, cap = 4096;
    char *s = xmalloc(cap);
    size_t got;
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            s = xrealloc(s, cap *= 2);
    }
    fclose(f);
    s[n] = '\0';
    return s;
}

/* The distinct files the rules were read from, in load order. */
static size_t rule_files(const rules *r, const char ***out)
{
    size_t n = 0;
    const char **files = xcalloc(rules_count(r) + 1, sizeof *files);
    for (size_t i = 0; i < rules_count(r); i++) {
        const char *f = rules_at(r, i)->file;
        size_t j = 0;
        while (j < n && strcmp(files[j], f) != 0)
            j++;
        if (j == n)
            files[n++] = f;
    }
    *out = files;
    return n;
}

/* Collect `define NAME` and `words NAME` lines of text (file) into defs. */
static void collect_defs(const char *text, const char *file, lintdef **defs, size_t *n, size_t *cap)
{
    long line = 1;
    for (const char *s = text; *s; line++) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t kl = strncmp(s, "define ", 7) == 0 ? 7 : strncmp(s, "words ", 6) == 0 ? 6 : 0;
        if (kl) {
            size_t nl = 0;
            while (kl + nl < len && s[kl + nl] != ' ' && s[kl + nl] != '\r')
                nl++;
            GROW(*defs, *n + 1, *cap);
            (*defs)[(*n)++] = (lintdef){xstrndup(s + kl, nl), file, line, 0};
        }
        s += len + (e != NULL);
    }
}

/* Mark each define that text refers to as {NAME}. */
static void mark_uses(const char *text, lintdef *defs, size_t n)
{
    for (const char *s = strchr(text, '{'); s; s = strchr(s + 1, '{')) {
        const char *e = strchr(s, '}');
        if (!e)
            break;
        for (size_t i = 0; i < n; i++)
            if (strlen(defs[i].name) == (size_t)(e - s - 1) && !memcmp(defs[i].name, s + 1, (size_t)(e - s - 1)))
                defs[i].used = 1;
    }
}

static size_t lint_defines(const rules *r, rules_lint_fn fn, void *ctx)
{
    const char **files;
    size_t nf = rule_files(r, &files), nd = 0, capd = 0, found = 0;
    char **texts = xcalloc(nf + 1, sizeof *texts);
    lintdef *defs = NULL;
    for (size_t i = 0; i < nf; i++)
        if ((texts[i] = read_all(files[i])))
            collect_defs(texts[i], files[i], &defs, &nd, &capd);
    for (size_t i = 0; i < nf; i++)
        if (texts[i])
            mark_uses(texts[i], defs, nd);
    char msg[256];
    for (size_t i = 0; i < nd; i++) {
        if (!defs[i].used) {
            snprintf(msg, sizeof msg, "'%s' is never used", defs[i].name);
            fn(ctx, defs[i].file, defs[i].line, msg);
            found++;
        }
        free(defs[i].name);
    }
    for (size_t i = 0; i < nf; i++)
        free(texts[i]);
    free(texts);
    free(defs);
    free(files);
    return found;
}

/* Words already reported, so each unknown unit word is reported once (at its first rule). */
typedef struct seenset {
    char **w;
    size_t n, cap;
} seenset;

static int seen_add(seenset *s, char *w)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->w[i], w) == 0)
            return 0;
    GROW(s->w, s->n + 1, s->cap);
    s->w[s->n++] = w;
    return 1;
}

static size_t lint_rule(const rules *r, const rule *ru, seenset *seen, rules_lint_fn fn, void *ctx)
{
    size_t found = 0;
    char msg[256];
    const char *parts[2] = {ru->pattern, ru->before};
    for (int k = 0; k < 2; k++) {
        size_t size = parts[k] ? rules_compiled_size(ru, k) : 0;
        if (size * 4 >= (size_t)RULES_COMPILED_MAX * 3) {
            snprintf(msg, sizeof msg, "rule %s: %s compiles to %zu bytes, within 25%% of PCRE2's limit of %d",
                     ru->id, k ? "before" : "pattern", size, RULES_COMPILED_MAX);
            fn(ctx, ru->file, ru->line, msg);
            found++;
        }
        char **w = NULL;
        size_t nw = parts[k] ? rxwords_group(parts[k], "unit", &w) : 0;
        for (size_t i = 0; i < nw; i++) {
            if (!rules_unit_canon(r, w[i], strlen(w[i]), NULL) && seen_add(seen, w[i])) {
                snprintf(msg, sizeof msg, "rule %s: unit word '%.64s' has no 'unit' line", ru->id, w[i]);
                fn(ctx, ru->file, ru->line, msg);
                found++;
                continue; /* owned by seen now */
            }
            free(w[i]);
        }
        free(w);
    }
    return found;
}

size_t rules_lint(const rules *r, rules_lint_fn fn, void *ctx)
{
    size_t found = lint_defines(r, fn, ctx);
    seenset seen = {NULL, 0, 0};
    for (size_t i = 0; i < rules_count(r); i++)
        found += lint_rule(r, rules_at(r, i), &seen, fn, ctx);
    for (size_t i = 0; i < seen.n; i++)
        free(seen.w[i]);
    free(seen.w);
    return found;
}
