/*
 * gen_person.c — households, persons and their records in each source, for
 * `rondo gen` (see gen_int.h).
 *
 * A person is rebuilt from its own random streams whenever it is needed (its
 * record, its second account), so nothing about it is stored. The truth
 * (struct person) is clean; gen_rec_fill() then applies the habits of the
 * source (date and phone formats, country names) and the dirt: typos,
 * nicknames, swapped names, case, spaces, other and broken e-mail addresses,
 * phone formats and invalid numbers, missing fields, moved addresses,
 * postcode forms. Rates are those of the spec at --dirt medium.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gen/gen_int.h"

/* ---- households and persons ---------------------------------------------- */

void gen_household_of(const struct gen_world *w, uint64_t j, uint64_t *start, int *size)
{
    uint64_t pos = j / GEN_HH_BLOCK * GEN_HH_BLOCK, end = pos + GEN_HH_BLOCK;
    if (end > w->n)
        end = w->n;
    struct rng r;
    rng_init(&r, w->seed, j / GEN_HH_BLOCK, P_BLOCK);
    for (;;) {
        uint64_t sz = 1;
        if (rng_chance(&r, 0.184)) { /* 40 % of persons live with 1-4 others */
            int u = rng_below(&r, 100);
            sz = u < 45 ? 2 : u < 70 ? 3 : u < 90 ? 4 : 5;
        }
        if (pos + sz > end)
            sz = end - pos;
        if (j < pos + sz) {
            *start = pos;
            *size = (int)sz;
            return;
        }
        pos += sz;
    }
}

static void phone_digits(struct phone *ph, struct rng *r, const char *prefix, int total)
{
    int n = (int)strlen(prefix);
    memcpy(ph->d, prefix, (size_t)n);
    while (n < total)
        ph->d[n++] = (char)('0' + rng_below(r, 10));
    ph->d[n] = '\0';
    ph->n = n;
}

static void mobile_make(struct phone *ph, struct rng *r, enum gen_country cc)
{
    static const char *const de[] = {"151", "152", "157", "159", "160", "162", "163", "170",
                                     "171", "172", "173", "174", "175", "176", "177", "179"};
    static const char *const be[] = {"460", "468", "470", "471", "472", "473", "474", "475",
                                     "476", "477", "478", "479", "484", "485", "486", "487",
                                     "488", "489", "491", "492", "493", "494", "495", "496"};
    static const char *const lu[] = {"621", "628", "661", "668", "691", "698"};
    static const char *const gb[] = {"74", "75", "77", "78", "79"};
    ph->mobile = true;
    switch (cc) {
    case GEN_BE:
        phone_digits(ph, r, be[rng_below(r, 24)], 9);
        ph->area = 3;
        break;
    case GEN_NL:
        phone_digits(ph, r, "6", 9);
        ph->area = 1;
        break;
    case GEN_FR:
        phone_digits(ph, r, rng_chance(r, 0.7) ? "6" : "7", 9);
        ph->area = 1;
        break;
    case GEN_DE: {
        const char *p = de[rng_below(r, 16)];
        phone_digits(ph, r, p, p[1] == '5' ? 11 : 10 + rng_below(r, 2));
        ph->area = 3;
        break;
    }
    case GEN_GB:
        phone_digits(ph, r, gb[rng_below(r, 5)], 10);
        ph->area = 4;
        break;
    default:
        phone_digits(ph, r, lu[rng_below(r, 6)], 9);
        ph->area = 3;
        break;
    }
}

static void landline_make(struct phone *ph, struct rng *r, enum gen_country cc, int area)
{
    /* national significant digits: BE 8, NL 9, FR 9, DE 10, GB 10, LU 8 (2x xx xx xx) */
    static const int len[GEN_NCOUNTRIES] = {8, 9, 9, 10, 10, 8};
    char a[12]; /* the area code, then a first digit that is no 0 or 1 */
    int n = snprintf(a, sizeof(a), "%d%d", area ? area : 2, rng_range(r, 2, 9));
    phone_digits(ph, r, a, len[cc]);
    ph->area = n - 1;
    ph->mobile = false;
}

