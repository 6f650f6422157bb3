/*
 * h_segments.c — segments in the management API (issue 5): saved segments
 * created, read, changed (a new version each time) and deleted; their
 * counts, members (pages, or every member as CSV), the shift matrix of an
 * exclusive segment, and a preview that saves nothing.
 *
 * The segment engine belongs to the writer thread, so a create, update,
 * delete or preview is a writer job: allocated in the request's arena, it
 * owns the parsed body until its done callback, which replies, frees the
 * body and only then calls http_resume (after which the request may be
 * gone). A change and the full pass that follows it commit together, so
 * the member count in the answer is the committed one. Reads borrow a
 * reader connection and see what is committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/str.h"
#include "base/textdist.h"
#include "base/xalloc.h"
#include "http/http.h"
#include "segment/engine.h"
#include "segment/live.h"

#define MEMBERS_DEFAULT_LIMIT 100
#define MEMBERS_MAX_LIMIT 1000
#define SAMPLE_DEFAULT 10
#define SAMPLE_MAX 100
#define CSV_PAGE 2000 /* members read per piece of a CSV export */
#define DAY_MS 86400000LL
#define SHIFTS_DEFAULT_DAYS 30

enum seg_op { OP_CREATE, OP_UPDATE, OP_DELETE, OP_PREVIEW };

struct seg_job {
    struct writer_job job; /* first: the writer hands back this pointer */
    struct request *r;
    enum seg_op op;
    int64_t id;     /* update, delete */
    json_t *body;   /* owned; NULL for a delete */
    int sample;     /* preview */
    json_t *answer; /* set by apply, replied (and freed) by done */
};

/* ---- request parts ----------------------------------------------------------------- */


/* A store error of a read: 404 naming the id, or the error as it is. */
static void reply_read_error(struct request *r, int rc, int64_t id)
{
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "id", "no segment with id %lld", (long long)id);
    else
        http_reply_error(r, rc, 0, NULL, "reading the segment failed");
}



/*
 * The definition in the body, checked here so that a wrong one costs the
 * writer nothing: exactly one of "rule" and "subs". Else replies 400.
 */
static int body_definition(struct request *r, json_t *body)
{
    bool rule = json_object_get(body, "rule"), subs = json_object_get(body, "subs");
    if (rule == subs) {
        http_reply_error(r, ERR_INVALID, 400, "rule",
                         "give either \"rule\" (a rule's text or its JSON form) or \"subs\" (an "
                         "exclusive segment: [{\"name\": ..., \"rule\": ...}, ...], first match "
                         "wins)%s",
                         rule ? ", not both" : "");
        return -1;
    }
    struct errbuf e = {{0}, {0}};
    json_t *stored = NULL;
    const char *kind;
    bool timed;
    int rc = sg_definition_check(body, &stored, &kind, &timed, &e);
    json_decref(stored);
    if (rc) {
        http_reply_errbuf(r, rc, &e);
        return -1;
    }
    return 0;
}

/* ---- answers ---------------------------------------------------------------------------- */

static json_t *iso_time(int64_t ms)
{
    char t[32];
    time_format_iso8601(ms, t, sizeof(t));
    return json_string(t);
}

/* A segment's summary: everything but the definition. */
static json_t *segment_summary(const struct store_segment *g)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:b, s:o, s:o}", "id", (json_int_t)g->id, "name",
                     g->name, "kind", g->kind, "version", (json_int_t)g->version, "time_relative",
                     g->time_relative, "created_at", iso_time(g->created_at), "updated_at",
                     iso_time(g->updated_at));
}

static int on_segment(void *ctx, const struct store_segment *g)
{
    json_t *o = segment_summary(g);
    json_t *def = json_loads(g->definition, 0, NULL);
    json_object_set_new(o, "definition", def ? def : json_null());
    *(json_t **)ctx = o;
    return 0;
}

/* A segment with its definition (each rule as JSON and as text) and its member count. */
static int segment_answer(struct store *s, int64_t id, json_t **out)
{
    *out = NULL;
    int64_t n;
    int rc = store_segment_get(s, id, on_segment, out);
    if (!rc)
        rc = store_segment_member_count(s, id, &n);
    if (rc) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    json_object_set_new(*out, "members", json_integer(n));
    return 0;
}

/* ---- writes and previews, on the writer thread ------------------------------------------- */

