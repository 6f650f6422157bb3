/*
 * household.c — address keys and household grouping (see household.h).
 *
 * The address key is built from key_name's folding (keys.h): keys.c has its
 * own street and house-number normalisers for blocking, but they are static
 * and tuned for recall (street words dropped, box numbers dropped); a
 * household must not span two buildings, so here street words are unified
 * rather than dropped and the box is kept.
 *
 * household_assign works in two passes over an index sorted by address
 * hash: pass 1 computes every record's address hash (records without an
 * address are left out); then each run of equal hashes with two or more
 * members is one address, whose members get their contact hashes (one per
 * surname word, phone, e-mail, each tagged by kind) sorted so that equal
 * ones are neighbours, and union-find joins the members of each run of
 * equal contact hashes. Cost per address is O(m log m) for m members, so an
 * apartment block of a thousand profiles is as cheap as a thousand houses.
 * Scratch arrays are owned by the call and reused from address to address.
 */
#include "identity/household.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "base/xalloc.h"
#include "identity/keys.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define NAME_CAP 256   /* key_name output considered */
#define MAX_WORDS 16   /* words of a street or house number considered */
#define STREET_MAX 160 /* bytes of the street part of a key */
#define HOUSE_MAX 40
#define POSTCODE_MAX 16
#define COUNTRY_MAX 8
#define SURNAME_WORDS 4 /* words of a double surname that each join */
#define CONTACTS_MAX (SURNAME_WORDS + 2)

/* ---- address key --------------------------------------------------------- */

struct words {
    const char *w[MAX_WORDS];
    size_t len[MAX_WORDS];
    int n;
};

/* Split key_name's output (single spaces, no leading or trailing one). */
static void split_words(const char *s, size_t n, struct words *out)
{
    out->n = 0;
    for (size_t i = 0; i < n && out->n < MAX_WORDS;) {
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        out->w[out->n] = s + i;
        out->len[out->n++] = j - i;
        i = j + 1;
    }
}

static bool word_eq(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Append s[0..n) to out[*len..] within cap - 1, never splitting a UTF-8 sequence. */
static void put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= cap)
        return;
    size_t room = cap - 1 - *len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

struct street_word {
    const char *word, *as;
};

/* A street word standing alone, and what it counts as. */
static const struct street_word street_words[] = {
    {"straat", "str"},    {"strasse", "str"},   {"str", "str"},    {"street", "str"},
    {"avenue", "avenue"}, {"av", "avenue"},     {"ave", "avenue"}, {"boulevard", "bd"},
    {"bd", "bd"},         {"bld", "bd"},        {"blvd", "bd"},    {"place", "place"},
    {"pl", "place"},      {"chaussee", "chee"}, {"chee", "chee"},  {"steenweg", "steenweg"},
    {"stwg", "steenweg"}, {"road", "road"},     {"rd", "road"},    {"lane", "lane"},
    {"ln", "lane"},       {"square", "square"}, {"sq", "square"},
};

/*
 * The same words glued to the end of a street name ("Kerkstraat",
 * "Hauptstr", "Mechelsestwg"): longest first, so that "straat" wins over
 * "str"; the name must keep two letters.
 */
static const struct street_word street_suffixes[] = {
    {"strasse", "str"},
    {"straat", "str"},
    {"stwg", "steenweg"},
    {"str", "str"},
};

/* One street word of key_name's output appended to out in its unified form. */
static void street_word_put(const char *w, size_t n, bool last, char *out, size_t cap, size_t *len)
{
    for (size_t i = 0; i < ARRAY_LEN(street_words); i++)
        if (word_eq(w, n, street_words[i].word)) {
            put(out, cap, len, street_words[i].as, strlen(street_words[i].as));
            return;
        }
    if (last && *len > 0 && word_eq(w, n, "st")) { /* "Main St"; a first "St" is a saint */
        put(out, cap, len, "str", 3);
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(street_suffixes); i++) {
        size_t sl = strlen(street_suffixes[i].word);
        if (n >= sl + 2 && memcmp(w + n - sl, street_suffixes[i].word, sl) == 0) {
            put(out, cap, len, w, n - sl);
            put(out, cap, len, street_suffixes[i].as, strlen(street_suffixes[i].as));
            return;
        }
    }
    put(out, cap, len, w, n);
}

