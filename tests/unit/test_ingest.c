/*
 * test_ingest.c — requests from body text to stored rows, against a real temp
 * store: ingest_request_parse, then ingest_request_apply inside a transaction,
 * as the writer runs it.
 *
 * Identity: identify then track with one userId is one profile; a userId for
 * a known anonymousId joins it; an anonymous-only profile meeting its userId
 * is merged; a profile with another userId is never joined on anonymousId
 * alone; alias merges two existing profiles (merge log, tombstone).
 * Idempotency by messageId. Rejects: invalid batch items are quarantined
 * with their reasons while valid ones are stored; too large batches are
 * refused whole; malformed JSON is one quarantined reject.
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
#include "clean/clean.h"
#include "ingest/ingest.h"
#include "testdb.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z */

struct fixture {
    struct testdb db;
    struct store *s;
    int64_t now;
};

/* The cleaning rules' reference data (country names), as the server loads it. */
static int group_setup(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    return clean_init(&e);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || testdb_open_store(&f->db, &f->s))
        return -1;
    f->now = NOW;
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

/* Apply a parsed request in one transaction, as the writer thread does. */
static void apply(struct fixture *f, struct ingest_request *r)
{
    struct errbuf e = {{0}, {0}};
    if (store_begin(f->s, &e))
        fail_msg("store_begin: %s", e.msg);
    if (ingest_request_apply(f->s, r, &e)) {
        store_rollback(f->s);
        fail_msg("ingest_request_apply: %s", e.msg);
    }
    if (store_commit(f->s, &e))
        fail_msg("store_commit: %s", e.msg);
}

struct result {
    int rc; /* of ingest_request_parse */
    size_t nmsgs, nrejects, stored, duplicates, merges;
};

/* Parse body for endpoint type (-1: batch) from source and, unless refused whole, apply it. */
static struct result ingest(struct fixture *f, const char *source, int type, const char *body)
{
    struct result res = {0};
    struct ingest_request r;
    struct errbuf e = {{0}, {0}};
    f->now += 1000;
    res.rc = ingest_request_parse(&r, source, type, body, strlen(body), f->now, &e);
    res.nmsgs = r.nmsgs;
    res.nrejects = r.nrejects;
    if (res.rc != ERR_TOO_BIG)
        apply(f, &r);
    res.stored = r.stored;
    res.duplicates = r.duplicates;
    res.merges = r.merges;
    ingest_request_release(&r);
    return res;
}

/* Ingest a message that must be stored. */
static struct result ok(struct fixture *f, int type, const char *body)
{
    struct result res = ingest(f, "web", type, body);
    if (res.rc || res.nrejects)
        fail_msg("%s: rc %d, %zu rejects", body, res.rc, res.nrejects);
    return res;
}

static int64_t profile_of(struct fixture *f, const char *type, const char *value,
                          const char *source)
{
    int64_t id = 0;
    if (store_identity_find(f->s, type, value, source, &id))
        fail_msg("no profile for %s %s", type, value);
    return id;
}

static struct store_counts counts(struct fixture *f)
{
    struct store_counts c;
    assert_int_equal(store_counts(f->s, &c), 0);
    return c;
}

static json_t *view(struct fixture *f, int64_t id)
{
    json_t *v = NULL;
    struct errbuf e = {{0}, {0}};
    if (store_profile_view(f->s, id, &v, &e))
        fail_msg("store_profile_view(%lld): %s", (long long)id, e.msg);
    return v;
}

static size_t nevents(struct fixture *f, int64_t pid)
{
    return (size_t)testdb_sql_int(f->db.path, "SELECT count(*) FROM events WHERE profile_id = ?1",
                                  pid);
}

/* ---- identity ---------------------------------------------------------------- */

