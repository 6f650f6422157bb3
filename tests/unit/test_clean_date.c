/*
 * test_clean_date.c — the date rules, table-driven with a fixed "now"
 * (2026-11-23T10:00:00Z): ISO dates with and without a time, numeric dates
 * in either day/month order (the locale decides only when both orders give a
 * date; the possible one wins otherwise), two-digit years, YYYYMMDD, month
 * names in English, Dutch, French and German, impossible dates with the
 * reason (leap years: 2000 is one, 1900 is not), Excel serial numbers, and
 * the birth-date rule's limits (not in the future, at most 120 years ago,
 * two-digit years never in the future). Each row names the fixes expected,
 * in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clean/clean.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z */

#define AMB CLEAN_AMBIGUOUS
#define ORDER "date.locale_order date.format"
#define CENTURY_ORDER "date.century date.locale_order date.format"

struct date_case {
    const char *in;
    const char *locale;
    bool birth;         /* clean_birth_date rather than clean_date */
    const char *want;   /* "YYYY-MM-DD", or NULL when invalid */
    unsigned flags;     /* besides CLEAN_INVALID */
    const char *fixes;  /* the fix rules in order, space-separated; NULL for none */
    const char *reason; /* when invalid */
};

static const struct date_case cases[] = {
    /* ISO, with and without a time of day */
    {"1985-03-07", NULL, false, "1985-03-07", 0, NULL, NULL},
    {"1985-03-07T10:00:00Z", NULL, false, "1985-03-07", 0, "date.time_dropped", NULL},
    {"1985-03-07T23:30:00.250+01:00", NULL, false, "1985-03-07", 0, "date.time_dropped", NULL},
    {"1985-03-07T103000", NULL, false, "1985-03-07", 0, "date.time_dropped", NULL},
    {"1985-03-07 10:00", NULL, false, "1985-03-07", 0, "date.time_dropped", NULL},
    {"1985-03-07 00:00:00.000", NULL, false, "1985-03-07", 0, "date.time_dropped", NULL},
    {" 1985-03-07 ", NULL, false, "1985-03-07", 0, "date.format", NULL},
    {"1985-3-7", NULL, false, "1985-03-07", 0, "date.format", NULL},
    {"1985/03/07", "en-US", false, "1985-03-07", 0, "date.format", NULL},
    {"1985.03.07", NULL, false, "1985-03-07", 0, "date.format", NULL},
    {"19850307", NULL, false, "1985-03-07", 0, "date.format", NULL},
    {"2000-02-29", NULL, false, "2000-02-29", 0, NULL, NULL},
    {"1900-02-29", NULL, false, NULL, 0, NULL, "day 29 does not exist in February 1900"},
    {"1985-02-31", NULL, false, NULL, 0, NULL, "day 31 does not exist in February 1985"},
    {"1985-13-01", NULL, false, NULL, 0, NULL, "month 13 does not exist"},
    {"1985-00-10", NULL, false, NULL, 0, NULL, "month 0 does not exist"},
    {"19851307", NULL, false, NULL, 0, NULL, "month 13 does not exist"},
    {"0985-03-07", NULL, false, NULL, 0, NULL, "year 985 is out of range"},
    {"0000-00-00", NULL, false, NULL, 0, NULL, "the date is all zeros, a placeholder for no date"},
    {"1985-03-07T10", NULL, false, NULL, 0, NULL, "the time after the date is not valid"},
    {"1985-03-07T25:00:00Z", NULL, false, NULL, 0, NULL, "the time after the date is not valid"},
    {"1985-03-07 10:00 Europe", NULL, false, NULL, 0, NULL, "the time after the date is not valid"},

    /* numeric, day and month both possible: the locale decides */
    {"07/03/1985", "nl", false, "1985-03-07", AMB, ORDER, NULL},
    {"07/03/1985", "fr-BE", false, "1985-03-07", AMB, ORDER, NULL},
    {"07/03/1985", "en", false, "1985-03-07", AMB, ORDER, NULL},
    {"07/03/1985", NULL, false, "1985-03-07", AMB, ORDER, NULL},
    {"07/03/1985", "en-US", false, "1985-07-03", AMB, ORDER, NULL},
    {"07/03/1985", "en_US", false, "1985-07-03", AMB, ORDER, NULL},
    {"7/3/1985", "nl", false, "1985-03-07", AMB, ORDER, NULL},
    {"07-03-1985", "nl", false, "1985-03-07", AMB, ORDER, NULL},
    {"07.03.1985", "de", false, "1985-03-07", AMB, ORDER, NULL},
    {"7. 3. 1985", "de", false, "1985-03-07", AMB, ORDER, NULL},
    {"07 03 1985", "nl", false, "1985-03-07", AMB, ORDER, NULL},
    {"07031985", "nl", false, "1985-03-07", AMB, ORDER, NULL},
    {"03/03/1985", "nl", false, "1985-03-03", 0, "date.format", NULL}, /* same either way */
    {"07/03/1985 10:00", "nl", false, "1985-03-07", AMB, "date.time_dropped " ORDER, NULL},

    /* only one order gives a date: it wins, whatever the locale */
    {"13/02/1985", "nl", false, "1985-02-13", 0, "date.format", NULL},
    {"13/02/1985", "en-US", false, "1985-02-13", 0, "date.day_month_swapped date.format", NULL},
    {"02/13/1985", "en-US", false, "1985-02-13", 0, "date.format", NULL},
    {"02/13/1985", "nl", false, "1985-02-13", 0, "date.day_month_swapped date.format", NULL},
    {"29/02/2000", "nl", false, "2000-02-29", 0, "date.format", NULL},
    {"31/12/1999", "en-US", false, "1999-12-31", 0, "date.day_month_swapped date.format", NULL},

    /* impossible numeric dates */
    {"29/02/1900", "nl", false, NULL, 0, NULL, "day 29 does not exist in February 1900"},
    {"29/02/2023", "nl", false, NULL, 0, NULL, "day 29 does not exist in February 2023"},
    {"31/02/1985", "nl", false, NULL, 0, NULL, "day 31 does not exist in February 1985"},
    {"02/31/1985", "en-US", false, NULL, 0, NULL, "day 31 does not exist in February 1985"},
    {"02/30/1985", "nl", false, NULL, 0, NULL, "day 30 does not exist in February 1985"},
    {"31/04/1985", "nl", false, NULL, 0, NULL, "day 31 does not exist in April 1985"},
    {"13/13/1985", "nl", false, NULL, 0, NULL, "month 13 does not exist"},
    {"00/01/1985", "nl", false, NULL, 0, NULL, "day 0 does not exist in January 1985"},

    /* two-digit years: 00-69 are 2000s, 70-99 1900s */
    {"07-03-85", "nl", false, "1985-03-07", AMB, CENTURY_ORDER, NULL},
    {"07-03-05", "nl", false, "2005-03-07", AMB, CENTURY_ORDER, NULL},
    {"07-03-69", "nl", false, "2069-03-07", AMB, CENTURY_ORDER, NULL},
    {"07-03-70", "nl", false, "1970-03-07", AMB, CENTURY_ORDER, NULL},
    {"31/12/99", "nl", false, "1999-12-31", 0, "date.century date.format", NULL},
    {"03/07/85", "en-US", false, "1985-03-07", AMB, CENTURY_ORDER, NULL},
    {"01-01-30", "nl", false, "2030-01-01", 0, "date.century date.format", NULL},

    /* month names: Dutch */
    {"7 maart 1985", "nl", false, "1985-03-07", 0, "date.format", NULL},
    {"7 mrt 1985", "nl", false, "1985-03-07", 0, "date.format", NULL},
    {"7 mrt. 1985", "nl", false, "1985-03-07", 0, "date.format", NULL},
    {"7 MAART 1985", "nl", false, "1985-03-07", 0, "date.format", NULL},
    {"donderdag 7 maart 1985", "nl", false, "1985-03-07", 0, "date.format", NULL},
    {"3 mei 1999", "nl", false, "1999-05-03", 0, "date.format", NULL},
    {"3 okt 1999", "nl", false, "1999-10-03", 0, "date.format", NULL},
    {"7e maart 1985", "nl", false, "1985-03-07", 0, "date.format", NULL},
    /* French */
    {"7 mars 1985", "fr", false, "1985-03-07", 0, "date.format", NULL},
    {"le 7 mars 1985", "fr", false, "1985-03-07", 0, "date.format", NULL},
    {"1er mars 1985", "fr", false, "1985-03-01", 0, "date.format", NULL},
    {"jeudi 7 mars 1985", "fr", false, "1985-03-07", 0, "date.format", NULL},
    {"15 août 2001", "fr", false, "2001-08-15", 0, "date.format", NULL},
    {"15 AOUT 2001", "fr", false, "2001-08-15", 0, "date.format", NULL},
    {"1 févr. 2001", "fr", false, "2001-02-01", 0, "date.format", NULL},
    {"3 décembre 1999", "fr", false, "1999-12-03", 0, "date.format", NULL},
    {"3 juil. 1999", "fr", false, "1999-07-03", 0, "date.format", NULL},
    {"7 mars 85", "fr", false, "1985-03-07", 0, "date.century date.format", NULL},
    /* German */
    {"7. März 1985", "de", false, "1985-03-07", 0, "date.format", NULL},
    {"7 Maerz 1985", "de", false, "1985-03-07", 0, "date.format", NULL},
    {"7. MÄRZ 1985", "de", false, "1985-03-07", 0, "date.format", NULL},
    {"7. Mär. 1985", "de", false, "1985-03-07", 0, "date.format", NULL},
    {"Donnerstag, 7. März 1985", "de", false, "1985-03-07", 0, "date.format", NULL},
    {"am 7. März 1985", "de", false, "1985-03-07", 0, "date.format", NULL},
    {"3. Dezember 1999", "de", false, "1999-12-03", 0, "date.format", NULL},
    {"3. Jänner 1999", "de", false, "1999-01-03", 0, "date.format", NULL},
    /* English */
    {"March 7, 1985", "en", false, "1985-03-07", 0, "date.format", NULL},
    {"7 March 1985", "en", false, "1985-03-07", 0, "date.format", NULL},
    {"Mar 7 1985", "en-US", false, "1985-03-07", 0, "date.format", NULL},
    {"7-Mar-1985", NULL, false, "1985-03-07", 0, "date.format", NULL},
    {"07-MAR-85", NULL, false, "1985-03-07", 0, "date.century date.format", NULL},
    {"Thursday 7 March 1985", "en", false, "1985-03-07", 0, "date.format", NULL},
    {"Thursday, March 7th, 1985", "en", false, "1985-03-07", 0, "date.format", NULL},
    {"the 7th of March 1985", "en", false, "1985-03-07", 0, "date.format", NULL},
    {"1985 March 7", "en", false, "1985-03-07", 0, "date.format", NULL},
    {"March 7, 1985 10:30 AM", "en", false, "1985-03-07", 0, "date.time_dropped date.format", NULL},
    {"12 March 2025", "en-US", false, "2025-03-12", 0, "date.format", NULL}, /* never ambiguous */
    /* month names, refused */
    {"31 février 1985", "fr", false, NULL, 0, NULL, "day 31 does not exist in February 1985"},
    {"29 Feb 2023", "en", false, NULL, 0, NULL, "day 29 does not exist in February 2023"},
    {"29 Feb 2024", "en", false, "2024-02-29", 0, "date.format", NULL},
    {"7 March", "en", false, NULL, 0, NULL, "the date has no year"},
    {"March 1985", "en", false, NULL, 0, NULL, "the date has no day"},
    {"7 Marchh 1985", "en", false, NULL, 0, NULL, "unrecognised word \"Marchh\" in the date"},
    {"7 March May 1985", "en", false, NULL, 0, NULL, "the date has two month names"},

    /* Excel serials and other non-dates */
    {"31113", NULL, false, NULL, 0, NULL,
     "31113 looks like an Excel serial number, not a date; export the column as text"},
    {"31113.5", NULL, false, NULL, 0, NULL,
     "31113 looks like an Excel serial number, not a date; export the column as text"},
    {"1985", NULL, false, NULL, 0, NULL, "1985 is a year, not a date"},
    {"", NULL, false, NULL, 0, NULL, "date is empty"},
    {"   ", NULL, false, NULL, 0, NULL, "date is empty"},
    {"hello", NULL, false, NULL, 0, NULL, "unrecognised word \"hello\" in the date"},
    {"07/03", "nl", false, NULL, 0, NULL, "the date has no year"},
    {"03/1985", "nl", false, NULL, 0, NULL, "the date has no day"},
    {"07/03-1985", "nl", false, NULL, 0, NULL, "the date mixes separators"},
    {"7/3/985", "nl", false, NULL, 0, NULL, "the year must have 2 or 4 digits, not 3"},
    {"1985-03-07-01", NULL, false, NULL, 0, NULL, "unrecognised date"},
    {"07/03/1985 @", "nl", false, NULL, 0, NULL, "unexpected character \"@\" in the date"},
    {"123456789012", NULL, false, NULL, 0, NULL, "unrecognised date"},
    {"7 mars 1985\xff", "fr", false, NULL, 0, NULL, "the date is not valid UTF-8"},

    /* birth dates; now is 2026-11-23 */
    {"1985-03-07", "nl", true, "1985-03-07", 0, NULL, NULL},
    {"07-03-85", "nl", true, "1985-03-07", AMB, CENTURY_ORDER, NULL},
    {"07-03-20", "nl", true, "2020-03-07", AMB, CENTURY_ORDER, NULL},
    {"23-11-26", "nl", true, "2026-11-23", 0, "date.century date.format", NULL}, /* today */
    {"24-11-26", "nl", true, "1926-11-24", 0, "date.century date.format", NULL}, /* not 2026 */
    {"01-01-30", "nl", true, "1930-01-01", 0, "date.century date.format", NULL},
    {"7 mars 85", "fr", true, "1985-03-07", 0, "date.century date.format", NULL},
    {"2026-11-23", "nl", true, "2026-11-23", 0, NULL, NULL},
    {"2026-11-24", "nl", true, NULL, 0, NULL, "birth date is in the future"},
    {"1 janvier 2030", "fr", true, NULL, 0, NULL, "birth date is in the future"},
    {"1906-11-23", "nl", true, "1906-11-23", 0, NULL, NULL}, /* exactly 120 years */
    {"1906-11-22", "nl", true, NULL, 0, NULL, "birth date is more than 120 years ago"},
    {"1850-01-01", "nl", true, NULL, 0, NULL, "birth date is more than 120 years ago"},
    {"31/02/1985", "nl", true, NULL, 0, NULL, "day 31 does not exist in February 1985"},
    {"31113", "nl", true, NULL, 0, NULL,
     "31113 looks like an Excel serial number, not a date; export the column as text"},
};

