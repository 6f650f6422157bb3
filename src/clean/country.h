/*
 * country.h — country names and codes from the ISO 3166-1 reference data that
 * clean_init() loads (the iso-codes package). For reports and letters that
 * print a country, and for rules that check a record's country.
 *
 * Both functions read the table clean_init built; they are thread-safe once
 * clean_init has returned 0, and return NULL / false before that.
 */
#ifndef RONDO_COUNTRY_H
#define RONDO_COUNTRY_H

#include <stdbool.h>

/*
 * The name of the country with ISO alpha-2 code alpha2 (any case, "BE") in
 * lang: "en", "nl", "fr" or "de" (a longer tag such as "nl-BE" or "fr_BE"
 * uses its language part). English for any other lang, for NULL, and where
 * iso-codes has no translation. Where iso-codes has a common name ("South
 * Korea" for "Korea, Republic of") that is the one returned. NULL when the
 * code is unknown. The string is static: borrowed for the process's life.
 */
const char *clean_country_name(const char *alpha2, const char *lang);

/* True when alpha2 (any case) is an ISO 3166-1 alpha-2 code. */
bool clean_country_known(const char *alpha2);

#endif
