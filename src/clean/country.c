/*
 * country.c — the country rule and the ISO 3166-1 table behind it.
 *
 * clean_init() reads the iso-codes package once: the JSON list of countries
 * (codes, English name, official and common names) and the gettext
 * catalogues that translate those English names to Dutch, French and German.
 * From them and a short list of aliases written here ("Holland", "UK",
 * "England") it builds one sorted array of normalised keys -> country, plus
 * the names that reports print. The table is malloc'd, built before any
 * thread runs and never changed or freed afterwards, so clean_country and
 * the lookups in country.h only read it.
 *
 * A key is the text case-folded, accents stripped (utf8proc), with every
 * character that is not a letter or digit dropped and a leading article
 * ("the", "le", "het", ...) removed: "Pays-Bas", "pays bas" and "les
 * Pays-Bas" are all "paysbas". A value that matches no key is compared by
 * edit distance with the names of the countries most customers live in.
 */
#include "clean/clean.h"
#include "clean/country.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <utf8proc.h>

#include "base/str.h"
#include "base/textdist.h"
#include "base/xalloc.h"

#define MAX_IN 200          /* longest input accepted, in bytes */
#define KEY_CAP 256         /* bytes for a key and its NUL */
#define NCPS 1024           /* code points a key may decompose to */
#define FUZZY_MAX_KEY 64    /* longer keys are not compared by edit distance */
#define MAX_DATA (16 << 20) /* largest data file read */

enum { LANG_EN, LANG_NL, LANG_FR, LANG_DE, NLANG };
static const char *const lang_codes[NLANG] = {"en", "nl", "fr", "de"};

/* Where a key came from; a lower value wins when two countries share a key. */
enum key_prio { PRIO_CODE, PRIO_ENGLISH, PRIO_ALIAS, PRIO_TRANSLATION };

struct country {
    char a2[3];
    char a3[4];
    char *name[NLANG]; /* display names; name[LANG_EN] always set */
    bool from_common[NLANG];
    bool favourite;
};

struct key {
    char *key;
    unsigned country; /* index into countries */
    unsigned char prio;
    unsigned char len;
};

struct country_table {
    bool loaded;
    struct country *countries;
    size_t ncountries;
    struct key *keys; /* sorted by key, one per key */
    size_t nkeys;
    short by_a2[26 * 26]; /* alpha-2 -> index into countries, -1 when none */
};

static struct country_table table;

/* An English name from the JSON, to match the catalogues' msgids against. */
enum english_kind { EN_NAME, EN_OFFICIAL, EN_COMMON };

struct english {
    const char *text;
    unsigned country;
    enum english_kind kind;
};

struct builder {
    struct country *countries;
    size_t ncountries, cap_countries;
    struct key *keys;
    size_t nkeys, cap_keys;
    struct english *english;
    size_t nenglish, cap_english;
};

/* The countries whose names are tried for typos ("Belguim", "Duitland"). */
static const char favourites[][3] = {"BE", "NL", "FR", "DE", "LU", "GB", "IE", "ES", "IT", "PT",
                                     "CH", "AT", "DK", "SE", "PL", "US", "NO", "FI", "GR", "CZ"};

/* Spellings iso-codes does not have: usage, old names, parts of a country. */
static const struct {
    const char *text, *a2;
} aliases[] = {
    {"UK", "GB"},
    {"EL", "GR"}, /* the EU's code for Greece */
    {"Holland", "NL"},
    {"Hollande", "NL"},
    {"Nederlanden", "NL"},
    {"Great Britain", "GB"},
    {"Britain", "GB"},
    {"Groot-Brittannië", "GB"},
    {"Grande-Bretagne", "GB"},
    {"Großbritannien", "GB"},
    {"England", "GB"},
    {"Engeland", "GB"},
    {"Angleterre", "GB"},
    {"Scotland", "GB"},
    {"Schotland", "GB"},
    {"Écosse", "GB"},
    {"Schottland", "GB"},
    {"Wales", "GB"},
    {"Pays de Galles", "GB"},
    {"Northern Ireland", "GB"},
    {"Noord-Ierland", "GB"},
    {"Irlande du Nord", "GB"},
    {"Nordirland", "GB"},
    {"Lux", "LU"},
    {"Grand-Duché de Luxembourg", "LU"},
    {"Lëtzebuerg", "LU"},
    {"BRD", "DE"},
    {"Oesterreich", "AT"},
    {"Daenemark", "DK"},
    {"Tuerkei", "TR"},
    {"America", "US"},
    {"Amerika", "US"},
    {"United States of America", "US"},
    {"Russia", "RU"},
    {"Russie", "RU"},
    {"Russland", "RU"},
    {"Turkey", "TR"},
    {"Turquie", "TR"},
    {"Tschechei", "CZ"},
    {"Macedonia", "MK"},
    {"Swaziland", "SZ"},
    {"Ivory Coast", "CI"},
    {"Burma", "MM"},
    {"Cape Verde", "CV"},
    {"Vatican", "VA"},
    {"Vatican City", "VA"},
    {"Vaticaanstad", "VA"},
    {"Vatikan", "VA"},
    {"Vatikanstadt", "VA"},
    {"España", "ES"},
    {"Italia", "IT"},
    {"Polska", "PL"},
    {"Danmark", "DK"},
    {"Sverige", "SE"},
    {"Norge", "NO"},
    {"Suomi", "FI"},
    {"Éire", "IE"},
    {"Hellas", "GR"},
    {"Brasil", "BR"},
};

