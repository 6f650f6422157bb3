/*
 * ingest.c — from parsed Segment messages to stored rows.
 *
 * Identity rules for this stage (deterministic only; matching on e-mail,
 * phone and the like is the identity module's job):
 *   - userId is an identity per source, anonymousId a global one;
 *   - an anonymous-only profile that meets its userId is merged into the
 *     userId's profile; a profile that already has another userId is never
 *     merged on an anonymousId alone (shared devices);
 *   - alias(previousId, userId) merges the two profiles when both exist.
 */
#include "ingest/ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/str.h"
#include "base/xalloc.h"

static int find(struct store *s, const char *type, const char *value, const char *source,
                int64_t *pid)
{
    *pid = 0;
    if (!value)
        return 0;
    int rc = store_identity_find(s, type, value, source, pid);
    return rc == ERR_NOT_FOUND ? 0 : rc;
}

static int attach(struct store *s, const char *type, const char *value, const char *source,
                  int64_t pid, int64_t now)
{
    if (!value)
        return 0;
    int rc = store_identity_add(s, type, value, source, pid, now, NULL);
    /* Owned by another profile: left where it is; linking is the identity module's call. */
    return rc == ERR_EXISTS ? 0 : rc;
}

static int merge(struct store *s, int64_t survivor, int64_t absorbed, const char *rule,
                 const char *type, const char *value, int64_t now, int *merges)
{
    json_t *ev = json_pack("{s:s, s:s, s:s}", "rule", rule, "identity_type", type, "identity_value", value);
    char *evidence = json_dump_str(ev);
    json_decref(ev);
    int rc = store_profile_merge(s, survivor, absorbed, rule, evidence, 1.0, now);
    free(evidence);
    if (!rc && merges)
        (*merges)++;
    return rc;
}

int ingest_resolve(struct store *s, const char *user_id, const char *anonymous_id,
                   const char *source, int64_t now, int64_t *profile_id, int *merges)
{
    int64_t pu, pa;
    int rc = find(s, "user_id", user_id, source, &pu);
    if (!rc)
        rc = find(s, "anonymous_id", anonymous_id, "", &pa);
    if (rc)
        return rc;

    if (pu && pa && pu != pa) {
        if (!store_profile_has_identity(s, pa, "user_id"))
            rc = merge(s, pu, pa, "identify: anonymousId joined its userId", "anonymous_id",
                       anonymous_id, now, merges);
        *profile_id = pu;
        return rc;
    }
    if (pu) {
        *profile_id = pu;
        return pa ? 0 : attach(s, "anonymous_id", anonymous_id, "", pu, now);
    }
    if (pa && (!user_id || !store_profile_has_identity(s, pa, "user_id"))) {
        *profile_id = pa;
        return attach(s, "user_id", user_id, source, pa, now);
    }
    /* Unknown, or an anonymousId already owned by another user: a new profile. */
    rc = store_profile_create(s, source, now, profile_id);
    if (!rc)
        rc = attach(s, "user_id", user_id, source, *profile_id, now);
    if (!rc && !pa)
        rc = attach(s, "anonymous_id", anonymous_id, "", *profile_id, now);
    return rc;
}

static int resolve_alias(struct store *s, const struct seg_msg *m, const char *source,
                         int64_t now, int64_t *pid, int *merges)
{
    int64_t pu, pprev;
    const char *prev_type = "user_id", *prev_source = source;
    int rc = find(s, "user_id", m->user_id, source, &pu);
    if (!rc)
        rc = find(s, "user_id", m->previous_id, source, &pprev);
    if (!rc && !pprev) {
        prev_type = "anonymous_id";
        prev_source = "";
        rc = find(s, "anonymous_id", m->previous_id, "", &pprev);
    }
    if (rc)
        return rc;
    if (pu && pprev) {
        *pid = pu;
        return pu == pprev ? 0 : merge(s, pu, pprev, "alias", prev_type, m->previous_id, now, merges);
    }
    if (pprev) {
        *pid = pprev;
        return attach(s, "user_id", m->user_id, source, pprev, now);
    }
    if (!pu && (rc = store_profile_create(s, source, now, &pu)))
        return rc;
    *pid = pu;
    rc = attach(s, "user_id", m->user_id, source, pu, now);
    if (!rc)
        rc = attach(s, prev_type, m->previous_id, prev_source, pu, now);
    return rc;
}

