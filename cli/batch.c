/* batch.c: runs `extract` over its documents - workers fill slots that the main thread writes in
 * input order (an ordered writer, with the progress bar); one job runs on the main thread alone. */
#include "cli/batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/strbuf.h"
#include "cli/cli.h"

/* Where finished rows go, in input order: the CSV writer or the summary. */
typedef struct sink {
    csvout *w;
    summary *sum;  /* --summary: rows go here instead of w */
    int write_failed, summary_failed;
    int write_errno;  /* errno of the write that failed, saved at once */
} sink;

/* Note a failed write to the writer and its reason, before anything else can change errno. */
static void sink_write_failed(sink *s)
{
    s->write_errno = errno ? errno : EIO;
    s->write_failed = 1;
}

static int sink_row(sink *s, const char *const *cell, const size_t *len)
{
    if (s->sum) {
        pm_error e;
        pm_error_clear(&e);
        if (summary_add(s->sum, extract_columns, cell, COL_COUNT, &e) != 0) {
            /* the row's own place: the document and line it came from */
            char ln[24];
            snprintf(e.file, sizeof e.file, "%.*s", (int)len[COL_FILE], cell[COL_FILE]);
            snprintf(ln, sizeof ln, "%.*s", (int)len[COL_LINE], cell[COL_LINE]);
            e.line = strtol(ln, NULL, 10);
            e.column = 0;
            e.source[0] = '\0';
            cli_error(&e);
            s->summary_failed = 1;
        }
        return 0; /* the other rows are still told of, but no summary is written */
    }
    errno = 0;
    if (csvout_row(s->w, cell, len, COL_COUNT) != 0) {
        sink_write_failed(s);
        return 1;
    }
    return 0;
}

/* One document's result, kept until its turn to be written. */
typedef struct docres {
    int formatted;  /* the rows are csv[0..csvlen) (csvout_take; NULL when none), not cells */
    char *csv;
    size_t csvlen;
    csvout *cw;     /* formats in memory; NULL: rows are kept as cells below */
    strbuf rows;    /* per row, COL_COUNT cells of (size_t len, bytes) */
    size_t nrows;
    char *msgs;     /* what to print on stderr, in order */
    size_t mlen;
    FILE *mf;       /* open_memstream over msgs */
    int failed;     /* the input failed or was skipped */
    int done;
    size_t bytes;
    int quiet;      /* the batch's: no warnings */
} docres;

typedef struct batch {
    const batch_job *job;
    extractor *spare;               /* the caller's extractor: the first worker takes it */
    docres *slot;
    size_t window;    /* documents extracted ahead of the writer, at most */
    size_t next;      /* next document to take */
    size_t written;   /* documents written so far */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t space, ready;
} batch;

static void docres_init(docres *d, int quiet)
{
    memset(d, 0, sizeof *d);
    strbuf_init(&d->rows);
    d->quiet = quiet;
}

static int put_row(void *ctx, const pm_row *row)
{
    docres *d = ctx;
    if (d->cw) { /* formatted here, where the document is extracted: the writer only copies bytes */
        if (csvout_row(d->cw, row->cell, row->len, COL_COUNT) != 0)
            return PM_ERR_NOMEM; /* in memory it fails only for memory */
        d->nrows++;
        return 0;
    }
    for (int i = 0; i < COL_COUNT; i++) {
        strbuf_add(&d->rows, &row->len[i], sizeof(size_t));
        strbuf_add(&d->rows, row->cell[i], row->len[i]);
    }
    d->nrows++;
    return 0;
}

static void put_warning(void *ctx, const char *file, long line, const char *msg)
{
    docres *d = ctx;
    if (!d->quiet && d->mf)
        fprintf(d->mf, "planmetrics: %s:%ld: warning: %s\n", file, line, msg);
}

