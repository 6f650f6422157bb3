/*
 * test_survive.c — survivorship of identity/survive.h. The defaults; each
 * rule on small hand-made profiles (most recent, source priority with
 * unlisted sources, most complete, most frequent ignoring case and spaces);
 * the tie-breaker, checked on every order of the same records; missing and
 * blank values; the address block (anchored on street, on postal code when
 * no street, never joining two addresses); INI text (the documented example,
 * [default] against a field's own section, every error with its line,
 * section and key); JSON round trip and JSON errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "identity/survive.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct survive_rec rec(int64_t id, const char *source, int64_t at)
{
    struct survive_rec r;
    memset(&r, 0, sizeof(r));
    r.raw_id = id;
    r.source = source;
    r.received_at = at;
    return r;
}

/* Rules that give every field the same rule and sources. */
static void rules_all(struct survive_rules *r, enum survive_rule rule, const char *ini_sources)
{
    char text[256];
    snprintf(text, sizeof(text), "[default]\nrule = %s\nsources = %s\n", survive_rule_name(rule),
             ini_sources);
    struct errbuf e = {0};
    assert_int_equal(survive_rules_parse(r, text, &e), 0);
}

static void choose(const struct survive_rules *r, const struct survive_rec *recs, size_t n,
                   const char *golden[PF_COUNT], int64_t from[PF_COUNT])
{
    memset(golden, 0xAB, sizeof(*golden) * PF_COUNT); /* every slot must be written */
    memset(from, 0xAB, sizeof(*from) * PF_COUNT);
    survive_choose(r, recs, n, golden, from);
}

static void test_defaults(void **state)
{
    (void)state;
    struct survive_rules r;
    survive_rules_default(&r);
    for (int f = 0; f < PF_COUNT; f++) {
        const struct survive_field_rule *fr = &r.field[f];
        bool person =
            f == PF_FIRST_NAME || f == PF_LAST_NAME || f == PF_GENDER || f == PF_BIRTH_DATE;
        assert_int_equal(fr->rule,
                         person || f == PF_EMAIL ? SURVIVE_SOURCE_PRIORITY : SURVIVE_MOST_RECENT);
        assert_int_equal(fr->nsources, 4);
        assert_string_equal(fr->sources[0], f == PF_EMAIL ? "webshop" : "crm");
        assert_string_equal(fr->sources[3], f == PF_EMAIL ? "store" : "app");
    }
    assert_string_equal(survive_rule_name(SURVIVE_MOST_FREQUENT), "most_frequent");

    /* the CRM's name wins over a newer webshop's; the phone is the newest */
    struct survive_rec recs[2] = {rec(1, "crm", 100), rec(2, "webshop", 200)};
    recs[0].vals[PF_FIRST_NAME] = "Jan";
    recs[1].vals[PF_FIRST_NAME] = "Jan-Pieter";
    recs[0].vals[PF_EMAIL] = "jan@crm.be";
    recs[1].vals[PF_EMAIL] = "jan@shop.be";
    recs[0].vals[PF_PHONE] = "+3291234567";
    recs[1].vals[PF_PHONE] = "+32470123456";
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, recs, 2, g, from);
    assert_string_equal(g[PF_FIRST_NAME], "Jan");
    assert_int_equal(from[PF_FIRST_NAME], 1);
    assert_string_equal(g[PF_PHONE], "+32470123456");
    assert_int_equal(from[PF_PHONE], 2);
    /* the webshop's e-mail wins over a newer CRM's */
    recs[1].received_at = 50;
    choose(&r, recs, 2, g, from);
    assert_string_equal(g[PF_EMAIL], "jan@shop.be");
    assert_int_equal(from[PF_EMAIL], 2);
    assert_string_equal(g[PF_PHONE], "+3291234567");
}

