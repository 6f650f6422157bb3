/*
 * def.c — reading and validating a scenario's definition.
 *
 * Three passes: the trigger and entry rules; the nodes (each kind's fields);
 * the edges, which become each node's exits. Then the graph: every node
 * reachable from the trigger (goals excepted: they watch the whole run),
 * every branch of a condition, wait_for and split connected, and no loop
 * that could turn without a wait (the scheduler would spin).
 *
 * Errors: the first one found, naming the node by its id and giving the JSON
 * path in e->field.
 */
#include "scenario/def.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "channel/template.h"
#include "base/json.h"
#include "segment/build.h"
#include "segment/engine.h"
#include "segment/rule.h"

#define FAIL(e, field, ...) err_field(e, ERR_INVALID, field, __VA_ARGS__)

static const char *const kind_names[] = {
    [SC_SEND] = "send",     [SC_WAIT] = "wait",       [SC_WAIT_FOR] = "wait_for",
    [SC_CONDITION] = "condition", [SC_SPLIT] = "split", [SC_UPDATE] = "update",
    [SC_WEBHOOK] = "webhook", [SC_TASK] = "task",      [SC_GOAL] = "goal",
    [SC_EXIT] = "exit",
};

const char *sc_kind_name(enum sc_kind k)
{
    return k <= SC_EXIT ? kind_names[k] : "?";
}

static const char *const channels[] = {"email", "sms", "push", "letter", "call", "wallet",
                                       "in_app", "outbox"};

/* ---- small readers ----------------------------------------------------------- */

/*
 * An optional string member, copied into the arena; 0, or ERR_INVALID naming
 * path.key. Control characters are refused, except line breaks and tabs in
 * the members that hold prose or rules (multiline).
 */
static int get_text(struct sc_def *d, const json_t *o, const char *key, const char *path,
                    const char **out, bool required, size_t max, bool multiline,
                    struct errbuf *e)
{
    char field[160];
    snprintf(field, sizeof field, "%s.%s", path, key);
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return FAIL(e, field, "%s is required", field);
        return 0;
    }
    if (!json_is_string(v) || !json_string_length(v))
        return FAIL(e, field, "%s must be a non-empty text", field);
    if (json_string_length(v) > max)
        return FAIL(e, field, "%s is longer than %zu bytes", field, max);
    const char *s = json_string_value(v);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t')))
            return FAIL(e, field, "%s contains a control character", field);
    *out = arena_strdup(&d->arena, s);
    return *out ? 0 : err_set(e, ERR_TOO_BIG, "the definition is too large");
}

static int get_str(struct sc_def *d, const json_t *o, const char *key, const char *path,
                   const char **out, bool required, size_t max, struct errbuf *e)
{
    return get_text(d, o, key, path, out, required, max, false, e);
}

/* A duration member ("4h", "30d") into ms; absent leaves *ms. */
static int get_duration(const json_t *o, const char *key, const char *path, int64_t *ms,
                        bool required, bool signed_ok, struct errbuf *e)
{
    char field[160];
    snprintf(field, sizeof field, "%s.%s", path, key);
    const json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            return FAIL(e, field, "%s is required (a duration such as \"4h\" or \"30d\")", field);
        return 0;
    }
    const char *s = json_string_value(v);
    bool neg = signed_ok && s && s[0] == '-';
    int64_t secs;
    if (!s || !sg_duration(s + (neg || (signed_ok && s[0] == '+')), &secs))
        return FAIL(e, field,
                    "%s must be a duration: a whole number and s, m, h, d or w (\"48h\", \"30d\")%s",
                    field, signed_ok ? ", with - for before" : "");
    *ms = (neg ? -secs : secs) * 1000;
    return 0;
}

/* "HH:MM" into minutes after midnight. */
static int get_time_of_day(const json_t *o, const char *key, const char *path, int *minute,
                           struct errbuf *e)
{
    char field[160];
    snprintf(field, sizeof field, "%s.%s", path, key);
    const json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' ||
        s[1] > '9' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9' ||
        (s[0] - '0') * 10 + (s[1] - '0') > 23)
        return FAIL(e, field, "%s must be a time of day \"HH:MM\" (00:00 to 23:59)", field);
    *minute = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
    return 0;
}