static int apply_identify(struct store *s, const struct seg_msg *m, int64_t *pid,
                          const char *source, int64_t now)
{
    struct ingest_record rec = {
        .source = source, .kind = "identify",
        .external_id = m->user_id ? m->user_id : m->anonymous_id, .message_id = m->message_id,
        .payload = m->raw_text, .clean = m->clean, .custom = m->custom,
        .cleaned_text = m->cleaned_text, .corrections_text = m->corrections_text,
    };
    return ingest_record_store(s, pid, &rec, now, NULL);
}

static int apply_track(struct store *s, const struct seg_msg *m, int64_t pid, const char *source,
                       int64_t now)
{
    switch (m->special) {
    case SEG_ORDER_COMPLETED: {
        struct store_order o = m->order;
        o.profile_id = pid;
        o.source = source;
        return store_order_upsert(s, &o, now, NULL);
    }
    case SEG_ORDER_REFUNDED:
        return store_order_refund(s, pid, source, m->order.external_id,
                                  m->order.has_revenue ? m->order.revenue_cents
                                                       : m->order.total_cents,
                                  m->ts, now);
    case SEG_CONSENT_UPDATED: {
        struct store_consent c = m->consent;
        c.profile_id = pid;
        if (!c.source)
            c.source = source;
        return store_consent_set(s, &c, now);
    }
    case SEG_PLAIN:
        return 0;
    }
    return 0;
}

/* Store one message whose texts store_texts made (inside a transaction). */
static int ingest_apply(struct store *s, const struct seg_msg *m, const char *source, int64_t now,
                        bool *duplicate, int *merges, struct errbuf *e)
{
    *duplicate = false;
    if (m->message_id && store_message_seen(s, m->message_id)) {
        *duplicate = true;
        return 0;
    }
    int64_t pid = 0;
    int rc = m->type == SEG_ALIAS ? resolve_alias(s, m, source, now, &pid, merges)
                                  : ingest_resolve(s, m->user_id, m->anonymous_id, source, now,
                                                   &pid, merges);
    if (!rc && m->type == SEG_IDENTIFY)
        rc = apply_identify(s, m, &pid, source, now);
    if (!rc && m->type == SEG_TRACK)
        rc = apply_track(s, m, pid, source, now);
    if (rc)
        return err_set(e, rc, "storing %s message: %s", seg_type_name(m->type), err_str(rc));

    const char *name = m->type == SEG_GROUP ? m->group_id : m->name;
    struct store_event ev = {
        .profile_id = pid, .source = source, .type = seg_type_name(m->type), .name = name,
        .properties = m->props_text, .context = m->ctx_text, .message_id = m->message_id,
        .ts = m->ts, .received_at = now,
    };
    rc = store_event_add(s, &ev);
    if (rc == ERR_DUPLICATE) {
        *duplicate = true;
        rc = 0;
    }
    return rc ? err_set(e, rc, "storing event: %s", err_str(rc)) : 0;
}

/* ---- requests ------------------------------------------------------------- */

/*
 * An identify's traits pass the cleaning rules here, on the parsing thread:
 * a test record is refused (and so quarantined) like any invalid message.
 */
/*
 * The sender's locale, as SDKs send it in context.locale ("nl-BE", "en_US"):
 * it orders day and month in dates, and its region is the country of phone
 * numbers and postcodes when the traits give none.
 */
static void context_locale(struct arena *a, const struct seg_msg *m, struct clean_ctx *c)
{
    json_t *v = m->context ? json_object_get(m->context, "locale") : NULL;
    const char *loc = json_string_value(v);
    if (!loc || strlen(loc) > 35)
        return;
    c->locale = loc;
    const char *sep = strpbrk(loc, "-_");
    if (sep && strlen(sep + 1) == 2 && isalpha((unsigned char)sep[1]) &&
        isalpha((unsigned char)sep[2])) {
        char *cc = arena_strndup(a, sep + 1, 2);
        if (cc) {
            cc[0] = (char)toupper((unsigned char)cc[0]);
            cc[1] = (char)toupper((unsigned char)cc[1]);
            c->country = cc;
        }
    }
}

static int clean_identify(struct ingest_request *r, struct seg_msg *m, int64_t now,
                          struct errbuf *e)
{
    if (m->type != SEG_IDENTIFY)
        return 0;
    struct clean_output *co = arena_alloc(&r->arena, sizeof(*co));
    if (!co)
        return err_set(e, ERR_TOO_BIG, "the request needs more memory than a request may use");
    struct clean_input in = {.salutation = m->salutation};
    memcpy(in.fields, m->fields, sizeof(in.fields));
    struct clean_ctx c = {.now = now, .arena = &r->arena};
    context_locale(&r->arena, m, &c);
    int rc = clean_record(&c, ingest_patterns(), &in, co);
    if (!rc)
        rc = ingest_record_texts(&r->arena, co, &m->cleaned_text, &m->corrections_text);
    if (rc)
        return err_set(e, ERR_TOO_BIG, "the request needs more memory than a request may use");
    m->clean = co;
    if (co->test_reason)
        return err_field(e, ERR_INVALID, co->test_field[0] == 'e' ? "traits.email" : "traits.name",
                         "%s", co->test_reason);
    return 0;
}

