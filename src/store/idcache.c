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
 * Built on base/strmap (no deletion: clearing empties the whole map).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/strmap.h"
#include "base/xalloc.h"
#include "store/store_int.h"

struct idcache {
    struct strmap *map; /* key -> profile id (int64_t) */
};

struct idcache *idcache_new(size_t capacity)
{
    struct idcache *c = xcalloc(1, sizeof(*c));
    c->map = strmap_new(capacity, sizeof(int64_t));
    return c;
}

void idcache_free(struct idcache *c)
{
    if (!c)
        return;
    strmap_free(c->map);
    free(c);
}

void idcache_clear(struct idcache *c)
{
    if (c)
        strmap_clear(c->map);
}

/* "type\x1fsource\x1fvalue" for identities, "\x1eID" for absorbed profiles. */
static int make_key(char *buf, size_t n, const char *type, const char *value, const char *source)
{
    int len = snprintf(buf, n, "%s\x1f%s\x1f%s", type, source ? source : "", value);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

static void enter(struct idcache *c, const char *key, int64_t value)
{
    int64_t *slot = strmap_put(c->map, key);
    if (!slot) { /* full, or a hash shared with another key: start afresh */
        strmap_clear(c->map);
        slot = strmap_put(c->map, key);
    }
    if (slot)
        *slot = value;
}

bool idcache_get(struct idcache *c, const char *type, const char *value, const char *source,
                 int64_t *profile_id)
{
    char key[512], mark[32];
    if (make_key(key, sizeof(key), type, value, source))
        return false;
    int64_t *owner = strmap_get(c->map, key);
    if (!owner)
        return false;
    snprintf(mark, sizeof(mark), "\x1e%lld", (long long)*owner);
    if (strmap_get(c->map, mark))
        return false; /* absorbed since: ask the database */
    *profile_id = *owner;
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
