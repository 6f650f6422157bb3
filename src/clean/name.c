/*
 * name.c — the name rules: one name part (whitespace, case, particles),
 * first and last name swapped, salutation to gender, gender codes.
 *
 * clean_name decodes its input into code points on the stack (a name part
 * is at most 200 input bytes), so a call allocates only its result from the
 * arena. Case is fixed only when the writer evidently did not choose it:
 * when the name is all upper or all lower case. Mixed case ("McDonald",
 * "DeWitt", "van Dijk") is kept as written. Which particles stay lower-case
 * depends on the locale (see enum name_style).
 *
 * Everything here is constant data and stack work: safe from any thread.
 */
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "base/str.h"
#include "clean/clean.h"
#include "clean/name_data.h"

#define NAME_IN_MAX 200    /* input bytes looked at; longer is refused */
#define NAME_MAX_BYTES 100 /* a cleaned name part */
#define NAME_TOKENS_MAX (NAME_MAX_BYTES / 2 + 1)
#define CODE_IN_MAX 200 /* salutation and gender input bytes */
#define CODE_KEY_MAX 64 /* longer folded text matches no salutation or gender */

/* How particles (van, de, von, ...) are written when the case is fixed. */
enum name_style {
    STYLE_BE, /* Belgium and the default: a run's first particle capitalised ("Van der Berg") */
    STYLE_NL, /* the Netherlands: tussenvoegsels lower-case ("van der Berg") */
    STYLE_FR, /* French: de, du, des, d' lower-case ("de La Fontaine") */
    STYLE_DE, /* German: von, zu, von der lower-case ("von der Leyen") */
};

struct name_rules {
    enum name_style style;
    bool dutch; /* a leading "ij" is one letter: "IJsbrand" */
};

struct name_token {
    size_t start, end; /* code point indexes, end exclusive */
    char key[8];       /* lower-case ASCII with ' for apostrophes, "" when not a particle shape */
    unsigned kind;     /* enum particle_kind bits; 0 for a name word */
};

enum particle_kind {
    P_NL = 1 << 0,     /* Dutch tussenvoegsel: lower-case in the Netherlands */
    P_FR = 1 << 1,     /* de, du, des: lower-case in French */
    P_FR_ART = 1 << 2, /* le, la, les: French articles */
    P_DE = 1 << 3,     /* von, zu, ...: lower-case in German */
    P_ELIDED = 1 << 4, /* 't, 's: always lower-case */
    P_OTHER = 1 << 5,  /* a particle without a locale rule of its own */
};

/* Every particle any style knows; a name word is anything else. */
static const struct {
    const char *key;
    unsigned kind;
} particles[] = {
    {"'s", P_NL | P_ELIDED},
    {"'t", P_NL | P_ELIDED},
    {"aan", P_NL},
    {"bij", P_NL},
    {"da", P_OTHER},
    {"das", P_OTHER},
    {"de", P_NL | P_FR},
    {"del", P_OTHER},
    {"della", P_OTHER},
    {"dem", P_OTHER},
    {"den", P_NL},
    {"der", P_NL},
    {"des", P_FR},
    {"di", P_OTHER},
    {"do", P_OTHER},
    {"dos", P_OTHER},
    {"du", P_FR},
    {"het", P_NL},
    {"in", P_NL},
    {"la", P_FR_ART},
    {"le", P_FR_ART},
    {"les", P_FR_ART},
    {"op", P_NL},
    {"te", P_NL},
    {"ten", P_NL},
    {"ter", P_NL},
    {"uit", P_NL},
    {"und", P_OTHER},
    {"van", P_NL},
    {"vom", P_DE},
    {"von", P_DE},
    {"zu", P_DE},
    {"zum", P_DE},
    {"zur", P_DE},
};

/* Particles that continue a run after another ("van der", "in 't", "von und zu"). */
static const struct {
    const char *first;
    const char *next;
} particle_pairs[] = {
    {"aan", "de"},  {"aan", "den"}, {"aan", "het"}, {"bij", "de"},  {"de", "la"},
    {"de", "le"},   {"de", "les"},  {"in", "de"},   {"in", "den"},  {"in", "het"},
    {"op", "de"},   {"op", "den"},  {"op", "het"},  {"uit", "de"},  {"uit", "den"},
    {"uit", "het"}, {"van", "de"},  {"van", "den"}, {"van", "der"}, {"van", "het"},
    {"von", "dem"}, {"von", "den"}, {"von", "der"}, {"von", "und"}, {"und", "zu"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(key, list[i]) == 0)
            return true;
    }
    return false;
}