static void add_reject(struct ingest_request *r, size_t cap, const char *kind,
                       const struct errbuf *e, const char *payload, size_t len)
{
    if (r->nrejects == cap)
        BUG("reject array full");
    struct ingest_reject *j = &r->rejects[r->nrejects++];
    j->kind = kind;
    j->reason = arena_strdup(&r->arena, e->msg[0] ? e->msg : "invalid");
    j->field = arena_strdup(&r->arena, e->field);
    j->payload = payload;
    j->payload_len = len;
    if (!j->reason)
        j->reason = "invalid";
    if (!j->field)
        j->field = "";
}

static const char *dump_to_arena(struct arena *a, const json_t *v)
{
    char *text = json_dump_str(v);
    const char *copy = arena_strdup(a, text);
    free(text);
    return copy;
}

/* Where a message's parts stand in the text as sent. */
/* Where a message's parts stand in the text as sent. */
struct msg_spans {
    struct str item, properties, traits, context;
    bool unusable; /* an escaped key or a writeKey: the text may differ from what was parsed */
};

static int span_member(void *ctx, struct str key, struct str value)
{
    struct msg_spans *sp = ctx;
    /* Jansson decodes escaped keys; these raw ones could then name another member. */
    if (memchr(key.ptr, '\\', key.len) || str_eq_cstr(key, "writeKey"))
        sp->unusable = true;
    /* The last of repeated keys wins, as in the parsed value. */
    if (str_eq_cstr(key, "properties"))
        sp->properties = value;
    else if (str_eq_cstr(key, "traits"))
        sp->traits = value;
    else if (str_eq_cstr(key, "context"))
        sp->context = value;
    return 0;
}

static const char *span_text(struct arena *a, struct str s)
{
    return s.len && !str_eq_cstr(s, "null") ? arena_strndup(a, s.ptr, s.len) : NULL;
}

/* A batch's context, shared by the items that have none: made into text once. */
struct shared_context {
    const json_t *json; /* the batch's context object, NULL when none */
    struct str span;    /* its text as sent, when known */
    const char *text;   /* made on first use */
};

static const char *shared_text(struct ingest_request *r, struct shared_context *c)
{
    if (!c->text)
        c->text = c->span.len ? span_text(&r->arena, c->span) : dump_to_arena(&r->arena, c->json);
    return c->text;
}

/*
 * The texts the writer stores: the message's own bytes as sent where they
 * can be found (sp, may be NULL), else a compact serialisation. Made here on
 * the parsing thread so that the single writer spends its time on SQL.
 */
static void store_texts(struct ingest_request *r, struct seg_msg *m, const struct msg_spans *sp,
                        struct shared_context *shared)
{
    struct arena *a = &r->arena;
    json_t *props = seg_event_properties(m);
    bool from_traits = m->type == SEG_IDENTIFY || m->type == SEG_GROUP;
    bool as_sent = sp && !sp->unusable;
    m->raw_text = as_sent ? span_text(a, sp->item) : dump_to_arena(a, m->raw);
    if (props)
        m->props_text = as_sent ? span_text(a, from_traits ? sp->traits : sp->properties)
                                : dump_to_arena(a, props);
    if (m->context && shared && m->context == shared->json)
        m->ctx_text = shared_text(r, shared);
    else if (m->context)
        m->ctx_text = as_sent ? span_text(a, sp->context) : dump_to_arena(a, m->context);
}

struct item_walk {
    struct msg_spans *spans;
    size_t n, count;
};

static int span_batch_item(void *ctx, struct str value)
{
    struct item_walk *w = ctx;
    if (w->count == w->n)
        return ERR_INVALID;
    struct msg_spans *sp = &w->spans[w->count++];
    sp->item = value;
    return json_span_members(value, span_member, sp) ? ERR_INVALID : 0;
}

struct find_key {
    const char *key;
    struct str value;
    bool found;
};

static int find_member(void *ctx, struct str key, struct str value)
{
    struct find_key *f = ctx;
    if (str_eq_cstr(key, f->key)) {
        f->value = value;
        f->found = true;
    }
    return 0;
}

