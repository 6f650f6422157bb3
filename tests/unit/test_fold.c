/*
 * test_fold.c — base/fold.h and base/textdist.h, the folding and the edit
 * distance that names, countries, e-mail domains and the comparators share.
 * Folding: case, accents, the letters Unicode does not decompose (ø æ œ ł đ
 * ð þ ı), compatibility mapping on and off, invalid UTF-8, the length given
 * and the capacity of the output, one code point at a time too. Distance:
 * known optimal-string-alignment values on bytes and on code points, the
 * cap, and long strings that differ at one end. All table-driven: a failing
 * row is printed with its inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uchar.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "base/fold.h"
#include "base/textdist.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define WHOLE ((size_t)-1) /* n is strlen(in) */

static size_t u32len(const char32_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* ---- fold_utf8 ---------------------------------------------------------- */

struct fold_case {
    const char *in;
    size_t n; /* bytes of in folded, or WHOLE */
    unsigned flags;
    size_t cap;
    const char32_t *want;
    bool clean;
};

static const struct fold_case fold_cases[] = {
    /* ASCII: A-Z lower-cased, everything else kept */
    {"Hello", WHOLE, 0, 64, U"hello", true},
    {"a-B 1.", WHOLE, 0, 64, U"a-b 1.", true},
    {"", WHOLE, 0, 64, U"", true},
    /* accents and case */
    {"ÉLODIE", WHOLE, 0, 64, U"elodie", true},
    {"Müller", WHOLE, 0, 64, U"muller", true},
    {"ÅNGSTRÖM", WHOLE, 0, 64, U"angstrom", true},
    {"Straße", WHOLE, 0, 64, U"strasse", true},
    {"Ωμέγα", WHOLE, 0, 64, U"ωμεγα", true},
    {"e\xcc\x81t\xc3\xa9", WHOLE, 0, 64, U"ete", true}, /* combining acute, then é */
    /* the letters without a decomposition */
    {"Søren", WHOLE, 0, 64, U"soren", true},
    {"Ørsted", WHOLE, 0, 64, U"orsted", true},
    {"Æsir", WHOLE, 0, 64, U"aesir", true},
    {"Œuvre", WHOLE, 0, 64, U"oeuvre", true},
    {"Łódź", WHOLE, 0, 64, U"lodz", true},
    {"Đorđe", WHOLE, 0, 64, U"dorde", true},
    {"ð", WHOLE, 0, 64, U"d", true},
    {"Þór", WHOLE, 0, 64, U"thor", true},
    {"Iı", WHOLE, 0, 64, U"ii", true},
    {"Ǽ ǿ", WHOLE, 0, 64, U"ae o", true}, /* decomposed, then spelled */
    {"Ħ", WHOLE, 0, 64, U"ħ", true},      /* not one of them */
    /* compatibility mapping only when asked */
    {"ĳ", WHOLE, 0, 64, U"ĳ", true},
    {"ĳ", WHOLE, FOLD_COMPAT, 64, U"ij", true},
    {"ﬁx", WHOLE, 0, 64, U"fix", true}, /* case folding already spells ﬁ out */
    {"x²", WHOLE, 0, 64, U"x²", true},
    {"x²", WHOLE, FOLD_COMPAT, 64, U"x2", true},
    {"Ａ²", WHOLE, FOLD_COMPAT, 64, U"a2", true},
    /* decompositions longer than 8 code points are dropped */
    {"a\ufdfaz", WHOLE, FOLD_COMPAT, 64, U"az", false}, /* U+FDFA: 18 */
    {"a\ufdfaz", WHOLE, 0, 64, U"a\ufdfaz", true},
    /* invalid UTF-8: skipped a byte at a time */
    {"a\xffz", WHOLE, 0, 64, U"az", false},
    {"ab\xc3", WHOLE, 0, 64, U"ab", false},          /* cut short */
    {"\xc0\xafx", WHOLE, 0, 64, U"x", false},        /* overlong '/' */
    {"\xed\xa0\x80x", WHOLE, 0, 64, U"x", false},    /* a surrogate */
    {"\x80\x80\xc3\xa9", WHOLE, 0, 64, U"e", false}, /* stray continuations */
    {"\xc3\xa9", 1, 0, 64, U"", false},              /* n cuts the sequence */
    /* the length given, not the NUL */
    {"abcdef", 3, 0, 64, U"abc", true},
    /* capacity */
    {"abcdef", WHOLE, 0, 4, U"abcd", true},
    {"abcdef", WHOLE, 0, 0, U"", true},
    {"ßx", WHOLE, 0, 1, U"s", true}, /* stops inside a character's folding */
    {"æ", WHOLE, 0, 1, U"a", true},
    {"xæ", WHOLE, 0, 2, U"xa", true},
    {"ÉÉÉ", WHOLE, 0, 2, U"ee", true},
};

static void test_fold_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(fold_cases); i++) {
        const struct fold_case *c = &fold_cases[i];
        size_t n = c->n == WHOLE ? strlen(c->in) : c->n;
        int32_t out[64 + 1];
        out[c->cap] = 0x7fffffff; /* guard: nothing is written past cap */
        bool clean = !c->clean;
        size_t len = fold_utf8(c->in, n, c->flags, out, c->cap, &clean);
        size_t want = u32len(c->want);
        bool ok = len == want && clean == c->clean && out[c->cap] == 0x7fffffff;
        for (size_t k = 0; ok && k < len; k++)
            ok = out[k] == (int32_t)c->want[k];
        if (!ok)
            print_error("row %zu: fold_utf8(\"%s\", %zu, %u, cap %zu): %zu code points, "
                        "clean %d; want %zu, clean %d\n",
                        i, c->in, n, c->flags, c->cap, len, clean, want, c->clean);
        assert_true(ok);
    }
    /* clean may be NULL */
    int32_t out[4];
    assert_int_equal(fold_utf8("a\xff", 2, 0, out, 4, NULL), 1);
}

