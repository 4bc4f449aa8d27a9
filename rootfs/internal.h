/* Declarations shared by the .c files of rootfs/ only; nothing outside rootfs/ includes this. */
#ifndef NOOK_ROOTFS_INTERNAL_H
#define NOOK_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "common/error.h"

struct oci_config;

/* Per-mount flags a bind remount can change; anything else in an OCI mount's flags is
 * either a superblock option or propagation and must not reach MS_REMOUNT|MS_BIND. */
#define ROOTFS_ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define ROOTFS_REMOUNT_FLAGS                                                                       \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | ROOTFS_ATIME_FLAGS)
#define ROOTFS_PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* resolve.c: every path of the container is looked up with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) below an O_PATH fd of its root, so that no symlink in the image
 * ("/", "../../..") can send a mount, a device or a directory onto the host. */

/* "/proc/self/fd/N": lets mount(2) act on the object an fd already resolved. */
#define PROC_FD_PATH_MAX 32
const char *proc_fd_path(char buf[PROC_FD_PATH_MAX], int fd);

enum {
        ROOTFS_MKDIR = 1 << 0,    /* create missing components as directories (0755) */
        ROOTFS_MKFILE = 1 << 1,   /* ... but the last one as an empty regular file */
        ROOTFS_NOFOLLOW = 1 << 2, /* a symlink as last component is returned, not followed */
};

/* O_PATH|O_DIRECTORY fd of a host directory (the rootfs, or "/" after pivot_root). */
int rootfs_open_root(const char *path, struct nook_err *err);

/* O_PATH fd of `path` (absolute or not, always taken inside root_fd); with ROOTFS_MKDIR or
 * ROOTFS_MKFILE missing components are created one at a time relative to the parent
 * already resolved, following dangling symlinks inside the root as runc does.  On failure
 * errno is kept (callers may skip ENOENT). */
int rootfs_open(int root_fd, const char *path, unsigned flags, mode_t file_mode,
                struct nook_err *err);

/* O_PATH fd of the directory that holds the last component of `path` (created like
 * ROOTFS_MKDIR); *name is set to a copy of that component, never "." or "..". */
int rootfs_open_parent(int root_fd, const char *path, char **name, struct nook_err *err);

/* mounts.c */

/* Resolves dest inside root_fd (created per `flags`), mounts there through
 * /proc/self/fd and returns an O_PATH fd of the new mount's root, which is what a
 * following remount or propagation change must act on. */
int rootfs_mount_at(int root_fd, const char *dest, unsigned flags, const char *source,
                    const char *fstype, unsigned long mountflags, const char *data,
                    struct nook_err *err);

enum {
        REMOUNT_KEEP_CURRENT = 1 << 0, /* keep the mount's present flags, add `flags` */
        REMOUNT_RECURSIVE = 1 << 1,    /* MS_RDONLY also for every submount (mount_setattr) */
};

/* The one bind remount, for bind mounts, read-only paths and the read-only root:
 * MS_BIND|MS_REMOUNT with `flags` (ROOTFS_REMOUNT_FLAGS) on the mount root at `target`.
 * When a user namespace has locked flags of the mount (EPERM) it retries with them added,
 * unless `clear` explicitly asks to drop one of them.  `what` names the path in errors. */
int rootfs_bind_remount(const char *target, const char *what, unsigned long flags,
                        unsigned long clear, unsigned opts, struct nook_err *err);

/* The propagation every mount of the container starts with: MS_PRIVATE when
 * rootfsPropagation asks for a private one, else MS_SLAVE. */
unsigned long rootfs_initial_propagation(const struct oci_config *config);

/* idmap.c: attaches the detached tree `tree_fd` at dest inside root_fd (created per
 * `flags`, as rootfs_mount_at does) and returns an O_PATH fd of the new mount's root. */
int rootfs_move_mount_at(int root_fd, const char *dest, unsigned flags, int tree_fd,
                         struct nook_err *err);

/* copyup.c: copies what the directory `under_fd` (an O_PATH fd opened before the mount
 * covered it) holds into the new mount `mount_fd`: files, directories, symlinks and
 * device nodes, with their owners, modes and times; with root_too the mount's root gets
 * the directory's own. */
int rootfs_copy_up(int under_fd, int mount_fd, bool root_too, struct nook_err *err);

/* dev.c: linux.devices, the default nodes and links of a fresh /dev, /dev/console. */
struct rootfs_idmaps;
int rootfs_setup_dev(const struct oci_config *config, int root_fd, const struct rootfs_idmaps *made,
                     struct nook_err *err);

/* O_PATH fd of the root's /dev/null, checked to be the null device (1:3) and not a symlink
 * or file an image planted there to be bound over masked paths. */
int rootfs_open_dev_null(int root_fd, struct nook_err *err);

#endif
