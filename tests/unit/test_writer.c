/*
 * test_writer.c — the single writer with group commit, on a real temp store.
 *
 * Jobs submitted from several threads are all applied and committed, and
 * each done callback runs exactly once, after its commit (the row is already
 * visible to another connection). A failing job is rolled back alone while
 * the others in its group commit. writer_stop finishes every queued job, and
 * writer_submit after it returns ERR_BUSY without taking the job.
 *
 * Each job writes one quarantine row whose reason is "job-<n>", so a separate
 * SQLite connection can see what was committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "base/clock.h"
#include "store/writer.h"
#include "testdb.h"

#define MAX_JOBS 512
#define THREADS 8
#define JOBS_PER_THREAD 50

struct ctx {
    struct testdb db;
    sqlite3 *reader; /* used only by done callbacks, i.e. on the writer thread */
    sqlite3_stmt *count_stmt;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;                /* done callbacks so far */
    bool blocker_started, release_blocker;
    /* per job number */
    int done_calls[MAX_JOBS];
    int rc[MAX_JOBS];
    char field[MAX_JOBS][128];
    bool visible[MAX_JOBS]; /* its row was committed when done ran */
    /* from on_commit */
    size_t commits, committed_jobs, last_group;
};

struct tjob {
    struct writer_job job;
    struct ctx *ctx;
    int n;
    bool fail, block;
};

static struct tjob *job_of(struct writer_job *j)
{
    return (struct tjob *)((char *)j - offsetof(struct tjob, job));
}

static int job_apply(struct store *s, struct writer_job *j, struct errbuf *e)
{
    struct tjob *t = job_of(j);
    struct ctx *c = t->ctx;
    if (t->block) {
        pthread_mutex_lock(&c->mu);
        c->blocker_started = true;
        pthread_cond_broadcast(&c->cv);
        while (!c->release_blocker)
            pthread_cond_wait(&c->cv, &c->mu);
        pthread_mutex_unlock(&c->mu);
    }
    char reason[32];
    snprintf(reason, sizeof(reason), "job-%d", t->n);
    int rc = store_quarantine_add(s, "writer-test", "job", reason, NULL, reason, strlen(reason),
                                  clock_now());
    if (rc)
        return err_set(e, rc, "insert failed");
    if (t->fail)
        return err_field(e, ERR_INVALID, "job.fail", "job %d fails on purpose", t->n);
    return 0;
}

static bool row_visible(struct ctx *c, int n)
{
    char reason[32];
    snprintf(reason, sizeof(reason), "job-%d", n);
    sqlite3_reset(c->count_stmt);
    sqlite3_bind_text(c->count_stmt, 1, reason, -1, SQLITE_TRANSIENT);
    bool seen = sqlite3_step(c->count_stmt) == SQLITE_ROW &&
                sqlite3_column_int(c->count_stmt, 0) == 1;
    sqlite3_reset(c->count_stmt);
    return seen;
}

/* Records the outcome, then frees the job: the writer must not touch it afterwards. */
static void job_done(struct writer_job *j, int rc, const struct errbuf *e)
{
    struct tjob *t = job_of(j);
    struct ctx *c = t->ctx;
    int n = t->n;
    bool visible = row_visible(c, n);
    pthread_mutex_lock(&c->mu);
    c->done_calls[n]++;
    c->rc[n] = rc;
    snprintf(c->field[n], sizeof(c->field[n]), "%s", e ? e->field : "");
    c->visible[n] = visible;
    c->done++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    free(t);
}

static void on_commit(void *arg, int64_t usec, size_t jobs)
{
    struct ctx *c = arg;
    (void)usec;
    pthread_mutex_lock(&c->mu);
    c->commits++;
    c->committed_jobs += jobs;
    c->last_group = jobs;
    pthread_mutex_unlock(&c->mu);
}

static struct tjob *new_job(struct ctx *c, int n)
{
    struct tjob *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->job.apply = job_apply;
    t->job.done = job_done;
    t->ctx = c;
    t->n = n;
    return t;
}

