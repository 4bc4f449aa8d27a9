/* rootfs_prepare: root propagation, the rootfs bind and the OCI mounts, in order. */
#include "rootfs/rootfs.h"
#include "rootfs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "oci/oci.h"

/* Where the cgroup2 hierarchy is mounted in this mount namespace (before pivot_root,
 * the host's), or NULL. */
static char *host_cgroup2(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        while (f && getline(&line, &cap, f) > 0) {
                char point[4096], fstype[64];
                const char *sep = strstr(line, " - ");

                if (sep && sscanf(sep, " - %63s", fstype) == 1 && strcmp(fstype, "cgroup2") == 0 &&
                    sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1)
                        return xstrdup(point);
        }
        return NULL;
}

/* Returns an O_PATH fd of the new mount.  With an idmapped copy of the source
 * (idmapped >= 0), that copy is attached instead of a bind made here. */
static int mount_bind(int root_fd, const struct oci_mount *m, const char *source, bool recursive,
                      int idmapped, struct nook_err *err)
{
        unsigned long flags = m->flags & ROOTFS_REMOUNT_FLAGS;
        unsigned long clear = m->clear_flags & ROOTFS_REMOUNT_FLAGS;
        char target[PROC_FD_PATH_MAX];
        struct stat st;
        unsigned create;
        _cleanup_close_ int fd = -1;

        if (source == NULL)
                return nook_err_set(err, EINVAL, "bind mount on %s has no source", m->destination);
        /* A relative source is taken from the cwd, the bundle, as mount(2) would. */
        if ((idmapped >= 0 ? fstat(idmapped, &st) : stat(source, &st)) < 0)
                return nook_err_sys(err, "stat %s", source);
        create = S_ISDIR(st.st_mode) ? ROOTFS_MKDIR : ROOTFS_MKFILE;
        if (idmapped >= 0)
                fd = rootfs_move_mount_at(root_fd, m->destination, create, idmapped, err);
        else
                fd = rootfs_mount_at(root_fd, m->destination, create, source, NULL,
                                     MS_BIND | (recursive ? MS_REC : 0), NULL, err);
        if (fd < 0)
                return -1;
        /* MS_BIND ignores every other flag: options take a remount, "rw" or "suid" too. */
        if ((flags | clear) != 0 &&
            rootfs_bind_remount(proc_fd_path(target, fd), m->destination, flags, clear,
                                recursive ? REMOUNT_RECURSIVE : 0, err) < 0)
                return -1;
        return TAKE_FD(fd);
}

static int mount_filesystem(int root_fd, const struct oci_mount *m, struct nook_err *err)
{
        unsigned long flags =
            m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | ROOTFS_PROPAGATION_FLAGS);
        const char *type = m->type;
        const char *data = m->data;
        _cleanup_close_ int under = -1;
        int fd;

        if (type == NULL)
                return nook_err_set(err, EINVAL, "mount on %s has no type", m->destination);
        /* nook is cgroup v2 only: a "cgroup" mount gets the unified hierarchy, whose options
         * have nothing in common with v1's. */
        if (strcmp(type, "cgroup") == 0) {
                type = "cgroup2";
                data = NULL;
        }
        if (m->tmpcopyup && strcmp(type, "tmpfs") == 0) {
                /* The directory the tmpfs will cover, while it can still be opened. */
                under = rootfs_open(root_fd, m->destination, ROOTFS_MKDIR, 0, err);
                if (under < 0)
                        return -1;
        }
        fd = rootfs_mount_at(root_fd, m->destination, ROOTFS_MKDIR, m->source ? m->source : type,
                             type, flags, data, err);
        /* An explicit mode=, uid= or gid= is the config's word on the root. */
        if (fd >= 0 && under >= 0 &&
            rootfs_copy_up(
                under, fd,
                !data || !(strstr(data, "mode=") || strstr(data, "uid=") || strstr(data, "gid=")),
                err) < 0) {
                close(fd);
                return -1;
        }
        if (fd < 0 && errno == EPERM && strcmp(type, "sysfs") == 0) {
                /* sysfs needs a network namespace of our own (and no foreign user namespace);
                 * without one, runc binds the host's /sys with the same flags. */
                nook_debug("mount sysfs on %s: EPERM, binding /sys instead", m->destination);
                return mount_bind(root_fd, m, "/sys", true, -1, err);
        }
        if (fd < 0 && (errno == EPERM || errno == EBUSY) && strcmp(type, "cgroup2") == 0) {
                /* cgroup2 needs a cgroup namespace of our own in a user namespace: without
                 * one runc and crun bind the host's hierarchy, with the same flags. */
                _cleanup_free_ char *host = host_cgroup2();

                nook_debug("mount cgroup2 on %s: %s, binding %s instead", m->destination,
                           strerror(errno), host ? host : "(none)");
                if (host)
                        return mount_bind(root_fd, m, host, false, -1, err);
        }
        return fd;
}

