/*
 * cmd_quality.c — `rondo quality`: the data-quality report of a workspace.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "report/quality.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo quality --db PATH [--format text|json|html]\n"
               "  Per source and field: completeness and validity before and after cleaning,\n"
               "  corrections by rule, records sharing an e-mail or phone within and across\n"
               "  sources, and the quarantine by reason. docs/quality.md explains the figures.\n");
}

int cmd_quality(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *format = "text";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "rondo quality: %s\n", db ? "unexpected argument" : "--db is required");
        usage(stderr);
        return 2;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "html") != 0) {
        fprintf(stderr, "rondo quality: --format must be text, json or html, not \"%s\"\n",
                format);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    json_t *rep = NULL;
    if (!rc)
        rc = quality_report(s, &rep, &e);
    store_close(s);
    if (rc) {
        cmd_fail("quality", rc, e.msg);
        return 1;
    }
    if (strcmp(format, "json") == 0) {
        json_dumpf(rep, stdout, JSON_INDENT(2));
        printf("\n");
    } else if (strcmp(format, "html") == 0) {
        struct buf b;
        buf_init(&b, 0);
        quality_render_html(rep, &b);
        fwrite(b.ptr, 1, b.len, stdout);
        buf_release(&b);
    } else {
        quality_render_text(rep, stdout);
    }
    json_decref(rep);
    return 0;
}
