/*
 * engine.c — the scenarios the engine holds, their triggers, and the tick.
 *
 * Scenarios are read from the store (their current versions; older ones on
 * demand for the runs still on them) and read again when their stamp moves.
 * The tick follows three cursors kept in store_meta, so that nothing that
 * happened is missed across restarts and nothing is taken twice: segment
 * transitions (segment triggers), events (event triggers, wait_for, goals)
 * and orders (goals). The cursors move in the same transaction as the runs
 * they start. On the first tick of a workspace they start at the end: a
 * scenario reacts to what happens after it is active, not to history.
 */
#include "scenario/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/tz.h"
#include "base/xalloc.h"
#include "channel/provider.h"
#include "channel/template.h"
#include "scenario/internal.h"
#include "segment/build.h"
#include "segment/engine.h"
#include "segment/rule.h"
#include "segment/world.h"

#define CURSOR_EVENTS "scenario.cursor.events"
#define CURSOR_ORDERS "scenario.cursor.orders"
#define CURSOR_TRANSITIONS "scenario.cursor.transitions"
#define FIRE_CURSOR "scenario.fire." /* + id: the last profile a schedule or date fire entered */
#define FIRED_ALL (-1)               /* next_fire_at of a single schedule that has fired */

/* ---- settings --------------------------------------------------------------------------- */

static bool read_hhmm(const char *s, int *minute)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' ||
        s[4] < '0' || s[4] > '9' || h > 23)
        return false;
    *minute = h * 60 + m;
    return true;
}

static bool parse_quiet(const char *v, int *from, int *to)
{
    char a[6], b[6];
    if (!v || strlen(v) != 11 || v[5] != '-')
        return false;
    memcpy(a, v, 5);
    a[5] = '\0';
    memcpy(b, v + 6, 5);
    b[5] = '\0';
    return read_hhmm(a, from) && read_hhmm(b, to) && *from != *to;
}

int sc_check_quiet_hours(const char *value, struct errbuf *e)
{
    int f, t;
    if (!strcmp(value, "none") || parse_quiet(value, &f, &t))
        return 0;
    return err_field(e, ERR_INVALID, SETTING_QUIET_HOURS,
                     "\"%s\" is not a time range \"HH:MM-HH:MM\" (\"21:00-08:00\") or \"none\"",
                     value);
}

static bool parse_cap(const char *v, int *n, int64_t *ms)
{
    char *slash = v ? strchr(v, '/') : NULL;
    if (!slash)
        return false;
    char *end;
    long k = strtol(v, &end, 10);
    if (end != slash || k < 1 || k > 1000)
        return false;
    int64_t secs;
    if (!sg_duration(slash + 1, &secs) || secs < 3600)
        return false;
    *n = (int)k;
    *ms = secs * 1000;
    return true;
}

int sc_check_cap(const char *value, struct errbuf *e)
{
    int n;
    int64_t ms;
    if (!strcmp(value, "none") || parse_cap(value, &n, &ms))
        return 0;
    return err_field(e, ERR_INVALID, "frequency_cap",
                     "\"%s\" is not a cap \"N/DURATION\" (\"3/7d\": at most 3 in any 7 days; "
                     "the duration at least 1h) or \"none\"",
                     value);
}

static void read_settings(struct sc_engine *g, struct store *s)
{
    static const char *const names[SC_CH_COUNT] = {"email", "sms", "push", "letter",
                                                   "call", "wallet", "in_app", "outbox"};
    char *v = NULL;
    g->email_on = !store_setting_get(s, "email.smtp_url", &v) && v && *v;
    free(v);
    v = NULL;
    static const struct {
        int ch;
        const char *name;
    } providers[] = {{SC_CH_SMS, "sms"}, {SC_CH_PUSH, "push"}, {SC_CH_WALLET, "wallet"},
                     {SC_CH_IN_APP, "in_app"}};
    memset(g->provider_on, 0, sizeof g->provider_on);
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
        g->provider_on[providers[i].ch] = provider_configured(s, providers[i].name);
    g->public_url[0] = g->link_secret[0] = '\0';
    if (!store_setting_get(s, "public_url", &v))
        snprintf(g->public_url, sizeof g->public_url, "%s", v);
    free(v);
    v = NULL;
    if (!store_setting_get(s, "unsubscribe_secret", &v))
        snprintf(g->link_secret, sizeof g->link_secret, "%s", v);
    free(v);
    v = NULL;
    g->quiet_from = g->quiet_to = -1;
    if (!store_setting_get(s, SETTING_QUIET_HOURS, &v) &&
        !parse_quiet(v, &g->quiet_from, &g->quiet_to))
        g->quiet_from = g->quiet_to = -1;
    free(v);
    for (int i = 0; i < SC_CH_COUNT; i++) {
        char key[64];
        snprintf(key, sizeof key, SETTING_CAP_PREFIX "%s", names[i]);
        g->cap_n[i] = 0;
        v = NULL;
        if (!store_setting_get(s, key, &v) && !parse_cap(v, &g->cap_n[i], &g->cap_ms[i]))
            g->cap_n[i] = 0;
        free(v);
    }
}

