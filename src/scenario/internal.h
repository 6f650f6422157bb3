/*
 * internal.h — what engine.c (scenarios, triggers, the tick) and run.c (a
 * run's steps) share inside src/scenario. Not for use outside it.
 */
#ifndef RONDO_SCENARIO_INTERNAL_H
#define RONDO_SCENARIO_INTERNAL_H

#include "scenario/def.h"
#include "scenario/engine.h"

struct sg_prof;
struct sg_rule;
struct tpl;

/* One version of a scenario's definition. */
struct sc_version {
    int64_t version;
    struct sc_def *def;
};

struct scen {
    int64_t id;
    char *name;
    char status[12];
    int64_t version, next_fire_at;
    int64_t since_event, since_transition; /* history: what came before its activation */
    struct sc_def *def;       /* the current version (also in versions[]) */
    int64_t segment_id;       /* the trigger's segment, 0 when none or unknown */
    struct sc_version *versions; /* loaded on demand */
    int nversions;
};

struct sc_template {
    char *name, *channel;
    struct tpl *subject, *body, *html; /* NULL when absent or not compiled */
    bool uses_order;                   /* reads {{order...}}: the order is looked up */
    bool missing;                      /* no template has the name (until the next reload) */
    char *error;                       /* why it did not compile, or NULL */
};

enum { SC_CH_EMAIL, SC_CH_SMS, SC_CH_PUSH, SC_CH_LETTER, SC_CH_CALL, SC_CH_WALLET,
       SC_CH_IN_APP, SC_CH_OUTBOX, SC_CH_COUNT };

struct sc_engine {
    struct sg_engine *sg;
    struct scen *scens;
    int nscens;
    int64_t stamp[3];
    struct sc_template *tpls;
    int ntpls;
    int64_t tpl_stamp;
    /* settings */
    int quiet_from, quiet_to; /* minutes after midnight; -1: no quiet hours */
    bool email_on;            /* an SMTP server is configured: e-mails are queued for it */
    bool provider_on[SC_CH_COUNT]; /* sms, push, wallet, in_app with an HTTP provider */
    char public_url[512];     /* where people reach rondo's links ("" none) */
    char link_secret[256];    /* signs them (unsubscribe_secret, at most 200) */
    int cap_n[SC_CH_COUNT];   /* 0: no cap */
    int64_t cap_ms[SC_CH_COUNT];
    /* "consent <channel>" for the channels that need an opt-in, parsed once */
    struct sg_rule *consent[SC_CH_COUNT];
    struct sc_tick *st; /* the current tick's counters */
};

/* A run in memory while it advances. */
enum sc_state { SC_READY, SC_WAITING, SC_EVENT, SC_ON_TASK, SC_DONE };
enum sc_resume { SC_RESUME_DUE, SC_RESUME_EVENT, SC_RESUME_TASK };

struct sc_run {
    int64_t id, scenario_id, version, profile_id;
    enum sc_state state;
    int node; /* index in def; -1 past the end */
    int64_t wake_at, seq, entered_at, ended_at;
    char branch[SC_MAX_ID + 1];
    char node_id[SC_MAX_ID + 1]; /* as read from the store, until bound to a definition */
    const char *outcome; /* static, or a node's text */
    json_t *payload;     /* owned, may be NULL */
    const char *scenario_name;
    bool hold; /* leave the node it waited at, but take no further step (a paused scenario) */
};

/* The definition of a run's version (loaded on first use). NULL when it cannot be read. */
struct sc_def *sc_version_def(struct sc_engine *g, struct store *s, struct scen *c,
                              int64_t version);
struct scen *sc_scen(struct sc_engine *g, int64_t id);

/*
 * Take the run's steps from where it is until it waits or ends, writing
 * each step, its effects, and finally the run's state (inserting a new run
 * first when r->id is 0).
 */
int sc_run_advance(struct sc_engine *g, struct store *s, const struct sc_def *d,
                   struct sc_run *r, enum sc_resume why, int64_t now, struct errbuf *e);

/*
 * End the run now with outcome (a goal met: "converted"): one step, at node
 * at_node (-1: where the run is), and the state.
 */
int sc_run_end(struct sc_engine *g, struct store *s, const struct sc_def *d, struct sc_run *r,
               const char *outcome, int at_node, int64_t now, struct errbuf *e);

/*
 * Whether some goal of d is met by the run's profile now (*goal: which),
 * counting in aggregates only what happened since the run entered.
 */
bool sc_goal_met(struct sc_engine *g, const struct sc_def *d, const struct sc_run *r, int64_t now,
                 int *goal);

/* The template of that name, compiled (cached per tick stamp); NULL when unknown. */
struct sc_template *sc_template(struct sc_engine *g, struct store *s, const char *name);

/*
 * The variant of a template for a language ("nl", "fr-BE"): "NAME.fr-be",
 * else "NAME.fr", else NAME itself. NULL when even NAME is unknown.
 */
struct sc_template *sc_template_for(struct sc_engine *g, struct store *s, const char *name,
                                    const char *language);

/*
 * The data templates see for a run: {profile, event (the trigger's payload),
 * run, order (when with_order: the order the event names by order_id, else
 * the newest), links (preferences: the person's preference page, when the
 * workspace has a public_url)}. Caller decrefs.
 */
json_t *sc_render_data(const struct sc_engine *g, struct store *s, const struct sg_prof *p,
                       const struct sc_run *r, bool with_order);

const char *sc_state_name(enum sc_state st);

/* A date of the profile ("birth_date" or "attributes.NAME") as days since 1970; false when absent. */
bool sc_date_field(const struct sg_prof *p, const char *field, int64_t *days);

/* Whether a message on channel ch leaves rondo (queued for a sender) rather than stays in the outbox. */
bool sc_channel_queues(const struct sc_engine *g, int ch);
int sc_channel_index(const char *channel);

#endif
