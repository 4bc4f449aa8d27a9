/* start, state, kill, delete, ps and list of one container. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "ns/ns.h"
#include "runtime/id.h"
#include "runtime/internal.h"
#include "runtime/network.h"
#include "runtime/notify.h"

int container_state(const struct nook_runtime *rt, const char *id, char **json,
                    struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;

        if (container_load(rt, id, &st, err) < 0)
                return -1;
        *json = state_oci_json(st, state_status(st), true);
        return 0;
}

/* Waits until the init closes the exec fifo (its execve closed it) or exits. */
static void wait_fifo_closed(int fifo_fd, int pidfd)
{
        struct pollfd pfd[2] = {{.fd = fifo_fd, .events = 0}, {.fd = pidfd, .events = POLLIN}};

        while (poll(pfd, pidfd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR)
                ;
}

/* What the init wrote into START_ERROR before it gave up (a startContainer hook or the
 * exec failed): the init closes the fifo only by exec or by exiting, so by now the
 * message is complete. */
static int start_error(const struct container_state *st, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", st->dir, START_ERROR);
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (read_file(path, &text, &len, NOOK_ERR_MSG_MAX, NULL) < 0)
                return 0;
        /* Started: the init's descriptor closed at its exec, nothing more can come, and
         * the empty file would be an inode of /run for the container's whole life. */
        if (len == 0) {
                (void)unlink(path);
                return 0;
        }
        return nook_err_set(err, 0, "%s", text);
}

/* runc's words, which clients match (see man/nook.8, COMPATIBILITY). */
static const char *start_refusal(enum container_status s)
{
        switch (s) {
        case CONTAINER_STOPPED:
                return "cannot start a container that has stopped";
        case CONTAINER_PAUSED:
                return "cannot start a container in the paused state";
        case CONTAINER_CREATING:
                return "cannot start a container that is still being created";
        default:
                return "cannot start an already running container";
        }
}

int container_start(const struct nook_runtime *rt, const char *id, const struct start_opts *opts,
                    struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_config_ struct oci_config *config = NULL;
        _cleanup_free_ char *fifo = NULL;
        _cleanup_close_ int fd = -1, pidfd = -1, notify = -1;
        const char *host_notify = NULL;
        enum container_status status;

        if (container_load(rt, id, &st, err) < 0)
                return -1;
        status = state_status(st);
        if (status != CONTAINER_CREATED)
                return nook_err_set(err, 0, "container %s: %s", id, start_refusal(status));
        if (container_load_hooks(st, OCI_HOOK_POSTSTART, &config, err) < 0)
                return -1;
        /* Listening before the process runs, so its READY=1 cannot come too early. */
        if (notify_prepared(st->dir)) {
                host_notify = opts && opts->notify_socket ? opts->notify_socket : st->notify_socket;
                if (host_notify && (notify = notify_listen(st->dir, err)) < 0)
                        return -1;
        }
        fifo = xasprintf("%s/%s", st->dir, EXEC_FIFO);
        fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENXIO)
                return nook_err_set(err, 0, "cannot start container %s: its init is not waiting",
                                    id);
        if (fd < 0)
                return nook_err_sys(err, "open %s", fifo);
        if (write(fd, "0", 1) != 1)
                return nook_err_sys(err, "write %s", fifo);
        /* Gone fifo = started: a second start fails and state says running. */
        unlink(fifo);
        nook_debug("start %s: released pid %d", id, (int)st->pid);
        if (container_open_pidfd(st, &pidfd, err) < 0)
                nook_err_clear(err);
        wait_fifo_closed(fd, pidfd);
        if (start_error(st, err) < 0)
                return -1;
        /* runc's start, too, returns once the container is ready (or gone). */
        if (notify >= 0 && pidfd >= 0 && notify_relay(notify, pidfd, st->pid, host_notify, err) < 0)
                return -1;
        run_hooks_warn_only(config, OCI_HOOK_POSTSTART, st, CONTAINER_RUNNING);
        return 0;
}

int container_kill(const struct nook_runtime *rt, const char *id, int sig, bool all,
                   struct nook_err *err)
{
        NOOK_ERR_ENSURE(err);
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_close_ int pidfd = -1;
        enum container_status status;

