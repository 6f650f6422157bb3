/*
 * h_scenarios.c — scenarios in the management API (issue 6): scenarios
 * created, changed (a new version each time), validated, activated, paused
 * and archived; profiles entered into scenarios whose trigger is "api";
 * runs with their ledger and messages; templates; the outbox; tasks and
 * their one-click resolve link (/t/{token}, no API key: the token is the
 * secret); and the simulated clock.
 *
 * The scenario engine belongs to the writer thread, so every write is a
 * writer job: allocated in the request's arena, it owns the parsed body
 * until its done callback, which replies, frees the body and only then
 * calls http_resume (after which the request may be gone). A change to a
 * scenario or a template also reloads the live engine in the same job, so
 * an entry that follows the change sees it even when the clock (simulated)
 * has not moved and the engine's stamp alone would not tell. Reads borrow
 * a reader connection and see what is committed.
 *
 * A clock advance blocks until every run due at the new time has been
 * processed; that wait happens on a thread of its own, not on the HTTP
 * thread, which the request leaves deferred.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "base/textdist.h"
#include "base/xalloc.h"
#include "channel/template.h"
#include "clean/record.h"
#include "http/http.h"
#include "scenario/engine.h"
#include "scenario/live.h"
#include "scenario/manage.h"
#include "segment/build.h"
#include "segment/engine.h"

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT 1000
#define RUN_STEPS_MAX 1000   /* steps of a run shown by GET /api/v1/runs/{id} */
#define RUN_MESSAGES_MAX 100 /* and its messages */
#define TOKEN_MAX 64         /* a task token: hex digits */

/* ---- request parts ----------------------------------------------------------------- */





/* ---- answers ---------------------------------------------------------------------------- */

static json_t *iso_time(int64_t ms)
{
    char t[32];
    time_format_iso8601(ms, t, sizeof(t));
    return json_string(t);
}

static json_t *opt_time(int64_t ms)
{
    return ms ? iso_time(ms) : json_null();
}

/* A run as the API shows it. */
static json_t *run_json(const struct store_run *x)
{
    json_t *payload = x->payload ? json_loads(x->payload, 0, NULL) : NULL;
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:I, s:s?, s:s?, s:o}", "id",
                          (json_int_t)x->id, "scenario_id", (json_int_t)x->scenario_id, "version",
                          (json_int_t)x->version, "profile_id", (json_int_t)x->profile_id, "state",
                          x->state, "node", x->node, "wake_at", opt_time(x->wake_at), "steps",
                          (json_int_t)x->seq, "branch", x->branch, "outcome", x->outcome, "payload",
                          payload ? payload : json_null());
    json_object_set_new(o, "entered_at", iso_time(x->entered_at));
    json_object_set_new(o, "updated_at", iso_time(x->updated_at));
    json_object_set_new(o, "ended_at", opt_time(x->ended_at));
    return o;
}

static int on_run(void *ctx, const struct store_run *x)
{
    json_t **out = ctx;
    json_decref(*out);
    *out = run_json(x);
    return 0;
}

static int on_run_row(void *ctx, const struct store_run *x)
{
    json_array_append_new(ctx, run_json(x));
    return 0;
}

/* ---- writes, on the writer thread --------------------------------------------------------- */

enum sc_op {
    OP_CREATE,
    OP_UPDATE,
    OP_ACTIVATE,
    OP_PAUSE,
    OP_ARCHIVE,
    OP_ENTER,
    OP_TEMPLATE,
    OP_RESOLVE
};

struct sc_job {
    struct writer_job job; /* first: the writer hands back this pointer */
    struct request *r;
    enum sc_op op;
    int64_t id;         /* the scenario */
    int64_t profile_id; /* enter */
    json_t *body;       /* owned; the request's body, or the entry's payload */
    const char *name;   /* a template's name, a task's token (in the request's arena) */
    char *text;         /* a template's text part made from its html; owned */
    /* set by apply, replied (and freed) by done */
    json_t *answer;
    int status;
    const char *refused; /* enter: why the engine did not start a run */
    bool already;        /* resolve: the task was resolved before */
};

/* The engine of the writer thread; NULL with e saying why (503). */
static struct sc_engine *live_engine(struct request *r, struct store *s, struct errbuf *e)
{
    struct errbuf why = {{0}, {0}};
    struct sc_engine *g = sc_live_engine(r->srv->scenarios, s, &why);
    if (!g)
        err_set(e, ERR_BUSY, "scenarios are unavailable: %s (the server's log says more)",
                why.msg[0] ? why.msg : "the engine did not open");
    return g;
}

/* A scenario or template changed in this transaction: the live engine reads them again. */
static void engine_changed(struct request *r, struct store *s)
{
    struct errbuf e = {{0}, {0}};
    struct sc_engine *g = sc_live_engine(r->srv->scenarios, s, &e);
    if (g && sc_engine_reload(g, s, &e))
        log_warn("scenarios: reading them again after a change: %s", e.msg);
}

struct status_ctx {
    char status[12];
    char trigger[32];
};

