/*
 * handoff.h — the messages that people deliver (issue 7, items 7 and 8):
 * letters, gathered into a day's batch for a mail house, and calls, listed
 * for the call centre with the person's context, whose outcome comes back
 * as an event.
 *
 * A scenario's send step keeps letters and calls in the outbox ("stored").
 * From there a letter is "batched" (in a batch's files) or
 * "merged_household" (another letter of its household and template went
 * that day), and a call is "called" once an outcome closes it. The CLI
 * (rondo letters, rondo calls) and the API (h_outbox.c) both go through
 * these functions. Writes happen inside the caller's transaction.
 */
#ifndef RONDO_HANDOFF_H
#define RONDO_HANDOFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/*
 * A day "YYYY-MM-DD" (a real calendar date) as the ms of its midnight UTC.
 * ERR_INVALID naming the field "date".
 */
int handoff_day(const char *text, int64_t *day, struct errbuf *e);

/* The directory of a workspace's batches of a day: "<db_path>.letters/YYYY-MM-DD". Caller frees. */
char *handoff_batch_dir(const char *db_path, int64_t day);

/*
 * Every letter made on the day (UTC), any status, by profile then id:
 * [{id, profile_id, status, batch, household_id, template, scenario_id,
 * scenario, name, street_line, postal_code, city, country, subject,
 * created_at}]. batch is the number of the batch it went out in, or null.
 * Caller decrefs *out.
 */
int handoff_letters(struct store *s, int64_t day, json_t **out, struct errbuf *e);

/* What handoff_batch did. Release with handoff_batch_release. */
struct handoff_batch {
    int64_t batch;   /* the batch's number; 0 when no letter was left to batch */
    int64_t letters; /* letters in it */
    int64_t merged;  /* letters that became merged_household */
    json_t *files;   /* the names of the files written in dir, the CSV first */
    char *dir;       /* where (a copy) */
};

/*
 * Batch the day's letters still in the outbox (status "stored", made that
 * day in UTC, not in a batch): write into dir (created when missing) a CSV
 * of their address blocks and one print-ready A4 HTML page per letter,
 * then mark each "batched" with "batch N" in its history. The CSV is
 * letters.csv, or letters-N.csv when an earlier batch of the day left one
 * there (a file is never overwritten). With per_household, one letter per
 * household (profiles.household_id) and template goes out a day: the first
 * by profile id, unless one went in an earlier batch of the day; the others
 * become "merged_household". Batch numbers count up per workspace. Files
 * are synced before it returns; on failure nothing is left of them. When
 * the caller's transaction does not commit, handoff_batch_discard removes
 * the files.
 */
int handoff_batch(struct store *s, int64_t day, bool per_household, const char *dir, int64_t now,
                  struct handoff_batch *out, struct errbuf *e);

/* Remove the files of a batch whose transaction did not commit. */
void handoff_batch_discard(struct handoff_batch *b);

/* Free what a batch holds; accepts a zeroed one. */
void handoff_batch_release(struct handoff_batch *b);

/* The outcomes a call can have; NULL-terminated. */
extern const char *const handoff_outcomes[];

/*
 * The call list: calls with status "stored" (status "open"), "called"
 * ("closed") or both ("all"), with id > after, by id, at most limit (<= 0:
 * all): [{id, profile_id, name, first_name, last_name, phone, status,
 * attempts, scenario_id, scenario, template, subject, script, created_at,
 * context: {lifecycle_stage, orders, last_order: {date, total, currency} or
 * null}}]. ERR_INVALID naming "status" for another status. Caller decrefs.
 */
int handoff_calls(struct store *s, const char *status, int64_t after, int limit, json_t **out,
                  struct errbuf *e);

/* The call list as CSV (RFC 4180, a header row, CRLF), appended to out. 0 or ERR_TOO_BIG. */
int handoff_calls_csv(const json_t *calls, struct buf *out);

/*
 * Record a call's outcome (one of handoff_outcomes; note and agent may be
 * NULL): "reached", "wrong_number" and "declined" close the call (status
 * "called"); "no_answer" and "callback" leave it open. Either way the
 * attempt is counted and noted in the message's history, and the person
 * gets a profile event "Call Outcome" {message_id, outcome, note, agent}
 * (source "rondo"). ERR_INVALID naming "outcome"; ERR_NOT_FOUND naming "id"
 * for an unknown message, one that is not a call or one to a person who was
 * erased; ERR_EXISTS when the call is closed (or was never open).
 */
int handoff_call_outcome(struct store *s, int64_t message_id, const char *outcome, const char *note,
                         const char *agent, int64_t now, struct errbuf *e);

/* Append one CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
int handoff_csv_field(struct buf *b, const char *s);

#endif
