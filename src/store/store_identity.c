/*
 * store_identity.c — what identity resolution keeps in the workspace:
 * settings (survivorship rules, the match model), golden fields with their
 * sources, the blocking index for real-time matching, the review queue and
 * households. The matching itself is src/identity/'s job.
 *
 * Review pairs are stored with raw_a < raw_b, so a pair is one row whichever
 * way round it was found.
 */
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE key = ?";
static const char SQL_SETTING_SET[] =
    "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (key)"
    " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

int store_setting_get(struct store *s, const char *key, char **value)
{
    *value = NULL;
    sqlite3_stmt *st = store_stmt(s, SQL_SETTING_GET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

/* Every change of a setting moves this counter: engines read their settings again. */
static const char SQL_SETTINGS_CHANGED[] =
    "INSERT INTO store_meta(key, value) VALUES ('settings.changes', 1)"
    " ON CONFLICT (key) DO UPDATE SET value = value + 1";

int store_setting_set(struct store *s, const char *key, const char *value, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SETTING_SET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int rc = store_exec_stmt(s, st, NULL);
    return rc ? rc : store_exec_stmt(s, store_stmt(s, SQL_SETTINGS_CHANGED), NULL);
}

/* ---- golden records ----------------------------------------------------- */

static const char SQL_SET_GOLDEN[] =
    "UPDATE profiles SET first_name = ?1, last_name = ?2, gender = ?3, birth_date = ?4,"
    " language = ?5, email = ?6, phone = ?7, street = ?8, house_number = ?9,"
    " postal_code = ?10, city = ?11, country = ?12, golden_sources = ?13, updated_at = ?14"
    " WHERE id = ?15";
static const char SQL_PROFILE_RECORDS[] =
    "SELECT id, source, received_at, cleaned FROM raw_records"
    " WHERE profile_id = ? AND superseded_at IS NULL ORDER BY id";
static const char SQL_RAW_GET[] =
    "SELECT profile_id, source, external_id, cleaned FROM raw_records WHERE id = ?";

int store_profile_set_golden(struct store *s, int64_t id, const char *const vals[PF_COUNT],
                             const char *golden_sources, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SET_GOLDEN);
    for (int f = 0; f < PF_COUNT; f++)
        store_bind_text(st, f + 1, vals[f]);
    store_bind_text(st, 13, golden_sources);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, id);
    return store_exec_stmt(s, st, NULL);
}

int store_profile_records(struct store *s, int64_t profile_id,
                          int (*fn)(void *ctx, int64_t raw_id, const char *source,
                                    int64_t received_at, const char *cleaned),
                          void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_RECORDS);
    sqlite3_bind_int64(st, 1, profile_id);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                  sqlite3_column_int64(st, 2), store_col_text(st, 3));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_raw_record_get(struct store *s, int64_t raw_id,
                         int (*fn)(void *ctx, int64_t profile_id, const char *source,
                                   const char *external_id, const char *cleaned),
                         void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RAW_GET);
    sqlite3_bind_int64(st, 1, raw_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                store_col_text(st, 2), store_col_text(st, 3));
    else
        rc = rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    sqlite3_reset(st);
    return rc;
}

/* ---- the blocking index ------------------------------------------------- */

static const char SQL_KEY_ADD[] =
    "INSERT INTO match_keys(key, raw_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
static const char SQL_KEYS_CLEAR[] = "DELETE FROM match_keys";
static const char SQL_KEY_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM match_keys WHERE key = ?1 LIMIT ?2)";
static const char SQL_KEY_RECORDS[] =
    "SELECT r.id, r.profile_id, r.cleaned FROM match_keys k JOIN raw_records r ON r.id = k.raw_id"
    " WHERE k.key = ?1 AND k.raw_id <> ?2 AND r.superseded_at IS NULL";

int store_match_keys_set(struct store *s, int64_t raw_id, const uint64_t *keys, int n)
{
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *st = store_stmt(s, SQL_KEY_ADD);
        sqlite3_bind_int64(st, 1, (int64_t)keys[i]);
        sqlite3_bind_int64(st, 2, raw_id);
        int rc = store_exec_stmt(s, st, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

int store_match_keys_clear(struct store *s)
{
    return store_exec(s, SQL_KEYS_CLEAR, NULL);
}

int store_match_candidates(struct store *s, int64_t raw_id, const uint64_t *keys, int n,
                           int max_bucket,
                           int (*fn)(void *ctx, int64_t raw_id, int64_t profile_id,
                                     const char *cleaned),
                           void *ctx)
{
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *st = store_stmt(s, SQL_KEY_COUNT);
        sqlite3_bind_int64(st, 1, (int64_t)keys[i]);
        sqlite3_bind_int(st, 2, max_bucket + 2);
        int rc = sqlite3_step(st);
        int64_t count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return ERR_DB;
        if (count > max_bucket + 1) /* the record itself may be one of them */
            continue;
        st = store_stmt(s, SQL_KEY_RECORDS);
        sqlite3_bind_int64(st, 1, (int64_t)keys[i]);
        sqlite3_bind_int64(st, 2, raw_id);
        int stop = 0;
        while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
            stop = fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      store_col_text(st, 2));
        sqlite3_reset(st);
        if (stop)
            return stop;
        if (rc != SQLITE_DONE)
            return ERR_DB;
    }
    return 0;
}

