/*
 * writer.h — the single writer thread with group commit.
 *
 * SQLite has one writer. Every write in rondo is a job handed to the writer
 * thread, which takes all jobs waiting, runs each inside its own savepoint of
 * one transaction, commits once (fsync), and only then calls each job's done
 * callback. So an acknowledgement always follows a durable commit, and many
 * requests share one fsync.
 */
#ifndef RONDO_WRITER_H
#define RONDO_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

struct writer_job {
    /* Runs on the writer thread inside a transaction; 0 or ERR_*. Undone alone on failure. */
    int (*apply)(struct store *s, struct writer_job *job, struct errbuf *e);
    /* Runs on the writer thread after the commit (rc 0) or failure; may free the job. */
    void (*done)(struct writer_job *job, int rc, const struct errbuf *e);
    struct writer_job *next; /* private to the writer */
    int rc;                  /* private */
    struct errbuf err;       /* private */
};

struct writer_stats {
    void (*on_commit)(void *ctx, int64_t usec, size_t jobs); /* optional */
    /*
     * Optional: runs on the writer thread after a group's jobs, inside their
     * transaction and a savepoint of its own, before the commit (the segment
     * engine keeps members current here). A failure is logged and undone
     * alone; the jobs still commit.
     */
    int (*before_commit)(void *ctx, struct store *s, struct errbuf *e);
    /* Optional: runs on the writer thread once, before the first group (load state). */
    int (*on_start)(void *ctx, struct store *s, struct errbuf *e);
    void *hook_ctx; /* the ctx of before_commit and on_start */
    void *ctx;
};

struct writer;

/* Open its own connection to path and start the thread. Caller frees with writer_free. */
int writer_new(const char *path, const struct writer_stats *stats, struct writer **out,
               struct errbuf *e);

/* Queue a job. ERR_BUSY once writer_stop was called (the job is not taken). */
int writer_submit(struct writer *w, struct writer_job *job);

/* Jobs waiting for the writer. */
size_t writer_depth(struct writer *w);

/* Refuse new jobs, finish and commit every queued one, stop the thread. Idempotent. */
void writer_stop(struct writer *w);

/* Stop (if needed) and free; accepts NULL. */
void writer_free(struct writer *w);

#endif
