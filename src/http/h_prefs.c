/*
 * h_prefs.c — the preference centre (issue 7): a server-rendered page where
 * a person chooses channels, topics, how often, and which of their e-mail
 * addresses and phone numbers to use. No key: the link is signed for one
 * profile (LINK_PREFERENCES, channel/track.h) and sent in messages as
 * {{links.preferences}}.
 *
 *   GET /p/{token}    the form, filled with the person's current choices
 *   POST /p/{token}   the choices (application/x-www-form-urlencoded); each
 *                     consent that changes lands in the ledger with its
 *                     proof (source "preference centre", the sentence the
 *                     person saw, the IP); the address and frequency choices
 *                     are profile attributes (preferred_email, preferred_phone,
 *                     email_frequency) that sending reads.
 *
 * Topics are the workspace's setting "topics" (e.g. "newsletter,offers"):
 * each is an e-mail consent purpose.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "channel/track.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/store.h"
#include "store/writer.h"

#define MAX_FIELDS 64
#define MAX_TOPICS 20

static const struct {
    const char *channel, *label;
} channels[] = {
    {"email", "E-mail"}, {"sms", "Text messages (SMS)"}, {"push", "App notifications"},
    {"post", "Letters"}, {"phone", "Phone calls"},
};
#define NCHANNELS (sizeof channels / sizeof channels[0])

static const struct {
    const char *value, *label;
} frequencies[] = {
    {"any", "As it comes"}, {"weekly", "At most one e-mail a week"},
    {"monthly", "At most one e-mail a month"},
};

/* ---- the form ------------------------------------------------------------------------- */

struct form {
    char *keys[MAX_FIELDS], *values[MAX_FIELDS];
    int n;
};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoding (and + as a space) of s[0..n) into a new string. */
static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; out && i < n; i++) {
        int a, b;
        if (s[i] == '+')
            out[o++] = ' ';
        else if (s[i] == '%' && i + 2 < n + 1 && (a = hexval(s[i + 1])) >= 0 &&
                 (b = hexval(s[i + 2])) >= 0) {
            out[o++] = (char)(a * 16 + b);
            i += 2;
        } else
            out[o++] = s[i];
    }
    if (out)
        out[o] = '\0';
    return out;
}

static void form_parse(const char *body, size_t len, struct form *f)
{
    size_t i = 0;
    while (i < len && f->n < MAX_FIELDS) {
        size_t j = i;
        while (j < len && body[j] != '&')
            j++;
        const char *eq = memchr(body + i, '=', j - i);
        if (eq) {
            f->keys[f->n] = decode(body + i, (size_t)(eq - body - i));
            f->values[f->n] = decode(eq + 1, (size_t)(body + j - eq - 1));
            f->n++;
        }
        i = j + 1;
    }
}

static void form_free(struct form *f)
{
    for (int i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->values[i]);
    }
}

static const char *form_get(const struct form *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (f->keys[i] && !strcmp(f->keys[i], key))
            return f->values[i] ? f->values[i] : "";
    return NULL;
}

/* ---- reading the person ----------------------------------------------------------------- */

static int64_t token_profile(struct request *r, char **topics)
{
    struct store *s = store_pool_get(r->srv->readers);
    char *secret = NULL;
    int64_t id = -1;
    if (strlen(r->params[0]) < 80 && !store_setting_get(s, "unsubscribe_secret", &secret))
        id = link_check(secret, LINK_PREFERENCES, r->params[0], NULL);
    if (topics && store_setting_get(s, "topics", topics))
        *topics = NULL;
    int64_t survivor;
    if (id > 0 && !store_profile_resolve(s, id, &survivor))
        id = survivor;
    store_pool_put(r->srv->readers, s);
    free(secret);
    if (id < 0)
        http_page_notice(r, 404, "Unknown link",
                         "This link is not valid. Use the link in a recent message from us.");
    return id;
}

