/*
 * import.c — mapping, cleaning and storing imported rows (import.h).
 *
 * A row is keyed by its source and external id. Its hash (of the mapping
 * and the row as given) is stored with it, so importing the same file again
 * finds every row unchanged and writes nothing; a changed row is stored as
 * the record's new current version. Profile rows take the same path as an
 * API identify: clean_record(), then ingest_record_store().
 */
#include "ingest/import.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/str.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "ingest/ingest.h"

/* ---- fields ----------------------------------------------------------------- */

enum field {
    F_NONE = -1,
    /* F_FIRST_NAME .. F_COUNTRY are enum profile_field */
    F_EXTERNAL_ID = PF_COUNT, F_SALUTATION, F_EMAIL_ALT, F_MOBILE, F_LOYALTY_CARD,
    F_CUSTOMER_NUMBER, F_CUSTOMER_ID, F_ORDERED_AT, F_STATUS, F_CURRENCY, F_TOTAL, F_ORDER_ID,
    F_LINE_NO, F_PRODUCT_ID, F_SKU, F_NAME, F_CATEGORY, F_PRICE, F_QUANTITY, F_TYPE,
    F_TIMESTAMP, F_CHANNEL, F_PURPOSE, F_WORDING, F_IP, F_COUNT
};

static const char *const extra_names[] = {
    "external_id", "salutation", "email_alt", "mobile", "loyalty_card", "customer_number",
    "customer_id", "ordered_at", "status", "currency", "total", "order_id", "line_no",
    "product_id", "sku", "name", "category", "price", "quantity", "type", "timestamp",
    "channel", "purpose", "wording", "ip",
};

static const char *field_name(int f)
{
    return f < PF_COUNT ? profile_field_name((enum profile_field)f) : extra_names[f - PF_COUNT];
}

/* Which fields each table knows, and which it requires. */
static const struct {
    const char *name;
    int fields[32];
    int required[4];
} tables[IMP_NTABLES] = {
    [IMP_PROFILES] = {"profiles",
                      {PF_FIRST_NAME, PF_LAST_NAME, PF_GENDER, PF_BIRTH_DATE, PF_LANGUAGE, PF_EMAIL,
                       PF_PHONE, PF_STREET, PF_HOUSE_NUMBER, PF_POSTAL_CODE, PF_CITY, PF_COUNTRY,
                       F_EXTERNAL_ID, F_SALUTATION, F_EMAIL_ALT, F_MOBILE, F_LOYALTY_CARD,
                       F_CUSTOMER_NUMBER, F_NONE},
                      {F_EXTERNAL_ID, F_NONE}},
    [IMP_ORDERS] = {"orders",
                    {F_EXTERNAL_ID, F_CUSTOMER_ID, F_ORDERED_AT, F_STATUS, F_CURRENCY, F_TOTAL,
                     F_NONE},
                    {F_EXTERNAL_ID, F_CUSTOMER_ID, F_ORDERED_AT, F_NONE}},
    [IMP_ORDER_LINES] = {"order_lines",
                         {F_ORDER_ID, F_LINE_NO, F_PRODUCT_ID, F_SKU, F_NAME, F_CATEGORY, F_PRICE,
                          F_QUANTITY, F_NONE},
                         {F_ORDER_ID, F_LINE_NO, F_NONE}},
    [IMP_EVENTS] = {"events",
                    {F_EXTERNAL_ID, F_CUSTOMER_ID, F_TYPE, F_NAME, F_TIMESTAMP, F_NONE},
                    {F_EXTERNAL_ID, F_CUSTOMER_ID, F_NAME, F_TIMESTAMP}},
    [IMP_CONSENTS] = {"consents",
                      {F_CUSTOMER_ID, F_CHANNEL, F_PURPOSE, F_STATUS, F_TIMESTAMP, F_WORDING, F_IP,
                       F_NONE},
                      {F_CUSTOMER_ID, F_CHANNEL, F_STATUS, F_NONE}},
};

const char *import_table_name(enum import_table t)
{
    return (unsigned)t < IMP_NTABLES ? tables[t].name : "?";
}

int import_table_from_name(const char *name)
{
    for (int t = 0; t < IMP_NTABLES; t++)
        if (strcmp(name, tables[t].name) == 0)
            return t;
    return -1;
}

static int field_in_table(enum import_table t, const char *name)
{
    for (int i = 0; i < 32 && tables[t].fields[i] != F_NONE; i++)
        if (strcasecmp(name, field_name(tables[t].fields[i])) == 0)
            return tables[t].fields[i];
    return F_NONE;
}

/* ---- mapping files ---------------------------------------------------------- */

struct map_load {
    struct import_map *m;
    const char *section;
    struct errbuf *e;
    int rc;
};

int import_map_set(struct import_map *m, const char *name, const char *value, struct errbuf *e)
{
    if (strcmp(name, "delimiter") == 0) {
        /* by name, since ";" starts a comment in an INI file; or one character, maybe quoted */
        static const struct {
            const char *name;
            char c;
        } names[] = {{"comma", ','}, {"semicolon", ';'}, {"tab", '\t'}, {"\\t", '\t'},
                     {"pipe", '|'}, {"\";\"", ';'}, {"\",\"", ','}, {"\"|\"", '|'}};
        m->delimiter = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(value, names[i].name) == 0)
                m->delimiter = names[i].c;
        if (!m->delimiter && strlen(value) == 1 && value[0] != '"')
            m->delimiter = value[0];
        if (!m->delimiter)
            return err_field(e, ERR_INVALID, "import.delimiter",
                             "delimiter must be comma, semicolon, tab, pipe or one character, got "
                             "\"%s\" (a bare ; starts a comment in an INI file: write semicolon)",
                             value);
    } else if (strcmp(name, "encoding") == 0) {
        if (strcasecmp(value, "auto") == 0)
            m->encoding = CSVR_AUTO;
        else if (strcasecmp(value, "utf-8") == 0 || strcasecmp(value, "utf8") == 0)
            m->encoding = CSVR_UTF8;
        else if (strcasecmp(value, "latin1") == 0 || strcasecmp(value, "iso-8859-1") == 0 ||
                 strcasecmp(value, "windows-1252") == 0 || strcasecmp(value, "cp1252") == 0)
            m->encoding = CSVR_LATIN1;
        else
            return err_field(e, ERR_INVALID, "import.encoding",
                             "encoding must be auto, utf-8 or latin1, got \"%s\"", value);
    } else if (strcmp(name, "decimal") == 0) {
        if (strcmp(value, ".") != 0 && strcmp(value, ",") != 0)
            return err_field(e, ERR_INVALID, "import.decimal",
                             "decimal must be \".\" or \",\", got \"%s\"", value);
        m->decimal = value[0];
    } else if (strcmp(name, "locale") == 0) {
        free(m->locale);
        m->locale = xstrdup(value);
    } else if (strcmp(name, "country") == 0) {
        free(m->country);
        m->country = xstrdup(value);
    } else if (strcmp(name, "currency") == 0) {
        free(m->currency);
        m->currency = xstrdup(value);
        for (char *c = m->currency; *c; c++)
            *c = (char)toupper((unsigned char)*c);
    } else {
        return err_field(e, ERR_INVALID, "import", "unknown option \"%s\" in [import]", name);
    }
    return 0;
}

