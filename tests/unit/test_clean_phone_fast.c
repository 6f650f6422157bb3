/*
 * test_clean_phone_fast.c — phone_fast_format(), the table of BE, NL, FR,
 * DE, LU and UK ranges that clean_phone() consults before libphonenumber.
 *
 * The one promise checked throughout: whenever the fast path answers, the
 * library (phone_lib_format) calls the number valid too, with the same
 * E.164 form, source and region. Covered by:
 * - rows of edge cases, each also stating the library's own verdict (the
 *   rows document libphonenumber 8.12's behaviour: 07624 is the Isle of
 *   Man, LU "15xx" is read as a carrier code, 015x mobiles have 11 digits);
 * - an agreement run: 30,000 pseudo-random numbers per country (fixed
 *   seed), built on realistic and near-miss prefixes in national,
 *   international, "00", "+CC 0", trunk-less and wrong-region forms;
 * - coverage: of realistic mobile and geographic numbers the library calls
 *   valid, the fast path must answer at least 90% (printed per country);
 * - clean_phone() end to end: value, flags and fixes equal what the
 *   library's answer gives, for decorated texts ("0032 (0)475 12 34 56");
 * - the cost of a call, printed (not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/arena.h"
#include "clean/clean.h"
#include "clean/phone_fast.h"
#include "clean/phone_lib.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a fixed-seed PRNG (xorshift64*) ------------------------------------- */

struct rng {
    uint64_t s;
};

static uint32_t rng_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (uint32_t)((r->s * 0x2545F4914F6CDD1DULL) >> 32);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
    return rng_next(r) % n;
}

/* ---- comparing the fast path with the library ---------------------------- */

static const char *const status_names[] = {
    "OK", "NOT_A_NUMBER", "NO_REGION", "BAD_COUNTRY", "TOO_SHORT", "TOO_LONG", "INVALID", "FAILED",
};

/*
 * Ask both. Returns 0 when they agree (the fast path answered the library's
 * answer, or did not answer), else prints the case and returns 1.
 * *answered and *valid report what each said.
 */
static int compare(const char *in, size_t len, const char *region, bool *answered, bool *valid)
{
    struct phone_lib_result fast, lib;
    memset(&fast, 0, sizeof(fast));
    *answered = phone_fast_format(in, len, region, &fast);
    int st = phone_lib_format(in, len, region, &lib);
    *valid = st == PHONE_LIB_OK;
    if (!*answered)
        return 0;
    if (st == PHONE_LIB_OK && !strcmp(fast.e164, lib.e164) && fast.source == lib.source &&
        !strcmp(fast.region, lib.region))
        return 0;
    print_error("\"%.*s\" [%s]: fast %s (source %d, %s), library %s %s (source %d, %s)\n", (int)len,
                in, region ? region : "-", fast.e164, fast.source, fast.region, status_names[st],
                lib.e164, lib.source, lib.region);
    return 1;
}

/* ---- edge cases ---------------------------------------------------------- */

struct fast_case {
    const char *in;     /* the compact text clean_phone hands over */
    const char *region; /* the record's region, NULL for none */
    const char *want;   /* the fast path's E.164, or NULL: it must not answer */
    int lib;            /* the library's status for the same input */
};

#define OK PHONE_LIB_OK
#define BAD PHONE_LIB_INVALID

