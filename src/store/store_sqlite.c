/*
 * store_sqlite.c — opening a SQLite workspace, migrations, transactions and
 * the prepared-statement cache that the other store_*.c files share.
 *
 * Durability: WAL with synchronous=FULL, so a commit has reached the disk
 * when store_commit returns; the caller may then acknowledge the write.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "store/store_int.h"

int store_dberr(struct store *s, struct errbuf *e, const char *what)
{
    return err_set(e, ERR_DB, "%s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : "no database");
}

int store_exec(struct store *s, const char *sql, struct errbuf *e)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_DB, "%s", msg ? msg : "sqlite3_exec failed");
        sqlite3_free(msg);
        return ERR_DB;
    }
    return 0;
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
    for (int i = 0; i < s->nstmt; i++) {
        if (s->stmts[i].sql == sql) {
            sqlite3_stmt *st = s->stmts[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    if (s->nstmt == STORE_STMT_MAX)
        BUG("statement cache full; raise STORE_STMT_MAX");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        BUG("cannot prepare \"%s\": %s", sql, sqlite3_errmsg(s->db));
    s->stmts[s->nstmt].sql = sql;
    s->stmts[s->nstmt].st = st;
    s->nstmt++;
    return st;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

const char *store_col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int store_exec_stmt(struct store *s, sqlite3_stmt *st, struct errbuf *e)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        int erc = store_dberr(s, e, "statement failed");
        sqlite3_reset(st);
        return erc;
    }
    sqlite3_reset(st);
    return 0;
}

/* Count rows of a one-value query into *out. */
static int query_int(struct store *s, const char *sql, int *out, struct errbuf *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return err_set(e, ERR_IO, "%s is not a rondo workspace: %s", s->path,
                       sqlite3_errmsg(s->db));
    *out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

/*
 * Version 0 is an empty database. A database with tables but no
 * schema_migrations is someone else's, and is never touched.
 */
static int read_version(struct store *s, int *version, struct errbuf *e)
{
    int has_table = 0, ntables = 0;
    int rc = query_int(s,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                       " AND name = 'schema_migrations'",
                       &has_table, e);
    if (!rc)
        rc = query_int(s, "SELECT count(*) FROM sqlite_master", &ntables, e);
    if (rc)
        return rc;
    *version = 0;
    if (!has_table)
        return ntables ? err_set(e, ERR_DB, "%s is a SQLite database but not a rondo workspace",
                                 s->path)
                       : 0;
    return query_int(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", version, e);
}

static int migrate(struct store *s, struct errbuf *e)
{
    for (int v = s->version; v < store_nmigrations; v++) {
        char done[160];
        snprintf(done, sizeof(done),
                 "INSERT INTO schema_migrations(version, applied_at) VALUES (%d, %lld)", v + 1,
                 (long long)clock_now());
        int rc = store_exec(s, "BEGIN IMMEDIATE", e);
        if (!rc)
            rc = store_exec(s,
                            "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                            e);
        if (!rc)
            rc = store_exec(s, store_migrations[v], e);
        if (!rc)
            rc = store_exec(s, done, e);
        if (!rc)
            rc = store_exec(s, "COMMIT", e);
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            char why[512];
            snprintf(why, sizeof(why), "%s", e ? e->msg : "");
            return err_set(e, ERR_DB, "migration %d failed: %s", v + 1, why);
        }
        s->version = v + 1;
    }
    return 0;
}

/*
 * Once per process, before SQLite starts: no memory statistics, which would
 * take a global lock on every allocation of every connection.
 */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, int flags, struct store **out, struct errbuf *e)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    *out = NULL;
    if (STORE_SCHEMA_VERSION != store_nmigrations)
        BUG("STORE_SCHEMA_VERSION %d but %d migrations", STORE_SCHEMA_VERSION, store_nmigrations);
    if (!(flags & STORE_CREATE) && access(path, F_OK) != 0)
        return err_set(e, ERR_NOT_FOUND,
                       "no workspace at %s: create it with `rondo init --db %s`", path, path);

    struct store *s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(path);
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                 ((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
    int rc = 0;
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        rc = err_set(e, ERR_IO, "cannot open %s: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out_close;
    }
    sqlite3_busy_timeout(s->db, 10000);
    rc = read_version(s, &s->version, e);
    if (rc)
        goto out_close;
    rc = store_exec(s,
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;",
                    e);
    if (rc)
        goto out_close;
    if (s->version > STORE_SCHEMA_VERSION) {
        rc = err_set(e, ERR_SCHEMA_NEWER,
                     "%s has schema version %d but this rondo only knows up to version %d: "
                     "use a newer rondo",
                     path, s->version, STORE_SCHEMA_VERSION);
        goto out_close;
    }
    if (s->version < STORE_SCHEMA_VERSION) {
        if (!(flags & STORE_MIGRATE)) {
            rc = err_set(e, ERR_DB,
                         "%s has schema version %d, this rondo needs %d: run `rondo init --db %s` "
                         "to migrate it",
                         path, s->version, STORE_SCHEMA_VERSION, path);
            goto out_close;
        }
        rc = migrate(s, e);
        if (rc)
            goto out_close;
    }
    *out = s;
    return 0;

out_close:
    store_close(s);
    return rc;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nstmt; i++)
        sqlite3_finalize(s->stmts[i].st);
    idcache_free(s->ids);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

const char *store_last_error(struct store *s)
{
    return sqlite3_errmsg(s->db);
}

int store_schema_version(struct store *s)
{
    return s->version;
}

void store_set_autocheckpoint(struct store *s, int pages)
{
    sqlite3_wal_autocheckpoint(s->db, pages);
}

bool store_last_error_is_data(struct store *s)
{
    switch (sqlite3_errcode(s->db)) {
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        return true;
    default:
        return false;
    }
}

void store_set_cache(struct store *s, int mib)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", mib * 1024);
    store_exec(s, sql, NULL);
}

int store_checkpoint(struct store *s)
{
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : ERR_DB;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_RELEASE[] = "RELEASE job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
static const char SQL_EPOCH_GET[] = "SELECT value FROM store_meta WHERE key = 'identity_epoch'";
static const char SQL_EPOCH_MOVE[] =
    "UPDATE store_meta SET value = value + 1 WHERE key = 'identity_epoch' RETURNING value";

void store_cache_identities(struct store *s, size_t capacity)
{
    idcache_free(s->ids);
    s->ids = capacity ? idcache_new(capacity) : NULL;
    s->epoch = -1;
}

int store_identities_changed(struct store *s)
{
    bool in_txn = !sqlite3_get_autocommit(s->db);
    if (in_txn && s->epoch_moved)
        return 0;
    sqlite3_stmt *st = store_stmt(s, SQL_EPOCH_MOVE);
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return ERR_DB;
    s->epoch_moved = in_txn;
    /* This connection's own changes are in its cache already. */
    if (s->ids && s->epoch == v - 1)
        s->epoch = v;
    return 0;
}

int store_begin(struct store *s, struct errbuf *e)
{
    int rc = store_exec_stmt(s, store_stmt(s, SQL_BEGIN), e);
    s->epoch_moved = false;
    if (rc || !s->ids)
        return rc;
    /* Another connection changed identities since: what the cache remembers may be stale. */
    sqlite3_stmt *st = store_stmt(s, SQL_EPOCH_GET);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
    sqlite3_reset(st);
    if (v != s->epoch)
        idcache_clear(s->ids);
    s->epoch = v;
    return 0;
}

int store_commit(struct store *s, struct errbuf *e)
{
    s->epoch_moved = false;
    return store_exec_stmt(s, store_stmt(s, SQL_COMMIT), e);
}

void store_rollback(struct store *s)
{
    idcache_clear(s->ids);
    s->epoch = -1;
    s->epoch_moved = false;
    if (!sqlite3_get_autocommit(s->db))
        store_exec_stmt(s, store_stmt(s, SQL_ROLLBACK), NULL);
}

int store_savepoint(struct store *s, struct errbuf *e)
{
    return store_exec_stmt(s, store_stmt(s, SQL_SAVEPOINT), e);
}

int store_savepoint_release(struct store *s, struct errbuf *e)
{
    return store_exec_stmt(s, store_stmt(s, SQL_RELEASE), e);
}

void store_savepoint_rollback(struct store *s)
{
    /* The epoch move may be undone with the savepoint: know nothing until the next begin. */
    idcache_clear(s->ids);
    s->epoch = -1;
    s->epoch_moved = false;
    store_exec_stmt(s, store_stmt(s, SQL_ROLLBACK_TO), NULL);
    store_exec_stmt(s, store_stmt(s, SQL_RELEASE), NULL);
}

/* ---- JSON from columns --------------------------------------------------- */

void store_json_set_col(json_t *obj, const char *key, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        json_object_set_new(obj, key, json_integer(sqlite3_column_int64(st, i)));
        break;
    case SQLITE_FLOAT:
        json_object_set_new(obj, key, json_real(sqlite3_column_double(st, i)));
        break;
    case SQLITE_NULL:
        json_object_set_new(obj, key, json_null());
        break;
    default:
        json_object_set_new(obj, key,
                            json_stringn((const char *)sqlite3_column_text(st, i),
                                         (size_t)sqlite3_column_bytes(st, i)));
    }
}

void store_json_set_jsoncol(json_t *obj, const char *key, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    const char *p = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    json_t *v = json_loadb(p, n, JSON_DECODE_ANY, NULL);
    json_object_set_new(obj, key, v ? v : json_stringn(p, n));
}

void store_json_set_timecol(json_t *obj, const char *key, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    char t[32];
    time_format_iso8601(sqlite3_column_int64(st, i), t, sizeof(t));
    json_object_set_new(obj, key, json_string(t));
}

void store_json_set_moneycol(json_t *obj, const char *key, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    json_object_set_new(obj, key, json_real((double)sqlite3_column_int64(st, i) / 100.0));
}