static int map_line(void *user, const char *section, const char *name, const char *value)
{
    struct map_load *ml = user;
    if (ml->rc)
        return 0;
    if (strcmp(section, "import") == 0) {
        ml->rc = import_map_set(ml->m, name, value, ml->e);
    } else if (strcmp(section, ml->section) == 0) {
        struct import_map *m = ml->m;
        m->column = xrealloc(m->column, (m->npairs + 1) * sizeof(*m->column));
        m->field = xrealloc(m->field, (m->npairs + 1) * sizeof(*m->field));
        m->column[m->npairs] = xstrdup(name);
        m->field[m->npairs] = xstrdup(value);
        m->npairs++;
    } else if (import_table_from_name(section) < 0) {
        ml->rc = err_field(ml->e, ERR_INVALID, section,
                           "unknown section [%s]: use [import] or a table name", section);
    }
    return ml->rc ? 0 : 1;
}

int import_map_load(const char *path, enum import_table t, struct import_map *m,
                    struct errbuf *e)
{
    memset(m, 0, sizeof(*m));
    struct map_load ml = {m, tables[t].name, e, 0};
    int line = ini_parse(path, map_line, &ml);
    if (line < 0)
        return err_set(e, ERR_IO, "cannot read the mapping file %s", path);
    if (ml.rc)
        return ml.rc;
    if (line > 0)
        return err_set(e, ERR_INVALID, "%s:%d: not a valid INI line", path, line);
    /* every mapped field must exist in the table (or be a custom attribute) */
    for (size_t i = 0; i < m->npairs; i++) {
        const char *f = m->field[i];
        if (strncmp(f, "attr.", 5) == 0 || strcmp(f, "ignore") == 0)
            continue;
        if (field_in_table(t, f) == F_NONE)
            return err_field(e, ERR_INVALID, m->column[i],
                             "%s: [%s] maps column \"%s\" to \"%s\", which is not a field of %s "
                             "(see docs/import.md)",
                             path, tables[t].name, m->column[i], f, tables[t].name);
    }
    return 0;
}

void import_map_free(struct import_map *m)
{
    for (size_t i = 0; i < m->npairs; i++) {
        free(m->column[i]);
        free(m->field[i]);
    }
    free(m->column);
    free(m->field);
    free(m->locale);
    free(m->country);
    free(m->currency);
    memset(m, 0, sizeof(*m));
}

/* ---- the import ------------------------------------------------------------- */

#define MAX_TARGETS 3

struct column {
    char *name;
    int target[MAX_TARGETS]; /* fields, F_NONE-terminated */
    char *attr;              /* custom attribute or event property name, or NULL */
};

struct override {
    const char *external_id;
    uint32_t keep;
};

struct import {
    char *source;
    enum import_table table;
    const struct import_map *map;
    const struct clean_patterns *patterns;
    struct override *overrides;
    size_t noverrides;
    int64_t now;
    uint64_t map_hash;
    struct column *cols;
    size_t ncols;
    struct buf unmapped;
    struct import_stats st;
    /* profiles: the source's current records, known before the rows are read */
    uint64_t header_hash; /* the mapping and the header's columns: part of every row hash */
    struct strmap *pending; /* ids of this source and table waiting in the quarantine */
    char kind[48];          /* "import:<table>", the quarantine's kind of its rows */
    bool indexed;
    bool index_full; /* new ids no longer fit: rows after that ask the store */
    struct strmap *index; /* external id -> struct known */
    bool no_match;        /* matching left to a later resolve */
};

struct known {
    int64_t raw_id, profile_id, row_hash;
    bool seen; /* a row of this import had this id already */
};

enum item_state { ITEM_STORE, ITEM_QUARANTINE, ITEM_UNCHANGED };

struct import_item {
    struct import_batch *batch; /* the batch it belongs to (for its arena) */
    bool from_store;            /* quarantined by what the store found (unknown customer...) */
    enum item_state state;
    int64_t record, retry_id;
    const char *external_id;
    const char *payload;
    char *payload_heap; /* the payload when the batch's arena could not hold it */
    int64_t row_hash;
    const char *reason, *reason_class, *field;
    /* profiles */
    struct known *known; /* the current record (indexed imports), NULL when none */
    bool is_new;               /* indexed import and no current record */
    struct clean_output *co;
    const char *cleaned, *corrections;
    json_t *custom;
    const char *loyalty, *customer_number;
    /* orders, events, consents: the customer's external id */
    const char *customer_id;
    struct store_order order;
    const char *attrs;
    const char *order_id;
    int64_t line_no;
    struct store_order_line line;
    struct store_event ev;
    struct store_consent consent;
};


static int override_cmp(const void *a, const void *b)
{
    return strcmp(((const struct override *)a)->external_id,
                  ((const struct override *)b)->external_id);
}

void import_set_no_match(struct import *im, bool no_match)
{
    im->no_match = no_match;
}

struct import *import_new(const char *source, enum import_table t, const struct import_map *map,
                          const struct clean_patterns *patterns, json_t *overrides, int64_t now)
{
    struct import *im = xcalloc(1, sizeof(*im));
    im->source = xstrdup(source);
    im->table = t;
    snprintf(im->kind, sizeof(im->kind), "import:%s", tables[t].name);
    im->map = map;
    im->patterns = patterns;
    im->now = now;
    buf_init(&im->unmapped, 0);
    uint64_t h = str_fnv1a(STR_FNV1A_INIT, tables[t].name, strlen(tables[t].name));
    for (size_t i = 0; map && i < map->npairs; i++) {
        h = str_fnv1a(h, map->column[i], strlen(map->column[i]) + 1);
        h = str_fnv1a(h, map->field[i], strlen(map->field[i]) + 1);
    }
    /* every option that changes how a value is read is part of the row's hash */
    if (map) {
        const char *opts[] = {map->locale, map->country, map->currency};
        for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
            h = opts[i] ? str_fnv1a(h, opts[i], strlen(opts[i]) + 1) : str_fnv1a(h, "\x01", 1);
        h = str_fnv1a(h, &map->decimal, 1); /* delimiter and encoding show in the fields themselves */
    }
    im->map_hash = h;

    /* fields a user chose to keep as given, by external id */
    size_t n = json_array_size(overrides);
    im->overrides = n ? xcalloc(n, sizeof(*im->overrides)) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(overrides, i);
        const char *ext = json_string_value(json_object_get(o, "external_id"));
        const char *field = json_string_value(json_object_get(o, "field"));
        if (!ext || !field)
            continue;
        int f = field_in_table(IMP_PROFILES, field);
        if (f == F_NONE || f >= PF_COUNT)
            continue;
        if (im->noverrides && strcmp(im->overrides[im->noverrides - 1].external_id, ext) == 0) {
            im->overrides[im->noverrides - 1].keep |= 1u << f;
            continue;
        }
        im->overrides[im->noverrides++] = (struct override){ext, 1u << f};
    }
    if (im->noverrides)
        qsort(im->overrides, im->noverrides, sizeof(*im->overrides), override_cmp);
    return im;
}

