/*
 * metrics.h — counters and histograms for GET /metrics (Prometheus text).
 *
 * All updates are lock-free atomics, safe from any thread.
 */
#ifndef RONDO_METRICS_H
#define RONDO_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Routes as they are counted; keep in step with route_names in metrics.c. */
enum route_id {
    RT_HEALTHZ, RT_METRICS,
    RT_V1_IDENTIFY, RT_V1_TRACK, RT_V1_PAGE, RT_V1_SCREEN, RT_V1_GROUP, RT_V1_ALIAS, RT_V1_BATCH,
    RT_API_PROFILE, RT_API_PROFILE_SEARCH, RT_API_CONSENT_PUT, RT_API_CONSENT_HISTORY,
    RT_API_QUARANTINE, RT_API_QUALITY,
    RT_API_UNMERGE, RT_API_EXPLAIN, RT_API_MATCHES, RT_API_MATCH_ACCEPT, RT_API_MATCH_REJECT,
    RT_API_SEGMENTS, RT_API_SEGMENT, RT_API_SEGMENT_COUNT, RT_API_SEGMENT_MEMBERS,
    RT_API_SEGMENT_SHIFTS, RT_API_SEGMENT_PREVIEW,
    RT_API_SCENARIOS, RT_API_SCENARIO, RT_API_SCENARIO_VALIDATE, RT_API_SCENARIO_ACTIVATE,
    RT_API_SCENARIO_PAUSE, RT_API_SCENARIO_ARCHIVE, RT_API_SCENARIO_ENTER, RT_API_SCENARIO_RUNS,
    RT_API_RUN, RT_API_PROFILE_RUNS, RT_API_TEMPLATES, RT_API_TEMPLATE, RT_API_MESSAGES,
    RT_API_TASKS, RT_TASK_LINK, RT_API_CLOCK, RT_API_CLOCK_ADVANCE, RT_UNSUBSCRIBE, RT_API_MESSAGE, RT_TRACK_OPEN, RT_TRACK_CLICK, RT_PREFERENCES, RT_API_TEMPLATE_PREVIEW, RT_CHANNEL_STATUS,
    RT_API_LETTERS, RT_API_LETTER_BATCHES, RT_API_CALLS, RT_API_CALL_OUTCOME,
    RT_NOT_FOUND,
    RT_COUNT
};

const char *metrics_route_name(enum route_id r);

void metrics_request(enum route_id r, int status, int64_t usec);
void metrics_ingested(size_t stored, size_t duplicates, size_t quarantined);
void metrics_commit(void *ctx, int64_t usec, size_t jobs);

/* Append the exposition text; queue_depth is sampled by the caller. */
void metrics_render(struct buf *b, size_t queue_depth);

#endif
