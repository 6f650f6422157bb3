/*
 * cmd_serve.c — `rondo serve`: run the HTTP server until SIGTERM or SIGINT.
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigwait, which then shuts the server down cleanly: no new
 * connections, in-flight requests finish and commit, the writer drains.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "base/clock.h"
#include "cmd/cmd.h"
#include "http/http.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rondo serve --db PATH [--listen HOST:PORT] [--threads N]\n"
               "                   [--segment-interval SECONDS] [--scenario-interval MS]\n"
               "                   [--clock real|simulated[=ISO8601]]\n"
               "  --listen   address to listen on (default 127.0.0.1:8080)\n"
               "  --threads  HTTP worker threads (default: one per core)\n"
               "  --segment-interval  between passes over segments that depend on the time\n"
               "             (\"within 90d\"), default 900; every write updates segments at once\n"
               "  --scenario-interval  between scenario ticks in ms (default 250)\n"
               "  --clock    simulated: time stands still until POST /api/v1/clock/advance\n"
               "             (admin); from the given time, or from now (tests and demos)\n"
               "  Stops cleanly on SIGTERM or SIGINT.\n");
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"segment-interval", required_argument, NULL, 'S'},
                                         {"scenario-interval", required_argument, NULL, 'I'},
                                         {"clock", required_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    struct server_config cfg = {.listen = "127.0.0.1:8080"};
    int c;
    int64_t n;
    while ((c = getopt_long(argc, argv, "d:l:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cfg.db_path = optarg; break;
        case 'l': cfg.listen = optarg; break;
        case 't':
            if (cstr_to_i64(optarg, &n) || n < 1 || n > 256) {
                fprintf(stderr, "rondo serve: --threads must be 1 to 256\n");
                return 2;
            }
            cfg.threads = (int)n;
            break;
        case 'S':
            if (cstr_to_i64(optarg, &n) || n < 1 || n > 86400) {
                fprintf(stderr, "rondo serve: --segment-interval must be 1 to 86400 seconds\n");
                return 2;
            }
            cfg.segment_interval_s = (int)n;
            break;
        case 'I':
            if (cstr_to_i64(optarg, &n) || n < 10 || n > 60000) {
                fprintf(stderr, "rondo serve: --scenario-interval must be 10 to 60000 ms\n");
                return 2;
            }
            cfg.scenario_interval_ms = (int)n;
            break;
        case 'C':
            if (!strcmp(optarg, "real"))
                break;
            if (!strncmp(optarg, "simulated", 9) && (!optarg[9] || optarg[9] == '=')) {
                int64_t start = 0;
                if (optarg[9] && time_parse_iso8601(optarg + 10, &start)) {
                    fprintf(stderr, "rondo serve: --clock simulated=TIME: \"%s\" is not an ISO "
                                    "8601 time\n",
                            optarg + 10);
                    return 2;
                }
                clock_use_simulated(start);
                break;
            }
            fprintf(stderr, "rondo serve: --clock is real, simulated or simulated=ISO8601\n");
            return 2;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!cfg.db_path) {
        fprintf(stderr, "rondo serve: --db PATH is required\n");
        usage(stderr);
        return 2;
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct server srv;
    struct errbuf e = {{0}, {0}};
    int rc = server_start(&srv, &cfg, &e);
    if (rc) {
        cmd_fail("serve", rc, e.msg);
        return 1;
    }
    log_info("rondo listening on http://%s (workspace %s)", cfg.listen, cfg.db_path);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("%s received: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server_stop(&srv);
    log_info("stopped cleanly");
    return 0;
}
