/*
 * segment.c — Segment-spec message parsing and validation.
 *
 * Spec: https://segment.com/docs/connections/spec/ (common fields, identify,
 * track, page, screen, group, alias, e-commerce v2). Unknown fields are kept
 * (the raw message is stored unchanged); known fields must have the right
 * type or the message is rejected with the field's name.
 */
#include "ingest/segment.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/xalloc.h"

static const char *const type_names[SEG_NTYPES] = {"identify", "track", "page",
                                                   "screen",   "group", "alias"};

const char *seg_type_name(enum seg_type t)
{
    return (unsigned)t < SEG_NTYPES ? type_names[t] : "unknown";
}

int seg_type_from_name(const char *name)
{
    for (int t = 0; t < SEG_NTYPES; t++)
        if (strcmp(name, type_names[t]) == 0)
            return t;
    return -1;
}

bool seg_channel_valid(const char *channel)
{
    static const char *const channels[] = {"email", "sms", "push", "post", "phone"};
    for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++)
        if (strcmp(channel, channels[i]) == 0)
            return true;
    return false;
}

/* An identifier as text in the arena: strings as they are, integers in decimal. */
static int get_id(json_t *obj, const char *key, const char *path, struct arena *a,
                  const char **out, struct errbuf *e)
{
    char idbuf[24];
    int rc = json_get_id(obj, key, path, idbuf, out, e);
    if (!rc && *out == idbuf)
        *out = arena_strdup(a, idbuf);
    return rc;
}

static int money_cents(double v, int64_t *out)
{
    if (fabs(v) > 9e15)
        return ERR_INVALID;
    *out = llround(v * 100.0);
    return 0;
}

/* ---- identify traits ------------------------------------------------------ */

struct trait_map {
    const char *key;
    enum profile_field field;
};

static const struct trait_map trait_fields[] = {
    {"firstName", PF_FIRST_NAME}, {"first_name", PF_FIRST_NAME},
    {"lastName", PF_LAST_NAME},   {"last_name", PF_LAST_NAME},
    {"gender", PF_GENDER},        {"email", PF_EMAIL},
    {"phone", PF_PHONE},          {"language", PF_LANGUAGE},
};

static const struct trait_map address_fields[] = {
    {"street", PF_STREET},           {"houseNumber", PF_HOUSE_NUMBER},
    {"house_number", PF_HOUSE_NUMBER}, {"postalCode", PF_POSTAL_CODE},
    {"postal_code", PF_POSTAL_CODE}, {"city", PF_CITY},
    {"country", PF_COUNTRY},
};

/* Traits handled here rather than kept as custom attributes. */
static bool trait_known(const char *key)
{
    for (size_t i = 0; i < sizeof(trait_fields) / sizeof(trait_fields[0]); i++)
        if (strcmp(key, trait_fields[i].key) == 0)
            return true;
    return strcmp(key, "name") == 0 || strcmp(key, "birthday") == 0 ||
           strcmp(key, "address") == 0 || strcmp(key, "salutation") == 0 ||
           strcmp(key, "title") == 0;
}

static const char *trimmed(struct arena *a, const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n ? arena_strndup(a, s, n) : NULL;
}

static int map_strings(json_t *obj, const char *path, const struct trait_map *map, size_t n,
                       struct arena *a, struct seg_msg *m, struct errbuf *e)
{
    for (size_t i = 0; i < n; i++) {
        const char *v;
        int rc = json_get_str(obj, map[i].key, path, &v, e);
        if (rc)
            return rc;
        if (v && !m->fields[map[i].field])
            m->fields[map[i].field] = trimmed(a, v);
    }
    return 0;
}

/* "Ann Marie Smith" -> first "Ann Marie", last "Smith", unless they were given. */
static void split_name(const char *name, struct arena *a, struct seg_msg *m)
{
    const char *full = trimmed(a, name);
    if (!full)
        return;
    const char *sp = strrchr(full, ' ');
    if (!sp) {
        if (!m->fields[PF_FIRST_NAME])
            m->fields[PF_FIRST_NAME] = full;
        return;
    }
    const char *first = arena_strndup(a, full, (size_t)(sp - full));
    if (first && !m->fields[PF_FIRST_NAME])
        m->fields[PF_FIRST_NAME] = trimmed(a, first);
    if (!m->fields[PF_LAST_NAME])
        m->fields[PF_LAST_NAME] = trimmed(a, sp + 1);
}

