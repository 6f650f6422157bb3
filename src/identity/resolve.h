/*
 * resolve.h — the whole-workspace matching pass (issue 4, in progress).
 *
 * Reads every current record's cleaned fields, blocks them (keys.h),
 * compares the pairs that share a key (pair.h), estimates the
 * Fellegi-Sunter model from those comparisons by EM (score.h), and clusters
 * the pairs above the merge threshold, best first, never joining two
 * clusters with a clear conflict between them. Records already in one
 * profile start in one cluster. This version computes the clusters without
 * writing them (a dry run); merging them is the next step.
 */
#ifndef RONDO_RESOLVE_H
#define RONDO_RESOLVE_H

#include <stdint.h>

#include "identity/score.h"
#include "store/store.h"

struct resolve_opts {
    double merge_at;  /* posterior probability to merge (default 0.99) */
    double review_at; /* to queue for review (default 0.80) */
    int max_bucket;   /* a blocking key shared by more records is skipped (default 200) */
    void (*progress)(void *ctx, const char *stage, int64_t done, int64_t total);
    void *ctx;
};

struct resolve_result {
    int64_t records, keys, buckets_skipped, candidates;
    int64_t merges, reviews, refused_conflicts, clusters;
    int em_iterations;
    double seconds_load, seconds_block, seconds_compare, seconds_em, seconds_cluster;
    struct fs_model model;
};

struct resolve;

/* Run the pass over the store's records. Free with resolve_free. */
int resolve_run(struct store *s, const struct resolve_opts *o, struct resolve **out,
                struct resolve_result *r, struct errbuf *e);
void resolve_free(struct resolve *rv);

/* The clusters: fn(ctx, source, external_id, cluster) for every record. */
void resolve_each(const struct resolve *rv,
                  void (*fn)(void *ctx, const char *source, const char *external_id,
                             int64_t cluster),
                  void *ctx);

#endif
