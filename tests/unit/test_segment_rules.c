/*
 * test_segment_rules.c — what segment rules select (src/segment), driven by
 * tests/data/segment_rules.json.
 *
 * Each case of the file is a workspace (profiles with their golden fields,
 * custom attributes, orders and lines, events, consents, identities and
 * household), a time ("now", and the workspace's "timezone" for "today"), a rule
 * and the profiles it must select. The data is written into a fresh SQLite
 * workspace through the store API, as ingestion writes it (so the
 * per-profile stats are the store's own); then the rule is evaluated twice:
 *   - directly: sg_world_load and sg_eval over every live profile;
 *   - by the engine: the rule saved as a segment (sg_definition_check,
 *     store_segment_create), sg_engine_open and a full sg_engine_pass, the
 *     members read back from the store.
 * Both must give the expected members. The engine has no time zone (it
 * takes "today" in UTC), so a case with an offset is evaluated directly only.
 *
 * A case's fields:
 *   name, now (ISO 8601), timezone (optional IANA name), rule, members (keys);
 *   segments: saved before the case's rule, for `segment "x"`: {"name",
 *     "rule"} or {"name", "subs": [{"name", "rule"}]}; the default
 *     lifecycle segment is there as in every workspace;
 *   known_bug: the case states what a user would expect and src/ does not do
 *     yet (the reason); it is run and reported, and fails the test once it
 *     passes, so that the mark is removed with the fix.
 * A profile: key, source (default "web"), created_at, fields (golden fields
 * by column name), attributes (custom, any JSON), orders [{at, total (euros),
 * status, currency, source, refund (euros), lines}], lines [{at, category,
 * product_id, sku, name, price (euros), quantity}] (an order each), events
 * [{name, type (default track), source, at}], consents [{channel, purpose,
 * status, at}], identities [{type, value, source}], household (a number).
 * A time is ISO 8601 ("2026-11-01", "2026-11-01T10:00:00Z") or relative to
 * now: "now", "now-30d", "now-30d-1ms", "now+1h" (units ms s m h d w).
 *
 * Besides the file: the stable random sample over 1000 profiles, and
 * membership of another segment following that segment's current members.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "testdata.h"
#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "segment/engine.h"
#include "segment/eval.h"
#include "segment/rule.h"
#include "segment/world.h"
#include "store/store.h"
#include "testdb.h"

#define DAY_MS 86400000LL
#define MAX_PROFILES 64
#define MAX_DEFS 8
#define CASE_SEGMENT "the case under test"

/* tests/data/segment_rules.json, found from this file's path unless RONDO_TEST_DATA is set. */
static json_t *load_cases(void)
{
    json_t *cases = testdata_load("segment_rules.json", __FILE__);
    if (!json_is_array(cases))
        fail_msg("segment_rules.json: the cases must be an array");
    return cases;
}

/* ---- times and money ---------------------------------------------------------- */

/* ISO 8601, or "now" followed by signed amounts with a unit: "now-30d-1ms". */
static bool parse_time(const char *s, int64_t now, int64_t *out)
{
    if (!s)
        return false;
    if (strncmp(s, "now", 3) != 0)
        return time_parse_iso8601(s, out) == 0;
    int64_t t = now;
    const char *p = s + 3;
    while (*p) {
        int sign = *p == '+' ? 1 : *p == '-' ? -1 : 0;
        if (!sign)
            return false;
        p++;
        char *end;
        long long n = strtoll(p, &end, 10);
        if (end == p)
            return false;
        p = end;
        int64_t unit;
        if (!strncmp(p, "ms", 2)) {
            unit = 1;
            p++;
        } else {
            unit = *p == 's'   ? 1000
                   : *p == 'm' ? 60000
                   : *p == 'h' ? 3600000
                   : *p == 'd' ? DAY_MS
                   : *p == 'w' ? 7 * DAY_MS
                               : 0;
        }
        if (!unit)
            return false;
        p++;
        t += sign * (int64_t)n * unit;
    }
    *out = t;
    return true;
}

