/*
 * test_segment_property.c — the segment engine's incremental passes keep
 * exactly the members a full recomputation gives (src/segment/engine.h).
 *
 * With a fixed-seed PRNG: a workspace of a few hundred random profiles
 * (fields, attributes, households, orders with lines, events, consents,
 * identities), a dozen random saved segments drawn from a small generator
 * over the grammar (exclusive ones and references to earlier segments and
 * to the lifecycle included), one engine and a full pass. Then a random
 * sequence of writes through the store API, as the writer makes them: new
 * events, new and changed orders (one moving to another profile), refunds,
 * consent changes, identities, golden field and attribute updates, new
 * profiles, merges and unmerges. After each write the engine runs its
 * incremental pass over the profiles the write touched, in the write's
 * transaction, and the members it recorded (store_segment_members) must
 * equal a recomputation from scratch: a freshly loaded world, the rules
 * parsed again and evaluated with sg_eval, segment references resolved in
 * creation order. The writes all happen at one instant, so that only they
 * change what is due. Finally the clock moves on (1, 4, 16 and 64 days) and
 * the scheduled pass (time_only) must bring every segment up to date.
 *
 * A mismatch names the seed, the step, the write, the segment's rules and
 * the profiles. Two known bugs of src/ are recognised, reported and repaired
 * (see "Known bugs" below) unless RONDO_PROPERTY_STRICT is set;
 * RONDO_PROPERTY_SEED=n runs one other seed (exploration). Six seeds of
 * 150 writes over 250 profiles and 13 segments take about 4 s (10 s with
 * the sanitizers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "segment/engine.h"
#include "segment/eval.h"
#include "segment/rule.h"
#include "segment/world.h"
#include "store/store.h"
#include "testdb.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z */
#define DAY 86400000LL
#define PROFILES 250
#define SEGMENTS 12
#define STEPS 150
#define SEEDS 6
#define MAX_IDS 2048
#define MAX_DEFS (SEGMENTS + 1)

/* ---- the generator ------------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t next_u64(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static int below(struct rng *r, int n)
{
    return (int)(next_u64(r) % (uint64_t)n);
}

static const char *pick(struct rng *r, const char *const *list, int n)
{
    return list[below(r, n)];
}

#define PICK(r, list) pick(r, list, (int)(sizeof(list) / sizeof(list[0])))

static const char *const countries[] = {"BE", "NL", "DE", "fr"};
static const char *const cities[] = {"Gent", "Antwerpen", "Utrecht", "Lille", "gent"};
static const char *const event_names[] = {"Email Opened", "Email Clicked", "Product Added",
                                          "Product Viewed", "Home"};
static const char *const event_types[] = {"track", "track", "page", "screen"};
static const char *const statuses[] = {"completed", "completed", "completed", "cancelled"};
static const char *const categories[] = {"bbq", "garden", "kitchen", "BBQ"};
static const char *const channels[] = {"email", "email", "sms"};
static const char *const purposes[] = {"", "", "newsletter", "promotions"};
static const char *const id_types[] = {"email", "phone", "loyalty_card"};
static const char *const tiers[] = {"gold", "silver", "Gold"};

/* A time around NOW: mostly the last 400 days, sometimes hours ago or a little ahead. */
static int64_t when(struct rng *r)
{
    switch (below(r, 8)) {
    case 0:
        return NOW - below(r, 48) * 3600000LL;
    case 1:
        return NOW + below(r, 3) * 3600000LL; /* a simulated clock a little ahead */
    default:
        return NOW - below(r, 400) * DAY - below(r, 86400) * 1000LL;
    }
}

