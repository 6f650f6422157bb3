/*
 * run.c — a run's steps: from the node it is at until it waits or ends.
 *
 * Each step is one row of the ledger (run_steps, keyed by run and seq)
 * written with the step's effect in the caller's transaction; the run's
 * state is written once at the end. A run that is resumed picks up at its
 * node: a wait passes it, a wait_for takes the exit of what happened, a task
 * goes on once resolved. Goals are looked at before every step.
 *
 * Ledger outcomes: a node passed ("passed", "yes", "no", "happened",
 * "timed_out", a split branch's name, a send's status), or the end of the
 * run there ("end:exit", "end:converted", "end:holdout", "end:completed").
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/tz.h"
#include "base/xalloc.h"
#include "channel/template.h"
#include "channel/track.h"
#include "scenario/internal.h"
#include "segment/engine.h"
#include "segment/world.h"

#define MAX_STEPS 256 /* per advance: a run that takes more goes on at the next tick */

static const char *const state_names[] = {"ready", "waiting", "event", "task", "done"};

const char *sc_state_name(enum sc_state st)
{
    return state_names[st];
}

static int step(struct sc_engine *g, struct store *s, struct sc_run *r, const char *node,
                const char *outcome, int64_t now, struct errbuf *e)
{
    int rc = store_run_step(s, r->id, ++r->seq, node, outcome, now);
    if (rc)
        return err_set(e, rc, "run %lld: writing step %lld at \"%s\": %s", (long long)r->id,
                       (long long)r->seq, node, store_last_error(s));
    g->st->steps++;
    return 0;
}

static void end(struct sc_engine *g, struct sc_run *r, const char *outcome, int64_t now)
{
    r->state = SC_DONE;
    r->outcome = outcome;
    r->wake_at = 0;
    r->ended_at = now;
    g->st->ended++;
}

/* ---- goals ----------------------------------------------------------------------------- */

bool sc_goal_met(struct sc_engine *g, const struct sc_def *d, const struct sc_run *r, int64_t now,
                 int *goal)
{
    for (int i = 0; i < d->ngoals; i++) {
        bool yes = false;
        if (!sg_engine_eval_since(g->sg, d->nodes[d->goals[i]].rule, r->profile_id, now,
                                  r->entered_at, &yes) &&
            yes) {
            *goal = d->goals[i];
            return true;
        }
    }
    return false;
}

/* ---- time ------------------------------------------------------------------------------ */

/* The profile's time zone: its "timezone" attribute when valid, else the workspace's. */
static const char *zone_of(struct sc_engine *g, const struct sg_prof *p)
{
    const char *tz = p ? json_string_value(json_object_get(p->attributes, "timezone")) : NULL;
    if (tz && !tz_check(tz, NULL))
        return tz;
    return sg_engine_timezone(g->sg);
}

/* The next moment at or after now when the clock in zone tz reads minute (of the day). */
static int64_t next_time_of_day(const char *tz, int64_t now, int minute)
{
    const int64_t day = 86400000;
    int64_t local = now + (int64_t)tz_offset_at(tz, now) * 1000;
    int64_t midnight = local - ((local % day) + day) % day;
    for (int k = 0; k < 3; k++) {
        int64_t at = tz_to_utc(tz, midnight + k * day + (int64_t)minute * 60000);
        if (at >= now)
            return at;
    }
    return now;
}

/* Minutes after local midnight at now in zone tz. */
static int minute_of_day(const char *tz, int64_t now)
{
    const int64_t day = 86400000;
    int64_t local = now + (int64_t)tz_offset_at(tz, now) * 1000;
    return (int)((((local % day) + day) % day) / 60000);
}

bool sc_date_field(const struct sg_prof *p, const char *field, int64_t *days)
{
    const char *v = !strcmp(field, "birth_date")
                        ? p->str[SG_S_BIRTH_DATE]
                        : json_string_value(json_object_get(p->attributes, field + 11));
    int64_t ms;
    if (!v || strlen(v) < 10 || time_parse_iso8601(v, &ms))
        return false;
    *days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    return true;
}

