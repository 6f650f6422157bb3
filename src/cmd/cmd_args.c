/*
 * cmd_args.c — what several commands share: the failure line, and the
 * arguments of the commands that act on one profile (`--db PATH PROFILE_ID
 * [--json]`).
 */
#include <getopt.h>
#include <stdio.h>

#include "base/str.h"
#include "cmd/cmd.h"
#include "store/store.h"

void cmd_fail(const char *what, int rc, const char *detail)
{
    if (detail && *detail)
        fprintf(stderr, "rondo: %s: %s\n", what, detail);
    else
        fprintf(stderr, "rondo: %s: %s\n", what, err_str(rc));
}

int cmd_profile_args(const char *what, int argc, char **argv, void (*usage)(FILE *),
                     struct cmd_profile_args *a)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *a = (struct cmd_profile_args){0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'j': a->json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!a->db || optind + 1 != argc || cstr_to_i64(argv[optind], &a->id) || a->id <= 0) {
        fprintf(stderr, "rondo %s: %s\n", what,
                !a->db              ? "--db is required"
                : optind + 1 > argc ? "PROFILE_ID is required"
                : optind + 1 < argc ? "one PROFILE_ID only"
                                    : "PROFILE_ID must be a positive profile id");
        usage(stderr);
        return 2;
    }
    return -1;
}
