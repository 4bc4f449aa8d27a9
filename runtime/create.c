/* `nook create` (and the first half of `nook run`): validate everything, then state
 * dir -> cgroup -> clone3 into it -> lock-step setup with the child -> ready.  A
 * failure at any step unwinds all earlier ones (struct create_ctx records them). */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "ns/ns.h"
#include "rootfs/rootfs.h"
#include "runtime/hooks.h"
#include "runtime/id.h"
#include "runtime/cloned_binary.h"
#include "runtime/init.h"
#include "runtime/internal.h"
#include "runtime/lxcfs.h"
#include "runtime/network.h"
#include "runtime/notify.h"
#include "runtime/process.h"
#include "runtime/resources.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/container.h"
#include "cgroup/cgroup.h"
#include "runtime/seccomp.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* What has been done so far, so a failure can undo exactly that. */
struct create_ctx {
        const struct nook_runtime *rt;
        struct container_state *st;
        const struct net_config *net; /* NULL without org.nook.net.* annotations */
        bool net_claimed;
        bool net_done;
        bool cgroup_made;
        int cgroup_fd;                /* the container's cgroup directory; spawn() owns it */
        struct cgroup_limits *limits; /* of the config, made once */
        const struct seccomp_program *seccomp; /* compiled before clone; the init inherits it */
        bool new_netns;
        pid_t pid;
        int pidfd;
        bool reaped;
};

static void create_rollback(struct create_ctx *cx)
{
        if (cx->pidfd >= 0) {
                if (!cx->reaped) {
                        ns_pidfd_send_signal(cx->pidfd, SIGKILL);
                        waitpid(cx->pid, NULL, 0);
                }
                close(cx->pidfd);
                cx->pidfd = -1;
        }
        container_undo_host_side(cx->rt, cx->st, cx->net, cx->net_done, cx->net_claimed,
                                 cx->cgroup_made);
}

void container_undo_host_side(const struct nook_runtime *rt, const struct container_state *st,
                              const struct net_config *net, bool net_done, bool net_claimed,
                              bool cgroup_made)
{
        struct nook_err e = {0};

        if (net_done && net_teardown(net, st->id, &e) < 0)
                nook_log_err(&e);
        if (net_claimed)
                container_net_unclaim(rt, net);
        if (cgroup_made && cgroup_destroy(st->cgroup_path, st->cgroup_default, &e) < 0)
                nook_log_err(&e);
        if (st->host_mounts)
                container_unmount_host(st);
        if (st->dir && state_remove(st, &e) < 0)
                nook_log_err(&e);
}

/* Once the state dir exists: it is what keeps the claims alive (net_claim). */
static int claim_network(struct create_ctx *cx, struct nook_err *err)
{
        if (container_net_claim(cx->rt, cx->net, err) < 0)
                return -1;
        cx->net_claimed = cx->net != NULL;
        return 0;
}

static int resolve_bundle(const char *bundle, char **out, struct nook_err *err)
{
        char buf[PATH_MAX];

        if (realpath(bundle ? bundle : ".", buf) == NULL)
                return nook_err_sys(err, "bundle %s", bundle ? bundle : ".");
        *out = xstrdup(buf);
        return 0;
}

/* The host id that container id 0 maps to; false when 0 is not mapped. */
static bool host_id_of_root(const struct oci_idmap *maps, size_t n, uint32_t *host)
{
        for (size_t i = 0; i < n; i++)
                if (maps[i].container_id == 0) {
                        *host = maps[i].host_id;
                        return true;
                }
        return false;
}

/* In a user namespace of its own the container's root is an unprivileged host uid, which
 * cannot write a rootfs it does not own: runc and crun run such a container (it can read
 * and execute), so nook does, and says why writes there will fail.  An idmapped rootfs
 * is shown to the container as its own. */
static void check_rootfs_owner(const struct oci_config *c, const char *rootfs,
                               const struct stat *sb)
{
        const struct oci_namespace *ns = oci_config_namespace(c, CLONE_NEWUSER);
        const struct oci_linux *l = &c->linux_;
        uint32_t host;

        if (ns == NULL || ns->path != NULL || c->root.idmap)
                return;
        if (host_id_of_root(l->uid_mappings, l->n_uid_mappings, &host) && sb->st_uid != host)
                nook_warn("rootfs %s is owned by uid %u, but the container's root is uid %" PRIu32
                          " on the host (linux.uidMappings): it cannot write there; chown the "
                          "rootfs to it or share it through an idmapped mount "
                          "(annotation " OCI_ANNOTATION_ROOTFS_IDMAP "=true)",
                          rootfs, (unsigned)sb->st_uid, host);
}