static int preview_apply(struct sg_engine *g, struct seg_job *j, struct errbuf *e)
{
    int64_t ids[SAMPLE_MAX];
    struct sg_preview pv;
    int rc = sg_engine_preview(g, j->body, clock_now(), ids, j->sample, &pv, e);
    if (rc)
        return rc;
    json_t *sample = json_array();
    for (int i = 0; i < pv.nsample; i++)
        json_array_append_new(sample, json_integer(ids[i]));
    j->answer = json_pack("{s:I, s:I, s:o, s:f}", "count", (json_int_t)pv.count, "profiles",
                          (json_int_t)pv.profiles, "sample", sample, "seconds", pv.seconds);
    if (pv.nsubs) {
        json_t *subs = json_array();
        const json_t *in = json_object_get(j->body, "subs");
        for (int i = 0; i < pv.nsubs; i++)
            json_array_append_new(
                subs,
                json_pack("{s:s, s:I}", "name",
                          json_string_value(json_object_get(json_array_get(in, (size_t)i), "name")),
                          "count", (json_int_t)pv.sub_count[i]));
        json_object_set_new(j->answer, "subs", subs);
    }
    return 0;
}

static int job_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct seg_job *j = (struct seg_job *)job;
    struct sg_engine *g = sg_live_engine(j->r->srv->segments);
    if (!g)
        return err_set(e, ERR_BUSY,
                       "segments are unavailable: the segment engine did not load when the "
                       "server started (its log says why)");
    if (j->op == OP_PREVIEW)
        return preview_apply(g, j, e);
    const char *name = json_string_value(json_object_get(j->body, "name"));
    struct sg_saved sv;
    int rc = sg_engine_save(g, s, j->op == OP_CREATE ? 0 : j->id, name,
                            j->op == OP_DELETE ? NULL : j->body, clock_now(), &sv, e);
    if (!rc)
        sg_live_saved(j->r->srv->segments, s);
    if (!rc && j->op != OP_DELETE) {
        rc = segment_answer(s, sv.id, &j->answer);
        if (rc)
            err_set(e, rc, "reading the saved segment: %s", store_last_error(s));
    }
    return rc;
}

static void job_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct seg_job *j = (struct seg_job *)job;
    struct request *r = j->r;
    if (rc) {
        http_reply_errbuf(r, rc, e);
        json_decref(j->answer); /* applied, then the commit failed */
    } else if (j->op == OP_DELETE) {
        http_reply_text(r, 204, "application/json", "", 0);
    } else {
        http_reply_json(r, j->op == OP_CREATE ? 201 : 200, j->answer);
    }
    json_decref(j->body);
    http_resume(r);
}

/* Hands the job to the writer; it owns body from here on. */
static void submit(struct request *r, enum seg_op op, int64_t id, json_t *body, int sample)
{
    struct seg_job *j = arena_alloc(&r->arena, sizeof(*j));
    if (!j) {
        json_decref(body);
        http_reply_error(r, ERR_NOMEM, 500, NULL, "out of request memory");
        return;
    }
    memset(j, 0, sizeof(*j));
    j->job.apply = job_apply;
    j->job.done = job_done;
    j->r = r;
    j->op = op;
    j->id = id;
    j->body = body;
    j->sample = sample;
    http_defer(r);
    if (writer_submit(r->srv->writer, &j->job)) {
        json_decref(body);
        http_reply_error(r, ERR_BUSY, 503, NULL, "rondo is shutting down; retry later");
        http_resume(r);
    }
}

static const char *const save_members[] = {"name", "rule", "subs", NULL};
static const char *const preview_members[] = {"rule", "subs", "sample", NULL};

/* The body of a create or update, checked; NULL when a reply was given. */
static json_t *save_body(struct request *r, bool name_required)
{
    json_t *body = http_body_object(
        r, save_members, "{\"name\": ..., \"rule\": ...} or {\"name\": ..., \"subs\": [...]}");
    if (!body)
        return NULL;
    json_t *name = json_object_get(body, "name");
    if ((name || name_required) && !json_is_string(name)) {
        http_reply_error(r, ERR_INVALID, 400, "name", "\"name\" (a text) is required%s",
                         name_required ? "" : " when given");
        json_decref(body);
        return NULL;
    }
    if (body_definition(r, body)) {
        json_decref(body);
        return NULL;
    }
    return body;
}

void h_segment_create(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *body = save_body(r, true);
    if (body)
        submit(r, OP_CREATE, 0, body, 0);
}

