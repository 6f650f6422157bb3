/*
 * mime.h — an e-mail as it goes over SMTP (issue 7): RFC 5322 headers,
 * RFC 2047 encoded words for non-ASCII subjects and names, a
 * multipart/alternative body (text and HTML, UTF-8, quoted-printable), and
 * the one-click unsubscribe headers of RFC 8058.
 *
 * No value may carry a line break into a header: a CR or LF in the subject,
 * a name or an address is refused (ERR_INVALID naming the header), never
 * folded away or stripped. Lines end in CRLF.
 */
#ifndef RONDO_CHANNEL_MIME_H
#define RONDO_CHANNEL_MIME_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

struct mime_msg {
    const char *from_name, *from_addr; /* the sender: "Shop", "news@shop.example" */
    const char *to_name, *to_addr;     /* to_name may be NULL */
    const char *subject;               /* UTF-8 */
    const char *text;                  /* the plain-text part, UTF-8 */
    const char *html;                  /* the HTML part, or NULL for text only */
    const char *message_id;            /* "<id@domain>" */
    const char *unsubscribe_url;       /* https URL for List-Unsubscribe, or NULL */
    int64_t date_ms;                   /* the Date header */
};

/* Append the whole message to out. ERR_INVALID naming the header at fault. */
int mime_build(const struct mime_msg *m, struct buf *out, struct errbuf *e);

/* Whether url is plain http to this machine (127.0.0.1, localhost, [::1]): allowed for tests. */
bool mime_url_local(const char *url);

/* An address fit for an envelope and a header: one @, no spaces, brackets or controls. */
int mime_check_addr(const char *addr, const char *field, struct errbuf *e);

/* Append s as a header value: as is when printable ASCII, else RFC 2047 encoded words. */
int mime_encode_words(struct buf *out, const char *s, int used);

#endif
