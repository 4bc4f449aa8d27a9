/* linux.resources: parsed into struct oci_resources and validated, so that a limit the
 * kernel would refuse (or silently misread) fails `create` with the JSON path of the
 * culprit before a cgroup exists.  Deprecated or cgroup v1 only fields are ignored
 * (memory.kernel, memory.kernelTCP, memory.swappiness, blockIO.leafWeight, network,
 * rdma); those nook cannot honour on cgroup v2 are refused (memory.disableOOMKiller,
 * cpu.realtimeRuntime/realtimePeriod). */
#include "runtime/resources.h"

#include "runtime/config_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* The kernel's limits of cpu.max (microseconds). */
#define CPU_PERIOD_MIN   1000
#define CPU_PERIOD_MAX   1000000
#define CPU_QUOTA_MIN    1000
#define DEFAULT_PERIOD   100000
#define MEMORY_LIMIT_MIN 4096

static const char *const known_controllers[] = {"cpu",     "cpuset", "io",   "memory",
                                                "hugetlb", "pids",   "rdma", "misc"};

/* obj.key when present and not null. */
static json_val field(json_val obj, const char *key)
{
        json_val v = json_get(obj, key);

        return json_is_null(v) ? NULL : v;
}

/* An integer in [min, max]; 1 when present, 0 when absent. */
static int opt_range(json_val obj, const char *path, const char *key, int64_t min, int64_t max,
                     struct oci_opt *out, struct nook_err *err)
{
        json_val v = field(obj, key);
        _cleanup_free_ char *fpath = NULL;
        int64_t n;

        if (v == NULL)
                return 0;
        fpath = xasprintf("%s.%s", path, key);
        if (json_as_int64(v, fpath, &n, err) < 0)
                return -1;
        if (n < min || n > max)
                return config_field_error(err, path, key, "%lld is out of range (%lld to %lld)",
                                          (long long)n, (long long)min, (long long)max);
        *out = (struct oci_opt){true, n};
        return 1;
}

static int opt_str(json_val obj, const char *path, const char *key, char **out,
                   struct nook_err *err)
{
        json_val v = field(obj, key);
        _cleanup_free_ char *fpath = NULL;

        if (v == NULL)
                return 0;
        fpath = xasprintf("%s.%s", path, key);
        return json_as_string(v, fpath, out, err) < 0 ? -1 : 1;
}

/* Calls fn on each element of the array obj.key, with the element's path. */
static int each(json_val obj, const char *path, const char *key,
                int (*fn)(json_val v, const char *path, size_t i, void *ctx, struct nook_err *err),
                void *ctx, struct nook_err *err)
{
        json_val arr = field(obj, key);
        _cleanup_free_ char *fpath = NULL;

        if (arr == NULL)
                return 0;
        fpath = xasprintf("%s.%s", path, key);
        if (json_expect_array(arr, fpath, err) < 0)
                return -1;
        for (size_t i = 0; i < json_array_len(arr); i++) {
                _cleanup_free_ char *epath = xasprintf("%s[%zu]", fpath, i);
                json_val e = json_array_get(arr, i);

                if (json_expect_object(e, epath, err) < 0 || fn(e, epath, i, ctx, err) < 0)
                        return -1;
        }
        return 0;
}

static size_t array_len(json_val obj, const char *key)
{
        json_val arr = field(obj, key);

        return json_is_array(arr) ? json_array_len(arr) : 0;
}

static int require(json_val obj, const char *path, const char *key, struct nook_err *err)
{
        return field(obj, key) ? 0
                               : config_field_error(err, path, key, "required property is missing");
}

/* ---- memory ---- */

