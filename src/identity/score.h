/*
 * score.h — Fellegi-Sunter scoring of comparison vectors (issue 4): each
 * field's agreement level is weighed by how much likelier it is among true
 * matches (m) than among non-matches (u). The m and u probabilities are
 * estimated by EM from the candidate pairs themselves, without labels, or
 * pinned by configuration field by field.
 *
 * A comparison vector is an array of int8_t levels, one per field, with -1
 * for a field missing on either side (it weighs nothing). The model is a
 * plain struct the caller owns; nothing here allocates or keeps state, so
 * scoring with a model nobody modifies is safe from any thread.
 */
#ifndef RONDO_SCORE_H
#define RONDO_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_MAX_FIELDS 16
#define FS_MAX_LEVELS 8

/* Every m and u probability lies in [FS_PROB_MIN, 1 - FS_PROB_MIN]. */
#define FS_PROB_MIN 1e-4
/* The prior lies in [FS_PRIOR_MIN, 1 - FS_PRIOR_MIN]: matches may be rare among candidates. */
#define FS_PRIOR_MIN 1e-6

struct fs_model {
    int nfields;
    int nlevels[FS_MAX_FIELDS];             /* 2..FS_MAX_LEVELS each */
    double m[FS_MAX_FIELDS][FS_MAX_LEVELS]; /* P(level | match), sums to 1 per field */
    double u[FS_MAX_FIELDS][FS_MAX_LEVELS]; /* P(level | non-match) */
    bool fixed[FS_MAX_FIELDS];              /* pinned by fs_model_fix: EM leaves it */
    double prior;                           /* P(match) among the candidate pairs */
};

/*
 * Starting values for nfields fields of nlevels[f] levels each: m puts 0.8
 * on the highest level and spreads the rest towards the higher levels, u
 * puts 0.8 on level 0 and spreads the rest towards the lower ones; prior
 * 0.1; no field pinned. nfields must be in 1..FS_MAX_FIELDS and each
 * nlevels in 2..FS_MAX_LEVELS: BUG otherwise.
 */
void fs_model_init(struct fs_model *m, const int nlevels[], int nfields);

/*
 * Pins field's m and u to mprob[0..nlevels) and uprob[0..nlevels) (each
 * clamped to [FS_PROB_MIN, 1 - FS_PROB_MIN]; they should sum to 1): EM then
 * leaves the field as it is. Both arrays are copied. BUG when field is out
 * of range or a pointer NULL.
 */
void fs_model_fix(struct fs_model *m, int field, const double *mprob, const double *uprob);

/*
 * Estimates the m and u of every field that is not pinned, and the prior,
 * by expectation-maximisation over npairs comparison vectors gamma
 * (row-major, npairs x m->nfields; -1 = missing, skipped in both steps),
 * assuming the fields independent given the match status. Starts from the
 * model as it is (fs_model_init's values or a previous estimate). Each step
 * mixes the estimate with the uniform distribution just enough to keep
 * every probability in [FS_PROB_MIN, 1 - FS_PROB_MIN], so no level gets
 * probability 0. Stops after an iteration that moves no parameter by tol
 * or more, or after max_iter iterations; *iterations (when not NULL) is set
 * to the number run. When no field is pinned and EM ends with agreement
 * likelier among non-matches (the classes swapped), it swaps them back.
 * Returns 0, or ERR_INVALID (model untouched) for a NULL model or gamma,
 * no pairs, max_iter < 1, tol negative or NaN, a bad model, or a level
 * outside -1..nlevels-1.
 */
int fs_em(struct fs_model *m, const int8_t *gamma, size_t npairs, int max_iter, double tol,
          int *iterations);

/*
 * The match weight of the comparison vector g (m->nfields levels): the sum
 * over fields of log2(m/u) at the observed level; a missing field (any
 * negative level) adds 0. BUG for a level >= nlevels.
 */
double fs_weight(const struct fs_model *m, const int8_t *g);

/* The posterior probability that g is a match, from the prior and the weight. */
double fs_probability(const struct fs_model *m, const int8_t *g);

enum fs_decision {
    FS_DISTINCT,
    FS_REVIEW,
    FS_MERGE,
};

/*
 * merge when probability >= merge_at, else review when >= review_at, else
 * distinct. (merge_at below review_at simply leaves no review band.)
 */
enum fs_decision fs_decide(double probability, double merge_at, double review_at);

#endif
