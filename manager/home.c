#include "manager/home.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

static const char *const home_subdirs[] = {"templates", "containers", "locks"};

/* Flags dir as the top of directory hierarchies (chattr +T), so that ext4 spreads its
 * subdirectories over the disk as it does those of the root, and each container's
 * files go near its own directory instead of all into one block group.  It matters
 * on ext4 without a journal: there every inode allocation skips each inode number of
 * its group freed in the last 5 s (305 while its inode table block is unwritten),
 * and each overlayfs mount frees four in its work directory; starting 1000 spent 17%
 * of the CPU skipping them, 7% with the flag (bench/README.md).  A hint only:
 * filesystems without it refuse it, and nothing depends on it. */
static void mark_topdir(const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int flags;

        if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL))
                return;
        flags |= FS_TOPDIR_FL;
        (void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

int home_open(struct nook_home *h, const char *dir, const char *root, const char *cgroup_parent,
              struct nook_err *err)
{
        _cleanup_free_ char *abs = NULL;

        *h = (struct nook_home){.lock_fd = -1};
        if (dir == NULL)
                dir = getenv("NOOK_HOME");
        if (dir == NULL || dir[0] == '\0')
                dir = NOOK_HOME_DEFAULT;
        if (root == NULL)
                root = getenv("NOOK_ROOT");
        if (root == NULL || root[0] == '\0')
                root = "/run/nook";
        if (cgroup_parent == NULL)
                cgroup_parent = getenv("NOOK_CGROUP_PARENT");
        if (cgroup_parent == NULL || cgroup_parent[0] == '\0')
                cgroup_parent = NOOK_CGROUP_PARENT_DEF;
        if (cgroup_parent[0] != '/')
                return nook_err_set(err, EINVAL, "cgroup parent %s: must be absolute",
                                    cgroup_parent);
        for (size_t i = 0; i < ARRAY_SIZE(home_subdirs); i++) {
                _cleanup_free_ char *sub = xasprintf("%s/%s", dir, home_subdirs[i]);
                if (mkdir_p(sub, 0700, err) < 0)
                        return nook_err_prefix(err, "home %s", dir);
                if (strcmp(home_subdirs[i], "containers") == 0)
                        mark_topdir(sub);
        }
        abs = realpath(dir, NULL);
        if (abs == NULL)
                return nook_err_sys(err, "home %s", dir);
        h->dir = TAKE_PTR(abs);
        h->rt.root = xstrdup(root);
        h->cgroup_parent = xstrdup(cgroup_parent);
        return 0;
}

void home_close(struct nook_home *h)
{
        home_unlock(h);
        free(h->dir);
        free((char *)h->rt.root);
        free(h->cgroup_parent);
        *h = (struct nook_home){.lock_fd = -1};
}

static int lock_path(const char *path, struct nook_err *err)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return nook_err_sys(err, "open lock %s", path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return nook_err_sys(err, "lock %s", path);
        return TAKE_FD(fd);
}

int home_lock(struct nook_home *h, struct nook_err *err)
{
        _cleanup_free_ char *path = NULL;

        if (h->lock_fd >= 0)
                return 0;
        path = xasprintf("%s/.lock", h->dir);
        h->lock_fd = lock_path(path, err);
        return h->lock_fd < 0 ? -1 : 0;
}

void home_unlock(struct nook_home *h)
{
        closep(&h->lock_fd);
        h->lock_fd = -1;
}

int home_lock_ct(const struct nook_home *h, const char *ctid, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/locks/%s.lock", h->dir, ctid);

        return lock_path(path, err);
}

char *home_ct_dir(const struct nook_home *h, const char *ctid)
{
        return xasprintf("%s/containers/%s", h->dir, ctid);
}

char *home_ct_path(const struct nook_home *h, const char *ctid, const char *file)
{
        return xasprintf("%s/containers/%s/%s", h->dir, ctid, file);
}

char *home_template_dir(const struct nook_home *h, const char *name)
{
        return xasprintf("%s/templates/%s", h->dir, name);
}
