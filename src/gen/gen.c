/*
 * gen.c — `rondo gen`: realistic, dirty, multi-source customer data with the
 * ground truth (see gen.h and the gen spec for the files and columns).
 *
 * Persons are numbered 0..n-1 and processed in chunks of CHUNK consecutive
 * "slots". Slot j writes: the test records placed there, person j's records
 * in each of its sources, and the second account (duplicate) of person
 * guest(j), so that a duplicate gets an external id far from the original.
 *
 * Determinism: everything about a person comes from its own random streams
 * derived from (seed, index, purpose); households are cut inside fixed blocks
 * of GEN_HH_BLOCK persons, so any person can be rebuilt on its own. A first pass
 * computes, per chunk, how many ids of each sequence (profiles, orders,
 * events) it uses; its prefix sums are each chunk's first ids. Worker threads
 * then fill chunks in any order into a ring of buffers and the calling thread
 * writes them in chunk order. So the bytes depend on (persons, seed, dirt)
 * only; time comes from the fixed reference date, never from the clock.
 *
 * Strings are UTF-8 within Latin-1 throughout (gen_data.h); the CRM files are
 * transcoded to ISO-8859-1 as they are written.
 */
#include "gen/gen.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "gen/gen_data.h"
#include "gen/gen_int.h"

#define CHUNK 4096 /* persons per chunk */
#define WRITE_PIECE (1u << 20)
#define YEAR (365 * GEN_DAY)

enum {
    F_WEB_PROFILES,
    F_WEB_ORDERS,
    F_WEB_LINES,
    F_WEB_EVENTS,
    F_WEB_CONSENTS,
    F_STORE_PROFILES,
    F_STORE_ORDERS,
    F_STORE_LINES,
    F_APP_PROFILES,
    F_APP_EVENTS,
    F_CRM_PROFILES,
    F_CRM_CONSENTS,
    F_TRUTH,
    NFILES
};

static const struct {
    const char *name, *header;
    char delim;
    bool latin1;
} files[NFILES] = {
    {"webshop.profiles.csv",
     "external_id,email,first_name,last_name,gender,birth_date,phone,street,house_number,"
     "postal_code,city,country,language,created_at",
     ',', false},
    {"webshop.orders.csv", "external_id,customer_id,ordered_at,status,currency,total", ',', false},
    {"webshop.order_lines.csv", "order_id,line_no,product_id,sku,name,category,price,quantity", ',',
     false},
    {"webshop.events.csv", "external_id,customer_id,type,name,timestamp,url,product_id", ',',
     false},
    {"webshop.consents.csv", "customer_id,channel,purpose,status,timestamp,wording", ',', false},
    {"store.profiles.csv",
     "card_number;salutation;first_name;last_name;birth_date;phone;email;street;house_number;"
     "postal_code;city;country",
     ';', false},
    {"store.orders.csv", "receipt;card_number;date;store;total", ';', false},
    {"store.order_lines.csv", "receipt;line;ean;description;category;unit_price;qty", ';', false},
    {"app.profiles.csv",
     "external_id,email,first_name,last_name,phone,country,language,attr.push_token,"
     "attr.app_version",
     ',', false},
    {"app.events.csv", "external_id,customer_id,type,name,timestamp,screen,product_id", ',', false},
    {"crm.profiles.csv",
     "Klantnummer;Aanspreking;Voornaam;Achternaam;Geboortedatum;E-mail;Telefoon;GSM;Straat;"
     "Huisnummer;Postcode;Gemeente;Land;Taal;Klantsegment",
     ';', true},
    {"crm.consents.csv", "Klantnummer;Kanaal;Doel;Status;Datum;Tekst", ';', true},
    {"truth.csv", "source,external_id,person_id,household_id", ',', false},
};

static const char store_map[] =
    "[import]\ndelimiter = semicolon\nlocale = nl-BE\ndecimal = ,\n\n"
    "[profiles]\ncard_number = external_id\ncard_number = loyalty_card\n"
    "salutation = salutation\nfirst_name = first_name\nlast_name = last_name\n"
    "birth_date = birth_date\nphone = phone\nemail = email\nstreet = street\n"
    "house_number = house_number\npostal_code = postal_code\ncity = city\ncountry = country\n\n"
    "[orders]\nreceipt = external_id\ncard_number = customer_id\ndate = ordered_at\n"
    "store = attr.store\ntotal = total\n\n"
    "[order_lines]\nreceipt = order_id\nline = line_no\nean = product_id\n"
    "description = name\ncategory = category\nunit_price = price\nqty = quantity\n";

static const char crm_map[] =
    "[import]\ndelimiter = semicolon\nencoding = latin1\nlocale = nl-BE\ncountry = BE\n\n"
    "[profiles]\nKlantnummer = external_id\nKlantnummer = customer_number\n"
    "Aanspreking = salutation\nVoornaam = first_name\nAchternaam = last_name\n"
    "Geboortedatum = birth_date\nE-mail = email\nTelefoon = phone\nGSM = mobile\n"
    "Straat = street\nHuisnummer = house_number\nPostcode = postal_code\nGemeente = city\n"
    "Land = country\nTaal = language\nKlantsegment = attr.segment\n\n"
    "[consents]\nKlantnummer = customer_id\nKanaal = channel\nDoel = purpose\n"
    "Status = status\nDatum = timestamp\nTekst = wording\n";

/* Id sequences: one per source's profiles, then orders and events. */
enum { SEQ_WO = GEN_NSOURCES, SEQ_SO, SEQ_WE, SEQ_AE, NSEQ };

/* Share of persons with a record in each source. */
static const double source_share[GEN_NSOURCES] = {0.70, 0.55, 0.35, 0.45};

/* ---- CSV rows ------------------------------------------------------------ */

struct row {
    struct buf *b;
    char delim;
    bool latin1, first;
};

static void row_start(struct row *w, struct buf *b, int file)
{
    w->b = b;
    w->delim = files[file].delim;
    w->latin1 = files[file].latin1;
    w->first = true;
}

