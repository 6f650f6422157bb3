/*
 * metrics.c — fixed arrays of atomic counters, rendered in the Prometheus
 * text exposition format (version 0.0.4).
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdio.h>

static const char *const route_names[RT_COUNT] = {
    "/healthz", "/metrics",
    "/v1/identify", "/v1/track", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch",
    "/api/v1/profiles/{id}", "/api/v1/profiles", "/api/v1/profiles/{id}/consents/{channel}",
    "/api/v1/profiles/{id}/consents/history", "/api/v1/quarantine", "/api/v1/quality",
    "/api/v1/profiles/{id}/unmerge", "/api/v1/profiles/{id}/explain", "/api/v1/matches",
    "/api/v1/matches/{id}/accept", "/api/v1/matches/{id}/reject",
    "/api/v1/segments", "/api/v1/segments/{id}", "/api/v1/segments/{id}/count",
    "/api/v1/segments/{id}/members", "/api/v1/segments/{id}/shifts", "/api/v1/segments/preview",
    "/api/v1/scenarios", "/api/v1/scenarios/{id}", "/api/v1/scenarios/validate",
    "/api/v1/scenarios/{id}/activate", "/api/v1/scenarios/{id}/pause",
    "/api/v1/scenarios/{id}/archive", "/api/v1/scenarios/{id}/enter",
    "/api/v1/scenarios/{id}/runs", "/api/v1/runs/{id}", "/api/v1/profiles/{id}/runs",
    "/api/v1/templates", "/api/v1/templates/{name}", "/api/v1/messages", "/api/v1/tasks",
    "/t/{token}", "/api/v1/clock", "/api/v1/clock/advance", "/u/{token}", "/api/v1/messages/{id}", "/o/{token}", "/c/{token}", "/p/{token}", "/api/v1/templates/{name}/preview", "/api/v1/channels/{channel}/status",
    "/api/v1/letters", "/api/v1/letters/batches", "/api/v1/calls", "/api/v1/calls/{id}/outcome",
    "other",
};

static const int status_codes[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 500, 503};
#define NSTATUS (sizeof(status_codes) / sizeof(status_codes[0]))

/* Upper bounds in microseconds. */
static const int64_t latency_bounds[] = {250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                         100000, 250000, 500000, 1000000};
#define NBUCKETS (sizeof(latency_bounds) / sizeof(latency_bounds[0]))

struct histogram {
    atomic_uint_fast64_t buckets[NBUCKETS + 1];
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_us;
};

static atomic_uint_fast64_t requests[RT_COUNT][NSTATUS + 1];
static struct histogram request_latency[RT_COUNT];
static struct histogram commit_latency;
static atomic_uint_fast64_t commit_jobs;
static atomic_uint_fast64_t events_stored, events_duplicate, events_quarantined;

const char *metrics_route_name(enum route_id r)
{
    return (unsigned)r < RT_COUNT ? route_names[r] : "other";
}

static void observe(struct histogram *h, int64_t usec)
{
    size_t i = 0;
    while (i < NBUCKETS && usec > latency_bounds[i])
        i++;
    atomic_fetch_add(&h->buckets[i], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_us, (uint_fast64_t)(usec > 0 ? usec : 0));
}

void metrics_request(enum route_id r, int status, int64_t usec)
{
    size_t slot = NSTATUS;
    for (size_t i = 0; i < NSTATUS; i++)
        if (status_codes[i] == status)
            slot = i;
    if ((unsigned)r >= RT_COUNT)
        r = RT_NOT_FOUND;
    atomic_fetch_add(&requests[r][slot], 1);
    observe(&request_latency[r], usec);
}

void metrics_ingested(size_t stored, size_t duplicates, size_t quarantined)
{
    atomic_fetch_add(&events_stored, stored);
    atomic_fetch_add(&events_duplicate, duplicates);
    atomic_fetch_add(&events_quarantined, quarantined);
}

void metrics_commit(void *ctx, int64_t usec, size_t jobs)
{
    (void)ctx;
    observe(&commit_latency, usec);
    atomic_fetch_add(&commit_jobs, jobs);
}

static void render_histogram(struct buf *b, const char *name, const char *labels,
                             struct histogram *h)
{
    uint64_t cum = 0;
    const char *sep = *labels ? "," : "";
    for (size_t i = 0; i <= NBUCKETS; i++) {
        cum += atomic_load(&h->buckets[i]);
        if (i < NBUCKETS)
            buf_addf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                     (double)latency_bounds[i] / 1e6, (unsigned long long)cum);
        else
            buf_addf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                     (unsigned long long)cum);
    }
    buf_addf(b, "%s_sum%s%s%s %g\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
             (double)atomic_load(&h->sum_us) / 1e6);
    buf_addf(b, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
             (unsigned long long)atomic_load(&h->count));
}

void metrics_render(struct buf *b, size_t queue_depth)
{
    buf_adds(b, "# HELP rondo_http_requests_total HTTP requests by route and status.\n"
                "# TYPE rondo_http_requests_total counter\n");
    for (int r = 0; r < RT_COUNT; r++) {
        for (size_t i = 0; i <= NSTATUS; i++) {
            uint64_t v = atomic_load(&requests[r][i]);
            if (!v)
                continue;
            if (i < NSTATUS)
                buf_addf(b, "rondo_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                         route_names[r], status_codes[i], (unsigned long long)v);
            else
                buf_addf(b, "rondo_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                         route_names[r], (unsigned long long)v);
        }
    }
    buf_adds(b, "# HELP rondo_http_request_duration_seconds Time from request to response.\n"
                "# TYPE rondo_http_request_duration_seconds histogram\n");
    for (int r = 0; r < RT_COUNT; r++) {
        if (!atomic_load(&request_latency[r].count))
            continue;
        char labels[96];
        snprintf(labels, sizeof(labels), "route=\"%s\"", route_names[r]);
        render_histogram(b, "rondo_http_request_duration_seconds", labels, &request_latency[r]);
    }
    buf_addf(b, "# HELP rondo_events_ingested_total Messages stored from ingestion.\n"
                "# TYPE rondo_events_ingested_total counter\n"
                "rondo_events_ingested_total %llu\n"
                "# HELP rondo_events_duplicate_total Messages acknowledged again by messageId.\n"
                "# TYPE rondo_events_duplicate_total counter\n"
                "rondo_events_duplicate_total %llu\n"
                "# HELP rondo_events_quarantined_total Inputs rejected into the quarantine.\n"
                "# TYPE rondo_events_quarantined_total counter\n"
                "rondo_events_quarantined_total %llu\n",
             (unsigned long long)atomic_load(&events_stored),
             (unsigned long long)atomic_load(&events_duplicate),
             (unsigned long long)atomic_load(&events_quarantined));
    buf_adds(b, "# HELP rondo_commit_duration_seconds Duration of one group commit.\n"
                "# TYPE rondo_commit_duration_seconds histogram\n");
    render_histogram(b, "rondo_commit_duration_seconds", "", &commit_latency);
    buf_addf(b, "# HELP rondo_commit_jobs_total Write jobs committed.\n"
                "# TYPE rondo_commit_jobs_total counter\n"
                "rondo_commit_jobs_total %llu\n"
                "# HELP rondo_write_queue_depth Write jobs waiting for the writer.\n"
                "# TYPE rondo_write_queue_depth gauge\n"
                "rondo_write_queue_depth %zu\n",
             (unsigned long long)atomic_load(&commit_jobs), queue_depth);
}
