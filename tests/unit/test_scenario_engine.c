/*
 * test_scenario_engine.c — scenarios at work (src/scenario/engine.h), driven
 * directly on a real temporary SQLite workspace, without a server.
 *
 * Each test gets a fresh workspace with a segment engine and a scenario
 * engine open on it. Data is written through the store API as the server's
 * writer writes it: the write and a segment pass over the touched profiles
 * in one transaction, so the world the scenario engine reads is current.
 * Every engine call runs inside store_begin/store_commit with an explicit
 * `now`: nothing sleeps, time is a number the test moves.
 *
 * What a user relies on, one behaviour per test: the walk (condition,
 * split, wait, send, with the per-node counts), holdouts, the checks at
 * sending (consent, frequency caps, quiet hours in the person's zone), waits
 * until a time of day or a date field, wait_for, goals, entry rules, event,
 * segment, schedule and date triggers, merges, tasks, pause and archive,
 * and crash safety: a tick rolled back as a crash before its commit would,
 * then done again, takes every step once.
 *
 * Definitions are written in the test with ' for " and ` for \" (see J()),
 * so that rules with texts stay readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "scenario/def.h"
#include "scenario/engine.h"
#include "scenario/manage.h"
#include "segment/engine.h"
#include "store/store.h"
#include "testdb.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z, a Monday */
#define SEC 1000LL
#define MIN 60000LL
#define HOUR 3600000LL
#define DAY 86400000LL

/* The status of a message kept in the outbox (no channel configured yet, issue 7). */
#define STORED "stored"

/* ---- the workspace ------------------------------------------------------------------ */

struct ctx {
    struct testdb db;
    struct store *s;
    struct sg_engine *sg;
    struct sc_engine *sc;
};

static void must_(int rc, const struct errbuf *e, const char *what)
{
    if (rc)
        fail_msg("%s: %s (%s)", what, e->msg[0] ? e->msg : "no message", err_name(rc));
}

/* Fail the test with e's message (an errbuf e in scope) unless call returns 0. */
#define must(call, what) must_((call), &e, (what))

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    struct errbuf e = {{0}, {0}};
    if (!c || testdb_open_store(&c->db, &c->s))
        return -1;
    store_cache_identities(c->s, 256);
    if (sg_engine_open(c->s, &c->sg, &e) || sc_engine_open(c->s, c->sg, &c->sc, &e)) {
        fprintf(stderr, "opening the engines: %s\n", e.msg);
        return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    sc_engine_free(c->sc);
    sg_engine_free(c->sg);
    testdb_close_store(&c->db, c->s);
    free(c);
    return 0;
}

static void begin(struct ctx *c)
{
    testdb_begin(c->s);
}

static void commit(struct ctx *c)
{
    testdb_commit(c->s);
}

/* An ISO 8601 time in ms. */
static int64_t T(const char *iso)
{
    int64_t ms = 0;
    if (time_parse_iso8601(iso, &ms))
        fail_msg("not a time: %s", iso);
    return ms;
}

/*
 * JSON from a printf format where ' stands for " and ` for \" (a quote
 * inside a text): "{'rule': 'country = `BE`'}". Caller decrefs.
 */
