/*
 * handoff.c — letters batched for a mail house, calls listed for a call
 * centre, and the outcome of a call brought back (handoff.h).
 *
 * A batch reads the day's letters twice: first only what decides which go
 * (status, household, template), then, for those that go, the text to
 * write, so a day of many letters is never held in memory at once. Files
 * are written before the messages are marked, and removed again when
 * anything after them fails: a letter is never marked "batched" without its
 * page on disk, and a failed batch leaves no files that look like a batch.
 *
 * The CSV's address columns come from the address block the letter was
 * made with (name, street line, postal code and city, country): that is
 * what is printed in the envelope's window. The postal code is told from
 * the city with the profile's current fields, which made the block.
 */
#include "channel/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "base/xalloc.h"

#define DAY_MS 86400000LL

/* ---- days and directories ----------------------------------------------------------- */

int handoff_day(const char *text, int64_t *day, struct errbuf *e)
{
    bool shape = text && strlen(text) == 10 && text[4] == '-' && text[7] == '-';
    for (int i = 0; shape && i < 10; i++)
        shape = i == 4 || i == 7 || (text[i] >= '0' && text[i] <= '9');
    if (!shape)
        return err_field(e, ERR_INVALID, "date", "date must be a day YYYY-MM-DD, got \"%s\"",
                         text ? text : "");
    int64_t y =
        (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    int m = (text[5] - '0') * 10 + (text[6] - '0'), d = (text[8] - '0') * 10 + (text[9] - '0');
    int64_t days = clock_days_from_civil(y, m, d), y2;
    int m2, d2;
    clock_civil_from_days(days, &y2, &m2, &d2);
    if (m < 1 || m > 12 || d < 1 || y2 != y || m2 != m || d2 != d)
        return err_field(e, ERR_INVALID, "date", "date: %s is not a day of the calendar", text);
    *day = days * DAY_MS;
    return 0;
}

static void day_text(int64_t day, char out[11])
{
    char iso[32];
    time_format_iso8601(day, iso, sizeof iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

char *handoff_batch_dir(const char *db_path, int64_t day)
{
    char d[11];
    day_text(day, d);
    struct buf b;
    buf_init(&b, 0);
    buf_addf(&b, "%s.letters/%s", db_path, d);
    size_t len;
    char *out = buf_detach(&b, &len);
    return out;
}

/* mkdir -p: each missing component with mode 0700 (letters are personal data). */
static int make_dirs(const char *dir, struct errbuf *e)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *c = p + 1; !rc; c++) {
        bool end = *c == '\0';
        if (*c != '/' && !end)
            continue;
        *c = '\0';
        if (mkdir(p, 0700) && errno != EEXIST)
            rc = err_set(e, ERR_IO, "cannot create the directory %s: %s", p, strerror(errno));
        if (end)
            break;
        *c = '/';
    }
    struct stat sb;
    if (!rc && (stat(dir, &sb) || !S_ISDIR(sb.st_mode)))
        rc = err_set(e, ERR_IO, "%s is not a directory", dir);
    free(p);
    return rc;
}

/*
 * Write b as dir/name (not synced: write_batch syncs once for all). exclusive: never replace a file (ERR_EXISTS
 * when there is one, nothing written); else replace it.
 */
static int write_file(const char *dir, const char *name, const struct buf *b, bool exclusive,
                      struct errbuf *e)
{
    struct buf path;
    buf_init(&path, 0);
    buf_addf(&path, "%s/%s", dir, name);
    int fd = open(path.ptr, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), 0600);
    int rc = 0;
    if (fd < 0) {
        rc = exclusive && errno == EEXIST
                 ? ERR_EXISTS
                 : err_set(e, ERR_IO, "cannot write %s: %s", path.ptr, strerror(errno));
        buf_release(&path);
        return rc;
    }
    size_t off = 0;
    while (!rc && off < b->len) {
        ssize_t n = write(fd, b->ptr + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = err_set(e, ERR_IO, "writing %s: %s", path.ptr, strerror(errno));
        else
            off += (size_t)n;
    }
    if (close(fd) && !rc)
        rc = err_set(e, ERR_IO, "closing %s: %s", path.ptr, strerror(errno));
    if (rc)
        unlink(path.ptr);
    buf_release(&path);
    return rc;
}

static void remove_files(const char *dir, const json_t *files)
{
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        struct buf path;
        buf_init(&path, 0);
        buf_addf(&path, "%s/%s", dir, json_string_value(f));
        unlink(path.ptr);
        buf_release(&path);
    }
}

