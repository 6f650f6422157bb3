/*
 * test_store_segments.c — what the store keeps for segments
 * (store_segments.c), on real temp databases.
 *
 * The stats tests drive every kind of write that changes them (events,
 * order upserts and imports, an order moving to another profile, refunds of
 * known and unknown orders, a merge, an unmerge, a batch merge) and after
 * each step compare profile_stats with an aggregate computed from scratch by
 * SQL written here, independently of the store's. The migration test builds
 * a version 4 workspace with data and checks the backfill the same way.
 * Then: the loaders (order, live profiles only, per-id lookups, stopping),
 * segment storage with versions, and memberships with their transitions,
 * paging and the shift matrix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store_int.h" /* store_migrations, for a version 4 workspace */
#include "testdb.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z */
#define MIN 60000LL
#define DAY 86400000LL

#define fixture testdb_fixture
#define setup testdb_setup
#define teardown testdb_teardown
#define begin testdb_begin
#define commit testdb_commit

/* One integer from committed data, with ?1 = arg; -1 on failure. */
static int64_t sql_int(struct fixture *f, const char *sql, int64_t arg)
{
    return testdb_sql_int(f->db.path, sql, arg);
}

/* ---- building data ---------------------------------------------------------- */

static int64_t profile_add(struct store *s, const char *last_name, const char *country)
{
    const char *vals[PF_COUNT] = {0};
    vals[PF_FIRST_NAME] = "Kim";
    vals[PF_LAST_NAME] = last_name;
    vals[PF_COUNTRY] = country;
    int64_t id = 0;
    assert_int_equal(store_profile_insert(s, "web", vals, NULL, NOW - 30 * DAY, &id), 0);
    return id;
}

static int event_add(struct store *s, int64_t profile, const char *message_id, const char *type,
                     const char *name, int64_t ts)
{
    struct store_event ev = {.profile_id = profile,
                             .source = "web",
                             .type = type,
                             .name = name,
                             .message_id = message_id,
                             .ts = ts,
                             .received_at = ts + 5};
    return store_event_add(s, &ev);
}

static void order_upsert(struct store *s, int64_t profile, const char *source,
                         const char *external_id, int64_t cents, int64_t ts)
{
    struct store_order_line lines[] = {
        {.product_id = "p1",
         .sku = "S1",
         .name = "Grill",
         .category = "bbq",
         .price_cents = cents / 2,
         .quantity = 1},
        {.product_id = "p2",
         .sku = "S2",
         .name = "Tongs",
         .category = "tools",
         .price_cents = cents / 4,
         .quantity = 2},
    };
    struct store_order o = {.profile_id = profile,
                            .source = source,
                            .external_id = external_id,
                            .status = "completed",
                            .currency = "EUR",
                            .total_cents = cents,
                            .ordered_at = ts,
                            .lines = lines,
                            .nlines = 2};
    assert_int_equal(store_order_upsert(s, &o, ts + 1, NULL), 0);
}

static void order_import(struct store *s, int64_t profile, const char *external_id,
                         const char *status, int64_t cents, int64_t ts)
{
    struct store_order o = {.profile_id = profile,
                            .source = "shop",
                            .external_id = external_id,
                            .status = status,
                            .currency = "EUR",
                            .total_cents = cents,
                            .ordered_at = ts};
    assert_int_equal(store_order_import(s, &o, NULL, 42, ts + 1), 0);
}

/* ---- stats ------------------------------------------------------------------- */

/*
 * Live profiles whose stats differ from their orders and events, plus stats
 * rows of merged profiles: 0 when profile_stats is right. Written apart from
 * the store's SQL on purpose (correlated subqueries, a missing row = zeros).
 */
static const char STATS_WRONG[] =
    "SELECT (SELECT count(*) FROM profiles p LEFT JOIN profile_stats t ON t.profile_id = p.id"
    " WHERE p.merged_into IS NULL AND NOT ("
    " coalesce(t.order_count, 0) = (SELECT count(*) FROM orders o WHERE o.profile_id = p.id"
    "  AND o.status <> 'cancelled')"
    " AND coalesce(t.total_spent_cents, 0) = (SELECT coalesce(sum(o.total_cents"
    "  - o.refunded_cents), 0) FROM orders o WHERE o.profile_id = p.id"
    "  AND o.status <> 'cancelled')"
    " AND t.first_order_at IS (SELECT min(o.ordered_at) FROM orders o"
    "  WHERE o.profile_id = p.id AND o.status <> 'cancelled')"
    " AND t.last_order_at IS (SELECT max(o.ordered_at) FROM orders o"
    "  WHERE o.profile_id = p.id AND o.status <> 'cancelled')"
    " AND coalesce(t.event_count, 0) = (SELECT count(*) FROM events e WHERE e.profile_id = p.id)"
    " AND t.last_event_at IS (SELECT max(e.ts) FROM events e WHERE e.profile_id = p.id)"
    " AND t.last_visit_at IS (SELECT max(e.ts) FROM events e WHERE e.profile_id = p.id"
    "  AND (e.type = 'page' OR e.type = 'screen'))"
    " AND t.last_open_at IS (SELECT max(e.ts) FROM events e WHERE e.profile_id = p.id"
    "  AND e.name = 'Email Opened')"
    " AND t.last_click_at IS (SELECT max(e.ts) FROM events e WHERE e.profile_id = p.id"
    "  AND e.name = 'Email Link Clicked')))"
    " + (SELECT count(*) FROM profile_stats t JOIN profiles p ON p.id = t.profile_id"
    " WHERE p.merged_into IS NOT NULL)"
    " + (SELECT count(*) FROM profile_stats t WHERE NOT EXISTS"
    " (SELECT 1 FROM profiles p WHERE p.id = t.profile_id))";

