/*
 * test_store.c — the SQLite store on real database files in a temp directory.
 *
 * Opening: a missing workspace is refused without STORE_CREATE (pointing at
 * `rondo init`), a new one is created and migrated, an unmigrated one needs
 * STORE_MIGRATE, one written by a newer rondo is refused (ERR_SCHEMA_NEWER).
 * Then: transactions and savepoints, API keys, identities (unique, ERR_EXISTS
 * with the owner), golden-field and custom-attribute updates, event
 * deduplication by messageId, order upserts and refunds, merges (identities,
 * events, orders move; tombstone; golden fields filled; consents combined so
 * an opt-out never loses to an older opt-in, with history), the quarantine
 * and the JSON shape of the profile view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "store/store.h"
#include "testdb.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z */

struct fixture {
    struct testdb db;
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || testdb_open_store(&f->db, &f->s))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    testdb_close_store(&f->db, f->s);
    free(f);
    return 0;
}

/* For the tests of store_open: an empty temp directory, removed even when a test fails. */
static int setup_dir(void **state)
{
    struct testdb *t = calloc(1, sizeof(*t));
    if (!t || testdb_new(t))
        return -1;
    *state = t;
    return 0;
}

static int teardown_dir(void **state)
{
    testdb_free(*state);
    free(*state);
    return 0;
}

static void begin(struct store *s)
{
    struct errbuf e = {{0}, {0}};
    if (store_begin(s, &e))
        fail_msg("store_begin: %s", e.msg);
}

static void commit(struct store *s)
{
    struct errbuf e = {{0}, {0}};
    if (store_commit(s, &e))
        fail_msg("store_commit: %s", e.msg);
}

static int64_t new_profile(struct store *s, const char *source)
{
    int64_t id = 0;
    assert_int_equal(store_profile_create(s, source, NOW, &id), 0);
    assert_true(id > 0);
    return id;
}

static json_t *view(struct store *s, int64_t id)
{
    json_t *v = NULL;
    struct errbuf e = {{0}, {0}};
    if (store_profile_view(s, id, &v, &e))
        fail_msg("store_profile_view(%lld): %s", (long long)id, e.msg);
    return v;
}

/* One integer read through a separate connection (committed data only). */
static int64_t sql_int(struct fixture *f, const char *sql, int64_t arg)
{
    return testdb_sql_int(f->db.path, sql, arg);
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- opening ------------------------------------------------------------ */

static void test_open_missing_needs_create(void **state)
{
    struct testdb t = *(struct testdb *)*state;
    struct store *s = (struct store *)0x1;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_open(t.path, 0, &s, &e), ERR_NOT_FOUND);
    assert_null(s);
    assert_non_null(strstr(e.msg, "rondo init"));
    assert_non_null(strstr(e.msg, t.path));
    assert_int_not_equal(access(t.path, F_OK), 0); /* nothing was created */

    /* migrating is not creating */
    assert_int_equal(store_open(t.path, STORE_MIGRATE, &s, &e), ERR_NOT_FOUND);
    assert_null(s);
    assert_int_not_equal(access(t.path, F_OK), 0);
}

static void test_open_creates_and_migrates(void **state)
{
    struct testdb t = *(struct testdb *)*state;
    struct store *s = NULL;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_open(t.path, STORE_CREATE | STORE_MIGRATE, &s, &e), 0);
    assert_non_null(s);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    assert_int_equal(access(t.path, F_OK), 0);
    assert_int_equal(testdb_sql_int(t.path, "SELECT max(version) FROM schema_migrations", 0),
                     STORE_SCHEMA_VERSION);
    assert_int_equal(testdb_sql_int(t.path, "SELECT count(*) FROM profiles", 0), 0);

    /* an up-to-date workspace opens without flags, and migrating again is a no-op */
    assert_int_equal(store_open(t.path, 0, &s, &e), 0);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    assert_int_equal(store_open(t.path, STORE_MIGRATE, &s, &e), 0);
    store_close(s);
    assert_int_equal(testdb_sql_int(t.path, "SELECT count(*) FROM schema_migrations", 0),
                     STORE_SCHEMA_VERSION);
    assert_string_equal(e.msg, "");
}

static void test_open_old_schema_needs_migrate(void **state)
{
    struct testdb t = *(struct testdb *)*state;
    /* a workspace at version 0: rondo's version table, no migration applied yet */
    assert_int_equal(testdb_exec(t.path, "CREATE TABLE schema_migrations("
                                         " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"),
                     0);
    struct store *s = (struct store *)0x1;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_open(t.path, 0, &s, &e), ERR_DB);
    assert_null(s);
    assert_non_null(strstr(e.msg, "rondo init"));
    assert_int_equal(
        testdb_sql_int(t.path, "SELECT count(*) FROM sqlite_master WHERE name = 'profiles'", 0), 0);

    assert_int_equal(store_open(t.path, STORE_MIGRATE, &s, &e), 0);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
}

static void test_open_refuses_foreign_database(void **state)
{
    struct testdb t = *(struct testdb *)*state;
    /* someone else's SQLite file is never migrated into, nor switched to WAL */
    assert_int_equal(testdb_exec(t.path, "CREATE TABLE unrelated(x)"), 0);
    struct store *s = (struct store *)0x1;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_open(t.path, STORE_CREATE | STORE_MIGRATE, &s, &e), ERR_DB);
    assert_null(s);
    assert_non_null(strstr(e.msg, "not a rondo workspace"));
    assert_int_equal(
        testdb_sql_int(t.path, "SELECT count(*) FROM sqlite_master WHERE name <> 'unrelated'", -1),
        0);
}

