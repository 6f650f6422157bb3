/*
 * email.c — the e-mail rule (clean_email) and the identity key of an address
 * (clean_email_key).
 *
 * clean_email peels what surrounds an address (white space, "mailto:",
 * "<...>", a display name, a trailing dot), checks the syntax by RFC
 * 5321/5322's practical rules (RFC 6531 for UTF-8 local parts, which are put
 * in NFC), brings the domain to lower-case A-label form through libidn2,
 * corrects known typo domains, and flags role accounts and disposable
 * domains. Every fix records the whole address before and after it, so the
 * fixes chain: one fix's "after" is the next one's "before".
 *
 * Ownership: the rule reads borrowed views of the input; rewritten parts live
 * in stack buffers bounded by EMAIL_MAX_INPUT, and what it returns is in the
 * context's arena or static. The reference lists are constant tables and
 * nothing here has mutable state, so the rule is thread-safe. libidn2 and
 * utf8proc are called only for non-ASCII text or "xn--" labels; the buffers
 * they malloc are copied and freed at once.
 */
#include "clean/email.h"
#include "clean/clean.h"

#include <idn2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/str.h"
#include "base/textdist.h"

#define EMAIL_MAX_INPUT 320
#define LOCAL_MAX 64
#define LABEL_MAX 63
#define DOMAIN_MAX 253
#define ADDRESS_MAX 254
#define JOIN_MAX (2 * EMAIL_MAX_INPUT + 2)

/* ---- reference lists ---------------------------------------------------- */

/*
 * The lists are strings of names separated by spaces: compact to write and
 * to read, and a lookup walks them with strchr. A few kilobytes in all, so a
 * walk costs about a microsecond.
 */

/* Known misspellings of the big providers' domains, by correction. A group
 * with a country applies only to records in it, and comes before the
 * general group with the same misspellings. */
struct typo_group {
    const char *fix;
    const char *country;
    const char *typos;
};

static const struct typo_group typos[] = {
    {"hotmail.co.uk", "GB", "hotmail.co"},
    {"yahoo.co.uk", "GB", "yahoo.co"},
    {"gmail.com", NULL,
     "gmial.com gmai.com gnail.com gmail.co gmail.con gmail.cm gamil.com gmal.com gmil.com "
     "gmaill.com gmali.com gmaiil.com gmail.cim gmail.vom gmail.xom gmail.comm gmail.cpm "
     "gmail.ocm gmailcom gmsil.com gmaul.com ggmail.com"},
    {"googlemail.com", NULL, "googlemail.co googlmail.com googelmail.com"},
    {"hotmail.com", NULL,
     "hotmial.com hotmal.com hotmail.co hotmail.con hotmai.com hotmaill.com hotamil.com "
     "hotnail.com homail.com hotmail.cm htmail.com hotmil.com hotmali.com hotmailcom "
     "hotmail.comm"},
    {"hotmail.be", NULL, "hotmail.bee hotmial.be hotmal.be hotmai.be hotmil.be homail.be"},
    {"hotmail.fr", NULL, "hotmial.fr hotmal.fr hotmai.fr hotmail.ff"},
    {"hotmail.co.uk", NULL, "hotmial.co.uk hotmal.co.uk"},
    {"outlook.com", NULL,
     "outlok.com outllok.com outlook.co outlook.con oulook.com outloo.com outlool.com "
     "putlook.com"},
    {"yahoo.com", NULL, "yaho.com yahoo.co yahoo.con yhaoo.com yahooo.com yaoo.com yhoo.com"},
    {"yahoo.fr", NULL, "yaho.fr yahooo.fr"},
    {"icloud.com", NULL, "icloud.co iclod.com icoud.com iclould.com icloud.con"},
    /* Belgium */
    {"live.be", NULL, "live.bee live.b"},
    {"telenet.be", NULL,
     "telenet.bee telenet.b telnet.be teleent.be telent.be telente.be telenett.be telenet.eb"},
    {"skynet.be", NULL, "skynet.bee skynte.be skyent.be sknet.be skynet.b skyne.be skynett.be"},
    {"proximus.be", NULL, "proximus.bee"},
    /* France */
    {"orange.fr", NULL, "orang.fr ornage.fr orange.ff oange.fr orrange.fr"},
    {"wanadoo.fr", NULL, "wanado.fr wannadoo.fr wanadoo.ff wanaddo.fr wandoo.fr wanadou.fr"},
    {"free.fr", NULL, "free.ff fre.fr freee.fr"},
    {"laposte.net", NULL, "lapost.net laposte.nte lapsote.net laposte.nett laposte.met lapote.net"},
    {"sfr.fr", NULL, "sfr.ff"},
    /* Germany */
    {"gmx.de", NULL, "gmx.dee gmx.d gxm.de"},
    {"gmx.net", NULL, "gmx.nte gmx.ner gmx.ent gxm.net"},
    {"web.de", NULL, "web.dee wbe.de web.d"},
    {"t-online.de", NULL, "t-onlin.de t-onine.de tonline.de t-onlien.de t-online.dee t-onlne.de"},
    /* the Netherlands */
    {"ziggo.nl", NULL, "zigo.nl ziggo.nll zigg.nl ziggo.ln zggo.nl"},
    {"kpnmail.nl", NULL, "kpnmal.nl kpnmial.nl kpmail.nl kpnmail.nll kpnmai.nl kpnmail.ln"},
    {"planet.nl", NULL, "planet.nll plannet.nl palnet.nl planet.ln"},
    {"home.nl", NULL, "home.nll home.ln"},
    /* the United Kingdom */
    {"btinternet.com", NULL,
     "btinternet.co btinterent.com btinernet.com btintenet.com btinternet.con btinterne.com "
     "btinterenet.com"},
    {"sky.com", NULL, "sky.con sky.cpm sky.vom"},
    {"virginmedia.com", NULL, "virginmedia.co virginmeida.com virginmedia.con"},
    {"ntlworld.com", NULL, "ntlword.com ntlworld.co"},
};

