/*
 * cmd_resolve.c — `rondo resolve --dry-run`: match the workspace's records
 * and say what would be merged, with the model estimated from the data and,
 * given a truth file, the pairwise precision, recall and F1 of the result.
 * (Issue 4, in progress: merging the clusters is the next step.)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "identity/pair.h"
#include "identity/resolve.h"
#include "report/links.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo resolve --db PATH --dry-run [--truth TRUTH.csv] [--merge-at P]\n"
               "                     [--review-at P] [--max-bucket N]\n"
               "  Matches every current record against the others (blocking, comparisons,\n"
               "  Fellegi-Sunter with m/u estimated by EM, clusters that never join records\n"
               "  in clear conflict) and prints what it would merge. --dry-run is required:\n"
               "  merging is not built yet. --truth prints pairwise precision/recall/F1.\n");
}

static void progress(void *ctx, const char *stage, int64_t done, int64_t total)
{
    (void)ctx;
    fprintf(stderr, "\rresolve: %s %lld / %lld   ", stage, (long long)done, (long long)total);
}

static void on_cluster(void *ctx, const char *source, const char *external_id, int64_t cluster)
{
    links_eval_link(ctx, source, external_id, cluster);
}


int cmd_resolve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},        {"truth", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},         {"merge-at", required_argument, NULL, 'm'},
        {"review-at", required_argument, NULL, 'r'}, {"max-bucket", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *truth = NULL;
    bool dry = false;
    struct resolve_opts ro = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 't': truth = optarg; break;
        case 'n': dry = true; break;
        case 'm': ro.merge_at = strtod(optarg, NULL); break;
        case 'r': ro.review_at = strtod(optarg, NULL); break;
        case 'b': ro.max_bucket = (int)strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!db || optind != argc || !dry || ro.merge_at < 0 || ro.merge_at > 1 ||
        ro.review_at < 0 || ro.review_at > 1 || ro.max_bucket < 0) {
        fprintf(stderr, "rondo resolve: %s\n",
                !db ? "--db is required"
                : !dry ? "only --dry-run is built yet: it shows what would be merged"
                       : "bad arguments");
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct links_eval *eval = NULL;
    if (truth) {
        eval = links_eval_new();
        int rc = links_eval_read_truth(eval, truth, &e);
        if (rc) {
            cmd_fail("resolve: --truth", rc, e.msg);
            links_eval_free(eval);
            return 1;
        }
    }
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    if (rc) {
        cmd_fail("resolve", rc, e.msg);
        links_eval_free(eval);
        return 1;
    }
    if (isatty(STDERR_FILENO))
        ro.progress = progress;
    struct resolve *rv = NULL;
    struct resolve_result r;
    rc = resolve_run(s, &ro, &rv, &r, &e);
    store_close(s);
    if (ro.progress)
        fprintf(stderr, "\n");
    if (rc) {
        cmd_fail("resolve", rc, e.msg);
        links_eval_free(eval);
        return 1;
    }
    printf("resolve (dry run): %lld records, %lld blocking keys (%lld buckets too big, skipped)\n",
           (long long)r.records, (long long)r.keys, (long long)r.buckets_skipped);
    double cmp_s = r.seconds_compare > 0 ? r.seconds_compare : 1e-9;
    printf("  %lld candidate pairs compared in %.2f s (%.0f comparisons/s); EM %d iterations "
           "in %.2f s\n",
           (long long)r.candidates, r.seconds_compare, (double)r.candidates / cmp_s,
           r.em_iterations, r.seconds_em);
    printf("  would merge %lld pairs into %lld clusters (%lld refused for a clear conflict), "
           "%lld pairs for review\n",
           (long long)r.merges, (long long)r.clusters, (long long)r.refused_conflicts,
           (long long)r.reviews);
    printf("  time: load %.2f s, block %.2f s, compare %.2f s, EM %.2f s, cluster %.2f s\n",
           r.seconds_load, r.seconds_block, r.seconds_compare, r.seconds_em, r.seconds_cluster);
    printf("  model (m/u of the top level per field, match prior %.4f):\n", r.model.prior);
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        int top = pair_nlevels[f] - 1;
        printf("    %-11s m %.3f  u %.4f\n", pair_field_name(f), r.model.m[f][top],
               r.model.u[f][top]);
    }
    if (eval) {
        resolve_each(rv, on_cluster, eval);
        struct links_result lr;
        links_eval_result(eval, &lr);
        printf("  against the truth: precision %.4f  recall %.4f  F1 %.4f  (%lld records, "
               "%lld true pairs, %lld predicted)\n",
               lr.precision, lr.recall, lr.f1, (long long)lr.records, (long long)lr.true_pairs,
               (long long)lr.predicted_pairs);
        links_eval_free(eval);
    }
    resolve_free(rv);
    return 0;
}
