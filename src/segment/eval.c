/*
 * eval.c — evaluating a rule over one profile of the world (eval.h). Pure
 * reads of memory: a full evaluation of a million profiles is a loop over
 * slots.
 */
#include "segment/eval.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/tz.h"
#include "segment/fields.h"

#define DAY_MS 86400000LL

int64_t sg_today(int64_t now_ms, int32_t offset_s)
{
    int64_t ms = now_ms + (int64_t)offset_s * 1000;
    return ms >= 0 ? ms / DAY_MS : (ms - DAY_MS + 1) / DAY_MS;
}

struct sg_ctx sg_ctx_at(struct sg_world *w, int64_t now, const char *tz)
{
    int32_t off = tz_offset_at(tz, now);
    return (struct sg_ctx){.world = w, .now = now, .today = sg_today(now, off), .offset_s = off};
}

static bool compare(double a, enum sg_cmp c, double b)
{
    switch (c) {
    case SG_EQ: return a == b;
    case SG_NE: return a != b;
    case SG_LT: return a < b;
    case SG_LE: return a <= b;
    case SG_GT: return a > b;
    case SG_GE: return a >= b;
    }
    return false;
}

static bool compare_text(const char *a, enum sg_cmp c, const char *b)
{
    if (c == SG_EQ)
        return strcasecmp(a, b) == 0;
    if (c == SG_NE)
        return strcasecmp(a, b) != 0;
    return compare((double)strcmp(a, b), c, 0);
}

