/*
 * phone.c — clean_phone(): a phone number as typed into a form or a
 * spreadsheet, to E.164 ("+32475123456").
 *
 * The text is first reduced, on the stack, to an optional "+" and digits:
 * a "tel:" prefix and the usual separators (space, - . / and parentheses)
 * go, an international "00" becomes "+", and a trunk "(0)" written after a
 * country code ("+32 (0)475 ...") is dropped. Text that cannot be a phone
 * number (no digits, letters, too few or too many digits) is refused here
 * without calling libphonenumber; the rest is parsed and validated by it
 * (phone_lib.cc) with the record's country as the region for national forms,
 * unless phone_fast.c's table of BE, NL, FR, DE, LU and UK ranges already
 * knows the number is valid (the library's answer, ~0.1 us instead of ~14).
 *
 * Fixes: "phone.international_prefix" ("00" -> "+") and "phone.trunk_prefix"
 * ("(0)" -> "") name the part rewritten; "phone.e164" holds the whole change,
 * the input as given -> the E.164 value, whenever the text changed.
 *
 * An invalid number keeps its trimmed raw text as out->value (clean.h's
 * documented exception), for `rondo check` to show; a record leaves it out of
 * the golden profile and keeps it in the raw record with the reason.
 * No mutable static state: safe from any thread.
 */
#include <string.h>

#include "base/str.h"
#include "clean/clean.h"
#include "clean/phone_fast.h"
#include "clean/phone_lib.h"

#define PHONE_MAX_INPUT 64  /* bytes, after trimming */
#define PHONE_MIN_DIGITS 4  /* no number anywhere is shorter, even without a country code */
#define PHONE_MAX_DIGITS 17 /* 15 for E.164, plus "00" or a trunk "0" */

static const char R_EMPTY[] = "the phone number is empty";
static const char R_LONG_INPUT[] = "longer than 64 characters: not a phone number";
static const char R_NO_DIGITS[] = "no digits: not a phone number";
static const char R_LETTERS[] = "letters are not part of a phone number";
static const char R_BAD_CHAR[] = "contains characters that are not part of a phone number";
static const char R_PLUS[] = "a + can only begin a phone number";
static const char R_SHORT[] = "too short to be a phone number";
static const char R_LONG[] = "too long to be a phone number";
static const char R_NO_COUNTRY[] = "no country: a national number needs the record's country";
static const char R_NO_PLAN[] = "the record's country has no known phone numbering plan";
static const char R_BAD_CODE[] = "unknown international calling code";
static const char R_NOT_NUMBER[] = "not a phone number";
static const char R_INVALID[] = "not a valid phone number for its country";
static const char R_FAILED[] = "the phone number library failed";

/* Adjectives for "not a valid <adj> number"; other regions use R_INVALID. */
static const struct {
    char region[3];
    const char *reason;
} invalid_reasons[] = {
    {"BE", "not a valid Belgian number"},    {"NL", "not a valid Dutch number"},
    {"FR", "not a valid French number"},     {"DE", "not a valid German number"},
    {"LU", "not a valid Luxembourg number"}, {"GB", "not a valid UK number"},
    {"IE", "not a valid Irish number"},      {"AT", "not a valid Austrian number"},
    {"CH", "not a valid Swiss number"},      {"IT", "not a valid Italian number"},
    {"ES", "not a valid Spanish number"},    {"PT", "not a valid Portuguese number"},
    {"DK", "not a valid Danish number"},     {"SE", "not a valid Swedish number"},
    {"NO", "not a valid Norwegian number"},  {"FI", "not a valid Finnish number"},
    {"PL", "not a valid Polish number"},     {"CZ", "not a valid Czech number"},
    {"GR", "not a valid Greek number"},      {"TR", "not a valid Turkish number"},
    {"MA", "not a valid Moroccan number"},   {"US", "not a valid North American number"},
};

/* The compact form handed to libphonenumber: "+" and digits. */
struct phone_text {
    char buf[PHONE_MAX_INPUT + 1];
    size_t len;
    int ndigits;
    bool idd;   /* began with "00", rewritten as "+" */
    bool trunk; /* a "(0)" after the country code was dropped */
};

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_letter(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_separator(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '-' || ch == '.' || ch == '/' || ch == '(' || ch == ')';
}

/* Written with a country code so far: "+3..." or "00" and a non-zero digit. */
static bool has_country_code(const struct phone_text *t)
{
    if (t->len >= 2 && t->buf[0] == '+')
        return true;
    return t->len >= 3 && t->buf[0] == '0' && t->buf[1] == '0' && t->buf[2] != '0';
}

/*
 * Reduce s to t. Returns NULL, or the reason the text cannot be a phone
 * number. Letters are reported only when there are digits, so that "n/a"
 * and "unknown" read as "no digits".
 */
static const char *phone_compact(struct str s, struct phone_text *t)
{
    bool letters = false, bad = false, plus_late = false;

    if (s.len >= 4 && str_eq_nocase(str_make(s.ptr, 4), "tel:"))
        s = str_trim(str_make(s.ptr + 4, s.len - 4));
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (is_digit(ch)) {
            t->buf[t->len++] = ch;
            t->ndigits++;
        } else if (ch == '(' && i + 2 < s.len && s.ptr[i + 1] == '0' && s.ptr[i + 2] == ')' &&
                   has_country_code(t)) {
            t->trunk = true;
            i += 2;
        } else if (ch == '+') {
            if (t->len)
                plus_late = true;
            else
                t->buf[t->len++] = ch;
        } else if (is_separator(ch)) {
            continue;
        } else if ((unsigned char)ch == 0xc2 && i + 1 < s.len &&
                   (unsigned char)s.ptr[i + 1] == 0xa0) {
            i++; /* a no-break space, as spreadsheets write them */
        } else if (is_letter(ch)) {
            letters = true;
        } else {
            bad = true;
        }
    }
    t->buf[t->len] = '\0';

    if (!t->ndigits)
        return R_NO_DIGITS;
    if (letters)
        return R_LETTERS;
    if (bad)
        return R_BAD_CHAR;
    if (plus_late)
        return R_PLUS;
    if (t->ndigits < PHONE_MIN_DIGITS)
        return R_SHORT;
    if (t->ndigits > PHONE_MAX_DIGITS)
        return R_LONG;
    if (t->buf[0] == '0' && has_country_code(t)) {
        t->buf[0] = '+';
        memmove(t->buf + 1, t->buf + 2, t->len - 1); /* with the NUL */
        t->len--;
        t->idd = true;
    }
    return NULL;
}

