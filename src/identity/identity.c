/*
 * identity.c — identity resolution's writes and reads on a workspace
 * (identity.h): a pass's merges with their evidence, survivorship, the
 * review queue, the blocking index, households, real-time matching of one
 * record, unmerge, review decisions and explanations.
 *
 * Merges always keep the older profile (the smaller id) and absorb the
 * younger one, so ids that users have seen tend to stay live.
 */
#include "identity/identity.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "identity/household.h"
#include "identity/survive.h"

#define COMMIT_EVERY 20000 /* merges or rows per transaction in identity_apply */
#define RT_MAX_BUCKET 200  /* real time skips keys shared by more records (as the pass) */

static const char *const rule_names[] = {[RESOLVE_EMAIL] = "email", [RESOLVE_MATCH] = "match"};

/* A store failure, with the database's own message. */
static int dberr(struct store *s, struct errbuf *e, const char *what)
{
    return err_set(e, ERR_DB, "%s: %s", what, store_last_error(s));
}

/* ---- settings ------------------------------------------------------------ */

static void rules_load(struct store *s, struct survive_rules *r)
{
    survive_rules_default(r);
    char *text = NULL;
    if (store_setting_get(s, IDENTITY_SETTING_SURVIVORSHIP, &text))
        return;
    json_t *j = json_loads(text, 0, NULL);
    struct survive_rules tmp;
    if (j && survive_rules_from_json(&tmp, j, NULL) == 0)
        *r = tmp;
    json_decref(j);
    free(text);
}

/* The model and the thresholds of a full resolve, as the setting keeps them. */
static char *model_to_text(const struct fs_model *m, double merge_at, double review_at)
{
    json_t *o = json_object(), *jm = json_array(), *ju = json_array();
    for (int f = 0; f < m->nfields; f++) {
        json_t *rm = json_array(), *ru = json_array();
        for (int l = 0; l < m->nlevels[f]; l++) {
            json_array_append_new(rm, json_real(m->m[f][l]));
            json_array_append_new(ru, json_real(m->u[f][l]));
        }
        json_array_append_new(jm, rm);
        json_array_append_new(ju, ru);
    }
    json_object_set_new(o, "prior", json_real(m->prior));
    json_object_set_new(o, "merge_at", json_real(merge_at));
    json_object_set_new(o, "review_at", json_real(review_at));
    json_object_set_new(o, "m", jm);
    json_object_set_new(o, "u", ju);
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

/*
 * The model the last full resolve estimated, and its thresholds; false (and
 * the starting model, the default thresholds) before any: its weights would
 * be guesses.
 */
static bool model_load(struct store *s, struct fs_model *m, double *merge_at, double *review_at)
{
    fs_model_init(m, pair_nlevels, PAIR_NFIELDS);
    *merge_at = RESOLVE_MERGE_AT;
    *review_at = RESOLVE_REVIEW_AT;
    char *text = NULL;
    if (store_setting_get(s, IDENTITY_SETTING_MODEL, &text))
        return false;
    bool loaded = false;
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    json_t *jm = json_object_get(o, "m"), *ju = json_object_get(o, "u");
    if (json_array_size(jm) == PAIR_NFIELDS && json_array_size(ju) == PAIR_NFIELDS) {
        struct fs_model t = *m;
        bool ok = true;
        for (int f = 0; f < PAIR_NFIELDS && ok; f++) {
            json_t *rm = json_array_get(jm, (size_t)f), *ru = json_array_get(ju, (size_t)f);
            ok = json_array_size(rm) == (size_t)t.nlevels[f] &&
                 json_array_size(ru) == (size_t)t.nlevels[f];
            for (int l = 0; ok && l < t.nlevels[f]; l++) {
                t.m[f][l] = json_real_value(json_array_get(rm, (size_t)l));
                t.u[f][l] = json_real_value(json_array_get(ru, (size_t)l));
                ok = t.m[f][l] > 0 && t.u[f][l] > 0;
            }
        }
        t.prior = json_real_value(json_object_get(o, "prior"));
        if (ok && t.prior > 0 && t.prior < 1) {
            *m = t;
            loaded = true;
            double ma = json_number_value(json_object_get(o, "merge_at"));
            double ra = json_number_value(json_object_get(o, "review_at"));
            if (ma > 0 && ma <= 1)
                *merge_at = ma;
            if (ra > 0 && ra <= 1)
                *review_at = ra;
        }
    }
    json_decref(o);
    return loaded;
}

/* ---- evidence ------------------------------------------------------------- */

static void address_text(const struct match_rec *m, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s%s%s%s", m->street ? m->street : "",
             m->house_number ? " " : "", m->house_number ? m->house_number : "",
             m->postal_code || m->city ? ", " : "", m->postal_code ? m->postal_code : "",
             m->postal_code && m->city ? " " : "", m->city ? m->city : "");
}

