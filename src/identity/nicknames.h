/*
 * nicknames.h — our own list of first names that are the same name: a
 * nickname and its full name, and the translations of a name between Dutch,
 * Flemish, French, German and English (Bob/Robert/Robrecht, Hans/Johannes/
 * Jan/John/Jean, Griet/Margriet/Marguerite/Peggy). Internal to the identity
 * module; cmp_nickname() in compare.h is the public face.
 *
 * The data is constant and compiled in: every function here is thread-safe
 * and allocation-free.
 */
#ifndef RONDO_IDENTITY_NICKNAMES_H
#define RONDO_IDENTITY_NICKNAMES_H

#include <stddef.h>

/*
 * The equivalence groups: each a space-separated list of folded names
 * (lower-case ASCII letters, accents stripped), its full name first. The
 * group id is the index. A name may be in several groups ("bert": Robert,
 * Albert, Hubert, ...; "jo": Johannes, Josephine, ...).
 */
extern const char *const nickname_groups[];
extern const size_t nickname_groups_len;

/* One (name, group) pair of the lookup index. */
struct nickname {
    const char *name;     /* folded, as in nickname_groups */
    unsigned short group; /* index into nickname_groups */
};

/*
 * Every name of every group with its group id, sorted by strcmp on name,
 * then by group: a name in several groups has one entry per group, side
 * by side. Derived from nickname_groups; test_compare checks they agree.
 */
extern const struct nickname nickname_index[];
extern const size_t nickname_index_len;

/*
 * The entries of the n bytes at name (folded: lower-case ASCII letters; no
 * NUL needed): returns the first of them and sets *count to how many there
 * are (one per group of the name), or returns NULL with *count = 0 when the
 * name is not listed. Binary search: O(log n).
 */
const struct nickname *nickname_find(const char *name, size_t n, size_t *count);

#endif
