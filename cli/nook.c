/* nook: an OCI runtime.  Global options, then one command (cli/commands.c). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>

#include "cli/commands.h"
#include "common/log.h"
#include "common/error.h"

static void print_help(void)
{
        printf("Usage: nook [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
               "A daemonless OCI container runtime (runtime-spec 1.2).\n\n"
               "Commands:\n");
        for (const struct command *c = nook_commands; c->name; c++)
                printf("  %-10s %s\n", c->name, c->summary);
        printf("  %-10s %s\n", "help", "show this help, or a command's (help COMMAND)");
        printf("\nGlobal options:\n"
               "  --root DIR                 state directory (default /run/nook)\n"
               "  --log FILE                 also write log messages to FILE\n"
               "  --log-format text|json     format of the --log file (default text)\n"
               "  --debug                    log debug messages\n"
               "  --cgroup-manager cgroupfs|disabled\n"
               "                             cgroupfs (default): a cgroup v2 directory per "
               "container;\n"
               "                             disabled: no cgroup (systemd is not supported)\n"
               "  --systemd-cgroup           refused: use --cgroup-manager cgroupfs\n"
               "  --rootless true|false|auto accepted for compatibility\n"
               "  --criu PATH                accepted for compatibility (no CRIU support)\n"
               "  -h, --help                 show this help\n"
               "  -v, --version              show the version\n\n"
               "Run 'nook COMMAND --help' for a command's options; see nook(8).\n");
}

static void print_version(void)
{
        const struct scmp_version *v = seccomp_version();

        printf("nook version %s\nspec: 1.2.0\nlibseccomp: %u.%u.%u\n", PACKAGE_VERSION, v->major,
               v->minor, v->micro);
}

struct global_opts {
        struct nook_runtime rt;
        const char *log_file;
        bool log_json;
        bool debug;
};

/* A bad global option is reported after the options before it are applied, so that
 * it also reaches the --log file: containerd's shim reads a failure from there. */
static struct nook_err global_err;

static int set_root(struct global_opts *g, const char *v)
{
        g->rt.root = v;
        return 0;
}

static int set_log(struct global_opts *g, const char *v)
{
        g->log_file = v;
        return 0;
}

static int set_log_format(struct global_opts *g, const char *v)
{
        if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
                return nook_err_set(&global_err, 0, "--log-format %s: expected text or json", v);
        g->log_json = strcmp(v, "json") == 0;
        return 0;
}

static int set_cgroup_manager(struct global_opts *g, const char *v)
{
        if (strcmp(v, "systemd") == 0)
                return nook_err_set(&global_err, 0,
                                    "--cgroup-manager systemd is not supported: use "
                                    "--cgroup-manager cgroupfs");
        if (strcmp(v, "disabled") != 0 && strcmp(v, "cgroupfs") != 0)
                return nook_err_set(&global_err, 0,
                                    "--cgroup-manager %s: expected cgroupfs or disabled", v);
        g->rt.cgroups_disabled = strcmp(v, "disabled") == 0;
        return 0;
}

static int accept_rootless(struct global_opts *g, const char *v)
{
        (void)g;
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0 && strcmp(v, "auto") != 0)
                return nook_err_set(&global_err, 0, "--rootless %s: expected true, false or auto",
                                    v);
        return 0;
}

/* runc's --criu names its CRIU binary; containerd's shim passes it when configured. */
static int accept_criu(struct global_opts *g, const char *v)
{
        (void)g;
        (void)v;
        return 0;
}

static const struct {
        const char *name;
        int (*set)(struct global_opts *g, const char *value);
} valued_options[] = {
    {"--root", set_root},
    {"--log", set_log},
    {"--log-format", set_log_format},
    {"--cgroup-manager", set_cgroup_manager},
    {"--rootless", accept_rootless},
    {"--criu", accept_criu},
};

/* Handles "--name value" and "--name=value"; 1 when argv[*i] was this option. */
static int try_valued(int argc, char **argv, int *i, struct global_opts *g)
{
        for (size_t k = 0; k < sizeof(valued_options) / sizeof(valued_options[0]); k++) {
                const char *name = valued_options[k].name;
                size_t n = strlen(name);
                const char *v;

                if (strncmp(argv[*i], name, n) != 0 || (argv[*i][n] && argv[*i][n] != '='))
                        continue;
                if (argv[*i][n] == '=')
                        v = argv[*i] + n + 1;
                else if (*i + 1 < argc)
                        v = argv[++*i];
                else
                        return nook_err_set(&global_err, 0, "option %s needs a value", name);
                return valued_options[k].set(g, v) < 0 ? -1 : 1;
        }
        return 0;
}

/* Parses options before the command; returns the index of the command or -1. */
static int parse_globals(int argc, char **argv, struct global_opts *g)
{
        int i;

        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];
                int r;

                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        print_help();
                        exit(0);
                }
                if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
                        print_version();
                        exit(0);
                }
                if (strcmp(a, "--debug") == 0) {
                        g->debug = true;
                        continue;
                }
                if (strcmp(a, "--systemd-cgroup") == 0)
                        return nook_err_set(&global_err, 0,
                                            "--systemd-cgroup is not supported: nook manages "
                                            "cgroups itself, use --cgroup-manager cgroupfs");
                r = try_valued(argc, argv, &i, g);
                if (r < 0)
                        return -1;
                if (r == 0)
                        return nook_err_set(&global_err, 0,
                                            "unknown global option %s (see 'nook --help')", a);
        }
        return i;
}

static int run_command(const struct nook_runtime *rt, const char *name, int argc, char **argv)
{
        for (const struct command *c = nook_commands; c->name; c++) {
                if (strcmp(c->name, name) == 0) {
                        optind = 1;
                        return c->run(rt, argc, argv);
                }
        }
        nook_log(NOOK_LOG_ERROR, "unknown command %s (see 'nook --help')", name);
        return 1;
}

int main(int argc, char **argv)
{
        struct global_opts g = {.rt = {.root = "/run/nook"}};
        struct nook_err err = {0};
        int cmd_index;

        cmd_index = parse_globals(argc, argv, &g);
        if (nook_log_init("nook", g.log_file, g.log_json, g.debug, &err) < 0) {
                nook_log_err(&err);
                return 1;
        }
        if (cmd_index < 0) {
                nook_log_err(&global_err);
                return 1;
        }
        if (cmd_index >= argc) {
                print_help();
                return 1;
        }
        /* runc's "help [COMMAND]" (also "h"): the same texts as --help. */
        if (strcmp(argv[cmd_index], "help") == 0 || strcmp(argv[cmd_index], "h") == 0) {
                if (cmd_index + 1 >= argc) {
                        print_help();
                        return 0;
                }
                char *help_argv[] = {argv[cmd_index + 1], "--help", NULL};

                return run_command(&g.rt, help_argv[0], 2, help_argv);
        }
        return run_command(&g.rt, argv[cmd_index], argc - cmd_index, argv + cmd_index);
}
