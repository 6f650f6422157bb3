/*
 * test_merge.c — merging two profiles and undoing it (store_merge.c), and the
 * review queue of candidate pairs (store_identity.c), on real temp databases.
 *
 * The central test is a round trip: two fully populated profiles are dumped
 * row by row (every column of every table a merge touches), merged, checked
 * to have become one, unmerged, and dumped again; the two dumps must be
 * identical byte for byte. Then: nested merges (an unmerge takes back what
 * was merged into the absorbed profile before), consents (the newest
 * statement wins; an opt-out given while merged stays with both sides, an
 * opt-in only with the survivor), rows that arrive while merged, what an
 * unmerge records (log, history, rejected pairs, whether the survivor's
 * golden record could be restored) and the review queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "store/store.h"
#include "testdb.h"

#define NOW 1795428000000LL   /* 2026-11-23T10:00:00Z */
#define T0 (NOW - 86400000LL) /* the profiles are built the day before */
#define TM NOW                /* the merge */
#define TU (NOW + 3600000LL)  /* the unmerge, an hour later */
#define DAY 86400000LL

#define fixture testdb_fixture
#define setup testdb_setup
#define teardown testdb_teardown
#define begin testdb_begin
#define commit testdb_commit

/* One integer from SQL built with printf (committed data, separate connection); -1 on failure. */
static int64_t sqlf(struct fixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int64_t sqlf(struct fixture *f, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(sql))
        fail_msg("SQL too long: %s", fmt);
    return testdb_sql_int(f->db.path, sql, 0);
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- building profiles ------------------------------------------------------ */

struct person {
    const char *source;
    const char *first_name, *last_name, *email, *phone, *city;
    const char *attributes; /* JSON object text, may be NULL */
};

static int64_t person_add(struct store *s, const struct person *p, int64_t now)
{
    const char *vals[PF_COUNT] = {0};
    vals[PF_FIRST_NAME] = p->first_name;
    vals[PF_LAST_NAME] = p->last_name;
    vals[PF_EMAIL] = p->email;
    vals[PF_PHONE] = p->phone;
    vals[PF_CITY] = p->city;
    json_t *custom = p->attributes ? json_loads(p->attributes, 0, NULL) : NULL;
    int64_t id = 0;
    assert_int_equal(store_profile_insert(s, p->source, vals, custom, now, &id), 0);
    json_decref(custom);
    assert_true(id > 0);
    return id;
}

static int64_t bare_profile(struct store *s, const char *source, const char *last_name)
{
    struct person p = {.source = source, .first_name = "Kim", .last_name = last_name};
    return person_add(s, &p, T0);
}

/* A raw record (current version of source/external_id), with every column filled. */
static int64_t raw_add(struct store *s, int64_t profile, const char *source, const char *kind,
                       const char *external_id, int64_t now)
{
    char payload[160], cleaned[160];
    snprintf(payload, sizeof(payload), "{\"userId\":\"%s\",\"at\":%lld}", external_id,
             (long long)now);
    snprintf(cleaned, sizeof(cleaned), "{\"first_name\":\"Kim\",\"email\":\"%s@x.nl\"}",
             external_id);
    struct store_raw r = {.profile_id = profile,
                          .source = source,
                          .kind = kind,
                          .external_id = external_id,
                          .message_id = external_id,
                          .payload = payload,
                          .row_hash = now ^ 0x5a5a,
                          .cleaned = cleaned,
                          .corrections = "[{\"field\":\"email\",\"rule\":\"lower\"}]",
                          .present = 0x23,
                          .valid_raw = 0x21,
                          .clean = 0x23,
                          .corrected = 0x2,
                          .email_key = external_id,
                          .phone_key = NULL,
                          .supersedes = 0};
    int64_t id = 0;
    assert_int_equal(store_raw_record_add(s, &r, now, &id), 0);
    assert_true(id > 0);
    return id;
}

static void event_add(struct store *s, int64_t profile, const char *message_id, int64_t ts)
{
    struct store_event ev = {.profile_id = profile,
                             .source = "web",
                             .type = "track",
                             .name = "Viewed",
                             .properties = "{\"page\":\"/\"}",
                             .context = "{\"ip\":\"192.0.2.9\"}",
                             .message_id = message_id,
                             .ts = ts,
                             .received_at = ts + 5};
    assert_int_equal(store_event_add(s, &ev), 0);
}

static void order_add(struct store *s, int64_t profile, const char *source, const char *external_id,
                      int64_t cents, int64_t ts)
{
    struct store_order_line lines[] = {
        {.product_id = "p1",
         .sku = "SKU-1",
         .name = "Mug",
         .category = "home",
         .price_cents = cents / 2,
         .quantity = 1},
        {.product_id = "p2",
         .sku = "SKU-2",
         .name = "Tea",
         .category = "food",
         .price_cents = cents / 4,
         .quantity = 2},
    };
    struct store_order o = {.profile_id = profile,
                            .source = source,
                            .external_id = external_id,
                            .status = "completed",
                            .currency = "EUR",
                            .total_cents = cents,
                            .revenue_cents = cents - 100,
                            .has_revenue = true,
                            .ordered_at = ts,
                            .lines = lines,
                            .nlines = 2};
    assert_int_equal(store_order_upsert(s, &o, ts + 1, NULL), 0);
}

static void consent_add(struct store *s, int64_t profile, const char *channel, const char *purpose,
                        const char *status, int64_t ts, int64_t now)
{
    struct store_consent c = {.profile_id = profile,
                              .channel = channel,
                              .purpose = purpose,
                              .status = status,
                              .source = "form",
                              .wording = "Yes, mail me",
                              .ip = "192.0.2.1",
                              .ts = ts};
    assert_int_equal(store_consent_set(s, &c, now), 0);
}

/* The profile's current consent for channel ("" purpose) is want (NULL: none) given at want_ts. */
static void assert_consent(struct store *s, int64_t profile, const char *channel, const char *want,
                           int64_t want_ts)
{
    char status[16] = "";
    int64_t ts = 0;
    int rc = store_consent_current(s, profile, channel, "", status, &ts);
    if (!want) {
        if (rc != ERR_NOT_FOUND)
            fail_msg("profile %lld %s: consent %s, want none", (long long)profile, channel, status);
        return;
    }
    if (rc)
        fail_msg("profile %lld %s: no consent (%s), want %s", (long long)profile, channel,
                 err_name(rc), want);
    if (strcmp(status, want) != 0 || ts != want_ts)
        fail_msg("profile %lld %s: %s at %lld, want %s at %lld", (long long)profile, channel,
                 status, (long long)ts, want, (long long)want_ts);
}

/* A golden field of a live profile, from the 360° view (NULL when empty). */
static void assert_golden(struct store *s, int64_t id, const char *field, const char *want)
{
    json_t *v = NULL;
    struct errbuf e = {{0}, {0}};
    if (store_profile_view(s, id, &v, &e))
        fail_msg("store_profile_view(%lld): %s", (long long)id, e.msg);
    const char *got = jstr(v, field);
    bool same = want ? got && strcmp(got, want) == 0 : !got;
    if (!same)
        fail_msg("profile %lld %s is \"%s\", want \"%s\"", (long long)id, field,
                 got ? got : "(null)", want ? want : "(null)");
    json_decref(v);
}

static void merge(struct store *s, int64_t survivor, int64_t absorbed, int64_t now)
{
    begin(s);
    int rc = store_profile_merge(s, survivor, absorbed, "test", "{\"why\":\"test\"}", 0.93, now);
    if (rc)
        fail_msg("store_profile_merge(%lld, %lld): %s (%s)", (long long)survivor,
                 (long long)absorbed, err_name(rc), store_last_error(s));
    commit(s);
}

static void unmerge(struct store *s, int64_t absorbed, int64_t now, struct store_unmerge *u)
{
    struct errbuf e = {{0}, {0}};
    begin(s);
    int rc = store_profile_unmerge(s, absorbed, now, u, &e);
    if (rc)
        fail_msg("store_profile_unmerge(%lld): %s: %s", (long long)absorbed, err_name(rc), e.msg);
    commit(s);
}

static int64_t owner_of(struct store *s, const char *type, const char *value, const char *source)
{
    int64_t id = 0;
    assert_int_equal(store_identity_find(s, type, value, source, &id), 0);
    return id;
}

/* ---- dumps ------------------------------------------------------------------ */

/* Every table a merge or an unmerge writes, in an order that does not depend on rowids. */
static const struct {
    const char *table, *order;
} dump_tables[] = {
    {"profiles", "id"},
    {"raw_records", "id"},
    {"identities", "id"},
    {"events", "id"},
    {"orders", "id"},
    {"order_lines", "id"},
    {"consents", "profile_id, channel, purpose"}, /* rebuilt rows get new rowids */
    {"consent_history", "id"},
};

/* One value with its storage class, text and blobs with their length: nothing can look alike. */
static void dump_value(struct buf *b, sqlite3_stmt *st, int i)
{
    int n = sqlite3_column_bytes(st, i);
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        buf_adds(b, "NULL");
        break;
    case SQLITE_INTEGER:
        buf_addf(b, "i:%lld", (long long)sqlite3_column_int64(st, i));
        break;
    case SQLITE_FLOAT:
        buf_addf(b, "f:%.17g", sqlite3_column_double(st, i));
        break;
    case SQLITE_TEXT:
        buf_addf(b, "t%d:", n);
        buf_add(b, sqlite3_column_text(st, i), (size_t)n);
        break;
    default: {
        const unsigned char *p = sqlite3_column_blob(st, i);
        buf_addf(b, "b%d:", n);
        for (int k = 0; k < n; k++)
            buf_addf(b, "%02x", p[k]);
    }
    }
}

