/*
 * provider.c — an HTTP provider's settings and request body (provider.h).
 */
#include "channel/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/template.h"
#include "store/store.h"

static void setting(struct store *s, const char *channel, const char *key, char **out)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", channel, key);
    *out = NULL;
    if (store_setting_get(s, name, out))
        *out = NULL;
}

bool provider_configured(struct store *s, const char *channel)
{
    char *url;
    setting(s, channel, "url", &url);
    bool on = url && *url;
    free(url);
    return on;
}

bool provider_cfg_load(struct store *s, const char *channel, struct provider_cfg *c)
{
    memset(c, 0, sizeof(*c));
    char *url, *secret, *headers, *body;
    setting(s, channel, "url", &url);
    if (!url || !*url) {
        free(url);
        return false;
    }
    setting(s, channel, "secret", &secret);
    setting(s, channel, "headers", &headers);
    setting(s, channel, "body", &body);
    snprintf(c->url, sizeof c->url, "%s", url);
    snprintf(c->secret, sizeof c->secret, "%s", secret ? secret : "");
    c->headers = headers ? json_loads(headers, 0, NULL) : NULL;
    if (!json_is_object(c->headers)) {
        json_decref(c->headers);
        c->headers = json_object();
    }
    struct errbuf e = {{0}, {0}};
    if (body && tpl_compile("provider body", body, &c->body, &e))
        c->body = NULL; /* checked when set: cannot happen but for a hand-edited workspace */
    free(url);
    free(secret);
    free(headers);
    free(body);
    return true;
}

void provider_cfg_release(struct provider_cfg *c)
{
    json_decref(c->headers);
    tpl_free(c->body);
    memset(c, 0, sizeof(*c));
}

/* s as the inside of a JSON string (no quotes): "a\"b" -> a\"b. */
static json_t *escaped(const char *s)
{
    json_t *str = json_string(s ? s : "");
    char *dumped = json_dumps(str, JSON_ENCODE_ANY);
    json_decref(str);
    if (!dumped)
        return json_string("");
    size_t n = strlen(dumped);
    dumped[n - 1] = '\0'; /* the closing quote */
    json_t *out = json_string(dumped + 1);
    free(dumped);
    return out;
}

int provider_body(const struct provider_cfg *c, const char *channel, const struct store_queued *q,
                  struct buf *out, struct errbuf *e)
{
    if (!c->body) {
        json_t *o = json_pack("{s:I, s:I, s:s, s:s?, s:s?, s:s?}", "message_id",
                              (json_int_t)q->id, "profile_id", (json_int_t)q->profile_id,
                              "channel", channel, "to", q->address, "subject", q->subject,
                              "text", q->body);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        int rc = text ? buf_adds(out, text) : ERR_NOMEM;
        free(text);
        return rc;
    }
    char num[24], pid[24];
    snprintf(num, sizeof num, "%lld", (long long)q->id);
    snprintf(pid, sizeof pid, "%lld", (long long)q->profile_id);
    json_t *data = json_object();
    json_object_set_new(data, "message_id", json_string(num));
    json_object_set_new(data, "profile_id", json_string(pid));
    json_object_set_new(data, "channel", json_string(channel));
    json_object_set_new(data, "to", escaped(q->address));
    json_object_set_new(data, "subject", escaped(q->subject));
    json_object_set_new(data, "text", escaped(q->body));
    struct tpl_opts o = {.html = false, .locale = NULL};
    int rc = tpl_render(c->body, data, &o, out, e);
    json_decref(data);
    if (rc)
        return rc;
    json_t *check = json_loads(out->ptr, 0, NULL);
    if (!check)
        return err_field(e, ERR_INVALID, "body", "the provider body template makes no JSON");
    json_decref(check);
    return 0;
}
