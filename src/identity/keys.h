/*
 * keys.h — normalised match keys and blocking keys (issue 4).
 *
 * Blocking puts records that might be the same person into the same bucket
 * so that only pairs within a bucket are compared: comparisons grow about
 * linearly with the data. A record has several keys (one per rule), so that
 * a typo in one field does not hide the pair from every bucket.
 */
#ifndef RONDO_KEYS_H
#define RONDO_KEYS_H

#include <stddef.h>

/*
 * A name folded for comparison: lower case, accents stripped, particles and
 * punctuation removed, spaces collapsed ("Van den Broeck-Dupré" ->
 * "broeck dupre"). Writes at most cap bytes with the NUL; returns the length.
 */
size_t key_name(const char *in, char *out, size_t cap);

/*
 * A phonetic code of a (sur)name, our own for Dutch, French, German and
 * English spellings: equal for spellings that sound alike ("Janssens",
 * "Jansens", "Janssen"; "Meyer", "Meijer", "Maier"; "Dupré", "Dupree";
 * "Claes", "Klaas"; "Peeters", "Pieters", "Peters"), different for
 * different names. At most 8 characters. Returns the length.
 */
size_t key_phonetic(const char *in, char *out, size_t cap);

/* The fields blocking reads (cleaned values; any may be NULL). */
struct key_record {
    const char *first_name, *last_name, *birth_date, *email, *phone;
    const char *street, *house_number, *postal_code, *country, *city;
};

#define KEY_MAX 8   /* blocking keys per record */
#define KEY_LEN 96  /* bytes per key, NUL included */

/*
 * The record's blocking keys, each prefixed with its rule so that keys of
 * different rules never meet: "pb:" phonetic surname + birth date,
 * "pn:" postcode + phonetic surname + first initial, "sh:" normalised street + house number
 * + postcode, "sc:" the same street and number + the folded city (a record
 * without its postcode still meets its twin), "el:" the e-mail's local part
 * (when not a role account and at least 4 characters), "ph:" the phone's
 * last 8 digits. A rule whose fields are missing gives no key. Returns the
 * number of keys written.
 *
 * (Surname + birth year and postcode + first initial, the first rules, made
 * buckets of hundreds at a million persons: 57M of 66M candidate pairs, for
 * no recall that the other rules do not give.)
 */
int key_blocking(const struct key_record *r, char keys[KEY_MAX][KEY_LEN]);

#endif
