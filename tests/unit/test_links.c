/*
 * test_links.c — pairwise precision, recall and F1 of record linkage: pairs
 * are counted from profile and person sizes, records that are no person
 * (test records) or that only one side knows are left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "report/links.h"

static void test_counts(void **state)
{
    (void)state;
    struct links_eval *le = links_eval_new();
    /* persons: P1 = a1 b1 c1, P2 = a2 b2; t1 is a test record; z9 has no truth */
    links_eval_truth(le, "a", "1", "P1");
    links_eval_truth(le, "b", "1", "P1");
    links_eval_truth(le, "c", "1", "P1");
    links_eval_truth(le, "a", "2", "P2");
    links_eval_truth(le, "b", "2", "P2");
    links_eval_truth(le, "t", "1", "");
    /* profiles: 10 = a1 b1 a2 (one false pair a1-a2, b1-a2), 11 = c1, 12 = b2 */
    links_eval_link(le, "a", "1", 10);
    links_eval_link(le, "b", "1", 10);
    links_eval_link(le, "a", "2", 10);
    links_eval_link(le, "c", "1", 11);
    links_eval_link(le, "b", "2", 12);
    links_eval_link(le, "t", "1", 13);
    links_eval_link(le, "z", "9", 14);
    struct links_result r;
    links_eval_result(le, &r);
    assert_int_equal(r.records, 5);
    assert_int_equal(r.true_pairs, 3 + 1);     /* C(3,2) + C(2,2) */
    assert_int_equal(r.predicted_pairs, 3);    /* C(3,2) in profile 10 */
    assert_int_equal(r.correct_pairs, 1);      /* a1-b1 */
    assert_int_equal(r.profiles, 3);
    assert_int_equal(r.persons, 2);
    assert_float_equal(r.precision, 1.0 / 3, 1e-9);
    assert_float_equal(r.recall, 1.0 / 4, 1e-9);
    assert_float_equal(r.f1, 2 * (1.0 / 3) * (1.0 / 4) / (1.0 / 3 + 1.0 / 4), 1e-9);
    links_eval_free(le);
}

static void test_nothing_linked(void **state)
{
    (void)state;
    struct links_eval *le = links_eval_new();
    links_eval_truth(le, "a", "1", "P1");
    links_eval_truth(le, "b", "1", "P1");
    links_eval_link(le, "a", "1", 1);
    links_eval_link(le, "b", "1", 2);
    struct links_result r;
    links_eval_result(le, &r);
    assert_int_equal(r.predicted_pairs, 0);
    assert_float_equal(r.precision, 1.0, 1e-9); /* no claim made, none wrong */
    assert_float_equal(r.recall, 0.0, 1e-9);
    assert_float_equal(r.f1, 0.0, 1e-9);
    links_eval_free(le);
}

static void test_perfect(void **state)
{
    (void)state;
    struct links_eval *le = links_eval_new();
    char ext[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(ext, sizeof(ext), "%d", i);
        char person[16];
        snprintf(person, sizeof(person), "P%d", i / 4);
        links_eval_truth(le, "s", ext, person);
        links_eval_link(le, "s", ext, 100 + i / 4);
    }
    struct links_result r;
    links_eval_result(le, &r);
    assert_int_equal(r.true_pairs, 250 * 6);
    assert_int_equal(r.correct_pairs, 250 * 6);
    assert_float_equal(r.f1, 1.0, 1e-9);
    links_eval_free(le);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_nothing_linked),
        cmocka_unit_test(test_perfect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
