/*
 * keys.c — folded names, our own phonetic code, and blocking keys (issue 4).
 *
 * key_name folds a name into words: ASCII is handled byte by byte, other
 * code points go through fold_cp of base/fold.h (compatibility decomposition,
 * case folding, marks stripped, ø o, æ ae, ł l, ...; and ħ h here) into a
 * stack buffer, so there is no malloc.
 * An apostrophe splits words but is remembered, so that "d'Hondt" loses its
 * elided particle while "O'Brien" joins up again as "obrien"; a separate
 * "Mac"/"Mc" joins the next word ("Mac Donald" = "MacDonald"). Particles
 * are dropped as whole words unless every word is one ("De" stays "de"); a
 * particle glued to the name ("Vandenberghe") is left to key_phonetic.
 *
 * key_phonetic works on the letters a-z of key_name's result with the spaces
 * removed: "Van den Berghe" and "Vandenberghe" both become "berghe" because
 * a glued van/vanden/vander/vande/de prefix is dropped as well (when three or
 * more letters are left). It then maps letter groups to sounds and keeps a
 * consonant skeleton:
 *   - doubled letters count once; a final "sens" is "sen" (Janssens =
 *     Janssen, but Mertens != Merten), a final "ez" is "e" (Duprez = Dupré),
 *     "aux/eux/oux" lose the x, "ault/aud/aut" are "au";
 *   - vowels are a, e, i, o, u, y (except an initial y before a vowel), the
 *     j of "ij", and a w after a vowel ("auw", "ouw"): they are dropped, but
 *     they keep the consonants on either side apart, the name's first sound
 *     is kept even when it is a vowel (as 'A'), and a final vowel sound is
 *     kept as 'A' (Berghe != Berg, Martinez != Martin, Dupré = Dupree);
 *   - sounds: c is S before e/i/y and K otherwise; ck, cq, q, k are K; x is
 *     KS; d, dt, th are T; v, f, ph, pf, bv are F; g, gh are G; z, tz, sz are
 *     S; sch before a consonant is S (Schmidt = Smit = Smith), sch before a
 *     vowel, sh, sj, tch and ch are X, but ch is K before r/l/s and G before
 *     t or at the end ("Lichtert"); h counts only before a vowel;
 *   - the same sound twice in a row counts once (Hendrickx = Hendriks).
 * Dropping vowels makes the code forgiving (Meyer = Maier = Moor): it feeds
 * blocking, where the birth date or postcode keeps buckets small and recall matters
 * more than precision. The code is at most 8 upper-case letters.
 *
 * key_blocking writes "pb:<code>|<birth date>", "pn:<postcode>|<code>|<initial>",
 * "sh:<street>|<number>|<postcode>", "sc:<street>|<number>|<city>", "el:<local part>",
 * "ph:<8 digits>", in that order, each only when all its fields give something. The country is
 * not part of any key: a record without one must still meet the same
 * person, and postcodes shared by countries only make buckets a bit larger.
 *
 * Everything works in fixed stack buffers; no state is shared, so all of it
 * is safe from any thread. Input past FOLD_CAP folded bytes or MAX_WORDS
 * words is ignored: no name is that long.
 */
#include "identity/keys.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "base/fold.h"

#define FOLD_CAP 256 /* folded bytes of a name considered */
#define MAX_WORDS 32
#define CODE_MAX 8 /* phonetic code length */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct word {
    uint16_t off, len;
    bool apos_before; /* an apostrophe right before it: "'t" */
    bool apos_after;  /* an apostrophe right after it: "d'" */
    bool glued;       /* joined to the previous word by apostrophes only */
};

struct folded {
    char text[FOLD_CAP]; /* the words' bytes back to back, no separators */
    size_t len;
    struct word w[MAX_WORDS];
    int n;
    bool in_word;   /* the last thing seen was a letter */
    bool only_apos; /* only apostrophes since the last word ended */
    bool apos_last; /* the last thing seen was an apostrophe */
    bool full;      /* stop: no room for more */
};

/* A word of a fixed list, its length kept so that lookups skip strlen. */
struct listword {
    uint8_t n;
    char s[11];
};
/* clang-format off */
#define W(lit) {sizeof(lit) - 1, lit}
/* clang-format on */
#define LISTWORD_MAX 10

