/* linux.resources: parsed into struct oci_resources and validated, so that a limit the
 * kernel would refuse (or silently misread) fails `create` with the JSON path of the
 * culprit before a cgroup exists.  Deprecated or cgroup v1 only fields are ignored
 * (memory.kernel, memory.kernelTCP, memory.swappiness, blockIO.leafWeight, network,
 * rdma); those nook cannot honour on cgroup v2 are refused (memory.disableOOMKiller,
 * cpu.realtimeRuntime/realtimePeriod). */
#include "oci/internal.h"

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

/* ---- memory ---- */

/* A number whose range oci_resources_check() decides. */
static int opt_num(json_val obj, const char *path, const char *key, struct oci_opt *out,
                   struct nook_err *err)
{
        int r = opt_int64(obj, path, key, &out->v, err);

        out->set = r > 0;
        return r;
}

static int check_range(const char *path, const char *key, const struct oci_opt *o, int64_t min,
                       int64_t max, struct nook_err *err)
{
        if (o->set && (o->v < min || o->v > max))
                return config_field_error(err, path, key, "%lld is out of range (%lld to %lld)",
                                          (long long)o->v, (long long)min, (long long)max);
        return 0;
}

static int parse_memory(json_val o, const char *path, struct oci_resources *r, struct nook_err *err)
{
        bool oom = false;

        if (opt_num(o, path, "limit", &r->memory.limit, err) < 0 ||
            opt_num(o, path, "reservation", &r->memory.reservation, err) < 0 ||
            opt_num(o, path, "swap", &r->memory.swap, err) < 0 ||
            opt_bool(o, path, "disableOOMKiller", &oom, err) < 0)
                return -1;
        if (oom)
                return config_field_error(
                    err, path, "disableOOMKiller",
                    "not supported with cgroup v2 (the OOM killer cannot be disabled "
                    "for a cgroup)");
        return 0;
}

static int check_memory(struct oci_resources *r, const char *path, struct nook_err *err)
{
        if (check_range(path, "limit", &r->memory.limit, -1, INT64_MAX, err) < 0 ||
            check_range(path, "reservation", &r->memory.reservation, -1, INT64_MAX, err) < 0 ||
            check_range(path, "swap", &r->memory.swap, -1, INT64_MAX, err) < 0)
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
        const char *last;

        if (read_file(file, &text, NULL, 4096, NULL) < 0)
                return fallback;
        last = text + strcspn(text, "\n");
        while (last > text && last[-1] >= '0' && last[-1] <= '9')
                last--;
        return (unsigned)strtoul(last, NULL, 10);
}

int oci_cpus_check(const char *list, const char *what, struct nook_err *err)
{
        long ncpu = sysconf(_SC_NPROCESSORS_CONF);

        return oci_cpu_list_check(
            list, highest_in("/sys/devices/system/cpu/possible", ncpu > 0 ? (unsigned)ncpu - 1 : 0),
            what, err);
}

int oci_mems_check(const char *list, const char *what, struct nook_err *err)
{
        return oci_cpu_list_check(list, highest_in("/sys/devices/system/node/possible", 0), what,
                                  err);
}

static int check_list(const char *path, const char *key, const char *list,
                      int (*check)(const char *, const char *, struct nook_err *),
                      struct nook_err *err)
{
        _cleanup_free_ char *fpath = path_key(path, key);

        return list ? check(list, fpath, err) : 0;
}

static int parse_cpu(json_val o, const char *path, struct oci_resources *r, struct nook_err *err)
{
        static const char *const realtime[] = {"realtimeRuntime", "realtimePeriod"};

        if (opt_num(o, path, "shares", &r->cpu.shares, err) < 0 ||
            opt_num(o, path, "quota", &r->cpu.quota, err) < 0 ||
            opt_num(o, path, "period", &r->cpu.period, err) < 0 ||
            opt_num(o, path, "burst", &r->cpu.burst, err) < 0 ||
            opt_num(o, path, "idle", &r->cpu.idle, err) < 0 ||
            opt_string(o, path, "cpus", &r->cpu.cpus, err) < 0 ||
            opt_string(o, path, "mems", &r->cpu.mems, err) < 0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(realtime); i++) {
                struct oci_opt rt = {0};

                if (opt_num(o, path, realtime[i], &rt, err) < 0)
                        return -1;
                if (rt.set && rt.v != 0)
                        return config_field_error(
                            err, path, realtime[i],
                            "not supported with cgroup v2 (no realtime group scheduling)");
        }
        return 0;
}