static int parse_memory(json_val o, const char *path, struct oci_resources *r, struct nook_err *err)
{
        struct oci_opt oom = {0};
        json_val v;

        if (opt_range(o, path, "limit", -1, INT64_MAX, &r->memory.limit, err) < 0 ||
            opt_range(o, path, "reservation", -1, INT64_MAX, &r->memory.reservation, err) < 0 ||
            opt_range(o, path, "swap", -1, INT64_MAX, &r->memory.swap, err) < 0)
                return -1;
        if (r->memory.limit.set && r->memory.limit.v >= 0 && r->memory.limit.v < MEMORY_LIMIT_MIN)
                return config_field_error(err, path, "limit",
                                          "%lld bytes is too small (at least %d)",
                                          (long long)r->memory.limit.v, MEMORY_LIMIT_MIN);
        /* OCI swap is memory plus swap; 0 means "not set", as runc reads it. */
        if (r->memory.swap.set && r->memory.swap.v == 0)
                r->memory.swap.set = false;
        if (r->memory.swap.set && r->memory.swap.v != -1) {
                if (!r->memory.limit.set || r->memory.limit.v == -1)
                        return config_field_error(
                            err, path, "swap",
                            "needs a memory.limit (swap is the total of memory and swap)");
                if (r->memory.swap.v < r->memory.limit.v)
                        return config_field_error(
                            err, path, "swap",
                            "%lld is less than memory.limit %lld (swap is the total of "
                            "memory and swap)",
                            (long long)r->memory.swap.v, (long long)r->memory.limit.v);
        }
        v = field(o, "disableOOMKiller");
        if (v) {
                _cleanup_free_ char *fpath = xasprintf("%s.disableOOMKiller", path);
                bool b;

                if (json_as_bool(v, fpath, &b, err) < 0)
                        return -1;
                oom.set = b;
        }
        if (oom.set)
                return config_field_error(
                    err, path, "disableOOMKiller",
                    "not supported with cgroup v2 (the OOM killer cannot be disabled "
                    "for a cgroup)");
        return 0;
}

/* ---- cpu ---- */

/* "0-3,7": numbers and ranges, each at most max. */
int oci_cpu_list_check(const char *list, unsigned max, const char *path, struct nook_err *err)
{
        const char *p = list;

        if (list[0] == '\0')
                return nook_err_set(err, 0, "%s: empty list", path);
        while (*p) {
                char *end;
                unsigned long a, b;

                if (*p < '0' || *p > '9')
                        return nook_err_set(err, 0, "%s: '%s' is not a list like 0-3,7", path,
                                            list);
                a = b = strtoul(p, &end, 10);
                if (*end == '-') {
                        if (end[1] < '0' || end[1] > '9')
                                return nook_err_set(err, 0, "%s: '%s' is not a list like 0-3,7",
                                                    path, list);
                        b = strtoul(end + 1, &end, 10);
                }
                if (b < a)
                        return nook_err_set(err, 0, "%s: range %lu-%lu is reversed", path, a, b);
                if (b > max)
                        return nook_err_set(err, 0, "%s: %lu is beyond this host's highest (%u)",
                                            path, b, max);
                if (*end == ',' && end[1] != '\0')
                        end++;
                else if (*end != '\0')
                        return nook_err_set(err, 0, "%s: '%s' is not a list like 0-3,7", path,
                                            list);
                p = end;
        }
        return 0;
}

/* The highest number in a sysfs list file such as /sys/devices/system/cpu/possible. */
static unsigned highest_in(const char *file, unsigned fallback)
{
        _cleanup_free_ char *text = NULL;
        struct nook_err ignored;
        const char *last;

        if (read_file(file, &text, NULL, 4096, &ignored) < 0)
                return fallback;
        last = text + strcspn(text, "\n");
        while (last > text && last[-1] >= '0' && last[-1] <= '9')
                last--;
        return (unsigned)strtoul(last, NULL, 10);
}

static int opt_list(json_val o, const char *path, const char *key, const char *sysfs,
                    unsigned fallback, char **out, struct nook_err *err)
{
        _cleanup_free_ char *fpath = xasprintf("%s.%s", path, key);
        int r = opt_str(o, path, key, out, err);

        if (r <= 0)
                return r;
        return oci_cpu_list_check(*out, highest_in(sysfs, fallback), fpath, err);
}

