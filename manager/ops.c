#include "manager/ops.h"
#include "manager/suspend.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ct.h"
#include "manager/fleet.h"
#include "net/net.h"

int ct_op_create(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;

        (void)index;
        return ct_create(o->h, ctid, &registry_get(o->r, ctid)->s, err);
}

/* Opens ctid under its lock (and flags) and runs fn on it. */
static int on_ct(void *ops, const char *ctid, unsigned flags,
                 int (*fn)(struct ct *c, const struct ct_ops *o, struct nook_err *err),
                 struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        return ct_open(o->h, ctid, CT_LOCK | flags, &c, err) < 0 ? -1 : fn(c, o, err);
}

/* vzctl: starting a suspended container resumes it. */
static int start(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        (void)o;
        return ct_suspended(c) ? ct_resume(c, err) : ct_start(c, err);
}

int ct_op_start(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, start, err);
}

static int suspend(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        (void)o;
        return ct_suspend(c, err);
}

int ct_op_suspend(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, suspend, err);
}

static int resume(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        (void)o;
        return ct_resume(c, err);
}

int ct_op_resume(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, resume, err);
}

/* A suspended container stops for good: its dump goes. */
static int stop(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        ct_dump_discard(c);
        return ct_stop(c, o->fast, o->timeout, o->keep_links, err);
}

int ct_op_stop(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, stop, err);
}

/* Room for n more descriptors: the soft limit raised towards the hard one. */
static void room_for_fds(size_t n)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
            rl.rlim_cur < n + 256) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
}

void ct_shutdown_all(const struct ct_ops *o, char *const *ids)
{
        size_t n = strv_length(ids), waiting = 0;
        _cleanup_close_ int ep = -1;
        int *pidfds = xcalloc(n ? n : 1, sizeof(int));
        uint64_t end = now_ms() + (uint64_t)o->timeout * 1000;

        room_for_fds(n);
        ep = epoll_create1(EPOLL_CLOEXEC);
        for (size_t i = 0; i < n; i++) {
                _cleanup_ct_ struct ct *c = NULL;
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};

                pidfds[i] = -1;
                if (ep < 0 || ct_open(o->h, ids[i], CT_LOCK, &c, NULL) < 0)
                        continue;
                pidfds[i] = ct_shutdown_begin(c, NULL);
                if (pidfds[i] >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, pidfds[i], &ev) == 0)
                        waiting++;
        }
        /* Every init shuts down at once; a pidfd turns readable when its init is gone. */
        while (waiting > 0) {
                struct epoll_event ev[64];
                uint64_t now = now_ms();
                int k;

                if (now >= end)
                        break;
                k = epoll_wait(ep, ev, 64, (int)(end - now > 1000 ? 1000 : end - now));
                if (k < 0 && errno != EINTR)
                        break;
                for (int i = 0; i < k; i++) {
                        size_t at = (size_t)ev[i].data.u64;

                        epoll_ctl(ep, EPOLL_CTL_DEL, pidfds[at], NULL);
                        closep(&pidfds[at]);
                        waiting--;
                }
        }
        for (size_t i = 0; i < n; i++)
                closep(&pidfds[i]);
        free(pidfds);
}

void ct_links_delete(const struct ct_ops *o, char *const *ids)
{
        _cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
        _cleanup_strv_ char **owners = xcalloc(1, sizeof(char *));

        for (size_t i = 0; ids[i]; i++) {
                _cleanup_ct_ struct ct *c = NULL;

                if (ct_open(o->h, ids[i], 0, &c, NULL) == 0 && !ct_running(c, NULL))
                        ct_host_links(c, &names, &owners);
        }
        (void)net_links_delete(names, owners, NULL);
}

static int restart(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        ct_dump_discard(c);
        return ct_stop(c, o->fast, o->timeout, false, err) < 0 ? -1 : ct_start(c, err);
}

int ct_op_restart(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, restart, err);
}

/* A running container's root is mounted already, in its own namespace: a second
 * overlay of the same layers on the host would be undefined. */
static int mount_root(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        (void)o;
        return ct_running(c, NULL) ? 0 : ct_mount(c, err);
}

int ct_op_mount(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, mount_root, err);
}

static int umount_root(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        (void)o;
        if (ct_running(c, NULL))
                return nook_err_set(err, 0, "container %s is running: stop it first", c->ctid);
        return ct_umount(c, err);
}

int ct_op_umount(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, 0, umount_root, err);
}

/* Its dump goes with it. */
static int destroy(struct ct *c, const struct ct_ops *o, struct nook_err *err)
{
        if (ct_destroy(c, o->force, err) < 0)
                return -1;
        ct_dump_discard(c);
        return 0;
}

int ct_op_destroy(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        (void)index;
        return on_ct(ops, ctid, CT_BROKEN, destroy, err);
}

int ct_op_exec(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        static const struct exec_hooks barrier = {.before_setup = fleet_barrier_arm,
                                                  .before_exec = fleet_barrier_wait};
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;
        int status;

        (void)index;
        if (ct_open(o->h, ctid, 0, &c, err) < 0 ||
            ct_exec(c, o->args, false, &barrier, &status, err) < 0)
                return -1;
        return status;
}

void ct_status_of(const struct nook_home *h, const char *ctid, struct ct_status *st)
{
        _cleanup_ct_ struct ct *c = NULL;

        *st = (struct ct_status){0};
        if (ct_open(h, ctid, CT_BROKEN, &c, NULL) < 0)
                return;
        st->exists = c->config != NULL;
        st->broken = c->config == NULL;
        st->running = ct_running(c, NULL);
        /* vzctl's sense: a running container is mounted (in its own namespace). */
        st->mounted = c->mounted || st->running;
        st->suspended = ct_suspended(c);
}
