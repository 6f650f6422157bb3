/*
 * world.c — the in-memory profiles of world.h, loaded and refreshed through
 * the store's segment loaders (store_sg_*).
 */
#include "segment/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "base/xalloc.h"

struct sg_world {
    struct sg_prof *p;
    uint32_t n, cap;
    struct strmap *texts;      /* folded text -> uint32 id + 1 */
    uint32_t ntexts;
    struct strmap *households; /* "id" -> uint32 live count */
    struct strmap *idtypes;    /* identity type -> bit + 1 (at most 64 types) */
    uint32_t nidtypes;
    size_t bytes;
};

struct sg_world *sg_world_new(void)
{
    struct sg_world *w = xcalloc(1, sizeof(*w));
    w->texts = strmap_new_growable(1024, sizeof(uint32_t));
    w->households = strmap_new_growable(1024, sizeof(uint32_t));
    w->idtypes = strmap_new_growable(64, sizeof(uint32_t));
    return w;
}

static void prof_clear_rows(struct sg_prof *p)
{
    free(p->orders);
    free(p->lines);
    free(p->events);
    free(p->consents);
    p->orders = NULL;
    p->lines = NULL;
    p->events = NULL;
    p->consents = NULL;
    p->norders = p->nlines = p->nevents = p->nconsents = 0;
    p->identity_types = 0;
}

static void prof_clear(struct sg_prof *p)
{
    prof_clear_rows(p);
    free(p->blockmem);
    p->blockmem = NULL;
    for (int i = 0; i < SG_S_COUNT; i++)
        p->str[i] = NULL;
    json_decref(p->attributes);
    p->attributes = NULL;
    free(p->seg);
    p->seg = NULL;
    p->nseg = 0;
}

void sg_world_free(struct sg_world *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n; i++)
        prof_clear(&w->p[i]);
    free(w->p);
    strmap_free(w->texts);
    strmap_free(w->households);
    strmap_free(w->idtypes);
    free(w);
}

uint32_t sg_world_slots(const struct sg_world *w)
{
    return w->n;
}

const struct sg_prof *sg_world_prof(const struct sg_world *w, uint32_t slot)
{
    return slot < w->n ? &w->p[slot] : NULL;
}

int64_t sg_world_slot_of(const struct sg_world *w, int64_t id)
{
    uint32_t lo = 0, hi = w->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (w->p[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->n && w->p[lo].id == id ? (int64_t)lo : -1;
}

/* text folded to lower case (ASCII) into buf; NULL/empty gives "". */
static const char *fold(const char *text, char *buf, size_t cap)
{
    size_t n = 0;
    for (; text && *text && n + 1 < cap; text++)
        buf[n++] = *text >= 'A' && *text <= 'Z' ? (char)(*text - 'A' + 'a') : *text;
    buf[n] = '\0';
    return buf;
}

uint32_t sg_world_text_id(const struct sg_world *w, const char *text)
{
    char buf[512];
    uint32_t *v = strmap_get(w->texts, fold(text, buf, sizeof(buf)));
    return v ? *v - 1 : UINT32_MAX;
}

uint32_t sg_world_text_gen(const struct sg_world *w)
{
    return w->ntexts + w->nidtypes; /* both only grow */
}

static uint32_t intern(struct sg_world *w, const char *text)
{
    if (!text || !*text)
        return UINT32_MAX;
    char buf[512];
    uint32_t *v = strmap_put(w->texts, fold(text, buf, sizeof(buf)));
    if (!v)
        return UINT32_MAX;
    if (!*v)
        *v = ++w->ntexts;
    return *v - 1;
}

static void household_add(struct sg_world *w, int64_t hh, int delta)
{
    if (!hh)
        return;
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)hh);
    uint32_t *v = strmap_put(w->households, key);
    if (v)
        *v = (uint32_t)((int64_t)*v + delta);
}

uint32_t sg_world_household_size(const struct sg_world *w, int64_t household_id)
{
    if (!household_id)
        return 0;
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)household_id);
    uint32_t *v = strmap_get(w->households, key);
    return v ? *v : 0;
}

size_t sg_world_bytes(const struct sg_world *w)
{
    return w->bytes + (size_t)w->cap * sizeof(*w->p);
}

/* ---- loading --------------------------------------------------------------- */