/* When a wait node ends for this run; now when it has already. */
static int64_t wait_until(struct sc_engine *g, const struct sc_node *n, const struct sg_prof *p,
                          int64_t now)
{
    if (n->until_minute >= 0)
        return next_time_of_day(zone_of(g, p), now, n->until_minute);
    if (n->until_field) {
        int64_t days;
        if (!p || !sc_date_field(p, n->until_field, &days))
            return now; /* no date: nothing to wait for */
        return tz_to_utc(zone_of(g, p), days * 86400000) + n->offset_ms;
    }
    return now + n->duration_ms;
}

/* ---- send ------------------------------------------------------------------------------ */

struct sc_template *sc_template_for(struct sc_engine *g, struct store *s, const char *name,
                                    const char *language)
{
    /* "welcome.fr-be", then "welcome.fr", then "welcome" */
    char lang[16] = "";
    for (size_t i = 0; language && language[i] && i + 1 < sizeof lang; i++)
        lang[i] = (char)(language[i] == '_' ? '-' : tolower((unsigned char)language[i]));
    lang[sizeof lang - 1] = '\0';
    for (int k = 0; lang[0] && k < 2; k++) {
        char variant[SG_MAX_NAME + 20];
        snprintf(variant, sizeof variant, "%s.%s", name, lang);
        struct sc_template *t = sc_template(g, s, variant);
        if (t)
            return t;
        char *dash = strchr(lang, '-');
        if (!dash)
            break;
        *dash = '\0';
    }
    return sc_template(g, s, name);
}

bool sc_channel_queues(const struct sc_engine *g, int ch)
{
    return (ch == SC_CH_EMAIL && g->email_on) || (ch >= 0 && g->provider_on[ch]);
}

int sc_channel_index(const char *channel)
{
    static const char *const names[] = {"email", "sms", "push", "letter",
                                        "call", "wallet", "in_app", "outbox"};
    for (int i = 0; i < SC_CH_COUNT; i++)
        if (!strcmp(names[i], channel))
            return i;
    return -1;
}

json_t *sc_render_data(const struct sc_engine *g, struct store *s, const struct sg_prof *p,
                       const struct sc_run *r, bool with_order)
{
    static const char *const names[SG_S_COUNT] = {
        "first_name", "last_name", "gender", "birth_date", "language", "email", "phone",
        "street", "house_number", "postal_code", "city", "country", "lifecycle_stage", "source"};
    json_t *prof = json_object();
    json_object_set_new(prof, "id", json_integer(p->id));
    for (int i = 0; i < SG_S_COUNT; i++)
        if (p->str[i])
            json_object_set_new(prof, names[i], json_string(p->str[i]));
    if (p->attributes)
        json_object_set(prof, "attributes", p->attributes);
    json_t *run = json_pack("{s:I, s:s, s:s*}", "id", (json_int_t)r->id, "scenario",
                            r->scenario_name ? r->scenario_name : "", "branch",
                            r->branch[0] ? r->branch : NULL);
    json_t *data = json_pack("{s:o, s:o}", "profile", prof, "run", run);
    if (r->payload)
        json_object_set(data, "event", r->payload);
    json_t *order = NULL;
    if (with_order) {
        json_t *oid = json_object_get(json_object_get(r->payload, "properties"), "order_id");
        char buf[32];
        const char *ext = json_string_value(oid);
        if (json_is_integer(oid)) {
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(oid));
            ext = buf;
        }
        if (store_profile_order(s, p->id, ext, &order) && ext)
            store_profile_order(s, p->id, NULL, &order);
    }
    if (order)
        json_object_set_new(data, "order", order);
    if (g->public_url[0] && g->link_secret[0]) { /* the person's own page */
        char token[64], url[700];
        link_token(g->link_secret, LINK_PREFERENCES, p->id, NULL, token, sizeof token);
        snprintf(url, sizeof url, "%s/p/%s", g->public_url, token);
        json_object_set_new(data, "links", json_pack("{s:s}", "preferences", url));
    }
    return data;
}

