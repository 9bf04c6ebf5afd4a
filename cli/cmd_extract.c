/* cmd_extract.c: `planmetrics extract` - documents in, one CSV row per quantified target out.
 * Inputs that fail are reported by name and skipped; the output is written atomically. */
#include <errno.h>
#include <iconv.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    {"jobs", 'j', "N", "worker threads (default: the number of cores); output order is input order", OPT_JOBS},
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

/* Where finished rows go, in input order: the CSV writer or the summary. */
typedef struct sink {
    csvout *w;
    summary *sum;  /* --summary: rows go here instead of w */
    int write_failed, summary_failed;
} sink;

static int sink_row(sink *s, const char *const *cell, const size_t *len)
{
    if (s->sum) {
        pm_error e;
        pm_error_clear(&e);
        if (summary_add(s->sum, extract_columns, cell, COL_COUNT, &e) != 0) {
            cli_error(&e);
            s->summary_failed = 1;
            return 1;
        }
        return 0;
    }
    if (csvout_row(s->w, cell, len, COL_COUNT) != 0) {
        s->write_failed = 1;
        return 1;
    }
    return 0;
}

static int quiet;

/* ---- batch: worker threads extract documents, the main thread writes them in order ---- */

/* One document's result, kept until its turn to be written. */
typedef struct docres {
    int formatted;  /* the rows are csv[0..csvlen) (csvout_take; NULL when none), not cells */
    char *csv;
    size_t csvlen;
    csvout *cw;     /* formats in memory; NULL: rows are kept as cells below */
    char *rows;     /* per row, COL_COUNT cells of (size_t len, bytes) */
    size_t rlen, rcap, nrows;
    char *msgs;     /* what to print on stderr, in order */
    size_t mlen;
    FILE *mf;       /* open_memstream over msgs */
    int failed;     /* the input failed or was skipped */
    int done;
    size_t bytes;
} docres;

typedef struct batch {
    const filelist *files;
    const rules *r;
    const char *packs;
    extract_opts base;
    const manifest *mf;
    int csv;                        /* rows become CSV on the workers (not --summary) */
    unsigned csvflags;              /* the writer's flags, without the byte-order mark */
    const unsigned char *numeric;   /* COL_COUNT flags: numeric columns */
    extractor *spare;               /* the caller's extractor, packs set: a worker takes
                                     * and frees it; what is left the caller frees */
    docres *slot;
    size_t window;    /* documents extracted ahead of the writer, at most */
    size_t next;      /* next document to take */
    size_t written;   /* documents written so far */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t space, ready;
} batch;

static int put_row(void *ctx, const pm_row *row)
{
    docres *d = ctx;
    if (d->cw) { /* formatted here, on the worker: the writer only copies bytes */
        if (csvout_row(d->cw, row->cell, row->len, COL_COUNT) != 0)
            return PM_ERR_NOMEM; /* in memory it fails only for memory */
        d->nrows++;
        return 0;
    }
    size_t need = 0;
    for (int i = 0; i < COL_COUNT; i++)
        need += sizeof(size_t) + row->len[i];
    if (d->rlen + need > d->rcap) {
        size_t nc = d->rcap ? d->rcap * 2 : 4096;
        while (nc < d->rlen + need)
            nc *= 2;
        char *nr = realloc(d->rows, nc);
        if (!nr)
            return PM_ERR_NOMEM;
        d->rows = nr;
        d->rcap = nc;
    }
    for (int i = 0; i < COL_COUNT; i++) {
        memcpy(d->rows + d->rlen, &row->len[i], sizeof(size_t));
        d->rlen += sizeof(size_t);
        memcpy(d->rows + d->rlen, row->cell[i], row->len[i]);
        d->rlen += row->len[i];
    }
    d->nrows++;
    return 0;
}

static void put_warning(void *ctx, const char *file, long line, const char *msg)
{
    docres *d = ctx;
    if (!quiet && d->mf)
        fprintf(d->mf, "planmetrics: %s:%ld: warning: %s\n", file, line, msg);
}

/* Extract document i into its slot (runs on a worker thread). */
static void run_doc(batch *b, extractor *x, size_t i, docres *d)
{
    const char *path = b->files->v[i];
    d->mf = open_memstream(&d->msgs, &d->mlen);
    size_t n;
    int e = 0;
    char *buf = cli_read_file(path, &n, &e);
    if (!buf) {
        if (d->mf)
            fprintf(d->mf, "planmetrics: %s: cannot read: %s\n", path, cli_strerror(e));
        d->failed = 1;
        return;
    }
    d->bytes = n;
    /* no memory for a csvout: the rows are kept as cells, written by the writer */
    if (b->csv && (d->cw = csvout_create_mem(b->csvflags)) != NULL)
        csvout_set_numeric(d->cw, b->numeric, COL_COUNT);
    extract_opts o = b->base;
    o.warn = put_warning;
    o.warn_ctx = d;
    const manifest_row *mr = manifest_find(b->mf, path);
    if (mr && !o.city)
        o.city = mr->city;
    if (mr && !o.year)
        o.year = mr->year;
    /* standard input is named <stdin> in the file column and in messages */
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    pm_error err;
    pm_error_clear(&err);
    int rc = extractor_run(x, name, buf, n, &o, put_row, d, &err);
    free(buf);
    if (rc != 0) {
        if (d->mf)
            pm_error_print(&err, d->mf);
        d->failed = 1;
    }
}

