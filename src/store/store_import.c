/*
 * store_import.c — what CSV imports need beyond the ingestion path: orders
 * and order lines keyed by the source's ids and a row hash (so a re-import
 * of an unchanged row changes nothing), the current consent, and the
 * quarantine's pending rows for `rondo quarantine retry`.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

static const char SQL_ORDER_CURRENT[] =
    "SELECT id, row_hash FROM orders WHERE source = ? AND external_id = ?";
static const char SQL_ORDER_IMPORT[] =
    "INSERT INTO orders(profile_id, source, external_id, status, currency, total_cents,"
    " ordered_at, attributes, row_hash, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"
    " ON CONFLICT (source, external_id) DO UPDATE SET profile_id = excluded.profile_id,"
    " status = excluded.status, currency = excluded.currency,"
    " total_cents = excluded.total_cents, ordered_at = excluded.ordered_at,"
    " attributes = excluded.attributes, row_hash = excluded.row_hash,"
    " updated_at = excluded.updated_at";
static const char SQL_LINE_CURRENT[] =
    "SELECT row_hash FROM order_lines WHERE order_id = ? AND line_no = ?";
static const char SQL_LINE_IMPORT[] =
    "INSERT INTO order_lines(order_id, line_no, product_id, sku, name, category, price_cents,"
    " quantity, row_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (order_id, line_no) WHERE line_no IS NOT NULL DO UPDATE SET"
    " product_id = excluded.product_id, sku = excluded.sku, name = excluded.name,"
    " category = excluded.category, price_cents = excluded.price_cents,"
    " quantity = excluded.quantity, row_hash = excluded.row_hash";
static const char SQL_CONSENT_CURRENT[] =
    "SELECT status, ts FROM consents WHERE profile_id = ? AND channel = ? AND purpose = ?";
static const char SQL_QUARANTINE_PENDING_SAME[] =
    "SELECT 1 FROM quarantine WHERE source = ? AND kind = ? AND external_id IS ?"
    " AND resolved_at IS NULL AND payload = ?";
static const char SQL_QUARANTINE_ROW[] =
    "INSERT INTO quarantine(source, kind, reason, field, payload, external_id, received_at, class)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_QUARANTINE_PENDING[] =
    "SELECT id, source, kind, reason, field, payload, external_id, received_at, class"
    " FROM quarantine WHERE resolved_at IS NULL AND id > ?1 AND (?2 IS NULL OR source = ?2)"
    " AND (?3 IS NULL OR kind = ?3) AND (?4 = 0 OR id = ?4) ORDER BY id LIMIT ?5";
static const char SQL_QUARANTINE_RESOLVE[] =
    "UPDATE quarantine SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL";
static const char SQL_QUARANTINE_REASON[] =
    "UPDATE quarantine SET reason = ?, field = ?, class = ? WHERE id = ?";

int store_order_current(struct store *s, const char *source, const char *external_id,
                        int64_t *order_id, int64_t *row_hash)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ORDER_CURRENT);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *order_id = sqlite3_column_int64(st, 0);
        if (row_hash)
            *row_hash = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_order_import(struct store *s, const struct store_order *o, const char *attributes,
                       int64_t row_hash, int64_t now)
{
    int64_t owner = 0;
    if (store_order_owner(s, o->source, o->external_id, &owner))
        return ERR_DB;
    sqlite3_stmt *st = store_stmt(s, SQL_ORDER_IMPORT);
    sqlite3_bind_int64(st, 1, o->profile_id);
    sqlite3_bind_text(st, 2, o->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, o->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, o->status, -1, SQLITE_STATIC);
    store_bind_text(st, 5, o->currency);
    sqlite3_bind_int64(st, 6, o->total_cents);
    sqlite3_bind_int64(st, 7, o->ordered_at);
    store_bind_text(st, 8, attributes);
    sqlite3_bind_int64(st, 9, row_hash);
    sqlite3_bind_int64(st, 10, now);
    int rc = store_exec_stmt(s, st, NULL);
    return rc ? rc : store_order_stats(s, owner, o->profile_id, now);
}

int store_order_line_import(struct store *s, int64_t order_id, int64_t line_no,
                            const struct store_order_line *l, int64_t row_hash, bool *unchanged)
{
    sqlite3_stmt *st = store_stmt(s, SQL_LINE_CURRENT);
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int64(st, 2, line_no);
    int rc = sqlite3_step(st);
    *unchanged = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == row_hash;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ERR_DB;
    if (*unchanged)
        return 0;
    st = store_stmt(s, SQL_LINE_IMPORT);
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int64(st, 2, line_no);
    store_bind_text(st, 3, l->product_id);
    store_bind_text(st, 4, l->sku);
    store_bind_text(st, 5, l->name);
    store_bind_text(st, 6, l->category);
    sqlite3_bind_int64(st, 7, l->price_cents);
    sqlite3_bind_int64(st, 8, l->quantity);
    sqlite3_bind_int64(st, 9, row_hash);
    return store_exec_stmt(s, st, NULL);
}

int store_consent_current(struct store *s, int64_t profile_id, const char *channel,
                          const char *purpose, char status[16], int64_t *ts)
{
    sqlite3_stmt *st = store_stmt(s, SQL_CONSENT_CURRENT);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, purpose ? purpose : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = store_col_text(st, 0);
        snprintf(status, 16, "%s", v ? v : "");
        *ts = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

static const char SQL_CONSENT_KNOWN[] =
    "SELECT 1 FROM consent_history WHERE profile_id = ? AND channel = ? AND purpose = ?"
    " AND status = ? AND ts = ? LIMIT 1";

bool store_consent_known(struct store *s, int64_t profile_id, const char *channel,
                         const char *purpose, const char *status, int64_t ts)
{
    sqlite3_stmt *st = store_stmt(s, SQL_CONSENT_KNOWN);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, purpose ? purpose : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, ts);
    bool known = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return known;
}

int store_quarantine_row(struct store *s, const char *source, const char *kind,
                         const char *klass, const char *reason, const char *field,
                         const char *external_id, const char *payload, int64_t now, bool *again)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_PENDING_SAME);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    store_bind_text(st, 3, external_id);
    sqlite3_bind_blob(st, 4, payload, (int)strlen(payload), SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    *again = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ERR_DB;
    if (*again)
        return 0;
    st = store_stmt(s, SQL_QUARANTINE_ROW);
    store_bind_text(st, 1, source);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    store_bind_text(st, 4, field);
    sqlite3_bind_blob(st, 5, payload, (int)strlen(payload), SQLITE_STATIC);
    store_bind_text(st, 6, external_id);
    sqlite3_bind_int64(st, 7, now);
    store_bind_text(st, 8, klass);
    return store_exec_stmt(s, st, NULL);
}

int store_quarantine_pending(struct store *s, const char *source, const char *kind, int64_t id,
                             int64_t after, int limit, json_t **out, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_PENDING);
    sqlite3_bind_int64(st, 1, after);
    store_bind_text(st, 2, source);
    store_bind_text(st, 3, kind);
    sqlite3_bind_int64(st, 4, id);
    sqlite3_bind_int(st, 5, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        store_json_set_col(o, "id", st, 0);
        store_json_set_col(o, "source", st, 1);
        store_json_set_col(o, "kind", st, 2);
        store_json_set_col(o, "reason", st, 3);
        store_json_set_col(o, "field", st, 4);
        json_object_set_new(o, "payload",
                            json_stringn((const char *)sqlite3_column_blob(st, 5),
                                         (size_t)sqlite3_column_bytes(st, 5)));
        store_json_set_col(o, "external_id", st, 6);
        store_json_set_timecol(o, "received_at", st, 7);
        store_json_set_col(o, "class", st, 8);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_dberr(s, e, "reading the quarantine");
    }
    *out = arr;
    return 0;
}

int store_quarantine_resolve(struct store *s, int64_t id, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_RESOLVE);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, id);
    return store_exec_stmt(s, st, NULL);
}

int store_quarantine_reason(struct store *s, int64_t id, const char *klass, const char *reason,
                            const char *field)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_REASON);
    sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
    store_bind_text(st, 2, field);
    store_bind_text(st, 3, klass);
    sqlite3_bind_int64(st, 4, id);
    return store_exec_stmt(s, st, NULL);
}

/* ---- test-record patterns and clean overrides ------------------------------ */

