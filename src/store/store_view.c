/*
 * store_view.c — read-side queries that build JSON for the API: the 360°
 * profile view, identity search, consent history, quarantine, counts.
 */
#include <sodium.h>
#include <stdlib.h>

#include "base/xalloc.h"
#include "store/store_int.h"

#define QUARANTINE_SHOWN 16384

static const char SQL_VIEW_PROFILE[] =
    "SELECT id, first_name, last_name, gender, birth_date, language, email, phone, street,"
    " house_number, postal_code, city, country, attributes, lifecycle_stage, household_id,"
    " merged_into, source, created_at, updated_at, golden_sources, erased_at FROM profiles"
    " WHERE id = ?";
static const char SQL_VIEW_IDENTITIES[] =
    "SELECT type, value, source, created_at FROM identities WHERE profile_id = ? ORDER BY id";
static const char SQL_VIEW_RAW[] =
    "SELECT id, source, kind, external_id, message_id, payload, received_at, cleaned,"
    " corrections, superseded_at FROM raw_records WHERE profile_id = ? ORDER BY id DESC LIMIT 100";
static const char SQL_VIEW_ORDERS[] =
    "SELECT id, source, external_id, status, currency, total_cents, revenue_cents,"
    " refunded_cents, ordered_at, refunded_at, attributes FROM orders WHERE profile_id = ?"
    " ORDER BY ordered_at DESC, id DESC LIMIT 100";
static const char SQL_ONE_ORDER[] =
    "SELECT id, source, external_id, status, currency, total_cents, revenue_cents,"
    " refunded_cents, ordered_at, refunded_at, attributes FROM orders WHERE profile_id = ?1"
    " AND (?2 IS NULL OR external_id = ?2) ORDER BY ordered_at DESC, id DESC LIMIT 1";
static const char SQL_VIEW_LINES[] =
    "SELECT product_id, sku, name, category, price_cents, quantity FROM order_lines"
    " WHERE order_id = ? ORDER BY id LIMIT 500";
static const char SQL_VIEW_EVENTS[] =
    "SELECT id, type, name, properties, source, message_id, ts, received_at FROM events"
    " WHERE profile_id = ? ORDER BY ts DESC, id DESC LIMIT 100";
static const char SQL_VIEW_CONSENTS[] =
    "SELECT channel, purpose, status, source, wording, ip, ts, updated_at FROM consents"
    " WHERE profile_id = ? ORDER BY channel, purpose";
static const char SQL_VIEW_SEGMENTS[] =
    "SELECT g.id, g.name, m.sub, m.since FROM segment_members m"
    " JOIN segments g ON g.id = m.segment_id AND g.deleted_at IS NULL"
    " WHERE m.profile_id = ? ORDER BY g.name";
static const char SQL_CONSENT_HISTORY[] =
    "SELECT id, channel, purpose, status, source, wording, ip, ts, recorded_at, note"
    " FROM consent_history WHERE profile_id = ? ORDER BY id";
static const char SQL_IDENTITY_SEARCH[] =
    "SELECT DISTINCT profile_id FROM identities WHERE type = ?1 AND value = ?2"
    " AND (?3 IS NULL OR source = ?3) AND profile_id > ?4 ORDER BY profile_id LIMIT ?5";
static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM profiles WHERE merged_into IS NULL),"
    " (SELECT count(*) FROM identities), (SELECT count(*) FROM events),"
    " (SELECT count(*) FROM orders), (SELECT count(*) FROM quarantine)";
static const char SQL_QUARANTINE_LIST[] =
    "SELECT id, source, kind, reason, field, payload, received_at, class, external_id,"
    " resolved_at FROM quarantine"
    " WHERE (?1 = 0 OR id < ?1) AND (?3 IS NULL OR source = ?3) AND (?4 = 0 OR resolved_at IS NULL)"
    " AND (?5 = 0 OR id = ?5) ORDER BY id DESC LIMIT ?2";

/* Run st (bound to one profile id) and append one object per row, built by fn. */
static json_t *rows_to_array(sqlite3_stmt *st, void (*fn)(struct store *, sqlite3_stmt *, json_t *),
                             struct store *s)
{
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        fn(s, st, o);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    return arr;
}

static void identity_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "type", st, 0);
    store_json_set_col(o, "value", st, 1);
    store_json_set_col(o, "source", st, 2);
    store_json_set_timecol(o, "created_at", st, 3);
}

static void raw_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "id", st, 0);
    store_json_set_col(o, "source", st, 1);
    store_json_set_col(o, "kind", st, 2);
    store_json_set_col(o, "external_id", st, 3);
    store_json_set_col(o, "message_id", st, 4);
    store_json_set_jsoncol(o, "payload", st, 5);
    store_json_set_timecol(o, "received_at", st, 6);
    store_json_set_jsoncol(o, "cleaned", st, 7);
    store_json_set_jsoncol(o, "corrections", st, 8);
    json_object_set_new(o, "current", json_boolean(sqlite3_column_type(st, 9) == SQLITE_NULL));
}

