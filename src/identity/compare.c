/*
 * compare.c — the comparators of compare.h: Jaro-Winkler, Damerau (OSA),
 * token sets of multi-part names, first-name equivalence, dates and
 * addresses.
 *
 * Every comparator first folds its UTF-8 input into an array of code points
 * on the stack with fold_utf8 (base/fold.h), compatibility mapping on:
 * "É" -> "e", "ß" -> "ss", "ĳ" -> "ij", "ø" -> "o", "æ" -> "ae".
 * At most CP_MAX code points of a value are compared; the rest is ignored.
 * Invalid UTF-8 bytes are skipped. Nothing allocates, nothing is static and
 * mutable: every function is thread-safe.
 */
#include "identity/compare.h"

#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "base/fold.h"
#include "base/textdist.h"
#include "identity/nicknames.h"

#define CP_MAX 128 /* code points compared per value */
#define TOK_MAX 32 /* words kept per value */

/* A value folded for comparison. */
struct cps {
    int32_t cp[CP_MAX];
    int len;
};

/* At most CP_MAX code points; invalid bytes and unfoldable characters are skipped. */
static void fold(const char *s, struct cps *f)
{
    f->len = s ? (int)fold_utf8(s, SIZE_MAX, FOLD_COMPAT, f->cp, CP_MAX, NULL) : 0;
}