/* The rules of r's fixes, space-separated, into buf. */
static const char *fix_list(const struct clean_result *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < r->nfixes && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", r->fixes[i].rule);
    return r->nfixes ? buf : "(none)";
}

static int check_case(const struct date_case *k, struct arena *a)
{
    struct clean_ctx ctx = {.country = NULL, .locale = k->locale, .now = NOW, .arena = a};
    struct clean_result r;
    int rc = k->birth ? clean_birth_date(&ctx, k->in, &r) : clean_date(&ctx, k->in, &r);
    const char *got = r.value ? r.value : "(null)";
    const char *want = k->want ? k->want : "(null)";
    char fixes[256];
    const char *got_fixes = fix_list(&r, fixes, sizeof(fixes));
    const char *want_fixes = k->fixes ? k->fixes : "(none)";
    const char *what = k->birth ? "clean_birth_date" : "clean_date";

    if (rc != (k->want ? 0 : ERR_INVALID) || strcmp(got, want) != 0) {
        print_error("%s(\"%s\", %s) = %s (rc %d, reason: %s), want %s\n", what, k->in,
                    k->locale ? k->locale : "-", got, rc, r.reason ? r.reason : "-", want);
        return 1;
    }
    if (k->want && strcmp(got_fixes, want_fixes) != 0) {
        print_error("%s(\"%s\", %s): fixes %s, want %s\n", what, k->in, k->locale ? k->locale : "-",
                    got_fixes, want_fixes);
        return 1;
    }
    unsigned want_flags = k->flags | (k->want ? 0 : CLEAN_INVALID);
    if (r.flags != want_flags) {
        print_error("%s(\"%s\", %s): flags %#x, want %#x\n", what, k->in,
                    k->locale ? k->locale : "-", r.flags, want_flags);
        return 1;
    }
    if (!k->want && (!r.reason || strcmp(r.reason, k->reason) != 0)) {
        print_error("%s(\"%s\"): reason \"%s\", want \"%s\"\n", what, k->in,
                    r.reason ? r.reason : "-", k->reason);
        return 1;
    }
    return 0;
}

