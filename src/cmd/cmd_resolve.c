/*
 * cmd_resolve.c — `rondo resolve`: match the workspace's records, merge
 * what belongs to one person (or only say what would be, with --dry-run),
 * queue the doubtful pairs for review, choose golden records and assign
 * households; given a truth file, print the pairwise precision, recall and
 * F1 of the result.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "base/xalloc.h"
#include "base/clock.h"
#include "identity/identity.h"
#include "identity/pair.h"
#include "identity/resolve.h"
#include "identity/survive.h"
#include "identity/weights.h"
#include "report/links.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo resolve --db PATH [--dry-run] [--truth TRUTH.csv] [--merge-at P]\n"
               "                     [--review-at P] [--max-bucket N] [--rules RULES.ini]\n"
               "                     [--weights WEIGHTS.ini]\n"
               "  Matches every current record against the others (shared e-mails first,\n"
               "  then blocking, comparisons, Fellegi-Sunter with m/u estimated by EM;\n"
               "  clusters never join records in clear conflict), merges each cluster into\n"
               "  its oldest profile, queues pairs between --review-at (0.80) and --merge-at\n"
               "  (0.95) for review, chooses golden records by the survivorship rules\n"
               "  (--rules stores new ones in the workspace) and assigns households.\n"
               "  --weights pins m and u of some fields instead of learning them, and keeps\n"
               "  them in the workspace for later runs (docs/identity.md has the format).\n"
               "  --dry-run only prints what it would merge. --truth prints pairwise\n"
               "  precision/recall/F1 against a file of source,external_id,person_id.\n");
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


/* A whole small file (at most 1 MiB) as text; NULL with e set when it cannot be read. */
static char *read_text(const char *opt, const char *path, struct errbuf *e)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_set(e, ERR_IO, "%s %s: %s", opt, path, strerror(errno));
        return NULL;
    }
    char *text = xmalloc(1 << 20);
    size_t len = fread(text, 1, (1 << 20) - 1, f);
    text[len] = 0;
    fclose(f);
    return text;
}

/* Keep j (taken) as the workspace setting key; a dry run keeps nothing. */
static int keep_setting(struct store *s, const char *key, json_t *j, bool dry, struct errbuf *e)
{
    char *t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = dry ? 0 : store_begin(s, e);
    if (!rc && !dry)
        rc = store_setting_set(s, key, t, clock_now());
    if (!rc && !dry)
        rc = store_commit(s, e);
    free(t);
    return rc;
}

/* Read survivorship rules from an INI file and keep them in the workspace. */
static int store_rules(struct store *s, const char *path, bool dry, struct errbuf *e)
{
    char *text = read_text("--rules", path, e);
    if (!text)
        return ERR_IO;
    struct survive_rules sr;
    int rc = survive_rules_parse(&sr, text, e);
    free(text);
    return rc ? rc : keep_setting(s, IDENTITY_SETTING_SURVIVORSHIP, survive_rules_to_json(&sr), dry, e);
}

/*
 * The configured m and u: from --weights (then kept in the workspace), or
 * those the workspace keeps from an earlier run, or none.
 */
static int load_weights(struct store *s, const char *path, bool dry, struct weights *w,
                        struct errbuf *e)
{
    memset(w, 0, sizeof(*w));
    if (path) {
        char *text = read_text("--weights", path, e);
        if (!text)
            return ERR_IO;
        int rc = weights_parse(w, text, e);
        free(text);
        if (rc) {
            char msg[sizeof(e->msg)];
            snprintf(msg, sizeof(msg), "%s", e->msg);
            return err_set(e, rc, "--weights %s: %s", path, msg);
        }
        return keep_setting(s, IDENTITY_SETTING_WEIGHTS, weights_to_json(w), dry, e);
    }
    char *text = NULL;
    if (store_setting_get(s, IDENTITY_SETTING_WEIGHTS, &text))
        return 0;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    int rc = weights_from_json(w, j, e);
    json_decref(j);
    return rc;
}

