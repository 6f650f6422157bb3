/*
 * main.c — dispatches `rondo <command>` to src/cmd/.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"init", cmd_init, "create or migrate a workspace database and print its first keys"},
    {"key", cmd_key, "create, list and revoke API keys"},
    {"serve", cmd_serve, "run the HTTP server (ingestion and management API)"},
    {"demo", cmd_demo, "fill a workspace with believable demo customers"},
    {"quarantine", cmd_quarantine, "list, show and retry rows that were refused"},
    {"patterns", cmd_patterns, "list, add and remove the test-record patterns"},
    {"corrections", cmd_corrections, "list what cleaning changed in a profile, and undo a change"},
    {"resolve", cmd_resolve,
     "match records into one golden profile per person (merges, review queue, households)"},
    {"explain", cmd_explain, "show why a profile's records are together: rules, comparisons, scores"},
    {"unmerge", cmd_unmerge, "undo a merge: give a profile back its own records, orders and consents"},
    {"erase", cmd_erase, "erase a person (the right to be forgotten); their runs end"},
    {"segment", cmd_segment, "segments: check a rule, preview who it selects"},
    {"scenario", cmd_scenario, "scenarios: create, validate, activate, follow their runs"},
    {"template", cmd_template, "message templates for scenarios' send steps"},
    {"letters", cmd_letters, "batch the day's letters for the mail house: a CSV and A4 pages"},
    {"calls", cmd_calls, "the call centre's list as CSV, with each person's context"},
    {"settings", cmd_settings, "show and change workspace settings (the time zone)"},
    {"export", cmd_export, "export links: which profile each record is in (and vs a truth)"},
    {"check", cmd_check, "run one cleaning rule on values and show the result"},
    {"quality", cmd_quality, "the data-quality report: per source and field, before and after cleaning"},
    {"gen", cmd_gen, "write realistic dirty multi-source customer data with its ground truth"},
    {"import", cmd_import, "import a source's CSV file (profiles, orders, events, ...)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`rondo <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rondo: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
