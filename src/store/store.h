/*
 * store.h — the workspace store: the only interface through which rondo
 * reads or writes its data. All SQL lives behind it (src/store/), so a
 * second backend (PostgreSQL) implements this same header.
 *
 * A struct store is one connection to one workspace. It is not thread-safe:
 * each thread uses its own (the writer thread owns the only one that writes;
 * readers borrow from a store_pool). Times are ms since the epoch (clock.h).
 * Money is kept in minor units (cents) as int64.
 *
 * Write functions must be called inside store_begin()/store_commit(); they
 * return 0 or a negative ERR_* code and fill the optional errbuf.
 */
#ifndef RONDO_STORE_H
#define RONDO_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

struct store;

/* The schema version this binary writes; rondo refuses databases above it. */
#define STORE_SCHEMA_VERSION 6

enum store_open_flags {
    STORE_CREATE = 1 << 0,  /* create the file when missing */
    STORE_MIGRATE = 1 << 1, /* apply pending migrations (else an old schema is an error) */
};

/*
 * Open the workspace at path. Refuses (ERR_SCHEMA_NEWER) a database written
 * by a newer rondo, and (ERR_DB) an older one unless STORE_MIGRATE is set.
 * Turns on WAL and full fsync on commit. *out is freed with store_close.
 */
int store_open(const char *path, int flags, struct store **out, struct errbuf *e);

/* Close and free; accepts NULL. */
void store_close(struct store *s);

/* Schema version of the open database. */
int store_schema_version(struct store *s);

/* The database's own message for the last failed call on this connection; never NULL. */
const char *store_last_error(struct store *s);

/*
 * True when the last failure on this connection was the data's fault (a
 * constraint, a value too big): retrying will not help, quarantining will.
 * False for the store's own trouble (busy, full, I/O), which must fail the work.
 */
bool store_last_error_is_data(struct store *s);

/* Transactions. store_commit returns only after the commit is durable. */
int store_begin(struct store *s, struct errbuf *e);
int store_commit(struct store *s, struct errbuf *e);
void store_rollback(struct store *s);

/*
 * WAL checkpointing. store_set_autocheckpoint sets the WAL size in pages past
 * which a commit checkpoints by itself (0: never). store_checkpoint copies
 * what it can of the WAL into the database without blocking the writer.
 */
void store_set_autocheckpoint(struct store *s, int pages);
int store_checkpoint(struct store *s);

/* Page cache of this connection in MiB (bulk work keeps its indexes in memory). */
void store_set_cache(struct store *s, int mib);

/*
 * Remember identity lookups on this connection (for the writer, the one
 * connection that changes identities while serving). Safe against writes by
 * other connections and rollbacks: the memory is dropped when either happens.
 */
void store_cache_identities(struct store *s, size_t capacity);

/* Nested sub-transactions inside a transaction, so one failing job can be undone alone. */
int store_savepoint(struct store *s, struct errbuf *e);
int store_savepoint_release(struct store *s, struct errbuf *e);
void store_savepoint_rollback(struct store *s);

/* ---- API keys ---------------------------------------------------------- */

struct store_key {
    int64_t id;
    char prefix[24];         /* public part of the key, unique, used to look it up */
    unsigned char hash[32];  /* BLAKE2b-256 of the whole key */
    char role[16];           /* admin | marketer | ingest */
    char source[64];         /* the source an ingest key writes as */
    int64_t created_at;
    int64_t revoked_at;      /* 0 while active */
};

/* Insert a key; sets k->id. */
int store_key_insert(struct store *s, struct store_key *k, struct errbuf *e);

/* Key by its public prefix (revoked ones too). ERR_NOT_FOUND when unknown. */
int store_key_by_prefix(struct store *s, const char *prefix, struct store_key *out);

/* All keys, oldest first, as a JSON array of objects (no hashes). Caller decrefs. */
int store_key_list(struct store *s, json_t **out, struct errbuf *e);

/* Mark a key revoked. ERR_NOT_FOUND when no active key has this id. */
int store_key_revoke(struct store *s, int64_t id, struct errbuf *e);

/* ---- profiles, identities, raw records --------------------------------- */

/* The golden-record columns that traits can set, in one order used everywhere. */
#define PROFILE_FIELDS(X)        \
    X(PF_FIRST_NAME, first_name) \
    X(PF_LAST_NAME, last_name)   \
    X(PF_GENDER, gender)         \
    X(PF_BIRTH_DATE, birth_date) \
    X(PF_LANGUAGE, language)     \
    X(PF_EMAIL, email)           \
    X(PF_PHONE, phone)           \
    X(PF_STREET, street)         \
    X(PF_HOUSE_NUMBER, house_number) \
    X(PF_POSTAL_CODE, postal_code)   \
    X(PF_CITY, city)             \
    X(PF_COUNTRY, country)

enum profile_field {
#define PF_ENUM(id, col) id,
    PROFILE_FIELDS(PF_ENUM)
#undef PF_ENUM
    PF_COUNT
};

/* Column name of a profile field ("first_name"). */
const char *profile_field_name(enum profile_field f);

/*
 * Profile id owning identity (type, value, source); source is "" for global
 * identity types (email, phone, anonymous_id). ERR_NOT_FOUND when unknown.
 */
int store_identity_find(struct store *s, const char *type, const char *value, const char *source,
                        int64_t *profile_id);

/*
 * Attach identity to a profile. When the identity already points at another
 * profile it is left alone and ERR_EXISTS is returned with *owner set.
 */
int store_identity_add(struct store *s, const char *type, const char *value, const char *source,
                       int64_t profile_id, int64_t now, int64_t *owner);

struct store_identity {
    const char *type, *value, *source; /* source "" or NULL for global types */
};

#define STORE_IDS_MAX 8

/* Attach several identities; those another profile owns are left alone. */
int store_identities_add(struct store *s, int64_t profile_id, const struct store_identity *ids,
                         int n, int64_t now);

/* True when the profile has at least one identity of this type. */
bool store_profile_has_identity(struct store *s, int64_t profile_id, const char *type);

/* Create an empty profile first seen from source. */
int store_profile_create(struct store *s, const char *source, int64_t now, int64_t *id);

