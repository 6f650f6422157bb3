/*
 * resolve.c — the whole-workspace matching pass (resolve.h).
 *
 * Memory stays flat per record: the records' strings in one arena, the
 * blocking keys as 64-bit hashes sorted with their record index, the
 * candidate pairs as sorted (i, j) numbers, their comparison vectors as
 * 7 bytes each. Clusters are a union-find with member lists, so checking
 * two clusters for a conflict walks their (few) members.
 */
#include "identity/resolve.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "identity/keys.h"
#include "identity/pair.h"
#include "identity/weights.h"

struct rec {
    struct match_rec m;
    const char *email_alt;
    const char *source, *external_id;
    int64_t raw_id, profile_id;
};

struct resolve {
    struct arena mem;
    struct rec *recs;
    size_t n, cap;
    int32_t *parent, *next, *size; /* union-find with member lists */
    struct resolve_link *links;    /* accepted, in the order they joined clusters */
    size_t nlinks;
    struct resolve_link *reviews;  /* the review band */
    size_t nreviews;
    struct raw_pair *rejected;     /* pairs a person said are different people, sorted */
    size_t nrejected;
    struct fs_model model;
};

struct raw_pair {
    int64_t a, b; /* a < b */
};

#define EM_SAMPLE 1000000   /* candidate pairs EM learns from */
#define ANCHOR_SAMPLE 200000 /* e-mail-linked pairs that m is learnt from */

struct keyed {
    uint64_t hash;
    uint32_t rec;
};

void resolve_free(struct resolve *rv)
{
    if (!rv)
        return;
    arena_release(&rv->mem);
    free(rv->recs);
    free(rv->parent);
    free(rv->next);
    free(rv->size);
    free(rv->links);
    free(rv->reviews);
    free(rv->rejected);
    free(rv);
}

static const char *field(struct arena *a, json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v && *v ? arena_strdup(a, v) : NULL;
}

void resolve_parse_record(struct arena *a, const char *cleaned, struct match_rec *m,
                          const char **email_alt)
{
    memset(m, 0, sizeof(*m));
    *email_alt = NULL;
    json_t *o = cleaned ? json_loads(cleaned, 0, NULL) : NULL;
    if (!o)
        return;
    *m = (struct match_rec){
        .first_name = field(a, o, "first_name"), .last_name = field(a, o, "last_name"),
        .gender = field(a, o, "gender"), .birth_date = field(a, o, "birth_date"),
        .email = field(a, o, "email"), .phone = field(a, o, "phone"),
        .street = field(a, o, "street"), .house_number = field(a, o, "house_number"),
        .postal_code = field(a, o, "postal_code"), .city = field(a, o, "city"),
        .country = field(a, o, "country"),
    };
    *email_alt = field(a, o, "email_alt");
    json_decref(o);
    char buf[128];
    if (m->first_name) {
        key_name(m->first_name, buf, sizeof(buf));
        m->first_key = arena_strdup(a, buf);
    }
    if (m->last_name) {
        key_name(m->last_name, buf, sizeof(buf));
        m->last_key = arena_strdup(a, buf);
        if (!key_phonetic(m->last_name, buf, sizeof(buf)))
            buf[0] = '\0';
        m->last_code = arena_strdup(a, buf);
    }
}

int resolve_keys(const struct match_rec *m, uint64_t out[KEY_MAX])
{
    struct key_record kr = {m->first_name, m->last_name, m->birth_date, m->email, m->phone,
                            m->street,     m->house_number, m->postal_code, m->country, m->city};
    char k[KEY_MAX][KEY_LEN];
    int nk = key_blocking(&kr, k);
    for (int j = 0; j < nk; j++)
        out[j] = str_fnv1a(STR_FNV1A_INIT, k[j], strlen(k[j]));
    return nk;
}

static int on_record(void *ctx, int64_t raw_id, int64_t profile_id, const char *source,
                     const char *external_id, const char *cleaned)
{
    struct resolve *rv = ctx;
    if (rv->n == rv->cap) {
        rv->cap = rv->cap ? rv->cap * 2 : 4096;
        rv->recs = xrealloc(rv->recs, rv->cap * sizeof(*rv->recs));
    }
    struct rec *r = &rv->recs[rv->n];
    memset(r, 0, sizeof(*r));
    r->raw_id = raw_id;
    r->profile_id = profile_id;
    r->source = arena_strdup(&rv->mem, source);
    r->external_id = arena_strdup(&rv->mem, external_id);
    resolve_parse_record(&rv->mem, cleaned, &r->m, &r->email_alt);
    rv->n++;
    return rv->mem.failed ? ERR_NOMEM : 0;
}


