/*
 * cmd_explain.c — `rondo explain`: why a profile's records are together.
 * Prints identity_explain's answer for a person to read: the records, the
 * record each golden field came from, then every merge oldest first with
 * its rule, score and field-by-field comparison. --json prints the answer
 * itself.
 *
 * The printer reads the JSON defensively: merges written by older code
 * (ingestion's alias rule) have other evidence, and any key may be missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "base/xalloc.h"
#include "cmd/cmd.h"
#include "identity/identity.h"

#define VALUE_COLS 36 /* widest value shown in a comparison table */

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo explain --db PATH PROFILE_ID [--json]\n"
               "  Shows why the profile's records are one person: each record, which record\n"
               "  each golden field was taken from, and every merge, oldest first, with its\n"
               "  rule, score and field comparisons (level and weight in bits). An id that\n"
               "  was merged into another profile is explained through the profile it is in.\n");
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* A record's id: "raw_id" in the contract, "id" in the profile view's rows. */
static long long rec_id(json_t *r)
{
    json_t *v = json_object_get(r, "raw_id");
    return (long long)json_integer_value(v ? v : json_object_get(r, "id"));
}

/* Print s in exactly width columns (UTF-8 characters), cut with "~" when longer. */
static void cell(const char *s, int width)
{
    int cols = 0;
    size_t cut = 0;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue; /* a continuation byte */
        if (cols == width - 1)
            cut = i;
        cols++;
    }
    if (cols > width)
        printf("%.*s~", (int)cut, s);
    else
        printf("%s%*s", s, width - cols, "");
}

/* Columns of s as printed (UTF-8 characters). */
static int cols_of(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int by_id(const void *pa, const void *pb)
{
    long long a = rec_id(*(json_t *const *)pa), b = rec_id(*(json_t *const *)pb);
    return (a > b) - (a < b);
}

static void add_current(json_t *out, json_t *list)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        json_t *cur = json_object_get(r, "current");
        if (!cur || json_is_true(cur))
            json_array_append(out, r);
    }
}

/* The current records, oldest first, whether given as a list or grouped by source. */
static json_t *records_sorted(json_t *ex)
{
    json_t *recs = json_object_get(ex, "records"), *out = json_array();
    if (json_is_array(recs)) {
        add_current(out, recs);
    } else {
        const char *src;
        json_t *list;
        json_object_foreach(recs, src, list)
            add_current(out, list);
    }
    size_t n = json_array_size(out);
    json_t **v = xmalloc((n + 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(out, i));
    qsort(v, n, sizeof(*v), by_id);
    json_array_clear(out);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, v[i]);
    free(v);
    return out;
}

static json_t *record_by_id(json_t *recs, long long id)
{
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r)
        if (rec_id(r) == id)
            return r;
    return NULL;
}

static void print_records(json_t *recs)
{
    printf("\nrecords (%zu):\n", json_array_size(recs));
    printf("  %-8s %-10s %-16s %-10s ", "RECORD", "SOURCE", "EXTERNAL ID", "RECEIVED");
    cell("NAME", 26);
    printf(" ");
    cell("E-MAIL", 30);
    printf(" BIRTH DATE\n");
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        json_t *c = json_object_get(r, "cleaned");
        const char *first = str_of(c, "first_name"), *last = str_of(c, "last_name");
        char name[160];
        snprintf(name, sizeof(name), "%s%s%s", first ? first : "", first && last ? " " : "",
                 last ? last : "");
        printf("  %-8lld ", rec_id(r));
        cell(or_dash(str_of(r, "source")), 10);
        printf(" ");
        cell(or_dash(str_of(r, "external_id")), 16);
        printf(" %-10.10s ", or_dash(str_of(r, "received_at")));
        cell(or_dash(name), 26);
        printf(" ");
        cell(or_dash(str_of(c, "email")), 30);
        printf(" %s\n", or_dash(str_of(c, "birth_date")));
    }
}

static void print_golden(json_t *ex, json_t *recs)
{
    json_t *gs = json_object_get(ex, "golden_sources");
    if (!json_object_size(gs))
        return;
    int w = 5;
    for (int f = 0; f < PF_COUNT; f++) {
        const char *field = profile_field_name((enum profile_field)f);
        json_t *r = record_by_id(recs, (long long)json_integer_value(json_object_get(gs, field)));
        int n = cols_of(str_of(json_object_get(r, "cleaned"), field));
        w = n > w ? n : w;
    }
    w = w > VALUE_COLS ? VALUE_COLS : w;
    printf("\ngolden record, field by field:\n");
    for (int f = 0; f < PF_COUNT; f++) {
        const char *field = profile_field_name((enum profile_field)f);
        json_t *src = json_object_get(gs, field);
        if (!src)
            continue;
        long long id = (long long)json_integer_value(src);
        json_t *r = record_by_id(recs, id);
        const char *val = str_of(json_object_get(r, "cleaned"), field);
        printf("  %-13s ", field);
        cell(or_dash(val), w);
        if (r)
            printf("  from record %lld (%s %s)\n", id, or_dash(str_of(r, "source")),
                   or_dash(str_of(r, "external_id")));
        else
            printf("  from record %lld\n", id);
    }
}

static void side_text(json_t *side, char *out, size_t cap)
{
    json_t *raw = json_object_get(side, "raw_id");
    if (!side)
        snprintf(out, cap, "?");
    else if (raw)
        snprintf(out, cap, "record %lld (%s %s)", (long long)json_integer_value(raw),
                 or_dash(str_of(side, "source")), or_dash(str_of(side, "external_id")));
    else
        snprintf(out, cap, "%s %s", or_dash(str_of(side, "source")),
                 or_dash(str_of(side, "external_id")));
}