static int parse_traits(struct seg_msg *m, struct arena *a, struct errbuf *e)
{
    json_t *t = m->traits;
    int rc = map_strings(t, "traits", trait_fields,
                         sizeof(trait_fields) / sizeof(trait_fields[0]), a, m, e);
    if (rc)
        return rc;
    const char *name, *birthday;
    if ((rc = json_get_str(t, "name", "traits", &name, e)))
        return rc;
    if (name)
        split_name(name, a, m);
    if ((rc = json_get_str(t, "birthday", "traits", &birthday, e)))
        return rc;
    /* as given: the cleaning rules read dates in any common form */
    if (birthday)
        m->fields[PF_BIRTH_DATE] = trimmed(a, birthday);
    const char *salutation;
    if ((rc = json_get_str(t, "salutation", "traits", &salutation, e)) ||
        (!salutation && (rc = json_get_str(t, "title", "traits", &salutation, e))))
        return rc;
    if (salutation)
        m->salutation = trimmed(a, salutation);
    json_t *addr;
    if ((rc = json_get_obj(t, "address", "traits", &addr, e)))
        return rc;
    if (addr && (rc = map_strings(addr, "traits.address", address_fields,
                                  sizeof(address_fields) / sizeof(address_fields[0]), a, m, e)))
        return rc;

    const char *key;
    json_t *v;
    json_object_foreach(t, key, v) {
        if (trait_known(key))
            continue;
        if (!m->custom)
            m->custom = json_object();
        json_object_set(m->custom, key, v);
    }
    return 0;
}

/* ---- e-commerce and consent ---------------------------------------------- */

static int parse_products(struct seg_msg *m, json_t *products, struct arena *a, struct errbuf *e)
{
    size_t n = json_array_size(products);
    if (n > SEG_MAX_BATCH_EVENTS)
        return err_field(e, ERR_INVALID, "properties.products",
                         "field 'properties.products' has more than %d items",
                         SEG_MAX_BATCH_EVENTS);
    struct store_order_line *lines = n ? arena_alloc(a, n * sizeof(*lines)) : NULL;
    if (n && !lines)
        return err_set(e, ERR_TOO_BIG, "order too large");
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(products, i);
        char path[64];
        snprintf(path, sizeof(path), "properties.products[%zu]", i);
        if (!json_is_object(p))
            return err_field(e, ERR_INVALID, path, "field '%s' must be an object", path);
        struct store_order_line *l = &lines[i];
        memset(l, 0, sizeof(*l));
        double price = 0, qty = 1;
        bool has;
        int rc = get_id(p, "product_id", path, a, &l->product_id, e);
        if (!rc)
            rc = get_id(p, "sku", path, a, &l->sku, e);
        if (!rc)
            rc = json_get_str(p, "name", path, &l->name, e);
        if (!rc)
            rc = json_get_str(p, "category", path, &l->category, e);
        if (!rc)
            rc = json_get_num(p, "price", path, &price, &has, e);
        if (!rc)
            rc = json_get_num(p, "quantity", path, &qty, &has, e);
        if (rc)
            return rc;
        if (!has)
            qty = 1;
        char field[96];
        if (qty < 0 || qty > 1e9 || qty != floor(qty)) {
            snprintf(field, sizeof(field), "%s.quantity", path);
            return err_field(e, ERR_INVALID, field, "field '%s' must be a whole number >= 0",
                             field);
        }
        if (money_cents(price, &l->price_cents)) {
            snprintf(field, sizeof(field), "%s.price", path);
            return err_field(e, ERR_INVALID, field, "field '%s' is out of range", field);
        }
        l->quantity = (int64_t)qty;
        int64_t line;
        if (__builtin_mul_overflow(l->price_cents, l->quantity, &line) ||
            __builtin_add_overflow(sum, line, &sum))
            return err_field(e, ERR_INVALID, path, "field '%s' makes the order total out of range",
                             path);
    }
    m->order.lines = lines;
    m->order.nlines = n;
    m->order.total_cents = sum;
    return 0;
}

static int parse_order(struct seg_msg *m, struct arena *a, struct errbuf *e)
{
    json_t *p = m->properties;
    struct store_order *o = &m->order;
    o->status = m->special == SEG_ORDER_REFUNDED ? "refunded" : "completed";
    o->ordered_at = m->ts;
    int rc = get_id(p, "order_id", "properties", a, &o->external_id, e);
    if (rc)
        return rc;
    if (!o->external_id)
        return err_field(e, ERR_INVALID, "properties.order_id",
                         "field 'properties.order_id' is required for \"%s\"", m->name);
    json_t *products;
    if ((rc = json_get_arr(p, "products", "properties", &products, e)))
        return rc;
    if (products && (rc = parse_products(m, products, a, e)))
        return rc;
    if ((rc = json_get_str(p, "currency", "properties", &o->currency, e)))
        return rc;
    double total, revenue;
    bool has_total, has_revenue;
    if ((rc = json_get_num(p, "total", "properties", &total, &has_total, e)) ||
        (rc = json_get_num(p, "revenue", "properties", &revenue, &has_revenue, e)))
        return rc;
    if (has_revenue && money_cents(revenue, &o->revenue_cents))
        return err_field(e, ERR_INVALID, "properties.revenue", "field 'properties.revenue' is out of range");
    o->has_revenue = has_revenue;
    if (has_total) {
        if (money_cents(total, &o->total_cents))
            return err_field(e, ERR_INVALID, "properties.total", "field 'properties.total' is out of range");
    } else if (has_revenue) {
        o->total_cents = o->revenue_cents;
    }
    return 0;
}

