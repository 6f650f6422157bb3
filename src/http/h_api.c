/*
 * h_api.c — health, metrics, authentication and the management API under
 * /api/v1/: the 360° profile view, identity search, consents, quarantine.
 *
 * Reads borrow a connection from the reader pool; writes go through the
 * writer like ingestion, so they are acknowledged only after the commit.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "clean/record.h"
#include "report/quality.h"
#include "http/http.h"

/* ---- auth ---------------------------------------------------------------- */

static int verify(struct request *r, const char *key)
{
    struct store *s = store_pool_get(r->srv->readers);
    int rc = auth_key_verify(s, key, &r->key);
    store_pool_put(r->srv->readers, s);
    return rc;
}

int http_auth_write_key(struct request *r, const char *body_key)
{
    char key[AUTH_KEY_MAX];
    const char *hdr = http_header(r, "Authorization");
    int rc = hdr ? auth_parse_basic(hdr, key) : ERR_UNAUTHORIZED;
    if (!hdr && body_key && strlen(body_key) < sizeof(key)) {
        snprintf(key, sizeof(key), "%s", body_key);
        rc = 0;
    }
    if (rc || verify(r, key)) {
        http_reply_error(r, ERR_UNAUTHORIZED, 401, "Authorization",
                         "a valid write key is required as the user name of HTTP Basic auth");
        return -1;
    }
    if (strcmp(r->key.role, "ingest") != 0) {
        http_reply_error(r, ERR_FORBIDDEN, 403, "Authorization",
                         "this is a %s key; ingestion takes a source's write key (role ingest)",
                         r->key.role);
        return -1;
    }
    return 0;
}

int http_auth_api(struct request *r, enum auth_role min_role)
{
    char key[AUTH_KEY_MAX];
    if (auth_parse_bearer(http_header(r, "Authorization"), key) || verify(r, key)) {
        http_reply_error(r, ERR_UNAUTHORIZED, 401, "Authorization",
                         "a valid API key is required: Authorization: Bearer <key>");
        return -1;
    }
    int role = auth_role_from_name(r->key.role);
    if (role < 0 || role > (int)min_role) {
        http_reply_error(r, ERR_FORBIDDEN, 403, "Authorization",
                         "a %s key cannot use the management API", r->key.role);
        return -1;
    }
    return 0;
}

/* ---- health and metrics ---------------------------------------------------- */

void h_healthz(struct request *r)
{
    http_reply_text(r, 200, "application/json", "{\"status\":\"ok\"}\n", 16);
}

void h_metrics(struct request *r)
{
    struct buf b;
    buf_init(&b, 0);
    metrics_render(&b, writer_depth(r->srv->writer));
    http_reply_text(r, 200, "text/plain; version=0.0.4", b.ptr, b.len);
    buf_release(&b);
}

/* ---- profiles ---------------------------------------------------------------- */

static int path_id(struct request *r, int64_t *id)
{
    if (str_to_i64(str_from(r->params[0]), id) || *id <= 0) {
        http_reply_error(r, ERR_INVALID, 400, "id", "profile id must be a positive integer, got \"%s\"",
                         r->params[0]);
        return -1;
    }
    return 0;
}

void h_profile_get(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || path_id(r, &id))
        return;
    struct errbuf e = {{0}, {0}};
    json_t *view;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_profile_view(s, id, &view, &e);
    store_pool_put(r->srv->readers, s);
    if (rc)
        http_reply_errbuf(r, rc, &e);
    else
        http_reply_json(r, 200, view);
}

static const char *const identity_types[] = {"email",        "phone",        "user_id",
                                             "anonymous_id", "loyalty_card", "customer_number"};