static const struct fast_case fast_cases[] = {
    /* Belgium: mobiles are 04[5-9] and 9 digits; 04[23] is Liège, 8 digits */
    {"0475123456", "BE", "+32475123456", OK},
    {"0455123456", "BE", "+32455123456", OK},
    {"0460123456", "BE", "+32460123456", OK},
    {"0499999999", "BE", "+32499999999", OK},
    {"0445123456", "BE", NULL, BAD},
    {"0435123456", "BE", NULL, BAD},
    {"047512345", "BE", NULL, BAD},
    {"04751234567", "BE", NULL, PHONE_LIB_TOO_LONG},
    {"043123456", "BE", "+3243123456", OK},
    {"022345678", "BE", "+3222345678", OK},
    {"092345678", "BE", "+3292345678", OK},
    {"080212345", "BE", "+3280212345", OK},
    {"080001234", "BE", NULL, BAD}, /* freephone 0800 needs a non-zero next digit */
    {"080012345", "BE", "+3280012345", OK},
    {"078151234", "BE", "+3278151234", OK},
    {"+32475123456", "BE", "+32475123456", OK},
    {"+32475123456", NULL, "+32475123456", OK},
    {"+32475123456", "US", "+32475123456", OK},
    {"+3222345678", "GB", "+3222345678", OK},
    /* valid for the library, by rules the fast path leaves to it */
    {"475123456", "BE", NULL, OK},                   /* national without the trunk 0 */
    {"32475123456", "BE", NULL, OK},                 /* calling code without "+" */
    {"+320475123456", "BE", NULL, OK},               /* trunk 0 after the calling code */
    {"0032475123456", "BE", NULL, OK},               /* "00" not yet rewritten */
    {"+32 475123456", "BE", NULL, OK},               /* not compact */
    {"0475123456", "be", NULL, PHONE_LIB_NO_REGION}, /* regions are upper case */
    {"0475123456", NULL, NULL, PHONE_LIB_NO_REGION},
    {"0475123456", "US", NULL, BAD},
    {"0475123456", "NL", "+31475123456", OK}, /* Roermond */
    /* Netherlands: 06 and 8 digits; 066 pagers; 0800 and 4 to 7 digits */
    {"0612345678", "NL", "+31612345678", OK},
    {"0661234567", "NL", "+31661234567", OK},
    {"0671234567", "NL", NULL, BAD},
    {"061234567", "NL", NULL, BAD},
    {"06123456789", "NL", NULL, BAD},
    {"0201234567", "NL", "+31201234567", OK},
    {"0101234567", "NL", "+31101234567", OK},
    {"0121234567", "NL", NULL, BAD},
    {"08001234", "NL", "+318001234", OK},
    {"08001234567", "NL", "+318001234567", OK},
    {"0851234567", "NL", "+31851234567", OK},
    {"+3197012345678", "NL", NULL, OK}, /* M2M mobiles, 11 digits: left to the library */
    /* France: 06 and 07[3-9], 0700 */
    {"0612345678", "FR", "+33612345678", OK},
    {"0712345678", "FR", NULL, BAD},
    {"0700123456", "FR", "+33700123456", OK},
    {"0638123456", "FR", "+33638123456", OK},
    {"0639123456", "FR", NULL, BAD},
    {"0695123456", "FR", "+33695123456", OK},
    {"0690123456", "FR", NULL, BAD},
    {"0123456789", "FR", "+33123456789", OK},
    {"0412345678", "FR", "+33412345678", OK},
    {"0401234567", "FR", NULL, BAD},
    {"0912345678", "FR", "+33912345678", OK},
    {"061234567", "FR", NULL, BAD},
    {"06123456789", "FR", NULL, PHONE_LIB_TOO_LONG},
    {"+33612345678", "LU", "+33612345678", OK},
    /* Germany: 015x has 11 digits, 016x/017x 10 or 11; areas 5 to 15 */
    {"01711234567", "DE", "+491711234567", OK},
    {"017112345678", "DE", "+4917112345678", OK},
    {"0171123456", "DE", NULL, BAD},
    {"015123456789", "DE", "+4915123456789", OK},
    {"01512345678", "DE", NULL, BAD},
    {"015312345678", "DE", NULL, BAD},
    {"01601234567", "DE", "+491601234567", OK},
    {"01611234567", "DE", NULL, BAD},
    {"030123", "DE", "+4930123", OK},
    {"03012", "DE", NULL, BAD},
    {"0301234567", "DE", "+49301234567", OK},
    {"02211234567", "DE", "+492211234567", OK},
    {"0891234567890123", "DE", "+49891234567890123", OK},
    {"08912345678901234", "DE", NULL, PHONE_LIB_TOO_LONG},
    {"032123456789", "DE", NULL, OK}, /* 032: own lengths, left to the library */
    {"04912345678", "DE", NULL, OK},  /* 049x: likewise */
    {"+491711234567", NULL, "+491711234567", OK},
    /* Luxembourg: no trunk prefix; mobiles 6[269][18] 65[1568] 67[189] 681 */
    {"621123456", "LU", "+352621123456", OK},
    {"651123456", "LU", "+352651123456", OK},
    {"698123456", "LU", "+352698123456", OK},
    {"631123456", "LU", NULL, BAD},
    {"62112345", "LU", NULL, BAD},
    {"6211234567", "LU", NULL, BAD},
    {"27123456", "LU", "+35227123456", OK},
    {"4512", "LU", "+3524512", OK},
    {"0621123456", "LU", NULL, BAD},
    {"352621123456", "LU", NULL, OK},    /* read as the calling code */
    {"150027123456", "LU", NULL, OK},    /* "15002" read as a carrier code */
    {"+35215002712345", "LU", NULL, OK}, /* likewise: +352712345 */
    {"+352621123456", "FR", "+352621123456", OK},
    /* United Kingdom, and the Crown Dependencies sharing +44 */
    {"07912345678", "GB", "+447912345678", OK},
    {"07911023456", "GB", "+447911023456", OK},
    {"07911323456", "GB", NULL, BAD},
    {"07911123456", "GB", NULL, OK}, /* Guernsey: 07911 1 and 07911 7 */
    {"07911723456", "GB", NULL, OK},
    {"07781123456", "GB", NULL, OK}, /* Guernsey */
    {"07624123456", "GB", NULL, OK}, /* Isle of Man */
    {"07624523456", "GB", NULL, BAD},
    {"07457612345", "GB", NULL, OK}, /* Isle of Man */
    {"07797712345", "GB", NULL, OK}, /* Jersey */
    {"07797123456", "GB", NULL, BAD},
    {"07700900123", "GB", NULL, BAD}, /* Ofcom's drama range */
    {"07700012345", "GB", "+447700012345", OK},
    {"0791112345", "GB", NULL, BAD},
    {"02079460958", "GB", "+442079460958", OK},
    {"01214960000", "GB", "+441214960000", OK},
    {"01632960000", "GB", NULL, BAD}, /* 01632: all fictional for the library */
    {"01632123456", "GB", NULL, BAD},
    {"01619998877", "GB", "+441619998877", OK},
    {"01624123456", "GB", NULL, BAD},
    {"0169772123", "GB", NULL, OK}, /* one of the few 9-digit areas */
    {"03001234567", "GB", "+443001234567", OK},
    {"07012345678", "GB", "+447012345678", OK},
    {"0800123456", "GB", "+44800123456", OK},
    {"08001234567", "GB", "+448001234567", OK},
    {"07912345678", "IM", NULL, OK}, /* national forms of other regions: not in the table */
    {"07912345678", "JE", NULL, OK},
    {"+447912345678", "DE", "+447912345678", OK},
    /* other countries, and text that is no number at all */
    {"+12025550123", "BE", NULL, OK},
    {"+351912345678", "BE", NULL, OK}, /* +35 is not Luxembourg */
    {"+99912345678", "BE", NULL, PHONE_LIB_BAD_COUNTRY},
    {"+32", "BE", NULL, PHONE_LIB_NOT_A_NUMBER},
    {"+3", "BE", NULL, PHONE_LIB_NOT_A_NUMBER},
    {"+", "BE", NULL, PHONE_LIB_NOT_A_NUMBER},
    {"0", "BE", NULL, PHONE_LIB_NOT_A_NUMBER},
    {"", "BE", NULL, PHONE_LIB_NOT_A_NUMBER},
};

