/*
 * test_json.c — typed getters over Jansson. For each getter: the value of
 * the right type is returned (strings borrowed from the object); an absent
 * key and a JSON null both give "none" without error; a value of the wrong
 * type gives ERR_INVALID and names the field as "<path>.<key>" (or "<key>"
 * at top level) in the errbuf. json_get_id turns integers into decimal text.
 * Also json_parse errors and the dump helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json.h"

static json_t *doc;

static int setup(void **state)
{
    (void)state;
    static const char text[] =
        "{\"s\": \"text\", \"empty\": \"\", \"n\": null, \"i\": 42, \"neg\": -7,"
        " \"big\": 9007199254740993, \"r\": 2.5, \"t\": true, \"o\": {\"k\": 1},"
        " \"a\": [1, 2], \"ts\": \"2026-11-23T10:00:00.123Z\", \"bad_ts\": \"yesterday\","
        " \"date\": \"2026-11-23\"}";
    json_error_t je;
    doc = json_loads(text, 0, &je);
    return doc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(doc);
    return 0;
}

/* The errbuf after a wrong-type error: ERR_INVALID and the field named. */
static void assert_wrong_type(int rc, const struct errbuf *e, const char *field)
{
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e->field, field);
    assert_non_null(strstr(e->msg, field)); /* the message names it too */
}

static void test_parse(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    json_t *v = NULL;
    assert_int_equal(json_parse("{\"a\":1}", 7, &v, &e), 0);
    assert_true(json_is_object(v));
    json_decref(v);

    /* only the n bytes given are parsed */
    assert_int_equal(json_parse("[1]garbage", 3, &v, &e), 0);
    assert_true(json_is_array(v));
    json_decref(v);

    const char *bad = "{\"a\":\n  1,,}";
    v = (json_t *)0x1;
    assert_int_equal(json_parse(bad, strlen(bad), &v, &e), ERR_INVALID);
    assert_null(v);
    assert_string_equal(e.field, "body");
    assert_non_null(strstr(e.msg, "line 2"));

    assert_int_equal(json_parse("", 0, &v, &e), ERR_INVALID);
    assert_null(v);
}

static void test_get_str(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    const char *s = (const char *)0x1;
    assert_int_equal(json_get_str(doc, "s", "traits", &s, &e), 0);
    assert_string_equal(s, "text");
    assert_ptr_equal(s, json_string_value(json_object_get(doc, "s"))); /* borrowed */

    assert_int_equal(json_get_str(doc, "empty", "traits", &s, &e), 0);
    assert_string_equal(s, "");

    s = (const char *)0x1;
    assert_int_equal(json_get_str(doc, "missing", "traits", &s, &e), 0);
    assert_null(s);
    s = (const char *)0x1;
    assert_int_equal(json_get_str(doc, "n", "traits", &s, &e), 0);
    assert_null(s);
    assert_string_equal(e.field, ""); /* no error recorded */

    s = (const char *)0x1;
    assert_wrong_type(json_get_str(doc, "i", "traits", &s, &e), &e, "traits.i");
    assert_null(s);
    assert_wrong_type(json_get_str(doc, "o", "traits.address", &s, &e), &e, "traits.address.o");
    assert_wrong_type(json_get_str(doc, "t", "", &s, &e), &e, "t");
    assert_wrong_type(json_get_str(doc, "a", NULL, &s, &e), &e, "a");
    /* a NULL errbuf is fine */
    assert_int_equal(json_get_str(doc, "i", "traits", &s, NULL), ERR_INVALID);
}