/* Create a profile with its golden fields and custom attributes (may be NULL) at once. */
int store_profile_insert(struct store *s, const char *source, const char *const vals[PF_COUNT],
                         json_t *custom, int64_t now, int64_t *id);

/*
 * Update golden fields: each non-NULL vals[f] replaces the column; custom
 * (a JSON object, may be NULL) is merged into the custom attributes, a null
 * value removing the attribute.
 */
/*
 * Set one custom attribute (json_value: JSON text) or add a tag to the
 * attributes' "tags" list (once). ERR_NOT_FOUND when the profile is not live.
 */
int store_profile_set_attribute(struct store *s, int64_t id, const char *key,
                                const char *json_value, int64_t now);
int store_profile_add_tag(struct store *s, int64_t id, const char *tag, int64_t now);

/*
 * Erase a person (the right to be forgotten): every personal field, record,
 * identity, event, consent and message text of the profile and of those
 * merged into it goes; its unfinished scenario runs end as "erased"; its
 * orders stay, without a person, for the books. The id stays, marked
 * erased_at. Erasing twice is harmless. ERR_NOT_FOUND; ERR_INVALID for a
 * profile merged into another (erase the survivor).
 */
int store_profile_erase(struct store *s, int64_t id, int64_t now, struct errbuf *e);

/* Whether the profile was erased: nothing may be written about it any more. */
bool store_profile_erased(struct store *s, int64_t id);

int store_profile_update(struct store *s, int64_t id, const char *const vals[PF_COUNT],
                         json_t *custom, int64_t now);

/* Follow merged_into to the surviving profile. ERR_NOT_FOUND for an unknown id. */
int store_profile_resolve(struct store *s, int64_t id, int64_t *survivor);

/*
 * An incoming profile record, kept unchanged for lineage (payload), with
 * what cleaning made of it. Per-field bits (bit f = enum profile_field f):
 * see src/clean/record.h.
 */
struct store_raw {
    int64_t profile_id;
    const char *source;
    const char *kind;        /* "identify", "import" */
    const char *external_id; /* the source's id for the record (userId, customer number) */
    const char *message_id;  /* may be NULL */
    const char *payload;     /* the record as received, JSON text */
    int64_t row_hash;        /* hash of the record as received (0: none), for re-imports */
    const char *cleaned;     /* JSON object of cleaned fields, may be NULL */
    const char *corrections; /* JSON array of {field, rule, before, after}, may be NULL */
    uint32_t present, valid_raw, clean, corrected;
    const char *email_key, *phone_key;
    int64_t supersedes; /* the current record's id if the caller knows it, -1: none, 0: look */
};

/*
 * Store a raw record. The current record with the same source and external
 * id, if any, is superseded (kept, no longer current). *raw_id may be NULL.
 */
int store_raw_record_add(struct store *s, const struct store_raw *r, int64_t now,
                         int64_t *raw_id);

/*
 * The current raw record for (source, external_id): its id, profile and row
 * hash. ERR_NOT_FOUND when there is none.
 */
int store_raw_current(struct store *s, const char *source, const char *external_id,
                      int64_t *raw_id, int64_t *profile_id, int64_t *row_hash);

/*
 * Merge absorbed into survivor: identities, raw records, events, orders and
 * the consent ledger move over (each row remembers where it came from), the
 * survivor's current consents are rebuilt from the joined ledger (an opt-out
 * is never overridden by an older opt-in), empty golden fields are filled
 * from the absorbed profile, and absorbed stays as a tombstone with
 * merged_into = survivor. The merge log keeps the rule, the score, the
 * evidence (JSON text) and both profiles as they were.
 */
int store_profile_merge(struct store *s, int64_t survivor, int64_t absorbed, const char *rule,
                        const char *evidence, double score, int64_t now);

/* What an unmerge did: counts of rows moved back to the absorbed profile. */
struct store_unmerge {
    int64_t merge_id;  /* the merge undone */
    int64_t survivor;  /* the live profile absorbed was split from */
    int64_t absorbed;  /* live again */
    int64_t identities, raw_records, events, orders, consent_history, tombstones;
    int64_t optouts_kept;   /* opt-outs given while merged, kept by both sides */
    bool survivor_restored; /* the survivor's golden record is back as it was before the merge;
                               false: it changed since, and its golden fields need recomputing */
};

/*
 * Undo the merge (still in force) that absorbed a profile: the rows that came
 * from it and from the profiles merged into it before go back, its consents
 * and the survivor's are rebuilt from their own ledgers (an opt-out given
 * while merged stays with both), the merge is marked undone and logged, and
 * the two sides' records are recorded as a rejected match so that matching
 * never joins them again. ERR_NOT_FOUND when the profile is not absorbed.
 */
int store_profile_unmerge(struct store *s, int64_t absorbed, int64_t now,
                          struct store_unmerge *out, struct errbuf *e);

/* One merge of a batch (store_profiles_merge_many). */
struct store_merge_item {
    int64_t survivor; /* the profile it joined, as the merge log's tree records it */
    int64_t absorbed;
    int64_t root;     /* the live profile its whole cluster ends in: the rows move there */
    const char *rule, *evidence;
    double score;
};

/*
 * Many merges at once, set-based (a whole resolve's): each is logged as
 * store_profile_merge logs it (snapshots as they were before the batch),
 * every row of an absorbed profile moves to its root, the roots' consents
 * are rebuilt from their joined ledgers, the absorbed profiles become
 * tombstones of their roots. Golden fields are the caller's to choose again
 * (survivorship). Each profile may be absorbed once per batch.
 */
int store_profiles_merge_many(struct store *s, const struct store_merge_item *items, size_t n,
                              int64_t now, struct errbuf *e);

/* Profiles merged directly into survivor by merges in force, newest first; *n may exceed cap. */
int store_profile_absorbed(struct store *s, int64_t survivor, int64_t *ids, int cap, int *n);

/*
 * Every merge and unmerge that concerns a live profile or those merged into
 * it, oldest first: [{id, action, survivor_id, absorbed_id, rule, score,
 * evidence, created_at, undone_at}]. Caller decrefs.
 */
