/*
 * err.h — rondo's error codes and the detail buffer that travels with them.
 *
 * A function that can fail returns int: 0 on success, a negative ERR_* code on
 * failure. Callers that want to know more pass a struct errbuf, which the
 * callee fills with a human message and, when input is to blame, the name of
 * the offending field. Low-level modules never log; they fill the errbuf.
 */
#ifndef RONDO_ERR_H
#define RONDO_ERR_H

#include <stddef.h>

/* X(name, value, http status, machine code, description) */
#define ERR_TABLE(X)                                                                     \
    X(ERR_NOMEM, -1, 500, "out_of_memory", "out of memory")                             \
    X(ERR_INVALID, -2, 400, "invalid", "invalid input")                                 \
    X(ERR_TOO_BIG, -3, 413, "too_large", "input larger than the limit")                 \
    X(ERR_NOT_FOUND, -4, 404, "not_found", "not found")                                 \
    X(ERR_EXISTS, -5, 409, "conflict", "already exists")                                \
    X(ERR_IO, -6, 500, "io_error", "input/output error")                                \
    X(ERR_DB, -7, 500, "storage_error", "storage error")                                \
    X(ERR_SCHEMA_NEWER, -8, 500, "schema_newer", "database schema is newer than rondo")  \
    X(ERR_UNAUTHORIZED, -9, 401, "unauthorized", "missing or unknown credentials")      \
    X(ERR_FORBIDDEN, -10, 403, "forbidden", "credentials lack the needed role")          \
    X(ERR_BUSY, -11, 503, "unavailable", "service is shutting down or overloaded")      \
    X(ERR_DUPLICATE, -12, 200, "duplicate", "already received")                         \
    X(ERR_USAGE, -13, 400, "usage", "wrong command-line usage")                         \
    X(ERR_METHOD, -14, 405, "method_not_allowed", "method not allowed")

enum err_code {
#define ERR_ENUM(name, value, status, code, desc) name = value,
    ERR_TABLE(ERR_ENUM)
#undef ERR_ENUM
};

/* Symbolic name of an error code ("ERR_INVALID"); "ERR_UNKNOWN" for others. */
const char *err_name(int rc);

/* Short description of an error code; never NULL. */
const char *err_str(int rc);

/* Machine-readable code for API errors ("invalid", "not_found", ...). */
const char *err_code(int rc);

/* HTTP status that matches an error code; 500 for unknown codes. */
int err_http_status(int rc);

/* Details about a failure, filled by the callee. Stack-allocate and zero it. */
struct errbuf {
    char msg[512];   /* human message, NUL-terminated, "" when unset */
    char field[128]; /* offending input field ("traits.email"), "" when none */
};

/*
 * Fill e (when not NULL) with a printf-style message; returns rc so that a
 * caller can write `return err_set(e, ERR_INVALID, "...")`. Does not touch
 * e->field.
 */
int err_set(struct errbuf *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like err_set, and also records the offending field name. */
int err_field(struct errbuf *e, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reset e to "no message, no field". Accepts NULL. */
void err_clear(struct errbuf *e);

#endif