static int render(const struct tpl *t, const json_t *data, bool html, const char *locale,
                  char **out, struct errbuf *e)
{
    *out = NULL;
    if (!t)
        return 0;
    struct buf b;
    buf_init(&b, 1u << 20);
    struct tpl_opts o = {.html = html, .locale = locale};
    int rc = tpl_render(t, data, &o, &b, e);
    if (!rc)
        *out = xstrdup(b.len ? b.ptr : "");
    buf_release(&b);
    return rc;
}

/* The address of a channel for a profile, or NULL. Letters: the address block on lines. */
static char *address_of(int ch, const struct sg_prof *p)
{
    /* the address the person chose on the preference page, else the golden one */
    const char *email = json_string_value(json_object_get(p->attributes, "preferred_email"));
    const char *phone = json_string_value(json_object_get(p->attributes, "preferred_phone"));
    if (!email)
        email = p->str[SG_S_EMAIL];
    if (!phone)
        phone = p->str[SG_S_PHONE];
    switch (ch) {
    case SC_CH_EMAIL:
    case SC_CH_OUTBOX:
        return email ? xstrdup(email) : NULL;
    case SC_CH_SMS:
    case SC_CH_CALL:
        return phone ? xstrdup(phone) : NULL;
    case SC_CH_LETTER: {
        if (!p->str[SG_S_STREET] || !p->str[SG_S_CITY])
            return NULL;
        struct buf b;
        buf_init(&b, 4096);
        buf_addf(&b, "%s%s%s\n%s%s%s\n%s%s%s%s%s", p->str[SG_S_FIRST_NAME] ? p->str[SG_S_FIRST_NAME] : "",
                 p->str[SG_S_FIRST_NAME] ? " " : "", p->str[SG_S_LAST_NAME] ? p->str[SG_S_LAST_NAME] : "",
                 p->str[SG_S_STREET], p->str[SG_S_HOUSE_NUMBER] ? " " : "",
                 p->str[SG_S_HOUSE_NUMBER] ? p->str[SG_S_HOUSE_NUMBER] : "",
                 p->str[SG_S_POSTAL_CODE] ? p->str[SG_S_POSTAL_CODE] : "",
                 p->str[SG_S_POSTAL_CODE] ? " " : "", p->str[SG_S_CITY],
                 p->str[SG_S_COUNTRY] ? "\n" : "", p->str[SG_S_COUNTRY] ? p->str[SG_S_COUNTRY] : "");
        char *out = xstrdup(b.ptr);
        buf_release(&b);
        return out;
    }
    default:
        return NULL; /* push, wallet, in_app: the provider addresses the profile (issue 7) */
    }
}

/* Whether the profile opted out of a consent channel as a whole ("post", "phone"). */
static bool opted_out(struct sc_engine *g, const struct sg_prof *p, const char *channel)
{
    struct sg_world *w = sg_engine_world(g->sg);
    uint32_t ch = sg_world_text_id(w, channel), none = sg_world_text_id(w, "");
    for (uint32_t i = 0; ch != UINT32_MAX && i < p->nconsents; i++)
        if (p->consents[i].channel == ch && p->consents[i].purpose == none &&
            !p->consents[i].opted_in)
            return true;
    return false;
}

/*
 * Whether the profile may receive this channel now: the consent rules of
 * docs/scenarios.md. Returns NULL, or the status that stops the message.
 */