/* ---- text ----------------------------------------------------------------------------- */

int handoff_csv_field(struct buf *b, const char *s)
{
    if (!s)
        return 0;
    if (!strpbrk(s, ",\"\r\n"))
        return buf_adds(b, s);
    int rc = buf_addch(b, '"');
    for (; *s && !rc; s++)
        rc = *s == '"' ? buf_adds(b, "\"\"") : buf_addch(b, *s);
    return rc ? rc : buf_addch(b, '"');
}

/* Fields of one CSV row; NULL is an empty field. */
static int csv_row(struct buf *b, const char *const *fields, int n)
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (i)
            rc = buf_addch(b, ',');
        if (!rc)
            rc = handoff_csv_field(b, fields[i]);
    }
    return rc ? rc : buf_adds(b, "\r\n");
}

static int html_add(struct buf *b, const char *s)
{
    int rc = 0;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '&':
            rc = buf_adds(b, "&amp;");
            break;
        case '<':
            rc = buf_adds(b, "&lt;");
            break;
        case '>':
            rc = buf_adds(b, "&gt;");
            break;
        case '"':
            rc = buf_adds(b, "&quot;");
            break;
        case '\'':
            rc = buf_adds(b, "&#39;");
            break;
        default:
            rc = buf_addch(b, *s);
        }
    }
    return rc;
}

/* Plain text as HTML: paragraphs at blank lines, line breaks kept. */
static int text_as_html(struct buf *b, const char *s)
{
    int rc = buf_adds(b, "<p>");
    while (s && *s && !rc) {
        size_t n = strcspn(s, "\n");
        char *piece = xmalloc(n + 1);
        memcpy(piece, s, n);
        piece[n] = '\0';
        rc = html_add(b, piece);
        free(piece);
        s += n;
        if (!*s || rc)
            break;
        bool para = s[1] == '\n';
        s += para ? 2 : 1;
        while (para && *s == '\n')
            s++;
        if (*s)
            rc = buf_adds(b, para ? "</p>\n<p>" : "<br>\n");
    }
    return rc ? rc : buf_adds(b, "</p>");
}

/* ---- the address block ------------------------------------------------------------------- */

/* A letter's address block in its parts; the pointers are into copy. */
struct addr {
    char *copy;
    const char *name, *street, *postal, *city, *country;
};

static bool has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return true;
    return false;
}

/* Split "POSTAL CITY" (line, changed in place) with the profile's fields as a guide. */
static void split_town(char *line, const struct store_handoff *h, struct addr *a)
{
    size_t len = strlen(line);
    size_t pl = h->postal_code ? strlen(h->postal_code) : 0;
    size_t cl = h->city ? strlen(h->city) : 0;
    size_t at = 0; /* the space between them; 0: no postal code */
    char *sp = strchr(line, ' ');
    if (pl && len > pl && !strncmp(line, h->postal_code, pl) && line[pl] == ' ')
        at = pl;
    else if (cl && len == cl && !strcmp(line, h->city))
        at = 0;
    else if (cl && len > cl + 1 && !strcmp(line + len - cl, h->city) && line[len - cl - 1] == ' ')
        at = len - cl - 1;
    else if (sp && has_digit(line, (size_t)(sp - line)))
        at = (size_t)(sp - line);
    if (at) {
        line[at] = '\0';
        a->postal = line;
        a->city = line + at + 1;
    } else {
        a->postal = "";
        a->city = line;
    }
}

static void addr_split(const struct store_handoff *h, struct addr *a)
{
    a->copy = xstrdup(h->address ? h->address : "");
    char *line[4] = {"", "", "", ""};
    char *p = a->copy;
    for (int n = 0; n < 4; n++) {
        line[n] = p;
        char *nl = strchr(p, '\n');
        if (!nl || n == 3)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    a->name = line[0];
    a->street = line[1];
    a->country = line[3];
    split_town(line[2], h, a);
}

/* ---- the day's letters, listed ------------------------------------------------------------ */

/* The number in a "batch N" history entry; 0 when none. */
static int64_t batch_number(const char *detail)
{
    int64_t n = 0;
    if (detail && !strncmp(detail, "batch ", 6) && !cstr_to_i64(detail + 6, &n))
        return n;
    return 0;
}

static void set_opt_id(json_t *o, const char *key, int64_t v)
{
    json_object_set_new(o, key, v ? json_integer(v) : json_null());
}

static void set_opt_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new(o, key, v ? json_string(v) : json_null());
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
    char t[32];
    time_format_iso8601(ms, t, sizeof t);
    json_object_set_new(o, key, json_string(t));
}

