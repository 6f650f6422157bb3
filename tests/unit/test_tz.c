/*
 * test_tz.c — time zones: offsets on both sides of the European and American
 * daylight-saving changes, a zone without DST, UTC and unknown names,
 * wall-clock times in a spring gap and an autumn overlap, and names that try
 * to leave tzdata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/tz.h"

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(time_parse_iso8601(iso, &ms), 0);
    return ms;
}

static void test_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *zone, *when;
        int32_t offset;
    } rows[] = {
        {"UTC", "2026-07-01T12:00:00Z", 0},
        {"", "2026-07-01T12:00:00Z", 0},
        {"Europe/Brussels", "2026-01-15T12:00:00Z", 3600},
        {"Europe/Brussels", "2026-07-15T12:00:00Z", 7200},
        /* 2026-03-29 01:00 UTC: Europe moves to summer time */
        {"Europe/Brussels", "2026-03-29T00:59:59Z", 3600},
        {"Europe/Brussels", "2026-03-29T01:00:00Z", 7200},
        /* 2026-10-25 01:00 UTC: back to winter time */
        {"Europe/Brussels", "2026-10-25T00:59:59Z", 7200},
        {"Europe/Brussels", "2026-10-25T01:00:00Z", 3600},
        {"America/New_York", "2026-01-15T12:00:00Z", -18000},
        {"America/New_York", "2026-07-15T12:00:00Z", -14400},
        {"Asia/Kolkata", "2026-07-15T12:00:00Z", 19800},
        {"Australia/Sydney", "2026-01-15T12:00:00Z", 39600},
        {"No/Such_Zone", "2026-07-15T12:00:00Z", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int32_t got = tz_offset_at(rows[i].zone, at(rows[i].when));
        if (got != rows[i].offset)
            fail_msg("%s at %s: %d, expected %d", rows[i].zone, rows[i].when, got,
                     rows[i].offset);
    }
}

static void test_check(void **state)
{
    (void)state;
    struct errbuf eb;
    err_clear(&eb);
    assert_int_equal(tz_check("Europe/Brussels", &eb), 0);
    assert_int_equal(tz_check("UTC", &eb), 0);
    assert_int_equal(tz_check("America/Argentina/Buenos_Aires", &eb), 0);
    static const char *bad[] = {"No/Such_Zone", "Europe/Brussels ", "/etc/passwd",
                                "../../etc/passwd", "Europe/../../etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&eb);
        assert_int_equal(tz_check(bad[i], &eb), ERR_INVALID);
        assert_string_equal(eb.field, "timezone");
        assert_non_null(strstr(eb.msg, "not a known time zone"));
    }
}

static void test_to_utc(void **state)
{
    (void)state;
    /* an ordinary summer morning: 09:00 in Brussels is 07:00 UTC */
    assert_true(tz_to_utc("Europe/Brussels", at("2026-07-15T09:00:00Z")) ==
                at("2026-07-15T07:00:00Z"));
    assert_true(tz_to_utc("America/New_York", at("2026-01-15T09:00:00Z")) ==
                at("2026-01-15T14:00:00Z"));
    /* 02:30 on 29 March does not exist in Brussels: read as 03:30 (01:30 UTC) */
    assert_true(tz_to_utc("Europe/Brussels", at("2026-03-29T02:30:00Z")) ==
                at("2026-03-29T01:30:00Z"));
    /* 02:30 on 25 October happens twice: the first time, still summer time */
    assert_true(tz_to_utc("Europe/Brussels", at("2026-10-25T02:30:00Z")) ==
                at("2026-10-25T00:30:00Z"));
    assert_true(tz_to_utc("UTC", at("2026-10-25T02:30:00Z")) == at("2026-10-25T02:30:00Z"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_to_utc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
