/* create and set: the options they share, expanded per container ({ID}, {N}) and
 * checked against every other container (names, addresses) under the home lock. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ct.h"
#include "manager/ctid.h"
#include "manager/fleet.h"
#include "manager/live.h"
#include "manager/passwd.h"
#include "manager/template.h"
#include "runtime/container.h"

enum {
        O_OSTEMPLATE = 256,
        O_IPADD,
        O_IPDEL,
        O_HOSTNAME,
        O_NAME,
        O_RAM,
        O_SWAP,
        O_CPUS,
        O_CPULIMIT,
        O_CPUUNITS,
        O_NUMPROC,
        O_ONBOOT,
        O_BRIDGE,
        O_ROUTED,
        O_NAMESERVER,
        O_SEARCHDOMAIN,
        O_USERPASSWD,
        O_CAPABILITY,
        O_DESCRIPTION,
        O_SAVE,
        O_DEVICES,
};

static const struct option ct_options[] = {
    {"ostemplate", required_argument, NULL, O_OSTEMPLATE},
    {"ipadd", required_argument, NULL, O_IPADD},
    {"ipdel", required_argument, NULL, O_IPDEL},
    {"hostname", required_argument, NULL, O_HOSTNAME},
    {"name", required_argument, NULL, O_NAME},
    {"ram", required_argument, NULL, O_RAM},
    {"swap", required_argument, NULL, O_SWAP},
    {"cpus", required_argument, NULL, O_CPUS},
    {"cpulimit", required_argument, NULL, O_CPULIMIT},
    {"cpuunits", required_argument, NULL, O_CPUUNITS},
    {"numproc", required_argument, NULL, O_NUMPROC},
    {"onboot", required_argument, NULL, O_ONBOOT},
    {"bridge", required_argument, NULL, O_BRIDGE},
    {"routed", required_argument, NULL, O_ROUTED},
    {"nameserver", required_argument, NULL, O_NAMESERVER},
    {"searchdomain", required_argument, NULL, O_SEARCHDOMAIN},
    {"userpasswd", required_argument, NULL, O_USERPASSWD},
    {"capability", required_argument, NULL, O_CAPABILITY},
    {"description", required_argument, NULL, O_DESCRIPTION},
    {"save", no_argument, NULL, O_SAVE},
    {"devices", required_argument, NULL, O_DEVICES},
    {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define H_COMMON                                                                                   \
        "      --ipadd IP[/P]       add an address (repeatable; default prefix /24, /64;\n"        \
        "                           routed /32, /128)\n"                                           \
        "      --hostname H         host name (DNS labels; default the CTID)\n"                    \
        "      --name N             an alias usable in place of the CTID\n"                        \
        "      --ram SIZE           memory limit (512M, 2G; at least 16M)\n"                       \
        "      --swap SIZE          swap allowed beside --ram\n"                                   \
        "      --cpus N             at most N CPUs' worth of time\n"                               \
        "      --cpulimit PCT       CPU time in percent of one CPU (200 = two CPUs)\n"             \
        "      --cpuunits N         relative CPU weight (cpu.shares)\n"                            \
        "      --numproc N          most processes and threads (pids.limit)\n"                     \
        "      --onboot yes|no      start with 'nookctl start --all-onboot' at boot\n"             \
        "      --bridge NAME        attach to bridge NAME (default nookbr0)\n"                     \
        "      --routed DEV         routed (venet-style) through uplink DEV, no bridge\n"          \
        "      --nameserver IP      resolver in /etc/resolv.conf (repeatable)\n"                   \
        "      --searchdomain D     search domain in /etc/resolv.conf (repeatable)\n"              \
        "      --description TEXT   free text\n"                                                   \
        "      --devices c|b:MAJ:MIN:ACCESS  allow (r, w, m) or deny (none) a device;\n"           \
        "                           MAJ/MIN may be *; repeatable\n"                                \
        "  -j, --jobs N             containers handled at once (default: the CPU count)\n"         \
        "  -h, --help               show this help\n"

static const char create_help[] =
    "Usage: nookctl create CTID [OPTIONS]\n"
    "Create containers: a private overlay layer over a template and a config.json under\n"
    "HOME/containers/CTID.  A gateway defaults to the first host address of the subnet\n"
    "(--ipadd 10.0.0.101/24: 10.0.0.1, put on the bridge).  {ID} and {N} expand in\n"
    "values: nookctl create 101-160 --ipadd 10.0.0.{ID}/24 --hostname stu{ID}\n\n"
    "      --ostemplate T       template (default minimal)\n" H_COMMON;

static const char set_help[] =
    "Usage: nookctl set CTID [OPTIONS] [--save]\n"
    "Change settings.  A running container gets them at once where the kernel allows:\n"
    "limits, addresses, host name, /etc/hosts, /etc/resolv.conf, passwords.  --save also\n"
    "writes config.json; without it a running container's change lasts until restart.\n\n"
    "      --save               write the configuration\n"
    "      --ipdel IP|all       remove an address (repeatable) or all of them\n"
    "      --userpasswd U:P     set user U's password (created if missing); written\n"
    "                           into the container's /etc/shadow at once\n"
    "      --capability CAP:on|off  add or drop a capability (from the next start)\n" H_COMMON;

struct raw_opts {
        const char *ostemplate, *hostname, *name, *ram, *swap, *cpus, *cpulimit, *cpuunits,
            *numproc, *onboot, *bridge, *routed, *userpasswd, *description;
        char **ipadd, **ipdel, **nameservers, **searchdomains, **caps, **devices;
        bool save;
        unsigned jobs;
};

static void raw_free(struct raw_opts *o)
{
        strv_free(o->ipadd);
        strv_free(o->ipdel);
        strv_free(o->nameservers);
        strv_free(o->searchdomains);
        strv_free(o->caps);
        strv_free(o->devices);
}

static int parse_opts(const struct cmd_parser *p, bool is_set, int argc, char **argv,
                      struct raw_opts *o)
{
        int c;

        while ((c = cmd_next_option(p, argc, argv)) != -1) {
                bool set_only = c == O_IPDEL || c == O_USERPASSWD || c == O_SAVE;
                if (c == '?')
                        return -1;
                if ((set_only && !is_set) || (is_set && c == O_OSTEMPLATE))
                        return cmd_usage_error(p, "unknown option %s", argv[optind - 1]), -1;
                switch (c) {
                case O_OSTEMPLATE:
                        o->ostemplate = optarg;
                        break;
                case O_IPADD:
                        strv_push(&o->ipadd, optarg);
                        break;
                case O_IPDEL:
                        strv_push(&o->ipdel, optarg);
                        break;
                case O_HOSTNAME:
                        o->hostname = optarg;
                        break;
                case O_NAME:
                        o->name = optarg;
                        break;
                case O_RAM:
                        o->ram = optarg;
                        break;
                case O_SWAP:
                        o->swap = optarg;
                        break;
                case O_CPUS:
                        o->cpus = optarg;
                        break;
                case O_CPULIMIT:
                        o->cpulimit = optarg;
                        break;
                case O_CPUUNITS:
                        o->cpuunits = optarg;
                        break;
                case O_NUMPROC:
                        o->numproc = optarg;
                        break;
                case O_ONBOOT:
                        o->onboot = optarg;
                        break;
                case O_BRIDGE:
                        o->bridge = optarg;
                        break;
                case O_ROUTED:
                        o->routed = optarg;
                        break;
                case O_NAMESERVER:
                        strv_push(&o->nameservers, optarg);
                        break;
                case O_SEARCHDOMAIN:
                        strv_push(&o->searchdomains, optarg);
                        break;
                case O_USERPASSWD:
                        o->userpasswd = optarg;
                        break;
                case O_CAPABILITY:
                        strv_push(&o->caps, optarg);
                        break;
                case O_DESCRIPTION:
                        o->description = optarg;
                        break;
                case O_SAVE:
                        o->save = true;
                        break;
                case O_DEVICES:
                        strv_push(&o->devices, optarg);
                        break;
                case 'j':
                        if (ctl_parse_jobs(optarg, &o->jobs) < 0)
                                return -1;
                        break;
                }
        }
        if (o->bridge && o->routed)
                return cmd_usage_error(p, "--bridge and --routed exclude each other"), -1;
        return cmd_positionals(p, argc, argv, 1, false);
}

static int parse_number(const char *opt, const char *v, uint64_t max, uint64_t *out,
                        struct nook_err *err)
{
        if (parse_uint64(v, out) < 0 || *out == 0 || *out > max)
                return nook_err_set(err, 0, "%s %s: expected a number from 1 to %" PRIu64, opt, v,
                                    max);
        return 0;
}

/* The option value for container ctid (index from 1), {ID} and {N} expanded. */
#define EXPAND(f) _cleanup_free_ char *x_##f = o->f ? ctid_expand(o->f, ctid, index) : NULL