static void test_most_recent(void **state)
{
    (void)state;
    struct survive_rules r;
    rules_all(&r, SURVIVE_MOST_RECENT, "crm, store, webshop, app");
    struct survive_rec recs[3] = {rec(1, "crm", 100), rec(2, "app", 300), rec(3, "store", 200)};
    recs[0].vals[PF_CITY] = "Gent";
    recs[1].vals[PF_CITY] = "Brugge";
    recs[2].vals[PF_CITY] = "Antwerpen";
    recs[0].vals[PF_LANGUAGE] = "nl";
    recs[1].vals[PF_LANGUAGE] = "  "; /* blank: missing */
    recs[2].vals[PF_LANGUAGE] = "fr";
    recs[0].vals[PF_PHONE] = "+3291234567";
    recs[1].vals[PF_PHONE] = ""; /* missing */
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, recs, 3, g, from);
    assert_string_equal(g[PF_CITY], "Brugge");
    assert_int_equal(from[PF_CITY], 2);
    assert_string_equal(g[PF_LANGUAGE], "fr");
    assert_int_equal(from[PF_LANGUAGE], 3);
    assert_string_equal(g[PF_PHONE], "+3291234567");
    assert_int_equal(from[PF_PHONE], 1);
    assert_null(g[PF_EMAIL]);
    assert_int_equal(from[PF_EMAIL], 0);
}

static void test_source_priority(void **state)
{
    (void)state;
    struct survive_rules r;
    rules_all(&r, SURVIVE_SOURCE_PRIORITY, "crm, store");
    struct survive_rec recs[4] = {rec(1, "app", 500), rec(2, "store", 100), rec(3, "webshop", 400),
                                  rec(4, NULL, 600)};
    recs[0].vals[PF_LAST_NAME] = "Peters";
    recs[1].vals[PF_LAST_NAME] = "Peeters";
    recs[2].vals[PF_LAST_NAME] = "Pieters";
    /* no listed source has a phone: unlisted ones by most recent (a NULL source too) */
    recs[0].vals[PF_PHONE] = "+32470000001";
    recs[2].vals[PF_PHONE] = "+32470000003";
    recs[3].vals[PF_PHONE] = "+32470000004";
    recs[0].vals[PF_GENDER] = "f";
    recs[2].vals[PF_GENDER] = "m";
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, recs, 4, g, from);
    assert_string_equal(g[PF_LAST_NAME], "Peeters"); /* store, though oldest */
    assert_int_equal(from[PF_LAST_NAME], 2);
    assert_string_equal(g[PF_PHONE], "+32470000004");
    assert_int_equal(from[PF_PHONE], 4);
    assert_string_equal(g[PF_GENDER], "f"); /* app newer than webshop */
    assert_int_equal(from[PF_GENDER], 1);
}

static void test_most_complete(void **state)
{
    (void)state;
    struct survive_rules r;
    rules_all(&r, SURVIVE_MOST_COMPLETE, "crm, store, webshop, app");
    struct survive_rec recs[3] = {rec(1, "crm", 100), rec(2, "app", 900), rec(3, "store", 100)};
    const char *full[] = {"An", "Claes", "f", "1980-02-03", "nl", "an@x.be", "+3291234567"};
    for (size_t i = 0; i < N(full); i++)
        recs[0].vals[i] = full[i];
    recs[1].vals[PF_FIRST_NAME] = "Anneke"; /* a newer app signup, half empty */
    recs[1].vals[PF_EMAIL] = "anneke@x.be";
    recs[2].vals[PF_FIRST_NAME] = "Anna"; /* as complete as the app, older, longer phone */
    recs[2].vals[PF_PHONE] = "+32 9 123 45 67";
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, recs, 3, g, from);
    assert_string_equal(g[PF_FIRST_NAME], "An");
    assert_int_equal(from[PF_FIRST_NAME], 1);
    assert_string_equal(g[PF_EMAIL], "an@x.be");

    /* without the CRM: app and store have two fields each, so the longer value wins */
    choose(&r, recs + 1, 2, g, from);
    assert_string_equal(g[PF_FIRST_NAME], "Anneke");
    assert_int_equal(from[PF_FIRST_NAME], 2);
    assert_string_equal(g[PF_PHONE], "+32 9 123 45 67");
    /* equal completeness and length: the tie-breaker (store before app) */
    recs[1].vals[PF_FIRST_NAME] = "Anne";
    recs[2].vals[PF_FIRST_NAME] = "Anja";
    choose(&r, recs + 1, 2, g, from);
    assert_string_equal(g[PF_FIRST_NAME], "Anja");
}