static void *worker(void *arg)
{
    batch *b = arg;
    pthread_mutex_lock(&b->mu); /* the caller's extractor goes to the first worker */
    extractor *x = b->spare;
    b->spare = NULL;
    pthread_mutex_unlock(&b->mu);
    if (!x && (x = extractor_create(b->r)) != NULL)
        extractor_set_packs(x, b->packs, NULL); /* validated by the caller */
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (!b->stop && b->next < b->files->n && b->next >= b->written + b->window)
            pthread_cond_wait(&b->space, &b->mu);
        if (b->stop || b->next >= b->files->n) {
            pthread_mutex_unlock(&b->mu);
            break;
        }
        size_t i = b->next++;
        pthread_mutex_unlock(&b->mu);
        docres *d = &b->slot[i % b->window];
        if (x)
            run_doc(b, x, i, d);
        else
            d->failed = 1;
        if (d->cw) { /* formatted: the bytes, even none, stand for the rows */
            d->csv = csvout_take(d->cw, &d->csvlen);
            d->formatted = 1;
        }
        csvout_free(d->cw);
        d->cw = NULL;
        if (d->mf) {
            fclose(d->mf);
            d->mf = NULL;
        }
        pthread_mutex_lock(&b->mu);
        d->done = 1;
        pthread_cond_broadcast(&b->ready);
        pthread_mutex_unlock(&b->mu);
    }
    extractor_free(x);
    return NULL;
}

/* Progress on a terminal: files done/total, MB, MB/s, ETA. */
typedef struct progress {
    int on;
    size_t total_files;
    double total_mb, done_mb;
    struct timespec t0;
} progress;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_show(progress *p, size_t done)
{
    if (!p->on)
        return;
    double s = since(&p->t0), rate = s > 0 ? p->done_mb / s : 0;
    double eta = rate > 0 ? (p->total_mb - p->done_mb) / rate : 0;
    fprintf(stderr, "\r%zu/%zu files  %.1f/%.1f MB  %.1f MB/s  ETA %.0fs ", done, p->total_files, p->done_mb,
            p->total_mb, rate, eta);
    if (done == p->total_files)
        fputs("\n", stderr);
}

/* Run the batch on `jobs` threads; write each document's rows in input order.
 * Returns EXIT_OK or EXIT_INPUT; sets s->write_failed on an output error. */