static void test_open_refuses_newer_schema(void **state)
{
    struct testdb t = *(struct testdb *)*state;
    struct store *s = NULL;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_open(t.path, STORE_CREATE | STORE_MIGRATE, &s, &e), 0);
    store_close(s);
    char sql[128];
    snprintf(sql, sizeof(sql),
             "INSERT INTO schema_migrations(version, applied_at) VALUES (%d, 0)",
             STORE_SCHEMA_VERSION + 1);
    assert_int_equal(testdb_exec(t.path, sql), 0);

    static const int flags[] = {0, STORE_MIGRATE, STORE_CREATE | STORE_MIGRATE};
    for (size_t i = 0; i < 3; i++) {
        s = (struct store *)0x1;
        err_clear(&e);
        assert_int_equal(store_open(t.path, flags[i], &s, &e), ERR_SCHEMA_NEWER);
        assert_null(s);
        assert_non_null(strstr(e.msg, "newer"));
    }
    /* and the database was left as it was */
    assert_int_equal(testdb_sql_int(t.path, "SELECT max(version) FROM schema_migrations", 0),
                     STORE_SCHEMA_VERSION + 1);
}

static void test_open_refuses_non_database(void **state)
{
    struct testdb t = *(struct testdb *)*state;
    FILE *fp = fopen(t.path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database, just a text file\n", fp);
    fclose(fp);
    struct store *s = (struct store *)0x1;
    struct errbuf e = {{0}, {0}};
    int rc = store_open(t.path, STORE_MIGRATE, &s, &e);
    assert_true(rc < 0);
    assert_null(s);
    assert_non_null(strstr(e.msg, "not a rondo workspace"));
}

/* ---- transactions --------------------------------------------------------- */

static void test_rollback_and_savepoints(void **state)
{
    struct fixture *f = *state;
    struct store_counts c;

    begin(f->s);
    new_profile(f->s, "web");
    store_rollback(f->s);
    assert_int_equal(store_counts(f->s, &c), 0);
    assert_int_equal(c.profiles, 0);
    store_rollback(f->s); /* outside a transaction: harmless */

    /* a failed job inside a savepoint is undone alone */
    struct errbuf e = {{0}, {0}};
    begin(f->s);
    int64_t kept = new_profile(f->s, "web");
    assert_int_equal(store_savepoint(f->s, &e), 0);
    new_profile(f->s, "web");
    store_savepoint_rollback(f->s);
    assert_int_equal(store_savepoint(f->s, &e), 0);
    int64_t released = new_profile(f->s, "web");
    assert_int_equal(store_savepoint_release(f->s, &e), 0);
    commit(f->s);

    int64_t id;
    assert_int_equal(store_profile_resolve(f->s, kept, &id), 0);
    assert_int_equal(store_profile_resolve(f->s, released, &id), 0);
    assert_int_equal(store_counts(f->s, &c), 0);
    assert_int_equal(c.profiles, 2);
    assert_int_equal(testdb_sql_int(f->db.path, "SELECT count(*) FROM profiles", 0), 2);
}

/* ---- keys ----------------------------------------------------------------- */

static void test_keys(void **state)
{
    struct fixture *f = *state;
    struct errbuf e = {{0}, {0}};
    struct store_key k;
    memset(&k, 0, sizeof(k));
    snprintf(k.prefix, sizeof(k.prefix), "0123456789ab");
    for (int i = 0; i < 32; i++)
        k.hash[i] = (unsigned char)(i * 7 + 1);
    snprintf(k.role, sizeof(k.role), "ingest");
    snprintf(k.source, sizeof(k.source), "webshop");
    k.created_at = NOW;

    begin(f->s);
    assert_int_equal(store_key_insert(f->s, &k, &e), 0);
    assert_true(k.id > 0);
    struct store_key admin;
    memset(&admin, 0, sizeof(admin));
    snprintf(admin.prefix, sizeof(admin.prefix), "ffffffffffff");
    snprintf(admin.role, sizeof(admin.role), "admin");
    admin.created_at = NOW + 1;
    assert_int_equal(store_key_insert(f->s, &admin, &e), 0);

    /* the prefix is unique; the role is checked */
    struct store_key dup = k;
    assert_int_equal(store_key_insert(f->s, &dup, &e), ERR_DB);
    struct store_key bad = k;
    snprintf(bad.prefix, sizeof(bad.prefix), "aaaaaaaaaaaa");
    snprintf(bad.role, sizeof(bad.role), "root");
    assert_int_equal(store_key_insert(f->s, &bad, &e), ERR_DB);
    commit(f->s);

    struct store_key got;
    assert_int_equal(store_key_by_prefix(f->s, "0123456789ab", &got), 0);
    assert_int_equal(got.id, k.id);
    assert_string_equal(got.prefix, "0123456789ab");
    assert_memory_equal(got.hash, k.hash, 32);
    assert_string_equal(got.role, "ingest");
    assert_string_equal(got.source, "webshop");
    assert_int_equal(got.created_at, NOW);
    assert_int_equal(got.revoked_at, 0);
    assert_int_equal(store_key_by_prefix(f->s, "ffffffffffff", &got), 0);
    assert_string_equal(got.source, ""); /* no source */
    assert_int_equal(store_key_by_prefix(f->s, "000000000000", &got), ERR_NOT_FOUND);

    begin(f->s);
    assert_int_equal(store_key_revoke(f->s, k.id, &e), 0);
    assert_int_equal(store_key_revoke(f->s, k.id, &e), ERR_NOT_FOUND); /* already revoked */
    assert_int_equal(store_key_revoke(f->s, 9999, &e), ERR_NOT_FOUND);
    commit(f->s);
    assert_int_equal(store_key_by_prefix(f->s, "0123456789ab", &got), 0);
    assert_true(got.revoked_at > 0); /* still found, so it can be refused as revoked */

    json_t *list = NULL;
    assert_int_equal(store_key_list(f->s, &list, &e), 0);
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), k.id);
    assert_string_equal(jstr(first, "prefix"), "0123456789ab");
    assert_string_equal(jstr(first, "role"), "ingest");
    assert_string_equal(jstr(first, "source"), "webshop");
    assert_string_equal(jstr(first, "created_at"), "2026-11-23T10:00:00.000Z");
    assert_true(json_is_string(json_object_get(first, "revoked_at")));
    assert_null(json_object_get(first, "hash")); /* never listed */
    json_t *second = json_array_get(list, 1);
    assert_true(json_is_null(json_object_get(second, "revoked_at")));
    assert_true(json_is_null(json_object_get(second, "source")));
    json_decref(list);
}

