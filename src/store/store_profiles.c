/*
 * store_profiles.c — profiles (golden records), identities, raw records and
 * merges.
 *
 * Invariants: an identity points at exactly one live profile (never at a
 * tombstone: a merge moves them); a tombstone's merged_into points at a live
 * profile (chains are shortened on each merge).
 */
#include <string.h>

#include "base/clock.h"
#include "store/store_int.h"

const char *profile_field_name(enum profile_field f)
{
    static const char *const names[] = {
#define PF_NAME(id, col) #col,
        PROFILE_FIELDS(PF_NAME)
#undef PF_NAME
    };
    return (unsigned)f < PF_COUNT ? names[f] : "?";
}

static const char SQL_IDENTITY_FIND[] =
    "SELECT profile_id FROM identities WHERE type = ? AND value = ? AND source = ?";
static const char SQL_IDENTITY_ADD[] =
    "INSERT INTO identities(type, value, source, profile_id, created_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (type, value, source) DO NOTHING";
static const char SQL_PROFILE_HAS_IDENTITY[] =
    "SELECT 1 FROM identities WHERE profile_id = ? AND type = ? LIMIT 1";
static const char SQL_PROFILE_CREATE[] =
    "INSERT INTO profiles(source, created_at, updated_at) VALUES (?, ?, ?)";
static const char SQL_PROFILE_INSERT[] =
    "INSERT INTO profiles(first_name, last_name, gender, birth_date, language, email, phone,"
    " street, house_number, postal_code, city, country, attributes, source, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
    " coalesce(?13, '{}'), ?14, ?15, ?15)";
static const char SQL_PROFILE_UPDATE[] =
    "UPDATE profiles SET"
    " first_name = coalesce(?1, first_name), last_name = coalesce(?2, last_name),"
    " gender = coalesce(?3, gender), birth_date = coalesce(?4, birth_date),"
    " language = coalesce(?5, language), email = coalesce(?6, email),"
    " phone = coalesce(?7, phone), street = coalesce(?8, street),"
    " house_number = coalesce(?9, house_number), postal_code = coalesce(?10, postal_code),"
    " city = coalesce(?11, city), country = coalesce(?12, country),"
    " attributes = CASE WHEN ?13 IS NULL THEN attributes ELSE json_patch(attributes, ?13) END,"
    " updated_at = ?14"
    " WHERE id = ?15";
static const char SQL_PROFILE_MERGED_INTO[] =
    "SELECT merged_into FROM profiles WHERE id = ?";
static const char SQL_RAW_ADD[] =
    "INSERT INTO raw_records(profile_id, source, kind, external_id, message_id, payload,"
    " received_at, row_hash, cleaned, corrections, present_mask, valid_raw_mask, clean_mask,"
    " corrected_mask, email_key, phone_key)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_RAW_CURRENT[] =
    "SELECT id, profile_id, row_hash FROM raw_records"
    " WHERE source = ? AND external_id = ? AND superseded_at IS NULL";
static const char SQL_RAW_SUPERSEDE[] =
    "UPDATE raw_records SET superseded_at = ? WHERE id = ?";
/* A newer version of a record that came by a merge comes from where the old one did. */
static const char SQL_RAW_INHERIT_ORIGIN[] =
    "UPDATE raw_records SET origin_id = o.origin_id FROM raw_records o"
    " WHERE raw_records.id = ?1 AND o.id = ?2 AND o.origin_id IS NOT NULL"
    " AND o.origin_id <> raw_records.profile_id";

int store_identity_find(struct store *s, const char *type, const char *value, const char *source,
                        int64_t *profile_id)
{
    if (s->ids && idcache_get(s->ids, type, value, source, profile_id))
        return 0;
    sqlite3_stmt *st = store_stmt(s, SQL_IDENTITY_FIND);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, source ? source : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *profile_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        if (s->ids)
            idcache_put(s->ids, type, value, source, *profile_id);
        return 0;
    }
    return rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_identity_add(struct store *s, const char *type, const char *value, const char *source,
                       int64_t profile_id, int64_t now, int64_t *owner)
{
    sqlite3_stmt *st = store_stmt(s, SQL_IDENTITY_ADD);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, source ? source : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, profile_id);
    sqlite3_bind_int64(st, 5, now);
    int rc = store_exec_stmt(s, st, NULL);
    if (rc)
        return rc;
    if (sqlite3_changes(s->db) == 1) {
        rc = store_identities_changed(s);
        if (rc)
            return rc;
        if (s->ids)
            idcache_put(s->ids, type, value, source, profile_id);
        if (owner)
            *owner = profile_id;
        return 0;
    }
    int64_t cur = 0;
    rc = store_identity_find(s, type, value, source, &cur);
    if (rc)
        return rc;
    if (owner)
        *owner = cur;
    return cur == profile_id ? 0 : ERR_EXISTS;
}

