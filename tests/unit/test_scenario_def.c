/*
 * test_scenario_def.c — a scenario's definition (src/scenario/def.h), driven
 * by tests/data/scenario_defs.json.
 *
 * Each case of the file is a definition run through sc_def_parse:
 *   {"name", "definition", "valid": true, "expect": {...}}: it must parse,
 *     and what it parsed to must match "expect" (every key optional):
 *       start (a node id), nnodes, goals (how many), has_webhook;
 *       trigger: {type (by name), segment, from, to, event, field, nwhere,
 *         offset_ms, at_minute, at_ms, every_ms};
 *       entry: {reentry, min_interval_ms};
 *       nodes: {"<id>": {kind, next, yes, no, happened, timed_out (a node id
 *         or null), duration_ms, until_minute, offset_ms, nwhere, nbranches,
 *         channel, template, until_field, event, rule, key, status, purpose,
 *         wording, url, secret, title, assignee, description, reason (text
 *         or null), update (attribute, tag, consent), value (any JSON),
 *         branches: [{name, weight, holdout, to}]}}.
 *     An unknown key fails the case, so that a typo cannot make it pass.
 *   {"name", "definition", "error": {"field", "message", "code"}}: it must
 *     be refused, *out NULL, with e->field exactly "field", every phrase of
 *     "message" (a text or a list of texts) in e->msg, and the error code
 *     named "code" (err_code: default "invalid").
 *   known_bug (optional): what a user expects and src/ does not do yet; run
 *     and reported, and it fails the test once the case passes.
 * Every failing case is reported by name, then the test fails.
 *
 * Besides the file: the node count bound, sc_where_match on events,
 * sc_def_refs (what a definition names outside itself) and sc_def_node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testdata.h"
#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "scenario/def.h"

static const char *const trigger_types[] = {
    [SC_TRIG_SEGMENT_ENTER] = "segment_enter",
    [SC_TRIG_SEGMENT_EXIT] = "segment_exit",
    [SC_TRIG_SHIFT] = "shift",
    [SC_TRIG_EVENT] = "event",
    [SC_TRIG_DATE] = "date",
    [SC_TRIG_SCHEDULE] = "schedule",
    [SC_TRIG_API] = "api",
};

static const char *const update_kinds[] = {
    [SC_UP_ATTRIBUTE] = "attribute", [SC_UP_TAG] = "tag", [SC_UP_CONSENT] = "consent"};

/* ---- comparing what was parsed with what is expected ---------------------------------- */

static const char *node_id(const struct sc_def *d, int i)
{
    if (i < 0)
        return NULL;
    if (i >= d->nnodes)
        return "<out of range>";
    return d->nodes[i].id;
}

static void want_str(struct buf *why, const char *what, const char *got, const json_t *want)
{
    if (!json_is_string(want) && !json_is_null(want)) {
        buf_addf(why, "  expect %s: the test wants a text or null\n", what);
        return;
    }
    const char *w = json_string_value(want);
    if (!got != !w || (got && strcmp(got, w)))
        buf_addf(why, "  %s: got %s%s%s, want %s%s%s\n", what, got ? "\"" : "", got ? got : "null",
                 got ? "\"" : "", w ? "\"" : "", w ? w : "null", w ? "\"" : "");
}

static void want_int(struct buf *why, const char *what, long long got, const json_t *want)
{
    if (!json_is_integer(want))
        buf_addf(why, "  expect %s: the test wants a whole number\n", what);
    else if (got != json_integer_value(want))
        buf_addf(why, "  %s: got %lld, want %lld\n", what, got,
                 (long long)json_integer_value(want));
}

static void want_bool(struct buf *why, const char *what, bool got, const json_t *want)
{
    if (!json_is_boolean(want))
        buf_addf(why, "  expect %s: the test wants true or false\n", what);
    else if (got != json_is_true(want))
        buf_addf(why, "  %s: got %s, want %s\n", what, got ? "true" : "false",
                 got ? "false" : "true");
}

/* A text member of the trigger by its expect key; false when there is none of that name. */
static bool trigger_str(const struct sc_trigger *t, const char *key, const char **out)
{
    if (!strcmp(key, "segment"))
        *out = t->segment;
    else if (!strcmp(key, "from"))
        *out = t->from;
    else if (!strcmp(key, "to"))
        *out = t->to;
    else if (!strcmp(key, "event"))
        *out = t->event;
    else if (!strcmp(key, "field"))
        *out = t->field;
    else
        return false;
    return true;
}