static int list_one(void *ctx, const struct store_handoff *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(h->id));
    json_object_set_new(o, "profile_id", json_integer(h->profile_id));
    json_object_set_new(o, "status", json_string(h->status));
    set_opt_id(o, "batch", batch_number(h->batch));
    set_opt_id(o, "household_id", h->household_id);
    set_opt_str(o, "template", h->template_name);
    set_opt_id(o, "scenario_id", h->scenario_id);
    set_opt_str(o, "scenario", h->scenario);
    if (h->address) {
        struct addr a;
        addr_split(h, &a);
        json_object_set_new(o, "name", json_string(a.name));
        json_object_set_new(o, "street_line", json_string(a.street));
        json_object_set_new(o, "postal_code", json_string(a.postal));
        json_object_set_new(o, "city", json_string(a.city));
        json_object_set_new(o, "country", json_string(a.country));
        free(a.copy);
    } else {
        static const char *const keys[] = {"name", "street_line", "postal_code", "city", "country"};
        for (size_t i = 0; i < 5; i++)
            json_object_set_new(o, keys[i], json_null());
    }
    set_opt_str(o, "subject", h->subject);
    set_time(o, "created_at", h->created_at);
    json_array_append_new(ctx, o);
    return 0;
}

int handoff_letters(struct store *s, int64_t day, json_t **out, struct errbuf *e)
{
    json_t *arr = json_array();
    int rc = store_letters_of_day(s, day, day + DAY_MS, list_one, arr);
    if (rc) {
        json_decref(arr);
        *out = NULL;
        return err_set(e, rc, "reading the letters: %s", store_last_error(s));
    }
    *out = arr;
    return 0;
}

/* ---- a batch: which letters go ------------------------------------------------------------ */

enum { L_BATCHED, L_PENDING }; /* batched first: a household's earlier letter wins */

struct pick {
    int64_t id, profile_id, household_id;
    char *tpl;
    int kind;
    int64_t into; /* merged into this letter; 0: goes (a pending one) */
};

struct picks {
    struct pick *v;
    size_t n, cap;
};

static int pick_one(void *ctx, const struct store_handoff *h)
{
    struct picks *p = ctx;
    bool pending = !strcmp(h->status, "stored") && h->address && !h->erased;
    if (!pending && strcmp(h->status, "batched"))
        return 0; /* stopped at sending, merged already, or nothing left to print */
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    p->v[p->n++] = (struct pick){
        .id = h->id,
        .profile_id = h->profile_id,
        .household_id = h->household_id,
        .tpl = xstrdup(h->template_name ? h->template_name : ""),
        .kind = pending ? L_PENDING : L_BATCHED,
    };
    return 0;
}

static int by_household(const void *x, const void *y)
{
    const struct pick *a = *(const struct pick *const *)x, *b = *(const struct pick *const *)y;
    int c = (a->household_id > b->household_id) - (a->household_id < b->household_id);
    if (!c)
        c = strcmp(a->tpl, b->tpl);
    if (!c)
        c = a->kind - b->kind;
    if (!c)
        c = (a->profile_id > b->profile_id) - (a->profile_id < b->profile_id);
    if (!c)
        c = (a->id > b->id) - (a->id < b->id);
    return c;
}

/* One letter per household and template: the first of each group stays, the rest merge into it. */
static void merge_households(struct picks *p)
{
    struct pick **hh = xmalloc((p->n ? p->n : 1) * sizeof(*hh));
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].household_id)
            hh[n++] = &p->v[i];
    qsort(hh, n, sizeof(*hh), by_household);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && hh[j]->household_id == hh[i]->household_id &&
               !strcmp(hh[j]->tpl, hh[i]->tpl))
            j++;
        for (size_t k = i + 1; k < j; k++)
            if (hh[k]->kind == L_PENDING)
                hh[k]->into = hh[i]->id;
        i = j;
    }
    free(hh);
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* ---- a batch: the files ------------------------------------------------------------------- */

