/*
 * test_buf.c — struct buf: growth keeps the contents NUL-terminated, the hard
 * maximum refuses an append with ERR_TOO_BIG and leaves the buffer as it was,
 * buf_addf with results longer than its stack buffer, JSON string escaping
 * (checked by decoding the result with Jansson), reset and detach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"

static void test_init_is_empty_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_non_null(b.ptr);
    assert_string_equal(b.ptr, "");
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, BUF_MAX_DEFAULT);
    buf_release(&b);
    assert_string_equal(b.ptr, "");
}

static void test_growth_keeps_contents(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    /* Byte by byte across many reallocations, then in one large piece. */
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf_addch(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(strlen(b.ptr), 10000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.ptr[i], 'a' + i % 26);

    char big[70000];
    memset(big, 'x', sizeof(big));
    assert_int_equal(buf_add(&b, big, sizeof(big)), 0);
    assert_int_equal(b.len, 10000 + sizeof(big));
    assert_int_equal(b.ptr[b.len], '\0');
    assert_int_equal(b.ptr[9999], 'a' + 9999 % 26);
    assert_int_equal(b.ptr[10000], 'x');
    assert_int_equal(b.ptr[b.len - 1], 'x');
    buf_release(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_add_variants(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_adds(&b, "id="), 0);
    assert_int_equal(buf_addf(&b, "%d,%s", 42, "x"), 0);
    assert_int_equal(buf_addch(&b, ';'), 0);
    assert_int_equal(buf_add(&b, "ab\0cd", 5), 0);
    assert_int_equal(b.len, 13);
    assert_memory_equal(b.ptr, "id=42,x;ab\0cd", 13);
    assert_int_equal(b.ptr[13], '\0');
    buf_release(&b);
}

static void test_max_refuses_and_keeps_contents(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16);
    assert_int_equal(buf_adds(&b, "hello"), 0);

    assert_int_equal(buf_adds(&b, "0123456789ab"), ERR_TOO_BIG); /* 5 + 12 > 16 */
    assert_string_equal(b.ptr, "hello");
    assert_int_equal(b.len, 5);

    assert_int_equal(buf_addf(&b, "%s", "0123456789ab"), ERR_TOO_BIG);
    assert_string_equal(b.ptr, "hello");
    assert_int_equal(b.len, 5);

    /* Exactly up to the maximum is allowed; one more byte is not. */
    assert_int_equal(buf_adds(&b, "0123456789a"), 0);
    assert_int_equal(b.len, 16);
    assert_int_equal(buf_addch(&b, '!'), ERR_TOO_BIG);
    assert_string_equal(b.ptr, "hello0123456789a");

    /* Sizes that would overflow len + n are refused, not wrapped. */
    assert_int_equal(buf_grow(&b, SIZE_MAX), ERR_TOO_BIG);
    assert_int_equal(buf_grow(&b, SIZE_MAX - 8), ERR_TOO_BIG);
    assert_int_equal(b.len, 16);
    assert_string_equal(b.ptr, "hello0123456789a");
    buf_release(&b);
    assert_int_equal(b.max, 16); /* release keeps the maximum */
}

static void test_max_refuses_long_addf(void **state)
{
    (void)state;
    /* Past the 256-byte fast path of buf_vaddf. */
    char big[1000];
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    struct buf b;
    buf_init(&b, 500);
    assert_int_equal(buf_adds(&b, "keep"), 0);
    assert_int_equal(buf_addf(&b, "[%s]", big), ERR_TOO_BIG);
    assert_string_equal(b.ptr, "keep");
    assert_int_equal(b.len, 4);
    buf_release(&b);
}

static void test_addf_long_strings(void **state)
{
    (void)state;
    /* Lengths around the internal 256-byte buffer, and far past it. */
    static const size_t lens[] = {254, 255, 256, 257, 1000, 100000};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        size_t n = lens[k];
        char *s = malloc(n + 1);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)('A' + i % 23);
        s[n] = '\0';

        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(buf_adds(&b, "pre:"), 0);
        assert_int_equal(buf_addf(&b, "%s|%d", s, 7), 0);
        assert_int_equal(b.len, 4 + n + 2);
        assert_memory_equal(b.ptr, "pre:", 4);
        assert_memory_equal(b.ptr + 4, s, n);
        assert_string_equal(b.ptr + 4 + n, "|7");
        /* A second long append lands after the first. */
        assert_int_equal(buf_addf(&b, "%s", s), 0);
        assert_int_equal(b.len, 4 + n + 2 + n);
        assert_memory_equal(b.ptr + 4 + n + 2, s, n);
        assert_int_equal(b.ptr[b.len], '\0');
        buf_release(&b);
        free(s);
    }
}

