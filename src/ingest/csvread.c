/*
 * csvread.c — rows from a CSV stream (csvread.h), on libcsv's push parser.
 *
 * libcsv calls back per field and per row end; fields of the current row
 * are gathered into one growing buffer, converted to UTF-8 on the way in,
 * and handed to the caller's row function at the row's end.
 */
#include "ingest/csvread.h"

#include <csv.h>
#include <string.h>

#include "base/xalloc.h"

#define CHUNK (64 * 1024)

struct reader {
    const struct csvr_opts *o;
    csvr_row_fn fn;
    void *ctx;
    struct errbuf *e;
    char *data; /* the row's fields, each NUL-terminated */
    size_t used, cap;
    size_t *off, *len;
    char **ptr;
    size_t n, ncap;
    bool converted;
    int64_t record;
    int stop;   /* non-zero: stop with this value */
};

bool csvr_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= k)
            return false;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += k + 1;
    }
    return true;
}

/* Windows-1252's letters in 0x80-0x9F (the rest of Latin-1 maps to itself). */
static const uint16_t cp1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void reserve(struct reader *r, size_t n)
{
    if (r->used + n <= r->cap)
        return;
    while (r->used + n > r->cap)
        r->cap = r->cap ? r->cap * 2 : 4096;
    r->data = xrealloc(r->data, r->cap);
}

