/*
 * test_mime.c — building an e-mail (src/channel/mime.h), table-driven:
 *
 *   - mime_encode_words: printable ASCII as is; anything else as
 *     =?UTF-8?B?...?= words of at most 75 characters that decode back to the
 *     input, never split inside a UTF-8 character, on lines of at most 78.
 *   - mime_check_addr: one @ with something on both sides; no spaces,
 *     brackets, quotes or line breaks; the field named on refusal.
 *   - mime_build: every case either fails with ERR_INVALID naming the header
 *     (a CR or LF in any header value, a bad address, an http unsubscribe
 *     link, ...) or gives a message that passes every check of
 *     check_message(): CRLF line ends only, 7-bit headers on lines of at most
 *     78, each required header once, the subject and the names decoded back
 *     to what went in, the Date in RFC 5322 form, the unsubscribe headers
 *     exactly when there is a link, text/plain alone or multipart/alternative
 *     with a boundary that no part holds, and each part's quoted-printable
 *     (lines of at most 76, no trailing white space, '=' and 8-bit bytes as
 *     =XX) decoding back to the input with CRLF line ends.
 *
 * The decoders here (encoded words with libsodium's base64, quoted-printable,
 * the multipart split) are written for the test and strict on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/err.h"
#include "channel/mime.h"

#define WHY_MAX 512

/* ---- small helpers ------------------------------------------------------------------ */

/* A new string of n copies of unit; the caller frees it. */
static char *repeat(const char *unit, int n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * (size_t)n + 1);
    assert_non_null(s);
    for (int i = 0; i < n; i++)
        memcpy(s + u * (size_t)i, unit, u);
    s[u * (size_t)n] = '\0';
    return s;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t l = c < 0x80             ? 1
                   : (c & 0xe0) == 0xc0 ? 2
                   : (c & 0xf0) == 0xe0 ? 3
                   : (c & 0xf8) == 0xf0 ? 4
                                        : 0;
        if (!l || i + l > n)
            return false;
        for (size_t k = 1; k < l; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += l;
    }
    return true;
}

static bool why(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool why(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, WHY_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* Every CR is followed by LF and every LF follows a CR. */
static bool crlf_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
            return false;
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            return false;
    }
    return true;
}

/* The longest line of s[0..n) without its CRLF. */
static size_t longest_line(const char *s, size_t n)
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
            best = cur > best ? cur : best;
            cur = 0;
            i++;
        } else {
            cur++;
        }
    }
    return cur > best ? cur : best;
}

/* text with every "\r\n", lone "\r" and lone "\n" made "\r\n": how the body should read back. */
static void crlf_normalise(const char *s, struct buf *out)
{
    for (; *s; s++) {
        if (*s == '\r' && s[1] == '\n')
            continue;
        if (*s == '\r' || *s == '\n')
            buf_adds(out, "\r\n");
        else
            buf_addch(out, *s);
    }
}

/* ---- decoding encoded words (RFC 2047) ------------------------------------------------ */

/*
 * Decode an unstructured header value (already unfolded): each
 * "=?UTF-8?B?...?=" becomes its bytes and the white space between two
 * adjacent words goes (RFC 2047 section 6.2). Each word must be at most 75
 * characters and, when whole is set, hold whole UTF-8 characters.
 */
static bool decode_words(const char *v, struct buf *out, bool whole, char *w)
{
    struct buf ws;
    buf_init(&ws, 0);
    bool last_word = false, ok = true;
    for (const char *p = v; *p && ok;) {
        if (*p == ' ' || *p == '\t') {
            buf_addch(&ws, *p++);
            continue;
        }
        const char *end = NULL;
        if (!strncmp(p, "=?", 2)) {
            const char *q = strstr(p + 2, "?=");
            end = q ? q + 2 : NULL;
        }
        if (!end || (strncmp(p, "=?UTF-8?B?", 10) && strncmp(p, "=?utf-8?b?", 10))) {
            buf_add(out, ws.ptr, ws.len);
            buf_reset(&ws);
            buf_addch(out, *p++);
            last_word = false;
            continue;
        }
        size_t wlen = (size_t)(end - p);
        if (wlen > 75) {
            ok = why(w, "an encoded word of %zu characters (at most 75): %.*s", wlen, (int)wlen, p);
            break;
        }
        if (!last_word)
            buf_add(out, ws.ptr, ws.len);
        buf_reset(&ws);
        const char *b64 = p + 10;
        size_t b64len = (size_t)(end - 2 - b64);
        unsigned char bin[128];
        size_t binlen = 0;
        if (sodium_base642bin(bin, sizeof bin, b64, b64len, NULL, &binlen, NULL,
                              sodium_base64_VARIANT_ORIGINAL)) {
            ok = why(w, "not base64: %.*s", (int)wlen, p);
            break;
        }
        if (whole && !valid_utf8(bin, binlen)) {
            ok = why(w, "the word %.*s splits a UTF-8 character", (int)wlen, p);
            break;
        }
        buf_add(out, (const char *)bin, binlen);
        last_word = true;
        p = end;
    }
    if (ok)
        buf_add(out, ws.ptr, ws.len);
    buf_release(&ws);
    return ok;
}

