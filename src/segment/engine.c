/*
 * engine.c — saved segments and their members, kept current (engine.h).
 */
#include "segment/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "segment/eval.h"

const char *const sg_lifecycle_names[SG_LIFECYCLE_N] = {
    "ambassador", "inactive", "repeat buyer", "one-time buyer", "prospect", "visitor",
};
const char *const sg_lifecycle_rules[SG_LIFECYCLE_N] = {
    "orders.count(within 365d) >= 5 and total_spent >= 500",
    "order_count >= 1 and last_order_at before 365d ago",
    "orders.count(within 365d) >= 2",
    "order_count >= 1",
    "email is set or phone is set",
    "event_count >= 1",
};

#define LIFECYCLE "lifecycle"
#define SEEDED_SETTING "segment.lifecycle_seeded"

struct def {
    int64_t id;
    char *name;
    bool exclusive, time_relative;
    int nsubs;
    char *subs[SG_MAX_SUBS];
    struct sg_rule *rules[SG_MAX_SUBS]; /* a rule segment has one */
    int order;                           /* evaluation position */
};

struct sg_engine {
    struct sg_world *w;
    struct def *defs;
    int n;
    bool households; /* some rule reads household.size */
    int *order; /* def indexes, referred-to segments first */
    int64_t now;
    char tz[64]; /* the workspace's time zone (SETTING_TIMEZONE), "" for UTC */
};

/* ---- definitions ------------------------------------------------------------ */

/*
 * One rule from {"rule": "text"} or {"rule": AST}; errors name field (the
 * member: "subs[2].rule") and begin with where (which may add the name).
 */
static int rule_from(const json_t *j, const char *field, const char *where, struct sg_rule **out,
                     struct errbuf *e)
{
    struct sg_error err;
    int rc;
    *out = NULL;
    if (json_is_string(j))
        rc = sg_parse(json_string_value(j), out, &err);
    else if (json_is_object(j))
        rc = sg_from_json(j, out, &err);
    else
        return err_field(e, ERR_INVALID, field, "%s: a rule is a text or its JSON form", where);
    if (rc && !err.line && !strncmp(err.msg, "rule", 4)) /* the JSON form's path: "rule.args[1]" */
        return err_field(e, rc, field, "%s%s", field, err.msg + 4);
    return rc ? err_field(e, rc, field, "%s: %s", where, err.msg) : 0;
}

static json_t *stored_rule(const struct sg_rule *r)
{
    char *text = sg_to_text(r);
    json_t *o = json_pack("{s:o, s:s}", "rule", sg_to_json(r), "text", text);
    free(text);
    return o;
}

int sg_definition_check(const json_t *in, json_t **stored, const char **kind, bool *time_relative,
                        struct errbuf *e)
{
    *stored = NULL;
    *time_relative = false;
    if (!json_is_object(in))
        return err_field(e, ERR_INVALID, "definition", "a definition is a JSON object");
    const json_t *rule = json_object_get(in, "rule"), *subs = json_object_get(in, "subs");
    if (!!rule == !!subs)
        return err_field(e, ERR_INVALID, "definition",
                         "a definition has either \"rule\" (a segment) or \"subs\" (an "
                         "exclusive segment's ordered sub-segments)");
    if (rule) {
        struct sg_rule *r;
        int rc = rule_from(rule, "rule", "rule", &r, e);
        if (rc)
            return rc;
        *stored = stored_rule(r);
        *kind = "rule";
        *time_relative = r->time_relative;
        sg_rule_free(r);
        return 0;
    }
    size_t n = json_array_size(subs);
    if (!json_is_array(subs) || n == 0 || n > SG_MAX_SUBS)
        return err_field(e, ERR_INVALID, "subs", "\"subs\" is a list of 1 to %d sub-segments",
                         SG_MAX_SUBS);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *sub = json_array_get(subs, i);
        char where[64];
        snprintf(where, sizeof(where), "subs[%zu]", i);
        const char *name = json_string_value(json_object_get(sub, "name"));
        if (!name || !*name || strlen(name) > 100 || !strcasecmp(name, "none")) {
            json_decref(out);
            return err_field(e, ERR_INVALID, where,
                             "%s: each sub-segment has a \"name\" (1 to 100 characters, not "
                             "\"none\")",
                             where);
        }
        for (size_t k = 0; k < i; k++)
            if (!strcasecmp(name, json_string_value(json_object_get(json_array_get(out, k),
                                                                    "name")))) {
                json_decref(out);
                return err_field(e, ERR_INVALID, where, "%s: the name \"%s\" is used twice",
                                 where, name);
            }
        char rfield[80], rwhere[200];
        snprintf(rfield, sizeof(rfield), "%s.rule", where);
        snprintf(rwhere, sizeof(rwhere), "%s.rule (%.100s)", where, name);
        struct sg_rule *r;
        int rc = rule_from(json_object_get(sub, "rule"), rfield, rwhere, &r, e);
        if (rc) {
            json_decref(out);
            return rc;
        }
        json_t *o = stored_rule(r);
        json_object_set_new(o, "name", json_string(name));
        json_array_append_new(out, o);
        *time_relative = *time_relative || r->time_relative;
        sg_rule_free(r);
    }
    *stored = json_pack("{s:o}", "subs", out);
    *kind = "exclusive";
    return 0;
}

