/* linux.resources of config.json: its typed form (parsed and validated by
 * runtime/config_resources.c before anything touches the host), its translation into
 * cgroup v2 settings and device rules (runtime/resources.c), and the operations on a
 * live container's cgroup behind `nook pause/resume/update/events`. */
#ifndef NOOK_RUNTIME_RESOURCES_H
#define NOOK_RUNTIME_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "common/error.h"
#include "common/json.h"
#include "runtime/config.h"

/* An optional number: set is false when config.json does not give it. */
struct oci_opt {
        bool set;
        int64_t v;
};

struct oci_weight_device {
        int64_t major, minor;
        struct oci_opt weight; /* blkio scale, 10..1000 */
};

struct oci_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

enum oci_throttle_kind {
        OCI_THROTTLE_READ_BPS,
        OCI_THROTTLE_WRITE_BPS,
        OCI_THROTTLE_READ_IOPS,
        OCI_THROTTLE_WRITE_IOPS,
        OCI_THROTTLE_KIND_COUNT
};

struct oci_hugepage_limit {
        char *page_size; /* "2MB", "1GB", ... */
        uint64_t limit;
};

struct oci_resources {
        struct {
                struct oci_opt limit;       /* bytes, -1 = unlimited */
                struct oci_opt reservation; /* bytes, -1 = unlimited */
                struct oci_opt swap;        /* memory + swap bytes, -1 = unlimited */
        } memory;
        struct {
                struct oci_opt shares; /* v1 scale, 2..262144 */
                struct oci_opt quota;  /* microseconds per period, -1 = unlimited */
                struct oci_opt period; /* microseconds */
                struct oci_opt burst;  /* microseconds */
                struct oci_opt idle;   /* 0 or 1 */
                char *cpus, *mems;     /* "0-3,5", NULL when not given */
        } cpu;
        struct oci_opt pids_limit; /* -1 = unlimited */
        struct {
                struct oci_opt weight; /* blkio scale, 10..1000 */
                struct oci_weight_device *weight_devices;
                size_t n_weight_devices;
                struct oci_throttle_device *throttle[OCI_THROTTLE_KIND_COUNT];
                size_t n_throttle[OCI_THROTTLE_KIND_COUNT];
        } block_io;
        struct oci_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct oci_kv *unified; /* v2 interface file -> value */
        size_t n_unified;
        bool has_devices;
        struct cgroup_device_rule *devices;
        size_t n_devices;
};

/* Parses a LinuxResources object; path names it in errors ("linux.resources"). */
int oci_resources_parse(json_val v, const char *path, struct oci_resources **out,
                        struct nook_err *err);
void oci_resources_free(struct oci_resources *r);
static inline void oci_resources_freep(struct oci_resources **r)
{
        if (*r)
                oci_resources_free(*r);
}
#define _cleanup_resources_ __attribute__((cleanup(oci_resources_freep)))

/* Checks a cpu or memory-node list ("0-3,7") against the highest allowed number. */
int oci_cpu_list_check(const char *list, unsigned max, const char *path, struct nook_err *err);

/* The cgroup v2 settings of r (r may be NULL), appended to out; no device rules. */
void oci_resources_settings(const struct oci_resources *r, struct cgroup_limits *out);
/* The device rules of a container: deny everything, allow the standard nodes (null,
 * zero, full, random, urandom, tty, console, ptmx, pts/N, net/tun) and mknod of any
 * node, allow the nodes of linux.devices, then the rules of linux.resources.devices;
 * after a rule there that denies everything, the standard and linux.devices nodes are
 * allowed again (as runc and crun keep them usable). */
void oci_device_rules(const struct oci_config *c, const struct oci_resources *r,
                      struct cgroup_limits *out);
/* Settings and device rules of a container to create. */
void oci_config_limits(const struct oci_config *c, struct cgroup_limits *out);

#endif