/* One condition of the grammar; segments s0..s<nseg-1> may be referred to. */
static void gen_cond(struct rng *r, struct buf *b, int nseg)
{
    int n = below(r, 36);
    switch (n) {
    case 0:
        buf_addf(b, "country = \"%s\"", PICK(r, countries));
        break;
    case 1:
        buf_addf(b, "country != \"%s\"", PICK(r, countries));
        break;
    case 2:
        buf_addf(b, "country in (\"%s\", \"%s\")", PICK(r, countries), PICK(r, countries));
        break;
    case 3:
        buf_addf(b, "city not in (\"%s\")", PICK(r, cities));
        break;
    case 4:
        buf_addf(b, "city contains \"%c\"", "enat"[below(r, 4)]);
        break;
    case 5:
        buf_addf(b, "city starts_with \"%s\"", below(r, 2) ? "G" : "u");
        break;
    case 6:
        buf_adds(b, below(r, 2) ? "city is set" : "birth_date is not set");
        break;
    case 7:
        buf_addf(b, "order_count >= %d", below(r, 4));
        break;
    case 8:
        buf_addf(b, "total_spent > %d", below(r, 6) * 50);
        break;
    case 9:
        buf_addf(b, "event_count < %d", below(r, 5));
        break;
    case 10:
        buf_addf(b, "birth_date anniversary within %dd", 1 + below(r, 90));
        break;
    case 11:
        buf_addf(b, "last_order_at before %dd ago", 1 + below(r, 200));
        break;
    case 12:
        buf_addf(b, "last_event_at after %dd ago", 1 + below(r, 200));
        break;
    case 13:
        buf_addf(b, "last_visit_at within %dd", 1 + below(r, 60));
        break;
    case 14:
        buf_addf(b, "birth_date < \"%d-01-01\"", 1960 + below(r, 40));
        break;
    case 15:
        buf_adds(b, "created_at >= \"2026-06-01\"");
        break;
    case 16:
        buf_addf(b, "orders.count(within %dd) >= %d", 1 + below(r, 365), 1 + below(r, 3));
        break;
    case 17:
        buf_addf(b, "orders.sum(total, status != \"cancelled\") > %d", below(r, 8) * 40);
        break;
    case 18:
        buf_addf(b, "orders.avg(total) >= %d", below(r, 6) * 30);
        break;
    case 19:
        buf_addf(b, "orders.max(total, within %dd) > %d", 1 + below(r, 200), below(r, 5) * 40);
        break;
    case 20:
        buf_addf(b, "order_lines.any(category = \"%s\", within %dd)", PICK(r, categories),
                 1 + below(r, 200));
        break;
    case 21:
        buf_addf(b, "order_lines.sum(amount, category in (\"bbq\", \"garden\")) >= %d",
                 below(r, 5) * 25);
        break;
    case 22:
        buf_addf(b, "events.count(name = \"%s\", within %dd) = 0", PICK(r, event_names),
                 1 + below(r, 120));
        break;
    case 23:
        buf_addf(b, "events.any(name = \"%s\", within %dh)", PICK(r, event_names),
                 1 + below(r, 72));
        break;
    case 24:
        buf_adds(b, "events.none(type = \"page\")");
        break;
    case 25:
        buf_adds(b, "consent email");
        break;
    case 26:
        buf_adds(b, "consent email for \"newsletter\"");
        break;
    case 27:
        buf_adds(b, "consent sms");
        break;
    case 28:
        buf_addf(b, "has %s", PICK(r, id_types));
        break;
    case 29:
        buf_addf(b, "household.size >= %d", 2 + below(r, 2));
        break;
    case 30:
        buf_addf(b, "attributes.tier = \"%s\"", PICK(r, tiers));
        break;
    case 31:
        buf_addf(b, "attributes.age >= %d", 20 + below(r, 40));
        break;
    case 32:
        buf_addf(b, "sample %d%% seed %d", 5 + below(r, 60), below(r, 100));
        break;
    case 33:
    case 34:
        if (nseg > 0) {
            buf_addf(b, "segment \"s%d\"", below(r, nseg));
            break;
        }
        /* fallthrough */
    default:
        buf_addf(b, "segment \"lifecycle\" %s \"%s\"",
                 below(r, 3) ? "=" : "!=", sg_lifecycle_names[below(r, SG_LIFECYCLE_N)]);
        break;
    }
}

static void gen_rule(struct rng *r, struct buf *b, int nseg, int depth)
{
    int k = below(r, 10);
    if (depth >= 3 || k < 4) {
        gen_cond(r, b, nseg);
    } else if (k < 5) {
        buf_adds(b, "not ");
        buf_adds(b, "(");
        gen_rule(r, b, nseg, depth + 1);
        buf_adds(b, ")");
    } else {
        int n = 2 + below(r, 2);
        const char *op = k < 8 ? " and " : " or ";
        buf_adds(b, "(");
        for (int i = 0; i < n; i++) {
            if (i)
                buf_adds(b, op);
            gen_rule(r, b, nseg, depth + 1);
        }
        buf_adds(b, ")");
    }
}

/* ---- the workspace ------------------------------------------------------------------- */

struct def {
    char name[16];
    int64_t id;
    int nsubs;
    char *subs[8]; /* NULL for a rule segment's one "sub" */
    char *texts[8];
};

struct prop {
    struct rng r;
    uint64_t seed;
    struct testdb db;
    struct store *s;
    struct sg_engine *g;
    int64_t live[MAX_IDS]; /* live profile ids */
    int nlive;
    int64_t merged[MAX_IDS]; /* absorbed ids, still absorbed */
    int nmerged;
    int norders, nmessages;
    struct def defs[MAX_DEFS]; /* [0] lifecycle, then s0.. in creation order */
    int ndefs;
    int64_t now;
    char step[200]; /* the write just made, for messages */
};