static int keyed_cmp(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    return a->hash < b->hash ? -1 : a->hash > b->hash ? 1 : (a->rec > b->rec) - (a->rec < b->rec);
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static int32_t find(struct resolve *rv, int32_t x)
{
    while (rv->parent[x] != x) {
        rv->parent[x] = rv->parent[rv->parent[x]];
        x = rv->parent[x];
    }
    return x;
}

/* Join two roots' member lists and trees. */
static void join(struct resolve *rv, int32_t a, int32_t b)
{
    if (rv->size[a] < rv->size[b]) {
        int32_t t = a;
        a = b;
        b = t;
    }
    rv->parent[b] = a;
    rv->size[a] += rv->size[b];
    int32_t last = a;
    while (rv->next[last] >= 0)
        last = rv->next[last];
    rv->next[last] = b;
}

static int raw_pair_cmp(const void *pa, const void *pb)
{
    const struct raw_pair *a = pa, *b = pb;
    return a->a != b->a ? (a->a > b->a) - (a->a < b->a) : (a->b > b->b) - (a->b < b->b);
}

static bool rejected(const struct resolve *rv, int64_t x, int64_t y)
{
    struct raw_pair k = {x < y ? x : y, x < y ? y : x};
    return rv->nrejected && bsearch(&k, rv->rejected, rv->nrejected, sizeof(k), raw_pair_cmp);
}

static int on_rejected(void *ctx, int64_t a, int64_t b)
{
    struct resolve *rv = ctx;
    if ((rv->nrejected & (rv->nrejected + 1)) == 0 || !rv->rejected)
        rv->rejected = xrealloc(rv->rejected, (rv->nrejected * 2 + 2) * sizeof(*rv->rejected));
    rv->rejected[rv->nrejected++] = (struct raw_pair){a < b ? a : b, a < b ? b : a};
    return 0;
}

/*
 * True when some record of cluster a clearly conflicts with some record of
 * cluster b, or a person said two of them are different people.
 */
static bool clusters_conflict(struct resolve *rv, int32_t a, int32_t b)
{
    if ((int64_t)rv->size[a] * rv->size[b] > 400)
        return true; /* too big to check: a cluster that large is suspect anyway */
    for (int32_t x = a; x >= 0; x = rv->next[x])
        for (int32_t y = b; y >= 0; y = rv->next[y])
            if (pair_conflict(&rv->recs[x].m, &rv->recs[y].m) ||
                rejected(rv, rv->recs[x].raw_id, rv->recs[y].raw_id))
                return true;
    return false;
}

/* A slice of the candidate pairs to compare (the first one reports progress). */
struct compare_job {
    const struct resolve *rv;
    const uint64_t *pairs;
    int8_t *gamma;
    size_t from, to;
    const struct resolve_opts *o;
    size_t total;
};

static void *compare_range(void *arg)
{
    struct compare_job *j = arg;
    for (size_t p = j->from; p < j->to; p++) {
        pair_compare(&j->rv->recs[j->pairs[p] >> 32].m,
                     &j->rv->recs[j->pairs[p] & 0xffffffffu].m, j->gamma + p * PAIR_NFIELDS);
        if (j->o && j->o->progress && (p & 0xffff) == 0)
            j->o->progress(j->o->ctx, "comparing", (int64_t)(p - j->from),
                           (int64_t)(j->to - j->from));
    }
    return NULL;
}

struct edge {
    double p;
    uint32_t i, j;
    int rule; /* enum resolve_rule */
};

/* Best first; a deterministic link before a scored one of the same probability. */
static int edge_cmp(const void *pa, const void *pb)
{
    const struct edge *a = pa, *b = pb;
    if (a->p != b->p)
        return a->p < b->p ? 1 : -1;
    if (a->rule != b->rule)
        return a->rule > b->rule ? 1 : -1;
    return a->i != b->i ? (a->i > b->i) - (a->i < b->i) : (a->j > b->j) - (a->j < b->j);
}

/*
 * Deterministic links: records that share a normalised e-mail (main or
 * second address). Each record of a group links to the group's first one;
 * the clustering still refuses a link in clear conflict (a family address
 * shared by two people with different birth dates).
 */
static size_t email_edges(const struct resolve *rv, struct edge **edges, size_t *cap, size_t n,
                          int max_bucket)
{
    struct keyed *k = xmalloc((rv->n * 2 + 1) * sizeof(*k));
    size_t nk = 0;
    for (size_t i = 0; i < rv->n; i++) {
        const char *em[2] = {rv->recs[i].m.email, rv->recs[i].email_alt};
        for (int x = 0; x < 2; x++)
            if (em[x] && *em[x])
                k[nk++] = (struct keyed){str_fnv1a(STR_FNV1A_INIT, em[x], strlen(em[x])),
                                         (uint32_t)i};
    }
    qsort(k, nk, sizeof(*k), keyed_cmp);
    for (size_t a = 0; a < nk;) {
        size_t b = a + 1;
        while (b < nk && k[b].hash == k[a].hash)
            b++;
        for (size_t x = a + 1; x < b && b - a <= (size_t)max_bucket; x++) {
            if (k[x].rec == k[a].rec)
                continue;
            if (n == *cap) {
                *cap = *cap ? *cap * 2 : 1024;
                *edges = xrealloc(*edges, *cap * sizeof(**edges));
            }
            (*edges)[n++] = (struct edge){1.0, k[a].rec, k[x].rec, RESOLVE_EMAIL};
        }
        a = b;
    }
    free(k);
    return n;
}

static void add_link(struct resolve_link **arr, size_t *n, const struct resolve *rv,
                     const struct edge *ed)
{
    if ((*n & (*n + 1)) == 0 || !*arr)
        *arr = xrealloc(*arr, (*n * 2 + 2) * sizeof(**arr));
    const struct rec *a = &rv->recs[ed->i], *b = &rv->recs[ed->j];
    (*arr)[(*n)++] = (struct resolve_link){
        .a = &a->m, .b = &b->m, .raw_a = a->raw_id, .raw_b = b->raw_id,
        .profile_a = a->profile_id, .profile_b = b->profile_id,
        .source_a = a->source, .source_b = b->source,
        .external_id_a = a->external_id, .external_id_b = b->external_id,
        .p = ed->p, .rule = (enum resolve_rule)ed->rule,
    };
}

/*
 * u from random pairs of records: among candidates found by blocking,
 * agreement on the blocked fields (address, surname) is common among
 * non-matches too, which EM reads as weak evidence; among random pairs it is
 * what chance gives.
 */
static void random_u(const struct resolve *rv, struct fs_model *m)
{
    if (rv->n < 2)
        return;
    double cnt[PAIR_NFIELDS][FS_MAX_LEVELS] = {{0}};
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int k = 0; k < 400000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t i = (size_t)(x % rv->n);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t j = (size_t)(x % rv->n);
        if (i == j)
            continue;
        int8_t g[PAIR_NFIELDS];
        pair_compare(&rv->recs[i].m, &rv->recs[j].m, g);
        for (int f = 0; f < PAIR_NFIELDS; f++)
            if (g[f] >= 0)
                cnt[f][g[f]] += 1;
    }
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        double tot = 0;
        for (int l = 0; l < m->nlevels[f]; l++)
            tot += cnt[f][l] + 0.5;
        for (int l = 0; l < m->nlevels[f]; l++) {
            double u = (cnt[f][l] + 0.5) / tot;
            m->u[f][l] = u < FS_PROB_MIN ? FS_PROB_MIN : u;
        }
    }
}

