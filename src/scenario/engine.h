/*
 * engine.h — scenarios at work (issue 6): triggers start runs, the scheduler
 * advances them step by step, and every step is written with its effects
 * (a message, an attribute, a task) and the run's new state in the caller's
 * transaction, so a crash replays nothing and skips nothing.
 *
 * The engine belongs to one thread (the writer in `rondo serve`, or a
 * command) and reads profiles through the segment engine's world, which
 * must be current (the writer's commit hook keeps it so). Time is always
 * the `now` a caller passes (clock_now(), real or simulated).
 *
 * docs/scenarios.md describes the behaviour for users; docs/internals/
 * scenarios.md the design.
 */
#ifndef RONDO_SCENARIO_ENGINE_H
#define RONDO_SCENARIO_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

struct sc_engine;
struct sg_engine;

/* Workspace settings the engine reads (rondo settings). */
#define SETTING_QUIET_HOURS "quiet_hours"     /* "21:00-08:00", in the profile's zone */
#define SETTING_CAP_PREFIX "frequency_cap."   /* frequency_cap.email = "3/7d" */

/* Check a setting's value (for `rondo settings set`). */
int sc_check_quiet_hours(const char *value, struct errbuf *e);
int sc_check_cap(const char *value, struct errbuf *e);

/*
 * Open an engine over the store's scenarios, reading profiles from sg's world
 * (borrowed; it must outlive the engine). Caller frees.
 */
int sc_engine_open(struct store *s, struct sg_engine *sg, struct sc_engine **out,
                   struct errbuf *e);
void sc_engine_free(struct sc_engine *g);

/* Read the scenarios and settings again (after a change by this or another process). */
int sc_engine_reload(struct sc_engine *g, struct store *s, struct errbuf *e);

/*
 * Validate a definition (JSON) against the workspace: sc_def_parse, then
 * every template and segment it names must exist (a shift's sub-segments
 * too). ERR_INVALID with the node and the field. Needs no engine.
 */
int sc_check_definition(struct store *s, const json_t *definition, struct errbuf *e);

/*
 * Start a run of an active scenario for a profile now, with payload (the
 * trigger's data, may be NULL), and take its first steps. *refused is NULL
 * when a run started (*run_id), else why not: "not_active",
 * "unknown_profile", "already_running", "no_reentry", "too_soon".
 */
int sc_engine_enter(struct sc_engine *g, struct store *s, int64_t scenario_id, int64_t profile_id,
                    const json_t *payload, int64_t now, int64_t *run_id, const char **refused,
                    struct errbuf *e);

struct sc_tick {
    int64_t entered, advanced, steps, messages, ended;
    bool more; /* the budget ran out with work left: call again */
};

/*
 * One round of the scheduler at now: new segment transitions and events
 * (triggers, wait_for, goals), schedule and date triggers that are due,
 * then due runs, at most budget runs in all. Run it inside a transaction.
 */
int sc_engine_tick(struct sc_engine *g, struct store *s, int64_t now, int budget,
                   struct sc_tick *st, struct errbuf *e);

/*
 * A transactional message: one template to one profile now, through the same
 * checks and rendering as a scenario's send step (data is what templates see
 * as "event"). Transactional: no marketing opt-in, cap or quiet hours (an
 * order confirmation), but the address must be there and not suppressed;
 * otherwise consent applies as in scenarios. *status is the message's
 * status; ERR_NOT_FOUND (field profile_id), ERR_INVALID (channel, template).
 */
int sc_send_now(struct sc_engine *g, struct store *s, int64_t profile_id, const char *channel,
                const char *template_name, const json_t *data, bool transactional, int64_t now,
                int64_t *message_id, const char **status, struct errbuf *e);

/*
 * A template rendered for a profile, as it would be sent, without sending:
 * {template (the language variant used), channel, profile_id, subject,
 * text, html}. data: what the template sees as "event". ERR_NOT_FOUND
 * (field profile_id or name), ERR_INVALID (a template that does not compile).
 */
int sc_preview(struct sc_engine *g, struct store *s, const char *template_name,
               int64_t profile_id, const json_t *data, json_t **out, struct errbuf *e);

/* A task was resolved: its run goes on now (call inside the transaction that resolved it). */
int sc_engine_task_resolved(struct sc_engine *g, struct store *s, int64_t run_id, int64_t now,
                            struct errbuf *e);

/* Whether a scenario's trigger is one of these (for the API: which may be entered by a call). */
bool sc_engine_accepts_api(struct sc_engine *g, int64_t scenario_id);

#endif
