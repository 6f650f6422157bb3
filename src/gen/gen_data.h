/*
 * gen_data.h — the word lists behind `rondo gen`: names, streets, cities with
 * their postcode ranges, e-mail providers, country names, salutations, month
 * names and a home & garden product range, per country and language.
 *
 * All strings are UTF-8 and every character is in Latin-1 (U+0000..U+00FF),
 * so the CRM file can be written in ISO-8859-1. The tables are constant and
 * static; nothing here allocates. Lists are ordered roughly by frequency:
 * the generator picks early entries more often.
 */
#ifndef RONDO_GEN_DATA_H
#define RONDO_GEN_DATA_H

#include <stdbool.h>

enum gen_country { GEN_BE, GEN_NL, GEN_FR, GEN_DE, GEN_GB, GEN_LU, GEN_NCOUNTRIES };
enum gen_lang { GEN_LANG_NL, GEN_LANG_FR, GEN_LANG_DE, GEN_LANG_EN, GEN_NLANGS };
enum gen_style_id {
    GEN_STYLE_BE_NL,
    GEN_STYLE_BE_FR,
    GEN_STYLE_NL,
    GEN_STYLE_FR,
    GEN_STYLE_DE,
    GEN_STYLE_GB,
    GEN_STYLE_LU,
    GEN_NSTYLES
};

/* A constant list of strings. */
struct gen_list {
    const char *const *v;
    int n;
};

struct gen_city {
    const char *name;
    const char *alt;           /* the name in the other national language (BE), or NULL */
    const char *gb_area;       /* GB: letters of the outward code ("LS"); NULL elsewhere */
    int pc_lo, pc_hi, pc_step; /* postcodes pc_lo, pc_lo + step, ... <= pc_hi (GB: districts) */
    int phone_area;            /* landline area code without the trunk 0; 0: none (LU) */
    const int *pcs;            /* when not NULL: the postcodes instead of the range, 0-terminated */
};

struct gen_style {
    const char *code; /* "BE-nl" */
    enum gen_country country;
    enum gen_lang lang; /* LU households choose French or German themselves */
    struct gen_list female, male, surnames, streets;
    const struct gen_city *cities;
    int ncities;
};

struct gen_weighted {
    const char *s;
    int weight;
};

struct gen_country_info {
    const char *alpha2, *alpha3;
    const char *names[GEN_NLANGS];        /* the country's name in nl, fr, de, en */
    struct gen_list variants;             /* other names people write: "Holland", "UK" */
    struct gen_list typos;                /* misspellings: "Belgie", "Nederlnd" */
    int calling_code;                     /* 32 */
    bool trunk_zero;                      /* national numbers start with 0 (all but LU) */
    const struct gen_weighted *providers; /* free-mail domains, with weights */
    int nproviders;
    struct gen_list trades; /* for employers' domains: "bouw" in "bouw-peeters.be" */
    const char *tld;        /* "be", "co.uk" */
    const char *currency;
};

struct gen_lang_info {
    const char *code;              /* "nl" */
    const char *crm_code;          /* "NL", as the CRM writes it */
    const char *crm_name;          /* "Nederlands", the CRM's other habit */
    struct gen_list salutation[2]; /* [0] female, [1] male */
    const char *months[12];
    const char *wording[3]; /* consent texts: e-mail newsletter, sms, post */
};

struct gen_product {
    const char *sku, *name, *receipt, *category; /* receipt: the till's short text */
    int cents;                                   /* price in EUR cents */
};

/* A first name and the names the same person also goes by (nicknames, translations). */
struct gen_nick {
    const char *formal;
    const char *alts[4]; /* NULL-terminated */
};

struct gen_store {
    const char *name;
    enum gen_style_id style; /* the region it serves */
};

struct gen_test_identity {
    const char *first, *last, *email;
};

extern const struct gen_style gen_styles[GEN_NSTYLES];
extern const struct gen_country_info gen_countries[GEN_NCOUNTRIES];
extern const struct gen_lang_info gen_langs[GEN_NLANGS];

extern const struct gen_product gen_products[];
extern const int gen_nproducts;
extern const char *const gen_categories[];
extern const int gen_ncategories;

extern const struct gen_nick gen_nicks[];
extern const int gen_nnicks;

extern const struct gen_store gen_stores[];
extern const int gen_nstores;

extern const struct gen_test_identity gen_test_identities[];
extern const int gen_ntest_identities;

extern const struct gen_list gen_app_versions;
extern const struct gen_list gen_role_locals; /* "info", "contact", ... for role addresses */

#endif
