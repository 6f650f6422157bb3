/*
 * test_weights.c — configured m and u (identity/weights.h): a valid file
 * pins exactly its fields in the model; each kind of mistake is refused
 * with the field and the reason; the JSON form round-trips and refuses what
 * it would not write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "identity/weights.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char GOOD[] = "; a birth date says less in this shop\n"
                           "[birth_date]\n"
                           "m = 0.05, 0.05, 0.05, 0.85\n"
                           "u = 0.97, 0.02, 0.005, 0.005\n"
                           "\n"
                           "[gender]\n"
                           "u = 0.5, 0.5\n"
                           "m = 0.02,0.98\n";

static void test_weights_good(void **state)
{
    (void)state;
    struct weights w;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(weights_parse(&w, GOOD, &e), 0);
    for (int f = 0; f < PAIR_NFIELDS; f++)
        assert_int_equal(w.set[f], f == PAIR_BIRTH_DATE || f == PAIR_GENDER);
    assert_true(w.m[PAIR_BIRTH_DATE][3] == 0.85);
    assert_true(w.u[PAIR_GENDER][1] == 0.5);

    struct fs_model m;
    fs_model_init(&m, pair_nlevels, PAIR_NFIELDS);
    struct fs_model before = m;
    weights_apply(&w, &m);
    assert_true(m.fixed[PAIR_BIRTH_DATE] && m.fixed[PAIR_GENDER] && !m.fixed[PAIR_EMAIL]);
    assert_true(m.m[PAIR_BIRTH_DATE][0] == 0.05 && m.u[PAIR_BIRTH_DATE][0] == 0.97);
    assert_memory_equal(m.m[PAIR_EMAIL], before.m[PAIR_EMAIL], sizeof(m.m[PAIR_EMAIL]));

    /* JSON round trip */
    json_t *j = weights_to_json(&w);
    assert_int_equal(json_object_size(j), 2);
    struct weights back;
    assert_int_equal(weights_from_json(&back, j, &e), 0);
    assert_memory_equal(back.set, w.set, sizeof(w.set));
    assert_true(back.m[PAIR_BIRTH_DATE][3] == 0.85 && back.u[PAIR_GENDER][0] == 0.5);
    json_decref(j);

    /* an empty file configures nothing */
    assert_int_equal(weights_parse(&w, "; nothing\n", &e), 0);
    for (int f = 0; f < PAIR_NFIELDS; f++)
        assert_false(w.set[f]);
}

struct bad {
    const char *text, *field, *says;
};

static const struct bad bads[] = {
    {"[shoe_size]\nm = 0.5, 0.5\nu = 0.5, 0.5\n", "shoe_size.m", "unknown field [shoe_size]"},
    {"[gender]\nw = 0.5, 0.5\n", "gender.w", "unknown key w"},
    {"[gender]\nm = 0.5, 0.5\nm = 0.4, 0.6\nu = 0.5, 0.5\n", "gender.m", "given twice"},
    {"[birth_date]\nm = 0.1, 0.9\nu = 0.7, 0.1, 0.1, 0.1\n", "birth_date.m", "want 4 numbers"},
    {"[gender]\nm = 0.5, x\nu = 0.5, 0.5\n", "gender.m", "want 2 numbers"},
    {"[gender]\nm = 0, 1\nu = 0.5, 0.5\n", "gender.m", "between 0 and 1"},
    {"[gender]\nm = 0.2, 0.2\nu = 0.5, 0.5\n", "gender.m", "sum to 1"},
    {"[gender]\nm = 0.2, 0.8\n", "gender.u", "needs both m and u"},
    {"[gender]\nthis is not ini\n", NULL, "line 2: not an INI line"},
};

static void test_weights_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bads); i++) {
        struct weights w;
        struct errbuf e = {{0}, {0}};
        int rc = weights_parse(&w, bads[i].text, &e);
        if (rc != ERR_INVALID || !strstr(e.msg, bads[i].says) ||
            (bads[i].field && strcmp(e.field, bads[i].field) != 0))
            fail_msg("case %zu: rc %d, field \"%s\", message \"%s\"; want \"%s\" on %s", i, rc,
                     e.field, e.msg, bads[i].says, bads[i].field ? bads[i].field : "-");
    }
}

static void test_weights_json_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "[]",
        "{\"shoe_size\": {\"m\": [0.5, 0.5], \"u\": [0.5, 0.5]}}",
        "{\"gender\": {\"m\": [0.5, 0.5]}}",
        "{\"gender\": {\"m\": [0.5, 0.5, 0.0], \"u\": [0.5, 0.5]}}",
        "{\"gender\": {\"m\": [0.9, 0.9], \"u\": [0.5, 0.5]}}",
        "{\"gender\": {\"m\": [\"a\", 0.5], \"u\": [0.5, 0.5]}}",
    };
    for (size_t i = 0; i < N(bad); i++) {
        json_t *j = json_loads(bad[i], 0, NULL);
        assert_non_null(j);
        struct weights w;
        struct errbuf e = {{0}, {0}};
        if (weights_from_json(&w, j, &e) != ERR_INVALID)
            fail_msg("accepted %s", bad[i]);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_good),
        cmocka_unit_test(test_weights_bad),
        cmocka_unit_test(test_weights_json_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