/*
 * m of every field but the e-mail from the pairs that share an e-mail
 * address (the deterministic links, at most ANCHOR_SAMPLE of them, evenly
 * spread, those in clear conflict aside: family addresses): how the fields
 * of one person agree across records, learnt without labels and without
 * the blocking's bias. Fields never observed keep the model's values.
 */
static void anchored_m(const struct resolve *rv, const struct edge *edges, size_t nedges,
                       double m[PAIR_NFIELDS][FS_MAX_LEVELS], const struct fs_model *start)
{
    double cnt[PAIR_NFIELDS][FS_MAX_LEVELS] = {{0}};
    size_t stride = nedges > ANCHOR_SAMPLE ? nedges / ANCHOR_SAMPLE : 1;
    for (size_t k = 0; k < nedges; k += stride) {
        const struct match_rec *a = &rv->recs[edges[k].i].m, *b = &rv->recs[edges[k].j].m;
        if (pair_conflict(a, b))
            continue;
        int8_t g[PAIR_NFIELDS];
        pair_compare(a, b, g);
        for (int f = 0; f < PAIR_NFIELDS; f++)
            if (g[f] >= 0)
                cnt[f][g[f]] += 1;
    }
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        double tot = 0;
        for (int l = 0; l < start->nlevels[f]; l++)
            tot += cnt[f][l];
        for (int l = 0; l < start->nlevels[f]; l++)
            m[f][l] = tot >= 100 ? (cnt[f][l] + 0.5) / (tot + 0.5 * start->nlevels[f])
                                 : start->m[f][l];
    }
}

