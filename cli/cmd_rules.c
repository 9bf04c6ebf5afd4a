/* cmd_rules.c: `planmetrics rules test|list|show|keys` - tools for rule authors.
 * test runs every inline example and prints failures as FILE:LINE: rule ID: expected ... got ... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "extract/extract.h"

enum { OPT_HELP = 1, OPT_RULES };
static const cli_option opts[] = {
    {"rules", 0, "PATH", "rule file or directory to list (repeatable; default: the bundled packs)", OPT_RULES},
    {"help", 'h', NULL, "show this help", OPT_HELP},
    {0},
};

static void on_fail(void *ctx, const rule *ru, const rule_example *ex, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "%s:%ld: rule %s: %s\n", ru->file, ex->line, ru->id, msg);
}

static int rules_test(rules *r)
{
    extractor *x = extractor_create(r);
    if (!x) {
        cli_errorf("out of memory");
        return EXIT_USAGE;
    }
    size_t total = 0, nopos = 0, noneg = 0;
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        int pos = 0, neg = 0;
        for (size_t k = 0; k < ru->nexamples; k++)
            ru->examples[k].negative ? neg++ : pos++;
        total += ru->nexamples;
        if (ru->kind == RULE_TARGET && !pos) {
            fprintf(stderr, "%s:%ld: rule %s: warning: no positive example\n", ru->file, ru->line, ru->id);
            nopos++;
        }
        if (!neg) {
            fprintf(stderr, "%s:%ld: rule %s: warning: no negative example\n", ru->file, ru->line, ru->id);
            noneg++;
        }
    }
    size_t fails = extractor_test_examples(x, on_fail, NULL);
    extractor_free(x);
    printf("rules: %zu rules, %zu examples: %zu passed, %zu failed\n", rules_count(r), total, total - fails, fails);
    printf("coverage: %zu rules without a positive example, %zu without a negative one\n", nopos, noneg);
    return fails ? EXIT_INPUT : EXIT_OK;
}

static int rules_list(rules *r, const char *pack)
{
    printf("%-28s %-8s %-10s %s\n", "id", "kind", "examples", "category");
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *ru = rules_at(r, i);
        if (pack && strcmp(pack, ru->pack) != 0)
            continue;
        int pos = 0, neg = 0;
        for (size_t k = 0; k < ru->nexamples; k++)
            ru->examples[k].negative ? neg++ : pos++;
        char ex[32];
        snprintf(ex, sizeof ex, "%d+/%d-", pos, neg);
        printf("%-28s %-8s %-10s %s\n", ru->id, ru->kind == RULE_EXCLUDE ? "exclude" : ru->role, ex,
               ru->category);
    }
    return EXIT_OK;
}

/* The keys of the rule-file format, from the loader's own table. */
static int rules_keys(void)
{
    const char *usage, *help;
    int where, prev = -1;
    for (size_t i = 0; (where = rules_key_info(i, &usage, &help)) >= 0; i++, prev = where) {
        if (where != prev)
            printf("%s%s\n", prev < 0 ? "" : "\n",
                   where ? "keys of a block (after 'rule ID' or 'exclude ID'):"
                         : "top-level keys (each ends the block before it):");
        printf("  %-38s  %s\n", usage, help);
    }
    return EXIT_OK;
}

/* Whether line[0..n) starts with a top-level key (one that ends a rule block). */
static int starts_top_key(const char *line, size_t n)
{
    size_t i = 0, k;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    for (k = i; k < n && line[k] != ' ' && line[k] != '\t' && line[k] != '\r'; k++)
        ;
    const char *usage, *help;
    int where;
    for (size_t j = 0; (where = rules_key_info(j, &usage, &help)) >= 0; j++) {
        size_t ul = strcspn(usage, " ");
        if (where == 0 && ul == k - i && k > i && memcmp(usage, line + i, ul) == 0)
            return 1;
    }
    return 0;
}

/* The lines of ru as written: from its `rule`/`exclude` line to the next top-level key,
 * without the blank and comment lines before that key. */
static void show_written(const rule *ru)
{
    size_t n;
    int e = 0;
    char *buf = cli_read_file(ru->file, &n, &e);
    if (!buf) {
        char why[PM_STRERROR_MAX];
        printf("  (cannot read %s: %s)\n", ru->file, pm_strerror(e, why, sizeof why));
        return;
    }
    const char *s = buf, *end = buf + n;
    long line = 1, last = ru->line;
    const char *from = NULL, *upto = NULL;
    for (; s < end; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s)), *le = nl ? nl : end;
        if (line == ru->line)
            from = upto = s;
        else if (from && starts_top_key(s, (size_t)(le - s)))
            break;
        if (from) {
            const char *k = s;
            while (k < le && (*k == ' ' || *k == '\t' || *k == '\r'))
                k++;
            if (k < le && *k != '#') {
                upto = nl ? nl + 1 : end;
                last = line;
            }
        }
        s = nl ? nl + 1 : end;
    }
    for (line = ru->line, s = from; s && s < upto && line <= last; line++) {
        const char *nl = memchr(s, '\n', (size_t)(upto - s)), *le = nl ? nl : upto;
        printf("  %5ld | %.*s\n", line, (int)(le - s), s);
        s = nl ? nl + 1 : upto;
    }
    free(buf);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* rules show ID: the rule as written, then each part as expanded and compiled. */
