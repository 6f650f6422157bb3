/*
 * live.c — the writer thread's segment engine (live.h).
 */
#include "segment/live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/writer.h"

#define SAMPLES 4096 /* latest per-profile pass times kept for the percentiles */

struct live_job {
    struct writer_job job; /* first: the writer hands it back */
    struct sg_live *l;
    bool time_pass;
    atomic_bool busy;
};

struct sg_live {
    struct sg_engine *engine;
    int64_t stamp[4]; /* of the segments the engine holds (store_segment_stamp) */
    /* the schedule: a thread that queues the jobs below */
    struct writer *writer;
    pthread_t thread;
    bool running;
    pthread_mutex_t tick_mu;
    pthread_cond_t tick_cv;
    bool stop;
    int interval_s;
    struct live_job drain, timed;
    int64_t timed_passes;
    pthread_mutex_t mu; /* guards the figures below, read from other threads */
    int64_t passes, profiles, changes;
    double samples[SAMPLES];
    size_t nsamples, next;
    double load_seconds;
};

struct sg_live *sg_live_new(void)
{
    struct sg_live *l = xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->tick_mu, NULL);
    pthread_cond_init(&l->tick_cv, NULL);
    return l;
}

void sg_live_free(struct sg_live *l)
{
    if (!l)
        return;
    sg_live_stop(l);
    struct sg_live_stats st;
    sg_live_stats(l, &st);
    if (st.passes)
        log_info("segments: %lld incremental passes over %lld profiles, %lld changes; per "
                 "profile p50 %.0f us, p99 %.0f us, max %.0f us; %lld scheduled passes",
                 (long long)st.passes, (long long)st.profiles, (long long)st.changes, st.p50_us,
                 st.p99_us, st.max_us, (long long)st.timed_passes);
    sg_engine_free(l->engine);
    pthread_mutex_destroy(&l->mu);
    pthread_mutex_destroy(&l->tick_mu);
    pthread_cond_destroy(&l->tick_cv);
    free(l);
}

/* ---- the schedule ------------------------------------------------------------- */

/* A drain job does nothing itself: the commit hook takes what waits. The timed one passes. */
static int job_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct live_job *j = (struct live_job *)job;
    if (!j->time_pass || !j->l->engine)
        return 0;
    struct sg_pass st;
    int rc = sg_engine_pass(j->l->engine, s, NULL, 0, true, clock_now(), &st, e);
    if (!rc && st.changes)
        log_info("segments: scheduled pass over %lld time-dependent segments: %lld changes in "
                 "%.2f s",
                 (long long)st.segments, (long long)st.changes, st.seconds);
    return rc;
}

static void job_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct live_job *j = (struct live_job *)job;
    if (rc)
        log_warn("segments: %s", e && e->msg[0] ? e->msg : err_str(rc));
    if (j->time_pass && !rc) {
        pthread_mutex_lock(&j->l->mu);
        j->l->timed_passes++;
        pthread_mutex_unlock(&j->l->mu);
    }
    atomic_store(&j->busy, false);
}

static void queue(struct sg_live *l, struct live_job *j)
{
    bool idle = false;
    if (!atomic_compare_exchange_strong(&j->busy, &idle, true))
        return; /* the last one has not run yet */
    memset(&j->job, 0, sizeof(j->job));
    j->job.apply = job_apply;
    j->job.done = job_done;
    if (writer_submit(l->writer, &j->job))
        atomic_store(&j->busy, false);
}

#define DRAIN_MS 1000 /* how often writes of other processes are looked for */

static void *schedule_main(void *arg)
{
    struct sg_live *l = arg;
    int64_t next_timed = clock_mono_us() + (int64_t)l->interval_s * 1000000;
    pthread_mutex_lock(&l->tick_mu);
    while (!l->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += DRAIN_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&l->tick_cv, &l->tick_mu, &until);
        if (l->stop)
            break;
        pthread_mutex_unlock(&l->tick_mu);
        queue(l, &l->drain);
        if (clock_mono_us() >= next_timed) {
            queue(l, &l->timed);
            next_timed = clock_mono_us() + (int64_t)l->interval_s * 1000000;
        }
        pthread_mutex_lock(&l->tick_mu);
    }
    pthread_mutex_unlock(&l->tick_mu);
    return NULL;
}

int sg_live_schedule(struct sg_live *l, struct writer *w, int interval_s, struct errbuf *e)
{
    l->writer = w;
    l->interval_s = interval_s > 0 ? interval_s : SG_LIVE_INTERVAL_DEFAULT;
    l->drain = (struct live_job){.l = l};
    l->timed = (struct live_job){.l = l, .time_pass = true};
    l->stop = false;
    if (pthread_create(&l->thread, NULL, schedule_main, l))
        return err_set(e, ERR_NOMEM, "cannot start the segment schedule");
    l->running = true;
    return 0;
}

