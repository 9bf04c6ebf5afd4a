/* rxwords.c: the literal words of a named group, read from pattern source - what the
 * prefilter looks for after a number (the rule's units). */
#include "ruleset/rxwords.h"

#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct litset {
    char **v;
    size_t n, cap;
} litset;

static void lit_add(litset *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && memcmp(l->v[i], s, n) == 0)
            return;
    GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = xstrndup(s, n);
}

/* Skip a class starting at p[0] == '[' to just after its ']'; NULL if unclosed. */
static const char *skip_class(const char *p)
{
    for (p++; *p && *p != ']'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : NULL;
}

/* Skip a group starting at p[0] == '(' to just after its ')'; NULL if unbalanced. */
static const char *skip_group(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '[') { /* a class may hold ')' */
            if (!(p = skip_class(p)))
                return NULL;
            p--; /* the loop steps past the ] again */
        } else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
    }
    return NULL;
}

/* Past the rest of an alternative that starts with the (?:...) group ending at q: the
 * group must not be optional; the rest may be anything. NULL when not so. */
static const char *skip_tail(const char *q, const char *end)
{
    if (*q == '?' || *q == '*' || *q == '{')
        return NULL;
    while (q < end && *q != '|') {
        if (*q == '(' || *q == '[') {
            const char *g = *q == '(' ? skip_group(q) : skip_class(q);
            if (!g || g > end)
                return NULL;
            q = g;
        } else {
            q += *q == '\\' && q + 1 < end ? 2 : 1;
        }
    }
    return q;
}

/* Literal alternatives of the group body p..end (after "(?<unit>"): each
 * alternative must be literal characters, optionally wrapped in (?:...) or
 * beside assertions (which consume nothing). Returns -1 when not so. */
static int body_literals(const char *p, const char *end, litset *l)
{
    char buf[128];
    size_t n = 0;
    while (p <= end) {
        if (p == end || *p == '|') {
            if (n == 0)
                return -1;
            lit_add(l, buf, n);
            n = 0;
            p++;
            continue;
        }
        if (p[0] == '(' && p[1] == '?' && (p[2] == '=' || p[2] == '!' || (p[2] == '<' && (p[3] == '=' || p[3] == '!')))) {
            const char *q = skip_group(p); /* an assertion */
            if (!q || q > end)
                return -1;
            p = q;
            continue;
        }
        if (p[0] == '(' && p[1] == '?' && p[2] == ':') {
            const char *q = skip_group(p);
            if (!q || q > end || n != 0)
                return -1; /* a (?:...) must start its alternative */
            /* (?:万吨|吨)(?:/年)?: the unit starts with one of the group's words, so
             * those are what the prefilter looks for */
            if (q < end && *q != '|' && !(q = skip_tail(q, end)))
                return -1;
            if (body_literals(p + 3, skip_group(p) - 1, l))
                return -1;
            p = q;
            if (p < end)
                p++;
            else
                break;
            continue;
        }
        if (*p == '\\' && p + 1 < end && strchr("/.%-+*?()[]{}|^$\\", p[1])) {
            p++;
        } else if (strchr(".[]()*+?{}^$\\", *p)) {
            return -1;
        }
        if (n + 1 >= sizeof buf)
            return -1;
        buf[n++] = *p++;
    }
    return 0;
}

size_t rxwords_group(const char *src, const char *name, char ***out)
{
    char open[64];
    int ol = snprintf(open, sizeof open, "(?<%s>", name);
    litset l = {0};
    int ok = ol > 0 && (size_t)ol < sizeof open;
    for (const char *p = strstr(src, open); p && ok; p = strstr(p + 1, open)) {
        const char *q = skip_group(p);
        ok = q && body_literals(p + ol, q - 1, &l) == 0;
    }
    if (!ok || l.n == 0) {
        for (size_t i = 0; i < l.n; i++)
            free(l.v[i]);
        free(l.v);
        *out = NULL;
        return 0;
    }
    *out = l.v;
    return l.n;
}