static unsigned particle_kind(const char *key)
{
    if (!key[0])
        return 0;
    for (size_t i = 0; i < COUNT(particles); i++) {
        if (key[0] == particles[i].key[0] && strcmp(key, particles[i].key) == 0)
            return particles[i].kind;
    }
    return 0;
}

static bool is_pair(const char *first, const char *next)
{
    for (size_t i = 0; i < COUNT(particle_pairs); i++) {
        if (strcmp(first, particle_pairs[i].first) == 0 &&
            strcmp(next, particle_pairs[i].next) == 0)
            return true;
    }
    return false;
}

static bool is_space(int32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= '\t' && cp <= '\r');
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

/* Apostrophes as people type them: ' ’ ‘ ʼ ` ´ */
static bool is_apostrophe(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == '`' || cp == 0xB4;
}

static bool is_letter(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO && !is_apostrophe(cp);
}

static bool is_mark(int32_t cp)
{
    if (cp < 0x80)
        return false;
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
           cat == UTF8PROC_CATEGORY_ME;
}

static bool is_digit(int32_t cp)
{
    if (cp < 0x80)
        return cp >= '0' && cp <= '9';
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

static size_t cp_len(int32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/*
 * The style of a context: the locale decides, the record's country breaks a
 * tie ("nl" with country BE is Flemish) and stands in when there is no
 * locale. "be" is taken as Belgian, as the sources send it.
 */
static struct name_rules name_rules_of(const struct clean_ctx *c)
{
    struct str loc = str_from(c->locale);
    struct str country = str_from(c->country);
    bool be = str_eq_nocase(country, "BE"), nl = str_eq_nocase(country, "NL");
    size_t k = 0;
    while (k < loc.len && loc.ptr[k] != '-' && loc.ptr[k] != '_')
        k++;
    struct str lang = str_make(loc.ptr, k);
    struct str region = k < loc.len ? str_make(loc.ptr + k + 1, loc.len - k - 1) : str_make("", 0);
    struct name_rules r = {STYLE_BE, be || nl};

    if (lang.len == 0) {
        if (nl)
            r.style = STYLE_NL;
        else if (str_eq_nocase(country, "FR"))
            r.style = STYLE_FR;
        else if (str_eq_nocase(country, "DE") || str_eq_nocase(country, "AT"))
            r.style = STYLE_DE;
    } else if (str_eq_nocase(lang, "be")) {
        r.dutch = true;
    } else if (str_eq_nocase(lang, "nl")) {
        r.dutch = true;
        bool belgian = region.len ? str_eq_nocase(region, "BE") : be;
        r.style = belgian ? STYLE_BE : STYLE_NL;
    } else if (str_eq_nocase(lang, "fr")) {
        r.style = STYLE_FR;
    } else if (str_eq_nocase(lang, "de")) {
        r.style = STYLE_DE;
    }
    return r;
}

/*
 * Decode in[0..len) into cp[], trimming and collapsing white space to single
 * spaces; *n gets the count and *changed whether that altered the text.
 * Returns NULL, or the reason the text cannot be a name.
 */
static const char *decode_collapse(const char *in, size_t len, int32_t *cp, size_t *n,
                                   bool *changed)
{
    bool pending = false;
    *n = 0;
    *changed = false;
    for (size_t i = 0; i < len;) {
        int32_t c;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0)
            return "the name is not valid UTF-8";
        i += (size_t)k;
        if (is_space(c)) {
            if (*n == 0 || pending || c != ' ')
                *changed = true;
            pending = *n > 0;
            continue;
        }
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_CC)
            return "the name contains a control character";
        if (pending)
            cp[(*n)++] = ' ';
        pending = false;
        cp[(*n)++] = c;
    }
    if (pending)
        *changed = true;
    return NULL;
}

/* Returns NULL, or why the (collapsed, non-empty) name is refused. */
static const char *check_content(const int32_t *cp, size_t n)
{
    size_t bytes = 0, letters = 0, digits = 0, others = 0;
    for (size_t i = 0; i < n; i++) {
        bytes += cp_len(cp[i]);
        if (cp[i] == ' ')
            continue;
        if (is_letter(cp[i]))
            letters++;
        else if (is_digit(cp[i]))
            digits++;
        else
            others++;
    }
    if (bytes > NAME_MAX_BYTES)
        return "the name is longer than 100 bytes";
    if (letters == 0 && others == 0)
        return "the name is only digits";
    if (letters == 0)
        return "the name has no letters";
    return NULL;
}