static void assert_stats_right(struct fixture *f, const char *when)
{
    int64_t wrong = sql_int(f, STATS_WRONG, 0);
    if (wrong != 0)
        fail_msg("after %s: %lld profiles with wrong stats", when, (long long)wrong);
}

/* One stats column of a profile (NULL reads as 0), -1 without a row. */
static int64_t stat(struct fixture *f, const char *col, int64_t profile)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT coalesce(%s, 0) FROM profile_stats WHERE profile_id = ?1",
             col);
    return sql_int(f, sql, profile);
}

static void test_stats_follow_every_write(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    const int64_t t = NOW - 10 * DAY;

    begin(s);
    int64_t a = profile_add(s, "Aerts", "BE"), b = profile_add(s, "Bos", "NL");
    int64_t c = profile_add(s, "Claes", "BE");
    commit(s);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM profile_stats", 0), 0);
    assert_stats_right(f, "profiles without activity");

    /* events, out of time order, of every kind the stats tell apart */
    begin(s);
    assert_int_equal(event_add(s, a, "e1", "page", "Home", t + 1 * MIN), 0);
    assert_int_equal(event_add(s, a, "e2", "track", "Email Opened", t + 3 * MIN), 0);
    assert_int_equal(event_add(s, a, "e3", "track", "Email Link Clicked", t + 2 * MIN), 0);
    assert_int_equal(event_add(s, a, "e4", "screen", "Cart", t + 5 * MIN), 0);
    assert_int_equal(event_add(s, a, "e5", "track", "Email Opened", t), 0);
    assert_int_equal(event_add(s, a, "e6", "identify", NULL, t + 9 * MIN), 0);
    assert_int_equal(event_add(s, a, "e2", "track", "Email Opened", t + 99 * MIN), ERR_DUPLICATE);
    assert_int_equal(event_add(s, b, "e7", "track", "Email Opened", t + 7 * MIN), 0);
    assert_int_equal(event_add(s, b, "e8", "page", NULL, t + 6 * MIN), 0);
    assert_int_equal(event_add(s, b, NULL, "track", "Product Added", t + 8 * MIN), 0);
    commit(s);
    assert_stats_right(f, "events");
    assert_int_equal(stat(f, "event_count", a), 6); /* the duplicate is not counted */
    assert_int_equal(stat(f, "last_event_at", a), t + 9 * MIN);
    assert_int_equal(stat(f, "last_visit_at", a), t + 5 * MIN);
    assert_int_equal(stat(f, "last_open_at", a), t + 3 * MIN);
    assert_int_equal(stat(f, "last_click_at", a), t + 2 * MIN);
    assert_int_equal(stat(f, "last_click_at", b), 0);
    assert_int_equal(stat(f, "order_count", a), 0);

    /* orders: upserts, an import, a replacement, a move, refunds */
    begin(s);
    order_upsert(s, a, "web", "o1", 1000, t + 1 * DAY);
    order_upsert(s, a, "web", "o2", 2500, t + 3 * DAY);
    order_import(s, b, "s1", "completed", 700, t + 2 * DAY);
    order_import(s, b, "s2", "cancelled", 9900, t + 4 * DAY);
    commit(s);
    assert_stats_right(f, "orders");
    assert_int_equal(stat(f, "order_count", a), 2);
    assert_int_equal(stat(f, "total_spent_cents", a), 3500);
    assert_int_equal(stat(f, "order_count", b), 1); /* the cancelled one does not count */
    assert_int_equal(stat(f, "last_order_at", b), t + 2 * DAY);

    begin(s);
    order_upsert(s, a, "web", "o2", 3000, t + 0 * DAY);      /* replaced: now the first */
    order_upsert(s, c, "web", "o1", 1000, t + 1 * DAY);      /* moved from a to c */
    order_import(s, c, "s1", "completed", 800, t + 2 * DAY); /* moved from b to c */
    assert_int_equal(store_order_refund(s, a, "web", "o2", 500, t + 5 * DAY, t + 5 * DAY), 0);
    assert_int_equal(store_order_refund(s, b, "web", "ghost", 200, t + 6 * DAY, t + 6 * DAY), 0);
    commit(s);
    assert_stats_right(f, "replacements, moves and refunds");
    assert_int_equal(stat(f, "order_count", a), 1);
    assert_int_equal(stat(f, "total_spent_cents", a), 2500);
    assert_int_equal(stat(f, "first_order_at", a), t);
    assert_int_equal(stat(f, "order_count", c), 2);
    assert_int_equal(stat(f, "total_spent_cents", c), 1800);
    assert_int_equal(stat(f, "order_count", b), 1); /* only the unknown order's refund */
    assert_int_equal(stat(f, "total_spent_cents", b), -200);

    /* merge b into a, undo it, merge b and c into a in one batch */
    begin(s);
    assert_int_equal(store_profile_merge(s, a, b, "email", "{}", 1.0, NOW), 0);
    commit(s);
    assert_stats_right(f, "a merge");
    assert_int_equal(stat(f, "event_count", a), 9);
    assert_int_equal(stat(f, "last_open_at", a), t + 7 * MIN);
    assert_int_equal(stat(f, "order_count", a), 2);
    assert_int_equal(stat(f, "order_count", b), -1); /* no row for the absorbed profile */

    struct store_unmerge u;
    struct errbuf e = {{0}, {0}};
    begin(s);
    assert_int_equal(store_profile_unmerge(s, b, NOW + MIN, &u, &e), 0);
    commit(s);
    assert_stats_right(f, "an unmerge");
    assert_int_equal(stat(f, "event_count", a), 6);
    assert_int_equal(stat(f, "event_count", b), 3);

    struct store_merge_item items[] = {
        {.survivor = a, .absorbed = b, .root = a, .rule = "email", .evidence = "{}", .score = 1},
        {.survivor = b, .absorbed = c, .root = a, .rule = "phone", .evidence = "{}", .score = 1},
    };
    begin(s);
    assert_int_equal(store_profiles_merge_many(s, items, 2, NOW + 2 * MIN, &e), 0);
    commit(s);
    assert_stats_right(f, "a batch merge");
    assert_int_equal(stat(f, "event_count", a), 9);
    assert_int_equal(stat(f, "order_count", a), 4);
    assert_int_equal(stat(f, "total_spent_cents", a), 2500 + 1800 - 200);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM profile_stats", 0), 1);

    /* events and orders keep adding up on the survivor */
    begin(s);
    assert_int_equal(event_add(s, a, "e9", "page", NULL, NOW), 0);
    order_upsert(s, a, "web", "o3", 100, NOW);
    commit(s);
    assert_stats_right(f, "writes after the merges");
    assert_int_equal(stat(f, "last_visit_at", a), NOW);
}