static json_t *J(const char *fmt, ...)
{
    char raw[16384], text[20000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t k = 0;
    for (const char *p = raw; *p && k + 3 < sizeof text; p++) {
        if (*p == '\'') {
            text[k++] = '"';
        } else if (*p == '`') {
            text[k++] = '\\';
            text[k++] = '"';
        } else {
            text[k++] = *p;
        }
    }
    text[k] = '\0';
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("test JSON does not parse (%s): %s", err.text, text);
    return j;
}

/* Bring the world up to date for the profiles a write touched (in the caller's transaction). */
static void refresh(struct ctx *c, const int64_t *ids, size_t n, int64_t now)
{
    struct errbuf e = {{0}, {0}};
    struct sg_pass st;
    must(sg_engine_pass(c->sg, c->s, ids, n, false, now, &st, &e), "sg_engine_pass");
}

/* A workspace setting, read again by both engines. */
static void setting(struct ctx *c, const char *key, const char *value, int64_t now)
{
    struct errbuf e = {{0}, {0}};
    begin(c);
    assert_int_equal(store_setting_set(c->s, key, value, now), 0);
    commit(c);
    must(sg_engine_reload_segments(c->sg, c->s, &e), "sg_engine_reload_segments");
    must(sc_engine_reload(c->sc, c->s, &e), "sc_engine_reload");
}

/* ---- people and what they do ------------------------------------------------------------ */

struct pf {
    const char *first, *last, *email, *phone, *street, *house, *postal, *city, *country, *birth;
    const char *attrs; /* J() text, or NULL */
};

static int64_t profile(struct ctx *c, struct pf p)
{
    const char *vals[PF_COUNT] = {0};
    vals[PF_FIRST_NAME] = p.first;
    vals[PF_LAST_NAME] = p.last;
    vals[PF_EMAIL] = p.email;
    vals[PF_PHONE] = p.phone;
    vals[PF_STREET] = p.street;
    vals[PF_HOUSE_NUMBER] = p.house;
    vals[PF_POSTAL_CODE] = p.postal;
    vals[PF_CITY] = p.city;
    vals[PF_COUNTRY] = p.country;
    vals[PF_BIRTH_DATE] = p.birth;
    json_t *custom = p.attrs ? J("%s", p.attrs) : NULL;
    int64_t id = 0;
    begin(c);
    assert_int_equal(store_profile_insert(c->s, "crm", vals, custom, NOW - 30 * DAY, &id), 0);
    refresh(c, &id, 1, NOW - 30 * DAY);
    commit(c);
    json_decref(custom);
    return id;
}

/* A person with a name, an e-mail address and a country; opted in for e-mail when optin. */
static void consent(struct ctx *c, int64_t pid, const char *channel, const char *status,
                    int64_t ts);

static int64_t person(struct ctx *c, const char *first, const char *email, bool optin)
{
    int64_t id = profile(c, (struct pf){.first = first, .email = email, .country = "BE"});
    if (optin)
        consent(c, id, "email", "opted_in", NOW - 20 * DAY);
    return id;
}

static void consent(struct ctx *c, int64_t pid, const char *channel, const char *status, int64_t ts)
{
    struct store_consent k = {
        .profile_id = pid,
        .channel = channel,
        .purpose = "",
        .status = status,
        .source = "web",
        .wording = "Yes, send me news",
        .ts = ts,
    };
    begin(c);
    assert_int_equal(store_consent_set(c->s, &k, ts), 0);
    refresh(c, &pid, 1, ts);
    commit(c);
}

static void event(struct ctx *c, int64_t pid, const char *name, const char *props, int64_t ts)
{
    json_t *j = props ? J("%s", props) : NULL;
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    struct store_event ev = {
        .profile_id = pid,
        .source = "web",
        .type = "track",
        .name = name,
        .properties = text,
        .ts = ts,
        .received_at = ts,
    };
    begin(c);
    assert_int_equal(store_event_add(c->s, &ev), 0);
    refresh(c, &pid, 1, ts);
    commit(c);
    free(text);
    json_decref(j);
}

/* An order placed at ordered_at, written at written (attributes: J() text or NULL). */
static void order(struct ctx *c, int64_t pid, const char *ext, int64_t ordered_at, int64_t written,
                  const char *attrs)
{
    json_t *j = attrs ? J("%s", attrs) : NULL;
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    struct store_order o = {
        .profile_id = pid,
        .source = "shop",
        .external_id = ext,
        .status = "completed",
        .currency = "EUR",
        .total_cents = 4999,
        .ordered_at = ordered_at,
    };
    begin(c);
    assert_int_equal(store_order_import(c->s, &o, text, 1, written), 0);
    refresh(c, &pid, 1, written);
    commit(c);
    free(text);
    json_decref(j);
}

static void set_attribute(struct ctx *c, int64_t pid, const char *key, const char *json_value,
                          int64_t now)
{
    begin(c);
    assert_int_equal(store_profile_set_attribute(c->s, pid, key, json_value, now), 0);
    refresh(c, &pid, 1, now);
    commit(c);
}

static void template(struct ctx *c, const char *name, const char *channel, const char *subject,
                     const char *body)
{
    begin(c);
    assert_int_equal(store_template_put(c->s, name, channel, subject, body, NULL, NOW - DAY, NULL),
                     0);
    commit(c);
}

/* A rule segment saved through the segment engine (members computed at once). */
static int64_t segment(struct ctx *c, const char *name, const char *rule, int64_t now)
{
    struct errbuf e = {{0}, {0}};
    json_t *def = json_pack("{s:s}", "rule", rule);
    struct sg_saved out;
    begin(c);
    must(sg_engine_save(c->sg, c->s, 0, name, def, now, &out, &e), "sg_engine_save");
    commit(c);
    json_decref(def);
    return out.id;
}

/* ---- scenarios and the engine ------------------------------------------------------------- */

/* Create a scenario from a J() definition and activate it at now. */
static int64_t scenario_at(struct ctx *c, const char *name, int64_t now, const char *def)
{
    struct errbuf e = {{0}, {0}};
    json_t *body = json_pack("{s:s, s:o}", "name", name, "definition", J("%s", def));
    int64_t id = 0;
    begin(c);
    must(sc_create(c->s, body, now, &id, &e), "sc_create");
    must(sc_set_status(c->s, id, "activate", now, &e), "sc_set_status activate");
    commit(c);
    json_decref(body);
    return id;
}

static int64_t scenario(struct ctx *c, const char *name, const char *def)
{
    return scenario_at(c, name, NOW - HOUR, def);
}

static void set_status(struct ctx *c, int64_t id, const char *action, int64_t now)
{
    struct errbuf e = {{0}, {0}};
    begin(c);
    must(sc_set_status(c->s, id, action, now, &e), action);
    commit(c);
}

/* Enter a profile; the run's id, or 0 with *refused set. */
static int64_t enter_p(struct ctx *c, int64_t scen, int64_t pid, const char *payload, int64_t now,
                       const char **why_out)
{
    struct errbuf e = {{0}, {0}};
    json_t *j = payload ? J("%s", payload) : NULL;
    int64_t run = 0;
    const char *why = NULL;
    begin(c);
    must(sc_engine_enter(c->sc, c->s, scen, pid, j, now, &run, &why, &e), "sc_engine_enter");
    commit(c);
    json_decref(j);
    if (why_out)
        *why_out = why;
    return why ? 0 : run;
}

/* Enter and expect a run. */
static int64_t enter(struct ctx *c, int64_t scen, int64_t pid, int64_t now)
{
    const char *why = NULL;
    int64_t run = enter_p(c, scen, pid, NULL, now, &why);
    if (!run)
        fail_msg("profile %lld refused by scenario %lld: %s", (long long)pid, (long long)scen,
                 why ? why : "?");
    return run;
}

/* Enter and expect a refusal; returns why. */
static const char *refused(struct ctx *c, int64_t scen, int64_t pid, int64_t now)
{
    const char *why = NULL;
    int64_t run = enter_p(c, scen, pid, NULL, now, &why);
    if (run)
        fail_msg("profile %lld entered scenario %lld (run %lld), a refusal was expected",
                 (long long)pid, (long long)scen, (long long)run);
    return why;
}

/* Ticks at now until no work is left, each committed; the counters added up. */
static struct sc_tick tick(struct ctx *c, int64_t now)
{
    struct sc_tick sum = {0}, st;
    struct errbuf e = {{0}, {0}};
    for (int i = 0; i < 50; i++) {
        begin(c);
        must(sc_engine_tick(c->sc, c->s, now, 1000, &st, &e), "sc_engine_tick");
        commit(c);
        sum.entered += st.entered;
        sum.advanced += st.advanced;
        sum.steps += st.steps;
        sum.messages += st.messages;
        sum.ended += st.ended;
        if (!st.more)
            return sum;
    }
    fail_msg("the tick at %lld still has work after 50 rounds", (long long)now);
    return sum;
}

/* A tick whose transaction is rolled back, as a crash before the commit would leave it. */
static void tick_rolled_back(struct ctx *c, int64_t now)
{
    struct sc_tick st;
    struct errbuf e = {{0}, {0}};
    begin(c);
    must(sc_engine_tick(c->sc, c->s, now, 1000, &st, &e), "sc_engine_tick (rolled back)");
    store_rollback(c->s);
}

/* ---- reading runs, messages, counts --------------------------------------------------------- */

struct run {
    int64_t id, scenario_id, version, profile_id, wake_at, seq, entered_at, ended_at;
    char state[16], node[80], branch[80], outcome[80];
};

static void copy_run(struct run *x, const struct store_run *r)
{
    memset(x, 0, sizeof(*x));
    x->id = r->id;
    x->scenario_id = r->scenario_id;
    x->version = r->version;
    x->profile_id = r->profile_id;
    x->wake_at = r->wake_at;
    x->seq = r->seq;
    x->entered_at = r->entered_at;
    x->ended_at = r->ended_at;
    snprintf(x->state, sizeof x->state, "%s", r->state ? r->state : "");
    snprintf(x->node, sizeof x->node, "%s", r->node ? r->node : "");
    snprintf(x->branch, sizeof x->branch, "%s", r->branch ? r->branch : "");
    snprintf(x->outcome, sizeof x->outcome, "%s", r->outcome ? r->outcome : "");
}

static int on_run(void *ctx, const struct store_run *r)
{
    copy_run(ctx, r);
    return 0;
}

static struct run run_get(struct ctx *c, int64_t id)
{
    struct run x;
    memset(&x, 0, sizeof x);
    if (store_run_get(c->s, id, on_run, &x))
        fail_msg("run %lld not found", (long long)id);
    return x;
}

struct runs {
    struct run v[64];
    int n;
    int64_t scenario_id; /* 0: any */
};

static int on_runs(void *ctx, const struct store_run *r)
{
    struct runs *b = ctx;
    if ((!b->scenario_id || r->scenario_id == b->scenario_id) && b->n < 64)
        copy_run(&b->v[b->n++], r);
    return 0;
}

/* A profile's runs of a scenario (0: any), newest first. */
static struct runs runs_of(struct ctx *c, int64_t pid, int64_t scen)
{
    struct runs b;
    memset(&b, 0, sizeof b);
    b.scenario_id = scen;
    assert_int_equal(store_runs_of_profile(c->s, pid, false, on_runs, &b), 0);
    return b;
}

/* How many runs a scenario has in all. */
static int64_t nruns(struct ctx *c, int64_t scen)
{
    struct runs b;
    memset(&b, 0, sizeof b);
    assert_int_equal(store_scenario_runs(c->s, scen, NULL, 0, 64, on_runs, &b), 0);
    return b.n;
}

static void expect_runs(struct ctx *c, int64_t scen, int64_t n, const char *when)
{
    int64_t got = nruns(c, scen);
    if (got != n)
        fail_msg("scenario %lld has %lld runs %s, expected %lld", (long long)scen, (long long)got,
                 when, (long long)n);
}

/*
 * A run's ledger as "node:outcome node:outcome ...", checking that its
 * seq runs 1..n without a gap and that n is the run's seq.
 */
static void ledger(struct ctx *c, int64_t run_id, char *out, size_t cap)
{
    json_t *steps = NULL;
    assert_int_equal(store_run_steps(c->s, run_id, 1000, &steps), 0);
    size_t i, k = 0;
    json_t *st;
    out[0] = '\0';
    json_array_foreach(steps, i, st)
    {
        int64_t seq = json_integer_value(json_object_get(st, "seq"));
        if (seq != (int64_t)i + 1)
            fail_msg("run %lld: step %zu has seq %lld", (long long)run_id, i + 1, (long long)seq);
        k += (size_t)snprintf(out + k, cap - k, "%s%s:%s", i ? " " : "",
                              json_string_value(json_object_get(st, "node")),
                              json_string_value(json_object_get(st, "outcome")));
        if (k >= cap)
            fail_msg("run %lld: ledger too long", (long long)run_id);
    }
    struct run r = run_get(c, run_id);
    if (r.seq != (int64_t)json_array_size(steps))
        fail_msg("run %lld: seq %lld but %zu steps in the ledger", (long long)run_id,
                 (long long)r.seq, json_array_size(steps));
    json_decref(steps);
}

static void assert_ledger(struct ctx *c, int64_t run_id, const char *expect)
{
    char got[4096];
    ledger(c, run_id, got, sizeof got);
    if (strcmp(got, expect))
        fail_msg("run %lld: ledger\n  got      \"%s\"\n  expected \"%s\"", (long long)run_id, got,
                 expect);
}

static void assert_run(struct ctx *c, int64_t run_id, const char *state, const char *outcome)
{
    struct run r = run_get(c, run_id);
    if (strcmp(r.state, state) || strcmp(r.outcome, outcome ? outcome : ""))
        fail_msg("run %lld: state \"%s\" outcome \"%s\" at \"%s\", expected \"%s\" \"%s\"",
                 (long long)run_id, r.state, r.outcome, r.node, state, outcome ? outcome : "");
}

/* Messages (newest first) of a profile, run or scenario (0: any). Caller decrefs. */
static json_t *messages(struct ctx *c, int64_t pid, int64_t run, int64_t scen)
{
    json_t *out = NULL;
    assert_int_equal(store_message_list(c->s, pid, run, scen, 1000, &out), 0);
    return out;
}

/* How many messages with that status (NULL: any). */
static int nmsg(struct ctx *c, int64_t pid, int64_t run, int64_t scen, const char *status)
{
    json_t *m = messages(c, pid, run, scen);
    size_t i;
    json_t *o;
    int n = 0;
    json_array_foreach(m, i, o)
    {
        if (!status || !strcmp(json_string_value(json_object_get(o, "status")), status))
            n++;
    }
    json_decref(m);
    return n;
}

/* The one message of a run (fails unless there is exactly one). Caller decrefs. */
static json_t *only_message(struct ctx *c, int64_t run)
{
    json_t *m = messages(c, 0, run, 0);
    if (json_array_size(m) != 1)
        fail_msg("run %lld has %zu messages, expected 1", (long long)run, json_array_size(m));
    json_t *o = json_incref(json_array_get(m, 0));
    json_decref(m);
    return o;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "(none)";
}

/* The status of a run's message on a channel ("(none)" when it has none); valid until the next
 * call. */
static const char *msg_status(struct ctx *c, int64_t run, const char *channel)
{
    static char out[64];
    json_t *m = messages(c, 0, run, 0);
    size_t i;
    json_t *o;
    snprintf(out, sizeof out, "(none)");
    json_array_foreach(m, i, o)
    {
        if (!strcmp(jstr(o, "channel"), channel))
            snprintf(out, sizeof out, "%s", jstr(o, "status"));
    }
    json_decref(m);
    return out;
}

/* A number from store_scenario_counts by a dotted path ("nodes.day.waiting"); 0 when absent. */
static int64_t count_at(struct ctx *c, int64_t scen, const char *path)
{
    json_t *all = NULL;
    assert_int_equal(store_scenario_counts(c->s, scen, &all), 0);
    json_t *cur = all;
    char key[100];
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        cur = json_object_get(cur, key);
        p += n + (dot != NULL);
    }
    int64_t v = json_integer_value(cur);
    json_decref(all);
    return v;
}

/* The mail template most tests use: the subject names the person. */
static void hello_template(struct ctx *c)
{
    template(c, "hello", "email", "Hello {{profile.first_name}}", "Dear {{profile.first_name}},");
}

/* ---- 1. condition, split, wait, send ----------------------------------------------------------
 */

static const char PILOT[] =
    "{'trigger': {'type': 'api'}, 'entry': {'reentry': true},"
    " 'nodes': [{'id': 'reachable', 'type': 'condition', 'rule': 'country = `BE`'},"
    "  {'id': 'ab', 'type': 'split', 'branches': [{'name': 'a', 'weight': 50},"
    "   {'name': 'b', 'weight': 50}]},"
    "  {'id': 'day', 'type': 'wait', 'duration': '1d'},"
    "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
    "  {'id': 'away', 'type': 'exit', 'reason': 'not_be'}],"
    " 'edges': [{'from': 'trigger', 'to': 'reachable'},"
    "  {'from': 'reachable', 'exit': 'yes', 'to': 'ab'},"
    "  {'from': 'reachable', 'exit': 'no', 'to': 'away'},"
    "  {'from': 'ab', 'exit': 'a', 'to': 'day'}, {'from': 'ab', 'exit': 'b', 'to': 'day'},"
    "  {'from': 'day', 'to': 'mail'}]}";

