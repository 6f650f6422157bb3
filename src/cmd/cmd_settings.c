/*
 * cmd_settings.c — `rondo settings list|get|set`: the workspace settings a
 * user may change. Other rows of the settings table (the identity model, the
 * lifecycle seed flag) belong to the commands that write them and are not
 * shown here.
 *
 * A running server notices a change of the time zone on its next segment
 * pass (it is part of the segments' stamp) and evaluates every segment
 * again; quiet hours and caps when its scenarios are next read again.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/tz.h"
#include "channel/mime.h"
#include "channel/template.h"
#include "cmd/cmd.h"
#include "scenario/engine.h"
#include "store/store.h"

static int check_secret(const char *value, struct errbuf *e)
{
    size_t n = strlen(value);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f)
            return err_field(e, ERR_INVALID, "webhook_secret",
                             "a secret is printable ASCII without spaces");
    if (n < 16 || n > 200)
        return err_field(e, ERR_INVALID, "webhook_secret", "a secret has 16 to 200 characters");
    return 0;
}

static int check_smtp_url(const char *value, struct errbuf *e)
{
    if ((strncmp(value, "smtp://", 7) && strncmp(value, "smtps://", 8)) || strpbrk(value, " \r\n"))
        return err_field(e, ERR_INVALID, "email.smtp_url",
                         "an SMTP server is \"smtp://host:port\" or \"smtps://host:port\"");
    return 0;
}

static int check_from(const char *value, struct errbuf *e)
{
    const char *lt = strrchr(value, '<');
    char addr[300];
    snprintf(addr, sizeof addr, "%s", lt ? lt + 1 : value);
    char *gt = strchr(addr, '>');
    if (gt)
        *gt = '\0';
    if (strpbrk(value, "\r\n") || (lt && !gt) || mime_check_addr(addr, "email.from", e))
        return err_field(e, ERR_INVALID, "email.from",
                         "the sender is \"Name <address@domain>\" or an address");
    return 0;
}

static int check_number(const char *value, double min, double max, const char *key,
                        struct errbuf *e)
{
    char *end;
    double v = strtod(value, &end);
    if (end == value || *end || v < min || v > max)
        return err_field(e, ERR_INVALID, key, "%s is a number from %g to %g", key, min, max);
    return 0;
}

static int check_connections(const char *value, struct errbuf *e)
{
    return check_number(value, 1, 32, "email.connections", e);
}

static int check_rate(const char *value, struct errbuf *e)
{
    return check_number(value, 0, 100000, "email.rate", e);
}

static int check_public_url(const char *value, struct errbuf *e)
{
    bool https = !strncmp(value, "https://", 8);
    bool local = mime_url_local(value);
    size_t n = strlen(value);
    if ((!https && !local) || strpbrk(value, " <>\"\r\n") || (n && value[n - 1] == '/'))
        return err_field(e, ERR_INVALID, "public_url",
                         "the public address of rondo's links is an https URL without a "
                         "trailing / (http://127.0.0.1 for tests)");
    return 0;
}

static int check_any(const char *value, struct errbuf *e)
{
    if (strpbrk(value, "\r\n"))
        return err_set(e, ERR_INVALID, "a setting is one line");
    return 0;
}

static int check_topics(const char *value, struct errbuf *e)
{
    for (const char *p = value; *p; p++)
        if (!(*p == ',' || *p == '_' || *p == '-' || *p == ' ' || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9')))
            return err_field(e, ERR_INVALID, "topics",
                             "topics are a comma list of lower-case names (\"newsletter,offers\")");
    return 0;
}

static const struct setting {
    const char *key;
    const char *fallback; /* the value when unset */
    int (*check)(const char *value, struct errbuf *e);
    const char *help;
    bool secret; /* never printed */
} settings[] = {
    {SETTING_TIMEZONE, "UTC", tz_check,
     "the workspace's IANA time zone: \"today\" for dates and anniversaries in segments", false},
    {SETTING_QUIET_HOURS, "none", sc_check_quiet_hours,
     "no scenario message in these hours of the profile's zone (\"21:00-08:00\")", false},
    {SETTING_CAP_PREFIX "email", "none", sc_check_cap,
     "at most N e-mails per person in any period, across scenarios (\"3/7d\")", false},
    {SETTING_CAP_PREFIX "sms", "none", sc_check_cap, "the same for SMS", false},
    {SETTING_CAP_PREFIX "push", "none", sc_check_cap, "the same for push", false},
    {SETTING_CAP_PREFIX "letter", "none", sc_check_cap, "the same for letters", false},
    {SETTING_CAP_PREFIX "call", "none", sc_check_cap, "the same for call lists", false},
    {"webhook_secret", "(made by rondo init)", check_secret,
     "the key webhooks are signed with (HMAC-SHA256, docs/scenarios.md)", true},
    {"unsubscribe_secret", "(made by rondo init)", check_secret,
     "the key unsubscribe links are signed with", true},
    {"public_url", "none", check_public_url,
     "where people reach rondo's links (https://mail.shop.example): unsubscribe links", false},
    {"email.smtp_url", "none: e-mails stay in the outbox", check_smtp_url,
     "the SMTP server e-mails go to (smtp://host:587, smtps://host:465)", false},
    {"email.smtp_user", "none", check_any, "the SMTP login", false},
    {"email.smtp_password", "none", check_any, "the SMTP password", true},
    {"email.from", "rondo <rondo@localhost>", check_from,
     "the sender: \"Shop <news@shop.example>\"", false},
    {"email.connections", "4", check_connections, "SMTP connections open at once, kept and reused", false},
    {"email.rate", "0 (no limit)", check_rate, "e-mails per second at most", false},
    {"email.secret", "none", check_secret,
     "checks the e-mail provider's reports of bounces and complaints", true},
    {"topics", "none", check_topics,
     "what people may choose on the preference page (\"newsletter,offers,events\"): e-mail purposes",
     false},
};

