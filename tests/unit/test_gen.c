/*
 * test_gen.c — `rondo gen` for 2000 persons in a temp directory: the same
 * seed gives byte-identical files (whatever the thread count), another seed
 * other files; truth.csv has one row per profile record; orders reference
 * existing profiles and order lines existing orders, and totals add up; the
 * CRM file is Latin-1 (not UTF-8) while the webshop is UTF-8; test records
 * are there with an empty person_id; a path that cannot be created is an
 * ERR_IO naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "gen/gen.h"

#define PERSONS 2000

static const char *const all_files[] = {
    "webshop.profiles.csv",
    "webshop.orders.csv",
    "webshop.order_lines.csv",
    "webshop.events.csv",
    "webshop.consents.csv",
    "store.profiles.csv",
    "store.orders.csv",
    "store.order_lines.csv",
    "app.profiles.csv",
    "app.events.csv",
    "crm.profiles.csv",
    "crm.consents.csv",
    "truth.csv",
    "store.map.ini",
    "crm.map.ini",
};
#define NFILES (sizeof(all_files) / sizeof(all_files[0]))

static char root[64];

static void path_of(char *out, size_t cap, const char *dir, const char *file)
{
    snprintf(out, cap, "%s/%s/%s", root, dir, file);
}

static char *slurp(const char *dir, const char *file, size_t *len)
{
    char path[256];
    path_of(path, sizeof(path), dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    p[n] = '\0';
    *len = (size_t)n;
    return p;
}

static uint64_t hash_file(const char *dir, const char *file)
{
    size_t n;
    char *p = slurp(dir, file, &n);
    uint64_t h = 0xCBF29CE484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001B3ULL;
    free(p);
    return h;
}

static void generate(const char *dir, uint64_t seed, int threads)
{
    char out[128];
    snprintf(out, sizeof(out), "%s/%s", root, dir);
    struct gen_opts o = {.out_dir = out,
                         .persons = PERSONS,
                         .seed = seed,
                         .dirt = GEN_DIRT_MEDIUM,
                         .threads = threads};
    struct errbuf e = {{0}, {0}};
    struct gen_stats st;
    int rc = gen_run(&o, &st, &e);
    if (rc)
        fail_msg("gen_run: %s", e.msg);
    assert_int_equal(st.persons, PERSONS);
    assert_int_equal(st.files, NFILES);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/rondo-test-gen-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    generate("a", 7, 2);
    generate("b", 7, 1);
    generate("c", 8, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const dirs[] = {"a", "b", "c"};
    char path[256];
    for (size_t d = 0; d < 3; d++) {
        for (size_t i = 0; i < NFILES; i++) {
            path_of(path, sizeof(path), dirs[d], all_files[i]);
            unlink(path);
        }
        snprintf(path, sizeof(path), "%s/%s", root, dirs[d]);
        rmdir(path);
    }
    rmdir(root);
    return 0;
}

/* ---- a small RFC 4180 reader: quoted fields may hold delimiters, quotes, newlines ---- */

#define MAXF 20

struct table {
    char *text;
    size_t nrows; /* data rows, header excluded */
    char **cell;  /* nrows * ncols, NUL-terminated in place */
    size_t ncols;
};

static void table_load(struct table *t, const char *dir, const char *file, char delim)
{
    size_t n;
    char *p = slurp(dir, file, &n);
    t->text = p;
    t->nrows = 0;
    t->ncols = 0;
    size_t cap = 1024;
    t->cell = malloc(cap * sizeof(char *));
    char *fields[MAXF];
    size_t nf = 0, row = 0;
    char *w = p, *start = p;
    bool quoted = false, at_start = true;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? p[i] : '\n';
        if (quoted) {
            if (c == '"' && i + 1 < n && p[i + 1] == '"') {
                *w++ = '"';
                i++;
            } else if (c == '"') {
                quoted = false;
            } else {
                *w++ = c;
            }
            continue;
        }
        if (c == '"' && at_start) {
            quoted = true;
            at_start = false;
            continue;
        }
        if (c == delim || c == '\n') {
            *w++ = '\0';
            assert_true(nf < MAXF);
            fields[nf++] = start;
            start = w;
            at_start = true;
            if (c == '\n') {
                if (i == n && nf == 1 && !*fields[0])
                    break; /* the final newline */
                if (row == 0)
                    t->ncols = nf;
                else if (nf != t->ncols)
                    fail_msg("%s row %zu: %zu fields, header has %zu", file, row, nf, t->ncols);
                if (row > 0) {
                    while ((t->nrows + 1) * t->ncols > cap)
                        cap *= 2, t->cell = realloc(t->cell, cap * sizeof(char *));
                    memcpy(t->cell + t->nrows * t->ncols, fields, nf * sizeof(char *));
                    t->nrows++;
                }
                row++;
                nf = 0;
            }
            continue;
        }
        at_start = false;
        *w++ = c;
    }
    assert_false(quoted);
}