static int on_status(void *ctx, const struct store_scenario *c)
{
    struct status_ctx *x = ctx;
    snprintf(x->status, sizeof x->status, "%s", c->status);
    json_t *d = json_loads(c->definition, 0, NULL);
    const char *t = json_string_value(json_object_get(json_object_get(d, "trigger"), "type"));
    snprintf(x->trigger, sizeof x->trigger, "%s", t ? t : "?");
    json_decref(d);
    return 0;
}

static int scenario_status(struct store *s, int64_t id, struct status_ctx *x, struct errbuf *e)
{
    int rc = store_scenario_get(s, id, on_status, x);
    if (rc == ERR_NOT_FOUND)
        return err_field(e, rc, "id", "no scenario has the id %lld", (long long)id);
    if (rc)
        return err_set(e, rc, "reading the scenario: %s", store_last_error(s));
    return 0;
}

static int status_apply(struct store *s, struct sc_job *j, struct errbuf *e)
{
    static const char *const actions[] = {
        [OP_ACTIVATE] = "activate", [OP_PAUSE] = "pause", [OP_ARCHIVE] = "archive"};
    struct status_ctx x;
    int rc = scenario_status(s, j->id, &x, e);
    if (rc)
        return rc;
    if (!strcmp(x.status, "archived") && j->op != OP_ARCHIVE)
        return err_set(e, ERR_EXISTS,
                       "scenario %lld is archived, for good: it cannot be %s; create a new one",
                       (long long)j->id, j->op == OP_ACTIVATE ? "activated" : "paused");
    rc = sc_set_status(s, j->id, actions[j->op], clock_now(), e);
    if (!rc)
        rc = sc_show(s, j->id, false, &j->answer, e);
    if (!rc)
        engine_changed(j->r, s);
    return rc;
}

/* Why an entry was refused, for people. */
static const char *refusal_text(const char *why)
{
    if (!strcmp(why, "already_running"))
        return "the profile's run of this scenario has not finished";
    if (!strcmp(why, "no_reentry"))
        return "the profile ran this scenario before, and its entry rules allow one run "
               "(entry.reentry is false)";
    if (!strcmp(why, "too_soon"))
        return "the profile entered this scenario less than its entry.min_interval ago";
    if (!strcmp(why, "not_active"))
        return "the scenario is not active: activate it first";
    return "the engine refused the entry";
}

static int enter_apply(struct store *s, struct sc_job *j, struct errbuf *e)
{
    struct sc_engine *g = live_engine(j->r, s, e);
    if (!g)
        return ERR_BUSY;
    int64_t survivor;
    int rc = store_profile_resolve(s, j->profile_id, &survivor);
    if (rc == ERR_NOT_FOUND)
        return err_field(e, rc, "profile_id", "no profile with id %lld", (long long)j->profile_id);
    if (rc)
        return err_set(e, rc, "reading the profile: %s", store_last_error(s));
    if (!sc_engine_accepts_api(g, j->id)) {
        /* changed by another process since the engine read the scenarios? */
        if ((rc = sc_engine_reload(g, s, e)))
            return rc;
    }
    if (!sc_engine_accepts_api(g, j->id)) {
        struct status_ctx x;
        if ((rc = scenario_status(s, j->id, &x, e)))
            return rc;
        if (!strcmp(x.trigger, "api"))
            return err_set(e, ERR_EXISTS, "scenario %lld is %s: it takes no entries",
                           (long long)j->id, x.status);
        return err_set(e, ERR_EXISTS,
                       "scenario %lld starts on its trigger (\"%s\"), not by a call: only a "
                       "scenario whose trigger is {\"type\": \"api\"} is entered through the API",
                       (long long)j->id, x.trigger);
    }
    int64_t run = 0;
    j->profile_id = survivor;
    rc = sc_engine_enter(g, s, j->id, survivor, json_object_get(j->body, "payload"), clock_now(),
                         &run, &j->refused, e);
    if (rc || j->refused)
        return rc;
    rc = store_run_get(s, run, on_run, &j->answer);
    return rc ? err_set(e, rc, "reading the new run: %s", store_last_error(s)) : 0;
}

static int template_apply(struct store *s, struct sc_job *j, struct errbuf *e)
{
    json_t *old = NULL;
    int rc = store_template_get(s, j->name, &old);
    json_decref(old);
    if (rc && rc != ERR_NOT_FOUND)
        return err_set(e, rc, "reading the template: %s", store_last_error(s));
    j->status = rc == ERR_NOT_FOUND ? 201 : 200;
    const json_t *b = j->body;
    const char *body = json_string_value(json_object_get(b, "body"));
    rc = store_template_put(s, j->name, json_string_value(json_object_get(b, "channel")),
                            json_string_value(json_object_get(b, "subject")), body ? body : j->text,
                            json_string_value(json_object_get(b, "html")), clock_now(), NULL);
    if (!rc)
        rc = store_template_get(s, j->name, &j->answer);
    if (rc)
        return err_set(e, rc, "saving the template: %s", store_last_error(s));
    engine_changed(j->r, s);
    return 0;
}

