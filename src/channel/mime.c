/*
 * mime.c — building an e-mail (mime.h).
 *
 * Encoded words are "=?UTF-8?B?...?=", each at most 75 characters, split on
 * UTF-8 character boundaries and folded onto continuation lines, so no
 * header line passes 78 characters. Bodies are quoted-printable with soft
 * breaks at 76, so any line length and any byte survive every relay.
 */
#include "channel/mime.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool has_break(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

static bool printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

bool mime_url_local(const char *url)
{
    static const char *const hosts[] = {"http://127.0.0.1", "http://localhost", "http://[::1]"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (!strncmp(url, hosts[i], n) && (!url[n] || url[n] == ':' || url[n] == '/'))
            return true;
    }
    return false;
}

int mime_check_addr(const char *addr, const char *field, struct errbuf *e)
{
    if (!addr || !*addr)
        return err_field(e, ERR_INVALID, field, "%s: no address", field);
    const char *at = strchr(addr, '@');
    if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
        return err_field(e, ERR_INVALID, field, "%s: \"%s\" is not an e-mail address", field,
                         addr);
    for (const char *p = addr; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("<>()[],;:\\\"", *p))
            return err_field(e, ERR_INVALID, field,
                             "%s: an address may not hold spaces, line breaks or <>()[],;:\\\"",
                             field);
    return 0;
}

/* The length of the UTF-8 sequence that starts with byte c (1 for a stray byte). */
static int utf8_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Printable ASCII that a mail client would not read as an encoded word, and that fits. */
static bool plain_ok(const char *s, int used)
{
    return printable_ascii(s) && !strstr(s, "=?") && (int)strlen(s) + used <= 78;
}

int mime_encode_words(struct buf *out, const char *s, int used)
{
    if (plain_ok(s, used))
        return buf_adds(out, s);
    /* 36 bytes make 48 of base64: a word of 60; the first shorter when the line is in use */
    const size_t full = 36;
    size_t n = strlen(s), i = 0;
    int rc = 0;
    bool first = true;
    while (!rc && i < n) {
        size_t take = 0;
        /* the first word shares its line with "Name: ": 78 - used - 12, in base64's 3:4 */
        size_t chunk = full;
        if (first && used > 6) {
            int room = (78 - used - 12) / 4 * 3;
            chunk = room > (int)full ? full : room < 4 ? 4 : (size_t)room;
        }
        while (i + take < n) {
            size_t l = (size_t)utf8_len((unsigned char)s[i + take]);
            if (i + take + l > n) /* a cut-off character at the end: its bytes, no further */
                l = n - i - take;
            if (take + l > chunk)
                break;
            take += l;
        }
        if (!take) /* a sequence longer than the chunk cannot happen; take a byte */
            take = 1;
        char b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        if (!first)
            rc = buf_adds(out, "\r\n ");
        if (!rc)
            rc = buf_addf(out, "=?UTF-8?B?%s?=", b64);
        first = false;
        i += take;
    }
    return rc;
}

/* A header "Name: value" with value as encoded words where needed. */
static int header_text(struct buf *out, const char *name, const char *value, struct errbuf *e)
{
    if (has_break(value))
        return err_field(e, ERR_INVALID, name, "the %s header would hold a line break", name);
    int rc = buf_addf(out, "%s: ", name);
    if (!rc)
        rc = mime_encode_words(out, value, (int)strlen(name) + 2);
    if (!rc)
        rc = buf_adds(out, "\r\n");
    return rc;
}