static int resolve_rootfs(const char *bundle, const struct oci_config *c, char **out,
                          struct nook_err *err)
{
        _cleanup_free_ char *path = c->root.path[0] == '/'
                                        ? xstrdup(c->root.path)
                                        : xasprintf("%s/%s", bundle, c->root.path);
        char buf[PATH_MAX];
        struct stat sb;

        if (realpath(path, buf) == NULL || stat(buf, &sb) < 0)
                return nook_err_sys(err, "rootfs %s", path);
        if (!S_ISDIR(sb.st_mode))
                return nook_err_set(err, ENOTDIR, "rootfs %s", path);
        check_rootfs_owner(c, buf, &sb);
        *out = xstrdup(buf);
        return 0;
}

/* Refuse what nook cannot honour yet instead of silently running a container that is
 * less confined than its config asks for. */
static int check_supported(const struct oci_config *c, const struct create_opts *opts,
                           struct nook_err *err)
{
        if (c->process == NULL)
                return nook_err_set(err, 0, "config.json: process: required to create a container");
        if (c->process->apparmor_profile && c->process->apparmor_profile[0])
                return nook_err_set(err, EOPNOTSUPP, "config.json: process.apparmorProfile");
        if (c->process->selinux_label && c->process->selinux_label[0])
                return nook_err_set(err, EOPNOTSUPP, "config.json: process.selinuxLabel");
        if (c->process->unsupported)
                return nook_err_set(err, EOPNOTSUPP, "config.json: process.%s",
                                    c->process->unsupported);
        if (c->linux_.unsupported)
                return nook_err_set(err, EOPNOTSUPP, "config.json: linux.%s",
                                    c->linux_.unsupported);
        process_warn_unknown_caps(c->process);
        if (c->process->terminal && !opts->foreground && opts->console_socket == NULL)
                return nook_err_set(err, 0,
                                    "process.terminal is set: --console-socket is required");
        /* Without a mount namespace masks and read-only remounts would apply to nook's
         * own: refused in runc's words (crun would mask the host's /proc). */
        if (!rootfs_own_mount_ns(c) &&
            (strv_length(c->linux_.masked_paths) > 0 || strv_length(c->linux_.readonly_paths) > 0))
                return nook_err_set(err, 0,
                                    "config.json: linux.maskedPaths, readonlyPaths: unable to "
                                    "restrict sys entries without a private MNT namespace");
        return 0;
}

static uint64_t clone_flags(const struct oci_config *c, bool *time_by_unshare)
{
        uint64_t flags = 0;

        *time_by_unshare = false;
        for (size_t i = 0; i < c->linux_.n_namespaces; i++) {
                const struct oci_namespace *ns = &c->linux_.namespaces[i];

                if (ns->path != NULL)
                        continue;
                /* Offsets must be written before any process lives in the namespace,
                 * so with offsets the parent makes it for its children beforehand. */
                if (ns->type == CLONE_NEWTIME && c->linux_.has_time_offsets) {
                        *time_by_unshare = true;
                        continue;
                }
                flags |= (uint64_t)ns->type;
        }
        return flags;
}

/* pid and time namespaces given by path apply to children, so the parent enters them
 * for the clone (this only changes what our own children are born into). */
static int join_child_namespaces(const struct oci_config *c, struct nook_err *err)
{
        static const int kinds[] = {CLONE_NEWPID, CLONE_NEWTIME};

        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
                const struct oci_namespace *ns = oci_config_namespace(c, kinds[i]);
                if (ns && ns->path && ns_join_path(ns->type, ns->path, err) < 0)
                        return -1;
        }
        return 0;
}

static struct ns_idmap *to_ns_idmaps(const struct oci_idmap *in, size_t n)
{
        struct ns_idmap *out = xcalloc(n, sizeof(*out));

        for (size_t i = 0; i < n; i++)
                out[i] = (struct ns_idmap){in[i].container_id, in[i].host_id, in[i].size};
        return out;
}

