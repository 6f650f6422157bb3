/*
 * parse.c — the segment language's text form (rule.h): a lexer and a
 * recursive-descent parser. Every error says where: line and column of the
 * token that did not fit, and what was expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/build.h"
#include "segment/fields.h"
#include "segment/rule.h"

enum tok {
    T_EOF,
    T_IDENT,    /* words, dots inside: orders.count, attributes.vip */
    T_STRING,   /* "..." with \" and \\ */
    T_NUMBER,   /* 12, 3.5, -2 */
    T_DURATION, /* 90d */
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_PERCENT,
    T_CMP,
};

struct lexer {
    const char *p;
    int line, col;
    /* the current token */
    enum tok t;
    int tline, tcol;
    const char *start;
    size_t len;
    char *str; /* T_STRING: unescaped (malloc'd scratch, reused) */
    size_t str_cap;
    double num;
    int64_t secs;
    enum sg_cmp cmp;
};

struct parser {
    struct lexer lx;
    struct sg_build b;
    int depth;
};

/* An error at the current token. */
#define fail(ps, ...) sg_fail(&(ps)->b, (ps)->lx.tline, (ps)->lx.tcol, __VA_ARGS__)

static void advance_char(struct lexer *lx)
{
    if (*lx->p == '\n') {
        lx->line++;
        lx->col = 1;
    } else if (((unsigned char)*lx->p & 0xC0) != 0x80) {
        lx->col++;
    }
    lx->p++;
}

