/*
 * test_clock.c — the clock: the real clock tracks the system time and refuses
 * clock_advance; the simulated clock moves only when advanced. ISO 8601
 * parsing (table-driven: Z, offsets, fractions, plain dates, leap years and
 * invalid dates such as 2026-02-30) and formatting, with parse(format(t)) == t.
 *
 * The clock is process-wide and cannot be switched back to real, so the
 * real-clock test runs first (cmocka runs the tests in the order listed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"

static void test_real_clock(void **state)
{
    (void)state;
    assert_false(clock_is_simulated());
    int64_t sys = (int64_t)time(NULL) * 1000;
    int64_t now = clock_now();
    assert_true(now >= sys - 2000 && now <= sys + 2000);
    assert_int_equal(clock_advance(1000), ERR_INVALID);
    assert_false(clock_is_simulated());
    int64_t after = clock_now();
    assert_true(after >= now && after < now + 1000); /* not moved by the refused advance */

    int64_t m1 = clock_mono_us();
    int64_t m2 = clock_mono_us();
    assert_true(m2 >= m1);
}

static void test_simulated_clock(void **state)
{
    (void)state;
    const int64_t start = 1795428000000; /* 2026-11-23T10:00:00Z */
    clock_use_simulated(start);
    assert_true(clock_is_simulated());
    assert_int_equal(clock_now(), start);
    assert_int_equal(clock_now(), start); /* does not move by itself */

    assert_int_equal(clock_advance(500), 0);
    assert_int_equal(clock_now(), start + 500);
    assert_int_equal(clock_advance(30LL * 86400 * 1000), 0); /* a 30-day journey */
    assert_int_equal(clock_now(), start + 500 + 30LL * 86400 * 1000);
    assert_int_equal(clock_advance(0), 0);
    assert_int_equal(clock_advance(-1), ERR_INVALID); /* never backwards */
    assert_int_equal(clock_now(), start + 500 + 30LL * 86400 * 1000);

    /* 0 starts the simulation at the current real time */
    int64_t sys = (int64_t)time(NULL) * 1000;
    clock_use_simulated(0);
    int64_t now = clock_now();
    assert_true(now >= sys - 2000 && now <= sys + 2000);
}

struct parse_case {
    const char *in;
    int rc;
    int64_t want;
};

#define T_2026_11_23_10 1795428000000LL /* 2026-11-23T10:00:00Z */
#define DAY 86400000LL
#define HOUR 3600000LL

