#include "manager/ctconf.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/net.h"
#include "oci/oci.h"

void ct_settings_free(struct ct_settings *s)
{
        free(s->name);
        free(s->ostemplate);
        free(s->hostname);
        free(s->description);
        strv_free(s->ips);
        free(s->bridge);
        free(s->routed_dev);
        strv_free(s->nameservers);
        strv_free(s->searchdomains);
        strv_free(s->devices);
        free(s->cgroups_path);
        free(s->cpumask);
        free(s->nodemask);
        free(s->procfs);
        *s = (struct ct_settings){0};
}

/* Docker's default set; then NET_ADMIN (interfaces, routes and firewall of the
 * container's own network namespace), SYS_BOOT (an init's reboot(2) in a child pid
 * namespace only ends that namespace), SYS_NICE and IPC_LOCK (databases, audio and
 * schedulers of ordinary daemons).  Not SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_PTRACE,
 * SYS_TIME, DAC_READ_SEARCH (open_by_handle_at): they reach past the namespaces. */
static const int default_caps[] = {
    CAP_CHOWN,    CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,    CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP,  CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,     CAP_AUDIT_WRITE,  CAP_NET_ADMIN,        CAP_SYS_BOOT,
    CAP_SYS_NICE, CAP_IPC_LOCK,
};

uint64_t ct_default_caps(void)
{
        uint64_t m = 0;

        for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
                m |= 1ULL << default_caps[i];
        return m;
}

int ct_cap_from_name(const char *name)
{
        _cleanup_free_ char *full = str_has_prefix(name, "CAP_") || str_has_prefix(name, "cap_")
                                        ? xstrdup(name)
                                        : xasprintf("CAP_%s", name);

        /* vzctl's lower-case names ("net_admin") beside the spec's; the list is oci/'s. */
        for (char *p = full; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        return oci_cap_from_name(full);
}

bool ct_hostname_valid(const char *s)
{
        size_t total = strlen(s), label = 0;

        if (total == 0 || total > 253)
                return false;
        for (const char *p = s;; p++) {
                if (*p == '.' || *p == '\0') {
                        if (label == 0 || label > 63 || p[-1] == '-')
                                return false;
                        if (*p == '\0')
                                return true;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char)*p) && !(*p == '-' && label > 0))
                        return false;
                label++;
        }
}

int ct_parse_size(const char *opt, const char *s, uint64_t *out, struct nook_err *err)
{
        static const char units[] = "KMGT";
        size_t n = strlen(s);
        unsigned shift = 0;
        uint64_t v;
        _cleanup_free_ char *num = NULL;
        const char *u;

        if (n > 0 && (u = strchr(units, toupper((unsigned char)s[n - 1]))) != NULL) {
                shift = 10 * (unsigned)(u - units + 1);
                n--;
        }
        num = xstrndup(s, n);
        if (parse_uint64(num, &v) < 0 || (shift && v > (UINT64_MAX >> shift)))
                return nook_err_set(err, 0, "%s %s: expected a size such as 512M or 2G", opt, s);
        *out = v << shift;
        return 0;
}

static bool dev_number(const char *s, uint64_t *out)
{
        if (strcmp(s, "*") == 0) {
                *out = UINT64_MAX;
                return true;
        }
        return parse_uint64(s, out) == 0 && *out <= 0xfffff;
}

int ct_device_normalize(const char *spec, char **out, struct nook_err *err)
{
        _cleanup_free_ char *copy = xstrdup(spec);
        char *f[4] = {NULL};
        char *save = NULL, *p = copy;
        uint64_t major, minor;
        size_t n = 0;

        for (char *t = strtok_r(p, ":", &save); t; t = strtok_r(NULL, ":", &save), n++)
                if (n < 4)
                        f[n] = t;
        if (n != 4 || (strcmp(f[0], "c") && strcmp(f[0], "b")) || !dev_number(f[1], &major) ||
            !dev_number(f[2], &minor) ||
            (strcmp(f[3], "none") && (f[3][0] == '\0' || strspn(f[3], "rwm") != strlen(f[3]))))
                return nook_err_set(err, 0,
                                    "--devices %s: expected c|b:MAJOR:MINOR:ACCESS (numbers or *, "
                                    "access of r, w, m or none)",
                                    spec);
        *out = xasprintf("%s:%s:%s:%s", f[0], f[1], f[2], f[3]);
        return 0;
}

