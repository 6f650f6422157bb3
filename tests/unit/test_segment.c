/*
 * test_segment.c — Segment message parsing, driven by tests/data/segment_cases.json.
 *
 * Each case is one message for an endpoint (or a batch item) with either the
 * field seg_parse must name in its error, or the values it must produce:
 * golden fields from traits (name splitting, birthdays, address, custom
 * attributes), identity keys, orders (total in cents, lines), consents and
 * the event time (timestamp, originalTimestamp corrected by sentAt). The
 * file's "about" entry explains the format. Helpers not worth a data file
 * (phone and e-mail keys, type names, the messageId limit) are tested below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testdata.h"
#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "ingest/segment.h"

#define DEFAULT_NOW "2026-11-23T12:00:00Z"

/* tests/data/segment_cases.json, found from this file's path unless RONDO_TEST_DATA is set. */
static json_t *load_cases(void)
{
    json_t *root = testdata_load("segment_cases.json", __FILE__);
    json_t *cases = json_object_get(root, "cases");
    if (!json_is_array(cases))
        fail_msg("segment_cases.json: \"cases\" must be an array");
    json_incref(cases);
    json_decref(root);
    return cases;
}

static int64_t iso_ms(const char *s, struct buf *why)
{
    int64_t ms = 0;
    if (!s || time_parse_iso8601(s, &ms))
        buf_addf(why, "  bad time \"%s\" in the case itself\n", s ? s : "(null)");
    return ms;
}

static const char *special_name(enum seg_special s)
{
    switch (s) {
    case SEG_PLAIN: return "plain";
    case SEG_ORDER_COMPLETED: return "order_completed";
    case SEG_ORDER_REFUNDED: return "order_refunded";
    case SEG_CONSENT_UPDATED: return "consent_updated";
    }
    return "?";
}

/* Compare a parsed string with the expected JSON string or null; note a mismatch in why. */
static void check_str(struct buf *why, const char *what, const char *got, json_t *want)
{
    if (!want)
        return; /* not part of this case */
    if (json_is_null(want)) {
        if (got)
            buf_addf(why, "  %s: got \"%s\", want none\n", what, got);
        return;
    }
    const char *w = json_string_value(want);
    if (!w) {
        buf_addf(why, "  %s: the case must give a string or null\n", what);
        return;
    }
    if (!got || strcmp(got, w) != 0)
        buf_addf(why, "  %s: got %s%s%s, want \"%s\"\n", what, got ? "\"" : "",
                 got ? got : "none", got ? "\"" : "", w);
}

static void check_int(struct buf *why, const char *what, int64_t got, json_t *want)
{
    if (!want)
        return;
    if (!json_is_integer(want))
        buf_addf(why, "  %s: the case must give an integer\n", what);
    else if (got != json_integer_value(want))
        buf_addf(why, "  %s: got %lld, want %lld\n", what, (long long)got,
                 (long long)json_integer_value(want));
}

static void check_time(struct buf *why, const char *what, int64_t got, json_t *want)
{
    if (!want)
        return;
    int64_t w = iso_ms(json_string_value(want), why);
    if (got != w) {
        char g[32];
        time_format_iso8601(got, g, sizeof(g));
        buf_addf(why, "  %s: got %s, want %s\n", what, g, json_string_value(want));
    }
}

static void check_json(struct buf *why, const char *what, json_t *got, json_t *want)
{
    if (!want)
        return;
    bool same = json_is_null(want) ? got == NULL : got && json_equal(got, want);
    if (!same) {
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        buf_addf(why, "  %s: got %s, want %s\n", what, g ? g : "none", w);
        free(g);
        free(w);
    }
}

static void check_fields(struct buf *why, const struct seg_msg *m, json_t *want)
{
    if (!want)
        return;
    const char *key;
    json_t *v;
    json_object_foreach(want, key, v) {
        int f;
        for (f = 0; f < PF_COUNT; f++)
            if (strcmp(profile_field_name(f), key) == 0)
                break;
        if (f == PF_COUNT)
            buf_addf(why, "  fields.%s: no such golden field\n", key);
    }
    /* Listed fields must match; every other golden field must be empty. */
    for (int f = 0; f < PF_COUNT; f++) {
        char what[64];
        snprintf(what, sizeof(what), "fields.%s", profile_field_name(f));
        json_t *w = json_object_get(want, profile_field_name(f));
        json_t *null = json_null();
        check_str(why, what, m->fields[f], w ? w : null);
        json_decref(null);
    }
}