/* Every row of the tables above, one line each ("table: col=value ..."). Caller frees. */
static char *dump_all(struct fixture *f)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(f->db.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("opening %s: %s", f->db.path, sqlite3_errmsg(db));
    struct buf b;
    buf_init(&b, 0);
    for (size_t q = 0; q < sizeof(dump_tables) / sizeof(dump_tables[0]); q++) {
        const char *table = dump_tables[q].table;
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY %s", table, dump_tables[q].order);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        while (sqlite3_step(st) == SQLITE_ROW) {
            buf_addf(&b, "%s:", table);
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                buf_addf(&b, " %s=", sqlite3_column_name(st, i));
                dump_value(&b, st, i);
            }
            buf_addch(&b, '\n');
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return buf_detach(&b, NULL);
}

/* Fail, printing the lines that differ, unless the two dumps are the same bytes. */
static void assert_same_dump(const char *before, const char *after)
{
    if (strcmp(before, after) == 0)
        return;
    const char *a = before, *b = after;
    int differ = 0;
    while (*a || *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0) {
            if (differ++ < 20)
                fprintf(stderr, "- %.*s\n+ %.*s\n", (int)la, a, (int)lb, b);
        }
        a += la + (a[la] == '\n');
        b += lb + (b[lb] == '\n');
    }
    fail_msg("the database differs after the merge and the unmerge: %d lines", differ);
}

