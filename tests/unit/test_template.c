/*
 * test_template.c — message templates (src/channel/template.h), table-driven:
 *
 *   - Renders: variables and dotted paths (array items by index), HTML
 *     escaping and none in text mode, {{{x}}} and {{& x}}, sections over
 *     lists, objects, booleans, scalars and empty values, inverted sections,
 *     names found from the innermost context outwards, standalone lines,
 *     comments, defaults, every filter in en, nl, fr and de, chained filters.
 *   - Compile errors: each with its exact message, line and column.
 *   - Limits: the output bound and the render's step budget leave the
 *     output as it was; the text size bound.
 *   - tpl_each_var, and tpl_text_from_html (the text part of an e-mail).
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

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "channel/template.h"

#define NB "\xc2\xa0" /* U+00A0 NO-BREAK SPACE */

static const char *const shared_data =
    "{\"name\": \"Ann\", \"shop\": \"Rondo Shop\","
    " \"profile\": {\"first_name\": \"Ann\", \"last_name\": \"Peeters\", \"empty\": \"\","
    "   \"nothing\": null, \"vip\": true, \"city\": \"Gent\"},"
    " \"html\": \"<b>Tom & \\\"Jerry\\\" 'n</b>\","
    " \"event\": {\"at\": \"2026-12-24T10:00:00Z\","
    "   \"products\": [{\"name\": \"Shoes\", \"price\": 79.9}, {\"name\": \"Socks\", \"price\": "
    "4.5}]},"
    " \"items\": [\"a\", \"b\", \"c\"], \"empty_list\": [], \"obj\": {\"k\": \"v\"},"
    " \"yes\": true, \"no\": false, \"zero\": 0,"
    " \"day\": \"2026-12-24\", \"first\": \"2026-01-01\", \"ts\": \"2026-03-05T23:30:00-05:00\","
    " \"bad_day\": \"2026-02-30\","
    " \"amount\": 1234.5, \"big\": 1234567, \"neg\": -1234.567, \"small\": 0.5, \"tiny\": -0.0001,"
    " \"million\": 1000000.25, \"str_amount\": \"1234.5\", \"word\": \"abc\","
    " \"title\": \"élan vital\", \"street\": \"Grüner Weg\"}";

struct render_case {
    const char *locale; /* NULL: en (the default) */
    bool html;
    const char *tpl;
    const char *want;
    const char *data; /* JSON; NULL: shared_data */
};

#define T(tpl, want)                                                                               \
    {                                                                                              \
        NULL, false, tpl, want, NULL                                                               \
    }
#define H(tpl, want)                                                                               \
    {                                                                                              \
        NULL, true, tpl, want, NULL                                                                \
    }
#define L(loc, tpl, want)                                                                          \
    {                                                                                              \
        loc, false, tpl, want, NULL                                                                \
    }
#define D(data, tpl, want)                                                                         \
    {                                                                                              \
        NULL, false, tpl, want, data                                                               \
    }