static bool is_field_name(const char *s)
{
    if (!strcmp(s, "birth_date"))
        return true;
    if (strncmp(s, "attributes.", 11) || !s[11])
        return false;
    for (const char *p = s + 11; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

/* A segment-language rule member (condition, goal). */
static int get_rule(struct sc_def *d, const json_t *o, const char *path, struct sc_node *n,
                    struct errbuf *e)
{
    int rc = get_text(d, o, "rule", path, &n->rule_text, true, SG_MAX_TEXT, true, e);
    if (rc)
        return rc;
    struct sg_error err;
    rc = sg_parse(n->rule_text, &n->rule, &err);
    if (rc) {
        char field[160];
        snprintf(field, sizeof field, "%s.rule", path);
        return err_field(e, rc, field, "node \"%s\": the rule: %s", n->id, err.msg);
    }
    return 0;
}

/* ---- event conditions -------------------------------------------------------- */

static const struct {
    const char *name;
    enum sc_where_op op;
} where_ops[] = {{"=", SC_W_EQ}, {"!=", SC_W_NE}, {"<", SC_W_LT},  {"<=", SC_W_LE},
                 {">", SC_W_GT}, {">=", SC_W_GE}, {"exists", SC_W_EXISTS}};

static int get_where(struct sc_def *d, const json_t *o, const char *path, struct sc_where *w,
                     int *nw, struct errbuf *e)
{
    char field[160];
    snprintf(field, sizeof field, "%s.where", path);
    const json_t *arr = json_object_get(o, "where");
    *nw = 0;
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return FAIL(e, field, "%s must be a list of {\"path\", \"op\", \"value\"}", field);
    if (json_array_size(arr) > SC_MAX_WHERE)
        return err_field(e, ERR_TOO_BIG, field, "%s has more than %d conditions", field,
                         SC_MAX_WHERE);
    size_t i;
    const json_t *c;
    json_array_foreach(arr, i, c) {
        char at[200];
        snprintf(at, sizeof at, "%s[%zu]", field, i);
        if (!json_is_object(c))
            return FAIL(e, at, "%s must be an object {\"path\", \"op\", \"value\"}", at);
        struct sc_where *x = &w[i];
        int rc = get_str(d, c, "path", at, &x->path, true, 200, e);
        if (rc)
            return rc;
        const json_t *opv = json_object_get(c, "op");
        const char *op = opv ? json_string_value(opv) : "=";
        if (!op) {
            snprintf(at + strlen(at), sizeof at - strlen(at), ".op");
            return FAIL(e, at, "%s is not one of = != < <= > >= exists (a text)", at);
        }
        size_t k = 0;
        while (k < sizeof where_ops / sizeof where_ops[0] && strcmp(where_ops[k].name, op))
            k++;
        if (k == sizeof where_ops / sizeof where_ops[0]) {
            snprintf(at + strlen(at), sizeof at - strlen(at), ".op");
            return FAIL(e, at, "%s: \"%s\" is not one of = != < <= > >= exists", at, op);
        }
        x->op = where_ops[k].op;
        const json_t *v = json_object_get(c, "value");
        if (x->op != SC_W_EXISTS) {
            if (!v || !(json_is_string(v) || json_is_number(v) || json_is_boolean(v))) {
                snprintf(at + strlen(at), sizeof at - strlen(at), ".value");
                return FAIL(e, at, "%s must be a text, a number or true/false", at);
            }
            if (x->op >= SC_W_LT && !json_is_number(v)) {
                snprintf(at + strlen(at), sizeof at - strlen(at), ".value");
                return FAIL(e, at, "%s: %s compares numbers", at, op);
            }
            x->value = json_deep_copy(v);
        }
        (*nw)++;
    }
    return 0;
}

/* The member at a dotted path of the event, or NULL. */
static const json_t *event_path(const json_t *ev, const char *path)
{
    const json_t *cur = ev;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[201];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
        p += n + (dot != NULL);
    }
    return cur;
}

bool sc_where_match(const struct sc_where *w, int n, const json_t *event)
{
    for (int i = 0; i < n; i++) {
        const json_t *v = event_path(event, w[i].path);
        if (w[i].op == SC_W_EXISTS) {
            if (!v || json_is_null(v))
                return false;
            continue;
        }
        if (!v)
            return false;
        if (w[i].op == SC_W_EQ || w[i].op == SC_W_NE) {
            bool eq;
            if (json_is_number(v) && json_is_number(w[i].value))
                eq = json_number_value(v) == json_number_value(w[i].value);
            else if (json_is_string(v) && json_is_string(w[i].value))
                eq = !strcasecmp(json_string_value(v), json_string_value(w[i].value));
            else
                eq = json_equal((json_t *)v, w[i].value);
            if (eq != (w[i].op == SC_W_EQ))
                return false;
            continue;
        }
        double a, b = json_number_value(w[i].value);
        if (json_is_number(v))
            a = json_number_value(v);
        else if (json_is_string(v)) {
            char *end;
            a = strtod(json_string_value(v), &end);
            if (end == json_string_value(v) || *end)
                return false;
        } else
            return false;
        bool ok = w[i].op == SC_W_LT ? a < b : w[i].op == SC_W_LE ? a <= b
                : w[i].op == SC_W_GT ? a > b : a >= b;
        if (!ok)
            return false;
    }
    return true;
}

/* ---- the trigger and entry rules ---------------------------------------------- */

static const char *const trigger_names[] = {
    [SC_TRIG_SEGMENT_ENTER] = "segment_enter", [SC_TRIG_SEGMENT_EXIT] = "segment_exit",
    [SC_TRIG_SHIFT] = "shift", [SC_TRIG_EVENT] = "event", [SC_TRIG_DATE] = "date",
    [SC_TRIG_SCHEDULE] = "schedule", [SC_TRIG_API] = "api",
};

static int read_trigger(struct sc_def *d, const json_t *in, struct errbuf *e)
{
    const json_t *t = json_object_get(in, "trigger");
    if (!json_is_object(t))
        return FAIL(e, "trigger", "trigger is required: an object with a \"type\"");
    const char *type = json_string_value(json_object_get(t, "type"));
    size_t k = 0;
    while (k < sizeof trigger_names / sizeof trigger_names[0] &&
           (!type || strcmp(trigger_names[k], type)))
        k++;
    if (k == sizeof trigger_names / sizeof trigger_names[0])
        return FAIL(e, "trigger.type",
                    "trigger.type must be one of segment_enter, segment_exit, shift, event, date, "
                    "schedule, api");
    struct sc_trigger *g = &d->trigger;
    g->type = (enum sc_trigger_type)k;
    g->at_minute = -1;
    int rc = 0;
    switch (g->type) {
    case SC_TRIG_SEGMENT_ENTER:
    case SC_TRIG_SEGMENT_EXIT:
        rc = get_str(d, t, "segment", "trigger", &g->segment, true, SG_MAX_NAME, e);
        break;
    case SC_TRIG_SHIFT:
        rc = get_str(d, t, "segment", "trigger", &g->segment, true, SG_MAX_NAME, e);
        if (!rc)
            rc = get_str(d, t, "from", "trigger", &g->from, false, SG_MAX_NAME, e);
        if (!rc)
            rc = get_str(d, t, "to", "trigger", &g->to, false, SG_MAX_NAME, e);
        if (!rc && !g->from && !g->to)
            rc = FAIL(e, "trigger.to", "a shift trigger names \"from\", \"to\" or both");
        break;
    case SC_TRIG_EVENT:
        rc = get_str(d, t, "event", "trigger", &g->event, true, 200, e);
        if (!rc)
            rc = get_where(d, t, "trigger", g->where, &g->nwhere, e);
        g->max_age_ms = 86400000; /* a backfill of old events is history, not a trigger */
        if (!rc)
            rc = get_duration(t, "max_age", "trigger", &g->max_age_ms, false, false, e);
        break;
    case SC_TRIG_DATE:
        rc = get_str(d, t, "field", "trigger", &g->field, true, 100, e);
        if (!rc && !is_field_name(g->field))
            rc = FAIL(e, "trigger.field",
                      "trigger.field must be birth_date or attributes.NAME (a date)");
        if (!rc)
            rc = get_duration(t, "offset", "trigger", &g->offset_ms, false, true, e);
        if (!rc && g->offset_ms % 86400000)
            rc = FAIL(e, "trigger.offset", "trigger.offset is whole days (\"-7d\", \"30d\")");
        if (!rc)
            g->at_minute = 9 * 60;
        if (!rc)
            rc = get_time_of_day(t, "at", "trigger", &g->at_minute, e);
        break;
    case SC_TRIG_SCHEDULE: {
        rc = get_str(d, t, "segment", "trigger", &g->segment, false, SG_MAX_NAME, e);
        const char *at = json_string_value(json_object_get(t, "at"));
        if (!rc && (!at || time_parse_iso8601(at, &g->at_ms)))
            rc = FAIL(e, "trigger.at",
                      "trigger.at must be an ISO 8601 time (\"2026-12-01T09:00:00Z\")");
        if (!rc)
            rc = get_duration(t, "every", "trigger", &g->every_ms, false, false, e);
        if (!rc && json_object_get(t, "every") && g->every_ms < 3600000)
            rc = FAIL(e, "trigger.every", "trigger.every is at least 1h");
        break;
    }
    case SC_TRIG_API:
        break;
    }
    if (rc)
        return rc;

    const json_t *en = json_object_get(in, "entry");
    if (en && !json_is_object(en))
        return FAIL(e, "entry", "entry must be an object {\"reentry\", \"min_interval\"}");
    const json_t *re = json_object_get(en, "reentry");
    if (re && !json_is_boolean(re))
        return FAIL(e, "entry.reentry", "entry.reentry must be true or false");
    d->entry.reentry = re ? json_is_true(re) : false;
    return get_duration(en, "min_interval", "entry", &d->entry.min_interval_ms, false, false, e);
}

/* ---- nodes ---------------------------------------------------------------------- */

static int read_send(struct sc_def *d, const json_t *o, const char *path, struct sc_node *n,
                     struct errbuf *e)
{
    int rc = get_str(d, o, "channel", path, &n->channel, true, 20, e);
    if (!rc) {
        size_t k = 0;
        while (k < sizeof channels / sizeof channels[0] && strcmp(channels[k], n->channel))
            k++;
        if (k == sizeof channels / sizeof channels[0]) {
            char field[160];
            snprintf(field, sizeof field, "%s.channel", path);
            return FAIL(e, field,
                        "node \"%s\": channel \"%s\" is not one of email, sms, push, letter, "
                        "call, wallet, in_app, outbox",
                        n->id, n->channel);
        }
    }
    if (!rc)
        rc = get_str(d, o, "template", path, &n->template_name, true, SG_MAX_NAME, e);
    const json_t *ph = json_object_get(o, "per_household");
    if (!rc && ph) {
        char field[160];
        snprintf(field, sizeof field, "%s.per_household", path);
        if (!json_is_boolean(ph))
            return FAIL(e, field, "node \"%s\": per_household is true or false", n->id);
        if (json_is_true(ph) && strcmp(n->channel, "letter"))
            return FAIL(e, field, "node \"%s\": one per household is for letters", n->id);
        n->per_household = json_is_true(ph);
    }
    return rc;
}

static int read_wait(struct sc_def *d, const json_t *o, const char *path, struct sc_node *n,
                     struct errbuf *e)
{
    int rc = get_duration(o, "duration", path, &n->duration_ms, false, false, e);
    if (!rc)
        rc = get_time_of_day(o, "until", path, &n->until_minute, e);
    if (!rc)
        rc = get_str(d, o, "until_field", path, &n->until_field, false, 100, e);
    if (!rc)
        rc = get_duration(o, "offset", path, &n->offset_ms, false, true, e);
    if (rc)
        return rc;
    int ways = (json_object_get(o, "duration") != NULL) + (n->until_minute >= 0) +
               (n->until_field != NULL);
    char field[160];
    snprintf(field, sizeof field, "%s.duration", path);
    if (ways != 1)
        return FAIL(e, field,
                    "node \"%s\": a wait has one of \"duration\" (\"1d\"), \"until\" (a time of "
                    "day, \"09:00\") or \"until_field\" (a date field)",
                    n->id);
    if (n->until_field && !is_field_name(n->until_field)) {
        snprintf(field, sizeof field, "%s.until_field", path);
        return FAIL(e, field, "node \"%s\": until_field must be birth_date or attributes.NAME",
                    n->id);
    }
    return 0;
}

static int read_split(struct sc_def *d, const json_t *o, const char *path, struct sc_node *n,
                      struct errbuf *e)
{
    char field[160];
    snprintf(field, sizeof field, "%s.branches", path);
    const json_t *arr = json_object_get(o, "branches");
    if (!json_is_array(arr) || json_array_size(arr) < 2 ||
        json_array_size(arr) > SC_MAX_BRANCHES)
        return FAIL(e, field,
                    "node \"%s\": a split has 2 to %d branches [{\"name\", \"weight\"}, ...]",
                    n->id, SC_MAX_BRANCHES);
    int total = 0;
    size_t i;
    const json_t *b;
    json_array_foreach(arr, i, b) {
        char at[200];
        snprintf(at, sizeof at, "%s[%zu]", field, i);
        struct sc_branch *x = &n->branches[i];
        x->to = -1;
        int rc = get_str(d, b, "name", at, &x->name, true, SC_MAX_ID, e);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(n->branches[j].name, x->name))
                return FAIL(e, at, "node \"%s\": two branches are named \"%s\"", n->id, x->name);
        const json_t *w = json_object_get(b, "weight");
        if (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 100) {
            snprintf(at + strlen(at), sizeof at - strlen(at), ".weight");
            return FAIL(e, at, "node \"%s\": weight is a whole percentage, 0 to 100", n->id);
        }
        x->weight = (int)json_integer_value(w);
        total += x->weight;
        const json_t *h = json_object_get(b, "holdout");
        x->holdout = json_is_true(h);
        n->nbranches++;
    }
    if (total != 100)
        return FAIL(e, field, "node \"%s\": the branches' weights add up to %d, not 100", n->id,
                    total);
    return 0;
}