/* Spans of the n batch items and of the batch's own members, or NULL. Caller frees. */
static struct msg_spans *batch_spans(struct str body, size_t n, struct msg_spans *root)
{
    struct find_key f = {"batch", {NULL, 0}, false};
    if (json_span_members(body, find_member, &f) || !f.found)
        return NULL;
    if (json_span_members(body, span_member, root) || root->unusable)
        return NULL;
    struct item_walk w = {xcalloc(n + 1, sizeof(struct msg_spans)), n, 0};
    if (json_span_items(f.value, span_batch_item, &w) || w.count != n) {
        free(w.spans);
        return NULL;
    }
    return w.spans;
}

static int parse_batch(struct ingest_request *r, struct str body, int64_t now, struct errbuf *e)
{
    json_t *batch;
    int rc = json_get_arr(r->root, "batch", "", &batch, e);
    if (rc)
        return rc;
    if (!batch)
        return err_field(e, ERR_INVALID, "batch", "field 'batch' is required");
    /* The batch's shared fields are checked once, as the request's own. */
    json_t *ctx;
    int64_t sent;
    bool has_sent;
    if ((rc = json_get_obj(r->root, "context", "", &ctx, e)) ||
        (rc = json_get_time(r->root, "sentAt", "", &sent, &has_sent, e)))
        return rc;
    size_t n = json_array_size(batch);
    if (n > SEG_MAX_BATCH_EVENTS)
        return err_field(e, ERR_TOO_BIG, "batch", "a batch holds at most %d events, got %zu",
                         SEG_MAX_BATCH_EVENTS, n);
    struct msg_spans root = {.unusable = false};
    struct msg_spans *spans = batch_spans(body, n, &root);
    struct shared_context shared = {.json = ctx, .span = spans ? root.context : str_make(NULL, 0)};
    /* An item without a context of its own carries the batch's: it counts toward its size. */
    size_t shared_size = !ctx ? 0 : spans ? root.context.len : json_dump_size(ctx);
    r->msgs = xcalloc(n ? n : 1, sizeof(*r->msgs));
    r->rejects = xcalloc(n ? n : 1, sizeof(*r->rejects));
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(batch, i);
        struct errbuf ie = {{0}, {0}};
        /* An event's size is its size as sent. */
        size_t size = spans ? spans[i].item.len : json_dump_size(item);
        if (!json_object_get(item, "context"))
            size += shared_size;
        struct seg_msg *m = &r->msgs[r->nmsgs];
        int prc;
        if (size > SEG_MAX_EVENT_BYTES)
            prc = err_field(&ie, ERR_TOO_BIG, "", "event %zu is %zu bytes, the limit is %d",
                            i, size, SEG_MAX_EVENT_BYTES);
        else
            prc = seg_parse(item, -1, r->root, now, &r->arena, m, &ie);
        if (!prc)
            prc = clean_identify(r, m, now, &ie);
        if (!prc) {
            store_texts(r, m, spans ? &spans[i] : NULL, &shared);
            r->nmsgs++;
            continue;
        }
        seg_msg_release(m);
        const char *copy = spans ? span_text(&r->arena, spans[i].item)
                                 : dump_to_arena(&r->arena, item);
        char where[64];
        snprintf(where, sizeof(where), "batch[%zu]", i);
        if (ie.field[0]) {
            char field[sizeof(ie.field) + sizeof(where)];
            snprintf(field, sizeof(field), "%s.%s", where, ie.field);
            snprintf(ie.field, sizeof(ie.field), "%.*s", (int)sizeof(ie.field) - 1, field);
        } else {
            snprintf(ie.field, sizeof(ie.field), "%s", where);
        }
        add_reject(r, n, "batch_item", &ie, copy ? copy : "", copy ? strlen(copy) : 0);
    }
    free(spans);
    return 0;
}