/* Identifies pass the cleaning rules, read in the sender's context.locale. */
static void test_identify_cleaned_in_its_locale(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_IDENTIFY,
       "{\"userId\":\"be\",\"context\":{\"locale\":\"nl-BE\"},"
       "\"traits\":{\"phone\":\"0475 12 34 56\",\"birthday\":\"03/07/1985\","
       "\"title\":\"Mevr.\",\"firstName\":\"ANN\"}}");
    ok(f, SEG_IDENTIFY,
       "{\"userId\":\"us\",\"context\":{\"locale\":\"en_US\"},"
       "\"traits\":{\"phone\":\"(202) 456-1111\",\"birthday\":\"03/07/1985\","
       "\"address\":{\"country\":\"Belgique\",\"postalCode\":\"b-1000\"}}}");
    json_t *be = view(f, profile_of(f, "user_id", "be", "web"));
    assert_string_equal(json_string_value(json_object_get(be, "phone")), "+32475123456");
    assert_string_equal(json_string_value(json_object_get(be, "birth_date")), "1985-07-03");
    assert_string_equal(json_string_value(json_object_get(be, "gender")), "female");
    assert_string_equal(json_string_value(json_object_get(be, "first_name")), "Ann");
    json_t *us = view(f, profile_of(f, "user_id", "us", "web"));
    /* month first in en-US; the record's own country (BE) wins over the locale's for the
     * postcode, and the US number, read in BE, is not valid: left out */
    assert_string_equal(json_string_value(json_object_get(us, "birth_date")), "1985-03-07");
    assert_string_equal(json_string_value(json_object_get(us, "country")), "BE");
    assert_string_equal(json_string_value(json_object_get(us, "postal_code")), "1000");
    assert_true(json_is_null(json_object_get(us, "phone")));
    json_decref(be);
    json_decref(us);
}

static void test_identify_then_track_one_profile(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_IDENTIFY,
       "{\"userId\":\"u1\",\"traits\":{\"email\":\"Ann@X.nl\",\"name\":\"Ann Smith\"}}");
    ok(f, SEG_TRACK, "{\"userId\":\"u1\",\"event\":\"Signed Up\"}");
    ok(f, SEG_PAGE, "{\"userId\":\"u1\",\"name\":\"Home\"}");

    int64_t p = profile_of(f, "user_id", "u1", "web");
    assert_int_equal(profile_of(f, "email", "ann@x.nl", ""), p);
    assert_int_equal(counts(f).profiles, 1);
    assert_int_equal(nevents(f, p), 3);
    json_t *v = view(f, p);
    assert_string_equal(json_string_value(json_object_get(v, "first_name")), "Ann");
    /* cleaned: the domain is lower-cased, the local part kept as written */
    assert_string_equal(json_string_value(json_object_get(v, "email")), "Ann@x.nl");
    /* the identify is kept unchanged as a raw record of its source */
    json_t *raw = json_array_get(json_object_get(json_object_get(v, "raw_records"), "web"), 0);
    assert_string_equal(json_string_value(json_object_get(raw, "external_id")), "u1");
    json_decref(v);

    /* a userId is per source: the same one from another source is someone else */
    struct result res = ingest(f, "shop", SEG_TRACK, "{\"userId\":\"u1\",\"event\":\"Visited\"}");
    assert_int_equal(res.rc, 0);
    assert_int_not_equal(profile_of(f, "user_id", "u1", "shop"), p);
    assert_int_equal(counts(f).profiles, 2);
}

static void test_userid_joins_known_anonymous_id(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_PAGE, "{\"anonymousId\":\"a1\",\"name\":\"Home\"}");
    int64_t p = profile_of(f, "anonymous_id", "a1", "");
    struct result res = ok(f, SEG_IDENTIFY,
                           "{\"userId\":\"u1\",\"anonymousId\":\"a1\","
                           "\"traits\":{\"firstName\":\"Ann\"}}");
    assert_int_equal(res.merges, 0);
    assert_int_equal(profile_of(f, "user_id", "u1", "web"), p);
    assert_int_equal(profile_of(f, "anonymous_id", "a1", ""), p);
    assert_int_equal(counts(f).profiles, 1);
    assert_int_equal(nevents(f, p), 2);
    json_t *v = view(f, p);
    assert_string_equal(json_string_value(json_object_get(v, "first_name")), "Ann");
    json_decref(v);
}