static void must(struct prop *p, int rc, const char *what)
{
    if (rc)
        fail_msg("seed %llu, %s: %s (%s)", (unsigned long long)p->seed, what, err_name(rc),
                 store_last_error(p->s));
}

static int64_t any_live(struct prop *p)
{
    return p->live[below(&p->r, p->nlive)];
}

static void add_event(struct prop *p, int64_t pid, int64_t ts)
{
    char mid[32];
    snprintf(mid, sizeof(mid), "m%d", ++p->nmessages);
    struct store_event ev = {.profile_id = pid,
                             .source = below(&p->r, 3) ? "web" : "app",
                             .type = PICK(&p->r, event_types),
                             .name = PICK(&p->r, event_names),
                             .message_id = mid,
                             .ts = ts,
                             .received_at = ts};
    must(p, store_event_add(p->s, &ev), "store_event_add");
}

/* An order (new when ext is NULL) for pid; returns nothing, the id is o<n>. */
static void add_order(struct prop *p, int64_t pid, const char *ext)
{
    char own[32];
    if (!ext) {
        snprintf(own, sizeof(own), "o%d", ++p->norders);
        ext = own;
    }
    struct store_order_line lines[3];
    int nl = below(&p->r, 4);
    int64_t total = 0;
    for (int i = 0; i < nl; i++) {
        lines[i] = (struct store_order_line){.product_id = "p",
                                             .sku = "s",
                                             .name = "n",
                                             .category = PICK(&p->r, categories),
                                             .price_cents = 500 + below(&p->r, 10000),
                                             .quantity = 1 + below(&p->r, 3)};
        total += lines[i].price_cents * lines[i].quantity;
    }
    int64_t at = when(&p->r);
    struct store_order o = {.profile_id = pid,
                            .source = "shop",
                            .external_id = ext,
                            .status = PICK(&p->r, statuses),
                            .currency = "EUR",
                            .total_cents = nl ? total : 100 + below(&p->r, 20000),
                            .ordered_at = at,
                            .lines = lines,
                            .nlines = (size_t)nl};
    must(p, store_order_upsert(p->s, &o, p->now, NULL), "store_order_upsert");
}

static void set_consent(struct prop *p, int64_t pid, int64_t ts)
{
    struct store_consent c = {.profile_id = pid,
                              .channel = PICK(&p->r, channels),
                              .purpose = PICK(&p->r, purposes),
                              .status = below(&p->r, 3) ? "opted_in" : "opted_out",
                              .source = "test",
                              .ts = ts};
    must(p, store_consent_set(p->s, &c, p->now), "store_consent_set");
}

static void add_identity(struct prop *p, int64_t pid)
{
    char v[48];
    snprintf(v, sizeof(v), "v%llu", (unsigned long long)next_u64(&p->r));
    const char *type = PICK(&p->r, id_types);
    int rc = store_identity_add(p->s, type, v, strcmp(type, "loyalty_card") ? NULL : "shop", pid,
                                p->now, NULL);
    if (rc != ERR_EXISTS)
        must(p, rc, "store_identity_add");
}

static json_t *random_attributes(struct prop *p)
{
    switch (below(&p->r, 4)) {
    case 0:
        return json_pack("{s:s}", "tier", PICK(&p->r, tiers));
    case 1:
        return json_pack("{s:i}", "age", 18 + below(&p->r, 60));
    case 2:
        return json_pack("{s:s, s:i}", "tier", PICK(&p->r, tiers), "age", 18 + below(&p->r, 60));
    default:
        return NULL;
    }
}

static void random_fields(struct prop *p, const char *vals[PF_COUNT], char *birth, size_t cap)
{
    if (below(&p->r, 5))
        vals[PF_COUNTRY] = PICK(&p->r, countries);
    if (below(&p->r, 4))
        vals[PF_CITY] = PICK(&p->r, cities);
    if (below(&p->r, 3)) {
        snprintf(birth, cap, "%d-%02d-%02d", 1950 + below(&p->r, 55), 1 + below(&p->r, 12),
                 1 + below(&p->r, 28));
        vals[PF_BIRTH_DATE] = birth;
    }
}

static int64_t new_profile(struct prop *p, int64_t created)
{
    const char *vals[PF_COUNT] = {0};
    char birth[16];
    random_fields(p, vals, birth, sizeof(birth));
    json_t *attrs = random_attributes(p);
    int64_t id = 0;
    must(p, store_profile_insert(p->s, "web", vals, attrs, created, &id), "store_profile_insert");
    json_decref(attrs);
    p->live[p->nlive++] = id;
    for (int i = below(&p->r, 4); i > 0; i--)
        add_order(p, id, NULL);
    for (int i = below(&p->r, 6); i > 0; i--)
        add_event(p, id, when(&p->r));
    for (int i = below(&p->r, 3); i > 0; i--)
        set_consent(p, id, NOW - below(&p->r, 300) * DAY);
    for (int i = below(&p->r, 3); i > 0; i--)
        add_identity(p, id);
    return id;
}

