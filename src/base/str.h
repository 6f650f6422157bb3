/*
 * str.h — borrowed (ptr, len) views for parsing without copies.
 *
 * A struct str never owns memory; it is valid while the bytes it points at
 * are. Views need not be NUL-terminated.
 */
#ifndef RONDO_STR_H
#define RONDO_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct str {
    const char *ptr;
    size_t len;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})

static inline struct str str_from(const char *s)
{
    return (struct str){s, s ? strlen(s) : 0};
}

static inline struct str str_make(const char *p, size_t n)
{
    return (struct str){p, n};
}

static inline bool str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool str_eq_cstr(struct str a, const char *s)
{
    return str_eq(a, str_from(s));
}

static inline bool str_starts_with(struct str a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

/* FNV-1a 64-bit, continued from h (STR_FNV1A_INIT to start): a fast hash, not a keyed one. */
#define STR_FNV1A_INIT 14695981039346656037ULL

static inline uint64_t str_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Case-insensitive ASCII equality. */
bool str_eq_nocase(struct str a, const char *s);

/* Trim ASCII white space on both ends. */
struct str str_trim(struct str s);

/*
 * Split s at the first occurrence of sep: *head gets what is before it, and
 * the return value is what is after it. Returns false (head = s, tail empty)
 * when sep does not occur.
 */
bool str_cut(struct str s, char sep, struct str *head, struct str *tail);

/* Parse a whole view as a decimal int64: optional sign, digits only, no overflow. */
int str_to_i64(struct str s, int64_t *out);

/* Parse a NUL-terminated decimal string (a command-line argument) as int64. */
int cstr_to_i64(const char *s, int64_t *out);

#endif
