/*
 * auth.c — API key generation (libsodium randomness), hashing and checks.
 */
#include "http/auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"

int auth_role_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "admin") == 0)
        return ROLE_ADMIN;
    if (strcmp(name, "marketer") == 0)
        return ROLE_MARKETER;
    if (strcmp(name, "ingest") == 0)
        return ROLE_INGEST;
    return -1;
}

static void key_hash(const char *key, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)key, strlen(key), NULL, 0);
}

int auth_key_create(struct store *s, const char *role, const char *source, char *out,
                    int64_t *id, struct errbuf *e)
{
    if (sodium_init() < 0)
        return err_set(e, ERR_IO, "libsodium failed to initialise");
    if (auth_role_from_name(role) < 0)
        return err_field(e, ERR_INVALID, "role", "role must be admin, marketer or ingest, got \"%s\"",
                         role ? role : "");
    if (!source && strcmp(role, "ingest") == 0)
        source = "default";
    if (source && (!*source || strlen(source) >= sizeof(((struct store_key *)0)->source)))
        return err_field(e, ERR_INVALID, "source", "source must be 1 to 63 characters");

    unsigned char pre[6], secret[32];
    randombytes_buf(pre, sizeof(pre));
    randombytes_buf(secret, sizeof(secret));
    char prehex[13], sec64[64];
    sodium_bin2hex(prehex, sizeof(prehex), pre, sizeof(pre));
    sodium_bin2base64(sec64, sizeof(sec64), secret, sizeof(secret),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, AUTH_KEY_MAX, "rk_%s_%s", prehex, sec64);
    sodium_memzero(secret, sizeof(secret));

    struct store_key k;
    memset(&k, 0, sizeof(k));
    snprintf(k.prefix, sizeof(k.prefix), "%s", prehex);
    key_hash(out, k.hash);
    snprintf(k.role, sizeof(k.role), "%s", role);
    snprintf(k.source, sizeof(k.source), "%s", source ? source : "");
    k.created_at = clock_now();
    int rc = store_key_insert(s, &k, e);
    if (!rc && id)
        *id = k.id;
    return rc;
}

int auth_key_verify(struct store *s, const char *key, struct store_key *k)
{
    /* rk_ + 12 hex + _ + secret */
    if (strncmp(key, "rk_", 3) != 0 || strlen(key) < 17 || key[15] != '_')
        return ERR_UNAUTHORIZED;
    char prefix[13];
    memcpy(prefix, key + 3, 12);
    prefix[12] = '\0';
    if (store_key_by_prefix(s, prefix, k))
        return ERR_UNAUTHORIZED;
    unsigned char h[32];
    key_hash(key, h);
    if (sodium_memcmp(h, k->hash, sizeof(h)) != 0 || k->revoked_at)
        return ERR_UNAUTHORIZED;
    return 0;
}

int auth_parse_basic(const char *header, char *out)
{
    if (!header || strncasecmp(header, "Basic ", 6) != 0)
        return ERR_UNAUTHORIZED;
    const char *b64 = header + 6;
    while (*b64 == ' ')
        b64++;
    unsigned char dec[AUTH_KEY_MAX + 64];
    size_t n;
    if (sodium_base642bin(dec, sizeof(dec) - 1, b64, strlen(b64), " ", &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return ERR_UNAUTHORIZED;
    dec[n] = '\0';
    char *colon = memchr(dec, ':', n);
    size_t klen = colon ? (size_t)(colon - (char *)dec) : n;
    if (klen == 0 || klen >= AUTH_KEY_MAX)
        return ERR_UNAUTHORIZED;
    memcpy(out, dec, klen);
    out[klen] = '\0';
    return 0;
}

int auth_parse_bearer(const char *header, char *out)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return ERR_UNAUTHORIZED;
    const char *k = header + 7;
    while (*k == ' ')
        k++;
    size_t n = strlen(k);
    while (n && k[n - 1] == ' ')
        n--;
    if (n == 0 || n >= AUTH_KEY_MAX)
        return ERR_UNAUTHORIZED;
    memcpy(out, k, n);
    out[n] = '\0';
    return 0;
}