/* Leading words dropped from a key when more words follow. */
static const char *const articles[] = {"the", "le", "la", "les", "l", "het", "de", "die", "der"};

static bool is_article(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof(articles) / sizeof(articles[0]); i++)
        if (strlen(articles[i]) == n && memcmp(articles[i], w, n) == 0)
            return true;
    return false;
}

static bool keeps(utf8proc_int32_t cp)
{
    utf8proc_category_t cat = utf8proc_category(cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

/*
 * The key of s[0..n) into out (KEY_CAP bytes). This is utf8proc_map with
 * CASEFOLD | STRIPMARK | COMPOSE | STABLE done in a stack buffer, because
 * utf8proc_map mallocs and this runs once per record. Returns the key's
 * length, or -1 when s is not UTF-8 or too long.
 */
static int country_key(const char *s, size_t n, char *out)
{
    utf8proc_int32_t cps[NCPS];
    const utf8proc_option_t opts =
        UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_COMPOSE | UTF8PROC_STABLE;
    utf8proc_ssize_t ncp =
        utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cps, NCPS, opts);
    if (ncp < 0 || ncp > NCPS)
        return -1;
    ncp = utf8proc_normalize_utf32(cps, ncp, opts);
    if (ncp < 0)
        return -1;

    size_t len = 0, first_word = 0;
    bool gap = false;
    for (utf8proc_ssize_t i = 0; i < ncp; i++) {
        if (!keeps(cps[i])) {
            gap = len > 0;
            continue;
        }
        if (gap && !first_word)
            first_word = len;
        gap = false;
        if (len + 4 >= KEY_CAP)
            return -1;
        len += (size_t)utf8proc_encode_char(cps[i], (utf8proc_uint8_t *)out + len);
    }
    if (first_word && is_article(out, first_word)) {
        memmove(out, out + first_word, len - first_word);
        len -= first_word;
    }
    out[len] = '\0';
    return (int)len;
}

/* ---- building the table ---------------------------------------------- */

static void builder_free(struct builder *b)
{
    for (size_t i = 0; i < b->ncountries; i++)
        for (int l = 0; l < NLANG; l++)
            free(b->countries[i].name[l]);
    for (size_t i = 0; i < b->nkeys; i++)
        free(b->keys[i].key);
    free(b->countries);
    free(b->keys);
    free(b->english);
    memset(b, 0, sizeof(*b));
}

/* Make room for one more element of size sz in *arr (count n, capacity *cap). */
static void grow(void **arr, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : 64;
    *arr = xrealloc(*arr, *cap * sz);
}

/* Add the key of text for country; silently skips text that makes no key. */
static void add_key(struct builder *b, const char *text, unsigned country, enum key_prio prio)
{
    char k[KEY_CAP];
    int n = country_key(text, strlen(text), k);
    if (n <= 0 || n > 255)
        return;
    grow((void **)&b->keys, b->nkeys, &b->cap_keys, sizeof(*b->keys));
    b->keys[b->nkeys++] = (struct key){xstrdup(k), country, (unsigned char)prio, (unsigned char)n};
}

static void add_english(struct builder *b, const char *text, unsigned country,
                        enum english_kind kind)
{
    grow((void **)&b->english, b->nenglish, &b->cap_english, sizeof(*b->english));
    b->english[b->nenglish++] = (struct english){text, country, kind};
    add_key(b, text, country, PRIO_ENGLISH);
}

static bool is_code(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    return true;
}

/* Read a whole file (at most MAX_DATA bytes) into a malloc'd buffer the caller frees. */
static int read_all(const char *path, unsigned char **data, size_t *len, struct errbuf *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot open %s: %s; install the iso-codes package", path,
                       strerror(errno));
    unsigned char *p = NULL;
    int rc = 0;
    long size = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET)) {
        rc = err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (size > MAX_DATA) {
        rc = err_set(e, ERR_IO, "%s is larger than %d bytes", path, MAX_DATA);
        goto out;
    }
    p = xmalloc((size_t)size + 1);
    if (fread(p, 1, (size_t)size, f) != (size_t)size) {
        rc = err_set(e, ERR_IO, "cannot read %s: %s", path,
                     ferror(f) ? strerror(errno) : "file shrank while read");
        goto out;
    }
    *data = p;
    *len = (size_t)size;
    p = NULL;
out:
    free(p);
    fclose(f);
    return rc;
}

