/*
 * store_segments.c — what the segment engine needs from the store: the
 * per-profile stats kept current on every write, loaders that read the whole
 * workspace (or a few profiles) in profile order, stored segments with their
 * versions, and memberships with the transitions between them.
 *
 * Invariants, each kept inside the transaction of the write that could
 * break it:
 * - profile_stats has no row for a merged profile; a live profile's row
 *   equals the aggregate of its orders and events, and a missing row means
 *   none of either. Events add to the row (counts, latest times); an order
 *   write recomputes the order part of its profile's row (and of the profile
 *   it left); merges and unmerges recompute the profiles they change.
 * - segment_members holds only live profiles of live segments (a merge
 *   drops the absorbed profile's rows, a delete the segment's), and every
 *   change store_segment_set makes to it is one row of segment_transitions.
 *
 * The loaders call back while their statement is stepping: the callback may
 * use the store, but not the loader that called it.
 */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "store/store_int.h"

/* ---- profile stats ------------------------------------------------------- */

/* What counts (keep in step with m005's backfill and docs/internals/store.md). */
#define ORDER_COUNTS "status <> 'cancelled'"
#define VISIT_TYPES "('page', 'screen')"
#define OPEN_NAME "'Email Opened'"
/* the Segment spec's name, and the shorter one many shops (and rondo gen) send */
#define CLICK_NAMES "('Email Link Clicked', 'Email Clicked')"

/*
 * Full stats rows of the live profiles whose id matches IDS (an SQL tail:
 * "= ?2", "IN (...)"), for those with orders or events; ?1 is now.
 */
#define STATS_INSERT(IDS)                                                                          \
    "INSERT INTO profile_stats(profile_id, order_count, total_spent_cents, first_order_at,"        \
    " last_order_at, event_count, last_event_at, last_visit_at, last_open_at, last_click_at,"      \
    " updated_at)"                                                                                 \
    " SELECT p.id, coalesce(o.n, 0), coalesce(o.spent, 0), o.first, o.last, coalesce(e.n, 0),"     \
    " e.last, e.visit, e.open, e.click, ?1 FROM profiles p"                                        \
    " LEFT JOIN (SELECT profile_id, count(*) AS n, sum(total_cents - refunded_cents) AS spent,"    \
    "  min(ordered_at) AS first, max(ordered_at) AS last FROM orders"                              \
    "  WHERE " ORDER_COUNTS " AND profile_id " IDS " GROUP BY profile_id) o"                       \
    "  ON o.profile_id = p.id"                                                                     \
    " LEFT JOIN (SELECT profile_id, count(*) AS n, max(ts) AS last,"                               \
    "  max(CASE WHEN type IN " VISIT_TYPES " THEN ts END) AS visit,"                               \
    "  max(CASE WHEN name = " OPEN_NAME " THEN ts END) AS open,"                                   \
    "  max(CASE WHEN name IN " CLICK_NAMES " THEN ts END) AS click"                                  \
    "  FROM events WHERE profile_id " IDS " GROUP BY profile_id) e ON e.profile_id = p.id"         \
    " WHERE p.merged_into IS NULL AND p.id " IDS                                                   \
    " AND (o.profile_id IS NOT NULL OR e.profile_id IS NOT NULL)"

static const char SQL_STATS_DELETE[] = "DELETE FROM profile_stats WHERE profile_id = ?1";
static const char SQL_STATS_INSERT_ONE[] = STATS_INSERT("= ?2");
static const char SQL_STATS_CLEAR[] = "DELETE FROM profile_stats";
static const char SQL_STATS_INSERT_ALL[] = STATS_INSERT("IS NOT NULL");
static const char SQL_STATS_ORDERS[] =
    "INSERT INTO profile_stats(profile_id, order_count, total_spent_cents, first_order_at,"
    " last_order_at, updated_at)"
    " SELECT ?1, count(*), coalesce(sum(total_cents - refunded_cents), 0), min(ordered_at),"
    " max(ordered_at), ?2 FROM orders WHERE profile_id = ?1 AND " ORDER_COUNTS
    " ON CONFLICT (profile_id) DO UPDATE SET order_count = excluded.order_count,"
    " total_spent_cents = excluded.total_spent_cents, first_order_at = excluded.first_order_at,"
    " last_order_at = excluded.last_order_at, updated_at = excluded.updated_at";
