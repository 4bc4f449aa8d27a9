/* "tmpcopyup": a tmpfs mounted over a directory of the image starts with a copy of what
 * that directory held (runc's and crun's extension, which podman asks for on /tmp, /run
 * and --tmpfs mounts of a --read-only container). */
#include "rootfs/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* Deeper trees than this are refused rather than exhausting fds (one per level). */
#define COPY_MAX_DEPTH 64

static int copy_data(int from_dir, int to_dir, const char *name, const struct stat *st,
                     struct nook_err *err)
{
        _cleanup_close_ int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        off_t left = st->st_size;

        if (in < 0)
                return nook_err_sys(err, "tmpcopyup: open %s", name);
        out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     st->st_mode & 07777);
        if (out < 0)
                return nook_err_sys(err, "tmpcopyup: create %s", name);
        while (left > 0) {
                ssize_t n = sendfile(out, in, NULL, left > INT_MAX ? INT_MAX : (size_t)left);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return nook_err_sys(err, "tmpcopyup: copy %s", name);
                if (n == 0)
                        break; /* the file shrank */
                left -= n;
        }
        return 0;
}

/* Owner, mode (not of symlinks, which have none) and times of the copy: the source's. */
static int copy_metadata(int to_dir, const char *name, const struct stat *st, struct nook_err *err)
{
        struct timespec times[2] = {st->st_atim, st->st_mtim};

        if (fchownat(to_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return nook_err_sys(err, "tmpcopyup: chown %s", name);
        if (!S_ISLNK(st->st_mode) && fchmodat(to_dir, name, st->st_mode & 07777, 0) < 0)
                return nook_err_sys(err, "tmpcopyup: chmod %s", name);
        if (utimensat(to_dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
                return nook_err_sys(err, "tmpcopyup: set the times of %s", name);
        return 0;
}

static int copy_tree(int from_dir, int to_dir, int depth, struct nook_err *err);

static int copy_entry(int from_dir, int to_dir, const char *name, int depth, struct nook_err *err)
{
        struct stat st;

        if (fstatat(from_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return nook_err_sys(err, "tmpcopyup: stat %s", name);
        switch (st.st_mode & S_IFMT) {
        case S_IFDIR: {
                _cleanup_close_ int sub_from = -1, sub_to = -1;

                if (mkdirat(to_dir, name, 0700) < 0)
                        return nook_err_sys(err, "tmpcopyup: mkdir %s", name);
                sub_from = openat(from_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                sub_to = openat(to_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub_from < 0 || sub_to < 0)
                        return nook_err_sys(err, "tmpcopyup: open the directory %s", name);
                if (copy_tree(sub_from, sub_to, depth + 1, err) < 0)
                        return -1;
                break;
        }
        case S_IFREG:
                if (copy_data(from_dir, to_dir, name, &st, err) < 0)
                        return -1;
                break;
        case S_IFLNK: {
                _cleanup_free_ char *target = xmalloc((size_t)PATH_MAX);
                ssize_t n = readlinkat(from_dir, name, target, PATH_MAX - 1);

                if (n < 0)
                        return nook_err_sys(err, "tmpcopyup: readlink %s", name);
                target[n] = '\0';
                if (symlinkat(target, to_dir, name) < 0)
                        return nook_err_sys(err, "tmpcopyup: symlink %s", name);
                break;
        }
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
                if (mknodat(to_dir, name, st.st_mode, st.st_rdev) < 0)
                        return nook_err_sys(err, "tmpcopyup: mknod %s", name);
                break;
        default:
                return 0; /* a socket means nothing without its listener */
        }
        return copy_metadata(to_dir, name, &st, err);
}

static int copy_tree(int from_dir, int to_dir, int depth, struct nook_err *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        int fd;
        struct dirent *e;

        if (depth > COPY_MAX_DEPTH)
                return nook_err_set(err, ELOOP, "tmpcopyup: more than %d directory levels",
                                    COPY_MAX_DEPTH);
        fd = dup(from_dir);
        if (fd < 0 || (d = fdopendir(fd)) == NULL) {
                if (fd >= 0)
                        close(fd);
                return nook_err_sys(err, "tmpcopyup: read a directory");
        }
        while ((errno = 0, e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                if (copy_entry(from_dir, to_dir, e->d_name, depth, err) < 0)
                        return -1;
        }
        if (errno != 0)
                return nook_err_sys(err, "tmpcopyup: read a directory");
        return 0;
}

int rootfs_copy_up(int under_fd, int mount_fd, bool root_too, struct nook_err *err)
{
        char path[PROC_FD_PATH_MAX];
        _cleanup_close_ int from =
            open(proc_fd_path(path, under_fd), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int to = -1;

        if (from < 0)
                return nook_err_sys(err, "tmpcopyup: open the directory underneath");
        to = open(proc_fd_path(path, mount_fd), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (to < 0)
                return nook_err_sys(err, "tmpcopyup: open the new tmpfs");
        if (copy_tree(from, to, 0, err) < 0)
                return -1;
        if (!root_too)
                return 0;
        /* The tmpfs root looks like the directory it covers, as runc makes it (crun leaves
         * tmpfs's 1777). */
        struct stat st;
        struct timespec times[2];

        if (fstat(from, &st) < 0)
                return nook_err_sys(err, "tmpcopyup: stat the directory underneath");
        times[0] = st.st_atim;
        times[1] = st.st_mtim;
        if (fchown(to, st.st_uid, st.st_gid) < 0 || fchmod(to, st.st_mode & 07777) < 0 ||
            futimens(to, times) < 0)
                return nook_err_sys(err,
                                    "tmpcopyup: give the tmpfs the directory's owner and mode");
        return 0;
}
