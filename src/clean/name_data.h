/*
 * name_data.h — the reference list behind the name rules: common first names
 * of Belgium, the Netherlands, France, Germany and the United Kingdom, with
 * their usual gender and whether they are also a common surname.
 *
 * The list is constant data compiled in, so every function here is
 * thread-safe and allocation-free.
 */
#ifndef RONDO_CLEAN_NAME_DATA_H
#define RONDO_CLEAN_NAME_DATA_H

#include <stdbool.h>
#include <stddef.h>

enum first_name_gender {
    FN_UNISEX = 0, /* given to girls and boys alike (Dominique, Kim) */
    FN_FEMALE,
    FN_MALE,
};

struct first_name {
    const char *key;      /* lower-case ASCII, accents stripped ("helene") */
    unsigned char gender; /* enum first_name_gender */
    bool surname;         /* also a common surname (Thomas, Martin): no evidence of a swap */
};

/* The list, sorted by strcmp on key, without duplicates. */
extern const struct first_name first_names[];
extern const size_t first_names_len;

/*
 * The entry for the n bytes at s (one word, any case, accents allowed:
 * "HÉLÈNE", "Zoë", "Jürgen"), or NULL when the word is not a listed first
 * name. A hyphenated word ("Jean-Pierre") counts when every part is listed;
 * then the entry is its first part's and *compound (when not NULL) is set.
 */
const struct first_name *first_name_find(const char *s, size_t n, bool *compound);

/*
 * Whether name (NUL-terminated, trimmed, one word) is a listed first name.
 * A hyphenated name counts when every part is one ("Anne-Marie").
 */
bool clean_first_name_known(const char *name);

/*
 * The usual gender of a first name: "female", "male" (static strings), or
 * NULL when the name is unisex or not listed. A hyphenated name takes the
 * gender of its first part ("Jean-Marie" is male).
 */
const char *clean_first_name_gender(const char *name);

#endif
