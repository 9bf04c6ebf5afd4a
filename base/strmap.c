/* strmap.c: open addressing over FNV-1a 64 hashes, load at most 3/4; the strings live
 * in their own blocks, so growing the table never moves them. */
#include "base/strmap.h"

#include "base/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap {
    char **str;    /* each NUL-terminated copy, stable address */
    size_t *len;
    uint64_t *hash;
    size_t n, cap, lcap, hcap;
    size_t *slot;  /* id + 1, 0 empty */
    size_t nslot;  /* power of two */
};

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

strmap *strmap_create(void)
{
    return xcalloc(1, sizeof(strmap));
}

void strmap_free(strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->str[i]);
    free(m->str);
    free(m->len);
    free(m->hash);
    free(m->slot);
    free(m);
}

static void rehash(strmap *m, size_t nslot)
{
    size_t *slot = xcalloc(nslot, sizeof *slot);
    for (size_t id = 0; id < m->n; id++) {
        size_t i = (size_t)m->hash[id] & (nslot - 1);
        while (slot[i])
            i = (i + 1) & (nslot - 1);
        slot[i] = id + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->nslot = nslot;
}

/* The slot of s: holding its id + 1, or the empty slot where it would go. */
static size_t probe(const strmap *m, const char *s, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (m->nslot - 1);
    while (m->slot[i]) {
        size_t k = m->slot[i] - 1;
        if (m->hash[k] == h && m->len[k] == len && memcmp(m->str[k], s, len) == 0)
            break;
        i = (i + 1) & (m->nslot - 1);
    }
    return i;
}

int strmap_find(const strmap *m, const char *s, size_t len, size_t *id)
{
    if (!m->nslot)
        return 0;
    size_t i = probe(m, s, len, hash_bytes(s, len));
    if (!m->slot[i])
        return 0;
    *id = m->slot[i] - 1;
    return 1;
}

int strmap_put(strmap *m, const char *s, size_t len, size_t *id)
{
    if ((m->n + 1) * 4 > m->nslot * 3)
        rehash(m, m->nslot ? m->nslot * 2 : 64);
    uint64_t h = hash_bytes(s, len);
    size_t i = probe(m, s, len, h);
    if (m->slot[i]) {
        *id = m->slot[i] - 1;
        return 0;
    }
    GROW(m->str, m->n + 1, m->cap);
    GROW(m->len, m->n + 1, m->lcap);
    GROW(m->hash, m->n + 1, m->hcap);
    m->str[m->n] = xmemdup(s, len);
    m->len[m->n] = len;
    m->hash[m->n] = h;
    m->slot[i] = ++m->n;
    *id = m->n - 1;
    return 1;
}

size_t strmap_count(const strmap *m)
{
    return m->n;
}

const char *strmap_str(const strmap *m, size_t id)
{
    return m->str[id];
}

size_t strmap_len(const strmap *m, size_t id)
{
    return m->len[id];
}
