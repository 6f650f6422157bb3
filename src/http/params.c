/*
 * params.c — the parts of a management API request that every handler reads
 * the same way: an id in the path, a whole number in the query, a JSON body
 * whose members are known (an unknown one is named, with "did you mean").
 * Each replies 400 itself and returns -1 (or NULL) when the part is wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/str.h"
#include "base/textdist.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/writer.h"

/* The path parameter i, a positive integer naming what; else replies 400. */
int http_path_id(struct request *r, int i, const char *what, int64_t *id)
{
    if (str_to_i64(str_from(r->params[i]), id) || *id <= 0) {
        http_reply_error(r, ERR_INVALID, 400, "id", "a %s id is a positive integer, got \"%s\"",
                         what, r->params[i]);
        return -1;
    }
    return 0;
}

/* A query parameter that is a whole number from min to max; def when absent. -1: replied. */
int http_query_int(struct request *r, const char *name, int64_t def, int64_t min, int64_t max,
                     int64_t *out)
{
    const char *v = http_query(r, name);
    *out = def;
    if (!v || !*v)
        return 0;
    if (cstr_to_i64(v, out) || *out < min || *out > max) {
        http_reply_error(r, ERR_INVALID, 400, name, "%s must be a whole number from %lld to %lld",
                         name, (long long)min, (long long)max);
        return -1;
    }
    return 0;
}

/* The known member nearest to key, or NULL when none is close. */
static const char *nearest(const char *key, const char *const *known)
{
    const char *best = NULL;
    int best_d = 3;
    size_t kl = strlen(key);
    if (kl > 64)
        return NULL;
    for (const char *const *k = known; *k; k++) {
        int d = textdist_osa_bytes(key, kl, *k, strlen(*k), 2);
        if (d < best_d) {
            best_d = d;
            best = *k;
        }
    }
    return best;
}

/* The body: a JSON object whose members are all in known. Else replies 400 and returns NULL. */
json_t *http_body_object(struct request *r, const char *const *known, const char *example)
{
    json_t *v = NULL;
    struct errbuf e = {{0}, {0}};
    if (r->body.len == 0 || json_parse(r->body.ptr, r->body.len, &v, &e) || !json_is_object(v)) {
        http_reply_error(r, ERR_INVALID, 400, "body", "the body must be a JSON object, %s%s%s",
                         example, e.msg[0] ? ": " : "", e.msg);
        json_decref(v);
        return NULL;
    }
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val)
    {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = !strcmp(key, *k);
        if (ok)
            continue;
        const char *near = nearest(key, known);
        if (near) {
            http_reply_error(r, ERR_INVALID, 400, key,
                             "unknown member \"%s\"; did you mean \"%s\"?", key, near);
        } else {
            struct buf list;
            buf_init(&list, 200);
            for (const char *const *k = known; *k; k++)
                buf_addf(&list, "%s\"%s\"", k == known ? "" : k[1] ? ", " : " and ", *k);
            http_reply_error(r, ERR_INVALID, 400, key, "unknown member \"%s\"; the body has %s",
                             key, list.ptr);
            buf_release(&list);
        }
        json_decref(v);
        return NULL;
    }
    return v;
}

/* ---- writer jobs of a request ------------------------------------------------------------- */

void *http_job_new(struct request *r, size_t size)
{
    void *j = calloc(1, size);
    if (!j)
        http_reply_error(r, ERR_NOMEM, 503, NULL, "out of memory; retry later");
    return j;
}

void http_job_run(struct request *r, struct writer_job *job)
{
    http_defer(r);
    if (writer_submit(r->srv->writer, job)) {
        struct errbuf e = {{0}, {0}};
        err_set(&e, ERR_BUSY, "rondo is shutting down; retry later");
        job->done(job, ERR_BUSY, &e); /* it replies, resumes and frees, as after a commit */
    }
}

int64_t http_survivor(struct request *r, int64_t profile_id)
{
    int64_t survivor = profile_id;
    struct store *s = store_pool_get(r->srv->readers);
    if (store_profile_resolve(s, profile_id, &survivor))
        survivor = profile_id;
    store_pool_put(r->srv->readers, s);
    return survivor;
}