void import_free(struct import *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->ncols; i++) {
        free(im->cols[i].name);
        free(im->cols[i].attr);
    }
    free(im->cols);
    free(im->overrides);
    free(im->source);
    strmap_free(im->index);
    strmap_free(im->pending);
    buf_release(&im->unmapped);
    free(im);
}

static int index_one(void *ctx, const char *ext, int64_t raw_id, int64_t pid, int64_t hash)
{
    struct import *im = ctx;
    struct known *k = strmap_put(im->index, ext);
    if (!k)
        return ERR_NOMEM;
    if (raw_id || !k->profile_id) /* the record wins over its user id alone */
        *k = (struct known){raw_id, pid, hash, false};
    return 0;
}

/* A user id with a profile and maybe no record yet (track events, an alias). */
static int index_user(void *ctx, const char *user_id, int64_t pid)
{
    return index_one(ctx, user_id, 0, pid, 0);
}

int import_load_index(struct import *im, struct store *s, int64_t expected_rows,
                      struct errbuf *e)
{
    if (im->table != IMP_PROFILES || im->indexed)
        return 0;
    int64_t n, users;
    /* sized first (it cannot grow): the source's records and user ids, and the file's rows */
    int rc = store_raw_index(s, im->source, &n, NULL, NULL, e);
    if (!rc)
        rc = store_user_index(s, im->source, &users, NULL, NULL, e);
    if (rc)
        return rc;
    im->index = strmap_new_growable((size_t)(n + users + expected_rows), sizeof(struct known));
    im->indexed = true;
    rc = store_user_index(s, im->source, &users, index_user, im, e);
    if (!rc)
        rc = store_raw_index(s, im->source, &n, index_one, im, e);
    if (rc == ERR_NOMEM)
        rc = err_set(e, ERR_NOMEM, "out of memory for the index of %lld records", (long long)n);
    return rc;
}

static struct known *index_find(struct import *im, const char *ext)
{
    return strmap_get(im->index, ext);
}

/* An id first seen in this import: a later row with it is a duplicate. */
static void index_note_new(struct import *im, const char *ext)
{
    struct known *k = strmap_put(im->index, ext);
    if (k)
        k->seen = true;
    else
        im->index_full = true;
}

const char *import_kind(const struct import *im)
{
    return im->kind;
}

const struct import_stats *import_stats(const struct import *im)
{
    return &im->st;
}

struct import_stats *import_stats_mut(struct import *im)
{
    return &im->st;
}

const char *import_unmapped(const struct import *im)
{
    return im->unmapped.ptr;
}

bool import_unmapped_kept(const struct import *im)
{
    return im->table != IMP_ORDER_LINES && im->table != IMP_CONSENTS;
}

void import_note_converted(struct import *im)
{
    im->st.converted++;
}

static void add_target(struct column *c, int f)
{
    for (int k = 0; k < MAX_TARGETS; k++) {
        if (c->target[k] == f)
            return;
        if (c->target[k] == F_NONE) {
            c->target[k] = f;
            if (k + 1 < MAX_TARGETS)
                c->target[k + 1] = F_NONE;
            return;
        }
    }
}

int import_header(struct import *im, char *const *names, size_t n, struct errbuf *e)
{
    for (size_t i = 0; i < im->ncols; i++) {
        free(im->cols[i].name);
        free(im->cols[i].attr);
    }
    free(im->cols);
    buf_reset(&im->unmapped);
    im->cols = xcalloc(n ? n : 1, sizeof(*im->cols));
    im->ncols = n;
    const struct import_map *m = im->map;
    for (size_t i = 0; i < n; i++) {
        struct column *c = &im->cols[i];
        /* a UTF-8 byte-order mark before the first name is not part of it */
        const char *name = names[i];
        if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
            name += 3;
        c->name = xstrdup(name);
        c->target[0] = F_NONE;
        bool mapped = false;
        for (size_t k = 0; m && k < m->npairs; k++) {
            if (strcmp(m->column[k], c->name) != 0)
                continue;
            mapped = true;
            if (strncmp(m->field[k], "attr.", 5) == 0) {
                free(c->attr);
                c->attr = xstrdup(m->field[k] + 5);
            } else if (strcmp(m->field[k], "ignore") != 0) {
                add_target(c, field_in_table(im->table, m->field[k]));
            }
        }
        if (mapped)
            continue;
        int f = field_in_table(im->table, c->name);
        if (f != F_NONE) {
            add_target(c, f);
        } else if (strncmp(c->name, "attr.", 5) == 0 && c->name[5]) {
            c->attr = xstrdup(c->name + 5);
        } else if (c->name[0]) {
            /* profiles and orders keep it as an attribute, events as a property;
             * order lines and consents have no room for it: it is ignored */
            bool kept = im->table != IMP_ORDER_LINES && im->table != IMP_CONSENTS;
            if (kept)
                c->attr = xstrdup(c->name);
            if (im->table != IMP_EVENTS) {
                if (im->unmapped.len)
                    buf_adds(&im->unmapped, ", ");
                buf_adds(&im->unmapped, c->name);
            }
        }
    }
    /* a renamed column changes how rows are read: it is part of each row's hash */
    im->header_hash = im->map_hash;
    for (size_t i = 0; i < n; i++)
        im->header_hash = str_fnv1a(im->header_hash, im->cols[i].name, strlen(im->cols[i].name) + 1);
    /* every column the mapping names must be in the file */
    for (size_t k = 0; m && k < m->npairs; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(im->cols[i].name, m->column[k]) == 0;
        if (!found)
            return err_field(e, ERR_INVALID, m->column[k],
                             "the mapping names column \"%s\", which the file's header lacks",
                             m->column[k]);
    }
    for (int r = 0; r < 4 && tables[im->table].required[r] != F_NONE; r++) {
        int want = tables[im->table].required[r];
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            for (int k = 0; k < MAX_TARGETS && im->cols[i].target[k] != F_NONE && !found; k++)
                found = im->cols[i].target[k] == want;
        if (!found)
            return err_field(e, ERR_INVALID, field_name(want),
                             "%s need a column for \"%s\": name a column so, or map one to it "
                             "with --map",
                             tables[im->table].name, field_name(want));
    }
    return 0;
}