static const struct render_case cases[] = {
    /* variables and paths */
    T("Hello {{name}}!", "Hello Ann!"),
    T("{{ name }}|{{name}}", "Ann|Ann"),
    T("Hi {{missing}}.", "Hi ."),
    T("{{profile.first_name}} {{profile.last_name}}", "Ann Peeters"),
    T("{{event.products.0.name}}/{{event.products.1.price}}", "Shoes/4.5"),
    T("[{{event.products.5.name}}][{{event.products.x}}][{{profile.missing.deep}}]", "[][][]"),
    T("[{{obj}}][{{items}}][{{profile.nothing}}]", "[][][]"),
    T("{{big}} {{amount}} {{yes}} {{no}} {{zero}} {{neg}}",
      "1234567 1234.5 true false 0 -1234.567"),
    T("{{items.2}}{{items.1}}{{items.0}}", "cba"),
    T("no tags at all", "no tags at all"),
    T("", ""),
    T("braces { } {x} }} alone", "braces { } {x} }} alone"),
    D("{\"prénom\": \"Zoë\", \"a-b\": 1}", "{{prénom}} {{a-b}}", "Zoë 1"),
    /* escaping */
    H("{{html}}", "&lt;b&gt;Tom &amp; &quot;Jerry&quot; &#39;n&lt;/b&gt;"),
    T("{{html}}", "<b>Tom & \"Jerry\" 'n</b>"),
    H("{{{html}}}", "<b>Tom & \"Jerry\" 'n</b>"),
    H("{{& html}}", "<b>Tom & \"Jerry\" 'n</b>"),
    H("{{{ html }}}|{{&html}}", "<b>Tom & \"Jerry\" 'n</b>|<b>Tom & \"Jerry\" 'n</b>"),
    T("{{{html}}}", "<b>Tom & \"Jerry\" 'n</b>"),
    H("<p class=\"x\">{{name}} &amp; co</p>", "<p class=\"x\">Ann &amp; co</p>"),
    H("{{html | upper}}", "&lt;B&gt;TOM &amp; &quot;JERRY&quot; &#39;N&lt;/B&gt;"),
    H("{{missing | default: \"<you> & me\"}}", "&lt;you&gt; &amp; me"),
    H("{{{missing | default: \"<br>\"}}}", "<br>"),
    /* sections */
    T("{{#items}}[{{.}}]{{/items}}", "[a][b][c]"),
    T("{{#event.products}}{{name}}: {{price}}; {{/event.products}}", "Shoes: 79.9; Socks: 4.5; "),
    T("{{#profile}}{{first_name}} in {{city}}{{/profile}}", "Ann in Gent"),
    T("{{#obj}}{{k}}{{/obj}}", "v"),
    T("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}", "Y"),
    T("{{#empty_list}}x{{/empty_list}}{{#missing}}x{{/missing}}", ""),
    T("{{#profile.empty}}x{{/profile.empty}}{{#profile.nothing}}x{{/profile.nothing}}", ""),
    T("{{#zero}}zero={{.}}{{/zero}}", "zero=0"),
    T("{{#name}}Hi {{.}}!{{/name}}", "Hi Ann!"),
    D("{\"e\": {}}", "{{#e}}empty object renders{{/e}}", "empty object renders"),
    D("{\"rows\": [[1, 2], [3], []]}", "{{#rows}}({{#.}}{{.}}{{/.}}){{/rows}}", "(12)(3)()"),
    /* inverted sections */
    T("{{^empty_list}}none{{/empty_list}}", "none"),
    T("{{^items}}none{{/items}}{{^obj}}x{{/obj}}{{^zero}}x{{/zero}}", ""),
    T("{{^missing}}m{{/missing}}{{^no}}n{{/no}}{{^profile.empty}}e{{/profile.empty}}"
      "{{^profile.nothing}}0{{/profile.nothing}}{{^yes}}y{{/yes}}",
      "mne0"),
    T("{{#items}}{{.}}{{^yes}}!{{/yes}}{{/items}}", "abc"),
    /* context: the innermost first, then outwards */
    T("{{#event.products}}{{name}} for {{profile.first_name}}, {{/event.products}}",
      "Shoes for Ann, Socks for Ann, "),
    T("{{#profile}}{{first_name}} @ {{shop}}{{/profile}}", "Ann @ Rondo Shop"),
    D("{\"name\": \"outer\", \"inner\": {\"name\": \"inner\"}}",
      "{{#inner}}{{name}}{{/inner}} {{name}}", "inner outer"),
    /* a dotted path whose first part is found does not look further out */
    D("{\"a\": {\"b\": 1}, \"c\": {\"a\": {}}}", "{{#c}}[{{a.b}}]{{/c}}[{{a.b}}]", "[][1]"),
    /* a key that is there with null stops the walk outwards */
    D("{\"x\": 1, \"s\": {\"x\": null}}", "{{#s}}[{{x}}]{{/s}}", "[]"),
    D("{\"o\": {\"l\": [{\"v\": 1}, {\"v\": 2}], \"t\": \"T\"}}",
      "{{#o}}{{#l}}{{t}}{{v}}{{/l}}{{/o}}", "T1T2"),
    /* standalone lines go away whole; tags sharing a line with text stay */
    T("{{#items}}\n- {{.}}\n{{/items}}\n", "- a\n- b\n- c\n"),
    T("Hi\n  {{! a note }}\nthere", "Hi\nthere"),
    T("a {{#yes}}b{{/yes}} c\n", "a b c\n"),
    T("{{#items}}\r\n{{.}}\r\n{{/items}}\r\n", "a\r\nb\r\nc\r\n"),
    T("  {{#no}}\nx\n  {{/no}}\ny", "y"),
    T("{{^no}}\t\n{{name}}\n{{/no}}", "Ann\n"),
    T("{{name}}\n{{#yes}}{{/yes}}\nend", "Ann\n\nend"),
    T("Your products:\n{{#event.products}}\n  - {{name}}\n{{/event.products}}\nThanks!",
      "Your products:\n  - Shoes\n  - Socks\nThanks!"),
    /* comments */
    T("a{{! hidden }}b{{!}}c", "abc"),
    T("a{{!\nmulti\nline {{ braces\n}}b", "ab"),
    /* defaults */
    T("Hi {{first_name | default: \"there\"}}", "Hi there"),
    T("Hi {{profile.first_name | default: \"there\"}}", "Hi Ann"),
    T("{{profile.empty | default: \"x\"}}{{profile.nothing | default: \"y\"}}", "xy"),
    T("{{obj | default: \"o\"}}{{empty_list | default: \"l\"}}", "ol"),
    T("{{zero | default: \"none\"}} {{no | default: \"none\"}}", "0 false"),
    T("{{missing | default: 'it\\'s'}}", "it's"),
    T("{{missing | default: \"a | b }} {{ c\"}}", "a | b }} {{ c"),
    T("{{missing|default:\"tight\"}}", "tight"),
    T("{{nothing | default: \"{{\"}}x}}", "{{x}}"), /* how to write {{ itself */
    T("{{missing | default: \"\\\"q\\\" \\\\\"}}", "\"q\" \\"),
    T("{{missing | default: \"\" | default: \"second\"}}", "second"),
    /* upper, lower */
    T("{{title | upper}}", "ÉLAN VITAL"),
    T("{{street | upper}} {{street | lower}}", "GRÜNER WEG grüner weg"),
    T("{{profile.last_name | lower}}", "peeters"),
    T("{{missing | upper | default: \"X\"}}", "X"),
    T("{{big | upper}} {{yes | upper}}", "1234567 TRUE"),
    /* date, in each locale */
    L("en", "{{day | date}}", "24 December 2026"),
    L("nl", "{{day | date}}", "24 december 2026"),
    L("fr", "{{day | date}}", "24 décembre 2026"),
    L("de", "{{day | date}}", "24. Dezember 2026"),
    L("en", "{{first | date}}", "1 January 2026"),
    L("nl", "{{first | date}}", "1 januari 2026"),
    L("fr", "{{first | date}}", "1er janvier 2026"),
    L("de", "{{first | date}}", "1. Januar 2026"),
    L("fr-BE", "{{event.at | date}}", "24 décembre 2026"),
    L("de", "{{ts | date}}", "5. März 2026"), /* the day as written, not in UTC */
    L("nl", "{{word | date}}|{{bad_day | date}}|{{big | date}}|{{missing | date}}",
      "abc|2026-02-30|1234567|"),
    L("fr", "{{missing | default: \"2026-08-15\" | date}}", "15 août 2026"),
    /* the locale: its language decides; unknown is en */
    L("NL", "{{day | date}}", "24 december 2026"),
    L("de_AT", "{{day | date}}", "24. Dezember 2026"),
    L("xx", "{{day | date}}", "24 December 2026"),
    L("", "{{amount | number}}", "1,234.5"),
    L("nlx", "{{amount | number}}", "1,234.5"),
    /* number */
    L("en", "{{amount | number}}", "1,234.5"),
    L("nl", "{{amount | number}}", "1.234,5"),
    L("fr", "{{amount | number}}", "1" NB "234,5"),
    L("de", "{{amount | number}}", "1.234,5"),
    L("en", "{{big | number}} {{million | number}}", "1,234,567 1,000,000.25"),
    L("fr", "{{big | number}}", "1" NB "234" NB "567"),
    L("nl", "{{neg | number}} {{small | number}} {{zero | number}}", "-1.234,567 0,5 0"),
    L("de", "{{str_amount | number}}", "1.234,5"),
    L("en", "{{word | number}}|{{yes | number}}|{{missing | number}}", "abc|true|"),
    L("en", "{{tiny | number}} {{event.products.0.price | number}}", "0 79.9"),
    D("{\"n\": 999, \"m\": 1000, \"r\": 2.71828, \"s\": \" -12 \"}",
      "{{n | number}} {{m | number}} {{r | number}} {{s | number}}", "999 1,000 2.718 -12"),
    /* currency */
    L("en", "{{amount | currency: \"EUR\"}}", "€1,234.50"),
    L("nl", "{{amount | currency: \"EUR\"}}", "€" NB "1.234,50"),
    L("fr", "{{amount | currency: \"EUR\"}}", "1" NB "234,50" NB "€"),
    L("de", "{{amount | currency: \"EUR\"}}", "1.234,50" NB "€"),
    L("en", "{{neg | currency: \"EUR\"}}", "-€1,234.57"),
    L("nl", "{{neg | currency: \"EUR\"}}", "€" NB "-1.234,57"),
    L("fr", "{{neg | currency: \"EUR\"}}", "-1" NB "234,57" NB "€"),
    L("de", "{{neg | currency: \"EUR\"}}", "-1.234,57" NB "€"),
    L("en", "{{amount | currency: \"USD\"}} {{amount | currency: \"gbp\"}}", "$1,234.50 £1,234.50"),
    L("en", "{{amount | currency: \"CHF\"}}", "CHF" NB "1,234.50"),
    L("de", "{{amount | currency: \"CHF\"}}", "1.234,50" NB "CHF"),
    L("de", "{{big | currency: \"EUR\"}}", "1.234.567,00" NB "€"),
    L("fr", "{{small | currency: \"EUR\"}} {{zero | currency: \"EUR\"}}",
      "0,50" NB "€ 0,00" NB "€"),
    L("en", "{{tiny | currency: \"EUR\"}}", "€0.00"),
    L("nl", "{{str_amount | currency: \"EUR\"}}", "€" NB "1.234,50"),
    L("en", "{{missing | currency: \"EUR\" | default: \"free\"}} {{word | currency: \"EUR\"}}",
      "free abc"),
    /* chains */
    L("nl", "{{missing | default: \"1234.5\" | number}}", "1.234,5"),
    T("{{profile.first_name | upper | lower}}", "ann"),
    L("de", "{{day | date | upper}}", "24. DEZEMBER 2026"),
    L("fr", "{{amount | currency: \"EUR\" | upper}}", "1" NB "234,50" NB "€"),
    {"fr", true, "{{missing | default: \"<1234>\" | number}}", "&lt;1234&gt;", NULL},
    /* no data at all */
    D("null", "[{{name}}]{{#x}}x{{/x}}{{^x}}none{{/x}}[{{.}}]", "[]none[]"),
};