static void test_stats_refresh_and_rebuild_repair(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    begin(s);
    int64_t a = profile_add(s, "Aerts", "BE"), b = profile_add(s, "Bos", "NL");
    assert_int_equal(event_add(s, a, "e1", "page", NULL, NOW), 0);
    order_upsert(s, b, "web", "o1", 1500, NOW);
    commit(s);
    assert_stats_right(f, "the writes");

    assert_int_equal(testdb_exec(f->db.path, "UPDATE profile_stats SET order_count = 7,"
                                             " last_visit_at = NULL"),
                     0);
    assert_int_equal(sql_int(f, STATS_WRONG, 0), 2);
    begin(s);
    assert_int_equal(store_stats_refresh(s, a), 0);
    commit(s);
    assert_int_equal(sql_int(f, STATS_WRONG, 0), 1);
    assert_int_equal(stat(f, "last_visit_at", a), NOW);

    assert_int_equal(testdb_exec(f->db.path, "DELETE FROM profile_stats;"
                                             " INSERT INTO profile_stats(profile_id, updated_at)"
                                             " VALUES (999, 0)"),
                     0);
    assert_int_equal(sql_int(f, STATS_WRONG, 0), 3);
    begin(s);
    assert_int_equal(store_stats_rebuild(s), 0);
    commit(s);
    assert_stats_right(f, "a rebuild");
    assert_int_equal(stat(f, "total_spent_cents", b), 1500);
}

/* A workspace at schema version 4, with data, migrated by opening it. */
static void test_migration_backfills_stats(void **state)
{
    (void)state;
    struct testdb t;
    assert_int_equal(testdb_new(&t), 0);
    assert_int_equal(testdb_exec(t.path, "CREATE TABLE schema_migrations ("
                                         " version INTEGER PRIMARY KEY,"
                                         " applied_at INTEGER NOT NULL)"),
                     0);
    for (int v = 0; v < 4; v++) {
        char done[96];
        snprintf(done, sizeof(done), "INSERT INTO schema_migrations VALUES (%d, 0)", v + 1);
        assert_int_equal(testdb_exec(t.path, store_migrations[v]), 0);
        assert_int_equal(testdb_exec(t.path, done), 0);
    }
    assert_int_equal(
        testdb_exec(t.path,
                    "INSERT INTO profiles(id, source, created_at, updated_at) VALUES"
                    " (1, 'web', 0, 0), (2, 'web', 0, 0), (3, 'web', 0, 0);"
                    "UPDATE profiles SET merged_into = 1 WHERE id = 3;"
                    "INSERT INTO events(profile_id, source, type, name, ts, received_at) VALUES"
                    " (1, 'web', 'page', NULL, 100, 100),"
                    " (1, 'web', 'track', 'Email Opened', 300, 300),"
                    " (1, 'web', 'track', 'Email Link Clicked', 200, 200),"
                    " (2, 'app', 'screen', 'Home', 50, 50);"
                    "INSERT INTO orders(profile_id, source, external_id, status, total_cents,"
                    " refunded_cents, ordered_at, created_at, updated_at) VALUES"
                    " (1, 'web', 'o1', 'completed', 1000, 0, 10, 0, 0),"
                    " (1, 'web', 'o2', 'refunded', 500, 200, 20, 0, 0),"
                    " (2, 'web', 'o3', 'cancelled', 900, 0, 30, 0, 0)"),
        0);

    struct store *s = NULL;
    struct errbuf e = {{0}, {0}};
    if (store_open(t.path, STORE_MIGRATE, &s, &e))
        fail_msg("store_open: %s", e.msg);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    struct fixture f = {.db = t};
    assert_stats_right(&f, "the migration");
    assert_int_equal(stat(&f, "order_count", 1), 2);
    assert_int_equal(stat(&f, "total_spent_cents", 1), 1300);
    assert_int_equal(stat(&f, "last_click_at", 1), 200);
    assert_int_equal(stat(&f, "order_count", 2), 0);
    assert_int_equal(stat(&f, "last_visit_at", 2), 50);
    assert_int_equal(stat(&f, "event_count", 3), -1);
    testdb_free(&t);
}

