/*
 * h_outbox.c — letters and calls, the messages people deliver (issue 7,
 * items 7 and 8; channel/handoff.h does the work, as for the CLI):
 *
 *   GET  /api/v1/letters?date=YYYY-MM-DD      the day's letters, any status
 *   POST /api/v1/letters/batches              {"date", "per_household"}: the day's
 *                                             letters still in the outbox, written
 *                                             into <db>.letters/<date>/ and marked
 *   GET  /api/v1/calls?status=open&format=csv the call list with each person's context
 *   POST /api/v1/calls/{id}/outcome           {"outcome", "note", "agent"}
 *
 * Marketer and admin keys. The date defaults to the server's today (UTC).
 * Writes go through the writer thread; a batch writes its files there too,
 * inside the transaction that marks its letters, and removes them when
 * that transaction does not commit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "channel/handoff.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/store.h"
#include "store/writer.h"

#define CALLS_DEFAULT_LIMIT 1000
#define CALLS_MAX_LIMIT 100000
#define NOTE_MAX 2000
#define AGENT_MAX 200

/* Today (UTC) by the server's clock, as handoff_day gives a day. */
static int64_t today(void)
{
    int64_t now = clock_now();
    return now - ((now % 86400000) + 86400000) % 86400000;
}

static void day_string(int64_t day, char out[11])
{
    char iso[32];
    time_format_iso8601(day, iso, sizeof iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

/* The day of a "date" text, or today when absent. -1: replied 400. */
static int date_arg(struct request *r, const char *text, int64_t *day)
{
    struct errbuf e = {{0}, {0}};
    if (!text) {
        *day = today();
        return 0;
    }
    if (handoff_day(text, day, &e)) {
        http_reply_errbuf(r, ERR_INVALID, &e);
        return -1;
    }
    return 0;
}

/* ---- letters ------------------------------------------------------------------------------ */

void h_letters_list(struct request *r)
{
    int64_t day;
    if (http_auth_api(r, ROLE_MARKETER) || date_arg(r, http_query(r, "date"), &day))
        return;
    struct errbuf e = {{0}, {0}};
    json_t *list = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = handoff_letters(s, day, &list, &e);
    store_pool_put(r->srv->readers, s);
    char d[11];
    day_string(day, d);
    if (rc)
        http_reply_errbuf(r, rc, &e);
    else
        http_reply_json(r, 200, json_pack("{s:s, s:o}", "date", d, "data", list));
}

struct batch_job {
    struct writer_job job; /* first */
    struct request *r;
    int64_t day;
    bool per_household;
    char *dir;
    struct handoff_batch out;
};

static int batch_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct batch_job *j = (struct batch_job *)job;
    return handoff_batch(s, j->day, j->per_household, j->dir, clock_now(), &j->out, e);
}

static void batch_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct batch_job *j = (struct batch_job *)job;
    struct request *r = j->r;
    char d[11];
    day_string(j->day, d);
    if (rc) {
        handoff_batch_discard(&j->out); /* written, but the marks did not commit */
        http_reply_errbuf(r, rc, e);
    } else {
        json_t *o =
            json_pack("{s:s, s:I, s:I, s:b, s:s, s:O}", "date", d, "letters",
                      (json_int_t)j->out.letters, "merged", (json_int_t)j->out.merged,
                      "per_household", j->per_household, "dir", j->dir, "files", j->out.files);
        json_object_set_new(o, "batch", j->out.batch ? json_integer(j->out.batch) : json_null());
        http_reply_json(r, j->out.batch ? 201 : 200, o);
    }
    handoff_batch_release(&j->out);
    free(j->dir);
    free(j);
    http_resume(r);
}

void h_letter_batch(struct request *r)
{
    static const char *const known[] = {"date", "per_household", NULL};
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *b = r->body.len ? http_body_object(r, known,
                                               "{\"date\": \"YYYY-MM-DD\", "
                                               "\"per_household\": false}")
                            : json_object();
    if (!b)
        return;
    json_t *date = json_object_get(b, "date"), *ph = json_object_get(b, "per_household");
    int64_t day;
    if ((date && !json_is_string(date)) || (ph && !json_is_boolean(ph))) {
        http_reply_error(r, ERR_INVALID, 400,
                         date && !json_is_string(date) ? "date" : "per_household",
                         "date is a day \"YYYY-MM-DD\", per_household true or false");
        json_decref(b);
        return;
    }
    if (date_arg(r, json_string_value(date), &day)) {
        json_decref(b);
        return;
    }
    struct batch_job *j = http_job_new(r, sizeof(*j));
    if (!j) {
        json_decref(b);
        return;
    }
    j->r = r;
    j->day = day;
    j->per_household = json_is_true(ph);
    j->dir = handoff_batch_dir(r->srv->cfg.db_path, day);
    json_decref(b);
    j->job.apply = batch_apply;
    j->job.done = batch_done;
    http_job_run(r, &j->job);
}

