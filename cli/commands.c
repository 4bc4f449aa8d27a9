/* nook's command table and the commands that only read: state, list, ps, spec,
 * features; the helpers every command uses. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

/* Commands whose only argument is the id. */

int id_only(const struct cmd_parser *p, int argc, char **argv)
{
        if (cmd_next_option(p, argc, argv) != -1)
                return -1;
        return cmd_positionals(p, argc, argv, 1, false);
}

/* Commands that take only an id and print nothing but a failure. */
int run_id_command(const struct cmd_parser *p,
                   int (*op)(const struct nook_runtime *rt, const char *id, struct nook_err *err),
                   const struct nook_runtime *rt, int argc, char **argv)
{
        struct nook_err err = {0};

        if (id_only(p, argc, argv) < 0)
                return 1;
        return op(rt, argv[optind], &err) < 0 ? cmd_report(&err) : 0;
}

static int cmd_state(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "state", "+h", help_only,
            "Usage: nook state ID\nPrint the OCI state of a container as JSON (status is "
            "creating, created, running or stopped).\n\n" H_HELP};
        _cleanup_free_ char *json = NULL;
        struct nook_err err = {0};

        if (id_only(&p, argc, argv) < 0)
                return 1;
        if (container_state(rt, argv[optind], &json, &err) < 0)
                return cmd_report(&err);
        printf("%s\n", json);
        return 0;
}

int format_option(const struct cmd_parser *p, const char *value, bool *json)
{
        if (strcmp(value, "json") == 0)
                *json = true;
        else if (strcmp(value, "table") == 0)
                *json = false;
        else
                return cmd_usage_fail(p, "--format %s: expected table or json", value);
        return 0;
}

static int cmd_list(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "list", "f:qh", opts,
            "Usage: nook list [OPTIONS]\nList the containers under the root.\n\n"
            "  -f, --format table|json  output format (default table)\n"
            "  -q, --quiet              print the ids only\n" H_HELP};
        struct container_info *list = NULL;
        bool json = false, quiet = false;
        struct nook_err err = {0};
        size_t n;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'f' && format_option(&p, optarg, &json) == 0)
                        continue;
                if (c == 'q') {
                        quiet = true;
                        continue;
                }
                return 1;
        }
        if (cmd_positionals(&p, argc, argv, 0, false) < 0)
                return 1;
        if (container_list(rt, &list, &n, &err) < 0)
                return cmd_report(&err);
        if (json)
                putchar('[');
        else if (!quiet)
                printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                       "CREATED", "OWNER");
        for (size_t i = 0; i < n; i++) {
                const struct container_state *st = list[i].state;
                bool alive = list[i].status == CONTAINER_CREATED ||
                             list[i].status == CONTAINER_RUNNING ||
                             list[i].status == CONTAINER_PAUSED;

                if (json) {
                        _cleanup_free_ char *s = state_oci_json(st, list[i].status, false);
                        printf("%s%s", i ? "," : "", s);
                } else if (quiet) {
                        printf("%s\n", st->id);
                } else {
                        printf("%-20s %-8d %-10s %-40s %-32s %s\n", st->id, alive ? st->pid : 0,
                               container_status_name(list[i].status), st->bundle ? st->bundle : "",
                               st->created ? st->created : "", "root");
                }
        }
        if (json)
                printf("]\n");
        container_list_free(list, n);
        return 0;
}

/* The lines of ps(1) ARGS (default -ef) for the container's processes, as runc prints
 * them: ps's header, then each line whose PID column holds one of pids. */
