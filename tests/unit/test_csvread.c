/*
 * test_csvread.c — the streaming CSV reader (csvread.h), each case read
 * twice: from memory (csvr_read_mem) and from a file (csvr_read on a
 * tmpfile, which sniffs from its head and then reads in 64 KiB chunks).
 *
 * Table-driven: delimiter sniffing (, ; TAB |, delimiters inside quoted
 * header names), RFC 4180 quoting (delimiter, doubled quote, newline inside
 * a quoted field), CRLF, blank lines, a missing last newline, a UTF-8 BOM
 * (kept: import_header strips it), encodings (AUTO: Latin-1 / cp1252 per
 * field; LATIN1: everything; UTF8: bad bytes to U+FFFD) with row->converted
 * set exactly when something was converted, record numbers (header = 1), a
 * NUL byte inside a field. Then the errors (field too long, too many fields,
 * a field too long for the parser's buffer; an unterminated quote), a row
 * callback stopping the read, the progress callback, the sniffer and the
 * UTF-8 validator on their own.
 *
 * Rows are rendered as text to compare: "<record>[*]:[f1][f2]...\n", where
 * '*' marks a row with row->converted set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/csvread.h"

/* ---- collecting rows ---------------------------------------------------------- */

struct collect {
    char *text; /* rendered rows */
    size_t len, cap;
    size_t nrows;
    int stop_at; /* record at which the callback returns stop_rc (0: never) */
    int stop_rc;
    bool bad_nul; /* a field was not NUL-terminated at len, or held a NUL before it */
    uint64_t progress[4096];
    size_t nprogress;
};

static void put(struct collect *c, const char *s, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        while (c->len + n + 1 > c->cap)
            c->cap = c->cap ? c->cap * 2 : 256;
        c->text = realloc(c->text, c->cap);
        assert_non_null(c->text);
    }
    memcpy(c->text + c->len, s, n);
    c->len += n;
    c->text[c->len] = '\0';
}

static int on_row(void *ctx, const struct csvr_row *row)
{
    struct collect *c = ctx;
    char head[48];
    snprintf(head, sizeof(head), "%lld%s:", (long long)row->record, row->converted ? "*" : "");
    put(c, head, strlen(head));
    for (size_t i = 0; i < row->n; i++) {
        if (row->field[i][row->len[i]] != '\0' || strlen(row->field[i]) != row->len[i])
            c->bad_nul = true;
        put(c, "[", 1);
        put(c, row->field[i], row->len[i]);
        put(c, "]", 1);
    }
    put(c, "\n", 1);
    c->nrows++;
    if (c->stop_at && row->record == c->stop_at)
        return c->stop_rc;
    return 0;
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct collect *c = ctx;
    if (c->nprogress < sizeof(c->progress) / sizeof(c->progress[0]))
        c->progress[c->nprogress++] = bytes;
}

static void collect_reset(struct collect *c)
{
    free(c->text);
    memset(c, 0, sizeof(*c));
}

static int read_mem(const char *data, size_t n, const struct csvr_opts *o, struct collect *c,
                    struct errbuf *e)
{
    return csvr_read_mem(data, n, o, on_row, c, e);
}

/* The same bytes through a real FILE, as `rondo import` reads them. */
static int read_file(const char *data, size_t n, const struct csvr_opts *o, struct collect *c,
                     struct errbuf *e)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    rewind(f);
    int rc = csvr_read(f, o, on_row, c, e);
    fclose(f);
    return rc;
}

/* ---- the table ------------------------------------------------------------------ */

#define ENC_AUTO CSVR_AUTO
#define ENC_UTF8 CSVR_UTF8
#define ENC_L1 CSVR_LATIN1
#define FFFD "\xEF\xBF\xBD"

struct read_case {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
    char delimiter;
    enum csvr_encoding enc;
    const char *want;
};

