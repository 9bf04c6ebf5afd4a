/* cmd_summary.c: `planmetrics summary` - totals and distributions of extracted targets.
 * Reads extract CSVs (or standard input), writes one table atomically; bad input writes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "output/outfile.h"
#include "output/summary.h"

enum { OPT_BY = 1, OPT_ROLE, OPT_FORMAT, OPT_PIVOT, OPT_HIST, OPT_OUT, OPT_RULES, OPT_HELP };

static const cli_option opts[] = {
    {"by", 0, "FIELDS", "group by these columns (default city,category,unit; unit is always added)", OPT_BY},
    {"role", 0, "ROLE", "rows to count: target (default), actual, baseline or all", OPT_ROLE},
    {"format", 0, "FMT", "csv (default), md (aligned Markdown table) or json", OPT_FORMAT},
    {"pivot", 0, NULL, "sums as a wide table: first --by field x second, with totals", OPT_PIVOT},
    {"hist", 0, NULL, "log10 distribution per group: one row per decade", OPT_HIST},
    {"output", 'o', "OUT", "write to OUT (complete or not at all) instead of standard output", OPT_OUT},
    {"rules", 0, "PATH", "rule packs whose unit map says which units add up (repeatable)", OPT_RULES},
    {"help", 'h', NULL, "show this help", OPT_HELP},
    {0},
};

static const char help_head[] =
    "usage: planmetrics summary [OPTIONS] [CSV...]\n"
    "\n"
    "Summarise the CSV of 'planmetrics extract' (or standard input when no CSV or -):\n"
    "per group count,sum,mean,sd,min,p25,median,p75,max,docs,ranges. Columns are\n"
    "found by name; value, unit, role, file and the --by fields are required.\n"
    "Ranges (value_max set) count at their lower bound; 'ranges' says how many.\n"
    "sum is empty for % and units the rule packs mark as not additive, and for\n"
    "rows whose additive column says no (per head, per unit, size classes): those\n"
    "are a group of their own; no_sum says why a group has no sum. sd is\n"
    "empty for one row. --by period groups by the year a number is for.\n"
    "--hist bins are decades [lo,hi), the last one [lo,hi];\n"
    "values <= 0 are counted in a separate '<=0' bin.\n"
    "\n"
    "options:\n";
static const char help_tail[] =
    "\n"
    "exit codes: 0 ok, 1 bad input (nothing written), 2 usage or rule error,\n"
    "            3 output error, 130 interrupted\n";

int cmd_summary(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, argc, argv);
    const char **rulepaths = xcalloc((size_t)argc + 1, sizeof(char *));
    const char **files = xcalloc((size_t)argc + 1, sizeof(char *));
    const char **named = xcalloc((size_t)argc + 1, sizeof(char *));
    size_t nrules = 0, nfiles = 0, nnamed = 0;
    const char *out = NULL, *by = NULL, *role = NULL, *fmt = "csv", *arg;
    unsigned flags = 0;
    int id, rc = EXIT_OK, format;
    rules *r = NULL;
    summary *s = NULL;
    outfile *of = NULL;
    pm_error err;
    pm_error_clear(&err);
    while ((id = cli_next(&p, opts, &arg)) != -1) {
        switch (id) {
        case -2: rc = EXIT_USAGE; goto done;
        case 0: files[nfiles++] = arg; break;
        case OPT_BY: by = arg; break;
        case OPT_ROLE: role = arg; break;
        case OPT_FORMAT: fmt = arg; break;
        case OPT_PIVOT: flags |= SUMMARY_PIVOT; break;
        case OPT_HIST: flags |= SUMMARY_HIST; break;
        case OPT_OUT: out = arg; break;
        case OPT_RULES: rulepaths[nrules++] = arg; break;
        case OPT_HELP:
            fputs(help_head, stdout);
            cli_print_options(stdout, opts);
            fputs(help_tail, stdout);
            goto done;
        }
    }
    if ((format = cli_summary_format(fmt)) < 0) {
        rc = EXIT_USAGE;
        goto done;
    }
    if ((flags & SUMMARY_HIST) && (flags & SUMMARY_PIVOT)) {
        cli_errorf("--hist and --pivot cannot be combined");
        rc = EXIT_USAGE;
        goto done;
    }
    s = summary_create(by, role, &err);
    if (!s) {
        cli_error(&err);
        rc = EXIT_USAGE;
        goto done;
    }
    r = cli_load_rules(argv[0], rulepaths, nrules);
    if (!r) {
        rc = EXIT_USAGE;
        goto done;
    }
    summary_set_additive(s, cli_unit_additive, r);
    if (nfiles == 0)
        files[nfiles++] = "-";
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i], "-") != 0)
            named[nnamed++] = files[i];
    /* -o never replaces a rule file (or one it includes) either */
    size_t nrf = 0;
    while (rules_file(r, nrf))
        nrf++;
    named = xrealloc(named, ((size_t)argc + 1 + nrf) * sizeof *named);
    for (size_t i = 0; i < nrf; i++)
        named[nnamed++] = rules_file(r, i);
    cli_catch_signals(out && strcmp(out, "-") != 0);
    of = outfile_open(out, named, nnamed, &err);
    if (!of) {
        cli_error(&err);
        rc = err.code == PM_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        int std = strcmp(files[i], "-") == 0;
        FILE *in = std ? stdin : fopen(files[i], "rb");
        if (!in) {
            char why[PM_STRERROR_MAX];
            cli_errorf("%s: cannot read: %s", files[i], pm_strerror(errno, why, sizeof why));
            rc = EXIT_INPUT;
            goto done;
        }
        pm_error_clear(&err);
        int e = summary_read(s, in, std ? "<stdin>" : files[i], &err);
        if (!std)
            fclose(in);
        if (e != PM_OK) {
            cli_error(&err);
            rc = EXIT_INPUT;
            goto done;
        }
    }
    pm_error_clear(&err);
    if (summary_write(s, outfile_stream(of), format, flags, &err) != PM_OK) {
        if (err.code == PM_ERR_IO) /* where it could not write */
            cli_errorf("%s: %s", out && strcmp(out, "-") != 0 ? out : "standard output", err.msg);
        else
            cli_error(&err);
        rc = err.code == PM_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    if (outfile_commit(of, &err) != 0) {
        cli_error(&err);
        rc = EXIT_OUTPUT;
    }
    of = NULL;
done:
    outfile_abort(of);
    summary_free(s);
    rules_free(r);
    free(rulepaths);
    free(files);
    free(named);
    return rc;
}