/*
 * The big providers' real domains, the targets of the generic correction.
 * For the fuzzy ones a misspelt name is corrected too, not only a misspelt
 * TLD: names unlike any word or other brand (not yahoo: wahoo.com; not
 * orange: grange.fr).
 */
static const char providers_fuzzy[] =
    "gmail.com googlemail.com hotmail.com outlook.com protonmail.com telenet.be skynet.be "
    "proximus.be hotmail.be outlook.be kpnmail.nl hotmail.nl wanadoo.fr laposte.net "
    "hotmail.fr outlook.fr t-online.de hotmail.de outlook.de btinternet.com virginmedia.com "
    "ntlworld.com";

static const char providers_plain[] =
    "live.com msn.com yahoo.com icloud.com me.com mac.com aol.com proton.me "
    /* Belgium */
    "scarlet.be live.be pandora.be voo.be "
    /* the Netherlands */
    "ziggo.nl planet.nl home.nl hetnet.nl xs4all.nl casema.nl chello.nl upcmail.nl live.nl "
    "kpnplanet.nl zeelandnet.nl quicknet.nl "
    /* France */
    "orange.fr free.fr sfr.fr neuf.fr bbox.fr live.fr yahoo.fr aliceadsl.fr club-internet.fr "
    "numericable.fr "
    /* Germany */
    "gmx.de gmx.net web.de freenet.de arcor.de posteo.de mailbox.org yahoo.de live.de "
    /* the United Kingdom */
    "sky.com talktalk.net blueyonder.co.uk yahoo.co.uk hotmail.co.uk live.co.uk aol.co.uk "
    "btopenworld.com";

/* Real domains one edit away from a provider's, never to be "corrected". */
static const char real_domains[] =
    "gmx.com gmx.at gmx.ch gmx.fr gmx.co.uk mail.com email.com ymail.com rocketmail.com "
    "wahoo.com cloud.com hotmail.it hotmail.es outlook.it outlook.es live.it yahoo.es "
    "yahoo.it free.com orange.com orange.be web.com home.com sky.de sky.it planet.com gmail.de";