static const struct read_case cases[] = {
    /* delimiters, sniffed from the header */
    {"comma", "id,name\n1,Ann\n", 0, 0, ENC_AUTO, "1:[id][name]\n2:[1][Ann]\n"},
    {"semicolon", "id;name;city\n1;Ann;Gent\n", 0, 0, ENC_AUTO,
     "1:[id][name][city]\n2:[1][Ann][Gent]\n"},
    {"tab", "id\tname\tcity\n1\tAnn, Bo\tGent\n", 0, 0, ENC_AUTO,
     "1:[id][name][city]\n2:[1][Ann, Bo][Gent]\n"},
    {"pipe", "id|name|amount\n1|Ann|2,50\n", 0, 0, ENC_AUTO,
     "1:[id][name][amount]\n2:[1][Ann][2,50]\n"},
    {"quoted commas in header do not count", "\"a,b,c\";\"d,e\";f\n1;2;3\n", 0, 0, ENC_AUTO,
     "1:[a,b,c][d,e][f]\n2:[1][2][3]\n"},
    {"quoted semicolons in a comma header", "\"x;y;z\",\"u;v\",w\n1,2,3\n", 0, 0, ENC_AUTO,
     "1:[x;y;z][u;v][w]\n2:[1][2][3]\n"},
    {"only the header line is sniffed", "a;b\n1,2,3,4,5,6;7\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[1,2,3,4,5,6][7]\n"},
    {"one column: comma", "email\nx@y.be\n", 0, 0, ENC_AUTO, "1:[email]\n2:[x@y.be]\n"},
    {"given delimiter wins over sniffing", "a,b;c\n1,2;3\n", 0, ';', ENC_AUTO,
     "1:[a,b][c]\n2:[1,2][3]\n"},
    /* RFC 4180 */
    {"quoted delimiter", "a,b\n\"Smith, Ann\",2\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[Smith, Ann][2]\n"},
    {"doubled quotes", "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[say \"hi\"][\"]\n"},
    {"newline in a quoted field", "a,b\n\"line 1\nline 2\",x\n3,4\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[line 1\nline 2][x]\n3:[3][4]\n"},
    {"CRLF in a quoted field", "a,b\r\n\"l1\r\nl2\",x\r\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[l1\r\nl2][x]\n"},
    {"quoted empty and empty fields", "a,b,c\n\"\",,\"\"\n", 0, 0, ENC_AUTO,
     "1:[a][b][c]\n2:[][][]\n"},
    {"spaces are data", "a,b\n  x , y  \n", 0, 0, ENC_AUTO, "1:[a][b]\n2:[  x ][ y  ]\n"},
    {"spaces around quotes stay", "a,b\n\" q \",z\n", 0, 0, ENC_AUTO, "1:[a][b]\n2:[ q ][z]\n"},
    {"a quote inside an unquoted field", "a,b\n5\" screen,x\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[5\" screen][x]\n"},
    /* line ends, blank lines */
    {"CRLF", "a,b\r\n1,2\r\n3,4\r\n", 0, 0, ENC_AUTO, "1:[a][b]\n2:[1][2]\n3:[3][4]\n"},
    {"CR only", "a,b\r1,2\r", 0, 0, ENC_AUTO, "1:[a][b]\n2:[1][2]\n"},
    {"no newline at the end", "a,b\n1,2", 0, 0, ENC_AUTO, "1:[a][b]\n2:[1][2]\n"},
    {"blank lines skipped, not counted", "a,b\n\n1,2\n\r\n\n3,4\n\n\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[1][2]\n3:[3][4]\n"},
    {"blank lines before the header", "\n\r\na,b\n1,2\n", 0, 0, ENC_AUTO, "1:[a][b]\n2:[1][2]\n"},
    {"a row of empty fields is not blank", "a,b\n,\n1,2\n", 0, 0, ENC_AUTO,
     "1:[a][b]\n2:[][]\n3:[1][2]\n"},
    {"records count rows, not lines", "a\n\"1\n2\n3\"\nx\n", 0, 0, ENC_AUTO,
     "1:[a]\n2:[1\n2\n3]\n3:[x]\n"},
    {"empty input", "", 0, 0, ENC_AUTO, ""},
    /* the byte-order mark stays in the first field (import_header strips it) */
    {"BOM", "\xEF\xBB\xBFid;name\n1;x\n", 0, 0, ENC_AUTO, "1:[\xEF\xBB\xBFid][name]\n2:[1][x]\n"},
    /* AUTO: UTF-8, and a field that is not UTF-8 is Windows-1252 */
    {"auto: valid UTF-8 is kept, not converted", "n\nZo\xC3\xAB \xE2\x82\xAC\n", 0, 0, ENC_AUTO,
     "1:[n]\n2:[Zo\xC3\xAB \xE2\x82\xAC]\n"},
    {"auto: Latin-1 e acute", "n\nAndr\xE9\n", 0, 0, ENC_AUTO, "1:[n]\n2*:[Andr\xC3\xA9]\n"},
    {"auto: cp1252 euro", "p\n\x80 5\n", 0, 0, ENC_AUTO, "1:[p]\n2*:[\xE2\x82\xAC 5]\n"},
    {"auto: cp1252 quotes and dash", "p\n\x93x\x94\x96\x85\n", 0, 0, ENC_AUTO,
     "1:[p]\n2*:[\xE2\x80\x9Cx\xE2\x80\x9D\xE2\x80\x93\xE2\x80\xA6]\n"},
    {"auto: per field, only the bad one converted", "a,b\nJos\xE9,Zo\xC3\xAB\nAnn,Bo\n", 0, 0,
     ENC_AUTO, "1:[a][b]\n2*:[Jos\xC3\xA9][Zo\xC3\xAB]\n3:[Ann][Bo]\n"},
    {"auto: Latin-1 in the header", "Pr\xE9nom;Nom\nAnn;X\n", 0, 0, ENC_AUTO,
     "1*:[Pr\xC3\xA9nom][Nom]\n2:[Ann][X]\n"},
    {"auto: 0xFF and 0xA0", "n\n\xFF\xA0\n", 0, 0, ENC_AUTO, "1:[n]\n2*:[\xC3\xBF\xC2\xA0]\n"},
    /* LATIN1: every field, valid UTF-8 or not */
    {"latin1: UTF-8 bytes are read as Latin-1", "n\nZo\xC3\xAB\n", 0, 0, ENC_L1,
     "1:[n]\n2*:[Zo\xC3\x83\xC2\xAB]\n"},
    {"latin1: e acute", "n\nAndr\xE9\n", 0, 0, ENC_L1, "1:[n]\n2*:[Andr\xC3\xA9]\n"},
    {"latin1: cp1252 euro, Z caron, undefined 0x81", "n\n\x80\x8E\x81\n", 0, 0, ENC_L1,
     "1:[n]\n2*:[\xE2\x82\xAC\xC5\xBD" FFFD "]\n"},
    {"latin1: an ASCII row is not converted", "a,b\nx,y\n", 0, 0, ENC_L1, "1:[a][b]\n2:[x][y]\n"},
    /* UTF8: each byte of a bad sequence becomes U+FFFD */
    {"utf8: valid kept", "n\nZo\xC3\xAB\n", 0, 0, ENC_UTF8, "1:[n]\n2:[Zo\xC3\xAB]\n"},
    {"utf8: a Latin-1 byte", "n\nAndr\xE9\n", 0, 0, ENC_UTF8, "1:[n]\n2*:[Andr" FFFD "]\n"},
    {"utf8: lead byte without continuation", "n\n\xC3(x\n", 0, 0, ENC_UTF8,
     "1:[n]\n2*:[" FFFD "(x]\n"},
    {"utf8: overlong", "n\n\xC0\xAF\n", 0, 0, ENC_UTF8, "1:[n]\n2*:[" FFFD FFFD "]\n"},
    {"utf8: surrogate", "n\na\xED\xA0\x80z\n", 0, 0, ENC_UTF8,
     "1:[n]\n2*:[a" FFFD FFFD FFFD "z]\n"},
    {"utf8: truncated at the end of the field", "n,m\n\xE2\x82,\xF0\x9F\x98\x80\n", 0, 0, ENC_UTF8,
     "1:[n][m]\n2*:[" FFFD FFFD "][\xF0\x9F\x98\x80]\n"},
    {"utf8: stray continuation byte", "n\n\x80x\n", 0, 0, ENC_UTF8, "1:[n]\n2*:[" FFFD "x]\n"},
    /* a NUL byte would cut the field short downstream: it becomes a space */
    {"NUL inside a field", "a,b\nx\0y,z\n", 10, 0, ENC_AUTO, "1:[a][b]\n2:[x y][z]\n"},
    {"NUL inside a quoted field", "a,b\n\"x\0\",z\n", 11, 0, ENC_AUTO, "1:[a][b]\n2:[x ][z]\n"},
};

