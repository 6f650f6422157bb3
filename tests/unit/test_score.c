/*
 * test_score.c — Fellegi-Sunter scoring of identity/score.h. EM is run on
 * comparison vectors drawn with a fixed-seed PRNG from a known model
 * (200,000 pairs, prior 0.05, 5 fields of 2 to 4 levels, 10% missing) and
 * must find every m and u within 0.03 and the prior within 0.01, also from
 * swapped starting values and with a field pinned to the truth; a pinned
 * field is left exactly as pinned; smoothing keeps unseen levels above 0;
 * weights order all-agree > partial > all-disagree and match hand-computed
 * rows; missing fields weigh nothing; thresholds decide merge / review /
 * distinct (table-driven); bad input is refused without touching the
 * model. Prints (does not assert) EM iterations and time for 1M pairs.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/err.h"
#include "identity/score.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NF 5
#define MISSING_RATE 0.10
#define TOL 0.03
#define PRIOR_TOL 0.01

/* The model the pairs are drawn from. */
static const int truth_levels[NF] = {2, 3, 4, 3, 2};
static const double truth_prior = 0.05;
static const double truth_m[NF][4] = {
    {0.05, 0.95}, {0.03, 0.12, 0.85}, {0.02, 0.08, 0.10, 0.80}, {0.10, 0.20, 0.70}, {0.15, 0.85},
};
static const double truth_u[NF][4] = {
    {0.55, 0.45}, {0.90, 0.08, 0.02}, {0.85, 0.10, 0.04, 0.01}, {0.70, 0.25, 0.05}, {0.97, 0.03},
};

/* splitmix64: a fixed seed gives the same pairs on every machine. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static int draw_level(uint64_t *s, const double *p, int n)
{
    double r = rng_unit(s), acc = 0.0;
    for (int l = 0; l < n - 1; l++) {
        acc += p[l];
        if (r < acc)
            return l;
    }
    return n - 1;
}

/* npairs vectors from the truth; caller frees. */
static int8_t *draw_pairs(size_t npairs, uint64_t seed)
{
    int8_t *g = malloc(npairs * NF);
    assert_non_null(g);
    uint64_t s = seed;
    for (size_t i = 0; i < npairs; i++) {
        bool match = rng_unit(&s) < truth_prior;
        for (int f = 0; f < NF; f++) {
            if (rng_unit(&s) < MISSING_RATE)
                g[i * NF + f] = -1;
            else
                g[i * NF + f] =
                    (int8_t)draw_level(&s, match ? truth_m[f] : truth_u[f], truth_levels[f]);
        }
    }
    return g;
}

static void assert_near_truth(const struct fs_model *m)
{
    int bad = 0;
    double worst = 0.0;
    for (int f = 0; f < NF; f++)
        for (int l = 0; l < truth_levels[f]; l++) {
            double dm = fabs(m->m[f][l] - truth_m[f][l]), du = fabs(m->u[f][l] - truth_u[f][l]);
            worst = fmax(worst, fmax(dm, du));
            if (dm > TOL || du > TOL) {
                print_error("field %d level %d: m %.4f (truth %.2f), u %.4f (truth %.2f)\n", f, l,
                            m->m[f][l], truth_m[f][l], m->u[f][l], truth_u[f][l]);
                bad++;
            }
        }
    if (fabs(m->prior - truth_prior) > PRIOR_TOL) {
        print_error("prior %.4f (truth %.2f)\n", m->prior, truth_prior);
        bad++;
    }
    print_message("largest m/u error %.4f, prior %.4f (truth %.2f)\n", worst, m->prior,
                  truth_prior);
    if (bad)
        fail_msg("%d parameters off by more than the tolerance", bad);
}

