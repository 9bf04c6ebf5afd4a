/* cmd_extract.c: `planmetrics extract` - documents in, one CSV row per quantified target out.
 * Inputs that fail are reported by name and skipped; the output is written atomically. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <csv.h>

#include "cli/cli.h"
#include "extract/extract.h"
#include "output/csvout.h"
#include "output/outfile.h"
#include "output/summary.h"

enum {
    OPT_RULES = 1, OPT_OUT, OPT_CITY, OPT_YEAR, OPT_MANIFEST, OPT_BOM, OPT_NOHEADER, OPT_RAW,
    OPT_ENCODING, OPT_PACK, OPT_QUIET, OPT_SUMMARY, OPT_BY, OPT_FORMAT, OPT_PIVOT, OPT_HIST, OPT_HELP
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
    {"quiet", 'q', NULL, "no warnings, only errors", OPT_QUIET},
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
    "  file,city,year,section,category,rule,subject,action,role,value,value_max,\n"
    "  qualifier,unit,text,line,context\n"
    "\n"
    "options:\n";
static const char help_tail[] =
    "\n"
    "exit codes: 0 ok, 1 some inputs failed or were skipped (the rest is complete),\n"
    "            2 usage or rule error, 3 output error, 130 interrupted\n";

/* file -> city/year from --manifest */
typedef struct manifest_row {
    char *file, *city, *year;
} manifest_row;

typedef struct manifest {
    manifest_row *rows;
    size_t n, cap;
    char *cell[3];
    int col;
    long line;
    int bad;
} manifest;

static void mf_field(void *s, size_t len, void *data)
{
    manifest *m = data;
    if (m->col < 3) {
        free(m->cell[m->col]);
        m->cell[m->col] = malloc(len + 1);
        if (m->cell[m->col]) {
            memcpy(m->cell[m->col], s, len);
            m->cell[m->col][len] = '\0';
        }
    }
    m->col++;
}

static void mf_row(int c, void *data)
{
    (void)c;
    manifest *m = data;
    m->line++;
    if (m->line > 1 || (m->cell[0] && strcmp(m->cell[0], "file") != 0)) {
        if (m->col < 3 || !m->cell[0] || !m->cell[1] || !m->cell[2]) {
            m->bad = m->bad ? m->bad : (int)m->line;
        } else if (m->n < m->cap || (m->rows = realloc(m->rows, (m->cap = m->cap * 2 + 16) * sizeof *m->rows))) {
            m->rows[m->n++] = (manifest_row){m->cell[0], m->cell[1], m->cell[2]};
            m->cell[0] = m->cell[1] = m->cell[2] = NULL;
        }
    }
    for (int i = 0; i < 3; i++) {
        free(m->cell[i]);
        m->cell[i] = NULL;
    }
    m->col = 0;
}

static void manifest_free(manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->rows[i].file);
        free(m->rows[i].city);
        free(m->rows[i].year);
    }
    free(m->rows);
    for (int i = 0; i < 3; i++)
        free(m->cell[i]);
}

static int manifest_load(manifest *m, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        cli_errorf("%s: cannot read manifest: %s", path, cli_strerror(errno));
        return -1;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char buf[65536];
    size_t got;
    int rc = 0;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        if (csv_parse(&p, buf, got, mf_field, mf_row, m) != got) {
            rc = -1;
            break;
        }
    csv_fini(&p, mf_field, mf_row, m);
    csv_free(&p);
    fclose(fp);
    if (rc || m->bad) {
        cli_errorf("%s:%ld: manifest rows need three columns file,city,year", path, rc ? m->line + 1 : (long)m->bad);
        return -1;
    }
    return 0;
}

static const manifest_row *manifest_find(const manifest *m, const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->rows[i].file, file) == 0)
            return &m->rows[i];
    for (size_t i = 0; i < m->n; i++) {
        const char *mb = strrchr(m->rows[i].file, '/');
        if (strcmp(mb ? mb + 1 : m->rows[i].file, base) == 0)
            return &m->rows[i];
    }
    return NULL;
}