static int read_update(struct sc_def *d, const json_t *o, const char *path, struct sc_node *n,
                       struct errbuf *e)
{
    const char *what = json_string_value(json_object_get(o, "set"));
    char field[160];
    snprintf(field, sizeof field, "%s.set", path);
    if (!what || (strcmp(what, "attribute") && strcmp(what, "tag") && strcmp(what, "consent")))
        return FAIL(e, field, "node \"%s\": set must be attribute, tag or consent", n->id);
    n->update = !strcmp(what, "attribute") ? SC_UP_ATTRIBUTE
              : !strcmp(what, "tag")       ? SC_UP_TAG
                                           : SC_UP_CONSENT;
    int rc = get_str(d, o, n->update == SC_UP_CONSENT ? "channel" : n->update == SC_UP_TAG ? "tag"
                                                                                          : "name",
                     path, &n->key, true, 100, e);
    if (rc)
        return rc;
    if (n->update == SC_UP_CONSENT && strcmp(n->key, "email") && strcmp(n->key, "sms") &&
        strcmp(n->key, "push") && strcmp(n->key, "post") && strcmp(n->key, "phone")) {
        snprintf(field, sizeof field, "%s.channel", path);
        return FAIL(e, field, "node \"%s\": a consent's channel is email, sms, push, post or phone",
                    n->id);
    }
    if (n->update == SC_UP_ATTRIBUTE) {
        const json_t *v = json_object_get(o, "value");
        snprintf(field, sizeof field, "%s.value", path);
        if (!v || json_is_object(v) || json_is_array(v))
            return FAIL(e, field, "node \"%s\": value is a text, a number, true/false or null",
                        n->id);
        n->value = json_deep_copy(v);
    } else if (n->update == SC_UP_CONSENT) {
        rc = get_str(d, o, "status", path, &n->status, true, 20, e);
        if (!rc && strcmp(n->status, "opted_in") && strcmp(n->status, "opted_out")) {
            snprintf(field, sizeof field, "%s.status", path);
            return FAIL(e, field, "node \"%s\": status is opted_in or opted_out", n->id);
        }
        if (!rc)
            rc = get_str(d, o, "purpose", path, &n->purpose, false, 100, e);
        if (!rc)
            rc = get_text(d, o, "wording", path, &n->wording, !strcmp(n->status, "opted_in"),
                          2000, true, e);
    }
    return rc;
}