static void def_free(struct def *d)
{
    free(d->name);
    for (int i = 0; i < d->nsubs; i++) {
        free(d->subs[i]);
        sg_rule_free(d->rules[i]);
    }
    memset(d, 0, sizeof(*d));
}

/*
 * A definition (checked by sg_definition_check: the stored form or the
 * input) into d. Rules read from text keep their line and column.
 */
static int def_from(struct def *d, int64_t id, const char *name, bool exclusive,
                    const json_t *j, struct errbuf *e)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->name = xstrdup(name);
    d->exclusive = exclusive;
    int rc = 0;
    if (!d->exclusive) {
        d->nsubs = 1;
        d->subs[0] = xstrdup("in");
        rc = rule_from(json_object_get(j, "rule"), "rule", "rule", &d->rules[0], e);
        d->time_relative = !rc && d->rules[0]->time_relative;
        return rc;
    }
    const json_t *subs = json_object_get(j, "subs");
    for (size_t i = 0; !rc && i < json_array_size(subs) && i < SG_MAX_SUBS; i++) {
        const json_t *sub = json_array_get(subs, i);
        const char *sname = json_string_value(json_object_get(sub, "name"));
        char field[40];
        snprintf(field, sizeof(field), "subs[%zu].rule", i);
        d->subs[i] = xstrdup(sname ? sname : "");
        d->nsubs = (int)i + 1;
        rc = rule_from(json_object_get(sub, "rule"), field, field, &d->rules[i], e);
        d->time_relative = d->time_relative || (!rc && d->rules[i]->time_relative);
    }
    return rc;
}

/* A stored definition into d (already checked when it was saved). */
static int def_load(struct def *d, const struct store_segment *g, struct errbuf *e)
{
    json_t *j = json_loads(g->definition, 0, NULL);
    int rc = def_from(d, g->id, g->name, !strcmp(g->kind, "exclusive"), j, e);
    json_decref(j);
    d->time_relative = g->time_relative;
    if (rc && e) {
        char why[sizeof(e->msg)];
        snprintf(why, sizeof(why), "%s", e->msg);
        err_set(e, rc, "segment %lld (%s): its stored definition does not read: %s",
                (long long)g->id, g->name, why);
    }
    return rc;
}

struct load_ctx {
    struct sg_engine *g;
    struct errbuf *e;
    int rc;
};

static int on_segment(void *ctx, const struct store_segment *seg)
{
    struct load_ctx *l = ctx;
    struct sg_engine *g = l->g;
    g->defs = xrealloc(g->defs, (size_t)(g->n + 1) * sizeof(*g->defs));
    if (def_load(&g->defs[g->n], seg, l->e)) {
        def_free(&g->defs[g->n]);
        l->rc = ERR_INVALID;
        return 0; /* skip it, say so */
    }
    g->n++;
    return 0;
}

static int def_index(const struct sg_engine *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (!strcasecmp(g->defs[i].name, name))
            return i;
    return -1;
}

struct refs {
    const struct sg_engine *g;
    int *deps, n;
};

static void on_ref(void *ctx, const char *name)
{
    struct refs *r = ctx;
    int k = def_index(r->g, name);
    if (k >= 0 && r->n < 64)
        r->deps[r->n++] = k;
}