static void test_most_frequent(void **state)
{
    (void)state;
    struct survive_rules r;
    rules_all(&r, SURVIVE_MOST_FREQUENT, "crm, store, webshop, app");
    struct survive_rec recs[5] = {rec(1, "crm", 100), rec(2, "app", 200), rec(3, "webshop", 300),
                                  rec(4, "store", 400), rec(5, "app", 500)};
    const char *first[] = {"Johan", "jan ", "JAN", "Jan", "Johan"};
    const char *city[] = {"ÉCAUSSINNES", "Gent", "écaussinnes", "Brugge", NULL};
    const char *lang[] = {"nl", "fr", NULL, NULL, NULL};
    for (size_t i = 0; i < N(recs); i++) {
        recs[i].vals[PF_FIRST_NAME] = first[i];
        recs[i].vals[PF_CITY] = city[i];
        recs[i].vals[PF_LANGUAGE] = lang[i];
    }
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, recs, N(recs), g, from);
    /* three spellings of Jan against two Johans; the store's (first listed of them) is returned */
    assert_string_equal(g[PF_FIRST_NAME], "Jan");
    assert_int_equal(from[PF_FIRST_NAME], 4);
    assert_string_equal(g[PF_CITY], "ÉCAUSSINNES"); /* case of accented letters too; crm first */
    assert_int_equal(from[PF_CITY], 1);
    /* one each: the tie-breaker */
    assert_string_equal(g[PF_LANGUAGE], "nl");
    assert_int_equal(from[PF_LANGUAGE], 1);
}

/* The same choice whatever the order of the records: all 24 orders of four. */
static void test_ties_any_order(void **state)
{
    (void)state;
    struct survive_rules r;
    rules_all(&r, SURVIVE_MOST_RECENT, "crm, store");
    struct survive_rec base[4] = {rec(10, "app", 100), rec(11, "store", 100), rec(12, "app", 100),
                                  rec(13, "store", 50)};
    const char *phone[] = {"a", "b", "c", "d"};  /* newest three: the listed store first */
    const char *email[] = {"a", NULL, "c", "d"}; /* two apps at the same time: higher raw_id */
    const char *city[] = {"a", NULL, NULL, "d"}; /* newer beats a listed source */
    for (int i = 0; i < 4; i++) {
        base[i].vals[PF_PHONE] = phone[i];
        base[i].vals[PF_EMAIL] = email[i];
        base[i].vals[PF_CITY] = city[i];
    }
    int orders = 0;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++) {
                if (a == b || a == c || b == c)
                    continue;
                struct survive_rec recs[4] = {base[a], base[b], base[c], base[6 - a - b - c]};
                const char *g[PF_COUNT];
                int64_t from[PF_COUNT];
                choose(&r, recs, 4, g, from);
                assert_int_equal(from[PF_PHONE], 11);
                assert_string_equal(g[PF_PHONE], "b");
                assert_int_equal(from[PF_EMAIL], 12);
                assert_int_equal(from[PF_CITY], 10);
                orders++;
            }
    assert_int_equal(orders, 24);
}

static void test_missing(void **state)
{
    (void)state;
    struct survive_rules r;
    survive_rules_default(&r);
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, NULL, 0, g, from);
    for (int f = 0; f < PF_COUNT; f++) {
        assert_null(g[f]);
        assert_int_equal(from[f], 0);
    }
    struct survive_rec recs[2] = {rec(1, "crm", 1), rec(2, "app", 2)};
    recs[0].vals[PF_FIRST_NAME] = " ";
    recs[1].vals[PF_FIRST_NAME] = "";
    recs[1].vals[PF_HOUSE_NUMBER] = "12"; /* no other address field anywhere: on its own */
    choose(&r, recs, 2, g, from);
    assert_null(g[PF_FIRST_NAME]);
    assert_int_equal(from[PF_FIRST_NAME], 0);
    assert_string_equal(g[PF_HOUSE_NUMBER], "12");
    assert_int_equal(from[PF_HOUSE_NUMBER], 2);
}

static void set_address(struct survive_rec *r, const char *street, const char *nr,
                        const char *postal, const char *city, const char *country)
{
    r->vals[PF_STREET] = street;
    r->vals[PF_HOUSE_NUMBER] = nr;
    r->vals[PF_POSTAL_CODE] = postal;
    r->vals[PF_CITY] = city;
    r->vals[PF_COUNTRY] = country;
}

