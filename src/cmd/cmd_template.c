/*
 * cmd_template.c — `rondo template put|list|show`: the message templates
 * that scenarios' send steps name. A template file is JSON:
 *   {"name": "welcome", "channel": "email", "subject": "Welcome, {{profile.first_name}}",
 *    "body": "plain text ...", "html": "<p>...</p>"}
 * Each part is compiled before it is saved, so a broken template is refused
 * with its line and column (docs/templates.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "channel/template.h"
#include "cmd/cmd.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo template put --db PATH FILE.json...\n"
               "       rondo template list --db PATH\n"
               "       rondo template show --db PATH NAME\n"
               "  FILE.json: {\"name\", \"channel\", \"subject\", \"body\", \"html\"} (subject and "
               "html optional)\n");
}

static int compile_check(const char *name, const char *part, const char *text)
{
    struct errbuf e = {{0}, {0}};
    int rc = tpl_check_part(name, part, text, &e);
    if (rc)
        fprintf(stderr, "rondo template put: %s\n", e.msg);
    return rc;
}

static int put_one(struct store *s, const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        fprintf(stderr, "rondo template put: %s: line %d: %s\n", path, je.line, je.text);
        return 2;
    }
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *channel = json_string_value(json_object_get(j, "channel"));
    const char *subject = json_string_value(json_object_get(j, "subject"));
    const char *body = json_string_value(json_object_get(j, "body"));
    const char *html = json_string_value(json_object_get(j, "html"));
    int status = 0;
    if (!name || !*name || !channel || !*channel || (!body && !html)) {
        fprintf(stderr, "rondo template put: %s: name, channel and body (or html) are required\n",
                path);
        status = 2;
    } else if (compile_check(name, "subject", subject) || compile_check(name, "body", body) ||
               compile_check(name, "html", html)) {
        status = 2;
    } else {
        struct errbuf e = {{0}, {0}};
        int64_t id;
        int rc = store_begin(s, &e);
        if (!rc) /* without a body, the text part is derived from each rendered HTML */
            rc = store_template_put(s, name, channel, subject, body, html, clock_now(), &id);
        rc = rc ? (store_rollback(s), rc) : store_commit(s, &e);
        if (rc) {
            cmd_fail("template put", rc, e.msg[0] ? e.msg : store_last_error(s));
            status = 1;
        } else {
            printf("template %lld \"%s\" (%s)\n", (long long)id, name, channel);
        }
    }
    json_decref(j);
    return status;
}

int cmd_template(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
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
    const char *sub = optind < argc ? argv[optind] : NULL;
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    bool ok = sub && db &&
              ((!strcmp(sub, "put") && nargs >= 1) || (!strcmp(sub, "list") && nargs == 0) ||
               (!strcmp(sub, "show") && nargs == 1));
    if (!ok) {
        fprintf(stderr, "rondo template: %s\n",
                !sub ? "a subcommand is required" : !db ? "--db PATH is required"
                                                        : "unknown subcommand or arguments");
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    if (rc) {
        cmd_fail("template", rc, e.msg);
        return 1;
    }
    int status = 0;
    if (!strcmp(sub, "put")) {
        for (int i = 0; i < nargs && !status; i++)
            status = put_one(s, args[i]);
    } else {
        json_t *out = NULL;
        rc = !strcmp(sub, "list") ? store_template_list(s, &out)
                                  : store_template_get(s, args[0], &out);
        if (rc == ERR_NOT_FOUND) {
            fprintf(stderr, "rondo template show: no template is named \"%s\"\n", args[0]);
            status = 2;
        } else if (!strcmp(sub, "list")) {
            size_t i;
            json_t *t;
            json_array_foreach(out, i, t)
                printf("%-5lld %-8s %s\n", (long long)json_integer_value(json_object_get(t, "id")),
                       json_string_value(json_object_get(t, "channel")),
                       json_string_value(json_object_get(t, "name")));
        } else {
            char *txt = json_dumps(out, JSON_INDENT(2));
            printf("%s\n", txt);
            free(txt);
        }
        json_decref(out);
    }
    store_close(s);
    return status;
}
