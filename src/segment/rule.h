/*
 * rule.h — the segment language (issue 5): a closed grammar parsed to an
 * AST, a JSON form of the same AST, and a canonical text form, so that text
 * and JSON round-trip. Nothing in the language can run code, read a file or
 * reach the network; every rule's size is bounded (SG_MAX_*), and a rule
 * over the bounds is refused with the reason.
 *
 * The grammar (docs/segments.md has the user's version):
 *
 *   rule    := or
 *   or      := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | "(" rule ")" | cond
 *   cond    := FIELD CMP value | FIELD ["not"] "in" "(" value ("," value)* ")"
 *            | FIELD "contains" STRING | FIELD "starts_with" STRING
 *            | FIELD "is" ["not"] "set"
 *            | FIELD "anniversary" "within" DURATION
 *            | FIELD ("before" | "after") DURATION "ago"
 *            | FIELD "within" DURATION
 *            | TABLE "." FUNC "(" [args] ")" [CMP NUMBER]
 *            | "consent" NAME ["for" STRING] | "has" NAME
 *            | "household.size" CMP NUMBER
 *            | "segment" STRING [("=" | "!=") STRING]
 *            | "sample" NUMBER "%" "seed" NUMBER
 *   args    := [ROWFIELD ","] filter ("," filter)*       (sum/avg/min/max name a field)
 *   filter  := "within" DURATION | ROWFIELD CMP value | ROWFIELD ["not"] "in" "(" ... ")"
 *   CMP     := "=" | "!=" | "<" | "<=" | ">" | ">="
 *   DURATION:= a whole number and a unit: 30s, 15m, 2h, 90d, 4w
 *
 * Memory: a rule owns an arena; every node and string lives in it.
 */
#ifndef RONDO_SEGMENT_RULE_H
#define RONDO_SEGMENT_RULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

#define SG_MAX_NODES 256     /* conditions and connectives in one rule */
#define SG_MAX_DEPTH 32      /* nesting */
#define SG_MAX_VALUES 1000   /* values of one "in" list */
#define SG_MAX_STRING 1000   /* bytes of one string */
#define SG_MAX_AGGREGATES 16 /* aggregates over orders, lines or events in one rule */
#define SG_MAX_TEXT 65536    /* bytes of a rule's text */

enum sg_op {
    SG_AND,
    SG_OR,
    SG_NOT,
    SG_CMP,         /* field cmp value */
    SG_IN,          /* field [not] in (values) */
    SG_CONTAINS,    /* field contains "s" (case-insensitive) */
    SG_STARTS_WITH, /* field starts_with "s" (case-insensitive) */
    SG_IS_SET,      /* field is [not] set */
    SG_ANNIVERSARY, /* date field anniversary within d */
    SG_BEFORE_AGO,  /* time field before d ago */
    SG_AFTER_AGO,   /* time field after d ago */
    SG_WITHIN,      /* time field within d (= after d ago); in an aggregate: its window */
    SG_AGG,         /* table.func(filters) [cmp number] */
    SG_CONSENT,     /* consent channel */
    SG_HAS,         /* has identity type */
    SG_HOUSEHOLD,   /* household.size cmp number */
    SG_SEGMENT,     /* segment "name" [= "sub"] */
    SG_SAMPLE,      /* sample p% seed n */
};

enum sg_cmp { SG_EQ, SG_NE, SG_LT, SG_LE, SG_GT, SG_GE };

/* What a field holds, and so what it may be compared with. */
enum sg_type {
    SG_T_STRING, /* text, compared case-insensitively for = and != */
    SG_T_NUMBER, /* counts, money in the currency's units (euros, not cents) */
    SG_T_DATE,   /* a calendar date, "YYYY-MM-DD" */
    SG_T_TIME,   /* a moment; compared with "YYYY-MM-DD" (midnight UTC) or relative forms */
    SG_T_ANY,    /* a custom attribute: a string or a number, as stored */
};

enum sg_table { SG_ORDERS, SG_LINES, SG_EVENTS };
enum sg_func { SG_COUNT, SG_SUM, SG_AVG, SG_MIN, SG_MAX, SG_ANY, SG_NONE };

