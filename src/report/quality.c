/*
 * quality.c — the data-quality report: the store's figures (store_quality)
 * turned into rates before and after cleaning, and rendered as JSON, text
 * or a self-contained HTML page.
 *
 * Per source and field:
 *   completeness before = present / records      (the source gave a value)
 *   validity before     = valid_as_given / present (valid exactly as given)
 *   completeness after  = clean / records        (a valid value after cleaning)
 *   validity after      = given_and_clean / present (given values usable after cleaning)
 */
#include "report/quality.h"

#include <stdio.h>
#include <string.h>

static double ratio(json_int_t a, json_int_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static json_int_t geti(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

int quality_report(struct store *s, json_t **out, struct errbuf *e)
{
    json_t *sources;
    int rc = store_quality(s, &sources, e);
    if (rc)
        return rc;
    size_t i;
    json_t *src;
    json_int_t total = 0, quarantined = 0;
    json_array_foreach(sources, i, src) {
        json_int_t records = geti(src, "records");
        total += records;
        const char *k;
        json_t *f;
        json_object_foreach(json_object_get(src, "fields"), k, f) {
            json_int_t present = geti(f, "present"), valid = geti(f, "valid_as_given"),
                       clean = geti(f, "clean"), given_clean = geti(f, "given_and_clean");
            json_object_set_new(f, "before", json_pack("{s:f, s:f}", "completeness",
                                                       ratio(present, records), "validity",
                                                       ratio(valid, present)));
            json_object_set_new(f, "after", json_pack("{s:f, s:f}", "completeness",
                                                      ratio(clean, records), "validity",
                                                      ratio(given_clean, present)));
        }
        size_t j;
        json_t *q;
        json_array_foreach(json_object_get(src, "quarantine"), j, q)
            quarantined += geti(q, "count");
    }
    *out = json_pack("{s:I, s:I, s:o}", "records", total, "quarantined", quarantined, "sources",
                     sources);
    return 0;
}

static void pct(char *out, size_t n, double v)
{
    snprintf(out, n, "%5.1f%%", v * 100);
}

static double rate(json_t *f, const char *when, const char *what)
{
    return json_real_value(json_object_get(json_object_get(f, when), what));
}

void quality_render_text(json_t *rep, FILE *out)
{
    fprintf(out, "Data quality: %lld current records, %lld rows in the quarantine\n",
            (long long)geti(rep, "records"), (long long)geti(rep, "quarantined"));
    size_t i;
    json_t *src;
    json_array_foreach(json_object_get(rep, "sources"), i, src) {
        json_t *d = json_object_get(src, "duplicates");
        fprintf(out, "\n== %s: %lld records; sharing an e-mail or phone: %lld within the source, "
                     "%lld with another source\n",
                json_string_value(json_object_get(src, "source")),
                (long long)geti(src, "records"), (long long)geti(d, "within_source"),
                (long long)geti(d, "across_sources"));
        fprintf(out, "  %-14s %-21s %-21s %10s\n", "", "before cleaning", "after cleaning", "");
        fprintf(out, "  %-14s %10s %10s %10s %10s %10s\n", "field", "complete", "valid",
                "complete", "valid", "corrected");
        const char *k;
        json_t *f;
        json_object_foreach(json_object_get(src, "fields"), k, f) {
            if (!geti(f, "present") && !geti(f, "clean"))
                continue;
            char a[16], b[16], c[16], dd[16];
            pct(a, sizeof(a), rate(f, "before", "completeness"));
            pct(b, sizeof(b), rate(f, "before", "validity"));
            pct(c, sizeof(c), rate(f, "after", "completeness"));
            pct(dd, sizeof(dd), rate(f, "after", "validity"));
            fprintf(out, "  %-14s %10s %10s %10s %10s %10lld\n", k, a, b, c, dd,
                    (long long)geti(f, "corrected"));
        }
        static const char *const lists[] = {"corrections", "invalid", "quarantine"};
        static const char *const titles[] = {"corrections by rule", "invalid values (left out)",
                                             "quarantined rows"};
        for (int l = 0; l < 3; l++) {
            json_t *arr = json_object_get(src, lists[l]);
            if (!json_array_size(arr))
                continue;
            fprintf(out, "  %s:\n", titles[l]);
            size_t j;
            json_t *r;
            json_array_foreach(arr, j, r) {
                if (j == 12) {
                    fprintf(out, "    ... %zu more (--format json lists all)\n",
                            json_array_size(arr) - 12);
                    break;
                }
                const char *a = json_string_value(json_object_get(r, l == 2 ? "kind" : "field"));
                const char *b = json_string_value(
                    json_object_get(r, l == 0 ? "rule" : l == 1 ? "reason" : "class"));
                fprintf(out, "    %8lld  %-16s %s\n", (long long)geti(r, "count"), a ? a : "",
                        b ? b : "");
            }
        }
    }
}

static void html_text(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': buf_adds(b, "&lt;"); break;
        case '>': buf_adds(b, "&gt;"); break;
        case '&': buf_adds(b, "&amp;"); break;
        case '"': buf_adds(b, "&quot;"); break;
        default: buf_addch(b, *s);
        }
    }
}

