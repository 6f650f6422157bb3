/*
 * test_household.c — households (identity/household.h). The address key:
 * exact keys for street spellings (glued or spaced street words,
 * abbreviations, accents, ß), house numbers with letters and boxes,
 * postcodes and countries, incomplete addresses and truncation. Grouping:
 * small scenes whose expected household ids are written next to each
 * record (a family, couples sharing a landline or an e-mail, two families
 * in one house, flats with box numbers, one number in two postcodes,
 * missing fields, chains, double surnames), an apartment block of a
 * thousand profiles at one key, and 200k shuffled synthetic records whose
 * every id is checked (the time is printed, not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "identity/household.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- address key --------------------------------------------------------- */

struct key_case {
    const char *street, *house, *postcode, *country;
    const char *want; /* "" when incomplete */
};

static const struct key_case key_cases[] = {
    {"Kerkstraat", "12A", "2000", "BE", "kerkstr|12a|2000|BE"},
    {"kerkstr.", "12 a", "2000", "be", "kerkstr|12a|2000|BE"},
    {"Kerk straat", "12-A", "2000", "BE", "kerkstr|12a|2000|BE"},
    {"KERKSTRAAT", " 12a ", " 2000", "BE ", "kerkstr|12a|2000|BE"},
    {"Kerkstraat", "Nr. 12", "2000", "BE", "kerkstr|12|2000|BE"},
    {"Kerkstraat", "012", "2000", "BE", "kerkstr|12|2000|BE"},
    /* a box is kept, however it is written */
    {"Kerkstraat", "12 bus 3", "2000", "BE", "kerkstr|12/3|2000|BE"},
    {"Kerkstraat", "12/3", "2000", "BE", "kerkstr|12/3|2000|BE"},
    {"Kerkstraat", "12 bte 3", "2000", "BE", "kerkstr|12/3|2000|BE"},
    {"Kerkstraat", "12 boîte 03", "2000", "BE", "kerkstr|12/3|2000|BE"},
    {"Kerkstraat", "12 b3", "2000", "BE", "kerkstr|12/3|2000|BE"},
    {"Kerkstraat", "12A bus 3", "2000", "BE", "kerkstr|12a/3|2000|BE"},
    {"Kerkstraat", "12 bus 4", "2000", "BE", "kerkstr|12/4|2000|BE"},
    /* street words: unified, not dropped */
    {"Av. Louise", "54", "1050", "BE", "avenuelouise|54|1050|BE"},
    {"Avenue Louise", "54", "1050", "BE", "avenuelouise|54|1050|BE"},
    {"Rue Royale", "1", "1000", "BE", "rueroyale|1|1000|BE"},
    {"Place Royale", "1", "1000", "BE", "placeroyale|1|1000|BE"},
    {"Rue de la Paix", "3 bis", "75002", "FR", "ruepaix|3bis|75002|FR"},
    {"Hauptstraße", "7", "10115", "DE", "hauptstr|7|10115|DE"},
    {"Hauptstr.", "7", "10115", "DE", "hauptstr|7|10115|DE"},
    {"Mechelsesteenweg", "5", "2018", "BE", "mechelsesteenweg|5|2018|BE"},
    {"Mechelse Stwg.", "5", "2018", "BE", "mechelsesteenweg|5|2018|BE"},
    {"Élisabethlaan", "9", "8400", "BE", "elisabethlaan|9|8400|BE"},
    {"Elisabeth Laan", "9", "8400", "BE", "elisabethlaan|9|8400|BE"},
    {"Baker St", "221b", "NW1 6XE", "GB", "bakerstr|221b|NW16XE|GB"},
    {"Baker Street", "221B", "NW16XE", "GB", "bakerstr|221b|NW16XE|GB"},
    {"Straat", "1", "3000", "BE", "str|1|3000|BE"},
    /* the country may be missing */
    {"Kerkstraat", "12", "2000", NULL, "kerkstr|12|2000|"},
    {"Kerkstraat", "12", "2000", "", "kerkstr|12|2000|"},
    /* incomplete */
    {NULL, "12", "2000", "BE", ""},
    {"", "12", "2000", "BE", ""},
    {"--", "12", "2000", "BE", ""},
    {"Kerkstraat", NULL, "2000", "BE", ""},
    {"Kerkstraat", "bis", "2000", "BE", ""},
    {"Kerkstraat", "12", NULL, "BE", ""},
    {"Kerkstraat", "12", " ", "BE", ""},
};

