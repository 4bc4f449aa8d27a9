/* nookctl migrate (vzmigrate) and receive, its destination's half. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/migrate.h"
#include "manager/registry.h"

enum { O_ONLINE = 300, O_KEEP_SRC, O_SSH, O_REMOTE_HOME, O_REMOTE_NOOKCTL };

/* --ssh 'OPTIONS': split at blanks, as a shell would split an unquoted $SSH_OPTS. */
static void split_words(const char *s, char ***out)
{
        while (*s) {
                size_t n;
                s += strspn(s, " \t");
                n = strcspn(s, " \t");
                if (n > 0) {
                        _cleanup_free_ char *w = xstrndup(s, n);
                        strv_push(out, w);
                }
                s += n;
        }
}

int cmd_migrate(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
            {"online", no_argument, NULL, O_ONLINE},
            {"keep-src", no_argument, NULL, O_KEEP_SRC},
            {"ssh", required_argument, NULL, O_SSH},
            {"remote-home", required_argument, NULL, O_REMOTE_HOME},
            {"remote-nookctl", required_argument, NULL, O_REMOTE_NOOKCTL},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "migrate", "h", opts,
            "Usage: nookctl migrate [OPTIONS] CTID [USER@]HOST\n"
            "Move the container to HOST over ssh, where nookctl must have the same template\n"
            "(checked by name and checksum) and no container CTID.  Offline (the default):\n"
            "stop it, copy its config and private layer, start it there if it ran, remove\n"
            "it here.  --online: pre-dump its memory with CRIU while it runs, then freeze it\n"
            "for the final dump and restore it there with its processes, address and open\n"
            "TCP connections; the downtime is printed.  Any failure leaves it running here.\n\n"
            "      --online             move it running (live migration)\n"
            "      --keep-src           keep the (stopped) container here too\n"
            "      --ssh 'OPTIONS'      extra ssh options, such as '-p 2222 -i KEY'\n"
            "      --remote-home DIR    nookctl's home on HOST (default: its own default)\n"
            "      --remote-nookctl P   the nookctl program on HOST (default: nookctl)\n"
            "  -h, --help               show this help\n"};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL, **ssh = xcalloc(1, sizeof(char *));
        struct migrate_opts o = {.log = stdout};
        struct migrate_result res;
        struct nook_err err = {0};
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                switch (c) {
                case O_ONLINE:
                        o.online = true;
                        break;
                case O_KEEP_SRC:
                        o.keep_src = true;
                        break;
                case O_SSH:
                        split_words(optarg, &ssh);
                        break;
                case O_REMOTE_HOME:
                        o.remote.home = optarg;
                        break;
                case O_REMOTE_NOOKCTL:
                        o.remote.nookctl = optarg;
                        break;
                default:
                        return 1;
                }
        }
        if (cmd_positionals(&p, argc, argv, 2, false) < 0)
                return 1;
        o.remote.dest = argv[optind + 1];
        o.remote.ssh_opts = ssh;
        if (o.remote.dest[0] == '-' || o.remote.dest[0] == '\0')
                return cmd_usage_error(&p, "%s: not a host", o.remote.dest);
        if (ctl_open_home(g, &h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            registry_targets(&r, argv[optind], &ids, &err) < 0)
                return cmd_report(&err);
        if (ids[1])
                return cmd_usage_error(&p, "migrate takes one container");
        if (ct_migrate(&h, ids[0], &o, &res, &err) < 0)
                return cmd_report(&err);
        if (res.online)
                printf("migrated %s to %s online: downtime %llu ms\n", ids[0], o.remote.dest,
                       (unsigned long long)res.downtime_ms);
        else
                printf("migrated %s to %s offline\n", ids[0], o.remote.dest);
        return 0;
}

int cmd_receive(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "receive", "h", help_only,
            "Usage: nookctl receive CTID backup|predump N|dump|abort\n"
            "The destination's half of 'nookctl migrate', which runs it over ssh with a\n"
            "tarball on stdin: backup makes the container from its config and private\n"
            "layer, predump N keeps a pre-dump, dump keeps the final dump and resumes the\n"
            "container from it, abort removes what a failed migration left.\n\n" H_HELP_CTL};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        struct nook_err err = {0};
        int n;

        if (cmd_next_option(&p, argc, argv) != -1)
                return 1;
        n = argc - optind;
        if (n < 2 || n > 3)
                return cmd_usage_error(&p, "expected CTID and what to receive");
        if (ctl_open_home(g, &h, &err) < 0 ||
            ct_receive(&h, argv[optind], argv[optind + 1], n == 3 ? argv[optind + 2] : NULL, &err) <
                0)
                return cmd_report(&err);
        return 0;
}
