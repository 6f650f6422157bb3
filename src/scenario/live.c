/*
 * live.c — the scenario scheduler inside `rondo serve` (live.h).
 *
 * Two jobs go to the writer: the periodic tick (at most one queued at a
 * time) and the catch-up a clock advance asks for (one at a time, under
 * catch_mu). Each tick first lets the segment engine take the profiles
 * written since the last commit, so that conditions and goals read a world
 * that holds every committed write, including those of the same group.
 */
#include "scenario/live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "scenario/engine.h"
#include "segment/engine.h"
#include "segment/live.h"
#include "store/writer.h"

struct tick_job {
    struct writer_job job; /* first: the writer hands it back */
    struct sc_live *l;
    atomic_bool busy;
    bool more; /* set by apply (writer thread): the last tick left work */
    /* catch-up only */
    bool catch_up;
    int rc;
    struct errbuf err;
    struct sc_tick sum;
    bool finished; /* set by done, after the commit, under mu */
};

struct sc_live {
    struct sg_live *seg;
    struct sc_engine *engine;
    struct writer *writer;
    pthread_t thread;
    bool running, stop;
    int interval_ms;
    pthread_mutex_t mu; /* guards stop, the stats and the catch-up's finished flag */
    pthread_cond_t cv;       /* the scheduler's sleep */
    pthread_cond_t catch_cv; /* a catch-up's end */
    pthread_mutex_t catch_mu; /* one catch-up at a time */
    struct tick_job tick, catch;
    struct sc_live_stats stats;
};

struct sc_live *sc_live_new(struct sg_live *seg)
{
    struct sc_live *l = xcalloc(1, sizeof(*l));
    l->seg = seg;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    pthread_cond_init(&l->catch_cv, NULL);
    pthread_mutex_init(&l->catch_mu, NULL);
    return l;
}

void sc_live_free(struct sc_live *l)
{
    if (!l)
        return;
    sc_live_stop(l);
    if (l->stats.ticks)
        log_info("scenarios: %lld ticks: %lld runs entered, %lld advanced, %lld steps, %lld "
                 "messages, %lld ended",
                 (long long)l->stats.ticks, (long long)l->stats.entered,
                 (long long)l->stats.advanced, (long long)l->stats.steps,
                 (long long)l->stats.messages, (long long)l->stats.ended);
    sc_engine_free(l->engine);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    pthread_cond_destroy(&l->catch_cv);
    pthread_mutex_destroy(&l->catch_mu);
    free(l);
}

struct sc_engine *sc_live_engine(struct sc_live *l, struct store *s, struct errbuf *e)
{
    if (l->engine)
        return l->engine;
    struct sg_engine *sg = sg_live_engine(l->seg);
    if (!sg) {
        err_set(e, ERR_BUSY, "the segment engine is not loaded");
        return NULL;
    }
    if (sc_engine_open(s, sg, &l->engine, e))
        l->engine = NULL;
    return l->engine;
}

static void add(struct sc_tick *sum, const struct sc_tick *t)
{
    sum->entered += t->entered;
    sum->advanced += t->advanced;
    sum->steps += t->steps;
    sum->messages += t->messages;
    sum->ended += t->ended;
}

static void count(struct sc_live *l, const struct sc_tick *t)
{
    pthread_mutex_lock(&l->mu);
    l->stats.ticks++;
    l->stats.entered += t->entered;
    l->stats.advanced += t->advanced;
    l->stats.steps += t->steps;
    l->stats.messages += t->messages;
    l->stats.ended += t->ended;
    pthread_mutex_unlock(&l->mu);
}

/* One tick in the job's transaction; the world first brought up to date. */
static int tick_once(struct sc_live *l, struct store *s, struct sc_tick *st, struct errbuf *e)
{
    int rc = sg_live_before_commit(l->seg, s, e);
    if (rc)
        return rc;
    struct sc_engine *g = sc_live_engine(l, s, e);
    if (!g)
        return ERR_BUSY;
    rc = sc_engine_tick(g, s, clock_now(), SC_LIVE_BUDGET, st, e);
    if (!rc)
        count(l, st);
    return rc;
}