static size_t norm_street(const char *street, char *out, size_t cap)
{
    char name[NAME_CAP];
    size_t nn = key_name(street, name, sizeof(name));
    struct words ws;
    split_words(name, nn, &ws);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < ws.n; i++)
        street_word_put(ws.w[i], ws.len[i], i == ws.n - 1, out, cap, &len);
    return len;
}

/* Words that announce a box (Belgian "bus", "bte", "boîte"; "app", "apt"). */
static bool is_box_word(const char *w, size_t n)
{
    static const char *const box[] = {"bus", "bte", "bt", "boite", "box", "app", "appt", "apt"};
    for (size_t i = 0; i < ARRAY_LEN(box); i++)
        if (word_eq(w, n, box[i]))
            return true;
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Split key_name's words further where digits meet letters ("12a" -> "12", "a"). */
static void split_tokens(const struct words *ws, struct words *out)
{
    out->n = 0;
    for (int i = 0; i < ws->n; i++)
        for (size_t j = 0; j < ws->len[i] && out->n < MAX_WORDS;) {
            const char *w = ws->w[i];
            size_t k = j;
            bool digits = is_digit(w[j]);
            while (k < ws->len[i] && is_digit(w[k]) == digits)
                k++;
            out->w[out->n] = w + j;
            out->len[out->n++] = k - j;
            j = k;
        }
}

/*
 * The house number: digit runs without leading zeros, a '/' before every
 * digit run but the first, letters glued on; words before the first digit
 * and box words dropped ("Nr. 12 A bus 03" -> "12a/3"). 0 without a digit.
 */
static size_t norm_house(const char *house, char *out, size_t cap)
{
    char name[NAME_CAP];
    size_t nn = key_name(house, name, sizeof(name));
    struct words ws, tok;
    split_words(name, nn, &ws);
    split_tokens(&ws, &tok);

    size_t len = 0;
    bool seen_digit = false;
    out[0] = '\0';
    for (int i = 0; i < tok.n; i++) {
        const char *t = tok.w[i];
        size_t n = tok.len[i];
        if (!is_digit(t[0])) {
            bool box_b = n == 1 && t[0] == 'b' && i + 1 < tok.n && is_digit(tok.w[i + 1][0]);
            if (seen_digit && !box_b && !is_box_word(t, n))
                put(out, cap, &len, t, n);
            continue;
        }
        while (n > 1 && t[0] == '0') {
            t++;
            n--;
        }
        if (seen_digit)
            put(out, cap, &len, "/", 1);
        put(out, cap, &len, t, n);
        seen_digit = true;
    }
    if (!seen_digit) {
        out[0] = '\0';
        return 0;
    }
    return len;
}

/* s without white space, ASCII upper case, into out (cap with the NUL). */
static size_t norm_upper(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = s; p && *p && n + 1 < cap; p++) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        out[n++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    out[n] = '\0';
    return n;
}

size_t household_address_key(const struct household_rec *r, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    char street[STREET_MAX + 1], house[HOUSE_MAX + 1];
    char postcode[POSTCODE_MAX + 1], country[COUNTRY_MAX + 1];
    size_t ns = norm_street(r->street, street, sizeof(street));
    size_t nh = norm_house(r->house_number, house, sizeof(house));
    size_t np = norm_upper(r->postal_code, postcode, sizeof(postcode));
    size_t nc = norm_upper(r->country, country, sizeof(country));
    if (ns == 0 || nh == 0 || np == 0)
        return 0;

    size_t len = 0;
    put(out, cap, &len, street, ns);
    put(out, cap, &len, "|", 1);
    put(out, cap, &len, house, nh);
    put(out, cap, &len, "|", 1);
    put(out, cap, &len, postcode, np);
    put(out, cap, &len, "|", 1);
    put(out, cap, &len, country, nc);
    return len;
}

/* ---- grouping ------------------------------------------------------------ */

struct entry {
    uint64_t hash;
    size_t idx; /* into recs, or into the address's members */
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint64_t tagged_hash(char tag, const char *s, size_t n)
{
    return str_fnv1a(str_fnv1a(STR_FNV1A_INIT, &tag, 1), s, n);
}

/* The contact hashes of r into h[CONTACTS_MAX]; returns how many. */
static int contacts(const struct household_rec *r, uint64_t *h)
{
    int n = 0;
    char name[NAME_CAP];
    size_t nn = key_name(r->last_name, name, sizeof(name));
    struct words ws;
    split_words(name, nn, &ws);
    for (int i = 0; i < ws.n && i < SURNAME_WORDS; i++) {
        char word[NAME_CAP], code[16];
        memcpy(word, ws.w[i], ws.len[i]);
        word[ws.len[i]] = '\0';
        size_t nc = key_phonetic(word, code, sizeof(code));
        if (nc > 0)
            h[n++] = tagged_hash('n', code, nc);
    }
    if (r->phone && *r->phone)
        h[n++] = tagged_hash('p', r->phone, strlen(r->phone));
    if (r->email && *r->email)
        h[n++] = tagged_hash('e', r->email, strlen(r->email));
    return n;
}

/* Scratch for one address, grown to the largest address seen. */
struct scratch {
    size_t cap;          /* members */
    uint32_t *parent;    /* union-find over members */
    uint32_t *size;      /* members per root */
    int64_t *min_id;     /* smallest profile id per root */
    struct entry *links; /* CONTACTS_MAX per member */
};

static void scratch_grow(struct scratch *s, size_t m)
{
    if (m <= s->cap)
        return;
    size_t links;
    if (m > UINT32_MAX || size_mul(m, CONTACTS_MAX * sizeof(struct entry), &links))
        BUG("household: %zu profiles at one address", m);
    s->parent = xrealloc(s->parent, m * sizeof(*s->parent));
    s->size = xrealloc(s->size, m * sizeof(*s->size));
    s->min_id = xrealloc(s->min_id, m * sizeof(*s->min_id));
    s->links = xrealloc(s->links, links);
    s->cap = m;
}

static void scratch_release(struct scratch *s)
{
    free(s->parent);
    free(s->size);
    free(s->min_id);
    free(s->links);
}

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]]; /* path halving */
        x = parent[x];
    }
    return x;
}