/* Particles dropped as whole words; "d'", "l'" and "'t" are handled apart. */
static const struct listword particles[] = {
    W("van"), W("vanden"), W("vander"), W("vande"), W("der"), W("den"), W("de"),
    W("ter"), W("ten"),    W("von"),    W("vom"),   W("zu"),  W("zum"), W("zur"),
    W("le"),  W("la"),     W("les"),    W("du"),    W("des"), W("di"),  W("da"),
    W("del"), W("della"),  W("het"),    W("te"),    W("op"),
};

static bool in_list(const char *w, size_t n, const struct listword *list, size_t count)
{
    if (n > LISTWORD_MAX)
        return false;
    for (size_t i = 0; i < count; i++)
        if (list[i].n == n && list[i].s[0] == w[0] && memcmp(list[i].s, w, n) == 0)
            return true;
    return false;
}

static bool is_apostrophe(utf8proc_int32_t cp)
{
    return cp == '\'' || cp == '`' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC ||
           cp == 0x00B4 || cp == 0x2032;
}

static void fold_sep(struct folded *f)
{
    f->in_word = false;
    f->only_apos = false;
    f->apos_last = false;
}

static void fold_apostrophe(struct folded *f)
{
    if (f->in_word && f->n > 0)
        f->w[f->n - 1].apos_after = true;
    if (f->in_word)
        f->only_apos = true;
    f->in_word = false;
    f->apos_last = true;
}

/* Append bytes b[0..n) of one letter to the current word, opening one if needed. */
static void fold_letter(struct folded *f, const char *b, size_t n)
{
    if (f->full)
        return;
    if (f->len + n > sizeof(f->text) || (!f->in_word && f->n == MAX_WORDS)) {
        f->full = true;
        return;
    }
    if (!f->in_word) {
        struct word *w = &f->w[f->n++];
        w->off = (uint16_t)f->len;
        w->len = 0;
        w->apos_before = f->apos_last;
        w->apos_after = false;
        w->glued = f->n > 1 && f->only_apos;
        f->in_word = true;
        f->only_apos = false;
        f->apos_last = false;
    }
    for (size_t i = 0; i < n; i++) /* one to four bytes: no memcpy call */
        f->text[f->len++] = b[i];
    f->w[f->n - 1].len = (uint16_t)(f->w[f->n - 1].len + n);
}

static void fold_ascii(struct folded *f, char c)
{
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        fold_letter(f, &c, 1);
    else if (c == '\'' || c == '`')
        fold_apostrophe(f);
    else
        fold_sep(f);
}

/* One code point of fold_cp's result (case-folded, marks stripped, ø æ ... spelled out). */
static void fold_decomposed(struct folded *f, utf8proc_int32_t cp)
{
    if (cp < 0x80) {
        fold_ascii(f, (char)cp);
        return;
    }
    if (is_apostrophe(cp)) {
        fold_apostrophe(f);
        return;
    }
    if (cp == 0x0127) { /* ħ, which fold_cp leaves as it is */
        fold_letter(f, "h", 1);
        return;
    }
    utf8proc_category_t cat = utf8proc_category(cp);
    if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME)
        return; /* a mark that STRIPMARK left: belongs to the letter before */
    if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
        (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)) {
        utf8proc_uint8_t b[4];
        utf8proc_ssize_t n = utf8proc_encode_char(cp, b);
        fold_letter(f, (const char *)b, (size_t)n);
        return;
    }
    fold_sep(f);
}