static void begin(struct prop *p)
{
    struct errbuf e = {{0}, {0}};
    if (store_begin(p->s, &e))
        fail_msg("store_begin: %s", e.msg);
}

static void commit(struct prop *p)
{
    struct errbuf e = {{0}, {0}};
    if (store_commit(p->s, &e))
        fail_msg("store_commit: %s", e.msg);
}

static void build_workspace(struct prop *p)
{
    begin(p);
    for (int i = 0; i < PROFILES; i++)
        new_profile(p, NOW - below(&p->r, 700) * DAY);
    int64_t hh[MAX_IDS];
    for (int i = 0; i < p->nlive; i++)
        hh[i] = below(&p->r, 3) ? 0 : 1 + below(&p->r, 40);
    struct errbuf e = {{0}, {0}};
    must(p, store_households_set(p->s, p->live, hh, (size_t)p->nlive, &e), "households");
    commit(p);
}

/* Saves a segment; its texts stay in d for the recomputation. */
static void save_def(struct prop *p, struct def *d)
{
    json_t *in;
    if (d->subs[0]) {
        json_t *subs = json_array();
        for (int i = 0; i < d->nsubs; i++)
            json_array_append_new(subs,
                                  json_pack("{s:s, s:s}", "name", d->subs[i], "rule", d->texts[i]));
        in = json_pack("{s:o}", "subs", subs);
    } else {
        in = json_pack("{s:s}", "rule", d->texts[0]);
    }
    json_t *stored;
    const char *kind;
    bool timed;
    struct errbuf e = {{0}, {0}};
    if (sg_definition_check(in, &stored, &kind, &timed, &e))
        fail_msg("seed %llu: segment %s: %s", (unsigned long long)p->seed, d->name, e.msg);
    char *text = json_dumps(stored, JSON_COMPACT);
    begin(p);
    must(p, store_segment_create(p->s, d->name, kind, text, timed, NOW, &d->id),
         "store_segment_create");
    commit(p);
    free(text);
    json_decref(stored);
    json_decref(in);
}

static char *rule_text(struct prop *p, int nseg)
{
    struct buf b;
    buf_init(&b, 0);
    gen_rule(&p->r, &b, nseg, 0);
    return buf_detach(&b, NULL);
}

static void make_segments(struct prop *p)
{
    struct def *life = &p->defs[p->ndefs++];
    snprintf(life->name, sizeof(life->name), "lifecycle");
    assert_int_equal(store_segment_by_name(p->s, "lifecycle", &life->id), 0);
    life->nsubs = SG_LIFECYCLE_N;
    for (int i = 0; i < SG_LIFECYCLE_N; i++) {
        life->subs[i] = NULL;
        life->texts[i] = NULL;
    }
    for (int k = 0; k < SEGMENTS; k++) {
        struct def *d = &p->defs[p->ndefs++];
        snprintf(d->name, sizeof(d->name), "s%d", k);
        if (k % 4 == 3) { /* an exclusive segment */
            d->nsubs = 2 + below(&p->r, 2);
            for (int i = 0; i < d->nsubs; i++) {
                char sub[16];
                snprintf(sub, sizeof(sub), "sub%d", i);
                d->subs[i] = strdup(sub);
                d->texts[i] = rule_text(p, k);
            }
        } else {
            d->nsubs = 1;
            d->texts[0] = rule_text(p, k);
        }
        save_def(p, d);
    }
}

/* ---- the recomputation -------------------------------------------------------------------- */

/* One def's rules parsed again (the evaluator caches text numbers on the nodes, per world). */
struct parsed {
    struct sg_rule *rules[MAX_DEFS][SG_MAX_SUBS];
    uint8_t state[MAX_DEFS]; /* of the profile being evaluated: 0 out, 1 + sub */
    const struct prop *p;
};

static const char *def_text(const struct def *d, int i)
{
    return d->texts[i];
}

static int member_cb(void *ctx, const char *segment, uint32_t slot, const char **sub)
{
    (void)slot; /* the states are the current profile's, computed in creation order */
    struct parsed *ps = ctx;
    for (int k = 0; k < ps->p->ndefs; k++) {
        const struct def *d = &ps->p->defs[k];
        if (strcasecmp(d->name, segment))
            continue;
        if (!ps->state[k])
            return 0;
        *sub = k == 0       ? sg_lifecycle_names[ps->state[k] - 1]
               : d->subs[0] ? d->subs[ps->state[k] - 1]
                            : NULL;
        return 1;
    }
    return -1;
}