static void test_anonymous_profile_merged_into_user(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_IDENTIFY, "{\"userId\":\"u2\",\"traits\":{\"firstName\":\"Bo\"}}");
    ok(f, SEG_TRACK, "{\"anonymousId\":\"a2\",\"event\":\"Viewed\"}");
    int64_t pu = profile_of(f, "user_id", "u2", "web");
    int64_t pa = profile_of(f, "anonymous_id", "a2", "");
    assert_int_not_equal(pu, pa);
    assert_int_equal(counts(f).profiles, 2);

    /* the anonymous visitor logs in */
    struct result res =
        ok(f, SEG_TRACK, "{\"userId\":\"u2\",\"anonymousId\":\"a2\",\"event\":\"Bought\"}");
    assert_int_equal(res.merges, 1);
    assert_int_equal(res.stored, 1);
    assert_int_equal(profile_of(f, "anonymous_id", "a2", ""), pu);
    int64_t surv = 0;
    assert_int_equal(store_profile_resolve(f->s, pa, &surv), 0);
    assert_int_equal(surv, pu);
    assert_int_equal(nevents(f, pu), 3); /* its history came along */
    assert_int_equal(counts(f).profiles, 1);
    assert_int_equal(testdb_sql_int(f->db.path,
                                    "SELECT count(*) FROM merge_log WHERE action = 'merge'"
                                    " AND absorbed_id = ?1",
                                    pa),
                     1);
}

static void test_anonymous_id_of_another_user_is_not_joined(void **state)
{
    struct fixture *f = *state;
    /* a shared device: u3 used it first */
    ok(f, SEG_IDENTIFY, "{\"userId\":\"u3\",\"anonymousId\":\"a3\"}");
    int64_t p3 = profile_of(f, "user_id", "u3", "web");
    struct result res =
        ok(f, SEG_TRACK, "{\"userId\":\"u4\",\"anonymousId\":\"a3\",\"event\":\"E\"}");
    assert_int_equal(res.merges, 0);
    int64_t p4 = profile_of(f, "user_id", "u4", "web");
    assert_int_not_equal(p4, p3);
    assert_int_equal(profile_of(f, "anonymous_id", "a3", ""), p3);
    assert_int_equal(nevents(f, p4), 1);
    assert_int_equal(counts(f).profiles, 2);

    /* and when both are known, they stay apart */
    res = ok(f, SEG_TRACK, "{\"userId\":\"u4\",\"anonymousId\":\"a3\",\"event\":\"E2\"}");
    assert_int_equal(res.merges, 0);
    assert_int_equal(nevents(f, p4), 2);
    assert_int_equal(counts(f).profiles, 2);
}

static void test_alias_merges_existing_profiles(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_IDENTIFY, "{\"userId\":\"old-id\",\"traits\":{\"email\":\"c@x.nl\"}}");
    ok(f, SEG_IDENTIFY, "{\"userId\":\"new-id\",\"traits\":{\"firstName\":\"Cas\"}}");
    int64_t p_old = profile_of(f, "user_id", "old-id", "web");
    int64_t p_new = profile_of(f, "user_id", "new-id", "web");
    assert_int_not_equal(p_old, p_new);

    struct result res = ok(f, SEG_ALIAS, "{\"previousId\":\"old-id\",\"userId\":\"new-id\"}");
    assert_int_equal(res.merges, 1);
    /* the userId's profile survives; previousId's is a tombstone pointing at it */
    assert_int_equal(profile_of(f, "user_id", "old-id", "web"), p_new);
    assert_int_equal(profile_of(f, "email", "c@x.nl", ""), p_new);
    json_t *v = view(f, p_old);
    assert_int_equal(json_integer_value(json_object_get(v, "merged_into")), p_new);
    json_t *surv = json_object_get(v, "profile");
    assert_string_equal(json_string_value(json_object_get(surv, "first_name")), "Cas");
    assert_string_equal(json_string_value(json_object_get(surv, "email")), "c@x.nl");
    json_decref(v);
    assert_int_equal(testdb_sql_int(f->db.path,
                                    "SELECT survivor_id FROM merge_log WHERE action = 'merge'"
                                    " AND rule = 'alias' AND absorbed_id = ?1",
                                    p_old),
                     p_new);
    assert_int_equal(nevents(f, p_new), 3); /* both identifies and the alias */
    assert_int_equal(counts(f).profiles, 1);

    /* the same alias again changes nothing */
    res = ok(f, SEG_ALIAS, "{\"previousId\":\"old-id\",\"userId\":\"new-id\"}");
    assert_int_equal(res.merges, 0);
    assert_int_equal(testdb_sql_int(f->db.path, "SELECT count(*) FROM merge_log", 0), 1);
}