static int apply_limits(const struct raw_opts *o, const char *ctid, size_t index,
                        struct ct_settings *s, struct nook_err *err)
{
        EXPAND(ram);
        EXPAND(swap);
        EXPAND(cpus);
        EXPAND(cpulimit);
        EXPAND(cpuunits);
        EXPAND(numproc);
        uint64_t v;

        if (o->ram) {
                if (ct_parse_size("--ram", x_ram, &s->ram, err) < 0)
                        return -1;
                if (s->ram < CT_MIN_RAM)
                        return nook_err_set(err, 0,
                                            "--ram %s: below the minimum of 16M a container "
                                            "needs",
                                            x_ram);
        }
        if (o->swap) {
                if (ct_parse_size("--swap", x_swap, &s->swap, err) < 0)
                        return -1;
                if (s->ram == 0)
                        return nook_err_set(err, 0, "--swap needs a --ram limit");
        }
        if (o->cpulimit) {
                if (parse_number("--cpulimit", x_cpulimit, 100000, &s->cpulimit, err) < 0)
                        return -1;
        }
        if (o->cpus) {
                if (parse_number("--cpus", x_cpus, 1024, &v, err) < 0)
                        return -1;
                if (s->cpulimit == 0 || v * 100 < s->cpulimit)
                        s->cpulimit = v * 100;
        }
        if (o->cpuunits && parse_number("--cpuunits", x_cpuunits, 262144, &s->cpuunits, err) < 0)
                return -1;
        if (o->numproc && parse_number("--numproc", x_numproc, 4194304, &s->numproc, err) < 0)
                return -1;
        return 0;
}

