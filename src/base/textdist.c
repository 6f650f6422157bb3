/*
 * textdist.c — capped optimal-string-alignment distance of textdist.h.
 *
 * A common prefix and suffix are set aside first (they cost nothing in any
 * alignment); what is left goes through three rows of the classic matrix.
 * The minimum of a row never decreases from one row to the next (a swap
 * costs at least the diagonal it skips), so once it exceeds max the
 * distance does too and the work stops.
 */
#include "base/textdist.h"

#include "base/xalloc.h"

static int min3(int x, int y, int z)
{
    int m = x < y ? x : y;
    return m < z ? m : z;
}

/* The matrix on what is left after the common prefix and suffix; la, lb > 0. */
static int osa_rows(const int32_t *a, int la, const int32_t *b, int lb, int max)
{
    int rows[3][TEXTDIST_MAX + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (int j = 0; j <= lb; j++)
        prev[j] = j;
    for (int i = 1; i <= la; i++) {
        cur[0] = i;
        int row_min = i;
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > max)
            return max + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > max ? max + 1 : prev[lb];
}

int textdist_osa(const int32_t *a, size_t la, const int32_t *b, size_t lb, int max)
{
    if (max < 0)
        max = 0;
    if ((la > lb ? la - lb : lb - la) > (size_t)max)
        return max + 1;
    size_t n = la < lb ? la : lb, pre = 0, suf = 0;
    while (pre < n && a[pre] == b[pre])
        pre++;
    while (suf < n - pre && a[la - 1 - suf] == b[lb - 1 - suf])
        suf++;
    a += pre;
    b += pre;
    la -= pre + suf;
    lb -= pre + suf;
    if (!la || !lb) /* at most max apart: checked above */
        return (int)(la + lb);
    if (la > TEXTDIST_MAX || lb > TEXTDIST_MAX)
        BUG("textdist_osa: %zu and %zu symbols, more than %d", la, lb, TEXTDIST_MAX);
    return osa_rows(a, (int)la, b, (int)lb, max);
}

int textdist_osa_bytes(const char *a, size_t la, const char *b, size_t lb, int max)
{
    if (max < 0)
        max = 0;
    if ((la > lb ? la - lb : lb - la) > (size_t)max)
        return max + 1;
    if (la > TEXTDIST_MAX || lb > TEXTDIST_MAX)
        BUG("textdist_osa_bytes: %zu and %zu bytes, more than %d", la, lb, TEXTDIST_MAX);
    int32_t wa[TEXTDIST_MAX], wb[TEXTDIST_MAX];
    for (size_t i = 0; i < la; i++)
        wa[i] = (unsigned char)a[i];
    for (size_t i = 0; i < lb; i++)
        wb[i] = (unsigned char)b[i];
    return textdist_osa(wa, la, wb, lb, max);
}