static void test_render_table(void **state)
{
    (void)state;
    json_error_t je;
    json_t *shared = json_loads(shared_data, 0, &je);
    if (!shared)
        fail_msg("shared data: line %d: %s", je.line, je.text);
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct render_case *c = &cases[i];
        json_t *data = c->data ? json_loads(c->data, JSON_DECODE_ANY, &je) : json_incref(shared);
        if (!data)
            fail_msg("case %zu: data: %s", i, je.text);
        struct tpl *t = NULL;
        struct errbuf e = {0};
        struct buf out;
        buf_init(&out, 0);
        int rc = tpl_compile("case", c->tpl, &t, &e);
        if (!rc) {
            struct tpl_opts o = {.html = c->html, .locale = c->locale};
            rc = tpl_render(t, json_is_null(data) ? NULL : data, &o, &out, &e);
        }
        if (rc || strcmp(out.ptr, c->want)) {
            print_error("case %zu %s \"%s\" (%s): got \"%s\" (rc %d: %s), want \"%s\"\n", i,
                        c->locale ? c->locale : "en", c->tpl, c->html ? "html" : "text", out.ptr,
                        rc, e.msg, c->want);
            failures++;
        }
        buf_release(&out);
        tpl_free(t);
        json_decref(data);
    }
    json_decref(shared);
    assert_int_equal(failures, 0);
}

