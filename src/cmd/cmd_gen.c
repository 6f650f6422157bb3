/*
 * cmd_gen.c — `rondo gen --profiles N --out DIR`: realistic, dirty customer
 * data from four sources with the ground truth (src/gen/gen.h).
 *
 * On a terminal, progress (persons/s and ETA) is redrawn on stderr; at the
 * end one summary line goes to stdout. Bad arguments exit 2 with a message
 * naming the option; a directory or file that cannot be written exits 1.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "gen/gen.h"

struct progress {
    int64_t start_us, last_us;
    bool shown;
};

static void progress_show(void *arg, uint64_t done, uint64_t total)
{
    struct progress *p = arg;
    int64_t now = clock_mono_us();
    if (now - p->last_us < 250000 && done < total)
        return;
    p->last_us = now;
    double secs = (double)(now - p->start_us) / 1e6, rate = secs > 0 ? (double)done / secs : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\rgen: %llu/%llu persons, %.0f persons/s, ETA %.0f s   ",
            (unsigned long long)done, (unsigned long long)total, rate, eta);
    p->shown = true;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rondo gen --profiles N --out DIR [--seed S] [--dirt low|medium|high]\n"
            "                 [--threads T] [--orders-scale F] [--events-scale F]\n"
            "  Writes realistic, dirty customer data for N persons into DIR (created if\n"
            "  missing, files overwritten): profiles, orders, order lines, events and\n"
            "  consents of the webshop, store, app and crm sources, the map files of store\n"
            "  and crm, and truth.csv (which records are the same person).\n"
            "  --seed S      random seed (default 1); the same seed and dirt give the same bytes\n"
            "  --dirt L      how dirty: low, medium (default) or high\n"
            "  --threads T   worker threads (default: one per CPU); does not change the output\n"
            "  --orders-scale F, --events-scale F\n"
            "                each person's orders (events) times F, 0.1 to 50: busier shops\n"
            "                for benchmarks (default 1: about 2.3 orders and 3.6 events per\n"
            "                person)\n");
}

static int bad_option(const char *msg)
{
    fprintf(stderr, "rondo gen: %s\n", msg);
    usage(stderr);
    return 2;
}

int cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {{"profiles", required_argument, NULL, 'n'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"dirt", required_argument, NULL, 'd'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"orders-scale", required_argument, NULL, 'O'},
                                         {"events-scale", required_argument, NULL, 'E'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    struct gen_opts o = {.seed = 1, .dirt = GEN_DIRT_MEDIUM};
    int64_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:o:s:d:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (cstr_to_i64(optarg, &v) || v < 1 || (uint64_t)v > GEN_MAX_PERSONS)
                return bad_option("--profiles must be a number of persons, 1 to 10000000");
            o.persons = (uint64_t)v;
            break;
        case 'o':
            o.out_dir = optarg;
            break;
        case 's':
            if (cstr_to_i64(optarg, &v))
                return bad_option("--seed must be an integer");
            o.seed = (uint64_t)v;
            break;
        case 'd':
            if (gen_dirt_parse(optarg, &o.dirt))
                return bad_option("--dirt must be low, medium or high");
            break;
        case 't':
            if (cstr_to_i64(optarg, &v) || v < 1 || v > 64)
                return bad_option("--threads must be 1 to 64");
            o.threads = (int)v;
            break;
        case 'O':
        case 'E': {
            char *end;
            double f = strtod(optarg, &end);
            if (*end || !(f >= 0.1 && f <= 50))
                return bad_option("--orders-scale and --events-scale must be 0.1 to 50");
            *(c == 'O' ? &o.orders_scale : &o.events_scale) = f;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc)
        return bad_option("unexpected argument (options are --profiles, --out, ...)");
    if (!o.persons)
        return bad_option("--profiles N is required");
    if (!o.out_dir || !*o.out_dir)
        return bad_option("--out DIR is required");

    struct progress p = {clock_mono_us(), 0, false};
    if (isatty(STDERR_FILENO)) {
        o.progress = progress_show;
        o.progress_arg = &p;
    }
    struct errbuf e = {{0}, {0}};
    struct gen_stats st;
    int rc = gen_run(&o, &st, &e);
    if (p.shown)
        fputc('\n', stderr);
    if (rc) {
        cmd_fail("gen", rc, e.msg);
        return 1;
    }
    double secs = (double)(clock_mono_us() - p.start_us) / 1e6;
    printf("gen: wrote %d files (%.1f MB) to %s: %llu persons; profiles webshop %llu, store %llu, "
           "app %llu, crm %llu (%llu test records, %llu duplicates); %llu orders, %llu order "
           "lines, %llu events, %llu consents in %.1f s\n",
           st.files, (double)st.bytes / 1e6, o.out_dir, (unsigned long long)st.persons,
           (unsigned long long)st.profiles[GEN_WEBSHOP], (unsigned long long)st.profiles[GEN_STORE],
           (unsigned long long)st.profiles[GEN_APP], (unsigned long long)st.profiles[GEN_CRM],
           (unsigned long long)st.test_records, (unsigned long long)st.duplicates,
           (unsigned long long)st.orders, (unsigned long long)st.order_lines,
           (unsigned long long)st.events, (unsigned long long)st.consents, secs);
    return 0;
}
