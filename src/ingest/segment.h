/*
 * segment.h — parsing and validating Segment-spec messages (identify, track,
 * page, screen, group, alias, batch) into typed structs.
 *
 * Parsing does no I/O: it checks types and required fields, derives golden
 * profile fields from traits, orders from e-commerce events and consents
 * from `Consent Updated`, and reports the first problem with the name of the
 * offending field. Strings in a parsed message are borrowed from the JSON it
 * was parsed from or allocated in the arena passed in; both must outlive it.
 */
#ifndef RONDO_SEGMENT_H
#define RONDO_SEGMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

struct clean_output;

#define SEG_MAX_EVENT_BYTES (32 * 1024)
#define SEG_MAX_REQUEST_BYTES (500 * 1024)
#define SEG_MAX_BATCH_EVENTS 2500
#define SEG_MAX_DEPTH 64 /* nesting of a message's JSON */

enum seg_type { SEG_IDENTIFY, SEG_TRACK, SEG_PAGE, SEG_SCREEN, SEG_GROUP, SEG_ALIAS, SEG_NTYPES };

/* "identify", "track", ...; the name used in URLs, batches and the events table. */
const char *seg_type_name(enum seg_type t);

/* Type from its name; -1 when unknown. */
int seg_type_from_name(const char *name);

enum seg_special { SEG_PLAIN, SEG_ORDER_COMPLETED, SEG_ORDER_REFUNDED, SEG_CONSENT_UPDATED };

struct seg_msg {
    enum seg_type type;
    enum seg_special special;
    json_t *raw;            /* the message as received (borrowed) */
    const char *message_id; /* NULL when the client sent none */
    const char *user_id;
    const char *anonymous_id;
    const char *previous_id; /* alias */
    const char *group_id;    /* group */
    const char *name;        /* track event name, page or screen name */
    json_t *traits;          /* identify and group traits (borrowed), may be NULL */
    json_t *properties;      /* borrowed, may be NULL */
    json_t *context;         /* borrowed, may be NULL */
    int64_t ts;              /* when it happened, ms */

    /* texts for storage, made on the parsing thread (NULL: not made): the message,
     * its properties (traits for identify and group) and its context, as sent */
    const char *raw_text, *props_text, *ctx_text;

    /* identify: golden fields from traits as given (NULL = not given), custom attributes */
    const char *fields[PF_COUNT];
    const char *salutation; /* traits.salutation or traits.title */
    json_t *custom; /* owned: released by seg_msg_release */
    /* identify: what cleaning made of the fields (ingest_request_parse), in the arena */
    const struct clean_output *clean;
    const char *cleaned_text, *corrections_text;

    struct store_order order;     /* SEG_ORDER_COMPLETED, SEG_ORDER_REFUNDED */
    struct store_consent consent; /* SEG_CONSENT_UPDATED */
};

/*
 * Parse one message. type is the endpoint's type, or -1 to read it from the
 * message's "type" field (batch items). batch_ctx is the batch's top-level
 * object or NULL, for its shared context and sentAt. now is the receive
 * time. On error returns ERR_INVALID with the field named in e.
 * Call seg_msg_release afterwards, whatever the result.
 */
int seg_parse(json_t *msg, int type, json_t *batch_ctx, int64_t now, struct arena *a,
              struct seg_msg *out, struct errbuf *e);

/* What is stored as the event's properties: traits for identify and group. */
json_t *seg_event_properties(const struct seg_msg *m);

/* Release what seg_parse allocated outside the arena. */
void seg_msg_release(struct seg_msg *m);

/*
 * Parse a consent statement (used by `Consent Updated` properties and the
 * consent API): channel (unless given), status, purpose, proof{source,
 * wording, time, ip} or the same keys flat. Fields default to the given
 * source, ip and time. path names the object in errors ("properties").
 */
int seg_parse_consent(json_t *obj, const char *path, const char *channel, int64_t now,
                      struct store_consent *out, struct errbuf *e);

/* True when channel is one of email, sms, push, post, phone. */
bool seg_channel_valid(const char *channel);

#endif
