/*
 * postcode.c — clean_postcode(): a postal code checked and written in the
 * format of the record's country.
 *
 *   BE  4 digits, 1000-9999; a "B-" or "B " prefix is dropped
 *   NL  4 digits (not starting with 0) and 2 letters, written "1234 AB";
 *       the letter pairs SA, SD and SS are not used; "NL-" is dropped
 *   FR  5 digits; "F-" dropped; 4 digits are a leading zero a spreadsheet
 *       lost ("6000" -> "06000")
 *   DE  5 digits, as FR, with "D-"
 *   LU  4 digits; "L-1234", "L 1234" and "L1234" -> "1234"
 *   GB  outward and inward code (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA,
 *       AA99 9AA, AA9A 9AA, and GIR 0AA), upper case, one space between,
 *       with Royal Mail's rules for which letters each position may hold
 *   any other country, or none: spaces collapsed, upper case, 2-10
 *       letters, digits, spaces and hyphens
 *
 * The text is corrected in steps on a stack buffer; each step that changes
 * it records a fix from the text before the step to the text after it
 * ("postcode.trim", "postcode.prefix", "postcode.leading_zero",
 * "postcode.format"), so the fixes read as a chain from the input to the
 * value. An invalid postcode has no value (out->value is NULL).
 * No mutable static state: safe from any thread.
 */
#include <string.h>

#include "base/str.h"
#include "base/xalloc.h"
#include "clean/clean.h"

#define PC_MAX_RAW 200 /* bytes before trimming */
#define PC_MAX 32      /* bytes after trimming: no postcode comes near */

static const char R_EMPTY[] = "the postcode is empty";
static const char R_LONG[] = "too long to be a postcode";
static const char R_BE[] = "a Belgian postcode is 4 digits from 1000 to 9999";
static const char R_NL[] = "a Dutch postcode is 4 digits and 2 letters, like 1234 AB";
static const char R_NL_ZERO[] = "a Dutch postcode does not start with 0";
static const char R_NL_LETTERS[] = "the letters SA, SD and SS are not used in Dutch postcodes";
static const char R_FR[] = "a French postcode is 5 digits";
static const char R_FR_ZERO[] = "a French postcode does not start with 00";
static const char R_DE[] = "a German postcode is 5 digits";
static const char R_DE_ZERO[] = "a German postcode does not start with 00";
static const char R_LU[] = "a Luxembourg postcode is 4 digits from 1000 to 9999";
static const char R_GB[] = "a UK postcode is an outward and an inward code, like SW1A 1AA";
static const char R_OTHER[] = "a postcode is 2 to 10 letters, digits, spaces or hyphens";

/* The text as corrected so far, and where the fixes go. */
struct pc {
    const struct clean_ctx *c;
    struct clean_result *out;
    char cur[PC_MAX + 1];
    size_t len;
};

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_letter(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static char upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

static bool all_digits(struct str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!is_digit(s.ptr[i]))
            return false;
    return true;
}

/* Make (s, n) the current text, recording rule when it differs. s may point into p->cur. */
static int pc_step(struct pc *p, const char *rule, const char *s, size_t n)
{
    char next[PC_MAX + 1];
    if (n > PC_MAX)
        BUG("postcode step grew past %d bytes", PC_MAX);
    memcpy(next, s, n);
    next[n] = '\0';
    if (n == p->len && !memcmp(p->cur, next, n))
        return 0;
    int rc = clean_fix_add(p->c, p->out, rule, p->cur, next);
    memcpy(p->cur, next, n + 1);
    p->len = n;
    return rc;
}

/* Invalid: the fixes made on the way are dropped with the value. */
static int pc_invalid(struct pc *p, const char *reason)
{
    p->out->nfixes = 0;
    return clean_invalid(p->out, reason);
}

static int pc_done(struct pc *p)
{
    p->out->value = arena_strndup(p->c->arena, p->cur, p->len);
    return p->out->value ? 0 : ERR_NOMEM;
}

static struct str pc_view(const struct pc *p)
{
    return str_make(p->cur, p->len);
}

/*
 * Drop a leading country prefix: one of the letter codes in codes (a
 * NULL-terminated list), then "-" or spaces ("B-1000", "B 1000", "B - 1000"),
 * or when bare_ok nothing at all before a digit ("L1234").
 */