int store_merge_history(struct store *s, int64_t profile_id, json_t **out, struct errbuf *e);

/* ---- identity resolution (store_identity.c) ----------------------------- */

/* The workspace's time zone, an IANA name (tz_check); absent: UTC. */
#define SETTING_TIMEZONE "timezone"

/*
 * A workspace setting (text; JSON for structured ones). *value is malloc'd,
 * caller frees; ERR_NOT_FOUND when unset.
 */
int store_setting_get(struct store *s, const char *key, char **value);
int store_setting_set(struct store *s, const char *key, const char *value, int64_t now);

/*
 * Replace a profile's golden fields (NULL clears one) and the JSON object
 * naming the raw record each came from (field -> raw record id).
 */
int store_profile_set_golden(struct store *s, int64_t id, const char *const vals[PF_COUNT],
                             const char *golden_sources, int64_t now);

/* The current raw records of a profile: fn(ctx, raw_id, source, received_at, cleaned JSON). */
int store_profile_records(struct store *s, int64_t profile_id,
                          int (*fn)(void *ctx, int64_t raw_id, const char *source,
                                    int64_t received_at, const char *cleaned),
                          void *ctx);

/* A raw record's profile, source, external id and cleaned JSON (fn called once). */
int store_raw_record_get(struct store *s, int64_t raw_id,
                         int (*fn)(void *ctx, int64_t profile_id, const char *source,
                                   const char *external_id, const char *cleaned),
                         void *ctx);

/* The blocking index: replace a record's keys; forget every key (a full resolve rebuilds). */
int store_match_keys_set(struct store *s, int64_t raw_id, const uint64_t *keys, int n);
int store_match_keys_clear(struct store *s);

/*
 * Current records sharing one of the keys, other than raw_id: fn(ctx,
 * raw_id, profile_id, cleaned). A key shared by more than max_bucket
 * records is skipped (too common to tell people apart).
 */
int store_match_candidates(struct store *s, int64_t raw_id, const uint64_t *keys, int n,
                           int max_bucket,
                           int (*fn)(void *ctx, int64_t raw_id, int64_t profile_id,
                                     const char *cleaned),
                           void *ctx);

/* A pair for the review queue (raw ids in any order); a decided pair is left alone. */
int store_match_add(struct store *s, int64_t raw_a, int64_t raw_b, double score,
                    const char *evidence, int64_t now);

/* Forget the pairs still waiting for review (a full resolve queues them again). */
int store_match_clear_pending(struct store *s);

/*
 * Queued pairs with a status ("review", "accepted", "rejected"; NULL: any),
 * id > after, ascending: [{id, status, score, created_at, decided_at,
 * evidence, a: {raw_id, profile_id, source, external_id}, b: {...}}].
 */
int store_matches_list(struct store *s, const char *status, int64_t after, int limit,
                       json_t **out, struct errbuf *e);

/*
 * Decide a pair waiting for review: status "accepted" or "rejected". Gives the
 * two raw records. ERR_NOT_FOUND for an unknown id, ERR_EXISTS when already decided.
 */
int store_match_decide(struct store *s, int64_t id, const char *status, int64_t now,
                       int64_t *raw_a, int64_t *raw_b);

/* Every rejected pair: fn(ctx, raw_a, raw_b). */
int store_match_rejected(struct store *s, int (*fn)(void *ctx, int64_t raw_a, int64_t raw_b),
                         void *ctx);

/* Live profiles' fields households read: fn(ctx, id, vals) with vals by enum profile_field. */
int store_profiles_each(struct store *s,
                        int (*fn)(void *ctx, int64_t id, const char *const vals[PF_COUNT]),
                        void *ctx, struct errbuf *e);

/* Set every live profile's household id at once: hh[i] for ids[i] (0: none); others cleared. */
int store_households_set(struct store *s, const int64_t *ids, const int64_t *hh, size_t n,
                         struct errbuf *e);

/* ---- events, orders, consents, quarantine ------------------------------ */

/* True when a message with this messageId was already stored. */
bool store_message_seen(struct store *s, const char *message_id);

struct store_event {
    int64_t profile_id;
    const char *source;
    const char *type;       /* identify | track | page | screen | group | alias */
    const char *name;       /* event or page name, may be NULL */
    const char *properties; /* JSON text, may be NULL */
    const char *context;    /* JSON text, may be NULL */
    const char *message_id; /* may be NULL: no deduplication */
    int64_t ts;             /* when it happened */
    int64_t received_at;
};

/* Store an event. ERR_DUPLICATE when its message_id is already stored. */
int store_event_add(struct store *s, const struct store_event *ev);

struct store_order_line {
    const char *product_id, *sku, *name, *category;
    int64_t price_cents;
    int64_t quantity;
};

struct store_order {
    int64_t profile_id;
    const char *source;
    const char *external_id; /* the source's order_id; unique per source */
    const char *status;      /* completed | refunded */
    const char *currency;    /* ISO 4217, may be NULL */
    int64_t total_cents;
    int64_t revenue_cents;
    bool has_revenue;
    int64_t ordered_at;
    const struct store_order_line *lines;
    size_t nlines;
};

/* Insert or replace (by source and external id) an order and its lines. */
int store_order_upsert(struct store *s, const struct store_order *o, int64_t now,
                       int64_t *order_id);

/*
 * Mark an order refunded. When the order is unknown a refunded order is
 * recorded for the profile so the refund is not lost.
 */
int store_order_refund(struct store *s, int64_t profile_id, const char *source,
                       const char *external_id, int64_t refund_cents, int64_t ts, int64_t now);

struct store_consent {
    int64_t profile_id;
    const char *channel; /* email | sms | push | post | phone */
    const char *purpose; /* "" for the channel as a whole */
    const char *status;  /* opted_in | opted_out */
    const char *source;  /* proof: where the consent was given */
    const char *wording; /* proof: the text shown, may be NULL */
    const char *ip;      /* proof: may be NULL */
    int64_t ts;          /* proof: when it was given */
};

/*
 * Append a consent statement to the history and make it the current one,
 * unless the current one is newer (or as old and an opt-out where this is an
 * opt-in): statements may arrive out of order, and the newest one counts.
 */
