/* strbuf.h: the one growable string (git's strbuf): buf is never NULL and always ends in NUL,
 * so sb.buf can be passed as a C string at any time. The owner calls strbuf_release. */
#ifndef PM_STRBUF_H
#define PM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;  /* len bytes of text and a NUL; points at a shared empty string until it grows */
    size_t len;
    size_t cap; /* bytes allocated; 0 while buf is the shared empty string */
} strbuf;

extern char strbuf_slop[1];
#define STRBUF_INIT { strbuf_slop, 0, 0 }

void strbuf_init(strbuf *sb);
void strbuf_grow(strbuf *sb, size_t extra);     /* room for extra more bytes and the NUL */
void strbuf_add(strbuf *sb, const void *s, size_t n);
void strbuf_addstr(strbuf *sb, const char *s);
void strbuf_addch(strbuf *sb, int c);
void strbuf_addf(strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap);
void strbuf_setlen(strbuf *sb, size_t len);     /* len <= sb->len: cut back */
#define strbuf_reset(sb) strbuf_setlen((sb), 0)
/* The text, now the caller's to free (never NULL); *len if len != NULL. sb is empty after. */
char *strbuf_detach(strbuf *sb, size_t *len);
void strbuf_release(strbuf *sb);                /* frees; sb is empty and usable after */

#endif
