/* strmap.h: interned byte strings - a string maps to a dense id 0, 1, 2 ... in order of
 * first sight, and each id's copy keeps its address until strmap_free. */
#ifndef PM_STRMAP_H
#define PM_STRMAP_H

#include <stddef.h>

/* Ownership: the map owns its copies (NUL-terminated, may hold NULs inside); callers keep
 * what they pass in. strmap_free accepts NULL. */
typedef struct strmap strmap;

strmap *strmap_create(void);
void strmap_free(strmap *m);

/* The id of s[0..len) in *id, adding it when new. Returns 1 added, 0 already there. */
int strmap_put(strmap *m, const char *s, size_t len, size_t *id);

/* The id of s[0..len) in *id: 1 found, 0 not there. */
int strmap_find(const strmap *m, const char *s, size_t len, size_t *id);

size_t strmap_count(const strmap *m);
const char *strmap_str(const strmap *m, size_t id); /* valid until strmap_free */
size_t strmap_len(const strmap *m, size_t id);

#endif