static void check_order(struct buf *why, const struct seg_msg *m, json_t *want)
{
    if (!want)
        return;
    const struct store_order *o = &m->order;
    check_str(why, "order.order_id", o->external_id, json_object_get(want, "order_id"));
    check_str(why, "order.status", o->status, json_object_get(want, "status"));
    check_str(why, "order.currency", o->currency, json_object_get(want, "currency"));
    check_int(why, "order.total_cents", o->total_cents, json_object_get(want, "total_cents"));
    json_t *rev = json_object_get(want, "revenue_cents");
    if (json_is_null(rev) && o->has_revenue)
        buf_addf(why, "  order.revenue_cents: got %lld, want none\n", (long long)o->revenue_cents);
    else if (rev && !json_is_null(rev) && !o->has_revenue)
        buf_addf(why, "  order.revenue_cents: got none\n");
    else if (rev && !json_is_null(rev))
        check_int(why, "order.revenue_cents", o->revenue_cents, rev);
    check_int(why, "order.lines", (int64_t)o->nlines, json_object_get(want, "lines"));
    check_time(why, "order.ordered_at", o->ordered_at, json_object_get(want, "ordered_at"));

    static const char *const arrays[] = {"line_prices", "line_quantities", "line_product_ids"};
    for (size_t k = 0; k < 3; k++) {
        json_t *arr = json_object_get(want, arrays[k]);
        if (!arr)
            continue;
        if (json_array_size(arr) != o->nlines) {
            buf_addf(why, "  order.%s: %zu lines parsed, the case lists %zu\n", arrays[k],
                     o->nlines, json_array_size(arr));
            continue;
        }
        for (size_t i = 0; i < o->nlines; i++) {
            char what[64];
            snprintf(what, sizeof(what), "order.%s[%zu]", arrays[k], i);
            json_t *w = json_array_get(arr, i);
            if (k == 0)
                check_int(why, what, o->lines[i].price_cents, w);
            else if (k == 1)
                check_int(why, what, o->lines[i].quantity, w);
            else
                check_str(why, what, o->lines[i].product_id, w);
        }
    }
}

static void check_consent(struct buf *why, const struct seg_msg *m, json_t *want)
{
    if (!want)
        return;
    const struct store_consent *c = &m->consent;
    check_str(why, "consent.channel", c->channel, json_object_get(want, "channel"));
    check_str(why, "consent.status", c->status, json_object_get(want, "status"));
    check_str(why, "consent.purpose", c->purpose, json_object_get(want, "purpose"));
    check_str(why, "consent.source", c->source, json_object_get(want, "source"));
    check_str(why, "consent.wording", c->wording, json_object_get(want, "wording"));
    check_str(why, "consent.ip", c->ip, json_object_get(want, "ip"));
    check_time(why, "consent.ts", c->ts, json_object_get(want, "ts"));
}

static void check_expect(struct buf *why, const struct seg_msg *m, json_t *x)
{
    check_str(why, "type", seg_type_name(m->type), json_object_get(x, "type"));
    check_str(why, "special", special_name(m->special), json_object_get(x, "special"));
    check_str(why, "user_id", m->user_id, json_object_get(x, "user_id"));
    check_str(why, "anonymous_id", m->anonymous_id, json_object_get(x, "anonymous_id"));
    check_str(why, "message_id", m->message_id, json_object_get(x, "message_id"));
    check_str(why, "previous_id", m->previous_id, json_object_get(x, "previous_id"));
    check_str(why, "group_id", m->group_id, json_object_get(x, "group_id"));
    check_str(why, "name", m->name, json_object_get(x, "name"));
    check_time(why, "ts", m->ts, json_object_get(x, "ts"));
    check_fields(why, m, json_object_get(x, "fields"));
    check_json(why, "custom", m->custom, json_object_get(x, "custom"));
    check_json(why, "context", m->context, json_object_get(x, "context"));
    check_order(why, m, json_object_get(x, "order"));
    check_consent(why, m, json_object_get(x, "consent"));
}

/* Run one case; returns what went wrong in why (empty when it passed). */
static void run_case(json_t *c, struct buf *why)
{
    const char *tname = json_string_value(json_object_get(c, "type"));
    json_t *input = json_object_get(c, "input");
    json_t *error = json_object_get(c, "error");
    json_t *expect = json_object_get(c, "expect");
    json_t *batch = json_object_get(c, "batch");
    const char *now_s = json_string_value(json_object_get(c, "now"));
    if (!tname || !input || !error == !expect) {
        buf_adds(why, "  malformed case: needs type, input and one of error/expect\n");
        return;
    }
    int type = strcmp(tname, "batch-item") == 0 ? -1 : seg_type_from_name(tname);
    if (type < 0 && strcmp(tname, "batch-item") != 0) {
        buf_addf(why, "  malformed case: unknown type \"%s\"\n", tname);
        return;
    }
    int64_t now = iso_ms(now_s ? now_s : DEFAULT_NOW, why);

    struct arena a;
    arena_init(&a, 0);
    struct seg_msg m;
    struct errbuf e = {{0}, {0}};
    int rc = seg_parse(input, type, batch, now, &a, &m, &e);
    if (error) {
        const char *field = json_string_value(error);
        if (!rc)
            buf_addf(why, "  parsed without error, want an error naming \"%s\"\n", field);
        else if (rc != ERR_INVALID)
            buf_addf(why, "  returned %s, want ERR_INVALID\n", err_name(rc));
        else if (!field || strcmp(e.field, field) != 0)
            buf_addf(why, "  error names \"%s\" (%s), want \"%s\"\n", e.field, e.msg,
                     field ? field : "?");
        else if (!e.msg[0])
            buf_adds(why, "  error without a message\n");
    } else if (rc) {
        buf_addf(why, "  %s: %s (field \"%s\")\n", err_name(rc), e.msg, e.field);
    } else {
        if (m.raw != input)
            buf_adds(why, "  raw is not the message parsed\n");
        check_expect(why, &m, expect);
    }
    seg_msg_release(&m);
    arena_release(&a);
}

