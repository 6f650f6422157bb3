/*
 * identity.h — identity resolution's operations on a workspace, on top of
 * the matching pass (resolve.h): writing a pass's merges, matching one new
 * record at once, undoing a merge, deciding a pair from the review queue,
 * and explaining a profile. Each write function must be called inside a
 * transaction (store_begin/store_commit), except identity_apply, which
 * commits in steps of its own.
 */
#ifndef RONDO_IDENTITY_H
#define RONDO_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "identity/resolve.h"
#include "store/store.h"

/* Settings keys in the workspace (store_setting_get). */
#define IDENTITY_SETTING_MODEL "identity.model"             /* the last estimated model */
#define IDENTITY_SETTING_SURVIVORSHIP "identity.survivorship" /* survivorship rules (JSON) */
#define IDENTITY_SETTING_WEIGHTS "identity.weights"           /* configured m and u (JSON) */

struct identity_written {
    int64_t merges;             /* profiles absorbed */
    int64_t profiles_recomputed; /* golden records chosen again by survivorship */
    int64_t reviews;            /* pairs queued for review */
    int64_t keys;               /* blocking keys written for real-time matching */
    int64_t households;         /* households of two profiles or more */
    int64_t profiles_in_households;
    double seconds_merge, seconds_golden, seconds_keys, seconds_households;
};

/*
 * Write what a pass found: each accepted link merges the younger profile
 * into the older one, with the rule, the field comparisons and the score as
 * evidence; the merged profiles' golden fields are chosen again by the
 * workspace's survivorship rules; the review band goes to the review queue
 * (replacing the pairs still waiting); the blocking index and the model are
 * saved for real-time matching; households are assigned again. Commits in
 * steps (the caller must not be in a transaction). o may be NULL.
 */
int identity_apply(struct store *s, const struct resolve *rv, const struct resolve_result *r,
                   const struct resolve_opts *o, struct identity_written *w, struct errbuf *e);

/*
 * Match one record that just arrived (raw_id of profile profile_id, with
 * its cleaned JSON) against the workspace through the blocking index: its
 * keys are added to the index; the best candidate above the merge threshold
 * absorbs the record's profile (*merged_into set to the survivor, else 0),
 * one in the review band is queued. Scores with the model saved by the last
 * full resolve; before there is one, only shared e-mails link. In a transaction.
 */
int identity_match_record(struct store *s, int64_t raw_id, int64_t profile_id,
                          const char *cleaned, int64_t now, int64_t *merged_into,
                          struct errbuf *e);

/* Choose a live profile's golden fields again from its current raw records. In a transaction. */
int identity_recompute_golden(struct store *s, int64_t profile_id, int64_t now, struct errbuf *e);

/*
 * Undo merges. For an absorbed profile: the merge that absorbed it. For a
 * live profile: every merge into it, newest first. Each side's golden record
 * is chosen again where the merge changed it. *report (caller decrefs) is
 * {"profile_id", "unmerged": [{merge_id, survivor, absorbed, moved: {...}}]}.
 * ERR_NOT_FOUND for an unknown profile, ERR_INVALID (with the reason) for a
 * profile that was never merged. In a transaction.
 */
int identity_unmerge(struct store *s, int64_t profile_id, int64_t now, json_t **report,
                     struct errbuf *e);

/*
 * Decide a pair from the review queue. accept merges the two records'
 * profiles (rule "review", the pair's evidence); reject records that they
 * are different people (resolve never joins them). *report (caller decrefs)
 * is {"id", "status", "survivor"?, "absorbed"?}. ERR_NOT_FOUND, or
 * ERR_EXISTS when the pair was decided already. In a transaction.
 */
int identity_match_decide(struct store *s, int64_t match_id, bool accept, int64_t now,
                          json_t **report, struct errbuf *e);

/*
 * Why a profile's records are together: {"profile_id", "merged_into"?,
 * "records": [{raw_id, source, external_id, received_at, cleaned}],
 * "golden_sources": {field: raw_id}, "merges": [merge log entries with their
 * evidence: rule, score, per-field comparison levels and weights]}. An
 * absorbed id is explained through its survivor. Caller decrefs.
 */
int identity_explain(struct store *s, int64_t profile_id, json_t **out, struct errbuf *e);

#endif
