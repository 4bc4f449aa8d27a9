/* The container's root filesystem, built inside its new mount namespace by the child:
 * root propagation, the rootfs bind, every OCI mount (resolved inside the rootfs, never
 * following a symlink out of it), /dev and its default nodes and links, pivot_root,
 * masked and read-only paths and a read-only root.  Never calls into runtime/. */
#ifndef NOOK_ROOTFS_ROOTFS_H
#define NOOK_ROOTFS_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

struct oci_config;

/* Idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP, kernel >= 5.12).  Making one takes
 * CAP_SYS_ADMIN over the source's file system, which only the runtime in the host's user
 * namespace has, while only the container's init can attach it in its mount namespace.
 * So the parent makes detached idmapped copies before the clone, the child inherits the
 * fds and rootfs_prepare attaches them where the rootfs bind and the mounts would go. */
struct rootfs_idmaps {
        int rootfs;  /* detached idmapped copy of the rootfs (org.nook.rootfs.idmap), or -1 */
        int *mounts; /* one per config->mounts entry, -1 where not idmapped; NULL if none is */
        size_t n_mounts;
        /* In a new user namespace, where mknod is refused: one per linux.devices entry, a
         * detached bind of the node made on a private tmpfs (crun's way), -1 where none
         * could be made (the child then binds the host's node of that path, runc's way). */
        int *devices;
        size_t n_devices;
};

/* In the parent, before the clone: the nodes of linux.devices for a container in a new
 * user namespace, each made with its type, numbers and mode on a tmpfs no mount table
 * shows and owned by the host ids of its uid and gid, into out->devices.  Never fails
 * the create: a node it cannot make is left to the child's bind. */
void rootfs_precreate_devices(const struct oci_config *config, struct rootfs_idmaps *out);

/* A detached copy (O_CLOEXEC fd) of the tree at `source`, with its submounts when
 * `recursive`, whose file owners are mapped through the user namespace `userns_fd`: on
 * every mount of the copy when `idmap_recursive`, else on its top mount.  It propagates
 * like the container's other mounts: no mount made on it can reach the host.  `what`
 * names it in errors (the destination). */
int rootfs_idmap_clone(const struct oci_config *config, const char *source, bool recursive,
                       bool idmap_recursive, int userns_fd, const char *what, struct nook_err *err);

/* Closes every fd of m and empties it. */
void rootfs_idmaps_close(struct rootfs_idmaps *m);

/* Before pivot_root: makes / rslave (or per rootfsPropagation), binds `rootfs` (an
 * absolute path) onto itself, performs config->mounts in order, creates the devices
 * of linux.devices and the default /dev nodes (null, zero, full, random, urandom, tty)
 * and links (fd, stdin, stdout, stderr, ptmx -> pts/ptmx) when /dev is a fresh mount,
 * and creates /dev/console as an empty file for a later bind.  Idmapped copies in
 * `idmaps` (may be NULL) take the place of the rootfs bind and of their mounts' binds;
 * its fds are closed.  Runs in the child. */
int rootfs_prepare(const struct oci_config *config, const char *rootfs,
                   struct rootfs_idmaps *idmaps, struct nook_err *err);

/* pivot_root into rootfs and detaches the old root; with no_pivot, uses MS_MOVE +
 * chroot instead (for ramfs roots, `run --no-pivot`). */
int rootfs_pivot(const struct oci_config *config, const char *rootfs, bool no_pivot,
                 struct nook_err *err);
/* Whether the config gives the container a mount namespace (new or joined); without
 * one its mounts are made in nook's and it is chroot'ed, as runc does. */
bool rootfs_own_mount_ns(const struct oci_config *config);

/* After pivot_root: masked paths, read-only paths, root.readonly, and the final
 * propagation of / (rootfsPropagation).  Paths that do not exist are skipped. */
int rootfs_finalize(const struct oci_config *config, struct nook_err *err);

/* Binds the pty slave at pts_path over /dev/console (after pivot). */
int rootfs_bind_console(const char *pts_path, struct nook_err *err);

/* Writes linux.sysctl entries under /proc/sys (after pivot, before finalize). */
int rootfs_apply_sysctl(const struct oci_config *config, struct nook_err *err);

/* rootfs/overlay.c: a container's root as an overlay of a template (lower) and its
 * private layer (upper), in the caller's mount namespace. */
int rootfs_overlay_mount(const char *lower, const char *upper, const char *work, const char *target,
                         struct nook_err *err);
/* Unmounts target until it is no mount point any more. */
int rootfs_overlay_umount(const char *target, struct nook_err *err);
/* Whether path is a mount point (statx's mount-root flag, else the mount table). */
bool rootfs_is_mount_point(const char *path);

/* rootfs/mntns.c: a private mount namespace (a slave of the caller's) for a while.  A
 * container started from it takes its root from there, so the host's namespace never
 * holds the roots of running containers: each new mount namespace copies the host's,
 * and with every running container's root in it, a fleet's starts cost N x N. */
struct rootfs_mntns {
        int ns;  /* the namespace left */
        int cwd; /* the working directory there */
};
int rootfs_mntns_enter_private(struct rootfs_mntns *saved, struct nook_err *err);
/* Back to the namespace saved (and its working directory); a no-op after a failed
 * enter. */
int rootfs_mntns_leave(struct rootfs_mntns *saved, struct nook_err *err);

/* Makes path inside root exist, resolved safely there: missing directories, and the
 * last component an empty file when `file`, else a directory. */
int rootfs_ensure_path_in(const char *root, const char *path, bool file, struct nook_err *err);
/* rootfs/infile.c: the host's reads and writes of files inside a container's root
 * directory `root` (which the container may have filled with symlinks): `path` is
 * resolved inside root, never outside.  A write replaces the file atomically (a new
 * file renamed over it, keeping the old one's owner and mode, else `mode`) and creates
 * missing directories; a symlink at `path` itself is replaced, not followed. */
int rootfs_write_file_in(const char *root, const char *path, const void *data, size_t len,
                         mode_t mode, struct nook_err *err);
/* Reads a regular file (at most max bytes, 0 = no limit), NUL-terminated. */
int rootfs_read_file_in(const char *root, const char *path, char **out, size_t max,
                        struct nook_err *err);

#endif
