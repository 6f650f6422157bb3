/*
 * test_metrics.c — the Prometheus exposition: counters by route and status,
 * cumulative histogram buckets, the ingestion counters and the queue gauge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/metrics.h"

/* The value on the line that starts with prefix, or -1. */
static double value_of(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);
    while (p && *p) {
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static void test_requests_by_route_and_status(void **state)
{
    (void)state;
    metrics_request(RT_V1_TRACK, 200, 300);
    metrics_request(RT_V1_TRACK, 200, 700);
    metrics_request(RT_V1_TRACK, 400, 100);
    metrics_request(RT_V1_TRACK, 418, 100); /* an unlisted status is counted as "other" */
    struct buf b;
    buf_init(&b, 0);
    metrics_render(&b, 7);
    assert_true(value_of(b.ptr, "rondo_http_requests_total{route=\"/v1/track\",status=\"200\"}") == 2);
    assert_true(value_of(b.ptr, "rondo_http_requests_total{route=\"/v1/track\",status=\"400\"}") == 1);
    assert_true(value_of(b.ptr, "rondo_http_requests_total{route=\"/v1/track\",status=\"other\"}") == 1);
    /* routes never used are not listed */
    assert_null(strstr(b.ptr, "route=\"/v1/alias\""));
    assert_true(value_of(b.ptr, "rondo_write_queue_depth") == 7);
    assert_non_null(strstr(b.ptr, "# TYPE rondo_http_requests_total counter\n"));
    buf_release(&b);
}

static void test_histograms_are_cumulative(void **state)
{
    (void)state;
    metrics_commit(NULL, 200, 3);     /* <= 0.25 ms */
    metrics_commit(NULL, 3000, 5);    /* <= 5 ms */
    metrics_commit(NULL, 9000000, 1); /* beyond every bound */
    struct buf b;
    buf_init(&b, 0);
    metrics_render(&b, 0);
    assert_true(value_of(b.ptr, "rondo_commit_duration_seconds_bucket{le=\"0.00025\"}") == 1);
    assert_true(value_of(b.ptr, "rondo_commit_duration_seconds_bucket{le=\"0.0025\"}") == 1);
    assert_true(value_of(b.ptr, "rondo_commit_duration_seconds_bucket{le=\"0.005\"}") == 2);
    assert_true(value_of(b.ptr, "rondo_commit_duration_seconds_bucket{le=\"1\"}") == 2);
    assert_true(value_of(b.ptr, "rondo_commit_duration_seconds_bucket{le=\"+Inf\"}") == 3);
    assert_true(value_of(b.ptr, "rondo_commit_duration_seconds_count") == 3);
    double sum = value_of(b.ptr, "rondo_commit_duration_seconds_sum");
    assert_true(sum > 9.003 && sum < 9.0033);
    assert_true(value_of(b.ptr, "rondo_commit_jobs_total") == 9);
    buf_release(&b);
}

static void test_ingestion_counters(void **state)
{
    (void)state;
    metrics_ingested(98, 1, 2);
    metrics_ingested(2, 0, 0);
    struct buf b;
    buf_init(&b, 0);
    metrics_render(&b, 0);
    assert_true(value_of(b.ptr, "rondo_events_ingested_total") == 100);
    assert_true(value_of(b.ptr, "rondo_events_duplicate_total") == 1);
    assert_true(value_of(b.ptr, "rondo_events_quarantined_total") == 2);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_by_route_and_status),
        cmocka_unit_test(test_histograms_are_cumulative),
        cmocka_unit_test(test_ingestion_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