int store_identities_add(struct store *s, int64_t profile_id, const struct store_identity *ids,
                         int n, int64_t now)
{
    /*
     * One statement per identity: a multi-row INSERT ... ON CONFLICT measured
     * two hundred times slower here (SQLite 3.40), and only these ones are needed.
     */
    for (int i = 0; i < n; i++) {
        int rc = store_identity_add(s, ids[i].type, ids[i].value, ids[i].source, profile_id, now,
                                    NULL);
        if (rc && rc != ERR_EXISTS)
            return rc;
    }
    return 0;
}

bool store_profile_has_identity(struct store *s, int64_t profile_id, const char *type)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_HAS_IDENTITY);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    bool has = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return has;
}

int store_profile_create(struct store *s, const char *source, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_CREATE);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, now);
    int rc = store_exec_stmt(s, st, NULL);
    if (!rc)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Golden fields as ?1..?12 and custom attributes (JSON text or NULL) as ?13. */
static void bind_golden(sqlite3_stmt *st, const char *const vals[PF_COUNT], json_t *custom)
{
    for (int f = 0; f < PF_COUNT; f++)
        store_bind_text(st, f + 1, vals[f]);
    char *attrs = custom && json_object_size(custom) ? json_dumps(custom, JSON_COMPACT) : NULL;
    if (attrs)
        sqlite3_bind_text(st, 13, attrs, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 13);
    free(attrs);
}

int store_profile_insert(struct store *s, const char *source, const char *const vals[PF_COUNT],
                         json_t *custom, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_INSERT);
    bind_golden(st, vals, custom);
    sqlite3_bind_text(st, 14, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 15, now);
    int rc = store_exec_stmt(s, st, NULL);
    if (!rc)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int store_profile_update(struct store *s, int64_t id, const char *const vals[PF_COUNT],
                         json_t *custom, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_UPDATE);
    bind_golden(st, vals, custom);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, id);
    return store_exec_stmt(s, st, NULL);
}

int store_profile_resolve(struct store *s, int64_t id, int64_t *survivor)
{
    /* Merges keep chains flat, but follow a few hops in case an old one was not. */
    for (int hops = 0; hops < 64; hops++) {
        sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_MERGED_INTO);
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(st);
            return rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
        }
        bool merged = sqlite3_column_type(st, 0) != SQLITE_NULL;
        int64_t next = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (!merged) {
            *survivor = id;
            return 0;
        }
        id = next;
    }
    return ERR_DB;
}