static int run_batch(batch *b, size_t jobs, sink *s, progress *pg)
{
    int rc = EXIT_OK;
    b->window = jobs * 4;
    b->slot = calloc(b->window, sizeof(docres));
    pthread_t *t = calloc(jobs, sizeof(pthread_t));
    if (!b->slot || !t) {
        free(b->slot);
        free(t);
        cli_errorf("out of memory");
        return EXIT_INPUT;
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->space, NULL);
    pthread_cond_init(&b->ready, NULL);
    size_t started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&t[started], NULL, worker, b) != 0)
            break;
    if (started == 0) {
        cli_errorf("cannot start worker threads");
        b->stop = 1;
        rc = EXIT_INPUT;
    }
    for (size_t i = 0; i < b->files->n && !b->stop; i++) {
        docres *d = &b->slot[i % b->window];
        pthread_mutex_lock(&b->mu);
        while (!d->done)
            pthread_cond_wait(&b->ready, &b->mu);
        pthread_mutex_unlock(&b->mu);
        if (d->msgs && d->mlen) {
            if (pg->on)
                fputs("\r\033[K", stderr);
            fwrite(d->msgs, 1, d->mlen, stderr);
        }
        if (d->failed)
            rc = EXIT_INPUT;
        if (d->formatted && !s->write_failed && csvout_rows_raw(s->w, d->csv, d->csvlen, d->nrows) != 0)
            s->write_failed = 1;
        const char *p = d->rows;
        for (size_t k = 0; !d->formatted && k < d->nrows && !s->write_failed && !s->summary_failed; k++) {
            const char *cell[COL_COUNT];
            size_t len[COL_COUNT];
            for (int c = 0; c < COL_COUNT; c++) {
                memcpy(&len[c], p, sizeof(size_t));
                p += sizeof(size_t);
                cell[c] = p;
                p += len[c];
            }
            /* cells are not NUL-terminated here: the sink takes lengths, the summary copies */
            char *tmp[COL_COUNT] = {0};
            if (s->sum) {
                for (int c = 0; c < COL_COUNT; c++) {
                    tmp[c] = strndup(cell[c], len[c]);
                    cell[c] = tmp[c] ? tmp[c] : "";
                }
            }
            sink_row(s, cell, len);
            for (int c = 0; c < COL_COUNT; c++)
                free(tmp[c]);
        }
        pg->done_mb += (double)d->bytes / 1e6;
        progress_show(pg, i + 1);
        free(d->rows);
        free(d->csv);
        free(d->msgs);
        memset(d, 0, sizeof *d);
        pthread_mutex_lock(&b->mu);
        b->written++;
        if (s->write_failed || s->summary_failed)
            b->stop = 1;
        pthread_cond_broadcast(&b->space);
        pthread_mutex_unlock(&b->mu);
    }
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_broadcast(&b->space);
    pthread_mutex_unlock(&b->mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < b->window; i++) {
        free(b->slot[i].rows);
        free(b->slot[i].csv);
        if (b->slot[i].mf)
            fclose(b->slot[i].mf);
        free(b->slot[i].msgs);
    }
    free(b->slot);
    free(t);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->space);
    pthread_cond_destroy(&b->ready);
    if (s->summary_failed)
        rc = EXIT_INPUT;
    return rc;
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
    filelist files = {0};
    size_t nrules = 0;
    const char *out = NULL, *city = NULL, *year = NULL, *mpath = NULL, *encoding = NULL;
    const char *by = NULL, *fmt = NULL, *packs = NULL, *glob = "*.txt";
    const char **dirs = calloc((size_t)argc, sizeof(char *)), **lists = calloc((size_t)argc, sizeof(char *));
    size_t ndirs = 0, nlists = 0;
    unsigned flags = 0, sflags = 0;
    int header = 1, id, rc = EXIT_OK, want_summary = 0, format = SUMMARY_CSV, show_progress = 1;
    long jobs = 0;
    double timeout = 0;
    const char *arg;
    rules *r = NULL;
    extractor *x = NULL;
    outfile *of = NULL;
    csvout *w = NULL;
    summary *sum = NULL;
    manifest mf = {0};
    if (!rulepaths || !dirs || !lists) {
        cli_errorf("out of memory");
        rc = EXIT_USAGE;
        goto done;
    }
    while ((id = cli_next(&p, opts, &arg)) != -1) {
        char *end;
        switch (id) {
        case -2: rc = EXIT_USAGE; goto done;
        case 0:
            if (filelist_add(&files, arg) != 0) {
                cli_errorf("out of memory");
                rc = EXIT_USAGE;
                goto done;
            }
            break;
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
        case OPT_QUIET: quiet = 1; show_progress = 0; break;
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
        if (filelist_walk(&files, dirs[i], glob) != 0) {
            cli_errorf("%s: cannot read directory: %s", dirs[i], cli_strerror(errno));
            rc = EXIT_USAGE;
            goto done;
        }
    for (size_t i = 0; i < nlists; i++)
        if (filelist_read(&files, lists[i]) != 0) {
            cli_errorf("%s: cannot read file list: %s", lists[i], cli_strerror(errno));
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
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    of = outfile_open(out, (const char *const *)files.v, files.n, &err);
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
    sink s = {w, sum, 0, 0};
    if (header && !sum && csvout_row(w, extract_columns, NULL, COL_COUNT) != 0)
        s.write_failed = 1;

    progress pg = {0};
    pg.on = show_progress && isatty(STDERR_FILENO) && !getenv("CI");
    if (pg.on) {
        pg.total_files = files.n;
        for (size_t i = 0; i < files.n; i++) {
            struct stat st;
            if (stat(files.v[i], &st) == 0)
                pg.total_mb += (double)st.st_size / 1e6;
        }
        clock_gettime(CLOCK_MONOTONIC, &pg.t0);
    }
    if (jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? n : 1;
    }
    if ((size_t)jobs > files.n && files.n > 0)
        jobs = (long)files.n;
    batch b = {.files = &files, .r = r, .packs = packs, .mf = &mf, .csv = !sum, .csvflags = flags & ~(unsigned)CSVOUT_BOM,
               .numeric = numeric, .spare = x};
    b.base = (extract_opts){.city = city, .year = year, .encoding = encoding, .max_seconds = timeout};
    if (!s.write_failed && files.n)
        rc = run_batch(&b, (size_t)jobs, &s, &pg);
    x = b.spare; /* NULL when a worker took it */
    if (s.write_failed) {
        cli_errorf("%s: cannot write: %s", out ? out : "standard output", cli_strerror(errno ? errno : EIO));
        outfile_abort(of);
        of = NULL;
        rc = EXIT_OUTPUT;
        goto done;
    }
    if (sum && summary_write(sum, outfile_stream(of), format, sflags, &err) != 0) {
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
