#include "manager/ctconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/net.h"
#include "runtime/config.h"

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
        _cleanup_free_ char *full = NULL;
        cap_value_t v;

        if (strncasecmp(name, "CAP_", 4) != 0)
                name = full = xasprintf("CAP_%s", name);
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '_')
                        return -1;
        if (cap_from_name(name, &v) < 0 || v < 0 || v >= 64)
                return -1;
        return v;
}

static char *cap_name(int c)
{
        char *n = cap_to_name(c);
        char *r = xasprintf("%s", n);

        cap_free(n);
        for (char *p = r; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        return r;
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
        unsigned char bytes[16];
        char text[INET6_ADDRSTRLEN];
        int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
        uint64_t prefix, max = family == AF_INET ? 32 : 128;

        if (inet_pton(family, addr, bytes) != 1)
                return nook_err_set(err, 0, "invalid IP address %s", ip);
        if (slash == NULL)
                prefix = routed ? max : (family == AF_INET ? 24 : 64);
        else if (parse_uint64(slash + 1, &prefix) < 0 || prefix > max || prefix == 0)
                return nook_err_set(err, 0, "invalid IP address %s: bad prefix length", ip);
        inet_ntop(family, bytes, text, sizeof(text));
        _cleanup_free_ char *norm = xasprintf("%s/%" PRIu64, text, prefix);
        struct net_addr a;
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

/* The first host address of ip's subnet ("10.0.0.101/24" -> "10.0.0.1"); NULL when
 * that is ip itself or the subnet has none. */
static char *first_host(const char *ip)
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
        inet_ntop(family, b, text, sizeof(text));
        return strcmp(text, a) == 0 ? NULL : xstrdup(text);
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

static int read_annotations(json_val ann, struct ct_settings *s, struct nook_err *err)
{
        for (size_t i = 0; i < json_object_len(ann); i++) {
                const char *k = json_object_key(ann, i);
                _cleanup_free_ char *v = NULL;

                if (!str_has_prefix(k, "org.nook."))
                        continue;
                if (json_as_string(json_object_value(ann, i), k, &v, err) < 0)
                        return nook_err_prefix(err, "annotations");
                if (strcmp(k, CT_ANN_OSTEMPLATE) == 0)
                        s->ostemplate = TAKE_PTR(v);
                else if (strcmp(k, CT_ANN_NAME) == 0)
                        s->name = TAKE_PTR(v);
                else if (strcmp(k, CT_ANN_DESCRIPTION) == 0)
                        s->description = TAKE_PTR(v);
                else if (strcmp(k, CT_ANN_ONBOOT) == 0)
                        s->onboot = strcmp(v, "yes") == 0;
                else if (strcmp(k, CT_ANN_NAMESERVER) == 0)
                        s->nameservers = split_words(v);
                else if (strcmp(k, CT_ANN_SEARCHDOMAIN) == 0)
                        s->searchdomains = split_words(v);
                else if (strcmp(k, CT_ANN_NET) == 0 && read_net(v, s, err) < 0)
                        return -1;
        }
        return 0;
}

/* obj.a.b as a number; 0 when absent or negative (OCI's -1: no limit). */
static uint64_t get_u64(json_val obj, const char *a, const char *b)
{
        struct nook_err ignored;
        uint64_t u;

        if (json_as_uint64(json_get(json_get(obj, a), b), b, UINT64_MAX, &u, &ignored) < 0)
                return 0;
        return u;
}

static void read_resources(json_val res, struct ct_settings *s)
{
        uint64_t quota = get_u64(res, "cpu", "quota"), period = get_u64(res, "cpu", "period");

        s->ram = get_u64(res, "memory", "limit");
        s->swap = get_u64(res, "memory", "swap");
        s->swap = s->swap > s->ram ? s->swap - s->ram : 0;
        s->cpuunits = get_u64(res, "cpu", "shares");
        s->cpulimit = quota && period ? quota * 100 / period : 0;
        s->numproc = get_u64(res, "pids", "limit");
        s->devices = xcalloc(1, sizeof(char *));
        for (size_t i = 0; i < json_array_len(json_get(res, "devices")); i++) {
                json_val d = json_array_get(json_get(res, "devices"), i);
                _cleanup_free_ char *type = NULL, *access = NULL, *major = NULL, *minor = NULL;
                struct nook_err ignored;
                bool allow = false;
                int64_t v;

                if (json_as_bool(json_get(d, "allow"), "allow", &allow, &ignored) < 0 ||
                    json_as_string(json_get(d, "type"), "type", &type, &ignored) < 0)
                        continue;
                if (json_as_string(json_get(d, "access"), "access", &access, &ignored) < 0)
                        access = xstrdup("rwm");
                major = json_as_int64(json_get(d, "major"), "major", &v, &ignored) == 0
                            ? xasprintf("%" PRId64, v)
                            : xstrdup("*");
                minor = json_as_int64(json_get(d, "minor"), "minor", &v, &ignored) == 0
                            ? xasprintf("%" PRId64, v)
                            : xstrdup("*");
                char *e = xasprintf("%s:%s:%s:%s", type, major, minor, allow ? access : "none");
                strv_push(&s->devices, e);
                free(e);
        }
}

int ct_settings_from_config(json_val cfg, struct ct_settings *s, struct nook_err *err)
{
        json_val linux_ = json_get(cfg, "linux");
        json_val bounding =
            json_get(json_get(json_get(cfg, "process"), "capabilities"), "bounding");
        json_val v;

        *s = (struct ct_settings){0};
        if (json_expect_object(cfg, "config.json", err) < 0 ||
            read_annotations(json_get(cfg, "annotations"), s, err) < 0) {
                ct_settings_free(s);
                return -1;
        }
        if ((v = json_get(cfg, "hostname")) && json_as_string(v, "hostname", &s->hostname, err) < 0)
                return ct_settings_free(s), -1;
        if ((v = json_get(linux_, "cgroupsPath")) &&
            json_as_string(v, "linux.cgroupsPath", &s->cgroups_path, err) < 0)
                return ct_settings_free(s), -1;
        read_resources(json_get(linux_, "resources"), s);
        for (size_t i = 0; i < json_array_len(bounding); i++) {
                _cleanup_free_ char *name = NULL;
                struct nook_err ignored;
                int n;

                if (json_as_string(json_array_get(bounding, i), "bounding", &name, &ignored) == 0 &&
                    (n = ct_cap_from_name(name)) >= 0)
                        s->caps |= 1ULL << n;
        }
        return 0;
}

static void write_devices(struct json_writer *w, char **devices)
{
        json_w_key(w, "devices");
        json_w_array_open(w);
        for (char **d = devices; *d; d++) {
                _cleanup_free_ char *copy = xstrdup(*d);
                char *save = NULL;
                char *type = strtok_r(copy, ":", &save), *major = strtok_r(NULL, ":", &save);
                char *minor = strtok_r(NULL, ":", &save), *access = strtok_r(NULL, ":", &save);
                bool allow = strcmp(access, "none") != 0;
                int64_t v;

                json_w_object_open(w);
                json_w_kv_bool(w, "allow", allow);
                json_w_kv_string(w, "type", type);
                if (parse_int64(major, &v) == 0)
                        json_w_kv_int(w, "major", v);
                if (parse_int64(minor, &v) == 0)
                        json_w_kv_int(w, "minor", v);
                json_w_kv_string(w, "access", allow ? access : "rwm");
                json_w_object_close(w);
        }
        json_w_array_close(w);
}

static void write_resources(struct json_writer *w, const struct ct_settings *s)
{
        uint64_t quota = s->cpulimit ? s->cpulimit * CT_CPU_PERIOD / 100 : 0;

        json_w_object_open(w);
        if (s->ram) {
                json_w_key(w, "memory");
                json_w_object_open(w);
                json_w_key(w, "limit");
                json_w_uint(w, s->ram);
                json_w_key(w, "swap");
                json_w_uint(w, s->ram + s->swap);
                json_w_object_close(w);
        }
        if (quota || s->cpuunits) {
                json_w_key(w, "cpu");
                json_w_object_open(w);
                if (s->cpuunits) {
                        json_w_key(w, "shares");
                        json_w_uint(w, s->cpuunits);
                }
                if (quota) {
                        json_w_key(w, "quota");
                        json_w_uint(w, quota);
                        json_w_key(w, "period");
                        json_w_uint(w, CT_CPU_PERIOD);
                }
                json_w_object_close(w);
        }
        if (s->devices && s->devices[0])
                write_devices(w, s->devices);
        if (s->numproc) {
                json_w_key(w, "pids");
                json_w_object_open(w);
                json_w_key(w, "limit");
                json_w_uint(w, s->numproc);
                json_w_object_close(w);
        }
        json_w_object_close(w);
}

char *ct_resources_json(const struct ct_settings *s)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);
        size_t len;
        const char *text;

        write_resources(w, s);
        text = json_writer_text(w, &len);
        return xstrndup(text, len);
}

