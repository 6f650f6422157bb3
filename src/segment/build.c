/*
 * build.c — making and checking the nodes of a rule (build.h).
 */
#include "segment/build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "segment/fields.h"

void *sg_fail(struct sg_build *b, int line, int col, const char *fmt, ...)
{
    if (b->failed)
        return NULL;
    b->failed = true;
    b->err->line = line;
    b->err->col = col;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(b->err->msg, sizeof(b->err->msg), "line %d, column %d: %s", line, col, msg);
    else if (b->where && *b->where)
        snprintf(b->err->msg, sizeof(b->err->msg), "%s: %s", b->where, msg);
    else
        snprintf(b->err->msg, sizeof(b->err->msg), "%s", msg);
    return NULL;
}

struct sg_node *sg_node_new(struct sg_build *b, enum sg_op op, int line, int col)
{
    if (b->failed)
        return NULL;
    if (++b->rule->nodes > SG_MAX_NODES)
        return sg_fail(b, line, col, "the rule has more than %d conditions and connectives",
                       SG_MAX_NODES);
    struct sg_node *n = arena_alloc(&b->rule->mem, sizeof(*n));
    if (!n)
        return sg_fail(b, line, col, "out of memory");
    memset(n, 0, sizeof(*n));
    n->op = op;
    n->field = SG_F_COUNT; /* none until a condition names one */
    n->line = line;
    n->col = col;
    return n;
}

/* Whether s[0..n) is valid UTF-8 without control characters. */
static bool clean_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x20 || c == 0x7F)
            return false;
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += len;
    }
    return true;
}

const char *sg_str(struct sg_build *b, const char *s, size_t n, int line, int col)
{
    if (n > SG_MAX_STRING)
        return sg_fail(b, line, col, "a string longer than %d bytes", SG_MAX_STRING);
    if (!clean_text((const unsigned char *)s, n))
        return sg_fail(b, line, col,
                       "a string must be UTF-8 text without control characters (line breaks, "
                       "tabs)");
    char *c = arena_strndup(&b->rule->mem, s, n);
    return c ? c : sg_fail(b, line, col, "out of memory");
}

bool sg_duration(const char *s, int64_t *secs)
{
    int64_t n = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        n = n * 10 + (*p - '0');
        if (n > 100000000)
            return false;
        p++;
    }
    int64_t unit = *p == 's' ? 1 : *p == 'm' ? 60 : *p == 'h' ? 3600 : *p == 'd' ? 86400
                 : *p == 'w' ? 7 * 86400 : 0;
    if (!unit || p[1])
        return false;
    *secs = n * unit;
    return *secs <= (int64_t)100 * 366 * 86400;
}

/* "YYYY-MM-DD", a real calendar date: *ms at midnight UTC. */
static bool iso_date(const char *s, int64_t *ms)
{
    return strlen(s) == 10 && time_parse_iso8601(s, ms) == 0;
}

bool sg_number(struct sg_build *b, double *v, int line, int col)
{
    if (!(*v > -SG_MAX_NUMBER && *v < SG_MAX_NUMBER)) {
        sg_fail(b, line, col, "a number must lie between -1e15 and 1e15");
        return false;
    }
    if (*v == 0)
        *v = 0; /* no -0 */
    return true;
}

bool sg_name(struct sg_build *b, const char *s, int line, int col)
{
    bool ok = s && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_');
    for (const char *p = s; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
             (*p >= '0' && *p <= '9');
    if (!ok)
        sg_fail(b, line, col, "a name is letters, digits and _ (and starts with a letter)");
    return ok;
}

bool sg_check_value(struct sg_build *b, enum sg_field f, struct sg_value *v, int line, int col)
{
    if (v->is_num && !sg_number(b, &v->num, line, col))
        return false;
    const char *fname = f == SG_F_ATTRIBUTE ? "an attribute" : sg_field_name(f);
    switch (sg_field_type(f)) {
    case SG_T_STRING:
        if (v->is_num)
            return sg_fail(b, line, col, "%s holds text: write the value in quotes", fname),
                   false;
        return true;
    case SG_T_NUMBER:
        if (!v->is_num)
            return sg_fail(b, line, col, "%s is a number: write it without quotes", fname), false;
        return true;
    case SG_T_DATE: {
        int64_t ms;
        if (v->is_num || !iso_date(v->str, &ms))
            return sg_fail(b, line, col, "%s is a date: write \"YYYY-MM-DD\"", fname), false;
        return true;
    }
    case SG_T_TIME: {
        int64_t ms;
        if (v->is_num || !iso_date(v->str, &ms))
            return sg_fail(b, line, col,
                           "%s is a moment: compare it with \"YYYY-MM-DD\", or write "
                           "\"%s before 90d ago\"",
                           fname, fname),
                   false;
        v->num = (double)ms;
        return true;
    }
    case SG_T_ANY:
        return true;
    }
    return true;
}

struct sg_node *sg_join(struct sg_build *b, enum sg_op op, struct sg_node **kids, int n, int line,
                        int col)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += kids[i]->op == op ? kids[i]->nkids : 1;
    struct sg_node *j = sg_node_new(b, op, line, col);
    if (!j)
        return NULL;
    j->kids = arena_alloc(&b->rule->mem, (size_t)total * sizeof(*j->kids));
    if (!j->kids)
        return sg_fail(b, line, col, "out of memory");
    for (int i = 0; i < n; i++) {
        if (kids[i]->op == op)
            for (int k = 0; k < kids[i]->nkids; k++)
                j->kids[j->nkids++] = kids[i]->kids[k];
        else
            j->kids[j->nkids++] = kids[i];
    }
    return j;
}

/* Depth, aggregates and whether the current time matters, over the tree. */
static bool walk(struct sg_build *b, struct sg_node *n, int depth)
{
    if (depth > SG_MAX_DEPTH) {
        sg_fail(b, n->line, n->col, "conditions nested deeper than %d levels", SG_MAX_DEPTH);
        return false;
    }
    switch (n->op) {
    case SG_AGG:
        if (++b->rule->aggregates > SG_MAX_AGGREGATES) {
            sg_fail(b, n->line, n->col,
                    "more than %d aggregates over orders, order lines or events in one rule",
                    SG_MAX_AGGREGATES);
            return false;
        }
        for (int i = 0; i < n->nkids; i++) {
            struct sg_node *f = n->kids[i];
            if (f->op == SG_WITHIN)
                b->rule->time_relative = true;
            if (f->op == SG_IN) { /* the evaluator's room for the values' text numbers */
                f->tids = arena_alloc(&b->rule->mem, (size_t)f->nvalues * sizeof(*f->tids));
                if (!f->tids) {
                    sg_fail(b, f->line, f->col, "out of memory");
                    return false;
                }
            }
        }
        return true;
    case SG_ANNIVERSARY:
    case SG_BEFORE_AGO:
    case SG_AFTER_AGO:
    case SG_WITHIN:
        b->rule->time_relative = true;
        return true;
    case SG_SEGMENT:
        b->rule->has_refs = true;
        return true;
    case SG_HOUSEHOLD:
        b->rule->uses_household = true;
        return true;
    case SG_AND:
    case SG_OR:
    case SG_NOT:
        for (int i = 0; i < n->nkids; i++)
            if (!walk(b, n->kids[i], depth + 1))
                return false;
        return true;
    default:
        return true;
    }
}

bool sg_finish(struct sg_build *b, struct sg_node *root)
{
    if (b->failed || !root)
        return false;
    b->rule->root = root;
    return walk(b, root, 1);
}
