/*
 * score.c — Fellegi-Sunter weights and their estimation by EM (score.h).
 *
 * EM runs over a two-class mixture with the fields independent given the
 * class. The E step needs, per pair, only the sum of the log-likelihood
 * ratios ln(m/u) of its observed levels, looked up in a table indexed by
 * level + 1 (slot 0, a missing field, holds 0): one addition per field and
 * one exp per pair. How many pairs show each level never changes, so the M
 * step accumulates only the match posteriors per level; the non-match
 * share is the count minus them. The model is the caller's; nothing is
 * static and mutable.
 */
#include "identity/score.h"

#include <math.h>
#include <string.h>

#include "base/err.h"
#include "base/xalloc.h"

#define LOGIT_MAX 700.0 /* exp() of more overflows a double */

static bool nlevels_ok(int n)
{
    return n >= 2 && n <= FS_MAX_LEVELS;
}

void fs_model_init(struct fs_model *m, const int nlevels[], int nfields)
{
    if (!m || !nlevels || nfields < 1 || nfields > FS_MAX_FIELDS)
        BUG("fs_model_init: %d fields", nfields);
    memset(m, 0, sizeof(*m));
    m->nfields = nfields;
    m->prior = 0.1;
    for (int f = 0; f < nfields; f++) {
        int n = nlevels[f];
        if (!nlevels_ok(n))
            BUG("fs_model_init: field %d has %d levels", f, n);
        m->nlevels[f] = n;
        double share = 0.2 / ((double)(n - 1) * n / 2.0); /* 0.2 over weights 1..n-1 */
        for (int l = 0; l < n - 1; l++)
            m->m[f][l] = share * (l + 1);
        m->m[f][n - 1] = 0.8;
        m->u[f][0] = 0.8;
        for (int l = 1; l < n; l++)
            m->u[f][l] = share * (n - l);
    }
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void fs_model_fix(struct fs_model *m, int field, const double *mprob, const double *uprob)
{
    if (!m || !mprob || !uprob || field < 0 || field >= m->nfields)
        BUG("fs_model_fix: field %d", field);
    for (int l = 0; l < m->nlevels[field]; l++) {
        m->m[field][l] = clamp(mprob[l], FS_PROB_MIN, 1.0 - FS_PROB_MIN);
        m->u[field][l] = clamp(uprob[l], FS_PROB_MIN, 1.0 - FS_PROB_MIN);
    }
    m->fixed[field] = true;
}

static bool prob_ok(double p)
{
    return p > 0.0 && p < 1.0; /* false for NaN too */
}

static bool model_ok(const struct fs_model *m)
{
    if (m->nfields < 1 || m->nfields > FS_MAX_FIELDS || !prob_ok(m->prior))
        return false;
    for (int f = 0; f < m->nfields; f++) {
        if (!nlevels_ok(m->nlevels[f]))
            return false;
        for (int l = 0; l < m->nlevels[f]; l++)
            if (!(m->m[f][l] > 0.0 && m->m[f][l] <= 1.0 && m->u[f][l] > 0.0 && m->u[f][l] <= 1.0))
                return false;
    }
    return true;
}

/* Counts each field's levels into count; false for a level out of range. */
static bool count_levels(const struct fs_model *m, const int8_t *gamma, size_t npairs,
                         double count[FS_MAX_FIELDS][FS_MAX_LEVELS])
{
    size_t nf = (size_t)m->nfields;
    for (size_t i = 0; i < npairs; i++) {
        const int8_t *g = gamma + i * nf;
        for (size_t f = 0; f < nf; f++) {
            if (g[f] < -1 || g[f] >= m->nlevels[f])
                return false;
            if (g[f] >= 0)
                count[f][g[f]] += 1.0;
        }
    }
    return true;
}

/* ln(m/u) per field by level + 1; slot 0, missing, is 0. */
static void log_ratios(const struct fs_model *m, double lr[FS_MAX_FIELDS][FS_MAX_LEVELS + 1])
{
    for (int f = 0; f < m->nfields; f++) {
        lr[f][0] = 0.0;
        for (int l = 0; l < m->nlevels[f]; l++)
            lr[f][l + 1] = log(m->m[f][l] / m->u[f][l]);
    }
}

static double sigmoid(double logit)
{
    return 1.0 / (1.0 + exp(-clamp(logit, -LOGIT_MAX, LOGIT_MAX)));
}

/* The E step: the match posterior of every pair, summed per field and level; returns their sum. */
static double e_step(const struct fs_model *m, const int8_t *gamma, size_t npairs,
                     double sp[FS_MAX_FIELDS][FS_MAX_LEVELS])
{
    double lr[FS_MAX_FIELDS][FS_MAX_LEVELS + 1];
    log_ratios(m, lr);
    double base = log(m->prior / (1.0 - m->prior)), total = 0.0;
    size_t nf = (size_t)m->nfields;
    memset(sp, 0, sizeof(double) * FS_MAX_FIELDS * FS_MAX_LEVELS);
    for (size_t i = 0; i < npairs; i++) {
        const int8_t *g = gamma + i * nf;
        double w = base;
        for (size_t f = 0; f < nf; f++)
            w += lr[f][g[f] + 1];
        double p = sigmoid(w);
        total += p;
        for (size_t f = 0; f < nf; f++)
            if (g[f] >= 0)
                sp[f][g[f]] += p;
    }
    return total;
}

/*
 * dist[l] = floor + (1 - n * floor) * num[l] / sum: the estimate mixed with
 * the uniform distribution so that every level keeps at least the floor
 * and none exceeds 1 - floor. Unchanged when sum is 0 (nothing observed).
 * Returns the largest change.
 */
static double set_dist(double *dist, const double *num, int n)
{
    double sum = 0.0, moved = 0.0;
    for (int l = 0; l < n; l++)
        sum += num[l];
    if (!(sum > 0.0))
        return 0.0;
    for (int l = 0; l < n; l++) {
        double v = FS_PROB_MIN + (1.0 - n * FS_PROB_MIN) * (num[l] / sum);
        moved = fmax(moved, fabs(v - dist[l]));
        dist[l] = v;
    }
    return moved;
}

/* The M step; returns the largest change of a parameter. */
static double m_step(struct fs_model *m, double count[FS_MAX_FIELDS][FS_MAX_LEVELS],
                     double sp[FS_MAX_FIELDS][FS_MAX_LEVELS], double total, size_t npairs)
{
    double prior = clamp(total / (double)npairs, FS_PRIOR_MIN, 1.0 - FS_PRIOR_MIN);
    double moved = fabs(prior - m->prior);
    m->prior = prior;
    for (int f = 0; f < m->nfields; f++) {
        if (m->fixed[f])
            continue;
        double sq[FS_MAX_LEVELS];
        for (int l = 0; l < m->nlevels[f]; l++)
            sq[l] = fmax(count[f][l] - sp[f][l], 0.0);
        moved = fmax(moved, set_dist(m->m[f], sp[f], m->nlevels[f]));
        moved = fmax(moved, set_dist(m->u[f], sq, m->nlevels[f]));
    }
    return moved;
}

/* When agreement on the top levels ends likelier among non-matches, the classes are swapped. */
static void unswap(struct fs_model *m)
{
    double lean = 0.0;
    for (int f = 0; f < m->nfields; f++) {
        if (m->fixed[f])
            return; /* a pinned field names the classes */
        int top = m->nlevels[f] - 1;
        lean += m->m[f][top] - m->u[f][top];
    }
    if (lean >= 0.0)
        return;
    for (int f = 0; f < m->nfields; f++)
        for (int l = 0; l < m->nlevels[f]; l++) {
            double t = m->m[f][l];
            m->m[f][l] = m->u[f][l];
            m->u[f][l] = t;
        }
    m->prior = 1.0 - m->prior;
}

int fs_em(struct fs_model *m, const int8_t *gamma, size_t npairs, int max_iter, double tol,
          int *iterations)
{
    if (iterations)
        *iterations = 0;
    if (!m || !gamma || npairs == 0 || max_iter < 1 || !(tol >= 0.0) || !model_ok(m))
        return ERR_INVALID;
    double count[FS_MAX_FIELDS][FS_MAX_LEVELS] = {{0}};
    if (!count_levels(m, gamma, npairs, count))
        return ERR_INVALID;

    double sp[FS_MAX_FIELDS][FS_MAX_LEVELS];
    int it = 0;
    while (it < max_iter) {
        double total = e_step(m, gamma, npairs, sp);
        double moved = m_step(m, count, sp, total, npairs);
        it++;
        if (moved < tol)
            break;
    }
    unswap(m);
    if (iterations)
        *iterations = it;
    return 0;
}

/* The sum of ln(m/u) over g's observed fields. */
static double log_ratio(const struct fs_model *m, const int8_t *g)
{
    double w = 0.0;
    for (int f = 0; f < m->nfields; f++) {
        if (g[f] < 0)
            continue;
        if (g[f] >= m->nlevels[f])
            BUG("fs_weight: field %d has level %d of %d", f, g[f], m->nlevels[f]);
        w += log(m->m[f][g[f]] / m->u[f][g[f]]);
    }
    return w;
}

double fs_weight(const struct fs_model *m, const int8_t *g)
{
    return log_ratio(m, g) / log(2.0);
}

double fs_probability(const struct fs_model *m, const int8_t *g)
{
    return sigmoid(log(m->prior / (1.0 - m->prior)) + log_ratio(m, g));
}

enum fs_decision fs_decide(double probability, double merge_at, double review_at)
{
    if (probability >= merge_at)
        return FS_MERGE;
    if (probability >= review_at)
        return FS_REVIEW;
    return FS_DISTINCT;
}
