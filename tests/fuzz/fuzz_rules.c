/* fuzz_rules.c: libFuzzer target for the rule-file parser - arbitrary bytes to rules_load_string.
 * A set that loads is queried and its inline examples run through the extractor; nothing may leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "ruleset/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void on_fail(void *ctx, const rule *ru, const rule_example *ex, const char *msg)
{
    (void)ctx;
    sink += strlen(ru->id) + strlen(ex->text) + strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    rules *r = rules_create();
    if (!r) {
        free(src);
        return 0;
    }
    pm_error err;
    pm_error_clear(&err);
    int rc = rules_load_string(r, "fuzz.rules", src, size, &err);
    if (rc != 0 && rc != PM_ERR_SYNTAX && rc != PM_ERR_IO && rc != PM_ERR_NOMEM && rc != PM_ERR_LIMIT)
        abort();
    sink += strlen(err.file) + strlen(err.msg) + strlen(err.source);
    if (rc == 0) {
        for (size_t i = 0; i < rules_count(r); i++) {
            const rule *ru = rules_at(r, i);
            sink += strlen(ru->id) + strlen(ru->pack) + strlen(ru->category) + strlen(ru->role) +
                    strlen(ru->pattern);
            for (size_t k = 0; k < ru->nexamples; k++)
                sink += strlen(ru->examples[k].text);
        }
        for (size_t i = 0; i < rules_pack_count(r); i++)
            sink += strlen(rules_pack_name(r, i));
        double scale;
        const char *u = rules_unit_canon(r, "万元", strlen("万元"), &scale);
        if (u)
            sink += strlen(u) + (size_t)rules_unit_additive(r, u);
        sink += rules_qualifier(r, "以上", strlen("以上")) != NULL;
        /* the loaded patterns on their own examples: group numbers, before parts, limits */
        extractor *x = extractor_create(r);
        if (x) {
            sink += extractor_test_examples(x, on_fail, NULL);
            extractor_free(x);
        }
    }
    rules_free(r);
    free(src);
    return 0;
}