/* One field, quoted (RFC 4180) only when it holds the delimiter, a quote or a line break. */
static void row_field(struct row *w, const char *s, size_t n)
{
    struct buf *b = w->b;
    if (buf_grow(b, 2 * n + 4))
        BUG("gen: chunk buffer over its maximum");
    char *p = b->ptr + b->len;
    if (!w->first)
        *p++ = w->delim;
    w->first = false;
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == w->delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote && !w->latin1) {
        memcpy(p, s, n);
        p += n;
    } else {
        if (quote)
            *p++ = '"';
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"')
                *p++ = '"';
            if (w->latin1 && c >= 0x80) {
                /* UTF-8 C2/C3 xx -> one ISO-8859-1 byte */
                unsigned char d = i + 1 < n ? (unsigned char)s[++i] : 0x80;
                c = c == 0xC3 ? (unsigned char)(d + 0x40) : c == 0xC2 ? d : '?';
            }
            *p++ = (char)c;
        }
        if (quote)
            *p++ = '"';
    }
    b->len = (size_t)(p - b->ptr);
    b->ptr[b->len] = '\0';
}

static void row_s(struct row *w, const char *s)
{
    row_field(w, s, s ? strlen(s) : 0);
}

static void row_f(struct row *w, const struct fld *f)
{
    row_field(w, f->s, (size_t)f->n);
}

static void row_u(struct row *w, uint64_t v)
{
    struct fld f = {0};
    fld_addu(&f, v, 1);
    row_f(w, &f);
}

static void row_end(struct row *w)
{
    if (buf_addch(w->b, '\n'))
        BUG("gen: chunk buffer over its maximum");
}

/* ---- plans: what a person has, decided before any text ------------------- */

struct plan {
    uint8_t sources;              /* bit per enum gen_source */
    uint8_t tests;                /* bit per source: a test record at this slot */
    int8_t dup_source;            /* source of a second account, -1 none */
    uint8_t orders[GEN_NSOURCES]; /* webshop orders, store receipts */
    uint8_t events[GEN_NSOURCES]; /* webshop and app events */
    uint8_t dup_orders, dup_events;
};

struct gen_ctx {
    const struct gen_opts *o;
    struct gen_world w;
    uint64_t nchunks, dup_shift;
    int64_t ref;              /* 2026-11-01T00:00:00Z in seconds */
    uint64_t (*starts)[NSEQ]; /* first id of each sequence per chunk; nchunks + 1 rows */
    uint64_t tests, dups;
    char ean[128][14]; /* per product */
    bool outdoor[128]; /* bbq, garden, furniture, plants: sold in spring and summer */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next, written; /* next chunk to generate; chunks written */
    bool stop;
    int nring;
    struct chunk *ring;
};

struct chunk {
    struct buf out[NFILES];
    uint64_t lines, consents;
    bool ready;
};

/*
 * Counts times f (--orders-scale, --events-scale), rounded at random so the
 * average holds, at most 255. f of 0 or 1 draws nothing: the default output
 * stays the same bytes.
 */
static void scale_counts(struct rng *r, uint8_t n[GEN_NSOURCES], double f)
{
    if (f <= 0 || f == 1)
        return;
    for (int s = 0; s < GEN_NSOURCES; s++) {
        double v = n[s] * f + rng_unit(r);
        n[s] = (uint8_t)(v > 255 ? 255 : v);
    }
}

static void plan_make(const struct gen_ctx *c, uint64_t j, struct plan *p)
{
    static const int web_orders[9] = {320, 600, 760, 860, 920, 955, 980, 992, 1000};
    struct rng r;
    rng_init(&r, c->w.seed, j, P_PLAN);
    memset(p, 0, sizeof(*p));
    p->dup_source = -1;
    for (int s = 0; s < GEN_NSOURCES; s++)
        if (rng_chance(&r, source_share[s]))
            p->sources |= (uint8_t)(1u << s);
    if (!p->sources)
        p->sources = (uint8_t)(1u << (rng_chance(&r, 0.6) ? GEN_WEBSHOP : rng_below(&r, 4)));
    for (int s = 0; s < GEN_NSOURCES; s++)
        if (dirt(&c->w, &r, 0.003 * source_share[s]))
            p->tests |= (uint8_t)(1u << s);
    int u = rng_below(&r, 1000), k = 0;
    while (u >= web_orders[k])
        k++;
    p->orders[GEN_WEBSHOP] = (uint8_t)k;
    for (k = 0; k < 12 && rng_chance(&r, 2.0 / 3); k++)
        ;
    p->orders[GEN_STORE] = (uint8_t)k;
    p->events[GEN_WEBSHOP] = (uint8_t)rng_below(&r, 7);
    p->events[GEN_APP] = (uint8_t)rng_below(&r, 9);
    scale_counts(&r, p->orders, c->o->orders_scale);
    scale_counts(&r, p->events, c->o->events_scale);
    if (dirt(&c->w, &r, 0.02)) {
        int n = __builtin_popcount(p->sources), pickn = rng_below(&r, n);
        for (int s = 0; s < GEN_NSOURCES; s++)
            if ((p->sources & (1u << s)) && pickn-- == 0)
                p->dup_source = (int8_t)s;
        p->dup_orders = (uint8_t)rng_below(&r, 3);
        p->dup_events = (uint8_t)rng_below(&r, 5);
    }
}