/* ---- compile errors ----------------------------------------------------------------- */

struct error_case {
    const char *tpl;
    const char *msg; /* the whole message; the template is called "welcome" */
};

static const struct error_case errors[] = {
    {"Hi {{name", "template \"welcome\" line 1 col 4: the tag is not closed: \"}}\" is missing"},
    {"Hi {{name.\n{{shop}}",
     "template \"welcome\" line 1 col 4: the tag is not closed: \"}}\" is missing"},
    {"Hi {{{name}}", "template \"welcome\" line 1 col 4: a {{{ tag closes with }}}"},
    {"{{{name}", "template \"welcome\" line 1 col 1: the tag is not closed: \"}}}\" is missing"},
    {"{{#items}}\n{{.}}\n",
     "template \"welcome\" line 1 col 1: section \"items\" opened here is never closed"},
    {"Dear {{name}},\n\n  {{#items}}x{{/items}} {{^empty}}",
     "template \"welcome\" line 3 col 25: section \"empty\" opened here is never closed"},
    {"é {{#x}}", "template \"welcome\" line 1 col 3: section \"x\" opened here is never closed"},
    {"{{#a}}\n  {{#b}}{{/a}}",
     "template \"welcome\" line 2 col 9: {{/a}} does not close section \"b\" opened at line 2 col "
     "3"},
    {"x\n{{/items}}", "template \"welcome\" line 2 col 1: {{/items}} closes no open section"},
    {"Hi {{name | shout}}",
     "template \"welcome\" line 1 col 13: unknown filter \"shout\" (filters: default, upper, "
     "lower, date, number, currency)"},
    {"{{name | default}}",
     "template \"welcome\" line 1 col 17: filter \"default\" needs a value: default: \"...\""},
    {"{{n | currency}}",
     "template \"welcome\" line 1 col 15: filter \"currency\" needs a value: currency: \"...\""},
    {"{{name | upper: \"x\"}}",
     "template \"welcome\" line 1 col 15: filter \"upper\" takes no value"},
    {"{{n | currency: \"EURO\"}}",
     "template \"welcome\" line 1 col 17: currency needs a three-letter code such as \"EUR\", not "
     "\"EURO\""},
    {"{{n | currency: \"E1R\"}}",
     "template \"welcome\" line 1 col 17: currency needs a three-letter code such as \"EUR\", not "
     "\"E1R\""},
    {"{{n | default: there}}",
     "template \"welcome\" line 1 col 16: filter \"default\" needs a value in quotes: default: "
     "\"...\""},
    {"{{n | default: \"a\\qb\"}}",
     "template \"welcome\" line 1 col 18: in a value, \\ may only come before \", ' or \\"},
    {"{{n | default: \"x}}", "template \"welcome\" line 1 col 1: the tag is not closed: \"}}\" is "
                             "missing"},
    {"{{name | }}", "template \"welcome\" line 1 col 10: a filter name is expected after |"},
    {"{{=<% %>=}}",
     "template \"welcome\" line 1 col 1: delimiter changes ({{=...=}}) are not supported"},
    {"a\n {{> footer}}",
     "template \"welcome\" line 2 col 2: partials ({{> name}}) are not supported"},
    {"{{}}", "template \"welcome\" line 1 col 3: the tag is empty: a name is expected"},
    {"{{ }}", "template \"welcome\" line 1 col 4: the tag is empty: a name is expected"},
    {"{{a..b}}", "template \"welcome\" line 1 col 5: a name is expected after the dot"},
    {"{{a.}}", "template \"welcome\" line 1 col 5: a name is expected after the dot"},
    {"{{.a}}", "template \"welcome\" line 1 col 3: a name is expected here"},
    {"{{first name}}",
     "template \"welcome\" line 1 col 9: after the name \"first\", | or the end of the tag is "
     "expected"},
    {"{{a | default: \"x\" y}}",
     "template \"welcome\" line 1 col 20: after the name \"a\", | or the end of the tag is "
     "expected"},
    {"{{#a | upper}}x{{/a}}",
     "template \"welcome\" line 1 col 6: a section tag takes a name only, not filters"},
    {"{{#a b}}", "template \"welcome\" line 1 col 6: after the name \"a\", the end of the tag is "
                 "expected"},
    {"{{/}}", "template \"welcome\" line 1 col 4: the tag is empty: a name is expected"},
    {"{{! never closed", "template \"welcome\" line 1 col 1: the comment is not closed: \"}}\" is "
                         "missing"},
    {"{{#.}}{{/items}}",
     "template \"welcome\" line 1 col 7: {{/items}} does not close section \".\" opened at line 1 "
     "col 1"},
};

