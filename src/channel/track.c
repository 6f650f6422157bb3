/*
 * track.c — the tracked HTML of an e-mail, its signed tokens, and the bot
 * filter (track.h).
 *
 * Links are found as href="..." or href='...' attributes (the templates
 * write them; nothing else in the HTML is touched). The URL is kept as the
 * template rendered it, HTML entities and all, so the redirect goes exactly
 * where the e-mail pointed.
 */
#include "channel/track.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The first place needle occurs in hay, ignoring ASCII case; NULL when nowhere. */
static const char *find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return hay;
    return NULL;
}

void link_token(const char *secret, const char *kind, int64_t id, const char *extra, char *out,
                size_t outlen)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char num[24], hex[33];
    int n = snprintf(num, sizeof num, "%lld", (long long)id);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)kind, strlen(kind));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)num, (unsigned long long)n);
    if (extra) { /* after a separator: "12" + "3http..." never signs as "123" + "http..." */
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)extra, strlen(extra));
    }
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, 16);
    snprintf(out, outlen, "%s.%s", num, hex);
}

int64_t link_check(const char *secret, const char *kind, const char *token, const char *extra)
{
    char *end;
    long long id = strtoll(token, &end, 10);
    if (end == token || *end != '.' || id <= 0 || !secret || !*secret)
        return -1;
    char want[64];
    link_token(secret, kind, id, extra, want, sizeof want);
    size_t n = strlen(want);
    if (strlen(token) != n || sodium_memcmp(want, token, n))
        return -1;
    return id;
}

/* Percent-encoding of a URL as a query value. */
static int add_escaped(struct buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            rc = buf_addch(out, (char)c);
        else
            rc = buf_addf(out, "%%%c%c", hex[c >> 4], hex[c & 15]);
    }
    return rc;
}

/*
 * The URL a browser would follow: the attribute's HTML entities decoded
 * (&amp; &quot; &#39; &lt; &gt;), into out (NUL-terminated). Its length.
 */
static size_t unescape(const char *s, size_t n, char *out)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}};
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        while (k < sizeof ents / sizeof ents[0] &&
               (n - i < strlen(ents[k].ent) || strncmp(s + i, ents[k].ent, strlen(ents[k].ent))))
            k++;
        if (k < sizeof ents / sizeof ents[0]) {
            out[o++] = ents[k].c;
            i += strlen(ents[k].ent);
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return o;
}

static bool tracked(const char *url, size_t n, const char *base)
{
    if (n >= 7 && !strncasecmp(url, "mailto:", 7))
        return false;
    if (n >= 4 && !strncasecmp(url, "tel:", 4))
        return false;
    if (!n || url[0] == '#' || url[0] == '{')
        return false;
    size_t bl = strlen(base); /* our own links (unsubscribe, tracking) are never wrapped */
    if (n >= bl + 3 && !strncmp(url, base, bl) &&
        (!strncmp(url + bl, "/u/", 3) || !strncmp(url + bl, "/c/", 3) || !strncmp(url + bl, "/o/", 3) ||
         !strncmp(url + bl, "/p/", 3)))
        return false;
    return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

int track_html(const char *html, const char *base, const char *secret, int64_t message_id,
               struct buf *out)
{
    const char *p = html;
    int rc = 0;
    while (!rc && *p) {
        const char *h = find_nocase(p, "href=");
        if (!h) {
            rc = buf_adds(out, p);
            break;
        }
        char q = h[5];
        const char *start = h + 6, *end = (q == '"' || q == '\'') ? strchr(start, q) : NULL;
        if (!end) {
            rc = buf_add(out, p, (size_t)(h - p) + 5);
            p = h + 5;
            continue;
        }
        size_t n = (size_t)(end - start);
        rc = buf_add(out, p, (size_t)(start - p));
        if (!rc && tracked(start, n, base)) {
            char url[4096], token[64];
            size_t un = n < sizeof url ? unescape(start, n, url) : 0;
            if (!un) {
                rc = buf_add(out, start, n);
            } else {
                link_token(secret, LINK_CLICK, message_id, url, token, sizeof token);
                rc = buf_addf(out, "%s/c/%s?u=", base, token);
                if (!rc)
                    rc = add_escaped(out, url, un);
            }
        } else if (!rc) {
            rc = buf_add(out, start, n);
        }
        p = end;
    }
    if (rc)
        return rc;
    /* the open pixel, at the end of the body */
    char token[64];
    link_token(secret, LINK_OPEN, message_id, NULL, token, sizeof token);
    char pixel[700];
    snprintf(pixel, sizeof pixel,
             "<img src=\"%s/o/%s\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block\">",
             base, token);
    const char *close = find_nocase(out->ptr ? out->ptr : "", "</body>");
    if (!close)
        return buf_adds(out, pixel);
    size_t at = (size_t)(close - out->ptr);
    struct buf tail;
    buf_init(&tail, 0);
    rc = buf_adds(&tail, out->ptr + at);
    out->len = at;
    out->ptr[at] = '\0';
    if (!rc)
        rc = buf_adds(out, pixel);
    if (!rc)
        rc = buf_add(out, tail.ptr, tail.len);
    buf_release(&tail);
    return rc;
}

const char *track_filter(const char *user_agent, bool click, int64_t at, int64_t sent_at)
{
    static const char *const scanners[] = {
        "bot",       "spider",     "crawler",    "scanner",  "barracuda", "mimecast",
        "proofpoint", "safelinks", "urldefense", "messagelabs", "trendmicro", "symantec",
        "forcepoint", "fortiguard", "sophos",    "zscaler",  "curl/",      "wget/",
        "python-requests", "go-http-client", "java/", "libwww", "headlesschrome",
        "slack",     "linkpreview", "facebookexternalhit", "skypeuripreview",
    };
    if (user_agent)
        for (size_t i = 0; i < sizeof scanners / sizeof scanners[0]; i++)
            if (find_nocase(user_agent, scanners[i]))
                return "scanner";
    if (!sent_at || at < sent_at)
        return "before delivery";
    if (click && at - sent_at < TRACK_CLICK_GRACE_MS)
        return "too fast";
    return NULL;
}