static void test_date_table(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        failures += check_case(&cases[i], &a);
    arena_release(&a);
    assert_int_equal(failures, 0);
}

static void test_date_fix_values(void **state)
{
    (void)state;
    /* what a user sees to undo: the input before, the ISO date after */
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.locale = "nl", .now = NOW, .arena = &a};
    struct clean_result r;
    assert_int_equal(clean_date(&ctx, "07-03-85", &r), 0);
    assert_int_equal(r.nfixes, 3);
    assert_string_equal(r.fixes[0].rule, "date.century");
    assert_string_equal(r.fixes[0].before, "85");
    assert_string_equal(r.fixes[0].after, "1985");
    assert_string_equal(r.fixes[1].before, "07-03-85");
    assert_string_equal(r.fixes[1].after, "1985-03-07");
    assert_string_equal(r.fixes[2].rule, "date.format");
    assert_string_equal(r.fixes[2].before, "07-03-85");
    assert_string_equal(r.fixes[2].after, "1985-03-07");

    assert_int_equal(clean_date(&ctx, "1985-03-07T10:00:00Z", &r), 0);
    assert_int_equal(r.nfixes, 1);
    assert_string_equal(r.fixes[0].before, "1985-03-07T10:00:00Z");
    assert_string_equal(r.fixes[0].after, "1985-03-07");

    /* an invalid date has no value and no fixes */
    assert_int_equal(clean_date(&ctx, "31/02/85", &r), ERR_INVALID);
    assert_null(r.value);
    assert_int_equal(r.nfixes, 0);
    arena_release(&a);
}

