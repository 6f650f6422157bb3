/*
 * links.c — pairwise precision and recall of record linkage (links.h).
 *
 * Pairs are counted, never listed: with n records in a profile there are
 * n(n-1)/2 predicted pairs, and with k of them of one person, k(k-1)/2 of
 * those are correct. So one pass over the records, counting them per
 * profile, per person and per (profile, person) cell, gives every figure.
 */
#include "report/links.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "ingest/csvread.h"
#include "base/xalloc.h"

struct links_eval {
    struct strmap *person_of; /* "source\x1fexternal_id" -> person index + 1 */
    struct strmap *persons;   /* person text -> index + 1 */
    struct strmap *cells;     /* "profile\x1fperson" -> records */
    struct strmap *profiles;  /* "profile" -> records */
    struct strmap *person_n;  /* "person" -> records (linked ones) */
    int64_t records;
};

struct links_eval *links_eval_new(void)
{
    struct links_eval *le = xcalloc(1, sizeof(*le));
    le->person_of = strmap_new_growable(1024, sizeof(int64_t));
    le->persons = strmap_new_growable(1024, sizeof(int64_t));
    le->cells = strmap_new_growable(1024, sizeof(int64_t));
    le->profiles = strmap_new_growable(1024, sizeof(int64_t));
    le->person_n = strmap_new_growable(1024, sizeof(int64_t));
    return le;
}

void links_eval_free(struct links_eval *le)
{
    if (!le)
        return;
    strmap_free(le->person_of);
    strmap_free(le->persons);
    strmap_free(le->cells);
    strmap_free(le->profiles);
    strmap_free(le->person_n);
    free(le);
}

static void record_key(char *out, size_t n, const char *source, const char *external_id)
{
    snprintf(out, n, "%s\x1f%s", source, external_id);
}

void links_eval_truth(struct links_eval *le, const char *source, const char *external_id,
                      const char *person)
{
    if (!person || !*person)
        return; /* not a person: a test record */
    int64_t *idx = strmap_put(le->persons, person);
    if (!idx)
        return;
    if (!*idx)
        *idx = (int64_t)strmap_count(le->persons);
    char key[512];
    record_key(key, sizeof(key), source, external_id);
    int64_t *p = strmap_put(le->person_of, key);
    if (p)
        *p = *idx;
}

static void bump(struct strmap *m, const char *key)
{
    int64_t *n = strmap_put(m, key);
    if (n)
        (*n)++;
}

void links_eval_link(struct links_eval *le, const char *source, const char *external_id,
                     int64_t profile_id)
{
    char key[512];
    record_key(key, sizeof(key), source, external_id);
    int64_t *person = strmap_get(le->person_of, key);
    if (!person)
        return;
    char k[64];
    snprintf(k, sizeof(k), "%lld\x1f%lld", (long long)profile_id, (long long)*person);
    bump(le->cells, k);
    snprintf(k, sizeof(k), "%lld", (long long)profile_id);
    bump(le->profiles, k);
    snprintf(k, sizeof(k), "%lld", (long long)*person);
    bump(le->person_n, k);
    le->records++;
}

struct pairs {
    int64_t sum, groups;
};

static int64_t pairs_of(int64_t n)
{
    return n * (n - 1) / 2;
}

static void sum_pairs(struct strmap *m, struct pairs *out);

void links_eval_result(struct links_eval *le, struct links_result *out)
{
    memset(out, 0, sizeof(*out));
    struct pairs cells, profiles, persons;
    sum_pairs(le->cells, &cells);
    sum_pairs(le->profiles, &profiles);
    sum_pairs(le->person_n, &persons);
    out->records = le->records;
    out->correct_pairs = cells.sum;
    out->predicted_pairs = profiles.sum;
    out->true_pairs = persons.sum;
    out->profiles = profiles.groups;
    out->persons = persons.groups;
    out->precision = out->predicted_pairs ? (double)out->correct_pairs / (double)out->predicted_pairs
                                          : 1.0;
    out->recall = out->true_pairs ? (double)out->correct_pairs / (double)out->true_pairs : 1.0;
    out->f1 = out->precision + out->recall > 0
                  ? 2 * out->precision * out->recall / (out->precision + out->recall)
                  : 0.0;
}

/* Every value of a map of counts: the sum of their pairs, and how many there are. */
static int add_pairs(void *ctx, const char *key, void *value)
{
    (void)key;
    struct pairs *p = ctx;
    p->sum += pairs_of(*(int64_t *)value);
    p->groups++;
    return 0;
}

static void sum_pairs(struct strmap *m, struct pairs *out)
{
    memset(out, 0, sizeof(*out));
    strmap_each(m, add_pairs, out);
}

/* ---- a truth file ------------------------------------------------------------ */

struct truth {
    struct links_eval *eval;
    int col[3]; /* source, external_id, person_id */
    bool header;
    struct errbuf *e;
};

static int on_truth(void *ctx, const struct csvr_row *row)
{
    struct truth *t = ctx;
    if (!t->header) {
        static const char *const names[] = {"source", "external_id", "person_id"};
        for (int k = 0; k < 3; k++) {
            t->col[k] = -1;
            for (size_t i = 0; i < row->n; i++)
                if (strcmp(row->field[i], names[k]) == 0)
                    t->col[k] = (int)i;
            if (t->col[k] < 0)
                return err_set(t->e, ERR_INVALID, "the truth file has no column \"%s\"",
                               names[k]);
        }
        t->header = true;
        return 0;
    }
    for (int k = 0; k < 3; k++)
        if ((size_t)t->col[k] >= row->n)
            return 0;
    links_eval_truth(t->eval, row->field[t->col[0]], row->field[t->col[1]],
                     row->field[t->col[2]]);
    return 0;
}

int links_eval_read_truth(struct links_eval *le, const char *path, struct errbuf *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct truth t = {.eval = le, .e = e};
    struct csvr_opts o = {.delimiter = ','};
    int rc = csvr_read(f, &o, on_truth, &t, e);
    fclose(f);
    if (!rc && !t.header)
        rc = err_set(e, ERR_INVALID, "%s is empty: a header row is needed", path);
    return rc;
}