static double secs_since(int64_t t0)
{
    return (double)(clock_mono_us() - t0) / 1e6;
}

int resolve_run(struct store *s, const struct resolve_opts *o, struct resolve **out,
                struct resolve_result *r, struct errbuf *e)
{
    memset(r, 0, sizeof(*r));
    double merge_at = o && o->merge_at > 0 ? o->merge_at : RESOLVE_MERGE_AT;
    double review_at = o && o->review_at > 0 ? o->review_at : RESOLVE_REVIEW_AT;
    int max_bucket = o && o->max_bucket > 0 ? o->max_bucket : 200;
    struct resolve *rv = xcalloc(1, sizeof(*rv));
    arena_init(&rv->mem, (size_t)1 << 36);

    /* 1. the records */
    int64_t t0 = clock_mono_us(), total;
    int rc = store_match_records(s, &total, on_record, rv, e);
    if (rc) {
        resolve_free(rv);
        return rc == ERR_NOMEM ? err_set(e, rc, "out of memory for the records") : rc;
    }
    r->records = (int64_t)rv->n;
    r->merge_at = merge_at;
    r->review_at = review_at;
    r->seconds_load = secs_since(t0);

    /* 2. blocking: keys sorted, pairs within each bucket */
    t0 = clock_mono_us();
    struct keyed *keys = xcalloc(rv->n * KEY_MAX + 1, sizeof(*keys));
    size_t nkeys = 0;
    for (size_t i = 0; i < rv->n; i++) {
        uint64_t k[KEY_MAX];
        int nk = resolve_keys(&rv->recs[i].m, k);
        for (int j = 0; j < nk; j++)
            keys[nkeys++] = (struct keyed){k[j], (uint32_t)i};
    }
    qsort(keys, nkeys, sizeof(*keys), keyed_cmp);
    r->keys = (int64_t)nkeys;
    size_t npairs = 0, pcap = 1024;
    uint64_t *pairs = xmalloc(pcap * sizeof(*pairs));
    for (size_t a = 0; a < nkeys;) {
        size_t b = a;
        while (b < nkeys && keys[b].hash == keys[a].hash)
            b++;
        if (b - a > (size_t)max_bucket) {
            r->buckets_skipped++;
        } else {
            for (size_t x = a; x < b; x++)
                for (size_t y = x + 1; y < b; y++) {
                    if (keys[x].rec == keys[y].rec)
                        continue;
                    if (npairs == pcap) {
                        pcap *= 2;
                        pairs = xrealloc(pairs, pcap * sizeof(*pairs));
                    }
                    uint32_t i = keys[x].rec, j = keys[y].rec;
                    pairs[npairs++] = i < j ? (uint64_t)i << 32 | j : (uint64_t)j << 32 | i;
                }
        }
        a = b;
    }
    free(keys);
    qsort(pairs, npairs, sizeof(*pairs), u64_cmp);
    size_t u = 0;
    for (size_t i = 0; i < npairs; i++)
        if (!u || pairs[i] != pairs[u - 1])
            pairs[u++] = pairs[i];
    npairs = u;
    r->candidates = (int64_t)npairs;
    r->seconds_block = secs_since(t0);