/* ---- loaders ----------------------------------------------------------------- */

#define MAXROWS 64

struct rows {
    int n;
    int stop_after; /* return 7 from the callback after this many rows (0: never) */
    int64_t pid[MAXROWS], ts[MAXROWS], num[MAXROWS];
    char text[MAXROWS][32];
};

static int row_add(struct rows *r, int64_t pid, int64_t ts, int64_t num, const char *text)
{
    if (r->n == MAXROWS)
        fail_msg("too many rows");
    r->pid[r->n] = pid;
    r->ts[r->n] = ts;
    r->num[r->n] = num;
    snprintf(r->text[r->n], sizeof(r->text[r->n]), "%s", text ? text : "(null)");
    r->n++;
    return r->stop_after && r->n == r->stop_after ? 7 : 0;
}

static int on_event(void *ctx, const struct store_sg_event *e)
{
    return row_add(ctx, e->profile_id, e->ts, 0, e->name);
}

static int on_order(void *ctx, const struct store_sg_order *o)
{
    return row_add(ctx, o->profile_id, o->ts, o->total_cents - o->refunded_cents, o->status);
}

static int on_line(void *ctx, const struct store_sg_line *l)
{
    return row_add(ctx, l->profile_id, l->ts, l->price_cents * l->quantity, l->category);
}

static int on_consent(void *ctx, const struct store_sg_consent *c)
{
    char t[32];
    snprintf(t, sizeof(t), "%s/%s=%s", c->channel, c->purpose, c->status);
    return row_add(ctx, c->profile_id, 0, 0, t);
}

static int on_identity(void *ctx, const struct store_sg_identity *i)
{
    return row_add(ctx, i->profile_id, 0, 0, i->type);
}

static int on_profile(void *ctx, const struct store_sg_profile *p)
{
    struct rows *r = ctx;
    /* text: country; num: order count; ts: last visit */
    int stop = row_add(r, p->id, p->last_visit_at, p->order_count, p->country);
    assert_int_equal(p->household_id, p->id % 2 ? 0 : 77);
    assert_string_equal(p->last_name, "Peeters");
    assert_null(p->email);
    assert_string_equal(p->attributes, "{}");
    assert_string_equal(p->source, "web");
    assert_int_equal(p->created_at, NOW - 30 * DAY);
    return stop;
}

/* Rows in ascending (profile, ts) order and from the expected profiles only. */
static void assert_ordered(const struct rows *r)
{
    for (int i = 1; i < r->n; i++)
        if (r->pid[i] < r->pid[i - 1] || (r->pid[i] == r->pid[i - 1] && r->ts[i] < r->ts[i - 1]))
            fail_msg("row %d out of order: profile %lld ts %lld after profile %lld ts %lld", i,
                     (long long)r->pid[i], (long long)r->ts[i], (long long)r->pid[i - 1],
                     (long long)r->ts[i - 1]);
}

static int count_pid(const struct rows *r, int64_t pid)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->pid[i] == pid;
    return n;
}

struct world {
    int64_t p[4]; /* p[3] merged into p[2] */
};

static void world_build(struct fixture *f, struct world *w)
{
    struct store *s = f->s;
    begin(s);
    for (int i = 0; i < 4; i++)
        w->p[i] = profile_add(s, "Peeters", i % 2 ? "NL" : "BE");
    /* each profile's events in reverse time order */
    char mid[32];
    for (int i = 0; i < 4; i++)
        for (int k = 3; k > 0; k--) {
            snprintf(mid, sizeof(mid), "m%d-%d", i, k);
            assert_int_equal(event_add(s, w->p[i], mid, k == 2 ? "page" : "track",
                                       k == 1 ? "Email Opened" : "Viewed", NOW + k * MIN - i),
                             0);
        }
    order_upsert(s, w->p[2], "web", "o1", 4000, NOW - DAY);
    order_upsert(s, w->p[0], "web", "o2", 1000, NOW - 2 * DAY);
    order_upsert(s, w->p[0], "web", "o3", 2000, NOW - 3 * DAY);
    order_upsert(s, w->p[3], "web", "o4", 800, NOW - 4 * DAY);
    assert_int_equal(store_order_refund(s, w->p[0], "web", "o2", 300, NOW, NOW), 0);
    struct store_consent c = {
        .channel = "email", .purpose = "", .status = "opted_in", .source = "web", .ts = NOW};
    for (int i = 3; i >= 0; i--) {
        c.profile_id = w->p[i];
        c.channel = "sms";
        assert_int_equal(store_consent_set(s, &c, NOW), 0);
        c.channel = "email";
        assert_int_equal(store_consent_set(s, &c, NOW), 0);
    }
    char v[32];
    for (int i = 0; i < 4; i++) {
        snprintf(v, sizeof(v), "k%d@x.nl", i);
        assert_int_equal(store_identity_add(s, "email", v, NULL, w->p[i], NOW, NULL), 0);
        snprintf(v, sizeof(v), "k%d@y.nl", i);
        assert_int_equal(store_identity_add(s, "email", v, NULL, w->p[i], NOW, NULL), 0);
        snprintf(v, sizeof(v), "anon-%d", i);
        assert_int_equal(store_identity_add(s, "anonymous_id", v, NULL, w->p[i], NOW, NULL), 0);
    }
    /* households by id parity, as on_profile expects */
    int64_t hh[4];
    for (int i = 0; i < 4; i++)
        hh[i] = w->p[i] % 2 ? 0 : 77;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_households_set(s, w->p, hh, 4, &e), 0);
    assert_int_equal(store_profile_merge(s, w->p[2], w->p[3], "email", "{}", 1.0, NOW), 0);
    commit(s);
    /* a row that should not exist: an event of the merged profile */
    char sql[200];
    snprintf(sql, sizeof(sql),
             "INSERT INTO events(profile_id, source, type, name, ts, received_at)"
             " VALUES (%lld, 'web', 'track', 'Stray', 1, 1)",
             (long long)w->p[3]);
    assert_int_equal(testdb_exec(f->db.path, sql), 0);
}