void h_segment_update(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "segment", &id))
        return;
    json_t *body = save_body(r, false);
    if (body)
        submit(r, OP_UPDATE, id, body, 0);
}

void h_segment_delete(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "segment", &id))
        return;
    submit(r, OP_DELETE, id, NULL, 0);
}

void h_segment_preview(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *body = http_body_object(r, preview_members,
                               "{\"rule\": ...} or {\"subs\": [...]}, and \"sample\" if you like");
    if (!body)
        return;
    const json_t *sv = json_object_get(body, "sample");
    int sample = SAMPLE_DEFAULT;
    if (sv && (!json_is_integer(sv) || json_integer_value(sv) < 0 ||
               json_integer_value(sv) > SAMPLE_MAX)) {
        http_reply_error(r, ERR_INVALID, 400, "sample",
                         "\"sample\" is how many profile ids to show, 0 to %d", SAMPLE_MAX);
        json_decref(body);
        return;
    }
    if (sv)
        sample = (int)json_integer_value(sv);
    if (body_definition(r, body)) {
        json_decref(body);
        return;
    }
    submit(r, OP_PREVIEW, 0, body, sample);
}

/* ---- reads ------------------------------------------------------------------------------- */

struct list_ctx {
    struct store *s;
    json_t *data;
};

static int on_list(void *ctx, const struct store_segment *g)
{
    struct list_ctx *l = ctx;
    int64_t n = 0;
    json_t *o = segment_summary(g);
    if (store_segment_member_count(l->s, g->id, &n) == 0)
        json_object_set_new(o, "members", json_integer(n));
    json_array_append_new(l->data, o);
    return 0;
}

void h_segment_list(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    struct store *s = store_pool_get(r->srv->readers);
    struct list_ctx l = {s, json_array()};
    int rc = store_segment_list(s, on_list, &l);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        json_decref(l.data);
        http_reply_error(r, rc, 0, NULL, "reading the segments failed");
        return;
    }
    /* every segment at once: a workspace has tens, not thousands */
    http_reply_json(r, 200, json_pack("{s:o, s:n}", "data", l.data, "next_cursor"));
}

void h_segment_get(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "segment", &id))
        return;
    json_t *answer;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = segment_answer(s, id, &answer);
    store_pool_put(r->srv->readers, s);
    if (rc)
        reply_read_error(r, rc, id);
    else
        http_reply_json(r, 200, answer);
}

void h_segment_count(struct request *r)
{
    int64_t id, n;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "segment", &id))
        return;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_segment_member_count(s, id, &n);
    store_pool_put(r->srv->readers, s);
    if (rc)
        reply_read_error(r, rc, id);
    else
        http_reply_json(r, 200,
                        json_pack("{s:I, s:I}", "id", (json_int_t)id, "count", (json_int_t)n));
}

/* -- members -- */

struct members_ctx {
    json_t *rows;
    int64_t last;
};

static int on_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    struct members_ctx *m = ctx;
    json_array_append_new(m->rows,
                          json_pack("{s:I, s:s?, s:o}", "profile_id", (json_int_t)profile_id, "sub",
                                    sub, "since", iso_time(since)));
    m->last = profile_id;
    return 0;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(struct buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        buf_adds(b, s);
        return;
    }
    buf_addch(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_addch(b, '"');
        buf_addch(b, *s);
    }
    buf_addch(b, '"');
}

/* An export: every member, a page at a time, each page on a reader borrowed for it. */
struct csv_export {
    struct store_pool *readers;
    int64_t id, after;
    bool header, done;
    struct buf *out; /* during a fill */
    int rows;
};

static int on_csv_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    struct csv_export *x = ctx;
    char when[32];
    time_format_iso8601(since, when, sizeof(when));
    buf_addf(x->out, "%lld,", (long long)profile_id);
    csv_field(x->out, sub ? sub : "");
    buf_addf(x->out, ",%s\r\n", when);
    x->after = profile_id;
    x->rows++;
    return 0;
}

static int csv_fill(void *ctx, struct buf *out)
{
    struct csv_export *x = ctx;
    if (!x->header) {
        x->header = true;
        buf_adds(out, "profile_id,sub,since\r\n");
        return 0;
    }
    if (x->done)
        return 0;
    x->out = out;
    x->rows = 0;
    struct store *s = store_pool_get(x->readers);
    int rc = store_segment_members(s, x->id, x->after, CSV_PAGE, on_csv_member, x);
    store_pool_put(x->readers, s);
    x->done = x->rows < CSV_PAGE;
    return rc; /* deleted meanwhile: the export is cut off rather than passed as whole */
}