/* Real TLDs a provider's TLD is one edit from: a "typo" into them may be a
 * real address. Two-letter TLDs are all taken as real (country codes). */
static const char real_tlds[] =
    "com net org edu gov mil int biz info pro name mobi asia aero coop jobs tel travel cat "
    "app dev xyz online site shop store tech email cloud live life world art blog design page "
    "club news fun vip win top one cam new ong ngo bio eco wiki link nrw berlin paris brussels "
    "vlaanderen gent amsterdam london bzh";

/* Local parts of role accounts, matched lower-case and before any "+tag". */
static const char roles[] =
    "info noreply no-reply no_reply no.reply donotreply do-not-reply admin administrator "
    "administratie administration sales support contact office webmaster postmaster "
    "hostmaster abuse billing hello team marketing newsletter news jobs careers hr help "
    "helpdesk enquiries inquiries accounts accounting finance invoice invoices orders service "
    "customerservice press privacy security reception secretariaat secretariat boekhouding "
    "facturatie klantendienst klantenservice verkoop onthaal accueil comptabilite facturation "
    "kontakt vertrieb buchhaltung rechnung mailer-daemon root staff bookings reservations "
    "events legal dpo gdpr feedback all";

/* Disposable-address domains; their subdomains are disposable too. */
static const char disposable[] =
    "mailinator.com guerrillamail.com guerrillamail.net guerrillamail.org guerrillamail.biz "
    "guerrillamail.de guerrillamailblock.com sharklasers.com grr.la pokemail.net spam4.me "
    "10minutemail.com 10minutemail.net 20minutemail.com yopmail.com yopmail.fr yopmail.net "
    "trashmail.com trashmail.de trashmail.net trash-mail.com temp-mail.org temp-mail.io "
    "throwawaymail.com getnada.com maildrop.cc dispostable.com mailnesia.com mintemail.com "
    "mohmal.com fakeinbox.com spamgourmet.com mailcatch.com emailondeck.com tempr.email "
    "discard.email getairmail.com mytemp.email tempinbox.com burnermail.io mailexpire.com "
    "jetable.org wegwerfmail.de wegwerfmail.net einrot.com spambog.com tempmailo.com "
    "emailfake.com minuteinbox.com moakt.com dropmail.me mailpoof.com harakirimail.com "
    "inboxkitten.com mailnull.com";

/* Step through a word list: the next word in *w, false at the end. */
static bool next_word(const char **list, struct str *w)
{
    const char *s = *list;
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    const char *e = strchr(s, ' ');
    if (!e)
        e = s + strlen(s);
    *w = str_make(s, (size_t)(e - s));
    *list = e;
    return true;
}

/* Whether s is a word of list; strstr keeps this fast on the long lists. */
static bool in_words(struct str s, const char *list)
{
    char needle[EMAIL_MAX_INPUT + 1];
    if (!s.len || s.len > EMAIL_MAX_INPUT)
        return false;
    memcpy(needle, s.ptr, s.len);
    needle[s.len] = '\0';
    for (const char *p = strstr(list, needle); p; p = strstr(p + 1, needle))
        if ((p == list || p[-1] == ' ') && (p[s.len] == ' ' || p[s.len] == '\0'))
            return true;
    return false;
}

/* ---- small helpers ------------------------------------------------------ */

/* The working state of one call. */
struct email {
    const struct clean_ctx *c;
    struct clean_result *out;
    struct str local;
    struct str domain;
    char lbuf[LOCAL_MAX + 1];       /* the local part once put in NFC */
    char dbuf[EMAIL_MAX_INPUT + 1]; /* the domain once rewritten */
};

/* Mark invalid with an arena-formatted reason, or fallback when the arena is full. */
__attribute__((format(printf, 3, 4))) static int invalidf(struct email *m, const char *fallback,
                                                          const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    const char *r = arena_strdup(m->c->arena, buf);
    return clean_invalid(m->out, r ? r : fallback);
}

