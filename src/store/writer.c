/*
 * writer.c — group commit: one thread, one connection, one fsync per group.
 *
 * The queue is a singly linked FIFO under one mutex. The thread swaps the
 * whole queue out at once, so requests that arrive while a group commits
 * form the next group: the busier the server, the larger the groups.
 */
#include "store/writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"

/* Checkpoint after this many commits; the writer's own autocheckpoint is a safety valve. */
#define CKPT_EVERY_COMMITS 8
#define WRITER_AUTOCHECKPOINT_PAGES 32768
/* Identities the writer remembers (about 100 bytes each). */
#define WRITER_IDENTITY_CACHE 500000

struct writer {
    struct store *store;
    struct store *ckpt_store; /* the checkpointer's own connection */
    pthread_t thread, ckpt_thread;
    pthread_cond_t ckpt_cv;
    unsigned commits_since_ckpt;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct writer_job *head, *tail;
    size_t depth;
    bool stopping, stopped;
    struct writer_stats stats;
};

static void run_group(struct writer *w, struct writer_job *jobs, size_t n)
{
    struct errbuf e = {{0}, {0}};
    int64_t t0 = clock_mono_us();
    int rc = store_begin(w->store, &e);
    for (struct writer_job *j = jobs; j && !rc; j = j->next) {
        err_clear(&j->err);
        j->rc = store_savepoint(w->store, &j->err);
        if (!j->rc)
            j->rc = j->apply(w->store, j, &j->err);
        if (!j->rc)
            j->rc = store_savepoint_release(w->store, &j->err);
        if (j->rc)
            store_savepoint_rollback(w->store); /* a failed job leaves nothing behind */
    }
    if (!rc && w->stats.before_commit) {
        /* derived state (segment members): its failure never costs the jobs their commit */
        struct errbuf he = {{0}, {0}};
        int hrc = store_savepoint(w->store, &he);
        if (!hrc)
            hrc = w->stats.before_commit(w->stats.hook_ctx, w->store, &he);
        if (!hrc)
            hrc = store_savepoint_release(w->store, &he);
        if (hrc) {
            store_savepoint_rollback(w->store);
            log_warn("writer: after the writes of this commit: %s",
                     he.msg[0] ? he.msg : err_str(hrc));
        }
    }
    if (!rc)
        rc = store_commit(w->store, &e);
    if (rc)
        store_rollback(w->store);
    if (w->stats.on_commit)
        w->stats.on_commit(w->stats.ctx, clock_mono_us() - t0, n);
    pthread_mutex_lock(&w->mu);
    if (++w->commits_since_ckpt >= CKPT_EVERY_COMMITS)
        pthread_cond_signal(&w->ckpt_cv);
    pthread_mutex_unlock(&w->mu);
    struct writer_job *j = jobs;
    while (j) {
        struct writer_job *next = j->next;
        if (rc)
            j->done(j, rc, &e);
        else
            j->done(j, j->rc, &j->err);
        j = next;
    }
}

/*
 * Checkpoints run on their own thread and connection, so a commit never waits
 * for the WAL to be copied into the database: every few commits, or every
 * 200 ms when there were any.
 */
static void *checkpointer_main(void *arg)
{
    struct writer *w = arg;
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
    pthread_mutex_lock(&w->mu);
    while (!w->stopped) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (w->commits_since_ckpt < CKPT_EVERY_COMMITS)
            pthread_cond_timedwait(&w->ckpt_cv, &w->mu, &until);
        if (!w->commits_since_ckpt)
            continue;
        w->commits_since_ckpt = 0;
        pthread_mutex_unlock(&w->mu);
        store_checkpoint(w->ckpt_store);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    /* The writer is the bottleneck: let it run before parsing threads when cores are short. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -5);
    if (w->stats.on_start) {
        struct errbuf e = {{0}, {0}};
        int rc = w->stats.on_start(w->stats.hook_ctx, w->store, &e);
        if (rc)
            log_warn("writer: starting: %s", e.msg[0] ? e.msg : err_str(rc));
    }
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->head && w->stopping)
            break;
        struct writer_job *jobs = w->head;
        size_t n = w->depth;
        w->head = w->tail = NULL;
        w->depth = 0;
        pthread_mutex_unlock(&w->mu);
        run_group(w, jobs, n);
        pthread_mutex_lock(&w->mu);
    }
    w->stopped = true;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int writer_new(const char *path, const struct writer_stats *stats, struct writer **out,
               struct errbuf *e)
{
    struct writer *w = xcalloc(1, sizeof(*w));
    int rc = store_open(path, 0, &w->store, e);
    if (!rc)
        rc = store_open(path, 0, &w->ckpt_store, e);
    if (rc)
        goto out_close;
    store_set_autocheckpoint(w->store, WRITER_AUTOCHECKPOINT_PAGES);
    store_cache_identities(w->store, WRITER_IDENTITY_CACHE);
    store_set_autocheckpoint(w->ckpt_store, 0);
    if (stats)
        w->stats = *stats;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->ckpt_cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w)) {
        rc = err_set(e, ERR_IO, "cannot start the writer thread");
        goto out_destroy;
    }
    if (pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w))
        BUG("cannot start the checkpointer thread");
    *out = w;
    return 0;

out_destroy:
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->ckpt_cv);
out_close:
    store_close(w->store);
    store_close(w->ckpt_store);
    free(w);
    return rc;
}

int writer_submit(struct writer *w, struct writer_job *job)
{
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        return ERR_BUSY;
    }
    job->next = NULL;
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->depth++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

size_t writer_depth(struct writer *w)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->depth;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void writer_stop(struct writer *w)
{
    pthread_mutex_lock(&w->mu);
    bool joined = w->stopping;
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (joined)
        return;
    pthread_join(w->thread, NULL);
    pthread_mutex_lock(&w->mu);
    pthread_cond_signal(&w->ckpt_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->ckpt_thread, NULL);
    store_checkpoint(w->ckpt_store);
}

void writer_free(struct writer *w)
{
    if (!w)
        return;
    writer_stop(w);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->ckpt_cv);
    store_close(w->store);
    store_close(w->ckpt_store);
    free(w);
}
