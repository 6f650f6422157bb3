/*
 * test_clean_name.c — the name rules. clean_name: white space, case fixed
 * only for all-caps or all-lower input (UTF-8 aware, hyphen and apostrophe
 * parts, McDonald, Dutch IJ), particles by locale (van der Berg in nl, Van
 * der Berg in be and elsewhere, de La Fontaine in fr, von der Leyen in de)
 * and the refusals. clean_name_swap with the first-name list and its
 * "also a surname" entries; the list's order and the exported lookups.
 * clean_salutation and clean_gender, including the "valid, no gender"
 * salutations. Table-driven: a failing row is printed with its input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "clean/clean.h"
#include "clean/name_data.h"

#define I CLEAN_INVALID

enum rule { NAME, SALUTATION, GENDER };

struct name_case {
    enum rule rule;
    const char *in;
    const char *locale;  /* NULL: none */
    const char *country; /* NULL: none */
    const char *want;    /* value, or NULL when invalid (or a salutation without gender) */
    unsigned flags;
    const char *fix;    /* the last fix's rule; NULL: no fix */
    const char *reason; /* when invalid: the reason, or NULL not to check it */
};

static const struct name_case cases[] = {
    /* case fixed only when all upper or all lower */
    {NAME, "ANN", NULL, NULL, "Ann", 0, "name.case", NULL},
    {NAME, "ann", NULL, NULL, "Ann", 0, "name.case", NULL},
    {NAME, "Ann", NULL, NULL, "Ann", 0, NULL, NULL},
    {NAME, "ANN DE SMET", NULL, NULL, "Ann De Smet", 0, "name.case", NULL},
    {NAME, "josé garcía", "es", NULL, "José García", 0, "name.case", NULL},
    {NAME, "ÉLODIE", "fr", NULL, "Élodie", 0, "name.case", NULL},
    {NAME, "ÇA", NULL, NULL, "Ça", 0, "name.case", NULL},
    {NAME, "jürgen müller", "de", NULL, "Jürgen Müller", 0, "name.case", NULL},
    {NAME, "GROß", "de", NULL, "Groß", 0, "name.case", NULL},
    {NAME, "ΟΔΥΣΣΕΑΣ", NULL, NULL, "Οδυσσεας", 0, "name.case", NULL},
    {NAME, "McDonald", NULL, NULL, "McDonald", 0, NULL, NULL},
    {NAME, "DeWitt", NULL, NULL, "DeWitt", 0, NULL, NULL},
    {NAME, "van Dijk", "be", NULL, "van Dijk", 0, NULL, NULL},
    {NAME, "MCDONALD", "en", NULL, "McDonald", 0, "name.case", NULL},
    {NAME, "jean-pierre", "fr", NULL, "Jean-Pierre", 0, "name.case", NULL},
    {NAME, "ANNE-MARIE", NULL, NULL, "Anne-Marie", 0, "name.case", NULL},
    {NAME, "O'BRIEN", "en", NULL, "O'Brien", 0, "name.case", NULL},
    {NAME, "o’neill", "en", NULL, "O’Neill", 0, "name.case", NULL},
    {NAME, "d'ANGELO", "fr", NULL, "d'Angelo", 0, "name.case", NULL},
    {NAME, "D'ANGELO", "fr", NULL, "d'Angelo", 0, "name.case", NULL},
    {NAME, "D'ANGELO", "en", NULL, "D'Angelo", 0, "name.case", NULL},
    {NAME, "d'angelo", "it", NULL, "D'Angelo", 0, "name.case", NULL},
    {NAME, "J.P.", NULL, NULL, "J.P.", 0, NULL, NULL},
    {NAME, "j.p.", NULL, NULL, "J.P.", 0, "name.case", NULL},
    {NAME, "J0hn", NULL, NULL, "J0hn", 0, NULL, NULL},
    {NAME, "J0HN", NULL, NULL, "J0hn", 0, "name.case", NULL},
    {NAME, "ijzerman", "nl", NULL, "IJzerman", 0, "name.case", NULL},
    {NAME, "IJSBRAND", "nl-BE", NULL, "IJsbrand", 0, "name.case", NULL},
    {NAME, "IJA", "en", NULL, "Ija", 0, "name.case", NULL},
    {NAME, "李小龙", NULL, NULL, "李小龙", 0, NULL, NULL},
    {NAME, "E\xcc\x81LODIE", NULL, NULL, "E\xcc\x81lodie", 0, "name.case", NULL}, /* decomposed É */
    {NAME, "e\xcc\x81LODIE", NULL, NULL, "e\xcc\x81LODIE", 0, NULL, NULL},        /* mixed: kept */
    /* white space */
    {NAME, "  Ann  ", NULL, NULL, "Ann", 0, "name.whitespace", NULL},
    {NAME, "Ann\t Marie", NULL, NULL, "Ann Marie", 0, "name.whitespace", NULL},
    {NAME, "Ann\xc2\xa0Marie", NULL, NULL, "Ann Marie", 0, "name.whitespace", NULL},
    {NAME, "  ANN   DE  SMET ", NULL, NULL, "Ann De Smet", 0, "name.case", NULL},
    /* Dutch particles: lower-case in the Netherlands */
    {NAME, "VAN DER BERG", "nl", NULL, "van der Berg", 0, "name.case", NULL},
    {NAME, "JAN VAN DER BERG", "nl", NULL, "Jan van der Berg", 0, "name.case", NULL},
    {NAME, "van der berg", "nl-NL", NULL, "van der Berg", 0, "name.case", NULL},
    {NAME, "DE VRIES", "nl", "NL", "de Vries", 0, "name.case", NULL},
    {NAME, "IN 'T VELD", "nl", NULL, "in 't Veld", 0, "name.case", NULL},
    {NAME, "'T HOOFT", "nl", NULL, "'t Hooft", 0, "name.case", NULL},
    {NAME, "TER HAAR", "nl", NULL, "ter Haar", 0, "name.case", NULL},
    {NAME, "van DER BERG", "nl", NULL, "van der Berg", 0, "name.case", NULL},
    {NAME, "VAN", "nl", NULL, "Van", 0, "name.case", NULL},
    {NAME, "VAN MORRISON", NULL, NULL, "Van Morrison", 0, "name.case", NULL},
    /* ... and Belgian style elsewhere: the first particle capitalised */
    {NAME, "VAN DER BERG", "be", NULL, "Van der Berg", 0, "name.case", NULL},
    {NAME, "VAN DEN BROECK", "nl-BE", NULL, "Van den Broeck", 0, "name.case", NULL},
    {NAME, "VAN DEN BROECK", "nl", "BE", "Van den Broeck", 0, "name.case", NULL},
    {NAME, "DE SMET", "be", NULL, "De Smet", 0, "name.case", NULL},
    {NAME, "de smet", "en", NULL, "De Smet", 0, "name.case", NULL},
    {NAME, "OP DE BEECK", "be", NULL, "Op de Beeck", 0, "name.case", NULL},
    {NAME, "VAN 'T KINT", NULL, NULL, "Van 't Kint", 0, "name.case", NULL},
    {NAME, "JAN VAN DER BERG", "en", NULL, "Jan Van der Berg", 0, "name.case", NULL},
    {NAME, "VAN DER BERG", NULL, "NL", "van der Berg", 0, "name.case", NULL},
    {NAME, "LE VAN THANH", "en", NULL, "Le Van Thanh", 0, "name.case", NULL},
    {NAME, "'S-GRAVENHAGE", "nl", NULL, "'s-Gravenhage", 0, "name.case", NULL},
    /* French particles */
    {NAME, "DE LA FONTAINE", "fr", NULL, "de La Fontaine", 0, "name.case", NULL},
    {NAME, "JEAN DE LA FONTAINE", "fr-FR", NULL, "Jean de La Fontaine", 0, "name.case", NULL},
    {NAME, "DE LA FONTAINE", "en", NULL, "De la Fontaine", 0, "name.case", NULL},
    {NAME, "DU BELLAY", "fr", NULL, "du Bellay", 0, "name.case", NULL},
    {NAME, "LE PEN", "fr", NULL, "Le Pen", 0, "name.case", NULL},
    {NAME, "JEAN LE BON", "fr", NULL, "Jean le Bon", 0, "name.case", NULL},
    {NAME, "VAN DE VELDE", "fr-BE", NULL, "Van de Velde", 0, "name.case", NULL},
    {NAME, "DE", "fr", NULL, "De", 0, "name.case", NULL},
    /* German particles */
    {NAME, "VON DER LEYEN", "de", NULL, "von der Leyen", 0, "name.case", NULL},
    {NAME, "VON UND ZU GUTTENBERG", "de-DE", NULL, "von und zu Guttenberg", 0, "name.case", NULL},
    {NAME, "zur mühlen", "de", NULL, "zur Mühlen", 0, "name.case", NULL},
    {NAME, "VON DER LEYEN", "en", NULL, "Von der Leyen", 0, "name.case", NULL},
    {NAME, "VAN DER BERG", "de", NULL, "Van der Berg", 0, "name.case", NULL},
    /* refused */
    {NAME, "", NULL, NULL, NULL, I, NULL, "the name is empty"},
    {NAME, "   \t ", NULL, NULL, NULL, I, NULL, "the name is empty"},
    {NAME, "12345", NULL, NULL, NULL, I, NULL, "the name is only digits"},
    {NAME, "12 34", NULL, NULL, NULL, I, NULL, "the name is only digits"},
    {NAME, "-", NULL, NULL, NULL, I, NULL, "the name has no letters"},
    {NAME, "An\x01n", NULL, NULL, NULL, I, NULL, "the name contains a control character"},
    {NAME, "Ann\x7f", NULL, NULL, NULL, I, NULL, "the name contains a control character"},
    {NAME, "Ann\xc3", NULL, NULL, NULL, I, NULL, "the name is not valid UTF-8"},
    {NAME, "\xff", NULL, NULL, NULL, I, NULL, "the name is not valid UTF-8"},
    {NAME, "\xed\xa0\x80", NULL, NULL, NULL, I, NULL, "the name is not valid UTF-8"},
    {NAME,
     "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaa",
     NULL, NULL, NULL, I, NULL, "the name is longer than 100 bytes"},
    {NAME,
     "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaa",
     NULL, NULL,
     "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaa",
     0, NULL, NULL},

    /* salutations */
    {SALUTATION, "Mevrouw", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Mevr.", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "MW", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, " mej. ", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Mme.", "fr", NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Mademoiselle", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Frau", "de", NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "FRÄULEIN", "de", NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Mrs", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "ms.", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Miss", NULL, NULL, "female", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Meneer", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "De heer", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "de  HEER", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Dhr.", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "M.", "fr", NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Monsieur", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Mr", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Herr", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Hr.", NULL, NULL, "male", 0, "name.salutation_to_gender", NULL},
    {SALUTATION, "Dr.", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "Prof.", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "Mx", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "Familie", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "Fam.", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "Heer en Mevrouw", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "M. et Mme", NULL, NULL, NULL, 0, NULL, NULL},
    {SALUTATION, "Sir Lord", NULL, NULL, NULL, I, NULL, "unknown salutation \"Sir Lord\""},
    {SALUTATION, " Xyz ", NULL, NULL, NULL, I, NULL, "unknown salutation \"Xyz\""},
    {SALUTATION, "", NULL, NULL, NULL, I, NULL, "salutation not given"},
    {SALUTATION, "Mevr\xc3", NULL, NULL, NULL, I, NULL, "the salutation is not valid UTF-8"},

    /* gender codes */
    {GENDER, "F", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "v", "nl", NULL, "female", 0, "gender.code", NULL},
    {GENDER, "W", "de", NULL, "female", 0, "gender.code", NULL},
    {GENDER, "female", NULL, NULL, "female", 0, NULL, NULL},
    {GENDER, "Female", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, " female ", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "Vrouw", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "vrouwelijk", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "Femme", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "weiblich", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "Woman", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "Frau", NULL, NULL, "female", 0, "gender.code", NULL},
    {GENDER, "M", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "h", "fr", NULL, "male", 0, "gender.code", NULL},
    {GENDER, "male", NULL, NULL, "male", 0, NULL, NULL},
    {GENDER, "MAN", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "mannelijk", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "Homme", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "MÄNNLICH", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "maennlich", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "Herr", NULL, NULL, "male", 0, "gender.code", NULL},
    {GENDER, "X", NULL, NULL, "other", 0, "gender.code", NULL},
    {GENDER, "other", NULL, NULL, "other", 0, NULL, NULL},
    {GENDER, "divers", NULL, NULL, "other", 0, "gender.code", NULL},
    {GENDER, "anders", NULL, NULL, "other", 0, "gender.code", NULL},
    {GENDER, "Non-Binary", NULL, NULL, "other", 0, "gender.code", NULL},
    {GENDER, "U", NULL, NULL, NULL, I, NULL, "gender not given"},
    {GENDER, "unknown", NULL, NULL, NULL, I, NULL, "gender not given"},
    {GENDER, "", NULL, NULL, NULL, I, NULL, "gender not given"},
    {GENDER, "  ", NULL, NULL, NULL, I, NULL, "gender not given"},
    {GENDER, "-", NULL, NULL, NULL, I, NULL, "gender not given"},
    {GENDER, "?", NULL, NULL, NULL, I, NULL, "gender not given"},
    {GENDER, "Q", NULL, NULL, NULL, I, NULL, "unknown gender \"Q\""},
    {GENDER, "femal", NULL, NULL, NULL, I, NULL, "unknown gender \"femal\""},
    {GENDER, "f\x02", NULL, NULL, NULL, I, NULL, "the gender contains a control character"},
};