static bool is_word(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

/* Reads the next token; false (with the error recorded) for a character that starts none. */
static bool next(struct parser *ps)
{
    struct lexer *lx = &ps->lx;
    for (;;) {
        while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r')
            advance_char(lx);
        if (*lx->p != '#')
            break;
        while (*lx->p && *lx->p != '\n') /* a comment to the end of the line */
            advance_char(lx);
    }
    lx->tline = lx->line;
    lx->tcol = lx->col;
    lx->start = lx->p;
    char c = *lx->p;
    if (!c) {
        lx->t = T_EOF;
        lx->len = 0;
        return true;
    }
    if (is_word(c, true)) {
        while (is_word(*lx->p, false))
            advance_char(lx);
        lx->t = T_IDENT;
    } else if (c == '"') {
        advance_char(lx);
        size_t n = 0;
        for (;;) {
            char ch = *lx->p;
            if (!ch || ch == '\n')
                return fail(ps, "a string is not closed: a \" is missing%s", ""), false;
            if (ch == '"') {
                advance_char(lx);
                break;
            }
            if (ch == '\\') {
                advance_char(lx);
                ch = *lx->p;
                if (ch != '"' && ch != '\\')
                    return fail(ps, "in a string, \\ may only come before \" or \\%s", ""),
                           false;
            }
            if (n + 2 > lx->str_cap) {
                lx->str_cap = lx->str_cap ? lx->str_cap * 2 : 64;
                lx->str = realloc(lx->str, lx->str_cap);
                if (!lx->str)
                    return fail(ps, "out of memory%s", ""), false;
            }
            lx->str[n++] = ch;
            advance_char(lx);
        }
        if (!lx->str) {
            lx->str = malloc(1);
            if (!lx->str)
                return fail(ps, "out of memory%s", ""), false;
        }
        lx->str[n] = '\0';
        lx->len = n;
        lx->t = T_STRING;
        return true;
    } else if ((c >= '0' && c <= '9') || (c == '-' && lx->p[1] >= '0' && lx->p[1] <= '9')) {
        advance_char(lx);
        while ((*lx->p >= '0' && *lx->p <= '9') || *lx->p == '.')
            advance_char(lx);
        if ((*lx->p == 'e' || *lx->p == 'E') &&
            ((lx->p[1] >= '0' && lx->p[1] <= '9') ||
             ((lx->p[1] == '-' || lx->p[1] == '+') && lx->p[2] >= '0' && lx->p[2] <= '9'))) {
            advance_char(lx); /* an exponent: 1e15, 2.5E-3 (no unit is called e) */
            advance_char(lx);
            while (*lx->p >= '0' && *lx->p <= '9')
                advance_char(lx);
        }
        if (is_word(*lx->p, true)) { /* a duration: digits and one unit letter */
            while (is_word(*lx->p, false))
                advance_char(lx);
            char buf[32];
            size_t n = (size_t)(lx->p - lx->start);
            if (n >= sizeof(buf) || lx->start[0] == '-')
                return fail(ps, "not a duration: write a whole number and s, m, h, d or w%s",
                            ""),
                       false;
            memcpy(buf, lx->start, n);
            buf[n] = '\0';
            if (!sg_duration(buf, &lx->secs))
                return fail(ps,
                            "not a duration: '%s'; write a whole number and s, m, h, d or w "
                            "(90d), at most 100 years",
                            buf),
                       false;
            lx->t = T_DURATION;
        } else {
            char buf[64];
            size_t n = (size_t)(lx->p - lx->start);
            if (n >= sizeof(buf))
                return fail(ps, "a number with too many digits%s", ""), false;
            memcpy(buf, lx->start, n);
            buf[n] = '\0';
            char *end;
            lx->num = strtod(buf, &end);
            if (*end)
                return fail(ps, "not a number: '%s'", buf), false;
            lx->t = T_NUMBER;
        }
    } else if (c == '(' || c == ')' || c == ',' || c == '%') {
        advance_char(lx);
        lx->t = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : c == ',' ? T_COMMA : T_PERCENT;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        advance_char(lx);
        bool eq = *lx->p == '=';
        if (eq)
            advance_char(lx);
        if (c == '!' && !eq)
            return fail(ps, "'!' alone: write != for 'not equal'%s", ""), false;
        if (c == '=' && eq)
            return fail(ps, "'==': write = for 'equal'%s", ""), false;
        lx->cmp = c == '=' ? SG_EQ : c == '!' ? SG_NE : c == '<' ? (eq ? SG_LE : SG_LT)
                                                               : (eq ? SG_GE : SG_GT);
        lx->t = T_CMP;
    } else {
        char what[8] = {c, 0};
        return fail(ps, "unexpected character '%s'", what), false;
    }
    lx->len = (size_t)(lx->p - lx->start);
    return true;
}

static bool word_is(const struct parser *ps, const char *w)
{
    return ps->lx.t == T_IDENT && strlen(w) == ps->lx.len && !memcmp(ps->lx.start, w, ps->lx.len);
}

/* The current token, quoted for a message. */
static const char *shown(struct parser *ps, char *buf, size_t cap)
{
    if (ps->lx.t == T_EOF)
        return "the end of the rule";
    size_t n = ps->lx.p - ps->lx.start;
    if (n > 40)
        n = 40;
    snprintf(buf, cap, "'%.*s'", (int)n, ps->lx.start);
    return buf;
}

static void *expected(struct parser *ps, const char *what)
{
    char buf[64], msg[200];
    snprintf(msg, sizeof(msg), "expected %s, found %s", what, shown(ps, buf, sizeof(buf)));
    return fail(ps, "%s", msg);
}

static bool expect_word(struct parser *ps, const char *w)
{
    if (!word_is(ps, w)) {
        char what[64];
        snprintf(what, sizeof(what), "'%s'", w);
        expected(ps, what);
        return false;
    }
    return next(ps);
}

static bool expect(struct parser *ps, enum tok t, const char *what)
{
    if (ps->lx.t != t) {
        expected(ps, what);
        return false;
    }
    return next(ps);
}

/* A value: a string or a number; the token is consumed. */
static bool value(struct parser *ps, struct sg_value *v)
{
    if (ps->lx.t == T_STRING) {
        v->is_num = false;
        v->str = sg_str(&ps->b, ps->lx.str, ps->lx.len, ps->lx.tline, ps->lx.tcol);
        return v->str && next(ps);
    }
    if (ps->lx.t == T_NUMBER) {
        v->is_num = true;
        v->num = ps->lx.num;
        return sg_number(&ps->b, &v->num, ps->lx.tline, ps->lx.tcol) && next(ps);
    }
    expected(ps, "a value (\"text\" or a number)");
    return false;
}

/* "(" value ("," value)* ")" into n->values, each checked against field f. */
static bool value_list(struct parser *ps, struct sg_node *n, enum sg_field f)
{
    if (!expect(ps, T_LPAREN, "'(' and a list of values"))
        return false;
    int cap = 8;
    n->values = arena_alloc(&ps->b.rule->mem, (size_t)cap * sizeof(*n->values));
    for (;;) {
        if (n->nvalues == SG_MAX_VALUES) {
            fail(ps, "more than %s values in one list", "1000");
            return false;
        }
        if (n->nvalues == cap) {
            struct sg_value *bigger =
                arena_alloc(&ps->b.rule->mem, (size_t)cap * 2 * sizeof(*n->values));
            if (!bigger || !n->values)
                return fail(ps, "out of memory%s", ""), false;
            memcpy(bigger, n->values, (size_t)cap * sizeof(*n->values));
            n->values = bigger;
            cap *= 2;
        }
        int line = ps->lx.tline, col = ps->lx.tcol;
        struct sg_value *v = &n->values[n->nvalues];
        if (!value(ps, v) || !sg_check_value(&ps->b, f, v, line, col))
            return false;
        n->nvalues++;
        if (ps->lx.t == T_RPAREN)
            return next(ps);
        if (!expect(ps, T_COMMA, "',' or ')'"))
            return false;
    }
}

/* After FIELD: the comparison part of a condition on a profile field or a row field. */
static struct sg_node *field_cond(struct parser *ps, enum sg_field f, const char *attr, int line,
                                  int col, bool in_agg)
{
    struct sg_node *n = NULL;
    enum sg_type type = sg_field_type(f);
    const char *fname = attr ? attr : sg_field_name(f);
    if (ps->lx.t == T_CMP) {
        if (in_agg && type == SG_T_STRING && ps->lx.cmp != SG_EQ && ps->lx.cmp != SG_NE)
            return fail(ps, "%s of a row is compared with = or != only", fname);
        n = sg_node_new(&ps->b, SG_CMP, line, col);
        if (!n)
            return NULL;
        n->cmp = ps->lx.cmp;
        if (!next(ps))
            return NULL;
        int vl = ps->lx.tline, vc = ps->lx.tcol; /* errors about the value point at it */
        if (!value(ps, &n->value) || !sg_check_value(&ps->b, f, &n->value, vl, vc))
            return NULL;
    } else if (word_is(ps, "in") || word_is(ps, "not")) {
        n = sg_node_new(&ps->b, SG_IN, line, col);
        if (!n)
            return NULL;
        if (word_is(ps, "not")) {
            n->negate = true;
            if (!next(ps) || !expect_word(ps, "in"))
                return NULL;
        } else if (!next(ps)) {
            return NULL;
        }
        if (!value_list(ps, n, f))
            return NULL;
    } else if (!in_agg && (word_is(ps, "contains") || word_is(ps, "starts_with"))) {
        if (type != SG_T_STRING && type != SG_T_ANY)
            return fail(ps, "contains and starts_with apply to text, and %s is not text", fname);
        n = sg_node_new(&ps->b, word_is(ps, "contains") ? SG_CONTAINS : SG_STARTS_WITH, line,
                        col);
        if (!n || !next(ps))
            return NULL;
        if (ps->lx.t != T_STRING)
            return expected(ps, "a \"text\" to look for");
        if (!value(ps, &n->value))
            return NULL;
    } else if (!in_agg && word_is(ps, "is")) {
        n = sg_node_new(&ps->b, SG_IS_SET, line, col);
        if (!n || !next(ps))
            return NULL;
        if (word_is(ps, "not")) {
            n->negate = true;
            if (!next(ps))
                return NULL;
        }
        if (!expect_word(ps, "set"))
            return NULL;
    } else if (!in_agg && word_is(ps, "anniversary")) {
        if (type != SG_T_DATE)
            return fail(ps, "anniversary applies to a date such as birth_date, not %s", fname);
        n = sg_node_new(&ps->b, SG_ANNIVERSARY, line, col);
        if (!n || !next(ps) || !expect_word(ps, "within"))
            return NULL;
        if (ps->lx.t != T_DURATION)
            return expected(ps, "a duration such as 7d");
        if (ps->lx.secs % 86400 || ps->lx.secs > 366 * 86400)
            return fail(ps, "an anniversary window is whole days, at most 366d%s", "");
        n->secs = ps->lx.secs;
        n->duration = sg_str(&ps->b, ps->lx.start, ps->lx.len, line, col);
        if (!next(ps))
            return NULL;
    } else if (!in_agg && (word_is(ps, "before") || word_is(ps, "after") || word_is(ps, "within"))) {
        if (type != SG_T_TIME && type != SG_T_DATE)
            return fail(ps, "before, after and within apply to dates and moments, not %s", fname);
        bool within = word_is(ps, "within");
        n = sg_node_new(&ps->b, within ? SG_WITHIN : word_is(ps, "before") ? SG_BEFORE_AGO
                                                                           : SG_AFTER_AGO,
                        line, col);
        if (!n || !next(ps))
            return NULL;
        if (ps->lx.t != T_DURATION)
            return expected(ps, "a duration such as 90d");
        n->secs = ps->lx.secs;
        n->duration = sg_str(&ps->b, ps->lx.start, ps->lx.len, line, col);
        if (!next(ps) || (!within && !expect_word(ps, "ago")))
            return NULL;
    } else {
        return expected(ps, in_agg ? "a comparison (= != < <= > >=) or 'in'"
                                   : "a comparison (= != < <= > >=), in, contains, starts_with, "
                                     "is set, before, after, within or anniversary");
    }
    if (n) {
        n->field = f;
        n->name = attr;
    }
    return n;
}

/* TABLE "." FUNC "(" args ")" [CMP NUMBER]; the token is the whole IDENT "orders.count". */
static struct sg_node *aggregate(struct parser *ps, int table, const char *func, int line,
                                 int col)
{
    int fn = sg_func_from(func);
    if (fn < 0)
        return fail(ps, "unknown function '%s': count, sum, avg, min, max, any or none", func);
    struct sg_node *n = sg_node_new(&ps->b, SG_AGG, line, col);
    if (!n || !next(ps) || !expect(ps, T_LPAREN, "'('"))
        return NULL;
    n->table = (enum sg_table)table;
    n->func = (enum sg_func)fn;
    struct sg_node *filters[32];
    int nf = 0;
    bool needs_of = fn == SG_SUM || fn == SG_AVG || fn == SG_MIN || fn == SG_MAX;
    bool first = true;
    while (ps->lx.t != T_RPAREN) {
        if (!first && !expect(ps, T_COMMA, "',' or ')'"))
            return NULL;
        int fl = ps->lx.tline, fc = ps->lx.tcol;
        if (word_is(ps, "within")) {
            struct sg_node *w = sg_node_new(&ps->b, SG_WITHIN, fl, fc);
            if (!w || !next(ps))
                return NULL;
            if (ps->lx.t != T_DURATION)
                return expected(ps, "a duration such as 365d");
            w->secs = ps->lx.secs;
            w->duration = sg_str(&ps->b, ps->lx.start, ps->lx.len, fl, fc);
            if (!next(ps))
                return NULL;
            filters[nf++] = w;
        } else if (ps->lx.t == T_IDENT) {
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)ps->lx.len, ps->lx.start);
            int rf = sg_row_field(name, (enum sg_table)table);
            if (rf < 0) {
                const char *near = sg_suggest_field(name, table);
                char msg[160];
                snprintf(msg, sizeof(msg), "%s has no field '%s'%s%s%s", sg_table_name(table),
                         name, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
                return fail(ps, "%s", msg);
            }
            if (!next(ps))
                return NULL;
            if (first && needs_of && (ps->lx.t == T_COMMA || ps->lx.t == T_RPAREN)) {
                if (sg_field_type((enum sg_field)rf) != SG_T_NUMBER)
                    return sg_fail(&ps->b, fl, fc, "%s() adds up numbers, and %s is not one",
                                   func, name);
                n->of = (enum sg_field)rf;
                needs_of = false;
            } else {
                struct sg_node *c = field_cond(ps, (enum sg_field)rf, NULL, fl, fc, true);
                if (!c)
                    return NULL;
                filters[nf++] = c;
            }
        } else {
            return expected(ps, "a filter (within 30d, name = \"...\") or ')'");
        }
        if (nf == 32)
            return fail(ps, "more than 32 filters in one aggregate%s", "");
        first = false;
    }
    if (needs_of)
        return sg_fail(&ps->b, line, col, "%s() needs the field to add up first: %s.%s(%s, ...)",
                       func, sg_table_name(table), func,
                       table == SG_ORDERS ? "total" : table == SG_LINES ? "amount" : "?");
    if (!next(ps))
        return NULL;
    n->kids = arena_alloc(&ps->b.rule->mem, (size_t)(nf ? nf : 1) * sizeof(*n->kids));
    memcpy(n->kids, filters, (size_t)nf * sizeof(*filters));
    n->nkids = nf;
    if (fn == SG_ANY || fn == SG_NONE) {
        if (ps->lx.t == T_CMP)
            return fail(ps, "%s() is true or false: it takes no comparison", func);
        return n;
    }
    if (ps->lx.t != T_CMP)
        return expected(ps, "a comparison after the aggregate (>= 2)");
    n->cmp = ps->lx.cmp;
    n->has_cmp = true;
    if (!next(ps))
        return NULL;
    if (ps->lx.t != T_NUMBER)
        return expected(ps, "a number");
    n->value = (struct sg_value){.is_num = true, .num = ps->lx.num};
    return sg_number(&ps->b, &n->value.num, ps->lx.tline, ps->lx.tcol) && next(ps) ? n : NULL;
}

