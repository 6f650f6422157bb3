/*
 * server.c — libmicrohttpd glue: routing, body accumulation, replies,
 * suspend/resume for writes that wait on the group commit, and a clean
 * shutdown that lets in-flight requests finish and commit.
 *
 * Ownership: a struct request is allocated on the first callback of a
 * request, owned by its connection, and freed in the completion callback.
 * Between http_defer and http_resume only the writer thread touches it.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "channel/dispatch.h"
#include "scenario/live.h"
#include "segment/live.h"

enum req_state { REQ_RECEIVING, REQ_DEFERRED, REQ_REPLIED, REQ_SENT };

static atomic_int inflight;
static atomic_bool stopping;

struct route {
    const char *method;
    const char *pattern;
    enum route_id id;
    void (*handler)(struct request *r);
    size_t max_body;
};

static const struct route routes[] = {
    {"GET", "/healthz", RT_HEALTHZ, h_healthz, 0},
    {"GET", "/metrics", RT_METRICS, h_metrics, 0},
    {"POST", "/v1/identify", RT_V1_IDENTIFY, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/track", RT_V1_TRACK, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/page", RT_V1_PAGE, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/screen", RT_V1_SCREEN, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/group", RT_V1_GROUP, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/alias", RT_V1_ALIAS, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/batch", RT_V1_BATCH, h_ingest, SEG_MAX_REQUEST_BYTES},
    /* analytics.js (the browser SDK) posts to one-letter paths */
    {"POST", "/v1/i", RT_V1_IDENTIFY, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/t", RT_V1_TRACK, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/p", RT_V1_PAGE, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/s", RT_V1_SCREEN, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/g", RT_V1_GROUP, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/a", RT_V1_ALIAS, h_ingest, SEG_MAX_EVENT_BYTES},
    {"POST", "/v1/b", RT_V1_BATCH, h_ingest, SEG_MAX_REQUEST_BYTES},
    {"GET", "/api/v1/profiles/{id}/consents/history", RT_API_CONSENT_HISTORY, h_consent_history, 0},
    {"PUT", "/api/v1/profiles/{id}/consents/{channel}", RT_API_CONSENT_PUT, h_consent_put, 64 * 1024},
    {"POST", "/api/v1/profiles/{id}/unmerge", RT_API_UNMERGE, h_profile_unmerge, 1024},
    {"GET", "/api/v1/profiles/{id}/explain", RT_API_EXPLAIN, h_profile_explain, 0},
    {"GET", "/api/v1/profiles/{id}", RT_API_PROFILE, h_profile_get, 0},
    {"DELETE", "/api/v1/profiles/{id}", RT_API_PROFILE, h_profile_erase, 1024},
    {"GET", "/api/v1/profiles", RT_API_PROFILE_SEARCH, h_profile_search, 0},
    {"GET", "/api/v1/quarantine", RT_API_QUARANTINE, h_quarantine, 0},
    {"GET", "/api/v1/quality", RT_API_QUALITY, h_quality, 0},
    {"GET", "/api/v1/matches", RT_API_MATCHES, h_matches, 0},
    {"POST", "/api/v1/matches/{id}/accept", RT_API_MATCH_ACCEPT, h_match_accept, 1024},
    {"POST", "/api/v1/matches/{id}/reject", RT_API_MATCH_REJECT, h_match_reject, 1024},
    {"POST", "/api/v1/segments/preview", RT_API_SEGMENT_PREVIEW, h_segment_preview,
     HTTP_SEGMENT_BODY_MAX},
    {"GET", "/api/v1/segments/{id}/count", RT_API_SEGMENT_COUNT, h_segment_count, 0},
    {"GET", "/api/v1/segments/{id}/members", RT_API_SEGMENT_MEMBERS, h_segment_members, 0},
    {"GET", "/api/v1/segments/{id}/shifts", RT_API_SEGMENT_SHIFTS, h_segment_shifts, 0},
    {"GET", "/api/v1/segments/{id}", RT_API_SEGMENT, h_segment_get, 0},
    {"PUT", "/api/v1/segments/{id}", RT_API_SEGMENT, h_segment_update, HTTP_SEGMENT_BODY_MAX},
    {"DELETE", "/api/v1/segments/{id}", RT_API_SEGMENT, h_segment_delete, 1024},
    {"GET", "/api/v1/segments", RT_API_SEGMENTS, h_segment_list, 0},
    {"POST", "/api/v1/segments", RT_API_SEGMENTS, h_segment_create, HTTP_SEGMENT_BODY_MAX},
    {"POST", "/api/v1/scenarios/validate", RT_API_SCENARIO_VALIDATE, h_scenario_validate,
     HTTP_SCENARIO_BODY_MAX},
    {"POST", "/api/v1/scenarios/{id}/activate", RT_API_SCENARIO_ACTIVATE, h_scenario_activate, 1024},
    {"POST", "/api/v1/scenarios/{id}/pause", RT_API_SCENARIO_PAUSE, h_scenario_pause, 1024},
    {"POST", "/api/v1/scenarios/{id}/archive", RT_API_SCENARIO_ARCHIVE, h_scenario_archive, 1024},
    {"POST", "/api/v1/scenarios/{id}/enter", RT_API_SCENARIO_ENTER, h_scenario_enter,
     SEG_MAX_EVENT_BYTES},
    {"GET", "/api/v1/scenarios/{id}/runs", RT_API_SCENARIO_RUNS, h_scenario_runs, 0},
    {"GET", "/api/v1/scenarios/{id}", RT_API_SCENARIO, h_scenario_get, 0},
    {"PUT", "/api/v1/scenarios/{id}", RT_API_SCENARIO, h_scenario_update, HTTP_SCENARIO_BODY_MAX},
    {"GET", "/api/v1/scenarios", RT_API_SCENARIOS, h_scenario_list, 0},
    {"POST", "/api/v1/scenarios", RT_API_SCENARIOS, h_scenario_create, HTTP_SCENARIO_BODY_MAX},
    {"GET", "/api/v1/runs/{id}", RT_API_RUN, h_run_get, 0},
    {"GET", "/api/v1/profiles/{id}/runs", RT_API_PROFILE_RUNS, h_profile_runs, 0},
    {"POST", "/api/v1/templates/{name}/preview", RT_API_TEMPLATE_PREVIEW, h_template_preview, 65536},
    {"GET", "/api/v1/templates/{name}", RT_API_TEMPLATE, h_template_get, 0},
    {"PUT", "/api/v1/templates/{name}", RT_API_TEMPLATE, h_template_put, HTTP_SCENARIO_BODY_MAX},
    {"GET", "/api/v1/templates", RT_API_TEMPLATES, h_template_list, 0},
    {"GET", "/api/v1/messages", RT_API_MESSAGES, h_message_list, 0},
    {"POST", "/api/v1/messages", RT_API_MESSAGES, h_message_send, 65536},
    {"GET", "/api/v1/messages/{id}", RT_API_MESSAGE, h_message_get, 0},
    {"GET", "/api/v1/tasks", RT_API_TASKS, h_task_list, 0},
    /* a task's resolve link: the token in the path is the credential, no API key */
    {"GET", "/t/{token}", RT_TASK_LINK, h_task_page, 0},
    {"GET", "/u/{token}", RT_UNSUBSCRIBE, h_unsubscribe_page, 0},
    {"POST", "/u/{token}", RT_UNSUBSCRIBE, h_unsubscribe, 4096},
    {"GET", "/o/{token}", RT_TRACK_OPEN, h_track_open, 0},
    {"GET", "/c/{token}", RT_TRACK_CLICK, h_track_click, 0},
    {"GET", "/p/{token}", RT_PREFERENCES, h_prefs_page, 0},
    {"POST", "/api/v1/channels/{channel}/status", RT_CHANNEL_STATUS, h_channel_status, 16384},
    {"POST", "/p/{token}", RT_PREFERENCES, h_prefs_save, 16384},
    {"POST", "/t/{token}", RT_TASK_LINK, h_task_resolve, 4096},
    {"GET", "/api/v1/letters", RT_API_LETTERS, h_letters_list, 0},
    {"POST", "/api/v1/letters/batches", RT_API_LETTER_BATCHES, h_letter_batch, 1024},
    {"GET", "/api/v1/calls", RT_API_CALLS, h_calls_list, 0},
    {"POST", "/api/v1/calls/{id}/outcome", RT_API_CALL_OUTCOME, h_call_outcome, 16384},
    {"GET", "/api/v1/clock", RT_API_CLOCK, h_clock_get, 0},
    {"POST", "/api/v1/clock/advance", RT_API_CLOCK_ADVANCE, h_clock_advance, 1024},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Match url against a pattern of literal and {param} segments; params go to the arena. */
static bool route_match(const char *pattern, const char *url, struct request *r)
{
    int np = 0;
    while (*pattern && *url) {
        if (*pattern != '/' || *url != '/')
            return false;
        pattern++;
        url++;
        size_t pl = strcspn(pattern, "/"), ul = strcspn(url, "/");
        if (pattern[0] == '{') {
            if (ul == 0 || np == HTTP_MAX_PARAMS)
                return false;
            r->params[np++] = arena_strndup(&r->arena, url, ul);
        } else if (pl != ul || memcmp(pattern, url, pl) != 0) {
            return false;
        }
        pattern += pl;
        url += ul;
    }
    return !*pattern && !*url;
}

/* The route for the request; NULL when none, with r->allow set when the path exists. */
static const struct route *route_find(struct request *r)
{
    struct buf allow;
    const struct route *found = NULL;
    buf_init(&allow, 256);
    for (size_t i = 0; i < NROUTES && !found; i++) {
        if (!route_match(routes[i].pattern, r->url, r))
            continue;
        if (strcmp(routes[i].method, r->method) == 0)
            found = &routes[i];
        else if (!strstr(allow.ptr, routes[i].method))
            buf_addf(&allow, "%s%s", allow.len ? ", " : "", routes[i].method);
    }
    if (!found && allow.len)
        r->allow = arena_strdup(&r->arena, allow.ptr);
    buf_release(&allow);
    return found;
}

/* ---- replies ------------------------------------------------------------- */

void http_reply_redirect(struct request *r, const char *url)
{
    if (!url || strpbrk(url, "\r\n")) {
        http_reply_error(r, ERR_INVALID, 400, "u", "not a link this server can lead to");
        return;
    }
    r->location = arena_strdup(&r->arena, url);
    http_reply_text(r, 302, "text/plain; charset=utf-8", "", 0);
}

void http_reply_text(struct request *r, int status, const char *content_type, const char *text,
                     size_t len)
{
    r->status = status;
    r->content_type = content_type;
    buf_reset(&r->reply);
    if (buf_add(&r->reply, text, len)) {
        r->status = 500;
        buf_adds(&r->reply, "the answer is too large\n");
    }
    r->state = r->state == REQ_DEFERRED ? REQ_DEFERRED : REQ_REPLIED;
}

void http_reply_json(struct request *r, int status, json_t *v)
{
    r->status = status;
    r->content_type = "application/json";
    buf_reset(&r->reply);
    if (json_dump_buf(v, &r->reply) || buf_addch(&r->reply, '\n')) {
        /* Only stored data can make an answer this large: say so rather than fail. */
        static const char too_big[] =
            "{\"error\":{\"code\":\"too_large\",\"message\":\"the answer would be larger "
            "than the server sends at once; ask for fewer items (limit)\"}}\n";
        r->status = 500;
        buf_reset(&r->reply);
        buf_add(&r->reply, too_big, sizeof(too_big) - 1);
    }
    json_decref(v);
    if (r->state != REQ_DEFERRED)
        r->state = REQ_REPLIED;
}

void http_reply_error(struct request *r, int rc, int status, const char *field, const char *fmt,
                      ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *err = json_pack("{s:s, s:s}", "code", err_code(rc), "message", msg);
    if (field && *field)
        json_object_set_new(err, "field", json_string(field));
    http_reply_json(r, status ? status : err_http_status(rc), json_pack("{s:o}", "error", err));
}

void http_reply_errbuf(struct request *r, int rc, const struct errbuf *e)
{
    http_reply_error(r, rc, 0, e->field, "%s", e->msg[0] ? e->msg : err_str(rc));
}

/* A body made piece by piece while it is sent (http_reply_stream). */
struct http_stream {
    int (*fill)(void *ctx, struct buf *out);
    void (*release)(void *ctx);
    void *ctx;
    struct buf piece; /* what fill gave last */
    size_t off;       /* of it sent */
    bool end;
};

void http_reply_stream(struct request *r, int status, const char *content_type,
                       int (*fill)(void *ctx, struct buf *out), void (*release)(void *ctx),
                       void *ctx)
{
    struct http_stream *st = xcalloc(1, sizeof(*st));
    st->fill = fill;
    st->release = release;
    st->ctx = ctx;
    buf_init(&st->piece, 0);
    r->status = status;
    r->content_type = content_type;
    buf_reset(&r->reply);
    r->stream = st;
    if (r->state != REQ_DEFERRED)
        r->state = REQ_REPLIED;
}

static void stream_free(void *cls)
{
    struct http_stream *st = cls;
    if (st->release)
        st->release(st->ctx);
    buf_release(&st->piece);
    free(st);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct http_stream *st = cls;
    while (st->off == st->piece.len) {
        if (st->end)
            return MHD_CONTENT_READER_END_OF_STREAM;
        buf_reset(&st->piece);
        st->off = 0;
        if (st->fill(st->ctx, &st->piece))
            return MHD_CONTENT_READER_END_WITH_ERROR; /* the client sees a cut answer */
        st->end = st->piece.len == 0;
    }
    size_t n = st->piece.len - st->off < max ? st->piece.len - st->off : max;
    memcpy(out, st->piece.ptr + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

/* ---- request accessors ----------------------------------------------------- */

const char *http_header(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_client_ip(struct request *r, struct arena *a)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, ip, sizeof ip);
    else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, ip,
                  sizeof ip);
    return ip[0] ? arena_strdup(a, ip) : NULL;
}

const char *http_query(struct request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_defer(struct request *r)
{
    r->state = REQ_DEFERRED;
    r->deferred = true;
    MHD_suspend_connection(r->conn);
}

void http_resume(struct request *r)
{
    r->state = REQ_REPLIED;
    MHD_resume_connection(r->conn);
}

/* ---- the MHD callbacks ------------------------------------------------------ */

static enum MHD_Result send_reply(struct request *r)
{
    struct MHD_Response *resp;
    if (r->stream) {
        struct http_stream *st = r->stream;
        r->stream = NULL; /* the response owns it now, and frees it when done */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st,
                                                 stream_free);
        if (!resp) {
            stream_free(st);
            return MHD_NO;
        }
    } else {
        size_t len;
        char *body = buf_detach(&r->reply, &len);
        resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
    }
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type ? r->content_type : "application/json");
    if (r->location)
        MHD_add_response_header(resp, "Location", r->location);
    if (r->cors) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "POST, OPTIONS");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
    }
    if (atomic_load(&stopping))
        MHD_add_response_header(resp, "Connection", "close");
    if (r->status == 405 && r->allow)
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                r->cors ? "Basic realm=\"rondo\"" : "Bearer realm=\"rondo\"");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->state = REQ_SENT;
    metrics_request(r->route, r->status, clock_mono_us() - r->t_start_us);
    return ret;
}

