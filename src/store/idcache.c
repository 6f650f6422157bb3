/*
 * idcache.c — the writer's memory of which profile owns an identity.
 *
 * Identity lookups are the most frequent query of ingestion. The writer is
 * the only connection that changes identities while the server runs, so it
 * can remember answers. The cache is cleared whenever it could be wrong:
 * another connection committed (data_version moved), a transaction or
 * savepoint was rolled back, or it is full. A profile absorbed by a merge is
 * marked, and an entry that points at it counts as a miss.
 *
 * Built on libc's hsearch_r (no deletion: clearing rebuilds the table). Its
 * own hash looks only at a key's last characters, so the table is keyed by a
 * SipHash of the identity (libsodium), and each entry keeps the identity
 * itself to confirm a hit. Entries live in an arena released with the table.
 */
#define _GNU_SOURCE /* hsearch_r */
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/arena.h"
#include "base/xalloc.h"
#include "store/store_int.h"

struct idcache {
    struct hsearch_data table;
    struct arena keys;
    size_t capacity, count;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

/* What an entry points at: the profile and the full key it belongs to. */
struct rec {
    int64_t value;
    char key[];
};

static void table_init(struct idcache *c)
{
    memset(&c->table, 0, sizeof(c->table));
    if (!hcreate_r(c->capacity * 4 / 3 + 1, &c->table))
        BUG("cannot allocate the identity cache");
    arena_init(&c->keys, c->capacity * 160);
    c->count = 0;
}

struct idcache *idcache_new(size_t capacity)
{
    struct idcache *c = xcalloc(1, sizeof(*c));
    c->capacity = capacity;
    if (sodium_init() < 0)
        BUG("libsodium failed to initialise");
    crypto_shorthash_keygen(c->hash_key);
    table_init(c);
    return c;
}

void idcache_free(struct idcache *c)
{
    if (!c)
        return;
    hdestroy_r(&c->table);
    arena_release(&c->keys);
    free(c);
}

void idcache_clear(struct idcache *c)
{
    if (!c || !c->count)
        return;
    hdestroy_r(&c->table);
    arena_release(&c->keys);
    table_init(c);
}

/* "type\x1fsource\x1fvalue" for identities, "\x1eID" for absorbed profiles. */
static int make_key(char *buf, size_t n, const char *type, const char *value, const char *source)
{
    int len = snprintf(buf, n, "%s\x1f%s\x1f%s", type, source ? source : "", value);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The record for a full key, or NULL. */
static struct rec *lookup(struct idcache *c, const char *key, char hkey[17])
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)key, strlen(key), c->hash_key);
    sodium_bin2hex(hkey, 17, h, sizeof(h));
    ENTRY q = {hkey, NULL}, *r = NULL;
    if (!hsearch_r(q, FIND, &r, &c->table))
        return NULL;
    struct rec *rec = r->data;
    return strcmp(rec->key, key) == 0 ? rec : NULL;
}

static void enter(struct idcache *c, const char *key, int64_t value)
{
    char hkey[17];
    if (c->count >= c->capacity)
        idcache_clear(c);
    struct rec *rec = lookup(c, key, hkey);
    if (rec) {
        rec->value = value;
        return;
    }
    ENTRY q = {hkey, NULL}, *r = NULL;
    if (hsearch_r(q, FIND, &r, &c->table)) {
        /* Another key with the same hash: start afresh rather than risk a lost mark. */
        idcache_clear(c);
        if (hsearch_r(q, FIND, &r, &c->table))
            BUG("identity cache not empty after clearing");
    }
    size_t n = strlen(key);
    rec = arena_alloc(&c->keys, sizeof(*rec) + n + 1);
    q.key = arena_strdup(&c->keys, hkey);
    if (!rec || !q.key) {
        idcache_clear(c);
        return;
    }
    rec->value = value;
    memcpy(rec->key, key, n + 1);
    q.data = rec;
    if (!hsearch_r(q, ENTER, &r, &c->table)) {
        idcache_clear(c);
        return;
    }
    c->count++;
}

bool idcache_get(struct idcache *c, const char *type, const char *value, const char *source,
                 int64_t *profile_id)
{
    char key[512], mark[32], hkey[17];
    if (make_key(key, sizeof(key), type, value, source))
        return false;
    struct rec *rec = lookup(c, key, hkey);
    if (!rec)
        return false;
    snprintf(mark, sizeof(mark), "\x1e%lld", (long long)rec->value);
    if (lookup(c, mark, hkey))
        return false; /* absorbed since: ask the database */
    *profile_id = rec->value;
    return true;
}

void idcache_put(struct idcache *c, const char *type, const char *value, const char *source,
                 int64_t profile_id)
{
    char key[512];
    if (!make_key(key, sizeof(key), type, value, source))
        enter(c, key, profile_id);
}

void idcache_absorbed(struct idcache *c, int64_t profile_id)
{
    char mark[32];
    snprintf(mark, sizeof(mark), "\x1e%lld", (long long)profile_id);
    enter(c, mark, 1);
}
