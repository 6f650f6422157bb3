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

/* The signed token of an open (url NULL) or of a click on url: "ID.MAC" (out >= 64 bytes). */
void track_token(const char *secret, int64_t message_id, const char *url, char *out,
                 size_t outlen);

/* The message a token names when its MAC fits (url for a click); else -1. */
int64_t track_check(const char *secret, const char *token, const char *url);

/*
 * Why an open or click is not counted ("scanner", "before delivery",
 * "too fast"), or NULL: it counts. sent_at: when the message was accepted by
 * the SMTP server (0: not yet).
 */
const char *track_filter(const char *user_agent, bool click, int64_t at, int64_t sent_at);

#endif
