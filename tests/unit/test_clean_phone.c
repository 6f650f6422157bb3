/*
 * test_clean_phone.c — clean_phone(): national and international forms from
 * BE, NL, FR, DE, LU and GB to E.164, foreign numbers on a record of another
 * country, the "00" prefix, a trunk "(0)" after the country code, "tel:"
 * URIs, and refusals (too short, too long, letters, empty, "n/a", a Belgian
 * mobile number missing a digit, no country for a national form), where the
 * trimmed raw text is kept. Table-driven; also checks the fixes' before and
 * after, that the rule gives the same answers from several threads at once,
 * and prints (does not assert) the cost of one call.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/arena.h"
#include "clean/clean.h"
#include "clean/phone_lib.h"

#define L CLEAN_LOCAL
#define I CLEAN_INVALID

struct phone_case {
    const char *in;
    const char *country; /* the record's country, NULL for none */
    const char *want;    /* value: E.164, or for an invalid number the trimmed input */
    unsigned flags;
    const char *fix;    /* a fix rule that must be present; NULL: no fix at all */
    const char *reason; /* when invalid: the reason, or NULL not to check it */
};

static const struct phone_case cases[] = {
    /* Belgium: national forms of one mobile number */
    {"0475 12 34 56", "BE", "+32475123456", L, "phone.e164", NULL},
    {"0475123456", "BE", "+32475123456", L, "phone.e164", NULL},
    {"0475/12.34.56", "BE", "+32475123456", L, "phone.e164", NULL},
    {"(0)475/123456", "BE", "+32475123456", L, "phone.e164", NULL},
    {"0475-12-34-56", "BE", "+32475123456", L, "phone.e164", NULL},
    {"475 12 34 56", "BE", "+32475123456", L, "phone.e164", NULL},
    {"  0475 12 34 56  ", "BE", "+32475123456", L, "phone.e164", NULL},
    {"0475\u00a012\u00a034\u00a056", "BE", "+32475123456", L, "phone.e164", NULL},
    {"02 234 56 78", "BE", "+3222345678", L, "phone.e164", NULL},
    {"09 234 56 78", "BE", "+3292345678", L, "phone.e164", NULL},
    {"0499 12 34 56", "be", "+32499123456", L, "phone.e164", NULL},
    /* Belgium: international forms */
    {"+32475123456", "BE", "+32475123456", 0, NULL, NULL},
    {"+32 475 12 34 56", "BE", "+32475123456", 0, "phone.e164", NULL},
    {"0032 475 12 34 56", "BE", "+32475123456", 0, "phone.international_prefix", NULL},
    {"0032475123456", "BE", "+32475123456", 0, "phone.international_prefix", NULL},
    {"+32 (0)475 12.34.56", "BE", "+32475123456", 0, "phone.trunk_prefix", NULL},
    {"0032 (0)475 12 34 56", "BE", "+32475123456", 0, "phone.trunk_prefix", NULL},
    {"+320475123456", "BE", "+32475123456", 0, "phone.e164", NULL},
    {"tel:+32475123456", "BE", "+32475123456", 0, "phone.e164", NULL},
    {"TEL:+32-475-12-34-56", "BE", "+32475123456", 0, "phone.e164", NULL},
    {"tel: +32 2 234 56 78", NULL, "+3222345678", 0, "phone.e164", NULL},
    /* Netherlands */
    {"06-12345678", "NL", "+31612345678", L, "phone.e164", NULL},
    {"06 1234 5678", "NL", "+31612345678", L, "phone.e164", NULL},
    {"010-1234567", "NL", "+31101234567", L, "phone.e164", NULL},
    {"+31 6 12345678", "NL", "+31612345678", 0, "phone.e164", NULL},
    {"0031 (0)6 12345678", "NL", "+31612345678", 0, "phone.trunk_prefix", NULL},
    {"0475 12 34 56", "NL", "+31475123456", L, "phone.e164", NULL}, /* Roermond */
    /* France */
    {"06 12 34 56 78", "FR", "+33612345678", L, "phone.e164", NULL},
    {"01.23.45.67.89", "FR", "+33123456789", L, "phone.e164", NULL},
    {"00 33 6 12 34 56 78", "FR", "+33612345678", 0, "phone.international_prefix", NULL},
    {"+33 (0)6 12 34 56 78", "FR", "+33612345678", 0, "phone.trunk_prefix", NULL},
    /* Germany */
    {"0171 1234567", "DE", "+491711234567", L, "phone.e164", NULL},
    {"0151/23456789", "DE", "+4915123456789", L, "phone.e164", NULL},
    {"089 123456", "DE", "+4989123456", L, "phone.e164", NULL},
    {"+49 (0)30 123456", "DE", "+4930123456", 0, "phone.trunk_prefix", NULL},
    {"0049 171 1234567", "DE", "+491711234567", 0, "phone.international_prefix", NULL},
    /* Luxembourg: no trunk prefix */
    {"621 123 456", "LU", "+352621123456", L, "phone.e164", NULL},
    {"27 12 34 56", "LU", "+35227123456", L, "phone.e164", NULL},
    {"+352 691 123 456", "LU", "+352691123456", 0, "phone.e164", NULL},
    {"00352 621123456", "LU", "+352621123456", 0, "phone.international_prefix", NULL},
    /* United Kingdom */
    {"07911 123456", "GB", "+447911123456", L, "phone.e164", NULL},
    {"020 7946 0958", "GB", "+442079460958", L, "phone.e164", NULL},
    {"0121 496 0000", "GB", "+441214960000", L, "phone.e164", NULL},
    {"+44 (0)20 7946 0958", "GB", "+442079460958", 0, "phone.trunk_prefix", NULL},
    {"+44 7911 123456", "GB", "+447911123456", 0, "phone.e164", NULL},
    /* Ofcom's range for drama: libphonenumber knows it is not a real number */
    {"07700 900123", "GB", "07700 900123", I, "", "not a valid UK number"},
    /* foreign numbers on a record of another country */
    {"+33 6 12 34 56 78", "BE", "+33612345678", 0, "phone.e164", NULL},
    {"0031 6 12345678", "BE", "+31612345678", 0, "phone.international_prefix", NULL},
    {"+49 171 1234567", "NL", "+491711234567", 0, "phone.e164", NULL},
    {"+32 475 12 34 56", "GB", "+32475123456", 0, "phone.e164", NULL},
    {"0044 7911 123456", "FR", "+447911123456", 0, "phone.international_prefix", NULL},
    {"+1 202 555 0123", "BE", "+12025550123", 0, "phone.e164", NULL},
    {"+41 79 123 45 67", "DE", "+41791234567", 0, "phone.e164", NULL},
    {"+352 621 123 456", "BE", "+352621123456", 0, "phone.e164", NULL},
    /* no record country: only international forms */
    {"+32475123456", NULL, "+32475123456", 0, NULL, NULL},
    {"0032 475 12 34 56", NULL, "+32475123456", 0, "phone.international_prefix", NULL},
    {"0475 12 34 56", NULL, "0475 12 34 56", I, "",
     "no country: a national number needs the record's country"},
    {"0475 12 34 56", "", "0475 12 34 56", I, "",
     "no country: a national number needs the record's country"},
    /* refused, kept raw */
    {"", "BE", "", I, "", "the phone number is empty"},
    {"   ", "BE", "", I, "", "the phone number is empty"},
    {"n/a", "BE", "n/a", I, "", "no digits: not a phone number"},
    {" unknown ", "BE", "unknown", I, "", "no digits: not a phone number"},
    {"-", "BE", "-", I, "", "no digits: not a phone number"},
    {"0475 12 34 5", "BE", "0475 12 34 5", I, "", "not a valid Belgian number"},
    {"+32 475 12 34 5", "BE", "+32 475 12 34 5", I, "", "not a valid Belgian number"},
    {"0000000000", "BE", "0000000000", I, "", "not a valid Belgian number"},
    {"06 1234 567", "NL", "06 1234 567", I, "", "not a valid Dutch number"},
    {"07 12 34 56 78", "FR", "07 12 34 56 78", I, "", "not a valid French number"},
    {"0612345678", "BE", "0612345678", I, "", "not a valid Belgian number"},
    {"112", "BE", "112", I, "", "too short to be a phone number"},
    {"12", NULL, "12", I, "", "too short to be a phone number"},
    {"+32 12", "BE", "+32 12", I, "", "too short to be a phone number"},
    {"+32 475 12 34 56 78 90", "BE", "+32 475 12 34 56 78 90", I, "",
     "too long to be a phone number"},
    {"0475 12 34 56 0475 12 34 56", "BE", "0475 12 34 56 0475 12 34 56", I, "",
     "too long to be a phone number"},
    {"+32 475 12 34 56 (mobile)", "BE", "+32 475 12 34 56 (mobile)", I, "",
     "letters are not part of a phone number"},
    {"0800 FLOWERS", "BE", "0800 FLOWERS", I, "", "letters are not part of a phone number"},
    {"0475 12 34 56 ext 12", "BE", "0475 12 34 56 ext 12", I, "",
     "letters are not part of a phone number"},
    {"0475#123456", "BE", "0475#123456", I, "",
     "contains characters that are not part of a phone number"},
    {"+32+475123456", "BE", "+32+475123456", I, "", "a + can only begin a phone number"},
    {"+999 1234 5678", "BE", "+999 1234 5678", I, "", "unknown international calling code"},
    {"0475 12 34 56", "XX", "0475 12 34 56", I, "",
     "the record's country has no known phone numbering plan"},
    {"0475 12 34 56", "BEL", "0475 12 34 56", I, "",
     "the record's country has no known phone numbering plan"},
    {"0123456789012345678901234567890123456789012345678901234567890123456789", "BE",
     "0123456789012345678901234567890123456789012345678901234567890123456789", I, "",
     "longer than 64 characters: not a phone number"},
};

