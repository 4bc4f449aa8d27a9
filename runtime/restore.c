/* nook restore: a container made again from its bundle and a CRIU image.  The host's
 * side is made as create makes it (state dir, claims, cgroup with its limits and device
 * program, a network namespace set up from the config); then CRIU brings the processes
 * back into them.  A failure unwinds all of it. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "ns/ns.h"
#include "rootfs/rootfs.h"
#include "runtime/checkpoint_internal.h"
#include "runtime/id.h"
#include "runtime/internal.h"
#include "runtime/network.h"

struct restore_ctx {
        const struct nook_runtime *rt;
        struct container_state *st;
        struct net_config *net;
        struct cgroup_limits limits;
        bool net_claimed, net_done, cgroup_made;
        char *bound_root; /* the rootfs bound here for CRIU, when it was no mount point */
        int netns_fd;     /* inherited by CRIU: not close-on-exec */
        pid_t pid;
};

static void restore_rollback(struct restore_ctx *cx)
{
        if (cx->pid > 0 && cx->st->cgroup_path)
                (void)cgroup_signal_all(cx->st->cgroup_path, SIGKILL, NULL);
        else if (cx->pid > 0)
                kill(cx->pid, SIGKILL);
        if (cx->pid > 0)
                waitpid(cx->pid, NULL, 0);
        container_undo_host_side(cx->rt, cx->st, cx->net, cx->net_done, cx->net_claimed,
                                 cx->cgroup_made);
}

/* The root bound for CRIU: the restored processes have their own mount namespace. */
static void unbind_root(struct restore_ctx *cx)
{
        if (cx->bound_root == NULL)
                return;
        umount2(cx->bound_root, MNT_DETACH);
        rmdir(cx->bound_root);
        free(TAKE_PTR(cx->bound_root));
}

static void restore_ctx_clear(struct restore_ctx *cx)
{
        if (cx->netns_fd >= 0)
                close(cx->netns_fd);
        cgroup_limits_clear(&cx->limits);
        net_config_freep(&cx->net);
}

/* The cgroup, limited before any process is in it, with its device program. */
static int make_cgroup(struct restore_ctx *cx, struct nook_err *err)
{
        _cleanup_free_ char *share = NULL;
        _cleanup_close_ int fd = -1;

        if (cx->st->cgroup_path == NULL)
                return 0;
        if (cgroup_create(cx->st->cgroup_path, &fd, err) < 0)
                return -1;
        cx->cgroup_made = true;
        if (cgroup_apply_settings(cx->st->cgroup_path, &cx->limits, err) < 0)
                return -1;
        if (cx->limits.n_devices == 0)
                return 0;
        share = container_device_share_dir(cx->rt);
        return cgroup_devices_attach(fd, cx->limits.devices, cx->limits.n_devices, share, err);
}

/* A network namespace of its own, made here and set up as create would: CRIU joins
 * the processes to it (checkpoint.h says why it is not in the image). */
static int new_netns(struct restore_ctx *cx, struct nook_err *err)
{
        _cleanup_close_ int ours = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

        if (ours < 0)
                return nook_err_sys(err, "open /proc/self/ns/net");
        if (unshare(CLONE_NEWNET) < 0)
                return nook_err_sys(err, "unshare a network namespace");
        cx->netns_fd = open("/proc/self/ns/net", O_RDONLY);
        if (setns(ours, CLONE_NEWNET) < 0)
                return nook_err_sys(err, "return to our network namespace");
        if (cx->netns_fd < 0)
                return nook_err_sys(err, "open the new network namespace");
        if (net_loopback_up(cx->netns_fd, err) < 0)
                return -1;
        if (cx->net) {
                if (net_setup(cx->net, cx->st->id, cx->netns_fd, err) < 0)
                        return -1;
                cx->net_done = true;
        }
        return 0;
}

static int network(const struct nook_criu *criu, const struct oci_config *c, struct restore_ctx *cx,
                   struct nook_err *err)
{
        const struct oci_namespace *ns = oci_config_namespace(c, CLONE_NEWNET);

