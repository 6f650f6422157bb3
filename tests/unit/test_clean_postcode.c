/*
 * test_clean_postcode.c — clean_postcode() by the record's country: Belgian
 * 4 digits and the "B-" prefix, Dutch "1234 AB" (with SA/SD/SS refused),
 * French and German 5 digits with the leading zero a spreadsheet lost,
 * Luxembourg's "L-" prefix, the six UK shapes and GIR 0AA with Royal Mail's
 * letter rules, and the lenient rule for other countries or none.
 * Table-driven; also checks that fixes chain from the input to the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "clean/clean.h"

struct postcode_case {
    const char *in;
    const char *country; /* NULL: none */
    const char *want;    /* value, or NULL when invalid */
    unsigned flags;
    const char *fix;    /* the last fix's rule; NULL: no fix */
    const char *reason; /* when invalid: the reason, or NULL not to check it */
};

#define I CLEAN_INVALID

static const struct postcode_case cases[] = {
    /* Belgium */
    {"1000", "BE", "1000", 0, NULL, NULL},
    {"9999", "BE", "9999", 0, NULL, NULL},
    {" 2000 ", "BE", "2000", 0, "postcode.trim", NULL},
    {"B-1000", "BE", "1000", 0, "postcode.prefix", NULL},
    {"b-1000", "BE", "1000", 0, "postcode.prefix", NULL},
    {"B 1000", "be", "1000", 0, "postcode.prefix", NULL},
    {"0999", "BE", NULL, I, NULL, "a Belgian postcode is 4 digits from 1000 to 9999"},
    {"100", "BE", NULL, I, NULL, "a Belgian postcode is 4 digits from 1000 to 9999"},
    {"10000", "BE", NULL, I, NULL, "a Belgian postcode is 4 digits from 1000 to 9999"},
    {"1000 Brussel", "BE", NULL, I, NULL, "a Belgian postcode is 4 digits from 1000 to 9999"},
    {"B1000", "BE", NULL, I, NULL, NULL},
    {"1O00", "BE", NULL, I, NULL, NULL},
    /* Netherlands */
    {"1234 AB", "NL", "1234 AB", 0, NULL, NULL},
    {"1234AB", "NL", "1234 AB", 0, "postcode.format", NULL},
    {"1234ab", "NL", "1234 AB", 0, "postcode.format", NULL},
    {"1234  ab", "NL", "1234 AB", 0, "postcode.format", NULL},
    {"1234-AB", "NL", "1234 AB", 0, "postcode.format", NULL},
    {"NL-1234 AB", "NL", "1234 AB", 0, "postcode.prefix", NULL},
    {"9999 ZZ", "NL", "9999 ZZ", 0, NULL, NULL},
    {"1234 SA", "NL", NULL, I, NULL, "the letters SA, SD and SS are not used in Dutch postcodes"},
    {"1234sd", "NL", NULL, I, NULL, "the letters SA, SD and SS are not used in Dutch postcodes"},
    {"1234 SS", "NL", NULL, I, NULL, "the letters SA, SD and SS are not used in Dutch postcodes"},
    {"1234 SB", "NL", "1234 SB", 0, NULL, NULL},
    {"0123 AB", "NL", NULL, I, NULL, "a Dutch postcode does not start with 0"},
    {"1234", "NL", NULL, I, NULL, "a Dutch postcode is 4 digits and 2 letters, like 1234 AB"},
    {"1234 A", "NL", NULL, I, NULL, "a Dutch postcode is 4 digits and 2 letters, like 1234 AB"},
    {"1234 ABC", "NL", NULL, I, NULL, NULL},
    {"12345 AB", "NL", NULL, I, NULL, NULL},
    {"1234 A1", "NL", NULL, I, NULL, NULL},
    /* France */
    {"75001", "FR", "75001", 0, NULL, NULL},
    {"6000", "FR", "06000", 0, "postcode.leading_zero", NULL},
    {"F-75001", "FR", "75001", 0, "postcode.prefix", NULL},
    {"F-6000", "FR", "06000", 0, "postcode.leading_zero", NULL},
    {"00123", "FR", NULL, I, NULL, "a French postcode does not start with 00"},
    {"0123", "FR", NULL, I, NULL, "a French postcode does not start with 00"},
    {"750", "FR", NULL, I, NULL, "a French postcode is 5 digits"},
    {"750011", "FR", NULL, I, NULL, "a French postcode is 5 digits"},
    {"75 001", "FR", NULL, I, NULL, "a French postcode is 5 digits"},
    /* Germany */
    {"10115", "DE", "10115", 0, NULL, NULL},
    {"1067", "DE", "01067", 0, "postcode.leading_zero", NULL},
    {"D-80331", "DE", "80331", 0, "postcode.prefix", NULL},
    {"d 1067", "DE", "01067", 0, "postcode.leading_zero", NULL},
    {"D80331", "DE", NULL, I, NULL, "a German postcode is 5 digits"},
    {"801", "DE", NULL, I, NULL, "a German postcode is 5 digits"},
    /* Luxembourg */
    {"1234", "LU", "1234", 0, NULL, NULL},
    {"L-1234", "LU", "1234", 0, "postcode.prefix", NULL},
    {"L1234", "LU", "1234", 0, "postcode.prefix", NULL},
    {"l 1234", "LU", "1234", 0, "postcode.prefix", NULL},
    {"12345", "LU", NULL, I, NULL, "a Luxembourg postcode is 4 digits from 1000 to 9999"},
    {"L-0123", "LU", NULL, I, NULL, NULL},
    /* United Kingdom: the six shapes, then the letter rules */
    {"M1 1AE", "GB", "M1 1AE", 0, NULL, NULL},
    {"B33 8TH", "GB", "B33 8TH", 0, NULL, NULL},
    {"W1A 0AX", "GB", "W1A 0AX", 0, NULL, NULL},
    {"CR2 6XH", "GB", "CR2 6XH", 0, NULL, NULL},
    {"DN55 1PT", "GB", "DN55 1PT", 0, NULL, NULL},
    {"EC1A 1BB", "GB", "EC1A 1BB", 0, NULL, NULL},
    {"sw1a1aa", "GB", "SW1A 1AA", 0, "postcode.format", NULL},
    {"sw1a 1aa", "GB", "SW1A 1AA", 0, "postcode.format", NULL},
    {"SW1A  1AA", "GB", "SW1A 1AA", 0, "postcode.format", NULL},
    {"S W 1 A 1 A A", "GB", "SW1A 1AA", 0, "postcode.format", NULL},
    {"gir0aa", "GB", "GIR 0AA", 0, "postcode.format", NULL},
    {"GIR 0AA", "gb", "GIR 0AA", 0, NULL, NULL},
    {"QA1 1AA", "GB", NULL, I, NULL, NULL},  /* Q never first */
    {"AZ1 1AA", "GB", NULL, I, NULL, NULL},  /* Z never second */
    {"W1I 0AX", "GB", NULL, I, NULL, NULL},  /* I never third in A9A */
    {"EC1C 1BB", "GB", NULL, I, NULL, NULL}, /* C never fourth in AA9A */
    {"SW1A 1CA", "GB", NULL, I, NULL, NULL}, /* C never in the inward code */
    {"SW1A 1A", "GB", NULL, I, NULL,
     "a UK postcode is an outward and an inward code, like SW1A 1AA"},
    {"SW1A1AAA", "GB", NULL, I, NULL, NULL},
    {"1W1A 1AA", "GB", NULL, I, NULL, NULL},
    {"SW1A-1AA", "GB", NULL, I, NULL, NULL},
    {"SWAA 1AA", "GB", NULL, I, NULL, NULL},
    /* other countries and none */
    {"1010", "AT", "1010", 0, NULL, NULL},
    {"d02 x285", "IE", "D02 X285", 0, "postcode.format", NULL},
    {"10-001", "PL", "10-001", 0, NULL, NULL},
    {"k1a   0b1", "CA", "K1A 0B1", 0, "postcode.format", NULL},
    {"90210", NULL, "90210", 0, NULL, NULL},
    {"90210", "", "90210", 0, NULL, NULL},
    {"1234 AB", "XX", "1234 AB", 0, NULL, NULL},
    {"1", "AT", NULL, I, NULL, "a postcode is 2 to 10 letters, digits, spaces or hyphens"},
    {"12345678901", NULL, NULL, I, NULL, NULL},
    {"1010 Wien!", "AT", NULL, I, NULL, NULL},
    {"--", NULL, NULL, I, NULL, NULL},
    {"100\xc3\xa9", "AT", NULL, I, NULL, NULL},
    /* empty and over-long, whatever the country */
    {"", "BE", NULL, I, NULL, "the postcode is empty"},
    {"   ", "NL", NULL, I, NULL, "the postcode is empty"},
    {"123456789012345678901234567890123", NULL, NULL, I, NULL, "too long to be a postcode"},
};

