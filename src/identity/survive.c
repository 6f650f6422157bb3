/*
 * survive.c — survivorship rules (survive.h): the defaults, the INI and JSON
 * forms, and the choice of each golden field.
 *
 * A choice scans the records once for the best by a two-part key of the
 * field's rule, then by the common tie-breaker, so it never depends on the
 * records' order; most_frequent counts, for each record, the records that
 * share its value. Nothing allocates. Rules read from text are built in a
 * copy and written to the caller's struct only when all of it is valid.
 */
#include "identity/survive.h"

#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "base/str.h"
#include "base/xalloc.h"

#define NRULES 4
#define RULE_HINT "use most_recent, source_priority, most_complete or most_frequent"

static const char *const rule_names[NRULES] = {"most_recent", "source_priority", "most_complete",
                                               "most_frequent"};

const char *survive_rule_name(enum survive_rule rule)
{
    if ((unsigned)rule >= NRULES)
        BUG("survive: no rule %d", (int)rule);
    return rule_names[rule];
}

static int field_from_name(const char *s)
{
    for (int f = 0; f < PF_COUNT; f++)
        if (strcmp(profile_field_name((enum profile_field)f), s) == 0)
            return f;
    return -1;
}

/* ---- rules ---------------------------------------------------------------- */

void survive_rules_default(struct survive_rules *r)
{
    static const char *const people[] = {"crm", "store", "webshop", "app"};
    static const char *const email[] = {"webshop", "app", "crm", "store"};
    memset(r, 0, sizeof(*r));
    for (int f = 0; f < PF_COUNT; f++) {
        struct survive_field_rule *fr = &r->field[f];
        bool person =
            f == PF_FIRST_NAME || f == PF_LAST_NAME || f == PF_GENDER || f == PF_BIRTH_DATE;
        fr->rule = person || f == PF_EMAIL ? SURVIVE_SOURCE_PRIORITY : SURVIVE_MOST_RECENT;
        for (int i = 0; i < 4; i++)
            snprintf(fr->sources[i], SURVIVE_SOURCE_LEN, "%s", (f == PF_EMAIL ? email : people)[i]);
        fr->nsources = 4;
    }
}

static int set_rule(struct survive_field_rule *fr, const char *name, const char *field,
                    const char *where, struct errbuf *e)
{
    for (int i = 0; i < NRULES; i++) {
        if (strcmp(name, rule_names[i]) == 0) {
            fr->rule = (enum survive_rule)i;
            return 0;
        }
    }
    return err_field(e, ERR_INVALID, field, "%s: unknown rule \"%s\" (" RULE_HINT ")", where, name);
}

/* Valid UTF-8 without control characters: a name that JSON and messages can carry. */
static bool printable(struct str s)
{
    for (size_t i = 0; i < s.len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s.ptr + i,
                                              (utf8proc_ssize_t)(s.len - i), &cp);
        if (n < 1 || cp < 0x20 || cp == 0x7f)
            return false;
        i += (size_t)n;
    }
    return true;
}

/* Cleared whole, so that equal rules compare equal byte for byte. */
static void clear_sources(struct survive_field_rule *fr)
{
    memset(fr->sources, 0, sizeof(fr->sources));
    fr->nsources = 0;
}

/* Append name, trimmed, to fr's sources; field and where say where it was written. */
static int add_source(struct survive_field_rule *fr, struct str name, const char *field,
                      const char *where, struct errbuf *e)
{
    name = str_trim(name);
    if (!name.len)
        return err_field(e, ERR_INVALID, field, "%s: empty source name", where);
    if (name.len >= SURVIVE_SOURCE_LEN || !printable(name))
        return err_field(e, ERR_INVALID, field,
                         "%s: a source name is at most %d bytes of printable UTF-8", where,
                         SURVIVE_SOURCE_LEN - 1);
    for (int i = 0; i < fr->nsources; i++)
        if (str_eq_cstr(name, fr->sources[i]))
            return err_field(e, ERR_INVALID, field, "%s: source \"%s\" listed twice", where,
                             fr->sources[i]);
    if (fr->nsources == SURVIVE_MAX_SOURCES)
        return err_field(e, ERR_INVALID, field, "%s: more than %d sources", where,
                         SURVIVE_MAX_SOURCES);
    memcpy(fr->sources[fr->nsources], name.ptr, name.len);
    fr->sources[fr->nsources++][name.len] = '\0';
    return 0;
}