static void csv_release(void *ctx)
{
    free(ctx);
}

static void members_csv(struct request *r, int64_t id)
{
    int64_t n;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_segment_member_count(s, id, &n);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        reply_read_error(r, rc, id);
        return;
    }
    struct csv_export *x = xcalloc(1, sizeof(*x));
    x->readers = r->srv->readers;
    x->id = id;
    http_reply_stream(r, 200, "text/csv; charset=utf-8", csv_fill, csv_release, x);
}

void h_segment_members(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "segment", &id))
        return;
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
        http_reply_error(r, ERR_INVALID, 400, "format", "format must be json or csv, got \"%s\"",
                         format);
        return;
    }
    if (format && !strcmp(format, "csv")) {
        members_csv(r, id);
        return;
    }
    const char *l = http_query(r, "limit"), *a = http_query(r, "after");
    const char *after_name = "after";
    if (!a) { /* next_cursor passed back as cursor, as in the other lists */
        a = http_query(r, "cursor");
        after_name = "cursor";
    }
    int64_t limit = MEMBERS_DEFAULT_LIMIT, after = 0;
    if (l && (cstr_to_i64(l, &limit) || limit < 1 || limit > MEMBERS_MAX_LIMIT)) {
        http_reply_error(r, ERR_INVALID, 400, "limit", "limit must be 1 to %d", MEMBERS_MAX_LIMIT);
        return;
    }
    if (a && *a && (cstr_to_i64(a, &after) || after < 0)) {
        http_reply_error(r, ERR_INVALID, 400, after_name,
                         "%s is a profile id, as next_cursor gives it; got \"%s\"", after_name, a);
        return;
    }
    struct members_ctx m = {json_array(), 0};
    struct store *s = store_pool_get(r->srv->readers);
    /* One row more than asked tells whether there is a next page. */
    int rc = store_segment_members(s, id, after, (int)limit + 1, on_member, &m);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        json_decref(m.rows);
        reply_read_error(r, rc, id);
        return;
    }
    json_t *next = json_null();
    if (json_array_size(m.rows) > (size_t)limit) {
        json_array_remove(m.rows, (size_t)limit);
        json_t *last = json_object_get(json_array_get(m.rows, (size_t)limit - 1), "profile_id");
        char c[24];
        snprintf(c, sizeof(c), "%lld", (long long)json_integer_value(last));
        json_decref(next);
        next = json_string(c);
    }
    http_reply_json(
        r, 200,
        json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id, "members", m.rows, "next_cursor", next));
}

/* -- the shift matrix -- */

static int on_shift(void *ctx, const char *from, const char *to, int64_t count)
{
    json_array_append_new(
        ctx, json_pack("{s:s, s:s, s:I}", "from", from, "to", to, "count", (json_int_t)count));
    return 0;
}

/*
 * A time parameter, as `rondo segment shifts` takes it: a date (midnight
 * UTC) or an ISO 8601 time. 1 when absent, -1 when a reply was given.
 */
static int query_time(struct request *r, const char *name, int64_t *out)
{
    const char *v = http_query(r, name);
    if (!v)
        return 1;
    if (time_parse_iso8601(v, out)) {
        http_reply_error(r, ERR_INVALID, 400, name,
                         "%s must be a date (2026-11-01) or an ISO 8601 time, got \"%s\"", name, v);
        return -1;
    }
    return 0;
}

void h_segment_shifts(struct request *r)
{
    int64_t id, from, to;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "segment", &id))
        return;
    int hf = query_time(r, "from", &from), ht = query_time(r, "to", &to);
    if (hf < 0 || ht < 0)
        return;
    if (ht)
        to = clock_now() + 1; /* now included */
    if (hf)
        from = to - SHIFTS_DEFAULT_DAYS * DAY_MS;
    if (from >= to) {
        http_reply_error(r, ERR_INVALID, 400, "from", "from must come before to");
        return;
    }
    json_t *shifts = json_array();
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_segment_shifts(s, id, from, to, on_shift, shifts);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        json_decref(shifts);
        reply_read_error(r, rc, id);
        return;
    }
    http_reply_json(r, 200,
                    json_pack("{s:I, s:o, s:o, s:o}", "id", (json_int_t)id, "from", iso_time(from),
                              "to", iso_time(to), "shifts", shifts));
}
