/*
 * eval.h — whether a profile of the world is in a rule (issue 5).
 *
 * Semantics, as docs/segments.md tells users:
 *   - a missing field satisfies no comparison (= != < in, not in alike);
 *     "is not set" asks for it;
 *   - text compares case-insensitively for =, != and in, contains and
 *     starts_with; < and > compare text as bytes;
 *   - money (total_spent, total, price, amount) is in currency units:
 *     the cents the store keeps divided by 100;
 *   - windows ("within 30d") hold the rows from now - 30 days up to now,
 *     both ends included; rows after now (a simulated clock) do not count;
 *   - "anniversary within Nd": the next anniversary of the date, today
 *     included, is fewer than N days away in the workspace's time zone; a
 *     29 February is celebrated on 28 February in other years;
 *   - "consent email": the channel's general statement (no purpose) is an
 *     opt-in, or there is none and some purpose of the channel is opted in;
 *     "consent email for "newsletter"": that purpose is opted in and no
 *     general opt-out stands;
 *   - household.size of a profile without a household is 1;
 *   - "sample p% seed s": a stable hash of the profile id and the seed;
 *   - a moment compared with a date means the whole day in the workspace's
 *     time zone (its offset at the time of evaluation): last_order_at =
 *     "2026-11-01" is any time that day, <= includes it, > starts after it;
 *   - aggregates over orders leave cancelled orders out, unless a filter
 *     names the status; order_lines never include a cancelled order's lines;
 *   - a rule that names a segment that does not exist selects nobody.
 */
#ifndef RONDO_SEGMENT_EVAL_H
#define RONDO_SEGMENT_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "segment/rule.h"
#include "segment/world.h"

struct sg_ctx {
    struct sg_world *world;
    int64_t now;        /* ms since the epoch */
    int64_t today;      /* days since 1970-01-01, in the workspace's time zone */
    int32_t offset_s;   /* that zone's offset from UTC now, seconds east */
    int64_t since;      /* aggregates count only rows from this time on (0: all) */
    /*
     * Membership of another segment: 1 in (and *sub its sub-segment, or
     * NULL), 0 out, -1 when no segment has that name (the rule is then
     * false for everyone).
     */
    int (*member)(void *ctx, const char *segment, uint32_t slot, const char **sub);
    void *member_ctx;
};

/* The day number of now (ms) in the time zone offset_s seconds east of UTC. */
int64_t sg_today(int64_t now_ms, int32_t offset_s);

/*
 * A context for evaluating at now in the IANA zone tz (NULL or "": UTC):
 * today and offset_s set, no member callback.
 */
struct sg_ctx sg_ctx_at(struct sg_world *w, int64_t now, const char *tz);

/* Whether the profile in slot (live) matches the rule. */
bool sg_eval(const struct sg_rule *r, const struct sg_ctx *c, uint32_t slot);

#endif