/* ---- identities and profiles ---------------------------------------------- */

static void test_identities(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t p1 = new_profile(f->s, "web");
    int64_t p2 = new_profile(f->s, "web");
    int64_t owner = 0, found = 0;

    assert_int_equal(store_identity_add(f->s, "email", "ann@x.nl", "", p1, NOW, &owner), 0);
    assert_int_equal(owner, p1);
    /* again for the same profile: fine */
    owner = 0;
    assert_int_equal(store_identity_add(f->s, "email", "ann@x.nl", "", p1, NOW, &owner), 0);
    assert_int_equal(owner, p1);
    /* for another profile: refused, and the owner is reported */
    owner = 0;
    assert_int_equal(store_identity_add(f->s, "email", "ann@x.nl", "", p2, NOW, &owner),
                     ERR_EXISTS);
    assert_int_equal(owner, p1);
    assert_int_equal(store_identity_add(f->s, "email", "ann@x.nl", NULL, p2, NOW, NULL),
                     ERR_EXISTS);
    assert_int_equal(store_identity_find(f->s, "email", "ann@x.nl", "", &found), 0);
    assert_int_equal(found, p1);
    assert_int_equal(store_identity_find(f->s, "email", "ann@x.nl", NULL, &found), 0);
    assert_int_equal(found, p1);

    /* a userId is per source: the same value from two sources is two identities */
    assert_int_equal(store_identity_add(f->s, "user_id", "42", "web", p1, NOW, NULL), 0);
    assert_int_equal(store_identity_add(f->s, "user_id", "42", "shop", p2, NOW, NULL), 0);
    assert_int_equal(store_identity_find(f->s, "user_id", "42", "web", &found), 0);
    assert_int_equal(found, p1);
    assert_int_equal(store_identity_find(f->s, "user_id", "42", "shop", &found), 0);
    assert_int_equal(found, p2);
    assert_int_equal(store_identity_find(f->s, "user_id", "42", "", &found), ERR_NOT_FOUND);
    /* and the type matters */
    assert_int_equal(store_identity_find(f->s, "phone", "ann@x.nl", "", &found), ERR_NOT_FOUND);
    commit(f->s);

    assert_true(store_profile_has_identity(f->s, p1, "email"));
    assert_true(store_profile_has_identity(f->s, p1, "user_id"));
    assert_false(store_profile_has_identity(f->s, p2, "email"));
    assert_false(store_profile_has_identity(f->s, p2, "anonymous_id"));

    int64_t ids[4];
    int n = 0;
    assert_int_equal(store_identity_search(f->s, "user_id", "42", NULL, 0, 4, ids, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], p1 < p2 ? p1 : p2);
    assert_int_equal(store_identity_search(f->s, "user_id", "42", "shop", 0, 4, ids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], p2);
    /* paging: a cursor and a limit */
    int64_t lo = p1 < p2 ? p1 : p2, hi = p1 < p2 ? p2 : p1;
    assert_int_equal(store_identity_search(f->s, "user_id", "42", NULL, lo, 4, ids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], hi);
    assert_int_equal(store_identity_search(f->s, "user_id", "42", NULL, 0, 1, ids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], lo);
}

static void test_profile_update(void **state)
{
    struct fixture *f = *state;
    const char *vals[PF_COUNT] = {0};
    vals[PF_FIRST_NAME] = "Ann";
    vals[PF_EMAIL] = "ann@x.nl";
    vals[PF_CITY] = "Utrecht";
    json_t *custom = json_pack("{s:s, s:i, s:{s:s}}", "plan", "pro", "score", 3, "prefs",
                               "color", "red");

    begin(f->s);
    int64_t p = new_profile(f->s, "web");
    assert_int_equal(store_profile_update(f->s, p, vals, custom, NOW + 5), 0);
    json_decref(custom);

    /* second update: NULL leaves a field alone; a null attribute removes it */
    const char *vals2[PF_COUNT] = {0};
    vals2[PF_LAST_NAME] = "Smith";
    vals2[PF_CITY] = "Amsterdam";
    custom = json_pack("{s:n, s:s, s:{s:s}}", "plan", "tier", "gold", "prefs", "size", "L");
    assert_int_equal(store_profile_update(f->s, p, vals2, custom, NOW + 10), 0);
    json_decref(custom);
    /* no attributes at all: fine, nothing changes */
    assert_int_equal(store_profile_update(f->s, p, vals2, NULL, NOW + 11), 0);
    custom = json_object();
    assert_int_equal(store_profile_update(f->s, p, vals2, custom, NOW + 12), 0);
    json_decref(custom);
    commit(f->s);

    json_t *v = view(f->s, p);
    assert_string_equal(jstr(v, "first_name"), "Ann");
    assert_string_equal(jstr(v, "last_name"), "Smith");
    assert_string_equal(jstr(v, "email"), "ann@x.nl");
    assert_string_equal(jstr(v, "city"), "Amsterdam");
    assert_true(json_is_null(json_object_get(v, "phone")));
    json_t *want = json_pack("{s:i, s:s, s:{s:s, s:s}}", "score", 3, "tier", "gold", "prefs",
                             "color", "red", "size", "L");
    if (!json_equal(json_object_get(v, "attributes"), want)) {
        char *got = json_dumps(json_object_get(v, "attributes"), JSON_SORT_KEYS);
        print_error("attributes: %s\n", got);
        free(got);
        fail();
    }
    assert_string_equal(jstr(v, "updated_at"), "2026-11-23T10:00:00.012Z");
    json_decref(want);
    json_decref(v);
}