static int apply_ips(const struct raw_opts *o, const char *ctid, size_t index,
                     struct ct_settings *s, struct nook_err *err)
{
        if (!s->ips)
                s->ips = xcalloc(1, sizeof(char *));
        for (char **d = o->ipdel; d && *d; d++) {
                _cleanup_free_ char *x = ctid_expand(*d, ctid, index);
                _cleanup_strv_ char **keep = xcalloc(1, sizeof(char *));
                char a[64], b[64];
                bool found = strcmp(x, "all") == 0;
                _cleanup_free_ char *want = NULL;

                if (!found && ct_ip_normalize(x, s->routed, &want, err) < 0)
                        return nook_err_prefix(err, "--ipdel");
                for (char **ip = s->ips; *ip; ip++) {
                        if (want && strcmp(ct_ip_addr(*ip, a), ct_ip_addr(want, b)) == 0)
                                found = true;
                        else if (want)
                                strv_push(&keep, *ip);
                }
                if (!found)
                        return nook_err_set(err, 0,
                                            "--ipdel %s: container %s has no such "
                                            "address",
                                            x, ctid);
                strv_free(s->ips);
                s->ips = TAKE_PTR(keep);
        }
        for (char **add = o->ipadd; add && *add; add++) {
                _cleanup_free_ char *x = ctid_expand(*add, ctid, index);
                _cleanup_free_ char *ip = NULL;
                if (ct_ip_normalize(x, s->routed, &ip, err) < 0)
                        return nook_err_prefix(err, "--ipadd");
                strv_push(&s->ips, ip);
        }
        return 0;
}

static void replace_strv(char ***dst, char **src, const char *ctid, size_t index)
{
        strv_free(*dst);
        *dst = xcalloc(1, sizeof(char *));
        for (; *src; src++) {
                _cleanup_free_ char *x = ctid_expand(*src, ctid, index);
                strv_push(dst, x);
        }
}

/* A rule for the same type and numbers replaces the old one, as in vzctl. */
static int apply_devices(const struct raw_opts *o, struct ct_settings *s, struct nook_err *err)
{
        for (char **d = o->devices; d && *d; d++) {
                _cleanup_free_ char *norm = NULL;
                _cleanup_strv_ char **keep = xcalloc(1, sizeof(char *));

                if (ct_device_normalize(*d, &norm, err) < 0)
                        return -1;
                size_t id_len = (size_t)(strrchr(norm, ':') - norm) + 1;
                for (char **old = s->devices; old && *old; old++)
                        if (strncmp(*old, norm, id_len) != 0)
                                strv_push(&keep, *old);
                strv_push(&keep, norm);
                strv_free(s->devices);
                s->devices = TAKE_PTR(keep);
        }
        return 0;
}

