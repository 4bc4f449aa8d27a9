/* The commands of `nook`: each parses its own options and calls the library. */
#ifndef NOOK_CLI_COMMANDS_H
#define NOOK_CLI_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>

#include "runtime/container.h"

struct command {
        const char *name;
        int (*run)(const struct nook_runtime *rt, int argc, char **argv);
        const char *summary;
};

extern const struct command nook_commands[];

#define H_HELP "  -h, --help               show this help\n"

/* Long options without a short form, shared by the commands' tables. */
enum {
        OPT_PID_FILE = 256,
        OPT_CONSOLE,
        OPT_PRESERVE,
        OPT_NO_PIVOT,
        OPT_KEYRING,
        OPT_KEEP,
        OPT_CWD,
        OPT_CAP,
        OPT_ROOTLESS,
        OPT_NO_SUBREAPER,
        OPT_PROCESS_LABEL,
        OPT_APPARMOR,
        OPT_NO_NEW_PRIVS,
        OPT_CGROUP,
        OPT_IGNORE_PAUSED
};

/* The commands (cli/cmd_lifecycle.c, cmd_exec.c, cmd_cgroup.c, cmd_checkpoint.c,
 * commands.c). */
int cmd_create(const struct nook_runtime *rt, int argc, char **argv);
int cmd_run(const struct nook_runtime *rt, int argc, char **argv);
int cmd_start(const struct nook_runtime *rt, int argc, char **argv);
int cmd_kill(const struct nook_runtime *rt, int argc, char **argv);
int cmd_delete(const struct nook_runtime *rt, int argc, char **argv);
int cmd_exec(const struct nook_runtime *rt, int argc, char **argv);
int cmd_pause(const struct nook_runtime *rt, int argc, char **argv);
int cmd_resume(const struct nook_runtime *rt, int argc, char **argv);
int cmd_update(const struct nook_runtime *rt, int argc, char **argv);
int cmd_events(const struct nook_runtime *rt, int argc, char **argv);
int cmd_checkpoint(const struct nook_runtime *rt, int argc, char **argv);
int cmd_restore(const struct nook_runtime *rt, int argc, char **argv);

struct cmd_parser;
/* Parses a command that takes only an ID (-1 after printing a usage error). */
int id_only(const struct cmd_parser *p, int argc, char **argv);
/* Runs op on the ID of such a command; its exit status. */
int run_id_command(const struct cmd_parser *p,
                   int (*op)(const struct nook_runtime *rt, const char *id, struct nook_err *err),
                   const struct nook_runtime *rt, int argc, char **argv);
/* --format table|json (-1 after printing a usage error). */
int format_option(const struct cmd_parser *p, const char *value, bool *json);

#endif