static bool has_fix(const struct clean_result *r, const char *rule)
{
    for (int i = 0; i < r->nfixes; i++)
        if (!strcmp(r->fixes[i].rule, rule))
            return true;
    return false;
}

/* Returns 0, or prints what is wrong with the row's result and returns 1. */
static int check_case(const struct phone_case *k, struct arena *a)
{
    struct clean_ctx ctx = {.country = k->country, .locale = NULL, .now = 0, .arena = a};
    struct clean_result r;
    int rc = clean_phone(&ctx, k->in, &r);
    int want_rc = (k->flags & CLEAN_INVALID) ? ERR_INVALID : 0;
    const char *cc = k->country ? k->country : "(none)";

    if (rc != want_rc) {
        print_error("\"%s\" [%s]: rc %d, want %d (reason: %s)\n", k->in, cc, rc, want_rc,
                    r.reason ? r.reason : "-");
        return 1;
    }
    if (!r.value || strcmp(r.value, k->want)) {
        print_error("\"%s\" [%s]: value \"%s\", want \"%s\"\n", k->in, cc,
                    r.value ? r.value : "(null)", k->want);
        return 1;
    }
    if (r.flags != k->flags) {
        print_error("\"%s\" [%s]: flags %#x, want %#x\n", k->in, cc, r.flags, k->flags);
        return 1;
    }
    if (k->fix && *k->fix ? !has_fix(&r, k->fix) : r.nfixes != 0) {
        print_error("\"%s\" [%s]: %d fixes (first %s), want %s\n", k->in, cc, r.nfixes,
                    r.nfixes ? r.fixes[0].rule : "-", k->fix ? k->fix : "none");
        return 1;
    }
    if (k->reason && (!r.reason || strcmp(r.reason, k->reason))) {
        print_error("\"%s\" [%s]: reason \"%s\", want \"%s\"\n", k->in, cc,
                    r.reason ? r.reason : "(null)", k->reason);
        return 1;
    }
    if (!rc && r.reason) {
        print_error("\"%s\" [%s]: valid, yet reason \"%s\"\n", k->in, cc, r.reason);
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
        fail_msg("%d of %zu phone rows failed", failures, sizeof(cases) / sizeof(cases[0]));
}

static void test_fix_contents(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.country = "BE", .arena = &a};
    struct clean_result r;

    /* "00" and "(0)" each name their part; phone.e164 holds the whole change */
    assert_int_equal(clean_phone(&ctx, " 0032 (0)475 12 34 56", &r), 0);
    assert_int_equal(r.nfixes, 3);
    assert_string_equal(r.fixes[0].rule, "phone.international_prefix");
    assert_string_equal(r.fixes[0].before, "00");
    assert_string_equal(r.fixes[0].after, "+");
    assert_string_equal(r.fixes[1].rule, "phone.trunk_prefix");
    assert_string_equal(r.fixes[1].before, "(0)");
    assert_string_equal(r.fixes[1].after, "");
    assert_string_equal(r.fixes[2].rule, "phone.e164");
    assert_string_equal(r.fixes[2].before, " 0032 (0)475 12 34 56");
    assert_string_equal(r.fixes[2].after, "+32475123456");

    /* a national form: one fix, the local flag */
    assert_int_equal(clean_phone(&ctx, "0475 12 34 56", &r), 0);
    assert_int_equal(r.nfixes, 1);
    assert_string_equal(r.fixes[0].before, "0475 12 34 56");
    assert_string_equal(r.fixes[0].after, "+32475123456");
    assert_true(r.flags & CLEAN_LOCAL);

    /* already E.164: nothing to record */
    assert_int_equal(clean_phone(&ctx, "+32475123456", &r), 0);
    assert_int_equal(r.nfixes, 0);
    assert_int_equal(r.flags, 0);

    /* NULL input reads as empty */
    assert_int_equal(clean_phone(&ctx, NULL, &r), ERR_INVALID);
    assert_string_equal(r.value, "");
    arena_release(&a);
}