static const char SQL_PATTERNS[] = "SELECT id, field, pattern FROM test_patterns ORDER BY id";
static const char SQL_PATTERN_ADD[] =
    "INSERT INTO test_patterns(field, pattern) VALUES (?, ?) ON CONFLICT DO NOTHING";
static const char SQL_PATTERN_REMOVE[] = "DELETE FROM test_patterns WHERE id = ?";
static const char SQL_OVERRIDES[] =
    "SELECT external_id, field, value FROM clean_overrides WHERE source = ?"
    " ORDER BY external_id, field";
static const char SQL_OVERRIDE_SET[] =
    "INSERT INTO clean_overrides(source, external_id, field, value, created_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, external_id, field) DO UPDATE SET"
    " value = excluded.value, created_at = excluded.created_at";

static int rows_json(struct store *s, sqlite3_stmt *st, const char *const *names, int n,
                     json_t **out, struct errbuf *e)
{
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < n; i++)
            store_json_set_col(o, names[i], st, i);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_dberr(s, e, "reading");
    }
    *out = arr;
    return 0;
}

int store_test_patterns(struct store *s, json_t **out, struct errbuf *e)
{
    static const char *const names[] = {"id", "field", "pattern"};
    return rows_json(s, store_stmt(s, SQL_PATTERNS), names, 3, out, e);
}