static const char *cell(const struct table *t, size_t row, size_t col)
{
    return t->cell[row * t->ncols + col];
}

static void table_free(struct table *t)
{
    free(t->text);
    free(t->cell);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copy of one column, for membership tests. */
static const char **column_set(const struct table *t, size_t col)
{
    const char **v = malloc((t->nrows + 1) * sizeof(char *));
    for (size_t r = 0; r < t->nrows; r++)
        v[r] = cell(t, r, col);
    qsort(v, t->nrows, sizeof(char *), cmp_str);
    return v;
}

static bool in_set(const char **set, size_t n, const char *s)
{
    return bsearch(&s, set, n, sizeof(char *), cmp_str) != NULL;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFILES; i++)
        if (hash_file("a", all_files[i]) != hash_file("b", all_files[i]))
            fail_msg("%s differs between two runs with seed 7 (2 threads, 1 thread)", all_files[i]);
}

static void test_other_seed_other_bytes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFILES - 2; i++) /* the map files are fixed text */
        if (hash_file("a", all_files[i]) == hash_file("c", all_files[i]))
            fail_msg("%s is the same for seeds 7 and 8", all_files[i]);
}

static void test_truth_covers_every_profile(void **state)
{
    (void)state;
    static const struct {
        const char *file, *source;
        char delim;
    } prof[] = {{"webshop.profiles.csv", "webshop", ','},
                {"store.profiles.csv", "store", ';'},
                {"app.profiles.csv", "app", ','},
                {"crm.profiles.csv", "crm", ';'}};
    struct table truth;
    table_load(&truth, "a", "truth.csv", ',');
    assert_int_equal(truth.ncols, 4);
    size_t total = 0, tests = 0;
    for (size_t p = 0; p < 4; p++) {
        struct table t;
        table_load(&t, "a", prof[p].file, prof[p].delim);
        assert_true(t.nrows > PERSONS / 5);
        total += t.nrows;
        /* each profile's external id appears in truth under its source */
        const char **ids = column_set(&t, 0);
        size_t seen = 0;
        for (size_t r = 0; r < truth.nrows; r++)
            if (!strcmp(cell(&truth, r, 0), prof[p].source)) {
                assert_true(in_set(ids, t.nrows, cell(&truth, r, 1)));
                seen++;
            }
        assert_int_equal(seen, t.nrows);
        free(ids);
        table_free(&t);
    }
    assert_int_equal(truth.nrows, total);
    for (size_t r = 0; r < truth.nrows; r++) {
        bool test = !*cell(&truth, r, 2);
        if (test)
            assert_string_equal(cell(&truth, r, 3), ""); /* no household either */
        else
            assert_true(cell(&truth, r, 2)[0] == 'P' && cell(&truth, r, 3)[0] == 'H');
        tests += test;
    }
    assert_true(tests > 0);
    assert_true(tests < total / 50);
    table_free(&truth);
}

static void check_refs(const char *profiles, const char *orders, const char *lines, char delim,
                       size_t order_total_col, char decimal)
{
    struct table p, o, l;
    table_load(&p, "a", profiles, delim);
    table_load(&o, "a", orders, delim);
    table_load(&l, "a", lines, delim);
    assert_true(o.nrows > PERSONS / 2);
    const char **ids = column_set(&p, 0);
    for (size_t r = 0; r < o.nrows; r++)
        if (!in_set(ids, p.nrows, cell(&o, r, 1)))
            fail_msg("%s: customer %s is no profile", orders, cell(&o, r, 1));
    const char **oids = column_set(&o, 0);
    for (size_t r = 0; r < l.nrows; r++)
        if (!in_set(oids, o.nrows, cell(&l, r, 0)))
            fail_msg("%s: order %s does not exist", lines, cell(&l, r, 0));
    /* an order's total is the sum of its lines (price x quantity) */
    for (size_t r = 0; r < o.nrows; r++) {
        const char *id = cell(&o, r, 0);
        long sum = 0;
        for (size_t k = 0; k < l.nrows; k++) {
            if (strcmp(cell(&l, k, 0), id) != 0)
                continue;
            const char *price = cell(&l, k, l.ncols - 2);
            const char *sep = strchr(price, decimal);
            assert_non_null(sep);
            sum += (strtol(price, NULL, 10) * 100 + strtol(sep + 1, NULL, 10)) *
                   strtol(cell(&l, k, l.ncols - 1), NULL, 10);
        }
        const char *total = cell(&o, r, order_total_col), *sep = strchr(total, decimal);
        assert_non_null(sep);
        assert_int_equal(sum, strtol(total, NULL, 10) * 100 + strtol(sep + 1, NULL, 10));
        if (r > 300)
            break; /* quadratic: a sample is enough */
    }
    free(ids);
    free(oids);
    table_free(&p);
    table_free(&o);
    table_free(&l);
}

