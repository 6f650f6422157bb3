/*
 * store_int.h — shared internals of the SQLite store; not for use outside
 * src/store/.
 *
 * Statements are prepared once per connection and cached by the address of
 * their SQL text, so every query is a `static const char SQL_...[]` and the
 * cache lookup is a pointer compare.
 */
#ifndef RONDO_STORE_INT_H
#define RONDO_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

#define STORE_STMT_MAX 512

struct idcache;

struct store {
    sqlite3 *db;
    struct idcache *ids;   /* identity cache, writer connection only (NULL: off) */
    int64_t epoch;         /* identity_epoch that ids reflects */
    bool epoch_moved;      /* this transaction already moved identity_epoch */
    char *path;
    int version;
    int nstmt;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } stmts[STORE_STMT_MAX];
};

/* Cached prepared statement for sql (reset and unbound); BUG() when sql is invalid. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* Bind text or NULL when v is NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Column as a malloc-free borrowed string, NULL when SQL NULL. */
const char *store_col_text(sqlite3_stmt *st, int i);

/* Step a statement that returns no rows; ERR_DB with the SQLite message on failure. */
int store_exec_stmt(struct store *s, sqlite3_stmt *st, struct errbuf *e);

/* Run SQL text without results (schema, pragmas); ERR_DB on failure. */
int store_exec(struct store *s, const char *sql, struct errbuf *e);

/* Fill e with SQLite's message and return ERR_DB. */
int store_dberr(struct store *s, struct errbuf *e, const char *what);

/* Set a JSON field from column i of st, with SQL types mapped to JSON types. */
void store_json_set_col(json_t *obj, const char *key, sqlite3_stmt *st, int i);

/* Same, for a column holding JSON text: parsed, or the text itself if unparsable. */
void store_json_set_jsoncol(json_t *obj, const char *key, sqlite3_stmt *st, int i);

/* Same, for a column holding ms since the epoch: formatted as ISO 8601. */
void store_json_set_timecol(json_t *obj, const char *key, sqlite3_stmt *st, int i);

/* Same, for a column holding cents: a number with two decimals. */
void store_json_set_moneycol(json_t *obj, const char *key, sqlite3_stmt *st, int i);

/* The identity cache (idcache.c): new and free (accepts NULL) own the cache. */
struct idcache *idcache_new(size_t capacity);
void idcache_free(struct idcache *c);

/* Forget everything; accepts NULL. */
void idcache_clear(struct idcache *c);

/* The remembered owner of an identity; false when unknown or since absorbed. */
bool idcache_get(struct idcache *c, const char *type, const char *value, const char *source,
                 int64_t *profile_id);

/* Remember an owner (the strings are copied). */
void idcache_put(struct idcache *c, const char *type, const char *value, const char *source,
                 int64_t profile_id);

/* A profile was merged away: entries that point at it are misses from now on. */
void idcache_absorbed(struct idcache *c, int64_t profile_id);

/*
 * Every store function that adds, moves or removes identities calls this, in
 * the same transaction: it moves identity_epoch once per transaction, which
 * tells every connection's identity cache to forget.
 */
int store_identities_changed(struct store *s);

/*
 * Keeping profile_stats and segment_members right (store_segments.c), called
 * by the functions that write events, orders and merges, in their
 * transaction. store_stats_event counts one stored event; store_stats_orders
 * recomputes the order part of a profile's stats from its orders;
 * store_stats_profile recomputes all of a profile's stats (none for a merged
 * profile); store_stats_absorbed drops what a profile absorbed by a merge
 * had (stats row, segment memberships); store_stats_merged_many does both
 * for a batch of merges, from temp.merge_map (store_merge.c).
 */
int store_stats_event(struct store *s, const struct store_event *ev);
int store_stats_orders(struct store *s, int64_t profile_id, int64_t now);
int store_stats_profile(struct store *s, int64_t profile_id, int64_t now);
int store_stats_absorbed(struct store *s, int64_t profile_id);
int store_stats_merged_many(struct store *s, int64_t now);

/*
 * Order writes (store_events.c): store_order_owner gives the profile an
 * order (source, external id) belongs to before the write (0: a new order);
 * store_order_stats, after the write, recomputes the order stats of its
 * profile and of owner_before when the order moved away from it.
 */
int store_order_owner(struct store *s, const char *source, const char *external_id,
                      int64_t *profile_id);
int store_order_stats(struct store *s, int64_t owner_before, int64_t profile_id, int64_t now);

/* The numbered migrations: migrations[i] brings the schema from version i to i+1. */
extern const char *const store_migrations[];
extern const int store_nmigrations;

#endif