static const char *may_send(struct sc_engine *g, struct store *s, int ch, const struct sg_prof *p,
                            const char *address, bool transactional, int64_t now)
{
    bool yes;
    /* a transactional message (an order confirmation) needs no marketing opt-in */
    if (!transactional && g->consent[ch] &&
        (sg_engine_eval(g->sg, g->consent[ch], p->id, now, &yes) || !yes))
        return "no_consent";
    if ((ch == SC_CH_LETTER && opted_out(g, p, "post")) ||
        (ch == SC_CH_CALL && opted_out(g, p, "phone")))
        return "no_consent";
    static const char *const names[] = {"email", "sms", "push", "letter",
                                        "call", "wallet", "in_app", "outbox"};
    if (address && store_suppressed(s, ch == SC_CH_OUTBOX ? "email" : names[ch], address))
        return "suppressed";
    /* the person's own pace, chosen on the preference page */
    const char *pace = json_string_value(json_object_get(p->attributes, "email_frequency"));
    int64_t window = !pace ? 0 : !strcmp(pace, "weekly") ? 7 * 86400000LL
                   : !strcmp(pace, "monthly")            ? 30 * 86400000LL
                                                         : 0;
    if (ch == SC_CH_EMAIL && window && !transactional) {
        int64_t n = 0;
        if (!store_message_count(s, p->id, "email", now - window, &n) && n >= 1)
            return "capped";
    }
    if (g->cap_n[ch] && !transactional) {
        int64_t n = 0;
        if (!store_message_count(s, p->id, names[ch], now - g->cap_ms[ch], &n) &&
            n >= g->cap_n[ch])
            return "capped";
    }
    return NULL;
}

static bool quiet_now(struct sc_engine *g, const struct sg_prof *p, int64_t now, int64_t *until)
{
    if (g->quiet_from < 0)
        return false;
    const char *tz = zone_of(g, p);
    int m = minute_of_day(tz, now);
    bool in = g->quiet_from <= g->quiet_to ? m >= g->quiet_from && m < g->quiet_to
                                           : m >= g->quiet_from || m < g->quiet_to;
    if (in)
        *until = next_time_of_day(tz, now, g->quiet_to);
    return in;
}

/*
 * A send step. *status: the message's status, which is the step's outcome;
 * *later > 0 when quiet hours hold the message back until then (no step).
 */
/*
 * The subject, HTML and text of template t for profile p in run r, as the
 * person would get them (the text derived from the HTML when the template
 * has none). Each out may be NULL afterwards (a part the template lacks).
 */
static int render_message(struct sc_engine *g, struct store *s, const struct sc_template *t,
                          const struct sg_prof *p, const struct sc_run *r, char **subject,
                          char **html, char **body, struct errbuf *e)
{
    json_t *data = sc_render_data(g, s, p, r, t->uses_order);
    const char *locale = p->str[SG_S_LANGUAGE];
    int rc = render(t->subject, data, false, locale, subject, e);
    if (!rc)
        rc = render(t->html, data, true, locale, html, e);
    if (!rc)
        rc = render(t->body, data, false, locale, body, e);
    json_decref(data);
    if (!rc && !*body && *html) { /* the text part, from the rendered HTML */
        struct buf b;
        buf_init(&b, 1u << 20);
        if (!tpl_text_from_html(*html, &b))
            *body = xstrdup(b.len ? b.ptr : "");
        buf_release(&b);
    }
    return rc;
}

int sc_preview(struct sc_engine *g, struct store *s, const char *template_name,
               int64_t profile_id, const json_t *data, json_t **out, struct errbuf *e)
{
    int64_t slot = sg_world_slot_of(sg_engine_world(g->sg), profile_id);
    const struct sg_prof *p = slot >= 0 ? sg_world_prof(sg_engine_world(g->sg), (uint32_t)slot)
                                        : NULL;
    if (!p || !p->live)
        return err_field(e, ERR_NOT_FOUND, "profile_id", "no live profile has the id %lld",
                         (long long)profile_id);
    struct sc_template *t = sc_template_for(g, s, template_name, p->str[SG_S_LANGUAGE]);
    if (!t)
        return err_field(e, ERR_NOT_FOUND, "name", "no template is named \"%s\"", template_name);
    if (t->error)
        return err_field(e, ERR_INVALID, "template", "%s", t->error);
    struct sc_run r = {.payload = (json_t *)data, .scenario_name = "preview"};
    char *subject = NULL, *html = NULL, *body = NULL;
    int rc = render_message(g, s, t, p, &r, &subject, &html, &body, e);
    if (!rc)
        *out = json_pack("{s:s, s:s, s:I, s:s*, s:s*, s:s*}", "template", t->name, "channel",
                         t->channel ? t->channel : "", "profile_id", (json_int_t)p->id, "subject",
                         subject, "text", body, "html", html);
    free(subject);
    free(html);
    free(body);
    return rc;
}