/* Read a whole file (or stdin for "-"). */
static char *slurp(const char *path, size_t *n, int *err)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        *err = errno;
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap) {
            if (ferror(fp)) {
                *err = errno ? errno : EIO;
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            *err = ENOMEM;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (fp != stdin)
        fclose(fp);
    *n = len;
    return buf;
}

typedef struct sink {
    csvout *w;
    summary *sum;  /* --summary: rows go here instead of w */
    int write_failed;
} sink;

static int on_row(void *ctx, const pm_row *row)
{
    sink *s = ctx;
    if (s->sum) {
        pm_error e;
        pm_error_clear(&e);
        if (summary_add(s->sum, extract_columns, row->cell, COL_COUNT, &e) != 0) {
            cli_error(&e);
            return 1;
        }
        return 0;
    }
    if (csvout_row(s->w, row->cell, row->len, COL_COUNT) != 0) {
        s->write_failed = 1;
        return 1;
    }
    return 0;
}

static int quiet;
static void on_warn(void *ctx, const char *file, long line, const char *msg)
{
    (void)ctx;
    if (!quiet)
        fprintf(stderr, "planmetrics: %s:%ld: warning: %s\n", file, line, msg);
}

static int additive(void *ctx, const char *unit)
{
    return rules_unit_additive(ctx, unit);
}

static void on_signal(int sig)
{
    (void)sig;
    outfile_abort_all_signal();
    _exit(EXIT_SIGNAL);
}

int cmd_extract(int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, argc, argv);
    const char **rulepaths = calloc((size_t)argc, sizeof(char *));
    const char **files = calloc((size_t)argc, sizeof(char *));
    size_t nrules = 0, nfiles = 0;
    const char *out = NULL, *city = NULL, *year = NULL, *mpath = NULL, *encoding = NULL;
    unsigned flags = 0, sflags = 0;
    int header = 1, id, rc = EXIT_OK, want_summary = 0, format = SUMMARY_CSV;
    const char *by = NULL, *fmt = NULL, *packs = NULL;
    summary *sum = NULL;
    const char *arg;
    rules *r = NULL;
    extractor *x = NULL;
    outfile *of = NULL;
    csvout *w = NULL;
    manifest mf = {0};
    if (!rulepaths || !files) {
        cli_errorf("out of memory");
        rc = EXIT_USAGE;
        goto done;
    }
    while ((id = cli_next(&p, opts, &arg)) != -1) {
        switch (id) {
        case -2: rc = EXIT_USAGE; goto done;
        case 0: files[nfiles++] = arg; break;
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
        case OPT_HELP:
            fputs(help_head, stdout);
            cli_print_options(stdout, opts);
            fputs(help_tail, stdout);
            goto done;
        }
    }
    if (nfiles == 0) {
        cli_errorf("no input files (see 'planmetrics extract --help')");
        rc = EXIT_USAGE;
        goto done;
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
    if (fmt && strcmp(fmt, "csv") != 0 && strcmp(fmt, "md") != 0 && strcmp(fmt, "json") != 0) {
        cli_errorf("unknown format '%s' (csv, md or json)", fmt);
        rc = EXIT_USAGE;
        goto done;
    }
    if (fmt)
        format = strcmp(fmt, "md") == 0 ? SUMMARY_MD : strcmp(fmt, "json") == 0 ? SUMMARY_JSON : SUMMARY_CSV;
    if (mpath && manifest_load(&mf, mpath) != 0) {
        rc = EXIT_USAGE;
        goto done;
    }
    r = cli_load_rules(argv[0], rulepaths, nrules);
    if (!r) {
        rc = EXIT_USAGE;
        goto done;
    }
    x = extractor_create(r);
    if (!x) {
        cli_errorf("out of memory");
        rc = EXIT_USAGE;
        goto done;
    }
    pm_error err;
    pm_error_clear(&err);
    if (extractor_set_packs(x, packs, &err) != 0) {
        cli_error(&err);
        rc = EXIT_USAGE;
        goto done;
    }
    if (want_summary) {
        sum = summary_create(by, NULL, &err);
        if (!sum) {
            cli_error(&err);
            rc = EXIT_USAGE;
            goto done;
        }
        summary_set_additive(sum, additive, r);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    of = outfile_open(out, files, nfiles, &err);
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
    sink s = {w, sum, 0};
    if (header && !sum && csvout_row(w, extract_columns, NULL, COL_COUNT) != 0)
        s.write_failed = 1;
    for (size_t i = 0; i < nfiles && !s.write_failed; i++) {
        size_t n;
        int e = 0;
        char *buf = slurp(files[i], &n, &e);
        if (!buf) {
            cli_errorf("%s: cannot read: %s", files[i], cli_strerror(e));
            rc = EXIT_INPUT;
            continue;
        }
        extract_opts o = {city, year, encoding, on_warn, NULL};
        const manifest_row *mr = manifest_find(&mf, files[i]);
        if (mr && !city)
            o.city = mr->city;
        if (mr && !year)
            o.year = mr->year;
        pm_error_clear(&err);
        /* standard input is named <stdin> in the file column and in messages */
        const char *name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
        int xr = extractor_run(x, name, buf, n, &o, on_row, &s, &err);
        free(buf);
        if (xr == 1 && sum) { /* a row the summary refused: already reported */
            rc = EXIT_INPUT;
        } else if (xr != 0 && !s.write_failed) {
            cli_error(&err);
            rc = EXIT_INPUT;
        }
    }
    if (sum && !s.write_failed && summary_write(sum, outfile_stream(of), format, sflags, &err) != 0) {
        cli_error(&err);
        outfile_abort(of);
        of = NULL;
        rc = err.code == PM_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    if (s.write_failed) {
        cli_errorf("%s: cannot write: %s", out ? out : "standard output", cli_strerror(errno ? errno : EIO));
        outfile_abort(of);
        of = NULL;
        rc = EXIT_OUTPUT;
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
    free(rulepaths);
    free(files);
    return rc;
}
