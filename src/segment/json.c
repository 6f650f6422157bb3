/*
 * json.c — the JSON form of a rule (rule.h), both ways. Reading builds
 * through build.h, with the same checks as the text parser; errors name the
 * path of the offending member ("args[1].value").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/build.h"
#include "segment/fields.h"
#include "segment/rule.h"

/* ---- writing ----------------------------------------------------------------- */

/* A number as an integer when it is one (2, not 2.0), else a real. */
static json_t *num_json(double v)
{
    return v > -1e15 && v < 1e15 && v == (double)(int64_t)v ? json_integer((json_int_t)v)
                                                            : json_real(v);
}

static json_t *value_json(const struct sg_value *v)
{
    return v->is_num ? num_json(v->num) : json_string(v->str);
}

static json_t *field_json(const struct sg_node *n)
{
    if (n->field != SG_F_ATTRIBUTE)
        return json_string(sg_field_name(n->field));
    char name[160];
    snprintf(name, sizeof(name), "attributes.%s", n->name);
    return json_string(name);
}

static json_t *node_json(const struct sg_node *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(sg_op_name(n->op)));
    switch (n->op) {
    case SG_AND:
    case SG_OR: {
        json_t *a = json_array();
        for (int i = 0; i < n->nkids; i++)
            json_array_append_new(a, node_json(n->kids[i]));
        json_object_set_new(o, "args", a);
        break;
    }
    case SG_NOT:
        json_object_set_new(o, "arg", node_json(n->kids[0]));
        break;
    case SG_CMP:
        json_object_set_new(o, "field", field_json(n));
        json_object_set_new(o, "cmp", json_string(sg_cmp_name(n->cmp)));
        json_object_set_new(o, "value", value_json(&n->value));
        break;
    case SG_IN: {
        json_object_set_new(o, "field", field_json(n));
        json_t *a = json_array();
        for (int i = 0; i < n->nvalues; i++)
            json_array_append_new(a, value_json(&n->values[i]));
        json_object_set_new(o, "values", a);
        if (n->negate)
            json_object_set_new(o, "negate", json_true());
        break;
    }
    case SG_CONTAINS:
    case SG_STARTS_WITH:
        json_object_set_new(o, "field", field_json(n));
        json_object_set_new(o, "value", value_json(&n->value));
        break;
    case SG_IS_SET:
        json_object_set_new(o, "field", field_json(n));
        if (n->negate)
            json_object_set_new(o, "negate", json_true());
        break;
    case SG_ANNIVERSARY:
    case SG_BEFORE_AGO:
    case SG_AFTER_AGO:
    case SG_WITHIN:
        if (n->field != SG_F_COUNT)
            json_object_set_new(o, "field", field_json(n));
        json_object_set_new(o, "duration", json_string(n->duration));
        break;
    case SG_AGG: {
        json_object_set_new(o, "table", json_string(sg_table_name(n->table)));
        json_object_set_new(o, "func", json_string(sg_func_name(n->func)));
        if (n->func == SG_SUM || n->func == SG_AVG || n->func == SG_MIN || n->func == SG_MAX)
            json_object_set_new(o, "of", json_string(sg_field_name(n->of)));
        json_t *a = json_array();
        for (int i = 0; i < n->nkids; i++)
            json_array_append_new(a, node_json(n->kids[i]));
        json_object_set_new(o, "filters", a);
        if (n->has_cmp) {
            json_object_set_new(o, "cmp", json_string(sg_cmp_name(n->cmp)));
            json_object_set_new(o, "value", num_json(n->value.num));
        }
        break;
    }
    case SG_CONSENT:
        json_object_set_new(o, "channel", json_string(n->name));
        if (n->sub)
            json_object_set_new(o, "purpose", json_string(n->sub));
        break;
    case SG_HAS:
        json_object_set_new(o, "identity", json_string(n->name));
        break;
    case SG_HOUSEHOLD:
        json_object_set_new(o, "cmp", json_string(sg_cmp_name(n->cmp)));
        json_object_set_new(o, "value", num_json(n->value.num));
        break;
    case SG_SEGMENT:
        json_object_set_new(o, "name", json_string(n->name));
        if (n->sub) {
            json_object_set_new(o, "cmp", json_string(sg_cmp_name(n->cmp)));
            json_object_set_new(o, "sub", json_string(n->sub));
        }
        break;
    case SG_SAMPLE:
        json_object_set_new(o, "percent", num_json(n->percent));
        json_object_set_new(o, "seed", json_integer(n->seed));
        break;
    }
    return o;
}