/* "id:sub" lines, sorted, per def: what the engine recorded, and what it should have. */
struct members {
    struct buf b[MAX_DEFS];
};

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines (one per member, "\n"-ended) sorted in place. */
static void sort_lines(struct buf *b)
{
    if (!b->len)
        return;
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->ptr[i] == '\n';
    char **lines = calloc(n, sizeof(*lines));
    char *copy = strdup(b->ptr);
    size_t k = 0;
    char *t = copy;
    while (k < n) {
        char *end = strchr(t, '\n');
        if (!end)
            break;
        *end = '\0';
        lines[k++] = t;
        t = end + 1;
    }
    qsort(lines, k, sizeof(*lines), cmp_line);
    buf_reset(b);
    for (size_t i = 0; i < k; i++)
        buf_addf(b, "%s\n", lines[i]);
    free(lines);
    free(copy);
}

static void expected(struct prop *p, int64_t now, struct members *m)
{
    struct errbuf e = {{0}, {0}};
    struct sg_world *w = sg_world_new();
    if (sg_world_load(w, p->s, &e))
        fail_msg("sg_world_load: %s", e.msg);
    struct parsed ps = {.p = p};
    for (int k = 0; k < p->ndefs; k++) {
        for (int i = 0; i < p->defs[k].nsubs; i++) {
            const char *text = k == 0 ? sg_lifecycle_rules[i] : def_text(&p->defs[k], i);
            struct sg_error err;
            if (sg_parse(text, &ps.rules[k][i], &err))
                fail_msg("%s: %s", text, err.msg);
        }
    }
    struct sg_ctx c = {
        .world = w, .now = now, .today = sg_today(now, 0), .member = member_cb, .member_ctx = &ps};
    for (int k = 0; k < p->ndefs; k++)
        buf_init(&m->b[k], 0);
    for (uint32_t slot = 0; slot < sg_world_slots(w); slot++) {
        const struct sg_prof *pr = sg_world_prof(w, slot);
        if (!pr->live)
            continue;
        for (int k = 0; k < p->ndefs; k++) {
            ps.state[k] = 0;
            for (int i = 0; i < p->defs[k].nsubs && !ps.state[k]; i++)
                if (sg_eval(ps.rules[k][i], &c, slot))
                    ps.state[k] = (uint8_t)(i + 1);
            if (!ps.state[k])
                continue;
            const char *sub = k == 0               ? sg_lifecycle_names[ps.state[k] - 1]
                              : p->defs[k].subs[0] ? p->defs[k].subs[ps.state[k] - 1]
                                                   : "-";
            buf_addf(&m->b[k], "%lld:%s\n", (long long)pr->id, sub);
        }
    }
    for (int k = 0; k < p->ndefs; k++) {
        sort_lines(&m->b[k]);
        for (int i = 0; i < p->defs[k].nsubs; i++)
            sg_rule_free(ps.rules[k][i]);
    }
    sg_world_free(w);
}

static int on_member(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    (void)since;
    buf_addf(ctx, "%lld:%s\n", (long long)profile_id, sub ? sub : "-");
    return 0;
}

static void recorded(struct prop *p, struct members *m)
{
    for (int k = 0; k < p->ndefs; k++) {
        buf_init(&m->b[k], 0);
        must(p, store_segment_members(p->s, p->defs[k].id, 0, 0, on_member, &m->b[k]),
             "store_segment_members");
        sort_lines(&m->b[k]);
    }
}

static void members_release(struct prop *p, struct members *m)
{
    for (int k = 0; k < p->ndefs; k++)
        buf_release(&m->b[k]);
}

/* Appends to ids the profile of every line of a that b lacks. */
static void missing_ids(const struct buf *a, const struct buf *b, int64_t *ids, int *n, int cap)
{
    struct buf hay;
    buf_init(&hay, 0);
    buf_addf(&hay, "\n%s", b->ptr ? b->ptr : "");
    for (const char *line = a->ptr; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        char probe[80];
        snprintf(probe, sizeof(probe), "\n%.*s", (int)len, line);
        if (!strstr(hay.ptr, probe) && *n < cap)
            ids[(*n)++] = strtoll(line, NULL, 10);
        line = end ? end + 1 : NULL;
    }
    buf_release(&hay);
}

/* Where the engine and the recomputation disagree: per segment, the profiles. */
struct diff {
    int64_t ids[MAX_DEFS][16];
    int n[MAX_DEFS];
    int total;
};

