/*
 * email.c — SMTP delivery (email.h).
 *
 * Two event loops (libcurl multi handles, a thread each) drive the
 * connections, each loop its share of them and of the messages: a slot takes
 * the next message as soon as its last one is done, and each multi handle's
 * connection pool keeps the connections open between messages and between
 * calls. Measured on two cores: one loop was CPU-bound, a thread per
 * connection no faster than two loops.
 */
#include "channel/email.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "channel/mime.h"
#include "channel/track.h"
#include "store/store.h"

#define EMAIL_LOOPS 2 /* event loops, one thread each: as many as the cores it was measured on */

struct email_sender {
    CURLM *multi[EMAIL_LOOPS]; /* their connection pools keep connections between calls */
    CURL *slots[EMAIL_MAX_CONNECTIONS];
    char url[512];
    pthread_mutex_t rate_mu;
    int64_t next_us; /* the earliest time the next message may go (rate limit) */
};

static void setting(struct store *s, const char *key, char *out, size_t n)
{
    char *v = NULL;
    out[0] = '\0';
    if (!store_setting_get(s, key, &v))
        snprintf(out, n, "%s", v);
    free(v);
}

/* "Name <addr>" or "addr" into its parts. */
static void split_from(const char *from, char *name, size_t nn, char *addr, size_t an)
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (!lt || !gt) {
        name[0] = '\0';
        snprintf(addr, an, "%s", from);
        return;
    }
    size_t l = (size_t)(lt - from);
    while (l && from[l - 1] == ' ')
        l--;
    const char *start = from;
    if (l >= 2 && from[0] == '"' && from[l - 1] == '"') {
        start++;
        l -= 2;
    }
    snprintf(name, nn, "%.*s", (int)l, start);
    snprintf(addr, an, "%.*s", (int)(gt - lt - 1), lt + 1);
}

bool email_cfg_load(struct store *s, struct email_cfg *c)
{
    memset(c, 0, sizeof(*c));
    setting(s, "email.smtp_url", c->url, sizeof c->url);
    if (!c->url[0])
        return false;
    setting(s, "email.smtp_user", c->user, sizeof c->user);
    setting(s, "email.smtp_password", c->password, sizeof c->password);
    char from[512], num[32];
    setting(s, "email.from", from, sizeof from);
    split_from(from[0] ? from : "rondo <rondo@localhost>", c->from_name, sizeof c->from_name,
               c->from_addr, sizeof c->from_addr);
    setting(s, "public_url", c->public_url, sizeof c->public_url);
    setting(s, "unsubscribe_secret", c->secret, sizeof c->secret);
    setting(s, "email.connections", num, sizeof num);
    c->connections = num[0] ? (int)strtol(num, NULL, 10) : 4;
    if (c->connections < 1 || c->connections > EMAIL_MAX_CONNECTIONS)
        c->connections = 4;
    setting(s, "email.rate", num, sizeof num);
    c->rate = num[0] ? strtod(num, NULL) : 0;
    return true;
}

struct email_sender *email_sender_new(void)
{
    struct email_sender *x = xcalloc(1, sizeof(*x));
    pthread_mutex_init(&x->rate_mu, NULL);
    return x;
}

void email_sender_free(struct email_sender *x)
{
    if (!x)
        return;
    for (int i = 0; i < EMAIL_MAX_CONNECTIONS; i++)
        if (x->slots[i])
            curl_easy_cleanup(x->slots[i]);
    for (int i = 0; i < EMAIL_LOOPS; i++)
        if (x->multi[i])
            curl_multi_cleanup(x->multi[i]);
    pthread_mutex_destroy(&x->rate_mu);
    free(x);
}

/* ---- one message ------------------------------------------------------------------ */