static const char *rule_name(enum rule r)
{
    return r == NAME ? "clean_name" : r == SALUTATION ? "clean_salutation" : "clean_gender";
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int check_case(const struct name_case *k, struct arena *a)
{
    struct clean_ctx ctx = {.locale = k->locale, .country = k->country, .arena = a};
    struct clean_result r;
    const char *fn = rule_name(k->rule);
    const char *loc = k->locale ? k->locale : "-";
    int rc = k->rule == NAME         ? clean_name(&ctx, k->in, &r)
             : k->rule == SALUTATION ? clean_salutation(&ctx, k->in, &r)
                                     : clean_gender(&ctx, k->in, &r);
    int want_rc = (k->flags & I) ? ERR_INVALID : 0;
    const char *last = r.nfixes ? r.fixes[r.nfixes - 1].rule : NULL;

    if (rc != want_rc) {
        print_error("%s(\"%s\") [%s]: rc %d, want %d (reason: %s)\n", fn, k->in, loc, rc, want_rc,
                    r.reason ? r.reason : "none");
        return 1;
    }
    if (!same(r.value, k->want)) {
        print_error("%s(\"%s\") [%s]: value \"%s\", want \"%s\"\n", fn, k->in, loc,
                    r.value ? r.value : "(null)", k->want ? k->want : "(null)");
        return 1;
    }
    if (r.flags != k->flags) {
        print_error("%s(\"%s\") [%s]: flags %#x, want %#x\n", fn, k->in, loc, r.flags, k->flags);
        return 1;
    }
    if (!same(last, k->fix)) {
        print_error("%s(\"%s\") [%s]: last fix %s, want %s\n", fn, k->in, loc, last ? last : "none",
                    k->fix ? k->fix : "none");
        return 1;
    }
    if ((k->flags & I) && (!r.reason || (k->reason && strcmp(r.reason, k->reason) != 0))) {
        print_error("%s(\"%s\") [%s]: reason \"%s\", want \"%s\"\n", fn, k->in, loc,
                    r.reason ? r.reason : "(null)", k->reason ? k->reason : "any");
        return 1;
    }
    if (!(k->flags & I) && r.reason) {
        print_error("%s(\"%s\") [%s]: valid, yet reason \"%s\"\n", fn, k->in, loc, r.reason);
        return 1;
    }
    return 0;
}

static void test_table(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        failures += check_case(&cases[i], &a);
    arena_release(&a);
    if (failures)
        fail_msg("%d of %zu name rows failed", failures, sizeof(cases) / sizeof(cases[0]));
}

/* Whitespace then case: two fixes that chain from the input to the value. */
static void test_fix_chain(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.locale = "nl", .arena = &a};
    struct clean_result r;
    assert_int_equal(clean_name(&ctx, "  JAN  VAN DER\tBERG ", &r), 0);
    assert_string_equal(r.value, "Jan van der Berg");
    assert_int_equal(r.nfixes, 2);
    assert_string_equal(r.fixes[0].rule, "name.whitespace");
    assert_string_equal(r.fixes[0].before, "  JAN  VAN DER\tBERG ");
    assert_string_equal(r.fixes[0].after, "JAN VAN DER BERG");
    assert_string_equal(r.fixes[1].rule, "name.case");
    assert_string_equal(r.fixes[1].before, "JAN VAN DER BERG");
    assert_string_equal(r.fixes[1].after, "Jan van der Berg");

    assert_int_equal(clean_salutation(&ctx, "Mevr.", &r), 0);
    assert_int_equal(r.nfixes, 1);
    assert_string_equal(r.fixes[0].before, "Mevr.");
    assert_string_equal(r.fixes[0].after, "female");

    /* input longer than the 200 bytes looked at is refused without reading it all */
    char big[4096];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(clean_name(&ctx, big, &r), ERR_INVALID);
    assert_non_null(r.reason);
    assert_int_equal(clean_gender(&ctx, big, &r), ERR_INVALID);
    assert_int_equal(clean_name(&ctx, NULL, &r), ERR_INVALID);
    assert_int_equal(clean_gender(&ctx, NULL, &r), ERR_INVALID);
    arena_release(&a);
}