/* ---- scenarios ---------------------------------------------------------------------------- */

static void scen_release(struct scen *c)
{
    for (int i = 0; i < c->nversions; i++)
        sc_def_free(c->versions[i].def);
    free(c->versions);
    free(c->name);
}

static void templates_free(struct sc_engine *g)
{
    for (int i = 0; i < g->ntpls; i++) {
        struct sc_template *t = &g->tpls[i];
        free(t->name);
        free(t->channel);
        free(t->error);
        tpl_free(t->subject);
        tpl_free(t->body);
        tpl_free(t->html);
    }
    free(g->tpls);
    g->tpls = NULL;
    g->ntpls = 0;
}

struct scen *sc_scen(struct sc_engine *g, int64_t id)
{
    for (int i = 0; i < g->nscens; i++)
        if (g->scens[i].id == id)
            return &g->scens[i];
    return NULL;
}

static struct sc_def *parse_text(const char *text, int64_t id, int64_t version)
{
    json_t *j = json_loads(text, 0, NULL);
    struct sc_def *d = NULL;
    struct errbuf e;
    err_clear(&e);
    if (!j || sc_def_parse(j, &d, &e))
        log_warn("scenarios: scenario %lld version %lld does not read: %s", (long long)id,
                 (long long)version, j ? e.msg : "not JSON");
    json_decref(j);
    return d;
}

struct sc_def *sc_version_def(struct sc_engine *g, struct store *s, struct scen *c,
                              int64_t version)
{
    for (int i = 0; i < c->nversions; i++)
        if (c->versions[i].version == version)
            return c->versions[i].def;
    char *text = NULL;
    if (store_scenario_version(s, c->id, version, &text))
        return NULL;
    struct sc_def *d = parse_text(text, c->id, version);
    free(text);
    c->versions = xrealloc(c->versions, sizeof(*c->versions) * (size_t)(c->nversions + 1));
    c->versions[c->nversions++] = (struct sc_version){version, d};
    (void)g;
    return d;
}

static int on_scenario(void *ctx, const struct store_scenario *row)
{
    struct sc_engine *g = ctx;
    g->scens = xrealloc(g->scens, sizeof(*g->scens) * (size_t)(g->nscens + 1));
    struct scen *c = &g->scens[g->nscens++];
    memset(c, 0, sizeof(*c));
    c->id = row->id;
    c->name = xstrdup(row->name);
    snprintf(c->status, sizeof c->status, "%s", row->status);
    c->version = row->version;
    c->next_fire_at = row->next_fire_at;
    c->since_event = row->since_event;
    c->since_transition = row->since_transition;
    c->def = parse_text(row->definition, row->id, row->version);
    c->versions = xmalloc(sizeof(*c->versions));
    c->versions[0] = (struct sc_version){row->version, c->def};
    c->nversions = 1;
    if (c->def && c->def->trigger.segment &&
        sg_engine_segment(g->sg, c->def->trigger.segment, NULL, &c->segment_id, NULL))
        c->segment_id = 0;
    return 0;
}

int sc_engine_reload(struct sc_engine *g, struct store *s, struct errbuf *e)
{
    for (int i = 0; i < g->nscens; i++)
        scen_release(&g->scens[i]);
    g->nscens = 0;
    templates_free(g);
    read_settings(g, s);
    int rc = store_scenario_stamp(s, g->stamp);
    if (!rc)
        rc = store_scenario_list(s, false, on_scenario, g);
    if (rc)
        return err_set(e, rc, "reading the scenarios: %s", store_last_error(s));
    return 0;
}

