/* nookctl: a vzctl-style manager of system containers.  Global options, then one
 * command (cli/nookctl_cmds.c and friends). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/log.h"

static void print_help(void)
{
        printf("Usage: nookctl [GLOBAL OPTIONS] COMMAND [ARGS]\n"
               "Manage system containers (a full init inside, as an OpenVZ VPS) without a "
               "daemon.\n"
               "CTID is a number (101), a name, a --name alias, or a list of them and ranges:\n"
               "101-160, 101,105,110-120.  Option values may hold {ID} (the CTID) and {N} (its\n"
               "position in the list, from 1).\n\n"
               "Commands:\n");
        for (const struct nookctl_command *c = nookctl_commands; c->name; c++)
                printf("  %-9s %s\n", c->name, c->summary);
        printf("\nGlobal options:\n"
               "  --home DIR            containers and templates (default $NOOK_HOME or "
               "/var/lib/nook)\n"
               "  --root DIR            nook's runtime state (default $NOOK_ROOT or "
               "/run/nook)\n"
               "  --cgroup-parent PATH  cgroup v2 path containers go below (default "
               "$NOOK_CGROUP_PARENT or /nook)\n"
               "  --debug               log debug messages\n"
               "  -h, --help            show this help\n"
               "  -v, --version         show the version\n\n"
               "Run 'nookctl COMMAND --help' for a command's options; see nookctl(8).\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
            {"home", required_argument, NULL, 'H'},
            {"root", required_argument, NULL, 'R'},
            {"cgroup-parent", required_argument, NULL, 'C'},
            {"debug", no_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'v'},
            {NULL, 0, NULL, 0},
        };
        struct nookctl_globals g = {0};
        struct nook_err err = {0};
        bool debug = false;
        int c;

        cmd_program = "nookctl";
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
                switch (c) {
                case 'H':
                        g.home = optarg;
                        break;
                case 'R':
                        g.root = optarg;
                        break;
                case 'C':
                        g.cgroup_parent = optarg;
                        break;
                case 'd':
                        debug = true;
                        break;
                case 'h':
                        print_help();
                        return 0;
                case 'v':
                        printf("nookctl version %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        fprintf(stderr,
                                "nookctl: unknown or incomplete global option %s (see 'nookctl "
                                "--help')\n",
                                argv[optind - 1]);
                        return 1;
                }
        }
        if (nook_log_init("nookctl", NULL, false, debug, &err) < 0)
                return cmd_report(&err);
        if (optind >= argc) {
                print_help();
                return 1;
        }
        for (const struct nookctl_command *cmd = nookctl_commands; cmd->name; cmd++) {
                if (strcmp(cmd->name, argv[optind]) == 0) {
                        int first = optind;
                        /* 0, not 1: glibc then forgets the "+" (stop at the first
                         * operand) of the global parse, so options may follow CTIDs. */
                        optind = 0;
                        return cmd->run(&g, argc - first, argv + first);
                }
        }
        fprintf(stderr, "nookctl: unknown command %s (see 'nookctl --help')\n", argv[optind]);
        return 1;
}