/* ---- quoted-printable (RFC 2045 section 6.7) ------------------------------------------ */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode s[0..n) strictly: lines of at most 76, no trailing white space, =XX upper case. */
static bool qp_decode(const char *s, size_t n, struct buf *out, char *w)
{
    if (!crlf_only(s, n))
        return why(w, "a bare CR or LF in a quoted-printable part");
    if (longest_line(s, n) > 76)
        return why(w, "a quoted-printable line of %zu characters (at most 76)", longest_line(s, n));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool at_eol = i + 1 == n || (s[i + 1] == '\r');
        if ((c == ' ' || c == '\t') && at_eol)
            return why(w, "white space at the end of a quoted-printable line (offset %zu)", i);
        if (c == '\r') {
            buf_adds(out, "\r\n");
            i++;
            continue;
        }
        if (c == '=') {
            if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
                i += 2; /* a soft break */
                continue;
            }
            if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
                return why(w, "'=' not followed by two upper-case hex digits (offset %zu)", i);
            buf_addch(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
            continue;
        }
        if (!(c == ' ' || c == '\t' || (c >= 33 && c <= 126)))
            return why(w, "byte 0x%02X left as is in quoted-printable", c);
        buf_addch(out, (char)c);
    }
    return true;
}

/* ---- a parsed message -------------------------------------------------------------------- */

#define MAX_HEADERS 32

struct hdr {
    char name[64];
    struct buf value; /* unfolded: the CRLF before each continuation line removed */
};

struct parsed {
    struct hdr h[MAX_HEADERS];
    int n;
    const char *body;
    size_t body_len;
};

static void parsed_release(struct parsed *p)
{
    for (int i = 0; i < p->n; i++)
        buf_release(&p->h[i].value);
}

/* Split headers from body; headers unfolded. False (w says why) on a malformed block. */
static bool parse_headers(const char *s, size_t n, struct parsed *p, char *w)
{
    const char *end = strstr(s, "\r\n\r\n");
    if (!end)
        return why(w, "no empty line after the headers");
    p->body = end + 4;
    p->body_len = n - (size_t)(p->body - s);
    const char *line = s;
    while (line < end + 2) {
        const char *eol = strstr(line, "\r\n");
        size_t len = (size_t)(eol - line);
        if (line[0] == ' ' || line[0] == '\t') {
            if (!p->n)
                return why(w, "a continuation line before any header");
            buf_add(&p->h[p->n - 1].value, line, len);
        } else {
            const char *colon = memchr(line, ':', len);
            if (!colon || colon == line || (size_t)(colon - line) >= sizeof p->h[0].name)
                return why(w, "a header line without a name: %.*s", (int)len, line);
            if (p->n == MAX_HEADERS)
                return why(w, "too many headers");
            struct hdr *h = &p->h[p->n++];
            snprintf(h->name, sizeof h->name, "%.*s", (int)(colon - line), line);
            buf_init(&h->value, 0);
            const char *v = colon + 1;
            if (*v == ' ')
                v++;
            buf_add(&h->value, v, (size_t)(line + len - v));
        }
        line = eol + 2;
    }
    return true;
}

/* The value of the header called name (case-insensitive), NULL when absent; *count: how many. */
static const char *header(const struct parsed *p, const char *name, int *count)
{
    const char *v = NULL;
    int c = 0;
    for (int i = 0; i < p->n; i++)
        if (!strcasecmp(p->h[i].name, name)) {
            if (!v)
                v = p->h[i].value.ptr;
            c++;
        }
    if (count)
        *count = c;
    return v;
}

/* "Date: Sun, 01 Mar 2026 08:05:09 +0000": the shape of RFC 5322's date-time, as rondo writes it.
 */
static bool date_shape(const char *d)
{
    const char *shape = "Aaa, 99 Aaa 9999 99:99:99 +0000";
    if (strlen(d) != strlen(shape))
        return false;
    for (size_t i = 0; shape[i]; i++) {
        char s = shape[i], c = d[i];
        bool ok = s == 'A'   ? (c >= 'A' && c <= 'Z')
                  : s == 'a' ? (c >= 'a' && c <= 'z')
                  : s == '9' ? (c >= '0' && c <= '9')
                             : c == s;
        if (!ok)
            return false;
    }
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    bool day = false, month = false;
    for (int i = 0; i < 7; i++)
        day = day || !strncmp(d, days[i], 3);
    for (int i = 0; i < 12; i++)
        month = month || !strncmp(d + 8, months[i], 3);
    return day && month;
}

/*
 * An address header against the name and address that went in: "addr",
 * "\"quoted name\" <addr>" or "=?UTF-8?B?...?= <addr>".
 */
static bool check_addr_header(const struct parsed *p, const char *hname, const char *name,
                              const char *addr, char *w)
{
    int count;
    const char *v = header(p, hname, &count);
    if (count != 1)
        return why(w, "%d %s headers", count, hname);
    bool named = name && *name;
    size_t vl = strlen(v);
    if (!named) {
        if (strcmp(v, addr))
            return why(w, "%s: \"%s\", want \"%s\"", hname, v, addr);
        return true;
    }
    const char *lt = strrchr(v, '<');
    if (!lt || v[vl - 1] != '>' || lt == v || lt[-1] != ' ')
        return why(w, "%s: \"%s\" is not NAME <ADDR>", hname, v);
    if (strncmp(lt + 1, addr, strlen(addr)) || lt + 1 + strlen(addr) != v + vl - 1)
        return why(w, "%s: the address in \"%s\" is not %s", hname, v, addr);
    struct buf got;
    buf_init(&got, 0);
    bool ok = true;
    if (v[0] == '"') {
        const char *q = v + 1;
        for (; q < lt - 1 && *q != '"'; q++) {
            if (*q == '\\')
                q++;
            buf_addch(&got, *q);
        }
        if (q != lt - 2)
            ok = why(w, "%s: the quoted name in \"%s\" does not end before the address", hname, v);
    } else {
        char *display = strndup(v, (size_t)(lt - 1 - v));
        ok = decode_words(display, &got, valid_utf8((const unsigned char *)name, strlen(name)), w);
        free(display);
    }
    if (ok && strcmp(got.ptr, name))
        ok = why(w, "%s: the name reads back as \"%s\", want \"%s\"", hname, got.ptr, name);
    buf_release(&got);
    return ok;
}

