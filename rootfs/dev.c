/* /dev: linux.devices, the default nodes and links of a fresh /dev, and /dev/console. */
#include "rootfs/rootfs.h"
#include "rootfs/internal.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/oci.h"

static const struct {
        const char *path;
        unsigned major, minor;
} default_nodes[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static const struct {
        const char *name, *target;
} default_links[] = {
    {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};

/* mknod inside the root; an existing node is kept.  uid/gid (uid_t)-1 = leave as is.
 * Where mknod is refused (a user namespace), the node `made` by the parent is attached,
 * else the host's node of the same path is bound. */
static int create_node(int root_fd, const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid,
                       int made, struct nook_err *err)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir = rootfs_open_parent(root_fd, path, &name, err);
        _cleanup_close_ int bound = -1;

        if (dir < 0)
                return -1;
        if (mknodat(dir, name, mode, dev) == 0) {
                if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
                    fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return nook_err_sys(err, "chown %s", path);
                return 0;
        }
        if (errno == EEXIST)
                return 0;
        if (errno != EPERM)
                return nook_err_sys(err, "mknod %s", path);
        if (made >= 0)
                return rootfs_move_mount_at(root_fd, path, ROOTFS_MKFILE, made, err) < 0 ? -1 : 0;
        bound = rootfs_mount_at(root_fd, path, ROOTFS_MKFILE, path, NULL, MS_BIND, NULL, err);
        if (bound < 0)
                return -1;
        /* A node of the host's: nothing on it is to be executed or setuid (crun's flags). */
        char target[PROC_FD_PATH_MAX];
        return rootfs_bind_remount(proc_fd_path(target, bound), path, MS_NOSUID | MS_NOEXEC, 0,
                                   REMOUNT_KEEP_CURRENT, err);
}

static mode_t device_type(char type)
{
        return type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
}

static mode_t device_mode(const struct oci_device *d)
{
        return device_type(d->type) | ((d->has_file_mode ? d->file_mode : 0666) & 07777);
}

static dev_t device_number(const struct oci_device *d)
{
        return d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
}

static int create_device(int root_fd, const struct oci_device *d, int made, struct nook_err *err)
{
        return create_node(root_fd, d->path, device_mode(d), device_number(d),
                           d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1, made,
                           err);
}

/* The host id of container id `id` through the mappings, or (uint32_t)-1. */
static uint32_t host_id(const struct oci_idmap *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
                        return m[i].host_id + (id - m[i].container_id);
        return (uint32_t)-1;
}

void rootfs_precreate_devices(const struct oci_config *config, struct rootfs_idmaps *out)
{
        const struct oci_linux *l = &config->linux_;
        const struct oci_namespace *ns = oci_config_namespace(config, CLONE_NEWUSER);
        _cleanup_close_ int fs = -1, mnt = -1;

        if (ns == NULL || ns->path != NULL || l->n_devices == 0)
                return;
        out->n_devices = l->n_devices;
        out->devices = xcalloc(l->n_devices, sizeof(*out->devices));
        for (size_t i = 0; i < l->n_devices; i++)
                out->devices[i] = -1;
        /* A tmpfs of its own, never attached anywhere: its superblock lives as long as a
         * detached copy of one of its nodes does. */
        fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
            (mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0)) < 0) {
                nook_debug("devices: no private tmpfs (%s): the host's nodes are bound",
                           strerror(errno));
                return;
        }
        for (size_t i = 0; i < l->n_devices; i++) {
                const struct oci_device *d = &l->devices[i];
                uint32_t uid = host_id(l->uid_mappings, l->n_uid_mappings, d->has_uid ? d->uid : 0);
                uint32_t gid = host_id(l->gid_mappings, l->n_gid_mappings, d->has_gid ? d->gid : 0);
                char name[24];

                snprintf(name, sizeof(name), "%zu", i);
                if (mknodat(mnt, name, device_mode(d), device_number(d)) < 0 ||
                    fchownat(mnt, name, uid, gid, 0) < 0 ||
                    (out->devices[i] = open_tree(mnt, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) <
                        0)
                        nook_debug("device %s: not made (%s): the host's node is bound", d->path,
                                   strerror(errno));
        }
}

