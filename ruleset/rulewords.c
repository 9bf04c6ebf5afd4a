/* rulewords.c: `words NAME ... end` - a word list, one literal word per line, {OTHER} to take
 * in another list; it becomes the define NAME, (?:WORD|WORD|...) with each word escaped. */
#include "ruleset/rules_priv.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

/* The open block: its name and line, and the words so far (each with where it came from). */
struct wordlist {
    char *name;
    long line;         /* where `words NAME` stands, for an error about the whole list */
    const char *linep;
    size_t linelen;
    long col;
    char **words;
    size_t n, cap;
    strbuf pat;        /* the alternation so far, without (?: ) */
    size_t nalts;
};

static const define *find_def(const rules *r, const char *name, size_t len)
{
    for (size_t i = r->ndefs; i-- > 0;)
        if (strlen(r->defs[i].name) == len && memcmp(r->defs[i].name, name, len) == 0)
            return &r->defs[i];
    return NULL;
}

void rule_words_free(parser *p)
{
    struct wordlist *w = p->words;
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->words[i]);
    free(w->words);
    free(w->name);
    strbuf_release(&w->pat);
    free(w);
    p->words = NULL;
}

int rule_key_words(parser *p, const char *v, size_t vlen, long col)
{
    size_t i = 0;
    while (i < vlen && is_name_char(v[i]))
        i++;
    if (i == 0 || !is_name_start(v[0]) || i != vlen)
        return rule_perr(p, col, "'words' needs an upper-case NAME (then one word per line, then 'end')");
    struct wordlist *w = xcalloc(1, sizeof *w);
    w->name = xstrndup(v, vlen);
    w->line = p->line;
    w->linep = p->linep;
    w->linelen = p->linelen;
    w->col = col;
    strbuf_init(&w->pat);
    p->words = w;
    return 0;
}

/* Add one word (escaped into the alternation); a word already in the list is an error. */
static int add_word(parser *p, const char *s, size_t n, long col, const char *from)
{
    struct wordlist *w = p->words;
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->words[i]) == n && memcmp(w->words[i], s, n) == 0)
            return rule_perr(p, col, "'%.*s'%s%s is already in words %s", (int)n, s, from ? " of " : "",
                             from ? from : "", w->name);
    GROW(w->words, w->n + 1, w->cap);
    w->words[w->n++] = xstrndup(s, n);
    if (w->nalts++)
        strbuf_addch(&w->pat, '|');
    for (size_t i = 0; i < n; i++) {
        if (strchr("\\^$.[]|()?*+{}", s[i]))
            strbuf_addch(&w->pat, '\\');
        strbuf_addch(&w->pat, s[i]);
    }
    return 0;
}

/* {OTHER}: every word of the list OTHER, or (a plain define) its pattern as one alternative. */
static int add_list(parser *p, const char *name, size_t n, long col)
{
    struct wordlist *w = p->words;
    const define *d = find_def(p->r, name, n);
    if (!d)
        return rule_perr(p, col, "unknown sub-pattern '{%.*s}'", (int)n, name);
    if (!d->words) {
        if (w->nalts++)
            strbuf_addch(&w->pat, '|');
        strbuf_addstr(&w->pat, d->pattern);
        return 0;
    }
    char from[160];
    snprintf(from, sizeof from, "{%s}", d->name);
    for (size_t i = 0; i < d->nwords; i++) {
        int rc = add_word(p, d->words[i], strlen(d->words[i]), col, from);
        if (rc)
            return rc;
    }
    return 0;
}

/* The end of the block: the list becomes the define NAME. */
static int end_words(parser *p, long col)
{
    struct wordlist *w = p->words;
    if (w->nalts == 0)
        return rule_perr(p, col, "words %s has no words", w->name);
    GROW(p->r->defs, p->r->ndefs + 1, p->r->capdefs);
    strbuf pat = STRBUF_INIT;
    strbuf_addf(&pat, "(?:%s)", w->pat.buf);
    p->r->defs[p->r->ndefs++] = (define){w->name, strbuf_detach(&pat, NULL), w->words, w->n};
    w->name = NULL;
    w->words = NULL;
    w->n = 0;
    rule_words_free(p);
    return 0;
}

int rule_words_line(parser *p, const char *s, size_t n, long col)
{
    size_t wl = 0;
    while (wl < n && s[wl] != ' ' && s[wl] != '\t')
        wl++;
    size_t rest = wl;
    while (rest < n && (s[rest] == ' ' || s[rest] == '\t'))
        rest++;
    if (rest < n && s[rest] != '#')
        return rule_perr(p, col + (long)rest, "one word per line in words %s (a word has no spaces; is 'end' missing?)",
                         p->words->name);
    if (wl == 3 && memcmp(s, "end", 3) == 0)
        return end_words(p, col);
    if (wl > 2 && s[0] == '{' && s[wl - 1] == '}' && is_name_start(s[1])) {
        size_t i = 1;
        while (i < wl - 1 && is_name_char(s[i]))
            i++;
        if (i == wl - 1)
            return add_list(p, s + 1, wl - 2, col);
    }
    return add_word(p, s, wl, col, NULL);
}

int rule_words_eof(parser *p)
{
    p->line = p->words->line;
    p->linep = p->words->linep;
    p->linelen = p->words->linelen;
    int rc = rule_perr(p, p->words->col, "words %s has no 'end'", p->words->name);
    rule_words_free(p);
    return rc;
}