int ct_ip_normalize(const char *ip, bool routed, char **out, struct nook_err *err)
{
        const char *slash = strchr(ip, '/');
        _cleanup_free_ char *addr = xstrndup(ip, slash ? (size_t)(slash - ip) : strlen(ip));
        char *plus = strchr(addr, '+');
        struct net_addr a = {0}, base;
        uint64_t prefix, max, k = 0;
        char text[64];

        /* ADDRESS+K: K addresses after ADDRESS, for fleets ("10.5.0.1+{N}/16"). */
        if (plus) {
                *plus = '\0';
                if (plus[1] < '0' || plus[1] > '9' || parse_uint64(plus + 1, &k) < 0)
                        return nook_err_set(err, 0,
                                            "invalid IP address %s: expected ADDRESS+NUMBER", ip);
        }
        a.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
        max = a.family == AF_INET ? 32 : 128;
        if (inet_pton(a.family, addr, a.bytes) != 1)
                return nook_err_set(err, 0, "invalid IP address %s", ip);
        if (slash == NULL)
                prefix = routed ? max : (a.family == AF_INET ? 24 : 64);
        else if (parse_uint64(slash + 1, &prefix) < 0 || prefix > max || prefix == 0)
                return nook_err_set(err, 0, "invalid IP address %s: bad prefix length", ip);
        a.prefix = (uint8_t)prefix;
        base = a;
        if (net_addr_add(&a, k) < 0 || !net_addr_in_subnet(&base, &a))
                return nook_err_set(err, 0,
                                    "invalid IP address %s: %s+%" PRIu64 " is beyond its subnet",
                                    ip, addr, k);
        _cleanup_free_ char *norm = xstrdup(net_addr_format(&a, true, text, sizeof(text)));
        if (net_addr_parse(norm, &a, err) < 0)
                return nook_err_prefix(err, "invalid IP address %s", ip);
        *out = TAKE_PTR(norm);
        return 0;
}

const char *ct_ip_addr(const char *ip, char buf[64])
{
        snprintf(buf, 64, "%.*s", (int)strcspn(ip, "/"), ip);
        return buf;
}

/* The first host address of ip's subnet, or NULL when it has none (/31, /32). */
static char *subnet_first_host(const char *ip)
{
        char a[64];
        unsigned char b[16];
        int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
        size_t len = family == AF_INET ? 4 : 16;
        unsigned prefix = (unsigned)atoi(strchr(ip, '/') + 1);
        char text[INET6_ADDRSTRLEN];

        if (prefix + 1 >= len * 8 || inet_pton(family, ct_ip_addr(ip, a), b) != 1)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                unsigned keep = prefix > i * 8 ? (prefix - i * 8 >= 8 ? 8 : prefix - i * 8) : 0;
                b[i] &= (unsigned char)(0xff00 >> keep);
        }
        b[len - 1] |= 1;
        return xstrdup(inet_ntop(family, b, text, sizeof(text)));
}

bool ct_ip_is_gateway(const char *ip)
{
        _cleanup_free_ char *first = subnet_first_host(ip);
        char a[64];

        return first && strcmp(first, ct_ip_addr(ip, a)) == 0;
}

/* The first host address of ip's subnet ("10.0.0.101/24" -> "10.0.0.1"), the gateway
 * nookctl gives it; NULL when that is ip itself or the subnet has none. */
static char *first_host(const char *ip)
{
        return ct_ip_is_gateway(ip) ? NULL : subnet_first_host(ip);
}

/* The value of org.nook.net.eth0, NULL when the container has no address. */
static char *net_annotation(const struct ct_settings *s)
{
        _cleanup_free_ char *v = NULL;
        bool gw4 = false, gw6 = false;

        if (s->ips == NULL || s->ips[0] == NULL)
                return NULL;
        if (s->routed)
                v = s->routed_dev ? xasprintf("mode=routed,dev=%s", s->routed_dev)
                                  : xstrdup("mode=routed");
        else
                v = xasprintf("bridge=%s", s->bridge ? s->bridge : CT_DEFAULT_BRIDGE);
        for (char **ip = s->ips; *ip; ip++) {
                char *n = xasprintf("%s,ip=%s", v, *ip);
                free(v);
                v = n;
        }
        /* Bridge mode: the default route goes through the first host address of the
         * first subnet of each family, which nook puts on the bridge. */
        for (char **ip = s->ips; *ip && !s->routed; ip++) {
                bool *done = strchr(*ip, ':') ? &gw6 : &gw4;
                _cleanup_free_ char *gw = NULL;
                if (*done || (gw = first_host(*ip)) == NULL)
                        continue;
                char *n = xasprintf("%s,gw=%s", v, gw);
                free(v);
                v = n;
                *done = true;
        }
        return TAKE_PTR(v);
}