static int resolve_apply(struct store *s, struct sc_job *j, struct errbuf *e)
{
    struct sc_engine *g = live_engine(j->r, s, e);
    if (!g)
        return ERR_BUSY;
    int64_t task = 0, run = 0, now = clock_now();
    int rc = store_task_resolve(s, j->name, now, &task, &run);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "no task has this link");
    if (rc == ERR_DUPLICATE) {
        j->already = true;
        rc = 0;
    } else if (rc) {
        return err_set(e, rc, "resolving the task: %s", store_last_error(s));
    } else if (run) {
        rc = sc_engine_task_resolved(g, s, run, now, e);
    }
    if (!rc)
        rc = store_task_get(s, j->name, &j->answer);
    return rc;
}

static int job_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct sc_job *j = (struct sc_job *)job;
    int64_t now = clock_now(), version;
    int rc;
    switch (j->op) {
    case OP_CREATE:
        rc = sc_create(s, j->body, now, &j->id, e);
        break;
    case OP_UPDATE:
        rc = sc_update(s, j->id, j->body, now, &version, e);
        if (rc == ERR_NOT_FOUND)
            snprintf(e->field, sizeof e->field, "id");
        break;
    case OP_ACTIVATE:
    case OP_PAUSE:
    case OP_ARCHIVE:
        return status_apply(s, j, e);
    case OP_ENTER:
        return enter_apply(s, j, e);
    case OP_TEMPLATE:
        return template_apply(s, j, e);
    case OP_RESOLVE:
        return resolve_apply(s, j, e);
    default:
        BUG("scenario job %d", (int)j->op);
    }
    if (!rc)
        rc = sc_show(s, j->id, false, &j->answer, e);
    if (!rc)
        engine_changed(j->r, s);
    return rc;
}

static void task_page_done(struct request *r, int rc, const struct errbuf *e, json_t *task,
                           bool already);

static void job_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct sc_job *j = (struct sc_job *)job;
    struct request *r = j->r;
    if (j->op == OP_RESOLVE) {
        task_page_done(r, rc, e, j->answer, j->already);
        j->answer = NULL;
    } else if (rc) {
        http_reply_errbuf(r, rc, e);
    } else if (j->refused && !strcmp(j->refused, "unknown_profile")) {
        http_reply_error(r, ERR_NOT_FOUND, 404, "profile_id",
                         "profile %lld is not one the scenario engine knows (merged or deleted)",
                         (long long)j->profile_id);
    } else if (j->refused) {
        json_t *err =
            json_pack("{s:s, s:o, s:s}", "code", err_code(ERR_EXISTS), "message",
                      json_sprintf("not entered: %s (%s)", j->refused, refusal_text(j->refused)),
                      "reason", j->refused);
        http_reply_json(r, 409, json_pack("{s:o}", "error", err));
    } else if (j->op == OP_ENTER) {
        json_t *a = json_pack("{s:O, s:I, s:I, s:o}", "run_id", json_object_get(j->answer, "id"),
                              "scenario_id", (json_int_t)j->id, "profile_id",
                              (json_int_t)j->profile_id, "run", j->answer);
        j->answer = NULL;
        http_reply_json(r, 201, a);
    } else {
        int status = j->op == OP_CREATE ? 201 : j->op == OP_TEMPLATE ? j->status : 200;
        http_reply_json(r, status, j->answer);
        j->answer = NULL;
    }
    json_decref(j->answer);
    json_decref(j->body);
    free(j->text);
    http_resume(r);
}

/* Hands the job to the writer; it owns body and text from here on. */
static void submit(struct request *r, enum sc_op op, int64_t id, json_t *body, const char *name,
                   char *text, int64_t profile_id)
{
    struct sc_job *j = arena_alloc(&r->arena, sizeof(*j));
    if (!j) {
        json_decref(body);
        free(text);
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
    j->name = name;
    j->text = text;
    j->profile_id = profile_id;
    http_defer(r);
    if (writer_submit(r->srv->writer, &j->job)) {
        json_decref(body);
        free(text);
        http_reply_error(r, ERR_BUSY, 503, NULL, "rondo is shutting down; retry later");
        http_resume(r);
    }
}

/* ---- scenarios -------------------------------------------------------------------------- */

static const char *const save_members[] = {"name", "definition", NULL};

void h_scenario_create(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *body = http_body_object(r, save_members, "{\"name\": ..., \"definition\": {...}}");
    if (body)
        submit(r, OP_CREATE, 0, body, NULL, NULL, 0);
}

void h_scenario_update(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "scenario", &id))
        return;
    json_t *body = http_body_object(r, save_members, "{\"definition\": {...}} and/or {\"name\": ...}");
    if (body)
        submit(r, OP_UPDATE, id, body, NULL, NULL, 0);
}

static void status_change(struct request *r, enum sc_op op)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "scenario", &id))
        return;
    submit(r, op, id, NULL, NULL, NULL, 0); /* a body, if any, says nothing */
}

