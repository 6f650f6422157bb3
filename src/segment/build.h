/*
 * build.h — making the nodes of a rule (internal to src/segment). The text
 * parser and the JSON reader both build through these functions, so a rule
 * is checked the same way whichever form it came in: field types, values,
 * durations, bounds.
 *
 * Each function returns the node, or NULL with b->err filled (the first
 * error only) and b->failed set; line and col say where (0 for JSON, whose
 * errors name the path in b->where instead).
 */
#ifndef RONDO_SEGMENT_BUILD_H
#define RONDO_SEGMENT_BUILD_H

#include "segment/rule.h"

struct sg_build {
    struct sg_rule *rule;
    struct sg_error *err;
    bool failed;
    const char *where; /* JSON: the path of the node being read ("args[1].value") */
};

/* Records an error at line:col (once: later ones are ignored); returns NULL. */
void *sg_fail(struct sg_build *b, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A new node of op at line:col, counted against SG_MAX_NODES. */
struct sg_node *sg_node_new(struct sg_build *b, enum sg_op op, int line, int col);

/* A copy of a string in the rule's arena, bounded by SG_MAX_STRING. */
const char *sg_str(struct sg_build *b, const char *s, size_t n, int line, int col);

#define SG_MAX_NUMBER 1e15

/* A number within +-SG_MAX_NUMBER (-0 made 0); false with the error otherwise. */
bool sg_number(struct sg_build *b, double *v, int line, int col);

/* An identifier (attribute, channel, identity type): letters, digits, _; false with the error. */
bool sg_name(struct sg_build *b, const char *s, int line, int col);

/* "90d" into seconds; false when it is not a whole number and one of s m h d w (at most 100 years). */
bool sg_duration(const char *s, int64_t *secs);

/*
 * Checks a value against the field's type and prepares it: a date must be a
 * valid "YYYY-MM-DD"; a time takes a "YYYY-MM-DD" (midnight UTC, kept in
 * v->num as ms since the epoch); a number field wants a number; a string
 * field a string.
 */
bool sg_check_value(struct sg_build *b, enum sg_field f, struct sg_value *v, int line, int col);

/* Two or more operands joined; flattens nested and/or of the same kind. */
struct sg_node *sg_join(struct sg_build *b, enum sg_op op, struct sg_node **kids, int n, int line,
                        int col);

/* Checks a finished rule against depth and aggregate bounds, sets rule->time_relative. */
bool sg_finish(struct sg_build *b, struct sg_node *root);

#endif