static void assert_escaped(const char *in, size_t n, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_add_json_escaped(&b, in, n), 0);
    assert_string_equal(b.ptr, want);
    assert_int_equal(b.len, strlen(want));
    buf_release(&b);
}

static void test_json_escaping(void **state)
{
    (void)state;
    assert_escaped("plain", 5, "plain");
    assert_escaped("", 0, "");
    assert_escaped("say \"hi\"", 8, "say \\\"hi\\\"");
    assert_escaped("C:\\dir\\", 7, "C:\\\\dir\\\\");
    assert_escaped("a\nb\rc\td", 7, "a\\nb\\rc\\td");
    assert_escaped("\x01\x1f", 2, "\\u0001\\u001f");
    assert_escaped("\b\f", 2, "\\u0008\\u000c");
    assert_escaped("nul\0here", 8, "nul\\u0000here");
    assert_escaped("\x7f", 1, "\x7f");                    /* DEL needs no escape */
    assert_escaped("caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac"); /* UTF-8 kept */
    assert_escaped("\"\"\\", 3, "\\\"\\\"\\\\");
    /* only the n bytes given are read */
    assert_escaped("abc\"def", 3, "abc");
}

static void test_json_escaping_decodes_back(void **state)
{
    (void)state;
    /* Every ASCII byte, NUL included: quoted, the result must be valid JSON
     * that decodes to exactly the input. */
    char in[128];
    for (int i = 0; i < 128; i++)
        in[i] = (char)i;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_addch(&b, '"'), 0);
    assert_int_equal(buf_add_json_escaped(&b, in, sizeof(in)), 0);
    assert_int_equal(buf_addch(&b, '"'), 0);

    json_error_t je;
    json_t *v = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v)
        fail_msg("escaped text is not JSON: %s (%s)", je.text, b.ptr);
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), sizeof(in));
    assert_memory_equal(json_string_value(v), in, sizeof(in));
    json_decref(v);
    buf_release(&b);
}

static void test_json_escaping_respects_max(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_adds(&b, "ab"), 0);
    /* "\n\n\n\n" escapes to 8 bytes: 2 + 8 > 8. Like every append, a refused
     * one leaves the buffer as it was, not with half the escaped text. */
    assert_int_equal(buf_add_json_escaped(&b, "\n\n\n\n", 4), ERR_TOO_BIG);
    assert_string_equal(b.ptr, "ab");
    assert_int_equal(b.len, 2);
    assert_int_equal(buf_add_json_escaped(&b, "xy\"zzzz", 7), ERR_TOO_BIG);
    assert_string_equal(b.ptr, "ab");
    assert_int_equal(b.len, 2);
    /* what fits still goes in */
    assert_int_equal(buf_add_json_escaped(&b, "\"q\"", 3), 0);
    assert_string_equal(b.ptr, "ab\\\"q\\\"");
    buf_release(&b);
}

static void test_reset_keeps_allocation(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    buf_reset(&b); /* on the static empty string: harmless */
    assert_string_equal(b.ptr, "");
    assert_int_equal(buf_adds(&b, "some text"), 0);
    size_t cap = b.cap;
    char *p = b.ptr;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.ptr, p);
    assert_int_equal(buf_adds(&b, "again"), 0);
    assert_string_equal(b.ptr, "again");
    buf_release(&b);
}

static void test_detach(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    assert_int_equal(buf_addf(&b, "%s-%d", "order", 17), 0);
    size_t len = 0;
    char *s = buf_detach(&b, &len);
    assert_string_equal(s, "order-17");
    assert_int_equal(len, 8);
    /* b is left empty, keeps its maximum, and is usable again */
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);
    assert_string_equal(b.ptr, "");
    assert_int_equal(buf_adds(&b, "next"), 0);
    assert_string_equal(b.ptr, "next");
    assert_string_equal(s, "order-17"); /* the detached string is independent */
    free(s);
    buf_release(&b);

    /* An empty buffer detaches to a malloc'd "" the caller can free. */
    buf_init(&b, 0);
    s = buf_detach(&b, NULL);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_is_empty_string),
        cmocka_unit_test(test_growth_keeps_contents),
        cmocka_unit_test(test_add_variants),
        cmocka_unit_test(test_max_refuses_and_keeps_contents),
        cmocka_unit_test(test_max_refuses_long_addf),
        cmocka_unit_test(test_addf_long_strings),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_json_escaping_decodes_back),
        cmocka_unit_test(test_json_escaping_respects_max),
        cmocka_unit_test(test_reset_keeps_allocation),
        cmocka_unit_test(test_detach),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
