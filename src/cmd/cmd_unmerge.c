/*
 * cmd_unmerge.c — `rondo unmerge`: undo the merge that absorbed a profile,
 * or every merge into a live one, in one transaction, and say what moved
 * back where. The work is identity_unmerge's; this file parses and prints.
 */
#include <stdio.h>

#include "base/clock.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "identity/identity.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo unmerge --db PATH PROFILE_ID [--json]\n"
               "  PROFILE_ID merged into another profile: that merge is undone and the\n"
               "  profile is live again with its own records, identities, orders, events\n"
               "  and consents. A live profile: every merge into it is undone, newest first.\n"
               "  Opt-outs given while merged stay with both sides; rondo resolve never\n"
               "  joins the split records again. --json prints the report as JSON.\n");
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* ", 3 events": a separator, a count and its noun in the singular or the plural. */
static void count(const char *sep, long long n, const char *one, const char *many)
{
    printf("%s%lld %s", sep, n, n == 1 ? one : many);
}

static void print_report(json_t *rep)
{
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(rep, "unmerged"), i, u) {
        json_t *m = json_object_get(u, "moved");
        printf("profile %lld split from profile %lld (merge %lld undone)\n", num(u, "absorbed"),
               num(u, "survivor"), num(u, "merge_id"));
        printf("  moved back to %lld: ", num(u, "absorbed"));
        count("", num(m, "identities"), "identity", "identities");
        count(", ", num(m, "raw_records"), "raw record", "raw records");
        count(", ", num(m, "events"), "event", "events");
        count(", ", num(m, "orders"), "order", "orders");
        count(", ", num(m, "consent_history"), "consent statement", "consent statements");
        printf("\n");
        if (num(m, "tombstones"))
            printf("  %lld profile%s merged into %lld before now point%s to it again\n",
                   num(m, "tombstones"), num(m, "tombstones") == 1 ? "" : "s", num(u, "absorbed"),
                   num(m, "tombstones") == 1 ? "s" : "");
        if (num(u, "optouts_kept"))
            printf("  %lld opt-out%s given while merged kept by both profiles\n",
                   num(u, "optouts_kept"), num(u, "optouts_kept") == 1 ? "" : "s");
        printf("  golden record of %lld %s\n", num(u, "survivor"),
               json_is_true(json_object_get(u, "survivor_restored"))
                   ? "restored as it was before the merge"
                   : "chosen again from its remaining records");
    }
}

int cmd_unmerge(int argc, char **argv)
{
    struct cmd_profile_args a;
    int st = cmd_profile_args("unmerge", argc, argv, usage, &a);
    if (st >= 0)
        return st;
    const char *db = a.db;
    bool json = a.json;
    int64_t id = a.id;
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("unmerge", rc, e.msg);
        return 1;
    }
    json_t *rep = NULL;
    rc = store_begin(s, &e);
    if (!rc) {
        int64_t started = clock_now();
        rc = identity_unmerge(s, id, started, &rep, &e);
        if (!rc && store_dirty_since(s, started))
            rc = ERR_DB;
        if (!rc) {
            rc = store_commit(s, &e);
        } else {
            rep = NULL; /* a failed call leaves no report */
            store_rollback(s);
        }
    }
    store_close(s);
    if (rc) {
        cmd_fail("unmerge", rc, e.msg);
        json_decref(rep);
        return 1;
    }
    if (json) {
        json_dumpf(rep, stdout, JSON_INDENT(2));
        printf("\n");
    } else {
        print_report(rep);
    }
    json_decref(rep);
    return 0;
}
