/*
 * buf.h — the one growable string type, after git's strbuf.
 *
 * A struct buf is always NUL-terminated (ptr is never NULL after buf_init)
 * and never grows past its max, so hostile input cannot make it unbounded:
 * an append that would pass max fails with ERR_TOO_BIG and leaves the buffer
 * as it was. The caller owns the struct; buf_release frees the memory.
 */
#ifndef RONDO_BUF_H
#define RONDO_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define BUF_MAX_DEFAULT ((size_t)64 << 20) /* 64 MiB */

struct buf {
    char *ptr;  /* contents, NUL-terminated; points at a static "" until first growth */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated; 0 while ptr is the static "" */
    size_t max; /* hard maximum for len */
};

/* Initialise an empty buffer with the given maximum (0: BUF_MAX_DEFAULT). */
void buf_init(struct buf *b, size_t max);

/* Free the memory and leave b empty and reusable. */
void buf_release(struct buf *b);

/* Empty the contents, keeping the allocation. */
void buf_reset(struct buf *b);

/* Make room for n more bytes. ERR_TOO_BIG when len + n would pass max. */
int buf_grow(struct buf *b, size_t n);

/* Append bytes / a C string / one char / formatted text. 0 or ERR_TOO_BIG. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Append s with JSON string escaping, without the surrounding quotes. */
int buf_add_json_escaped(struct buf *b, const char *s, size_t n);

/*
 * Append "key":"value" (both escaped) to an object being written, with the
 * comma before it unless *first, which it then clears. A NULL value adds
 * nothing.
 */
int buf_add_json_member(struct buf *b, bool *first, const char *key, const char *value);

/* Take the contents: returns a malloc'd string the caller frees; b is left empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