static int write_id_maps(const struct oci_config *c, pid_t pid, struct nook_err *err)
{
        const struct oci_linux *l = &c->linux_;
        _cleanup_free_ struct ns_idmap *u = to_ns_idmaps(l->uid_mappings, l->n_uid_mappings);
        _cleanup_free_ struct ns_idmap *g = to_ns_idmaps(l->gid_mappings, l->n_gid_mappings);

        /* We are root on the host, so setgroups need not be denied. */
        return ns_write_id_maps(pid, u, l->n_uid_mappings, g, l->n_gid_mappings, false, err);
}

static int userns_with_maps(const struct oci_idmap *uids, size_t n_uids,
                            const struct oci_idmap *gids, size_t n_gids, struct nook_err *err)
{
        _cleanup_free_ struct ns_idmap *u = to_ns_idmaps(uids, n_uids);
        _cleanup_free_ struct ns_idmap *g = to_ns_idmaps(gids, n_gids);

        return ns_userns_open(u, n_uids, g, n_gids, err);
}

/* A user namespace fd with the container's mappings, made (or, for one joined by path,
 * opened) on first use and kept in *own. */
static int container_userns(const struct oci_config *c, int *own, struct nook_err *err)
{
        const struct oci_namespace *ns = oci_config_namespace(c, CLONE_NEWUSER);
        const struct oci_linux *l = &c->linux_;

        if (*own >= 0)
                return *own;
        if (ns->path == NULL) {
                *own = userns_with_maps(l->uid_mappings, l->n_uid_mappings, l->gid_mappings,
                                        l->n_gid_mappings, err);
                return *own;
        }
        *own = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (*own < 0)
                return nook_err_sys(err, "open user namespace %s", ns->path);
        return *own;
}

static bool same_idmaps(const struct oci_idmap *a, size_t na, const struct oci_idmap *b, size_t nb)
{
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* Whether mount m is idmapped exactly as the container's user namespace maps ids. */
static bool mount_uses_container_maps(const struct oci_config *c, const struct oci_mount *m)
{
        const struct oci_namespace *ns = oci_config_namespace(c, CLONE_NEWUSER);
        const struct oci_linux *l = &c->linux_;

        if (m->n_uid_mappings == 0)
                return true;
        return ns && ns->path == NULL &&
               same_idmaps(m->uid_mappings, m->n_uid_mappings, l->uid_mappings,
                           l->n_uid_mappings) &&
               same_idmaps(m->gid_mappings, m->n_gid_mappings, l->gid_mappings, l->n_gid_mappings);
}

/* Idmapped copies of the rootfs and of the idmapped mounts' sources, made here in the
 * host's user namespace before the clone (see rootfs.h).  Relative sources are taken from
 * the cwd, the bundle. */
static int make_idmapped_mounts(const struct oci_config *c, const char *rootfs,
                                struct rootfs_idmaps *out, struct nook_err *err)
{
        _cleanup_close_ int own = -1;

        if (c->root.idmap) {
                int userns = container_userns(c, &own, err);

                if (userns < 0)
                        return -1;
                out->rootfs = rootfs_idmap_clone(c, rootfs, true, true, userns, "/", err);
                if (out->rootfs < 0)
                        return -1;
        }
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                _cleanup_close_ int mine = -1;
                int userns;

                if (!m->idmap)
                        continue;
                if (out->mounts == NULL) {
                        out->n_mounts = c->n_mounts;
                        out->mounts = xcalloc(c->n_mounts, sizeof(*out->mounts));
                        for (size_t j = 0; j < c->n_mounts; j++)
                                out->mounts[j] = -1;
                }
                if (mount_uses_container_maps(c, m))
                        userns = container_userns(c, &own, err);
                else
                        userns = mine = userns_with_maps(m->uid_mappings, m->n_uid_mappings,
                                                         m->gid_mappings, m->n_gid_mappings, err);
                if (userns < 0)
                        return -1;
                out->mounts[i] = rootfs_idmap_clone(c, m->source, m->recursive, m->idmap_recursive,
                                                    userns, m->destination, err);
                if (out->mounts[i] < 0)
                        return -1;
        }
        return 0;
}

