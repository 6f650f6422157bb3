/*
 * gen_text.c — bounded field values for `rondo gen`: decimal numbers, case,
 * accents, typos, dates, money and EAN check digits (see gen_int.h).
 *
 * Text is UTF-8 within Latin-1, so a non-ASCII character is always two bytes
 * (C2 xx or C3 xx); the functions rely on that and on nothing else.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gen/gen_int.h"

/* Decimal, zero-padded to at least width digits. */
void fld_addu(struct fld *f, uint64_t v, int width)
{
    char t[24];
    int n = 0;
    do {
        t[sizeof(t) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width && n < 20)
        t[sizeof(t) - 1 - n++] = '0';
    fld_add(f, t + sizeof(t) - n, (size_t)n);
}

/* Upper/lower case in place, Latin-1 letters included (ß and ÿ stay). */
void fld_upper(struct fld *f)
{
    for (int i = 0; i < f->n; i++) {
        unsigned char c = (unsigned char)f->s[i];
        if (c >= 'a' && c <= 'z') {
            f->s[i] = (char)(c - 32);
        } else if (c == 0xC3 && i + 1 < f->n) {
            unsigned char d = (unsigned char)f->s[++i];
            if (d >= 0xA0 && d <= 0xBE && d != 0xB7)
                f->s[i] = (char)(d - 0x20);
        } else if (c & 0x80) {
            i++;
        }
    }
}

void fld_lower(struct fld *f)
{
    for (int i = 0; i < f->n; i++) {
        unsigned char c = (unsigned char)f->s[i];
        if (c >= 'A' && c <= 'Z') {
            f->s[i] = (char)(c + 32);
        } else if (c == 0xC3 && i + 1 < f->n) {
            unsigned char d = (unsigned char)f->s[++i];
            if (d >= 0x80 && d <= 0x9E && d != 0x97)
                f->s[i] = (char)(d + 0x20);
        } else if (c & 0x80) {
            i++;
        }
    }
}

/* ASCII for the Latin-1 letters U+00C0..U+00FF, lower case. */
static const char *const fold_c3[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "x", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

/*
 * Append s without accents. lower: all lower case, drop spaces and
 * apostrophes (for e-mail addresses); umlaut_e: ä -> ae as Germans write it.
 */
void fld_fold(struct fld *f, const char *s, bool lower, bool umlaut_e)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            if (lower && (c == ' ' || c == '\''))
                continue;
            fld_addc(f, (char)(lower && c >= 'A' && c <= 'Z' ? c + 32 : c));
            continue;
        }
        unsigned char d = (unsigned char)s[1];
        if (!d)
            break;
        s++;
        if (c != 0xC3)
            continue;
        const char *a = fold_c3[d & 0x3F];
        if (!*a)
            continue; /* ÷ */
        bool upper = d < 0xA0 && !lower;
        bool uml = umlaut_e && ((d & 0xDF) == 0x84 || (d & 0xDF) == 0x96 || (d & 0xDF) == 0x9C);
        fld_addc(f, upper ? (char)(a[0] - 32) : a[0]);
        if (uml)
            fld_addc(f, 'e');
        else if (a[1])
            fld_adds(f, a + 1);
    }
}

bool fld_has_accent(const struct fld *f)
{
    for (int i = 0; i < f->n; i++)
        if ((unsigned char)f->s[i] >= 0x80)
            return true;
    return false;
}

/* Neighbouring keys on a QWERTY keyboard, for substitution typos. */
static const char *const keys_near[26] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko",
    "huikmn", "jiolm", "kop",  "njk",    "bhjm", "iklp",   "ol",     "wa",     "edft",
    "awedxz", "rfgy",  "yhji", "cfgb",   "qase", "zsdc",   "tghu",   "asx",
};

