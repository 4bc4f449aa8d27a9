/* Overlay clones of templates: a container's root as an overlayfs of a shared
 * read-only lower directory and its private upper one, mounted in the mount namespace
 * of the caller (nookctl's), and whether such a root is mounted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "rootfs/rootfs.h"

/* A mountinfo field with its octal escapes (\040 for a space, ...) undone, in place. */
static void unescape(char *s)
{
        char *out = s;

        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                    p[3] >= '0' && p[3] <= '7') {
                        *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else {
                        *out++ = *p;
                }
        }
        *out = '\0';
}

/* Whether path is a mount point according to /proc/self/mountinfo. */
static bool in_mountinfo(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        while (f && getline(&line, &cap, f) > 0) {
                char *save = NULL, *field = strtok_r(line, " ", &save);

                /* id parent major:minor root mount-point ... */
                for (int i = 0; field && i < 4; i++)
                        field = strtok_r(NULL, " ", &save);
                if (field == NULL)
                        continue;
                unescape(field);
                if (strcmp(field, path) == 0)
                        return true;
        }
        return false;
}

bool rootfs_is_mount_point(const char *path)
{
        struct statx stx;

        /* statx's mount-root flag looks at one path instead of the mount table, which is
         * long with a thousand mounted containers; kernels before 5.8 lack it. */
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) <
            0)
                return false;
        if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        return in_mountinfo(path);
}

int rootfs_overlay_mount(const char *lower, const char *upper, const char *work, const char *target,
                         struct nook_err *err)
{
        _cleanup_free_ char *opts = NULL;

        /* overlayfs splits its options at ',' and lowerdir at ':'. */
        if (strpbrk(lower, ",:") || strpbrk(upper, ",:") || strpbrk(work, ",:"))
                return nook_err_set(err, EINVAL, "overlay at %s: a directory name holds ',' or ':'",
                                    target);
        opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
        if (mount("overlay", target, "overlay", 0, opts) < 0)
                return nook_err_sys(err, "mount overlay at %s", target);
        return 0;
}

int rootfs_overlay_umount(const char *target, struct nook_err *err)
{
        while (rootfs_is_mount_point(target))
                if (umount2(target, 0) < 0)
                        return nook_err_sys(err, "unmount %s", target);
        return 0;
}
