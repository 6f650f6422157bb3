/*
 * test_import.c — CSV files through import_file() (and import_retry())
 * into a real temp store: mapping, cleaning, idempotent writes, quarantine.
 *
 * Each test gets a fresh workspace (testdb.h) whose directory also holds the
 * CSV and mapping files it writes, and a simulated clock that moves one
 * second after every import, so a second import that wrote anything would
 * leave a different timestamp behind. The database is checked through a
 * separate SQLite connection, as another process would see it; the
 * idempotency tests compare a dump of every table the import writes.
 *
 * Covered: profiles with rondo's own column names (cleaned golden fields,
 * identities, raw record with payload and corrections, custom attributes,
 * a BOM before the header); importing the same files twice changes
 * nothing, quarantined rows and consents without a time included; a
 * changed row is a new current raw record, and so is a row read through a
 * renamed column or another mapping; an id twice in one file; a user id
 * known before its first record; mapping files ([import] options, a Dutch
 * [profiles] section, a column mapped twice, attr.X, ignore, the semicolon
 * delimiter) and their errors; Latin-1 files; test records quarantined and
 * retried; orders (money and times as written), order lines, events and
 * consents; unknown customers quarantined and retried; rows with the wrong
 * number of fields (kept whole, never stored by a retry); a correction
 * undone that sticks across re-imports; the progress callback.
 */
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

