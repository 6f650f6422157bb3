/*
 * engine.c — saved segments and their members, kept current (engine.h).
 */
#include "segment/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    int *order; /* def indexes, referred-to segments first */
    int64_t now;
};

/* ---- definitions ------------------------------------------------------------ */

/* One rule from {"rule": "text"} or {"rule": AST}; errors prefixed with where. */
static int rule_from(const json_t *j, const char *where, struct sg_rule **out, struct errbuf *e)
{
    struct sg_error err;
    int rc;
    if (json_is_string(j))
        rc = sg_parse(json_string_value(j), out, &err);
    else if (json_is_object(j))
        rc = sg_from_json(j, out, &err);
    else
        return err_field(e, ERR_INVALID, where, "%s: a rule is a text or its JSON form", where);
    return rc ? err_field(e, rc, where, "%s: %s", where, err.msg) : 0;
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
        int rc = rule_from(rule, "rule", &r, e);
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
        char rwhere[80];
        snprintf(rwhere, sizeof(rwhere), "%s.rule (%s)", where, name);
        struct sg_rule *r;
        int rc = rule_from(json_object_get(sub, "rule"), rwhere, &r, e);
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

/* A stored definition into d (already checked when it was saved). */
static int def_load(struct def *d, const struct store_segment *g, struct errbuf *e)
{
    memset(d, 0, sizeof(*d));
    d->id = g->id;
    d->name = xstrdup(g->name);
    d->exclusive = !strcmp(g->kind, "exclusive");
    d->time_relative = g->time_relative;
    json_t *j = json_loads(g->definition, 0, NULL);
    int rc = 0;
    if (!d->exclusive) {
        d->nsubs = 1;
        d->subs[0] = xstrdup("in");
        rc = rule_from(json_object_get(j, "rule"), "rule", &d->rules[0], e);
    } else {
        const json_t *subs = json_object_get(j, "subs");
        for (size_t i = 0; !rc && i < json_array_size(subs) && i < SG_MAX_SUBS; i++) {
            const json_t *sub = json_array_get(subs, i);
            d->subs[i] = xstrdup(json_string_value(json_object_get(sub, "name")));
            d->nsubs = (int)i + 1;
            rc = rule_from(json_object_get(sub, "rule"), "subs", &d->rules[i], e);
        }
    }
    json_decref(j);
    if (rc)
        err_set(e, rc, "segment %lld (%s): its stored definition does not read: %s",
                (long long)g->id, g->name, e->msg);
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
}

/* ---- membership in memory ------------------------------------------------------- */

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
    *sub = g->defs[k].exclusive ? g->defs[k].subs[v - 1] : NULL;
    return 1;
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
    uint8_t v = 1;
    if (d->exclusive) {
        v = 0;
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
    rc = load_members(g, s);
    if (rc)
        return err_set(e, rc, "reading the segments' members: %s", store_last_error(s));
    return l.rc; /* a definition that did not read: the others work, the error says which */
}

/* The lifecycle segment, once per workspace (a workspace may change or delete it). */
static int seed_lifecycle(struct store *s, struct errbuf *e)
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
    int rc = seed_lifecycle(s, e);
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
    if (ids && n)
        rc = sg_world_refresh(g->w, s, ids, n, e);
    if (rc)
        return rc;
    struct sg_ctx c = {.world = g->w, .now = now, .today = sg_today(now, 0),
                       .member = member_cb, .member_ctx = g};
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