/* Count the ids one plan uses in its own slot (own) and in its duplicate's slot (dup). */
static void plan_count(const struct plan *p, uint64_t own[NSEQ], uint64_t dup[NSEQ])
{
    for (int s = 0; s < GEN_NSOURCES; s++) {
        own[s] += (p->tests >> s & 1) + (p->sources >> s & 1);
        if (p->dup_source == s)
            dup[s]++;
    }
    if (p->sources & (1u << GEN_WEBSHOP)) {
        own[SEQ_WO] += p->orders[GEN_WEBSHOP];
        own[SEQ_WE] += p->events[GEN_WEBSHOP];
    }
    if (p->sources & (1u << GEN_STORE))
        own[SEQ_SO] += p->orders[GEN_STORE];
    if (p->sources & (1u << GEN_APP))
        own[SEQ_AE] += p->events[GEN_APP];
    if (p->dup_source == GEN_WEBSHOP) {
        dup[SEQ_WO] += p->dup_orders;
        dup[SEQ_WE] += p->dup_events;
    } else if (p->dup_source == GEN_STORE) {
        dup[SEQ_SO] += p->dup_orders;
    } else if (p->dup_source == GEN_APP) {
        dup[SEQ_AE] += p->dup_events;
    }
}

/* ---- writing one record and what hangs off it ----------------------------- */

struct sink {
    const struct gen_ctx *c;
    struct chunk *ch;
    uint64_t seq[NSEQ];
};

/* "W100001", "2100000000012" (EAN-13), "A500001", "C000001" */
static void id_format(struct fld *f, enum gen_source s, uint64_t seq)
{
    static const char prefix[GEN_NSOURCES] = {'W', 0, 'A', 'C'};
    fld_clear(f);
    if (s == GEN_STORE) {
        char ean[14];
        gen_ean13(ean, 210000000001ULL + seq);
        fld_adds(f, ean);
        return;
    }
    fld_addc(f, prefix[s]);
    if (s == GEN_WEBSHOP)
        fld_addu(f, 100001 + seq, 1);
    else if (s == GEN_APP)
        fld_addu(f, 500001 + seq, 1);
    else
        fld_addu(f, 1 + seq, 6);
}

/* A moment in [from, to): the day uniform, the hour as people shop online. */
static int64_t when(struct rng *r, int64_t from, int64_t to)
{
    static const int hours[24] = {2, 1, 1, 0, 0, 0, 1, 2, 3,  4, 5, 5,
                                  6, 6, 5, 5, 5, 6, 7, 9, 10, 9, 6, 3};
    int64_t span = to - from > GEN_DAY ? to - from : GEN_DAY;
    int64_t day = from + (int64_t)(rng_next(r) % (uint64_t)span);
    day -= day % GEN_DAY;
    int u = rng_below(r, 100), h = 0;
    while (h < 23 && u >= hours[h])
        u -= hours[h++];
    int64_t t = day + h * 3600 + rng_below(r, 3600);
    return t < from ? from : t >= to ? to - 1 : t;
}

static void sort_times(int64_t *t, int n)
{
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && t[k - 1] > t[k]; k--) {
            int64_t x = t[k];
            t[k] = t[k - 1];
            t[k - 1] = x;
        }
}

static int month_of(int64_t t)
{
    int y, m, d;
    gen_civil_from_days(t / GEN_DAY, &y, &m, &d);
    return m;
}

/* Cheap things sell more; outdoor things in spring and summer. */
static int product_pick(const struct gen_ctx *c, struct rng *r, int month)
{
    bool season = month >= 3 && month <= 8;
    for (int tries = 0;; tries++) {
        int i = rng_below(r, gen_nproducts);
        if (tries < 2 && c->outdoor[i] && !season && rng_chance(r, 0.6))
            continue;
        if (tries < 2 && gen_products[i].cents > 20000 && rng_chance(r, 0.7))
            continue;
        return i;
    }
}

static int quantity(struct rng *r, int cents)
{
    int u = rng_below(r, 100);
    if (cents < 1500)
        return u < 60 ? 1 : u < 85 ? 2 : u < 95 ? 3 : 4 + rng_below(r, 3);
    return u < 85 ? 1 : u < 97 ? 2 : 3;
}

static void web_orders(struct sink *k, const struct person *p, const struct fld *cust, int n,
                       int64_t from, struct rng *r)
{
    const struct gen_ctx *c = k->c;
    bool gbp = p->h->cc == GEN_GB;
    for (int i = 0; i < n; i++) {
        struct fld id = {0}, ts = {0}, total = {0};
        fld_adds(&id, "WO");
        fld_addu(&id, 1000001 + k->seq[SEQ_WO]++, 1);
        int64_t t = when(r, from, c->ref), sum = 0;
        int nl = 1 + (rng_chance(r, 0.45) ? 0 : rng_below(r, 4) + (rng_chance(r, 0.2) ? 1 : 0));
        for (int l = 1; l <= nl; l++) {
            const struct gen_product *pr = &gen_products[product_pick(c, r, month_of(t))];
            int pi = (int)(pr - gen_products), qty = quantity(r, pr->cents);
            int64_t cents = gbp ? (pr->cents * 86 / 100) / 10 * 10 + 9 : pr->cents;
            struct fld price = {0};
            fld_money(&price, cents, '.');
            struct row w;
            row_start(&w, &k->ch->out[F_WEB_LINES], F_WEB_LINES);
            row_f(&w, &id);
            row_u(&w, (uint64_t)l);
            row_s(&w, c->ean[pi]);
            row_s(&w, pr->sku);
            row_s(&w, pr->name);
            row_s(&w, pr->category);
            row_f(&w, &price);
            row_u(&w, (uint64_t)qty);
            row_end(&w);
            sum += cents * qty;
            k->ch->lines++;
        }
        fld_iso(&ts, t);
        fld_money(&total, sum, '.');
        struct row w;
        row_start(&w, &k->ch->out[F_WEB_ORDERS], F_WEB_ORDERS);
        row_f(&w, &id);
        row_f(&w, cust);
        row_f(&w, &ts);
        row_s(&w, rng_chance(r, 0.95) ? "completed" : "refunded");
        row_s(&w, gbp ? "GBP" : "EUR");
        row_f(&w, &total);
        row_end(&w);
    }
}