static int apply_caps(const struct raw_opts *o, struct ct_settings *s, struct nook_err *err)
{
        for (char **c = o->caps; c && *c; c++) {
                const char *colon = strrchr(*c, ':');
                _cleanup_free_ char *name = colon ? xstrndup(*c, (size_t)(colon - *c)) : NULL;
                int n = name ? ct_cap_from_name(name) : -1;

                if (n < 0 || (strcmp(colon + 1, "on") != 0 && strcmp(colon + 1, "off") != 0))
                        return nook_err_set(err, 0, "--capability %s: expected CAP_NAME:on or :off",
                                            *c);
                if (strcmp(colon + 1, "on") == 0)
                        s->caps |= 1ULL << n;
                else
                        s->caps &= ~(1ULL << n);
        }
        return 0;
}

/* Applies the options to s (the container's current settings, or a new one's). */
static int apply_opts(const struct raw_opts *o, const char *ctid, size_t index,
                      struct ct_settings *s, struct nook_err *err)
{
        EXPAND(hostname);
        EXPAND(name);
        EXPAND(description);
        EXPAND(bridge);
        EXPAND(routed);

        if (o->hostname) {
                if (!ct_hostname_valid(x_hostname))
                        return nook_err_set(err, 0,
                                            "--hostname %s: not a valid host name (DNS labels "
                                            "of letters, digits and '-')",
                                            x_hostname);
                free(s->hostname);
                s->hostname = xstrdup(x_hostname);
        }
        if (o->name) {
                if (!ctid_valid(x_name))
                        return nook_err_set(err, 0, "--name %s: invalid name", x_name);
                free(s->name);
                s->name = xstrdup(x_name);
        }
        if (o->description) {
                free(s->description);
                s->description = xstrdup(x_description);
        }
        if (o->onboot) {
                if (strcmp(o->onboot, "yes") && strcmp(o->onboot, "no"))
                        return nook_err_set(err, 0, "--onboot %s: expected yes or no", o->onboot);
                s->onboot = strcmp(o->onboot, "yes") == 0;
        }
        if (o->bridge || o->routed) {
                const char *dev = o->bridge ? x_bridge : x_routed;
                if (dev[0] == '\0' || strlen(dev) > 15 || strpbrk(dev, "/ ,="))
                        return nook_err_set(err, 0, "--%s %s: not an interface name",
                                            o->bridge ? "bridge" : "routed", dev);
                free(s->bridge);
                free(s->routed_dev);
                s->routed = o->routed != NULL;
                s->bridge = o->bridge ? xstrdup(dev) : NULL;
                s->routed_dev = o->routed ? xstrdup(dev) : NULL;
        }
        if (o->nameservers) {
                for (char **ns = o->nameservers; *ns; ns++) {
                        _cleanup_free_ char *ip = NULL;
                        if (ct_ip_normalize(*ns, true, &ip, err) < 0)
                                return nook_err_prefix(err, "--nameserver");
                }
                replace_strv(&s->nameservers, o->nameservers, ctid, index);
        }
        if (o->searchdomains) {
                for (char **d = o->searchdomains; *d; d++)
                        if (!ct_hostname_valid(*d))
                                return nook_err_set(err, 0, "--searchdomain %s: not a domain name",
                                                    *d);
                replace_strv(&s->searchdomains, o->searchdomains, ctid, index);
        }
        if (apply_limits(o, ctid, index, s, err) < 0 || apply_ips(o, ctid, index, s, err) < 0 ||
            apply_caps(o, s, err) < 0 || apply_devices(o, s, err) < 0)
                return -1;
        return 0;
}

/* --- create --------------------------------------------------------------------------- */

struct create_ctx {
        struct nook_home *h;
        struct registry *r;
};

static int op_create(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct create_ctx *c = ctx;
        (void)i;
        return ct_create(c->h, ctid, &registry_get(c->r, ctid)->s, err);
}

static int new_settings(const struct nook_home *h, const struct raw_opts *o, const char *ctid,
                        size_t index, struct ct_settings *s, struct nook_err *err)
{
        _cleanup_free_ char *tmpl =
            ctid_expand(o->ostemplate ? o->ostemplate : TEMPLATE_MINIMAL, ctid, index);

        *s = (struct ct_settings){.caps = ct_default_caps()};
        if (!template_exists(h, tmpl))
                return nook_err_set(err, 0,
                                    "template %s does not exist (see 'nookctl template list'; "
                                    "'nookctl template create minimal' builds the default)",
                                    tmpl);
        s->ostemplate = xstrdup(tmpl);
        if (ct_hostname_valid(ctid))
                s->hostname = xstrdup(ctid);
        s->cgroups_path =
            xasprintf("%s/%s", strcmp(h->cgroup_parent, "/") ? h->cgroup_parent : "", ctid);
        return apply_opts(o, ctid, index, s, err);
}