/* ---- batches ---------------------------------------------------------------- */

void import_batch_init(struct import_batch *b, size_t cap)
{
    /* a prepared row takes 2-4 KiB; a batch of wide rows is handed over once half full */
    arena_init(&b->arena, (cap < 4096 ? 4096 : cap) * (size_t)16384);
    b->items = xcalloc(cap, sizeof(*b->items));
    b->n = 0;
    b->cap = cap;
}

bool import_batch_ready(const struct import_batch *b)
{
    return b->n == b->cap || b->arena.used > b->arena.limit / 2;
}

void import_batch_reset(struct import_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->items[i].custom);
        free(b->items[i].payload_heap);
    }
    arena_release(&b->arena);
    b->n = 0;
}

void import_batch_release(struct import_batch *b)
{
    import_batch_reset(b);
    free(b->items);
    b->items = NULL;
    b->cap = 0;
}

/* ---- preparing a row -------------------------------------------------------- */

static void quarantine(struct import_item *it, const char *klass, const char *field,
                       const char *reason)
{
    it->state = ITEM_QUARANTINE;
    it->reason_class = klass;
    it->field = field;
    it->reason = reason;
}

/* "<field> \"<value>\" <why>", in the arena. */
static const char *fmt_reason(struct arena *a, const char *field, const char *value,
                              const char *why)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s \"%.200s\" %s", field, value ? value : "", why);
    return arena_strdup(a, tmp);
}

static bool blank(const char *v)
{
    if (!v)
        return true;
    while (isspace((unsigned char)*v))
        v++;
    return !*v;
}

static const char *trim_dup(struct arena *a, const char *v)
{
    while (isspace((unsigned char)*v))
        v++;
    size_t n = strlen(v);
    while (n && isspace((unsigned char)v[n - 1]))
        n--;
    return arena_strndup(a, v, n);
}

/*
 * Money as written: "59.90", "59,90", "1.234,56", "1,234.56", "€ 12,50".
 * decimal is the declared decimal separator or 0 to read it from the value.
 */
static int parse_money(const char *v, char decimal, int64_t *cents)
{
    char digits[64];
    size_t n = 0;
    bool neg = false;
    const char *last_sep = NULL;
    for (const char *p = v; *p; p++)
        if (*p == '.' || *p == ',')
            last_sep = p;
    if (!decimal && last_sep) {
        size_t after = strspn(last_sep + 1, "0123456789");
        decimal = after == 3 && !strchr(v, *last_sep == '.' ? ',' : '.') &&
                          strchr(last_sep + 1, *last_sep) == NULL && last_sep != strchr(v, *last_sep)
                      ? (*last_sep == '.' ? ',' : '.')
                      : *last_sep;
    }
    bool seen_dec = false, any = false, ended = false;
    int frac = 0;
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool symbol = c >= 0x80 || c == '$' || isalpha(c); /* €, £, $, EUR */
        if (isdigit(c)) {
            if (ended)
                return ERR_INVALID; /* "12abc34", "1O0.00" */
            if (seen_dec && frac == 2)
                return ERR_INVALID; /* more than cents */
            if (n >= 15)
                return ERR_INVALID; /* above 10^13 in any currency is not an order */
            digits[n++] = (char)c;
            any = true;
            if (seen_dec)
                frac++;
        } else if (c == (unsigned char)decimal) {
            if (seen_dec || ended)
                return ERR_INVALID;
            seen_dec = true;
        } else if (c == '.' || c == ',' || c == ' ' || c == '\'') {
            if (ended && c != ' ')
                return ERR_INVALID;
            continue; /* thousands separators */
        } else if (c == '-' && !any) {
            neg = true;
        } else if (symbol) {
            ended = any; /* a currency before or after the number, never inside it */
        } else {
            return ERR_INVALID;
        }
    }
    if (!any)
        return ERR_INVALID;
    while (frac < 2) {
        digits[n++] = '0';
        frac++;
    }
    digits[n] = 0;
    *cents = strtoll(digits, NULL, 10) * (neg ? -1 : 1);
    return 0;
}

/* A time as written: ISO 8601, or a date the cleaning rules read, with an optional HH:MM[:SS]. */
static int parse_when(const struct import *im, struct arena *a, const char *v, int64_t *ms)
{
    if (!time_parse_iso8601(v, ms))
        return 0;
    char date[64];
    snprintf(date, sizeof(date), "%s", v);
    int hh = 0, mm = 0, ss = 0;
    char *sp = strrchr(date, ' ');
    if (sp && strchr(sp, ':')) {
        int k = sscanf(sp + 1, "%d:%d:%d", &hh, &mm, &ss);
        if (k < 2 || hh > 23 || mm > 59 || ss > 59)
            return ERR_INVALID;
        *sp = 0;
    }
    struct clean_ctx c = {.locale = im->map ? im->map->locale : NULL, .now = im->now, .arena = a};
    struct clean_result r;
    if (clean_date(&c, date, &r) || !r.value)
        return ERR_INVALID;
    char iso[40];
    snprintf(iso, sizeof(iso), "%sT%02d:%02d:%02dZ", r.value, hh, mm, ss);
    return time_parse_iso8601(iso, ms);
}


static uint32_t keep_mask(const struct import *im, const char *ext)
{
    if (!im->noverrides || !ext)
        return 0;
    struct override key = {ext, 0};
    const struct override *o =
        bsearch(&key, im->overrides, im->noverrides, sizeof(key), override_cmp);
    return o ? o->keep : 0;
}

