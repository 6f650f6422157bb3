/*
 * test_pair.c — the comparison vector of identity/pair.h: per field, the
 * agreement levels (first names exact / nickname / similar / initials,
 * surnames with particles and phonetic spellings, dates swapped or one
 * digit off, genders, e-mail local parts, phone tails, addresses), missing
 * fields as -1, and the conflict rule that stops a merge (different birth
 * dates; different genders with different first names), households
 * included. Table-driven: each row is a pair of records with the expected
 * vector and conflict flag; a failing row is printed by name with the two
 * vectors. Also the level tables and names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "identity/keys.h"
#include "identity/pair.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define M PAIR_MISSING

struct pair_case {
    const char *name;
    struct match_rec a, b;
    int8_t want[PAIR_NFIELDS]; /* first, last, birth, gender, email, phone, address */
    bool conflict;
};

/* Shorthands for records that set a single field. */
#define FIRST(s)                                                                                   \
    {                                                                                              \
        .first_name = (s)                                                                          \
    }
#define LAST(s)                                                                                    \
    {                                                                                              \
        .last_name = (s)                                                                           \
    }
#define BORN(s)                                                                                    \
    {                                                                                              \
        .birth_date = (s)                                                                          \
    }
#define GENDER(s)                                                                                  \
    {                                                                                              \
        .gender = (s)                                                                              \
    }
#define EMAIL(s)                                                                                   \
    {                                                                                              \
        .email = (s)                                                                               \
    }
#define PHONE(s)                                                                                   \
    {                                                                                              \
        .phone = (s)                                                                               \
    }
#define ADDR(st, no, pc, ci, cc)                                                                   \
    {                                                                                              \
        .street = (st), .house_number = (no), .postal_code = (pc), .city = (ci), .country = (cc)   \
    }