static void test_walk_condition_split_wait_send(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t ann = person(c, "Ann", "ann@example.be", true);
    int64_t nl =
        profile(c, (struct pf){.first = "Nina", .email = "nina@example.nl", .country = "NL"});
    int64_t sc = scenario(c, "pilot", PILOT);

    int64_t r1 = enter(c, sc, ann, NOW);
    int64_t r2 = enter(c, sc, nl, NOW);
    struct run r = run_get(c, r1);
    assert_string_equal(r.state, "waiting");
    assert_string_equal(r.node, "day");
    assert_int_equal(r.wake_at, NOW + DAY);
    assert_true(!strcmp(r.branch, "a") || !strcmp(r.branch, "b"));
    char expect[256];
    snprintf(expect, sizeof expect, "reachable:yes ab:%s", r.branch);
    assert_ledger(c, r1, expect);
    assert_run(c, r2, "done", "not_be");
    assert_ledger(c, r2, "reachable:no away:end:not_be");
    assert_int_equal(nmsg(c, 0, 0, sc, NULL), 0);

    /* per node: entered, waiting, passed */
    assert_int_equal(count_at(c, sc, "nodes.reachable.entered"), 2);
    assert_int_equal(count_at(c, sc, "nodes.reachable.passed"), 2);
    assert_int_equal(count_at(c, sc, "nodes.reachable.outcomes.yes"), 1);
    assert_int_equal(count_at(c, sc, "nodes.reachable.outcomes.no"), 1);
    assert_int_equal(count_at(c, sc, "nodes.ab.entered"), 1);
    assert_int_equal(count_at(c, sc, "nodes.ab.passed"), 1);
    assert_int_equal(count_at(c, sc, "nodes.day.entered"), 1);
    assert_int_equal(count_at(c, sc, "nodes.day.waiting"), 1);
    assert_int_equal(count_at(c, sc, "nodes.day.passed"), 0);
    assert_int_equal(count_at(c, sc, "nodes.away.exited.not_be"), 1);
    assert_int_equal(count_at(c, sc, "nodes.mail.entered"), 0);

    /* nothing before the day is over */
    tick(c, NOW + DAY - 1);
    assert_int_equal(nmsg(c, ann, 0, 0, NULL), 0);
    assert_run(c, r1, "waiting", NULL);

    struct sc_tick st = tick(c, NOW + DAY);
    assert_int_equal(st.messages, 1);
    json_t *m = only_message(c, r1);
    assert_string_equal(jstr(m, "subject"), "Hello Ann");
    assert_string_equal(jstr(m, "body"), "Dear Ann,");
    assert_string_equal(jstr(m, "status"), STORED);
    assert_string_equal(jstr(m, "channel"), "email");
    assert_string_equal(jstr(m, "address"), "ann@example.be");
    assert_string_equal(jstr(m, "template"), "hello");
    json_decref(m);
    assert_run(c, r1, "done", "completed");
    snprintf(expect, sizeof expect, "reachable:yes ab:%s day:passed mail:sent", r.branch);
    assert_ledger(c, r1, expect);

    /* and never again */
    tick(c, NOW + 2 * DAY);
    tick(c, NOW + 9 * DAY);
    assert_int_equal(nmsg(c, 0, 0, sc, NULL), 1);

    assert_int_equal(count_at(c, sc, "nodes.day.waiting"), 0);
    assert_int_equal(count_at(c, sc, "nodes.day.passed"), 1);
    assert_int_equal(count_at(c, sc, "nodes.mail.entered"), 1);
    assert_int_equal(count_at(c, sc, "nodes.mail.passed"), 1);
    assert_int_equal(count_at(c, sc, "nodes.mail.outcomes.sent"), 1);
    assert_int_equal(count_at(c, sc, "totals.runs"), 2);
    assert_int_equal(count_at(c, sc, "totals.active"), 0);
    assert_int_equal(count_at(c, sc, "totals.done"), 2);
    assert_int_equal(count_at(c, sc, "totals.outcomes.completed"), 1);
    assert_int_equal(count_at(c, sc, "totals.outcomes.not_be"), 1);
}

/* The same person gets the same branch at the same node of the same scenario, run after run. */
static void test_split_is_stable(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc = scenario(c, "pilot", PILOT);
    enum { N = 24 };
    int64_t ids[N];
    char first[N][80];
    int64_t t = NOW;
    for (int i = 0; i < N; i++) {
        char email[64];
        snprintf(email, sizeof email, "p%d@example.be", i);
        ids[i] = person(c, "Kim", email, true);
    }
    for (int i = 0; i < N; i++)
        snprintf(first[i], sizeof first[i], "%s", run_get(c, enter(c, sc, ids[i], t)).branch);
    tick(c, t + DAY); /* every first run ends */
    int na = 0;
    for (int i = 0; i < N; i++) {
        int64_t again = enter(c, sc, ids[i], t + 3 * DAY);
        struct run r = run_get(c, again);
        if (strcmp(r.branch, first[i]))
            fail_msg("profile %lld: branch \"%s\" in its first run, \"%s\" in its second",
                     (long long)ids[i], first[i], r.branch);
        na += !strcmp(r.branch, "a");
    }
    /* 50/50 over 24 people: both branches are taken */
    assert_true(na > 0 && na < N);
    assert_int_equal(count_at(c, sc, "nodes.ab.outcomes.a"), 2 * na);
    assert_int_equal(count_at(c, sc, "nodes.ab.outcomes.b"), 2 * (N - na));
}

/* ---- 2. holdout ------------------------------------------------------------------------------ */

static void test_holdout_ends_without_message(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc =
        scenario(c, "pilot",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'ab', 'type': 'split', 'branches': ["
                 "   {'name': 'a', 'weight': 50},"
                 "   {'name': 'control', 'weight': 50, 'holdout': true}]},"
                 "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'ab'},"
                 "  {'from': 'ab', 'exit': 'a', 'to': 'mail'}]}");
    enum { N = 24 };
    int held = 0;
    for (int i = 0; i < N; i++) {
        char email[64];
        snprintf(email, sizeof email, "p%d@example.be", i);
        int64_t run = enter(c, sc, person(c, "Kim", email, true), NOW);
        struct run r = run_get(c, run);
        if (!strcmp(r.branch, "control")) {
            held++;
            assert_run(c, run, "done", "holdout");
            assert_ledger(c, run, "ab:end:holdout");
            assert_int_equal(nmsg(c, 0, run, 0, NULL), 0);
        } else {
            assert_string_equal(r.branch, "a");
            assert_run(c, run, "done", "completed");
            assert_ledger(c, run, "ab:a mail:sent");
            assert_int_equal(nmsg(c, 0, run, 0, STORED), 1);
        }
    }
    tick(c, NOW + DAY);
    assert_true(held > 0 && held < N);
    assert_int_equal(nmsg(c, 0, 0, sc, NULL), N - held);
    assert_int_equal(count_at(c, sc, "nodes.ab.exited.holdout"), held);
    assert_int_equal(count_at(c, sc, "totals.outcomes.holdout"), held);
    assert_int_equal(count_at(c, sc, "totals.outcomes.completed"), N - held);
}

/* ---- 3. consent at sending
 * ------------------------------------------------------------------------ */

static void test_consent_email_needs_optin(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc = scenario(
        c, "news",
        "{'trigger': {'type': 'api'},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
        "  {'id': 'later', 'type': 'wait', 'duration': '1h'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}, {'from': 'mail', 'to': 'later'}]}");
    int64_t none = person(c, "Noor", "noor@example.be", false);
    int64_t yes = person(c, "Yves", "yves@example.be", true);
    int64_t out = person(c, "Otto", "otto@example.be", true);
    consent(c, out, "email", "opted_out", NOW - DAY);

    int64_t rn = enter(c, sc, none, NOW);
    json_t *m = only_message(c, rn);
    assert_string_equal(jstr(m, "status"), "no_consent");
    json_decref(m);
    /* the run goes on */
    assert_run(c, rn, "waiting", NULL);
    assert_string_equal(run_get(c, rn).node, "later");
    assert_ledger(c, rn, "mail:no_consent");

    int64_t ry = enter(c, sc, yes, NOW);
    m = only_message(c, ry);
    assert_string_equal(jstr(m, "status"), STORED);
    assert_string_equal(jstr(m, "subject"), "Hello Yves");
    json_decref(m);
    assert_ledger(c, ry, "mail:sent");

    int64_t ro = enter(c, sc, out, NOW);
    m = only_message(c, ro);
    assert_string_equal(jstr(m, "status"), "no_consent");
    json_decref(m);

    tick(c, NOW + HOUR);
    assert_run(c, rn, "done", "completed");
    assert_ledger(c, rn, "mail:no_consent later:passed");
    assert_int_equal(count_at(c, sc, "nodes.mail.outcomes.no_consent"), 2);
    assert_int_equal(count_at(c, sc, "nodes.mail.outcomes.sent"), 1);
}

static void test_consent_optout_while_waiting(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc =
        scenario(c, "later",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'day', 'type': 'wait', 'duration': '1d'},"
                 "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'day'}, {'from': 'day', 'to': 'mail'}]}");
    int64_t quits = person(c, "Quinten", "q@example.be", true);
    int64_t stays = person(c, "Sara", "s@example.be", true);
    int64_t rq = enter(c, sc, quits, NOW);
    int64_t rs = enter(c, sc, stays, NOW);
    consent(c, quits, "email", "opted_out", NOW + HOUR); /* after entry, before the send */

    struct sc_tick st = tick(c, NOW + DAY);
    assert_int_equal(st.messages, 1);
    json_t *m = only_message(c, rq);
    assert_string_equal(jstr(m, "status"), "no_consent");
    json_decref(m);
    assert_run(c, rq, "done", "completed");
    assert_ledger(c, rq, "day:passed mail:no_consent");
    m = only_message(c, rs);
    assert_string_equal(jstr(m, "status"), STORED);
    json_decref(m);
}

