/*
 * h_identity.c — identity resolution in the management API: unmerging a
 * profile, the review queue (list, accept, reject) and explanations.
 *
 * Reads (the queue, explanations) borrow a reader connection. Writes go
 * through the writer as a job allocated in the request's arena, so the
 * answer is sent only after the commit; the job holds the report that
 * identity.c built until the done callback replies with it. After
 * http_resume the request (and its arena) may be gone: nothing touches the
 * job after that call.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/str.h"
#include "http/http.h"
#include "identity/identity.h"

#define MATCHES_DEFAULT_LIMIT 50
#define MATCHES_MAX_LIMIT 500

enum identity_op { OP_UNMERGE, OP_ACCEPT, OP_REJECT };

struct identity_job {
    struct writer_job job; /* first: the writer hands back this pointer */
    struct request *r;
    enum identity_op op;
    int64_t id;
    json_t *report; /* set by apply, replied (and freed) by done */
};

/* The path's {id}, a positive integer; else replies 400 naming what it is the id of. */
static int path_id(struct request *r, const char *what, int64_t *id)
{
    if (str_to_i64(str_from(r->params[0]), id) || *id <= 0) {
        http_reply_error(r, ERR_INVALID, 400, "id", "%s id must be a positive integer, got \"%s\"",
                         what, r->params[0]);
        return -1;
    }
    return 0;
}

/* An empty body, or a JSON object whose content is ignored; else replies 400. */
static int body_empty_or_object(struct request *r)
{
    size_t i = 0;
    while (i < r->body.len && strchr(" \t\r\n", r->body.ptr[i]))
        i++;
    if (i == r->body.len)
        return 0;
    json_t *v = NULL;
    struct errbuf e = {{0}, {0}};
    int rc = json_parse(r->body.ptr, r->body.len, &v, &e);
    bool ok = !rc && json_is_object(v);
    json_decref(v);
    if (!ok) {
        http_reply_error(r, ERR_INVALID, 400, "body",
                         "the body must be empty or a JSON object (it is not read)");
        return -1;
    }
    return 0;
}

/* ---- writes through the writer ---------------------------------------------------- */

static int job_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct identity_job *j = (struct identity_job *)job;
    int64_t now = clock_now();
    int rc = j->op == OP_UNMERGE
                 ? identity_unmerge(s, j->id, now, &j->report, e)
                 : identity_match_decide(s, j->id, j->op == OP_ACCEPT, now, &j->report, e);
    if (rc)
        j->report = NULL; /* a failed call owns nothing it may have pointed at */
    return rc;
}

static void job_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct identity_job *j = (struct identity_job *)job;
    struct request *r = j->r;
    const char *msg = e && e->msg[0] ? e->msg : err_str(rc);
    if (!rc) {
        http_reply_json(r, 200, j->report);
    } else if (rc == ERR_NOT_FOUND) {
        http_reply_error(r, rc, 404, "id", "%s", msg);
    } else if (rc == ERR_INVALID && j->op == OP_UNMERGE) {
        /* the profile exists but no merge concerns it: a conflict with its state */
        http_reply_error(r, ERR_EXISTS, 409, "id", "%s", msg);
    } else if (rc == ERR_EXISTS) {
        http_reply_error(r, rc, 409, "id", "%s", msg);
    } else {
        http_reply_errbuf(r, rc, e);
    }
    if (rc)
        json_decref(j->report); /* applied, then the commit failed */
    http_resume(r);
}

static void submit(struct request *r, enum identity_op op, const char *what)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || path_id(r, what, &id) || body_empty_or_object(r))
        return;
    struct identity_job *j = arena_alloc(&r->arena, sizeof(*j));
    if (!j) {
        http_reply_error(r, ERR_NOMEM, 500, NULL, "out of request memory");
        return;
    }
    memset(j, 0, sizeof(*j));
    j->job.apply = job_apply;
    j->job.done = job_done;
    j->r = r;
    j->op = op;
    j->id = id;
    http_defer(r);
    if (writer_submit(r->srv->writer, &j->job)) {
        http_reply_error(r, ERR_BUSY, 503, NULL, "rondo is shutting down; retry later");
        http_resume(r);
    }
}

void h_profile_unmerge(struct request *r)
{
    submit(r, OP_UNMERGE, "profile");
}

void h_match_accept(struct request *r)
{
    submit(r, OP_ACCEPT, "match");
}

void h_match_reject(struct request *r)
{
    submit(r, OP_REJECT, "match");
}

/* ---- reads -------------------------------------------------------------------------- */

void h_matches(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    const char *status = http_query(r, "status");
    if (status && strcmp(status, "review") != 0 && strcmp(status, "accepted") != 0 &&
        strcmp(status, "rejected") != 0) {
        http_reply_error(r, ERR_INVALID, 400, "status",
                         "status must be review, accepted or rejected, got \"%s\"", status);
        return;
    }
    const char *l = http_query(r, "limit"), *c = http_query(r, "cursor");
    int64_t limit = MATCHES_DEFAULT_LIMIT, cursor = 0;
    if (l && (cstr_to_i64(l, &limit) || limit < 1 || limit > MATCHES_MAX_LIMIT)) {
        http_reply_error(r, ERR_INVALID, 400, "limit", "limit must be 1 to %d", MATCHES_MAX_LIMIT);
        return;
    }
    if (c && *c && (cstr_to_i64(c, &cursor) || cursor < 0)) {
        http_reply_error(r, ERR_INVALID, 400, "cursor", "cursor is not one this API returned");
        return;
    }
    struct errbuf e = {{0}, {0}};
    json_t *rows = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    /* One row more than asked tells whether there is a next page. */
    int rc = store_matches_list(s, status, cursor, (int)limit + 1, &rows, &e);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        http_reply_errbuf(r, rc, &e);
        return;
    }
    json_t *next = json_null();
    if (json_array_size(rows) > (size_t)limit) {
        json_array_remove(rows, (size_t)limit);
        json_t *last = json_object_get(json_array_get(rows, (size_t)limit - 1), "id");
        char t[24];
        snprintf(t, sizeof(t), "%lld", (long long)json_integer_value(last));
        json_decref(next);
        next = json_string(t);
    }
    http_reply_json(r, 200, json_pack("{s:o, s:o}", "matches", rows, "next_cursor", next));
}

void h_profile_explain(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || path_id(r, "profile", &id))
        return;
    struct errbuf e = {{0}, {0}};
    json_t *ex = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = identity_explain(s, id, &ex, &e);
    store_pool_put(r->srv->readers, s);
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "id", "%s", e.msg[0] ? e.msg : "no such profile");
    else if (rc)
        http_reply_errbuf(r, rc, &e);
    else
        http_reply_json(r, 200, ex);
}