void h_scenario_activate(struct request *r)
{
    status_change(r, OP_ACTIVATE);
}

void h_scenario_pause(struct request *r)
{
    status_change(r, OP_PAUSE);
}

void h_scenario_archive(struct request *r)
{
    status_change(r, OP_ARCHIVE);
}

void h_scenario_validate(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *body = http_body_object(r, save_members, "{\"definition\": {...}}");
    if (!body)
        return;
    const json_t *def = json_object_get(body, "definition");
    if (!json_is_object(def)) {
        json_decref(body);
        http_reply_error(r, ERR_INVALID, 400, "definition",
                         "definition is required: an object with trigger, nodes and edges");
        return;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s = store_pool_get(r->srv->readers);
    int rc = sc_check_definition(s, def, &e);
    store_pool_put(r->srv->readers, s);
    json_decref(body);
    if (!rc) {
        http_reply_json(r, 200, json_pack("{s:b}", "valid", true));
        return;
    }
    /* the field from the top of the body, as a create names it */
    char field[sizeof e.field + 16];
    snprintf(field, sizeof field, "definition%s%s", e.field[0] ? "." : "", e.field);
    http_reply_error(r, rc, 0, field, "%s", e.msg);
}

void h_scenario_list(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    const char *all = http_query(r, "all");
    if (all && strcmp(all, "true") && strcmp(all, "false")) {
        http_reply_error(r, ERR_INVALID, 400, "all", "all is true or false, got \"%s\"", all);
        return;
    }
    struct errbuf e = {{0}, {0}};
    json_t *list;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = sc_list(s, all && !strcmp(all, "true"), &list, &e);
    store_pool_put(r->srv->readers, s);
    if (rc)
        http_reply_errbuf(r, rc, &e);
    else /* a workspace has tens of scenarios: never paged */
        http_reply_json(r, 200, json_pack("{s:o, s:n}", "data", list, "next_cursor"));
}

void h_scenario_get(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "scenario", &id))
        return;
    struct errbuf e = {{0}, {0}};
    json_t *out;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = sc_show(s, id, true, &out, &e);
    store_pool_put(r->srv->readers, s);
    if (rc)
        http_reply_error(r, rc, 0, rc == ERR_NOT_FOUND ? "id" : NULL, "%s", e.msg);
    else
        http_reply_json(r, 200, out);
}

/* ---- entering ----------------------------------------------------------------------------- */

/*
 * The profile a user_id or email names, found as GET /api/v1/profiles
 * finds it; 0 with *id set, or -1 when a reply was given.
 */
static int profile_by_identity(struct request *r, const char *type, const char *value, int64_t *id)
{
    struct clean_ctx cc = {.now = clock_now(), .arena = &r->arena};
    const char *v = clean_identity_value(&cc, type, value);
    int64_t ids[2];
    int n = 0, rc = 0;
    if (v) {
        struct store *s = store_pool_get(r->srv->readers);
        rc = store_identity_search(s, type, v, NULL, 0, 2, ids, &n);
        store_pool_put(r->srv->readers, s);
    }
    if (rc) {
        http_reply_error(r, rc, 0, NULL, "looking the profile up failed");
        return -1;
    }
    if (n == 0) {
        http_reply_error(r, ERR_NOT_FOUND, 404, type, "no profile has the %s \"%s\"", type, value);
        return -1;
    }
    if (n > 1) {
        http_reply_error(r, ERR_EXISTS, 409, type,
                         "profiles %lld and %lld (at least) have the %s \"%s\"; give profile_id",
                         (long long)ids[0], (long long)ids[1], type, value);
        return -1;
    }
    *id = ids[0];
    return 0;
}

static const char *const enter_members[] = {"profile_id", "user_id", "email", "payload", NULL};

void h_scenario_enter(struct request *r)
{
    int64_t id, profile = 0;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "scenario", &id))
        return;
    json_t *body = http_body_object(r, enter_members,
                               "{\"profile_id\": N} (or \"user_id\" or \"email\"), and a "
                               "\"payload\" object if you like");
    if (!body)
        return;
    const json_t *pid = json_object_get(body, "profile_id"),
                 *uid = json_object_get(body, "user_id"), *email = json_object_get(body, "email"),
                 *payload = json_object_get(body, "payload");
    const char *field = NULL;
    if ((pid != NULL) + (uid != NULL) + (email != NULL) != 1) {
        field = "profile_id";
        http_reply_error(r, ERR_INVALID, 400, field,
                         "name the profile with one of \"profile_id\" (a number), \"user_id\" or "
                         "\"email\"");
    } else if (pid && (!json_is_integer(pid) || json_integer_value(pid) <= 0)) {
        field = "profile_id";
        http_reply_error(r, ERR_INVALID, 400, field, "profile_id is a positive whole number");
    } else if ((uid && (!json_is_string(uid) || !json_string_length(uid))) ||
               (email && (!json_is_string(email) || !json_string_length(email)))) {
        field = uid ? "user_id" : "email";
        http_reply_error(r, ERR_INVALID, 400, field, "%s is a non-empty text", field);
    } else if (payload && !json_is_object(payload)) {
        field = "payload";
        http_reply_error(r, ERR_INVALID, 400, field,
                         "payload is an object: the data the scenario's templates see as "
                         "{{event.NAME}}");
    } else if (pid) {
        profile = json_integer_value(pid);
    } else if (profile_by_identity(r, uid ? "user_id" : "email",
                                   json_string_value(uid ? uid : email), &profile)) {
        field = "looked up";
    }
    if (field) {
        json_decref(body);
        return;
    }
    submit(r, OP_ENTER, id, body, NULL, NULL, profile);
}