static int check_fast_case(const struct fast_case *k)
{
    const char *reg = k->region ? k->region : "-";
    size_t len = strlen(k->in);
    /* exactly len bytes on the heap, no NUL: ASan catches a read past them */
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memcpy(buf, k->in, len);

    struct phone_lib_result fast, lib;
    memset(&fast, 0, sizeof(fast));
    bool answered = phone_fast_format(buf, len, k->region, &fast);
    int st = phone_lib_format(buf, len, k->region, &lib);
    free(buf);

    if (st != k->lib) {
        print_error("\"%s\" [%s]: library says %s, the row says %s\n", k->in, reg, status_names[st],
                    status_names[k->lib]);
        return 1;
    }
    if (!k->want) {
        if (!answered)
            return 0;
        print_error("\"%s\" [%s]: fast path answered %s, want no answer\n", k->in, reg, fast.e164);
        return 1;
    }
    int want_source = k->in[0] == '+' ? PHONE_LIB_INTERNATIONAL : PHONE_LIB_NATIONAL;
    if (!answered || strcmp(fast.e164, k->want) || fast.source != want_source) {
        print_error("\"%s\" [%s]: fast path %s (source %d), want %s (source %d)\n", k->in, reg,
                    answered ? fast.e164 : "no answer", fast.source, k->want, want_source);
        return 1;
    }
    if (strcmp(lib.e164, fast.e164) || lib.source != fast.source ||
        strcmp(lib.region, fast.region)) {
        print_error("\"%s\" [%s]: library %s (source %d, %s), fast %s (source %d, %s)\n", k->in,
                    reg, lib.e164, lib.source, lib.region, fast.e164, fast.source, fast.region);
        return 1;
    }
    return 0;
}