static void print_fields(json_t *fields)
{
    if (!json_array_size(fields))
        return;
    int w = 5;
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f) {
        int a = cols_of(str_of(f, "a")), b = cols_of(str_of(f, "b"));
        w = a > w ? a : w;
        w = b > w ? b : w;
    }
    w = w > VALUE_COLS ? VALUE_COLS : w;
    printf("      %-11s ", "FIELD");
    cell("A", w);
    printf("  ");
    cell("B", w);
    printf("  %-14s %7s\n", "LEVEL", "WEIGHT");
    json_array_foreach(fields, i, f) {
        printf("      %-11s ", or_dash(str_of(f, "field")));
        cell(or_dash(str_of(f, "a")), w);
        printf("  ");
        cell(or_dash(str_of(f, "b")), w);
        printf("  %-14s %+7.2f\n", or_dash(str_of(f, "level")),
               json_number_value(json_object_get(f, "weight")));
    }
}

/*
 * A pair accepted from the review queue keeps only its match id in the
 * merge's evidence; the comparison is the queued pair's own evidence.
 */
static json_t *review_evidence(struct store *s, json_t *ev)
{
    json_t *mid = json_object_get(ev, "match_id");
    json_t *list = NULL, *found = NULL;
    if (!s || !json_is_integer(mid))
        return NULL;
    if (store_matches_list(s, NULL, json_integer_value(mid) - 1, 1, &list, NULL))
        return NULL;
    json_t *m = json_array_get(list, 0);
    if (m && json_integer_value(json_object_get(m, "id")) == json_integer_value(mid))
        found = json_incref(json_object_get(m, "evidence"));
    json_decref(list);
    return found;
}

static void print_merge(struct store *s, json_t *m)
{
    json_t *ev = json_object_get(m, "evidence");
    const char *rule = str_of(m, "rule") ? str_of(m, "rule") : str_of(ev, "rule");
    printf("\n  merge %lld, %.19s: profile %lld into %lld, rule %s",
           (long long)json_integer_value(json_object_get(m, "id")),
           or_dash(str_of(m, "created_at")),
           (long long)json_integer_value(json_object_get(m, "absorbed_id")),
           (long long)json_integer_value(json_object_get(m, "survivor_id")), or_dash(rule));
    json_t *score = json_object_get(m, "score");
    if (json_is_number(score))
        printf(", score %.6f", json_number_value(score));
    if (str_of(m, "undone_at"))
        printf("  (undone at %.19s)", str_of(m, "undone_at"));
    printf("\n");
    if (str_of(ev, "identity_type")) {
        printf("    both hold %s \"%s\"\n", str_of(ev, "identity_type"),
               or_dash(str_of(ev, "identity_value")));
        return;
    }
    json_t *queued = json_object_get(ev, "fields") ? NULL : review_evidence(s, ev);
    json_t *use = queued ? queued : ev;
    if (json_object_get(use, "a") || json_object_get(use, "b")) {
        char a[200], b[200];
        side_text(json_object_get(use, "a"), a, sizeof(a));
        side_text(json_object_get(use, "b"), b, sizeof(b));
        printf("    joined %s and %s", a, b);
        if (queued)
            printf(" (accepted from the review queue, match %lld, score %.6f)",
                   (long long)json_integer_value(json_object_get(ev, "match_id")),
                   json_number_value(json_object_get(queued, "score")));
        printf("\n");
    }
    print_fields(json_object_get(use, "fields"));
    json_decref(queued);
}

static void print_explain(struct store *s, json_t *ex, int64_t asked)
{
    long long live = (long long)json_integer_value(json_object_get(ex, "profile_id"));
    json_t *into = json_object_get(ex, "merged_into");
    if (json_is_integer(into))
        live = (long long)json_integer_value(into);
    if (live != (long long)asked)
        printf("profile %lld was merged into profile %lld; explaining %lld\n", (long long)asked,
               live, live);
    else
        printf("profile %lld\n", live);

    json_t *recs = records_sorted(ex);
    print_records(recs);
    print_golden(ex, recs);

    size_t i, nmerges = 0;
    json_t *m;
    json_array_foreach(json_object_get(ex, "merges"), i, m) {
        const char *action = str_of(m, "action");
        if (action && strcmp(action, "merge") != 0)
            continue; /* an unmerge shows as its merge's "undone at" */
        if (!nmerges++)
            printf("\nmerges, oldest first:");
        print_merge(s, m);
    }
    if (!nmerges)
        printf("\nno merges: the profile has its own records only\n");
    json_decref(recs);
}

int cmd_explain(int argc, char **argv)
{
    struct cmd_profile_args a;
    int st = cmd_profile_args("explain", argc, argv, usage, &a);
    if (st >= 0)
        return st;
    const char *db = a.db;
    bool json = a.json;
    int64_t id = a.id;
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_MIGRATE, &s, &e);
    json_t *ex = NULL;
    if (!rc)
        rc = identity_explain(s, id, &ex, &e);
    if (rc) {
        cmd_fail("explain", rc, e.msg);
        store_close(s);
        return 1;
    }
    if (json) {
        json_dumpf(ex, stdout, JSON_INDENT(2));
        printf("\n");
    } else {
        print_explain(s, ex, id);
    }
    json_decref(ex);
    store_close(s);
    return 0;
}