static int load_json(struct builder *b, const char *path, json_t **root, struct errbuf *e)
{
    unsigned char *data;
    size_t len;
    int rc = read_all(path, &data, &len, e);
    if (rc)
        return rc;
    json_error_t jerr;
    *root = json_loadb((const char *)data, len, 0, &jerr);
    free(data);
    if (!*root)
        return err_set(e, ERR_IO, "%s line %d: %s; reinstall the iso-codes package", path,
                       jerr.line, jerr.text);
    json_t *list = json_object_get(*root, "3166-1");
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 1000)
        return err_set(e, ERR_IO, "%s has no \"3166-1\" list; reinstall the iso-codes package",
                       path);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *a2 = json_string_value(json_object_get(item, "alpha_2"));
        const char *a3 = json_string_value(json_object_get(item, "alpha_3"));
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *official = json_string_value(json_object_get(item, "official_name"));
        const char *common = json_string_value(json_object_get(item, "common_name"));
        if (!is_code(a2, 2) || !is_code(a3, 3) || !name)
            return err_set(e, ERR_IO, "%s: entry %zu lacks alpha_2, alpha_3 or name", path, i);
        short *slot = &table.by_a2[(a2[0] - 'A') * 26 + (a2[1] - 'A')];
        if (*slot >= 0)
            return err_set(e, ERR_IO, "%s: %s appears twice", path, a2);

        grow((void **)&b->countries, b->ncountries, &b->cap_countries, sizeof(*b->countries));
        unsigned idx = (unsigned)b->ncountries++;
        struct country *c = &b->countries[idx];
        memset(c, 0, sizeof(*c));
        memcpy(c->a2, a2, 3);
        memcpy(c->a3, a3, 4);
        c->name[LANG_EN] = xstrdup(common ? common : name);
        *slot = (short)idx;

        add_key(b, a2, idx, PRIO_CODE);
        add_key(b, a3, idx, PRIO_CODE);
        add_english(b, name, idx, EN_NAME);
        if (official)
            add_english(b, official, idx, EN_OFFICIAL);
        if (common)
            add_english(b, common, idx, EN_COMMON);
    }
    return 0;
}

