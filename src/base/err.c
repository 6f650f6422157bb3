/*
 * err.c — the error table's lookups and errbuf formatting.
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *err_name(int rc)
{
    switch (rc) {
#define ERR_CASE(name, value, status, code, desc) \
    case value:                                   \
        return #name;
        ERR_TABLE(ERR_CASE)
#undef ERR_CASE
    }
    return "ERR_UNKNOWN";
}

const char *err_str(int rc)
{
    switch (rc) {
#define ERR_CASE(name, value, status, code, desc) \
    case value:                                   \
        return desc;
        ERR_TABLE(ERR_CASE)
#undef ERR_CASE
    }
    return "unknown error";
}

const char *err_code(int rc)
{
    switch (rc) {
#define ERR_CASE(name, value, status, code, desc) \
    case value:                                   \
        return code;
        ERR_TABLE(ERR_CASE)
#undef ERR_CASE
    }
    return "internal";
}

int err_http_status(int rc)
{
    switch (rc) {
#define ERR_CASE(name, value, status, code, desc) \
    case value:                                   \
        return status;
        ERR_TABLE(ERR_CASE)
#undef ERR_CASE
    }
    return 500;
}

int err_set(struct errbuf *e, int rc, const char *fmt, ...)
{
    if (!e)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return rc;
}

int err_field(struct errbuf *e, int rc, const char *field, const char *fmt, ...)
{
    if (!e)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    return rc;
}

void err_clear(struct errbuf *e)
{
    if (!e)
        return;
    e->msg[0] = '\0';
    e->field[0] = '\0';
}
