/*
 * pool.h — a fixed set of read connections shared by threads.
 *
 * A thread borrows a struct store with store_pool_get and gives it back with
 * store_pool_put; it blocks while all are lent. WAL lets these readers run
 * beside the writer without waiting for it.
 */
#ifndef RONDO_POOL_H
#define RONDO_POOL_H

#include "store/store.h"

struct store_pool;

/* Open n connections to path. Caller frees with store_pool_free. */
int store_pool_new(const char *path, int n, struct store_pool **out, struct errbuf *e);

/* Borrow a connection; never NULL. Return it with store_pool_put. */
struct store *store_pool_get(struct store_pool *p);
void store_pool_put(struct store_pool *p, struct store *s);

/* Close every connection; accepts NULL. All must have been returned. */
void store_pool_free(struct store_pool *p);

#endif
