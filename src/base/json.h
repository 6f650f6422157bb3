/*
 * json.h — helpers over Jansson for typed, error-reporting field access.
 *
 * Getters distinguish three cases: the key is absent or null (return 0 and
 * set *out to "none"), the value has the right type (return 0), or the value
 * has the wrong type (return ERR_INVALID and name the field in the errbuf as
 * "<path>.<key>"). Returned strings and objects are borrowed from the parent
 * object and live as long as it does.
 */
#ifndef RONDO_JSON_H
#define RONDO_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"

/* The name of field key inside path, as errors show it: "traits.email", or "email" at the top. */
void json_field_path(char *out, size_t n, const char *path, const char *key);

/* Parse n bytes of JSON. On failure ERR_INVALID with line and column. Caller decrefs *out. */
int json_parse(const char *p, size_t n, json_t **out, struct errbuf *e);

/* String field; *out NULL when absent or null. */
int json_get_str(json_t *obj, const char *key, const char *path, const char **out,
                 struct errbuf *e);

/*
 * Identifier field (userId, anonymousId, order_id): a non-empty string, or
 * an integer which is converted to its decimal text in idbuf (>= 24 bytes).
 * *out NULL when absent, null or "".
 */
int json_get_id(json_t *obj, const char *key, const char *path, char *idbuf, const char **out,
                struct errbuf *e);

/* Number field (integer or real); *present false when absent or null. */
int json_get_num(json_t *obj, const char *key, const char *path, double *out, bool *present,
                 struct errbuf *e);

/* Object / array field; *out NULL when absent or null. */
int json_get_obj(json_t *obj, const char *key, const char *path, json_t **out, struct errbuf *e);
int json_get_arr(json_t *obj, const char *key, const char *path, json_t **out, struct errbuf *e);

/* Timestamp field as ISO 8601 text; *present false when absent or null. */
int json_get_time(json_t *obj, const char *key, const char *path, int64_t *out_ms, bool *present,
                  struct errbuf *e);

/* True when v nests objects and arrays deeper than max levels. */
bool json_depth_exceeds(const json_t *v, int max);

/* Append the compact serialisation of v to b. 0 or ERR_TOO_BIG. */
int json_dump_buf(const json_t *v, struct buf *b);

/* Compact serialisation as a malloc'd string; caller frees. */
char *json_dump_str(const json_t *v);

/* Size in bytes of the compact serialisation, without allocating it. */
size_t json_dump_size(const json_t *v);

/*
 * Spans of JSON text as it was sent, for text that json_parse has already
 * accepted: where each member or item starts and ends, without building
 * values. Used to store input unchanged and to measure it as sent.
 */

/* Call fn for each member of the object text obj; key is the raw text between its quotes. */
int json_span_members(struct str obj, int (*fn)(void *ctx, struct str key, struct str value),
                      void *ctx);

/* Call fn for each item of the array text arr. */
int json_span_items(struct str arr, int (*fn)(void *ctx, struct str value), void *ctx);

#endif