static const char *field_text(const struct match_rec *m, int f, char *buf, size_t cap)
{
    switch (f) {
    case PAIR_FIRST_NAME: return m->first_name;
    case PAIR_LAST_NAME: return m->last_name;
    case PAIR_BIRTH_DATE: return m->birth_date;
    case PAIR_GENDER: return m->gender;
    case PAIR_EMAIL: return m->email;
    case PAIR_PHONE: return m->phone;
    case PAIR_ADDRESS: address_text(m, buf, cap); return *buf ? buf : NULL;
    }
    return NULL;
}

static json_t *side(int64_t raw_id, const char *source, const char *external_id)
{
    return json_pack("{s:I, s:s?, s:s?}", "raw_id", (json_int_t)raw_id, "source", source,
                     "external_id", external_id);
}

/* The evidence of a link as JSON text (caller frees): rule, score, both records, each field. */
static char *evidence_text(const struct fs_model *model, const struct resolve_link *l,
                           const char *rule)
{
    int8_t g[PAIR_NFIELDS];
    pair_compare(l->a, l->b, g);
    json_t *fields = json_array();
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        char ba[256], bb[256];
        const char *va = field_text(l->a, f, ba, sizeof(ba));
        const char *vb = field_text(l->b, f, bb, sizeof(bb));
        json_t *o = json_pack("{s:s, s:s?, s:s?}", "field", pair_field_name(f), "a", va, "b", vb);
        if (g[f] >= 0) {
            double w = log2(model->m[f][g[f]] / model->u[f][g[f]]);
            json_object_set_new(o, "level", json_string(pair_level_name(f, g[f])));
            json_object_set_new(o, "weight", json_real(round(w * 100) / 100));
        } else {
            json_object_set_new(o, "level", json_string("missing"));
            json_object_set_new(o, "weight", json_real(0));
        }
        json_array_append_new(fields, o);
    }
    json_t *ev = json_pack("{s:s, s:f, s:o, s:o, s:o}", "rule", rule, "score",
                           round(l->p * 1e6) / 1e6, "a",
                           side(l->raw_a, l->source_a, l->external_id_a), "b",
                           side(l->raw_b, l->source_b, l->external_id_b), "fields", fields);
    char *t = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    return t;
}

/* ---- survivorship --------------------------------------------------------- */

struct golden_ctx {
    struct arena mem;
    struct survive_rec *recs;
    size_t n, cap;
};

static int on_profile_record(void *ctx, int64_t raw_id, const char *source, int64_t received_at,
                             const char *cleaned)
{
    struct golden_ctx *g = ctx;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->recs = xrealloc(g->recs, g->cap * sizeof(*g->recs));
    }
    struct survive_rec *r = &g->recs[g->n++];
    memset(r, 0, sizeof(*r));
    r->raw_id = raw_id;
    r->source = arena_strdup(&g->mem, source);
    r->received_at = received_at;
    json_t *o = cleaned ? json_loads(cleaned, 0, NULL) : NULL;
    for (int f = 0; o && f < PF_COUNT; f++) {
        const char *v = json_string_value(json_object_get(o, profile_field_name((enum profile_field)f)));
        r->vals[f] = v && *v ? arena_strdup(&g->mem, v) : NULL;
    }
    json_decref(o);
    return 0;
}