static struct sg_node *rule_or(struct parser *ps);

static struct sg_node *condition(struct parser *ps)
{
    int line = ps->lx.tline, col = ps->lx.tcol;
    if (ps->lx.t != T_IDENT)
        return expected(ps, "a condition");
    char word[128];
    if (ps->lx.len >= sizeof(word))
        return fail(ps, "a name longer than %s characters", "127");
    snprintf(word, sizeof(word), "%.*s", (int)ps->lx.len, ps->lx.start);

    if (!strcmp(word, "consent") || !strcmp(word, "has")) {
        bool consent = word[0] == 'c';
        struct sg_node *n = sg_node_new(&ps->b, consent ? SG_CONSENT : SG_HAS, line, col);
        if (!n || !next(ps))
            return NULL;
        if (ps->lx.t != T_IDENT)
            return expected(ps, consent ? "a channel (email, sms, push, post, phone)"
                                        : "an identity type (email, phone, loyalty_card, ...)");
        n->name = sg_str(&ps->b, ps->lx.start, ps->lx.len, ps->lx.tline, ps->lx.tcol);
        if (!n->name || !sg_name(&ps->b, n->name, ps->lx.tline, ps->lx.tcol) || !next(ps))
            return NULL;
        if (consent && word_is(ps, "for")) { /* consent email for "newsletter" */
            if (!next(ps))
                return NULL;
            if (ps->lx.t != T_STRING)
                return expected(ps, "a purpose in quotes (consent email for \"newsletter\")");
            n->sub = sg_str(&ps->b, ps->lx.str, ps->lx.len, ps->lx.tline, ps->lx.tcol);
            if (!n->sub || !next(ps))
                return NULL;
        }
        return n;
    }
    if (!strcmp(word, "household.size")) {
        struct sg_node *n = sg_node_new(&ps->b, SG_HOUSEHOLD, line, col);
        if (!n || !next(ps))
            return NULL;
        if (ps->lx.t != T_CMP)
            return expected(ps, "a comparison (household.size >= 3)");
        n->cmp = ps->lx.cmp;
        if (!next(ps))
            return NULL;
        if (ps->lx.t != T_NUMBER)
            return expected(ps, "a number");
        n->value = (struct sg_value){.is_num = true, .num = ps->lx.num};
        return sg_number(&ps->b, &n->value.num, ps->lx.tline, ps->lx.tcol) && next(ps) ? n
                                                                                   : NULL;
    }
    if (!strcmp(word, "segment")) {
        struct sg_node *n = sg_node_new(&ps->b, SG_SEGMENT, line, col);
        if (!n || !next(ps))
            return NULL;
        if (ps->lx.t != T_STRING)
            return expected(ps, "a segment's name in quotes");
        n->name = sg_str(&ps->b, ps->lx.str, ps->lx.len, ps->lx.tline, ps->lx.tcol);
        if (!n->name || !next(ps))
            return NULL;
        if (ps->lx.t == T_CMP && (ps->lx.cmp == SG_EQ || ps->lx.cmp == SG_NE)) {
            n->cmp = ps->lx.cmp;
            if (!next(ps))
                return NULL;
            if (ps->lx.t != T_STRING)
                return expected(ps, "a sub-segment's name in quotes");
            n->sub = sg_str(&ps->b, ps->lx.str, ps->lx.len, ps->lx.tline, ps->lx.tcol);
            if (!n->sub || !next(ps))
                return NULL;
        }
        return n;
    }
    if (!strcmp(word, "sample")) {
        struct sg_node *n = sg_node_new(&ps->b, SG_SAMPLE, line, col);
        if (!n || !next(ps))
            return NULL;
        if (ps->lx.t != T_NUMBER)
            return expected(ps, "a percentage (sample 10% seed 7)");
        n->percent = ps->lx.num;
        if (!(n->percent > 0 && n->percent <= 100))
            return fail(ps, "a sample is more than 0%% and at most 100%%");
        if (!next(ps) || !expect(ps, T_PERCENT, "'%'") || !expect_word(ps, "seed"))
            return NULL;
        if (ps->lx.t != T_NUMBER || !(ps->lx.num >= 0 && ps->lx.num <= 9007199254740992.0) ||
            ps->lx.num != (double)(int64_t)ps->lx.num)
            return expected(ps, "a whole number from 0 to 2^53 as the seed");
        n->seed = (int64_t)ps->lx.num;
        return next(ps) ? n : NULL;
    }
    const char *dot = strchr(word, '.');
    if (dot) {
        int table = sg_table_from(word, (size_t)(dot - word));
        if (table >= 0)
            return aggregate(ps, table, dot + 1, line, col);
        if (!strncmp(word, "attributes.", 11) && dot[1] && !strchr(dot + 1, '.')) {
            const char *attr = sg_str(&ps->b, dot + 1, strlen(dot + 1), line, col);
            return attr && sg_name(&ps->b, attr, line, col) && next(ps)
                       ? field_cond(ps, SG_F_ATTRIBUTE, attr, line, col, false)
                       : NULL;
        }
        return fail(ps, "unknown name '%s': orders.*, order_lines.*, events.*, attributes.* "
                        "or household.size",
                    word);
    }
    int f = sg_profile_field(word);
    if (f < 0) {
        const char *near = sg_suggest_field(word, -1);
        char msg[200];
        snprintf(msg, sizeof(msg), "unknown field '%s'%s%s%s", word,
                 near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return fail(ps, "%s", msg);
    }
    return next(ps) ? field_cond(ps, (enum sg_field)f, NULL, line, col, false) : NULL;
}

static struct sg_node *unary(struct parser *ps)
{
    int line = ps->lx.tline, col = ps->lx.tcol;
    if (++ps->depth > SG_MAX_DEPTH)
        return fail(ps, "conditions nested deeper than %s levels", "32");
    struct sg_node *n;
    if (word_is(ps, "not")) {
        struct sg_node *k;
        if (!next(ps) || !(k = unary(ps)))
            return NULL;
        n = sg_node_new(&ps->b, SG_NOT, line, col);
        if (n) {
            n->kids = arena_alloc(&ps->b.rule->mem, sizeof(*n->kids));
            n->kids[0] = k;
            n->nkids = 1;
        }
    } else if (ps->lx.t == T_LPAREN) {
        if (!next(ps) || !(n = rule_or(ps)) || !expect(ps, T_RPAREN, "')'"))
            n = NULL;
    } else {
        n = condition(ps);
    }
    ps->depth--;
    return n;
}

static struct sg_node *joined(struct parser *ps, enum sg_op op, const char *word,
                              struct sg_node *(*operand)(struct parser *))
{
    int line = ps->lx.tline, col = ps->lx.tcol;
    struct sg_node *kids[SG_MAX_NODES];
    int n = 0;
    if (!(kids[n++] = operand(ps)))
        return NULL;
    while (word_is(ps, word)) {
        if (n == SG_MAX_NODES)
            return fail(ps, "more than %s conditions", "256");
        if (!next(ps) || !(kids[n++] = operand(ps)))
            return NULL;
    }
    return n == 1 ? kids[0] : sg_join(&ps->b, op, kids, n, line, col);
}

static struct sg_node *rule_and(struct parser *ps)
{
    return joined(ps, SG_AND, "and", unary);
}

static struct sg_node *rule_or(struct parser *ps)
{
    return joined(ps, SG_OR, "or", rule_and);
}

int sg_parse(const char *text, struct sg_rule **out, struct sg_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof(*err));
    if (!text || strlen(text) > SG_MAX_TEXT) {
        snprintf(err->msg, sizeof(err->msg), "%s", text ? "the rule is longer than 64 KiB"
                                                        : "no rule");
        return ERR_INVALID;
    }
    struct sg_rule *r = calloc(1, sizeof(*r));
    if (!r)
        return ERR_NOMEM;
    arena_init(&r->mem, 0);
    struct parser ps = {.lx = {.p = text, .line = 1, .col = 1}, .b = {.rule = r, .err = err}};
    struct sg_node *root = NULL;
    if (next(&ps)) {
        if (ps.lx.t == T_EOF)
            expected(&ps, "a condition");
        else if ((root = rule_or(&ps)) && ps.lx.t != T_EOF)
            expected(&ps, ps.lx.t == T_RPAREN ? "no ')' here (one too many)"
                                              : "'and', 'or' or the end of the rule");
    }
    free(ps.lx.str);
    if (!ps.b.failed && root)
        sg_finish(&ps.b, root);
    if (ps.b.failed || !root) {
        sg_rule_free(r);
        return ERR_INVALID;
    }
    *out = r;
    return 0;
}

void sg_rule_free(struct sg_rule *r)
{
    if (!r)
        return;
    arena_release(&r->mem);
    free(r);
}
