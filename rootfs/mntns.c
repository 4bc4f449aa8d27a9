/* A private mount namespace for a while: where nookctl mounts a container's root while
 * it starts one, so that the host's namespace never holds the roots of running
 * containers. */
#include "rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cleanup.h"

int rootfs_mntns_enter_private(struct rootfs_mntns *saved, struct nook_err *err)
{
        _cleanup_close_ int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

        *saved = (struct rootfs_mntns){.ns = -1, .cwd = -1};
        if (ns < 0)
                return nook_err_sys(err, "open /proc/self/ns/mnt");
        if (unshare(CLONE_NEWNS) < 0)
                return nook_err_sys(err, "unshare a mount namespace");
        saved->ns = TAKE_FD(ns);
        saved->cwd = TAKE_FD(cwd);
        /* A slave: the host's later mounts still reach it, nothing made here goes back. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
                int r = nook_err_sys(err, "make the private mount namespace a slave");

                (void)rootfs_mntns_leave(saved, NULL);
                return r;
        }
        return 0;
}

int rootfs_mntns_leave(struct rootfs_mntns *saved, struct nook_err *err)
{
        int r = 0;

        if (saved->ns < 0)
                return 0;
        /* setns() puts the process at the namespace's root: the working directory goes
         * back by its descriptor (relative paths on the command line still mean it). */
        if (setns(saved->ns, CLONE_NEWNS) < 0)
                r = nook_err_sys(err, "return to the host's mount namespace");
        else if (saved->cwd >= 0 && fchdir(saved->cwd) < 0)
                r = nook_err_sys(err, "return to the working directory");
        closep(&saved->ns);
        closep(&saved->cwd);
        *saved = (struct rootfs_mntns){.ns = -1, .cwd = -1};
        return r;
}