static void test_get_id(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    char idbuf[24];
    const char *id = NULL;

    assert_int_equal(json_get_id(doc, "s", "", idbuf, &id, &e), 0);
    assert_string_equal(id, "text");

    /* integers become their decimal text, in idbuf */
    assert_int_equal(json_get_id(doc, "i", "", idbuf, &id, &e), 0);
    assert_string_equal(id, "42");
    assert_ptr_equal(id, idbuf);
    assert_int_equal(json_get_id(doc, "neg", "", idbuf, &id, &e), 0);
    assert_string_equal(id, "-7");
    assert_int_equal(json_get_id(doc, "big", "", idbuf, &id, &e), 0);
    assert_string_equal(id, "9007199254740993"); /* exact, not through a double */

    json_t *o = json_pack("{s:I, s:I}", "max", (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN);
    assert_int_equal(json_get_id(o, "max", "", idbuf, &id, &e), 0);
    assert_string_equal(id, "9223372036854775807");
    assert_int_equal(json_get_id(o, "min", "", idbuf, &id, &e), 0);
    assert_string_equal(id, "-9223372036854775808");
    json_decref(o);

    /* absent, null and "" are all "no id" */
    id = (const char *)0x1;
    assert_int_equal(json_get_id(doc, "missing", "", idbuf, &id, &e), 0);
    assert_null(id);
    id = (const char *)0x1;
    assert_int_equal(json_get_id(doc, "n", "", idbuf, &id, &e), 0);
    assert_null(id);
    id = (const char *)0x1;
    assert_int_equal(json_get_id(doc, "empty", "", idbuf, &id, &e), 0);
    assert_null(id);

    /* reals, booleans, objects and arrays are not ids */
    assert_wrong_type(json_get_id(doc, "r", "", idbuf, &id, &e), &e, "r");
    assert_wrong_type(json_get_id(doc, "t", "", idbuf, &id, &e), &e, "t");
    assert_wrong_type(json_get_id(doc, "o", "properties", idbuf, &id, &e), &e, "properties.o");
    assert_wrong_type(json_get_id(doc, "a", "properties", idbuf, &id, &e), &e, "properties.a");
}

static void test_get_num(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    double d = 0;
    bool present = false;
    assert_int_equal(json_get_num(doc, "i", "properties", &d, &present, &e), 0);
    assert_true(present);
    assert_true(d == 42.0);
    assert_int_equal(json_get_num(doc, "r", "properties", &d, &present, &e), 0);
    assert_true(present);
    assert_true(d == 2.5);

    present = true;
    assert_int_equal(json_get_num(doc, "missing", "properties", &d, &present, &e), 0);
    assert_false(present);
    present = true;
    assert_int_equal(json_get_num(doc, "n", "properties", &d, &present, &e), 0);
    assert_false(present);

    present = true;
    assert_wrong_type(json_get_num(doc, "s", "properties.products[0]", &d, &present, &e), &e,
                      "properties.products[0].s");
    assert_false(present);
    assert_wrong_type(json_get_num(doc, "t", "properties", &d, &present, &e), &e, "properties.t");
}

static void test_get_obj_arr(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    json_t *v = NULL;
    assert_int_equal(json_get_obj(doc, "o", "", &v, &e), 0);
    assert_ptr_equal(v, json_object_get(doc, "o"));
    assert_int_equal(json_get_arr(doc, "a", "", &v, &e), 0);
    assert_ptr_equal(v, json_object_get(doc, "a"));

    v = (json_t *)0x1;
    assert_int_equal(json_get_obj(doc, "n", "", &v, &e), 0);
    assert_null(v);
    v = (json_t *)0x1;
    assert_int_equal(json_get_arr(doc, "missing", "", &v, &e), 0);
    assert_null(v);

    assert_wrong_type(json_get_obj(doc, "a", "traits", &v, &e), &e, "traits.a");
    assert_null(v);
    assert_wrong_type(json_get_obj(doc, "s", "", &v, &e), &e, "s");
    assert_wrong_type(json_get_arr(doc, "o", "properties", &v, &e), &e, "properties.o");
    assert_null(v);
}

static void test_get_time(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    int64_t ms = 0;
    bool present = false;
    assert_int_equal(json_get_time(doc, "ts", "", &ms, &present, &e), 0);
    assert_true(present);
    assert_int_equal(ms, 1795428000123LL);
    assert_int_equal(json_get_time(doc, "date", "", &ms, &present, &e), 0);
    assert_int_equal(ms, 1795392000000LL);

    present = true;
    assert_int_equal(json_get_time(doc, "missing", "", &ms, &present, &e), 0);
    assert_false(present);
    present = true;
    assert_int_equal(json_get_time(doc, "n", "", &ms, &present, &e), 0);
    assert_false(present);

    assert_wrong_type(json_get_time(doc, "bad_ts", "properties.proof", &ms, &present, &e), &e,
                      "properties.proof.bad_ts");
    assert_false(present);
    assert_non_null(strstr(e.msg, "ISO 8601"));
    assert_wrong_type(json_get_time(doc, "i", "", &ms, &present, &e), &e, "i");
    assert_false(present);
}

static void test_dump(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s, s:[i, i]}", "k", "v\"q", "a", 1, 2);
    char *s = json_dump_str(v);
    assert_string_equal(s, "{\"k\":\"v\\\"q\",\"a\":[1,2]}");
    assert_int_equal(json_dump_size(v), strlen(s));

    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_adds(&b, ">"), 0);
    assert_int_equal(json_dump_buf(v, &b), 0);
    assert_int_equal(b.len, 1 + strlen(s));
    assert_string_equal(b.ptr + 1, s);
    buf_release(&b);

    /* too large for the buffer's maximum: refused, contents unchanged */
    buf_init(&b, 10);
    assert_int_equal(buf_adds(&b, "keep"), 0);
    assert_int_equal(json_dump_buf(v, &b), ERR_TOO_BIG);
    assert_string_equal(b.ptr, "keep");
    assert_int_equal(b.len, 4);
    buf_release(&b);

    /* scalars dump too (JSON_ENCODE_ANY) */
    json_t *n = json_integer(5);
    char *ns = json_dump_str(n);
    assert_string_equal(ns, "5");
    free(ns);
    json_decref(n);

    free(s);
    json_decref(v);
}

