#include "manager/quota.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

/* <linux/quota.h>'s QCMD shifts a signed int past its top (Q_GETINFO is 0x800005):
 * undefined behaviour that UBSan reports.  The same bits, unsigned. */
#define QCMD_U(cmd, type) (((unsigned)(cmd) << SUBCMDSHIFT) | ((unsigned)(type)&SUBCMDMASK))

/* quotactl_fd(2) (Linux 5.14): by a descriptor on the filesystem, where quotactl(2)
 * wants the path of its block device. */
static int quotactl_fd(int fd, unsigned cmd, unsigned id, void *addr)
{
        return (int)syscall(__NR_quotactl_fd, fd, cmd, id, addr);
}

static const char *fs_name(long type)
{
        switch (type) {
        case EXT4_SUPER_MAGIC:
                return "ext4";
        case XFS_SUPER_MAGIC:
                return "XFS";
        case TMPFS_MAGIC:
                return "tmpfs";
        case BTRFS_SUPER_MAGIC:
                return "btrfs";
        case OVERLAYFS_SUPER_MAGIC:
                return "overlayfs";
        default:
                return "a filesystem";
        }
}

int quota_check(const char *path, const char *what, struct nook_err *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct if_dqinfo info;
        struct statfs sf;

        if (fd < 0 || fstatfs(fd, &sf) < 0)
                return nook_err_sys(err, "%s: %s", what, path);
        if (quotactl_fd(fd, QCMD_U(Q_GETINFO, PRJQUOTA), 0, &info) == 0)
                return 0;
        /* ENOSYS also comes from a filesystem without quota operations: a probe with
         * no descriptor tells a kernel without the call apart (EBADF when it has it). */
        if (errno == ENOSYS && quotactl_fd(-1, QCMD_U(Q_GETINFO, PRJQUOTA), 0, &info) < 0 &&
            errno == ENOSYS)
                return nook_err_set(err, 0, "%s: this kernel has no quotactl_fd (Linux 5.14)",
                                    what);
        return nook_err_set(err, 0,
                            "%s: %s is on %s without project quotas: it needs ext4 made with "
                            "-O quota,project and mounted with prjquota, or XFS mounted with "
                            "prjquota",
                            what, path, fs_name((long)sf.f_type));
}

static __thread uint32_t attach_id;
static __thread int attach_errno;

static int attach_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        _cleanup_close_ int fd = -1;
        struct fsxattr fsx;

        (void)ftw;
        /* Symbolic links, devices, sockets and whiteouts take no ioctl: they keep the
         * default project (an inode each, no blocks). */
        if (type != FTW_D && type != FTW_F)
                return 0;
        if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
                return 0;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0) {
                attach_errno = errno;
                return -1;
        }
        fsx.fsx_projid = attach_id;
        if (S_ISDIR(st->st_mode))
                fsx.fsx_xflags |= FS_XFLAG_PROJINHERIT;
        if (ioctl(fd, FS_IOC_FSSETXATTR, &fsx) < 0) {
                attach_errno = errno;
                return -1;
        }
        return 0;
}

int quota_attach(const char *dir, uint32_t projid, struct nook_err *err)
{
        attach_id = projid;
        attach_errno = 0;
        if (nftw(dir, attach_one, 64, FTW_PHYS | FTW_MOUNT) != 0) {
                errno = attach_errno ? attach_errno : errno;
                return nook_err_sys(err, "project %u on %s", projid, dir);
        }
        return 0;
}

static uint64_t blocks(uint64_t bytes)
{
        return (bytes + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE;
}

int quota_set(const char *path, uint32_t projid, const struct quota_limits *l, struct nook_err *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct if_dqblk q = {.dqb_bsoftlimit = blocks(l->space_soft),
                             .dqb_bhardlimit = blocks(l->space_hard),
                             .dqb_isoftlimit = l->inodes_soft,
                             .dqb_ihardlimit = l->inodes_hard,
                             .dqb_valid = QIF_LIMITS};

        if (fd < 0 || quotactl_fd(fd, QCMD_U(Q_SETQUOTA, PRJQUOTA), projid, &q) < 0)
                return nook_err_sys(err, "set the quota of project %u on %s", projid, path);
        return 0;
}

int quota_usage(const char *path, uint32_t projid, uint64_t *bytes, uint64_t *inodes,
                struct nook_err *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct if_dqblk q;

        if (fd < 0 || quotactl_fd(fd, QCMD_U(Q_GETQUOTA, PRJQUOTA), projid, &q) < 0)
                return nook_err_sys(err, "the quota of project %u on %s", projid, path);
        *bytes = q.dqb_curspace;
        *inodes = q.dqb_curinodes;
        return 0;
}
