/*
 * provider.h — SMS, push, wallet and in-app messages through an HTTP
 * provider that the workspace configures (issue 7):
 *
 *   CHANNEL.url      where to POST (https://api.sms.example/v1/messages)
 *   CHANNEL.headers  a JSON object of headers ({"Authorization": "Bearer ..."});
 *                    a secret: never printed
 *   CHANNEL.body     a template of the JSON body, over {{message_id}},
 *                    {{profile_id}}, {{channel}}, {{to}}, {{subject}},
 *                    {{text}} (each already escaped for a JSON string:
 *                    write "{{text}}"); default: all of them as an object
 *   CHANNEL.secret   signs each request (X-Rondo-Signature, as webhooks) and
 *                    checks the provider's delivery callbacks; a secret
 *
 * The dispatcher sends them one at a time, retried like webhooks. Delivery
 * reports come back to POST /api/v1/channels/{channel}/status, signed.
 */
#ifndef RONDO_CHANNEL_PROVIDER_H
#define RONDO_CHANNEL_PROVIDER_H

#include <jansson.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/err.h"

struct store;
struct store_queued;
struct tpl;

struct provider_cfg {
    char url[1024], secret[256];
    json_t *headers;  /* owned; an object, maybe empty */
    struct tpl *body; /* owned; NULL: the default body */
};

/* The channel's provider; false (nothing to release) when it has no url. */
bool provider_cfg_load(struct store *s, const char *channel, struct provider_cfg *c);
void provider_cfg_release(struct provider_cfg *c);

/* The JSON body for one queued message. ERR_INVALID when the template does not make JSON. */
int provider_body(const struct provider_cfg *c, const char *channel, const struct store_queued *q,
                  struct buf *out, struct errbuf *e);

/* Whether a channel has a provider (for the engine: queue, or keep in the outbox). */
bool provider_configured(struct store *s, const char *channel);

#endif
