/*
 * textdist.h — edit distance between two strings, capped.
 *
 * The Damerau-Levenshtein distance in its optimal-string-alignment form:
 * insertions, deletions, substitutions and swaps of two neighbours each
 * cost 1, and no substring is edited twice. Computed only up to a cap, so a
 * far pair costs little. Works on the stack; thread-safe.
 */
#ifndef RONDO_TEXTDIST_H
#define RONDO_TEXTDIST_H

#include <stddef.h>
#include <stdint.h>

/* Longest string compared (after a common prefix and suffix are set aside). */
#define TEXTDIST_MAX 256

/*
 * The distance between the code points a[0..la) and b[0..lb), or max + 1
 * when it is larger than max (a negative max counts as 0). What is left of
 * the strings once their common prefix and suffix are set aside must be at
 * most TEXTDIST_MAX long each: BUG otherwise. Both are borrowed.
 */
int textdist_osa(const int32_t *a, size_t la, const int32_t *b, size_t lb, int max);

/*
 * The same on the bytes a[0..la) and b[0..lb), each byte one symbol. Both
 * must be at most TEXTDIST_MAX bytes unless they differ in length by more
 * than max: BUG otherwise.
 */
int textdist_osa_bytes(const char *a, size_t la, const char *b, size_t lb, int max);

#endif