/* ---- spans: members and items as sent --------------------------------------- */

struct collected {
    char keys[8][32];
    char values[8][64];
    int n;
};

static int collect(void *ctx, struct str key, struct str value)
{
    struct collected *c = ctx;
    assert_true(c->n < 8);
    snprintf(c->keys[c->n], sizeof(c->keys[0]), "%.*s", (int)key.len, key.ptr);
    snprintf(c->values[c->n], sizeof(c->values[0]), "%.*s", (int)value.len, value.ptr);
    c->n++;
    return 0;
}

static int collect_item(void *ctx, struct str value)
{
    return collect(ctx, str_make("", 0), value);
}

static void test_span_members(void **state)
{
    (void)state;
    struct collected c = {0};
    const char *text = " { \"a\" : 1.50 , \"b\":\"x\\\"}]\", \"c\" :{\"d\":[1,{\"e\":\"]\"}]} ,"
                       "\"e\\u0066\":null,\"t\":true}\n";
    assert_int_equal(json_span_members(str_from(text), collect, &c), 0);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.keys[0], "a");
    assert_string_equal(c.values[0], "1.50"); /* kept as sent, not as 1.5 */
    assert_string_equal(c.values[1], "\"x\\\"}]\"");
    assert_string_equal(c.keys[2], "c");
    assert_string_equal(c.values[2], "{\"d\":[1,{\"e\":\"]\"}]}");
    assert_string_equal(c.keys[3], "e\\u0066"); /* raw key text, escapes not decoded */
    assert_string_equal(c.values[3], "null");
    assert_string_equal(c.values[4], "true");

    struct collected empty = {0};
    assert_int_equal(json_span_members(str_from("{ }"), collect, &empty), 0);
    assert_int_equal(empty.n, 0);
}

static void test_span_items_and_errors(void **state)
{
    (void)state;
    struct collected c = {0};
    assert_int_equal(json_span_items(str_from("[ {\"a\":[]} ,\"s\", -2e3,[[]] ]"), collect_item, &c), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.values[0], "{\"a\":[]}");
    assert_string_equal(c.values[2], "-2e3");
    assert_string_equal(c.values[3], "[[]]");

    struct collected x = {0};
    assert_int_equal(json_span_items(str_from("{\"a\":1}"), collect_item, &x), ERR_INVALID);
    assert_int_equal(json_span_members(str_from("[1]"), collect, &x), ERR_INVALID);
    assert_int_equal(json_span_members(str_from("{\"a\":\"open"), collect, &x), ERR_INVALID);
    assert_int_equal(json_span_members(str_from("{\"a\" 1}"), collect, &x), ERR_INVALID);
    assert_int_equal(json_span_members(str_from(""), collect, &x), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_get_str),
        cmocka_unit_test(test_get_id),
        cmocka_unit_test(test_get_num),
        cmocka_unit_test(test_get_obj_arr),
        cmocka_unit_test(test_get_time),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_span_members),
        cmocka_unit_test(test_span_items_and_errors),
    };
    return cmocka_run_group_tests_name("json", tests, setup, teardown);
}