/* Checks the whole batch and adds it to r before anything is made, so that bad input
 * leaves nothing behind. */
static int prepare_create(const struct nook_home *h, struct registry *r, const struct raw_opts *o,
                          char **ids, struct nook_err *err)
{
        for (size_t i = 0; ids[i]; i++) {
                struct ct_settings s;
                const struct ct_entry *other = registry_name_user(r, ids[i], NULL);

                if (other && strcmp(other->ctid, ids[i]) == 0)
                        return nook_err_set(err, 0, "container %s already exists", ids[i]);
                if (other)
                        return nook_err_set(err, 0, "create %s: the name is taken by container %s",
                                            ids[i], other->ctid);
                if (new_settings(h, o, ids[i], i + 1, &s, err) < 0 ||
                    registry_check_unique(r, ids[i], &s, err) < 0) {
                        ct_settings_free(&s);
                        return nook_err_prefix(err, "create %s", ids[i]);
                }
                registry_add(r, ids[i], &s);
        }
        return 0;
}

static void free_raw(struct raw_opts *o)
{
        raw_free(o);
}

int cmd_create(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"create", "j:h", ct_options, create_help};
        _cleanup_(free_raw) struct raw_opts o = {0};
        struct nook_home h;
        struct registry r = {0};
        struct nook_err err = {0};
        _cleanup_strv_ char **ids = NULL;
        struct create_ctx ctx = {&h, &r};
        int rc;

        if (parse_opts(&p, false, argc, argv, &o) < 0)
                return 1;
        if (ctid_parse_list(argv[optind], &ids, &err) < 0)
                return ctl_report(&err);
        if (ctl_open_home(g, &h) != 0)
                return 1;
        if (home_lock(&h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            prepare_create(&h, &r, &o, ids, &err) < 0) {
                rc = ctl_report(&err);
        } else {
                struct fleet_opts fo = {.verb = "create", .jobs = o.jobs};
                rc = fleet_run(ids, op_create, &ctx, &fo);
        }
        registry_free(&r);
        home_close(&h);
        return rc;
}

/* --- set ------------------------------------------------------------------------------ */

struct set_job {
        json_val cfg;
        struct ct_settings old, new;
};

struct set_ctx {
        struct nook_home *h;
        const struct raw_opts *o;
        struct set_job *jobs;
};

static bool limits_given(const struct raw_opts *o)
{
        return o->ram || o->swap || o->cpus || o->cpulimit || o->cpuunits || o->numproc ||
               o->devices;
}

static bool etc_given(const struct raw_opts *o)
{
        return o->hostname || o->ipadd || o->ipdel || o->nameservers || o->searchdomains;
}

