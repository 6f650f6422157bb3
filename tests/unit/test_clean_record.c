/*
 * test_clean_record.c — every rule on one record (clean_record): the
 * record's country is the region for its phone and postcode, a salutation
 * gives the gender, swapped names are put right and both keep their value as
 * given, an invalid value is left out with its reason, the quality bits say
 * what was present, valid as given, clean and corrected, a field the user
 * chose to keep is taken as given, and test-record patterns match the
 * cleaned names and e-mail. Also the small rules that live in record.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clean/record.h"

#define BIT(f) (1u << (f))

static int setup(void **state)
{
    (void)state;
    struct errbuf e = {{0}, {0}};
    return clean_init(&e);
}

static const int64_t NOW = 1795392000000; /* 2026-11-23 */

static void test_whole_record(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx c = {.locale = "nl-BE", .now = NOW, .arena = &a};
    struct clean_input in = {.salutation = "Mevr."};
    in.fields[PF_FIRST_NAME] = "PEETERS";
    in.fields[PF_LAST_NAME] = "Ann";
    in.fields[PF_BIRTH_DATE] = "31/02/1980";
    in.fields[PF_EMAIL] = " Ann.Peeters@GMIAL.com";
    in.fields[PF_PHONE] = "0475 12 34 56";
    in.fields[PF_POSTAL_CODE] = "1234ab";
    in.fields[PF_COUNTRY] = "Nederland";
    in.fields[PF_CITY] = "Utrecht";
    in.mobile = "06 12345678";
    struct clean_output o;
    assert_int_equal(clean_record(&c, NULL, &in, &o), 0);

    /* names swapped back, both given values kept */
    assert_string_equal(o.fields[PF_FIRST_NAME], "Ann");
    assert_string_equal(o.fields[PF_LAST_NAME], "Peeters");
    assert_string_equal(o.given[PF_FIRST_NAME], "PEETERS");
    assert_string_equal(o.given[PF_LAST_NAME], "Ann");
    /* the salutation gives the gender; none was given */
    assert_string_equal(o.fields[PF_GENDER], "female");
    assert_string_equal(o.given[PF_GENDER], "");
    /* country first: the phone is read as Dutch (0475 is Roermond's area code) */
    assert_string_equal(o.fields[PF_COUNTRY], "NL");
    assert_string_equal(o.mobile_key, "+31612345678");
    assert_string_equal(o.fields[PF_PHONE], "+31475123456");
    assert_string_equal(o.fields[PF_POSTAL_CODE], "1234 AB");
    /* the impossible date is left out, with its reason */
    assert_null(o.fields[PF_BIRTH_DATE]);
    bool found = false;
    for (int i = 0; i < o.ninvalid; i++)
        found |= o.invalid[i].field == PF_BIRTH_DATE && strstr(o.invalid[i].reason, "February");
    assert_true(found);
    /* e-mail: trimmed, domain lower-cased and its typo corrected; the key is lower-case */
    assert_string_equal(o.fields[PF_EMAIL], "Ann.Peeters@gmail.com");
    assert_string_equal(o.email_key, "ann.peeters@gmail.com");

    /* quality bits */
    assert_true(o.present & BIT(PF_BIRTH_DATE));
    assert_false(o.clean & BIT(PF_BIRTH_DATE));
    assert_false(o.present & BIT(PF_GENDER));
    assert_true(o.clean & BIT(PF_GENDER));
    assert_true(o.corrected & BIT(PF_EMAIL));
    assert_true(o.valid_raw & BIT(PF_CITY));
    assert_false(o.corrected & BIT(PF_CITY));
    assert_null(o.test_reason);

    /* an invalid phone leaves room for the mobile */
    in.fields[PF_PHONE] = "12";
    assert_int_equal(clean_record(&c, NULL, &in, &o), 0);
    assert_string_equal(o.fields[PF_PHONE], "+31612345678");
    bool bad_phone = false;
    for (int i = 0; i < o.ninvalid; i++)
        bad_phone |= o.invalid[i].field == PF_PHONE;
    assert_true(bad_phone);
    arena_release(&a);
}

