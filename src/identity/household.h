/*
 * household.h — which profiles live together (issue 4, households).
 *
 * Profiles at the same normalised address that share a surname (phonetic),
 * a phone or an e-mail get one household id: the 360° view shows it,
 * segments and print batches (one letter per household) use it. Pure
 * functions over cleaned values; nothing is read from or written to the
 * store here.
 */
#ifndef RONDO_HOUSEHOLD_H
#define RONDO_HOUSEHOLD_H

#include <stddef.h>
#include <stdint.h>

/*
 * One profile's golden fields, cleaned (postcode normalised, phone E.164,
 * e-mail lower case). Any string may be NULL or "" for missing. Borrowed:
 * the module keeps no pointer after a call returns.
 */
struct household_rec {
    int64_t profile_id; /* > 0 */
    const char *last_name, *phone, *email;
    const char *street, *house_number, *postal_code, *country;
};

/* Bytes that always hold an address key, NUL included. */
#define HOUSEHOLD_KEY_LEN 256

/*
 * The address key of r into out (cap bytes, NUL included):
 * "<street>|<house number>|<postcode>|<country>", e.g. "kerkstr|12a/3|2000|BE".
 *   - street: key_name's words joined without spaces, the street words
 *     unified whether glued or not ("Kerkstraat", "Kerk straat",
 *     "kerkstr." -> "kerkstr"; "Av. Louise" = "Avenue Louise"), but kept,
 *     so that "Rue Royale" and "Place Royale" stay two streets;
 *   - house number: case and spaces ignored ("12a" = "12 A"), words before
 *     the first digit dropped ("nr 12"), a box kept after a '/' ("12 bus 3"
 *     = "12/3" = "12 bte 3" != "12 bus 4" != "12");
 *   - postcode without spaces, upper case; country upper case, "" when
 *     missing (so a record without a country is not at "BE" addresses).
 * Returns the key's length, or 0 (out = "") when the address is incomplete:
 * no street, no digit in the house number, or no postcode. HOUSEHOLD_KEY_LEN
 * always suffices (each part is cut to a fixed length at a UTF-8 boundary);
 * with a smaller cap the key is cut and the written length returned.
 */
size_t household_address_key(const struct household_rec *r, char *out, size_t cap);

/*
 * Households of recs[0..n): household[i] (caller's array of n) becomes the
 * smallest profile_id of recs[i]'s household, or 0 when recs[i] has no
 * usable address or nobody to share it with (a household has at least two
 * profiles). Within one address key, profiles join (transitively) when they
 * share a phonetic surname (key_phonetic; any word of a double surname:
 * "Peeters-Janssens" joins "Janssens"), the phone, or the e-mail; two
 * families at one address with different names and no shared contact stay
 * two households. Returns the number of households.
 *
 * O(n log n): records are sorted by a 64-bit hash of their address key and
 * each address is resolved by sorting its members' surname, phone and
 * e-mail hashes, never by comparing all pairs. Two addresses whose hashes
 * collide (odds about 1 in 3 * 10^7 for a million addresses) count as one;
 * their profiles still need a shared name, phone or e-mail to join.
 * Never fails (memory through xmalloc); safe from any thread.
 */
size_t household_assign(const struct household_rec *recs, size_t n, int64_t *household);

#endif
