/*
 * cmd_key.c — `rondo key create|list|revoke`: API key management.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "cmd/cmd.h"
#include "http/auth.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rondo key create --db PATH --role admin|marketer|ingest [--source NAME]\n"
            "       rondo key list --db PATH\n"
            "       rondo key revoke --db PATH ID\n"
            "  create prints the new key alone on stdout; it is shown only once.\n"
            "  An ingest (write) key belongs to one source (default \"default\").\n");
}

static int key_create(struct store *s, const char *role, const char *source)
{
    struct errbuf e = {{0}, {0}};
    char key[AUTH_KEY_MAX];
    int64_t id;
    int rc = store_begin(s, &e);
    if (!rc)
        rc = auth_key_create(s, role, source, key, &id, &e);
    if (!rc)
        rc = store_commit(s, &e);
    if (rc) {
        store_rollback(s);
        cmd_fail("key create", rc, e.msg);
        return rc == ERR_INVALID ? 2 : 1;
    }
    printf("%s\n", key);
    fprintf(stderr, "created key %lld (%s%s%s); it is shown only once\n", (long long)id, role,
            source ? ", source " : "", source ? source : "");
    return 0;
}

static int key_list(struct store *s)
{
    struct errbuf e = {{0}, {0}};
    json_t *keys;
    int rc = store_key_list(s, &keys, &e);
    if (rc) {
        cmd_fail("key list", rc, e.msg);
        return 1;
    }
    printf("%-5s %-14s %-9s %-12s %-25s %s\n", "ID", "PREFIX", "ROLE", "SOURCE", "CREATED",
           "REVOKED");
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        const char *src = json_string_value(json_object_get(k, "source"));
        const char *rev = json_string_value(json_object_get(k, "revoked_at"));
        printf("%-5lld rk_%-11s %-9s %-12s %-25s %s\n",
               (long long)json_integer_value(json_object_get(k, "id")),
               json_string_value(json_object_get(k, "prefix")),
               json_string_value(json_object_get(k, "role")), src ? src : "-",
               json_string_value(json_object_get(k, "created_at")), rev ? rev : "-");
    }
    json_decref(keys);
    return 0;
}

static int key_revoke(struct store *s, const char *arg)
{
    int64_t id;
    if (!arg || cstr_to_i64(arg, &id)) {
        fprintf(stderr, "rondo key revoke: ID must be a key id from `rondo key list`\n");
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    int rc = store_begin(s, &e);
    if (!rc)
        rc = store_key_revoke(s, id, &e);
    if (!rc)
        rc = store_commit(s, &e);
    if (rc) {
        store_rollback(s);
        cmd_fail("key revoke", rc, e.msg);
        return 1;
    }
    printf("revoked key %lld\n", (long long)id);
    return 0;
}

int cmd_key(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"source", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = NULL, *role = NULL, *source = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "d:r:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': role = optarg; break;
        case 's': source = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    const char *arg = optind < argc - 1 ? argv[1 + optind] : NULL;
    if (!db) {
        fprintf(stderr, "rondo key: --db PATH is required\n");
        return 2;
    }
    if (strcmp(sub, "create") == 0 && !role) {
        fprintf(stderr, "rondo key create: --role admin|marketer|ingest is required\n");
        return 2;
    }
    if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "revoke")) {
        fprintf(stderr, "rondo key: unknown subcommand \"%s\"\n", sub);
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    struct store *s;
    int rc = store_open(db, 0, &s, &e);
    if (rc) {
        cmd_fail("key", rc, e.msg);
        return 1;
    }
    int status;
    if (strcmp(sub, "create") == 0)
        status = key_create(s, role, source);
    else if (strcmp(sub, "list") == 0)
        status = key_list(s);
    else
        status = key_revoke(s, arg);
    store_close(s);
    return status;
}
