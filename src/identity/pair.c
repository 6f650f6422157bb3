/*
 * pair.c — the comparison vector of two records and the conflict rule of
 * pair.h, built on the comparators of compare.h and the folded names of
 * keys.h.
 *
 * Every value is folded or normalised into a fixed buffer on the stack
 * (names longer than NAME_CAP bytes are compared on their start): nothing
 * allocates and nothing is static and mutable, so every function is
 * thread-safe.
 */
#include "identity/pair.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "identity/compare.h"
#include "identity/keys.h"

#define NAME_CAP 128  /* bytes of a folded name, NUL included */
#define LOCAL_CAP 128 /* bytes of a normalised e-mail local part */
#define DIGITS_CAP 24 /* digits of a phone number kept (E.164 has at most 15) */
#define PHONE_TAIL 7  /* trailing digits that make two numbers alike */

const int pair_nlevels[PAIR_NFIELDS] = {4, 3, 4, 2, 3, 3, 3};

static const char *const field_names[PAIR_NFIELDS] = {
    "first_name", "last_name", "birth_date", "gender", "email", "phone", "address",
};

/* Level names per field, level 0 first; NULL past the last level. */
static const char *const level_names[PAIR_NFIELDS][4] = {
    {"different", "similar", "nickname", "exact"},
    {"different", "similar", "exact", NULL},
    {"different", "year_or_digit", "swapped", "exact"},
    {"different", "equal", NULL, NULL},
    {"different", "local_part", "exact", NULL},
    {"different", "last_digits", "exact", NULL},
    {"different", "near", "same", NULL},
};

const char *pair_field_name(int field)
{
    return field >= 0 && field < PAIR_NFIELDS ? field_names[field] : "?";
}

const char *pair_level_name(int field, int level)
{
    if (field < 0 || field >= PAIR_NFIELDS)
        return "?";
    if (level == PAIR_MISSING)
        return "missing";
    if (level < 0 || level >= pair_nlevels[field])
        return "?";
    return level_names[field][level];
}

static bool present(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return true;
    return false;
}

/* ---- names ------------------------------------------------------------- */

/* The first word of a folded name (key_name separates words by one space). */
static void first_word(const char *folded, char *out)
{
    size_t n = strcspn(folded, " ");
    memcpy(out, folded, n);
    out[n] = '\0';
}

/*
 * cmp_nickname of the whole names, or of their first words when one has
 * several and the other one: a second given name dropped ("Jan" / "Jan Peter").
 */
static bool first_nickname(const char *a, const char *b, const char *fa, const char *fb)
{
    if (cmp_nickname(a, b))
        return true;
    if (!strchr(fa, ' ') == !strchr(fb, ' '))
        return false; /* "Jan Willem" and "Jan Peter" are two names */
    char wa[NAME_CAP], wb[NAME_CAP];
    first_word(fa, wa);
    first_word(fb, wb);
    return cmp_nickname(wa, wb);
}

/*
 * Names are compared folded by key_name: case, accents, punctuation aside.
 * False when either is missing; *same when they fold to the same text.
 */
/* A name and, when the record was prepared, its key_name folding. */
struct name {
    const char *raw, *key;
};

#define FIRST(r) ((struct name){(r)->first_name, (r)->first_key})
#define LAST(r) ((struct name){(r)->last_name, (r)->last_key})

/* The folded name into out[NAME_CAP]: the prepared one, or key_name's now. */
static size_t fold_name(struct name n, char *out)
{
    if (!n.raw)
        return out[0] = '\0', 0;
    if (!n.key)
        return key_name(n.raw, out, NAME_CAP);
    size_t len = strlen(n.key);
    len = len < NAME_CAP ? len : NAME_CAP - 1;
    memcpy(out, n.key, len);
    out[len] = '\0';
    return len;
}

static bool fold_names(struct name a, struct name b, char fa[NAME_CAP], char fb[NAME_CAP],
                       size_t *la, size_t *lb, bool *same)
{
    *la = fold_name(a, fa);
    *lb = fold_name(b, fb);
    *same = *la == *lb && !memcmp(fa, fb, *la);
    return *la && *lb;
}

static int first_name_level(struct name na, struct name nb)
{
    const char *a = na.raw, *b = nb.raw;
    char fa[NAME_CAP], fb[NAME_CAP];
    size_t la, lb;
    bool same;
    if (!fold_names(na, nb, fa, fb, &la, &lb, &same))
        return PAIR_MISSING;
    if (same)
        return la == 1 ? 1 : 3; /* two equal initials say little */
    if (first_nickname(a, b, fa, fb))
        return 2;
    if ((la == 1 && fb[0] == fa[0]) || (lb == 1 && fa[0] == fb[0]))
        return 1;
    if (cmp_jaro_winkler(fa, fb) >= PAIR_FIRST_SIMILAR || cmp_token_set(fa, fb) >= 0.999)
        return 1;
    return 0;
}