static void write_caps(struct json_writer *w, uint64_t caps)
{
        static const char *const sets[] = {"bounding", "effective", "permitted"};

        json_w_key(w, "capabilities");
        json_w_object_open(w);
        for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
                json_w_key(w, sets[k]);
                json_w_array_open(w);
                for (int c = 0; c < 64; c++) {
                        if (!(caps & (1ULL << c)))
                                continue;
                        _cleanup_free_ char *n = cap_name(c);
                        json_w_string(w, n);
                }
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

static char *const init_args[] = {"/sbin/init", NULL};
static char *const init_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=linux",
    "container=nook", NULL};

static void write_process(struct json_writer *w, json_val base, const struct ct_settings *s)
{
        static const char *const mine[] = {"terminal",        "args", "env", "capabilities",
                                           "noNewPrivileges", NULL};

        json_w_key(w, "process");
        json_w_object_open(w);
        json_w_members(w, base, mine);
        json_w_kv_bool(w, "terminal", false);
        json_w_kv_strv(w, "args", init_args);
        json_w_kv_strv(w, "env", init_env);
        write_caps(w, s->caps);
        /* Logins, su and passwd inside a VPS are setuid programs. */
        json_w_kv_bool(w, "noNewPrivileges", false);
        json_w_object_close(w);
}

