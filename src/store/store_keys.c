/*
 * store_keys.c — API keys: only the public prefix and a hash are stored.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/store_int.h"

static const char SQL_KEY_INSERT[] =
    "INSERT INTO api_keys(prefix, hash, role, source, created_at) VALUES (?, ?, ?, ?, ?)";
static const char SQL_KEY_BY_PREFIX[] =
    "SELECT id, prefix, hash, role, coalesce(source, ''), created_at, coalesce(revoked_at, 0)"
    " FROM api_keys WHERE prefix = ?";
static const char SQL_KEY_LIST[] =
    "SELECT id, prefix, role, source, created_at, revoked_at FROM api_keys ORDER BY id";
static const char SQL_KEY_REVOKE[] =
    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";

int store_key_insert(struct store *s, struct store_key *k, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_KEY_INSERT);
    sqlite3_bind_text(st, 1, k->prefix, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, k->hash, sizeof(k->hash), SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->role, -1, SQLITE_STATIC);
    store_bind_text(st, 4, k->source[0] ? k->source : NULL);
    sqlite3_bind_int64(st, 5, k->created_at);
    int rc = store_exec_stmt(s, st, e);
    if (!rc)
        k->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int store_key_by_prefix(struct store *s, const char *prefix, struct store_key *out)
{
    sqlite3_stmt *st = store_stmt(s, SQL_KEY_BY_PREFIX);
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    }
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(st, 0);
    snprintf(out->prefix, sizeof(out->prefix), "%s", store_col_text(st, 1));
    if (sqlite3_column_bytes(st, 2) == (int)sizeof(out->hash))
        memcpy(out->hash, sqlite3_column_blob(st, 2), sizeof(out->hash));
    snprintf(out->role, sizeof(out->role), "%s", store_col_text(st, 3));
    snprintf(out->source, sizeof(out->source), "%s", store_col_text(st, 4));
    out->created_at = sqlite3_column_int64(st, 5);
    out->revoked_at = sqlite3_column_int64(st, 6);
    sqlite3_reset(st);
    return 0;
}

int store_key_list(struct store *s, json_t **out, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_KEY_LIST);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *k = json_object();
        store_json_set_col(k, "id", st, 0);
        store_json_set_col(k, "prefix", st, 1);
        store_json_set_col(k, "role", st, 2);
        store_json_set_col(k, "source", st, 3);
        store_json_set_timecol(k, "created_at", st, 4);
        store_json_set_timecol(k, "revoked_at", st, 5);
        json_array_append_new(arr, k);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_dberr(s, e, "listing keys");
    }
    *out = arr;
    return 0;
}

int store_key_revoke(struct store *s, int64_t id, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_KEY_REVOKE);
    sqlite3_bind_int64(st, 1, clock_now());
    sqlite3_bind_int64(st, 2, id);
    int rc = store_exec_stmt(s, st, e);
    if (rc)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return err_set(e, ERR_NOT_FOUND, "no active key with id %lld", (long long)id);
    return 0;
}
