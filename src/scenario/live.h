/*
 * live.h — scenarios inside `rondo serve` (issue 6): the scheduler.
 *
 * A thread queues a tick on the writer every interval (default 250 ms); the
 * tick runs on the writer thread, in a transaction of its own, with at most
 * SC_LIVE_BUDGET runs, and queues the next one at once while work is left,
 * so a million due timers go through in batches and ingestion waits at most
 * one batch. The engine is opened on the first tick, once the segment
 * engine (whose world it reads) has loaded.
 *
 * sc_live_catch_up is for a simulated clock: after clock_advance it runs the
 * time-dependent segment pass and then ticks until nothing is due, and
 * returns when that is done, so a test sees every effect of the new time.
 */
#ifndef RONDO_SCENARIO_LIVE_H
#define RONDO_SCENARIO_LIVE_H

#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

struct sc_live;
struct sc_engine;
struct sg_live;
struct writer;

#define SC_LIVE_INTERVAL_MS 250
#define SC_LIVE_BUDGET 5000

/* seg: the segment engine of the same writer (borrowed). */
struct sc_live *sc_live_new(struct sg_live *seg);
/* Stops the scheduler (if running) and frees; after the writer has stopped. */
void sc_live_free(struct sc_live *l);

int sc_live_schedule(struct sc_live *l, struct writer *w, int interval_ms, struct errbuf *e);
/* Stops the scheduler; before the writer stops. Idempotent. */
void sc_live_stop(struct sc_live *l);

/*
 * The engine, opened on first use; on the writer thread only. NULL with e
 * filled when the segment engine is not loaded or the scenarios cannot be read.
 */
struct sc_engine *sc_live_engine(struct sc_live *l, struct store *s, struct errbuf *e);

/*
 * Tick until nothing is due at the current clock (the segment pass over
 * time-dependent segments first). Blocks the calling thread (not the writer)
 * until done. *st: the work done, summed. ERR_BUSY when shutting down.
 */
struct sc_tick;
int sc_live_catch_up(struct sc_live *l, struct sc_tick *st, struct errbuf *e);

/* Ticks so far and their totals, for /metrics and the shutdown log. */
struct sc_live_stats {
    int64_t ticks, entered, advanced, steps, messages, ended;
};
void sc_live_stats(struct sc_live *l, struct sc_live_stats *out);

#endif
