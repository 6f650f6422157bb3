/*
 * http.h — the HTTP server's request type and what handlers may call.
 *
 * A handler gets a fully received request (body included) and either replies
 * at once with http_reply_*() or hands a write job to the writer and calls
 * http_defer(); the job's completion then replies with http_reply_*() and
 * http_resume(). Exactly one reply per request.
 */
#ifndef RONDO_HTTP_H
#define RONDO_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "ingest/ingest.h"
#include "store/pool.h"
#include "store/writer.h"

struct MHD_Connection;
struct MHD_Daemon;

struct server_config {
    const char *db_path;
    const char *listen; /* HOST:PORT */
    int threads;        /* HTTP worker threads; 0: number of cores */
    int segment_interval_s; /* between passes over time-dependent segments; 0: 900 */
    int scenario_interval_ms; /* between scenario ticks; 0: 250 */
};

struct sg_live;
struct sc_live;
struct dispatch;
struct http_stream;

struct server {
    struct server_config cfg;
    struct MHD_Daemon *daemon;
    struct writer *writer;
    struct store_pool *readers;
    struct clean_patterns patterns; /* test-record patterns, loaded at start */
    struct sg_live *segments;       /* the writer thread's segment engine */
    struct sc_live *scenarios;      /* the scenario scheduler (on the writer thread) */
    struct dispatch *dispatch;      /* sends queued webhooks */
    unsigned short port; /* bound port (useful when listening on :0) */
};

#define HTTP_MAX_PARAMS 4

struct request {
    struct server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    struct buf body;
    bool body_too_big;
    size_t discarded;  /* body bytes read and dropped after an early reply */
    const char *allow; /* methods of the matched path, for a 405 */
    bool cors;         /* a /v1/ endpoint that browsers may call */
    struct arena arena;
    enum route_id route;
    const char *params[HTTP_MAX_PARAMS]; /* path parameters, in the arena */
    int64_t t_start_us;
    int state;     /* private to server.c */
    bool deferred; /* set by http_defer; only the handler's thread reads it */

    /* the reply */
    int status;
    const char *content_type;
    const char *location; /* a redirect's target (http_reply_redirect), in the arena */
    struct buf reply;
    struct http_stream *stream; /* a body made while it is sent; private to server.c */

    /* the caller, after authentication */
    struct store_key key;

    /* a deferred write */
    struct writer_job job;
    struct ingest_request ingest;
    struct store_consent consent;
};

/* Start listening; fills srv->daemon, writer and readers. */
int server_start(struct server *srv, const struct server_config *cfg, struct errbuf *e);

/* Stop accepting, let in-flight requests finish and commit, then stop everything. */
void server_stop(struct server *srv);

/* The client's IP address as text, in the arena a, or NULL when unknown. */
const char *http_client_ip(struct request *r, struct arena *a);

/* Header value of the request, or NULL. */
const char *http_header(struct request *r, const char *name);

/* Query-string argument of the request, or NULL. */
const char *http_query(struct request *r, const char *name);

/* Reply with a JSON value (takes ownership of v). */
void http_reply_json(struct request *r, int status, json_t *v);

