/*
 * store_merge.c — merging two profiles and undoing it.
 *
 * A merge moves every row of the absorbed profile (identities, raw records,
 * events, orders, the consent ledger) to the survivor; a moved row keeps the
 * profile it came from in origin_id (set on its first move only). The merge
 * log keeps both profile rows as they were (snapshot). Current consents are
 * always what the ledger says (the newest statement per channel and purpose,
 * an opt-out winning at equal times), so a merge can never turn an opt-out
 * into an opt-in and an unmerge can rebuild each side from its own ledger.
 *
 * An unmerge of profile A finds A's subtree (A and every profile merged into
 * it by a merge still in force), moves the rows whose origin is in that
 * subtree back to A, restores the tombstones under A, rebuilds both sides'
 * consents, and records the split so that matching never redoes it.
 *
 * Both recompute the profile_stats of the profiles they change; a profile
 * absorbed loses its stats row and its segment memberships (the engine
 * re-evaluates the survivor).
 */
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/store_int.h"

static const char SQL_MOVE_IDENTITIES[] =
    "UPDATE identities SET origin_id = coalesce(origin_id, profile_id), profile_id = ?1"
    " WHERE profile_id = ?2";
static const char SQL_MOVE_RAW[] =
    "UPDATE raw_records SET origin_id = coalesce(origin_id, profile_id), profile_id = ?1"
    " WHERE profile_id = ?2";
static const char SQL_MOVE_EVENTS[] =
    "UPDATE events SET origin_id = coalesce(origin_id, profile_id), profile_id = ?1"
    " WHERE profile_id = ?2";
static const char SQL_MOVE_ORDERS[] =
    "UPDATE orders SET origin_id = coalesce(origin_id, profile_id), profile_id = ?1"
    " WHERE profile_id = ?2";
static const char SQL_MOVE_CONSENT_HISTORY[] =
    "UPDATE consent_history SET origin_id = coalesce(origin_id, profile_id), profile_id = ?1"
    " WHERE profile_id = ?2";
static const char SQL_FILL_GOLDEN[] =
    "UPDATE profiles SET (first_name, last_name, gender, birth_date, language, email, phone,"
    " street, house_number, postal_code, city, country, attributes, updated_at) ="
    " (SELECT coalesce(s.first_name, a.first_name), coalesce(s.last_name, a.last_name),"
    "  coalesce(s.gender, a.gender), coalesce(s.birth_date, a.birth_date),"
    "  coalesce(s.language, a.language), coalesce(s.email, a.email),"
    "  coalesce(s.phone, a.phone), coalesce(s.street, a.street),"
    "  coalesce(s.house_number, a.house_number), coalesce(s.postal_code, a.postal_code),"
    "  coalesce(s.city, a.city), coalesce(s.country, a.country),"
    "  json_patch(a.attributes, s.attributes), ?3"
    "  FROM profiles s, profiles a WHERE s.id = ?1 AND a.id = ?2)"
    " WHERE id = ?1";
static const char SQL_TOMBSTONE[] =
    "UPDATE profiles SET merged_into = ?1, updated_at = ?3 WHERE id = ?2 OR merged_into = ?2";
static const char SQL_CONSENT_DELETE_ABSORBED[] = "DELETE FROM consents WHERE profile_id = ?2";
/*
 * Scenario runs (issue 6): the absorbed profile's unfinished runs go on as
 * the survivor's, except in a scenario the survivor runs already, where they
 * end as "merged" (a step in the ledger says so): a person is never in one
 * scenario twice. Messages and tasks follow too, so that frequency caps and
 * the 360° view count them for the one person.
 */
#define RUN_DUPLICATE(absorbed_is, survivor_runs)                                         \
    " WHERE state != 'done' AND profile_id " absorbed_is " AND EXISTS (SELECT 1 FROM runs r2" \
    " WHERE r2.scenario_id = runs.scenario_id AND r2.state != 'done' AND r2.id != runs.id"   \
    " AND (" survivor_runs "))"
