/*
 * test_arena.c — the request arena: every allocation is aligned for any type
 * and usable for its full size (ASan checks the bounds), large allocations
 * get their own block, the byte limit makes arena_alloc/strdup return NULL
 * instead of growing, and arena_release frees everything so the arena can be
 * used again up to its full limit.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

static void test_alignment(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    static const size_t sizes[] = {1, 3, 7, 8, 13, 16, 17, 31, 100, 1, 2, 8191, 1, 9000, 5};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = arena_alloc(&a, sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xab, sizes[i]); /* the whole size is writable */
    }
    /* a double and a long double stored through an arena pointer */
    long double *ld = arena_alloc(&a, sizeof(*ld));
    assert_non_null(ld);
    *ld = 1.5L;
    assert_true(*ld == 1.5L);
    arena_release(&a);
}

static void test_allocations_do_not_overlap(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    char *p[200];
    for (int i = 0; i < 200; i++) {
        p[i] = arena_alloc(&a, 100);
        assert_non_null(p[i]);
        memset(p[i], i, 100);
    }
    for (int i = 0; i < 200; i++)
        for (int j = 0; j < 100; j++)
            assert_int_equal((unsigned char)p[i][j], i);
    /* larger than a block */
    char *big = arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 0x5a, 100000);
    assert_int_equal((unsigned char)p[199][99], 199);
    arena_release(&a);
}

static void test_limit(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    assert_int_equal(a.limit, 1024);
    assert_non_null(arena_alloc(&a, 1000));
    assert_null(arena_alloc(&a, 100));  /* 1000 + 100 > 1024 */
    assert_null(arena_alloc(&a, 1024)); /* a refused alloc does not count */
    assert_true(a.used <= a.limit);
    arena_release(&a);

    arena_init(&a, 1024);
    assert_null(arena_alloc(&a, 1025));
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 4)); /* no wrap when rounding up */
    assert_int_equal(a.used, 0);
    assert_non_null(arena_alloc(&a, 1024)); /* exactly the limit fits */
    assert_null(arena_alloc(&a, 1));
    arena_release(&a);

    /* An unbounded arena must still refuse sizes that wrap when rounded up. */
    arena_init(&a, SIZE_MAX);
    assert_null(arena_alloc(&a, SIZE_MAX - 4));
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_int_equal(a.used, 0);
    arena_release(&a);

    /* Many small allocations stop at the limit, never past it, even when the
     * limit is not a multiple of the alignment the sizes are rounded up to. */
    arena_init(&a, 4090);
    size_t got = 0;
    while (arena_alloc(&a, 10))
        got += 10;
    assert_true(got > 0);
    assert_true(a.used <= a.limit);
    arena_release(&a);
}

static void test_default_limit(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    assert_int_equal(a.limit, (size_t)16 << 20);
    assert_null(arena_alloc(&a, ((size_t)16 << 20) + 1));
    arena_release(&a);
}

static void test_strdup(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    char src[] = "hello world";
    char *d = arena_strdup(&a, src);
    assert_non_null(d);
    assert_string_equal(d, "hello world");
    assert_ptr_not_equal(d, src);
    src[0] = 'J'; /* a copy, not a reference */
    assert_string_equal(d, "hello world");

    char *n = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(n, "abc");
    /* the source need not be NUL-terminated within n */
    const char raw[4] = {'w', 'x', 'y', 'z'};
    n = arena_strndup(&a, raw, 4);
    assert_string_equal(n, "wxyz");
    assert_string_equal(arena_strdup(&a, ""), "");
    arena_release(&a);

    /* past the limit: NULL, not a truncated copy (n + 1 bytes are needed) */
    arena_init(&a, 16);
    assert_null(arena_strdup(&a, "0123456789abcdef"));
    assert_non_null(arena_strdup(&a, "0123456789abcde"));
    arena_release(&a);
}

static void test_release_and_reuse(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 64 * 1024);
    for (int round = 0; round < 3; round++) {
        /* the whole limit is available again after each release */
        for (int i = 0; i < 4; i++) {
            char *p = arena_alloc(&a, 16 * 1024);
            assert_non_null(p);
            memset(p, round, 16 * 1024);
        }
        assert_null(arena_alloc(&a, 1));
        arena_release(&a);
        assert_null(a.head);
        assert_int_equal(a.used, 0);
        assert_int_equal(a.limit, 64 * 1024);
    }
    arena_release(&a); /* releasing an empty arena is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_allocations_do_not_overlap),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_default_limit),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_release_and_reuse),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