static void prepare_profile(struct import *im, struct arena *a, struct import_item *it,
                            const char *const *val)
{
    struct clean_input in = {.salutation = val[F_SALUTATION], .email_alt = val[F_EMAIL_ALT],
                             .mobile = val[F_MOBILE], .keep = keep_mask(im, it->external_id)};
    memcpy(in.fields, val, sizeof(in.fields));
    struct clean_ctx c = {.country = im->map ? im->map->country : NULL,
                          .locale = im->map ? im->map->locale : NULL, .now = im->now,
                          .arena = a};
    it->co = arena_alloc(a, sizeof(*it->co));
    if (!it->co || clean_record(&c, im->patterns, &in, it->co) ||
        ingest_record_texts(a, it->co, &it->cleaned, &it->corrections)) {
        quarantine(it, "too large", "", "the row needs more memory than a row may use");
        return;
    }
    if (it->co->test_reason) {
        quarantine(it, "test record", it->co->test_field, it->co->test_reason);
        return;
    }
    it->loyalty = blank(val[F_LOYALTY_CARD]) ? NULL : trim_dup(a, val[F_LOYALTY_CARD]);
    it->customer_number =
        blank(val[F_CUSTOMER_NUMBER]) ? NULL : trim_dup(a, val[F_CUSTOMER_NUMBER]);
}

static void prepare_order(struct import *im, struct arena *a, struct import_item *it,
                          const char *const *val)
{
    struct store_order *o = &it->order;
    o->source = im->source;
    o->external_id = it->external_id;
    o->status = "completed";
    if (!blank(val[F_STATUS])) {
        const char *s = trim_dup(a, val[F_STATUS]);
        if (strcasecmp(s, "completed") == 0 || strcasecmp(s, "paid") == 0 ||
            strcasecmp(s, "complete") == 0)
            o->status = "completed";
        else if (strcasecmp(s, "refunded") == 0 || strcasecmp(s, "returned") == 0)
            o->status = "refunded";
        else
            return quarantine(it, "invalid status", "status",
                              fmt_reason(a, "status", s, "is not completed or refunded"));
    }
    o->currency = !blank(val[F_CURRENCY]) ? trim_dup(a, val[F_CURRENCY])
                  : im->map && im->map->currency ? im->map->currency
                                                  : "EUR";
    if (o->currency && islower((unsigned char)o->currency[0])) {
        char *up = arena_strdup(a, o->currency);
        for (char *c = up; c && *c; c++)
            *c = (char)toupper((unsigned char)*c);
        o->currency = up;
    }
    if (strlen(o->currency) != 3)
        return quarantine(it, "invalid currency", "currency",
                          fmt_reason(a, "currency", o->currency, "is not a three-letter ISO 4217 code"));
    if (!blank(val[F_TOTAL]) && parse_money(val[F_TOTAL], im->map ? im->map->decimal : 0,
                                            &o->total_cents))
        return quarantine(it, "invalid total", "total",
                          fmt_reason(a, "total", val[F_TOTAL], "is not an amount"));
    if (parse_when(im, a, val[F_ORDERED_AT], &o->ordered_at))
        return quarantine(it, "invalid ordered_at", "ordered_at",
                          fmt_reason(a, "ordered_at", val[F_ORDERED_AT], "is not a date and time"));
}

static void prepare_line(struct import *im, struct arena *a, struct import_item *it,
                         const char *const *val)
{
    struct store_order_line *l = &it->line;
    char *end;
    it->order_id = trim_dup(a, val[F_ORDER_ID]);
    errno = 0;
    it->line_no = strtoll(val[F_LINE_NO], &end, 10);
    if (end == val[F_LINE_NO] || !blank(end) || it->line_no < 0 || errno == ERANGE)
        return quarantine(it, "invalid line_no", "line_no",
                          fmt_reason(a, "line_no", val[F_LINE_NO], "is not a whole number"));
    l->product_id = blank(val[F_PRODUCT_ID]) ? NULL : trim_dup(a, val[F_PRODUCT_ID]);
    l->sku = blank(val[F_SKU]) ? NULL : trim_dup(a, val[F_SKU]);
    l->name = blank(val[F_NAME]) ? NULL : trim_dup(a, val[F_NAME]);
    l->category = blank(val[F_CATEGORY]) ? NULL : trim_dup(a, val[F_CATEGORY]);
    l->quantity = 1;
    if (!blank(val[F_PRICE]) &&
        parse_money(val[F_PRICE], im->map ? im->map->decimal : 0, &l->price_cents))
        return quarantine(it, "invalid price", "price",
                          fmt_reason(a, "price", val[F_PRICE], "is not an amount"));
    if (!blank(val[F_QUANTITY])) {
        l->quantity = strtoll(val[F_QUANTITY], &end, 10);
        if (end == val[F_QUANTITY] || !blank(end) || l->quantity < 0 || l->quantity > 1000000)
            return quarantine(it, "invalid quantity", "quantity",
                              fmt_reason(a, "quantity", val[F_QUANTITY], "is not a whole number"));
    }
    /* the key in the quarantine: order and line */
    size_t n = strlen(it->order_id) + 24;
    char *key = arena_alloc(a, n);
    if (key)
        snprintf(key, n, "%s#%lld", it->order_id, (long long)it->line_no);
    it->external_id = key;
}

static void prepare_event(struct import *im, struct arena *a, struct import_item *it,
                          const char *const *val)
{
    struct store_event *ev = &it->ev;
    ev->source = im->source;
    ev->type = "track";
    if (!blank(val[F_TYPE])) {
        const char *t = trim_dup(a, val[F_TYPE]);
        int st = seg_type_from_name(t);
        if (st != SEG_TRACK && st != SEG_PAGE && st != SEG_SCREEN)
            return quarantine(it, "invalid type", "type",
                              fmt_reason(a, "type", t, "is not track, page or screen"));
        ev->type = seg_type_name((enum seg_type)st);
    }
    ev->name = trim_dup(a, val[F_NAME]);
    if (!*ev->name)
        return quarantine(it, "missing name", "name", "name is empty");
    if (parse_when(im, a, val[F_TIMESTAMP], &ev->ts))
        return quarantine(it, "invalid timestamp", "timestamp",
                          fmt_reason(a, "timestamp", val[F_TIMESTAMP], "is not a date and time"));
    size_t n = strlen(im->source) + strlen(it->external_id) + 16;
    char *mid = arena_alloc(a, n);
    if (mid)
        snprintf(mid, n, "import:%s:%s", im->source, it->external_id);
    ev->message_id = mid;
    ev->received_at = im->now;
}

static const char *consent_status(const char *s)
{
    static const char *const yes[] = {"opted_in", "opt_in", "opt-in", "in", "yes", "y", "ja",
                                      "j", "oui", "true", "1", "subscribed"};
    static const char *const no[] = {"opted_out", "opt_out", "opt-out", "out", "no", "n", "nee",
                                     "non", "nein", "false", "0", "unsubscribed"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcasecmp(s, yes[i]) == 0)
            return "opted_in";
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strcasecmp(s, no[i]) == 0)
            return "opted_out";
    return NULL;
}