static char *join(char **v, const char *sep)
{
        char *r = xstrdup("");

        for (size_t i = 0; v && v[i]; i++) {
                char *n = xasprintf("%s%s%s", r, i ? sep : "", v[i]);
                free(r);
                r = n;
        }
        return r;
}

static char **split_words(const char *s)
{
        _cleanup_free_ char *copy = xstrdup(s);
        char **v = xcalloc(1, sizeof(char *));
        char *save = NULL;

        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                strv_push(&v, w);
        return v;
}

static int read_net(const char *value, struct ct_settings *s, struct nook_err *err)
{
        struct oci_kv kv = {(char *)CT_ANN_NET, (char *)value};
        __attribute__((cleanup(net_config_freep))) struct net_config *cfg = NULL;
        struct net_iface *ifc;

        if (net_config_parse(&kv, 1, "ct", &cfg, err) < 0)
                return -1;
        if (cfg == NULL || cfg->n_ifaces == 0)
                return 0;
        ifc = &cfg->ifaces[0];
        s->routed = ifc->mode == NET_MODE_ROUTED;
        if (s->routed && ifc->dev[0])
                s->routed_dev = xstrdup(ifc->dev);
        if (!s->routed)
                s->bridge = xstrdup(ifc->bridge);
        s->ips = xcalloc(1, sizeof(char *));
        for (size_t i = 0; i < ifc->n_addrs; i++) {
                char text[INET6_ADDRSTRLEN];
                inet_ntop(ifc->addrs[i].family, ifc->addrs[i].bytes, text, sizeof(text));
                char *ip = xasprintf("%s/%u", text, ifc->addrs[i].prefix);
                strv_push(&s->ips, ip);
                free(ip);
        }
        return 0;
}

/* "SOFT:HARD" (what nookctl writes; anything else reads as no limit). */
static void read_pair(const char *v, uint64_t *soft, uint64_t *hard)
{
        _cleanup_free_ char *a = xstrndup(v, strcspn(v, ":"));
        const char *b = strchr(v, ':');

        if (b == NULL || parse_uint64(a, soft) < 0 || parse_uint64(b + 1, hard) < 0)
                *soft = *hard = 0;
}

static void read_projid(const char *v, uint32_t *out)
{
        uint64_t id;

        *out = parse_uint64(v, &id) == 0 && id <= UINT32_MAX ? (uint32_t)id : 0;
}

static int read_annotations(const struct oci_config *c, struct ct_settings *s, struct nook_err *err)
{
        for (size_t i = 0; i < c->n_annotations; i++) {
                const char *k = c->annotations[i].key, *v = c->annotations[i].value;

                if (strcmp(k, CT_ANN_OSTEMPLATE) == 0)
                        s->ostemplate = xstrdup(v);
                else if (strcmp(k, CT_ANN_NAME) == 0)
                        s->name = xstrdup(v);
                else if (strcmp(k, CT_ANN_DESCRIPTION) == 0)
                        s->description = xstrdup(v);
                else if (strcmp(k, CT_ANN_ONBOOT) == 0)
                        s->onboot = strcmp(v, "yes") == 0;
                else if (strcmp(k, CT_ANN_NAMESERVER) == 0)
                        s->nameservers = split_words(v);
                else if (strcmp(k, CT_ANN_SEARCHDOMAIN) == 0)
                        s->searchdomains = split_words(v);
                else if (strcmp(k, CT_ANN_NET) == 0 && read_net(v, s, err) < 0)
                        return -1;
                else if (strcmp(k, CT_ANN_DISKSPACE) == 0)
                        read_pair(v, &s->disk.space_soft, &s->disk.space_hard);
                else if (strcmp(k, CT_ANN_DISKINODES) == 0)
                        read_pair(v, &s->disk.inodes_soft, &s->disk.inodes_hard);
                else if (strcmp(k, CT_ANN_PROJID) == 0)
                        read_projid(v, &s->projid);
                else if (strcmp(k, CT_ANN_PROCFS) == 0)
                        s->procfs = xstrdup(v);
        }
        return 0;
}