/* Evaluation order: every segment after the ones it refers to (cycles: as they come). */
static void order_defs(struct sg_engine *g)
{
    free(g->order);
    g->order = xcalloc((size_t)(g->n ? g->n : 1), sizeof(*g->order));
    int *state = xcalloc((size_t)(g->n ? g->n : 1), sizeof(*state)); /* 0 new 1 busy 2 done */
    int at = 0;
    for (int pass = 0; pass < g->n; pass++) {
        bool moved = false;
        for (int i = 0; i < g->n; i++) {
            if (state[i] == 2)
                continue;
            int deps[64];
            struct refs r = {g, deps, 0};
            for (int k = 0; k < g->defs[i].nsubs; k++)
                sg_each_segment_ref(g->defs[i].rules[k], on_ref, &r);
            bool ready = true;
            for (int k = 0; k < r.n; k++)
                ready = ready && (state[deps[k]] == 2 || deps[k] == i);
            if (ready) {
                state[i] = 2;
                g->order[at++] = i;
                moved = true;
            }
        }
        if (!moved)
            break;
    }
    for (int i = 0; i < g->n; i++) /* a cycle slipped in: evaluate it anyway, last */
        if (state[i] != 2)
            g->order[at++] = i;
    free(state);
    /*
     * A segment that refers to a time-dependent one depends on the time too:
     * the scheduled pass must take it (in order, so chains carry through).
     */
    g->households = false;
    for (int o = 0; o < g->n; o++) {
        struct def *d = &g->defs[g->order[o]];
        int deps[64];
        struct refs r = {g, deps, 0};
        for (int k = 0; k < d->nsubs; k++) {
            sg_each_segment_ref(d->rules[k], on_ref, &r);
            d->time_relative = d->time_relative || d->rules[k]->time_relative;
            g->households = g->households || d->rules[k]->uses_household;
        }
        for (int k = 0; k < r.n; k++)
            d->time_relative = d->time_relative || g->defs[deps[k]].time_relative;
    }
}

/* ---- membership in memory ------------------------------------------------------- */

/*
 * A stored member whose sub-segment the definition no longer has (a new
 * version renamed or dropped it, or changed the kind): it is in, and the
 * next evaluation always writes its state again.
 */
#define STATE_STALE 0xFF

static uint8_t state_of(const struct sg_prof *p, int def)
{
    return p->seg && (uint32_t)def < p->nseg ? p->seg[def] : 0;
}

static void set_state(struct sg_prof *cp, int def, int ndefs, uint8_t v)
{
    struct sg_prof *p = cp;
    if ((uint32_t)ndefs > p->nseg) {
        p->seg = xrealloc(p->seg, (size_t)ndefs);
        memset(p->seg + p->nseg, 0, (size_t)ndefs - p->nseg);
        p->nseg = (uint32_t)ndefs;
    }
    p->seg[def] = v;
}

static int member_cb(void *ctx, const char *segment, uint32_t slot, const char **sub)
{
    const struct sg_engine *g = ctx;
    int k = def_index(g, segment);
    if (k < 0)
        return -1;
    const struct sg_prof *p = sg_world_prof(g->w, slot);
    uint8_t v = p ? state_of(p, k) : 0;
    if (!v)
        return 0;
    *sub = g->defs[k].exclusive && v <= g->defs[k].nsubs ? g->defs[k].subs[v - 1] : NULL;
    return 1;
}

int sg_engine_eval(struct sg_engine *g, const struct sg_rule *rule, int64_t profile_id,
                   int64_t now, bool *out)
{
    return sg_engine_eval_since(g, rule, profile_id, now, 0, out);
}

int sg_engine_eval_since(struct sg_engine *g, const struct sg_rule *rule, int64_t profile_id,
                         int64_t now, int64_t since, bool *out)
{
    *out = false;
    int64_t slot = sg_world_slot_of(g->w, profile_id);
    if (slot < 0)
        return ERR_NOT_FOUND;
    const struct sg_prof *p = sg_world_prof(g->w, (uint32_t)slot);
    if (!p || !p->live)
        return ERR_NOT_FOUND;
    struct sg_ctx c = sg_ctx_at(g->w, now, g->tz);
    c.member = member_cb;
    c.member_ctx = g;
    c.since = since;
    *out = sg_eval(rule, &c, (uint32_t)slot);
    return 0;
}

const char *sg_engine_timezone(const struct sg_engine *g)
{
    return g->tz;
}

int sg_engine_segment(const struct sg_engine *g, const char *name, const char *sub, int64_t *id,
                      bool *exclusive)
{
    int k = def_index(g, name);
    if (k < 0)
        return ERR_NOT_FOUND;
    if (id)
        *id = g->defs[k].id;
    if (exclusive)
        *exclusive = g->defs[k].exclusive;
    if (!sub)
        return 0;
    for (int i = 0; g->defs[k].exclusive && i < g->defs[k].nsubs; i++)
        if (!strcasecmp(g->defs[k].subs[i], sub))
            return 0;
    return ERR_INVALID;
}

struct members_ctx {
    struct sg_engine *g;
    int def;
};

static int on_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    (void)since;
    struct members_ctx *m = ctx;
    struct def *d = &m->g->defs[m->def];
    int64_t slot = sg_world_slot_of(m->g->w, profile_id);
    if (slot < 0)
        return 0;
    uint8_t v = sub ? STATE_STALE : 1;
    if (d->exclusive) {
        v = STATE_STALE;
        for (int i = 0; i < d->nsubs && sub; i++)
            if (!strcmp(d->subs[i], sub))
                v = (uint8_t)(i + 1);
    }
    set_state((struct sg_prof *)sg_world_prof(m->g->w, (uint32_t)slot), m->def, m->g->n, v);
    return 0;
}

