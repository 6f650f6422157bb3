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

static int wrong_type(struct errbuf *e, const char *path, const char *key, const char *want)
{
    char field[128];
    if (path && *path)
        snprintf(field, sizeof(field), "%s.%s", path, key);
    else
        snprintf(field, sizeof(field), "%s", key);
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
