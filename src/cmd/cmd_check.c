/*
 * cmd_check.c — `rondo check RULE VALUE...`: run one cleaning rule on values
 * and show what it makes of them, for a user debugging a rule or a mapping.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "clean/record.h"
#include "cmd/cmd.h"

typedef int (*rule_fn)(const struct clean_ctx *, const char *, struct clean_result *);

static const struct {
    const char *name;
    rule_fn fn;
} rules[] = {
    {"email", clean_email},          {"phone", clean_phone},
    {"country", clean_country},      {"date", clean_date},
    {"birth_date", clean_birth_date}, {"postcode", clean_postcode},
    {"name", clean_name},            {"salutation", clean_salutation},
    {"gender", clean_gender},        {"language", clean_language},
    {"street", clean_address_part},  {"house_number", clean_house_number},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo check RULE VALUE... [--country CC] [--locale LL]\n"
               "  RULE: ");
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        fprintf(f, "%s%s", i ? ", " : "", rules[i].name);
    fprintf(f, "\n"
               "  Prints each value as the rule normalises it, with the corrections made and\n"
               "  the flags; or why it is invalid. Exits 1 when any value is invalid.\n"
               "  --country  the record's country (phones, postcodes, name particles)\n"
               "  --locale   the source's locale (day/month order in dates: en-US is m/d)\n");
}

static void flags(unsigned f)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{CLEAN_ROLE, "role account"},          {CLEAN_DISPOSABLE, "disposable domain"},
                 {CLEAN_SWAPPED, "first and last swapped"}, {CLEAN_AMBIGUOUS, "day/month ambiguous"},
                 {CLEAN_LOCAL, "national form"}};
    bool any = false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f & names[i].bit) {
            printf("%s%s", any ? ", " : "  flags: ", names[i].name);
            any = true;
        }
    if (any)
        printf("\n");
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"country", required_argument, NULL, 'c'},
        {"locale", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct clean_ctx ctx = {.now = clock_now()};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': ctx.country = optarg; break;
        case 'l': ctx.locale = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind < 2) {
        usage(stderr);
        return 2;
    }
    rule_fn fn = NULL;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strcmp(argv[optind], rules[i].name) == 0)
            fn = rules[i].fn;
    if (!fn) {
        fprintf(stderr, "rondo check: unknown rule \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    struct errbuf e = {{0}, {0}};
    if ((c = clean_init(&e))) {
        cmd_fail("check", c, e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 0);
    ctx.arena = &a;
    int status = 0;
    for (int i = optind + 1; i < argc; i++) {
        struct clean_result r;
        clean_result_init(&r);
        int rc = fn(&ctx, argv[i], &r);
        if (rc) {
            printf("\"%s\": invalid: %s%s%s\n", argv[i], r.reason ? r.reason : err_str(rc),
                   r.value ? "; kept as given: " : "", r.value ? r.value : "");
            status = 1;
        } else {
            printf("\"%s\" -> %s%s%s\n", argv[i], r.value ? "\"" : "",
                   r.value ? r.value : "(valid, no value)", r.value ? "\"" : "");
        }
        for (int k = 0; k < r.nfixes; k++)
            printf("  %-28s \"%s\" -> \"%s\"\n", r.fixes[k].rule, r.fixes[k].before,
                   r.fixes[k].after);
        flags(r.flags & ~(unsigned)CLEAN_INVALID);
    }
    arena_release(&a);
    return status;
}
