/*
 * testdata.h — the data files of data-driven unit tests: tests/data/NAME,
 * found from the test's own source path (pass __FILE__), or in the
 * directory RONDO_TEST_DATA names. Include after <cmocka.h> (fail_msg);
 * header-only, as each test binary is one .c file.
 */
#ifndef RONDO_TESTDATA_H
#define RONDO_TESTDATA_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON of tests/data/name; fails the test when it does not load. */
static inline json_t *testdata_load(const char *name, const char *self)
{
    char path[1024];
    const char *dir = getenv("RONDO_TEST_DATA");
    if (dir) {
        snprintf(path, sizeof(path), "%s/%s", dir, name);
    } else {
        const char *slash = strrchr(self, '/');
        int n = slash ? (int)(slash - self + 1) : 0;
        snprintf(path, sizeof(path), "%.*s../data/%s", n, self, name);
    }
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        fail_msg("cannot load %s: line %d: %s", path, je.line, je.text);
    return root;
}

#endif