static uint32_t rd32(const unsigned char *p, bool big)
{
    if (big)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int cmp_english(const void *a, const void *b)
{
    return strcmp(((const struct english *)a)->text, ((const struct english *)b)->text);
}

/* String number i of the table at off in a .mo file, or NULL when out of bounds. */
static const char *mo_string(const unsigned char *d, size_t len, bool big, uint32_t off, uint32_t i)
{
    size_t at = (size_t)off + (size_t)i * 8;
    if (at + 8 > len)
        return NULL;
    size_t n = rd32(d + at, big), o = rd32(d + at + 4, big);
    if (o >= len || n >= len - o || d[o + n] != '\0')
        return NULL;
    return (const char *)d + o;
}

/*
 * Apply one translation: a key for the country, and its display name, which
 * is the translated common name where there is one, else the translated name.
 */
static void add_translation(struct builder *b, int lang, const char *msgid, const char *msgstr)
{
    struct english probe = {msgid, 0, EN_NAME};
    const struct english *en =
        bsearch(&probe, b->english, b->nenglish, sizeof(*b->english), cmp_english);
    if (!en || !*msgstr)
        return;
    add_key(b, msgstr, en->country, PRIO_TRANSLATION);
    struct country *c = &b->countries[en->country];
    if (en->kind == EN_OFFICIAL || (en->kind == EN_NAME && c->from_common[lang]))
        return;
    free(c->name[lang]);
    c->name[lang] = xstrdup(msgstr);
    c->from_common[lang] = en->kind == EN_COMMON;
}

/* Parse a GNU gettext catalogue (either byte order) and apply its entries. */
static int load_mo(struct builder *b, int lang, const char *path, struct errbuf *e)
{
    unsigned char *d;
    size_t len;
    int rc = read_all(path, &d, &len, e);
    if (rc)
        return rc;
    bool big = false;
    if (len >= 20 && rd32(d, false) == 0x950412deu)
        big = false;
    else if (len >= 20 && rd32(d, true) == 0x950412deu)
        big = true;
    else {
        rc = err_set(e, ERR_IO, "%s is not a gettext catalogue; reinstall the iso-codes package",
                     path);
        goto out;
    }
    uint32_t count = rd32(d + 8, big), orig = rd32(d + 12, big), trans = rd32(d + 16, big);
    for (uint32_t i = 0; i < count; i++) {
        const char *id = mo_string(d, len, big, orig, i);
        const char *str = mo_string(d, len, big, trans, i);
        if (!id || !str) {
            rc = err_set(e, ERR_IO, "%s is truncated or corrupt; reinstall the iso-codes package",
                         path);
            goto out;
        }
        if (*id && !strchr(id, '\004'))
            add_translation(b, lang, id, str);
    }
out:
    free(d);
    return rc;
}

static void add_aliases(struct builder *b)
{
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        const char *a2 = aliases[i].a2;
        short idx = table.by_a2[(a2[0] - 'A') * 26 + (a2[1] - 'A')];
        if (idx >= 0)
            add_key(b, aliases[i].text, (unsigned)idx, PRIO_ALIAS);
    }
}

static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int d = strcmp(x->key, y->key);
    if (d)
        return d;
    if (x->prio != y->prio)
        return x->prio < y->prio ? -1 : 1;
    return x->country < y->country ? -1 : x->country > y->country;
}

/* Sort the keys and keep one per text: the one from the best source. */
static void sort_keys(struct builder *b)
{
    qsort(b->keys, b->nkeys, sizeof(*b->keys), cmp_key);
    size_t w = 0;
    for (size_t r = 0; r < b->nkeys; r++) {
        if (w && !strcmp(b->keys[w - 1].key, b->keys[r].key)) {
            free(b->keys[r].key);
            continue;
        }
        b->keys[w++] = b->keys[r];
    }
    b->nkeys = w;
}

static void mark_favourites(struct builder *b)
{
    for (size_t i = 0; i < sizeof(favourites) / sizeof(favourites[0]); i++) {
        short idx = table.by_a2[(favourites[i][0] - 'A') * 26 + (favourites[i][1] - 'A')];
        if (idx >= 0)
            b->countries[idx].favourite = true;
    }
}

int clean_init(struct errbuf *e)
{
    if (table.loaded)
        return 0;
    const char *dir = getenv("RONDO_ISO_CODES_DIR");
    if (!dir || !*dir)
        dir = "/usr/share";
    for (size_t i = 0; i < 26 * 26; i++)
        table.by_a2[i] = -1;

    struct builder b = {0};
    json_t *root = NULL;
    char path[4096];
    snprintf(path, sizeof(path), "%s/iso-codes/json/iso_3166-1.json", dir);
    int rc = load_json(&b, path, &root, e);
    if (rc)
        goto out;
    qsort(b.english, b.nenglish, sizeof(*b.english), cmp_english);
    for (int lang = LANG_NL; lang < NLANG; lang++) {
        snprintf(path, sizeof(path), "%s/locale/%s/LC_MESSAGES/iso_3166-1.mo", dir,
                 lang_codes[lang]);
        rc = load_mo(&b, lang, path, e);
        if (rc)
            goto out;
    }
    add_aliases(&b);
    sort_keys(&b);
    mark_favourites(&b);

    table.countries = b.countries;
    table.ncountries = b.ncountries;
    table.keys = b.keys;
    table.nkeys = b.nkeys;
    free(b.english);
    table.loaded = true;
out:
    if (rc) {
        builder_free(&b);
        for (size_t i = 0; i < 26 * 26; i++)
            table.by_a2[i] = -1;
    }
    json_decref(root); /* b.english points into it until here */
    return rc;
}

/* ---- lookups ----------------------------------------------------------- */