struct writing {
    const char *dir;
    const int64_t *go;
    size_t ngo;
    struct buf csv, page;
    json_t *files;
    struct errbuf *e;
};

static const char PAGE_STYLE[] =
    "@page{size:A4;margin:20mm 20mm 20mm 25mm}\n"
    "html,body{margin:0;padding:0}\n"
    "body{font:11pt/1.45 \"DejaVu Serif\",Georgia,serif;color:#000}\n"
    /* the address in the window of a window envelope (DIN 5008 form B: the field 20 mm from
       the sheet's left edge and 45 mm from its top, 85 x 45 mm, its text 5 mm in, where the
       page's margin puts it; a page clips what lies in its margins) */
    ".letter{position:relative;padding-top:80mm}\n"
    ".window{position:absolute;top:25mm;left:0;width:80mm;height:45mm;overflow:hidden;"
    "font:10pt/1.3 \"DejaVu Sans\",Arial,sans-serif}\n"
    ".subject{font-weight:bold;margin:0 0 6mm}\n"
    /* on a screen, the sheet as it prints */
    "@media screen{body{width:165mm;padding:20mm 20mm 20mm 25mm}}\n";

static int page_of(struct buf *b, const struct store_handoff *h, const struct addr *a)
{
    buf_reset(b);
    int rc = buf_adds(b, "<!doctype html>\n<html lang=\"");
    rc = rc ? rc : html_add(b, h->language && *h->language ? h->language : "en");
    rc = rc ? rc
            : buf_addf(b,
                       "\"><head><meta charset=\"utf-8\"><title>Letter %lld</title>\n"
                       "<style>\n%s</style></head>\n<body><article class=\"letter\" "
                       "data-letter=\"%lld\">\n<div class=\"window\">",
                       (long long)h->id, PAGE_STYLE, (long long)h->id);
    const char *lines[4] = {a->name, a->street, NULL, a->country};
    for (int i = 0; i < 4 && !rc; i++) {
        if (i == 2) {
            rc = html_add(b, a->postal);
            rc = rc ? rc : buf_adds(b, *a->postal ? " " : "");
            rc = rc ? rc : html_add(b, a->city);
        } else {
            rc = html_add(b, lines[i]);
        }
        if (!rc && i < 3 && (i < 2 || *a->country))
            rc = buf_adds(b, "<br>");
    }
    rc = rc ? rc : buf_adds(b, "</div>\n");
    if (!rc && h->subject && *h->subject) {
        rc = buf_adds(b, "<p class=\"subject\">");
        rc = rc ? rc : html_add(b, h->subject);
        rc = rc ? rc : buf_adds(b, "</p>\n");
    }
    rc = rc ? rc : buf_adds(b, "<div class=\"content\">\n");
    /* the template's HTML, rendered with every value escaped; else the text */
    if (!rc)
        rc = h->html && *h->html ? buf_adds(b, h->html) : text_as_html(b, h->body);
    return rc ? rc : buf_adds(b, "\n</div>\n</article></body></html>\n");
}

static int write_one(void *ctx, const struct store_handoff *h)
{
    struct writing *w = ctx;
    if (!bsearch(&h->id, w->go, w->ngo, sizeof(*w->go), cmp_id))
        return 0;
    struct addr a;
    addr_split(h, &a);
    char name[64], id[24], profile[24];
    snprintf(name, sizeof name, "letter-%lld.html", (long long)h->id);
    snprintf(id, sizeof id, "%lld", (long long)h->id);
    snprintf(profile, sizeof profile, "%lld", (long long)h->profile_id);
    const char *row[] = {id,     profile,   a.name,           a.street, a.postal,
                         a.city, a.country, h->template_name, name};
    int rc = page_of(&w->page, h, &a);
    if (rc)
        err_set(w->e, rc, "letter %lld is too large to print", (long long)h->id);
    else if (!(rc = write_file(w->dir, name, &w->page, false, w->e)))
        json_array_append_new(w->files, json_string(name));
    if (!rc && (rc = csv_row(&w->csv, row, 9)))
        err_set(w->e, rc, "the batch's CSV is too large; batch fewer letters at once");
    free(a.copy);
    return rc;
}