static void postcode_make(struct fld *f, struct rng *r, const struct gen_city *city,
                          enum gen_country cc)
{
    static const char nl_letters[] = "ABCDEGHJKLMNPRSTVWXZ";
    static const char gb_letters[] = "ABDEFGHJLNPQRSTUWXYZ";
    int v;
    if (city->pcs) {
        int n = 0;
        while (city->pcs[n])
            n++;
        v = city->pcs[rng_below(r, n)];
    } else {
        v = city->pc_lo +
            city->pc_step * rng_below(r, (city->pc_hi - city->pc_lo) / city->pc_step + 1);
    }
    f->n = 0;
    f->s[0] = '\0';
    switch (cc) {
    case GEN_NL:
        fld_addu(f, (uint64_t)v, 4);
        fld_addc(f, ' ');
        do {
            f->n = 5;
            fld_addc(f, nl_letters[rng_below(r, 20)]);
            fld_addc(f, nl_letters[rng_below(r, 20)]);
        } while (f->s[5] == 'S' && (f->s[6] == 'A' || f->s[6] == 'D' || f->s[6] == 'S'));
        break;
    case GEN_FR:
    case GEN_DE:
        fld_addu(f, (uint64_t)v, 5);
        break;
    case GEN_GB:
        fld_adds(f, city->gb_area);
        fld_addu(f, (uint64_t)v, 1);
        fld_addc(f, ' ');
        fld_addu(f, (uint64_t)rng_below(r, 10), 1);
        fld_addc(f, gb_letters[rng_below(r, 20)]);
        fld_addc(f, gb_letters[rng_below(r, 20)]);
        break;
    default:
        fld_addu(f, (uint64_t)v, 4);
        break;
    }
}

static void addr_make(struct addr *a, struct rng *r, enum gen_style_id st)
{
    const struct gen_style *s = &gen_styles[st];
    a->city = &s->cities[rng_skewed(r, s->ncities)];
    a->street = rng_pick(r, s->streets);
    a->number = 1 + rng_skewed(r, 240);
    a->suffix[0] = '\0';
    int u = rng_below(r, 100);
    const char *sfx = NULL;
    char box[16];
    switch (s->country) {
    case GEN_BE:
        if (u < 8) {
            sfx = u < 4 ? "A" : "B";
        } else if (u < 16) {
            snprintf(box, sizeof(box), "%s%d", st == GEN_STYLE_BE_FR ? " bte " : " bus ",
                     1 + rng_below(r, 12));
            sfx = box;
        }
        break;
    case GEN_NL:
        if (u < 8)
            sfx = u < 4 ? "A" : u < 6 ? "B" : "-1";
        else if (u < 12)
            sfx = u < 10 ? "-2" : " II";
        break;
    case GEN_FR:
        sfx = u < 5 ? " bis" : u < 8 ? "B" : NULL;
        break;
    case GEN_DE:
        sfx = u < 6 ? "a" : u < 9 ? "b" : NULL;
        break;
    default:
        sfx = u < 5 ? "A" : NULL;
        break;
    }
    if (sfx)
        snprintf(a->suffix, sizeof(a->suffix), "%s", sfx);
    postcode_make(&a->postcode, r, a->city, s->country);
}

static const char *provider(struct rng *r, enum gen_country cc)
{
    const struct gen_country_info *ci = &gen_countries[cc];
    int total = 0;
    for (int i = 0; i < ci->nproviders; i++)
        total += ci->providers[i].weight;
    int u = rng_below(r, total);
    for (int i = 0; i < ci->nproviders; i++) {
        u -= ci->providers[i].weight;
        if (u < 0)
            return ci->providers[i].s;
    }
    return ci->providers[0].s;
}

/*
 * An address built from the names: "jan.peeters85@telenet.be", "j.peeters@...".
 * numbers: 0 never (work addresses), 1 as people choose, 2 always, 3 to 5 digits
 * (the provider's second offer when the first was taken).
 */
static void email_make(struct fld *e, struct rng *r, const char *first, const char *last, int by,
                       const char *domain, int pattern, int numbers)
{
    struct fld f = {0}, l = {0};
    bool umlaut_e = rng_chance(r, 0.6), hyphen = rng_chance(r, 0.5);
    fld_fold(&f, first, true, umlaut_e);
    fld_fold(&l, last, true, umlaut_e);
    if (!hyphen) {
        struct fld t = {0};
        for (int i = 0; i < f.n; i++)
            if (f.s[i] != '-')
                fld_addc(&t, f.s[i]);
        f = t;
    }
    static const char *const sep[8] = {".", "", ".", "_", ".", "", "", ""};
    e->n = 0;
    switch (pattern) {
    case 0:
    case 1:
    case 3:
        fld_adds(e, f.s);
        fld_adds(e, sep[pattern]);
        fld_adds(e, l.s);
        break;
    case 2:
    case 6:
        fld_addc(e, f.s[0]);
        fld_adds(e, sep[pattern]);
        fld_adds(e, l.s);
        break;
    case 4:
        fld_adds(e, l.s);
        fld_addc(e, '.');
        fld_adds(e, f.s);
        break;
    case 5:
        fld_adds(e, f.s);
        fld_addc(e, l.s[0]);
        break;
    default:
        fld_adds(e, f.s);
        break;
    }
    /* the short forms carry a number, as the provider wanted a free address */
    if (numbers == 2 || (numbers && (pattern == 2 || pattern >= 5 || rng_chance(r, 0.55)))) {
        int u = pattern == 7 || numbers == 2 ? 9 : rng_below(r, 10);
        if (u < 3)
            fld_addu(e, (uint64_t)(by % 100), 2);
        else if (u < 5)
            fld_addu(e, (uint64_t)by, 4);
        else if (u < 7)
            fld_addu(e, (uint64_t)rng_range(r, 1, 99), 1);
        else
            fld_addu(e, (uint64_t)rng_range(r, 100, pattern == 7 || numbers == 2 ? 99999 : 9999),
                     1);
    }
    fld_addc(e, '@');
    fld_adds(e, domain);
}

