/*
 * record.c — one profile record through every cleaning rule (record.h), plus
 * the small rules that only records need: language, address parts and
 * test-record patterns.
 *
 * Order matters: the country is cleaned first, because phone numbers and
 * postal codes are read in the record's country (or the source's default).
 */
#include "clean/record.h"

#include <ctype.h>
#include <stdio.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "clean/email.h"

/* ---- small rules ---------------------------------------------------------- */

static const struct {
    const char *name;
    const char *code;
} languages[] = {
    {"nl", "nl"}, {"nld", "nl"}, {"dut", "nl"}, {"dutch", "nl"}, {"nederlands", "nl"},
    {"vlaams", "nl"}, {"flemish", "nl"}, {"neerlandais", "nl"}, {"niederlandisch", "nl"},
    {"fr", "fr"}, {"fra", "fr"}, {"fre", "fr"}, {"french", "fr"}, {"francais", "fr"},
    {"frans", "fr"}, {"franzosisch", "fr"},
    {"de", "de"}, {"deu", "de"}, {"ger", "de"}, {"german", "de"}, {"deutsch", "de"},
    {"duits", "de"}, {"allemand", "de"},
    {"en", "en"}, {"eng", "en"}, {"english", "en"}, {"engels", "en"}, {"anglais", "en"},
    {"englisch", "en"},
    {"lb", "lb"}, {"ltz", "lb"}, {"luxembourgish", "lb"}, {"letzebuergesch", "lb"},
    {"es", "es"}, {"spa", "es"}, {"spanish", "es"}, {"espanol", "es"},
    {"it", "it"}, {"ita", "it"}, {"italian", "it"}, {"italiano", "it"},
};

/* The letters a-z of in, folded (case and accents aside): "Français" -> "francais". */
static size_t ascii_key(const char *in, char *out, size_t cap)
{
    int32_t cps[64];
    size_t n = fold_utf8(in, SIZE_MAX, 0, cps, sizeof(cps) / sizeof(cps[0]), NULL), k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if (cps[i] >= 'a' && cps[i] <= 'z')
            out[k++] = (char)cps[i];
    out[k] = 0;
    return k;
}

int clean_language(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    clean_result_init(out);
    char key[64];
    /* "nl-BE", "fr_FR": the language part decides */
    char head[64];
    size_t i = 0;
    while (in[i] && in[i] != '-' && in[i] != '_' && i + 1 < sizeof(head)) {
        head[i] = in[i];
        i++;
    }
    head[i] = 0;
    if (strlen(in) > 64 || !ascii_key(head, key, sizeof(key)))
        return clean_invalid(out, "not a language");
    for (size_t k = 0; k < sizeof(languages) / sizeof(languages[0]); k++) {
        if (strcmp(key, languages[k].name) == 0) {
            out->value = languages[k].code;
            if (strcmp(in, out->value) != 0)
                return clean_fix_add(c, out, "language.code", in, out->value);
            return 0;
        }
    }
    return clean_invalid(out, "unknown language");
}

int clean_address_part(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    int rc = clean_name(c, in, out);
    for (int i = 0; i < out->nfixes; i++)
        if (strcmp(out->fixes[i].rule, "name.case") == 0)
            out->fixes[i].rule = "address.case";
        else if (strcmp(out->fixes[i].rule, "name.whitespace") == 0)
            out->fixes[i].rule = "address.whitespace";
    return rc;
}

int clean_house_number(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    clean_result_init(out);
    size_t n = strlen(in);
    if (n > 32)
        return clean_invalid(out, "a house number is at most 32 characters");
    char *v = arena_alloc(c->arena, n + 1);
    if (!v)
        return ERR_NOMEM;
    size_t k = 0;
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (isspace(ch)) {
            if (k && v[k - 1] != ' ')
                v[k++] = ' ';
            continue;
        }
        if (isdigit(ch))
            digit = true;
        v[k++] = (char)(isalpha(ch) ? toupper(ch) : ch);
    }
    while (k && v[k - 1] == ' ')
        k--;
    v[k] = 0;
    if (!digit)
        return clean_invalid(out, "a house number has at least one digit");
    out->value = v;
    if (strcmp(v, in) != 0)
        return clean_fix_add(c, out, "address.house_number", in, v);
    return 0;
}

/* ---- test-record patterns --------------------------------------------------- */

void clean_patterns_free(struct clean_patterns *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->field[i]);
        free(p->pattern[i]);
    }
    free(p->field);
    free(p->pattern);
    memset(p, 0, sizeof(*p));
}

