/* Logging for both programs.  Messages go to stderr and, with --log FILE, also to that
 * file in text or in the JSON-lines form podman and containerd read:
 * {"level":"error","msg":"...","time":"2026-01-01T00:00:00.000000000Z"}. */
#ifndef NOOK_COMMON_LOG_H
#define NOOK_COMMON_LOG_H

#include <stdbool.h>

enum nook_log_level { NOOK_LOG_ERROR, NOOK_LOG_WARNING, NOOK_LOG_INFO, NOOK_LOG_DEBUG };

struct nook_err;

/* path may be NULL (stderr only); json selects the file's format. Returns < 0 if the
 * file cannot be opened. */
int nook_log_init(const char *program, const char *path, bool json, bool debug,
                  struct nook_err *err);
void nook_log(enum nook_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool nook_log_debug_enabled(void);
/* The fd of the log file, or -1; children that must log after exec get it via env. */
int nook_log_fd(void);
/* Prints a failure once: "<program>: <context>: <cause>" on stderr and in the log. */
void nook_log_err(const struct nook_err *err);

#define nook_debug(...)                                                                            \
        do {                                                                                       \
                if (nook_log_debug_enabled())                                                      \
                        nook_log(NOOK_LOG_DEBUG, __VA_ARGS__);                                     \
        } while (0)
#define nook_warn(...) nook_log(NOOK_LOG_WARNING, __VA_ARGS__)

#endif
