/*
 * store_scenarios.c — scenarios and their versions, runs and the step
 * ledger, messages, templates, tasks, and the cursors over new events,
 * orders and segment transitions that the scenario engine follows.
 *
 * Borrowed strings handed to callbacks live until the statement is reset,
 * which happens after the callback returns.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "store/store_int.h"

static int write_err(struct store *s)
{
    int x = sqlite3_extended_errcode(s->db);
    return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY ? ERR_EXISTS : ERR_DB;
}

/* Step a write statement, reset it: 0, ERR_EXISTS (a unique key) or ERR_DB. */
static int step_write(struct store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int err = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : write_err(s);
    sqlite3_reset(st);
    return err;
}

/* ---- scenarios -------------------------------------------------------------------- */

static const char SQL_SC_CREATE[] =
    "INSERT INTO scenarios(name, status, version, created_at, updated_at)"
    " VALUES (?1, 'draft', 1, ?2, ?2)";
static const char SQL_SC_VERSION_ADD[] =
    "INSERT INTO scenario_versions(scenario_id, version, definition, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char SQL_SC_UPDATE[] =
    "UPDATE scenarios SET name = coalesce(?2, name),"
    " version = version + (?3 IS NOT NULL), updated_at = ?4,"
    " next_fire_at = CASE WHEN ?3 IS NULL THEN next_fire_at END" /* a new trigger: armed anew */
    " WHERE id = ?1 AND status != 'archived' RETURNING version";
static const char SQL_SC_STATUS[] =
    "UPDATE scenarios SET status = ?2, updated_at = ?3,"
    " since_event = CASE WHEN ?2 = 'active' THEN"
    "  coalesce((SELECT max(id) FROM events), 0) ELSE since_event END,"
    " since_transition = CASE WHEN ?2 = 'active' THEN"
    "  coalesce((SELECT max(id) FROM segment_transitions), 0) ELSE since_transition END"
    " WHERE id = ?1";
static const char SQL_SC_FIRE[] = "UPDATE scenarios SET next_fire_at = ?2 WHERE id = ?1";
static const char SQL_SC_FIRE_GET[] = "SELECT coalesce(next_fire_at, 0) FROM scenarios WHERE id = ?1";
#define SC_COLS                                                                            \
    "SELECT c.id, c.name, c.status, c.version, coalesce(c.next_fire_at, 0), c.created_at,"  \
    " c.updated_at, v.definition, c.since_event, c.since_transition FROM scenarios c"       \
    " JOIN scenario_versions v ON v.scenario_id = c.id AND v.version = c.version"
static const char SQL_SC_LIST[] = SC_COLS " WHERE ?1 OR c.status != 'archived' ORDER BY c.id";
static const char SQL_SC_GET[] = SC_COLS " WHERE c.id = ?1";
static const char SQL_SC_VERSION[] =
    "SELECT definition FROM scenario_versions WHERE scenario_id = ?1 AND version = ?2";
/*
 * A counter every change of a scenario or template moves (times can be equal
 * on a simulated clock), and the settings the engine reads: quiet hours,
 * caps, the time zone.
 */
static const char SQL_SC_STAMP[] =
    "SELECT count(*), coalesce((SELECT value FROM store_meta WHERE key = 'scenario.changes'), 0),"
    " coalesce((SELECT value FROM store_meta WHERE key = 'settings.changes'), 0) FROM scenarios";
static const char SQL_SC_CHANGED[] =
    "INSERT INTO store_meta(key, value) VALUES ('scenario.changes', 1)"
    " ON CONFLICT (key) DO UPDATE SET value = value + 1";

static int changed(struct store *s, int rc)
{
    return rc ? rc : step_write(s, store_stmt(s, SQL_SC_CHANGED));
}

int store_scenario_create(struct store *s, const char *name, const char *definition, int64_t now,
                          int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_CREATE);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc = step_write(s, st);
    if (rc)
        return rc;
    int64_t sid = sqlite3_last_insert_rowid(s->db);
    st = store_stmt(s, SQL_SC_VERSION_ADD);
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, 1);
    sqlite3_bind_text(st, 3, definition, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    rc = changed(s, step_write(s, st));
    if (!rc && id)
        *id = sid;
    return rc;
}

int store_scenario_update(struct store *s, int64_t id, const char *name, const char *definition,
                          int64_t now, int64_t *version)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_UPDATE);
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, definition);
    sqlite3_bind_int64(st, 4, now);
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int err = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : write_err(s);
    sqlite3_reset(st);
    if (err)
        return err;
    if (definition) {
        st = store_stmt(s, SQL_SC_VERSION_ADD);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, v);
        sqlite3_bind_text(st, 3, definition, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        if ((err = step_write(s, st)))
            return err;
    }
    if (version)
        *version = v;
    return changed(s, 0);
}