static size_t encode(const int32_t *cp, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)utf8proc_encode_char(cp[i], (utf8proc_uint8_t *)out + len);
    out[len] = '\0';
    return len;
}

/* Split at spaces; the key is the word lower-cased when it is short ASCII. */
static size_t tokenize(const int32_t *cp, size_t n, struct name_token *tok)
{
    size_t nt = 0;
    for (size_t i = 0; i < n;) {
        struct name_token *t = &tok[nt++];
        t->start = i;
        while (i < n && cp[i] != ' ')
            i++;
        t->end = i++;
        size_t len = t->end - t->start, k = 0;
        for (; len < sizeof(t->key) && k < len; k++) {
            int32_t c = cp[t->start + k];
            if (is_apostrophe(c))
                c = '\'';
            else if (c >= 'A' && c <= 'Z')
                c += 'a' - 'A';
            else if (c < 'a' || c > 'z')
                break;
            t->key[k] = (char)c;
        }
        t->key[k == len && len < sizeof(t->key) ? k : 0] = '\0';
        t->kind = particle_kind(t->key);
    }
    return nt;
}

/* "d'Angelo", "l'Hermite": a one-letter elided article glued to the name. */
static bool is_elision(const int32_t *cp, const struct name_token *t)
{
    int32_t c = cp[t->start] | 0x20;
    return t->end - t->start >= 3 && (c == 'd' || c == 'l') && is_apostrophe(cp[t->start + 1]) &&
           is_letter(cp[t->start + 2]);
}

/*
 * Whether the case needs fixing: all upper or all lower case, judged on the
 * name words (particles and elided articles are often typed lower-case in
 * an all-caps name: "van DER BERG", "d'ANGELO"). ß has no capital in use.
 */
static bool needs_case_fix(const int32_t *cp, const struct name_token *tok, size_t nt)
{
    size_t upper = 0, lower = 0;
    for (int pass = 0; pass < 2 && upper + lower == 0; pass++) {
        for (size_t t = 0; t < nt; t++) {
            if (pass == 0 && tok[t].kind)
                continue;
            size_t i = tok[t].start + (pass == 0 && is_elision(cp, &tok[t]) ? 2 : 0);
            for (; i < tok[t].end; i++) {
                utf8proc_category_t cat = utf8proc_category(cp[i]);
                if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT)
                    upper++;
                else if (cat == UTF8PROC_CATEGORY_LL && cp[i] != 0xDF)
                    lower++;
            }
        }
    }
    return (upper == 0) != (lower == 0);
}

/* Which tokens are written all lower-case (particles before a surname). */
static void decide_lower(const struct name_rules *r, const struct name_token *tok, size_t nt,
                         bool *lower)
{
    bool later_word = false; /* a name word follows token t */
    for (size_t t = nt; t-- > 0;) {
        unsigned kind = tok[t].kind, prev = t > 0 ? tok[t - 1].kind : 0;
        lower[t] = false;
        if (!kind) {
            later_word = true;
            continue;
        }
        if (kind & P_ELIDED) {
            lower[t] = true;
            continue;
        }
        if (!later_word)
            continue;
        if (r->style == STYLE_NL && (kind & P_NL)) {
            lower[t] = true;
        } else if (r->style == STYLE_FR && (kind & P_FR)) {
            lower[t] = true;
        } else if (r->style == STYLE_FR && (kind & P_FR_ART)) {
            /* an article opens the surname ("de La Fontaine", "Le Pen") unless a name precedes */
            lower[t] = t > 0 && !prev;
        } else if (r->style == STYLE_DE && (kind & P_DE)) {
            lower[t] = true;
        } else {
            lower[t] = prev && is_pair(tok[t - 1].key, tok[t].key);
        }
    }
}

static int32_t lower_cp(const int32_t *cp, size_t i, size_t start, size_t end)
{
    /* Greek capital sigma ends a word as ς */
    if (cp[i] == 0x3A3 && i > start && (i + 1 == end || !is_letter(cp[i + 1])))
        return 0x3C2;
    return utf8proc_tolower(cp[i]);
}