/* "Name <addr>" or "addr", the name quoted or encoded. */
static int header_addr(struct buf *out, const char *header, const char *name, const char *addr,
                       struct errbuf *e)
{
    if (has_break(name))
        return err_field(e, ERR_INVALID, header, "the %s name would hold a line break", header);
    int rc = mime_check_addr(addr, header, e);
    if (rc)
        return rc;
    rc = buf_addf(out, "%s: ", header);
    if (name && *name) {
        if (printable_ascii(name)) {
            buf_addch(out, '"');
            for (const char *p = name; *p; p++) {
                if (*p == '"' || *p == '\\')
                    buf_addch(out, '\\');
                buf_addch(out, *p);
            }
            buf_addch(out, '"');
            rc = buf_addf(out, " <%s>\r\n", addr);
        } else { /* encoded words: the address on a line of its own */
            mime_encode_words(out, name, (int)strlen(header) + 2);
            rc = buf_addf(out, "\r\n <%s>\r\n", addr);
        }
    } else {
        rc = buf_addf(out, "%s\r\n", addr);
    }
    return rc;
}

/* Quoted-printable of s (UTF-8 text) with CRLF line ends and soft breaks at 76. */
static int qp(struct buf *out, const char *s)
{
    int col = 0, rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue; /* the \n ends the line */
        if (*p == '\n' || *p == '\r') {
            rc = buf_adds(out, "\r\n");
            col = 0;
            continue;
        }
        bool next_break = !p[1] || p[1] == '\n' || p[1] == '\r';
        bool literal = (*p >= 33 && *p <= 126 && *p != '=') ||
                       ((*p == ' ' || *p == '\t') && !next_break);
        int w = literal ? 1 : 3;
        if (col + w > 75) {
            rc = buf_adds(out, "=\r\n");
            col = 0;
        }
        if (literal)
            rc = buf_addch(out, (char)*p);
        else
            rc = buf_addf(out, "=%02X", *p);
        col += w;
    }
    return rc ? rc : buf_adds(out, "\r\n");
}

static void rfc5322_date(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int mime_build(const struct mime_msg *m, struct buf *out, struct errbuf *e)
{
    if (!m->text)
        return err_field(e, ERR_INVALID, "text", "an e-mail needs a text part");
    if (has_break(m->message_id) || !m->message_id || m->message_id[0] != '<')
        return err_field(e, ERR_INVALID, "Message-ID", "the Message-ID is \"<id@domain>\"");
    /* RFC 8058 wants https; a server on this machine (tests) may be plain http */
    bool local = m->unsubscribe_url && mime_url_local(m->unsubscribe_url);
    if (m->unsubscribe_url &&
        (has_break(m->unsubscribe_url) ||
         (strncmp(m->unsubscribe_url, "https://", 8) && !local) ||
         strpbrk(m->unsubscribe_url, " <>")))
        return err_field(e, ERR_INVALID, "List-Unsubscribe",
                         "the unsubscribe link is an https URL without spaces or <>");
    char date[64];
    rfc5322_date(m->date_ms, date, sizeof date);
    int rc = buf_addf(out, "Date: %s\r\n", date);
    if (!rc)
        rc = header_addr(out, "From", m->from_name, m->from_addr, e);
    if (!rc)
        rc = header_addr(out, "To", m->to_name, m->to_addr, e);
    if (!rc)
        rc = header_text(out, "Subject", m->subject ? m->subject : "", e);
    if (rc)
        return rc;
    buf_addf(out, "Message-ID: %s\r\n", m->message_id);
    if (m->unsubscribe_url) /* RFC 8058: a POST to the URL unsubscribes, no questions asked */
        buf_addf(out, "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                 m->unsubscribe_url);
    buf_adds(out, "MIME-Version: 1.0\r\n");
    if (!m->html) {
        buf_adds(out, "Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        return qp(out, m->text);
    }
    unsigned char raw[8]; /* 16 hex digits: the Content-Type line stays under 78 */
    char boundary[40], hex[17];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(boundary, sizeof boundary, "=_rondo_%s", hex); /* "=_" never occurs in QP text */
    buf_addf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
    buf_addf(out, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
             boundary);
    qp(out, m->text);
    buf_addf(out, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
             boundary);
    qp(out, m->html);
    return buf_addf(out, "--%s--\r\n", boundary);
}