static int check_case(const struct postcode_case *k, struct arena *a)
{
    struct clean_ctx ctx = {.country = k->country, .arena = a};
    struct clean_result r;
    int rc = clean_postcode(&ctx, k->in, &r);
    int want_rc = (k->flags & CLEAN_INVALID) ? ERR_INVALID : 0;
    const char *cc = k->country ? k->country : "(none)";
    const char *last = r.nfixes ? r.fixes[r.nfixes - 1].rule : NULL;

    if (rc != want_rc) {
        print_error("\"%s\" [%s]: rc %d, want %d (reason: %s)\n", k->in, cc, rc, want_rc,
                    r.reason ? r.reason : "-");
        return 1;
    }
    if (k->want ? !r.value || strcmp(r.value, k->want) : r.value != NULL) {
        print_error("\"%s\" [%s]: value \"%s\", want \"%s\"\n", k->in, cc,
                    r.value ? r.value : "(null)", k->want ? k->want : "(null)");
        return 1;
    }
    if (r.flags != k->flags) {
        print_error("\"%s\" [%s]: flags %#x, want %#x\n", k->in, cc, r.flags, k->flags);
        return 1;
    }
    if (k->fix ? !last || strcmp(last, k->fix) : last != NULL) {
        print_error("\"%s\" [%s]: last fix %s, want %s\n", k->in, cc, last ? last : "none",
                    k->fix ? k->fix : "none");
        return 1;
    }
    if (rc ? !r.reason || (k->reason && strcmp(r.reason, k->reason)) : r.reason != NULL) {
        print_error("\"%s\" [%s]: reason \"%s\", want \"%s\"\n", k->in, cc,
                    r.reason ? r.reason : "(null)", k->reason ? k->reason : "(null)");
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
        fail_msg("%d of %zu postcode rows failed", failures, sizeof(cases) / sizeof(cases[0]));
}

static void test_fix_chain(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.country = "FR", .arena = &a};
    struct clean_result r;

    /* each step runs from the text before it to the text after it */
    assert_int_equal(clean_postcode(&ctx, " F-6000 ", &r), 0);
    assert_string_equal(r.value, "06000");
    assert_int_equal(r.nfixes, 3);
    assert_string_equal(r.fixes[0].rule, "postcode.trim");
    assert_string_equal(r.fixes[0].before, " F-6000 ");
    assert_string_equal(r.fixes[0].after, "F-6000");
    assert_string_equal(r.fixes[1].rule, "postcode.prefix");
    assert_string_equal(r.fixes[1].before, "F-6000");
    assert_string_equal(r.fixes[1].after, "6000");
    assert_string_equal(r.fixes[2].rule, "postcode.leading_zero");
    assert_string_equal(r.fixes[2].before, "6000");
    assert_string_equal(r.fixes[2].after, "06000");

    /* an invalid postcode carries no fixes */
    ctx.country = "BE";
    assert_int_equal(clean_postcode(&ctx, " B-999 ", &r), ERR_INVALID);
    assert_int_equal(r.nfixes, 0);
    assert_null(r.value);

    ctx.country = "GB";
    assert_int_equal(clean_postcode(&ctx, "ec1a1bb", &r), 0);
    assert_int_equal(r.nfixes, 1);
    assert_string_equal(r.fixes[0].before, "ec1a1bb");
    assert_string_equal(r.fixes[0].after, "EC1A 1BB");

    /* NULL reads as empty; a long run of spaces is refused before trimming */
    assert_int_equal(clean_postcode(&ctx, NULL, &r), ERR_INVALID);
    char spaces[300];
    memset(spaces, ' ', sizeof(spaces) - 1);
    spaces[sizeof(spaces) - 1] = '\0';
    spaces[150] = '1';
    assert_int_equal(clean_postcode(&ctx, spaces, &r), ERR_INVALID);
    assert_string_equal(r.reason, "too long to be a postcode");
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fix_chain),
    };
    return cmocka_run_group_tests_name("clean_postcode", tests, NULL, NULL);
}
