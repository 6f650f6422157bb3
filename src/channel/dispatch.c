/*
 * dispatch.c — the sender thread (dispatch.h).
 *
 * One message at a time: read the due ones on a reader connection, POST
 * each, then hand its outcome to the writer and wait for the commit before
 * the next scan, so a message is never sent twice by this process.
 */
#include "channel/dispatch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "channel/email.h"
#include "channel/provider.h"
#include "store/pool.h"
#include "store/store.h"
#include "store/writer.h"

#define BATCH 100

struct item {
    int64_t id, run_id, step, profile_id;
    char *url, *secret_name, *body;
    char *secret;  /* a provider's key itself (else the webhook secret named by secret_name) */
    json_t *headers; /* a provider's own headers: {"Authorization": "Bearer ..."} */
    const char *what; /* "webhook", "sms", ... for the log */
    char *error;      /* a message that cannot be sent as it is: failed with this */
    int attempts;
};

struct result_job {
    struct writer_job job; /* first */
    struct dispatch *d;
    int64_t id, next;
    int attempts;
    const char *status;
    char error[256];
    bool done;
};

struct dispatch {
    struct writer *writer;
    struct store_pool *readers;
    struct email_sender *email;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

void dispatch_sign(const char *key, int64_t t, const char *body, size_t len, char *out,
                   size_t outlen)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char ts[24];
    int n = snprintf(ts, sizeof ts, "%lld.", (long long)t);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, outlen, "t=%lld,v1=%s", (long long)t, hex);
}

/* ---- the outcome, through the writer ------------------------------------------------- */

static int result_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct result_job *j = (struct result_job *)job;
    int rc = store_message_result(s, j->id, j->status, j->attempts, j->next,
                                  j->error[0] ? j->error : NULL, clock_now());
    return rc ? err_set(e, rc, "recording message %lld: %s", (long long)j->id,
                        store_last_error(s))
              : 0;
}

static void result_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct result_job *j = (struct result_job *)job;
    if (rc)
        log_warn("dispatch: %s", e && e->msg[0] ? e->msg : err_str(rc));
    pthread_mutex_lock(&j->d->mu);
    j->done = true;
    pthread_cond_broadcast(&j->d->cv);
    pthread_mutex_unlock(&j->d->mu);
}

static void record(struct dispatch *d, const struct item *it, const char *status,
                   int64_t next, const char *error)
{
    struct result_job j = {.d = d, .id = it->id, .next = next, .attempts = it->attempts + 1,
                           .status = status};
    snprintf(j.error, sizeof j.error, "%s", error ? error : "");
    j.job.apply = result_apply;
    j.job.done = result_done;
    if (writer_submit(d->writer, &j.job))
        return; /* shutting down: it is sent again at the next start */
    pthread_mutex_lock(&d->mu);
    while (!j.done)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
}

/* ---- one webhook ------------------------------------------------------------------------ */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static int64_t backoff_ms(int attempts)
{
    int64_t ms = 30000;
    for (int i = 1; i < attempts; i++)
        ms *= 4;
    return ms;
}

static char *secret_of(struct dispatch *d, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "webhook_secret%s%s", name ? "." : "", name ? name : "");
    struct store *s = store_pool_get(d->readers);
    char *v = NULL;
    if (store_setting_get(s, key, &v))
        v = NULL;
    store_pool_put(d->readers, s);
    return v;
}

