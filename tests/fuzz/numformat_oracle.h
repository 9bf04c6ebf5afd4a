/* numformat_oracle.h: what num_format must write, by printf - shared by the fuzz target
 * and the unit test (header-only: both are single-file programs). */
#ifndef PM_NUMFORMAT_ORACLE_H
#define PM_NUMFORMAT_ORACLE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* %.15g of v written out without an exponent, a lone "-0" as "0", into out (at least
 * 400 bytes); "nan", "inf", "-inf" as printf writes them. */
static void numformat_oracle(double v, char *out)
{
    char g[64];
    snprintf(g, sizeof g, "%.15g", v);
    if (!isfinite(v) || !strchr(g, 'e')) {
        strcpy(out, strcmp(g, "-0") == 0 ? "0" : g);
        return;
    }
    /* [-]d[.ddd]e[+-]X: the digits, then the point moved by X */
    char *o = out, dig[32];
    const char *c = g;
    int nd = 0, x = atoi(strchr(g, 'e') + 1);
    if (*c == '-')
        *o++ = *c++;
    for (; *c != 'e'; c++)
        if (*c != '.')
            dig[nd++] = *c;
    if (x < 0) {
        o += sprintf(o, "0.");
        for (int i = 1; i < -x; i++)
            *o++ = '0';
        memcpy(o, dig, (size_t)nd);
        o += nd;
    } else {
        for (int i = 0; i < nd || i <= x; i++) {
            if (i == x + 1)
                *o++ = '.';
            *o++ = i < nd ? dig[i] : '0';
        }
    }
    *o = '\0';
}

#endif