static void test_em_recovers_truth(void **state)
{
    (void)state;
    size_t n = 200000;
    int8_t *g = draw_pairs(n, 42);
    struct fs_model m;
    fs_model_init(&m, truth_levels, NF);
    int iters = 0;
    assert_int_equal(fs_em(&m, g, n, 1000, 1e-7, &iters), 0);
    assert_true(iters >= 2 && iters <= 1000);
    assert_near_truth(&m);
    for (int f = 0; f < NF; f++) {
        double sm = 0, su = 0;
        for (int l = 0; l < truth_levels[f]; l++) {
            sm += m.m[f][l];
            su += m.u[f][l];
        }
        assert_true(fabs(sm - 1.0) < 1e-9 && fabs(su - 1.0) < 1e-9);
    }

    /* from swapped starting values EM converges to the mirror image; it is swapped back */
    struct fs_model w;
    fs_model_init(&w, truth_levels, NF);
    for (int f = 0; f < NF; f++)
        for (int l = 0; l < truth_levels[f]; l++) {
            double t = w.m[f][l];
            w.m[f][l] = w.u[f][l];
            w.u[f][l] = t;
        }
    w.prior = 0.9;
    assert_int_equal(fs_em(&w, g, n, 1000, 1e-7, NULL), 0);
    assert_near_truth(&w);
    free(g);
}

static void test_em_pinned_field(void **state)
{
    (void)state;
    size_t n = 200000;
    int8_t *g = draw_pairs(n, 7);

    /* pinned to the truth: the field stays, the others are still found */
    struct fs_model m;
    fs_model_init(&m, truth_levels, NF);
    fs_model_fix(&m, 2, truth_m[2], truth_u[2]);
    double pm[FS_MAX_LEVELS], pu[FS_MAX_LEVELS];
    memcpy(pm, m.m[2], sizeof(pm));
    memcpy(pu, m.u[2], sizeof(pu));
    assert_true(m.fixed[2]);
    assert_int_equal(fs_em(&m, g, n, 1000, 1e-7, NULL), 0);
    assert_memory_equal(m.m[2], pm, sizeof(pm));
    assert_memory_equal(m.u[2], pu, sizeof(pu));
    assert_near_truth(&m);

    /* pinned to other values: still exactly as pinned after EM */
    static const double odd_m[] = {0.4, 0.6}, odd_u[] = {0.6, 0.4};
    fs_model_init(&m, truth_levels, NF);
    fs_model_fix(&m, 0, odd_m, odd_u);
    assert_int_equal(fs_em(&m, g, n, 50, 1e-7, NULL), 0);
    assert_true(m.m[0][0] == 0.4 && m.m[0][1] == 0.6 && m.u[0][0] == 0.6 && m.u[0][1] == 0.4);

    /* pinned values are clamped */
    static const double zero_one[] = {0.0, 1.0};
    fs_model_fix(&m, 4, zero_one, odd_u);
    assert_true(m.m[4][0] == FS_PROB_MIN && m.m[4][1] == 1.0 - FS_PROB_MIN);
    free(g);
}

/* A level nobody shows keeps a small probability; every value stays in the clamp. */
static void test_em_smoothing(void **state)
{
    (void)state;
    static const int levels[2] = {3, 2};
    /* field 0 is never at level 1; the pairs are all-agree or all-disagree */
    int8_t g[400 * 2];
    for (int i = 0; i < 400; i++) {
        g[2 * i] = (int8_t)(i % 4 == 0 ? 2 : 0);
        g[2 * i + 1] = (int8_t)(i % 4 == 0 ? 1 : 0);
    }
    struct fs_model m;
    fs_model_init(&m, levels, 2);
    int iters = 0;
    assert_int_equal(fs_em(&m, g, 400, 500, 1e-9, &iters), 0);
    for (int f = 0; f < 2; f++)
        for (int l = 0; l < levels[f]; l++) {
            assert_true(m.m[f][l] >= FS_PROB_MIN && m.m[f][l] <= 1.0 - FS_PROB_MIN);
            assert_true(m.u[f][l] >= FS_PROB_MIN && m.u[f][l] <= 1.0 - FS_PROB_MIN);
        }
    assert_true(m.m[0][1] > 0.0 && m.u[0][1] > 0.0);
    assert_true(fabs(m.prior - 0.25) < 0.01);
    assert_true(isfinite(fs_weight(&m, (const int8_t[]){1, 1})));
}