static int write_oom_score_adj(const struct oci_process *p, pid_t pid, struct nook_err *err)
{
        char path[64], val[16];
        int n;

        if (!p->has_oom_score_adj)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        n = snprintf(val, sizeof(val), "%d", p->oom_score_adj);
        return write_file_at(AT_FDCWD, path, val, (size_t)n, err);
}

int container_write_pid_file(const char *path, pid_t pid, struct nook_err *err)
{
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

        if (path == NULL)
                return 0;
        return write_file_atomic(path, buf, (size_t)n, 0644, err);
}

static int run_parent_hooks(const struct oci_config *c, const struct container_state *st,
                            struct nook_err *err)
{
        static const enum oci_hook_kind kinds[] = {OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME};
        _cleanup_free_ char *json = state_oci_json(st, CONTAINER_CREATING, false);

        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
                if (hooks_run(&c->hooks[kinds[i]], kinds[i], json, err) < 0)
                        return -1;
        return 0;
}

/* The init closed the channel without a word: it died.  Say how, which is what the
 * user needs ("killed by signal 11"), instead of "channel closed". */
static void explain_init_death(struct create_ctx *cx, struct nook_err *err)
{
        struct pollfd pfd = {.fd = cx->pidfd, .events = POLLIN};
        siginfo_t info = {0};

        if (err->errnum != EPIPE || poll(&pfd, 1, 1000) <= 0 ||
            waitid((idtype_t)P_PIDFD, (id_t)cx->pidfd, &info, WEXITED) < 0)
                return;
        cx->reaped = true;
        if (info.si_code == CLD_EXITED)
                nook_err_set(err, 0, "container init exited during setup with status %d",
                             info.si_status);
        else
                nook_err_set(err, 0, "container init was killed during setup by signal %d (%s)",
                             info.si_status, strsignal(info.si_status));
}

/* The device program of the container's cgroup.  Attached after the clone: the init
 * runs only nook's own setup before SYNC_HOST_READY, so nothing of the container can
 * reach a device before the rules are in force. */
static int attach_devices(const struct create_ctx *cx, struct nook_err *err)
{
        const struct cgroup_limits *l = cx->limits;
        _cleanup_free_ char *share = NULL;

        if (cx->cgroup_fd < 0 || l->n_devices == 0)
                return 0;
        share = container_device_share_dir(cx->rt);
        if (cgroup_devices_attach(cx->cgroup_fd, l->devices, l->n_devices, share, err) < 0)
                return nook_err_prefix(err, "device rules of %s", cx->st->cgroup_path);
        return 0;
}

/* The host's side of the container, done while the init mounts its root: on two
 * cores that hides the device program (0.5 ms), lo (a netlink round trip that would
 * wait for the rtnl lock our veth work holds) and the network (1.5 ms) behind the
 * mounts.  Nothing of the container runs before the init gets SYNC_HOST_READY. */
static int set_up_host_side(const struct oci_config *c, struct create_ctx *cx, struct nook_err *err)
{
        if (attach_devices(cx, err) < 0)
                return -1;
        if (cx->new_netns && container_loopback_up(cx->pid, err) < 0)
                return -1;
        if (cx->net) {
                if (container_net_setup(cx->net, cx->pid, err) < 0)
                        return -1;
                cx->net_done = true;
        }
        return 0;
}

