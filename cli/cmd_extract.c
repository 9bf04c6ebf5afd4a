/* cmd_extract.c: `planmetrics extract` - documents in, one CSV row per quantified target out.
 * Inputs that fail are reported by name and skipped; the output is written atomically. */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "cli/batch.h"
#include "cli/cli.h"
#include "cli/filelist.h"
#include "cli/manifest.h"
#include "extract/extract.h"
#include "output/csvout.h"
#include "output/outfile.h"
#include "output/summary.h"

enum {
    OPT_RULES = 1, OPT_OUT, OPT_CITY, OPT_YEAR, OPT_MANIFEST, OPT_BOM, OPT_NOHEADER, OPT_RAW,
    OPT_ENCODING, OPT_PACK, OPT_QUIET, OPT_RECURSE, OPT_GLOB, OPT_FILES_FROM, OPT_JOBS, OPT_TIMEOUT, OPT_SUMMARY, OPT_BY, OPT_FORMAT, OPT_PIVOT, OPT_HIST, OPT_HELP
};

static const cli_option opts[] = {
    {"rules", 0, "PATH", "rule file or directory of *.rules (repeatable; later ids override)", OPT_RULES},
    {"output", 'o', "OUT.csv", "write the CSV to OUT.csv (atomically) instead of standard output", OPT_OUT},
    {"pack", 0, "NAME", "plan-type packs: auto (default: chosen per document), all, or a list edu,gov", OPT_PACK},
    {"city", 0, "NAME", "city for every document (overrides the title and the manifest)", OPT_CITY},
    {"year", 0, "YYYY", "plan year for every document (overrides the title and the manifest)", OPT_YEAR},
    {"manifest", 0, "M.csv", "CSV with columns file,city,year for documents that do not say", OPT_MANIFEST},
    {"encoding", 0, "NAME", "input encoding (default: detect UTF-8/UTF-16/GB18030/Big5)", OPT_ENCODING},
    {"bom", 0, NULL, "start the CSV with a UTF-8 byte-order mark (for Excel)", OPT_BOM},
    {"no-header", 0, NULL, "no header row (for appending to an existing file)", OPT_NOHEADER},
    {"raw", 0, NULL, "do not neutralise cells that a spreadsheet would read as formulas", OPT_RAW},
    {"recursive", 'r', "DIR", "extract every file under DIR whose name matches --glob (repeatable)", OPT_RECURSE},
    {"glob", 0, "PATTERN", "file names -r takes (default *.txt)", OPT_GLOB},
    {"files-from", 0, "LIST", "read input paths from LIST, one per line (- for standard input)", OPT_FILES_FROM},
    {"jobs", 'j', "N", "documents extracted at once (default: the number of cores); output order is input order", OPT_JOBS},
    {"timeout", 0, "SECONDS", "give up a document after SECONDS (it counts as failed)", OPT_TIMEOUT},
    {"quiet", 'q', NULL, "no warnings and no progress bar, only errors", OPT_QUIET},
    {"summary", 0, NULL, "write the summary of the rows (see 'planmetrics summary') instead of the CSV", OPT_SUMMARY},
    {"by", 0, "FIELDS", "with --summary: group by these columns (default city,category,unit)", OPT_BY},
    {"format", 0, "FMT", "with --summary: csv (default), md or json", OPT_FORMAT},
    {"pivot", 0, NULL, "with --summary: sums as a wide table", OPT_PIVOT},
    {"hist", 0, NULL, "with --summary: log10 distribution per group", OPT_HIST},
    {"help", 'h', NULL, "show this help", OPT_HELP},
    {0},
};

static const char help_head[] =
    "usage: planmetrics extract [OPTIONS] FILE...\n"
    "\n"
    "Extract every quantified target of plan documents into CSV (UTF-8, RFC 4180).\n"
    "FILE may be - for standard input. Columns:\n"
    "  file,city,year,section,category,rule,subject,action,role,period,additive,\n"
    "  attribute,value,value_max,qualifier,unit,text,line,context\n"
    "role: target, actual (a reported result) or baseline; period: the year the number\n"
    "is for; additive: yes when summing it across rows means something (no for rates,\n"
    "per-head figures and size classes); attribute: binding (约束性) or expected (预期性)\n"
    "for a row of an indicator table (rule 'table'), else empty.\n"
    "\n"
    "options:\n";
static const char help_tail[] =
    "\n"
    "exit codes: 0 ok, 1 some inputs failed or were skipped (the rest is complete),\n"
    "            2 usage or rule error, 3 output error, 130 interrupted\n";

/* The manifest's city and year for a document whose options do not set them
 * (a batch_doc_fn; ctx: the manifest). */
