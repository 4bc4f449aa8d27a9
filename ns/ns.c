#include "ns/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

static pid_t sys_clone3(struct clone_args *args)
{
        return (pid_t)syscall(SYS_clone3, args, sizeof(*args));
}

pid_t ns_clone(const struct ns_clone_args *args, int *pidfd, bool *placed_in_cgroup,
               struct nook_err *err)
{
        struct clone_args ca = {0};
        int fd = -1;
        pid_t pid;

        ca.flags = args->flags | CLONE_PIDFD;
        ca.pidfd = (uint64_t)(uintptr_t)&fd;
        ca.exit_signal = (uint64_t)args->exit_signal;
        if (args->cgroup_fd >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t)args->cgroup_fd;
        }
        pid = sys_clone3(&ca);
        if (pid >= 0) {
                if (pid > 0) {
                        *pidfd = fd;
                        *placed_in_cgroup = args->cgroup_fd >= 0;
                }
                return pid;
        }
        if (errno != ENOSYS && !(errno == E2BIG && args->cgroup_fd >= 0))
                return nook_err_sys(err, "clone3");

        /* Kernels before 5.3 (no clone3) or 5.7 (no CLONE_INTO_CGROUP): plain clone
         * without a cgroup, so the caller moves the child; CLONE_NEWTIME cannot be
         * expressed there and was set up with ns_prepare_time() instead. */
        fd = -1;
        pid = (pid_t)syscall(SYS_clone,
                             (unsigned long)(args->flags & ~(uint64_t)CLONE_NEWTIME) |
                                 (unsigned long)args->exit_signal | CLONE_PIDFD,
                             NULL, &fd, NULL, NULL);
        if (pid < 0)
                return nook_err_sys(err, "clone");
        if (pid > 0) {
                *pidfd = fd;
                *placed_in_cgroup = false;
        }
        return pid;
}

int ns_join_path(int flag, const char *path, struct nook_err *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        const struct oci_ns_kind *kind = oci_ns_kind_by_flag(flag);

        if (fd < 0)
                return nook_err_sys(err, "open %s namespace %s", kind ? kind->name : "?", path);
        /* Passing the kind makes the kernel check the file is such a namespace. */
        if (setns(fd, flag) < 0)
                return nook_err_sys(err, "join %s namespace %s", kind ? kind->name : "?", path);
        return 0;
}

int ns_join_pidfd(int pidfd, int flags, struct nook_err *err)
{
        if (flags == 0)
                return 0;
        if (setns(pidfd, flags) < 0)
                return nook_err_sys(err, "join the container's namespaces");
        return 0;
}

int ns_differing(pid_t pid, int *flags_out, struct nook_err *err)
{
        int flags = 0;

        for (size_t i = 0; i < oci_ns_kinds_count; i++) {
                char theirs[64], ours[64];
                struct stat a, b;

                snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid,
                         oci_ns_kinds[i].proc_name);
                snprintf(ours, sizeof(ours), "/proc/self/ns/%s", oci_ns_kinds[i].proc_name);
                if (stat(theirs, &a) < 0) {
                        if (errno == ENOENT && access("/proc/self/ns", F_OK) == 0 &&
                            stat(ours, &b) < 0)
                                continue; /* kind unknown to this kernel */
                        return nook_err_sys(err, "stat %s", theirs);
                }
                if (stat(ours, &b) < 0)
                        continue;
                if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        flags |= oci_ns_kinds[i].flag;
        }
        *flags_out = flags;
        return 0;
}

static int write_map(pid_t pid, const char *file, const struct ns_idmap *map, size_t n,
                     struct nook_err *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        char path[64];

        if (n == 0)
                return 0;
        buf = xmalloc(n * 40 + 1);
        for (size_t i = 0; i < n; i++)
                len += (size_t)sprintf(buf + len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
                                       map[i].inside, map[i].outside, map[i].count);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        return write_file_at(AT_FDCWD, path, buf, len, err);
}

int ns_write_id_maps(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
                     const struct ns_idmap *gids, size_t n_gids, bool deny_setgroups,
                     struct nook_err *err)
{
        char path[64];

        if (write_map(pid, "uid_map", uids, n_uids, err) < 0)
                return -1;
        if (deny_setgroups) {
                snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
                if (write_file_at(AT_FDCWD, path, "deny", 4, err) < 0)
                        return -1;
        }
        return write_map(pid, "gid_map", gids, n_gids, err);
}

int ns_userns_open(const struct ns_idmap *uids, size_t n_uids, const struct ns_idmap *gids,
                   size_t n_gids, struct nook_err *err)
{
        struct ns_clone_args ca = {.flags = CLONE_NEWUSER, .cgroup_fd = -1, .exit_signal = SIGCHLD};
        _cleanup_close_ int pidfd = -1, wait_rd = -1, wait_wr = -1;
        int pipefd[2], fd = -1;
        char path[64];
        bool placed;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return nook_err_sys(err, "pipe");
        wait_rd = pipefd[0];
        wait_wr = pipefd[1];
        pid = ns_clone(&ca, &pidfd, &placed, err);
        if (pid < 0)
                return -1;
        if (pid == 0) {
                char byte;

                /* Nothing to do but exist until the parent is done with our namespace:
                 * EOF comes when it closes its end, or when it dies. */
                close(wait_wr);
                while (read(wait_rd, &byte, 1) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        if (ns_write_id_maps(pid, uids, n_uids, gids, n_gids, false, err) == 0) {
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        nook_err_sys(err, "open %s", path);
        }
        close(TAKE_FD(wait_wr));
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return fd;
}

int ns_prepare_time(int64_t mono_s, uint32_t mono_ns, int64_t boot_s, uint32_t boot_ns,
                    struct nook_err *err)
{
        char buf[128];
        int n;

        if (unshare(CLONE_NEWTIME) < 0)
                return nook_err_sys(err, "unshare time namespace");
        n = snprintf(buf, sizeof(buf),
                     "monotonic %" PRId64 " %" PRIu32 "\nboottime %" PRId64 " %" PRIu32 "\n",
                     mono_s, mono_ns, boot_s, boot_ns);
        return write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t)n, err);
}

int ns_pidfd_open(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

int ns_pidfd_send_signal(int pidfd, int sig)
{
        return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}