static int mount_entry(int root_fd, const struct oci_mount *m, int idmapped, struct nook_err *err)
{
        char target[PROC_FD_PATH_MAX];
        _cleanup_close_ int fd =
            m->bind ? mount_bind(root_fd, m, m->source, m->recursive, idmapped, err)
                    : mount_filesystem(root_fd, m, err);

        if (fd < 0)
                return -1;
        if ((m->rec_attr_set | m->rec_attr_clr) != 0) {
                struct mount_attr attr = {.attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr};

                if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                        return nook_err_sys(err, "set the recursive options of %s", m->destination);
        }
        if (m->propagation != 0 &&
            mount(NULL, proc_fd_path(target, fd), NULL, m->propagation, NULL) < 0)
                return nook_err_sys(err, "set propagation of %s", m->destination);
        return 0;
}

/* pivot_root refuses a shared parent, and a shared parent would carry the rootfs bind
 * back to the host: make the mount holding rootfs private (runc's
 * rootfsParentMountPrivate).  EINVAL means "not a mount point": try the parent. */
static int make_parent_private(const char *rootfs, struct nook_err *err)
{
        _cleanup_free_ char *path = xstrdup(rootfs);

        for (;;) {
                char *slash;

                if (mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0)
                        return 0;
                if (errno != EINVAL || strcmp(path, "/") == 0)
                        return nook_err_sys(err, "make the mount holding %s private", rootfs);
                slash = strrchr(path, '/');
                if (slash == path)
                        slash[1] = '\0';
                else
                        *slash = '\0';
        }
}

static int bind_rootfs(const char *root, const struct rootfs_idmaps *idmaps, struct nook_err *err)
{
        if (idmaps && idmaps->rootfs >= 0) {
                if (move_mount(idmaps->rootfs, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return nook_err_sys(err, "attach the idmapped rootfs %s", root);
                return 0;
        }
        if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                return nook_err_sys(err, "bind rootfs %s on itself", root);
        return 0;
}

static int prepare(const struct oci_config *config, const char *rootfs,
                   const struct rootfs_idmaps *idmaps, struct nook_err *err)
{
        _cleanup_free_ char *root = realpath(rootfs, NULL);
        _cleanup_close_ int root_fd = -1;
        unsigned long propagation = rootfs_initial_propagation(config);

        if (root == NULL)
                return nook_err_sys(err, "resolve rootfs %s", rootfs);
        /* Without a mount namespace of its own every mount below is made in the one nook
         * runs in (runc's way; delete unmounts them): its propagation is not ours to
         * change. */
        if (rootfs_own_mount_ns(config)) {
                if (mount(NULL, "/", NULL, MS_REC | propagation, NULL) < 0)
                        return nook_err_sys(err, "make / %s",
                                            propagation == MS_PRIVATE ? "rprivate" : "rslave");
                if (make_parent_private(root, err) < 0)
                        return -1;
        }
        if (bind_rootfs(root, idmaps, err) < 0)
                return -1;
        /* Opened after the bind, so lookups start on the new mount pivot_root will use. */
        root_fd = rootfs_open_root(root, err);
        if (root_fd < 0)
                return -1;
        for (size_t i = 0; i < config->n_mounts; i++) {
                int idmapped =
                    idmaps && idmaps->mounts && i < idmaps->n_mounts ? idmaps->mounts[i] : -1;

                if (mount_entry(root_fd, &config->mounts[i], idmapped, err) < 0)
                        return -1;
        }
        return rootfs_setup_dev(config, root_fd, idmaps, err);
}

int rootfs_prepare(const struct oci_config *config, const char *rootfs,
                   struct rootfs_idmaps *idmaps, struct nook_err *err)
{
        /* Modes of directories, files and device nodes are the config's, not umask's. */
        mode_t saved_umask = umask(0);
        int r = prepare(config, rootfs, idmaps, err);

        umask(saved_umask);
        if (idmaps)
                rootfs_idmaps_close(idmaps);
        return r;
}