/* A task's title or description is a template over the run's data: it must compile. */
static int check_text(const struct sc_node *n, const char *text, const char *key,
                      const char *path, struct errbuf *e)
{
    if (!text)
        return 0;
    struct tpl *t = NULL;
    struct errbuf te;
    err_clear(&te);
    char what[SC_MAX_ID + 32];
    snprintf(what, sizeof what, "%s of node %s", key, n->id);
    int rc = tpl_compile(what, text, &t, &te);
    tpl_free(t);
    if (!rc)
        return 0;
    char field[160];
    snprintf(field, sizeof field, "%s.%s", path, key);
    return err_field(e, ERR_INVALID, field, "node \"%s\": %s", n->id, te.msg);
}

static int read_node(struct sc_def *d, const json_t *o, int i, struct errbuf *e)
{
    char path[64];
    snprintf(path, sizeof path, "nodes[%d]", i);
    if (!json_is_object(o))
        return FAIL(e, path, "%s must be an object with an \"id\" and a \"type\"", path);
    struct sc_node *n = &d->nodes[i];
    n->next = n->yes = n->no = n->happened = n->timed_out = -1;
    n->until_minute = -1;
    int rc = get_str(d, o, "id", path, &n->id, true, SC_MAX_ID, e);
    if (rc)
        return rc;
    if (!strcmp(n->id, "trigger"))
        return FAIL(e, path, "%s: \"trigger\" is the name of the start; choose another id", path);
    for (int j = 0; j < i; j++)
        if (!strcmp(d->nodes[j].id, n->id))
            return FAIL(e, path, "%s: two nodes have the id \"%s\"", path, n->id);
    const char *type = json_string_value(json_object_get(o, "type"));
    size_t k = 0;
    while (k <= SC_EXIT && (!type || strcmp(kind_names[k], type)))
        k++;
    if (k > SC_EXIT) {
        char field[80];
        snprintf(field, sizeof field, "%s.type", path);
        return FAIL(e, field,
                    "node \"%s\": type must be one of send, wait, wait_for, condition, split, "
                    "update, webhook, task, goal, exit",
                    n->id);
    }
    n->kind = (enum sc_kind)k;
    switch (n->kind) {
    case SC_SEND: return read_send(d, o, path, n, e);
    case SC_WAIT: return read_wait(d, o, path, n, e);
    case SC_WAIT_FOR:
        rc = get_str(d, o, "event", path, &n->event, true, 200, e);
        if (!rc)
            rc = get_where(d, o, path, n->where, &n->nwhere, e);
        if (!rc)
            rc = get_duration(o, "timeout", path, &n->duration_ms, true, false, e);
        return rc;
    case SC_CONDITION:
    case SC_GOAL:
        if (n->kind == SC_GOAL && d->ngoals == (int)(sizeof d->goals / sizeof d->goals[0]))
            return FAIL(e, path, "node \"%s\": at most 8 goals", n->id);
        if (n->kind == SC_GOAL)
            d->goals[d->ngoals++] = i;
        return get_rule(d, o, path, n, e);
    case SC_SPLIT: return read_split(d, o, path, n, e);
    case SC_UPDATE: return read_update(d, o, path, n, e);
    case SC_WEBHOOK:
        rc = get_str(d, o, "url", path, &n->url, true, 2000, e);
        if (!rc && strncmp(n->url, "https://", 8) && strncmp(n->url, "http://", 7)) {
            char field[80];
            snprintf(field, sizeof field, "%s.url", path);
            return FAIL(e, field, "node \"%s\": url must start with https:// or http://", n->id);
        }
        if (!rc)
            rc = get_str(d, o, "secret", path, &n->secret, false, 200, e);
        d->has_webhook = true;
        return rc;
    case SC_TASK:
        rc = get_str(d, o, "title", path, &n->title, true, 500, e);
        if (!rc)
            rc = get_str(d, o, "assignee", path, &n->assignee, false, 200, e);
        if (!rc)
            rc = get_text(d, o, "description", path, &n->description, false, 4000, true, e);
        if (!rc)
            rc = check_text(n, n->title, "title", path, e);
        if (!rc)
            rc = check_text(n, n->description, "description", path, e);
        return rc;
    case SC_EXIT: return get_str(d, o, "reason", path, &n->reason, false, SC_MAX_ID, e);
    }
    return 0;
}