/* The current consent of channel (purpose "" for the whole channel) in the view: opted_in, opted_out or NULL. */
static const char *consent_of(const json_t *view, const char *channel, const char *purpose)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(view, "consents"), i, c) {
        const char *ch = json_string_value(json_object_get(c, "channel"));
        const char *pu = json_string_value(json_object_get(c, "purpose"));
        if (ch && !strcmp(ch, channel) && !strcmp(pu ? pu : "", purpose))
            return json_string_value(json_object_get(c, "status"));
    }
    return NULL;
}

/* Whether the page shows channel as chosen: an opt-in; for letters and calls, no opt-out. */
static bool chosen(const json_t *view, const char *channel)
{
    const char *st = consent_of(view, channel, "");
    if (!strcmp(channel, "post") || !strcmp(channel, "phone"))
        return !st || strcmp(st, "opted_out");
    return st && !strcmp(st, "opted_in");
}

/* Each topic of the comma list topics: fn(topic). */
static int split_topics(const char *topics, char out[MAX_TOPICS][64])
{
    int n = 0;
    for (const char *p = topics; p && *p && n < MAX_TOPICS;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        while (l && p[0] == ' ') {
            p++;
            l--;
        }
        if (l && l < 64) {
            memcpy(out[n], p, l);
            out[n][l] = '\0';
            n++;
        }
        p = c ? c + 1 : p + l;
    }
    return n;
}

static void checkbox(struct buf *b, const char *name, const char *label, bool on)
{
    buf_adds(b, "<label><input type=\"checkbox\" name=\"");
    http_html_add(b, name);
    buf_adds(b, "\" value=\"1\"");
    if (on)
        buf_adds(b, " checked");
    buf_adds(b, "> ");
    http_html_add(b, label);
    buf_adds(b, "</label><br>\n");
}

/* The addresses of one identity type ("email", "phone") as radio buttons. */
static void address_choice(struct buf *b, const json_t *view, const char *type, const char *name,
                           const char *current)
{
    size_t i, count = 0;
    json_t *id;
    json_array_foreach(json_object_get(view, "identities"), i, id) {
        const char *t = json_string_value(json_object_get(id, "type"));
        if (t && !strcmp(t, type))
            count++;
    }
    if (count < 2)
        return; /* nothing to choose */
    buf_addf(b, "<fieldset><legend>Which %s should we use?</legend>\n",
             !strcmp(type, "email") ? "e-mail address" : "phone number");
    json_array_foreach(json_object_get(view, "identities"), i, id) {
        const char *t = json_string_value(json_object_get(id, "type"));
        const char *v = json_string_value(json_object_get(id, "value"));
        if (!t || strcmp(t, type) || !v)
            continue;
        buf_adds(b, "<label><input type=\"radio\" name=\"");
        http_html_add(b, name);
        buf_adds(b, "\" value=\"");
        http_html_add(b, v);
        buf_adds(b, "\"");
        if (current && !strcmp(current, v))
            buf_adds(b, " checked");
        buf_adds(b, "> ");
        http_html_add(b, v);
        buf_adds(b, "</label><br>\n");
    }
    buf_adds(b, "</fieldset>\n");
}

#define WORDING "Your choices on our preference page"

