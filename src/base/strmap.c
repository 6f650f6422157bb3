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
    struct arena mem; /* entries */
    size_t capacity, count, value_size;
    bool growable;
    unsigned char **entries; /* every entry, for growing (growable maps only) */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

/*
 * An entry is one arena allocation (aligned for any type): its value_size
 * bytes of value, its key, then the hex of its hash (the table's key).
 */

static void table_create(struct strmap *m)
{
    memset(&m->table, 0, sizeof(m->table));
    if (!hcreate_r(m->capacity * 4 / 3 + 16, &m->table))
        BUG("cannot allocate a map of %zu keys", m->capacity);
}

static void table_init(struct strmap *m)
{
    table_create(m);
    /* the arena's limit only bounds a fixed map; a growable one grows its limit too */
    arena_init(&m->mem, m->growable ? (size_t)1 << 40
                                    : (m->capacity + 16) * (96 + m->value_size) + ((size_t)1 << 20));
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

struct strmap *strmap_new_growable(size_t capacity, size_t value_size)
{
    struct strmap *m = strmap_new(capacity ? capacity : 1024, value_size);
    m->growable = true;
    hdestroy_r(&m->table);
    arena_release(&m->mem);
    table_init(m);
    m->entries = xcalloc(m->capacity, sizeof(*m->entries));
    return m;
}

void strmap_free(struct strmap *m)
{
    if (!m)
        return;
    hdestroy_r(&m->table);
    arena_release(&m->mem);
    free(m->entries);
    free(m);
}

/* Twice the room: a new table, every entry entered again (their keys stay where they are). */
static bool grow(struct strmap *m)
{
    hdestroy_r(&m->table);
    m->capacity *= 2;
    table_create(m);
    m->entries = xrealloc(m->entries, m->capacity * sizeof(*m->entries));
    for (size_t i = 0; i < m->count; i++) {
        unsigned char *e = m->entries[i];
        const char *key = (const char *)e + m->value_size;
        ENTRY q = {(char *)key + strlen(key) + 1, e}, *r;
        if (!hsearch_r(q, ENTER, &r, &m->table))
            return false;
    }
    return true;
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
    if (m->count >= m->capacity && !(m->growable && grow(m)))
        return NULL;
    size_t n = strlen(key);
    unsigned char *e = arena_alloc(&m->mem, m->value_size + n + 1 + 17);
    if (!e)
        return NULL;
    memset(e, 0, m->value_size);
    memcpy(e + m->value_size, key, n + 1);
    ENTRY q = {memcpy(e + m->value_size + n + 1, hkey, 17), e};
    if (!hsearch_r(q, ENTER, &r, &m->table))
        return NULL;
    if (m->growable)
        m->entries[m->count] = e;
    m->count++;
    return e;
}

int strmap_each(struct strmap *m, int (*fn)(void *ctx, const char *key, void *value), void *ctx)
{
    if (!m->growable)
        BUG("strmap_each on a fixed map");
    for (size_t i = 0; i < m->count; i++) {
        int rc = fn(ctx, entry_key(m, m->entries[i]), m->entries[i]);
        if (rc)
            return rc;
    }
    return 0;
}