/* A time member of o (default def when absent); a bad one is noted in why. */
static int64_t time_of(json_t *o, const char *key, int64_t now, int64_t def, struct buf *why)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return def;
    int64_t t = 0;
    if (!parse_time(json_string_value(v), now, &t))
        buf_addf(why, "  bad time in the case: %s\n",
                 json_string_value(v) ? json_string_value(v) : "(not a string)");
    return t;
}

static int64_t cents_of(json_t *o, const char *key)
{
    return (int64_t)llround(json_number_value(json_object_get(o, key)) * 100.0);
}

static const char *str_or(json_t *o, const char *key, const char *def)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : def;
}

/* ---- building the workspace ----------------------------------------------------- */

struct ws {
    struct testdb db;
    struct store *s;
    int n;
    const char *keys[MAX_PROFILES];
    int64_t ids[MAX_PROFILES];
    int64_t hh[MAX_PROFILES];
    bool any_household;
};

static const char *key_of(const struct ws *w, int64_t id)
{
    for (int i = 0; i < w->n; i++)
        if (w->ids[i] == id)
            return w->keys[i];
    return "?";
}

static int write_order(struct ws *w, int64_t pid, json_t *o, const char *ext, int64_t now,
                       struct buf *why)
{
    json_t *jl = json_object_get(o, "lines");
    size_t nl = json_array_size(jl);
    struct store_order_line lines[16] = {{0}};
    if (nl > 16)
        nl = 16;
    for (size_t i = 0; i < nl; i++) {
        json_t *l = json_array_get(jl, i);
        lines[i] = (struct store_order_line){
            .product_id = str_or(l, "product_id", NULL),
            .sku = str_or(l, "sku", NULL),
            .name = str_or(l, "name", NULL),
            .category = str_or(l, "category", NULL),
            .price_cents = cents_of(l, "price"),
            .quantity = json_integer_value(json_object_get(l, "quantity")),
        };
    }
    int64_t at = time_of(o, "at", now, now - DAY_MS, why);
    const char *source = str_or(o, "source", "shop");
    struct store_order ord = {.profile_id = pid,
                              .source = source,
                              .external_id = ext,
                              .status = str_or(o, "status", "completed"),
                              .currency = str_or(o, "currency", "EUR"),
                              .total_cents = cents_of(o, "total"),
                              .ordered_at = at,
                              .lines = lines,
                              .nlines = nl};
    int rc = store_order_upsert(w->s, &ord, at, NULL);
    if (!rc && json_object_get(o, "refund"))
        rc = store_order_refund(w->s, pid, source, ext, cents_of(o, "refund"), at, now);
    return rc;
}

/* One line bought alone: an order of price x quantity. */
static int write_line(struct ws *w, int64_t pid, json_t *l, const char *ext, int64_t now,
                      struct buf *why)
{
    json_t *o = json_pack("{s:O?, s:[O]}", "at", json_object_get(l, "at"), "lines", l);
    int64_t qty = json_integer_value(json_object_get(l, "quantity"));
    json_object_set_new(
        o, "total",
        json_real(json_number_value(json_object_get(l, "price")) * (double)(qty ? qty : 1)));
    int rc = write_order(w, pid, o, ext, now, why);
    json_decref(o);
    return rc;
}