static int query_limit(struct request *r, int def, int max, int *out)
{
    const char *l = http_query(r, "limit");
    int64_t v = def;
    if (l && (cstr_to_i64(l, &v) || v < 1 || v > max)) {
        http_reply_error(r, ERR_INVALID, 400, "limit", "limit must be 1 to %d", max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/*
 * Reply with a page: data (taken) and the cursor that continues after
 * last_id, or null when this was the last page.
 */
static void reply_page(struct request *r, json_t *data, bool more, int64_t last_id)
{
    json_t *next = json_null();
    if (more) {
        char c[24];
        snprintf(c, sizeof(c), "%lld", (long long)last_id);
        next = json_string(c);
    }
    http_reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}

static int query_cursor(struct request *r, int64_t *out)
{
    const char *c = http_query(r, "cursor");
    *out = 0;
    if (c && *c && (cstr_to_i64(c, out) || *out < 0)) {
        http_reply_error(r, ERR_INVALID, 400, "cursor", "cursor is not one this API returned");
        return -1;
    }
    return 0;
}

void h_profile_search(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    const char *q = http_query(r, "identity");
    struct str type, value;
    if (!q || !str_cut(str_from(q), ':', &type, &value) || !value.len) {
        http_reply_error(r, ERR_INVALID, 400, "identity",
                         "identity=TYPE:VALUE is required, e.g. identity=email:ann@example.com");
        return;
    }
    const char *t = NULL;
    for (size_t i = 0; i < sizeof(identity_types) / sizeof(identity_types[0]); i++)
        if (str_eq_cstr(type, identity_types[i]))
            t = identity_types[i];
    if (!t) {
        http_reply_error(r, ERR_INVALID, 400, "identity",
                         "unknown identity type \"%.*s\": use email, phone, user_id, "
                         "anonymous_id, loyalty_card or customer_number",
                         (int)type.len, type.ptr);
        return;
    }
    struct clean_ctx cc = {.country = http_query(r, "country"), .now = clock_now(),
                           .arena = &r->arena};
    const char *v = clean_identity_value(&cc, t, arena_strndup(&r->arena, value.ptr, value.len));
    int limit;
    int64_t cursor;
    if (query_limit(r, 20, 100, &limit) || query_cursor(r, &cursor))
        return;

    int64_t ids[101];
    int n = 0;
    json_t *data = json_array();
    struct store *s = store_pool_get(r->srv->readers);
    int rc = v ? store_identity_search(s, t, v, http_query(r, "source"), cursor, limit + 1, ids, &n)
               : 0;
    for (int i = 0; !rc && i < n && i < limit; i++) {
        json_t *view;
        if (store_profile_view(s, ids[i], &view, NULL) == 0)
            json_array_append_new(data, view);
    }
    store_pool_put(r->srv->readers, s);
    if (rc) {
        json_decref(data);
        http_reply_error(r, rc, 0, NULL, "search failed");
        return;
    }
    reply_page(r, data, n > limit, n > limit ? ids[limit - 1] : 0);
}

/* ---- consents ------------------------------------------------------------------ */

static int consent_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    int64_t survivor;
    int rc = store_profile_resolve(s, r->consent.profile_id, &survivor);
    if (rc == ERR_NOT_FOUND)
        return err_field(e, rc, "id", "no profile with id %lld", (long long)r->consent.profile_id);
    if (rc)
        return err_set(e, rc, "reading the profile failed");
    r->consent.profile_id = survivor;
    rc = store_consent_set(s, &r->consent, clock_now());
    return rc ? err_set(e, rc, "storing the consent failed") : 0;
}

static void consent_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    if (rc) {
        http_reply_errbuf(r, rc, e);
    } else {
        const struct store_consent *c = &r->consent;
        char t[32];
        time_format_iso8601(c->ts, t, sizeof(t));
        http_reply_json(r, 200,
                        json_pack("{s:I, s:s, s:s, s:s, s:{s:s?, s:s?, s:s?, s:s}}", "profile_id",
                                  (json_int_t)c->profile_id, "channel", c->channel, "purpose",
                                  c->purpose, "status", c->status, "proof", "source", c->source,
                                  "wording", c->wording, "ip", c->ip, "time", t));
    }
    http_resume(r);
}

void h_consent_put(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || path_id(r, &id))
        return;
    const char *channel = r->params[1];
    if (!seg_channel_valid(channel)) {
        http_reply_error(r, ERR_INVALID, 400, "channel",
                         "channel must be one of email, sms, push, post, phone, got \"%s\"", channel);
        return;
    }
    struct errbuf e = {{0}, {0}};
    int rc = json_parse(r->body.ptr, r->body.len, &r->ingest.root, &e);
    if (!rc && !json_is_object(r->ingest.root))
        rc = err_field(&e, ERR_INVALID, "body", "the body must be a JSON object");
    if (!rc)
        rc = seg_parse_consent(r->ingest.root, "", channel, clock_now(), &r->consent, &e);
    if (rc) {
        http_reply_errbuf(r, rc, &e);
        return;
    }
    if (!r->consent.source)
        r->consent.source = "api";
    r->consent.channel = channel;
    r->consent.profile_id = id;
    r->job.apply = consent_apply;
    r->job.done = consent_done;
    http_defer(r);
    if (writer_submit(r->srv->writer, &r->job)) {
        http_reply_error(r, ERR_BUSY, 503, NULL, "rondo is shutting down; retry later");
        http_resume(r);
    }
}