static const struct pair_case cases[] = {
    /* first names */
    {"first exact", FIRST("Robert"), FIRST("Robert"), {3, M, M, M, M, M, M}, false},
    {"first case/accents", FIRST("RENÉE"), FIRST("renee"), {3, M, M, M, M, M, M}, false},
    {"first hyphen", FIRST("Jean-Pierre"), FIRST("jean pierre"), {3, M, M, M, M, M, M}, false},
    {"first nickname", FIRST("Robert"), FIRST("Bob"), {2, M, M, M, M, M, M}, false},
    {"first translation", FIRST("Guillaume"), FIRST("William"), {2, M, M, M, M, M, M}, false},
    {"first Hans", FIRST("Hans"), FIRST("Johannes"), {2, M, M, M, M, M, M}, false},
    {"first Mieke", FIRST("Mieke"), FIRST("Maria"), {2, M, M, M, M, M, M}, false},
    {"first 2nd name dropped", FIRST("Jan Peter"), FIRST("Jan"), {2, M, M, M, M, M, M}, false},
    {"first 2nd name nick", FIRST("Bob"), FIRST("Robert Jan"), {2, M, M, M, M, M, M}, false},
    {"first two compounds", FIRST("Jan Willem"), FIRST("Jan Peter"), {0, M, M, M, M, M, M}, false},
    {"first initial", FIRST("R."), FIRST("Robert"), {1, M, M, M, M, M, M}, false},
    {"first initials", FIRST("J. P."), FIRST("Jan Peter"), {1, M, M, M, M, M, M}, false},
    {"first initial rev", FIRST("Sophie"), FIRST("S"), {1, M, M, M, M, M, M}, false},
    {"first two initials", FIRST("R"), FIRST("r."), {1, M, M, M, M, M, M}, false},
    {"first other initial", FIRST("R."), FIRST("Sophie"), {0, M, M, M, M, M, M}, false},
    {"first typo", FIRST("Christine"), FIRST("Christien"), {1, M, M, M, M, M, M}, false},
    {"first Ann/Anna", FIRST("Ann"), FIRST("Anna"), {2, M, M, M, M, M, M}, false},
    {"first different", FIRST("Ann"), FIRST("Jan"), {0, M, M, M, M, M, M}, false},
    {"first different 2", FIRST("Marie"), FIRST("Pierre"), {0, M, M, M, M, M, M}, false},
    {"first missing", FIRST(NULL), FIRST("Robert"), {M, M, M, M, M, M, M}, false},
    {"first blank", FIRST("  "), FIRST("Robert"), {M, M, M, M, M, M, M}, false},

    /* last names */
    {"last exact", LAST("Peeters"), LAST("PEETERS"), {M, 2, M, M, M, M, M}, false},
    {"last accents", LAST("Dupré"), LAST("DUPRE"), {M, 2, M, M, M, M, M}, false},
    {"last particles", LAST("Van den Broeck"), LAST("Broeck"), {M, 2, M, M, M, M, M}, false},
    {"last phonetic", LAST("Peeters"), LAST("Pieters"), {M, 1, M, M, M, M, M}, false},
    {"last Janssens", LAST("Janssens"), LAST("Jansens"), {M, 1, M, M, M, M, M}, false},
    {"last Meyer", LAST("Meyer"), LAST("Maier"), {M, 1, M, M, M, M, M}, false},
    {"last Claes", LAST("Claes"), LAST("Klaas"), {M, 1, M, M, M, M, M}, false},
    {"last double", LAST("Peeters-Janssens"), LAST("Peeters"), {M, 1, M, M, M, M, M}, false},
    {"last different", LAST("Peeters"), LAST("Janssens"), {M, 0, M, M, M, M, M}, false},
    {"last different 2", LAST("Dupont"), LAST("Martin"), {M, 0, M, M, M, M, M}, false},
    {"last missing", LAST("Dupont"), LAST(""), {M, M, M, M, M, M, M}, false},

    /* birth dates: DIFFERENT and same YEAR are conflicts, typos are not */
    {"born exact", BORN("1985-03-07"), BORN("1985-03-07"), {M, M, 3, M, M, M, M}, false},
    {"born swapped", BORN("1985-03-07"), BORN("1985-07-03"), {M, M, 2, M, M, M, M}, false},
    {"born one digit", BORN("1985-03-07"), BORN("1985-03-08"), {M, M, 1, M, M, M, M}, false},
    {"born year digits", BORN("1985-03-07"), BORN("1958-03-07"), {M, M, 1, M, M, M, M}, false},
    {"born year typo", BORN("1985-03-07"), BORN("1986-03-07"), {M, M, 1, M, M, M, M}, false},
    {"born same year", BORN("1985-03-07"), BORN("1985-11-22"), {M, M, 1, M, M, M, M}, true},
    {"born different", BORN("1985-03-07"), BORN("1990-11-22"), {M, M, 0, M, M, M, M}, true},
    {"born invalid", BORN("1985-02-30"), BORN("1985-02-30"), {M, M, M, M, M, M, M}, false},
    {"born not iso", BORN("07/03/1985"), BORN("1990-11-22"), {M, M, M, M, M, M, M}, false},

    /* gender */
    {"gender equal", GENDER("female"), GENDER("female"), {M, M, M, 1, M, M, M}, false},
    {"gender letter", GENDER("F"), GENDER("female"), {M, M, M, 1, M, M, M}, false},
    {"gender unknown", GENDER("unknown"), GENDER("male"), {M, M, M, M, M, M, M}, false},
    {"gender no names", GENDER("female"), GENDER("male"), {M, M, M, 0, M, M, M}, false},
    {"gender other",
     {.gender = "other", .first_name = "Ann"},
     {.gender = "female", .first_name = "Jan"},
     {0, M, M, 0, M, M, M},
     false},
    {"gender and names",
     {.gender = "female", .first_name = "Ann"},
     {.gender = "male", .first_name = "Jan"},
     {0, M, M, 0, M, M, M},
     true},
    {"gender same name",
     {.gender = "female", .first_name = "Kim"},
     {.gender = "male", .first_name = "Kim"},
     {3, M, M, 0, M, M, M},
     false},
    {"gender nickname",
     {.gender = "male", .first_name = "Bob"},
     {.gender = "female", .first_name = "Robert"},
     {2, M, M, 0, M, M, M},
     false},
    {"gender one name",
     {.gender = "female", .first_name = "Ann"},
     {.gender = "male"},
     {M, M, M, 0, M, M, M},
     false},

    /* e-mail */
    {"email exact",
     EMAIL("jan.peeters@telenet.be"),
     EMAIL("jan.peeters@telenet.be"),
     {M, M, M, M, 2, M, M},
     false},
    {"email case",
     EMAIL("Jan.Peeters@Telenet.be"),
     EMAIL("jan.peeters@telenet.be"),
     {M, M, M, M, 2, M, M},
     false},
    {"email local",
     EMAIL("jan.peeters@telenet.be"),
     EMAIL("janpeeters@gmail.com"),
     {M, M, M, M, 1, M, M},
     false},
    {"email tag",
     EMAIL("jan.peeters+shop@gmail.com"),
     EMAIL("jan.peeters@gmail.com"),
     {M, M, M, M, 1, M, M},
     false},
    {"email role",
     EMAIL("info@bakkerij.be"),
     EMAIL("info@slagerij.be"),
     {M, M, M, M, 0, M, M},
     false},
    {"email short", EMAIL("jp@a.be"), EMAIL("jp@b.be"), {M, M, M, M, 0, M, M}, false},
    {"email different",
     EMAIL("ann@peeters.be"),
     EMAIL("jan@peeters.be"),
     {M, M, M, M, 0, M, M},
     false},
    {"email not one", EMAIL("not-an-email"), EMAIL("jan@peeters.be"), {M, M, M, M, M, M, M}, false},

    /* phone */
    {"phone exact", PHONE("+32475123456"), PHONE("+32475123456"), {M, M, M, M, M, 2, M}, false},
    {"phone tail", PHONE("+32475123456"), PHONE("+31475123456"), {M, M, M, M, M, 1, M}, false},
    {"phone different", PHONE("+32475123456"), PHONE("+32475123457"), {M, M, M, M, M, 0, M}, false},
    {"phone short", PHONE("+3212"), PHONE("+3213"), {M, M, M, M, M, 0, M}, false},
    {"phone missing", PHONE("+32475123456"), PHONE(NULL), {M, M, M, M, M, M, M}, false},

    /* address */
    {"addr same",
     ADDR("Kerkstraat", "12", "2000", "Antwerpen", "BE"),
     ADDR("Kerkstraat", "12", "2000", "Antwerpen", "BE"),
     {M, M, M, M, M, M, 2},
     false},
    {"addr spelling",
     ADDR("Kerkstraat", "12 A", "2000", NULL, "BE"),
     ADDR("kerkstr.", "12a", "2000", "Antwerpen", NULL),
     {M, M, M, M, M, M, 2},
     false},
    {"addr number",
     ADDR("Kerkstraat", "12", "2000", NULL, "BE"),
     ADDR("Kerkstraat", "14", "2000", NULL, "BE"),
     {M, M, M, M, M, M, 1},
     false},
    {"addr postcode",
     ADDR("Kerkstraat", "12", "2000", NULL, "BE"),
     ADDR("Kerkstraat", "12", "2018", NULL, "BE"),
     {M, M, M, M, M, M, 1},
     false},
    {"addr different",
     ADDR("Kerkstraat", "12", "2000", NULL, "BE"),
     ADDR("Rue de la Loi", "16", "1000", NULL, "BE"),
     {M, M, M, M, M, M, 0},
     false},
    {"addr country",
     ADDR("Kerkstraat", "12", "2000", NULL, "BE"),
     ADDR("Kerkstraat", "12", "2000", NULL, "NL"),
     {M, M, M, M, M, M, 0},
     false},
    {"addr street vs pc",
     ADDR("Kerkstraat", "12", NULL, NULL, NULL),
     ADDR(NULL, NULL, "2000", NULL, NULL),
     {M, M, M, M, M, M, M},
     false},
    {"addr city only",
     ADDR(NULL, NULL, NULL, "Antwerpen", NULL),
     ADDR("Kerkstraat", "12", "2000", "Antwerpen", NULL),
     {M, M, M, M, M, M, M},
     false},

    /* whole records */
    {"issue example",
     {.first_name = "Robert", .last_name = "Peeters", .birth_date = "1985-03-07"},
     {.first_name = "Bob", .last_name = "Pieters", .birth_date = "1985-07-03"},
     {2, 1, 2, M, M, M, M},
     false},
    {"household Ann/Jan",
     {.first_name = "Ann",
      .last_name = "Peeters",
      .gender = "female",
      .birth_date = "1980-05-12",
      .street = "Kerkstraat",
      .house_number = "12",
      .postal_code = "2000",
      .country = "BE"},
     {.first_name = "Jan",
      .last_name = "Peeters",
      .gender = "male",
      .birth_date = "1978-11-02",
      .street = "Kerkstraat",
      .house_number = "12",
      .postal_code = "2000",
      .country = "BE"},
     {0, 2, 0, 0, M, M, 2},
     true},
    {"household no genders",
     {.first_name = "Ann",
      .last_name = "Peeters",
      .birth_date = "1980-05-12",
      .phone = "+3231234567"},
     {.first_name = "Jan",
      .last_name = "Peeters",
      .birth_date = "1978-11-02",
      .phone = "+3231234567"},
     {0, 2, 0, M, M, 2, M},
     true},
    {"twins",
     {.first_name = "Lotte",
      .last_name = "Peeters",
      .gender = "female",
      .birth_date = "2001-06-30"},
     {.first_name = "Tom", .last_name = "Peeters", .gender = "male", .birth_date = "2001-06-30"},
     {0, 2, 3, 0, M, M, M},
     true},
    {"web and store",
     {.first_name = "Sophie",
      .last_name = "Van Damme",
      .email = "sophie.vandamme@gmail.com",
      .postal_code = "9000",
      .street = "Veldstraat",
      .house_number = "5",
      .country = "BE"},
     {.first_name = "Sofie",
      .last_name = "Vandamme",
      .email = "sophie.vandamme@telenet.be",
      .phone = "+32476987654",
      .postal_code = "9000",
      .street = "Veldstr",
      .house_number = "5",
      .country = "BE"},
     {2, 1, M, M, M, M, 2},
     false}, /* Sofie is in Sophie's group; the local part is the names, weighed already */
    {"email local made of the names",
     {.first_name = "Daan", .last_name = "van den Berg", .email = "daan.vandenberg@ziggo.nl"},
     {.first_name = "Daan", .last_name = "van den Berg", .email = "daan.vandenberg@boerict.nl"},
     {3, 2, M, M, M, M, M},
     false},
    {"email local of an initial and the surname",
     {.first_name = "Jan", .last_name = "Peeters", .email = "j.peeters@telenet.be"},
     {.first_name = "Jan", .last_name = "Peters", .email = "jpeeters@gmail.com"},
     {3, 1, M, M, M, M, M},
     false},
    {"email local not made of the names",
     {.first_name = "Jan", .last_name = "Peeters", .email = "zonnebloem77@telenet.be"},
     {.first_name = "Jan", .last_name = "Peeters", .email = "zonnebloem77@gmail.com"},
     {3, 2, M, M, 1, M, M},
     false},
    {"first and last name swapped",
     {.first_name = "Lambotte", .last_name = "Baptiste", .birth_date = "1990-06-27"},
     {.first_name = "Baptiste", .last_name = "Lambotte", .birth_date = "1990-06-27"},
     {3, 2, 3, M, M, M, M},
     false},
    {"swapped, one of them a nickname",
     {.first_name = "Hubert", .last_name = "Gabi"},
     {.first_name = "Gabriel", .last_name = "Hubert"},
     {1, 2, M, M, M, M, M}, /* of {3, 1} and {1, 2}, the one that claims less */
     false},
    {"different names are not taken for swapped ones",
     {.first_name = "Anna", .last_name = "Maes"},
     {.first_name = "Maes", .last_name = "Peeters"},
     {0, 0, M, M, M, M, M},
     false},
    {"nothing shared",
     {.first_name = "Ann"},
     {.last_name = "Peeters"},
     {M, M, M, M, M, M, M},
     false},
};