/*
 * One message to one profile, as a scenario's send step and a transactional
 * send (POST /api/v1/messages) both make it: address, consent (unless
 * transactional), suppression, cap, render, record. r: the run (its id and
 * step key the message), or a run-less struct for a transactional send.
 * *status: the message's status; *later > 0 when quiet hours hold it back
 * (nothing recorded). *id: the message's id.
 */
static int send_message(struct sc_engine *g, struct store *s, const char *channel,
                        const char *template_name, struct sc_run *r, const struct sg_prof *p,
                        bool transactional, bool per_household, int64_t now,
                        const char **status, int64_t *later, int64_t *id, struct errbuf *e)
{
    *later = 0;
    int ch = sc_channel_index(channel);
    if (ch < 0)
        BUG("channel \"%s\" passed validation", channel);
    if (!transactional && ch != SC_CH_OUTBOX && quiet_now(g, p, now, later))
        return 0;
    char *address = address_of(ch, p);
    const char *stop = NULL;
    if (!address && (ch == SC_CH_EMAIL || ch == SC_CH_SMS || ch == SC_CH_LETTER || ch == SC_CH_CALL))
        stop = "no_address"; /* push, wallet and in-app reach the app, not an address */
    if (!stop)
        stop = may_send(g, s, ch, p, address, transactional, now);
    /* one letter per household and template a day, when the scenario asks for it */
    if (!stop && per_household && p->household_id &&
        store_household_letter_since(s, p->household_id, template_name,
                                     now - ((now % 86400000) + 86400000) % 86400000))
        stop = "merged_household";
    struct store_message m = {
        .profile_id = p->id, .run_id = r->id, .step = r->seq + 1, .scenario_id = r->scenario_id,
        .channel = channel, .template_name = template_name, .address = address,
        .created_at = now,
    };
    char *subject = NULL, *body = NULL, *html = NULL;
    int rc = 0;
    if (!stop) {
        struct sc_template *t = sc_template_for(g, s, template_name, p->str[SG_S_LANGUAGE]);
        if (!t || t->error || render_message(g, s, t, p, r, &subject, &html, &body, e)) {
            stop = "template_error";
            err_clear(e);
        }
    }
    /* to the dispatcher when the channel has a server or provider; else the outbox keeps it */
    bool queued = sc_channel_queues(g, ch);
    m.status = stop ? stop : queued ? "queued" : "stored";
    m.subject = subject;
    m.body = body;
    m.html = html;
    rc = store_message_insert(s, &m);
    if (rc == ERR_DUPLICATE)
        BUG("run %lld step %lld sent twice", (long long)r->id, (long long)m.step);
    if (rc)
        rc = err_set(e, rc, "recording the message: %s", store_last_error(s));
    else if (!stop)
        g->st->messages++;
    *status = stop ? stop : "sent";
    if (id)
        *id = m.id;
    free(address);
    free(subject);
    free(body);
    free(html);
    return rc;
}

static int do_send(struct sc_engine *g, struct store *s, const struct sc_node *n,
                   struct sc_run *r, const struct sg_prof *p, int64_t now, const char **status,
                   int64_t *later, struct errbuf *e)
{
    return send_message(g, s, n->channel, n->template_name, r, p, false, n->per_household, now,
                        status, later, NULL, e);
}