int seg_parse_consent(json_t *obj, const char *path, const char *channel, int64_t now,
                      struct store_consent *out, struct errbuf *e)
{
    char field[96];
    memset(out, 0, sizeof(*out));
    out->ts = now;
    out->purpose = "";
    int rc = 0;
    if (!channel) {
        if ((rc = json_get_str(obj, "channel", path, &channel, e)))
            return rc;
        json_field_path(field, sizeof(field), path, "channel");
        if (!channel)
            return err_field(e, ERR_INVALID, field, "field '%s' is required", field);
    }
    if (!seg_channel_valid(channel)) {
        json_field_path(field, sizeof(field), path, "channel");
        return err_field(e, ERR_INVALID, field,
                         "field '%s' must be one of email, sms, push, post, phone", field);
    }
    out->channel = channel;
    json_field_path(field, sizeof(field), path, "status");
    if ((rc = json_get_str(obj, "status", path, &out->status, e)))
        return rc;
    if (!out->status || (strcmp(out->status, "opted_in") && strcmp(out->status, "opted_out")))
        return err_field(e, ERR_INVALID, field, "field '%s' must be \"opted_in\" or \"opted_out\"",
                         field);
    const char *purpose;
    if ((rc = json_get_str(obj, "purpose", path, &purpose, e)))
        return rc;
    if (purpose)
        out->purpose = purpose;

    /* The proof: a "proof" object, or the same keys beside status. */
    json_t *proof;
    char ppath[96];
    if ((rc = json_get_obj(obj, "proof", path, &proof, e)))
        return rc;
    if (proof) {
        json_field_path(ppath, sizeof(ppath), path, "proof");
    } else {
        proof = obj;
        snprintf(ppath, sizeof(ppath), "%s", path);
    }
    bool has_time;
    if ((rc = json_get_str(proof, "source", ppath, &out->source, e)) ||
        (rc = json_get_str(proof, "wording", ppath, &out->wording, e)) ||
        (rc = json_get_str(proof, "ip", ppath, &out->ip, e)) ||
        (rc = json_get_time(proof, "time", ppath, &out->ts, &has_time, e)))
        return rc;
    if (!has_time)
        out->ts = now;
    return 0;
}

/* ---- messages ------------------------------------------------------------- */

/* When it happened: timestamp, else originalTimestamp corrected for clock skew by sentAt. */
static int parse_time(struct seg_msg *m, json_t *batch_ctx, int64_t now, struct errbuf *e)
{
    json_t *msg = m->raw;
    bool has;
    int64_t ts, orig, sent;
    int rc = json_get_time(msg, "timestamp", "", &ts, &has, e);
    if (rc)
        return rc;
    if (has) {
        m->ts = ts;
        return 0;
    }
    m->ts = now;
    bool has_orig, has_sent;
    if ((rc = json_get_time(msg, "originalTimestamp", "", &orig, &has_orig, e)) ||
        (rc = json_get_time(msg, "sentAt", "", &sent, &has_sent, e)))
        return rc;
    if (!has_sent && batch_ctx &&
        (rc = json_get_time(batch_ctx, "sentAt", "", &sent, &has_sent, e)))
        return rc;
    if (has_orig)
        m->ts = has_sent ? now - (sent - orig) : orig;
    return 0;
}

static int parse_common(struct seg_msg *m, json_t *batch_ctx, int64_t now, struct arena *a,
                        struct errbuf *e)
{
    json_t *msg = m->raw;
    int rc;
    if ((rc = json_get_str(msg, "messageId", "", &m->message_id, e)) ||
        (rc = get_id(msg, "userId", "", a, &m->user_id, e)) ||
        (rc = get_id(msg, "anonymousId", "", a, &m->anonymous_id, e)) ||
        (rc = json_get_obj(msg, "context", "", &m->context, e)) ||
        (rc = json_get_obj(msg, "properties", "", &m->properties, e)) ||
        (rc = json_get_obj(msg, "traits", "", &m->traits, e)))
        return rc;
    if (m->message_id && !*m->message_id)
        m->message_id = NULL;
    if (m->message_id && strlen(m->message_id) > 256)
        return err_field(e, ERR_INVALID, "messageId", "field 'messageId' is longer than 256 bytes");
    if (!m->context && batch_ctx && (rc = json_get_obj(batch_ctx, "context", "", &m->context, e)))
        return rc;
    return parse_time(m, batch_ctx, now, e);
}

