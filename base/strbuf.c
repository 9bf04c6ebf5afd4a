/* strbuf.c: the growable string; growth goes through base/mem (never fails).
 * The shared empty buffer is never written: cap 0 means "not ours". */
#include "base/strbuf.h"

#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_slop[1];

void strbuf_init(strbuf *sb)
{
    sb->buf = strbuf_slop;
    sb->len = sb->cap = 0;
}

void strbuf_grow(strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    if (sb->cap == 0) {
        sb->buf = NULL;
        sb->buf = mem_grow(sb->buf, &sb->cap, need < 64 ? 64 : need, 1);
        sb->buf[0] = '\0';
        return;
    }
    sb->buf = mem_grow(sb->buf, &sb->cap, need, 1);
}

void strbuf_add(strbuf *sb, const void *s, size_t n)
{
    strbuf_grow(sb, n);
    if (n)
        memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void strbuf_addstr(strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(strbuf *sb, int c)
{
    strbuf_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(sb->buf + sb->len, sb->cap ? sb->cap - sb->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n + 1 > (sb->cap ? sb->cap - sb->len : 0)) {
        strbuf_grow(sb, (size_t)n);
        vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
    }
    sb->len += (size_t)n;
}

void strbuf_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_setlen(strbuf *sb, size_t len)
{
    if (len > sb->len)
        len = sb->len;
    sb->len = len;
    if (sb->cap)
        sb->buf[len] = '\0';
}

char *strbuf_detach(strbuf *sb, size_t *len)
{
    if (len)
        *len = sb->len;
    char *s = sb->cap ? sb->buf : xstrdup("");
    strbuf_init(sb);
    return s;
}

void strbuf_release(strbuf *sb)
{
    if (sb->cap)
        free(sb->buf);
    strbuf_init(sb);
}