static int group_setup(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    if (clean_init(&e)) {
        fprintf(stderr, "clean_init: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || testdb_open_store(&f->db, &f->s))
        return -1;
    clock_use_simulated(NOW);
    *state = f;
    return 0;
}

static int teardown(void **state)
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

static void keep_stats(struct run *r, struct import *im)
{
    if (!im)
        return;
    r->st = *import_stats(im);
    snprintf(r->unmapped, sizeof(r->unmapped), "%s", import_unmapped(im));
    import_free(im);
}

/* Import the file at path; then the clock moves on by a second. */
static struct run import_path(struct fixture *f, const char *path, enum import_table t,
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

static struct run import_csv(struct fixture *f, const char *name, const char *text,
                             enum import_table t, const struct import_map *map)
{
    return import_path(f, put(f, name, text), t, map);
}

/* An import that must succeed. */
static struct run ok_csv(struct fixture *f, const char *name, const char *text, enum import_table t,
                         const struct import_map *map)
{
    struct run r = import_csv(f, name, text, t, map);
    if (r.rc)
        fail_msg("import %s: %s: %s", name, err_name(r.rc), r.e.msg);
    return r;
}

static struct run retry(struct fixture *f, enum import_table t, int64_t id,
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

static void load_map(struct fixture *f, const char *ini, enum import_table t, struct import_map *m)
{
    struct errbuf e = {{0}, {0}};
    int rc = import_map_load(put(f, "map.ini", ini), t, m, &e);
    if (rc)
        fail_msg("import_map_load: %s: %s", err_name(rc), e.msg);
}

static int64_t reason_count(const struct run *r, const char *klass)
{
    for (size_t i = 0; i < r->st.nreasons; i++)
        if (strcmp(r->st.reasons[i].reason, klass) == 0)
            return r->st.reasons[i].count;
    return 0;
}

/* rows, imported, updated, unchanged, quarantined of an import */
static void assert_stats(const struct run *r, int64_t rows, int64_t imported, int64_t updated,
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
static sqlite3_stmt *query(struct fixture *f, sqlite3 **db, const char *sql, const char *arg)
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
static int64_t q_int(struct fixture *f, const char *sql, const char *arg)
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
static int64_t pid_of(struct fixture *f, const char *external_id)
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

static int64_t ms(const char *iso)
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

static void dump_add(struct dump *d, const void *s, size_t n)
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

static void dump_addf(struct dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dump_addf(struct dump *d, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    dump_add(d, tmp, (size_t)n);
}

/* Every row of every table an import writes, every column with its type, in a stable order. */
static struct dump dump_db(struct fixture *f)
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

static void assert_dump_equal(const struct dump *a, const struct dump *b)
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

static const char PROFILES[] =
    "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
    "c1,ann,SMITH,Ann.Smith@gmial.com,0475 12 34 56,Belgium,03/04/1985,gent,yes\n"
    "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n";

static void test_profiles_canonical_headers(void **state)
{
    struct fixture *f = *state;
    struct run r = ok_csv(f, "profiles.csv", PROFILES, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_true(r.st.corrected >= 1);
    assert_int_equal(r.st.fields_corrected[PF_EMAIL], 1);
    assert_int_equal(r.st.fields_corrected[PF_COUNTRY], 1); /* "BE" was right as given */
    assert_int_equal(r.st.fields_corrected[PF_BIRTH_DATE], 1);
    assert_string_equal(r.unmapped, "vip");

    /* golden fields, cleaned */
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c1", "last_name", "Smith");
    assert_field(f, "c1", "email", "Ann.Smith@gmail.com");
    assert_field(f, "c1", "phone", "+32475123456");
    assert_field(f, "c1", "country", "BE");
    assert_field(f, "c1", "birth_date", "1985-04-03");
    assert_field(f, "c1", "city", "Gent");
    assert_field(f, "c1", "source", SRC);
    assert_field(f, "c2", "phone", "+32486112233");
    assert_field(f, "c2", "birth_date", "1990-12-31");
    assert_field(f, "c2", "country", "BE");
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);

    /* custom attributes from the unknown column; a blank value sets none */
    json_t *a = json_loads(field_of(f, "c1", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "vip")), "yes");
    json_decref(a);
    a = json_loads(field_of(f, "c2", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_null(json_object_get(a, "vip"));
    json_decref(a);

    /* identities: user_id per source, e-mail and phone global */
    int64_t p1 = pid_of(f, "c1"), p2 = pid_of(f, "c2");
    assert_int_not_equal(p1, p2);
    int64_t id = 0;
    assert_int_equal(store_identity_find(f->s, "user_id", "c1", SRC, &id), 0);
    assert_int_equal(id, p1);
    assert_int_equal(store_identity_find(f->s, "user_id", "c1", "web", &id), ERR_NOT_FOUND);
    assert_int_equal(store_identity_find(f->s, "email", "ann.smith@gmail.com", "", &id), 0);
    assert_int_equal(id, p1);
    assert_int_equal(store_identity_find(f->s, "phone", "+32475123456", "", &id), 0);
    assert_int_equal(id, p1);
    assert_int_equal(store_identity_find(f->s, "email", "bram@telenet.be", "", &id), 0);
    assert_int_equal(id, p2);
    assert_int_equal(store_identity_find(f->s, "phone", "+32486112233", "", &id), 0);
    assert_int_equal(id, p2);

    /* the raw record: the row as given, current, with its hash and what cleaning did */
    assert_sql_int(f, 1, "SELECT count(*) FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_str(f,
                   "{\"external_id\":\"c1\",\"first_name\":\"ann\",\"last_name\":\"SMITH\","
                   "\"email\":\"Ann.Smith@gmial.com\",\"phone\":\"0475 12 34 56\","
                   "\"country\":\"Belgium\",\"birth_date\":\"03/04/1985\",\"city\":\"gent\","
                   "\"vip\":\"yes\"}",
                   "SELECT payload FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_str(f, "import", "SELECT kind FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_str(f, SRC, "SELECT source FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_int(f, p1, "SELECT profile_id FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_int(f, NOW, "SELECT received_at FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_int(f, 1,
                   "SELECT superseded_at IS NULL AND row_hash IS NOT NULL AND row_hash <> 0"
                   " FROM raw_records WHERE external_id = ?1",
                   "c1");
    assert_sql_int(f, 1, "SELECT (corrected_mask >> 5) & 1 FROM raw_records WHERE external_id = ?1",
                   "c1"); /* PF_EMAIL */
    assert_sql_int(f, 0, "SELECT (corrected_mask >> 5) & 1 FROM raw_records WHERE external_id = ?1",
                   "c2");
    assert_sql_str(f, "ann.smith@gmail.com",
                   "SELECT email_key FROM raw_records WHERE external_id = ?1", "c1");

    json_t *cleaned = json_loads(
        q_text(f, "SELECT cleaned FROM raw_records WHERE external_id = ?1", "c1"), 0, NULL);
    assert_non_null(cleaned);
    assert_string_equal(json_string_value(json_object_get(cleaned, "email")),
                        "Ann.Smith@gmail.com");
    assert_string_equal(json_string_value(json_object_get(cleaned, "country")), "BE");
    json_decref(cleaned);

    json_t *fixes = json_loads(
        q_text(f, "SELECT corrections FROM raw_records WHERE external_id = ?1", "c1"), 0, NULL);
    assert_true(json_is_array(fixes));
    bool typo = false, e164 = false;
    size_t i;
    json_t *x;
    json_array_foreach(fixes, i, x)
    {
        const char *field = json_string_value(json_object_get(x, "field"));
        const char *rule = json_string_value(json_object_get(x, "rule"));
        const char *before = json_string_value(json_object_get(x, "before"));
        const char *after = json_string_value(json_object_get(x, "after"));
        assert_non_null(field);
        assert_non_null(rule);
        if (strcmp(rule, "email.typo_domain") == 0) {
            typo = true;
            assert_string_equal(field, "email");
            assert_string_equal(before, "Ann.Smith@gmial.com");
            assert_string_equal(after, "Ann.Smith@gmail.com");
        }
        if (strcmp(field, "phone") == 0) {
            e164 = true;
            assert_string_equal(before, "0475 12 34 56");
            assert_string_equal(after, "+32475123456");
        }
    }
    assert_true(typo);
    assert_true(e164);
    json_decref(fixes);
}

/* A UTF-8 byte-order mark before the header is not part of the first column's name. */
static void test_profiles_bom_header(void **state)
{
    struct fixture *f = *state;
    struct run r = ok_csv(f, "bom.csv",
                          "\xEF\xBB\xBF"
                          "external_id;first_name\nc1;Ann\n",
                          IMP_PROFILES, NULL);
    assert_stats(&r, 1, 1, 0, 0, 0);
    assert_string_equal(r.unmapped, "");
    assert_field(f, "c1", "first_name", "Ann");
    assert_sql_str(f, "{\"external_id\":\"c1\",\"first_name\":\"Ann\"}",
                   "SELECT payload FROM raw_records WHERE external_id = ?1", "c1");
}

/* ---- importing twice ------------------------------------------------------------------- */

static const char ORDERS[] = "external_id;customer_id;ordered_at;status;currency;total\n"
                             "O1;c1;23/11/2026 14:30;paid;EUR;1.234,50\n"
                             "O2;c2;2026-11-20T08:15:00Z;refunded;;59,90\n"
                             "O3;c404;2026-11-20T08:15:00Z;paid;EUR;10\n";

static const char LINES[] = "order_id,line_no,sku,name,price,quantity\n"
                            "O1,1,SKU-1,Mug,\"12,50\",2\n"
                            "O1,2,SKU-2,Tea,3.99,\n"
                            "O2,1,SKU-1,Mug,\"12,50\",1\n"
                            "O9,1,SKU-3,Pot,20,1\n";

static const char EVENTS[] = "external_id,customer_id,type,name,timestamp,page_url\n"
                             "E1,c1,track,Viewed Product,2026-11-20T10:00:00Z,/p/1\n"
                             "E2,c1,,Signed Up,20/11/2026 11:00,\n"
                             "E3,c2,page,Home,2026-11-21T09:00:00Z,/\n"
                             "E4,c404,track,Lost,2026-11-21T09:00:00Z,\n";

static const char CONSENTS[] = "customer_id;channel;purpose;status;timestamp;wording\n"
                               "c1;Email;newsletter;ja;05/01/2026 10:00;Ja, graag\n"
                               "c1;sms;;nee;2026-01-05T10:00:00Z;\n"
                               "c2;email;;JA;2026-01-06T10:00:00Z;\n";

static const char PROFILES_WITH_TEST[] =
    "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
    "c1,ann,SMITH,Ann.Smith@gmial.com,0475 12 34 56,Belgium,03/04/1985,gent,yes\n"
    "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n"
    "c9,Tess,Ter,test@test.com,,,,,\n";

/* Acceptance criterion: "Import twice: the second import changes nothing". */
static void test_import_twice_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct run r;
    r = ok_csv(f, "profiles.csv", PROFILES_WITH_TEST, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 2, 0, 0, 1);
    r = ok_csv(f, "orders.csv", ORDERS, IMP_ORDERS, NULL);
    assert_stats(&r, 3, 2, 0, 0, 1);
    r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    r = ok_csv(f, "consents.csv", CONSENTS, IMP_CONSENTS, NULL);
    assert_stats(&r, 3, 3, 0, 0, 0);
    struct dump before = dump_db(f);
    assert_sql_int(f, 4, "SELECT count(*) FROM quarantine", NULL);

    /* the same files again, later */
    clock_advance(3600 * 1000);
    r = ok_csv(f, "profiles.csv", PROFILES_WITH_TEST, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 0, 0, 2, 1);
    assert_int_equal(r.st.corrected, 0);
    r = ok_csv(f, "orders.csv", ORDERS, IMP_ORDERS, NULL);
    assert_stats(&r, 3, 0, 0, 2, 1);
    r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    r = ok_csv(f, "consents.csv", CONSENTS, IMP_CONSENTS, NULL);
    assert_stats(&r, 3, 0, 0, 3, 0);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);
}

/*
 * Rows quarantined before their key is known (wrong number of fields, an
 * empty external id), imported twice, are still one quarantined row each:
 * the second import changes nothing.
 */
static void test_import_twice_bad_row_quarantined_once(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@x.be\n"
                              "c2,Smith, Bo,Bo,bo@x.be\n"
                              "c3,Cas\n"
                              ",Dirk,Dobbel,dirk@x.be\n";
    ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine", NULL);
    struct dump before = dump_db(f);
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 4, 0, 0, 1, 3);
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine", NULL);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);
}

/*
 * Consent rows without a time, imported twice: no second entry in the
 * ledger (the time of the first import stays the consent's time).
 */
static void test_import_twice_consent_without_time(void **state)
{
    struct fixture *f = *state;
    ok_csv(f, "p.csv", "external_id,first_name\nc1,Ann\n", IMP_PROFILES, NULL);
    static const char csv[] = "customer_id,channel,status\nc1,email,ja\nc1,sms,nee\n";
    struct run r = ok_csv(f, "c.csv", csv, IMP_CONSENTS, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_sql_int(f, 2, "SELECT count(*) FROM consent_history", NULL);
    int64_t first = r.at;
    assert_sql_int(f, first, "SELECT ts FROM consents WHERE channel = ?1", "email");
    struct dump before = dump_db(f);
    r = ok_csv(f, "c.csv", csv, IMP_CONSENTS, NULL);
    assert_sql_int(f, 2, "SELECT count(*) FROM consent_history", NULL);
    assert_stats(&r, 2, 0, 0, 2, 0);
    assert_sql_int(f, first, "SELECT ts FROM consents WHERE channel = ?1", "email");
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);

    /* a change of mind without a time: recorded at the time of that import */
    r = ok_csv(f, "c2.csv", "customer_id,channel,status\nc1,email,nee\n", IMP_CONSENTS, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_sql_int(f, r.at, "SELECT ts FROM consents WHERE channel = ?1", "email");
    assert_sql_str(f, "opted_out", "SELECT status FROM consents WHERE channel = ?1", "email");
    assert_sql_int(f, 3, "SELECT count(*) FROM consent_history", NULL);
}

/* ---- a changed row ----------------------------------------------------------------------- */

static void test_changed_row_updates(void **state)
{
    struct fixture *f = *state;
    ok_csv(f, "p.csv", PROFILES, IMP_PROFILES, NULL);
    int64_t p1 = pid_of(f, "c1");
    int64_t old_raw = q_int(f, "SELECT id FROM raw_records WHERE external_id = ?1", "c1");
    int64_t c2_raw = q_int(f, "SELECT id FROM raw_records WHERE external_id = ?1", "c2");

    static const char changed[] =
        "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
        "c1,ann,SMITH,ann@smith.be,0475 12 34 56,Belgium,03/04/1985,Brugge,yes\n"
        "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n";
    struct run r = ok_csv(f, "p.csv", changed, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 0, 1, 1, 0);

    /* the same profile, its fields changed */
    assert_int_equal(pid_of(f, "c1"), p1);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_field(f, "c1", "city", "Brugge");
    assert_field(f, "c1", "email", "ann@smith.be");
    assert_sql_int(f, r.at,
                   "SELECT updated_at FROM profiles WHERE id = (SELECT profile_id FROM"
                   " identities WHERE type = 'user_id' AND value = ?1)",
                   "c1");
    int64_t id = 0;
    assert_int_equal(store_identity_find(f->s, "email", "ann@smith.be", "", &id), 0);
    assert_int_equal(id, p1);

    /* the old record kept, superseded; the new one current */
    assert_sql_int(f, 2, "SELECT count(*) FROM raw_records WHERE external_id = ?1", "c1");
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT superseded_at FROM raw_records WHERE id = %lld",
             (long long)old_raw);
    assert_sql_int(f, r.at, sql, NULL);
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c1");
    assert_sql_str(f, "Brugge",
                   "SELECT json_extract(payload, '$.city') FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c1");
    assert_sql_str(f, "gent",
                   "SELECT json_extract(payload, '$.city') FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NOT NULL",
                   "c1");
    int64_t raw = 0, pid = 0, hash = 0;
    assert_int_equal(store_raw_current(f->s, SRC, "c1", &raw, &pid, &hash), 0);
    assert_int_not_equal(raw, old_raw);
    assert_int_equal(pid, p1);
    /* the unchanged row was not touched */
    assert_sql_int(f, 1, "SELECT count(*) FROM raw_records WHERE external_id = ?1", "c2");
    assert_int_equal(store_raw_current(f->s, SRC, "c2", &raw, &pid, &hash), 0);
    assert_int_equal(raw, c2_raw);
}

/*
 * A header put right (same values, another column name) is a change, not
 * "unchanged": the user renamed the column "stad" to "city" and imports again.
 */
static void test_corrected_header_is_a_change(void **state)
{
    struct fixture *f = *state;
    struct run r =
        ok_csv(f, "p.csv", "external_id,first_name,stad\nc1,Ann,Gent\n", IMP_PROFILES, NULL);
    assert_string_equal(r.unmapped, "stad");
    assert_field(f, "c1", "city", NULL);
    r = ok_csv(f, "p.csv", "external_id,first_name,city\nc1,Ann,Gent\n", IMP_PROFILES, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_field(f, "c1", "city", "Gent");
}

/*
 * The same source id twice in one file (a delta export with two versions):
 * one current record (the invariant of schema v3), the first row's; the
 * later row waits in the quarantine saying why, nothing is lost; importing
 * the file again changes nothing.
 */
static void test_same_id_twice_in_a_file(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,city\n"
                              "c1,Ann,Gent\n"
                              "c2,Bo,Brugge\n"
                              "c1,Ann,Leuven\n";
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 2, 0, 0, 1);
    assert_int_equal(reason_count(&r, "duplicate external_id"), 1);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_field(f, "c1", "city", "Gent");
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c1");
    assert_sql_str(f, "Leuven",
                   "SELECT json_extract(payload, '$.city') FROM quarantine WHERE external_id = ?1",
                   "c1");
    assert_sql_str(f, "external_id", "SELECT field FROM quarantine WHERE external_id = ?1", "c1");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "c1");
    assert_non_null(why);
    assert_non_null(strstr(why, "c1"));

    struct dump before = dump_db(f);
    r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 0, 0, 2, 1);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);

    /* within one batch too (the rows above were in two) */
    static const char csv2[] = "external_id,first_name\nc7,Ann\nc7,Anna\n";
    r = ok_csv(f, "p2.csv", csv2, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 1, 0, 0, 1);
    assert_field(f, "c7", "first_name", "Ann");
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c7");
}

/* A customer the source already sent through the API: the import fills that profile. */
static void test_profile_known_by_user_id(void **state)
{
    struct fixture *f = *state;
    struct errbuf e = {{0}, {0}};
    int64_t pid = 0;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_profile_create(f->s, SRC, NOW, &pid), 0);
    assert_int_equal(store_identity_add(f->s, "user_id", "c1", SRC, pid, NOW, NULL), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    struct run r = ok_csv(f, "p.csv", "external_id,first_name,city\nc1,Ann,Gent\nc2,Bo,Gent\n",
                          IMP_PROFILES, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_int_equal(pid_of(f, "c1"), pid);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c1", "city", "Gent");
    assert_sql_int(f, pid, "SELECT profile_id FROM raw_records WHERE external_id = ?1", "c1");
}

/* ---- mapping files ------------------------------------------------------------------------- */

static const char DUTCH_MAP[] = "; export uit het kassasysteem\n"
                                "[import]\n"
                                "delimiter = tab\n"
                                "encoding = utf-8\n"
                                "locale = nl\n"
                                "country = NL\n"
                                "decimal = ,\n"
                                "currency = EUR\n"
                                "\n"
                                "[profiles]\n"
                                "klantnr = external_id\n"
                                "klantnr = customer_number\n"
                                "voornaam = first_name\n"
                                "achternaam = last_name\n"
                                "e-mail = email\n"
                                "telefoon = phone\n"
                                "geboren = birth_date\n"
                                "woonplaats = city\n"
                                "kleur = attr.favourite_colour\n"
                                "opmerking, a, b, c, d, e, f, g, h, i, j = ignore\n"
                                "\n"
                                "[orders]\n"
                                "bestelling = external_id\n";

static void test_mapping_file(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    load_map(f, DUTCH_MAP, IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, '\t');
    assert_int_equal(m.encoding, CSVR_UTF8);
    assert_int_equal(m.decimal, ',');
    assert_string_equal(m.locale, "nl");
    assert_string_equal(m.country, "NL");
    assert_string_equal(m.currency, "EUR");
    assert_int_equal(m.npairs, 10); /* only [profiles]: [orders] is another table's */
    assert_string_equal(m.column[0], "klantnr");
    assert_string_equal(m.field[0], "external_id");
    assert_string_equal(m.column[1], "klantnr");
    assert_string_equal(m.field[1], "customer_number");
    assert_string_equal(m.column[9], "opmerking, a, b, c, d, e, f, g, h, i, j");
    assert_string_equal(m.field[9], "ignore");

    /* the header has more commas than tabs: only the mapping's delimiter reads it right */
    static const char csv[] =
        "klantnr\tvoornaam\tachternaam\te-mail\ttelefoon\tgeboren\twoonplaats\tkleur\t"
        "opmerking, a, b, c, d, e, f, g, h, i, j\textra\n"
        "K1\tjan\tJANSSEN\tjan@ziggo.nl\t06 12345678\t03-04-1985\tutrecht\tblauw\tgeheim\tx1\n";
    struct run r = ok_csv(f, "klanten.txt", csv, IMP_PROFILES, &m);
    assert_stats(&r, 1, 1, 0, 0, 0);
    assert_string_equal(r.unmapped, "extra");

    assert_field(f, "K1", "first_name", "Jan");
    assert_field(f, "K1", "last_name", "Janssen");
    assert_field(f, "K1", "email", "jan@ziggo.nl");
    assert_field(f, "K1", "phone", "+31612345678"); /* national form read in the map's country */
    assert_field(f, "K1", "birth_date", "1985-04-03");
    assert_field(f, "K1", "city", "Utrecht");
    /* one column, two fields: the source's id and its customer number */
    int64_t p = pid_of(f, "K1"), id = 0;
    assert_int_equal(store_identity_find(f->s, "customer_number", "K1", SRC, &id), 0);
    assert_int_equal(id, p);
    /* attr.X and unmapped columns are custom attributes; ignored ones are not */
    json_t *a = json_loads(field_of(f, "K1", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "favourite_colour")), "blauw");
    assert_string_equal(json_string_value(json_object_get(a, "extra")), "x1");
    assert_null(json_object_get(a, "kleur"));
    assert_null(json_object_get(a, "opmerking, a, b, c, d, e, f, g, h, i, j"));
    assert_int_equal(json_object_size(a), 2);
    json_decref(a);
    /* the payload keeps the file's own column names, ignored ones too */
    assert_sql_str(f, "geheim",
                   "SELECT json_extract(payload, '$.\"opmerking, a, b, c, d, e, f, g, h, i, j\"')"
                   " FROM raw_records WHERE external_id = ?1",
                   "K1");
    assert_sql_str(f, "06 12345678",
                   "SELECT json_extract(payload, '$.telefoon') FROM raw_records"
                   " WHERE external_id = ?1",
                   "K1");

    /* the same file with the same mapping: unchanged */
    r = ok_csv(f, "klanten.txt", csv, IMP_PROFILES, &m);
    assert_stats(&r, 1, 0, 0, 1, 0);
    import_map_free(&m);
    assert_null(m.column);

    /* another mapping reads the same row differently: it is a change */
    char other[sizeof(DUTCH_MAP) + 16];
    const char *k = strstr(DUTCH_MAP, "attr.favourite_colour");
    assert_non_null(k);
    snprintf(other, sizeof(other), "%.*sattr.colour_of_choice%s", (int)(k - DUTCH_MAP), DUTCH_MAP,
             k + strlen("attr.favourite_colour"));
    load_map(f, other, IMP_PROFILES, &m);
    r = ok_csv(f, "klanten.txt", csv, IMP_PROFILES, &m);
    assert_stats(&r, 1, 0, 1, 0, 0);
    a = json_loads(field_of(f, "K1", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "colour_of_choice")), "blauw");
    json_decref(a);
    import_map_free(&m);

    /* without the mapping nothing names external_id */
    struct run bad = import_csv(f, "klanten.txt", csv, IMP_PROFILES, NULL);
    assert_int_equal(bad.rc, ERR_INVALID);
}

/*
 * The delimiter most Dutch and Belgian exports use. In INI a ';' after a
 * space starts a comment: "delimiter=;", "delimiter = semicolon" and
 * "delimiter = \";\"" work; "delimiter = ;" is an empty value and must be
 * refused with a hint, not read as a sniffed delimiter.
 */
static void test_mapping_semicolon_delimiter(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    load_map(f, "[import]\ndelimiter=;\n[profiles]\nklant = external_id\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, ';');
    /* a header with more commas than semicolons is read with the declared delimiter */
    struct run r =
        ok_csv(f, "p.csv", "klant;naam, voluit, met komma's\nK1;Ann, Smith\n", IMP_PROFILES, &m);
    assert_stats(&r, 1, 1, 0, 0, 0);
    assert_sql_str(f, "Ann, Smith",
                   "SELECT json_extract(attributes, '$.\"naam, voluit, met komma''s\"')"
                   " FROM profiles",
                   NULL);
    import_map_free(&m);

    /* by name, or quoted */
    load_map(f, "[import]\ndelimiter = semicolon\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, ';');
    import_map_free(&m);
    load_map(f, "[import]\ndelimiter = \";\"\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, ';');
    import_map_free(&m);
    load_map(f, "[import]\ndelimiter = pipe\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, '|');
    import_map_free(&m);

    /* refused, saying how to write it */
    struct errbuf e = {{0}, {0}};
    int rc = import_map_load(put(f, "m.ini", "[import]\ndelimiter = ;\n"), IMP_PROFILES, &m, &e);
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "import.delimiter");
    assert_non_null(strstr(e.msg, "semicolon"));
    import_map_free(&m);
}

/*
 * Mapping another column to a field (the mobile column instead of the
 * landline) reads the same rows differently: every row is a change.
 */
static void test_remapped_column_is_a_change(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "klant,telefoon,gsm\nK1,0486 11 22 33,0475 12 34 56\n";
    struct import_map m;
    load_map(f, "[import]\ncountry = BE\n[profiles]\nklant = external_id\ntelefoon = phone\n",
             IMP_PROFILES, &m);
    ok_csv(f, "p.csv", csv, IMP_PROFILES, &m);
    import_map_free(&m);
    assert_field(f, "K1", "phone", "+32486112233");
    load_map(f, "[import]\ncountry = BE\n[profiles]\nklant = external_id\ngsm = phone\n",
             IMP_PROFILES, &m);
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, &m);
    import_map_free(&m);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_field(f, "K1", "phone", "+32475123456");
}

static void test_mapping_errors(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    struct errbuf e = {{0}, {0}};

    /* a field the table does not have */
    int rc = import_map_load(put(f, "m.ini",
                                 "[profiles]\nklantnr = external_id\n"
                                 "schoenmaat = shoe_size\n"),
                             IMP_PROFILES, &m, &e);
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "schoenmaat");
    assert_non_null(strstr(e.msg, "schoenmaat"));
    assert_non_null(strstr(e.msg, "shoe_size"));
    import_map_free(&m);

    /* a field of another table */
    memset(&e, 0, sizeof(e));
    rc = import_map_load(put(f, "m.ini", "[profiles]\nbedrag = total\n"), IMP_PROFILES, &m, &e);
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "bedrag");
    import_map_free(&m);
    /* ... which is fine for that table */
    memset(&e, 0, sizeof(e));
    assert_int_equal(
        import_map_load(put(f, "m.ini", "[orders]\nbedrag = total\n"), IMP_ORDERS, &m, &e), 0);
    import_map_free(&m);

    /* [import] options */
    static const struct {
        const char *ini, *what;
    } bad[] = {
        {"[import]\ndelimiter = ab\n", "delimiter"}, {"[import]\nencoding = ebcdic\n", "encoding"},
        {"[import]\ndecimal = x\n", "decimal"},      {"[import]\nseparator = ,\n", "separator"},
        {"[klanten]\na = b\n", "klanten"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        rc = import_map_load(put(f, "m.ini", bad[i].ini), IMP_PROFILES, &m, &e);
        if (rc != ERR_INVALID || !strstr(e.msg, bad[i].what))
            fail_msg("%s: rc %d, message \"%s\"", bad[i].ini, rc, e.msg);
        import_map_free(&m);
    }
    memset(&e, 0, sizeof(e));
    snprintf(f->file, sizeof(f->file), "%s/none.ini", f->db.dir);
    assert_int_equal(import_map_load(f->file, IMP_PROFILES, &m, &e), ERR_IO);
    import_map_free(&m);

    /* a mapped column the file's header lacks: nothing is imported */
    load_map(f, "[profiles]\nklantnr = external_id\nvoornaam = first_name\n", IMP_PROFILES, &m);
    struct run r = import_csv(f, "p.csv", "klantnr,naam\nK1,Jan\n", IMP_PROFILES, &m);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "voornaam");
    assert_non_null(strstr(r.e.msg, "voornaam"));
    assert_sql_int(f, 0, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM raw_records", NULL);
    import_map_free(&m);

    /* a required field without a column */
    r = import_csv(f, "p.csv", "id,first_name\n1,Jan\n", IMP_PROFILES, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "external_id");
    assert_non_null(strstr(r.e.msg, "external_id"));
    r = import_csv(f, "o.csv", "external_id,customer_id,total\nO1,c1,10\n", IMP_ORDERS, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "ordered_at");
    r = import_csv(f, "l.csv", "order_id,sku\nO1,S\n", IMP_ORDER_LINES, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "line_no");
    r = import_csv(f, "c.csv", "customer_id,channel\nc1,email\n", IMP_CONSENTS, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "status");
    /* a required field mapped away to an attribute is missing too */
    load_map(f, "[profiles]\nexternal_id = attr.old_id\n", IMP_PROFILES, &m);
    r = import_csv(f, "p.csv", "external_id,first_name\n1,Jan\n", IMP_PROFILES, &m);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "external_id");
    import_map_free(&m);

    /* an empty file has no header */
    r = import_csv(f, "empty.csv", "", IMP_PROFILES, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_non_null(strstr(r.e.msg, "empty"));
    assert_sql_int(f, 0, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM quarantine", NULL);
}

/* ---- encodings --------------------------------------------------------------------------------
 */

static const char LATIN1[] = "external_id,first_name,last_name,city,note\n"
                             "c1,Andr\xE9,M\xFCller,Li\xE8ge,\n"
                             "c2,Zo\xEB,Fran\xE7ois,Gen\xE8ve,\n"
                             "c3,Bo,Smith,Gent,\n"
                             "c4,Al,Ba,Gent,\xC3\xA9t\xC3\xA9\n";

static void test_latin1_file(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    load_map(f, "[import]\nencoding = latin1\n", IMP_PROFILES, &m);
    assert_int_equal(m.encoding, CSVR_LATIN1);
    struct run r = ok_csv(f, "l1.csv", LATIN1, IMP_PROFILES, &m);
    assert_stats(&r, 4, 4, 0, 0, 0);
    assert_int_equal(r.st.converted, 3);
    /* declared Latin-1: bytes that happen to be valid UTF-8 are Latin-1 all the same */
    assert_sql_str(f, "\xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9",
                   "SELECT json_extract(attributes, '$.note') FROM profiles WHERE id ="
                   " (SELECT profile_id FROM identities WHERE type = 'user_id' AND value = ?1)",
                   "c4");
    assert_field(f, "c1", "first_name", "Andr\xC3\xA9");
    assert_field(f, "c1", "last_name", "M\xC3\xBCller");
    assert_field(f, "c1", "city", "Li\xC3\xA8ge");
    assert_field(f, "c2", "first_name", "Zo\xC3\xAB");
    assert_field(f, "c2", "last_name", "Fran\xC3\xA7ois");
    assert_sql_str(f, "Andr\xC3\xA9",
                   "SELECT json_extract(payload, '$.first_name') FROM raw_records"
                   " WHERE external_id = ?1",
                   "c1");
    import_map_free(&m);
}

/* Without a declared encoding a Latin-1 file is detected field by field. */
static void test_latin1_detected(void **state)
{
    struct fixture *f = *state;
    struct run r = ok_csv(f, "l1.csv", LATIN1, IMP_PROFILES, NULL);
    assert_stats(&r, 4, 4, 0, 0, 0);
    assert_int_equal(r.st.converted, 2);
    assert_sql_str(f, "\xC3\xA9t\xC3\xA9",
                   "SELECT json_extract(attributes, '$.note') FROM profiles WHERE id ="
                   " (SELECT profile_id FROM identities WHERE type = 'user_id' AND value = ?1)",
                   "c4");
    assert_field(f, "c1", "first_name", "Andr\xC3\xA9");
    assert_field(f, "c2", "city", "Gen\xC3\xA8ve");
    assert_field(f, "c3", "city", "Gent");
}

/* ---- test records ---------------------------------------------------------------------------- */

static void test_test_records_quarantined(void **state)
{
    struct fixture *f = *state;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_test_pattern_add(f->s, "email", "*@acme.invalid"), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@smith.be\n"
                              "c2,Tina,Tester,test@test.com\n"
                              "c3,Mickey,Mouse,mickey@disney.be\n"
                              "c4,Bo,Bakker,bo@acme.invalid\n"
                              "c5,Jane,Doe,jane@doe.be\n";
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 5, 1, 0, 0, 4);
    assert_int_equal(reason_count(&r, "test record"), 4);
    assert_sql_int(f, 1, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value = ?1", "c2");
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value = ?1", "test@test.com");
    assert_sql_int(f, 1, "SELECT count(*) FROM raw_records", NULL);

    assert_sql_int(f, 4,
                   "SELECT count(*) FROM quarantine WHERE class = 'test record'"
                   " AND kind = 'import:profiles' AND source = '" SRC "' AND resolved_at IS NULL",
                   NULL);
    assert_sql_str(f, "email", "SELECT field FROM quarantine WHERE external_id = ?1", "c2");
    assert_sql_str(f, "name", "SELECT field FROM quarantine WHERE external_id = ?1", "c3");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "c3");
    assert_non_null(why);
    assert_non_null(strstr(why, "mickey mouse"));
    why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "c4");
    assert_non_null(why);
    assert_non_null(strstr(why, "*@acme.invalid"));
    /* the row as given, to retry */
    assert_sql_str(f, "Mickey",
                   "SELECT json_extract(payload, '$.first_name') FROM quarantine"
                   " WHERE external_id = ?1",
                   "c3");

    /* Mickey Mouse is a real customer after all: drop the pattern and retry */
    json_t *pats = NULL;
    assert_int_equal(store_test_patterns(f->s, &pats, &e), 0);
    int64_t mickey = 0;
    size_t i;
    json_t *p;
    json_array_foreach(pats, i, p) if (strcmp(json_string_value(json_object_get(p, "pattern")),
                                              "mickey mouse") == 0) mickey =
        json_integer_value(json_object_get(p, "id"));
    json_decref(pats);
    assert_true(mickey > 0);
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_test_pattern_remove(f->s, mickey), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    r = retry(f, IMP_PROFILES, 0, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_int_equal(r.st.quarantined, 3);
    assert_field(f, "c3", "first_name", "Mickey");
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "c3");
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    assert_sql_int(f, 4, "SELECT count(*) FROM quarantine", NULL); /* none added */
}

/* ---- orders, lines, events, consents ------------------------------------------------------- */

static void import_customers(struct fixture *f)
{
    struct run r =
        ok_csv(f, "customers.csv", "external_id,first_name,last_name\nc1,Ann,Smith\nc2,Bo,Bakker\n",
               IMP_PROFILES, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
}

#define ORDER_COL(col) "SELECT " col " FROM orders WHERE external_id = ?1"

static void test_orders(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    static const char csv[] = "external_id;customer_id;ordered_at;status;currency;total;kanaal\n"
                              "O1;c1;23/11/2026 14:30;paid;EUR;1.234,50;web\n"
                              "O2;c2;2026-11-20T08:15:00Z;refunded;;59,90;\n"
                              "O3;c1;01/02/2026;completed;USD;\xE2\x82\xAC 12,50;winkel\n"
                              "O4;c1;1,234.56 is no date;paid;EUR;10;\n"
                              "O5;c1;01/02/2026;paid;EUR;abc;\n"
                              "O6;c1;01/02/2026;pending;EUR;10;\n"
                              "O7;c2;01/02/2026 09:05:30;PAID;eur;1.234.567;\n";
    struct run r = ok_csv(f, "orders.csv", csv, IMP_ORDERS, NULL);
    assert_stats(&r, 7, 4, 0, 0, 3);
    assert_int_equal(reason_count(&r, "invalid ordered_at"), 1);
    assert_int_equal(reason_count(&r, "invalid total"), 1);
    assert_int_equal(reason_count(&r, "invalid status"), 1);
    assert_string_equal(r.unmapped, "kanaal");

    char p1[24], p2[24];
    snprintf(p1, sizeof(p1), "%lld", (long long)pid_of(f, "c1"));
    snprintf(p2, sizeof(p2), "%lld", (long long)pid_of(f, "c2"));
    assert_sql_str(f, p1, ORDER_COL("profile_id"), "O1");
    assert_sql_int(f, 123450, ORDER_COL("total_cents"), "O1");
    assert_sql_int(f, ms("2026-11-23T14:30:00Z"), ORDER_COL("ordered_at"), "O1");
    assert_sql_str(f, "completed", ORDER_COL("status"), "O1");
    assert_sql_str(f, "EUR", ORDER_COL("currency"), "O1");
    assert_sql_str(f, SRC, ORDER_COL("source"), "O1");
    assert_sql_str(f, "web", ORDER_COL("json_extract(attributes, '$.kanaal')"), "O1");
    assert_sql_int(f, 1, ORDER_COL("row_hash IS NOT NULL"), "O1");

    assert_sql_str(f, p2, ORDER_COL("profile_id"), "O2");
    assert_sql_int(f, 5990, ORDER_COL("total_cents"), "O2");
    assert_sql_str(f, "refunded", ORDER_COL("status"), "O2");
    assert_sql_str(f, "EUR", ORDER_COL("currency"), "O2"); /* none given */
    assert_sql_int(f, ms("2026-11-20T08:15:00Z"), ORDER_COL("ordered_at"), "O2");
    assert_sql_str(f, NULL, ORDER_COL("attributes"), "O2");

    assert_sql_int(f, 1250, ORDER_COL("total_cents"), "O3");
    assert_sql_str(f, "USD", ORDER_COL("currency"), "O3");
    assert_sql_int(f, ms("2026-02-01T00:00:00Z"), ORDER_COL("ordered_at"), "O3");

    assert_sql_int(f, 123456700, ORDER_COL("total_cents"), "O7");
    assert_sql_int(f, ms("2026-02-01T09:05:30Z"), ORDER_COL("ordered_at"), "O7");
    assert_sql_str(f, "completed", ORDER_COL("status"), "O7");

    assert_sql_int(f, 0, "SELECT count(*) FROM orders WHERE external_id IN ('O4', 'O5', 'O6')",
                   NULL);
    assert_sql_str(f, "ordered_at", "SELECT field FROM quarantine WHERE external_id = ?1", "O4");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "O5");
    assert_non_null(why);
    assert_non_null(strstr(why, "abc"));
    assert_sql_str(f, "import:orders", "SELECT kind FROM quarantine WHERE external_id = ?1", "O6");

    /* again: unchanged */
    r = ok_csv(f, "orders.csv", csv, IMP_ORDERS, NULL);
    assert_stats(&r, 7, 0, 0, 4, 3);
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine", NULL);

    /* a changed order is updated in place */
    int64_t o1 = q_int(f, ORDER_COL("id"), "O1");
    r = ok_csv(f, "orders2.csv",
               "external_id;customer_id;ordered_at;status;currency;total;kanaal\n"
               "O1;c1;23/11/2026 14:30;refunded;EUR;1.234,50;web\n",
               IMP_ORDERS, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_sql_str(f, "refunded", ORDER_COL("status"), "O1");
    assert_sql_int(f, o1, ORDER_COL("id"), "O1");
    assert_sql_int(f, r.at, ORDER_COL("updated_at"), "O1");
}

/* A declared decimal comma, with a mapping of the order columns. */
static void test_orders_declared_decimal(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    struct import_map m;
    load_map(f,
             "[import]\ndecimal = ,\ncurrency = GBP\n[orders]\nbestelling = external_id\n"
             "klant = customer_id\ndatum = ordered_at\nbedrag = total\n",
             IMP_ORDERS, &m);
    struct run r = ok_csv(f, "o.csv",
                          "bestelling,klant,datum,bedrag\n"
                          "O1,c1,05/06/2026 09:05,1.234\n"
                          "O2,c2,05/06/2026,\"7,5\"\n",
                          IMP_ORDERS, &m);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_sql_int(f, 123400, ORDER_COL("total_cents"), "O1");
    assert_sql_int(f, ms("2026-06-05T09:05:00Z"), ORDER_COL("ordered_at"), "O1");
    assert_sql_str(f, "GBP", ORDER_COL("currency"), "O1");
    assert_sql_int(f, 750, ORDER_COL("total_cents"), "O2");
    import_map_free(&m);
}

static void test_order_lines(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    ok_csv(f, "orders.csv",
           "external_id,customer_id,ordered_at\nO1,c1,2026-11-20T08:00:00Z\n"
           "O2,c2,2026-11-20T09:00:00Z\n",
           IMP_ORDERS, NULL);
    int64_t o1 = q_int(f, ORDER_COL("id"), "O1");
    struct run r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    assert_int_equal(reason_count(&r, "unknown order_id"), 1);

    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM order_lines WHERE order_id = %lld",
             (long long)o1);
    assert_sql_int(f, 2, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id = %lld"
             " AND line_no = 1",
             (long long)o1);
    assert_sql_int(f, 1250 * 1000 + 2, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id = %lld"
             " AND line_no = 2",
             (long long)o1);
    assert_sql_int(f, 399 * 1000 + 1, sql, NULL); /* quantity defaults to 1 */
    snprintf(sql, sizeof(sql),
             "SELECT sku || '/' || name FROM order_lines WHERE order_id = %lld AND line_no = 2",
             (long long)o1);
    assert_sql_str(f, "SKU-2/Tea", sql, NULL);

    /* the line of an unknown order waits in the quarantine, saying which order */
    assert_sql_str(f, "unknown order_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "O9#1");
    assert_sql_str(f, "order_id", "SELECT field FROM quarantine WHERE external_id = ?1", "O9#1");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "O9#1");
    assert_non_null(why);
    assert_non_null(strstr(why, "\"O9\""));

    /* again: nothing changes */
    struct dump before = dump_db(f);
    r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);

    /* a changed line replaces that line, never doubles it */
    r = ok_csv(f, "lines2.csv", "order_id,line_no,sku,name,price,quantity\nO1,2,SKU-2,Tea,4.25,3\n",
               IMP_ORDER_LINES, NULL);
    assert_int_equal(r.st.rows, 1);
    assert_int_equal(r.st.imported + r.st.updated, 1);
    assert_int_equal(r.st.unchanged + r.st.quarantined, 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM order_lines WHERE order_id = %lld",
             (long long)o1);
    assert_sql_int(f, 2, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id = %lld"
             " AND line_no = 2",
             (long long)o1);
    assert_sql_int(f, 425 * 1000 + 3, sql, NULL);

    /* the order arrives: the line is retried and stored */
    ok_csv(f, "orders9.csv", "external_id,customer_id,ordered_at\nO9,c2,2026-11-21T08:00:00Z\n",
           IMP_ORDERS, NULL);
    r = retry(f, IMP_ORDER_LINES, 0, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_int_equal(r.st.quarantined, 0);
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O9#1");
    assert_sql_int(f, 2000 * 1000 + 1,
                   "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id ="
                   " (SELECT id FROM orders WHERE external_id = ?1)",
                   "O9");
}

static void test_events(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    struct run r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    assert_int_equal(reason_count(&r, "unknown customer_id"), 1);
    assert_string_equal(r.unmapped, ""); /* extra columns are event properties */

    char p1[24];
    snprintf(p1, sizeof(p1), "%lld", (long long)pid_of(f, "c1"));
#define EV(col) "SELECT " col " FROM events WHERE message_id = ?1"
    assert_sql_str(f, p1, EV("profile_id"), "import:shop:E1");
    assert_sql_str(f, "track", EV("type"), "import:shop:E1");
    assert_sql_str(f, "Viewed Product", EV("name"), "import:shop:E1");
    assert_sql_str(f, SRC, EV("source"), "import:shop:E1");
    assert_sql_int(f, ms("2026-11-20T10:00:00Z"), EV("ts"), "import:shop:E1");
    assert_sql_int(f, r.at, EV("received_at"), "import:shop:E1");
    assert_sql_str(f, "/p/1", EV("json_extract(properties, '$.page_url')"), "import:shop:E1");
    assert_sql_str(f, "track", EV("type"), "import:shop:E2"); /* none given */
    assert_sql_int(f, ms("2026-11-20T11:00:00Z"), EV("ts"), "import:shop:E2");
    assert_sql_str(f, NULL, EV("properties"), "import:shop:E2");
    assert_sql_str(f, "page", EV("type"), "import:shop:E3");
#undef EV
    assert_sql_int(f, 3, "SELECT count(*) FROM events", NULL);
    assert_sql_str(f, "unknown customer_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "E4");

    /* again: unchanged, not doubled */
    r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    assert_sql_int(f, 3, "SELECT count(*) FROM events", NULL);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine", NULL);

    /* a bad type, a bad time */
    r = ok_csv(f, "ev2.csv",
               "external_id,customer_id,type,name,timestamp\n"
               "E5,c1,identify,X,2026-11-20T10:00:00Z\n"
               "E6,c1,track,X,yesterday\n",
               IMP_EVENTS, NULL);
    assert_stats(&r, 2, 0, 0, 0, 2);
    assert_int_equal(reason_count(&r, "invalid type"), 1);
    assert_int_equal(reason_count(&r, "invalid timestamp"), 1);
}

static void test_consents(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    static const char csv[] = "customer_id;channel;purpose;status;timestamp;wording\n"
                              "c1;Email;newsletter;ja;05/01/2026 10:00;Ja, graag\n"
                              "c1;sms;;nee;2026-01-05T10:00:00Z;\n"
                              "c2;email;;JA;2026-01-06T10:00:00Z;\n"
                              "c2;fax;;ja;2026-01-06T10:00:00Z;\n"
                              "c2;post;;misschien;2026-01-06T10:00:00Z;\n";
    struct run r = ok_csv(f, "consents.csv", csv, IMP_CONSENTS, NULL);
    assert_stats(&r, 5, 3, 0, 0, 2);
    assert_int_equal(reason_count(&r, "invalid channel"), 1);
    assert_int_equal(reason_count(&r, "invalid status"), 1);

    char sql[256];
    int64_t p1 = pid_of(f, "c1"), p2 = pid_of(f, "c2");
    snprintf(sql, sizeof(sql),
             "SELECT status FROM consents WHERE profile_id = %lld AND channel = 'email'"
             " AND purpose = 'newsletter'",
             (long long)p1);
    assert_sql_str(f, "opted_in", sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT ts FROM consents WHERE profile_id = %lld AND channel = 'email'"
             " AND purpose = 'newsletter'",
             (long long)p1);
    assert_sql_int(f, ms("2026-01-05T10:00:00Z"), sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT wording || '|' || source FROM consents WHERE profile_id = %lld"
             " AND channel = 'email'",
             (long long)p1);
    assert_sql_str(f, "Ja, graag|" SRC, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT status FROM consents WHERE profile_id = %lld AND channel = 'sms'"
             " AND purpose = ''",
             (long long)p1);
    assert_sql_str(f, "opted_out", sql, NULL);
    snprintf(sql, sizeof(sql), "SELECT status FROM consents WHERE profile_id = %lld",
             (long long)p2);
    assert_sql_str(f, "opted_in", sql, NULL);
    assert_sql_int(f, 3, "SELECT count(*) FROM consents", NULL);
    assert_sql_int(f, 3, "SELECT count(*) FROM consent_history", NULL);

    /* again: no new entry in the ledger */
    r = ok_csv(f, "consents.csv", csv, IMP_CONSENTS, NULL);
    assert_stats(&r, 5, 0, 0, 3, 2);
    assert_sql_int(f, 3, "SELECT count(*) FROM consent_history", NULL);

    /* a change of mind is one more entry, and the current status */
    r = ok_csv(f, "consents2.csv",
               "customer_id,channel,status,timestamp\nc1,sms,opt-in,2026-03-01T12:00:00Z\n",
               IMP_CONSENTS, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    snprintf(sql, sizeof(sql),
             "SELECT status FROM consents WHERE profile_id = %lld AND channel = 'sms'",
             (long long)p1);
    assert_sql_str(f, "opted_in", sql, NULL);
    assert_sql_int(f, 4, "SELECT count(*) FROM consent_history", NULL);
    assert_sql_str(f, "opted_out,opted_in",
                   "SELECT group_concat(status) FROM (SELECT status FROM consent_history"
                   " WHERE channel = 'sms' ORDER BY id)",
                   NULL);
}

/* ---- unknown customers and retries ------------------------------------------------------------
 */

/* A later import that stores a quarantined row resolves its entry; unchanged rows do not. */
static void test_later_import_resolves(void **state)
{
    struct fixture *f = *state;
    static const char orders[] = "external_id,customer_id,ordered_at,total\n"
                                 "o1,c1,2025-01-02,10\n";
    struct run r = ok_csv(f, "o.csv", orders, IMP_ORDERS, NULL);
    assert_int_equal(r.st.quarantined, 1);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    ok_csv(f, "p.csv", "external_id,first_name\nc1,Ann\n", IMP_PROFILES, NULL);
    r = ok_csv(f, "o.csv", orders, IMP_ORDERS, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_sql_int(f, 0, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NOT NULL", NULL);
    r = ok_csv(f, "o.csv", orders, IMP_ORDERS, NULL);
    assert_int_equal(r.st.unchanged, 1);
}

static void test_unknown_customer_retried(void **state)
{
    struct fixture *f = *state;
    static const char orders[] = "external_id,customer_id,ordered_at,total\n"
                                 "O1,c7,2026-11-20T08:00:00Z,10.00\n"
                                 "O2,c8,2026-11-20T09:00:00Z,20.00\n";
    struct run r = ok_csv(f, "orders.csv", orders, IMP_ORDERS, NULL);
    assert_stats(&r, 2, 0, 0, 0, 2);
    assert_int_equal(reason_count(&r, "unknown customer_id"), 2);
    assert_sql_int(f, 0, "SELECT count(*) FROM orders", NULL);
    assert_sql_str(f, "unknown customer_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "O1");
    assert_sql_str(f, "customer_id", "SELECT field FROM quarantine WHERE external_id = ?1", "O1");
    assert_sql_str(f, "import:orders", "SELECT kind FROM quarantine WHERE external_id = ?1", "O1");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "O1");
    assert_non_null(why);
    assert_non_null(strstr(why, "\"c7\""));

    /* the customer arrives; the retry stores the order and marks the row resolved */
    ok_csv(f, "p.csv", "external_id,first_name\nc7,Zeger\n", IMP_PROFILES, NULL);
    r = retry(f, IMP_ORDERS, 0, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_int_equal(r.st.quarantined, 1);
    assert_int_equal(reason_count(&r, "unknown customer_id"), 1);
    char p7[24];
    snprintf(p7, sizeof(p7), "%lld", (long long)pid_of(f, "c7"));
    assert_sql_str(f, p7, ORDER_COL("profile_id"), "O1");
    assert_sql_int(f, 1000, ORDER_COL("total_cents"), "O1");
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O1");
    assert_sql_str(f, NULL, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O2");
    assert_sql_str(f, "unknown customer_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "O2");
    assert_sql_int(f, 2, "SELECT count(*) FROM quarantine", NULL);

    /* a second retry does not touch the resolved row */
    int64_t resolved = q_int(f, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O1");
    r = retry(f, IMP_ORDERS, 0, NULL);
    assert_int_equal(r.st.imported, 0);
    assert_int_equal(r.st.rows, 1);
    assert_sql_int(f, resolved, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O1");

    /* importing the file again after the retry: the order is there, unchanged */
    r = ok_csv(f, "orders.csv", orders, IMP_ORDERS, NULL);
    assert_stats(&r, 2, 0, 0, 1, 1);
    assert_sql_int(f, 2, "SELECT count(*) FROM quarantine", NULL);

    /* one row by id */
    ok_csv(f, "p8.csv", "external_id,first_name\nc8,Odette\n", IMP_PROFILES, NULL);
    int64_t q2 = q_int(f, "SELECT id FROM quarantine WHERE external_id = ?1", "O2");
    r = retry(f, IMP_ORDERS, q2, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O2");
}

/* ---- rows with the wrong number of fields --------------------------------------------------- */

static void test_wrong_field_count(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@x.be\n"
                              "c2,Smith, Bo,Bo,bo@x.be\n"
                              "c3,Cas\n"
                              "c4,Dirk,Dobbel,dirk@x.be\n"
                              " ,Eva,Eeckhout,eva@x.be\n";
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 5, 2, 0, 0, 3);
    assert_int_equal(reason_count(&r, "wrong number of fields"), 2);
    assert_int_equal(reason_count(&r, "missing external_id"), 1);
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c4", "first_name", "Dirk");
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value IN ('c2', 'c3')", NULL);
    assert_sql_int(f, 2, "SELECT count(*) FROM quarantine WHERE class = 'wrong number of fields'",
                   NULL);
    /* the reason gives the row and both counts; the record keeps every field of the row */
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM quarantine WHERE class = 'wrong number of fields'"
                   " AND instr(reason, 'row 3') AND instr(reason, '5 fields')"
                   " AND instr(reason, 'header 4') AND instr(payload, 'bo@x.be')"
                   " AND instr(payload, ' Bo')",
                   NULL);
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM quarantine WHERE class = 'wrong number of fields'"
                   " AND instr(reason, 'row 4') AND instr(reason, '2 fields')"
                   " AND instr(payload, 'Cas')",
                   NULL);
    assert_sql_str(f, "external_id",
                   "SELECT field FROM quarantine WHERE class = 'missing external_id'", NULL);
}

/*
 * A retry without any fix cannot make a row with the wrong number of fields
 * right: it stays in the quarantine and nothing is stored from it.
 */
static void test_wrong_field_count_not_stored_by_retry(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@x.be\n"
                              "c2,Smith, Bo,Bo,bo@x.be\n";
    ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    struct run r = retry(f, IMP_PROFILES, 0, NULL);
    assert_int_equal(r.st.imported + r.st.updated, 0);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    /* still waiting for the real reason, not one the retry made up */
    assert_sql_str(f, "wrong number of fields", "SELECT class FROM quarantine", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value = ?1", "c2");
    assert_sql_int(f, 1, "SELECT count(*) FROM profiles", NULL);
}

/* ---- a correction undone ------------------------------------------------------------------------
 */

static void undo(struct fixture *f, const char *ext, const char *field, json_t **undone)
{
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_begin(f->s, &e), 0);
    int rc = store_correction_undo(f->s, SRC, ext, field, clock_now(), undone, &e);
    if (rc) {
        store_rollback(f->s);
        fail_msg("store_correction_undo %s %s: %s: %s", ext, field, err_name(rc), e.msg);
    }
    assert_int_equal(store_commit(f->s, &e), 0);
}

static void test_correction_undo_sticks(void **state)
{
    struct fixture *f = *state;
    ok_csv(f, "p.csv", PROFILES, IMP_PROFILES, NULL);
    assert_field(f, "c1", "email", "Ann.Smith@gmail.com");

    /* "gmial.com" was really meant: the value as given comes back */
    json_t *undone = NULL;
    undo(f, "c1", "email", &undone);
    assert_int_equal(json_array_size(undone), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(undone, 0), "field")),
                        "email");
    assert_string_equal(json_string_value(json_object_get(json_array_get(undone, 0), "value")),
                        "Ann.Smith@gmial.com");
    json_decref(undone);
    assert_field(f, "c1", "email", "Ann.Smith@gmial.com");

    /* a field without a correction, an unknown record, an unknown field */
    struct errbuf e = {{0}, {0}};
    undone = NULL;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_correction_undo(f->s, SRC, "c2", "email", clock_now(), &undone, &e),
                     ERR_NOT_FOUND);
    assert_int_equal(store_correction_undo(f->s, SRC, "c99", "email", clock_now(), &undone, &e),
                     ERR_NOT_FOUND);
    assert_int_equal(store_correction_undo(f->s, SRC, "c1", "shoe_size", clock_now(), &undone, &e),
                     ERR_INVALID);
    store_rollback(f->s);
    json_decref(undone);

    /* the same file again: unchanged, the field stays as given */
    struct run r = ok_csv(f, "p.csv", PROFILES, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 0, 0, 2, 0);
    assert_field(f, "c1", "email", "Ann.Smith@gmial.com");

    /*
     * A changed version of the row: still as given, the rest cleaned as ever.
     * The row after it fills the batch, so the store writes c1 only after the
     * reader has moved on to c2 (as in any file of more than one batch).
     */
    static const char changed[] =
        "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
        "c1,ann,SMITH,Ann.Smith@gmial.com,0475 12 34 56,Belgium,03/04/1985,brugge,yes\n"
        "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n";
    r = ok_csv(f, "p2.csv", changed, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 0, 1, 1, 0);
    assert_field(f, "c1", "email", "Ann.Smith@gmial.com");
    assert_field(f, "c1", "city", "Brugge");
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c1", "phone", "+32475123456");
    const char *fixes = q_text(f,
                               "SELECT corrections FROM raw_records WHERE external_id = ?1"
                               " AND superseded_at IS NULL",
                               "c1");
    assert_non_null(fixes);
    assert_null(strstr(fixes, "email.typo_domain"));
    assert_non_null(strstr(fixes, "phone"));
    assert_sql_str(f, "Ann.Smith@gmial.com",
                   "SELECT json_extract(cleaned, '$.email') FROM raw_records"
                   " WHERE external_id = ?1 AND superseded_at IS NULL",
                   "c1");
    /* other records of the file are cleaned as before */
    r = ok_csv(f, "p3.csv", "external_id,email\nc3,Cor@gmial.com\n", IMP_PROFILES, NULL);
    assert_field(f, "c3", "email", "Cor@gmail.com");
}

/* ---- progress
 * ------------------------------------------------------------------------------------ */

struct seen {
    int calls;
    struct import_progress last;
};

static void on_progress(void *ctx, const struct import_progress *p)
{
    struct seen *s = ctx;
    s->calls++;
    s->last = *p;
}

static void test_progress(void **state)
{
    struct fixture *f = *state;
    const char *path = put(f, "p.csv", PROFILES_WITH_TEST);
    struct seen seen = {0};
    struct import_file_opts o = {
        .source = SRC, .table = IMP_PROFILES, .progress = on_progress, .ctx = &seen};
    struct errbuf e = {{0}, {0}};
    assert_int_equal(import_file(f->s, path, &o, NULL, &e), 0);
    assert_true(seen.calls >= 1);
    assert_int_equal(seen.last.total_bytes, strlen(PROFILES_WITH_TEST));
    assert_int_equal(seen.last.bytes, strlen(PROFILES_WITH_TEST));
    assert_int_equal(seen.last.rows, 3);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);

    /* a file that does not exist */
    snprintf(f->file, sizeof(f->file), "%s/none.csv", f->db.dir);
    assert_int_equal(import_file(f->s, f->file, &o, NULL, &e), ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profiles_canonical_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles_bom_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_bad_row_quarantined_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_consent_without_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_row_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrected_header_is_a_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_id_twice_in_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_known_by_user_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_semicolon_delimiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remapped_column_is_a_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latin1_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latin1_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_test_records_quarantined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_declared_decimal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_customer_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_import_resolves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_field_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_field_count_not_stored_by_retry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_correction_undo_sticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
    };
    return cmocka_run_group_tests_name("import", tests, group_setup, NULL);
}
