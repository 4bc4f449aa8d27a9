#include "cli/commands.h"

#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "common/log.h"

#define H_HELP "  -h, --help               show this help\n"

static const char *const create_help =
    "Usage: nook create [OPTIONS] ID\n"
    "Create a container from an OCI bundle; its process waits for 'nook start'.\n\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
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
    "  -d, --detach             start it and return at once\n"
    "      --pid-file FILE      write the container's pid to FILE\n"
    "      --console-socket S   send the pty master to the unix socket S\n"
    "      --preserve-fds N     pass N extra fds (3..N+2) to the container\n"
    "      --keep               do not delete the container after it exits\n"
    "      --no-pivot           use MS_MOVE and chroot instead of pivot_root\n"
    "      --no-new-keyring     accepted for compatibility\n" H_HELP;

enum {
        OPT_PID_FILE = 256,
        OPT_CONSOLE,
        OPT_PRESERVE,
        OPT_NO_PIVOT,
        OPT_KEYRING,
        OPT_KEEP,
        OPT_CWD,
        OPT_CAP,
        OPT_ROOTLESS
};

static const struct option create_options[] = {
    {"bundle", required_argument, NULL, 'b'},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_KEYRING},
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
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
                case OPT_KEYRING:
                        break;
                case 'd':
                case OPT_KEEP:
                        if (!is_run)
                                return cmd_usage_fail(p, "unknown option %s", argv[optind - 1]);
                        if (c == 'd')
                                o->detach = true;
                        else
                                o->keep = true;
                        break;
                default:
                        return -1;
                }
        }
        from_environment(&o->create);
        return cmd_positionals(p, argc, argv, 1, false);
}

static int cmd_create(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {"create", "+b:h", create_options, NULL};
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

static int cmd_run(const struct nook_runtime *rt, int argc, char **argv)
{
        struct cmd_parser p = {"run", "+b:dh", create_options, run_help};
        struct run_opts o = {0};
        struct nook_err err = {0};
        int status;

        if (parse_create_like(&p, true, argc, argv, &o) < 0)
                return 1;
        if (container_run(rt, argv[optind], &o, &status, &err) < 0)
                return cmd_report(&err);
        return status;
}

static const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

/* Commands whose only argument is the id. */
static int id_only(const struct cmd_parser *p, int argc, char **argv)
{
        if (cmd_next_option(p, argc, argv) != -1)
                return -1;
        return cmd_positionals(p, argc, argv, 1, false);
}

/* Commands that take only an id and print nothing but a failure. */
static int run_id_command(const struct cmd_parser *p,
                          int (*op)(const struct nook_runtime *rt, const char *id,
                                    struct nook_err *err),
                          const struct nook_runtime *rt, int argc, char **argv)
{
        struct nook_err err = {0};

        if (id_only(p, argc, argv) < 0)
                return 1;
        return op(rt, argv[optind], &err) < 0 ? cmd_report(&err) : 0;
}

static int cmd_start(const struct nook_runtime *rt, int argc, char **argv)
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

static int cmd_kill(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {
            {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "kill", "ah", opts,
            "Usage: nook kill [OPTIONS] ID [SIGNAL]\n"
            "Send SIGNAL (name like TERM or SIGTERM, or number; default TERM) to the "
            "container's init.\n\n"
            "  -a, --all                signal every process in the container's cgroup\n" H_HELP};
        struct nook_err err = {0};
        bool all = false;
        int c, sig = SIGTERM;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c != 'a')
                        return 1;
                all = true;
        }
        if (argc - optind < 1 || argc - optind > 2)
                return cmd_usage_error(&p, "expected ID [SIGNAL]");
        if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
                return cmd_usage_error(&p, "unknown signal %s", argv[optind + 1]);
        if (container_kill(rt, argv[optind], sig, all, &err) < 0)
                return cmd_report(&err);
        return 0;
}

static int cmd_delete(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "delete", "fh", opts,
            "Usage: nook delete [OPTIONS] ID\n"
            "Delete a stopped or created container: its cgroup and state are removed and "
            "poststop hooks run.\n\n"
            "  -f, --force              also kill a running container (or clean up after a "
            "killed create)\n" H_HELP};
        struct nook_err err = {0};
        bool force = false;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c != 'f')
                        return 1;
                force = true;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        return container_delete(rt, argv[optind], force, &err) < 0 ? cmd_report(&err) : 0;
}