/* Each time: the later of the stored one and the new one, either of which may be NULL. */
static const char SQL_STATS_EVENT[] =
    "INSERT INTO profile_stats(profile_id, event_count, last_event_at, last_visit_at,"
    " last_open_at, last_click_at, updated_at) VALUES (?1, 1, ?2,"
    " CASE WHEN ?3 IN " VISIT_TYPES " THEN ?2 END, CASE WHEN ?4 = " OPEN_NAME " THEN ?2 END,"
    " CASE WHEN ?4 IN " CLICK_NAMES " THEN ?2 END, ?5)"
    " ON CONFLICT (profile_id) DO UPDATE SET event_count = event_count + 1,"
    " last_event_at = coalesce(max(last_event_at, excluded.last_event_at), last_event_at,"
    "  excluded.last_event_at),"
    " last_visit_at = coalesce(max(last_visit_at, excluded.last_visit_at), last_visit_at,"
    "  excluded.last_visit_at),"
    " last_open_at = coalesce(max(last_open_at, excluded.last_open_at), last_open_at,"
    "  excluded.last_open_at),"
    " last_click_at = coalesce(max(last_click_at, excluded.last_click_at), last_click_at,"
    "  excluded.last_click_at),"
    " updated_at = excluded.updated_at";
static const char SQL_MEMBERS_DROP_PROFILE[] = "DELETE FROM segment_members WHERE profile_id = ?1";
static const char SQL_STATS_DELETE_MANY[] =
    "DELETE FROM profile_stats WHERE profile_id IN (SELECT absorbed FROM temp.merge_map)"
    " OR profile_id IN (SELECT root FROM temp.merge_map)";
static const char SQL_MEMBERS_DROP_MANY[] =
    "DELETE FROM segment_members WHERE profile_id IN (SELECT absorbed FROM temp.merge_map)";
static const char SQL_STATS_INSERT_MANY[] = STATS_INSERT("IN (SELECT root FROM temp.merge_map)");

/* Run sql with ?1 = a and, when it has them, ?2 = b. */
static int exec2(struct store *s, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    int n = sqlite3_bind_parameter_count(st);
    if (n >= 1)
        sqlite3_bind_int64(st, 1, a);
    if (n >= 2)
        sqlite3_bind_int64(st, 2, b);
    return store_exec_stmt(s, st, NULL);
}

int store_stats_event(struct store *s, const struct store_event *ev)
{
    sqlite3_stmt *st = store_stmt(s, SQL_STATS_EVENT);
    sqlite3_bind_int64(st, 1, ev->profile_id);
    sqlite3_bind_int64(st, 2, ev->ts);
    store_bind_text(st, 3, ev->type);
    store_bind_text(st, 4, ev->name);
    sqlite3_bind_int64(st, 5, ev->received_at);
    return store_exec_stmt(s, st, NULL);
}

int store_stats_orders(struct store *s, int64_t profile_id, int64_t now)
{
    return exec2(s, SQL_STATS_ORDERS, profile_id, now);
}

int store_stats_profile(struct store *s, int64_t profile_id, int64_t now)
{
    int rc = exec2(s, SQL_STATS_DELETE, profile_id, 0);
    return rc ? rc : exec2(s, SQL_STATS_INSERT_ONE, now, profile_id);
}

int store_stats_absorbed(struct store *s, int64_t profile_id)
{
    int rc = exec2(s, SQL_STATS_DELETE, profile_id, 0);
    return rc ? rc : exec2(s, SQL_MEMBERS_DROP_PROFILE, profile_id, 0);
}

int store_stats_merged_many(struct store *s, int64_t now)
{
    int rc = exec2(s, SQL_STATS_DELETE_MANY, 0, 0);
    if (!rc)
        rc = exec2(s, SQL_MEMBERS_DROP_MANY, 0, 0);
    return rc ? rc : exec2(s, SQL_STATS_INSERT_MANY, now, 0);
}

int store_stats_refresh(struct store *s, int64_t profile_id)
{
    return store_stats_profile(s, profile_id, clock_now());
}

int store_stats_rebuild(struct store *s)
{
    int rc = exec2(s, SQL_STATS_CLEAR, 0, 0);
    return rc ? rc : exec2(s, SQL_STATS_INSERT_ALL, clock_now(), 0);
}

/* ---- loaders ------------------------------------------------------------- */

/*
 * Each loader has two statements: ALL (no parameters) reads every live
 * profile's rows in one pass over an index in profile order; ONE reads
 * profile ?1's, none when it is merged. The merged profiles are few and
 * kept by a partial index, so ALL leaves them out with NOT IN rather than a
 * join per row.
 */
#define LIVE(col) col " NOT IN (SELECT id FROM profiles WHERE merged_into IS NOT NULL)"
#define LIVE_ONE "NOT EXISTS (SELECT 1 FROM profiles WHERE id = ?1 AND merged_into IS NOT NULL)"