int ingest_request_parse(struct ingest_request *r, const char *source, int type,
                         const char *body, size_t len, int64_t now, struct errbuf *e)
{
    struct errbuf local;
    if (!e) {
        err_clear(&local);
        e = &local;
    }
    memset(r, 0, sizeof(*r));
    arena_init(&r->arena, 0);
    r->source = source;
    r->received_at = now;
    const char *kind = type < 0 ? "batch" : seg_type_name(type);
    int rc = json_parse(body, len, &r->root, e);
    if (!rc && !json_is_object(r->root))
        rc = err_field(e, ERR_INVALID, "body", "the body must be a JSON object");
    json_t *wk = rc ? NULL : json_object_get(r->root, "writeKey");
    if (json_is_string(wk)) {
        r->write_key = arena_strdup(&r->arena, json_string_value(wk));
        json_object_del(r->root, "writeKey");
    }
    if (!rc && type >= 0) {
        r->msgs = xcalloc(1, sizeof(*r->msgs));
        rc = seg_parse(r->root, type, NULL, now, &r->arena, &r->msgs[0], e);
        if (!rc)
            rc = clean_identify(r, &r->msgs[0], now, e);
        if (!rc) {
            struct msg_spans sp = {.item = str_trim(str_make(body, len))};
            bool ok = json_span_members(sp.item, span_member, &sp) == 0;
            store_texts(r, &r->msgs[0], ok ? &sp : NULL, NULL);
            r->nmsgs = 1;
        } else {
            seg_msg_release(&r->msgs[0]);
        }
    } else if (!rc) {
        rc = parse_batch(r, str_make(body, len), now, e);
    }
    if (!rc && r->arena.failed)
        rc = err_set(e, ERR_TOO_BIG, "the request needs more memory than a request may use");
    if (rc == ERR_INVALID) {
        /* The request as a whole is rejected: keep it in the quarantine, as sent. */
        free(r->rejects);
        r->rejects = xcalloc(1, sizeof(*r->rejects));
        r->nrejects = 0;
        add_reject(r, 1, kind, e, body, len);
    }
    return rc;
}

/*
 * A message the store refuses (a constraint, a limit of SQLite's) is undone
 * alone and kept in the quarantine with the reason; the others are stored.
 * Only a failure to write the quarantine fails the request.
 */
static int apply_alone(struct store *s, struct ingest_request *r, const struct seg_msg *m,
                       struct errbuf *e)
{
    bool dup = false;
    int merges = 0;
    int rc = store_savepoint(s, e);
    if (rc)
        return rc;
    rc = ingest_apply(s, m, r->source, r->received_at, &dup, &merges, e);
    if (!rc)
        rc = store_savepoint_release(s, e);
    if (!rc) {
        r->duplicates += dup;
        r->stored += !dup;
        r->merges += (size_t)merges;
        return 0;
    }
    char reason[sizeof(e->msg) + 160];
    snprintf(reason, sizeof(reason), "the store refused this %s: %s (%s)", seg_type_name(m->type),
             e->msg[0] ? e->msg : err_str(rc), store_last_error(s));
    store_savepoint_rollback(s);
    const char *payload = m->raw_text ? m->raw_text : "";
    rc = store_quarantine_add(s, r->source, seg_type_name(m->type), reason, "", payload,
                              strlen(payload), r->received_at);
    if (rc)
        return err_set(e, rc, "storing a refused %s in the quarantine", seg_type_name(m->type));
    err_clear(e);
    r->refused++;
    return 0;
}

/* All messages in one savepoint: the common case, with no per-message cost. */
static int apply_all(struct store *s, struct ingest_request *r, struct errbuf *e)
{
    int rc = store_savepoint(s, e);
    for (size_t i = 0; i < r->nmsgs && !rc; i++) {
        bool dup = false;
        int merges = 0;
        rc = ingest_apply(s, &r->msgs[i], r->source, r->received_at, &dup, &merges, e);
        r->duplicates += dup;
        r->stored += !rc && !dup;
        r->merges += (size_t)merges;
    }
    if (!rc)
        rc = store_savepoint_release(s, e);
    if (rc) {
        store_savepoint_rollback(s);
        r->stored = r->duplicates = r->merges = 0;
    }
    return rc;
}

int ingest_request_apply(struct store *s, struct ingest_request *r, struct errbuf *e)
{
    /* When one message is refused, go again one by one to keep the others. */
    int rc = r->nmsgs ? apply_all(s, r, e) : 0;
    if (rc) {
        rc = 0;
        err_clear(e);
        for (size_t i = 0; i < r->nmsgs && !rc; i++)
            rc = apply_alone(s, r, &r->msgs[i], e);
    }
    for (size_t i = 0; i < r->nrejects && !rc; i++) {
        const struct ingest_reject *j = &r->rejects[i];
        rc = store_quarantine_add(s, r->source, j->kind, j->reason, j->field, j->payload,
                                  j->payload_len, r->received_at);
        if (rc)
            err_set(e, rc, "storing a rejected %s in the quarantine", j->kind);
    }
    return rc;
}

void ingest_request_release(struct ingest_request *r)
{
    for (size_t i = 0; i < r->nmsgs; i++)
        seg_msg_release(&r->msgs[i]);
    free(r->msgs);
    free(r->rejects);
    json_decref(r->root);
    arena_release(&r->arena);
    memset(r, 0, sizeof(*r));
}