static int nomem(struct clean_result *r)
{
    clean_invalid(r, "out of memory while cleaning the e-mail address");
    return ERR_NOMEM;
}

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool is_alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* RFC 5322 atext, ASCII part. */
static bool is_atext(unsigned char ch)
{
    return is_alnum(ch) || (ch && strchr("!#$%&'*+/=?^_`{|}~-", ch));
}

static void join(char *buf, struct str local, struct str domain)
{
    snprintf(buf, JOIN_MAX, "%.*s@%.*s", (int)local.len, local.ptr, (int)domain.len, domain.ptr);
}

static int fix_views(struct email *m, const char *rule, struct str before, struct str after)
{
    char b[JOIN_MAX], a[JOIN_MAX];
    snprintf(b, sizeof(b), "%.*s", (int)before.len, before.ptr);
    snprintf(a, sizeof(a), "%.*s", (int)after.len, after.ptr);
    if (clean_fix_add(m->c, m->out, rule, b, a))
        return nomem(m->out);
    return 0;
}

/* Record a fix to the split address; before is the address joined before it. */
static int fix_parts(struct email *m, const char *rule, const char *before)
{
    char after[JOIN_MAX];
    join(after, m->local, m->domain);
    if (clean_fix_add(m->c, m->out, rule, before, after))
        return nomem(m->out);
    return 0;
}

static bool ends_with(struct str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

/* Trim white space: ASCII, no-break space, zero-width space and the
 * byte-order mark that spreadsheets leave in a file's first field. */
static struct str trim(struct str s)
{
    static const char *const spaces[] = {" ",  "\t",       "\n",           "\v",          "\f",
                                         "\r", "\xc2\xa0", "\xe2\x80\x8b", "\xef\xbb\xbf"};
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
            size_t n = strlen(spaces[i]);
            if (str_starts_with(s, spaces[i])) {
                s = str_make(s.ptr + n, s.len - n);
                again = true;
            }
            if (ends_with(s, spaces[i])) {
                s.len -= n;
                again = true;
            }
        }
    }
    return s;
}

/* ---- peeling and splitting ---------------------------------------------- */

/* Peel what surrounds the address, recording each peel. */
static int unwrap(struct email *m, struct str *s)
{
    struct str t = trim(*s);
    if (t.len != s->len && fix_views(m, "email.trim", *s, t))
        return ERR_NOMEM;
    for (int round = 0; round < 4; round++) {
        struct str u;
        const char *rule;
        if (t.len >= 7 && str_eq_nocase(str_make(t.ptr, 7), "mailto:")) {
            u = str_make(t.ptr + 7, t.len - 7);
            const char *q = memchr(u.ptr, '?', u.len); /* mailto's header fields */
            if (q)
                u.len = (size_t)(q - u.ptr);
            rule = "email.mailto";
        } else if (t.len >= 2 && t.ptr[t.len - 1] == '>') {
            const char *lt = NULL;
            for (size_t i = t.len - 1; i-- > 0;)
                if (t.ptr[i] == '<') {
                    lt = t.ptr + i;
                    break;
                }
            if (!lt)
                break;
            u = str_make(lt + 1, (size_t)(t.ptr + t.len - 1 - (lt + 1)));
            rule = lt == t.ptr ? "email.angle_brackets" : "email.display_name";
        } else {
            break;
        }
        u = trim(u);
        if (fix_views(m, rule, t, u))
            return ERR_NOMEM;
        t = u;
    }
    if (t.len > 1 && t.ptr[t.len - 1] == '.' && memchr(t.ptr, '@', t.len)) {
        struct str u = str_make(t.ptr, t.len - 1);
        if (fix_views(m, "email.trailing_dot", t, u))
            return ERR_NOMEM;
        t = u;
    }
    *s = t;
    return 0;
}

static int split(struct email *m, struct str s)
{
    if (!s.len)
        return clean_invalid(m->out, "the e-mail address is empty");
    if (s.ptr[0] == '"')
        return clean_invalid(m->out, "quoted local parts are not accepted");
    size_t ats = 0, at = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
            return clean_invalid(m->out, "the e-mail address contains a space");
        if (ch < 0x20 || ch == 0x7f)
            return clean_invalid(m->out, "the e-mail address contains a control character");
        if (ch == '@') {
            ats++;
            at = i;
        }
    }
    if (!ats)
        return clean_invalid(m->out, "the e-mail address has no @");
    if (ats > 1)
        return clean_invalid(m->out, "the e-mail address has more than one @");
    m->local = str_make(s.ptr, at);
    m->domain = str_make(s.ptr + at + 1, s.len - at - 1);
    return 0;
}