json_t *sg_to_json(const struct sg_rule *r)
{
    return node_json(r->root);
}

/* ---- reading ----------------------------------------------------------------- */

struct reader {
    struct sg_build b;
    char path[256];
};

#define jfail(rd, ...) sg_fail(&(rd)->b, 0, 0, __VA_ARGS__)

static const char *member_str(struct reader *rd, const json_t *o, const char *key, bool required)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            jfail(rd, "\"%s\" is missing", key);
        return NULL;
    }
    if (!json_is_string(v)) {
        jfail(rd, "\"%s\" must be a string", key);
        return NULL;
    }
    return json_string_value(v);
}

static bool cmp_from(struct reader *rd, const json_t *o, enum sg_cmp *out)
{
    const char *c = member_str(rd, o, "cmp", true);
    if (!c)
        return false;
    for (int i = SG_EQ; i <= SG_GE; i++)
        if (!strcmp(sg_cmp_name((enum sg_cmp)i), c)) {
            *out = (enum sg_cmp)i;
            return true;
        }
    jfail(rd, "\"cmp\" must be one of = != < <= > >=, not \"%.20s\"", c);
    return false;
}

static bool value_from(struct reader *rd, const json_t *v, struct sg_value *out)
{
    if (json_is_number(v)) {
        *out = (struct sg_value){.is_num = true, .num = json_number_value(v)};
        return sg_number(&rd->b, &out->num, 0, 0);
    }
    if (json_is_string(v)) {
        out->is_num = false;
        out->str = sg_str(&rd->b, json_string_value(v), json_string_length(v), 0, 0);
        return out->str != NULL;
    }
    jfail(rd, "a value must be a string or a number");
    return false;
}

static bool number_from(struct reader *rd, const json_t *o, const char *key, double *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        jfail(rd, "\"%s\" must be a number", key);
        return false;
    }
    *out = json_number_value(v);
    return sg_number(&rd->b, out, 0, 0);
}

/* "field": a profile field, "attributes.x", or (table >= 0) a row field of that table. */
static bool field_from(struct reader *rd, const json_t *o, struct sg_node *n, int table)
{
    const char *f = member_str(rd, o, "field", true);
    if (!f)
        return false;
    if (table < 0 && !strncmp(f, "attributes.", 11) && f[11] && !strchr(f + 11, '.')) {
        n->field = SG_F_ATTRIBUTE;
        n->name = sg_str(&rd->b, f + 11, strlen(f + 11), 0, 0);
        return n->name != NULL && sg_name(&rd->b, n->name, 0, 0);
    }
    int k = table < 0 ? sg_profile_field(f) : sg_row_field(f, (enum sg_table)table);
    if (k < 0) {
        jfail(rd, "unknown field \"%.60s\"", f);
        return false;
    }
    n->field = (enum sg_field)k;
    return true;
}

static bool duration_from(struct reader *rd, const json_t *o, struct sg_node *n)
{
    const char *d = member_str(rd, o, "duration", true);
    if (!d)
        return false;
    if (!sg_duration(d, &n->secs)) {
        jfail(rd, "\"duration\" must be a whole number and s, m, h, d or w (\"90d\")");
        return false;
    }
    n->duration = sg_str(&rd->b, d, strlen(d), 0, 0);
    return n->duration != NULL;
}

static struct sg_node *node_from(struct reader *rd, const json_t *o, int depth, int table);

/* Appends key (and [i] when i >= 0) to rd->path for a child's reading; returns the old length. */
static size_t push(struct reader *rd, const char *key, long i)
{
    size_t len = strlen(rd->path);
    if (i >= 0)
        snprintf(rd->path + len, sizeof(rd->path) - len, "%s[%ld]", key, i);
    else
        snprintf(rd->path + len, sizeof(rd->path) - len, "%s", key);
    return len;
}

static struct sg_node **list_from(struct reader *rd, const json_t *a, const char *key, int *n,
                                  int depth, int table)
{
    if (!json_is_array(a) || json_array_size(a) > SG_MAX_NODES) {
        jfail(rd, "\"%s\" must be an array", key);
        return NULL;
    }
    *n = (int)json_array_size(a);
    struct sg_node **kids = arena_alloc(&rd->b.rule->mem, (size_t)(*n ? *n : 1) * sizeof(*kids));
    for (int i = 0; i < *n; i++) {
        size_t len = push(rd, key, i);
        rd->b.where = rd->path;
        kids[i] = node_from(rd, json_array_get(a, (size_t)i), depth + 1, table);
        if (!kids[i])
            return NULL;
        rd->path[len] = '\0';
    }
    return kids;
}