static void test_phone_lib_direct(void **state)
{
    (void)state;
    struct phone_lib_result res;
    assert_int_equal(phone_lib_init(), 0);
    assert_int_equal(phone_lib_format("0475123456", 10, "BE", &res), PHONE_LIB_OK);
    assert_string_equal(res.e164, "+32475123456");
    assert_string_equal(res.region, "BE");
    assert_int_equal(res.source, PHONE_LIB_NATIONAL);
    /* len is honoured: the text need not end there */
    assert_int_equal(phone_lib_format("+33612345678999", 12, NULL, &res), PHONE_LIB_OK);
    assert_string_equal(res.e164, "+33612345678");
    assert_int_equal(res.source, PHONE_LIB_INTERNATIONAL);
    assert_int_equal(phone_lib_format("32475123456", 11, "BE", &res), PHONE_LIB_OK);
    assert_int_equal(res.source, PHONE_LIB_CODE_WITHOUT_PLUS);
    assert_int_equal(phone_lib_format("0475123456", 10, NULL, &res), PHONE_LIB_NO_REGION);
    assert_string_equal(res.e164, "");
    assert_int_equal(phone_lib_format("+99912345678", 12, NULL, &res), PHONE_LIB_BAD_COUNTRY);
    assert_int_equal(phone_lib_format("047512345", 9, "BE", &res), PHONE_LIB_INVALID);
    assert_int_equal(phone_lib_format("", 0, "BE", &res), PHONE_LIB_NOT_A_NUMBER);
}

/* Several threads clean the whole table at once and all get the table's answers. */
static void *thread_run(void *arg)
{
    int *failures = arg;
    struct arena a;
    arena_init(&a, 0);
    for (int round = 0; round < 5; round++)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            *failures += check_case(&cases[i], &a);
    arena_release(&a);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    int failures[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_run, &failures[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(failures[i], 0);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Prints the cost of a call on typical input; informative, not asserted. */
static void test_speed(void **state)
{
    (void)state;
    static const char *const inputs[] = {"0475 12 34 56", "+32 475 12 34 56", "06-12345678", "n/a",
                                         "0032 (0)2 234 56 78"};
    const int n = 20000;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.country = "BE", .arena = &a};
    struct clean_result r;
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        clean_phone(&ctx, inputs[i % 5], &r);
        if (i % 1000 == 999)
            arena_release(&a);
    }
    double t1 = now_us();
    arena_release(&a);
    printf("clean_phone: %.2f us/call (%d calls, mixed input)\n", (t1 - t0) / n, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fix_contents),
        cmocka_unit_test(test_phone_lib_direct),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests_name("clean_phone", tests, NULL, NULL);
}