int store_raw_current(struct store *s, const char *source, const char *external_id,
                      int64_t *raw_id, int64_t *profile_id, int64_t *row_hash)
{
    if (!external_id)
        return ERR_NOT_FOUND;
    sqlite3_stmt *st = store_stmt(s, SQL_RAW_CURRENT);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (raw_id)
            *raw_id = sqlite3_column_int64(st, 0);
        if (profile_id)
            *profile_id = sqlite3_column_int64(st, 1);
        if (row_hash)
            *row_hash = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_raw_record_add(struct store *s, const struct store_raw *r, int64_t now,
                         int64_t *raw_id)
{
    int64_t old = r->supersedes;
    int rc = old > 0 ? 0 : old < 0 ? ERR_NOT_FOUND
                                   : store_raw_current(s, r->source, r->external_id, &old, NULL, NULL);
    if (rc == 0) {
        sqlite3_stmt *st = store_stmt(s, SQL_RAW_SUPERSEDE);
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, old);
        if ((rc = store_exec_stmt(s, st, NULL)))
            return rc;
    } else if (rc != ERR_NOT_FOUND) {
        return rc;
    }
    sqlite3_stmt *st = store_stmt(s, SQL_RAW_ADD);
    sqlite3_bind_int64(st, 1, r->profile_id);
    sqlite3_bind_text(st, 2, r->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
    store_bind_text(st, 4, r->external_id);
    store_bind_text(st, 5, r->message_id);
    sqlite3_bind_text(st, 6, r->payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    if (r->row_hash)
        sqlite3_bind_int64(st, 8, r->row_hash);
    else
        sqlite3_bind_null(st, 8);
    store_bind_text(st, 9, r->cleaned);
    store_bind_text(st, 10, r->corrections);
    sqlite3_bind_int64(st, 11, r->present);
    sqlite3_bind_int64(st, 12, r->valid_raw);
    sqlite3_bind_int64(st, 13, r->clean);
    sqlite3_bind_int64(st, 14, r->corrected);
    store_bind_text(st, 15, r->email_key);
    store_bind_text(st, 16, r->phone_key);
    rc = store_exec_stmt(s, st, NULL);
    if (rc)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (raw_id)
        *raw_id = id;
    if (old > 0) {
        st = store_stmt(s, SQL_RAW_INHERIT_ORIGIN);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, old);
        rc = store_exec_stmt(s, st, NULL);
    }
    return rc;
}

/* ---- consents ---------------------------------------------------------- */

static const char SQL_CONSENT_UPSERT[] =
    "INSERT INTO consents(profile_id, channel, purpose, status, source, wording, ip, ts,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (profile_id, channel, purpose) DO UPDATE SET status = excluded.status,"
    " source = excluded.source, wording = excluded.wording, ip = excluded.ip, ts = excluded.ts,"
    " updated_at = excluded.updated_at"
    /* a statement older than the current one does not change it; at the same time an
     * opt-out wins (as in merges) */
    " WHERE excluded.ts > consents.ts OR (excluded.ts = consents.ts"
    "  AND (excluded.status = 'opted_out' OR consents.status = excluded.status))";
static const char SQL_CONSENT_HISTORY_ADD[] =
    "INSERT INTO consent_history(profile_id, channel, purpose, status, source, wording, ip, ts,"
    " recorded_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int consent_write(struct store *s, const struct store_consent *c, int64_t now,
                         const char *note)
{
    sqlite3_stmt *st = store_stmt(s, SQL_CONSENT_UPSERT);
    sqlite3_bind_int64(st, 1, c->profile_id);
    sqlite3_bind_text(st, 2, c->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->purpose ? c->purpose : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->status, -1, SQLITE_STATIC);
    store_bind_text(st, 5, c->source);
    store_bind_text(st, 6, c->wording);
    store_bind_text(st, 7, c->ip);
    sqlite3_bind_int64(st, 8, c->ts);
    sqlite3_bind_int64(st, 9, now);
    int rc = store_exec_stmt(s, st, NULL);
    if (rc)
        return rc;
    if (!note && sqlite3_changes(s->db) == 0)
        note = "older than the current statement: in the ledger, not applied";
    st = store_stmt(s, SQL_CONSENT_HISTORY_ADD);
    sqlite3_bind_int64(st, 1, c->profile_id);
    sqlite3_bind_text(st, 2, c->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->purpose ? c->purpose : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->status, -1, SQLITE_STATIC);
    store_bind_text(st, 5, c->source);
    store_bind_text(st, 6, c->wording);
    store_bind_text(st, 7, c->ip);
    sqlite3_bind_int64(st, 8, c->ts);
    sqlite3_bind_int64(st, 9, now);
    store_bind_text(st, 10, note);
    return store_exec_stmt(s, st, NULL);
}

int store_consent_set(struct store *s, const struct store_consent *c, int64_t now)
{
    return consent_write(s, c, now, NULL);
}

/* ---- one attribute, one tag (scenario update steps) ------------------------------ */

static const char SQL_SET_ATTRIBUTE[] =
    "UPDATE profiles SET attributes = json_set(attributes, '$.' || json_quote(?2), json(?3)),"
    " updated_at = ?4 WHERE id = ?1 AND merged_into IS NULL";
static const char SQL_ADD_TAG[] =
    "UPDATE profiles SET attributes = CASE"
    " WHEN EXISTS (SELECT 1 FROM json_each(attributes, '$.tags') WHERE value = ?2) THEN attributes"
    " WHEN json_type(attributes, '$.tags') = 'array'"
    " THEN json_insert(attributes, '$.tags[#]', ?2)"
    " ELSE json_set(attributes, '$.tags', json_array(?2)) END, updated_at = ?3"
    " WHERE id = ?1 AND merged_into IS NULL";

int store_profile_set_attribute(struct store *s, int64_t id, const char *key,
                                const char *json_value, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SET_ATTRIBUTE);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, json_value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    int rc = store_exec_stmt(s, st, NULL);
    return rc ? rc : sqlite3_changes(s->db) ? 0 : ERR_NOT_FOUND;
}