        if (ns == NULL)
                return 0;
        if (ns->path) {
                cx->netns_fd = open(ns->path, O_RDONLY);
                if (cx->netns_fd < 0)
                        return nook_err_sys(err, "open %s", ns->path);
        } else if (new_netns(cx, err) < 0) {
                return -1;
        }
        if (criu->criu_add_inherit_fd(cx->netns_fd, CHECKPOINT_NETNS_KEY) < 0)
                return nook_err_set(err, ENOMEM, "CRIU: inherit the network namespace");
        return 0;
}

/* The init's stdio as checkpoint found it: pipes, terminals and files from outside the
 * container become ours (0, 1, 2). */
static int inherit_stdio(const struct nook_criu *criu, int image_fd, struct nook_err *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_(json_freep) json_val v = NULL;
        size_t len;

        if (read_file_at(image_fd, CHECKPOINT_DESCRIPTORS, &text, &len, 1 << 16, err) < 0 ||
            json_parse(text, &v, err) < 0 || json_expect_array(v, CHECKPOINT_DESCRIPTORS, err) < 0)
                return nook_err_prefix(err, "not an image of nook checkpoint");
        for (size_t i = 0; i < json_array_len(v) && i < 3; i++) {
                _cleanup_free_ char *d = NULL;
                json_val e = json_array_get(v, i);

                if (json_is_null(e))
                        continue;
                if (json_as_string(e, CHECKPOINT_DESCRIPTORS, &d, err) < 0)
                        return -1;
                if ((str_has_prefix(d, "pipe:") || str_has_prefix(d, "file[") ||
                     str_has_prefix(d, "tty[")) &&
                    criu->criu_add_inherit_fd((int)i, d) < 0)
                        return nook_err_set(err, ENOMEM, "CRIU: inherit fd %zu", i);
        }
        return 0;
}

/* Below a tmpfs of the config, which CRIU restores with its contents. */
static bool on_tmpfs(const struct oci_config *c, const char *dest)
{
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                size_t n = strlen(m->destination);
                if (m->type && strcmp(m->type, "tmpfs") == 0 &&
                    strncmp(dest, m->destination, n) == 0 && dest[n] == '/')
                        return true;
        }
        return false;
}

/* The config's mount points, as create makes them: a root that is new (podman's
 * restore --import into a fresh copy of the image) lacks /etc/hosts and the like. */
static int make_mountpoints(const struct oci_config *c, const char *root, struct nook_err *err)
{
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                struct stat sb;
                bool file = false;

                if ((m->type &&
                     (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)) ||
                    on_tmpfs(c, m->destination))
                        continue;
                if (m->bind && m->source && stat(m->source, &sb) == 0)
                        file = !S_ISDIR(sb.st_mode);
                if (rootfs_ensure_path_in(root, m->destination, file, err) < 0)
                        return -1;
        }
        return 0;
}

/* CRIU pivots into the root, so it must be a mount point (nookctl's overlay is one, a
 * bundle's directory is bound on itself for the restore). */
