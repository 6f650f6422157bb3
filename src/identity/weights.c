/*
 * weights.c — configured m and u probabilities (weights.h): the INI form
 * parsed with inih, the JSON form the workspace keeps.
 */
#include "identity/weights.h"

#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUM_SLACK 0.01 /* m and u must sum to 1 within this */

struct parse {
    struct weights *w;
    bool has_m[PAIR_NFIELDS], has_u[PAIR_NFIELDS];
    int rc;
    struct errbuf *e;
};

static int field_index(const char *name)
{
    for (int f = 0; f < PAIR_NFIELDS; f++)
        if (!strcmp(pair_field_name(f), name))
            return f;
    return -1;
}

static int fail(struct parse *p, const char *field, const char *msg)
{
    if (!p->rc)
        p->rc = err_field(p->e, ERR_INVALID, field, "%s: %s", field, msg);
    return 0; /* stop inih */
}

/* "0.1, 0.2, 0.7" into out; the number of values, or -1 for one that is not a number. */
static int numbers(const char *value, double out[FS_MAX_LEVELS + 1])
{
    int n = 0;
    const char *p = value;
    while (*p && n <= FS_MAX_LEVELS) {
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            return -1;
        out[n++] = v;
        p = end + strspn(end, " \t");
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return n;
}

/* The probabilities of one level each: in (0, 1), summing to 1. NULL, or what is wrong. */
static const char *dist_error(const double *v, int n)
{
    double sum = 0;
    for (int l = 0; l < n; l++) {
        if (!(v[l] > 0 && v[l] < 1))
            return "a probability must lie between 0 and 1 (both excluded)";
        sum += v[l];
    }
    return fabs(sum - 1.0) > SUM_SLACK ? "the probabilities must sum to 1" : NULL;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    if (p->rc)
        return 0;
    char field[160], msg[256];
    snprintf(field, sizeof(field), "%s.%s", section, name);
    int f = field_index(section);
    if (f < 0) {
        snprintf(msg, sizeof(msg),
                 "unknown field [%.60s]: first_name, last_name, birth_date, gender, email, "
                 "phone or address",
                 section);
        return fail(p, field, msg);
    }
    bool is_m = !strcmp(name, "m");
    if (!is_m && strcmp(name, "u") != 0) {
        snprintf(msg, sizeof(msg), "unknown key %.60s: m or u", name);
        return fail(p, field, msg);
    }
    bool *had = is_m ? &p->has_m[f] : &p->has_u[f];
    if (*had) {
        snprintf(msg, sizeof(msg), "%.100s is given twice", field);
        return fail(p, field, msg);
    }
    *had = true;
    double v[FS_MAX_LEVELS + 1];
    int n = numbers(value, v);
    if (n != pair_nlevels[f]) {
        snprintf(msg, sizeof(msg), "want %d numbers, one per level, lowest first; got \"%.40s\"",
                 pair_nlevels[f], value);
        return fail(p, field, msg);
    }
    const char *why = dist_error(v, n);
    if (why) {
        snprintf(msg, sizeof(msg), "%s: %.60s", why, value);
        return fail(p, field, msg);
    }
    memcpy(is_m ? p->w->m[f] : p->w->u[f], v, sizeof(double) * (size_t)n);
    return 1;
}

int weights_parse(struct weights *w, const char *ini_text, struct errbuf *e)
{
    memset(w, 0, sizeof(*w));
    struct parse p = {.w = w, .e = e};
    int line = ini_parse_string(ini_text, on_pair, &p);
    if (p.rc)
        return p.rc;
    if (line < 0)
        return err_field(e, ERR_NOMEM, NULL, "out of memory reading the weights");
    if (line > 0)
        return err_field(e, ERR_INVALID, NULL,
                         "line %d: not an INI line (want [field] or m = ... / u = ...)", line);
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        if (p.has_m[f] != p.has_u[f]) {
            char field[64];
            snprintf(field, sizeof(field), "%s.%s", pair_field_name(f), p.has_m[f] ? "u" : "m");
            return err_field(e, ERR_INVALID, field, "[%s] needs both m and u",
                             pair_field_name(f));
        }
        w->set[f] = p.has_m[f];
    }
    return 0;
}

json_t *weights_to_json(const struct weights *w)
{
    json_t *o = json_object();
    for (int f = 0; f < PAIR_NFIELDS; f++) {
        if (!w->set[f])
            continue;
        json_t *m = json_array(), *u = json_array();
        for (int l = 0; l < pair_nlevels[f]; l++) {
            json_array_append_new(m, json_real(w->m[f][l]));
            json_array_append_new(u, json_real(w->u[f][l]));
        }
        json_object_set_new(o, pair_field_name(f), json_pack("{s:o, s:o}", "m", m, "u", u));
    }
    return o;
}

/* One of "m" or "u" of a field from JSON; false when it is not a valid distribution. */
static bool dist_from_json(const json_t *a, int nlevels, double *out)
{
    if (json_array_size(a) != (size_t)nlevels)
        return false;
    for (int l = 0; l < nlevels; l++) {
        const json_t *v = json_array_get(a, (size_t)l);
        if (!json_is_number(v))
            return false;
        out[l] = json_number_value(v);
    }
    return dist_error(out, nlevels) == NULL;
}

int weights_from_json(struct weights *w, const json_t *j, struct errbuf *e)
{
    memset(w, 0, sizeof(*w));
    if (!json_is_object(j))
        return err_set(e, ERR_INVALID, "the weights are not a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        int f = field_index(key);
        if (f < 0 || !dist_from_json(json_object_get(v, "m"), pair_nlevels[f], w->m[f]) ||
            !dist_from_json(json_object_get(v, "u"), pair_nlevels[f], w->u[f]))
            return err_field(e, ERR_INVALID, key, "weights of %s are not valid", key);
        w->set[f] = true;
    }
    return 0;
}

void weights_apply(const struct weights *w, struct fs_model *m)
{
    for (int f = 0; f < PAIR_NFIELDS; f++)
        if (w->set[f])
            fs_model_fix(m, f, w->m[f], w->u[f]);
}
