/*
 * test_clean_country.c — the country rule and its reference data: clean_init
 * refuses a missing iso-codes tree with a message that names the file, then
 * loads the real one once; clean_country maps English, Dutch, French and
 * German names, codes in any case, aliases ("UK", "EL", "Holland",
 * "England") and typos of the common customer countries to the alpha-2 code
 * (table-driven), and refuses what it cannot place; clean_country_name and
 * clean_country_known answer from the same table.
 *
 * Needs the iso-codes package (/usr/share/iso-codes, /usr/share/locale).
 * clean_init can load only once per process, so the failure tests run first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clean/clean.h"
#include "clean/country.h"

static void test_init_missing_dir(void **state)
{
    (void)state;
    struct errbuf e = {0};
    setenv("RONDO_ISO_CODES_DIR", "/nonexistent/rondo-iso", 1);
    assert_int_equal(clean_init(&e), ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/rondo-iso/iso-codes/json/iso_3166-1.json"));
    assert_non_null(strstr(e.msg, "install the iso-codes package"));
    assert_false(clean_country_known("BE")); /* nothing half-loaded */
    unsetenv("RONDO_ISO_CODES_DIR");
}

static void test_init_missing_catalogue(void **state)
{
    (void)state;
    /* the JSON is there but the Dutch translations are not */
    char dir[] = "/tmp/rondo-iso-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/iso-codes", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/iso-codes/json", dir);
    assert_int_equal(symlink("/usr/share/iso-codes/json", path), 0);

    struct errbuf e = {0};
    setenv("RONDO_ISO_CODES_DIR", dir, 1);
    int rc = clean_init(&e);
    unsetenv("RONDO_ISO_CODES_DIR");
    unlink(path);
    snprintf(path, sizeof(path), "%s/iso-codes", dir);
    rmdir(path);
    rmdir(dir);

    assert_int_equal(rc, ERR_IO);
    assert_non_null(strstr(e.msg, "/locale/nl/LC_MESSAGES/iso_3166-1.mo"));
    assert_non_null(strstr(e.msg, "install the iso-codes package"));
    assert_false(clean_country_known("BE"));
}

static void test_init(void **state)
{
    (void)state;
    struct errbuf e = {0};
    int rc = clean_init(&e);
    if (rc)
        fail_msg("clean_init: %s", e.msg);
    assert_int_equal(clean_init(&e), 0); /* again: does nothing */
    assert_true(clean_country_known("BE"));
}

struct country_case {
    const char *in;
    const char *locale; /* the rule ignores it; a few rows show that */
    const char *want;   /* alpha-2, or NULL when invalid */
    const char *fix;    /* "country.code", or NULL for no fix */
    const char *reason; /* when invalid */
};

