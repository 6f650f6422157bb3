/*
 * str.c — helpers over borrowed string views.
 */
#include "base/str.h"

#include <ctype.h>

#include "base/err.h"

bool str_eq_nocase(struct str a, const char *s)
{
    size_t n = strlen(s);
    if (a.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a.ptr[i]) != tolower((unsigned char)s[i]))
            return false;
    return true;
}

struct str str_trim(struct str s)
{
    while (s.len && isspace((unsigned char)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && isspace((unsigned char)s.ptr[s.len - 1]))
        s.len--;
    return s;
}

bool str_cut(struct str s, char sep, struct str *head, struct str *tail)
{
    const char *p = s.len ? memchr(s.ptr, sep, s.len) : NULL;
    if (!p) {
        *head = s;
        /* s.ptr may be NULL for an empty view, and NULL + 0 is undefined */
        *tail = str_make(s.len ? s.ptr + s.len : s.ptr, 0);
        return false;
    }
    *head = str_make(s.ptr, (size_t)(p - s.ptr));
    *tail = str_make(p + 1, s.len - (size_t)(p - s.ptr) - 1);
    return true;
}

int str_to_i64(struct str s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    if (i == s.len)
        return ERR_INVALID;
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return ERR_INVALID;
        uint64_t d = (uint64_t)(s.ptr[i] - '0');
        if (v > (limit - d) / 10)
            return ERR_INVALID;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int cstr_to_i64(const char *s, int64_t *out)
{
    return str_to_i64(str_from(s), out);
}
