/*
 * clock.h — the one source of time for all of rondo.
 *
 * Time is int64 milliseconds since the Unix epoch (UTC). The clock is real by
 * default; tests and demos switch to a simulated clock that only moves when
 * clock_advance() is called, so a 30-day journey runs in milliseconds.
 * Thread-safe.
 */
#ifndef RONDO_CLOCK_H
#define RONDO_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Current time in ms since the epoch, real or simulated. */
int64_t clock_now(void);

/* Switch to a simulated clock starting at start_ms (0: the current real time). */
void clock_use_simulated(int64_t start_ms);

/* True when the clock is simulated. */
bool clock_is_simulated(void);

/* Move a simulated clock forward by ms (>= 0). ERR_INVALID on a real clock. */
int clock_advance(int64_t ms);

/* Monotonic time in microseconds, for measuring durations (never simulated). */
int64_t clock_mono_us(void);

/*
 * Parse an ISO 8601 / RFC 3339 timestamp ("2026-11-23T10:00:00.123Z",
 * "+01:00" offsets, or a plain date "2026-11-23" as midnight UTC) to ms.
 * Returns 0 or ERR_INVALID.
 */
int time_parse_iso8601(const char *s, int64_t *out_ms);

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's algorithms): calendar arithmetic without time zones.
 */
int64_t clock_days_from_civil(int64_t y, int m, int d);
void clock_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Format ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (at least 25 bytes). */
void time_format_iso8601(int64_t ms, char *out, size_t outlen);

#endif