static const struct country_case cases[] = {
    /* codes */
    {"BE", NULL, "BE", NULL, NULL},
    {"be", NULL, "BE", "country.code", NULL},
    {" BE ", NULL, "BE", "country.code", NULL},
    {"BEL", NULL, "BE", "country.code", NULL},
    {"nld", NULL, "NL", "country.code", NULL},
    {"DEU", NULL, "DE", "country.code", NULL},
    {"de", "fr", "DE", "country.code", NULL},
    {"GBR", NULL, "GB", "country.code", NULL},
    {"gb", NULL, "GB", "country.code", NULL},
    {"FR", NULL, "FR", NULL, NULL},
    {"lu", NULL, "LU", "country.code", NULL},
    {"USA", NULL, "US", "country.code", NULL},
    {"U.S.A.", NULL, "US", "country.code", NULL},
    {"UK", NULL, "GB", "country.code", NULL},
    {"U.K.", NULL, "GB", "country.code", NULL},
    {"EL", NULL, "GR", "country.code", NULL},
    /* Belgium */
    {"Belgium", NULL, "BE", "country.code", NULL},
    {"België", NULL, "BE", "country.code", NULL},
    {"belgie", NULL, "BE", "country.code", NULL},
    {"BELGIQUE", NULL, "BE", "country.code", NULL},
    {"Belgien", NULL, "BE", "country.code", NULL},
    {"BELGIË", NULL, "BE", "country.code", NULL},
    {"Koninkrijk België", NULL, "BE", "country.code", NULL},
    {"Royaume de Belgique", NULL, "BE", "country.code", NULL},
    /* the Netherlands */
    {"Nederland", NULL, "NL", "country.code", NULL},
    {"Pays-Bas", NULL, "NL", "country.code", NULL},
    {"pays bas", NULL, "NL", "country.code", NULL},
    {"les Pays-Bas", NULL, "NL", "country.code", NULL},
    {"The Netherlands", NULL, "NL", "country.code", NULL},
    {"Netherlands", NULL, "NL", "country.code", NULL},
    {"Holland", NULL, "NL", "country.code", NULL},
    {"Niederlande", NULL, "NL", "country.code", NULL},
    {"Koninkrijk der Nederlanden", NULL, "NL", "country.code", NULL},
    /* Germany */
    {"Deutschland", NULL, "DE", "country.code", NULL},
    {"Allemagne", NULL, "DE", "country.code", NULL},
    {"l'Allemagne", NULL, "DE", "country.code", NULL},
    {"Duitsland", NULL, "DE", "country.code", NULL},
    {"Germany", "en-US", "DE", "country.code", NULL},
    {"Bundesrepublik Deutschland", NULL, "DE", "country.code", NULL},
    /* the United Kingdom and its parts */
    {"Royaume-Uni", NULL, "GB", "country.code", NULL},
    {"Verenigd Koninkrijk", NULL, "GB", "country.code", NULL},
    {"Vereinigtes Königreich", NULL, "GB", "country.code", NULL},
    {"United Kingdom", NULL, "GB", "country.code", NULL},
    {"Great Britain", NULL, "GB", "country.code", NULL},
    {"Großbritannien", NULL, "GB", "country.code", NULL},
    {"England", NULL, "GB", "country.code", NULL},
    {"Scotland", NULL, "GB", "country.code", NULL},
    {"Wales", NULL, "GB", "country.code", NULL},
    {"Northern Ireland", NULL, "GB", "country.code", NULL},
    /* Luxembourg */
    {"Luxembourg", NULL, "LU", "country.code", NULL},
    {"Luxemburg", NULL, "LU", "country.code", NULL},
    {"Grand-Duché de Luxembourg", NULL, "LU", "country.code", NULL},
    {"Großherzogtum Luxemburg", NULL, "LU", "country.code", NULL},
    {"Lux", NULL, "LU", "country.code", NULL},
    /* other countries, names in four languages */
    {"France", NULL, "FR", "country.code", NULL},
    {"Frankrijk", NULL, "FR", "country.code", NULL},
    {"Frankreich", NULL, "FR", "country.code", NULL},
    {"Suisse", NULL, "CH", "country.code", NULL},
    {"Zwitserland", NULL, "CH", "country.code", NULL},
    {"Schweiz", NULL, "CH", "country.code", NULL},
    {"Österreich", NULL, "AT", "country.code", NULL},
    {"Oostenrijk", NULL, "AT", "country.code", NULL},
    {"Autriche", NULL, "AT", "country.code", NULL},
    {"Espagne", NULL, "ES", "country.code", NULL},
    {"Spanje", NULL, "ES", "country.code", NULL},
    {"Italië", NULL, "IT", "country.code", NULL},
    {"Griekenland", NULL, "GR", "country.code", NULL},
    {"Ierland", NULL, "IE", "country.code", NULL},
    {"Polen", NULL, "PL", "country.code", NULL},
    {"Danemark", NULL, "DK", "country.code", NULL},
    {"Suède", NULL, "SE", "country.code", NULL},
    {"États-Unis", NULL, "US", "country.code", NULL},
    {"Etats Unis", NULL, "US", "country.code", NULL},
    {"Verenigde Staten", NULL, "US", "country.code", NULL},
    {"United States of America", NULL, "US", "country.code", NULL},
    {"South Korea", NULL, "KR", "country.code", NULL},
    {"Korea, Republic of", NULL, "KR", "country.code", NULL},
    {"Côte d'Ivoire", NULL, "CI", "country.code", NULL},
    {"Ivoorkust", NULL, "CI", "country.code", NULL},
    {"Türkiye", NULL, "TR", "country.code", NULL},
    {"Turkey", NULL, "TR", "country.code", NULL},
    {"Marokko", NULL, "MA", "country.code", NULL},
    {"Maroc", NULL, "MA", "country.code", NULL},
    {"Japan", NULL, "JP", "country.code", NULL},
    /* typos of common customer countries */
    {"Belguim", NULL, "BE", "country.code", NULL},
    {"Begium", NULL, "BE", "country.code", NULL},
    {"Nederlnd", NULL, "NL", "country.code", NULL},
    {"Nedreland", NULL, "NL", "country.code", NULL},
    {"Frankrjk", NULL, "FR", "country.code", NULL},
    {"Duitland", NULL, "DE", "country.code", NULL},
    {"Germnay", NULL, "DE", "country.code", NULL},
    {"Deutchland", NULL, "DE", "country.code", NULL},
    {"Luxemboug", NULL, "LU", "country.code", NULL},
    {"Portgual", NULL, "PT", "country.code", NULL},
    {"Oostenrjik", NULL, "AT", "country.code", NULL},
    {"Zwitserlnd", NULL, "CH", "country.code", NULL},
    {"Hollnd", NULL, "NL", "country.code", NULL},
    {"Verenigd Koningrijk", NULL, "GB", "country.code", NULL},
    /* refused */
    {"Austrlia", NULL, NULL, NULL, "unknown country \"Austrlia\""}, /* Austria or Australia */
    {"Holand", NULL, NULL, NULL, "unknown country \"Holand\""},     /* Holland or Poland */
    {"xyz", NULL, NULL, NULL, "unknown country \"xyz\""},
    /* placeholders are not Namibia ("n/a" would key as NA) or any other code */
    {"n/a", NULL, NULL, NULL, "country not given (a placeholder)"},
    {"N/A", NULL, NULL, NULL, "country not given (a placeholder)"},
    {"onbekend", NULL, NULL, NULL, "country not given (a placeholder)"},
    {"NA", NULL, "NA", NULL, NULL}, /* the code itself still is */
    {"Atlantis", NULL, NULL, NULL, "unknown country \"Atlantis\""},
    {"Belg", NULL, NULL, NULL, "unknown country \"Belg\""},
    {"ZZ", NULL, NULL, NULL, "unknown country \"ZZ\""},
    {"B", NULL, NULL, NULL, "unknown country \"B\""},
    {"123", NULL, NULL, NULL, "unknown country \"123\""},
    {"the", NULL, NULL, NULL, "unknown country \"the\""},
    {"--", NULL, NULL, NULL, "country not given (a placeholder)"},
    {"", NULL, NULL, NULL, "country is empty"},
    {"   ", NULL, NULL, NULL, "country is empty"},
    {"Belgi\xff", NULL, NULL, NULL, "country is not valid UTF-8"},
};