/* An OCI number as a setting: 0 when absent or negative (OCI's -1: no limit). */
static uint64_t opt_u64(struct oci_opt o)
{
        return o.set && o.v > 0 ? (uint64_t)o.v : 0;
}

/* "c:MAJOR|*:MINOR|*:ACCESS|none", nookctl's form of a device rule. */
static char *device_text(const struct oci_device_rule *d)
{
        char major[24] = "*", minor[24] = "*", access[4];

        if (d->major != OCI_DEV_ANY)
                snprintf(major, sizeof(major), "%" PRId64, d->major);
        if (d->minor != OCI_DEV_ANY)
                snprintf(minor, sizeof(minor), "%" PRId64, d->minor);
        return xasprintf("%c:%s:%s:%s", d->type, major, minor,
                         d->allow ? oci_device_access_text(d->access, access) : "none");
}

uint64_t ct_ioprio_weight(unsigned prio)
{
        return prio >= 4 ? 100u << (prio - 4) : 100u >> (4 - prio);
}

int ct_ioprio_of(uint64_t weight)
{
        for (unsigned p = 0; p <= 7; p++)
                if (ct_ioprio_weight(p) == weight)
                        return (int)p;
        return -1;
}

/* nookctl writes the same limit for reading and writing, on one disk: the read entries
 * say all. */
static void read_io(const struct oci_resources *r, struct ct_settings *s)
{
        const struct oci_throttle_device *bps = r->block_io.throttle[OCI_THROTTLE_READ_BPS];
        const struct oci_throttle_device *iops = r->block_io.throttle[OCI_THROTTLE_READ_IOPS];
        const char *weight = oci_resources_unified(r, "io.weight");

        if (r->block_io.n_throttle[OCI_THROTTLE_READ_BPS]) {
                s->iolimit = bps->rate;
                s->io_major = bps->major;
                s->io_minor = bps->minor;
        }
        if (r->block_io.n_throttle[OCI_THROTTLE_READ_IOPS]) {
                s->iopslimit = iops->rate;
                s->io_major = iops->major;
                s->io_minor = iops->minor;
        }
        if (weight && strncmp(weight, "default ", 8) == 0)
                (void)parse_uint64(weight + 8, &s->ioweight);
}

static void read_resources(const struct oci_resources *r, struct ct_settings *s)
{
        uint64_t quota = opt_u64(r->cpu.quota), period = opt_u64(r->cpu.period);

        s->ram = opt_u64(r->memory.limit);
        s->swap = opt_u64(r->memory.swap);
        s->swap = s->swap > s->ram ? s->swap - s->ram : 0;
        s->cpuunits = opt_u64(r->cpu.shares);
        s->cpulimit = quota && period ? quota * 100 / period : 0;
        s->numproc = opt_u64(r->pids_limit);
        s->cpumask = r->cpu.cpus ? xstrdup(r->cpu.cpus) : NULL;
        s->nodemask = r->cpu.mems ? xstrdup(r->cpu.mems) : NULL;
        read_io(r, s);
        for (size_t i = 0; i < r->n_devices; i++) {
                _cleanup_free_ char *e = device_text(&r->devices[i]);
                strv_push(&s->devices, e);
        }
}

/* The rule of --sync off: sync alone, no arguments, SCMP_ACT_ERRNO with errnoRet 0 (the
 * call returns 0).  Its presence is the setting: nothing else records it. */
static bool is_sync_off_rule(const struct oci_seccomp_syscall *sc)
{
        return sc->action == SECCOMP_RET_ERRNO && sc->n_args == 0 && sc->names[0] &&
               strcmp(sc->names[0], "sync") == 0 && sc->names[1] == NULL;
}

static bool read_sync_off(const struct oci_seccomp *p)
{
        for (size_t i = 0; p && i < p->n_syscalls; i++)
                if (is_sync_off_rule(&p->syscalls[i]))
                        return true;
        return false;
}

/* Takes sync out of every rule of p; a rule left with no name goes. */
static void seccomp_drop_sync(struct oci_seccomp *p)
{
        size_t kept = 0;

        for (size_t i = 0; i < p->n_syscalls; i++) {
                struct oci_seccomp_syscall *sc = &p->syscalls[i];
                size_t n = 0;

                for (size_t j = 0; sc->names[j]; j++) {
                        if (strcmp(sc->names[j], "sync") == 0)
                                free(sc->names[j]);
                        else
                                sc->names[n++] = sc->names[j];
                }
                sc->names[n] = NULL;
                if (n == 0) {
                        strv_free(sc->names);
                        free(sc->args);
                        continue;
                }
                p->syscalls[kept++] = *sc;
        }
        p->n_syscalls = kept;
}

