/*
 * phone_lib.h — the C face of libphonenumber, for clean_phone().
 *
 * libphonenumber is C++; phone_lib.cc is the one C++ file in rondo and this
 * header is all the C side sees of it. No C++ exception crosses this line:
 * every failure, including running out of memory, comes back as a status.
 * Thread-safe: the library's PhoneNumberUtil is a read-only singleton.
 */
#ifndef RONDO_PHONE_LIB_H
#define RONDO_PHONE_LIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum phone_lib_status {
    PHONE_LIB_OK = 0,
    PHONE_LIB_NOT_A_NUMBER, /* no phone number in the text */
    PHONE_LIB_NO_REGION,    /* national form, and no (known) region to read it in */
    PHONE_LIB_BAD_COUNTRY,  /* international form with an unknown country calling code */
    PHONE_LIB_TOO_SHORT,    /* shorter than any number of its region */
    PHONE_LIB_TOO_LONG,     /* longer than any number of its region */
    PHONE_LIB_INVALID,      /* the right length, but not a number of its region */
    PHONE_LIB_FAILED,       /* the library failed (out of memory); not the input's fault */
};

/* How the input gave the country calling code. */
enum phone_lib_source {
    PHONE_LIB_NATIONAL = 0,      /* not at all: the default region was applied */
    PHONE_LIB_INTERNATIONAL,     /* "+32 ..." or the region's own international prefix */
    PHONE_LIB_CODE_WITHOUT_PLUS, /* "32 475 ..." read in region BE */
};

struct phone_lib_result {
    char e164[24];  /* "+32475123456" when PHONE_LIB_OK, else "" */
    char region[4]; /* ISO region of the number's calling code ("BE"), "" when unknown */
    int source;     /* enum phone_lib_source; meaningful when the input parsed */
};

/*
 * Load the library's metadata and silence its logging to stderr. Optional:
 * phone_lib_format() does it on first use; calling it once at start-up
 * takes that cost (a few ms) out of the first record. Thread-safe.
 * Returns 0, or -1 when the library could not be initialised.
 */
int phone_lib_init(void);

/*
 * Parse the len bytes at in (need not be NUL-terminated) as a phone number,
 * with region (ISO 3166-1 alpha-2, upper case, or NULL for none) for
 * national forms; when valid, format it as E.164. Fills *out in every case.
 * Returns an enum phone_lib_status.
 */
int phone_lib_format(const char *in, size_t len, const char *region, struct phone_lib_result *out);

#ifdef __cplusplus
}
#endif

#endif
