/* batch.h: documents extracted on worker threads (one job: on the calling thread), their rows
 * and messages handed to one writer (a CSV writer or a summary) in input order. */
#ifndef PM_BATCH_H
#define PM_BATCH_H

#include <stddef.h>

#include "extract/extract.h"
#include "output/csvout.h"
#include "output/summary.h"

/* Options for one document: called where it is extracted with a copy of the batch's base
 * options, to fill in what depends on the path (the manifest's city and year). It must
 * only read shared state. */
typedef void batch_doc_fn(void *ctx, const char *path, extract_opts *o);

/* What to run. The batch borrows everything; nothing here is freed by it but spare, and that
 * only when a worker takes it. */
typedef struct batch_job {
    const char *const *files;     /* the documents, in output order; "-" is standard input */
    size_t nfiles;
    const rules *r;
    const char *packs;            /* plan-type packs for each worker's extractor (validated) */
    extractor *spare;             /* in: the caller's extractor (packs set) or NULL; a worker
                                   * takes it and frees it (one job: used on the calling
                                   * thread, not taken). out: NULL when taken, else the
                                   * caller's to free */
    extract_opts base;            /* for every document; the batch sets warn */
    batch_doc_fn *doc_opts;       /* NULL: base as it is */
    void *doc_ctx;
    csvout *w;                    /* rows go to w ... */
    summary *sum;                 /* ... or to sum when it is not NULL */
    unsigned csvflags;            /* w's flags without CSVOUT_BOM (for the workers' writers) */
    const unsigned char *numeric; /* COL_COUNT flags: w's numeric columns */
    size_t jobs;                  /* worker threads; 0: one per core (never more than files);
                                   * one: the calling thread extracts and writes, no worker */
    int quiet;                    /* no warnings and no progress bar */
    int summary_failed;           /* out: a row the summary could not take (told, with its
                                   * file and line): the summary is incomplete, not written */
} batch_job;

/* Run the batch. Each document's messages (warnings, errors) go to stderr, then its rows
 * to the writer, in input order. Returns EXIT_OK, or EXIT_INPUT when a document failed,
 * the summary refused a row (reported) or no thread could start. When writing to w fails
 * the batch stops and *write_failed is the errno of the failed write (EIO when it gave none),
 * saved at the failing call: errno itself is long overwritten by then. 0: no failure. */
int batch_run(batch_job *job, int *write_failed);

#endif