/* One typo: accents dropped, or a substitution, deletion, transposition or doubling. */
void fld_typo(struct fld *f, struct rng *r)
{
    int pos[FLD_MAX + 1], np = 0;
    for (int i = 0; i < f->n; i += u8len(f->s[i]))
        pos[np++] = i;
    pos[np] = f->n;
    if (np < 3)
        return;
    struct fld t = {0};
    int op = rng_below(r, 5);
    if (op == 4 && fld_has_accent(f)) {
        fld_fold(&t, f->s, false, false);
        *f = t;
        return;
    }
    int k = 1 + rng_below(r, np - 2); /* never the first letter; k + 1 < np */
    char c = f->s[pos[k]];
    bool letter = (c | 32) >= 'a' && (c | 32) <= 'z';
    if (!letter && op != 2)
        op = 1; /* "Vanden Broeck", "JeanPierre" */
    fld_add(&t, f->s, (size_t)pos[k]);
    int from = pos[k + 1];
    if (op == 0 || op == 4) {
        const char *near = keys_near[(c | 32) - 'a'];
        char s = near[rng_below(r, (int)strlen(near))];
        fld_addc(&t, (c & 32) ? s : (char)(s - 32));
    } else if (op == 2) {
        fld_add(&t, f->s + pos[k + 1], (size_t)(pos[k + 2] - pos[k + 1]));
        fld_add(&t, f->s + pos[k], (size_t)(pos[k + 1] - pos[k]));
        from = pos[k + 2];
    } else if (op == 3) {
        fld_add(&t, f->s + pos[k], (size_t)(pos[k + 1] - pos[k]));
        fld_add(&t, f->s + pos[k], (size_t)(pos[k + 1] - pos[k]));
    }
    fld_add(&t, f->s + from, (size_t)(f->n - from));
    *f = t;
}

/* ---- dates and numbers --------------------------------------------------- */

int64_t gen_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void gen_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int gen_days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* "2025-03-14T10:22:31Z", written directly: there are millions of them. */
void fld_iso(struct fld *f, int64_t t)
{
    int y, m, d;
    int64_t days = t >= 0 ? t / GEN_DAY : (t - GEN_DAY + 1) / GEN_DAY, s = t - days * GEN_DAY;
    gen_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        BUG("gen: year %d out of range", y);
    char b[21] = "0000-00-00T00:00:00Z";
    put2(b, y / 100);
    put2(b + 2, y % 100);
    put2(b + 5, m);
    put2(b + 8, d);
    put2(b + 11, (int)(s / 3600));
    put2(b + 14, (int)(s / 60 % 60));
    put2(b + 17, (int)(s % 60));
    fld_add(f, b, sizeof(b) - 1);
}

void fld_date(struct fld *f, int y, int m, int d, enum date_fmt fmt)
{
    const char *sep = fmt == D_DMY ? "/" : fmt == D_DMY_DOT ? "." : "-";
    switch (fmt) {
    case D_ISO:
    case D_COMPACT:
        fld_addu(f, (uint64_t)y, 4);
        fld_adds(f, fmt == D_ISO ? "-" : "");
        fld_addu(f, (uint64_t)m, 2);
        fld_adds(f, fmt == D_ISO ? "-" : "");
        fld_addu(f, (uint64_t)d, 2);
        break;
    case D_DMY:
    case D_DMY_DOT:
    case D_DMY_DASH_YY:
        fld_addu(f, (uint64_t)d, 2);
        fld_adds(f, sep);
        fld_addu(f, (uint64_t)m, 2);
        fld_adds(f, sep);
        fld_addu(f, (uint64_t)(fmt == D_DMY_DASH_YY ? y % 100 : y), fmt == D_DMY_DASH_YY ? 2 : 4);
        break;
    case D_LONG_EN:
        fld_adds(f, gen_langs[GEN_LANG_EN].months[m - 1]);
        fld_addc(f, ' ');
        fld_addu(f, (uint64_t)d, 1);
        fld_adds(f, ", ");
        fld_addu(f, (uint64_t)y, 4);
        break;
    default: {
        enum gen_lang l = fmt == D_LONG_NL   ? GEN_LANG_NL
                          : fmt == D_LONG_DE ? GEN_LANG_DE
                                             : GEN_LANG_FR;
        fld_addu(f, (uint64_t)d, 1);
        fld_adds(f, fmt == D_LONG_DE ? ". " : " ");
        fld_adds(f, gen_langs[l].months[m - 1]);
        fld_addc(f, ' ');
        fld_addu(f, (uint64_t)y, 4);
    }
    }
}

/* Money: "59.90" or "59,90". */
void fld_money(struct fld *f, int64_t cents, char sep)
{
    fld_addu(f, (uint64_t)(cents / 100), 1);
    fld_addc(f, sep);
    fld_addu(f, (uint64_t)(cents % 100), 2);
}

/* EAN-13 from its first 12 digits. */
void gen_ean13(char out[14], uint64_t first12)
{
    int sum = 0;
    for (int i = 11; i >= 0; i--) {
        int dgt = (int)(first12 % 10);
        first12 /= 10;
        out[i] = (char)('0' + dgt);
        sum += dgt * (i % 2 ? 3 : 1);
    }
    out[12] = (char)('0' + (10 - sum % 10) % 10);
    out[13] = '\0';
}
