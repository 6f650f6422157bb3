/*
 * record.h — every cleaning rule applied to one profile record, the same way
 * for a CSV row and for a Segment identify.
 *
 * clean_record() takes the fields as given and returns the cleaned fields,
 * the identity keys, the corrections (with the field they belong to) and
 * per-field quality bits, from which the quality report is built:
 *   present    the source gave a non-empty value;
 *   valid_raw  that value was valid exactly as given;
 *   clean      a valid value survives cleaning (it may come from another
 *              field: a salutation gives a gender);
 *   corrected  the cleaned value differs from what was given.
 * A record that matches a test-record pattern gets test_reason and must be
 * quarantined, not stored.
 */
#ifndef RONDO_CLEAN_RECORD_H
#define RONDO_CLEAN_RECORD_H

#include <stdint.h>

#include "clean/clean.h"
#include "store/store.h"

/* Fields that are not golden columns but feed them or identities. */
struct clean_input {
    const char *fields[PF_COUNT]; /* as given; NULL or "" when absent */
    const char *salutation;       /* gives the gender when none is given */
    const char *email_alt;        /* a second e-mail address: an identity only */
    const char *mobile;           /* a second phone number: an identity only */
    uint32_t keep;                /* bit f: take field f as given (a user undid its correction) */
};

struct clean_record_fix {
    enum profile_field field;
    const char *rule, *before, *after;
};

struct clean_record_invalid {
    enum profile_field field;
    const char *reason;
};

#define CLEAN_RECORD_MAX_FIXES 48

struct clean_output {
    const char *fields[PF_COUNT]; /* cleaned; NULL when absent or invalid */
    const char *email_alt, *mobile;
    const char *email_key, *phone_key;         /* identity values of the golden e-mail, phone */
    const char *email_alt_key, *mobile_key;    /* and of the extra ones */
    uint32_t present, valid_raw, clean, corrected;
    const char *given[PF_COUNT]; /* corrected fields: the value as given ("" when none was) */
    unsigned email_flags; /* CLEAN_ROLE, CLEAN_DISPOSABLE */
    struct clean_record_fix fixes[CLEAN_RECORD_MAX_FIXES];
    int nfixes;
    struct clean_record_invalid invalid[PF_COUNT + 2];
    int ninvalid;
    const char *test_reason; /* non-NULL: a test record, with the pattern that matched */
    const char *test_field;
};

/* Test-record patterns: fnmatch(3) globs, case-insensitive, per field. */
struct clean_patterns {
    size_t n;
    char **field;   /* "email", "name" (first and last joined), "first_name", "last_name" */
    char **pattern;
};

/* Free a pattern set's strings (the struct itself is the caller's). */
void clean_patterns_free(struct clean_patterns *p);

/* Add one pattern (copied). ERR_INVALID for an unknown field name. */
int clean_patterns_add(struct clean_patterns *p, const char *field, const char *pattern);

/*
 * Clean one record. c->country is the source's default country, used when
 * the record has none; c->arena receives everything in out. patterns may be
 * NULL. Returns 0, or ERR_NOMEM when the arena is exhausted.
 */
int clean_record(const struct clean_ctx *c, const struct clean_patterns *patterns,
                 const struct clean_input *in, struct clean_output *out);

/* Language ("Nederlands", "FR", "nl-BE", "German") to its ISO 639-1 code ("nl"). */
int clean_language(const struct clean_ctx *c, const char *in, struct clean_result *out);

/* Street, city and house number: whitespace and all-caps / all-lower case fixed. */
int clean_address_part(const struct clean_ctx *c, const char *in, struct clean_result *out);
int clean_house_number(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * The identity value to look up for a user's search: an e-mail's key, a
 * phone's E.164 form (read in c->country), other types as given. NULL when
 * an e-mail or phone cannot be read.
 */
const char *clean_identity_value(const struct clean_ctx *c, const char *type, const char *value);

#endif
