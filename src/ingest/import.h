/*
 * import.h — CSV rows (or quarantined rows being retried) into the store:
 * mapping a source's columns to rondo's fields, cleaning, idempotent writes.
 *
 * Work is split in two, like the HTTP path: import_prepare() maps and
 * cleans a row without touching the store (any thread, the fuzzer), and
 * import_apply() stores a batch of prepared rows (the one writing thread).
 * A row that cannot be stored goes to the quarantine with its reason and
 * the row as given, so it can be retried after fixing the mapping.
 */
#ifndef RONDO_IMPORT_H
#define RONDO_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "clean/record.h"
#include "ingest/csvread.h"
#include "store/store.h"

enum import_table { IMP_PROFILES, IMP_ORDERS, IMP_ORDER_LINES, IMP_EVENTS, IMP_CONSENTS, IMP_NTABLES };

/* "profiles", ...; and back (-1 when unknown). */
const char *import_table_name(enum import_table t);
int import_table_from_name(const char *name);

/* A mapping file's content for one table (docs/import.md describes the format). */
struct import_map {
    char delimiter;               /* 0: sniff */
    enum csvr_encoding encoding;
    char decimal;                 /* 0: guess per value; '.' or ',' */
    char *locale, *country, *currency;
    size_t npairs;
    char **column, **field;       /* column -> field, in file order; a column may repeat */
};

/* Read path's [import] section and the section for table t. ERR_IO / ERR_INVALID with e. */
int import_map_load(const char *path, enum import_table t, struct import_map *m,
                    struct errbuf *e);
void import_map_free(struct import_map *m);

/* Set one [import] option (delimiter, encoding, decimal, locale, country, currency). */
int import_map_set(struct import_map *m, const char *name, const char *value, struct errbuf *e);

/* Summary counts of an import; reasons are counted by class ("test record", ...). */
#define IMPORT_MAX_REASONS 24
struct import_stats {
    int64_t rows, imported, updated, unchanged, corrected, quarantined, converted;
    int64_t fields_corrected[PF_COUNT], fields_invalid[PF_COUNT];
    double read_cpu_s, store_cpu_s; /* CPU time of the reading and the storing thread */
    int64_t skipped;      /* retry: rows left as they were (they cannot be retried) */
    char skip_reason[600]; /* why the first of them could not */
    size_t nreasons;
    struct {
        const char *reason;
        int64_t count;
    } reasons[IMPORT_MAX_REASONS];
};

struct import;

/*
 * An import of one table from one source. map may be NULL (column names
 * are rondo's own field names). patterns: test-record patterns, may be
 * NULL. overrides: [{external_id, field, value}] from the store, may be NULL
 * (borrowed for the import's life).
 */
struct import *import_new(const char *source, enum import_table t, const struct import_map *map,
                          const struct clean_patterns *patterns, json_t *overrides, int64_t now);
void import_free(struct import *im);

/* Profiles: leave matching to a later `rondo resolve` instead of matching each new record. */
void import_set_no_match(struct import *im, bool no_match);

/*
 * Profiles: read the source's current records before the rows, so that an
 * unchanged row is recognised without cleaning it and a new one without a
 * lookup. expected_rows sizes the room for the file's new ids (past it, rows
 * ask the store). Optional (without it the store is asked row by row).
 */
int import_load_index(struct import *im, struct store *s, int64_t expected_rows,
                      struct errbuf *e);

/*
 * Bind the header row's columns to fields. Fails (ERR_INVALID, e names the
 * column) when a required field has no column or the mapping names a
 * column the file lacks. Unknown columns become custom attributes (profiles,
 * orders) or event properties; import_unmapped lists them.
 */
int import_header(struct import *im, char *const *names, size_t n, struct errbuf *e);
const char *import_unmapped(const struct import *im); /* "a, b" or "" */
bool import_unmapped_kept(const struct import *im);   /* false: the table ignores them */

/* One prepared row, in a batch's arena. */
struct import_item;

struct import_batch {
    struct arena arena;
    struct import_item *items;
    size_t n, cap;
};

void import_batch_init(struct import_batch *b, size_t cap);

/* True when the batch should be stored now: full, or its memory half used. */
bool import_batch_ready(const struct import_batch *b);
void import_batch_reset(struct import_batch *b);
void import_batch_release(struct import_batch *b);

/*
 * Map and clean one data row into the batch (which must have room).
 * retry_id: the quarantine row being retried, or 0. Never touches the store.
 */
void import_prepare(struct import *im, struct import_batch *b, char *const *fields, size_t n,
                    int64_t record, int64_t retry_id);

/* Store a batch inside a transaction; counts go to the import's stats. */
int import_apply(struct store *s, struct import *im, struct import_batch *b, struct errbuf *e);

const struct import_stats *import_stats(const struct import *im);

/* The quarantine's kind of this import's rows: "import:<table>". */
const char *import_kind(const struct import *im);
struct import_stats *import_stats_mut(struct import *im);

/* Count a row converted from Latin-1. */
void import_note_converted(struct import *im);

/* ---- whole files and retries (import_run.c) ------------------------------- */

struct import_progress {
    uint64_t bytes, total_bytes; /* read so far, file size (0: unknown) */
    int64_t rows;                /* rows prepared so far */
};

/*
 * Rows per transaction. Each batch rewrites the pages of the identity index
 * it touches; at 16k rows a page takes several new keys before it is
 * written, which made a 372k-row import 1.45x faster than 4k-row batches
 * (larger ones gained nothing more and hold more memory).
 */
#define IMPORT_BATCH_ROWS 16384

struct import_file_opts {
    const char *source;
    enum import_table table;
    const struct import_map *map;   /* may be NULL */
    size_t batch_rows;              /* rows per transaction (0: IMPORT_BATCH_ROWS) */
    bool no_match;                  /* profiles: do not match records as they arrive */
    void (*progress)(void *ctx, const struct import_progress *p); /* may be NULL */
    void *ctx;
};

/*
 * Import a CSV file into the open store: the reader and cleaner on this
 * thread, the store on a second one, one transaction per batch. *out (may be
 * NULL) receives the import, for its stats and unmapped columns; free it
 * with import_free. Returns 0, or an error with e saying what and where.
 */
int import_file(struct store *s, const char *path, const struct import_file_opts *o,
                struct import **out, struct errbuf *e);

/*
 * Retry pending quarantined import rows of one source and table (or one row
 * by id) with the given mapping: stored rows are marked resolved, the others
 * keep their place with the new reason.
 */
int import_retry(struct store *s, const char *source, enum import_table table, int64_t id,
                 const struct import_map *map, struct import **out, struct errbuf *e);

#endif