/* The parent's half of the lock-step protocol with container_init(). */
static int talk_to_child(const struct oci_config *c, struct create_ctx *cx, int sync_fd,
                         const struct create_opts *opts, int *pty_master, struct nook_err *err)
{
        _cleanup_close_ int master = -1;

        if (sync_expect(sync_fd, SYNC_CHILD_STARTED, NULL, err) < 0)
                return -1;
        if (oci_config_has_namespace(c, CLONE_NEWUSER) && write_id_maps(c, cx->pid, err) < 0)
                return -1;
        if (write_oom_score_adj(c->process, cx->pid, err) < 0)
                return -1;
        if (sync_send(sync_fd, SYNC_PARENT_READY, err) < 0)
                return -1;
        /* The init may die of a failed mount meanwhile: then its error is the one to
         * report, not our "no such file" for its /proc entries or a broken pipe. */
        if (set_up_host_side(c, cx, err) < 0 || sync_send(sync_fd, SYNC_HOST_READY, err) < 0) {
                sync_prefer_peer_error(sync_fd, err);
                return -1;
        }
        if (init_has_runtime_hooks(c)) {
                if (sync_expect(sync_fd, SYNC_RUN_PRESTART, NULL, err) < 0 ||
                    run_parent_hooks(c, cx->st, err) < 0 ||
                    sync_send(sync_fd, SYNC_HOOKS_DONE, err) < 0)
                        return -1;
        }
        if (c->process->terminal) {
                if (sync_expect(sync_fd, SYNC_PTY_MASTER, &master, err) < 0)
                        return -1;
                if (opts->console_socket &&
                    terminal_send_to_socket(opts->console_socket, master, err) < 0)
                        return -1;
        }
        if (oci_seccomp_uses_notify(c->linux_.seccomp) &&
            seccomp_relay_notify_fd(c->linux_.seccomp, sync_fd, cx->pid, cx->st, CONTAINER_CREATING,
                                    err) < 0)
                return -1;
        if (sync_expect(sync_fd, SYNC_CHILD_READY, NULL, err) < 0)
                return -1;
        *pty_master = opts->console_socket ? -1 : TAKE_FD(master);
        return 0;
}

/* The exec fifo the init waits on, and the file where it reports a failure that
 * happens after create has returned. */
static int make_start_files(const struct container_state *st, int *fifo_fd, int *error_fd,
                            struct nook_err *err)
{
        _cleanup_free_ char *fifo = xasprintf("%s/%s", st->dir, EXEC_FIFO);
        _cleanup_free_ char *error = xasprintf("%s/%s", st->dir, START_ERROR);