static struct sg_node *node_from(struct reader *rd, const json_t *o, int depth, int table)
{
    rd->b.where = rd->path;
    if (depth > SG_MAX_DEPTH)
        return jfail(rd, "nested deeper than %d levels", SG_MAX_DEPTH);
    if (!json_is_object(o))
        return jfail(rd, "a condition must be a JSON object");
    const char *ops = member_str(rd, o, "op", true);
    if (!ops)
        return NULL;
    int op = sg_op_from(ops);
    if (op < 0)
        return jfail(rd, "unknown \"op\" \"%.40s\"", ops);
    if (table >= 0 && op != SG_CMP && op != SG_IN && op != SG_WITHIN)
        return jfail(rd, "an aggregate's filter is within, cmp or in, not %s", ops);
    if (op == SG_AND || op == SG_OR) { /* sg_join makes (and counts) the node */
        int nkids = 0;
        struct sg_node **kids = list_from(rd, json_object_get(o, "args"), ".args", &nkids,
                                          depth, -1);
        if (!kids)
            return NULL;
        if (nkids < 2)
            return jfail(rd, "\"%s\" needs at least two \"args\"", ops);
        return sg_join(&rd->b, (enum sg_op)op, kids, nkids, 0, 0);
    }
    struct sg_node *n = sg_node_new(&rd->b, (enum sg_op)op, 0, 0);
    if (!n)
        return NULL;
    n->field = SG_F_COUNT; /* none, unless read below */
    switch (n->op) {
    case SG_AND:
    case SG_OR:
        return NULL; /* above */
    case SG_NOT: {
        size_t len = push(rd, ".arg", -1);
        struct sg_node *k = node_from(rd, json_object_get(o, "arg"), depth + 1, -1);
        rd->path[len] = '\0';
        if (!k)
            return NULL;
        n->kids = arena_alloc(&rd->b.rule->mem, sizeof(*n->kids));
        n->kids[0] = k;
        n->nkids = 1;
        return n;
    }
    case SG_CMP:
        if (!field_from(rd, o, n, table) || !cmp_from(rd, o, &n->cmp))
            return NULL;
        if (table >= 0 && sg_field_type(n->field) == SG_T_STRING && n->cmp != SG_EQ &&
            n->cmp != SG_NE)
            return jfail(rd, "a row's text is compared with = or != only");
        if (!value_from(rd, json_object_get(o, "value"), &n->value) ||
            !sg_check_value(&rd->b, n->field, &n->value, 0, 0))
            return NULL;
        return n;
    case SG_IN: {
        const json_t *a = json_object_get(o, "values");
        if (!field_from(rd, o, n, table))
            return NULL;
        if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > SG_MAX_VALUES)
            return jfail(rd, "\"values\" must be an array of 1 to %d values", SG_MAX_VALUES);
        n->nvalues = (int)json_array_size(a);
        n->values = arena_alloc(&rd->b.rule->mem, (size_t)n->nvalues * sizeof(*n->values));
        for (int i = 0; i < n->nvalues; i++)
            if (!value_from(rd, json_array_get(a, (size_t)i), &n->values[i]) ||
                !sg_check_value(&rd->b, n->field, &n->values[i], 0, 0))
                return NULL;
        n->negate = json_is_true(json_object_get(o, "negate"));
        return n;
    }
    case SG_CONTAINS:
    case SG_STARTS_WITH:
        if (!field_from(rd, o, n, -1))
            return NULL;
        if (sg_field_type(n->field) != SG_T_STRING && sg_field_type(n->field) != SG_T_ANY)
            return jfail(rd, "%s applies to text", ops);
        if (!value_from(rd, json_object_get(o, "value"), &n->value))
            return NULL;
        if (n->value.is_num)
            return jfail(rd, "\"value\" must be a string");
        return n;
    case SG_IS_SET:
        if (!field_from(rd, o, n, -1))
            return NULL;
        n->negate = json_is_true(json_object_get(o, "negate"));
        return n;
    case SG_ANNIVERSARY:
    case SG_BEFORE_AGO:
    case SG_AFTER_AGO:
    case SG_WITHIN: {
        if (table < 0 && !field_from(rd, o, n, -1))
            return NULL;
        if (!duration_from(rd, o, n))
            return NULL;
        enum sg_type t = sg_field_type(n->field);
        if (table < 0 && n->op == SG_ANNIVERSARY &&
            (t != SG_T_DATE || n->secs % 86400 || n->secs > 366 * 86400))
            return jfail(rd, "anniversary applies to a date, within whole days up to 366d");
        if (table < 0 && t != SG_T_DATE && t != SG_T_TIME)
            return jfail(rd, "%s applies to dates and moments", ops);
        return n;
    }
    case SG_AGG: {
        const char *t = member_str(rd, o, "table", true), *f = member_str(rd, o, "func", true);
        if (!t || !f)
            return NULL;
        int tb = sg_table_from(t, strlen(t)), fn = sg_func_from(f);
        if (tb < 0 || fn < 0)
            return jfail(rd, "unknown %s \"%.40s\"", tb < 0 ? "table" : "func", tb < 0 ? t : f);
        n->table = (enum sg_table)tb;
        n->func = (enum sg_func)fn;
        if (fn == SG_SUM || fn == SG_AVG || fn == SG_MIN || fn == SG_MAX) {
            const char *of = member_str(rd, o, "of", true);
            int k = of ? sg_row_field(of, n->table) : -1;
            if (k < 0 || sg_field_type((enum sg_field)k) != SG_T_NUMBER)
                return of ? jfail(rd, "\"of\" must be a number field of %s", t) : NULL;
            n->of = (enum sg_field)k;
        }
        const json_t *fl = json_object_get(o, "filters");
        if (fl) {
            n->kids = list_from(rd, fl, ".filters", &n->nkids, depth, tb);
            if (!n->kids)
                return NULL;
        }
        if (fn != SG_ANY && fn != SG_NONE) {
            n->has_cmp = true;
            n->value.is_num = true;
            if (!cmp_from(rd, o, &n->cmp) || !number_from(rd, o, "value", &n->value.num))
                return NULL;
        }
        return n;
    }
    case SG_CONSENT:
    case SG_HAS: {
        const char *c = member_str(rd, o, n->op == SG_CONSENT ? "channel" : "identity", true);
        n->name = c ? sg_str(&rd->b, c, strlen(c), 0, 0) : NULL;
        if (n->name && !sg_name(&rd->b, n->name, 0, 0))
            return NULL;
        const char *purpose = n->op == SG_CONSENT ? member_str(rd, o, "purpose", false) : NULL;
        if (purpose)
            n->sub = sg_str(&rd->b, purpose, strlen(purpose), 0, 0);
        return n->name && !rd->b.failed ? n : NULL;
    }
    case SG_HOUSEHOLD:
        n->value.is_num = true;
        return cmp_from(rd, o, &n->cmp) && number_from(rd, o, "value", &n->value.num) ? n : NULL;
    case SG_SEGMENT: {
        const char *name = member_str(rd, o, "name", true);
        if (!name || !(n->name = sg_str(&rd->b, name, strlen(name), 0, 0)))
            return NULL;
        const char *sub = member_str(rd, o, "sub", false);
        if (sub) {
            if (!cmp_from(rd, o, &n->cmp))
                return NULL;
            if (n->cmp != SG_EQ && n->cmp != SG_NE)
                return jfail(rd, "a sub-segment is compared with = or !=");
            n->sub = sg_str(&rd->b, sub, strlen(sub), 0, 0);
        }
        return rd->b.failed ? NULL : n;
    }
    case SG_SAMPLE: {
        double seed;
        if (!number_from(rd, o, "percent", &n->percent) || !number_from(rd, o, "seed", &seed))
            return NULL;
        if (!(n->percent > 0 && n->percent <= 100) || !(seed >= 0 && seed <= 9007199254740992.0) ||
            seed != (double)(int64_t)seed)
            return jfail(rd, "a sample is 0 < percent <= 100 with a whole seed");
        n->seed = (int64_t)seed;
        return n;
    }
    }
    return jfail(rd, "unknown \"op\"");
}

int sg_from_json(const json_t *j, struct sg_rule **out, struct sg_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof(*err));
    struct sg_rule *r = calloc(1, sizeof(*r));
    if (!r)
        return ERR_NOMEM;
    arena_init(&r->mem, 0);
    struct reader rd = {.b = {.rule = r, .err = err}};
    snprintf(rd.path, sizeof(rd.path), "rule");
    struct sg_node *root = node_from(&rd, j, 1, -1);
    if (!rd.b.failed && root)
        sg_finish(&rd.b, root);
    if (rd.b.failed || !root) {
        sg_rule_free(r);
        return ERR_INVALID;
    }
    *out = r;
    return 0;
}