static int parse_cpu(json_val o, const char *path, struct oci_resources *r, struct nook_err *err)
{
        static const char *const realtime[] = {"realtimeRuntime", "realtimePeriod"};
        long ncpu = sysconf(_SC_NPROCESSORS_CONF);

        if (opt_range(o, path, "shares", 0, 262144, &r->cpu.shares, err) < 0 ||
            opt_range(o, path, "quota", -1, INT64_MAX, &r->cpu.quota, err) < 0 ||
            opt_range(o, path, "period", 0, CPU_PERIOD_MAX, &r->cpu.period, err) < 0 ||
            opt_range(o, path, "burst", 0, INT64_MAX, &r->cpu.burst, err) < 0 ||
            opt_range(o, path, "idle", 0, 1, &r->cpu.idle, err) < 0 ||
            opt_list(o, path, "cpus", "/sys/devices/system/cpu/possible",
                     ncpu > 0 ? (unsigned)ncpu - 1 : 0, &r->cpu.cpus, err) < 0 ||
            opt_list(o, path, "mems", "/sys/devices/system/node/possible", 0, &r->cpu.mems, err) <
                0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(realtime); i++) {
                struct oci_opt rt = {0};

                if (opt_range(o, path, realtime[i], INT64_MIN, INT64_MAX, &rt, err) < 0)
                        return -1;
                if (rt.set && rt.v != 0)
                        return config_field_error(
                            err, path, realtime[i],
                            "not supported with cgroup v2 (no realtime group scheduling)");
        }
        /* 0 means "not set" for shares and quota, as runc and crun read them. */
        r->cpu.shares.set = r->cpu.shares.set && r->cpu.shares.v != 0;
        r->cpu.quota.set = r->cpu.quota.set && r->cpu.quota.v != 0;
        if (r->cpu.shares.set && r->cpu.shares.v < 2)
                return config_field_error(err, path, "shares", "%lld is out of range (2 to 262144)",
                                          (long long)r->cpu.shares.v);
        if (r->cpu.quota.set && r->cpu.quota.v != -1 && r->cpu.quota.v < CPU_QUOTA_MIN)
                return config_field_error(err, path, "quota",
                                          "%lld is too small (at least %d microseconds)",
                                          (long long)r->cpu.quota.v, CPU_QUOTA_MIN);
        if (r->cpu.period.set && r->cpu.period.v < CPU_PERIOD_MIN)
                return config_field_error(
                    err, path, "period", "%lld is out of range (%d to %d microseconds)",
                    (long long)r->cpu.period.v, CPU_PERIOD_MIN, CPU_PERIOD_MAX);
        if (r->cpu.period.set && !r->cpu.quota.set)
                return config_field_error(err, path, "period",
                                          "needs a cpu.quota (a period alone limits nothing)");
        if (r->cpu.quota.set && !r->cpu.period.set)
                r->cpu.period = (struct oci_opt){true, DEFAULT_PERIOD};
        return 0;
}

/* ---- blockIO ---- */

static int parse_device_number(json_val e, const char *path, int64_t *major, int64_t *minor,
                               struct nook_err *err)
{
        struct oci_opt ma = {0}, mi = {0};

        if (require(e, path, "major", err) < 0 || require(e, path, "minor", err) < 0 ||
            opt_range(e, path, "major", 0, UINT32_MAX, &ma, err) < 0 ||
            opt_range(e, path, "minor", 0, UINT32_MAX, &mi, err) < 0)
                return -1;
        *major = ma.v;
        *minor = mi.v;
        return 0;
}

static int parse_weight_device(json_val e, const char *path, size_t i, void *ctx,
                               struct nook_err *err)
{
        struct oci_weight_device *d = &((struct oci_resources *)ctx)->block_io.weight_devices[i];

        if (parse_device_number(e, path, &d->major, &d->minor, err) < 0 ||
            opt_range(e, path, "weight", 10, 1000, &d->weight, err) < 0)
                return -1;
        return 0;
}

struct throttle_ctx {
        struct oci_throttle_device *list;
};

static int parse_throttle(json_val e, const char *path, size_t i, void *ctx, struct nook_err *err)
{
        struct oci_throttle_device *d = &((struct throttle_ctx *)ctx)->list[i];
        struct oci_opt rate = {0};

        if (parse_device_number(e, path, &d->major, &d->minor, err) < 0 ||
            require(e, path, "rate", err) < 0 ||
            opt_range(e, path, "rate", 0, INT64_MAX, &rate, err) < 0)
                return -1;
        d->rate = (uint64_t)rate.v;
        return 0;
}

static int parse_block_io(json_val o, const char *path, struct oci_resources *r,
                          struct nook_err *err)
{
        static const char *const throttle_keys[OCI_THROTTLE_KIND_COUNT] = {
            "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
            "throttleWriteIOPSDevice"};

