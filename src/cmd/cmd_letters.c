/*
 * cmd_letters.c — `rondo letters`: a day's letters for the mail house
 * (issue 7, item 7), as POST /api/v1/letters/batches makes them; the work
 * is channel/handoff.c's. Safe while a server runs on the same workspace
 * (SQLite lets one writer at a time in; this waits its turn).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "channel/handoff.h"
#include "cmd/cmd.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo letters <subcommand> --db PATH [--date YYYY-MM-DD] ...\n"
               "  export [--out DIR] [--per-household] [--json]\n"
               "      batch the day's letters still in the outbox: DIR/letters.csv (the address\n"
               "      blocks) and one print-ready A4 page per letter (letter-ID.html); they\n"
               "      become \"batched\". --per-household: one letter per household and template\n"
               "      a day, the others become \"merged_household\". DIR defaults to\n"
               "      PATH.letters/YYYY-MM-DD, where the API writes too.\n"
               "  list [--json]     the day's letters, with their status and batch\n"
               "  The day is in UTC; it defaults to today.\n");
}

struct opts {
    const char *db, *date, *out;
    bool per_household, json;
};

static void print_json(json_t *v)
{
    char *t = json_dumps(v, JSON_INDENT(2));
    printf("%s\n", t);
    free(t);
}

static int letters_export(struct store *s, int64_t day, const struct opts *o)
{
    struct errbuf e = {{0}, {0}};
    char *dir = o->out ? strdup(o->out) : handoff_batch_dir(o->db, day);
    struct handoff_batch b = {0};
    int rc = store_begin(s, &e);
    if (!rc) {
        rc = handoff_batch(s, day, o->per_household, dir, clock_now(), &b, &e);
        if (rc)
            store_rollback(s);
        else if ((rc = store_commit(s, &e)))
            handoff_batch_discard(&b); /* the marks are not there: neither are the files */
    }
    if (rc) {
        cmd_fail("letters export", rc, e.msg);
    } else if (o->json) {
        json_t *v = json_pack("{s:o, s:I, s:I, s:s, s:O}", "batch",
                              b.batch ? json_integer(b.batch) : json_null(), "letters",
                              (json_int_t)b.letters, "merged", (json_int_t)b.merged, "dir", dir,
                              "files", b.files);
        print_json(v);
        json_decref(v);
    } else if (!b.batch) {
        printf("no letters left to batch");
        if (b.merged)
            printf("; %lld merged into their household's", (long long)b.merged);
        printf("\n");
    } else {
        printf("batch %lld: %lld letters in %s/%s", (long long)b.batch, (long long)b.letters, dir,
               json_string_value(json_array_get(b.files, 0)));
        if (b.merged)
            printf(", %lld merged into their household's", (long long)b.merged);
        printf("\n");
    }
    handoff_batch_release(&b);
    free(dir);
    return rc ? 1 : 0;
}

static int letters_list(struct store *s, int64_t day, const struct opts *o)
{
    struct errbuf e = {{0}, {0}};
    json_t *out = NULL;
    int rc = handoff_letters(s, day, &out, &e);
    if (rc) {
        cmd_fail("letters list", rc, e.msg);
        return 1;
    }
    if (o->json) {
        print_json(out);
    } else {
        size_t i;
        json_t *l;
        printf("%-7s %-17s %-6s %-8s %-20s %s\n", "ID", "STATUS", "BATCH", "PROFILE", "TEMPLATE",
               "NAME");
        json_array_foreach(out, i, l)
        {
            json_t *batch = json_object_get(l, "batch");
            char bt[24] = "-";
            if (json_is_integer(batch))
                snprintf(bt, sizeof bt, "%lld", (long long)json_integer_value(batch));
            const char *tpl = json_string_value(json_object_get(l, "template"));
            const char *name = json_string_value(json_object_get(l, "name"));
            printf("%-7lld %-17s %-6s %-8lld %-20s %s\n",
                   (long long)json_integer_value(json_object_get(l, "id")),
                   json_string_value(json_object_get(l, "status")), bt,
                   (long long)json_integer_value(json_object_get(l, "profile_id")), tpl ? tpl : "-",
                   name ? name : "");
        }
    }
    json_decref(out);
    return 0;
}

int cmd_letters(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"date", required_argument, NULL, 'D'},
        {"out", required_argument, NULL, 'o'},
        {"per-household", no_argument, NULL, 'H'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.db = optarg;
            break;
        case 'D':
            o.date = optarg;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'H':
            o.per_household = true;
            break;
        case 'j':
            o.json = true;
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
    bool known = sub && (!strcmp(sub, "export") || !strcmp(sub, "list"));
    const char *why = !sub                 ? "a subcommand is required"
                      : !known             ? "unknown subcommand"
                      : !o.db              ? "--db PATH is required"
                      : optind + 1 != argc ? "too many arguments"
                      : !strcmp(sub, "list") && (o.out || o.per_household)
                          ? "--out and --per-household are for export"
                          : NULL;
    if (why) {
        fprintf(stderr, "rondo letters: %s\n", why);
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    int64_t day;
    if (o.date && handoff_day(o.date, &day, &e)) {
        fprintf(stderr, "rondo letters: --%s\n", e.msg);
        return 2;
    }
    if (!o.date) {
        int64_t now = clock_now();
        day = now - ((now % 86400000) + 86400000) % 86400000;
    }
    struct store *s;
    int rc = store_open(o.db, 0, &s, &e);
    if (rc) {
        cmd_fail("letters", rc, e.msg);
        return 1;
    }
    int status = !strcmp(sub, "export") ? letters_export(s, day, &o) : letters_list(s, day, &o);
    store_close(s);
    return status;
}