static void store_orders(struct sink *k, const struct person *p, const struct fld *card, int n,
                         int64_t from, struct rng *r)
{
    const struct gen_ctx *c = k->c;
    for (int i = 0; i < n; i++) {
        struct fld id = {0}, date = {0}, total = {0};
        fld_addc(&id, 'S');
        fld_addu(&id, 10000001 + k->seq[SEQ_SO]++, 1);
        int64_t day = when(r, from, c->ref) / GEN_DAY;
        int y, m, d, minute = rng_range(r, 9 * 60, 19 * 60 + 45), sum = 0;
        gen_civil_from_days(day, &y, &m, &d);
        fld_date(&date, y, m, d, D_DMY);
        fld_addc(&date, ' ');
        fld_addu(&date, (uint64_t)(minute / 60), 2);
        fld_addc(&date, ':');
        fld_addu(&date, (uint64_t)(minute % 60), 2);
        int nl = 1 + (rng_chance(r, 0.35) ? 0 : rng_below(r, 5) + (rng_chance(r, 0.2) ? 1 : 0));
        for (int l = 1; l <= nl; l++) {
            int pi = product_pick(c, r, m), qty = quantity(r, gen_products[pi].cents);
            struct fld price = {0};
            fld_money(&price, gen_products[pi].cents, ',');
            struct row w;
            row_start(&w, &k->ch->out[F_STORE_LINES], F_STORE_LINES);
            row_f(&w, &id);
            row_u(&w, (uint64_t)l);
            row_s(&w, c->ean[pi]);
            row_s(&w, gen_products[pi].receipt);
            row_s(&w, gen_products[pi].category);
            row_f(&w, &price);
            row_u(&w, (uint64_t)qty);
            row_end(&w);
            sum += gen_products[pi].cents * qty;
            k->ch->lines++;
        }
        fld_money(&total, sum, ',');
        struct row w;
        row_start(&w, &k->ch->out[F_STORE_ORDERS], F_STORE_ORDERS);
        row_f(&w, &id);
        row_f(&w, card);
        row_f(&w, &date);
        row_s(&w, gen_stores[rng_chance(r, 0.8) ? p->h->store : rng_below(r, gen_nstores)].name);
        row_f(&w, &total);
        row_end(&w);
    }
}

static void web_events(struct sink *k, const struct fld *cust, int n, int64_t from, struct rng *r)
{
    static const char *const pages[] = {"/", "/cart", "/account", "/checkout", "/sale"};
    const struct gen_ctx *c = k->c;
    int64_t t[256]; /* counts are uint8_t */
    if (n > 256)
        BUG("gen: %d events for one customer", n);
    for (int i = 0; i < n; i++)
        t[i] = when(r, from, c->ref);
    sort_times(t, n);
    for (int i = 0; i < n; i++) {
        struct fld id = {0}, ts = {0}, url = {0};
        fld_adds(&id, "WE");
        fld_addu(&id, 10000001 + k->seq[SEQ_WE]++, 1);
        fld_iso(&ts, t[i]);
        int u = rng_below(r, 100), pi = -1;
        const char *type = "track", *name;
        if (u < 50) {
            type = "page";
            name = "Page Viewed";
            fld_adds(&url, "https://www.rondo-home.example");
            int v = rng_below(r, 3);
            if (v == 0) {
                fld_adds(&url, pages[rng_below(r, 5)]);
            } else if (v == 1) {
                fld_adds(&url, "/c/");
                fld_adds(&url, gen_categories[rng_below(r, gen_ncategories)]);
            } else {
                const struct gen_product *pr = &gen_products[product_pick(c, r, month_of(t[i]))];
                fld_adds(&url, "/p/");
                fld_adds(&url, pr->sku);
                fld_lower(&url);
            }
        } else if (u < 70) {
            name = "Product Added";
            pi = product_pick(c, r, month_of(t[i]));
        } else {
            name = u < 80 ? "Checkout Started" : u < 92 ? "Email Opened" : "Email Clicked";
        }
        struct row w;
        row_start(&w, &k->ch->out[F_WEB_EVENTS], F_WEB_EVENTS);
        row_f(&w, &id);
        row_f(&w, cust);
        row_s(&w, type);
        row_s(&w, name);
        row_f(&w, &ts);
        row_f(&w, &url);
        row_s(&w, pi >= 0 ? c->ean[pi] : "");
        row_end(&w);
    }
}

static void app_events(struct sink *k, const struct fld *cust, int n, int64_t from, struct rng *r)
{
    const struct gen_ctx *c = k->c;
    int64_t t[256]; /* counts are uint8_t */
    if (n > 256)
        BUG("gen: %d events for one customer", n);
    for (int i = 0; i < n; i++)
        t[i] = when(r, from, c->ref);
    sort_times(t, n);
    for (int i = 0; i < n; i++) {
        struct fld id = {0}, ts = {0};
        fld_adds(&id, "AE");
        fld_addu(&id, 10000001 + k->seq[SEQ_AE]++, 1);
        fld_iso(&ts, t[i]);
        int u = rng_below(r, 100), pi = -1;
        const char *type = "track", *name, *screen = "";
        if (u < 35) {
            name = "App Opened";
        } else if (u < 70) {
            type = "screen";
            name = "Product Viewed";
            screen = "Product Detail";
            pi = product_pick(c, r, month_of(t[i]));
        } else if (u < 90) {
            name = "Product Added";
            screen = "Product Detail";
            pi = product_pick(c, r, month_of(t[i]));
        } else {
            name = "Push Opened";
        }
        struct row w;
        row_start(&w, &k->ch->out[F_APP_EVENTS], F_APP_EVENTS);
        row_f(&w, &id);
        row_f(&w, cust);
        row_s(&w, type);
        row_s(&w, name);
        row_f(&w, &ts);
        row_s(&w, screen);
        row_s(&w, pi >= 0 ? c->ean[pi] : "");
        row_end(&w);
    }
}