/* ---- the local part ----------------------------------------------------- */

/* A UTF-8 local part (RFC 6531): valid UTF-8, no spaces, controls or
 * invisible format characters; then put in NFC, as RFC 6532 asks. */
static int local_utf8(struct email *m)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)m->local.ptr;
    utf8proc_ssize_t left = (utf8proc_ssize_t)m->local.len;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
        if (n <= 0)
            return clean_invalid(m->out, "the local part is not valid UTF-8");
        switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_ZS:
        case UTF8PROC_CATEGORY_ZL:
        case UTF8PROC_CATEGORY_ZP:
            return clean_invalid(m->out, "the e-mail address contains a space");
        case UTF8PROC_CATEGORY_CC:
            return clean_invalid(m->out, "the e-mail address contains a control character");
        case UTF8PROC_CATEGORY_CF:
            return clean_invalid(m->out,
                                 "the local part contains an invisible formatting character");
        default:
            break;
        }
        p += n;
        left -= n;
    }

    char tmp[EMAIL_MAX_INPUT + 1];
    memcpy(tmp, m->local.ptr, m->local.len);
    tmp[m->local.len] = '\0';
    char *nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)tmp);
    if (!nfc)
        return nomem(m->out);
    size_t n = strlen(nfc);
    int rc = 0;
    if (n > LOCAL_MAX) {
        rc = clean_invalid(m->out, "the local part is longer than 64 octets");
    } else if (!str_eq_cstr(m->local, nfc)) {
        char before[JOIN_MAX];
        join(before, m->local, m->domain);
        memcpy(m->lbuf, nfc, n + 1);
        m->local = str_make(m->lbuf, n);
        rc = fix_parts(m, "email.unicode_nfc", before);
    }
    free(nfc);
    return rc;
}

/* The ASCII rules of a dot-atom; *ascii tells whether all of l was ASCII. */
static int check_atoms(struct email *m, struct str l, bool *ascii)
{
    *ascii = true;
    for (size_t i = 0; i < l.len; i++) {
        unsigned char ch = (unsigned char)l.ptr[i];
        if (ch >= 0x80) {
            *ascii = false;
        } else if (ch == '.') {
            if (i == 0)
                return clean_invalid(m->out, "the local part starts with a dot");
            if (i + 1 == l.len)
                return clean_invalid(m->out, "the local part ends with a dot");
            if (l.ptr[i + 1] == '.')
                return clean_invalid(m->out, "the local part has two dots in a row");
        } else if (!is_atext(ch)) {
            return invalidf(m, "the local part contains a character that is not allowed",
                            "the local part contains '%c', which is not allowed", ch);
        }
    }
    return 0;
}

static int check_local(struct email *m)
{
    if (!m->local.len)
        return clean_invalid(m->out, "the local part (before the @) is empty");
    bool ascii;
    int rc = check_atoms(m, m->local, &ascii);
    if (!rc && !ascii) {
        const char *before = m->local.ptr;
        rc = local_utf8(m);
        /* NFC can make ASCII: U+037E GREEK QUESTION MARK becomes ';' */
        if (!rc && m->local.ptr != before)
            rc = check_atoms(m, m->local, &ascii);
    }
    if (rc)
        return rc;
    if (m->local.len > LOCAL_MAX)
        return clean_invalid(m->out, "the local part is longer than 64 octets");
    return 0;
}

/* ---- the domain --------------------------------------------------------- */