static void test_compile_errors(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        struct tpl *t = (struct tpl *)&failures; /* must be set to NULL */
        struct errbuf e = {0};
        int rc = tpl_compile("welcome", errors[i].tpl, &t, &e);
        if (rc != ERR_INVALID || t || strcmp(e.msg, errors[i].msg) || strcmp(e.field, "template")) {
            print_error("error case %zu \"%s\": rc %d, field \"%s\", got\n  %s\nwant\n  %s\n", i,
                        errors[i].tpl, rc, e.field, e.msg, errors[i].msg);
            failures++;
        }
        if (!rc)
            tpl_free(t);
    }
    assert_int_equal(failures, 0);
}

/* 32 sections inside one another compile; a 33rd is refused where it opens. */
static void test_depth(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < TPL_MAX_DEPTH; i++)
        buf_adds(&b, "{{#a}}");
    buf_adds(&b, "{{a.v}}");
    for (int i = 0; i < TPL_MAX_DEPTH; i++)
        buf_adds(&b, "{{/a}}");
    struct tpl *t;
    struct errbuf e = {0};
    assert_int_equal(tpl_compile("deep", b.ptr, &t, &e), 0);
    json_t *data = json_pack("{s:{s:i}}", "a", "v", 7);
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(t, data, NULL, &out, &e), 0);
    assert_string_equal(out.ptr, "7");
    tpl_free(t);

    buf_reset(&b);
    for (int i = 0; i <= TPL_MAX_DEPTH; i++)
        buf_adds(&b, "{{#a}}");
    assert_int_equal(tpl_compile("deep", b.ptr, &t, &e), ERR_INVALID);
    assert_null(t);
    assert_string_equal(e.msg, "template \"deep\" line 1 col 193: sections nested deeper than 32");
    /* inverted sections count too */
    buf_reset(&b);
    for (int i = 0; i <= TPL_MAX_DEPTH; i++)
        buf_adds(&b, i % 2 ? "{{^a}}\n" : "{{#a}}\n");
    assert_int_equal(tpl_compile("deep", b.ptr, &t, &e), ERR_INVALID);
    assert_string_equal(e.msg, "template \"deep\" line 33 col 1: sections nested deeper than 32");
    buf_release(&out);
    buf_release(&b);
    json_decref(data);
}