static bool trigger_int(const struct sc_trigger *t, const char *key, long long *out)
{
    if (!strcmp(key, "nwhere"))
        *out = t->nwhere;
    else if (!strcmp(key, "offset_ms"))
        *out = t->offset_ms;
    else if (!strcmp(key, "at_minute"))
        *out = t->at_minute;
    else if (!strcmp(key, "at_ms"))
        *out = t->at_ms;
    else if (!strcmp(key, "every_ms"))
        *out = t->every_ms;
    else
        return false;
    return true;
}

static void check_trigger(const struct sc_def *d, const json_t *want, struct buf *why)
{
    const char *key, *s;
    long long v;
    json_t *w;
    json_object_foreach((json_t *)want, key, w)
    {
        char what[80];
        snprintf(what, sizeof(what), "trigger.%s", key);
        if (!strcmp(key, "type"))
            want_str(why, what, trigger_types[d->trigger.type], w);
        else if (trigger_str(&d->trigger, key, &s))
            want_str(why, what, s, w);
        else if (trigger_int(&d->trigger, key, &v))
            want_int(why, what, v, w);
        else
            buf_addf(why, "  expect: unknown key trigger.%s\n", key);
    }
}

static void check_entry(const struct sc_def *d, const json_t *want, struct buf *why)
{
    const char *key;
    json_t *w;
    json_object_foreach((json_t *)want, key, w)
    {
        if (!strcmp(key, "reentry"))
            want_bool(why, "entry.reentry", d->entry.reentry, w);
        else if (!strcmp(key, "min_interval_ms"))
            want_int(why, "entry.min_interval_ms", d->entry.min_interval_ms, w);
        else
            buf_addf(why, "  expect: unknown key entry.%s\n", key);
    }
}

static const struct {
    const char *key;
    size_t off;
} node_strs[] = {
    {"channel", offsetof(struct sc_node, channel)},
    {"template", offsetof(struct sc_node, template_name)},
    {"until_field", offsetof(struct sc_node, until_field)},
    {"event", offsetof(struct sc_node, event)},
    {"rule", offsetof(struct sc_node, rule_text)},
    {"key", offsetof(struct sc_node, key)},
    {"status", offsetof(struct sc_node, status)},
    {"purpose", offsetof(struct sc_node, purpose)},
    {"wording", offsetof(struct sc_node, wording)},
    {"url", offsetof(struct sc_node, url)},
    {"secret", offsetof(struct sc_node, secret)},
    {"title", offsetof(struct sc_node, title)},
    {"assignee", offsetof(struct sc_node, assignee)},
    {"description", offsetof(struct sc_node, description)},
    {"reason", offsetof(struct sc_node, reason)},
};

static bool node_str(const struct sc_node *n, const char *key, const char **out)
{
    for (size_t k = 0; k < sizeof(node_strs) / sizeof(node_strs[0]); k++)
        if (!strcmp(key, node_strs[k].key)) {
            *out = *(const char *const *)(const void *)((const char *)n + node_strs[k].off);
            return true;
        }
    return false;
}

static bool node_int(const struct sc_node *n, const char *key, long long *out)
{
    if (!strcmp(key, "duration_ms"))
        *out = n->duration_ms;
    else if (!strcmp(key, "until_minute"))
        *out = n->until_minute;
    else if (!strcmp(key, "offset_ms"))
        *out = n->offset_ms;
    else if (!strcmp(key, "nwhere"))
        *out = n->nwhere;
    else if (!strcmp(key, "nbranches"))
        *out = n->nbranches;
    else
        return false;
    return true;
}

/* An exit of the node by its expect key (the index of the node it leads to). */
static bool node_exit(const struct sc_node *n, const char *key, int *out)
{
    if (!strcmp(key, "next"))
        *out = n->next;
    else if (!strcmp(key, "yes"))
        *out = n->yes;
    else if (!strcmp(key, "no"))
        *out = n->no;
    else if (!strcmp(key, "happened"))
        *out = n->happened;
    else if (!strcmp(key, "timed_out"))
        *out = n->timed_out;
    else
        return false;
    return true;
}

static void check_branches(const struct sc_def *d, const struct sc_node *n, const json_t *want,
                           struct buf *why)
{
    if (!json_is_array(want) || (int)json_array_size(want) != n->nbranches) {
        buf_addf(why, "  node \"%s\": %d branches, want %zu\n", n->id, n->nbranches,
                 json_array_size(want));
        return;
    }
    size_t i;
    json_t *b;
    json_array_foreach(want, i, b)
    {
        const struct sc_branch *x = &n->branches[i];
        const char *key;
        json_t *w;
        json_object_foreach(b, key, w)
        {
            char what[160];
            snprintf(what, sizeof(what), "node \"%s\" branches[%zu].%s", n->id, i, key);
            if (!strcmp(key, "name"))
                want_str(why, what, x->name, w);
            else if (!strcmp(key, "weight"))
                want_int(why, what, x->weight, w);
            else if (!strcmp(key, "holdout"))
                want_bool(why, what, x->holdout, w);
            else if (!strcmp(key, "to"))
                want_str(why, what, node_id(d, x->to), w);
            else
                buf_addf(why, "  expect: unknown key %s\n", what);
        }
    }
}

