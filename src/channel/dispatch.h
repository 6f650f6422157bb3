/*
 * dispatch.h — sending what scenarios queue (issue 6: webhooks; issue 7 adds
 * the channels with a provider). A thread in `rondo serve` looks every
 * second for queued messages whose attempt is due, sends each with libcurl,
 * and records the outcome through the writer.
 *
 * Webhooks: an HTTP POST of the run's data (JSON), with
 *   Content-Type: application/json
 *   Idempotency-Key: rondo-run-RUN-step-STEP   (the same on every attempt)
 *   X-Rondo-Signature: t=UNIX_SECONDS,v1=HEX   HMAC-SHA256 of "UNIX_SECONDS.BODY"
 * keyed with the workspace's webhook_secret setting (or webhook_secret.NAME
 * for a node's "secret": "NAME"). A 2xx is delivered; a 408, 429, 5xx or a
 * network error is tried again after 30 s, 2 min, 8 min, 32 min, 2 h and
 * 8.5 h, then failed; any other status fails at once. A crash between the
 * POST and the record of its outcome sends it again on restart: at least
 * once, with the same Idempotency-Key for the receiver to drop the second.
 */
#ifndef RONDO_CHANNEL_DISPATCH_H
#define RONDO_CHANNEL_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct dispatch;
struct writer;
struct store_pool;

#define DISPATCH_MAX_ATTEMPTS 7

/* Start the thread. The writer and pool are borrowed and must outlive it. */
int dispatch_start(struct writer *w, struct store_pool *readers, struct dispatch **out,
                   struct errbuf *e);

/* Stop the thread (the attempt under way finishes) and free; accepts NULL. Before the writer stops. */
void dispatch_stop(struct dispatch *d);

/* The signature header's value for body at unix time t with key (hex text): out >= 100 bytes. */
void dispatch_sign(const char *key, int64_t t, const char *body, size_t len, char *out,
                   size_t outlen);

#endif