int sc_send_now(struct sc_engine *g, struct store *s, int64_t profile_id, const char *channel,
                const char *template_name, const json_t *data, bool transactional, int64_t now,
                int64_t *message_id, const char **status, struct errbuf *e)
{
    if (sc_channel_index(channel) < 0)
        return err_field(e, ERR_INVALID, "channel",
                         "channel \"%s\" is not one of email, sms, push, letter, call, wallet, "
                         "in_app, outbox",
                         channel);
    struct sc_template *t = sc_template(g, s, template_name);
    if (!t)
        return err_field(e, ERR_INVALID, "template", "no template is named \"%s\"",
                         template_name);
    if (t->channel && strcmp(channel, "outbox") && strcmp(t->channel, channel))
        return err_field(e, ERR_INVALID, "template", "template \"%s\" is for %s, not %s",
                         template_name, t->channel, channel);
    int64_t slot = sg_world_slot_of(sg_engine_world(g->sg), profile_id);
    const struct sg_prof *p = slot >= 0 ? sg_world_prof(sg_engine_world(g->sg), (uint32_t)slot)
                                        : NULL;
    if (!p || !p->live)
        return err_field(e, ERR_NOT_FOUND, "profile_id", "no live profile has the id %lld",
                         (long long)profile_id);
    static struct sc_tick none;
    struct sc_tick *saved = g->st;
    g->st = &none;
    struct sc_run r = {.payload = (json_t *)data, .scenario_name = "transactional"};
    int64_t later;
    int rc = send_message(g, s, channel, template_name, &r, p, transactional, false, now, status,
                          &later, message_id, e);
    g->st = saved;
    if (!rc && !strcmp(*status, "sent")) /* the message's own status: on its way, or kept */
        *status = sc_channel_queues(g, sc_channel_index(channel)) ? "queued" : "stored";
    return rc;
}

/* ---- other effects --------------------------------------------------------------------- */

static int do_update(struct sc_engine *g, struct store *s, const struct sc_node *n,
                     struct sc_run *r, int64_t now, struct errbuf *e)
{
    int rc;
    if (n->update == SC_UP_ATTRIBUTE) {
        char *v = json_dumps(n->value, JSON_ENCODE_ANY | JSON_COMPACT);
        rc = store_profile_set_attribute(s, r->profile_id, n->key, v, now);
        free(v);
    } else if (n->update == SC_UP_TAG) {
        rc = store_profile_add_tag(s, r->profile_id, n->key, now);
    } else {
        char source[300];
        snprintf(source, sizeof source, "scenario:%s", r->scenario_name ? r->scenario_name : "?");
        struct store_consent c = {
            .profile_id = r->profile_id, .channel = n->key, .purpose = n->purpose ? n->purpose : "",
            .status = n->status, .source = source, .wording = n->wording, .ts = now,
        };
        rc = store_consent_set(s, &c, now);
    }
    (void)g;
    if (rc && rc != ERR_NOT_FOUND)
        return err_set(e, rc, "run %lld: update at \"%s\": %s", (long long)r->id, n->id,
                       store_last_error(s));
    return 0;
}

static int do_webhook(struct sc_engine *g, struct store *s, const struct sc_node *n,
                      struct sc_run *r, const struct sg_prof *p, int64_t now, struct errbuf *e)
{
    json_t *data = sc_render_data(g, s, p, r, false);
    json_object_set_new(data, "node", json_string(n->id));
    char *body = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(data);
    struct store_message m = {
        .profile_id = r->profile_id, .run_id = r->id, .step = r->seq + 1,
        .scenario_id = r->scenario_id, .channel = "webhook", .status = "queued",
        .address = n->url, .subject = n->secret, .body = body, .created_at = now,
    };
    int rc = store_message_insert(s, &m);
    free(body);
    if (rc)
        return err_set(e, rc, "run %lld: queueing the webhook: %s", (long long)r->id,
                       store_last_error(s));
    (void)g;
    return 0;
}

/* A task's title or description: a template over the run's data (the order included). */
static char *task_text(const char *text, const json_t *data, const char *what)
{
    if (!text)
        return NULL;
    struct tpl *t = NULL;
    struct errbuf e;
    err_clear(&e);
    char *out = NULL;
    if (tpl_compile(what, text, &t, &e) || render(t, data, false, NULL, &out, &e)) {
        free(out);
        out = xstrdup(text); /* checked when saved; keep the text as written */
    }
    tpl_free(t);
    return out;
}

