/*
 * tz.h — IANA time zones ("Europe/Brussels"): the offset from UTC at a given
 * moment, daylight saving included, read from the system's tzdata through
 * GLib's GTimeZone (thread-safe, no change to the process's TZ).
 *
 * Zones are looked up once and kept for the life of the process (there are
 * about 600 names; a cache of at most TZ_MAX zones). "UTC" and "" need no
 * tzdata. Thread-safe.
 */
#ifndef RONDO_TZ_H
#define RONDO_TZ_H

#include <stdbool.h>
#include <stdint.h>

struct errbuf;

#define TZ_MAX 64

/*
 * Whether name is a known IANA zone (or "UTC"). On failure ERR_INVALID with
 * the reason in eb (field "timezone").
 */
int tz_check(const char *name, struct errbuf *eb);

/*
 * The offset in seconds east of UTC that zone name has at the moment at_ms.
 * An unknown or NULL name is UTC (0): callers check names when they are set.
 */
int32_t tz_offset_at(const char *name, int64_t at_ms);

/*
 * The UTC moment (ms) of the local wall-clock time local_ms (ms since
 * 1970-01-01 00:00 as read on a clock in zone name). A local time skipped by
 * a spring-forward gap is moved forward by the gap (02:30 becomes 03:30);
 * one that occurs twice (autumn) is its first occurrence.
 */
int64_t tz_to_utc(const char *name, int64_t local_ms);

#endif