#define RUN_DUP_ONE RUN_DUPLICATE("= ?2", "r2.profile_id = ?1")
static const char SQL_RUNS_END_STEP[] =
    "INSERT INTO run_steps(run_id, seq, node, outcome, at)"
    " SELECT id, seq + 1, node, 'end:merged', ?3 FROM runs" RUN_DUP_ONE;
static const char SQL_RUNS_END[] =
    "UPDATE runs SET state = 'done', outcome = 'merged', seq = seq + 1, wake_at = NULL,"
    " ended_at = ?3, updated_at = ?3" RUN_DUP_ONE;
static const char SQL_RUNS_MOVE[] =
    "UPDATE runs SET profile_id = ?1, updated_at = ?3 WHERE profile_id = ?2 AND state != 'done'";
static const char SQL_MESSAGES_MOVE[] = "UPDATE messages SET profile_id = ?1 WHERE profile_id = ?2";
static const char SQL_TASKS_MOVE[] = "UPDATE tasks SET profile_id = ?1 WHERE profile_id = ?2";

/* A profile row as JSON, for the snapshot: everything a merge may change. */
#define PROFILE_JSON(alias)                                                                      \
    "json_object('first_name', " alias ".first_name, 'last_name', " alias ".last_name,"           \
    " 'gender', " alias ".gender, 'birth_date', " alias ".birth_date, 'language', " alias          \
    ".language, 'email', " alias ".email, 'phone', " alias ".phone, 'street', " alias ".street,"  \
    " 'house_number', " alias ".house_number, 'postal_code', " alias ".postal_code, 'city', "     \
    alias ".city, 'country', " alias ".country, 'attributes', " alias ".attributes,"              \
    " 'household_id', " alias ".household_id, 'golden_sources', " alias ".golden_sources,"        \
    " 'updated_at', " alias ".updated_at)"
/*
 * raw_max and consent_max: the newest raw record and ledger entry at the
 * merge, so an unmerge can tell what came later even within one millisecond.
 */
static const char SQL_MERGE_LOG[] =
    "INSERT INTO merge_log(action, survivor_id, absorbed_id, rule, score, evidence, created_at,"
    " snapshot) SELECT 'merge', ?1, ?2, ?3, ?4, ?5, ?6, json_object('survivor', " PROFILE_JSON("s")
    ", 'absorbed', " PROFILE_JSON("a") ", 'raw_max', (SELECT max(id) FROM raw_records),"
    " 'consent_max', (SELECT max(id) FROM consent_history))"
    " FROM profiles s, profiles a WHERE s.id = ?1 AND a.id = ?2";

/*
 * The current consents of profile ?1 rebuilt from its ledger: per channel and
 * purpose the newest statement; at equal times an opt-out beats an opt-in,
 * and of equal statements the last recorded counts (as store_consent_set does).
 */
static const char SQL_CONSENT_CLEAR[] = "DELETE FROM consents WHERE profile_id = ?1";
static const char SQL_CONSENT_REBUILD[] =
    "INSERT INTO consents(profile_id, channel, purpose, status, source, wording, ip, ts,"
    " updated_at) SELECT ?1, h.channel, h.purpose, h.status, h.source, h.wording, h.ip, h.ts,"
    " h.recorded_at FROM consent_history h WHERE h.profile_id = ?1 AND NOT EXISTS ("
    "  SELECT 1 FROM consent_history b WHERE b.profile_id = ?1 AND b.channel = h.channel"
    "  AND b.purpose = h.purpose AND (b.ts > h.ts OR (b.ts = h.ts AND ("
    "   (b.status = 'opted_out' AND h.status <> 'opted_out')"
    "   OR (b.status = h.status AND b.id > h.id)))))";

static int bind_exec(struct store *s, const char *sql, int64_t a, int64_t b, int64_t c)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    int n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, a);
    if (n >= 2)
        sqlite3_bind_int64(st, 2, b);
    if (n >= 3)
        sqlite3_bind_int64(st, 3, c);
    return store_exec_stmt(s, st, NULL);
}

static int consents_rebuild(struct store *s, int64_t profile_id)
{
    int rc = bind_exec(s, SQL_CONSENT_CLEAR, profile_id, 0, 0);
    return rc ? rc : bind_exec(s, SQL_CONSENT_REBUILD, profile_id, 0, 0);
}

