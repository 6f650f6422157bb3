/*
 * h_channels.c — what a message's recipient reaches without a key (issue 7):
 * the unsubscribe link of every e-mail.
 *
 *   POST /u/{token}   RFC 8058 one-click: the mailbox provider posts
 *                     "List-Unsubscribe=One-Click"; the person's e-mail
 *                     consent becomes an opt-out, with the proof in the
 *                     ledger. 200 with a short page; no redirect; again is
 *                     harmless (the consent ledger keeps one statement per
 *                     click, the state stays opted out).
 *   GET /u/{token}    a person (or a security scanner) following the link:
 *                     a page with one button that posts the same form.
 *                     Following a link never unsubscribes anyone.
 *
 * The token is the message id and an HMAC of it with the workspace's
 * unsubscribe_secret (channel/email.h): it names one message, so one person
 * and one address, and cannot be guessed or changed.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/dispatch.h"
#include "channel/email.h"
#include "channel/track.h"
#include "scenario/engine.h"
#include "scenario/live.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/store.h"
#include "store/writer.h"

#define TOKEN_MAX 80

/* The message a link names, after its MAC is checked; 404 page and -1 when none. */
static int64_t token_message(struct request *r, char *secret_out, size_t n)
{
    const char *token = r->params[0];
    struct store *s = store_pool_get(r->srv->readers);
    char *secret = NULL;
    int64_t id = -1;
    if (strlen(token) < TOKEN_MAX && !store_setting_get(s, "unsubscribe_secret", &secret))
        id = link_check(secret, LINK_UNSUBSCRIBE, token, NULL);
    store_pool_put(r->srv->readers, s);
    if (secret && secret_out)
        snprintf(secret_out, n, "%s", secret);
    free(secret);
    if (id < 0)
        http_page_notice(r, 404, "Unknown link",
                         "This unsubscribe link is not valid. Use the link in a recent e-mail.");
    return id;
}

void h_unsubscribe_page(struct request *r)
{
    if (token_message(r, NULL, 0) < 0)
        return;
    struct buf b;
    buf_init(&b, 0);
    http_page_open(&b, "Unsubscribe");
    buf_adds(&b, "<h1>Unsubscribe</h1><p>Stop receiving our e-mails at this address?</p>"
                 "<form method=\"post\" action=\"/u/");
    http_html_add(&b, r->params[0]);
    buf_adds(&b, "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                 "<button type=\"submit\">Unsubscribe</button></form>\n");
    http_page_reply(r, 200, &b);
}

static int unsub_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    int64_t profile_id;
    char channel[16], address[320];
    int rc = store_message_owner(s, r->consent.profile_id, &profile_id, channel, address,
                                 sizeof address);
    if (rc)
        return err_set(e, rc, "the message of this link is gone");
    int64_t survivor = profile_id;
    if (store_profile_resolve(s, profile_id, &survivor))
        survivor = profile_id;
    if (store_profile_erased(s, survivor)) /* an old link of someone forgotten: nothing to write */
        return err_set(e, ERR_NOT_FOUND, "this link belongs to no one any more");
    struct store_consent c = {
        .profile_id = survivor, .channel = "email", .purpose = "", .status = "opted_out",
        .source = "one-click unsubscribe",
        .wording = address[0] ? address : NULL, /* which address the person left */
        .ip = r->consent.ip, .ts = clock_now(),
    };
    rc = store_consent_set(s, &c, c.ts);
    if (!rc) /* and what waits to be sent does not go either */
        rc = store_messages_cancel(s, survivor, "email", "unsubscribed", c.ts);
    char props[64];
    snprintf(props, sizeof props, "{\"message_id\":%lld}", (long long)r->consent.profile_id);
    struct store_event ev = {.profile_id = survivor, .source = "rondo", .type = "track",
                             .name = "Email Unsubscribed", .properties = props, .ts = c.ts,
                             .received_at = c.ts};
    return rc ? rc : store_event_add(s, &ev);
}

static void unsub_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct request *r = (struct request *)((char *)job - offsetof(struct request, job));
    if (rc == ERR_NOT_FOUND)
        http_page_notice(r, 404, "Unknown link", e->msg);
    else if (rc)
        http_page_notice(r, 503, "Please try again",
                         "Your request could not be recorded just now; try again in a minute.");
    else
        http_page_notice(r, 200, "Unsubscribed",
                         "You will receive no more e-mails from us at this address.");
    http_resume(r);
}