/* Members as stored, into the profiles' states. */
static int load_members(struct sg_engine *g, struct store *s)
{
    for (uint32_t i = 0; i < sg_world_slots(g->w); i++) {
        struct sg_prof *p = (struct sg_prof *)sg_world_prof(g->w, i);
        free(p->seg);
        p->seg = NULL;
        p->nseg = 0;
    }
    for (int k = 0; k < g->n; k++) {
        struct members_ctx m = {g, k};
        int rc = store_segment_members(s, g->defs[k].id, 0, 0, on_member, &m);
        if (rc)
            return rc;
    }
    return 0;
}

int sg_engine_reload_segments(struct sg_engine *g, struct store *s, struct errbuf *e)
{
    for (int i = 0; i < g->n; i++)
        def_free(&g->defs[i]);
    g->n = 0;
    struct load_ctx l = {g, e, 0};
    int rc = store_segment_list(s, on_segment, &l);
    if (rc)
        return err_set(e, rc, "reading the segments: %s", store_last_error(s));
    order_defs(g);
    char *tz = NULL;
    g->tz[0] = '\0';
    if (!store_setting_get(s, SETTING_TIMEZONE, &tz) && strlen(tz) < sizeof(g->tz))
        memcpy(g->tz, tz, strlen(tz) + 1);
    free(tz);
    rc = load_members(g, s);
    if (rc)
        return err_set(e, rc, "reading the segments' members: %s", store_last_error(s));
    return l.rc; /* a definition that did not read: the others work, the error says which */
}

/* The lifecycle segment, once per workspace (a workspace may change or delete it). */
int sg_engine_seed(struct store *s, struct errbuf *e)
{
    char *flag = NULL;
    if (!store_setting_get(s, SEEDED_SETTING, &flag)) {
        free(flag);
        return 0;
    }
    json_t *subs = json_array();
    for (int i = 0; i < SG_LIFECYCLE_N; i++)
        json_array_append_new(subs, json_pack("{s:s, s:s}", "name", sg_lifecycle_names[i],
                                              "rule", sg_lifecycle_rules[i]));
    json_t *in = json_pack("{s:o}", "subs", subs), *stored;
    const char *kind;
    bool timed;
    int rc = sg_definition_check(in, &stored, &kind, &timed, e);
    json_decref(in);
    if (rc)
        return rc;
    char *def = json_dumps(stored, JSON_COMPACT);
    json_decref(stored);
    int64_t now = clock_now(), id;
    rc = store_begin(s, e);
    if (!rc) {
        int64_t existing;
        if (store_segment_by_name(s, LIFECYCLE, &existing) == ERR_NOT_FOUND)
            rc = store_segment_create(s, LIFECYCLE, kind, def, timed, now, &id);
        if (!rc)
            rc = store_setting_set(s, SEEDED_SETTING, "1", now);
        rc = rc ? (store_rollback(s), err_set(e, rc, "creating the lifecycle segment: %s",
                                              store_last_error(s)))
                : store_commit(s, e);
    }
    free(def);
    return rc;
}

int sg_engine_open(struct store *s, struct sg_engine **out, struct errbuf *e)
{
    *out = NULL;
    int rc = sg_engine_seed(s, e);
    if (rc)
        return rc;
    struct sg_engine *g = xcalloc(1, sizeof(*g));
    g->w = sg_world_new();
    rc = sg_world_load(g->w, s, e);
    if (!rc)
        rc = sg_engine_reload_segments(g, s, e);
    if (rc && rc != ERR_INVALID) {
        sg_engine_free(g);
        return rc;
    }
    *out = g;
    return rc;
}

void sg_engine_free(struct sg_engine *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++)
        def_free(&g->defs[i]);
    free(g->defs);
    free(g->order);
    sg_world_free(g->w);
    free(g);
}

struct sg_world *sg_engine_world(struct sg_engine *g)
{
    return g->w;
}

/* ---- passes ------------------------------------------------------------------ */

/* The profile's new state in d: 0 out, else 1 + the first matching sub. */
static uint8_t evaluate(const struct def *d, const struct sg_ctx *c, uint32_t slot)
{
    for (int i = 0; i < d->nsubs; i++)
        if (sg_eval(d->rules[i], c, slot))
            return (uint8_t)(i + 1);
    return 0;
}