struct upload {
    const char *p;
    size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
    struct upload *u = ctx;
    size_t n = size * nitems < u->left ? size * nitems : u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static void wait_rate(struct email_sender *x, double rate)
{
    if (rate <= 0)
        return;
    pthread_mutex_lock(&x->rate_mu);
    int64_t now = clock_mono_us(), at = x->next_us > now ? x->next_us : now;
    x->next_us = at + (int64_t)(1e6 / rate);
    pthread_mutex_unlock(&x->rate_mu);
    if (at > now) {
        struct timespec ts = {(time_t)((at - now) / 1000000), (long)((at - now) % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
}

static int64_t backoff_ms(int attempts)
{
    int64_t ms = 60000;
    for (int i = 1; i < attempts && ms < 6 * 3600000LL; i++)
        ms *= 4;
    return ms;
}

#define EMAIL_MAX_ATTEMPTS 6

static void outcome(struct email_job *j, const char *status, const char *why, int64_t now)
{
    j->status = status;
    snprintf(j->error, sizeof j->error, "%s", why ? why : "");
    if (!strcmp(status, "queued")) {
        if (j->attempts + 1 >= EMAIL_MAX_ATTEMPTS)
            j->status = "failed";
        else
            j->next_attempt_at = now + backoff_ms(j->attempts + 1);
    }
}

/* One message on its way: the handle, the bytes, and what libcurl reports back. */
struct xfer {
    CURL *c;
    struct email_job *j;
    struct buf msg;
    struct upload up;
    struct curl_slist *rcpt;
    char from[300], to[300];
    char errbuf[CURL_ERROR_SIZE];
};

/* Build the message of t->j and set up t->c to send it; false when it cannot be sent (outcome set). */
static bool prepare(struct email_sender *x, const struct email_cfg *cfg, struct xfer *t,
                    int64_t now)
{
    struct email_job *j = t->j;
    buf_init(&t->msg, 32u << 20);
    char mid[320], token[64], unsub[700], domain[256];
    const char *at = strchr(cfg->from_addr, '@');
    snprintf(domain, sizeof domain, "%s", at ? at + 1 : "localhost");
    snprintf(mid, sizeof mid, "<rondo.%lld.%lld@%s>", (long long)j->id, (long long)j->profile_id,
             domain);
    bool with_unsub = cfg->public_url[0] && cfg->secret[0];
    if (with_unsub) {
        link_token(cfg->secret, LINK_UNSUBSCRIBE, j->id, NULL, token, sizeof token);
        snprintf(unsub, sizeof unsub, "%s/u/%s", cfg->public_url, token);
    }
    struct buf html; /* with the open pixel and tracked links, when links can be tracked */
    buf_init(&html, 16u << 20);
    if (with_unsub && j->html)
        track_html(j->html, cfg->public_url, cfg->secret, j->id, &html);
    struct mime_msg m = {
        .from_name = cfg->from_name, .from_addr = cfg->from_addr, .to_addr = j->to,
        .subject = j->subject ? j->subject : "", .text = j->text ? j->text : "",
        .html = html.len ? html.ptr : j->html, .message_id = mid,
        .unsubscribe_url = with_unsub ? unsub : NULL, .date_ms = now,
    };
    struct errbuf e = {{0}, {0}};
    int built = mime_build(&m, &t->msg, &e);
    buf_release(&html);
    if (built) {
        outcome(j, "failed", e.msg, now); /* a header that would carry a line break: never sent */
        buf_release(&t->msg);
        return false;
    }
    snprintf(t->from, sizeof t->from, "<%s>", cfg->from_addr);
    snprintf(t->to, sizeof t->to, "<%s>", j->to);
    t->rcpt = curl_slist_append(NULL, t->to);
    t->up = (struct upload){t->msg.ptr, t->msg.len};
    t->errbuf[0] = '\0';
    CURL *c = t->c;
    curl_easy_setopt(c, CURLOPT_URL, cfg->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (cfg->user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password);
        /* a password never goes in clear text: TLS or no login, but for a server on this machine */
        bool local = strstr(cfg->url, "://127.0.0.1") || strstr(cfg->url, "://localhost:") ||
                     strstr(cfg->url, "://[::1]");
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(local ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, t->from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, t->rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &t->up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->msg.len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
    wait_rate(x, cfg->rate);
    return true;
}

/* What the server said, as the message's outcome; the transfer's memory released. */
static void finish(struct xfer *t, CURLcode cc, int64_t now)
{
    struct email_job *j = t->j;
    long code = 0;
    curl_easy_getinfo(t->c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(t->rcpt);
    t->rcpt = NULL;
    buf_release(&t->msg);
    char why[300];
    snprintf(why, sizeof why, "%s%s(SMTP %ld)", t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc),
             t->errbuf[0] || cc ? " " : "", code);
    /*
     * Only the recipient's refusal (RCPT 5xx) is a hard bounce of the address.
     * A 5xx at MAIL FROM or at login is the sender's or the setup's problem:
     * tried again later, never a reason to suppress anyone. A 5xx after DATA
     * refuses this message (its content), not the address.
     */
    bool at_rcpt = strstr(t->errbuf, "RCPT failed") != NULL;
    /* libcurl reports a refusal after the final "." as a weird reply: the content's refusal */
    bool at_data = strstr(t->errbuf, "DATA failed") != NULL || cc == CURLE_WEIRD_SERVER_REPLY;
    if (cc == CURLE_OK)
        outcome(j, "sent", NULL, now);
    else if (code >= 500 && code < 600 && at_rcpt)
        outcome(j, "bounced", why, now);
    else if (code >= 500 && code < 600 && at_data)
        outcome(j, "failed", why, now);
    else
        outcome(j, "queued", why, now); /* 4xx, a login or sender refusal, the connection */
}

/* One event loop: its connections (slots), the jobs they share, and the next one to take. */
struct loop {
    struct email_sender *x;
    const struct email_cfg *cfg;
    CURLM *multi;
    struct xfer *t;
    size_t nt;
    struct email_job *jobs;
    size_t n, next;
    int64_t now;
};

/* Start the next job on slot t's handle; false when none is left. */
static bool start_next(struct loop *l, struct xfer *t)
{
    while (l->next < l->n) {
        t->j = &l->jobs[l->next++];
        if (prepare(l->x, l->cfg, t, l->now)) {
            curl_multi_add_handle(l->multi, t->c);
            return true;
        }
    }
    return false;
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    int active = 0;
    for (size_t i = 0; i < l->nt; i++)
        if (start_next(l, &l->t[i]))
            active++;
    while (active > 0) {
        int running = 0;
        curl_multi_perform(l->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(l->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct xfer *done = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&done);
            CURLcode cc = m->data.result;
            curl_multi_remove_handle(l->multi, done->c);
            finish(done, cc, l->now);
            active--;
            if (start_next(l, done))
                active++;
        }
        if (active > 0)
            curl_multi_poll(l->multi, NULL, 0, 1000, NULL);
    }
    return NULL;
}

void email_send_all(struct email_sender *x, const struct email_cfg *cfg, struct email_job *jobs,
                    size_t n, int64_t now)
{
    if (strcmp(x->url, cfg->url)) { /* another server: new connections */
        for (int i = 0; i < EMAIL_MAX_CONNECTIONS; i++)
            if (x->slots[i]) {
                curl_easy_cleanup(x->slots[i]);
                x->slots[i] = NULL;
            }
        for (int i = 0; i < EMAIL_LOOPS; i++)
            if (x->multi[i]) {
                curl_multi_cleanup(x->multi[i]);
                x->multi[i] = NULL;
            }
        snprintf(x->url, sizeof x->url, "%s", cfg->url);
    }
    size_t k = (size_t)cfg->connections;
    if (k > n)
        k = n;
    size_t nl = k < EMAIL_LOOPS ? k : EMAIL_LOOPS;
    struct xfer t[EMAIL_MAX_CONNECTIONS];
    for (size_t i = 0; i < k; i++) {
        if (!x->slots[i])
            x->slots[i] = curl_easy_init();
        memset(&t[i], 0, sizeof t[i]);
        t[i].c = x->slots[i];
        curl_easy_setopt(t[i].c, CURLOPT_PRIVATE, &t[i]);
    }
    /* the jobs and the connections split over the loops: each loop its own share */
    struct loop loops[EMAIL_LOOPS];
    pthread_t th[EMAIL_LOOPS];
    bool started[EMAIL_LOOPS] = {false};
    for (size_t i = 0; i < nl; i++) {
        if (!x->multi[i]) {
            x->multi[i] = curl_multi_init();
            curl_multi_setopt(x->multi[i], CURLMOPT_MAX_HOST_CONNECTIONS, (long)EMAIL_MAX_CONNECTIONS);
            curl_multi_setopt(x->multi[i], CURLMOPT_MAXCONNECTS, (long)EMAIL_MAX_CONNECTIONS);
        }
        loops[i] = (struct loop){x, cfg, x->multi[i], &t[k * i / nl], k * (i + 1) / nl - k * i / nl,
                                 jobs + n * i / nl, n * (i + 1) / nl - n * i / nl, 0, now};
    }
    for (size_t i = 1; i < nl; i++)
        started[i] = !pthread_create(&th[i], NULL, loop_main, &loops[i]);
    for (size_t i = 0; i < nl; i++)
        if (!started[i])
            loop_main(&loops[i]);
    for (size_t i = 1; i < nl; i++)
        if (started[i])
            pthread_join(th[i], NULL);
}