static void test_alias_of_anonymous_id(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_PAGE, "{\"anonymousId\":\"a9\"}");
    ok(f, SEG_IDENTIFY, "{\"userId\":\"u9\"}");
    int64_t pa = profile_of(f, "anonymous_id", "a9", "");
    int64_t pu = profile_of(f, "user_id", "u9", "web");
    struct result res = ok(f, SEG_ALIAS, "{\"previousId\":\"a9\",\"userId\":\"u9\"}");
    assert_int_equal(res.merges, 1);
    assert_int_equal(profile_of(f, "anonymous_id", "a9", ""), pu);
    int64_t surv = 0;
    assert_int_equal(store_profile_resolve(f->s, pa, &surv), 0);
    assert_int_equal(surv, pu);

    /* only previousId known: the userId joins that profile, no merge */
    ok(f, SEG_PAGE, "{\"anonymousId\":\"a10\"}");
    int64_t p10 = profile_of(f, "anonymous_id", "a10", "");
    res = ok(f, SEG_ALIAS, "{\"previousId\":\"a10\",\"userId\":\"u10\"}");
    assert_int_equal(res.merges, 0);
    assert_int_equal(profile_of(f, "user_id", "u10", "web"), p10);
}

/* ---- idempotency ------------------------------------------------------------ */

static void test_duplicate_message_id_stored_once(void **state)
{
    struct fixture *f = *state;
    const char *body = "{\"userId\":\"u5\",\"event\":\"Order Viewed\",\"messageId\":\"m-1\"}";
    struct result res = ok(f, SEG_TRACK, body);
    assert_int_equal(res.stored, 1);
    assert_int_equal(res.duplicates, 0);
    /* an SDK retry after a lost acknowledgement */
    res = ok(f, SEG_TRACK, body);
    assert_int_equal(res.stored, 0);
    assert_int_equal(res.duplicates, 1);
    assert_int_equal(counts(f).events, 1);

    /* a retried identify does not apply its traits twice (nor later ones) */
    ok(f, SEG_IDENTIFY,
       "{\"userId\":\"u5\",\"messageId\":\"m-2\",\"traits\":{\"firstName\":\"Eva\"}}");
    res = ok(f, SEG_IDENTIFY,
             "{\"userId\":\"u5\",\"messageId\":\"m-2\",\"traits\":{\"firstName\":\"Zoe\"}}");
    assert_int_equal(res.duplicates, 1);
    json_t *v = view(f, profile_of(f, "user_id", "u5", "web"));
    assert_string_equal(json_string_value(json_object_get(v, "first_name")), "Eva");
    json_decref(v);

    /* within one batch too */
    res = ok(f, -1,
             "{\"batch\":["
             "{\"type\":\"track\",\"userId\":\"u5\",\"event\":\"A\",\"messageId\":\"m-3\"},"
             "{\"type\":\"track\",\"userId\":\"u5\",\"event\":\"A\",\"messageId\":\"m-3\"},"
             "{\"type\":\"track\",\"userId\":\"u5\",\"event\":\"A\",\"messageId\":\"m-1\"}]}");
    assert_int_equal(res.stored, 1);
    assert_int_equal(res.duplicates, 2);
    assert_int_equal(counts(f).events, 3);
    assert_int_equal(testdb_sql_int(f->db.path, "SELECT count(*) FROM raw_records", 0), 1);
}

