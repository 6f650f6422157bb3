/*
 * arena.h — a bump allocator for one request's short-lived memory.
 *
 * Everything allocated from an arena is freed at once by arena_release.
 * Allocation is bounded by the arena's limit so that a hostile request
 * cannot exhaust memory: past it, arena_alloc returns NULL.
 */
#ifndef RONDO_ARENA_H
#define RONDO_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* newest block first */
    size_t used;              /* bytes handed out, across blocks */
    size_t limit;             /* maximum bytes handed out; 0 means 16 MiB */
    bool failed;              /* an allocation was refused since init or release */
};

/* Initialise an empty arena with a byte limit (0: 16 MiB). */
void arena_init(struct arena *a, size_t limit);

/* Free every allocation at once; the arena can be used again. */
void arena_release(struct arena *a);

/*
 * n bytes aligned for any type, or NULL when the limit would be passed (and
 * a->failed is set, so a caller may check once after a series of allocations).
 */
void *arena_alloc(struct arena *a, size_t n);

/* Copy of s (n bytes, NUL added) in the arena, or NULL past the limit. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

#endif
