/*
 * fold.c — folding of fold.h: utf8proc_decompose_char per code point (it
 * writes into the caller's array, unlike utf8proc_map, which mallocs), then
 * a short table for the letters that have no decomposition.
 */
#include "base/fold.h"

#include <utf8proc.h>

/* Decomposition limit of fold_utf8: longer ones (Arabic ligatures) are dropped. */
#define UTF8_DECOMP_MAX 8

/* The plain spelling of a letter Unicode does not decompose into (1 or 2 code points). */
static int fold_letter(int32_t c, int32_t out[2])
{
    switch (c) {
    case 0xf8: /* ø */
        out[0] = 'o';
        return 1;
    case 0xe6: /* æ */
        out[0] = 'a';
        out[1] = 'e';
        return 2;
    case 0x153: /* œ */
        out[0] = 'o';
        out[1] = 'e';
        return 2;
    case 0x142: /* ł */
        out[0] = 'l';
        return 1;
    case 0x111: /* đ */
    case 0xf0:  /* ð */
        out[0] = 'd';
        return 1;
    case 0xfe: /* þ */
        out[0] = 't';
        out[1] = 'h';
        return 2;
    case 0x131: /* dotless ı */
        out[0] = 'i';
        return 1;
    default:
        out[0] = c;
        return 1;
    }
}

int fold_cp(int32_t cp, unsigned flags, int32_t *out, int cap)
{
    utf8proc_int32_t d[FOLD_DECOMP_MAX];
    utf8proc_option_t opt =
        (utf8proc_option_t)(UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
    if (flags & FOLD_COMPAT)
        opt = (utf8proc_option_t)(opt | UTF8PROC_COMPAT);
    if (cap > FOLD_DECOMP_MAX)
        cap = FOLD_DECOMP_MAX;
    int bound = 0;
    utf8proc_ssize_t nd = utf8proc_decompose_char(cp, d, cap, opt, &bound);
    if (nd < 0 || nd > cap)
        return -1;
    int n = 0;
    for (utf8proc_ssize_t i = 0; i < nd; i++)
        n += fold_letter(d[i], out + n);
    return n;
}

/*
 * The character at p[0..left) (left < 0: ends at a NUL), folded into
 * out[*len..cap). Returns the bytes it takes; clears *ok when they are not
 * UTF-8 (one byte then) or fold_cp refuses the character.
 */
static size_t fold_one(const uint8_t *p, ptrdiff_t left, unsigned flags, int32_t *out, size_t *len,
                       size_t cap, bool *ok)
{
    utf8proc_int32_t c;
    /* left < 0: at most 4 bytes are read, and a NUL never continues a sequence */
    utf8proc_ssize_t k = utf8proc_iterate(p, left < 0 ? -1 : (utf8proc_ssize_t)left, &c);
    if (k <= 0) {
        *ok = false;
        return 1;
    }
    int32_t f[2 * UTF8_DECOMP_MAX];
    int nf = fold_cp(c, flags, f, UTF8_DECOMP_MAX);
    if (nf < 0)
        *ok = false;
    for (int j = 0; j < nf && *len < cap; j++)
        out[(*len)++] = f[j];
    return (size_t)k;
}

size_t fold_utf8_rest(const char *s, size_t n, size_t i, unsigned flags, int32_t *out, size_t len,
                      size_t cap, bool *clean)
{
    const uint8_t *p = (const uint8_t *)s;
    bool ok = true, to_nul = n == SIZE_MAX;
    while (i < n && len < cap) {
        uint8_t b = p[i];
        if (b - 1u < 0x7f) { /* ASCII but NUL */
            out[len++] = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
            i++;
        } else if (!b) {
            if (to_nul)
                break;
            out[len++] = 0;
            i++;
        } else {
            i += fold_one(p + i, to_nul ? -1 : (ptrdiff_t)(n - i), flags, out, &len, cap, &ok);
        }
    }
    if (clean)
        *clean = ok;
    return len;
}