/* Fail with msg after freeing what the case collected (no leak reports on failure). */
static void fail_case(struct collect *c, const char *msg)
{
    collect_reset(c);
    fail_msg("%s", msg);
}

static void check_case(const struct read_case *k, bool from_file)
{
    struct collect c = {0};
    struct errbuf e = {{0}, {0}};
    struct csvr_opts o = {.delimiter = k->delimiter, .encoding = k->enc};
    size_t n = k->len ? k->len : strlen(k->in);
    int rc = from_file ? read_file(k->in, n, &o, &c, &e) : read_mem(k->in, n, &o, &c, &e);
    const char *how = from_file ? "file" : "mem";
    const char *got = c.text ? c.text : "";
    char msg[2048];
    if (rc) {
        snprintf(msg, sizeof(msg), "%s (%s): rc %d: %s", k->name, how, rc, e.msg);
        fail_case(&c, msg);
    }
    if (strcmp(got, k->want) != 0) {
        snprintf(msg, sizeof(msg), "%s (%s):\n want: %s\n got:  %s", k->name, how, k->want, got);
        fail_case(&c, msg);
    }
    if (c.bad_nul) {
        snprintf(msg, sizeof(msg), "%s (%s): a field is not a C string of its length", k->name,
                 how);
        fail_case(&c, msg);
    }
    collect_reset(&c);
}