/* ---- the review queue --------------------------------------------------- */

static const char SQL_MATCH_ADD[] =
    "INSERT INTO matches(raw_a, raw_b, score, evidence, status, created_at)"
    " VALUES (?1, ?2, ?3, ?4, 'review', ?5) ON CONFLICT (raw_a, raw_b) DO UPDATE"
    " SET score = excluded.score, evidence = excluded.evidence WHERE status = 'review'";
static const char SQL_MATCH_CLEAR[] = "DELETE FROM matches WHERE status = 'review'";
#define MATCH_SIDE(r)                                                                  \
    "json_object('raw_id', " r ".id, 'profile_id', " r ".profile_id, 'source', " r     \
    ".source, 'external_id', " r ".external_id, 'cleaned', json(" r ".cleaned))"
static const char SQL_MATCH_LIST[] =
    "SELECT m.id, m.status, m.score, m.created_at, m.decided_at, m.evidence, " MATCH_SIDE("a")
    ", " MATCH_SIDE("b") " FROM matches m JOIN raw_records a ON a.id = m.raw_a"
    " JOIN raw_records b ON b.id = m.raw_b WHERE (?1 IS NULL OR m.status = ?1) AND m.id > ?2"
    " ORDER BY m.id LIMIT ?3";
static const char SQL_MATCH_GET[] = "SELECT status, raw_a, raw_b FROM matches WHERE id = ?";
static const char SQL_MATCH_DECIDE[] =
    "UPDATE matches SET status = ?2, decided_at = ?3 WHERE id = ?1";
static const char SQL_MATCH_REJECTED[] =
    "SELECT raw_a, raw_b FROM matches WHERE status = 'rejected'";

int store_match_add(struct store *s, int64_t raw_a, int64_t raw_b, double score,
                    const char *evidence, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MATCH_ADD);
    sqlite3_bind_int64(st, 1, raw_a < raw_b ? raw_a : raw_b);
    sqlite3_bind_int64(st, 2, raw_a < raw_b ? raw_b : raw_a);
    sqlite3_bind_double(st, 3, score);
    store_bind_text(st, 4, evidence);
    sqlite3_bind_int64(st, 5, now);
    return store_exec_stmt(s, st, NULL);
}

int store_match_clear_pending(struct store *s)
{
    return store_exec(s, SQL_MATCH_CLEAR, NULL);
}

int store_matches_list(struct store *s, const char *status, int64_t after, int limit,
                       json_t **out, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MATCH_LIST);
    store_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        store_json_set_col(o, "id", st, 0);
        store_json_set_col(o, "status", st, 1);
        store_json_set_col(o, "score", st, 2);
        store_json_set_timecol(o, "created_at", st, 3);
        store_json_set_timecol(o, "decided_at", st, 4);
        store_json_set_jsoncol(o, "evidence", st, 5);
        store_json_set_jsoncol(o, "a", st, 6);
        store_json_set_jsoncol(o, "b", st, 7);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_dberr(s, e, "reading the review queue");
    }
    *out = arr;
    return 0;
}

int store_match_decide(struct store *s, int64_t id, const char *status, int64_t now,
                       int64_t *raw_a, int64_t *raw_b)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MATCH_GET);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    bool pending = false;
    if (rc == SQLITE_ROW) {
        pending = strcmp((const char *)sqlite3_column_text(st, 0), "review") == 0;
        *raw_a = sqlite3_column_int64(st, 1);
        *raw_b = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    if (!pending)
        return ERR_EXISTS;
    st = store_stmt(s, SQL_MATCH_DECIDE);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    return store_exec_stmt(s, st, NULL);
}

int store_match_rejected(struct store *s, int (*fn)(void *ctx, int64_t raw_a, int64_t raw_b),
                         void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MATCH_REJECTED);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

/* ---- households --------------------------------------------------------- */

static const char SQL_PROFILES_EACH[] =
    "SELECT id, first_name, last_name, gender, birth_date, language, email, phone, street,"
    " house_number, postal_code, city, country FROM profiles WHERE merged_into IS NULL";
static const char SQL_HOUSEHOLDS_CLEAR[] =
    "UPDATE profiles SET household_id = NULL WHERE household_id IS NOT NULL";
static const char SQL_HOUSEHOLD_SET[] = "UPDATE profiles SET household_id = ?2 WHERE id = ?1";

int store_profiles_each(struct store *s,
                        int (*fn)(void *ctx, int64_t id, const char *const vals[PF_COUNT]),
                        void *ctx, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILES_EACH);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *vals[PF_COUNT];
        for (int f = 0; f < PF_COUNT; f++)
            vals[f] = store_col_text(st, f + 1);
        stop = fn(ctx, sqlite3_column_int64(st, 0), vals);
    }
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : store_dberr(s, e, "reading the profiles");
}

int store_households_set(struct store *s, const int64_t *ids, const int64_t *hh, size_t n,
                         struct errbuf *e)
{
    if (store_exec(s, SQL_HOUSEHOLDS_CLEAR, e))
        return ERR_DB;
    for (size_t i = 0; i < n; i++) {
        if (!hh[i])
            continue;
        sqlite3_stmt *st = store_stmt(s, SQL_HOUSEHOLD_SET);
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, hh[i]);
        if (store_exec_stmt(s, st, e))
            return ERR_DB;
    }
    return 0;
}