int store_scenario_set_status(struct store *s, int64_t id, const char *status, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_STATUS);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int rc = step_write(s, st);
    if (rc)
        return rc;
    return sqlite3_changes(s->db) ? changed(s, 0) : ERR_NOT_FOUND;
}

int store_scenario_set_fire(struct store *s, int64_t id, int64_t next_fire_at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_FIRE);
    sqlite3_bind_int64(st, 1, id);
    if (next_fire_at)
        sqlite3_bind_int64(st, 2, next_fire_at);
    else
        sqlite3_bind_null(st, 2);
    return step_write(s, st);
}

int store_scenario_get_fire(struct store *s, int64_t id, int64_t *next_fire_at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_FIRE_GET);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    *next_fire_at = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

static int scenario_rows(struct store *s, sqlite3_stmt *st,
                         int (*fn)(void *ctx, const struct store_scenario *c), void *ctx,
                         bool *any)
{
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_scenario c = {
            .id = sqlite3_column_int64(st, 0),
            .name = store_col_text(st, 1),
            .status = store_col_text(st, 2),
            .version = sqlite3_column_int64(st, 3),
            .next_fire_at = sqlite3_column_int64(st, 4),
            .created_at = sqlite3_column_int64(st, 5),
            .updated_at = sqlite3_column_int64(st, 6),
            .definition = store_col_text(st, 7),
            .since_event = sqlite3_column_int64(st, 8),
            .since_transition = sqlite3_column_int64(st, 9),
        };
        *any = true;
        out = fn(ctx, &c);
    }
    if (!out && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = store_dberr(s, NULL, "reading scenarios");
    sqlite3_reset(st);
    return out;
}

int store_scenario_list(struct store *s, bool with_archived,
                        int (*fn)(void *ctx, const struct store_scenario *c), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_LIST);
    sqlite3_bind_int(st, 1, with_archived);
    bool any = false;
    return scenario_rows(s, st, fn, ctx, &any);
}

int store_scenario_get(struct store *s, int64_t id,
                       int (*fn)(void *ctx, const struct store_scenario *c), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_GET);
    sqlite3_bind_int64(st, 1, id);
    bool any = false;
    int rc = scenario_rows(s, st, fn, ctx, &any);
    return rc ? rc : any ? 0 : ERR_NOT_FOUND;
}

int store_scenario_version(struct store *s, int64_t id, int64_t version, char **definition)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_VERSION);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, version);
    int rc = sqlite3_step(st);
    *definition = rc == SQLITE_ROW ? xstrdup(store_col_text(st, 0)) : NULL;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_scenario_stamp(struct store *s, int64_t stamp[3])
{
    sqlite3_stmt *st = store_stmt(s, SQL_SC_STAMP);
    int rc = sqlite3_step(st);
    for (int i = 0; i < 3; i++)
        stamp[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}

/* ---- runs ----------------------------------------------------------------------------- */

static const char SQL_RUN_INSERT[] =
    "INSERT INTO runs(scenario_id, version, profile_id, state, node, wake_at, seq, branch,"
    " outcome, payload, entered_at, updated_at, ended_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char SQL_RUN_SAVE[] =
    "UPDATE runs SET state = ?2, node = ?3, wake_at = ?4, seq = ?5, branch = ?6, outcome = ?7,"
    " updated_at = ?8, ended_at = ?9 WHERE id = ?1";
static const char SQL_RUN_STEP[] =
    "INSERT INTO run_steps(run_id, seq, node, outcome, at) VALUES (?1, ?2, ?3, ?4, ?5)";
#define RUN_COLS                                                                           \
    "SELECT id, scenario_id, version, profile_id, state, node, coalesce(wake_at, 0), seq,"  \
    " branch, outcome, payload, entered_at, updated_at, coalesce(ended_at, 0) FROM runs"
static const char SQL_RUNS_DUE[] =
    RUN_COLS " WHERE state IN ('ready', 'waiting', 'event') AND wake_at <= ?1"
             " ORDER BY wake_at, id LIMIT ?2";
static const char SQL_RUNS_PROFILE[] =
    RUN_COLS " WHERE profile_id = ?1 AND (?2 = 0 OR state != 'done') ORDER BY id DESC";
static const char SQL_RUN_GET[] = RUN_COLS " WHERE id = ?1";
static const char SQL_RUNS_SCENARIO[] =
    RUN_COLS " WHERE scenario_id = ?1 AND id > ?2"
             " AND (?3 IS NULL OR state = ?3 OR (?3 = 'active' AND state != 'done'))"
             " ORDER BY id LIMIT ?4";
static const char SQL_RUN_STEPS[] =
    "SELECT seq, node, outcome, at FROM run_steps WHERE run_id = ?1 ORDER BY seq LIMIT ?2";
static const char SQL_RUN_ENTRY[] =
    "SELECT coalesce(max(state != 'done'), 0), coalesce(max(entered_at), 0) FROM runs"
    " WHERE profile_id = ?2 AND scenario_id = ?1";
static void bind_opt_i64(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int store_run_insert(struct store *s, struct store_run *r)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUN_INSERT);
    sqlite3_bind_int64(st, 1, r->scenario_id);
    sqlite3_bind_int64(st, 2, r->version);
    sqlite3_bind_int64(st, 3, r->profile_id);
    sqlite3_bind_text(st, 4, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->node, -1, SQLITE_STATIC);
    bind_opt_i64(st, 6, r->wake_at);
    sqlite3_bind_int64(st, 7, r->seq);
    store_bind_text(st, 8, r->branch);
    store_bind_text(st, 9, r->outcome);
    store_bind_text(st, 10, r->payload);
    sqlite3_bind_int64(st, 11, r->entered_at);
    sqlite3_bind_int64(st, 12, r->updated_at);
    bind_opt_i64(st, 13, r->ended_at);
    int rc = step_write(s, st);
    if (!rc)
        r->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int store_run_save(struct store *s, const struct store_run *r)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUN_SAVE);
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_text(st, 2, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->node, -1, SQLITE_STATIC);
    bind_opt_i64(st, 4, r->wake_at);
    sqlite3_bind_int64(st, 5, r->seq);
    store_bind_text(st, 6, r->branch);
    store_bind_text(st, 7, r->outcome);
    sqlite3_bind_int64(st, 8, r->updated_at);
    bind_opt_i64(st, 9, r->ended_at);
    return step_write(s, st);
}

