/*
 * cmd_demo.c — `rondo demo --db PATH`: a small, believable workspace.
 *
 * Makes a few hundred people who browse the web shop, shop in physical
 * stores with a loyalty card, use the app and give or refuse consent, and
 * sends all of it through the same ingestion path as the HTTP API (Segment
 * batches parsed by ingest_request_parse, stored by ingest_request_apply), so
 * the demo exercises exactly what a real source would. The same seed gives
 * the same people.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "ingest/ingest.h"
#include "store/store.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic per seed, good enough for demo data */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static int pick(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

#define PICK(arr) (arr[pick((int)(sizeof(arr) / sizeof(arr[0])))])

struct style {
    const char *country;
    const char *const *first;
    int nfirst;
    const char *const *last;
    int nlast;
    const char *const *city;
    int ncity;
    const char *street_fmt; /* street name then number, or number then street */
    const char *phone_prefix;
};

static const char *const nl_first[] = {"Daan", "Sanne", "Bram", "Lotte", "Ruben", "Femke", "Jeroen", "Anouk", "Thijs", "Maaike"};
static const char *const nl_last[] = {"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer"};
static const char *const nl_city[] = {"Amsterdam", "Utrecht", "Rotterdam", "Eindhoven", "Groningen"};
static const char *const be_first[] = {"Lucas", "Emma", "Arthur", "Louise", "Wout", "Elise", "Jef", "Marie", "Noor", "Pieter"};
static const char *const be_last[] = {"Peeters", "Janssens", "Maes", "Claes", "Willems", "Goossens", "Dupont", "Wouters"};
static const char *const be_city[] = {"Gent", "Antwerpen", "Leuven", "Brugge", "Liège", "Namur"};
static const char *const fr_first[] = {"Camille", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Théo", "Inès", "Guillaume", "Zoé"};
static const char *const fr_last[] = {"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Dupré"};
static const char *const fr_city[] = {"Lille", "Lyon", "Paris", "Nantes", "Bordeaux"};
static const char *const de_first[] = {"Lukas", "Hannah", "Jonas", "Lena", "Felix", "Mia", "Johannes", "Sophie", "Maximilian", "Jürgen"};
static const char *const de_last[] = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer"};
static const char *const de_city[] = {"Köln", "Aachen", "Düsseldorf", "Berlin", "München"};
static const char *const gb_first[] = {"Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Robert", "Emily", "Jack", "Grace"};
static const char *const gb_last[] = {"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans"};
static const char *const gb_city[] = {"London", "Leeds", "Bristol", "Manchester", "York"};

#define STYLE(cc, p, fmt, pre) {cc, p##_first, 10, p##_last, 8, p##_city, (int)(sizeof(p##_city) / sizeof(p##_city[0])), fmt, pre}
static const struct style styles[] = {
    STYLE("NL", nl, "%s %d", "+316"), STYLE("BE", be, "%s %d", "+324"),
    STYLE("FR", fr, "%d %s", "+336"), STYLE("DE", de, "%s %d", "+4915"),
    STYLE("GB", gb, "%d %s", "+447"),
};

static const char *const streets[] = {"Kerkstraat", "Stationsstraat", "Rue de la Gare", "Hauptstraße", "High Street", "Molenweg", "Dorpsstraat", "Grand-Place"};
static const char *const domains[] = {"gmail.com", "outlook.com", "hotmail.com", "telenet.be", "orange.fr", "web.de", "yahoo.co.uk", "ziggo.nl"};

struct product {
    const char *id, *name, *category;
    double price;
};
static const struct product products[] = {
    {"P-100", "Charcoal barbecue", "bbq", 149.00},  {"P-101", "Grill tongs", "bbq", 12.50},
    {"P-200", "Garden chair", "garden", 39.95},     {"P-201", "Parasol", "garden", 59.00},
    {"P-300", "Rain jacket", "clothing", 79.90},    {"P-301", "Wool socks", "clothing", 9.99},
    {"P-400", "Coffee beans 1 kg", "food", 18.40},  {"P-401", "Dark chocolate", "food", 3.25},
    {"P-500", "Headphones", "electronics", 129.00}, {"P-501", "USB-C cable", "electronics", 14.99},
};

/* Batches per source, flushed through the ingestion path at 100 messages. */
struct sink {
    struct store *store;
    const char *source;
    json_t *batch;
    size_t messages, rejected;
};

static int flush(struct sink *k, struct errbuf *e)
{
    if (!json_array_size(k->batch))
        return 0;
    json_t *root = json_pack("{s:O}", "batch", k->batch);
    char *body = json_dump_str(root);
    json_decref(root);
    struct ingest_request r;
    int rc = ingest_request_parse(&r, k->source, -1, body, strlen(body), clock_now(), e);
    if (!rc)
        rc = ingest_request_apply(k->store, &r, e);
    k->messages += r.stored;
    k->rejected += r.nrejects;
    ingest_request_release(&r);
    free(body);
    json_array_clear(k->batch);
    return rc;
}

static int emit(struct sink *k, json_t *msg, struct errbuf *e)
{
    static uint64_t seq;
    char id[48];
    snprintf(id, sizeof(id), "demo-%016llx-%llu", (unsigned long long)rnd(),
             (unsigned long long)++seq);
    json_object_set_new(msg, "messageId", json_string(id));
    json_array_append_new(k->batch, msg);
    return json_array_size(k->batch) >= 100 ? flush(k, e) : 0;
}

static json_t *when(int64_t now, int days_ago_max)
{
    char t[32];
    time_format_iso8601(now - (int64_t)pick(days_ago_max) * 86400000 - pick(86400000), t, sizeof(t));
    return json_string(t);
}

static json_t *basket(int *n, double *total)
{
    json_t *items = json_array();
    *n = 1 + pick(3);
    *total = 0;
    for (int i = 0; i < *n; i++) {
        const struct product *p = &PICK(products);
        int qty = 1 + pick(2);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:f, s:i}", "product_id", p->id,
                                               "sku", p->id, "name", p->name, "category",
                                               p->category, "price", p->price, "quantity", qty));
        *total += p->price * qty;
    }
    return items;
}