/* ---- INI ------------------------------------------------------------------ */

enum { SET_RULE = 1, SET_SOURCES = 2 };

struct ini_load {
    struct survive_field_rule rules[PF_COUNT + 1]; /* the fields, then [default] */
    unsigned set[PF_COUNT + 1];                    /* SET_* given in the text */
    const char *text;                              /* what inih has not read yet */
    int line;                                      /* the line inih is working on */
    int rc, err_line;                              /* our first error, and its line */
    struct errbuf *e;
};

/* inih's reader, one whole line per call, so that the handler knows the line it is on. */
static char *ini_read(char *buf, int cap, void *stream)
{
    struct ini_load *l = stream;
    if (!*l->text)
        return NULL;
    const char *nl = strchr(l->text, '\n');
    size_t len = nl ? (size_t)(nl - l->text) : strlen(l->text); /* without the newline */
    if (len + 2 > (size_t)cap) { /* refused, not cut in two: reading stops here */
        if (!l->rc) {
            l->err_line = l->line + 1;
            l->rc = err_field(l->e, ERR_INVALID, NULL, "line %d: longer than %d bytes", l->err_line,
                              cap - 2);
        }
        return NULL;
    }
    l->line++;
    len += nl != NULL;
    memcpy(buf, l->text, len);
    buf[len] = '\0';
    l->text += len;
    return buf;
}

static int ini_sources(struct survive_field_rule *fr, const char *value, const char *field,
                       const char *where, struct errbuf *e)
{
    struct str rest = str_from(value), item;
    clear_sources(fr);
    if (!str_trim(rest).len)
        return 0;
    for (bool more = true; more;) {
        more = str_cut(rest, ',', &item, &rest);
        int rc = add_source(fr, item, field, where, e);
        if (rc)
            return rc;
    }
    return 0;
}

static int ini_pair(void *user, const char *section, const char *name, const char *value)
{
    struct ini_load *l = user;
    if (l->rc)
        return 0;
    char field[160], where[200];
    snprintf(field, sizeof(field), "%s.%s", section, name);
    snprintf(where, sizeof(where), "line %d: [%s] %s", l->line, section, name);
    int f = strcmp(section, "default") == 0 ? PF_COUNT : field_from_name(section);
    if (f < 0) {
        char names[256] = "";
        for (int g = 0, len = 0; g < PF_COUNT && len < (int)sizeof(names); g++)
            len += snprintf(names + len, sizeof(names) - (size_t)len, "%s%s", g ? ", " : "",
                            profile_field_name((enum profile_field)g));
        l->rc = err_field(l->e, ERR_INVALID, field,
                          "line %d: unknown section [%s] (use [default] or a profile field: %s)",
                          l->line, section, names);
    } else if (strcmp(name, "rule") == 0) {
        l->rc = set_rule(&l->rules[f], value, field, where, l->e);
        l->set[f] |= SET_RULE;
    } else if (strcmp(name, "sources") == 0) {
        l->rc = ini_sources(&l->rules[f], value, field, where, l->e);
        l->set[f] |= SET_SOURCES;
    } else {
        l->rc = err_field(l->e, ERR_INVALID, field, "%s: unknown key (use rule or sources)", where);
    }
    if (l->rc)
        l->err_line = l->line;
    return !l->rc;
}

int survive_rules_parse(struct survive_rules *r, const char *ini_text, struct errbuf *e)
{
    struct ini_load l = {.text = ini_text, .e = e};
    struct survive_rules def;
    survive_rules_default(&def);
    memcpy(l.rules, def.field, sizeof(def.field));

    /* inih returns the first failing line, ours or a malformed one: report the first */
    int line = ini_parse_stream(ini_read, &l, ini_pair, &l);
    if (line < 0)
        return err_field(e, ERR_NOMEM, NULL, "out of memory reading the rules");
    if (l.rc && (!line || l.err_line <= line))
        return l.rc;
    if (line)
        return err_field(e, ERR_INVALID, NULL,
                         "line %d: not an INI line (want [section] or key = value)", line);

    const struct survive_field_rule *d = &l.rules[PF_COUNT];
    for (int f = 0; f < PF_COUNT; f++) {
        if (!(l.set[f] & SET_RULE) && (l.set[PF_COUNT] & SET_RULE))
            l.rules[f].rule = d->rule;
        if (!(l.set[f] & SET_SOURCES) && (l.set[PF_COUNT] & SET_SOURCES)) {
            l.rules[f].nsources = d->nsources;
            memcpy(l.rules[f].sources, d->sources, sizeof(d->sources));
        }
    }
    memcpy(r->field, l.rules, sizeof(r->field));
    return 0;
}