static int write_rows(struct ws *w, int64_t pid, json_t *p, int64_t now, struct buf *why)
{
    size_t i;
    json_t *v;
    int rc = 0;
    char ext[64];
    json_array_foreach(json_object_get(p, "orders"), i, v)
    {
        snprintf(ext, sizeof(ext), "o-%lld-%zu", (long long)pid, i);
        if (!rc)
            rc = write_order(w, pid, v, ext, now, why);
    }
    json_array_foreach(json_object_get(p, "lines"), i, v)
    {
        snprintf(ext, sizeof(ext), "l-%lld-%zu", (long long)pid, i);
        if (!rc)
            rc = write_line(w, pid, v, ext, now, why);
    }
    json_array_foreach(json_object_get(p, "events"), i, v)
    {
        char mid[64];
        snprintf(mid, sizeof(mid), "m-%lld-%zu", (long long)pid, i);
        int64_t ts = time_of(v, "at", now, now - DAY_MS, why);
        struct store_event ev = {.profile_id = pid,
                                 .source = str_or(v, "source", "web"),
                                 .type = str_or(v, "type", "track"),
                                 .name = str_or(v, "name", NULL),
                                 .message_id = mid,
                                 .ts = ts,
                                 .received_at = ts};
        if (!rc)
            rc = store_event_add(w->s, &ev);
    }
    json_array_foreach(json_object_get(p, "consents"), i, v)
    {
        struct store_consent c = {.profile_id = pid,
                                  .channel = str_or(v, "channel", "email"),
                                  .purpose = str_or(v, "purpose", ""),
                                  .status = str_or(v, "status", "opted_in"),
                                  .source = "test",
                                  .ts = time_of(v, "at", now, now - DAY_MS, why)};
        if (!rc)
            rc = store_consent_set(w->s, &c, now);
    }
    json_array_foreach(json_object_get(p, "identities"), i, v)
    {
        if (!rc)
            rc = store_identity_add(w->s, str_or(v, "type", "email"), str_or(v, "value", "?"),
                                    str_or(v, "source", NULL), pid, now, NULL);
    }
    return rc;
}

static int write_profile(struct ws *w, json_t *p, int64_t now, struct buf *why)
{
    const char *vals[PF_COUNT] = {0};
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(p, "fields"), key, v)
    {
        int f;
        for (f = 0; f < PF_COUNT; f++)
            if (!strcmp(profile_field_name((enum profile_field)f), key))
                break;
        if (f == PF_COUNT)
            buf_addf(why, "  the case sets an unknown golden field \"%s\"\n", key);
        else
            vals[f] = json_string_value(v);
    }
    int64_t created = time_of(p, "created_at", now, now - 1000 * DAY_MS, why);
    int64_t id = 0;
    int rc = store_profile_insert(w->s, str_or(p, "source", "web"), vals,
                                  json_object_get(p, "attributes"), created, &id);
    if (rc)
        return rc;
    w->keys[w->n] = str_or(p, "key", "?");
    w->ids[w->n] = id;
    w->hh[w->n] = json_integer_value(json_object_get(p, "household"));
    w->any_household = w->any_household || w->hh[w->n];
    w->n++;
    return write_rows(w, id, p, now, why);
}

/* The case's profiles in a fresh workspace; false (why says) when that failed. */
static bool build(struct ws *w, json_t *c, int64_t now, struct buf *why)
{
    memset(w, 0, sizeof(*w));
    if (testdb_open_store(&w->db, &w->s)) {
        buf_adds(why, "  cannot create a workspace\n");
        return false;
    }
    struct errbuf e = {{0}, {0}};
    json_t *profiles = json_object_get(c, "profiles");
    if (json_array_size(profiles) > MAX_PROFILES) {
        buf_adds(why, "  too many profiles in the case\n");
        return false;
    }
    int rc = store_begin(w->s, &e);
    size_t i;
    json_t *p;
    json_array_foreach(profiles, i, p)
    {
        if (!rc)
            rc = write_profile(w, p, now, why);
    }
    if (!rc && w->any_household)
        rc = store_households_set(w->s, w->ids, w->hh, (size_t)w->n, &e);
    if (rc) {
        store_rollback(w->s);
        buf_addf(why, "  writing the profiles: %s (%s)\n", err_name(rc), store_last_error(w->s));
        return false;
    }
    if (store_commit(w->s, &e)) {
        buf_addf(why, "  commit: %s\n", e.msg);
        return false;
    }
    return why->len == 0;
}

