/*
 * track.h — open and click tracking of e-mails (issue 7).
 *
 * When an e-mail leaves, its HTML gets a 1×1 open pixel (PUBLIC_URL/o/TOKEN)
 * and each link goes through PUBLIC_URL/c/TOKEN?u=URL. Tokens are signed
 * with the workspace's unsubscribe_secret: the open token names the message,
 * the click token the message and the URL, so a click link can only lead
 * where the e-mail pointed (no open redirect). mailto:, tel:, in-page (#)
 * and unsubscribe links are left alone.
 *
 * Security scanners open and click what they are sent. An open or click is
 * kept but not counted (status "opened_filtered" / "clicked_filtered", no
 * profile event) when:
 *   - the user agent is a known scanner or a link checker;
 *   - it comes before the e-mail could have been delivered (before its send);
 *   - it is a click within 10 s of delivery (a scanner following every link).
 * Counted ones become profile events "Email Opened" and "Email Link Clicked"
 * (with the URL), usable by segments and scenarios.
 */
#ifndef RONDO_CHANNEL_TRACK_H
#define RONDO_CHANNEL_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define TRACK_CLICK_GRACE_MS 10000 /* a click this soon after delivery is a scanner's */

/* html with the pixel and tracked links, appended to out. base: PUBLIC_URL. */
int track_html(const char *html, const char *base, const char *secret, int64_t message_id,
               struct buf *out);

/*
 * Signed links: "ID.MAC", the MAC an HMAC-SHA256 (first 16 bytes) of kind,
 * id and extra (NULL: none) with the workspace's unsubscribe_secret. One
 * kind per purpose, so a token of one never works for another. out >= 64.
 */
#define LINK_UNSUBSCRIBE "unsubscribe:" /* id: a message */
#define LINK_OPEN "open:"               /* id: a message */
#define LINK_CLICK "click:"             /* id: a message; extra: the URL */
#define LINK_PREFERENCES "preferences:" /* id: a profile */
void link_token(const char *secret, const char *kind, int64_t id, const char *extra, char *out,
                size_t outlen);

/* The id a token names when its MAC fits kind and extra; else -1. */
int64_t link_check(const char *secret, const char *kind, const char *token, const char *extra);

/*
 * Why an open or click is not counted ("scanner", "before delivery",
 * "too fast"), or NULL: it counts. sent_at: when the message was accepted by
 * the SMTP server (0: not yet).
 */
const char *track_filter(const char *user_agent, bool click, int64_t at, int64_t sent_at);

#endif