/* "gmail,com": commas typed for dots, each between two label characters. */
static int comma_for_dot(struct email *m)
{
    struct str d = m->domain;
    if (!memchr(d.ptr, ',', d.len))
        return 0;
    for (size_t i = 0; i < d.len; i++) {
        if (d.ptr[i] != ',')
            continue;
        if (i == 0 || i + 1 == d.len)
            return 0;
        unsigned char a = (unsigned char)d.ptr[i - 1], b = (unsigned char)d.ptr[i + 1];
        if (!(is_alnum(a) || a >= 0x80) || !(is_alnum(b) || b >= 0x80))
            return 0; /* left for the syntax check to refuse */
    }
    char before[JOIN_MAX];
    join(before, m->local, d);
    for (size_t i = 0; i < d.len; i++)
        m->dbuf[i] = d.ptr[i] == ',' ? '.' : d.ptr[i];
    m->domain = str_make(m->dbuf, d.len);
    return fix_parts(m, "email.comma_for_dot", before);
}

static int lowercase_domain(struct email *m)
{
    struct str d = m->domain;
    size_t i = 0;
    while (i < d.len && !(d.ptr[i] >= 'A' && d.ptr[i] <= 'Z'))
        i++;
    if (i == d.len)
        return 0;
    char before[JOIN_MAX];
    join(before, m->local, d);
    for (i = 0; i < d.len; i++) /* d may already be dbuf: same index, so in place is safe */
        m->dbuf[i] = ascii_lower(d.ptr[i]);
    m->domain = str_make(m->dbuf, d.len);
    return fix_parts(m, "email.lowercase_domain", before);
}

/*
 * Through libidn2: non-transitional (IDNA2008 with UTS #46 mapping) first,
 * transitional as a fallback. A non-ASCII domain is replaced by its A-label
 * form; an ASCII one (with "xn--" labels) is only checked.
 */
static int idna(struct email *m, bool rewrite)
{
    char in[EMAIL_MAX_INPUT + 1];
    memcpy(in, m->domain.ptr, m->domain.len);
    in[m->domain.len] = '\0';
    char *ace = NULL;
    int first = idn2_to_ascii_8z(in, &ace, IDN2_NONTRANSITIONAL);
    int rc = first;
    if (rc != IDN2_OK && rc != IDN2_MALLOC)
        rc = idn2_to_ascii_8z(in, &ace, IDN2_TRANSITIONAL);
    if (rc == IDN2_MALLOC)
        return nomem(m->out);
    if (rc != IDN2_OK)
        return invalidf(m, "the domain is not a valid internationalised domain name",
                        "the domain is not a valid internationalised domain name: %s",
                        idn2_strerror(first));
    size_t n = strlen(ace);
    if (!n) { /* mapping dropped every character (a lone soft hyphen) */
        idn2_free(ace);
        return clean_invalid(m->out, "the domain (after the @) is empty");
    }
    if (n > DOMAIN_MAX) {
        idn2_free(ace);
        return clean_invalid(m->out, "the domain is longer than 253 characters");
    }
    rc = 0;
    if (rewrite && !str_eq_cstr(m->domain, ace)) {
        char before[JOIN_MAX];
        join(before, m->local, m->domain);
        memcpy(m->dbuf, ace, n + 1);
        m->domain = str_make(m->dbuf, n);
        rc = fix_parts(m, "email.idna", before);
    }
    idn2_free(ace);
    return rc;
}

static bool has_ace_label(struct str d)
{
    for (size_t i = 0; i + 4 <= d.len; i++)
        if ((i == 0 || d.ptr[i - 1] == '.') && str_eq_nocase(str_make(d.ptr + i, 4), "xn--"))
            return true;
    return false;
}

static int check_label(struct email *m, struct str label)
{
    if (!label.len)
        return clean_invalid(m->out, "the domain has two dots in a row");
    if (label.len > LABEL_MAX)
        return clean_invalid(m->out, "a domain label is longer than 63 characters");
    for (size_t i = 0; i < label.len; i++) {
        unsigned char ch = (unsigned char)label.ptr[i];
        if (!is_alnum(ch) && ch != '-')
            return invalidf(m, "the domain contains a character that is not allowed",
                            "the domain contains '%c', which is not allowed", ch);
    }
    if (label.ptr[0] == '-' || label.ptr[label.len - 1] == '-')
        return invalidf(m, "a domain label starts or ends with a hyphen",
                        "the domain label \"%.*s\" %s with a hyphen", (int)label.len, label.ptr,
                        label.ptr[0] == '-' ? "starts" : "ends");
    return 0;
}

