/*
 * fuzz_segment.c — libFuzzer target for the segment language (src/segment/rule.h).
 *
 * The input is a rule's text. sg_parse either refuses it (ERR_INVALID, no
 * rule, a message and, for everything but an over-long text, a line and a
 * column inside the text) or returns a rule within the bounds. A rule that
 * parses must round-trip, as the API and the editor rely on:
 *   - its canonical text parses again and prints the same text;
 *   - its JSON form reads back (sg_from_json), prints the same text and
 *     gives the same JSON.
 * When the input is itself JSON, sg_from_json reads it as a rule's JSON
 * form; one that reads must give JSON that reads back to the same JSON.
 * A broken contract aborts, so that libFuzzer keeps the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "segment/rule.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where a refusal points: a place in the text (line 1.., column 1..), or nowhere (line 0). */
static void check_error(const char *text, const struct sg_error *err)
{
    CHECK(err->msg[0] != '\0');
    if (err->line == 0)
        return; /* the whole text is refused (too long) */
    int lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CHECK(err->line >= 1 && err->line <= lines);
    CHECK(err->col >= 1);
}

static void check_bounds(const struct sg_rule *r)
{
    CHECK(r->root != NULL);
    CHECK(r->nodes >= 1 && r->nodes <= SG_MAX_NODES);
    CHECK(r->aggregates >= 0 && r->aggregates <= SG_MAX_AGGREGATES);
}

static void round_trip(const struct sg_rule *r)
{
    struct sg_error err;
    char *text = sg_to_text(r);
    CHECK(text != NULL);

    struct sg_rule *again = NULL;
    CHECK(sg_parse(text, &again, &err) == 0);
    check_bounds(again);
    char *text2 = sg_to_text(again);
    CHECK(strcmp(text, text2) == 0);
    CHECK(again->time_relative == r->time_relative);
    CHECK(again->aggregates == r->aggregates);

    json_t *j = sg_to_json(r);
    CHECK(j != NULL);
    struct sg_rule *from_json = NULL;
    CHECK(sg_from_json(j, &from_json, &err) == 0);
    char *text3 = sg_to_text(from_json);
    CHECK(strcmp(text, text3) == 0);
    json_t *j2 = sg_to_json(from_json);
    CHECK(json_equal(j, j2));
    CHECK(from_json->time_relative == r->time_relative);

    json_decref(j2);
    json_decref(j);
    free(text3);
    free(text2);
    free(text);
    sg_rule_free(from_json);
    sg_rule_free(again);
}

/* The input as a rule's JSON form: what reads must write JSON that reads back the same. */
static void json_form(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!j)
        return;
    struct sg_rule *r = NULL;
    struct sg_error err;
    int rc = sg_from_json(j, &r, &err);
    CHECK(rc == 0 || rc == ERR_INVALID);
    if (rc) {
        CHECK(r == NULL && err.msg[0] && err.line == 0);
    } else {
        check_bounds(r);
        json_t *out = sg_to_json(r);
        struct sg_rule *again = NULL;
        CHECK(sg_from_json(out, &again, &err) == 0);
        json_t *out2 = sg_to_json(again);
        CHECK(json_equal(out, out2));
        json_decref(out2);
        json_decref(out);
        sg_rule_free(again);
        sg_rule_free(r);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SG_MAX_TEXT + 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct sg_rule *r = (struct sg_rule *)1;
    struct sg_error err;
    int rc = sg_parse(text, &r, &err);
    CHECK(rc == 0 || rc == ERR_INVALID);
    if (rc) {
        CHECK(r == NULL);
        check_error(text, &err);
    } else {
        check_bounds(r);
        round_trip(r);
        sg_rule_free(r);
    }
    if (size && (data[0] == '{' || data[0] == '['))
        json_form(text);
    free(text);
    return 0;
}
