/*
 * print.c — a rule's canonical text and its JSON form (rule.h), and the
 * JSON reader, which builds through build.h like the text parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "segment/build.h"
#include "segment/fields.h"
#include "segment/rule.h"

/* ---- text ------------------------------------------------------------------ */

static void put_string(struct buf *b, const char *s)
{
    buf_addch(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_addch(b, '\\');
        buf_addch(b, *s);
    }
    buf_addch(b, '"');
}

/* The shortest text that reads back as the same double. */
static void put_number(struct buf *b, double v)
{
    char t[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(t, sizeof(t), "%.*g", prec, v);
        if (strtod(t, NULL) == v)
            break;
    }
    buf_adds(b, t);
}

static void put_value(struct buf *b, const struct sg_value *v)
{
    if (v->is_num)
        put_number(b, v->num);
    else
        put_string(b, v->str);
}

static void put_field(struct buf *b, const struct sg_node *n)
{
    if (n->field == SG_F_ATTRIBUTE) {
        buf_adds(b, "attributes.");
        buf_adds(b, n->name);
    } else {
        buf_adds(b, sg_field_name(n->field));
    }
}

static void put_node(struct buf *b, const struct sg_node *n, enum sg_op parent);

static void put_cond(struct buf *b, const struct sg_node *n)
{
    switch (n->op) {
    case SG_CMP:
        put_field(b, n);
        buf_addf(b, " %s ", sg_cmp_name(n->cmp));
        put_value(b, &n->value);
        break;
    case SG_IN:
        put_field(b, n);
        buf_adds(b, n->negate ? " not in (" : " in (");
        for (int i = 0; i < n->nvalues; i++) {
            if (i)
                buf_adds(b, ", ");
            put_value(b, &n->values[i]);
        }
        buf_addch(b, ')');
        break;
    case SG_CONTAINS:
    case SG_STARTS_WITH:
        put_field(b, n);
        buf_adds(b, n->op == SG_CONTAINS ? " contains " : " starts_with ");
        put_value(b, &n->value);
        break;
    case SG_IS_SET:
        put_field(b, n);
        buf_adds(b, n->negate ? " is not set" : " is set");
        break;
    case SG_ANNIVERSARY:
        put_field(b, n);
        buf_addf(b, " anniversary within %s", n->duration);
        break;
    case SG_BEFORE_AGO:
    case SG_AFTER_AGO:
        put_field(b, n);
        buf_addf(b, " %s %s ago", n->op == SG_BEFORE_AGO ? "before" : "after", n->duration);
        break;
    case SG_WITHIN:
        if (n->field != SG_F_COUNT) {
            put_field(b, n);
            buf_addch(b, ' ');
        }
        buf_addf(b, "within %s", n->duration);
        break;
    case SG_AGG:
        buf_addf(b, "%s.%s(", sg_table_name(n->table), sg_func_name(n->func));
        bool first = true;
        if (n->func == SG_SUM || n->func == SG_AVG || n->func == SG_MIN || n->func == SG_MAX) {
            buf_adds(b, sg_field_name(n->of));
            first = false;
        }
        for (int i = 0; i < n->nkids; i++) {
            if (!first)
                buf_adds(b, ", ");
            put_cond(b, n->kids[i]);
            first = false;
        }
        buf_addch(b, ')');
        if (n->has_cmp) {
            buf_addf(b, " %s ", sg_cmp_name(n->cmp));
            put_number(b, n->value.num);
        }
        break;
    case SG_CONSENT:
        buf_addf(b, "consent %s", n->name);
        if (n->sub) {
            buf_adds(b, " for ");
            put_string(b, n->sub);
        }
        break;
    case SG_HAS:
        buf_addf(b, "has %s", n->name);
        break;
    case SG_HOUSEHOLD:
        buf_addf(b, "household.size %s ", sg_cmp_name(n->cmp));
        put_number(b, n->value.num);
        break;
    case SG_SEGMENT:
        buf_adds(b, "segment ");
        put_string(b, n->name);
        if (n->sub) {
            buf_addf(b, " %s ", sg_cmp_name(n->cmp));
            put_string(b, n->sub);
        }
        break;
    case SG_SAMPLE:
        buf_adds(b, "sample ");
        put_number(b, n->percent);
        buf_addf(b, "%% seed %lld", (long long)n->seed);
        break;
    default:
        put_node(b, n, SG_AND);
    }
}

static void put_node(struct buf *b, const struct sg_node *n, enum sg_op parent)
{
    if (n->op == SG_AND || n->op == SG_OR) {
        bool paren = parent == SG_NOT || (n->op == SG_OR && parent == SG_AND);
        if (paren)
            buf_addch(b, '(');
        for (int i = 0; i < n->nkids; i++) {
            if (i)
                buf_adds(b, n->op == SG_AND ? " and " : " or ");
            put_node(b, n->kids[i], n->op);
        }
        if (paren)
            buf_addch(b, ')');
    } else if (n->op == SG_NOT) {
        buf_adds(b, "not ");
        put_node(b, n->kids[0], SG_NOT);
    } else {
        put_cond(b, n);
    }
}

char *sg_to_text(const struct sg_rule *r)
{
    struct buf b;
    buf_init(&b, 0);
    put_node(&b, r->root, SG_OR);
    return buf_detach(&b, NULL);
}

/* ---- references ------------------------------------------------------------------ */

static void each_ref(const struct sg_node *n, void (*fn)(void *ctx, const char *name), void *ctx)
{
    if (n->op == SG_SEGMENT) {
        fn(ctx, n->name);
        return;
    }
    if (n->op == SG_AND || n->op == SG_OR || n->op == SG_NOT)
        for (int i = 0; i < n->nkids; i++)
            each_ref(n->kids[i], fn, ctx);
}

void sg_each_segment_ref(const struct sg_rule *r, void (*fn)(void *ctx, const char *name),
                         void *ctx)
{
    each_ref(r->root, fn, ctx);
}