int store_run_step(struct store *s, int64_t run_id, int64_t seq, const char *node,
                   const char *outcome, int64_t at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUN_STEP);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, at);
    return step_write(s, st);
}

static int run_rows(struct store *s, sqlite3_stmt *st,
                    int (*fn)(void *ctx, const struct store_run *r), void *ctx, bool *any)
{
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_run r = {
            .id = sqlite3_column_int64(st, 0),
            .scenario_id = sqlite3_column_int64(st, 1),
            .version = sqlite3_column_int64(st, 2),
            .profile_id = sqlite3_column_int64(st, 3),
            .state = store_col_text(st, 4),
            .node = store_col_text(st, 5),
            .wake_at = sqlite3_column_int64(st, 6),
            .seq = sqlite3_column_int64(st, 7),
            .branch = store_col_text(st, 8),
            .outcome = store_col_text(st, 9),
            .payload = store_col_text(st, 10),
            .entered_at = sqlite3_column_int64(st, 11),
            .updated_at = sqlite3_column_int64(st, 12),
            .ended_at = sqlite3_column_int64(st, 13),
        };
        if (any)
            *any = true;
        out = fn(ctx, &r);
    }
    if (!out && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = store_dberr(s, NULL, "reading runs");
    sqlite3_reset(st);
    return out;
}

int store_runs_due(struct store *s, int64_t now, int limit,
                   int (*fn)(void *ctx, const struct store_run *r), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUNS_DUE);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    return run_rows(s, st, fn, ctx, NULL);
}

int store_runs_of_profile(struct store *s, int64_t profile_id, bool active_only,
                          int (*fn)(void *ctx, const struct store_run *r), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUNS_PROFILE);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_int(st, 2, active_only);
    return run_rows(s, st, fn, ctx, NULL);
}

int store_run_get(struct store *s, int64_t id, int (*fn)(void *ctx, const struct store_run *r),
                  void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUN_GET);
    sqlite3_bind_int64(st, 1, id);
    bool any = false;
    int rc = run_rows(s, st, fn, ctx, &any);
    return rc ? rc : any ? 0 : ERR_NOT_FOUND;
}

int store_scenario_runs(struct store *s, int64_t scenario_id, const char *state, int64_t after,
                        int limit, int (*fn)(void *ctx, const struct store_run *r), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUNS_SCENARIO);
    sqlite3_bind_int64(st, 1, scenario_id);
    sqlite3_bind_int64(st, 2, after);
    store_bind_text(st, 3, state);
    sqlite3_bind_int(st, 4, limit);
    return run_rows(s, st, fn, ctx, NULL);
}

int store_run_steps(struct store *s, int64_t run_id, int limit, json_t **out)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = store_stmt(s, SQL_RUN_STEPS);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        store_json_set_col(o, "seq", st, 0);
        store_json_set_col(o, "node", st, 1);
        store_json_set_col(o, "outcome", st, 2);
        store_json_set_timecol(o, "at", st, 3);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        *out = NULL;
        return store_dberr(s, NULL, "reading a run's steps");
    }
    *out = arr;
    return 0;
}

int store_run_entry(struct store *s, int64_t scenario_id, int64_t profile_id, bool *active,
                    int64_t *last_entered_at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RUN_ENTRY);
    sqlite3_bind_int64(st, 1, scenario_id);
    sqlite3_bind_int64(st, 2, profile_id);
    int rc = sqlite3_step(st);
    *active = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    *last_entered_at = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}