/* A letter or digit (after folding). */
static bool is_word_cp(int32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    utf8proc_category_t cat = utf8proc_category(c);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

static bool is_apostrophe(int32_t c)
{
    return c == '\'' || c == '`' || c == 0x2018 || c == 0x2019 || c == 0x02bc;
}

/* Whether the len code points at cp spell the ASCII word w. */
static bool cp_is(const int32_t *cp, int len, const char *w)
{
    int i = 0;
    for (; i < len && w[i]; i++)
        if (cp[i] != (unsigned char)w[i])
            return false;
    return i == len && !w[i];
}

static bool cp_in(const int32_t *cp, int len, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (cp_is(cp, len, list[i]))
            return true;
    return false;
}

static bool cp_equal(const int32_t *a, int la, const int32_t *b, int lb)
{
    return la == lb && !memcmp(a, b, (size_t)la * sizeof(*a));
}

/* ---- Jaro-Winkler ---------------------------------------------------- */

static double jaro_winkler_cp(const int32_t *a, int la, const int32_t *b, int lb)
{
    if (!la && !lb)
        return 1.0;
    if (!la || !lb)
        return 0.0;
    int window = (la > lb ? la : lb) / 2 - 1;
    if (window < 0)
        window = 0;
    bool ma[CP_MAX] = {false}, mb[CP_MAX] = {false};
    int m = 0;
    for (int i = 0; i < la; i++) {
        int lo = i > window ? i - window : 0;
        int hi = i + window + 1 < lb ? i + window + 1 : lb;
        for (int j = lo; j < hi; j++) {
            if (!mb[j] && b[j] == a[i]) {
                ma[i] = mb[j] = true;
                m++;
                break;
            }
        }
    }
    if (!m)
        return 0.0;
    int half = 0; /* matched characters out of order; transpositions = half / 2 */
    for (int i = 0, k = 0; i < la; i++) {
        if (!ma[i])
            continue;
        while (!mb[k])
            k++;
        if (a[i] != b[k])
            half++;
        k++;
    }
    double jaro = ((double)m / la + (double)m / lb + (m - half / 2.0) / m) / 3.0;
    int prefix = 0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + prefix * 0.1 * (1.0 - jaro);
}

double cmp_jaro_winkler(const char *a, const char *b)
{
    struct cps fa, fb;
    fold(a, &fa);
    fold(b, &fb);
    return jaro_winkler_cp(fa.cp, fa.len, fb.cp, fb.len);
}

/* ---- Damerau (optimal string alignment) ------------------------------- */

int cmp_damerau(const char *a, const char *b, int max)
{
    struct cps fa, fb;
    fold(a, &fa);
    fold(b, &fb);
    return textdist_osa(fa.cp, (size_t)fa.len, fb.cp, (size_t)fb.len, max);
}

/* ---- words ------------------------------------------------------------ */

struct word {
    int start, len;
};

/* A value cut into words (letters and digits), without repeats. */
struct words {
    struct cps text;
    struct word w[TOK_MAX];
    int n;
};

/*
 * Cut folded text into words. Words in drop (a NULL-terminated list) and
 * single letters elided by an apostrophe (d'Ancona, 't Hooft, l'Église)
 * are left out, unless nothing else would remain.
 */
static void words_cut(const char *s, const char *const *drop, struct words *out)
{
    struct cps *t = &out->text;
    struct word all[TOK_MAX];
    bool dropped[TOK_MAX];
    int n = 0, kept = 0;
    fold(s, t);
    for (int i = 0; i < t->len && n < TOK_MAX;) {
        if (!is_word_cp(t->cp[i])) {
            i++;
            continue;
        }
        int start = i;
        while (i < t->len && is_word_cp(t->cp[i]))
            i++;
        int len = i - start;
        bool elided = len == 1 && ((start > 0 && is_apostrophe(t->cp[start - 1])) ||
                                   (i < t->len && is_apostrophe(t->cp[i])));
        all[n].start = start;
        all[n].len = len;
        dropped[n] = elided || cp_in(t->cp + start, len, drop);
        kept += !dropped[n];
        n++;
    }
    out->n = 0;
    for (int k = 0; k < n; k++) {
        if (kept && dropped[k])
            continue;
        bool seen = false;
        for (int j = 0; j < out->n && !seen; j++)
            seen =
                cp_equal(t->cp + out->w[j].start, out->w[j].len, t->cp + all[k].start, all[k].len);
        if (!seen)
            out->w[out->n++] = all[k];
    }
}

/* ---- token sets ------------------------------------------------------- */

static const char *const name_particles[] = {
    "van",    "von",    "de",  "der",   "den", "des", "het", "ter", "ten", "te",  "vande",
    "vanden", "vander", "in",  "op",    "zu",  "zum", "zur", "le",  "la",  "les", "du",
    "di",     "da",     "del", "della", "dos", "das", "do",  "y",   NULL,
};

#define TOKEN_MATCH 0.92

/* Share of the smaller set's words found in the larger one, each used once. */
static double words_overlap(const struct words *s, const struct words *l)
{
    bool s_done[TOK_MAX] = {false}, l_used[TOK_MAX] = {false};
    const int32_t *sc = s->text.cp, *lc = l->text.cp;
    int matched = 0;
    /* 1: the same word */
    for (int i = 0; i < s->n; i++) {
        for (int j = 0; j < l->n && !s_done[i]; j++) {
            if (!l_used[j] &&
                cp_equal(sc + s->w[i].start, s->w[i].len, lc + l->w[j].start, l->w[j].len)) {
                s_done[i] = l_used[j] = true;
                matched++;
            }
        }
    }
    /* 2: full words alike by Jaro-Winkler, the best first */
    for (int i = 0; i < s->n; i++) {
        if (s_done[i] || s->w[i].len < 2)
            continue;
        int best = -1;
        double best_jw = TOKEN_MATCH;
        for (int j = 0; j < l->n; j++) {
            if (l_used[j] || l->w[j].len < 2)
                continue;
            double jw =
                jaro_winkler_cp(sc + s->w[i].start, s->w[i].len, lc + l->w[j].start, l->w[j].len);
            if (jw >= best_jw) {
                best_jw = jw;
                best = j;
            }
        }
        if (best >= 0) {
            s_done[i] = l_used[best] = true;
            matched++;
        }
    }
    /* 3: an initial and a word it starts (or the same initial) */
    for (int i = 0; i < s->n; i++) {
        for (int j = 0; j < l->n && !s_done[i]; j++) {
            if (l_used[j] || (s->w[i].len > 1 && l->w[j].len > 1) ||
                sc[s->w[i].start] != lc[l->w[j].start])
                continue;
            s_done[i] = l_used[j] = true;
            matched++;
        }
    }
    return (double)matched / s->n;
}

double cmp_token_set(const char *a, const char *b)
{
    struct words wa, wb;
    words_cut(a, name_particles, &wa);
    words_cut(b, name_particles, &wb);
    if (!wa.n && !wb.n)
        return 1.0;
    if (!wa.n || !wb.n)
        return 0.0;
    return wa.n <= wb.n ? words_overlap(&wa, &wb) : words_overlap(&wb, &wa);
}

/* ---- first names ------------------------------------------------------ */

/* Keep the letters and digits of f; true when all of them are ASCII. */
static bool name_letters(struct cps *f, char *ascii)
{
    int n = 0;
    bool is_ascii = true;
    for (int i = 0; i < f->len; i++) {
        if (!is_word_cp(f->cp[i]))
            continue;
        f->cp[n] = f->cp[i];
        if (f->cp[n] < 0x80)
            ascii[n] = (char)f->cp[n];
        else
            is_ascii = false;
        n++;
    }
    f->len = n;
    return is_ascii;
}

bool cmp_nickname(const char *a, const char *b)
{
    struct cps fa, fb;
    char ka[CP_MAX], kb[CP_MAX];
    fold(a, &fa);
    fold(b, &fb);
    bool ascii_a = name_letters(&fa, ka), ascii_b = name_letters(&fb, kb);
    if (!fa.len || !fb.len)
        return false;
    if (cp_equal(fa.cp, fa.len, fb.cp, fb.len))
        return true;
    if (!ascii_a || !ascii_b) /* the list is ASCII after folding */
        return false;
    size_t na, nb;
    const struct nickname *ea = nickname_find(ka, (size_t)fa.len, &na);
    const struct nickname *eb = nickname_find(kb, (size_t)fb.len, &nb);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (ea[i].group == eb[j].group)
                return true;
    return false;
}

/* ---- dates ------------------------------------------------------------ */

struct ymd {
    char digit[8]; /* YYYYMMDD */
    int year, month, day;
};

static bool date_parse(const char *s, struct ymd *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s)
        return false;
    int n = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (s[i] >= '0' && s[i] <= '9') {
            d->digit[n++] = s[i];
        } else {
            return false; /* also the NUL of a short string: nothing past it is read */
        }
    }
    if (s[10])
        return false;
    const char *g = d->digit;
    d->year = (g[0] - '0') * 1000 + (g[1] - '0') * 100 + (g[2] - '0') * 10 + (g[3] - '0');
    d->month = (g[4] - '0') * 10 + (g[5] - '0');
    d->day = (g[6] - '0') * 10 + (g[7] - '0');
    if (d->month < 1 || d->month > 12 || d->day < 1)
        return false;
    bool leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
    int last = mdays[d->month - 1] + (d->month == 2 && leap);
    return d->day <= last;
}

