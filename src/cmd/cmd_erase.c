/*
 * cmd_erase.c — `rondo erase --db PATH PROFILE_ID`: the right to be
 * forgotten (store_profile_erase): the person's data goes, their runs end,
 * their orders stay without them. The same as DELETE /api/v1/profiles/{id}.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "cmd/cmd.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo erase --db PATH PROFILE_ID [--json]\n"
               "  Erases a person: every personal field, record, identity, event, consent and\n"
               "  message text of the profile (and of the profiles merged into it); unfinished\n"
               "  scenario runs end as \"erased\"; orders stay, without the person. Cannot be "
               "undone.\n");
}

int cmd_erase(int argc, char **argv)
{
    struct cmd_profile_args a;
    int status = cmd_profile_args("erase", argc, argv, usage, &a);
    if (status >= 0)
        return status;
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(a.db, 0, &s, &e);
    if (!rc) {
        int64_t now = clock_now();
        rc = store_begin(s, &e);
        if (!rc)
            rc = store_profile_erase(s, a.id, now, &e);
        if (!rc) /* a running server drops it from its segments */
            rc = store_dirty_since(s, now) ? ERR_DB : 0;
        rc = rc ? (store_rollback(s), rc) : store_commit(s, &e);
        store_close(s);
    }
    if (rc) {
        cmd_fail("erase", rc, e.msg);
        return rc == ERR_NOT_FOUND || rc == ERR_INVALID ? 2 : 1;
    }
    if (a.json)
        printf("{\"id\": %lld, \"erased\": true}\n", (long long)a.id);
    else
        printf("profile %lld erased\n", (long long)a.id);
    return 0;
}