static void test_weights_order(void **state)
{
    (void)state;
    size_t n = 200000;
    int8_t *g = draw_pairs(n, 3);
    struct fs_model m;
    fs_model_init(&m, truth_levels, NF);
    assert_int_equal(fs_em(&m, g, n, 1000, 1e-7, NULL), 0);
    free(g);

    const int8_t agree[NF] = {1, 2, 3, 2, 1}, partial[NF] = {1, 1, 3, 0, 0};
    const int8_t disagree[NF] = {0, 0, 0, 0, 0}, none[NF] = {-1, -1, -1, -1, -1};
    const int8_t agree_gap[NF] = {1, 2, -1, 2, 1};
    double wa = fs_weight(&m, agree), wp = fs_weight(&m, partial), wd = fs_weight(&m, disagree);
    print_message("weights: all agree %.2f, partial %.2f, all disagree %.2f\n", wa, wp, wd);
    assert_true(wa > wp && wp > wd);
    assert_true(wa > 0.0 && wd < 0.0);
    assert_true(fs_weight(&m, none) == 0.0);
    assert_true(fs_weight(&m, agree_gap) < wa && fs_weight(&m, agree_gap) > wp);

    double pa = fs_probability(&m, agree), pp = fs_probability(&m, partial);
    double pd = fs_probability(&m, disagree);
    assert_true(pa > 0.999 && pd < 0.001 && pa > pp && pp > pd);
    assert_true(fabs(fs_probability(&m, none) - m.prior) < 1e-12);
}

/* Hand-built model: weights and probabilities against values worked out by hand. */
struct weight_case {
    int8_t g[2];
    double weight, probability;
};

static void test_weight_values(void **state)
{
    (void)state;
    static const int levels[2] = {2, 3};
    struct fs_model m;
    fs_model_init(&m, levels, 2);
    static const double m0[] = {0.2, 0.8}, u0[] = {0.8, 0.2};
    static const double m1[] = {0.125, 0.125, 0.75}, u1[] = {0.5, 0.25, 0.25};
    fs_model_fix(&m, 0, m0, u0);
    fs_model_fix(&m, 1, m1, u1);
    m.prior = 0.2; /* prior odds 1:4 */
    /* weight = log2 of the likelihood ratio; p = odds / (1 + odds), odds = LR / 4 */
    const struct weight_case cases[] = {
        /* not static: log2() is no constant expression */
        {{1, 2}, 2.0 + log2(3.0), 3.0 / 4.0},                /* LR 12 */
        {{1, 1}, 2.0 - 1.0, 0.5 / 1.5},                      /* LR 2 */
        {{0, 0}, -2.0 - 2.0, (1.0 / 64) / (1.0 + 1.0 / 64)}, /* LR 1/16 */
        {{1, -1}, 2.0, 1.0 / 2.0},                           /* LR 4 */
        {{-1, 0}, -2.0, (1.0 / 16) / (1.0 + 1.0 / 16)},
        {{-1, -1}, 0.0, 0.2},
    };
    for (size_t i = 0; i < N(cases); i++) {
        const struct weight_case *c = &cases[i];
        double w = fs_weight(&m, c->g), p = fs_probability(&m, c->g);
        if (fabs(w - c->weight) > 1e-9 || fabs(p - c->probability) > 1e-9)
            fail_msg("row %zu {%d, %d}: weight %.6f want %.6f, probability %.6f want %.6f", i,
                     c->g[0], c->g[1], w, c->weight, p, c->probability);
    }
}

struct decide_case {
    double p, merge_at, review_at;
    enum fs_decision want;
};

static void test_decide(void **state)
{
    (void)state;
    static const struct decide_case cases[] = {
        {0.99, 0.95, 0.60, FS_MERGE},      {0.95, 0.95, 0.60, FS_MERGE},
        {0.9499, 0.95, 0.60, FS_REVIEW},   {0.60, 0.95, 0.60, FS_REVIEW},
        {0.5999, 0.95, 0.60, FS_DISTINCT}, {0.0, 0.95, 0.60, FS_DISTINCT},
        {1.0, 1.0, 0.5, FS_MERGE},         {0.7, 0.6, 0.8, FS_MERGE}, /* no review band */
        {0.5, 0.6, 0.8, FS_DISTINCT},      {0.3, 0.9, 0.0, FS_REVIEW},
    };
    for (size_t i = 0; i < N(cases); i++) {
        const struct decide_case *c = &cases[i];
        enum fs_decision d = fs_decide(c->p, c->merge_at, c->review_at);
        if (d != c->want)
            fail_msg("row %zu: p %.4f merge_at %.2f review_at %.2f gave %d, want %d", i, c->p,
                     c->merge_at, c->review_at, (int)d, (int)c->want);
    }
}

