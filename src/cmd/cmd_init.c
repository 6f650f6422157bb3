/*
 * cmd_init.c — `rondo init --db PATH`: create or migrate a workspace.
 *
 * A new workspace gets an admin key and a write key for the source
 * "default", printed once, labelled. Running it again on an existing
 * workspace migrates it and creates no keys.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"
#include "cmd/cmd.h"
#include "http/auth.h"
#include "segment/engine.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo init --db PATH\n"
               "  Creates the workspace database at PATH, or migrates it to this version.\n"
               "  A new workspace prints an admin key and a write key for source \"default\".\n");
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *db = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd') {
            db = optarg;
        } else if (c == 'h') {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!db) {
        fprintf(stderr, "rondo init: --db PATH is required\n");
        usage(stderr);
        return 2;
    }
    bool existed = access(db, F_OK) == 0;
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_CREATE | STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("init", rc, e.msg);
        return 1;
    }
    if (existed) {
        printf("workspace %s is at schema version %d\n", db, store_schema_version(s));
        store_close(s);
        return 0;
    }
    char admin[AUTH_KEY_MAX], ingest[AUTH_KEY_MAX];
    rc = store_begin(s, &e);
    if (!rc)
        rc = auth_key_create(s, "admin", NULL, admin, NULL, &e);
    if (!rc)
        rc = auth_key_create(s, "ingest", "default", ingest, NULL, &e);
    if (!rc)
        rc = store_commit(s, &e);
    if (!rc) /* the default lifecycle, for segments and scenarios to name from the start */
        rc = sg_engine_seed(s, &e);
    if (rc) {
        store_rollback(s);
        store_close(s);
        cmd_fail("init: creating keys", rc, e.msg);
        return 1;
    }
    store_close(s);
    printf("created workspace %s (schema version %d)\n", db, STORE_SCHEMA_VERSION);
    printf("admin key: %s\n", admin);
    printf("write key (source default): %s\n", ingest);
    printf("These keys are shown once; store them now.\n");
    return 0;
}
