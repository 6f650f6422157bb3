/*
 * test_str.c — borrowed string views: str_cut splits at the first separator,
 * str_trim, case-insensitive compare, and str_to_i64 / cstr_to_i64 accepting
 * exactly an optional sign and digits within int64 (table-driven: limits,
 * overflow by one, empty, lone signs, non-digits, views not NUL-terminated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/str.h"

static void assert_view(struct str v, const char *want)
{
    size_t n = strlen(want);
    if (v.len != n || (n && memcmp(v.ptr, want, n) != 0))
        fail_msg("view \"%.*s\" (len %zu) != \"%s\"", (int)v.len, v.ptr ? v.ptr : "", v.len,
                 want);
}

static void test_cut(void **state)
{
    (void)state;
    struct str head, tail;

    assert_true(str_cut(STR_LIT("key:value"), ':', &head, &tail));
    assert_view(head, "key");
    assert_view(tail, "value");

    /* only the first separator splits */
    assert_true(str_cut(STR_LIT("rk:abc:def"), ':', &head, &tail));
    assert_view(head, "rk");
    assert_view(tail, "abc:def");

    /* separator at either end */
    assert_true(str_cut(STR_LIT(":x"), ':', &head, &tail));
    assert_view(head, "");
    assert_view(tail, "x");
    assert_true(str_cut(STR_LIT("x:"), ':', &head, &tail));
    assert_view(head, "x");
    assert_view(tail, "");

    /* absent: head is the whole view, tail empty */
    assert_false(str_cut(STR_LIT("novalue"), ':', &head, &tail));
    assert_view(head, "novalue");
    assert_view(tail, "");

    assert_false(str_cut(STR_LIT(""), ':', &head, &tail));
    assert_view(head, "");
    assert_view(tail, "");

    /* the empty view of a NULL string (str_from(NULL)) */
    assert_false(str_cut(str_from(NULL), ':', &head, &tail));
    assert_int_equal(head.len, 0);
    assert_int_equal(tail.len, 0);

    /* a separator just past the end of the view is not seen */
    const char *text = "abc:def";
    assert_false(str_cut(str_make(text, 3), ':', &head, &tail));
    assert_view(head, "abc");
    assert_int_equal(tail.len, 0);
}

static void test_trim(void **state)
{
    (void)state;
    assert_view(str_trim(STR_LIT("  a b \t\r\n")), "a b");
    assert_view(str_trim(STR_LIT("ab")), "ab");
    assert_view(str_trim(STR_LIT("\tab")), "ab");
    assert_view(str_trim(STR_LIT("ab\n")), "ab");
    assert_view(str_trim(STR_LIT(" \t\n ")), "");
    assert_view(str_trim(STR_LIT("")), "");
    assert_int_equal(str_trim(str_from(NULL)).len, 0);
    /* the view points into the original bytes, no copy */
    const char *s = "  xy  ";
    struct str t = str_trim(str_from(s));
    assert_ptr_equal(t.ptr, s + 2);
    assert_int_equal(t.len, 2);
}

static void test_eq(void **state)
{
    (void)state;
    assert_true(str_eq_nocase(STR_LIT("Bearer"), "bearer"));
    assert_true(str_eq_nocase(STR_LIT("CONTENT-type"), "Content-Type"));
    assert_false(str_eq_nocase(STR_LIT("Bearer"), "Bearer "));
    assert_false(str_eq_nocase(STR_LIT("Beare"), "bearer"));
    assert_true(str_eq_nocase(STR_LIT(""), ""));
    assert_true(str_eq(STR_LIT("abc"), str_make("abcdef", 3)));
    assert_false(str_eq(STR_LIT("abc"), STR_LIT("abd")));
    assert_true(str_eq_cstr(STR_LIT(""), ""));
    assert_true(str_starts_with(STR_LIT("rk_abc"), "rk_"));
    assert_false(str_starts_with(STR_LIT("rk"), "rk_"));
}

struct i64_case {
    const char *in;
    int rc;
    int64_t want;
};

static const struct i64_case i64_cases[] = {
    {"0", 0, 0},
    {"7", 0, 7},
    {"42", 0, 42},
    {"-42", 0, -42},
    {"+42", 0, 42},
    {"-0", 0, 0},
    {"007", 0, 7},
    {"9223372036854775807", 0, INT64_MAX},
    {"-9223372036854775808", 0, INT64_MIN},
    {"9223372036854775808", ERR_INVALID, 0},  /* INT64_MAX + 1 */
    {"-9223372036854775809", ERR_INVALID, 0}, /* INT64_MIN - 1 */
    {"9223372036854775810", ERR_INVALID, 0},
    {"18446744073709551616", ERR_INVALID, 0}, /* 2^64: would wrap to 0 */
    {"99999999999999999999", ERR_INVALID, 0},
    {"", ERR_INVALID, 0},
    {"-", ERR_INVALID, 0},
    {"+", ERR_INVALID, 0},
    {"--1", ERR_INVALID, 0},
    {"+-1", ERR_INVALID, 0},
    {"12a", ERR_INVALID, 0},
    {"a12", ERR_INVALID, 0},
    {" 12", ERR_INVALID, 0},
    {"12 ", ERR_INVALID, 0},
    {"1.5", ERR_INVALID, 0},
    {"1e3", ERR_INVALID, 0},
    {"0x10", ERR_INVALID, 0},
    {"1,000", ERR_INVALID, 0},
};

static void test_to_i64_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(i64_cases) / sizeof(i64_cases[0]); i++) {
        const struct i64_case *c = &i64_cases[i];
        int64_t v = 12345;
        int rc = str_to_i64(str_from(c->in), &v);
        if (rc != c->rc)
            fail_msg("str_to_i64(\"%s\") returned %d, want %d", c->in, rc, c->rc);
        if (!rc && v != c->want)
            fail_msg("str_to_i64(\"%s\") = %lld, want %lld", c->in, (long long)v,
                     (long long)c->want);
        int64_t w = 12345;
        if (cstr_to_i64(c->in, &w) != c->rc || (!c->rc && w != c->want))
            fail_msg("cstr_to_i64(\"%s\") disagrees with str_to_i64", c->in);
    }
}

static void test_to_i64_view_not_terminated(void **state)
{
    (void)state;
    int64_t v = 0;
    /* Only the view's bytes count: "123" out of "123456" and "-12" out of "-12x". */
    assert_int_equal(str_to_i64(str_make("123456", 3), &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(str_to_i64(str_make("-12x", 3), &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(str_to_i64(str_make("5", 0), &v), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_eq),
        cmocka_unit_test(test_to_i64_table),
        cmocka_unit_test(test_to_i64_view_not_terminated),
    };
    return cmocka_run_group_tests_name("str", tests, NULL, NULL);
}