/* Compares the recorded members with a recomputation at now; false when they differ. */
static bool compare(struct prop *p, int64_t now, struct diff *d)
{
    struct members want, got;
    expected(p, now, &want);
    recorded(p, &got);
    memset(d, 0, sizeof(*d));
    for (int k = 0; k < p->ndefs; k++) {
        missing_ids(&want.b[k], &got.b[k], d->ids[k], &d->n[k], 16);
        missing_ids(&got.b[k], &want.b[k], d->ids[k], &d->n[k], 16);
        d->total += d->n[k];
        if (d->n[k])
            continue;
        int64_t count = -1, lines = 0;
        for (size_t i = 0; i < got.b[k].len; i++)
            lines += got.b[k].ptr[i] == '\n';
        if (sg_engine_count(p->g, p->defs[k].id, &count) || count != lines) {
            print_error("seed %llu (%s): segment %s: the engine holds %lld members, the store "
                        "%lld\n",
                        (unsigned long long)p->seed, p->step, p->defs[k].name, (long long)count,
                        (long long)lines);
            d->total++;
        }
    }
    members_release(p, &want);
    members_release(p, &got);
    return d->total == 0;
}

static void print_diff(struct prop *p, const struct diff *d, int k, const char *what)
{
    struct buf msg;
    buf_init(&msg, 0);
    for (int i = 0; i < d->n[k]; i++)
        buf_addf(&msg, "%s%lld", i ? ", " : "", (long long)d->ids[k][i]);
    for (int i = 0; i < p->defs[k].nsubs; i++)
        buf_addf(&msg, "\n    %s: %s", p->defs[k].subs[0] ? p->defs[k].subs[i] : "rule",
                 k == 0 ? sg_lifecycle_rules[i] : def_text(&p->defs[k], i));
    print_message("seed %llu, %s: segment %s differs from a full recomputation for profiles %s\n",
                  (unsigned long long)p->seed, what, p->defs[k].name, msg.ptr);
    buf_release(&msg);
}

/* ---- the writes ------------------------------------------------------------------------- */

static void remove_live(struct prop *p, int64_t id)
{
    for (int i = 0; i < p->nlive; i++)
        if (p->live[i] == id) {
            p->live[i] = p->live[--p->nlive];
            return;
        }
}

/* One random write; the profiles it touched into ids (returns how many). */
static int random_write(struct prop *p, int64_t *ids)
{
    int64_t a = any_live(p), b;
    int kind = below(&p->r, 20);
    switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
        add_event(p, a, below(&p->r, 2) ? p->now - below(&p->r, 3600) * 1000LL : when(&p->r));
        snprintf(p->step, sizeof(p->step), "event for %lld", (long long)a);
        break;
    case 4:
    case 5:
    case 6:
        add_order(p, a, NULL);
        snprintf(p->step, sizeof(p->step), "new order for %lld", (long long)a);
        break;
    case 7: /* an order changed (status, total, time, lines), maybe moving: see order_write */
        return p->norders ? -1 : 0;
    case 8: /* a refund: see order_write */
        return p->norders ? -2 : 0;
    case 9:
    case 10:
    case 11:
        set_consent(p, a, p->now + below(&p->r, 1000));
        snprintf(p->step, sizeof(p->step), "consent change for %lld", (long long)a);
        break;
    case 12:
        add_identity(p, a);
        snprintf(p->step, sizeof(p->step), "identity for %lld", (long long)a);
        break;
    case 13:
    case 14: {
        const char *vals[PF_COUNT] = {0};
        char birth[16];
        random_fields(p, vals, birth, sizeof(birth));
        json_t *attrs = random_attributes(p);
        must(p, store_profile_update(p->s, a, vals, attrs, p->now), "store_profile_update");
        json_decref(attrs);
        snprintf(p->step, sizeof(p->step), "golden fields of %lld", (long long)a);
        break;
    }
    case 15:
        a = new_profile(p, p->now);
        snprintf(p->step, sizeof(p->step), "new profile %lld", (long long)a);
        break;
    case 16:
    case 17:
        if (p->nlive < 3)
            return 0;
        do
            b = any_live(p);
        while (b == a);
        must(p, store_profile_merge(p->s, a, b, "test", "{}", 1.0, p->now), "store_profile_merge");
        remove_live(p, b);
        p->merged[p->nmerged++] = b;
        ids[0] = a;
        ids[1] = b;
        snprintf(p->step, sizeof(p->step), "merge of %lld into %lld", (long long)b, (long long)a);
        return 2;
    default: {
        if (!p->nmerged)
            return 0;
        int i = below(&p->r, p->nmerged);
        b = p->merged[i];
        struct store_unmerge out;
        struct errbuf e = {{0}, {0}};
        int rc = store_profile_unmerge(p->s, b, p->now, &out, &e);
        if (rc == ERR_NOT_FOUND) { /* merged again through a nested merge's undoing */
            p->merged[i] = p->merged[--p->nmerged];
            return 0;
        }
        must(p, rc, "store_profile_unmerge");
        p->merged[i] = p->merged[--p->nmerged];
        p->live[p->nlive++] = b;
        ids[0] = out.survivor;
        ids[1] = b;
        snprintf(p->step, sizeof(p->step), "unmerge of %lld from %lld", (long long)b,
                 (long long)out.survivor);
        return 2;
    }
    }
    ids[0] = a;
    return 1;
}