static const char *const exec_help =
    "Usage: nook exec [OPTIONS] ID [COMMAND [ARG...]]\n"
    "Run a new process inside a running container; exits with its status.\n\n"
    "  -t, --tty                allocate a pseudo-terminal\n"
    "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
    "      --cwd DIR            working directory inside the container\n"
    "  -u, --user UID[:GID]     run as this user and group\n"
    "  -p, --process FILE       take the whole process from an OCI process.json\n"
    "  -d, --detach             do not wait for the process\n"
    "      --pid-file FILE      write the process's pid to FILE\n"
    "      --console-socket S   send the pty master to the unix socket S\n"
    "      --cap CAP            add a capability from the bounding set (repeatable)\n"
    "      --preserve-fds N     pass N extra fds (3..N+2) to the process\n" H_HELP;

static int cmd_exec(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {
            {"tty", no_argument, NULL, 't'},
            {"env", required_argument, NULL, 'e'},
            {"cwd", required_argument, NULL, OPT_CWD},
            {"user", required_argument, NULL, 'u'},
            {"process", required_argument, NULL, 'p'},
            {"detach", no_argument, NULL, 'd'},
            {"pid-file", required_argument, NULL, OPT_PID_FILE},
            {"console-socket", required_argument, NULL, OPT_CONSOLE},
            {"cap", required_argument, NULL, OPT_CAP},
            {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        static const struct cmd_parser p = {"exec", "+te:u:p:dh", opts, exec_help};
        _cleanup_strv_ char **env = NULL, **caps = NULL;
        struct exec_opts o = {0};
        struct nook_err err = {0};
        int c, status;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                switch (c) {
                case 't':
                        o.tty = true;
                        break;
                case 'e':
                        strv_push(&env, optarg);
                        break;
                case OPT_CWD:
                        o.cwd = optarg;
                        break;
                case 'u':
                        o.user = optarg;
                        break;
                case 'p':
                        o.process_file = optarg;
                        break;
                case 'd':
                        o.detach = true;
                        break;
                case OPT_PID_FILE:
                        o.pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        o.console_socket = optarg;
                        break;
                case OPT_CAP:
                        strv_push(&caps, optarg);
                        break;
                case OPT_PRESERVE:
                        if ((o.preserve_fds = parse_count("--preserve-fds", optarg)) < 0)
                                return 1;
                        break;
                default:
                        return 1;
                }
        }
        if (cmd_positionals(&p, argc, argv, o.process_file ? 1 : 2, true) < 0)
                return 1;
        o.env = env;
        o.caps = caps;
        o.args = argv + optind + 1;
        if (container_exec(rt, argv[optind], &o, &status, &err) < 0)
                return cmd_report(&err);
        return status;
}

static int format_option(const struct cmd_parser *p, const char *value, bool *json)
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

static int cmd_ps(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "ps", "f:h", opts,
            "Usage: nook ps [OPTIONS] ID\nList the pids of the processes in the container "
            "(its cgroup).\n\n"
            "  -f, --format table|json  output format (default table)\n" H_HELP};
        _cleanup_free_ pid_t *pids = NULL;
        struct nook_err err = {0};
        bool json = false;
        size_t n;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1)
                if (c != 'f' || format_option(&p, optarg, &json) < 0)
                        return 1;
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (container_pids(rt, argv[optind], &pids, &n, &err) < 0)
                return cmd_report(&err);
        if (json) {
                putchar('[');
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", (int)pids[i]);
                printf("]\n");
        } else {
                printf("PID\n");
                for (size_t i = 0; i < n; i++)
                        printf("%d\n", (int)pids[i]);
        }
        return 0;
}

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

static int cmd_pause(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "pause", "+h", help_only,
            "Usage: nook pause ID\nFreeze every process of a running container (its cgroup's "
            "cgroup.freeze); state then says paused.\n\n" H_HELP};
        return run_id_command(&p, container_pause, rt, argc, argv);
}

static int cmd_resume(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "resume", "+h", help_only,
            "Usage: nook resume ID\nThaw the processes of a paused container.\n\n" H_HELP};
        return run_id_command(&p, container_resume, rt, argc, argv);
}

static const char *const update_help =
    "Usage: nook update [OPTIONS] ID\n"
    "Change the resource limits of a live container; limits not named stay as they are.\n\n"
    "  -r, --resources FILE     a LinuxResources JSON document ('-' for standard input);\n"
    "                           not together with the options below\n"
    "      --memory N           memory limit in bytes (-1: none)\n"
    "      --memory-reservation N  memory low boundary in bytes\n"
    "      --memory-swap N      memory plus swap limit in bytes (-1: none); needs --memory\n"
    "      --cpu-shares N       relative CPU weight (2..262144)\n"
    "      --cpu-quota N        CPU time per period in microseconds (-1: none)\n"
    "      --cpu-period N       the period in microseconds (default 100000)\n"
    "      --cpuset-cpus LIST   CPUs to run on, e.g. 0-1\n"
    "      --cpuset-mems LIST   memory nodes to use\n"
    "      --pids-limit N       maximum number of processes (-1: none)\n" H_HELP;