/* An employer's domain: "bouw-peeters.be", "weber-logistik.de", "smithpartners.co.uk". */
static void employer_make(struct fld *f, struct rng *r, const struct house *h)
{
    const struct gen_style *s = &gen_styles[h->style];
    const struct gen_country_info *ci = &gen_countries[h->cc];
    struct fld name = {0};
    fld_fold(&name, s->surnames.v[rng_below(r, s->surnames.n)], true, true);
    const char *trade = rng_pick(r, ci->trades);
    int form = rng_below(r, 3);
    fld_clear(f);
    fld_adds(f, form == 0 ? trade : name.s);
    if (form < 2)
        fld_addc(f, '-');
    fld_adds(f, form == 0 ? name.s : trade);
    fld_addc(f, '.');
    fld_adds(f, ci->tld);
}

/* Variant 2: unique by construction, "local.<digits>" is no natural form. */
static void email_unique(struct fld *e, uint64_t j, enum gen_email_kind k)
{
    char *at = strchr(e->s, '@');
    struct fld t = {0};
    fld_add(&t, e->s, (size_t)(at - e->s));
    fld_addc(&t, '.');
    fld_addu(&t, 100000 + j * EM_KINDS + k, 1);
    fld_adds(&t, at);
    *e = t;
}

/* "familie.peeters@telenet.be": for households of two or more. */
static void family_email(const struct gen_world *w, struct house *h)
{
    static const char *const fam[GEN_NLANGS] = {"familie.", "famille.", "familie.", "the"};
    fld_clear(&h->family_email);
    if (h->size < 2)
        return;
    int v = gen_variant(w, h->start, EM_FAMILY);
    struct rng r;
    rng_init(&r, w->seed, h->start, P_EMAIL + 3 * EM_FAMILY + (v == 1));
    struct fld l = {0};
    fld_fold(&l, h->surname, true, true);
    fld_adds(&h->family_email, fam[h->lang]);
    fld_adds(&h->family_email, l.s);
    if (h->lang == GEN_LANG_EN)
        fld_addc(&h->family_email, 's');
    if (v == 1 || rng_chance(&r, 0.4))
        fld_addu(&h->family_email, (uint64_t)rng_range(&r, 1, v == 1 ? 9999 : 99), 1);
    fld_addc(&h->family_email, '@');
    fld_adds(&h->family_email, provider(&r, h->cc));
    if (v == 2)
        email_unique(&h->family_email, h->start, EM_FAMILY);
}

/* Person p's address of kind k, in the variant phase 1 chose (see gen.c). */
static void person_email(const struct gen_world *w, const struct person *p, enum gen_email_kind k,
                         struct fld *e)
{
    int v = gen_variant(w, p->idx, k);
    struct rng r;
    rng_init(&r, w->seed, p->idx, P_EMAIL + 3 * k + (v == 1));
    int numbers = v == 1 ? 2 : 1;
    enum gen_country cc = p->h->cc;
    if (k == EM_ALT && rng_chance(&r, 0.5)) /* at work: no numbers in it */
        email_make(e, &r, p->first, p->last, p->by, p->employer.s, rng_chance(&r, 0.7) ? 0 : 2,
                   v == 1 ? 2 : 0);
    else
        email_make(e, &r, p->first, p->last, p->by, provider(&r, cc), rng_below(&r, 8), numbers);
    if (v == 2)
        email_unique(e, p->idx, k);
}

