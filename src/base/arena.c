/*
 * arena.c — bump allocation in growing blocks; one release frees all.
 */
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define ARENA_BLOCK 8192
#define ARENA_LIMIT ((size_t)16 << 20)

struct arena_block {
    struct arena_block *next;
    size_t size; /* bytes in data */
    size_t off;  /* next free byte in data */
    alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t limit)
{
    a->head = NULL;
    a->used = 0;
    a->failed = false;
    a->limit = limit ? limit : ARENA_LIMIT;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
    a->failed = false;
}

void *arena_alloc(struct arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > a->limit || n > SIZE_MAX - align) {
        a->failed = true;
        return NULL;
    }
    /* Round first so that the padding counts against the limit too. */
    n = (n + align - 1) & ~(align - 1);
    if (n > a->limit || a->used > a->limit - n) {
        a->failed = true;
        return NULL;
    }
    struct arena_block *b = a->head;
    if (!b || b->size - b->off < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = xmalloc(sizeof(*b) + size);
        b->size = size;
        b->off = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->off;
    b->off += n;
    a->used += n;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}
