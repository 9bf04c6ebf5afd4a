/* cmd_rules.c: `planmetrics rules test|list|keys` - tools for rule authors.
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
                 "       planmetrics rules keys                        the keys a rule file may use\n"
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
    if (!verb || (strcmp(verb, "test") != 0 && strcmp(verb, "list") != 0)) {
        cli_errorf("usage: planmetrics rules test [PATH] | rules list [--rules PATH] [PACK] | rules keys");
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
    int rc = is_test ? rules_test(r) : rules_list(r, path);
    rules_free(r);
    return rc;
}
