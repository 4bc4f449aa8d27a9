#include "cli/options.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "common/error.h"

const char *cmd_program = "nook";

const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

static const struct {
        const char *name;
        int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int parse_signal(const char *s)
{
        uint64_t n;

        if (parse_uint64(s, &n) == 0)
                return n > 0 && n < (uint64_t)NSIG ? (int)n : -1;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (strcasecmp(s, signals[i].name) == 0)
                        return signals[i].sig;
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                int64_t off = 0;
                if (s[5] && parse_int64(s + 5, &off) < 0)
                        return -1;
                int sig = (s[3] == 'I' || s[3] == 'i' ? SIGRTMIN : SIGRTMAX) + (int)off;
                return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
        }
        return -1;
}

int parse_count(const char *opt, const char *value)
{
        uint64_t n;

        if (parse_uint64(value, &n) < 0 || n > 65536) {
                fprintf(stderr, "%s: %s %s: expected a small non-negative number\n", cmd_program,
                        opt, value);
                return -1;
        }
        return (int)n;
}

__attribute__((format(printf, 2, 0))) static void usage(const struct cmd_parser *p, const char *fmt,
                                                        va_list ap)
{
        fprintf(stderr, "%s %s: ", cmd_program, p->name);
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, " (see '%s %s --help')\n", cmd_program, p->name);
}

int cmd_usage_error(const struct cmd_parser *p, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        usage(p, fmt, ap);
        va_end(ap);
        return 1;
}

int cmd_usage_fail(const struct cmd_parser *p, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        usage(p, fmt, ap);
        va_end(ap);
        return -1;
}

int cmd_report(const struct nook_err *err)
{
        if (err->errnum != 0 || err->msg[0] != '\0')
                nook_log_err(err);
        return 1;
}

int cmd_next_option(const struct cmd_parser *p, int argc, char **argv)
{
        int c;

        opterr = 0;
        c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL);
        if (c == 'h') {
                fputs(p->help, stdout);
                exit(0);
        }
        if (c == '?') {
                if (optopt)
                        cmd_usage_error(p, "unknown or incomplete option -%c", optopt);
                else
                        cmd_usage_error(p, "unknown or incomplete option %s", argv[optind - 1]);
        } else if (c == ':') {
                cmd_usage_error(p, "option %s needs a value", argv[optind - 1]);
                c = '?';
        }
        return c;
}

int cmd_positionals(const struct cmd_parser *p, int argc, char **argv, int want, bool at_least)
{
        int have = argc - optind;

        (void)argv;
        if (have < want || (!at_least && have > want)) {
                return cmd_usage_fail(p, "expected %s%d argument%s, got %d",
                                      at_least ? "at least " : "", want, want == 1 ? "" : "s",
                                      have);
        }
        return 0;
}

int parse_duration_ms(const char *value)
{
        static const struct {
                const char *unit;
                double ms;
        } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3},  {"ms", 1},
                     {"s", 1000},  {"m", 60000}, {"h", 3600000}};
        double total = 0;
        const char *p = value;

        if (strcmp(value, "0") == 0)
                return 0;
        if (*p == '\0')
                return -1;
        while (*p) {
                char *end;
                double n;
                int unit = -1;

                if (*p == '+' || *p == '-')
                        return -1;
                n = strtod(p, &end);
                if (end == p)
                        return -1;
                /* The longest unit that matches: "ms" before "m". */
                for (int i = 0; i < (int)ARRAY_SIZE(units); i++)
                        if (strncmp(end, units[i].unit, strlen(units[i].unit)) == 0 &&
                            (unit < 0 || strlen(units[i].unit) > strlen(units[unit].unit)))
                                unit = i;
                if (unit < 0)
                        return -1;
                total += n * units[unit].ms;
                p = end + strlen(units[unit].unit);
        }
        return !(total <= INT_MAX) ? -1 : (int)total; /* also NaN */
}
