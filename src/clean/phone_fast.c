/*
 * phone_fast.c — phone_fast_format(): decides from a table of numbering-plan
 * facts that a BE, NL, FR, DE, LU or UK number is valid, in well under a
 * microsecond, so that clean_phone() calls libphonenumber (~10 us) only for
 * the rest.
 *
 * Each country lists, per number type, the leading digits of its national
 * significant number (NSN: the digits after the calling code, without the
 * trunk "0") and the NSN lengths that go with them. A number is certainly
 * valid when its NSN has one of the listed lengths and begins with one of
 * the listed leading digits.
 *
 * Invariant: every entry is a subset of what libphonenumber 8.12.57 (the
 * version rondo builds against) calls valid, taken from its metadata and
 * checked against the library by test_clean_phone_fast.c. Where the
 * library is subtle, the table leaves the number out rather than guess:
 * - DE: NSNs beginning 32 or 49 (their own, irregular length rules); pagers;
 * - LU: NSNs beginning 15 (the library reads them as carrier codes), 20
 *   (VoIP, other lengths) and 352 (read as the calling code when written
 *   without "+");
 * - UK: the few 9-digit geographic numbers (016977 ...), and ranges of the
 *   Crown Dependencies sharing +44 (07624 is the Isle of Man, 07781 Guernsey,
 *   07797 Jersey): libphonenumber validates those against their own plans;
 * - every national form written without its trunk "0" (BE, NL, FR, DE, UK),
 *   or with a "0" after the calling code ("+32 0475 ..."): valid for the
 *   library, but by its own rules, so they go to it.
 * Only mobile, geographic and common non-geographic ranges are listed; an
 * omitted range costs speed, never correctness.
 *
 * No state: the tables are constant.
 */
#include "clean/phone_fast.h"

#include <string.h>

#define NSN_MAX 15 /* E.164 */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * One row: NSN lengths min..max, and leading digits as space-separated
 * alternatives of digits and [classes] ("4[5-9] 80[2-8]").
 */
struct plan_range {
    unsigned char min, max;
    const char *lead;
};

struct plan {
    char region[3];
    char cc[4];
    bool trunk; /* national forms begin with the trunk prefix "0" */
    const struct plan_range *ranges;
    size_t nranges;
};

static const struct plan_range be_ranges[] = {
    /* mobile */
    {9, 9, "4[5-9]"},
    /* geographic */
    {8, 8, "1[0-69] [23][2-8] 4[23] 5 6[013-57-9] 71 8[1-79] 9[2-4] 80[2-8]"},
    /* non-geographic: freephone, 078 national rate */
    {8, 8, "800[1-9] 780[57] 781[014-8] 782[25] 783[15-8] 7848 78[56]0 787[06-9] 789"},
};

static const struct plan_range nl_ranges[] = {
    /* mobile (06), pagers (066) */
    {9, 9, "6[1-68]"},
    /* geographic */
    {9, 9,
     "1[035] 11[13-578] 16[124-8] 17[24] 18[0-467] "
     "2[0346] 22[2-46-9] 25[125] 29[479] "
     "3[03568] 31[3-8] 32[01] 34[1-8] "
     "4[0356] 41[1-368] 47[58] 48[15-8] 49[23579] "
     "5[0358] 5[19][1-9] 52[1-57-9] 54[13-8] 56[126] 57[0-3578] "
     "7"},
    /* non-geographic: VoIP (085, 091), business (084, 087, 088) */
    {9, 9, "85 91 8[478]"},
    /* freephone: 0800 and 4 to 7 digits */
    {7, 10, "800"},
};

static const struct plan_range fr_ranges[] = {
    /* mobile */
    {9, 9, "6[0-24-8] 63[0-8] 69[589] 700 7[3-9]"},
    /* geographic */
    {9, 9, "[1-35] 4[1-9]"},
    /* non-geographic: 09 (VoIP), 080 (freephone and service numbers) */
    {9, 9, "9 80"},
};

