#include "common/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"

static const char *log_program = "nook";
static int log_fd = -1;
static bool log_json;
static bool log_debug;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int nook_log_init(const char *program, const char *path, bool json, bool debug,
                  struct nook_err *err)
{
        log_program = program;
        log_json = json;
        log_debug = debug;
        if (path == NULL)
                return 0;
        log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (log_fd < 0)
                return nook_err_sys(err, "open log file %s", path);
        return 0;
}

bool nook_log_debug_enabled(void)
{
        return log_debug;
}

int nook_log_fd(void)
{
        return log_fd;
}

static void write_to_file(enum nook_log_level level, const char *msg)
{
        char stamp[64];
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%09ldZ", ts.tv_nsec);
        if (log_json) {
                struct json_writer *w = json_writer_new(false);
                const char *text;
                size_t len;

                json_w_object_open(w);
                json_w_kv_string(w, "level", level_names[level]);
                json_w_kv_string(w, "msg", msg);
                json_w_kv_string(w, "time", stamp);
                json_w_object_close(w);
                text = json_writer_text(w, &len);
                dprintf(log_fd, "%.*s\n", (int)len, text);
                json_writer_free(w);
        } else {
                dprintf(log_fd, "%s %s: %s\n", stamp, level_names[level], msg);
        }
}

__attribute__((format(printf, 2, 0))) static void vlog(enum nook_log_level level, const char *fmt,
                                                       va_list ap)
{
        char msg[NOOK_ERR_MSG_MAX + 256];

        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (log_fd >= 0)
                write_to_file(level, msg);
        /* Errors always reach stderr; with a log file, other levels stay in the file
         * so a client parsing our stderr sees only what failed. */
        if (level == NOOK_LOG_ERROR || log_fd < 0)
                fprintf(stderr, "%s: %s%s\n", log_program,
                        level == NOOK_LOG_ERROR     ? ""
                        : level == NOOK_LOG_WARNING ? "warning: "
                                                    : "",
                        msg);
}

void nook_log(enum nook_log_level level, const char *fmt, ...)
{
        va_list ap;

        if (level == NOOK_LOG_DEBUG && !log_debug)
                return;
        va_start(ap, fmt);
        vlog(level, fmt, ap);
        va_end(ap);
}

void nook_log_err(const struct nook_err *err)
{
        char buf[NOOK_ERR_MSG_MAX + 256];
        nook_log(NOOK_LOG_ERROR, "%s", nook_err_format(err, buf, sizeof(buf)));
}