/* ---- rejects ------------------------------------------------------------------- */

static void test_batch_partial_quarantine(void **state)
{
    struct fixture *f = *state;
    static const char body[] =
        "{\"batch\":["
        "{\"type\":\"identify\",\"userId\":\"u6\",\"traits\":{\"email\":\"d@x.nl\"}},"
        "{\"type\":\"track\",\"userId\":\"u6\"},"
        "{\"type\":\"page\",\"anonymousId\":\"a6\",\"name\":\"Home\"},"
        "{\"type\":\"purchase\",\"userId\":\"u6\"},"
        "{\"type\":\"identify\",\"userId\":\"u6\",\"traits\":{\"email\":7}}"
        "],\"context\":{\"library\":{\"name\":\"analytics-node\"}},"
        "\"sentAt\":\"2026-11-23T10:00:00Z\"}";
    struct ingest_request r;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(ingest_request_parse(&r, "web", -1, body, strlen(body), NOW, &e), 0);
    assert_int_equal(r.nmsgs, 2);
    assert_int_equal(r.nrejects, 3);
    static const char *const fields[] = {"batch[1].event", "batch[3].type",
                                         "batch[4].traits.email"};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(r.rejects[i].kind, "batch_item");
        assert_string_equal(r.rejects[i].field, fields[i]);
        assert_true(strlen(r.rejects[i].reason) > 0);
    }
    apply(f, &r);
    assert_int_equal(r.stored, 2);
    ingest_request_release(&r);

    struct store_counts c = counts(f);
    assert_int_equal(c.events, 2);
    assert_int_equal(c.quarantine, 3);
    /* the batch's context is stored with its items */
    assert_int_equal(testdb_sql_int(f->db.path,
                                    "SELECT count(*) FROM events WHERE context LIKE "
                                    "'%analytics-node%'",
                                    0),
                     2);

    json_t *list = NULL;
    assert_int_equal(store_quarantine_list(f->s, NULL, 0, 10, &list, &e), 0);
    assert_int_equal(json_array_size(list), 3);
    /* newest first: batch[4], batch[3], batch[1] */
    json_t *q = json_array_get(list, 2);
    assert_string_equal(json_string_value(json_object_get(q, "field")), "batch[1].event");
    assert_string_equal(json_string_value(json_object_get(q, "kind")), "batch_item");
    assert_string_equal(json_string_value(json_object_get(q, "source")), "web");
    assert_non_null(strstr(json_string_value(json_object_get(q, "reason")), "event"));
    /* the item itself is kept */
    json_t *item = json_loads(json_string_value(json_object_get(q, "payload")), 0, NULL);
    json_t *want = json_pack("{s:s, s:s}", "type", "track", "userId", "u6");
    assert_true(json_equal(item, want));
    json_decref(item);
    json_decref(want);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "field")),
                        "batch[4].traits.email");
    json_decref(list);
}

static void test_batch_oversized_item_quarantined(void **state)
{
    struct fixture *f = *state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_adds(&b, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u7\","
                                  "\"event\":\"Big\",\"properties\":{\"blob\":\""),
                     0);
    for (int i = 0; i < SEG_MAX_EVENT_BYTES; i++)
        assert_int_equal(buf_addch(&b, 'x'), 0);
    assert_int_equal(
        buf_adds(&b, "\"}},{\"type\":\"track\",\"userId\":\"u7\",\"event\":\"Small\"}]}"), 0);
    struct ingest_request r;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(ingest_request_parse(&r, "web", -1, b.ptr, b.len, NOW, &e), 0);
    assert_int_equal(r.nmsgs, 1);
    assert_int_equal(r.nrejects, 1);
    assert_int_equal(strncmp(r.rejects[0].field, "batch[0]", 8), 0);
    assert_non_null(strstr(r.rejects[0].reason, "limit"));
    apply(f, &r);
    assert_int_equal(r.stored, 1);
    ingest_request_release(&r);
    buf_release(&b);
    assert_int_equal(counts(f).quarantine, 1);
}