static void test_address_block(void **state)
{
    (void)state;
    struct survive_rules r;
    survive_rules_default(&r); /* most recent for the address */
    struct survive_rec recs[4] = {rec(1, "crm", 100), rec(2, "app", 400), rec(3, "store", 300),
                                  rec(4, "webshop", 200)};
    set_address(&recs[0], "Kerkstraat", "1", "9000", "Gent", "BE");
    set_address(&recs[1], "Stationsstraat", NULL, NULL, NULL, "BE");     /* newest, incomplete */
    set_address(&recs[2], "Veldstraat", "20", "9000", "Gent", "BE");     /* newer postal code... */
    set_address(&recs[3], "stationsstraat ", "12", NULL, "Aalst", NULL); /* ...than this one */
    /* the newest postal code (9000, Veldstraat) is not taken for the Stationsstraat */
    const char *g[PF_COUNT];
    int64_t from[PF_COUNT];
    choose(&r, recs, 4, g, from);
    assert_string_equal(g[PF_STREET], "Stationsstraat");
    assert_int_equal(from[PF_STREET], 2);
    assert_string_equal(g[PF_COUNTRY], "BE");
    assert_int_equal(from[PF_COUNTRY], 2);
    assert_string_equal(g[PF_HOUSE_NUMBER], "12"); /* same street, other spelling */
    assert_int_equal(from[PF_HOUSE_NUMBER], 4);
    assert_string_equal(g[PF_CITY], "Aalst");
    assert_null(g[PF_POSTAL_CODE]); /* no record of this street has one */
    assert_int_equal(from[PF_POSTAL_CODE], 0);

    /* the anchor's own fields win over the fields' own rules, even among the same street */
    set_address(&recs[1], "Stationsstraat", "5", "9300", "Aalst", "BE");
    set_address(&recs[0], "Stationsstraat", "7", "9301", "Gijzegem", "BE");
    r.field[PF_HOUSE_NUMBER].rule = SURVIVE_SOURCE_PRIORITY; /* would take the CRM's */
    r.field[PF_CITY].rule = SURVIVE_SOURCE_PRIORITY;
    choose(&r, recs, 4, g, from);
    for (int f = PF_STREET; f <= PF_COUNTRY; f++)
        assert_int_equal(from[f], 2);
    survive_rules_default(&r);

    /* no street anywhere: the postal code anchors, the city comes with it */
    for (size_t i = 0; i < N(recs); i++)
        recs[i].vals[PF_STREET] = NULL;
    set_address(&recs[1], NULL, NULL, NULL, "Aalst", NULL); /* newest city alone */
    set_address(&recs[2], NULL, NULL, "9000", NULL, "BE");  /* newest postal code */
    set_address(&recs[0], NULL, "1", "9000", "Gent", NULL); /* same postal code */
    choose(&r, recs, 4, g, from);
    assert_string_equal(g[PF_POSTAL_CODE], "9000");
    assert_int_equal(from[PF_POSTAL_CODE], 3);
    assert_string_equal(g[PF_CITY], "Gent");
    assert_int_equal(from[PF_CITY], 1);
    assert_string_equal(g[PF_HOUSE_NUMBER], "1");
    assert_int_equal(from[PF_COUNTRY], 3);
}

static const char example[] = "; survivorship\n"
                              "[default]\n"
                              "rule = most_recent\n"
                              "sources = crm, store, webshop, app\n"
                              "\n"
                              "[first_name]\n"
                              "rule = source_priority\n"
                              "sources = crm, store\n"
                              "[city]\n"
                              "rule = most_frequent\n"
                              "[email]\n"
                              "sources =\n";