static void test_address_key(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(key_cases); i++) {
        const struct key_case *c = &key_cases[i];
        struct household_rec r = {.profile_id = 1,
                                  .street = c->street,
                                  .house_number = c->house,
                                  .postal_code = c->postcode,
                                  .country = c->country};
        char key[HOUSEHOLD_KEY_LEN];
        memset(key, 'x', sizeof(key));
        size_t n = household_address_key(&r, key, sizeof(key));
        if (strcmp(key, c->want) != 0 || n != strlen(c->want)) {
            print_error("\"%s\" \"%s\" \"%s\" \"%s\": key \"%s\" (%zu), want \"%s\"\n",
                        c->street ? c->street : "(null)", c->house ? c->house : "(null)",
                        c->postcode ? c->postcode : "(null)", c->country ? c->country : "(null)",
                        key, n, c->want);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_address_key_bounds(void **state)
{
    (void)state;
    char street[600] = "a"; /* then two-byte letters, so that byte 160 splits one */
    size_t n = 1;
    while (n + 3 < sizeof(street)) {
        memcpy(street + n, "ж", 2);
        n += 2;
    }
    street[n] = '\0';
    struct household_rec r = {.profile_id = 1,
                              .street = street,
                              .house_number = "1",
                              .postal_code = "2000",
                              .country = "BE"};
    char key[HOUSEHOLD_KEY_LEN];
    n = household_address_key(&r, key, sizeof(key));
    assert_int_equal(n, strlen(key));
    assert_true(n < HOUSEHOLD_KEY_LEN);
    /* the street is cut before a letter it cannot hold whole; the other parts survive */
    assert_int_equal(strchr(key, '|') - key, 159);
    assert_string_equal(key + 157, "ж|1|2000|BE");

    /* a small cap cuts the key and says how much was written */
    char small[8];
    r.street = "Kerkstraat";
    assert_int_equal(household_address_key(&r, small, sizeof(small)), 7);
    assert_string_equal(small, "kerkstr");
    assert_int_equal(household_address_key(&r, small, 0), 0);
    assert_int_equal(household_address_key(&r, small, 1), 0);
    assert_string_equal(small, "");
}

/* ---- grouping: small scenes ---------------------------------------------- */

struct scene_rec {
    struct household_rec r;
    int64_t want;
};

#define AT(st, nr, pc) .street = st, .house_number = nr, .postal_code = pc, .country = "BE"
#define KERK AT("Kerkstraat", "12", "2000")

/* Runs household_assign on a scene; every wrong id is printed. Returns the count. */
static size_t run_scene(const char *what, const struct scene_rec *s, size_t n)
{
    struct household_rec *recs = calloc(n, sizeof(*recs));
    int64_t *got = calloc(n, sizeof(*got));
    assert_non_null(recs);
    assert_non_null(got);
    for (size_t i = 0; i < n; i++) {
        recs[i] = s[i].r;
        got[i] = -1;
    }
    size_t count = household_assign(recs, n, got);
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        if (got[i] != s[i].want) {
            print_error("%s: profile %lld (%s) in household %lld, want %lld\n", what,
                        (long long)s[i].r.profile_id,
                        s[i].r.last_name ? s[i].r.last_name : "(null)", (long long)got[i],
                        (long long)s[i].want);
            failed++;
        }
    free(recs);
    free(got);
    if (failed)
        fail_msg("%s: %d wrong", what, failed);
    return count;
}

static void test_family(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        {{.profile_id = 30, .last_name = "Peeters", .phone = "+32475000001", KERK}, 11},
        {{.profile_id = 11, .last_name = "PIETERS", .email = "ann@x.be", KERK}, 11},
        {{.profile_id = 52, .last_name = "Peeters", .phone = "+32475000003", KERK}, 11},
        /* the same name next door */
        {{.profile_id = 7, .last_name = "Peeters", AT("Kerkstraat", "14", "2000")}, 0},
    };
    assert_int_equal(run_scene("family of three", s, ARRAY_LEN(s)), 1);
}

static void test_couples(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        /* different surnames, one landline */
        {{.profile_id = 5, .last_name = "Janssens", .phone = "+3233334455", KERK}, 4},
        {{.profile_id = 4, .last_name = "Dubois", .phone = "+3233334455", KERK}, 4},
        /* different surnames, one e-mail, at another address */
        {{.profile_id = 8,
          .last_name = "Maes",
          .email = "familie.maes@telenet.be",
          AT("Dorpsplein", "3", "9000")},
         8},
        {{.profile_id = 9,
          .last_name = "Claessens",
          .email = "familie.maes@telenet.be",
          AT("Dorpsplein", "3", "9000")},
         8},
        /* a double surname joins its parts */
        {{.profile_id = 21, .last_name = "Peeters-Janssens", AT("Lindenlaan", "1", "3000")}, 20},
        {{.profile_id = 20, .last_name = "Janssens", AT("Linden laan", "1", "3000")}, 20},
    };
    assert_int_equal(run_scene("couples", s, ARRAY_LEN(s)), 3);
}