static int pc_strip_prefix(struct pc *p, const char *const *codes, bool bare_ok)
{
    struct str s = pc_view(p);
    for (; *codes; codes++) {
        size_t n = strlen(*codes);
        if (s.len <= n || !str_eq_nocase(str_make(s.ptr, n), *codes))
            continue;
        struct str rest = str_trim(str_make(s.ptr + n, s.len - n));
        bool sep = rest.len < s.len - n;
        if (rest.len && rest.ptr[0] == '-') {
            rest = str_trim(str_make(rest.ptr + 1, rest.len - 1));
            sep = true;
        }
        if (!rest.len || !is_digit(rest.ptr[0]) || (!sep && !bare_ok))
            continue;
        return pc_step(p, "postcode.prefix", rest.ptr, rest.len);
    }
    return 0;
}

static int pc_be(struct pc *p)
{
    static const char *const codes[] = {"B", NULL};
    int rc = pc_strip_prefix(p, codes, false);
    if (rc)
        return rc;
    if (p->len != 4 || !all_digits(pc_view(p)) || p->cur[0] == '0')
        return pc_invalid(p, R_BE);
    return pc_done(p);
}

static int pc_lu(struct pc *p)
{
    static const char *const codes[] = {"L", NULL};
    int rc = pc_strip_prefix(p, codes, true);
    if (rc)
        return rc;
    if (p->len != 4 || !all_digits(pc_view(p)) || p->cur[0] == '0')
        return pc_invalid(p, R_LU);
    return pc_done(p);
}

/* FR and DE: 5 digits, where 4 digits lost their leading zero in a spreadsheet. */
static int pc_five(struct pc *p, const char *const *codes, const char *reason,
                   const char *reason_zero)
{
    int rc = pc_strip_prefix(p, codes, false);
    if (rc)
        return rc;
    if (!all_digits(pc_view(p)) || (p->len != 4 && p->len != 5))
        return pc_invalid(p, reason);
    if (p->len == 4) {
        if (p->cur[0] == '0')
            return pc_invalid(p, reason_zero);
        char five[6] = {'0'};
        memcpy(five + 1, p->cur, 4);
        rc = pc_step(p, "postcode.leading_zero", five, 5);
        if (rc)
            return rc;
    }
    if (p->cur[0] == '0' && p->cur[1] == '0')
        return pc_invalid(p, reason_zero);
    return pc_done(p);
}

static int pc_fr(struct pc *p)
{
    static const char *const codes[] = {"F", NULL};
    return pc_five(p, codes, R_FR, R_FR_ZERO);
}

static int pc_de(struct pc *p)
{
    static const char *const codes[] = {"D", NULL};
    return pc_five(p, codes, R_DE, R_DE_ZERO);
}

static int pc_nl(struct pc *p)
{
    static const char *const codes[] = {"NL", NULL};
    int rc = pc_strip_prefix(p, codes, false);
    if (rc)
        return rc;
    struct str s = pc_view(p);
    if (s.len < 6 || !all_digits(str_make(s.ptr, 4)))
        return pc_invalid(p, R_NL);
    struct str tail = str_trim(str_make(s.ptr + 4, s.len - 4));
    if (tail.len == s.len - 4 && tail.len && tail.ptr[0] == '-') /* "1234-AB" */
        tail = str_make(tail.ptr + 1, tail.len - 1);
    if (tail.len != 2 || !is_letter(tail.ptr[0]) || !is_letter(tail.ptr[1]))
        return pc_invalid(p, R_NL);
    if (s.ptr[0] == '0')
        return pc_invalid(p, R_NL_ZERO);
    char nl[8] = "1234 AB";
    memcpy(nl, s.ptr, 4);
    nl[5] = upper(tail.ptr[0]);
    nl[6] = upper(tail.ptr[1]);
    if (nl[5] == 'S' && (nl[6] == 'A' || nl[6] == 'D' || nl[6] == 'S'))
        return pc_invalid(p, R_NL_LETTERS);
    rc = pc_step(p, "postcode.format", nl, 7);
    return rc ? rc : pc_done(p);
}

static bool letter_in(char ch, const char *set)
{
    return is_letter(ch) && strchr(set, ch);
}

