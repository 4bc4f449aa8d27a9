/* run: create, start and wait in the foreground (relaying signals and the terminal),
 * then delete; or create and start detached. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "ns/ns.h"
#include "runtime/internal.h"
#include "runtime/notify.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void forward_signal(int signo, void *ctx)
{
        ns_pidfd_send_signal(*(int *)ctx, signo);
}

static int exit_status_of(const siginfo_t *info)
{
        if (info->si_code == CLD_EXITED)
                return info->si_status;
        return 128 + info->si_status;
}

int container_wait_foreground(int pidfd, pid_t pid, int pty_master, int *status,
                              struct nook_err *err)
{
        _cleanup_close_ int sigfd = -1;
        siginfo_t info = {0};
        sigset_t set;

        foreground_signals(&set);
        sigfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sigfd < 0)
                return nook_err_sys(err, "signalfd");
        if (pty_master >= 0) {
                if (terminal_relay(pty_master, pidfd, sigfd, forward_signal, &pidfd, err) < 0)
                        return -1;
        } else {
                struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
                                        {.fd = sigfd, .events = POLLIN}};
                while (!(pfd[0].revents & (POLLIN | POLLHUP))) {
                        struct signalfd_siginfo si;

                        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
                                return nook_err_sys(err, "poll");
                        if ((pfd[1].revents & POLLIN) &&
                            read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
                            si.ssi_signo != SIGWINCH)
                                forward_signal((int)si.ssi_signo, &pidfd);
                }
        }
        while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0) {
                if (errno != EINTR)
                        return nook_err_sys(err, "wait for pid %d", (int)pid);
        }
        *status = exit_status_of(&info);
        return 0;
}

static int run_detached(const struct nook_runtime *rt, const char *id, const struct run_opts *opts,
                        struct nook_err *err)
{
        struct create_result res;

        if (container_create(rt, id, &opts->create, &res, err) < 0)
                return -1;
        close(res.pidfd);
        if (container_start(rt, id,
                            &(struct start_opts){.notify_socket = opts->create.notify_socket},
                            err) < 0) {
                container_delete(rt, id, true, NULL);
                return -1;
        }
        return 0;
}

/* A process of its own relays the container's READY=1 while this one waits for the
 * container in the foreground (and relays its terminal and signals). */
static int relay_notify_aside(const struct container_state *st, const struct create_result *res,
                              const char *host_socket, struct nook_err *err)
{
        _cleanup_close_ int sock = notify_listen(st->dir, err);
        pid_t pid;

        if (sock < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return nook_err_sys(err, "fork the notify relay");
        if (pid == 0) {
                struct nook_err e = {0};
                _exit(notify_relay(sock, res->pidfd, res->pid, host_socket, &e) < 0 ? 1 : 0);
        }
        return 0;
}

/* Releases the waiting init and learns whether its execve worked; then poststart. */
static int start_foreground(const struct nook_runtime *rt, const char *id,
                            const struct create_result *res, const char *host_notify,
                            struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_config_ struct oci_config *config = NULL;

        if (container_load(rt, id, &st, err) < 0)
                return -1;
        if (host_notify && relay_notify_aside(st, res, host_notify, err) < 0)
                return -1;
        if (sync_send(res->sync_fd, SYNC_START, err) < 0 || sync_wait_exec(res->sync_fd, err) < 0)
                return -1;
        if (container_load_hooks(st, OCI_HOOK_POSTSTART, &config, err) < 0)
                return -1;
        run_hooks_warn_only(config, OCI_HOOK_POSTSTART, st, CONTAINER_RUNNING);
        return 0;
}

int container_run(const struct nook_runtime *rt, const char *id, const struct run_opts *opts,
                  int *status, struct nook_err *err)
{
        struct create_opts co = opts->create;
        struct create_result res;
        sigset_t set;
        int r;

        *status = 0;
        if (opts->detach)
                return run_detached(rt, id, opts, err);
        foreground_signals(&set);
        sigprocmask(SIG_BLOCK, &set, NULL);
        co.foreground = true;
        if (container_create(rt, id, &co, &res, err) < 0)
                return -1;
        r = start_foreground(rt, id, &res, co.notify_socket, err);
        close(res.sync_fd);
        if (r == 0)
                r = container_wait_foreground(res.pidfd, res.pid, res.pty_master, status, err);
        if (res.pty_master >= 0)
                close(res.pty_master);
        close(res.pidfd);
        if (r < 0 || !opts->keep) {
                /* Reaped already, so the init is gone; delete --force also takes any
                 * process it left in the cgroup. */
                if (container_delete(rt, id, true, r < 0 ? NULL : err) < 0 && r == 0)
                        return -1;
        }
        return r;
}
