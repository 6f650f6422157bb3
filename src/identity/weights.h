/*
 * weights.h — m and u probabilities a person configures for some fields of
 * the comparison vector (issue 4: "m and u estimated from the data, with
 * optional configured weights"). A configured field is pinned: the resolve
 * pass neither measures nor estimates it.
 *
 * The INI form names a field per section and gives one probability per
 * agreement level, lowest level first (pair.h lists the levels):
 *
 *     ; a birth date is worth less here: many records have a placeholder
 *     [birth_date]
 *     m = 0.05, 0.05, 0.05, 0.85
 *     u = 0.97, 0.02, 0.005, 0.005
 *
 * Pure functions; the JSON form is what the workspace keeps (settings).
 */
#ifndef RONDO_WEIGHTS_H
#define RONDO_WEIGHTS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"
#include "identity/pair.h"
#include "identity/score.h"

struct weights {
    bool set[PAIR_NFIELDS];
    double m[PAIR_NFIELDS][FS_MAX_LEVELS], u[PAIR_NFIELDS][FS_MAX_LEVELS];
};

/*
 * Parses INI text into *w (all fields unset first). Errors (ERR_INVALID,
 * with the field as "section.key" and the reason): an unknown field or key,
 * a field given twice, not one number per level, a probability outside
 * (0, 1), m or u not summing to 1 (within 0.01), a field with m but no u,
 * or a line that is not INI.
 */
int weights_parse(struct weights *w, const char *ini_text, struct errbuf *e);

/* {"birth_date": {"m": [...], "u": [...]}, ...}: the configured fields only. */
json_t *weights_to_json(const struct weights *w);

/* The reverse; ERR_INVALID when j is not what weights_to_json writes. */
int weights_from_json(struct weights *w, const json_t *j, struct errbuf *e);

/* Pins every configured field of the model (fs_model_fix). */
void weights_apply(const struct weights *w, struct fs_model *m);

#endif