/* Wait until `target` done callbacks have run; fails after 30 s instead of hanging. */
static void wait_done(struct ctx *c, int target)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&c->mu);
    int rc = 0;
    while (c->done < target && rc == 0)
        rc = pthread_cond_timedwait(&c->cv, &c->mu, &until);
    int done = c->done;
    pthread_mutex_unlock(&c->mu);
    if (done < target)
        fail_msg("only %d of %d jobs done after 30 s", done, target);
}

static void wait_blocker_started(struct ctx *c)
{
    pthread_mutex_lock(&c->mu);
    while (!c->blocker_started)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static void release_blocker(struct ctx *c)
{
    pthread_mutex_lock(&c->mu);
    c->release_blocker = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int64_t rows(struct ctx *c)
{
    return testdb_sql_int(c->db.path, "SELECT count(*) FROM quarantine WHERE kind = 'job'", 0);
}

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c || testdb_new(&c->db))
        return -1;
    struct store *s = NULL;
    struct errbuf e = {{0}, {0}};
    if (store_open(c->db.path, STORE_CREATE | STORE_MIGRATE, &s, &e))
        return -1;
    store_close(s);
    if (sqlite3_open_v2(c->db.path, &c->reader, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->reader, "SELECT count(*) FROM quarantine WHERE reason = ?", -1,
                           &c->count_stmt, NULL) != SQLITE_OK)
        return -1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    sqlite3_finalize(c->count_stmt);
    sqlite3_close(c->reader);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    testdb_free(&c->db);
    free(c);
    return 0;
}

static struct writer *start(struct ctx *c)
{
    struct writer *w = NULL;
    struct errbuf e = {{0}, {0}};
    struct writer_stats stats = {.on_commit = on_commit, .ctx = c};
    if (writer_new(c->db.path, &stats, &w, &e))
        fail_msg("writer_new: %s", e.msg);
    return w;
}

/* ---- many threads ------------------------------------------------------------ */

struct submitter {
    pthread_t thread;
    struct writer *w;
    struct ctx *c;
    int first;
    int failures; /* submits that did not return 0 */
};

static void *submit_many(void *arg)
{
    struct submitter *sub = arg;
    for (int i = 0; i < JOBS_PER_THREAD; i++) {
        struct tjob *t = calloc(1, sizeof(*t));
        if (!t) {
            sub->failures++;
            continue;
        }
        t->job.apply = job_apply;
        t->job.done = job_done;
        t->ctx = sub->c;
        t->n = sub->first + i;
        if (writer_submit(sub->w, &t->job)) {
            free(t);
            sub->failures++;
        }
    }
    return NULL;
}

