/*
 * cmd_import.c — `rondo import`: a CSV file of one source's profiles,
 * orders, order lines, events or consents into the workspace, cleaned, with
 * a progress bar on a terminal and a summary at the end.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "clean/clean.h"
#include "cmd/cmd.h"
#include "ingest/import.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rondo import --db PATH --source NAME --table TABLE FILE.csv [options]\n"
            "  TABLE is profiles, orders, order_lines, events or consents.\n"
            "  --map MAP.ini      map the file's columns to rondo's fields (docs/import.md)\n"
            "  --delimiter C      field delimiter (default: guessed from the header; \"tab\")\n"
            "  --encoding E       auto (default: UTF-8, Latin-1 detected), utf-8 or latin1\n"
            "  --locale LL        the source's locale for dates (nl-BE, fr, en-US, ...)\n"
            "  --country CC       the country of records that have none (phones, postcodes)\n"
            "  --batch N          rows per transaction (default 16384)\n"
            "  --json             print the summary as JSON on stdout\n"
            "  --quiet            no progress bar\n"
            "  --no-match         profiles: do not match each new record against the\n"
            "                     workspace as it arrives (run `rondo resolve` after a bulk load)\n"
            "Importing the same file again changes nothing; changed rows are updated.\n"
            "Rows that cannot be imported go to the quarantine with their reason:\n"
            "see `rondo quarantine list`, then `rondo quarantine retry` after a fix.\n");
}

static void human(int64_t n, char *out, size_t len)
{
    char tmp[32];
    int k = snprintf(tmp, sizeof(tmp), "%lld", (long long)(n < 0 ? -n : n));
    size_t o = 0;
    if (n < 0 && o + 1 < len)
        out[o++] = '-';
    for (int i = 0; i < k && o + 2 < len; i++) {
        if (i && (k - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = 0;
}

struct bar {
    const char *label;
    int64_t start_us;
    bool shown;
};

static void progress(void *ctx, const struct import_progress *p)
{
    struct bar *b = ctx;
    double secs = (double)(clock_mono_us() - b->start_us) / 1e6;
    double rate = secs > 0 ? (double)p->rows / secs : 0;
    char rows[32];
    human(p->rows, rows, sizeof(rows));
    if (p->total_bytes) {
        double frac = (double)p->bytes / (double)p->total_bytes;
        int width = 24, fill = (int)(frac * width);
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        double eta = frac > 0.01 ? secs * (1 - frac) / frac : 0;
        fprintf(stderr, "\r%s [%s] %3.0f%%  %s rows  %.0f rows/s  ETA %.0f s   ", b->label, bar,
                frac * 100, rows, rate, eta);
    } else {
        fprintf(stderr, "\r%s %s rows  %.0f rows/s   ", b->label, rows, rate);
    }
    b->shown = true;
}

void cmd_import_summary(const struct import *im, const char *what, double secs, bool json)
{
    const struct import_stats *st = import_stats(im);
    if (json) {
        json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "rows", st->rows,
                              "imported", st->imported, "updated", st->updated, "unchanged",
                              st->unchanged, "corrected", st->corrected, "quarantined",
                              st->quarantined, "converted_from_latin1", st->converted,
                              "seconds", secs);
        json_t *r = json_object(), *fc = json_object(), *fi = json_object();
        for (size_t i = 0; i < st->nreasons; i++)
            json_object_set_new(r, st->reasons[i].reason, json_integer(st->reasons[i].count));
        for (int f = 0; f < PF_COUNT; f++) {
            if (st->fields_corrected[f])
                json_object_set_new(fc, profile_field_name((enum profile_field)f),
                                    json_integer(st->fields_corrected[f]));
            if (st->fields_invalid[f])
                json_object_set_new(fi, profile_field_name((enum profile_field)f),
                                    json_integer(st->fields_invalid[f]));
        }
        json_object_set_new(o, "quarantined_by_reason", r);
        json_object_set_new(o, "corrected_by_field", fc);
        json_object_set_new(o, "invalid_by_field", fi);
        json_object_set_new(o, "unmapped_columns", json_string(import_unmapped(im)));
        json_object_set_new(o, "unmapped_kept", json_boolean(import_unmapped_kept(im)));
        json_object_set_new(o, "skipped", json_integer(st->skipped));
        json_object_set_new(o, "read_cpu_seconds", json_real(st->read_cpu_s));
        json_object_set_new(o, "store_cpu_seconds", json_real(st->store_cpu_s));
        char *text = json_dumps(o, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(o);
        return;
    }
    char n[32];
    human(st->rows, n, sizeof(n));
    printf("%s: %s rows in %.1f s (%.0f rows/s)\n", what, n, secs,
           secs > 0 ? (double)st->rows / secs : 0);
    static const char *const labels[] = {"imported", "updated", "unchanged", "corrected",
                                         "quarantined"};
    const int64_t vals[] = {st->imported, st->updated, st->unchanged, st->corrected,
                            st->quarantined};
    for (int i = 0; i < 5; i++) {
        human(vals[i], n, sizeof(n));
        printf("  %-12s %12s%s\n", labels[i], n,
               i == 3 ? "  (rows with at least one value corrected)" : "");
        if (i == 4)
            for (size_t k = 0; k < st->nreasons; k++) {
                human(st->reasons[k].count, n, sizeof(n));
                printf("    %-26s %8s\n", st->reasons[k].reason, n);
            }
    }
    bool any = false;
    for (int f = 0; f < PF_COUNT; f++) {
        if (!st->fields_corrected[f] && !st->fields_invalid[f])
            continue;
        if (!any)
            printf("  by field:                 corrected    invalid (left out of the profile)\n");
        any = true;
        char c[32], v[32];
        human(st->fields_corrected[f], c, sizeof(c));
        human(st->fields_invalid[f], v, sizeof(v));
        printf("    %-22s %12s %10s\n", profile_field_name((enum profile_field)f), c, v);
    }
    if (st->skipped) {
        human(st->skipped, n, sizeof(n));
        printf("  left in the quarantine as they were: %s rows (rows that did not fit their header "
               "or repeat an id need a fixed file)\n", n);
        if (st->skip_reason[0])
            printf("    the first: %s\n", st->skip_reason);
    }
    if (st->converted) {
        human(st->converted, n, sizeof(n));
        printf("  converted from Latin-1: %s rows\n", n);
    }
    if (*import_unmapped(im))
        printf("  columns %s (not mapped): %s\n",
               import_unmapped_kept(im) ? "kept as custom attributes" : "ignored",
               import_unmapped(im));

}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},       {"source", required_argument, NULL, 's'},
        {"table", required_argument, NULL, 't'},    {"map", required_argument, NULL, 'm'},
        {"delimiter", required_argument, NULL, 'D'}, {"encoding", required_argument, NULL, 'E'},
        {"locale", required_argument, NULL, 'l'},   {"country", required_argument, NULL, 'c'},
        {"batch", required_argument, NULL, 'b'},    {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"no-match", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *source = NULL, *table = NULL, *mapfile = NULL, *delim = NULL;
    const char *encoding = NULL, *locale = NULL, *country = NULL;
    long batch = 0;
    bool json = false, quiet = false, no_match = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': source = optarg; break;
        case 't': table = optarg; break;
        case 'm': mapfile = optarg; break;
        case 'D': delim = optarg; break;
        case 'E': encoding = optarg; break;
        case 'l': locale = optarg; break;
        case 'c': country = optarg; break;
        case 'b': {
            int64_t v;
            if (cstr_to_i64(optarg, &v) || v < 1 || v > 200000) {
                fprintf(stderr, "rondo import: --batch must be a number of rows from 1 to 200000\n");
                return 2;
            }
            batch = (long)v;
            break;
        }
        case 'j': json = true; break;
        case 'q': quiet = true; break;
        case 'N': no_match = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!db || !source || !table || optind != argc - 1) {
        fprintf(stderr, "rondo import: %s\n",
                !db ? "--db is required" : !source ? "--source is required"
                : !table ? "--table is required" : "exactly one CSV file is required");
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    int t = import_table_from_name(table);
    if (t < 0) {
        fprintf(stderr, "rondo import: --table \"%s\" is not profiles, orders, order_lines, "
                        "events or consents\n", table);
        return 2;
    }
    if (batch < 0 || batch > 200000) {
        fprintf(stderr, "rondo import: --batch must be between 1 and 200000\n");
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct import_map map = {0};
    if (mapfile && import_map_load(mapfile, (enum import_table)t, &map, &e)) {
        cmd_fail("import: --map", ERR_INVALID, e.msg);
        import_map_free(&map);
        return 2;
    }
    /* the command line's options win over the mapping file's [import] section */
    const char *names[] = {"delimiter", "encoding", "locale", "country"};
    const char *values[] = {delim, encoding, locale, country};
    for (int i = 0; i < 4; i++) {
        if (values[i] && import_map_set(&map, names[i], values[i], &e)) {
            fprintf(stderr, "rondo import: --%s: %s\n", names[i], e.msg);
            import_map_free(&map);
            return 2;
        }
    }
    if ((c = clean_init(&e))) {
        cmd_fail("import", c, e.msg);
        import_map_free(&map);
        return 1;
    }
    struct store *s;
    if ((c = store_open(db, STORE_MIGRATE, &s, &e))) {
        cmd_fail("import", c, e.msg);
        import_map_free(&map);
        return 1;
    }
    char label[160];
    snprintf(label, sizeof(label), "%s %s", source, table);
    struct bar bar = {label, clock_mono_us(), false};
    struct import_file_opts o = {
        .source = source, .table = (enum import_table)t, .map = &map,
        .batch_rows = (size_t)batch, .no_match = no_match,
        .progress = !quiet && isatty(STDERR_FILENO) ? progress : NULL, .ctx = &bar,
    };
    struct import *im;
    int64_t started = clock_now();
    int rc = import_file(s, path, &o, &im, &e);
    if (!rc && store_dirty_since(s, started)) /* segments: a server re-evaluates these */
        fprintf(stderr, "rondo: import: warning: cannot mark the profiles for segments: %s\n",
                store_last_error(s));
    if (bar.shown)
        fprintf(stderr, "\n");
    double secs = (double)(clock_mono_us() - bar.start_us) / 1e6;
    store_close(s);
    import_map_free(&map);
    if (rc) {
        cmd_fail("import", rc, e.msg);
        if (e.field[0])
            fprintf(stderr, "rondo: import: (column or field: %s)\n", e.field);
        return rc == ERR_INVALID ? 2 : 1;
    }
    char what[600];
    snprintf(what, sizeof(what), "%s %s from %s", source, table, path);
    cmd_import_summary(im, what, secs, json);
    if (!json && import_stats(im)->quarantined)
        printf("  see them: rondo quarantine list --db %s --source %s\n", db, source);
    import_free(im);
    return 0;
}
