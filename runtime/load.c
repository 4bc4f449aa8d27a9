/* What every lifecycle operation starts from: a container's state and its copy of
 * config.json, a pidfd checked against the state, the seccomp program compiled before
 * clone, and the hooks whose failure only warns. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "ns/ns.h"
#include "runtime/hooks.h"
#include "runtime/id.h"
#include "runtime/internal.h"

int container_load(const struct nook_runtime *rt, const char *id, struct container_state **st,
                   struct nook_err *err)
{
        if (container_id_validate(id, err) < 0)
                return -1;
        return state_read(rt->root, id, st, err);
}

int container_load_config(const struct container_state *st, struct oci_config **config,
                          struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", st->dir, CONFIG_COPY);
        _cleanup_free_ char *text = NULL;

        if (read_file(path, &text, NULL, 8 << 20, err) < 0)
                return -1;
        return oci_config_parse(text, config, err);
}

int container_load_hooks(const struct container_state *st, enum oci_hook_kind kind,
                         struct oci_config **config, struct nook_err *err)
{
        *config = NULL;
        if (!state_has_hooks(st, kind))
                return 0;
        return container_load_config(st, config, err);
}

int container_open_pidfd(const struct container_state *st, int *pidfd, struct nook_err *err)
{
        int fd = ns_pidfd_open(st->pid);
        uint64_t start;

        if (fd < 0)
                return nook_err_sys(err, "container %s: pidfd_open %d", st->id, (int)st->pid);
        /* Checked after opening: from now on the pidfd pins this very process. */
        if (proc_start_time(st->pid, &start) < 0 || start != st->pid_start) {
                close(fd);
                return nook_err_set(err, ESRCH, "container %s", st->id);
        }
        *pidfd = fd;
        return 0;
}

char *container_device_share_dir(const struct nook_runtime *rt)
{
        return xasprintf("%s/.devices", rt->root);
}

int container_prepare_seccomp(const struct nook_runtime *rt, const struct oci_config *c,
                              struct seccomp_program *prog, struct nook_err *err)
{
        _cleanup_free_ char *cache = NULL;

        if (c->linux_.seccomp == NULL)
                return 0;
        cache = xasprintf("%s/.seccomp", rt->root);
        return seccomp_prepare(c->linux_.seccomp, cache, prog, err);
}

void foreground_signals(sigset_t *set)
{
        static const int sigs[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
                                   SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM};

        sigemptyset(set);
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                sigaddset(set, sigs[i]);
}

void run_hooks_warn_only(const struct oci_config *c, enum oci_hook_kind kind,
                         const struct container_state *st, enum container_status status)
{
        _cleanup_free_ char *json = NULL;

        if (c == NULL || c->hooks[kind].n == 0)
                return;
        json = state_oci_json(st, status, false);
        /* The spec: a failing poststart or poststop hook is logged and the rest run. */
        for (size_t i = 0; i < c->hooks[kind].n; i++) {
                struct oci_hook_list one = {.hooks = &c->hooks[kind].hooks[i], .n = 1};
                struct nook_err err = {0};

                if (hooks_run(&one, kind, json, &err) < 0) {
                        char buf[NOOK_ERR_MSG_MAX + 128];
                        nook_warn("%s", nook_err_format(&err, buf, sizeof(buf)));
                }
        }
}

void container_unmount_host(const struct container_state *st)
{
        /* The rootfs bind on itself carries every mount of the container below it. */
        if (st->rootfs && umount2(st->rootfs, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                nook_warn("unmount %s: %s", st->rootfs, strerror(errno));
}
