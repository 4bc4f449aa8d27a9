/* nookctl doctor: the kernel limits a fleet would meet (manager/doctor.c), as a table,
 * and --tune to raise them; and the warning a start prints when one is short. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/doctor.h"
#include "manager/template.h"

static void print_value(bool known, uint64_t v)
{
        if (!known)
                printf(" %-12s", "unknown");
        else if (v > 999999999999ULL)
                printf(" %-12s", "unlimited");
        else
                printf(" %-12" PRIu64, v);
}

static void print_table(const struct doctor_row *rows, size_t n)
{
        printf("%-35s %-12s %-12s %s\n", "LIMIT", "NOW", "NEEDED", "STATUS");
        for (size_t i = 0; i < n; i++) {
                const struct doctor_row *r = &rows[i];

                printf("%-35s", r->sysctl);
                print_value(r->known, r->now);
                print_value(true, r->need);
                if (r->tuned)
                        printf(" raised to %" PRIu64, r->need);
                else if (doctor_short(r))
                        printf(" short: sysctl -w %s=%" PRIu64, r->sysctl, r->need);
                else if (!r->known)
                        printf(" not visible here (a network namespace of its own?)");
                else if (r->read_only && r->now < r->need)
                        printf(" read-only here: raise it in the host's first network namespace");
                else
                        printf(" ok");
                printf("\n");
        }
}

int cmd_doctor(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
            {"for", required_argument, NULL, 'n'},
            {"ostemplate", required_argument, NULL, 't'},
            {"tune", no_argument, NULL, 'T'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        static const struct cmd_parser p = {
            "doctor", "h", opts,
            "Usage: nookctl doctor [--for N [--ostemplate T]] [--tune]\n"
            "The kernel limits a fleet meets (processes, inotify, keys, conntrack, open\n"
            "files, neighbour tables, the backlog of a broadcast, namespaces): what the\n"
            "containers of the home need if all ran, with N more of template T (default:\n"
            "one booting systemd, the hungriest), what the host has, and the sysctl that\n"
            "raises each.  Exit status 1 when one is short (and not raised).\n\n"
            "      --for N         N containers more than the home has\n"
            "      --ostemplate T  of template T\n"
            "      --tune          raise every short limit to what is needed (writes the\n"
            "                      host's sysctls: never lowers one)\n" H_HELP_CTL};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        struct doctor_row rows[DOCTOR_ROWS];
        struct doctor_fleet f;
        struct nook_err err = {0};
        const char *tmpl = NULL;
        uint64_t more = 0;
        bool tune = false;
        size_t n, shortage = 0;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'n' && (parse_uint64(optarg, &more) < 0 || more > 10000000))
                        return cmd_usage_error(&p, "--for %s: expected a number of containers",
                                               optarg);
                else if (c == 't')
                        tmpl = optarg;
                else if (c == 'T')
                        tune = true;
                else if (c != 'n')
                        return 1;
        }
        if (cmd_positionals(&p, argc, argv, 0, false) < 0)
                return 1;
        if (ctl_open_home(g, &h, &err) < 0 || registry_load(&h, &r, &err) < 0)
                return cmd_report(&err);
        if (tmpl && !template_exists(&h, tmpl))
                return cmd_usage_error(&p, "--ostemplate %s: no such template", tmpl);
        doctor_fleet_of(&h, &r, (size_t)more, tmpl, &f);
        printf("# %zu containers booting systemd, %zu others\n", f.systemd, f.other);
        doctor_check(&f, rows, &n);
        if (tune && doctor_tune(rows, n, &err) < 0) {
                print_table(rows, n);
                return cmd_report(&err);
        }
        print_table(rows, n);
        for (size_t i = 0; i < n; i++)
                shortage += doctor_short(&rows[i]) && !rows[i].tuned;
        return shortage ? 1 : 0;
}

void ctl_warn_limits(const struct nook_home *h, const struct registry *r)
{
        struct doctor_row rows[DOCTOR_ROWS];
        struct doctor_fleet f;
        size_t n;

        doctor_fleet_of(h, r, 0, NULL, &f);
        doctor_check(&f, rows, &n);
        for (size_t i = 0; i < n; i++)
                if (doctor_short(&rows[i]))
                        fprintf(stderr,
                                "nookctl: warning: %zu containers need %s >= %" PRIu64
                                " (now %" PRIu64 "): sysctl -w %s=%" PRIu64
                                ", or nookctl doctor --tune\n",
                                f.systemd + f.other, rows[i].sysctl, rows[i].need, rows[i].now,
                                rows[i].sysctl, rows[i].need);
}