#define SG_PROFILES                                                                                \
    "SELECT p.id, p.household_id, p.created_at, p.updated_at, p.first_name, p.last_name,"          \
    " p.gender, p.birth_date, p.language, p.email, p.phone, p.street, p.house_number,"             \
    " p.postal_code, p.city, p.country, p.lifecycle_stage, p.attributes, p.source,"                \
    " t.order_count, t.total_spent_cents, t.first_order_at, t.last_order_at, t.event_count,"       \
    " t.last_event_at, t.last_visit_at, t.last_open_at, t.last_click_at"                           \
    " FROM profiles p LEFT JOIN profile_stats t ON t.profile_id = p.id WHERE p.merged_into IS "    \
    "NULL AND p.erased_at IS NULL"
static const char SQL_SG_PROFILES_ALL[] = SG_PROFILES " ORDER BY p.id";
static const char SQL_SG_PROFILES_ONE[] = SG_PROFILES " AND p.id = ?1";

#define SG_ORDERS                                                                                  \
    "SELECT profile_id, id, ordered_at, total_cents, refunded_cents, status, source, currency"     \
    " FROM orders"
static const char SQL_SG_ORDERS_ALL[] =
    SG_ORDERS " WHERE " LIVE("profile_id") " ORDER BY profile_id, ordered_at";
static const char SQL_SG_ORDERS_ONE[] =
    SG_ORDERS " WHERE profile_id = ?1 AND " LIVE_ONE " ORDER BY ordered_at";

#define SG_LINES                                                                                   \
    "SELECT o.profile_id, o.id, o.ordered_at, l.price_cents, l.quantity, l.category,"              \
    " l.product_id, l.sku, l.name FROM orders o CROSS JOIN order_lines l ON l.order_id = o.id"
/* the lines of cancelled orders are no purchases: segments never see them */
static const char SQL_SG_LINES_ALL[] =
    SG_LINES " WHERE " LIVE("o.profile_id") " AND o.status <> 'cancelled'"
    " ORDER BY o.profile_id, o.ordered_at";
static const char SQL_SG_LINES_ONE[] =
    SG_LINES " WHERE o.profile_id = ?1 AND " LIVE_ONE " AND o.status <> 'cancelled'"
    " ORDER BY o.ordered_at";

#define SG_EVENTS "SELECT profile_id, ts, type, name, source FROM events"
static const char SQL_SG_EVENTS_ALL[] =
    SG_EVENTS " WHERE " LIVE("profile_id") " ORDER BY profile_id, ts";
static const char SQL_SG_EVENTS_ONE[] =
    SG_EVENTS " WHERE profile_id = ?1 AND " LIVE_ONE " ORDER BY ts";

#define SG_CONSENTS "SELECT profile_id, channel, purpose, status FROM consents"
static const char SQL_SG_CONSENTS_ALL[] =
    SG_CONSENTS " WHERE " LIVE("profile_id") " ORDER BY profile_id, channel, purpose";
static const char SQL_SG_CONSENTS_ONE[] =
    SG_CONSENTS " WHERE profile_id = ?1 AND " LIVE_ONE " ORDER BY channel, purpose";

#define SG_IDENTITIES "SELECT DISTINCT profile_id, type FROM identities"
static const char SQL_SG_IDENTITIES_ALL[] =
    SG_IDENTITIES " WHERE " LIVE("profile_id") " ORDER BY profile_id, type";
static const char SQL_SG_IDENTITIES_ONE[] =
    SG_IDENTITIES " WHERE profile_id = ?1 AND " LIVE_ONE " ORDER BY type";

/* Turns the current row into a loader's struct and calls the caller's fn with it. */
typedef int (*sg_row_fn)(sqlite3_stmt *st, void *arg);

static int load_rows(sqlite3_stmt *st, sg_row_fn row, void *arg)
{
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = row(st, arg);
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ALL when ids is NULL, else ONE for each distinct id in ascending order. */
static int load(struct store *s, const char *all, const char *one, const int64_t *ids, size_t n,
                sg_row_fn row, void *arg)
{
    if (!ids)
        return load_rows(store_stmt(s, all), row, arg);
    if (n == 0)
        return 0;
    int64_t *sorted = xcalloc(n, sizeof(*sorted));
    memcpy(sorted, ids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_id);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i > 0 && sorted[i] == sorted[i - 1])
            continue;
        sqlite3_stmt *st = store_stmt(s, one);
        sqlite3_bind_int64(st, 1, sorted[i]);
        rc = load_rows(st, row, arg);
    }
    free(sorted);
    return rc;
}

struct sg_profiles_arg {
    int (*fn)(void *ctx, const struct store_sg_profile *p);
    void *ctx;
};