int sc_engine_open(struct store *s, struct sg_engine *sg, struct sc_engine **out,
                   struct errbuf *e)
{
    struct sc_engine *g = xcalloc(1, sizeof(*g));
    g->sg = sg;
    static struct sc_tick dummy;
    g->st = &dummy;
    /* the channels that need an opt-in (docs/scenarios.md, "Consent") */
    static const char *const optin[SC_CH_COUNT] = {
        [SC_CH_EMAIL] = "consent email", [SC_CH_SMS] = "consent sms",
        [SC_CH_PUSH] = "consent push", [SC_CH_WALLET] = "consent push"};
    for (int i = 0; i < SC_CH_COUNT; i++) {
        struct sg_error err;
        if (optin[i] && sg_parse(optin[i], &g->consent[i], &err))
            BUG("consent rule \"%s\": %s", optin[i], err.msg);
    }
    int rc = sc_engine_reload(g, s, e);
    if (rc) {
        sc_engine_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void sc_engine_free(struct sc_engine *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nscens; i++)
        scen_release(&g->scens[i]);
    free(g->scens);
    templates_free(g);
    for (int i = 0; i < SC_CH_COUNT; i++)
        sg_rule_free(g->consent[i]);
    free(g);
}

bool sc_engine_accepts_api(struct sc_engine *g, int64_t scenario_id)
{
    struct scen *c = sc_scen(g, scenario_id);
    return c && c->def && c->def->trigger.type == SC_TRIG_API;
}

/* ---- templates ---------------------------------------------------------------------------- */

static struct tpl *compile_part(json_t *t, const char *key, const char *name, char **error)
{
    const char *text = json_string_value(json_object_get(t, key));
    if (!text || *error)
        return NULL;
    struct tpl *out = NULL;
    struct errbuf e;
    err_clear(&e);
    char what[300];
    snprintf(what, sizeof what, "%s (%s)", name, key);
    if (tpl_compile(what, text, &out, &e))
        *error = xstrdup(e.msg);
    return out;
}

struct sc_template *sc_template(struct sc_engine *g, struct store *s, const char *name)
{
    for (int i = 0; i < g->ntpls; i++)
        if (!strcmp(g->tpls[i].name, name))
            return g->tpls[i].missing ? NULL : &g->tpls[i];
    json_t *t = NULL;
    int rc = store_template_get(s, name, &t);
    g->tpls = xrealloc(g->tpls, sizeof(*g->tpls) * (size_t)(g->ntpls + 1));
    struct sc_template *x = &g->tpls[g->ntpls++];
    memset(x, 0, sizeof(*x));
    x->name = xstrdup(name);
    if (rc) { /* remembered too: a language variant looked for on every send is mostly absent */
        x->missing = true;
        return NULL;
    }
    x->channel = xstrdup(json_string_value(json_object_get(t, "channel")));
    x->subject = compile_part(t, "subject", name, &x->error);
    x->body = compile_part(t, "body", name, &x->error);
    x->html = compile_part(t, "html", name, &x->error);
    /* the order is looked up for a template that may read it (inside a section too) */
    static const char *const keys[] = {"subject", "body", "html"};
    for (int i = 0; i < 3; i++) {
        const char *text = json_string_value(json_object_get(t, keys[i]));
        if (text && strstr(text, "order"))
            x->uses_order = true;
    }
    if (x->error)
        log_warn("scenarios: template \"%s\": %s", name, x->error);
    json_decref(t);
    return x;
}

/* ---- validation against the workspace ------------------------------------------------------- */

struct check_ctx {
    struct store *s;
    const struct sc_def *d;
};

/* The sub-segment names of a segment's stored definition: whether sub is one of them. */
struct subs_ctx {
    const char *sub;
    bool exclusive, found;
};

static int on_segment_def(void *ctx, const struct store_segment *g)
{
    struct subs_ctx *x = ctx;
    x->exclusive = !strcmp(g->kind, "exclusive");
    json_t *d = json_loads(g->definition, 0, NULL);
    size_t i;
    json_t *sub;
    json_array_foreach(json_object_get(d, "subs"), i, sub) {
        const char *n = json_string_value(json_object_get(sub, "name"));
        if (x->sub && n && !strcasecmp(n, x->sub))
            x->found = true;
    }
    json_decref(d);
    return 0;
}

static int check_shift(struct check_ctx *c, const char *name, int64_t id, struct errbuf *e)
{
    const char *subs[2] = {c->d->trigger.from, c->d->trigger.to};
    for (int i = 0; i < 2; i++) {
        struct subs_ctx x = {subs[i], false, false};
        store_segment_get(c->s, id, on_segment_def, &x);
        if (!x.exclusive)
            return err_field(e, ERR_INVALID, "trigger.segment",
                             "the trigger: segment \"%s\" is not exclusive: it has no "
                             "sub-segments to shift between",
                             name);
        if (subs[i] && strcasecmp(subs[i], "none") && !x.found)
            return err_field(e, ERR_INVALID, i ? "trigger.to" : "trigger.from",
                             "the trigger: segment \"%s\" has no sub-segment \"%s\"", name,
                             subs[i]);
    }
    return 0;
}

static int on_ref(void *ctx, const char *kind, const char *name, const char *detail,
                  const char *node, struct errbuf *e)
{
    struct check_ctx *c = ctx;
    char where[100], field[64];
    if (node)
        snprintf(where, sizeof where, "node \"%s\"", node);
    else
        snprintf(where, sizeof where, "the trigger");
    int k = node ? sc_def_node(c->d, node) : -1;
    if (!strcmp(kind, "template")) {
        snprintf(field, sizeof field, "nodes[%d].template", k);
        json_t *t = NULL;
        if (store_template_get(c->s, name, &t))
            return err_field(e, ERR_INVALID, field, "%s: no template is named \"%s\"", where,
                             name);
        const char *ch = json_string_value(json_object_get(t, "channel"));
        int rc = 0;
        if (detail && strcmp(detail, "outbox") && ch && strcmp(ch, detail))
            rc = err_field(e, ERR_INVALID, field,
                           "%s: template \"%s\" is for %s, not %s", where, name, ch, detail);
        json_decref(t);
        return rc;
    }
    snprintf(field, sizeof field, "nodes[%d].rule", k);
    int64_t id;
    if (store_segment_by_name(c->s, name, &id))
        return err_field(e, ERR_INVALID, node ? field : "trigger.segment",
                         "%s: no segment is named \"%s\"", where, name);
    return detail && !strcmp(detail, "shift") ? check_shift(c, name, id, e) : 0;
}

int sc_check_definition(struct store *s, const json_t *definition, struct errbuf *e)
{
    struct sc_def *d = NULL;
    int rc = sc_def_parse(definition, &d, e);
    if (rc)
        return rc;
    struct check_ctx c = {s, d};
    rc = sc_def_refs(d, on_ref, &c, e);
    sc_def_free(d);
    return rc;
}

/* ---- entering -------------------------------------------------------------------------------- */

static int enter(struct sc_engine *g, struct store *s, struct scen *c, int64_t profile_id,
                 const json_t *payload, int64_t now, int64_t *run_id, const char **refused,
                 struct errbuf *e)
{
    *refused = NULL;
    if (strcmp(c->status, "active") || !c->def) {
        *refused = "not_active";
        return 0;
    }
    int64_t slot = sg_world_slot_of(sg_engine_world(g->sg), profile_id);
    const struct sg_prof *p =
        slot >= 0 ? sg_world_prof(sg_engine_world(g->sg), (uint32_t)slot) : NULL;
    if (!p || !p->live) {
        *refused = "unknown_profile";
        return 0;
    }
    bool active;
    int64_t last;
    int rc = store_run_entry(s, c->id, profile_id, &active, &last);
    if (rc)
        return err_set(e, rc, "reading runs: %s", store_last_error(s));
    if (active)
        *refused = "already_running";
    else if (last && !c->def->entry.reentry)
        *refused = "no_reentry";
    else if (last && c->def->entry.min_interval_ms && now - last < c->def->entry.min_interval_ms)
        *refused = "too_soon";
    if (*refused)
        return 0;
    struct sc_run r = {
        .scenario_id = c->id, .version = c->version, .profile_id = profile_id,
        .state = SC_READY, .node = c->def->start, .wake_at = now, .entered_at = now,
        .payload = payload ? json_deep_copy(payload) : NULL, .scenario_name = c->name,
    };
    rc = sc_run_advance(g, s, c->def, &r, SC_RESUME_DUE, now, e);
    json_decref(r.payload);
    if (!rc) {
        g->st->entered++;
        if (run_id)
            *run_id = r.id;
    }
    return rc;
}

int sc_engine_enter(struct sc_engine *g, struct store *s, int64_t scenario_id, int64_t profile_id,
                    const json_t *payload, int64_t now, int64_t *run_id, const char **refused,
                    struct errbuf *e)
{
    struct sc_tick st = {0};
    g->st = &st;
    int64_t stamp[3];
    int rc = store_scenario_stamp(s, stamp);
    if (!rc && memcmp(stamp, g->stamp, sizeof stamp))
        rc = sc_engine_reload(g, s, e);
    if (rc)
        return rc;
    struct scen *c = sc_scen(g, scenario_id);
    if (!c)
        return err_set(e, ERR_NOT_FOUND, "no scenario has the id %lld", (long long)scenario_id);
    return enter(g, s, c, profile_id, payload, now, run_id, refused, e);
}

/* ---- resuming runs ------------------------------------------------------------------------------ */

struct runbuf {
    struct sc_run *v;
    size_t n, cap;
};

static int collect_run(void *ctx, const struct store_run *row)
{
    struct runbuf *b = ctx;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->v = xrealloc(b->v, sizeof(*b->v) * b->cap);
    }
    struct sc_run *r = &b->v[b->n++];
    memset(r, 0, sizeof(*r));
    r->id = row->id;
    r->scenario_id = row->scenario_id;
    r->version = row->version;
    r->profile_id = row->profile_id;
    static const char *const names[] = {"ready", "waiting", "event", "task", "done"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(row->state, names[i]))
            r->state = (enum sc_state)i;
    r->node = -1;
    r->outcome = NULL;
    r->wake_at = row->wake_at;
    r->seq = row->seq;
    r->entered_at = row->entered_at;
    snprintf(r->branch, sizeof r->branch, "%s", row->branch ? row->branch : "");
    r->payload = row->payload ? json_loads(row->payload, 0, NULL) : NULL;
    snprintf(r->node_id, sizeof r->node_id, "%s", row->node);
    return 0;
}