static int check_provider_url(const char *value, struct errbuf *e)
{
    if ((strncmp(value, "https://", 8) && strncmp(value, "http://", 7)) || strpbrk(value, " \r\n"))
        return err_set(e, ERR_INVALID, "a provider's url is an http(s) URL");
    return 0;
}

static int check_headers(const char *value, struct errbuf *e)
{
    json_t *j = json_loads(value, 0, NULL);
    bool ok = json_is_object(j);
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) if (!json_is_string(v) || strpbrk(k, "\r\n:") ||
                                     strpbrk(json_string_value(v), "\r\n")) ok = false;
    json_decref(j);
    return ok ? 0 : err_set(e, ERR_INVALID, "headers are a JSON object of one-line texts");
}

static int check_body(const char *value, struct errbuf *e)
{
    return tpl_check_part("provider body", "body", value, e);
}

/* The settings of each HTTP provider channel (provider.h): CHANNEL.url and so on. */
static const char *const provider_channels[] = {"sms", "push", "wallet", "in_app"};
static const struct setting provider_settings[] = {
    {"url", "none: kept in the outbox", check_provider_url, "where the provider takes messages", false},
    {"headers", "none", check_headers, "a JSON object of headers, e.g. the provider's key", true},
    {"body", "all fields as JSON", check_body, "a template of the JSON body", false},
    {"secret", "none", check_secret, "signs requests and checks delivery callbacks", true},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo settings list --db PATH\n"
               "       rondo settings get --db PATH KEY\n"
               "       rondo settings set --db PATH KEY VALUE\n"
               "settings:\n");
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        fprintf(f, "  %-20s %s (default %s)\n", settings[i].key, settings[i].help,
                settings[i].fallback);
    for (size_t i = 0; i < sizeof provider_settings / sizeof provider_settings[0]; i++)
        fprintf(f, "  CHANNEL.%-12s %s (CHANNEL: sms, push, wallet, in_app)\n",
                provider_settings[i].key, provider_settings[i].help);
}