/* Capitalise each part of a word: after its start, a hyphen, an apostrophe, a dot. */
static size_t cap_word(const struct name_rules *r, const int32_t *cp, const struct name_token *t,
                       int32_t *out)
{
    size_t n = 0, i = t->start;
    bool at_start = true;

    if (r->style == STYLE_FR && (cp[i] | 0x20) == 'd' && is_elision(cp, t)) {
        out[n++] = 'd';
        out[n++] = cp[i + 1];
        i += 2;
    } else if (is_apostrophe(cp[i]) && i + 1 < t->end &&
               ((cp[i + 1] | 0x20) == 's' || (cp[i + 1] | 0x20) == 't') &&
               (i + 2 == t->end || cp[i + 2] == '-')) {
        out[n++] = cp[i]; /* 's-Hertogenbosch, 't Hooft */
        out[n++] = cp[i + 1] | 0x20;
        i += 2;
    }
    for (; i < t->end; i++) {
        int32_t c = cp[i];
        if (!is_letter(c)) {
            out[n++] = c;
            if (is_digit(c))
                at_start = false;
            else if (!is_mark(c))
                at_start = true;
            continue;
        }
        if (!at_start) {
            out[n++] = lower_cp(cp, i, t->start, t->end);
            continue;
        }
        at_start = false;
        out[n++] = utf8proc_toupper(c);
        bool next_letter = i + 1 < t->end && is_letter(cp[i + 1]);
        if (r->dutch && (c | 0x20) == 'i' && next_letter && (cp[i + 1] | 0x20) == 'j') {
            out[n++] = 'J'; /* IJ is one letter in Dutch: "IJzerman" */
            i++;
        } else if ((c | 0x20) == 'm' && next_letter && (cp[i + 1] | 0x20) == 'c' &&
                   i + 2 < t->end && is_letter(cp[i + 2])) {
            out[n++] = 'c'; /* "McDonald" */
            out[n++] = utf8proc_toupper(cp[i + 2]);
            i += 2;
        }
    }
    return n;
}

/* The name with its case fixed into out[]; returns the code point count. */
static size_t fix_case(const struct name_rules *r, const int32_t *cp, const struct name_token *tok,
                       size_t nt, int32_t *out)
{
    bool lower[NAME_TOKENS_MAX];
    size_t n = 0;
    decide_lower(r, tok, nt, lower);
    for (size_t t = 0; t < nt; t++) {
        if (t > 0)
            out[n++] = ' ';
        if (!lower[t]) {
            n += cap_word(r, cp, &tok[t], out + n);
            continue;
        }
        for (size_t i = tok[t].start; i < tok[t].end; i++)
            out[n++] = lower_cp(cp, i, tok[t].start, tok[t].end);
    }
    return n;
}

int clean_name(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    int32_t cp[NAME_IN_MAX], fixed[NAME_IN_MAX];
    struct name_token tok[NAME_TOKENS_MAX];
    char text[NAME_MAX_BYTES + 1], cased[4 * NAME_MAX_BYTES + 1];
    size_t n = 0;
    bool ws_changed = false;

    clean_result_init(out);
    if (!in)
        return clean_invalid(out, "the name is empty");
    size_t len = strnlen(in, NAME_IN_MAX + 1);
    if (len > NAME_IN_MAX)
        return clean_invalid(out, "the name is too long (over 200 bytes)");
    const char *why = decode_collapse(in, len, cp, &n, &ws_changed);
    if (!why && n == 0)
        why = "the name is empty";
    if (!why)
        why = check_content(cp, n);
    if (why)
        return clean_invalid(out, why);

    encode(cp, n, text);
    if (ws_changed && clean_fix_add(c, out, "name.whitespace", in, text))
        return ERR_NOMEM;

    const char *value = text;
    size_t nt = tokenize(cp, n, tok);
    struct name_rules rules = name_rules_of(c);
    if (needs_case_fix(cp, tok, nt)) {
        encode(fixed, fix_case(&rules, cp, tok, nt, fixed), cased);
        if (strcmp(cased, text) != 0) {
            if (clean_fix_add(c, out, "name.case", text, cased))
                return ERR_NOMEM;
            value = cased;
        }
    }
    out->value = arena_strdup(c->arena, value);
    return out->value ? 0 : ERR_NOMEM;
}

/* The first word of s (leading blanks skipped) as (ptr, len). */
static struct str first_word(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    return str_make(s, n);
}

/* "first=<f> last=<l>" in the arena, or NULL. */
static char *pair_text(struct arena *a, const char *f, const char *l)
{
    size_t n = strlen(f) + strlen(l) + sizeof("first= last=");
    char *p = arena_alloc(a, n);
    if (p)
        snprintf(p, n, "first=%s last=%s", f, l);
    return p;
}