int store_consent_set(struct store *s, const struct store_consent *c, int64_t now);

/* Keep a rejected input with its reason. payload is the input as received. */
int store_quarantine_add(struct store *s, const char *source, const char *kind,
                         const char *reason, const char *field, const char *payload,
                         size_t payload_len, int64_t now);

/* ---- imports (store_import.c) ------------------------------------------- */

/* An order's id and row hash by the source's id. ERR_NOT_FOUND when unknown. */
int store_order_current(struct store *s, const char *source, const char *external_id,
                        int64_t *order_id, int64_t *row_hash);

/* Insert or update an imported order without touching its lines. attributes: JSON or NULL. */
int store_order_import(struct store *s, const struct store_order *o, const char *attributes,
                       int64_t row_hash, int64_t now);

/* Insert or update line line_no of an order; *unchanged when it was stored with this hash. */
int store_order_line_import(struct store *s, int64_t order_id, int64_t line_no,
                            const struct store_order_line *l, int64_t row_hash, bool *unchanged);

/* The current consent's status and time. ERR_NOT_FOUND when none. */
int store_consent_current(struct store *s, int64_t profile_id, const char *channel,
                          const char *purpose, char status[16], int64_t *ts);

/* True when the ledger has this statement (profile, channel, purpose, status, time). */
bool store_consent_known(struct store *s, int64_t profile_id, const char *channel,
                         const char *purpose, const char *status, int64_t ts);

/*
 * Quarantine an imported row (payload: the row as JSON). When the same row
 * is already pending in the quarantine, nothing is added and *again is set.
 */
int store_quarantine_row(struct store *s, const char *source, const char *kind,
                         const char *klass, const char *reason, const char *field,
                         const char *external_id, const char *payload, int64_t now, bool *again);

/*
 * Pending (unresolved) quarantined rows with id > after, oldest first,
 * filtered by source and kind (NULL: any) or by one id (0: any). Caller decrefs.
 */
int store_quarantine_pending(struct store *s, const char *source, const char *kind, int64_t id,
                             int64_t after, int limit, json_t **out, struct errbuf *e);

/* The external ids of the rows of source and kind waiting in the quarantine (not duplicates). */
int store_quarantine_pending_keys(struct store *s, const char *source, const char *kind,
                                  int (*fn)(void *ctx, const char *external_id), void *ctx);

/* A later import stored the record: its pending quarantined rows are resolved. */
int store_quarantine_resolve_key(struct store *s, const char *source, const char *kind,
                                 const char *external_id, int64_t now);

/* Mark a quarantined row stored by a retry. */
int store_quarantine_resolve(struct store *s, int64_t id, int64_t now);

/* Replace a pending row's reason (klass: the reason without details) after a failed retry. */
int store_quarantine_reason(struct store *s, int64_t id, const char *klass, const char *reason,
                            const char *field);

/*
 * Every current raw record of a source: fn(ctx, external_id, raw_id,
 * profile_id, row_hash) for each, and *count first (for sizing; fn NULL: only
 * count). Stops when fn returns non-zero.
 */
int store_raw_index(struct store *s, const char *source, int64_t *count,
                    int (*fn)(void *ctx, const char *external_id, int64_t raw_id,
                              int64_t profile_id, int64_t row_hash),
                    void *ctx, struct errbuf *e);

/* The user ids of a source with a profile: fn(ctx, user_id, profile_id); *count first. */
int store_user_index(struct store *s, const char *source, int64_t *count,
                     int (*fn)(void *ctx, const char *user_id, int64_t profile_id), void *ctx,
                     struct errbuf *e);

/* Test-record patterns: list ([{id, field, pattern}]), add (idempotent), remove. */
int store_test_patterns(struct store *s, json_t **out, struct errbuf *e);
int store_test_pattern_add(struct store *s, const char *field, const char *pattern);
int store_test_pattern_remove(struct store *s, int64_t id);

/* Fields a user chose to keep as given for a record: [{external_id, field, value}]. */
int store_clean_overrides(struct store *s, const char *source, json_t **out, struct errbuf *e);
int store_clean_override_set(struct store *s, const char *source, const char *external_id,
                             const char *field, const char *value, int64_t now);

/*
 * The figures of the data-quality report, per source: current records,
 * per field present / valid as given / clean / corrected, records sharing an
 * e-mail or phone with another record of the same or another source, the
 * corrections by field and rule, and pending quarantined rows by source,
 * kind and reason. Shape: docs/quality.md. Caller decrefs.
 */
int store_quality(struct store *s, json_t **out, struct errbuf *e);

/*
 * Undo the correction of field in the current record (source, external_id):
 * the profile's field gets the value as given again, and the field is kept
 * as given in later imports of that record. A name swap is undone for both
 * names. *undone lists {field, value} set. ERR_NOT_FOUND: no such record or
 * no correction of that field.
 */
int store_correction_undo(struct store *s, const char *source, const char *external_id,
                          const char *field, int64_t now, json_t **undone, struct errbuf *e);

/*
 * Every current record's profile: fn(ctx, source, external_id, profile_id),
 * ordered by source and external id. A merged record belongs to its
 * survivor (merges move raw records). Stops with fn's non-zero return.
 */
int store_links(struct store *s,
                int (*fn)(void *ctx, const char *source, const char *external_id,
                          int64_t profile_id),
                void *ctx, struct errbuf *e);

/*
 * Every current record for matching: fn(ctx, raw id, profile id, source,
 * external id, cleaned JSON or NULL), oldest first; *count first.
 */
int store_match_records(struct store *s, int64_t *count,
                        int (*fn)(void *ctx, int64_t raw_id, int64_t profile_id,
                                  const char *source, const char *external_id,
                                  const char *cleaned),
                        void *ctx, struct errbuf *e);

/* ---- reads -------------------------------------------------------------- */

/*
 * The 360° view of a profile as JSON: golden fields, identities, raw records
 * per source, orders with lines, the last 100 events, consents. For an
 * absorbed id, {"id", "merged_into", "profile": <survivor's view>}.
 * ERR_NOT_FOUND for an unknown id. Caller decrefs.
 */