static void test_two_families_one_house(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        {{.profile_id = 1, .last_name = "Peeters", .phone = "+32470000001", KERK}, 1},
        {{.profile_id = 2, .last_name = "Dubois", .phone = "+32470000002", KERK}, 2},
        {{.profile_id = 3, .last_name = "Peeters", .email = "jan@x.be", KERK}, 1},
        {{.profile_id = 4, .last_name = "Dubois", .email = "marie@x.be", KERK}, 2},
        /* a lodger: another name, own phone and e-mail */
        {{.profile_id = 5,
          .last_name = "Wouters",
          .phone = "+32470000005",
          .email = "tom@x.be",
          KERK},
         0},
    };
    assert_int_equal(run_scene("two families in one house", s, ARRAY_LEN(s)), 2);
}

static void test_flats_and_postcodes(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        /* one building, two flats: the box tells them apart */
        {{.profile_id = 1, .last_name = "Peeters", AT("Kerkstraat", "12 bus 1", "2000")}, 0},
        {{.profile_id = 2, .last_name = "Peeters", AT("Kerkstraat", "12 bus 2", "2000")}, 0},
        /* the same box, written two ways */
        {{.profile_id = 3, .last_name = "Maes", AT("Kerkstraat", "12 bus 3", "2000")}, 3},
        {{.profile_id = 4, .last_name = "Maes", AT("Kerkstraat", "12/3", "2000")}, 3},
        /* one street and number in two towns */
        {{.profile_id = 5, .last_name = "Wouters", AT("Stationsstraat", "1", "2000")}, 0},
        {{.profile_id = 6, .last_name = "Wouters", AT("Stationsstraat", "1", "9000")}, 0},
    };
    assert_int_equal(run_scene("flats and postcodes", s, ARRAY_LEN(s)), 1);
}

static void test_street_spellings(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        {{.profile_id = 1, .last_name = "Goossens", AT("Kerkstraat", "12a", "2000")}, 1},
        {{.profile_id = 2, .last_name = "Goosens", AT("kerkstr.", "12 A", "2000")}, 1},
        {{.profile_id = 3, .last_name = "GOOSSENS", AT("Kerk Straat", "12A", "2000")}, 1},
        {{.profile_id = 4, .last_name = "Lefèvre", AT("Rue de l'Église", "3", "1000")}, 4},
        {{.profile_id = 5, .last_name = "Lefebvre", AT("rue de l'eglise", "3", "1000")}, 4},
        /* Rue and Place Royale are two streets */
        {{.profile_id = 6, .last_name = "Dupont", AT("Rue Royale", "1", "1000")}, 0},
        {{.profile_id = 7, .last_name = "Dupont", AT("Place Royale", "1", "1000")}, 0},
    };
    assert_int_equal(run_scene("street spellings", s, ARRAY_LEN(s)), 2);
}