static void send_one(struct dispatch *d, const struct item *it)
{
    char *secret = it->secret ? xstrdup(it->secret) : secret_of(d, it->secret_name);
    if (!secret) {
        record(d, it, "failed", 0, "no secret to sign with: set it with rondo settings");
        return;
    }
    char sig[160], idem[96], h1[200], h2[128];
    dispatch_sign(secret, clock_now() / 1000, it->body, strlen(it->body), sig, sizeof sig);
    free(secret);
    snprintf(idem, sizeof idem, "rondo-run-%lld-step-%lld", (long long)it->run_id,
             (long long)it->step);
    snprintf(h1, sizeof h1, "X-Rondo-Signature: %s", sig);
    snprintf(h2, sizeof h2, "Idempotency-Key: %s", idem);
    struct curl_slist *hs = curl_slist_append(NULL, "Content-Type: application/json");
    hs = curl_slist_append(hs, h1);
    hs = curl_slist_append(hs, h2);
    hs = curl_slist_append(hs, "Expect:");
    const char *hk;
    json_t *hv;
    json_object_foreach(it->headers, hk, hv) { /* no line break can reach a header */
        const char *v = json_string_value(hv);
        char line[1024];
        if (v && !strpbrk(hk, "\r\n:") && !strpbrk(v, "\r\n") &&
            snprintf(line, sizeof line, "%s: %s", hk, v) < (int)sizeof line)
            hs = curl_slist_append(hs, line);
    }
    CURL *c = curl_easy_init();
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, it->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, it->body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rondo-webhook/1");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hs);
    char why[256];
    if (cc == CURLE_OK && status >= 200 && status < 300) {
        record(d, it, "sent", 0, NULL);
        return;
    }
    if (cc != CURLE_OK)
        snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else
        snprintf(why, sizeof why, "HTTP %ld", status);
    bool again = cc != CURLE_OK || status == 408 || status == 429 || status >= 500;
    if (again && it->attempts + 1 < DISPATCH_MAX_ATTEMPTS)
        record(d, it, "queued", clock_now() + backoff_ms(it->attempts + 1), why);
    else
        record(d, it, "failed", 0, why);
    log_info("dispatch: %s message %lld to %s: %s%s", it->what ? it->what : "webhook",
             (long long)it->id, it->url, why,
             again && it->attempts + 1 < DISPATCH_MAX_ATTEMPTS ? " (will retry)" : "");
}

/* ---- e-mails, a batch at a time ---------------------------------------------------------- */

#define EMAIL_BATCH 2000

struct email_batch {
    struct writer_job job; /* first */
    struct dispatch *d;
    struct email_job *v;
    size_t n;
    bool done;
};

static int on_email_due(void *ctx, const struct store_queued *q)
{
    struct email_batch *b = ctx;
    struct email_job *j = &b->v[b->n++];
    memset(j, 0, sizeof(*j));
    j->id = q->id;
    j->profile_id = q->profile_id;
    j->to = xstrdup(q->address ? q->address : "");
    j->subject = q->subject ? xstrdup(q->subject) : NULL;
    j->text = q->body ? xstrdup(q->body) : NULL;
    j->html = q->html ? xstrdup(q->html) : NULL;
    j->attempts = q->attempts;
    return 0;
}

/* A delivery outcome as an event on the profile, for segments and scenarios. */
static int delivery_event(struct store *s, const struct email_job *j, const char *name,
                          int64_t now)
{
    char props[64], mid[80];
    snprintf(props, sizeof props, "{\"message_id\":%lld}", (long long)j->id);
    snprintf(mid, sizeof mid, "rondo-message-%lld-%s-%d", (long long)j->id, j->status,
             j->attempts + 1); /* one per attempt: each soft bounce is an event */
    struct store_event ev = {.profile_id = j->profile_id, .source = "rondo", .type = "track",
                             .name = name, .properties = props, .message_id = mid, .ts = now,
                             .received_at = now};
    int rc = store_event_add(s, &ev);
    return rc == ERR_DUPLICATE ? 0 : rc;
}

static int email_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct email_batch *b = (struct email_batch *)job;
    int64_t now = clock_now();
    for (size_t i = 0; i < b->n; i++) {
        struct email_job *j = &b->v[i];
        int rc = store_message_result(s, j->id, j->status, j->attempts + 1, j->next_attempt_at,
                                      j->error[0] ? j->error : NULL, now);
        if (!rc && store_profile_erased(s, j->profile_id))
            continue; /* forgotten meanwhile: no suppression, no event about them */
        if (!rc && !strcmp(j->status, "bounced")) /* a hard bounce: never again to it */
            rc = store_suppress(s, "email", j->to, j->error, now);
        /* soft bounces (queued again after a refusal) are events too: the person's box may be full */
        const char *ev = !strcmp(j->status, "sent")      ? "Email Sent"
                       : !strcmp(j->status, "bounced")   ? "Email Bounced"
                       : !strcmp(j->status, "queued") && strstr(j->error, "RCPT failed: 4")
                           ? "Email Soft Bounced"
                           : NULL;
        if (!rc && ev)
            rc = delivery_event(s, j, ev, now);
        if (rc)
            return err_set(e, rc, "recording e-mail %lld: %s", (long long)j->id,
                           store_last_error(s));
    }
    return 0;
}