static void test_read_cases_mem(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i], false);
}

static void test_read_cases_file(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i], true);
}

/* ---- errors ----------------------------------------------------------------------- */

struct error_case {
    const char *name;
    const char *in;
    size_t max_field, max_fields;
    const char *want_rows; /* delivered before the error */
    const char *msg;       /* a substring of the message */
    const char *msg2;      /* and another, or NULL */
};

static const struct error_case error_cases[] = {
    {"field one byte too long", "a,b\n12345678,x\ny,123456789\n", 8, 0,
     "1:[a][b]\n2:[12345678][x]\n", "row 3", "longer than 8"},
    {"too many fields", "a,b,c\n1,2,3\n1,2,3,4\n5,6,7\n", 0, 3, "1:[a][b][c]\n2:[1][2][3]\n",
     "row 3", "more than 3 fields"},
    {"too many fields in the header", "a,b,c,d\n1\n", 0, 3, "", "row 1", "more than 3"},
    {"too many fields after a blank line", "a,b\n\n1,2,3\n", 0, 2, "1:[a][b]\n", "row 2", NULL},
};

/* A quote opened and never closed would swallow the rest of the file into one field. */
static const struct error_case quote_cases[] = {
    {"unterminated quote at the end", "a,b\n1,\"open\n2,3\n", 0, 0, "1:[a][b]\n", "quote", NULL},
    {"unterminated quote, last line", "a,b\n1,\"open", 0, 0, "1:[a][b]\n", "quote", NULL},
    {"unterminated quote in the header", "a,\"b\n1,2\n", 0, 0, "", "quote", NULL},
};