static const char SQL_RUNS_END_ALL_STEP[] =
    "INSERT INTO run_steps(run_id, seq, node, outcome, at)"
    " SELECT id, seq + 1, node, 'end:' || ?2, ?3 FROM runs"
    " WHERE scenario_id = ?1 AND state != 'done'";
static const char SQL_RUNS_END_ALL[] =
    "UPDATE runs SET state = 'done', outcome = ?2, seq = seq + 1, wake_at = NULL,"
    " ended_at = ?3, updated_at = ?3 WHERE scenario_id = ?1 AND state != 'done'";

int store_runs_end_scenario(struct store *s, int64_t scenario_id, const char *outcome,
                            int64_t now)
{
    const char *sql[] = {SQL_RUNS_END_ALL_STEP, SQL_RUNS_END_ALL};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(s, sql[i]);
        sqlite3_bind_int64(st, 1, scenario_id);
        sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        int rc = step_write(s, st);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- counts and views --------------------------------------------------------------- */

static const char SQL_COUNT_STEPS[] =
    "SELECT t.node, t.outcome, count(*) FROM run_steps t JOIN runs r ON r.id = t.run_id"
    " WHERE r.scenario_id = ?1 GROUP BY t.node, t.outcome";
static const char SQL_COUNT_WAITING[] =
    "SELECT node, count(*) FROM runs WHERE scenario_id = ?1 AND state != 'done' GROUP BY node";
static const char SQL_COUNT_RUNS[] =
    "SELECT coalesce(outcome, ''), state = 'done', count(*) FROM runs WHERE scenario_id = ?1"
    " GROUP BY 1, 2";

static json_t *node_entry(json_t *nodes, const char *node)
{
    json_t *n = json_object_get(nodes, node);
    if (!n) {
        n = json_pack("{s:i, s:i, s:i, s:{}, s:{}}", "entered", 0, "waiting", 0, "passed", 0,
                      "outcomes", "exited");
        json_object_set_new(nodes, node, n);
    }
    return n;
}

static void add_int(json_t *o, const char *key, int64_t v)
{
    json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + v));
}

int store_scenario_counts(struct store *s, int64_t scenario_id, json_t **out)
{
    json_t *nodes = json_object(), *outcomes = json_object();
    int64_t active = 0, done = 0;
    /* the ledger: a step that is not an end passed the node (by outcome: yes, no, sent, ...) */
    sqlite3_stmt *st = store_stmt(s, SQL_COUNT_STEPS);
    sqlite3_bind_int64(st, 1, scenario_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *n = node_entry(nodes, store_col_text(st, 0));
        const char *what = store_col_text(st, 1);
        int64_t k = sqlite3_column_int64(st, 2);
        add_int(n, "entered", k);
        if (!strncmp(what, "end:", 4)) {
            add_int(json_object_get(n, "exited"), what + 4, k);
        } else {
            add_int(n, "passed", k);
            add_int(json_object_get(n, "outcomes"), what, k);
        }
    }
    sqlite3_reset(st);
    st = store_stmt(s, SQL_COUNT_WAITING);
    sqlite3_bind_int64(st, 1, scenario_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *n = node_entry(nodes, store_col_text(st, 0));
        int64_t k = sqlite3_column_int64(st, 1);
        add_int(n, "entered", k);
        add_int(n, "waiting", k);
    }
    sqlite3_reset(st);
    st = store_stmt(s, SQL_COUNT_RUNS);
    sqlite3_bind_int64(st, 1, scenario_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t k = sqlite3_column_int64(st, 2);
        if (sqlite3_column_int(st, 1)) {
            add_int(outcomes, store_col_text(st, 0), k);
            done += k;
        } else {
            active += k;
        }
    }
    sqlite3_reset(st);
    *out = json_pack("{s:o, s:{s:I, s:I, s:I, s:o}}", "nodes", nodes, "totals", "runs",
                     (json_int_t)(active + done), "active", (json_int_t)active, "done",
                     (json_int_t)done, "outcomes", outcomes);
    return 0;
}

static const char SQL_PROFILE_RUNS[] =
    "SELECT r.id, r.scenario_id, c.name, r.version, r.state, r.node, r.wake_at, r.branch,"
    " r.outcome, r.entered_at, r.ended_at FROM runs r JOIN scenarios c ON c.id = r.scenario_id"
    " WHERE r.profile_id = ?1 ORDER BY r.id DESC LIMIT 100";

