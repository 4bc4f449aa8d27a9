/* After pivot_root: read-only and masked paths, the read-only root, the final propagation
 * of "/", and linux.sysctl.  Paths are the container's, resolved inside its "/". */
#include "rootfs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/oci.h"
#include "rootfs/rootfs.h"

/* A path that does not exist has nothing to protect: ENOENT is not an error. */
static int readonly_path(int root_fd, const char *path, struct nook_err *err)
{
        char self[PROC_FD_PATH_MAX], target[PROC_FD_PATH_MAX];
        _cleanup_close_ int fd = rootfs_open(root_fd, path, 0, 0, err);
        _cleanup_close_ int top = -1;

        if (fd < 0)
                return errno == ENOENT ? 0 : -1;
        proc_fd_path(self, fd);
        if (mount(self, self, NULL, MS_BIND | MS_REC, NULL) < 0)
                return nook_err_sys(err, "bind %s on itself", path);
        top = rootfs_open(root_fd, path, 0, 0, err);
        if (top < 0)
                return -1;
        return rootfs_bind_remount(proc_fd_path(target, top), path, MS_RDONLY, 0,
                                   REMOUNT_KEEP_CURRENT, err);
}

/* A directory is hidden under an empty read-only tmpfs, anything else under /dev/null
 * (opened once into *null_fd). */
static int mask_path(int root_fd, const char *path, int *null_fd, struct nook_err *err)
{
        char source[PROC_FD_PATH_MAX], target[PROC_FD_PATH_MAX];
        struct stat st;
        _cleanup_close_ int fd = rootfs_open(root_fd, path, 0, 0, err);

        if (fd < 0)
                return errno == ENOENT ? 0 : -1;
        if (fstat(fd, &st) < 0)
                return nook_err_sys(err, "stat %s", path);
        proc_fd_path(target, fd);
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", target, "tmpfs", MS_RDONLY, NULL) < 0)
                        return nook_err_sys(err, "mount tmpfs on %s", path);
                return 0;
        }
        if (*null_fd < 0) {
                *null_fd = rootfs_open_dev_null(root_fd, err);
                if (*null_fd < 0)
                        return nook_err_prefix(err, "mask %s", path);
        }
        if (mount(proc_fd_path(source, *null_fd), target, NULL, MS_BIND, NULL) < 0)
                return nook_err_sys(err, "bind /dev/null on %s", path);
        return 0;
}

int rootfs_finalize(const struct oci_config *config, struct nook_err *err)
{
        const struct oci_linux *lx = &config->linux_;
        _cleanup_close_ int root_fd = -1;
        _cleanup_close_ int null_fd = -1;

        /* What follows remounts (read-only paths, the root, propagation): in the mount
         * namespace nook runs in, not the container's business; runc skips it too, and
         * create refuses masked and read-only paths there. */
        if (!rootfs_own_mount_ns(config))
                return 0;
        root_fd = rootfs_open_root("/", err);
        if (root_fd < 0)
                return -1;
        /* runc's order: read-only paths, then masks (which may lie inside them). */
        for (char **p = lx->readonly_paths; p && *p; p++)
                if (readonly_path(root_fd, *p, err) < 0)
                        return -1;
        for (char **p = lx->masked_paths; p && *p; p++)
                if (mask_path(root_fd, *p, &null_fd, err) < 0)
                        return -1;
        if (config->root.readonly &&
            rootfs_bind_remount("/", "/", MS_RDONLY, 0, REMOUNT_KEEP_CURRENT, err) < 0)
                return -1;
        /* Only now may "/" become shared: before pivot_root that would have reached the host. */
        if (lx->rootfs_propagation != 0 && mount(NULL, "/", NULL, lx->rootfs_propagation, NULL) < 0)
                return nook_err_sys(err, "set propagation of /");
        return 0;
}

/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward"; a key written with '/' already is kept,
 * since its components may contain dots ("net/ipv4/conf/eth0.100/forwarding").  NULL for
 * a key that could leave /proc/sys. */
static char *sysctl_path(const char *key)
{
        _cleanup_free_ char *path = xstrdup(key);
        size_t start = 0;

        if (path[0] == '\0' || path[0] == '/')
                return NULL;
        if (strchr(path, '/') == NULL)
                for (char *c = path; *c; c++)
                        if (*c == '.')
                                *c = '/';
        for (size_t i = 0;; i++) {
                if (path[i] != '/' && path[i] != '\0')
                        continue;
                if (i - start == 2 && strncmp(path + start, "..", 2) == 0)
                        return NULL;
                if (path[i] == '\0')
                        break;
                start = i + 1;
        }
        return TAKE_PTR(path);
}

int rootfs_apply_sysctl(const struct oci_config *config, struct nook_err *err)
{
        const struct oci_linux *lx = &config->linux_;
        _cleanup_close_ int proc_sys = -1;
        struct statfs st;

        if (lx->n_sysctl == 0)
                return 0;
        proc_sys = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc_sys < 0)
                return nook_err_sys(err, "sysctl: open /proc/sys");
        /* Whatever the image put at /proc before proc was mounted must not take the writes. */
        if (fstatfs(proc_sys, &st) < 0)
                return nook_err_sys(err, "sysctl: statfs /proc/sys");
        if (st.f_type != PROC_SUPER_MAGIC)
                return nook_err_set(err, EINVAL, "sysctl: /proc/sys is not on procfs");
        for (size_t i = 0; i < lx->n_sysctl; i++) {
                const struct oci_kv *kv = &lx->sysctl[i];
                _cleanup_free_ char *path = sysctl_path(kv->key);

                if (path == NULL)
                        return nook_err_set(err, EINVAL, "sysctl %s: invalid key", kv->key);
                if (write_file_at(proc_sys, path, kv->value, strlen(kv->value), err) < 0)
                        return nook_err_prefix(err, "sysctl %s", kv->key);
        }
        return 0;
}