static void html_pct(struct buf *b, double v)
{
    const char *cls = v >= 0.95 ? "good" : v >= 0.8 ? "fair" : "poor";
    buf_addf(b, "<td class=\"%s\">%.1f%%</td>", cls, v * 100);
}

int quality_render_html(json_t *rep, struct buf *b)
{
    buf_adds(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<title>rondo: data quality</title><style>"
                "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
                "table{border-collapse:collapse;margin:.5em 0 1.5em}"
                "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
                "th:first-child,td:first-child{text-align:left}"
                ".good{background:#e3f4e3}.fair{background:#fff4d6}.poor{background:#fbe0e0}"
                "</style></head><body><h1>Data quality</h1>");
    buf_addf(b, "<p>%lld current records; %lld rows in the quarantine.</p>",
             (long long)geti(rep, "records"), (long long)geti(rep, "quarantined"));
    size_t i;
    json_t *src;
    json_array_foreach(json_object_get(rep, "sources"), i, src) {
        json_t *d = json_object_get(src, "duplicates");
        buf_adds(b, "<h2>");
        html_text(b, json_string_value(json_object_get(src, "source")));
        buf_addf(b, "</h2><p>%lld records; sharing an e-mail or phone: %lld within the source, "
                    "%lld with another source.</p>",
                 (long long)geti(src, "records"), (long long)geti(d, "within_source"),
                 (long long)geti(d, "across_sources"));
        buf_adds(b, "<table><tr><th rowspan=2>field</th><th colspan=2>before cleaning</th>"
                    "<th colspan=2>after cleaning</th><th rowspan=2>corrected</th></tr>"
                    "<tr><th>complete</th><th>valid</th><th>complete</th><th>valid</th></tr>");
        const char *k;
        json_t *f;
        json_object_foreach(json_object_get(src, "fields"), k, f) {
            if (!geti(f, "present") && !geti(f, "clean"))
                continue;
            buf_adds(b, "<tr><td>");
            html_text(b, k);
            buf_adds(b, "</td>");
            html_pct(b, rate(f, "before", "completeness"));
            html_pct(b, rate(f, "before", "validity"));
            html_pct(b, rate(f, "after", "completeness"));
            html_pct(b, rate(f, "after", "validity"));
            buf_addf(b, "<td>%lld</td></tr>", (long long)geti(f, "corrected"));
        }
        buf_adds(b, "</table>");
        static const char *const lists[] = {"corrections", "invalid", "quarantine"};
        static const char *const titles[] = {"Corrections by rule", "Invalid values (left out)",
                                             "Quarantined rows"};
        for (int l = 0; l < 3; l++) {
            json_t *arr = json_object_get(src, lists[l]);
            if (!json_array_size(arr))
                continue;
            buf_addf(b, "<h3>%s</h3><table><tr><th>%s</th><th>%s</th><th>rows</th></tr>",
                     titles[l], l == 2 ? "kind" : "field", l == 0 ? "rule" : "reason");
            size_t j;
            json_t *r;
            json_array_foreach(arr, j, r) {
                buf_adds(b, "<tr><td>");
                html_text(b, json_string_value(json_object_get(r, l == 2 ? "kind" : "field")));
                buf_adds(b, "</td><td>");
                html_text(b, json_string_value(
                                 json_object_get(r, l == 0 ? "rule" : l == 1 ? "reason" : "class")));
                buf_addf(b, "</td><td>%lld</td></tr>", (long long)geti(r, "count"));
            }
            buf_adds(b, "</table>");
        }
    }
    buf_adds(b, "</body></html>\n");
    return 0;
}
