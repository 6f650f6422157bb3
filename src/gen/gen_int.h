/*
 * gen_int.h — internals shared by the parts of `rondo gen`; not an API.
 *
 *   gen.c         plans, ids, CSV output, chunks and threads, gen_run
 *   gen_person.c  households, persons and their dirty records per source
 *   gen_text.c    bounded field values: case, accents, typos, dates, money
 *
 * Text is UTF-8 within Latin-1 (gen_data.h): every non-ASCII character is
 * two bytes, C2 xx or C3 xx. Nothing here allocates; struct fld lives on the
 * stack and BUG()s when a value would pass FLD_MAX (our own values never do).
 */
#ifndef RONDO_GEN_INT_H
#define RONDO_GEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/xalloc.h"
#include "gen/gen.h"
#include "gen/gen_data.h"

#define FLD_MAX 256
#define GEN_DAY 86400LL
#define GEN_HH_BLOCK 32 /* households never cross a block of this many persons */

/* ---- random streams: xoshiro256**, one per (seed, index, purpose) -------- */

enum gen_purpose {
    P_PLAN = 1,
    P_BLOCK,
    P_HOUSE,
    P_PERSON,
    P_RECORDS,
    P_DUP,
    P_TEST,
    P_MOVED,
    P_EMAIL /* + 3 * kind + (variant == 1): one stream per address */
};

/* A person's e-mail addresses; EM_FAMILY belongs to the household's head. */
enum gen_email_kind { EM_PRIMARY, EM_ALT, EM_DUP, EM_FAMILY, EM_KINDS };

struct rng {
    uint64_t s[4];
};

static inline uint64_t gen_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Seeded by splitmix64 from (seed, index, purpose): streams never overlap in practice. */
static inline void rng_init(struct rng *r, uint64_t seed, uint64_t index, enum gen_purpose p)
{
    uint64_t x = gen_mix64(gen_mix64(gen_mix64(seed + 0x9E3779B97F4A7C15ULL) ^ index) + p);
    for (int i = 0; i < 4; i++) {
        x += 0x9E3779B97F4A7C15ULL;
        r->s[i] = gen_mix64(x);
    }
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s, x = s[1] * 5, t = s[1] << 17;
    uint64_t out = ((x << 7) | (x >> 57)) * 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return out;
}