int store_profile_view(struct store *s, int64_t id, json_t **out, struct errbuf *e);

/*
 * Profiles that own identity (type, value); source NULL matches any source.
 * At most limit ids after the id `after` (a cursor), ascending.
 */
int store_identity_search(struct store *s, const char *type, const char *value,
                          const char *source, int64_t after, int limit, int64_t *ids, int *n);

/* Consent history of a profile, oldest first, as a JSON array. Caller decrefs. */
int store_consent_history(struct store *s, int64_t profile_id, json_t **out, struct errbuf *e);

/* Row counts of the main tables, for `rondo status` and metrics. */
struct store_counts {
    int64_t profiles, identities, events, orders, quarantine;
};
int store_counts(struct store *s, struct store_counts *out);

/* Which quarantined rows to list (all fields optional). */
struct store_qfilter {
    const char *source;
    bool pending_only; /* leave out rows a retry has since stored */
    int64_t id;        /* one row */
};

/*
 * Quarantined rows, newest first, after cursor id (0: from the newest), with
 * a filter (may be NULL). Caller decrefs.
 */
int store_quarantine_list(struct store *s, const struct store_qfilter *f, int64_t before,
                          int limit, json_t **out, struct errbuf *e);

/* ---- segments (issue 5) (store_segments.c) ------------------------------ */

/*
 * profile_stats: per live profile, aggregates kept current by every write
 * of events, orders, merges and unmerges. Orders count unless their status
 * is 'cancelled'; total spent is the sum of total_cents - refunded_cents
 * over them. Visits are events of type page or screen, opens events named
 * "Email Opened", clicks events named "Email Link Clicked" or "Email Clicked". A profile with
 * no row has no orders and no events. A merge also drops the absorbed
 * profile's segment memberships (no transitions: the engine re-evaluates
 * the survivor), so a merged profile is never a member.
 */

/* Recompute one profile's stats from its orders and events (a merged one's row is removed). */
int store_stats_refresh(struct store *s, int64_t profile_id);

/* Recompute every profile's stats, set-based (repairs; the migration backfills the same way). */
int store_stats_rebuild(struct store *s);

/*
 * Loaders for the segment engine. Each calls fn once per row, in profile id
 * order (then by time where rows have one), for every live profile
 * (merged_into IS NULL) when ids is NULL, else for the n given ids (any
 * order, duplicates ignored; unknown and merged ids skipped). A non-zero
 * return from fn stops the iteration and is returned. Strings are borrowed
 * for the duration of the call only; NULL when the column is. Times are ms,
 * 0 meaning none.
 */
struct store_sg_profile {
    int64_t id, household_id, created_at, updated_at; /* household_id 0 when none */
    const char *first_name, *last_name, *gender, *birth_date, *language, *email, *phone, *street,
        *house_number, *postal_code, *city, *country, *lifecycle_stage, *attributes, *source;
    int64_t order_count, total_spent_cents, first_order_at, last_order_at, event_count,
        last_event_at, last_visit_at, last_open_at, last_click_at; /* 0 = none */
};
int store_sg_profiles(struct store *s, const int64_t *ids, size_t n,
                      int (*fn)(void *ctx, const struct store_sg_profile *p), void *ctx);

/* Orders by (profile, ordered_at); ts is ordered_at. */
struct store_sg_order {
    int64_t profile_id, order_id, ts, total_cents, refunded_cents;
    const char *status, *source, *currency;
};
int store_sg_orders(struct store *s, const int64_t *ids, size_t n,
                    int (*fn)(void *ctx, const struct store_sg_order *o), void *ctx);

/*
 * Order lines by (profile, their order's ordered_at, order, line); a
 * cancelled order's lines are left out.
 */
struct store_sg_line {
    int64_t profile_id, order_id, ts /* the order's */, price_cents, quantity;
    const char *category, *product_id, *sku, *name;
};
int store_sg_lines(struct store *s, const int64_t *ids, size_t n,
                   int (*fn)(void *ctx, const struct store_sg_line *l), void *ctx);

/* Events by (profile, ts). */
struct store_sg_event {
    int64_t profile_id, ts;
    const char *type, *name, *source;
};
int store_sg_events(struct store *s, const int64_t *ids, size_t n,
                    int (*fn)(void *ctx, const struct store_sg_event *e), void *ctx);

/* Current consents by (profile, channel, purpose); purpose "" for the whole channel. */
struct store_sg_consent {
    int64_t profile_id;
    const char *channel, *purpose, *status;
};
int store_sg_consents(struct store *s, const int64_t *ids, size_t n,
                      int (*fn)(void *ctx, const struct store_sg_consent *c), void *ctx);

/* The distinct identity types of each profile, by (profile, type). */
struct store_sg_identity {
    int64_t profile_id;
    const char *type;
};
int store_sg_identities(struct store *s, const int64_t *ids, size_t n,
                        int (*fn)(void *ctx, const struct store_sg_identity *i), void *ctx);

/*
 * A stored segment: kind "rule" or "exclusive", definition JSON text (the
 * segment module's AST; the store does not read it), versions from 1.
 * Strings borrowed for the duration of the callback.
 */
struct store_segment {
    int64_t id, version, created_at, updated_at;
    const char *name, *kind, *definition;
    bool time_relative;
};

/*
 * Create a segment at version 1 (kept in the version history too).
 * ERR_EXISTS when a live segment has the name, ERR_INVALID for another kind.
 */
int store_segment_create(struct store *s, const char *name, const char *kind,
                         const char *definition, bool time_relative, int64_t now, int64_t *id);

/*
 * Store a new version: name and definition replace the current ones (NULL:
 * keep). *version (may be NULL) is the new number. ERR_NOT_FOUND for an
 * unknown or deleted segment, ERR_EXISTS when another live segment has the name.
 */
int store_segment_update(struct store *s, int64_t id, const char *name, const char *definition,
                         bool time_relative, int64_t now, int64_t *version);

/*
 * Soft delete: the segment is gone for every function below (its name free
 * again) and its members removed, without transitions; its versions and
 * transitions stay. ERR_NOT_FOUND for an unknown or deleted segment.
 */
int store_segment_delete(struct store *s, int64_t id, int64_t now);