void h_unsubscribe(struct request *r)
{
    int64_t id = token_message(r, NULL, 0);
    if (id < 0)
        return;
    r->consent.profile_id = id; /* the message id, until the job reads its owner */
    r->consent.ip = http_client_ip(r, &r->arena);
    r->job.apply = unsub_apply;
    r->job.done = unsub_done;
    http_job_run(r, &r->job);
}

/* ---- transactional messages: POST /api/v1/messages, GET /api/v1/messages/{id} ------- */

struct send_job {
    struct writer_job job; /* first */
    struct request *r;
    json_t *body;
    int64_t profile_id, message_id;
    const char *status;
};

static int send_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct send_job *j = (struct send_job *)job;
    struct sc_engine *g = sc_live_engine(j->r->srv->scenarios, s, e);
    if (!g)
        return ERR_BUSY;
    const json_t *b = j->body;
    return sc_send_now(g, s, j->profile_id, json_string_value(json_object_get(b, "channel")),
                       json_string_value(json_object_get(b, "template")),
                       json_object_get(b, "data"), json_is_true(json_object_get(b, "transactional")),
                       clock_now(), &j->message_id, &j->status, e);
}

static void send_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct send_job *j = (struct send_job *)job;
    struct request *r = j->r;
    if (rc == ERR_NOT_FOUND || rc == ERR_INVALID)
        http_reply_error(r, rc, rc == ERR_NOT_FOUND ? 404 : 400, e->field[0] ? e->field : NULL,
                         "%s", e->msg);
    else if (rc)
        http_reply_errbuf(r, rc, e);
    else
        http_reply_json(r, 201, json_pack("{s:I, s:s}", "id", (json_int_t)j->message_id,
                                          "status", j->status));
    json_decref(j->body);
    free(j);
    http_resume(r);
}

void h_message_send(struct request *r)
{
    static const char *const known[] = {"profile_id", "channel", "template", "data",
                                        "transactional", NULL};
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *b = http_body_object(r, known, "{\"profile_id\", \"channel\", \"template\"}");
    if (!b)
        return;
    json_t *pid = json_object_get(b, "profile_id"), *data = json_object_get(b, "data");
    const char *bad = !json_is_integer(pid) || json_integer_value(pid) <= 0 ? "profile_id"
                    : !json_is_string(json_object_get(b, "channel"))       ? "channel"
                    : !json_is_string(json_object_get(b, "template"))      ? "template"
                    : data && !json_is_object(data)                        ? "data"
                    : json_object_get(b, "transactional") &&
                            !json_is_boolean(json_object_get(b, "transactional"))
                        ? "transactional"
                        : NULL;
    if (bad) {
        http_reply_error(r, ERR_INVALID, 400, bad,
                         "%s: profile_id is a profile id, channel and template are texts, data "
                         "an object, transactional true or false",
                         bad);
        json_decref(b);
        return;
    }
    struct send_job *j = http_job_new(r, sizeof(*j));
    if (!j) {
        json_decref(b);
        return;
    }
    j->r = r;
    j->body = b;
    j->profile_id = json_integer_value(pid);
    j->profile_id = http_survivor(r, j->profile_id); /* a merged id: the survivor */
    j->job.apply = send_apply;
    j->job.done = send_done;
    http_job_run(r, &j->job);
}

void h_message_get(struct request *r)
{
    int64_t id;
    if (http_auth_api(r, ROLE_MARKETER) || http_path_id(r, 0, "message", &id))
        return;
    json_t *m = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_message_get(s, id, &m);
    store_pool_put(r->srv->readers, s);
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "id", "no message has the id %lld", (long long)id);
    else if (rc)
        http_reply_error(r, rc, 0, NULL, "reading the message failed");
    else
        http_reply_json(r, 200, m);
}

/* ---- opens and clicks: GET /o/{token}, GET /c/{token}?u=URL (no key) --------------- */

struct track_job {
    struct writer_job job; /* first */
    struct request *r;
    int64_t message_id;
    bool click;
    char *url, *agent;
};