static void runbuf_release(struct runbuf *b)
{
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->v[i].payload);
    }
    free(b->v);
}

/* The definition of a collected run, and its node resolved; NULL when it cannot go on. */
static const struct sc_def *bind_run(struct sc_engine *g, struct store *s, struct sc_run *r)
{
    struct scen *c = sc_scen(g, r->scenario_id);
    const struct sc_def *d = c ? sc_version_def(g, s, c, r->version) : NULL;
    if (d) {
        r->node = sc_def_node(d, r->node_id);
        r->scenario_name = c->name;
        if (r->node < 0)
            d = NULL;
    }
    return d;
}

/* Runs whose scenario was archived or paused: archived end; paused ones wait. */
static bool scenario_running(struct sc_engine *g, int64_t id, const char **why)
{
    struct scen *c = sc_scen(g, id);
    *why = NULL;
    if (!c) {
        *why = "archived";
        return false;
    }
    return !strcmp(c->status, "active");
}

static int advance_due(struct sc_engine *g, struct store *s, int64_t now, int budget,
                       struct errbuf *e)
{
    struct runbuf b = {0};
    int rc = store_runs_due(s, now, budget, collect_run, &b);
    for (size_t i = 0; !rc && i < b.n; i++) {
        struct sc_run *r = &b.v[i];
        const struct sc_def *d = bind_run(g, s, r);
        const char *why;
        if (!scenario_running(g, r->scenario_id, &why)) {
            if (why && d)
                rc = sc_run_end(g, s, d, r, why, -1, now, e);
            else if (!why) /* paused: look again in a minute */
                rc = store_run_save(s, &(struct store_run){
                                           .id = r->id, .state = sc_state_name(r->state),
                                           .node = d ? d->nodes[r->node].id : "?",
                                           .wake_at = now + 60000, .seq = r->seq,
                                           .branch = r->branch[0] ? r->branch : NULL,
                                           .updated_at = now});
            continue;
        }
        if (!d) {
            log_warn("scenarios: run %lld cannot go on: its definition or node is gone",
                     (long long)r->id);
            rc = store_run_save(s, &(struct store_run){.id = r->id, .state = "done",
                                                       .node = "?", .seq = r->seq,
                                                       .outcome = "broken", .updated_at = now,
                                                       .ended_at = now});
            continue;
        }
        rc = sc_run_advance(g, s, d, r, SC_RESUME_DUE, now, e);
    }
    if (!rc && b.n == (size_t)budget)
        g->st->more = true;
    runbuf_release(&b);
    return rc;
}