/* A live segment: fn called once. ERR_NOT_FOUND when unknown or deleted. */
int store_segment_get(struct store *s, int64_t id,
                      int (*fn)(void *ctx, const struct store_segment *g), void *ctx);

/* The id of the live segment with this name. ERR_NOT_FOUND when none. */
int store_segment_by_name(struct store *s, const char *name, int64_t *id);

/* Every live segment, by id. */
int store_segment_list(struct store *s, int (*fn)(void *ctx, const struct store_segment *g),
                       void *ctx);

/* The definition of a version (deleted segments too); caller frees *definition. ERR_NOT_FOUND. */
int store_segment_version(struct store *s, int64_t id, int64_t version, char **definition);

/* Members of a live segment. ERR_NOT_FOUND when it is unknown or deleted. */
int store_segment_member_count(struct store *s, int64_t id, int64_t *count);

/*
 * Members with profile id > after_profile_id, ascending, at most limit
 * (<= 0: all): fn(ctx, profile_id, sub or NULL, since). since is when the
 * profile entered the segment, or its current sub-segment. ERR_NOT_FOUND
 * when the segment is unknown or deleted.
 */
int store_segment_members(struct store *s, int64_t id, int64_t after_profile_id, int limit,
                          int (*fn)(void *ctx, int64_t profile_id, const char *sub,
                                    int64_t since),
                          void *ctx);

/* The segments a profile is in, by segment id: fn(ctx, segment_id, sub or NULL). */
int store_segment_members_of(struct store *s, int64_t profile_id,
                             int (*fn)(void *ctx, int64_t segment_id, const char *sub),
                             void *ctx);

/*
 * Record a profile's state in a segment, as the engine computed it: member
 * false is out; sub names the sub-segment of an exclusive segment (NULL for
 * a rule segment). Writes only a change, with its transition: "enter" (out
 * -> in; to_sub = sub), "exit" (in -> out; from_sub = the sub left) or
 * "shift" (sub A -> sub B, since = now). *changed (may be NULL) tells
 * whether anything was written. ERR_NOT_FOUND when entering a segment that
 * is unknown or deleted, or with a profile that is unknown or merged.
 */
int store_segment_set(struct store *s, int64_t segment_id, int64_t profile_id, bool member,
                      const char *sub, int64_t now, bool *changed);

/*
 * The shift matrix: transitions at times in [from, to) counted by (from,
 * to), ordered by both: fn(ctx, from_sub, to_sub, count). "none" stands for
 * outside the segment, "in" for inside a rule segment (an enter is none ->
 * sub, an exit sub -> none). ERR_NOT_FOUND for an unknown or deleted segment.
 */
int store_segment_shifts(struct store *s, int64_t id, int64_t from, int64_t to,
                         int (*fn)(void *ctx, const char *from_sub, const char *to_sub,
                                   int64_t count),
                         void *ctx);

/*
 * Transitions with id > after_id, ascending, at most limit (<= 0: all):
 * fn(ctx, id, profile_id, kind, from_sub, to_sub, at), kind "enter", "exit"
 * or "shift", subs NULL where none. ERR_NOT_FOUND for an unknown or deleted segment.
 */
int store_segment_transitions(struct store *s, int64_t id, int64_t after_id, int limit,
                              int (*fn)(void *ctx, int64_t id, int64_t profile_id,
                                        const char *kind, const char *from_sub,
                                        const char *to_sub, int64_t at),
                              void *ctx);

/*
 * Profiles due for re-evaluation by the segment engine, in segment_dirty.
 * store_touch_track turns on temporary triggers on this connection (the
 * server's writer) that mark the profile of every row written to profiles,
 * events, orders, order lines, consents or identities. A command that
 * writes (import, resolve, unmerge) calls store_dirty_since(s, start) when
 * it ends: the profiles of everything written since start, set-based, so
 * that a running server, or the next one, re-evaluates them.
 * store_touched_take hands them over sorted (malloc'd; free it) and forgets
 * them, inside the caller's transaction; store_touched_count says how many
 * wait.
 */
int store_touch_track(struct store *s);
int store_dirty_since(struct store *s, int64_t t);
int store_touched_take(struct store *s, int64_t **ids, size_t *n);
int store_touched_count(struct store *s, int64_t *n);

/*
 * A stamp of every segment's definition (count, last update, last delete,
 * versions): it changes whenever any process creates, updates or deletes
 * a segment, so a running engine knows to read them again.
 */
int store_segment_stamp(struct store *s, int64_t stamp[4]);

/* ---- scenarios, runs, messages, templates, tasks (store_scenarios.c) ------ */

struct store_scenario {
    int64_t id, version, next_fire_at, created_at, updated_at; /* next_fire_at 0: none */
    int64_t since_event, since_transition; /* the newest ids when last activated */
    const char *name, *status, *definition; /* borrowed for the callback */
};

/* Create a scenario (status draft) at version 1. ERR_EXISTS when a scenario not archived has the name. */
int store_scenario_create(struct store *s, const char *name, const char *definition, int64_t now,
                          int64_t *id);

/*
 * A new version (definition not NULL) and/or a new name; runs already
 * started keep their version. ERR_NOT_FOUND, ERR_EXISTS (name taken).
 */
int store_scenario_update(struct store *s, int64_t id, const char *name, const char *definition,
                          int64_t now, int64_t *version);

/*
 * Set the status (draft, active, paused, archived). Activating also records
 * the newest event and segment transition: the scenario reacts to what comes
 * after them. ERR_NOT_FOUND.
 */
int store_scenario_set_status(struct store *s, int64_t id, const char *status, int64_t now);

/*
 * The next time a schedule or date trigger fires: 0 not armed yet (a new
 * scenario or version), SC_FIRED_ALL (-1) a single time that has fired.
 */
int store_scenario_set_fire(struct store *s, int64_t id, int64_t next_fire_at);
int store_scenario_get_fire(struct store *s, int64_t id, int64_t *next_fire_at);

/* Scenarios not archived (all when with_archived), by id; fn's non-zero return stops and is returned. */
int store_scenario_list(struct store *s, bool with_archived,
                        int (*fn)(void *ctx, const struct store_scenario *c), void *ctx);