static void seccomp_add_sync(struct oci_seccomp *p, uint32_t action)
{
        struct oci_seccomp_syscall *sc;

        p->syscalls = xrealloc(p->syscalls, (p->n_syscalls + 1) * sizeof(*p->syscalls));
        sc = &p->syscalls[p->n_syscalls++];
        *sc = (struct oci_seccomp_syscall){.names = xcalloc(2, sizeof(char *)), .action = action};
        sc->names[0] = xstrdup("sync");
}

/* sync(2) flushes every filesystem of the host, walking all its superblocks: a fleet of
 * guests shutting down (busybox's init calls it twice) costs N x N, and one guest calling
 * it in a loop weighs on every other.  --sync off makes it return at once, as
 * Virtuozzo's fs.fsync-enable 0 does; fsync, fdatasync and syncfs are untouched, and the
 * kernel writes the private layer out when the container's root is unmounted at stop.
 * The profile changes only when the setting does. */
static void apply_sync(struct oci_config *c, bool off)
{
        struct oci_seccomp *p = c->linux_.seccomp;

        if (read_sync_off(p) == off)
                return;
        if (p == NULL) {
                p = c->linux_.seccomp = xcalloc(1, sizeof(*p));
                p->default_action = SECCOMP_RET_ALLOW;
        }
        seccomp_drop_sync(p);
        if (off)
                seccomp_add_sync(p, SECCOMP_RET_ERRNO);
        else if (p->default_action != SECCOMP_RET_ALLOW)
                seccomp_add_sync(p, SECCOMP_RET_ALLOW);
}

int ct_settings_from_config(const struct oci_config *c, struct ct_settings *s, struct nook_err *err)
{
        *s = (struct ct_settings){0};
        if (read_annotations(c, s, err) < 0) {
                ct_settings_free(s);
                return -1;
        }
        if (c->hostname)
                s->hostname = xstrdup(c->hostname);
        if (c->linux_.cgroups_path)
                s->cgroups_path = xstrdup(c->linux_.cgroups_path);
        s->devices = xcalloc(1, sizeof(char *));
        if (c->linux_.resources)
                read_resources(c->linux_.resources, s);
        if (c->process && c->process->has_caps)
                s->caps = c->process->caps.bounding;
        s->sync_off = read_sync_off(c->linux_.seccomp);
        return 0;
}

static int device_rule(const char *text, struct oci_device_rule *out)
{
        _cleanup_free_ char *copy = xstrdup(text);
        char *save = NULL;
        char *type = strtok_r(copy, ":", &save), *major = strtok_r(NULL, ":", &save);
        char *minor = strtok_r(NULL, ":", &save), *access = strtok_r(NULL, ":", &save);
        int64_t v;

        if (type == NULL || major == NULL || minor == NULL || access == NULL)
                return -1;
        *out = (struct oci_device_rule){.allow = strcmp(access, "none") != 0,
                                        .type = type[0],
                                        .major = parse_int64(major, &v) == 0 ? v : OCI_DEV_ANY,
                                        .minor = OCI_DEV_ANY,
                                        .access = OCI_DEV_ALL};
        if (parse_int64(minor, &v) == 0)
                out->minor = v;
        return out->allow ? oci_device_access_parse(access, &out->access) : 0;
}

struct oci_resources *ct_resources(const struct ct_settings *s)
{
        struct oci_resources *r = oci_resources_new();