void gen_house_make(const struct gen_world *w, uint64_t start, int size, struct house *h)
{
    static const int style_w[GEN_NSTYLES] = {20, 20, 25, 15, 10, 7, 3};
    struct rng r;
    rng_init(&r, w->seed, start, P_HOUSE);
    h->start = start;
    h->size = size;
    int u = rng_below(&r, 100), st = 0;
    while (u >= style_w[st])
        u -= style_w[st++];
    h->style = (enum gen_style_id)st;
    const struct gen_style *s = &gen_styles[st];
    h->cc = s->country;
    h->lang = st == GEN_STYLE_LU && rng_chance(&r, 0.4) ? GEN_LANG_DE : s->lang;
    addr_make(&h->a, &r, h->style);
    h->surname = s->surnames.v[rng_skewed(&r, s->surnames.n)];
    h->partner_surname = h->surname;
    if (rng_chance(&r, 0.45)) {
        /* keeps her or his own name; now and then from the other language group */
        const struct gen_style *o = rng_chance(&r, 0.1) ? &gen_styles[rng_below(&r, 4)] : s;
        h->partner_surname = o->surnames.v[rng_skewed(&r, o->surnames.n)];
    }
    h->landline.n = 0;
    if (rng_chance(&r, 0.35))
        landline_make(&h->landline, &r, h->cc, h->a.city->phone_area);
    int local[32], nlocal = 0;
    for (int i = 0; i < gen_nstores && nlocal < 32; i++)
        if (gen_stores[i].style == h->style)
            local[nlocal++] = i;
    h->store = nlocal ? local[rng_below(&r, nlocal)] : rng_below(&r, gen_nstores);
    h->head_gender = rng_below(&r, 2);
    h->head_year = size >= 3 ? rng_range(&r, 1950, 1976)
                             : (rng_range(&r, 1940, 2006) + rng_range(&r, 1950, 2002)) / 2;
    family_email(w, h);
}

void gen_person_make(const struct gen_world *w, uint64_t j, const struct house *h, struct person *p)
{
    const struct gen_style *s = &gen_styles[h->style];
    struct rng r;
    rng_init(&r, w->seed, j, P_PERSON);
    p->idx = j;
    p->h = h;
    p->role = (int)(j - h->start);
    if (p->role == 0)
        p->gender = h->head_gender;
    else if (p->role == 1)
        p->gender = rng_chance(&r, 0.92) ? !h->head_gender : h->head_gender;
    else
        p->gender = rng_below(&r, 2);
    struct gen_list names = p->gender ? s->male : s->female;
    p->first = names.v[rng_skewed(&r, names.n)];
    p->last = p->role == 1 ? h->partner_surname : h->surname;
    if (p->role == 0)
        p->by = h->head_year;
    else if (p->role == 1)
        p->by = h->head_year + rng_range(&r, -6, 6);
    else /* an adult child: heads of such households are born 1976 at the latest */
        p->by =
            h->head_year + rng_range(&r, 22, 2007 - h->head_year < 38 ? 2007 - h->head_year : 38);
    if (p->by > 2007)
        p->by = 2007;
    p->bm = rng_range(&r, 1, 12);
    p->bd = rng_range(&r, 1, gen_days_in_month(p->by, p->bm));
    p->mobile.n = 0;
    if (rng_chance(&r, 0.93))
        mobile_make(&p->mobile, &r, h->cc);
    employer_make(&p->employer, &r, h);
    person_email(w, p, EM_PRIMARY, &p->email);
    person_email(w, p, EM_ALT, &p->email_alt);
    person_email(w, p, EM_DUP, &p->email_dup);
}

/* ---- phone numbers as people write them ---------------------------------- */

enum phone_fmt { PH_GROUPED, PH_COMPACT, PH_SLASH, PH_E164, PH_SPACED, PH_00, PH_TRUNK, NPH };

/* Digit groups of the national form (trunk 0 included): "0475 12 34 56" is 4,2,2,2. */
static int phone_groups(const struct phone *ph, enum gen_country cc, int g[12])
{
    int trunk = gen_countries[cc].trunk_zero, total = ph->n + trunk, ng = 0, rest;
    if (cc == GEN_FR)
        g[ng++] = 2;
    else if (cc == GEN_LU)
        g[ng++] = ph->mobile ? 3 : 2;
    else if (cc == GEN_GB && ph->mobile)
        g[ng++] = 5;
    else
        g[ng++] = ph->area + trunk;
    rest = total - g[0];
    if (cc == GEN_BE && !ph->mobile && ph->area == 1) {
        g[ng++] = 3;
        rest -= 3;
    }
    int step = cc == GEN_BE || cc == GEN_FR || (cc == GEN_LU && !ph->mobile) ? 2
               : cc == GEN_LU                                                ? 3
                                                                             : rest;
    while (rest > 0 && ng < 12) {
        g[ng] = rest < step ? rest : step;
        rest -= g[ng++];
    }
    return ng;
}

