/* rowcollect.h: the extract tests' row collector - an extractor_run callback that keeps a
 * copy of the cells of the first MAXROWS rows (each cut to 159 bytes). Include after cmocka. */
#ifndef PM_TEST_ROWCOLLECT_H
#define PM_TEST_ROWCOLLECT_H

#include <stdio.h>
#include "extract/extract.h"

#define MAXROWS 64
typedef struct got {
    size_t n;
    char cell[MAXROWS][COL_COUNT][160];
} got;

static int collect(void *ctx, const pm_row *row)
{
    got *g = ctx;
    if (g->n < MAXROWS) {
        for (int i = 0; i < COL_COUNT; i++)
            snprintf(g->cell[g->n][i], sizeof g->cell[g->n][i], "%s", row->cell[i]);
        g->n++;
    }
    return 0;
}

#endif
