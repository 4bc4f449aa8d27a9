/* nook create, run, start, kill and delete. */
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

static const char *const create_help =
    "Usage: nook create [OPTIONS] ID\n"
    "Create a container from an OCI bundle; its process waits for 'nook start'.\n\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  -f, --config FILE        the config instead of BUNDLE/config.json (crun's option;\n"
    "                           a relative FILE other than config.json is the caller's)\n"
    "      --pid-file FILE      write the container's pid to FILE\n"
    "      --console-socket S   send the pty master to the unix socket S\n"
    "      --preserve-fds N     pass N extra fds (3..N+2) to the container\n"
    "      --no-pivot           use MS_MOVE and chroot instead of pivot_root\n"
    "      --no-new-keyring     accepted for compatibility; nook makes no keyring\n" H_HELP;

static const char *const run_help =
    "Usage: nook run [OPTIONS] ID\n"
    "Create and start a container; in the foreground, wait for it, relay signals and\n"
    "exit with its status (128+N when killed by signal N), then delete it.\n\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  -f, --config FILE        the config instead of BUNDLE/config.json (crun's option)\n"
    "  -d, --detach             start it and return at once\n"
    "      --pid-file FILE      write the container's pid to FILE\n"
    "      --console-socket S   send the pty master to the unix socket S\n"
    "      --preserve-fds N     pass N extra fds (3..N+2) to the container\n"
    "      --keep               do not delete the container after it exits\n"
    "      --no-pivot           use MS_MOVE and chroot instead of pivot_root\n"
    "      --no-new-keyring     accepted for compatibility\n"
    "      --no-subreaper       accepted for compatibility; nook is no subreaper\n" H_HELP;

static const struct option create_options[] = {
    {"bundle", required_argument, NULL, 'b'},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_KEYRING},
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"config", required_argument, NULL, 'f'},
    {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* What systemd hands a service that runs a container, as runc reads it: the socket-
 * activation fds when LISTEN_PID names this process, and the sd_notify socket. */
static void from_environment(struct create_opts *o)
{
        const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
        int64_t n, p;

        if (fds && pid && parse_int64(fds, &n) == 0 && parse_int64(pid, &p) == 0 && p == getpid() &&
            n > 0 && n < 65536)
                o->listen_fds = (int)n;
        o->notify_socket = getenv("NOTIFY_SOCKET");
        if (o->notify_socket && o->notify_socket[0] == '\0')
                o->notify_socket = NULL;
}

/* create and run share their options; run adds --detach and --keep. */
static int parse_create_like(const struct cmd_parser *p, bool is_run, int argc, char **argv,
                             struct run_opts *o)
{
        int c;

        while ((c = cmd_next_option(p, argc, argv)) != -1) {
                switch (c) {
                case 'b':
                        o->create.bundle = optarg;
                        break;
                case OPT_PID_FILE:
                        o->create.pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        o->create.console_socket = optarg;
                        break;
                case OPT_PRESERVE:
                        if ((o->create.preserve_fds = parse_count("--preserve-fds", optarg)) < 0)
                                return -1;
                        break;
                case OPT_NO_PIVOT:
                        o->create.no_pivot = true;
                        break;
                case 'f':
                        o->create.config = optarg;
                        break;
                case OPT_KEYRING:
                        break;
                case 'd':
                case OPT_KEEP:
                case OPT_NO_SUBREAPER:
                        if (!is_run)
                                return cmd_usage_fail(p, "unknown option %s", argv[optind - 1]);
                        if (c == 'd')
                                o->detach = true;
                        else if (c == OPT_KEEP)
                                o->keep = true;
                        break;
                default:
                        return -1;
                }
        }
        from_environment(&o->create);
        return cmd_positionals(p, argc, argv, 1, false);
}

int cmd_create(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {"create", "+b:f:h", create_options, NULL};
        struct cmd_parser parser = p;
        struct run_opts o = {0};
        struct create_result res;
        struct nook_err err = {0};

        parser.help = create_help;
        if (parse_create_like(&parser, false, argc, argv, &o) < 0)
                return 1;
        if (container_create(rt, argv[optind], &o.create, &res, &err) < 0)
                return cmd_report(&err);
        close(res.pidfd);
        return 0;
}

int cmd_run(const struct nook_runtime *rt, int argc, char **argv)
{
        struct cmd_parser p = {"run", "+b:f:dh", create_options, run_help};
        struct run_opts o = {0};
        struct nook_err err = {0};
        int status;

        if (parse_create_like(&p, true, argc, argv, &o) < 0)
                return 1;
        if (container_run(rt, argv[optind], &o, &status, &err) < 0)
                return cmd_report(&err);
        return status;
}

int cmd_start(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "start", "+h", help_only,
            "Usage: nook start ID\nStart a created container: its process execs the "
            "configured program.  With NOTIFY_SOCKET set (at create), wait until the\n"
            "container says READY=1 (or exits) and pass that on, as runc does.\n\n" H_HELP};
        struct start_opts so = {.notify_socket = getenv("NOTIFY_SOCKET")};
        struct nook_err err = {0};

        if (so.notify_socket && so.notify_socket[0] == '\0')
                so.notify_socket = NULL;
        if (id_only(&p, argc, argv) < 0)
                return 1;
        return container_start(rt, argv[optind], &so, &err) < 0 ? cmd_report(&err) : 0;
}