static void consent_row(struct sink *k, int file, const struct fld *cust, const char *channel,
                        const char *purpose, bool in, int64_t t, const char *wording)
{
    struct fld ts = {0};
    fld_iso(&ts, t);
    struct row w;
    row_start(&w, &k->ch->out[file], file);
    row_f(&w, cust);
    row_s(&w, channel);
    row_s(&w, purpose);
    row_s(&w, in ? "opted_in" : "opted_out");
    row_f(&w, &ts);
    row_s(&w, wording);
    row_end(&w);
    k->ch->consents++;
}

static void push_token(struct fld *f, struct rng *r)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static const char hex[] = "0123456789abcdef";
    f->n = 0;
    f->s[0] = '\0';
    if (rng_chance(r, 0.25)) /* push not allowed */
        return;
    bool apns = rng_chance(r, 0.5);
    uint64_t bits = 0;
    int have = 0, n = apns ? 64 : 22 + 134;
    for (int i = 0; i < n; i++) {
        if (have < 6) {
            bits = rng_next(r);
            have = 64;
        }
        fld_addc(f, apns ? hex[bits & 15] : b64[bits & 63]);
        bits >>= 6;
        have -= 6;
        if (!apns && i == 21)
            fld_adds(f, ":APA91b");
    }
}

static void profile_row(struct sink *k, enum gen_source src, const struct fld *id,
                        const struct rec *rc, int64_t created, struct rng *r)
{
    static const int file[GEN_NSOURCES] = {F_WEB_PROFILES, F_STORE_PROFILES, F_APP_PROFILES,
                                           F_CRM_PROFILES};
    struct row w;
    row_start(&w, &k->ch->out[file[src]], file[src]);
    row_f(&w, id);
    if (src == GEN_STORE || src == GEN_CRM)
        row_f(&w, &rc->salutation);
    else
        row_f(&w, &rc->email);
    row_f(&w, &rc->first);
    row_f(&w, &rc->last);
    if (src == GEN_WEBSHOP)
        row_s(&w, rc->gender < 0 ? "" : rc->gender ? "male" : "female");
    if (src != GEN_APP)
        row_f(&w, &rc->birth);
    if (src == GEN_CRM)
        row_f(&w, &rc->email);
    row_f(&w, &rc->phone);
    if (src == GEN_STORE)
        row_f(&w, &rc->email);
    else if (src == GEN_CRM)
        row_f(&w, &rc->phone2);
    if (src != GEN_APP) {
        row_f(&w, &rc->street);
        row_f(&w, &rc->house);
        row_f(&w, &rc->postcode);
        row_f(&w, &rc->city);
    }
    row_f(&w, &rc->country);
    if (src != GEN_STORE)
        row_f(&w, &rc->lang);
    if (src == GEN_WEBSHOP) {
        struct fld ts = {0};
        fld_iso(&ts, created);
        row_f(&w, &ts);
    } else if (src == GEN_APP) {
        struct fld tok;
        push_token(&tok, r);
        row_f(&w, &tok);
        row_s(&w, tok.n ? gen_app_versions.v[rng_skewed(r, gen_app_versions.n)] : "");
    } else if (src == GEN_CRM) {
        int u = rng_below(r, 100);
        row_s(&w, u < 10 ? "Gold" : u < 30 ? "Silver" : "");
    }
    row_end(&w);
}

static void truth_row(struct sink *k, enum gen_source src, const struct fld *id,
                      const struct person *p)
{
    struct fld pid = {0}, hid = {0};
    if (p) {
        fld_addc(&pid, 'P');
        fld_addu(&pid, p->idx + 1, 1);
        fld_addc(&hid, 'H');
        fld_addu(&hid, p->h->start + 1, 1);
    }
    struct row w;
    row_start(&w, &k->ch->out[F_TRUTH], F_TRUTH);
    row_s(&w, gen_source_name(src));
    row_f(&w, id);
    row_f(&w, &pid);
    row_f(&w, &hid);
    row_end(&w);
}

static void emit_person(struct sink *k, enum gen_source src, const struct person *p, bool dup,
                        int norders, int nevents, struct rng *r)
{
    static const int64_t age[GEN_NSOURCES] = {8 * YEAR, 12 * YEAR, 5 * YEAR, 15 * YEAR};
    const struct gen_ctx *c = k->c;
    struct rec rc;
    struct fld id;
    id_format(&id, src, k->seq[src]++);
    gen_rec_fill(&c->w, p, src, dup, r, &rc);
    int64_t span = dup ? 3 * YEAR : age[src];
    int64_t created = c->ref - span + (int64_t)(rng_next(r) % (uint64_t)(span - GEN_DAY));
    int64_t from = created > c->ref - 3 * YEAR ? created : c->ref - 3 * YEAR;
    profile_row(k, src, &id, &rc, created, r);
    truth_row(k, src, &id, p);
    const char *const *wording = gen_langs[p->h->lang].wording;
    switch (src) {
    case GEN_WEBSHOP:
        web_orders(k, p, &id, norders, from, r);
        web_events(k, &id, nevents, from, r);
        if (rng_chance(r, 0.6))
            consent_row(
                k, F_WEB_CONSENTS, &id, "email", "newsletter", rng_chance(r, 0.78),
                when(r, created, created + 30 * GEN_DAY < c->ref ? created + 30 * GEN_DAY : c->ref),
                wording[0]);
        break;
    case GEN_STORE:
        store_orders(k, p, &id, norders, from, r);
        break;
    case GEN_APP:
        app_events(k, &id, nevents, from, r);
        break;
    default: {
        static const char *const channel[3] = {"email", "sms", "post"};
        static const char *const purpose[3] = {"newsletter", "promotions", "catalogue"};
        static const double share[3] = {0.55, 0.25, 0.20};
        for (int i = 0; i < 3; i++)
            if (rng_chance(r, share[i]))
                consent_row(k, F_CRM_CONSENTS, &id, channel[i], purpose[i], rng_chance(r, 0.7),
                            when(r, created, c->ref), wording[i]);
    }
    }
}