static void test_loaders_read_live_profiles_in_order(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct world w;
    world_build(f, &w);

    struct rows r = {0};
    assert_int_equal(store_sg_events(s, NULL, 0, on_event, &r), 0);
    assert_int_equal(r.n, 12);
    assert_ordered(&r);
    assert_int_equal(count_pid(&r, w.p[2]), 6); /* its own and the absorbed profile's */
    assert_int_equal(count_pid(&r, w.p[3]), 0);
    assert_int_equal(r.pid[0], w.p[0]);
    assert_string_equal(r.text[0], "Email Opened");

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_orders(s, NULL, 0, on_order, &r), 0);
    assert_int_equal(r.n, 4);
    assert_ordered(&r);
    assert_int_equal(r.pid[0], w.p[0]);
    assert_int_equal(r.num[0], 2000); /* o3, the older */
    assert_int_equal(r.num[1], 700);  /* o2, refunded 300 */
    assert_string_equal(r.text[1], "refunded");
    assert_int_equal(r.ts[2], NOW - 4 * DAY); /* o4, moved to p2 by the merge */

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_lines(s, NULL, 0, on_line, &r), 0);
    assert_int_equal(r.n, 8);
    assert_ordered(&r);
    assert_int_equal(count_pid(&r, w.p[2]), 4);
    assert_string_equal(r.text[0], "bbq");
    assert_int_equal(r.num[0], 1000);
    assert_int_equal(r.num[1], 1000); /* 500 x 2 */

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_consents(s, NULL, 0, on_consent, &r), 0);
    assert_int_equal(r.n, 6); /* the absorbed profile's consents went to its survivor */
    assert_ordered(&r);
    assert_string_equal(r.text[0], "email/=opted_in");
    assert_string_equal(r.text[1], "sms/=opted_in");

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_identities(s, NULL, 0, on_identity, &r), 0);
    assert_int_equal(r.n, 6); /* distinct types: two e-mails count once */
    assert_ordered(&r);
    assert_string_equal(r.text[0], "anonymous_id");
    assert_string_equal(r.text[1], "email");

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_profiles(s, NULL, 0, on_profile, &r), 0);
    assert_int_equal(r.n, 3);
    assert_ordered(&r);
    assert_int_equal(r.pid[2], w.p[2]);
    assert_int_equal(r.num[0], 2);                /* p0's order count */
    assert_int_equal(r.num[2], 2);                /* p2's, with the merged profile's order */
    assert_int_equal(r.ts[1], NOW + 2 * MIN - 1); /* p1's last visit */
    assert_string_equal(r.text[1], "NL");
}

static void test_loaders_by_ids_and_stopping(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct world w;
    world_build(f, &w);
    /* unsorted, a duplicate, an unknown id and a merged one */
    int64_t ids[] = {w.p[2], w.p[0], w.p[2], 999999, w.p[3]};

    struct rows r = {0};
    assert_int_equal(store_sg_events(s, ids, 5, on_event, &r), 0);
    assert_int_equal(r.n, 9);
    assert_ordered(&r);
    assert_int_equal(count_pid(&r, w.p[0]), 3);
    assert_int_equal(count_pid(&r, w.p[1]), 0);

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_orders(s, ids, 5, on_order, &r), 0);
    assert_int_equal(r.n, 4);
    assert_ordered(&r);

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_lines(s, ids + 1, 1, on_line, &r), 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(count_pid(&r, w.p[0]), 4);

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_consents(s, ids, 5, on_consent, &r), 0);
    assert_int_equal(r.n, 4);
    assert_ordered(&r);

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_identities(s, ids, 5, on_identity, &r), 0);
    assert_int_equal(r.n, 4);

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_profiles(s, ids, 5, on_profile, &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.pid[0], w.p[0]);
    assert_int_equal(r.pid[1], w.p[2]);

    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_profiles(s, ids + 3, 2, on_profile, &r), 0);
    assert_int_equal(r.n, 0); /* unknown and merged */
    assert_int_equal(store_sg_events(s, ids, 0, on_event, &r), 0);
    assert_int_equal(r.n, 0);

    /* a non-zero return stops the iteration and is returned, in both modes */
    memset(&r, 0, sizeof(r));
    r.stop_after = 2;
    assert_int_equal(store_sg_events(s, NULL, 0, on_event, &r), 7);
    assert_int_equal(r.n, 2);
    memset(&r, 0, sizeof(r));
    r.stop_after = 1;
    assert_int_equal(store_sg_orders(s, ids, 5, on_order, &r), 7);
    assert_int_equal(r.n, 1);
    memset(&r, 0, sizeof(r));
    r.stop_after = 1;
    assert_int_equal(store_sg_profiles(s, NULL, 0, on_profile, &r), 7);
    assert_int_equal(r.n, 1);
    /* the statements are usable again after a stop */
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_sg_events(s, NULL, 0, on_event, &r), 0);
    assert_int_equal(r.n, 12);
}