/* ---- the round trip ----------------------------------------------------------- */

/* Profile A (web): golden fields, household, golden sources, 2 records, 3 events, 2 orders,
 * consents. */
static int64_t build_a(struct store *s)
{
    struct person pa = {.source = "web",
                        .first_name = "Ann",
                        .email = "ann@x.nl",
                        .city = "Utrecht",
                        .attributes = "{\"plan\":\"pro\",\"score\":7}"};
    int64_t a = person_add(s, &pa, T0);
    int64_t ra = raw_add(s, a, "web", "identify", "u-a", T0 + 10);
    raw_add(s, a, "crm", "import", "c-a", T0 + 11);
    const char *vals[PF_COUNT] = {0};
    vals[PF_FIRST_NAME] = "Ann";
    vals[PF_EMAIL] = "ann@x.nl";
    vals[PF_CITY] = "Utrecht";
    char sources[64];
    snprintf(sources, sizeof(sources), "{\"first_name\":%lld}", (long long)ra);
    assert_int_equal(store_profile_set_golden(s, a, vals, sources, T0 + 12), 0);
    assert_int_equal(store_identity_add(s, "email", "ann@x.nl", "", a, T0, NULL), 0);
    assert_int_equal(store_identity_add(s, "user_id", "u-a", "web", a, T0, NULL), 0);
    for (int i = 0; i < 3; i++) {
        char mid[16];
        snprintf(mid, sizeof(mid), "ev-a%d", i);
        event_add(s, a, mid, T0 + 100 + i);
    }
    order_add(s, a, "web", "o-a1", 2000, T0 + 200);
    order_add(s, a, "web", "o-a2", 3000, T0 + 210);
    consent_add(s, a, "email", "", "opted_in", T0 - 5000, T0 + 20);
    consent_add(s, a, "sms", "", "opted_out", T0 - 4000, T0 + 21);
    /* an opt-in as old as the opt-out before it: the opt-out stays */
    consent_add(s, a, "post", "", "opted_out", T0 - 3000, T0 + 26);
    consent_add(s, a, "post", "", "opted_in", T0 - 3000, T0 + 27);
    return a;
}

/* Profile B (shop): other fields, a superseded record, a refund, an out-of-order consent. */
static int64_t build_b(struct store *s)
{
    struct person pb = {.source = "shop",
                        .first_name = "Anna",
                        .last_name = "de Vries",
                        .email = "anna@y.nl",
                        .phone = "+31612345678",
                        .attributes = "{\"plan\":\"free\",\"tags\":[\"vip\"]}"};
    int64_t b = person_add(s, &pb, T0 + 1);
    raw_add(s, b, "shop", "identify", "u-b", T0 + 12);
    raw_add(s, b, "crm", "import", "c-b", T0 + 13);
    raw_add(s, b, "crm", "import", "c-b", T0 + 14); /* supersedes the one before */
    assert_int_equal(store_identity_add(s, "email", "anna@y.nl", "", b, T0, NULL), 0);
    assert_int_equal(store_identity_add(s, "user_id", "u-b", "shop", b, T0, NULL), 0);
    assert_int_equal(store_identity_add(s, "anonymous_id", "anon-b", "", b, T0, NULL), 0);
    for (int i = 0; i < 3; i++) {
        char mid[16];
        snprintf(mid, sizeof(mid), "ev-b%d", i);
        event_add(s, b, mid, T0 + 150 + i);
    }
    order_add(s, b, "shop", "o-b1", 5000, T0 + 300);
    order_add(s, b, "shop", "o-b2", 7000, T0 + 310);
    assert_int_equal(store_order_refund(s, b, "shop", "o-b2", 1500, T0 + 400, T0 + 401), 0);
    consent_add(s, b, "email", "", "opted_out", T0 - 1000, T0 + 22); /* newer than A's opt-in */
    consent_add(s, b, "push", "", "opted_in", T0 - 100, T0 + 23);
    consent_add(s, b, "push", "", "opted_out", T0 - 9000, T0 + 24); /* older: ledger only */
    consent_add(s, b, "email", "newsletter", "opted_in", T0 - 50, T0 + 25);
    return b;
}

static const char *const moved_tables[] = {"identities", "raw_records", "events", "orders",
                                           "consent_history"};