static int track_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct track_job *j = (struct track_job *)job;
    int64_t profile_id, sent_at, now = clock_now();
    int rc = store_message_sent_at(s, j->message_id, &profile_id, &sent_at);
    if (rc)
        return err_set(e, rc, "the message of this link is gone");
    if (store_profile_erased(s, profile_id))
        return 0; /* someone forgotten: the pixel and the redirect, nothing recorded */
    const char *why = track_filter(j->agent, j->click, now, sent_at);
    char what[32], detail[700];
    snprintf(what, sizeof what, "%s%s", j->click ? "clicked" : "opened", why ? "_filtered" : "");
    snprintf(detail, sizeof detail, "%s%s%s", why ? why : "", why && j->url ? ": " : "",
             j->url ? j->url : "");
    rc = store_message_note(s, j->message_id, what, detail[0] ? detail : NULL, now);
    if (rc || why) /* a scanner's: kept in the history, not counted */
        return rc;
    int64_t survivor = profile_id;
    if (store_profile_resolve(s, profile_id, &survivor))
        survivor = profile_id;
    json_t *props = json_pack("{s:I, s:s*}", "message_id", (json_int_t)j->message_id, "url",
                              j->url);
    char *text = json_dumps(props, JSON_COMPACT);
    json_decref(props);
    struct store_event ev = {.profile_id = survivor, .source = "rondo", .type = "track",
                             .name = j->click ? "Email Link Clicked" : "Email Opened",
                             .properties = text, .ts = now, .received_at = now};
    rc = store_event_add(s, &ev);
    free(text);
    return rc;
}

/* A transparent 1×1 GIF. */
static const unsigned char PIXEL[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00,
                                      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21,
                                      0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
                                      0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44,
                                      0x01, 0x00, 0x3b};

static void track_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct track_job *j = (struct track_job *)job;
    struct request *r = j->r;
    if (rc)
        log_warn("tracking message %lld: %s", (long long)j->message_id, e->msg);
    /* the reader gets the pixel or the page whatever the record did */
    if (j->click)
        http_reply_redirect(r, j->url);
    else
        http_reply_text(r, 200, "image/gif", (const char *)PIXEL, sizeof PIXEL);
    free(j->url);
    free(j->agent);
    free(j);
    http_resume(r);
}

static void track(struct request *r, bool click)
{
    const char *url = click ? http_query(r, "u") : NULL;
    struct store *s = store_pool_get(r->srv->readers);
    char *secret = NULL;
    int64_t id = -1;
    if (strlen(r->params[0]) < TOKEN_MAX && (!click || url) &&
        !store_setting_get(s, "unsubscribe_secret", &secret))
        id = link_check(secret, url ? LINK_CLICK : LINK_OPEN, r->params[0], url);
    store_pool_put(r->srv->readers, s);
    free(secret);
    if (id < 0) {
        http_page_notice(r, 404, "Unknown link", "This link is not valid.");
        return;
    }
    struct track_job *j = http_job_new(r, sizeof(*j));
    if (!j)
        return;
    const char *agent = http_header(r, "User-Agent");
    j->r = r;
    j->message_id = id;
    j->click = click;
    j->url = url ? strdup(url) : NULL;
    j->agent = agent ? strdup(agent) : NULL;
    j->job.apply = track_apply;
    j->job.done = track_done;
    http_job_run(r, &j->job);
}

void h_track_open(struct request *r)
{
    track(r, false);
}

void h_track_click(struct request *r)
{
    track(r, true);
}

/* ---- POST /api/v1/templates/{name}/preview {"profile_id", "data"} ------------------------- */

struct preview_job {
    struct writer_job job; /* first */
    struct request *r;
    json_t *body, *out;
    int64_t profile_id;
};

static int preview_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct preview_job *j = (struct preview_job *)job;
    struct sc_engine *g = sc_live_engine(j->r->srv->scenarios, s, e);
    if (!g)
        return ERR_BUSY;
    return sc_preview(g, s, j->r->params[0], j->profile_id, json_object_get(j->body, "data"),
                      &j->out, e);
}