struct swap_case {
    const char *first, *last;
    bool swapped;
};

static const struct swap_case swap_cases[] = {
    {"Peeters", "Jan", true},
    {"Janssens", "Marie", true},
    {"De Smet", "Ann", true},
    {"Dupont", "Hélène", true},
    {"DUPONT", "HÉLÈNE", true},
    {"Müller", "Jürgen", true},
    {"Müller", "Juergen", true},
    {"Dubois", "Jean-Pierre", true},
    {"Martin", "Pierre-Yves", false}, /* Martin is a listed first name */
    {"Van den Broeck", "Sofie Marie", true},
    {"Smith", "Zoë", true},
    {"Jan", "Peeters", false},
    {"Anna", "Marie", false},    /* both first names: no evidence */
    {"Dupont", "Thomas", false}, /* Thomas is also a surname */
    {"Peeters", "Martin", false},
    {"Dubois", "Bernard", false},
    {"Dubois", "Simon", false},
    {"Girard", "Laurent", false},
    {"Girard", "Vincent", false},
    {"Jansen", "Peters", false},
    {"Peeters", "", false},
    {"", "Jan", false},
    {"Peeters", "Jan-Xyzzy", false},
    {"Peeters", "J.", false},
};

static void test_swap(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.locale = "nl", .arena = &a};
    int failures = 0;
    for (size_t i = 0; i < sizeof(swap_cases) / sizeof(swap_cases[0]); i++) {
        const struct swap_case *k = &swap_cases[i];
        const char *first = k->first, *last = k->last;
        struct clean_result r;
        int rc = clean_name_swap(&ctx, &first, &last, &r);
        bool swapped = first == k->last && last == k->first;
        bool flagged = (r.flags & CLEAN_SWAPPED) != 0;
        if (rc != 0 || swapped != k->swapped || flagged != k->swapped ||
            r.nfixes != (k->swapped ? 1 : 0)) {
            print_error("clean_name_swap(first=\"%s\", last=\"%s\"): rc %d swapped %d flagged %d "
                        "fixes %d, want swapped %d\n",
                        k->first, k->last, rc, swapped, flagged, r.nfixes, k->swapped);
            failures++;
        }
    }

    const char *first = "Peeters", *last = "Jan";
    struct clean_result r;
    assert_int_equal(clean_name_swap(&ctx, &first, &last, &r), 0);
    assert_string_equal(first, "Jan");
    assert_string_equal(last, "Peeters");
    assert_string_equal(r.fixes[0].rule, "name.swapped");
    assert_string_equal(r.fixes[0].before, "first=Peeters last=Jan");
    assert_string_equal(r.fixes[0].after, "first=Jan last=Peeters");

    const char *none = NULL;
    assert_int_equal(clean_name_swap(&ctx, &none, &last, &r), 0);
    assert_int_equal(r.flags, 0);
    arena_release(&a);
    if (failures)
        fail_msg("%d swap rows failed", failures);
}