    /* 3. comparison vectors, on every core */
    t0 = clock_mono_us();
    int8_t *gamma = xmalloc((npairs ? npairs : 1) * PAIR_NFIELDS);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = ncpu < 1 ? 1 : ncpu > 16 ? 16 : (int)ncpu;
    struct compare_job jobs[16];
    pthread_t th[16];
    for (int t = 0; t < nthreads; t++) {
        jobs[t] = (struct compare_job){rv, pairs, gamma, npairs * (size_t)t / (size_t)nthreads,
                                       npairs * (size_t)(t + 1) / (size_t)nthreads,
                                       t == 0 ? o : NULL, npairs};
        if (t > 0 && pthread_create(&th[t], NULL, compare_range, &jobs[t]) != 0)
            BUG("cannot start a comparing thread");
    }
    compare_range(&jobs[0]);
    for (int t = 1; t < nthreads; t++)
        pthread_join(th[t], NULL);
    r->seconds_compare = secs_since(t0);

    /*
     * 4. the model, from the data. EM alone on blocked candidates is
     * unstable: at a million persons it took households (one address, one
     * surname) for the matching class. So most of the model is measured:
     *   - u of every field from random pairs of records (what chance gives);
     *   - m of every field but the e-mail from the pairs that share an
     *     e-mail address (records of one person);
     *   - EM, with those pinned, estimates the e-mail's m and the prior
     *     among the candidates; the prior over all pairs follows.
     */
    t0 = clock_mono_us();
    size_t ecap = npairs ? npairs : 1, nedges = 0;
    struct edge *edges = xmalloc(ecap * sizeof(*edges));
    nedges = email_edges(rv, &edges, &ecap, nedges, max_bucket);
    fs_model_init(&r->model, pair_nlevels, PAIR_NFIELDS);
    struct fs_model chance = r->model;
    if (npairs) {
        random_u(rv, &chance);
        double m[PAIR_NFIELDS][FS_MAX_LEVELS];
        anchored_m(rv, edges, nedges, m, &r->model);
        for (int f = 0; f < PAIR_NFIELDS; f++)
            if (f != PAIR_EMAIL)
                fs_model_fix(&r->model, f, m[f], chance.u[f]);
    }
    bool email_configured = o && o->weights && o->weights->set[PAIR_EMAIL];
    if (o && o->weights)
        weights_apply(o->weights, &r->model); /* a person's figures win */
    /* EM on an even sample of at most EM_SAMPLE pairs: more adds time, not precision */
    size_t stride = npairs > EM_SAMPLE ? (npairs + EM_SAMPLE - 1) / EM_SAMPLE : 1;
    int8_t *sample = gamma;
    size_t nsample = npairs;
    if (stride > 1) {
        nsample = npairs / stride;
        sample = xmalloc(nsample * PAIR_NFIELDS);
        for (size_t p = 0; p < nsample; p++)
            memcpy(sample + p * PAIR_NFIELDS, gamma + p * stride * PAIR_NFIELDS, PAIR_NFIELDS);
    }
    rc = nsample ? fs_em(&r->model, sample, nsample, 200, 1e-6, &r->em_iterations) : 0;
    if (sample != gamma)
        free(sample);
    if (rc) {
        free(edges);
        free(gamma);
        free(pairs);
        resolve_free(rv);
        return err_set(e, rc, "estimating the match model failed");
    }
    /* the e-mail's u by chance too, and the prior among all pairs, not the candidates */
    if (npairs && !email_configured)
        for (int l = 0; l < r->model.nlevels[PAIR_EMAIL]; l++)
            r->model.u[PAIR_EMAIL][l] = chance.u[PAIR_EMAIL][l];
    if (npairs) {
        double all = (double)rv->n * (double)(rv->n - 1) / 2;
        r->model.prior = r->model.prior * (double)npairs / all;
    }
    for (int f = 0; f < PAIR_NFIELDS; f++)
        r->model.fixed[f] = false;
    r->seconds_em = secs_since(t0);

