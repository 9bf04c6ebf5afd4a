/* fuzz_summary.c: libFuzzer target for the summary's CSV reader and writers.
 * The input is read with summary_read, then every format and table goes to /dev/null. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_error err;
    pm_error_clear(&err);
    summary *s = summary_create("city,category", "all", &err);
    if (!s)
        abort();
    char *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    /* fmemopen of size 0 is not portable: an empty stream from /dev/null instead. */
    FILE *in = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "r");
    if (!in)
        abort();
    int rc = summary_read(s, in, "fuzz.csv", &err);
    fclose(in);
    if (rc != PM_OK && rc != PM_ERR_SYNTAX && rc != PM_ERR_IO && rc != PM_ERR_NOMEM)
        abort();
    /* Rows before an error stay added: write whatever was read. */
    FILE *out = fopen("/dev/null", "w");
    if (!out)
        abort();
    static const unsigned flags[] = {0, SUMMARY_HIST, SUMMARY_PIVOT};
    for (int f = SUMMARY_CSV; f <= SUMMARY_JSON; f++)
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            pm_error_clear(&err);
            rc = summary_write(s, out, f, flags[k], &err);
            if (rc != PM_OK && rc != PM_ERR_NOMEM)
                abort();
        }
    fclose(out);
    summary_free(s);
    free(buf);
    return 0;
}