static void test_round_trip_restores_every_row(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = build_a(f->s);
    int64_t b = build_b(f->s);
    int64_t ids[] = {a, b}, hh[] = {41, 42};
    assert_int_equal(store_households_set(f->s, ids, hh, 2, NULL), 0);
    commit(f->s);

    int64_t own_a[5], own_b[5];
    for (int t = 0; t < 5; t++) {
        own_a[t] = sqlf(f, "SELECT count(*) FROM %s WHERE profile_id = %lld", moved_tables[t],
                        (long long)a);
        own_b[t] = sqlf(f, "SELECT count(*) FROM %s WHERE profile_id = %lld", moved_tables[t],
                        (long long)b);
        assert_true(own_a[t] > 0 && own_b[t] > 0);
    }
    char *before = dump_all(f);
    assert_int_equal(owner_of(f->s, "email", "anna@y.nl", ""), b);

    merge(f->s, a, b, TM);

    /* everything of B is on A, and remembers it came from B */
    for (int t = 0; t < 5; t++) {
        const char *tb = moved_tables[t];
        assert_int_equal(
            sqlf(f, "SELECT count(*) FROM %s WHERE profile_id = %lld", tb, (long long)b), 0);
        assert_int_equal(sqlf(f,
                              "SELECT count(*) FROM %s WHERE profile_id = %lld"
                              " AND origin_id = %lld",
                              tb, (long long)a, (long long)b),
                         own_b[t]);
        assert_int_equal(sqlf(f,
                              "SELECT count(*) FROM %s WHERE profile_id = %lld"
                              " AND origin_id IS NULL",
                              tb, (long long)a),
                         own_a[t]);
    }
    assert_int_equal(sqlf(f, "SELECT count(*) FROM consents WHERE profile_id = %lld", (long long)b),
                     0);
    /* B is a tombstone leading to A */
    assert_int_equal(sqlf(f, "SELECT merged_into FROM profiles WHERE id = %lld", (long long)b), a);
    int64_t surv = 0;
    assert_int_equal(store_profile_resolve(f->s, b, &surv), 0);
    assert_int_equal(surv, a);
    assert_int_equal(owner_of(f->s, "email", "anna@y.nl", ""), a);
    assert_int_equal(owner_of(f->s, "user_id", "u-b", "shop"), a);
    int64_t absorbed[4];
    int n = 0;
    assert_int_equal(store_profile_absorbed(f->s, a, absorbed, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(absorbed[0], b);
    /* A's own values win, its empty ones are filled from B */
    assert_golden(f->s, a, "first_name", "Ann");
    assert_golden(f->s, a, "last_name", "de Vries");
    assert_golden(f->s, a, "phone", "+31612345678");
    assert_golden(f->s, a, "city", "Utrecht");
    assert_int_equal(sqlf(f,
                          "SELECT attributes ->> 'plan' = 'pro' AND attributes ->> 'score' = 7"
                          " AND attributes ->> '$.tags[0]' = 'vip' FROM profiles"
                          " WHERE id = %lld",
                          (long long)a),
                     1);
    /* consents are the joined ledger's: B's newer opt-out beats A's older opt-in */
    assert_consent(f->s, a, "email", "opted_out", T0 - 1000);
    assert_consent(f->s, a, "sms", "opted_out", T0 - 4000);
    assert_consent(f->s, a, "push", "opted_in", T0 - 100);
    assert_consent(f->s, a, "post", "opted_out", T0 - 3000);

    struct store_unmerge u;
    unmerge(f->s, b, TU, &u);
    assert_true(u.merge_id > 0);
    assert_int_equal(u.survivor, a);
    assert_int_equal(u.absorbed, b);
    assert_int_equal(u.identities, own_b[0]);
    assert_int_equal(u.raw_records, own_b[1]);
    assert_int_equal(u.events, own_b[2]);
    assert_int_equal(u.orders, own_b[3]);
    assert_int_equal(u.consent_history, own_b[4]);
    assert_int_equal(u.tombstones, 0);
    assert_int_equal(u.optouts_kept, 0);
    assert_true(u.survivor_restored);
    assert_int_equal(owner_of(f->s, "email", "anna@y.nl", ""), b);
    assert_int_equal(owner_of(f->s, "anonymous_id", "anon-b", ""), b);
    assert_int_equal(owner_of(f->s, "email", "ann@x.nl", ""), a);

    char *after = dump_all(f);
    assert_same_dump(before, after);
    free(before);
    free(after);
}

/* ---- nested merges ------------------------------------------------------------ */

static int64_t nested_member(struct store *s, const char *name, int64_t now)
{
    struct person p = {.source = "web", .first_name = name};
    int64_t id = person_add(s, &p, now);
    char v[32];
    snprintf(v, sizeof(v), "%s@x.nl", name);
    assert_int_equal(store_identity_add(s, "email", v, "", id, now, NULL), 0);
    snprintf(v, sizeof(v), "raw-%s", name);
    raw_add(s, id, "web", "identify", v, now);
    snprintf(v, sizeof(v), "ev-%s", name);
    event_add(s, id, v, now);
    consent_add(s, id, "email", "", "opted_in", now - 10, now);
    return id;
}

static void test_nested_unmerge_takes_back_what_was_merged_before(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = nested_member(f->s, "a", T0);
    int64_t b = nested_member(f->s, "b", T0 + 1);
    int64_t c = nested_member(f->s, "c", T0 + 2);
    commit(f->s);

    merge(f->s, b, c, TM);      /* C into B */
    merge(f->s, a, b, TM + 10); /* then B into A */
    /* chains stay one hop deep; C's rows remember C, not B */
    assert_int_equal(sqlf(f, "SELECT merged_into FROM profiles WHERE id = %lld", (long long)c), a);
    assert_int_equal(sqlf(f,
                          "SELECT count(*) FROM events WHERE profile_id = %lld"
                          " AND origin_id = %lld",
                          (long long)a, (long long)c),
                     1);
    int64_t ids[4];
    int n = 0;
    assert_int_equal(store_profile_absorbed(f->s, a, ids, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], b);
    assert_int_equal(store_profile_absorbed(f->s, b, ids, 0, &n), 0); /* cap 0: only counts */
    assert_int_equal(n, 1);

    struct store_unmerge u;
    unmerge(f->s, b, TU, &u);
    assert_int_equal(u.survivor, a);
    assert_int_equal(u.identities, 2);
    assert_int_equal(u.raw_records, 2);
    assert_int_equal(u.events, 2);
    assert_int_equal(u.consent_history, 2);
    assert_int_equal(u.tombstones, 1);

    /* B is live with its rows and C's; C is still a tombstone, now pointing at B */
    assert_int_equal(
        sqlf(f, "SELECT merged_into IS NULL FROM profiles WHERE id = %lld", (long long)b), 1);
    assert_int_equal(sqlf(f, "SELECT merged_into FROM profiles WHERE id = %lld", (long long)c), b);
    int64_t surv = 0;
    assert_int_equal(store_profile_resolve(f->s, c, &surv), 0);
    assert_int_equal(surv, b);
    assert_int_equal(owner_of(f->s, "email", "c@x.nl", ""), b);
    assert_int_equal(owner_of(f->s, "email", "b@x.nl", ""), b);
    for (int t = 0; t < 5; t++) {
        const char *tb = moved_tables[t];
        if (t == 3)
            continue; /* no orders here */
        assert_int_equal(sqlf(f,
                              "SELECT count(*) FROM %s WHERE profile_id = %lld"
                              " AND origin_id IS NULL",
                              tb, (long long)b),
                         1);
        assert_int_equal(sqlf(f,
                              "SELECT count(*) FROM %s WHERE profile_id = %lld"
                              " AND origin_id = %lld",
                              tb, (long long)b, (long long)c),
                         1);
        /* A keeps only its own */
        assert_int_equal(
            sqlf(f, "SELECT count(*) FROM %s WHERE profile_id = %lld", tb, (long long)a), 1);
        assert_int_equal(sqlf(f,
                              "SELECT count(*) FROM %s WHERE profile_id = %lld"
                              " AND origin_id IS NOT NULL",
                              tb, (long long)a),
                         0);
    }
    assert_int_equal(store_profile_absorbed(f->s, a, ids, 4, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_profile_absorbed(f->s, b, ids, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], c);
    assert_consent(f->s, b, "email", "opted_in", T0 + 2 - 10); /* C's, the newest of the two */
    assert_consent(f->s, a, "email", "opted_in", T0 - 10);

    /* and C can be taken out of B in turn */
    unmerge(f->s, c, TU + 10, &u);
    assert_int_equal(u.survivor, b);
    assert_int_equal(u.events, 1);
    assert_int_equal(u.tombstones, 0);
    assert_int_equal(owner_of(f->s, "email", "c@x.nl", ""), c);
    assert_int_equal(sqlf(f,
                          "SELECT count(*) FROM events WHERE profile_id = %lld"
                          " AND origin_id IS NULL",
                          (long long)c),
                     1);
    assert_int_equal(sqlf(f, "SELECT count(*) FROM profiles WHERE merged_into IS NOT NULL"), 0);
}

/* ---- consents ------------------------------------------------------------------- */

static void test_merge_newer_optout_beats_older_optin(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = bare_profile(f->s, "web", NULL);
    int64_t b = bare_profile(f->s, "shop", NULL);
    consent_add(f->s, a, "email", "", "opted_in", T0 - 5000, T0);
    consent_add(f->s, b, "email", "", "opted_out", T0 - 1000, T0);
    /* as old as each other: the opt-out */
    consent_add(f->s, a, "sms", "", "opted_in", T0 - 2000, T0 + 1);
    consent_add(f->s, b, "sms", "", "opted_out", T0 - 2000, T0);
    commit(f->s);
    merge(f->s, a, b, TM);
    assert_consent(f->s, a, "email", "opted_out", T0 - 1000);
    assert_consent(f->s, a, "sms", "opted_out", T0 - 2000);
    assert_consent(f->s, b, "email", NULL, 0);

    /* apart again, each side says what it said itself */
    struct store_unmerge u;
    unmerge(f->s, b, TU, &u);
    assert_consent(f->s, a, "email", "opted_in", T0 - 5000);
    assert_consent(f->s, b, "email", "opted_out", T0 - 1000);
    assert_consent(f->s, a, "sms", "opted_in", T0 - 2000);
}

static void test_merge_newest_statement_wins_so_later_optin_beats_old_optout(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = bare_profile(f->s, "web", NULL);
    int64_t b = bare_profile(f->s, "shop", NULL);
    consent_add(f->s, b, "email", "", "opted_out", T0 - 90 * DAY, T0); /* long ago */
    consent_add(f->s, a, "email", "", "opted_in", T0 - 1000, T0);
    commit(f->s);
    merge(f->s, a, b, TM);
    assert_consent(f->s, a, "email", "opted_in", T0 - 1000);
    /* and the same with the roles of survivor and absorbed swapped */
    begin(f->s);
    int64_t c = bare_profile(f->s, "web", NULL);
    int64_t d = bare_profile(f->s, "shop", NULL);
    consent_add(f->s, c, "email", "", "opted_out", T0 - 90 * DAY, T0);
    consent_add(f->s, d, "email", "", "opted_in", T0 - 1000, T0);
    commit(f->s);
    merge(f->s, c, d, TM);
    assert_consent(f->s, c, "email", "opted_in", T0 - 1000);
}

static void test_optout_while_merged_stays_with_both_optin_with_survivor(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = bare_profile(f->s, "web", NULL);
    int64_t b = bare_profile(f->s, "shop", NULL);
    consent_add(f->s, a, "email", "", "opted_in", T0 - 5000, T0);
    consent_add(f->s, b, "email", "", "opted_in", T0 - 4000, T0);
    consent_add(f->s, b, "sms", "", "opted_out", T0 - 3000, T0);
    commit(f->s);
    merge(f->s, a, b, TM);
    assert_consent(f->s, a, "sms", "opted_out", T0 - 3000);

    /* while merged, the person opts out of e-mail and into SMS */
    begin(f->s);
    consent_add(f->s, a, "email", "", "opted_out", TM + 100, TM + 100);
    consent_add(f->s, a, "sms", "", "opted_in", TM + 200, TM + 200);
    commit(f->s);

    struct store_unmerge u;
    unmerge(f->s, b, TU, &u);
    assert_int_equal(u.optouts_kept, 1);
    assert_int_equal(u.consent_history, 2); /* B's own two statements */
    /* the opt-out holds on both sides: either of them may have said it */
    assert_consent(f->s, a, "email", "opted_out", TM + 100);
    assert_consent(f->s, b, "email", "opted_out", TM + 100);
    assert_true(store_consent_known(f->s, b, "email", "", "opted_out", TM + 100));
    assert_int_equal(sqlf(f,
                          "SELECT count(*) FROM consent_history WHERE profile_id = %lld"
                          " AND status = 'opted_out' AND recorded_at = %lld"
                          " AND note LIKE '%%merged into profile %lld'",
                          (long long)b, (long long)TU, (long long)a),
                     1);
    /* the opt-in only with the survivor, where it was given: B keeps its own opt-out */
    assert_consent(f->s, a, "sms", "opted_in", TM + 200);
    assert_consent(f->s, b, "sms", "opted_out", T0 - 3000);
    assert_false(store_consent_known(f->s, b, "sms", "", "opted_in", TM + 200));
}

/* ---- rows that arrive while merged ---------------------------------------------- */

static void test_rows_added_while_merged(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = bare_profile(f->s, "web", NULL);
    int64_t b = bare_profile(f->s, "shop", NULL);
    int64_t ra = raw_add(f->s, a, "web", "identify", "u-a", T0);
    int64_t rb = raw_add(f->s, b, "shop", "identify", "u-b", T0);
    event_add(f->s, a, "ev-a", T0);
    event_add(f->s, b, "ev-b", T0);
    commit(f->s);
    merge(f->s, a, b, TM);

    /* an event for the merged profile, and a new version of B's record (the ingest
     * resolves B's identities to A now) */
    begin(f->s);
    event_add(f->s, a, "ev-late", TM + 10);
    int64_t rb2 = raw_add(f->s, a, "shop", "identify", "u-b", TM + 20);
    commit(f->s);
    assert_int_equal(sqlf(f, "SELECT origin_id FROM raw_records WHERE id = %lld", (long long)rb2),
                     b);
    assert_int_equal(
        sqlf(f, "SELECT superseded_at FROM raw_records WHERE id = %lld", (long long)rb), TM + 20);

    struct store_unmerge u;
    unmerge(f->s, b, TU, &u);
    assert_int_equal(u.events, 1);
    assert_int_equal(u.raw_records, 2);
    /* the event stays where it was given */
    assert_int_equal(sqlf(f, "SELECT profile_id FROM events WHERE message_id = 'ev-late'"), a);
    assert_int_equal(sqlf(f, "SELECT profile_id FROM events WHERE message_id = 'ev-b'"), b);
    /* B's record, both versions, goes back to B, the new one current */
    assert_int_equal(sqlf(f, "SELECT profile_id FROM raw_records WHERE id = %lld", (long long)rb2),
                     b);
    assert_int_equal(
        sqlf(f, "SELECT origin_id IS NULL FROM raw_records WHERE id = %lld", (long long)rb2), 1);
    assert_int_equal(sqlf(f, "SELECT profile_id FROM raw_records WHERE id = %lld", (long long)rb),
                     b);
    int64_t cur = 0, owner = 0;
    assert_int_equal(store_raw_current(f->s, "shop", "u-b", &cur, &owner, NULL), 0);
    assert_int_equal(cur, rb2);
    assert_int_equal(owner, b);
    assert_int_equal(
        sqlf(f, "SELECT count(*) FROM raw_records WHERE profile_id = %lld", (long long)a), 1);
    assert_int_equal(sqlf(f, "SELECT id FROM raw_records WHERE profile_id = %lld", (long long)a),
                     ra);
}

/* ---- what an unmerge records ---------------------------------------------------- */

struct pairs {
    int n;
    int64_t a[8], b[8];
};

static int collect_pair(void *ctx, int64_t raw_a, int64_t raw_b)
{
    struct pairs *p = ctx;
    if (p->n < 8) {
        p->a[p->n] = raw_a;
        p->b[p->n] = raw_b;
    }
    p->n++;
    return 0;
}

static void test_unmerge_is_logged_and_rejects_the_pair(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a = bare_profile(f->s, "web", NULL);
    int64_t b = bare_profile(f->s, "shop", NULL);
    int64_t ra = raw_add(f->s, a, "web", "identify", "u-a", T0);
    int64_t rb = raw_add(f->s, b, "shop", "identify", "u-b", T0);
    commit(f->s);
    merge(f->s, a, b, TM);
    struct store_unmerge u;
    unmerge(f->s, b, TU, &u);

    /* the log: the merge marked undone, the unmerge recorded */
    assert_int_equal(
        sqlf(f, "SELECT undone_at FROM merge_log WHERE id = %lld", (long long)u.merge_id), TU);
    assert_int_equal(sqlf(f,
                          "SELECT count(*) FROM merge_log WHERE action = 'unmerge'"
                          " AND survivor_id = %lld AND absorbed_id = %lld AND created_at = %lld"
                          " AND evidence ->> '$.merge_id' = %lld AND undone_at IS NULL",
                          (long long)a, (long long)b, (long long)TU, (long long)u.merge_id),
                     1);
    int64_t sides[] = {a, b};
    for (int k = 0; k < 2; k++) {
        json_t *h = NULL;
        struct errbuf e = {{0}, {0}};
        assert_int_equal(store_merge_history(f->s, sides[k], &h, &e), 0);
        assert_int_equal(json_array_size(h), 2);
        json_t *m = json_array_get(h, 0), *um = json_array_get(h, 1);
        assert_string_equal(jstr(m, "action"), "merge");
        assert_string_equal(jstr(m, "rule"), "test");
        assert_int_equal(json_integer_value(json_object_get(m, "id")), u.merge_id);
        assert_int_equal(json_integer_value(json_object_get(m, "survivor_id")), a);
        assert_int_equal(json_integer_value(json_object_get(m, "absorbed_id")), b);
        assert_string_equal(jstr(json_object_get(m, "evidence"), "why"), "test");
        assert_string_equal(jstr(m, "undone_at"), "2026-11-23T11:00:00.000Z");
        assert_string_equal(jstr(um, "action"), "unmerge");
        assert_int_equal(json_integer_value(json_object_get(um, "absorbed_id")), b);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(um, "evidence"), "merge_id")),
            u.merge_id);
        assert_string_equal(jstr(um, "created_at"), "2026-11-23T11:00:00.000Z");
        assert_true(json_is_null(json_object_get(um, "undone_at")));
        json_decref(h);
    }

    /* the two records are a rejected pair, so matching never joins them again */
    struct pairs p = {0};
    assert_int_equal(store_match_rejected(f->s, collect_pair, &p), 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.a[0], ra < rb ? ra : rb);
    assert_int_equal(p.b[0], ra < rb ? rb : ra);
    json_t *list = NULL;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_matches_list(f->s, "rejected", 0, 10, &list, &e), 0);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);

    /* only a profile merged into another can be unmerged */
    begin(f->s);
    struct store_unmerge u2;
    assert_int_equal(store_profile_unmerge(f->s, b, TU + 1, &u2, &e), ERR_NOT_FOUND); /* again */
    err_clear(&e);
    assert_int_equal(store_profile_unmerge(f->s, a, TU + 1, &u2, &e), ERR_NOT_FOUND); /* never */
    assert_non_null(strstr(e.msg, "not merged"));
    assert_int_equal(store_profile_unmerge(f->s, 987654, TU + 1, &u2, NULL), ERR_NOT_FOUND);
    commit(f->s);
    assert_int_equal(sqlf(f, "SELECT count(*) FROM merge_log"), 2);
}