static void test_text_size(void **state)
{
    (void)state;
    char *text = malloc(TPL_MAX_TEXT + 2);
    memset(text, 'x', TPL_MAX_TEXT + 1);
    text[TPL_MAX_TEXT + 1] = '\0';
    struct tpl *t;
    struct errbuf e = {0};
    assert_int_equal(tpl_compile("big", text, &t, &e), ERR_TOO_BIG);
    assert_null(t);
    assert_string_equal(e.field, "template");
    assert_string_equal(e.msg, "template \"big\": the text is larger than 256 KB (262145 bytes)");
    text[TPL_MAX_TEXT] = '\0'; /* exactly the limit compiles */
    assert_int_equal(tpl_compile("big", text, &t, &e), 0);
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(t, NULL, NULL, &out, &e), 0);
    assert_int_equal(out.len, TPL_MAX_TEXT);
    buf_release(&out);
    tpl_free(t);
    free(text);
}

/* ---- render limits -------------------------------------------------------------------- */

static void test_output_limit(void **state)
{
    (void)state;
    struct tpl *t;
    struct errbuf e = {0};
    assert_int_equal(tpl_compile("limit", "{{#items}}{{.}}23456789{{/items}}", &t, &e), 0);
    json_t *data = json_pack("{s:[s,s,s]}", "items", "1", "1", "1");
    struct buf out;
    buf_init(&out, 32);
    buf_adds(&out, "ab");
    /* 2 + 27 bytes fit */
    assert_int_equal(tpl_render(t, data, NULL, &out, &e), 0);
    assert_int_equal(out.len, 29);
    /* 29 + 27 do not: out stays as it was */
    assert_int_equal(tpl_render(t, data, NULL, &out, &e), ERR_TOO_BIG);
    assert_int_equal(out.len, 29);
    assert_int_equal(strlen(out.ptr), 29);
    assert_string_equal(e.msg, "template \"limit\": the output is larger than 32 bytes");
    assert_string_equal(e.field, "template");
    tpl_free(t);

    /* a filter's output counts against the same bound */
    buf_reset(&out);
    assert_int_equal(tpl_compile("limit", "{{x | upper}}", &t, &e), 0);
    json_t *big = json_pack("{s:s}", "x", "0123456789012345678901234567890123456789");
    assert_int_equal(tpl_render(t, big, NULL, &out, &e), ERR_TOO_BIG);
    assert_int_equal(out.len, 0);
    tpl_free(t);
    json_decref(big);
    buf_release(&out);
    json_decref(data);
}

/* Sections over lists nested deep multiply: the render stops after TPL_MAX_STEPS. */
static void test_step_budget(void **state)
{
    (void)state;
    json_t *l = json_array();
    for (int i = 0; i < 10; i++)
        json_array_append_new(l, json_integer(i));
    json_t *data = json_pack("{s:o}", "l", l);
    struct tpl *t;
    struct errbuf e = {0};
    assert_int_equal(tpl_compile("slow",
                                 "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{^l}}x{{/l}}"
                                 "{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}",
                                 &t, &e),
                     0);
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(t, data, NULL, &out, &e), ERR_TOO_BIG);
    assert_int_equal(out.len, 0);
    assert_non_null(strstr(e.msg, "rendering stopped after 2000000 steps"));
    tpl_free(t);
    /* 10^4 items inside one another is well within */
    assert_int_equal(
        tpl_compile("ok", "{{#l}}{{#l}}{{#l}}{{#l}}{{.}}{{/l}}{{/l}}{{/l}}{{/l}}", &t, &e), 0);
    assert_int_equal(tpl_render(t, data, NULL, &out, &e), 0);
    assert_int_equal(out.len, 10000);
    tpl_free(t);
    buf_release(&out);
    json_decref(data);
}

/* A compiled template renders again and again; rendering appends; NULL opts is text in en. */
static void test_reuse(void **state)
{
    (void)state;
    struct tpl *t;
    struct errbuf e = {0};
    assert_int_equal(tpl_compile(NULL, "<{{n | number}}>", &t, &e), 0);
    json_t *a = json_pack("{s:i}", "n", 1000);
    json_t *b = json_pack("{s:f}", "n", 2.5);
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(tpl_render(t, a, NULL, &out, &e), 0);
    assert_int_equal(tpl_render(t, b, &(struct tpl_opts){.locale = "de"}, &out, &e), 0);
    assert_int_equal(tpl_render(t, a, &(struct tpl_opts){.html = true}, &out, &e), 0);
    assert_string_equal(out.ptr, "<1,000><2,5><1,000>");
    tpl_free(t);
    tpl_free(NULL);
    /* a name that is NULL is "" in messages */
    assert_int_equal(tpl_compile(NULL, "{{x", &t, &e), ERR_INVALID);
    assert_string_equal(e.msg,
                        "template \"\" line 1 col 1: the tag is not closed: \"}}\" is missing");
    buf_release(&out);
    json_decref(a);
    json_decref(b);
}

