/*
 * live.h — segments kept current inside `rondo serve` (issue 5). The
 * engine belongs to the writer thread: it is loaded when the writer starts,
 * and after the jobs of every commit group it re-evaluates the segments for
 * the profiles due for it (store_touched_take: those jobs' profiles, and
 * any that another process wrote meanwhile), in the same transaction, so a
 * membership never lags a write that committed.
 *
 * Jobs that change segments (the API's create, update, delete) and the
 * scheduled pass run on the writer thread too, through sg_live_engine.
 */
#ifndef RONDO_SEGMENT_LIVE_H
#define RONDO_SEGMENT_LIVE_H

#include <stdint.h>

#include "base/err.h"
#include "segment/engine.h"
#include "store/store.h"

struct sg_live;
struct writer;

#define SG_LIVE_INTERVAL_DEFAULT 900 /* seconds between passes over time-dependent segments */

struct sg_live *sg_live_new(void);
/* Stops the schedule (if running) and frees; after the writer has stopped. */
void sg_live_free(struct sg_live *l);

/*
 * Starts the schedule: every second a job that lets the commit hook take
 * profiles other processes wrote (a `rondo import` next to the server),
 * and every interval_s (0: the default) a pass over the segments whose
 * rules read the time ("within 90d": people leave them without writing).
 */
int sg_live_schedule(struct sg_live *l, struct writer *w, int interval_s, struct errbuf *e);

/* Stops the schedule; before the writer stops. Idempotent. */
void sg_live_stop(struct sg_live *l);

/* Writer hooks (struct writer_stats): ctx is the sg_live. */
int sg_live_on_start(void *ctx, struct store *s, struct errbuf *e);
int sg_live_before_commit(void *ctx, struct store *s, struct errbuf *e);

/*
 * After the writer thread itself saved a segment (the API): the engine holds
 * the definitions already; without this, the next commit would read them
 * all again as if another process had changed them.
 */
void sg_live_saved(struct sg_live *l, struct store *s);

/* The engine, on the writer thread only; NULL when it failed to load. */
struct sg_engine *sg_live_engine(struct sg_live *l);

/* Incremental passes so far and their time per touched profile, in µs (p50, p99, max). */
struct sg_live_stats {
    int64_t passes, profiles, changes;
    double p50_us, p99_us, max_us; /* per profile */
    double load_seconds;
    int64_t timed_passes;
};
void sg_live_stats(struct sg_live *l, struct sg_live_stats *out);

#endif
