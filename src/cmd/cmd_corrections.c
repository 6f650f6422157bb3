/*
 * cmd_corrections.c — `rondo corrections list|undo`: what the cleaning rules
 * changed in a profile's records, and taking a change back.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo corrections list --db PATH --profile ID\n"
               "       rondo corrections undo --db PATH --source NAME --external-id ID --field F\n"
               "  list  every correction in the profile's current records: field, rule, the\n"
               "        value before and after\n"
               "  undo  give the field its value as given again; later imports of that record\n"
               "        keep it as given\n");
}

static int list(struct store *s, int64_t pid)
{
    struct errbuf e = {{0}, {0}};
    json_t *view;
    int rc = store_profile_view(s, pid, &view, &e);
    if (rc) {
        cmd_fail("corrections list", rc, e.msg);
        return 1;
    }
    json_t *p = json_object_get(view, "profile") ? json_object_get(view, "profile") : view;
    printf("%-10s %-12s %-14s %-26s %s\n", "SOURCE", "EXTERNAL ID", "FIELD", "RULE",
           "BEFORE -> AFTER");
    const char *src;
    json_t *records;
    int n = 0;
    json_object_foreach(json_object_get(p, "raw_records"), src, records) {
        size_t i;
        json_t *r;
        json_array_foreach(records, i, r) {
            if (!json_is_true(json_object_get(r, "current")))
                continue;
            const char *ext = json_string_value(json_object_get(r, "external_id"));
            size_t k;
            json_t *x;
            json_array_foreach(json_object_get(r, "corrections"), k, x) {
                printf("%-10s %-12s %-14s %-26s \"%s\" -> \"%s\"\n", src, ext ? ext : "-",
                       json_string_value(json_object_get(x, "field")),
                       json_string_value(json_object_get(x, "rule")),
                       json_string_value(json_object_get(x, "before")),
                       json_string_value(json_object_get(x, "after")));
                n++;
            }
        }
    }
    if (!n)
        printf("(no corrections)\n");
    json_decref(view);
    return 0;
}

int cmd_corrections(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},          {"profile", required_argument, NULL, 'p'},
        {"source", required_argument, NULL, 's'},      {"external-id", required_argument, NULL, 'x'},
        {"field", required_argument, NULL, 'f'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *source = NULL, *ext = NULL, *field = NULL;
    int64_t pid = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': source = optarg; break;
        case 'x': ext = optarg; break;
        case 'f': field = optarg; break;
        case 'p':
            if (cstr_to_i64(optarg, &pid) || pid <= 0) {
                fprintf(stderr, "rondo corrections: --profile must be a profile id\n");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    const char *sub = optind < argc ? argv[optind] : "";
    bool is_list = strcmp(sub, "list") == 0, is_undo = strcmp(sub, "undo") == 0;
    if (!db || (!is_list && !is_undo) || (is_list && !pid) || (is_undo && (!source || !ext || !field))) {
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("corrections", rc, e.msg);
        return 1;
    }
    if (is_list) {
        rc = list(s, pid);
        store_close(s);
        return rc;
    }
    json_t *undone = NULL;
    rc = store_begin(s, &e);
    if (!rc)
        rc = store_correction_undo(s, source, ext, field, clock_now(), &undone, &e);
    if (!rc)
        rc = store_commit(s, &e);
    else
        store_rollback(s);
    store_close(s);
    if (rc) {
        cmd_fail("corrections undo", rc, e.msg);
        json_decref(undone);
        return 1;
    }
    size_t i;
    json_t *u;
    json_array_foreach(undone, i, u)
        printf("%s is %s%s%s again, as given by %s record %s\n",
               json_string_value(json_object_get(u, "field")),
               json_string_value(json_object_get(u, "value")) ? "\"" : "",
               json_string_value(json_object_get(u, "value")) ? json_string_value(json_object_get(u, "value")) : "empty",
               json_string_value(json_object_get(u, "value")) ? "\"" : "", source, ext);
    json_decref(undone);
    return 0;
}
