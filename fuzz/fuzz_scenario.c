/*
 * fuzz_scenario.c — libFuzzer target for scenario definitions (src/scenario/def.h).
 *
 * The input is a definition's JSON, at most SC_MAX_DEF bytes as the API takes
 * it. sc_def_parse either refuses it (ERR_INVALID or ERR_TOO_BIG, no
 * definition, a message, and a field for every refusal but "too large") or
 * returns a definition the scheduler can walk without checking again:
 *   - 1 to SC_MAX_NODES nodes, each with an id that sc_def_node finds, and a
 *     known kind;
 *   - the trigger leads to a node that is not a goal; every exit is -1 or a
 *     node that is not a goal; a condition has both exits, a wait_for both,
 *     a split's branches weigh 100 in all and each leads somewhere unless it
 *     is a holdout (which leads nowhere);
 *   - the goals are listed, at most 8, and are goal nodes.
 * Then sc_def_refs walks what it names outside itself (a callback that
 * accepts all), and the trigger's and each wait_for's conditions are matched
 * against the input itself, as if it were an event.
 * A broken contract aborts, so that libFuzzer keeps the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scenario/def.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_exit(const struct sc_def *d, int to)
{
    CHECK(to >= -1 && to < d->nnodes);
    CHECK(to < 0 || d->nodes[to].kind != SC_GOAL);
}

static void check_node(const struct sc_def *d, int i)
{
    const struct sc_node *n = &d->nodes[i];
    CHECK(n->id && n->id[0] && strlen(n->id) <= SC_MAX_ID);
    CHECK(sc_def_node(d, n->id) == i);
    CHECK(strcmp(sc_kind_name(n->kind), "?") != 0);
    check_exit(d, n->next);
    check_exit(d, n->yes);
    check_exit(d, n->no);
    check_exit(d, n->happened);
    check_exit(d, n->timed_out);
    CHECK(n->nwhere >= 0 && n->nwhere <= SC_MAX_WHERE);
    switch (n->kind) {
    case SC_SEND:
        CHECK(n->channel && n->template_name);
        break;
    case SC_WAIT_FOR:
        CHECK(n->event && n->happened >= 0 && n->timed_out >= 0);
        break;
    case SC_CONDITION:
        CHECK(n->rule && n->yes >= 0 && n->no >= 0);
        break;
    case SC_GOAL:
        CHECK(n->rule && n->next < 0);
        break;
    case SC_SPLIT: {
        CHECK(n->nbranches >= 2 && n->nbranches <= SC_MAX_BRANCHES);
        int total = 0;
        for (int b = 0; b < n->nbranches; b++) {
            const struct sc_branch *x = &n->branches[b];
            CHECK(x->name && x->weight >= 0 && x->weight <= 100);
            check_exit(d, x->to);
            CHECK(x->holdout ? x->to < 0 : x->to >= 0);
            total += x->weight;
        }
        CHECK(total == 100);
        break;
    }
    case SC_WEBHOOK:
        CHECK(n->url && d->has_webhook);
        break;
    case SC_TASK:
        CHECK(n->title != NULL);
        break;
    default:
        break;
    }
}

static void check_def(const struct sc_def *d)
{
    CHECK(d->nnodes >= 1 && d->nnodes <= SC_MAX_NODES);
    CHECK(d->start >= 0 && d->start < d->nnodes);
    CHECK(d->nodes[d->start].kind != SC_GOAL);
    CHECK(d->ngoals >= 0 && d->ngoals <= 8);
    int goals = 0;
    for (int i = 0; i < d->nnodes; i++) {
        check_node(d, i);
        goals += d->nodes[i].kind == SC_GOAL;
    }
    CHECK(goals == d->ngoals);
    for (int g = 0; g < d->ngoals; g++)
        CHECK(d->nodes[d->goals[g]].kind == SC_GOAL);
    CHECK(d->trigger.nwhere >= 0 && d->trigger.nwhere <= SC_MAX_WHERE);
}

static int accept_ref(void *ctx, const char *kind, const char *name, const char *detail,
                      const char *node, struct errbuf *e)
{
    (void)detail;
    (void)node;
    (void)e;
    CHECK(kind && name && name[0]);
    CHECK(!strcmp(kind, "segment") || !strcmp(kind, "template"));
    (*(int *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_MAX_DEF)
        return 0;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!in)
        return 0;
    struct sc_def *d = (struct sc_def *)1;
    struct errbuf e = {{0}, {0}};
    int rc = sc_def_parse(in, &d, &e);
    CHECK(rc == 0 || rc == ERR_INVALID || rc == ERR_TOO_BIG);
    if (rc) {
        CHECK(d == NULL);
        CHECK(e.msg[0] != '\0');
        CHECK(e.field[0] != '\0' || rc == ERR_TOO_BIG);
    } else {
        check_def(d);
        int refs = 0;
        struct errbuf re = {{0}, {0}};
        CHECK(sc_def_refs(d, accept_ref, &refs, &re) == 0);
        (void)sc_where_match(d->trigger.where, d->trigger.nwhere, in);
        for (int i = 0; i < d->nnodes; i++)
            (void)sc_where_match(d->nodes[i].where, d->nodes[i].nwhere, in);
        sc_def_free(d);
    }
    json_decref(in);
    return 0;
}