int store_profile_merge(struct store *s, int64_t survivor, int64_t absorbed, const char *rule,
                        const char *evidence, double score, int64_t now)
{
    static const char *const steps[] = {
        SQL_MOVE_CONSENT_HISTORY, SQL_CONSENT_DELETE_ABSORBED, SQL_MOVE_IDENTITIES,
        SQL_MOVE_RAW,             SQL_MOVE_EVENTS,             SQL_MOVE_ORDERS,
        SQL_RUNS_END_STEP,        SQL_RUNS_END,                SQL_RUNS_MOVE,
        SQL_MESSAGES_MOVE,        SQL_TASKS_MOVE,              SQL_FILL_GOLDEN,
        SQL_TOMBSTONE,
    };
    if (survivor == absorbed)
        return ERR_INVALID;
    int rc = store_identities_changed(s);
    if (rc)
        return rc;
    if (s->ids)
        idcache_absorbed(s->ids, absorbed);

    /* the log first: its snapshot is the two profiles as they were */
    sqlite3_stmt *st = store_stmt(s, SQL_MERGE_LOG);
    sqlite3_bind_int64(st, 1, survivor);
    sqlite3_bind_int64(st, 2, absorbed);
    sqlite3_bind_text(st, 3, rule, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 4, score);
    store_bind_text(st, 5, evidence);
    sqlite3_bind_int64(st, 6, now);
    if ((rc = store_exec_stmt(s, st, NULL)))
        return rc;
    if (sqlite3_changes(s->db) != 1)
        return ERR_NOT_FOUND; /* one of the two profiles does not exist */

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if ((rc = bind_exec(s, steps[i], survivor, absorbed, now)))
            return rc;
    if ((rc = store_stats_absorbed(s, absorbed)) || (rc = store_stats_profile(s, survivor, now)))
        return rc;
    return consents_rebuild(s, survivor);
}

/* ---- unmerge ------------------------------------------------------------ */

/* ?2's subtree: ?2 and every profile merged into it by a merge still in force. */
#define SUBTREE                                                                       \
    "WITH RECURSIVE sub(id) AS (SELECT ?2 UNION SELECT m.absorbed_id FROM merge_log m" \
    " JOIN sub ON m.survivor_id = sub.id WHERE m.action = 'merge' AND m.undone_at IS NULL) "
/* Rows of root ?1 that came from ?2's subtree go back to ?2 (their origin forgotten
 * when it is ?2 itself). */
#define MOVE_BACK(table)                                                               \
    SUBTREE "UPDATE " table " SET profile_id = ?2, origin_id = nullif(origin_id, ?2)"   \
            " WHERE profile_id = ?1 AND origin_id IN sub"
static const char SQL_BACK_IDENTITIES[] = MOVE_BACK("identities");
static const char SQL_BACK_RAW[] = MOVE_BACK("raw_records");
static const char SQL_BACK_EVENTS[] = MOVE_BACK("events");
static const char SQL_BACK_ORDERS[] = MOVE_BACK("orders");
static const char SQL_BACK_CONSENT_HISTORY[] = MOVE_BACK("consent_history");
static const char SQL_BACK_TOMBSTONES[] =
    SUBTREE "UPDATE profiles SET merged_into = ?2 WHERE id IN sub AND id <> ?2";

static const char SQL_MERGE_FIND[] =
    "SELECT id, survivor_id, created_at, snapshot FROM merge_log WHERE absorbed_id = ?"
    " AND action = 'merge' AND undone_at IS NULL ORDER BY id DESC LIMIT 1";
/* An opt-out recorded on the root while merged was said by one of the two: both keep it. */
static const char SQL_OPTOUTS_WHILE_MERGED[] =
    SUBTREE "INSERT INTO consent_history(profile_id, channel, purpose, status, source, wording,"
            " ip, ts, recorded_at, note) SELECT ?2, channel, purpose, status, source, wording, ip,"
            " ts, ?4, 'opt-out given while merged into profile ' || ?1 FROM consent_history"
            " WHERE profile_id = ?1 AND status = 'opted_out'"
            " AND id > coalesce(json_extract(?5, '$.consent_max'), 0)"
            " AND coalesce(origin_id, profile_id) NOT IN sub";