int clean_patterns_add(struct clean_patterns *p, const char *field, const char *pattern)
{
    if (strcmp(field, "email") != 0 && strcmp(field, "name") != 0 &&
        strcmp(field, "first_name") != 0 && strcmp(field, "last_name") != 0)
        return ERR_INVALID;
    p->field = xrealloc(p->field, (p->n + 1) * sizeof(*p->field));
    p->pattern = xrealloc(p->pattern, (p->n + 1) * sizeof(*p->pattern));
    p->field[p->n] = xstrdup(field);
    p->pattern[p->n] = xstrdup(pattern);
    for (char *c = p->pattern[p->n]; *c; c++) /* matched against lower-cased values */
        *c = (char)tolower((unsigned char)*c);
    p->n++;
    return 0;
}

static const char *test_match(const struct clean_patterns *p, const char *field, const char *v)
{
    if (!p || !v || !*v)
        return NULL;
    char low[256];
    size_t n = 0;
    for (; v[n] && n + 1 < sizeof(low); n++)
        low[n] = (char)tolower((unsigned char)v[n]);
    low[n] = 0;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->field[i], field) == 0 && fnmatch(p->pattern[i], low, 0) == 0)
            return p->pattern[i];
    return NULL;
}

static void test_record(const struct clean_ctx *c, const struct clean_patterns *p,
                        const struct clean_input *in, struct clean_output *out)
{
    /* cleaned where it could be (" Mouse" is "Mouse"), else as given */
    const char *first = out->fields[PF_FIRST_NAME] ? out->fields[PF_FIRST_NAME]
                                                   : in->fields[PF_FIRST_NAME];
    const char *last = out->fields[PF_LAST_NAME] ? out->fields[PF_LAST_NAME]
                                                 : in->fields[PF_LAST_NAME];
    const char *email = out->email_key ? out->email_key : in->fields[PF_EMAIL];
    const char *hit;
    char *name = NULL;
    if (first && *first && last && *last) {
        size_t n = strlen(first) + strlen(last) + 2;
        name = arena_alloc(c->arena, n);
        if (name) {
            memcpy(name, first, strlen(first));
            name[strlen(first)] = ' ';
            memcpy(name + strlen(first) + 1, last, strlen(last) + 1);
        }
    }
    const char *field = "email";
    if (!(hit = test_match(p, field, email)) && !(hit = test_match(p, field = "name", name)) &&
        !(hit = test_match(p, field = "first_name", first)))
        hit = test_match(p, field = "last_name", last);
    if (!hit)
        return;
    out->test_field = field;
    size_t n = strlen(hit) + 64;
    char *reason = arena_alloc(c->arena, n);
    if (reason)
        snprintf(reason, n, "test record: %s matches \"%s\"", field, hit);
    out->test_reason = reason ? reason : "test record";
}

/* ---- the record ------------------------------------------------------------- */

static bool given(const char *v)
{
    return v && *v;
}

static void note_fixes(struct clean_output *out, enum profile_field f, const struct clean_result *r)
{
    for (int i = 0; i < r->nfixes && out->nfixes < CLEAN_RECORD_MAX_FIXES; i++)
        out->fixes[out->nfixes++] = (struct clean_record_fix){f, r->fixes[i].rule,
                                                              r->fixes[i].before,
                                                              r->fixes[i].after};
}

static void note_invalid(struct clean_output *out, enum profile_field f, const char *reason)
{
    if (out->ninvalid < (int)(sizeof(out->invalid) / sizeof(out->invalid[0])))
        out->invalid[out->ninvalid++] = (struct clean_record_invalid){f, reason};
}

typedef int (*rule_fn)(const struct clean_ctx *, const char *, struct clean_result *);

/* Run one rule on field f and record the outcome. Returns the cleaned value or NULL. */
static const char *run(const struct clean_ctx *c, const struct clean_input *in,
                       struct clean_output *out, enum profile_field f, rule_fn rule,
                       const char *v, struct clean_result *r)
{
    clean_result_init(r);
    if (!given(v))
        return NULL;
    out->present |= 1u << f;
    if (in->keep & (1u << f)) { /* the user undid the correction: as given */
        out->valid_raw |= 1u << f;
        out->clean |= 1u << f;
        return out->fields[f] = arena_strdup(c->arena, v); /* v is the caller's, short-lived */
    }
    int rc = rule(c, v, r);
    if (rc || !r->value) {
        note_invalid(out, f, r->reason ? r->reason : "invalid");
        return NULL;
    }
    out->clean |= 1u << f;
    if (r->nfixes == 0 && strcmp(r->value, v) == 0) {
        out->valid_raw |= 1u << f;
    } else {
        out->corrected |= 1u << f;
        out->given[f] = arena_strdup(c->arena, v); /* v is the caller's, short-lived */
    }
    note_fixes(out, f, r);
    return out->fields[f] = r->value;
}