static void test_fast_rows(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < NELEM(fast_cases); i++)
        failures += check_fast_case(&fast_cases[i]);
    if (failures)
        fail_msg("%d of %zu fast-path rows failed", failures, NELEM(fast_cases));
}

/* len is honoured, and the output is not touched when there is no answer. */
static void test_fast_len(void **state)
{
    (void)state;
    struct phone_lib_result r;
    memset(&r, 0, sizeof(r));
    assert_true(phone_fast_format("+3247512345699", 12, NULL, &r));
    assert_string_equal(r.e164, "+32475123456");
    assert_string_equal(r.region, "BE");
    assert_int_equal(r.source, PHONE_LIB_INTERNATIONAL);
    assert_false(phone_fast_format("+3247512345699", 13, NULL, &r));
    assert_false(phone_fast_format("0475123456", 9, "BE", &r));
    assert_string_equal(r.e164, "+32475123456");
}

/* ---- the agreement run --------------------------------------------------- */

struct country {
    const char *region;
    const char *cc;
    bool trunk;
    int lens[2];              /* the usual NSN lengths */
    const char *const *leads; /* realistic and near-miss leading digits, NULL-ended */
};

static const char *const be_leads[] = {"4",  "44",  "45", "46", "47", "48", "49", "2",  "3",
                                       "9",  "1",   "5",  "6",  "7",  "71", "8",  "80", "800",
                                       "78", "787", "70", "90", "0",  "",   NULL};
static const char *const nl_leads[] = {"6",  "61", "66", "67", "97", "970", "1", "10", "2",
                                       "20", "3",  "31", "4",  "5",  "7",   "8", "80", "800",
                                       "85", "88", "9",  "91", "0",  "",    NULL};
static const char *const fr_leads[] = {"6", "63", "69", "7", "70", "71", "1", "2", "3",
                                       "4", "40", "5",  "8", "80", "9",  "0", "",  NULL};
static const char *const de_leads[] = {"1",  "15", "151", "153", "16", "160", "161", "17", "176",
                                       "30", "40", "69",  "89",  "2",  "221", "3",   "32", "4",
                                       "49", "5",  "6",   "7",   "8",  "9",   "0",   "",   NULL};
static const char *const lu_leads[] = {"6",  "62",  "621", "63", "65",   "2", "27",
                                       "3",  "35",  "352", "15", "1500", "4", "8",
                                       "80", "800", "9",   "20", "0",    "",  NULL};
static const char *const gb_leads[] = {
    "7",  "74", "745", "7457", "75", "76", "7624", "77",  "770", "7700", "779",
    "78", "79", "791", "7911", "1",  "11", "12",   "16",  "162", "1624", "169",
    "2",  "20", "28",  "3",    "5",  "70", "8",    "800", "0",   "",     NULL};

static const struct country countries[] = {
    {"BE", "32", true, {8, 9}, be_leads},   {"NL", "31", true, {9, 9}, nl_leads},
    {"FR", "33", true, {9, 9}, fr_leads},   {"DE", "49", true, {10, 11}, de_leads},
    {"LU", "352", false, {8, 9}, lu_leads}, {"GB", "44", true, {10, 9}, gb_leads},
};