        if (mkfifo(fifo, 0600) < 0)
                return nook_err_sys(err, "mkfifo %s", fifo);
        /* Non-blocking, or open(2) would wait for a writer (`nook start`). */
        *fifo_fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (*fifo_fd < 0)
                return nook_err_sys(err, "open %s", fifo);
        /* Opened here: in a user namespace the init could no longer create it. */
        *error_fd = open(error, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (*error_fd < 0)
                return nook_err_sys(err, "create %s", error);
        return 0;
}

/* The config's limits into *l, once for the whole create; those whose controller the
 * host lacks are refused before anything is created. */
int container_limits(const struct oci_config *c, const struct container_state *st,
                     struct cgroup_limits *l, struct nook_err *err)
{
        if (st->cgroup_path == NULL) {
                if (c->linux_.resources)
                        nook_warn("config.json: linux.resources: not applied with "
                                  "--cgroup-manager disabled");
                return 0;
        }
        resources_config_limits(c, l);
        return cgroup_check_limits(l, err);
}

static int spawn(const struct oci_config *c, const char *rootfs, struct create_ctx *cx,
                 const struct create_opts *opts, struct create_result *res, struct nook_err *err)
{
        _cleanup_close_ int cgroup_fd = -1, fifo_fd = -1, error_fd = -1;
        int sv[2] = {-1, -1};
        _cleanup_close_ int parent_end = -1, child_end = -1;
        struct ns_clone_args ca = {.cgroup_fd = -1, .exit_signal = SIGCHLD};
        _cleanup_(rootfs_idmaps_close) struct rootfs_idmaps idmaps = {.rootfs = -1};
        bool time_by_unshare, placed;
        int pty_master = -1;

        if (cx->st->cgroup_path) {
                if (cgroup_create(cx->st->cgroup_path, &cgroup_fd, err) < 0)
                        return -1;
                cx->cgroup_made = true;
                /* Before the clone: the init is born already limited. */
                if (cgroup_apply_settings(cx->st->cgroup_path, cx->limits, err) < 0)
                        return -1;
                ca.cgroup_fd = cgroup_fd;
                cx->cgroup_fd = cgroup_fd;
        }
        if (!opts->foreground && make_start_files(cx->st, &fifo_fd, &error_fd, err) < 0)
                return -1;
        if (sync_socketpair(sv, err) < 0)
                return -1;
        parent_end = sv[0];
        child_end = sv[1];
        /* Relative bind sources are relative to the bundle: the child inherits our cwd. */
        if (chdir(cx->st->bundle) < 0)
                return nook_err_sys(err, "chdir %s", cx->st->bundle);
        /* Before joining namespaces for the clone: they would be its helpers' too. */
        if (make_idmapped_mounts(c, rootfs, &idmaps, err) < 0)
                return -1;
        rootfs_precreate_devices(c, &idmaps);
        ca.flags = clone_flags(c, &time_by_unshare);
        cx->new_netns = (ca.flags & CLONE_NEWNET) != 0;
        if (join_child_namespaces(c, err) < 0)
                return -1;
        if (time_by_unshare &&
            ns_prepare_time(c->linux_.monotonic.secs, c->linux_.monotonic.nanosecs,
                            c->linux_.boottime.secs, c->linux_.boottime.nanosecs, err) < 0)
                return -1;

        cx->pid = ns_clone(&ca, &cx->pidfd, &placed, err);
        if (cx->pid < 0)
                return -1;
        if (cx->pid == 0) {
                struct init_ctx ictx = {
                    .config = c,
                    .state = cx->st,
                    .rootfs = rootfs,
                    .sync_fd = child_end,
                    .fifo_fd = fifo_fd,
                    .error_fd = error_fd,
                    .idmaps = &idmaps,
                    .new_userns = (ca.flags & CLONE_NEWUSER) != 0,
                    .no_pivot = opts->no_pivot,
                    .preserve_fds = opts->preserve_fds,
                    .seccomp = cx->seccomp,
                };
                close(parent_end);
                /* A directory of the host's cgroup tree: nothing the container may reach. */
                if (cgroup_fd >= 0)
                        close(cgroup_fd);
                container_init(&ictx);
        }
        close(TAKE_FD(child_end));
        if (!placed && cx->st->cgroup_path && cgroup_enter(cx->st->cgroup_path, cx->pid, err) < 0)
                return -1;
        /* Record the pid at once: if we are killed from here on, delete --force finds
         * the process through state.json as well as through the cgroup. */
        cx->st->pid = cx->pid;
        if (proc_start_time(cx->pid, &cx->st->pid_start) < 0)
                return nook_err_sys(err, "read start time of pid %d", (int)cx->pid);
        if (state_write(cx->st, err) < 0)
                return -1;
        nook_debug("create %s: init is pid %d in cgroup %s", cx->st->id, (int)cx->pid,
                   cx->st->cgroup_path ? cx->st->cgroup_path : "(none)");
        if (talk_to_child(c, cx, parent_end, opts, &pty_master, err) < 0) {
                explain_init_death(cx, err);
                return -1;
        }
        nook_debug("create %s: init is ready", cx->st->id);
        if (container_write_pid_file(opts->pid_file, cx->pid, err) < 0) {
                if (pty_master >= 0)
                        close(pty_master);
                return -1;
        }
        res->pid = cx->pid;
        res->pidfd = cx->pidfd;
        res->pty_master = pty_master;
        res->sync_fd = opts->foreground ? TAKE_FD(parent_end) : -1;
        cx->pidfd = -1; /* handed over: no rollback from here */
        return 0;
}

static void copy_annotations(const struct oci_config *c, struct container_state *st)
{
        st->n_annotations = c->n_annotations;
        st->annotations = xcalloc(c->n_annotations, sizeof(*st->annotations));
        for (size_t i = 0; i < c->n_annotations; i++) {
                st->annotations[i].key = xstrdup(c->annotations[i].key);
                st->annotations[i].value = xstrdup(c->annotations[i].value);
        }
}

int container_init_state(const struct nook_runtime *rt, const char *id, const char *bundle,
                         const struct oci_config *c, struct container_state *st,
                         struct nook_err *err)
{
        if (resolve_rootfs(bundle, c, &st->rootfs, err) < 0)
                return -1;
        st->id = xstrdup(id);
        st->bundle = xstrdup(bundle);
        st->created = state_timestamp_now();
        st->host_mounts = !rootfs_own_mount_ns(c);
        copy_annotations(c, st);
        for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
                if (c->hooks[k].n > 0)
                        st->hooks |= 1u << k;
        if (!rt->cgroups_disabled) {
                st->cgroup_default = c->linux_.cgroups_path == NULL || !c->linux_.cgroups_path[0];
                if (cgroup_resolve(c->linux_.cgroups_path, id, &st->cgroup_path, err) < 0)
                        return -1;
        }
        return 0;
}

int container_read_bundle(const char *bundle_opt, const char *config_opt, char **bundle,
                          char **text, size_t *len, struct oci_config **config,
                          struct nook_err *err)
{
        _cleanup_free_ char *path = NULL;