static void test_orders_reference_profiles(void **state)
{
    (void)state;
    check_refs("webshop.profiles.csv", "webshop.orders.csv", "webshop.order_lines.csv", ',', 5,
               '.');
    check_refs("store.profiles.csv", "store.orders.csv", "store.order_lines.csv", ';', 4, ',');
}

static void test_events_reference_profiles(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {{"webshop.profiles.csv", "webshop.events.csv"},
                                           {"app.profiles.csv", "app.events.csv"},
                                           {"webshop.profiles.csv", "webshop.consents.csv"}};
    for (size_t i = 0; i < 3; i++) {
        struct table p, ev;
        table_load(&p, "a", pairs[i][0], ',');
        table_load(&ev, "a", pairs[i][1], ',');
        assert_true(ev.nrows > 0);
        size_t col = i == 2 ? 0 : 1;
        const char **ids = column_set(&p, 0);
        for (size_t r = 0; r < ev.nrows; r++)
            assert_true(in_set(ids, p.nrows, cell(&ev, r, col)));
        free(ids);
        table_free(&p);
        table_free(&ev);
    }
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (!len || i + len > n || (len == 2 && c < 0xC2))
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

static void test_encodings(void **state)
{
    (void)state;
    size_t n;
    unsigned char *crm = (unsigned char *)slurp("a", "crm.profiles.csv", &n);
    size_t high = 0;
    for (size_t i = 0; i < n; i++)
        high += crm[i] >= 0x80;
    assert_true(high > 0);
    assert_false(valid_utf8(crm, n));
    assert_non_null(strstr((char *)crm, ";Belgi\xEB;")); /* België in Latin-1 */
    free(crm);
    static const char *const utf8[] = {"webshop.profiles.csv", "store.profiles.csv",
                                       "app.profiles.csv", "truth.csv"};
    for (size_t f = 0; f < 4; f++) {
        unsigned char *p = (unsigned char *)slurp("a", utf8[f], &n);
        if (!valid_utf8(p, n))
            fail_msg("%s is not valid UTF-8", utf8[f]);
        free(p);
    }
}

static void test_headers_and_maps(void **state)
{
    (void)state;
    size_t n;
    char *p = slurp("a", "webshop.profiles.csv", &n);
    assert_memory_equal(p, "external_id,email,first_name,last_name,gender,birth_date,phone,",
                        strlen("external_id,email,first_name,last_name,gender,birth_date,phone,"));
    free(p);
    p = slurp("a", "store.map.ini", &n);
    assert_non_null(strstr(p, "[import]\ndelimiter = semicolon\nlocale = nl-BE\ndecimal = ,\n"));
    assert_non_null(strstr(p, "card_number = external_id\ncard_number = loyalty_card\n"));
    free(p);
    p = slurp("a", "crm.map.ini", &n);
    assert_non_null(strstr(p, "encoding = latin1\n"));
    assert_non_null(strstr(p, "GSM = mobile\n"));
    free(p);
}

static void test_errors(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    struct gen_opts o = {.out_dir = "/dev/null/rondo-gen", .persons = 10, .seed = 1};
    assert_int_equal(gen_run(&o, NULL, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "/dev/null"));
    o.out_dir = "/tmp";
    o.persons = 0;
    assert_int_equal(gen_run(&o, NULL, &e), ERR_INVALID);
    enum gen_dirt d;
    assert_int_equal(gen_dirt_parse("high", &d), 0);
    assert_int_equal(d, GEN_DIRT_HIGH);
    assert_int_equal(gen_dirt_parse("filthy", &d), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_other_seed_other_bytes),
        cmocka_unit_test(test_truth_covers_every_profile),
        cmocka_unit_test(test_orders_reference_profiles),
        cmocka_unit_test(test_events_reference_profiles),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_headers_and_maps),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