/* The profile's texts copied into one block (p->blockmem). */
static void set_profile(struct sg_world *w, struct sg_prof *p, const struct store_sg_profile *r)
{
    const char *src[SG_S_COUNT] = {r->first_name, r->last_name, r->gender, r->birth_date,
                                   r->language,   r->email,     r->phone,  r->street,
                                   r->house_number, r->postal_code, r->city, r->country,
                                   r->lifecycle_stage, r->source};
    size_t total = 0;
    for (int i = 0; i < SG_S_COUNT; i++)
        total += src[i] && *src[i] ? strlen(src[i]) + 1 : 0;
    char *mem = total ? xmalloc(total) : NULL, *at = mem;
    for (int i = 0; i < SG_S_COUNT; i++) {
        if (src[i] && *src[i]) {
            size_t n = strlen(src[i]) + 1;
            memcpy(at, src[i], n);
            p->str[i] = at;
            at += n;
        } else {
            p->str[i] = NULL;
        }
    }
    p->blockmem = mem;
    w->bytes += total;
    json_decref(p->attributes);
    p->attributes = NULL;
    if (r->attributes && strcmp(r->attributes, "{}") != 0) {
        json_t *a = json_loads(r->attributes, 0, NULL);
        if (json_is_object(a) && json_object_size(a))
            p->attributes = a;
        else
            json_decref(a);
    }
    p->id = r->id;
    p->live = true;
    p->household_id = r->household_id;
    p->created_at = r->created_at;
    p->updated_at = r->updated_at;
    p->order_count = r->order_count;
    p->total_spent_cents = r->total_spent_cents;
    p->first_order_at = r->first_order_at;
    p->last_order_at = r->last_order_at;
    p->event_count = r->event_count;
    p->last_event_at = r->last_event_at;
    p->last_visit_at = r->last_visit_at;
    p->last_open_at = r->last_open_at;
    p->last_click_at = r->last_click_at;
}

/* The slot for id: the existing one, or a new one at its place in id order. */
static struct sg_prof *slot_for(struct sg_world *w, int64_t id)
{
    int64_t at = sg_world_slot_of(w, id);
    if (at >= 0)
        return &w->p[at];
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->p = xrealloc(w->p, (size_t)w->cap * sizeof(*w->p));
    }
    uint32_t pos = w->n;
    if (w->n && w->p[w->n - 1].id > id) { /* not the newest: insert in order */
        uint32_t lo = 0, hi = w->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (w->p[mid].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        pos = lo;
        memmove(&w->p[pos + 1], &w->p[pos], (size_t)(w->n - pos) * sizeof(*w->p));
    }
    w->n++;
    memset(&w->p[pos], 0, sizeof(w->p[pos]));
    w->p[pos].id = id;
    return &w->p[pos];
}

static int on_profile(void *ctx, const struct store_sg_profile *r)
{
    struct sg_world *w = ctx;
    struct sg_prof *p = slot_for(w, r->id);
    if (p->live)
        household_add(w, p->household_id, -1);
    free(p->blockmem);
    p->blockmem = NULL;
    set_profile(w, p, r);
    household_add(w, p->household_id, +1);
    return 0;
}

/*
 * Rows arrive grouped by profile id: each group is gathered in a scratch
 * array, then copied to its profile when the next group starts.
 */
struct gather {
    struct sg_world *w;
    int64_t pid;
    char *rows;
    size_t n, cap, size;
    int kind; /* 0 orders, 1 lines, 2 events, 3 consents */
};

static void flush(struct gather *g)
{
    if (!g->pid)
        return;
    int64_t slot = sg_world_slot_of(g->w, g->pid);
    if (slot >= 0 && g->n) {
        struct sg_prof *p = &g->w->p[slot];
        void *copy = xmalloc(g->n * g->size);
        memcpy(copy, g->rows, g->n * g->size);
        g->w->bytes += g->n * g->size;
        switch (g->kind) {
        case 0: free(p->orders), p->orders = copy, p->norders = (uint32_t)g->n; break;
        case 1: free(p->lines), p->lines = copy, p->nlines = (uint32_t)g->n; break;
        case 2: free(p->events), p->events = copy, p->nevents = (uint32_t)g->n; break;
        default: free(p->consents), p->consents = copy, p->nconsents = (uint32_t)g->n; break;
        }
    }
    g->n = 0;
}

static void *row(struct gather *g, int64_t pid)
{
    if (pid != g->pid) {
        flush(g);
        g->pid = pid;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->rows = xrealloc(g->rows, g->cap * g->size);
    }
    return g->rows + g->size * g->n++;
}

static int on_order(void *ctx, const struct store_sg_order *o)
{
    struct gather *g = ctx;
    struct sg_order *r = row(g, o->profile_id);
    *r = (struct sg_order){o->ts, o->total_cents - o->refunded_cents, intern(g->w, o->status),
                           intern(g->w, o->source), intern(g->w, o->currency)};
    return 0;
}

