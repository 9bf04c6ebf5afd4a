/* summary_int.h: the insides summary.c (rows in) and sumtable.c (tables out) share.
 * Not for other modules: they use output/summary.h. */
#ifndef PM_SUMMARY_INT_H
#define PM_SUMMARY_INT_H

#include <stdint.h>
#include "base/strbuf.h"
#include "base/strmap.h"
#include "output/summary.h"

enum { ROLE_TARGET, ROLE_ACTUAL, ROLE_BASELINE, ROLE_ALL };

/* Slots: the columns a row needs, then the key fields.
 * value_max and additive may be absent (an extract CSV of an older version has no additive) */
enum { SL_VALUE, SL_VMAX, SL_ROLE, SL_FILE, SL_ADD, SL_KEY };
#define SLOT_OPTIONAL(i) ((i) == SL_VMAX || (i) == SL_ADD)

typedef struct group {
    const char *key;    /* nkey NUL-terminated fields back to back, owned by the key map */
    size_t keylen;
    const char **fld;   /* nkey pointers into key, in the summary's fldv */
    double *v;          /* lower bounds, as added (sorted at write time) */
    size_t n, cap;
    size_t ranges;      /* rows with a value_max */
    uint32_t *docs;     /* set of file ids + 1, open addressing */
    size_t ndocs, doccap;
    uint32_t last_doc;
    int nonadd;         /* its rows say additive=no: never summed (a group of its own) */
} group;

struct summary {
    char **keyname; /* nkey column names, unit included */
    size_t nkey, unit_k;
    int role;
    int (*additive)(void *ctx, const char *unit);
    void *actx;
    strmap *keys, *files;
    group *g;       /* indexed by key id */
    const char **fldv; /* gcap * nkey field pointers */
    size_t gcap;
    strbuf kbuf;    /* key being built */
    const char **sf; /* scratch: one row by slot */
    size_t *slen;
};

#endif