int store_profile_runs(struct store *s, int64_t profile_id, json_t **out)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = store_stmt(s, SQL_PROFILE_RUNS);
    sqlite3_bind_int64(st, 1, profile_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        store_json_set_col(o, "id", st, 0);
        store_json_set_col(o, "scenario_id", st, 1);
        store_json_set_col(o, "scenario", st, 2);
        store_json_set_col(o, "version", st, 3);
        store_json_set_col(o, "state", st, 4);
        store_json_set_col(o, "node", st, 5);
        store_json_set_timecol(o, "wake_at", st, 6);
        store_json_set_col(o, "branch", st, 7);
        store_json_set_col(o, "outcome", st, 8);
        store_json_set_timecol(o, "entered_at", st, 9);
        store_json_set_timecol(o, "ended_at", st, 10);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    *out = arr;
    return 0;
}

/* ---- messages ------------------------------------------------------------------------ */

static const char SQL_MSG_INSERT[] =
    "INSERT INTO messages(profile_id, channel, template, run_id, step, scenario_id, status,"
    " address, subject, body, html, next_attempt_at, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12,"
    " CASE WHEN ?7 = 'queued' THEN ?11 END, ?11, ?11)";
static const char SQL_MSG_EVENT[] =
    "INSERT INTO message_events(message_id, status, detail, at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_MSG_GET[] =
    "SELECT id, profile_id, channel, template, run_id, step, scenario_id, status, address,"
    " subject, body, html, created_at, attempts, last_error FROM messages WHERE id = ?1";
static const char SQL_MSG_HISTORY[] =
    "SELECT status, detail, at FROM message_events WHERE message_id = ?1 ORDER BY id";

static int message_event(struct store *s, int64_t id, const char *status, const char *detail,
                         int64_t at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_EVENT);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    store_bind_text(st, 3, detail);
    sqlite3_bind_int64(st, 4, at);
    return step_write(s, st);
}

static const char SQL_MSG_SENT_AT[] =
    "SELECT m.profile_id, coalesce((SELECT min(at) FROM message_events e"
    " WHERE e.message_id = m.id AND e.status = 'sent'), 0) FROM messages m WHERE m.id = ?1";

int store_message_sent_at(struct store *s, int64_t id, int64_t *profile_id, int64_t *sent_at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_SENT_AT);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *profile_id = sqlite3_column_int64(st, 0);
        *sent_at = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_message_note(struct store *s, int64_t id, const char *what, const char *detail,
                       int64_t at)
{
    return message_event(s, id, what, detail, at);
}

static const char SQL_MSG_STATUS[] = "UPDATE messages SET status = ?2, updated_at = ?3 WHERE id = ?1";

int store_message_status(struct store *s, int64_t id, const char *status, const char *detail,
                         int64_t at)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_STATUS);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    int rc = step_write(s, st);
    return rc ? rc : message_event(s, id, status, detail, at);
}

int store_message_get(struct store *s, int64_t id, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_GET);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW) {
        json_t *o = json_object();
        static const char *const keys[] = {"id",      "profile_id", "channel", "template",
                                           "run_id",  "step",       "scenario_id", "status",
                                           "address", "subject",    "body",    "html"};
        for (int i = 0; i < 12; i++)
            store_json_set_col(o, keys[i], st, i);
        store_json_set_timecol(o, "created_at", st, 12);
        store_json_set_col(o, "attempts", st, 13);
        store_json_set_col(o, "last_error", st, 14);
        *out = o;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    json_t *hist = json_array();
    st = store_stmt(s, SQL_MSG_HISTORY);
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *h = json_object();
        store_json_set_col(h, "status", st, 0);
        store_json_set_col(h, "detail", st, 1);
        store_json_set_timecol(h, "at", st, 2);
        json_array_append_new(hist, h);
    }
    sqlite3_reset(st);
    json_object_set_new(*out, "history", hist);
    return 0;
}

static const char SQL_MSG_DUE[] =
    "SELECT id, coalesce(run_id, 0), coalesce(step, 0), address, subject, body, attempts,"
    " profile_id, html"
    " FROM messages WHERE status = 'queued' AND channel = ?1 AND next_attempt_at <= ?2"
    " ORDER BY next_attempt_at, id LIMIT ?3";
static const char SQL_MSG_RESULT[] =
    "UPDATE messages SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5,"
    " updated_at = ?6 WHERE id = ?1 AND status = 'queued'";
static const char SQL_MSG_COUNT[] =
    "SELECT count(*) FROM messages WHERE profile_id = ?1 AND channel = ?2 AND created_at >= ?3"
    " AND status IN ('queued', 'sent', 'stored', 'delivered', 'opened', 'clicked', 'batched',"
    " 'called')";
static const char SQL_MSG_LIST[] =
    "SELECT id, profile_id, channel, template, run_id, step, scenario_id, status, address,"
    " subject, body, html, created_at FROM messages"
    " WHERE (?1 = 0 OR profile_id = ?1) AND (?2 = 0 OR run_id = ?2)"
    " AND (?3 = 0 OR scenario_id = ?3) ORDER BY id DESC LIMIT ?4";
