/*
 * date.c — the date rules: a date written in any of the ways customers and
 * spreadsheets write one, to ISO "YYYY-MM-DD".
 *
 * The input is split into a time of day, which is dropped ("T10:00:00Z",
 * " 10:00"), and a date part, which is cut into numbers and words. Words are
 * month names and abbreviations in English, Dutch, French and German
 * (compared case-folded and without accents, so "MÄRZ", "maerz" and "Mär."
 * match), weekday names and fillers ("le", "the", "1er"), which are ignored.
 * The shapes accepted are Y-M-D, D-M-Y (M-D-Y for en-US) with 2- or 4-digit
 * years, YYYYMMDD, and the month-name forms D month Y, month D Y, Y month D.
 *
 * Nothing here is static mutable state; the results live in the context's
 * arena. utf8proc folds words into stack buffers (no malloc per call).
 */
#include "clean/clean.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <utf8proc.h>

#include "base/str.h"

#define MAX_IN 200
#define MAX_TOKENS 16
#define MAX_WORD 32
#define MIN_YEAR 1000
#define MAX_AGE 120

struct ymd {
    int y, m, d;
};

struct tok {
    bool num;
    const char *p;
    size_t len;
    long value; /* numbers up to 9 digits; -1 for longer ones */
    char sep;   /* what precedes it: 0 nothing, ' ' blanks, or the punctuation mark */
};

enum order_fix { ORDER_NONE, ORDER_LOCALE, ORDER_SWAPPED };

/* One parse: its inputs, and what it found. */
struct parse {
    const struct clean_ctx *c;
    bool birth;         /* two-digit years must not land in the future */
    struct ymd today;   /* from c->now */
    struct ymd out;     /* the date, when reason is NULL */
    const char *reason; /* why the text is not a date */
    const char *yy;     /* the two-digit year as written, when there was one */
    enum order_fix order;
};

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

/*
 * Each month's names and abbreviations in English, Dutch, French and German,
 * folded (lower case, no accents: März is "marz"; Jänner is Austrian).
 */
static const char *const month_words[12] = {
    " january jan januari janvier janv januar janner jaenner ",
    " february feb februari fevrier fevr fev februar ",
    " march mar maart mrt mars marz maerz ",
    " april apr avril avr ",
    " may mei mai ",
    " june jun juni juin ",
    " july jul juli juillet juil ",
    " august aug augustus aout ",
    " september sep sept septembre ",
    " october oct oktober okt octobre ",
    " november nov novembre ",
    " december dec decembre dezember dez ",
};

/* Words a date may carry that say nothing about it: weekdays and fillers. */
static const char ignored[] =
    " monday tuesday wednesday thursday friday saturday sunday"
    " mon tue tues wed thu thur thurs fri sat sun the of on"
    " maandag dinsdag woensdag donderdag vrijdag zaterdag zondag ma di wo do vr za zo op"
    " lundi mardi mercredi jeudi vendredi samedi dimanche lun mer jeu ven sam dim le"
    " montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag mo mi fr sa so"
    " den am ";

/* Suffixes of ordinal day numbers: 1st, 2nd, 1er, 2e, 2ème, 1ste, 2de, 7te. */
static const char ordinals[] = " st nd rd th er re e eme ste de te ten ";

/* Whether the folded word w is one of list's space-separated words. */
static bool in_words(const char *list, const char *w)
{
    char pad[MAX_WORD + 2];
    snprintf(pad, sizeof(pad), " %s ", w);
    return strstr(list, pad) != NULL;
}

/* The month a folded word names, or 0. */
static int month_of(const char *w)
{
    for (int m = 0; m < 12; m++)
        if (in_words(month_words[m], w))
            return m + 1;
    return 0;
}

/*
 * Fold a word: case-folded, marks stripped, into out (MAX_WORD bytes).
 * False when it is too long or not plain ASCII letters once folded.
 */
