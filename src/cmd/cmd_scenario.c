/*
 * cmd_scenario.c — `rondo scenario`: scenarios from the command line
 * (issue 6). Saving goes through scenario/manage.h, as the API does;
 * `enter` and `tick` open the segment and scenario engines in this process
 * (the profiles are loaded into memory first), for scripts and for
 * workspaces without a running server. See usage().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "scenario/engine.h"
#include "scenario/manage.h"
#include "segment/engine.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rondo scenario <subcommand> --db PATH ...\n"
            "  create FILE.json [--name NAME]   save a scenario (a draft) from {\"name\", "
            "\"definition\"}\n"
            "  update ID FILE.json [--name NAME]  a new version (runs started finish on theirs)\n"
            "  validate FILE.json               check it against the workspace; nothing saved\n"
            "  activate|pause|archive ID        start, hold or end it (archive ends its runs)\n"
            "  list [--all] [--json]            the scenarios (--all: archived ones too)\n"
            "  show ID [--json]                 its definition and, per node, entered, waiting,\n"
            "                                   passed and exited\n"
            "  enter ID PROFILE_ID [--payload JSON]  start a run now (an api trigger)\n"
            "  tick [--at TIME]                 advance everything due now (or at TIME)\n"
            "  messages [--scenario ID] [--profile ID] [--limit N] [--json]\n"
            "                                   the messages sent (the outbox), newest first\n"
            "  The definition: docs/scenarios.md; working examples: examples/scenarios/.\n");
}

struct opts {
    const char *db, *name, *payload, *at;
    bool all, json;
    int64_t scenario, profile, limit;
};

static int fail(const char *what, int rc, const struct errbuf *e)
{
    if (e->field[0])
        fprintf(stderr, "rondo scenario %s: %s: %s\n", what, e->field, e->msg);
    else
        cmd_fail(what, rc, e->msg);
    return rc == ERR_INVALID || rc == ERR_EXISTS || rc == ERR_NOT_FOUND ? 2 : 1;
}

static json_t *load_file(const char *path, const char *name, struct errbuf *e)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        err_set(e, ERR_INVALID, "%s: line %d: %s", path, je.line, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        err_set(e, ERR_INVALID, "%s: a JSON object {\"name\", \"definition\"} is expected", path);
        return NULL;
    }
    if (name)
        json_object_set_new(j, "name", json_string(name));
    return j;
}

/* Open the segment engine (the profiles, in memory) and the scenario engine. */
static int engines(struct store *s, struct sg_engine **sg, struct sc_engine **g, struct errbuf *e)
{
    int rc = sg_engine_open(s, sg, e);
    if (rc == ERR_INVALID && *sg) {
        fprintf(stderr, "rondo scenario: warning: %s\n", e->msg);
        err_clear(e);
        rc = 0;
    }
    if (!rc)
        rc = sc_engine_open(s, *sg, g, e);
    return rc;
}

static int write_cmd(struct store *s, const char *sub, const char *arg, const char *file,
                     const struct opts *o)
{
    struct errbuf e = {{0}, {0}};
    int64_t id = 0, version = 0;
    if (arg && (cstr_to_i64(arg, &id) || id <= 0)) {
        fprintf(stderr, "rondo scenario %s: ID must be a scenario id (rondo scenario list)\n",
                sub);
        return 2;
    }
    json_t *body = file ? load_file(file, o->name, &e) : NULL;
    if (file && !body)
        return fail(sub, ERR_INVALID, &e);
    /* a new workspace: the lifecycle segment that scenarios may name */
    int rc = sg_engine_seed(s, &e);
    if (!rc)
        rc = store_begin(s, &e);
    int64_t now = clock_now();
    if (rc) {
    } else if (!strcmp(sub, "create")) {
        rc = sc_create(s, body, now, &id, &e);
    } else if (!strcmp(sub, "update")) {
        rc = sc_update(s, id, body, now, &version, &e);
    } else if (!strcmp(sub, "validate")) {
        json_t *d = json_object_get(body, "definition");
        rc = sc_check_definition(s, d ? d : body, &e);
    } else {
        rc = sc_set_status(s, id, sub, now, &e);
    }
    json_decref(body);
    if (rc || !strcmp(sub, "validate")) {
        store_rollback(s);
        if (rc)
            return fail(sub, rc, &e);
        printf("valid\n");
        return 0;
    }
    if ((rc = store_commit(s, &e)))
        return fail(sub, rc, &e);
    if (!strcmp(sub, "create"))
        printf("%lld\n", (long long)id);
    else if (!strcmp(sub, "update"))
        printf("scenario %lld: version %lld\n", (long long)id, (long long)version);
    else
        printf("scenario %lld: %s\n", (long long)id,
               !strcmp(sub, "activate") ? "active" : !strcmp(sub, "pause") ? "paused" : "archived");
    return 0;
}

