/*
 * cmd_export.c — `rondo export links`: which profile every record belongs
 * to, as CSV, and (with --truth) how that compares with a known truth:
 * pairwise precision, recall and F1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "report/links.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo export links --db PATH FILE.csv [--truth TRUTH.csv]\n"
               "  Writes source,external_id,profile_id for every current record (FILE - is\n"
               "  standard output). With --truth (a CSV with the columns source,external_id,\n"
               "  person_id, as `rondo gen` writes), also prints the pairwise precision,\n"
               "  recall and F1 of \"these two records are one person\".\n");
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void put_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

struct export {
    FILE *out;
    struct links_eval *eval;
    int64_t n;
};

static int on_link(void *ctx, const char *source, const char *external_id, int64_t profile_id)
{
    struct export *x = ctx;
    put_field(x->out, source);
    fputc(',', x->out);
    put_field(x->out, external_id);
    fprintf(x->out, ",%lld\n", (long long)profile_id);
    if (x->eval)
        links_eval_link(x->eval, source, external_id, profile_id);
    x->n++;
    return 0;
}



int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"truth", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *truth = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 't': truth = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!db || argc - optind != 2 || strcmp(argv[optind], "links") != 0) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind + 1];
    struct errbuf e = {{0}, {0}};
    struct export x = {0};
    if (truth) {
        x.eval = links_eval_new();
        if ((c = links_eval_read_truth(x.eval, truth, &e))) {
            cmd_fail("export links: --truth", c, e.msg);
            links_eval_free(x.eval);
            return c == ERR_INVALID ? 2 : 1;
        }
    }
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    if (rc) {
        cmd_fail("export links", rc, e.msg);
        links_eval_free(x.eval);
        return 1;
    }
    x.out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!x.out) {
        fprintf(stderr, "rondo: export links: cannot create %s: %s\n", path, strerror(errno));
        store_close(s);
        links_eval_free(x.eval);
        return 1;
    }
    fputs("source,external_id,profile_id\n", x.out);
    rc = store_links(s, on_link, &x, &e);
    store_close(s);
    if (x.out != stdout && fclose(x.out) != 0 && !rc)
        rc = err_set(&e, ERR_IO, "writing %s: %s", path, strerror(errno));
    if (rc) {
        cmd_fail("export links", rc, e.msg);
        links_eval_free(x.eval);
        return 1;
    }
    FILE *report = x.out == stdout ? stderr : stdout;
    fprintf(report, "export links: %lld records\n", (long long)x.n);
    if (x.eval) {
        struct links_result r;
        links_eval_result(x.eval, &r);
        fprintf(report,
                "against the truth: %lld records of %lld persons in %lld profiles\n"
                "  pairs of one person %lld, pairs in one profile %lld, both %lld\n"
                "  precision %.4f  recall %.4f  F1 %.4f\n",
                (long long)r.records, (long long)r.persons, (long long)r.profiles,
                (long long)r.true_pairs, (long long)r.predicted_pairs,
                (long long)r.correct_pairs, r.precision, r.recall, r.f1);
        links_eval_free(x.eval);
    }
    return 0;
}
