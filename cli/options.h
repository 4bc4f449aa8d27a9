/* Argument helpers shared by the commands of `nook`: signal names, numbers, the
 * per-command option loop and its uniform errors. */
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

/* One command's option parsing: getopt_long over argv with the command's table.
 * Unknown options and missing arguments give "nook CMD: ..." errors with exit 1. */
struct cmd_parser {
        const char *name;
        const char *shortopts;
        const struct option *longopts;
        const char *help; /* full --help text */
};
/* Returns the next option (like getopt_long), -1 at the end, or '?' after it printed
 * an error. --help/-h prints help and exits 0. */
int cmd_next_option(const struct cmd_parser *p, int argc, char **argv);
/* Requires exactly `want` positional arguments (or at least, when at_least). */
int cmd_positionals(const struct cmd_parser *p, int argc, char **argv, int want, bool at_least);
/* "nook CMD: <message>" on stderr; returns 1 for `return cmd_usage_error(...)`. */
int cmd_usage_error(const struct cmd_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
