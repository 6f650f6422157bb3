/*
 * engine.h — segments that stay true (issue 5): the saved segments of a
 * workspace, their members held per profile slot of the world, and the
 * passes that keep them current:
 *   - a full pass over every profile (after loading, and for a new or
 *     changed segment);
 *   - a pass over the profiles a write touched (every event, order,
 *     identify, import, merge, unmerge);
 *   - a scheduled pass over the segments whose rules read the time.
 * Every change of membership is written through store_segment_set, which
 * records the enter, exit or shift.
 *
 * A definition is JSON: {"rule": AST} for a rule segment, {"subs": [{"name":
 * "repeat buyer", "rule": AST}, ...]} for an exclusive one (first match
 * wins; none matching is "none"). Segments that refer to other segments are
 * evaluated after them; a cycle is refused when the segment is saved.
 *
 * One owner at a time, like the world.
 */
#ifndef RONDO_SEGMENT_ENGINE_H
#define RONDO_SEGMENT_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "segment/rule.h"
#include "segment/world.h"
#include "store/store.h"

#define SG_MAX_SUBS 32 /* sub-segments of an exclusive segment */

/* The lifecycle stages every workspace starts with (an exclusive segment "lifecycle"). */
extern const char *const sg_lifecycle_names[];
extern const char *const sg_lifecycle_rules[];
#define SG_LIFECYCLE_N 6

struct sg_engine;

/*
 * A definition checked and normalised: from the API's or the command's
 * JSON ({"rule": "text" or AST} or {"subs": [{"name", "rule"}]}), the JSON
 * to store (ASTs, and each rule's text), its kind and whether it reads the
 * time. Errors name the sub-segment and the place in its rule.
 */
int sg_definition_check(const json_t *in, json_t **stored, const char **kind, bool *time_relative,
                        struct errbuf *e);

/*
 * Loads the world and the saved segments with their stored members; seeds
 * the lifecycle segment in a workspace that never had it. *out is NULL on
 * failure.
 */
int sg_engine_open(struct store *s, struct sg_engine **out, struct errbuf *e);

/*
 * Save the default lifecycle segment, once per workspace (never again once a
 * workspace changed or deleted it). sg_engine_open does it; `rondo init` and
 * commands that name segments do it too. In a transaction of its own: call
 * it outside any.
 */
int sg_engine_seed(struct store *s, struct errbuf *e);
void sg_engine_free(struct sg_engine *g);

struct sg_world *sg_engine_world(struct sg_engine *g);

/* Segments again from the store (after a create, update or delete). */
int sg_engine_reload_segments(struct sg_engine *g, struct store *s, struct errbuf *e);

struct sg_pass {
    int64_t profiles, segments, evaluations, changes;
    double seconds;
};

/*
 * Evaluates the segments (only those reading the time when time_only) for
 * every live profile (ids NULL) or for ids[0..n) after refreshing them in
 * the world, and writes every change. A full pass (every profile, every
 * segment) also clears the profiles waiting for re-evaluation
 * (store_touched_take): it covers them. Run it inside a transaction.
 */
int sg_engine_pass(struct sg_engine *g, struct store *s, const int64_t *ids, size_t n,
                   bool time_only, int64_t now, struct sg_pass *st, struct errbuf *e);

#define SG_MAX_NAME 200 /* bytes of a segment's name */

/*
 * Saves a change to the saved segments and brings every membership up to
 * date, inside the caller's transaction (a writer job's, in `rondo serve`):
 *   - id 0: a new segment called name with the definition;
 *   - id and a definition: a new version of it (name NULL keeps the name);
 *   - id and no definition: the segment is deleted.
 * The definition is checked as by sg_definition_check, and so are the
 * references between segments: every `segment "x" [= "sub"]` names a
 * segment (and a sub-segment of it) that exists, no chain of references
 * leads back to the segment itself, no two names differ only in case, and
 * no other segment loses what it refers to (a segment deleted or renamed, or
 * a sub-segment dropped, that another one names). Then the segments are
 * reloaded and a full pass writes every change of membership.
 *
 * A new version keeps the segment's kind (rule or exclusive).
 *
 * Errors: ERR_INVALID for the name or the definition (field "name",
 * "rule", "subs[i].rule", ...; a rule's own errors carry its line and
 * column; a change of kind), ERR_EXISTS for a name taken or a reference
 * another segment holds (field "name", "id", "rule" or "subs"), ERR_NOT_FOUND for an
 * unknown id (field "id"). On failure nothing is written (a savepoint of
 * its own) and the engine holds what the store holds again.
 */
struct sg_saved {
    int64_t id, version; /* version 0 after a delete */
    struct sg_pass pass;
};
int sg_engine_save(struct sg_engine *g, struct store *s, int64_t id, const char *name,
                   const json_t *definition, int64_t now, struct sg_saved *out, struct errbuf *e);

/*
 * What a definition (as for sg_definition_check) selects now, over the
 * engine's profiles and the current members of the segments it refers to,
 * without saving anything. sample (the caller's, max_sample long) receives
 * the first members by profile id. The errors of sg_definition_check, and
 * ERR_INVALID for a reference to a segment that does not exist.
 */
struct sg_preview {
    int64_t profiles;                /* live profiles evaluated */
    int64_t count;                   /* of them in the segment (any sub-segment) */
    int nsubs;                       /* an exclusive definition's sub-segments; 0 for a rule */
    int64_t sub_count[SG_MAX_SUBS];  /* per sub-segment, first match winning */
    int64_t *sample;                 /* the caller's array */
    int nsample;
    double seconds;                  /* of evaluation */
};
int sg_engine_preview(struct sg_engine *g, const json_t *definition, int64_t now,
                      int64_t *sample, int max_sample, struct sg_preview *out, struct errbuf *e);

/* Count and the first members of a segment as the engine holds it. */
int sg_engine_count(struct sg_engine *g, int64_t segment_id, int64_t *count);

/*
 * Whether the live profile matches rule at now, in the workspace's zone,
 * with references to other segments read from their current members.
 * ERR_NOT_FOUND when the profile is not live (merged away, unknown). The
 * rule's caches tie it to this engine's world: use one engine per rule.
 */
int sg_engine_eval(struct sg_engine *g, const struct sg_rule *rule, int64_t profile_id,
                   int64_t now, bool *out);

/*
 * The same, with aggregates (orders.count(), events.any(...)) counting only
 * rows from since on: a scenario's goal counts what happened after its run
 * entered.
 */
int sg_engine_eval_since(struct sg_engine *g, const struct sg_rule *rule, int64_t profile_id,
                         int64_t now, int64_t since, bool *out);

/* The workspace's time zone as loaded ("" for UTC); borrowed. */
const char *sg_engine_timezone(const struct sg_engine *g);

/*
 * The segment of that name (case-insensitive): its id and whether it is
 * exclusive. ERR_NOT_FOUND when there is none; ERR_INVALID when sub is not
 * NULL and not one of its sub-segments.
 */
int sg_engine_segment(const struct sg_engine *g, const char *name, const char *sub, int64_t *id,
                      bool *exclusive);

#endif
