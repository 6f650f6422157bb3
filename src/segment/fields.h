/*
 * fields.h — the segment language's vocabulary (internal to src/segment):
 * field names and types, tables, functions and operators, by name.
 */
#ifndef RONDO_SEGMENT_FIELDS_H
#define RONDO_SEGMENT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "segment/rule.h"

struct sg_field_info {
    const char *name;
    enum sg_type type;
    int table; /* -1 a profile field; an enum sg_table; -2 orders and events; -3 lines and events */
};

const struct sg_field_info *sg_field_info(enum sg_field f);

/* Whether f is a field of t's rows. */
bool sg_row_field_of(enum sg_field f, enum sg_table t);

/* The profile field called name (attributes aside), or -1. */
int sg_profile_field(const char *name);

/* The row field of table t called name, or -1. */
int sg_row_field(const char *name, enum sg_table t);

const char *sg_table_name(enum sg_table t);
const char *sg_func_name(enum sg_func f);
const char *sg_op_name(enum sg_op op);

/* By name; -1 when unknown. The table name is the n bytes at s. */
int sg_table_from(const char *s, size_t n);
int sg_func_from(const char *s);
int sg_op_from(const char *s);

/* The nearest known field name (profile fields when table < 0), or NULL when none is close. */
const char *sg_suggest_field(const char *name, int table);

#endif
