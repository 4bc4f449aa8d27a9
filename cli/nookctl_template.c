/* nookctl template: create (busybox or debootstrap), import, export, list, remove,
 * checksum. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "manager/backup.h"
#include "manager/diskusage.h"
#include "manager/template.h"

static const char template_help[] =
    "Usage: nookctl template create NAME [--debootstrap SUITE [--variant V] [--include PKGS]]\n"
    "       nookctl template import NAME FILE\n"
    "       nookctl template export NAME FILE\n"
    "       nookctl template list\n"
    "       nookctl template remove NAME\n"
    "       nookctl template checksum NAME\n"
    "Templates are read-only root filesystems under HOME/templates/NAME, the lower layer\n"
    "of every container made from them.  'create' builds a busybox system from the\n"
    "host's static busybox (Debian's busybox-static): busybox init, syslogd, httpd on\n"
    "port 80 serving /var/www, telnetd; with --debootstrap a Debian SUITE (bookworm...)\n"
    "by debootstrap, with systemd as init for the minbase variant.  'import' and\n"
    "'export' read and write tarballs (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2; OpenVZ\n"
    "and LXC templates are such tarballs).  'remove' is refused while containers use it.\n"
    "'checksum' prints a SHA-256 of its files, modes, owners and links (not times):\n"
    "migrate compares it with the destination's.\n\n"
    "      --debootstrap SUITE  a Debian template of SUITE\n"
    "      --variant V          debootstrap's variant (minbase, buildd, ...)\n"
    "      --include PKGS       comma-separated extra packages\n"
    "  -h, --help               show this help\n";

static const struct option create_opts[] = {
    {"debootstrap", required_argument, NULL, 'd'},
    {"variant", required_argument, NULL, 'V'},
    {"include", required_argument, NULL, 'i'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct cmd_parser parser = {"template", "h", create_opts, template_help};

static int template_create(struct nook_home *h, int argc, char **argv, struct nook_err *err)
{
        const char *suite = NULL, *variant = NULL, *include = NULL;
        int c;

        /* argv[0] is "create": options may come before or after NAME. */
        optind = 0;
        while ((c = cmd_next_option(&parser, argc, argv)) != -1) {
                switch (c) {
                case 'd':
                        suite = optarg;
                        break;
                case 'V':
                        variant = optarg;
                        break;
                case 'i':
                        include = optarg;
                        break;
                default:
                        return -1;
                }
        }
        if (argc - optind != 1)
                return cmd_usage_fail(&parser, "expected 'create NAME [OPTIONS]'");
        if ((variant || include) && !suite)
                return cmd_usage_fail(&parser, "--variant and --include need --debootstrap");
        if (suite == NULL)
                return template_create_minimal(h, argv[optind], stderr, err);
        struct archive_progress p = ctl_progress("debootstrap");
        int r = template_create_debootstrap(h, argv[optind], suite, variant, include, &p, err);
        ctl_progress_end(&p);
        return r;
}

static int template_print_list(struct nook_home *h, struct nook_err *err)
{
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **names = NULL;

        if (registry_load(h, &r, err) < 0 || template_names(h, &names, err) < 0)
                return -1;
        printf("%-20s %12s %10s\n", "NAME", "SIZE", "CONTAINERS");
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *dir = home_template_dir(h, *n);
                printf("%-20s %12llu %10zu\n", *n, (unsigned long long)disk_usage(dir),
                       registry_template_users(&r, *n));
        }
        return 0;
}

/* Subcommands with fixed operands: how many each takes after its name. */
static int operands(const char *sub)
{
        if (strcmp(sub, "list") == 0)
                return 0;
        if (strcmp(sub, "remove") == 0 || strcmp(sub, "checksum") == 0)
                return 1;
        if (strcmp(sub, "import") == 0 || strcmp(sub, "export") == 0)
                return 2;
        return -1;
}

int cmd_template(const struct nookctl_globals *g, int argc, char **argv)
{
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        struct nook_err err = {0};
        const char *sub = argc > 1 ? argv[1] : "";
        int r;

        if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
                fputs(template_help, stdout);
                return 0;
        }
        if (strcmp(sub, "create") != 0) {
                if (operands(sub) < 0)
                        return cmd_usage_error(&parser, "unknown subcommand '%s'", sub);
                if (argc - 2 != operands(sub))
                        return cmd_usage_error(&parser, "%s takes %d argument%s", sub,
                                               operands(sub), operands(sub) == 1 ? "" : "s");
        }
        if (ctl_open_home(g, &h, &err) < 0)
                return cmd_report(&err);
        if (strcmp(sub, "create") == 0) {
                r = template_create(&h, argc - 1, argv + 1, &err);
        } else if (strcmp(sub, "list") == 0) {
                r = template_print_list(&h, &err);
        } else if (strcmp(sub, "remove") == 0) {
                r = template_remove_unused(&h, argv[2], &err);
        } else if (strcmp(sub, "checksum") == 0) {
                char sum[65];
                if ((r = template_checksum(&h, argv[2], sum, &err)) == 0)
                        printf("%s\n", sum);
        } else {
                struct archive_progress p = ctl_progress(sub);
                r = strcmp(sub, "import") == 0 ? template_import(&h, argv[2], argv[3], &p, &err)
                                               : template_export(&h, argv[2], argv[3], &p, &err);
                ctl_progress_end(&p);
        }
        return r < 0 ? cmd_report(&err) : 0;
}

/* --- backup and restore ----------------------------------------------------------------- */

int cmd_backup(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "backup", "h", opts,
            "Usage: nookctl backup CTID FILE\n"
            "Write the container's private layer and config.json to the tarball FILE\n"
            "(compressed by its name: .tar, .tar.gz, .tar.xz, .tar.zst).  The template is\n"
            "not in it: restore needs the same template.  A running container is copied as\n"
            "it is at that moment; stop it first for a consistent copy.\n\n"
            "  -h, --help          show this help\n"};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        struct nook_err err = {0};
        struct archive_progress pr;
        int rc;

        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 2, false) < 0)
                return 1;
        if (ctl_open_home(g, &h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            registry_targets(&r, argv[optind], &ids, &err) < 0)
                return cmd_report(&err);
        if (ids[1])
                return cmd_usage_error(&p, "backup takes one container");
        pr = ctl_progress("backup");
        rc = ct_backup(&h, ids[0], argv[optind + 1], &pr, &err);
        ctl_progress_end(&pr);
        return rc < 0 ? cmd_report(&err) : 0;
}

int cmd_restore(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "restore", "h", opts,
            "Usage: nookctl restore CTID FILE\n"
            "Make container CTID (which must not exist) from a backup.  Its template must\n"
            "exist; its name and addresses must be free.\n\n"
            "  -h, --help          show this help\n"};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        struct nook_err err = {0};
        struct archive_progress pr;
        int rc;

        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 2, false) < 0)
                return 1;
        if (ctl_open_home(g, &h, &err) < 0)
                return cmd_report(&err);
        pr = ctl_progress("restore");
        rc = home_lock(&h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
                     ct_restore(&h, &r, argv[optind], argv[optind + 1], &pr, &err) < 0
                 ? -1
                 : 0;
        ctl_progress_end(&pr);
        return rc < 0 ? cmd_report(&err) : 0;
}
