/*
 * quality.h — the data-quality report (docs/quality.md): per source and
 * field, completeness and validity before and after cleaning, corrections,
 * duplicates within and across sources, and the quarantine by reason.
 */
#ifndef RONDO_QUALITY_H
#define RONDO_QUALITY_H

#include <jansson.h>
#include <stdio.h>

#include "base/buf.h"
#include "store/store.h"

/* The report as JSON ({records, quarantined, sources: [...]}). Caller decrefs. */
int quality_report(struct store *s, json_t **out, struct errbuf *e);

/* Render it as aligned text, or as a self-contained HTML page. */
void quality_render_text(json_t *report, FILE *out);
int quality_render_html(json_t *report, struct buf *b);

#endif