        if (opt_range(o, path, "weight", 0, 1000, &r->block_io.weight, err) < 0)
                return -1;
        r->block_io.weight.set = r->block_io.weight.set && r->block_io.weight.v != 0;
        if (r->block_io.weight.set && r->block_io.weight.v < 10)
                return config_field_error(err, path, "weight", "%lld is out of range (10 to 1000)",
                                          (long long)r->block_io.weight.v);
        r->block_io.n_weight_devices = array_len(o, "weightDevice");
        r->block_io.weight_devices =
            xcalloc(r->block_io.n_weight_devices + 1, sizeof(*r->block_io.weight_devices));
        if (each(o, path, "weightDevice", parse_weight_device, r, err) < 0)
                return -1;
        for (int k = 0; k < OCI_THROTTLE_KIND_COUNT; k++) {
                struct throttle_ctx tc;

                r->block_io.n_throttle[k] = array_len(o, throttle_keys[k]);
                tc.list = r->block_io.throttle[k] =
                    xcalloc(r->block_io.n_throttle[k] + 1, sizeof(*tc.list));
                if (each(o, path, throttle_keys[k], parse_throttle, &tc, err) < 0)
                        return -1;
        }
        return 0;
}

/* ---- hugepageLimits, unified ---- */

static int parse_hugepage(json_val e, const char *path, size_t i, void *ctx, struct nook_err *err)
{
        struct oci_hugepage_limit *h = &((struct oci_resources *)ctx)->hugepage_limits[i];
        struct oci_opt limit = {0};
        size_t digits;

        if (require(e, path, "pageSize", err) < 0 || require(e, path, "limit", err) < 0 ||
            opt_str(e, path, "pageSize", &h->page_size, err) < 0 ||
            opt_range(e, path, "limit", 0, INT64_MAX, &limit, err) < 0)
                return -1;
        digits = strspn(h->page_size, "0123456789");
        if (digits == 0 || strlen(h->page_size) != digits + 2 ||
            strchr("KMG", h->page_size[digits]) == NULL || h->page_size[digits + 1] != 'B')
                return config_field_error(err, path, "pageSize",
                                          "'%s' is not a size like 2MB or 1GB", h->page_size);
        h->limit = (uint64_t)limit.v;
        return 0;
}

/* A key must name an interface file of a known controller, nothing else: it is written
 * below the container's cgroup directory. */
static int check_unified_key(const char *key, const char *path, struct nook_err *err)
{
        const char *dot = strchr(key, '.');

        if (strchr(key, '/') || strstr(key, "..") || dot == NULL || dot[1] == '\0')
                return nook_err_set(err, 0, "%s: '%s' is not a file name like memory.high", path,
                                    key);
        for (size_t i = 0; i < ARRAY_SIZE(known_controllers); i++)
                if (strlen(known_controllers[i]) == (size_t)(dot - key) &&
                    strncmp(key, known_controllers[i], (size_t)(dot - key)) == 0)
                        return 0;
        return nook_err_set(err, 0, "%s: '%s' does not belong to a known controller", path, key);
}

static int parse_unified(json_val o, const char *path, struct oci_resources *r,
                         struct nook_err *err)
{
        json_val u = field(o, "unified");
        _cleanup_free_ char *upath = xasprintf("%s.unified", path);

        if (u == NULL)
                return 0;
        if (json_expect_object(u, upath, err) < 0)
                return -1;
        r->n_unified = json_object_len(u);
        r->unified = xcalloc(r->n_unified + 1, sizeof(*r->unified));
        for (size_t i = 0; i < r->n_unified; i++) {
                const char *k = json_object_key(u, i);
                _cleanup_free_ char *kpath = xasprintf("%s.%s", upath, k);

                r->unified[i].key = xstrdup(k);
                if (check_unified_key(k, upath, err) < 0 ||
                    json_as_string(json_object_value(u, i), kpath, &r->unified[i].value, err) < 0)
                        return -1;
        }
        return 0;
}

/* ---- devices ---- */

