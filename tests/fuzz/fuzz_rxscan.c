/* fuzz_rxscan.c: libFuzzer target for rxscan - arbitrary bytes as a pattern, then PCRE2 as the
 * oracle (rxscan_oracle.h): wherever the compiled pattern matches, the scan's answers must hold. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/rxscan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *src = malloc(size ? size : 1); /* exact size: ASan sees any read past the end */
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    char msg[128];
    if (rxscan_oracle(src, size, msg, sizeof msg))
        abort();
    free(src);
    return 0;
}