static void check_error(const struct error_case *k, bool from_file)
{
    struct collect c = {0};
    struct errbuf e = {{0}, {0}};
    struct csvr_opts o = {.max_field = k->max_field, .max_fields = k->max_fields};
    size_t n = strlen(k->in);
    int rc = from_file ? read_file(k->in, n, &o, &c, &e) : read_mem(k->in, n, &o, &c, &e);
    const char *how = from_file ? "file" : "mem";
    const char *got = c.text ? c.text : "";
    char msg[2048];
    if (rc != ERR_INVALID) {
        snprintf(msg, sizeof(msg), "%s (%s): rc %d, want ERR_INVALID; rows read:\n%s", k->name, how,
                 rc, got);
        fail_case(&c, msg);
    }
    if (strcmp(got, k->want_rows) != 0) {
        snprintf(msg, sizeof(msg), "%s (%s): rows before the error:\n want: %s\n got:  %s", k->name,
                 how, k->want_rows, got);
        fail_case(&c, msg);
    }
    if (!strstr(e.msg, k->msg) || (k->msg2 && !strstr(e.msg, k->msg2))) {
        snprintf(msg, sizeof(msg), "%s (%s): message \"%s\" lacks \"%s\" / \"%s\"", k->name, how,
                 e.msg, k->msg, k->msg2 ? k->msg2 : "");
        fail_case(&c, msg);
    }
    collect_reset(&c);
}

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        check_error(&error_cases[i], false);
        check_error(&error_cases[i], true);
    }
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
        check_error(&quote_cases[i], false);
        check_error(&quote_cases[i], true);
    }
}

/* Exactly at the limits is fine. */
static void test_limits_inclusive(void **state)
{
    (void)state;
    struct collect c = {0};
    struct errbuf e = {{0}, {0}};
    struct csvr_opts o = {.max_field = 8, .max_fields = 3};
    const char *in = "a,b,c\n12345678,\"1234,678\",x\n";
    assert_int_equal(read_mem(in, strlen(in), &o, &c, &e), 0);
    assert_string_equal(c.text, "1:[a][b][c]\n2:[12345678][1234,678][x]\n");
    collect_reset(&c);
}

/* The default limits: 64 KiB per field, 512 fields per row. */
static void test_default_limits(void **state)
{
    (void)state;
    size_t big = 64 * 1024;
    char *in = malloc(big + 64);
    assert_non_null(in);
    struct csvr_opts o = {0};
    struct errbuf e = {{0}, {0}};
    struct collect c = {0};

    /* a field of exactly 64 KiB is read */
    memcpy(in, "a\n", 2);
    memset(in + 2, 'x', big);
    in[2 + big] = '\n';
    assert_int_equal(read_file(in, big + 3, &o, &c, &e), 0);
    assert_int_equal(c.nrows, 2);
    collect_reset(&c);
    /* one byte more is not */
    memset(in + 2, 'x', big + 1);
    in[3 + big] = '\n';
    assert_int_equal(read_file(in, big + 4, &o, &c, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "row 2"));
    collect_reset(&c);

    /* 512 fields are fine, 513 are not */
    char *row = malloc(2 * 513 + 2);
    assert_non_null(row);
    for (size_t k = 0; k < 513; k++) {
        row[2 * k] = 'x';
        row[2 * k + 1] = ',';
    }
    row[2 * 511 + 1] = '\n';
    assert_int_equal(read_mem(row, 2 * 512, &o, &c, &e), 0);
    assert_int_equal(c.nrows, 1);
    collect_reset(&c);
    row[2 * 511 + 1] = ',';
    row[2 * 512 + 1] = '\n';
    assert_int_equal(read_mem(row, 2 * 513, &o, &c, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "row 1"));
    assert_non_null(strstr(e.msg, "512"));
    collect_reset(&c);
    free(row);
    free(in);
}

/*
 * A huge field spanning many 64 KiB chunks is refused while it is read (the
 * parser's buffer must not grow with hostile input), naming its row.
 */
static void test_huge_field_refused(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *in = malloc(big + 64);
    assert_non_null(in);
    size_t n = 0;
    memcpy(in, "id,note\n1,ok\n2,\"", 16);
    n = 16;
    memset(in + n, 'y', big);
    n += big;
    memcpy(in + n, "\"\n", 2);
    n += 2;
    struct collect c = {0};
    struct errbuf e = {{0}, {0}};
    struct csvr_opts o = {.max_field = 1000};
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(in, 1, n, f), n);
    rewind(f);
    assert_int_equal(csvr_read(f, &o, on_row, &c, &e), ERR_INVALID);
    /* it stopped early: it did not read the whole megabyte first */
    long pos = ftell(f);
    fclose(f);
    if (pos < 0 || (size_t)pos > big / 2)
        fail_msg("read %ld bytes of %zu before refusing the field", pos, n);
    assert_string_equal(c.text, "1:[id][note]\n2:[1][ok]\n");
    assert_non_null(strstr(e.msg, "row 3"));
    assert_non_null(strstr(e.msg, "1000"));
    collect_reset(&c);
    /* from memory: refused all the same */
    assert_int_equal(read_mem(in, n, &o, &c, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "row 3"));
    collect_reset(&c);
    free(in);
}