static void fold(const char *in, struct folded *f)
{
    f->len = 0;
    f->n = 0;
    f->in_word = f->only_apos = f->apos_last = f->full = false;

    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
    while (*p && !f->full) {
        if (*p < 0x80) {
            fold_ascii(f, (char)*p++);
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
        if (n <= 0) {
            fold_sep(f); /* not UTF-8: a separator */
            p++;
            continue;
        }
        p += n;
        if (is_apostrophe(cp)) {
            fold_apostrophe(f);
            continue;
        }
        int32_t d[2 * FOLD_DECOMP_MAX];
        int nd = fold_cp(cp, FOLD_COMPAT, d, FOLD_DECOMP_MAX);
        if (nd < 0) {
            fold_sep(f);
            continue;
        }
        for (int i = 0; i < nd; i++)
            fold_decomposed(f, d[i]);
    }
}

static bool word_is(const struct folded *f, int i, char c0, char c1, char c2)
{
    /* a word of up to three letters; trailing NULs end it early */
    const char *t = f->text + f->w[i].off;
    size_t n = c1 ? (c2 ? 3 : 2) : 1;
    return f->w[i].len == n && t[0] == c0 && (n < 2 || t[1] == c1) && (n < 3 || t[2] == c2);
}

static bool is_particle(const struct folded *f, int i)
{
    const struct word *w = &f->w[i];
    if (w->apos_after && (word_is(f, i, 'd', 0, 0) || word_is(f, i, 'l', 0, 0)))
        return true;
    if (w->apos_before && word_is(f, i, 't', 0, 0))
        return true;
    return in_list(f->text + w->off, w->len, particles, ARRAY_LEN(particles));
}

/* Copy up to n bytes of s to out[*len..] within cap - 1, never splitting a UTF-8 sequence. */
static bool put_bytes(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    size_t room = cap - 1 - *len;
    bool whole = n <= room;
    if (!whole) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out + *len, s, n);
    *len += n;
    return whole;
}

size_t key_name(const char *in, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!in)
        return 0;

    struct folded f;
    fold(in, &f);

    /* "Mac Donald" is one name: join a separate mac/mc to the next word */
    for (int i = 0; i + 1 < f.n; i++)
        if (word_is(&f, i, 'm', 'a', 'c') || word_is(&f, i, 'm', 'c', 0))
            f.w[i + 1].glued = true;

    bool keep[MAX_WORDS];
    int kept = 0;
    for (int i = 0; i < f.n; i++) {
        keep[i] = !is_particle(&f, i);
        kept += keep[i];
    }
    if (kept == 0) /* only particles: they are the name */
        for (int i = 0; i < f.n; i++)
            keep[i] = true;

    size_t len = 0;
    for (int i = 0; i < f.n; i++) {
        if (!keep[i])
            continue;
        bool joined = f.w[i].glued && i > 0 && keep[i - 1];
        if (len > 0 && !joined && !put_bytes(out, cap, &len, " ", 1))
            break;
        if (!put_bytes(out, cap, &len, f.text + f.w[i].off, f.w[i].len))
            break;
    }
    while (len > 0 && out[len - 1] == ' ')
        len--;
    out[len] = '\0';
    return len;
}

/* ---- phonetic code ---- */

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool is_aeiou(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/*
 * The letters a-z of key_name(in), a glued particle prefix dropped, doubled
 * letters once, and the spelling-only endings rewritten. Returns the length.
 */
static size_t phonetic_letters(const char *in, char *s)
{
    static const struct listword prefixes[] = {
        W("vanden"), W("vander"), W("vande"), W("van"), W("de"),
    };
    char name[FOLD_CAP];
    key_name(in, name, sizeof(name));

    char raw[FOLD_CAP];
    size_t nr = 0;
    for (const char *p = name; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            raw[nr++] = *p;

    size_t start = 0;
    for (size_t i = 0; i < ARRAY_LEN(prefixes); i++) {
        size_t k = prefixes[i].n;
        if (nr >= k + 3 && memcmp(raw, prefixes[i].s, k) == 0) {
            start = k;
            break;
        }
    }

    size_t n = 0;
    for (size_t i = start; i < nr; i++)
        if (n == 0 || s[n - 1] != raw[i])
            s[n++] = raw[i];

    if (ends_with(s, n, "sens"))
        n--;
    else if (n > 3 && ends_with(s, n, "ez"))
        n--;
    else if (ends_with(s, n, "aux") || ends_with(s, n, "eux") || ends_with(s, n, "oux"))
        n--;
    else if (ends_with(s, n, "ault"))
        n -= 2;
    else if (ends_with(s, n, "aud") || ends_with(s, n, "aut"))
        n--;
    s[n] = '\0';
    return n;
}

/* Which letters of s[0..n) are vowel sounds (see the file comment). */
static void mark_vowels(const char *s, size_t n, bool *v)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_aeiou(c))
            v[i] = true;
        else if (c == 'y')
            v[i] = !(i == 0 && i + 1 < n && is_aeiou(s[i + 1]));
        else if (c == 'j')
            v[i] = i > 0 && s[i - 1] == 'i';
        else if (c == 'w')
            v[i] = i > 0 && v[i - 1];
        else
            v[i] = false;
    }
}