/* ---- edges and the graph ----------------------------------------------------------- */

/* The exit slot of node n named by edge's "exit" (NULL for a one-exit node). */
static int *exit_slot(struct sc_node *n, const char *name, int *branch)
{
    *branch = -1;
    switch (n->kind) {
    case SC_CONDITION:
        return !name ? NULL : !strcmp(name, "yes") ? &n->yes : !strcmp(name, "no") ? &n->no : NULL;
    case SC_WAIT_FOR:
        return !name ? NULL
             : !strcmp(name, "happened")  ? &n->happened
             : !strcmp(name, "timed_out") ? &n->timed_out
                                          : NULL;
    case SC_SPLIT:
        for (int i = 0; name && i < n->nbranches; i++)
            if (!strcmp(n->branches[i].name, name)) {
                *branch = i;
                return &n->branches[i].to;
            }
        return NULL;
    case SC_GOAL:
    case SC_EXIT: return NULL;
    default: return name ? NULL : &n->next;
    }
}

static const char *exits_of(const struct sc_node *n)
{
    switch (n->kind) {
    case SC_CONDITION: return "\"yes\" or \"no\"";
    case SC_WAIT_FOR: return "\"happened\" or \"timed_out\"";
    case SC_SPLIT: return "one of its branches' names";
    case SC_GOAL: return "none: a goal ends the run when it is met";
    case SC_EXIT: return "none: the run ends there";
    default: return "none to name (leave \"exit\" out)";
    }
}

