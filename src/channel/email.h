/*
 * email.h — sending queued e-mails over SMTP with libcurl (issue 7).
 *
 * The workspace's settings say where: email.smtp_url ("smtp://host:port",
 * "smtps://..."), email.smtp_user and email.smtp_password (secret),
 * email.from ("Shop <news@shop.example>"), email.connections (parallel
 * connections, each kept open and reused, default 4), email.rate (messages
 * per second at most, 0: no limit) and public_url (the https base of the
 * unsubscribe links). Without email.smtp_url e-mails stay in the outbox.
 *
 * Each message gets a Message-ID built from its id, and List-Unsubscribe
 * with a link signed by the workspace's unsubscribe secret (RFC 8058). A 2xx
 * is sent; a 4xx or a lost connection is tried again with backoff; a 5xx is
 * a hard bounce: the message is "bounced" and the address suppressed.
 */
#ifndef RONDO_CHANNEL_EMAIL_H
#define RONDO_CHANNEL_EMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;
struct email_sender;

#define EMAIL_MAX_CONNECTIONS 32

/* The settings read from the store; false when e-mail is not configured. */
struct email_cfg {
    char url[512], user[256], password[256];
    char from_name[200], from_addr[256];
    char public_url[512];
    char secret[256]; /* signs unsubscribe links (setting: at most 200 characters) */
    int connections;
    double rate;
};
bool email_cfg_load(struct store *s, struct email_cfg *c);

/* One message to send, and its outcome. */
struct email_job {
    int64_t id, profile_id;
    char *to, *subject, *text, *html;
    int attempts;
    /* outcome */
    const char *status; /* sent, queued (again), bounced, failed */
    int64_t next_attempt_at;
    char error[256];
};

struct email_sender *email_sender_new(void);
void email_sender_free(struct email_sender *x);

/*
 * Send jobs[0..n) over up to cfg->connections connections at once, each
 * reused from the last call when the server is the same; fills each job's
 * outcome. now: for retry times.
 */
void email_send_all(struct email_sender *x, const struct email_cfg *cfg, struct email_job *jobs,
                    size_t n, int64_t now);

#endif