static int tick_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct tick_job *j = (struct tick_job *)job;
    struct sc_tick st;
    j->more = false;
    int rc = tick_once(j->l, s, &st, e);
    if (rc == ERR_BUSY) /* not loaded yet: the next tick */
        return 0;
    if (!rc && j->catch_up)
        add(&j->sum, &st);
    j->more = !rc && st.more;
    return rc;
}

static void queue(struct sc_live *l, struct tick_job *j);

static void tick_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct tick_job *j = (struct tick_job *)job;
    struct sc_live *l = j->l;
    if (rc)
        log_warn("scenarios: %s", e && e->msg[0] ? e->msg : err_str(rc));
    if (!j->catch_up) {
        bool more = !rc && j->more;
        atomic_store(&j->busy, false);
        if (more) /* work left: the next batch at once */
            queue(l, j);
        return;
    }
    /* a catch-up: committed now; go on, or tell the waiter */
    pthread_mutex_lock(&l->mu);
    bool again = !rc && j->more && !l->stop;
    if (!again) {
        j->rc = rc;
        if (rc && e)
            j->err = *e;
        j->finished = true;
        pthread_cond_broadcast(&l->catch_cv);
    }
    pthread_mutex_unlock(&l->mu);
    if (!again)
        return;
    memset(&j->job, 0, sizeof(j->job));
    j->job.apply = tick_apply;
    j->job.done = tick_done;
    if (writer_submit(l->writer, &j->job)) {
        pthread_mutex_lock(&l->mu);
        j->rc = ERR_BUSY;
        j->finished = true;
        pthread_cond_broadcast(&l->catch_cv);
        pthread_mutex_unlock(&l->mu);
    }
}

static void queue(struct sc_live *l, struct tick_job *j)
{
    bool idle = false;
    if (!atomic_compare_exchange_strong(&j->busy, &idle, true))
        return;
    memset(&j->job, 0, sizeof(j->job));
    j->job.apply = tick_apply;
    j->job.done = tick_done;
    if (writer_submit(l->writer, &j->job))
        atomic_store(&j->busy, false);
}

static void *schedule_main(void *arg)
{
    struct sc_live *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)l->interval_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&l->cv, &l->mu, &until);
        if (l->stop)
            break;
        pthread_mutex_unlock(&l->mu);
        queue(l, &l->tick);
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int sc_live_schedule(struct sc_live *l, struct writer *w, int interval_ms, struct errbuf *e)
{
    l->writer = w;
    l->interval_ms = interval_ms > 0 ? interval_ms : SC_LIVE_INTERVAL_MS;
    l->tick = (struct tick_job){.l = l};
    l->stop = false;
    if (pthread_create(&l->thread, NULL, schedule_main, l))
        return err_set(e, ERR_NOMEM, "cannot start the scenario scheduler");
    l->running = true;
    return 0;
}

void sc_live_stop(struct sc_live *l)
{
    if (!l->running)
        return;
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    l->running = false;
}

/* The first round of a catch-up: the segments that read the time, then ticks. */
static int catch_first_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct tick_job *j = (struct tick_job *)job;
    struct sg_engine *sg = sg_live_engine(j->l->seg);
    if (sg) {
        struct sg_pass ps;
        int rc = sg_engine_pass(sg, s, NULL, 0, true, clock_now(), &ps, e);
        if (rc)
            return rc;
    }
    return tick_apply(s, job, e);
}

int sc_live_catch_up(struct sc_live *l, struct sc_tick *st, struct errbuf *e)
{
    pthread_mutex_lock(&l->catch_mu);
    struct tick_job *j = &l->catch;
    memset(j, 0, sizeof(*j));
    j->l = l;
    j->catch_up = true;
    j->job.apply = catch_first_apply;
    j->job.done = tick_done;
    int rc = l->writer ? writer_submit(l->writer, &j->job) : ERR_BUSY;
    if (!rc) {
        pthread_mutex_lock(&l->mu);
        while (!j->finished)
            pthread_cond_wait(&l->catch_cv, &l->mu);
        pthread_mutex_unlock(&l->mu);
        rc = j->rc;
        if (rc && e)
            *e = j->err;
        if (st)
            *st = j->sum;
    } else {
        err_set(e, ERR_BUSY, "the server is shutting down");
    }
    pthread_mutex_unlock(&l->catch_mu);
    return rc;
}

void sc_live_stats(struct sc_live *l, struct sc_live_stats *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->stats;
    pthread_mutex_unlock(&l->mu);
}
