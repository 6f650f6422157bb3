/*
 * phone_fast.h — a table-driven shortcut in front of libphonenumber for the
 * numbers rondo's customers mostly hold: Belgian, Dutch, French, German,
 * Luxembourg and UK mobile, geographic and common non-geographic numbers.
 *
 * It answers only "valid, and here is its E.164 form", and only when its
 * table of numbering-plan facts makes that certain; anything else (a prefix
 * or length not in the table, another country, a national form of another
 * region) is "don't know", and the caller asks phone_lib_format(). Its table
 * is a subset of what libphonenumber 8.12 calls valid, so the two never
 * disagree where it answers. Pure function of its arguments: thread-safe.
 */
#ifndef RONDO_PHONE_FAST_H
#define RONDO_PHONE_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include "clean/phone_lib.h"

/*
 * The len bytes at in (need not be NUL-terminated) are the compact text
 * clean_phone() hands to phone_lib_format(): an optional leading "+" and
 * digits. region is the record's region (upper-case alpha-2) or NULL, used
 * for national forms. When the number is certainly valid, fills *out
 * exactly as phone_lib_format() would (e164, region of the calling code,
 * source) and returns true. Returns false, leaving *out untouched, when it
 * cannot be sure: the number may be valid or not.
 */
bool phone_fast_format(const char *in, size_t len, const char *region,
                       struct phone_lib_result *out);

#endif