static void line_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "product_id", st, 0);
    store_json_set_col(o, "sku", st, 1);
    store_json_set_col(o, "name", st, 2);
    store_json_set_col(o, "category", st, 3);
    store_json_set_moneycol(o, "price", st, 4);
    store_json_set_col(o, "quantity", st, 5);
}

static void order_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    store_json_set_col(o, "id", st, 0);
    store_json_set_col(o, "source", st, 1);
    store_json_set_col(o, "order_id", st, 2);
    store_json_set_col(o, "status", st, 3);
    store_json_set_col(o, "currency", st, 4);
    store_json_set_moneycol(o, "total", st, 5);
    store_json_set_moneycol(o, "revenue", st, 6);
    store_json_set_moneycol(o, "refunded", st, 7);
    store_json_set_timecol(o, "ordered_at", st, 8);
    store_json_set_timecol(o, "refunded_at", st, 9);
    if (sqlite3_column_type(st, 10) != SQLITE_NULL) /* an imported order's extra columns */
        store_json_set_jsoncol(o, "attributes", st, 10);
    sqlite3_stmt *ls = store_stmt(s, SQL_VIEW_LINES);
    sqlite3_bind_int64(ls, 1, sqlite3_column_int64(st, 0));
    json_object_set_new(o, "lines", rows_to_array(ls, line_row, s));
}

int store_profile_order(struct store *s, int64_t profile_id, const char *external_id,
                        json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ONE_ORDER);
    sqlite3_bind_int64(st, 1, profile_id);
    store_bind_text(st, 2, external_id);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW) {
        *out = json_object();
        order_row(s, st, *out);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

static void event_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "id", st, 0);
    store_json_set_col(o, "type", st, 1);
    store_json_set_col(o, "name", st, 2);
    store_json_set_jsoncol(o, "properties", st, 3);
    store_json_set_col(o, "source", st, 4);
    store_json_set_col(o, "message_id", st, 5);
    store_json_set_timecol(o, "timestamp", st, 6);
    store_json_set_timecol(o, "received_at", st, 7);
}

static void consent_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "channel", st, 0);
    store_json_set_col(o, "purpose", st, 1);
    store_json_set_col(o, "status", st, 2);
    json_t *proof = json_object();
    store_json_set_col(proof, "source", st, 3);
    store_json_set_col(proof, "wording", st, 4);
    store_json_set_col(proof, "ip", st, 5);
    store_json_set_timecol(proof, "time", st, 6);
    json_object_set_new(o, "proof", proof);
    store_json_set_timecol(o, "updated_at", st, 7);
}

static void segment_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "id", st, 0);
    store_json_set_col(o, "name", st, 1);
    store_json_set_col(o, "sub", st, 2);
    store_json_set_timecol(o, "since", st, 3);
}

static json_t *profile_array(struct store *s, const char *sql, int64_t id,
                             void (*fn)(struct store *, sqlite3_stmt *, json_t *))
{
    sqlite3_stmt *st = store_stmt(s, sql);
    sqlite3_bind_int64(st, 1, id);
    return rows_to_array(st, fn, s);
}

/* Golden fields of one profile row; returns merged_into (0 when live) or -1 when absent. */
static int64_t profile_golden(struct store *s, int64_t id, json_t *o)
{
    sqlite3_stmt *st = store_stmt(s, SQL_VIEW_PROFILE);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return -1;
    }
    int64_t merged = sqlite3_column_int64(st, 16);
    store_json_set_col(o, "id", st, 0);
    for (int f = 0; f < PF_COUNT; f++)
        store_json_set_col(o, profile_field_name(f), st, 1 + f);
    store_json_set_jsoncol(o, "attributes", st, 13);
    store_json_set_col(o, "lifecycle_stage", st, 14);
    store_json_set_col(o, "household_id", st, 15);
    store_json_set_col(o, "merged_into", st, 16);
    store_json_set_col(o, "source", st, 17);
    store_json_set_timecol(o, "created_at", st, 18);
    store_json_set_timecol(o, "updated_at", st, 19);
    store_json_set_jsoncol(o, "golden_sources", st, 20);
    if (sqlite3_column_type(st, 21) != SQLITE_NULL)
        store_json_set_timecol(o, "erased_at", st, 21);
    sqlite3_reset(st);
    return merged;
}

