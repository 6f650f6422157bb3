/*
 * fuzz_csv.c — libFuzzer target for the CSV import path without the store.
 *
 * The input is a CSV file. Its first byte picks the table and the encoding;
 * the rest is read with csvr_read_mem() (delimiter sniffed), the header
 * bound with import_header() and every row mapped and cleaned with
 * import_prepare(), as `rondo import` does before it writes. Besides memory
 * errors it checks the reader's contract: fields are NUL-terminated UTF-8
 * of the length given, records count up from 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csvread.h"
#include "ingest/import.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct clean_patterns patterns;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct errbuf e = {{0}, {0}};
    if (clean_init(&e))
        abort();
    clean_patterns_add(&patterns, "email", "test@*");
    clean_patterns_add(&patterns, "name", "mickey mouse");
    return 0;
}

struct run {
    struct import *im;
    struct import_batch batch;
    int64_t last;
    bool header;
};

static int on_row(void *ctx, const struct csvr_row *row)
{
    struct run *r = ctx;
    CHECK(row->record == r->last + 1);
    r->last = row->record;
    for (size_t i = 0; i < row->n; i++) {
        CHECK(strlen(row->field[i]) == row->len[i]);
        CHECK(csvr_utf8_valid(row->field[i], row->len[i]));
    }
    if (!r->header) {
        r->header = true;
        struct errbuf e = {{0}, {0}};
        return import_header(r->im, row->field, row->n, &e) ? 1 : 0;
    }
    import_prepare(r->im, &r->batch, row->field, row->n, row->record, 0);
    if (r->batch.n == r->batch.cap)
        import_batch_reset(&r->batch);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    enum import_table t = (enum import_table)(data[0] % IMP_NTABLES);
    struct import_map map = {.encoding = (enum csvr_encoding)((data[0] >> 4) % 3),
                             .locale = (data[0] & 8) ? "en-US" : "nl-BE",
                             .country = (data[0] & 8) ? "GB" : "BE"};
    struct run r = {.im = import_new("fuzz", t, &map, &patterns, NULL, 1795450000000)};
    import_batch_init(&r.batch, 16);
    struct csvr_opts o = {.encoding = map.encoding, .max_field = 4096, .max_fields = 64};
    struct errbuf e = {{0}, {0}};
    int rc = csvr_read_mem((const char *)data + 1, size - 1, &o, on_row, &r, &e);
    CHECK(rc == 0 || rc == 1 || rc == ERR_INVALID || rc == ERR_IO);
    import_batch_release(&r.batch);
    import_free(r.im);
    return 0;
}
