/*
 * cmd_quarantine.c — `rondo quarantine list|show|retry`: what was refused,
 * why, and trying again after the mapping or a rule was fixed, without
 * uploading the file again.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "clean/clean.h"
#include "cmd/cmd.h"
#include "ingest/import.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rondo quarantine list --db PATH [--source NAME] [--all] [--limit N]\n"
            "       rondo quarantine show --db PATH ID\n"
            "       rondo quarantine retry --db PATH --source NAME --table TABLE [--map MAP.ini]\n"
            "                              [--id ID] [--json]\n"
            "  list   the rows waiting in the quarantine, newest first (--all: stored ones too)\n"
            "  show   one row: its reason, the field, and the row or message as received\n"
            "  retry  import the source's quarantined rows of TABLE again with the current\n"
            "         rules and the given mapping; stored rows leave the quarantine, the\n"
            "         others stay with their new reason\n");
}

static int list(struct store *s, const char *source, bool all, int limit)
{
    struct errbuf e = {{0}, {0}};
    json_t *rows;
    struct store_qfilter f = {.source = source, .pending_only = !all};
    int rc = store_quarantine_list(s, &f, 0, limit, &rows, &e);
    if (rc) {
        cmd_fail("quarantine list", rc, e.msg);
        return 1;
    }
    printf("%-7s %-10s %-17s %-14s %-20s %s\n", "ID", "SOURCE", "KIND", "EXTERNAL ID",
           "RECEIVED", "REASON");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *src = json_string_value(json_object_get(r, "source"));
        const char *ext = json_string_value(json_object_get(r, "external_id"));
        const char *got = json_string_value(json_object_get(r, "received_at"));
        printf("%-7lld %-10.10s %-17.17s %-14.14s %-20.19s %s%s\n",
               (long long)json_integer_value(json_object_get(r, "id")), src ? src : "-",
               json_string_value(json_object_get(r, "kind")), ext ? ext : "-", got ? got : "",
               json_string_value(json_object_get(r, "reason")),
               json_string_value(json_object_get(r, "resolved_at")) ? "  [stored since]" : "");
    }
    if (!json_array_size(rows))
        printf("(the quarantine is empty%s)\n", all ? "" : " of pending rows");
    json_decref(rows);
    return 0;
}

static int show(struct store *s, const char *arg)
{
    int64_t id;
    if (!arg || cstr_to_i64(arg, &id) || id <= 0) {
        fprintf(stderr, "rondo quarantine show: ID must be a row id from `rondo quarantine list`\n");
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    json_t *rows;
    struct store_qfilter f = {.id = id};
    int rc = store_quarantine_list(s, &f, 0, 1, &rows, &e);
    if (rc) {
        cmd_fail("quarantine show", rc, e.msg);
        return 1;
    }
    if (!json_array_size(rows)) {
        fprintf(stderr, "rondo: quarantine show: no quarantined row %lld\n", (long long)id);
        json_decref(rows);
        return 1;
    }
    json_dumpf(json_array_get(rows, 0), stdout, JSON_INDENT(2));
    printf("\n");
    json_decref(rows);
    return 0;
}

static int retry(struct store *s, const char *source, const char *table, const char *mapfile,
                 int64_t id, bool json)
{
    int t = table ? import_table_from_name(table) : -1;
    if (!source || t < 0) {
        fprintf(stderr, "rondo quarantine retry: --source and --table (profiles, orders, "
                        "order_lines, events or consents) are required\n");
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct import_map map = {0};
    if (mapfile && import_map_load(mapfile, (enum import_table)t, &map, &e)) {
        cmd_fail("quarantine retry: --map", ERR_INVALID, e.msg);
        import_map_free(&map);
        return 2;
    }
    int rc = clean_init(&e);
    struct import *im = NULL;
    int64_t start = clock_mono_us();
    if (!rc)
        rc = import_retry(s, source, (enum import_table)t, id, mapfile ? &map : NULL, &im, &e);
    import_map_free(&map);
    if (rc) {
        cmd_fail("quarantine retry", rc, e.msg);
        return 1;
    }
    char what[200];
    snprintf(what, sizeof(what), "retry of quarantined %s %s rows", source, table);
    cmd_import_summary(im, what, (double)(clock_mono_us() - start) / 1e6, json);
    import_free(im);
    return 0;
}

int cmd_quarantine(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},    {"source", required_argument, NULL, 's'},
        {"table", required_argument, NULL, 't'}, {"map", required_argument, NULL, 'm'},
        {"id", required_argument, NULL, 'i'},    {"limit", required_argument, NULL, 'n'},
        {"all", no_argument, NULL, 'a'},         {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *source = NULL, *table = NULL, *mapfile = NULL;
    int64_t id = 0, limit = 50;
    bool all = false, json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': source = optarg; break;
        case 't': table = optarg; break;
        case 'm': mapfile = optarg; break;
        case 'a': all = true; break;
        case 'j': json = true; break;
        case 'i':
            if (cstr_to_i64(optarg, &id) || id <= 0) {
                fprintf(stderr, "rondo quarantine: --id must be a positive row id\n");
                return 2;
            }
            break;
        case 'n':
            if (cstr_to_i64(optarg, &limit) || limit < 1 || limit > 100000) {
                fprintf(stderr, "rondo quarantine: --limit must be 1 to 100000\n");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    if (!sub || !db || (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
                        strcmp(sub, "retry") != 0)) {
        fprintf(stderr, "rondo quarantine: %s\n",
                !sub ? "a subcommand is required" : !db ? "--db is required"
                                                        : "unknown subcommand");
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("quarantine", rc, e.msg);
        return 1;
    }
    int status = strcmp(sub, "list") == 0   ? list(s, source, all, (int)limit)
                 : strcmp(sub, "show") == 0 ? show(s, optind + 1 < argc ? argv[optind + 1] : NULL)
                                            : retry(s, source, table, mapfile, id, json);
    store_close(s);
    return status;
}
