/*
 * phone_lib.cc — the extern "C" bridge from clean_phone() to libphonenumber.
 *
 * The only C++ in rondo. Everything the library can throw is caught here and
 * turned into PHONE_LIB_FAILED, so no exception unwinds through C frames.
 * The PhoneNumberUtil singleton is created once (a function-local static,
 * which C++11 initialises thread-safely) with a null logger installed, so
 * the library never writes to stderr; after that it is only read.
 */
#include "clean/phone_lib.h"

#include <cstring>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

const PhoneNumberUtil *util()
{
    static const PhoneNumberUtil *const u = [] {
        PhoneNumberUtil *p = PhoneNumberUtil::GetInstance();
        p->SetLogger(new NullLogger()); /* the library takes ownership */
        return p;
    }();
    return u;
}

/* Copy a short std::string into a fixed C buffer, truncating, NUL-terminated. */
void copy_out(const std::string &s, char *dst, size_t cap)
{
    size_t n = s.size() < cap - 1 ? s.size() : cap - 1;
    memcpy(dst, s.data(), n);
    dst[n] = '\0';
}

int status_of_parse_error(PhoneNumberUtil::ErrorType err, bool international)
{
    switch (err) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
        return PHONE_LIB_OK;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
        return international ? PHONE_LIB_BAD_COUNTRY : PHONE_LIB_NO_REGION;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
        return PHONE_LIB_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG_NSN:
        return PHONE_LIB_TOO_LONG;
    case PhoneNumberUtil::NOT_A_NUMBER:
        break;
    }
    return PHONE_LIB_NOT_A_NUMBER;
}

int source_of(const PhoneNumber &n)
{
    switch (n.country_code_source()) {
    case PhoneNumber::FROM_NUMBER_WITH_PLUS_SIGN:
    case PhoneNumber::FROM_NUMBER_WITH_IDD:
        return PHONE_LIB_INTERNATIONAL;
    case PhoneNumber::FROM_NUMBER_WITHOUT_PLUS_SIGN:
        return PHONE_LIB_CODE_WITHOUT_PLUS;
    default:
        return PHONE_LIB_NATIONAL;
    }
}

/* Why a parsed number is not valid: its length, or its digits. */
int status_of_invalid(const PhoneNumberUtil *u, const PhoneNumber &n)
{
    switch (u->IsPossibleNumberWithReason(n)) {
    case PhoneNumberUtil::TOO_SHORT:
        return PHONE_LIB_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG:
        return PHONE_LIB_TOO_LONG;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
        return PHONE_LIB_BAD_COUNTRY;
    default:
        return PHONE_LIB_INVALID;
    }
}

int format(const char *in, size_t len, const char *region, struct phone_lib_result *out)
{
    const PhoneNumberUtil *u = util();
    const std::string text(in, len);
    const std::string reg(region && *region ? region : "ZZ");
    bool international = len > 0 && in[0] == '+';
    PhoneNumber n;

    int st = status_of_parse_error(u->ParseAndKeepRawInput(text, reg, &n), international);
    if (st != PHONE_LIB_OK)
        return st;
    out->source = source_of(n);

    std::string s;
    u->GetRegionCodeForCountryCode(n.country_code(), &s);
    if (s != "ZZ" && s != "001")
        copy_out(s, out->region, sizeof(out->region));
    if (!u->IsValidNumber(n))
        return status_of_invalid(u, n);

    s.clear();
    u->Format(n, PhoneNumberUtil::E164, &s);
    if (s.size() >= sizeof(out->e164))
        return PHONE_LIB_TOO_LONG; /* E.164 has at most 15 digits: cannot happen */
    copy_out(s, out->e164, sizeof(out->e164));
    return PHONE_LIB_OK;
}

} /* namespace */

extern "C" int phone_lib_init(void)
{
    try {
        return util() ? 0 : -1;
    } catch (...) {
        return -1;
    }
}

extern "C" int phone_lib_format(const char *in, size_t len, const char *region,
                                struct phone_lib_result *out)
{
    out->e164[0] = '\0';
    out->region[0] = '\0';
    out->source = PHONE_LIB_NATIONAL;
    try {
        int st = format(in, len, region, out);
        if (st != PHONE_LIB_OK)
            out->e164[0] = '\0';
        return st;
    } catch (...) {
        out->e164[0] = '\0';
        return PHONE_LIB_FAILED;
    }
}