static const char *const any_region[] = {"BE", "NL", "FR", "DE", "LU", "GB", "US", "IM", NULL};

/* An NSN: one of the leads, then random digits, mostly to a usual length. */
static size_t make_nsn(struct rng *r, const struct country *co, char *nsn)
{
    size_t nleads = 0;
    while (co->leads[nleads])
        nleads++;
    const char *lead = co->leads[rng_below(r, (unsigned)nleads)];
    size_t len = rng_below(r, 10) < 6 ? (size_t)co->lens[rng_below(r, 2)] : 1 + rng_below(r, 16);
    size_t n = strlen(lead) < len ? strlen(lead) : len;
    memcpy(nsn, lead, n);
    for (; n < len; n++)
        nsn[n] = (char)('0' + rng_below(r, 10));
    return len;
}

/* One of the forms clean_phone may hand over (and a few it never does). */
static size_t make_text(struct rng *r, const struct country *co, const char *nsn, size_t n,
                        char *out, const char **region)
{
    unsigned form = rng_below(r, 7);
    const char *trunk = co->trunk ? "0" : "";
    *region = co->region;
    switch (form) {
    case 0: /* national */
        return (size_t)snprintf(out, 40, "%s%.*s", trunk, (int)n, nsn);
    case 1: /* international, the record's own country */
        return (size_t)snprintf(out, 40, "+%s%.*s", co->cc, (int)n, nsn);
    case 2: /* international, any record country */
        *region = any_region[rng_below(r, NELEM(any_region))];
        return (size_t)snprintf(out, 40, "+%s%.*s", co->cc, (int)n, nsn);
    case 3: /* "00" as typed */
        return (size_t)snprintf(out, 40, "00%s%.*s", co->cc, (int)n, nsn);
    case 4: /* trunk 0 after the calling code */
        return (size_t)snprintf(out, 40, "+%s0%.*s", co->cc, (int)n, nsn);
    case 5: /* national, trunk left out (LU: one added) */
        return (size_t)snprintf(out, 40, "%s%.*s", co->trunk ? "" : "0", (int)n, nsn);
    default: /* national, read in another region */
        *region = any_region[rng_below(r, NELEM(any_region))];
        return (size_t)snprintf(out, 40, "0%.*s", (int)n, nsn);
    }
}

static void test_agreement(void **state)
{
    (void)state;
    const int per_country = 30000;
    struct rng r = {0x5eed0f0e1e9b0a11ULL};
    int failures = 0;

    for (size_t ci = 0; ci < NELEM(countries); ci++) {
        const struct country *co = &countries[ci];
        int valid = 0, answered = 0;
        for (int i = 0; i < per_country; i++) {
            char nsn[20], text[40];
            const char *region;
            size_t n = make_nsn(&r, co, nsn);
            size_t len = make_text(&r, co, nsn, n, text, &region);
            bool a, v;
            if (compare(text, len, region, &a, &v) && ++failures >= 20)
                fail_msg("fast path and library disagree; stopped after 20");
            valid += v;
            answered += a;
        }
        printf("%s: %d numbers, %d valid for the library, fast path answered %d (%.1f%% of "
               "the valid)\n",
               co->region, per_country, valid, answered, valid ? 100.0 * answered / valid : 0.0);
        assert_true(valid > per_country / 10 && valid < per_country * 9 / 10);
    }
    if (failures)
        fail_msg("%d disagreements between the fast path and the library", failures);
}

/* ---- coverage of realistic numbers --------------------------------------- */

struct realistic {
    const char *region;
    const char *kind;
    const char *const leads[12];
    int min, max; /* NSN lengths */
};

