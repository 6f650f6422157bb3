/*
 * cmd_segment.c — `rondo segment`: segments from the command line (issue 5).
 * The work is the segment engine's (segment/engine.h) and the store's; this
 * file parses arguments and prints. See usage() for the subcommands.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "segment/engine.h"
#include "segment/rule.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rondo segment <subcommand> --db PATH ...\n"
            "  create --name NAME (--rule RULE | --definition FILE.json)\n"
            "                      save a segment and compute its members\n"
            "  update ID|NAME (--rule RULE | --definition FILE.json) [--name NEW]\n"
            "                      a new version; members computed again\n"
            "  delete ID|NAME      remove a segment (its history stays)\n"
            "  list                every segment with its kind, version and members\n"
            "  show ID|NAME        its definition, version and count\n"
            "  count ID|NAME       how many members it has now\n"
            "  members ID|NAME [--limit N] [--after PROFILE_ID] [--csv]\n"
            "  shifts ID|NAME [--from DATE] [--to DATE]\n"
            "                      how many profiles moved from each sub-segment to each other\n"
            "  evaluate [--time-only]\n"
            "                      recompute every segment (the scheduled pass, with --time-only)\n"
            "  preview RULE [--sample N] [--json]\n"
            "                      how many profiles RULE selects now, and a few; nothing saved\n"
            "  check RULE          whether RULE is valid (no --db): its canonical text and JSON\n"
            "  A definition file is {\"rule\": \"...\"} or {\"subs\": [{\"name\": \"...\", "
            "\"rule\": \"...\"}, ...]}\n"
            "  (an exclusive segment: first match wins). The language: docs/segments.md.\n"
            "  Example: 'orders.count(within 365d) >= 2 and consent email and country in "
            "(\"BE\", \"NL\")'\n");
}

/* Prints the parse error with a caret under the column. */
static void parse_error(const char *rule, const struct sg_error *err)
{
    fprintf(stderr, "rondo segment: %s\n", err->msg);
    if (err->line <= 0)
        return;
    const char *line = rule;
    for (int l = 1; l < err->line && line; l++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (!line)
        return;
    int len = (int)strcspn(line, "\n");
    fprintf(stderr, "  %.*s\n  %*s^\n", len, line, err->col - 1, "");
}

static int check(const char *rule)
{
    struct sg_rule *r;
    struct sg_error err;
    if (sg_parse(rule, &r, &err)) {
        parse_error(rule, &err);
        return 1;
    }
    char *text = sg_to_text(r);
    json_t *j = sg_to_json(r);
    char *js = json_dumps(j, JSON_INDENT(2));
    printf("%s\n%s\n", text, js);
    printf("(%d conditions and connectives, %d aggregates%s)\n", r->nodes, r->aggregates,
           r->time_relative ? "; depends on the time: re-evaluated on a schedule" : "");
    free(text);
    free(js);
    json_decref(j);
    sg_rule_free(r);
    return 0;
}

/* The engine over the workspace: profiles, segments and their members. */
static int engine_open(struct store *s, struct sg_engine **g, struct errbuf *e)
{
    int rc = sg_engine_open(s, g, e);
    if (rc == ERR_INVALID && *g) {
        fprintf(stderr, "rondo segment: warning: %s\n", e->msg);
        err_clear(e);
        rc = 0;
    }
    return rc;
}

static int preview(const char *db, const char *rule, int sample, bool json)
{
    struct sg_rule *r;
    struct sg_error err;
    if (sg_parse(rule, &r, &err)) {
        parse_error(rule, &err);
        return 1;
    }
    sg_rule_free(r);
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("segment", rc, e.msg);
        return 1;
    }
    struct sg_engine *g = NULL;
    int64_t t0 = clock_mono_us();
    rc = engine_open(s, &g, &e);
    double load_s = (double)(clock_mono_us() - t0) / 1e6;
    store_close(s);
    json_t *in = json_pack("{s:s}", "rule", rule);
    int64_t *some = calloc((size_t)(sample > 0 ? sample : 1), sizeof(*some));
    struct sg_preview pv;
    if (!rc)
        rc = sg_engine_preview(g, in, clock_now(), some, sample, &pv, &e);
    json_decref(in);
    sg_engine_free(g);
    if (rc) {
        cmd_fail("segment", rc, e.msg);
        free(some);
        return 1;
    }
    if (json) {
        json_t *ids = json_array();
        for (int i = 0; i < pv.nsample; i++)
            json_array_append_new(ids, json_integer(some[i]));
        json_t *o = json_pack("{s:I, s:I, s:o, s:f, s:f}", "count", (json_int_t)pv.count,
                              "profiles", (json_int_t)pv.profiles, "sample", ids, "load_seconds",
                              load_s, "evaluate_seconds", pv.seconds);
        json_dumpf(o, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(o);
    } else {
        printf("%lld of %lld profiles (loaded in %.2f s, evaluated in %.3f s)\n",
               (long long)pv.count, (long long)pv.profiles, load_s, pv.seconds);
        for (int i = 0; i < pv.nsample; i++)
            printf("%s%lld", i ? " " : "  ", (long long)some[i]);
        if (pv.nsample)
            printf("\n");
    }
    free(some);
    return 0;
}

/* ---- saved segments ------------------------------------------------------------ */

struct opts {
    const char *db, *name, *rule, *definition, *from, *to;
    int64_t limit, after;
    int sample;
    bool json, csv, time_only;
};

/* A segment named by its id or its name. */
static int find_segment(struct store *s, const char *ref, int64_t *id)
{
    if (!cstr_to_i64(ref, id) && *id > 0)
        return 0;
    int rc = store_segment_by_name(s, ref, id);
    if (rc == ERR_NOT_FOUND)
        fprintf(stderr, "rondo segment: no segment \"%s\" (rondo segment list shows them)\n", ref);
    return rc;
}

/* The definition from --rule or --definition, as sg_engine_save takes it; caller decrefs. */
static int definition(const struct opts *o, json_t **in, struct errbuf *e)
{
    if (o->rule) {
        *in = json_pack("{s:s}", "rule", o->rule);
        return 0;
    }
    json_error_t je;
    *in = json_load_file(o->definition, 0, &je);
    if (!*in)
        return err_set(e, ERR_INVALID, "--definition %s: line %d: %s", o->definition, je.line,
                       je.text);
    return 0;
}

/* A full pass of every segment, in one transaction; prints what it did. */
static int evaluate_all(struct store *s, bool time_only, bool quiet, struct errbuf *e)
{
    struct sg_engine *g;
    int64_t t0 = clock_mono_us();
    int rc = engine_open(s, &g, e);
    if (rc)
        return rc;
    double load_s = (double)(clock_mono_us() - t0) / 1e6;
    struct sg_pass st;
    rc = store_begin(s, e);
    if (!rc)
        rc = sg_engine_pass(g, s, NULL, 0, time_only, clock_now(), &st, e);
    if (!rc)
        rc = store_commit(s, e);
    else
        store_rollback(s);
    if (!rc && !quiet)
        printf("evaluated %lld segment%s over %lld profiles: %lld changes of membership "
               "(loaded in %.2f s, evaluated and written in %.2f s)\n",
               (long long)st.segments, st.segments == 1 ? "" : "s", (long long)st.profiles,
               (long long)st.changes, load_s, st.seconds);
    sg_engine_free(g);
    return rc;
}

static int print_count(struct store *s, int64_t id, const char *label)
{
    int64_t n;
    int rc = store_segment_member_count(s, id, &n);
    if (!rc)
        printf("%s%lld member%s\n", label, (long long)n, n == 1 ? "" : "s");
    return rc;
}

static int on_saved(void *ctx, const struct store_segment *g)
{
    (void)ctx;
    printf("segment %lld \"%s\" (%s%s), version %lld: ", (long long)g->id, g->name, g->kind,
           g->time_relative ? ", re-evaluated on a schedule" : "", (long long)g->version);
    return 0;
}

/*
 * create, update or delete (id 0 for create), and the members computed again,
 * in one transaction: the engine checks the definition and the references.
 */
static int save(struct store *s, const struct opts *o, const char *sub, int64_t id,
                struct errbuf *e)
{
    json_t *in = NULL;
    int rc = strcmp(sub, "delete") ? definition(o, &in, e) : 0;
    struct sg_engine *g = NULL;
    if (!rc)
        rc = engine_open(s, &g, e);
    struct sg_saved sv;
    if (!rc)
        rc = store_begin(s, e);
    if (!rc) {
        rc = sg_engine_save(g, s, id, o->name, in, clock_now(), &sv, e);
        rc = rc ? (store_rollback(s), rc) : store_commit(s, e);
    }
    sg_engine_free(g);
    json_decref(in);
    if (!rc && !strcmp(sub, "delete"))
        printf("segment %lld deleted\n", (long long)id);
    else if (!rc)
        rc = store_segment_get(s, sv.id, on_saved, NULL);
    if (!rc && strcmp(sub, "delete"))
        rc = print_count(s, sv.id, "");
    return rc;
}

static int on_list(void *ctx, const struct store_segment *g)
{
    struct store *s = ctx;
    int64_t n = 0;
    store_segment_member_count(s, g->id, &n);
    printf("%-6lld %-28s %-10s %7lld %10lld  %s\n", (long long)g->id, g->name, g->kind,
           (long long)g->version, (long long)n, g->time_relative ? "yes" : "no");
    return 0;
}

static int on_show(void *ctx, const struct store_segment *g)
{
    (void)ctx;
    printf("segment %lld \"%s\", %s, version %lld%s\n", (long long)g->id, g->name, g->kind,
           (long long)g->version, g->time_relative ? ", re-evaluated on a schedule" : "");
    json_t *j = json_loads(g->definition, 0, NULL);
    const json_t *subs = json_object_get(j, "subs");
    if (subs) {
        size_t i;
        const json_t *sub;
        json_array_foreach(subs, i, sub)
            printf("  %zu. %-16s %s\n", i + 1, json_string_value(json_object_get(sub, "name")),
                   json_string_value(json_object_get(sub, "text")));
        printf("  (first match wins; none matching: \"none\")\n");
    } else {
        printf("  %s\n", json_string_value(json_object_get(j, "text")));
    }
    json_decref(j);
    return 0;
}

struct members_out {
    bool csv;
    int64_t n, last;
};

static int on_member_out(void *ctx, int64_t profile_id, const char *sub, int64_t since)
{
    struct members_out *m = ctx;
    char when[32];
    time_format_iso8601(since, when, sizeof(when));
    if (m->csv)
        printf("%lld,%s,%s\n", (long long)profile_id, sub ? sub : "", when);
    else
        printf("%-10lld %-20s %s\n", (long long)profile_id, sub ? sub : "-", when);
    m->n++;
    m->last = profile_id;
    return 0;
}

static int on_shift(void *ctx, const char *from, const char *to, int64_t count)
{
    (void)ctx;
    printf("  %-20s -> %-20s %10lld\n", from, to, (long long)count);
    return 0;
}

static int date_arg(const char *opt, const char *v, int64_t def, int64_t *out, struct errbuf *e)
{
    if (!v) {
        *out = def;
        return 0;
    }
    if (time_parse_iso8601(v, out))
        return err_field(e, ERR_INVALID, opt, "%s %s: want a date, 2026-11-01, or an ISO 8601 time",
                         opt, v);
    return 0;
}

static int saved(const char *sub, const char *ref, const struct opts *o)
{
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(o->db, STORE_MIGRATE, &s, &e);
    if (rc) {
        cmd_fail("segment", rc, e.msg);
        return 1;
    }
    int64_t id = 0;
    if (ref && (rc = find_segment(s, ref, &id))) {
        store_close(s);
        return 1;
    }
    if (!strcmp(sub, "create") || !strcmp(sub, "update") || !strcmp(sub, "delete")) {
        rc = save(s, o, sub, id, &e);
    } else if (!strcmp(sub, "list")) {
        printf("%-6s %-28s %-10s %7s %10s  %s\n", "ID", "NAME", "KIND", "VERSION", "MEMBERS",
               "TIMED");
        rc = store_segment_list(s, on_list, s);
    } else if (!strcmp(sub, "show")) {
        rc = store_segment_get(s, id, on_show, NULL);
        if (!rc)
            rc = print_count(s, id, "  ");
    } else if (!strcmp(sub, "count")) {
        int64_t n;
        rc = store_segment_member_count(s, id, &n);
        if (!rc)
            printf("%lld\n", (long long)n);
    } else if (!strcmp(sub, "members")) {
        struct members_out m = {o->csv, 0, 0};
        if (o->csv)
            printf("profile_id,sub,since\n");
        rc = store_segment_members(s, id, o->after, (int)o->limit, on_member_out, &m);
        if (!rc && !o->csv && o->limit > 0 && m.n == o->limit)
            printf("(more: --after %lld)\n", (long long)m.last);
    } else if (!strcmp(sub, "shifts")) {
        int64_t now = clock_now(), from, to;
        rc = date_arg("--from", o->from, now - 30LL * 86400000, &from, &e);
        if (!rc)
            rc = date_arg("--to", o->to, now + 1, &to, &e);
        if (!rc) {
            char a[32], b[32];
            time_format_iso8601(from, a, sizeof(a));
            time_format_iso8601(to, b, sizeof(b));
            printf("moves from %s to %s:\n", a, b);
            rc = store_segment_shifts(s, id, from, to, on_shift, NULL);
        }
    } else if (!strcmp(sub, "evaluate")) {
        rc = evaluate_all(s, o->time_only, false, &e);
    }
    if (rc && !e.msg[0])
        snprintf(e.msg, sizeof(e.msg), "%s%s", err_str(rc),
                 rc == ERR_NOT_FOUND ? ": no such segment" : "");
    store_close(s);
    if (rc) {
        cmd_fail("segment", rc, e.msg);
        return 1;
    }
    return 0;
}

int cmd_segment(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"sample", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"name", required_argument, NULL, 'n'},
        {"rule", required_argument, NULL, 'r'},
        {"definition", required_argument, NULL, 'D'},
        {"limit", required_argument, NULL, 'l'},
        {"after", required_argument, NULL, 'a'},
        {"csv", no_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"time-only", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {.sample = 10, .limit = 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int64_t v;
        switch (c) {
        case 'd': o.db = optarg; break;
        case 's':
            if (cstr_to_i64(optarg, &v) || v < 0 || v > 10000) {
                fprintf(stderr, "rondo segment: --sample must be 0 to 10000\n");
                return 2;
            }
            o.sample = (int)v;
            break;
        case 'j': o.json = true; break;
        case 'n': o.name = optarg; break;
        case 'r': o.rule = optarg; break;
        case 'D': o.definition = optarg; break;
        case 'l':
        case 'a':
            if (cstr_to_i64(optarg, &v) || v < 0) {
                fprintf(stderr, "rondo segment: --%s must be a whole number >= 0\n",
                        c == 'l' ? "limit" : "after");
                return 2;
            }
            *(c == 'l' ? &o.limit : &o.after) = v;
            break;
        case 'c': o.csv = true; break;
        case 'f': o.from = optarg; break;
        case 't': o.to = optarg; break;
        case 'T': o.time_only = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    int nargs = argc - optind - 1;
    const char *arg = nargs > 0 ? argv[optind + 1] : NULL;
    if (sub && !strcmp(sub, "check") && nargs == 1)
        return check(arg);
    const char *err = NULL;
    if (!sub)
        err = "a subcommand is required";
    else if (!o.db)
        err = "--db is required";
    else if (!strcmp(sub, "preview"))
        return nargs == 1 ? preview(o.db, arg, o.sample, o.json)
                          : (fprintf(stderr, "rondo segment: preview takes one RULE (quote it)\n"),
                             2);
    else if (!strcmp(sub, "create")) {
        if (nargs != 0 || !o.name || !o.name[0] || !!o.rule == !!o.definition)
            err = "create wants --name and one of --rule or --definition";
    } else if (!strcmp(sub, "update")) {
        if (nargs != 1 || !!o.rule == !!o.definition)
            err = "update wants ID|NAME and one of --rule or --definition";
    } else if (!strcmp(sub, "list") || !strcmp(sub, "evaluate")) {
        if (nargs != 0)
            err = "unexpected argument";
    } else if (!strcmp(sub, "delete") || !strcmp(sub, "show") || !strcmp(sub, "count") ||
               !strcmp(sub, "members") || !strcmp(sub, "shifts")) {
        if (nargs != 1)
            err = "ID|NAME is required";
    } else {
        err = "unknown subcommand";
    }
    if (err) {
        fprintf(stderr, "rondo segment: %s\n", err);
        usage(stderr);
        return 2;
    }
    return saved(sub, nargs == 1 ? arg : NULL, &o);
}