struct code {
    char sym[FOLD_CAP * 2];
    size_t n;
    bool vowel_last; /* a vowel sound since the last symbol */
};

static void code_add(struct code *c, char sym)
{
    if (c->n > 0 && c->sym[c->n - 1] == sym && !c->vowel_last)
        return; /* the same sound twice in a row */
    c->sym[c->n++] = sym;
    c->vowel_last = false;
}

static char at(const char *s, size_t n, size_t i)
{
    return i < n ? s[i] : '\0';
}

/* The sound of "ch" at s[i] (c), not part of "sch". */
static char ch_sound(const char *s, size_t n, size_t i)
{
    char next = at(s, n, i + 2);
    if (next == 'r' || next == 'l' || next == 's')
        return 'K';
    if (next == 't' || next == '\0')
        return 'G';
    return 'X';
}

/* Emit the sounds of the consonant group at s[i]; returns the letters used. */
static size_t consonant(const char *s, size_t n, const bool *v, size_t i, struct code *c)
{
    char next = at(s, n, i + 1);
    switch (s[i]) {
    case 'b':
        if (next != 'v')
            code_add(c, 'B');
        return 1;
    case 'c':
        if (next == 'h') {
            code_add(c, ch_sound(s, n, i));
            return 2;
        }
        if (next == 'k' || next == 'q') {
            code_add(c, 'K');
            return 2;
        }
        if (next == 'z') {
            code_add(c, 'X');
            return 2;
        }
        code_add(c, next == 'e' || next == 'i' || next == 'y' ? 'S' : 'K');
        return 1;
    case 'd':
    case 't':
        if (s[i] == 't' && next == 'z') {
            code_add(c, 'S');
            return 2;
        }
        if (s[i] == 't' && next == 'c' && at(s, n, i + 2) == 'h') {
            code_add(c, 'X');
            return 3;
        }
        code_add(c, 'T');
        return (next == 't' && s[i] == 'd') || (next == 'h' && s[i] == 't') ? 2 : 1;
    case 'f':
    case 'v':
        code_add(c, 'F');
        return 1;
    case 'g':
        code_add(c, 'G');
        return next == 'h' ? 2 : 1;
    case 'h':
        if (i + 1 < n && v[i + 1])
            code_add(c, 'H');
        return 1;
    case 'k':
    case 'q':
        code_add(c, 'K');
        return 1;
    case 'p':
        if (next == 'h' || next == 'f') {
            code_add(c, 'F');
            return 2;
        }
        code_add(c, 'P');
        return 1;
    case 'r':
        code_add(c, 'R');
        return i == 0 && next == 'h' ? 2 : 1; /* Rhodes */
    case 's':
        if (next == 'c' && at(s, n, i + 2) == 'h') {
            bool before_vowel = i + 3 >= n || v[i + 3];
            code_add(c, before_vowel ? 'X' : 'S');
            return 3;
        }
        if (next == 'h' || next == 'j') {
            code_add(c, 'X');
            return 2;
        }
        code_add(c, 'S');
        return next == 'z' ? 2 : 1;
    case 'w':
        if (!(i == 0 && next == 'r')) /* Wright */
            code_add(c, 'W');
        return 1;
    case 'x':
        if (i > 0)
            code_add(c, 'K');
        code_add(c, 'S');
        return 1;
    case 'z':
        code_add(c, 'S');
        return 1;
    case 'y': /* a consonant only at the start, before a vowel: Dutch j */
        code_add(c, 'J');
        return 1;
    default: /* j l m n */
        code_add(c, (char)(s[i] - 'a' + 'A'));
        return 1;
    }
}

