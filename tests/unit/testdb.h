/*
 * testdb.h — temp workspaces for unit tests that use a real SQLite store.
 *
 * testdb_new() makes a fresh directory under /tmp (mkdtemp) and the path of a
 * workspace file in it; testdb_free() deletes the directory with everything
 * in it (the database, its -wal and -shm). testdb_sql_int() reads one integer
 * through a separate SQLite connection, as another process would see the
 * committed data. Header-only: each test binary is one .c file.
 */
#ifndef RONDO_TESTDB_H
#define RONDO_TESTDB_H

#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct testdb {
    char dir[64];
    char path[128]; /* dir/rondo.db, not created by testdb_new */
};

/* A fresh temp directory; returns 0 or -1. */
static inline int testdb_new(struct testdb *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/rondo-test-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/rondo.db", t->dir);
    return 0;
}

/* Remove the directory and the files in it. */
static inline void testdb_free(struct testdb *t)
{
    DIR *d = opendir(t->dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof(p), "%s/%s", t->dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(t->dir);
}

/* First column of the first row of sql (with optional integer ?1), or -1 on any failure. */
static inline int64_t testdb_sql_int(const char *path, const char *sql, int64_t arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, arg);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Run SQL text on its own read-write connection; 0 or -1. */
static inline int testdb_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
            SQLITE_OK &&
        sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
        rc = 0;
    sqlite3_close(db);
    return rc;
}

#ifdef RONDO_STORE_H
/* A fresh temp workspace, created and migrated, opened in *s; 0 or -1 (reason on stderr). */
static inline int testdb_open_store(struct testdb *t, struct store **s)
{
    struct errbuf e = {{0}, {0}};
    if (testdb_new(t))
        return -1;
    if (store_open(t->path, STORE_CREATE | STORE_MIGRATE, s, &e)) {
        fprintf(stderr, "store_open: %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* Close the store and delete the workspace. */
static inline void testdb_close_store(struct testdb *t, struct store *s)
{
    store_close(s);
    testdb_free(t);
}

/*
 * The usual cmocka fixture: a fresh workspace with its store, the identity
 * cache on as the writer has it. testdb_setup / testdb_teardown are the
 * group's or the test's setup and teardown; the state is a struct
 * testdb_fixture *. testdb_begin / testdb_commit fail the test on an error.
 */
struct testdb_fixture {
    struct testdb db;
    struct store *s;
};

static inline int testdb_setup(void **state)
{
    struct testdb_fixture *f = calloc(1, sizeof(*f));
    if (!f || testdb_open_store(&f->db, &f->s))
        return -1;
    store_cache_identities(f->s, 256);
    *state = f;
    return 0;
}

static inline int testdb_teardown(void **state)
{
    struct testdb_fixture *f = *state;
    testdb_close_store(&f->db, f->s);
    free(f);
    return 0;
}

#ifdef fail_msg
static inline void testdb_begin(struct store *s)
{
    struct errbuf e = {{0}, {0}};
    if (store_begin(s, &e))
        fail_msg("store_begin: %s", e.msg);
}

static inline void testdb_commit(struct store *s)
{
    struct errbuf e = {{0}, {0}};
    if (store_commit(s, &e))
        fail_msg("store_commit: %s", e.msg);
}
#endif
#endif

#endif