static void check_node(const struct sc_def *d, const char *id, const json_t *want, struct buf *why)
{
    int i = sc_def_node(d, id);
    if (i < 0) {
        buf_addf(why, "  no node \"%s\"\n", id);
        return;
    }
    const struct sc_node *n = &d->nodes[i];
    const char *key, *s;
    long long v;
    int to;
    json_t *w;
    json_object_foreach((json_t *)want, key, w)
    {
        char what[160];
        snprintf(what, sizeof(what), "node \"%s\" %s", id, key);
        if (!strcmp(key, "kind"))
            want_str(why, what, sc_kind_name(n->kind), w);
        else if (!strcmp(key, "update"))
            want_str(why, what, n->kind == SC_UPDATE ? update_kinds[n->update] : NULL, w);
        else if (!strcmp(key, "value")) {
            if (!n->value || !json_equal(n->value, w)) {
                char *got = n->value ? json_dumps(n->value, JSON_ENCODE_ANY) : NULL;
                char *exp = json_dumps(w, JSON_ENCODE_ANY);
                buf_addf(why, "  %s: got %s, want %s\n", what, got ? got : "(none)", exp);
                free(got);
                free(exp);
            }
        } else if (!strcmp(key, "branches"))
            check_branches(d, n, w, why);
        else if (node_exit(n, key, &to))
            want_str(why, what, node_id(d, to), w);
        else if (node_str(n, key, &s))
            want_str(why, what, s, w);
        else if (node_int(n, key, &v))
            want_int(why, what, v, w);
        else
            buf_addf(why, "  expect: unknown key %s\n", what);
    }
}

/* What holds for every definition that parses. */
static void check_invariants(const struct sc_def *d, struct buf *why)
{
    int goals = 0;
    for (int i = 0; i < d->nnodes; i++)
        goals += d->nodes[i].kind == SC_GOAL;
    if (goals != d->ngoals)
        buf_addf(why, "  %d goal nodes, but ngoals is %d\n", goals, d->ngoals);
    for (int g = 0; g < d->ngoals && g < 8; g++)
        if (d->goals[g] < 0 || d->goals[g] >= d->nnodes || d->nodes[d->goals[g]].kind != SC_GOAL)
            buf_addf(why, "  goals[%d] is not a goal node\n", g);
    if (d->start < 0 || d->start >= d->nnodes)
        buf_addf(why, "  start %d is not a node\n", d->start);
    else if (d->nodes[d->start].kind == SC_GOAL)
        buf_addf(why, "  the trigger leads to a goal\n");
    for (int i = 0; i < d->nnodes; i++)
        if (sc_def_node(d, d->nodes[i].id) != i)
            buf_addf(why, "  sc_def_node(\"%s\") is not %d\n", d->nodes[i].id, i);
}

static void check_expect(const struct sc_def *d, const json_t *want, struct buf *why)
{
    check_invariants(d, why);
    const char *key;
    json_t *w;
    json_object_foreach((json_t *)want, key, w)
    {
        if (!strcmp(key, "start"))
            want_str(why, "start", node_id(d, d->start), w);
        else if (!strcmp(key, "nnodes"))
            want_int(why, "nnodes", d->nnodes, w);
        else if (!strcmp(key, "goals"))
            want_int(why, "goals", d->ngoals, w);
        else if (!strcmp(key, "has_webhook"))
            want_bool(why, "has_webhook", d->has_webhook, w);
        else if (!strcmp(key, "trigger"))
            check_trigger(d, w, why);
        else if (!strcmp(key, "entry"))
            check_entry(d, w, why);
        else if (!strcmp(key, "nodes")) {
            const char *id;
            json_t *n;
            json_object_foreach(w, id, n)
            {
                check_node(d, id, n, why);
            }
        } else
            buf_addf(why, "  expect: unknown key %s\n", key);
    }
}