static void test_survivor_restored_only_when_untouched(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t a1 = bare_profile(f->s, "web", NULL), b1 = bare_profile(f->s, "shop", "Jansen");
    int64_t a2 = bare_profile(f->s, "web", NULL), b2 = bare_profile(f->s, "shop", "Bakker");
    int64_t a3 = bare_profile(f->s, "web", NULL), b3 = bare_profile(f->s, "shop", "Visser");
    raw_add(f->s, a1, "web", "identify", "u-a1", T0);
    raw_add(f->s, b1, "shop", "identify", "u-b1", T0);
    raw_add(f->s, a2, "web", "identify", "u-a2", T0);
    raw_add(f->s, b2, "shop", "identify", "u-b2", T0);
    commit(f->s);
    merge(f->s, a1, b1, TM);
    merge(f->s, a2, b2, TM);
    merge(f->s, a3, b3, TM);
    assert_golden(f->s, a1, "last_name", "Jansen");

    /* while merged: a record arrives for A2 itself; A3's golden record is edited */
    begin(f->s);
    raw_add(f->s, a2, "web", "identify", "u-a2-new", TM + 10);
    const char *vals[PF_COUNT] = {0};
    vals[PF_CITY] = "Delft";
    assert_int_equal(store_profile_update(f->s, a3, vals, NULL, TM + 20), 0);
    commit(f->s);

    struct store_unmerge u;
    unmerge(f->s, b1, TU, &u);
    assert_true(u.survivor_restored);
    assert_golden(f->s, a1, "last_name", NULL); /* as before the merge */
    assert_int_equal(sqlf(f, "SELECT updated_at FROM profiles WHERE id = %lld", (long long)a1), T0);

    unmerge(f->s, b2, TU, &u);
    assert_false(u.survivor_restored);
    assert_golden(f->s, a2, "last_name", "Bakker"); /* left for recomputing */
    /* both of A2's current records are rejected with B2's */
    assert_int_equal(sqlf(f,
                          "SELECT count(*) FROM matches WHERE status = 'rejected'"
                          " AND (raw_a IN (SELECT id FROM raw_records WHERE profile_id = %lld)"
                          "  OR raw_b IN (SELECT id FROM raw_records WHERE profile_id = %lld))",
                          (long long)b2, (long long)b2),
                     2);

    unmerge(f->s, b3, TU, &u);
    assert_false(u.survivor_restored);
    assert_golden(f->s, a3, "city", "Delft");
    /* the absorbed side is always back as it was */
    assert_golden(f->s, b2, "last_name", "Bakker");
    assert_int_equal(sqlf(f, "SELECT updated_at FROM profiles WHERE id = %lld", (long long)b3), T0);
}