static void phone_format(struct fld *f, const struct phone *ph, enum gen_country cc,
                         enum phone_fmt fmt)
{
    const struct gen_country_info *ci = &gen_countries[cc];
    char nat[24];
    int trunk = ci->trunk_zero, g[12], ng = phone_groups(ph, cc, g);
    nat[0] = '0';
    memcpy(nat + trunk, ph->d, (size_t)ph->n + 1);
    f->n = 0;
    if (fmt == PH_COMPACT) {
        fld_adds(f, nat);
        return;
    }
    if (fmt == PH_E164) {
        fld_addc(f, '+');
        fld_addu(f, (uint64_t)ci->calling_code, 1);
        fld_adds(f, ph->d);
        return;
    }
    bool intl = fmt >= PH_SPACED;
    if (intl) {
        fld_adds(f, fmt == PH_00 ? "00" : "+");
        fld_addu(f, (uint64_t)ci->calling_code, 1);
        fld_adds(f, fmt == PH_TRUNK && trunk ? " (0)" : " ");
    }
    /* separators: BE "0475/12.34.56", FR "06.12.34.56.78", NL "06-12345678", DE "0151/..." */
    char first_sep = ' ', sep = ' ';
    if (fmt == PH_SLASH) {
        first_sep = cc == GEN_NL || cc == GEN_GB ? '-' : cc == GEN_FR ? '.' : '/';
        sep = cc == GEN_BE || cc == GEN_FR || cc == GEN_LU ? '.' : '\0';
    }
    int at = intl ? trunk : 0;
    for (int i = 0; i < ng; i++) {
        int len = g[i] - (i == 0 ? at : 0);
        if (i == 1)
            fld_addc(f, first_sep);
        else if (i > 1 && sep)
            fld_addc(f, sep);
        fld_add(f, nat + at, (size_t)len);
        at += len;
    }
}

static const int phone_mix[GEN_NSOURCES][NPH] = {
    [GEN_WEBSHOP] = {35, 20, 10, 15, 10, 6, 4},
    [GEN_STORE] = {45, 25, 20, 4, 4, 1, 1},
    [GEN_APP] = {5, 5, 0, 80, 10, 0, 0},
    [GEN_CRM] = {40, 15, 40, 3, 1, 1, 0},
};

static void rec_phone(const struct gen_world *w, struct fld *f, const struct phone *ph,
                      enum gen_country cc, enum gen_source src, double missing, struct rng *r)
{
    f->n = 0;
    f->s[0] = '\0';
    if (!ph->n || dirt(w, r, missing))
        return;
    int u = rng_below(r, 100), fmt = 0;
    while (u >= phone_mix[src][fmt])
        u -= phone_mix[src][fmt++];
    phone_format(f, ph, cc, (enum phone_fmt)fmt);
    if (dirt(w, r, 0.01)) { /* invalid: digits lost, or a placeholder */
        static const char *const junk[] = {"0000000000", "123456789", "0", "-", "+32"};
        if (rng_chance(r, 0.6) && f->n > 6)
            f->s[f->n -= 2 + rng_below(r, 2)] = '\0';
        else
            fld_set(f, junk[rng_below(r, 5)]);
    }
}

/* ---- one profile record, with this source's habits and dirt --------------- */

static const char *nickname(const char *first, struct rng *r)
{
    for (int i = 0; i < gen_nnicks; i++) {
        if (strcmp(gen_nicks[i].formal, first) != 0)
            continue;
        int n = 0;
        while (n < 4 && gen_nicks[i].alts[n])
            n++;
        return gen_nicks[i].alts[rng_below(r, n)];
    }
    return NULL;
}

static void rec_names(const struct gen_world *w, const struct person *p, enum gen_source src,
                      struct rng *r, struct rec *rc)
{
    fld_set(&rc->first, p->first);
    fld_set(&rc->last, p->last);
    /* a third of the first names have a nickname or translation: 15 % of those */
    if (dirt(w, r, 0.15)) {
        const char *nick = nickname(p->first, r);
        if (nick)
            fld_set(&rc->first, nick);
    }
    if (src == GEN_CRM && dirt(w, r, 0.02)) { /* "J." */
        rc->first.n = u8len(rc->first.s[0]);
        fld_addc(&rc->first, '.');
    }
    if (dirt(w, r, 0.04))
        fld_typo(rng_chance(r, 0.5) ? &rc->first : &rc->last, r);
    if (dirt(w, r, 0.02)) {
        struct fld t = rc->first;
        rc->first = rc->last;
        rc->last = t;
    }
    if (dirt(w, r, src == GEN_CRM ? 0.10 : 0.06)) {
        fld_upper(&rc->last);
        if (rng_chance(r, 0.5))
            fld_upper(&rc->first);
    } else if (dirt(w, r, 0.03)) {
        fld_lower(&rc->first);
        fld_lower(&rc->last);
    }
    if (dirt(w, r, 0.03)) {
        int u = rng_below(r, 3);
        struct fld t = {0};
        if (u == 0) {
            fld_addc(&t, ' ');
            fld_adds(&t, rc->first.s);
            rc->first = t;
        } else if (u == 1) {
            fld_addc(&rc->last, ' ');
        } else {
            char *sp = strchr(rc->last.s, ' ');
            if (sp) {
                fld_add(&t, rc->last.s, (size_t)(sp - rc->last.s));
                fld_addc(&t, ' ');
                fld_adds(&t, sp);
                rc->last = t;
            } else {
                fld_adds(&rc->first, "  ");
            }
        }
    }
}

