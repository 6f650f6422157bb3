/*
 * manage.c — creating, changing and showing scenarios: what the API and the
 * CLI share (manage.h). Every write validates against the workspace first;
 * errors name the field from the top of the request ("definition.nodes[2]
 * .template").
 */
#include "scenario/manage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/xalloc.h"
#include "scenario/def.h"
#include "scenario/engine.h"
#include "segment/engine.h"

/* The definition's error, its field prefixed with "definition.". */
static int check(struct store *s, const json_t *def, struct errbuf *e)
{
    struct errbuf inner;
    err_clear(&inner);
    int rc = sc_check_definition(s, def, &inner);
    if (!rc)
        return 0;
    char field[sizeof inner.field + 16];
    snprintf(field, sizeof field, "definition%s%s", inner.field[0] ? "." : "", inner.field);
    return err_field(e, rc, field, "%s", inner.msg);
}

static int get_name(const json_t *body, bool required, const char **name, struct errbuf *e)
{
    const json_t *v = json_object_get(body, "name");
    *name = NULL;
    if (!v && !required)
        return 0;
    if (!json_is_string(v) || !json_string_length(v))
        return err_field(e, ERR_INVALID, "name", "name is required: a non-empty text");
    if (json_string_length(v) > SG_MAX_NAME)
        return err_field(e, ERR_INVALID, "name", "name is longer than %d bytes", SG_MAX_NAME);
    for (const char *p = json_string_value(v); *p; p++)
        if ((unsigned char)*p < 0x20)
            return err_field(e, ERR_INVALID, "name", "name contains a control character");
    *name = json_string_value(v);
    return 0;
}

static int get_definition(struct store *s, const json_t *body, bool required, char **text,
                          struct errbuf *e)
{
    const json_t *d = json_object_get(body, "definition");
    *text = NULL;
    if (!d && !required)
        return 0;
    if (!json_is_object(d))
        return err_field(e, ERR_INVALID, "definition",
                         "definition is required: an object with trigger, nodes and edges");
    int rc = check(s, d, e);
    if (rc)
        return rc;
    *text = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (strlen(*text) > SC_MAX_DEF) {
        free(*text);
        *text = NULL;
        return err_field(e, ERR_TOO_BIG, "definition", "the definition is larger than %d bytes",
                         SC_MAX_DEF);
    }
    return 0;
}

int sc_create(struct store *s, const json_t *body, int64_t now, int64_t *id, struct errbuf *e)
{
    if (!json_is_object(body))
        return err_set(e, ERR_INVALID, "the body is a JSON object {\"name\", \"definition\"}");
    const char *name;
    char *text;
    int rc = get_name(body, true, &name, e);
    if (!rc)
        rc = get_definition(s, body, true, &text, e);
    if (rc)
        return rc;
    rc = store_scenario_create(s, name, text, now, id);
    free(text);
    if (rc == ERR_EXISTS)
        return err_field(e, rc, "name", "a scenario is already named \"%s\"", name);
    return rc ? err_set(e, rc, "saving the scenario: %s", store_last_error(s)) : 0;
}

int sc_update(struct store *s, int64_t id, const json_t *body, int64_t now, int64_t *version,
              struct errbuf *e)
{
    if (!json_is_object(body))
        return err_set(e, ERR_INVALID, "the body is a JSON object {\"name\", \"definition\"}");
    const char *name;
    char *text = NULL;
    int rc = get_name(body, false, &name, e);
    if (!rc)
        rc = get_definition(s, body, false, &text, e);
    if (!rc && !name && !text)
        rc = err_set(e, ERR_INVALID, "nothing to change: give a name, a definition or both");
    if (rc)
        return rc;
    rc = store_scenario_update(s, id, name, text, now, version);
    free(text);
    if (rc == ERR_EXISTS)
        return err_field(e, rc, "name", "a scenario is already named \"%s\"", name);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "no scenario has the id %lld (or it is archived)", (long long)id);
    return rc ? err_set(e, rc, "saving the scenario: %s", store_last_error(s)) : 0;
}

struct show_ctx {
    json_t *out;
    char status[12];
    char *definition;
};