/* ---- events and orders ------------------------------------------------------ */

static void test_events_dedupe(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t p = new_profile(f->s, "web");
    struct store_event ev = {.profile_id = p, .source = "web", .type = "track",
                             .name = "Signed Up", .properties = "{\"plan\":\"pro\"}",
                             .context = "{\"ip\":\"10.0.0.1\"}", .message_id = "m-1",
                             .ts = NOW - 1000, .received_at = NOW};
    assert_false(store_message_seen(f->s, "m-1"));
    assert_int_equal(store_event_add(f->s, &ev), 0);
    assert_true(store_message_seen(f->s, "m-1"));
    assert_int_equal(store_event_add(f->s, &ev), ERR_DUPLICATE);
    /* dedupe is global, not per profile or type */
    struct store_event other = ev;
    other.profile_id = new_profile(f->s, "shop");
    other.type = "page";
    assert_int_equal(store_event_add(f->s, &other), ERR_DUPLICATE);
    /* no messageId: never deduplicated */
    ev.message_id = NULL;
    assert_int_equal(store_event_add(f->s, &ev), 0);
    assert_int_equal(store_event_add(f->s, &ev), 0);
    ev.message_id = "m-2";
    assert_int_equal(store_event_add(f->s, &ev), 0);
    commit(f->s);

    assert_false(store_message_seen(f->s, "m-3"));
    struct store_counts c;
    assert_int_equal(store_counts(f->s, &c), 0);
    assert_int_equal(c.events, 4);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE message_id = 'm-1'", 0), 1);
}

static void test_order_upsert_replaces_lines(void **state)
{
    struct fixture *f = *state;
    struct store_order_line lines[3] = {
        {.product_id = "p-1", .sku = "S1", .name = "Mug", .category = "Kitchen",
         .price_cents = 1999, .quantity = 2},
        {.product_id = "p-2", .price_cents = 500, .quantity = 1},
        {.product_id = "p-3", .price_cents = 100, .quantity = 3},
    };
    struct store_order o = {.source = "shop", .external_id = "o-1", .status = "completed",
                            .currency = "EUR", .total_cents = 4798, .ordered_at = NOW,
                            .lines = lines, .nlines = 3};
    begin(f->s);
    o.profile_id = new_profile(f->s, "shop");
    int64_t id1 = 0, id2 = 0, id3 = 0;
    assert_int_equal(store_order_upsert(f->s, &o, NOW, &id1), 0);
    assert_true(id1 > 0);

    /* the same order again, changed: one order, only the new lines */
    struct store_order_line line = {.product_id = "p-9", .name = "Teapot", .price_cents = 2500,
                                    .quantity = 1};
    o.lines = &line;
    o.nlines = 1;
    o.total_cents = 2500;
    o.revenue_cents = 2100;
    o.has_revenue = true;
    assert_int_equal(store_order_upsert(f->s, &o, NOW + 1, &id2), 0);
    assert_int_equal(id2, id1);

    /* the same order id from another source is another order */
    struct store_order other = o;
    other.source = "pos";
    assert_int_equal(store_order_upsert(f->s, &other, NOW, &id3), 0);
    assert_int_not_equal(id3, id1);
    commit(f->s);

    assert_int_equal(sql_int(f, "SELECT count(*) FROM order_lines WHERE order_id = ?1", id1), 1);
    json_t *v = view(f->s, o.profile_id);
    json_t *orders = json_object_get(v, "orders");
    assert_int_equal(json_array_size(orders), 2);
    json_t *ord = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(orders, i, it) {
        if (json_integer_value(json_object_get(it, "id")) == id1)
            ord = it;
    }
    assert_non_null(ord);
    assert_string_equal(jstr(ord, "order_id"), "o-1");
    assert_string_equal(jstr(ord, "status"), "completed");
    assert_true(json_real_value(json_object_get(ord, "total")) == 25.0);
    assert_true(json_real_value(json_object_get(ord, "revenue")) == 21.0);
    json_t *ls = json_object_get(ord, "lines");
    assert_int_equal(json_array_size(ls), 1);
    assert_string_equal(jstr(json_array_get(ls, 0), "product_id"), "p-9");
    assert_string_equal(jstr(json_array_get(ls, 0), "name"), "Teapot");
    json_decref(v);
}

static void test_order_refund(void **state)
{
    struct fixture *f = *state;
    struct store_order o = {.source = "shop", .external_id = "o-7", .status = "completed",
                            .total_cents = 1000, .ordered_at = NOW};
    begin(f->s);
    o.profile_id = new_profile(f->s, "shop");
    int64_t id = 0;
    assert_int_equal(store_order_upsert(f->s, &o, NOW, &id), 0);
    int64_t p = o.profile_id;
    assert_int_equal(store_order_refund(f->s, p, "shop", "o-7", 400, NOW + 5, NOW + 5), 0);
    /* an unknown order is recorded as refunded, not lost */
    assert_int_equal(store_order_refund(f->s, p, "shop", "o-unknown", 250, NOW + 6, NOW + 6), 0);
    commit(f->s);

    assert_int_equal(
        sql_int(f, "SELECT refunded_cents FROM orders WHERE id = ?1 AND status = 'refunded'", id),
        400);
    assert_int_equal(sql_int(f, "SELECT total_cents FROM orders WHERE id = ?1", id), 1000);
    assert_int_equal(sql_int(f,
                             "SELECT refunded_cents FROM orders WHERE external_id = 'o-unknown'"
                             " AND status = 'refunded' AND profile_id = ?1",
                             p),
                     250);
}

/* ---- merge ------------------------------------------------------------------ */

static void add_event(struct store *s, int64_t p, const char *mid, int64_t ts)
{
    struct store_event ev = {.profile_id = p, .source = "web", .type = "track", .name = "E",
                             .message_id = mid, .ts = ts, .received_at = ts};
    assert_int_equal(store_event_add(s, &ev), 0);
}