/* Reply with {"error":{"code","message","field"}}; status from the error code when 0. */
void http_reply_error(struct request *r, int rc, int status, const char *field, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

/* Reply with an errbuf's message and field. */
void http_reply_errbuf(struct request *r, int rc, const struct errbuf *e);

/* Reply with text of a content type. */
/* 302 to url (no line breaks: else a 400). */
void http_reply_redirect(struct request *r, const char *url);

void http_reply_text(struct request *r, int status, const char *content_type, const char *text,
                     size_t len);

/*
 * Reply with a body made while it is sent, for answers too large to hold
 * (an export): fill(ctx, out) appends the next piece to out, and appends
 * nothing at the end; a non-zero return cuts the answer off (the client
 * sees an incomplete body). fill runs on a server thread after the handler
 * returned, so ctx must not point into the request; release(ctx) (may be
 * NULL) is called once when the answer is done or abandoned.
 */
void http_reply_stream(struct request *r, int status, const char *content_type,
                       int (*fill)(void *ctx, struct buf *out), void (*release)(void *ctx),
                       void *ctx);

/* Suspend the request until http_resume; call before writer_submit. */
void http_defer(struct request *r);

/* Resume a deferred request once its reply is set; callable from any thread. */
void http_resume(struct request *r);

/*
 * Authenticate: ingest endpoints take HTTP Basic (write key as user name),
 * or, without an Authorization header, the body's writeKey (body_key, may be
 * NULL) as browser SDKs send it; the management API takes Bearer. On failure
 * replies 401/403 itself and returns non-zero. min_role is the weakest role
 * admitted (ROLE_MARKETER admits admin and marketer).
 */
int http_auth_write_key(struct request *r, const char *body_key);
int http_auth_api(struct request *r, enum auth_role min_role);

/* Handlers. */
void h_healthz(struct request *r);
void h_metrics(struct request *r);
void h_ingest(struct request *r);
/*
 * Request parts (params.c). Each replies 400 naming the part and returns -1
 * (NULL) when it is wrong. http_path_id: path parameter i, a positive id of
 * `what` ("segment"). http_query_int: a whole number from min to max, def
 * when absent. http_body_object: a JSON object whose members are all in
 * known (NULL-terminated); example completes the message ("{\"name\", ...}").
 * The body is the caller's to decref.
 */
int http_path_id(struct request *r, int i, const char *what, int64_t *id);
int http_query_int(struct request *r, const char *name, int64_t def, int64_t min, int64_t max,
                   int64_t *out);
json_t *http_body_object(struct request *r, const char *const *known, const char *example);

/*
 * A request's work on the writer (params.c). http_job_new: a zeroed job of
 * size bytes (caller frees in its done), or NULL with a 503 replied.
 * http_job_run: defer the request and submit the job; when the writer takes
 * no more jobs, the job's done runs at once with ERR_BUSY, so that done
 * always replies, resumes and frees. http_survivor: the live profile a
 * (maybe merged) profile id stands for.
 */
void *http_job_new(struct request *r, size_t size);
void http_job_run(struct request *r, struct writer_job *job);
int64_t http_survivor(struct request *r, int64_t profile_id);

/*
 * Server-rendered pages (page.c): http_page_open starts one (title escaped),
 * http_page_reply ends it, replies and releases b; http_page_notice is a
 * page of a title and a sentence. http_html_add appends s HTML-escaped.
 */
void http_html_add(struct buf *b, const char *s);
void http_page_open(struct buf *b, const char *title);
void http_page_reply(struct request *r, int status, struct buf *b);
void http_page_notice(struct request *r, int status, const char *title, const char *text);

void h_profile_get(struct request *r);
void h_unsubscribe_page(struct request *r);
void h_unsubscribe(struct request *r);
void h_message_send(struct request *r);
void h_message_get(struct request *r);
void h_track_open(struct request *r);
void h_track_click(struct request *r);
void h_prefs_page(struct request *r);
void h_template_preview(struct request *r);
void h_channel_status(struct request *r);
void h_prefs_save(struct request *r);
void h_profile_erase(struct request *r);
void h_profile_search(struct request *r);
void h_consent_put(struct request *r);
void h_consent_history(struct request *r);
void h_quarantine(struct request *r);
void h_quality(struct request *r);
/* identity resolution (h_identity.c) */
void h_profile_unmerge(struct request *r);
void h_profile_explain(struct request *r);
void h_matches(struct request *r);
void h_match_accept(struct request *r);
void h_match_reject(struct request *r);
/* segments (h_segments.c) */
#define HTTP_SEGMENT_BODY_MAX ((size_t)1 << 20) /* a definition: up to 32 rules of 64 KB as text */
void h_segment_list(struct request *r);
void h_segment_create(struct request *r);
void h_segment_get(struct request *r);
void h_segment_update(struct request *r);
void h_segment_delete(struct request *r);
void h_segment_count(struct request *r);
void h_segment_members(struct request *r);
void h_segment_shifts(struct request *r);
void h_segment_preview(struct request *r);
/* scenarios, runs, templates, the outbox, tasks and the clock (h_scenarios.c) */
#define HTTP_SCENARIO_BODY_MAX ((size_t)1 << 20) /* a definition is at most 256 KB; a template's parts too */
void h_scenario_list(struct request *r);
void h_scenario_create(struct request *r);
void h_scenario_validate(struct request *r);
void h_scenario_get(struct request *r);
void h_scenario_update(struct request *r);
void h_scenario_activate(struct request *r);
void h_scenario_pause(struct request *r);
void h_scenario_archive(struct request *r);
void h_scenario_enter(struct request *r);
void h_scenario_runs(struct request *r);
void h_run_get(struct request *r);
void h_profile_runs(struct request *r);
void h_template_list(struct request *r);
void h_template_get(struct request *r);
void h_template_put(struct request *r);
void h_message_list(struct request *r);
void h_task_list(struct request *r);
void h_task_page(struct request *r);
void h_task_resolve(struct request *r);
void h_clock_get(struct request *r);
void h_clock_advance(struct request *r);
/* letters and call lists (h_outbox.c) */
void h_letters_list(struct request *r);
void h_letter_batch(struct request *r);
void h_calls_list(struct request *r);
void h_call_outcome(struct request *r);

#endif
