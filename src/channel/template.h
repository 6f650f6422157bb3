/*
 * template.h — rondo's message templates: a logic-less, mustache-style
 * language for e-mail bodies, text parts, SMS and subjects.
 *
 * A template is compiled once (tpl_compile) into a small tree and rendered
 * any number of times (tpl_render) against a Jansson data object, e.g.
 * {"profile": {...}, "event": {...}}. The language (docs/templates.md):
 *
 *   {{name}} {{profile.first_name}} {{event.products.0.name}}   variables
 *   {{{html}}} {{& html}}                                        not escaped
 *   {{#items}}...{{.}}...{{/items}}  {{^items}}...{{/items}}     sections
 *   {{first_name | default: "there"}} {{total | currency: "EUR"}} filters
 *   {{! a comment }}
 *
 * Filters: default: "text", upper, lower, date, number, currency: "XXX";
 * date, number and currency follow the locale of the render (en, nl, fr,
 * de). No partials, lambdas or delimiter changes.
 *
 * A compiled template is immutable: one may be rendered by several threads
 * at once.
 */
#ifndef RONDO_TEMPLATE_H
#define RONDO_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define TPL_MAX_TEXT ((size_t)256 * 1024) /* bytes of template text */
#define TPL_MAX_DEPTH 32                  /* sections inside sections */
#define TPL_MAX_STEPS 2000000L            /* tags and texts visited by one render */

struct tpl;

/*
 * Compile text (NUL-terminated, UTF-8) into *out; the caller frees it with
 * tpl_free. name (NULL: "") names the template in error messages and is
 * copied. On failure *out is NULL, e->field is "template" and e->msg says
 * where: `template "welcome" line 3 col 5: section "items" opened here is
 * never closed` (line and column count from 1, columns in characters).
 * Errors: ERR_INVALID for the syntax (unclosed tag or section, a closing tag
 * that does not match, unknown filter or a filter's wrong value, a bad name,
 * sections nested deeper than TPL_MAX_DEPTH, partials, delimiter changes);
 * ERR_TOO_BIG for a text longer than TPL_MAX_TEXT.
 */
int tpl_compile(const char *name, const char *text, struct tpl **out, struct errbuf *e);

struct tpl_opts {
    bool html;          /* escape variables for HTML (& < > " '); false: text, nothing escaped */
    const char *locale; /* "nl", "fr-BE", "de_DE": the language decides; NULL or unknown: en */
};

/*
 * Append the rendering of t against data (borrowed; NULL renders like an
 * empty object) to out. o NULL means text mode in English. Missing values
 * render as "", and so do objects and arrays in a variable tag.
 * Errors (e->field "template"): ERR_TOO_BIG when the output would pass out's
 * maximum or the render visits more than TPL_MAX_STEPS tags and texts
 * (sections over long lists nested deep). On failure out is left as it was.
 */
int tpl_render(const struct tpl *t, const json_t *data, const struct tpl_opts *o, struct buf *out,
               struct errbuf *e);

/* Free a compiled template. Accepts NULL. */
void tpl_free(struct tpl *t);

/*
 * Whether one part of a message template ("subject", "body", "html") is
 * fit to save: it compiles, and a subject holds no line break. ERR_INVALID
 * with e->field the part. NULL text is fine (an absent part).
 */
int tpl_check_part(const char *name, const char *part, const char *text, struct errbuf *e);

/*
 * Call fn once for each distinct path the template reads from the top of the
 * data ("profile.first_name", "event", "items"), in order of first use:
 * variable and section names outside any {{#section}} (inside an inverted
 * section too, which does not change the context). Names inside a
 * {{#section}} are looked up in the section's value first and are not
 * reported. path is borrowed for the call.
 */
void tpl_each_var(const struct tpl *t, void (*fn)(void *ctx, const char *path), void *ctx);

/*
 * Append a plain-text version of an HTML document to out, for the text part
 * of an e-mail: tags dropped (and the content of <style>, <script> and
 * <title>), white space collapsed as a browser does, links as "text (url)",
 * an image's alt text kept, <br> a new line, the end of a paragraph,
 * heading, list or table a blank line, the end of a div, list item or table
 * row a new line, list items bulleted "- ", entities decoded (&nbsp; as a
 * plain space), at most one blank line in a row, no white space at either
 * end. 0, or ERR_TOO_BIG (out left as it was) past out's maximum.
 */
int tpl_text_from_html(const char *html, struct buf *out);

#endif
