/*
 * test_keys.c — match and blocking keys. key_name: case, accents (composed
 * and decomposed), ligatures and stroked letters, particles as whole words
 * (van den, de la, d', l', 't) but never every word, hyphens and
 * punctuation, apostrophes that join (O'Brien), truncation at a UTF-8
 * boundary. key_phonetic: exact codes for a few names, then pairs that must
 * share a code (spelling variants of Belgian, Dutch, French, German and
 * British surnames) and pairs that must not. key_blocking: the five rules'
 * exact key strings, missing fields, role e-mail accounts, truncation, and
 * a printed (not asserted) time per record. Table-driven: a failing row is
 * printed with its input and the codes it produced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "identity/keys.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct name_case {
    const char *in;
    const char *want;
};

static const struct name_case name_cases[] = {
    /* the examples of keys.h and the brief */
    {"Van den Broeck-Dupré", "broeck dupre"},
    {"d'Hondt", "hondt"},
    {"DE SMET", "smet"},
    {"De", "de"},
    /* case and accents */
    {"Peeters", "peeters"},
    {"LEFÈVRE", "lefevre"},
    {"Müller", "muller"},
    {"Çelik", "celik"},
    {"Groß", "gross"},
    {"E\xcc\x81lodie", "elodie"}, /* decomposed É */
    {"Søren Ærø", "soren aero"},
    {"Łukasz", "lukasz"},
    {"\xc4\xb2sselmuiden", "ijsselmuiden"}, /* the Dutch IJ ligature */
    {"Œuvrard", "oeuvrard"},
    {"ＰＥＥＴＥＲＳ", "peeters"}, /* full-width letters */
    {"Οδυσσέας", "οδυσσεασ"},      /* other scripts are kept, case-folded (ς is σ) */
    /* particles */
    {"van der Berg", "berg"},
    {"Van de Velde", "velde"},
    {"van Dijk", "dijk"},
    {"Jan van der Berg", "jan berg"},
    {"de la Fontaine", "fontaine"},
    {"von der Leyen", "leyen"},
    {"Le Pen", "pen"},
    {"du Bois", "bois"},
    {"Vanden Bossche", "bossche"},
    {"Vander Elst", "elst"},
    {"van 't Hof", "hof"},
    {"ter Horst", "horst"},
    {"L'Écuyer", "ecuyer"},
    {"Jean d’Ormesson", "jean ormesson"}, /* typographic apostrophe */
    {"Di Maria", "maria"},
    {"da Silva", "silva"},
    {"Van Der", "van der"}, /* only particles: all kept */
    {"La", "la"},
    {"Vandenberghe", "vandenberghe"}, /* glued: not a word of its own */
    {"Devos", "devos"},
    /* punctuation, hyphens, spaces, apostrophes that join */
    {"  Jean-Pierre   Dupont ", "jean pierre dupont"},
    {"O'Brien", "obrien"},
    {"O’Neill", "oneill"},
    {"Mac Donald", "macdonald"},
    {"McDonald", "mcdonald"},
    {"St. Jansplein", "st jansplein"},
    {"Smith, John", "smith john"},
    {"Ann\xc2\xa0Marie", "ann marie"}, /* no-break space */
    {"Kerkstraat 12", "kerkstraat 12"},
    {"Ann\xff"
     "Marie",
     "ann marie"}, /* invalid UTF-8 is a separator */
    {"", ""},
    {" - ", ""},
    {"'", ""},
};

static void test_key_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(name_cases); i++) {
        const struct name_case *c = &name_cases[i];
        char out[128];
        size_t n = key_name(c->in, out, sizeof(out));
        if (strcmp(out, c->want) != 0 || n != strlen(c->want))
            fail_msg("key_name(\"%s\") = \"%s\" (%zu), want \"%s\"", c->in, out, n, c->want);
    }
}