static void test_date_limits(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.locale = "nl", .now = NOW, .arena = &a};
    struct clean_result r;
    char in[202];
    memset(in, '1', sizeof(in) - 1);
    in[sizeof(in) - 1] = '\0';
    assert_int_equal(clean_date(&ctx, in, &r), ERR_INVALID);
    assert_string_equal(r.reason, "date is longer than 200 bytes");
    assert_int_equal(clean_date(&ctx, NULL, &r), ERR_INVALID);
    assert_string_equal(r.reason, "date is empty");

    /* a leap day's birthday 120 years on: 2024-02-29 minus 120 years */
    ctx.now = 1709164800000LL; /* 2024-02-29 */
    assert_int_equal(clean_birth_date(&ctx, "1904-02-29", &r), 0);
    assert_int_equal(clean_birth_date(&ctx, "1904-02-28", &r), ERR_INVALID);
    assert_int_equal(clean_birth_date(&ctx, "2024-02-29", &r), 0);
    assert_int_equal(clean_birth_date(&ctx, "2024-03-01", &r), ERR_INVALID);
    /* every day of a leap year and a common year round-trips through dd/mm/yyyy */
    static const int years[] = {2000, 1900, 2023, 2024};
    for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= 31; d++) {
                char buf[40], want[40];
                snprintf(buf, sizeof(buf), "%d.%d.%d", d, m, years[y]);
                snprintf(want, sizeof(want), "%04d-%02d-%02d", years[y], m, d);
                int rc = clean_date(&ctx, buf, &r);
                static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
                bool leap = years[y] % 4 == 0 && (years[y] % 100 || years[y] % 400 == 0);
                bool exists = d <= mdays[m - 1] + (m == 2 && leap);
                if (exists ? rc || strcmp(r.value, want) : rc != ERR_INVALID)
                    fail_msg("clean_date(\"%s\") = %d %s", buf, rc, r.value ? r.value : "-");
            }
        }
    }
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_table),
        cmocka_unit_test(test_date_fix_values),
        cmocka_unit_test(test_date_limits),
    };
    return cmocka_run_group_tests_name("clean_date", tests, NULL, NULL);
}