static void test_consent_letters_unless_post_opt_out(void **state)
{
    struct ctx *c = *state;
    template(c, "letter", "letter", NULL, "Dear {{profile.first_name}}, a letter for you.");
    int64_t sc = scenario(
        c, "post",
        "{'trigger': {'type': 'api'},"
        " 'nodes': [{'id': 'paper', 'type': 'send', 'channel': 'letter', 'template': 'letter'}],"
        " 'edges': [{'from': 'trigger', 'to': 'paper'}]}");
    struct pf home = {.first = "Lea",
                      .last = "Peeters",
                      .street = "Kerkstraat",
                      .house = "1",
                      .postal = "9000",
                      .city = "Gent",
                      .country = "BE"};
    int64_t plain = profile(c, home);
    home.first = "Odile";
    int64_t optout = profile(c, home);
    consent(c, optout, "post", "opted_out", NOW - DAY);
    home.first = "Eva";
    int64_t mailout = profile(c, home); /* an e-mail opt-out says nothing about letters */
    consent(c, mailout, "email", "opted_out", NOW - DAY);

    int64_t rp = enter(c, sc, plain, NOW);
    json_t *m = only_message(c, rp);
    assert_string_equal(jstr(m, "status"), STORED);
    assert_string_equal(jstr(m, "channel"), "letter");
    assert_non_null(strstr(jstr(m, "address"), "Lea Peeters"));
    assert_non_null(strstr(jstr(m, "address"), "Kerkstraat 1"));
    assert_non_null(strstr(jstr(m, "address"), "9000 Gent"));
    assert_string_equal(jstr(m, "body"), "Dear Lea, a letter for you.");
    json_decref(m);

    int64_t ro = enter(c, sc, optout, NOW);
    m = only_message(c, ro);
    assert_string_equal(jstr(m, "status"), "no_consent");
    json_decref(m);
    assert_run(c, ro, "done", "completed");

    m = only_message(c, enter(c, sc, mailout, NOW));
    assert_string_equal(jstr(m, "status"), STORED);
    json_decref(m);
}

/* ---- 4. frequency caps ------------------------------------------------------------------------
 */

static void test_frequency_cap_across_scenarios(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    template(c, "text", "sms", NULL, "Hi {{profile.first_name}}");
    setting(c, "frequency_cap.email", "2/7d", NOW - DAY);
    int64_t a =
        scenario(c, "two mails",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'm1', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
                 "  {'id': 'day', 'type': 'wait', 'duration': '1d'},"
                 "  {'id': 'm2', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'm1'}, {'from': 'm1', 'to': 'day'},"
                 "  {'from': 'day', 'to': 'm2'}]}");
    int64_t b =
        scenario(c, "one mail",
                 "{'trigger': {'type': 'api'}, 'entry': {'reentry': true},"
                 " 'nodes': [{'id': 'm', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
                 "  {'id': 'sms', 'type': 'send', 'channel': 'sms', 'template': 'text'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'm'}, {'from': 'm', 'to': 'sms'}]}");
    int64_t p = person(c, "Cato", "cato@example.be", true);
    int64_t other = person(c, "Dirk", "dirk@example.be", true);

    int64_t ra = enter(c, a, p, NOW);
    tick(c, NOW + DAY);
    assert_int_equal(nmsg(c, 0, ra, 0, STORED), 2);

    /* the third e-mail within 7 days, from another scenario: capped, and the run goes on */
    int64_t rb = enter(c, b, p, NOW + 2 * DAY);
    assert_string_equal(msg_status(c, rb, "email"), "capped");
    assert_string_equal(msg_status(c, rb, "sms"), "no_address");
    assert_run(c, rb, "done", "completed");
    assert_ledger(c, rb, "m:capped sms:no_address");
    /* the cap is per person */
    assert_string_equal(msg_status(c, enter(c, b, other, NOW + 2 * DAY), "email"), STORED);

    /* 7 days after the first: one e-mail (the second) in the window, so one more fits */
    int64_t rb2 = enter(c, b, p, NOW + 7 * DAY + HOUR);
    assert_string_equal(msg_status(c, rb2, "email"), STORED);
    assert_int_equal(nmsg(c, p, 0, 0, STORED), 3);
    assert_int_equal(nmsg(c, p, 0, 0, "capped"), 1);
}

/* ---- 5. quiet hours -----------------------------------------------------------------------------
 */

static void test_quiet_hours_in_the_persons_zone(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    setting(c, SETTING_TIMEZONE, "Europe/Brussels", NOW - DAY);
    setting(c, "quiet_hours", "21:00-08:00", NOW - DAY);
    int64_t sc = scenario(
        c, "now",
        "{'trigger': {'type': 'api'},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    int64_t be = person(c, "Bert", "bert@example.be", true);
    int64_t ny = profile(c, (struct pf){.first = "Nick",
                                        .email = "nick@example.com",
                                        .attrs = "{'timezone': 'America/New_York'}"});
    consent(c, ny, "email", "opted_in", NOW - DAY);
    int64_t ny2 = profile(c, (struct pf){.first = "Nora",
                                         .email = "nora@example.com",
                                         .attrs = "{'timezone': 'America/New_York'}"});
    consent(c, ny2, "email", "opted_in", NOW - DAY);

    /* 22:30 in Brussels: held until 08:00 there */
    int64_t t = T("2026-11-23T21:30:00Z");
    int64_t rb = enter(c, sc, be, t);
    assert_int_equal(nmsg(c, 0, rb, 0, NULL), 0);
    struct run r = run_get(c, rb);
    assert_string_equal(r.node, "mail");
    assert_int_not_equal(strcmp(r.state, "done"), 0);
    assert_int_equal(r.wake_at, T("2026-11-24T07:00:00Z"));

    /* 16:30 in New York: not quiet there */
    int64_t rn = enter(c, sc, ny, t);
    assert_int_equal(nmsg(c, 0, rn, 0, STORED), 1);

    tick(c, T("2026-11-24T06:59:00Z"));
    assert_int_equal(nmsg(c, 0, rb, 0, NULL), 0);
    tick(c, T("2026-11-24T07:00:00Z"));
    json_t *m = only_message(c, rb);
    assert_string_equal(jstr(m, "status"), STORED);
    json_decref(m);
    assert_run(c, rb, "done", "completed");
    assert_ledger(c, rb, "mail:sent");

    /* 22:30 in New York (04:30 in Brussels): held until 08:00 in New York */
    int64_t r2 = enter(c, sc, ny2, T("2026-11-24T03:30:00Z"));
    assert_int_equal(nmsg(c, 0, r2, 0, NULL), 0);
    assert_int_equal(run_get(c, r2).wake_at, T("2026-11-24T13:00:00Z"));
    tick(c, T("2026-11-24T12:59:00Z"));
    assert_int_equal(nmsg(c, 0, r2, 0, NULL), 0);
    tick(c, T("2026-11-24T13:00:00Z"));
    assert_int_equal(nmsg(c, 0, r2, 0, STORED), 1);
}

/* ---- 6. waits until a time or a date
 * ---------------------------------------------------------------- */

static void test_wait_until_time_of_day(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    setting(c, SETTING_TIMEZONE, "Europe/Brussels", NOW - DAY);
    int64_t sc =
        scenario(c, "morning",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'nine', 'type': 'wait', 'until': '09:00'},"
                 "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'nine'}, {'from': 'nine', 'to': 'mail'}]}");
    int64_t be = person(c, "Bert", "bert@example.be", true);
    int64_t ny = profile(c, (struct pf){.first = "Nick",
                                        .email = "nick@example.com",
                                        .attrs = "{'timezone': 'America/New_York'}"});
    consent(c, ny, "email", "opted_in", NOW - DAY);

    /* 10:00Z: 11:00 in Brussels (09:00 is tomorrow), 05:00 in New York (09:00 is today) */
    int64_t rb = enter(c, sc, be, NOW);
    int64_t rn = enter(c, sc, ny, NOW);
    assert_int_equal(run_get(c, rb).wake_at, T("2026-11-24T08:00:00Z"));
    assert_int_equal(run_get(c, rn).wake_at, T("2026-11-23T14:00:00Z"));
    tick(c, T("2026-11-23T14:00:00Z"));
    assert_int_equal(nmsg(c, 0, rn, 0, STORED), 1);
    assert_int_equal(nmsg(c, 0, rb, 0, NULL), 0);
    tick(c, T("2026-11-24T07:59:00Z"));
    assert_int_equal(nmsg(c, 0, rb, 0, NULL), 0);
    tick(c, T("2026-11-24T08:00:00Z"));
    assert_int_equal(nmsg(c, 0, rb, 0, STORED), 1);
    assert_ledger(c, rb, "nine:passed mail:sent");
}

static void test_wait_until_date_field(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    setting(c, SETTING_TIMEZONE, "Europe/Brussels", NOW - DAY);
    int64_t sc = scenario(
        c, "contract",
        "{'trigger': {'type': 'api'},"
        " 'nodes': [{'id': 'week', 'type': 'wait', 'until_field': 'attributes.contract_end',"
        "   'offset': '-7d'},"
        "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'week'}, {'from': 'week', 'to': 'mail'}]}");
    int64_t ends = profile(c, (struct pf){.first = "Emma",
                                          .email = "emma@example.be",
                                          .attrs = "{'contract_end': '2026-12-31'}"});
    consent(c, ends, "email", "opted_in", NOW - DAY);
    int64_t soon = profile(c, (struct pf){.first = "Sam",
                                          .email = "sam@example.be",
                                          .attrs = "{'contract_end': '2026-11-25'}"});
    consent(c, soon, "email", "opted_in", NOW - DAY);
    int64_t none = person(c, "Nele", "nele@example.be", true);

    /* 7 days before 31 December, at the start of that day in Brussels */
    int64_t re = enter(c, sc, ends, NOW);
    assert_string_equal(run_get(c, re).state, "waiting");
    assert_int_equal(run_get(c, re).wake_at, T("2026-12-23T23:00:00Z"));
    /* 7 days before the 25th is already past, and no date means nothing to wait for */
    assert_int_equal(nmsg(c, 0, enter(c, sc, soon, NOW), 0, STORED), 1);
    assert_int_equal(nmsg(c, 0, enter(c, sc, none, NOW), 0, STORED), 1);

    tick(c, T("2026-12-23T22:59:00Z"));
    assert_int_equal(nmsg(c, 0, re, 0, NULL), 0);
    tick(c, T("2026-12-23T23:00:00Z"));
    assert_int_equal(nmsg(c, 0, re, 0, STORED), 1);
    assert_run(c, re, "done", "completed");
}