int store_test_pattern_add(struct store *s, const char *field, const char *pattern)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PATTERN_ADD);
    sqlite3_bind_text(st, 1, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pattern, -1, SQLITE_STATIC);
    return store_exec_stmt(s, st, NULL);
}

int store_test_pattern_remove(struct store *s, int64_t id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PATTERN_REMOVE);
    sqlite3_bind_int64(st, 1, id);
    int rc = store_exec_stmt(s, st, NULL);
    return rc ? rc : sqlite3_changes(s->db) ? 0 : ERR_NOT_FOUND;
}

int store_clean_overrides(struct store *s, const char *source, json_t **out, struct errbuf *e)
{
    static const char *const names[] = {"external_id", "field", "value"};
    sqlite3_stmt *st = store_stmt(s, SQL_OVERRIDES);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    return rows_json(s, st, names, 3, out, e);
}

int store_clean_override_set(struct store *s, const char *source, const char *external_id,
                             const char *field, const char *value, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_OVERRIDE_SET);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, field, -1, SQLITE_STATIC);
    store_bind_text(st, 4, value);
    sqlite3_bind_int64(st, 5, now);
    return store_exec_stmt(s, st, NULL);
}

/* ---- undoing a correction ------------------------------------------------------ */

static const char SQL_RAW_CORRECTIONS[] =
    "SELECT profile_id, cleaned, corrections LIKE '%\"name.swapped\"%' FROM raw_records"
    " WHERE source = ? AND external_id = ? AND superseded_at IS NULL";
