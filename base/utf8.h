/* utf8.h: the one UTF-8 module - a fast inline decoder for text known to be valid (the
 * normalised document, rule sources), a strict one for any bytes, and display widths. */
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

/* The strict decoder, for bytes that may be anything: the code point at s[0..avail)
 * (avail > 0) in *cp and its length; an invalid, overlong, surrogate or truncated
 * sequence is one byte with *cp = UTF8_BAD, so stepping by it never splits a valid one. */
#define UTF8_BAD 0xFFFFFFFFu
size_t utf8_next(const unsigned char *s, size_t avail, uint32_t *cp);

/* Terminal columns of a code point: 2 for East Asian wide and full-width, 0 for combining
 * marks and zero-width characters, else 1 (East Asian ambiguous, such as “ … ‘, is 1). */
int utf8_cpwidth(uint32_t cp);

/* Terminal columns of s[0..n) (an invalid byte is 1). */
size_t utf8_width(const char *s, size_t n);

/* Terminal columns of the first chars characters of the NUL-terminated s. */
size_t utf8_width_chars(const char *s, size_t chars);

#endif