static int row_profile(sqlite3_stmt *st, void *arg)
{
    struct sg_profiles_arg *a = arg;
    struct store_sg_profile p = {
        .id = sqlite3_column_int64(st, 0),
        .household_id = sqlite3_column_int64(st, 1),
        .created_at = sqlite3_column_int64(st, 2),
        .updated_at = sqlite3_column_int64(st, 3),
        .first_name = store_col_text(st, 4),
        .last_name = store_col_text(st, 5),
        .gender = store_col_text(st, 6),
        .birth_date = store_col_text(st, 7),
        .language = store_col_text(st, 8),
        .email = store_col_text(st, 9),
        .phone = store_col_text(st, 10),
        .street = store_col_text(st, 11),
        .house_number = store_col_text(st, 12),
        .postal_code = store_col_text(st, 13),
        .city = store_col_text(st, 14),
        .country = store_col_text(st, 15),
        .lifecycle_stage = store_col_text(st, 16),
        .attributes = store_col_text(st, 17),
        .source = store_col_text(st, 18),
        /* a NULL column (no stats row, no such time) reads as 0 */
        .order_count = sqlite3_column_int64(st, 19),
        .total_spent_cents = sqlite3_column_int64(st, 20),
        .first_order_at = sqlite3_column_int64(st, 21),
        .last_order_at = sqlite3_column_int64(st, 22),
        .event_count = sqlite3_column_int64(st, 23),
        .last_event_at = sqlite3_column_int64(st, 24),
        .last_visit_at = sqlite3_column_int64(st, 25),
        .last_open_at = sqlite3_column_int64(st, 26),
        .last_click_at = sqlite3_column_int64(st, 27),
    };
    return a->fn(a->ctx, &p);
}

int store_sg_profiles(struct store *s, const int64_t *ids, size_t n,
                      int (*fn)(void *ctx, const struct store_sg_profile *p), void *ctx)
{
    struct sg_profiles_arg a = {fn, ctx};
    return load(s, SQL_SG_PROFILES_ALL, SQL_SG_PROFILES_ONE, ids, n, row_profile, &a);
}

struct sg_orders_arg {
    int (*fn)(void *ctx, const struct store_sg_order *o);
    void *ctx;
};

static int row_order(sqlite3_stmt *st, void *arg)
{
    struct sg_orders_arg *a = arg;
    struct store_sg_order o = {
        .profile_id = sqlite3_column_int64(st, 0),
        .order_id = sqlite3_column_int64(st, 1),
        .ts = sqlite3_column_int64(st, 2),
        .total_cents = sqlite3_column_int64(st, 3),
        .refunded_cents = sqlite3_column_int64(st, 4),
        .status = store_col_text(st, 5),
        .source = store_col_text(st, 6),
        .currency = store_col_text(st, 7),
    };
    return a->fn(a->ctx, &o);
}

int store_sg_orders(struct store *s, const int64_t *ids, size_t n,
                    int (*fn)(void *ctx, const struct store_sg_order *o), void *ctx)
{
    struct sg_orders_arg a = {fn, ctx};
    return load(s, SQL_SG_ORDERS_ALL, SQL_SG_ORDERS_ONE, ids, n, row_order, &a);
}

struct sg_lines_arg {
    int (*fn)(void *ctx, const struct store_sg_line *l);
    void *ctx;
};

static int row_line(sqlite3_stmt *st, void *arg)
{
    struct sg_lines_arg *a = arg;
    struct store_sg_line l = {
        .profile_id = sqlite3_column_int64(st, 0),
        .order_id = sqlite3_column_int64(st, 1),
        .ts = sqlite3_column_int64(st, 2),
        .price_cents = sqlite3_column_int64(st, 3),
        .quantity = sqlite3_column_int64(st, 4),
        .category = store_col_text(st, 5),
        .product_id = store_col_text(st, 6),
        .sku = store_col_text(st, 7),
        .name = store_col_text(st, 8),
    };
    return a->fn(a->ctx, &l);
}

int store_sg_lines(struct store *s, const int64_t *ids, size_t n,
                   int (*fn)(void *ctx, const struct store_sg_line *l), void *ctx)
{
    struct sg_lines_arg a = {fn, ctx};
    return load(s, SQL_SG_LINES_ALL, SQL_SG_LINES_ONE, ids, n, row_line, &a);
}

struct sg_events_arg {
    int (*fn)(void *ctx, const struct store_sg_event *e);
    void *ctx;
};

static int row_event(sqlite3_stmt *st, void *arg)
{
    struct sg_events_arg *a = arg;
    struct store_sg_event e = {
        .profile_id = sqlite3_column_int64(st, 0),
        .ts = sqlite3_column_int64(st, 1),
        .type = store_col_text(st, 2),
        .name = store_col_text(st, 3),
        .source = store_col_text(st, 4),
    };
    return a->fn(a->ctx, &e);
}