    /* 5. clusters: records of one profile together, then the best pairs first */
    t0 = clock_mono_us();
    rv->parent = xmalloc((rv->n ? rv->n : 1) * sizeof(*rv->parent));
    rv->next = xmalloc((rv->n ? rv->n : 1) * sizeof(*rv->next));
    rv->size = xmalloc((rv->n ? rv->n : 1) * sizeof(*rv->size));
    for (size_t i = 0; i < rv->n; i++) {
        rv->parent[i] = (int32_t)i;
        rv->next[i] = -1;
        rv->size[i] = 1;
    }
    /* records already in one profile start in one cluster */
    struct keyed *byprof = xmalloc((rv->n ? rv->n : 1) * sizeof(*byprof));
    for (size_t i = 0; i < rv->n; i++)
        byprof[i] = (struct keyed){(uint64_t)rv->recs[i].profile_id, (uint32_t)i};
    qsort(byprof, rv->n, sizeof(*byprof), keyed_cmp);
    for (size_t i = 1; i < rv->n; i++) {
        if (byprof[i].hash != byprof[i - 1].hash)
            continue;
        int32_t a = find(rv, (int32_t)byprof[i - 1].rec), b = find(rv, (int32_t)byprof[i].rec);
        if (a != b)
            join(rv, a, b);
    }
    free(byprof);
    for (size_t p = 0; p < npairs; p++) {
        double prob = fs_probability(&r->model, gamma + p * PAIR_NFIELDS);
        enum fs_decision d = fs_decide(prob, merge_at, review_at);
        struct edge ed = {prob, (uint32_t)(pairs[p] >> 32), (uint32_t)(pairs[p] & 0xffffffffu),
                          RESOLVE_MATCH};
        if (d == FS_REVIEW)
            add_link(&rv->reviews, &rv->nreviews, rv, &ed);
        if (d == FS_MERGE) {
            if (nedges == ecap) {
                ecap *= 2;
                edges = xrealloc(edges, ecap * sizeof(*edges));
            }
            edges[nedges++] = ed;
        }
    }
    free(gamma);
    free(pairs);
    if ((rc = store_match_rejected(s, on_rejected, rv))) {
        free(edges);
        resolve_free(rv);
        return err_set(e, rc, "reading the rejected pairs failed");
    }
    if (rv->nrejected)
        qsort(rv->rejected, rv->nrejected, sizeof(*rv->rejected), raw_pair_cmp);
    qsort(edges, nedges, sizeof(*edges), edge_cmp);
    for (size_t k = 0; k < nedges; k++) {
        int32_t a = find(rv, (int32_t)edges[k].i), b = find(rv, (int32_t)edges[k].j);
        if (a == b)
            continue;
        if (clusters_conflict(rv, a, b)) {
            r->refused_conflicts++;
            continue;
        }
        join(rv, a, b);
        add_link(&rv->links, &rv->nlinks, rv, &edges[k]);
        r->merges++;
        if (edges[k].rule == RESOLVE_EMAIL)
            r->merges_email++;
    }
    r->reviews = (int64_t)rv->nreviews;
    rv->model = r->model;
    free(edges);
    for (size_t i = 0; i < rv->n; i++)
        r->clusters += find(rv, (int32_t)i) == (int32_t)i;
    r->seconds_cluster = secs_since(t0);
    *out = rv;
    return 0;
}

void resolve_links(const struct resolve *rv, const struct resolve_link **links, size_t *n,
                   const struct resolve_link **reviews, size_t *nreviews)
{
    *links = rv->links;
    *n = rv->nlinks;
    *reviews = rv->reviews;
    *nreviews = rv->nreviews;
}

void resolve_records(const struct resolve *rv,
                     void (*fn)(void *ctx, int64_t raw_id, const struct match_rec *m,
                                const char *email_alt),
                     void *ctx)
{
    for (size_t i = 0; i < rv->n; i++)
        fn(ctx, rv->recs[i].raw_id, &rv->recs[i].m, rv->recs[i].email_alt);
}

void resolve_each(const struct resolve *rv,
                  void (*fn)(void *ctx, const char *source, const char *external_id,
                             int64_t cluster),
                  void *ctx)
{
    struct resolve *m = (struct resolve *)rv;
    for (size_t i = 0; i < rv->n; i++)
        fn(ctx, rv->recs[i].source, rv->recs[i].external_id, find(m, (int32_t)i));
}
