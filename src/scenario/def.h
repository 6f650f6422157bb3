/*
 * def.h — a scenario's definition (issue 6): a trigger, nodes and edges, read
 * from JSON and validated, with errors that name the node and the problem.
 *
 *   {"trigger": {"type": "event", "event": "Product Added"},
 *    "entry": {"reentry": true, "min_interval": "7d"},
 *    "nodes": [{"id": "wait", "type": "wait", "duration": "4h"},
 *              {"id": "mail", "type": "send", "channel": "email", "template": "basket"},
 *              {"id": "bought", "type": "goal", "rule": "orders.count(within 1d) >= 1"}],
 *    "edges": [{"from": "trigger", "to": "wait"}, {"from": "wait", "to": "mail"}]}
 *
 * docs/scenarios.md describes every field for users. The checks here need
 * nothing but the document; what it names outside itself (templates,
 * segments) is checked by the caller through sc_def_refs.
 *
 * Memory: a definition owns an arena; nodes, strings and parsed rules live in
 * it (rules are freed by sc_def_free).
 */
#ifndef RONDO_SCENARIO_DEF_H
#define RONDO_SCENARIO_DEF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

struct sg_rule;

#define SC_MAX_NODES 200   /* nodes in one scenario */
#define SC_MAX_ID 64       /* bytes of a node id */
#define SC_MAX_BRANCHES 10 /* exits of a split */
#define SC_MAX_WHERE 16    /* conditions on an event's properties */
#define SC_MAX_DEF 262144  /* bytes of a definition's JSON */

enum sc_trigger_type {
    SC_TRIG_SEGMENT_ENTER,
    SC_TRIG_SEGMENT_EXIT,
    SC_TRIG_SHIFT,    /* from one sub-segment of an exclusive segment to another */
    SC_TRIG_EVENT,    /* an event with conditions on its properties */
    SC_TRIG_DATE,     /* a date field of the profile, N days before or after */
    SC_TRIG_SCHEDULE, /* once or recurring, for a segment's members */
    SC_TRIG_API,      /* POST /api/v1/scenarios/{id}/enter */
};

enum sc_kind {
    SC_SEND,
    SC_WAIT,
    SC_WAIT_FOR,
    SC_CONDITION,
    SC_SPLIT,
    SC_UPDATE,
    SC_WEBHOOK,
    SC_TASK,
    SC_GOAL,
    SC_EXIT,
};

/* A condition on an event: "properties.answer" = "broken seat". */
enum sc_where_op { SC_W_EQ, SC_W_NE, SC_W_LT, SC_W_LE, SC_W_GT, SC_W_GE, SC_W_EXISTS };
struct sc_where {
    const char *path; /* dotted, from the event's top: "properties.answer", "name" */
    enum sc_where_op op;
    json_t *value;    /* owned; NULL for SC_W_EXISTS */
};

struct sc_trigger {
    enum sc_trigger_type type;
    const char *segment; /* SEGMENT_*, SHIFT, SCHEDULE (optional: everyone when NULL) */
    const char *from, *to; /* SHIFT: sub-segments; NULL means any */
    const char *event;     /* EVENT */
    int64_t max_age_ms;    /* EVENT: an event older than this when it arrives starts nothing */
    struct sc_where where[SC_MAX_WHERE];
    int nwhere;
    const char *field;  /* DATE: "birth_date" or "attributes.contract_end" */
    int64_t offset_ms;  /* DATE: days before (< 0) or after the date */
    int at_minute;      /* DATE, and SCHEDULE's time of day: minutes after midnight */
    int64_t at_ms;      /* SCHEDULE: the first time */
    int64_t every_ms;   /* SCHEDULE: 0 once */
};

enum sc_update_kind { SC_UP_ATTRIBUTE, SC_UP_TAG, SC_UP_CONSENT };

struct sc_branch {
    const char *name; /* "a", "b", "control" */
    int weight;       /* percent */
    bool holdout;     /* receives nothing; the run ends measured as "holdout" */
    int to;           /* node index; -1 for a holdout */
};

struct sc_node {
    const char *id;
    enum sc_kind kind;
    int next;      /* the one exit (send, wait, update, webhook, task; -1 ends the run) */
    int yes, no;   /* condition */
    int happened, timed_out; /* wait_for */
    /* send */
    const char *channel, *template_name;
    bool per_household; /* a letter: one per household and template a day */
    /* wait: duration_ms, or until a time of day (until_minute >= 0) in the
     * profile's zone, or until a date field plus offset_ms */
    int64_t duration_ms;
    int until_minute;
    const char *until_field;
    int64_t offset_ms;
    /* wait_for: event, where, and duration_ms as the timeout */
    const char *event;
    struct sc_where where[SC_MAX_WHERE];
    int nwhere;
    /* condition, goal */
    struct sg_rule *rule;
    const char *rule_text;
    /* split */
    struct sc_branch branches[SC_MAX_BRANCHES];
    int nbranches;
    /* update */
    enum sc_update_kind update;
    const char *key;     /* attribute name, tag, or consent channel */
    json_t *value;       /* attribute value (owned) */
    const char *status;  /* consent: opted_in or opted_out */
    const char *purpose; /* consent, optional */
    const char *wording; /* consent: the proof's wording */
    /* webhook */
    const char *url, *secret;
    /* task */
    const char *title, *assignee, *description;
    /* exit */
    const char *reason;
};

struct sc_entry {
    bool reentry;           /* a profile may run again after its run ended */
    int64_t min_interval_ms; /* and not sooner than this after its last entry */
};

struct sc_def {
    struct arena arena;
    struct sc_trigger trigger;
    struct sc_entry entry;
    struct sc_node *nodes;
    int nnodes;
    int start;       /* the node the trigger leads to */
    int goals[8];    /* goal nodes: checked at every step and on every write */
    int ngoals;
    bool has_webhook;
};

/*
 * Read and validate a definition. On failure ERR_INVALID (ERR_TOO_BIG when
 * over the bounds) with a message that names the node ("node \"mail\": no
 * template") and e->field the JSON path ("nodes[2].template"). *out is NULL
 * then. Caller frees with sc_def_free.
 */
int sc_def_parse(const json_t *in, struct sc_def **out, struct errbuf *e);
void sc_def_free(struct sc_def *d);

/* The index of the node with that id, or -1. */
int sc_def_node(const struct sc_def *d, const char *id);

/*
 * What the definition names outside itself, for the caller to check: fn is
 * called with kind "template" (and the channel as detail) for each send,
 * "segment" for the trigger's segment and each segment a rule refers to.
 * A non-zero return stops the walk and is returned; fn fills e itself.
 */
int sc_def_refs(const struct sc_def *d,
                int (*fn)(void *ctx, const char *kind, const char *name, const char *detail,
                          const char *node, struct errbuf *e),
                void *ctx, struct errbuf *e);

/* Whether the event (a JSON object with name, properties, ...) meets where[0..n). */
bool sc_where_match(const struct sc_where *w, int n, const json_t *event);

const char *sc_kind_name(enum sc_kind k);

#endif