static void manifest_opts(void *ctx, const char *path, extract_opts *o)
{
    const manifest_row *mr = manifest_find(ctx, path);
    if (mr && !o->city)
        o->city = mr->city;
    if (mr && !o->year)
        o->year = mr->year;
}

/* A directory -r skips (a filelist_warn_fn; ctx: the quiet flag). */
static void walk_warning(void *ctx, const char *path, const char *msg)
{
    if (!*(const int *)ctx)
        cli_errorf("%s: warning: %s", path, msg);
}

int cmd_extract(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, argc, argv);
    const char **rulepaths = xcalloc((size_t)argc, sizeof(char *));
    filelist files = {0};
    size_t nrules = 0;
    const char *out = NULL, *city = NULL, *year = NULL, *mpath = NULL, *encoding = NULL;
    const char *by = NULL, *fmt = NULL, *packs = NULL, *glob = "*.txt";
    const char **dirs = xcalloc((size_t)argc, sizeof(char *)), **lists = xcalloc((size_t)argc, sizeof(char *));
    size_t ndirs = 0, nlists = 0;
    unsigned flags = 0, sflags = 0;
    int header = 1, id, rc = EXIT_OK, want_summary = 0, format = SUMMARY_CSV, quiet = 0;
    long jobs = 0;
    double timeout = 0;
    const char *arg;
    char why[PM_STRERROR_MAX];
    rules *r = NULL;
    extractor *x = NULL;
    outfile *of = NULL;
    csvout *w = NULL;
    summary *sum = NULL;
    manifest mf = {0};
    while ((id = cli_next(&p, opts, &arg)) != -1) {
        char *end;
        switch (id) {
        case -2: rc = EXIT_USAGE; goto done;
        case 0: filelist_add(&files, arg); break;
        case OPT_RULES: rulepaths[nrules++] = arg; break;
        case OPT_OUT: out = arg; break;
        case OPT_CITY: city = arg; break;
        case OPT_YEAR: year = arg; break;
        case OPT_MANIFEST: mpath = arg; break;
        case OPT_ENCODING: encoding = arg; break;
        case OPT_PACK: packs = arg; break;
        case OPT_BOM: flags |= CSVOUT_BOM; break;
        case OPT_NOHEADER: header = 0; break;
        case OPT_RAW: flags |= CSVOUT_RAW; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_SUMMARY: want_summary = 1; break;
        case OPT_BY: by = arg; break;
        case OPT_FORMAT: fmt = arg; break;
        case OPT_PIVOT: sflags |= SUMMARY_PIVOT; break;
        case OPT_HIST: sflags |= SUMMARY_HIST; break;
        case OPT_RECURSE: dirs[ndirs++] = arg; break;
        case OPT_GLOB: glob = arg; break;
        case OPT_FILES_FROM: lists[nlists++] = arg; break;
        case OPT_JOBS:
            jobs = strtol(arg, &end, 10);
            if (*end || jobs < 1 || jobs > 256) {
                cli_errorf("-j needs a number of threads from 1 to 256, not '%s'", arg);
                rc = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_TIMEOUT:
            timeout = strtod(arg, &end);
            if (*end || timeout <= 0) {
                cli_errorf("--timeout needs a number of seconds, not '%s'", arg);
                rc = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_HELP:
            fputs(help_head, stdout);
            cli_print_options(stdout, opts);
            fputs(help_tail, stdout);
            goto done;
        }
    }
    for (size_t i = 0; i < ndirs; i++)
        if (filelist_walk(&files, dirs[i], glob, walk_warning, &quiet) != 0) {
            cli_errorf("%s: cannot read directory: %s", dirs[i], pm_strerror(errno, why, sizeof why));
            rc = EXIT_USAGE;
            goto done;
        }
    for (size_t i = 0; i < nlists; i++)
        if (filelist_read(&files, lists[i]) != 0) {
            cli_errorf("%s: cannot read file list: %s", lists[i], pm_strerror(errno, why, sizeof why));
            rc = EXIT_USAGE;
            goto done;
        }
    if (files.n == 0 && ndirs + nlists == 0) {
        cli_errorf("no input files (see 'planmetrics extract --help')");
        rc = EXIT_USAGE;
        goto done;
    }
    if (encoding && strcmp(encoding, "auto") != 0) {
        iconv_t cd = iconv_open("UTF-8", encoding);
        if (cd == (iconv_t)-1) {
            cli_errorf("unknown encoding '%s' (see 'iconv -l')", encoding);
            rc = EXIT_USAGE;
            goto done;
        }
        iconv_close(cd);
    }
    if (year && (strlen(year) != 4 || strspn(year, "0123456789") != 4)) {
        cli_errorf("--year needs a four-digit year, not '%s'", year);
        rc = EXIT_USAGE;
        goto done;
    }
    if ((by || fmt || sflags) && !want_summary) {
        cli_errorf("--by, --format, --pivot and --hist need --summary");
        rc = EXIT_USAGE;
        goto done;
    }
    if (fmt && (format = cli_summary_format(fmt)) < 0) {
        rc = EXIT_USAGE;
        goto done;
    }
    if (mpath && manifest_load(&mf, mpath) != 0) {
        rc = EXIT_USAGE;
        goto done;
    }
    x = cli_extractor(argv[0], rulepaths, nrules, packs, &r);
    if (!x) {
        rc = EXIT_USAGE;
        goto done;
    }
    pm_error err;
    pm_error_clear(&err);
    if (want_summary) {
        sum = summary_create(by, NULL, &err);
        if (!sum) {
            cli_error(&err);
            rc = EXIT_USAGE;
            goto done;
        }
        summary_set_additive(sum, cli_unit_additive, r);
    }
    cli_catch_signals(out && strcmp(out, "-") != 0);
    /* -o never replaces anything the run reads: documents, rule files and their includes,
     * manifest, file lists */
    size_t nin = 0, nrf = 0;
    while (rules_file(r, nrf))
        nrf++;
    const char **ins = xcalloc(files.n + nrf + nlists + 1, sizeof *ins);
    for (size_t i = 0; i < files.n; i++)
        ins[nin++] = files.v[i];
    for (size_t i = 0; i < nrf; i++)
        ins[nin++] = rules_file(r, i);
    for (size_t i = 0; i < nlists; i++)
        ins[nin++] = lists[i];
    if (mpath)
        ins[nin++] = mpath;
    of = outfile_open(out, ins, nin, &err);
    free(ins);
    if (!of) {
        cli_error(&err);
        rc = err.code == PM_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    w = csvout_create(outfile_stream(of), flags);
    if (!w) {
        cli_errorf("out of memory");
        rc = EXIT_OUTPUT;
        goto done;
    }
    unsigned char numeric[COL_COUNT] = {0};
    /* numbers, and the qualifier whose values are the fixed symbols = >= <= ~ */
    numeric[COL_VALUE] = numeric[COL_VALUE_MAX] = numeric[COL_LINE] = numeric[COL_YEAR] = 1;
    numeric[COL_QUALIFIER] = 1;
    csvout_set_numeric(w, numeric, COL_COUNT);
    /* the errno of a failed write, saved at the call (0: none) */
    errno = 0;
    int write_failed = header && !sum && csvout_row(w, extract_columns, NULL, COL_COUNT) != 0;
    if (write_failed)
        write_failed = errno ? errno : EIO;
    batch_job job = {.files = (const char *const *)files.v, .nfiles = files.n, .r = r, .packs = packs,
                     .spare = x, .doc_opts = manifest_opts, .doc_ctx = &mf, .w = w, .sum = sum,
                     .csvflags = flags & ~(unsigned)CSVOUT_BOM, .numeric = numeric, .jobs = (size_t)jobs,
                     .quiet = quiet};
    job.base = (extract_opts){.city = city, .year = year, .encoding = encoding, .max_seconds = timeout};
    if (!write_failed && files.n)
        rc = batch_run(&job, &write_failed);
    x = job.spare; /* NULL when a worker took it */
    if (write_failed) {
        cli_errorf("%s: cannot write: %s", out ? out : "standard output", pm_strerror(write_failed, why, sizeof why));
        outfile_abort(of);
        of = NULL;
        rc = EXIT_OUTPUT;
        goto done;
    }
    if (job.summary_failed) { /* an incomplete summary is never written: the rows were named */
        outfile_abort(of);
        of = NULL;
        goto done;
    }
    if (sum && summary_write(sum, outfile_stream(of), format, sflags, &err) != 0) {
        if (err.code == PM_ERR_IO) /* where it could not write */
            cli_errorf("%s: %s", out && strcmp(out, "-") != 0 ? out : "standard output", err.msg);
        else
            cli_error(&err);
        outfile_abort(of);
        of = NULL;
        rc = err.code == PM_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    csvout_free(w);
    w = NULL;
    if (outfile_commit(of, &err) != 0) {
        cli_error(&err);
        rc = EXIT_OUTPUT;
    }
    of = NULL;
done:
    summary_free(sum);
    csvout_free(w);
    outfile_abort(of);
    extractor_free(x);
    rules_free(r);
    manifest_free(&mf);
    filelist_free(&files);
    free(rulepaths);
    free(dirs);
    free(lists);
    return rc;
}