static void email_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct email_batch *b = (struct email_batch *)job;
    if (rc)
        log_warn("dispatch: %s", e && e->msg[0] ? e->msg : err_str(rc));
    pthread_mutex_lock(&b->d->mu);
    b->done = true;
    pthread_cond_broadcast(&b->d->cv);
    pthread_mutex_unlock(&b->d->mu);
}

static void email_batch_free(struct email_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->v[i].to);
        free(b->v[i].subject);
        free(b->v[i].text);
        free(b->v[i].html);
    }
    free(b->v);
    free(b);
}

/* Wait until the batch's outcomes are committed, then free it. Accepts NULL. */
static void email_batch_wait(struct dispatch *d, struct email_batch *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&d->mu);
    while (!b->done)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    email_batch_free(b);
}

struct due_scan {
    struct email_batch *b;
    const struct email_batch *recording; /* its messages are still queued until it commits */
};

static int on_email_due_skip(void *ctx, const struct store_queued *q)
{
    struct due_scan *x = ctx;
    const struct email_batch *r = x->recording;
    for (size_t i = 0; r && i < r->n; i++)
        if (r->v[i].id == q->id)
            return 0;
    if (x->b->n == EMAIL_BATCH)
        return 0;
    return on_email_due(x->b, q);
}

/*
 * One batch of due e-mails sent, its outcomes handed to the writer without
 * waiting: the next batch is sent while this one commits (*recording: the
 * batch being recorded, waited for before the next is handed over).
 * Returns how many were sent.
 */
static size_t email_round(struct dispatch *d, struct email_batch **recording)
{
    struct email_cfg cfg;
    struct email_batch *b = xcalloc(1, sizeof(*b));
    b->d = d;
    struct store *s = store_pool_get(d->readers);
    bool on = email_cfg_load(s, &cfg);
    if (on) {
        b->v = xcalloc(EMAIL_BATCH, sizeof(*b->v));
        struct due_scan x = {b, *recording};
        int extra = *recording ? (int)(*recording)->n : 0;
        store_messages_due(s, "email", clock_now(), EMAIL_BATCH + extra, on_email_due_skip, &x);
    }
    store_pool_put(d->readers, s);
    if (!on || !b->n) {
        email_batch_free(b);
        email_batch_wait(d, *recording);
        *recording = NULL;
        return 0;
    }
    email_send_all(d->email, &cfg, b->v, b->n, clock_now());
    email_batch_wait(d, *recording); /* the one before: committed before this one goes */
    *recording = NULL;
    b->job.apply = email_apply;
    b->job.done = email_done;
    size_t n = b->n;
    if (writer_submit(d->writer, &b->job))
        email_batch_free(b); /* shutting down: they are sent again at the next start */
    else
        *recording = b;
    return n;
}

/* ---- providers: SMS, push, wallet, in-app ---------------------------------------------------- */

static const char *const provider_channels[] = {"sms", "push", "wallet", "in_app"};

struct provider_scan {
    struct provider_cfg *cfg;
    const char *channel;
    struct item v[BATCH];
    int n;
};