/* ---- segments ---------------------------------------------------------------- */

struct seg {
    int calls;
    int64_t id, version, created_at, updated_at;
    char name[32], kind[16], definition[64];
    bool time_relative;
};

static int on_segment(void *ctx, const struct store_segment *g)
{
    struct seg *x = ctx;
    x->calls++;
    x->id = g->id;
    x->version = g->version;
    x->created_at = g->created_at;
    x->updated_at = g->updated_at;
    snprintf(x->name, sizeof(x->name), "%s", g->name);
    snprintf(x->kind, sizeof(x->kind), "%s", g->kind);
    snprintf(x->definition, sizeof(x->definition), "%s", g->definition);
    x->time_relative = g->time_relative;
    return 0;
}

static void test_segment_storage_and_versions(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    int64_t id = 0, id2 = 0, v = 0, found = 0;
    begin(s);
    assert_int_equal(store_segment_create(s, "buyers", "rule", "{\"v\":1}", true, NOW, &id), 0);
    assert_int_equal(store_segment_create(s, "buyers", "rule", "{}", false, NOW, &id2), ERR_EXISTS);
    assert_int_equal(store_segment_create(s, "stages", "list", "{}", false, NOW, &id2),
                     ERR_INVALID);
    assert_int_equal(store_segment_create(s, "stages", "exclusive", "{\"s\":1}", false, NOW, &id2),
                     0);
    commit(s);
    assert_true(id > 0 && id2 > id);

    struct seg g = {0};
    assert_int_equal(store_segment_get(s, id, on_segment, &g), 0);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.version, 1);
    assert_string_equal(g.name, "buyers");
    assert_string_equal(g.kind, "rule");
    assert_string_equal(g.definition, "{\"v\":1}");
    assert_true(g.time_relative);
    assert_int_equal(g.created_at, NOW);
    assert_int_equal(store_segment_get(s, 12345, on_segment, &g), ERR_NOT_FOUND);
    assert_int_equal(store_segment_by_name(s, "stages", &found), 0);
    assert_int_equal(found, id2);
    assert_int_equal(store_segment_by_name(s, "nobody", &found), ERR_NOT_FOUND);

    /* new versions; the history keeps each definition */
    begin(s);
    assert_int_equal(store_segment_update(s, id, NULL, "{\"v\":2}", false, NOW + 1, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(store_segment_update(s, id, "big buyers", NULL, false, NOW + 2, &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(store_segment_update(s, id, "stages", NULL, false, NOW + 3, &v), ERR_EXISTS);
    assert_int_equal(store_segment_update(s, 12345, NULL, "{}", false, NOW + 3, &v), ERR_NOT_FOUND);
    commit(s);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_segment_get(s, id, on_segment, &g), 0);
    assert_int_equal(g.version, 3);
    assert_string_equal(g.name, "big buyers");
    assert_string_equal(g.definition, "{\"v\":2}");
    assert_false(g.time_relative);
    assert_int_equal(g.created_at, NOW);
    assert_int_equal(g.updated_at, NOW + 2);
    char *def = NULL;
    assert_int_equal(store_segment_version(s, id, 1, &def), 0);
    assert_string_equal(def, "{\"v\":1}");
    free(def);
    assert_int_equal(store_segment_version(s, id, 3, &def), 0);
    assert_string_equal(def, "{\"v\":2}");
    free(def);
    assert_int_equal(store_segment_version(s, id, 4, &def), ERR_NOT_FOUND);
    assert_null(def);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM segment_versions WHERE segment_id = ?1", id),
                     3);

    memset(&g, 0, sizeof(g));
    assert_int_equal(store_segment_list(s, on_segment, &g), 0);
    assert_int_equal(g.calls, 2);
    assert_int_equal(g.id, id2); /* by id: the last one seen */

    /* soft delete: gone, members removed without transitions, the name free again */
    begin(s);
    int64_t p = profile_add(s, "Aerts", "BE");
    assert_int_equal(store_segment_set(s, id2, p, true, "prospect", NOW, NULL), 0);
    assert_int_equal(store_segment_delete(s, id2, NOW + 5), 0);
    assert_int_equal(store_segment_delete(s, id2, NOW + 6), ERR_NOT_FOUND);
    commit(s);
    assert_int_equal(store_segment_get(s, id2, on_segment, &g), ERR_NOT_FOUND);
    assert_int_equal(store_segment_by_name(s, "stages", &found), ERR_NOT_FOUND);
    int64_t count = -1;
    assert_int_equal(store_segment_member_count(s, id2, &count), ERR_NOT_FOUND);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM segment_members WHERE segment_id = ?1", id2),
                     0);
    assert_int_equal(
        sql_int(f, "SELECT count(*) FROM segment_transitions WHERE segment_id = ?1", id2), 1);
    assert_int_equal(store_segment_update(s, id2, NULL, "{}", false, NOW, &v), ERR_NOT_FOUND);
    assert_int_equal(store_segment_version(s, id2, 1, &def), 0); /* history stays */
    free(def);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_segment_list(s, on_segment, &g), 0);
    assert_int_equal(g.calls, 1);
    begin(s);
    assert_int_equal(store_segment_create(s, "stages", "exclusive", "{}", false, NOW, &found), 0);
    assert_int_equal(store_segment_set(s, id2, p, true, "prospect", NOW, NULL), ERR_NOT_FOUND);
    commit(s);
    assert_true(found > id2);
}