static int golden(struct store *s, const struct survive_rules *rules, int64_t pid, int64_t now)
{
    struct golden_ctx g = {0};
    arena_init(&g.mem, 0);
    int rc = store_profile_records(s, pid, on_profile_record, &g);
    if (!rc && g.n) {
        const char *vals[PF_COUNT];
        int64_t from[PF_COUNT];
        survive_choose(rules, g.recs, g.n, vals, from);
        json_t *src = json_object();
        for (int f = 0; f < PF_COUNT; f++)
            if (from[f])
                json_object_set_new(src, profile_field_name((enum profile_field)f),
                                    json_integer(from[f]));
        char *t = json_dumps(src, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(src);
        rc = store_profile_set_golden(s, pid, vals, t, now);
        free(t);
    }
    arena_release(&g.mem);
    free(g.recs);
    return rc;
}

int identity_recompute_golden(struct store *s, int64_t profile_id, int64_t now, struct errbuf *e)
{
    struct survive_rules rules;
    rules_load(s, &rules);
    int rc = golden(s, &rules, profile_id, now);
    return rc ? dberr(s, e, "choosing the golden record") : 0;
}

/* ---- households ----------------------------------------------------------- */

struct hh_ctx {
    struct arena mem;
    struct household_rec *recs;
    size_t n, cap;
};

static const char *dup(struct arena *a, const char *v)
{
    return v ? arena_strdup(a, v) : NULL;
}

static int on_profile(void *ctx, int64_t id, const char *const v[PF_COUNT])
{
    struct hh_ctx *h = ctx;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 4096;
        h->recs = xrealloc(h->recs, h->cap * sizeof(*h->recs));
    }
    struct arena *a = &h->mem;
    h->recs[h->n++] = (struct household_rec){
        id, dup(a, v[PF_LAST_NAME]), dup(a, v[PF_PHONE]), dup(a, v[PF_EMAIL]),
        dup(a, v[PF_STREET]), dup(a, v[PF_HOUSE_NUMBER]), dup(a, v[PF_POSTAL_CODE]),
        dup(a, v[PF_COUNTRY]),
    };
    return 0;
}

static int households(struct store *s, struct identity_written *w, struct errbuf *e)
{
    struct hh_ctx h = {0};
    arena_init(&h.mem, (size_t)1 << 34);
    int rc = store_profiles_each(s, on_profile, &h, e);
    if (!rc) {
        int64_t *hh = xcalloc(h.n + 1, sizeof(*hh)), *ids = xmalloc((h.n + 1) * sizeof(*ids));
        w->households = (int64_t)household_assign(h.recs, h.n, hh);
        for (size_t i = 0; i < h.n; i++) {
            ids[i] = h.recs[i].profile_id;
            w->profiles_in_households += hh[i] != 0;
        }
        rc = store_households_set(s, ids, hh, h.n, e);
        free(hh);
        free(ids);
    }
    arena_release(&h.mem);
    free(h.recs);
    return rc;
}

/* ---- applying a pass ------------------------------------------------------ */

static double secs_since(int64_t t0)
{
    return (double)(clock_mono_us() - t0) / 1e6;
}

/* Commit and open the next transaction every COMMIT_EVERY steps. */
static int step(struct store *s, int64_t *count, struct errbuf *e)
{
    if (++*count % COMMIT_EVERY)
        return 0;
    int rc = store_commit(s, e);
    return rc ? rc : store_begin(s, e);
}

