/* utf8.h: the one UTF-8 decoder the engine's scanners share - header-only, for text
 * that is valid UTF-8 (the normalised document, rule sources). */
#ifndef PM_UTF8_H
#define PM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the sequence that lead byte c starts (1 for ASCII and stray bytes). */
static inline size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The code point at s (avail > 0 bytes there) and its length in *len; a sequence
 * cut short by avail is read as far as it goes. */
static inline uint32_t utf8_decode(const unsigned char *s, size_t avail, size_t *len)
{
    unsigned c = s[0];
    if (c >= 0xE0 && c < 0xF0 && avail >= 3) { /* most of a Chinese text: no loop */
        *len = 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    size_t n = utf8_len((unsigned char)c);
    if (n > avail)
        n = avail;
    *len = n;
    if (n == 1)
        return c;
    uint32_t cp = c & (0x3Fu >> (n - 1));
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    return cp;
}

#endif