        if (s->ram) {
                r->memory.limit = (struct oci_opt){true, (int64_t)s->ram};
                r->memory.swap = (struct oci_opt){true, (int64_t)(s->ram + s->swap)};
        }
        if (s->cpuunits)
                r->cpu.shares = (struct oci_opt){true, (int64_t)s->cpuunits};
        if (s->cpulimit) {
                r->cpu.quota = (struct oci_opt){true, (int64_t)(s->cpulimit * CT_CPU_PERIOD / 100)};
                r->cpu.period = (struct oci_opt){true, CT_CPU_PERIOD};
        }
        if (s->numproc)
                r->pids_limit = (struct oci_opt){true, (int64_t)s->numproc};
        r->cpu.cpus = s->cpumask ? xstrdup(s->cpumask) : NULL;
        r->cpu.mems = s->nodemask ? xstrdup(s->nodemask) : NULL;
        if (s->iolimit)
                for (int k = OCI_THROTTLE_READ_BPS; k <= OCI_THROTTLE_WRITE_BPS; k++)
                        oci_resources_add_throttle(r, k, s->io_major, s->io_minor, s->iolimit);
        if (s->iopslimit)
                for (int k = OCI_THROTTLE_READ_IOPS; k <= OCI_THROTTLE_WRITE_IOPS; k++)
                        oci_resources_add_throttle(r, k, s->io_major, s->io_minor, s->iopslimit);
        if (s->ioweight) {
                _cleanup_free_ char *w = xasprintf("default %" PRIu64, s->ioweight);
                oci_resources_set_unified(r, "io.weight", w);
        }
        for (char **d = s->devices; d && *d; d++) {
                struct oci_device_rule rule;
                if (device_rule(*d, &rule) == 0)
                        oci_resources_add_device(r, &rule);
        }
        return r;
}

static char *const init_args[] = {"/sbin/init", NULL};
static char *const init_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=linux",
    "container=nook", NULL};

static void apply_process(struct oci_config *c, const struct ct_settings *s)
{
        struct oci_process *p = c->process;

        if (p == NULL) {
                p = c->process = xcalloc(1, sizeof(*p));
                p->cwd = xstrdup("/");
        }
        p->terminal = false;
        strv_free(p->args);
        p->args = strv_dup(init_args);
        strv_free(p->env);
        p->env = strv_dup(init_env);
        p->has_caps = true;
        p->caps =
            (struct oci_caps){.bounding = s->caps, .effective = s->caps, .permitted = s->caps};
        /* Logins, su and passwd inside a VPS are setuid programs. */
        p->no_new_privileges = false;
}

/* Options of nook's own: they parse. */
static void add_mount(struct oci_config *c, const char *dest, const char *type,
                      char *const *options)
{
        (void)oci_config_add_mount(c, dest, type, NULL, options, NULL);
}

static void apply_mounts(struct oci_config *c)
{
        static char *const run_opts[] = {"nosuid", "nodev", "mode=755", "size=65536k", NULL};
        static char *const lock_opts[] = {"nosuid",    "nodev",      "noexec",
                                          "mode=1777", "size=5120k", NULL};
        static char *const cg_opts[] = {"nosuid", "noexec", "nodev", "relatime", NULL};
        size_t kept = 0;

        for (size_t i = 0; i < c->n_mounts; i++) {
                const char *dest = c->mounts[i].destination;

                if (strcmp(dest, "/run") == 0 || strcmp(dest, "/run/lock") == 0 ||
                    strcmp(dest, "/sys/fs/cgroup") == 0)
                        oci_mount_free(&c->mounts[i]);
                else
                        c->mounts[kept++] = c->mounts[i];
        }
        c->n_mounts = kept;
        add_mount(c, "/run", "tmpfs", run_opts);
        /* systemd (252) mounts /run/lock itself unless it is a mount point already, and
         * a guest without CAP_SYS_ADMIN cannot: "Failed to mount tmpfs at /run/lock",
         * "Exiting PID 1". */
        add_mount(c, "/run/lock", "tmpfs", lock_opts);
        /* Writable: a systemd guest manages its own subtree (cgroup namespace). */
        add_mount(c, "/sys/fs/cgroup", "cgroup", cg_opts);
}

static void set_ann(struct oci_config *c, const char *key, const char *v)
{
        oci_annotation_set(c, key, v && v[0] ? v : NULL);
}

