/*
 * manage.h — scenarios as the API and the CLI change and show them: one
 * place that validates a request, saves it, and says what went wrong with
 * the field from the top of the request body.
 *
 * Bodies: {"name": "...", "definition": {trigger, nodes, edges, ...}}.
 * Each function writes through the store (the caller holds the transaction).
 */
#ifndef RONDO_SCENARIO_MANAGE_H
#define RONDO_SCENARIO_MANAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

/* A new scenario, a draft at version 1. ERR_INVALID (the field), ERR_EXISTS (name taken). */
int sc_create(struct store *s, const json_t *body, int64_t now, int64_t *id, struct errbuf *e);

/* A new name and/or version; runs already started finish on theirs. ERR_NOT_FOUND when unknown or archived. */
int sc_update(struct store *s, int64_t id, const json_t *body, int64_t now, int64_t *version,
              struct errbuf *e);

/*
 * action: activate (validated against the workspace again), pause (runs
 * wait where they are), archive (for good: unfinished runs end as
 * "archived"). ERR_NOT_FOUND, ERR_INVALID.
 */
int sc_set_status(struct store *s, int64_t id, const char *action, int64_t now,
                  struct errbuf *e);

/* {id, name, status, version, definition, created_at, updated_at[, counts]}. Caller decrefs. */
int sc_show(struct store *s, int64_t id, bool counts, json_t **out, struct errbuf *e);

/* [{id, name, status, version, trigger, updated_at}], archived ones too when asked. */
int sc_list(struct store *s, bool with_archived, json_t **out, struct errbuf *e);

#endif
