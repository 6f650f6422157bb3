/*
 * clean.h — the cleaning rules that every profile record passes, whatever
 * path it arrived by (CSV import, Segment identify, the consent API).
 *
 * One function per rule. A rule takes one raw value and a context (the
 * record's country and the source's locale), and fills a clean_result: the
 * normalised value, the corrections it made (each with the value before and
 * after, so a user can see and undo them), flags, and when the value cannot
 * be made valid, the reason. Rules do no I/O at call time (reference data is
 * loaded once by clean_init) and allocate only from the context's arena.
 *
 * Return value: 0 when the result is valid (possibly corrected), ERR_INVALID
 * when it is not; then out->reason says why, out->flags has CLEAN_INVALID
 * and out->value is NULL, except where a rule documents that it keeps the
 * raw value (phone).
 */
#ifndef RONDO_CLEAN_H
#define RONDO_CLEAN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

enum clean_flag {
    CLEAN_INVALID = 1 << 0,     /* could not be made valid */
    CLEAN_ROLE = 1 << 1,        /* e-mail: role account (info@, noreply@, ...) */
    CLEAN_DISPOSABLE = 1 << 2,  /* e-mail: disposable-address domain */
    CLEAN_SWAPPED = 1 << 3,     /* name: first and last name were swapped */
    CLEAN_AMBIGUOUS = 1 << 4,   /* date: day/month order decided by the locale */
    CLEAN_LOCAL = 1 << 5,       /* phone: written in national form, region applied */
};

/* One change a rule made. rule is a static name such as "email.typo_domain". */
struct clean_fix {
    const char *rule;
    const char *before;
    const char *after;
};

#define CLEAN_MAX_FIXES 8

struct clean_result {
    const char *value;  /* normalised value (arena or static); NULL when invalid */
    unsigned flags;     /* enum clean_flag */
    const char *reason; /* when invalid: a human reason ("day 31 does not exist in February") */
    struct clean_fix fixes[CLEAN_MAX_FIXES];
    int nfixes;
};

struct clean_ctx {
    const char *country; /* ISO 3166-1 alpha-2 of the record ("BE"), or NULL */
    const char *locale;  /* the source's locale: "nl", "fr", "de", "en", "en-US", ... or NULL */
    int64_t now;         /* ms since the epoch, for plausibility of birth dates */
    struct arena *arena; /* results are allocated here */
};

/* Zero a result before a rule fills it. */
void clean_result_init(struct clean_result *r);

/*
 * Record a fix (before -> after, both copied into the arena) unless the
 * list is full. Used by the rules; returns 0 or ERR_NOMEM.
 */
int clean_fix_add(const struct clean_ctx *c, struct clean_result *r, const char *rule,
                  const char *before, const char *after);

/* Mark r invalid with a reason (static text or arena); returns ERR_INVALID. */
int clean_invalid(struct clean_result *r, const char *reason);

/*
 * Load reference data (ISO 3166 country names from the iso-codes package).
 * Called once at start-up, before any thread uses the rules; safe to call
 * again. Returns 0, or ERR_IO with e saying what is missing.
 */
int clean_init(struct errbuf *e);

/* ---- the rules ---------------------------------------------------------- */

/*
 * E-mail: trims, checks syntax by RFC 5321/5322's practical rules (dot-atom
 * local part, at most 64 + 255 octets), converts an internationalised domain
 * to its A-label form through libidn2, lower-cases the domain, corrects
 * typo domains ("gmial.com" -> "gmail.com", recorded as email.typo_domain),
 * and flags role accounts and disposable domains.
 */
int clean_email(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * Phone: to E.164 ("+32475123456") with the context's country as the region
 * for national forms. An invalid number is flagged CLEAN_INVALID and kept
 * raw: out->value is the trimmed input, the return is ERR_INVALID.
 */
int clean_phone(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * Country: English, Dutch, French and German names, ISO alpha-2 and alpha-3
 * codes and common typos, to the ISO 3166-1 alpha-2 code ("BE").
 */
int clean_country(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * Date: ISO 8601, dd/mm/yyyy, dd-mm-yy, yyyymmdd, "3 maart 1985", "March 3,
 * 1985", ... to "YYYY-MM-DD". Day/month ambiguity is resolved by the locale
 * (month first only for en-US). Impossible dates are refused with the reason.
 */
int clean_date(const struct clean_ctx *c, const char *in, struct clean_result *out);

/* A birth date: clean_date, then refused when in the future or over 120 years ago. */
int clean_birth_date(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * One name part (first or last): whitespace collapsed, case fixed
 * ("ANN" -> "Ann", "DE SMET" -> "De Smet"), particles kept lower-case where
 * the locale writes them so ("van der Berg" in nl, "Van der Berg" in be).
 */
int clean_name(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * First and last name detected as swapped: when last is a known first name
 * and first is not, *first and *last are exchanged, a fix name.swapped is
 * recorded and CLEAN_SWAPPED set. Returns 0.
 */
int clean_name_swap(const struct clean_ctx *c, const char **first, const char **last,
                    struct clean_result *out);

/* Salutation ("Mevrouw", "Mme", "Herr", "Mr.") to gender "female" or "male". */
int clean_salutation(const struct clean_ctx *c, const char *in, struct clean_result *out);

/* Gender ("F", "V", "vrouw", "homme", "male", ...) to "female", "male" or "other". */
int clean_gender(const struct clean_ctx *c, const char *in, struct clean_result *out);

/*
 * Postal code by the context's country format (BE, NL, FR, DE, LU, GB and a
 * lenient rule for others): "1234ab" -> "1234 AB" (NL), "sw1a1aa" -> "SW1A 1AA".
 */
int clean_postcode(const struct clean_ctx *c, const char *in, struct clean_result *out);

#endif