static const struct country *by_alpha2(const char *a2)
{
    if (!table.loaded || !a2 || !a2[0] || !a2[1] || a2[2])
        return NULL;
    int x = (a2[0] | 0x20) - 'a', y = (a2[1] | 0x20) - 'a';
    if (x < 0 || x >= 26 || y < 0 || y >= 26)
        return NULL;
    short idx = table.by_a2[x * 26 + y];
    return idx >= 0 ? &table.countries[idx] : NULL;
}

const char *clean_country_name(const char *alpha2, const char *lang)
{
    const struct country *c = by_alpha2(alpha2);
    if (!c)
        return NULL;
    int l = LANG_EN;
    for (int i = 0; lang && i < NLANG; i++)
        if (!strncmp(lang, lang_codes[i], 2) &&
            (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
            l = i;
    return c->name[l] ? c->name[l] : c->name[LANG_EN];
}

bool clean_country_known(const char *alpha2)
{
    return by_alpha2(alpha2) != NULL;
}

static int cmp_find(const void *k, const void *elem)
{
    return strcmp(k, ((const struct key *)elem)->key);
}

static const struct key *find_key(const char *k)
{
    return bsearch(k, table.keys, table.nkeys, sizeof(*table.keys), cmp_find);
}

/*
 * The country whose name is nearest to k, allowing 1 edit (2 from 8 bytes
 * on), among the favourite countries; NULL unless exactly one country is
 * nearest and no other country in the table is as near.
 */
static const struct country *fuzzy_find(const char *k, int n)
{
    if (n < 4 || n > FUZZY_MAX_KEY)
        return NULL;
    int max = n >= 8 ? 2 : 1, best = max + 1;
    unsigned found = 0;
    bool tie = false;
    for (size_t i = 0; i < table.nkeys; i++) {
        const struct key *x = &table.keys[i];
        if (x->prio == PRIO_CODE || !table.countries[x->country].favourite ||
            x->len > FUZZY_MAX_KEY)
            continue;
        int d = textdist_osa_bytes(k, (size_t)n, x->key, x->len, best < max ? best : max);
        if (d < best) {
            best = d;
            found = x->country;
            tie = false;
        } else if (d == best && d <= max && x->country != found) {
            tie = true;
        }
    }
    if (best > max || tie)
        return NULL;
    /* "Austrlia" is one edit from Austria, but as near to Australia */
    for (size_t i = 0; i < table.nkeys; i++) {
        const struct key *x = &table.keys[i];
        if (x->prio == PRIO_CODE || x->country == found || x->len > FUZZY_MAX_KEY)
            continue;
        if (textdist_osa_bytes(k, (size_t)n, x->key, x->len, best) <= best)
            return NULL;
    }
    return &table.countries[found];
}

static int unknown(const struct clean_ctx *c, struct clean_result *out, struct str s)
{
    size_t cap = s.len + 32;
    char *msg = arena_alloc(c->arena, cap);
    if (!msg)
        return ERR_NOMEM;
    snprintf(msg, cap, "unknown country \"%.*s\"", (int)s.len, s.ptr);
    return clean_invalid(out, msg);
}

int clean_country(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    clean_result_init(out);
    if (!table.loaded)
        BUG("clean_country called before clean_init");
    struct str s = str_trim(str_from(in));
    if (!s.len)
        return clean_invalid(out, "country is empty");
    if (s.len > MAX_IN)
        return clean_invalid(out, "country is longer than 200 bytes");
    /* placeholders for "no value", which the key would read as a code ("n/a" -> NA) */
    static const char *const none[] = {"n/a", "n.a.", "n.a", "na.", "-", "--", "?", "none",
                                       "unknown", "onbekend", "inconnu", "unbekannt", "nvt",
                                       "n.v.t.", "x", "xx", "xxx"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        if (str_eq_nocase(s, none[i]))
            return clean_invalid(out, "country not given (a placeholder)");

    char k[KEY_CAP];
    int n = country_key(s.ptr, s.len, k);
    if (n < 0)
        return clean_invalid(out, "country is not valid UTF-8");
    const struct country *found = NULL;
    const struct key *hit = n ? find_key(k) : NULL;
    if (hit)
        found = &table.countries[hit->country];
    else if (n)
        found = fuzzy_find(k, n);
    if (!found)
        return unknown(c, out, s);

    out->value = found->a2;
    if (strcmp(in, found->a2) != 0)
        return clean_fix_add(c, out, "country.code", in, found->a2);
    return 0;
}
