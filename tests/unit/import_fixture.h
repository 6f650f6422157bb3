/*
 * import_fixture.h — what the import test suites share: a fresh temp
 * workspace per test (testdb.h) whose directory also holds the CSV and
 * mapping files a test writes, a simulated clock that moves one second
 * after every import, imports and retries that keep their stats, queries
 * through a separate SQLite connection, a dump of every table an import
 * writes (for idempotency), and the sample files.
 */
#ifndef RONDO_IMPORT_FIXTURE_H
#define RONDO_IMPORT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "clean/clean.h"
#include "ingest/import.h"
#include "testdb.h"

#define NOW 1795428000000LL /* 2026-11-23T10:00:00Z */
#define SRC "shop"

struct fixture {
    struct testdb db;
    struct store *s;
    char file[256];
};

static inline int group_setup(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    if (clean_init(&e)) {
        fprintf(stderr, "clean_init: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || testdb_open_store(&f->db, &f->s))
        return -1;
    clock_use_simulated(NOW);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fixture *f = *state;
    testdb_close_store(&f->db, f->s);
    free(f);
    return 0;
}

/* ---- files and imports ---------------------------------------------------------- */

/* Write n bytes (0: strlen) to name in the workspace's directory; the path stays in f->file. */
static const char *put_n(struct fixture *f, const char *name, const char *text, size_t n)
{
    snprintf(f->file, sizeof(f->file), "%s/%s", f->db.dir, name);
    FILE *fp = fopen(f->file, "wb");
    assert_non_null(fp);
    if (!n)
        n = strlen(text);
    assert_int_equal(fwrite(text, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
    return f->file;
}

static const char *put(struct fixture *f, const char *name, const char *text)
{
    return put_n(f, name, text, 0);
}

struct run {
    int rc;
    struct errbuf e;
    struct import_stats st;
    char unmapped[256];
    int64_t at; /* the import's clock */
};

static inline void keep_stats(struct run *r, struct import *im)
{
    if (!im)
        return;
    r->st = *import_stats(im);
    snprintf(r->unmapped, sizeof(r->unmapped), "%s", import_unmapped(im));
    import_free(im);
}

/* Import the file at path; then the clock moves on by a second. */
static inline struct run import_path(struct fixture *f, const char *path, enum import_table t,
                              const struct import_map *map)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    struct import_file_opts o = {.source = SRC, .table = t, .map = map, .batch_rows = 2};
    struct import *im = NULL;
    r.at = clock_now();
    r.rc = import_file(f->s, path, &o, &im, &r.e);
    keep_stats(&r, im);
    clock_advance(1000);
    return r;
}

static inline struct run import_csv(struct fixture *f, const char *name, const char *text,
                             enum import_table t, const struct import_map *map)
{
    return import_path(f, put(f, name, text), t, map);
}

/* An import that must succeed. */
static inline struct run ok_csv(struct fixture *f, const char *name, const char *text, enum import_table t,
                         const struct import_map *map)
{
    struct run r = import_csv(f, name, text, t, map);
    if (r.rc)
        fail_msg("import %s: %s: %s", name, err_name(r.rc), r.e.msg);
    return r;
}

static inline struct run retry(struct fixture *f, enum import_table t, int64_t id,
                        const struct import_map *map)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    struct import *im = NULL;
    r.at = clock_now();
    r.rc = import_retry(f->s, SRC, t, id, map, &im, &r.e);
    if (r.rc)
        fail_msg("import_retry: %s: %s", err_name(r.rc), r.e.msg);
    keep_stats(&r, im);
    clock_advance(1000);
    return r;
}

static inline void load_map(struct fixture *f, const char *ini, enum import_table t, struct import_map *m)
{
    struct errbuf e = {{0}, {0}};
    int rc = import_map_load(put(f, "map.ini", ini), t, m, &e);
    if (rc)
        fail_msg("import_map_load: %s: %s", err_name(rc), e.msg);
}

static inline int64_t reason_count(const struct run *r, const char *klass)
{
    for (size_t i = 0; i < r->st.nreasons; i++)
        if (strcmp(r->st.reasons[i].reason, klass) == 0)
            return r->st.reasons[i].count;
    return 0;
}

/* rows, imported, updated, unchanged, quarantined of an import */
static inline void assert_stats(const struct run *r, int64_t rows, int64_t imported, int64_t updated,
                         int64_t unchanged, int64_t quarantined)
{
    const struct import_stats *s = &r->st;
    if (s->rows != rows || s->imported != imported || s->updated != updated ||
        s->unchanged != unchanged || s->quarantined != quarantined)
        fail_msg("stats: rows %lld imported %lld updated %lld unchanged %lld quarantined %lld;"
                 " want %lld %lld %lld %lld %lld",
                 (long long)s->rows, (long long)s->imported, (long long)s->updated,
                 (long long)s->unchanged, (long long)s->quarantined, (long long)rows,
                 (long long)imported, (long long)updated, (long long)unchanged,
                 (long long)quarantined);
}

/* ---- reading the database ------------------------------------------------------- */

/* Prepare sql on a fresh connection, binding ?1 (text) when arg is given. */
static inline sqlite3_stmt *query(struct fixture *f, sqlite3 **db, const char *sql, const char *arg)
{
    if (sqlite3_open_v2(f->db.path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("open %s: %s", f->db.path, sqlite3_errmsg(*db));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(*db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(*db));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    return st;
}

/* First column of the first row; -1 when there is no row. */
static inline int64_t q_int(struct fixture *f, const char *sql, const char *arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = query(f, &db, sql, arg);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Same as text, in one of 8 rotating buffers; NULL for no row or SQL NULL. */
static const char *q_text(struct fixture *f, const char *sql, const char *arg)
{
    static char bufs[8][8192];
    static int next;
    char *out = bufs[next++ % 8];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = query(f, &db, sql, arg);
    const char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        snprintf(out, sizeof(bufs[0]), "%.*s", sqlite3_column_bytes(st, 0),
                 (const char *)sqlite3_column_text(st, 0));
        v = out;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

#define assert_sql_str(f, want, sql, arg)                                                          \
    do {                                                                                           \
        const char *got_ = q_text((f), (sql), (arg));                                              \
        const char *want_ = (want);                                                                \
        if (!want_ ? got_ != NULL : !got_ || strcmp(got_, want_) != 0)                             \
            fail_msg("%s [%s]:\n want: %s\n got:  %s", (sql), (arg) ? (arg) : "",                  \
                     want_ ? want_ : "NULL", got_ ? got_ : "NULL");                                \
    } while (0)

#define assert_sql_int(f, want, sql, arg)                                                          \
    do {                                                                                           \
        int64_t got_ = q_int((f), (sql), (arg));                                                   \
        if (got_ != (int64_t)(want))                                                               \
            fail_msg("%s [%s]: want %lld, got %lld", (sql), (arg) ? (arg) : "", (long long)(want), \
                     (long long)got_);                                                             \
    } while (0)

/* The profile of a source's customer id (its user_id identity); fails when there is none. */
static inline int64_t pid_of(struct fixture *f, const char *external_id)
{
    int64_t id = q_int(f,
                       "SELECT profile_id FROM identities WHERE type = 'user_id' AND source = '" SRC
                       "' AND value = ?1",
                       external_id);
    if (id <= 0)
        fail_msg("no profile for %s", external_id);
    return id;
}

/* A profile's golden field of a customer. */
static const char *field_of(struct fixture *f, const char *external_id, const char *column)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM profiles WHERE id = %lld", column,
             (long long)pid_of(f, external_id));
    return q_text(f, sql, NULL);
}

#define assert_field(f, ext, column, want)                                                         \
    do {                                                                                           \
        const char *got_ = field_of((f), (ext), (column));                                         \
        const char *want_ = (want);                                                                \
        if (!want_ ? got_ != NULL : !got_ || strcmp(got_, want_) != 0)                             \
            fail_msg("%s of %s: want %s, got %s", (column), (ext), want_ ? want_ : "NULL",         \
                     got_ ? got_ : "NULL");                                                        \
    } while (0)

static inline int64_t ms(const char *iso)
{
    int64_t v = 0;
    if (time_parse_iso8601(iso, &v))
        fail_msg("bad time in the test: %s", iso);
    return v;
}

/* ---- a dump of everything an import writes ------------------------------------------ */

struct dump {
    char *p;
    size_t len, cap;
};

static inline void dump_add(struct dump *d, const void *s, size_t n)
{
    if (!n && d->p)
        return;
    if (d->len + n + 1 > d->cap) {
        while (d->len + n + 1 > d->cap)
            d->cap = d->cap ? d->cap * 2 : 4096;
        d->p = realloc(d->p, d->cap);
        assert_non_null(d->p);
    }
    if (n)
        memcpy(d->p + d->len, s, n);
    d->len += n;
    d->p[d->len] = '\0';
}

static inline void dump_addf(struct dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void dump_addf(struct dump *d, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    dump_add(d, tmp, (size_t)n);
}

/* Every row of every table an import writes, every column with its type, in a stable order. */
static inline struct dump dump_db(struct fixture *f)
{
    static const char *const sql[] = {
        "SELECT * FROM profiles ORDER BY rowid",
        "SELECT * FROM identities ORDER BY rowid",
        "SELECT * FROM raw_records ORDER BY rowid",
        "SELECT * FROM orders ORDER BY rowid",
        "SELECT * FROM order_lines ORDER BY rowid",
        "SELECT * FROM events ORDER BY rowid",
        "SELECT * FROM consents ORDER BY rowid",
        "SELECT * FROM consent_history ORDER BY rowid",
        "SELECT * FROM quarantine ORDER BY rowid",
        "SELECT * FROM clean_overrides ORDER BY source, external_id, field",
        "SELECT * FROM merge_log ORDER BY rowid",
    };
    struct dump d = {0};
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(f->db.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("open %s", f->db.path);
    for (size_t t = 0; t < sizeof(sql) / sizeof(sql[0]); t++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql[t], -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", sql[t], sqlite3_errmsg(db));
        dump_addf(&d, "== %s\n", sql[t]);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                dump_addf(&d, "%s=", sqlite3_column_name(st, c));
                switch (sqlite3_column_type(st, c)) {
                case SQLITE_NULL:
                    dump_add(&d, "NULL", 4);
                    break;
                case SQLITE_INTEGER:
                    dump_addf(&d, "i%lld", (long long)sqlite3_column_int64(st, c));
                    break;
                case SQLITE_FLOAT:
                    dump_addf(&d, "f%.17g", sqlite3_column_double(st, c));
                    break;
                default: {
                    const void *b = sqlite3_column_blob(st, c);
                    int n = sqlite3_column_bytes(st, c);
                    dump_addf(&d, "%c%d:", sqlite3_column_type(st, c) == SQLITE_TEXT ? 't' : 'b',
                              n);
                    dump_add(&d, b, (size_t)n);
                }
                }
                dump_add(&d, " ", 1);
            }
            dump_add(&d, "\n", 1);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return d;
}

static inline void assert_dump_equal(const struct dump *a, const struct dump *b)
{
    if (a->len == b->len && memcmp(a->p, b->p, a->len) == 0)
        return;
    size_t i = 0;
    while (i < a->len && i < b->len && a->p[i] == b->p[i])
        i++;
    size_t from = i > 300 ? i - 300 : 0;
    fail_msg("the database changed at byte %zu:\n before: ...%.*s\n after:  ...%.*s", i,
             (int)(i - from + 200 < a->len - from ? i - from + 200 : a->len - from), a->p + from,
             (int)(i - from + 200 < b->len - from ? i - from + 200 : b->len - from), b->p + from);
}

/* ---- profiles ------------------------------------------------------------------------- */

static const char PROFILES[] __attribute__((unused)) =
    "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
    "c1,ann,SMITH,Ann.Smith@gmial.com,0475 12 34 56,Belgium,03/04/1985,gent,yes\n"
    "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n";

static inline void import_customers(struct fixture *f)
{
    struct run r =
        ok_csv(f, "customers.csv", "external_id,first_name,last_name\nc1,Ann,Smith\nc2,Bo,Bakker\n",
               IMP_PROFILES, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
}

static const char ORDERS[] __attribute__((unused)) = "external_id;customer_id;ordered_at;status;currency;total\n"
                             "O1;c1;23/11/2026 14:30;paid;EUR;1.234,50\n"
                             "O2;c2;2026-11-20T08:15:00Z;refunded;;59,90\n"
                             "O3;c404;2026-11-20T08:15:00Z;paid;EUR;10\n";

static const char LINES[] __attribute__((unused)) = "order_id,line_no,sku,name,price,quantity\n"
                            "O1,1,SKU-1,Mug,\"12,50\",2\n"
                            "O1,2,SKU-2,Tea,3.99,\n"
                            "O2,1,SKU-1,Mug,\"12,50\",1\n"
                            "O9,1,SKU-3,Pot,20,1\n";

static const char EVENTS[] __attribute__((unused)) = "external_id,customer_id,type,name,timestamp,page_url\n"
                             "E1,c1,track,Viewed Product,2026-11-20T10:00:00Z,/p/1\n"
                             "E2,c1,,Signed Up,20/11/2026 11:00,\n"
                             "E3,c2,page,Home,2026-11-21T09:00:00Z,/\n"
                             "E4,c404,track,Lost,2026-11-21T09:00:00Z,\n";

static const char CONSENTS[] __attribute__((unused)) = "customer_id;channel;purpose;status;timestamp;wording\n"
                               "c1;Email;newsletter;ja;05/01/2026 10:00;Ja, graag\n"
                               "c1;sms;;nee;2026-01-05T10:00:00Z;\n"
                               "c2;email;;JA;2026-01-06T10:00:00Z;\n";

static const char PROFILES_WITH_TEST[] __attribute__((unused)) =
    "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
    "c1,ann,SMITH,Ann.Smith@gmial.com,0475 12 34 56,Belgium,03/04/1985,gent,yes\n"
    "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n"
    "c9,Tess,Ter,test@test.com,,,,,\n";

#endif