/* ---- the row callback stopping ----------------------------------------------------- */

static void test_callback_stops(void **state)
{
    (void)state;
    /* many rows, so the file spans several chunks */
    size_t cap = 300000, n = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    n += (size_t)snprintf(in, cap, "id,name\n");
    for (int i = 0; n + 32 < cap; i++)
        n += (size_t)snprintf(in + n, cap - n, "%d,name %d\n", i, i);
    for (int from_file = 0; from_file < 2; from_file++) {
        struct collect c = {.stop_at = 3, .stop_rc = 42};
        struct errbuf e = {{0}, {0}};
        struct csvr_opts o = {0};
        int rc = from_file ? read_file(in, n, &o, &c, &e) : read_mem(in, n, &o, &c, &e);
        assert_int_equal(rc, 42);
        assert_int_equal(c.nrows, 3); /* no row after the one that said stop */
        collect_reset(&c);

        /* a negative code (an error of the caller's) comes back as is */
        c = (struct collect){.stop_at = 1, .stop_rc = ERR_NOT_FOUND};
        rc = from_file ? read_file(in, n, &o, &c, &e) : read_mem(in, n, &o, &c, &e);
        assert_int_equal(rc, ERR_NOT_FOUND);
        assert_int_equal(c.nrows, 1);
        collect_reset(&c);
    }
    free(in);

    /* stopping at the last row, which has no newline (delivered at the end of input) */
    const char *tail = "a,b\n1,2\n3,4";
    struct collect c = {.stop_at = 3, .stop_rc = 7};
    struct errbuf e = {{0}, {0}};
    struct csvr_opts o = {0};
    assert_int_equal(read_mem(tail, strlen(tail), &o, &c, &e), 7);
    assert_int_equal(c.nrows, 3);
    collect_reset(&c);
    c = (struct collect){.stop_at = 3, .stop_rc = 7};
    assert_int_equal(read_file(tail, strlen(tail), &o, &c, &e), 7);
    collect_reset(&c);
    /* an unterminated quote after the stop is never looked at */
    const char *open = "a,b\n1,2\n3,\"open";
    c = (struct collect){.stop_at = 2, .stop_rc = 9};
    assert_int_equal(read_mem(open, strlen(open), &o, &c, &e), 9);
    collect_reset(&c);
}

/* ---- progress -------------------------------------------------------------------------- */

static void check_progress(const struct collect *c, uint64_t size, bool several)
{
    assert_true(c->nprogress >= 1);
    if (several)
        assert_true(c->nprogress >= 3);
    for (size_t i = 1; i < c->nprogress; i++)
        if (c->progress[i] < c->progress[i - 1])
            fail_msg("progress went back: %llu after %llu", (unsigned long long)c->progress[i],
                     (unsigned long long)c->progress[i - 1]);
    for (size_t i = 0; i + 1 < c->nprogress; i++)
        assert_true(c->progress[i] < size);
    assert_int_equal(c->progress[c->nprogress - 1], size);
}