static void print_vec(const char *what, const int8_t *v)
{
    print_error("  %s {%d, %d, %d, %d, %d, %d, %d}\n", what, v[0], v[1], v[2], v[3], v[4], v[5],
                v[6]);
}

static void test_pair_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < N(cases); i++) {
        const struct pair_case *c = &cases[i];
        int8_t got[PAIR_NFIELDS], back[PAIR_NFIELDS];
        pair_compare(&c->a, &c->b, got);
        pair_compare(&c->b, &c->a, back); /* symmetric */
        bool conflict = pair_conflict(&c->a, &c->b);
        bool conflict_back = pair_conflict(&c->b, &c->a);
        if (memcmp(got, c->want, sizeof(got)) || memcmp(back, got, sizeof(got)) ||
            conflict != c->conflict || conflict_back != conflict) {
            print_error("row %zu \"%s\": conflict %d/%d, want %d\n", i, c->name, conflict,
                        conflict_back, c->conflict);
            print_vec("want", c->want);
            print_vec("got ", got);
            print_vec("back", back);
            failed++;
        }
    }
    if (failed)
        fail_msg("%d of %zu pair rows failed", failed, N(cases));
}

/* A record with its names folded and coded once, as resolve prepares them. */
struct prepared {
    struct match_rec m;
    char first[128], last[128], code[16];
};