/* crun's -r/--regex: `op` on every container whose id the extended regular expression
 * matches (anywhere in the id, as crun's regexec); the first failure is the status, after
 * trying them all. */
static int on_matching(const struct cmd_parser *p, const struct nook_runtime *rt,
                       const char *pattern,
                       int (*op)(const struct nook_runtime *rt, const char *id, void *arg),
                       void *arg)
{
        struct container_info *list = NULL;
        struct nook_err err = {0};
        size_t n = 0;
        regex_t re;
        int status = 0;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return cmd_usage_error(p, "--regex %s: not a regular expression", pattern);
        if (container_list(rt, &list, &n, &err) < 0) {
                regfree(&re);
                return cmd_report(&err);
        }
        for (size_t i = 0; i < n; i++)
                if (regexec(&re, list[i].state->id, 0, NULL, 0) == 0 &&
                    op(rt, list[i].state->id, arg) != 0)
                        status = 1;
        container_list_free(list, n);
        regfree(&re);
        return status;
}

struct kill_args {
        int sig;
        bool all;
};

static int kill_one(const struct nook_runtime *rt, const char *id, void *arg)
{
        const struct kill_args *k = arg;
        struct nook_err err = {0};

        return container_kill(rt, id, k->sig, k->all, &err) < 0 ? cmd_report(&err) : 0;
}

static int delete_one(const struct nook_runtime *rt, const char *id, void *arg)
{
        struct nook_err err = {0};

        return container_delete(rt, id, *(const bool *)arg, &err) < 0 ? cmd_report(&err) : 0;
}

int cmd_kill(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                             {"regex", no_argument, NULL, 'r'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "kill", "arh", opts,
            "Usage: nook kill [OPTIONS] ID [SIGNAL]\n"
            "Send SIGNAL (name like TERM or SIGTERM, or number; default TERM) to the "
            "container's init.\n\n"
            "  -a, --all                signal every process in the container's cgroup\n"
            "  -r, --regex              ID is an extended regular expression: every container\n"
            "                           whose id it matches (crun's option)\n" H_HELP};
        struct kill_args k = {.sig = SIGTERM};
        bool regex = false;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'a')
                        k.all = true;
                else if (c == 'r')
                        regex = true;
                else
                        return 1;
        }
        if (argc - optind < 1 || argc - optind > 2)
                return cmd_usage_error(&p, "expected ID [SIGNAL]");
        if (argc - optind == 2 && (k.sig = parse_signal(argv[optind + 1])) < 0)
                return cmd_usage_error(&p, "unknown signal %s", argv[optind + 1]);
        if (regex)
                return on_matching(&p, rt, argv[optind], kill_one, &k);
        return kill_one(rt, argv[optind], &k);
}

int cmd_delete(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                             {"regex", no_argument, NULL, 'r'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "delete", "frh", opts,
            "Usage: nook delete [OPTIONS] ID\n"
            "Delete a stopped or created container: its cgroup and state are removed and "
            "poststop hooks run.\n\n"
            "  -f, --force              also kill a running container (or clean up after a "
            "killed create)\n"
            "  -r, --regex              ID is an extended regular expression: every container\n"
            "                           whose id it matches (crun's option)\n" H_HELP};
        bool force = false, regex = false;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'f')
                        force = true;
                else if (c == 'r')
                        regex = true;
                else
                        return 1;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (regex)
                return on_matching(&p, rt, argv[optind], delete_one, &force);
        return delete_one(rt, argv[optind], &force);
}