static void preflight(struct request *r)
{
    /* Browser SDKs send a CORS preflight before posting to /v1/. */
    http_reply_text(r, 204, "text/plain", "", 0);
}

/* Route the request and check its declared size; may set an early reply. */
static void on_first_call(struct server *srv, struct request *r, struct MHD_Connection *conn,
                          const char *url, const char *method)
{
    r->srv = srv;
    r->conn = conn;
    r->url = url;
    r->method = method;
    r->t_start_us = clock_mono_us();
    buf_init(&r->body, SEG_MAX_REQUEST_BYTES);
    buf_init(&r->reply, 0);
    arena_init(&r->arena, 1 << 20);
    r->route = RT_NOT_FOUND;
    r->cors = strncmp(url, "/v1/", 4) == 0;

    const struct route *rt = route_find(r);
    if (!rt && r->cors && strcmp(method, "OPTIONS") == 0) {
        preflight(r);
        return;
    }
    if (!rt) {
        if (r->allow)
            http_reply_error(r, ERR_METHOD, 405, NULL, "%s is not allowed on %s; use %s", method,
                             url, r->allow);
        else
            http_reply_error(r, ERR_NOT_FOUND, 404, NULL, "no such endpoint: %s %s", method, url);
        return;
    }
    r->route = rt->id;
    r->body.max = rt->max_body;
    const char *cl = http_header(r, "Content-Length");
    int64_t n;
    if (cl && cstr_to_i64(cl, &n) == 0 && n > (int64_t)rt->max_body)
        http_reply_error(r, ERR_TOO_BIG, 413, "body", "the request body is %lld bytes, the limit is %zu",
                         (long long)n, rt->max_body);
}