/* One digit typed wrong, or two adjacent digits of the same field swapped. */
static bool date_one_typo(const struct ymd *a, const struct ymd *b)
{
    int diff[8], n = 0;
    for (int i = 0; i < 8; i++)
        if (a->digit[i] != b->digit[i])
            diff[n++] = i;
    if (n == 1)
        return true;
    if (n != 2 || diff[1] != diff[0] + 1 || diff[0] == 3 || diff[0] == 5)
        return false;
    return a->digit[diff[0]] == b->digit[diff[1]] && a->digit[diff[1]] == b->digit[diff[0]];
}

enum cmp_date cmp_date(const char *a, const char *b)
{
    struct ymd da, db;
    if (!date_parse(a, &da) || !date_parse(b, &db))
        return CMP_DATE_MISSING;
    if (!memcmp(da.digit, db.digit, sizeof(da.digit)))
        return CMP_DATE_EQUAL;
    if (da.year == db.year && da.day == db.month && da.month == db.day && da.day != da.month)
        return CMP_DATE_SWAPPED;
    if (date_one_typo(&da, &db))
        return CMP_DATE_ONE_DIGIT;
    return da.year == db.year ? CMP_DATE_YEAR : CMP_DATE_DIFFERENT;
}

/* ---- addresses -------------------------------------------------------- */

/* Kinds of street, so that "Kerkstraat" = "Kerkstr." but not quite "Kerkplein". */
enum street_kind {
    SK_NONE,
    SK_STREET,
    SK_LANE,
    SK_ROAD,
    SK_SQUARE,
    SK_CAUSEWAY,
    SK_BOULEVARD,
    SK_ALLEY,
    SK_QUAY
};

struct street_word {
    const char *word;
    unsigned char kind;
};

