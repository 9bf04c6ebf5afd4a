/* rulescan.c: the bench's second reference - a plain regex scan over the same rules: every rule
 * as one regex (its `before` part, then its pattern), searched over every line of every file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset/rule_int.h"

/* usage: rulescan [--pattern-first] RULES FILE-LIST
 * Compiles each rule of RULES (a file or directory) as `(?:BEFORE)(?:PATTERN)` with PCRE2's JIT
 * and finds all its matches in every line of the files named in FILE-LIST (one path a line),
 * as a tool without planmetrics's engine would: no number index, no prefilter, every rule at
 * every place. --pattern-first searches the pattern alone and tries the `before` part (as
 * compiled by planmetrics: it must end where the pattern starts) at each match: the better
 * plain scan. Prints the number of matches. Exit status 0, or 2 with a message. */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    for (size_t k; s && (k = fread(s + len, 1, cap - len, f)) > 0;) {
        len += k;
        if (len == cap) {
            char *t = realloc(s, cap *= 2);
            if (!t)
                free(s);
            s = t;
        }
    }
    fclose(f);
    *n = len;
    return s;
}

int main(int argc, char **argv)
{
    int pfirst = argc == 4 && strcmp(argv[1], "--pattern-first") == 0;
    if (argc != 3 + pfirst) {
        fprintf(stderr, "usage: rulescan [--pattern-first] RULES FILE-LIST\n");
        return 2;
    }
    argv += pfirst;
    rules *r = rules_create();
    pm_error e;
    pm_error_clear(&e);
    if (!r || rules_load(r, argv[1], &e) != 0) {
        fprintf(stderr, "rulescan: %s:%ld:%ld: %s\n", e.file, e.line, e.column, e.msg);
        return 2;
    }
    size_t n = rules_count(r), nre = 0;
    pcre2_code **re = calloc(n, sizeof *re);
    const pcre2_code **bef = calloc(n, sizeof *bef);
    int *reach = calloc(n, sizeof *reach);
    for (size_t i = 0; re && i < n; i++) {
        const rule *ru = rules_at(r, i);
        /* ru->before is "(?:...)\z": the part without its end anchor, then the pattern */
        size_t bl = ru->before && !pfirst ? strlen(ru->before) - 2 : 0, pl = strlen(ru->pattern);
        char *src = malloc(bl + pl + 5);
        if (!src)
            break;
        memcpy(src, bl ? ru->before : "", bl);
        memcpy(src + bl, "(?:", 3);
        memcpy(src + bl + 3, ru->pattern, pl);
        memcpy(src + bl + 3 + pl, ")", 2);
        int ec;
        PCRE2_SIZE eo;
        re[nre] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_DUPNAMES, &ec, &eo, NULL);
        free(src);
        if (!re[nre]) {
            fprintf(stderr, "rulescan: rule '%s' does not compile as one regex: skipped\n", ru->id);
            continue;
        }
        pcre2_jit_compile(re[nre], PCRE2_JIT_COMPLETE);
        if (pfirst && ru->compiled->before_code) {
            bef[nre] = ru->compiled->before_code;
            reach[nre] = ru->reach;
            pcre2_jit_compile(ru->compiled->before_code, PCRE2_JIT_COMPLETE);
        }
        nre++;
    }
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    FILE *list = fopen(argv[2], "r");
    if (!re || !bef || !reach || !md || !list) {
        fprintf(stderr, "rulescan: cannot start: '%s'\n", argv[2]);
        return 2;
    }
    char path[4096];
    unsigned long long matches = 0;
    while (fgets(path, sizeof path, list)) {
        path[strcspn(path, "\n")] = 0;
        size_t len;
        char *text = slurp(path, &len);
        if (!text) {
            fprintf(stderr, "rulescan: cannot read '%s'\n", path);
            return 2;
        }
        for (size_t off = 0; off < len;) {
            const char *nl = memchr(text + off, '\n', len - off);
            size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
            /* the first search checks the line is UTF-8 (a line that is not is skipped) */
            uint32_t check = 0;
            int bad = 0;
            for (size_t k = 0; k < nre && !bad; k++)
                for (size_t at = 0; at <= ll;) {
                    int rc = pcre2_match(re[k], (PCRE2_SPTR)text + off, ll, at, check, md, NULL);
                    bad = rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21;
                    check = PCRE2_NO_UTF_CHECK;
                    if (rc < 0)
                        break;
                    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                    size_t s0 = ov[0], w = s0;
                    at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
                    for (int c = 0; bef[k] && w > 0 && c < reach[k]; c++) /* `reach` characters back */
                        while (w > 0 && ((unsigned char)text[off + --w] & 0xC0) == 0x80)
                            ;
                    matches += !bef[k] || pcre2_match(bef[k], (PCRE2_SPTR)text + off, s0, w, check, md, NULL) >= 0;
                    while (at < ll && ((unsigned char)text[off + at] & 0xC0) == 0x80)
                        at++;
                }
            off += ll + 1;
        }
        free(text);
    }
    fclose(list);
    printf("%llu\n", matches);
    for (size_t k = 0; k < nre; k++)
        pcre2_code_free(re[k]);
    free(re);
    free(bef);
    free(reach);
    pcre2_match_data_free(md);
    rules_free(r);
    return 0;
}
