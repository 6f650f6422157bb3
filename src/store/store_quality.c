/*
 * store_quality.c — the figures of the data-quality report, computed from
 * the current raw records' quality bits, corrections and identity keys, and
 * from the quarantine. Set-based: one pass over raw_records per query.
 */
#include "store/store_int.h"

/* Per source: records, and per field five bit counts (12 fields x 5). */
static const char SQL_FIELDS[] =
    "SELECT source, count(*),"
#define Q5(f)                                                                            \
    " sum(present_mask >> " #f " & 1), sum(valid_raw_mask >> " #f " & 1),"               \
    " sum(clean_mask >> " #f " & 1), sum(corrected_mask >> " #f " & 1),"                 \
    " sum((present_mask & clean_mask) >> " #f " & 1),"
    Q5(0) Q5(1) Q5(2) Q5(3) Q5(4) Q5(5) Q5(6) Q5(7) Q5(8) Q5(9) Q5(10) Q5(11)
#undef Q5
    " 0 FROM raw_records WHERE superseded_at IS NULL GROUP BY source ORDER BY source";

/*
 * Records sharing an identity key with another current record: within its
 * own source, or with another source.
 */
static const char SQL_DUPLICATES[] =
    "WITH k AS ("
    "  SELECT id, source, email_key AS key FROM raw_records"
    "   WHERE superseded_at IS NULL AND email_key IS NOT NULL"
    "  UNION ALL"
    "  SELECT id, source, phone_key FROM raw_records"
    "   WHERE superseded_at IS NULL AND phone_key IS NOT NULL),"
    " c AS (SELECT id, source,"
    "  count(*) OVER (PARTITION BY key, source) AS same,"
    "  count(*) OVER (PARTITION BY key) AS total FROM k),"
    " r AS (SELECT id, source, max(same > 1) AS within, max(total > same) AS across"
    "  FROM c GROUP BY id, source)"
    " SELECT source, sum(within), sum(across) FROM r GROUP BY source";

static const char SQL_RULES[] =
    "SELECT r.source, json_extract(j.value, '$.field'), json_extract(j.value, '$.rule'), count(*)"
    " FROM raw_records r, json_each(r.corrections) j"
    " WHERE r.superseded_at IS NULL AND r.corrections IS NOT NULL"
    " GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC";

static const char SQL_INVALID[] =
    "SELECT r.source, j.key, j.value, count(*)"
    " FROM raw_records r, json_each(r.cleaned, '$.invalid') j"
    " WHERE r.superseded_at IS NULL AND r.cleaned LIKE '%\"invalid\"%'"
    " GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC";

static const char SQL_QUARANTINE[] =
    "SELECT coalesce(source, ''), kind,"
    " coalesce(class, CASE WHEN reason LIKE 'test record%' THEN 'test record'"
    "  ELSE 'invalid message' END), count(*)"
    " FROM quarantine WHERE resolved_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC";

static json_t *source_obj(json_t *sources, const char *name)
{
    json_t *o = json_object_get(sources, name);
    if (!o) {
        o = json_pack("{s:s, s:i, s:{}, s:{s:i, s:i}, s:[], s:[], s:[]}", "source", name,
                      "records", 0, "fields", "duplicates", "within_source", 0, "across_sources",
                      0, "corrections", "invalid", "quarantine");
        json_object_set_new(sources, name, o);
    }
    return o;
}

int store_quality(struct store *s, json_t **out, struct errbuf *e)
{
    json_t *sources = json_object();
    sqlite3_stmt *st = store_stmt(s, SQL_FIELDS);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = source_obj(sources, store_col_text(st, 0));
        json_object_set_new(o, "records", json_integer(sqlite3_column_int64(st, 1)));
        json_t *fields = json_object_get(o, "fields");
        for (int f = 0; f < PF_COUNT; f++) {
            int c = 2 + f * 5;
            json_object_set_new(
                fields, profile_field_name((enum profile_field)f),
                json_pack("{s:I, s:I, s:I, s:I, s:I}", "present",
                          (json_int_t)sqlite3_column_int64(st, c), "valid_as_given",
                          (json_int_t)sqlite3_column_int64(st, c + 1), "clean",
                          (json_int_t)sqlite3_column_int64(st, c + 2), "corrected",
                          (json_int_t)sqlite3_column_int64(st, c + 3), "given_and_clean",
                          (json_int_t)sqlite3_column_int64(st, c + 4)));
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        goto fail;

    st = store_stmt(s, SQL_DUPLICATES);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *d = json_object_get(source_obj(sources, store_col_text(st, 0)), "duplicates");
        json_object_set_new(d, "within_source", json_integer(sqlite3_column_int64(st, 1)));
        json_object_set_new(d, "across_sources", json_integer(sqlite3_column_int64(st, 2)));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        goto fail;

    /* lists per source: (source, a, b, count) rows into sources[source][list] */
    static const struct {
        const char *sql, *list, *a, *b;
    } lists[] = {
        {SQL_RULES, "corrections", "field", "rule"},
        {SQL_INVALID, "invalid", "field", "reason"},
        {SQL_QUARANTINE, "quarantine", "kind", "class"},
    };
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        st = store_stmt(s, lists[l].sql);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            json_t *r = json_object();
            store_json_set_col(r, lists[l].a, st, 1);
            store_json_set_col(r, lists[l].b, st, 2);
            store_json_set_col(r, "count", st, 3);
            json_array_append_new(
                json_object_get(source_obj(sources, store_col_text(st, 0)), lists[l].list), r);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            goto fail;
    }

    *out = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(sources, k, v)
        json_array_append(*out, v);
    json_decref(sources);
    return 0;
fail:
    json_decref(sources);
    return store_dberr(s, e, "computing the quality report");
}