/* One scenario at its current version. ERR_NOT_FOUND. */
int store_scenario_get(struct store *s, int64_t id,
                       int (*fn)(void *ctx, const struct store_scenario *c), void *ctx);

/* A version's definition; caller frees. ERR_NOT_FOUND. */
int store_scenario_version(struct store *s, int64_t id, int64_t version, char **definition);

/* A stamp that changes whenever a scenario is created, changed or changes status, or a setting the engine reads. */
int store_scenario_stamp(struct store *s, int64_t stamp[3]);

struct store_run {
    int64_t id, scenario_id, version, profile_id;
    const char *state;   /* ready, waiting, event, task, done */
    const char *node;    /* the node id it is at */
    int64_t wake_at;     /* 0: none */
    int64_t seq;         /* steps taken */
    const char *branch;  /* the split branch it took, or NULL */
    const char *outcome; /* done: why */
    const char *payload; /* the trigger's data (JSON) or NULL */
    int64_t entered_at, updated_at, ended_at;
};

/* Insert a run; sets r->id. */
int store_run_insert(struct store *s, struct store_run *r);

/* Write a run's state, node, wake_at, seq, branch, outcome, updated_at and ended_at. */
int store_run_save(struct store *s, const struct store_run *r);

/* Append a step to the ledger. ERR_EXISTS when (run, seq) is there already. */
int store_run_step(struct store *s, int64_t run_id, int64_t seq, const char *node,
                   const char *outcome, int64_t at);

/*
 * Runs due at now (ready, waiting or event with wake_at <= now), earliest
 * first, at most limit. The strings are borrowed for the callback; fn may
 * not write through the same statement (collect, then write).
 */
int store_runs_due(struct store *s, int64_t now, int limit,
                   int (*fn)(void *ctx, const struct store_run *r), void *ctx);

/* A profile's runs (those not done when active_only), newest first. */
int store_runs_of_profile(struct store *s, int64_t profile_id, bool active_only,
                          int (*fn)(void *ctx, const struct store_run *r), void *ctx);

/* One run. ERR_NOT_FOUND. */
int store_run_get(struct store *s, int64_t id, int (*fn)(void *ctx, const struct store_run *r),
                  void *ctx);

/* End every unfinished run of a scenario now with outcome (a step in the ledger each). */
int store_runs_end_scenario(struct store *s, int64_t scenario_id, const char *outcome,
                            int64_t now);

/*
 * The runs of a scenario with id > after, by id, at most limit; state NULL
 * for any, a state's name, or "active" for every state but done. Strings
 * are borrowed for the callback; fn's non-zero return stops and is returned.
 */
int store_scenario_runs(struct store *s, int64_t scenario_id, const char *state, int64_t after,
                        int limit, int (*fn)(void *ctx, const struct store_run *r), void *ctx);

/* A run's ledger, at most limit steps: [{seq, node, outcome, at}] by seq. Caller decrefs. */
int store_run_steps(struct store *s, int64_t run_id, int limit, json_t **out);

/* For entry rules: whether the profile has a run of the scenario not done, and its last entry (0: never). */
int store_run_entry(struct store *s, int64_t scenario_id, int64_t profile_id, bool *active,
                    int64_t *last_entered_at);

/*
 * Per node of a scenario (all versions): {node: {entered, waiting, passed,
 * exited: {outcome: n}}} and totals {runs, active, done, outcomes: {..}}.
 * Caller decrefs.
 */
int store_scenario_counts(struct store *s, int64_t scenario_id, json_t **out);

/*
 * One order of a profile as the 360° view shows it (with its lines and
 * attributes): the one with that order id, or the newest when external_id
 * is NULL. ERR_NOT_FOUND. Caller decrefs.
 */
int store_profile_order(struct store *s, int64_t profile_id, const char *external_id,
                        json_t **out);

/* A profile's runs for the 360° view: [{id, scenario_id, scenario, version, state, node, ...}]. */
int store_profile_runs(struct store *s, int64_t profile_id, json_t **out);

struct store_message {
    int64_t id, profile_id, run_id, step, scenario_id; /* run_id 0: not from a scenario */
    const char *channel, *template_name, *status, *address, *subject, *body;
    const char *html; /* the HTML part of an e-mail, or NULL */
    int64_t created_at;
};

/* Record a message; sets m->id. ERR_DUPLICATE when the run's step has one already. */
int store_message_insert(struct store *s, struct store_message *m);

/* A message's profile, and when it was sent (0: not yet). ERR_NOT_FOUND. */
int store_message_sent_at(struct store *s, int64_t id, int64_t *profile_id, int64_t *sent_at);

/* Add to a message's history without changing its status (an open, a click). */
int store_message_note(struct store *s, int64_t id, const char *what, const char *detail,
                       int64_t at);

/* Set a message's status (a provider's delivery report), with the history entry. */
int store_message_status(struct store *s, int64_t id, const char *status, const char *detail,
                         int64_t at);

/* A message with its status history [{status, detail, at}]. ERR_NOT_FOUND. Caller decrefs. */
int store_message_get(struct store *s, int64_t id, json_t **out);

/* Messages on a channel to a profile since a time, with a status that counts as sent. */
int store_message_count(struct store *s, int64_t profile_id, const char *channel, int64_t since,
                        int64_t *n);

/*
 * Messages, newest first: of a profile (profile_id > 0), a run (run_id > 0)
 * or a scenario (scenario_id > 0), at most limit. Caller decrefs.
 */
int store_message_list(struct store *s, int64_t profile_id, int64_t run_id, int64_t scenario_id,
                       int limit, json_t **out);

/* A message waiting for a dispatcher (status queued); strings borrowed for the callback. */
struct store_queued {
    int64_t id, run_id, step, profile_id;
    const char *address, *subject, *body, *html;
    int attempts;
};

/* Queued messages of a channel whose next attempt is due, oldest first. */
int store_messages_due(struct store *s, const char *channel, int64_t now, int limit,
                       int (*fn)(void *ctx, const struct store_queued *q), void *ctx);

/*
 * The outcome of an attempt: status (sent, failed, or queued again with
 * next_attempt_at), attempts so far, the last error. Only a queued message changes.
 */