static int restore_root(const struct nook_criu *criu, struct restore_ctx *cx, struct nook_err *err)
{
        const char *root = cx->st->rootfs;

        if (!rootfs_is_mount_point(root)) {
                cx->bound_root = xasprintf("%s/criu-root", cx->st->dir);
                if (mkdir(cx->bound_root, 0700) < 0)
                        return nook_err_sys(err, "mkdir %s", cx->bound_root);
                if (mount(root, cx->bound_root, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return nook_err_sys(err, "bind %s on %s", root, cx->bound_root);
                root = cx->bound_root;
        }
        if (criu->criu_set_root(root) < 0)
                return nook_err_set(err, ENOMEM, "CRIU: root %s", root);
        return 0;
}

static int run_criu(const struct nook_criu *criu, struct oci_config *c, struct restore_ctx *cx,
                    const struct restore_opts *o, int image_fd, const char *work,
                    struct nook_err *err)
{
        criu->criu_set_images_dir_fd(image_fd);
        if (inherit_stdio(criu, image_fd, err) < 0 ||
            checkpoint_external_mounts(criu, c, true, err) < 0 || network(criu, c, cx, err) < 0 ||
            make_cgroup(cx, err) < 0 || make_mountpoints(c, cx->st->rootfs, err) < 0 ||
            restore_root(criu, cx, err) < 0)
                return -1;
        checkpoint_common_options(criu, &o->c);
        if (cx->st->cgroup_path && criu->criu_add_cg_root(NULL, cx->st->cgroup_path) < 0)
                return nook_err_set(err, ENOMEM, "CRIU: cgroup root");
        cx->pid = criu->criu_restore_child();
        if (cx->pid <= 0) {
                cx->pid = 0;
                return nook_criu_failed("restore", work, CHECKPOINT_RESTORE_LOG, err);
        }
        return 0;
}

static int restore(const struct nook_runtime *rt, const char *id, const struct restore_opts *o,
                   struct restore_ctx *cx, struct nook_err *err)
{
        _cleanup_config_ struct oci_config *config = NULL;
        _cleanup_free_ char *bundle = NULL, *text = NULL;
        _cleanup_close_ int image_fd = -1, work_fd = -1;
        const char *work = o->c.work_path ? o->c.work_path : o->c.image_path;
        const struct nook_criu *criu;
        struct container_state *st = cx->st;
        size_t len;

        if (o->c.image_path == NULL)
                return nook_err_set(err, EINVAL, "restore: --image-path is required");
        if (container_id_validate(id, err) < 0 ||
            container_read_bundle(o->bundle, NULL, &bundle, &text, &len, &config, err) < 0 ||
            container_init_state(rt, id, bundle, config, st, err) < 0 ||
            container_limits(config, st, &cx->limits, err) < 0 ||
            container_net_prepare(rt, id, config, &cx->net, err) < 0)
                return -1;
        if (state_exists(rt->root, id))
                return nook_err_set(err, EEXIST, "container %s already exists", id);
        if (checkpoint_open_dir(o->c.image_path, false, &image_fd, err) < 0 ||
            (o->c.work_path && checkpoint_open_dir(o->c.work_path, true, &work_fd, err) < 0) ||
            nook_criu_open(work_fd >= 0 ? work_fd : image_fd, CHECKPOINT_RESTORE_LOG, &criu, err) <
                0)
                return nook_err_prefix(err, "restore %s", id);
        if (state_dir_create(rt->root, id, &st->dir, err) < 0)
                return -1;
        if (state_write_config(st, text, len, err) < 0 || state_write(st, err) < 0 ||
            container_net_claim(rt, cx->net, err) < 0)
                return -1;
        cx->net_claimed = cx->net != NULL;
        if (run_criu(criu, config, cx, o, image_fd, work, err) < 0)
                return nook_err_prefix(err, "restore %s", id);
        st->pid = cx->pid;
        if (proc_start_time(st->pid, &st->pid_start) < 0)
                return nook_err_sys(err, "read start time of pid %d", (int)st->pid);
        if (state_write(st, err) < 0 || container_write_pid_file(o->pid_file, st->pid, err) < 0)
                return -1;
        nook_debug("restore %s: pid %d", id, (int)st->pid);
        return 0;
}

int container_restore(const struct nook_runtime *rt, const char *id, const struct restore_opts *o,
                      int *status, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = xcalloc(1, sizeof(*st));
        _cleanup_close_ int pidfd = -1;
        struct restore_ctx cx = {.rt = rt, .st = st, .netns_fd = -1};
        sigset_t set;
        int r;

        *status = 0;
        if (!o->detach) {
                foreground_signals(&set);
                sigprocmask(SIG_BLOCK, &set, NULL);
        }
        r = restore(rt, id, o, &cx, err);
        unbind_root(&cx);
        if (r < 0) {
                struct nook_err saved = *err;
                restore_rollback(&cx);
                *err = saved;
        }
        restore_ctx_clear(&cx);
        if (r < 0 || o->detach)
                return r;
        /* Foreground, as runc: wait for the init (our child: CRIU restored it as its own
         * sibling), relaying signals, then delete. */
        pidfd = ns_pidfd_open(st->pid);
        if (pidfd < 0)
                r = nook_err_sys(err, "pidfd_open %d", (int)st->pid);
        else
                r = container_wait_foreground(pidfd, st->pid, -1, status, err);
        if (container_delete(rt, id, true, r < 0 ? NULL : err) < 0 && r == 0)
                return -1;
        return r;
}
