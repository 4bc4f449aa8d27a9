#include "manager/settings.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctid.h"
#include "manager/iodev.h"
#include "manager/quota.h"
#include "manager/template.h"

void ct_edit_free(struct ct_edit *e)
{
        strv_free(e->ipadd);
        strv_free(e->ipdel);
        strv_free(e->nameservers);
        strv_free(e->searchdomains);
        strv_free(e->caps);
        strv_free(e->devices);
        *e = (struct ct_edit){0};
}

bool ct_edit_limits(const struct ct_edit *e)
{
        return e->ram || e->swap || e->cpus || e->cpulimit || e->cpuunits || e->numproc ||
               e->devices || e->cpumask || e->nodemask || e->iolimit || e->iopslimit || e->ioprio;
}

bool ct_edit_disk(const struct ct_edit *e)
{
        return e->diskspace || e->diskinodes;
}

bool ct_edit_etc(const struct ct_edit *e)
{
        return e->hostname || e->ipadd || e->ipdel || e->nameservers || e->searchdomains;
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

static int apply_limits(const struct ct_edit *o, const char *ctid, size_t index,
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

/* "all" or a list the host's CPUs (memory nodes) can take, into *mask (NULL: all). */
static int apply_mask(const char *opt, const char *v,
                      int (*check)(const char *, const char *, struct nook_err *), char **mask,
                      struct nook_err *err)
{
        _cleanup_free_ char *what = xasprintf("%s %s", opt, v);

        if (strcmp(v, "all") != 0 && check(v, what, err) < 0)
                return -1;
        free(*mask);
        *mask = strcmp(v, "all") == 0 ? NULL : xstrdup(v);
        return 0;
}

/* "SOFT[:HARD]" (one value: both; 0: no limit), sizes or counts. */
static int parse_pair(const char *opt, const char *v, bool sizes, uint64_t *soft, uint64_t *hard,
                      struct nook_err *err)
{
        _cleanup_free_ char *a = xstrndup(v, strcspn(v, ":"));
        const char *b = strchr(v, ':');
        const char *hv = b ? b + 1 : a;

        if (sizes ? ct_parse_size(opt, a, soft, err) < 0 || ct_parse_size(opt, hv, hard, err) < 0
                  : parse_uint64(a, soft) < 0 || parse_uint64(hv, hard) < 0)
                return sizes
                           ? -1
                           : nook_err_set(err, 0, "%s %s: expected a number or SOFT:HARD", opt, v);
        if (*soft > *hard && *hard)
                return nook_err_set(err, 0, "%s %s: the soft limit is above the hard one", opt, v);
        if (*hard == 0 && *soft)
                return nook_err_set(err, 0, "%s %s: a soft limit needs a hard one", opt, v);
        return 0;
}

static uint32_t next_projid(const struct registry *r)
{
        uint32_t id = CT_PROJID_MIN;

        for (size_t i = 0; r && i < r->n; i++)
                if (r->v[i].s.projid >= id)
                        id = r->v[i].s.projid + 1;
        return id;
}

static int apply_disk(const struct nook_home *h, const struct ct_edit *o, const char *ctid,
                      size_t index, struct ct_settings *s, const struct registry *r,
                      struct nook_err *err)
{
        EXPAND(diskspace);
        EXPAND(diskinodes);
        _cleanup_free_ char *dir = xasprintf("%s/containers", h->dir);

        if (o->diskspace && parse_pair("--diskspace", x_diskspace, true, &s->disk.space_soft,
                                       &s->disk.space_hard, err) < 0)
                return -1;
        if (o->diskinodes && parse_pair("--diskinodes", x_diskinodes, false, &s->disk.inodes_soft,
                                        &s->disk.inodes_hard, err) < 0)
                return -1;
        if (!s->disk.space_hard && !s->disk.inodes_hard)
                return 0;
        if (quota_check(dir, o->diskspace ? "--diskspace" : "--diskinodes", err) < 0)
                return -1;
        if (s->projid == 0)
                s->projid = next_projid(r);
        return 0;
}

static int apply_placement(const struct nook_home *h, const struct ct_edit *o, const char *ctid,
                           size_t index, struct ct_settings *s, struct nook_err *err)
{
        EXPAND(cpumask);
        EXPAND(nodemask);
        EXPAND(iolimit);
        EXPAND(iopslimit);
        EXPAND(ioprio);
        uint64_t v;

        if (o->cpumask && apply_mask("--cpumask", x_cpumask, oci_cpus_check, &s->cpumask, err) < 0)
                return -1;
        if (o->nodemask &&
            apply_mask("--nodemask", x_nodemask, oci_mems_check, &s->nodemask, err) < 0)
                return -1;
        if (o->ioprio) {
                if (parse_uint64(x_ioprio, &v) < 0 || v > 7)
                        return nook_err_set(err, 0, "--ioprio %s: expected 0 to 7 (4: the default)",
                                            x_ioprio);
                s->ioweight = ct_ioprio_weight((unsigned)v);
        }
        /* 0 lifts a limit. */
        if (o->iolimit && ct_parse_size("--iolimit", x_iolimit, &s->iolimit, err) < 0)
                return -1;
        if (o->iopslimit &&
            (parse_uint64(x_iopslimit, &s->iopslimit) < 0 || s->iopslimit > UINT32_MAX))
                return nook_err_set(err, 0,
                                    "--iopslimit %s: expected a number of operations a "
                                    "second (0: no limit)",
                                    x_iopslimit);
        if (o->iolimit || o->iopslimit) {
                _cleanup_free_ char *dir = xasprintf("%s/containers", h->dir);
                if (ct_io_device(dir, o->iolimit ? "--iolimit" : "--iopslimit", &s->io_major,
                                 &s->io_minor, err) < 0)
                        return -1;
        }
        return 0;
}

/* "auto" or "auto:SUBNET": the subnet, or NULL when x is an address. */
static const char *auto_subnet(const char *x)
{
        if (strcmp(x, "auto") == 0)
                return CT_DEFAULT_SUBNET;
        return strncmp(x, "auto:", 5) == 0 ? x + 5 : NULL;
}

static int apply_ips(const struct ct_edit *o, const char *ctid, size_t index, struct ct_settings *s,
                     struct registry *r, struct nook_err *err)
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
                const char *subnet = auto_subnet(x);

                if (subnet) {
                        if (registry_free_ip(r, subnet, s->routed, s->ips, &ip, err) < 0)
                                return nook_err_prefix(err, "--ipadd %s", x);
                } else if (ct_ip_normalize(x, s->routed, &ip, err) < 0) {
                        return nook_err_prefix(err, "--ipadd");
                }
                if (!s->routed && ct_ip_is_gateway(ip))
                        return nook_err_set(err, 0,
                                            "--ipadd %s: is its subnet's gateway, which nook "
                                            "puts on the bridge: give the container another "
                                            "address",
                                            x);
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
static int apply_devices(const struct ct_edit *o, struct ct_settings *s, struct nook_err *err)
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

static int apply_caps(const struct ct_edit *o, struct ct_settings *s, struct nook_err *err)
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

int ct_edit_apply(const struct nook_home *h, const struct ct_edit *o, const char *ctid,
                  size_t index, struct ct_settings *s, struct registry *r, struct nook_err *err)
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
        if (o->procfs) {
                if (strcmp(o->procfs, "lxcfs") && strcmp(o->procfs, "host") &&
                    strcmp(o->procfs, "auto"))
                        return nook_err_set(err, 0, "--procfs %s: expected lxcfs, host or auto",
                                            o->procfs);
                free(s->procfs);
                s->procfs = xstrdup(o->procfs);
        }
        if (o->sync) {
                if (strcmp(o->sync, "on") && strcmp(o->sync, "off"))
                        return nook_err_set(err, 0, "--sync %s: expected on or off", o->sync);
                s->sync_off = strcmp(o->sync, "off") == 0;
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
        if (apply_limits(o, ctid, index, s, err) < 0 ||
            apply_placement(h, o, ctid, index, s, err) < 0 ||
            (ct_edit_disk(o) && apply_disk(h, o, ctid, index, s, r, err) < 0) ||
            apply_ips(o, ctid, index, s, r, err) < 0 || apply_caps(o, s, err) < 0 ||
            apply_devices(o, s, err) < 0)
                return -1;
        return 0;
}

int ct_edit_new(const struct nook_home *h, const struct ct_edit *o, const char *ctid, size_t index,
                struct ct_settings *s, struct registry *r, struct nook_err *err)
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
        s->procfs = xstrdup("auto");
        if (ct_hostname_valid(ctid))
                s->hostname = xstrdup(ctid);
        s->cgroups_path =
            xasprintf("%s/%s", strcmp(h->cgroup_parent, "/") ? h->cgroup_parent : "", ctid);
        return ct_edit_apply(h, o, ctid, index, s, r, err);
}

int ct_create_prepare(const struct nook_home *h, struct registry *r, const struct ct_edit *o,
                      char *const *ids, struct nook_err *err)
{
        for (size_t i = 0; ids[i]; i++) {
                struct ct_settings s;
                const struct ct_entry *other = registry_name_user(r, ids[i], NULL);

                if (other && strcmp(other->ctid, ids[i]) == 0)
                        return nook_err_set(err, 0, "container %s already exists", ids[i]);
                if (other)
                        return nook_err_set(err, 0, "create %s: the name is taken by container %s",
                                            ids[i], other->ctid);
                if (ct_edit_new(h, o, ids[i], i + 1, &s, r, err) < 0 ||
                    registry_check_unique(r, ids[i], &s, err) < 0) {
                        ct_settings_free(&s);
                        return nook_err_prefix(err, "create %s", ids[i]);
                }
                registry_add(r, ids[i], &s);
        }
        return 0;
}
