/* Argument helpers shared by the commands of `nook` and `nookctl`: signal names,
 * numbers, the per-command option loop, its uniform usage errors and the one reporter
 * of a library failure.
 *
 * Conventions: helpers return -1 on failure, only cmd_* functions return exit
 * statuses.  A helper that fails on bad usage prints that at once and leaves the
 * caller's struct nook_err empty, which cmd_report() then does not print again. */
#ifndef NOOK_CLI_OPTIONS_H
#define NOOK_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

/* The program named in messages: "nook" unless the program sets another. */
extern const char *cmd_program;

/* "TERM", "SIGTERM", "term" or "15"; -1 when unknown. */
int parse_signal(const char *s);
/* A non-negative int option value, or -1 (after printing the error). */
int parse_count(const char *opt, const char *value);
/* A Go duration as runc takes it ("5s", "500ms", "1m30s", "1.5h", "0") in milliseconds,
 * or -1 when it is not one (or over INT_MAX ms). */
int parse_duration_ms(const char *value);

/* One command's option parsing: getopt_long over argv with the command's table.
 * Unknown options and missing arguments give "nook CMD: ..." errors with exit 1. */
struct cmd_parser {
        const char *name;
        const char *shortopts;
        const struct option *longopts;
        const char *help; /* full --help text */
};
/* The option table of a command whose only option is --help. */
extern const struct option help_only[];

/* Returns the next option (like getopt_long), -1 at the end, or '?' after it printed
 * an error. --help/-h prints help and exits 0. */
int cmd_next_option(const struct cmd_parser *p, int argc, char **argv);
/* Requires exactly `want` positional arguments (or at least, when at_least). */
int cmd_positionals(const struct cmd_parser *p, int argc, char **argv, int want, bool at_least);
/* "nook CMD: <message> (see 'nook CMD --help')" on stderr; returns 1, the exit status,
 * for a cmd_* function's `return cmd_usage_error(...)`. */
int cmd_usage_error(const struct cmd_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for helpers: returns -1. */
int cmd_usage_fail(const struct cmd_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct nook_err;
/* Prints a library failure once, as "<program>: <context>: <cause>" (nothing when err
 * is empty: a usage error said it already), and gives exit status 1. */
int cmd_report(const struct nook_err *err);

#endif