static const struct parse_case parse_cases[] = {
    /* UTC and its spellings */
    {"1970-01-01T00:00:00Z", 0, 0},
    {"2026-11-23T10:00:00Z", 0, T_2026_11_23_10},
    {"2026-11-23T10:00:00z", 0, T_2026_11_23_10},
    {"2026-11-23T10:00:00+00:00", 0, T_2026_11_23_10},
    {"2026-11-23t10:00:00Z", 0, T_2026_11_23_10},
    {"2026-11-23 10:00:00Z", 0, T_2026_11_23_10},
    {"2026-11-23T10:00:00", 0, T_2026_11_23_10}, /* no zone: UTC */
    {"2026-11-23T10:00Z", 0, T_2026_11_23_10},   /* no seconds */
    /* fractions: milliseconds, fewer digits, more digits (truncated), comma */
    {"2026-11-23T10:00:00.123Z", 0, T_2026_11_23_10 + 123},
    {"2026-11-23T10:00:00.1Z", 0, T_2026_11_23_10 + 100},
    {"2026-11-23T10:00:00.12Z", 0, T_2026_11_23_10 + 120},
    {"2026-11-23T10:00:00.123456789Z", 0, T_2026_11_23_10 + 123},
    {"2026-11-23T10:00:00.999999Z", 0, T_2026_11_23_10 + 999},
    {"2026-11-23T10:00:00,5Z", 0, T_2026_11_23_10 + 500},
    /* offsets */
    {"2026-11-23T11:00:00+01:00", 0, T_2026_11_23_10},
    {"2026-11-23T11:00:00+0100", 0, T_2026_11_23_10},
    {"2026-11-23T11:00:00+01", 0, T_2026_11_23_10},
    {"2026-11-23T05:30:00-04:30", 0, T_2026_11_23_10},
    {"2026-11-24T01:00:00+15:00", 0, T_2026_11_23_10},
    {"2026-11-23T00:30:00-09:30", 0, T_2026_11_23_10},
    {"2026-11-23T11:00:00.250+01:00", 0, T_2026_11_23_10 + 250},
    /* plain dates are midnight UTC */
    {"2026-11-23", 0, T_2026_11_23_10 - 10 * HOUR},
    {"1970-01-01", 0, 0},
    {"1969-12-31", 0, -DAY},
    {"1990-05-17", 0, 642902400000LL},
    /* calendar rules */
    {"2024-02-29", 0, 1709164800000LL},
    {"2000-02-29", 0, 951782400000LL},
    {"2026-12-31T23:59:59.999Z", 0, 1798761599999LL},
    {"9999-12-31T23:59:59.999Z", 0, 253402300799999LL},
    {"1900-01-01", 0, -2208988800000LL},
    {"2026-02-30", ERR_INVALID, 0},
    {"2026-02-29", ERR_INVALID, 0},
    {"1900-02-29", ERR_INVALID, 0},
    {"2026-04-31", ERR_INVALID, 0},
    {"2026-13-01", ERR_INVALID, 0},
    {"2026-00-10", ERR_INVALID, 0},
    {"2026-11-00", ERR_INVALID, 0},
    {"2026-11-32", ERR_INVALID, 0},
    /* times out of range */
    {"2026-11-23T24:00:00Z", ERR_INVALID, 0},
    {"2026-11-23T10:60:00Z", ERR_INVALID, 0},
    {"2026-11-23T10:00:61Z", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+24:00", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+01:60", ERR_INVALID, 0},
    /* malformed */
    {"", ERR_INVALID, 0},
    {"now", ERR_INVALID, 0},
    {"2026", ERR_INVALID, 0},
    {"2026-11", ERR_INVALID, 0},
    {"26-11-23", ERR_INVALID, 0},
    {"2026-1-23", ERR_INVALID, 0},
    {"2026/11/23", ERR_INVALID, 0},
    {"23-11-2026", ERR_INVALID, 0},
    {"2026-11-23T", ERR_INVALID, 0},
    {"2026-11-23T10", ERR_INVALID, 0},
    {"2026-11-23T10:00:", ERR_INVALID, 0},
    {"2026-11-23T10:00:00.Z", ERR_INVALID, 0},
    {"2026-11-23T10:00:00ZZ", ERR_INVALID, 0},
    {"2026-11-23T10:00:00Z ", ERR_INVALID, 0},
    {" 2026-11-23", ERR_INVALID, 0},
    {"2026-11-23X", ERR_INVALID, 0},
    {"2026-11-23Z", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+1", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+01:", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+01:0", ERR_INVALID, 0},
    {"2026-11-23T10:00:00+01:00:00", ERR_INVALID, 0},
    {"2026-11-23T10:00:00 +01:00", ERR_INVALID, 0},
};

static void test_parse_table(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        int64_t ms = 0x5eed;
        int rc = time_parse_iso8601(c->in, &ms);
        if (rc != c->rc) {
            print_error("time_parse_iso8601(\"%s\") returned %d, want %d\n", c->in, rc, c->rc);
            failures++;
        } else if (!rc && ms != c->want) {
            print_error("time_parse_iso8601(\"%s\") = %lld, want %lld\n", c->in, (long long)ms,
                        (long long)c->want);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

struct format_case {
    int64_t ms;
    const char *want;
};

static const struct format_case format_cases[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {T_2026_11_23_10 + 123, "2026-11-23T10:00:00.123Z"},
    {1709164800000LL + 5, "2024-02-29T00:00:00.005Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
    {-1000, "1969-12-31T23:59:59.000Z"},
    {-1001, "1969-12-31T23:59:58.999Z"},
    {253402300799999LL, "9999-12-31T23:59:59.999Z"},
};

static void test_format_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
        char out[32];
        time_format_iso8601(format_cases[i].ms, out, sizeof(out));
        assert_string_equal(out, format_cases[i].want);
    }
}

static void test_format_round_trip(void **state)
{
    (void)state;
    /* Every millisecond value formats to text that parses back to itself. */
    static const int64_t values[] = {0, 1, 999, 1000, -1, -999, -1000, -86400001,
                                     T_2026_11_23_10, T_2026_11_23_10 + 59999,
                                     951782400000LL - 1, 951782400000LL + DAY - 1,
                                     4102444800000LL, 253402300799999LL, -2208988800000LL};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char out[32];
        int64_t back = 0;
        time_format_iso8601(values[i], out, sizeof(out));
        assert_int_equal(strlen(out), 24);
        if (time_parse_iso8601(out, &back) != 0 || back != values[i])
            fail_msg("%lld formats as %s, which parses back as %lld", (long long)values[i], out,
                     (long long)back);
    }
    /* and a sweep over hours and days of a leap year */
    for (int64_t t = 1704067200000LL; t < 1704067200000LL + 366 * DAY; t += 7 * HOUR + 1234) {
        char out[32];
        int64_t back = 0;
        time_format_iso8601(t, out, sizeof(out));
        assert_int_equal(time_parse_iso8601(out, &back), 0);
        assert_int_equal(back, t);
    }
}

static void test_format_small_buffer(void **state)
{
    (void)state;
    /* a short buffer is truncated and NUL-terminated, never overrun */
    char out[11];
    memset(out, 'x', sizeof(out));
    time_format_iso8601(T_2026_11_23_10, out, sizeof(out));
    assert_string_equal(out, "2026-11-23");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_clock), /* first: the clock cannot go back to real */
        cmocka_unit_test(test_simulated_clock),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_small_buffer),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