static void check_error(int rc, const struct sc_def *d, const struct errbuf *e, const json_t *want,
                        struct buf *why)
{
    const char *field = json_string_value(json_object_get(want, "field"));
    const json_t *msg = json_object_get(want, "message");
    const char *code = json_string_value(json_object_get(want, "code"));
    if (!code)
        code = "invalid";
    if (!field || !msg) {
        buf_addf(why, "  the case's error needs a \"field\" and a \"message\"\n");
        return;
    }
    if (!rc) {
        buf_addf(why, "  parsed; want refused: %s \"%s\"\n", field,
                 json_is_string(msg) ? json_string_value(msg) : "...");
        return;
    }
    if (d)
        buf_addf(why, "  refused, but *out is not NULL\n");
    if (strcmp(err_code(rc), code))
        buf_addf(why, "  code %s, want %s\n", err_code(rc), code);
    if (strcmp(e->field, field))
        buf_addf(why, "  field \"%s\", want \"%s\"\n", e->field, field);
    size_t i;
    const json_t *m;
    if (json_is_string(msg)) {
        if (!strstr(e->msg, json_string_value(msg)))
            buf_addf(why, "  message lacks \"%s\"\n", json_string_value(msg));
    } else {
        json_array_foreach(msg, i, m)
        {
            if (!strstr(e->msg, json_string_value(m)))
                buf_addf(why, "  message lacks \"%s\"\n", json_string_value(m));
        }
    }
    if (why->len)
        buf_addf(why, "  got %s: field \"%s\": %s\n", err_code(rc), e->field, e->msg);
}

static void run_case(const json_t *c, struct buf *why)
{
    const json_t *def = json_object_get(c, "definition");
    const json_t *want_err = json_object_get(c, "error");
    bool valid = json_is_true(json_object_get(c, "valid"));
    if (!def || valid == (want_err != NULL)) {
        buf_addf(why, "  the case needs a \"definition\" and either \"valid\" or \"error\"\n");
        return;
    }
    struct sc_def *d = (struct sc_def *)1;
    struct errbuf e = {{0}, {0}};
    int rc = sc_def_parse(def, &d, &e);
    if (valid) {
        if (rc)
            buf_addf(why, "  refused (%s): field \"%s\": %s\n", err_code(rc), e.field, e.msg);
        else
            check_expect(d, json_object_get(c, "expect"), why);
    } else {
        check_error(rc, rc ? d : NULL, &e, want_err, why);
    }
    if (!rc)
        sc_def_free(d);
}

static void test_defs_from_file(void **state)
{
    (void)state;
    json_t *cases = testdata_load("scenario_defs.json", __FILE__);
    if (!json_is_array(cases))
        fail_msg("scenario_defs.json: the cases must be an array");
    size_t i, failed = 0, known = 0, fixed = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        struct buf why;
        buf_init(&why, 0);
        run_case(c, &why);
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *bug = json_string_value(json_object_get(c, "known_bug"));
        if (!name)
            name = "?";
        if (bug && why.len) {
            print_message("case %zu \"%s\": known bug, still there: %s\n%s", i, name, bug, why.ptr);
            known++;
        } else if (bug) {
            print_error("case %zu \"%s\": passes now; remove its \"known_bug\" mark\n", i, name);
            fixed++;
        } else if (why.len) {
            print_error("case %zu \"%s\":\n%s", i, name, why.ptr);
            failed++;
        }
        buf_release(&why);
    }
    size_t n = json_array_size(cases);
    json_decref(cases);
    print_message("%zu scenario definition cases (%zu known bugs)\n", n, known);
    assert_true(n >= 60); /* the file really was read */
    if (failed || fixed)
        fail_msg("%zu of %zu scenario definition cases failed, %zu known bugs fixed", failed, n,
                 fixed);
}

/* ---- the node count bound -------------------------------------------------------------- */

/* A chain trigger -> n0 -> n1 -> ... of n sends. */
static json_t *chain(int n)
{
    json_t *nodes = json_array(), *edges = json_array();
    char id[16], prev[16] = "trigger";
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "n%d", i);
        json_array_append_new(nodes, json_pack("{s:s, s:s, s:s, s:s}", "id", id, "type", "send",
                                               "channel", "email", "template", "t"));
        json_array_append_new(edges, json_pack("{s:s, s:s}", "from", prev, "to", id));
        memcpy(prev, id, sizeof(id));
    }
    return json_pack("{s:{s:s}, s:o, s:o}", "trigger", "type", "api", "nodes", nodes, "edges",
                     edges);
}

