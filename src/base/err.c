/*
 * err.c — the error table's lookups and errbuf formatting.
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

struct err_info {
    int value;
    int status;
    const char *name, *code, *desc;
};

static const struct err_info table[] = {
#define ERR_ROW(name, value, status, code, desc) {value, status, #name, code, desc},
    ERR_TABLE(ERR_ROW)
#undef ERR_ROW
};

static const struct err_info *lookup(int rc)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].value == rc)
            return &table[i];
    return NULL;
}

const char *err_name(int rc)
{
    const struct err_info *e = lookup(rc);
    return e ? e->name : "ERR_UNKNOWN";
}

const char *err_str(int rc)
{
    const struct err_info *e = lookup(rc);
    return e ? e->desc : "unknown error";
}

const char *err_code(int rc)
{
    const struct err_info *e = lookup(rc);
    return e ? e->code : "internal";
}

int err_http_status(int rc)
{
    const struct err_info *e = lookup(rc);
    return e ? e->status : 500;
}

static int fill(struct errbuf *e, int rc, const char *field, const char *fmt, va_list ap)
{
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    if (field)
        snprintf(e->field, sizeof(e->field), "%s", field);
    return rc;
}

int err_set(struct errbuf *e, int rc, const char *fmt, ...)
{
    if (!e)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    fill(e, rc, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int err_field(struct errbuf *e, int rc, const char *field, const char *fmt, ...)
{
    if (!e)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    fill(e, rc, field ? field : "", fmt, ap);
    va_end(ap);
    return rc;
}

void err_clear(struct errbuf *e)
{
    if (!e)
        return;
    e->msg[0] = '\0';
    e->field[0] = '\0';
}
