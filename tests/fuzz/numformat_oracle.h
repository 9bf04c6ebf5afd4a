/* numformat_oracle.h: what num_format must write, by printf - shared by the fuzz target
 * and the unit test (header-only: both are single-file programs). */
#ifndef PM_NUMFORMAT_ORACLE_H
#define PM_NUMFORMAT_ORACLE_H

#include <stdio.h>
#include <string.h>

/* %.6f of v with trailing zeros, a trailing '.' and a lone "-0" dropped, into out
 * (at least 400 bytes: %.6f of the largest double fits). */
static void numformat_oracle(double v, char *out)
{
    int len = snprintf(out, 400, "%.6f", v);
    if (len > 0 && strchr(out, '.')) {
        while (out[len - 1] == '0')
            out[--len] = '\0';
        if (out[len - 1] == '.')
            out[--len] = '\0';
    }
    if (strcmp(out, "-0") == 0)
        strcpy(out, "0");
}

#endif
