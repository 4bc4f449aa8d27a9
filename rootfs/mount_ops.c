/* Mount primitives every part of rootfs/ uses: a mount at a path resolved inside the
 * root, a bind remounted with flags (keeping the locked ones), the propagation the
 * root starts with. */
#include "rootfs/rootfs.h"
#include "rootfs/internal.h"

#include <errno.h>
#include <fcntl.h>
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

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

/* The flags a user namespace locks on mounts it inherited (MNT_LOCK_*). */
#define LOCKABLE_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
/* Exactly one of these describes a mount's atime behaviour; strictatime is "neither". */
#define ATIME_MODE_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

int rootfs_mount_at(int root_fd, const char *dest, unsigned flags, const char *source,
                    const char *fstype, unsigned long mountflags, const char *data,
                    struct nook_err *err)
{
        char target[PROC_FD_PATH_MAX];
        _cleanup_close_ int fd = rootfs_open(root_fd, dest, flags, 0644, err);

        if (fd < 0)
                return -1;
        if (mount(source, proc_fd_path(target, fd), fstype, mountflags, data) < 0) {
                if (mountflags & MS_BIND)
                        return nook_err_sys(err, "bind %s on %s", source, dest);
                return nook_err_sys(err, "mount %s on %s", fstype, dest);
        }
        /* fd still names the directory underneath; the new mount is on top of it. */
        return rootfs_open(root_fd, dest, flags & ROOTFS_NOFOLLOW, 0, err);
}

/* The statvfs flags of the mount at target as MS_* flags. */
static int current_flags(const char *target, const char *what, unsigned long *out,
                         struct nook_err *err)
{
        static const struct {
                unsigned long st, ms;
        } map[] = {
            {ST_RDONLY, MS_RDONLY},     {ST_NOSUID, MS_NOSUID},
            {ST_NODEV, MS_NODEV},       {ST_NOEXEC, MS_NOEXEC},
            {ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME},
            {ST_RELATIME, MS_RELATIME}, {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
        };
        struct statvfs st;
        unsigned long ms = 0;

        if (statvfs(target, &st) < 0)
                return nook_err_sys(err, "statvfs %s", what);
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (st.f_flag & map[i].st)
                        ms |= map[i].ms;
        if (!(ms & (MS_NOATIME | MS_RELATIME)))
                ms |= MS_STRICTATIME;
        *out = ms;
        return 0;
}

/* `flags` plus the mount's `current` ones; the atime mode comes from `current` when
 * `flags` asks for none or when current_wins (it is locked and cannot change). */
static unsigned long with_current(unsigned long flags, unsigned long current, unsigned long which,
                                  bool current_wins)
{
        unsigned long r = flags | (current & which & ~ATIME_MODE_FLAGS);

        if (current_wins || !(flags & ATIME_MODE_FLAGS))
                r = (r & ~ATIME_MODE_FLAGS) | (current & ATIME_MODE_FLAGS);
        return r;
}

static int remount_ro_recursive(const char *target, const char *what, struct nook_err *err)
{
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

        if (mount_setattr(AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
                return 0;
        /* Before Linux 5.12 only the top mount can be made read-only. */
        if (errno == ENOSYS) {
                nook_debug("mount_setattr unavailable: submounts of %s stay writable", what);
                return 0;
        }
        return nook_err_sys(err, "make %s recursively read-only", what);
}

int rootfs_bind_remount(const char *target, const char *what, unsigned long flags,
                        unsigned long clear, unsigned opts, struct nook_err *err)
{
        unsigned long current;

        flags &= ROOTFS_REMOUNT_FLAGS;
        if (opts & REMOUNT_KEEP_CURRENT) {
                if (current_flags(target, what, &current, err) < 0)
                        return -1;
                flags = with_current(flags, current, ROOTFS_REMOUNT_FLAGS, false);
        }
        if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0) {
                if (errno != EPERM)
                        return nook_err_sys(err, "remount %s", what);
                /* A user namespace locks the flags of mounts it inherited: keep them, unless
                 * the config explicitly asks for one to be cleared, which cannot be done. */
                if (current_flags(target, what, &current, err) < 0)
                        return -1;
                if (current & clear & LOCKABLE_FLAGS)
                        return nook_err_set(err, EPERM,
                                            "remount %s: a flag to be cleared is locked by the "
                                            "user namespace",
                                            what);
                flags = with_current(flags, current, LOCKABLE_FLAGS | MS_NODIRATIME, true);
                if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
                        return nook_err_sys(err, "remount %s", what);
        }
        if ((opts & REMOUNT_RECURSIVE) && (flags & MS_RDONLY))
                return remount_ro_recursive(target, what, err);
        return 0;
}

unsigned long rootfs_initial_propagation(const struct oci_config *config)
{
        /* rslave unless private is asked for: a shared "/" now would carry the container's
         * mounts to the host; rootfs_finalize applies shared variants after pivot_root. */
        return (config->linux_.rootfs_propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
}
