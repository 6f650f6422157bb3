/*
 * fields.c — the names and types of what the segment language can read
 * (rule.h): profile fields, per-profile stats, the rows of orders, order
 * lines and events, and the comparison operators.
 */
#include <string.h>

#include "segment/fields.h"

static const struct sg_field_info infos[SG_F_COUNT] = {
    [SG_F_FIRST_NAME] = {"first_name", SG_T_STRING, -1},
    [SG_F_LAST_NAME] = {"last_name", SG_T_STRING, -1},
    [SG_F_GENDER] = {"gender", SG_T_STRING, -1},
    [SG_F_BIRTH_DATE] = {"birth_date", SG_T_DATE, -1},
    [SG_F_LANGUAGE] = {"language", SG_T_STRING, -1},
    [SG_F_EMAIL] = {"email", SG_T_STRING, -1},
    [SG_F_PHONE] = {"phone", SG_T_STRING, -1},
    [SG_F_STREET] = {"street", SG_T_STRING, -1},
    [SG_F_HOUSE_NUMBER] = {"house_number", SG_T_STRING, -1},
    [SG_F_POSTAL_CODE] = {"postal_code", SG_T_STRING, -1},
    [SG_F_CITY] = {"city", SG_T_STRING, -1},
    [SG_F_COUNTRY] = {"country", SG_T_STRING, -1},
    [SG_F_LIFECYCLE_STAGE] = {"lifecycle_stage", SG_T_STRING, -1},
    [SG_F_SOURCE] = {"source", SG_T_STRING, -1},
    [SG_F_HOUSEHOLD_ID] = {"household_id", SG_T_NUMBER, -1},
    [SG_F_CREATED_AT] = {"created_at", SG_T_TIME, -1},
    [SG_F_UPDATED_AT] = {"updated_at", SG_T_TIME, -1},
    [SG_F_ORDER_COUNT] = {"order_count", SG_T_NUMBER, -1},
    [SG_F_TOTAL_SPENT] = {"total_spent", SG_T_NUMBER, -1},
    [SG_F_FIRST_ORDER_AT] = {"first_order_at", SG_T_TIME, -1},
    [SG_F_LAST_ORDER_AT] = {"last_order_at", SG_T_TIME, -1},
    [SG_F_EVENT_COUNT] = {"event_count", SG_T_NUMBER, -1},
    [SG_F_LAST_EVENT_AT] = {"last_event_at", SG_T_TIME, -1},
    [SG_F_LAST_VISIT_AT] = {"last_visit_at", SG_T_TIME, -1},
    [SG_F_LAST_OPEN_AT] = {"last_open_at", SG_T_TIME, -1},
    [SG_F_LAST_CLICK_AT] = {"last_click_at", SG_T_TIME, -1},
    [SG_F_ATTRIBUTE] = {"attributes", SG_T_ANY, -1},
    [SG_F_ROW_STATUS] = {"status", SG_T_STRING, SG_ORDERS},
    [SG_F_ROW_SOURCE] = {"source", SG_T_STRING, -2}, /* orders and events */
    [SG_F_ROW_CURRENCY] = {"currency", SG_T_STRING, SG_ORDERS},
    [SG_F_ROW_TOTAL] = {"total", SG_T_NUMBER, SG_ORDERS},
    [SG_F_ROW_CATEGORY] = {"category", SG_T_STRING, SG_LINES},
    [SG_F_ROW_PRODUCT_ID] = {"product_id", SG_T_STRING, SG_LINES},
    [SG_F_ROW_SKU] = {"sku", SG_T_STRING, SG_LINES},
    [SG_F_ROW_NAME] = {"name", SG_T_STRING, -3}, /* lines and events */
    [SG_F_ROW_PRICE] = {"price", SG_T_NUMBER, SG_LINES},
    [SG_F_ROW_QUANTITY] = {"quantity", SG_T_NUMBER, SG_LINES},
    [SG_F_ROW_AMOUNT] = {"amount", SG_T_NUMBER, SG_LINES},
    [SG_F_ROW_TYPE] = {"type", SG_T_STRING, SG_EVENTS},
};