static int on_show(void *ctx, const struct store_scenario *c)
{
    struct show_ctx *x = ctx;
    char t1[32], t2[32], t3[32];
    time_format_iso8601(c->created_at, t1, sizeof t1);
    time_format_iso8601(c->updated_at, t2, sizeof t2);
    if (c->next_fire_at)
        time_format_iso8601(c->next_fire_at, t3, sizeof t3);
    json_t *def = json_loads(c->definition, 0, NULL);
    x->out = json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:s, s:s*}", "id", (json_int_t)c->id,
                       "name", c->name, "status", c->status, "version", (json_int_t)c->version,
                       "definition", def ? def : json_null(), "created_at", t1, "updated_at", t2,
                       "next_fire_at", c->next_fire_at ? t3 : NULL);
    snprintf(x->status, sizeof x->status, "%s", c->status);
    free(x->definition);
    x->definition = xstrdup(c->definition);
    return 0;
}

int sc_show(struct store *s, int64_t id, bool counts, json_t **out, struct errbuf *e)
{
    struct show_ctx x = {0};
    int rc = store_scenario_get(s, id, on_show, &x);
    free(x.definition);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "no scenario has the id %lld", (long long)id);
    if (rc)
        return err_set(e, rc, "reading the scenario: %s", store_last_error(s));
    if (counts) {
        json_t *c = NULL;
        if (!store_scenario_counts(s, id, &c))
            json_object_set_new(x.out, "counts", c);
    }
    *out = x.out;
    return 0;
}

static int on_list(void *ctx, const struct store_scenario *c)
{
    json_t *arr = ctx;
    char t[32];
    time_format_iso8601(c->updated_at, t, sizeof t);
    json_t *def = json_loads(c->definition, 0, NULL);
    json_t *trigger = json_object_get(def, "trigger");
    json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:O*, s:s}", "id",
                                         (json_int_t)c->id, "name", c->name, "status", c->status,
                                         "version", (json_int_t)c->version, "trigger", trigger,
                                         "updated_at", t));
    json_decref(def);
    return 0;
}

int sc_list(struct store *s, bool with_archived, json_t **out, struct errbuf *e)
{
    json_t *arr = json_array();
    int rc = store_scenario_list(s, with_archived, on_list, arr);
    if (rc) {
        json_decref(arr);
        return err_set(e, rc, "reading the scenarios: %s", store_last_error(s));
    }
    *out = arr;
    return 0;
}

int sc_set_status(struct store *s, int64_t id, const char *action, int64_t now,
                  struct errbuf *e)
{
    const char *status = !strcmp(action, "activate") ? "active"
                       : !strcmp(action, "pause")    ? "paused"
                       : !strcmp(action, "archive")  ? "archived"
                       : !strcmp(action, "draft")    ? "draft"
                                                     : NULL;
    if (!status)
        return err_set(e, ERR_INVALID, "\"%s\" is not activate, pause or archive", action);
    struct show_ctx x = {0};
    int rc = store_scenario_get(s, id, on_show, &x);
    json_decref(x.out);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, rc, "no scenario has the id %lld", (long long)id);
    if (!rc && !strcmp(x.status, "archived") && strcmp(status, "archived"))
        rc = err_set(e, ERR_INVALID, "scenario %lld is archived: it cannot be %s", (long long)id,
                     status);
    if (!rc && !strcmp(status, "active")) { /* what it names may have gone since it was saved */
        json_t *def = json_loads(x.definition, 0, NULL);
        rc = check(s, def, e);
        json_t *t = json_object_get(def, "trigger");
        const char *type = json_string_value(json_object_get(t, "type"));
        int64_t at = 0;
        if (!rc && type && !strcmp(type, "schedule") &&
            !json_object_get(t, "every") &&
            !time_parse_iso8601(json_string_value(json_object_get(t, "at")), &at) &&
            at < now - 60000)
            rc = err_field(e, ERR_INVALID, "definition.trigger.at",
                           "the trigger fires once, at a time already past: give a later \"at\" "
                           "or an \"every\"");
        json_decref(def);
    }
    free(x.definition);
    if (!rc)
        rc = store_scenario_set_status(s, id, status, now);
    if (!rc && !strcmp(status, "active"))
        rc = store_scenario_cursors_start(s);
    if (!rc && !strcmp(status, "archived"))
        rc = store_runs_end_scenario(s, id, "archived", now);
    if (rc && !e->msg[0])
        err_set(e, rc, "saving the scenario: %s", store_last_error(s));
    return rc;
}
