/* Files the host reads and writes inside a container's root, which the container can
 * change under our feet: every path is resolved with openat2(RESOLVE_IN_ROOT), and a
 * write goes to a new file beside the target that is then renamed over it, so a symlink
 * planted at the target is replaced, never followed. */
#include "rootfs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "rootfs/rootfs.h"

int rootfs_write_file_in(const char *root, const char *path, const void *data, size_t len,
                         mode_t mode, struct nook_err *err)
{
        _cleanup_close_ int root_fd = rootfs_open_root(root, err);
        _cleanup_close_ int parent = -1, fd = -1;
        _cleanup_free_ char *name = NULL, *tmp = NULL;
        struct stat old;

        if (root_fd < 0)
                return -1;
        parent = rootfs_open_parent(root_fd, path, &name, err);
        if (parent < 0)
                return nook_err_prefix(err, "write %s in %s", path, root);
        /* A file being replaced keeps its owner and mode (/etc/shadow: root:shadow 0640). */
        if (fstatat(parent, name, &old, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(old.st_mode))
                old = (struct stat){.st_mode = mode, .st_uid = 0, .st_gid = 0};
        tmp = xasprintf(".%s.nookctl-%d", name, (int)getpid());
        unlinkat(parent, tmp, 0);
        fd = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return nook_err_sys(err, "write %s in %s", path, root);
        if (write_all(fd, data, len) < 0 || fchown(fd, old.st_uid, old.st_gid) < 0 ||
            fchmod(fd, old.st_mode & 07777) < 0 || renameat(parent, tmp, parent, name) < 0) {
                nook_err_sys(err, "write %s in %s", path, root);
                unlinkat(parent, tmp, 0);
                return -1;
        }
        return 0;
}

int rootfs_read_file_in(const char *root, const char *path, char **out, size_t max,
                        struct nook_err *err)
{
        _cleanup_close_ int root_fd = rootfs_open_root(root, err);
        _cleanup_close_ int fd = -1;
        char proc[PROC_FD_PATH_MAX];
        struct stat st;

        if (root_fd < 0)
                return -1;
        fd = rootfs_open(root_fd, path, 0, 0, err);
        if (fd < 0)
                return nook_err_prefix(err, "read %s in %s", path, root);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return nook_err_set(err, EINVAL, "read %s in %s: not a regular file", path, root);
        return read_file(proc_fd_path(proc, fd), out, NULL, max, err);
}

int rootfs_ensure_path_in(const char *root, const char *path, bool file, struct nook_err *err)
{
        _cleanup_close_ int root_fd = rootfs_open_root(root, err);
        _cleanup_close_ int fd = -1;

        if (root_fd < 0)
                return -1;
        fd = rootfs_open(root_fd, path, file ? ROOTFS_MKFILE : ROOTFS_MKDIR, 0644, err);
        return fd < 0 ? nook_err_prefix(err, "%s in %s", path, root) : 0;
}
