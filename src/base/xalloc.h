/*
 * xalloc.h — allocation that cannot fail (it aborts with a message), and BUG().
 *
 * Use x* for sizes that rondo controls. Sizes that come from untrusted input
 * go through checked paths (buf's maximum, arena limits) that return
 * ERR_TOO_BIG instead of aborting.
 */
#ifndef RONDO_XALLOC_H
#define RONDO_XALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc/strdup that abort on exhaustion; caller frees. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Report an impossible state and abort. Always compiled in. */
#define BUG(...) bug_fail(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void bug_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* n * size, or 0 and returns -1 on overflow. */
int size_mul(size_t n, size_t size, size_t *out);

#endif
