#include "runtime/lxcfs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

#define FUSE_SUPER_MAGIC 0x65735546

/* What LXCFS serves, relative to its mount and to the container's root: LXC's list. */
static const char *const lxcfs_files[] = {
    "proc/cpuinfo", "proc/diskstats", "proc/loadavg",
    "proc/meminfo", "proc/stat",      "proc/swaps",
    "proc/uptime",  "proc/slabinfo",  "sys/devices/system/cpu/online",
};

bool lxcfs_available(const char *dir)
{
        _cleanup_free_ char *meminfo = xasprintf("%s/proc/meminfo", dir);
        struct statfs sf;

        return statfs(dir, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC && access(meminfo, R_OK) == 0;
}

int lxcfs_add_mounts(struct oci_config *c, const char *dir, struct nook_err *err)
{
        static char *const opts[] = {"bind", "nosuid", "nodev", "noexec", NULL};
        const char *mode = oci_annotation(c, NOOK_ANNOTATION_PROCFS);

        if (mode == NULL || strcmp(mode, "host") == 0)
                return 0;
        if (strcmp(mode, "lxcfs") != 0 && strcmp(mode, "auto") != 0)
                return nook_err_set(
                    err, EINVAL,
                    "annotation " NOOK_ANNOTATION_PROCFS "=%s: expected lxcfs, auto or host", mode);
        if (!lxcfs_available(dir)) {
                if (strcmp(mode, "auto") == 0)
                        return 0;
                return nook_err_set(err, 0,
                                    NOOK_ANNOTATION_PROCFS "=lxcfs: LXCFS does not run (no FUSE "
                                                           "mount with proc/meminfo at %s; "
                                                           "apt-get install lxcfs)",
                                    dir);
        }
        for (size_t i = 0; i < ARRAY_SIZE(lxcfs_files); i++) {
                _cleanup_free_ char *src = xasprintf("%s/%s", dir, lxcfs_files[i]);
                _cleanup_free_ char *dest = xasprintf("/%s", lxcfs_files[i]);

                /* An older LXCFS lacks some (slabinfo, cpu/online). */
                if (access(src, F_OK) != 0)
                        continue;
                if (oci_config_add_mount(c, dest, NULL, src, opts, err) < 0)
                        return -1;
        }
        return 0;
}