/* ---- fold_cp ------------------------------------------------------------ */

struct cp_case {
    int32_t cp;
    unsigned flags;
    int cap;
    const char32_t *want; /* NULL: -1 */
};

static const struct cp_case cp_cases[] = {
    {'A', 0, 8, U"a"},
    {'7', 0, 8, U"7"},
    {0xC9, 0, 8, U"e"},   /* É */
    {0xDF, 0, 8, U"ss"},  /* ß */
    {0xD8, 0, 8, U"o"},   /* Ø: folded, then spelled */
    {0xC6, 0, 8, U"ae"},  /* Æ */
    {0x1FC, 0, 1, U"ae"}, /* Ǽ: one decomposed code point, two out */
    {0x132, 0, 8, U"ĳ"},  /* Ĳ */
    {0x132, FOLD_COMPAT, 8, U"ij"},
    {0xDF, 0, 1, NULL}, /* ß needs two */
    {0xFDFA, FOLD_COMPAT, 8, NULL},
    {0xFDFA, FOLD_COMPAT, FOLD_DECOMP_MAX,
     U"\u0635\u0644\u0649 \u0627\u0644\u0644\u0647 \u0639\u0644\u064a\u0647 "
     U"\u0648\u0633\u0644\u0645"},
    {0x378, 0, 8, U"\u0378"}, /* unassigned: kept */
    {0x110000, 0, 8, NULL},   /* past Unicode */
    {-1, 0, 8, NULL},
};

static void test_fold_cp(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cp_cases); i++) {
        const struct cp_case *c = &cp_cases[i];
        int32_t out[2 * FOLD_DECOMP_MAX];
        int n = fold_cp(c->cp, c->flags, out, c->cap);
        int want = c->want ? (int)u32len(c->want) : -1;
        bool ok = n == want;
        for (int k = 0; ok && k < n; k++)
            ok = out[k] == (int32_t)c->want[k];
        if (!ok)
            print_error("row %zu: fold_cp(U+%04X, %u, cap %d) = %d, want %d\n", i, (unsigned)c->cp,
                        c->flags, c->cap, n, want);
        assert_true(ok);
    }
}

/* ---- distance ----------------------------------------------------------- */

struct dist_case {
    const char *a, *b;
    int max;
    int bytes;  /* on the UTF-8 bytes */
    int points; /* on the code points */
};