static const struct setting *find(const char *key)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (!strcmp(settings[i].key, key))
            return &settings[i];
    static char name[64];
    static struct setting dyn;
    for (size_t c = 0; c < sizeof provider_channels / sizeof provider_channels[0]; c++)
        for (size_t f = 0; f < sizeof provider_settings / sizeof provider_settings[0]; f++) {
            snprintf(name, sizeof name, "%s.%s", provider_channels[c], provider_settings[f].key);
            if (!strcmp(name, key)) {
                dyn = provider_settings[f];
                dyn.key = name;
                return &dyn;
            }
        }
    fprintf(stderr, "rondo settings: unknown setting \"%s\"; `rondo settings --help` lists them\n",
            key);
    return NULL;
}

/* The value of a setting, or its default; caller frees. */
static char *value_of(struct store *s, const struct setting *d)
{
    char *v = NULL;
    if (store_setting_get(s, d->key, &v))
        v = strdup(d->fallback);
    return v;
}

static int settings_set(struct store *s, const struct setting *d, const char *value)
{
    struct errbuf e = {{0}, {0}};
    int rc = d->check(value, &e);
    if (rc) {
        fprintf(stderr, "rondo settings set: %s: %s\n", d->key, e.msg);
        return 2;
    }
    rc = store_begin(s, &e);
    if (!rc)
        rc = store_setting_set(s, d->key, value, clock_now());
    if (!rc)
        rc = store_commit(s, &e);
    if (rc) {
        store_rollback(s);
        cmd_fail("settings set", rc, e.msg[0] ? e.msg : store_last_error(s));
        return 1;
    }
    printf("%s = %s\n", d->key, d->secret ? "(set; hidden)" : value);
    return 0;
}

int cmd_settings(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    char **args = argv + 1 + optind;
    int nargs = argc - 1 - optind;
    int want = !strcmp(sub, "list") ? 0 : !strcmp(sub, "get") ? 1 : !strcmp(sub, "set") ? 2 : -1;
    if (want < 0 || nargs != want || !db) {
        if (want < 0)
            fprintf(stderr, "rondo settings: unknown subcommand \"%s\"\n", sub);
        else if (!db)
            fprintf(stderr, "rondo settings: --db PATH is required\n");
        else
            fprintf(stderr, "rondo settings %s: expected %s\n", sub,
                    want == 0 ? "no arguments" : want == 1 ? "KEY" : "KEY VALUE");
        usage(stderr);
        return 2;
    }
    const struct setting *d = want ? find(args[0]) : NULL;
    if (want && !d)
        return 2;
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    if (rc) {
        cmd_fail("settings", rc, e.msg);
        return 1;
    }
    int status = 0;
    if (want == 2) {
        status = settings_set(s, d, args[1]);
    } else {
        size_t np = sizeof provider_channels / sizeof provider_channels[0] *
                    (sizeof provider_settings / sizeof provider_settings[0]);
        size_t nall = d ? 1 : sizeof settings / sizeof settings[0] + np;
        for (size_t i = 0; i < nall; i++) {
            const struct setting *x = d;
            if (!x && i < sizeof settings / sizeof settings[0]) {
                x = &settings[i];
            } else if (!x) {
                size_t k = i - sizeof settings / sizeof settings[0];
                size_t nf = sizeof provider_settings / sizeof provider_settings[0];
                char key[64];
                snprintf(key, sizeof key, "%s.%s", provider_channels[k / nf],
                         provider_settings[k % nf].key);
                x = find(key);
            }
            char *v = value_of(s, x);
            const char *shown = v;
            if (x->secret) /* a secret is never printed: only whether it is set */
                shown = strcmp(v, x->fallback) ? "(set; hidden)" : "(not set)";
            if (d)
                printf("%s\n", shown);
            else
                printf("%-20s %s\n", x->key, shown);
            free(v);
        }
    }
    store_close(s);
    return status;
}
