/*
 * ingest.h — turning parsed Segment messages into stored profiles, events,
 * orders and consents, and requests into write jobs.
 *
 * ingest_request_parse() runs on an HTTP thread (or the demo loader) and does
 * no I/O; ingest_request_apply() runs on the writer thread inside one
 * transaction. Valid messages are stored; invalid ones go to the quarantine
 * with their reason, so nothing a client sent is lost.
 */
#ifndef RONDO_INGEST_H
#define RONDO_INGEST_H

#include <jansson.h>
#include <stddef.h>

#include "base/arena.h"
#include "clean/record.h"
#include "ingest/segment.h"
#include "store/store.h"

/* One rejected input, kept for the quarantine. */
struct ingest_reject {
    const char *kind;    /* "identify", "batch_item", "request", ... */
    const char *reason;  /* human message */
    const char *field;   /* offending field, may be "" */
    const char *payload; /* the input as received */
    size_t payload_len;
};

/* A parsed request: what to store and what to quarantine. */
struct ingest_request {
    const char *source;
    int64_t received_at;
    json_t *root;          /* owned: the parsed body */
    const char *write_key; /* "writeKey" of the body (browser SDKs), removed from root */
    struct arena arena;
    struct seg_msg *msgs;
    size_t nmsgs;
    struct ingest_reject *rejects;
    size_t nrejects;
    /* filled by ingest_request_apply */
    size_t stored, duplicates, merges;
    size_t refused; /* valid messages the store refused, kept in the quarantine */
};

/*
 * Parse a request body for endpoint type (SEG_* or -1 for /v1/batch). A
 * "writeKey" in the body is taken out of it (so it is never stored) into
 * r->write_key. source may be set later, before ingest_request_apply.
 * Returns 0 when the request can be processed (some items may be rejects);
 * ERR_INVALID when the request as a whole is bad (malformed JSON, bad
 * single message: it is then recorded as one reject and e says why);
 * ERR_TOO_BIG past the batch limits (nothing kept). Call
 * ingest_request_release in every case.
 */
int ingest_request_parse(struct ingest_request *r, const char *source, int type,
                         const char *body, size_t len, int64_t now, struct errbuf *e);

/* Store everything in r. Must run inside a store transaction. */
int ingest_request_apply(struct store *s, struct ingest_request *r, struct errbuf *e);

void ingest_request_release(struct ingest_request *r);

/*
 * The profile for (userId, anonymousId) from source, created when unknown.
 * A userId arriving for a known anonymous-only profile joins it.
 */
int ingest_resolve(struct store *s, const char *user_id, const char *anonymous_id,
                   const char *source, int64_t now, int64_t *profile_id, int *merges);

/* ---- profile records (identify and import alike) -------------------------- */

/* A cleaned profile record, ready for the writer. */
struct ingest_record {
    const char *source;
    const char *kind;        /* "identify" or "import" */
    const char *external_id; /* the source's id: userId, customer number, card number */
    const char *message_id;  /* may be NULL */
    const char *payload;     /* the record as received, JSON text */
    int64_t row_hash;        /* 0 when not an import */
    const struct clean_output *clean;
    json_t *custom;          /* custom attributes, may be NULL */
    const char *loyalty_card;    /* identity of type loyalty_card (global), may be NULL */
    const char *customer_number; /* identity of type customer_number (per source), may be NULL */
    const char *cleaned_text, *corrections_text; /* from ingest_record_texts */
    int64_t supersedes; /* see struct store_raw */
    bool fields_stored; /* the profile was just created with these fields */
    const char *user_id; /* a user id to attach too (a new profile's), may be NULL */
    bool no_match;       /* leave matching to a later `rondo resolve` (bulk imports) */
};

/*
 * The JSON texts of a cleaned record, made in the arena on the parsing
 * thread: the cleaned fields plus what was invalid, and the corrections.
 */
int ingest_record_texts(struct arena *a, const struct clean_output *co, const char **cleaned,
                        const char **corrections);

/*
 * Store a record for profile pid: golden fields from the cleaned values,
 * identities (user id when given, e-mail, phone and the extra ones, loyalty
 * card, customer number; one owned by another profile is left alone), the raw record with
 * its quality bits. *raw_id may be NULL. Unless r->no_match, the record is
 * then matched against the workspace at once (identity_match_record): when
 * its profile is merged into an existing one, *pid becomes the survivor.
 */
int ingest_record_store(struct store *s, int64_t *pid, const struct ingest_record *r, int64_t now,
                        int64_t *raw_id);

/*
 * The test-record patterns used by the API path (set once at start-up from
 * the workspace's patterns; NULL: none).
 */
void ingest_set_patterns(const struct clean_patterns *p);

/* Add the workspace's test-record patterns to p. */
int ingest_load_patterns(struct store *s, struct clean_patterns *p, struct errbuf *e);
const struct clean_patterns *ingest_patterns(void);

#endif