static void write_mount(struct json_writer *w, const char *dest, const char *type,
                        char *const *options)
{
        json_w_object_open(w);
        json_w_kv_string(w, "destination", dest);
        json_w_kv_string(w, "type", type);
        json_w_kv_string(w, "source", type);
        json_w_kv_strv(w, "options", options);
        json_w_object_close(w);
}

static void write_mounts(struct json_writer *w, json_val base)
{
        static char *const run_opts[] = {"nosuid", "nodev", "mode=755", "size=65536k", NULL};
        static char *const lock_opts[] = {"nosuid",    "nodev",      "noexec",
                                          "mode=1777", "size=5120k", NULL};
        static char *const cg_opts[] = {"nosuid", "noexec", "nodev", "relatime", NULL};

        json_w_key(w, "mounts");
        json_w_array_open(w);
        for (size_t i = 0; i < json_array_len(base); i++) {
                json_val m = json_array_get(base, i);
                json_val d = json_get(m, "destination");
                _cleanup_free_ char *dest = NULL;
                struct nook_err ignored;

                if (json_as_string(d, "destination", &dest, &ignored) == 0 &&
                    (strcmp(dest, "/run") == 0 || strcmp(dest, "/run/lock") == 0 ||
                     strcmp(dest, "/sys/fs/cgroup") == 0))
                        continue;
                json_w_value(w, m);
        }
        write_mount(w, "/run", "tmpfs", run_opts);
        /* systemd (252) mounts /run/lock itself unless it is a mount point already, and
         * a guest without CAP_SYS_ADMIN cannot: "Failed to mount tmpfs at /run/lock",
         * "Exiting PID 1". */
        write_mount(w, "/run/lock", "tmpfs", lock_opts);
        /* Writable: a systemd guest manages its own subtree (cgroup namespace). */
        write_mount(w, "/sys/fs/cgroup", "cgroup", cg_opts);
        json_w_array_close(w);
}