static void test_ini(void **state)
{
    (void)state;
    struct survive_rules r;
    struct errbuf e = {0};
    assert_int_equal(survive_rules_parse(&r, example, &e), 0);
    const struct survive_field_rule *fn = &r.field[PF_FIRST_NAME], *ln = &r.field[PF_LAST_NAME];
    assert_int_equal(fn->rule, SURVIVE_SOURCE_PRIORITY);
    assert_int_equal(fn->nsources, 2);
    assert_string_equal(fn->sources[1], "store");
    /* [default] replaces the built-in source priority of last_name */
    assert_int_equal(ln->rule, SURVIVE_MOST_RECENT);
    assert_int_equal(ln->nsources, 4);
    assert_string_equal(ln->sources[2], "webshop");
    /* the field sets one key, [default] gives the other */
    assert_int_equal(r.field[PF_CITY].rule, SURVIVE_MOST_FREQUENT);
    assert_int_equal(r.field[PF_CITY].nsources, 4);
    assert_int_equal(r.field[PF_EMAIL].rule, SURVIVE_MOST_RECENT);
    assert_int_equal(r.field[PF_EMAIL].nsources, 0);

    /* a field's section wins wherever [default] stands; without [default], defaults stay */
    assert_int_equal(survive_rules_parse(&r,
                                         "[gender]\nrule = most_complete\n"
                                         "[default]\nrule = most_frequent\n",
                                         &e),
                     0);
    assert_int_equal(r.field[PF_GENDER].rule, SURVIVE_MOST_COMPLETE);
    assert_int_equal(r.field[PF_PHONE].rule, SURVIVE_MOST_FREQUENT);
    assert_string_equal(r.field[PF_GENDER].sources[0], "crm");
    assert_int_equal(survive_rules_parse(&r, "[phone]\nrule = most_complete\n", &e), 0);
    struct survive_rules def;
    survive_rules_default(&def);
    def.field[PF_PHONE].rule = SURVIVE_MOST_COMPLETE;
    assert_memory_equal(&r, &def, sizeof(r));
    assert_int_equal(survive_rules_parse(&r, "", &e), 0);
    survive_rules_default(&def);
    assert_memory_equal(&r, &def, sizeof(r));
}

struct ini_error {
    const char *text;
    const char *msg;   /* the start of e.msg */
    const char *field; /* e.field */
};

static const struct ini_error ini_errors[] = {
    {"[default]\nrule = most_recent\n[frist_name]\nrule = most_recent\n",
     "line 4: unknown section [frist_name] (use [default] or a profile field: first_name, "
     "last_name,",
     "frist_name.rule"},
    {"rule = most_recent\n", "line 1: unknown section []", ".rule"},
    {"[email]\n\nrules = most_recent\n", "line 3: [email] rules: unknown key (use rule or sources)",
     "email.rules"},
    {"[city]\nrule = newest\n", "line 2: [city] rule: unknown rule \"newest\" (use most_recent,",
     "city.rule"},
    {"[city]\nsources = a, b, c, d, e, f, g, h, i\n", "line 2: [city] sources: more than 8 sources",
     "city.sources"},
    {"[default]\nsources = crm, store, crm\n",
     "line 2: [default] sources: source \"crm\" listed twice", "default.sources"},
    {"[default]\nsources = crm,, store\n", "line 2: [default] sources: empty source name",
     "default.sources"},
    {"[default]\nsources = crm,\n", "line 2: [default] sources: empty source name",
     "default.sources"},
    {"[default]\nsources = crm, "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
     "line 2: [default] sources: a source name is at most 63 bytes", "default.sources"},
    {"[default]\nsources = crm, st\x01re\n", "line 2: [default] sources: a source name",
     "default.sources"},
    {"[default]\nrule\n", "line 2: not an INI line", ""},
    {"[default\nrule = most_recent\n", "line 1: not an INI line", ""},
    /* the first error is reported, whichever kind */
    {"[city]\nbogus\nrule = newest\n", "line 2: not an INI line", ""},
    {"[city]\nrule = newest\nbogus\n", "line 2: [city] rule: unknown rule", "city.rule"},
};

