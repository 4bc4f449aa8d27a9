/* Namespaces: clone3 (with CLONE_INTO_CGROUP and CLONE_PIDFD) and its fallback, joins
 * by path or pidfd, user-namespace id maps and time-namespace offsets.  The kinds and
 * their names are the runtime-spec's table, oci_ns_kinds (oci/oci.h).  No mount,
 * cgroup or netlink code lives here. */
#ifndef NOOK_NS_NS_H
#define NOOK_NS_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/oci.h"

struct ns_clone_args {
        uint64_t flags;  /* CLONE_NEW* of the namespaces to create */
        int cgroup_fd;   /* directory fd of the target cgroup, or -1 */
        int exit_signal; /* usually SIGCHLD */
};

/* Forks a child per args.  Returns 0 in the child and the pid in the parent, with
 * *pidfd set to a pidfd of the child (or -1 where the kernel cannot give one).  Uses
 * clone3; when the kernel lacks it, falls back to clone(2) and *placed_in_cgroup is
 * false so the caller moves the child itself. */
pid_t ns_clone(const struct ns_clone_args *args, int *pidfd, bool *placed_in_cgroup,
               struct nook_err *err);

/* Opens and setns()es into the namespace at path, checking it is of the given kind. */
int ns_join_path(int flag, const char *path, struct nook_err *err);

/* Joins the listed namespaces of a running process through its pidfd in one setns(2)
 * (kernel >= 5.8), so they are entered in the kernel's order. */
int ns_join_pidfd(int pidfd, int flags, struct nook_err *err);

/* Which of the kinds (mask) the process pid is in that differ from ours. */
int ns_differing(pid_t pid, int *flags_out, struct nook_err *err);

struct ns_idmap {
        uint32_t inside, outside, count;
};

/* Writes /proc/<pid>/{uid,gid}_map (and setgroups "deny" when deny_setgroups). */
int ns_write_id_maps(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
                     const struct ns_idmap *gids, size_t n_gids, bool deny_setgroups,
                     struct nook_err *err);

/* An fd of a new user namespace with exactly these maps, which is how an idmapped mount
 * (mount_setattr MOUNT_ATTR_IDMAP) takes its mapping.  A short-lived child is cloned into
 * it and lives only until its maps are written and the namespace is opened. */
int ns_userns_open(const struct ns_idmap *uids, size_t n_uids, const struct ns_idmap *gids,
                   size_t n_gids, struct nook_err *err);

/* unshare(CLONE_NEWTIME) for our children and writes the monotonic/boottime offsets
 * they will see; must run before the child is cloned. */
int ns_prepare_time(int64_t mono_s, uint32_t mono_ns, int64_t boot_s, uint32_t boot_ns,
                    struct nook_err *err);

int ns_pidfd_open(pid_t pid);
int ns_pidfd_send_signal(int pidfd, int sig);

#endif
