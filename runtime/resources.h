/* From the OCI linux.resources (oci/types.h) to what cgroup/ applies: cgroup v2
 * interface files and device rules; and the operations on a live container's cgroup
 * behind `nook pause/resume/update/events` (runtime/cgroup_ops.c). */
#ifndef NOOK_RUNTIME_RESOURCES_H
#define NOOK_RUNTIME_RESOURCES_H

#include "cgroup/cgroup.h"
#include "oci/oci.h"

/* The cgroup v2 settings of r (r may be NULL), appended to out; no device rules. */
void resources_settings(const struct oci_resources *r, struct cgroup_limits *out);
/* The device rules of a container: deny everything, allow the standard nodes (null,
 * zero, full, random, urandom, tty, console, ptmx, pts/N, net/tun) and mknod of any
 * node, allow the nodes of linux.devices, then the rules of linux.resources.devices;
 * after a rule there that denies everything, the standard and linux.devices nodes are
 * allowed again (as runc and crun keep them usable). */
void resources_device_rules(const struct oci_config *c, const struct oci_resources *r,
                            struct cgroup_limits *out);
/* Settings and device rules of a container to create. */
void resources_config_limits(const struct oci_config *c, struct cgroup_limits *out);

#endif