static void prepare_consent(struct import *im, struct arena *a, struct import_item *it,
                            const char *const *val)
{
    struct store_consent *c = &it->consent;
    const char *ch = trim_dup(a, val[F_CHANNEL]);
    for (char *p = (char *)ch; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!seg_channel_valid(ch))
        return quarantine(it, "invalid channel", "channel",
                          fmt_reason(a, "channel", ch, "is not email, sms, push, post or phone"));
    c->channel = ch;
    c->purpose = blank(val[F_PURPOSE]) ? "" : trim_dup(a, val[F_PURPOSE]);
    const char *st = trim_dup(a, val[F_STATUS]);
    if (!(c->status = consent_status(st)))
        return quarantine(it, "invalid status", "status",
                          fmt_reason(a, "status", st, "is not opted_in or opted_out"));
    c->source = im->source;
    c->wording = blank(val[F_WORDING]) ? NULL : trim_dup(a, val[F_WORDING]);
    c->ip = blank(val[F_IP]) ? NULL : trim_dup(a, val[F_IP]);
    c->ts = 0; /* none given: the time of the import, unless the status is unchanged */
    if (!blank(val[F_TIMESTAMP]) && parse_when(im, a, val[F_TIMESTAMP], &c->ts))
        return quarantine(it, "invalid timestamp", "timestamp",
                          fmt_reason(a, "timestamp", val[F_TIMESTAMP], "is not a date and time"));
    size_t n = strlen(it->customer_id) + strlen(c->channel) + strlen(c->purpose) + 4;
    char *key = arena_alloc(a, n);
    if (key)
        snprintf(key, n, "%s/%s/%s", it->customer_id, c->channel, c->purpose);
    it->external_id = key;
}

void import_prepare(struct import *im, struct import_batch *b, char *const *fields, size_t n,
                    int64_t record, int64_t retry_id)
{
    if (b->n == b->cap)
        BUG("import batch full");
    struct import_item *it = &b->items[b->n++];
    memset(it, 0, sizeof(*it));
    it->record = record;
    it->retry_id = retry_id;
    struct arena *a = &b->arena;
    a->failed = false; /* each row succeeds or fails on its own */

    /* the row as given, and its hash */
    struct buf p;
    buf_init(&p, 0);
    buf_addch(&p, '{');
    uint64_t h = im->header_hash;
    const char *val[F_COUNT] = {0};
    json_t *attrs = NULL;
    bool first = true;
    for (size_t i = 0; i < n && i < im->ncols; i++) {
        const struct column *c = &im->cols[i];
        buf_add_json_member(&p, &first, c->name, fields[i]);
        h = str_fnv1a(h, fields[i], strlen(fields[i]) + 1);
        for (int k = 0; k < MAX_TARGETS && c->target[k] != F_NONE; k++)
            if (!val[c->target[k]] || !*val[c->target[k]])
                val[c->target[k]] = fields[i];
        if (c->attr && !blank(fields[i])) {
            if (!attrs)
                attrs = json_object();
            json_object_set_new(attrs, c->attr, json_string(fields[i]));
        }
    }
    buf_addch(&p, '}');
    if (n != im->ncols) {
        /* nothing is lost: the row as read, every field, and the header it did not fit */
        buf_reset(&p);
        buf_adds(&p, "{\"_row\":[");
        for (size_t i = 0; i < n; i++) {
            buf_adds(&p, i ? ",\"" : "\"");
            buf_add_json_escaped(&p, fields[i], strlen(fields[i]));
            buf_addch(&p, '"');
        }
        buf_adds(&p, "],\"_header\":[");
        for (size_t i = 0; i < im->ncols; i++) {
            buf_adds(&p, i ? ",\"" : "\"");
            buf_add_json_escaped(&p, im->cols[i].name, strlen(im->cols[i].name));
            buf_addch(&p, '"');
        }
        buf_adds(&p, "]}");
    }
    it->payload = arena_strndup(a, p.ptr, p.len);
    if (!it->payload) /* the batch is full: the row keeps its own copy, so nothing is lost */
        it->payload = it->payload_heap = buf_detach(&p, NULL);
    buf_release(&p);
    it->row_hash = (int64_t)(h ? h : 1);
    if (n != im->ncols) {
        char why[160];
        snprintf(why, sizeof(why),
                 "row %lld has %zu fields, the header %zu: fix the file and import it again",
                 (long long)record, n, im->ncols);
        quarantine(it, "wrong number of fields", "", arena_strdup(a, why));
        json_decref(attrs);
        return;
    }
    /* text that is not valid JSON (invalid UTF-8 never gets here: the reader converts it) */
    for (int f = 0; f < F_COUNT; f++)
        if (val[f] && blank(val[f]))
            val[f] = NULL;

    enum import_table t = im->table;
    if (t != IMP_ORDER_LINES && t != IMP_CONSENTS) {
        if (!val[F_EXTERNAL_ID]) {
            json_decref(attrs);
            return quarantine(it, "missing external_id", "external_id", "external_id is empty");
        }
        it->external_id = trim_dup(a, val[F_EXTERNAL_ID]);
        if (!it->external_id) {
            json_decref(attrs);
            return quarantine(it, "too large", "", "the row needs more memory than a row may use");
        }
    }
    if (t == IMP_ORDERS || t == IMP_EVENTS || t == IMP_CONSENTS) {
        if (!val[F_CUSTOMER_ID]) {
            json_decref(attrs);
            return quarantine(it, "missing customer_id", "customer_id", "customer_id is empty");
        }
        it->customer_id = trim_dup(a, val[F_CUSTOMER_ID]);
        if (!it->customer_id) {
            json_decref(attrs);
            return quarantine(it, "too large", "", "the row needs more memory than a row may use");
        }
    }
    for (int r = 0; r < 4 && tables[t].required[r] != F_NONE; r++) {
        int f = tables[t].required[r];
        if (!val[f]) {
            json_decref(attrs);
            return quarantine(it, "missing field", field_name(f),
                              arena_strdup(a, "a required field is empty"));
        }
    }
    if (t == IMP_PROFILES && im->indexed) {
        it->known = index_find(im, it->external_id);
        if (it->known && it->known->seen) {
            json_decref(attrs);
            return quarantine(it, "duplicate external_id", "external_id",
                              fmt_reason(a, "external_id", it->external_id,
                                         "is on an earlier row of this file, which decides"));
        }
        it->is_new = !it->known && !im->index_full;
        if (it->is_new)
            index_note_new(im, it->external_id);
        else if (it->known)
            it->known->seen = true;
        if (it->known && it->known->raw_id && it->known->row_hash == it->row_hash) {
            it->state = ITEM_UNCHANGED; /* the same row as stored: nothing to clean or write */
            json_decref(attrs);
            return;
        }
    }
    switch (t) {
    case IMP_PROFILES:
        it->custom = attrs;
        attrs = NULL;
        prepare_profile(im, a, it, val);
        break;
    case IMP_ORDERS:
        prepare_order(im, a, it, val);
        break;
    case IMP_ORDER_LINES:
        prepare_line(im, a, it, val);
        break;
    case IMP_EVENTS:
        prepare_event(im, a, it, val);
        break;
    case IMP_CONSENTS:
        prepare_consent(im, a, it, val);
        break;
    case IMP_NTABLES:
        break;
    }
    if (attrs && it->state == ITEM_STORE) {
        char *text = json_dumps(attrs, JSON_COMPACT);
        if (t == IMP_EVENTS)
            it->ev.properties = arena_strdup(a, text);
        else
            it->attrs = arena_strdup(a, text);
        free(text);
    }
    json_decref(attrs);
    if (a->failed)
        quarantine(it, "too large", "", "the row needs more memory than a row may use");
}