static void test_merge_moves_everything(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t p1 = new_profile(f->s, "web");
    int64_t p2 = new_profile(f->s, "shop");

    const char *v1[PF_COUNT] = {0};
    v1[PF_FIRST_NAME] = "Ann";
    json_t *c1 = json_pack("{s:s, s:i}", "plan", "pro", "a", 1);
    assert_int_equal(store_profile_update(f->s, p1, v1, c1, NOW), 0);
    json_decref(c1);
    const char *v2[PF_COUNT] = {0};
    v2[PF_FIRST_NAME] = "Annie";
    v2[PF_LAST_NAME] = "Smith";
    v2[PF_EMAIL] = "ann@x.nl";
    json_t *c2 = json_pack("{s:s, s:i}", "plan", "free", "b", 2);
    assert_int_equal(store_profile_update(f->s, p2, v2, c2, NOW), 0);
    json_decref(c2);

    assert_int_equal(store_identity_add(f->s, "user_id", "u1", "web", p1, NOW, NULL), 0);
    assert_int_equal(store_identity_add(f->s, "anonymous_id", "a1", "", p2, NOW, NULL), 0);
    assert_int_equal(store_identity_add(f->s, "email", "ann@x.nl", "", p2, NOW, NULL), 0);
    add_event(f->s, p1, "e-1", NOW - 2000);
    add_event(f->s, p2, "e-2", NOW - 1000);
    struct store_order o = {.profile_id = p2, .source = "shop", .external_id = "o-2",
                            .status = "completed", .total_cents = 100, .ordered_at = NOW};
    assert_int_equal(store_order_upsert(f->s, &o, NOW, NULL), 0);
    struct store_raw rr = {.profile_id = p2, .source = "shop", .kind = "identify",
                            .external_id = "a1", .payload = "{\"anonymousId\":\"a1\"}"};
    assert_int_equal(store_raw_record_add(f->s, &rr, NOW, NULL), 0);
    assert_int_equal(store_profile_merge(f->s, p1, p2, "test-rule", "{\"why\":\"test\"}", 0.9,
                                         NOW + 100), 0);
    assert_int_equal(store_profile_merge(f->s, p1, p1, "self", NULL, 1, NOW), ERR_INVALID);
    commit(f->s);

    /* identities now point at the survivor */
    int64_t found = 0;
    assert_int_equal(store_identity_find(f->s, "anonymous_id", "a1", "", &found), 0);
    assert_int_equal(found, p1);
    assert_int_equal(store_identity_find(f->s, "email", "ann@x.nl", "", &found), 0);
    assert_int_equal(found, p1);

    json_t *v = view(f->s, p1);
    /* the survivor's own values win; its empty fields are filled */
    assert_string_equal(jstr(v, "first_name"), "Ann");
    assert_string_equal(jstr(v, "last_name"), "Smith");
    assert_string_equal(jstr(v, "email"), "ann@x.nl");
    json_t *want = json_pack("{s:s, s:i, s:i}", "plan", "pro", "a", 1, "b", 2);
    assert_true(json_equal(json_object_get(v, "attributes"), want));
    json_decref(want);
    assert_int_equal(json_array_size(json_object_get(v, "identities")), 3);
    assert_int_equal(json_array_size(json_object_get(v, "events")), 2);
    assert_int_equal(json_array_size(json_object_get(v, "orders")), 1);
    json_t *raw = json_object_get(v, "raw_records");
    assert_int_equal(json_array_size(json_object_get(raw, "shop")), 1);
    json_decref(v);

    /* the absorbed profile is a tombstone that leads to the survivor */
    int64_t surv = 0;
    assert_int_equal(store_profile_resolve(f->s, p2, &surv), 0);
    assert_int_equal(surv, p1);
    assert_int_equal(store_profile_resolve(f->s, p1, &surv), 0);
    assert_int_equal(surv, p1);
    assert_int_equal(store_profile_resolve(f->s, 424242, &surv), ERR_NOT_FOUND);
    v = view(f->s, p2);
    assert_int_equal(json_integer_value(json_object_get(v, "merged_into")), p1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "profile"), "id")), p1);
    assert_null(json_object_get(v, "events"));
    json_decref(v);

    struct store_counts c;
    assert_int_equal(store_counts(f->s, &c), 0);
    assert_int_equal(c.profiles, 1); /* tombstones are not counted */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE profile_id = ?1", p2), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM identities WHERE profile_id = ?1", p2), 0);
    assert_int_equal(testdb_sql_int(f->db.path,
                                    "SELECT absorbed_id FROM merge_log WHERE action = 'merge'"
                                    " AND rule = 'test-rule' AND survivor_id = ?1"
                                    " AND evidence = '{\"why\":\"test\"}' AND score = 0.9", p1),
                     p2);

    /* merging the survivor on keeps chains one hop deep */
    begin(f->s);
    int64_t p3 = new_profile(f->s, "web");
    assert_int_equal(store_profile_merge(f->s, p3, p1, "again", NULL, 1, NOW + 200), 0);
    commit(f->s);
    assert_int_equal(sql_int(f, "SELECT merged_into FROM profiles WHERE id = ?1", p2), p3);
    assert_int_equal(store_profile_resolve(f->s, p2, &surv), 0);
    assert_int_equal(surv, p3);
    assert_int_equal(store_identity_find(f->s, "anonymous_id", "a1", "", &found), 0);
    assert_int_equal(found, p3);
}

struct consent_case {
    const char *surv_status; /* NULL: the survivor has none */
    int64_t surv_ts;
    const char *abs_status; /* NULL: the absorbed profile has none */
    int64_t abs_ts;
    const char *want;
    int64_t want_ts;
    bool absorbed_wins;
};

