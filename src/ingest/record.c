/*
 * record.c — storing one cleaned profile record, whether it came as a
 * Segment identify or as an imported CSV row: golden fields, identities and
 * the raw record with what cleaning made of it.
 */
#include <string.h>

#include "base/buf.h"
#include "identity/identity.h"
#include "ingest/ingest.h"

static const struct clean_patterns *api_patterns;

void ingest_set_patterns(const struct clean_patterns *p)
{
    api_patterns = p;
}

const struct clean_patterns *ingest_patterns(void)
{
    return api_patterns;
}

int ingest_load_patterns(struct store *s, struct clean_patterns *p, struct errbuf *e)
{
    json_t *rows;
    int rc = store_test_patterns(s, &rows, e);
    if (rc)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        clean_patterns_add(p, json_string_value(json_object_get(r, "field")),
                           json_string_value(json_object_get(r, "pattern")));
    json_decref(rows);
    return 0;
}


static const char *buf_to_arena(struct arena *a, struct buf *b)
{
    const char *s = b->len ? arena_strndup(a, b->ptr, b->len) : NULL;
    buf_release(b);
    return s;
}

int ingest_record_texts(struct arena *a, const struct clean_output *co, const char **cleaned,
                        const char **corrections)
{
    struct buf b;
    buf_init(&b, 0);
    bool first = true;
    buf_addch(&b, '{');
    for (int f = 0; f < PF_COUNT; f++)
        buf_add_json_member(&b, &first, profile_field_name((enum profile_field)f), co->fields[f]);
    buf_add_json_member(&b, &first, "email_alt", co->email_alt);
    buf_add_json_member(&b, &first, "mobile", co->mobile);
    if (co->email_flags & CLEAN_ROLE)
        buf_add_json_member(&b, &first, "email_role", "true");
    if (co->email_flags & CLEAN_DISPOSABLE)
        buf_add_json_member(&b, &first, "email_disposable", "true");
    if (co->corrected) {
        buf_adds(&b, first ? "\"given\":{" : ",\"given\":{");
        bool fg = true;
        for (int f = 0; f < PF_COUNT; f++)
            if (co->given[f])
                buf_add_json_member(&b, &fg, profile_field_name((enum profile_field)f), co->given[f]);
        buf_addch(&b, '}');
        first = false;
    }
    if (co->ninvalid) {
        buf_adds(&b, first ? "\"invalid\":{" : ",\"invalid\":{");
        bool f2 = true;
        for (int i = 0; i < co->ninvalid; i++)
            buf_add_json_member(&b, &f2, profile_field_name(co->invalid[i].field), co->invalid[i].reason);
        buf_addch(&b, '}');
    }
    buf_addch(&b, '}');
    *cleaned = buf_to_arena(a, &b);

    *corrections = NULL;
    if (co->nfixes) {
        buf_init(&b, 0);
        buf_addch(&b, '[');
        for (int i = 0; i < co->nfixes; i++) {
            const struct clean_record_fix *x = &co->fixes[i];
            bool f3 = true;
            buf_adds(&b, i ? ",{" : "{");
            buf_add_json_member(&b, &f3, "field", profile_field_name(x->field));
            buf_add_json_member(&b, &f3, "rule", x->rule);
            buf_add_json_member(&b, &f3, "before", x->before);
            buf_add_json_member(&b, &f3, "after", x->after);
            buf_addch(&b, '}');
        }
        buf_addch(&b, ']');
        *corrections = buf_to_arena(a, &b);
    }
    return a->failed ? ERR_NOMEM : 0;
}

int ingest_record_store(struct store *s, int64_t *pidp, const struct ingest_record *r, int64_t now,
                        int64_t *raw_id)
{
    int64_t pid = *pidp;
    const struct clean_output *co = r->clean;
    int rc = r->fields_stored ? 0 : store_profile_update(s, pid, co->fields, r->custom, now);
    /* identities another profile owns are left alone: linking is the identity module's call */
    struct store_identity ids[STORE_IDS_MAX];
    int n = 0;
    const struct store_identity all[] = {
        {"user_id", r->user_id, r->source},       {"email", co->email_key, ""},
        {"email", co->email_alt_key, ""},         {"phone", co->phone_key, ""},
        {"phone", co->mobile_key, ""},            {"loyalty_card", r->loyalty_card, ""},
        {"customer_number", r->customer_number, r->source},
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i].value && *all[i].value)
            ids[n++] = all[i];
    if (!rc)
        rc = store_identities_add(s, pid, ids, n, now);
    if (rc)
        return rc;
    struct store_raw raw = {
        .profile_id = pid, .source = r->source, .kind = r->kind, .external_id = r->external_id,
        .message_id = r->message_id, .payload = r->payload, .row_hash = r->row_hash,
        .cleaned = r->cleaned_text, .corrections = r->corrections_text,
        .present = co->present, .valid_raw = co->valid_raw, .clean = co->clean,
        .corrected = co->corrected, .email_key = co->email_key, .phone_key = co->phone_key,
        .supersedes = r->supersedes,
    };
    int64_t id;
    rc = store_raw_record_add(s, &raw, now, &id);
    if (raw_id)
        *raw_id = id;
    if (rc || r->no_match)
        return rc;
    int64_t survivor = 0;
    rc = identity_match_record(s, id, pid, r->cleaned_text, now, &survivor, NULL);
    if (!rc && survivor)
        *pidp = survivor;
    return rc;
}