int store_profile_add_tag(struct store *s, int64_t id, const char *tag, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ADD_TAG);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int rc = store_exec_stmt(s, st, NULL);
    return rc ? rc : sqlite3_changes(s->db) ? 0 : ERR_NOT_FOUND;
}

/* ---- erasure --------------------------------------------------------------------- */

static const char SQL_PROFILE_LIVE[] =
    "SELECT coalesce(merged_into, 0), coalesce(erased_at, 0) FROM profiles WHERE id = ?1";

/* ?1: the profile and those merged into it before */
#define ERASE_SET "(SELECT id FROM profiles WHERE id = ?1 OR merged_into = ?1)"
static const char *const SQL_ERASE[] = {
    "INSERT INTO run_steps(run_id, seq, node, outcome, at) SELECT id, seq + 1, node,"
    " 'end:erased', ?2 FROM runs WHERE profile_id IN " ERASE_SET " AND state != 'done'",
    "UPDATE runs SET state = 'done', outcome = 'erased', seq = seq + 1, wake_at = NULL,"
    " ended_at = ?2, updated_at = ?2, payload = NULL WHERE profile_id IN " ERASE_SET
    " AND state != 'done'",
    "UPDATE runs SET payload = NULL WHERE profile_id IN " ERASE_SET,
    "DELETE FROM match_keys WHERE raw_id IN (SELECT id FROM raw_records WHERE profile_id IN "
    ERASE_SET ")",
    "DELETE FROM matches WHERE raw_a IN (SELECT id FROM raw_records WHERE profile_id IN "
    ERASE_SET ") OR raw_b IN (SELECT id FROM raw_records WHERE profile_id IN " ERASE_SET ")",
    "DELETE FROM raw_records WHERE profile_id IN " ERASE_SET,
    "DELETE FROM identities WHERE profile_id IN " ERASE_SET,
    "DELETE FROM events WHERE profile_id IN " ERASE_SET,
    "DELETE FROM consents WHERE profile_id IN " ERASE_SET,
    "DELETE FROM consent_history WHERE profile_id IN " ERASE_SET,
    "DELETE FROM segment_members WHERE profile_id IN " ERASE_SET,
    "DELETE FROM profile_stats WHERE profile_id IN " ERASE_SET,
    /* what waits to be sent, printed or called goes nowhere now */
    "UPDATE messages SET status = 'erased' WHERE status IN ('queued', 'stored') AND profile_id IN "
    ERASE_SET,
    "UPDATE messages SET address = NULL, subject = NULL, body = NULL, html = NULL"
    " WHERE profile_id IN " ERASE_SET,
    "UPDATE tasks SET description = NULL WHERE profile_id IN " ERASE_SET,
    "UPDATE merge_log SET snapshot = NULL, evidence = NULL WHERE survivor_id IN " ERASE_SET
    " OR absorbed_id IN " ERASE_SET,
    "UPDATE profiles SET first_name = NULL, last_name = NULL, gender = NULL, birth_date = NULL,"
    " language = NULL, email = NULL, phone = NULL, street = NULL, house_number = NULL,"
    " postal_code = NULL, city = NULL, country = NULL, attributes = '{}', lifecycle_stage = NULL,"
    " household_id = NULL, golden_sources = NULL, erased_at = ?2, updated_at = ?2"
    " WHERE id IN " ERASE_SET,
};

int store_profile_erase(struct store *s, int64_t id, int64_t now, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_LIVE);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int64_t merged = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t erased = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return err_set(e, ERR_NOT_FOUND, "no profile has the id %lld", (long long)id);
    if (merged)
        return err_set(e, ERR_INVALID,
                       "profile %lld was merged into %lld: erase that one (it holds the records)",
                       (long long)id, (long long)merged);
    if (erased)
        return 0; /* again: nothing left to erase */
    if ((rc = store_identities_changed(s)))
        return rc;
    if (s->ids)
        idcache_clear(s->ids);
    for (size_t i = 0; i < sizeof(SQL_ERASE) / sizeof(SQL_ERASE[0]); i++) {
        st = store_stmt(s, SQL_ERASE[i]);
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int64(st, 2, now);
        if ((rc = store_exec_stmt(s, st, e)))
            return rc;
    }
    return 0;
}

static const char SQL_ERASED[] = "SELECT erased_at IS NOT NULL FROM profiles WHERE id = ?1";

bool store_profile_erased(struct store *s, int64_t id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ERASED);
    sqlite3_bind_int64(st, 1, id);
    bool yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return yes;
}
