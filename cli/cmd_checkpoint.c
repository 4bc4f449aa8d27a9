/* nook checkpoint and restore: runc's command lines over runtime/checkpoint.h. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "runtime/checkpoint.h"

enum {
        OPT_IMAGE = 512,
        OPT_WORK,
        OPT_PARENT,
        OPT_LEAVE_RUNNING,
        OPT_TCP,
        OPT_EXT_UNIX,
        OPT_SHELL_JOB,
        OPT_FILE_LOCKS,
        OPT_PRE_DUMP,
        OPT_CG_MODE,
        OPT_EMPTY_NS,
        OPT_AUTO_DEDUP,
        OPT_LAZY,
        OPT_STATUS_FD,
        OPT_PAGE_SERVER,
        OPT_NO_SUBREAPER_R,
        OPT_TCP_CLOSE,
        OPT_LSM,
};

#define COMMON_HELP                                                                                \
        "      --image-path DIR     where the image is (checkpoint: default ./checkpoint)\n"       \
        "      --work-path DIR      CRIU's logs (default: the image path)\n"                       \
        "      --tcp-established    open TCP connections too\n"                                    \
        "      --ext-unix-sk        unix sockets connected to the outside\n"                       \
        "      --shell-job          a process that belongs to a shell job (its terminal)\n"        \
        "      --file-locks         file locks\n"                                                  \
        "      --manage-cgroups-mode MODE  ignore, soft (default), full or strict\n"               \
        "      --empty-ns network   accepted: the network namespace is never in the image\n"       \
        "      --lazy-pages         refused: lazy migration is not supported\n"

static const char *const checkpoint_help =
    "Usage: nook checkpoint [OPTIONS] ID\n"
    "Dump a running container's processes with CRIU into an image directory; then\n"
    "delete the container unless --leave-running or --pre-dump.\n\n" COMMON_HELP
    "      --parent-path DIR    a previous pre-dump, relative to the image path\n"
    "      --leave-running      keep the container running after the dump\n"
    "      --pre-dump           dump memory only and track changes (keeps running)\n"
    "      --auto-dedup         free the parent's pages the new image replaces\n"
    "      --page-server A:P    refused: dump over the network is not supported\n" H_HELP;

static const char *const restore_help =
    "Usage: nook restore [OPTIONS] ID\n"
    "Make container ID again from its bundle and a CRIU image, with the same processes;\n"
    "in the foreground wait for it, relay signals and exit with its status.\n\n" COMMON_HELP
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  -d, --detach             return once it runs\n"
    "      --pid-file FILE      write the container's pid to FILE\n"
    "      --console-socket S   refused: a restored terminal stays the one CRIU restores\n"
    "      --no-pivot           accepted: CRIU sets up the root itself\n"
    "      --no-subreaper       accepted for compatibility\n" H_HELP;

static const struct option options[] = {
    {"image-path", required_argument, NULL, OPT_IMAGE},
    {"work-path", required_argument, NULL, OPT_WORK},
    {"parent-path", required_argument, NULL, OPT_PARENT},
    {"leave-running", no_argument, NULL, OPT_LEAVE_RUNNING},
    {"tcp-established", no_argument, NULL, OPT_TCP},
    {"tcp-close", no_argument, NULL, OPT_TCP_CLOSE},
    {"ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX},
    {"shell-job", no_argument, NULL, OPT_SHELL_JOB},
    {"file-locks", no_argument, NULL, OPT_FILE_LOCKS},
    {"pre-dump", no_argument, NULL, OPT_PRE_DUMP},
    {"manage-cgroups-mode", required_argument, NULL, OPT_CG_MODE},
    {"empty-ns", required_argument, NULL, OPT_EMPTY_NS},
    {"auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP},
    {"lazy-pages", no_argument, NULL, OPT_LAZY},
    {"status-fd", required_argument, NULL, OPT_STATUS_FD},
    {"page-server", required_argument, NULL, OPT_PAGE_SERVER},
    {"lsm-profile", required_argument, NULL, OPT_LSM},
    {"lsm-mount-context", required_argument, NULL, OPT_LSM},
    {"bundle", required_argument, NULL, 'b'},
    {"detach", no_argument, NULL, 'd'},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER_R},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The options of both; those of the other command are usage errors. */
static int parse(const struct cmd_parser *p, bool is_restore, int argc, char **argv,
                 struct checkpoint_opts *co, struct restore_opts *ro)
{
        struct criu_opts_common *c = &co->c;
        int opt;