static void test_ini_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(ini_errors); i++) {
        struct survive_rules r, before;
        memset(&r, 0x5A, sizeof(r));
        before = r;
        struct errbuf e = {0};
        int rc = survive_rules_parse(&r, ini_errors[i].text, &e);
        if (rc != ERR_INVALID || strncmp(e.msg, ini_errors[i].msg, strlen(ini_errors[i].msg)) ||
            strcmp(e.field, ini_errors[i].field))
            fail_msg("case %zu: rc %d, msg \"%s\", field \"%s\"", i, rc, e.msg, e.field);
        assert_memory_equal(&r, &before, sizeof(r)); /* untouched */
    }

    /* a line longer than inih's buffer is refused, not cut in two */
    char text[1200] = "[default]\n; ";
    memset(text + strlen(text), 'x', 1000);
    struct survive_rules r;
    struct errbuf e = {0};
    assert_int_equal(survive_rules_parse(&r, text, &e), ERR_INVALID);
    assert_string_equal(e.msg, "line 2: longer than 198 bytes");
    /* 199 bytes are too many, 198 and a newline fit */
    text[10 + 199] = '\0';
    assert_int_equal(survive_rules_parse(&r, text, &e), ERR_INVALID);
    text[10 + 198] = '\n';
    assert_int_equal(survive_rules_parse(&r, text, &e), 0);
    /* an error before the long line is the one reported */
    assert_int_equal(
        survive_rules_parse(
            &r,
            "[city]\nrule = x\n; xxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            &e),
        ERR_INVALID);
    assert_string_equal(e.field, "city.rule");
}

static void test_json(void **state)
{
    (void)state;
    struct survive_rules r, back;
    struct errbuf e = {0};
    assert_int_equal(survive_rules_parse(&r, example, &e), 0);
    r.field[PF_COUNTRY].rule = SURVIVE_MOST_COMPLETE;
    json_t *j = survive_rules_to_json(&r);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_non_null(strstr(text, "\"first_name\":{\"rule\":\"source_priority\","
                                 "\"sources\":[\"crm\",\"store\"]}"));
    assert_non_null(strstr(text, "\"email\":{\"rule\":\"most_recent\",\"sources\":[]}"));
    j = json_loads(text, 0, NULL);
    free(text);
    memset(&back, 0, sizeof(back));
    assert_int_equal(survive_rules_from_json(&back, j, &e), 0);
    json_decref(j);
    assert_memory_equal(&r, &back, sizeof(r));

    /* fields and keys left out keep their default */
    j = json_loads("{\"phone\": {\"rule\": \"most_frequent\"}}", 0, NULL);
    assert_int_equal(survive_rules_from_json(&back, j, &e), 0);
    json_decref(j);
    survive_rules_default(&r);
    r.field[PF_PHONE].rule = SURVIVE_MOST_FREQUENT;
    assert_memory_equal(&r, &back, sizeof(r));

    static const struct {
        const char *json, *msg, *field;
    } bad[] = {
        {"[]", "survivorship rules: want a JSON object", ""},
        {"{\"fone\": {}}", "fone: not a profile field", "fone"},
        {"{\"city\": \"most_recent\"}", "city: want an object with rule and sources", "city"},
        {"{\"city\": {\"rule\": \"newest\"}}", "city.rule: unknown rule \"newest\"", "city.rule"},
        {"{\"city\": {\"rule\": 1}}", "city.rule: want a string", "city.rule"},
        {"{\"city\": {\"sources\": \"crm\"}}", "city.sources: want an array of strings",
         "city.sources"},
        {"{\"city\": {\"sources\": [\"crm\", 2]}}", "city.sources: want an array of strings",
         "city.sources"},
        {"{\"city\": {\"sources\": [\"crm\", \"crm\"]}}",
         "city.sources: source \"crm\" listed twice", "city.sources"},
        {"{\"city\": {\"sources\": [\"a\\u0000b\"]}}", "city.sources: a source name",
         "city.sources"},
        {"{\"city\": {\"why\": 1}}", "city.why: unknown key (use rule or sources)", "city.why"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        j = json_loads(bad[i].json, JSON_ALLOW_NUL, NULL);
        assert_non_null(j);
        memset(&back, 0x5A, sizeof(back));
        struct survive_rules before = back;
        int rc = survive_rules_from_json(&back, j, &e);
        json_decref(j);
        if (rc != ERR_INVALID || strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) ||
            strcmp(e.field, bad[i].field))
            fail_msg("case %zu: rc %d, msg \"%s\", field \"%s\"", i, rc, e.msg, e.field);
        assert_memory_equal(&back, &before, sizeof(back));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_most_recent),
        cmocka_unit_test(test_source_priority),
        cmocka_unit_test(test_most_complete),
        cmocka_unit_test(test_most_frequent),
        cmocka_unit_test(test_ties_any_order),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_address_block),
        cmocka_unit_test(test_ini),
        cmocka_unit_test(test_ini_errors),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