/* Whole words naming the kind of street (folded). "st" only as a last word: "St Johns Road". */
static const struct street_word street_words[] = {
    {"straat", SK_STREET},     {"str", SK_STREET},
    {"strasse", SK_STREET},    {"street", SK_STREET},
    {"rue", SK_STREET},        {"laan", SK_LANE},
    {"lane", SK_LANE},         {"allee", SK_LANE},
    {"avenue", SK_LANE},       {"av", SK_LANE},
    {"ave", SK_LANE},          {"dreef", SK_LANE},
    {"weg", SK_ROAD},          {"road", SK_ROAD},
    {"rd", SK_ROAD},           {"way", SK_ROAD},
    {"chemin", SK_ROAD},       {"plein", SK_SQUARE},
    {"place", SK_SQUARE},      {"pl", SK_SQUARE},
    {"platz", SK_SQUARE},      {"square", SK_SQUARE},
    {"sq", SK_SQUARE},         {"steenweg", SK_CAUSEWAY},
    {"chaussee", SK_CAUSEWAY}, {"boulevard", SK_BOULEVARD},
    {"bd", SK_BOULEVARD},      {"blvd", SK_BOULEVARD},
    {"gasse", SK_ALLEY},       {"alley", SK_ALLEY},
    {"kaai", SK_QUAY},         {"kade", SK_QUAY},
    {"quai", SK_QUAY},         {"quay", SK_QUAY},
};

/* Endings of Dutch and German compounds ("Kerkstraat", "Bahnhofstr."), longest first. */
static const struct street_word street_suffixes[] = {
    {"steenweg", SK_CAUSEWAY}, {"strasse", SK_STREET}, {"straat", SK_STREET}, {"plein", SK_SQUARE},
    {"platz", SK_SQUARE},      {"gasse", SK_ALLEY},    {"allee", SK_LANE},    {"dreef", SK_LANE},
    {"laan", SK_LANE},         {"kaai", SK_QUAY},      {"kade", SK_QUAY},     {"str", SK_STREET},
    {"weg", SK_ROAD},
};

#define STEM_MIN 3 /* a compound keeps at least this much of its name */

static const char *const street_particles[] = {
    "de", "la", "le", "les", "du",  "des", "van", "der", "den", "het", "von",
    "am", "an", "im", "zum", "zur", "of",  "the", "d",   "l",   "t",   NULL,
};

static int street_word_kind(const int32_t *cp, int len, bool last)
{
    if (!last && cp_is(cp, len, "st"))
        return SK_NONE;
    if (cp_is(cp, len, "st"))
        return SK_STREET;
    for (size_t i = 0; i < sizeof(street_words) / sizeof(street_words[0]); i++)
        if (cp_is(cp, len, street_words[i].word))
            return street_words[i].kind;
    return SK_NONE;
}

/* The length of the compound's name once a street ending is cut, and its kind. */
static int street_stem(const int32_t *cp, int len, int *kind)
{
    for (size_t i = 0; i < sizeof(street_suffixes) / sizeof(street_suffixes[0]); i++) {
        int sl = (int)strlen(street_suffixes[i].word);
        if (len - sl >= STEM_MIN && cp_is(cp + len - sl, sl, street_suffixes[i].word)) {
            *kind = street_suffixes[i].kind;
            return len - sl;
        }
    }
    return len;
}

/* A street reduced to its name: the kind words dropped, the words joined by spaces. */
struct street {
    struct cps name;
    int kind;
};

static void street_reduce(const char *s, struct street *st)
{
    struct words w;
    words_cut(s, street_particles, &w);
    st->name.len = 0;
    st->kind = SK_NONE;
    bool named = false; /* some word is not a kind word: the kind words can go */
    for (int i = 0; i < w.n && !named; i++)
        named = street_word_kind(w.text.cp + w.w[i].start, w.w[i].len, i == w.n - 1) == SK_NONE;
    int names = 0;
    for (int i = 0; i < w.n; i++) {
        const int32_t *cp = w.text.cp + w.w[i].start;
        int len = w.w[i].len, kind = street_word_kind(cp, len, i == w.n - 1);
        if (kind != SK_NONE && named) {
            if (st->kind == SK_NONE)
                st->kind = kind;
            continue;
        }
        kind = SK_NONE;
        len = street_stem(cp, len, &kind);
        if (st->kind == SK_NONE)
            st->kind = kind;
        if (names++)
            st->name.cp[st->name.len++] = ' ';
        memcpy(st->name.cp + st->name.len, cp, (size_t)len * sizeof(*cp));
        st->name.len += len;
    }
}