static void page(struct request *r, int64_t id, const char *topics, const char *notice)
{
    json_t *view = NULL;
    struct store *s = store_pool_get(r->srv->readers);
    int rc = store_profile_view(s, id, &view, NULL);
    store_pool_put(r->srv->readers, s);
    if (rc || json_object_get(view, "erased_at")) {
        json_decref(view);
        http_page_notice(r, 404, "Unknown link", "This link belongs to no one any more.");
        return;
    }
    const json_t *attrs = json_object_get(view, "attributes");
    struct buf b;
    buf_init(&b, 0);
    http_page_open(&b, "Your preferences");
    buf_adds(&b, "<h1>Your preferences</h1>\n");
    if (notice) {
        buf_adds(&b, "<p role=\"status\" id=\"saved\"><strong>");
        http_html_add(&b, notice);
        buf_adds(&b, "</strong></p>\n");
    }
    const char *first = json_string_value(json_object_get(view, "first_name"));
    buf_adds(&b, "<p>");
    if (first) {
        http_html_add(&b, first);
        buf_adds(&b, ", choose ");
    } else {
        buf_adds(&b, "Choose ");
    }
    buf_adds(&b, "how we may reach you.</p>\n<form method=\"post\" action=\"/p/");
    http_html_add(&b, r->params[0]);
    buf_adds(&b, "\">\n<fieldset><legend>Channels</legend>\n");
    for (size_t i = 0; i < NCHANNELS; i++) {
        char name[32];
        snprintf(name, sizeof name, "channel_%s", channels[i].channel);
        checkbox(&b, name, channels[i].label, chosen(view, channels[i].channel));
    }
    buf_adds(&b, "</fieldset>\n");
    char list[MAX_TOPICS][64];
    int nt = split_topics(topics, list);
    if (nt) {
        buf_adds(&b, "<fieldset><legend>Topics by e-mail</legend>\n");
        for (int i = 0; i < nt; i++) {
            char name[1300];
            snprintf(name, sizeof name, "topic_%s", list[i]);
            const char *st = consent_of(view, "email", list[i]);
            checkbox(&b, name, list[i], st && !strcmp(st, "opted_in"));
        }
        buf_adds(&b, "</fieldset>\n");
    }
    const char *freq = json_string_value(json_object_get(attrs, "email_frequency"));
    buf_adds(&b, "<fieldset><legend>How often</legend><select name=\"frequency\">\n");
    for (size_t i = 0; i < sizeof frequencies / sizeof frequencies[0]; i++) {
        buf_addf(&b, "<option value=\"%s\"%s>", frequencies[i].value,
                 (freq ? !strcmp(freq, frequencies[i].value) : i == 0) ? " selected" : "");
        http_html_add(&b, frequencies[i].label);
        buf_adds(&b, "</option>\n");
    }
    buf_adds(&b, "</select></fieldset>\n");
    address_choice(&b, view, "email", "preferred_email",
                   json_string_value(json_object_get(attrs, "preferred_email")));
    address_choice(&b, view, "phone", "preferred_phone",
                   json_string_value(json_object_get(attrs, "preferred_phone")));
    buf_adds(&b, "<p><button type=\"submit\">Save my choices</button></p>\n</form>\n");
    json_decref(view);
    http_page_reply(r, 200, &b);
}

void h_prefs_page(struct request *r)
{
    char *topics = NULL;
    int64_t id = token_profile(r, &topics);
    if (id > 0)
        page(r, id, topics, NULL);
    free(topics);
}

/* ---- saving --------------------------------------------------------------------------------- */

struct prefs_job {
    struct writer_job job; /* first */
    struct request *r;
    int64_t profile_id;
    struct form form;
    char *topics;
    const char *ip;
};

static int set_consent(struct store *s, const struct prefs_job *j, const char *channel,
                       const char *purpose, bool yes, int64_t now)
{
    struct store_consent c = {
        .profile_id = j->profile_id, .channel = channel, .purpose = purpose,
        .status = yes ? "opted_in" : "opted_out", .source = "preference centre",
        .wording = WORDING, .ip = j->ip, .ts = now,
    };
    return store_consent_set(s, &c, now);
}

/* The identity (type, value) belongs to the profile: a radio's value is not trusted. */
static bool owns(const json_t *view, const char *type, const char *value)
{
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(view, "identities"), i, id) {
        const char *t = json_string_value(json_object_get(id, "type"));
        const char *v = json_string_value(json_object_get(id, "value"));
        if (t && v && !strcmp(t, type) && !strcmp(v, value))
            return true;
    }
    return false;
}