static int do_task(struct sc_engine *g, struct store *s, const struct sc_node *n,
                   struct sc_run *r, const struct sg_prof *p, int64_t now, struct errbuf *e)
{
    unsigned char raw[16];
    char token[33];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, sizeof token, raw, sizeof raw);
    json_t *data = sc_render_data(g, s, p, r, true);
    char *title = task_text(n->title, data, "task title");
    char *description = task_text(n->description, data, "task description");
    json_decref(data);
    int rc = store_task_create(s, r->id, r->profile_id, title, description, n->assignee, token,
                               now, NULL);
    free(title);
    free(description);
    if (rc)
        return err_set(e, rc, "run %lld: creating the task: %s", (long long)r->id,
                       store_last_error(s));
    return 0;
}

/* A stable bucket 0..99 for the profile at this split. */
static int bucket(int64_t scenario_id, const char *node, int64_t profile_id)
{
    unsigned char key[crypto_shorthash_KEYBYTES] = "rondo-split-key";
    char in[128];
    int n = snprintf(in, sizeof in, "%lld:%s:%lld", (long long)scenario_id, node,
                     (long long)profile_id);
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)in, (unsigned long long)n, key);
    uint64_t v = 0;
    memcpy(&v, h, sizeof v);
    return (int)(v % 100);
}

/* ---- the walk ---------------------------------------------------------------------------- */

/* Leave a node the run waited at, as the reason for resuming says. */
static int resume(struct sc_engine *g, struct store *s, const struct sc_def *d, struct sc_run *r,
                  enum sc_resume why, int64_t now, struct errbuf *e)
{
    const struct sc_node *n = &d->nodes[r->node];
    const char *outcome = NULL;
    int to = -1;
    if (r->state == SC_WAITING && why == SC_RESUME_DUE) {
        outcome = "passed";
        to = n->next;
    } else if (r->state == SC_EVENT && why == SC_RESUME_EVENT) {
        outcome = "happened";
        to = n->happened;
    } else if (r->state == SC_EVENT && why == SC_RESUME_DUE) {
        outcome = "timed_out";
        to = n->timed_out;
    } else if (r->state == SC_ON_TASK && why == SC_RESUME_TASK) {
        outcome = "resolved";
        to = n->next;
    } else {
        return 0; /* ready: the node itself is still to do */
    }
    int rc = step(g, s, r, n->id, outcome, now, e);
    r->node = to;
    r->state = SC_READY;
    return rc;
}

static int walk(struct sc_engine *g, struct store *s, const struct sc_def *d, struct sc_run *r,
                int64_t now, struct errbuf *e)
{
    int64_t slot = sg_world_slot_of(sg_engine_world(g->sg), r->profile_id);
    const struct sg_prof *p = slot >= 0 ? sg_world_prof(sg_engine_world(g->sg), (uint32_t)slot)
                                        : NULL;
    if (!p || !p->live) {
        end(g, r, "profile_gone", now);
        return 0;
    }
    for (int k = 0; k < MAX_STEPS; k++) {
        if (r->node < 0) {
            end(g, r, "completed", now);
            return 0;
        }
        const struct sc_node *n = &d->nodes[r->node];
        int goal;
        if (d->ngoals && sc_goal_met(g, d, r, now, &goal)) {
            int rc = step(g, s, r, d->nodes[goal].id, "end:converted", now, e);
            end(g, r, "converted", now);
            return rc;
        }
        int rc = 0;
        const char *outcome = "passed";
        int to = n->next;
        switch (n->kind) {
        case SC_SEND: {
            int64_t later;
            rc = do_send(g, s, n, r, p, now, &outcome, &later, e);
            if (!rc && later) {
                r->state = SC_READY; /* quiet hours: the same node, later */
                r->wake_at = later;
                return 0;
            }
            break;
        }
        case SC_WAIT: {
            int64_t until = wait_until(g, n, p, now);
            if (until > now) {
                r->state = SC_WAITING;
                r->wake_at = until;
                return 0;
            }
            break;
        }
        case SC_WAIT_FOR:
            r->state = SC_EVENT;
            r->wake_at = now + n->duration_ms;
            return 0;
        case SC_CONDITION: {
            bool yes = false;
            sg_engine_eval(g->sg, n->rule, r->profile_id, now, &yes);
            outcome = yes ? "yes" : "no";
            to = yes ? n->yes : n->no;
            break;
        }
        case SC_SPLIT: {
            int b = bucket(r->scenario_id, n->id, r->profile_id), i = 0, acc = n->branches[0].weight;
            while (i + 1 < n->nbranches && b >= acc)
                acc += n->branches[++i].weight;
            snprintf(r->branch, sizeof r->branch, "%s", n->branches[i].name);
            if (n->branches[i].holdout) {
                rc = step(g, s, r, n->id, "end:holdout", now, e);
                end(g, r, "holdout", now);
                return rc;
            }
            outcome = n->branches[i].name;
            to = n->branches[i].to;
            break;
        }
        case SC_UPDATE: rc = do_update(g, s, n, r, now, e); break;
        case SC_WEBHOOK: rc = do_webhook(g, s, n, r, p, now, e); outcome = "queued"; break;
        case SC_TASK:
            rc = do_task(g, s, n, r, p, now, e);
            r->state = SC_ON_TASK;
            r->wake_at = 0;
            return rc;
        case SC_EXIT: {
            char what[SC_MAX_ID + 16];
            snprintf(what, sizeof what, "end:%s", n->reason ? n->reason : "exited");
            rc = step(g, s, r, n->id, what, now, e);
            end(g, r, n->reason ? n->reason : "exited", now);
            return rc;
        }
        case SC_GOAL: BUG("a goal node is never walked into");
        }
        if (!rc)
            rc = step(g, s, r, n->id, outcome, now, e);
        if (rc)
            return rc;
        r->node = to;
    }
    r->state = SC_READY; /* a long walk: the rest at the next tick */
    r->wake_at = now;
    return 0;
}

