/*
 * strmap.h — a fixed-capacity map from strings to small fixed-size values,
 * for lookups in hot loops (the writer's identity cache, an import's index
 * of a source's records).
 *
 * Built on libc's hsearch_r, whose own hash looks at only a few characters
 * of a key (sequential ids like "W100001".."W999999" would pile up): keys are
 * hashed with a keyed SipHash (libsodium) first, and each entry keeps its
 * key to confirm a hit. There is no deletion; strmap_clear empties it all.
 * Not thread-safe.
 */
#ifndef RONDO_STRMAP_H
#define RONDO_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap;

/* A map for up to capacity keys, each with value_size bytes of value. */
struct strmap *strmap_new(size_t capacity, size_t value_size);

/* A map that doubles its room when full (it never refuses a key for room). */
struct strmap *strmap_new_growable(size_t capacity, size_t value_size);
void strmap_free(struct strmap *m);

/* Forget every key. */
void strmap_clear(struct strmap *m);

size_t strmap_count(const struct strmap *m);

/* The value of key, or NULL when absent. */
void *strmap_get(struct strmap *m, const char *key);

/*
 * The value of key, added zero-filled when absent. NULL when a fixed map is
 * full, or (in about one case in 2^64) when key's hash is another key's: the
 * map is then unchanged.
 */
void *strmap_put(struct strmap *m, const char *key);

/*
 * Call fn for every key and value of a growable map, in the order they were
 * added, until it returns non-zero (which strmap_each returns). A fixed map
 * keeps no such list: BUG.
 */
int strmap_each(struct strmap *m, int (*fn)(void *ctx, const char *key, void *value), void *ctx);

#endif