static void test_cases_from_file(void **state)
{
    (void)state;
    json_t *cases = load_cases();
    size_t i, failed = 0, errors = 0, expects = 0;
    json_t *c;
    json_array_foreach(cases, i, c) {
        struct buf why;
        buf_init(&why, 0);
        run_case(c, &why);
        if (why.len) {
            const char *name = json_string_value(json_object_get(c, "name"));
            print_error("case %zu \"%s\":\n%s", i, name ? name : "?", why.ptr);
            failed++;
        }
        if (json_object_get(c, "error"))
            errors++;
        else
            expects++;
        buf_release(&why);
    }
    json_decref(cases);
    /* The file really was read and has both kinds of cases. */
    assert_true(errors >= 20);
    assert_true(expects >= 20);
    if (failed)
        fail_msg("%zu of %zu segment cases failed", failed, errors + expects);
}

/* ---- helpers not worth a data file ----------------------------------------- */

static void test_type_names_and_channels(void **state)
{
    (void)state;
    for (int t = 0; t < SEG_NTYPES; t++)
        assert_int_equal(seg_type_from_name(seg_type_name((enum seg_type)t)), t);
    assert_string_equal(seg_type_name(SEG_IDENTIFY), "identify");
    assert_string_equal(seg_type_name(SEG_ALIAS), "alias");
    assert_int_equal(seg_type_from_name("Track"), -1);
    assert_int_equal(seg_type_from_name("batch"), -1);
    assert_int_equal(seg_type_from_name(""), -1);

    static const char *const ok[] = {"email", "sms", "push", "post", "phone"};
    for (size_t i = 0; i < 5; i++)
        assert_true(seg_channel_valid(ok[i]));
    assert_false(seg_channel_valid("fax"));
    assert_false(seg_channel_valid("Email"));
    assert_false(seg_channel_valid(""));
}

static void test_message_id_limit(void **state)
{
    (void)state;
    char id[300];
    struct arena a;
    struct seg_msg m;
    struct errbuf e = {{0}, {0}};
    for (size_t len = 255; len <= 257; len++) {
        memset(id, 'm', len);
        id[len] = '\0';
        json_t *msg = json_pack("{s:s, s:s, s:s}", "userId", "u", "event", "E", "messageId", id);
        arena_init(&a, 0);
        int rc = seg_parse(msg, SEG_TRACK, NULL, 0, &a, &m, &e);
        if (len <= 256) {
            assert_int_equal(rc, 0);
            assert_int_equal(strlen(m.message_id), len);
        } else {
            assert_int_equal(rc, ERR_INVALID);
            assert_string_equal(e.field, "messageId");
        }
        seg_msg_release(&m);
        arena_release(&a);
        json_decref(msg);
    }
}

static void test_parse_consent_api(void **state)
{
    (void)state;
    /* The consent API passes the channel from its URL and an empty path. */
    json_t *o = json_pack("{s:s, s:{s:s}}", "status", "opted_out", "proof", "source", "api");
    struct store_consent c;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(seg_parse_consent(o, "", "sms", 1234, &c, &e), 0);
    assert_string_equal(c.channel, "sms");
    assert_string_equal(c.status, "opted_out");
    assert_string_equal(c.purpose, "");
    assert_string_equal(c.source, "api");
    assert_null(c.wording);
    assert_int_equal(c.ts, 1234);
    json_decref(o);

    o = json_pack("{s:s}", "channel", "email");
    assert_int_equal(seg_parse_consent(o, "", NULL, 0, &c, &e), ERR_INVALID);
    assert_string_equal(e.field, "status");
    json_decref(o);

    o = json_pack("{s:s}", "status", "opted_in");
    assert_int_equal(seg_parse_consent(o, "", "telegram", 0, &c, &e), ERR_INVALID);
    assert_string_equal(e.field, "channel");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_from_file),
        cmocka_unit_test(test_type_names_and_channels),
        cmocka_unit_test(test_message_id_limit),
        cmocka_unit_test(test_parse_consent_api),
    };
    return cmocka_run_group_tests_name("segment", tests, NULL, NULL);
}