/* LDH syntax of the (ASCII) domain. */
static int check_domain(struct email *m)
{
    struct str d = m->domain;
    if (!d.len)
        return clean_invalid(m->out, "the domain (after the @) is empty");
    if (d.ptr[0] == '.')
        return clean_invalid(m->out, "the domain starts with a dot");
    if (d.ptr[d.len - 1] == '.')
        return clean_invalid(m->out, "the domain ends with a dot");
    struct str rest = d, label;
    bool more = true;
    while (more) {
        more = str_cut(rest, '.', &label, &rest);
        int rc = check_label(m, label);
        if (rc)
            return rc;
    }
    if (label.len == d.len)
        return clean_invalid(m->out, "the domain has no dot");
    /* label is now the TLD */
    size_t digits = 0;
    while (digits < label.len && label.ptr[digits] >= '0' && label.ptr[digits] <= '9')
        digits++;
    if (digits == label.len) {
        size_t ip = 0;
        while (ip < d.len && ((d.ptr[ip] >= '0' && d.ptr[ip] <= '9') || d.ptr[ip] == '.'))
            ip++;
        if (ip == d.len)
            return clean_invalid(
                m->out, "the domain is an IP address; IP-address domains are not accepted");
        return clean_invalid(m->out, "the top-level domain is all digits");
    }
    if (d.len > DOMAIN_MAX)
        return clean_invalid(m->out, "the domain is longer than 253 characters");
    return 0;
}

static void split_tld(struct str d, struct str *name, struct str *tld)
{
    size_t i = d.len;
    while (i > 0 && d.ptr[i - 1] != '.')
        i--;
    *name = str_make(d.ptr, i ? i - 1 : 0);
    *tld = str_make(d.ptr + i, d.len - i);
}

static bool tld_is_real(struct str tld)
{
    return tld.len == 2 || in_words(tld, real_tlds);
}

/*
 * Whether d is one edit (a byte inserted, deleted or replaced, or two
 * neighbours swapped) from the provider domain p in a way worth correcting:
 * a misspelt TLD that is not a real TLD, or (fuzzy providers) a misspelt
 * name under the same TLD.
 */
static bool near_provider(struct str d, struct str p, bool fuzzy)
{
    if (textdist_osa_bytes(d.ptr, d.len, p.ptr, p.len, 1) != 1)
        return false;
    struct str dn, dt, pn, pt;
    split_tld(d, &dn, &dt);
    split_tld(p, &pn, &pt);
    if (str_eq(dn, pn))
        return !tld_is_real(dt);
    return fuzzy && str_eq(dt, pt);
}

/*
 * The provider domain d is a misspelling of, in *fix. Conservative: never
 * for a known real domain, and only when exactly one provider is that close.
 */
static bool generic_typo(struct str d, struct str *fix)
{
    if (in_words(d, providers_fuzzy) || in_words(d, providers_plain) || in_words(d, real_domains))
        return false;
    int found = 0;
    for (int fuzzy = 1; fuzzy >= 0; fuzzy--) {
        const char *list = fuzzy ? providers_fuzzy : providers_plain;
        struct str p;
        while (next_word(&list, &p)) {
            if (near_provider(d, p, fuzzy)) {
                *fix = p;
                found++;
            }
        }
    }
    return found == 1;
}

static const char *known_typo(const struct email *m)
{
    const char *cc = m->c->country;
    for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
        const struct typo_group *g = &typos[i];
        if (g->country && !(cc && str_eq_nocase(str_from(cc), g->country)))
            continue;
        if (in_words(m->domain, g->typos))
            return g->fix;
    }
    return NULL;
}

static int correct_typo(struct email *m, struct str fix)
{
    char before[JOIN_MAX];
    join(before, m->local, m->domain);
    m->domain = fix; /* a view of a static list */
    return fix_parts(m, "email.typo_domain", before);
}