static void ws_free(struct ws *w)
{
    if (w->s)
        testdb_close_store(&w->db, w->s);
    w->s = NULL;
}

/* ---- member sets ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* keys[0..n) sorted and joined with ", " (malloc'd). */
static char *joined(const char **keys, size_t n)
{
    qsort(keys, n, sizeof(*keys), cmp_str);
    struct buf b;
    buf_init(&b, 0);
    buf_adds(&b, "[");
    for (size_t i = 0; i < n; i++)
        buf_addf(&b, "%s%s", i ? ", " : "", keys[i]);
    buf_adds(&b, "]");
    return buf_detach(&b, NULL);
}

static char *expected_members(json_t *c)
{
    json_t *m = json_object_get(c, "members");
    const char *keys[MAX_PROFILES];
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(m, i, v)
    {
        if (n < MAX_PROFILES)
            keys[n++] = json_string_value(v) ? json_string_value(v) : "?";
    }
    return joined(keys, n);
}

/* ---- direct evaluation -------------------------------------------------------------- */

/* The saved segments as the direct evaluation knows them, for `segment "x"`. */
struct defs {
    int n;
    struct {
        const char *name;
        int nsubs;
        const char *subs[SG_MAX_SUBS];
        struct sg_rule *rules[SG_MAX_SUBS];
    } d[MAX_DEFS];
    const struct sg_ctx *c;
    int depth;
};

static bool defs_add_rule(struct defs *ds, int k, const char *sub, const char *text,
                          struct buf *why)
{
    struct sg_error err;
    int i = ds->d[k].nsubs;
    if (i == SG_MAX_SUBS || !text || sg_parse(text, &ds->d[k].rules[i], &err)) {
        buf_addf(why, "  segment \"%s\": its rule does not parse: %s\n", ds->d[k].name,
                 text ? err.msg : "no rule");
        return false;
    }
    ds->d[k].subs[i] = sub;
    ds->d[k].nsubs++;
    return true;
}

/* The case's segments, then the default lifecycle unless the case has its own. */
static bool defs_load(struct defs *ds, json_t *c, struct buf *why)
{
    memset(ds, 0, sizeof(*ds));
    size_t i, k;
    json_t *g, *sub;
    bool lifecycle = false;
    json_array_foreach(json_object_get(c, "segments"), i, g)
    {
        if (ds->n == MAX_DEFS)
            break;
        int at = ds->n++;
        ds->d[at].name = str_or(g, "name", "?");
        lifecycle = lifecycle || !strcasecmp(ds->d[at].name, "lifecycle");
        json_t *subs = json_object_get(g, "subs");
        if (!subs && !defs_add_rule(ds, at, NULL, str_or(g, "rule", NULL), why))
            return false;
        json_array_foreach(subs, k, sub)
        {
            if (!defs_add_rule(ds, at, str_or(sub, "name", "?"), str_or(sub, "rule", NULL), why))
                return false;
        }
    }
    if (!lifecycle && ds->n < MAX_DEFS) {
        int at = ds->n++;
        ds->d[at].name = "lifecycle";
        for (int s = 0; s < SG_LIFECYCLE_N; s++)
            if (!defs_add_rule(ds, at, sg_lifecycle_names[s], sg_lifecycle_rules[s], why))
                return false;
    }
    return true;
}

static void defs_release(struct defs *ds)
{
    for (int k = 0; k < ds->n; k++)
        for (int i = 0; i < ds->d[k].nsubs; i++)
            sg_rule_free(ds->d[k].rules[i]);
    ds->n = 0;
}

/* sg_ctx.member: evaluates the referred segment's rules in place (first match wins). */
static int member_of(void *ctx, const char *segment, uint32_t slot, const char **sub)
{
    struct defs *ds = ctx;
    for (int k = 0; k < ds->n; k++) {
        if (strcasecmp(ds->d[k].name, segment))
            continue;
        if (ds->depth > 8) /* a cycle: out */
            return 0;
        ds->depth++;
        int in = 0;
        for (int i = 0; i < ds->d[k].nsubs && !in; i++) {
            if (sg_eval(ds->d[k].rules[i], ds->c, slot)) {
                in = 1;
                *sub = ds->d[k].subs[i];
            }
        }
        ds->depth--;
        return in;
    }
    return -1;
}