static void rec_birth(const struct gen_world *w, const struct person *p, enum gen_source src,
                      struct rng *r, struct fld *f)
{
    static const double missing[GEN_NSOURCES] = {0.25, 0.15, 1, 0.10};
    static const enum date_fmt other[] = {D_COMPACT, D_DMY_DASH_YY, D_LONG_EN,
                                          D_LONG_DE, D_LONG_FR,     D_DMY_DOT};
    f->n = 0;
    f->s[0] = '\0';
    if (dirt(w, r, missing[src]))
        return;
    int y = p->by, m = p->bm, d = p->bd;
    if (dirt(w, r, 0.005)) { /* 31/02, 31/04 */
        static const int m30[] = {4, 6, 9, 11};
        m = rng_chance(r, 0.5) ? 2 : m30[rng_below(r, 4)];
        d = m == 2 ? rng_range(r, 30, 31) : 31;
    }
    enum date_fmt fmt = src == GEN_WEBSHOP   ? D_ISO
                        : src == GEN_STORE   ? D_DMY
                        : rng_chance(r, 0.8) ? D_DMY
                                             : D_LONG_NL;
    if (dirt(w, r, 0.03))
        fmt = other[rng_below(r, 6)];
    fld_date(f, y, m, d, fmt);
}

static void email_typo_domain(struct fld *e, struct rng *r)
{
    static const char *const typos[][2] = {
        {"gmail.com", "gmial.com"},     {"gmail.com", "gmail.co"},
        {"gmail.com", "gmai.com"},      {"hotmail.com", "hotmial.com"},
        {"hotmail.com", "hotmail.con"}, {"skynet.be", "skynet.bee"},
        {"telenet.be", "telenet.bee"},  {"telenet.be", "telnet.be"},
        {"outlook.com", "outlok.com"},  {"hotmail.fr", "hotmail.fe"},
        {"orange.fr", "ornage.fr"},     {"web.de", "web.d"},
    };
    char *at = strchr(e->s, '@');
    if (!at)
        return;
    int match[12], nm = 0;
    for (int i = 0; i < 12; i++)
        if (strcmp(at + 1, typos[i][0]) == 0)
            match[nm++] = i;
    e->n = (int)(at + 1 - e->s);
    if (nm) {
        fld_adds(e, typos[match[rng_below(r, nm)]][1]);
        return;
    }
    /* elsewhere: ".com" becomes ".con", or two letters of the name swap */
    size_t dl = strlen(at + 1);
    if (dl > 4 && strcmp(at + 1 + dl - 4, ".com") == 0) {
        e->n = (int)(at + 1 - e->s + dl) - 1;
        fld_addc(e, 'n');
    } else {
        e->n = (int)(at + 1 - e->s + dl);
        char t = at[1];
        at[1] = at[2];
        at[2] = t;
    }
}

static void rec_email(const struct gen_world *w, const struct person *p, enum gen_source src,
                      bool dup, struct rng *r, struct fld *e)
{
    static const double missing[GEN_NSOURCES] = {0, 0.5, 0.05, 0.15};
    e->n = 0;
    e->s[0] = '\0';
    /* the store's e-mail is optional at the till: a habit, not dirt */
    if (src == GEN_STORE ? rng_chance(r, missing[src]) : dirt(w, r, missing[src]))
        return;
    if (dup)
        *e = rng_chance(r, 0.8) ? p->email_dup : p->email;
    else if (dirt(w, r, 0.25))
        *e = p->email_alt;
    else if (p->h->family_email.n && dirt(w, r, 0.04))
        *e = p->h->family_email;
    else
        *e = p->email;
    if (dirt(w, r, 0.01)) {
        fld_set(e, rng_pick(r, gen_role_locals));
        fld_addc(e, '@');
        fld_adds(e, p->employer.s);
    }
    if (dirt(w, r, 0.02))
        email_typo_domain(e, r);
    if (dirt(w, r, 0.03)) {
        if (rng_chance(r, 0.5)) {
            fld_upper(e);
        } else { /* "Jan.Peeters@Telenet.be" */
            e->s[0] = (char)(e->s[0] >= 'a' && e->s[0] <= 'z' ? e->s[0] - 32 : e->s[0]);
            char *at = strchr(e->s, '@');
            if (at && at[1] >= 'a' && at[1] <= 'z')
                at[1] = (char)(at[1] - 32);
        }
    }
    if (dirt(w, r, 0.02)) {
        struct fld t = {0};
        int u = rng_below(r, 3);
        if (u != 1)
            fld_addc(&t, ' ');
        fld_adds(&t, e->s);
        if (u != 0)
            fld_addc(&t, ' ');
        *e = t;
    }
}