/* Extract document i into its slot (on a worker thread, or on the calling one for one job). */
static void run_doc(const batch_job *job, extractor *x, size_t i, docres *d)
{
    const char *path = job->files[i];
    d->mf = open_memstream(&d->msgs, &d->mlen);
    size_t n;
    int e = 0;
    char *buf = cli_read_file(path, &n, &e);
    if (!buf) {
        if (d->mf)
            cli_read_error(d->mf, path, e);
        d->failed = 1;
        return;
    }
    d->bytes = n;
    /* no csvout in memory: the rows are kept as cells, written by the writer */
    if (!job->sum && (d->cw = csvout_create_mem(job->csvflags)) != NULL)
        csvout_set_numeric(d->cw, job->numeric, COL_COUNT);
    extract_opts o = job->base;
    o.warn = put_warning;
    o.warn_ctx = d;
    if (job->doc_opts)
        job->doc_opts(job->doc_ctx, path, &o);
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

/* Document i into slot d, ready to be written: its rows formatted (or kept as cells), its
 * messages closed. x NULL (no extractor could be made): the document fails. */
static void extract_doc(const batch_job *job, extractor *x, size_t i, docres *d)
{
    if (x)
        run_doc(job, x, i, d);
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
}

static void *worker(void *arg)
{
    batch *b = arg;
    const batch_job *job = b->job;
    pthread_mutex_lock(&b->mu); /* the caller's extractor goes to the first worker */
    extractor *x = b->spare;
    b->spare = NULL;
    pthread_mutex_unlock(&b->mu);
    if (!x && (x = extractor_create(job->r)) != NULL)
        extractor_set_packs(x, job->packs, NULL); /* validated by the caller */
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (!b->stop && b->next < job->nfiles && b->next >= b->written + b->window)
            pthread_cond_wait(&b->space, &b->mu);
        if (b->stop || b->next >= job->nfiles) {
            pthread_mutex_unlock(&b->mu);
            break;
        }
        size_t i = b->next++;
        pthread_mutex_unlock(&b->mu);
        docres *d = &b->slot[i % b->window];
        extract_doc(job, x, i, d);
        pthread_mutex_lock(&b->mu);
        d->done = 1;
        pthread_cond_broadcast(&b->ready);
        pthread_mutex_unlock(&b->mu);
    }
    extractor_free(x);
    return NULL;
}

/* ---- progress bar ---------------------------------------------------------- */

/* Progress on a terminal: files done/total, MB, MB/s, ETA. */
typedef struct progress {
    int on;
    size_t total_files;
    double total_mb, done_mb;
    struct timespec t0;
} progress;

static void progress_start(progress *p, const batch_job *job)
{
    memset(p, 0, sizeof *p);
    p->on = !job->quiet && isatty(STDERR_FILENO) && !getenv("CI");
    if (!p->on)
        return;
    p->total_files = job->nfiles;
    for (size_t i = 0; i < job->nfiles; i++) {
        struct stat st;
        if (stat(job->files[i], &st) == 0)
            p->total_mb += (double)st.st_size / 1e6;
    }
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

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

/* ---- the ordered writer ------------------------------------------------------ */

/* Write slot d's messages and rows (document i of the batch). */
static void write_doc(docres *d, sink *s, const progress *pg)
{
    if (d->msgs && d->mlen) {
        if (pg->on)
            fputs("\r\033[K", stderr);
        fwrite(d->msgs, 1, d->mlen, stderr);
    }
    errno = 0;
    if (d->formatted && !s->write_failed && csvout_rows_raw(s->w, d->csv, d->csvlen, d->nrows) != 0)
        sink_write_failed(s);
    const char *p = d->rows.buf;
    for (size_t k = 0; !d->formatted && k < d->nrows && !s->write_failed; k++) {
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
            for (int c = 0; c < COL_COUNT; c++)
                cell[c] = tmp[c] = xstrndup(cell[c], len[c]);
        }
        sink_row(s, cell, len);
        for (int c = 0; c < COL_COUNT; c++)
            free(tmp[c]);
    }
}