static int last_name_level(struct name na, struct name nb, const char *code_a,
                           const char *code_b)
{
    const char *a = na.raw, *b = nb.raw;
    char fa[NAME_CAP], fb[NAME_CAP];
    size_t la, lb;
    bool same;
    if (!fold_names(na, nb, fa, fb, &la, &lb, &same))
        return PAIR_MISSING;
    if (same)
        return 2;
    char pa[16], pb[16];
    if (!code_a)
        code_a = key_phonetic(a, pa, sizeof(pa)) ? pa : "";
    if (!code_b)
        code_b = key_phonetic(b, pb, sizeof(pb)) ? pb : "";
    if (*code_a && !strcmp(code_a, code_b))
        return 1;
    if (cmp_jaro_winkler(fa, fb) >= PAIR_LAST_SIMILAR || cmp_token_set(fa, fb) >= 0.999)
        return 1;
    return 0;
}

/* ---- dates and gender ---------------------------------------------------- */

static int birth_date_level(const char *a, const char *b)
{
    switch (cmp_date(a, b)) {
    case CMP_DATE_MISSING:
        return PAIR_MISSING;
    case CMP_DATE_EQUAL:
        return 3;
    case CMP_DATE_SWAPPED:
        return 2;
    case CMP_DATE_ONE_DIGIT:
    case CMP_DATE_YEAR:
        return 1;
    case CMP_DATE_DIFFERENT:
        break;
    }
    return 0;
}

enum gender { G_NONE, G_FEMALE, G_MALE, G_OTHER };

/* clean_gender's values, and their one-letter forms; anything else is unknown. */
static enum gender gender_of(const char *s)
{
    static const struct {
        const char *word;
        enum gender g;
    } words[] = {
        {"female", G_FEMALE}, {"f", G_FEMALE},    {"male", G_MALE},
        {"m", G_MALE},        {"other", G_OTHER}, {"x", G_OTHER},
    };
    if (!s)
        return G_NONE;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strcspn(s, " \t");
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i].word) == n && !strncasecmp(s, words[i].word, n))
            return words[i].g;
    return G_NONE;
}

static int gender_level(const char *a, const char *b)
{
    enum gender ga = gender_of(a), gb = gender_of(b);
    if (ga == G_NONE || gb == G_NONE)
        return PAIR_MISSING;
    return ga == gb;
}

/* ---- e-mail and phone ---------------------------------------------------- */

/*
 * The local part lower case without dots and +tag into out; 0 when there is
 * no '@', it is shorter than 4 or it is a role account (shared mailboxes say
 * nothing about a person).
 */
static size_t email_local(const char *email, const char *at, char *out)
{
    static const char *const roles[] = {
        "info",      "admin",    "contact", "sales", "support", "office",
        "noreply",   "no-reply", "hello",   "team",  "mail",    "post",
        "webmaster", "service",  "billing", "shop",  "orders",
    };
    size_t n = 0;
    for (const char *p = email; p < at && *p != '+' && n + 1 < LOCAL_CAP; p++) {
        if (*p == '.')
            continue;
        out[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
    }
    out[n] = '\0';
    if (n < 4)
        return 0;
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (!strcmp(out, roles[i]))
            return 0;
    return n;
}

/* The letters a-z of s (folded text), in order, into out; returns how many. */
static size_t letters(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; s && *s && n + 1 < cap; s++)
        if (*s >= 'a' && *s <= 'z')
            out[n++] = *s;
    out[n] = '\0';
    return n;
}

/*
 * Whether the local part (folded, digits aside) is made of the record's own
 * names: jan.peeters, peetersjan, j.peeters, janp, daan.vandenberg (the
 * folded last name drops its particles: the local part may hold them, up to
 * 6 letters more). Such an address repeats the names: two of them agreeing
 * on another domain is no evidence beyond the names, which are weighed
 * already, and many people share it.
 */
static bool local_from_names(const char *local, const struct match_rec *r)
{
    char fold[NAME_CAP], first[NAME_CAP], last[NAME_CAP], l[LOCAL_CAP];
    size_t nf = fold_name(FIRST(r), fold);
    nf = nf ? letters(fold, first, NAME_CAP) : 0;
    size_t nl = fold_name(LAST(r), fold);
    nl = nl ? letters(fold, last, NAME_CAP) : 0;
    size_t n = letters(local, l, LOCAL_CAP);
    if (n < 3 || nl < 2)
        return false;
    if (n == nf && !memcmp(l, first, n))
        return true;
    if (!strstr(l, last))
        return false;
    if (n <= nl + 6)
        return true; /* the last name, its particles, an initial or two */
    return nf && strstr(l, first);
}