/* The members by sg_eval over a freshly loaded world (malloc'd text), or NULL. */
static char *members_direct(struct ws *w, json_t *c, int64_t now, const char *tz, struct buf *why)
{
    struct errbuf e = {{0}, {0}};
    struct sg_rule *r = NULL;
    struct sg_error err;
    const char *text = json_string_value(json_object_get(c, "rule"));
    if (!text || sg_parse(text, &r, &err)) {
        buf_addf(why, "  the rule does not parse: %s\n", text ? err.msg : "no rule");
        return NULL;
    }
    struct defs ds;
    struct sg_world *world = sg_world_new();
    char *out = NULL;
    if (!defs_load(&ds, c, why))
        goto out;
    if (sg_world_load(world, w->s, &e)) {
        buf_addf(why, "  sg_world_load: %s\n", e.msg);
        goto out;
    }
    struct sg_ctx ctx = sg_ctx_at(world, now, tz);
    ctx.member = member_of;
    ctx.member_ctx = &ds;
    ds.c = &ctx;
    const char *keys[MAX_PROFILES];
    size_t n = 0;
    for (uint32_t slot = 0; slot < sg_world_slots(world); slot++) {
        const struct sg_prof *p = sg_world_prof(world, slot);
        if (p->live && sg_eval(r, &ctx, slot) && n < MAX_PROFILES)
            keys[n++] = key_of(w, p->id);
    }
    out = joined(keys, n);
out:
    defs_release(&ds);
    sg_world_free(world);
    sg_rule_free(r);
    return out;
}

/* ---- the engine --------------------------------------------------------------------- */

/* Saves a segment from a definition as the API takes it; its id, or 0 (why says). */
static int64_t save_segment(struct store *s, const char *name, json_t *def, int64_t now,
                            struct buf *why)
{
    struct errbuf e = {{0}, {0}};
    json_t *stored;
    const char *kind;
    bool timed;
    if (sg_definition_check(def, &stored, &kind, &timed, &e)) {
        buf_addf(why, "  segment \"%s\": sg_definition_check: %s\n", name, e.msg);
        return 0;
    }
    char *text = json_dumps(stored, JSON_COMPACT);
    json_decref(stored);
    int64_t id = 0;
    int rc = store_begin(s, &e);
    if (!rc)
        rc = store_segment_create(s, name, kind, text, timed, now, &id);
    if (!rc)
        rc = store_commit(s, &e);
    else
        store_rollback(s);
    free(text);
    if (rc) {
        buf_addf(why, "  segment \"%s\": store_segment_create: %s\n", name, err_name(rc));
        return 0;
    }
    return id;
}

struct collect {
    const struct ws *w;
    const char *keys[MAX_PROFILES];
    size_t n;
};

static int on_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    (void)sub;
    (void)since;
    struct collect *cl = ctx;
    if (cl->n < MAX_PROFILES)
        cl->keys[cl->n++] = key_of(cl->w, profile_id);
    return 0;
}

static int full_pass(struct sg_engine *g, struct store *s, int64_t now, struct buf *why)
{
    struct errbuf e = {{0}, {0}};
    struct sg_pass st;
    int rc = store_begin(s, &e);
    if (!rc)
        rc = sg_engine_pass(g, s, NULL, 0, false, now, &st, &e);
    if (!rc)
        rc = store_commit(s, &e);
    else
        store_rollback(s);
    if (rc)
        buf_addf(why, "  sg_engine_pass: %s\n", e.msg);
    return rc;
}