/* A part's headers and its quoted-printable content against want (the input text). */
static bool check_part(const char *part, size_t n, const char *type, const char *want,
                       bool final_crlf, char *w)
{
    struct parsed ph = {0};
    char *copy = strndup(part, n);
    bool ok = parse_headers(copy, n, &ph, w);
    if (ok) {
        const char *ct = header(&ph, "Content-Type", NULL);
        const char *cte = header(&ph, "Content-Transfer-Encoding", NULL);
        char want_ct[64];
        snprintf(want_ct, sizeof want_ct, "%s; charset=utf-8", type);
        if (!ct || strcasecmp(ct, want_ct))
            ok = why(w, "Content-Type \"%s\", want \"%s\"", ct ? ct : "(none)", want_ct);
        else if (!cte || strcasecmp(cte, "quoted-printable"))
            ok = why(w, "Content-Transfer-Encoding \"%s\"", cte ? cte : "(none)");
    }
    struct buf got, expect;
    buf_init(&got, 0);
    buf_init(&expect, 0);
    if (ok)
        ok = qp_decode(ph.body, ph.body_len, &got, w);
    if (ok) {
        crlf_normalise(want, &expect);
        if (final_crlf)
            buf_adds(&expect, "\r\n");
        if (got.len != expect.len || memcmp(got.ptr, expect.ptr, got.len))
            ok = why(w, "the %s part reads back as \"%s\", want \"%s\"", type, got.ptr, expect.ptr);
    }
    buf_release(&got);
    buf_release(&expect);
    parsed_release(&ph);
    free(copy);
    return ok;
}

/* multipart/alternative: exactly a text/plain and a text/html part, the boundary in neither. */
static bool check_multipart(const struct parsed *p, const struct mime_msg *m, char *w)
{
    const char *ct = header(p, "Content-Type", NULL);
    const char *pre = "multipart/alternative; boundary=\"";
    if (strncmp(ct, pre, strlen(pre)))
        return why(w, "Content-Type \"%s\", want multipart/alternative with a quoted boundary", ct);
    const char *b = ct + strlen(pre), *bend = strchr(b, '"');
    if (!bend || bend == b || bend[1])
        return why(w, "Content-Type \"%s\": the boundary does not read", ct);
    int blen = (int)(bend - b);
    if (blen > 70) /* RFC 2046: 1 to 70 characters */
        return why(w, "a boundary of %d characters", blen);
    char dash[80], delim[90], close[100];
    snprintf(dash, sizeof dash, "--%.*s", blen, b);
    snprintf(delim, sizeof delim, "\r\n--%.*s", blen, b);
    snprintf(close, sizeof close, "\r\n--%.*s--\r\n", blen, b);
    const char *body = p->body;
    size_t dl = strlen(dash);
    if (strncmp(body, dash, dl) || strncmp(body + dl, "\r\n", 2))
        return why(w, "the body does not open with the boundary");
    const char *p1 = body + dl + 2, *e1 = strstr(p1, delim);
    if (!e1 || strncmp(e1 + strlen(delim), "\r\n", 2))
        return why(w, "no second part");
    const char *p2 = e1 + strlen(delim) + 2, *e2 = strstr(p2, delim);
    if (!e2 || strcmp(e2, close))
        return why(w, "the second part is not followed by the closing boundary and nothing else");
    /* the boundary itself (without the dashes) occurs in no part */
    char bare[80];
    snprintf(bare, sizeof bare, "%.*s", blen, b);
    char *c1 = strndup(p1, (size_t)(e1 - p1)), *c2 = strndup(p2, (size_t)(e2 - p2));
    bool ok = true;
    if (strstr(c1, bare) || strstr(c2, bare))
        ok = why(w, "the boundary %s occurs inside a part", bare);
    if (ok)
        ok = check_part(c1, strlen(c1), "text/plain", m->text, false, w);
    if (ok)
        ok = check_part(c2, strlen(c2), "text/html", m->html, false, w);
    free(c1);
    free(c2);
    return ok;
}