/* ---- runs --------------------------------------------------------------------------------- */

void h_scenario_runs(struct request *r)
{
    int64_t id, limit, after;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "scenario", &id) ||
        http_query_int(r, "limit", LIST_DEFAULT_LIMIT, 1, LIST_MAX_LIMIT, &limit) ||
        http_query_int(r, "after", 0, 0, INT64_MAX, &after))
        return;
    static const char *const states[] = {"ready", "waiting", "event", "task", "done", "active"};
    const char *state = http_query(r, "state");
    if (state && !*state)
        state = NULL;
    bool ok = !state;
    for (size_t i = 0; !ok && i < sizeof states / sizeof states[0]; i++)
        ok = !strcmp(state, states[i]);
    if (!ok) {
        http_reply_error(r, ERR_INVALID, 400, "state",
                         "state is one of ready, waiting, event, task, done, or active (any "
                         "but done); got \"%s\"",
                         state);
        return;
    }
    struct status_ctx x;
    struct errbuf e = {{0}, {0}};
    json_t *data = json_array();
    struct store *s = store_pool_get(r->srv->readers);
    int rc = scenario_status(s, id, &x, &e);
    /* one row more than asked tells whether there is a next page */
    if (!rc && (rc = store_scenario_runs(s, id, state, after, (int)limit + 1, on_run_row, data)))
        err_set(&e, rc, "reading the runs: %s", store_last_error(s));
    store_pool_put(r->srv->readers, s);
    if (rc) {
        json_decref(data);
        http_reply_errbuf(r, rc, &e);
        return;
    }
    json_t *next = json_null();
    if (json_array_size(data) > (size_t)limit) {
        json_array_remove(data, (size_t)limit);
        json_t *last = json_object_get(json_array_get(data, (size_t)limit - 1), "id");
        json_decref(next);
        next = json_sprintf("%lld", (long long)json_integer_value(last));
    }
    http_reply_json(r, 200,
                    json_pack("{s:I, s:o, s:o}", "scenario_id", (json_int_t)id, "data", data,
                              "next_cursor", next));
}

void h_run_get(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "run", &id))
        return;
    json_t *run = NULL, *steps = NULL, *messages = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_run_get(s, id, on_run, &run);
    if (!rc)
        rc = store_run_steps(s, id, RUN_STEPS_MAX, &steps);
    if (!rc)
        rc = store_message_list(s, 0, id, 0, RUN_MESSAGES_MAX, &messages);
    store_pool_put(r->srv->readers, s);
    if (rc) {
        json_decref(run);
        json_decref(steps);
        if (rc == ERR_NOT_FOUND)
            http_reply_error(r, rc, 404, "id", "no run with id %lld", (long long)id);
        else
            http_reply_error(r, rc, 0, NULL, "reading the run failed");
        return;
    }
    json_object_set_new(run, "ledger", steps);
    json_object_set_new(run, "messages", messages);
    http_reply_json(r, 200, run);
}

void h_profile_runs(struct request *r)
{
    int64_t id, survivor;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "profile", &id))
        return;
    json_t *runs = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_profile_resolve(s, id, &survivor);
    if (!rc)
        rc = store_profile_runs(s, survivor, &runs);
    store_pool_put(r->srv->readers, s);
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "id", "no profile with id %lld", (long long)id);
    else if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the runs failed");
    else
        http_reply_json(r, 200,
                        json_pack("{s:I, s:o}", "profile_id", (json_int_t)survivor, "data", runs));
}

/* ---- templates ---------------------------------------------------------------------------- */

static const char *const template_channels[] = {"email", "sms",    "push",   "letter",
                                                "call",  "wallet", "in_app", "outbox"};

/* A template name from the path: 1 to SG_MAX_NAME bytes without control characters or '/'. */
static int template_name(struct request *r, const char **name)
{
    const char *n = r->params[0];
    bool ok = *n && strlen(n) <= SG_MAX_NAME;
    for (const char *p = n; ok && *p; p++)
        ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
    if (!ok) {
        http_reply_error(r, ERR_INVALID, 400, "name",
                         "a template's name is 1 to %d bytes of text without control characters",
                         SG_MAX_NAME);
        return -1;
    }
    *name = n;
    return 0;
}