/* The members of the case's rule saved as a segment, by a full engine pass (malloc'd), or NULL. */
static char *members_engine(struct ws *w, json_t *c, int64_t now, struct buf *why)
{
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(c, "segments"), i, g)
    {
        json_t *def = json_deep_copy(g);
        json_object_del(def, "name");
        int64_t id = save_segment(w->s, str_or(g, "name", "?"), def, now, why);
        json_decref(def);
        if (!id)
            return NULL;
    }
    json_t *def = json_pack("{s:O}", "rule", json_object_get(c, "rule"));
    int64_t id = save_segment(w->s, CASE_SEGMENT, def, now, why);
    json_decref(def);
    if (!id)
        return NULL;
    struct errbuf e = {{0}, {0}};
    struct sg_engine *eng = NULL;
    if (sg_engine_open(w->s, &eng, &e)) {
        buf_addf(why, "  sg_engine_open: %s\n", e.msg);
        sg_engine_free(eng);
        return NULL;
    }
    char *out = NULL;
    if (full_pass(eng, w->s, now, why))
        goto out;
    struct collect cl = {.w = w};
    if (store_segment_members(w->s, id, 0, 0, on_member, &cl)) {
        buf_addf(why, "  store_segment_members: %s\n", store_last_error(w->s));
        goto out;
    }
    int64_t count = -1;
    if (sg_engine_count(eng, id, &count) || count != (int64_t)cl.n)
        buf_addf(why, "  the engine holds %lld members, the store %zu\n", (long long)count, cl.n);
    out = joined(cl.keys, cl.n);
out:
    sg_engine_free(eng);
    return out;
}

/* ---- the cases -------------------------------------------------------------------- */

/* Runs one case; what went wrong goes into why (empty: it passed). */
static void run_case(json_t *c, struct buf *why)
{
    int64_t now = 0;
    if (!parse_time(json_string_value(json_object_get(c, "now")), 0, &now)) {
        buf_adds(why, "  malformed case: \"now\" must be an ISO 8601 time\n");
        return;
    }
    if (!json_is_string(json_object_get(c, "rule")) ||
        !json_is_array(json_object_get(c, "members"))) {
        buf_adds(why, "  malformed case: needs rule and members\n");
        return;
    }
    const char *tz = json_string_value(json_object_get(c, "timezone"));
    struct ws w;
    if (!build(&w, c, now, why)) {
        ws_free(&w);
        return;
    }
    if (tz && store_setting_set(w.s, SETTING_TIMEZONE, tz, now)) {
        buf_addf(why, "  setting the time zone: %s\n", store_last_error(w.s));
        ws_free(&w);
        return;
    }
    char *want = expected_members(c);
    char *direct = members_direct(&w, c, now, tz, why);
    if (direct && strcmp(direct, want))
        buf_addf(why, "  sg_eval selects %s, want %s\n", direct, want);
    char *engine = members_engine(&w, c, now, why);
    if (engine && strcmp(engine, want))
        buf_addf(why, "  the engine selects %s, want %s\n", engine, want);
    free(engine);
    free(direct);
    free(want);
    ws_free(&w);
}

static void test_rules_from_file(void **state)
{
    (void)state;
    json_t *cases = load_cases();
    size_t i, failed = 0, known = 0, fixed = 0;
    json_t *c;
    int64_t t0 = clock_mono_us();
    json_array_foreach(cases, i, c)
    {
        struct buf why;
        buf_init(&why, 0);
        run_case(c, &why);
        const char *name = str_or(c, "name", "?");
        const char *bug = json_string_value(json_object_get(c, "known_bug"));
        if (bug && why.len) {
            print_message("case %zu \"%s\": known bug, still there: %s\n%s", i, name, bug, why.ptr);
            known++;
        } else if (bug) {
            print_error("case %zu \"%s\": passes now; remove its \"known_bug\" mark\n", i, name);
            fixed++;
        } else if (why.len) {
            print_error("case %zu \"%s\": rule %s\n%s", i, name, str_or(c, "rule", "?"), why.ptr);
            failed++;
        }
        buf_release(&why);
    }
    size_t n = json_array_size(cases);
    json_decref(cases);
    print_message("%zu cases (%zu known bugs) in %.2f s\n", n, known,
                  (double)(clock_mono_us() - t0) / 1e6);
    assert_true(n >= 60); /* the file really was read */
    if (failed || fixed)
        fail_msg("%zu of %zu segment rule cases failed, %zu known bugs fixed", failed, n, fixed);
}