/* ---- JSON ----------------------------------------------------------------- */

json_t *survive_rules_to_json(const struct survive_rules *r)
{
    json_t *o = json_object();
    for (int f = 0; f < PF_COUNT; f++) {
        const struct survive_field_rule *fr = &r->field[f];
        json_t *src = json_array();
        for (int i = 0; i < fr->nsources; i++)
            json_array_append_new(src, json_string(fr->sources[i]));
        json_object_set_new(
            o, profile_field_name((enum profile_field)f),
            json_pack("{s:s, s:o}", "rule", survive_rule_name(fr->rule), "sources", src));
    }
    return o;
}

static int json_sources(struct survive_field_rule *fr, json_t *v, const char *field,
                        struct errbuf *e)
{
    if (!json_is_array(v))
        return err_field(e, ERR_INVALID, field, "%s: want an array of strings", field);
    clear_sources(fr);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return err_field(e, ERR_INVALID, field, "%s: want an array of strings", field);
        struct str name = str_make(json_string_value(s), json_string_length(s));
        int rc = add_source(fr, name, field, field, e);
        if (rc)
            return rc;
    }
    return 0;
}

static int field_from_json(struct survive_field_rule *fr, const char *name, json_t *o,
                           struct errbuf *e)
{
    char field[160];
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        const char *key = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        snprintf(field, sizeof(field), "%s.%s", name, key);
        bool rule = strcmp(key, "rule") == 0;
        int rc;
        if (rule && json_is_string(v))
            rc = set_rule(fr, json_string_value(v), field, field, e);
        else if (rule)
            rc = err_field(e, ERR_INVALID, field, "%s: want a string", field);
        else if (strcmp(key, "sources") == 0)
            rc = json_sources(fr, v, field, e);
        else
            rc = err_field(e, ERR_INVALID, field, "%s: unknown key (use rule or sources)", field);
        if (rc)
            return rc;
    }
    return 0;
}

int survive_rules_from_json(struct survive_rules *r, json_t *j, struct errbuf *e)
{
    if (!json_is_object(j))
        return err_field(e, ERR_INVALID, NULL, "survivorship rules: want a JSON object");
    struct survive_rules nr;
    survive_rules_default(&nr);
    for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
        const char *key = json_object_iter_key(it);
        int f = field_from_name(key);
        if (f < 0)
            return err_field(e, ERR_INVALID, key, "%s: not a profile field", key);
        if (!json_is_object(json_object_iter_value(it)))
            return err_field(e, ERR_INVALID, key, "%s: want an object with rule and sources", key);
        int rc = field_from_json(&nr.field[f], key, json_object_iter_value(it), e);
        if (rc)
            return rc;
    }
    *r = nr;
    return 0;
}

/* ---- the choice ----------------------------------------------------------- */

/* Only the records whose field equals value (same_value) take part; none when value is NULL. */
struct filter {
    int field;
    const char *value;
};

static bool has(const char *v)
{
    return v && str_trim(str_from(v)).len > 0;
}

/* Equal after trimming, ignoring case; bytes that are not UTF-8 compare as they are. */
static bool same_value(const char *a, const char *b)
{
    struct str x = str_trim(str_from(a)), y = str_trim(str_from(b));
    size_t i = 0, j = 0;
    while (i < x.len && j < y.len) {
        utf8proc_int32_t ca, cb;
        utf8proc_ssize_t na = utf8proc_iterate((const utf8proc_uint8_t *)x.ptr + i,
                                               (utf8proc_ssize_t)(x.len - i), &ca);
        utf8proc_ssize_t nb = utf8proc_iterate((const utf8proc_uint8_t *)y.ptr + j,
                                               (utf8proc_ssize_t)(y.len - j), &cb);
        if (na < 1 || nb < 1) {
            if (x.ptr[i] != y.ptr[j])
                return false;
            na = nb = 1;
        } else if (utf8proc_tolower(ca) != utf8proc_tolower(cb)) {
            return false;
        }
        i += (size_t)na;
        j += (size_t)nb;
    }
    return i == x.len && j == y.len;
}