/* ---- storing a batch -------------------------------------------------------- */

enum outcome { OUT_IMPORTED, OUT_UPDATED, OUT_UNCHANGED, OUT_QUARANTINED };

static void count_reason(struct import_stats *st, const char *klass)
{
    for (size_t i = 0; i < st->nreasons; i++)
        if (strcmp(st->reasons[i].reason, klass) == 0) {
            st->reasons[i].count++;
            return;
        }
    if (st->nreasons < IMPORT_MAX_REASONS)
    {
        st->reasons[st->nreasons].reason = klass;
        st->reasons[st->nreasons++].count = 1;
    }
}

static int customer(struct store *s, struct import *im, struct import_item *it, int64_t *pid)
{
    int rc = store_identity_find(s, "user_id", it->customer_id, im->source, pid);
    if (rc == ERR_NOT_FOUND) {
        char why[300];
        snprintf(why, sizeof(why), "unknown customer_id \"%.200s\": no %s profile has it (import "
                 "the profiles first)", it->customer_id, im->source);
        quarantine(it, "unknown customer_id", "customer_id", NULL);
        it->reason = arena_strdup(&it->batch->arena, why);
        it->from_store = true;
        return 0;
    }
    return rc;
}

static int store_profile_item(struct store *s, struct import *im, struct import_item *it,
                              enum outcome *out)
{
    int64_t raw_id = 0, pid = 0, hash = 0;
    int rc;
    if (it->known && it->known->raw_id) {
        raw_id = it->known->raw_id;
        pid = it->known->profile_id;
        rc = 0;
    } else if (it->known || it->is_new) {
        rc = ERR_NOT_FOUND;
    } else {
        rc = store_raw_current(s, im->source, it->external_id, &raw_id, &pid, &hash);
        if (rc && rc != ERR_NOT_FOUND)
            return rc;
        if (!rc && hash == it->row_hash) {
            *out = OUT_UNCHANGED;
            return 0;
        }
    }
    *out = rc ? OUT_IMPORTED : OUT_UPDATED;
    struct ingest_record rec = {
        .source = im->source, .kind = "import", .external_id = it->external_id,
        .payload = it->payload, .row_hash = it->row_hash, .clean = it->co, .custom = it->custom,
        .loyalty_card = it->loyalty, .customer_number = it->customer_number,
        .cleaned_text = it->cleaned, .corrections_text = it->corrections,
        .supersedes = *out == OUT_UPDATED ? raw_id : -1,
    };
    if (!rc) {
        rc = store_profile_resolve(s, pid, &pid);
    } else if (it->known) { /* the user id has a profile, without a record yet */
        rc = store_profile_resolve(s, it->known->profile_id, &pid);
    } else {
        /* no record yet; the user id may still have a profile (events, an alias),
         * unless the index read before the import says it has none */
        rc = it->is_new ? ERR_NOT_FOUND
                        : store_identity_find(s, "user_id", it->external_id, im->source, &pid);
        if (rc == ERR_NOT_FOUND) {
            rc = store_profile_insert(s, im->source, it->co->fields, it->custom, im->now, &pid);
            rec.fields_stored = true;
            rec.user_id = it->external_id;
        }
    }
    rec.no_match = im->no_match;
    return rc ? rc : ingest_record_store(s, &pid, &rec, im->now, NULL);
}

static int store_item(struct store *s, struct import *im, struct import_item *it,
                      enum outcome *out)
{
    int64_t pid, id, hash;
    int rc;
    switch (im->table) {
    case IMP_PROFILES:
        return store_profile_item(s, im, it, out);
    case IMP_ORDERS:
        if ((rc = customer(s, im, it, &pid)) || it->state != ITEM_STORE)
            return rc;
        rc = store_order_current(s, im->source, it->external_id, &id, &hash);
        if (rc && rc != ERR_NOT_FOUND)
            return rc;
        if (!rc && hash == it->row_hash) {
            *out = OUT_UNCHANGED;
            return 0;
        }
        *out = rc ? OUT_IMPORTED : OUT_UPDATED;
        it->order.profile_id = pid;
        return store_order_import(s, &it->order, it->attrs, it->row_hash, im->now);
    case IMP_ORDER_LINES: {
        rc = store_order_current(s, im->source, it->order_id, &id, NULL);
        if (rc == ERR_NOT_FOUND) {
            char why[300];
            snprintf(why, sizeof(why), "unknown order_id \"%.200s\": no %s order has it (import "
                     "the orders first)", it->order_id, im->source);
            quarantine(it, "unknown order_id", "order_id", NULL);
            it->reason = arena_strdup(&it->batch->arena, why);
            it->from_store = true;
            return 0;
        }
        bool same = false;
        if (!rc)
            rc = store_order_line_import(s, id, it->line_no, &it->line, it->row_hash, &same);
        *out = same ? OUT_UNCHANGED : OUT_IMPORTED;
        return rc;
    }
    case IMP_EVENTS:
        if ((rc = customer(s, im, it, &pid)) || it->state != ITEM_STORE)
            return rc;
        if (store_message_seen(s, it->ev.message_id)) {
            *out = OUT_UNCHANGED;
            return 0;
        }
        it->ev.profile_id = pid;
        *out = OUT_IMPORTED;
        return store_event_add(s, &it->ev);
    case IMP_CONSENTS: {
        if ((rc = customer(s, im, it, &pid)) || it->state != ITEM_STORE)
            return rc;
        struct store_consent c = it->consent; /* the item stays as prepared (a batch may rerun) */
        c.profile_id = pid;
        char status[16];
        int64_t ts;
        rc = store_consent_current(s, pid, c.channel, c.purpose, status, &ts);
        if (rc && rc != ERR_NOT_FOUND)
            return rc;
        bool has = rc == 0;
        if (!c.ts) {
            /*
             * No time given: it never replaces a recorded statement, except an
             * opt-out replacing an opt-in (saying no is always safe). So a
             * re-import cannot undo a later opt-out.
             */
            if (has && (strcmp(status, c.status) == 0 || strcmp(c.status, "opted_in") == 0)) {
                *out = OUT_UNCHANGED;
                return 0;
            }
            c.ts = im->now;
        } else if (store_consent_known(s, pid, c.channel, c.purpose, c.status, c.ts)) {
            *out = OUT_UNCHANGED; /* this very statement is in the ledger already */
            return 0;
        }
        /* an older statement goes to the ledger and leaves the current state alone */
        *out = has && c.ts >= ts ? OUT_UPDATED : OUT_IMPORTED;
        return store_consent_set(s, &c, im->now);
    }
    case IMP_NTABLES:
        break;
    }
    return 0;
}