/* Spaces dropped, ASCII upper-cased ("9000 ab" = "9000AB"); returns the length. */
static int postcode_norm(const char *s, char out[16])
{
    int n = 0;
    for (; s && *s && n < 15; s++) {
        if (*s == ' ' || *s == '\t')
            continue;
        out[n++] = *s >= 'a' && *s <= 'z' ? (char)(*s - ('a' - 'A')) : *s;
    }
    out[n] = '\0';
    return n;
}

/* House numbers: 1 when equal ("12 A" = "12a"), 0.5 when only the number agrees ("12" vs "12b"). */
static double house_number_score(const char *a, const char *b)
{
    char na[16], nb[16];
    int la = postcode_norm(a, na), lb = postcode_norm(b, nb);
    if (la == lb && !memcmp(na, nb, (size_t)la))
        return 1.0;
    int da = 0, db = 0;
    while (da < la && na[da] >= '0' && na[da] <= '9')
        da++;
    while (db < lb && nb[db] >= '0' && nb[db] <= '9')
        db++;
    return da && da == db && !memcmp(na, nb, (size_t)da) ? 0.5 : 0.0;
}

static bool text_present(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return true;
    return false;
}

/* The street names by Jaro-Winkler, below 0.6 counting as nothing; half when the kinds differ. */
static double street_score(const struct street *a, const struct street *b)
{
    double jw = jaro_winkler_cp(a->name.cp, a->name.len, b->name.cp, b->name.len);
    double s = jw < 0.6 ? 0.0 : (jw - 0.6) / 0.4;
    if (a->kind != SK_NONE && b->kind != SK_NONE && a->kind != b->kind)
        s *= 0.5;
    return s;
}

/*
 * Score = (40 * location + 30 * house number + 30 * street) / 100, each part
 * in [0, 1]:
 *   location: the postcodes when both have one (equal 1, else 0); else the
 *             cities when both have one (Jaro-Winkler >= 0.92: 1, else 0);
 *   house number: house_number_score();
 *   street: street_score() of the reduced names.
 * A part one side lacks is unknown and counts 0.5. When neither location
 * nor street can be compared, the addresses share nothing: 0. Integer
 * weights keep the round cases exact (other number: 0.7; other postcode,
 * same street and number: 0.6).
 */
double cmp_address(const struct cmp_address *a, const struct cmp_address *b)
{
    if (!a || !b)
        return 0.0;
    if (text_present(a->country) && text_present(b->country)) {
        struct cps ca, cb;
        fold(a->country, &ca);
        fold(b->country, &cb);
        if (!cp_equal(ca.cp, ca.len, cb.cp, cb.len))
            return 0.0;
    }
    struct street sa, sb;
    street_reduce(a->street, &sa);
    street_reduce(b->street, &sb);
    char pa[16], pb[16];
    int la = postcode_norm(a->postal_code, pa), lb = postcode_norm(b->postal_code, pb);
    if ((!sa.name.len && !la) || (!sb.name.len && !lb))
        return 0.0;

    double loc = 0.5, num = 0.5, street = 0.5;
    bool loc_known = false, street_known = false;
    if (la && lb) {
        loc = la == lb && !memcmp(pa, pb, (size_t)la) ? 1.0 : 0.0;
        loc_known = true;
    } else if (text_present(a->city) && text_present(b->city)) {
        struct cps ca, cb;
        fold(a->city, &ca);
        fold(b->city, &cb);
        loc = jaro_winkler_cp(ca.cp, ca.len, cb.cp, cb.len) >= TOKEN_MATCH ? 1.0 : 0.0;
        loc_known = true;
    }
    if (sa.name.len && sb.name.len) {
        street = street_score(&sa, &sb);
        street_known = true;
    }
    if (!loc_known && !street_known)
        return 0.0;
    if (text_present(a->house_number) && text_present(b->house_number))
        num = house_number_score(a->house_number, b->house_number);
    return (40.0 * loc + 30.0 * num + 30.0 * street) / 100.0;
}
