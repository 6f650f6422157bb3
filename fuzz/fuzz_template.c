/*
 * fuzz_template.c — libFuzzer target for message templates (src/channel/template.h).
 *
 * The first byte picks the mode (bit 0: HTML) and the locale (bits 1-3: en,
 * nl, fr, de, fr-BE, NL_nl, xx, none); the rest is a template's text.
 * tpl_compile either refuses it — ERR_INVALID, no template, field
 * "template", a message `template "fuzz" line L col C: ...` pointing inside
 * the text; or ERR_TOO_BIG for a text over the limit — or returns a template
 * that renders against a fixed data object: 0, or ERR_TOO_BIG with the
 * output left as it was. A second render gives the same output, and every
 * path tpl_each_var reports is a name written in the text. The text is also
 * read as HTML by tpl_text_from_html, whose output has no white space at
 * either end and never two blank lines in a row.
 * A broken contract aborts, so that libFuzzer keeps the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "channel/template.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#define OUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const data_json =
    "{\"name\": \"Ann <&> 'x' \\\"y\\\"\", \"shop\": \"Rondo\","
    " \"profile\": {\"first_name\": \"Zoë\", \"vip\": true, \"points\": 0, \"city\": \"Gent\","
    "   \"empty\": \"\", \"nothing\": null},"
    " \"event\": {\"at\": \"2026-12-24T10:00:00+01:00\", \"products\": ["
    "   {\"name\": \"Shoes\", \"price\": 79.9}, {\"name\": \"Socks\", \"price\": 4.5,"
    "    \"tags\": [\"a\", \"b\"]}]},"
    " \"items\": [\"a\", \"b\", \"c\"], \"empty\": [], \"obj\": {\"k\": \"v\", \"n\": null},"
    " \"yes\": true, \"no\": false, \"zero\": 0, \"nothing\": null,"
    " \"day\": \"2026-01-01\", \"bad_day\": \"2026-13-01\", \"amount\": -1234.567,"
    " \"max\": 9223372036854775807, \"min\": -9223372036854775808, \"huge\": -1.7e308,"
    " \"tiny\": 5e-324, \"s\": \"1234.5\", \"text\": \"ÉLAN ß İ \\u0000 nul\","
    " \"nested\": {\"a\": {\"b\": {\"c\": [1, [2, [3, {\"d\": \"deep\"}]]]}}}}";

static const char *const locales[8] = {"en", "nl", "fr", "de", "fr-BE", "NL_nl", "xx", NULL};

static json_t *fixed_data(void)
{
    static json_t *data;
    if (!data) {
        data = json_loads(data_json, JSON_ALLOW_NUL, NULL);
        CHECK(data != NULL);
    }
    return data;
}

/* An error points inside the text: line 1..lines, column 1... */
static void check_error(const char *text, int rc, const struct errbuf *e)
{
    CHECK(!strcmp(e->field, "template"));
    if (rc == ERR_TOO_BIG) {
        CHECK(strlen(text) > TPL_MAX_TEXT);
        return;
    }
    CHECK(rc == ERR_INVALID);
    int line = 0, col = 0, lines = 1;
    CHECK(sscanf(e->msg, "template \"fuzz\" line %d col %d: ", &line, &col) == 2);
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CHECK(line >= 1 && line <= lines);
    CHECK(col >= 1);
}

static void check_var(void *ctx, const char *path)
{
    const char *text = ctx;
    size_t n = strlen(path);
    CHECK(n > 0 && path[0] != '.' && path[n - 1] != '.');
    CHECK(strstr(text, path) != NULL);
}

static void check_render(const struct tpl *t, const char *text, const struct tpl_opts *o)
{
    struct buf out, again;
    struct errbuf e = {{0}, {0}};
    buf_init(&out, OUT_MAX);
    buf_init(&again, OUT_MAX);
    int rc = tpl_render(t, fixed_data(), o, &out, &e);
    CHECK(rc == 0 || rc == ERR_TOO_BIG);
    if (rc) {
        CHECK(out.len == 0 && out.ptr[0] == '\0');
        CHECK(!strcmp(e.field, "template") && e.msg[0]);
    } else {
        CHECK(out.len <= OUT_MAX);
        CHECK(tpl_render(t, fixed_data(), o, &again, &e) == 0);
        CHECK(again.len == out.len && !memcmp(again.ptr, out.ptr, out.len));
    }
    tpl_each_var(t, check_var, (void *)text);
    buf_release(&again);
    buf_release(&out);
}

static void check_text_part(const char *html)
{
    struct buf out;
    buf_init(&out, OUT_MAX);
    int rc = tpl_text_from_html(html, &out);
    CHECK(rc == 0 || rc == ERR_TOO_BIG);
    if (rc) {
        CHECK(out.len == 0);
    } else if (out.len) {
        CHECK(strchr(" \t\r\n", out.ptr[0]) == NULL);
        CHECK(strchr(" \t\r\n", out.ptr[out.len - 1]) == NULL);
        CHECK(strstr(out.ptr, "\n\n\n") == NULL);
    }
    buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > TPL_MAX_TEXT + 64)
        return 0;
    struct tpl_opts o = {.html = data[0] & 1, .locale = locales[(data[0] >> 1) & 7]};
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    struct tpl *t = (struct tpl *)text;
    struct errbuf e = {{0}, {0}};
    int rc = tpl_compile("fuzz", text, &t, &e);
    if (rc) {
        CHECK(t == NULL);
        check_error(text, rc, &e);
    } else {
        CHECK(t != NULL);
        check_render(t, text, &o);
        tpl_free(t);
    }
    check_text_part(text);
    free(text);
    return 0;
}