/* ---- erasure: DELETE /api/v1/profiles/{id} (admin) ---------------------------- */

static int erase_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    return store_profile_erase(s, r->consent.profile_id, clock_now(), e);
}

static void erase_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "id", "%s", e->msg);
    else if (rc == ERR_INVALID)
        http_reply_error(r, rc, 409, "id", "%s", e->msg);
    else if (rc)
        http_reply_errbuf(r, rc, e);
    else
        http_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)r->consent.profile_id,
                                          "erased", 1));
    http_resume(r);
}

void h_profile_erase(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_ADMIN) || path_id(r, &id))
        return;
    r->consent.profile_id = id;
    r->job.apply = erase_apply;
    r->job.done = erase_done;
    http_defer(r);
    if (writer_submit(r->srv->writer, &r->job)) {
        http_reply_error(r, ERR_BUSY, 503, NULL, "rondo is shutting down; retry later");
        http_resume(r);
    }
}

void h_consent_history(struct request *r)
{
    int64_t id, survivor;
    if (http_auth_api(r, ROLE_MARKETER) || path_id(r, &id))
        return;
    struct store *s = store_pool_get(r->srv->readers);
    json_t *hist = NULL;
    int rc = store_profile_resolve(s, id, &survivor);
    if (!rc)
        rc = store_consent_history(s, survivor, &hist, NULL);
    store_pool_put(r->srv->readers, s);
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "id", "no profile with id %lld", (long long)id);
    else if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the consent history failed");
    else
        http_reply_json(r, 200, json_pack("{s:I, s:o}", "profile_id", (json_int_t)survivor, "data", hist));
}

void h_quarantine(struct request *r)
{
    int limit;
    int64_t cursor;
    if (http_auth_api(r, ROLE_MARKETER) || query_limit(r, 50, 500, &limit) ||
        query_cursor(r, &cursor))
        return;
    json_t *rows;
    struct store *s = store_pool_get(r->srv->readers);
    /* One row more than asked tells whether there is a next page (as in the profile search). */
    const char *pending = http_query(r, "pending");
    struct store_qfilter qf = {.source = http_query(r, "source"),
                               .pending_only = pending && strcmp(pending, "true") == 0};
    store_quarantine_list(s, &qf, cursor, limit + 1, &rows, NULL);
    store_pool_put(r->srv->readers, s);
    bool more = json_array_size(rows) > (size_t)limit;
    if (more)
        json_array_remove(rows, (size_t)limit);
    json_t *last = json_object_get(json_array_get(rows, (size_t)limit - 1), "id");
    reply_page(r, rows, more, json_integer_value(last));
}

/* ---- data quality -------------------------------------------------------------- */

void h_quality(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "html") != 0) {
        http_reply_error(r, ERR_INVALID, 400, "format", "format must be json or html, got \"%s\"",
                         format);
        return;
    }
    struct errbuf e = {{0}, {0}};
    json_t *rep;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = quality_report(s, &rep, &e);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        http_reply_errbuf(r, rc, &e);
    } else if (format && strcmp(format, "html") == 0) {
        struct buf b;
        buf_init(&b, 0);
        quality_render_html(rep, &b);
        http_reply_text(r, 200, "text/html; charset=utf-8", b.ptr, b.len);
        buf_release(&b);
        json_decref(rep);
    } else {
        http_reply_json(r, 200, rep);
    }
}