static const char SQL_SUPPRESSED[] =
    "SELECT 1 FROM suppressions WHERE channel = ?1 AND address = lower(?2)";

int store_message_insert(struct store *s, struct store_message *m)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_INSERT);
    sqlite3_bind_int64(st, 1, m->profile_id);
    sqlite3_bind_text(st, 2, m->channel, -1, SQLITE_STATIC);
    store_bind_text(st, 3, m->template_name);
    bind_opt_i64(st, 4, m->run_id);
    bind_opt_i64(st, 5, m->run_id ? m->step : 0);
    bind_opt_i64(st, 6, m->scenario_id);
    sqlite3_bind_text(st, 7, m->status, -1, SQLITE_STATIC);
    store_bind_text(st, 8, m->address);
    store_bind_text(st, 9, m->subject);
    store_bind_text(st, 10, m->body);
    sqlite3_bind_int64(st, 11, m->created_at);
    store_bind_text(st, 12, m->html);
    int rc = step_write(s, st);
    if (rc == ERR_EXISTS)
        return ERR_DUPLICATE;
    if (!rc)
        m->id = sqlite3_last_insert_rowid(s->db);
    return rc ? rc : message_event(s, m->id, m->status, NULL, m->created_at);
}

int store_message_count(struct store *s, int64_t profile_id, const char *channel, int64_t since,
                        int64_t *n)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_COUNT);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, since);
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ERR_DB;
}

int store_message_list(struct store *s, int64_t profile_id, int64_t run_id, int64_t scenario_id,
                       int limit, json_t **out)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_LIST);
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_int64(st, 2, run_id);
    sqlite3_bind_int64(st, 3, scenario_id);
    sqlite3_bind_int(st, 4, limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        static const char *const keys[] = {"id",     "profile_id", "channel", "template",
                                           "run_id", "step",       "scenario_id", "status",
                                           "address", "subject",   "body",    "html"};
        for (int i = 0; i < 12; i++)
            store_json_set_col(o, keys[i], st, i);
        store_json_set_timecol(o, "created_at", st, 12);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    *out = arr;
    return 0;
}

int store_messages_due(struct store *s, const char *channel, int64_t now, int limit,
                       int (*fn)(void *ctx, const struct store_queued *q), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_DUE);
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int(st, 3, limit);
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_queued q = {
            .id = sqlite3_column_int64(st, 0), .run_id = sqlite3_column_int64(st, 1),
            .step = sqlite3_column_int64(st, 2), .address = store_col_text(st, 3),
            .subject = store_col_text(st, 4), .body = store_col_text(st, 5),
            .attempts = sqlite3_column_int(st, 6),
            .profile_id = sqlite3_column_int64(st, 7), .html = store_col_text(st, 8),
        };
        out = fn(ctx, &q);
    }
    if (!out && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = ERR_DB;
    sqlite3_reset(st);
    return out;
}

int store_message_result(struct store *s, int64_t id, const char *status, int attempts,
                         int64_t next_attempt_at, const char *error, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_RESULT);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, attempts);
    bind_opt_i64(st, 4, next_attempt_at);
    store_bind_text(st, 5, error);
    sqlite3_bind_int64(st, 6, now);
    int rc = step_write(s, st);
    if (!rc && !sqlite3_changes(s->db))
        return 0; /* no longer queued: nothing happened */
    return rc ? rc : message_event(s, id, status, error, now);
}

static const char SQL_MSG_CANCEL_EVENTS[] =
    "INSERT INTO message_events(message_id, status, detail, at)"
    " SELECT id, 'cancelled', ?3, ?4 FROM messages"
    " WHERE profile_id = ?1 AND channel = ?2 AND status = 'queued'";
static const char SQL_MSG_CANCEL[] =
    "UPDATE messages SET status = 'cancelled', next_attempt_at = NULL, updated_at = ?4"
    " WHERE profile_id = ?1 AND channel = ?2 AND status = 'queued' AND ?3 IS NOT NULL";

int store_messages_cancel(struct store *s, int64_t profile_id, const char *channel,
                          const char *reason, int64_t now)
{
    const char *sql[] = {SQL_MSG_CANCEL_EVENTS, SQL_MSG_CANCEL};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(s, sql[i]);
        sqlite3_bind_int64(st, 1, profile_id);
        sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        int rc = step_write(s, st);
        if (rc)
            return rc;
    }
    return 0;
}

static const char SQL_HOUSEHOLD_LETTER[] =
    "SELECT EXISTS (SELECT 1 FROM messages m JOIN profiles p ON p.id = m.profile_id"
    " WHERE p.household_id = ?1 AND m.channel = 'letter' AND m.template = ?2"
    " AND m.created_at >= ?3 AND m.status IN ('stored', 'queued', 'batched'))";