size_t key_phonetic(const char *in, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!in)
        return 0;

    char s[FOLD_CAP];
    size_t n = phonetic_letters(in, s);
    bool v[FOLD_CAP];
    mark_vowels(s, n, v);

    struct code c = {.n = 0, .vowel_last = false};
    bool consonants = false;
    for (size_t i = 0; i < n;) {
        if (v[i]) {
            if (i == 0)
                code_add(&c, 'A'); /* the first sound is a vowel */
            c.vowel_last = true;
            i++;
            continue;
        }
        i += consonant(s, n, v, i, &c);
        consonants = true;
        if (c.n > CODE_MAX)
            break; /* the rest would be cut anyway */
    }
    if (consonants && c.vowel_last)
        code_add(&c, 'A'); /* a final vowel sound */

    size_t len = c.n < CODE_MAX ? c.n : CODE_MAX;
    if (len > cap - 1)
        len = cap - 1;
    memcpy(out, c.sym, len);
    out[len] = '\0';
    return len;
}

/* ---- blocking keys ---- */

struct key {
    char *p;
    size_t len;
};

static void key_start(struct key *k, char *p, const char *rule)
{
    k->p = p;
    k->len = 0;
    put_bytes(k->p, KEY_LEN, &k->len, rule, strlen(rule));
    k->p[k->len] = '\0';
}

static void key_put(struct key *k, const char *s)
{
    put_bytes(k->p, KEY_LEN, &k->len, s, strlen(s));
    k->p[k->len] = '\0';
}

static bool present(const char *s)
{
    return s && *s;
}

/* The year of a "YYYY-..." date into y[5]; false when it does not look like one. */
/* A cleaned birth date, YYYY-MM-DD, copied into out[11]; false for anything else. */
static bool birth_date(const char *date, char *out)
{
    if (!date)
        return false;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? date[i] != '-' : date[i] < '0' || date[i] > '9')
            return false;
        out[i] = date[i];
    }
    out[10] = '\0';
    return date[10] == '\0';
}

/* Postcode without spaces, upper case, into out[cap]; returns the length. */
static size_t norm_postcode(const char *pc, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = pc; p && *p && n + 1 < cap; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        out[n++] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    out[n] = '\0';
    return n;
}

/*
 * The street folded by key_name without its street words ("rue", "laan",
 * ...) and with "straat"/"strasse"/"str" cut from its last word, the words
 * joined without spaces ("Kerkstraat" = "Kerk straat" -> "kerk"). When
 * nothing would be left the words stay. Returns the length.
 */
static size_t norm_street(const char *street, char *out, size_t cap)
{
    static const struct listword street_words[] = {
        W("rue"),    W("avenue"),  W("av"),    W("ave"),   W("chemin"), W("boulevard"),
        W("bd"),     W("blvd"),    W("laan"),  W("weg"),   W("road"),   W("rd"),
        W("street"), W("lane"),    W("place"), W("pl"),    W("plein"),  W("straat"),
        W("str"),    W("strasse"), W("allee"), W("gasse"),
    };
    static const struct listword suffixes[] = {W("straat"), W("strasse"), W("str")};
    char name[FOLD_CAP];
    size_t nn = key_name(street, name, sizeof(name));

    const char *w[MAX_WORDS];
    size_t wl[MAX_WORDS];
    int nw = 0;
    for (size_t i = 0; i < nn && nw < MAX_WORDS;) {
        size_t j = i;
        while (j < nn && name[j] != ' ')
            j++;
        w[nw] = name + i;
        wl[nw++] = j - i;
        i = j + 1;
    }
    bool keep[MAX_WORDS];
    int kept = 0, last = -1;
    for (int i = 0; i < nw; i++) {
        keep[i] = !in_list(w[i], wl[i], street_words, ARRAY_LEN(street_words));
        if (keep[i]) {
            kept++;
            last = i;
        }
    }
    if (kept == 0)
        for (int i = 0; i < nw; i++)
            keep[i] = true;
    else
        for (size_t k = 0; k < ARRAY_LEN(suffixes); k++) {
            size_t sl = suffixes[k].n;
            if (wl[last] >= sl + 2 && memcmp(w[last] + wl[last] - sl, suffixes[k].s, sl) == 0) {
                wl[last] -= sl;
                break;
            }
        }

    size_t len = 0;
    for (int i = 0; i < nw; i++)
        if (keep[i] && !put_bytes(out, cap, &len, w[i], wl[i]))
            break;
    out[len] = '\0';
    return len;
}