static bool fold_word(const char *p, size_t n, char *out)
{
    utf8proc_int32_t cps[MAX_WORD * 2];
    const utf8proc_option_t opts =
        UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_COMPOSE | UTF8PROC_STABLE;
    if (n >= MAX_WORD * 2)
        return false;
    utf8proc_ssize_t ncp = utf8proc_decompose((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, cps,
                                              MAX_WORD * 2, opts);
    if (ncp < 0 || ncp >= MAX_WORD)
        return false;
    for (utf8proc_ssize_t i = 0; i < ncp; i++) {
        if (cps[i] < 'a' || cps[i] > 'z')
            return false;
        out[i] = (char)cps[i];
    }
    out[ncp] = '\0';
    return true;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static bool ymd_valid(struct ymd d)
{
    return d.y >= MIN_YEAR && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
           d.d <= days_in(d.y, d.m);
}

static int ymd_cmp(struct ymd a, struct ymd b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    return a.d < b.d ? -1 : a.d > b.d;
}

static void failf(struct parse *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set the reason (first one wins), formatted into the arena. */
static void failf(struct parse *st, const char *fmt, ...)
{
    if (st->reason)
        return;
    char *msg = arena_alloc(st->c->arena, 512);
    if (!msg) {
        st->reason = "the date is not valid";
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, 512, fmt, ap);
    va_end(ap);
    st->reason = msg;
}

/* Say what is wrong with an impossible date. */
static void explain(struct parse *st, struct ymd d)
{
    if (d.y == 0 && d.m == 0 && d.d == 0)
        failf(st, "the date is all zeros, a placeholder for no date");
    else if (d.y < MIN_YEAR || d.y > 9999)
        failf(st, "year %d is out of range", d.y);
    else if (d.m < 1 || d.m > 12)
        failf(st, "month %d does not exist", d.m);
    else
        failf(st, "day %d does not exist in %s %d", d.d, month_names[d.m - 1], d.y);
}

static bool accept(struct parse *st, struct ymd d)
{
    if (!ymd_valid(d)) {
        explain(st, d);
        return false;
    }
    st->out = d;
    return true;
}

/*
 * The year a token stands for, the day being m/d: four digits as written;
 * two digits by the pivot (birth dates: not in the future; others: 00-69
 * are 2000s, 70-99 1900s). -1 when it has another number of digits.
 */
static int year_of(struct parse *st, const struct tok *t, int m, int d)
{
    if (t->len == 4)
        return (int)t->value;
    if (t->len != 2)
        return -1;
    st->yy = t->p;
    int yy = (int)t->value;
    if (!st->birth)
        return yy < 70 ? 2000 + yy : 1900 + yy;
    int y = st->today.y - st->today.y % 100 + yy;
    return ymd_cmp((struct ymd){y, m, d}, st->today) > 0 ? y - 100 : y;
}

static bool year_ok(struct parse *st, const struct tok *t)
{
    if (t->len == 2 || t->len == 4)
        return true;
    failf(st, "the year must have 2 or 4 digits, not %zu", t->len);
    return false;
}

static bool month_first(const char *locale)
{
    if (!locale || (strncasecmp(locale, "en-us", 5) && strncasecmp(locale, "en_us", 5)))
        return false;
    return locale[5] == '\0' || locale[5] == '.' || locale[5] == '@';
}

/*
 * Day and month from two numbers a, b written before the year: in the
 * locale's order when that gives a date, the other order when only it does.
 */
static void resolve(struct parse *st, int a, int b, const struct tok *year)
{
    bool mf = month_first(st->c->locale);
    struct ymd loc = {0, mf ? a : b, mf ? b : a};
    struct ymd swp = {0, loc.d, loc.m};
    loc.y = year_of(st, year, loc.m, loc.d);
    swp.y = year_of(st, year, swp.m, swp.d);
    bool loc_ok = ymd_valid(loc), swp_ok = ymd_valid(swp);
    if (loc_ok) {
        st->out = loc;
        if (swp_ok && a != b)
            st->order = ORDER_LOCALE;
    } else if (swp_ok) {
        st->out = swp;
        st->order = ORDER_SWAPPED;
    } else {
        /* "02/30" in a day-first locale: February is what was meant */
        bool loc_month = loc.m >= 1 && loc.m <= 12, swp_month = swp.m >= 1 && swp.m <= 12;
        explain(st, !loc_month && swp_month ? swp : loc);
    }
}

static bool short_num(const struct tok *t)
{
    return t->num && t->len <= 2;
}

/* "31113" or "31113.5": Excel's day count, which a text export should not contain. */
static void excel(struct parse *st, const struct tok *t)
{
    failf(st, "%.*s looks like an Excel serial number, not a date; export the column as text",
          (int)t->len, t->p);
}

/* "19850307", or "07031985" when the first four digits cannot be a year. */
static void eight_digits(struct parse *st, const struct tok *t)
{
    long v = t->value;
    struct ymd d = {(int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100)};
    if (ymd_valid(d)) {
        st->out = d;
        return;
    }
    struct tok year = {true, t->p + 4, 4, v % 10000, 0};
    if (year.value >= MIN_YEAR)
        resolve(st, (int)(v / 1000000), (int)(v / 10000 % 100), &year);
    if (st->reason && d.y >= MIN_YEAR) {
        st->reason = NULL;
        explain(st, d);
    } else if (year.value < MIN_YEAR) {
        explain(st, d);
    }
}

/* Dates written with numbers only. */
static void numeric(struct parse *st, const struct tok *t, int n)
{
    if (n == 1 && t[0].len == 8)
        eight_digits(st, &t[0]);
    else if (n == 1 && t[0].len == 4)
        failf(st, "%.*s is a year, not a date", 4, t[0].p);
    else if ((n == 1 && t[0].len <= 5) ||
             (n == 2 && t[0].len == 5 && (t[1].sep == '.' || t[1].sep == ',')))
        excel(st, &t[0]);
    else if (n == 2)
        failf(st, "%s",
              t[0].len == 4 || t[1].len == 4 ? "the date has no day" : "the date has no year");
    else if (n != 3)
        failf(st, "unrecognised date");
    else if (t[1].sep != t[2].sep || t[1].sep == '?')
        failf(st, "the date mixes separators");
    else if (!t[1].sep || !strchr("/-. ", t[1].sep))
        failf(st, "unrecognised date");
    else if (t[0].len == 4 && short_num(&t[1]) && short_num(&t[2]))
        accept(st, (struct ymd){(int)t[0].value, (int)t[1].value, (int)t[2].value});
    else if (!short_num(&t[0]) || !short_num(&t[1]))
        failf(st, "unrecognised date");
    else if (year_ok(st, &t[2]))
        resolve(st, (int)t[0].value, (int)t[1].value, &t[2]);
}

/*
 * Dates with a month name, which stood before nums[at]: D month Y,
 * month D Y, Y month D.
 */
static void with_month(struct parse *st, const struct tok *t, int n, int month, int at)
{
    if (n == 1) {
        failf(st, "%s", t[0].len == 4 ? "the date has no day" : "the date has no year");
        return;
    }
    if (n != 2 || at == 2) {
        failf(st, "unrecognised date");
        return;
    }
    bool year_first = at == 1 && t[0].len == 4;
    const struct tok *day = year_first ? &t[1] : &t[0];
    const struct tok *year = year_first ? &t[0] : &t[1];
    if (!short_num(day)) {
        failf(st, "unrecognised date");
        return;
    }
    if (!year_ok(st, year))
        return;
    int d = (int)day->value;
    accept(st, (struct ymd){year_of(st, year, month, d), month, d});
}

/* Cut the date part into tokens; NULL, or why it cannot be cut. */
static const char *tokenize(struct parse *st, struct str s, struct tok *t, int *n)
{
    int nt = 0;
    char sep = 0;
    size_t i = 0;
    while (i < s.len) {
        const unsigned char *p = (const unsigned char *)s.ptr + i;
        utf8proc_int32_t cp = *p;
        utf8proc_ssize_t clen = 1;
        if (cp >= 0x80)
            clen = utf8proc_iterate(p, (utf8proc_ssize_t)(s.len - i), &cp);
        if (clen < 0)
            return "the date is not valid UTF-8";
        utf8proc_category_t cat = utf8proc_category(cp);
        bool digit = cp >= '0' && cp <= '9';
        bool letter = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) && !digit;
        if (digit || letter) {
            if (nt == MAX_TOKENS)
                return "unrecognised date";
            size_t j = i;
            if (digit) {
                while (j < s.len && s.ptr[j] >= '0' && s.ptr[j] <= '9')
                    j++;
            } else {
                while (j < s.len) {
                    utf8proc_int32_t c2;
                    utf8proc_ssize_t l2 = utf8proc_iterate((const unsigned char *)s.ptr + j,
                                                           (utf8proc_ssize_t)(s.len - j), &c2);
                    utf8proc_category_t k = utf8proc_category(c2);
                    if (l2 < 0 || k < UTF8PROC_CATEGORY_LU || k > UTF8PROC_CATEGORY_ME)
                        break;
                    j += (size_t)l2;
                }
            }
            struct tok *k = &t[nt++];
            *k = (struct tok){digit, s.ptr + i, j - i, -1, sep};
            if (digit && j - i <= 9) {
                k->value = 0;
                for (size_t q = i; q < j; q++)
                    k->value = k->value * 10 + (s.ptr[q] - '0');
            }
            sep = 0;
            i = j;
            continue;
        }
        if (cp == ' ' || cp == '\t' || cat == UTF8PROC_CATEGORY_ZS) {
            if (!sep)
                sep = ' ';
        } else if (cp < 0x80 && strchr("/-.,'", (int)cp)) {
            sep = sep && sep != ' ' && sep != (char)cp ? '?' : (char)cp;
        } else if (cat == UTF8PROC_CATEGORY_PD) {
            sep = sep && sep != ' ' && sep != '-' ? '?' : '-';
        } else {
            failf(st, "unexpected character \"%.*s\" in the date", (int)clen, s.ptr + i);
            return st->reason;
        }
        i += (size_t)clen;
    }
    *n = nt;
    return NULL;
}

/*
 * The words of a date: its month (0 when none; *at is how many numbers
 * came before it). False, with the reason set, for a word that is neither a
 * month nor one a date may carry.
 */
static bool read_words(struct parse *st, const struct tok *all, int n, int *month, int *at)
{
    int nums = 0;
    for (int i = 0; i < n; i++) {
        if (all[i].num) {
            nums++;
            continue;
        }
        char w[MAX_WORD];
        bool after_num = i > 0 && all[i - 1].num && all[i].sep == 0;
        int m = fold_word(all[i].p, all[i].len, w) ? month_of(w) : -1;
        if (m > 0 && *month) {
            failf(st, "the date has two month names");
            return false;
        }
        if (m > 0) {
            *month = m;
            *at = nums;
        } else if (m < 0 || (!(after_num && in_words(ordinals, w)) && !in_words(ignored, w))) {
            failf(st, "unrecognised word \"%.*s\" in the date", (int)all[i].len, all[i].p);
            return false;
        }
    }
    return true;
}

/* Parse a date part (no time of day) into st->out or st->reason. */
static void parse_date(struct parse *st, struct str s)
{
    struct tok all[MAX_TOKENS], nums[MAX_TOKENS];
    int n = 0, nn = 0, month = 0, at = -1;
    const char *why = tokenize(st, s, all, &n);
    if (why) {
        failf(st, "%s", why);
        return;
    }
    if (!read_words(st, all, n, &month, &at))
        return;
    for (int i = 0; i < n; i++)
        if (all[i].num)
            nums[nn++] = all[i];
    for (int i = 0; i < nn; i++) {
        if (nums[i].value < 0) {
            failf(st, "unrecognised date");
            return;
        }
    }
    if (nn == 0)
        failf(st, "%s", month ? "the date has no day or year" : "unrecognised date");
    else if (month)
        with_month(st, nums, nn, month, at);
    else
        numeric(st, nums, nn);
}

/* A time of day: hh:mm[:ss[.fff]] or hhmm[ss], then an optional zone or am/pm. */
static bool valid_time(struct str s)
{
    size_t i = 0, n = s.len;
    const char *p = s.ptr;
    int f[3] = {0, 0, 0}, nf = 0;
    size_t run = 0;
    while (run < n && p[run] >= '0' && p[run] <= '9')
        run++;
    if (run == 4 || run == 6) { /* basic form: 1000, 100000 */
        for (; nf < (int)run / 2; nf++)
            f[nf] = (p[2 * nf] - '0') * 10 + (p[2 * nf + 1] - '0');
        i = run;
    } else {
        while (nf < 3) {
            size_t start = i;
            while (i < n && p[i] >= '0' && p[i] <= '9' && i - start < 2)
                f[nf] = f[nf] * 10 + (p[i++] - '0');
            if (i == start || (nf > 0 && i - start != 2))
                return false;
            nf++;
            if (i < n && p[i] == ':' && nf < 3)
                i++;
            else
                break;
        }
        if (nf < 2)
            return false;
    }
    if (f[0] > 24 || f[1] > 59 || f[2] > 60)
        return false;
    if (i < n && (p[i] == '.' || p[i] == ',') && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9')
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            ;
    struct str rest = str_trim(str_make(p + i, n - i));
    if (!rest.len || str_eq_nocase(rest, "z") || str_eq_nocase(rest, "utc") ||
        str_eq_nocase(rest, "gmt") || str_eq_nocase(rest, "am") || str_eq_nocase(rest, "pm"))
        return true;
    if (rest.ptr[0] != '+' && rest.ptr[0] != '-')
        return false;
    /* +01, +0100, +01:00 */
    size_t digits = 0;
    for (size_t j = 1; j < rest.len; j++) {
        if (rest.ptr[j] >= '0' && rest.ptr[j] <= '9')
            digits++;
        else if (rest.ptr[j] != ':' || j != 3)
            return false;
    }
    return digits == 2 || digits == 4;
}

/* Where a time of day starts in s ("T10:00", " 10:00"), or s.len when none. */
static size_t time_start(struct str s)
{
    for (size_t i = 1; i + 1 < s.len; i++) {
        char prev = s.ptr[i - 1], c = s.ptr[i], next = s.ptr[i + 1];
        bool d_prev = prev >= '0' && prev <= '9', d_next = next >= '0' && next <= '9';
        if ((c == 'T' || c == 't') && d_prev && d_next)
            return i;
        if ((c == ' ' || c == '\t') && d_next) {
            size_t j = i + 1;
            while (j < s.len && j - i <= 2 && s.ptr[j] >= '0' && s.ptr[j] <= '9')
                j++;
            if (j < s.len && s.ptr[j] == ':')
                return i;
        }
    }
    return s.len;
}

static struct ymd today_of(int64_t now_ms)
{
    int64_t secs = now_ms / 1000 - (now_ms % 1000 < 0);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return (struct ymd){1970, 1, 1};
    return (struct ymd){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

static int clean_date_as(const struct clean_ctx *c, const char *in, struct clean_result *out,
                         bool birth)
{
    clean_result_init(out);
    struct str s = str_trim(str_from(in));
    if (!s.len)
        return clean_invalid(out, "date is empty");
    if (s.len > MAX_IN)
        return clean_invalid(out, "date is longer than 200 bytes");

    struct parse st = {.c = c, .birth = birth, .today = today_of(c->now)};
    size_t tstart = time_start(s);
    struct str date = str_trim(str_make(s.ptr, tstart));
    bool has_time = tstart < s.len;
    if (has_time) {
        struct str t = str_make(s.ptr + tstart + 1, s.len - tstart - 1);
        if (!valid_time(str_trim(t)))
            return clean_invalid(out, "the time after the date is not valid");
    }
    parse_date(&st, date);
    if (st.reason)
        return clean_invalid(out, st.reason);
    if (birth && ymd_cmp(st.out, st.today) > 0)
        return clean_invalid(out, "birth date is in the future");
    struct ymd oldest = {st.today.y - MAX_AGE, st.today.m, st.today.d};
    if (birth && ymd_cmp(st.out, oldest) < 0)
        return clean_invalid(out, "birth date is more than 120 years ago");

    char *iso = arena_alloc(c->arena, 11);
    if (!iso)
        return ERR_NOMEM;
    snprintf(iso, 11, "%04d-%02d-%02d", st.out.y, st.out.m, st.out.d);
    out->value = iso;

    int rc = 0;
    if (has_time)
        rc = clean_fix_add(c, out, "date.time_dropped", in, iso);
    if (!rc && st.yy) {
        char yy[3] = {st.yy[0], st.yy[1], '\0'}, yyyy[5];
        snprintf(yyyy, sizeof(yyyy), "%04d", st.out.y);
        rc = clean_fix_add(c, out, "date.century", yy, yyyy);
    }
    if (!rc && st.order == ORDER_LOCALE) {
        out->flags |= CLEAN_AMBIGUOUS;
        rc = clean_fix_add(c, out, "date.locale_order", in, iso);
    }
    if (!rc && st.order == ORDER_SWAPPED)
        rc = clean_fix_add(c, out, "date.day_month_swapped", in, iso);
    bool same = date.len == 10 && !memcmp(date.ptr, iso, 10);
    if (!rc && (!same || (!has_time && strcmp(in, iso))))
        rc = clean_fix_add(c, out, "date.format", in, iso);
    return rc;
}

int clean_date(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    return clean_date_as(c, in, out, false);
}

int clean_birth_date(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    return clean_date_as(c, in, out, true);
}