static void rec_house_number(const struct addr *a, struct rng *r, struct fld *f)
{
    f->n = 0;
    fld_addu(f, (uint64_t)a->number, 1);
    if (strncmp(a->suffix, " bus ", 5) == 0 || strncmp(a->suffix, " bte ", 5) == 0) {
        /* a box number ("bus 3") is written many ways: "12/3", "12 b3", "12 boîte 3" */
        static const char *const forms[] = {NULL, "/", " b", " bus ", " boîte "};
        const char *form = forms[rng_below(r, 5)];
        fld_adds(f, form ? form : a->suffix);
        if (form)
            fld_adds(f, a->suffix + 5);
    } else {
        fld_adds(f, a->suffix);
    }
}

static void rec_postcode(const struct gen_world *w, enum gen_country cc, struct rng *r,
                         struct fld *f)
{
    if (cc == GEN_NL && dirt(w, r, 0.20)) { /* "1234AB", "1234ab" */
        memmove(f->s + 4, f->s + 5, 3);
        f->n--;
        if (rng_chance(r, 0.5))
            fld_lower(f);
    } else if ((cc == GEN_FR || cc == GEN_DE) && f->s[0] == '0' && dirt(w, r, 0.02)) {
        memmove(f->s, f->s + 1, (size_t)f->n--);
    } else if (cc == GEN_GB && dirt(w, r, 0.10)) {
        if (rng_chance(r, 0.5)) {
            fld_lower(f);
        } else {
            char *sp = strchr(f->s, ' ');
            memmove(sp, sp + 1, strlen(sp));
            f->n--;
        }
    } else if ((cc == GEN_LU && dirt(w, r, 0.3)) || (cc == GEN_BE && dirt(w, r, 0.02))) {
        struct fld t = {0};
        fld_adds(&t, cc == GEN_LU ? "L-" : "B-");
        fld_adds(&t, f->s);
        *f = t;
    }
}

static void rec_address(const struct gen_world *w, const struct person *p, enum gen_source src,
                        struct rng *r, struct rec *rc)
{
    static const double missing[GEN_NSOURCES] = {0.05, 0.10, 1, 0.05};
    rc->street.n = rc->house.n = rc->postcode.n = rc->city.n = 0;
    rc->street.s[0] = rc->house.s[0] = rc->postcode.s[0] = rc->city.s[0] = '\0';
    if (dirt(w, r, missing[src]))
        return;
    enum gen_country cc = p->h->cc;
    struct addr moved;
    const struct addr *a = &p->h->a;
    if (dirt(w, r, 0.04)) { /* an address from before a move: the same one in every source */
        struct rng m;
        rng_init(&m, w->seed, p->idx, P_MOVED);
        addr_make(&moved, &m, p->h->style);
        a = &moved;
    }
    fld_set(&rc->street, a->street);
    rec_house_number(a, r, &rc->house);
    if (dirt(w, r, 0.04)) { /* the number in the street field */
        struct fld t = {0};
        if (cc == GEN_FR || cc == GEN_GB || cc == GEN_LU) {
            fld_adds(&t, rc->house.s);
            fld_adds(&t, rng_chance(r, 0.5) ? ", " : " ");
            fld_adds(&t, rc->street.s);
        } else {
            fld_adds(&t, rc->street.s);
            fld_addc(&t, ' ');
            fld_adds(&t, rc->house.s);
        }
        rc->street = t;
        rc->house.n = 0;
        rc->house.s[0] = '\0';
    } else if (dirt(w, r, 0.05)) {
        rc->house.n = 0;
        rc->house.s[0] = '\0';
    }
    if (src == GEN_WEBSHOP && dirt(w, r, 0.002)) /* a second address line, typed in a textarea */
        fld_adds(&rc->street, (const char *const[]){"\n2de verdieping", "\nappartement 2",
                                                    "\n2. Etage", "\nFlat 2"}[p->h->lang]);
    if (!dirt(w, r, 0.05)) {
        rc->postcode = a->postcode;
        rec_postcode(w, cc, r, &rc->postcode);
    }
    if (dirt(w, r, 0.03))
        return;
    fld_set(&rc->city, a->city->alt && dirt(w, r, 0.10) ? a->city->alt : a->city->name);
    if (dirt(w, r, src == GEN_WEBSHOP ? 0.04 : 0.08))
        fld_upper(&rc->city);
    else if (dirt(w, r, 0.02))
        fld_lower(&rc->city);
    if (dirt(w, r, 0.01))
        fld_typo(&rc->city, r);
}