static const struct plan_range de_ranges[] = {
    /* mobile: 015x has 11 digits, 016x and 017x have 10 or 11 */
    {11, 11, "15[0-25-9]"},
    {10, 11, "16[023] 17"},
    /* geographic: Berlin, Hamburg, Frankfurt, Munich, then 3-digit codes */
    {5, 15, "[34]0 [68]9"},
    {6, 15,
     "20[1-689] 2[1-3569] 24[0-8] 27[1-7] 28[0-7] "
     "3[3569] 34[0-79] 37[1-7] 38[1-8] "
     "41[02-9] 4[2-48] 45[0-6] 46[0-8] 47[0-79] "
     "50[2-8] 5[124-6] 5[38][0-8] 5[79][0-7] "
     "60[02-9] 6[1-358] 6[47][0-8] 66[1-9] "
     "70[2-8] 71[1-9] 7[27][0-7] 73 7[4-6][0-8] 78[0-5] 79[013-7] "
     "80[2-9] 81[0-79] 82 83[0-46-9] 84[0-6] 85[013-9] 86[1-8] 87[0-8] 88[0-24-6] "
     "90[6-9] 9[1-4] 9[589][0-7] 96[0-8] 97[0-467]"},
};

static const struct plan_range lu_ranges[] = {
    /* mobile */
    {9, 9, "6[269][18] 65[1568] 67[189] 681"},
    /* geographic */
    {4, 11, "2[2-9] 3[0-46-9] 35[013-9] [457] 8[13-9] 9[2-579] 80[2-9] 90[89]"},
};

static const struct plan_range gb_ranges[] = {
    /* mobile */
    {10, 10,
     "7[1-3] 74[0-46-9] 745[0-689] 7457[0-57-9] "
     "75[13-9] 750[0-8] 752[0-35-9] "
     "77[1-7] 770[1-9] 7700[01] 778[02-9] 779[0-689] "
     "78[014-9] 78[23][0-8] 79[024-9] 791[02-9] 7911[028] 793[0-689]"},
    /* geographic: London, Southampton, Coventry, Northern Ireland, Cardiff */
    {10, 10, "20[013478] 23[0189] 24[017] 28[0-46-9] 29[0-2]"},
    /* geographic: 011x and 01x1 cities, then 01xxx areas */
    {10, 10,
     "113[0-58] 11373[0235] 114[0-5] 11469[7-9] 11470[013579] "
     "115[0-26-9] 11[78][0-49] 116[0-4] 11650 "
     "120[024-9] 121[0-7] 1218[02] 12181[0-246-9] 122[3-9] 123[3-79] "
     "124[1-689] 12[58][02-9] 126[0-47-9] 127[013-9] 129"},
    {10, 10,
     "130 131[0-8] 13[25][02-9] 133[02-579] 13[468][0-46-9] 137[1-35-79] 139[2-578] "
     "140[03-9] 14[137] 14[28][02-57-9] 144[02-69] 145[0-8] 14[69][0-79] "
     "150[1-35-9] 15[16] 152[024-9] 153[015689] 154[02-9] 155[03-9] 157[0-35-9] "
     "158[0-468] 159[0-57-9] "
     "160[034689] 161 162[0-35689] 16[38][013-9] 164[1-467] 165[0-69] 166[13-9] "
     "167[0-8] 169[0-24578]"},
    {10, 10,
     "170[0246-9] 172 173[0236-8] 174[03-9] 175[0-46-9] 176[013-9] 177[0-35-9] "
     "178[024-9] 179[02-9] "
     "180[35-9] 182[1-57-9] 183[02-578] 184[0-578] 185[124-9] 186[2-69] 187 "
     "188[02-9] 189[02569] "
     "190[02-589] 19[18] 192[02-689] 193[1-57-9] 194[2-9] 195[0-579] 196[2-47-9] "
     "197[0-24578] 199[2-57]"},
    /* non-geographic: 03 (national rate), 055 (corporate), 056 (VoIP),
     * 070 (personal numbers), 0800 */
    {10, 10, "3[0347] 5[56] 70 80[08]"},
    {9, 9, "800"},
};