/* Compile one part to find its errors; -1 when a reply was given. */
static int compile_part(struct request *r, const char *name, const char *part, const char *text)
{
    struct errbuf e = {{0}, {0}};
    int rc = tpl_check_part(name, part, text, &e);
    if (rc) {
        http_reply_error(r, rc, 0, part, "%s", e.msg);
        return -1;
    }
    return 0;
}

static const char *const template_members[] = {"channel", "subject", "body", "html", "name", NULL};

void h_template_put(struct request *r)
{
    const char *name;
    if (http_auth_api(r, ROLE_MARKETER) || template_name(r, &name))
        return;
    json_t *b = http_body_object(r, template_members,
                            "{\"channel\": \"email\", \"subject\": ..., \"body\": ..., \"html\": "
                            "...} (subject and html optional; body or html required)");
    if (!b)
        return;
    const json_t *nm = json_object_get(b, "name");
    const char *channel = json_string_value(json_object_get(b, "channel"));
    static const char *const parts[] = {"subject", "body", "html"};
    const char *text[3];
    int bad = 0;
    for (int i = 0; i < 3 && !bad; i++) {
        const json_t *v = json_object_get(b, parts[i]);
        text[i] = json_string_value(v);
        if (v && !json_is_null(v) && !json_is_string(v)) {
            http_reply_error(r, ERR_INVALID, 400, parts[i], "%s is a text (a template)", parts[i]);
            bad = 1;
        }
    }
    bool known = false;
    for (size_t i = 0; channel && i < sizeof template_channels / sizeof *template_channels; i++)
        known = known || !strcmp(channel, template_channels[i]);
    if (bad) {
    } else if (nm && (!json_is_string(nm) || strcmp(json_string_value(nm), name))) {
        http_reply_error(r, ERR_INVALID, 400, "name",
                         "the name is the one in the path (\"%s\"); leave \"name\" out", name);
        bad = 1;
    } else if (!known) {
        http_reply_error(r, ERR_INVALID, 400, "channel",
                         "channel is required: one of email, sms, push, letter, call, wallet, "
                         "in_app, outbox");
        bad = 1;
    } else if (!text[1] && !text[2]) {
        http_reply_error(r, ERR_INVALID, 400, "body",
                         "body (the text) is required, or html, from which the text is made");
        bad = 1;
    }
    for (int i = 0; i < 3 && !bad; i++)
        bad = compile_part(r, name, parts[i], text[i]);
    char *derived = NULL;
    if (!bad && !text[1]) { /* the plain-text part, made from the html */
        struct buf t;
        buf_init(&t, TPL_MAX_TEXT);
        if (tpl_text_from_html(text[2], &t)) {
            http_reply_error(r, ERR_TOO_BIG, 413, "html", "the text made from html is too long");
            bad = 1;
        } else {
            derived = xstrdup(t.ptr);
        }
        buf_release(&t);
    }
    if (bad) {
        json_decref(b);
        return;
    }
    submit(r, OP_TEMPLATE, 0, b, name, derived, 0);
}

void h_template_list(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *list = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_template_list(s, &list);
    store_pool_put(r->srv->readers, s);
    if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the templates failed");
    else
        http_reply_json(r, 200, json_pack("{s:o, s:n}", "data", list, "next_cursor"));
}

void h_template_get(struct request *r)
{
    const char *name;
    if (http_auth_api(r, ROLE_MARKETER) || template_name(r, &name))
        return;
    json_t *t = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_template_get(s, name, &t);
    store_pool_put(r->srv->readers, s);
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "name", "no template is named \"%s\"", name);
    else if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the template failed");
    else
        http_reply_json(r, 200, t);
}

/* ---- the outbox and tasks ------------------------------------------------------------------ */

void h_message_list(struct request *r)
{
    int64_t profile, scenario, run, limit;
    if (http_auth_api(r, ROLE_MARKETER) || http_query_int(r, "profile_id", 0, 1, INT64_MAX, &profile) ||
        http_query_int(r, "scenario_id", 0, 1, INT64_MAX, &scenario) ||
        http_query_int(r, "run_id", 0, 1, INT64_MAX, &run) ||
        http_query_int(r, "limit", LIST_DEFAULT_LIMIT, 1, LIST_MAX_LIMIT, &limit))
        return;
    json_t *list = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_message_list(s, profile, run, scenario, (int)limit, &list);
    store_pool_put(r->srv->readers, s);
    if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the messages failed");
    else
        http_reply_json(r, 200, json_pack("{s:o}", "data", list));
}

void h_task_list(struct request *r)
{
    int64_t limit;
    if (http_auth_api(r, ROLE_MARKETER) ||
        http_query_int(r, "limit", LIST_DEFAULT_LIMIT, 1, LIST_MAX_LIMIT, &limit))
        return;
    const char *status = http_query(r, "status");
    if (status && strcmp(status, "open") && strcmp(status, "all")) {
        http_reply_error(r, ERR_INVALID, 400, "status", "status is open or all, got \"%s\"",
                         status);
        return;
    }
    json_t *list = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_task_list(s, status && !strcmp(status, "open"), (int)limit, &list);
    store_pool_put(r->srv->readers, s);
    if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the tasks failed");
    else
        http_reply_json(r, 200, json_pack("{s:o}", "data", list));
}