static const struct dist_case dist_cases[] = {
    {"", "", 3, 0, 0},
    {"abc", "", 3, 3, 3},
    {"abc", "", 2, 3, 3}, /* past max: max + 1 */
    {"", "ab", 5, 2, 2},
    {"kitten", "sitting", 5, 3, 3},
    {"kitten", "sitting", 2, 3, 3},
    {"kitten", "sitting", 1, 2, 2},
    {"martha", "marhta", 2, 1, 1},
    {"ca", "ac", 2, 1, 1},
    {"ca", "abc", 5, 3, 3}, /* OSA: no edit of a swapped pair (true DL: 2) */
    {"abcdef", "abdcef", 1, 1, 1},
    {"abcdef", "badcfe", 5, 3, 3},
    {"flaw", "lawn", 4, 2, 2},
    {"gmial.com", "gmail.com", 1, 1, 1},
    {"gmail.con", "gmail.com", 1, 1, 1},
    {"gmail.com", "gmail.com", 1, 0, 0},
    {"gmailcom", "gmail.com", 1, 1, 1},
    {"hotmail.com", "gmail.com", 1, 2, 2},
    {"a", "b", -1, 1, 1}, /* a negative max is 0 */
    {"same", "same", -5, 0, 0},
    {"aaaa", "aaaaaaa", 2, 3, 3}, /* lengths alone exceed max */
    {"日本", "本日", 4, 4, 1},
    {"日本", "本日", 2, 3, 1},
    {"é", "e", 2, 2, 1},
    {"ørsted", "orsted", 3, 2, 1},
};

/* The code points of the valid UTF-8 s, as they are. */
static size_t points(const char *s, int32_t *out)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t n = 0;
    while (*p) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, -1, &c);
        assert_true(k > 0);
        p += k;
        out[n++] = c;
    }
    return n;
}

static void test_distance(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(dist_cases); i++) {
        const struct dist_case *c = &dist_cases[i];
        int by = textdist_osa_bytes(c->a, strlen(c->a), c->b, strlen(c->b), c->max);
        int back = textdist_osa_bytes(c->b, strlen(c->b), c->a, strlen(c->a), c->max);
        int32_t pa[64], pb[64];
        size_t la = points(c->a, pa), lb = points(c->b, pb);
        int cp = textdist_osa(pa, la, pb, lb, c->max);
        if (by != c->bytes || back != c->bytes || cp != c->points)
            print_error("row %zu: \"%s\" / \"%s\" max %d: bytes %d (back %d), points %d; "
                        "want %d, %d\n",
                        i, c->a, c->b, c->max, by, back, cp, c->bytes, c->points);
        assert_int_equal(by, c->bytes);
        assert_int_equal(back, c->bytes);
        assert_int_equal(cp, c->points);
    }
}

/* Long strings that share a long prefix or suffix: only the rest counts against TEXTDIST_MAX. */
static void test_distance_long(void **state)
{
    (void)state;
    enum { LEN = 3 * TEXTDIST_MAX };
    static int32_t a[LEN], b[LEN];
    for (int i = 0; i < LEN; i++)
        a[i] = b[i] = 'a' + i % 26;
    assert_int_equal(textdist_osa(a, LEN, b, LEN, 0), 0);
    b[LEN / 2] = '#';
    assert_int_equal(textdist_osa(a, LEN, b, LEN, 2), 1);
    assert_int_equal(textdist_osa(a, LEN, b, LEN, 0), 1);
    b[LEN / 2] = a[LEN / 2];
    assert_int_equal(textdist_osa(a, LEN, b, LEN - 1, 3), 1); /* the last one dropped */
    int32_t t = b[0];
    b[0] = b[1];
    b[1] = t;
    assert_int_equal(textdist_osa(a, LEN, b, LEN, 1), 1);
    /* bytes: far apart in length is answered before the length limit */
    static char x[LEN], y[10];
    memset(x, 'x', sizeof(x));
    memset(y, 'x', sizeof(y));
    assert_int_equal(textdist_osa_bytes(x, sizeof(x), y, sizeof(y), 2), 3);
    assert_int_equal(textdist_osa_bytes(x, TEXTDIST_MAX, x, TEXTDIST_MAX - 1, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_utf8),
        cmocka_unit_test(test_fold_cp),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_distance_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
