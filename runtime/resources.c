/* From OCI linux.resources to cgroup v2 interface files and device rules. */
#include "runtime/resources.h"

/* Device rules carry over field by field: the access bits and the wildcard agree. */
_Static_assert(OCI_DEV_READ == CGROUP_DEV_READ && OCI_DEV_WRITE == CGROUP_DEV_WRITE &&
                   OCI_DEV_MKNOD == CGROUP_DEV_MKNOD && OCI_DEV_ANY == CGROUP_DEV_ANY,
               "oci/ and cgroup/ device rules agree");

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

/* -1 is "unlimited" in OCI, "max" in cgroup v2. */
static void set_max(struct cgroup_limits *l, const char *file, int64_t v)
{
        if (v < 0)
                cgroup_limits_set(l, file, "max");
        else
                cgroup_limits_set(l, file, "%" PRId64, v);
}

static void memory_settings(const struct oci_resources *r, struct cgroup_limits *l)
{
        if (r->memory.limit.set)
                set_max(l, "memory.max", r->memory.limit.v);
        if (r->memory.reservation.set)
                set_max(l, "memory.low", r->memory.reservation.v);
        /* OCI swap counts memory and swap together, memory.swap.max swap alone; the
         * parser made sure a limit comes with a finite swap. */
        if (r->memory.swap.set)
                set_max(l, "memory.swap.max",
                        r->memory.swap.v < 0 ? -1 : r->memory.swap.v - r->memory.limit.v);
}

static void cpu_settings(const struct oci_resources *r, struct cgroup_limits *l)
{
        if (r->cpu.shares.set)
                cgroup_limits_set(l, "cpu.weight", "%" PRIu64,
                                  cgroup_cpu_weight_from_shares((uint64_t)r->cpu.shares.v));
        if (r->cpu.quota.set) {
                if (r->cpu.quota.v < 0)
                        cgroup_limits_set(l, "cpu.max", "max %" PRId64, r->cpu.period.v);
                else
                        cgroup_limits_set(l, "cpu.max", "%" PRId64 " %" PRId64, r->cpu.quota.v,
                                          r->cpu.period.v);
        }
        if (r->cpu.burst.set)
                cgroup_limits_set(l, "cpu.max.burst", "%" PRId64, r->cpu.burst.v);
        if (r->cpu.idle.set)
                cgroup_limits_set(l, "cpu.idle", "%" PRId64, r->cpu.idle.v);
        if (r->cpu.cpus)
                cgroup_limits_set(l, "cpuset.cpus", "%s", r->cpu.cpus);
        if (r->cpu.mems)
                cgroup_limits_set(l, "cpuset.mems", "%s", r->cpu.mems);
}

static void io_settings(const struct oci_resources *r, struct cgroup_limits *l)
{
        static const char *const keys[OCI_THROTTLE_KIND_COUNT] = {"rbps", "wbps", "riops", "wiops"};

        if (r->block_io.weight.set)
                cgroup_limits_set(l, "io.weight", "default %" PRIu64,
                                  cgroup_io_weight_from_blkio((uint64_t)r->block_io.weight.v));
        for (size_t i = 0; i < r->block_io.n_weight_devices; i++) {
                const struct oci_weight_device *d = &r->block_io.weight_devices[i];

                if (d->weight.set)
                        cgroup_limits_set(l, "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64,
                                          d->major, d->minor,
                                          cgroup_io_weight_from_blkio((uint64_t)d->weight.v));
        }
        for (int k = 0; k < OCI_THROTTLE_KIND_COUNT; k++)
                for (size_t i = 0; i < r->block_io.n_throttle[k]; i++) {
                        const struct oci_throttle_device *d = &r->block_io.throttle[k][i];

                        /* 0 means no limit, as in cgroup v1's throttle files; io.max
                         * spells that "max". */
                        if (d->rate == 0)
                                cgroup_limits_set(l, "io.max", "%" PRId64 ":%" PRId64 " %s=max",
                                                  d->major, d->minor, keys[k]);
                        else
                                cgroup_limits_set(l, "io.max",
                                                  "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major,
                                                  d->minor, keys[k], d->rate);
                }
}