/* A client that waits for "100 Continue" can be answered before it sends its body. */
static bool expects_continue(struct request *r)
{
    const char *x = http_header(r, "Expect");
    return x && strncasecmp(x, "100-continue", 12) == 0;
}

/* Past this many dropped body bytes the connection is closed instead of read on. */
#define DISCARD_MAX ((size_t)64 << 20)

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct request *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof(*r));
        *con_cls = r;
        atomic_fetch_add(&inflight, 1);
        on_first_call(cls, r, conn, url, method);
        /* An early reply waits for the body to be read, or the client sees a reset. */
        return r->state == REQ_REPLIED && expects_continue(r) ? send_reply(r) : MHD_YES;
    }
    if (r->state == REQ_SENT)
        return MHD_YES;
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->state != REQ_REPLIED && buf_add(&r->body, upload_data, n))
            http_reply_error(r, ERR_TOO_BIG, 413, "body", "the request body is larger than %zu bytes",
                             r->body.max);
        if (r->state == REQ_REPLIED) {
            r->discarded += n;
            return r->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        return MHD_YES;
    }
    if (r->state == REQ_REPLIED)
        return send_reply(r);
    for (size_t i = 0; i < NROUTES; i++) {
        /* one path may have a handler per method, counted under one route */
        if (routes[i].id == r->route && strcmp(routes[i].method, r->method) == 0) {
            routes[i].handler(r);
            break;
        }
    }
    if (r->deferred)
        return MHD_YES; /* the writer resumes us; r belongs to it until then */
    if (r->state != REQ_REPLIED)
        BUG("handler for %s gave no reply", url);
    return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct request *r = *con_cls;
    if (!r)
        return;
    if (r->stream)
        stream_free(r->stream); /* replied but never sent */
    buf_release(&r->body);
    buf_release(&r->reply);
    arena_release(&r->arena);
    ingest_request_release(&r->ingest);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&inflight, 1);
}