/* An identity-only extra value (second e-mail or mobile), cleaned quietly. */
static const char *extra(const struct clean_ctx *c, rule_fn rule, const char *v)
{
    struct clean_result r;
    clean_result_init(&r);
    if (!given(v) || rule(c, v, &r) || !r.value)
        return NULL;
    return r.value;
}

const char *clean_identity_value(const struct clean_ctx *c, const char *type, const char *value)
{
    struct clean_result r;
    clean_result_init(&r);
    if (!value)
        return NULL;
    if (strcmp(type, "email") == 0)
        return clean_email(c, value, &r) ? NULL : clean_email_key(c->arena, r.value);
    if (strcmp(type, "phone") == 0)
        return clean_phone(c, value, &r) ? NULL : r.value;
    return value;
}

int clean_record(const struct clean_ctx *ctx, const struct clean_patterns *patterns,
                 const struct clean_input *in, struct clean_output *out)
{
    memset(out, 0, sizeof(*out));
    struct clean_result r;
    const char *const *f = in->fields;

    /* the record's own country, when valid, is the region for phones and postcodes */
    struct clean_ctx c = *ctx;
    const char *country = run(&c, in, out, PF_COUNTRY, clean_country, f[PF_COUNTRY], &r);
    if (country)
        c.country = country;

    const char *first = run(&c, in, out, PF_FIRST_NAME, clean_name, f[PF_FIRST_NAME], &r);
    const char *last = run(&c, in, out, PF_LAST_NAME, clean_name, f[PF_LAST_NAME], &r);
    if (first && last && !(in->keep & (1u << PF_FIRST_NAME | 1u << PF_LAST_NAME))) {
        clean_result_init(&r);
        clean_name_swap(&c, &first, &last, &r);
        if (r.flags & CLEAN_SWAPPED) {
            out->fields[PF_FIRST_NAME] = first;
            out->fields[PF_LAST_NAME] = last;
            for (int k = PF_FIRST_NAME; k <= PF_LAST_NAME; k++)
                if (!out->given[k])
                    out->given[k] = arena_strdup(c.arena, f[k]);
            out->corrected |= 1u << PF_FIRST_NAME | 1u << PF_LAST_NAME;
            out->valid_raw &= ~(1u << PF_FIRST_NAME | 1u << PF_LAST_NAME);
            note_fixes(out, PF_FIRST_NAME, &r);
        }
    }

    run(&c, in, out, PF_GENDER, clean_gender, f[PF_GENDER], &r);
    if (!out->fields[PF_GENDER] && given(in->salutation) && !(in->keep & (1u << PF_GENDER))) {
        clean_result_init(&r);
        if (!clean_salutation(&c, in->salutation, &r) && r.value) {
            out->fields[PF_GENDER] = r.value;
            out->clean |= 1u << PF_GENDER;
            out->corrected |= 1u << PF_GENDER;
            out->given[PF_GENDER] = ""; /* none was: it came from the salutation */
            note_fixes(out, PF_GENDER, &r);
        }
    }
    run(&c, in, out, PF_BIRTH_DATE, clean_birth_date, f[PF_BIRTH_DATE], &r);
    run(&c, in, out, PF_LANGUAGE, clean_language, f[PF_LANGUAGE], &r);
    if (run(&c, in, out, PF_EMAIL, clean_email, f[PF_EMAIL], &r)) {
        out->email_flags = r.flags & (CLEAN_ROLE | CLEAN_DISPOSABLE);
        out->email_key = clean_email_key(c.arena, out->fields[PF_EMAIL]);
    }
    if (run(&c, in, out, PF_PHONE, clean_phone, f[PF_PHONE], &r))
        out->phone_key = out->fields[PF_PHONE];
    run(&c, in, out, PF_STREET, clean_address_part, f[PF_STREET], &r);
    run(&c, in, out, PF_HOUSE_NUMBER, clean_house_number, f[PF_HOUSE_NUMBER], &r);
    run(&c, in, out, PF_POSTAL_CODE, clean_postcode, f[PF_POSTAL_CODE], &r);
    run(&c, in, out, PF_CITY, clean_address_part, f[PF_CITY], &r);

    if ((out->email_alt = extra(&c, clean_email, in->email_alt)))
        out->email_alt_key = clean_email_key(c.arena, out->email_alt);
    out->mobile = out->mobile_key = extra(&c, clean_phone, in->mobile);
    if (!out->phone_key && out->mobile) { /* a mobile is the phone when no other is given */
        out->fields[PF_PHONE] = out->phone_key = out->mobile;
        out->clean |= 1u << PF_PHONE;
    }

    test_record(&c, patterns, in, out);
    return c.arena->failed ? ERR_NOMEM : 0;
}