static void rec_country(const struct gen_world *w, enum gen_country cc, enum gen_lang lang,
                        enum gen_source src, struct rng *r, struct fld *f)
{
    const struct gen_country_info *ci = &gen_countries[cc];
    f->n = 0;
    f->s[0] = '\0';
    if (dirt(w, r, 0.05))
        return;
    if ((src == GEN_CRM && rng_chance(r, 0.6)) || (src == GEN_STORE && rng_chance(r, 0.3)))
        fld_set(f, ci->names[rng_chance(r, 0.6) ? GEN_LANG_NL : lang]);
    else
        fld_set(f, ci->alpha2);
    if (dirt(w, r, 0.10)) {
        int u = rng_below(r, 100);
        if (u < 40)
            fld_set(f, ci->names[rng_below(r, GEN_NLANGS)]);
        else if (u < 65)
            fld_set(f, ci->alpha3);
        else if (u < 85)
            fld_lower(f);
        else
            fld_set(f, rng_pick(r, ci->variants));
    }
    if (dirt(w, r, 0.01))
        fld_set(f, rng_pick(r, ci->typos));
}

static void rec_lang(const struct gen_world *w, enum gen_lang lang, enum gen_country cc,
                     enum gen_source src, struct rng *r, struct fld *f)
{
    const struct gen_lang_info *li = &gen_langs[lang];
    f->n = 0;
    f->s[0] = '\0';
    if (dirt(w, r, 0.05))
        return;
    if (src == GEN_CRM) {
        fld_set(f, rng_chance(r, 0.9) ? li->crm_code : li->crm_name);
        return;
    }
    fld_set(f, li->code);
    if (dirt(w, r, 0.03)) { /* a locale instead: "nl-BE", "fr_FR" */
        fld_addc(f, rng_chance(r, 0.5) ? '-' : '_');
        fld_adds(f, gen_countries[cc].alpha2);
    }
}

void gen_rec_fill(const struct gen_world *w, const struct person *p, enum gen_source src, bool dup,
                  struct rng *r, struct rec *rc)
{
    enum gen_country cc = p->h->cc;
    enum gen_lang lang = p->h->lang;
    rec_names(w, p, src, r, rc);
    rc->gender = src == GEN_WEBSHOP && dirt(w, r, 0.15) ? -1 : p->gender;
    rc->salutation.n = 0;
    rc->salutation.s[0] = '\0';
    if (!dirt(w, r, 0.10)) {
        /* the till or the call centre uses its own language now and then */
        enum gen_lang sl = rng_chance(r, 0.05) ? GEN_LANG_NL : lang;
        fld_set(&rc->salutation, rng_pick(r, gen_langs[sl].salutation[p->gender]));
    }
    rec_birth(w, p, src, r, &rc->birth);
    rec_email(w, p, src, dup, r, &rc->email);
    if (src == GEN_CRM) {
        rec_phone(w, &rc->phone, &p->h->landline, cc, src, 0.2, r);
        rec_phone(w, &rc->phone2, &p->mobile, cc, src, 0.2, r);
        if (!p->h->landline.n && dirt(w, r, 0.2)) { /* the mobile in the landline column */
            rc->phone = rc->phone2;
            fld_clear(&rc->phone2);
        }
    } else {
        static const double missing[GEN_NSOURCES] = {0.30, 0.20, 0.40, 0};
        const struct phone *ph = &p->mobile;
        if (src != GEN_APP && p->h->landline.n && rng_chance(r, 0.2))
            ph = &p->h->landline;
        rec_phone(w, &rc->phone, ph, cc, src, missing[src], r);
    }
    if (src != GEN_APP)
        rec_address(w, p, src, r, rc);
    rec_country(w, cc, lang, src, r, &rc->country);
    rec_lang(w, lang, cc, src, r, &rc->lang);
}

/* A test record: not a person, and looks it. */
void gen_rec_test(enum gen_source src, struct rng *r, struct rec *rc)
{
    static const char *const phones[] = {"0000000000", "0123456789", "", "+32000000000"};
    const struct gen_test_identity *t = &gen_test_identities[rng_below(r, gen_ntest_identities)];
    memset(rc, 0, sizeof(*rc));
    fld_set(&rc->first, t->first);
    fld_set(&rc->last, t->last);
    if (rng_chance(r, 0.2)) {
        fld_upper(&rc->first);
        fld_upper(&rc->last);
    }
    rc->gender = -1;
    if (src != GEN_STORE || rng_chance(r, 0.7))
        fld_set(&rc->email, t->email);
    fld_set(&rc->phone, phones[rng_below(r, 4)]);
    if (rng_chance(r, 0.5))
        fld_set(&rc->birth, src == GEN_WEBSHOP ? "1900-01-01" : "01/01/1900");
    fld_set(&rc->street, rng_chance(r, 0.5) ? "Teststraat" : "test");
    fld_set(&rc->house, "1");
    fld_set(&rc->postcode, rng_chance(r, 0.5) ? "1000" : "9999");
    fld_set(&rc->city, rng_chance(r, 0.5) ? "Test" : "Brussel");
    fld_set(&rc->country, "BE");
    fld_set(&rc->lang, src == GEN_CRM ? "NL" : "nl");
}