/* ---- following what happened -------------------------------------------------------------------- */

struct follow {
    struct sc_engine *g;
    struct store *s;
    int64_t now, last;
    int64_t *profiles; /* for goals */
    size_t np, cap;
    int rc;
    struct errbuf *e;
};

static void touched(struct follow *f, int64_t profile_id)
{
    if (f->np && f->profiles[f->np - 1] == profile_id)
        return;
    if (f->np == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 256;
        f->profiles = xrealloc(f->profiles, sizeof(int64_t) * f->cap);
    }
    f->profiles[f->np++] = profile_id;
}

static int on_transition(void *ctx, const struct store_transition *t)
{
    struct follow *f = ctx;
    f->last = t->id;
    for (int i = 0; !f->rc && i < f->g->nscens; i++) {
        struct scen *c = &f->g->scens[i];
        if (!c->def || c->segment_id != t->segment_id || strcmp(c->status, "active") ||
            t->id <= c->since_transition)
            continue;
        const struct sc_trigger *tr = &c->def->trigger;
        bool hit = false;
        const char *from = t->from_sub, *to = t->to_sub;
        if (tr->type == SC_TRIG_SEGMENT_ENTER)
            hit = !strcmp(t->kind, "enter");
        else if (tr->type == SC_TRIG_SEGMENT_EXIT)
            hit = !strcmp(t->kind, "exit");
        else if (tr->type == SC_TRIG_SHIFT)
            hit = (!tr->from || !strcasecmp(tr->from, from ? from : "none")) &&
                  (!tr->to || !strcasecmp(tr->to, to ? to : "none"));
        if (!hit)
            continue;
        json_t *payload = json_pack("{s:s, s:s, s:s*, s:s*}", "type", t->kind, "segment",
                                    c->def->trigger.segment, "from", from, "to", to);
        const char *refused;
        f->rc = enter(f->g, f->s, c, t->profile_id, payload, f->now, NULL, &refused, f->e);
        json_decref(payload);
    }
    return f->rc;
}