void sg_live_stop(struct sg_live *l)
{
    if (!l->running)
        return;
    pthread_mutex_lock(&l->tick_mu);
    l->stop = true;
    pthread_cond_signal(&l->tick_cv);
    pthread_mutex_unlock(&l->tick_mu);
    pthread_join(l->thread, NULL);
    l->running = false;
}

struct sg_engine *sg_live_engine(struct sg_live *l)
{
    return l->engine;
}

int sg_live_on_start(void *ctx, struct store *s, struct errbuf *e)
{
    struct sg_live *l = ctx;
    int64_t t0 = clock_mono_us();
    int rc = store_touch_track(s);
    if (rc)
        return err_set(e, rc, "marking the profiles writes touch: %s", store_last_error(s));
    rc = sg_engine_open(s, &l->engine, e);
    if (rc == ERR_INVALID && l->engine) {
        log_warn("segments: %s", e->msg);
        rc = 0;
    }
    if (rc)
        return rc;
    /* members as they stand now: the workspace may have changed while no server ran */
    struct sg_pass st;
    rc = store_begin(s, e); /* the full pass also takes what writes left meanwhile */
    if (!rc)
        rc = sg_engine_pass(l->engine, s, NULL, 0, false, clock_now(), &st, e);
    rc = rc ? (store_rollback(s), rc) : store_commit(s, e);
    l->load_seconds = (double)(clock_mono_us() - t0) / 1e6;
    if (!rc)
        rc = store_segment_stamp(s, l->stamp);
    if (!rc)
        log_info("segments: %u profiles loaded, %lld segments evaluated, %lld changes, in %.2f s",
                 sg_world_slots(sg_engine_world(l->engine)), (long long)st.segments,
                 (long long)st.changes, l->load_seconds);
    return rc;
}

/*
 * Segments another process created, changed or deleted (`rondo segment
 * update` next to the server): read again, and every profile evaluated.
 */
static int follow_segments(struct sg_live *l, struct store *s, struct errbuf *e)
{
    int64_t stamp[4];
    int rc = store_segment_stamp(s, stamp);
    if (rc)
        return err_set(e, rc, "reading the segments: %s", store_last_error(s));
    if (!memcmp(stamp, l->stamp, sizeof(stamp)))
        return 0;
    memcpy(l->stamp, stamp, sizeof(stamp));
    rc = sg_engine_reload_segments(l->engine, s, e);
    if (rc == ERR_INVALID) {
        log_warn("segments: %s", e->msg);
        err_clear(e);
        rc = 0;
    }
    struct sg_pass st;
    if (!rc)
        rc = sg_engine_pass(l->engine, s, NULL, 0, false, clock_now(), &st, e);
    if (!rc)
        log_info("segments: definitions changed elsewhere: %lld segments evaluated again, "
                 "%lld changes in %.2f s",
                 (long long)st.segments, (long long)st.changes, st.seconds);
    return rc;
}

void sg_live_saved(struct sg_live *l, struct store *s)
{
    if (store_segment_stamp(s, l->stamp))
        memset(l->stamp, 0, sizeof(l->stamp)); /* unknown: the next commit reads them again */
}

int sg_live_before_commit(void *ctx, struct store *s, struct errbuf *e)
{
    struct sg_live *l = ctx;
    int64_t *ids;
    size_t n;
    int rc = l->engine ? follow_segments(l, s, e) : 0;
    if (rc)
        return rc;
    rc = store_touched_take(s, &ids, &n);
    if (rc)
        return err_set(e, rc, "reading the touched profiles: %s", store_last_error(s));
    if (!n || !l->engine) {
        free(ids);
        return 0;
    }
    struct sg_pass st;
    int64_t t0 = clock_mono_us();
    rc = sg_engine_pass(l->engine, s, ids, n, false, clock_now(), &st, e);
    if (rc) /* the writes roll back, the engine's memory does not: read it all again next time */
        memset(l->stamp, 0, sizeof(l->stamp));
    double per = (double)(clock_mono_us() - t0) / (double)n;
    free(ids);
    pthread_mutex_lock(&l->mu);
    l->passes++;
    l->profiles += (int64_t)n;
    l->changes += st.changes;
    l->samples[l->next] = per;
    l->next = (l->next + 1) % SAMPLES;
    if (l->nsamples < SAMPLES)
        l->nsamples++;
    pthread_mutex_unlock(&l->mu);
    return rc;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void sg_live_stats(struct sg_live *l, struct sg_live_stats *out)
{
    memset(out, 0, sizeof(*out));
    double sorted[SAMPLES];
    pthread_mutex_lock(&l->mu);
    out->passes = l->passes;
    out->profiles = l->profiles;
    out->changes = l->changes;
    out->load_seconds = l->load_seconds;
    out->timed_passes = l->timed_passes;
    size_t n = l->nsamples;
    memcpy(sorted, l->samples, n * sizeof(*sorted));
    pthread_mutex_unlock(&l->mu);
    if (!n)
        return;
    qsort(sorted, n, sizeof(*sorted), dbl_cmp);
    out->p50_us = sorted[n / 2];
    out->p99_us = sorted[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
    out->max_us = sorted[n - 1];
}