/* The update options, each one number (or list) of a LinuxResources document. */
static const struct update_flag {
        const char *name;
        size_t offset; /* of a struct oci_opt, or of a char * when is_string */
        bool is_string;
} update_flags[] = {
    {"memory", offsetof(struct oci_resources, memory.limit), false},
    {"memory-reservation", offsetof(struct oci_resources, memory.reservation), false},
    {"memory-swap", offsetof(struct oci_resources, memory.swap), false},
    {"cpu-shares", offsetof(struct oci_resources, cpu.shares), false},
    {"cpu-quota", offsetof(struct oci_resources, cpu.quota), false},
    {"cpu-period", offsetof(struct oci_resources, cpu.period), false},
    {"cpuset-cpus", offsetof(struct oci_resources, cpu.cpus), true},
    {"cpuset-mems", offsetof(struct oci_resources, cpu.mems), true},
    {"pids-limit", offsetof(struct oci_resources, pids_limit), false},
};

/* The given flags as a LinuxResources document, checked as a file's would be. */
static int update_resources(const struct cmd_parser *p, char **values, struct oci_resources **out,
                            struct nook_err *err)
{
        _cleanup_resources_ struct oci_resources *r = oci_resources_new();

        for (size_t i = 0; i < ARRAY_SIZE(update_flags); i++) {
                const struct update_flag *f = &update_flags[i];
                char *field = (char *)r + f->offset;
                int64_t n;

                if (values[i] == NULL)
                        continue;
                if (f->is_string) {
                        *(char **)field = xstrdup(values[i]);
                        continue;
                }
                if (parse_int64(values[i], &n) < 0)
                        return cmd_usage_fail(p, "--%s %s: expected a number", f->name, values[i]);
                *(struct oci_opt *)field = (struct oci_opt){true, n};
        }
        if (oci_resources_check(r, "resources", err) < 0)
                return -1;
        *out = TAKE_PTR(r);
        return 0;
}

static int cmd_update(const struct nook_runtime *rt, int argc, char **argv)
{
        static struct option opts[ARRAY_SIZE(update_flags) + 3];
        static const struct cmd_parser p = {"update", "r:h", opts, update_help};
        char *values[ARRAY_SIZE(update_flags)] = {0};
        _cleanup_free_ char *doc = NULL;
        _cleanup_resources_ struct oci_resources *r = NULL;
        const char *file = NULL;
        struct nook_err err = {0};
        bool any = false;
        int c;

        for (size_t i = 0; i < ARRAY_SIZE(update_flags); i++)
                opts[i] =
                    (struct option){update_flags[i].name, required_argument, NULL, 1000 + (int)i};
        opts[ARRAY_SIZE(update_flags)] = (struct option){"resources", required_argument, NULL, 'r'};
        opts[ARRAY_SIZE(update_flags) + 1] = (struct option){"help", no_argument, NULL, 'h'};
        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'r')
                        file = optarg;
                else if (c >= 1000 && c < 1000 + (int)ARRAY_SIZE(update_flags))
                        values[c - 1000] = optarg, any = true;
                else
                        return 1;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (file && any)
                return cmd_usage_error(&p, "--resources and the limit options exclude each other");
        if (!file && !any)
                return cmd_usage_error(&p, "nothing to update: give --resources or a limit");
        if (file) {
                if (read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, &doc, NULL, 1 << 20,
                              &err) < 0 ||
                    oci_resources_parse_text(doc, &r, &err) < 0)
                        return cmd_report(&err);
        } else if (update_resources(&p, values, &r, &err) < 0) {
                return cmd_report(&err);
        }
        return container_update(rt, argv[optind], r, &err) < 0 ? cmd_report(&err) : 0;
}

static void print_event(const char *json, void *ctx)
{
        (void)ctx;
        printf("%s\n", json);
        fflush(stdout);
}

static int cmd_events(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"stats", no_argument, NULL, 's'},
                                             {"interval", required_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "events", "si:h", opts,
            "Usage: nook events [OPTIONS] ID\n"
            "Print the container's events as JSON lines ({\"type\":\"oom\",...} when a process "
            "is OOM-killed) until it stops.\n\n"
            "      --stats              print its statistics once instead (memory, cpu, pids, "
            "io)\n"
            "      --interval T         accepted for compatibility\n" H_HELP};
        _cleanup_free_ char *json = NULL;
        struct nook_err err = {0};
        bool stats = false;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 's')
                        stats = true;
                else if (c != 'i')
                        return 1;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (!stats)
                return container_events(rt, argv[optind], print_event, NULL, &err) < 0
                           ? cmd_report(&err)
                           : 0;
        if (container_stats_json(rt, argv[optind], &json, &err) < 0)
                return cmd_report(&err);
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
    {NULL, NULL, NULL},
};
