/*
 * page.c — the few server-rendered pages (a task's resolve page, the
 * unsubscribe confirmation, the preference centre): one plain layout, and
 * every value HTML-escaped on the way in.
 */
#include <string.h>

#include "base/buf.h"
#include "http/http.h"

/* Append text with the five characters that matter in HTML escaped. */
void http_html_add(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        case '"':
            buf_adds(b, "&quot;");
            break;
        case '\'':
            buf_adds(b, "&#39;");
            break;
        default:
            buf_addch(b, *s);
        }
    }
}

void http_page_open(struct buf *b, const char *title)
{
    buf_adds(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<meta name=\"robots\" content=\"noindex\"><title>");
    http_html_add(b, title);
    buf_adds(b, "</title><style>body{font-family:system-ui,sans-serif;max-width:36em;"
                "margin:3em auto;padding:0 1em;line-height:1.5;color:#222}"
                ".meta{color:#666;font-size:.9em}button{font-size:1.1em;padding:.5em 1.5em;"
                "border:0;border-radius:.3em;background:#2a7;color:#fff;cursor:pointer}"
                "</style></head><body><main>\n");
}

static void page_close(struct buf *b)
{
    buf_adds(b, "</main></body></html>\n");
}

void http_page_reply(struct request *r, int status, struct buf *b)
{
    page_close(b);
    http_reply_text(r, status, "text/html; charset=utf-8", b->ptr, b->len);
    buf_release(b);
}

void http_page_notice(struct request *r, int status, const char *title, const char *text)
{
    struct buf b;
    buf_init(&b, 0);
    http_page_open(&b, title);
    buf_adds(&b, "<h1>");
    http_html_add(&b, title);
    buf_adds(&b, "</h1><p>");
    http_html_add(&b, text);
    buf_adds(&b, "</p>\n");
    http_page_reply(r, status, &b);
}