static void test_node_bound(void **state)
{
    (void)state;
    struct sc_def *d;
    struct errbuf e = {{0}, {0}};
    json_t *j = chain(SC_MAX_NODES);
    int rc = sc_def_parse(j, &d, &e);
    if (rc)
        fail_msg("%d nodes refused: %s: %s", SC_MAX_NODES, e.field, e.msg);
    assert_int_equal(d->nnodes, SC_MAX_NODES);
    assert_int_equal(d->start, 0);
    assert_int_equal(d->nodes[SC_MAX_NODES - 2].next, SC_MAX_NODES - 1);
    assert_int_equal(d->nodes[SC_MAX_NODES - 1].next, -1);
    sc_def_free(d);
    json_decref(j);

    j = chain(SC_MAX_NODES + 1);
    d = (struct sc_def *)1;
    assert_int_equal(sc_def_parse(j, &d, &e), ERR_TOO_BIG);
    assert_null(d);
    assert_string_equal(e.field, "nodes");
    assert_non_null(strstr(e.msg, "at most 200 nodes"));
    json_decref(j);

    /* a long loop of 200 nodes without a wait is found, however deep */
    j = chain(SC_MAX_NODES);
    json_array_append_new(json_object_get(j, "edges"),
                          json_pack("{s:s, s:s}", "from", "n199", "to", "n0"));
    assert_int_equal(sc_def_parse(j, &d, &e), ERR_INVALID);
    assert_string_equal(e.field, "edges");
    assert_non_null(strstr(e.msg, "a loop back to \"n0\""));
    json_decref(j);
}

/* ---- sc_where_match ---------------------------------------------------------------------- */

static json_t *json_of(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad JSON in the test: %s: %s", text, je.text);
    return j;
}

/* Whether the one condition (path op value) matches the event. value is JSON text or NULL. */
static bool match1(const char *path, enum sc_where_op op, const char *value, const char *ev)
{
    struct sc_where w = {path, op, value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL};
    if (value && !w.value)
        fail_msg("bad value in the test: %s", value);
    json_t *e = json_of(ev);
    bool ok = sc_where_match(&w, 1, e);
    json_decref(e);
    json_decref(w.value);
    return ok;
}

static const char *const survey =
    "{\"name\": \"Survey Answered\", \"properties\": {\"answer\": \"Broken Seat\", \"score\": 3,"
    " \"score_text\": \"3\", \"big_text\": \"12\", \"note\": \"3 stars\", \"empty\": \"\","
    " \"none\": null, \"promoter\": false, \"zero\": 0, \"price\": 49.5,"
    " \"seat\": {\"row\": 12, \"number\": \"C\"}, \"tags\": [\"a\", \"b\"]}}";

static void test_where_text(void **state)
{
    (void)state;
    /* = and != on text ignore case */
    assert_true(match1("properties.answer", SC_W_EQ, "\"broken seat\"", survey));
    assert_true(match1("properties.answer", SC_W_EQ, "\"BROKEN SEAT\"", survey));
    assert_false(match1("properties.answer", SC_W_EQ, "\"broken seats\"", survey));
    assert_false(match1("properties.answer", SC_W_EQ, "\"broken\"", survey));
    assert_false(match1("properties.answer", SC_W_NE, "\"broken SEAT\"", survey));
    assert_true(match1("properties.answer", SC_W_NE, "\"fine\"", survey));
    assert_true(match1("name", SC_W_EQ, "\"survey answered\"", survey));
    /* booleans */
    assert_true(match1("properties.promoter", SC_W_EQ, "false", survey));
    assert_false(match1("properties.promoter", SC_W_EQ, "true", survey));
    assert_true(match1("properties.promoter", SC_W_NE, "true", survey));
    /* a text is not a number for =: "3" is not 3 */
    assert_false(match1("properties.score_text", SC_W_EQ, "3", survey));
    assert_false(match1("properties.score", SC_W_EQ, "\"3\"", survey));
}

static void test_where_numbers(void **state)
{
    (void)state;
    assert_true(match1("properties.score", SC_W_EQ, "3", survey));
    assert_true(match1("properties.score", SC_W_EQ, "3.0", survey)); /* integer and real */
    assert_false(match1("properties.score", SC_W_EQ, "4", survey));
    assert_true(match1("properties.score", SC_W_NE, "4", survey));
    assert_false(match1("properties.score", SC_W_NE, "3", survey));
    assert_true(match1("properties.price", SC_W_EQ, "49.5", survey));

    assert_true(match1("properties.score", SC_W_LT, "4", survey));
    assert_false(match1("properties.score", SC_W_LT, "3", survey));
    assert_true(match1("properties.score", SC_W_LE, "3", survey));
    assert_false(match1("properties.score", SC_W_LE, "2.5", survey));
    assert_true(match1("properties.score", SC_W_GT, "2", survey));
    assert_false(match1("properties.score", SC_W_GT, "3", survey));
    assert_true(match1("properties.score", SC_W_GE, "3", survey));
    assert_false(match1("properties.score", SC_W_GE, "3.5", survey));
    assert_true(match1("properties.price", SC_W_LT, "50", survey));
    assert_true(match1("properties.zero", SC_W_GE, "-1", survey));

    /* a numeric text compares as its number, not byte by byte ("12" > "5") */
    assert_true(match1("properties.score_text", SC_W_LT, "5", survey));
    assert_true(match1("properties.score_text", SC_W_LE, "3", survey));
    assert_false(match1("properties.big_text", SC_W_LT, "5", survey));
    assert_true(match1("properties.big_text", SC_W_GT, "5", survey));
    assert_true(match1("properties.big_text", SC_W_GE, "12", survey));
    /* a text that is not all number does not compare: neither < nor >= */
    assert_false(match1("properties.note", SC_W_LT, "5", survey));
    assert_false(match1("properties.note", SC_W_GE, "0", survey));
    assert_false(match1("properties.empty", SC_W_LT, "5", survey));
    assert_false(match1("properties.empty", SC_W_GE, "-5", survey));
    /* nor does anything else: true/false, null, an object, a list */
    assert_false(match1("properties.promoter", SC_W_LT, "5", survey));
    assert_false(match1("properties.none", SC_W_LT, "5", survey));
    assert_false(match1("properties.seat", SC_W_GE, "0", survey));
    assert_false(match1("properties.tags", SC_W_GE, "0", survey));
}