/* ---- the review queue ------------------------------------------------------------- */

static void test_review_queue(void **state)
{
    struct fixture *f = *state;
    begin(f->s);
    int64_t p1 = bare_profile(f->s, "web", NULL), p2 = bare_profile(f->s, "shop", NULL);
    int64_t r1 = raw_add(f->s, p1, "web", "identify", "r1", T0);
    int64_t r2 = raw_add(f->s, p2, "shop", "identify", "r2", T0);
    int64_t r3 = raw_add(f->s, p2, "crm", "import", "r3", T0);
    /* the same pair found both ways round is one row, with the latest score */
    assert_int_equal(store_match_add(f->s, r2, r1, 0.71, "{\"n\":1}", NOW), 0);
    assert_int_equal(store_match_add(f->s, r1, r2, 0.82, "{\"n\":2}", NOW + 1), 0);
    assert_int_equal(store_match_add(f->s, r3, r1, 0.64, NULL, NOW + 2), 0);
    commit(f->s);
    assert_int_equal(sqlf(f, "SELECT count(*) FROM matches"), 2);
    assert_int_equal(sqlf(f,
                          "SELECT count(*) FROM matches WHERE raw_a = %lld AND raw_b = %lld"
                          " AND score = 0.82",
                          (long long)r1, (long long)r2),
                     1);

    json_t *list = NULL;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_matches_list(f->s, "review", 0, 10, &list, &e), 0);
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    int64_t id12 = json_integer_value(json_object_get(first, "id"));
    int64_t id13 = json_integer_value(json_object_get(json_array_get(list, 1), "id"));
    assert_string_equal(jstr(first, "status"), "review");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "a"), "raw_id")),
                     r1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "b"), "raw_id")),
                     r2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "b"), "profile_id")),
                     p2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "evidence"), "n")),
                     2);
    json_decref(list);

    begin(f->s);
    int64_t got_a = 0, got_b = 0;
    assert_int_equal(store_match_decide(f->s, id12, "accepted", NOW + 10, &got_a, &got_b), 0);
    assert_int_equal(got_a, r1);
    assert_int_equal(got_b, r2);
    assert_int_equal(store_match_decide(f->s, id12, "rejected", NOW + 11, &got_a, &got_b),
                     ERR_EXISTS);
    assert_int_equal(store_match_decide(f->s, id13 + 1000, "accepted", NOW, &got_a, &got_b),
                     ERR_NOT_FOUND);
    assert_int_equal(store_match_decide(f->s, id13, "rejected", NOW + 12, &got_a, &got_b), 0);
    /* a decided pair found again is left alone */
    assert_int_equal(store_match_add(f->s, r2, r1, 0.99, NULL, NOW + 20), 0);
    assert_int_equal(store_match_clear_pending(f->s), 0);
    commit(f->s);
    assert_int_equal(sqlf(f, "SELECT count(*) FROM matches"), 2);

    static const struct {
        const char *status;
        size_t n;
    } filters[] = {{"review", 0}, {"accepted", 1}, {"rejected", 1}, {NULL, 2}};
    for (size_t k = 0; k < sizeof(filters) / sizeof(filters[0]); k++) {
        assert_int_equal(store_matches_list(f->s, filters[k].status, 0, 10, &list, &e), 0);
        if (json_array_size(list) != filters[k].n)
            fail_msg("status %s: %zu pairs, want %zu",
                     filters[k].status ? filters[k].status : "any", json_array_size(list),
                     filters[k].n);
        json_decref(list);
    }
    assert_int_equal(store_matches_list(f->s, "accepted", 0, 10, &list, &e), 0);
    json_t *acc = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(acc, "id")), id12);
    assert_true(json_real_value(json_object_get(acc, "score")) == 0.82);
    assert_string_equal(jstr(acc, "decided_at"), "2026-11-23T10:00:00.010Z");
    json_decref(list);
    /* the cursor */
    assert_int_equal(store_matches_list(f->s, NULL, id12, 10, &list, &e), 0);
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), id13);
    json_decref(list);

    struct pairs p = {0};
    assert_int_equal(store_match_rejected(f->s, collect_pair, &p), 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.a[0], r1);
    assert_int_equal(p.b[0], r3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_restores_every_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_unmerge_takes_back_what_was_merged_before,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_newer_optout_beats_older_optin, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_merge_newest_statement_wins_so_later_optin_beats_old_optout, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_optout_while_merged_stays_with_both_optin_with_survivor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_added_while_merged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmerge_is_logged_and_rejects_the_pair, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_survivor_restored_only_when_untouched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_review_queue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
