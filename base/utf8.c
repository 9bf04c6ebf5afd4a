/* utf8.c: the strict UTF-8 decoder and display widths, shared by the CSV writer, the
 * summary's Markdown and JSON writers and the caret under an error. */
#include "base/utf8.h"

#include <string.h>

size_t utf8_next(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        goto bad;
    if (n > avail)
        goto bad;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
    /* overlongs, surrogates and code points above U+10FFFF */
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        goto bad;
    uint32_t v = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++)
        v = v << 6 | (s[i] & 0x3F);
    *cp = v;
    return n;
bad:
    *cp = UTF8_BAD;
    return 1;
}

int utf8_cpwidth(uint32_t c)
{
    if ((c >= 0x300 && c <= 0x36F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
        (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
        (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
        (c >= 0x1F300 && c <= 0x1F64F) || (c >= 0x1F900 && c <= 0x1F9FF) ||
        (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

size_t utf8_width(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0, off = 0;
    while (off < n) {
        uint32_t cp;
        off += utf8_next(p + off, n - off, &cp);
        w += cp == UTF8_BAD ? 1 : (size_t)utf8_cpwidth(cp);
    }
    return w;
}

size_t utf8_width_chars(const char *s, size_t chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), w = 0, off = 0;
    for (size_t i = 0; i < chars && off < n; i++) {
        uint32_t cp;
        off += utf8_next(p + off, n - off, &cp);
        w += cp == UTF8_BAD ? 1 : (size_t)utf8_cpwidth(cp);
    }
    return w;
}