        if (resolve_bundle(bundle_opt, bundle, err) < 0)
                return -1;
        if (config_opt == NULL || strcmp(config_opt, "config.json") == 0)
                path = xasprintf("%s/config.json", *bundle);
        else
                path = xstrdup(config_opt);
        if (read_file(path, text, len, 8 << 20, err) < 0)
                return -1;
        return oci_config_parse(*text, config, err);
}

/* Socket activation: the fds stay at their numbers, ahead of --preserve-fds ones. */
static void pass_listen_fds(struct oci_process *p, int n, struct create_opts *o)
{
        _cleanup_free_ char *fds = xasprintf("LISTEN_FDS=%d", n);

        o->preserve_fds += n;
        strv_push(&p->env, fds);
        strv_push(&p->env, "LISTEN_PID=1");
}

int container_create(const struct nook_runtime *rt, const char *id, const struct create_opts *opts,
                     struct create_result *res, struct nook_err *err)
{
        _cleanup_config_ struct oci_config *config = NULL;
        _cleanup_state_ struct container_state *st = xcalloc(1, sizeof(*st));
        _cleanup_free_ char *bundle = NULL, *text = NULL;
        _cleanup_free_ char *pid_file = NULL;
        _cleanup_(net_config_freep) struct net_config *net = NULL;
        _cleanup_(cgroup_limits_clear) struct cgroup_limits limits = {0};
        _cleanup_(seccomp_program_clear) struct seccomp_program seccomp = {0};
        struct create_ctx cx = {.rt = rt,
                                .st = st,
                                .cgroup_fd = -1,
                                .limits = &limits,
                                .seccomp = &seccomp,
                                .pidfd = -1};
        struct create_opts o = *opts;
        size_t len;

        *res = (struct create_result){.pidfd = -1, .sync_fd = -1, .pty_master = -1};
        /* Everything that can be refused is refused before the host is touched. */
        if (container_id_validate(id, err) < 0 ||
            container_read_bundle(opts->bundle, opts->config, &bundle, &text, &len, &config, err) <
                0)
                return -1;
        /* CVE-2019-5736 (see cloned_binary.h): the init runs nook's binary until start. */
        if (cloned_binary_needed(config) && cloned_binary_ensure(err) < 0)
                return -1;
        if (check_supported(config, opts, err) < 0 ||
            lxcfs_add_mounts(config, NOOK_LXCFS_DIR, err) < 0 ||
            container_init_state(rt, id, bundle, config, st, err) < 0)
                return -1;
        if (container_limits(config, st, &limits, err) < 0 ||
            container_net_prepare(rt, id, config, &net, err) < 0 ||
            container_prepare_seccomp(rt, config, &seccomp, err) < 0)
                return -1;
        cx.net = net;

        /* The pid file is named relative to the caller's cwd; spawn() changes ours. */
        if (o.pid_file && o.pid_file[0] != '/') {
                char cwd[PATH_MAX];
                if (getcwd(cwd, sizeof(cwd)) == NULL)
                        return nook_err_sys(err, "getcwd");
                o.pid_file = pid_file = xasprintf("%s/%s", cwd, opts->pid_file);
        }

        nook_debug("create %s: bundle %s, rootfs %s", id, bundle, st->rootfs);
        if (state_dir_create(rt->root, id, &st->dir, err) < 0)
                return -1;
        if (opts->listen_fds > 0)
                pass_listen_fds(config->process, opts->listen_fds, &o);
        if (opts->notify_socket) {
                st->notify_socket = xstrdup(opts->notify_socket);
                if (notify_prepare(config, st->dir, err) < 0) {
                        struct nook_err saved = *err;
                        create_rollback(&cx);
                        *err = saved;
                        return -1;
                }
        }
        if (state_write_config(st, text, len, err) < 0 || state_write(st, err) < 0 ||
            claim_network(&cx, err) < 0 || spawn(config, st->rootfs, &cx, &o, res, err) < 0) {
                struct nook_err saved = *err;
                create_rollback(&cx);
                *err = saved;
                return -1;
        }
        return 0;
}
