/*
 * store_channels.c — the messages that people take out of the outbox by
 * hand (issue 7, items 7 and 8): a day's letters for the mail house, the
 * call centre's list with each person's context, and the moves of a
 * message out of "stored" (batched, merged_household, called).
 *
 * Reads join the message with its profile as it is now (the name, the
 * household, the lifecycle stage, the orders); the address is the one the
 * message was made with. Strings handed to callbacks are borrowed until the
 * callback returns.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* ---- letters ---------------------------------------------------------------------------- */

static const char SQL_LETTERS_OF_DAY[] =
    "SELECT m.id, m.profile_id, coalesce(m.scenario_id, 0), coalesce(p.household_id, 0),"
    " m.created_at, m.status, m.template, m.address, m.subject, m.body, m.html,"
    " p.first_name, p.last_name, p.postal_code, p.city, p.country, p.language, c.name,"
    " (SELECT e.detail FROM message_events e WHERE e.message_id = m.id"
    "  AND e.status = 'batched' ORDER BY e.id DESC LIMIT 1),"
    " m.attempts, p.erased_at IS NOT NULL"
    " FROM messages m JOIN profiles p ON p.id = m.profile_id"
    " LEFT JOIN scenarios c ON c.id = m.scenario_id"
    " WHERE m.channel = 'letter' AND m.created_at >= ?1 AND m.created_at < ?2"
    " ORDER BY m.profile_id, m.id";

static int item_rows(struct store *s, sqlite3_stmt *st, bool calls,
                     int (*fn)(void *ctx, const struct store_handoff *h), void *ctx)
{
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_handoff h = {
            .id = sqlite3_column_int64(st, 0),
            .profile_id = sqlite3_column_int64(st, 1),
            .scenario_id = sqlite3_column_int64(st, 2),
            .household_id = sqlite3_column_int64(st, 3),
            .created_at = sqlite3_column_int64(st, 4),
            .status = store_col_text(st, 5),
            .template_name = store_col_text(st, 6),
            .address = store_col_text(st, 7),
            .subject = store_col_text(st, 8),
            .body = store_col_text(st, 9),
            .html = store_col_text(st, 10),
            .first_name = store_col_text(st, 11),
            .last_name = store_col_text(st, 12),
            .postal_code = store_col_text(st, 13),
            .city = store_col_text(st, 14),
            .country = store_col_text(st, 15),
            .language = store_col_text(st, 16),
            .scenario = store_col_text(st, 17),
            .batch = calls ? NULL : store_col_text(st, 18),
            .lifecycle = calls ? store_col_text(st, 18) : NULL,
            .attempts = sqlite3_column_int(st, 19),
            .erased = sqlite3_column_int(st, 20) != 0,
        };
        if (calls) {
            h.order_count = sqlite3_column_int64(st, 21);
            h.last_order_at = sqlite3_column_int64(st, 22);
            h.last_order_cents = sqlite3_column_int64(st, 23);
            h.last_order_currency = store_col_text(st, 24);
        }
        out = fn(ctx, &h);
    }
    if (!out && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = store_dberr(s, NULL, calls ? "reading the call list" : "reading the letters");
    sqlite3_reset(st);
    return out;
}

int store_letters_of_day(struct store *s, int64_t from, int64_t to,
                         int (*fn)(void *ctx, const struct store_handoff *h), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_LETTERS_OF_DAY);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    return item_rows(s, st, false, fn, ctx);
}

/* ---- calls ------------------------------------------------------------------------------ */

/* Orders count unless cancelled, as in profile_stats; the last is the newest ordered. */
static const char SQL_CALLS[] =
    "SELECT m.id, m.profile_id, coalesce(m.scenario_id, 0), coalesce(p.household_id, 0),"
    " m.created_at, m.status, m.template, m.address, m.subject, m.body, m.html,"
    " p.first_name, p.last_name, p.postal_code, p.city, p.country, p.language, c.name,"
    " (SELECT sm.sub FROM segment_members sm JOIN segments g ON g.id = sm.segment_id"
    "  WHERE g.name = 'lifecycle' AND g.deleted_at IS NULL AND sm.profile_id = m.profile_id),"
    " m.attempts, p.erased_at IS NOT NULL,"
    " (SELECT count(*) FROM orders o WHERE o.profile_id = m.profile_id"
    "  AND o.status != 'cancelled'),"
    " lo.ordered_at, lo.total_cents, lo.currency"
    " FROM messages m JOIN profiles p ON p.id = m.profile_id"
    " LEFT JOIN scenarios c ON c.id = m.scenario_id"
    " LEFT JOIN orders lo ON lo.id = (SELECT o.id FROM orders o WHERE o.profile_id = m.profile_id"
    "  AND o.status != 'cancelled' ORDER BY o.ordered_at DESC, o.id DESC LIMIT 1)"
    " WHERE m.channel = 'call' AND m.id > ?2 AND m.address IS NOT NULL AND p.erased_at IS NULL"
    " AND (CASE WHEN ?1 IS NULL THEN m.status IN ('stored', 'called') ELSE m.status = ?1 END)"
    " ORDER BY m.id LIMIT ?3";

int store_calls(struct store *s, const char *status, int64_t after, int limit,
                int (*fn)(void *ctx, const struct store_handoff *h), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_CALLS);
    store_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    return item_rows(s, st, true, fn, ctx);
}

/* ---- moves out of the outbox ------------------------------------------------------------ */

static const char SQL_MSG_MOVE[] =
    "UPDATE messages SET status = coalesce(?3, status), attempts = attempts + ?4,"
    " updated_at = ?5 WHERE id = ?1 AND status = ?2";
static const char SQL_MSG_EXISTS[] = "SELECT 1 FROM messages WHERE id = ?1";

int store_message_move(struct store *s, int64_t id, const char *from, const char *to,
                       const char *what, const char *detail, bool attempt, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_MOVE);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
    store_bind_text(st, 3, to);
    sqlite3_bind_int(st, 4, attempt ? 1 : 0);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_dberr(s, NULL, "moving a message");
    if (!sqlite3_changes(s->db)) {
        st = store_stmt(s, SQL_MSG_EXISTS);
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? ERR_EXISTS : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    }
    return store_message_note(s, id, what ? what : to ? to : from, detail, now);
}