/* ---- calls -------------------------------------------------------------------------------- */

void h_calls_list(struct request *r)
{
    int64_t limit, after;
    if (http_auth_api(r, ROLE_MARKETER) ||
        http_query_int(r, "limit", CALLS_DEFAULT_LIMIT, 1, CALLS_MAX_LIMIT, &limit) ||
        http_query_int(r, "after", 0, 0, INT64_MAX, &after))
        return;
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "json") && strcmp(format, "csv")) {
        http_reply_error(r, ERR_INVALID, 400, "format", "format is json or csv, got \"%s\"",
                         format);
        return;
    }
    struct errbuf e = {{0}, {0}};
    json_t *list = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = handoff_calls(s, http_query(r, "status"), after, (int)limit, &list, &e);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        http_reply_errbuf(r, rc, &e);
        return;
    }
    if (format && !strcmp(format, "csv")) {
        struct buf csv;
        buf_init(&csv, 0);
        if (handoff_calls_csv(list, &csv))
            http_reply_error(r, ERR_TOO_BIG, 500, "limit",
                             "the call list is too large to send at once; ask for fewer (limit)");
        else
            http_reply_text(r, 200, "text/csv; charset=utf-8", csv.ptr, csv.len);
        buf_release(&csv);
        json_decref(list);
        return;
    }
    size_t n = json_array_size(list);
    json_t *last = n ? json_object_get(json_array_get(list, n - 1), "id") : NULL;
    json_t *next =
        n == (size_t)limit && last ? json_integer(json_integer_value(last)) : json_null();
    http_reply_json(r, 200, json_pack("{s:o, s:o}", "data", list, "next_cursor", next));
}

struct outcome_job {
    struct writer_job job; /* first */
    struct request *r;
    int64_t id;
    json_t *body;
    bool closed;
};

static int outcome_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct outcome_job *j = (struct outcome_job *)job;
    const char *outcome = json_string_value(json_object_get(j->body, "outcome"));
    j->closed = strcmp(outcome, "no_answer") && strcmp(outcome, "callback");
    return handoff_call_outcome(
        s, j->id, outcome, json_string_value(json_object_get(j->body, "note")),
        json_string_value(json_object_get(j->body, "agent")), clock_now(), e);
}

static void outcome_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct outcome_job *j = (struct outcome_job *)job;
    struct request *r = j->r;
    if (rc == ERR_INVALID || rc == ERR_NOT_FOUND || rc == ERR_EXISTS)
        http_reply_error(r, rc, 0, e->field[0] ? e->field : NULL, "%s", e->msg);
    else if (rc)
        http_reply_errbuf(r, rc, e);
    else
        http_reply_json(r, 200,
                        json_pack("{s:I, s:s, s:O, s:s}", "id", (json_int_t)j->id, "status",
                                  j->closed ? "called" : "stored", "outcome",
                                  json_object_get(j->body, "outcome"), "event", "Call Outcome"));
    json_decref(j->body);
    free(j);
    http_resume(r);
}

/* NULL when the body is right, else the member to name in the 400. */
static const char *outcome_bad(const json_t *b, const char **why)
{
    const json_t *o = json_object_get(b, "outcome"), *note = json_object_get(b, "note"),
                 *agent = json_object_get(b, "agent");
    bool known = false;
    for (const char *const *k = handoff_outcomes; *k && json_is_string(o) && !known; k++)
        known = !strcmp(*k, json_string_value(o));
    *why = "outcome is one of reached, no_answer, wrong_number, callback, declined";
    if (!known)
        return "outcome";
    *why = "note is a text of at most 2000 bytes";
    if (note && !json_is_null(note) &&
        (!json_is_string(note) || json_string_length(note) > NOTE_MAX))
        return "note";
    *why = "agent is a text of at most 200 bytes";
    if (agent && !json_is_null(agent) &&
        (!json_is_string(agent) || json_string_length(agent) > AGENT_MAX))
        return "agent";
    return NULL;
}

void h_call_outcome(struct request *r)
{
    static const char *const known[] = {"outcome", "note", "agent", NULL};
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "message", &id))
        return;
    json_t *b = http_body_object(r, known, "{\"outcome\": \"reached\", \"note\", \"agent\"}");
    if (!b)
        return;
    const char *why, *bad = outcome_bad(b, &why);
    if (bad) {
        http_reply_error(r, ERR_INVALID, 400, bad, "%s", why);
        json_decref(b);
        return;
    }
    struct outcome_job *j = http_job_new(r, sizeof(*j));
    if (!j) {
        json_decref(b);
        return;
    }
    j->r = r;
    j->id = id;
    j->body = b;
    j->job.apply = outcome_apply;
    j->job.done = outcome_done;
    http_job_run(r, &j->job);
}