static const struct plan plans[] = {
    {"BE", "32", true, be_ranges, NELEM(be_ranges)},
    {"NL", "31", true, nl_ranges, NELEM(nl_ranges)},
    {"FR", "33", true, fr_ranges, NELEM(fr_ranges)},
    {"DE", "49", true, de_ranges, NELEM(de_ranges)},
    {"LU", "352", false, lu_ranges, NELEM(lu_ranges)},
    {"GB", "44", true, gb_ranges, NELEM(gb_ranges)},
};

/* Match one item of a lead (a digit or a [class]) against d; step *pp past it. */
static bool item_match(const char **pp, char d)
{
    const char *p = *pp;
    bool hit = false;

    if (*p != '[') {
        *pp = p + 1;
        return *p == d;
    }
    for (p++; *p != ']'; p++) {
        if (p[1] == '-') {
            hit = hit || (d >= p[0] && d <= p[2]);
            p += 2;
        } else {
            hit = hit || d == *p;
        }
    }
    *pp = p + 1;
    return hit;
}

/* Does the NSN begin with one of lead's alternatives? */
static bool lead_match(const char *lead, const char *nsn, size_t len)
{
    const char *p = lead;

    for (;;) {
        size_t i = 0;
        bool ok = true;
        while (ok && *p && *p != ' ') {
            ok = i < len && item_match(&p, nsn[i]);
            i++;
        }
        if (ok)
            return true;
        p += strcspn(p, " ");
        if (!*p)
            return false;
        p++;
    }
}

static bool plan_valid(const struct plan *pl, const char *nsn, size_t len)
{
    for (size_t i = 0; i < pl->nranges; i++) {
        const struct plan_range *r = &pl->ranges[i];
        if (len >= r->min && len <= r->max && lead_match(r->lead, nsn, len))
            return true;
    }
    return false;
}

/* The plan whose calling code begins digits, or NULL. */
static const struct plan *plan_by_code(const char *digits, size_t len)
{
    for (size_t i = 0; i < NELEM(plans); i++) {
        size_t n = strlen(plans[i].cc);
        if (len > n && !memcmp(digits, plans[i].cc, n))
            return &plans[i];
    }
    return NULL;
}

static const struct plan *plan_by_region(const char *region)
{
    if (!region)
        return NULL;
    for (size_t i = 0; i < NELEM(plans); i++)
        if (!strcmp(plans[i].region, region))
            return &plans[i];
    return NULL;
}

bool phone_fast_format(const char *in, size_t len, const char *region, struct phone_lib_result *out)
{
    bool intl = len > 0 && in[0] == '+';
    const char *digits = intl ? in + 1 : in;
    size_t ndigits = intl ? len - 1 : len;
    const struct plan *pl;
    const char *nsn;
    size_t nlen;

    for (size_t i = 0; i < ndigits; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return false;
    if (intl) {
        pl = plan_by_code(digits, ndigits);
        if (!pl)
            return false;
        nsn = digits + strlen(pl->cc);
        nlen = ndigits - strlen(pl->cc);
    } else {
        pl = plan_by_region(region);
        if (!pl || (pl->trunk && (ndigits < 1 || digits[0] != '0')))
            return false;
        nsn = pl->trunk ? digits + 1 : digits;
        nlen = pl->trunk ? ndigits - 1 : ndigits;
    }
    if (nlen < 1 || nlen > NSN_MAX || nsn[0] == '0' || !plan_valid(pl, nsn, nlen))
        return false;

    size_t cclen = strlen(pl->cc);
    out->e164[0] = '+';
    memcpy(out->e164 + 1, pl->cc, cclen);
    memcpy(out->e164 + 1 + cclen, nsn, nlen);
    out->e164[1 + cclen + nlen] = '\0';
    memcpy(out->region, pl->region, sizeof(pl->region));
    out->source = intl ? PHONE_LIB_INTERNATIONAL : PHONE_LIB_NATIONAL;
    return true;
}