static void test_where_exists_and_paths(void **state)
{
    (void)state;
    assert_true(match1("properties.answer", SC_W_EXISTS, NULL, survey));
    assert_true(match1("properties.promoter", SC_W_EXISTS, NULL, survey)); /* false is a value */
    assert_true(match1("properties.zero", SC_W_EXISTS, NULL, survey));
    assert_true(match1("properties.empty", SC_W_EXISTS, NULL, survey));
    assert_true(match1("properties.seat", SC_W_EXISTS, NULL, survey));
    assert_false(match1("properties.none", SC_W_EXISTS, NULL, survey)); /* null is no value */
    assert_false(match1("properties.nothing", SC_W_EXISTS, NULL, survey));
    assert_false(match1("context.ip", SC_W_EXISTS, NULL, survey));

    /* nested paths */
    assert_true(match1("properties.seat.row", SC_W_EQ, "12", survey));
    assert_true(match1("properties.seat.row", SC_W_GT, "10", survey));
    assert_true(match1("properties.seat.number", SC_W_EQ, "\"c\"", survey));
    assert_true(match1("properties.seat.row", SC_W_EXISTS, NULL, survey));
    assert_false(match1("properties.seat.aisle", SC_W_EXISTS, NULL, survey));
    /* through something that is not an object */
    assert_false(match1("properties.seat.row.x", SC_W_EXISTS, NULL, survey));
    assert_false(match1("properties.answer.x", SC_W_EQ, "\"x\"", survey));
    assert_false(match1("name.x", SC_W_EXISTS, NULL, survey));

    /* a missing path meets no condition, not even != */
    assert_false(match1("properties.nothing", SC_W_EQ, "\"x\"", survey));
    assert_false(match1("properties.nothing", SC_W_NE, "\"x\"", survey));
    assert_false(match1("properties.nothing", SC_W_LT, "5", survey));
    assert_false(match1("properties.nothing", SC_W_GE, "5", survey));
    assert_false(match1("nothing.at.all", SC_W_EQ, "1", survey));
    assert_false(match1("properties.answer", SC_W_EQ, "\"Broken Seat\"", "{\"name\": \"x\"}"));
    assert_false(match1("properties.answer", SC_W_EQ, "\"Broken Seat\"", "[1, 2]"));
}