/* The task's title, description and who it is for. */
static void task_body(struct buf *b, const json_t *t)
{
    buf_adds(b, "<h1>");
    http_html_add(b, json_string_value(json_object_get(t, "title")));
    buf_adds(b, "</h1>\n");
    const char *d = json_string_value(json_object_get(t, "description"));
    if (d) {
        buf_adds(b, "<p>");
        http_html_add(b, d);
        buf_adds(b, "</p>\n");
    }
    buf_addf(b, "<p class=\"meta\">Profile %lld",
             (long long)json_integer_value(json_object_get(t, "profile_id")));
    const char *a = json_string_value(json_object_get(t, "assignee"));
    if (a) {
        buf_adds(b, " &middot; for ");
        http_html_add(b, a);
    }
    buf_adds(b, " &middot; opened ");
    http_html_add(b, json_string_value(json_object_get(t, "created_at")));
    buf_adds(b, "</p>\n");
}

/* The token from the path: hex digits, as tasks are made. NULL (and a 404 page) otherwise. */
static const char *task_token(struct request *r)
{
    const char *t = r->params[0];
    size_t n = strlen(t);
    bool ok = n > 0 && n <= TOKEN_MAX && strspn(t, "0123456789abcdef") == n;
    if (!ok)
        http_page_notice(r, 404, "Unknown task", "This link belongs to no task.");
    return ok ? t : NULL;
}

void h_task_page(struct request *r)
{
    const char *token = task_token(r);
    if (!token)
        return;
    json_t *t = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_task_get(s, token, &t);
    store_pool_put(r->srv->readers, s);
    if (rc == ERR_NOT_FOUND) {
        http_page_notice(r, 404, "Unknown task", "This link belongs to no task.");
        return;
    }
    if (rc) {
        http_page_notice(r, 500, "Not available", "The task could not be read; try again later.");
        return;
    }
    struct buf b;
    buf_init(&b, 0);
    http_page_open(&b, json_string_value(json_object_get(t, "title")));
    task_body(&b, t);
    if (!strcmp(json_string_value(json_object_get(t, "status")), "open")) {
        /* a POST, so that a link preview that fetches the page resolves nothing */
        buf_adds(&b, "<form method=\"post\" action=\"/t/");
        http_html_add(&b, token);
        buf_adds(&b, "\"><button type=\"submit\">Resolved</button></form>\n");
    } else {
        buf_adds(&b, "<p><strong>Already resolved</strong> (");
        http_html_add(&b, json_string_value(json_object_get(t, "resolved_at")));
        buf_adds(&b, ").</p>\n");
    }
    json_decref(t);
    http_page_reply(r, 200, &b);
}

void h_task_resolve(struct request *r)
{
    const char *token = task_token(r);
    if (token)
        submit(r, OP_RESOLVE, 0, NULL, token, NULL, 0);
}

static void task_page_done(struct request *r, int rc, const struct errbuf *e, json_t *task,
                           bool already)
{
    if (rc == ERR_NOT_FOUND) {
        http_page_notice(r, 404, "Unknown task", "This link belongs to no task.");
    } else if (rc) {
        log_warn("resolving a task: %s", e && e->msg[0] ? e->msg : err_str(rc));
        http_page_notice(r, rc == ERR_BUSY ? 503 : 500, "Not resolved",
                     "The task could not be resolved just now; try again in a moment.");
    } else {
        struct buf b;
        buf_init(&b, 0);
        http_page_open(&b, already ? "Already resolved" : "Resolved");
        task_body(&b, task);
        buf_adds(&b, already ? "<p><strong>Already resolved</strong>: nothing changed.</p>\n"
                             : "<p><strong>Done</strong>: the task is resolved. Thank you.</p>\n");
        http_page_reply(r, 200, &b);
    }
    json_decref(task);
}

/* ---- the clock ------------------------------------------------------------------------------- */

void h_clock_get(struct request *r)
{
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    http_reply_json(
        r, 200,
        json_pack("{s:o, s:b}", "now", iso_time(clock_now()), "simulated", clock_is_simulated()));
}

/* One advance at a time: its move, its catch-up and its count of the work done. */
static pthread_mutex_t advance_mu = PTHREAD_MUTEX_INITIALIZER;

/* A job that writes nothing: its done callback comes after every group taken before it. */
struct barrier {
    struct writer_job job; /* first */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
};

static int barrier_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    (void)s;
    (void)job;
    (void)e;
    return 0;
}

static void barrier_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    (void)rc;
    (void)e;
    struct barrier *b = (struct barrier *)job;
    pthread_mutex_lock(&b->mu);
    b->done = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/*
 * Wait until what the writer has taken so far is committed. sc_live_catch_up
 * can return once its last tick has run but before that tick's group has
 * committed (it is told "finished" from the tick itself), so the answer to
 * an advance waits for this too, or a read that follows it could miss the
 * tick's messages.
 */