        while ((opt = cmd_next_option(p, argc, argv)) != -1) {
                bool restore_only = opt == 'b' || opt == 'd' || opt == OPT_PID_FILE ||
                                    opt == OPT_CONSOLE || opt == OPT_NO_PIVOT ||
                                    opt == OPT_NO_SUBREAPER_R || opt == OPT_TCP_CLOSE ||
                                    opt == OPT_LSM;
                bool checkpoint_only = opt == OPT_PARENT || opt == OPT_LEAVE_RUNNING ||
                                       opt == OPT_PRE_DUMP || opt == OPT_AUTO_DEDUP ||
                                       opt == OPT_PAGE_SERVER;
                if ((restore_only && !is_restore) || (checkpoint_only && is_restore))
                        return cmd_usage_fail(p, "unknown option %s", argv[optind - 1]);
                switch (opt) {
                case OPT_IMAGE:
                        c->image_path = optarg;
                        break;
                case OPT_WORK:
                        c->work_path = optarg;
                        break;
                case OPT_PARENT:
                        co->parent_path = optarg;
                        break;
                case OPT_LEAVE_RUNNING:
                        co->leave_running = true;
                        break;
                case OPT_TCP:
                        c->tcp_established = true;
                        break;
                case OPT_EXT_UNIX:
                        c->ext_unix_sk = true;
                        break;
                case OPT_SHELL_JOB:
                        c->shell_job = true;
                        break;
                case OPT_FILE_LOCKS:
                        c->file_locks = true;
                        break;
                case OPT_PRE_DUMP:
                        co->pre_dump = true;
                        break;
                case OPT_AUTO_DEDUP:
                        co->auto_dedup = true;
                        break;
                case OPT_CG_MODE:
                        if ((c->manage_cgroups_mode = checkpoint_cg_mode(optarg)) < 0)
                                return cmd_usage_fail(p,
                                                      "--manage-cgroups-mode %s: not one of "
                                                      "ignore, soft, full, strict",
                                                      optarg);
                        break;
                case OPT_EMPTY_NS:
                        if (strcmp(optarg, "network") != 0)
                                return cmd_usage_fail(p, "--empty-ns %s: only network", optarg);
                        break;
                case OPT_LAZY:
                case OPT_PAGE_SERVER:
                case OPT_STATUS_FD:
                        return cmd_usage_fail(p,
                                              "%s: lazy migration and page servers are not "
                                              "supported",
                                              argv[optind - 1]);
                case OPT_LSM:
                        return cmd_usage_fail(p, "%s: nook supports no LSM", argv[optind - 1]);
                case OPT_CONSOLE:
                        return cmd_usage_fail(p, "--console-socket: not supported by restore");
                case 'b':
                        ro->bundle = optarg;
                        break;
                case 'd':
                        ro->detach = true;
                        break;
                case OPT_PID_FILE:
                        ro->pid_file = optarg;
                        break;
                case OPT_NO_PIVOT:
                case OPT_NO_SUBREAPER_R:
                case OPT_TCP_CLOSE:
                        break;
                default:
                        return -1;
                }
        }
        ro->c = *c;
        return cmd_positionals(p, argc, argv, 1, false);
}

int cmd_checkpoint(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {"checkpoint", "+h", options, checkpoint_help};
        struct checkpoint_opts co = {.c.manage_cgroups_mode = -1};
        struct restore_opts ro = {0};
        struct nook_err err = {0};

        if (parse(&p, false, argc, argv, &co, &ro) < 0)
                return 1;
        /* runc's default image path. */
        if (co.c.image_path == NULL)
                co.c.image_path = "checkpoint";
        return container_checkpoint(rt, argv[optind], &co, &err) < 0 ? cmd_report(&err) : 0;
}

int cmd_restore(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {"restore", "+b:dh", options, restore_help};
        struct checkpoint_opts co = {.c.manage_cgroups_mode = -1};
        struct restore_opts ro = {0};
        struct nook_err err = {0};
        int status;

        if (parse(&p, true, argc, argv, &co, &ro) < 0)
                return 1;
        if (ro.c.image_path == NULL)
                ro.c.image_path = "checkpoint";
        if (container_restore(rt, argv[optind], &ro, &status, &err) < 0)
                return cmd_report(&err);
        return status;
}