static const char SQL_RESTORE_ABSORBED[] =
    "UPDATE profiles SET merged_into = NULL,"
    " updated_at = coalesce(json_extract(?2, '$.absorbed.updated_at'), ?3) WHERE id = ?1";
/* The root as it was before the merge, when nothing has touched it since. */
static const char SQL_RESTORE_SURVIVOR[] =
    "UPDATE profiles SET (first_name, last_name, gender, birth_date, language, email, phone,"
    " street, house_number, postal_code, city, country, attributes, household_id,"
    " golden_sources, updated_at) = (SELECT j->>'first_name', j->>'last_name', j->>'gender',"
    " j->>'birth_date', j->>'language', j->>'email', j->>'phone', j->>'street',"
    " j->>'house_number', j->>'postal_code', j->>'city', j->>'country', j->>'attributes',"
    " j->>'household_id', j->>'golden_sources', j->>'updated_at'"
    " FROM (SELECT json_extract(?2, '$.survivor') AS j))"
    " WHERE id = ?1 AND updated_at = ?3 AND NOT EXISTS (SELECT 1 FROM merge_log"
    "  WHERE survivor_id = ?1 AND action = 'merge' AND undone_at IS NULL AND id > ?4)"
    " AND NOT EXISTS (SELECT 1 FROM raw_records WHERE profile_id = ?1"
    "  AND id > coalesce(json_extract(?2, '$.raw_max'), 0))";
static const char SQL_MERGE_UNDONE[] = "UPDATE merge_log SET undone_at = ?2 WHERE id = ?1";
static const char SQL_UNMERGE_LOG[] =
    "INSERT INTO merge_log(action, survivor_id, absorbed_id, rule, evidence, created_at)"
    " VALUES ('unmerge', ?1, ?2, 'unmerge', json_object('merge_id', ?3), ?4)";
/* The two sides' records are never to be matched again (at most 64 x 64 pairs). */
static const char SQL_REJECT_PAIRS[] =
    "INSERT INTO matches(raw_a, raw_b, score, evidence, status, created_at, decided_at)"
    " SELECT min(a.id, b.id), max(a.id, b.id), 0, json_object('reason', 'unmerged', 'merge_id', ?3),"
    " 'rejected', ?4, ?4"
    " FROM (SELECT id FROM raw_records WHERE profile_id = ?2 AND superseded_at IS NULL LIMIT 64) a,"
    " (SELECT id FROM raw_records WHERE profile_id = ?1 AND superseded_at IS NULL LIMIT 64) b"
    " WHERE true ON CONFLICT (raw_a, raw_b) DO UPDATE SET status = 'rejected',"
    " decided_at = excluded.decided_at, evidence = excluded.evidence";

static int unmerge_step(struct store *s, const char *sql, int64_t root, int64_t a, int64_t t,
                        int64_t now, const char *snapshot, int64_t *moved)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    int n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, root);
    sqlite3_bind_int64(st, 2, a);
    if (n >= 3)
        sqlite3_bind_int64(st, 3, t);
    if (n >= 4)
        sqlite3_bind_int64(st, 4, now);
    if (n >= 5)
        store_bind_text(st, 5, snapshot);
    int rc = store_exec_stmt(s, st, NULL);
    if (!rc && moved)
        *moved = sqlite3_changes(s->db);
    return rc;
}