/* Uniform in 0..n-1 (n >= 1). */
static inline int rng_below(struct rng *r, int n)
{
    return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline int rng_range(struct rng *r, int lo, int hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

static inline double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static inline bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Early entries of a frequency-ordered list more often. */
static inline int rng_skewed(struct rng *r, int n)
{
    double u = rng_unit(r);
    int i = (int)(n * (0.3 * u + 0.7 * u * u * u));
    return i < n ? i : n - 1;
}

static inline const char *rng_pick(struct rng *r, struct gen_list l)
{
    return l.v[rng_below(r, l.n)];
}

/* What every person depends on: the same for all threads. */
struct gen_world {
    uint64_t n, seed;
    double scale; /* dirt: 0.3, 1, 2.5 */
    /*
     * Per person, 2 bits per enum gen_email_kind: 0 the address as drawn, 1 a
     * numbered one because the first was someone else's, 2 one unique by
     * construction. NULL: all 0. Filled by gen.c's first pass.
     */
    const uint8_t *variant;
};

static inline int gen_variant(const struct gen_world *w, uint64_t j, enum gen_email_kind k)
{
    return w->variant ? w->variant[j] >> (2 * k) & 3 : 0;
}

/* A dirt rate (at medium) scaled by --dirt, at most 0.9. */
static inline bool dirt(const struct gen_world *w, struct rng *r, double p)
{
    double q = p * w->scale;
    return rng_unit(r) < (q < 0.9 ? q : 0.9);
}

/* ---- bounded field values (gen_text.c) ------------------------------------ */

struct fld {
    int n;
    char s[FLD_MAX];
};

static inline void fld_add(struct fld *f, const char *s, size_t n)
{
    if ((size_t)f->n + n >= FLD_MAX)
        BUG("gen: field value over %d bytes", FLD_MAX);
    memcpy(f->s + f->n, s, n);
    f->n += (int)n;
    f->s[f->n] = '\0';
}

static inline void fld_adds(struct fld *f, const char *s)
{
    fld_add(f, s, strlen(s));
}

static inline void fld_addc(struct fld *f, char c)
{
    fld_add(f, &c, 1);
}

static inline void fld_clear(struct fld *f)
{
    f->n = 0;
    f->s[0] = '\0';
}

static inline void fld_set(struct fld *f, const char *s)
{
    fld_clear(f);
    fld_adds(f, s);
}

/* Bytes of the character that starts with c. */
static inline int u8len(char c)
{
    return ((unsigned char)c & 0x80) ? 2 : 1;
}

/* Decimal, zero-padded to at least width digits. */
void fld_addu(struct fld *f, uint64_t v, int width);

/* Upper / lower case in place, Latin-1 letters included (ß and ÿ stay). */
void fld_upper(struct fld *f);
void fld_lower(struct fld *f);

/*
 * Append s without accents. lower: all lower case without spaces and
 * apostrophes (for e-mail addresses); umlaut_e: ä -> ae, as Germans write it.
 */
void fld_fold(struct fld *f, const char *s, bool lower, bool umlaut_e);

bool fld_has_accent(const struct fld *f);

/* One typo: accents dropped, or a substitution, deletion, transposition or doubling. */
void fld_typo(struct fld *f, struct rng *r);

enum date_fmt {
    D_ISO,         /* 1985-03-07 */
    D_DMY,         /* 07/03/1985 */
    D_LONG_NL,     /* 7 maart 1985 */
    D_COMPACT,     /* 19850307 */
    D_DMY_DASH_YY, /* 07-03-85 */
    D_LONG_EN,     /* March 7, 1985 */
    D_LONG_DE,     /* 7. März 1985 */
    D_LONG_FR,     /* 7 mars 1985 */
    D_DMY_DOT,     /* 07.03.1985 */
};

/* Append a date; the day is not checked (impossible dates are wanted dirt). */
void fld_date(struct fld *f, int y, int m, int d, enum date_fmt fmt);

/* Append "2025-03-14T10:22:31Z" for t seconds since the epoch. */
void fld_iso(struct fld *f, int64_t t);

/* Append cents as "59.90" or "59,90". */
void fld_money(struct fld *f, int64_t cents, char sep);

int64_t gen_days_from_civil(int y, int m, int d);
void gen_civil_from_days(int64_t days, int *y, int *m, int *d);
int gen_days_in_month(int y, int m);

/* EAN-13 (with its check digit) from the first 12 digits. */
void gen_ean13(char out[14], uint64_t first12);

/* ---- households, persons, records (gen_person.c) -------------------------- */

struct phone {
    char d[16];  /* national significant number, digits only ("475123456") */
    int n, area; /* digits; length of the area code or mobile prefix */
    bool mobile;
};

struct addr {
    const struct gen_city *city;
    const char *street;
    int number;
    char suffix[16]; /* "A", " bus 3", "-2", " bis" */
    struct fld postcode;
};

/* What the members of a household share. */
struct house {
    uint64_t start; /* index of its first member (the head) */
    int size;
    enum gen_style_id style;
    enum gen_country cc;
    enum gen_lang lang;
    struct addr a;
    const char *surname, *partner_surname;
    struct phone landline; /* n == 0: none */
    int store;             /* home store, index into gen_stores */
    int head_gender, head_year;
    struct fld family_email; /* "familie.peeters@telenet.be"; empty for one person */
};

/* The truth about one person. */
struct person {
    uint64_t idx;
    int role; /* 0 head, 1 partner, 2.. child */
    const struct house *h;
    int gender; /* 0 female, 1 male */
    const char *first, *last;
    int by, bm, bd;
    struct phone mobile; /* n == 0: none */
    struct fld email, email_alt, email_dup;
    struct fld employer; /* domain: "bouw-peeters.be" */
};

/* One profile record as a source holds it: formats, habits and dirt applied. */
struct rec {
    struct fld first, last, salutation, birth, email, phone, phone2;
    struct fld street, house, postcode, city, country, lang;
    int gender; /* 0 female, 1 male, -1 not given */
};

/* The household of person j: its first member and size. */
void gen_household_of(const struct gen_world *w, uint64_t j, uint64_t *start, int *size);

void gen_house_make(const struct gen_world *w, uint64_t start, int size, struct house *h);

/* Person j of household h; h is borrowed and must outlive p. */
void gen_person_make(const struct gen_world *w, uint64_t j, const struct house *h,
                     struct person *p);

/* Person p's record in src (dup: a second account), drawing from r. */
void gen_rec_fill(const struct gen_world *w, const struct person *p, enum gen_source src, bool dup,
                  struct rng *r, struct rec *rc);

/* A test record ("Mickey Mouse", test@test.com): no person behind it. */
void gen_rec_test(enum gen_source src, struct rng *r, struct rec *rc);

#endif