/* The CSV, as letters.csv, or letters-N.csv when the directory has one. */
static int write_csv(struct writing *w, int64_t batch)
{
    char name[64] = "letters.csv";
    int rc = write_file(w->dir, name, &w->csv, true, w->e);
    if (rc == ERR_EXISTS) {
        snprintf(name, sizeof name, "letters-%lld.csv", (long long)batch);
        rc = write_file(w->dir, name, &w->csv, false, w->e);
    }
    if (!rc)
        json_array_insert_new(w->files, 0, json_string(name));
    return rc;
}

static int write_batch(struct store *s, int64_t day, const char *dir, const int64_t *go, size_t ngo,
                       int64_t batch, json_t *files, struct errbuf *e)
{
    struct writing w = {.dir = dir, .go = go, .ngo = ngo, .files = files, .e = e};
    buf_init(&w.csv, 0);
    buf_init(&w.page, 16u << 20);
    static const char *const header[] = {"letter_id",   "profile_id",  "name",
                                         "street_line", "postal_code", "city",
                                         "country",     "template",    "pages_file"};
    int rc = make_dirs(dir, e);
    if (!rc)
        rc = csv_row(&w.csv, header, 9);
    if (!rc) {
        rc = store_letters_of_day(s, day, day + DAY_MS, write_one, &w);
        if (rc && !e->msg[0])
            err_set(e, rc, "reading the letters: %s", store_last_error(s));
    }
    if (!rc && (size_t)json_array_size(files) != ngo)
        rc = err_set(e, ERR_DB, "the letters of the batch changed while it was written");
    if (!rc)
        rc = write_csv(&w, batch);
    /* one sync for every page, the CSV and their directory entries, before the letters are
       marked: on Linux sync() returns once it is all on disk, which costs one flush where a
       fsync per page would cost one journal commit each (and the writer waits meanwhile) */
    if (!rc)
        sync();
    buf_release(&w.csv);
    buf_release(&w.page);
    return rc;
}

/* ---- a batch ------------------------------------------------------------------------------ */

#define META_BATCHES "letters.batches"

static int mark(struct store *s, const struct picks *p, int64_t batch, int64_t now,
                struct handoff_batch *out, struct errbuf *e)
{
    char detail[64];
    snprintf(detail, sizeof detail, "batch %lld", (long long)batch);
    for (size_t i = 0; i < p->n; i++) {
        const struct pick *k = &p->v[i];
        if (k->kind != L_PENDING)
            continue;
        char merged[96];
        if (k->into)
            snprintf(merged, sizeof merged, "merged into letter %lld (household %lld)",
                     (long long)k->into, (long long)k->household_id);
        int rc = store_message_move(s, k->id, "stored", k->into ? "merged_household" : "batched",
                                    NULL, k->into ? merged : detail, false, now);
        if (rc)
            return err_set(e, rc == ERR_EXISTS ? ERR_DB : rc, "marking letter %lld: %s",
                           (long long)k->id, store_last_error(s));
        if (k->into)
            out->merged++;
    }
    return 0;
}

int handoff_batch(struct store *s, int64_t day, bool per_household, const char *dir, int64_t now,
                  struct handoff_batch *out, struct errbuf *e)
{
    *out = (struct handoff_batch){.files = json_array(), .dir = xstrdup(dir)};
    struct picks p = {0};
    int64_t *go = NULL;
    size_t ngo = 0;
    int rc = store_letters_of_day(s, day, day + DAY_MS, pick_one, &p);
    if (rc)
        rc = err_set(e, rc, "reading the letters: %s", store_last_error(s));
    if (!rc && per_household)
        merge_households(&p);
    go = xmalloc((p.n ? p.n : 1) * sizeof(*go));
    for (size_t i = 0; !rc && i < p.n; i++)
        if (p.v[i].kind == L_PENDING && !p.v[i].into)
            go[ngo++] = p.v[i].id;
    qsort(go, ngo, sizeof(*go), cmp_id);
    int64_t last = 0;
    if (!rc && ngo) {
        rc = store_meta_get(s, META_BATCHES, &last);
        if (!rc)
            rc = store_meta_set(s, META_BATCHES, last + 1);
        if (rc)
            err_set(e, rc, "numbering the batch: %s", store_last_error(s));
        if (!rc)
            rc = write_batch(s, day, dir, go, ngo, last + 1, out->files, e);
        if (!rc) {
            out->batch = last + 1;
            out->letters = (int64_t)ngo;
        }
    }
    if (!rc)
        rc = mark(s, &p, last + 1, now, out, e);
    if (rc) {
        remove_files(dir, out->files);
        json_array_clear(out->files);
        out->batch = out->letters = out->merged = 0;
    }
    for (size_t i = 0; i < p.n; i++)
        free(p.v[i].tpl);
    free(p.v);
    free(go);
    return rc;
}

