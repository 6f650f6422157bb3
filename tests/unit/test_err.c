/*
 * test_err.c — the error table: every code is negative and distinct, has a
 * name, a description, a machine code and the HTTP status the API answers
 * with; unknown codes fall back safely. The errbuf: err_set fills the message
 * (truncated, never overflowing) and leaves the field alone, err_field sets
 * both, NULL errbufs are accepted, err_clear empties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

struct err_case {
    int rc;
    const char *name;
    const char *code;
    int status;
};

/* What API clients and the command line see for each code. */
static const struct err_case cases[] = {
    {ERR_NOMEM, "ERR_NOMEM", "out_of_memory", 500},
    {ERR_INVALID, "ERR_INVALID", "invalid", 400},
    {ERR_TOO_BIG, "ERR_TOO_BIG", "too_large", 413},
    {ERR_NOT_FOUND, "ERR_NOT_FOUND", "not_found", 404},
    {ERR_EXISTS, "ERR_EXISTS", "conflict", 409},
    {ERR_IO, "ERR_IO", "io_error", 500},
    {ERR_DB, "ERR_DB", "storage_error", 500},
    {ERR_SCHEMA_NEWER, "ERR_SCHEMA_NEWER", "schema_newer", 500},
    {ERR_UNAUTHORIZED, "ERR_UNAUTHORIZED", "unauthorized", 401},
    {ERR_FORBIDDEN, "ERR_FORBIDDEN", "forbidden", 403},
    {ERR_BUSY, "ERR_BUSY", "unavailable", 503},
    {ERR_DUPLICATE, "ERR_DUPLICATE", "duplicate", 200},
    {ERR_USAGE, "ERR_USAGE", "usage", 400},
    {ERR_METHOD, "ERR_METHOD", "method_not_allowed", 405},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct err_case *c = &cases[i];
        assert_string_equal(err_name(c->rc), c->name);
        assert_string_equal(err_code(c->rc), c->code);
        assert_int_equal(err_http_status(c->rc), c->status);
        assert_non_null(err_str(c->rc));
        assert_true(strlen(err_str(c->rc)) > 0);
        assert_string_not_equal(err_str(c->rc), "unknown error");
    }
    assert_string_equal(err_str(ERR_NOT_FOUND), "not found");
}

static void test_codes_negative_and_distinct(void **state)
{
    (void)state;
    static const int all[] = {
#define ERR_VALUE(name, value, status, code, desc) name,
        ERR_TABLE(ERR_VALUE)
#undef ERR_VALUE
    };
    size_t n = sizeof(all) / sizeof(all[0]);
    /* the test table above covers every code in err.h */
    assert_int_equal(n, sizeof(cases) / sizeof(cases[0]));
    for (size_t i = 0; i < n; i++) {
        assert_true(all[i] < 0);
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(all[i], all[j]);
            assert_string_not_equal(err_code(all[i]), err_code(all[j]));
        }
    }
}

static void test_unknown_codes(void **state)
{
    (void)state;
    static const int unknown[] = {0, 1, -999, -15, 42};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        int rc = unknown[i];
        assert_string_equal(err_name(rc), "ERR_UNKNOWN");
        assert_string_equal(err_code(rc), "internal");
        assert_string_equal(err_str(rc), "unknown error");
        assert_int_equal(err_http_status(rc), 500);
    }
}

static void test_errbuf_set(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(err_set(&e, ERR_NOT_FOUND, "no profile with id %d", 7), ERR_NOT_FOUND);
    assert_string_equal(e.msg, "no profile with id 7");
    assert_string_equal(e.field, "");

    /* err_set keeps a field named earlier */
    err_field(&e, ERR_INVALID, "traits.email", "first");
    err_set(&e, ERR_INVALID, "second %s", "message");
    assert_string_equal(e.msg, "second message");
    assert_string_equal(e.field, "traits.email");

    /* NULL errbuf: the code is still returned */
    assert_int_equal(err_set(NULL, ERR_DB, "ignored %d", 1), ERR_DB);
}

static void test_errbuf_field(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    int rc = err_field(&e, ERR_INVALID, "properties.products[0].price",
                       "field '%s' must be a number", "properties.products[0].price");
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "properties.products[0].price");
    assert_string_equal(e.msg, "field 'properties.products[0].price' must be a number");

    /* a NULL field clears an older one */
    err_field(&e, ERR_INVALID, NULL, "no field");
    assert_string_equal(e.field, "");
    assert_string_equal(e.msg, "no field");

    assert_int_equal(err_field(NULL, ERR_TOO_BIG, "batch", "x"), ERR_TOO_BIG);

    err_clear(&e);
    assert_string_equal(e.msg, "");
    assert_string_equal(e.field, "");
    err_clear(NULL);
}

static void test_errbuf_truncates(void **state)
{
    (void)state;
    char long_text[2000];
    memset(long_text, 'm', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    struct errbuf e = {{0}, {0}};
    err_field(&e, ERR_INVALID, long_text, "%s", long_text);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_int_equal(strlen(e.field), sizeof(e.field) - 1);
    assert_memory_equal(e.msg, long_text, sizeof(e.msg) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_codes_negative_and_distinct),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_errbuf_set),
        cmocka_unit_test(test_errbuf_field),
        cmocka_unit_test(test_errbuf_truncates),
    };
    return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
