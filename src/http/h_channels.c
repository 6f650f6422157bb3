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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/email.h"
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
        id = email_unsub_check(secret, token);
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
    struct store_consent c = {
        .profile_id = survivor, .channel = "email", .purpose = "", .status = "opted_out",
        .source = "one-click unsubscribe",
        .wording = address[0] ? address : NULL, /* which address the person left */
        .ip = r->consent.ip, .ts = clock_now(),
    };
    return store_consent_set(s, &c, c.ts);
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
    http_defer(r);
    if (writer_submit(r->srv->writer, &r->job)) {
        http_page_notice(r, 503, "Please try again", "The service is restarting.");
        http_resume(r);
    }
}