/* ---- the sample ------------------------------------------------------------------- */

/* The ids that rule selects over the world. */
static size_t select_ids(struct sg_world *world, const char *text, int64_t *out, size_t cap)
{
    struct sg_rule *r;
    struct sg_error err;
    if (sg_parse(text, &r, &err))
        fail_msg("%s: %s", text, err.msg);
    int64_t now = 1795428000000LL;
    struct sg_ctx c = {.world = world, .now = now, .today = sg_today(now, 0)};
    size_t n = 0;
    for (uint32_t slot = 0; slot < sg_world_slots(world); slot++)
        if (sg_eval(r, &c, slot) && n < cap)
            out[n++] = sg_world_prof(world, slot)->id;
    sg_rule_free(r);
    return n;
}

static bool same_ids(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    return na == nb && !memcmp(a, b, na * sizeof(*a));
}

static bool subset(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i])
            j++;
        if (j == nb || b[j] != a[i])
            return false;
    }
    return true;
}

/*
 * 1000 profiles: "sample 10% seed 7" picks the same profiles every time, a
 * fresh load included; another seed picks others; a 5% sample of the same
 * seed lies inside the 10% one (a pilot grows without losing anyone). The
 * count: for a fair hash it is Binomial(1000, 0.1), mean 100 and standard
 * deviation 9.5; [60, 140] is more than four deviations either side (a
 * fair hash misses it with probability below 1e-4), while a hash that
 * ignores the seed or the id, or a percentage off by 10x, falls outside.
 */
static void test_sample_stable(void **state)
{
    (void)state;
    struct testdb db;
    struct store *s;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(testdb_open_store(&db, &s), 0);
    assert_int_equal(store_begin(s, &e), 0);
    const char *vals[PF_COUNT] = {0};
    for (int i = 0; i < 1000; i++) {
        int64_t id;
        assert_int_equal(store_profile_insert(s, "web", vals, NULL, 1700000000000LL, &id), 0);
    }
    assert_int_equal(store_commit(s, &e), 0);

    static int64_t a[1000], b[1000], c[1000], d[1000], f[1000];
    struct sg_world *w = sg_world_new();
    assert_int_equal(sg_world_load(w, s, &e), 0);
    size_t na = select_ids(w, "sample 10% seed 7", a, 1000);
    size_t nb = select_ids(w, "sample 10% seed 7", b, 1000);
    size_t nc = select_ids(w, "sample 10% seed 8", c, 1000);
    size_t nd = select_ids(w, "sample 5% seed 7", d, 1000);
    assert_int_equal(sg_world_load(w, s, &e), 0);
    size_t nf = select_ids(w, "sample 10% seed 7", f, 1000);
    sg_world_free(w);
    print_message("sample 10%% seed 7: %zu of 1000; seed 8: %zu; 5%%: %zu\n", na, nc, nd);
    assert_true(na >= 60 && na <= 140);
    assert_true(nc >= 60 && nc <= 140);
    assert_true(nd >= 20 && nd <= 80);
    assert_true(same_ids(a, na, b, nb));
    assert_true(same_ids(a, na, f, nf));
    assert_false(same_ids(a, na, c, nc));
    size_t common = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nc; j++)
            common += a[i] == c[j];
    assert_true(common < na / 2); /* independent seeds share about 10% */
    assert_true(subset(d, nd, a, na));

    /* the engine holds the same sample */
    json_t *def = json_pack("{s:s}", "rule", "sample 10% seed 7");
    struct buf why;
    buf_init(&why, 0);
    int64_t id = save_segment(s, "pilot", def, 1700000000000LL, &why);
    json_decref(def);
    assert_true(id > 0);
    struct sg_engine *g;
    assert_int_equal(sg_engine_open(s, &g, &e), 0);
    assert_int_equal(full_pass(g, s, 1700000000000LL, &why), 0);
    int64_t count;
    assert_int_equal(sg_engine_count(g, id, &count), 0);
    assert_int_equal(count, (int64_t)na);
    sg_engine_free(g);
    buf_release(&why);
    testdb_close_store(&db, s);
}