static char *batch_body(size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    buf_adds(&b, "{\"batch\":[");
    for (size_t i = 0; i < n; i++)
        buf_addf(&b, "%s{\"type\":\"track\",\"anonymousId\":\"a-%zu\",\"event\":\"E\"}",
                 i ? "," : "", i % 10);
    buf_adds(&b, "]}");
    return buf_detach(&b, NULL);
}

static void test_batch_limit(void **state)
{
    struct fixture *f = *state;
    char *body = batch_body(SEG_MAX_BATCH_EVENTS + 1);
    struct ingest_request r;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(ingest_request_parse(&r, "web", -1, body, strlen(body), NOW, &e),
                     ERR_TOO_BIG);
    assert_string_equal(e.field, "batch");
    assert_int_equal(r.nmsgs, 0);
    assert_int_equal(r.nrejects, 0); /* refused whole: nothing to store or quarantine */
    ingest_request_release(&r);
    free(body);

    /* exactly the limit is fine */
    body = batch_body(SEG_MAX_BATCH_EVENTS);
    err_clear(&e);
    assert_int_equal(ingest_request_parse(&r, "web", -1, body, strlen(body), NOW, &e), 0);
    assert_int_equal(r.nmsgs, SEG_MAX_BATCH_EVENTS);
    assert_int_equal(r.nrejects, 0);
    apply(f, &r);
    assert_int_equal(r.stored, SEG_MAX_BATCH_EVENTS);
    ingest_request_release(&r);
    free(body);
    assert_int_equal(counts(f).events, SEG_MAX_BATCH_EVENTS);
    assert_int_equal(counts(f).profiles, 10);
}

static void test_malformed_json_one_reject(void **state)
{
    struct fixture *f = *state;
    static const char body[] = "{\"userId\": \"u8\", \"event\": \"Signed Up\",";
    struct ingest_request r;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(ingest_request_parse(&r, "web", SEG_TRACK, body, strlen(body), NOW, &e),
                     ERR_INVALID);
    assert_string_equal(e.field, "body");
    assert_int_equal(r.nmsgs, 0);
    assert_int_equal(r.nrejects, 1);
    assert_string_equal(r.rejects[0].kind, "track");
    assert_string_equal(r.rejects[0].field, "body");
    assert_string_equal(r.rejects[0].reason, e.msg);
    assert_int_equal(r.rejects[0].payload_len, strlen(body));
    apply(f, &r);
    assert_int_equal(r.stored, 0);
    ingest_request_release(&r);

    struct store_counts c = counts(f);
    assert_int_equal(c.quarantine, 1);
    assert_int_equal(c.events, 0);
    assert_int_equal(c.profiles, 0);
    json_t *list = NULL;
    assert_int_equal(store_quarantine_list(f->s, NULL, 0, 10, &list, &e), 0);
    /* kept exactly as sent */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "payload")),
                        body);
    json_decref(list);
}

