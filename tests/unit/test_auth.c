/*
 * test_auth.c — API keys against a real temp store: a created key has the
 * documented shape and verifies with its role and source; a revoked key, a
 * key with a wrong secret, and malformed or unknown keys are refused with
 * ERR_UNAUTHORIZED. Header parsing: HTTP Basic as Segment SDKs send it
 * (base64 of "key:"), and Bearer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "http/auth.h"
#include "testdb.h"

struct fixture {
    struct testdb db;
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || testdb_open_store(&f->db, &f->s))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    testdb_close_store(&f->db, f->s);
    free(f);
    return 0;
}

/* Create a key in its own transaction; returns its id. */
static int64_t create(struct fixture *f, const char *role, const char *source, char *key)
{
    struct errbuf e = {{0}, {0}};
    int64_t id = 0;
    assert_int_equal(store_begin(f->s, &e), 0);
    if (auth_key_create(f->s, role, source, key, &id, &e))
        fail_msg("auth_key_create: %s", e.msg);
    assert_int_equal(store_commit(f->s, &e), 0);
    return id;
}

static void test_create_and_verify(void **state)
{
    struct fixture *f = *state;
    char key[AUTH_KEY_MAX];
    int64_t id = create(f, "ingest", "webshop", key);
    assert_true(id > 0);

    /* rk_<12 hex>_<43 base64url> */
    assert_int_equal(strncmp(key, "rk_", 3), 0);
    assert_int_equal(strlen(key), 3 + 12 + 1 + 43);
    assert_int_equal(key[15], '_');
    for (int i = 3; i < 15; i++)
        assert_non_null(strchr("0123456789abcdef", key[i]));
    for (size_t i = 16; i < strlen(key); i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                               key[i]));

    struct store_key k;
    assert_int_equal(auth_key_verify(f->s, key, &k), 0);
    assert_int_equal(k.id, id);
    assert_string_equal(k.role, "ingest");
    assert_string_equal(k.source, "webshop");
    assert_int_equal(k.revoked_at, 0);
    assert_memory_equal(k.prefix, key + 3, 12);

    /* what is stored is the prefix and the BLAKE2b-256 hash of the whole key */
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)key, strlen(key), NULL, 0);
    assert_memory_equal(k.hash, h, sizeof(h));
    assert_int_equal(strlen(k.prefix), 12);

    /* ingest keys default to the source "default"; others have none */
    char key2[AUTH_KEY_MAX], key3[AUTH_KEY_MAX];
    create(f, "ingest", NULL, key2);
    assert_int_equal(auth_key_verify(f->s, key2, &k), 0);
    assert_string_equal(k.source, "default");
    create(f, "admin", NULL, key3);
    assert_int_equal(auth_key_verify(f->s, key3, &k), 0);
    assert_string_equal(k.role, "admin");
    assert_string_equal(k.source, "");
    assert_string_not_equal(key, key2);
    assert_string_not_equal(key2, key3);
}