/* Outward code, upper case: A9, A99, A9A, AA9, AA99, AA9A with Royal Mail's letter rules. */
static bool gb_outward(const char *o, size_t n)
{
    static const char first[] = "ABCDEFGHIJKLMNOPRSTUWYZ";  /* not Q V X */
    static const char second[] = "ABCDEFGHKLMNOPQRSTUVWXY"; /* not I J Z */
    static const char third[] = "ABCDEFGHJKPSTUW";          /* A9A */
    static const char fourth[] = "ABEHMNPRVWXY";            /* AA9A */

    if (n < 2 || n > 4 || !letter_in(o[0], first))
        return false;
    if (is_digit(o[1])) { /* A9, A99, A9A */
        if (n == 2)
            return true;
        return n == 3 && (is_digit(o[2]) || letter_in(o[2], third));
    }
    if (!letter_in(o[1], second) || n < 3 || !is_digit(o[2])) /* AA9... */
        return false;
    if (n == 3)
        return true;
    return is_digit(o[3]) || letter_in(o[3], fourth);
}

static int pc_gb(struct pc *p)
{
    static const char inward_letters[] = "ABDEFGHJLNPQRSTUWXYZ"; /* not C I K M O V */
    char t[PC_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < p->len; i++) {
        char ch = p->cur[i];
        if (ch == ' ' || ch == '\t')
            continue;
        if (!is_letter(ch) && !is_digit(ch))
            return pc_invalid(p, R_GB);
        t[n++] = upper(ch);
    }
    if (n < 5 || n > 7)
        return pc_invalid(p, R_GB);
    const char *in = t + n - 3;
    bool gir = n == 6 && !memcmp(t, "GIR0AA", 6);
    if (!gir && !(is_digit(in[0]) && letter_in(in[1], inward_letters) &&
                  letter_in(in[2], inward_letters) && gb_outward(t, n - 3)))
        return pc_invalid(p, R_GB);

    char gb[9];
    memcpy(gb, t, n - 3);
    gb[n - 3] = ' ';
    memcpy(gb + n - 2, in, 3);
    int rc = pc_step(p, "postcode.format", gb, n + 1);
    return rc ? rc : pc_done(p);
}

/* Any other country: a lenient shape check, spaces collapsed, upper case. */
static int pc_other(struct pc *p)
{
    char t[PC_MAX + 1];
    size_t n = 0, alnum = 0;
    for (size_t i = 0; i < p->len; i++) {
        char ch = p->cur[i];
        if (ch == ' ' || ch == '\t') {
            if (n && t[n - 1] != ' ')
                t[n++] = ' ';
        } else if (ch == '-' || is_digit(ch) || is_letter(ch)) {
            t[n++] = upper(ch);
            alnum += ch != '-';
        } else {
            return pc_invalid(p, R_OTHER);
        }
    }
    if (n < 2 || n > 10 || alnum < 2)
        return pc_invalid(p, R_OTHER);
    int rc = pc_step(p, "postcode.format", t, n);
    return rc ? rc : pc_done(p);
}

/* The record's country, upper case, when it is two letters; else "". */
static void pc_country(const char *country, char cc[3])
{
    cc[0] = '\0';
    if (!country || !is_letter(country[0]) || !is_letter(country[1]) || country[2])
        return;
    cc[0] = upper(country[0]);
    cc[1] = upper(country[1]);
    cc[2] = '\0';
}

int clean_postcode(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    clean_result_init(out);
    if (!in)
        in = "";
    size_t raw_len = strnlen(in, PC_MAX_RAW + 1);
    if (raw_len > PC_MAX_RAW)
        return clean_invalid(out, R_LONG);
    struct str s = str_trim(str_make(in, raw_len));
    if (!s.len)
        return clean_invalid(out, R_EMPTY);
    if (s.len > PC_MAX)
        return clean_invalid(out, R_LONG);

    struct pc p = {.c = c, .out = out, .len = s.len};
    memcpy(p.cur, s.ptr, s.len);
    p.cur[s.len] = '\0';
    if (s.len != raw_len) {
        int rc = clean_fix_add(c, out, "postcode.trim", in, p.cur);
        if (rc)
            return rc;
    }

    char cc[3];
    pc_country(c->country, cc);
    if (!strcmp(cc, "BE"))
        return pc_be(&p);
    if (!strcmp(cc, "NL"))
        return pc_nl(&p);
    if (!strcmp(cc, "FR"))
        return pc_fr(&p);
    if (!strcmp(cc, "DE"))
        return pc_de(&p);
    if (!strcmp(cc, "LU"))
        return pc_lu(&p);
    if (!strcmp(cc, "GB"))
        return pc_gb(&p);
    return pc_other(&p);
}
