/*
 * log.h — leveled logging to stderr for commands and the server.
 *
 * Only top-level code (src/cmd, src/http) logs; lower modules report through
 * struct errbuf. Thread-safe: one line is written with one call.
 */
#ifndef RONDO_LOG_H
#define RONDO_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the lowest level printed (default LOG_INFO; RONDO_LOG=debug sets it too). */
void log_set_level(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