/* ---- members and transitions ------------------------------------------------- */

struct members {
    int n;
    int64_t id[16], since[16];
    char sub[16][16];
};

static int on_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    struct members *m = ctx;
    m->id[m->n] = profile_id;
    m->since[m->n] = since;
    snprintf(m->sub[m->n], sizeof(m->sub[m->n]), "%s", sub ? sub : "-");
    m->n++;
    return 0;
}

static int on_member_of(void *ctx, int64_t segment_id, const char *sub)
{
    return on_member(ctx, segment_id, sub, 0);
}

struct trans {
    int n;
    int64_t id[16], pid[16], at[16];
    char text[16][40];
};

static int on_transition(void *ctx, int64_t id, int64_t profile_id, const char *kind,
                         const char *from_sub, const char *to_sub, int64_t at)
{
    struct trans *t = ctx;
    t->id[t->n] = id;
    t->pid[t->n] = profile_id;
    t->at[t->n] = at;
    snprintf(t->text[t->n], sizeof(t->text[t->n]), "%s %s>%s", kind, from_sub ? from_sub : "-",
             to_sub ? to_sub : "-");
    t->n++;
    return 0;
}

static int on_shift(void *ctx, const char *from_sub, const char *to_sub, int64_t count)
{
    struct trans *t = ctx;
    snprintf(t->text[t->n], sizeof(t->text[t->n]), "%s>%s=%lld", from_sub, to_sub,
             (long long)count);
    t->n++;
    return 0;
}

/* set and check what it says it did */
static void set(struct store *s, int64_t seg, int64_t p, bool member, const char *sub, int64_t at,
                bool expect_changed)
{
    bool changed = !expect_changed;
    assert_int_equal(store_segment_set(s, seg, p, member, sub, at, &changed), 0);
    assert_int_equal(changed, expect_changed);
}