struct first_case {
    const char *name;
    bool known;
    const char *gender;
};

static const struct first_case first_cases[] = {
    {"Jan", true, "male"},          {"jan", true, "male"},
    {"SOPHIE", true, "female"},     {"Hélène", true, "female"},
    {"Zoë", true, "female"},        {"Jürgen", true, "male"},
    {"Björn", true, "male"},        {"Thomas", true, "male"},
    {"Camille", true, NULL},        {"Dominique", true, NULL},
    {"Anne-Marie", true, "female"}, {"Jean-Marie", true, "male"},
    {"Peeters", false, NULL},       {"", false, NULL},
    {"Jan Peter", false, NULL},     {"Jan-", false, NULL},
    {"J4n", false, NULL},           {"Janssens", false, NULL},
    {"Ingrid", true, "female"},     {"Kevin", true, "male"},
    {"Geneviève", true, "female"},
};

static void test_first_names(void **state)
{
    (void)state;
    /* the table is sorted and without duplicates, so bsearch finds every entry */
    assert_true(first_names_len >= 400);
    for (size_t i = 1; i < first_names_len; i++) {
        if (strcmp(first_names[i - 1].key, first_names[i].key) >= 0)
            fail_msg("first_names out of order at \"%s\", \"%s\"", first_names[i - 1].key,
                     first_names[i].key);
    }
    for (size_t i = 0; i < first_names_len; i++) {
        if (!clean_first_name_known(first_names[i].key))
            fail_msg("listed first name \"%s\" not found", first_names[i].key);
    }
    int failures = 0;
    for (size_t i = 0; i < sizeof(first_cases) / sizeof(first_cases[0]); i++) {
        const struct first_case *k = &first_cases[i];
        bool known = clean_first_name_known(k->name);
        const char *g = clean_first_name_gender(k->name);
        if (known != k->known || !same(g, k->gender)) {
            print_error("first name \"%s\": known %d gender %s, want %d %s\n", k->name, known,
                        g ? g : "NULL", k->known, k->gender ? k->gender : "NULL");
            failures++;
        }
    }
    assert_false(clean_first_name_known(NULL));
    assert_null(clean_first_name_gender(NULL));
    if (failures)
        fail_msg("%d first-name rows failed", failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fix_chain),
        cmocka_unit_test(test_swap),
        cmocka_unit_test(test_first_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