bool store_household_letter_since(struct store *s, int64_t household_id, const char *template_name,
                                  int64_t since)
{
    sqlite3_stmt *st = store_stmt(s, SQL_HOUSEHOLD_LETTER);
    sqlite3_bind_int64(st, 1, household_id);
    sqlite3_bind_text(st, 2, template_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, since);
    bool yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return yes;
}

static const char SQL_SUPPRESS[] =
    "INSERT OR IGNORE INTO suppressions(channel, address, reason, created_at)"
    " VALUES (?1, lower(?2), ?3, ?4)";
static const char SQL_MSG_OWNER[] =
    "SELECT profile_id, channel, coalesce(address, '') FROM messages WHERE id = ?1";

int store_suppress(struct store *s, const char *channel, const char *address,
                   const char *reason, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, SQL_SUPPRESS);
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return step_write(s, st);
}

int store_message_owner(struct store *s, int64_t id, int64_t *profile_id, char channel[16],
                        char *address, size_t address_len)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MSG_OWNER);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *profile_id = sqlite3_column_int64(st, 0);
        snprintf(channel, 16, "%s", store_col_text(st, 1));
        snprintf(address, address_len, "%s", store_col_text(st, 2));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

bool store_suppressed(struct store *s, const char *channel, const char *address)
{
    if (!address)
        return false;
    sqlite3_stmt *st = store_stmt(s, SQL_SUPPRESSED);
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return yes;
}

/* ---- templates --------------------------------------------------------------------- */

static const char SQL_TPL_PUT[] =
    "INSERT INTO templates(name, channel, subject, body, html, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (name) DO UPDATE SET"
    " channel = excluded.channel, subject = excluded.subject, body = excluded.body,"
    " html = excluded.html, updated_at = excluded.updated_at RETURNING id";
static const char SQL_TPL_GET[] =
    "SELECT id, name, channel, subject, body, html, updated_at FROM templates WHERE name = ?1";
static const char SQL_TPL_LIST[] =
    "SELECT id, name, channel, subject, body, html, updated_at FROM templates ORDER BY name";

int store_template_put(struct store *s, const char *name, const char *channel,
                       const char *subject, const char *body, const char *html, int64_t now,
                       int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TPL_PUT);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    store_bind_text(st, 3, subject);
    store_bind_text(st, 4, body);
    store_bind_text(st, 5, html);
    sqlite3_bind_int64(st, 6, now);
    int rc = sqlite3_step(st);
    if (id)
        *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int err = rc == SQLITE_ROW ? 0 : write_err(s);
    sqlite3_reset(st);
    return changed(s, err);
}

static json_t *template_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    static const char *const keys[] = {"id", "name", "channel", "subject", "body", "html"};
    for (int i = 0; i < 6; i++)
        store_json_set_col(o, keys[i], st, i);
    store_json_set_timecol(o, "updated_at", st, 6);
    return o;
}

int store_template_get(struct store *s, const char *name, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TPL_GET);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? template_row(st) : NULL;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

int store_template_list(struct store *s, json_t **out)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = store_stmt(s, SQL_TPL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, template_row(st));
    sqlite3_reset(st);
    *out = arr;
    return 0;
}

/* ---- tasks ----------------------------------------------------------------------------- */

static const char SQL_TASK_CREATE[] =
    "INSERT INTO tasks(run_id, profile_id, title, description, assignee, token, status,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7)";
static const char SQL_TASK_FIND[] = "SELECT id, coalesce(run_id, 0), status FROM tasks WHERE token = ?1";
static const char SQL_TASK_RESOLVE[] =
    "UPDATE tasks SET status = 'resolved', resolved_at = ?2 WHERE id = ?1";
#define TASK_COLS                                                                          \
    "SELECT id, run_id, profile_id, title, description, assignee, status, created_at,"      \
    " resolved_at, '/t/' || token FROM tasks"
static const char SQL_TASK_LIST[] =
    TASK_COLS " WHERE ?1 = 0 OR status = 'open' ORDER BY id DESC LIMIT ?2";
static const char SQL_TASK_GET[] = TASK_COLS " WHERE token = ?1";

int store_task_create(struct store *s, int64_t run_id, int64_t profile_id, const char *title,
                      const char *description, const char *assignee, const char *token,
                      int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TASK_CREATE);
    bind_opt_i64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, profile_id);
    sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
    store_bind_text(st, 4, description);
    store_bind_text(st, 5, assignee);
    sqlite3_bind_text(st, 6, token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    int rc = step_write(s, st);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int store_task_resolve(struct store *s, const char *token, int64_t now, int64_t *task_id,
                       int64_t *run_id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TASK_FIND);
    sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
    }
    *task_id = sqlite3_column_int64(st, 0);
    *run_id = sqlite3_column_int64(st, 1);
    bool open = !strcmp(store_col_text(st, 2), "open");
    sqlite3_reset(st);
    if (!open)
        return ERR_DUPLICATE;
    st = store_stmt(s, SQL_TASK_RESOLVE);
    sqlite3_bind_int64(st, 1, *task_id);
    sqlite3_bind_int64(st, 2, now);
    return step_write(s, st);
}