static const struct consent_case consent_cases[] = {
    /* an opt-out is never overridden by the other profile's older opt-in, either way */
    {"opted_out", NOW - 1000, "opted_in", NOW - 5000, "opted_out", NOW - 1000, false},
    {"opted_in", NOW - 5000, "opted_out", NOW - 1000, "opted_out", NOW - 1000, true},
    /* a newer opt-in wins over an older opt-out, either way */
    {"opted_out", NOW - 5000, "opted_in", NOW - 1000, "opted_in", NOW - 1000, true},
    {"opted_in", NOW - 1000, "opted_out", NOW - 5000, "opted_in", NOW - 1000, false},
    /* at the same time the opt-out wins, either way */
    {"opted_in", NOW - 1000, "opted_out", NOW - 1000, "opted_out", NOW - 1000, true},
    {"opted_out", NOW - 1000, "opted_in", NOW - 1000, "opted_out", NOW - 1000, false},
    /* the newer of two opt-ins */
    {"opted_in", NOW - 5000, "opted_in", NOW - 1000, "opted_in", NOW - 1000, true},
    /* one side only */
    {NULL, 0, "opted_out", NOW - 3000, "opted_out", NOW - 3000, true},
    {NULL, 0, "opted_in", NOW - 3000, "opted_in", NOW - 3000, true},
    {"opted_in", NOW - 3000, NULL, 0, "opted_in", NOW - 3000, false},
};

static void set_consent(struct store *s, int64_t p, const char *channel, const char *status,
                        const char *source, int64_t ts)
{
    struct store_consent c = {.profile_id = p, .channel = channel, .purpose = "",
                              .status = status, .source = source, .wording = "Yes please",
                              .ip = "192.0.2.1", .ts = ts};
    assert_int_equal(store_consent_set(s, &c, ts), 0);
}

/* The profile's current consent for a channel (from the view), or NULL. */
static json_t *find_consent(json_t *view_obj, const char *channel)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(view_obj, "consents"), i, c) {
        if (strcmp(jstr(c, "channel"), channel) == 0)
            return c;
    }
    return NULL;
}

static void test_merge_consents(void **state)
{
    struct fixture *f = *state;
    for (size_t k = 0; k < sizeof(consent_cases) / sizeof(consent_cases[0]); k++) {
        const struct consent_case *cc = &consent_cases[k];
        begin(f->s);
        int64_t surv = new_profile(f->s, "web");
        int64_t abs = new_profile(f->s, "shop");
        size_t hist_before = 0;
        if (cc->surv_status) {
            set_consent(f->s, surv, "email", cc->surv_status, "survivor", cc->surv_ts);
            hist_before++;
        }
        if (cc->abs_status) {
            set_consent(f->s, abs, "email", cc->abs_status, "absorbed", cc->abs_ts);
            hist_before++;
        }
        /* a channel only the survivor has is kept as it is */
        set_consent(f->s, surv, "sms", "opted_out", "survivor", NOW - 9000);
        hist_before++;
        assert_int_equal(store_profile_merge(f->s, surv, abs, "test", NULL, 1, NOW), 0);
        commit(f->s);

        json_t *v = view(f->s, surv);
        json_t *email = find_consent(v, "email");
        char what[160];
        snprintf(what, sizeof(what), "case %zu: survivor %s, absorbed %s", k,
                 cc->surv_status ? cc->surv_status : "none",
                 cc->abs_status ? cc->abs_status : "none");
        if (!email || strcmp(jstr(email, "status"), cc->want) != 0)
            fail_msg("%s: email consent is %s, want %s", what,
                     email ? jstr(email, "status") : "none", cc->want);
        /* the proof travels with the status that won */
        json_t *proof = json_object_get(email, "proof");
        assert_string_equal(jstr(proof, "source"), cc->absorbed_wins ? "absorbed" : "survivor");
        char ts[32];
        time_format_iso8601(cc->want_ts, ts, sizeof(ts));
        assert_string_equal(jstr(proof, "time"), ts);
        json_t *sms = find_consent(v, "sms");
        assert_non_null(sms);
        assert_string_equal(jstr(sms, "status"), "opted_out");
        assert_int_equal(json_array_size(json_object_get(v, "consents")), 2);
        json_decref(v);

        /* history: both profiles' own statements, now on the survivor, and nothing
         * else: the current state is what that joined ledger says */
        json_t *hist = NULL;
        struct errbuf e = {{0}, {0}};
        assert_int_equal(store_consent_history(f->s, surv, &hist, &e), 0);
        if (json_array_size(hist) != hist_before)
            fail_msg("%s: %zu history entries, want %zu", what, json_array_size(hist), hist_before);
        json_decref(hist);
        assert_int_equal(store_consent_history(f->s, abs, &hist, &e), 0);
        assert_int_equal(json_array_size(hist), 0);
        json_decref(hist);
        assert_int_equal(sql_int(f, "SELECT count(*) FROM consents WHERE profile_id = ?1", abs), 0);
    }
}

static void test_consent_purposes_are_separate(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t surv = new_profile(f->s, "web");
    int64_t abs = new_profile(f->s, "web");
    struct store_consent c = {.profile_id = surv, .channel = "email", .purpose = "",
                              .status = "opted_in", .ts = NOW - 100};
    assert_int_equal(store_consent_set(f->s, &c, NOW), 0);
    c.profile_id = abs;
    c.purpose = "newsletter";
    c.status = "opted_out";
    c.ts = NOW - 5000; /* older, but for another purpose: no conflict */
    assert_int_equal(store_consent_set(f->s, &c, NOW), 0);
    assert_int_equal(store_profile_merge(f->s, surv, abs, "test", NULL, 1, NOW), 0);
    commit(f->s);
    json_t *v = view(f->s, surv);
    json_t *consents = json_object_get(v, "consents");
    assert_int_equal(json_array_size(consents), 2);
    /* ordered by channel, purpose */
    assert_string_equal(jstr(json_array_get(consents, 0), "purpose"), "");
    assert_string_equal(jstr(json_array_get(consents, 0), "status"), "opted_in");
    assert_string_equal(jstr(json_array_get(consents, 1), "purpose"), "newsletter");
    assert_string_equal(jstr(json_array_get(consents, 1), "status"), "opted_out");
    json_decref(v);
}