static int update_one(struct sg_engine *g, struct store *s, int k, uint32_t slot,
                      const struct sg_ctx *c, int64_t now, struct sg_pass *st)
{
    struct def *d = &g->defs[k];
    struct sg_prof *p = (struct sg_prof *)sg_world_prof(g->w, slot);
    uint8_t old = state_of(p, k), now_state = p->live ? evaluate(d, c, slot) : 0;
    st->evaluations++;
    if (old == now_state)
        return 0;
    bool changed = false;
    int rc = store_segment_set(s, d->id, p->id, now_state != 0,
                               now_state && d->exclusive ? d->subs[now_state - 1] : NULL, now,
                               &changed);
    if (rc == ERR_NOT_FOUND && !now_state)
        rc = 0; /* a merged profile leaving: its rows went with the merge */
    if (rc)
        return rc;
    set_state(p, k, g->n, now_state);
    st->changes += changed;
    return 0;
}

int sg_engine_pass(struct sg_engine *g, struct store *s, const int64_t *ids, size_t n,
                   bool time_only, int64_t now, struct sg_pass *st, struct errbuf *e)
{
    memset(st, 0, sizeof(*st));
    int64_t t0 = clock_mono_us();
    int rc = 0;
    if (!ids && !time_only) { /* every profile: none waits for re-evaluation any more */
        int64_t *waiting;
        size_t nwaiting;
        rc = store_touched_take(s, &waiting, &nwaiting);
        free(waiting);
        if (rc)
            return err_set(e, rc, "reading the touched profiles: %s", store_last_error(s));
    }
    int64_t *all = NULL; /* ids and the members of their households, when sizes matter */
    size_t nall = n;
    if (ids && n && g->households) {
        int64_t *hh = xmalloc(2 * n * sizeof(*hh));
        size_t nhh = 0;
        for (size_t i = 0; i < n; i++) { /* households before the refresh */
            int64_t slot = sg_world_slot_of(g->w, ids[i]);
            const struct sg_prof *p = slot >= 0 ? sg_world_prof(g->w, (uint32_t)slot) : NULL;
            if (p && p->household_id)
                hh[nhh++] = p->household_id;
        }
        rc = sg_world_refresh(g->w, s, ids, n, e);
        for (size_t i = 0; !rc && i < n; i++) { /* and after */
            int64_t slot = sg_world_slot_of(g->w, ids[i]);
            const struct sg_prof *p = slot >= 0 ? sg_world_prof(g->w, (uint32_t)slot) : NULL;
            if (p && p->household_id)
                hh[nhh++] = p->household_id;
        }
        if (!rc && nhh) {
            all = xmalloc(n * sizeof(*all));
            memcpy(all, ids, n * sizeof(*all));
            size_t cap = n;
            for (uint32_t i = 0; i < sg_world_slots(g->w); i++) {
                const struct sg_prof *p = sg_world_prof(g->w, i);
                bool in = false;
                for (size_t k = 0; k < nhh && !in && p->household_id; k++)
                    in = p->household_id == hh[k];
                if (!in)
                    continue;
                if (nall == cap) {
                    cap *= 2;
                    all = xrealloc(all, cap * sizeof(*all));
                }
                all[nall++] = p->id; /* a touched one twice does no harm */
            }
            ids = all;
        }
        free(hh);
    } else if (ids && n) {
        rc = sg_world_refresh(g->w, s, ids, n, e);
    }
    n = nall;
    if (rc) {
        free(all);
        return rc;
    }
    struct sg_ctx c = sg_ctx_at(g->w, now, g->tz);
    c.member = member_cb;
    c.member_ctx = g;
    for (int o = 0; !rc && o < g->n; o++) {
        int k = g->order[o];
        if (time_only && !g->defs[k].time_relative)
            continue;
        st->segments++;
        if (ids) {
            for (size_t i = 0; !rc && i < n; i++) {
                int64_t slot = sg_world_slot_of(g->w, ids[i]);
                if (slot >= 0)
                    rc = update_one(g, s, k, (uint32_t)slot, &c, now, st);
            }
        } else {
            uint32_t slots = sg_world_slots(g->w);
            for (uint32_t i = 0; !rc && i < slots; i++)
                rc = update_one(g, s, k, i, &c, now, st);
        }
    }
    st->profiles = ids ? (int64_t)n : (int64_t)sg_world_slots(g->w);
    st->seconds = (double)(clock_mono_us() - t0) / 1e6;
    free(all);
    return rc ? err_set(e, rc, "recording segment members: %s", store_last_error(s)) : 0;
}

int sg_engine_count(struct sg_engine *g, int64_t segment_id, int64_t *count)
{
    *count = 0;
    for (int k = 0; k < g->n; k++) {
        if (g->defs[k].id != segment_id)
            continue;
        for (uint32_t i = 0; i < sg_world_slots(g->w); i++) {
            const struct sg_prof *p = sg_world_prof(g->w, i);
            *count += p->live && state_of(p, k) != 0;
        }
        return 0;
    }
    return ERR_NOT_FOUND;
}

/* ---- saving and previewing ---------------------------------------------------- */