static int on_provider_due(void *ctx, const struct store_queued *q)
{
    struct provider_scan *x = ctx;
    struct item *it = &x->v[x->n];
    memset(it, 0, sizeof(*it));
    struct buf body;
    buf_init(&body, 1u << 20);
    struct errbuf e = {{0}, {0}};
    if (provider_body(x->cfg, x->channel, q, &body, &e))
        it->error = xstrdup(e.msg); /* failed, not left to block the queue */
    it->id = q->id;
    it->run_id = q->run_id;
    it->step = q->step;
    it->profile_id = q->profile_id;
    it->url = xstrdup(x->cfg->url);
    it->body = xstrdup(body.ptr ? body.ptr : "");
    it->secret = xstrdup(x->cfg->secret);
    it->headers = json_incref(x->cfg->headers);
    it->what = x->channel;
    it->attempts = q->attempts;
    buf_release(&body);
    x->n++;
    return 0;
}

/* The due messages of a provider channel, one at a time, like webhooks. */
static void provider_round(struct dispatch *d, const char *channel)
{
    struct provider_cfg cfg;
    struct provider_scan *x = xcalloc(1, sizeof(*x));
    x->cfg = &cfg;
    x->channel = channel;
    struct store *s = store_pool_get(d->readers);
    bool on = provider_cfg_load(s, channel, &cfg);
    if (on)
        store_messages_due(s, channel, clock_now(), BATCH, on_provider_due, x);
    store_pool_put(d->readers, s);
    for (int i = 0; i < x->n; i++) {
        pthread_mutex_lock(&d->mu);
        bool stop = d->stop;
        pthread_mutex_unlock(&d->mu);
        if (!stop && x->v[i].error)
            record(d, &x->v[i], "failed", 0, x->v[i].error);
        else if (!stop)
            send_one(d, &x->v[i]);
        free(x->v[i].url);
        free(x->v[i].body);
        free(x->v[i].secret);
        free(x->v[i].error);
        json_decref(x->v[i].headers);
    }
    if (on)
        provider_cfg_release(&cfg);
    free(x);
}

/* ---- the thread ---------------------------------------------------------------------------- */

struct scan {
    struct item v[BATCH];
    int n;
};

static int on_due(void *ctx, const struct store_queued *q)
{
    struct scan *x = ctx;
    struct item *it = &x->v[x->n++];
    it->id = q->id;
    it->run_id = q->run_id;
    it->step = q->step;
    it->url = xstrdup(q->address ? q->address : "");
    it->secret_name = q->subject ? xstrdup(q->subject) : NULL; /* a webhook's subject: its secret's name */
    it->body = xstrdup(q->body ? q->body : "{}");
    it->attempts = q->attempts;
    return 0;
}

static void *dispatch_main(void *arg)
{
    struct dispatch *d = arg;
    bool busy = false;
    struct email_batch *recording = NULL;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        if (!d->stop && !busy) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 200 * 1000000L; /* queued work is looked for five times a second */
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&d->cv, &d->mu, &until);
        }
        bool stop = d->stop;
        pthread_mutex_unlock(&d->mu);
        if (stop)
            break;
        struct scan x = {.n = 0};
        struct store *s = store_pool_get(d->readers);
        store_messages_due(s, "webhook", clock_now(), BATCH, on_due, &x);
        store_pool_put(d->readers, s);
        for (int i = 0; i < x.n; i++) {
            pthread_mutex_lock(&d->mu);
            stop = d->stop;
            pthread_mutex_unlock(&d->mu);
            if (!stop)
                send_one(d, &x.v[i]);
            free(x.v[i].url);
            free(x.v[i].secret_name);
            free(x.v[i].body);
        }
        for (size_t k = 0; k < sizeof provider_channels / sizeof provider_channels[0]; k++)
            provider_round(d, provider_channels[k]);
        busy = email_round(d, &recording) > 0; /* more may wait: look again at once */
    }
    email_batch_wait(d, recording);
    return NULL;
}

static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int dispatch_start(struct writer *w, struct store_pool *readers, struct dispatch **out,
                   struct errbuf *e)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init);
    struct dispatch *d = xcalloc(1, sizeof(*d));
    d->writer = w;
    d->readers = readers;
    d->email = email_sender_new();
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, dispatch_main, d)) {
        free(d);
        return err_set(e, ERR_NOMEM, "cannot start the message dispatcher");
    }
    *out = d;
    return 0;
}

void dispatch_stop(struct dispatch *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    email_sender_free(d->email);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}