static const char SQL_PROFILE_SET_FIELD[] =
    "UPDATE profiles SET"
    " first_name = CASE WHEN ?1 = 'first_name' THEN ?2 ELSE first_name END,"
    " last_name = CASE WHEN ?1 = 'last_name' THEN ?2 ELSE last_name END,"
    " gender = CASE WHEN ?1 = 'gender' THEN ?2 ELSE gender END,"
    " birth_date = CASE WHEN ?1 = 'birth_date' THEN ?2 ELSE birth_date END,"
    " language = CASE WHEN ?1 = 'language' THEN ?2 ELSE language END,"
    " email = CASE WHEN ?1 = 'email' THEN ?2 ELSE email END,"
    " phone = CASE WHEN ?1 = 'phone' THEN ?2 ELSE phone END,"
    " street = CASE WHEN ?1 = 'street' THEN ?2 ELSE street END,"
    " house_number = CASE WHEN ?1 = 'house_number' THEN ?2 ELSE house_number END,"
    " postal_code = CASE WHEN ?1 = 'postal_code' THEN ?2 ELSE postal_code END,"
    " city = CASE WHEN ?1 = 'city' THEN ?2 ELSE city END,"
    " country = CASE WHEN ?1 = 'country' THEN ?2 ELSE country END,"
    " updated_at = ?3 WHERE id = ?4";

static int set_field(struct store *s, int64_t pid, const char *field, const char *value,
                     int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_SET_FIELD);
    sqlite3_bind_text(st, 1, field, -1, SQLITE_STATIC);
    store_bind_text(st, 2, value);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, pid);
    return store_exec_stmt(s, st, NULL);
}

int store_correction_undo(struct store *s, const char *source, const char *external_id,
                          const char *field, int64_t now, json_t **undone, struct errbuf *e)
{
    *undone = NULL;
    bool known = false;
    for (int f = 0; f < PF_COUNT; f++)
        known |= strcmp(field, profile_field_name((enum profile_field)f)) == 0;
    if (!known)
        return err_field(e, ERR_INVALID, "field", "\"%s\" is not a profile field", field);
    sqlite3_stmt *st = store_stmt(s, SQL_RAW_CORRECTIONS);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t pid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    const char *text = rc == SQLITE_ROW ? store_col_text(st, 1) : NULL;
    json_t *cleaned = text ? json_loads(text, 0, NULL) : NULL;
    bool swapped = rc == SQLITE_ROW && sqlite3_column_int(st, 2) == 1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        json_decref(cleaned);
        return rc == SQLITE_DONE ? err_set(e, ERR_NOT_FOUND, "source %s has no record %s", source,
                                           external_id)
                                 : store_dberr(s, e, "reading the record");
    }
    /* the values as given of the corrected fields; a swap corrected both names */
    json_t *given = json_object_get(cleaned, "given");
    json_t *v = json_object_get(given, field);
    if (!json_is_string(v)) {
        json_decref(cleaned);
        return err_set(e, ERR_NOT_FOUND, "the current %s record %s has no correction of %s",
                       source, external_id, field);
    }
    bool names = strcmp(field, "first_name") == 0 || strcmp(field, "last_name") == 0;
    const char *fields[2] = {field, NULL};
    if (names && swapped)
        fields[0] = "first_name", fields[1] = "last_name"; /* a swap is undone for both */
    if ((rc = store_profile_resolve(s, pid, &pid)))
        goto out;
    *undone = json_array();
    for (int i = 0; i < 2 && fields[i]; i++) {
        const char *value = json_string_value(json_object_get(given, fields[i]));
        const char *set = value && *value ? value : NULL; /* "": none was given */
        if ((rc = set_field(s, pid, fields[i], set, now)) ||
            (rc = store_clean_override_set(s, source, external_id, fields[i], set, now)))
            goto out;
        json_array_append_new(*undone, json_pack("{s:s, s:s?}", "field", fields[i], "value", set));
    }
out:
    json_decref(cleaned);
    if (rc) {
        json_decref(*undone);
        *undone = NULL;
        return store_dberr(s, e, "undoing the correction");
    }
    return 0;
}

/* ---- the current records of a source, for an import to know them up front ---- */

static const char SQL_RAW_INDEX_COUNT[] =
    "SELECT count(*) FROM raw_records WHERE source = ? AND superseded_at IS NULL";