static int print_ps(char **args, const pid_t *pids, size_t n, struct nook_err *err)
{
        _cleanup_strv_ char **argv = NULL;
        _cleanup_fclose_ FILE *out = NULL;
        _cleanup_free_ char *line = NULL;
        int fds[2], column = -1, ws;
        size_t cap = 0;
        pid_t child;

        strv_push(&argv, "ps");
        if (args[0] == NULL)
                strv_push(&argv, "-ef");
        for (; *args; args++)
                strv_push(&argv, *args);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return nook_err_sys(err, "pipe");
        child = fork();
        if (child < 0)
                return nook_err_sys(err, "fork");
        if (child == 0) {
                dup2(fds[1], 1);
                execvp("ps", argv);
                _exit(127);
        }
        close(fds[1]);
        out = fdopen(fds[0], "r");
        for (bool header = true; out && getline(&line, &cap, out) > 0; header = false) {
                char *copy = xstrdup(line), *save = NULL, *f = strtok_r(copy, " \t\n", &save);
                int64_t pid;
                bool print = header;

                for (int i = 0; f; i++, f = strtok_r(NULL, " \t\n", &save)) {
                        if (header && strcmp(f, "PID") == 0)
                                column = i;
                        if (!header && i == column && parse_int64(f, &pid) == 0)
                                for (size_t k = 0; k < n; k++)
                                        print = print || pids[k] == (pid_t)pid;
                }
                free(copy);
                if (print)
                        fputs(line, stdout);
        }
        waitpid(child, &ws, 0);
        if (column < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
                return nook_err_set(err, 0, "ps %s: no PID column in its output", argv[1]);
        return 0;
}

static int cmd_ps(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "ps", "+f:h", opts,
            "Usage: nook ps [OPTIONS] ID [PS OPTIONS...]\n"
            "Show the processes in the container (its cgroup): the lines of ps(1) with PS\n"
            "OPTIONS (default -ef) for them, or their pids as JSON.\n\n"
            "  -f, --format table|json  output format (default table)\n" H_HELP};
        _cleanup_free_ pid_t *pids = NULL;
        struct nook_err err = {0};
        bool json = false;
        size_t n;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1)
                if (c != 'f' || format_option(&p, optarg, &json) < 0)
                        return 1;
        if (cmd_positionals(&p, argc, argv, 1, true) < 0)
                return 1;
        if (container_pids(rt, argv[optind], &pids, &n, &err) < 0)
                return cmd_report(&err);
        if (!json)
                return print_ps(argv + optind + 1, pids, n, &err) < 0 ? cmd_report(&err) : 0;
        putchar('[');
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
        return 0;
}

/* checkpoint and restore: runc's commands, which need CRIU. */
static int cmd_spec(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                             {"rootless", no_argument, NULL, OPT_ROOTLESS},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "spec", "b:h", opts,
            "Usage: nook spec [OPTIONS] [-- COMMAND [ARG...]]\n"
            "Write a default config.json (for a rootfs/ beside it) into the bundle.\n\n"
            "  -b, --bundle DIR         where to write config.json (default: current "
            "directory)\n"
            "      --rootless           a config for a user namespace mapping the caller "
            "to root\n" H_HELP};
        const char *bundle = ".";
        _cleanup_free_ char *path = NULL, *json = NULL;
        struct nook_err err = {0};
        bool rootless = false;
        struct stat sb;
        int c;

        (void)rt;
        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'b')
                        bundle = optarg;
                else if (c == OPT_ROOTLESS)
                        rootless = true;
                else
                        return 1;
        }
        path = xasprintf("%s/config.json", bundle);
        if (stat(path, &sb) == 0) {
                nook_err_set(&err, EEXIST, "%s", path);
                return cmd_report(&err);
        }
        json = oci_config_default_json(optind < argc ? argv + optind : NULL, rootless);
        if (write_file_atomic(path, json, strlen(json), 0644, &err) < 0)
                return cmd_report(&err);
        return 0;
}

static int cmd_features(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "features", "h", help_only,
            "Usage: nook features\nPrint what this build of nook supports, as the "
            "runtime-spec features JSON.\n\n" H_HELP};
        _cleanup_free_ char *json = NULL;

        (void)rt;
        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 0, false) < 0)
                return 1;
        json = container_features_json();
        printf("%s\n", json);
        return 0;
}

const struct command nook_commands[] = {
    {"create", cmd_create, "create a container from a bundle"},
    {"start", cmd_start, "start a created container"},
    {"state", cmd_state, "print a container's state as JSON"},
    {"kill", cmd_kill, "send a signal to a container"},
    {"delete", cmd_delete, "delete a container"},
    {"run", cmd_run, "create and start a container"},
    {"exec", cmd_exec, "run a process in a running container"},
    {"list", cmd_list, "list containers"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the features this build supports"},
    {"pause", cmd_pause, "freeze a container's processes"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change a live container's resource limits"},
    {"events", cmd_events, "print a container's OOM events or statistics"},
    {"checkpoint", cmd_checkpoint, "dump a running container with CRIU"},
    {"restore", cmd_restore, "make a container again from a CRIU image"},
    {NULL, NULL, NULL},
};
