#include "manager/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/template.h"

/* What one container uses, by the kind of its init.  Measured on the minimal template
 * (busybox init, syslogd, httpd, telnetd: 6 tasks) and on the Debian template booting
 * systemd (about 25 tasks, 30 with their threads; journald, logind and systemd itself
 * hold inotify instances and watches and make keyrings for each service), rounded up
 * for what a VPS's customer starts besides. */
struct per_ct {
        uint64_t systemd, other;
};

struct limit {
        const char *sysctl;
        const char *why;
        uint64_t base; /* what the host itself wants, or the whole need of a constant */
        struct per_ct per;
        uint64_t floor; /* the need is never below this (the kernel's default) */
};

static const struct limit limits[] = {
    {"kernel.pid_max", "a pid for every task of every container", 4096, {64, 8}},
    {"kernel.threads-max", "tasks in all, the host's own included", 4096, {64, 8}},
    {"fs.inotify.max_user_instances",
     "systemd and journald watch files (per uid: root's)",
     128,
     {16, 0}},
    {"fs.inotify.max_user_watches", "the files those instances watch (per uid)", 8192, {1024, 0}},
    {"kernel.keys.root_maxkeys",
     "systemd makes a keyring for each service (per uid: root)",
     200,
     {64, 2}},
    {"kernel.keys.root_maxbytes", "the bytes of those keys", 20000, {4096, 64}},
    {"kernel.keys.maxkeys",
     "keys of a uid other than root (nookctl's containers run as root: the default)",
     200,
     {0, 0}},
    {"net.netfilter.nf_conntrack_max",
     "tracked connections where NAT or publish= is on",
     65536,
     {256, 256}},
    {"fs.file-max", "open files of all processes", 65536, {2048, 256}},
    {"vm.max_map_count",
     "memory maps of one process (databases in a VPS want more)",
     65530,
     {0, 0}},
    {"net.ipv4.neigh.default.gc_thresh3",
     "ARP entries; nook's are permanent and not counted (Linux >= 4.19), only containers "
     "talking to each other add entries",
     1024,
     {0, 0}},
    {"net.ipv6.neigh.default.gc_thresh3", "the same for IPv6 neighbours", 1024, {0, 0}},
    {"net.core.netdev_max_backlog",
     "a broadcast reaches every port of a bridge through one CPU's backlog",
     100,
     {1, 1},
     1000},
    {"user.max_net_namespaces", "a network namespace per container", 1024, {1, 1}},
    {"user.max_mnt_namespaces", "a mount namespace per container", 1024, {1, 1}},
};

_Static_assert(ARRAY_SIZE(limits) <= DOCTOR_ROWS, "DOCTOR_ROWS is too small");

static char *proc_path(const char *sysctl)
{
        char *p = xasprintf("/proc/sys/%s", sysctl);

        for (char *c = p + strlen("/proc/sys/"); *c; c++)
                if (*c == '.')
                        *c = '/';
        return p;
}

static bool read_value(const char *sysctl, uint64_t *out)
{
        _cleanup_free_ char *path = proc_path(sysctl);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char buf[64];

        /* fs.file-max may be 2^63-1, which fits; a value with several fields (none of
         * these) would not parse and count as unknown. */
        return f && fgets(buf, sizeof(buf), f) && parse_uint64(strtok(buf, "\n"), out) == 0;
}

void doctor_check(const struct doctor_fleet *f, struct doctor_row rows[DOCTOR_ROWS], size_t *n)
{
        *n = 0;
        for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
                const struct limit *l = &limits[i];
                struct doctor_row *r = &rows[(*n)++];

                *r = (struct doctor_row){.sysctl = l->sysctl, .why = l->why};
                r->need = l->base + l->per.systemd * f->systemd + l->per.other * f->other;
                if (r->need < l->floor)
                        r->need = l->floor;
                r->known = read_value(l->sysctl, &r->now);
                if (r->known) {
                        _cleanup_free_ char *path = proc_path(l->sysctl);
                        r->read_only = access(path, W_OK) < 0;
                }
        }
}

bool doctor_short(const struct doctor_row *r)
{
        return r->known && !r->read_only && r->now < r->need;
}

int doctor_tune(struct doctor_row *rows, size_t n, struct nook_err *err)
{
        int rc = 0;

        for (size_t i = 0; i < n; i++) {
                struct doctor_row *r = &rows[i];
                _cleanup_free_ char *path = NULL;
                char value[32];

                if (!doctor_short(r))
                        continue;
                path = proc_path(r->sysctl);
                snprintf(value, sizeof(value), "%" PRIu64, r->need);
                if (write_file_at(AT_FDCWD, path, value, strlen(value), err) < 0) {
                        rc = -1;
                        err = NULL; /* the first failure is the one reported */
                        continue;
                }
                r->tuned = true;
        }
        return rc;
}

static bool boots_systemd(const struct nook_home *h, const char *tmpl)
{
        return template_stop_signal(h, tmpl) == SIGRTMIN + 3;
}

void doctor_fleet_of(const struct nook_home *h, const struct registry *r, size_t more,
                     const char *tmpl, struct doctor_fleet *f)
{
        const char *last = NULL;
        bool last_systemd = false;

        *f = (struct doctor_fleet){0};
        /* Templates are few: each is looked at once per run of equal names. */
        for (size_t i = 0; i < r->n; i++) {
                const char *t = r->v[i].s.ostemplate ? r->v[i].s.ostemplate : "";

                if (last == NULL || strcmp(last, t) != 0) {
                        last = t;
                        last_systemd = boots_systemd(h, t);
                }
                *(last_systemd ? &f->systemd : &f->other) += 1;
        }
        if (tmpl == NULL || boots_systemd(h, tmpl))
                f->systemd += more;
        else
                f->other += more;
}