static int person(struct sink sinks[3], int i, int64_t now, struct errbuf *e)
{
    const struct style *st = &PICK(styles);
    const char *first = st->first[pick(st->nfirst)], *last = st->last[pick(st->nlast)];
    char email[128], uid[32], anon[48], card[32], phone[32], street[96];
    snprintf(email, sizeof(email), "%c.%s%d@%s", first[0], last[0] == 'd' ? "devries" : "user", i,
             PICK(domains));
    for (char *p = email; *p; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    snprintf(uid, sizeof(uid), "W%06d", i);
    snprintf(anon, sizeof(anon), "anon-%08x", (unsigned)rnd());
    snprintf(card, sizeof(card), "CARD-%07d", 1000000 + i);
    snprintf(phone, sizeof(phone), "%s%07d", st->phone_prefix, pick(10000000));
    if (st->street_fmt[0] == '%' && st->street_fmt[1] == 's')
        snprintf(street, sizeof(street), "%s %d", PICK(streets), 1 + pick(120));
    else
        snprintf(street, sizeof(street), "%d %s", 1 + pick(120), PICK(streets));
    char birthday[40];
    snprintf(birthday, sizeof(birthday), "%04d-%02d-%02d", 1950 + pick(55), 1 + pick(12), 1 + pick(28));
    const char *city = st->city[pick(st->ncity)];
    json_t *traits = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:s}",
                               "firstName", first, "lastName", last, "email", email, "phone",
                               phone, "birthday", birthday, "gender", pick(2) ? "female" : "male",
                               "address", "street", street, "city", city,
                               "postalCode", "1000", "country", st->country, "language",
                               strcmp(st->country, "GB") == 0 ? "en" : "nl");
    struct sink *web = &sinks[0], *shop = &sinks[1], *app = &sinks[2];
    int rc = 0;

    /* The web shop: anonymous browsing, then sign-up, then orders. */
    for (int v = 0; v < 1 + pick(6) && !rc; v++)
        rc = emit(web, json_pack("{s:s, s:s, s:s, s:o, s:{s:s}}", "type", "page", "anonymousId", anon,
                                 "name", PICK(products).category, "timestamp", when(now, 300),
                                 "properties", "path", "/category"), e);
    if (!rc && pick(4))
        rc = emit(web, json_pack("{s:s, s:s, s:s, s:O, s:o}", "type", "identify", "userId", uid,
                                 "anonymousId", anon, "traits", traits, "timestamp", when(now, 300)), e);
    for (int o = 0, n = pick(4); o < n && !rc; o++) {
        int lines;
        double total;
        json_t *items = basket(&lines, &total);
        char oid[32];
        snprintf(oid, sizeof(oid), "WEB-%06d-%d", i, o);
        rc = emit(web, json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:f, s:s, s:o}}", "type", "track",
                                 "userId", uid, "anonymousId", anon, "event", "Order Completed",
                                 "timestamp", when(now, 365), "properties", "order_id", oid, "total",
                                 total, "currency", "EUR", "products", items), e);
    }
    if (!rc && pick(3) == 0) {
        int lines;
        double total;
        rc = emit(web, json_pack("{s:s, s:s, s:s, s:o, s:{s:o}}", "type", "track", "anonymousId", anon,
                                 "event", "Product Added", "timestamp", when(now, 3), "properties",
                                 "products", basket(&lines, &total)), e);
    }
    if (!rc)
        rc = emit(web, json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s, s:s, s:s}}", "type", "track",
                                 "anonymousId", anon, "event", "Consent Updated", "userId", uid,
                                 "timestamp", when(now, 400), "properties", "channel", "email",
                                 "status", pick(5) ? "opted_in" : "opted_out", "wording",
                                 "Yes, send me news and offers by e-mail", "purpose", "newsletter"), e);

    /* Stores: the loyalty card, and purchases at the till. */
    if (!rc && pick(2)) {
        rc = emit(shop, json_pack("{s:s, s:s, s:O, s:o}", "type", "identify", "userId", card, "traits",
                                  traits, "timestamp", when(now, 700)), e);
        for (int o = 0, n = 1 + pick(5); o < n && !rc; o++) {
            int lines;
            double total;
            json_t *items = basket(&lines, &total);
            char oid[32];
            snprintf(oid, sizeof(oid), "POS-%06d-%d", i, o);
            rc = emit(shop, json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:f, s:s, s:s, s:o}}", "type",
                                      "track", "userId", card, "event", "Order Completed", "timestamp",
                                      when(now, 365), "properties", "order_id", oid, "total", total,
                                      "currency", "EUR", "store", city,
                                      "products", items), e);
        }
    }

    /* The app: a few screens and a push consent. */
    if (!rc && pick(3) == 0) {
        rc = emit(app, json_pack("{s:s, s:s, s:s, s:o}", "type", "screen", "userId", uid, "name",
                                 "Home", "timestamp", when(now, 60)), e);
        if (!rc)
            rc = emit(app, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", "track", "userId", uid,
                                     "event", "Consent Updated", "properties", "channel", "push",
                                     "status", "opted_in"), e);
    }
    json_decref(traits);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo demo --db PATH [--people N] [--seed S]\n"
               "  Adds N demo people (default 300) to the workspace through the ingestion path.\n");
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"people", required_argument, NULL, 'n'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *db = NULL;
    int64_t people = 300, seed = 42;
    int c;
    while ((c = getopt_long(argc, argv, "d:n:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n':
            if (cstr_to_i64(optarg, &people) || people < 1 || people > 10000000) {
                fprintf(stderr, "rondo demo: --people must be 1 to 10000000\n");
                return 2;
            }
            break;
        case 's':
            if (cstr_to_i64(optarg, &seed)) {
                fprintf(stderr, "rondo demo: --seed must be an integer\n");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!db) {
        fprintf(stderr, "rondo demo: --db PATH is required\n");
        return 2;
    }
    rng_state = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 1;
    struct errbuf e = {{0}, {0}};
    struct store *s = NULL;
    /* the same cleaning rules and test-record patterns as the server's identifies */
    struct clean_patterns patterns = {0};
    int rc = clean_init(&e);
    if (!rc)
        rc = store_open(db, 0, &s, &e);
    if (!rc)
        rc = ingest_load_patterns(s, &patterns, &e);
    if (rc) {
        cmd_fail("demo", rc, e.msg);
        store_close(s);
        clean_patterns_free(&patterns);
        return 1;
    }
    ingest_set_patterns(&patterns);
    struct sink sinks[3] = {{s, "webshop", json_array(), 0, 0},
                            {s, "store", json_array(), 0, 0},
                            {s, "app", json_array(), 0, 0}};
    int64_t now = clock_now();
    rc = store_begin(s, &e);
    for (int i = 0; i < people && !rc; i++)
        rc = person(sinks, i, now, &e);
    for (int k = 0; k < 3 && !rc; k++)
        rc = flush(&sinks[k], &e);
    if (!rc)
        rc = store_commit(s, &e);
    if (rc)
        store_rollback(s);
    size_t total = 0, rejected = 0;
    for (int k = 0; k < 3; k++) {
        total += sinks[k].messages;
        rejected += sinks[k].rejected;
        json_decref(sinks[k].batch);
    }
    struct store_counts cnt = {0};
    store_counts(s, &cnt);
    store_close(s);
    ingest_set_patterns(NULL);
    clean_patterns_free(&patterns);
    if (rc) {
        cmd_fail("demo", rc, e.msg);
        return 1;
    }
    printf("demo: %lld people sent %zu messages (%zu rejected) from webshop, store and app\n",
           (long long)people, total, rejected);
    printf("demo: workspace now holds %lld profiles, %lld events, %lld orders\n",
           (long long)cnt.profiles, (long long)cnt.events, (long long)cnt.orders);
    return 0;
}