/* ---- tpl_each_var --------------------------------------------------------------------- */

static void collect(void *ctx, const char *path)
{
    struct buf *b = ctx;
    buf_addf(b, "%s;", path);
}

static void test_each_var(void **state)
{
    (void)state;
    struct tpl *t;
    struct errbuf e = {0};
    const char *text =
        "Hi {{profile.first_name | default: \"there\"}}\n"
        "{{#event.products}}{{name}} {{price | currency: \"EUR\"}}{{/event.products}}\n"
        "{{^vip}}{{{shop}}} {{& shop}}{{/vip}} {{profile.first_name}} {{.}}\n"
        "{{#x}}{{y}}{{#z}}{{w}}{{/z}}{{/x}} {{! {{not_a_var}} }} {{items.0}}";
    assert_int_equal(tpl_compile("vars", text, &t, &e), 0);
    struct buf b;
    buf_init(&b, 0);
    tpl_each_var(t, collect, &b);
    assert_string_equal(b.ptr, "profile.first_name;event.products;vip;shop;x;items.0;");
    tpl_free(t);
    buf_reset(&b);
    assert_int_equal(tpl_compile("none", "plain {{.}}", &t, &e), 0);
    tpl_each_var(t, collect, &b);
    assert_string_equal(b.ptr, "");
    tpl_free(t);
    buf_release(&b);
}

/* ---- the text part -------------------------------------------------------------------- */

struct html_case {
    const char *html;
    const char *want;
};

static const struct html_case html_cases[] = {
    {"<p>Hello <b>Ann</b>,</p><p>Your order has shipped.</p>",
     "Hello Ann,\n\nYour order has shipped."},
    {"a<br>b<br/>c<BR />d<br><br>e", "a\nb\nc\nd\n\ne"},
    {"<a href=\"https://x.be/t?a=1&amp;b=2\">Track it</a>.", "Track it (https://x.be/t?a=1&b=2)."},
    {"See <a href='https://x.be'> our shop </a>now", "See our shop (https://x.be) now"},
    {"<a href=\"https://x.be\">https://x.be</a>", "https://x.be"},
    {"<a href=\"mailto:info@x.be\">info@x.be</a> <a href=\"tel:+3291234567\">call</a>",
     "info@x.be call (tel:+3291234567)"},
    {"<a href=\"#top\">Top</a> <a href=\"javascript:void(0)\">x</a> <a name=\"n\">y</a>",
     "Top x y"},
    {"<a href=\"https://x.be\"><img src=\"logo.png\" alt=\"Shop now\"></a>",
     "Shop now (https://x.be)"},
    {"<a href=\"https://x.be/u\"><img src=\"logo.png\"></a>", "https://x.be/u"},
    {"<a href=https://x.be/a>unquoted</a>", "unquoted (https://x.be/a)"},
    /* a URL over several lines (found by fuzz_template) */
    {"<a href=\"https://x.be/\n\n\n  a&#10;b\">x</a>", "x (https://x.be/  a b)"},
    {"&amp; &lt; &gt; &quot; &#39; &apos; a&nbsp;b &#233;&#xE9;&#XE9; &euro; &hellip;",
     "& < > \" ' ' a b ééé € …"},
    {"&bogus; & x &#; &#xZZ; &amp &#0; &#x110000;",
     "&bogus; & x &#; &#xZZ; &amp \xef\xbf\xbd \xef\xbf\xbd"},
    {"<style>p { color: red }</style><script>if (a < b) alert(1)</script>Hi", "Hi"},
    {"<STYLE type=\"text/css\">x</STYLE>Hi<title>Subject</title>!", "Hi!"},
    {"<div><p>a</p></div><div></div><p></p><br><br><br>b", "a\n\nb"},
    {"  \n <p>\n   Hello\n   world  </p>\n\n ", "Hello world"},
    {"<h1>Title</h1><ul><li>One</li><li>Two</li></ul><p>End</p>", "Title\n\n- One\n- Two\n\nEnd"},
    {"<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>x", "a b\nc\n\nx"},
    {"<!DOCTYPE html><!-- note --><html><head><meta charset=\"utf-8\"></head><body>x</body></html>",
     "x"},
    {"<!--[if mso]><table><tr><td><![endif]-->x<!--[if mso]></td></tr></table><![endif]-->", "x"},
    {"a < b and c > d, 1<2", "a < b and c > d, 1<2"},
    {"a <b", "a"},
    {"a<!-- never closed", "a"},
    {"<P>A</P><Br>B<hr>C", "A\n\nB\n\nC"},
    {"<div>one</div><div>two</div>", "one\ntwo"},
    {"<p title=\"a > b\">x</p>", "x"},
    {"", ""},
    {"<p> </p>&nbsp;<br>", ""},
    {"<p>Prix : 1&nbsp;234,50&nbsp;€</p>", "Prix : 1 234,50 €"},
    /* the example of docs/templates.md */
    {"<h1>Hi Ann,</h1>\n<p>Your order has shipped.</p>\n<ul><li>Shoes</li><li>Socks</li></ul>\n"
     "<p><a href=\"https://shop.example/t/42\">Track it</a><br>The Shop</p>\n",
     "Hi Ann,\n\nYour order has shipped.\n\n- Shoes\n- Socks\n\n"
     "Track it (https://shop.example/t/42)\nThe Shop"},
};