static const char SQL_RAW_INDEX[] =
    "SELECT external_id, id, profile_id, row_hash FROM raw_records"
    " WHERE source = ? AND superseded_at IS NULL AND external_id IS NOT NULL";

int store_raw_index(struct store *s, const char *source, int64_t *count,
                    int (*fn)(void *ctx, const char *external_id, int64_t raw_id,
                              int64_t profile_id, int64_t row_hash),
                    void *ctx, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RAW_INDEX_COUNT);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return store_dberr(s, e, "counting the source's records");
    if (!fn)
        return 0;
    st = store_stmt(s, SQL_RAW_INDEX);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
               sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)))
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_dberr(s, e, "reading the source's records");
}

static const char SQL_USER_INDEX_COUNT[] =
    "SELECT count(*) FROM identities WHERE type = 'user_id' AND source = ?";
static const char SQL_USER_INDEX[] =
    "SELECT value, profile_id FROM identities WHERE type = 'user_id' AND source = ?";

int store_user_index(struct store *s, const char *source, int64_t *count,
                     int (*fn)(void *ctx, const char *user_id, int64_t profile_id), void *ctx,
                     struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_USER_INDEX_COUNT);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return store_dberr(s, e, "counting the source's user ids");
    if (!fn)
        return 0;
    st = store_stmt(s, SQL_USER_INDEX);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1)))
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_dberr(s, e, "reading the source's user ids");
}

/* ---- rows a later import stored ------------------------------------------------- */

static const char SQL_QUARANTINE_PENDING_KEYS[] =
    "SELECT external_id FROM quarantine WHERE source = ? AND kind = ? AND resolved_at IS NULL"
    " AND external_id IS NOT NULL AND coalesce(class, '') <> 'duplicate external_id'";
static const char SQL_QUARANTINE_RESOLVE_KEY[] =
    "UPDATE quarantine SET resolved_at = ? WHERE source = ? AND kind = ? AND external_id = ?"
    " AND resolved_at IS NULL AND coalesce(class, '') <> 'duplicate external_id'";

int store_quarantine_pending_keys(struct store *s, const char *source, const char *kind,
                                  int (*fn)(void *ctx, const char *external_id), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_PENDING_KEYS);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0)))
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_quarantine_resolve_key(struct store *s, const char *source, const char *kind,
                                 const char *external_id, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_RESOLVE_KEY);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, external_id, -1, SQLITE_STATIC);
    return store_exec_stmt(s, st, NULL);
}

/* ---- links: which profile each record belongs to --------------------------------- */

static const char SQL_LINKS[] =
    "SELECT source, external_id, profile_id FROM raw_records"
    " WHERE superseded_at IS NULL AND external_id IS NOT NULL ORDER BY source, external_id";

int store_links(struct store *s,
                int (*fn)(void *ctx, const char *source, const char *external_id,
                          int64_t profile_id),
                void *ctx, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_LINKS);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                  (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_dberr(s, e, "reading the links");
}

/* ---- records for matching ------------------------------------------------------- */

static const char SQL_MATCH_RECORDS[] =
    "SELECT id, profile_id, source, external_id, cleaned FROM raw_records"
    " WHERE superseded_at IS NULL AND external_id IS NOT NULL ORDER BY id";
static const char SQL_MATCH_COUNT[] =
    "SELECT count(*) FROM raw_records WHERE superseded_at IS NULL AND external_id IS NOT NULL";

int store_match_records(struct store *s, int64_t *count,
                        int (*fn)(void *ctx, int64_t raw_id, int64_t profile_id,
                                  const char *source, const char *external_id,
                                  const char *cleaned),
                        void *ctx, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MATCH_COUNT);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return store_dberr(s, e, "counting the records");
    st = store_stmt(s, SQL_MATCH_RECORDS);
    int stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                  (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                  store_col_text(st, 4));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_dberr(s, e, "reading the records");
}