static void test_keep_as_given(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx c = {.now = NOW, .arena = &a};
    char city[] = "GENT"; /* the caller's buffer: the result must not point into it */
    struct clean_input in = {.keep = BIT(PF_CITY) | BIT(PF_GENDER), .salutation = "Dhr."};
    in.fields[PF_CITY] = city;
    struct clean_output o;
    assert_int_equal(clean_record(&c, NULL, &in, &o), 0);
    assert_string_equal(o.fields[PF_CITY], "GENT");
    assert_ptr_not_equal(o.fields[PF_CITY], city);
    assert_true(o.valid_raw & BIT(PF_CITY));
    assert_null(o.fields[PF_GENDER]); /* kept as given: none, not from the salutation */
    arena_release(&a);
}

static void test_patterns(void **state)
{
    (void)state;
    struct clean_patterns p = {0};
    assert_int_equal(clean_patterns_add(&p, "email", "Test@*"), 0);
    assert_int_equal(clean_patterns_add(&p, "name", "mickey mouse"), 0);
    assert_int_equal(clean_patterns_add(&p, "colour", "red"), ERR_INVALID);
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx c = {.now = NOW, .arena = &a};
    static const struct {
        const char *first, *last, *email, *field;
    } cases[] = {
        {"Ann", "Peeters", "ann@telenet.be", NULL},
        {" MICKEY ", " Mouse", NULL, "name"},       /* cleaned names are matched */
        {"Ann", "Peeters", "TEST@telenet.be", "email"},
        {"Mickey", NULL, NULL, NULL},               /* "name" needs both */
        {"Testa", "Rossi", "testa@x.it", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clean_input in = {0};
        in.fields[PF_FIRST_NAME] = cases[i].first;
        in.fields[PF_LAST_NAME] = cases[i].last;
        in.fields[PF_EMAIL] = cases[i].email;
        struct clean_output o;
        assert_int_equal(clean_record(&c, &p, &in, &o), 0);
        const char *want = cases[i].field;
        if ((want == NULL) != (o.test_reason == NULL) ||
            (want && strcmp(want, o.test_field) != 0))
            fail_msg("case %zu: test_reason %s, field %s; want %s", i,
                     o.test_reason ? o.test_reason : "none", o.test_field ? o.test_field : "-",
                     want ? want : "none");
    }
    clean_patterns_free(&p);
    arena_release(&a);
}

static void test_small_rules(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx c = {.now = NOW, .arena = &a};
    static const struct {
        int (*fn)(const struct clean_ctx *, const char *, struct clean_result *);
        const char *in, *want; /* want NULL: invalid */
    } cases[] = {
        {clean_language, "nl", "nl"},           {clean_language, "NL", "nl"},
        {clean_language, "Nederlands", "nl"},   {clean_language, "nl-BE", "nl"},
        {clean_language, "fr_FR", "fr"},        {clean_language, "Français", "fr"},
        {clean_language, "Deutsch", "de"},      {clean_language, "English", "en"},
        {clean_language, "Engels", "en"},       {clean_language, "klingon", NULL},
        {clean_language, "", NULL},             {clean_language, "12", NULL},
        {clean_house_number, "12a", "12A"},     {clean_house_number, " 12  bus 3 ", "12 BUS 3"},
        {clean_house_number, "12", "12"},       {clean_house_number, "bis", NULL},
        {clean_address_part, "KERKSTRAAT", "Kerkstraat"},
        {clean_address_part, "  gent ", "Gent"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clean_result r;
        int rc = cases[i].fn(&c, cases[i].in, &r);
        const char *want = cases[i].want;
        if (want ? rc != 0 || !r.value || strcmp(r.value, want) != 0 : rc == 0)
            fail_msg("case %zu \"%s\": rc %d value %s; want %s", i, cases[i].in, rc,
                     r.value ? r.value : "NULL", want ? want : "invalid");
    }
    arena_release(&a);
}

static void test_identity_value(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx c = {.country = "BE", .now = NOW, .arena = &a};
    assert_string_equal(clean_identity_value(&c, "email", " Ann@GMIAL.com"), "ann@gmail.com");
    assert_string_equal(clean_identity_value(&c, "phone", "0475/12.34.56"), "+32475123456");
    assert_null(clean_identity_value(&c, "phone", "n/a"));
    assert_string_equal(clean_identity_value(&c, "user_id", " U1"), " U1");
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_record),   cmocka_unit_test(test_keep_as_given),
        cmocka_unit_test(test_patterns),       cmocka_unit_test(test_small_rules),
        cmocka_unit_test(test_identity_value),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
