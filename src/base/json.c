/*
 * json.c — typed field access over Jansson with errors that name the field.
 */
#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"

int json_parse(const char *p, size_t n, json_t **out, struct errbuf *e)
{
    json_error_t je;
    *out = json_loadb(p, n, 0, &je);
    if (!*out)
        return err_field(e, ERR_INVALID, "body", "malformed JSON at line %d column %d: %s",
                         je.line, je.column, je.text);
    return 0;
}

void json_field_path(char *out, size_t n, const char *path, const char *key)
{
    if (path && *path)
        snprintf(out, n, "%s.%s", path, key);
    else
        snprintf(out, n, "%s", key);
}

static int wrong_type(struct errbuf *e, const char *path, const char *key, const char *want)
{
    char field[128];
    json_field_path(field, sizeof(field), path, key);
    return err_field(e, ERR_INVALID, field, "field '%s' must be %s", field, want);
}

int json_get_str(json_t *obj, const char *key, const char *path, const char **out,
                 struct errbuf *e)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return wrong_type(e, path, key, "a string");
    *out = json_string_value(v);
    return 0;
}

int json_get_id(json_t *obj, const char *key, const char *path, char *idbuf, const char **out,
                struct errbuf *e)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        snprintf(idbuf, 24, "%lld", (long long)json_integer_value(v));
        *out = idbuf;
        return 0;
    }
    if (!json_is_string(v))
        return wrong_type(e, path, key, "a string or an integer");
    if (json_string_length(v) > 0)
        *out = json_string_value(v);
    return 0;
}

int json_get_num(json_t *obj, const char *key, const char *path, double *out, bool *present,
                 struct errbuf *e)
{
    json_t *v = json_object_get(obj, key);
    *present = false;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return wrong_type(e, path, key, "a number");
    *out = json_number_value(v);
    *present = true;
    return 0;
}

int json_get_obj(json_t *obj, const char *key, const char *path, json_t **out, struct errbuf *e)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return wrong_type(e, path, key, "an object");
    *out = v;
    return 0;
}

int json_get_arr(json_t *obj, const char *key, const char *path, json_t **out, struct errbuf *e)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return wrong_type(e, path, key, "an array");
    *out = v;
    return 0;
}

int json_get_time(json_t *obj, const char *key, const char *path, int64_t *out_ms, bool *present,
                  struct errbuf *e)
{
    const char *s;
    *present = false;
    int rc = json_get_str(obj, key, path, &s, e);
    if (rc || !s)
        return rc;
    if (time_parse_iso8601(s, out_ms))
        return wrong_type(e, path, key, "an ISO 8601 timestamp");
    *present = true;
    return 0;
}

bool json_depth_exceeds(const json_t *v, int max)
{
    if (!json_is_object(v) && !json_is_array(v))
        return false;
    if (max <= 0)
        return true;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (json_depth_exceeds(x, max - 1))
                return true;
        }
        return false;
    }
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        if (json_depth_exceeds(x, max - 1))
            return true;
    }
    return false;
}

static int dump_cb(const char *p, size_t n, void *data)
{
    return buf_add(data, p, n) ? -1 : 0;
}

int json_dump_buf(const json_t *v, struct buf *b)
{
    size_t len0 = b->len;
    if (json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY) == 0)
        return 0;
    /* Like every buf append: a refused one leaves the buffer as it was. */
    b->len = len0;
    b->ptr[len0] = '\0';
    return ERR_TOO_BIG;
}

char *json_dump_str(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        BUG("json_dumps failed");
    return s;
}

static int count_cb(const char *p, size_t n, void *data)
{
    (void)p;
    *(size_t *)data += n;
    return 0;
}

size_t json_dump_size(const json_t *v)
{
    size_t n = 0;
    json_dump_callback(v, count_cb, &n, JSON_COMPACT | JSON_ENCODE_ANY);
    return n;
}

/* ---- spans ------------------------------------------------------------------ */

static const char *span_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at an opening quote: the byte after the closing one, or NULL. */
static const char *span_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* p at the start of a value: the byte after it, or NULL. */
static const char *span_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return span_string(p, end);
    if (*p != '{' && *p != '[') {
        while (p < end && !strchr(",}] \t\r\n", *p))
            p++;
        return p;
    }
    size_t depth = 0;
    while (p < end) {
        if (*p == '"') {
            p = span_string(p, end);
            if (!p)
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0)
                return p + 1;
        }
        p++;
    }
    return NULL;
}

/* Shared walk over an object (keyed) or an array; fn gets key (empty for arrays) and value. */
static int span_walk(struct str text, char open, char close,
                     int (*fn)(void *ctx, struct str key, struct str value), void *ctx)
{
    const char *p = span_ws(text.ptr, text.ptr + text.len), *end = text.ptr + text.len;
    if (p >= end || *p != open)
        return ERR_INVALID;
    p = span_ws(p + 1, end);
    if (p < end && *p == close)
        return 0;
    while (p < end) {
        struct str key = {p, 0};
        if (open == '{') {
            const char *k = span_string(p, end);
            if (*p != '"' || !k)
                return ERR_INVALID;
            key = str_make(p + 1, (size_t)(k - p - 2));
            p = span_ws(k, end);
            if (p >= end || *p != ':')
                return ERR_INVALID;
            p = span_ws(p + 1, end);
        }
        const char *v = span_value(p, end);
        if (!v || v == p)
            return ERR_INVALID;
        int rc = fn(ctx, key, str_make(p, (size_t)(v - p)));
        if (rc)
            return rc;
        p = span_ws(v, end);
        if (p < end && *p == close)
            return 0;
        if (p >= end || *p != ',')
            return ERR_INVALID;
        p = span_ws(p + 1, end);
    }
    return ERR_INVALID;
}

int json_span_members(struct str obj, int (*fn)(void *ctx, struct str key, struct str value),
                      void *ctx)
{
    return span_walk(obj, '{', '}', fn, ctx);
}

struct span_items {
    int (*fn)(void *ctx, struct str value);
    void *ctx;
};

static int span_item(void *ctx, struct str key, struct str value)
{
    (void)key;
    struct span_items *it = ctx;
    return it->fn(it->ctx, value);
}

int json_span_items(struct str arr, int (*fn)(void *ctx, struct str value), void *ctx)
{
    struct span_items it = {fn, ctx};
    return span_walk(arr, '[', ']', span_item, &it);
}