static int parse_type_fields(struct seg_msg *m, struct arena *a, struct errbuf *e)
{
    json_t *msg = m->raw;
    int rc = 0;
    switch (m->type) {
    case SEG_IDENTIFY:
        return m->traits ? parse_traits(m, a, e) : 0;
    case SEG_TRACK:
        if ((rc = json_get_str(msg, "event", "", &m->name, e)))
            return rc;
        if (!m->name || !*m->name)
            return err_field(e, ERR_INVALID, "event", "field 'event' is required for track");
        if (strcmp(m->name, "Order Completed") == 0)
            m->special = SEG_ORDER_COMPLETED;
        else if (strcmp(m->name, "Order Refunded") == 0)
            m->special = SEG_ORDER_REFUNDED;
        else if (strcmp(m->name, "Consent Updated") == 0)
            m->special = SEG_CONSENT_UPDATED;
        if (m->special == SEG_ORDER_COMPLETED || m->special == SEG_ORDER_REFUNDED) {
            json_t *empty = NULL;
            if (!m->properties)
                m->properties = empty = json_object();
            rc = parse_order(m, a, e);
            if (empty) {
                m->properties = NULL;
                json_decref(empty);
            }
            return rc;
        }
        if (m->special == SEG_CONSENT_UPDATED) {
            if (!m->properties)
                return err_field(e, ERR_INVALID, "properties",
                                 "field 'properties' is required for \"Consent Updated\"");
            rc = seg_parse_consent(m->properties, "properties", NULL, m->ts, &m->consent, e);
            if (!rc && !m->consent.ip && m->context)
                json_get_str(m->context, "ip", "context", &m->consent.ip, NULL);
            return rc;
        }
        return 0;
    case SEG_PAGE:
    case SEG_SCREEN:
        return json_get_str(msg, "name", "", &m->name, e);
    case SEG_GROUP:
        if ((rc = get_id(msg, "groupId", "", a, &m->group_id, e)))
            return rc;
        if (!m->group_id)
            return err_field(e, ERR_INVALID, "groupId", "field 'groupId' is required for group");
        return 0;
    case SEG_ALIAS:
        if ((rc = get_id(msg, "previousId", "", a, &m->previous_id, e)))
            return rc;
        if (!m->previous_id)
            return err_field(e, ERR_INVALID, "previousId",
                             "field 'previousId' is required for alias");
        if (!m->user_id)
            return err_field(e, ERR_INVALID, "userId", "field 'userId' is required for alias");
        return 0;
    default:
        BUG("bad message type %d", m->type);
    }
}

int seg_parse(json_t *msg, int type, json_t *batch_ctx, int64_t now, struct arena *a,
              struct seg_msg *out, struct errbuf *e)
{
    memset(out, 0, sizeof(*out));
    out->raw = msg;
    if (!json_is_object(msg))
        return err_field(e, ERR_INVALID, type < 0 ? "" : "body", "a message must be a JSON object");
    if (type < 0) {
        const char *tname;
        int rc = json_get_str(msg, "type", "", &tname, e);
        if (rc)
            return rc;
        if (!tname)
            return err_field(e, ERR_INVALID, "type", "field 'type' is required in a batch");
        type = seg_type_from_name(tname);
        if (type < 0)
            return err_field(e, ERR_INVALID, "type",
                             "field 'type' must be identify, track, page, screen, group or "
                             "alias, got \"%.32s\"",
                             tname);
    }
    out->type = (enum seg_type)type;
    if (json_depth_exceeds(msg, SEG_MAX_DEPTH))
        return err_field(e, ERR_INVALID, "", "the message is nested deeper than %d levels",
                         SEG_MAX_DEPTH);
    int rc = parse_common(out, batch_ctx, now, a, e);
    if (!rc && !out->user_id && !out->anonymous_id)
        rc = err_field(e, ERR_INVALID, "userId", "either 'userId' or 'anonymousId' is required");
    if (!rc)
        rc = parse_type_fields(out, a, e);
    if (!rc && a->failed)
        rc = err_set(e, ERR_TOO_BIG, "the request needs more memory than a request may use");
    return rc;
}

json_t *seg_event_properties(const struct seg_msg *m)
{
    return m->type == SEG_IDENTIFY || m->type == SEG_GROUP ? m->traits : m->properties;
}

void seg_msg_release(struct seg_msg *m)
{
    json_decref(m->custom);
    m->custom = NULL;
}