int cmd_resolve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},        {"truth", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},         {"merge-at", required_argument, NULL, 'm'},
        {"review-at", required_argument, NULL, 'r'}, {"max-bucket", required_argument, NULL, 'b'},
        {"rules", required_argument, NULL, 'R'},     {"weights", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *truth = NULL, *rules = NULL, *weights = NULL;
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
        case 'R': rules = optarg; break;
        case 'w': weights = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!db || optind != argc || ro.merge_at < 0 || ro.merge_at > 1 || ro.review_at < 0 ||
        ro.review_at > 1 || ro.max_bucket < 0) {
        fprintf(stderr, "rondo resolve: %s\n",
                !db ? "--db is required"
                : optind != argc ? "unexpected argument"
                : ro.max_bucket < 0 ? "--max-bucket must be positive"
                                    : "--merge-at and --review-at are probabilities in 0..1");
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
    if (!rc && rules)
        rc = store_rules(s, rules, dry, &e);
    struct weights wt;
    if (!rc)
        rc = load_weights(s, weights, dry, &wt, &e);
    ro.weights = &wt;
    if (rc) {
        cmd_fail("resolve", rc, e.msg);
        store_close(s);
        links_eval_free(eval);
        return 1;
    }
    if (isatty(STDERR_FILENO))
        ro.progress = progress;
    struct resolve *rv = NULL;
    struct resolve_result r;
    int64_t t0 = clock_mono_us();
    store_set_cache(s, 512);
    rc = resolve_run(s, &ro, &rv, &r, &e);
    struct identity_written w = {0};
    int64_t started = clock_now();
    if (!rc && !dry)
        rc = identity_apply(s, rv, &r, &ro, &w, &e);
    if (!rc && !dry && store_dirty_since(s, started)) /* segments: a server re-evaluates these */
        fprintf(stderr, "rondo: resolve: warning: cannot mark the profiles for segments: %s\n",
                store_last_error(s));
    store_close(s);
    if (ro.progress)
        fprintf(stderr, "\n");
    if (rc) {
        cmd_fail("resolve", rc, e.msg);
        resolve_free(rv);
        links_eval_free(eval);
        return 1;
    }
    printf("resolve%s: %lld records, %lld blocking keys (%lld buckets too big, skipped)\n",
           dry ? " (dry run)" : "", (long long)r.records, (long long)r.keys,
           (long long)r.buckets_skipped);
    double cmp_s = r.seconds_compare > 0 ? r.seconds_compare : 1e-9;
    printf("  %lld candidate pairs compared in %.2f s (%.0f comparisons/s); EM %d iterations "
           "in %.2f s\n",
           (long long)r.candidates, r.seconds_compare, (double)r.candidates / cmp_s,
           r.em_iterations, r.seconds_em);
    printf("  %s %lld links (%lld by a shared e-mail) into %lld clusters (%lld refused for a "
           "clear conflict or a person's rejection), %lld pairs for review\n",
           dry ? "would join" : "joined", (long long)r.merges, (long long)r.merges_email,
           (long long)r.clusters, (long long)r.refused_conflicts, (long long)r.reviews);
    if (!dry) {
        printf("  merged %lld profiles; %lld golden records chosen again; %lld pairs queued for "
               "review; %lld blocking keys indexed; %lld households of %lld profiles\n",
               (long long)w.merges, (long long)w.profiles_recomputed, (long long)w.reviews,
               (long long)w.keys, (long long)w.households, (long long)w.profiles_in_households);
        printf("  write time: merges %.2f s, golden records %.2f s, index %.2f s, households "
               "%.2f s\n",
               w.seconds_merge, w.seconds_golden, w.seconds_keys, w.seconds_households);
    }
    printf("  total %.2f s\n", (double)(clock_mono_us() - t0) / 1e6);
    printf("  time: load %.2f s, block %.2f s, compare %.2f s, EM %.2f s, cluster %.2f s\n",
           r.seconds_load, r.seconds_block, r.seconds_compare, r.seconds_em, r.seconds_cluster);
    printf("  model (m/u of the top level per field, match prior %.3g among all pairs):\n",
           r.model.prior);
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