static void write_ann(struct json_writer *w, const char *key, const char *v)
{
        if (v && v[0])
                json_w_kv_string(w, key, v);
}

static void write_annotations(struct json_writer *w, json_val base, const struct ct_settings *s)
{
        _cleanup_free_ char *net = net_annotation(s);
        _cleanup_free_ char *ns = join(s->nameservers, " ");
        _cleanup_free_ char *sd = join(s->searchdomains, " ");
        json_val old = json_get(base, "annotations");

        json_w_key(w, "annotations");
        json_w_object_open(w);
        for (size_t i = 0; i < json_object_len(old); i++) {
                const char *k = json_object_key(old, i);
                if (strcmp(k, CT_ANN_OSTEMPLATE) == 0 || strcmp(k, CT_ANN_NAME) == 0 ||
                    strcmp(k, CT_ANN_ONBOOT) == 0 || strcmp(k, CT_ANN_DESCRIPTION) == 0 ||
                    strcmp(k, CT_ANN_NAMESERVER) == 0 || strcmp(k, CT_ANN_SEARCHDOMAIN) == 0 ||
                    strcmp(k, CT_ANN_NET) == 0)
                        continue;
                json_w_key(w, k);
                json_w_value(w, json_object_value(old, i));
        }
        write_ann(w, CT_ANN_OSTEMPLATE, s->ostemplate);
        write_ann(w, CT_ANN_NAME, s->name);
        json_w_kv_string(w, CT_ANN_ONBOOT, s->onboot ? "yes" : "no");
        write_ann(w, CT_ANN_DESCRIPTION, s->description);
        write_ann(w, CT_ANN_NAMESERVER, ns);
        write_ann(w, CT_ANN_SEARCHDOMAIN, sd);
        write_ann(w, CT_ANN_NET, net);
        json_w_object_close(w);
}

static void write_linux(struct json_writer *w, json_val base, const struct ct_settings *s)
{
        static const char *const mine[] = {"resources", "cgroupsPath", NULL};

        json_w_key(w, "linux");
        json_w_object_open(w);
        json_w_members(w, json_get(base, "linux"), mine);
        json_w_key(w, "resources");
        write_resources(w, s);
        write_ann(w, "cgroupsPath", s->cgroups_path);
        json_w_object_close(w);
}

char *ct_config_json(json_val base, const char *ctid, const struct ct_settings *s)
{
        static const char *const mine[] = {"process", "hostname",    "root", "mounts",
                                           "linux",   "annotations", NULL};
        _cleanup_json_ json_val spec = NULL;
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(true);
        const char *text;
        size_t len;

        if (base == NULL) {
                _cleanup_free_ char *def = oci_config_default_json(init_args, false);
                struct nook_err err;
                /* nook's own template: failing to parse it is a broken build. */
                if (json_parse(def, &spec, &err) < 0)
                        abort();
                base = spec;
        }
        json_w_object_open(w);
        json_w_members(w, base, mine);
        write_process(w, json_get(base, "process"), s);
        json_w_kv_string(w, "hostname", s->hostname ? s->hostname : ctid);
        json_w_key(w, "root");
        json_w_object_open(w);
        json_w_kv_string(w, "path", "rootfs");
        json_w_kv_bool(w, "readonly", false);
        json_w_object_close(w);
        write_mounts(w, json_get(base, "mounts"));
        write_annotations(w, base, s);
        write_linux(w, base, s);
        json_w_object_close(w);
        text = json_writer_text(w, &len);
        return xstrndup(text, len);
}