int store_message_result(struct store *s, int64_t id, const char *status, int attempts,
                         int64_t next_attempt_at, const char *error, int64_t now);

/*
 * A person said no on a channel: their messages of it still waiting to be
 * sent are cancelled (status "cancelled", the reason in the history).
 */
int store_messages_cancel(struct store *s, int64_t profile_id, const char *channel,
                          const char *reason, int64_t now);

/* Put an address on the channel's suppression list (a hard bounce, a complaint). */
int store_suppress(struct store *s, const char *channel, const char *address,
                   const char *reason, int64_t now);

/* A message's profile, channel and address (borrowed until the next call). ERR_NOT_FOUND. */
int store_message_owner(struct store *s, int64_t id, int64_t *profile_id, char channel[16],
                        char *address, size_t address_len);

/* Whether someone of the household got a letter of this template since then (one per household). */
bool store_household_letter_since(struct store *s, int64_t household_id, const char *template_name,
                                  int64_t since);

/* Whether an address is on the channel's suppression list. */
bool store_suppressed(struct store *s, const char *channel, const char *address);

/* Create or replace a template by name; *id its id. */
int store_template_put(struct store *s, const char *name, const char *channel,
                       const char *subject, const char *body, const char *html, int64_t now,
                       int64_t *id);

/* A template by name: {id, name, channel, subject, body, html}. ERR_NOT_FOUND. Caller decrefs. */
int store_template_get(struct store *s, const char *name, json_t **out);

/* Every template, by name. Caller decrefs. */
int store_template_list(struct store *s, json_t **out);

/* A task for staff; token is the resolve link's secret. */
int store_task_create(struct store *s, int64_t run_id, int64_t profile_id, const char *title,
                      const char *description, const char *assignee, const char *token,
                      int64_t now, int64_t *id);

/*
 * Resolve the open task with that token: *run_id its run (0: none).
 * ERR_NOT_FOUND when no task has the token, ERR_DUPLICATE when it was resolved already.
 */
int store_task_resolve(struct store *s, const char *token, int64_t now, int64_t *task_id,
                       int64_t *run_id);

/*
 * Tasks (open ones when open_only), newest first: {id, run_id, profile_id,
 * title, description, assignee, status, created_at, resolved_at, link}, link
 * being the resolve page's path "/t/<token>". Caller decrefs.
 */
int store_task_list(struct store *s, bool open_only, int limit, json_t **out);

/* The task with that token, as store_task_list shows it. ERR_NOT_FOUND. Caller decrefs. */
int store_task_get(struct store *s, const char *token, json_t **out);

/* A counter in store_meta (the scenario engine's cursors); 0 when unset. */
int store_meta_get(struct store *s, const char *key, int64_t *value);
int store_meta_set(struct store *s, const char *key, int64_t value);

/*
 * Start the scenario engine's cursors at the newest events, orders and
 * transitions, unless they are set: what happens after a workspace's first
 * activation is followed, what happened before is history.
 */
int store_scenario_cursors_start(struct store *s);


struct store_new_event {
    int64_t id, profile_id, ts;
    const char *type, *name, *properties; /* borrowed */
};
/* Events with id > after, by id, at most limit. */
int store_events_after(struct store *s, int64_t after, int limit,
                       int (*fn)(void *ctx, const struct store_new_event *ev), void *ctx);

/* Profiles of orders with id > after, by order id, at most limit; *last the last order id. */
int store_order_profiles_after(struct store *s, int64_t after, int limit,
                               int (*fn)(void *ctx, int64_t profile_id), void *ctx, int64_t *last);

struct store_transition {
    int64_t id, segment_id, profile_id, at;
    const char *kind, *from_sub, *to_sub; /* borrowed */
};
/* Segment transitions with id > after, by id, at most limit. */
int store_transitions_after(struct store *s, int64_t after, int limit,
                            int (*fn)(void *ctx, const struct store_transition *t), void *ctx);

/* ---- letters and call lists (store_channels.c) ------------------------------ */

/*
 * A letter or a call as the print batch and the call list read it: the
 * message (its address as it was made) and its profile as it is now.
 * Strings are borrowed for the callback; NULL where the column is.
 */
struct store_handoff {
    int64_t id, profile_id, scenario_id, household_id, created_at; /* 0: none */
    const char *status, *template_name, *address, *subject, *body, *html;
    const char *first_name, *last_name, *postal_code, *city, *country, *language;
    const char *scenario; /* the scenario's name, NULL for a transactional message */
    const char *batch;    /* letters: the detail of its "batched" history entry ("batch 3") */
    const char *lifecycle; /* calls: the "lifecycle" segment's sub-segment, or NULL */
    int64_t order_count, last_order_at, last_order_cents; /* calls: orders not cancelled */
    const char *last_order_currency;
    int attempts;
    bool erased; /* the person was erased (the message has no text left) */
};

/*
 * Every letter (channel "letter", any status) made at a time in [from, to),
 * by profile id then message id. fn's non-zero return stops and is returned.
 */
int store_letters_of_day(struct store *s, int64_t from, int64_t to,
                         int (*fn)(void *ctx, const struct store_handoff *h), void *ctx);

/*
 * Calls (channel "call") with the status given, or "stored" and "called"
 * when status is NULL, with id > after, by id, at most limit (<= 0: all),
 * each with the person's context (lifecycle stage, orders). Calls to a
 * person who was erased are left out.
 */
int store_calls(struct store *s, const char *status, int64_t after, int limit,
                int (*fn)(void *ctx, const struct store_handoff *h), void *ctx);

/*
 * Move a message out of the status `from` by hand: to the status `to` (NULL:
 * it keeps its status), with an entry `what` (NULL: the new status) and
 * detail (may be NULL) in its history; attempt adds one to its attempts.
 * ERR_NOT_FOUND when no message has the id, ERR_EXISTS when its status is
 * not `from` (nothing changes). store_message_result is the dispatchers'
 * way, for queued messages.
 */
int store_message_move(struct store *s, int64_t id, const char *from, const char *to,
                       const char *what, const char *detail, bool attempt, int64_t now);

#endif