int store_profile_view(struct store *s, int64_t id, json_t **out, struct errbuf *e)
{
    json_t *o = json_object();
    int64_t merged = profile_golden(s, id, o);
    if (merged < 0) {
        json_decref(o);
        return err_set(e, ERR_NOT_FOUND, "no profile with id %lld", (long long)id);
    }
    if (merged > 0) {
        /* A tombstone: its own golden fields are stale, so only the way to the survivor. */
        int64_t survivor;
        json_t *sv;
        json_decref(o);
        o = json_pack("{s:I}", "id", (json_int_t)id);
        if (store_profile_resolve(s, id, &survivor) == 0 &&
            store_profile_view(s, survivor, &sv, NULL) == 0) {
            json_object_set_new(o, "merged_into", json_integer(survivor));
            json_object_set_new(o, "profile", sv);
        }
        *out = o;
        return 0;
    }
    json_object_set_new(o, "identities", profile_array(s, SQL_VIEW_IDENTITIES, id, identity_row));

    json_t *raw = profile_array(s, SQL_VIEW_RAW, id, raw_row);
    json_t *by_source = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(raw, i, r) {
        const char *src = json_string_value(json_object_get(r, "source"));
        json_t *list = json_object_get(by_source, src);
        if (!list) {
            list = json_array();
            json_object_set_new(by_source, src, list);
        }
        json_array_append(list, r);
    }
    json_decref(raw);
    json_object_set_new(o, "raw_records", by_source);

    json_object_set_new(o, "orders", profile_array(s, SQL_VIEW_ORDERS, id, order_row));
    json_object_set_new(o, "events", profile_array(s, SQL_VIEW_EVENTS, id, event_row));
    json_object_set_new(o, "consents", profile_array(s, SQL_VIEW_CONSENTS, id, consent_row));
    json_object_set_new(o, "segments", profile_array(s, SQL_VIEW_SEGMENTS, id, segment_row));
    json_t *runs = NULL;
    if (store_profile_runs(s, id, &runs) == 0)
        json_object_set_new(o, "runs", runs);
    *out = o;
    return 0;
}

int store_identity_search(struct store *s, const char *type, const char *value,
                          const char *source, int64_t after, int limit, int64_t *ids, int *n)
{
    sqlite3_stmt *st = store_stmt(s, SQL_IDENTITY_SEARCH);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    store_bind_text(st, 3, source);
    sqlite3_bind_int64(st, 4, after);
    sqlite3_bind_int(st, 5, limit);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : ERR_DB;
}

static void history_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "id", st, 0);
    store_json_set_col(o, "channel", st, 1);
    store_json_set_col(o, "purpose", st, 2);
    store_json_set_col(o, "status", st, 3);
    json_t *proof = json_object();
    store_json_set_col(proof, "source", st, 4);
    store_json_set_col(proof, "wording", st, 5);
    store_json_set_col(proof, "ip", st, 6);
    store_json_set_timecol(proof, "time", st, 7);
    json_object_set_new(o, "proof", proof);
    store_json_set_timecol(o, "recorded_at", st, 8);
    store_json_set_col(o, "note", st, 9);
}

int store_consent_history(struct store *s, int64_t profile_id, json_t **out, struct errbuf *e)
{
    (void)e;
    *out = profile_array(s, SQL_CONSENT_HISTORY, profile_id, history_row);
    return 0;
}

int store_counts(struct store *s, struct store_counts *out)
{
    sqlite3_stmt *st = store_stmt(s, SQL_COUNTS);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->profiles = sqlite3_column_int64(st, 0);
        out->identities = sqlite3_column_int64(st, 1);
        out->events = sqlite3_column_int64(st, 2);
        out->orders = sqlite3_column_int64(st, 3);
        out->quarantine = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}

static void quarantine_row(struct store *s, sqlite3_stmt *st, json_t *o)
{
    (void)s;
    store_json_set_col(o, "id", st, 0);
    store_json_set_col(o, "source", st, 1);
    store_json_set_col(o, "kind", st, 2);
    store_json_set_col(o, "reason", st, 3);
    store_json_set_col(o, "field", st, 4);
    /* Kept as received; input that is not UTF-8 is shown in base64 instead. A list shows
     * the first QUARANTINE_SHOWN bytes of each, so a page of them stays a sane size. */
    const char *p = (const char *)sqlite3_column_blob(st, 5);
    size_t n = (size_t)sqlite3_column_bytes(st, 5);
    if (n > QUARANTINE_SHOWN) {
        json_object_set_new(o, "payload_bytes", json_integer((json_int_t)n));
        json_object_set_new(o, "payload_truncated", json_true());
        n = QUARANTINE_SHOWN;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--; /* not inside a UTF-8 sequence */
    }
    json_t *text = json_stringn(p ? p : "", n);
    if (text) {
        json_object_set_new(o, "payload", text);
    } else {
        size_t b64len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = xmalloc(b64len);
        sodium_bin2base64(b64, b64len, (const unsigned char *)p, n,
                          sodium_base64_VARIANT_ORIGINAL);
        json_object_set_new(o, "payload_base64", json_string(b64));
        free(b64);
    }
    store_json_set_timecol(o, "received_at", st, 6);
    store_json_set_col(o, "class", st, 7);
    store_json_set_col(o, "external_id", st, 8);
    store_json_set_timecol(o, "resolved_at", st, 9);
}

int store_quarantine_list(struct store *s, const struct store_qfilter *f, int64_t before,
                          int limit, json_t **out, struct errbuf *e)
{
    (void)e;
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_LIST);
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, limit);
    store_bind_text(st, 3, f ? f->source : NULL);
    sqlite3_bind_int(st, 4, f && f->pending_only);
    sqlite3_bind_int64(st, 5, f ? f->id : 0);
    *out = rows_to_array(st, quarantine_row, s);
    return 0;
}
