/* rootfs_pivot: make the prepared rootfs the container's "/" and drop the host's. */
#include "rootfs/rootfs.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "oci/oci.h"

/* For roots pivot_root cannot leave (ramfs/initramfs): move the rootfs over "/" and chroot.
 * The old root stays reachable from outside the chroot, hence it is only an option. */
static int move_root(const char *rootfs, struct nook_err *err)
{
        if (chdir(rootfs) < 0)
                return nook_err_sys(err, "chdir %s", rootfs);
        if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                return nook_err_sys(err, "move %s to /", rootfs);
        if (chroot(".") < 0)
                return nook_err_sys(err, "chroot %s", rootfs);
        if (chdir("/") < 0)
                return nook_err_sys(err, "chdir /");
        return 0;
}

bool rootfs_own_mount_ns(const struct oci_config *config)
{
        return oci_config_has_namespace(config, CLONE_NEWNS);
}

int rootfs_pivot(const struct oci_config *config, const char *rootfs, bool no_pivot,
                 struct nook_err *err)
{
        _cleanup_close_ int old_root = -1, new_root = -1;

        /* Without a mount namespace of its own, pivot_root would change the root of
         * every process of nook's: a chroot, as runc and crun do. */
        if (!rootfs_own_mount_ns(config)) {
                if (chroot(rootfs) < 0)
                        return nook_err_sys(err, "chroot %s", rootfs);
                if (chdir("/") < 0)
                        return nook_err_sys(err, "chdir /");
                return 0;
        }
        if (no_pivot)
                return move_root(rootfs, err);
        old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (old_root < 0)
                return nook_err_sys(err, "open /");
        new_root = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (new_root < 0)
                return nook_err_sys(err, "open %s", rootfs);
        /* pivot_root(".", ".") stacks the old root on top of the new one at "/", so no
         * directory for it is needed inside the rootfs (runc's way). */
        if (fchdir(new_root) < 0)
                return nook_err_sys(err, "chdir %s", rootfs);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return nook_err_sys(err, "pivot_root %s", rootfs);
        if (fchdir(old_root) < 0)
                return nook_err_sys(err, "chdir to the old root");
        /* Slave first, so the detach below cannot propagate to the host's mounts. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return nook_err_sys(err, "make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return nook_err_sys(err, "unmount the old root");
        if (chdir("/") < 0)
                return nook_err_sys(err, "chdir /");
        return 0;
}