/* The first run of digits of a house number ("12A", "12 bus 3" -> "12"). */
static size_t norm_house(const char *h, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = h;
    while (p && *p && (*p < '0' || *p > '9'))
        p++;
    while (p && *p >= '0' && *p <= '9' && n + 1 < cap)
        out[n++] = *p++;
    out[n] = '\0';
    return n;
}

/*
 * The e-mail's local part lower case without dots and +tag; 0 when there
 * is no '@', it is shorter than 4 or it is a role account.
 */
static size_t norm_email_local(const char *email, char *out, size_t cap)
{
    static const struct listword roles[] = {
        W("info"),   W("admin"),   W("contact"),   W("sales"), W("support"),
        W("office"), W("noreply"), W("no-reply"),  W("hello"), W("team"),
        W("mail"),   W("post"),    W("webmaster"),
    };
    const char *at_sign = strrchr(email, '@');
    if (!at_sign)
        return 0;
    size_t n = 0;
    for (const char *p = email; p < at_sign && *p != '+' && n + 1 < cap; p++) {
        char ch = *p;
        if (ch == '.')
            continue;
        out[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out[n] = '\0';
    if (n < 4 || in_list(out, n, roles, ARRAY_LEN(roles)))
        return 0;
    return n;
}

/* The last 8 digits of a phone number; 0 when it has fewer. */
static size_t norm_phone(const char *phone, char *out)
{
    size_t digits = 0;
    for (const char *p = phone; *p; p++)
        digits += *p >= '0' && *p <= '9';
    if (digits < 8)
        return 0;
    size_t skip = digits - 8, n = 0;
    for (const char *p = phone; *p; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (skip > 0)
            skip--;
        else
            out[n++] = *p;
    }
    out[n] = '\0';
    return n;
}

int key_blocking(const struct key_record *r, char keys[KEY_MAX][KEY_LEN])
{
    int nk = 0;
    struct key k;
    char a[KEY_LEN], b[KEY_LEN], c[KEY_LEN];

    size_t nph = present(r->last_name) ? key_phonetic(r->last_name, a, sizeof(a)) : 0;
    if (nph > 0 && birth_date(r->birth_date, b)) {
        key_start(&k, keys[nk++], "pb:");
        key_put(&k, a);
        key_put(&k, "|");
        key_put(&k, b);
    }

    size_t npc = present(r->postal_code) ? norm_postcode(r->postal_code, c, sizeof(c)) : 0;
    if (npc > 0 && nph > 0 && present(r->first_name) && key_name(r->first_name, b, sizeof(b)) > 0) {
        size_t len = 1;
        while (((unsigned char)b[len] & 0xC0) == 0x80)
            len++;
        b[len] = '\0'; /* the first letter, whole in UTF-8 */
        key_start(&k, keys[nk++], "pn:");
        key_put(&k, c);
        key_put(&k, "|");
        key_put(&k, a);
        key_put(&k, "|");
        key_put(&k, b);
    }

    if (npc > 0 && present(r->street) && present(r->house_number) &&
        norm_street(r->street, a, sizeof(a)) > 0 && norm_house(r->house_number, b, sizeof(b)) > 0) {
        key_start(&k, keys[nk++], "sh:");
        key_put(&k, a);
        key_put(&k, "|");
        key_put(&k, b);
        key_put(&k, "|");
        key_put(&k, c);
    }

    if (present(r->city) && present(r->street) && present(r->house_number) &&
        norm_street(r->street, a, sizeof(a)) > 0 && norm_house(r->house_number, b, sizeof(b)) > 0 &&
        key_name(r->city, c, sizeof(c)) > 0) {
        key_start(&k, keys[nk++], "sc:");
        key_put(&k, a);
        key_put(&k, "|");
        key_put(&k, b);
        key_put(&k, "|");
        key_put(&k, c);
    }

    if (present(r->email) && norm_email_local(r->email, a, sizeof(a)) > 0) {
        key_start(&k, keys[nk++], "el:");
        key_put(&k, a);
    }

    if (present(r->phone) && norm_phone(r->phone, a) > 0) {
        key_start(&k, keys[nk++], "ph:");
        key_put(&k, a);
    }
    return nk;
}
