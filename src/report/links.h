/*
 * links.h — how well records were put together, against a known truth:
 * pairwise precision, recall and F1 of "these two records are one person".
 *
 * Feed every record's profile (from the store) and every record's person
 * (from a truth file such as rondo gen's truth.csv); records that the truth
 * marks as no person (test records) or that one side lacks are left out.
 */
#ifndef RONDO_LINKS_H
#define RONDO_LINKS_H

#include <stdint.h>

#include "base/err.h"

struct links_eval;

struct links_eval *links_eval_new(void);
void links_eval_free(struct links_eval *le);

/* The truth: record (source, external id) is person (any non-empty text). */
void links_eval_truth(struct links_eval *le, const char *source, const char *external_id,
                      const char *person);

/*
 * Read a truth CSV with the columns source, external_id, person_id (others
 * ignored), as `rondo gen` writes truth.csv. ERR_IO / ERR_INVALID with e.
 */
int links_eval_read_truth(struct links_eval *le, const char *path, struct errbuf *e);

/* What rondo made of it: record (source, external id) is in profile. */
void links_eval_link(struct links_eval *le, const char *source, const char *external_id,
                     int64_t profile_id);

struct links_result {
    int64_t records;         /* records on both sides */
    int64_t true_pairs;      /* pairs of records of one person */
    int64_t predicted_pairs; /* pairs of records in one profile */
    int64_t correct_pairs;   /* pairs in one profile and of one person */
    double precision, recall, f1;
    int64_t profiles, persons;
};

/* Compute the result (after all truth and links were fed). */
void links_eval_result(struct links_eval *le, struct links_result *out);

#endif