static void test_em_bad_input(void **state)
{
    (void)state;
    static const int levels[2] = {2, 3};
    int8_t g[3 * 2] = {0, 1, 1, 2, -1, 0};
    struct fs_model m, before;
    fs_model_init(&m, levels, 2);
    before = m;
    int iters = 99;
    assert_int_equal(fs_em(NULL, g, 3, 10, 1e-6, &iters), ERR_INVALID);
    assert_int_equal(iters, 0);
    assert_int_equal(fs_em(&m, NULL, 3, 10, 1e-6, NULL), ERR_INVALID);
    assert_int_equal(fs_em(&m, g, 0, 10, 1e-6, NULL), ERR_INVALID);
    assert_int_equal(fs_em(&m, g, 3, 0, 1e-6, NULL), ERR_INVALID);
    assert_int_equal(fs_em(&m, g, 3, 10, -1.0, NULL), ERR_INVALID);
    assert_int_equal(fs_em(&m, g, 3, 10, NAN, NULL), ERR_INVALID);
    g[0] = 2; /* field 0 has levels 0..1 */
    assert_int_equal(fs_em(&m, g, 3, 10, 1e-6, NULL), ERR_INVALID);
    g[0] = -2;
    assert_int_equal(fs_em(&m, g, 3, 10, 1e-6, NULL), ERR_INVALID);
    g[0] = 0;
    g[5] = 3; /* the last value of the last pair */
    assert_int_equal(fs_em(&m, g, 3, 10, 1e-6, NULL), ERR_INVALID);
    g[5] = 0;
    assert_memory_equal(&m, &before, sizeof(m)); /* refused input leaves the model */

    struct fs_model zero;
    memset(&zero, 0, sizeof(zero));
    assert_int_equal(fs_em(&zero, g, 3, 10, 1e-6, NULL), ERR_INVALID);
    struct fs_model bad = m;
    bad.prior = 0.0;
    assert_int_equal(fs_em(&bad, g, 3, 10, 1e-6, NULL), ERR_INVALID);
    bad = m;
    bad.u[1][2] = 0.0;
    assert_int_equal(fs_em(&bad, g, 3, 10, 1e-6, NULL), ERR_INVALID);
    bad = m;
    bad.nlevels[1] = FS_MAX_LEVELS + 1;
    assert_int_equal(fs_em(&bad, g, 3, 10, 1e-6, NULL), ERR_INVALID);

    assert_int_equal(fs_em(&m, g, 3, 10, 1e-6, &iters), 0);
    assert_true(iters >= 1 && iters <= 10);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not asserted: how long EM takes on a million pairs with this build. */
static void test_em_timing(void **state)
{
    (void)state;
    size_t n = 1000000;
    int8_t *g = draw_pairs(n, 1234);
    struct fs_model m;
    fs_model_init(&m, truth_levels, NF);
    int iters = 0;
    double t0 = now_s();
    assert_int_equal(fs_em(&m, g, n, 1000, 1e-6, &iters), 0);
    double t = now_s() - t0;
    print_message("EM on %zu pairs x %d fields: %d iterations, %.3f s (%.1f ms/iteration), "
                  "prior %.4f\n",
                  n, NF, iters, t, 1000.0 * t / iters, m.prior);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_em_recovers_truth), cmocka_unit_test(test_em_pinned_field),
        cmocka_unit_test(test_em_smoothing),      cmocka_unit_test(test_weights_order),
        cmocka_unit_test(test_weight_values),     cmocka_unit_test(test_decide),
        cmocka_unit_test(test_em_bad_input),      cmocka_unit_test(test_em_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