static int quarantine_item(struct store *s, struct import *im, struct import_item *it)
{
    if (it->retry_id)
        return store_quarantine_reason(s, it->retry_id, it->reason_class, it->reason, it->field);
    bool again;
    return store_quarantine_row(s, im->source, im->kind, it->reason_class,
                                it->reason ? it->reason : it->reason_class, it->field,
                                it->external_id, it->payload ? it->payload : "", im->now, &again);
}

static void count(struct import *im, const struct import_item *it, enum outcome o)
{
    struct import_stats *st = &im->st;
    st->rows++;
    switch (o) {
    case OUT_IMPORTED:
        st->imported++;
        break;
    case OUT_UPDATED:
        st->updated++;
        break;
    case OUT_UNCHANGED:
        st->unchanged++;
        return;
    case OUT_QUARANTINED:
        st->quarantined++;
        count_reason(st, it->reason_class);
        return;
    }
    if (it->co) {
        if (it->co->corrected)
            st->corrected++;
        for (int f = 0; f < PF_COUNT; f++) {
            st->fields_corrected[f] += (it->co->corrected >> f) & 1;
            for (int k = 0; k < it->co->ninvalid; k++)
                st->fields_invalid[f] += it->co->invalid[k].field == (enum profile_field)f;
        }
    }
}

/*
 * One row. alone: in its own savepoint, so that the store refusing it sends
 * it to the quarantine; otherwise a failure fails the batch (which is then
 * applied again row by row).
 */
static int apply_one(struct store *s, struct import *im, struct import_item *it, bool alone,
                     enum outcome *out, struct errbuf *e)
{
    int rc = 0;
    if (it->state == ITEM_UNCHANGED) {
        *out = OUT_UNCHANGED;
        return 0;
    }
    if (it->state == ITEM_STORE) {
        if (alone && (rc = store_savepoint(s, e)))
            return rc;
        rc = store_item(s, im, it, out);
        if (rc && (!alone || (rc == ERR_DB && !store_last_error_is_data(s)))) {
            if (alone)
                store_savepoint_rollback(s);
            return err_set(e, rc, "storing row %lld: %s", (long long)it->record,
                           rc == ERR_DB ? store_last_error(s) : err_str(rc));
        }
        if (rc) {
            store_savepoint_rollback(s);
            char why[600];
            snprintf(why, sizeof(why), "the store refused the row: %s",
                     rc == ERR_DB ? store_last_error(s) : err_str(rc));
            quarantine(it, "refused by the store", "", NULL);
            it->reason = arena_strdup(&it->batch->arena, why);
        } else if (alone && (rc = store_savepoint_release(s, e))) {
            return rc;
        }
    }
    if (it->state == ITEM_QUARANTINE) {
        *out = OUT_QUARANTINED;
        rc = quarantine_item(s, im, it);
        if (rc)
            return err_set(e, rc, "writing the quarantine: %s", store_last_error(s));
    }
    return 0;
}

/*
 * A row written now that an earlier import quarantined: that entry is
 * resolved. (An unchanged row was written before, so its entries are other rows'.)
 */
static int note_pending(void *ctx, const char *external_id)
{
    return strmap_put(ctx, external_id) ? 0 : ERR_NOMEM;
}

static int resolve_earlier(struct store *s, struct import *im, const struct import_item *it,
                           enum outcome o)
{
    if (!im->pending) { /* read once: most imports find none, and then cost nothing */
        im->pending = strmap_new_growable(64, 1);
        int rc = store_quarantine_pending_keys(s, im->source, im->kind, note_pending,
                                               im->pending);
        if (rc)
            return rc;
    }
    if ((o != OUT_IMPORTED && o != OUT_UPDATED) || it->retry_id || !it->external_id ||
        !strmap_get(im->pending, it->external_id))
        return 0;
    return store_quarantine_resolve_key(s, im->source, im->kind, it->external_id, im->now);
}

static int apply_rows(struct store *s, struct import *im, struct import_batch *b, bool alone,
                      enum outcome *outs, struct errbuf *e)
{
    for (size_t i = 0; i < b->n; i++) {
        struct import_item *it = &b->items[i];
        outs[i] = OUT_UNCHANGED;
        int rc = apply_one(s, im, it, alone, &outs[i], e);
        if (!rc && it->retry_id && outs[i] != OUT_QUARANTINED &&
            (rc = store_quarantine_resolve(s, it->retry_id, im->now)))
            err_set(e, rc, "marking quarantined row %lld stored", (long long)it->retry_id);
        if (!rc && (rc = resolve_earlier(s, im, it, outs[i])))
            err_set(e, rc, "resolving earlier quarantined rows: %s", store_last_error(s));
        if (rc)
            return rc;
    }
    return 0;
}

int import_apply(struct store *s, struct import *im, struct import_batch *b, struct errbuf *e)
{
    enum outcome *outs = xcalloc(b->n ? b->n : 1, sizeof(*outs));
    for (size_t i = 0; i < b->n; i++)
        b->items[i].batch = b;
    /* the whole batch in one savepoint; when the store refuses a row, row by row */
    int rc = store_savepoint(s, e);
    if (!rc) {
        rc = apply_rows(s, im, b, false, outs, e);
        if (!rc) {
            rc = store_savepoint_release(s, e);
        } else {
            store_savepoint_rollback(s);
            for (size_t i = 0; i < b->n; i++)
                if (b->items[i].state == ITEM_QUARANTINE && b->items[i].reason_class &&
                    b->items[i].from_store)
                    b->items[i].state = ITEM_STORE; /* decided by the store: decide again */
            rc = apply_rows(s, im, b, true, outs, e);
        }
    }
    if (!rc)
        for (size_t i = 0; i < b->n; i++)
            count(im, &b->items[i], outs[i]);
    free(outs);
    return rc;
}
