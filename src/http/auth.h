/*
 * auth.h — API keys: creation and verification.
 *
 * A key reads "rk_<prefix>_<secret>": a 12-hex-digit public prefix that finds
 * the key's row, and 256 random bits (base64url). Only the prefix and the
 * BLAKE2b-256 hash of the whole key are stored; the hash is compared in
 * constant time. The key itself is shown once, at creation.
 */
#ifndef RONDO_AUTH_H
#define RONDO_AUTH_H

#include <stdbool.h>

#include "base/err.h"
#include "store/store.h"

#define AUTH_KEY_MAX 96

enum auth_role { ROLE_ADMIN, ROLE_MARKETER, ROLE_INGEST };

/* Role from "admin" | "marketer" | "ingest"; -1 when unknown. */
int auth_role_from_name(const char *name);

/*
 * Create a key with role and source (NULL: none; ingest keys default to
 * "default") inside an open transaction of s. Writes the key text to out
 * (AUTH_KEY_MAX bytes) and its id to *id.
 */
int auth_key_create(struct store *s, const char *role, const char *source, char *out,
                    int64_t *id, struct errbuf *e);

/*
 * Verify a presented key against the store. Fills *k on success;
 * ERR_UNAUTHORIZED for an unknown, malformed or revoked key.
 */
int auth_key_verify(struct store *s, const char *key, struct store_key *k);

/*
 * The write key from an HTTP Basic Authorization header value ("Basic
 * base64(key:)"), as Segment SDKs send it, into out (AUTH_KEY_MAX bytes).
 */
int auth_parse_basic(const char *header, char *out);

/* The key from a "Bearer <key>" header value into out (AUTH_KEY_MAX bytes). */
int auth_parse_bearer(const char *header, char *out);

#endif
