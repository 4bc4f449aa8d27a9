/* Idmapped mounts: one template, shared by containers whose user namespaces map different
 * host id ranges, shows each of them its files as owned by its own root, without a copy
 * or a chown.  See rootfs.h for who does what (parent: detached copy, child: attach). */
#include "rootfs/rootfs.h"
#include "rootfs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cleanup.h"

int rootfs_idmap_clone(const struct oci_config *config, const char *source, bool recursive,
                       bool idmap_recursive, int userns_fd, const char *what, struct nook_err *err)
{
        struct mount_attr propagation = {.propagation = rootfs_initial_propagation(config)};
        struct mount_attr idmap = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
        _cleanup_close_ int fd = -1;

        if (source == NULL)
                return nook_err_set(err, EINVAL, "bind mount on %s has no source", what);
        fd = open_tree(AT_FDCWD, source,
                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (fd < 0)
                return nook_err_sys(err, "copy %s for the idmapped mount on %s", source, what);
        /* A copy of a shared mount joins its peer group: mounts made on top of it in the
         * container would appear on the host. */
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &propagation, sizeof(propagation)) <
            0)
                return nook_err_sys(err, "set the propagation of the idmapped mount on %s", what);
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (idmap_recursive ? AT_RECURSIVE : 0), &idmap,
                          sizeof(idmap)) < 0) {
                /* EINVAL is also what a file system without idmap support gives. */
                if (errno == EINVAL)
                        return nook_err_sys(err,
                                            "idmapped mount of %s on %s (does its file system "
                                            "support idmapped mounts?)",
                                            source, what);
                return nook_err_sys(err, "idmapped mount of %s on %s", source, what);
        }
        return TAKE_FD(fd);
}

void rootfs_idmaps_close(struct rootfs_idmaps *m)
{
        if (m->rootfs >= 0)
                close(m->rootfs);
        m->rootfs = -1;
        for (size_t i = 0; m->mounts && i < m->n_mounts; i++)
                if (m->mounts[i] >= 0)
                        close(m->mounts[i]);
        free(m->mounts);
        m->mounts = NULL;
        m->n_mounts = 0;
        for (size_t i = 0; m->devices && i < m->n_devices; i++)
                if (m->devices[i] >= 0)
                        close(m->devices[i]);
        free(m->devices);
        m->devices = NULL;
        m->n_devices = 0;
}

int rootfs_move_mount_at(int root_fd, const char *dest, unsigned flags, int tree_fd,
                         struct nook_err *err)
{
        _cleanup_close_ int fd = rootfs_open(root_fd, dest, flags, 0644, err);

        if (fd < 0)
                return -1;
        if (move_mount(tree_fd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return nook_err_sys(err, "attach the idmapped mount on %s", dest);
        /* fd still names what is underneath; the new mount is on top of it. */
        return rootfs_open(root_fd, dest, flags & ROOTFS_NOFOLLOW, 0, err);
}