static void emit_test(struct sink *k, enum gen_source src, struct rng *r)
{
    struct rec rc;
    struct fld id;
    id_format(&id, src, k->seq[src]++);
    gen_rec_test(src, r, &rc);
    profile_row(k, src, &id, &rc, k->c->ref - (int64_t)rng_below(r, 1000) * GEN_DAY - GEN_DAY, r);
    truth_row(k, src, &id, NULL);
}

/* Person index whose second account slot j writes; see dup_shift. */
static uint64_t guest_of(const struct gen_ctx *c, uint64_t j)
{
    return (j + c->w.n - c->dup_shift) % c->w.n;
}

static void rebuild(const struct gen_world *w, uint64_t j, struct house *h, struct person *p)
{
    uint64_t start;
    int size;
    gen_household_of(w, j, &start, &size);
    gen_house_make(w, start, size, h);
    gen_person_make(w, j, h, p);
}

static void slot_emit(struct sink *k, uint64_t j)
{
    const struct gen_ctx *c = k->c;
    struct plan pl;
    struct rng r;
    plan_make(c, j, &pl);
    if (pl.tests) {
        rng_init(&r, c->w.seed, j, P_TEST);
        for (int s = 0; s < GEN_NSOURCES; s++)
            if (pl.tests >> s & 1)
                emit_test(k, (enum gen_source)s, &r);
    }
    struct house h;
    struct person p;
    rebuild(&c->w, j, &h, &p);
    rng_init(&r, c->w.seed, j, P_RECORDS);
    for (int s = 0; s < GEN_NSOURCES; s++)
        if (pl.sources >> s & 1)
            emit_person(k, (enum gen_source)s, &p, false, pl.orders[s], pl.events[s], &r);
    uint64_t g = guest_of(c, j);
    plan_make(c, g, &pl);
    if (pl.dup_source >= 0) {
        rebuild(&c->w, g, &h, &p);
        rng_init(&r, c->w.seed, g, P_DUP);
        emit_person(k, (enum gen_source)pl.dup_source, &p, true, pl.dup_orders, pl.dup_events, &r);
    }
}

static void chunk_fill(const struct gen_ctx *c, uint64_t k, struct chunk *ch)
{
    struct sink s = {c, ch, {0}};
    memcpy(s.seq, c->starts[k], sizeof(s.seq));
    ch->lines = ch->consents = 0;
    uint64_t end = (k + 1) * CHUNK < c->w.n ? (k + 1) * CHUNK : c->w.n;
    for (uint64_t j = k * CHUNK; j < end; j++)
        slot_emit(&s, j);
    if (memcmp(s.seq, c->starts[k + 1], sizeof(s.seq)) != 0)
        BUG("gen: chunk %llu used other ids than planned", (unsigned long long)k);
}

/* First pass: ids per chunk, as prefix sums (starts[k] = first ids of chunk k). */
static void plan_all(struct gen_ctx *c)
{
    c->starts = xcalloc(c->nchunks + 1, sizeof(*c->starts));
    for (uint64_t g = 0; g < c->w.n; g++) {
        struct plan p;
        plan_make(c, g, &p);
        uint64_t host = (g + c->dup_shift) % c->w.n;
        plan_count(&p, c->starts[g / CHUNK + 1], c->starts[host / CHUNK + 1]);
        c->tests += (uint64_t)__builtin_popcount(p.tests);
        c->dups += p.dup_source >= 0;
    }
    for (uint64_t k = 1; k <= c->nchunks; k++)
        for (int q = 0; q < NSEQ; q++)
            c->starts[k][q] += c->starts[k - 1][q];
}

/* ---- e-mail addresses: one owner each ------------------------------------ */

/*
 * Mail providers never give one address to two people, but names repeat: at
 * a million persons every common name has many holders. So before any text
 * is written, every person's addresses are hashed and sorted; a later holder
 * of a taken address draws a numbered one (variant 1), and if that is taken
 * too, gets one unique by construction (variant 2). Shared family and role
 * ("info@") addresses stay shared on purpose: they are not drawn here.
 *
 * Key: 35 bits of the hash, the variant (2 bits), person * EM_KINDS + kind
 * (27 bits); equal hashes are equal addresses or, rarely, a harmless redraw.
 */
#define KEY_OWNER_BITS 27
#define KEY_HASH_SHIFT 29
#define KEY_OWNER_MASK ((1ULL << KEY_OWNER_BITS) - 1)
#define KEY_NONE UINT64_MAX

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
    return gen_mix64(h);
}

static uint64_t email_key(const struct fld *e, int variant, uint64_t owner)
{
    return hash_str(e->s) >> KEY_HASH_SHIFT << KEY_HASH_SHIFT |
           (uint64_t)variant << KEY_OWNER_BITS | owner;
}

struct keys_job {
    const struct gen_world *w;
    uint64_t *keys;
    uint64_t from, to;
    pthread_t tid;
    bool threaded;
};

static void *keys_worker(void *arg)
{
    struct keys_job *job = arg;
    const struct gen_world *w = job->w;
    for (uint64_t j = job->from; j < job->to; j++) {
        struct house h;
        struct person p;
        rebuild(w, j, &h, &p);
        const struct fld *e[3] = {&p.email, &p.email_alt, &p.email_dup};
        uint64_t *k = &job->keys[j * EM_KINDS];
        for (int i = 0; i < 3; i++)
            k[i] = email_key(e[i], gen_variant(w, j, (enum gen_email_kind)i), j * EM_KINDS + i);
        k[EM_FAMILY] = KEY_NONE;
        if (h.start == j && h.family_email.n)
            k[EM_FAMILY] =
                email_key(&h.family_email, gen_variant(w, j, EM_FAMILY), j * EM_KINDS + EM_FAMILY);
    }
    return NULL;
}