static void test_where_all(void **state)
{
    (void)state;
    json_t *ev = json_of(survey);
    struct sc_where w[3] = {
        {"name", SC_W_EQ, json_string("Survey Answered")},
        {"properties.score", SC_W_LE, json_integer(3)},
        {"properties.seat.row", SC_W_EXISTS, NULL},
    };
    assert_true(sc_where_match(w, 0, ev)); /* no condition: every event */
    assert_true(sc_where_match(w, 3, ev));
    json_decref(w[1].value);
    w[1].value = json_integer(2); /* one of three fails: the event does not match */
    assert_false(sc_where_match(w, 3, ev));
    assert_true(sc_where_match(w, 1, ev));
    w[2].path = "properties.seat.aisle";
    assert_false(sc_where_match(&w[2], 1, ev));
    for (int i = 0; i < 3; i++)
        json_decref(w[i].value);
    json_decref(ev);

    /* the conditions of a parsed trigger, as the scheduler uses them */
    json_t *def =
        json_of("{\"trigger\": {\"type\": \"event\", \"event\": \"Survey Answered\", \"where\": ["
                "{\"path\": \"properties.answer\", \"value\": \"broken seat\"},"
                "{\"path\": \"properties.score\", \"op\": \"<\", \"value\": 5}]},"
                " \"nodes\": [{\"id\": \"call\", \"type\": \"task\", \"title\": \"Call\"}],"
                " \"edges\": [{\"from\": \"trigger\", \"to\": \"call\"}]}");
    struct sc_def *d;
    struct errbuf e = {{0}, {0}};
    if (sc_def_parse(def, &d, &e))
        fail_msg("%s: %s", e.field, e.msg);
    assert_int_equal(d->trigger.nwhere, 2);
    assert_int_equal(d->trigger.where[0].op, SC_W_EQ); /* "=" when op is left out */
    ev = json_of(survey);
    assert_true(sc_where_match(d->trigger.where, d->trigger.nwhere, ev));
    json_decref(ev);
    ev = json_of("{\"name\": \"Survey Answered\", \"properties\": {\"answer\": \"Broken seat\","
                 " \"score\": 9}}");
    assert_false(sc_where_match(d->trigger.where, d->trigger.nwhere, ev));
    json_decref(ev);
    sc_def_free(d);
    json_decref(def);
}

/* ---- sc_def_refs ---------------------------------------------------------------------- */

struct ref {
    char kind[16], name[64], detail[16], node[16];
};

struct refs {
    struct ref got[16];
    int n;
    int stop_at; /* return -5 at this call (1-based); 0 never */
};

static void copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "(null)");
}

static int on_ref(void *ctx, const char *kind, const char *name, const char *detail,
                  const char *node, struct errbuf *e)
{
    struct refs *r = ctx;
    if (r->n == 16)
        fail_msg("more than 16 references");
    struct ref *x = &r->got[r->n++];
    copy(x->kind, sizeof(x->kind), kind);
    copy(x->name, sizeof(x->name), name);
    copy(x->detail, sizeof(x->detail), detail);
    copy(x->node, sizeof(x->node), node);
    if (r->n == r->stop_at)
        return err_field(e, -5, "refs", "stop at %s \"%s\"", kind, name);
    return 0;
}

static struct sc_def *parse_text(const char *text)
{
    json_t *j = json_of(text);
    struct sc_def *d;
    struct errbuf e = {{0}, {0}};
    if (sc_def_parse(j, &d, &e))
        fail_msg("%s: %s", e.field, e.msg);
    json_decref(j);
    return d;
}

static const char *const refs_def =
    "{\"trigger\": {\"type\": \"segment_enter\", \"segment\": \"new customers\"},"
    " \"nodes\": ["
    "  {\"id\": \"mail\", \"type\": \"send\", \"channel\": \"email\", \"template\": \"welcome\"},"
    "  {\"id\": \"pause\", \"type\": \"wait\", \"duration\": \"2d\"},"
    "  {\"id\": \"check\", \"type\": \"condition\","
    "   \"rule\": \"consent sms and (segment \\\"vip\\\" or segment \\\"lifecycle\\\" = "
    "\\\"lapsed\\\")\"},"
    "  {\"id\": \"text\", \"type\": \"send\", \"channel\": \"sms\", \"template\": \"reminder\"},"
    "  {\"id\": \"done\", \"type\": \"exit\"},"
    "  {\"id\": \"bought\", \"type\": \"goal\", \"rule\": \"not segment \\\"buyers\\\"\"},"
    "  {\"id\": \"spent\", \"type\": \"goal\", \"rule\": \"total_spent > 100\"}],"
    " \"edges\": [{\"from\": \"trigger\", \"to\": \"mail\"}, {\"from\": \"mail\", \"to\": "
    "\"pause\"},"
    "  {\"from\": \"pause\", \"to\": \"check\"},"
    "  {\"from\": \"check\", \"exit\": \"yes\", \"to\": \"text\"},"
    "  {\"from\": \"check\", \"exit\": \"no\", \"to\": \"done\"}]}";

static void expect_ref(const struct refs *r, int i, const char *kind, const char *name,
                       const char *detail, const char *node)
{
    if (i >= r->n)
        fail_msg("reference %d: missing, want %s \"%s\"", i, kind, name);
    const struct ref *x = &r->got[i];
    if (strcmp(x->kind, kind) || strcmp(x->name, name) || strcmp(x->detail, detail) ||
        strcmp(x->node, node))
        fail_msg("reference %d: got %s \"%s\" (%s) at %s, want %s \"%s\" (%s) at %s", i, x->kind,
                 x->name, x->detail, x->node, kind, name, detail, node);
}