        if (container_load(rt, id, &st, err) < 0)
                return -1;
        status = state_status(st);
        /* runc: signalling every process of a stopped container signals none. */
        if (status == CONTAINER_STOPPED && all)
                return 0;
        if (status != CONTAINER_CREATED && status != CONTAINER_RUNNING &&
            status != CONTAINER_PAUSED)
                return nook_err_set(err, 0,
                                    "cannot kill container %s: container not running (it is %s)",
                                    id, container_status_name(status));
        if (all && st->cgroup_path)
                return cgroup_signal_all(st->cgroup_path, sig, err);
        /* containerd and CRI-O tell "already gone" from a failure by these texts (lower
         * case, as runc writes them). */
        if (container_open_pidfd(st, &pidfd, err) < 0)
                return err->errnum == ESRCH ? nook_err_set(err, 0,
                                                           "cannot kill container %s: container "
                                                           "not running (its init is gone)",
                                                           id)
                                            : -1;
        if (ns_pidfd_send_signal(pidfd, sig) < 0)
                return errno == ESRCH ? nook_err_set(err, 0,
                                                     "cannot kill container %s: unable to signal "
                                                     "init: no such process",
                                                     id)
                                      : nook_err_sys(err, "kill container %s", id);
        return 0;
}

/* Without a cgroup the init is the only handle: kill it and wait until it is gone. */
static void kill_init(const struct container_state *st)
{
        _cleanup_close_ int pidfd = -1;
        struct pollfd pfd;

        if (st->pid <= 0 || container_open_pidfd(st, &pidfd, NULL) < 0)
                return;
        ns_pidfd_send_signal(pidfd, SIGKILL);
        pfd = (struct pollfd){.fd = pidfd, .events = POLLIN};
        poll(&pfd, 1, 5000);
}

int container_delete(const struct nook_runtime *rt, const char *id, bool force,
                     struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_config_ struct oci_config *config = NULL;
        enum container_status status;
        struct nook_err cfg_err;

        if (container_load(rt, id, &st, err) < 0) {
                /* runc and crun: a forced delete of what is not there succeeds quietly
                 * (podman calls it after a failed create and in --rm races). */
                if (force && container_id_validate(id, NULL) == 0 && !state_exists(rt->root, id)) {
                        nook_err_clear(err);
                        return 0;
                }
                return -1;
        }
        status = state_status(st);
        if (!force && (status == CONTAINER_RUNNING || status == CONTAINER_PAUSED))
                return nook_err_set(err, 0,
                                    "cannot delete container %s that is not stopped: %s (stop it "
                                    "first or use --force)",
                                    id, container_status_name(status));
        if (!force && status == CONTAINER_CREATING)
                return nook_err_set(err, 0,
                                    "cannot delete container %s: it is being created (use "
                                    "--force if its create was killed)",
                                    id);
        if (container_load_hooks(st, OCI_HOOK_POSTSTOP, &config, &cfg_err) < 0)
                config = NULL; /* a create killed early left none: no hooks to run */
        if (st->cgroup_path) {
                if (cgroup_destroy(st->cgroup_path, st->cgroup_default, err) < 0)
                        return -1;
        } else if (status == CONTAINER_CREATED || status == CONTAINER_RUNNING) {
                kill_init(st);
        }
        /* A create killed before state.json lists no annotations: the config does. */
        if (config)
                container_net_release(rt, config->annotations, config->n_annotations, id);
        else
                container_net_release(rt, st->annotations, st->n_annotations, id);
        if (st->host_mounts)
                container_unmount_host(st);
        if (state_remove(st, err) < 0)
                return -1;
        nook_debug("delete %s: removed (was %s)", id, container_status_name(status));
        run_hooks_warn_only(config, OCI_HOOK_POSTSTOP, st, CONTAINER_STOPPED);
        return 0;
}

int container_pids(const struct nook_runtime *rt, const char *id, pid_t **pids, size_t *n,
                   struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        enum container_status status;

        if (container_load(rt, id, &st, err) < 0)
                return -1;
        if (st->cgroup_path)
                return cgroup_pids(st->cgroup_path, pids, n, err);
        status = state_status(st);
        *n = 0;
        *pids = xcalloc(1, sizeof(pid_t));
        if (status == CONTAINER_CREATED || status == CONTAINER_RUNNING)
                (*pids)[(*n)++] = st->pid;
        return 0;
}

int container_list(const struct nook_runtime *rt, struct container_info **out, size_t *n,
                   struct nook_err *err)
{
        _cleanup_strv_ char **ids = NULL;
        struct container_info *list;
        size_t count = 0;

        if (state_list_ids(rt->root, &ids, err) < 0)
                return -1;
        list = xcalloc(strv_length(ids) + 1, sizeof(*list));
        for (size_t i = 0; ids[i]; i++) {

                if (state_read(rt->root, ids[i], &list[count].state, NULL) < 0)
                        continue;
                list[count].status = state_status(list[count].state);
                count++;
        }
        *out = list;
        *n = count;
        return 0;
}

void container_list_free(struct container_info *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                container_state_free(list[i].state);
        free(list);
}
