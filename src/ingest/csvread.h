/*
 * csvread.h — streaming CSV reading on top of libcsv: any delimiter (or sniffed
 * from the header line), RFC 4180 quoting, UTF-8 with Latin-1 detected and
 * converted field by field.
 *
 * The reader pushes rows to a callback as it reads, so memory stays flat
 * whatever the file's size. Fields handed to the callback are NUL-terminated
 * UTF-8 and valid only during the call.
 */
#ifndef RONDO_CSVREAD_H
#define RONDO_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

/*
 * AUTO: UTF-8, and a field that is not valid UTF-8 is read as Windows-1252
 * (Latin-1). UTF8: declared; bytes of an invalid sequence become U+FFFD.
 * LATIN1: every field is Windows-1252.
 */
enum csvr_encoding { CSVR_AUTO, CSVR_UTF8, CSVR_LATIN1 };

struct csvr_row {
    char **field;   /* n fields, NUL-terminated UTF-8 */
    size_t *len;
    size_t n;
    int64_t record; /* the row's number in the file: 1 is the header */
    bool converted; /* some field was converted from Latin-1 or had bad bytes replaced */
};

/* Return 0 to go on, anything else to stop reading (csvr_read returns it). */
typedef int (*csvr_row_fn)(void *ctx, const struct csvr_row *row);

struct csvr_opts {
    char delimiter;            /* 0: sniff from the first line among , ; TAB | */
    enum csvr_encoding encoding;
    size_t max_field;          /* bytes per field (0: 64 KiB); longer is an error */
    size_t max_fields;         /* fields per row (0: 512) */
    /* progress: called about every 64 KiB read with the bytes consumed so far */
    void (*progress)(void *ctx, uint64_t bytes);
};

/* Delimiter of a header line: the most frequent of , ; TAB | outside quotes (',' if none). */
char csvr_sniff_delimiter(const char *line, size_t n);

/*
 * Read CSV from f to the end, calling fn for each row (the header is
 * record 1). Blank lines are skipped. Returns 0, what fn returned, ERR_IO on a
 * read error, or ERR_INVALID (e says where) for a malformed file: an
 * unterminated quote, or a field or row past the limits.
 */
int csvr_read(FILE *f, const struct csvr_opts *o, csvr_row_fn fn, void *ctx, struct errbuf *e);

/* Same, from memory (tests, the fuzzer). */
int csvr_read_mem(const char *data, size_t n, const struct csvr_opts *o, csvr_row_fn fn, void *ctx,
                 struct errbuf *e);

/* True when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool csvr_utf8_valid(const char *s, size_t n);

#endif