/* ---- quarantine and view -------------------------------------------------- */

static void test_quarantine(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    assert_int_equal(store_quarantine_add(f->s, "web", "batch_item", "field 'event' is required",
                                          "batch[0].event", "{\"type\":\"track\"}", 16, NOW), 0);
    assert_int_equal(store_quarantine_add(f->s, NULL, "track", "malformed JSON", "",
                                          "{not json", 9, NOW + 1), 0);
    const char bin[] = {'\xff', '\xfe', 'x'};
    assert_int_equal(store_quarantine_add(f->s, "web", "identify", "bad bytes", NULL, bin, 3,
                                          NOW + 2), 0);
    commit(f->s);

    json_t *list = NULL;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_quarantine_list(f->s, NULL, 0, 10, &list, &e), 0);
    assert_int_equal(json_array_size(list), 3);
    json_t *q0 = json_array_get(list, 0), *q1 = json_array_get(list, 1),
           *q2 = json_array_get(list, 2);
    /* newest first */
    assert_true(json_integer_value(json_object_get(q0, "id")) >
                json_integer_value(json_object_get(q1, "id")));
    assert_true(json_integer_value(json_object_get(q1, "id")) >
                json_integer_value(json_object_get(q2, "id")));
    /* not UTF-8: shown in base64 */
    assert_string_equal(jstr(q0, "payload_base64"), "//54");
    assert_null(json_object_get(q0, "payload"));
    assert_true(json_is_null(json_object_get(q0, "field")));
    /* kept exactly as received, even when it is not JSON */
    assert_string_equal(jstr(q1, "payload"), "{not json");
    assert_string_equal(jstr(q1, "kind"), "track");
    assert_string_equal(jstr(q1, "reason"), "malformed JSON");
    assert_true(json_is_null(json_object_get(q1, "source")));
    assert_true(json_is_null(json_object_get(q1, "field")));
    assert_string_equal(jstr(q2, "payload"), "{\"type\":\"track\"}");
    assert_string_equal(jstr(q2, "field"), "batch[0].event");
    assert_string_equal(jstr(q2, "source"), "web");
    assert_string_equal(jstr(q2, "received_at"), "2026-11-23T10:00:00.000Z");
    int64_t mid = json_integer_value(json_object_get(q1, "id"));
    json_decref(list);

    /* paging: before a cursor, and a limit */
    assert_int_equal(store_quarantine_list(f->s, NULL, mid, 10, &list, &e), 0);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "reason"), "field 'event' is required");
    json_decref(list);
    assert_int_equal(store_quarantine_list(f->s, NULL, 0, 1, &list, &e), 0);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "reason"), "bad bytes");
    json_decref(list);

    struct store_counts c;
    assert_int_equal(store_counts(f->s, &c), 0);
    assert_int_equal(c.quarantine, 3);
}

