/*
 * clock.c — real and simulated clocks, and ISO 8601 conversion.
 *
 * The simulated time lives in an atomic so any thread may read it while an
 * API call advances it.
 */
#include "base/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"

static atomic_bool simulated;
static _Atomic int64_t sim_ms;

static int64_t real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now(void)
{
    return atomic_load(&simulated) ? atomic_load(&sim_ms) : real_now();
}

void clock_use_simulated(int64_t start_ms)
{
    atomic_store(&sim_ms, start_ms ? start_ms : real_now());
    atomic_store(&simulated, true);
}

bool clock_is_simulated(void)
{
    return atomic_load(&simulated);
}

int clock_advance(int64_t ms)
{
    if (!atomic_load(&simulated) || ms < 0)
        return ERR_INVALID;
    atomic_fetch_add(&sim_ms, ms);
    return 0;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void clock_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int time_parse_iso8601(const char *s, int64_t *out_ms)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return ERR_INVALID;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return ERR_INVALID;
    int64_t offset_min = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return ERR_INVALID;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &se))
                return ERR_INVALID;
            if (*p == '.' || *p == ',') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9') {
                    if (n < 3)
                        ms = ms * 10 + (*p - '0');
                    n++;
                    p++;
                }
                if (n == 0)
                    return ERR_INVALID;
                for (; n < 3; n++)
                    ms *= 10;
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return ERR_INVALID;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (digits(&p, 2, &oh))
                return ERR_INVALID;
            if (*p == ':') {
                /* "+01:" is not an offset: after the colon the minutes are required */
                p++;
                if (digits(&p, 2, &om))
                    return ERR_INVALID;
            } else if (*p && digits(&p, 2, &om)) {
                return ERR_INVALID;
            }
            if (oh > 23 || om > 59)
                return ERR_INVALID;
            offset_min = sign * (oh * 60 + om);
        }
    }
    if (*p)
        return ERR_INVALID;
    int64_t secs = clock_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *out_ms = (secs - offset_min * 60) * 1000 + ms;
    return 0;
}

void time_format_iso8601(int64_t ms, char *out, size_t outlen)
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int msec = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
}