static void preview_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct preview_job *j = (struct preview_job *)job;
    struct request *r = j->r;
    if (rc == ERR_NOT_FOUND || rc == ERR_INVALID)
        http_reply_error(r, rc, rc == ERR_NOT_FOUND ? 404 : 400, e->field[0] ? e->field : NULL,
                         "%s", e->msg);
    else if (rc)
        http_reply_errbuf(r, rc, e);
    else
        http_reply_json(r, 200, j->out);
    json_decref(j->body);
    free(j);
    http_resume(r);
}

void h_template_preview(struct request *r)
{
    static const char *const known[] = {"profile_id", "data", NULL};
    if (http_auth_api(r, ROLE_MARKETER))
        return;
    json_t *b = http_body_object(r, known, "{\"profile_id\", \"data\"}");
    if (!b)
        return;
    json_t *pid = json_object_get(b, "profile_id"), *data = json_object_get(b, "data");
    if (!json_is_integer(pid) || json_integer_value(pid) <= 0 || (data && !json_is_object(data))) {
        http_reply_error(r, ERR_INVALID, 400, json_is_integer(pid) ? "data" : "profile_id",
                         "profile_id is a profile id and data an object");
        json_decref(b);
        return;
    }
    struct preview_job *j = http_job_new(r, sizeof(*j));
    if (!j) {
        json_decref(b);
        return;
    }
    j->r = r;
    j->body = b;
    j->profile_id = json_integer_value(pid);
    j->profile_id = http_survivor(r, j->profile_id);
    j->job.apply = preview_apply;
    j->job.done = preview_done;
    http_job_run(r, &j->job);
}

/* ---- a provider's delivery report: POST /api/v1/channels/{channel}/status ------------------ */

#define SIGNATURE_SKEW_MS (5 * 60 * 1000) /* a report signed longer ago (or ahead) is refused */

struct report_job {
    struct writer_job job; /* first */
    struct request *r;
    char channel[16], status[24], detail[512];
    int64_t message_id;
};

static int report_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct report_job *j = (struct report_job *)job;
    int64_t profile_id, now = clock_now();
    char channel[16], address[320];
    int rc = store_message_owner(s, j->message_id, &profile_id, channel, address, sizeof address);
    if (rc || strcmp(channel, j->channel))
        return err_field(e, ERR_NOT_FOUND, "message_id", "no %s message has the id %lld",
                         j->channel, (long long)j->message_id);
    const char *detail = j->detail[0] ? j->detail : NULL;
    bool final = !strcmp(j->status, "delivered") || !strcmp(j->status, "failed") ||
                 !strcmp(j->status, "bounced");
    rc = final ? store_message_status(s, j->message_id, j->status, detail, now)
               : store_message_note(s, j->message_id, j->status, detail, now);
    int64_t survivor = profile_id;
    if (store_profile_resolve(s, profile_id, &survivor))
        survivor = profile_id;
    if (store_profile_erased(s, survivor))
        return 0; /* someone forgotten: the report is taken, nothing recorded */
    /* an e-mail that bounced later, or that the person marked as spam: never again to it */
    bool bounce = !strcmp(j->status, "bounced"), complaint = !strcmp(j->status, "complained");
    if (!rc && (bounce || complaint) && address[0])
        rc = store_suppress(s, j->channel, address, complaint ? "complaint" : "bounced", now);
    if (!rc && complaint) { /* the opt-out of the channel complained about */
        const char *consent = !strcmp(j->channel, "email") ? "email"
                            : !strcmp(j->channel, "sms")   ? "sms"
                                                           : "push";
        struct store_consent c = {.profile_id = survivor, .channel = consent, .purpose = "",
                                  .status = "opted_out", .source = "spam complaint",
                                  .wording = address, .ts = now};
        rc = store_consent_set(s, &c, now);
        if (!rc)
            rc = store_messages_cancel(s, survivor, j->channel, "complaint", now);
    }
    if (rc)
        return rc;
    /* "SMS Delivered", "Push Read", "Email Complained": for segments and scenarios */
    static const struct {
        const char *channel, *label;
    } labels[] = {{"sms", "SMS"},       {"push", "Push"},    {"wallet", "Wallet"},
                  {"in_app", "In-App"}, {"email", "Email"}};
    const char *label = j->channel;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(labels[i].channel, j->channel))
            label = labels[i].label;
    char name[64], props[64];
    snprintf(name, sizeof name, "%s %c%s", label, j->status[0] - 32, j->status + 1);
    snprintf(props, sizeof props, "{\"message_id\":%lld}", (long long)j->message_id);
    struct store_event ev = {.profile_id = survivor, .source = "rondo", .type = "track",
                             .name = name, .properties = props, .ts = now, .received_at = now};
    return store_event_add(s, &ev);
}

