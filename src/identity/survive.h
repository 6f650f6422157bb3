/*
 * survive.h — survivorship (issue 4): which of a profile's raw records gives
 * each golden field, by a rule per field.
 *
 * Rules:
 *   most_recent      the value of the record received last;
 *   source_priority  the value of the first listed source that has one;
 *                    sources not listed come after the listed ones;
 *   most_complete    the value of the record with the most fields filled
 *                    (a full CRM record beats a half-empty app signup),
 *                    then the longer value;
 *   most_frequent    the value most records share, compared after trimming
 *                    and ignoring case (Unicode simple lower case); one of
 *                    the records' own strings is returned.
 * Only records that have the field (not NULL, not blank) take part. Every
 * remaining tie is broken the same way, so the choice never depends on the
 * order of the records: the field's source list (listed sources in order,
 * then the rest), then the newest received_at, then the highest raw_id.
 * Source names compare exactly (case matters).
 *
 * The address is a block. The anchor is street or, when no record has one,
 * postal_code, then city, then country; its rule picks a record R. Every
 * other address field (street, house_number, postal_code, city, country)
 * that R has comes from R. One that R lacks comes, by that field's own rule,
 * from the records whose anchor value equals R's (same comparison as
 * most_frequent), and stays empty when none of them has it: the golden
 * address never joins two different addresses. (With no anchor at all, a
 * lone house_number follows its own rule.)
 *
 * Defaults (survive_rules_default): most_recent for every field, except
 * first_name, last_name, gender and birth_date: source_priority crm, store,
 * webshop, app; and email: source_priority webshop, app, crm, store. The
 * fields on most_recent also list crm, store, webshop, app, for their ties.
 *
 * The rules are a plain struct the caller owns; nothing here keeps state,
 * so every function is thread-safe.
 */
#ifndef RONDO_SURVIVE_H
#define RONDO_SURVIVE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

enum survive_rule {
    SURVIVE_MOST_RECENT,
    SURVIVE_SOURCE_PRIORITY,
    SURVIVE_MOST_COMPLETE,
    SURVIVE_MOST_FREQUENT,
};

#define SURVIVE_MAX_SOURCES 8 /* sources listed per field */
#define SURVIVE_SOURCE_LEN 64 /* bytes of a source name, NUL included */

struct survive_field_rule {
    enum survive_rule rule;
    int nsources;
    char sources[SURVIVE_MAX_SOURCES][SURVIVE_SOURCE_LEN]; /* distinct, non-empty */
};

struct survive_rules {
    struct survive_field_rule field[PF_COUNT];
};

/* The rule's name in INI and JSON ("most_recent"); BUG for a value outside the enum. */
const char *survive_rule_name(enum survive_rule rule);

/* The defaults above. */
void survive_rules_default(struct survive_rules *r);

/*
 * Rules from INI text:
 *
 *   [default]
 *   rule = most_recent
 *   sources = crm, store, webshop, app
 *   [first_name]
 *   rule = source_priority
 *   sources = crm, store
 *
 * Sections are "default" and the profile field names; keys are "rule" and
 * "sources" (comma-separated, at most SURVIVE_MAX_SOURCES distinct names of
 * at most SURVIVE_SOURCE_LEN - 1 bytes; may be empty). A field's own
 * section wins over [default] key by key, wherever the sections stand;
 * what neither sets keeps its default. Unknown sections, keys or rules, a
 * bad source list, a malformed line or one over inih's limit (198 bytes):
 * ERR_INVALID, e naming the first bad line, its section and key (e->field
 * "first_name.rule"). A section without keys is not looked at. ini_text is
 * borrowed; *r is written only on success.
 */
int survive_rules_parse(struct survive_rules *r, const char *ini_text, struct errbuf *e);

/*
 * The rules as a JSON object, every field present:
 * {"first_name": {"rule": "source_priority", "sources": ["crm", "store"]}, ...}.
 * Caller decrefs.
 */
json_t *survive_rules_to_json(const struct survive_rules *r);

/*
 * Rules from the JSON of survive_rules_to_json. Fields left out keep their
 * default, and so do "rule" or "sources" left out of a field's object.
 * Unknown fields, keys or rules, wrong types, a bad source list:
 * ERR_INVALID, e naming the field ("email.sources"). j is borrowed; *r is
 * written only on success.
 */
int survive_rules_from_json(struct survive_rules *r, json_t *j, struct errbuf *e);

/* One raw record of a profile, as survivorship reads it; every pointer is borrowed. */
struct survive_rec {
    int64_t raw_id;
    const char *source;         /* NULL ranks like an unlisted source */
    int64_t received_at;        /* ms since the epoch */
    const char *vals[PF_COUNT]; /* cleaned values; NULL, "" or blank = missing */
};

/*
 * For every field, golden[f] is the chosen value (borrowed: it points into
 * recs[i].vals[f], valid as long as that string is) and from[f] the raw_id
 * of its record; NULL and 0 when no record gives one. n may be 0.
 * most_frequent takes time quadratic in n; the other rules linear.
 */
void survive_choose(const struct survive_rules *r, const struct survive_rec *recs, size_t n,
                    const char *golden[PF_COUNT], int64_t from[PF_COUNT]);

#endif
