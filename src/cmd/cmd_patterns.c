/*
 * cmd_patterns.c — `rondo patterns list|add|remove`: the workspace's
 * test-record patterns. A profile record whose e-mail, name ("first last"),
 * first or last name matches one is quarantined instead of stored.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "cmd/cmd.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo patterns list --db PATH\n"
               "       rondo patterns add --db PATH FIELD PATTERN\n"
               "       rondo patterns remove --db PATH ID\n"
               "  FIELD is email, name (\"first last\"), first_name or last_name; PATTERN is a\n"
               "  shell glob matched case-insensitively (\"*@test.com\", \"mickey mouse\").\n"
               "  A running server reads the patterns when it starts.\n");
}

int cmd_patterns(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int nargs = argc - optind;
    const char *sub = nargs ? argv[optind] : "";
    bool ok = db && ((strcmp(sub, "list") == 0 && nargs == 1) ||
                     (strcmp(sub, "add") == 0 && nargs == 3) ||
                     (strcmp(sub, "remove") == 0 && nargs == 2));
    if (!ok) {
        usage(stderr);
        return 2;
    }
    if (strcmp(sub, "add") == 0) {
        const char *field = argv[optind + 1];
        if (strcmp(field, "email") != 0 && strcmp(field, "name") != 0 &&
            strcmp(field, "first_name") != 0 && strcmp(field, "last_name") != 0) {
            fprintf(stderr, "rondo patterns add: FIELD must be email, name, first_name or "
                            "last_name, not \"%s\"\n", field);
            return 2;
        }
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("patterns", rc, e.msg);
        return 1;
    }
    if (strcmp(sub, "list") == 0) {
        json_t *rows;
        rc = store_test_patterns(s, &rows, &e);
        if (!rc) {
            printf("%-5s %-11s %s\n", "ID", "FIELD", "PATTERN");
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r)
                printf("%-5lld %-11s %s\n", (long long)json_integer_value(json_object_get(r, "id")),
                       json_string_value(json_object_get(r, "field")),
                       json_string_value(json_object_get(r, "pattern")));
            json_decref(rows);
        }
    } else {
        int64_t id = 0;
        if (strcmp(sub, "remove") == 0 && (cstr_to_i64(argv[optind + 1], &id) || id <= 0)) {
            fprintf(stderr, "rondo patterns remove: ID must be an id from `rondo patterns list`\n");
            store_close(s);
            return 2;
        }
        rc = store_begin(s, &e);
        if (!rc)
            rc = id ? store_test_pattern_remove(s, id)
                    : store_test_pattern_add(s, argv[optind + 1], argv[optind + 2]);
        if (!rc)
            rc = store_commit(s, &e);
        else
            store_rollback(s);
        if (rc == ERR_NOT_FOUND)
            snprintf(e.msg, sizeof(e.msg), "no pattern has id %lld", (long long)id);
    }
    store_close(s);
    if (rc) {
        cmd_fail("patterns", rc, e.msg);
        return 1;
    }
    return 0;
}