static void test_jobs_from_many_threads(void **state)
{
    struct ctx *c = *state;
    struct writer *w = start(c);
    struct submitter subs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        subs[i] = (struct submitter){.w = w, .c = c, .first = i * JOBS_PER_THREAD};
        assert_int_equal(pthread_create(&subs[i].thread, NULL, submit_many, &subs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(subs[i].thread, NULL);
        assert_int_equal(subs[i].failures, 0);
    }
    const int total = THREADS * JOBS_PER_THREAD;
    wait_done(c, total);
    writer_free(w);

    for (int n = 0; n < total; n++) {
        if (c->done_calls[n] != 1 || c->rc[n] != 0 || !c->visible[n])
            fail_msg("job %d: done called %d times, rc %d, committed before done: %s", n,
                     c->done_calls[n], c->rc[n], c->visible[n] ? "yes" : "no");
    }
    assert_int_equal(c->done, total); /* and no callback after the wait */
    assert_int_equal(rows(c), total);
    assert_int_equal(c->committed_jobs, (size_t)total);
    assert_true(c->commits >= 1 && c->commits <= (size_t)total);
}

/* ---- a failing job in a group ------------------------------------------------- */

static void test_failing_job_rolled_back_alone(void **state)
{
    struct ctx *c = *state;
    struct writer *w = start(c);

    /* Hold the writer inside a first job so the next three queue up and form one group. */
    struct tjob *blocker = new_job(c, 0);
    blocker->block = true;
    assert_int_equal(writer_submit(w, &blocker->job), 0);
    wait_blocker_started(c);

    struct tjob *a = new_job(c, 1), *b = new_job(c, 2), *d = new_job(c, 3);
    b->fail = true;
    assert_int_equal(writer_submit(w, &a->job), 0);
    assert_int_equal(writer_submit(w, &b->job), 0);
    assert_int_equal(writer_submit(w, &d->job), 0);
    assert_int_equal(writer_depth(w), 3);
    release_blocker(c);
    wait_done(c, 4);
    assert_int_equal(writer_depth(w), 0);

    pthread_mutex_lock(&c->mu);
    size_t last_group = c->last_group, commits = c->commits;
    pthread_mutex_unlock(&c->mu);
    assert_int_equal(commits, 2);
    assert_int_equal(last_group, 3); /* a, b and d shared one transaction */

    for (int n = 0; n < 4; n++)
        assert_int_equal(c->done_calls[n], 1);
    assert_int_equal(c->rc[1], 0);
    assert_true(c->visible[1]);
    assert_int_equal(c->rc[3], 0);
    assert_true(c->visible[3]);
    /* the failing job gets its own error, and its write is undone */
    assert_int_equal(c->rc[2], ERR_INVALID);
    assert_string_equal(c->field[2], "job.fail");
    assert_false(c->visible[2]);
    assert_int_equal(testdb_sql_int(c->db.path,
                                    "SELECT count(*) FROM quarantine WHERE reason = 'job-2'", 0),
                     0);
    assert_int_equal(rows(c), 3);
    writer_free(w);
}

/* ---- stopping ------------------------------------------------------------------- */

static void *stop_thread(void *arg)
{
    writer_stop(arg);
    return NULL;
}

static void test_stop_drains_then_refuses(void **state)
{
    struct ctx *c = *state;
    struct writer *w = start(c);

    struct tjob *blocker = new_job(c, 0);
    blocker->block = true;
    assert_int_equal(writer_submit(w, &blocker->job), 0);
    wait_blocker_started(c);
    const int queued = 20;
    for (int n = 1; n <= queued; n++)
        assert_int_equal(writer_submit(w, &new_job(c, n)->job), 0);

    /* Stop from another thread while those 20 wait; probe until submits are refused. */
    pthread_t stopper;
    assert_int_equal(pthread_create(&stopper, NULL, stop_thread, w), 0);
    int n = queued + 1, rc = 0;
    for (; n < MAX_JOBS - 2; n++) {
        struct tjob *probe = new_job(c, n);
        rc = writer_submit(w, &probe->job);
        if (rc) {
            free(probe); /* not taken: still ours */
            break;
        }
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    const int accepted = n; /* job numbers 0 .. n-1 were taken */
    release_blocker(c); /* before any assert, so a failure cannot leave the writer blocked */
    pthread_join(stopper, NULL);
    assert_int_equal(rc, ERR_BUSY);

    /* every job taken before the stop was applied, committed and acknowledged once */
    assert_int_equal(c->done, accepted);
    for (int k = 0; k < accepted; k++) {
        assert_int_equal(c->done_calls[k], 1);
        assert_int_equal(c->rc[k], 0);
        assert_true(c->visible[k]);
    }
    assert_int_equal(c->done_calls[accepted], 0); /* the refused one never ran */
    assert_int_equal(rows(c), accepted);

    /* still refused after the thread has stopped; stopping again is harmless */
    struct tjob *late = new_job(c, accepted + 1);
    assert_int_equal(writer_submit(w, &late->job), ERR_BUSY);
    free(late);
    writer_stop(w);
    assert_int_equal(writer_depth(w), 0);
    writer_free(w);
    assert_int_equal(c->done, accepted);
}

static void test_new_needs_workspace(void **state)
{
    struct ctx *c = *state;
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/missing.db", c->db.dir);
    struct writer *w = NULL;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(writer_new(missing, NULL, &w, &e), ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "rondo init"));
    writer_free(NULL);

    /* without stats, a writer works as well */
    assert_int_equal(writer_new(c->db.path, NULL, &w, &e), 0);
    assert_int_equal(writer_submit(w, &new_job(c, 7)->job), 0);
    wait_done(c, 1);
    writer_free(w);
    assert_int_equal(c->rc[7], 0);
    assert_int_equal(rows(c), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jobs_from_many_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_job_rolled_back_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_drains_then_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_needs_workspace, setup, teardown),
    };
    return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