int store_sg_events(struct store *s, const int64_t *ids, size_t n,
                    int (*fn)(void *ctx, const struct store_sg_event *e), void *ctx)
{
    struct sg_events_arg a = {fn, ctx};
    return load(s, SQL_SG_EVENTS_ALL, SQL_SG_EVENTS_ONE, ids, n, row_event, &a);
}

struct sg_consents_arg {
    int (*fn)(void *ctx, const struct store_sg_consent *c);
    void *ctx;
};

static int row_consent(sqlite3_stmt *st, void *arg)
{
    struct sg_consents_arg *a = arg;
    struct store_sg_consent c = {
        .profile_id = sqlite3_column_int64(st, 0),
        .channel = store_col_text(st, 1),
        .purpose = store_col_text(st, 2),
        .status = store_col_text(st, 3),
    };
    return a->fn(a->ctx, &c);
}

int store_sg_consents(struct store *s, const int64_t *ids, size_t n,
                      int (*fn)(void *ctx, const struct store_sg_consent *c), void *ctx)
{
    struct sg_consents_arg a = {fn, ctx};
    return load(s, SQL_SG_CONSENTS_ALL, SQL_SG_CONSENTS_ONE, ids, n, row_consent, &a);
}

struct sg_identities_arg {
    int (*fn)(void *ctx, const struct store_sg_identity *i);
    void *ctx;
};

static int row_identity(sqlite3_stmt *st, void *arg)
{
    struct sg_identities_arg *a = arg;
    struct store_sg_identity i = {
        .profile_id = sqlite3_column_int64(st, 0),
        .type = store_col_text(st, 1),
    };
    return a->fn(a->ctx, &i);
}

int store_sg_identities(struct store *s, const int64_t *ids, size_t n,
                        int (*fn)(void *ctx, const struct store_sg_identity *i), void *ctx)
{
    struct sg_identities_arg a = {fn, ctx};
    return load(s, SQL_SG_IDENTITIES_ALL, SQL_SG_IDENTITIES_ONE, ids, n, row_identity, &a);
}

/* ---- segments ------------------------------------------------------------ */

#define SEG_COLS "id, version, created_at, updated_at, name, kind, definition, time_relative"
static const char SQL_SEG_CREATE[] =
    "INSERT INTO segments(name, kind, version, definition, time_relative, created_at,"
    " updated_at) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?5)";
static const char SQL_SEG_UPDATE[] =
    "UPDATE segments SET name = coalesce(?2, name), definition = coalesce(?3, definition),"
    " time_relative = ?4, version = version + 1, updated_at = ?5"
    " WHERE id = ?1 AND deleted_at IS NULL RETURNING version";
/* The segment's current version into the history. */
static const char SQL_SEG_VERSION_KEEP[] =
    "INSERT INTO segment_versions(segment_id, version, definition, created_at)"
    " SELECT id, version, definition, updated_at FROM segments WHERE id = ?1";
static const char SQL_SEG_DELETE[] =
    "UPDATE segments SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL";
static const char SQL_SEG_MEMBERS_CLEAR[] = "DELETE FROM segment_members WHERE segment_id = ?1";
static const char SQL_SEG_GET[] =
    "SELECT " SEG_COLS " FROM segments WHERE id = ? AND deleted_at IS NULL";
static const char SQL_SEG_BY_NAME[] =
    "SELECT id FROM segments WHERE name = ? AND deleted_at IS NULL";
static const char SQL_SEG_LIST[] =
    "SELECT " SEG_COLS " FROM segments WHERE deleted_at IS NULL ORDER BY id";
static const char SQL_SEG_VERSION_GET[] =
    "SELECT definition FROM segment_versions WHERE segment_id = ? AND version = ?";
static const char SQL_SEG_LIVE[] = "SELECT 1 FROM segments WHERE id = ? AND deleted_at IS NULL";

/* A write that failed: ERR_EXISTS for a taken name, ERR_DB otherwise. */
static int write_err(struct store *s)
{
    return sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE ? ERR_EXISTS : ERR_DB;
}

int store_segment_create(struct store *s, const char *name, const char *kind,
                         const char *definition, bool time_relative, int64_t now, int64_t *id)
{
    if (!name || !definition || !kind ||
        (strcmp(kind, "rule") != 0 && strcmp(kind, "exclusive") != 0))
        return ERR_INVALID;
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_CREATE);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, definition, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, time_relative);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    int err = rc == SQLITE_DONE ? 0 : write_err(s);
    sqlite3_reset(st);
    if (err)
        return err;
    int64_t sid = sqlite3_last_insert_rowid(s->db);
    if ((rc = exec2(s, SQL_SEG_VERSION_KEEP, sid, 0)))
        return rc;
    if (id)
        *id = sid;
    return 0;
}