/* LSD radix sort, 8 bits a pass; tmp has room for n keys. */
static void sort_keys(uint64_t *keys, uint64_t *tmp, size_t n)
{
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[(keys[i] >> shift & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[keys[i] >> shift & 0xFF]++] = keys[i];
        memcpy(keys, tmp, n * sizeof(*keys));
    }
}

/* Move every address of variant `round` that someone else holds to variant round + 1. */
static void keys_resolve(const uint64_t *keys, size_t n, uint8_t *variant, int round)
{
    for (size_t i = 0; i < n && keys[i] != KEY_NONE;) {
        uint64_t hash = keys[i] >> KEY_HASH_SHIFT;
        uint64_t keeper = (keys[i] & KEY_OWNER_MASK) / EM_KINDS;
        size_t g = i + 1;
        for (; g < n && keys[g] != KEY_NONE && keys[g] >> KEY_HASH_SHIFT == hash; g++) {
            uint64_t owner = keys[g] & KEY_OWNER_MASK, person = owner / EM_KINDS;
            int kind = (int)(owner % EM_KINDS);
            if (person == keeper || (int)(keys[g] >> KEY_OWNER_BITS & 3) != round)
                continue;
            variant[person] = (uint8_t)((variant[person] & ~(3u << 2 * kind)) |
                                        (unsigned)(round + 1) << 2 * kind);
        }
        i = g;
    }
}

static void emails_dedupe(struct gen_ctx *c, int nthreads)
{
    size_t n = (size_t)c->w.n * EM_KINDS;
    uint64_t *keys = xmalloc(n * sizeof(*keys)), *tmp = xmalloc(n * sizeof(*keys));
    uint8_t *variant = xcalloc((size_t)c->w.n, 1);
    c->w.variant = variant;
    struct keys_job job[64];
    for (int round = 0; round < 2; round++) {
        for (int t = 0; t < nthreads; t++) {
            job[t] = (struct keys_job){.w = &c->w,
                                       .keys = keys,
                                       .from = c->w.n * (uint64_t)t / (uint64_t)nthreads,
                                       .to = c->w.n * (uint64_t)(t + 1) / (uint64_t)nthreads};
            /* the last share runs here, and any share without a thread */
            job[t].threaded =
                t < nthreads - 1 && !pthread_create(&job[t].tid, NULL, keys_worker, &job[t]);
            if (!job[t].threaded)
                keys_worker(&job[t]);
        }
        for (int t = 0; t < nthreads; t++)
            if (job[t].threaded)
                pthread_join(job[t].tid, NULL);
        sort_keys(keys, tmp, n);
        keys_resolve(keys, n, variant, round);
    }
    free(keys);
    free(tmp);
}

/* ---- threads: workers fill chunks, the caller writes them in order -------- */

static void *worker(void *arg)
{
    struct gen_ctx *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        while (!c->stop && c->next < c->nchunks && c->next >= c->written + (uint64_t)c->nring)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop || c->next >= c->nchunks) {
            pthread_mutex_unlock(&c->mu);
            return NULL;
        }
        uint64_t k = c->next++;
        pthread_mutex_unlock(&c->mu);
        struct chunk *ch = &c->ring[k % (uint64_t)c->nring];
        chunk_fill(c, k, ch);
        pthread_mutex_lock(&c->mu);
        ch->ready = true;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
}

struct out {
    FILE *f[NFILES];
    char path[NFILES][4096];
};

static int write_all(FILE *f, const char *path, const char *p, size_t n, struct errbuf *e)
{
    while (n) {
        size_t piece = n < WRITE_PIECE ? n : WRITE_PIECE;
        if (fwrite(p, 1, piece, f) != piece)
            return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
        p += piece;
        n -= piece;
    }
    return 0;
}

static int path_join(char *out, size_t cap, const char *dir, const char *name, struct errbuf *e)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, ERR_INVALID, "output path too long: %s/%s", dir, name);
    return 0;
}

/* mkdir -p */
static int make_dir(const char *dir, struct errbuf *e)
{
    char p[4096];
    size_t n = strlen(dir);
    if (!n || n >= sizeof(p))
        return err_set(e, ERR_INVALID, "bad output directory \"%s\"", dir);
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char keep = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) && errno != EEXIST)
            return err_set(e, ERR_IO, "cannot create %s: %s", p, strerror(errno));
        p[i] = keep;
    }
    struct stat st;
    if (stat(dir, &st))
        return err_set(e, ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return err_set(e, ERR_IO, "cannot create %s: not a directory", dir);
    return 0;
}

static int write_map(const char *dir, const char *name, const char *text, uint64_t *bytes,
                     struct errbuf *e)
{
    char path[4096];
    int rc = path_join(path, sizeof(path), dir, name, e);
    if (rc)
        return rc;
    FILE *f = fopen(path, "wb");
    if (!f)
        return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
    rc = write_all(f, path, text, strlen(text), e);
    if (fclose(f) && !rc)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
    *bytes += strlen(text);
    return rc;
}

static int out_open(struct out *o, const char *dir, uint64_t *bytes, struct errbuf *e)
{
    for (int i = 0; i < NFILES; i++) {
        int rc = path_join(o->path[i], sizeof(o->path[i]), dir, files[i].name, e);
        if (rc)
            return rc;
        o->f[i] = fopen(o->path[i], "wb");
        if (!o->f[i])
            return err_set(e, ERR_IO, "cannot create %s: %s", o->path[i], strerror(errno));
        setvbuf(o->f[i], NULL, _IOFBF, WRITE_PIECE);
        rc = write_all(o->f[i], o->path[i], files[i].header, strlen(files[i].header), e);
        if (!rc)
            rc = write_all(o->f[i], o->path[i], "\n", 1, e);
        if (rc)
            return rc;
        *bytes += strlen(files[i].header) + 1;
    }
    int rc = write_map(dir, "store.map.ini", store_map, bytes, e);
    return rc ? rc : write_map(dir, "crm.map.ini", crm_map, bytes, e);
}

