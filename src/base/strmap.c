/*
 * strmap.c — strings to fixed-size values on hsearch_r (strmap.h).
 */
#define _GNU_SOURCE /* hsearch_r */
#include "base/strmap.h"

#include <search.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "base/arena.h"
#include "base/xalloc.h"

struct strmap {
    struct hsearch_data table;
    struct arena mem; /* hashed keys and entries */
    size_t capacity, count, value_size;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

/*
 * An entry is one arena allocation (aligned for any type): its value_size
 * bytes of value, then its key.
 */

static void table_init(struct strmap *m)
{
    memset(&m->table, 0, sizeof(m->table));
    if (!hcreate_r(m->capacity * 4 / 3 + 16, &m->table))
        BUG("cannot allocate a map of %zu keys", m->capacity);
    arena_init(&m->mem, (m->capacity + 16) * (64 + m->value_size) + ((size_t)1 << 20));
    m->count = 0;
}

struct strmap *strmap_new(size_t capacity, size_t value_size)
{
    struct strmap *m = xcalloc(1, sizeof(*m));
    m->capacity = capacity;
    m->value_size = value_size;
    if (sodium_init() < 0)
        BUG("libsodium failed to initialise");
    crypto_shorthash_keygen(m->hash_key);
    table_init(m);
    return m;
}

void strmap_free(struct strmap *m)
{
    if (!m)
        return;
    hdestroy_r(&m->table);
    arena_release(&m->mem);
    free(m);
}

void strmap_clear(struct strmap *m)
{
    if (!m->count)
        return;
    hdestroy_r(&m->table);
    arena_release(&m->mem);
    table_init(m);
}

size_t strmap_count(const struct strmap *m)
{
    return m->count;
}

static const char *entry_key(const struct strmap *m, const unsigned char *e)
{
    return (const char *)e + m->value_size;
}

/* The hsearch entry for key's hash (written to hkey), or NULL. */
static ENTRY *find(struct strmap *m, const char *key, char hkey[17])
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)key, strlen(key), m->hash_key);
    sodium_bin2hex(hkey, 17, h, sizeof(h));
    ENTRY q = {hkey, NULL}, *r = NULL;
    return hsearch_r(q, FIND, &r, &m->table) ? r : NULL;
}

void *strmap_get(struct strmap *m, const char *key)
{
    char hkey[17];
    ENTRY *r = find(m, key, hkey);
    if (!r)
        return NULL;
    unsigned char *e = r->data;
    return strcmp(entry_key(m, e), key) == 0 ? e : NULL;
}

void *strmap_put(struct strmap *m, const char *key)
{
    char hkey[17];
    ENTRY *r = find(m, key, hkey);
    if (r) {
        unsigned char *e = r->data;
        return strcmp(entry_key(m, e), key) == 0 ? e : NULL;
    }
    if (m->count >= m->capacity)
        return NULL;
    size_t n = strlen(key);
    unsigned char *e = arena_alloc(&m->mem, m->value_size + n + 1);
    ENTRY q = {arena_strdup(&m->mem, hkey), e};
    if (!e || !q.key)
        return NULL;
    memset(e, 0, m->value_size);
    memcpy(e + m->value_size, key, n + 1);
    if (!hsearch_r(q, ENTER, &r, &m->table))
        return NULL;
    m->count++;
    return e;
}