/* The event as triggers and wait_for see it: {name, type, timestamp, properties}. */
static json_t *event_json(const struct store_new_event *ev)
{
    char ts[32];
    time_format_iso8601(ev->ts, ts, sizeof ts);
    json_t *props = ev->properties ? json_loads(ev->properties, 0, NULL) : NULL;
    return json_pack("{s:s, s:s, s:s, s:o}", "name", ev->name ? ev->name : "", "type",
                     ev->type ? ev->type : "", "timestamp", ts, "properties",
                     props ? props : json_object());
}

static int wake_waiting(struct follow *f, const struct store_new_event *ev, const json_t *ej)
{
    struct runbuf b = {0};
    int rc = store_runs_of_profile(f->s, ev->profile_id, true, collect_run, &b);
    for (size_t i = 0; !rc && i < b.n; i++) {
        struct sc_run *r = &b.v[i];
        const struct sc_def *d = bind_run(f->g, f->s, r);
        if (!d || r->state != SC_EVENT)
            continue;
        const struct sc_node *n = &d->nodes[r->node];
        if (n->kind != SC_WAIT_FOR || strcmp(n->event, ev->name) ||
            !sc_where_match(n->where, n->nwhere, ej))
            continue;
        const char *why;
        if (!scenario_running(f->g, r->scenario_id, &why))
            continue;
        rc = sc_run_advance(f->g, f->s, d, r, SC_RESUME_EVENT, f->now, f->e);
    }
    runbuf_release(&b);
    return rc;
}

static int on_event(void *ctx, const struct store_new_event *ev)
{
    struct follow *f = ctx;
    f->last = ev->id;
    if (!ev->profile_id || !ev->name)
        return 0;
    touched(f, ev->profile_id);
    json_t *ej = NULL;
    for (int i = 0; !f->rc && i < f->g->nscens; i++) {
        struct scen *c = &f->g->scens[i];
        if (!c->def || c->def->trigger.type != SC_TRIG_EVENT || strcmp(c->status, "active") ||
            strcmp(c->def->trigger.event, ev->name) || ev->id <= c->since_event ||
            ev->ts < f->now - c->def->trigger.max_age_ms)
            continue;
        if (!ej)
            ej = event_json(ev);
        if (!sc_where_match(c->def->trigger.where, c->def->trigger.nwhere, ej))
            continue;
        const char *refused;
        f->rc = enter(f->g, f->s, c, ev->profile_id, ej, f->now, NULL, &refused, f->e);
    }
    if (!f->rc) {
        if (!ej)
            ej = event_json(ev);
        f->rc = wake_waiting(f, ev, ej);
    }
    json_decref(ej);
    return f->rc;
}