void handoff_batch_discard(struct handoff_batch *b)
{
    if (b->dir && b->files)
        remove_files(b->dir, b->files);
}

void handoff_batch_release(struct handoff_batch *b)
{
    json_decref(b->files);
    free(b->dir);
    *b = (struct handoff_batch){0};
}

/* ---- calls -------------------------------------------------------------------------------- */

const char *const handoff_outcomes[] = {"reached",  "no_answer", "wrong_number",
                                        "callback", "declined",  NULL};

/* Whether an outcome ends the call (the others leave it on the list). */
static bool closes(const char *outcome)
{
    return strcmp(outcome, "no_answer") && strcmp(outcome, "callback");
}

static char *full_name(const char *first, const char *last)
{
    struct buf b;
    buf_init(&b, 0);
    buf_addf(&b, "%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
    size_t len;
    return buf_detach(&b, &len);
}

static json_t *money(int64_t cents)
{
    return json_real((double)cents / 100.0);
}

static int call_one(void *ctx, const struct store_handoff *h)
{
    json_t *o = json_object();
    char *name = full_name(h->first_name, h->last_name);
    json_object_set_new(o, "id", json_integer(h->id));
    json_object_set_new(o, "profile_id", json_integer(h->profile_id));
    json_object_set_new(o, "name", json_string(name));
    set_opt_str(o, "first_name", h->first_name);
    set_opt_str(o, "last_name", h->last_name);
    json_object_set_new(o, "phone", json_string(h->address));
    json_object_set_new(o, "status", json_string(h->status));
    json_object_set_new(o, "attempts", json_integer(h->attempts));
    set_opt_id(o, "scenario_id", h->scenario_id);
    set_opt_str(o, "scenario", h->scenario);
    set_opt_str(o, "template", h->template_name);
    set_opt_str(o, "subject", h->subject);
    set_opt_str(o, "script", h->body);
    set_time(o, "created_at", h->created_at);
    json_t *c = json_object();
    set_opt_str(c, "lifecycle_stage", h->lifecycle);
    json_object_set_new(c, "orders", json_integer(h->order_count));
    if (h->last_order_at) {
        json_t *lo = json_object();
        set_time(lo, "date", h->last_order_at);
        json_object_set_new(lo, "total", money(h->last_order_cents));
        set_opt_str(lo, "currency", h->last_order_currency);
        json_object_set_new(c, "last_order", lo);
    } else {
        json_object_set_new(c, "last_order", json_null());
    }
    json_object_set_new(o, "context", c);
    free(name);
    json_array_append_new(ctx, o);
    return 0;
}

int handoff_calls(struct store *s, const char *status, int64_t after, int limit, json_t **out,
                  struct errbuf *e)
{
    const char *st = !status || !strcmp(status, "open") ? "stored"
                     : !strcmp(status, "closed")        ? "called"
                     : !strcmp(status, "all")           ? NULL
                                                        : "?";
    *out = NULL;
    if (st && *st == '?')
        return err_field(e, ERR_INVALID, "status", "status is open, closed or all, got \"%s\"",
                         status);
    json_t *arr = json_array();
    int rc = store_calls(s, st, after, limit, call_one, arr);
    if (rc) {
        json_decref(arr);
        return err_set(e, rc, "reading the call list: %s", store_last_error(s));
    }
    *out = arr;
    return 0;
}

/* A JSON value as a CSV field's text: strings as they are, numbers in full, null empty. */
static const char *field_text(const json_t *v, char *tmp, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    if (json_is_real(v)) {
        snprintf(tmp, n, "%.2f", json_real_value(v));
        return tmp;
    }
    return NULL;
}

int handoff_calls_csv(const json_t *calls, struct buf *out)
{
    static const char *const header[] = {"message_id",
                                         "profile_id",
                                         "name",
                                         "phone",
                                         "status",
                                         "attempts",
                                         "scenario",
                                         "template",
                                         "created_at",
                                         "lifecycle_stage",
                                         "orders",
                                         "last_order_at",
                                         "last_order_total",
                                         "last_order_currency",
                                         "script"};
    enum { NCOLS = sizeof header / sizeof header[0] };
    int rc = csv_row(out, header, NCOLS);
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c)
    {
        if (rc)
            break;
        json_t *ctx = json_object_get(c, "context"), *lo = json_object_get(ctx, "last_order");
        const json_t *v[NCOLS] = {
            json_object_get(c, "id"),         json_object_get(c, "profile_id"),
            json_object_get(c, "name"),       json_object_get(c, "phone"),
            json_object_get(c, "status"),     json_object_get(c, "attempts"),
            json_object_get(c, "scenario"),   json_object_get(c, "template"),
            json_object_get(c, "created_at"), json_object_get(ctx, "lifecycle_stage"),
            json_object_get(ctx, "orders"),   json_object_get(lo, "date"),
            json_object_get(lo, "total"),     json_object_get(lo, "currency"),
            json_object_get(c, "script")};
        char tmp[NCOLS][32];
        const char *row[NCOLS];
        for (int k = 0; k < NCOLS; k++)
            row[k] = field_text(v[k], tmp[k], sizeof tmp[k]);
        rc = csv_row(out, row, NCOLS);
    }
    return rc;
}