/* Everything that holds for any message mime_build made from m. */
static bool check_message(const struct mime_msg *m, const char *s, size_t n, char *w)
{
    if (strlen(s) != n)
        return why(w, "a NUL byte inside the message");
    if (!crlf_only(s, n))
        return why(w, "a bare CR or LF in the message");
    struct parsed p = {0};
    bool ok = parse_headers(s, n, &p, w);
    size_t head_len = n - p.body_len;
    for (size_t i = 0; ok && i < head_len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n' && c != '\t'))
            ok = why(w, "byte 0x%02X in the headers (headers are 7-bit)", c);
    }
    static const char *const once[] = {"Date",       "From",         "To",          "Subject",
                                       "Message-ID", "MIME-Version", "Content-Type"};
    for (size_t i = 0; ok && i < sizeof once / sizeof once[0]; i++) {
        int count;
        header(&p, once[i], &count);
        if (count != 1)
            ok = why(w, "%d %s headers, want 1", count, once[i]);
    }
    if (ok && !date_shape(header(&p, "Date", NULL)))
        ok = why(w, "Date: \"%s\" is not \"Ddd, DD Mmm YYYY HH:MM:SS +0000\"",
                 header(&p, "Date", NULL));
    if (ok && strcmp(header(&p, "MIME-Version", NULL), "1.0"))
        ok = why(w, "MIME-Version: %s", header(&p, "MIME-Version", NULL));
    if (ok && strcmp(header(&p, "Message-ID", NULL), m->message_id))
        ok = why(w, "Message-ID: %s, want %s", header(&p, "Message-ID", NULL), m->message_id);
    if (ok) {
        const char *subject = m->subject ? m->subject : "";
        struct buf got;
        buf_init(&got, 0);
        ok = decode_words(header(&p, "Subject", NULL), &got,
                          valid_utf8((const unsigned char *)subject, strlen(subject)), w);
        if (ok && (got.len != strlen(subject) || memcmp(got.ptr, subject, got.len)))
            ok = why(w, "the Subject reads back as \"%s\", want \"%s\"", got.ptr, subject);
        buf_release(&got);
    }
    if (ok)
        ok = check_addr_header(&p, "From", m->from_name, m->from_addr, w);
    if (ok)
        ok = check_addr_header(&p, "To", m->to_name, m->to_addr, w);
    if (ok) {
        int lu, lup;
        const char *u = header(&p, "List-Unsubscribe", &lu);
        const char *post = header(&p, "List-Unsubscribe-Post", &lup);
        char want[600];
        snprintf(want, sizeof want, "<%s>", m->unsubscribe_url ? m->unsubscribe_url : "");
        if (!m->unsubscribe_url && (lu || lup))
            ok = why(w, "List-Unsubscribe headers without a link");
        else if (m->unsubscribe_url && (lu != 1 || lup != 1))
            ok = why(w, "%d List-Unsubscribe and %d List-Unsubscribe-Post headers, want 1 each", lu,
                     lup);
        else if (m->unsubscribe_url && strcmp(u, want))
            ok = why(w, "List-Unsubscribe: %s, want %s", u, want);
        else if (m->unsubscribe_url && strcmp(post, "List-Unsubscribe=One-Click"))
            ok = why(w, "List-Unsubscribe-Post: %s", post);
    }
    if (ok && !m->html) {
        int cte_count;
        header(&p, "Content-Transfer-Encoding", &cte_count);
        if (cte_count != 1)
            ok = why(w, "%d Content-Transfer-Encoding headers in a text-only message", cte_count);
        else
            ok = check_part(s, n, "text/plain", m->text, true, w);
    } else if (ok) {
        ok = check_multipart(&p, m, w);
    }
    /* last, so that a case shows every other check first */
    if (ok && longest_line(s, head_len) > 78)
        ok = why(w, "a header line of %zu characters (at most 78)", longest_line(s, head_len));
    parsed_release(&p);
    return ok;
}

/* ---- mime_encode_words ---------------------------------------------------------------- */

struct words_case {
    const char *in;
    int unit_count;   /* > 0: in is repeated that many times */
    int used;         /* the characters already on the line ("Subject: " is 9) */
    const char *want; /* the exact output, or NULL: checked as encoded words */
};

static const struct words_case words_cases[] = {
    {"Hello", 0, 9, "Hello"},
    {"", 0, 9, ""},
    {"Spring sale: 20% off! (today only) #1 ~ {x} [y] a_b", 0, 9,
     "Spring sale: 20% off! (today only) #1 ~ {x} [y] a_b"},
    {"Café", 0, 9, "=?UTF-8?B?Q2Fmw6k=?="},
    {"é", 100, 9, NULL},   /* 200 bytes of 2-byte characters */
    {"漢字", 60, 9, NULL}, /* 3-byte characters */
    {"😀", 40, 9, NULL},    /* 4-byte characters */
    {"a"
     "éééééééééééééééééééééééééééééééééééééééé",
     0, 9, NULL}, /* odd offset */
    {"ab"
     "漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢",
     0, 9, NULL},
    {"abc"
     "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
     0, 9, NULL},
    {"Grüße aus Köln — 20 % Rabatt auf alles 🎉🎉 nur heute, liebe Zoë!", 0, 9, NULL},
    {"👩‍👩‍👧‍👦", 8, 9, NULL}, /* ZWJ sequences: split only between code points */
    {"Tab\there", 0, 9, NULL},                 /* a control character: encoded */
    {"del\x7f", 0, 9, NULL},
    {"é", 50, 30, NULL}, /* a longer header name: used counts */
    /* printable ASCII that reads as an encoded word must be encoded, or it changes meaning */
    {"Price =?UTF-8?B?RlJFRQ==?= today", 0, 9, NULL},
    /* a string that ends inside a UTF-8 sequence: its bytes, no more */
    {"abc\xe2", 0, 9, NULL},
    {"\xf0", 0, 9, NULL},
};

static void test_encode_words(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof words_cases / sizeof words_cases[0]; i++) {
        const struct words_case *c = &words_cases[i];
        char *in = c->unit_count ? repeat(c->in, c->unit_count) : strdup(c->in);
        char w[WHY_MAX] = "";
        struct buf out, got;
        buf_init(&out, 0);
        buf_init(&got, 0);
        for (int k = 0; k < c->used; k++) /* a header name and ": " of used characters */
            buf_addch(&out, k == c->used - 2 ? ':' : k == c->used - 1 ? ' ' : 'X');
        int rc = mime_encode_words(&out, in, c->used);
        const char *value = out.ptr + c->used;
        bool ok = true;
        if (rc)
            ok = why(w, "rc %d", rc);
        else if (c->want && strcmp(value, c->want))
            ok = why(w, "got \"%s\", want \"%s\"", value, c->want);
        else if (!c->want && strncmp(value, "=?UTF-8?B?", 10))
            ok = why(w, "not encoded: \"%s\"", value);
        else if (!crlf_only(out.ptr, out.len))
            ok = why(w, "a bare CR or LF: \"%s\"", value);
        else if (longest_line(out.ptr, out.len) > 78)
            ok = why(w, "a line of %zu characters (at most 78): \"%s\"",
                     longest_line(out.ptr, out.len), out.ptr);
        for (size_t k = 0; ok && k < out.len; k++) {
            unsigned char ch = (unsigned char)out.ptr[k];
            if (ch >= 0x7f || (ch < 0x20 && ch != '\r' && ch != '\n'))
                ok = why(w, "byte 0x%02X in the output", ch);
            if (ch == '\n' && k + 1 < out.len && out.ptr[k + 1] != ' ')
                ok = why(w, "a continuation line that does not start with a space");
        }
        if (ok) {
            /* unfold: the CRLF before each continuation line goes */
            struct buf clean;
            buf_init(&clean, 0);
            for (const char *p = value; *p; p++)
                if (*p != '\r' && *p != '\n')
                    buf_addch(&clean, *p);
            ok =
                decode_words(clean.ptr, &got, valid_utf8((const unsigned char *)in, strlen(in)), w);
            if (ok && (got.len != strlen(in) || memcmp(got.ptr, in, got.len)))
                ok = why(w, "decodes to %zu bytes \"%s\", want %zu bytes", got.len, got.ptr,
                         strlen(in));
            buf_release(&clean);
        }
        if (!ok) {
            print_error("encode_words case %zu \"%.40s%s\" (used %d): %s\n", i, in,
                        strlen(in) > 40 ? "..." : "", c->used, w);
            failures++;
        }
        buf_release(&out);
        buf_release(&got);
        free(in);
    }
    assert_int_equal(failures, 0);
}