static int int64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static void progress(const struct resolve_opts *o, const char *stage, int64_t done, int64_t total)
{
    if (o && o->progress)
        o->progress(o->ctx, stage, done, total);
}

/* The blocking index as rows, gathered from the pass to be written in key order. */
struct key_row {
    int64_t key, raw_id; /* the key as SQLite orders it: signed */
};

struct keys_ctx {
    struct key_row *rows;
    size_t n, cap;
};

/*
 * A record's keys in the blocking index: the pass's blocking keys and its
 * e-mail addresses, so that real time finds every deterministic link too.
 */
/*
 * The key of an e-mail address: of its lower-case form, since the e-mail
 * identity is the address in lower case (cleaning keeps the local part as
 * written): Ann.Wouters@x.be and ann.wouters@x.be are one person's.
 */
static uint64_t email_key(const char *email)
{
    char low[320];
    size_t n = strlen(email);
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)email[i]);
    return str_fnv1a(STR_FNV1A_INIT ^ 0x656d61696cULL, low, n);
}

static int index_keys(const struct match_rec *m, const char *email_alt, uint64_t keys[KEY_MAX + 2])
{
    int n = resolve_keys(m, keys);
    const char *em[2] = {m->email, email_alt};
    for (int i = 0; i < 2; i++)
        if (em[i] && *em[i])
            keys[n++] = email_key(em[i]);
    return n;
}

static void on_record_keys(void *ctx, int64_t raw_id, const struct match_rec *m,
                           const char *email_alt)
{
    struct keys_ctx *k = ctx;
    uint64_t keys[KEY_MAX + 2];
    int n = index_keys(m, email_alt, keys);
    if (k->n + (size_t)n > k->cap) {
        k->cap = k->cap ? k->cap * 2 : 1 << 16;
        k->rows = xrealloc(k->rows, k->cap * sizeof(*k->rows));
    }
    for (int i = 0; i < n; i++)
        k->rows[k->n++] = (struct key_row){(int64_t)keys[i], raw_id};
}

static int key_row_cmp(const void *pa, const void *pb)
{
    const struct key_row *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->raw_id > b->raw_id) - (a->raw_id < b->raw_id);
}

/*
 * The blocking index, rebuilt: every record's keys, sorted, so that the
 * index's B-tree grows by appending (in record order, ten million random
 * inserts took a minute).
 */
static int write_index(struct store *s, const struct resolve *rv, const struct resolve_opts *o,
                       int64_t *nkeys, struct errbuf *e)
{
    int rc = store_match_keys_clear(s);
    if (rc)
        return dberr(s, e, "clearing the blocking index");
    struct keys_ctx k = {0};
    resolve_records(rv, on_record_keys, &k);
    if (k.n)
        qsort(k.rows, k.n, sizeof(*k.rows), key_row_cmp);
    int64_t count = 0;
    for (size_t i = 0; !rc && i < k.n; i++) {
        uint64_t key = (uint64_t)k.rows[i].key;
        rc = store_match_keys_set(s, k.rows[i].raw_id, &key, 1);
        if (!rc)
            rc = step(s, &count, e);
        if ((i & 0xffff) == 0)
            progress(o, "blocking index", (int64_t)i, (int64_t)k.n);
    }
    free(k.rows);
    *nkeys = (int64_t)k.n;
    return rc && !e->msg[0] ? dberr(s, e, "writing the blocking index") : rc;
}