/* The profile an order belongs to now (committed: orders are written in earlier steps). */
static int64_t order_owner(struct prop *p, const char *ext)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT profile_id FROM orders WHERE source = 'shop' AND external_id = '%s'", ext);
    return testdb_sql_int(p->db.path, sql, 0);
}

/* kind -1: the order upserted again (maybe for another profile); -2: refunded. */
static int order_write(struct prop *p, int kind, int64_t *ids)
{
    char ext[32];
    snprintf(ext, sizeof(ext), "o%d", 1 + below(&p->r, p->norders));
    int64_t owner = order_owner(p, ext);
    if (owner <= 0)
        return 0;
    if (kind == -1) {
        int64_t to = below(&p->r, 3) ? owner : any_live(p);
        add_order(p, to, ext);
        ids[0] = to;
        ids[1] = owner;
        snprintf(p->step, sizeof(p->step), "order %s changed, owner %lld -> %lld", ext,
                 (long long)owner, (long long)to);
        return to == owner ? 1 : 2;
    }
    must(p, store_order_refund(p->s, owner, "shop", ext, 100 + below(&p->r, 5000), p->now, p->now),
         "store_order_refund");
    ids[0] = owner;
    snprintf(p->step, sizeof(p->step), "refund of %s for %lld", ext, (long long)owner);
    return 1;
}

/* ---- the run ---------------------------------------------------------------------------- */

/*
 * Known bugs, reported but tolerated (RONDO_PROPERTY_STRICT=1 fails on them
 * too); after one, a full pass repairs the members and the run goes on:
 *   HOUSEHOLD: a write that changes who lives in a household (a merge, an
 *     unmerge, a new profile) changes household.size for the household's
 *     other members, which no pass over the touched profiles re-evaluates;
 *   REFERENCE: the scheduled pass re-evaluates only segments whose own rules
 *     read the time, not those that refer to such a segment (the lifecycle),
 *     whose members then lag behind.
 */
enum { HOUSEHOLD, REFERENCE, NKNOWN };
static const char *const known_names[NKNOWN] = {
    "household co-members not re-evaluated",
    "segments referring to a time-relative segment skipped by the scheduled pass",
};

static int64_t household_of(struct prop *p, int64_t id)
{
    int64_t hh = testdb_sql_int(p->db.path,
                                "SELECT coalesce(household_id, 0) FROM profiles "
                                "WHERE id = ?1",
                                id);
    return hh > 0 ? hh : 0;
}

/* Whether profile id shares a household with one of the touched ones. */
static bool household_mate(struct prop *p, int64_t id, const int64_t *touched, int n)
{
    int64_t hh = household_of(p, id);
    for (int i = 0; hh && i < n; i++)
        if (touched[i] == id)
            return false;
    for (int i = 0; hh && i < n; i++)
        if (household_of(p, touched[i]) == hh)
            return true;
    return false;
}

/*
 * Whether def k's lag is the scheduled pass's: it reads the time only through
 * another segment, or it refers to a segment that lags itself.
 */
static bool lags_by_reference(const struct prop *p, const struct diff *d, int k)
{
    bool timed = false, refers = false;
    for (int i = 0; k > 0 && i < p->defs[k].nsubs; i++) {
        const char *text = def_text(&p->defs[k], i);
        struct sg_rule *r;
        struct sg_error err;
        if (sg_parse(text, &r, &err))
            return false;
        timed = timed || r->time_relative;
        refers = refers || strstr(text, "segment \"");
        sg_rule_free(r);
        for (int j = 0; j < p->ndefs; j++) {
            char ref[32];
            snprintf(ref, sizeof(ref), "segment \"%s\"", p->defs[j].name);
            if (j != k && d->n[j] && strstr(text, ref))
                return true;
        }
    }
    return refers && !timed;
}

/*
 * After a write (touched[0..n)) or the scheduled pass (n < 0): true when
 * the members agree or differ only by a known bug (counted, then repaired).
 */