int store_profile_unmerge(struct store *s, int64_t absorbed, int64_t now,
                          struct store_unmerge *out, struct errbuf *e)
{
    memset(out, 0, sizeof(*out));
    out->absorbed = absorbed;
    sqlite3_stmt *st = store_stmt(s, SQL_MERGE_FIND);
    sqlite3_bind_int64(st, 1, absorbed);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return store_dberr(s, e, "reading the merge log");
        return err_set(e, ERR_NOT_FOUND, "profile %lld is not merged into another profile",
                       (long long)absorbed);
    }
    out->merge_id = sqlite3_column_int64(st, 0);
    int64_t merged_at = sqlite3_column_int64(st, 2);
    const char *snap = store_col_text(st, 3);
    char *snapshot = snap ? xstrdup(snap) : NULL;
    sqlite3_reset(st);

    if ((rc = store_profile_resolve(s, absorbed, &out->survivor)))
        goto out;
    if (out->survivor == absorbed) {
        rc = err_set(e, ERR_DB, "merge log says profile %lld is merged, but it is live",
                     (long long)absorbed);
        goto out;
    }
    if ((rc = store_identities_changed(s)))
        goto out;
    if (s->ids)
        idcache_clear(s->ids);

    const int64_t root = out->survivor;
    struct {
        const char *sql;
        int64_t *moved;
    } steps[] = {
        {SQL_OPTOUTS_WHILE_MERGED, &out->optouts_kept},
        {SQL_BACK_IDENTITIES, &out->identities},
        {SQL_BACK_RAW, &out->raw_records},
        {SQL_BACK_EVENTS, &out->events},
        {SQL_BACK_ORDERS, &out->orders},
        {SQL_BACK_CONSENT_HISTORY, &out->consent_history},
        {SQL_BACK_TOMBSTONES, &out->tombstones},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if ((rc = unmerge_step(s, steps[i].sql, root, absorbed, merged_at, now, snapshot,
                               steps[i].moved)))
            goto out;

    st = store_stmt(s, SQL_RESTORE_ABSORBED);
    sqlite3_bind_int64(st, 1, absorbed);
    store_bind_text(st, 2, snapshot);
    sqlite3_bind_int64(st, 3, now);
    if ((rc = store_exec_stmt(s, st, NULL)))
        goto out;
    st = store_stmt(s, SQL_RESTORE_SURVIVOR);
    sqlite3_bind_int64(st, 1, root);
    store_bind_text(st, 2, snapshot);
    sqlite3_bind_int64(st, 3, merged_at);
    sqlite3_bind_int64(st, 4, out->merge_id);
    if ((rc = store_exec_stmt(s, st, NULL)))
        goto out;
    out->survivor_restored = sqlite3_changes(s->db) == 1;

    if ((rc = consents_rebuild(s, root)) || (rc = consents_rebuild(s, absorbed)))
        goto out;
    if ((rc = store_stats_profile(s, root, now)) || (rc = store_stats_profile(s, absorbed, now)))
        goto out;
    if ((rc = bind_exec(s, SQL_MERGE_UNDONE, out->merge_id, now, 0)))
        goto out;
    st = store_stmt(s, SQL_UNMERGE_LOG);
    sqlite3_bind_int64(st, 1, root);
    sqlite3_bind_int64(st, 2, absorbed);
    sqlite3_bind_int64(st, 3, out->merge_id);
    sqlite3_bind_int64(st, 4, now);
    if ((rc = store_exec_stmt(s, st, NULL)))
        goto out;
    st = store_stmt(s, SQL_REJECT_PAIRS);
    sqlite3_bind_int64(st, 1, root);
    sqlite3_bind_int64(st, 2, absorbed);
    sqlite3_bind_int64(st, 3, out->merge_id);
    sqlite3_bind_int64(st, 4, now);
    rc = store_exec_stmt(s, st, NULL);
out:
    free(snapshot);
    if (rc && e && !e->msg[0])
        store_dberr(s, e, "unmerging");
    return rc;
}

static const char SQL_MERGED_INTO[] =
    "SELECT absorbed_id FROM merge_log WHERE survivor_id = ? AND action = 'merge'"
    " AND undone_at IS NULL ORDER BY id DESC";

int store_profile_absorbed(struct store *s, int64_t survivor, int64_t *ids, int cap, int *n)
{
    *n = 0;
    sqlite3_stmt *st = store_stmt(s, SQL_MERGED_INTO);
    sqlite3_bind_int64(st, 1, survivor);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n < cap)
            ids[*n] = sqlite3_column_int64(st, 0);
        (*n)++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

