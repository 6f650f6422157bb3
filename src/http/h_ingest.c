/*
 * h_ingest.c — the Segment-compatible endpoints POST /v1/{identify, track,
 * page, screen, group, alias, batch}.
 *
 * Parsing and validation run on the HTTP thread; the store work runs on the
 * writer thread, and the reply is sent only after the group commit, so a 2xx
 * always means the data is on disk. Rejected messages are committed to the
 * quarantine before the reply too.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "http/http.h"

#define MAX_REPORTED_ERRORS 100

static int ingest_job_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    return ingest_request_apply(s, &r->ingest, e);
}

static json_t *batch_errors(const struct ingest_request *ir)
{
    json_t *errs = json_array();
    for (size_t i = 0; i < ir->nrejects && i < MAX_REPORTED_ERRORS; i++) {
        const struct ingest_reject *j = &ir->rejects[i];
        json_array_append_new(errs, json_pack("{s:s, s:s, s:s}", "code", "invalid", "message",
                                              j->reason, "field", j->field));
    }
    return errs;
}

static void ingest_job_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    struct ingest_request *ir = &r->ingest;
    if (rc) {
        log_error("ingest commit failed: %s", e->msg[0] ? e->msg : err_str(rc));
        http_reply_error(r, rc == ERR_BUSY ? ERR_BUSY : ERR_DB, 0, NULL,
                         "the write could not be committed; retry later");
    } else if (r->status == 400) {
        /* The single message was invalid; it is now safe in the quarantine. */
        metrics_ingested(0, 0, ir->nrejects);
        json_t *err = json_pack("{s:s, s:s}", "code", "invalid", "message",
                                ir->rejects[0].reason);
        if (*ir->rejects[0].field)
            json_object_set_new(err, "field", json_string(ir->rejects[0].field));
        json_object_set_new(err, "quarantined", json_true());
        http_reply_json(r, 400, json_pack("{s:o}", "error", err));
    } else if (r->route != RT_V1_BATCH && ir->refused) {
        metrics_ingested(0, 0, ir->refused);
        http_reply_json(r, 400,
                        json_pack("{s:{s:s, s:s, s:b}}", "error", "code", "invalid", "message",
                                  "the store refused this message; it is kept in the quarantine",
                                  "quarantined", 1));
    } else {
        size_t quarantined = ir->nrejects + ir->refused;
        metrics_ingested(ir->stored, ir->duplicates, quarantined);
        json_t *body = json_pack("{s:b, s:I, s:I, s:I}", "success", 1, "accepted",
                                 (json_int_t)ir->stored, "duplicates",
                                 (json_int_t)ir->duplicates, "quarantined",
                                 (json_int_t)quarantined);
        if (ir->nrejects)
            json_object_set_new(body, "errors", batch_errors(ir));
        http_reply_json(r, 200, body);
    }
    http_resume(r);
}

static int route_type(enum route_id id)
{
    switch (id) {
    case RT_V1_IDENTIFY: return SEG_IDENTIFY;
    case RT_V1_TRACK: return SEG_TRACK;
    case RT_V1_PAGE: return SEG_PAGE;
    case RT_V1_SCREEN: return SEG_SCREEN;
    case RT_V1_GROUP: return SEG_GROUP;
    case RT_V1_ALIAS: return SEG_ALIAS;
    default: return -1;
    }
}

void h_ingest(struct request *r)
{
    /* Parse first: browser SDKs send the write key in the body, not in a header. */
    struct errbuf e = {{0}, {0}};
    int rc = ingest_request_parse(&r->ingest, NULL, route_type(r->route), r->body.ptr, r->body.len,
                                  clock_now(), &e);
    if (http_auth_write_key(r, r->ingest.write_key))
        return;
    r->ingest.source = r->key.source;
    if (rc == ERR_TOO_BIG) {
        http_reply_errbuf(r, rc, &e);
        return;
    }
    if (rc) {
        /* Remember the verdict; the reply waits until the reject is in the quarantine. */
        r->status = 400;
    }
    r->job.apply = ingest_job_apply;
    r->job.done = ingest_job_done;
    http_defer(r);
    rc = writer_submit(r->srv->writer, &r->job);
    if (rc) {
        http_reply_error(r, ERR_BUSY, 503, NULL, "rondo is shutting down; retry later");
        http_resume(r);
    }
}
