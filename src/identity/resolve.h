/*
 * resolve.h — the whole-workspace matching pass (issue 4, in progress).
 *
 * Reads every current record's cleaned fields, blocks them (keys.h),
 * compares the pairs that share a key (pair.h), estimates the
 * Fellegi-Sunter model from those comparisons by EM (score.h), and clusters
 * the pairs above the merge threshold, best first, never joining two
 * clusters with a clear conflict between them. Records already in one
 * profile start in one cluster, and records sharing a normalised e-mail are
 * joined first (deterministic links, still subject to the conflict check).
 * Pairs a person rejected (or an unmerge split) are never joined. The pass
 * only computes; identity_apply (identity.h) writes the result.
 */
#ifndef RONDO_RESOLVE_H
#define RONDO_RESOLVE_H

#include <stdint.h>

#include "base/arena.h"
#include "identity/keys.h"
#include "identity/pair.h"
#include "identity/score.h"
#include "store/store.h"

struct weights;

/*
 * The default thresholds on a pair's probability of being one person. At
 * 0.95, 100k generated persons give a precision of 0.995: the pairs between
 * 0.95 and 0.99 are almost all true (raising it to 0.99 costs 1% of recall
 * and buys 0.05% of precision).
 */
#define RESOLVE_MERGE_AT 0.95
#define RESOLVE_REVIEW_AT 0.80

struct resolve_opts {
    double merge_at;  /* posterior probability to merge (default RESOLVE_MERGE_AT) */
    double review_at; /* to queue for review (default RESOLVE_REVIEW_AT) */
    int max_bucket;   /* a blocking key shared by more records is skipped (default 200) */
    const struct weights *weights; /* configured m and u of some fields, or NULL */
    void (*progress)(void *ctx, const char *stage, int64_t done, int64_t total);
    void *ctx;
};

struct resolve_result {
    int64_t records, keys, buckets_skipped, candidates;
    int64_t merges, merges_email, reviews, refused_conflicts, clusters;
    int em_iterations;
    double seconds_load, seconds_block, seconds_compare, seconds_em, seconds_cluster;
    struct fs_model model;
    double merge_at, review_at; /* the thresholds used, kept with the model for real time */
};

struct resolve;

/* Why two records were joined. */
enum resolve_rule {
    RESOLVE_EMAIL, /* the same normalised e-mail (deterministic) */
    RESOLVE_MATCH, /* scored above the merge threshold */
};

/* A pair of records joined (or queued for review), borrowed from the pass. */
struct resolve_link {
    const struct match_rec *a, *b;
    int64_t raw_a, raw_b, profile_a, profile_b; /* profiles as the pass read them */
    const char *source_a, *source_b, *external_id_a, *external_id_b;
    double p;
    enum resolve_rule rule;
};

/*
 * A record's match fields from its cleaned JSON (strings copied into a;
 * missing or unparsable JSON gives an empty record), and its second e-mail.
 */
void resolve_parse_record(struct arena *a, const char *cleaned, struct match_rec *m,
                          const char **email_alt);

/* The record's blocking keys as 64-bit hashes (the same in the pass and in real time). */
int resolve_keys(const struct match_rec *m, uint64_t out[KEY_MAX]);

/* Run the pass over the store's records. Free with resolve_free. */
int resolve_run(struct store *s, const struct resolve_opts *o, struct resolve **out,
                struct resolve_result *r, struct errbuf *e);
void resolve_free(struct resolve *rv);

/*
 * The links that joined clusters, in the order they did (best first), and
 * the pairs in the review band. Borrowed until resolve_free.
 */
void resolve_links(const struct resolve *rv, const struct resolve_link **links, size_t *n,
                   const struct resolve_link **reviews, size_t *nreviews);

/* Every record the pass read: fn(ctx, raw_id, match fields, second e-mail or NULL). */
void resolve_records(const struct resolve *rv,
                     void (*fn)(void *ctx, int64_t raw_id, const struct match_rec *m,
                                const char *email_alt),
                     void *ctx);

/* The clusters: fn(ctx, source, external_id, cluster) for every record. */
void resolve_each(const struct resolve *rv,
                  void (*fn)(void *ctx, const char *source, const char *external_id,
                             int64_t cluster),
                  void *ctx);

#endif
