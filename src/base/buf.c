/*
 * buf.c — growable NUL-terminated buffer with a hard maximum.
 *
 * Invariant: ptr[len] == '\0' at all times, and len <= max.
 */
#include "base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/xalloc.h"

static char buf_empty[1];

void buf_init(struct buf *b, size_t max)
{
    b->ptr = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : BUF_MAX_DEFAULT;
}

void buf_release(struct buf *b)
{
    if (b->cap)
        free(b->ptr);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->ptr[0] = '\0';
}

int buf_grow(struct buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return ERR_TOO_BIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap * 2;
    if (b->cap) {
        b->ptr = xrealloc(b->ptr, cap);
    } else {
        b->ptr = xmalloc(cap);
        b->ptr[0] = '\0';
    }
    b->cap = cap;
    return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
    int rc = buf_grow(b, n);
    if (rc)
        return rc;
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0)
        return ERR_INVALID;
    if ((size_t)n < sizeof(small))
        return buf_add(b, small, (size_t)n);
    int rc = buf_grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_add_json_escaped(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0, len0 = b->len;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = buf_add(b, s + start, i - start);
        start = i + 1;
        if (rc)
            break;
        switch (c) {
        case '"': rc = buf_adds(b, "\\\""); break;
        case '\\': rc = buf_adds(b, "\\\\"); break;
        case '\n': rc = buf_adds(b, "\\n"); break;
        case '\r': rc = buf_adds(b, "\\r"); break;
        case '\t': rc = buf_adds(b, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            rc = buf_add(b, u, 6);
        }
        }
    }
    if (!rc)
        rc = buf_add(b, s + start, n - start);
    if (rc) {
        /* Like every append: a refused one leaves the buffer as it was. */
        b->len = len0;
        b->ptr[len0] = '\0';
    }
    return rc;
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p = b->cap ? b->ptr : xstrdup("");
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}

int buf_add_json_member(struct buf *b, bool *first, const char *key, const char *value)
{
    if (!value)
        return 0;
    int rc = buf_adds(b, *first ? "\"" : ",\"");
    *first = false;
    if (!rc)
        rc = buf_add_json_escaped(b, key, strlen(key));
    if (!rc)
        rc = buf_adds(b, "\":\"");
    if (!rc)
        rc = buf_add_json_escaped(b, value, strlen(value));
    return rc ? rc : buf_addch(b, '"');
}
