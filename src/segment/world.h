/*
 * world.h — the profiles that segments select from, in memory (issue 5):
 * each live profile's fields and stats, its orders, order lines and events
 * (the time, and the texts as interned numbers), consents and identity
 * types. Loaded once from the store (a million profiles with ten million
 * events take a few hundred MB), then kept current one profile at a time
 * as writes touch them, so a segment is evaluated over memory, not SQL.
 *
 * Profiles sit in slots in id order (new profiles have higher ids and are
 * appended); a merged profile's slot is marked dead. Not thread-safe: one
 * owner (the writer in `rondo serve`, or a command).
 */
#ifndef RONDO_SEGMENT_WORLD_H
#define RONDO_SEGMENT_WORLD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

/* The texts of a profile, in this order (index into sg_prof.str). */
enum sg_str {
    SG_S_FIRST_NAME, SG_S_LAST_NAME, SG_S_GENDER, SG_S_BIRTH_DATE, SG_S_LANGUAGE, SG_S_EMAIL,
    SG_S_PHONE, SG_S_STREET, SG_S_HOUSE_NUMBER, SG_S_POSTAL_CODE, SG_S_CITY, SG_S_COUNTRY,
    SG_S_LIFECYCLE_STAGE, SG_S_SOURCE, SG_S_COUNT
};

struct sg_order {
    int64_t ts, total_cents; /* total less refunds */
    uint32_t status, source, currency;
};

struct sg_line {
    int64_t ts, price_cents;
    int32_t quantity;
    uint32_t category, product_id, sku, name;
};

struct sg_event {
    int64_t ts;
    uint32_t name, type, source;
};

struct sg_consent {
    uint32_t channel, purpose;
    bool opted_in;
};

struct sg_prof {
    int64_t id;
    bool live;
    const char *str[SG_S_COUNT]; /* NULL when empty; all in blockmem */
    char *blockmem;
    json_t *attributes;          /* NULL when none */
    int64_t household_id, created_at, updated_at;
    int64_t order_count, total_spent_cents, first_order_at, last_order_at, event_count,
        last_event_at, last_visit_at, last_open_at, last_click_at; /* 0 = none */
    struct sg_order *orders; /* by time */
    struct sg_line *lines;
    struct sg_event *events;
    struct sg_consent *consents;
    uint32_t norders, nlines, nevents, nconsents;
    uint64_t identity_types; /* bit per identity type (sg_world_idtype; the first 64 types) */
    uint8_t *seg;            /* the engine's: state per segment (0 out, 1 + sub), or NULL */
    uint32_t nseg;
};

struct sg_world;

struct sg_world *sg_world_new(void);
void sg_world_free(struct sg_world *w);

/* Loads every live profile; a world already loaded is emptied first. */
int sg_world_load(struct sg_world *w, struct store *s, struct errbuf *e);

/*
 * Reloads profiles ids[0..n) from the store: new ones are added, changed
 * ones replaced, merged or erased ones marked dead.
 */
int sg_world_refresh(struct sg_world *w, struct store *s, const int64_t *ids, size_t n,
                     struct errbuf *e);

/* Slots (live and dead) and one profile by slot. */
uint32_t sg_world_slots(const struct sg_world *w);
const struct sg_prof *sg_world_prof(const struct sg_world *w, uint32_t slot);

/* The slot of a profile id, or -1. */
int64_t sg_world_slot_of(const struct sg_world *w, int64_t id);

/* The interned number of a text (case folded, ASCII), or UINT32_MAX when no row has it. */
uint32_t sg_world_text_id(const struct sg_world *w, const char *text);

/* How many texts and identity types are interned: it changes when a new one is. */
uint32_t sg_world_text_gen(const struct sg_world *w);

/* The bit of an identity type in sg_prof.identity_types (case folded), or UINT32_MAX. */
uint32_t sg_world_idtype(const struct sg_world *w, const char *type);

/* Live profiles per household id, for household.size. */
uint32_t sg_world_household_size(const struct sg_world *w, int64_t household_id);

/* Approximate bytes held, for reports. */
size_t sg_world_bytes(const struct sg_world *w);

#endif