static bool is_dev(const char *path)
{
        while (*path == '/')
                path++;
        if (strncmp(path, "dev", 3) != 0)
                return false;
        for (path += 3; *path == '/'; path++)
                ;
        return *path == '\0';
}

/* Only a /dev the config mounts afresh gets the defaults; an image's or a bound /dev is
 * left as it is. */
static bool has_fresh_dev(const struct oci_config *config)
{
        for (size_t i = 0; i < config->n_mounts; i++)
                if (!config->mounts[i].bind && is_dev(config->mounts[i].destination))
                        return true;
        return false;
}

static int create_default_dev(int root_fd, struct nook_err *err)
{
        _cleanup_close_ int dev = -1;

        for (size_t i = 0; i < ARRAY_SIZE(default_nodes); i++)
                if (create_node(root_fd, default_nodes[i].path, S_IFCHR | 0666,
                                makedev(default_nodes[i].major, default_nodes[i].minor), (uid_t)-1,
                                (gid_t)-1, -1, err) < 0)
                        return -1;
        dev = rootfs_open(root_fd, "/dev", 0, 0, err);
        if (dev < 0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
                if (symlinkat(default_links[i].target, dev, default_links[i].name) < 0 &&
                    errno != EEXIST)
                        return nook_err_sys(err, "symlink /dev/%s", default_links[i].name);
        return 0;
}

int rootfs_setup_dev(const struct oci_config *config, int root_fd, const struct rootfs_idmaps *made,
                     struct nook_err *err)
{
        /* The config's devices first, so that they win over a default of the same name. */
        for (size_t i = 0; i < config->linux_.n_devices; i++) {
                int fd = made && made->devices && i < made->n_devices ? made->devices[i] : -1;

                if (create_device(root_fd, &config->linux_.devices[i], fd, err) < 0)
                        return -1;
        }
        if (has_fresh_dev(config) && create_default_dev(root_fd, err) < 0)
                return -1;
        if (config->process && config->process->terminal) {
                _cleanup_close_ int console = rootfs_open(
                    root_fd, "/dev/console", ROOTFS_MKFILE | ROOTFS_NOFOLLOW, 0600, err);
                if (console < 0)
                        return -1;
        }
        return 0;
}

/* Opens path inside root_fd without following a final symlink and checks its type, so
 * that an image cannot turn the bind into one over, say, /proc/sysrq-trigger. */
static int open_checked(int root_fd, const char *path, unsigned flags, bool allow_regular,
                        struct nook_err *err)
{
        struct stat st;
        _cleanup_close_ int fd = rootfs_open(root_fd, path, flags | ROOTFS_NOFOLLOW, 0600, err);

        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0)
                return nook_err_sys(err, "stat %s", path);
        if (!S_ISCHR(st.st_mode) && !(allow_regular && S_ISREG(st.st_mode)))
                return nook_err_set(err, EINVAL, "%s is not a %s", path,
                                    allow_regular ? "file or a character device"
                                                  : "character device");
        return TAKE_FD(fd);
}

int rootfs_open_dev_null(int root_fd, struct nook_err *err)
{
        struct stat st;
        _cleanup_close_ int fd = open_checked(root_fd, "/dev/null", 0, false, err);

        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0)
                return nook_err_sys(err, "stat /dev/null");
        if (st.st_rdev != makedev(1, 3))
                return nook_err_set(err, EINVAL, "/dev/null is not the null device");
        return TAKE_FD(fd);
}

int rootfs_bind_console(const char *pts_path, struct nook_err *err)
{
        char source[PROC_FD_PATH_MAX], target[PROC_FD_PATH_MAX];
        _cleanup_close_ int root_fd = rootfs_open_root("/", err);
        _cleanup_close_ int pts = -1, console = -1;

        if (root_fd < 0)
                return -1;
        pts = open_checked(root_fd, pts_path, 0, false, err);
        if (pts < 0)
                return -1;
        console = open_checked(root_fd, "/dev/console", ROOTFS_MKFILE, true, err);
        if (console < 0)
                return -1;
        if (mount(proc_fd_path(source, pts), proc_fd_path(target, console), NULL, MS_BIND, NULL) <
            0)
                return nook_err_sys(err, "bind %s on /dev/console", pts_path);
        return 0;
}