static const char SQL_MERGE_HISTORY[] =
    SUBTREE "SELECT id, action, survivor_id, absorbed_id, rule, score, evidence, created_at,"
            " undone_at FROM merge_log WHERE (absorbed_id IN sub OR survivor_id IN sub)"
            " ORDER BY id";

int store_merge_history(struct store *s, int64_t profile_id, json_t **out, struct errbuf *e)
{
    sqlite3_stmt *st = store_stmt(s, SQL_MERGE_HISTORY);
    sqlite3_bind_int64(st, 1, 0);
    sqlite3_bind_int64(st, 2, profile_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        store_json_set_col(o, "id", st, 0);
        store_json_set_col(o, "action", st, 1);
        store_json_set_col(o, "survivor_id", st, 2);
        store_json_set_col(o, "absorbed_id", st, 3);
        store_json_set_col(o, "rule", st, 4);
        store_json_set_col(o, "score", st, 5);
        store_json_set_jsoncol(o, "evidence", st, 6);
        store_json_set_timecol(o, "created_at", st, 7);
        store_json_set_timecol(o, "undone_at", st, 8);
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_dberr(s, e, "reading the merge log");
    }
    *out = arr;
    return 0;
}

/* ---- many merges at once ------------------------------------------------ */

static const char SQL_MAP_CREATE[] =
    "CREATE TEMP TABLE IF NOT EXISTS merge_map(absorbed INTEGER PRIMARY KEY,"
    " root INTEGER NOT NULL)";
static const char SQL_MAP_CLEAR[] = "DELETE FROM temp.merge_map";
static const char SQL_MAP_ADD[] = "INSERT INTO temp.merge_map(absorbed, root) VALUES (?, ?)";
/* Profiles of the batch that are tombstones already (merged by another writer meanwhile). */
static const char SQL_MAP_STALE[] =
    "SELECT count(*) FROM temp.merge_map m JOIN profiles p ON p.id IN (m.absorbed, m.root)"
    " WHERE p.merged_into IS NOT NULL";
#define MOVE_MANY(table)                                                                 \
    "UPDATE " table " SET origin_id = coalesce(origin_id, profile_id),"                   \
    " profile_id = (SELECT root FROM temp.merge_map WHERE absorbed = " table ".profile_id)" \
    " WHERE profile_id IN (SELECT absorbed FROM temp.merge_map)"
/* the root of runs.profile_id in the batch */
#define RUN_ROOT "(SELECT root FROM temp.merge_map WHERE absorbed = runs.profile_id)"
/* another unfinished run of the scenario: the root's, or an earlier one of the same root's */
#define RUN_DUP_MANY                                                                       \
    RUN_DUPLICATE("IN (SELECT absorbed FROM temp.merge_map)",                               \
                  "r2.profile_id = " RUN_ROOT " OR (r2.id < runs.id AND r2.profile_id IN"   \
                  " (SELECT absorbed FROM temp.merge_map WHERE root = " RUN_ROOT "))")
#define FOLLOW_MANY(table)                                                               \
    "UPDATE " table " SET profile_id = (SELECT root FROM temp.merge_map"                   \
    " WHERE absorbed = " table ".profile_id)"                                             \
    " WHERE profile_id IN (SELECT absorbed FROM temp.merge_map)"