const struct sg_field_info *sg_field_info(enum sg_field f)
{
    return f >= 0 && f < SG_F_COUNT ? &infos[f] : NULL;
}

const char *sg_field_name(enum sg_field f)
{
    return f >= 0 && f < SG_F_COUNT && infos[f].name ? infos[f].name : "?";
}

enum sg_type sg_field_type(enum sg_field f)
{
    return f >= 0 && f < SG_F_COUNT ? infos[f].type : SG_T_ANY;
}

bool sg_row_field_of(enum sg_field f, enum sg_table t)
{
    if (f < SG_F_ROW_STATUS || f >= SG_F_COUNT)
        return false;
    int w = infos[f].table;
    return w == (int)t || (w == -2 && (t == SG_ORDERS || t == SG_EVENTS)) ||
           (w == -3 && (t == SG_LINES || t == SG_EVENTS));
}

int sg_profile_field(const char *name)
{
    for (int f = 0; f < SG_F_ROW_STATUS; f++)
        if (f != SG_F_ATTRIBUTE && !strcmp(infos[f].name, name))
            return f;
    return -1;
}

int sg_row_field(const char *name, enum sg_table t)
{
    for (int f = SG_F_ROW_STATUS; f < SG_F_COUNT; f++)
        if (!strcmp(infos[f].name, name) && sg_row_field_of((enum sg_field)f, t))
            return f;
    return -1;
}

static const char *const cmp_names[] = {"=", "!=", "<", "<=", ">", ">="};

const char *sg_cmp_name(enum sg_cmp c)
{
    return c >= SG_EQ && c <= SG_GE ? cmp_names[c] : "?";
}

static const char *const table_names[] = {"orders", "order_lines", "events"};
static const char *const func_names[] = {"count", "sum", "avg", "min", "max", "any", "none"};

const char *sg_table_name(enum sg_table t)
{
    return t >= SG_ORDERS && t <= SG_EVENTS ? table_names[t] : "?";
}

const char *sg_func_name(enum sg_func f)
{
    return f >= SG_COUNT && f <= SG_NONE ? func_names[f] : "?";
}

int sg_table_from(const char *s, size_t n)
{
    for (int t = 0; t < 3; t++)
        if (strlen(table_names[t]) == n && !memcmp(table_names[t], s, n))
            return t;
    return -1;
}

int sg_func_from(const char *s)
{
    for (int f = 0; f < 7; f++)
        if (!strcmp(func_names[f], s))
            return f;
    return -1;
}

static const char *const op_names[] = {
    "and",     "or",        "not",   "cmp",    "in",      "contains", "starts_with",
    "is_set",  "anniversary", "before_ago", "after_ago", "within", "aggregate", "consent",
    "has",     "household_size", "segment", "sample",
};

const char *sg_op_name(enum sg_op op)
{
    return op >= SG_AND && op <= SG_SAMPLE ? op_names[op] : "?";
}

int sg_op_from(const char *s)
{
    for (int op = 0; op <= SG_SAMPLE; op++)
        if (!strcmp(op_names[op], s))
            return op;
    return -1;
}

/* Levenshtein distance of two short names, for "did you mean". */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int sub = prev + (a[i - 1] != b[j - 1]);
            int del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

const char *sg_suggest_field(const char *name, int table)
{
    const char *best = NULL;
    int bd = 3;
    for (int f = 0; f < SG_F_COUNT; f++) {
        if (table < 0 ? f >= SG_F_ROW_STATUS : !sg_row_field_of((enum sg_field)f, table))
            continue;
        int d = distance(name, infos[f].name);
        if (d < bd) {
            bd = d;
            best = infos[f].name;
        }
    }
    return best;
}
