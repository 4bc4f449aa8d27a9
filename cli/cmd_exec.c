/* nook exec. */
#include <limits.h>
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
    "  -g, --additional-gids GID  an additional group (repeatable)\n"
    "  -c, --cap CAP            add a capability (repeatable; an unknown name is left out\n"
    "                           with a warning, as runc does)\n"
    "      --no-new-privs       set no_new_privs for the process\n"
    "      --cgroup PATH        run in this sub-cgroup of the container's (v2: PATH or\n"
    "                           unified:PATH, relative to the container's cgroup)\n"
    "      --ignore-paused      exec into a paused container too\n"
    "      --preserve-fds N     pass N extra fds (3..N+2) to the process\n"
    "      --process-label L    refused: nook applies no SELinux label\n"
    "      --apparmor P         refused: nook applies no AppArmor profile\n" H_HELP;

int cmd_exec(const struct nook_runtime *rt, int argc, char **argv)
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
            {"additional-gids", required_argument, NULL, 'g'},
            {"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
            {"cgroup", required_argument, NULL, OPT_CGROUP},
            {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
            {"process-label", required_argument, NULL, OPT_PROCESS_LABEL},
            {"apparmor", required_argument, NULL, OPT_APPARMOR},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        static const struct cmd_parser p = {"exec", "+te:u:p:dg:c:h", opts, exec_help};
        _cleanup_strv_ char **env = NULL, **caps = NULL, **gids = NULL;
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
                case 'c':
                        strv_push(&caps, optarg);
                        break;
                case 'g':
                        strv_push(&gids, optarg);
                        break;
                case OPT_NO_NEW_PRIVS:
                        o.no_new_privs = true;
                        break;
                case OPT_CGROUP:
                        o.cgroup = optarg;
                        break;
                case OPT_IGNORE_PAUSED:
                        o.ignore_paused = true;
                        break;
                case OPT_PROCESS_LABEL:
                case OPT_APPARMOR:
                        /* An empty value asks for nothing (what clients pass by default). */
                        if (optarg[0] == '\0')
                                break;
                        return cmd_usage_error(
                            &p, "%s %s: not supported (nook applies no %s)",
                            c == OPT_APPARMOR ? "--apparmor" : "--process-label", optarg,
                            c == OPT_APPARMOR ? "AppArmor profile" : "SELinux label");
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
        o.additional_gids = gids;
        o.args = argv + optind + 1;
        if (container_exec(rt, argv[optind], &o, &status, &err) < 0)
                return cmd_report(&err);
        return status;
}