static void test_missing_fields(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        /* no usable address: never in a household */
        {{.profile_id = 1, .last_name = "Peeters", .street = "Kerkstraat", .postal_code = "2000"},
         0},
        {{.profile_id = 2, .last_name = "Peeters", .street = "Kerkstraat", .postal_code = "2000"},
         0},
        {{.profile_id = 3, .last_name = "Peeters", .phone = "+3233334455"}, 0},
        {{.profile_id = 4, .last_name = "Peeters", .phone = "+3233334455"}, 0},
        /* an address but nothing to share: empty strings are missing */
        {{.profile_id = 5, .last_name = "", .phone = "", .email = "", KERK}, 0},
        {{.profile_id = 6, KERK}, 0},
        /* no surname, one phone */
        {{.profile_id = 7, .phone = "+3250123456", AT("Markt", "1", "8000")}, 7},
        {{.profile_id = 8, .phone = "+3250123456", AT("Markt", "1", "8000")}, 7},
        /* a missing country is not "BE"; two missing countries match */
        {{.profile_id = 9,
          .last_name = "Maes",
          .street = "Veldstraat",
          .house_number = "4",
          .postal_code = "9000",
          .country = "BE"},
         0},
        {{.profile_id = 10,
          .last_name = "Maes",
          .street = "Veldstraat",
          .house_number = "4",
          .postal_code = "9000"},
         10},
        {{.profile_id = 11,
          .last_name = "Maes",
          .street = "Veldstraat",
          .house_number = "4",
          .postal_code = "9000",
          .country = ""},
         10},
    };
    assert_int_equal(run_scene("missing fields", s, ARRAY_LEN(s)), 2);
    int64_t h = -1;
    assert_int_equal(household_assign(NULL, 0, &h), 0);
    assert_int_equal(h, -1);
}

static void test_chain(void **state)
{
    (void)state;
    const struct scene_rec s[] = {
        /* A~B by name, B~C by phone, C~D by e-mail: one household */
        {{.profile_id = 40, .last_name = "Willems", KERK}, 10},
        {{.profile_id = 30, .last_name = "Willems", .phone = "+32475111111", KERK}, 10},
        {{.profile_id = 20, .last_name = "Smet", .phone = "+32475111111", .email = "s@x.be", KERK},
         10},
        {{.profile_id = 10, .last_name = "Hermans", .email = "s@x.be", KERK}, 10},
        {{.profile_id = 50, .last_name = "Jacobs", KERK}, 0},
    };
    assert_int_equal(run_scene("chain", s, ARRAY_LEN(s)), 1);
}

/* A thousand profiles at one key, in pairs that share an e-mail. */
static void test_apartment_block(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct household_rec *recs = calloc(N, sizeof(*recs));
    int64_t *got = calloc(N, sizeof(*got));
    char(*phone)[24] = calloc(N, sizeof(*phone));
    char(*email)[32] = calloc(N, sizeof(*email));
    assert_true(recs && got && phone && email);
    for (int i = 0; i < N; i++) {
        snprintf(phone[i], sizeof(phone[i]), "+3247%07d", i);
        snprintf(email[i], sizeof(email[i]), "flat%d@x.be", i / 2);
        recs[i] = (struct household_rec){.profile_id = 1000 + i,
                                         .phone = phone[i],
                                         .email = email[i],
                                         AT("Residentie Zeezicht", "100", "8400")};
    }
    assert_int_equal(household_assign(recs, N, got), N / 2);
    for (int i = 0; i < N; i++)
        assert_int_equal(got[i], 1000 + i / 2 * 2);
    free(recs);
    free(got);
    free(phone);
    free(email);
}

