/*
 * fold.h — UTF-8 text folded for comparison: lower case, accents stripped,
 * and the few letters Unicode does not decompose spelled the way people type
 * them (ø o, æ ae, œ oe, ł l, đ ð d, þ th, ı i).
 *
 * One code point is folded by utf8proc's per-character decomposition with
 * case folding and mark stripping (plus compatibility mapping on request:
 * "ﬁ" fi, "ĳ" ij, full-width letters), then the letter spellings above. It
 * works in the caller's buffers: nothing allocates and nothing is shared, so
 * every function is thread-safe.
 */
#ifndef RONDO_FOLD_H
#define RONDO_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Options of fold_cp and fold_utf8. */
enum {
    FOLD_COMPAT = 1 << 0, /* compatibility decomposition: "ﬁ" -> "fi", "²" -> "2" */
};

/* Longest decomposition of one code point (U+FDFA, with FOLD_COMPAT). */
#define FOLD_DECOMP_MAX 18

/*
 * Folds the code point cp into out[0..2 * cap): its decomposition (case
 * folded, marks stripped) with each of the letters above spelled out, so a
 * code point gives at most two per decomposed one. Returns how many code
 * points were written, or -1 when utf8proc refuses cp (outside Unicode) or
 * its decomposition is longer than cap (out is then undefined). Unassigned
 * code points and surrogates come back as they are. Any cp, ASCII
 * too, goes through utf8proc here; callers keep their own ASCII fast path.
 */
int fold_cp(int32_t cp, unsigned flags, int32_t *out, int cap);

/* fold_utf8 from s[i] on, with out[0..len) already written: its out-of-line part. */
size_t fold_utf8_rest(const char *s, size_t n, size_t i, unsigned flags, int32_t *out, size_t len,
                      size_t cap, bool *clean);

/*
 * Folds the UTF-8 text s[0..n) into out[0..cap) as code points; with n ==
 * SIZE_MAX, s ends at its NUL (otherwise a NUL is folded like any ASCII
 * byte). ASCII A-Z is lower-cased and other ASCII kept; anything else goes
 * through fold_cp with decompositions of up to 8 code points. Stops when
 * out is full, even in the middle of a character's folding. Invalid bytes
 * are skipped one at a time, and characters fold_cp refuses are dropped;
 * *clean (when not NULL) is set to whether neither happened. Returns the
 * number of code points in out. s is borrowed; out is the caller's.
 * Inline up to the first byte that is not ASCII: most names are all ASCII.
 */
static inline size_t fold_utf8(const char *s, size_t n, unsigned flags, int32_t *out, size_t cap,
                               bool *clean)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len = 0;
    for (; i < n && len < cap && p[i] - 1u < 0x7f; i++) /* ASCII but NUL */
        out[len++] = p[i] >= 'A' && p[i] <= 'Z' ? p[i] + ('a' - 'A') : p[i];
    if (i < n && len < cap && (p[i] || n != SIZE_MAX))
        return fold_utf8_rest(s, n, i, flags, out, len, cap, clean);
    if (clean)
        *clean = true;
    return len;
}

#endif