static void put_latin1(struct reader *r, const unsigned char *s, size_t n)
{
    reserve(r, n * 3 + 1);
    char *out = r->data + r->used;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = s[i] >= 0x80 && s[i] < 0xA0 ? cp1252[s[i] - 0x80] : s[i];
        if (cp < 0x80) {
            *out++ = (char)cp;
        } else if (cp < 0x800) {
            *out++ = (char)(0xC0 | cp >> 6);
            *out++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *out++ = (char)(0xE0 | cp >> 12);
            *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *out++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    r->used = (size_t)(out - r->data);
}

/* Declared UTF-8 with a bad byte in it: each byte of an invalid sequence becomes U+FFFD. */
static void put_replacing(struct reader *r, const unsigned char *s, size_t n)
{
    reserve(r, n * 3 + 1);
    char *out = r->data + r->used;
    size_t i = 0;
    while (i < n) {
        size_t k = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3
                                   : (s[i] & 0xF8) == 0xF0 ? 4 : 0;
        if (k && i + k <= n && csvr_utf8_valid((const char *)s + i, k)) {
            memcpy(out, s + i, k);
            out += k;
            i += k;
        } else {
            memcpy(out, "\xEF\xBF\xBD", 3);
            out += 3;
            i++;
        }
    }
    r->used = (size_t)(out - r->data);
}

static void on_field(void *field, size_t n, void *data)
{
    struct reader *r = data;
    if (r->stop)
        return;
    size_t max_fields = r->o->max_fields ? r->o->max_fields : 512;
    size_t max_field = r->o->max_field ? r->o->max_field : 64 * 1024;
    if (r->n >= max_fields) {
        r->stop = err_set(r->e, ERR_INVALID, "row %lld has more than %zu fields",
                          (long long)r->record + 1, max_fields);
        return;
    }
    if (n > max_field) {
        r->stop = err_set(r->e, ERR_INVALID, "row %lld: field %zu is longer than %zu bytes",
                          (long long)r->record + 1, r->n + 1, max_field);
        return;
    }
    if (r->n == r->ncap) {
        r->ncap = r->ncap ? r->ncap * 2 : 32;
        r->off = xrealloc(r->off, r->ncap * sizeof(*r->off));
        r->len = xrealloc(r->len, r->ncap * sizeof(*r->len));
        r->ptr = xrealloc(r->ptr, r->ncap * sizeof(*r->ptr));
    }
    size_t start = r->used;
    const unsigned char *s = field ? field : (const unsigned char *)"";
    bool valid = r->o->encoding == CSVR_LATIN1 || csvr_utf8_valid((const char *)s, n);
    if (!valid && r->o->encoding == CSVR_UTF8) {
        put_replacing(r, s, n);
        r->converted = true;
    } else if (r->o->encoding == CSVR_LATIN1 || !valid) {
        bool ascii = true;
        for (size_t i = 0; i < n && ascii; i++)
            ascii = s[i] < 0x80;
        if (!ascii)
            r->converted = true;
        put_latin1(r, s, n);
    } else {
        reserve(r, n + 1);
        memcpy(r->data + r->used, s, n);
        r->used += n;
    }
    /* a NUL byte inside a field would cut it short everywhere downstream */
    for (size_t i = start; i < r->used; i++)
        if (!r->data[i])
            r->data[i] = ' ';
    reserve(r, 1);
    r->data[r->used++] = '\0';
    r->off[r->n] = start;
    r->len[r->n] = r->used - start - 1;
    r->n++;
}

static void on_row(int c, void *data)
{
    struct reader *r = data;
    (void)c;
    if (r->stop) {
        r->n = r->used = 0;
        return;
    }
    r->record++;
    /* a line holding one empty field is a blank line */
    if (r->n == 1 && r->len[0] == 0) {
        r->n = r->used = 0;
        r->record--;
        return;
    }
    for (size_t i = 0; i < r->n; i++)
        r->ptr[i] = r->data + r->off[i];
    struct csvr_row row = {r->ptr, r->len, r->n, r->record, r->converted};
    int rc = r->fn(r->ctx, &row);
    if (rc)
        r->stop = rc;
    r->n = r->used = 0;
    r->converted = false;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

char csvr_sniff_delimiter(const char *line, size_t n)
{
    static const char cands[] = {',', ';', '\t', '|'};
    size_t count[4] = {0};
    bool quoted = false;
    for (size_t i = 0; i < n && line[i] != '\n'; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        for (int k = 0; k < 4 && !quoted; k++)
            if (line[i] == cands[k])
                count[k]++;
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best])
            best = k;
    return cands[best];
}

/* Feed chunks from next() through libcsv. */
static int run(struct reader *r, struct csv_parser *p, const char *first, size_t nfirst,
               FILE *f, const char *mem, size_t nmem)
{
    const struct csvr_opts *o = r->o;
    size_t max_field = o->max_field ? o->max_field : 64 * 1024;
    char delim = o->delimiter ? o->delimiter : csvr_sniff_delimiter(first, nfirst);
    csv_set_delim(p, (unsigned char)delim);
    csv_set_space_func(p, never_space);
    uint64_t total = 0, last_report = 0;
    char *chunk = f ? xmalloc(CHUNK) : NULL;
    int rc = 0;
    for (;;) {
        const char *buf;
        size_t n;
        if (f) {
            n = fread(chunk, 1, CHUNK, f);
            if (!n && ferror(f)) {
                rc = err_set(r->e, ERR_IO, "reading the file failed");
                break;
            }
            buf = chunk;
        } else {
            n = nmem - (size_t)total < CHUNK ? nmem - (size_t)total : CHUNK;
            buf = mem + total;
        }
        if (!n)
            break;
        if (csv_parse(p, buf, n, on_field, on_row, r) != n) {
            rc = err_set(r->e, ERR_INVALID, "CSV error near row %lld: %s",
                         (long long)r->record + 1, csv_strerror(csv_error(p)));
            break;
        }
        total += n;
        if (r->stop)
            break;
        if (csv_get_buffer_size(p) > max_field + 1024) {
            rc = err_set(r->e, ERR_INVALID, "row %lld: a field is longer than %zu bytes",
                         (long long)r->record + 1, max_field);
            break;
        }
        if (o->progress && total - last_report >= CHUNK) {
            o->progress(r->ctx, total);
            last_report = total;
        }
    }
    /*
     * libcsv reports an unterminated quote at the end only in its strict mode,
     * which also refuses a stray quote inside an unquoted field (common in
     * real exports): so it is checked here. pstate 2 is libcsv's FIELD_BEGUN.
     */
    if (!rc && !r->stop && p->quoted && p->pstate == 2)
        rc = err_set(r->e, ERR_INVALID, "row %lld: a quoted field is not closed at the end of "
                     "the file", (long long)r->record + 1);
    if (!rc && !r->stop && csv_fini(p, on_field, on_row, r) != 0)
        rc = err_set(r->e, ERR_INVALID, "CSV error at the end of the file: %s (an unterminated quote?)",
                     csv_strerror(csv_error(p)));
    if (!rc && o->progress)
        o->progress(r->ctx, total);
    free(chunk);
    return rc ? rc : r->stop;
}

static int read_any(FILE *f, const char *mem, size_t nmem, const struct csvr_opts *o,
                    csvr_row_fn fn, void *ctx, struct errbuf *e)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return err_set(e, ERR_NOMEM, "out of memory");
    struct reader r = {.o = o, .fn = fn, .ctx = ctx, .e = e};
    char head[4096];
    size_t nhead = 0;
    if (f && !o->delimiter) {
        /* sniff from the first line, then read the file from its start */
        long pos = ftell(f);
        nhead = fread(head, 1, sizeof(head), f);
        if (pos < 0 || fseek(f, pos, SEEK_SET) != 0) {
            csv_free(&p);
            return err_set(e, ERR_IO, "the file cannot be read twice (give --delimiter)");
        }
    }
    int rc = run(&r, &p, f ? head : mem, f ? nhead : (nmem < 4096 ? nmem : 4096), f, mem, nmem);
    csv_free(&p);
    free(r.data);
    free(r.off);
    free(r.len);
    free(r.ptr);
    return rc;
}

int csvr_read(FILE *f, const struct csvr_opts *o, csvr_row_fn fn, void *ctx, struct errbuf *e)
{
    return read_any(f, NULL, 0, o, fn, ctx, e);
}

int csvr_read_mem(const char *data, size_t n, const struct csvr_opts *o, csvr_row_fn fn,
                  void *ctx, struct errbuf *e)
{
    return read_any(NULL, data, n, o, fn, ctx, e);
}