static void print_node(const char *id, json_t *n)
{
    printf("  %-24s entered %-8lld waiting %-8lld passed %-8lld", id,
           (long long)json_integer_value(json_object_get(n, "entered")),
           (long long)json_integer_value(json_object_get(n, "waiting")),
           (long long)json_integer_value(json_object_get(n, "passed")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(n, "exited"), k, v)
        printf(" exited %s %lld", k, (long long)json_integer_value(v));
    printf("\n");
}

static int read_cmd(struct store *s, const char *sub, const char *arg, const struct opts *o)
{
    struct errbuf e = {{0}, {0}};
    json_t *out = NULL;
    int rc;
    if (!strcmp(sub, "list")) {
        rc = sc_list(s, o->all, &out, &e);
    } else if (!strcmp(sub, "messages")) {
        rc = store_message_list(s, o->profile, 0, o->scenario, o->limit ? (int)o->limit : 100,
                                &out);
    } else {
        int64_t id;
        if (cstr_to_i64(arg, &id) || id <= 0) {
            fprintf(stderr, "rondo scenario show: ID must be a scenario id\n");
            return 2;
        }
        rc = sc_show(s, id, true, &out, &e);
    }
    if (rc)
        return fail(sub, rc, &e);
    if (o->json) {
        char *t = json_dumps(out, JSON_INDENT(2));
        printf("%s\n", t);
        free(t);
    } else if (!strcmp(sub, "list")) {
        size_t i;
        json_t *c;
        printf("%-5s %-9s %-4s %-16s %s\n", "ID", "STATUS", "VER", "TRIGGER", "NAME");
        json_array_foreach(out, i, c)
            printf("%-5lld %-9s %-4lld %-16s %s\n",
                   (long long)json_integer_value(json_object_get(c, "id")),
                   json_string_value(json_object_get(c, "status")),
                   (long long)json_integer_value(json_object_get(c, "version")),
                   json_string_value(json_object_get(json_object_get(c, "trigger"), "type")),
                   json_string_value(json_object_get(c, "name")));
    } else if (!strcmp(sub, "messages")) {
        size_t i;
        json_t *m;
        json_array_foreach(out, i, m)
            printf("%-7lld %-25s %-8s %-12s profile %-8lld %s\n",
                   (long long)json_integer_value(json_object_get(m, "id")),
                   json_string_value(json_object_get(m, "created_at")),
                   json_string_value(json_object_get(m, "channel")),
                   json_string_value(json_object_get(m, "status")),
                   (long long)json_integer_value(json_object_get(m, "profile_id")),
                   json_string_value(json_object_get(m, "subject"))
                       ? json_string_value(json_object_get(m, "subject"))
                       : "");
    } else {
        printf("scenario %lld \"%s\": %s, version %lld\n",
               (long long)json_integer_value(json_object_get(out, "id")),
               json_string_value(json_object_get(out, "name")),
               json_string_value(json_object_get(out, "status")),
               (long long)json_integer_value(json_object_get(out, "version")));
        json_t *totals = json_object_get(json_object_get(out, "counts"), "totals");
        printf("runs: %lld (%lld active, %lld done)\n",
               (long long)json_integer_value(json_object_get(totals, "runs")),
               (long long)json_integer_value(json_object_get(totals, "active")),
               (long long)json_integer_value(json_object_get(totals, "done")));
        size_t i;
        json_t *n;
        json_t *nodes = json_object_get(json_object_get(out, "definition"), "nodes");
        json_t *counts = json_object_get(json_object_get(out, "counts"), "nodes");
        json_array_foreach(nodes, i, n) {
            const char *id = json_string_value(json_object_get(n, "id"));
            json_t *cn = id ? json_object_get(counts, id) : NULL;
            if (cn)
                print_node(id, cn);
            else if (id)
                printf("  %-24s -\n", id);
        }
    }
    json_decref(out);
    return 0;
}

static int engine_cmd(struct store *s, const char *sub, char **args, const struct opts *o)
{
    struct errbuf e = {{0}, {0}};
    int64_t now = clock_now();
    if (o->at && time_parse_iso8601(o->at, &now)) {
        fprintf(stderr, "rondo scenario: --at must be an ISO 8601 time\n");
        return 2;
    }
    int64_t id = 0, profile = 0;
    json_t *payload = NULL;
    if (!strcmp(sub, "enter")) {
        if (cstr_to_i64(args[0], &id) || id <= 0 || cstr_to_i64(args[1], &profile) ||
            profile <= 0) {
            fprintf(stderr, "rondo scenario enter: ID and PROFILE_ID are whole numbers\n");
            return 2;
        }
        if (o->payload && !(payload = json_loads(o->payload, 0, NULL))) {
            fprintf(stderr, "rondo scenario enter: --payload is not JSON\n");
            return 2;
        }
    }
    struct sg_engine *sg = NULL;
    struct sc_engine *g = NULL;
    int rc = engines(s, &sg, &g, &e);
    struct sc_tick st = {0}, sum = {0};
    const char *refused = NULL;
    int64_t run = 0;
    do {
        if (!rc)
            rc = store_begin(s, &e);
        if (!rc && !strcmp(sub, "enter"))
            rc = sc_engine_enter(g, s, id, profile, payload, now, &run, &refused, &e);
        else if (!rc)
            rc = sc_engine_tick(g, s, now, 20000, &st, &e);
        rc = rc ? (store_rollback(s), rc) : store_commit(s, &e);
        sum.entered += st.entered;
        sum.advanced += st.advanced;
        sum.messages += st.messages;
        sum.ended += st.ended;
    } while (!rc && !strcmp(sub, "tick") && st.more);
    json_decref(payload);
    sc_engine_free(g);
    sg_engine_free(sg);
    if (rc)
        return fail(sub, rc, &e);
    if (!strcmp(sub, "enter")) {
        if (refused) {
            fprintf(stderr, "rondo scenario enter: not entered: %s\n", refused);
            return 1;
        }
        printf("run %lld\n", (long long)run);
    } else {
        printf("%lld runs entered, %lld advanced, %lld messages, %lld ended\n",
               (long long)sum.entered, (long long)sum.advanced, (long long)sum.messages,
               (long long)sum.ended);
    }
    return 0;
}

int cmd_scenario(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"name", required_argument, NULL, 'n'},
        {"payload", required_argument, NULL, 'p'}, {"at", required_argument, NULL, 'a'},
        {"all", no_argument, NULL, 'A'},           {"json", no_argument, NULL, 'j'},
        {"scenario", required_argument, NULL, 's'}, {"profile", required_argument, NULL, 'P'},
        {"limit", required_argument, NULL, 'l'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int64_t v;
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'n': o.name = optarg; break;
        case 'p': o.payload = optarg; break;
        case 'a': o.at = optarg; break;
        case 'A': o.all = true; break;
        case 'j': o.json = true; break;
        case 's':
        case 'P':
        case 'l':
            if (cstr_to_i64(optarg, &v) || v < 0) {
                fprintf(stderr, "rondo scenario: --%s must be a whole number\n",
                        c == 's' ? "scenario" : c == 'P' ? "profile" : "limit");
                return 2;
            }
            *(c == 's' ? &o.scenario : c == 'P' ? &o.profile : &o.limit) = v;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    static const struct {
        const char *name;
        int nargs;
    } subs[] = {{"create", 1},   {"update", 2}, {"validate", 1}, {"activate", 1},
                {"pause", 1},    {"archive", 1}, {"list", 0},    {"show", 1},
                {"enter", 2},    {"tick", 0},   {"messages", 0}};
    int k = -1;
    for (size_t i = 0; sub && i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(subs[i].name, sub))
            k = (int)i;
    if (k < 0 || !o.db || nargs != subs[k].nargs) {
        fprintf(stderr, "rondo scenario: %s\n",
                !sub ? "a subcommand is required" : k < 0 ? "unknown subcommand"
                : !o.db ? "--db PATH is required" : "wrong number of arguments");
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(o.db, 0, &s, &e);
    if (rc) {
        cmd_fail("scenario", rc, e.msg);
        return 1;
    }
    int status;
    if (k <= 5)
        status = write_cmd(s, sub, k == 1 || k >= 3 ? args[0] : NULL,
                           k == 0 || k == 2 ? args[0] : k == 1 ? args[1] : NULL, &o);
    else if (k <= 7 || k == 10)
        status = read_cmd(s, sub, nargs ? args[0] : NULL, &o);
    else
        status = engine_cmd(s, sub, args, &o);
    store_close(s);
    return status;
}
