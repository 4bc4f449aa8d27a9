#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* One hook run, as the parent sees it. */
struct hook_ctx {
        const struct oci_hook *hook;
        const char *kind;
        const char *input; /* state JSON still to be written */
        size_t input_left;
};

/* The forked child's setup: stdin from the pipe, no other inherited fds, a clean signal
 * state, exec.  Only async-signal-safe calls here.  Returns only on failure, with errno
 * set. */
static void exec_hook(const struct oci_hook *hook, int stdin_fd)
{
        char *const default_argv[] = {hook->path, NULL};
        char *const *argv = strv_length(hook->args) > 0 ? hook->args : default_argv;
        /* Without an env of its own a hook gets the runtime's, as runc and crun give it
         * (a hook finds its tools through the caller's PATH). */
        char *const *envp = hook->env != NULL ? hook->env : environ;
        sigset_t all;

        if (dup2(stdin_fd, STDIN_FILENO) < 0)
                return;
        /* Everything else we hold (sync sockets, the state dir, ...) is none of the hook's
         * business; CLOEXEC rather than close, so that the error pipe lives until exec. */
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return;
        for (int sig = 1; sig < NSIG; sig++)
                signal(sig, SIG_DFL);
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, NULL);
        execve(hook->path, argv, envp);
}

/* An exec failure's errno goes back through errfd (O_CLOEXEC, so a successful exec just
 * closes it and the parent reads nothing). */
static _Noreturn void hook_child(const struct oci_hook *hook, int stdin_fd, int errfd)
{
        int e;

        exec_hook(hook, stdin_fd);
        e = errno;
        (void)!write(errfd, &e, sizeof(e));
        _exit(127);
}

/* Feeds as much of the state JSON as the pipe takes without blocking; closes the pipe
 * when done or when the hook stopped reading (EPIPE), which is its business. */
static void feed_stdin(struct hook_ctx *c, int *fd)
{
        while (c->input_left > 0) {
                ssize_t r = write(*fd, c->input, c->input_left);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0 && errno == EAGAIN)
                        return;
                if (r < 0)
                        break;
                c->input += r;
                c->input_left -= (size_t)r;
        }
        close(*fd);
        *fd = -1;
}

/* Waits for the hook to exit while feeding its stdin; *timed_out tells whether the
 * timeout hit first. */
static int wait_exit(struct hook_ctx *c, int pidfd, int stdin_fd, bool *timed_out,
                     struct nook_err *err)
{
        _cleanup_close_ int in = stdin_fd;
        uint64_t deadline = c->hook->timeout > 0 ? now_ms() + (uint64_t)c->hook->timeout * 1000 : 0;

        *timed_out = false;
        for (;;) {
                struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                                      {.fd = in, .events = POLLOUT}};
                int timeout = -1, r;

                if (deadline) {
                        uint64_t now = now_ms();

                        if (now >= deadline) {
                                *timed_out = true;
                                return 0;
                        }
                        timeout = (int)(deadline - now);
                }
                r = poll(p, in >= 0 ? 2 : 1, timeout);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return nook_err_sys(err, "%s hook %s: poll", c->kind, c->hook->path);
                if (p[0].revents)
                        return 0;
                if (in >= 0 && p[1].revents)
                        feed_stdin(c, &in);
        }
}

/* Reaps the hook and turns its fate into an error, if any. */
static int reap(struct hook_ctx *c, pid_t pid, int errfd, bool timed_out, struct nook_err *err)
{
        const char *kind = c->kind, *path = c->hook->path;
        int status, exec_errno;

        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return nook_err_sys(err, "%s hook %s: wait", kind, path);
        }
        if (timed_out)
                return nook_err_set(err, 0, "%s hook %s: timed out after %d s", kind, path,
                                    c->hook->timeout);
        /* The child is gone, so all write ends are closed and this cannot block. */
        if (read_all(errfd, &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno))
                return nook_err_set(err, exec_errno, "%s hook %s: exec", kind, path);
        if (WIFSIGNALED(status))
                return nook_err_set(err, 0, "%s hook %s: killed by signal %d", kind, path,
                                    WTERMSIG(status));
        if (WEXITSTATUS(status) != 0)
                return nook_err_set(err, 0, "%s hook %s: exited with status %d", kind, path,
                                    WEXITSTATUS(status));
        return 0;
}

static void restore_sigpipe(struct sigaction *old)
{
        sigaction(SIGPIPE, old, NULL);
}

static void kill_and_reap(pid_t pid)
{
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

static int run_hook(const struct oci_hook *hook, const char *kind, const char *state_json,
                    struct nook_err *err)
{
        struct hook_ctx c = {.hook = hook,
                             .kind = kind,
                             .input = state_json ? state_json : "",
                             .input_left = state_json ? strlen(state_json) : 0};
        struct sigaction ign = {.sa_handler = SIG_IGN};
        _cleanup_(restore_sigpipe) struct sigaction old_pipe = {.sa_handler = SIG_DFL};
        _cleanup_close_ int in_r = -1, in_w = -1, err_r = -1, err_w = -1, pidfd = -1;
        bool timed_out = false;
        int fds[2];
        pid_t pid;

        /* A hook that exits without reading its stdin must give us EPIPE, not kill us. */
        sigaction(SIGPIPE, &ign, &old_pipe);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return nook_err_sys(err, "%s hook %s: pipe", kind, hook->path);
        in_r = fds[0];
        in_w = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return nook_err_sys(err, "%s hook %s: pipe", kind, hook->path);
        err_r = fds[0];
        err_w = fds[1];
        if (fcntl(in_w, F_SETFL, O_NONBLOCK) < 0)
                return nook_err_sys(err, "%s hook %s: set stdin pipe non-blocking", kind,
                                    hook->path);

        pid = fork();
        if (pid < 0)
                return nook_err_sys(err, "%s hook %s: fork", kind, hook->path);
        if (pid == 0)
                hook_child(hook, in_r, err_w);
        close(TAKE_FD(in_r));
        close(TAKE_FD(err_w));

        /* The pidfd makes the exit pollable next to the stdin pipe and the timeout. */
        pidfd = pidfd_open(pid, 0);
        if (pidfd < 0) {
                nook_err_sys(err, "%s hook %s: pidfd_open", kind, hook->path);
                kill_and_reap(pid);
                return -1;
        }
        if (wait_exit(&c, pidfd, TAKE_FD(in_w), &timed_out, err) < 0) {
                kill_and_reap(pid);
                return -1;
        }
        if (timed_out)
                kill(pid, SIGKILL);
        return reap(&c, pid, err_r, timed_out, err);
}

int hooks_run(const struct oci_hook_list *list, enum oci_hook_kind kind, const char *state_json,
              struct nook_err *err)
{
        for (size_t i = 0; list != NULL && i < list->n; i++) {
                if (run_hook(&list->hooks[i], oci_hook_kind_names[kind], state_json, err) < 0)
                        return -1;
        }
        return 0;
}