/* ---- grouping: 200k synthetic records ------------------------------------ */

/*
 * Address a (of 100k) holds, by a % 4: one person; a family of three that
 * shares a surname; a couple with two surnames sharing a landline; two
 * strangers. So 200k records and 50k households.
 */
struct synth {
    char phone[24], email[40], house[24], postcode[24];
    int64_t want;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void synth_add(struct household_rec *recs, struct synth *sy, size_t *n, size_t a,
                      const char *name, bool landline, int64_t want)
{
    size_t i = *n;
    snprintf(sy[i].phone, sizeof(sy[i].phone), "+324%08zu", landline ? 90000000 + a : i);
    snprintf(sy[i].email, sizeof(sy[i].email), "p%zu@example.be", i);
    snprintf(sy[i].house, sizeof(sy[i].house), "%zu", a % 500 + 1);
    snprintf(sy[i].postcode, sizeof(sy[i].postcode), "%zu", 1000 + a / 500);
    sy[i].want = want;
    recs[i] = (struct household_rec){.profile_id = (int64_t)i + 1,
                                     .last_name = name,
                                     .phone = sy[i].phone,
                                     .email = sy[i].email,
                                     .street = a % 3 ? "Kerkstraat" : "Rue de la Station",
                                     .house_number = sy[i].house,
                                     .postal_code = sy[i].postcode,
                                     .country = "BE"};
    *n = i + 1;
}

static void test_synthetic(void **state)
{
    (void)state;
    enum { ADDRESSES = 100000, RECS = 200000 };
    struct household_rec *recs = calloc(RECS, sizeof(*recs));
    struct synth *sy = calloc(RECS, sizeof(*sy));
    int64_t *got = calloc(RECS, sizeof(*got));
    assert_true(recs && sy && got);

    size_t n = 0;
    for (size_t a = 0; a < ADDRESSES; a++) {
        int64_t first = (int64_t)n + 1;
        switch (a % 4) {
        case 0:
            synth_add(recs, sy, &n, a, "Peeters", false, 0);
            break;
        case 1:
            for (int k = 0; k < 3; k++)
                synth_add(recs, sy, &n, a, "Janssens", false, first);
            break;
        case 2:
            synth_add(recs, sy, &n, a, "Maes", true, first);
            synth_add(recs, sy, &n, a, "Dubois", true, first);
            break;
        default:
            synth_add(recs, sy, &n, a, "Wouters", false, 0);
            synth_add(recs, sy, &n, a, "Lambert", false, 0);
            break;
        }
    }
    assert_int_equal(n, RECS);

    /* shuffle, so that an address's records are far apart */
    uint64_t x = 88172645463325252ULL;
    for (size_t i = n - 1; i > 0; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % (i + 1));
        struct household_rec tr = recs[i];
        recs[i] = recs[j];
        recs[j] = tr;
        struct synth ts = sy[i];
        sy[i] = sy[j];
        sy[j] = ts;
    }
    /* the strings moved with their synth rows: point the records at them again */
    for (size_t i = 0; i < n; i++) {
        recs[i].phone = sy[i].phone;
        recs[i].email = sy[i].email;
        recs[i].house_number = sy[i].house;
        recs[i].postal_code = sy[i].postcode;
    }

    double t0 = now_s();
    size_t households = household_assign(recs, n, got);
    double dt = now_s() - t0;
    assert_int_equal(households, ADDRESSES / 2);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++)
        wrong += got[i] != sy[i].want;
    assert_int_equal(wrong, 0);
    print_message("household_assign: %zu records, %zu households in %.3f s\n", n, households, dt);
    free(recs);
    free(sy);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_key),
        cmocka_unit_test(test_address_key_bounds),
        cmocka_unit_test(test_family),
        cmocka_unit_test(test_couples),
        cmocka_unit_test(test_two_families_one_house),
        cmocka_unit_test(test_flats_and_postcodes),
        cmocka_unit_test(test_street_spellings),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_apartment_block),
        cmocka_unit_test(test_synthetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