static int read_edges(struct sc_def *d, const json_t *in, struct errbuf *e)
{
    const json_t *arr = json_object_get(in, "edges");
    if (!json_is_array(arr))
        return FAIL(e, "edges", "edges is required: a list of {\"from\", \"to\"[, \"exit\"]}");
    d->start = -1;
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x) {
        char path[40];
        snprintf(path, sizeof path, "edges[%zu]", i);
        const char *from = json_string_value(json_object_get(x, "from"));
        const char *to = json_string_value(json_object_get(x, "to"));
        const char *ex = json_string_value(json_object_get(x, "exit"));
        if (!from || !to)
            return FAIL(e, path, "%s needs \"from\" and \"to\" (node ids, or \"trigger\")", path);
        int t = sc_def_node(d, to);
        if (t < 0)
            return FAIL(e, path, "%s: no node has the id \"%s\"", path, to);
        if (d->nodes[t].kind == SC_GOAL)
            return FAIL(e, path, "%s: node \"%s\" is a goal; goals watch the whole run and "
                                 "take no edges",
                        path, to);
        if (!strcmp(from, "trigger")) {
            if (d->start >= 0)
                return FAIL(e, path, "%s: the trigger already leads to \"%s\"", path,
                            d->nodes[d->start].id);
            d->start = t;
            continue;
        }
        int f = sc_def_node(d, from);
        if (f < 0)
            return FAIL(e, path, "%s: no node has the id \"%s\"", path, from);
        struct sc_node *n = &d->nodes[f];
        int branch;
        int *slot = exit_slot(n, ex, &branch);
        if (!slot)
            return FAIL(e, path, "%s: node \"%s\" (%s) has no exit %s%s%s; its exits: %s", path,
                        n->id, sc_kind_name(n->kind), ex ? "\"" : "", ex ? ex : "without a name",
                        ex ? "\"" : "", exits_of(n));
        if (branch >= 0 && n->branches[branch].holdout)
            return FAIL(e, path, "%s: branch \"%s\" of node \"%s\" is a holdout: it receives "
                                 "nothing, so it leads nowhere",
                        path, ex, n->id);
        if (*slot >= 0)
            return FAIL(e, path, "%s: node \"%s\" already has that exit (to \"%s\")", path,
                        n->id, d->nodes[*slot].id);
        *slot = t;
    }
    if (d->start < 0)
        return FAIL(e, "edges", "no edge leaves the trigger: add {\"from\": \"trigger\", \"to\": "
                                "\"<first node>\"}");
    return 0;
}