/* ---- start and stop ----------------------------------------------------------- */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                        struct errbuf *e)
{
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return err_field(e, ERR_INVALID, "listen", "--listen must be HOST:PORT, got \"%s\"", listen);
    char host[256];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof(host))
        return err_field(e, ERR_INVALID, "listen", "host name too long");
    memcpy(host, listen, hl);
    host[hl] = '\0';
    /* [::1]:8080 */
    char *h = host;
    if (h[0] == '[' && hl > 1 && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *res;
    int grc = getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res);
    if (grc)
        return err_field(e, ERR_INVALID, "listen", "cannot resolve %s: %s", listen,
                         gai_strerror(grc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int server_start(struct server *srv, const struct server_config *cfg, struct errbuf *e)
{
    memset(srv, 0, sizeof(*srv));
    srv->cfg = *cfg;
    int threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    struct sockaddr_storage ss;
    socklen_t sslen;
    int rc = parse_listen(cfg->listen, &ss, &sslen, e);
    if (rc)
        return rc;
    srv->segments = sg_live_new();
    srv->scenarios = sc_live_new(srv->segments);
    struct writer_stats stats = {.on_commit = metrics_commit,
                                 .before_commit = sg_live_before_commit,
                                 .on_start = sg_live_on_start,
                                 .hook_ctx = srv->segments};
    rc = clean_init(e);
    if (!rc)
        rc = writer_new(cfg->db_path, &stats, &srv->writer, e);
    if (!rc)
        rc = store_pool_new(cfg->db_path, threads + 2, &srv->readers, e);
    if (!rc) {
        struct store *s = store_pool_get(srv->readers);
        rc = ingest_load_patterns(s, &srv->patterns, e);
        store_pool_put(srv->readers, s);
        ingest_set_patterns(&srv->patterns);
    }
    if (!rc)
        rc = sg_live_schedule(srv->segments, srv->writer, cfg->segment_interval_s, e);
    if (!rc)
        rc = sc_live_schedule(srv->scenarios, srv->writer, cfg->scenario_interval_ms, e);
    if (!rc)
        rc = dispatch_start(srv->writer, srv->readers, &srv->dispatch, e);
    if (rc)
        goto out_fail;

    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
        4000u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!srv->daemon) {
        rc = err_set(e, ERR_IO, "cannot listen on %s (address in use, or not permitted)",
                     cfg->listen);
        goto out_fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    return 0;

out_fail:
    dispatch_stop(srv->dispatch);
    srv->dispatch = NULL;
    sc_live_stop(srv->scenarios);
    sg_live_stop(srv->segments);
    ingest_set_patterns(NULL);
    clean_patterns_free(&srv->patterns);
    store_pool_free(srv->readers);
    writer_free(srv->writer);
    sc_live_free(srv->scenarios);
    sg_live_free(srv->segments);
    srv->readers = NULL;
    srv->writer = NULL;
    srv->segments = NULL;
    srv->scenarios = NULL;
    return rc;
}

void server_stop(struct server *srv)
{
    if (!srv->daemon)
        return;
    atomic_store(&stopping, true);
    MHD_quiesce_daemon(srv->daemon);
    /* In-flight requests finish: those waiting on a commit get their reply. */
    int64_t deadline = clock_mono_us() + 30 * 1000000LL;
    while (atomic_load(&inflight) > 0 && clock_mono_us() < deadline)
        usleep(10000);
    if (atomic_load(&inflight) > 0)
        log_warn("shutdown: %d requests still open after 30 s; closing them",
                 atomic_load(&inflight));
    dispatch_stop(srv->dispatch); /* no more jobs from the sender */
    srv->dispatch = NULL;
    sc_live_stop(srv->scenarios); /* no more scheduled jobs */
    sg_live_stop(srv->segments);
    writer_stop(srv->writer);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    writer_free(srv->writer);
    sc_live_free(srv->scenarios); /* after the writer, whose thread used them */
    sg_live_free(srv->segments);
    store_pool_free(srv->readers);
    srv->writer = NULL;
    srv->segments = NULL;
    srv->scenarios = NULL;
    srv->readers = NULL;
    ingest_set_patterns(NULL);
    clean_patterns_free(&srv->patterns);
}