static const char *const SQL_MANY[] = {
    "INSERT INTO run_steps(run_id, seq, node, outcome, at)"
    " SELECT id, seq + 1, node, 'end:merged', ?1 FROM runs" RUN_DUP_MANY,
    "UPDATE runs SET state = 'done', outcome = 'merged', seq = seq + 1, wake_at = NULL,"
    " ended_at = ?1, updated_at = ?1" RUN_DUP_MANY,
    FOLLOW_MANY("runs") " AND state != 'done'",
    FOLLOW_MANY("messages"),
    FOLLOW_MANY("tasks"),
    MOVE_MANY("identities"),
    MOVE_MANY("raw_records"),
    MOVE_MANY("events"),
    MOVE_MANY("orders"),
    MOVE_MANY("consent_history"),
    "DELETE FROM consents WHERE profile_id IN (SELECT absorbed FROM temp.merge_map)"
    " OR profile_id IN (SELECT root FROM temp.merge_map)",
    "INSERT INTO consents(profile_id, channel, purpose, status, source, wording, ip, ts,"
    " updated_at) SELECT h.profile_id, h.channel, h.purpose, h.status, h.source, h.wording,"
    " h.ip, h.ts, h.recorded_at FROM consent_history h"
    " WHERE h.profile_id IN (SELECT DISTINCT root FROM temp.merge_map) AND NOT EXISTS ("
    "  SELECT 1 FROM consent_history b WHERE b.profile_id = h.profile_id AND b.channel = h.channel"
    "  AND b.purpose = h.purpose AND (b.ts > h.ts OR (b.ts = h.ts AND ("
    "   (b.status = 'opted_out' AND h.status <> 'opted_out')"
    "   OR (b.status = h.status AND b.id > h.id)))))",
    /* older tombstones first, then the absorbed profiles themselves */
    "UPDATE profiles SET merged_into = (SELECT root FROM temp.merge_map"
    " WHERE absorbed = profiles.merged_into) WHERE merged_into IN"
    " (SELECT absorbed FROM temp.merge_map)",
    "UPDATE profiles SET merged_into = (SELECT root FROM temp.merge_map"
    " WHERE absorbed = profiles.id), updated_at = ?1 WHERE id IN"
    " (SELECT absorbed FROM temp.merge_map)",
    "UPDATE profiles SET updated_at = ?1 WHERE id IN (SELECT root FROM temp.merge_map)",
};

int store_profiles_merge_many(struct store *s, const struct store_merge_item *items, size_t n,
                              int64_t now, struct errbuf *e)
{
    if (n == 0)
        return 0;
    int rc = store_identities_changed(s);
    if (rc)
        return rc;
    if (s->ids)
        idcache_clear(s->ids);
    if (store_exec(s, SQL_MAP_CREATE, e) || store_exec(s, SQL_MAP_CLEAR, e))
        return ERR_DB;
    for (size_t i = 0; i < n; i++) {
        const struct store_merge_item *m = &items[i];
        if (m->survivor == m->absorbed || m->root == m->absorbed)
            return err_set(e, ERR_INVALID, "profile %lld cannot absorb itself",
                           (long long)m->absorbed);
        sqlite3_stmt *st = store_stmt(s, SQL_MERGE_LOG);
        sqlite3_bind_int64(st, 1, m->survivor);
        sqlite3_bind_int64(st, 2, m->absorbed);
        sqlite3_bind_text(st, 3, m->rule, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, m->score);
        store_bind_text(st, 5, m->evidence);
        sqlite3_bind_int64(st, 6, now);
        if ((rc = store_exec_stmt(s, st, e)))
            return rc;
        st = store_stmt(s, SQL_MAP_ADD);
        sqlite3_bind_int64(st, 1, m->absorbed);
        sqlite3_bind_int64(st, 2, m->root);
        if ((rc = store_exec_stmt(s, st, e)))
            return store_dberr(s, e, "a profile absorbed twice in one batch");
    }
    sqlite3_stmt *st = store_stmt(s, SQL_MAP_STALE);
    rc = sqlite3_step(st);
    int64_t stale = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (stale)
        return stale < 0 ? store_dberr(s, e, "checking the profiles")
                         : err_set(e, ERR_BUSY, "%lld of the profiles to merge were merged by "
                                   "someone else meanwhile: run it again", (long long)stale);
    for (size_t i = 0; i < sizeof(SQL_MANY) / sizeof(SQL_MANY[0]); i++) {
        st = store_stmt(s, SQL_MANY[i]);
        if (sqlite3_bind_parameter_count(st) >= 1)
            sqlite3_bind_int64(st, 1, now);
        if ((rc = store_exec_stmt(s, st, NULL)))
            return store_dberr(s, e, "merging profiles");
    }
    if (store_stats_merged_many(s, now))
        return store_dberr(s, e, "recomputing the merged profiles' stats");
    return 0;
}
