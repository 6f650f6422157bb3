/*
 * pair.h — the comparison vector of two records (issue 4): for each field
 * that matching looks at, how well the two records agree, as a small
 * agreement level that Fellegi-Sunter scoring (score.h) weighs. Also the
 * conflict rule that keeps clustering from chaining two different people
 * together whatever their score.
 *
 * Pure functions over borrowed strings: no allocation, no I/O, no mutable
 * state, safe from any thread.
 */
#ifndef RONDO_PAIR_H
#define RONDO_PAIR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The cleaned fields of a record that matching reads; any may be NULL (or
 * empty), which makes the field missing. All borrowed.
 */
struct match_rec {
    const char *first_name, *last_name;
    const char *gender;     /* "female", "male", "other" (clean_gender) */
    const char *birth_date; /* YYYY-MM-DD */
    const char *email;      /* the e-mail identity key */
    const char *phone;      /* E.164, "+32475123456" */
    const char *street, *house_number, *postal_code, *city, *country;
    /*
     * Optional, for speed: the names as key_name folds them and the
     * surname's key_phonetic code, computed once per record rather than at
     * every comparison. NULL: computed when needed. Must agree with the
     * names when set.
     */
    const char *first_key, *last_key, *last_code;
};

/* The compared fields, in the order of the comparison vector. */
enum pair_field {
    PAIR_FIRST_NAME,
    PAIR_LAST_NAME,
    PAIR_BIRTH_DATE,
    PAIR_GENDER,
    PAIR_EMAIL,
    PAIR_PHONE,
    PAIR_ADDRESS,
    PAIR_NFIELDS
};

/* A field missing on either side: it contributes nothing to the score. */
#define PAIR_MISSING (-1)

/*
 * Agreement levels per field, higher = closer. Names are folded (case,
 * accents, punctuation; particles for last names) before comparing.
 *   first name: 0 different; 1 similar (Jaro-Winkler >= 0.88, one an
 *               initial the other starts with or both the same initial, or
 *               every word of the shorter in the longer, "J. P." / "Jan Peter");
 *               2 nickname or translation (Bob / Robert) of the whole
 *               names, or of the first words when one has one word and the
 *               other several ("Jan" / "Jan Peter", not "Jan Willem" /
 *               "Jan Peter"); 3 exact
 *   (When both names differ but first and last are swapped, one of the two
 *   exact and the other at least similar, the crossed levels count.)
 *   last name:  0 different; 1 phonetic code equal, Jaro-Winkler >= 0.90,
 *               or every word of the shorter in the longer ("Peeters" /
 *               "Peeters-Janssens"); 2 exact
 *   birth date: 0 different; 1 same year or one digit off; 2 day and month
 *               swapped; 3 exact
 *   gender:     0 different; 1 equal (female/f, male/m, other/x; any other
 *               value, "unknown" say, is missing)
 *   email:      0 different; 1 same local part (dots and +tag aside, at least
 *               4 characters, not a role account like info@), on another
 *               domain or the same; 2 exact (case aside). A shared local part
 *               made of either record's own names (jan.peeters, j.peeters,
 *               peetersjan) is missing: it repeats the names, already weighed,
 *               and many people share it.
 *   phone:      0 different; 1 same last 7 digits; 2 exact (digits)
 *   address:    0 different; 1 cmp_address >= 0.6; 2 cmp_address >= 0.95.
 *               Missing unless each side has a street or a postcode and
 *               both have a postcode, both a city or both a street.
 */
#define PAIR_FIRST_SIMILAR 0.88
#define PAIR_LAST_SIMILAR 0.90
#define PAIR_ADDRESS_NEAR 0.6
#define PAIR_ADDRESS_SAME 0.95

/* The number of levels of each field (missing aside): {4, 3, 4, 2, 3, 3, 3}. */
extern const int pair_nlevels[PAIR_NFIELDS];

/* The field's name ("first_name", ...), for explanations and logs; "?" when out of range. */
const char *pair_field_name(int field);

/*
 * A short name of a field's level ("nickname", "swapped", "missing"), for
 * `rondo explain`; "?" when out of range. Static strings.
 */
const char *pair_level_name(int field, int level);

/* Fills out[f] with the agreement level of field f, or PAIR_MISSING. */
void pair_compare(const struct match_rec *a, const struct match_rec *b, int8_t out[PAIR_NFIELDS]);

/*
 * Whether a and b clearly are two people, so that no score may merge them
 * (issue 4 §3, households and chains):
 *   - both birth dates are valid and cmp_date says DIFFERENT or YEAR (same
 *     year, otherwise unrelated). A swapped day/month or a one-digit typo is
 *     no conflict; or
 *   - one is "female" and the other "male" (another value such as "other"
 *     is no conflict: a declared gender may change), and both first names
 *     are present and at level 0 (neither similar, nickname nor equal).
 *     A different gender with the same first name is taken for a data error.
 * A missing field never makes a conflict.
 */
bool pair_conflict(const struct match_rec *a, const struct match_rec *b);

#endif