static int email_level(const struct match_rec *ra, const struct match_rec *rb)
{
    const char *a = ra->email, *b = rb->email;
    const char *at_a = a ? strrchr(a, '@') : NULL, *at_b = b ? strrchr(b, '@') : NULL;
    if (!at_a || !at_b || at_a == a || at_b == b || !at_a[1] || !at_b[1])
        return PAIR_MISSING;
    if (!strcasecmp(a, b))
        return 2;
    char la[LOCAL_CAP], lb[LOCAL_CAP];
    size_t na = email_local(a, at_a, la), nb = email_local(b, at_b, lb);
    if (na && na == nb && !memcmp(la, lb, na))
        return local_from_names(la, ra) || local_from_names(la, rb) ? PAIR_MISSING : 1;
    return 0;
}

/* The digits of a phone number (at most DIGITS_CAP - 1); returns how many. */
static size_t phone_digits(const char *s, char *out)
{
    size_t n = 0;
    for (; s && *s && n + 1 < DIGITS_CAP; s++)
        if (*s >= '0' && *s <= '9')
            out[n++] = *s;
    out[n] = '\0';
    return n;
}

static int phone_level(const char *a, const char *b)
{
    char da[DIGITS_CAP], db[DIGITS_CAP];
    size_t na = phone_digits(a, da), nb = phone_digits(b, db);
    if (!na || !nb)
        return PAIR_MISSING;
    if (na == nb && !memcmp(da, db, na))
        return 2;
    if (na >= PHONE_TAIL && nb >= PHONE_TAIL &&
        !memcmp(da + na - PHONE_TAIL, db + nb - PHONE_TAIL, PHONE_TAIL))
        return 1;
    return 0;
}

/* ---- address ------------------------------------------------------------- */

/*
 * Missing unless cmp_address can say something: each side needs a street or
 * a postcode, and the two must share a postcode, a city or a street to
 * compare (a street against a mere postcode is not a difference).
 */
static int address_level(const struct match_rec *a, const struct match_rec *b)
{
    bool sa = present(a->street), sb = present(b->street);
    bool pa = present(a->postal_code), pb = present(b->postal_code);
    if (!(sa || pa) || !(sb || pb))
        return PAIR_MISSING;
    if (!(sa && sb) && !(pa && pb) && !(present(a->city) && present(b->city)))
        return PAIR_MISSING;
    struct cmp_address ca = {a->street, a->house_number, a->postal_code, a->city, a->country};
    struct cmp_address cb = {b->street, b->house_number, b->postal_code, b->city, b->country};
    double s = cmp_address(&ca, &cb);
    return s >= PAIR_ADDRESS_SAME ? 2 : s >= PAIR_ADDRESS_NEAR ? 1 : 0;
}

/* ---- the vector and the conflict rule ------------------------------------ */

void pair_compare(const struct match_rec *a, const struct match_rec *b, int8_t out[PAIR_NFIELDS])
{
    out[PAIR_FIRST_NAME] = (int8_t)first_name_level(FIRST(a), FIRST(b));
    out[PAIR_LAST_NAME] = (int8_t)last_name_level(LAST(a), LAST(b), a->last_code, b->last_code);
    if (out[PAIR_FIRST_NAME] == 0 && out[PAIR_LAST_NAME] == 0) {
        /*
         * First and last name swapped ("Lambotte Baptiste"): weighed crossed.
         * The crossed pairs can take either rule; of the two ways, the one
         * that claims less counts, so that the vector is the same both ways
         * round.
         */
        int f1 = first_name_level(FIRST(a), LAST(b));
        int l1 = last_name_level(LAST(a), FIRST(b), NULL, NULL);
        int f2 = first_name_level(FIRST(b), LAST(a));
        int l2 = last_name_level(LAST(b), FIRST(a), NULL, NULL);
        double s1 = f1 / 3.0 + l1 / 2.0, s2 = f2 / 3.0 + l2 / 2.0;
        bool one = s1 < s2 || (s1 == s2 && f1 >= f2);
        int f = one ? f1 : f2, l = one ? l1 : l2;
        if (f >= 1 && l >= 1 && (f == 3 || l == 2)) {
            out[PAIR_FIRST_NAME] = (int8_t)f;
            out[PAIR_LAST_NAME] = (int8_t)l;
        }
    }
    out[PAIR_BIRTH_DATE] = (int8_t)birth_date_level(a->birth_date, b->birth_date);
    out[PAIR_GENDER] = (int8_t)gender_level(a->gender, b->gender);
    out[PAIR_EMAIL] = (int8_t)email_level(a, b);
    out[PAIR_PHONE] = (int8_t)phone_level(a->phone, b->phone);
    out[PAIR_ADDRESS] = (int8_t)address_level(a, b);
}

bool pair_conflict(const struct match_rec *a, const struct match_rec *b)
{
    enum cmp_date d = cmp_date(a->birth_date, b->birth_date);
    if (d == CMP_DATE_DIFFERENT || d == CMP_DATE_YEAR)
        return true;
    enum gender ga = gender_of(a->gender), gb = gender_of(b->gender);
    bool binary = (ga == G_FEMALE || ga == G_MALE) && (gb == G_FEMALE || gb == G_MALE);
    return binary && ga != gb && first_name_level(FIRST(a), FIRST(b)) == 0;
}