static const struct realistic realistic[] = {
    {"BE", "mobile", {"4"}, 9, 9},
    {"BE", "geographic", {"1", "2", "3", "42", "43", "5", "6", "71", "8", "9"}, 8, 8},
    {"NL", "mobile", {"6"}, 9, 9},
    {"NL", "geographic", {"1", "2", "3", "4", "5", "7"}, 9, 9},
    {"FR", "mobile", {"6", "7"}, 9, 9},
    {"FR", "geographic", {"1", "2", "3", "4", "5"}, 9, 9},
    {"DE",
     "mobile",
     {"150", "151", "152", "155", "156", "157", "159", "160", "162", "163", "17"},
     10,
     11},
    {"DE", "geographic", {"2", "3", "4", "5", "6", "7", "8", "9"}, 6, 11},
    {"LU", "mobile", {"6"}, 9, 9},
    {"LU", "geographic", {"2", "3", "4", "5", "7", "8", "9"}, 6, 8},
    {"GB", "mobile", {"71", "72", "73", "74", "75", "77", "78", "79"}, 10, 10},
    {"GB", "geographic", {"1", "2"}, 10, 10},
};

static const struct country *country_of(const char *region)
{
    for (size_t i = 0; i < NELEM(countries); i++)
        if (!strcmp(countries[i].region, region))
            return &countries[i];
    return NULL;
}

static void test_realistic_coverage(void **state)
{
    (void)state;
    struct rng r = {0xc0ffee1234567ULL};
    int failures = 0;
    for (size_t k = 0; k < NELEM(realistic); k++) {
        const struct realistic *re = &realistic[k];
        const struct country *co = country_of(re->region);
        size_t nleads = 0;
        while (nleads < NELEM(re->leads) && re->leads[nleads])
            nleads++;
        int valid = 0, answered = 0;
        for (int i = 0; i < 4000; i++) {
            const char *lead = re->leads[rng_below(&r, (unsigned)nleads)];
            size_t len = (size_t)re->min + rng_below(&r, (unsigned)(re->max - re->min + 1));
            char nsn[20], text[40];
            size_t n = strlen(lead);
            memcpy(nsn, lead, n);
            for (; n < len; n++)
                nsn[n] = (char)('0' + rng_below(&r, 10));
            int tlen =
                i % 2 ? snprintf(text, sizeof(text), "+%s%.*s", co->cc, (int)len, nsn)
                      : snprintf(text, sizeof(text), "%s%.*s", co->trunk ? "0" : "", (int)len, nsn);
            bool a, v;
            failures += compare(text, (size_t)tlen, co->region, &a, &v);
            valid += v;
            answered += a && v;
        }
        double pct = valid ? 100.0 * answered / valid : 0.0;
        printf("%s %-10s: fast path answered %5.1f%% of %d valid numbers\n", re->region, re->kind,
               pct, valid);
        assert_true(valid >= 400);
        if (pct < 90.0)
            fail_msg("%s %s: the fast path answered only %.1f%%", re->region, re->kind, pct);
    }
    assert_int_equal(failures, 0);
}

/* ---- clean_phone() end to end -------------------------------------------- */