/* A field of a profile (stats included) or of a row an aggregate reads. */
enum sg_field {
    /* profile */
    SG_F_FIRST_NAME, SG_F_LAST_NAME, SG_F_GENDER, SG_F_BIRTH_DATE, SG_F_LANGUAGE, SG_F_EMAIL,
    SG_F_PHONE, SG_F_STREET, SG_F_HOUSE_NUMBER, SG_F_POSTAL_CODE, SG_F_CITY, SG_F_COUNTRY,
    SG_F_LIFECYCLE_STAGE, SG_F_SOURCE, SG_F_HOUSEHOLD_ID, SG_F_CREATED_AT, SG_F_UPDATED_AT,
    SG_F_ORDER_COUNT, SG_F_TOTAL_SPENT, SG_F_FIRST_ORDER_AT, SG_F_LAST_ORDER_AT,
    SG_F_EVENT_COUNT, SG_F_LAST_EVENT_AT, SG_F_LAST_VISIT_AT, SG_F_LAST_OPEN_AT,
    SG_F_LAST_CLICK_AT,
    SG_F_ATTRIBUTE, /* attributes.NAME: node->name holds NAME */
    /* rows */
    SG_F_ROW_STATUS, SG_F_ROW_SOURCE, SG_F_ROW_CURRENCY, SG_F_ROW_TOTAL,       /* orders */
    SG_F_ROW_CATEGORY, SG_F_ROW_PRODUCT_ID, SG_F_ROW_SKU, SG_F_ROW_NAME, SG_F_ROW_PRICE,
    SG_F_ROW_QUANTITY, SG_F_ROW_AMOUNT,                                          /* lines */
    SG_F_ROW_TYPE,                                                               /* events */
    SG_F_COUNT
};

struct sg_value {
    bool is_num;
    double num;
    const char *str;
};

struct sg_node {
    enum sg_op op;
    int line, col; /* where it starts in the text (1-based; 0 from JSON) */
    struct sg_node **kids; /* and/or: >= 2; not: 1; agg: its filters */
    int nkids;
    enum sg_field field;
    const char *name; /* attribute name; consent channel; identity type; segment name */
    enum sg_cmp cmp;
    bool has_cmp;     /* agg: compared with value (count/sum/...) */
    bool negate;      /* is not set, not in */
    struct sg_value value;
    struct sg_value *values; /* in */
    int nvalues;
    int64_t secs;            /* durations */
    const char *duration;    /* as written, "90d", for printing */
    enum sg_table table;     /* agg */
    enum sg_func func;       /* agg */
    enum sg_field of;        /* agg: the summed field (sum/avg/min/max) */
    const char *sub;         /* segment "x" = "sub": the sub-segment (NULL: membership);
                                consent: the purpose (NULL: any) */
    double percent;          /* sample */
    int64_t seed;            /* sample */
    /* evaluation's cache (eval.c): texts as the world's interned numbers */
    uint32_t tid, tid2, *tids; /* tid2: a consent's purpose */
    uint32_t tgen; /* the world's text count when they were looked up; 0 never */
};

struct sg_rule {
    struct arena mem;
    struct sg_node *root;
    int nodes, aggregates; /* counted against the bounds */
    bool time_relative;    /* holds a condition on the current time (re-evaluated on a schedule) */
    bool has_refs;         /* refers to other segments */
    bool uses_household;   /* reads household.size: a household member's change matters */
};

/* Where a parse failed: line and column (1-based) of the offending token. */
struct sg_error {
    int line, col;
    char msg[256];
};

/*
 * Parses text into a new rule (*out, free with sg_rule_free). On a syntax
 * error, an unknown field, a type mismatch or a bound passed: ERR_INVALID,
 * *out NULL, and err says where and why ("line 2, column 14: unknown field
 * 'contry'; did you mean 'country'?").
 */
int sg_parse(const char *text, struct sg_rule **out, struct sg_error *err);

/* The same from the JSON form (sg_to_json's); the error's line is 0 and msg names the path. */
int sg_from_json(const json_t *j, struct sg_rule **out, struct sg_error *err);

/* The canonical text: parses back to the same AST. malloc'd. */
char *sg_to_text(const struct sg_rule *r);

/* The JSON form: {"op": "and", "args": [...]} and so on (docs/segments.md). */
json_t *sg_to_json(const struct sg_rule *r);

void sg_rule_free(struct sg_rule *r);

/* Names, for printing and JSON. */
const char *sg_field_name(enum sg_field f);
enum sg_type sg_field_type(enum sg_field f);
const char *sg_cmp_name(enum sg_cmp c);

/* Calls fn for every segment the rule refers to (by name), in order. */
void sg_each_segment_ref(const struct sg_rule *r, void (*fn)(void *ctx, const char *name),
                         void *ctx);

#endif
