/* Path resolution inside the container's root (CVE-2021-30465 and relatives).
 *
 * A path from config.json or from the image is never handed to the kernel as a host path:
 * it is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below an O_PATH fd of
 * the root, so ".." and absolute symlinks stop at the root, and the result is used through
 * its fd ("/proc/self/fd/N").  Missing components are created one at a time relative to
 * the parent that was already resolved the same way. */
#include "rootfs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif

/* Symlinks followed while creating a path, as the kernel's own limit. */
#define MAX_SYMLINKS 40
/* openat2 returns EAGAIN when a rename raced a ".." lookup under RESOLVE_IN_ROOT. */
#define OPENAT2_RETRIES 32

/* The walk hit a dangling symlink and rewrote the path through its target. */
#define WALK_RESTART (-2)

const char *proc_fd_path(char buf[PROC_FD_PATH_MAX], int fd)
{
        snprintf(buf, PROC_FD_PATH_MAX, "/proc/self/fd/%d", fd);
        return buf;
}

/* Returns an O_PATH fd, or -1 with errno. */
static int open_in_root(int root_fd, const char *path, bool nofollow)
{
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };

        if (*path == '\0')
                path = ".";
        for (int i = 0; i < OPENAT2_RETRIES; i++) {
                int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        return fd;
        }
        return -1;
}

int rootfs_open_root(const char *path, struct nook_err *err)
{
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return nook_err_sys(err, "open %s", path);
        return fd;
}

/* Advances [*start, *end) to the next non-empty component of p; false at the end. */
static bool next_component(const char *p, size_t *start, size_t *end)
{
        size_t i = *end;

        while (p[i] == '/')
                i++;
        if (p[i] == '\0')
                return false;
        *start = i;
        while (p[i] != '\0' && p[i] != '/')
                i++;
        *end = i;
        return true;
}

static bool only_slashes_after(const char *p, size_t i)
{
        while (p[i] == '/')
                i++;
        return p[i] == '\0';
}

/* Creates one missing component below its resolved parent; -1 with errno on failure
 * (EEXIST: something is there that could not be resolved, e.g. a dangling symlink). */
static int create_component(int parent, const char *name, bool file, mode_t file_mode)
{
        int fd;

        if (!file)
                return mkdirat(parent, name, 0755);
        fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, file_mode);
        if (fd < 0)
                return -1;
        close(fd);
        return 0;
}

/* When the component `name` = p[start, end) is a symlink whose target does not exist yet,
 * rewrites *path to go through the target (resolved again from the root, so it stays
 * inside) and returns 0; -1 if it is not a symlink. */
static int follow_dangling(int parent, const char *name, char **path, size_t start, size_t end)
{
        const char *p = *path;
        char target[PATH_MAX];
        ssize_t n = readlinkat(parent, name, target, sizeof(target) - 1);

        if (n <= 0)
                return -1;
        target[n] = '\0';
        /* A relative target is relative to the directory holding the link, p[0, start). */
        char *rewritten = target[0] == '/' ? xasprintf("%s%s", target, p + end)
                                           : xasprintf("%.*s%s%s", (int)start, p, target, p + end);
        free(*path);
        *path = rewritten;
        return 0;
}

/* One pass over *path creating what is missing; WALK_RESTART after a dangling symlink. */
static int walk(int root_fd, char **path, unsigned flags, mode_t file_mode, struct nook_err *err)
{
        _cleanup_close_ int parent = open_in_root(root_fd, "/", false);
        size_t start = 0, end = 0;

        if (parent < 0)
                return nook_err_sys(err, "open /");
        while (next_component(*path, &start, &end)) {
                const char *p = *path;
                _cleanup_free_ char *prefix = xstrndup(p, end);
                _cleanup_free_ char *name = xstrndup(p + start, end - start);
                bool last = only_slashes_after(p, end);
                bool nofollow = last && (flags & ROOTFS_NOFOLLOW);
                bool file = last && (flags & ROOTFS_MKFILE);
                int fd = open_in_root(root_fd, prefix, nofollow);

                if (fd < 0 && errno == ENOENT) {
                        if (create_component(parent, name, file, file_mode) < 0) {
                                if (errno != EEXIST)
                                        return nook_err_sys(err, file ? "create %s" : "mkdir %s",
                                                            prefix);
                                if (follow_dangling(parent, name, path, start, end) == 0)
                                        return WALK_RESTART;
                        }
                        fd = open_in_root(root_fd, prefix, nofollow);
                }
                if (fd < 0)
                        return nook_err_sys(err, "open %s", prefix);
                closep(&parent);
                parent = fd;
        }
        return TAKE_FD(parent);
}

int rootfs_open(int root_fd, const char *path, unsigned flags, mode_t file_mode,
                struct nook_err *err)
{
        _cleanup_free_ char *cur = NULL;
        int fd = open_in_root(root_fd, path, flags & ROOTFS_NOFOLLOW);

        if (fd >= 0)
                return fd;
        if (errno != ENOENT || !(flags & (ROOTFS_MKDIR | ROOTFS_MKFILE)))
                return nook_err_sys(err, "open %s", path);
        cur = xstrdup(path);
        for (int links = 0; links <= MAX_SYMLINKS; links++) {
                fd = walk(root_fd, &cur, flags, file_mode, err);
                if (fd != WALK_RESTART)
                        return fd;
        }
        return nook_err_set(err, ELOOP, "open %s", path);
}

int rootfs_open_parent(int root_fd, const char *path, char **name, struct nook_err *err)
{
        size_t len = strlen(path);
        size_t base;
        _cleanup_free_ char *dir = NULL;
        _cleanup_free_ char *last = NULL;
        int fd;

        while (len > 0 && path[len - 1] == '/')
                len--;
        base = len;
        while (base > 0 && path[base - 1] != '/')
                base--;
        last = xstrndup(path + base, len - base);
        if (last[0] == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
                return nook_err_set(err, EINVAL, "invalid path %s", path);
        dir = xstrndup(path, base);
        fd = rootfs_open(root_fd, dir, ROOTFS_MKDIR, 0, err);
        if (fd < 0)
                return -1;
        *name = TAKE_PTR(last);
        return fd;
}
