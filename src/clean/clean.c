/*
 * clean.c — what the cleaning rules share: results, fixes, reference data.
 */
#include "clean/clean.h"

#include <string.h>

void clean_result_init(struct clean_result *r)
{
    memset(r, 0, sizeof(*r));
}

int clean_fix_add(const struct clean_ctx *c, struct clean_result *r, const char *rule,
                  const char *before, const char *after)
{
    if (r->nfixes >= CLEAN_MAX_FIXES)
        return 0;
    struct clean_fix *f = &r->fixes[r->nfixes];
    f->rule = rule;
    f->before = arena_strdup(c->arena, before ? before : "");
    f->after = arena_strdup(c->arena, after ? after : "");
    if (!f->before || !f->after)
        return ERR_NOMEM;
    r->nfixes++;
    return 0;
}

int clean_invalid(struct clean_result *r, const char *reason)
{
    r->flags |= CLEAN_INVALID;
    r->value = NULL;
    r->reason = reason;
    return ERR_INVALID;
}