static int parse_access(const char *s, const char *path, unsigned *out, struct nook_err *err)
{
        *out = 0;
        for (const char *p = s; *p; p++) {
                unsigned bit = *p == 'r'   ? CGROUP_DEV_READ
                               : *p == 'w' ? CGROUP_DEV_WRITE
                               : *p == 'm' ? CGROUP_DEV_MKNOD
                                           : 0;
                if (bit == 0 || (*out & bit))
                        return nook_err_set(err, 0, "%s.access: '%s' is not a subset of \"rwm\"",
                                            path, s);
                *out |= bit;
        }
        return 0;
}

static int parse_device_rule(json_val e, const char *path, size_t i, void *ctx,
                             struct nook_err *err)
{
        struct cgroup_device_rule *d = &((struct oci_resources *)ctx)->devices[i];
        _cleanup_free_ char *type = NULL, *access = NULL, *apath = xasprintf("%s.allow", path);
        struct oci_opt major = {true, CGROUP_DEV_ANY}, minor = {true, CGROUP_DEV_ANY};

        if (require(e, path, "allow", err) < 0 ||
            json_as_bool(field(e, "allow"), apath, &d->allow, err) < 0 ||
            opt_str(e, path, "type", &type, err) < 0 ||
            opt_str(e, path, "access", &access, err) < 0 ||
            opt_range(e, path, "major", -1, UINT32_MAX, &major, err) < 0 ||
            opt_range(e, path, "minor", -1, UINT32_MAX, &minor, err) < 0)
                return -1;
        if (type && (strlen(type) != 1 || strchr("acb", type[0]) == NULL))
                return config_field_error(err, path, "type", "'%s' is not a, c or b", type);
        d->type = type ? type[0] : 'a';
        d->major = major.v;
        d->minor = minor.v;
        if (access == NULL) {
                d->access = CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD;
                return 0;
        }
        return parse_access(access, path, &d->access, err);
}

/* ---- the whole ---- */

static int parse_section(json_val o, const char *path, const char *key,
                         int (*fn)(json_val o, const char *path, struct oci_resources *r,
                                   struct nook_err *err),
                         struct oci_resources *r, struct nook_err *err)
{
        json_val v = field(o, key);
        _cleanup_free_ char *fpath = xasprintf("%s.%s", path, key);

        if (v == NULL)
                return 0;
        if (json_expect_object(v, fpath, err) < 0)
                return -1;
        return fn(v, fpath, r, err);
}

static int parse_pids(json_val o, const char *path, struct oci_resources *r, struct nook_err *err)
{
        return opt_range(o, path, "limit", -1, INT64_MAX, &r->pids_limit, err) < 0 ? -1 : 0;
}

int oci_resources_parse(json_val v, const char *path, struct oci_resources **out,
                        struct nook_err *err)
{
        _cleanup_resources_ struct oci_resources *r = xcalloc(1, sizeof(*r));

        if (json_expect_object(v, path, err) < 0)
                return -1;
        r->n_hugepage_limits = array_len(v, "hugepageLimits");
        r->hugepage_limits = xcalloc(r->n_hugepage_limits + 1, sizeof(*r->hugepage_limits));
        r->has_devices = field(v, "devices") != NULL;
        r->n_devices = array_len(v, "devices");
        r->devices = xcalloc(r->n_devices + 1, sizeof(*r->devices));
        if (parse_section(v, path, "memory", parse_memory, r, err) < 0 ||
            parse_section(v, path, "cpu", parse_cpu, r, err) < 0 ||
            parse_section(v, path, "pids", parse_pids, r, err) < 0 ||
            parse_section(v, path, "blockIO", parse_block_io, r, err) < 0 ||
            each(v, path, "hugepageLimits", parse_hugepage, r, err) < 0 ||
            parse_unified(v, path, r, err) < 0 ||
            each(v, path, "devices", parse_device_rule, r, err) < 0)
                return -1;
        *out = TAKE_PTR(r);
        return 0;
}

void oci_resources_free(struct oci_resources *r)
{
        if (r == NULL)
                return;
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->block_io.weight_devices);
        for (int k = 0; k < OCI_THROTTLE_KIND_COUNT; k++)
                free(r->block_io.throttle[k]);
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        for (size_t i = 0; i < r->n_unified; i++) {
                free(r->unified[i].key);
                free(r->unified[i].value);
        }
        free(r->unified);
        free(r->devices);
        free(r);
}
