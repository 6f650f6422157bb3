/*
 * compare.h — comparators for record matching (issue 4): how alike two
 * values are, each in [0, 1] or as a category, so that Fellegi-Sunter
 * scoring can turn the outcome into agreement levels.
 *
 * Inputs are UTF-8. Functions that compare names or words fold case and
 * strip accents themselves ("Dupré" = "DUPRE"). No allocation, no I/O, no
 * mutable state: safe from any thread, cheap enough for millions of pairs.
 */
#ifndef RONDO_COMPARE_H
#define RONDO_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Jaro-Winkler similarity of a and b (prefix scale 0.1, prefix up to 4),
 * on case-folded, accent-stripped code points: MARTHA/MARHTA = 0.961.
 * Two empty strings are 1.0; one empty string is 0.0.
 */
double cmp_jaro_winkler(const char *a, const char *b);

/*
 * Damerau-Levenshtein distance (optimal string alignment: adjacent
 * transpositions count 1) on case-folded, accent-stripped code points,
 * computed only up to max: returns max + 1 when the distance is larger.
 */
int cmp_damerau(const char *a, const char *b, int max);

/*
 * Token-set similarity of multi-part names ("Jan Peter van den Berg" vs
 * "Berg, Jan P."): words are folded, particles (van, de, der, den, von, le,
 * la, du, ...) and punctuation ignored, an initial matches a word it starts;
 * the score is the share of the smaller set's tokens matched in the larger
 * one (a token matches another within Jaro-Winkler 0.92).
 */
double cmp_token_set(const char *a, const char *b);

/*
 * True when two first names are the same name under a nickname or a
 * translation of our own list (Bob/Robert, Hans/Johannes/Jan/John,
 * Guillaume/William/Willem, Mieke/Maria, ...), case and accents aside.
 * Equal names are equivalent too.
 */
bool cmp_nickname(const char *a, const char *b);

/* How two dates ("YYYY-MM-DD") relate. */
enum cmp_date {
    CMP_DATE_MISSING,   /* either is absent or not a date */
    CMP_DATE_EQUAL,
    CMP_DATE_SWAPPED,   /* day and month exchanged (03-07 vs 07-03) */
    CMP_DATE_ONE_DIGIT, /* one digit differs (a typo), or two adjacent digits swapped */
    CMP_DATE_YEAR,      /* same year, otherwise different */
    CMP_DATE_DIFFERENT,
};
enum cmp_date cmp_date(const char *a, const char *b);

/* An address as the profile keeps it (any part may be NULL). */
struct cmp_address {
    const char *street, *house_number, *postal_code, *city, *country;
};

/*
 * How alike two addresses are in [0, 1]: postcode (normalised) and house
 * number must agree for a high score, the street is compared by
 * Jaro-Winkler after removing common street words ("straat", "rue",
 * "strasse"/"str.", "laan", "avenue", ...), the country must not differ.
 * 0 when either has neither street nor postcode.
 */
double cmp_address(const struct cmp_address *a, const struct cmp_address *b);

#endif