static int prefs_apply(struct store *s, struct writer_job *job, struct errbuf *e)
{
    struct prefs_job *j = (struct prefs_job *)job;
    int64_t now = clock_now();
    if (store_profile_erased(s, j->profile_id))
        return err_set(e, ERR_NOT_FOUND, "this link belongs to no one any more");
    json_t *view = NULL;
    int rc = store_profile_view(s, j->profile_id, &view, e);
    for (size_t i = 0; !rc && i < NCHANNELS; i++) {
        char name[32];
        snprintf(name, sizeof name, "channel_%s", channels[i].channel);
        bool yes = form_get(&j->form, name) != NULL;
        if (yes != chosen(view, channels[i].channel)) /* only what changed goes in the ledger */
            rc = set_consent(s, j, channels[i].channel, "", yes, now);
        if (!rc && !yes && !strcmp(channels[i].channel, "email")) /* waiting ones stop too */
            rc = store_messages_cancel(s, j->profile_id, "email", "preferences", now);
        if (!rc && !yes && !strcmp(channels[i].channel, "sms"))
            rc = store_messages_cancel(s, j->profile_id, "sms", "preferences", now);
    }
    char list[MAX_TOPICS][64];
    int nt = split_topics(j->topics, list);
    for (int i = 0; !rc && i < nt; i++) {
        char name[1300];
        snprintf(name, sizeof name, "topic_%s", list[i]);
        bool yes = form_get(&j->form, name) != NULL;
        const char *st = consent_of(view, "email", list[i]);
        if (yes != (st && !strcmp(st, "opted_in")))
            rc = set_consent(s, j, "email", list[i], yes, now);
    }
    const char *freq = form_get(&j->form, "frequency");
    if (!rc && freq && (!strcmp(freq, "any") || !strcmp(freq, "weekly") || !strcmp(freq, "monthly"))) {
        char v[32];
        snprintf(v, sizeof v, "\"%s\"", freq);
        rc = store_profile_set_attribute(s, j->profile_id, "email_frequency", v, now);
    }
    static const char *const pick[][2] = {{"preferred_email", "email"}, {"preferred_phone", "phone"}};
    for (int k = 0; !rc && k < 2; k++) {
        const char *v = form_get(&j->form, pick[k][0]);
        if (!v || !owns(view, pick[k][1], v))
            continue;
        json_t *js = json_string(v);
        char *text = json_dumps(js, JSON_ENCODE_ANY);
        rc = store_profile_set_attribute(s, j->profile_id, pick[k][0], text, now);
        free(text);
        json_decref(js);
    }
    json_decref(view);
    return rc;
}

static void prefs_done(struct writer_job *job, int rc, const struct errbuf *e)
{
    struct prefs_job *j = (struct prefs_job *)job;
    struct request *r = j->r;
    if (rc == ERR_NOT_FOUND) {
        (void)e;
        http_page_notice(r, 404, "Unknown link", "This link belongs to no one any more.");
    } else if (rc) {
        http_page_notice(r, 503, "Please try again",
                         "Your choices could not be saved just now; try again in a minute.");
    } else {
        page(r, j->profile_id, j->topics, "Your choices are saved.");
    }
    form_free(&j->form);
    free(j->topics);
    free(j);
    http_resume(r);
}

void h_prefs_save(struct request *r)
{
    char *topics = NULL;
    int64_t id = token_profile(r, &topics);
    if (id < 0) {
        free(topics);
        return;
    }
    struct prefs_job *j = http_job_new(r, sizeof(*j));
    if (!j) {
        free(topics);
        return;
    }
    j->r = r;
    j->profile_id = id;
    j->topics = topics;
    j->ip = http_client_ip(r, &r->arena);
    form_parse(r->body.ptr ? r->body.ptr : "", r->body.len, &j->form);
    j->job.apply = prefs_apply;
    j->job.done = prefs_done;
    http_job_run(r, &j->job);
}