/* Calls fn for every `segment "x"` condition of the rule until fn returns non-zero. */
static int walk_refs(const struct sg_node *n, int (*fn)(void *ctx, const struct sg_node *ref),
                     void *ctx)
{
    if (n->op == SG_SEGMENT)
        return fn(ctx, n);
    if (n->op != SG_AND && n->op != SG_OR && n->op != SG_NOT)
        return 0;
    for (int i = 0; i < n->nkids; i++) {
        int rc = walk_refs(n->kids[i], fn, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

static int def_walk_refs(const struct def *d, int (*fn)(void *ctx, const struct sg_node *ref),
                         void *ctx)
{
    int rc = 0;
    for (int i = 0; !rc && i < d->nsubs; i++)
        rc = walk_refs(d->rules[i]->root, fn, ctx);
    return rc;
}

/* The segments as they would be after a change: pointers, the changed one last. */
struct view {
    const struct def **v;
    int n;
};

static int view_find(const struct view *vw, const char *name)
{
    for (int i = 0; i < vw->n; i++)
        if (!strcasecmp(vw->v[i]->name, name))
            return i;
    return -1;
}

/*
 * Whether a reference resolves in the view: the index of its segment, or
 * -1 with why filled ("line 1, column 3: no segment is named ...").
 */
static int ref_resolve(const struct view *vw, const struct sg_node *ref, char *why, size_t n)
{
    char at[48] = "";
    if (ref->line > 0)
        snprintf(at, sizeof(at), "line %d, column %d: ", ref->line, ref->col);
    int k = view_find(vw, ref->name);
    if (k < 0) {
        snprintf(why, n, "%sno segment is named \"%s\"", at, ref->name);
        return -1;
    }
    const struct def *d = vw->v[k];
    if (!ref->sub)
        return k;
    if (!d->exclusive) {
        snprintf(why, n, "%ssegment \"%s\" has no sub-segments (it is not exclusive)", at,
                 d->name);
        return -1;
    }
    struct buf names;
    buf_init(&names, 1024);
    for (int i = 0; i < d->nsubs; i++) {
        if (!strcasecmp(d->subs[i], ref->sub))
            return k;
        buf_addf(&names, "%s\"%s\"", i ? ", " : "", d->subs[i]);
    }
    snprintf(why, n, "%ssegment \"%s\" has no sub-segment \"%s\"; it has %s", at, d->name,
             ref->sub, names.ptr);
    buf_release(&names);
    return -1;
}

struct ref_check {
    const struct view *vw;
    const char *only;  /* check only references to this name (NULL: all) */
    char why[300];
};

static int on_ref_check(void *ctx, const struct sg_node *ref)
{
    struct ref_check *c = ctx;
    if (c->only && strcasecmp(ref->name, c->only) != 0)
        return 0;
    return ref_resolve(c->vw, ref, c->why, sizeof(c->why)) < 0;
}

/* Breadth-first from the last segment of the view, looking for a way back to it. */
struct cycle {
    const struct view *vw;
    int *parent, *queue, nq, cur;
    bool *seen;
    int found; /* the segment whose reference closes the cycle, or -1 */
};

static int on_cycle_ref(void *ctx, const struct sg_node *ref)
{
    struct cycle *c = ctx;
    int target = c->vw->n - 1, k = view_find(c->vw, ref->name);
    if (k < 0)
        return 0;
    if (k == target) {
        c->found = c->cur;
        return 1;
    }
    if (!c->seen[k]) {
        c->seen[k] = true;
        c->parent[k] = c->cur;
        c->queue[c->nq++] = k;
    }
    return 0;
}

/* ERR_INVALID when the last segment of the view refers to itself through others. */
static int check_cycle(const struct view *vw, const char *field, struct errbuf *e)
{
    int n = vw->n, target = n - 1, rc = 0;
    struct cycle c = {vw, xcalloc((size_t)n, sizeof(int)), xcalloc((size_t)n, sizeof(int)), 0,
                      target, xcalloc((size_t)n, sizeof(bool)), -1};
    c.seen[target] = true;
    def_walk_refs(vw->v[target], on_cycle_ref, &c);
    for (int q = 0; c.found < 0 && q < c.nq; q++) {
        c.cur = c.queue[q];
        def_walk_refs(vw->v[c.cur], on_cycle_ref, &c);
    }
    if (c.found >= 0) {
        /* the way back, from the segment to itself */
        struct buf path;
        buf_init(&path, 400);
        int *chain = xcalloc((size_t)n + 1, sizeof(int)), len = 0;
        for (int k = c.found; k != target; k = c.parent[k])
            chain[len++] = k;
        buf_addf(&path, "\"%s\"", vw->v[target]->name);
        for (int i = len - 1; i >= 0; i--)
            buf_addf(&path, " -> \"%s\"", vw->v[chain[i]]->name);
        buf_addf(&path, " -> \"%s\"", vw->v[target]->name);
        rc = err_field(e, ERR_INVALID, field,
                       len ? "%s: the segments would refer to each other in a cycle: %s"
                           : "%s: a segment cannot refer to itself: %s",
                       field, path.ptr);
        free(chain);
        buf_release(&path);
    }
    free(c.parent);
    free(c.queue);
    free(c.seen);
    return rc;
}

/* The field that names rule i of d, for errors. */
static void rule_field(const struct def *d, int i, char *out, size_t n)
{
    if (d->exclusive)
        snprintf(out, n, "subs[%d].rule", i);
    else
        snprintf(out, n, "rule");
}

/*
 * Checks the references of the segments after a change: nd (NULL when
 * deleting) replaces segment id (0: a new one), which was called old_name.
 */
static int check_refs(struct sg_engine *g, int64_t id, const char *old_name,
                      const struct def *nd, struct errbuf *e)
{
    struct view vw = {xcalloc((size_t)g->n + 1, sizeof(*vw.v)), 0};
    int rc = 0;
    for (int i = 0; i < g->n; i++)
        if (!id || g->defs[i].id != id)
            vw.v[vw.n++] = &g->defs[i];
    if (nd) {
        for (int i = 0; !rc && i < vw.n; i++)
            if (!strcasecmp(vw.v[i]->name, nd->name))
                rc = err_field(e, ERR_EXISTS, "name", "a segment named \"%s\" exists already (id %lld)",
                               vw.v[i]->name, (long long)vw.v[i]->id);
        vw.v[vw.n++] = nd;
        for (int i = 0; !rc && i < nd->nsubs; i++) {
            struct ref_check c = {&vw, NULL, ""};
            if (walk_refs(nd->rules[i]->root, on_ref_check, &c)) {
                char field[40];
                rule_field(nd, i, field, sizeof(field));
                rc = err_field(e, ERR_INVALID, field, "%s: %s", field, c.why);
            }
        }
        if (!rc)
            rc = check_cycle(&vw, nd->exclusive ? "subs" : "rule", e);
    }
    /* what the others say about the segment that changed must still hold */
    for (int i = 0; !rc && old_name && i < vw.n; i++) {
        if (vw.v[i] == nd)
            continue;
        struct ref_check c = {&vw, old_name, ""};
        if (!def_walk_refs(vw.v[i], on_ref_check, &c))
            continue;
        const char *field = !nd ? "id" : strcasecmp(nd->name, old_name) ? "name"
                                       : nd->exclusive ? "subs" : "rule";
        rc = err_field(e, ERR_EXISTS, field,
                       "segment \"%s\" (id %lld) refers to \"%s\" and would break (%s); "
                       "change it first",
                       vw.v[i]->name, (long long)vw.v[i]->id, old_name, c.why);
    }
    free(vw.v);
    return rc;
}

/* What a change needs to know of the segment as it is. */
struct old_seg {
    char *name;
    char kind[16];
};

static int copy_old(void *ctx, const struct store_segment *seg)
{
    struct old_seg *o = ctx;
    o->name = xstrdup(seg->name);
    snprintf(o->kind, sizeof(o->kind), "%s", seg->kind);
    return 0;
}

/* A segment's name: 1 to SG_MAX_NAME bytes of text without control characters. */
static int check_name(const char *name, struct errbuf *e)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= SG_MAX_NAME;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)name[i] >= 0x20 && name[i] != 0x7F;
    return ok ? 0
              : err_field(e, ERR_INVALID, "name",
                          "a segment's name is 1 to %d bytes of text without control characters",
                          SG_MAX_NAME);
}

/* The store's part of a save, then the members. */
static int save_apply(struct sg_engine *g, struct store *s, int64_t id, const char *name,
                      const json_t *stored, const char *kind, bool timed, int64_t now,
                      struct sg_saved *out, struct errbuf *e)
{
    int rc = 0;
    char *def = stored ? json_dumps(stored, JSON_COMPACT) : NULL;
    if (!id) {
        rc = store_segment_create(s, name, kind, def, timed, now, &out->id);
        out->version = 1;
    } else if (stored) {
        rc = store_segment_update(s, id, name, def, timed, now, &out->version);
    } else {
        rc = store_segment_delete(s, id, now);
    }
    free(def);
    if (rc == ERR_EXISTS)
        return err_field(e, rc, "name", "a segment named \"%s\" exists already", name);
    if (rc == ERR_NOT_FOUND)
        return err_field(e, rc, "id", "no segment with id %lld", (long long)id);
    if (rc)
        return err_set(e, rc, "saving the segment: %s", store_last_error(s));
    rc = sg_engine_reload_segments(g, s, e);
    if (rc == ERR_INVALID) { /* another segment's stored definition: not this save's concern */
        err_clear(e);
        rc = 0;
    }
    if (!rc)
        rc = sg_engine_pass(g, s, NULL, 0, false, now, &out->pass, e);
    return rc;
}

int sg_engine_save(struct sg_engine *g, struct store *s, int64_t id, const char *name,
                   const json_t *definition, int64_t now, struct sg_saved *out, struct errbuf *e)
{
    memset(out, 0, sizeof(*out));
    out->id = id;
    struct old_seg old = {NULL, ""};
    json_t *stored = NULL;
    const char *kind = NULL;
    bool timed = false;
    struct def nd;
    bool have_nd = false;
    int rc = 0;
    if (id) {
        rc = store_segment_get(s, id, copy_old, &old);
        if (rc == ERR_NOT_FOUND)
            return err_field(e, rc, "id", "no segment with id %lld", (long long)id);
        if (rc)
            return err_set(e, rc, "reading the segment: %s", store_last_error(s));
    } else if (!definition) {
        BUG("sg_engine_save: a new segment without a definition");
    }
    if ((!id || name) && definition)
        rc = check_name(name, e);
    if (!rc && definition)
        rc = sg_definition_check(definition, &stored, &kind, &timed, e);
    if (!rc && definition && id && strcmp(kind, old.kind) != 0) /* the store keeps the kind */
        rc = err_field(e, ERR_INVALID, !strcmp(kind, "rule") ? "rule" : "subs",
                       "segment %lld is %s segment and stays one; for %s segment, create a new "
                       "segment",
                       (long long)id, !strcmp(old.kind, "rule") ? "a rule" : "an exclusive",
                       !strcmp(kind, "rule") ? "a rule" : "an exclusive");
    if (!rc && definition) {
        rc = def_from(&nd, id, name ? name : old.name, !strcmp(kind, "exclusive"), definition, e);
        have_nd = true;
    }
    if (!rc)
        rc = check_refs(g, id, old.name, have_nd ? &nd : NULL, e);
    if (!rc)
        rc = store_savepoint(s, e);
    if (!rc) {
        rc = save_apply(g, s, id, name, stored, kind, timed, now, out, e);
        if (rc) {
            /* nothing written, and the engine back to what the store holds */
            store_savepoint_rollback(s);
            struct errbuf again = {{0}, {0}};
            sg_engine_reload_segments(g, s, &again);
        } else {
            rc = store_savepoint_release(s, e);
        }
    }
    if (have_nd)
        def_free(&nd);
    json_decref(stored);
    free(old.name);
    return rc;
}

int sg_engine_preview(struct sg_engine *g, const json_t *definition, int64_t now,
                      int64_t *sample, int max_sample, struct sg_preview *out, struct errbuf *e)
{
    memset(out, 0, sizeof(*out));
    out->sample = sample;
    json_t *stored;
    const char *kind;
    bool timed;
    int rc = sg_definition_check(definition, &stored, &kind, &timed, e);
    if (rc)
        return rc;
    json_decref(stored);
    struct def d;
    rc = def_from(&d, 0, "(preview)", !strcmp(kind, "exclusive"), definition, e);
    struct view vw = {xcalloc((size_t)g->n + 1, sizeof(*vw.v)), 0};
    for (int i = 0; i < g->n; i++)
        vw.v[vw.n++] = &g->defs[i];
    for (int i = 0; !rc && i < d.nsubs; i++) {
        struct ref_check c = {&vw, NULL, ""};
        if (walk_refs(d.rules[i]->root, on_ref_check, &c)) {
            char field[40];
            rule_field(&d, i, field, sizeof(field));
            rc = err_field(e, ERR_INVALID, field, "%s: %s", field, c.why);
        }
    }
    free(vw.v);
    if (rc) {
        def_free(&d);
        return rc;
    }
    int64_t t0 = clock_mono_us();
    struct sg_ctx c = sg_ctx_at(g->w, now, g->tz);
    c.member = member_cb;
    c.member_ctx = g;
    out->nsubs = d.exclusive ? d.nsubs : 0;
    for (uint32_t i = 0; i < sg_world_slots(g->w); i++) {
        const struct sg_prof *p = sg_world_prof(g->w, i);
        if (!p->live)
            continue;
        out->profiles++;
        uint8_t v = evaluate(&d, &c, i);
        if (!v)
            continue;
        if (out->count < max_sample)
            sample[out->nsample++] = p->id;
        out->count++;
        if (d.exclusive)
            out->sub_count[v - 1]++;
    }
    out->seconds = (double)(clock_mono_us() - t0) / 1e6;
    def_free(&d);
    return 0;
}