static int out_close(struct out *o, int rc, struct errbuf *e)
{
    for (int i = 0; i < NFILES; i++) {
        if (!o->f[i])
            continue;
        if (fclose(o->f[i]) && !rc)
            rc = err_set(e, ERR_IO, "cannot write %s: %s", o->path[i], strerror(errno));
        o->f[i] = NULL;
    }
    return rc;
}

/* The calling thread: write chunks in order as workers finish them. */
static int write_chunks(struct gen_ctx *c, struct out *o, struct gen_stats *st, struct errbuf *e)
{
    int rc = 0;
    for (uint64_t k = 0; k < c->nchunks && !rc; k++) {
        struct chunk *ch = &c->ring[k % (uint64_t)c->nring];
        pthread_mutex_lock(&c->mu);
        while (!ch->ready)
            pthread_cond_wait(&c->cv, &c->mu);
        pthread_mutex_unlock(&c->mu);
        for (int i = 0; i < NFILES && !rc; i++) {
            rc = write_all(o->f[i], o->path[i], ch->out[i].ptr, ch->out[i].len, e);
            st->bytes += ch->out[i].len;
            buf_reset(&ch->out[i]);
        }
        st->order_lines += ch->lines;
        st->consents += ch->consents;
        pthread_mutex_lock(&c->mu);
        ch->ready = false;
        c->written++;
        c->stop = c->stop || rc;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        if (c->o->progress)
            c->o->progress(c->o->progress_arg, k + 1 == c->nchunks ? c->w.n : (k + 1) * CHUNK,
                           c->w.n);
    }
    return rc;
}

static int threads_default(const struct gen_opts *o, uint64_t nchunks)
{
    long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 64)
        n = 64;
    return (int)((uint64_t)n < nchunks ? (uint64_t)n : nchunks);
}

static void ctx_init(struct gen_ctx *c, const struct gen_opts *o)
{
    static const double scale[3] = {0.3, 1.0, 2.5};
    memset(c, 0, sizeof(*c));
    c->o = o;
    c->w.n = o->persons;
    c->w.seed = o->seed;
    c->w.scale = scale[o->dirt];
    c->nchunks = (c->w.n + CHUNK - 1) / CHUNK;
    c->dup_shift = (c->w.n / 2 + 1) % c->w.n;
    c->ref = gen_days_from_civil(2026, 11, 1) * GEN_DAY;
    if (gen_nproducts > 128)
        BUG("gen: more products than room for their EANs");
    for (int i = 0; i < gen_nproducts; i++) {
        gen_ean13(c->ean[i], 541234500000ULL + (uint64_t)i * 37 + 11);
        const char *cat = gen_products[i].category;
        c->outdoor[i] = !strcmp(cat, "bbq") || !strcmp(cat, "garden") ||
                        !strcmp(cat, "furniture") || !strcmp(cat, "plants");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
}

/* Dedupe the e-mail addresses, then fill chunks on worker threads and write them here. */
static int run(struct gen_ctx *c, struct out *out, struct gen_stats *st, struct errbuf *e)
{
    int nthreads = threads_default(c->o, c->nchunks), started = 0, rc;
    emails_dedupe(c, nthreads);
    c->nring = 2 * nthreads + 2;
    c->ring = xcalloc((size_t)c->nring, sizeof(*c->ring));
    for (int i = 0; i < c->nring; i++)
        for (int f = 0; f < NFILES; f++)
            buf_init(&c->ring[i].out[f], (size_t)1 << 30);
    pthread_t tid[64];
    while (started < nthreads && !pthread_create(&tid[started], NULL, worker, c))
        started++;
    if (!started)
        rc = err_set(e, ERR_NOMEM, "cannot start a worker thread");
    else
        rc = write_chunks(c, out, st, e);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < c->nring; i++)
        for (int f = 0; f < NFILES; f++)
            buf_release(&c->ring[i].out[f]);
    free(c->ring);
    return rc;
}

const char *gen_source_name(enum gen_source s)
{
    static const char *const names[GEN_NSOURCES] = {"webshop", "store", "app", "crm"};
    return (unsigned)s < GEN_NSOURCES ? names[s] : "?";
}

int gen_dirt_parse(const char *s, enum gen_dirt *out)
{
    static const char *const names[3] = {"low", "medium", "high"};
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (enum gen_dirt)i;
            return 0;
        }
    return ERR_INVALID;
}

int gen_run(const struct gen_opts *o, struct gen_stats *stats, struct errbuf *e)
{
    if (!o->out_dir || !*o->out_dir)
        return err_set(e, ERR_INVALID, "no output directory");
    if (o->persons < 1 || o->persons > GEN_MAX_PERSONS)
        return err_set(e, ERR_INVALID, "persons must be 1 to %llu",
                       (unsigned long long)GEN_MAX_PERSONS);
    if ((unsigned)o->dirt > GEN_DIRT_HIGH || o->threads < 0)
        return err_set(e, ERR_INVALID, "bad dirt level or thread count");
    int rc = make_dir(o->out_dir, e);
    if (rc)
        return rc;
    struct gen_ctx *c = xmalloc(sizeof(*c));
    ctx_init(c, o);
    struct gen_stats st = {0};
    struct out out;
    memset(&out, 0, sizeof(out));
    rc = out_open(&out, o->out_dir, &st.bytes, e);
    if (!rc) {
        plan_all(c);
        rc = run(c, &out, &st, e);
    }
    rc = out_close(&out, rc, e);
    if (!rc && stats) {
        const uint64_t *last = c->starts[c->nchunks];
        st.persons = c->w.n;
        for (int s = 0; s < GEN_NSOURCES; s++)
            st.profiles[s] = last[s];
        st.test_records = c->tests;
        st.duplicates = c->dups;
        st.orders = last[SEQ_WO] + last[SEQ_SO];
        st.events = last[SEQ_WE] + last[SEQ_AE];
        st.files = NFILES + 2;
        *stats = st;
    }
    free(c->starts);
    free((void *)c->w.variant);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
    return rc;
}