/* Whether the run waits at the node (the clock must move before it goes on). */
static bool waits(const struct sc_node *n)
{
    return n->kind == SC_WAIT || n->kind == SC_WAIT_FOR || n->kind == SC_TASK;
}

/* The exits of node n into out[]; returns how many. */
static int exits(const struct sc_node *n, int out[SC_MAX_BRANCHES + 2])
{
    int k = 0;
    int all[] = {n->next, n->yes, n->no, n->happened, n->timed_out};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] >= 0)
            out[k++] = all[i];
    for (int i = 0; i < n->nbranches; i++)
        if (n->branches[i].to >= 0)
            out[k++] = n->branches[i].to;
    return k;
}

/* Depth-first search for a cycle that passes no waiting node; 0 or the error. */
static int no_spin(const struct sc_def *d, int v, char *color, struct errbuf *e)
{
    color[v] = 1;
    if (!waits(&d->nodes[v])) {
        int out[SC_MAX_BRANCHES + 2];
        int k = exits(&d->nodes[v], out);
        for (int i = 0; i < k; i++) {
            if (color[out[i]] == 1)
                return FAIL(e, "edges",
                            "node \"%s\": a loop back to \"%s\" without a wait, wait_for or task "
                            "on it would run forever",
                            d->nodes[v].id, d->nodes[out[i]].id);
            if (!color[out[i]]) {
                int rc = no_spin(d, out[i], color, e);
                if (rc)
                    return rc;
            }
        }
    }
    color[v] = 2;
    return 0;
}

static int check_graph(struct sc_def *d, struct errbuf *e)
{
    char path[40];
    for (int i = 0; i < d->nnodes; i++) {
        const struct sc_node *n = &d->nodes[i];
        snprintf(path, sizeof path, "nodes[%d]", i);
        if (n->kind == SC_CONDITION && (n->yes < 0 || n->no < 0))
            return FAIL(e, path, "node \"%s\": the condition's \"%s\" branch leads nowhere; add "
                                 "an edge with \"exit\": \"%s\"",
                        n->id, n->yes < 0 ? "yes" : "no", n->yes < 0 ? "yes" : "no");
        if (n->kind == SC_WAIT_FOR && (n->happened < 0 || n->timed_out < 0))
            return FAIL(e, path, "node \"%s\": the \"%s\" branch leads nowhere; add an edge with "
                                 "\"exit\": \"%s\"",
                        n->id, n->happened < 0 ? "happened" : "timed_out",
                        n->happened < 0 ? "happened" : "timed_out");
        for (int b = 0; n->kind == SC_SPLIT && b < n->nbranches; b++)
            if (!n->branches[b].holdout && n->branches[b].to < 0)
                return FAIL(e, path, "node \"%s\": branch \"%s\" leads nowhere; add an edge with "
                                     "\"exit\": \"%s\" (or make it a holdout)",
                            n->id, n->branches[b].name, n->branches[b].name);
    }
    /* reachable from the trigger */
    int *stack = xcalloc((size_t)d->nnodes + 1, sizeof(int));
    char *seen = xcalloc((size_t)d->nnodes, 1);
    int top = 0;
    stack[top++] = d->start;
    seen[d->start] = 1;
    while (top) {
        int v = stack[--top];
        int out[SC_MAX_BRANCHES + 2];
        int k = exits(&d->nodes[v], out);
        for (int i = 0; i < k; i++)
            if (!seen[out[i]]) {
                seen[out[i]] = 1;
                stack[top++] = out[i];
            }
    }
    int rc = 0;
    for (int i = 0; !rc && i < d->nnodes; i++)
        if (!seen[i] && d->nodes[i].kind != SC_GOAL) {
            snprintf(path, sizeof path, "nodes[%d]", i);
            rc = FAIL(e, path, "node \"%s\" is unreachable: no edge from the trigger leads to it",
                      d->nodes[i].id);
        }
    memset(seen, 0, (size_t)d->nnodes);
    for (int i = 0; !rc && i < d->nnodes; i++)
        if (!seen[i])
            rc = no_spin(d, i, seen, e);
    free(stack);
    free(seen);
    return rc;
}