void resources_settings(const struct oci_resources *r, struct cgroup_limits *out)
{
        if (r == NULL)
                return;
        memory_settings(r, out);
        cpu_settings(r, out);
        if (r->pids_limit.set)
                set_max(out, "pids.max", r->pids_limit.v <= 0 ? -1 : r->pids_limit.v);
        io_settings(r, out);
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                _cleanup_free_ char *file =
                    xasprintf("hugetlb.%s.max", r->hugepage_limits[i].page_size);
                cgroup_limits_set(out, file, "%" PRIu64, r->hugepage_limits[i].limit);
        }
        /* Last, so that a unified value wins over the same file set above. */
        for (size_t i = 0; i < r->n_unified; i++)
                cgroup_limits_set(out, r->unified[i].key, "%s", r->unified[i].value);
}

/* What every container may use, as runc allows it by default. */
static const struct cgroup_device_rule default_devices[] = {
    {false, 'a', CGROUP_DEV_ANY, CGROUP_DEV_ANY,
     CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD},
    /* mknod of any node: opening it still needs a rule. */
    {true, 'c', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD},
    {true, 'b', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD},
    {true, 'c', 1, 3, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* null */
    {true, 'c', 1, 5, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* zero */
    {true, 'c', 1, 7, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* full */
    {true, 'c', 1, 8, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* random */
    {true, 'c', 1, 9, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* urandom */
    {true, 'c', 5, 0, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* tty */
    {true, 'c', 5, 1, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* console */
    {true, 'c', 5, 2, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* ptmx */
    {true, 'c', 136, CGROUP_DEV_ANY, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD},
    {true, 'c', 10, 200, CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD}, /* net/tun */
};

/* The standard nodes and the nodes the config asks nook to create (which are meant to
 * be used), all allowed: the rules after the first default, deny-all. */
static void add_allowed_devices(const struct oci_config *c, struct cgroup_limits *out)
{
        for (size_t i = 1; i < ARRAY_SIZE(default_devices); i++)
                cgroup_limits_add_device(out, &default_devices[i]);
        for (size_t i = 0; c && i < c->linux_.n_devices; i++) {
                const struct oci_device *d = &c->linux_.devices[i];
                struct cgroup_device_rule rule = {
                    true, d->type == 'b' ? 'b' : 'c', d->major, d->minor,
                    CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD};

                if (d->type == 'c' || d->type == 'u' || d->type == 'b')
                        cgroup_limits_add_device(out, &rule);
        }
}

static bool denies_everything(const struct cgroup_device_rule *r)
{
        return !r->allow && r->type == 'a' && r->major == CGROUP_DEV_ANY &&
               r->minor == CGROUP_DEV_ANY && r->access == default_devices[0].access;
}

void resources_device_rules(const struct oci_config *c, const struct oci_resources *r,
                            struct cgroup_limits *out)
{
        cgroup_limits_add_device(out, &default_devices[0]);
        add_allowed_devices(c, out);
        for (size_t i = 0; r && i < r->n_devices; i++) {
                const struct oci_device_rule *d = &r->devices[i];
                struct cgroup_device_rule rule = {d->allow, d->type, d->major, d->minor, d->access};

                cgroup_limits_add_device(out, &rule);
                /* podman's and containerd's configs start with a deny of everything and
                 * count on the runtime to keep the standard nodes usable, as runc and
                 * crun do (podman run -it opens /dev/ptmx, sh opens /dev/null): such a
                 * rule resets to nook's default list, while a deny of one node wins. */
                if (denies_everything(&rule))
                        add_allowed_devices(c, out);
        }
}

void resources_config_limits(const struct oci_config *c, struct cgroup_limits *out)
{
        resources_settings(c->linux_.resources, out);
        resources_device_rules(c, c->linux_.resources, out);
}