/* Digits grouped by 2 or 3 with one kind of separator, as people type them. */
static void decorate(struct rng *r, const char *digits, size_t n, char *out, size_t cap)
{
    static const char seps[] = " -./";
    char sep = rng_below(r, 5) == 0 ? '\0' : seps[rng_below(r, 4)];
    size_t group = 2 + rng_below(r, 2), o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (sep && i && i % group == 0)
            out[o++] = sep;
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

static bool has_fix(const struct clean_result *res, const char *rule, const char *before,
                    const char *after)
{
    for (int i = 0; i < res->nfixes; i++)
        if (!strcmp(res->fixes[i].rule, rule) && !strcmp(res->fixes[i].before, before) &&
            !strcmp(res->fixes[i].after, after))
            return true;
    return false;
}

/*
 * clean_phone(raw) against what the library's answer for the compact text
 * implies: value, flags, and the fixes phone.c records. Returns 0 or 1;
 * counts the texts the fast path answers and those the library calls valid.
 */
static int check_clean(struct arena *a, const char *raw, const char *compact, const char *region,
                       bool idd, bool trunk, int *fast_hits, int *valid)
{
    struct clean_ctx ctx = {.country = region, .arena = a};
    struct clean_result res;
    struct phone_lib_result lib, fast;
    int rc = clean_phone(&ctx, raw, &res);
    int st = phone_lib_format(compact, strlen(compact), region, &lib);
    *fast_hits += phone_fast_format(compact, strlen(compact), region, &fast);
    *valid += st == PHONE_LIB_OK;

    if (st != PHONE_LIB_OK) {
        size_t skip = strspn(raw, " "), n = strlen(raw + skip);
        while (n && raw[skip + n - 1] == ' ')
            n--;
        if (rc == ERR_INVALID && res.flags == CLEAN_INVALID && res.value &&
            strlen(res.value) == n && !memcmp(res.value, raw + skip, n))
            return 0;
        print_error("\"%s\" [%s]: library %s, clean_phone rc %d value %s\n", raw, region,
                    status_names[st], rc, res.value ? res.value : "(null)");
        return 1;
    }
    unsigned want_flags = lib.source == PHONE_LIB_NATIONAL ? CLEAN_LOCAL : 0;
    int want_fixes = idd + trunk + (strcmp(raw, lib.e164) != 0);
    if (rc || !res.value || strcmp(res.value, lib.e164) || res.flags != want_flags ||
        res.nfixes != want_fixes || res.reason ||
        (idd && !has_fix(&res, "phone.international_prefix", "00", "+")) ||
        (trunk && !has_fix(&res, "phone.trunk_prefix", "(0)", "")) ||
        (strcmp(raw, lib.e164) && !has_fix(&res, "phone.e164", raw, lib.e164))) {
        print_error("\"%s\" [%s]: clean_phone rc %d value %s flags %#x fixes %d; library %s "
                    "wants flags %#x fixes %d\n",
                    raw, region, rc, res.value ? res.value : "(null)", res.flags, res.nfixes,
                    lib.e164, want_flags, want_fixes);
        return 1;
    }
    return 0;
}

static void test_clean_matches_library(void **state)
{
    (void)state;
    struct rng r = {0xfeedfacecafeULL};
    struct arena a;
    arena_init(&a, 0);
    int failures = 0, fast_hits = 0, valid = 0;
    const int rounds = 6000;

    for (int i = 0; i < rounds && failures < 20; i++) {
        const struct realistic *re = &realistic[rng_below(&r, NELEM(realistic))];
        const struct country *co = country_of(re->region);
        char nsn[20], grouped[48], raw[80], compact[40];
        size_t len = (size_t)re->min + rng_below(&r, (unsigned)(re->max - re->min + 1));
        size_t nleads = 0;
        while (nleads < NELEM(re->leads) && re->leads[nleads])
            nleads++;
        const char *lead = re->leads[rng_below(&r, (unsigned)nleads)];
        size_t n = strlen(lead);
        memcpy(nsn, lead, n);
        for (; n < len; n++)
            nsn[n] = (char)('0' + rng_below(&r, 10));
        decorate(&r, nsn, len, grouped, sizeof(grouped));
        unsigned form = rng_below(&r, 5);
        bool idd = form == 2 || form == 4, trunk = form >= 3;
        const char *region = form == 0 ? co->region : any_region[rng_below(&r, 6)];
        const char *pad = rng_below(&r, 4) ? "" : " ";

        if (form == 0) {
            snprintf(raw, sizeof(raw), "%s%s%s%s", pad, co->trunk ? "0" : "", grouped, pad);
            snprintf(compact, sizeof(compact), "%s%.*s", co->trunk ? "0" : "", (int)len, nsn);
        } else {
            snprintf(raw, sizeof(raw), "%s%s%s %s%s%s", pad, idd ? "00" : "+", co->cc,
                     trunk ? "(0)" : "", grouped, pad);
            snprintf(compact, sizeof(compact), "+%s%.*s", co->cc, (int)len, nsn);
        }
        failures += check_clean(&a, raw, compact, region, idd, trunk, &fast_hits, &valid);
        if (i % 500 == 499)
            arena_release(&a);
    }
    arena_release(&a);
    printf("clean_phone: %d texts, %d valid, %d through the fast path\n", rounds, valid, fast_hits);
    assert_int_equal(failures, 0);
    assert_true(fast_hits > valid * 9 / 10 && valid > rounds / 2);
}

/* A few texts spelled out: the fixes a user sees. */
static void test_clean_fixes(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct clean_ctx ctx = {.country = "DE", .arena = &a};
    struct clean_result res;

    assert_int_equal(clean_phone(&ctx, "0171 1234567", &res), 0);
    assert_string_equal(res.value, "+491711234567");
    assert_int_equal(res.flags, CLEAN_LOCAL);
    assert_int_equal(res.nfixes, 1);
    assert_true(has_fix(&res, "phone.e164", "0171 1234567", "+491711234567"));

    assert_int_equal(clean_phone(&ctx, " 0044 (0)20 7946 0958", &res), 0);
    assert_string_equal(res.value, "+442079460958");
    assert_int_equal(res.flags, 0);
    assert_int_equal(res.nfixes, 3);
    assert_string_equal(res.fixes[0].rule, "phone.international_prefix");
    assert_string_equal(res.fixes[1].rule, "phone.trunk_prefix");
    assert_true(has_fix(&res, "phone.e164", " 0044 (0)20 7946 0958", "+442079460958"));

    ctx.country = "LU";
    assert_int_equal(clean_phone(&ctx, "621 123 456", &res), 0);
    assert_string_equal(res.value, "+352621123456");
    assert_int_equal(res.flags, CLEAN_LOCAL);

    ctx.country = "FR";
    assert_int_equal(clean_phone(&ctx, "+33612345678", &res), 0);
    assert_int_equal(res.nfixes, 0);
    assert_int_equal(res.flags, 0);

    /* what the fast path does not claim still goes to the library */
    ctx.country = "GB";
    assert_int_equal(clean_phone(&ctx, "07624 123456", &res), 0);
    assert_string_equal(res.value, "+447624123456");
    assert_int_equal(clean_phone(&ctx, "07700 900123", &res), ERR_INVALID);
    assert_string_equal(res.reason, "not a valid UK number");
    arena_release(&a);
}

/* ---- cost ---------------------------------------------------------------- */

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Realistic texts the fast path answers; prints the cost of both paths. */
static void test_speed(void **state)
{
    (void)state;
    static const struct {
        const char *in, *region, *compact;
    } inputs[] = {
        {"0475 12 34 56", "BE", "0475123456"},  {"+32 475 12 34 56", "NL", "+32475123456"},
        {"02/234.56.78", "BE", "022345678"},    {"06-12345678", "NL", "0612345678"},
        {"010 123 4567", "NL", "0101234567"},   {"06 12 34 56 78", "FR", "0612345678"},
        {"01.23.45.67.89", "FR", "0123456789"}, {"0171 1234567", "DE", "01711234567"},
        {"030 12345678", "DE", "03012345678"},  {"621 123 456", "LU", "621123456"},
        {"07912 345678", "GB", "07912345678"},  {"0044 20 7946 0958", "GB", "+442079460958"},
    };
    const int n = 120000, nlib = 1200;
    struct arena a;
    arena_init(&a, 0);
    struct clean_result res;
    struct phone_lib_result lib;

    for (size_t i = 0; i < NELEM(inputs); i++)
        assert_true(phone_fast_format(inputs[i].compact, strlen(inputs[i].compact),
                                      inputs[i].region, &lib));
    phone_lib_init();
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        struct clean_ctx ctx = {.country = inputs[i % NELEM(inputs)].region, .arena = &a};
        clean_phone(&ctx, inputs[i % NELEM(inputs)].in, &res);
        if (i % 1000 == 999)
            arena_release(&a);
    }
    double t1 = now_us();
    for (int i = 0; i < nlib; i++) {
        const char *s = inputs[i % NELEM(inputs)].compact;
        phone_lib_format(s, strlen(s), inputs[i % NELEM(inputs)].region, &lib);
    }
    double t2 = now_us();
    arena_release(&a);
    printf("clean_phone, fast path: %.3f us/call (%d calls); libphonenumber alone: %.2f us/call\n",
           (t1 - t0) / n, n, (t2 - t1) / nlib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_rows),
        cmocka_unit_test(test_fast_len),
        cmocka_unit_test(test_agreement),
        cmocka_unit_test(test_realistic_coverage),
        cmocka_unit_test(test_clean_matches_library),
        cmocka_unit_test(test_clean_fixes),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests_name("clean_phone_fast", tests, NULL, NULL);
}