static void test_refs(void **state)
{
    (void)state;
    struct sc_def *d = parse_text(refs_def);
    struct refs r = {.n = 0};
    struct errbuf e = {{0}, {0}};
    assert_int_equal(sc_def_refs(d, on_ref, &r, &e), 0);
    expect_ref(&r, 0, "segment", "new customers", "(null)", "(null)");
    expect_ref(&r, 1, "template", "welcome", "email", "mail");
    expect_ref(&r, 2, "segment", "vip", "(null)", "check");
    expect_ref(&r, 3, "segment", "lifecycle", "(null)", "check");
    expect_ref(&r, 4, "template", "reminder", "sms", "text");
    expect_ref(&r, 5, "segment", "buyers", "(null)", "bought");
    assert_int_equal(r.n, 6);

    /* a non-zero return stops the walk, is returned, and e is the callback's */
    for (int stop = 1; stop <= 6; stop++) {
        struct refs s = {.n = 0, .stop_at = stop};
        struct errbuf e2 = {{0}, {0}};
        assert_int_equal(sc_def_refs(d, on_ref, &s, &e2), -5);
        assert_int_equal(s.n, stop);
        assert_string_equal(e2.field, "refs");
        assert_non_null(strstr(e2.msg, "stop at"));
    }
    sc_def_free(d);

    /* a shift names its segment with "shift" as the detail */
    d = parse_text("{\"trigger\": {\"type\": \"shift\", \"segment\": \"lifecycle\", \"to\": "
                   "\"lapsed\"}, \"nodes\": [{\"id\": \"m\", \"type\": \"send\", \"channel\": "
                   "\"push\", \"template\": \"come-back\"}], \"edges\": [{\"from\": \"trigger\", "
                   "\"to\": \"m\"}]}");
    r.n = 0;
    assert_int_equal(sc_def_refs(d, on_ref, &r, &e), 0);
    assert_int_equal(r.n, 2);
    expect_ref(&r, 0, "segment", "lifecycle", "shift", "(null)");
    expect_ref(&r, 1, "template", "come-back", "push", "m");
    sc_def_free(d);

    /* a schedule for everyone and an api trigger name no segment */
    d = parse_text("{\"trigger\": {\"type\": \"schedule\", \"at\": \"2026-12-01T09:00:00Z\"},"
                   " \"nodes\": [{\"id\": \"t\", \"type\": \"task\", \"title\": \"x\"}],"
                   " \"edges\": [{\"from\": \"trigger\", \"to\": \"t\"}]}");
    r.n = 0;
    assert_int_equal(sc_def_refs(d, on_ref, &r, &e), 0);
    assert_int_equal(r.n, 0);
    sc_def_free(d);
    d = parse_text("{\"trigger\": {\"type\": \"schedule\", \"segment\": \"vip\", \"at\": "
                   "\"2026-12-01T09:00:00Z\"}, \"nodes\": [{\"id\": \"t\", \"type\": \"task\", "
                   "\"title\": \"x\"}], \"edges\": [{\"from\": \"trigger\", \"to\": \"t\"}]}");
    r.n = 0;
    assert_int_equal(sc_def_refs(d, on_ref, &r, &e), 0);
    assert_int_equal(r.n, 1);
    expect_ref(&r, 0, "segment", "vip", "(null)", "(null)");
    sc_def_free(d);
}

/* ---- small accessors ------------------------------------------------------------------- */

static void test_node_lookup(void **state)
{
    (void)state;
    struct sc_def *d = parse_text(refs_def);
    assert_int_equal(sc_def_node(d, "mail"), 0);
    assert_int_equal(sc_def_node(d, "spent"), 6);
    assert_int_equal(sc_def_node(d, "Mail"), -1);
    assert_int_equal(sc_def_node(d, "trigger"), -1);
    assert_int_equal(sc_def_node(d, ""), -1);
    assert_int_equal(d->ngoals, 2);
    assert_int_equal(d->goals[0], 5);
    assert_int_equal(d->goals[1], 6);
    assert_false(d->has_webhook);
    sc_def_free(d);
    sc_def_free(NULL);

    static const char *const names[] = {"send",   "wait",    "wait_for", "condition", "split",
                                        "update", "webhook", "task",     "goal",      "exit"};
    for (int k = SC_SEND; k <= SC_EXIT; k++)
        assert_string_equal(sc_kind_name((enum sc_kind)k), names[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defs_from_file),
        cmocka_unit_test(test_node_bound),
        cmocka_unit_test(test_where_text),
        cmocka_unit_test(test_where_numbers),
        cmocka_unit_test(test_where_exists_and_paths),
        cmocka_unit_test(test_where_all),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_node_lookup),
    };
    return cmocka_run_group_tests_name("scenario_def", tests, NULL, NULL);
}