static int save(struct store *s, const struct sc_def *d, struct sc_run *r, int64_t now,
                struct errbuf *e)
{
    char *payload = r->payload && !r->id ? json_dumps(r->payload, JSON_COMPACT) : NULL;
    const char *node = r->node >= 0 ? d->nodes[r->node].id : "end";
    struct store_run row = {
        .id = r->id, .scenario_id = r->scenario_id, .version = r->version,
        .profile_id = r->profile_id, .state = sc_state_name(r->state), .node = node,
        .wake_at = r->state == SC_DONE ? 0 : r->wake_at, .seq = r->seq,
        .branch = r->branch[0] ? r->branch : NULL, .outcome = r->outcome, .payload = payload,
        .entered_at = r->entered_at, .updated_at = now, .ended_at = r->ended_at,
    };
    int rc = r->id ? store_run_save(s, &row) : store_run_insert(s, &row);
    free(payload);
    if (rc)
        return err_set(e, rc, "writing run %lld: %s", (long long)r->id, store_last_error(s));
    r->id = row.id;
    return 0;
}

int sc_run_advance(struct sc_engine *g, struct store *s, const struct sc_def *d,
                   struct sc_run *r, enum sc_resume why, int64_t now, struct errbuf *e)
{
    int rc = 0;
    if (!r->id) /* a new run: its id keys the ledger */
        rc = save(s, d, r, now, e);
    if (!rc)
        rc = resume(g, s, d, r, why, now, e);
    if (!rc && r->state == SC_READY && r->hold)
        r->wake_at = now; /* the rest when the scenario runs again */
    else if (!rc && r->state == SC_READY)
        rc = walk(g, s, d, r, now, e);
    if (!rc)
        rc = save(s, d, r, now, e);
    g->st->advanced++;
    return rc;
}

int sc_run_end(struct sc_engine *g, struct store *s, const struct sc_def *d, struct sc_run *r,
               const char *outcome, int at_node, int64_t now, struct errbuf *e)
{
    char what[64];
    snprintf(what, sizeof what, "end:%s", outcome);
    int k = at_node >= 0 ? at_node : r->node;
    const char *node = k >= 0 ? d->nodes[k].id : "end";
    int rc = step(g, s, r, node, what, now, e);
    end(g, r, outcome, now);
    if (!rc)
        rc = save(s, d, r, now, e);
    return rc;
}