static int check_cpu(struct oci_resources *r, const char *path, struct nook_err *err)
{
        if (check_range(path, "shares", &r->cpu.shares, 0, 262144, err) < 0 ||
            check_range(path, "quota", &r->cpu.quota, -1, INT64_MAX, err) < 0 ||
            check_range(path, "period", &r->cpu.period, 0, CPU_PERIOD_MAX, err) < 0 ||
            check_range(path, "burst", &r->cpu.burst, 0, INT64_MAX, err) < 0 ||
            check_range(path, "idle", &r->cpu.idle, 0, 1, err) < 0 ||
            check_list(path, "cpus", r->cpu.cpus, oci_cpus_check, err) < 0 ||
            check_list(path, "mems", r->cpu.mems, oci_mems_check, err) < 0)
                return -1;
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

static int parse_weight_device(json_val e, const char *path, void *item, struct nook_err *err)
{
        struct oci_weight_device *d = item;

        if (parse_device_number(e, path, &d->major, &d->minor, err) < 0 ||
            opt_range(e, path, "weight", 10, 1000, &d->weight, err) < 0)
                return -1;
        return 0;
}

static int parse_throttle(json_val e, const char *path, void *item, struct nook_err *err)
{
        struct oci_throttle_device *d = item;
        struct oci_opt rate = {0};

        if (parse_device_number(e, path, &d->major, &d->minor, err) < 0 ||
            require(e, path, "rate", err) < 0 ||
            opt_range(e, path, "rate", 0, INT64_MAX, &rate, err) < 0)
                return -1;
        d->rate = (uint64_t)rate.v;
        return 0;
}

static const char *const throttle_keys[OCI_THROTTLE_KIND_COUNT] = {
    "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
    "throttleWriteIOPSDevice"};

static int parse_block_io(json_val o, const char *path, struct oci_resources *r,
                          struct nook_err *err)
{
        if (opt_num(o, path, "weight", &r->block_io.weight, err) < 0)
                return -1;
        if (CONFIG_PARSE_LIST(o, path, "weightDevice", parse_weight_device,
                              r->block_io.weight_devices, r->block_io.n_weight_devices, err) < 0)
                return -1;
        for (int k = 0; k < OCI_THROTTLE_KIND_COUNT; k++)
                if (CONFIG_PARSE_LIST(o, path, throttle_keys[k], parse_throttle,
                                      r->block_io.throttle[k], r->block_io.n_throttle[k], err) < 0)
                        return -1;
        return 0;
}

/* ---- hugepageLimits, unified ---- */

static int parse_hugepage(json_val e, const char *path, void *item, struct nook_err *err)
{
        struct oci_hugepage_limit *h = item;
        struct oci_opt limit = {0};
        size_t digits;

        if (require(e, path, "pageSize", err) < 0 || require(e, path, "limit", err) < 0 ||
            opt_string(e, path, "pageSize", &h->page_size, err) < 0 ||
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
        _cleanup_free_ char *upath = path_key(path, "unified");
        int n = opt_kv(o, path, "unified", &r->unified, &r->n_unified, err);

        for (size_t i = 0; n > 0 && i < r->n_unified; i++)
                if (check_unified_key(r->unified[i].key, upath, err) < 0)
                        return -1;
        return n < 0 ? -1 : 0;
}

/* ---- devices ---- */

int oci_device_access_parse(const char *s, unsigned *out)
{
        *out = 0;
        for (const char *p = s; *p; p++) {
                unsigned bit = *p == 'r'   ? OCI_DEV_READ
                               : *p == 'w' ? OCI_DEV_WRITE
                               : *p == 'm' ? OCI_DEV_MKNOD
                                           : 0;
                if (bit == 0 || (*out & bit))
                        return -1;
                *out |= bit;
        }
        return 0;
}

const char *oci_device_access_text(unsigned access, char buf[4])
{
        size_t n = 0;

        if (access & OCI_DEV_READ)
                buf[n++] = 'r';
        if (access & OCI_DEV_WRITE)
                buf[n++] = 'w';
        if (access & OCI_DEV_MKNOD)
                buf[n++] = 'm';
        buf[n] = '\0';
        return buf;
}

static int parse_device_rule(json_val e, const char *path, void *item, struct nook_err *err)
{
        struct oci_device_rule *d = item;
        _cleanup_free_ char *type = NULL, *access = NULL;
        struct oci_opt major = {true, OCI_DEV_ANY}, minor = {true, OCI_DEV_ANY};

        if (require(e, path, "allow", err) < 0 || opt_bool(e, path, "allow", &d->allow, err) < 0 ||
            opt_string(e, path, "type", &type, err) < 0 ||
            opt_string(e, path, "access", &access, err) < 0 ||
            opt_range(e, path, "major", -1, UINT32_MAX, &major, err) < 0 ||
            opt_range(e, path, "minor", -1, UINT32_MAX, &minor, err) < 0)
                return -1;
        if (type && (strlen(type) != 1 || strchr("acb", type[0]) == NULL))
                return config_field_error(err, path, "type", "'%s' is not a, c or b", type);
        d->type = type ? type[0] : 'a';
        d->major = major.v;
        d->minor = minor.v;
        if (access == NULL) {
                d->access = OCI_DEV_ALL;
                return 0;
        }
        if (oci_device_access_parse(access, &d->access) < 0)
                return nook_err_set(err, 0, "%s.access: '%s' is not a subset of \"rwm\"", path,
                                    access);
        return 0;
}

/* ---- the whole ---- */

static int parse_section(json_val o, const char *path, const char *key,
                         int (*fn)(json_val o, const char *path, struct oci_resources *r,
                                   struct nook_err *err),
                         struct oci_resources *r, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = NULL;
        int found = opt_object(o, path, key, &v, &fpath, err);

        return found <= 0 ? found : fn(v, fpath, r, err);
}

static int parse_pids(json_val o, const char *path, struct oci_resources *r, struct nook_err *err)
{
        return opt_num(o, path, "limit", &r->pids_limit, err) < 0 ? -1 : 0;
}

int oci_resources_check(struct oci_resources *r, const char *path, struct nook_err *err)
{
        _cleanup_free_ char *mpath = path_key(path, "memory"), *cpath = path_key(path, "cpu");
        _cleanup_free_ char *ppath = path_key(path, "pids"), *bpath = path_key(path, "blockIO");

        if (check_memory(r, mpath, err) < 0 || check_cpu(r, cpath, err) < 0 ||
            check_range(ppath, "limit", &r->pids_limit, -1, INT64_MAX, err) < 0 ||
            check_range(bpath, "weight", &r->block_io.weight, 0, 1000, err) < 0)
                return -1;
        r->block_io.weight.set = r->block_io.weight.set && r->block_io.weight.v != 0;
        if (r->block_io.weight.set && r->block_io.weight.v < 10)
                return config_field_error(err, bpath, "weight", "%lld is out of range (10 to 1000)",
                                          (long long)r->block_io.weight.v);
        return 0;
}

struct oci_resources *oci_resources_new(void)
{
        return xcalloc(1, sizeof(struct oci_resources));
}

int oci_resources_parse(json_val v, const char *path, struct oci_resources **out,
                        struct nook_err *err)
{
        static const char *const known[] = {"memory",         "cpu",     "pids",    "blockIO",
                                            "hugepageLimits", "unified", "devices", NULL};
        _cleanup_resources_ struct oci_resources *r = oci_resources_new();

        if (json_expect_object(v, path, err) < 0)
                return -1;
        r->has_devices = !json_is_null(json_get(v, "devices"));
        if (parse_section(v, path, "memory", parse_memory, r, err) < 0 ||
            parse_section(v, path, "cpu", parse_cpu, r, err) < 0 ||
            parse_section(v, path, "pids", parse_pids, r, err) < 0 ||
            parse_section(v, path, "blockIO", parse_block_io, r, err) < 0 ||
            CONFIG_PARSE_LIST(v, path, "hugepageLimits", parse_hugepage, r->hugepage_limits,
                              r->n_hugepage_limits, err) < 0 ||
            parse_unified(v, path, r, err) < 0 ||
            CONFIG_PARSE_LIST(v, path, "devices", parse_device_rule, r->devices, r->n_devices,
                              err) < 0 ||
            oci_resources_check(r, path, err) < 0)
                return -1;
        /* Deprecated and cgroup v1 only members (network, rdma, ...): kept for the writer. */
        extras_collect(v, known, &r->extras);
        *out = TAKE_PTR(r);
        return 0;
}

int oci_resources_parse_text(const char *text, struct oci_resources **out, struct nook_err *err)
{
        _cleanup_json_ json_val v = NULL;

        if (json_parse(text, &v, err) < 0)
                return nook_err_prefix(err, "resources");
        return oci_resources_parse(v, "resources", out, err);
}

void oci_resources_add_device(struct oci_resources *r, const struct oci_device_rule *rule)
{
        r->devices = xrealloc(r->devices, (r->n_devices + 1) * sizeof(*r->devices));
        r->devices[r->n_devices++] = *rule;
        r->has_devices = true;
}

void oci_resources_add_throttle(struct oci_resources *r, enum oci_throttle_kind kind, int64_t major,
                                int64_t minor, uint64_t rate)
{
        size_t n = r->block_io.n_throttle[kind];

        r->block_io.throttle[kind] =
            xrealloc(r->block_io.throttle[kind], (n + 1) * sizeof(*r->block_io.throttle[kind]));
        r->block_io.throttle[kind][n] = (struct oci_throttle_device){major, minor, rate};
        r->block_io.n_throttle[kind] = n + 1;
}

void oci_resources_set_unified(struct oci_resources *r, const char *key, const char *value)
{
        for (size_t i = 0; i < r->n_unified; i++)
                if (strcmp(r->unified[i].key, key) == 0) {
                        free(r->unified[i].value);
                        r->unified[i].value = xstrdup(value);
                        return;
                }
        r->unified = xrealloc(r->unified, (r->n_unified + 1) * sizeof(*r->unified));
        r->unified[r->n_unified++] = (struct oci_kv){xstrdup(key), xstrdup(value)};
}

const char *oci_resources_unified(const struct oci_resources *r, const char *key)
{
        for (size_t i = 0; i < r->n_unified; i++)
                if (strcmp(r->unified[i].key, key) == 0)
                        return r->unified[i].value;
        return NULL;
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
        free_kv(r->unified, r->n_unified);
        free(r->devices);
        extras_free(&r->extras);
        free(r);
}

/* ---- writing ---- */

static void write_opt(struct json_writer *w, const char *key, struct oci_opt o)
{
        if (o.set)
                json_w_kv_int(w, key, o.v);
}

static void write_device_number(struct json_writer *w, int64_t major, int64_t minor)
{
        json_w_kv_int(w, "major", major);
        json_w_kv_int(w, "minor", minor);
}

static void write_block_io(struct json_writer *w, const struct oci_resources *r)
{
        json_w_key(w, "blockIO");
        json_w_object_open(w);
        write_opt(w, "weight", r->block_io.weight);
        if (r->block_io.n_weight_devices) {
                json_w_key(w, "weightDevice");
                json_w_array_open(w);
                for (size_t i = 0; i < r->block_io.n_weight_devices; i++) {
                        json_w_object_open(w);
                        write_device_number(w, r->block_io.weight_devices[i].major,
                                            r->block_io.weight_devices[i].minor);
                        write_opt(w, "weight", r->block_io.weight_devices[i].weight);
                        json_w_object_close(w);
                }
                json_w_array_close(w);
        }
        for (int k = 0; k < OCI_THROTTLE_KIND_COUNT; k++) {
                if (r->block_io.n_throttle[k] == 0)
                        continue;
                json_w_key(w, throttle_keys[k]);
                json_w_array_open(w);
                for (size_t i = 0; i < r->block_io.n_throttle[k]; i++) {
                        const struct oci_throttle_device *d = &r->block_io.throttle[k][i];

                        json_w_object_open(w);
                        write_device_number(w, d->major, d->minor);
                        json_w_key(w, "rate");
                        json_w_uint(w, d->rate);
                        json_w_object_close(w);
                }
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

static void write_device_rules(struct json_writer *w, const struct oci_resources *r)
{
        json_w_key(w, "devices");
        json_w_array_open(w);
        for (size_t i = 0; i < r->n_devices; i++) {
                const struct oci_device_rule *d = &r->devices[i];
                char type[2] = {d->type, '\0'}, access[4];

                json_w_object_open(w);
                json_w_kv_bool(w, "allow", d->allow);
                json_w_kv_string(w, "type", type);
                if (d->major != OCI_DEV_ANY)
                        json_w_kv_int(w, "major", d->major);
                if (d->minor != OCI_DEV_ANY)
                        json_w_kv_int(w, "minor", d->minor);
                json_w_kv_string(w, "access", oci_device_access_text(d->access, access));
                json_w_object_close(w);
        }
        json_w_array_close(w);
}

static bool any_set(const struct oci_opt *opts, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (opts[i].set)
                        return true;
        return false;
}

void write_resources(struct json_writer *w, const struct oci_resources *r)
{
        const struct oci_opt memory[] = {r->memory.limit, r->memory.reservation, r->memory.swap};
        const struct oci_opt cpu[] = {r->cpu.shares, r->cpu.quota, r->cpu.period, r->cpu.burst,
                                      r->cpu.idle};
        bool block_io = r->block_io.weight.set || r->block_io.n_weight_devices;

        for (int k = 0; k < OCI_THROTTLE_KIND_COUNT; k++)
                block_io = block_io || r->block_io.n_throttle[k];
        json_w_object_open(w);
        if (any_set(memory, ARRAY_SIZE(memory))) {
                json_w_key(w, "memory");
                json_w_object_open(w);
                write_opt(w, "limit", r->memory.limit);
                write_opt(w, "reservation", r->memory.reservation);
                write_opt(w, "swap", r->memory.swap);
                json_w_object_close(w);
        }
        if (any_set(cpu, ARRAY_SIZE(cpu)) || r->cpu.cpus || r->cpu.mems) {
                json_w_key(w, "cpu");
                json_w_object_open(w);
                write_opt(w, "shares", r->cpu.shares);
                write_opt(w, "quota", r->cpu.quota);
                write_opt(w, "period", r->cpu.period);
                write_opt(w, "burst", r->cpu.burst);
                write_opt(w, "idle", r->cpu.idle);
                if (r->cpu.cpus)
                        json_w_kv_string(w, "cpus", r->cpu.cpus);
                if (r->cpu.mems)
                        json_w_kv_string(w, "mems", r->cpu.mems);
                json_w_object_close(w);
        }
        if (r->pids_limit.set) {
                json_w_key(w, "pids");
                json_w_object_open(w);
                write_opt(w, "limit", r->pids_limit);
                json_w_object_close(w);
        }
        if (block_io)
                write_block_io(w, r);
        if (r->n_hugepage_limits) {
                json_w_key(w, "hugepageLimits");
                json_w_array_open(w);
                for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                        json_w_object_open(w);
                        json_w_kv_string(w, "pageSize", r->hugepage_limits[i].page_size);
                        json_w_key(w, "limit");
                        json_w_uint(w, r->hugepage_limits[i].limit);
                        json_w_object_close(w);
                }
                json_w_array_close(w);
        }
        if (r->unified)
                write_kv(w, "unified", r->unified, r->n_unified);
        if (r->has_devices)
                write_device_rules(w, r);
        extras_write(w, &r->extras);
        json_w_object_close(w);
}

char *oci_resources_to_json(const struct oci_resources *r)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);

        write_resources(w, r);
        return writer_take(w);
}