static void unite(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/*
 * One address: members[0..m) index recs. Sets household[] for each member
 * and returns the number of households found there.
 */
static size_t assign_address(const struct household_rec *recs, const struct entry *members,
                             size_t m, struct scratch *s, int64_t *household)
{
    scratch_grow(s, m);
    size_t nl = 0;
    for (size_t i = 0; i < m; i++) {
        uint64_t h[CONTACTS_MAX];
        int nh = contacts(&recs[members[i].idx], h);
        for (int k = 0; k < nh; k++)
            s->links[nl++] = (struct entry){.hash = h[k], .idx = i};
        s->parent[i] = (uint32_t)i;
        s->size[i] = 0;
    }
    qsort(s->links, nl, sizeof(*s->links), entry_cmp);
    for (size_t k = 1; k < nl; k++)
        if (s->links[k].hash == s->links[k - 1].hash)
            unite(s->parent, (uint32_t)s->links[k - 1].idx, (uint32_t)s->links[k].idx);

    for (size_t i = 0; i < m; i++) {
        uint32_t root = find(s->parent, (uint32_t)i);
        int64_t id = recs[members[i].idx].profile_id;
        if (s->size[root] == 0 || id < s->min_id[root])
            s->min_id[root] = id;
        s->size[root]++;
    }
    size_t households = 0;
    for (size_t i = 0; i < m; i++) {
        uint32_t root = find(s->parent, (uint32_t)i);
        household[members[i].idx] = s->size[root] >= 2 ? s->min_id[root] : 0;
        households += root == i && s->size[root] >= 2;
    }
    return households;
}

size_t household_assign(const struct household_rec *recs, size_t n, int64_t *household)
{
    if (n == 0)
        return 0;
    size_t bytes;
    if (size_mul(n, sizeof(struct entry), &bytes))
        BUG("household: %zu records", n);
    struct entry *order = xmalloc(bytes);
    size_t na = 0;
    for (size_t i = 0; i < n; i++) {
        char key[HOUSEHOLD_KEY_LEN];
        size_t len = household_address_key(&recs[i], key, sizeof(key));
        household[i] = 0;
        if (len > 0)
            order[na++] = (struct entry){.hash = str_fnv1a(STR_FNV1A_INIT, key, len), .idx = i};
    }
    qsort(order, na, sizeof(*order), entry_cmp);

    struct scratch s = {0};
    size_t households = 0;
    for (size_t i = 0; i < na;) {
        size_t j = i + 1;
        while (j < na && order[j].hash == order[i].hash)
            j++;
        if (j - i >= 2)
            households += assign_address(recs, order + i, j - i, &s, household);
        i = j;
    }
    scratch_release(&s);
    free(order);
    return households;
}