static void docres_release(docres *d)
{
    strbuf_release(&d->rows);
    free(d->csv);
    if (d->mf)
        fclose(d->mf);
    free(d->msgs);
}

/* One job: each document extracted, then written, on the calling thread - no hand-off
 * between threads, the same bytes as a worker's. The caller's extractor stays the caller's. */
static int run_inline(const batch_job *job, sink *s, progress *pg)
{
    int rc = EXIT_OK;
    extractor *own = NULL, *x = job->spare;
    if (!x && (x = own = extractor_create(job->r)) != NULL)
        extractor_set_packs(x, job->packs, NULL); /* validated by the caller */
    for (size_t i = 0; i < job->nfiles && !s->write_failed; i++) {
        docres d;
        docres_init(&d, job->quiet);
        extract_doc(job, x, i, &d);
        if (d.failed)
            rc = EXIT_INPUT;
        write_doc(&d, s, pg);
        pg->done_mb += (double)d.bytes / 1e6;
        progress_show(pg, i + 1);
        docres_release(&d);
    }
    extractor_free(own);
    return rc;
}

/* Several jobs: workers extract ahead of the writer (this thread), which writes the
 * documents in input order. */
static int run_threads(batch_job *job, size_t jobs, sink *s, progress *pg)
{
    int rc = EXIT_OK;
    batch b = {.job = job, .spare = job->spare};
    b.window = jobs * 4;
    b.slot = xcalloc(b.window, sizeof(docres));
    for (size_t i = 0; i < b.window; i++)
        docres_init(&b.slot[i], job->quiet);
    pthread_t *t = xcalloc(jobs, sizeof(pthread_t));
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.space, NULL);
    pthread_cond_init(&b.ready, NULL);
    size_t started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&t[started], NULL, worker, &b) != 0)
            break;
    if (started == 0) {
        cli_errorf("cannot start worker threads");
        b.stop = 1;
        rc = EXIT_INPUT;
    }
    for (size_t i = 0; i < job->nfiles && !b.stop; i++) {
        docres *d = &b.slot[i % b.window];
        pthread_mutex_lock(&b.mu);
        while (!d->done)
            pthread_cond_wait(&b.ready, &b.mu);
        pthread_mutex_unlock(&b.mu);
        if (d->failed)
            rc = EXIT_INPUT;
        write_doc(d, s, pg);
        pg->done_mb += (double)d->bytes / 1e6;
        progress_show(pg, i + 1);
        docres_release(d);
        docres_init(d, job->quiet);
        pthread_mutex_lock(&b.mu);
        b.written++;
        if (s->write_failed)
            b.stop = 1;
        pthread_cond_broadcast(&b.space);
        pthread_mutex_unlock(&b.mu);
    }
    pthread_mutex_lock(&b.mu);
    b.stop = 1;
    pthread_cond_broadcast(&b.space);
    pthread_mutex_unlock(&b.mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < b.window; i++)
        docres_release(&b.slot[i]);
    free(b.slot);
    free(t);
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.space);
    pthread_cond_destroy(&b.ready);
    job->spare = b.spare; /* NULL when a worker took it */
    return rc;
}

int batch_run(batch_job *job, int *write_failed)
{
    size_t jobs = job->jobs;
    if (jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (size_t)n : 1;
    }
    if (jobs > job->nfiles && job->nfiles > 0)
        jobs = job->nfiles;
    sink s = {job->w, job->sum, 0, 0, 0};
    progress pg;
    progress_start(&pg, job);
    int rc = jobs == 1 ? run_inline(job, &s, &pg) : run_threads(job, jobs, &s, &pg);
    *write_failed = s.write_failed ? s.write_errno : 0;
    job->summary_failed = s.summary_failed;
    if (s.summary_failed)
        rc = EXIT_INPUT;
    return rc;
}