int store_segment_update(struct store *s, int64_t id, const char *name, const char *definition,
                         bool time_relative, int64_t now, int64_t *version)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_UPDATE);
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, definition);
    sqlite3_bind_int(st, 4, time_relative);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int err = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : write_err(s);
    sqlite3_reset(st);
    if (err)
        return err;
    if ((rc = exec2(s, SQL_SEG_VERSION_KEEP, id, 0)))
        return rc;
    if (version)
        *version = v;
    return 0;
}

int store_segment_delete(struct store *s, int64_t id, int64_t now)
{
    int rc = exec2(s, SQL_SEG_DELETE, id, now);
    if (rc)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return ERR_NOT_FOUND;
    return exec2(s, SQL_SEG_MEMBERS_CLEAR, id, 0);
}

static void segment_from_row(sqlite3_stmt *st, struct store_segment *g)
{
    g->id = sqlite3_column_int64(st, 0);
    g->version = sqlite3_column_int64(st, 1);
    g->created_at = sqlite3_column_int64(st, 2);
    g->updated_at = sqlite3_column_int64(st, 3);
    g->name = store_col_text(st, 4);
    g->kind = store_col_text(st, 5);
    g->definition = store_col_text(st, 6);
    g->time_relative = sqlite3_column_int(st, 7) != 0;
}

int store_segment_get(struct store *s, int64_t id,
                      int (*fn)(void *ctx, const struct store_segment *g), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_GET);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct store_segment g;
        segment_from_row(st, &g);
        rc = fn(ctx, &g);
    } else {
        rc = rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    }
    sqlite3_reset(st);
    return rc;
}

int store_segment_by_name(struct store *s, const char *name, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_BY_NAME);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_segment_list(struct store *s, int (*fn)(void *ctx, const struct store_segment *g),
                       void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_LIST);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_segment g;
        segment_from_row(st, &g);
        stop = fn(ctx, &g);
    }
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_segment_version(struct store *s, int64_t id, int64_t version, char **definition)
{
    *definition = NULL;
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_VERSION_GET);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, version);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *definition = xstrdup(store_col_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

/* 0 when segment id is live, else ERR_NOT_FOUND (or ERR_DB). */
static int segment_live(struct store *s, int64_t id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SEG_LIVE);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

/* ---- members and transitions ---------------------------------------------- */

static const char SQL_MEMBER_COUNT[] = "SELECT count(*) FROM segment_members WHERE segment_id = ?";
static const char SQL_MEMBERS[] =
    "SELECT profile_id, sub, since FROM segment_members WHERE segment_id = ?1"
    " AND profile_id > ?2 ORDER BY profile_id LIMIT ?3";
static const char SQL_MEMBERS_OF[] =
    "SELECT segment_id, sub FROM segment_members WHERE profile_id = ? ORDER BY segment_id";
static const char SQL_MEMBER_GET[] =
    "SELECT sub FROM segment_members WHERE segment_id = ?1 AND profile_id = ?2";
/* Only a live profile enters, and only a live segment. */
static const char SQL_MEMBER_ENTER[] =
    "INSERT INTO segment_members(segment_id, profile_id, sub, since) SELECT ?1, ?2, ?3, ?4"
    " WHERE EXISTS (SELECT 1 FROM segments WHERE id = ?1 AND deleted_at IS NULL)"
    " AND EXISTS (SELECT 1 FROM profiles WHERE id = ?2 AND merged_into IS NULL)";
static const char SQL_MEMBER_SHIFT[] =
    "UPDATE segment_members SET sub = ?3, since = ?4 WHERE segment_id = ?1 AND profile_id = ?2";
static const char SQL_MEMBER_EXIT[] =
    "DELETE FROM segment_members WHERE segment_id = ?1 AND profile_id = ?2";
static const char SQL_TRANSITION_ADD[] =
    "INSERT INTO segment_transitions(segment_id, profile_id, kind, from_sub, to_sub, at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_SHIFTS[] =
    "SELECT CASE kind WHEN 'enter' THEN 'none' ELSE coalesce(from_sub, 'in') END AS f,"
    " CASE kind WHEN 'exit' THEN 'none' ELSE coalesce(to_sub, 'in') END AS t, count(*)"
    " FROM segment_transitions WHERE segment_id = ?1 AND at >= ?2 AND at < ?3"
    " GROUP BY f, t ORDER BY f, t";
static const char SQL_TRANSITIONS[] =
    "SELECT id, profile_id, kind, from_sub, to_sub, at FROM segment_transitions"
    " WHERE segment_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";

int store_segment_member_count(struct store *s, int64_t id, int64_t *count)
{
    int rc = segment_live(s, id);
    if (rc)
        return rc;
    sqlite3_stmt *st = store_stmt(s, SQL_MEMBER_COUNT);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}

int store_segment_members(struct store *s, int64_t id, int64_t after_profile_id, int limit,
                          int (*fn)(void *ctx, int64_t profile_id, const char *sub, int64_t since),
                          void *ctx)
{
    int rc = segment_live(s, id);
    if (rc)
        return rc;
    sqlite3_stmt *st = store_stmt(s, SQL_MEMBERS);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, after_profile_id);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    int stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(st, 0), store_col_text(st, 1),
                  sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_segment_members_of(struct store *s, int64_t profile_id,
                             int (*fn)(void *ctx, int64_t segment_id, const char *sub), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MEMBERS_OF);
    sqlite3_bind_int64(st, 1, profile_id);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(st, 0), store_col_text(st, 1));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

