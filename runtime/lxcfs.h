/* A container's own view of the machine through LXCFS, as LXC's lxcfs hook gives it:
 * when annotation org.nook.procfs asks for it, LXCFS's files (under /var/lib/lxcfs, the
 * mount of Debian's lxcfs daemon) are bound over /proc/meminfo, cpuinfo, stat, uptime,
 * loadavg, diskstats, swaps, slabinfo and /sys/devices/system/cpu/online, so that
 * free, top, uptime and nproc inside show the container's limits and usage. */
#ifndef NOOK_RUNTIME_LXCFS_H
#define NOOK_RUNTIME_LXCFS_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/oci.h"

#define NOOK_ANNOTATION_PROCFS "org.nook.procfs" /* "lxcfs", "auto" or "host" */
#define NOOK_LXCFS_DIR         "/var/lib/lxcfs"

/* Whether LXCFS runs: a FUSE filesystem at dir with proc/meminfo. */
bool lxcfs_available(const char *dir);

/* Appends the bind mounts of LXCFS's files to c's mounts when its annotation says
 * "lxcfs" (refused when LXCFS does not run) or "auto" (when it runs); "host" or no
 * annotation: nothing.  dir: where LXCFS is mounted. */
int lxcfs_add_mounts(struct oci_config *c, const char *dir, struct nook_err *err);

#endif