/* ---- mime_check_addr ------------------------------------------------------------------ */

struct addr_case {
    const char *addr;
    bool ok;
};

static const struct addr_case addr_cases[] = {
    {"ann@example.com", true},
    {"a.b+tag@sub.example.be", true},
    {"x@y", true},
    {"o'brien@example.ie", true},
    {"", false},
    {NULL, false},
    {"ann", false},
    {"@example.com", false},
    {"ann@", false},
    {"ann@@example.com", false},
    {"a@b@example.com", false},
    {"ann @example.com", false},
    {"ann@exa mple.com", false},
    {" ann@example.com", false},
    {"<ann@example.com>", false},
    {"ann@example.com>", false},
    {"ann@example.com\r\nBcc: evil@example.com", false},
    {"ann@example.com\n", false},
    {"ann\r@example.com", false},
    {"ann\t@example.com", false},
    {"\"ann\"@example.com", false},
    {"ann,bob@example.com", false},
    {"ann;bob@example.com", false},
    {"ann:bob@example.com", false},
    {"ann(c)@example.com", false},
    {"ann@[127.0.0.1]", false},
    {"ann\\@example.com", false},
    {"ann\x7f@example.com", false},
};

static void test_check_addr(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
        const struct addr_case *c = &addr_cases[i];
        struct errbuf e = {0};
        int rc = mime_check_addr(c->addr, "To", &e);
        bool good =
            c->ok ? rc == 0 && !e.msg[0] : rc == ERR_INVALID && !strcmp(e.field, "To") && e.msg[0];
        if (!good) {
            print_error("check_addr case %zu \"%s\": rc %d field \"%s\" msg \"%s\", want %s\n", i,
                        c->addr ? c->addr : "(null)", rc, e.field, e.msg,
                        c->ok ? "accepted" : "ERR_INVALID naming To");
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- mime_build ------------------------------------------------------------------------- */

/* In a case's message: a field that is NULL in the message built (where the default is not). */
static const char NONE[] = "(none)";

#define T0 1772352309000LL /* 2026-03-01T08:05:09Z, a Sunday */

struct build_case {
    const char *what;
    struct mime_msg m;  /* over the defaults; a NULL or 0 field keeps the default */
    int times;          /* > 0: the subject, text and html given are repeated that often */
    int rc;             /* 0 or ERR_INVALID */
    const char *field;  /* the header named when refused */
    const char *want;   /* bytes the message holds, or NULL */
    const char *absent; /* bytes it does not hold, or NULL */
};

/* Built, passes check_message(), holds want and not absent. The message's fields follow. */
#define OK(what, times, want, absent, ...)                                                         \
    {                                                                                              \
        what, {__VA_ARGS__}, times, 0, NULL, want, absent                                          \
    }
/* Refused: ERR_INVALID naming field. */
#define BAD(what, field, ...)                                                                      \
    {                                                                                              \
        what, {__VA_ARGS__}, 0, ERR_INVALID, field, NULL, NULL                                     \
    }

static const struct build_case build_cases[] = {
    /* subjects */
    OK("an ASCII subject is left as is", 0, "\r\nSubject: Spring sale: 20% off\r\n", "=?",
       .subject = "Spring sale: 20% off"),
    OK("a non-ASCII subject is encoded", 0, "\r\nSubject: =?UTF-8?B?", "Café",
       .subject = "Café für dich"),
    OK("a long subject of é", 150, "\r\nSubject: =?UTF-8?B?", NULL, .subject = "é"),
    OK("a long subject of 漢字", 70, "\r\nSubject: =?UTF-8?B?", NULL, .subject = "漢字"),
    OK("a long subject of emoji", 60, "\r\nSubject: =?UTF-8?B?", NULL, .subject = "🎉"),
    OK("a long mixed subject", 4, NULL, NULL,
       .subject = "Nur heute: 20 % auf Grüße, Köln & Zoë 🎉 — "),
    OK("an empty subject", 0, "\r\nSubject: \r\n", NULL, .subject = ""),
    OK("a long ASCII subject is folded", 5, NULL, NULL,
       .subject = "Our spring collection is here: "),
    OK("an ASCII subject that reads as an encoded word is encoded", 0, NULL, NULL,
       .subject = "=?UTF-8?B?RlJFRQ==?="),
    /* names and addresses */
    OK("an ASCII sender name is quoted", 0, "\r\nFrom: \"Shop\" <news@shop.example>\r\n", NULL,
       .from_name = "Shop"),
    OK("quotes in a name are escaped", 0, "\r\nFrom: \"a \\\"b\\\"\" <news@shop.example>\r\n", NULL,
       .from_name = "a \"b\""),
    OK("a backslash in a name is escaped", 0, "\r\nFrom: \"a\\\\b\" <news@shop.example>\r\n", NULL,
       .from_name = "a\\b"),
    OK("a comma in a name stays inside the quotes", 0,
       "\r\nTo: \"Peeters, Ann\" <ann@example.com>\r\n", NULL, .to_name = "Peeters, Ann"),
    OK("a non-ASCII sender name is encoded", 0, "\r\nFrom: =?UTF-8?B?", "Shöp",
       .from_name = "Shöp"),
    OK("a non-ASCII recipient name is encoded", 0, "\r\nTo: =?UTF-8?B?", NULL,
       .to_name = "Zoë Peeters"),
    OK("a long non-ASCII name and a long address stay within 78", 0, NULL, NULL,
       .from_name = "Société Générale des Chaussures et Accessoires de Mode",
       .from_addr = "newsletter-no-reply@mailing.example-shop.example"),
    OK("no recipient name: the bare address", 0, "\r\nTo: ann@example.com\r\n", NULL,
       .to_name = NONE),
    OK("an empty recipient name: the bare address", 0, "\r\nTo: ann@example.com\r\n", NULL,
       .to_name = ""),
    OK("no sender name: the bare address", 0, "\r\nFrom: news@shop.example\r\n", NULL,
       .from_name = NONE),
    /* bodies */
    OK("text only is text/plain", 0,
       "\r\nContent-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n\r\nHi Ann.\r\n",
       "multipart", .text = "Hi Ann."),
    OK("with HTML: multipart/alternative", 0,
       "\r\nContent-Type: multipart/alternative; boundary=\"", NULL,
       .html = "<p>Hi <b>Ann</b></p>"),
    OK("HTML that holds boundary-like text", 0, NULL, NULL,
       .html = "--=_rondo_0123\r\n=_rondo_ --"),
    OK("'=' is encoded", 0, "a=3Db 1+1=3D2", NULL, .text = "a=b 1+1=2"),
    OK("trailing spaces before a line break are encoded", 0, "end  =20\r\nnext", NULL,
       .text = "end   \nnext"),
    OK("a trailing space at the end of the text is encoded", 0, "\r\n\r\nend=20\r\n", NULL,
       .text = "end "),
    OK("a trailing tab is encoded", 0, "col=09\r\nx", NULL, .text = "col\t\r\nx"),
    OK("UTF-8 bytes as =XX", 0, "Gr=C3=BC=C3=9Fe, Zo=C3=AB =E2=82=AC", NULL,
       .text = "Grüße, Zoë €"),
    OK("a long line gets soft breaks", 30, "=\r\n", NULL, .text = "abcdefghij"),
    OK("a long line of é gets soft breaks", 200, "=\r\n", NULL, .text = "é"),
    OK("a long line of words with spaces", 60, NULL, NULL, .text = "word "),
    OK("LF, CRLF and lone CR all become CRLF", 0, "a\r\nb\r\nc\r\nd\r\n\r\ne", NULL,
       .text = "a\nb\r\nc\rd\n\ne"),
    OK("an empty text part", 0, NULL, NULL, .text = ""),
    OK("a line that is only a dot and one that starts with From", 0, NULL, NULL,
       .text = ".\nFrom here\n..x"),
    OK("control characters in the text are encoded", 0, "bell=07 esc=1B del=7F", NULL,
       .text = "bell\x07 esc\x1b del\x7f"),
    OK("HTML with long lines and UTF-8", 3, NULL, NULL,
       .html = "<p>Liebe Zoë, unsere Frühjahrskollektion ist da — mit über 200 neuen "
               "Artikeln für dich.</p>"),
    /* unsubscribe */
    OK("an https unsubscribe link: both RFC 8058 headers", 0,
       "\r\nList-Unsubscribe: <https://shop.example/u/42.abcdef>\r\n"
       "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
       NULL, .unsubscribe_url = "https://shop.example/u/42.abcdef"),
    OK("no link: no List-Unsubscribe headers", 0, NULL, "List-Unsubscribe",
       .unsubscribe_url = NONE),
    /* Date and Message-ID */
    OK("Date of a known time", 0, "Date: Sun, 01 Mar 2026 08:05:09 +0000\r\n", NULL, .date_ms = T0),
    OK("Date on a leap day, milliseconds dropped", 0, "Date: Thu, 29 Feb 2024 23:59:59 +0000\r\n",
       NULL, .date_ms = 1709251199999LL),
    OK("Date of 2100", 0, "Date: Fri, 01 Jan 2100 00:00:00 +0000\r\n", NULL,
       .date_ms = 4102444800000LL),
    OK("the Message-ID as given", 0, "\r\nMessage-ID: <rondo.7.12@shop.example>\r\n", NULL,
       .message_id = "<rondo.7.12@shop.example>"),

    /* refused: a line break in any header value */
    BAD("CRLF in the subject", "Subject", .subject = "Hi\r\nBcc: evil@example.com"),
    BAD("LF in the subject", "Subject", .subject = "Hi\nBcc: evil@example.com"),
    BAD("CR in the subject", "Subject", .subject = "Hi\rBcc: evil@example.com"),
    BAD("CRLF in a non-ASCII subject", "Subject", .subject = "Café\r\nBcc: evil@example.com"),
    BAD("CRLF in the sender name", "From", .from_name = "Shop\r\nBcc: evil@example.com"),
    BAD("LF in a non-ASCII sender name", "From", .from_name = "Shöp\nBcc: evil@example.com"),
    BAD("CRLF in the recipient name", "To", .to_name = "Ann\r\nBcc: evil@example.com"),
    BAD("LF in the recipient name", "To", .to_name = "Ann\n"),
    BAD("CRLF in the recipient address", "To",
        .to_addr = "ann@example.com\r\nBcc: evil@example.com"),
    BAD("CR in the sender address", "From", .from_addr = "news@shop.example\r"),
    BAD("CRLF in the Message-ID", "Message-ID",
        .message_id = "<1@shop.example>\r\nBcc: evil@example.com"),
    BAD("LF in the unsubscribe link", "List-Unsubscribe",
        .unsubscribe_url = "https://shop.example/u/1\nBcc: e@x.com"),
    BAD("CR in the unsubscribe link", "List-Unsubscribe",
        .unsubscribe_url = "https://shop.example/u/1\r"),
    /* refused: bad addresses, links and ids */
    BAD("a space in the recipient address", "To", .to_addr = "ann @example.com"),
    BAD("brackets in the recipient address", "To", .to_addr = "<ann@example.com>"),
    BAD("two @ in the recipient address", "To", .to_addr = "ann@x@example.com"),
    BAD("an empty recipient address", "To", .to_addr = ""),
    BAD("no sender address", "From", .from_addr = ""),
    BAD("a sender address with a space", "From", .from_addr = "news @shop.example"),
    BAD("an http unsubscribe link", "List-Unsubscribe",
        .unsubscribe_url = "http://shop.example/u/1"),
    BAD("a mailto unsubscribe link", "List-Unsubscribe",
        .unsubscribe_url = "mailto:u@shop.example"),
    BAD("an unsubscribe link with a space", "List-Unsubscribe",
        .unsubscribe_url = "https://shop.example/u/1 x"),
    BAD("an unsubscribe link with '>'", "List-Unsubscribe",
        .unsubscribe_url = "https://shop.example/u/1>, <https://x"),
    BAD("a Message-ID without brackets", "Message-ID", .message_id = "1@shop.example"),
    BAD("no Message-ID", "Message-ID", .message_id = NONE),
    BAD("no text part", "text", .text = NONE),
};

static const char *pick(const char *v, const char *def)
{
    return v == NONE ? NULL : v ? v : def;
}

static void test_build_table(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof build_cases / sizeof build_cases[0]; i++) {
        const struct build_case *c = &build_cases[i];
        const struct mime_msg *o = &c->m;
        char *subject = NULL, *text = NULL;
        if (c->times && o->subject)
            subject = repeat(o->subject, c->times);
        if (c->times && o->text)
            text = repeat(o->text, c->times);
        char *html = c->times && o->html ? repeat(o->html, c->times) : NULL;
        struct mime_msg m = {
            .from_name = pick(o->from_name, "Shop"),
            .from_addr = pick(o->from_addr, "news@shop.example"),
            .to_name = pick(o->to_name, NULL),
            .to_addr = pick(o->to_addr, "ann@example.com"),
            .subject = subject ? subject : pick(o->subject, "Hello"),
            .text = text ? text : pick(o->text, "Hi there."),
            .html = html ? html : pick(o->html, NULL),
            .message_id = pick(o->message_id, "<m1@shop.example>"),
            .unsubscribe_url = pick(o->unsubscribe_url, NULL),
            .date_ms = o->date_ms ? o->date_ms : T0,
        };
        struct buf out;
        buf_init(&out, 0);
        struct errbuf e = {0};
        char w[WHY_MAX] = "";
        int rc = mime_build(&m, &out, &e);
        bool ok = true;
        if (rc != c->rc)
            ok = why(w, "rc %d (%s), want %d", rc, e.msg, c->rc);
        else if (rc && strcmp(e.field, c->field))
            ok = why(w, "field \"%s\", want \"%s\" (%s)", e.field, c->field, e.msg);
        else if (rc && !e.msg[0])
            ok = why(w, "no message");
        else if (!rc)
            ok = check_message(&m, out.ptr, out.len, w);
        if (ok && !rc && c->want && !strstr(out.ptr, c->want))
            ok = why(w, "no \"%s\" in the message", c->want);
        if (ok && !rc && c->absent && strstr(out.ptr, c->absent))
            ok = why(w, "\"%s\" in the message", c->absent);
        if (!ok) {
            print_error("build case %zu (%s): %s\n--- message ---\n%s--- end ---\n", i, c->what, w,
                        out.ptr);
            failures++;
        }
        buf_release(&out);
        free(subject);
        free(text);
        free(html);
    }
    assert_int_equal(failures, 0);
}

/* A header line break never reaches the output, whichever field carries it. */
static void test_break_anywhere(void **state)
{
    (void)state;
    static const char *const breaks[] = {"\r\n", "\n", "\r"};
    int failures = 0;
    for (int f = 0; f < 6; f++) {
        for (size_t b = 0; b < 3; b++) {
            char bad[128];
            snprintf(bad, sizeof bad, "x%sBcc: evil@example.com", breaks[b]);
            char addr[128];
            snprintf(addr, sizeof addr, "ann@example.com%sBcc: evil@example.com", breaks[b]);
            char url[128];
            snprintf(url, sizeof url, "https://shop.example/u/1%sBcc: evil@example.com", breaks[b]);
            char mid[128];
            snprintf(mid, sizeof mid, "<1@shop.example>%sBcc: evil@example.com", breaks[b]);
            struct mime_msg m = {.from_name = "Shop",
                                 .from_addr = "news@shop.example",
                                 .to_name = "Ann",
                                 .to_addr = "ann@example.com",
                                 .subject = "Hi",
                                 .text = "x",
                                 .html = "<p>x</p>",
                                 .message_id = "<1@shop.example>",
                                 .unsubscribe_url = "https://shop.example/u/1",
                                 .date_ms = T0};
            static const char *const fields[] = {"Subject", "From",       "To",
                                                 "To",      "Message-ID", "List-Unsubscribe"};
            switch (f) {
            case 0:
                m.subject = bad;
                break;
            case 1:
                m.from_name = bad;
                break;
            case 2:
                m.to_name = bad;
                break;
            case 3:
                m.to_addr = addr;
                break;
            case 4:
                m.message_id = mid;
                break;
            default:
                m.unsubscribe_url = url;
                break;
            }
            struct buf out;
            buf_init(&out, 0);
            struct errbuf e = {0};
            int rc = mime_build(&m, &out, &e);
            if (rc != ERR_INVALID || strcmp(e.field, fields[f]) || strstr(out.ptr, "\nBcc:") ||
                strstr(out.ptr, "\rBcc:")) {
                print_error("field %s, break %zu: rc %d field \"%s\"\n", fields[f], b, rc, e.field);
                failures++;
            }
            buf_release(&out);
        }
    }
    assert_int_equal(failures, 0);
}

/* Two builds of one message differ only in their boundary: random, so no part can guess it. */
static void test_boundary_random(void **state)
{
    (void)state;
    struct mime_msg m = {.from_name = "Shop",
                         .from_addr = "news@shop.example",
                         .to_addr = "ann@example.com",
                         .subject = "Hi",
                         .text = "x",
                         .html = "<p>x</p>",
                         .message_id = "<1@shop.example>",
                         .date_ms = T0};
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    assert_int_equal(mime_build(&m, &a, NULL), 0);
    assert_int_equal(mime_build(&m, &b, NULL), 0);
    const char *ba = strstr(a.ptr, "boundary=\""), *bb = strstr(b.ptr, "boundary=\"");
    assert_non_null(ba);
    assert_non_null(bb);
    assert_true(strcmp(ba, bb) != 0);
    buf_release(&a);
    buf_release(&b);
}

/* mime_build appends: what the buffer held stays in front. */
static void test_build_appends(void **state)
{
    (void)state;
    struct mime_msg m = {.from_name = "Shop",
                         .from_addr = "news@shop.example",
                         .to_addr = "ann@example.com",
                         .subject = "Hi",
                         .text = "x",
                         .message_id = "<1@shop.example>",
                         .date_ms = T0};
    struct buf out;
    buf_init(&out, 0);
    buf_adds(&out, "X-Before: 1\r\n");
    assert_int_equal(mime_build(&m, &out, NULL), 0);
    assert_memory_equal(out.ptr, "X-Before: 1\r\nDate: ", 19);
    buf_release(&out);
}

/* The checkers above refuse what they must, or every case would pass for nothing. */
static void test_checkers(void **state)
{
    (void)state;
    char w[WHY_MAX];
    struct buf out;
    buf_init(&out, 0);
    /* "é" split over two words: each word alone is not whole UTF-8 */
    assert_false(decode_words("=?UTF-8?B?w6nD?= =?UTF-8?B?qQ==?=", &out, true, w));
    buf_reset(&out);
    assert_true(decode_words("=?UTF-8?B?w6nD?= =?UTF-8?B?qQ==?=", &out, false, w));
    assert_string_equal(out.ptr, "éé");
    buf_reset(&out);
    assert_true(decode_words("a =?UTF-8?B?w6k=?=  =?UTF-8?B?w6k=?= b", &out, true, w));
    assert_string_equal(out.ptr, "a éé b");
    buf_reset(&out);
    static const char *const bad_qp[] = {"a \r\nb",
                                         "a\t",
                                         "=3d",
                                         "=4",
                                         "caf\xc3\xa9",
                                         "a\nb",
                                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                         "xxxxxxxxxxxxxxxxxxxxxxx"};
    for (size_t i = 0; i < sizeof bad_qp / sizeof bad_qp[0]; i++) {
        buf_reset(&out);
        assert_false(qp_decode(bad_qp[i], strlen(bad_qp[i]), &out, w));
    }
    buf_reset(&out);
    const char *good = "caf=C3=A9 =3D=\r\nx=20\r\ny";
    assert_true(qp_decode(good, strlen(good), &out, w));
    assert_string_equal(out.ptr, "café =x \r\ny");
    /* a whole message: right, then with the subject twice, then with a bare LF */
    struct mime_msg m = {.from_name = "Shop",
                         .from_addr = "news@shop.example",
                         .to_addr = "ann@example.com",
                         .subject = "Hi",
                         .text = "x",
                         .message_id = "<1@shop.example>",
                         .date_ms = T0};
    const char *msg =
        "Date: Sun, 01 Mar 2026 08:05:09 +0000\r\nFrom: \"Shop\" <news@shop.example>\r\n"
        "To: ann@example.com\r\nSubject: Hi\r\nMessage-ID: <1@shop.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nx\r\n";
    assert_true(check_message(&m, msg, strlen(msg), w));
    buf_reset(&out);
    buf_adds(&out, "Subject: Hi\r\n");
    buf_adds(&out, msg);
    assert_false(check_message(&m, out.ptr, out.len, w));
    buf_reset(&out);
    buf_adds(&out, "X-A: 1\n");
    buf_adds(&out, msg);
    assert_false(check_message(&m, out.ptr, out.len, w));
    m.subject = "Ho";
    assert_false(check_message(&m, msg, strlen(msg), w));
    buf_release(&out);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_words),    cmocka_unit_test(test_check_addr),
        cmocka_unit_test(test_build_table),     cmocka_unit_test(test_break_anywhere),
        cmocka_unit_test(test_boundary_random), cmocka_unit_test(test_build_appends),
        cmocka_unit_test(test_checkers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