static int transition_add(struct store *s, int64_t segment_id, int64_t profile_id, const char *kind,
                          const char *from_sub, const char *to_sub, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TRANSITION_ADD);
    sqlite3_bind_int64(st, 1, segment_id);
    sqlite3_bind_int64(st, 2, profile_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    store_bind_text(st, 4, from_sub);
    store_bind_text(st, 5, to_sub);
    sqlite3_bind_int64(st, 6, now);
    return store_exec_stmt(s, st, NULL);
}

/* Run a member write: ?1 segment, ?2 profile, ?3 sub, ?4 now (as many as it has). */
static int member_write(struct store *s, const char *sql, int64_t segment_id, int64_t profile_id,
                        const char *sub, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    int n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, segment_id);
    sqlite3_bind_int64(st, 2, profile_id);
    if (n >= 3)
        store_bind_text(st, 3, sub);
    if (n >= 4)
        sqlite3_bind_int64(st, 4, now);
    return store_exec_stmt(s, st, NULL);
}

int store_segment_set(struct store *s, int64_t segment_id, int64_t profile_id, bool member,
                      const char *sub, int64_t now, bool *changed)
{
    bool dummy;
    if (!changed)
        changed = &dummy;
    *changed = false;
    sqlite3_stmt *st = store_stmt(s, SQL_MEMBER_GET);
    sqlite3_bind_int64(st, 1, segment_id);
    sqlite3_bind_int64(st, 2, profile_id);
    int rc = sqlite3_step(st);
    bool in = rc == SQLITE_ROW;
    const char *cur = in ? store_col_text(st, 0) : NULL;
    bool same = in == member && (!in || (!cur && !sub) || (cur && sub && strcmp(cur, sub) == 0));
    char *was = cur ? xstrdup(cur) : NULL;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = ERR_DB;
        goto out;
    }
    rc = 0;
    if (same)
        goto out;
    if (!member) {
        rc = member_write(s, SQL_MEMBER_EXIT, segment_id, profile_id, NULL, now);
        if (!rc)
            rc = transition_add(s, segment_id, profile_id, "exit", was, NULL, now);
    } else if (in) {
        rc = member_write(s, SQL_MEMBER_SHIFT, segment_id, profile_id, sub, now);
        if (!rc)
            rc = transition_add(s, segment_id, profile_id, "shift", was, sub, now);
    } else {
        rc = member_write(s, SQL_MEMBER_ENTER, segment_id, profile_id, sub, now);
        if (!rc && sqlite3_changes(s->db) == 0)
            rc = ERR_NOT_FOUND; /* the segment is gone or the profile merged away */
        if (!rc)
            rc = transition_add(s, segment_id, profile_id, "enter", NULL, sub, now);
    }
    *changed = rc == 0;
out:
    free(was);
    return rc;
}

int store_segment_shifts(struct store *s, int64_t id, int64_t from, int64_t to,
                         int (*fn)(void *ctx, const char *from_sub, const char *to_sub,
                                   int64_t count),
                         void *ctx)
{
    int rc = segment_live(s, id);
    if (rc)
        return rc;
    sqlite3_stmt *st = store_stmt(s, SQL_SHIFTS);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, store_col_text(st, 0), store_col_text(st, 1), sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_segment_transitions(struct store *s, int64_t id, int64_t after_id, int limit,
                              int (*fn)(void *ctx, int64_t id, int64_t profile_id, const char *kind,
                                        const char *from_sub, const char *to_sub, int64_t at),
                              void *ctx)
{
    int rc = segment_live(s, id);
    if (rc)
        return rc;
    sqlite3_stmt *st = store_stmt(s, SQL_TRANSITIONS);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, after_id);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    int stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop =
            fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), store_col_text(st, 2),
               store_col_text(st, 3), store_col_text(st, 4), sqlite3_column_int64(st, 5));
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

