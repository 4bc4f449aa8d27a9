#include "runtime/init.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "ns/ns.h"
#include "rootfs/rootfs.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

bool init_has_runtime_hooks(const struct oci_config *c)
{
        return c->hooks[OCI_HOOK_PRESTART].n > 0 || c->hooks[OCI_HOOK_CREATE_RUNTIME].n > 0;
}

static bool new_ns(const struct oci_config *c, int flag)
{
        const struct oci_namespace *ns = oci_config_namespace(c, flag);
        return ns != NULL && ns->path == NULL;
}

/* Namespaces given by path are joined here, user first (it decides what we may do in
 * the others); pid and time apply to children only and were joined by the parent. */
static int join_namespaces(const struct oci_config *c, struct nook_err *err)
{
        for (size_t k = 0; k < oci_ns_kinds_count; k++) {
                const struct oci_namespace *ns = oci_config_namespace(c, oci_ns_kinds[k].flag);

                if (ns == NULL || ns->path == NULL || ns->type == CLONE_NEWPID ||
                    ns->type == CLONE_NEWTIME)
                        continue;
                if (ns_join_path(ns->type, ns->path, err) < 0)
                        return -1;
        }
        return 0;
}

static int become_root_in_userns(struct nook_err *err)
{
        if (setresgid(0, 0, 0) < 0)
                return nook_err_sys(err, "setgid 0 in the user namespace");
        if (setresuid(0, 0, 0) < 0)
                return nook_err_sys(err, "setuid 0 in the user namespace");
        return 0;
}

static int set_names(const struct oci_config *c, struct nook_err *err)
{
        if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
                return nook_err_sys(err, "sethostname %s", c->hostname);
        if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
                return nook_err_sys(err, "setdomainname %s", c->domainname);
        return 0;
}

/* Hooks run by the child need the state JSON with our pid as the runtime sees it:
 * before pivot_root, /proc is still the host's procfs, whose "self" link names us
 * in the runtime's pid namespace even though getpid() says 1. */
static void learn_host_pid(struct container_state *st)
{
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
        int64_t pid;

        if (n > 0) {
                buf[n] = '\0';
                if (parse_int64(buf, &pid) == 0)
                        st->pid = (pid_t)pid;
        }
}

static int run_child_hooks(const struct init_ctx *ctx, enum oci_hook_kind kind,
                           enum container_status status, struct nook_err *err)
{
        _cleanup_free_ char *json = NULL;

        if (ctx->config->hooks[kind].n == 0)
                return 0;
        json = state_oci_json(ctx->state, status, false);
        return hooks_run(&ctx->config->hooks[kind], kind, json, err);
}

static int setup_terminal(const struct init_ctx *ctx, struct nook_err *err)
{
        const struct oci_process *p = ctx->config->process;
        _cleanup_close_ int master = -1;
        char pts[64];

        if (terminal_open_in_child(p->console_height, p->console_width, &master, pts, sizeof(pts),
                                   err) < 0)
                return -1;
        if (rootfs_bind_console(pts, err) < 0)
                return -1;
        return sync_send_fd(ctx->sync_fd, SYNC_PTY_MASTER, master, err);
}

/* create: block until `nook start` writes a byte into the exec fifo.  poll() first, as
 * a read on a fifo with no writer yet would return EOF at once. */
