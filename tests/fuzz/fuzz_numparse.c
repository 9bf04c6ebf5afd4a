/* fuzz_numparse.c: libFuzzer target for num_parse / num_format - arbitrary bytes as a number.
 * Checks the documented contract: used bytes within the input, value untouched on 0, the
 * formatted value read back exactly, the formatter agreeing with printf. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/numparse.h"
#include "tests/fuzz/numformat_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy so ASan sees any read past the end. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    if (size)
        memcpy(s, data, size);
    /* Parse at every start offset (up to a bound), like the extractor's anchors. */
    size_t starts = size < 64 ? size : 64;
    for (size_t off = 0; off <= starts && off <= size; off++) {
        double v = -12345.0;
        size_t used = num_parse(s + off, size - off, &v);
        if (used > size - off)
            abort();
        if (used == 0 && v != -12345.0)
            abort();
        if (used) {
            char buf[NUM_FORMAT_MAX];
            int n = num_format(v, buf, sizeof buf);
            if (n < 0 || (size_t)n >= sizeof buf)
                abort();
            /* a value kept is the decimal as written: strtod reads the text back exactly */
            if (isfinite(v) && strtod(buf, NULL) != v)
                abort();
            /* the printf-free paths must write what %.15g writes, without its exponent */
            char want[400];
            numformat_oracle(v, want);
            if ((size_t)n < sizeof buf && strcmp(buf, want) != 0)
                abort();
            char small[4];
            (void)num_format(v, small, sizeof small);
        }
    }
    free(s);
    return 0;
}