/* ---- 7. wait_for
 * ------------------------------------------------------------------------------------ */

static void test_wait_for_event_or_timeout(void **state)
{
    struct ctx *c = *state;
    template(c, "thanks", "email", "Thanks {{profile.first_name}}", "x");
    template(c, "nudge", "email", "Still there, {{profile.first_name}}?", "x");
    int64_t sc =
        scenario(c, "click",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'wf', 'type': 'wait_for', 'event': 'Email Clicked',"
                 "   'where': [{'path': 'properties.campaign', 'op': '=', 'value': 'winter'}],"
                 "   'timeout': '2d'},"
                 "  {'id': 'thanks', 'type': 'send', 'channel': 'email', 'template': 'thanks'},"
                 "  {'id': 'nudge', 'type': 'send', 'channel': 'email', 'template': 'nudge'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'wf'},"
                 "  {'from': 'wf', 'exit': 'happened', 'to': 'thanks'},"
                 "  {'from': 'wf', 'exit': 'timed_out', 'to': 'nudge'}]}");
    int64_t clicks = person(c, "Chris", "chris@example.be", true);
    int64_t idle = person(c, "Ilse", "ilse@example.be", true);
    tick(c, NOW); /* the workspace's first tick: the cursors start here */
    int64_t rc_ = enter(c, sc, clicks, NOW);
    int64_t ri = enter(c, sc, idle, NOW);
    assert_string_equal(run_get(c, rc_).state, "event");
    assert_int_equal(run_get(c, rc_).wake_at, NOW + 2 * DAY);

    /* not this event: another campaign, another name */
    event(c, clicks, "Email Clicked", "{'campaign': 'summer'}", NOW + HOUR);
    event(c, idle, "Email Opened", "{'campaign': 'winter'}", NOW + HOUR);
    tick(c, NOW + HOUR);
    assert_string_equal(run_get(c, rc_).state, "event");
    assert_string_equal(run_get(c, ri).state, "event");

    event(c, clicks, "Email Clicked", "{'campaign': 'winter'}", NOW + 2 * HOUR);
    tick(c, NOW + 2 * HOUR);
    json_t *m = only_message(c, rc_);
    assert_string_equal(jstr(m, "subject"), "Thanks Chris");
    json_decref(m);
    assert_run(c, rc_, "done", "completed");
    assert_ledger(c, rc_, "wf:happened thanks:sent");

    tick(c, NOW + 2 * DAY - 1);
    assert_string_equal(run_get(c, ri).state, "event");
    assert_int_equal(nmsg(c, 0, ri, 0, NULL), 0);
    tick(c, NOW + 2 * DAY);
    m = only_message(c, ri);
    assert_string_equal(jstr(m, "subject"), "Still there, Ilse?");
    json_decref(m);
    assert_ledger(c, ri, "wf:timed_out nudge:sent");
    assert_int_equal(count_at(c, sc, "nodes.wf.outcomes.happened"), 1);
    assert_int_equal(count_at(c, sc, "nodes.wf.outcomes.timed_out"), 1);
    /* the clicker's message was not repeated */
    assert_int_equal(nmsg(c, clicks, 0, 0, NULL), 1);
}

/* ---- 8. goals
 * --------------------------------------------------------------------------------------- */

static const char BASKET[] =
    "{'trigger': {'type': 'api'},"
    " 'nodes': [{'id': 'day', 'type': 'wait', 'duration': '1d'},"
    "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
    "  {'id': 'bought', 'type': 'goal', 'rule': 'orders.count() >= 1'}],"
    " 'edges': [{'from': 'trigger', 'to': 'day'}, {'from': 'day', 'to': 'mail'}]}";

static void test_goal_counts_only_after_entry(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc = scenario(c, "basket", BASKET);
    int64_t early = person(c, "Eli", "eli@example.be", true);
    int64_t late = person(c, "Lot", "lot@example.be", true);
    int64_t backdated = person(c, "Bo", "bo@example.be", true);
    order(c, early, "E-1", NOW - 10 * DAY, NOW - 10 * DAY, NULL); /* before entering */
    tick(c, NOW);

    int64_t re = enter(c, sc, early, NOW);
    int64_t rl = enter(c, sc, late, NOW);
    int64_t rb = enter(c, sc, backdated, NOW);
    assert_run(c, re, "waiting", NULL);

    /* an order after entry ends the run as soon as the engine sees it */
    order(c, late, "L-1", NOW + HOUR, NOW + HOUR, NULL);
    /* an order written now but placed before the run entered does not count */
    order(c, backdated, "B-1", NOW - 2 * DAY, NOW + HOUR, NULL);
    tick(c, NOW + HOUR);
    assert_run(c, rl, "done", "converted");
    assert_ledger(c, rl, "bought:end:converted");
    assert_run(c, rb, "waiting", NULL);
    assert_run(c, re, "waiting", NULL);

    tick(c, NOW + DAY);
    assert_int_equal(nmsg(c, late, 0, 0, NULL), 0);
    assert_int_equal(nmsg(c, 0, re, 0, STORED), 1);
    assert_int_equal(nmsg(c, 0, rb, 0, STORED), 1);
    assert_int_equal(count_at(c, sc, "nodes.bought.exited.converted"), 1);
    assert_int_equal(count_at(c, sc, "totals.outcomes.converted"), 1);
}

/* A goal that no event or order reveals is still checked before every step. */
static void test_goal_checked_before_each_step(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc =
        scenario(c, "vip",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'day', 'type': 'wait', 'duration': '1d'},"
                 "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
                 "  {'id': 'vip', 'type': 'goal', 'rule': 'attributes.vip = `yes`'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'day'}, {'from': 'day', 'to': 'mail'}]}");
    int64_t p = person(c, "Vic", "vic@example.be", true);
    int64_t already =
        profile(c, (struct pf){.first = "Al", .email = "al@example.be", .attrs = "{'vip': 'yes'}"});
    consent(c, already, "email", "opted_in", NOW - DAY);
    tick(c, NOW);

    int64_t run = enter(c, sc, p, NOW);
    set_attribute(c, p, "vip", "\"yes\"", NOW + HOUR);
    tick(c, NOW + DAY);
    assert_run(c, run, "done", "converted");
    assert_int_equal(nmsg(c, p, 0, 0, NULL), 0);
    char got[512];
    ledger(c, run, got, sizeof got);
    assert_non_null(strstr(got, "vip:end:converted"));

    /* met when entering: converted at the first step */
    int64_t r2 = enter(c, sc, already, NOW + DAY);
    assert_run(c, r2, "done", "converted");
    assert_ledger(c, r2, "vip:end:converted");
    tick(c, NOW + 3 * DAY);
    assert_int_equal(nmsg(c, already, 0, 0, NULL), 0);
}

/* ---- 9. entry rules
 * ----------------------------------------------------------------------------------- */

static void test_entry_rules(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    static const char body[] =
        " 'nodes': [{'id': 'day', 'type': 'wait', 'duration': '1d'},"
        "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'day'}, {'from': 'day', 'to': 'mail'}]}";
    char def[2048];
    snprintf(def, sizeof def, "{'trigger': {'type': 'api'}, %s", body);
    int64_t once = scenario(c, "once", def);
    snprintf(def, sizeof def,
             "{'trigger': {'type': 'api'}, 'entry': {'reentry': true, 'min_interval': '7d'}, %s",
             body);
    int64_t weekly = scenario(c, "weekly", def);
    int64_t p = person(c, "Pia", "pia@example.be", true);

    enter(c, once, p, NOW);
    assert_string_equal(refused(c, once, p, NOW + HOUR), "already_running");
    tick(c, NOW + DAY);
    assert_int_equal(nmsg(c, p, 0, once, STORED), 1);
    assert_string_equal(refused(c, once, p, NOW + 2 * DAY), "no_reentry");
    assert_string_equal(refused(c, once, p, NOW + 60 * DAY), "no_reentry");
    assert_int_equal(nruns(c, once), 1);

    enter(c, weekly, p, NOW);
    assert_string_equal(refused(c, weekly, p, NOW + HOUR), "already_running");
    tick(c, NOW + DAY);
    assert_string_equal(refused(c, weekly, p, NOW + 3 * DAY), "too_soon");
    assert_string_equal(refused(c, weekly, p, NOW + 7 * DAY - 1), "too_soon");
    int64_t again = enter(c, weekly, p, NOW + 7 * DAY);
    assert_run(c, again, "waiting", NULL);
    assert_int_equal(nruns(c, weekly), 2);

    /* and the plain refusals */
    assert_string_equal(refused(c, once, 999999, NOW + 8 * DAY), "unknown_profile");
    struct errbuf e = {{0}, {0}};
    json_t *draft = json_pack("{s:s, s:o}", "name", "draft", "definition", J(def));
    int64_t did = 0;
    begin(c);
    must(sc_create(c->s, draft, NOW, &did, &e), "sc_create");
    commit(c);
    json_decref(draft);
    assert_string_equal(refused(c, did, p, NOW + 8 * DAY), "not_active");
}

/* ---- 10. event and segment triggers
 * ---------------------------------------------------------------------- */