/* ---- the whole ------------------------------------------------------------------- */

int sc_def_node(const struct sc_def *d, const char *id)
{
    for (int i = 0; i < d->nnodes; i++)
        if (d->nodes[i].id && !strcmp(d->nodes[i].id, id))
            return i;
    return -1;
}

int sc_def_parse(const json_t *in, struct sc_def **out, struct errbuf *e)
{
    *out = NULL;
    if (!json_is_object(in))
        return FAIL(e, "definition", "a scenario is a JSON object with trigger, nodes and edges");
    if (json_depth_exceeds(in, 16))
        return err_field(e, ERR_TOO_BIG, "definition", "the definition is nested too deeply");
    const json_t *nodes = json_object_get(in, "nodes");
    if (!json_is_array(nodes) || !json_array_size(nodes))
        return FAIL(e, "nodes", "nodes is required: a list of at least one node");
    if (json_array_size(nodes) > SC_MAX_NODES)
        return err_field(e, ERR_TOO_BIG, "nodes", "a scenario has at most %d nodes",
                         SC_MAX_NODES);
    struct sc_def *d = xcalloc(1, sizeof(*d));
    arena_init(&d->arena, 4u << 20);
    d->nnodes = (int)json_array_size(nodes);
    d->nodes = arena_alloc(&d->arena, sizeof(struct sc_node) * (size_t)d->nnodes);
    memset(d->nodes, 0, sizeof(struct sc_node) * (size_t)d->nnodes);
    int rc = read_trigger(d, in, e);
    for (int i = 0; !rc && i < d->nnodes; i++)
        rc = read_node(d, json_array_get(nodes, (size_t)i), i, e);
    if (!rc)
        rc = read_edges(d, in, e);
    if (!rc)
        rc = check_graph(d, e);
    if (!rc && d->arena.failed)
        rc = err_set(e, ERR_TOO_BIG, "the definition is too large");
    if (rc) {
        sc_def_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void sc_def_free(struct sc_def *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->trigger.nwhere; i++)
        json_decref(d->trigger.where[i].value);
    for (int i = 0; d->nodes && i < d->nnodes; i++) {
        struct sc_node *n = &d->nodes[i];
        sg_rule_free(n->rule);
        json_decref(n->value);
        for (int j = 0; j < n->nwhere; j++)
            json_decref(n->where[j].value);
    }
    arena_release(&d->arena);
    free(d);
}

struct ref_walk {
    int (*fn)(void *, const char *, const char *, const char *, const char *, struct errbuf *);
    void *ctx;
    struct errbuf *e;
    const char *node;
    int rc;
};

static void on_segment_ref(void *ctx, const char *name)
{
    struct ref_walk *w = ctx;
    if (!w->rc)
        w->rc = w->fn(w->ctx, "segment", name, NULL, w->node, w->e);
}

int sc_def_refs(const struct sc_def *d,
                int (*fn)(void *ctx, const char *kind, const char *name, const char *detail,
                          const char *node, struct errbuf *e),
                void *ctx, struct errbuf *e)
{
    struct ref_walk w = {fn, ctx, e, NULL, 0};
    if (d->trigger.segment)
        w.rc = fn(ctx, "segment", d->trigger.segment, d->trigger.type == SC_TRIG_SHIFT ? "shift"
                                                                                      : NULL,
                  NULL, e);
    for (int i = 0; !w.rc && i < d->nnodes; i++) {
        const struct sc_node *n = &d->nodes[i];
        w.node = n->id;
        if (n->kind == SC_SEND)
            w.rc = fn(ctx, "template", n->template_name, n->channel, n->id, e);
        if (n->rule)
            sg_each_segment_ref(n->rule, on_segment_ref, &w);
    }
    return w.rc;
}