static int check_case(const struct country_case *k, struct arena *a)
{
    struct clean_ctx ctx = {.country = NULL, .locale = k->locale, .now = 0, .arena = a};
    struct clean_result r;
    int rc = clean_country(&ctx, k->in, &r);
    const char *got = r.value ? r.value : "(null)";
    const char *want = k->want ? k->want : "(null)";
    const char *fix = r.nfixes ? r.fixes[0].rule : "(none)";
    const char *want_fix = k->fix ? k->fix : "(none)";

    if (rc != (k->want ? 0 : ERR_INVALID) || strcmp(got, want) != 0) {
        print_error("clean_country(\"%s\") = %s (rc %d, reason %s), want %s\n", k->in, got, rc,
                    r.reason ? r.reason : "-", want);
        return 1;
    }
    if (strcmp(fix, want_fix) != 0 || r.nfixes > 1) {
        print_error("clean_country(\"%s\"): fix %s (%d fixes), want %s\n", k->in, fix, r.nfixes,
                    want_fix);
        return 1;
    }
    if (r.nfixes && (strcmp(r.fixes[0].before, k->in) || strcmp(r.fixes[0].after, k->want))) {
        print_error("clean_country(\"%s\"): fix %s -> %s\n", k->in, r.fixes[0].before,
                    r.fixes[0].after);
        return 1;
    }
    bool invalid = (r.flags & CLEAN_INVALID) != 0;
    if (invalid != !k->want || (k->reason && (!r.reason || strcmp(r.reason, k->reason)))) {
        print_error("clean_country(\"%s\"): flags %u, reason \"%s\", want \"%s\"\n", k->in, r.flags,
                    r.reason ? r.reason : "-", k->reason ? k->reason : "-");
        return 1;
    }
    return 0;
}