/* ---- membership by reference ------------------------------------------------------- */

static int count_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    (void)profile_id;
    (void)sub;
    (void)since;
    (*(int64_t *)ctx)++;
    return 0;
}

static int64_t stored_count(struct store *s, int64_t id)
{
    int64_t n = 0;
    assert_int_equal(store_segment_members(s, id, 0, 0, count_member, &n), 0);
    return n;
}

/*
 * `segment "a"` follows a's current members: when a's rule changes, the
 * referring segment's members change with it, and its stored definition
 * still names "a" (the rule was not inlined).
 */
static void test_segment_by_reference(void **state)
{
    (void)state;
    struct testdb db;
    struct store *s;
    struct errbuf e = {{0}, {0}};
    int64_t now = 1795428000000LL;
    assert_int_equal(testdb_open_store(&db, &s), 0);
    assert_int_equal(store_begin(s, &e), 0);
    const char *vals[PF_COUNT] = {0};
    for (int i = 0; i < 10; i++) {
        vals[PF_COUNTRY] = i < 3 ? "BE" : "NL";
        int64_t id;
        assert_int_equal(store_profile_insert(s, "web", vals, NULL, now, &id), 0);
    }
    assert_int_equal(store_commit(s, &e), 0);

    struct buf why;
    buf_init(&why, 0);
    json_t *def = json_pack("{s:s}", "rule", "country = \"BE\"");
    int64_t a = save_segment(s, "a", def, now, &why);
    json_decref(def);
    def = json_pack("{s:s}", "rule", "segment \"a\"");
    int64_t b = save_segment(s, "b", def, now, &why);
    json_decref(def);
    assert_true(a > 0 && b > 0);
    struct sg_engine *g;
    assert_int_equal(sg_engine_open(s, &g, &e), 0);
    assert_int_equal(full_pass(g, s, now, &why), 0);
    assert_int_equal(stored_count(s, a), 3);
    assert_int_equal(stored_count(s, b), 3);

    /* a changes: b follows after the next pass, with its own definition untouched */
    json_t *in = json_pack("{s:s}", "rule", "country = \"NL\""), *stored;
    const char *kind;
    bool timed;
    assert_int_equal(sg_definition_check(in, &stored, &kind, &timed, &e), 0);
    char *text = json_dumps(stored, JSON_COMPACT);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_segment_update(s, a, NULL, text, timed, now, NULL), 0);
    assert_int_equal(store_commit(s, &e), 0);
    free(text);
    json_decref(stored);
    json_decref(in);
    assert_int_equal(sg_engine_reload_segments(g, s, &e), 0);
    assert_int_equal(full_pass(g, s, now, &why), 0);
    assert_int_equal(stored_count(s, a), 7);
    assert_int_equal(stored_count(s, b), 7);
    char *bdef = NULL;
    assert_int_equal(store_segment_version(s, b, 1, &bdef), 0);
    assert_non_null(strstr(bdef, "\"segment\""));
    assert_null(strstr(bdef, "country"));
    free(bdef);
    sg_engine_free(g);
    buf_release(&why);
    testdb_close_store(&db, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_from_file),
        cmocka_unit_test(test_sample_stable),
        cmocka_unit_test(test_segment_by_reference),
    };
    return cmocka_run_group_tests_name("segment_rules", tests, NULL, NULL);
}