static void test_progress(void **state)
{
    (void)state;
    size_t cap = 400000, n = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    n += (size_t)snprintf(in, cap, "id;name;city\n");
    for (int i = 0; n + 40 < cap; i++)
        n += (size_t)snprintf(in + n, cap - n, "%d;name %d;Gent\n", i, i);
    for (int from_file = 0; from_file < 2; from_file++) {
        struct collect c = {0};
        struct errbuf e = {{0}, {0}};
        struct csvr_opts o = {.progress = on_progress};
        int rc = from_file ? read_file(in, n, &o, &c, &e) : read_mem(in, n, &o, &c, &e);
        assert_int_equal(rc, 0);
        check_progress(&c, n, true);
        /* about every 64 KiB: not once per row */
        assert_true(c.nprogress <= n / (64 * 1024) + 2);
        collect_reset(&c);
    }
    free(in);

    /* a small file: one report, at its size */
    const char *small = "a,b\n1,2\n";
    struct collect c = {0};
    struct errbuf e = {{0}, {0}};
    struct csvr_opts o = {.progress = on_progress};
    assert_int_equal(read_file(small, strlen(small), &o, &c, &e), 0);
    check_progress(&c, strlen(small), false);
    collect_reset(&c);
}

/* ---- the sniffer and the validator on their own ---------------------------------------- */

static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        char want;
    } k[] = {
        {"a,b,c", ','},
        {"a;b;c", ';'},
        {"a\tb\tc", '\t'},
        {"a|b|c", '|'},
        {"\"a,b,c\";d;e", ';'},
        {"\"a;b;c\",d,e", ','},
        {"\"a|b|c|d\"\tx", '\t'},
        {"name", ','},
        {"", ','},
        {"a;b\nc,d,e,f,g", ';'}, /* only the first line */
        {"a,b;c;d|e", ';'},
        {"a,b;c", ','}, /* a tie goes to the comma */
        {"voornaam;achternaam;\"straat, nr\";postcode", ';'},
    };
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        char got = csvr_sniff_delimiter(k[i].line, strlen(k[i].line));
        if (got != k[i].want)
            fail_msg("sniff \"%s\": got '%c', want '%c'", k[i].line, got, k[i].want);
    }
    /* n bounds the look: a delimiter past n does not count */
    assert_int_equal(csvr_sniff_delimiter("a;b,c,d", 3), ';');
}

static void test_utf8_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool want;
    } k[] = {
        {"", true},
        {"plain ascii", true},
        {"Zo\xC3\xAB", true},
        {"\xE2\x82\xAC", true},
        {"\xF0\x9F\x98\x80", true},
        {"\xF4\x8F\xBF\xBF", true}, /* U+10FFFF */
        {"\xED\x9F\xBF", true},     /* U+D7FF */
        {"\xEE\x80\x80", true},     /* U+E000 */
        {"\xC2\x80", true},         /* smallest two-byte */
        {"\xE0\xA0\x80", true},     /* smallest three-byte */
        {"\xF0\x90\x80\x80", true}, /* smallest four-byte */
        {"Andr\xE9", false},
        {"\xC3", false}, /* truncated */
        {"\xE2\x82", false},
        {"\xF0\x9F\x98", false},
        {"\x80", false},     /* a lone continuation byte */
        {"\xC3\x28", false}, /* no continuation */
        {"\xC0\xAF", false}, /* overlong '/' */
        {"\xC1\xBF", false},
        {"\xE0\x9F\xBF", false},         /* overlong three-byte */
        {"\xF0\x8F\xBF\xBF", false},     /* overlong four-byte */
        {"\xED\xA0\x80", false},         /* surrogate U+D800 */
        {"\xED\xBF\xBF", false},         /* surrogate U+DFFF */
        {"\xF4\x90\x80\x80", false},     /* U+110000 */
        {"\xF8\x88\x80\x80\x80", false}, /* five-byte form */
        {"\xFF", false},
    };
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
        if (csvr_utf8_valid(k[i].s, strlen(k[i].s)) != k[i].want)
            fail_msg("csvr_utf8_valid case %zu: want %d", i, k[i].want);
    /* the length is respected: a valid prefix of an invalid string */
    assert_true(csvr_utf8_valid("ab\xE9", 2));
    assert_false(csvr_utf8_valid("\xC3\xA9", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_cases_mem),
        cmocka_unit_test(test_read_cases_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_limits_inclusive),
        cmocka_unit_test(test_default_limits),
        cmocka_unit_test(test_huge_field_refused),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_utf8_valid),
    };
    return cmocka_run_group_tests_name("csvread", tests, NULL, NULL);
}