static void test_key_name_bounds(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(key_name(NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(key_name("Peeters", out, 0), 0);

    /* truncated to cap - 1 bytes, never inside a UTF-8 sequence */
    assert_int_equal(key_name("Peeters", out, 5), 4);
    assert_string_equal(out, "peet");
    assert_int_equal(key_name("Ανδρέας", out, 6), 4); /* 2-byte letters: 4 of 5 bytes */
    assert_string_equal(out, "αν");
    assert_int_equal(key_name("Jan Peeters", out, 5), 3); /* no trailing space */
    assert_string_equal(out, "jan");

    /* a hostile length is cut, not overrun */
    char big[4096];
    for (size_t i = 0; i + 1 < sizeof(big); i++)
        big[i] = i % 7 == 6 ? ' ' : 'A';
    big[sizeof(big) - 1] = '\0';
    char wide[1024];
    size_t n = key_name(big, wide, sizeof(wide));
    assert_true(n > 0 && n < 256);
    assert_int_equal(strlen(wide), n);
}

struct code_case {
    const char *in;
    const char *code;
};

static const struct code_case code_cases[] = {
    {"Janssens", "JNSN"},
    {"Peeters", "PTRS"},
    {"Meijer", "MR"},
    {"Claeys", "KLS"},
    {"Dupré", "TPRA"},
    {"Hendrickx", "HNTRKS"},
    {"Lefebvre", "LFFRA"},
    {"Aerts", "ARTS"},
    {"Schmidt", "SMT"},
    {"Van den Berghe", "BRGA"},
    {"Verhoeven", "FRHFN"},
    {"Fischer", "FXR"},
    {"Christiaens", "KRSTNS"},
    {"Lichtert", "LGTRT"},
    {"Vanderstraeten", "STRTN"},
    {"Yilmaz", "JLMS"},
    {"", ""},
    {"1234", ""},
    {"Οδυσσέας", ""},
};

static void test_key_phonetic_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(code_cases); i++) {
        const struct code_case *c = &code_cases[i];
        char out[16];
        size_t n = key_phonetic(c->in, out, sizeof(out));
        if (strcmp(out, c->code) != 0 || n != strlen(c->code))
            fail_msg("key_phonetic(\"%s\") = \"%s\", want \"%s\"", c->in, out, c->code);
    }
    char out[16];
    assert_int_equal(key_phonetic(NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(key_phonetic("Hendrickx", out, 4), 3);
    assert_string_equal(out, "HNT");
    /* at most 8 characters */
    assert_int_equal(key_phonetic("Vercruysse-Debrabandere-Lambrechts", out, sizeof(out)), 8);
}

struct pair {
    const char *a, *b;
};

/* Spellings that sound alike: one code. */
static const struct pair same[] = {
    /* the patronymic -s / -sen forms: all one name */
    {"Janssens", "Jansens"},
    {"Janssens", "Janssen"},
    {"Janssens", "Jansen"},
    {"Janssen", "Jansen"},
    {"Goossens", "Goosens"},
    {"Goossens", "Gossens"},
    /* ei / ij / ey / ai / ay */
    {"Meyer", "Meijer"},
    {"Meyer", "Maier"},
    {"Meyer", "Mayer"},
    {"Meyer", "Meier"},
    {"Meijer", "Maier"},
    {"Thijs", "Thys"},
    {"Thijs", "Tijs"},
    {"Snijder", "Snyder"},
    /* ee / ie / e, ou / au, ae / aa / a */
    {"Peeters", "Pieters"},
    {"Peeters", "Peters"},
    {"Pieters", "Peters"},
    {"Wouters", "Wauters"},
    {"Claes", "Claeys"},
    {"Claes", "Klaas"},
    {"Claes", "Claas"},
    {"Klaas", "Claeys"},
    {"Aerts", "Aarts"},
    {"Mertens", "Martens"},
    /* French endings */
    {"Dupré", "Dupree"},
    {"Dupré", "Duprez"},
    {"Dupré", "DUPRE"},
    {"Lefèvre", "Lefebvre"},
    {"Lefèvre", "Lefevre"},
    {"Delvaux", "Delvau"},
    {"Renault", "Renaud"},
    {"Leclercq", "Leclerc"},
    /* consonant spellings */
    {"Smit", "Smidt"},
    {"Smit", "Schmidt"},
    {"Smit", "Smith"},
    {"Schneider", "Snijder"},
    {"Fischer", "Fisher"},
    {"Willems", "Wilems"},
    {"Coppens", "Copens"},
    {"Hendrickx", "Hendrikx"},
    {"Hendrickx", "Hendricks"},
    {"Hendrickx", "Hendriks"},
    {"Christiaens", "Kristiaens"},
    {"Philips", "Filips"},
    {"Bakker", "Backer"},
    {"Schulz", "Schultz"},
    {"Muller", "Müller"},
    {"Müller", "Mueller"},
    {"Jacobs", "Jakobs"},
    /* particles, spaced or glued, and punctuation */
    {"Van den Berghe", "Vandenberghe"},
    {"Van Damme", "Vandamme"},
    {"Vander Elst", "Vanderelst"},
    {"De Smet", "Desmet"},
    {"De Vos", "Devos"},
    {"d'Hondt", "Hondt"},
    {"O'Brien", "OBrien"},
    {"McDonald", "MacDonald"},
};

/* Different names: different codes. */
static const struct pair differ[] = {
    {"Peeters", "Pauwels"},
    {"Maes", "Mertens"},
    {"Janssens", "Jacobs"},
    {"Dubois", "Dupont"},
    {"Martin", "Mertens"},
    {"Smit", "Smets"},
    {"Claes", "Claessens"}, /* Claessens is "son of Claes": another name */
    {"Van den Berghe", "Van den Berg"},
    {"Berghe", "Berg"},
    {"Verhoeven", "Verhoef"},
    {"Willems", "Wouters"},
    {"Goossens", "Geerts"},
    {"Hermans", "Hendrickx"},
    {"Lambert", "Lambrecht"},
    {"Vermeulen", "Vermeiren"},
    {"De Smet", "De Vos"},
    {"Jacobs", "Jacques"},
    {"Michiels", "Michel"},
    {"Wouters", "Walters"},
    {"Dubois", "Dupuis"},
    {"Lemaire", "Lemoine"},
    {"Simon", "Simons"},
    {"Bertrand", "Bernard"},
    {"Aerts", "Geerts"},
    {"Martin", "Martinez"},
    {"Maes", "Maessen"},
    {"Jansen", "Hansen"},
    {"Peters", "Peeters-Janssens"},
    {"Wuyts", "Wouters"},
    {"Hermans", "Herman"},
    {"Dewitte", "Dewulf"},
    {"Vandamme", "Van Dam"},
    {"Leclercq", "Declercq"},
    {"Desmet", "Smets"},
    {"Mertens", "Maertens-Leroy"},
    {"Fischer", "Visser"},
    {"Moreau", "Morel"},
    {"Lejeune", "Lenoir"},
    {"Laurent", "Lorenz"},
    {"Thomas", "Thomassen"},
    {"Ross", "Rossi"},
    {"Meyer", "Maurer"},
    {"Schmidt", "Schneider"},
    {"Dekker", "Decker-Visser"},
};

/*
 * Different names that share a code because vowels are dropped: accepted for
 * blocking (the birth year splits them) and listed so that a change shows.
 */
static const struct pair collide[] = {
    {"Jansen", "Jensen"}, {"Bakker", "Becker"}, {"Maes", "Mees"},
    {"Meyer", "Moor"},    {"Smet", "Smit"},     {"Denis", "Nys"},
};

static void check_pairs(const struct pair *pairs, size_t n, bool want_equal)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char ca[16], cb[16];
        key_phonetic(pairs[i].a, ca, sizeof(ca));
        key_phonetic(pairs[i].b, cb, sizeof(cb));
        assert_true(strlen(ca) <= 8 && strlen(cb) <= 8);
        bool equal = strcmp(ca, cb) == 0;
        if (equal != want_equal || ca[0] == '\0') {
            print_error("%s: \"%s\" = %s, \"%s\" = %s\n",
                        want_equal ? "want same" : "want different", pairs[i].a, ca, pairs[i].b,
                        cb);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_key_phonetic_same(void **state)
{
    (void)state;
    assert_true(ARRAY_LEN(same) >= 40);
    check_pairs(same, ARRAY_LEN(same), true);
    check_pairs(collide, ARRAY_LEN(collide), true);
}

static void test_key_phonetic_differ(void **state)
{
    (void)state;
    assert_true(ARRAY_LEN(differ) >= 40);
    check_pairs(differ, ARRAY_LEN(differ), false);
}

struct block_case {
    const char *what;
    struct key_record r;
    int n;
    const char *keys[KEY_MAX];
};

#define FULL                                                                                       \
    .first_name = "Ann", .last_name = "Peeters", .birth_date = "1980-03-07",                       \
    .email = "ann.peeters+shop@example.be", .phone = "+32475123456", .street = "Kerkstraat",       \
    .house_number = "12A", .postal_code = "2000", .country = "BE"

static const struct block_case block_cases[] = {
    {"full record",
     {FULL},
     5,
     {"pb:PTRS|1980-03-07", "pn:2000|PTRS|a", "sh:kerk|12|2000", "el:annpeeters", "ph:75123456"}},
    {"Dutch spelling of the same person, day and month swapped (met by the other keys)",
     {.first_name = "ANN",
      .last_name = "Pieters",
      .birth_date = "1980-07-03",
      .email = "AnnPeeters@gmail.com",
      .phone = "0475 12 34 56",
      .street = "Kerk straat",
      .house_number = "12",
      .postal_code = "2000",
      .country = "BE"},
     5,
     {"pb:PTRS|1980-07-03", "pn:2000|PTRS|a", "sh:kerk|12|2000", "el:annpeeters", "ph:75123456"}},
    {"French address, accents, Dutch postcode with a space",
     {.first_name = "Élodie",
      .last_name = "Lefèvre",
      .birth_date = "1975-12-01",
      .street = "Rue de la Paix",
      .house_number = "3 bis",
      .postal_code = "1012 ab"},
     3,
     {"pb:LFFRA|1975-12-01", "pn:1012AB|LFFRA|e", "sh:paix|3|1012AB"}},
    {"German street and ß",
     {.first_name = "Jürgen",
      .last_name = "Schmidt",
      .birth_date = "1960-01-01",
      .street = "Hauptstraße",
      .house_number = "7",
      .postal_code = "10115"},
     3,
     {"pb:SMT|1960-01-01", "pn:10115|SMT|j", "sh:haupt|7|10115"}},
    {"abbreviated street",
     {.street = "Av. Louise", .house_number = "54", .postal_code = "1050"},
     1,
     {"sh:louise|54|1050"}},
    {"street that is only a street word",
     {.street = "Plein", .house_number = "1", .postal_code = "3000"},
     1,
     {"sh:plein|1|3000"}},
    {"no birth date: no pb",
     {.first_name = "Jan", .last_name = "Janssens", .postal_code = "9000"},
     1,
     {"pn:9000|JNSN|j"}},
    {"a year only, not YYYY-: no pb", {.last_name = "Janssens", .birth_date = "1980"}, 0, {NULL}},
    {"birth date but no surname: no pb", {.birth_date = "1980-01-01"}, 0, {NULL}},
    {"surname without letters: no pb",
     {.last_name = "1234", .birth_date = "1980-01-01"},
     0,
     {NULL}},
    {"postcode and surname without a first name: no pn",
     {.last_name = "Maes", .postal_code = "8000"},
     0,
     {NULL}},
    {"postcode without surname: no pn",
     {.first_name = "Jan", .birth_date = "1990-05-05", .postal_code = "8000"},
     0,
     {NULL}},
    {"a birth date with a time: no pb",
     {.last_name = "Maes", .birth_date = "1990-05-05T10:00"},
     0,
     {NULL}},
    {"street without house number: no sh",
     {.street = "Kerkstraat", .postal_code = "2000"},
     0,
     {NULL}},
    {"house number without digits: no sh",
     {.street = "Kerkstraat", .house_number = "bis", .postal_code = "2000"},
     0,
     {NULL}},
    {"street without postcode: no sh", {.street = "Kerkstraat", .house_number = "1"}, 0, {NULL}},
    {"role e-mail skipped", {.email = "info@peeters.be"}, 0, {NULL}},
    {"role e-mail skipped, dotted and tagged", {.email = "No.Reply+x@shop.be"}, 0, {NULL}},
    {"role e-mail skipped, hyphen", {.email = "no-reply@shop.be"}, 0, {NULL}},
    {"short e-mail local part skipped", {.email = "a.b.c@x.be"}, 0, {NULL}},
    {"four characters kept", {.email = "a.b.c.d@x.be"}, 1, {"el:abcd"}},
    {"no @: no el", {.email = "annpeeters"}, 0, {NULL}},
    {"short phone skipped", {.phone = "+32 1234"}, 0, {NULL}},
    {"phone with exactly 8 digits", {.phone = "12345678"}, 1, {"ph:12345678"}},
    {"empty strings count as missing",
     {.first_name = "",
      .last_name = "",
      .birth_date = "",
      .email = "",
      .phone = "",
      .street = "",
      .house_number = "",
      .postal_code = "",
      .country = ""},
     0,
     {NULL}},
    {"particles spaced",
     {.last_name = "Van den Berghe", .birth_date = "1970-01-01"},
     1,
     {"pb:BRGA|1970-01-01"}},
    {"particles glued",
     {.last_name = "VANDENBERGHE", .birth_date = "1970-12-31"},
     1,
     {"pb:BRGA|1970-12-31"}},
    {"double surname",
     {.last_name = "Van den Broeck-Dupré", .birth_date = "1981-02-03"},
     1,
     {"pb:BRKTPRA|1981-02-03"}},
    {"abbreviated straat",
     {.street = "Kerkstr.", .house_number = "12", .postal_code = "2000"},
     1,
     {"sh:kerk|12|2000"}},
    {"boulevard and a Belgian box number",
     {.street = "Boulevard Anspach", .house_number = "12 bus 3", .postal_code = "1000"},
     1,
     {"sh:anspach|12|1000"}},
    {"steenweg is not a street word",
     {.street = "Mechelsesteenweg", .house_number = "5", .postal_code = "2018"},
     1,
     {"sh:mechelsesteenweg|5|2018"}},
    {"role e-mail skipped, upper case", {.email = "SUPPORT@shop.be"}, 0, {NULL}},
    {"role word inside a personal address kept",
     {.email = "info.peeters@shop.be"},
     1,
     {"el:infopeeters"}},
    {"UK phone with spaces", {.phone = "+44 20 7946 0958"}, 1, {"ph:79460958"}},
    {"nothing", {.country = "BE"}, 0, {NULL}},
};

static void test_key_blocking(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(block_cases); i++) {
        const struct block_case *c = &block_cases[i];
        char keys[KEY_MAX][KEY_LEN];
        memset(keys, 0x55, sizeof(keys));
        int n = key_blocking(&c->r, keys);
        if (n != c->n) {
            for (int k = 0; k < n && k < KEY_MAX; k++)
                print_error("  key %d: %s\n", k, keys[k]);
            fail_msg("%s: %d keys, want %d", c->what, n, c->n);
        }
        for (int k = 0; k < n; k++)
            if (strcmp(keys[k], c->keys[k]) != 0)
                fail_msg("%s: key %d is \"%s\", want \"%s\"", c->what, k, keys[k], c->keys[k]);
    }
}

static void test_key_blocking_truncates(void **state)
{
    (void)state;
    char street[300];
    for (size_t i = 0; i + 1 < sizeof(street); i++)
        street[i] = i % 10 == 9 ? ' ' : 'k';
    street[sizeof(street) - 1] = '\0';
    char email[400];
    memset(email, 'a', sizeof(email));
    memcpy(email + 300, "@example.be", 12);
    struct key_record r = {
        .street = street, .house_number = "1", .postal_code = "2000", .email = email};
    char keys[KEY_MAX][KEY_LEN];
    assert_int_equal(key_blocking(&r, keys), 2);
    for (int k = 0; k < 2; k++)
        assert_int_equal(strlen(keys[k]), KEY_LEN - 1);
    assert_memory_equal(keys[0], "sh:kkkk", 7);
    assert_memory_equal(keys[1], "el:aaaa", 7);

    /* an accented name at the cut keeps whole UTF-8 letters */
    char name[200];
    size_t n = 0;
    for (int i = 0; i < 60; i++) {
        memcpy(name + n, "é", 2);
        n += 2;
    }
    name[n] = '\0';
    struct key_record s = {.street = name, .house_number = "1", .postal_code = "2000"};
    assert_int_equal(key_blocking(&s, keys), 1);
    assert_string_equal(keys[0] + 3,
                        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee|1|2000");
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Prints the time per record; an assertion would depend on the machine. */
static void test_key_blocking_speed(void **state)
{
    (void)state;
    const struct key_record recs[] = {
        {FULL},
        {.first_name = "Élodie",
         .last_name = "Van den Broeck-Dupré",
         .birth_date = "1975-12-01",
         .email = "elodie.vdb@telenet.be",
         .phone = "+33612345678",
         .street = "Rue de la Paix",
         .house_number = "3",
         .postal_code = "75002",
         .country = "FR"},
        {.first_name = "Jürgen",
         .last_name = "Schmidt",
         .birth_date = "1960-01-01",
         .email = "info@schmidt.de",
         .phone = "+4930123456",
         .street = "Hauptstraße",
         .house_number = "7",
         .postal_code = "10115",
         .country = "DE"},
    };
    const int rounds = 100000;
    char keys[KEY_MAX][KEY_LEN];
    int total = 0;
    double t0 = now_ns();
    for (int i = 0; i < rounds; i++)
        total += key_blocking(&recs[i % 3], keys);
    double per = (now_ns() - t0) / rounds;
    assert_true(total > 0);
    print_message("key_blocking: %.0f ns per record (%d records)\n", per, rounds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_name),
        cmocka_unit_test(test_key_name_bounds),
        cmocka_unit_test(test_key_phonetic_codes),
        cmocka_unit_test(test_key_phonetic_same),
        cmocka_unit_test(test_key_phonetic_differ),
        cmocka_unit_test(test_key_blocking),
        cmocka_unit_test(test_key_blocking_truncates),
        cmocka_unit_test(test_key_blocking_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