static int on_line(void *ctx, const struct store_sg_line *l)
{
    struct gather *g = ctx;
    struct sg_line *r = row(g, l->profile_id);
    *r = (struct sg_line){l->ts,
                          l->price_cents,
                          (int32_t)l->quantity,
                          intern(g->w, l->category),
                          intern(g->w, l->product_id),
                          intern(g->w, l->sku),
                          intern(g->w, l->name)};
    return 0;
}

static int on_event(void *ctx, const struct store_sg_event *ev)
{
    struct gather *g = ctx;
    struct sg_event *r = row(g, ev->profile_id);
    *r = (struct sg_event){ev->ts, intern(g->w, ev->name), intern(g->w, ev->type),
                           intern(g->w, ev->source)};
    return 0;
}

static int on_consent(void *ctx, const struct store_sg_consent *c)
{
    struct gather *g = ctx;
    struct sg_consent *r = row(g, c->profile_id);
    *r = (struct sg_consent){intern(g->w, c->channel), intern(g->w, c->purpose ? c->purpose : ""),
                             c->status && !strcmp(c->status, "opted_in")};
    return 0;
}

uint32_t sg_world_idtype(const struct sg_world *w, const char *type)
{
    char buf[128];
    uint32_t *v = strmap_get(w->idtypes, fold(type, buf, sizeof(buf)));
    return v ? *v - 1 : UINT32_MAX;
}

static int on_identity(void *ctx, const struct store_sg_identity *i)
{
    struct sg_world *w = ctx;
    int64_t slot = sg_world_slot_of(w, i->profile_id);
    char buf[128];
    uint32_t t = UINT32_MAX, *v = i->type ? strmap_put(w->idtypes, fold(i->type, buf, sizeof(buf)))
                                          : NULL;
    if (v && !*v && w->nidtypes < 64)
        *v = ++w->nidtypes;
    if (v && *v)
        t = *v - 1;
    if (slot >= 0 && t < 64)
        w->p[slot].identity_types |= (uint64_t)1 << t;
    return 0;
}

/* Starts gathering rows of another kind (and size): the scratch array is kept, its room recounted. */
static void gather_kind(struct gather *g, int kind, size_t size)
{
    g->cap = g->cap * g->size / size;
    g->pid = 0;
    g->n = 0;
    g->kind = kind;
    g->size = size;
}

/* Every table's rows for ids (NULL: all), into their profiles. */
static int load_rows(struct sg_world *w, struct store *s, const int64_t *ids, size_t n)
{
    struct gather g = {.w = w, .size = 1};
    gather_kind(&g, 0, sizeof(struct sg_order));
    int rc = store_sg_orders(s, ids, n, on_order, &g);
    flush(&g);
    gather_kind(&g, 1, sizeof(struct sg_line));
    if (!rc)
        rc = store_sg_lines(s, ids, n, on_line, &g);
    flush(&g);
    gather_kind(&g, 2, sizeof(struct sg_event));
    if (!rc)
        rc = store_sg_events(s, ids, n, on_event, &g);
    flush(&g);
    gather_kind(&g, 3, sizeof(struct sg_consent));
    if (!rc)
        rc = store_sg_consents(s, ids, n, on_consent, &g);
    flush(&g);
    free(g.rows);
    if (!rc)
        rc = store_sg_identities(s, ids, n, on_identity, w);
    return rc;
}

int sg_world_load(struct sg_world *w, struct store *s, struct errbuf *e)
{
    for (uint32_t i = 0; i < w->n; i++)
        prof_clear(&w->p[i]);
    w->n = 0;
    w->bytes = 0;
    strmap_clear(w->households);
    int rc = store_sg_profiles(s, NULL, 0, on_profile, w);
    if (!rc)
        rc = load_rows(w, s, NULL, 0);
    return rc ? err_set(e, rc, "loading profiles for segments: %s", store_last_error(s)) : 0;
}

int sg_world_refresh(struct sg_world *w, struct store *s, const int64_t *ids, size_t n,
                     struct errbuf *e)
{
    /* whatever the store no longer returns is dead: mark all, let the load revive */
    for (size_t i = 0; i < n; i++) {
        int64_t slot = sg_world_slot_of(w, ids[i]);
        if (slot < 0)
            continue;
        struct sg_prof *p = &w->p[slot];
        if (p->live)
            household_add(w, p->household_id, -1);
        p->live = false;
        prof_clear_rows(p);
    }
    int rc = store_sg_profiles(s, ids, n, on_profile, w);
    if (!rc)
        rc = load_rows(w, s, ids, n);
    return rc ? err_set(e, rc, "reloading profiles for segments: %s", store_last_error(s)) : 0;
}