static int on_order_profile(void *ctx, int64_t profile_id)
{
    touched(ctx, profile_id);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Goals of the unfinished runs of the profiles that something happened to. */
static int check_goals(struct follow *f)
{
    qsort(f->profiles, f->np, sizeof(int64_t), cmp_i64);
    int rc = 0;
    for (size_t i = 0; !rc && i < f->np; i++) {
        if (i && f->profiles[i] == f->profiles[i - 1])
            continue;
        struct runbuf b = {0};
        rc = store_runs_of_profile(f->s, f->profiles[i], true, collect_run, &b);
        for (size_t k = 0; !rc && k < b.n; k++) {
            struct sc_run *r = &b.v[k];
            const struct sc_def *d = bind_run(f->g, f->s, r);
            int goal;
            if (d && d->ngoals && sc_goal_met(f->g, d, r, f->now, &goal))
                rc = sc_run_end(f->g, f->s, d, r, "converted", goal, f->now, f->e);
        }
        runbuf_release(&b);
    }
    return rc;
}

static int follow(struct sc_engine *g, struct store *s, int64_t now, int budget,
                  struct errbuf *e)
{
    int64_t ce, co, ct;
    int rc = store_meta_get(s, CURSOR_EVENTS, &ce);
    if (!rc && !ce) { /* no scenario was ever activated here: from now on, as activation does */
        rc = store_scenario_cursors_start(s);
        if (!rc)
            rc = store_meta_get(s, CURSOR_EVENTS, &ce);
    }
    if (!rc)
        rc = store_meta_get(s, CURSOR_ORDERS, &co);
    if (!rc)
        rc = store_meta_get(s, CURSOR_TRANSITIONS, &ct);
    if (rc)
        return err_set(e, rc, "reading the scenario cursors: %s", store_last_error(s));
    struct follow f = {.g = g, .s = s, .now = now, .e = e};
    f.last = ct;
    rc = store_transitions_after(s, ct, budget, on_transition, &f);
    if (!rc && f.last != ct)
        rc = store_meta_set(s, CURSOR_TRANSITIONS, f.last);
    if (!rc) {
        f.last = ce < 0 ? 0 : ce;
        rc = store_events_after(s, f.last, budget, on_event, &f);
        if (!rc && f.last != (ce < 0 ? 0 : ce))
            rc = store_meta_set(s, CURSOR_EVENTS, f.last);
    }
    int64_t lastorder = co;
    if (!rc)
        rc = store_order_profiles_after(s, co, budget, on_order_profile, &f, &lastorder);
    if (!rc && lastorder != co)
        rc = store_meta_set(s, CURSOR_ORDERS, lastorder);
    if (!rc && f.np)
        rc = check_goals(&f);
    free(f.profiles);
    return rc ? rc : f.rc;
}

/* ---- schedule and date triggers ------------------------------------------------------------------ */

struct fire {
    struct sc_engine *g;
    struct store *s;
    struct scen *c;
    int64_t now, last;
    int budget, done;
    struct errbuf *e;
};

static int fire_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    (void)sub;
    (void)since;
    struct fire *f = ctx;
    const char *refused;
    f->last = profile_id;
    f->done++;
    return enter(f->g, f->s, f->c, profile_id, NULL, f->now, NULL, &refused, f->e);
}

/* Whether profile p's date (anniversary for birth_date) falls on day. */
static bool date_hits(const struct sg_prof *p, const struct sc_trigger *t, int64_t day)
{
    int64_t dd;
    if (!sc_date_field(p, t->field, &dd))
        return false;
    int64_t target = day - t->offset_ms / 86400000; /* the date the offset points back to */
    if (strcmp(t->field, "birth_date"))
        return dd == target;
    int64_t y, ty;
    int m, d, tm, td;
    clock_civil_from_days(dd, &y, &m, &d);
    clock_civil_from_days(target, &ty, &tm, &td);
    bool leap = (ty % 4 == 0 && ty % 100 != 0) || ty % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return tm == 2 && td == 28;
    return m == tm && d == td;
}

/* The next full hour (UTC) after a moment: date triggers look every hour. */
static int64_t next_hour(int64_t after)
{
    const int64_t hour = 3600000;
    return (after / hour + 1) * hour;
}

/*
 * Whether a date trigger's fire at the full hour `at` is the one for profile
 * p: it is at_minute (or the hour that follows it) on p's clock, in p's
 * zone (its timezone attribute, else the workspace's), and p's date falls
 * on that local day.
 */
static bool date_due(struct sc_engine *g, const struct sg_prof *p, const struct sc_trigger *t,
                     int64_t at, int32_t workspace_offset)
{
    const char *tz = json_string_value(json_object_get(p->attributes, "timezone"));
    int32_t off = tz && !tz_check(tz, NULL) ? tz_offset_at(tz, at) : workspace_offset;
    (void)g;
    const int64_t day = 86400000;
    int64_t local = at + (int64_t)off * 1000;
    int64_t local_day = local >= 0 ? local / day : (local - day + 1) / day;
    int minute = (int)((local - local_day * day) / 60000);
    return minute >= t->at_minute && minute < t->at_minute + 60 && date_hits(p, t, local_day);
}