static void prepare(struct prepared *p, const struct match_rec *m)
{
    p->m = *m;
    if (m->first_name) {
        key_name(m->first_name, p->first, sizeof(p->first));
        p->m.first_key = p->first;
    }
    if (m->last_name) {
        key_name(m->last_name, p->last, sizeof(p->last));
        if (!key_phonetic(m->last_name, p->code, sizeof(p->code)))
            p->code[0] = '\0';
        p->m.last_key = p->last;
        p->m.last_code = p->code;
    }
}

/* Prepared records (names folded once) compare exactly as plain ones. */
static void test_pair_prepared_same(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct prepared a, b;
        prepare(&a, &cases[i].a);
        prepare(&b, &cases[i].b);
        int8_t plain[PAIR_NFIELDS], fast[PAIR_NFIELDS], mixed[PAIR_NFIELDS];
        pair_compare(&cases[i].a, &cases[i].b, plain);
        pair_compare(&a.m, &b.m, fast);
        pair_compare(&a.m, &cases[i].b, mixed);
        if (memcmp(plain, fast, sizeof(plain)) || memcmp(plain, mixed, sizeof(plain))) {
            print_error("row %zu \"%s\"\n", i, cases[i].name);
            print_vec("plain   ", plain);
            print_vec("prepared", fast);
            print_vec("mixed   ", mixed);
            fail();
        }
        assert_int_equal(pair_conflict(&a.m, &b.m), pair_conflict(&cases[i].a, &cases[i].b));
    }
}