static void test_country_table(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        failures += check_case(&cases[i], &a);
    arena_release(&a);
    assert_int_equal(failures, 0);
}

static void test_country_too_long(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    char in[202];
    memset(in, 'a', sizeof(in) - 1);
    in[sizeof(in) - 1] = '\0';
    struct clean_ctx ctx = {.arena = &a};
    struct clean_result r;
    assert_int_equal(clean_country(&ctx, in, &r), ERR_INVALID);
    assert_null(r.value);
    assert_string_equal(r.reason, "country is longer than 200 bytes");
    assert_int_equal(clean_country(&ctx, NULL, &r), ERR_INVALID);
    assert_string_equal(r.reason, "country is empty");
    arena_release(&a);
}

struct name_case {
    const char *a2, *lang, *want;
};

static const struct name_case names[] = {
    {"BE", "en", "Belgium"},
    {"BE", "nl", "België"},
    {"BE", "fr", "Belgique"},
    {"BE", "de", "Belgien"},
    {"BE", "nl-BE", "België"},
    {"BE", "fr_BE", "Belgique"},
    {"BE", NULL, "Belgium"},
    {"BE", "es", "Belgium"},
    {"be", "nl", "België"},
    {"NL", "fr", "Pays-Bas"},
    {"DE", "de", "Deutschland"},
    {"GB", "nl", "Verenigd Koninkrijk"},
    {"LU", "de", "Luxemburg"},
    {"KR", "en", "South Korea"}, /* the common name, not "Korea, Republic of" */
    {"KR", "nl", "Zuid-Korea"},
    {"XX", "en", NULL},
    {"B", "en", NULL},
    {"BEL", "en", NULL},
    {"", "en", NULL},
    {NULL, "en", NULL},
};

static void test_country_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct name_case *k = &names[i];
        const char *got = clean_country_name(k->a2, k->lang);
        if (k->want ? !got || strcmp(got, k->want) : got != NULL)
            fail_msg("clean_country_name(%s, %s) = %s, want %s", k->a2 ? k->a2 : "NULL",
                     k->lang ? k->lang : "NULL", got ? got : "NULL", k->want ? k->want : "NULL");
    }
    /* every country has a name in each language, if only the English one */
    assert_non_null(clean_country_name("TR", "fr"));
    assert_true(clean_country_known("BE"));
    assert_true(clean_country_known("gb"));
    assert_true(clean_country_known("AX"));
    assert_false(clean_country_known("UK")); /* an alias, not a code */
    assert_false(clean_country_known("EL"));
    assert_false(clean_country_known("XX"));
    assert_false(clean_country_known("BEL"));
    assert_false(clean_country_known(""));
    assert_false(clean_country_known(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_missing_dir), /* before the table is loaded */
        cmocka_unit_test(test_init_missing_catalogue), cmocka_unit_test(test_init),
        cmocka_unit_test(test_country_table),          cmocka_unit_test(test_country_too_long),
        cmocka_unit_test(test_country_name),
    };
    return cmocka_run_group_tests_name("clean_country", tests, NULL, NULL);
}