static json_t *task_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    static const char *const keys[] = {"id",          "run_id",   "profile_id", "title",
                                       "description", "assignee", "status"};
    for (int i = 0; i < 7; i++)
        store_json_set_col(o, keys[i], st, i);
    store_json_set_timecol(o, "created_at", st, 7);
    store_json_set_timecol(o, "resolved_at", st, 8);
    store_json_set_col(o, "link", st, 9);
    return o;
}

int store_task_list(struct store *s, bool open_only, int limit, json_t **out)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = store_stmt(s, SQL_TASK_LIST);
    sqlite3_bind_int(st, 1, open_only);
    sqlite3_bind_int(st, 2, limit);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, task_row(st));
    sqlite3_reset(st);
    *out = arr;
    return 0;
}

int store_task_get(struct store *s, const char *token, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TASK_GET);
    sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? task_row(st) : NULL;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
}

/* ---- cursors over what is new -------------------------------------------------------- */

static const char SQL_META_GET[] = "SELECT value FROM store_meta WHERE key = ?1";
static const char SQL_META_SET[] =
    "INSERT INTO store_meta(key, value) VALUES (?1, ?2) ON CONFLICT (key)"
    " DO UPDATE SET value = excluded.value";
static const char SQL_EVENTS_AFTER[] =
    "SELECT id, profile_id, ts, type, name, properties FROM events WHERE id > ?1"
    " ORDER BY id LIMIT ?2";
static const char SQL_ORDERS_AFTER[] =
    "SELECT id, profile_id FROM orders WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char SQL_TRANSITIONS_AFTER[] =
    "SELECT id, segment_id, profile_id, at, kind, from_sub, to_sub FROM segment_transitions"
    " WHERE id > ?1 ORDER BY id LIMIT ?2";

int store_meta_get(struct store *s, const char *key, int64_t *value)
{
    sqlite3_stmt *st = store_stmt(s, SQL_META_GET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *value = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_meta_set(struct store *s, const char *key, int64_t value)
{
    sqlite3_stmt *st = store_stmt(s, SQL_META_SET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    return step_write(s, st);
}

static const char SQL_CURSORS_START[] =
    "INSERT OR IGNORE INTO store_meta(key, value) VALUES"
    " ('scenario.cursor.events', coalesce((SELECT max(id) FROM events), -1)),"
    " ('scenario.cursor.orders', coalesce((SELECT max(id) FROM orders), 0)),"
    " ('scenario.cursor.transitions', coalesce((SELECT max(id) FROM segment_transitions), 0))";

int store_scenario_cursors_start(struct store *s)
{
    return step_write(s, store_stmt(s, SQL_CURSORS_START));
}

int store_events_after(struct store *s, int64_t after, int limit,
                       int (*fn)(void *ctx, const struct store_new_event *ev), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_EVENTS_AFTER);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    int rc, out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_new_event ev = {
            .id = sqlite3_column_int64(st, 0),
            .profile_id = sqlite3_column_int64(st, 1),
            .ts = sqlite3_column_int64(st, 2),
            .type = store_col_text(st, 3),
            .name = store_col_text(st, 4),
            .properties = store_col_text(st, 5),
        };
        out = fn(ctx, &ev);
    }
    sqlite3_reset(st);
    return out;
}

int store_order_profiles_after(struct store *s, int64_t after, int limit,
                               int (*fn)(void *ctx, int64_t profile_id), void *ctx, int64_t *last)
{
    sqlite3_stmt *st = store_stmt(s, SQL_ORDERS_AFTER);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    int out = 0;
    *last = after;
    while (!out && sqlite3_step(st) == SQLITE_ROW) {
        *last = sqlite3_column_int64(st, 0);
        out = fn(ctx, sqlite3_column_int64(st, 1));
    }
    sqlite3_reset(st);
    return out;
}

int store_transitions_after(struct store *s, int64_t after, int limit,
                            int (*fn)(void *ctx, const struct store_transition *t), void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, SQL_TRANSITIONS_AFTER);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    int out = 0;
    while (!out && sqlite3_step(st) == SQLITE_ROW) {
        struct store_transition t = {
            .id = sqlite3_column_int64(st, 0),
            .segment_id = sqlite3_column_int64(st, 1),
            .profile_id = sqlite3_column_int64(st, 2),
            .at = sqlite3_column_int64(st, 3),
            .kind = store_col_text(st, 4),
            .from_sub = store_col_text(st, 5),
            .to_sub = store_col_text(st, 6),
        };
        out = fn(ctx, &t);
    }
    sqlite3_reset(st);
    return out;
}