static void apply_annotations(struct oci_config *c, const struct ct_settings *s)
{
        static const char *const mine[] = {
            CT_ANN_OSTEMPLATE, CT_ANN_NAME,         CT_ANN_ONBOOT, CT_ANN_DESCRIPTION,
            CT_ANN_NAMESERVER, CT_ANN_SEARCHDOMAIN, CT_ANN_NET,    CT_ANN_DISKSPACE,
            CT_ANN_DISKINODES, CT_ANN_PROJID,       CT_ANN_PROCFS};
        _cleanup_free_ char *net = net_annotation(s);
        _cleanup_free_ char *ns = join(s->nameservers, " ");
        _cleanup_free_ char *sd = join(s->searchdomains, " ");
        _cleanup_free_ char *space =
            s->disk.space_hard
                ? xasprintf("%" PRIu64 ":%" PRIu64, s->disk.space_soft, s->disk.space_hard)
                : NULL;
        _cleanup_free_ char *inodes =
            s->disk.inodes_hard
                ? xasprintf("%" PRIu64 ":%" PRIu64, s->disk.inodes_soft, s->disk.inodes_hard)
                : NULL;
        _cleanup_free_ char *projid = s->projid ? xasprintf("%" PRIu32, s->projid) : NULL;

        for (size_t i = 0; i < ARRAY_SIZE(mine); i++)
                oci_annotation_set(c, mine[i], NULL);
        set_ann(c, CT_ANN_OSTEMPLATE, s->ostemplate);
        set_ann(c, CT_ANN_NAME, s->name);
        set_ann(c, CT_ANN_ONBOOT, s->onboot ? "yes" : "no");
        set_ann(c, CT_ANN_DESCRIPTION, s->description);
        set_ann(c, CT_ANN_NAMESERVER, ns);
        set_ann(c, CT_ANN_SEARCHDOMAIN, sd);
        set_ann(c, CT_ANN_NET, net);
        set_ann(c, CT_ANN_DISKSPACE, space);
        set_ann(c, CT_ANN_DISKINODES, inodes);
        set_ann(c, CT_ANN_PROJID, projid);
        set_ann(c, CT_ANN_PROCFS, s->procfs);
}

void ct_config_apply(struct oci_config *c, const char *ctid, const struct ct_settings *s)
{
        apply_process(c, s);
        free(c->hostname);
        c->hostname = xstrdup(s->hostname ? s->hostname : ctid);
        free(c->root.path);
        c->root.path = xstrdup("rootfs");
        c->root.readonly = false;
        apply_mounts(c);
        apply_annotations(c, s);
        c->has_linux = true;
        apply_sync(c, s->sync_off);
        oci_resources_free(c->linux_.resources);
        c->linux_.resources = ct_resources(s);
        free(c->linux_.cgroups_path);
        c->linux_.cgroups_path =
            s->cgroups_path && s->cgroups_path[0] ? xstrdup(s->cgroups_path) : NULL;
}

struct oci_config *ct_config_new(const char *ctid, const struct ct_settings *s)
{
        struct oci_config *c = oci_config_default(init_args, false);

        ct_config_apply(c, ctid, s);
        return c;
}

void ct_settings_copy(struct ct_settings *dst, const struct ct_settings *src)
{
        *dst = *src;
        dst->name = src->name ? xstrdup(src->name) : NULL;
        dst->ostemplate = src->ostemplate ? xstrdup(src->ostemplate) : NULL;
        dst->hostname = src->hostname ? xstrdup(src->hostname) : NULL;
        dst->description = src->description ? xstrdup(src->description) : NULL;
        dst->ips = src->ips ? strv_dup(src->ips) : NULL;
        dst->bridge = src->bridge ? xstrdup(src->bridge) : NULL;
        dst->routed_dev = src->routed_dev ? xstrdup(src->routed_dev) : NULL;
        dst->nameservers = src->nameservers ? strv_dup(src->nameservers) : NULL;
        dst->searchdomains = src->searchdomains ? strv_dup(src->searchdomains) : NULL;
        dst->devices = src->devices ? strv_dup(src->devices) : NULL;
        dst->cgroups_path = src->cgroups_path ? xstrdup(src->cgroups_path) : NULL;
        dst->cpumask = src->cpumask ? xstrdup(src->cpumask) : NULL;
        dst->nodemask = src->nodemask ? xstrdup(src->nodemask) : NULL;
        dst->procfs = src->procfs ? xstrdup(src->procfs) : NULL;
}

/* Far above any config nookctl writes; guards against a runaway file. */
#define CONFIG_MAX_SIZE (16u << 20)

int ct_config_read(const char *path, struct oci_config **config, struct ct_settings *s,
                   struct nook_err *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_config_ struct oci_config *c = NULL;

        if (read_file(path, &text, NULL, CONFIG_MAX_SIZE, err) < 0 ||
            oci_config_parse(text, &c, err) < 0 || ct_settings_from_config(c, s, err) < 0)
                return -1;
        if (config)
                *config = TAKE_PTR(c);
        return 0;
}
