/* examples.c: `rules test` - every inline example of the rule set run through the extractor
 * with its own pack, and each row it gave compared with what the example expects. */
#include "extract/extract_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

typedef struct exrows {
    size_t n, n_rule;
    strbuf got;         /* the first 4 rows, for the message */
    int ok;
    const rule *want_rule;
    const rule_example *ex;
} exrows;

static int same_num(const char *a, const char *b)
{
    return strtod(a, NULL) == strtod(b, NULL);
}

static int ex_row(void *ctx, const pm_row *row)
{
    exrows *e = ctx;
    const rule_example *ex = e->ex;
    if (e->n < 4)
        strbuf_addf(&e->got, "%s%s%s%s%s %s (%s)", e->n ? ", " : "",
                    strcmp(row->cell[COL_QUALIFIER], "=") ? row->cell[COL_QUALIFIER] : "", row->cell[COL_VALUE],
                    row->cell[COL_VALUE_MAX][0] ? ".." : "", row->cell[COL_VALUE_MAX], row->cell[COL_UNIT],
                    row->cell[COL_RULE]);
    e->n++;
    if (row->rule == e->want_rule)
        e->n_rule++;
    if (!ex->negative && row->rule == e->want_rule && same_num(row->cell[COL_VALUE], ex->value) &&
        strcmp(row->cell[COL_UNIT], ex->unit) == 0 &&
        (!ex->value_max ? !row->cell[COL_VALUE_MAX][0] : same_num(row->cell[COL_VALUE_MAX], ex->value_max)) &&
        (!ex->qualifier || strcmp(ex->qualifier, row->cell[COL_QUALIFIER]) == 0) &&
        (!ex->subject || strcmp(ex->subject, row->cell[COL_SUBJECT]) == 0))
        e->ok = 1;
    return 0;
}

/* Whether example ex of ru failed (rc: extractor_run's return, e: its rows); then msg says why. */
static int failed(const rule *ru, const rule_example *ex, int rc, const pm_error *err, const exrows *e,
                  strbuf *msg)
{
    if (rc != 0) {
        strbuf_addf(msg, "example could not be read: %s", err->msg);
    } else if (ex->negative) {
        if ((ru->kind == RULE_EXCLUDE ? e->n : e->n_rule) == 0)
            return 0;
        strbuf_addf(msg, "expected no row got %s", e->got.buf);
    } else {
        if (e->ok)
            return 0;
        strbuf_addf(msg, "expected %s%s%s%s %s%s%s got %s", ex->qualifier ? ex->qualifier : "", ex->value,
                    ex->value_max ? ".." : "", ex->value_max ? ex->value_max : "", ex->unit, ex->subject ? " " : "",
                    ex->subject ? ex->subject : "", e->n ? e->got.buf : "nothing");
    }
    return 1;
}

size_t extractor_test_examples(extractor *x, extract_fail_fn fn, void *ctx)
{
    size_t fails = 0;
    int auto_packs = x->auto_packs;
    uint64_t fixed = x->fixed;
    strbuf msg = STRBUF_INIT;
    for (size_t i = 0; i < rules_count(x->r); i++) {
        const rule *ru = rules_at(x->r, i);
        for (size_t k = 0; k < ru->nexamples; k++) {
            const rule_example *ex = &ru->examples[k];
            exrows e = {.got = STRBUF_INIT, .want_rule = ru, .ex = ex};
            x->auto_packs = 0;
            x->fixed = extract_shared_packs(x->r) | (uint64_t)1 << ru->pack_index;
            pm_error err;
            pm_error_clear(&err);
            int rc = extractor_run(x, ru->file, ex->text, strlen(ex->text), NULL, ex_row, &e, &err);
            strbuf_reset(&msg);
            if (failed(ru, ex, rc, &err, &e, &msg)) {
                fails++;
                if (fn)
                    fn(ctx, ru, ex, msg.buf);
            }
            strbuf_release(&e.got);
        }
    }
    strbuf_release(&msg);
    x->auto_packs = auto_packs;
    x->fixed = fixed;
    return fails;
}