static bool check(struct prop *p, const int64_t *touched, int n, int *known, const char *when_s)
{
    struct diff d;
    if (compare(p, p->now, &d))
        return true;
    bool strict = getenv("RONDO_PROPERTY_STRICT") != NULL;
    bool explained = !strict;
    int kinds[NKNOWN] = {0};
    for (int k = 0; k < p->ndefs; k++) {
        if (!d.n[k])
            continue;
        bool seg_ok = true;
        for (int i = 0; i < d.n[k]; i++) {
            if (n >= 0 && household_mate(p, d.ids[k][i], touched, n))
                kinds[HOUSEHOLD] = 1;
            else if (n < 0 && lags_by_reference(p, &d, k))
                kinds[REFERENCE] = 1;
            else
                seg_ok = false;
        }
        if (!seg_ok || strict) {
            print_error("seed %llu, %s (%s):\n", (unsigned long long)p->seed, when_s, p->step);
            print_diff(p, &d, k, when_s);
            explained = false;
        }
    }
    int listed = 0;
    for (int k = 0; k < p->ndefs; k++)
        listed += d.n[k];
    if (listed != d.total || !explained)
        return false;
    for (int i = 0; i < NKNOWN; i++)
        known[i] += kinds[i];
    /* repaired by a full pass, so that later steps are judged on their own */
    struct sg_pass st;
    struct errbuf e = {{0}, {0}};
    begin(p);
    must(p, sg_engine_pass(p->g, p->s, NULL, 0, false, p->now, &st, &e), "repairing pass");
    commit(p);
    return compare(p, p->now, &d);
}

static void run(uint64_t seed, int steps, int *known)
{
    struct prop *p = calloc(1, sizeof(*p));
    p->seed = seed;
    p->r.s = seed * 0x9E3779B97F4A7C15ULL + 1;
    p->now = NOW;
    assert_int_equal(testdb_open_store(&p->db, &p->s), 0);
    struct errbuf e = {{0}, {0}};
    build_workspace(p);
    /* the engine seeds the lifecycle segment; the others are saved after it */
    assert_int_equal(sg_engine_open(p->s, &p->g, &e), 0);
    sg_engine_free(p->g);
    make_segments(p);
    assert_int_equal(sg_engine_open(p->s, &p->g, &e), 0);
    struct sg_pass st;
    begin(p);
    must(p, sg_engine_pass(p->g, p->s, NULL, 0, false, p->now, &st, &e), "full pass");
    commit(p);
    snprintf(p->step, sizeof(p->step), "the first full pass");
    struct diff d;
    bool ok = compare(p, p->now, &d);
    if (!ok)
        print_error("seed %llu: the first full pass differs from sg_eval\n",
                    (unsigned long long)seed);

    /* the writes all happen at p->now: only the writes change what is due */
    int64_t t0 = clock_mono_us();
    int done = 0;
    for (int i = 0; ok && i < steps; i++) {
        int64_t ids[4];
        begin(p);
        int n = random_write(p, ids);
        if (n < 0)
            n = p->norders ? order_write(p, n, ids) : 0;
        if (n > 0) {
            int rc = sg_engine_pass(p->g, p->s, ids, (size_t)n, false, p->now, &st, &e);
            if (rc)
                fail_msg("seed %llu, step %d (%s): sg_engine_pass: %s", (unsigned long long)seed, i,
                         p->step, e.msg);
        }
        commit(p);
        if (n <= 0)
            continue;
        done++;
        char at[32];
        snprintf(at, sizeof(at), "step %d", i);
        ok = check(p, ids, n, known, at);
    }
    /* time passes: the scheduled pass brings the time-relative segments up to date */
    for (int days = 1; ok && days <= 64; days *= 4) {
        p->now += days * DAY;
        snprintf(p->step, sizeof(p->step), "the scheduled pass %d days later", days);
        begin(p);
        must(p, sg_engine_pass(p->g, p->s, NULL, 0, true, p->now, &st, &e), "time-only pass");
        commit(p);
        ok = check(p, NULL, -1, known, p->step);
    }
    print_message("seed %llu: %d writes and 4 scheduled passes checked in %.2f s\n",
                  (unsigned long long)seed, done, (double)(clock_mono_us() - t0) / 1e6);
    sg_engine_free(p->g);
    for (int k = 0; k < p->ndefs; k++)
        for (int i = 0; i < p->defs[k].nsubs; i++) {
            free(p->defs[k].subs[i]);
            free(p->defs[k].texts[i]);
        }
    testdb_close_store(&p->db, p->s);
    free(p);
    if (!ok)
        fail_msg("seed %llu: the incremental membership differs from a full recomputation",
                 (unsigned long long)seed);
}

static void test_incremental_equals_full(void **state)
{
    (void)state;
    int known[NKNOWN] = {0};
    int64_t t0 = clock_mono_us();
    const char *env = getenv("RONDO_PROPERTY_SEED");
    if (env)
        run(strtoull(env, NULL, 10), STEPS, known);
    else
        for (uint64_t seed = 1; seed <= SEEDS; seed++)
            run(seed, STEPS, known);
    for (int i = 0; i < NKNOWN; i++)
        if (known[i])
            print_message("known bug, still there: %s (%d times)\n", known_names[i], known[i]);
    print_message("%.2f s\n", (double)(clock_mono_us() - t0) / 1e6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incremental_equals_full),
    };
    return cmocka_run_group_tests_name("segment_property", tests, NULL, NULL);
}