static void test_profile_view_shape(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t p = new_profile(f->s, "web");
    const char *vals[PF_COUNT] = {0};
    vals[PF_FIRST_NAME] = "Ann";
    vals[PF_BIRTH_DATE] = "1990-05-17";
    assert_int_equal(store_profile_update(f->s, p, vals, NULL, NOW), 0);
    assert_int_equal(store_identity_add(f->s, "user_id", "u1", "web", p, NOW, NULL), 0);
    assert_int_equal(store_identity_add(f->s, "email", "ann@x.nl", "", p, NOW, NULL), 0);
    struct store_raw rweb = {.profile_id = p, .source = "web", .kind = "identify",
                            .external_id = "u1", .message_id = "m-1",
                            .payload = "{\"userId\":\"u1\",\"traits\":{\"x\":1}}"};
    struct store_raw rcrm = {.profile_id = p, .source = "crm", .kind = "import",
                            .external_id = "c-9", .payload = "not json"};
    assert_int_equal(store_raw_record_add(f->s, &rweb, NOW, NULL), 0);
    assert_int_equal(store_raw_record_add(f->s, &rcrm, NOW, NULL), 0);
    struct store_order_line line = {.sku = "S1", .price_cents = 1999, .quantity = 2};
    struct store_order o = {.profile_id = p, .source = "shop", .external_id = "o-1",
                            .status = "completed", .currency = "EUR", .total_cents = 1234,
                            .ordered_at = NOW, .lines = &line, .nlines = 1};
    assert_int_equal(store_order_upsert(f->s, &o, NOW, NULL), 0);
    struct store_event ev = {.profile_id = p, .source = "web", .type = "page", .name = "Home",
                             .properties = "{\"path\":\"/\"}", .ts = NOW - 60000,
                             .received_at = NOW};
    assert_int_equal(store_event_add(f->s, &ev), 0);
    ev.type = "track";
    ev.name = "Later";
    ev.properties = NULL;
    ev.ts = NOW;
    assert_int_equal(store_event_add(f->s, &ev), 0);
    set_consent(f->s, p, "email", "opted_in", "form", NOW - 1000);
    commit(f->s);

    json_t *v = view(f->s, p);
    assert_int_equal(json_integer_value(json_object_get(v, "id")), p);
    /* every golden field is there, null or not */
    for (int fld = 0; fld < PF_COUNT; fld++)
        assert_non_null(json_object_get(v, profile_field_name(fld)));
    assert_string_equal(jstr(v, "first_name"), "Ann");
    assert_string_equal(jstr(v, "birth_date"), "1990-05-17");
    assert_true(json_is_null(json_object_get(v, "last_name")));
    assert_true(json_is_object(json_object_get(v, "attributes")));
    assert_true(json_is_null(json_object_get(v, "merged_into")));
    assert_string_equal(jstr(v, "source"), "web");
    assert_string_equal(jstr(v, "created_at"), "2026-11-23T10:00:00.000Z");

    json_t *ids = json_object_get(v, "identities");
    assert_int_equal(json_array_size(ids), 2);
    json_t *id0 = json_array_get(ids, 0);
    assert_string_equal(jstr(id0, "type"), "user_id");
    assert_string_equal(jstr(id0, "value"), "u1");
    assert_string_equal(jstr(id0, "source"), "web");
    assert_string_equal(jstr(id0, "created_at"), "2026-11-23T10:00:00.000Z");

    /* raw records grouped by source; JSON payloads parsed, other text kept as text */
    json_t *raw = json_object_get(v, "raw_records");
    assert_true(json_is_object(raw));
    json_t *web = json_array_get(json_object_get(raw, "web"), 0);
    assert_string_equal(jstr(web, "kind"), "identify");
    assert_string_equal(jstr(web, "message_id"), "m-1");
    json_t *traits = json_object_get(json_object_get(web, "payload"), "traits");
    assert_int_equal(json_integer_value(json_object_get(traits, "x")), 1);
    json_t *crm = json_array_get(json_object_get(raw, "crm"), 0);
    assert_string_equal(jstr(crm, "payload"), "not json");

    /* money as numbers with two decimals */
    json_t *ord = json_array_get(json_object_get(v, "orders"), 0);
    assert_string_equal(jstr(ord, "order_id"), "o-1");
    assert_string_equal(jstr(ord, "currency"), "EUR");
    assert_true(json_is_real(json_object_get(ord, "total")));
    assert_true(json_real_value(json_object_get(ord, "total")) == 12.34);
    assert_true(json_is_null(json_object_get(ord, "revenue")));
    assert_true(json_real_value(json_object_get(ord, "refunded")) == 0.0);
    assert_string_equal(jstr(ord, "ordered_at"), "2026-11-23T10:00:00.000Z");
    json_t *l0 = json_array_get(json_object_get(ord, "lines"), 0);
    assert_true(json_real_value(json_object_get(l0, "price")) == 19.99);
    assert_int_equal(json_integer_value(json_object_get(l0, "quantity")), 2);
    assert_string_equal(jstr(l0, "sku"), "S1");

    /* events newest first, with their properties as JSON */
    json_t *evs = json_object_get(v, "events");
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(jstr(json_array_get(evs, 0), "name"), "Later");
    assert_string_equal(jstr(json_array_get(evs, 0), "timestamp"), "2026-11-23T10:00:00.000Z");
    assert_true(json_is_null(json_object_get(json_array_get(evs, 0), "properties")));
    json_t *e1 = json_array_get(evs, 1);
    assert_string_equal(jstr(e1, "type"), "page");
    assert_string_equal(jstr(json_object_get(e1, "properties"), "path"), "/");
    assert_string_equal(jstr(e1, "timestamp"), "2026-11-23T09:59:00.000Z");

    json_t *con = json_array_get(json_object_get(v, "consents"), 0);
    assert_string_equal(jstr(con, "channel"), "email");
    assert_string_equal(jstr(con, "status"), "opted_in");
    assert_string_equal(jstr(json_object_get(con, "proof"), "source"), "form");
    assert_string_equal(jstr(json_object_get(con, "proof"), "wording"), "Yes please");
    assert_string_equal(jstr(json_object_get(con, "proof"), "time"), "2026-11-23T09:59:59.000Z");
    json_decref(v);

    json_t *none = (json_t *)0x1;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_profile_view(f->s, 987654, &none, &e), ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "987654"));
}

/* ---- the writer's identity cache ------------------------------------------- */

static void test_identity_cache_follows_other_connections(void **state)
{
    struct fixture *f = *state;
    struct store *w = NULL; /* a caching connection, as the writer's */
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_open(f->db.path, 0, &w, &e), 0);
    store_cache_identities(w, 1000);

    begin(f->s);
    int64_t p1 = new_profile(f->s, "web"), p2 = new_profile(f->s, "web");
    assert_int_equal(store_identity_add(f->s, "email", "bo@x.nl", "", p1, NOW, NULL), 0);
    commit(f->s);

    int64_t found = 0;
    begin(w);
    assert_int_equal(store_identity_find(w, "email", "bo@x.nl", "", &found), 0);
    assert_int_equal(found, p1); /* now remembered */
    commit(w);

    /* another connection merges p1 into p2: the identity moves */
    begin(f->s);
    assert_int_equal(store_profile_merge(f->s, p2, p1, "test", NULL, 1.0, NOW), 0);
    commit(f->s);
    begin(w);
    assert_int_equal(store_identity_find(w, "email", "bo@x.nl", "", &found), 0);
    assert_int_equal(found, p2);
    commit(w);

    /* the caching connection's own merge: entries of the absorbed profile are not trusted */
    begin(w);
    int64_t p3 = new_profile(w, "web");
    assert_int_equal(store_profile_merge(w, p3, p2, "test", NULL, 1.0, NOW), 0);
    assert_int_equal(store_identity_find(w, "email", "bo@x.nl", "", &found), 0);
    assert_int_equal(found, p3);
    commit(w);

    /* an identity added and then rolled back is forgotten */
    begin(w);
    assert_int_equal(store_savepoint(w, &e), 0);
    assert_int_equal(store_identity_add(w, "email", "gone@x.nl", "", p3, NOW, NULL), 0);
    store_savepoint_rollback(w);
    assert_int_equal(store_identity_find(w, "email", "gone@x.nl", "", &found), ERR_NOT_FOUND);
    commit(w);
    store_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_missing_needs_create, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_identity_cache_follows_other_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_creates_and_migrates, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_refuses_foreign_database, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_old_schema_needs_migrate, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_refuses_newer_schema, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_refuses_non_database, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_rollback_and_savepoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_dedupe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_upsert_replaces_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_refund, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_moves_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_consents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_purposes_are_separate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_view_shape, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