static int clean_domain(struct email *m)
{
    struct str d = m->domain;
    if (!d.len)
        return clean_invalid(m->out, "the domain (after the @) is empty");
    if (d.ptr[0] == '[')
        return clean_invalid(
            m->out, "the domain is an IP address literal; IP-address domains are not accepted");
    int rc = comma_for_dot(m);
    if (rc)
        return rc;
    bool ascii = true;
    for (size_t i = 0; i < m->domain.len; i++)
        if ((unsigned char)m->domain.ptr[i] >= 0x80)
            ascii = false;
    if (ascii) {
        rc = lowercase_domain(m);
        if (!rc && has_ace_label(m->domain))
            rc = idna(m, false);
    } else {
        rc = idna(m, true);
    }
    if (rc)
        return rc;

    const char *known = known_typo(m);
    if (known)
        return correct_typo(m, str_from(known));
    rc = check_domain(m);
    if (rc)
        return rc;
    struct str fix;
    return generic_typo(m->domain, &fix) ? correct_typo(m, fix) : 0;
}

/* ---- flags -------------------------------------------------------------- */

static bool is_role(struct str local)
{
    char buf[LOCAL_MAX + 1];
    size_t n = 0;
    while (n < local.len && n < LOCAL_MAX && local.ptr[n] != '+') {
        buf[n] = ascii_lower(local.ptr[n]);
        n++;
    }
    return in_words(str_make(buf, n), roles);
}

static bool is_disposable(struct str d)
{
    for (;;) { /* d, then each parent domain */
        if (in_words(d, disposable))
            return true;
        const char *dot = memchr(d.ptr, '.', d.len);
        if (!dot)
            return false;
        d = str_make(dot + 1, d.len - (size_t)(dot + 1 - d.ptr));
    }
}

/* ---- the rule ----------------------------------------------------------- */

int clean_email(const struct clean_ctx *c, const char *in, struct clean_result *out)
{
    struct email m = {.c = c, .out = out};
    clean_result_init(out);
    if (!in)
        return clean_invalid(out, "the e-mail address is empty");
    size_t n = strnlen(in, EMAIL_MAX_INPUT + 1);
    if (n > EMAIL_MAX_INPUT)
        return clean_invalid(out, "the e-mail address is longer than 320 bytes");

    struct str s = str_make(in, n);
    int rc = unwrap(&m, &s);
    if (!rc)
        rc = split(&m, s);
    if (!rc)
        rc = check_local(&m);
    if (!rc)
        rc = clean_domain(&m);
    if (rc)
        return rc;
    if (m.local.len + 1 + m.domain.len > ADDRESS_MAX)
        return clean_invalid(out, "the address is longer than 254 characters");

    if (is_role(m.local))
        out->flags |= CLEAN_ROLE;
    if (is_disposable(m.domain))
        out->flags |= CLEAN_DISPOSABLE;
    char *v = arena_alloc(c->arena, m.local.len + m.domain.len + 2);
    if (!v)
        return nomem(out);
    memcpy(v, m.local.ptr, m.local.len);
    v[m.local.len] = '@';
    memcpy(v + m.local.len + 1, m.domain.ptr, m.domain.len);
    v[m.local.len + 1 + m.domain.len] = '\0';
    out->value = v;
    return 0;
}

const char *clean_email_key(struct arena *a, const char *normalised)
{
    if (!normalised)
        return NULL;
    size_t n = strlen(normalised);
    if (n > SIZE_MAX / 2 - 1)
        return NULL;
    /* a lower-case code point takes at most twice the bytes of a non-ASCII one */
    char *k = arena_alloc(a, 2 * n + 1);
    if (!k)
        return NULL;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)normalised;
    size_t i = 0, j = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            k[j++] = ascii_lower((char)p[i++]);
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0)
            return NULL;
        i += (size_t)len;
        j += (size_t)utf8proc_encode_char(utf8proc_tolower(cp), (utf8proc_uint8_t *)k + j);
    }
    k[j] = '\0';
    return k;
}