static void report_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct report_job *j = (struct report_job *)job;
    struct request *r = j->r;
    if (rc == ERR_NOT_FOUND)
        http_reply_error(r, rc, 404, "message_id", "%s", e->msg);
    else if (rc)
        http_reply_errbuf(r, rc, e);
    else
        http_reply_json(r, 200, json_pack("{s:I, s:s}", "message_id", (json_int_t)j->message_id,
                                          "status", j->status));
    free(j);
    http_resume(r);
}

/* The signature header "t=UNIX,v1=HEX" checks out for this body with the channel's secret. */
static bool signed_by(struct request *r, const char *channel)
{
    const char *sig = http_header(r, "X-Rondo-Signature");
    long long t;
    char mac[80];
    if (!sig || sscanf(sig, "t=%lld,v1=%79s", &t, mac) != 2)
        return false;
    char key[64], *secret = NULL;
    snprintf(key, sizeof key, "%s.secret", channel);
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_setting_get(s, key, &secret);
    store_pool_put(r->srv->readers, s);
    if (rc || !secret || !*secret) {
        free(secret);
        return false;
    }
    char want[160], given[160];
    dispatch_sign(secret, t, r->body.ptr ? r->body.ptr : "", r->body.len, want, sizeof want);
    free(secret);
    snprintf(given, sizeof given, "t=%lld,v1=%s", t, mac);
    int64_t skew = clock_now() - (int64_t)t * 1000;
    return strlen(want) == strlen(given) && !sodium_memcmp(want, given, strlen(want)) &&
           skew < SIGNATURE_SKEW_MS && skew > -SIGNATURE_SKEW_MS;
}

void h_channel_status(struct request *r)
{
    const char *channel = r->params[0];
    if (strcmp(channel, "sms") && strcmp(channel, "push") && strcmp(channel, "wallet") &&
        strcmp(channel, "in_app") && strcmp(channel, "email")) {
        http_reply_error(r, ERR_NOT_FOUND, 404, "channel",
                         "delivery reports are for email, sms, push, wallet and in_app");
        return;
    }
    if (!signed_by(r, channel)) {
        http_reply_error(r, ERR_UNAUTHORIZED, 401, "X-Rondo-Signature",
                         "a delivery report is signed with the channel's secret: "
                         "X-Rondo-Signature: t=UNIX_SECONDS,v1=HMAC-SHA256 of \"t.body\"");
        return;
    }
    static const char *const known[] = {"message_id", "status", "detail", NULL};
    json_t *b = http_body_object(r, known, "{\"message_id\", \"status\"}");
    if (!b)
        return;
    json_t *mid = json_object_get(b, "message_id");
    const char *status = json_string_value(json_object_get(b, "status"));
    const char *detail = json_string_value(json_object_get(b, "detail"));
    static const char *const statuses[] = {"delivered", "failed",  "read",
                                           "clicked",   "bounced", "complained", NULL};
    bool ok = false;
    for (const char *const *k = statuses; status && *k; k++)
        ok = ok || !strcmp(*k, status);
    if (!json_is_integer(mid) || !ok) {
        http_reply_error(r, ERR_INVALID, 400, json_is_integer(mid) ? "status" : "message_id",
                         "message_id is a message id; status is delivered, failed, read, clicked, "
                         "bounced or complained");
        json_decref(b);
        return;
    }
    struct report_job *j = http_job_new(r, sizeof(*j));
    if (!j) {
        json_decref(b);
        return;
    }
    j->r = r;
    j->message_id = json_integer_value(mid);
    snprintf(j->channel, sizeof j->channel, "%s", channel);
    snprintf(j->status, sizeof j->status, "%s", status);
    snprintf(j->detail, sizeof j->detail, "%s", detail ? detail : "");
    json_decref(b);
    j->job.apply = report_apply;
    j->job.done = report_done;
    http_job_run(r, &j->job);
}
