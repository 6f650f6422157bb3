/*
 * cmd.h — the `rondo <command>` entry points, one file each in src/cmd/.
 *
 * Each takes the arguments after the command name (argv[0] is the command)
 * and returns the process exit status: 0 success, 1 failure, 2 usage.
 */
#ifndef RONDO_CMD_H
#define RONDO_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int cmd_init(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_quality(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_patterns(int argc, char **argv);
int cmd_corrections(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_unmerge(int argc, char **argv);
int cmd_segment(int argc, char **argv);
int cmd_settings(int argc, char **argv);
int cmd_scenario(int argc, char **argv);
int cmd_template(int argc, char **argv);
int cmd_erase(int argc, char **argv);
int cmd_letters(int argc, char **argv);
int cmd_calls(int argc, char **argv);

struct import;
/* Print an import's (or a retry's) summary: text, or JSON on stdout. */
void cmd_import_summary(const struct import *im, const char *what, double secs, bool json);

/* Print "rondo: <message>" to stderr, with the errbuf's text when set. */
void cmd_fail(const char *what, int rc, const char *detail);

/* The arguments of a command on one profile: --db PATH PROFILE_ID [--json]. */
struct cmd_profile_args {
    const char *db;
    bool json;
    int64_t id;
};
/* Parse them; -1 to go on, else the exit status (0 after --help, 2 after a
 * usage error, said on stderr with the usage). */
int cmd_profile_args(const char *what, int argc, char **argv, void (*usage)(FILE *),
                     struct cmd_profile_args *a);

#endif
