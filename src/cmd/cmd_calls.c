/*
 * cmd_calls.c — `rondo calls`: the call centre's list (issue 7, item 8) as
 * CSV, the same as GET /api/v1/calls?format=csv; the work is
 * channel/handoff.c's. Outcomes come back through the API
 * (POST /api/v1/calls/{id}/outcome).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "channel/handoff.h"
#include "cmd/cmd.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo calls export --db PATH [--out FILE.csv] [--status open|closed|all]\n"
               "  the calls to make (status open: in the outbox, no outcome that closed them),\n"
               "  one row each with the person's phone, the script and their context: lifecycle\n"
               "  stage, number of orders, the last order's date and total. To stdout without\n"
               "  --out. Post each outcome back with POST /api/v1/calls/{id}/outcome.\n");
}

static int write_out(const char *path, const struct buf *b)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        perror(path);
        return -1;
    }
    int rc = fwrite(b->ptr, 1, b->len, f) == b->len ? 0 : -1;
    if (path ? fclose(f) : fflush(f))
        rc = -1;
    if (rc)
        fprintf(stderr, "rondo calls export: cannot write %s\n", path ? path : "stdout");
    return rc;
}

int cmd_calls(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"status", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *out = NULL, *status = "open";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 's':
            status = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    const char *why = !sub                    ? "a subcommand is required"
                      : strcmp(sub, "export") ? "unknown subcommand"
                      : !db                   ? "--db PATH is required"
                      : optind + 1 != argc    ? "too many arguments"
                                              : NULL;
    if (why) {
        fprintf(stderr, "rondo calls: %s\n", why);
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    if (rc) {
        cmd_fail("calls", rc, e.msg);
        return 1;
    }
    json_t *calls = NULL;
    rc = handoff_calls(s, status, 0, 0, &calls, &e);
    store_close(s);
    if (rc == ERR_INVALID) {
        fprintf(stderr, "rondo calls: --%s\n", e.msg);
        return 2;
    }
    if (rc) {
        cmd_fail("calls export", rc, e.msg);
        return 1;
    }
    struct buf csv;
    buf_init(&csv, 0);
    rc = handoff_calls_csv(calls, &csv);
    if (rc)
        cmd_fail("calls export", rc, "the call list is larger than 64 MiB of CSV");
    else
        rc = write_out(out, &csv);
    if (!rc && out)
        fprintf(stderr, "%zu calls written to %s\n", json_array_size(calls), out);
    buf_release(&csv);
    json_decref(calls);
    return rc ? 1 : 0;
}