static void test_invalid_requests(void **state)
{
    struct fixture *f = *state;
    static const struct {
        int type;
        const char *body, *kind, *field;
    } cases[] = {
        {SEG_TRACK, "{\"userId\":\"u\"}", "track", "event"},
        {SEG_IDENTIFY, "{\"traits\":{}}", "identify", "userId"},
        {SEG_IDENTIFY, "[{\"userId\":\"u\"}]", "identify", "body"},
        {SEG_ALIAS, "{\"userId\":\"u\"}", "alias", "previousId"},
        {-1, "{\"messages\":[]}", "batch", "batch"},
        {-1, "{\"batch\":{\"type\":\"track\"}}", "batch", "batch"},
        {-1, "", "batch", "body"},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    for (size_t i = 0; i < n; i++) {
        struct ingest_request r;
        struct errbuf e = {{0}, {0}};
        const char *body = cases[i].body;
        int rc = ingest_request_parse(&r, "web", cases[i].type, body, strlen(body), NOW, &e);
        if (rc != ERR_INVALID || r.nrejects != 1 || r.nmsgs != 0 ||
            strcmp(r.rejects[0].kind, cases[i].kind) != 0 ||
            strcmp(r.rejects[0].field, cases[i].field) != 0 || strcmp(e.field, cases[i].field) != 0)
            fail_msg("%s: rc %d, %zu rejects, kind %s, field \"%s\"", body, rc, r.nrejects,
                     r.nrejects ? r.rejects[0].kind : "-", e.field);
        apply(f, &r);
        ingest_request_release(&r);
    }
    struct store_counts c = counts(f);
    assert_int_equal(c.quarantine, n);
    assert_int_equal(c.events, 0);

    /* an empty batch is fine and stores nothing */
    struct result res = ok(f, -1, "{\"batch\":[]}");
    assert_int_equal(res.stored, 0);
}

/* ---- what messages do ---------------------------------------------------------- */

static void test_orders_and_consent(void **state)
{
    struct fixture *f = *state;
    ok(f, SEG_TRACK,
       "{\"userId\":\"u11\",\"event\":\"Order Completed\",\"timestamp\":\"2026-11-20T10:00:00Z\","
       "\"properties\":{\"order_id\":\"o-1\",\"currency\":\"EUR\",\"products\":["
       "{\"product_id\":\"p1\",\"price\":10,\"quantity\":2},"
       "{\"product_id\":\"p2\",\"price\":5}]}}");
    /* the same order again replaces it */
    ok(f, SEG_TRACK,
       "{\"userId\":\"u11\",\"event\":\"Order Completed\",\"properties\":{\"order_id\":\"o-1\","
       "\"total\":30,\"products\":[{\"product_id\":\"p3\",\"price\":30}]}}");
    ok(f, SEG_TRACK,
       "{\"userId\":\"u11\",\"event\":\"Order Refunded\",\"properties\":{\"order_id\":\"o-1\","
       "\"total\":30}}");
    ok(f, SEG_TRACK,
       "{\"userId\":\"u11\",\"event\":\"Consent Updated\",\"context\":{\"ip\":\"192.0.2.5\"},"
       "\"properties\":{\"channel\":\"email\",\"status\":\"opted_out\"}}");

    int64_t p = profile_of(f, "user_id", "u11", "web");
    json_t *v = view(f, p);
    json_t *orders = json_object_get(v, "orders");
    assert_int_equal(json_array_size(orders), 1);
    json_t *o = json_array_get(orders, 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "refunded");
    assert_true(json_real_value(json_object_get(o, "total")) == 30.0);
    assert_true(json_real_value(json_object_get(o, "refunded")) == 30.0);
    assert_int_equal(json_array_size(json_object_get(o, "lines")), 1);
    json_t *c = json_array_get(json_object_get(v, "consents"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "status")), "opted_out");
    json_t *proof = json_object_get(c, "proof");
    assert_string_equal(json_string_value(json_object_get(proof, "ip")), "192.0.2.5");
    assert_string_equal(json_string_value(json_object_get(proof, "source")), "web");
    json_decref(v);
    assert_int_equal(counts(f).events, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identify_then_track_one_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identify_cleaned_in_its_locale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_userid_joins_known_anonymous_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_profile_merged_into_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_id_of_another_user_is_not_joined, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_alias_merges_existing_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_of_anonymous_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_message_id_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_partial_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_oversized_item_quarantined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_json_one_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_and_consent, setup, teardown),
    };
    return cmocka_run_group_tests_name("ingest", tests, group_setup, NULL);
}