static void test_membership_transitions_and_shifts(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    int64_t rule = 0, life = 0, p[5];
    begin(s);
    assert_int_equal(store_segment_create(s, "buyers", "rule", "{}", true, NOW, &rule), 0);
    assert_int_equal(store_segment_create(s, "lifecycle", "exclusive", "{}", false, NOW, &life), 0);
    for (int i = 0; i < 5; i++)
        p[i] = profile_add(s, "Peeters", "BE");

    /* a rule segment: enter, stay (no write), exit, exit again (no write) */
    set(s, rule, p[0], true, NULL, NOW + 1, true);
    set(s, rule, p[0], true, NULL, NOW + 2, false);
    set(s, rule, p[1], true, NULL, NOW + 3, true);
    set(s, rule, p[2], true, NULL, NOW + 4, true);
    set(s, rule, p[1], false, NULL, NOW + 5, true);
    set(s, rule, p[1], false, NULL, NOW + 6, false);
    set(s, rule, p[3], false, NULL, NOW + 6, false);

    /* an exclusive segment: none -> prospect -> buyer -> buyer -> none, ... */
    set(s, life, p[0], true, "prospect", NOW + 10, true);
    set(s, life, p[0], true, "buyer", NOW + 11, true);
    set(s, life, p[0], true, "buyer", NOW + 12, false);
    set(s, life, p[1], true, "prospect", NOW + 13, true);
    set(s, life, p[2], true, "prospect", NOW + 14, true);
    set(s, life, p[2], true, "buyer", NOW + 15, true);
    set(s, life, p[1], false, NULL, NOW + 16, true);
    set(s, life, p[3], true, "buyer", NOW + 17, true);
    /* a merged profile cannot enter */
    bool changed = true;
    assert_int_equal(store_profile_merge(s, p[0], p[4], "email", "{}", 1, NOW + 18), 0);
    assert_int_equal(store_segment_set(s, life, p[4], true, "buyer", NOW + 19, &changed),
                     ERR_NOT_FOUND);
    assert_false(changed);
    assert_int_equal(store_segment_set(s, 4242, p[0], true, NULL, NOW + 19, &changed),
                     ERR_NOT_FOUND);
    commit(s);

    int64_t count = -1;
    assert_int_equal(store_segment_member_count(s, rule, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(store_segment_member_count(s, life, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(store_segment_member_count(s, 4242, &count), ERR_NOT_FOUND);

    struct members m = {0};
    assert_int_equal(store_segment_members(s, life, 0, 0, on_member, &m), 0);
    assert_int_equal(m.n, 3);
    assert_int_equal(m.id[0], p[0]);
    assert_string_equal(m.sub[0], "buyer");
    assert_int_equal(m.since[0], NOW + 11); /* since the shift, not the no-op after it */
    assert_int_equal(m.id[2], p[3]);
    /* paging by profile id */
    memset(&m, 0, sizeof(m));
    assert_int_equal(store_segment_members(s, life, 0, 2, on_member, &m), 0);
    assert_int_equal(m.n, 2);
    assert_int_equal(store_segment_members(s, life, m.id[1], 2, on_member, &m), 0);
    assert_int_equal(m.n, 3);
    assert_int_equal(m.id[2], p[3]);
    assert_int_equal(store_segment_members(s, life, p[3], 2, on_member, &m), 0);
    assert_int_equal(m.n, 3);
    assert_int_equal(store_segment_members(s, 4242, 0, 2, on_member, &m), ERR_NOT_FOUND);
    memset(&m, 0, sizeof(m));
    assert_int_equal(store_segment_members(s, rule, 0, 10, on_member, &m), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.sub[0], "-");

    memset(&m, 0, sizeof(m));
    assert_int_equal(store_segment_members_of(s, p[0], on_member_of, &m), 0);
    assert_int_equal(m.n, 2);
    assert_int_equal(m.id[0], rule);
    assert_string_equal(m.sub[0], "-");
    assert_int_equal(m.id[1], life);
    assert_string_equal(m.sub[1], "buyer");

    /* the transitions, paged */
    struct trans t = {0};
    assert_int_equal(store_segment_transitions(s, life, 0, 3, on_transition, &t), 0);
    assert_int_equal(t.n, 3);
    assert_int_equal(store_segment_transitions(s, life, t.id[2], 0, on_transition, &t), 0);
    assert_int_equal(t.n, 7);
    static const char *const want[] = {
        "enter ->prospect",     "shift prospect>buyer", "enter ->prospect", "enter ->prospect",
        "shift prospect>buyer", "exit prospect>-",      "enter ->buyer",
    };
    for (int i = 0; i < 7; i++)
        assert_string_equal(t.text[i], want[i]);
    assert_int_equal(t.pid[5], p[1]);
    assert_int_equal(t.at[5], NOW + 16);
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_segment_transitions(s, rule, 0, 0, on_transition, &t), 0);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.text[0], "enter ->-");
    assert_string_equal(t.text[3], "exit ->-");
    assert_int_equal(store_segment_transitions(s, 4242, 0, 0, on_transition, &t), ERR_NOT_FOUND);

    /* the shift matrix over [from, to) */
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_segment_shifts(s, life, NOW, NOW + 100, on_shift, &t), 0);
    static const char *const matrix[] = {
        "none>buyer=1",
        "none>prospect=3",
        "prospect>buyer=2",
        "prospect>none=1",
    };
    assert_int_equal(t.n, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(t.text[i], matrix[i]);
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_segment_shifts(s, life, NOW + 11, NOW + 16, on_shift, &t), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.text[0], "none>prospect=2");  /* at +13, +14; +16 is outside */
    assert_string_equal(t.text[1], "prospect>buyer=2"); /* at +11, +15 */
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_segment_shifts(s, rule, NOW, NOW + 100, on_shift, &t), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.text[0], "in>none=1");
    assert_string_equal(t.text[1], "none>in=3");
    assert_int_equal(store_segment_shifts(s, 4242, NOW, NOW + 100, on_shift, &t), ERR_NOT_FOUND);
}

static void test_merges_drop_the_absorbed_memberships(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    int64_t seg = 0, p[4];
    struct errbuf e = {{0}, {0}};
    begin(s);
    assert_int_equal(store_segment_create(s, "all", "rule", "{}", false, NOW, &seg), 0);
    for (int i = 0; i < 4; i++) {
        p[i] = profile_add(s, "Peeters", "BE");
        set(s, seg, p[i], true, NULL, NOW, true);
    }
    assert_int_equal(store_profile_merge(s, p[0], p[1], "email", "{}", 1, NOW + 1), 0);
    struct store_merge_item items[] = {
        {.survivor = p[2],
         .absorbed = p[3],
         .root = p[2],
         .rule = "email",
         .evidence = "{}",
         .score = 1},
    };
    assert_int_equal(store_profiles_merge_many(s, items, 1, NOW + 2, &e), 0);
    commit(s);
    struct members m = {0};
    assert_int_equal(store_segment_members(s, seg, 0, 0, on_member, &m), 0);
    assert_int_equal(m.n, 2);
    assert_int_equal(m.id[0], p[0]);
    assert_int_equal(m.id[1], p[2]);
    memset(&m, 0, sizeof(m));
    assert_int_equal(store_segment_members_of(s, p[3], on_member_of, &m), 0);
    assert_int_equal(m.n, 0);
    /* no transitions for them: the engine decides about the survivors */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM segment_transitions", 0), 4);
    /* an unmerged profile comes back without memberships, for the engine to evaluate */
    struct store_unmerge u;
    begin(s);
    assert_int_equal(store_profile_unmerge(s, p[1], NOW + 3, &u, &e), 0);
    commit(s);
    memset(&m, 0, sizeof(m));
    assert_int_equal(store_segment_members_of(s, p[1], on_member_of, &m), 0);
    assert_int_equal(m.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stats_follow_every_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_refresh_and_rebuild_repair, setup, teardown),
        cmocka_unit_test(test_migration_backfills_stats),
        cmocka_unit_test_setup_teardown(test_loaders_read_live_profiles_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loaders_by_ids_and_stopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_storage_and_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_membership_transitions_and_shifts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merges_drop_the_absorbed_memberships, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