static int writer_drain(struct writer *w)
{
    struct barrier b = {.job = {.apply = barrier_apply, .done = barrier_done}};
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    int rc = writer_submit(w, &b.job);
    pthread_mutex_lock(&b.mu);
    while (!rc && !b.done)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.cv);
    return rc;
}

struct advance {
    struct request *r;
    int64_t by; /* ms, or */
    int64_t to; /* a time (0: by) */
};

/*
 * The move and the catch-up, on a thread of its own; replies and resumes
 * the request. The work done is what every tick did meanwhile (the
 * scheduler's own ticks may take some of it before the catch-up's).
 */
static void *advance_main(void *arg)
{
    struct advance *a = arg;
    struct request *r = a->r;
    struct sc_live_stats s0, s1;
    struct errbuf e = {{0}, {0}};
    pthread_mutex_lock(&advance_mu);
    sc_live_stats(r->srv->scenarios, &s0);
    int64_t now = clock_now();
    clock_advance(a->to ? (a->to > now ? a->to - now : 0) : a->by);
    int rc = sc_live_catch_up(r->srv->scenarios, NULL, &e);
    if (!rc && writer_drain(r->srv->writer))
        rc = err_set(&e, ERR_BUSY, "the server is shutting down");
    sc_live_stats(r->srv->scenarios, &s1);
    pthread_mutex_unlock(&advance_mu);
    if (rc)
        http_reply_errbuf(r, rc, &e);
    else
        http_reply_json(r, 200,
                        json_pack("{s:o, s:b, s:{s:I, s:I, s:I, s:I, s:I}}", "now",
                                  iso_time(clock_now()), "simulated", true, "ticks", "entered",
                                  (json_int_t)(s1.entered - s0.entered), "advanced",
                                  (json_int_t)(s1.advanced - s0.advanced), "steps",
                                  (json_int_t)(s1.steps - s0.steps), "messages",
                                  (json_int_t)(s1.messages - s0.messages), "ended",
                                  (json_int_t)(s1.ended - s0.ended)));
    http_resume(r);
    return NULL;
}

static const char *const advance_members[] = {"by", "to", NULL};

/* How far to move: {"by": "30d"} or {"to": TIME}; -1 when a reply was given. */
static int advance_amount(struct request *r, const json_t *b, struct advance *a)
{
    const json_t *by = json_object_get(b, "by"), *to = json_object_get(b, "to");
    if ((by != NULL) == (to != NULL)) {
        http_reply_error(r, ERR_INVALID, 400, "by",
                         "give either \"by\" (a duration: \"30d\", \"4h\") or \"to\" (an ISO "
                         "8601 time)%s",
                         by ? ", not both" : "");
        return -1;
    }
    if (by) {
        int64_t secs;
        if (!json_is_string(by) || !sg_duration(json_string_value(by), &secs)) {
            http_reply_error(r, ERR_INVALID, 400, "by",
                             "by is a duration: a whole number and s, m, h, d or w (\"30d\")");
            return -1;
        }
        a->by = secs * 1000;
        return 0;
    }
    if (!json_is_string(to) || time_parse_iso8601(json_string_value(to), &a->to)) {
        http_reply_error(r, ERR_INVALID, 400, "to",
                         "to is an ISO 8601 time (\"2026-04-01T09:00:00Z\") or a date");
        return -1;
    }
    int64_t now = clock_now();
    if (a->to < now) {
        char t[32];
        time_format_iso8601(now, t, sizeof t);
        http_reply_error(r, ERR_INVALID, 400, "to",
                         "%s is in the past: the clock is at %s and only moves forward",
                         json_string_value(to), t);
        return -1;
    }
    return 0;
}

void h_clock_advance(struct request *r)
{
    if (http_auth_api(r, ROLE_ADMIN))
        return;
    if (!clock_is_simulated()) {
        http_reply_error(r, ERR_EXISTS, 409, NULL,
                         "the clock is real and moves by itself; only a server started with "
                         "--clock simulated[=TIME] (for tests and demos) can be moved");
        return;
    }
    json_t *b = http_body_object(r, advance_members, "{\"by\": \"30d\"} or {\"to\": TIME}");
    if (!b)
        return;
    struct advance *a = arena_alloc(&r->arena, sizeof(*a));
    if (!a) {
        json_decref(b);
        http_reply_error(r, ERR_NOMEM, 500, NULL, "out of request memory");
        return;
    }
    memset(a, 0, sizeof(*a));
    a->r = r;
    int rc = advance_amount(r, b, a);
    json_decref(b);
    if (rc)
        return;
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    http_defer(r);
    if (pthread_create(&t, &attr, advance_main, a)) {
        http_reply_error(r, ERR_BUSY, 503, NULL, "cannot start the clock's catch-up; retry later");
        http_resume(r);
    }
    pthread_attr_destroy(&attr);
}