static bool eligible(const struct survive_rec *r, int f, const struct filter *flt)
{
    return has(r->vals[f]) && (!flt->value || (has(r->vals[flt->field]) &&
                                               same_value(r->vals[flt->field], flt->value)));
}

/* Place of src in the field's list; unlisted sources come after the listed ones. */
static int rank(const struct survive_field_rule *fr, const char *src)
{
    for (int i = 0; src && i < fr->nsources; i++)
        if (strcmp(src, fr->sources[i]) == 0)
            return i;
    return fr->nsources;
}

/* The tie-breaker of every rule: true when a goes before b. */
static bool before(const struct survive_field_rule *fr, const struct survive_rec *a,
                   const struct survive_rec *b)
{
    int ra = rank(fr, a->source), rb = rank(fr, b->source);
    if (ra != rb)
        return ra < rb;
    if (a->received_at != b->received_at)
        return a->received_at > b->received_at;
    return a->raw_id > b->raw_id;
}

/* What the rule looks at before the tie-breaker, in two parts; larger is better. */
static void rule_key(const struct survive_field_rule *fr, int f, const struct survive_rec *recs,
                     size_t n, size_t i, const struct filter *flt, int64_t key[2])
{
    key[0] = key[1] = 0;
    switch (fr->rule) {
    case SURVIVE_MOST_RECENT:
        key[0] = recs[i].received_at;
        break;
    case SURVIVE_SOURCE_PRIORITY: /* the tie-breaker starts with the source list */
        break;
    case SURVIVE_MOST_COMPLETE:
        for (int g = 0; g < PF_COUNT; g++)
            key[0] += has(recs[i].vals[g]);
        key[1] = (int64_t)strlen(recs[i].vals[f]);
        break;
    case SURVIVE_MOST_FREQUENT:
        for (size_t j = 0; j < n; j++)
            key[0] += eligible(&recs[j], f, flt) && same_value(recs[j].vals[f], recs[i].vals[f]);
        break;
    default:
        BUG("survive: no rule %d", (int)fr->rule);
    }
}

/* The record that gives field f by its rule, among those flt lets through; -1 when none. */
static long pick(const struct survive_field_rule *fr, int f, const struct survive_rec *recs,
                 size_t n, const struct filter *flt)
{
    long best = -1;
    int64_t bk[2] = {0, 0}, k[2];
    for (size_t i = 0; i < n; i++) {
        if (!eligible(&recs[i], f, flt))
            continue;
        rule_key(fr, f, recs, n, i, flt, k);
        bool better = best < 0 || k[0] > bk[0] || (k[0] == bk[0] && k[1] > bk[1]) ||
                      (k[0] == bk[0] && k[1] == bk[1] && before(fr, &recs[i], &recs[best]));
        if (better) {
            best = (long)i;
            bk[0] = k[0];
            bk[1] = k[1];
        }
    }
    return best;
}

/* The address fields, which come as a block, are the last ones. */
_Static_assert(PF_STREET + 4 == PF_COUNTRY && PF_COUNTRY + 1 == PF_COUNT, "address fields");

void survive_choose(const struct survive_rules *r, const struct survive_rec *recs, size_t n,
                    const char *golden[PF_COUNT], int64_t from[PF_COUNT])
{
    static const int anchors[] = {PF_STREET, PF_POSTAL_CODE, PF_CITY, PF_COUNTRY};
    struct filter all = {0, NULL}, same = {0, NULL};
    long a = -1;
    for (size_t k = 0; k < sizeof(anchors) / sizeof(anchors[0]) && a < 0; k++) {
        same.field = anchors[k];
        a = pick(&r->field[same.field], same.field, recs, n, &all);
    }
    if (a >= 0)
        same.value = recs[a].vals[same.field];

    for (int f = 0; f < PF_COUNT; f++) {
        long i;
        if (f < PF_STREET)
            i = pick(&r->field[f], f, recs, n, &all);
        else if (a >= 0 && has(recs[a].vals[f]))
            i = a;
        else
            i = pick(&r->field[f], f, recs, n, &same);
        golden[f] = i >= 0 ? recs[i].vals[f] : NULL;
        from[f] = i >= 0 ? recs[i].raw_id : 0;
    }
}