/*
 * A last name that is a listed first name, and not also a common surname
 * (Thomas, Martin, Laurent), next to a first name that is no listed first
 * name, is taken as swapped. out->value stays NULL: the result carries the
 * flag and the fix; the names themselves are swapped in place.
 */
int clean_name_swap(const struct clean_ctx *c, const char **first, const char **last,
                    struct clean_result *out)
{
    clean_result_init(out);
    if (!first || !last || !*first || !*last)
        return 0;
    struct str f = first_word(*first), l = first_word(*last);
    if (f.len == 0 || l.len == 0)
        return 0;
    bool compound = false;
    const struct first_name *lf = first_name_find(l.ptr, l.len, &compound);
    if (!lf || (lf->surname && !compound) || first_name_find(f.ptr, f.len, NULL))
        return 0;

    char *before = pair_text(c->arena, *first, *last);
    char *after = pair_text(c->arena, *last, *first);
    if (!before || !after || clean_fix_add(c, out, "name.swapped", before, after))
        return ERR_NOMEM;
    const char *tmp = *first;
    *first = *last;
    *last = tmp;
    out->flags |= CLEAN_SWAPPED;
    return 0;
}

/* ---- salutation and gender ---------------------------------------------- */

enum code_fold {
    FOLD_OK,
    FOLD_TOO_LONG,
    FOLD_BAD_UTF8,
    FOLD_CONTROL,
};

/*
 * The text lower-cased, dots dropped ("Mevr." and "Mevr" are one), white
 * space trimmed and collapsed, into key[CODE_KEY_MAX + 1]. *blank tells
 * whether the text was only white space. Text that folds to more than
 * CODE_KEY_MAX bytes leaves the key empty (and *blank false): it matches
 * nothing.
 */
static enum code_fold fold_code(const char *in, char *key, bool *blank)
{
    size_t len = strnlen(in, CODE_IN_MAX + 1), n = 0;
    bool pending = false, overflow = false;
    *blank = true;
    key[0] = '\0';
    if (len > CODE_IN_MAX)
        return FOLD_TOO_LONG;
    for (size_t i = 0; i < len;) {
        int32_t c;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0)
            return FOLD_BAD_UTF8;
        i += (size_t)k;
        if (is_space(c)) {
            pending = n > 0;
            continue;
        }
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_CC)
            return FOLD_CONTROL;
        *blank = false;
        if (c == '.')
            continue;
        c = utf8proc_tolower(c);
        if (n + 1 + cp_len(c) > CODE_KEY_MAX) {
            overflow = true;
            continue;
        }
        if (pending)
            key[n++] = ' ';
        pending = false;
        n += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)key + n);
    }
    key[overflow ? 0 : n] = '\0';
    if (overflow)
        *blank = false;
    return FOLD_OK;
}

struct code_entry {
    const char *key;   /* folded: lower case, no dots, single spaces */
    const char *value; /* "female", "male", "other", or NULL: valid without a gender */
};

/*
 * Salutations. Titles and couples (Dr., Prof., Mx, Familie, "Heer en
 * Mevrouw", "M. et Mme") are valid salutations that say nothing about the
 * gender: clean_salutation returns 0 with a NULL value and no reason.
 */
static const struct code_entry salutations[] = {
    {"mevrouw", "female"},
    {"mevr", "female"},
    {"mw", "female"},
    {"mvr", "female"},
    {"juffrouw", "female"},
    {"mejuffrouw", "female"},
    {"mej", "female"},
    {"madame", "female"},
    {"mme", "female"},
    {"mademoiselle", "female"},
    {"mlle", "female"},
    {"frau", "female"},
    {"fr", "female"},
    {"fräulein", "female"},
    {"frl", "female"},
    {"mrs", "female"},
    {"ms", "female"},
    {"miss", "female"},
    {"madam", "female"},
    {"meneer", "male"},
    {"mijnheer", "male"},
    {"de heer", "male"},
    {"heer", "male"},
    {"dhr", "male"},
    {"mnr", "male"},
    {"monsieur", "male"},
    {"m", "male"},
    {"mr", "male"},
    {"mister", "male"},
    {"herr", "male"},
    {"hr", "male"},
    {"dr", NULL},
    {"prof", NULL},
    {"prof dr", NULL},
    {"ir", NULL},
    {"ing", NULL},
    {"me", NULL},
    {"mx", NULL},
    {"familie", NULL},
    {"fam", NULL},
    {"famille", NULL},
    {"family", NULL},
    {"heer en mevrouw", NULL},
    {"de heer en mevrouw", NULL},
    {"meneer en mevrouw", NULL},
    {"mevrouw en meneer", NULL},
    {"dhr en mevr", NULL},
    {"dhr en mw", NULL},
    {"m et mme", NULL},
    {"monsieur et madame", NULL},
    {"mr and mrs", NULL},
    {"mr & mrs", NULL},
    {"herr und frau", NULL},
};