/* Every level a comparison gives lies within the field's count of levels. */
static void test_pair_levels_in_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        for (int f = 0; f < PAIR_NFIELDS; f++) {
            int lv = cases[i].want[f];
            assert_true(lv >= PAIR_MISSING && lv < pair_nlevels[f]);
        }
}

static void test_pair_names(void **state)
{
    (void)state;
    assert_string_equal(pair_field_name(PAIR_FIRST_NAME), "first_name");
    assert_string_equal(pair_field_name(PAIR_ADDRESS), "address");
    assert_string_equal(pair_field_name(PAIR_NFIELDS), "?");
    assert_string_equal(pair_field_name(-1), "?");
    assert_string_equal(pair_level_name(PAIR_FIRST_NAME, 2), "nickname");
    assert_string_equal(pair_level_name(PAIR_BIRTH_DATE, 2), "swapped");
    assert_string_equal(pair_level_name(PAIR_EMAIL, M), "missing");
    assert_string_equal(pair_level_name(PAIR_GENDER, 2), "?");
    assert_string_equal(pair_level_name(PAIR_LAST_NAME, -2), "?");
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        assert_true(pair_nlevels[f] >= 2 && pair_nlevels[f] <= 4);
        for (int l = 0; l < pair_nlevels[f]; l++)
            assert_string_not_equal(pair_level_name(f, l), "?");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_cases),
        cmocka_unit_test(test_pair_levels_in_range),
        cmocka_unit_test(test_pair_prepared_same),
        cmocka_unit_test(test_pair_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
