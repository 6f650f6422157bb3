/*
 * import_run.c — a whole CSV file, or the quarantine's pending rows, through
 * import_prepare() and import_apply().
 *
 * Two threads share the work: this one reads, maps and cleans rows into
 * batches; a store thread writes each full batch in one transaction. Three
 * batches circulate between them, so reading never waits for a commit
 * unless the store falls two batches behind.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/xalloc.h"
#include "ingest/import.h"
#include "ingest/ingest.h"

#define NBATCH 3

struct pipe {
    struct store *s;
    struct import *im;
    const struct import_file_opts *o;
    struct import_batch batch[NBATCH];
    int state[NBATCH]; /* 0 free, 1 full (waiting for the store) */
    int fill;          /* batch being filled by the reader */
    int next_store;    /* next batch the store takes */
    bool done;         /* the reader has no more batches */
    int rc;            /* the store thread's failure */
    struct errbuf err;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* reader side */
    bool header_done;
    struct errbuf *e;
    int64_t rows;
    struct import_progress prog;
    int64_t last_progress_us;
};

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *store_main(void *arg)
{
    struct pipe *p = arg;
    for (;;) {
        import_stats_mut(p->im)->store_cpu_s = thread_cpu_s();
        pthread_mutex_lock(&p->mu);
        while (p->state[p->next_store] != 1 && !(p->done && p->state[p->next_store] != 1))
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->state[p->next_store] != 1) { /* done and nothing left */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        int k = p->next_store;
        bool failed = p->rc != 0;
        pthread_mutex_unlock(&p->mu);

        int rc = 0;
        if (!failed) {
            struct import_batch *b = &p->batch[k];
            rc = store_begin(p->s, &p->err);
            if (!rc)
                rc = import_apply(p->s, p->im, b, &p->err);
            if (!rc)
                rc = store_commit(p->s, &p->err);
            else
                store_rollback(p->s);
        }
        import_batch_reset(&p->batch[k]);
        pthread_mutex_lock(&p->mu);
        if (rc && !p->rc)
            p->rc = rc;
        p->state[k] = 0;
        p->next_store = (k + 1) % NBATCH;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Hand the batch being filled to the store and wait for a free one. */
static int hand_over(struct pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->state[p->fill] = 1;
    pthread_cond_broadcast(&p->cv);
    int next = (p->fill + 1) % NBATCH;
    while (p->state[next] != 0 && !p->rc)
        pthread_cond_wait(&p->cv, &p->mu);
    p->fill = next;
    int rc = p->rc;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static void report(struct pipe *p, bool force)
{
    if (!p->o->progress)
        return;
    int64_t now = clock_mono_us();
    if (!force && now - p->last_progress_us < 200000)
        return;
    p->last_progress_us = now;
    p->prog.rows = p->rows;
    p->o->progress(p->o->ctx, &p->prog);
}

static void on_bytes(void *ctx, uint64_t bytes)
{
    struct pipe *p = ctx;
    p->prog.bytes = bytes;
    report(p, false);
}

static int on_row(void *ctx, const struct csvr_row *row)
{
    struct pipe *p = ctx;
    if (!p->header_done) {
        p->header_done = true;
        return import_header(p->im, row->field, row->n, p->e);
    }
    struct import_batch *b = &p->batch[p->fill];
    import_prepare(p->im, b, row->field, row->n, row->record, 0);
    if (row->converted)
        import_note_converted(p->im);
    p->rows++;
    if (import_batch_ready(b))
        return hand_over(p);
    return 0;
}

static void pipe_init(struct pipe *p, struct store *s, struct import *im,
                      const struct import_file_opts *o, struct errbuf *e)
{
    memset(p, 0, sizeof(*p));
    p->s = s;
    p->im = im;
    p->o = o;
    p->e = e;
    size_t rows = o->batch_rows ? o->batch_rows : IMPORT_BATCH_ROWS;
    for (int i = 0; i < NBATCH; i++)
        import_batch_init(&p->batch[i], rows);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
}

/* Flush the last batch, stop the store thread, and return the first failure. */
static int pipe_finish(struct pipe *p, pthread_t th, int rc, struct errbuf *e)
{
    pthread_mutex_lock(&p->mu);
    if (!rc && p->batch[p->fill].n)
        p->state[p->fill] = 1;
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(th, NULL);
    if (p->rc) {
        *e = p->err;
        rc = p->rc;
    }
    for (int i = 0; i < NBATCH; i++)
        import_batch_release(&p->batch[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    return rc;
}

static int load_context(struct store *s, const char *source, struct clean_patterns *pat,
                        json_t **overrides, struct errbuf *e)
{
    int rc = ingest_load_patterns(s, pat, e);
    return rc ? rc : store_clean_overrides(s, source, overrides, e);
}

int import_file(struct store *s, const char *path, const struct import_file_opts *o,
                struct import **out, struct errbuf *e)
{
    if (out)
        *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    struct clean_patterns pat = {0};
    json_t *overrides = NULL;
    int rc = load_context(s, o->source, &pat, &overrides, e);
    if (rc) {
        fclose(f);
        clean_patterns_free(&pat);
        return rc;
    }
    struct import *im =
        import_new(o->source, o->table, o->map, &pat, overrides, clock_now());
    import_set_no_match(im, o->no_match);
    /* a profile row is rarely under 60 bytes: room for that many new ids */
    int64_t expected = fstat(fileno(f), &sb) == 0 ? (int64_t)sb.st_size / 60 + 1024 : 1 << 20;
    if ((rc = import_load_index(im, s, expected, e))) {
        fclose(f);
        clean_patterns_free(&pat);
        json_decref(overrides);
        import_free(im);
        return rc;
    }
    struct pipe p;
    pipe_init(&p, s, im, o, e);
    p.prog.total_bytes = fstat(fileno(f), &sb) == 0 ? (uint64_t)sb.st_size : 0;
    store_set_cache(s, 256);
    /* orders, events and consents look up the same customers again and again */
    if (o->table != IMP_PROFILES)
        store_cache_identities(s, 1u << 20);
    pthread_t th;
    if (pthread_create(&th, NULL, store_main, &p) != 0)
        BUG("cannot start the import's store thread");
    struct csvr_opts co = {
        .delimiter = o->map ? o->map->delimiter : 0,
        .encoding = o->map ? o->map->encoding : CSVR_AUTO,
        .progress = on_bytes,
    };
    double cpu0 = thread_cpu_s();
    rc = csvr_read(f, &co, on_row, &p, e);
    import_stats_mut(im)->read_cpu_s = thread_cpu_s() - cpu0;
    if (!rc && !p.header_done)
        rc = err_set(e, ERR_INVALID, "%s is empty: a header row is needed", path);
    rc = pipe_finish(&p, th, rc, e);
    report(&p, true);
    fclose(f);
    clean_patterns_free(&pat);
    json_decref(overrides);
    if (out && !rc)
        *out = im;
    else
        import_free(im);
    return rc;
}

static void im_skip(struct import *im)
{
    import_stats_mut(im)->skipped++;
}

int import_retry(struct store *s, const char *source, enum import_table table, int64_t id,
                 const struct import_map *map, struct import **out, struct errbuf *e)
{
    *out = NULL;
    struct clean_patterns pat = {0};
    json_t *overrides = NULL;
    int rc = load_context(s, source, &pat, &overrides, e);
    struct import *im = import_new(source, table, map, &pat, overrides, clock_now());
    struct import_batch b;
    import_batch_init(&b, 1);
    int64_t after = 0;
    while (!rc) {
        json_t *rows;
        if ((rc = store_quarantine_pending(s, source, import_kind(im), id, after, 500, &rows, e)))
            break;
        if (!json_array_size(rows)) {
            json_decref(rows);
            break;
        }
        if ((rc = store_begin(s, e))) {
            json_decref(rows);
            break;
        }
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) {
            after = json_integer_value(json_object_get(row, "id"));
            json_t *payload = NULL;
            const char *text = json_string_value(json_object_get(row, "payload"));
            struct errbuf pe = {{0}, {0}};
            if (!text || json_parse(text, strlen(text), &payload, &pe) || !json_is_object(payload)) {
                json_decref(payload);
                continue; /* not an imported row: left for `rondo quarantine show` */
            }
            const char *klass = json_string_value(json_object_get(row, "class"));
            if (json_object_get(payload, "_row") || /* a row that did not fit its header */
                (klass && strcmp(klass, "duplicate external_id") == 0)) { /* its file decides */
                json_decref(payload);
                im_skip(im);
                continue;
            }
            size_t n = json_object_size(payload), k = 0;
            char **names = xcalloc(n ? n : 1, sizeof(*names));
            char **vals = xcalloc(n ? n : 1, sizeof(*vals));
            const char *key;
            json_t *v;
            json_object_foreach(payload, key, v) {
                names[k] = (char *)key;
                vals[k++] = (char *)(json_is_string(v) ? json_string_value(v) : "");
            }
            struct errbuf he = {{0}, {0}};
            if (import_header(im, names, n, &he) == 0) {
                import_prepare(im, &b, vals, n, 0, after);
                rc = import_apply(s, im, &b, e);
            } else {
                /* the row's columns do not fit this mapping: it stays as it is */
                if (!import_stats(im)->skipped)
                    snprintf(import_stats_mut(im)->skip_reason,
                             sizeof(import_stats_mut(im)->skip_reason),
                             "quarantined row %lld: %s (give the --map the file was imported "
                             "with)",
                             (long long)after, he.msg);
                im_skip(im);
            }
            import_batch_reset(&b);
            free(names);
            free(vals);
            json_decref(payload);
            if (rc)
                break;
        }
        json_decref(rows);
        if (rc) {
            store_rollback(s);
            break;
        }
        if ((rc = store_commit(s, e)))
            break;
        if (id)
            break;
    }
    import_batch_release(&b);
    clean_patterns_free(&pat);
    json_decref(overrides);
    if (rc)
        import_free(im);
    else
        *out = im;
    return rc;
}
