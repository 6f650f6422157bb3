/*
 * test_strmap.c — the string map: values are found by their exact key (not
 * by a key that merely shares a hash bucket), new values start zeroed, a
 * full map refuses new keys but still updates old ones, clear forgets all,
 * and sequential ids (the keys libc's own hash piles up) stay fast enough to
 * load 200,000 of them in a unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/strmap.h"

static void test_put_get(void **state)
{
    (void)state;
    struct strmap *m = strmap_new(8, sizeof(int64_t));
    assert_null(strmap_get(m, "a"));
    int64_t *v = strmap_put(m, "a");
    assert_non_null(v);
    assert_int_equal(*v, 0); /* new values are zeroed */
    *v = 42;
    assert_int_equal(*(int64_t *)strmap_get(m, "a"), 42);
    assert_ptr_equal(strmap_put(m, "a"), v); /* the same slot again */
    assert_null(strmap_get(m, "A"));
    assert_null(strmap_get(m, "a "));
    assert_null(strmap_get(m, ""));
    assert_non_null(strmap_put(m, ""));
    assert_int_equal(strmap_count(m), 2);
    strmap_free(m);
}

static void test_full_and_clear(void **state)
{
    (void)state;
    struct strmap *m = strmap_new(3, sizeof(int));
    const char *keys[] = {"x", "y", "z"};
    for (int i = 0; i < 3; i++)
        *(int *)strmap_put(m, keys[i]) = i + 1;
    assert_null(strmap_put(m, "w"));           /* full */
    assert_non_null(strmap_put(m, "y"));       /* an old key still is there */
    assert_int_equal(*(int *)strmap_get(m, "z"), 3);
    strmap_clear(m);
    assert_int_equal(strmap_count(m), 0);
    assert_null(strmap_get(m, "x"));
    assert_non_null(strmap_put(m, "w"));
    strmap_free(m);
}

static void test_sequential_ids(void **state)
{
    (void)state;
    enum { N = 200000 };
    struct strmap *m = strmap_new(N, sizeof(int64_t));
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "W%d", 100000 + i);
        int64_t *v = strmap_put(m, key);
        assert_non_null(v);
        *v = i;
    }
    assert_int_equal(strmap_count(m), N);
    for (int i = 0; i < N; i += 7) {
        snprintf(key, sizeof(key), "W%d", 100000 + i);
        int64_t *v = strmap_get(m, key);
        if (!v || *v != i)
            fail_msg("%s: got %s", key, v ? "another value" : "nothing");
    }
    assert_null(strmap_get(m, "W99999"));
    strmap_free(m);
}

static void test_growable(void **state)
{
    (void)state;
    struct strmap *m = strmap_new_growable(4, sizeof(int64_t));
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        int64_t *v = strmap_put(m, key);
        assert_non_null(v);
        *v = i * 3;
    }
    assert_int_equal(strmap_count(m), 10000);
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        int64_t *v = strmap_get(m, key);
        if (!v || *v != i * 3)
            fail_msg("%s lost after growing", key);
    }
    strmap_clear(m);
    assert_null(strmap_get(m, "k1"));
    assert_non_null(strmap_put(m, "k1"));
    strmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_full_and_clear),
        cmocka_unit_test(test_sequential_ids),
        cmocka_unit_test(test_growable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