static bool listed(char **v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

/* The changes a running container takes at once. */
static int apply_live(struct set_ctx *c, const char *ctid, const struct set_job *j, pid_t pid,
                      struct nook_err *err)
{
        const struct raw_opts *o = c->o;

        if (limits_given(o)) {
                _cleanup_free_ char *res = ct_resources_json(&j->new);
                if (container_update(&c->h->rt, ctid, res, err) < 0)
                        return -1;
        }
        if (o->hostname && live_set_hostname(pid, j->new.hostname, err) < 0)
                return -1;
        for (char **ip = j->old.ips; ip && *ip; ip++)
                if (!listed(j->new.ips, *ip) && live_change_addr(pid, *ip, false, err) < 0)
                        return -1;
        for (char **ip = j->new.ips; ip &&*ip; ip++)
                if (!listed(j->old.ips, *ip) && live_change_addr(pid, *ip, true, err) < 0)
                        return -1;
        return 0;
}

/* Files inside the root: /etc/hostname, hosts, resolv.conf, the password. */
static int apply_files(struct set_ctx *c, const char *ctid, const struct set_job *j,
                       struct nook_err *err)
{
        const struct raw_opts *o = c->o;
        _cleanup_free_ char *root = home_ct_path(c->h, ctid, "rootfs");

        if (etc_given(o) && ct_sync_etc(c->h, ctid, &j->new, err) < 0)
                return -1;
        if (o->userpasswd) {
                _cleanup_free_ char *user = NULL, *pass = NULL;
                if (passwd_parse(o->userpasswd, &user, &pass, err) < 0 ||
                    passwd_set(root, user, pass, err) < 0)
                        return nook_err_prefix(err, "container %s", ctid);
        }
        return 0;
}

static int op_set(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct set_ctx *c = ctx;
        struct set_job *j = &c->jobs[i];
        _cleanup_close_ int lock = home_lock_ct(c->h, ctid, err);
        struct ct_status st;
        bool mounted_here = false;
        int r = 0;

        if (lock < 0)
                return -1;
        ct_status(c->h, ctid, &st);
        if (!st.running && !c->o->save && !c->o->userpasswd)
                return nook_err_set(err, 0,
                                    "container %s is not running: use --save to change its "
                                    "configuration",
                                    ctid);
        if (st.running && apply_live(c, ctid, j, st.pid, err) < 0)
                return -1;
        if ((st.running || c->o->save) && (etc_given(c->o) || c->o->userpasswd)) {
                if (!st.mounted) {
                        if (ct_mount(c->h, ctid, err) < 0)
                                return -1;
                        mounted_here = true;
                }
                r = apply_files(c, ctid, j, err);
                if (mounted_here) {
                        struct nook_err ignored;
                        ct_umount(c->h, ctid, &ignored);
                }
        }
        if (r == 0 && c->o->save) {
                _cleanup_free_ char *json = ct_config_json(j->cfg, ctid, &j->new);
                r = ct_config_save(c->h, ctid, json, err);
        }
        return r;
}

static int prepare_set(const struct nook_home *h, struct registry *r, const struct raw_opts *o,
                       char **ids, struct set_job *jobs, struct nook_err *err)
{
        if (o->userpasswd) {
                _cleanup_free_ char *user = NULL, *pass = NULL;
                if (passwd_parse(o->userpasswd, &user, &pass, err) < 0)
                        return -1;
        }
        for (size_t i = 0; ids[i]; i++) {
                struct set_job *j = &jobs[i];
                struct ct_entry *e = registry_get(r, ids[i]);

                if (ct_config_load(h, ids[i], &j->cfg, &j->old, err) < 0 ||
                    ct_config_load(h, ids[i], NULL, &j->new, err) < 0)
                        return -1;
                if (apply_opts(o, ids[i], i + 1, &j->new, err) < 0 ||
                    registry_check_unique(r, ids[i], &j->new, err) < 0)
                        return nook_err_prefix(err, "set %s", ids[i]);
                /* Later containers of the batch see this one's new name and addresses. */
                ct_settings_free(&e->s);
                ct_config_load(h, ids[i], NULL, &e->s, err);
                strv_free(e->s.ips);
                e->s.ips = strv_dup(j->new.ips);
                free(e->s.name);
                e->s.name = j->new.name ? xstrdup(j->new.name) : NULL;
        }
        return 0;
}

int cmd_set(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"set", "j:h", ct_options, set_help};
        _cleanup_(free_raw) struct raw_opts o = {0};
        struct nook_home h;
        struct registry r = {0};
        struct nook_err err = {0};
        _cleanup_strv_ char **ids = NULL;
        _cleanup_free_ struct set_job *jobs = NULL;
        size_t n;
        int rc;

        if (parse_opts(&p, true, argc, argv, &o) < 0)
                return 1;
        if (ctl_open_home(g, &h) != 0)
                return 1;
        if (home_lock(&h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            ctl_targets(&r, argv[optind], &ids, &err) < 0) {
                registry_free(&r);
                home_close(&h);
                return ctl_report(&err);
        }
        n = strv_length(ids);
        jobs = xcalloc(n, sizeof(*jobs));
        if (prepare_set(&h, &r, &o, ids, jobs, &err) < 0) {
                rc = ctl_report(&err);
        } else {
                struct set_ctx ctx = {&h, &o, jobs};
                struct fleet_opts fo = {.verb = "set", .jobs = o.jobs};
                rc = fleet_run(ids, op_set, &ctx, &fo);
        }
        for (size_t i = 0; i < n; i++) {
                json_free(jobs[i].cfg);
                ct_settings_free(&jobs[i].old);
                ct_settings_free(&jobs[i].new);
        }
        registry_free(&r);
        home_close(&h);
        return rc;
}