/* The record's country as an upper-case region, or "" when it has none. */
static void phone_region(const char *country, char region[3])
{
    region[0] = '\0';
    if (!country || !is_letter(country[0]) || !is_letter(country[1]) || country[2])
        return;
    region[0] = (char)(country[0] & ~0x20);
    region[1] = (char)(country[1] & ~0x20);
    region[2] = '\0';
}

static const char *invalid_reason(const char *region)
{
    for (size_t i = 0; i < sizeof(invalid_reasons) / sizeof(invalid_reasons[0]); i++)
        if (!strcmp(invalid_reasons[i].region, region))
            return invalid_reasons[i].reason;
    return R_INVALID;
}

static const char *status_reason(int st, const char *country, const char *number_region)
{
    switch (st) {
    case PHONE_LIB_NO_REGION:
        return country && *country ? R_NO_PLAN : R_NO_COUNTRY;
    case PHONE_LIB_BAD_COUNTRY:
        return R_BAD_CODE;
    case PHONE_LIB_TOO_SHORT:
        return R_SHORT;
    case PHONE_LIB_TOO_LONG:
        return R_LONG;
    case PHONE_LIB_INVALID:
        return invalid_reason(number_region);
    case PHONE_LIB_FAILED:
        return R_FAILED;
    default:
        return R_NOT_NUMBER;
    }
}

/* Invalid: flag it, say why, and keep the trimmed text (clean.h's exception). */
static int phone_refuse(const struct clean_ctx *c, struct str raw, const char *reason,
                        struct clean_result *out)
{
    int rc = clean_invalid(out, reason);
    out->value = arena_strndup(c->arena, raw.len ? raw.ptr : "", raw.len);
    return out->value ? rc : ERR_NOMEM;
}

static int phone_accept(const struct clean_ctx *c, const char *in, const struct phone_text *t,
                        const struct phone_lib_result *res, struct clean_result *out)
{
    int rc = 0;
    out->value = arena_strdup(c->arena, res->e164);
    if (!out->value)
        return ERR_NOMEM;
    if (res->source == PHONE_LIB_NATIONAL)
        out->flags |= CLEAN_LOCAL;
    if (t->idd)
        rc = clean_fix_add(c, out, "phone.international_prefix", "00", "+");
    if (!rc && t->trunk)
        rc = clean_fix_add(c, out, "phone.trunk_prefix", "(0)", "");
    if (!rc && strcmp(in, res->e164))
        rc = clean_fix_add(c, out, "phone.e164", in, out->value);
    return rc;
}

int clean_phone(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    clean_result_init(out);
    if (!in)
        in = "";
    struct str raw = str_trim(str_from(in));
    if (!raw.len)
        return phone_refuse(c, raw, R_EMPTY, out);
    if (raw.len > PHONE_MAX_INPUT)
        return phone_refuse(c, raw, R_LONG_INPUT, out);

    struct phone_text t = {.len = 0};
    const char *why = phone_compact(raw, &t);
    if (why)
        return phone_refuse(c, raw, why, out);

    char region[3];
    phone_region(c->country, region);
    if (t.buf[0] != '+' && !region[0])
        return phone_refuse(c, raw, c->country && *c->country ? R_NO_PLAN : R_NO_COUNTRY, out);

    struct phone_lib_result res;
    if (phone_fast_format(t.buf, t.len, region[0] ? region : NULL, &res))
        return phone_accept(c, in, &t, &res, out);
    int st = phone_lib_format(t.buf, t.len, region[0] ? region : NULL, &res);
    if (st == PHONE_LIB_OK)
        return phone_accept(c, in, &t, &res, out);
    int rc = phone_refuse(c, raw, status_reason(st, c->country, res.region), out);
    if (st == PHONE_LIB_FAILED && rc == ERR_INVALID) {
        out->flags &= ~(unsigned)CLEAN_INVALID; /* not the input's fault */
        rc = ERR_NOMEM;
    }
    return rc;
}