static int fire_one(struct sc_engine *g, struct store *s, struct scen *c, int64_t now,
                    int budget, struct errbuf *e)
{
    const struct sc_trigger *t = &c->def->trigger;
    char key[64];
    snprintf(key, sizeof key, FIRE_CURSOR "%lld", (long long)c->id);
    int64_t after = 0;
    int rc = store_meta_get(s, key, &after);
    struct fire f = {g, s, c, now, after, budget, 0, e};
    if (!rc && t->type == SC_TRIG_SCHEDULE && t->segment) {
        int64_t sid = 0;
        if (!sg_engine_segment(g->sg, t->segment, NULL, &sid, NULL))
            rc = store_segment_members(s, sid, after, budget, fire_member, &f);
    } else if (!rc) {
        struct sg_world *w = sg_engine_world(g->sg);
        int32_t woff = tz_offset_at(sg_engine_timezone(g->sg), c->next_fire_at);
        int64_t slot = after ? sg_world_slot_of(w, after) + 1 : 0;
        for (uint32_t i = (uint32_t)(slot < 0 ? 0 : slot); !rc && i < sg_world_slots(w); i++) {
            const struct sg_prof *p = sg_world_prof(w, i);
            if (f.done >= budget)
                break;
            if (!p->live ||
                (t->type == SC_TRIG_DATE && !date_due(g, p, t, c->next_fire_at, woff)))
                continue;
            rc = fire_member(&f, p->id, NULL, 0);
        }
    }
    if (rc)
        return rc;
    if (f.done >= budget) { /* more to enter: the same fire, at the next tick */
        g->st->more = true;
        return store_meta_set(s, key, f.last);
    }
    rc = store_meta_set(s, key, 0);
    int64_t next = t->type == SC_TRIG_DATE ? next_hour(c->next_fire_at)
                 : t->every_ms          ? c->next_fire_at + t->every_ms
                                        : FIRED_ALL;
    while (next > 0 && next <= now && t->type == SC_TRIG_SCHEDULE)
        next += t->every_ms; /* fires missed while stopped are not made up */
    if (next > 0 && next <= now) /* date fires are made up, hour by hour */
        g->st->more = true;
    if (!rc)
        rc = store_scenario_set_fire(s, c->id, next);
    c->next_fire_at = next;
    return rc;
}

static int fire_due(struct sc_engine *g, struct store *s, int64_t now, int budget,
                    struct errbuf *e)
{
    int rc = 0;
    for (int i = 0; !rc && i < g->nscens; i++) {
        struct scen *c = &g->scens[i];
        if (!c->def || strcmp(c->status, "active"))
            continue;
        enum sc_trigger_type t = c->def->trigger.type;
        if (t != SC_TRIG_SCHEDULE && t != SC_TRIG_DATE)
            continue;
        /* from the store: a tick that was rolled back must not have moved it */
        rc = store_scenario_get_fire(s, c->id, &c->next_fire_at);
        if (rc)
            return err_set(e, rc, "reading scenario %lld: %s", (long long)c->id,
                           store_last_error(s));
        if (c->next_fire_at == FIRED_ALL)
            continue;
        if (!c->next_fire_at) { /* just activated: set the first fire */
            int64_t first = t == SC_TRIG_SCHEDULE ? c->def->trigger.at_ms : next_hour(now - 1);
            if (t == SC_TRIG_SCHEDULE && c->def->trigger.every_ms)
                while (first < now - 60000)
                    first += c->def->trigger.every_ms;
            if (t == SC_TRIG_SCHEDULE && !c->def->trigger.every_ms && first < now - 60000)
                first = FIRED_ALL; /* a single time already past when activated */
            c->next_fire_at = first;
            rc = store_scenario_set_fire(s, c->id, first);
            continue;
        }
        if (c->next_fire_at <= now)
            rc = fire_one(g, s, c, now, budget, e);
    }
    return rc;
}

/* ---- the tick --------------------------------------------------------------------------------- */

int sc_engine_tick(struct sc_engine *g, struct store *s, int64_t now, int budget,
                   struct sc_tick *st, struct errbuf *e)
{
    memset(st, 0, sizeof(*st));
    g->st = st;
    int64_t stamp[3];
    int rc = store_scenario_stamp(s, stamp);
    if (!rc && memcmp(stamp, g->stamp, sizeof stamp))
        rc = sc_engine_reload(g, s, e);
    if (!rc)
        rc = follow(g, s, now, budget, e);
    if (!rc)
        rc = fire_due(g, s, now, budget, e);
    if (!rc)
        rc = advance_due(g, s, now, budget, e);
    return rc;
}

int sc_engine_task_resolved(struct sc_engine *g, struct store *s, int64_t run_id, int64_t now,
                            struct errbuf *e)
{
    struct sc_tick st = {0};
    g->st = &st;
    struct runbuf b = {0};
    int rc = store_run_get(s, run_id, collect_run, &b);
    if (!rc && b.n) {
        struct sc_run *r = &b.v[0];
        const struct sc_def *d = bind_run(g, s, r);
        const char *why;
        if (d && r->state == SC_ON_TASK) {
            /* paused: the task is done all the same; the run goes on when it is active */
            r->hold = !scenario_running(g, r->scenario_id, &why);
            if (!why)
                rc = sc_run_advance(g, s, d, r, SC_RESUME_TASK, now, e);
        }
    }
    runbuf_release(&b);
    return rc == ERR_NOT_FOUND ? 0 : rc;
}