static int wait_for_start(int fifo_fd, struct nook_err *err)
{
        struct pollfd pfd = {.fd = fifo_fd, .events = POLLIN};
        char byte;

        for (;;) {
                if (poll(&pfd, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return nook_err_sys(err, "wait for start");
                }
                if (read(fifo_fd, &byte, 1) == 1)
                        return 0;
                if (errno != EINTR && errno != EAGAIN)
                        return nook_err_sys(err, "read exec fifo");
        }
}

static int init_setup(struct init_ctx *ctx, struct process_launch *launch,
                      struct process_seccomp *sc, struct nook_err *err)
{
        const struct oci_config *c = ctx->config;

        /* CVE-2019-5736: until execve makes the command dumpable again, the container's
         * other processes (an exec into a created container, a shared pid namespace) must
         * not reach our /proc/<pid> entries, exe above all. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return nook_err_sys(err, "prctl PR_SET_DUMPABLE");
        if (sync_send(ctx->sync_fd, SYNC_CHILD_STARTED, err) < 0 ||
            sync_expect(ctx->sync_fd, SYNC_PARENT_READY, NULL, err) < 0)
                return -1;
        if (ctx->new_userns && become_root_in_userns(err) < 0)
                return -1;
        if (join_namespaces(c, err) < 0)
                return -1;
        if (new_ns(c, CLONE_NEWUTS) && set_names(c, err) < 0)
                return -1;
        learn_host_pid(ctx->state);
        if (rootfs_prepare(c, ctx->rootfs, ctx->idmaps, err) < 0)
                return -1;
        /* The parent wires up the network and attaches the device program while we
         * mount; from here on (hooks, sysctls on eth0) both must be in place. */
        if (sync_expect(ctx->sync_fd, SYNC_HOST_READY, NULL, err) < 0)
                return -1;
        if (init_has_runtime_hooks(c) &&
            (sync_send(ctx->sync_fd, SYNC_RUN_PRESTART, err) < 0 ||
             sync_expect(ctx->sync_fd, SYNC_HOOKS_DONE, NULL, err) < 0))
                return -1;
        if (run_child_hooks(ctx, OCI_HOOK_CREATE_CONTAINER, CONTAINER_CREATING, err) < 0)
                return -1;
        if (rootfs_pivot(c, ctx->rootfs, ctx->no_pivot, err) < 0)
                return -1;
        if (rootfs_apply_sysctl(c, err) < 0)
                return -1;
        /* The process leads a session of its own, as under runc and crun: a client that
         * kills its own process group (conmon's --timeout) must not kill the container,
         * and a terminal becomes its controlling one. */
        if (c->process->terminal ? setup_terminal(ctx, err) < 0
                                 : setsid() < 0 && nook_err_sys(err, "setsid") < 0)
                return -1;
        /* runc and crun make a missing cwd, before the root may turn read-only. */
        if (access(c->process->cwd, F_OK) < 0 && mkdir_p(c->process->cwd, 0755, err) < 0)
                return nook_err_prefix(err, "process.cwd %s", c->process->cwd);
        if (rootfs_finalize(c, err) < 0)
                return -1;
        if (process_prepare_launch(c->process, launch, err) < 0)
                return -1;
        if (process_setup(c->process, sc, err) < 0)
                return -1;
        return process_send_seccomp_fd(sc, ctx->sync_fd, err);
}

/* One exit for every failure: the parent prints the cause; once it no longer listens
 * (create has returned), the container's stderr is all there is. */
__attribute__((noreturn)) static void init_fail(const struct init_ctx *ctx,
                                                const struct nook_err *err)
{
        char buf[NOOK_ERR_MSG_MAX + 128];

        if (ctx->sync_fd >= 0 && sync_send_error(ctx->sync_fd, err) == 0)
                _exit(127);
        nook_err_format(err, buf, sizeof(buf));
        /* `nook start` prints it; only without that channel is stderr the place. */
        if (ctx->error_fd < 0 || write(ctx->error_fd, buf, strlen(buf)) < 0)
                fprintf(stderr, "nook: %s\n", buf);
        _exit(127);
}

void container_init(struct init_ctx *ctx)
{
        _cleanup_(process_launch_clear) struct process_launch launch = {0};
        struct process_seccomp sc =
            PROCESS_SECCOMP(ctx->config->linux_.seccomp, ctx->seccomp, ctx->preserve_fds);
        struct nook_err err = {0};

        if (init_setup(ctx, &launch, &sc, &err) < 0)
                init_fail(ctx, &err);
        if (sync_send(ctx->sync_fd, SYNC_CHILD_READY, &err) < 0)
                _exit(1);
        if (ctx->fifo_fd >= 0) {
                /* create: the parent returns once we are ready. */
                close(ctx->sync_fd);
                ctx->sync_fd = -1;
                if (wait_for_start(ctx->fifo_fd, &err) < 0)
                        init_fail(ctx, &err);
        } else if (sync_expect(ctx->sync_fd, SYNC_START, NULL, &err) < 0) {
                _exit(1); /* the parent is gone or failed: nobody to tell */
        }
        if (run_child_hooks(ctx, OCI_HOOK_START_CONTAINER, CONTAINER_CREATED, &err) < 0)
                init_fail(ctx, &err);
        process_exec(ctx->config->process, &launch, &sc, &err);
        init_fail(ctx, &err);
}
