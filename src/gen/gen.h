/*
 * gen.h — `rondo gen`: realistic, dirty customer data from four sources
 * (webshop, store, app, crm) with the ground truth of who is who.
 *
 * The output format is specified in the gen spec (docs and the importer rely
 * on it): per source a profiles file and its orders, order lines, events and
 * consents, two map files for the sources with their own column names, and
 * truth.csv with one row per profile record.
 *
 * The output depends only on (persons, seed, dirt): not on the number of
 * threads, not on the clock. Every person has its own random streams derived
 * from (seed, person index); the reference date is 2026-11-01.
 */
#ifndef RONDO_GEN_H
#define RONDO_GEN_H

#include <stdint.h>

#include "base/err.h"

enum gen_source { GEN_WEBSHOP, GEN_STORE, GEN_APP, GEN_CRM, GEN_NSOURCES };

enum gen_dirt { GEN_DIRT_LOW, GEN_DIRT_MEDIUM, GEN_DIRT_HIGH };

#define GEN_MAX_PERSONS 10000000ULL /* the first pass holds 65 bytes per person */

/* Called by gen_run between chunks, on the calling thread. */
typedef void gen_progress_fn(void *arg, uint64_t persons_done, uint64_t persons_total);

struct gen_opts {
    const char *out_dir; /* created (with parents) when missing; files in it are overwritten */
    uint64_t persons;    /* 1 .. GEN_MAX_PERSONS */
    uint64_t seed;
    enum gen_dirt dirt;
    int threads;               /* worker threads; 0: one per online CPU */
    double orders_scale;       /* orders per person times this; 0 or 1: as drawn */
    double events_scale;       /* events per person times this; 0 or 1: as drawn */
    gen_progress_fn *progress; /* may be NULL */
    void *progress_arg;
};

struct gen_stats {
    uint64_t persons;
    uint64_t profiles[GEN_NSOURCES]; /* profile records, test records included */
    uint64_t test_records;           /* all sources */
    uint64_t duplicates;             /* second accounts of a person in one source */
    uint64_t orders, order_lines, events, consents;
    uint64_t bytes; /* written, all files */
    int files;
};

/* "webshop", "store", "app", "crm". */
const char *gen_source_name(enum gen_source s);

/* Parse "low", "medium", "high". 0 or ERR_INVALID. */
int gen_dirt_parse(const char *s, enum gen_dirt *out);

/*
 * Write the data set for o into o->out_dir. Fills *stats (may be NULL) on
 * success. Returns 0, ERR_INVALID for bad options, or ERR_IO when a directory
 * or file cannot be created or written (e names the path and the reason).
 */
int gen_run(const struct gen_opts *o, struct gen_stats *stats, struct errbuf *e);

#endif