static int rules_show(rules *r, const char *id)
{
    const rule *ru = NULL;
    size_t il = strlen(id), found = 0;
    for (size_t i = 0; i < rules_count(r); i++) {
        const rule *x = rules_at(r, i);
        size_t xl = strlen(x->id);
        if (strcmp(x->id, id) == 0) {
            ru = x;
            found = 1;
            break;
        }
        if (!strchr(id, '.') && xl > il && x->id[xl - il - 1] == '.' && strcmp(x->id + xl - il, id) == 0) {
            ru = x;
            found++;
        }
    }
    if (found != 1) {
        cli_errorf(found ? "rule id '%s' is in several packs: write PACK.%s" : "no rule '%s'%.0s", id, id);
        return EXIT_USAGE;
    }
    printf("rule %s (%s:%ld), %s\n", ru->id, ru->file, ru->line, ru->kind == RULE_EXCLUDE ? "exclude" : ru->role);
    printf("written:\n");
    show_written(ru);
    const char *parts[2] = {ru->pattern, ru->before};
    for (int k = 0; k < 2; k++) {
        if (!parts[k])
            continue;
        size_t size = rules_compiled_size(ru, k);
        printf("%s: %zu characters, compiled %zu bytes (%zu%% of %d)\n  %s\n", k ? "before" : "pattern",
               utf8_chars(parts[k]), size, size * 100 / RULES_COMPILED_MAX, RULES_COMPILED_MAX, parts[k]);
    }
    return EXIT_OK;
}

static void on_lint(void *ctx, const char *file, long line, const char *msg)
{
    (void)ctx;
    printf("%s:%ld: warning: %s\n", file, line, msg);
}

/* rules lint: one finding a line; exit 1 when there is any. */
static int rules_lint_cmd(rules *r)
{
    return rules_lint(r, on_lint, NULL) ? EXIT_INPUT : EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, argc, argv);
    const char *arg, *verb = NULL, *path = NULL;
    const char **rulepaths = xcalloc((size_t)argc, sizeof(char *));
    size_t nrules = 0;
    int id;
    while ((id = cli_next(&p, opts, &arg)) != -1) {
        if (id == -2) {
            free(rulepaths);
            return EXIT_USAGE;
        }
        if (id == OPT_RULES) {
            rulepaths[nrules++] = arg;
            continue;
        }
        if (id == OPT_HELP) {
            puts("usage: planmetrics rules test [PATH]                run the inline examples of rule files\n"
                 "       planmetrics rules list [--rules PATH] [PACK]  ids, categories and example counts\n"
                 "       planmetrics rules show [--rules PATH] ID      a rule as written, expanded and compiled\n"
                 "       planmetrics rules keys                        the keys a rule file may use\n"
                 "       planmetrics rules lint [--rules PATH]         unused defines, unknown unit words, oversized patterns\n"
                 "PATH is a rule file or a directory of *.rules (default: the bundled packs)\n");
            cli_print_options(stdout, opts);
            puts("\nexit codes: 0 every example passed, 1 some example failed, 2 usage or rule error");
            free(rulepaths);
            return EXIT_OK;
        }
        if (!verb)
            verb = arg;
        else if (!path)
            path = arg;
        else {
            cli_errorf("too many arguments");
            free(rulepaths);
            return EXIT_USAGE;
        }
    }
    if (verb && strcmp(verb, "keys") == 0 && !path && !nrules) {
        free(rulepaths);
        return rules_keys();
    }
    int is_show = verb && strcmp(verb, "show") == 0, is_lint = verb && strcmp(verb, "lint") == 0 && !path;
    if (!verb || (strcmp(verb, "test") != 0 && strcmp(verb, "list") != 0 && !(is_show && path) && !is_lint)) {
        cli_errorf("usage: planmetrics rules test [PATH] | rules list [--rules PATH] [PACK] | rules show [--rules PATH] ID"
                   " | rules keys | rules lint [--rules PATH]");
        free(rulepaths);
        return EXIT_USAGE;
    }
    int is_test = strcmp(verb, "test") == 0;
    if (is_test && path)
        rulepaths[nrules++] = path;
    rules *r = cli_load_rules(argv[0], rulepaths, nrules);
    free(rulepaths);
    if (!r)
        return EXIT_USAGE;
    int rc = is_test ? rules_test(r) : is_show ? rules_show(r, path) : is_lint ? rules_lint_cmd(r) : rules_list(r, path);
    rules_free(r);
    return rc;
}