static void test_create_refuses_bad_input(void **state)
{
    struct fixture *f = *state;
    char key[AUTH_KEY_MAX];
    struct errbuf e = {{0}, {0}};
    int64_t id = 0;
    char long_source[80];
    memset(long_source, 's', 64);
    long_source[64] = '\0';
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(auth_key_create(f->s, "root", NULL, key, &id, &e), ERR_INVALID);
    assert_string_equal(e.field, "role");
    assert_int_equal(auth_key_create(f->s, NULL, NULL, key, &id, &e), ERR_INVALID);
    assert_string_equal(e.field, "role");
    err_clear(&e);
    assert_int_equal(auth_key_create(f->s, "ingest", "", key, &id, &e), ERR_INVALID);
    assert_string_equal(e.field, "source");
    err_clear(&e);
    assert_int_equal(auth_key_create(f->s, "ingest", long_source, key, &id, &e), ERR_INVALID);
    assert_string_equal(e.field, "source");
    long_source[63] = '\0'; /* 63 characters is the most */
    assert_int_equal(auth_key_create(f->s, "ingest", long_source, key, &id, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    assert_int_equal(testdb_sql_int(f->db.path, "SELECT count(*) FROM api_keys", 0), 1);

    assert_int_equal(auth_role_from_name("admin"), ROLE_ADMIN);
    assert_int_equal(auth_role_from_name("marketer"), ROLE_MARKETER);
    assert_int_equal(auth_role_from_name("ingest"), ROLE_INGEST);
    assert_int_equal(auth_role_from_name("Admin"), -1);
    assert_int_equal(auth_role_from_name(NULL), -1);
}

static void test_revoked_key_refused(void **state)
{
    struct fixture *f = *state;
    char key[AUTH_KEY_MAX], other[AUTH_KEY_MAX];
    int64_t id = create(f, "marketer", NULL, key);
    create(f, "marketer", NULL, other);
    struct store_key k;
    assert_int_equal(auth_key_verify(f->s, key, &k), 0);

    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_key_revoke(f->s, id, &e), 0);
    assert_int_equal(store_commit(f->s, &e), 0);
    assert_int_equal(auth_key_verify(f->s, key, &k), ERR_UNAUTHORIZED);
    assert_int_equal(auth_key_verify(f->s, other, &k), 0); /* only that key */
}

static void test_wrong_secret_refused(void **state)
{
    struct fixture *f = *state;
    char key[AUTH_KEY_MAX], bad[AUTH_KEY_MAX + 8];
    create(f, "ingest", "web", key);
    struct store_key k;
    size_t n = strlen(key);

    /* last character changed */
    snprintf(bad, sizeof(bad), "%s", key);
    bad[n - 1] = bad[n - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
    /* first secret character changed */
    snprintf(bad, sizeof(bad), "%s", key);
    bad[16] = bad[16] == 'A' ? 'B' : 'A';
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
    /* truncated, extended */
    snprintf(bad, sizeof(bad), "%.*s", (int)n - 1, key);
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
    snprintf(bad, sizeof(bad), "%sx", key);
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
    /* the right prefix with a made-up secret */
    snprintf(bad, sizeof(bad), "%.16sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key);
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
    /* and the real key still works */
    assert_int_equal(auth_key_verify(f->s, key, &k), 0);
}

static void test_malformed_keys_refused(void **state)
{
    struct fixture *f = *state;
    char key[AUTH_KEY_MAX], bad[AUTH_KEY_MAX + 8];
    create(f, "ingest", "web", key);
    struct store_key k;
    static const char *const malformed[] = {
        "", "rk", "rk_", "rk_0123456789ab", "rk_0123456789ab_", "xx_0123456789ab_secret",
        "RK_0123456789ab_secret", "rk_0123456789abXsecret", "rk_short_secret",
        "rk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* unknown prefix */
        "Basic cmtfYWJjOg==",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
        if (auth_key_verify(f->s, malformed[i], &k) != ERR_UNAUTHORIZED)
            fail_msg("key \"%s\" was not refused", malformed[i]);
    /* the real key with its separator replaced */
    snprintf(bad, sizeof(bad), "%s", key);
    bad[15] = '-';
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
    /* with surrounding white space */
    snprintf(bad, sizeof(bad), " %s", key);
    assert_int_equal(auth_key_verify(f->s, bad, &k), ERR_UNAUTHORIZED);
}

static void b64(const char *in, char *out, size_t outlen)
{
    sodium_bin2base64(out, outlen, (const unsigned char *)in, strlen(in),
                      sodium_base64_VARIANT_ORIGINAL);
}

static void test_parse_basic(void **state)
{
    (void)state;
    char out[AUTH_KEY_MAX], hdr[480], enc[420];

    /* curl -u "rk_abc:" */
    assert_int_equal(auth_parse_basic("Basic cmtfYWJjOg==", out), 0);
    assert_string_equal(out, "rk_abc");
    /* scheme is case-insensitive; extra spaces before the credentials are fine */
    assert_int_equal(auth_parse_basic("basic   cmtfYWJjOg==", out), 0);
    assert_string_equal(out, "rk_abc");
    /* a password, if any, is ignored; no colon at all is the key alone */
    b64("rk_0123456789ab_secret:ignored", enc, sizeof(enc));
    snprintf(hdr, sizeof(hdr), "Basic %s", enc);
    assert_int_equal(auth_parse_basic(hdr, out), 0);
    assert_string_equal(out, "rk_0123456789ab_secret");
    b64("rk_nocolon", enc, sizeof(enc));
    snprintf(hdr, sizeof(hdr), "Basic %s", enc);
    assert_int_equal(auth_parse_basic(hdr, out), 0);
    assert_string_equal(out, "rk_nocolon");

    /* a real-sized key round-trips */
    const char *real = "rk_0a1b2c3d4e5f_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5-_";
    char with_colon[128];
    snprintf(with_colon, sizeof(with_colon), "%s:", real);
    b64(with_colon, enc, sizeof(enc));
    snprintf(hdr, sizeof(hdr), "Basic %s", enc);
    assert_int_equal(auth_parse_basic(hdr, out), 0);
    assert_string_equal(out, real);

    /* refused: */
    assert_int_equal(auth_parse_basic(NULL, out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_basic("", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_basic("Basic", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_basic("Basic ", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_basic("Bearer cmtfYWJjOg==", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_basic("Basic !!!not-base64!!!", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_basic("Basic Og==", out), ERR_UNAUTHORIZED); /* ":" */
    b64(":password", enc, sizeof(enc));
    snprintf(hdr, sizeof(hdr), "Basic %s", enc);
    assert_int_equal(auth_parse_basic(hdr, out), ERR_UNAUTHORIZED); /* empty user name */

    /* the longest key that fits */
    char fits[AUTH_KEY_MAX + 1];
    memset(fits, 'k', AUTH_KEY_MAX - 1);
    fits[AUTH_KEY_MAX - 1] = ':';
    fits[AUTH_KEY_MAX] = '\0';
    b64(fits, enc, sizeof(enc));
    snprintf(hdr, sizeof(hdr), "Basic %s", enc);
    assert_int_equal(auth_parse_basic(hdr, out), 0);
    assert_int_equal(strlen(out), AUTH_KEY_MAX - 1);

    /* keys longer than any real one, short and long enough to overflow a buffer */
    char big[260];
    for (size_t len = AUTH_KEY_MAX; len < sizeof(big) - 2; len += 40) {
        memset(big, 'k', len);
        big[len] = ':';
        big[len + 1] = '\0';
        b64(big, enc, sizeof(enc));
        snprintf(hdr, sizeof(hdr), "Basic %s", enc);
        assert_int_equal(auth_parse_basic(hdr, out), ERR_UNAUTHORIZED);
    }
}

static void test_parse_bearer(void **state)
{
    (void)state;
    char out[AUTH_KEY_MAX];
    assert_int_equal(auth_parse_bearer("Bearer rk_0123456789ab_secret", out), 0);
    assert_string_equal(out, "rk_0123456789ab_secret");
    assert_int_equal(auth_parse_bearer("bearer   rk_x  ", out), 0);
    assert_string_equal(out, "rk_x");

    assert_int_equal(auth_parse_bearer(NULL, out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_bearer("", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_bearer("Bearer", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_bearer("Bearer    ", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_bearer("Basic cmtfYWJjOg==", out), ERR_UNAUTHORIZED);
    assert_int_equal(auth_parse_bearer("Bearerrk_x", out), ERR_UNAUTHORIZED);

    char hdr[300];
    int n = snprintf(hdr, sizeof(hdr), "Bearer ");
    memset(hdr + n, 'k', AUTH_KEY_MAX);
    hdr[n + AUTH_KEY_MAX] = '\0';
    assert_int_equal(auth_parse_bearer(hdr, out), ERR_UNAUTHORIZED);
    hdr[n + AUTH_KEY_MAX - 1] = '\0'; /* AUTH_KEY_MAX - 1 characters still fit */
    assert_int_equal(auth_parse_bearer(hdr, out), 0);
    assert_int_equal(strlen(out), AUTH_KEY_MAX - 1);
}

static void test_header_to_verified_key(void **state)
{
    struct fixture *f = *state;
    char key[AUTH_KEY_MAX], with_colon[AUTH_KEY_MAX + 1], enc[200], hdr[220], out[AUTH_KEY_MAX];
    int64_t id = create(f, "ingest", "app", key);
    snprintf(with_colon, sizeof(with_colon), "%s:", key);
    b64(with_colon, enc, sizeof(enc));
    snprintf(hdr, sizeof(hdr), "Basic %s", enc);
    assert_int_equal(auth_parse_basic(hdr, out), 0);
    struct store_key k;
    assert_int_equal(auth_key_verify(f->s, out, &k), 0);
    assert_int_equal(k.id, id);
    assert_string_equal(k.source, "app");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_keys_refused, setup, teardown),
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_bearer),
        cmocka_unit_test_setup_teardown(test_header_to_verified_key, setup, teardown),
    };
    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