static int64_t uf_find(int32_t *parent, int32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static size_t id_index(const int64_t *ids, size_t n, int64_t id)
{
    const int64_t *p = bsearch(&id, ids, n, sizeof(*ids), int64_cmp);
    if (!p)
        BUG("profile %lld missing from the index", (long long)id);
    return (size_t)(p - ids);
}

/*
 * The pass's links as one batch of merges: a union-find over the profiles
 * they touch, in the order the links were accepted, keeps the older profile
 * (smaller id) as each join's survivor, so the merge log is a tree and each
 * cluster ends in its oldest profile.
 */
static int apply_merges(struct store *s, const struct resolve *rv, const struct fs_model *model,
                        const struct resolve_opts *o, int64_t now, struct identity_written *w,
                        int64_t **touched, size_t *ntouched, struct errbuf *e)
{
    const struct resolve_link *links, *reviews;
    size_t n, nreviews;
    resolve_links(rv, &links, &n, &reviews, &nreviews);
    int64_t *ids = xmalloc((2 * n + 1) * sizeof(*ids));
    size_t nids = 0;
    for (size_t i = 0; i < n; i++) {
        ids[nids++] = links[i].profile_a;
        ids[nids++] = links[i].profile_b;
    }
    qsort(ids, nids, sizeof(*ids), int64_cmp);
    size_t u = 0;
    for (size_t i = 0; i < nids; i++)
        if (!u || ids[i] != ids[u - 1])
            ids[u++] = ids[i];
    nids = u;
    int32_t *parent = xmalloc((nids + 1) * sizeof(*parent));
    for (size_t i = 0; i < nids; i++)
        parent[i] = (int32_t)i; /* ids are sorted: the smaller index is the older profile */
    struct store_merge_item *items = xmalloc((n + 1) * sizeof(*items));
    size_t nitems = 0;
    progress(o, "merging", 0, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        int32_t a = (int32_t)uf_find(parent, (int32_t)id_index(ids, nids, links[i].profile_a));
        int32_t b = (int32_t)uf_find(parent, (int32_t)id_index(ids, nids, links[i].profile_b));
        if (a == b)
            continue;
        int32_t keep = a < b ? a : b, gone = a < b ? b : a;
        parent[gone] = keep;
        items[nitems++] = (struct store_merge_item){
            .survivor = ids[keep], .absorbed = ids[gone], .rule = rule_names[links[i].rule],
            .evidence = evidence_text(model, &links[i], rule_names[links[i].rule]),
            .score = links[i].p,
        };
    }
    *touched = xmalloc((nitems + 1) * sizeof(**touched));
    *ntouched = 0;
    for (size_t i = 0; i < nitems; i++) {
        items[i].root = ids[uf_find(parent, (int32_t)id_index(ids, nids, items[i].absorbed))];
        (*touched)[(*ntouched)++] = items[i].root;
    }
    int rc = store_profiles_merge_many(s, items, nitems, now, e);
    w->merges = rc ? 0 : (int64_t)nitems;
    for (size_t i = 0; i < nitems; i++)
        free((char *)items[i].evidence);
    free(items);
    free(parent);
    free(ids);
    if (rc)
        return rc;

    int64_t count = 0;
    rc = store_match_clear_pending(s);
    for (size_t i = 0; !rc && i < nreviews; i++) {
        int64_t pa, pb;
        if ((rc = store_profile_resolve(s, reviews[i].profile_a, &pa)) ||
            (rc = store_profile_resolve(s, reviews[i].profile_b, &pb)))
            break;
        if (pa == pb)
            continue; /* joined by other links */
        char *ev = evidence_text(model, &reviews[i], "review");
        rc = store_match_add(s, reviews[i].raw_a, reviews[i].raw_b, reviews[i].p, ev, now);
        free(ev);
        w->reviews++;
        if (!rc)
            rc = step(s, &count, e);
    }
    return rc ? dberr(s, e, "queueing pairs for review") : 0;
}

int identity_apply(struct store *s, const struct resolve *rv, const struct resolve_result *r,
                   const struct resolve_opts *o, struct identity_written *w, struct errbuf *e)
{
    memset(w, 0, sizeof(*w));
    int64_t now = clock_now(), t0 = clock_mono_us();
    int64_t *touched = NULL;
    size_t ntouched = 0;
    int rc = store_begin(s, e);
    if (rc)
        return rc;
    rc = apply_merges(s, rv, &r->model, o, now, w, &touched, &ntouched, e);
    w->seconds_merge = secs_since(t0);

    /* golden records of the survivors, once each */
    t0 = clock_mono_us();
    if (!rc) {
        struct survive_rules rules;
        rules_load(s, &rules);
        qsort(touched, ntouched, sizeof(*touched), int64_cmp);
        int64_t count = 0;
        for (size_t i = 0; !rc && i < ntouched; i++) {
            int64_t live;
            if (i && touched[i] == touched[i - 1])
                continue;
            if ((rc = store_profile_resolve(s, touched[i], &live)) || live != touched[i])
                continue; /* absorbed later in the pass: its survivor is in the list */
            rc = golden(s, &rules, touched[i], now);
            w->profiles_recomputed++;
            if (!rc)
                rc = step(s, &count, e);
            if ((i & 1023) == 0)
                progress(o, "golden records", (int64_t)i, (int64_t)ntouched);
        }
        if (rc && !e->msg[0])
            dberr(s, e, "choosing golden records");
    }
    free(touched);
    w->seconds_golden = secs_since(t0);

    /* the blocking index and the model, for real-time matching */
    t0 = clock_mono_us();
    if (!rc)
        rc = write_index(s, rv, o, &w->keys, e);
    if (!rc) {
        char *m = model_to_text(&r->model, r->merge_at, r->review_at);
        rc = store_setting_set(s, IDENTITY_SETTING_MODEL, m, now);
        free(m);
    }
    w->seconds_keys = secs_since(t0);

    t0 = clock_mono_us();
    if (!rc) {
        progress(o, "households", 0, 1);
        rc = households(s, w, e);
    }
    w->seconds_households = secs_since(t0);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

/* ---- one record, at once ---------------------------------------------------- */

struct rt_ctx {
    struct arena mem;
    const struct match_rec *m;
    const char *email_alt;
    int64_t profile_id;
    const struct fs_model *model;
    bool scored; /* a model estimated from this workspace's data exists */
    struct resolve_link best;
    struct match_rec best_rec;
    bool found;
};

static bool same_email(const struct match_rec *a, const char *a_alt, const struct match_rec *b,
                       const char *b_alt)
{
    const char *x[2] = {a->email, a_alt}, *y[2] = {b->email, b_alt};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            if (x[i] && y[j] && *x[i] && strcasecmp(x[i], y[j]) == 0)
                return true;
    return false;
}

static int on_candidate(void *ctx, int64_t raw_id, int64_t profile_id, const char *cleaned)
{
    struct rt_ctx *c = ctx;
    if (profile_id == c->profile_id)
        return 0;
    struct match_rec m;
    const char *alt;
    resolve_parse_record(&c->mem, cleaned, &m, &alt);
    if (pair_conflict(c->m, &m))
        return 0;
    int8_t g[PAIR_NFIELDS];
    pair_compare(c->m, &m, g);
    double p = c->scored ? fs_probability(c->model, g) : 0;
    enum resolve_rule rule = RESOLVE_MATCH;
    if (same_email(c->m, c->email_alt, &m, alt)) {
        p = 1.0;
        rule = RESOLVE_EMAIL;
    }
    if (!c->found || p > c->best.p || (p == c->best.p && profile_id < c->best.profile_b)) {
        c->best_rec = m;
        c->best = (struct resolve_link){.raw_b = raw_id, .profile_b = profile_id, .p = p,
                                        .rule = rule};
        c->found = true;
    }
    return 0;
}

int identity_match_record(struct store *s, int64_t raw_id, int64_t profile_id,
                          const char *cleaned, int64_t now, int64_t *merged_into,
                          struct errbuf *e)
{
    *merged_into = 0;
    struct errbuf mine = {{0}, {0}};
    if (!e)
        e = &mine; /* the caller wants the status only */
    struct rt_ctx c = {.profile_id = profile_id};
    arena_init(&c.mem, 0);
    struct match_rec m;
    resolve_parse_record(&c.mem, cleaned, &m, &c.email_alt);
    c.m = &m;
    struct fs_model model;
    double merge_at, review_at;
    c.scored = model_load(s, &model, &merge_at, &review_at);
    c.model = &model;
    uint64_t keys[KEY_MAX + 2];
    int n = index_keys(&m, c.email_alt, keys);
    int rc = store_match_keys_set(s, raw_id, keys, n);
    if (!rc)
        rc = store_match_candidates(s, raw_id, keys, n, RT_MAX_BUCKET, on_candidate, &c);
    if (rc) {
        arena_release(&c.mem);
        return dberr(s, e, "matching a record");
    }
    if (c.found && c.best.p >= review_at) {
        c.best.a = &m;
        c.best.b = &c.best_rec;
        c.best.raw_a = raw_id;
        c.best.profile_a = profile_id;
        int64_t survivor;
        rc = store_profile_resolve(s, c.best.profile_b, &survivor);
        if (!rc && c.best.p >= merge_at && survivor != profile_id) {
            char *ev = evidence_text(&model, &c.best, rule_names[c.best.rule]);
            int64_t keep = survivor < profile_id ? survivor : profile_id;
            int64_t gone = survivor < profile_id ? profile_id : survivor;
            rc = store_profile_merge(s, keep, gone, rule_names[c.best.rule], ev, c.best.p, now);
            free(ev);
            if (!rc)
                rc = identity_recompute_golden(s, keep, now, e);
            if (!rc)
                *merged_into = keep;
        } else if (!rc && survivor != profile_id) {
            char *ev = evidence_text(&model, &c.best, "review");
            rc = store_match_add(s, raw_id, c.best.raw_b, c.best.p, ev, now);
            free(ev);
        }
    }
    arena_release(&c.mem);
    return rc && !e->msg[0] ? dberr(s, e, "merging a matched record") : rc;
}

/* ---- unmerge, review, explain ---------------------------------------------- */

static json_t *unmerge_json(const struct store_unmerge *u)
{
    return json_pack("{s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:b}", "merge_id",
                     (json_int_t)u->merge_id, "survivor", (json_int_t)u->survivor, "absorbed",
                     (json_int_t)u->absorbed, "moved", "identities", (json_int_t)u->identities,
                     "raw_records", (json_int_t)u->raw_records, "events",
                     (json_int_t)u->events, "orders", (json_int_t)u->orders,
                     "consent_history", (json_int_t)u->consent_history, "tombstones",
                     (json_int_t)u->tombstones, "optouts_kept", (json_int_t)u->optouts_kept,
                     "survivor_restored", u->survivor_restored);
}

static int unmerge_one(struct store *s, int64_t absorbed, int64_t now, json_t *list,
                       struct errbuf *e)
{
    struct store_unmerge u;
    int rc = store_profile_unmerge(s, absorbed, now, &u, e);
    if (!rc && !u.survivor_restored)
        rc = identity_recompute_golden(s, u.survivor, now, e);
    if (!rc)
        json_array_append_new(list, unmerge_json(&u));
    return rc;
}

int identity_unmerge(struct store *s, int64_t profile_id, int64_t now, json_t **report,
                     struct errbuf *e)
{
    int64_t live;
    int rc = store_profile_resolve(s, profile_id, &live);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "profile %lld does not exist", (long long)profile_id);
    if (rc)
        return dberr(s, e, "finding the profile");
    json_t *list = json_array();
    if (live != profile_id) {
        rc = unmerge_one(s, profile_id, now, list, e);
    } else {
        int64_t ids[256];
        int n;
        if ((rc = store_profile_absorbed(s, profile_id, ids, 256, &n)))
            rc = dberr(s, e, "reading the merge log");
        else if (n == 0)
            rc = err_set(e, ERR_INVALID,
                         "profile %lld was never merged with another profile: nothing to undo",
                         (long long)profile_id);
        for (int i = 0; !rc && i < n && i < 256; i++)
            rc = unmerge_one(s, ids[i], now, list, e);
    }
    if (rc) {
        json_decref(list);
        return rc;
    }
    *report = json_pack("{s:I, s:o}", "profile_id", (json_int_t)profile_id, "unmerged", list);
    return 0;
}

struct raw_info {
    int64_t profile_id;
};

static int on_raw(void *ctx, int64_t profile_id, const char *source, const char *external_id,
                  const char *cleaned)
{
    (void)source, (void)external_id, (void)cleaned;
    ((struct raw_info *)ctx)->profile_id = profile_id;
    return 0;
}

int identity_match_decide(struct store *s, int64_t match_id, bool accept, int64_t now,
                          json_t **report, struct errbuf *e)
{
    int64_t ra, rb;
    *report = NULL; /* on failure too */
    int rc = store_match_decide(s, match_id, accept ? "accepted" : "rejected", now, &ra, &rb);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "match %lld does not exist", (long long)match_id);
    if (rc == ERR_EXISTS)
        return err_set(e, rc, "match %lld was decided already", (long long)match_id);
    if (rc)
        return dberr(s, e, "deciding a match");
    *report = json_pack("{s:I, s:s}", "id", (json_int_t)match_id, "status",
                        accept ? "accepted" : "rejected");
    if (!accept)
        return 0;
    struct raw_info a = {0}, b = {0};
    int64_t pa, pb;
    if ((rc = store_raw_record_get(s, ra, on_raw, &a)) || (rc = store_raw_record_get(s, rb, on_raw, &b)) ||
        (rc = store_profile_resolve(s, a.profile_id, &pa)) ||
        (rc = store_profile_resolve(s, b.profile_id, &pb))) {
        json_decref(*report);
        *report = NULL;
        return dberr(s, e, "finding the pair's profiles");
    }
    if (pa != pb) {
        int64_t keep = pa < pb ? pa : pb, gone = pa < pb ? pb : pa;
        json_t *ev = json_pack("{s:s, s:I, s:I, s:I}", "rule", "review", "match_id",
                               (json_int_t)match_id, "raw_a", (json_int_t)ra, "raw_b",
                               (json_int_t)rb);
        char *t = json_dumps(ev, JSON_COMPACT);
        json_decref(ev);
        rc = store_profile_merge(s, keep, gone, "review", t, 1.0, now);
        free(t);
        if (!rc)
            rc = identity_recompute_golden(s, keep, now, e);
        if (rc) {
            json_decref(*report);
            *report = NULL;
            return rc;
        }
        json_object_set_new(*report, "survivor", json_integer(keep));
        json_object_set_new(*report, "absorbed", json_integer(gone));
    }
    return 0;
}

int identity_explain(struct store *s, int64_t profile_id, json_t **out, struct errbuf *e)
{
    int64_t live;
    int rc = store_profile_resolve(s, profile_id, &live);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "profile %lld does not exist", (long long)profile_id);
    if (rc)
        return dberr(s, e, "finding the profile");
    json_t *view = NULL, *merges = NULL;
    if ((rc = store_profile_view(s, live, &view, e)) ||
        (rc = store_merge_history(s, live, &merges, e))) {
        json_decref(view);
        return rc;
    }
    json_t *prof = json_object_get(view, "profile") ? json_object_get(view, "profile") : view;
    json_t *o = json_pack("{s:I}", "profile_id", (json_int_t)live);
    if (live != profile_id)
        json_object_set_new(o, "asked", json_integer(profile_id));
    json_object_set(o, "records", json_object_get(prof, "raw_records"));
    json_object_set(o, "golden_sources", json_object_get(prof, "golden_sources"));
    json_object_set_new(o, "merges", merges);
    json_decref(view);
    *out = o;
    return 0;
}