int handoff_call_outcome(struct store *s, int64_t message_id, const char *outcome, const char *note,
                         const char *agent, int64_t now, struct errbuf *e)
{
    bool known = false;
    for (const char *const *o = handoff_outcomes; *o && !known; o++)
        known = outcome && !strcmp(*o, outcome);
    if (!known)
        return err_field(e, ERR_INVALID, "outcome",
                         "outcome is one of reached, no_answer, wrong_number, callback, declined");
    json_t *m = NULL;
    int rc = store_message_get(s, message_id, &m);
    if (rc == ERR_NOT_FOUND)
        return err_field(e, rc, "id", "no message has the id %lld", (long long)message_id);
    if (rc)
        return err_set(e, rc, "reading message %lld: %s", (long long)message_id,
                       store_last_error(s));
    const char *channel = json_string_value(json_object_get(m, "channel"));
    const char *status = json_string_value(json_object_get(m, "status"));
    int64_t profile_id = json_integer_value(json_object_get(m, "profile_id"));
    bool erased = json_is_null(json_object_get(m, "address")); /* erasing clears the phone */
    if (!channel || strcmp(channel, "call"))
        rc = err_field(e, ERR_NOT_FOUND, "id", "message %lld is not a call (its channel is %s)",
                       (long long)message_id, channel ? channel : "unknown");
    else if (erased)
        rc = err_field(e, ERR_NOT_FOUND, "id", "call %lld has no person any more (erased)",
                       (long long)message_id);
    else if (!status || strcmp(status, "stored"))
        rc = err_field(e, ERR_EXISTS, "id", "call %lld is not open: its status is %s",
                       (long long)message_id, status ? status : "unknown");
    json_decref(m);
    if (rc)
        return rc;
    struct buf detail;
    buf_init(&detail, 0);
    buf_addf(&detail, "%s%s%s%s%s", outcome, agent ? " by " : "", agent ? agent : "",
             note ? ": " : "", note ? note : "");
    bool done = closes(outcome);
    rc = store_message_move(s, message_id, "stored", done ? "called" : NULL, done ? NULL : outcome,
                            detail.ptr, true, now);
    buf_release(&detail);
    if (rc)
        return err_set(e, rc == ERR_EXISTS ? ERR_EXISTS : rc, "recording the outcome: %s",
                       rc == ERR_EXISTS ? "the call was closed meanwhile" : store_last_error(s));
    int64_t survivor = profile_id;
    if (store_profile_resolve(s, profile_id, &survivor))
        survivor = profile_id;
    json_t *props = json_pack("{s:I, s:s, s:s?, s:s?}", "message_id", (json_int_t)message_id,
                              "outcome", outcome, "note", note, "agent", agent);
    char *text = json_dumps(props, JSON_COMPACT);
    json_decref(props);
    struct store_event ev = {.profile_id = survivor,
                             .source = "rondo",
                             .type = "track",
                             .name = "Call Outcome",
                             .properties = text,
                             .ts = now,
                             .received_at = now};
    rc = store_event_add(s, &ev);
    free(text);
    if (rc)
        return err_set(e, rc, "recording the Call Outcome event: %s", store_last_error(s));
    return 0;
}