static bool contains_nocase(const char *hay, const char *needle, bool prefix)
{
    size_t n = strlen(needle);
    if (prefix)
        return strncasecmp(hay, needle, n) == 0;
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

/* A profile field's value: text (*text) or number (*num); false when missing. */
static bool field_value(const struct sg_prof *p, const struct sg_node *n, const char **text,
                        double *num)
{
    *text = NULL;
    switch (n->field) {
    case SG_F_FIRST_NAME: *text = p->str[SG_S_FIRST_NAME]; break;
    case SG_F_LAST_NAME: *text = p->str[SG_S_LAST_NAME]; break;
    case SG_F_GENDER: *text = p->str[SG_S_GENDER]; break;
    case SG_F_BIRTH_DATE: *text = p->str[SG_S_BIRTH_DATE]; break;
    case SG_F_LANGUAGE: *text = p->str[SG_S_LANGUAGE]; break;
    case SG_F_EMAIL: *text = p->str[SG_S_EMAIL]; break;
    case SG_F_PHONE: *text = p->str[SG_S_PHONE]; break;
    case SG_F_STREET: *text = p->str[SG_S_STREET]; break;
    case SG_F_HOUSE_NUMBER: *text = p->str[SG_S_HOUSE_NUMBER]; break;
    case SG_F_POSTAL_CODE: *text = p->str[SG_S_POSTAL_CODE]; break;
    case SG_F_CITY: *text = p->str[SG_S_CITY]; break;
    case SG_F_COUNTRY: *text = p->str[SG_S_COUNTRY]; break;
    case SG_F_LIFECYCLE_STAGE: *text = p->str[SG_S_LIFECYCLE_STAGE]; break;
    case SG_F_SOURCE: *text = p->str[SG_S_SOURCE]; break;
    case SG_F_HOUSEHOLD_ID: *num = (double)p->household_id; return p->household_id != 0;
    case SG_F_CREATED_AT: *num = (double)p->created_at; return p->created_at != 0;
    case SG_F_UPDATED_AT: *num = (double)p->updated_at; return p->updated_at != 0;
    case SG_F_ORDER_COUNT: *num = (double)p->order_count; return true;
    case SG_F_TOTAL_SPENT: *num = (double)p->total_spent_cents / 100.0; return true;
    case SG_F_EVENT_COUNT: *num = (double)p->event_count; return true;
    case SG_F_FIRST_ORDER_AT: *num = (double)p->first_order_at; return p->first_order_at != 0;
    case SG_F_LAST_ORDER_AT: *num = (double)p->last_order_at; return p->last_order_at != 0;
    case SG_F_LAST_EVENT_AT: *num = (double)p->last_event_at; return p->last_event_at != 0;
    case SG_F_LAST_VISIT_AT: *num = (double)p->last_visit_at; return p->last_visit_at != 0;
    case SG_F_LAST_OPEN_AT: *num = (double)p->last_open_at; return p->last_open_at != 0;
    case SG_F_LAST_CLICK_AT: *num = (double)p->last_click_at; return p->last_click_at != 0;
    case SG_F_ATTRIBUTE: {
        json_t *v = p->attributes ? json_object_get(p->attributes, n->name) : NULL;
        if (json_is_string(v)) {
            *text = json_string_value(v);
            return **text != '\0';
        }
        if (json_is_number(v)) {
            *num = json_number_value(v);
            return true;
        }
        if (json_is_boolean(v)) {
            *text = json_is_true(v) ? "true" : "false";
            return true;
        }
        return false;
    }
    default:
        return false;
    }
    return *text != NULL;
}

/* Whether a present value (text or number) equals / compares with the constant v. */
static bool value_matches(const char *text, double num, enum sg_cmp c, const struct sg_value *v,
                          enum sg_type type, int32_t offset_s)
{
    if (type == SG_T_TIME) { /* a moment against a date: the whole day, in the workspace's zone */
        double start = v->num - (double)offset_s * 1000, end = start + (double)DAY_MS;
        switch (c) {
        case SG_EQ: return num >= start && num < end;
        case SG_NE: return num < start || num >= end;
        case SG_LT: return num < start;
        case SG_LE: return num < end;
        case SG_GT: return num >= end;
        case SG_GE: return num >= start;
        }
        return false;
    }
    if (text)
        return !v->is_num && compare_text(text, c, v->str);
    return v->is_num && compare(num, c, v->num);
}

/* Day number of a "YYYY-MM-DD" text; false when it is not one. */
static bool date_days(const char *s, int64_t *days)
{
    int64_t ms;
    if (!s || strlen(s) != 10 || time_parse_iso8601(s, &ms))
        return false;
    *days = ms / DAY_MS;
    return true;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from today to the next anniversary of the date (today: 0). */
static int64_t days_to_anniversary(int64_t date_days, int64_t today)
{
    int64_t by, ty;
    int bm, bd, tm, td;
    clock_civil_from_days(date_days, &by, &bm, &bd);
    clock_civil_from_days(today, &ty, &tm, &td);
    for (int64_t y = ty;; y++) {
        int d = bm == 2 && bd == 29 && !is_leap(y) ? 28 : bd;
        int64_t at = clock_days_from_civil(y, bm, d);
        if (at >= today)
            return at - today;
    }
}

/* The constant texts of a row filter as the world's interned numbers (cached on the node). */
static void text_ids(const struct sg_node *cn, const struct sg_world *w)
{
    struct sg_node *n = (struct sg_node *)cn;
    uint32_t gen = sg_world_text_gen(w) + 1;
    if (n->tgen == gen)
        return;
    if (n->op == SG_CMP && !n->value.is_num)
        n->tid = sg_world_text_id(w, n->value.str);
    if (n->op == SG_IN) { /* tids: room made by sg_finish */
        for (int i = 0; n->tids && i < n->nvalues; i++)
            n->tids[i] = n->values[i].is_num ? UINT32_MAX : sg_world_text_id(w, n->values[i].str);
    }
    if (n->op == SG_CONSENT) {
        n->tid = sg_world_text_id(w, n->name);
        n->tid2 = n->sub ? sg_world_text_id(w, n->sub) : UINT32_MAX;
    }
    if (n->op == SG_HAS)
        n->tid = sg_world_idtype(w, n->name);
    n->tgen = gen;
}

/* A row's text field as an interned number, or its number; which one by field. */
struct rowval {
    bool is_text;
    uint32_t tid;
    double num;
};

static bool row_filter(const struct sg_node *f, struct rowval v, int64_t ts, const struct sg_ctx *c)
{
    switch (f->op) {
    case SG_WITHIN:
        return ts <= c->now && ts >= c->now - f->secs * 1000;
    case SG_CMP:
        if (v.is_text) {
            if (f->value.is_num || v.tid == UINT32_MAX)
                return false;
            if (f->cmp == SG_EQ)
                return v.tid == f->tid;
            if (f->cmp == SG_NE)
                return v.tid != f->tid;
            return false; /* < > on a row's text: refused when the rule is read */
        }
        return f->value.is_num && compare(v.num, f->cmp, f->value.num);
    case SG_IN: {
        bool any = false;
        for (int i = 0; i < f->nvalues && !any; i++)
            any = v.is_text ? (f->tids && v.tid != UINT32_MAX && v.tid == f->tids[i])
                            : (f->values[i].is_num && v.num == f->values[i].num);
        return f->negate ? !any && (!v.is_text || v.tid != UINT32_MAX) : any;
    }
    default:
        return false;
    }
}

static struct rowval order_field(const struct sg_order *o, enum sg_field f)
{
    switch (f) {
    case SG_F_ROW_STATUS: return (struct rowval){true, o->status, 0};
    case SG_F_ROW_SOURCE: return (struct rowval){true, o->source, 0};
    case SG_F_ROW_CURRENCY: return (struct rowval){true, o->currency, 0};
    case SG_F_ROW_TOTAL: return (struct rowval){false, 0, (double)o->total_cents / 100.0};
    default: return (struct rowval){true, UINT32_MAX, 0};
    }
}

static struct rowval line_field(const struct sg_line *l, enum sg_field f)
{
    switch (f) {
    case SG_F_ROW_CATEGORY: return (struct rowval){true, l->category, 0};
    case SG_F_ROW_PRODUCT_ID: return (struct rowval){true, l->product_id, 0};
    case SG_F_ROW_SKU: return (struct rowval){true, l->sku, 0};
    case SG_F_ROW_NAME: return (struct rowval){true, l->name, 0};
    case SG_F_ROW_PRICE: return (struct rowval){false, 0, (double)l->price_cents / 100.0};
    case SG_F_ROW_QUANTITY: return (struct rowval){false, 0, (double)l->quantity};
    case SG_F_ROW_AMOUNT:
        return (struct rowval){false, 0, (double)l->price_cents * l->quantity / 100.0};
    default: return (struct rowval){true, UINT32_MAX, 0};
    }
}

static struct rowval event_field(const struct sg_event *e, enum sg_field f)
{
    switch (f) {
    case SG_F_ROW_NAME: return (struct rowval){true, e->name, 0};
    case SG_F_ROW_TYPE: return (struct rowval){true, e->type, 0};
    case SG_F_ROW_SOURCE: return (struct rowval){true, e->source, 0};
    default: return (struct rowval){true, UINT32_MAX, 0};
    }
}

/* Whether the i-th row of the aggregate's table passes every filter; *of its summed value. */
static bool row_passes(const struct sg_node *n, const struct sg_prof *p, uint32_t i,
                       const struct sg_ctx *c, double *of)
{
    int64_t ts;
    switch (n->table) {
    case SG_ORDERS:
        ts = p->orders[i].ts;
        if (ts < c->since)
            return false;
        *of = order_field(&p->orders[i], n->of).num;
        for (int k = 0; k < n->nkids; k++)
            if (!row_filter(n->kids[k], order_field(&p->orders[i], n->kids[k]->field), ts, c))
                return false;
        return true;
    case SG_LINES:
        ts = p->lines[i].ts;
        if (ts < c->since)
            return false;
        *of = line_field(&p->lines[i], n->of).num;
        for (int k = 0; k < n->nkids; k++)
            if (!row_filter(n->kids[k], line_field(&p->lines[i], n->kids[k]->field), ts, c))
                return false;
        return true;
    case SG_EVENTS:
        ts = p->events[i].ts;
        if (ts < c->since)
            return false;
        *of = 0;
        for (int k = 0; k < n->nkids; k++)
            if (!row_filter(n->kids[k], event_field(&p->events[i], n->kids[k]->field), ts, c))
                return false;
        return true;
    }
    return false;
}

static bool aggregate(const struct sg_node *n, const struct sg_prof *p, const struct sg_ctx *c)
{
    for (int k = 0; k < n->nkids; k++)
        text_ids(n->kids[k], c->world);
    uint32_t rows = n->table == SG_ORDERS ? p->norders : n->table == SG_LINES ? p->nlines
                                                                              : p->nevents;
    /* cancelled orders are no purchases, unless the rule asks about the status */
    uint32_t cancelled = UINT32_MAX;
    if (n->table == SG_ORDERS) {
        cancelled = sg_world_text_id(c->world, "cancelled");
        for (int k = 0; k < n->nkids; k++)
            if (n->kids[k]->field == SG_F_ROW_STATUS)
                cancelled = UINT32_MAX;
    }
    double count = 0, sum = 0, min = 0, max = 0, of;
    for (uint32_t i = 0; i < rows; i++) {
        if (cancelled != UINT32_MAX && p->orders[i].status == cancelled)
            continue;
        if (!row_passes(n, p, i, c, &of))
            continue;
        if (n->func == SG_ANY)
            return true;
        if (n->func == SG_NONE)
            return false;
        if (count == 0 || of < min)
            min = of;
        if (count == 0 || of > max)
            max = of;
        count++;
        sum += of;
    }
    switch (n->func) {
    case SG_ANY: return false;
    case SG_NONE: return true;
    case SG_COUNT: return compare(count, n->cmp, n->value.num);
    case SG_SUM: return compare(sum, n->cmp, n->value.num);
    case SG_AVG: return count > 0 && compare(sum / count, n->cmp, n->value.num);
    case SG_MIN: return count > 0 && compare(min, n->cmp, n->value.num);
    case SG_MAX: return count > 0 && compare(max, n->cmp, n->value.num);
    }
    return false;
}

/* A stable number in [0, 10000) for a profile and a seed (splitmix64). */
static uint64_t sample_bucket(int64_t id, int64_t seed)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL ^ (uint64_t)seed * 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x % 10000;
}

static bool eval_node(const struct sg_node *n, const struct sg_ctx *c, const struct sg_prof *p,
                      uint32_t slot)
{
    const char *text;
    double num = 0;
    switch (n->op) {
    case SG_AND:
        for (int i = 0; i < n->nkids; i++)
            if (!eval_node(n->kids[i], c, p, slot))
                return false;
        return true;
    case SG_OR:
        for (int i = 0; i < n->nkids; i++)
            if (eval_node(n->kids[i], c, p, slot))
                return true;
        return false;
    case SG_NOT:
        return !eval_node(n->kids[0], c, p, slot);
    case SG_CMP:
        return field_value(p, n, &text, &num) &&
               value_matches(text, num, n->cmp, &n->value, sg_field_type(n->field), c->offset_s);
    case SG_IN: {
        if (!field_value(p, n, &text, &num))
            return false;
        bool any = false;
        for (int i = 0; i < n->nvalues && !any; i++)
            any = value_matches(text, num, SG_EQ, &n->values[i], sg_field_type(n->field),
                                c->offset_s);
        return n->negate ? !any : any;
    }
    case SG_CONTAINS:
    case SG_STARTS_WITH:
        return field_value(p, n, &text, &num) && text &&
               contains_nocase(text, n->value.str, n->op == SG_STARTS_WITH);
    case SG_IS_SET: {
        bool set = field_value(p, n, &text, &num);
        return n->negate ? !set : set;
    }
    case SG_ANNIVERSARY: {
        int64_t days;
        return field_value(p, n, &text, &num) && date_days(text, &days) &&
               days_to_anniversary(days, c->today) < n->secs / 86400;
    }
    case SG_BEFORE_AGO:
    case SG_AFTER_AGO:
    case SG_WITHIN: {
        if (!field_value(p, n, &text, &num))
            return false;
        int64_t days;
        if (text) { /* a date: its midnight UTC */
            if (!date_days(text, &days))
                return false;
            num = (double)(days * DAY_MS);
        }
        double edge = (double)(c->now - n->secs * 1000);
        return n->op == SG_BEFORE_AGO ? num < edge : num >= edge && num <= (double)c->now;
    }
    case SG_AGG:
        return aggregate(n, p, c);
    case SG_CONSENT: {
        /*
         * The general statement (no purpose) decides when there is one, an
         * opt-out above all; else any purpose opted in (or the one asked for).
         */
        text_ids(n, c->world);
        uint32_t ch = n->tid, want = n->tid2;
        if (ch == UINT32_MAX || (n->sub && want == UINT32_MAX))
            return false;
        bool any_in = false;
        for (uint32_t i = 0; i < p->nconsents; i++) {
            const struct sg_consent *k = &p->consents[i];
            if (k->channel != ch)
                continue;
            if (k->purpose == UINT32_MAX) { /* the general statement */
                if (!k->opted_in)
                    return false;
                if (!n->sub)
                    return true;
            } else if (k->opted_in && (!n->sub || k->purpose == want)) {
                any_in = true;
            }
        }
        return any_in;
    }
    case SG_HAS: {
        text_ids(n, c->world);
        return n->tid < 64 && (p->identity_types >> n->tid & 1);
    }
    case SG_HOUSEHOLD: {
        uint32_t size = p->household_id ? sg_world_household_size(c->world, p->household_id) : 1;
        return compare((double)(size ? size : 1), n->cmp, n->value.num);
    }
    case SG_SEGMENT: {
        const char *sub = NULL;
        int in = c->member ? c->member(c->member_ctx, n->name, slot, &sub) : -1;
        if (in <= 0)
            return false;
        if (!n->sub)
            return true;
        bool same = sub && strcasecmp(sub, n->sub) == 0;
        return n->cmp == SG_EQ ? same : !same;
    }
    case SG_SAMPLE:
        return (double)sample_bucket(p->id, n->seed) < n->percent * 100.0;
    }
    return false;
}

struct ref_check {
    const struct sg_ctx *c;
    uint32_t slot;
    bool unknown;
};

static void check_ref(void *ctx, const char *name)
{
    struct ref_check *k = ctx;
    const char *sub;
    if (!k->unknown && (!k->c->member || k->c->member(k->c->member_ctx, name, k->slot, &sub) < 0))
        k->unknown = true;
}

bool sg_eval(const struct sg_rule *r, const struct sg_ctx *c, uint32_t slot)
{
    const struct sg_prof *p = sg_world_prof(c->world, slot);
    if (!p || !p->live)
        return false;
    if (r->has_refs) { /* a rule naming a segment that does not exist selects nobody */
        struct ref_check k = {c, slot, false};
        sg_each_segment_ref(r, check_ref, &k);
        if (k.unknown)
            return false;
    }
    return eval_node(r->root, c, p, slot);
}