static void test_event_trigger_where(void **state)
{
    struct ctx *c = *state;
    template(c, "sorry", "email", "About your {{event.properties.answer}}",
             "Dear {{profile.first_name}}");
    int64_t hit = person(c, "Hana", "hana@example.be", true);
    int64_t fine = person(c, "Finn", "finn@example.be", true);
    int64_t other = person(c, "Olga", "olga@example.be", true);
    int64_t bare = person(c, "Ben", "ben@example.be", true);
    /* history, from before the workspace's first scenario was active: not a trigger */
    event(c, fine, "Survey Answered", "{'answer': 'broken seat'}", NOW - HOUR);
    int64_t sc = scenario(
        c, "seat",
        "{'trigger': {'type': 'event', 'event': 'Survey Answered',"
        "   'where': [{'path': 'properties.answer', 'op': '=', 'value': 'broken seat'}]},"
        " 'entry': {'reentry': true},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'sorry'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    tick(c, NOW);
    assert_int_equal(nruns(c, sc), 0);

    event(c, hit, "Survey Answered", "{'answer': 'broken seat', 'order_id': 'A-1'}", NOW + MIN);
    event(c, fine, "Survey Answered", "{'answer': 'comfortable'}", NOW + MIN);
    event(c, other, "Survey Started", "{'answer': 'broken seat'}", NOW + MIN);
    event(c, bare, "Survey Answered", NULL, NOW + MIN);
    struct sc_tick st = tick(c, NOW + 2 * MIN);
    assert_int_equal(st.entered, 1);
    assert_int_equal(nruns(c, sc), 1);
    struct runs r = runs_of(c, hit, sc);
    assert_int_equal(r.n, 1);
    json_t *m = only_message(c, r.v[0].id);
    assert_string_equal(jstr(m, "subject"), "About your broken seat");
    json_decref(m);
    assert_int_equal(runs_of(c, fine, sc).n, 0);
    assert_int_equal(runs_of(c, other, sc).n, 0);
    assert_int_equal(runs_of(c, bare, sc).n, 0);

    /* the same event is not taken twice */
    tick(c, NOW + 3 * MIN);
    assert_int_equal(nruns(c, sc), 1);
}

static void test_segment_triggers(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t gold_a = profile(
        c, (struct pf){.first = "Gert", .email = "gert@example.be", .attrs = "{'tier': 'silver'}"});
    int64_t silver = profile(
        c, (struct pf){.first = "Sil", .email = "sil@example.be", .attrs = "{'tier': 'silver'}"});
    consent(c, gold_a, "email", "opted_in", NOW - DAY);
    consent(c, silver, "email", "opted_in", NOW - DAY);
    segment(c, "gold", "attributes.tier = \"gold\"", NOW - HOUR);
    int64_t in = scenario(
        c, "welcome gold",
        "{'trigger': {'type': 'segment_enter', 'segment': 'gold'},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    int64_t out = scenario(
        c, "left gold",
        "{'trigger': {'type': 'segment_exit', 'segment': 'gold'},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    tick(c, NOW);

    set_attribute(c, gold_a, "tier", "\"gold\"", NOW + MIN);
    set_attribute(c, silver, "tier", "\"bronze\"", NOW + MIN);
    struct sc_tick st = tick(c, NOW + MIN);
    assert_int_equal(st.entered, 1);
    struct runs r = runs_of(c, gold_a, in);
    assert_int_equal(r.n, 1);
    assert_int_equal(nmsg(c, 0, r.v[0].id, 0, STORED), 1);
    assert_int_equal(runs_of(c, silver, 0).n, 0);
    assert_int_equal(nruns(c, out), 0);

    set_attribute(c, gold_a, "tier", "\"silver\"", NOW + 2 * MIN);
    tick(c, NOW + 2 * MIN);
    assert_int_equal(runs_of(c, gold_a, out).n, 1);
    assert_int_equal(nruns(c, in), 1);
}

/* ---- 11. schedule and date triggers
 * ------------------------------------------------------------------------ */

static void test_schedule_trigger_for_segment_members(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t g1 = profile(
        c, (struct pf){.first = "G1", .email = "g1@example.be", .attrs = "{'tier': 'gold'}"});
    int64_t s1 = profile(
        c, (struct pf){.first = "S1", .email = "s1@example.be", .attrs = "{'tier': 'silver'}"});
    int64_t g2 = profile(
        c, (struct pf){.first = "G2", .email = "g2@example.be", .attrs = "{'tier': 'gold'}"});
    int64_t ids[] = {g1, s1, g2};
    for (int i = 0; i < 3; i++)
        consent(c, ids[i], "email", "opted_in", NOW - DAY);
    segment(c, "gold", "attributes.tier = \"gold\"", NOW - HOUR);
    int64_t at = T("2026-11-25T09:00:00Z");
    int64_t once = scenario_at(
        c, "once", NOW,
        "{'trigger': {'type': 'schedule', 'segment': 'gold',"
        "   'at': '2026-11-25T09:00:00Z'}, 'entry': {'reentry': true},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    int64_t daily = scenario_at(
        c, "daily", NOW,
        "{'trigger': {'type': 'schedule', 'segment': 'gold',"
        "   'at': '2026-11-25T09:00:00Z', 'every': '1d'},"
        " 'entry': {'reentry': true},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    tick(c, NOW); /* activation: the first fire is set */
    tick(c, at - MIN);
    assert_int_equal(nruns(c, once), 0);
    assert_int_equal(nruns(c, daily), 0);

    tick(c, at);
    assert_int_equal(runs_of(c, g1, once).n, 1);
    assert_int_equal(runs_of(c, g2, once).n, 1);
    assert_int_equal(runs_of(c, s1, 0).n, 0);
    assert_int_equal(runs_of(c, g1, daily).n, 1);
    assert_int_equal(nmsg(c, g1, 0, once, STORED), 1);

    /* a single time fires once, however often the scheduler looks afterwards */
    tick(c, at + 30 * SEC);
    tick(c, at + 50 * SEC);
    tick(c, at + 2 * MIN);
    tick(c, at + HOUR);
    expect_runs(c, once, 2, "after ticks 30 s, 50 s, 2 min and 1 h after its single fire");
    expect_runs(c, daily, 2, "before its second day");

    /* every day; fires missed while nobody looked are not made up */
    tick(c, at + DAY);
    expect_runs(c, daily, 4, "after its second day");
    tick(c, at + 5 * DAY + HOUR);
    expect_runs(c, daily, 6, "after a tick 5 days later (missed fires not made up)");
    tick(c, at + 5 * DAY + 2 * HOUR);
    expect_runs(c, daily, 6, "an hour later");
    tick(c, at + 6 * DAY);
    expect_runs(c, daily, 8, "at its next day");
    expect_runs(c, once, 2, "6 days after its single fire");
    assert_int_equal(runs_of(c, s1, 0).n, 0);
}

static void test_date_trigger_leap_day(void **state)
{
    struct ctx *c = *state;
    template(c, "birthday", "email", "Happy birthday {{profile.first_name}}", "x");
    int64_t leap =
        profile(c, (struct pf){.first = "Leap", .email = "leap@example.be", .birth = "2000-02-29"});
    int64_t feb28 =
        profile(c, (struct pf){.first = "Feb", .email = "feb@example.be", .birth = "1990-02-28"});
    int64_t mar1 =
        profile(c, (struct pf){.first = "Mar", .email = "mar@example.be", .birth = "1985-03-01"});
    int64_t ids[] = {leap, feb28, mar1};
    for (int i = 0; i < 3; i++)
        consent(c, ids[i], "email", "opted_in", NOW - DAY);
    static const char def[] =
        "{'trigger': {'type': 'date', 'field': 'birth_date', 'offset': '0d', 'at': '09:00'},"
        " 'entry': {'reentry': true},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'birthday'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}";

    /* 2027 is not a leap year: 29 February is greeted on the 28th */
    int64_t sc = scenario_at(c, "birthday", T("2027-02-27T10:00:00Z"), def);
    tick(c, T("2027-02-27T10:00:00Z"));
    tick(c, T("2027-02-28T08:59:00Z"));
    assert_int_equal(nruns(c, sc), 0);
    tick(c, T("2027-02-28T09:00:00Z"));
    assert_int_equal(runs_of(c, leap, sc).n, 1);
    assert_int_equal(runs_of(c, feb28, sc).n, 1);
    assert_int_equal(runs_of(c, mar1, sc).n, 0);
    assert_int_equal(nmsg(c, leap, 0, sc, STORED), 1);
    tick(c, T("2027-03-01T09:00:00Z"));
    assert_int_equal(runs_of(c, leap, sc).n, 1);
    assert_int_equal(runs_of(c, feb28, sc).n, 1);
    assert_int_equal(runs_of(c, mar1, sc).n, 1);
    set_status(c, sc, "archive", T("2027-03-02T00:00:00Z"));

    /* 2028 is: on its own day, not the day before */
    int64_t sc2 = scenario_at(c, "birthday 2028", T("2028-02-27T10:00:00Z"), def);
    tick(c, T("2028-02-27T10:00:00Z"));
    tick(c, T("2028-02-28T09:00:00Z"));
    assert_int_equal(runs_of(c, feb28, sc2).n, 1);
    assert_int_equal(runs_of(c, leap, sc2).n, 0);
    tick(c, T("2028-02-29T09:00:00Z"));
    assert_int_equal(runs_of(c, leap, sc2).n, 1);
    assert_int_equal(runs_of(c, mar1, sc2).n, 0);
}

/* A date trigger fires at its time on each person's own clock: New York five hours after UTC. */
static void test_date_trigger_in_the_profiles_zone(void **state)
{
    struct ctx *c = *state;
    template(c, "birthday", "email", "Happy birthday {{profile.first_name}}", "x");
    int64_t ann = profile(c, (struct pf){.first = "Ann", .email = "ann@example.be",
                                         .birth = "1990-03-05"});
    int64_t ned = profile(c, (struct pf){.first = "Ned", .email = "ned@example.com",
                                         .birth = "1990-03-05",
                                         .attrs = "{'timezone': 'America/New_York'}"});
    consent(c, ann, "email", "opted_in", NOW - DAY);
    consent(c, ned, "email", "opted_in", NOW - DAY);
    int64_t sc = scenario_at(c, "birthday", T("2027-03-04T10:00:00Z"),
                             "{'trigger': {'type': 'date', 'field': 'birth_date', 'at': '09:00'},"
                             " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email',"
                             "  'template': 'birthday'}],"
                             " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    tick(c, T("2027-03-04T10:00:00Z"));
    tick(c, T("2027-03-05T09:00:00Z")); /* 09:00 in UTC, the workspace's zone: Ann */
    assert_int_equal(runs_of(c, ann, sc).n, 1);
    assert_int_equal(runs_of(c, ned, sc).n, 0);
    tick(c, T("2027-03-05T13:59:00Z")); /* 08:59 in New York */
    assert_int_equal(runs_of(c, ned, sc).n, 0);
    tick(c, T("2027-03-05T14:00:00Z")); /* 09:00 in New York (EST) */
    assert_int_equal(runs_of(c, ned, sc).n, 1);
    tick(c, T("2027-03-06T14:00:00Z"));
    assert_int_equal(runs_of(c, ann, sc).n, 1);
    assert_int_equal(runs_of(c, ned, sc).n, 1);
}

/* A letter send node with per_household: one letter of a template per household a day. */
static void test_letter_per_household(void **state)
{
    struct ctx *c = *state;
    template(c, "points-letter", "letter", "Your points", "Dear {{profile.first_name}}");
    struct pf a = {.first = "Ann", .last = "Peeters", .email = "ann@telenet.be", .street = "Kerkstraat",
                   .house = "12", .postal = "9000", .city = "Gent", .country = "BE"};
    int64_t ann = profile(c, a);
    a.first = "Bert";
    a.email = "bert@telenet.be";
    int64_t bert = profile(c, a);
    a.first = "Carl";
    a.last = "Janssens";
    a.email = "carl@telenet.be";
    a.street = "Veldstraat";
    int64_t carl = profile(c, a);
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE profiles SET household_id = %lld WHERE id IN (%lld, %lld)",
             (long long)ann, (long long)ann, (long long)bert);
    assert_int_equal(testdb_exec(c->db.path, sql), 0);
    int64_t ids[] = {ann, bert, carl};
    begin(c);
    refresh(c, ids, 3, NOW);
    commit(c);
    int64_t sc = scenario(c, "letters",
                          "{'trigger': {'type': 'api'},"
                          " 'nodes': [{'id': 'letter', 'type': 'send', 'channel': 'letter',"
                          "  'template': 'points-letter', 'per_household': true}],"
                          " 'edges': [{'from': 'trigger', 'to': 'letter'}]}");
    int64_t r1 = enter(c, sc, ann, NOW), r2 = enter(c, sc, bert, NOW + MIN), r3 = enter(c, sc, carl, NOW + MIN);
    assert_string_equal(msg_status(c, r1, "letter"), STORED);
    assert_string_equal(msg_status(c, r2, "letter"), "merged_household");
    assert_string_equal(msg_status(c, r3, "letter"), STORED); /* another household */
    /* a send node for e-mail cannot ask for it */
    struct errbuf e = {{0}, {0}};
    json_t *bad = J("{'trigger': {'type': 'api'}, 'nodes': [{'id': 'm', 'type': 'send',"
                    " 'channel': 'email', 'template': 'points-letter', 'per_household': true}],"
                    " 'edges': [{'from': 'trigger', 'to': 'm'}]}");
    struct sc_def *d = NULL;
    assert_int_equal(sc_def_parse(bad, &d, &e), ERR_INVALID);
    assert_string_equal(e.field, "nodes[0].per_household");
    sc_def_free(d);
    json_decref(bad);
}

/* ---- 12. merges
 * ------------------------------------------------------------------------------------------ */

static void test_merge_runs_follow_the_survivor(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    static const char def[] =
        "{'trigger': {'type': 'api'},"
        " 'nodes': [{'id': 'day', 'type': 'wait', 'duration': '%s'},"
        "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'day'}, {'from': 'day', 'to': 'mail'}]}";
    char d[1024];
    snprintf(d, sizeof d, def, "1d");
    int64_t a = scenario(c, "A", d);
    snprintf(d, sizeof d, def, "2d");
    int64_t b = scenario(c, "B", d);
    int64_t surv = person(c, "Sven", "sven@example.be", true);
    int64_t absd = person(c, "Sven", "sven.old@example.be", true);

    int64_t ra_s = enter(c, a, surv, NOW);
    int64_t ra_a = enter(c, a, absd, NOW);
    int64_t rb_a = enter(c, b, absd, NOW);

    begin(c);
    assert_int_equal(store_profile_merge(c->s, surv, absd, "manual", NULL, 1.0, NOW + HOUR), 0);
    int64_t both[] = {surv, absd};
    refresh(c, both, 2, NOW + HOUR);
    commit(c);

    /* the absorbed profile's run of A ends: the survivor runs A already */
    assert_run(c, ra_a, "done", "merged");
    assert_ledger(c, ra_a, "day:end:merged");
    /* its run of B goes on as the survivor's */
    struct run rb = run_get(c, rb_a);
    assert_int_equal(rb.profile_id, surv);
    assert_string_equal(rb.state, "waiting");
    assert_run(c, ra_s, "waiting", NULL);
    assert_int_equal(count_at(c, a, "nodes.day.exited.merged"), 1);

    tick(c, NOW + DAY);
    tick(c, NOW + 2 * DAY);
    tick(c, NOW + 3 * DAY);
    assert_int_equal(nmsg(c, surv, 0, a, STORED), 1);
    assert_int_equal(nmsg(c, surv, 0, b, STORED), 1);
    assert_int_equal(nmsg(c, absd, 0, 0, NULL), 0);
    assert_int_equal(nmsg(c, 0, 0, a, NULL), 1);
    assert_int_equal(nmsg(c, 0, 0, b, NULL), 1);
    json_t *m = only_message(c, rb_a);
    assert_string_equal(jstr(m, "address"), "sven@example.be");
    assert_int_equal(json_integer_value(json_object_get(m, "profile_id")), surv);
    json_decref(m);
    assert_run(c, rb_a, "done", "completed");
    assert_ledger(c, rb_a, "day:passed mail:sent");
}

static void test_erase_ends_runs_and_forgets(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t a = scenario(c, "A",
                         "{'trigger': {'type': 'api'},"
                         " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
                         "  {'id': 'day', 'type': 'wait', 'duration': '1d'},"
                         "  {'id': 'again', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
                         " 'edges': [{'from': 'trigger', 'to': 'mail'}, {'from': 'mail', 'to': 'day'},"
                         "  {'from': 'day', 'to': 'again'}]}");
    int64_t eva = person(c, "Eva", "eva@example.be", true);
    int64_t run = enter(c, a, eva, NOW);
    assert_int_equal(nmsg(c, eva, 0, a, STORED), 1);

    begin(c);
    struct errbuf e = {{0}, {0}};
    must_(store_profile_erase(c->s, eva, NOW + HOUR, &e), &e, "store_profile_erase");
    refresh(c, &eva, 1, NOW + HOUR);
    commit(c);

    assert_run(c, run, "done", "erased");
    assert_ledger(c, run, "mail:sent day:end:erased");
    tick(c, NOW + 2 * DAY);
    assert_int_equal(nmsg(c, eva, 0, a, NULL), 1); /* nothing more after the erasure */
    assert_int_equal(nmsg(c, eva, 0, a, "erased"), 1); /* and the kept one goes nowhere now */
    /* the message is counted, but says nothing of her any more */
    json_t *m = only_message(c, run);
    assert_string_equal(jstr(m, "address"), "(none)");
    assert_string_equal(jstr(m, "body"), "(none)");
    json_decref(m);
    /* the profile is no one now: not enterable, its personal data gone */
    assert_string_equal(refused(c, a, eva, NOW + 3 * DAY), "unknown_profile");
    json_t *view = NULL;
    assert_int_equal(store_profile_view(c->s, eva, &view, &e), 0);
    assert_string_equal(jstr(view, "email"), "(none)");
    assert_string_equal(jstr(view, "first_name"), "(none)");
    assert_string_not_equal(jstr(view, "erased_at"), "(none)");
    assert_int_equal(json_array_size(json_object_get(view, "identities")), 0);
    json_decref(view);
    /* erasing twice is harmless */
    begin(c);
    assert_int_equal(store_profile_erase(c->s, eva, NOW + 4 * DAY, &e), 0);
    commit(c);
}

/* ---- 13. tasks
 * ------------------------------------------------------------------------------------------- */

static void test_task_waits_until_resolved(void **state)
{
    struct ctx *c = *state;
    template(c, "repaired", "email",
             "Seat {{order.attributes.seat}} is repaired, {{profile.first_name}}", "x");
    int64_t sc = scenario(
        c, "broken seat",
        "{'trigger': {'type': 'event', 'event': 'Survey Answered',"
        "   'where': [{'path': 'properties.answer', 'op': '=', 'value': 'broken seat'}]},"
        " 'nodes': [{'id': 'repair', 'type': 'task', 'assignee': 'hall manager',"
        "   'title': 'Repair seat {{order.attributes.seat}}, row {{order.attributes.row}}',"
        "   'description': '{{profile.first_name}} reported a {{event.properties.answer}}"
        " after order {{order.order_id}}'},"
        "  {'id': 'done', 'type': 'send', 'channel': 'email', 'template': 'repaired'}],"
        " 'edges': [{'from': 'trigger', 'to': 'repair'}, {'from': 'repair', 'to': 'done'}]}");
    int64_t p = person(c, "Ann", "ann@example.be", true);
    tick(c, NOW);
    order(c, p, "A-1", NOW - DAY, NOW, "{'seat': '12', 'row': 'F', 'hall': '3'}");
    order(c, p, "A-2", NOW - HOUR, NOW, "{'seat': '30', 'row': 'B', 'hall': '1'}"); /* newer */
    event(c, p, "Survey Answered", "{'answer': 'broken seat', 'order_id': 'A-1'}", NOW + MIN);
    tick(c, NOW + MIN);

    struct runs r = runs_of(c, p, sc);
    assert_int_equal(r.n, 1);
    int64_t run = r.v[0].id;
    assert_string_equal(r.v[0].state, "task");
    assert_string_equal(r.v[0].node, "repair");
    json_t *tasks = NULL;
    assert_int_equal(store_task_list(c->s, true, 10, &tasks), 0);
    assert_int_equal(json_array_size(tasks), 1);
    json_t *t = json_array_get(tasks, 0);
    assert_string_equal(jstr(t, "title"), "Repair seat 12, row F");
    assert_string_equal(jstr(t, "description"), "Ann reported a broken seat after order A-1");
    assert_string_equal(jstr(t, "assignee"), "hall manager");
    assert_string_equal(jstr(t, "status"), "open");
    assert_int_equal(json_integer_value(json_object_get(t, "run_id")), run);
    const char *link = jstr(t, "link");
    assert_true(!strncmp(link, "/t/", 3));
    char token[128];
    snprintf(token, sizeof token, "%s", link + 3);
    json_decref(tasks);

    /* the run waits for the task, however long */
    tick(c, NOW + 3 * DAY);
    assert_string_equal(run_get(c, run).state, "task");
    assert_int_equal(nmsg(c, 0, run, 0, NULL), 0);

    struct errbuf e = {{0}, {0}};
    int64_t task_id = 0, task_run = 0;
    begin(c);
    assert_int_equal(store_task_resolve(c->s, token, NOW + 3 * DAY + HOUR, &task_id, &task_run), 0);
    assert_int_equal(task_run, run);
    must(sc_engine_task_resolved(c->sc, c->s, task_run, NOW + 3 * DAY + HOUR, &e),
         "sc_engine_task_resolved");
    commit(c);
    tick(c, NOW + 3 * DAY + HOUR);
    json_t *m = only_message(c, run);
    assert_string_equal(jstr(m, "subject"), "Seat 12 is repaired, Ann");
    assert_string_equal(jstr(m, "status"), STORED);
    json_decref(m);
    assert_run(c, run, "done", "completed");
    assert_ledger(c, run, "repair:resolved done:sent");
    assert_int_equal(store_task_list(c->s, true, 10, &tasks), 0);
    assert_int_equal(json_array_size(tasks), 0);
    json_decref(tasks);
}

/* ---- 14. pause and archive
 * -------------------------------------------------------------------------------- */

static const char DAY_THEN_MAIL[] =
    "{'trigger': {'type': 'api'},"
    " 'nodes': [{'id': 'day', 'type': 'wait', 'duration': '1h'},"
    "  {'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
    " 'edges': [{'from': 'trigger', 'to': 'day'}, {'from': 'day', 'to': 'mail'}]}";

static void test_archive_ends_unfinished_runs(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc = scenario(c, "old", DAY_THEN_MAIL);
    int64_t p1 = person(c, "Ada", "ada@example.be", true);
    int64_t p2 = person(c, "Bob", "bob@example.be", true);
    int64_t r1 = enter(c, sc, p1, NOW);
    int64_t r2 = enter(c, sc, p2, NOW);
    set_status(c, sc, "archive", NOW + 10 * MIN);
    assert_run(c, r1, "done", "archived");
    assert_run(c, r2, "done", "archived");
    assert_ledger(c, r1, "day:end:archived");
    tick(c, NOW + 2 * HOUR);
    tick(c, NOW + 2 * DAY);
    assert_int_equal(nmsg(c, 0, 0, sc, NULL), 0);
    assert_ledger(c, r2, "day:end:archived");
    assert_int_equal(count_at(c, sc, "totals.outcomes.archived"), 2);
    assert_int_equal(count_at(c, sc, "totals.active"), 0);
}

static void test_pause_holds_due_runs(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc = scenario(c, "hold", DAY_THEN_MAIL);
    int64_t p = person(c, "Pim", "pim@example.be", true);
    int64_t q = person(c, "Quin", "quin@example.be", true);
    int64_t run = enter(c, sc, p, NOW);
    set_status(c, sc, "pause", NOW + 10 * MIN);
    tick(c, NOW + 2 * HOUR);
    tick(c, NOW + 2 * HOUR + 5 * MIN);
    assert_int_equal(nmsg(c, 0, run, 0, NULL), 0);
    assert_int_not_equal(strcmp(run_get(c, run).state, "done"), 0);
    assert_string_equal(run_get(c, run).node, "day");
    assert_string_equal(refused(c, sc, q, NOW + 2 * HOUR), "not_active");

    set_status(c, sc, "activate", NOW + 3 * HOUR);
    tick(c, NOW + 3 * HOUR);
    assert_int_equal(nmsg(c, 0, run, 0, STORED), 1);
    assert_run(c, run, "done", "completed");
    assert_ledger(c, run, "day:passed mail:sent");
}

/* ---- 15. crash safety
 * ------------------------------------------------------------------------------------- */

static void test_rolled_back_tick_is_done_once(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc =
        scenario(c, "series",
                 "{'trigger': {'type': 'api'},"
                 " 'nodes': [{'id': 'm1', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
                 "  {'id': 'w1', 'type': 'wait', 'duration': '1d'},"
                 "  {'id': 'm2', 'type': 'send', 'channel': 'email', 'template': 'hello'},"
                 "  {'id': 'w2', 'type': 'wait', 'duration': '1d'},"
                 "  {'id': 'm3', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
                 " 'edges': [{'from': 'trigger', 'to': 'm1'}, {'from': 'm1', 'to': 'w1'},"
                 "  {'from': 'w1', 'to': 'm2'}, {'from': 'm2', 'to': 'w2'},"
                 "  {'from': 'w2', 'to': 'm3'}]}");
    int64_t p = person(c, "Cas", "cas@example.be", true);
    int64_t run = enter(c, sc, p, NOW);
    assert_int_equal(nmsg(c, 0, run, 0, NULL), 1);

    tick_rolled_back(c, NOW + DAY);
    assert_int_equal(nmsg(c, 0, run, 0, NULL), 1);
    assert_string_equal(run_get(c, run).node, "w1");
    tick(c, NOW + DAY);
    assert_int_equal(nmsg(c, 0, run, 0, NULL), 2);

    tick_rolled_back(c, NOW + 2 * DAY);
    tick_rolled_back(c, NOW + 2 * DAY + MIN);
    tick(c, NOW + 2 * DAY + MIN);
    tick(c, NOW + 3 * DAY);
    assert_run(c, run, "done", "completed");
    assert_ledger(c, run, "m1:sent w1:passed m2:sent w2:passed m3:sent");
    /* exactly one message per send step */
    json_t *m = messages(c, 0, run, 0);
    assert_int_equal(json_array_size(m), 3);
    int64_t steps[3];
    for (size_t i = 0; i < 3; i++)
        steps[i] = json_integer_value(json_object_get(json_array_get(m, i), "step"));
    json_decref(m);
    assert_int_equal(steps[0], 5); /* newest first: m3 was step 5, m2 step 3, m1 step 1 */
    assert_int_equal(steps[1], 3);
    assert_int_equal(steps[2], 1);
}

/* The cursors move in the tick's transaction: an event of a rolled-back tick starts one run. */
static void test_rolled_back_tick_event_trigger(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t sc = scenario(
        c, "on event",
        "{'trigger': {'type': 'event', 'event': 'Signed Up'}, 'entry': {'reentry': true},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    int64_t p = person(c, "Eef", "eef@example.be", true);
    tick(c, NOW);
    event(c, p, "Signed Up", NULL, NOW + MIN);
    tick_rolled_back(c, NOW + MIN);
    assert_int_equal(nruns(c, sc), 0);
    tick(c, NOW + 2 * MIN);
    tick(c, NOW + 3 * MIN);
    assert_int_equal(nruns(c, sc), 1);
    struct runs r = runs_of(c, p, sc);
    assert_int_equal(r.n, 1);
    assert_int_equal(nmsg(c, 0, r.v[0].id, 0, STORED), 1);
    assert_ledger(c, r.v[0].id, "mail:sent");
}

/*
 * A schedule's fire in a rolled-back tick happens at the next one: the
 * engine must not keep in memory a next fire that the store never got.
 */
static void test_rolled_back_tick_schedule_fire(void **state)
{
    struct ctx *c = *state;
    hello_template(c);
    int64_t p = profile(
        c, (struct pf){.first = "Gus", .email = "gus@example.be", .attrs = "{'tier': 'gold'}"});
    consent(c, p, "email", "opted_in", NOW - DAY);
    segment(c, "gold", "attributes.tier = \"gold\"", NOW - HOUR);
    int64_t at = T("2026-11-25T09:00:00Z");
    int64_t once = scenario_at(
        c, "once", NOW,
        "{'trigger': {'type': 'schedule', 'segment': 'gold',"
        "   'at': '2026-11-25T09:00:00Z'},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    int64_t daily = scenario_at(
        c, "daily", NOW,
        "{'trigger': {'type': 'schedule', 'segment': 'gold',"
        "   'at': '2026-11-25T09:00:00Z', 'every': '1d'}, 'entry': {'reentry': true},"
        " 'nodes': [{'id': 'mail', 'type': 'send', 'channel': 'email', 'template': 'hello'}],"
        " 'edges': [{'from': 'trigger', 'to': 'mail'}]}");
    tick(c, NOW);
    tick_rolled_back(c, at);
    expect_runs(c, once, 0, "after the rolled-back tick");
    /* the writer comes back two minutes later */
    tick(c, at + 2 * MIN);
    expect_runs(c, once, 1, "after the tick that follows a rolled-back fire (single time)");
    expect_runs(c, daily, 1, "after the tick that follows a rolled-back fire (every 1d)");
    assert_int_equal(nmsg(c, p, 0, 0, STORED), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T_(test_walk_condition_split_wait_send),
        T_(test_split_is_stable),
        T_(test_holdout_ends_without_message),
        T_(test_consent_email_needs_optin),
        T_(test_consent_optout_while_waiting),
        T_(test_consent_letters_unless_post_opt_out),
        T_(test_frequency_cap_across_scenarios),
        T_(test_quiet_hours_in_the_persons_zone),
        T_(test_wait_until_time_of_day),
        T_(test_wait_until_date_field),
        T_(test_wait_for_event_or_timeout),
        T_(test_goal_counts_only_after_entry),
        T_(test_goal_checked_before_each_step),
        T_(test_entry_rules),
        T_(test_event_trigger_where),
        T_(test_segment_triggers),
        T_(test_schedule_trigger_for_segment_members),
        T_(test_date_trigger_leap_day),
        T_(test_date_trigger_in_the_profiles_zone),
        T_(test_letter_per_household),
        T_(test_merge_runs_follow_the_survivor),
        T_(test_erase_ends_runs_and_forgets),
        T_(test_task_waits_until_resolved),
        T_(test_archive_ends_unfinished_runs),
        T_(test_pause_holds_due_runs),
        T_(test_rolled_back_tick_is_done_once),
        T_(test_rolled_back_tick_event_trigger),
        T_(test_rolled_back_tick_schedule_fire),
#undef T_
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