static const struct code_entry genders[] = {
    {"f", "female"},        {"v", "female"},
    {"w", "female"},        {"female", "female"},
    {"vrouw", "female"},    {"vrouwelijk", "female"},
    {"femme", "female"},    {"féminin", "female"},
    {"feminin", "female"},  {"weiblich", "female"},
    {"woman", "female"},    {"frau", "female"},
    {"m", "male"},          {"h", "male"},
    {"male", "male"},       {"man", "male"},
    {"mannelijk", "male"},  {"homme", "male"},
    {"masculin", "male"},   {"männlich", "male"},
    {"maennlich", "male"},  {"mannlich", "male"},
    {"herr", "male"},       {"x", "other"},
    {"d", "other"},         {"other", "other"},
    {"divers", "other"},    {"anders", "other"},
    {"autre", "other"},     {"non-binary", "other"},
    {"nonbinary", "other"}, {"non-binaire", "other"},
};

/* Spellings of "not given"; the empty key is blank input. */
static const char *const gender_unknown[] = {
    "u", "unknown", "-", "?", "onbekend", "inconnu", "unbekannt", "n/a",
};

static const struct code_entry *code_find(const struct code_entry *t, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].key[0] == key[0] && strcmp(t[i].key, key) == 0)
            return &t[i];
    }
    return NULL;
}

/* "unknown <what> "<trimmed input>"" in the arena; a static text when it is full. */
static const char *unknown_reason(const struct clean_ctx *c, const char *what, const char *in)
{
    struct str t = str_trim(str_from(in));
    size_t n = t.len + strlen(what) + sizeof("unknown  \"\"");
    char *p = arena_alloc(c->arena, n);
    if (!p)
        return "unknown value";
    snprintf(p, n, "unknown %s \"%.*s\"", what, (int)t.len, t.ptr);
    return p;
}

static const char *fold_reason(enum code_fold f, bool salutation)
{
    switch (f) {
    case FOLD_TOO_LONG:
        return salutation ? "the salutation is too long" : "the gender is too long";
    case FOLD_BAD_UTF8:
        return salutation ? "the salutation is not valid UTF-8" : "the gender is not valid UTF-8";
    case FOLD_CONTROL:
        return salutation ? "the salutation contains a control character"
                          : "the gender contains a control character";
    case FOLD_OK:
        break;
    }
    return NULL;
}

int clean_salutation(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    char key[CODE_KEY_MAX + 1];
    bool blank = true;
    clean_result_init(out);
    if (!in)
        return clean_invalid(out, "salutation not given");
    enum code_fold f = fold_code(in, key, &blank);
    if (f != FOLD_OK)
        return clean_invalid(out, fold_reason(f, true));
    if (blank)
        return clean_invalid(out, "salutation not given");
    const struct code_entry *e = code_find(salutations, COUNT(salutations), key);
    if (!e)
        return clean_invalid(out, unknown_reason(c, "salutation", in));
    if (!e->value)
        return 0; /* a title or a couple: valid, no gender */
    out->value = e->value;
    return clean_fix_add(c, out, "name.salutation_to_gender", in, e->value);
}

int clean_gender(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    char key[CODE_KEY_MAX + 1];
    bool blank = true;
    clean_result_init(out);
    if (!in)
        return clean_invalid(out, "gender not given");
    enum code_fold f = fold_code(in, key, &blank);
    if (f != FOLD_OK)
        return clean_invalid(out, fold_reason(f, false));
    if (blank || in_list(key, gender_unknown, COUNT(gender_unknown)))
        return clean_invalid(out, "gender not given");
    const struct code_entry *e = code_find(genders, COUNT(genders), key);
    if (!e)
        return clean_invalid(out, unknown_reason(c, "gender", in));
    out->value = e->value;
    if (strcmp(in, e->value) != 0)
        return clean_fix_add(c, out, "gender.code", in, e->value);
    return 0;
}
