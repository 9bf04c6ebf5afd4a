/* main.c: the planmetrics command - dispatches to the subcommands.
 * Only cli/ prints and chooses exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: planmetrics COMMAND [OPTIONS] ...\n"
    "\n"
    "Turns Chinese government plan documents into a dataset of quantified targets.\n"
    "\n"
    "commands:\n"
    "  extract FILE...     one CSV row per quantified target (see 'planmetrics extract --help')\n"
    "  summary [CSV...]    totals and distributions by city, category and unit\n"
    "  explain FILE        the document with every target, exclusion and untaken number marked\n"
    "  rules test [PATH]   run every inline example of the rule packs\n"
    "  rules list [PACK]   list rules: ids, categories, example counts\n"
    "  rules lint          unused defines, unit words without a unit line, oversized patterns\n"
    "\n"
    "exit codes: 0 ok, 1 some inputs failed or were skipped (the rest is complete),\n"
    "            2 usage or rule error, 3 output error, 130 interrupted\n";

/* Out of memory is not recoverable for a command-line tool (jq and git agree): say so with
 * one write (no stdio, which may itself allocate) and abort. */
static void out_of_memory(size_t wanted)
{
    (void)wanted;
    static const char msg[] = "planmetrics: out of memory\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    abort();
}

static int run(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("planmetrics 0.1");
        return EXIT_OK;
    }
    if (strcmp(argv[1], "extract") == 0)
        return cmd_extract(argc - 1, argv + 1);
    if (strcmp(argv[1], "summary") == 0)
        return cmd_summary(argc - 1, argv + 1);
    if (strcmp(argv[1], "explain") == 0)
        return cmd_explain(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    cli_errorf("unknown command '%s' (see --help)", argv[1]);
    return EXIT_USAGE;
}

/* Every command's output reaches stdout through stdio: what could not be written (a full
 * disk, /dev/full) is found here, once, and is exit 3 whatever the command said. */
int main(int argc, char **argv)
{
    mem_on_fail(out_of_memory);
    int rc = run(argc, argv);
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc != EXIT_OUTPUT) {
        char why[PM_STRERROR_MAX];
        cli_errorf("standard output: cannot write: %s", pm_strerror(errno ? errno : EIO, why, sizeof why));
        rc = EXIT_OUTPUT;
    }
    return rc;
}