/*
 * Temporary triggers on the writer's connection only: each row written to
 * what segments read marks its profile (both sides of a move). Not INSERT
 * OR IGNORE: inside a trigger it takes the outer statement's conflict
 * handling, and an upsert makes that ABORT.
 */
static const char SQL_TOUCH_TRACK[] =
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_profile_ins AFTER INSERT ON main.profiles BEGIN"
    " INSERT INTO segment_dirty SELECT new.id WHERE new.id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_profile_upd AFTER UPDATE ON main.profiles BEGIN"
    " INSERT INTO segment_dirty SELECT new.id WHERE new.id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_event_ins AFTER INSERT ON main.events BEGIN"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_event_upd AFTER UPDATE OF profile_id ON main.events BEGIN"
    " INSERT INTO segment_dirty SELECT old.profile_id WHERE old.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = old.profile_id);"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_order_ins AFTER INSERT ON main.orders BEGIN"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_order_upd AFTER UPDATE ON main.orders BEGIN"
    " INSERT INTO segment_dirty SELECT old.profile_id WHERE old.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = old.profile_id);"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_consent_ins AFTER INSERT ON main.consents BEGIN"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_consent_upd AFTER UPDATE ON main.consents BEGIN"
    " INSERT INTO segment_dirty SELECT old.profile_id WHERE old.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = old.profile_id);"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_consent_del AFTER DELETE ON main.consents BEGIN"
    " INSERT INTO segment_dirty SELECT old.profile_id WHERE old.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = old.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_identity_ins AFTER INSERT ON main.identities BEGIN"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_identity_upd AFTER UPDATE OF profile_id ON main.identities BEGIN"
    " INSERT INTO segment_dirty SELECT old.profile_id WHERE old.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = old.profile_id);"
    " INSERT INTO segment_dirty SELECT new.profile_id WHERE new.profile_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty WHERE profile_id = new.profile_id);"
    " END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS dirty_line_ins AFTER INSERT ON main.order_lines BEGIN"
    " INSERT INTO segment_dirty SELECT o.profile_id FROM orders o WHERE o.id = new.order_id"
    " AND NOT EXISTS (SELECT 1 FROM segment_dirty d WHERE d.profile_id = o.profile_id); END;";

int store_touch_track(struct store *s)
{
    return store_exec(s, SQL_TOUCH_TRACK, NULL);
}

/* Everything a command wrote since t (ms): set-based, when it ends. */
static const char SQL_DIRTY_SINCE[] =
    "INSERT INTO segment_dirty SELECT DISTINCT profile_id FROM ("
    " SELECT id AS profile_id FROM profiles WHERE updated_at >= ?1"
    " UNION ALL SELECT profile_id FROM events WHERE received_at >= ?1"
    " UNION ALL SELECT profile_id FROM orders WHERE updated_at >= ?1"
    " UNION ALL SELECT profile_id FROM consents WHERE updated_at >= ?1"
    " UNION ALL SELECT profile_id FROM identities WHERE created_at >= ?1) w"
    " WHERE NOT EXISTS (SELECT 1 FROM segment_dirty d WHERE d.profile_id = w.profile_id)";

int store_dirty_since(struct store *s, int64_t t)
{
    sqlite3_stmt *st = store_stmt(s, SQL_DIRTY_SINCE);
    sqlite3_bind_int64(st, 1, t);
    return store_exec_stmt(s, st, NULL);
}

/* ---- profiles due for re-evaluation ----------------------------------------- */

static const char SQL_TOUCHED[] = "SELECT profile_id FROM segment_dirty ORDER BY profile_id";
static const char SQL_TOUCHED_CLEAR[] = "DELETE FROM segment_dirty";
static const char SQL_TOUCHED_COUNT[] = "SELECT count(*) FROM segment_dirty";

int store_touched_count(struct store *s, int64_t *n)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TOUCHED_COUNT);
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}

int store_touched_take(struct store *s, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st = store_stmt(s, SQL_TOUCHED);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *ids = xrealloc(*ids, cap * sizeof(**ids));
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return ERR_DB;
    }
    return store_exec(s, SQL_TOUCHED_CLEAR, NULL);
}

/* ---- a stamp of the segments' definitions --------------------------------------- */

static const char SQL_SEGMENT_STAMP[] =
    "SELECT count(*), max(coalesce(max(updated_at), 0),"
    "  coalesce((SELECT updated_at FROM settings WHERE key = '" SETTING_TIMEZONE "'), 0)),"
    " coalesce(max(deleted_at), 0), coalesce(sum(version), 0) FROM segments";

int store_segment_stamp(struct store *s, int64_t stamp[4])
{
    sqlite3_stmt *st = store_stmt(s, SQL_SEGMENT_STAMP);
    int rc = sqlite3_step(st);
    for (int i = 0; i < 4; i++)
        stamp[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}