static void test_text_from_html(void **state)
{
    (void)state;
    int failures = 0;
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < sizeof(html_cases) / sizeof(html_cases[0]); i++) {
        buf_reset(&out);
        int rc = tpl_text_from_html(html_cases[i].html, &out);
        if (rc || strcmp(out.ptr, html_cases[i].want)) {
            print_error("html case %zu \"%s\": got \"%s\" (rc %d), want \"%s\"\n", i,
                        html_cases[i].html, out.ptr, rc, html_cases[i].want);
            failures++;
        }
    }
    buf_release(&out);
    assert_int_equal(failures, 0);
}

static void test_text_from_html_limit(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 8);
    buf_adds(&out, "pre");
    assert_int_equal(tpl_text_from_html("<p>a</p>", &out), 0);
    assert_string_equal(out.ptr, "prea");
    assert_int_equal(tpl_text_from_html("<p>hello world</p>", &out), ERR_TOO_BIG);
    assert_string_equal(out.ptr, "prea");
    buf_release(&out);
}

/* The whole path of an e-mail: render the HTML, then derive its text part. */
static void test_html_then_text(void **state)
{
    (void)state;
    const char *html = "<html><head><style>td { padding: 0 }</style></head><body>\n"
                       "  <h1>Hi {{first_name | default: \"there\"}},</h1>\n"
                       "  <p>Your order of {{date | date}}:</p>\n"
                       "  <ul>\n"
                       "  {{#lines}}\n"
                       "    <li>{{name}}: {{price | currency: \"EUR\"}}</li>\n"
                       "  {{/lines}}\n"
                       "  </ul>\n"
                       "  {{^lines}}<p>Nothing.</p>{{/lines}}\n"
                       "  <p><a href=\"https://shop.example/o/{{id}}?l={{lang}}&amp;x=1\">See "
                       "it</a></p>\n"
                       "</body></html>\n";
    struct tpl *t;
    struct errbuf e = {0};
    assert_int_equal(tpl_compile("order", html, &t, &e), 0);
    json_t *data =
        json_pack("{s:s, s:s, s:i, s:s, s:[{s:s,s:f},{s:s,s:f}]}", "first_name", "Zoë & Co", "date",
                  "2026-05-01", "id", 42, "lang", "fr", "lines", "name", "Pull <laine>", "price",
                  59.0, "name", "Bonnet", "price", 1234.5);
    struct buf out, text;
    buf_init(&out, 0);
    buf_init(&text, 0);
    assert_int_equal(
        tpl_render(t, data, &(struct tpl_opts){.html = true, .locale = "fr-BE"}, &out, &e), 0);
    assert_non_null(strstr(out.ptr, "<h1>Hi Zoë &amp; Co,</h1>"));
    assert_non_null(strstr(out.ptr, "<li>Pull &lt;laine&gt;: 59,00" NB "€</li>"));
    assert_null(strstr(out.ptr, "Nothing"));
    assert_int_equal(tpl_text_from_html(out.ptr, &text), 0);
    assert_string_equal(text.ptr, "Hi Zoë & Co,\n\n"
                                  "Your order of 1er mai 2026:\n\n"
                                  "- Pull <laine>: 59,00" NB "€\n"
                                  "- Bonnet: 1" NB "234,50" NB "€\n\n"
                                  "See it (https://shop.example/o/42?l=fr&x=1)");
    tpl_free(t);
    buf_release(&out);
    buf_release(&text);
    json_decref(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_table),   cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_depth),          cmocka_unit_test(test_text_size),
        cmocka_unit_test(test_output_limit),   cmocka_unit_test(test_step_budget),
        cmocka_unit_test(test_reuse),          cmocka_unit_test(test_each_var),
        cmocka_unit_test(test_text_from_html), cmocka_unit_test(test_text_from_html_limit),
        cmocka_unit_test(test_html_then_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
