/*
 * store_events.c — events, orders and their lines, and the quarantine.
 *
 * events.message_id is UNIQUE: it is what makes ingestion idempotent.
 * Orders are unique per (source, external_id): a repeated Order Completed
 * replaces the order and its lines instead of adding a second one.
 * Every write here keeps profile_stats right (store_segments.c): an event
 * adds to its profile's row, an order write recomputes the order part of
 * the rows of the profile it belongs to and of the one it left.
 */
#include "store/store_int.h"

static const char SQL_MESSAGE_SEEN[] = "SELECT 1 FROM events WHERE message_id = ?";
static const char SQL_EVENT_ADD[] =
    "INSERT INTO events(profile_id, source, type, name, properties, context, message_id, ts,"
    " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_ORDER_UPSERT[] =
    "INSERT INTO orders(profile_id, source, external_id, status, currency, total_cents,"
    " revenue_cents, ordered_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
    " ?9, ?9) ON CONFLICT (source, external_id) DO UPDATE SET profile_id = excluded.profile_id,"
    " status = excluded.status, currency = excluded.currency,"
    " total_cents = excluded.total_cents, revenue_cents = excluded.revenue_cents,"
    " ordered_at = excluded.ordered_at, updated_at = excluded.updated_at"
    " RETURNING id";
static const char SQL_ORDER_LINES_DELETE[] = "DELETE FROM order_lines WHERE order_id = ?";
static const char SQL_ORDER_LINE_ADD[] =
    "INSERT INTO order_lines(order_id, product_id, sku, name, category, price_cents, quantity)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_ORDER_OWNER[] =
    "SELECT profile_id FROM orders WHERE source = ? AND external_id = ?";
static const char SQL_ORDER_REFUND[] =
    "UPDATE orders SET status = 'refunded', refunded_cents = ?1, refunded_at = ?2, updated_at = ?3"
    " WHERE source = ?4 AND external_id = ?5 RETURNING profile_id";
static const char SQL_ORDER_REFUND_UNKNOWN[] =
    "INSERT INTO orders(profile_id, source, external_id, status, total_cents, refunded_cents,"
    " ordered_at, refunded_at, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, 'refunded', 0, ?4, ?5, ?5, ?6, ?6)";
static const char SQL_QUARANTINE_ADD[] =
    "INSERT INTO quarantine(source, kind, reason, field, payload, received_at)"
    " VALUES (?, ?, ?, ?, ?, ?)";

bool store_message_seen(struct store *s, const char *message_id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MESSAGE_SEEN);
    sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
    bool seen = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return seen;
}

int store_event_add(struct store *s, const struct store_event *ev)
{
    sqlite3_stmt *st = store_stmt(s, SQL_EVENT_ADD);
    sqlite3_bind_int64(st, 1, ev->profile_id);
    sqlite3_bind_text(st, 2, ev->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->type, -1, SQLITE_STATIC);
    store_bind_text(st, 4, ev->name);
    store_bind_text(st, 5, ev->properties);
    store_bind_text(st, 6, ev->context);
    store_bind_text(st, 7, ev->message_id);
    sqlite3_bind_int64(st, 8, ev->ts);
    sqlite3_bind_int64(st, 9, ev->received_at);
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(s->db);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return store_stats_event(s, ev);
    return ext == SQLITE_CONSTRAINT_UNIQUE ? ERR_DUPLICATE : ERR_DB;
}

int store_order_owner(struct store *s, const char *source, const char *external_id,
                      int64_t *profile_id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ORDER_OWNER);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *profile_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_order_stats(struct store *s, int64_t owner_before, int64_t profile_id, int64_t now)
{
    int rc = store_stats_orders(s, profile_id, now);
    if (!rc && owner_before && owner_before != profile_id)
        rc = store_stats_orders(s, owner_before, now);
    return rc;
}

int store_order_upsert(struct store *s, const struct store_order *o, int64_t now,
                       int64_t *order_id)
{
    int64_t owner = 0;
    if (store_order_owner(s, o->source, o->external_id, &owner))
        return ERR_DB;
    sqlite3_stmt *st = store_stmt(s, SQL_ORDER_UPSERT);
    sqlite3_bind_int64(st, 1, o->profile_id);
    sqlite3_bind_text(st, 2, o->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, o->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, o->status ? o->status : "completed", -1, SQLITE_STATIC);
    store_bind_text(st, 5, o->currency);
    sqlite3_bind_int64(st, 6, o->total_cents);
    if (o->has_revenue)
        sqlite3_bind_int64(st, 7, o->revenue_cents);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, o->ordered_at);
    sqlite3_bind_int64(st, 9, now);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return ERR_DB;
    }
    int64_t id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);

    st = store_stmt(s, SQL_ORDER_LINES_DELETE);
    sqlite3_bind_int64(st, 1, id);
    int rc = store_exec_stmt(s, st, NULL);
    for (size_t i = 0; i < o->nlines && !rc; i++) {
        const struct store_order_line *l = &o->lines[i];
        st = store_stmt(s, SQL_ORDER_LINE_ADD);
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(st, 2, l->product_id);
        store_bind_text(st, 3, l->sku);
        store_bind_text(st, 4, l->name);
        store_bind_text(st, 5, l->category);
        sqlite3_bind_int64(st, 6, l->price_cents);
        sqlite3_bind_int64(st, 7, l->quantity);
        rc = store_exec_stmt(s, st, NULL);
    }
    if (!rc)
        rc = store_order_stats(s, owner, o->profile_id, now);
    if (!rc && order_id)
        *order_id = id;
    return rc;
}

int store_order_refund(struct store *s, int64_t profile_id, const char *source,
                       const char *external_id, int64_t refund_cents, int64_t ts, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ORDER_REFUND);
    sqlite3_bind_int64(st, 1, refund_cents);
    sqlite3_bind_int64(st, 2, ts);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, external_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return store_stats_orders(s, owner, now);
    if (rc != SQLITE_DONE)
        return store_dberr(s, NULL, "refunding an order");
    st = store_stmt(s, SQL_ORDER_REFUND_UNKNOWN);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, external_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, refund_cents);
    sqlite3_bind_int64(st, 5, ts);
    sqlite3_bind_int64(st, 6, now);
    rc = store_exec_stmt(s, st, NULL);
    return rc ? rc : store_stats_orders(s, profile_id, now);
}

int store_quarantine_add(struct store *s, const char *source, const char *kind,
                         const char *reason, const char *field, const char *payload,
                         size_t payload_len, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_QUARANTINE_ADD);
    store_bind_text(st, 1, source);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    store_bind_text(st, 4, field && *field ? field : NULL);
    /* Kept as a blob: the input may not even be valid UTF-8. */
    sqlite3_bind_blob(st, 5, payload ? payload : "", (int)payload_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    return store_exec_stmt(s, st, NULL);
}
