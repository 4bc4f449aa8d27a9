/* `nook exec`: a new process in a running container.  A child born in its cgroup
 * (CLONE_INTO_CGROUP) joins the container's namespaces through the init's pidfd in one
 * setns(2), then forks the process the container can see into the pid namespace (see
 * join_container), which applies its process spec like the init did. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "ns/ns.h"
#include "runtime/cloned_binary.h"
#include "runtime/internal.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/seccomp.h"

/* Storage for an exec's process when it is derived from the container's: the fields
 * point either into the config or into these owned arrays. */
struct exec_process {
        struct oci_process p;
        char **env;
        char *cwd;
        uint32_t *gids;
        struct oci_process *loaded; /* from --process */
};

static void exec_process_done(struct exec_process *ep)
{
        strv_free(ep->env);
        free(ep->cwd);
        free(ep->gids);
        if (ep->loaded)
                oci_process_free(ep->loaded);
}

static int parse_user(const char *spec, struct oci_user *u, struct nook_err *err)
{
        _cleanup_free_ char *copy = xstrdup(spec);
        char *colon = strchr(copy, ':');
        uint64_t v;

        if (colon)
                *colon = '\0';
        if (parse_uint64(copy, &v) < 0 || v > UINT32_MAX)
                return nook_err_set(err, 0, "--user %s: expected UID[:GID] as numbers", spec);
        u->uid = (uint32_t)v;
        u->gid = 0;
        if (colon) {
                if (parse_uint64(colon + 1, &v) < 0 || v > UINT32_MAX)
                        return nook_err_set(err, 0, "--user %s: expected UID[:GID] as numbers",
                                            spec);
                u->gid = (uint32_t)v;
        }
        u->n_additional_gids = 0;
        return 0;
}

/* The container's env with KEY=VALUE entries from --env replacing or adding keys. */
static char **merge_env(char *const *base, char *const *extra)
{
        char **env = strv_dup(base);

        for (size_t i = 0; extra && extra[i]; i++) {
                const char *eq = strchr(extra[i], '=');
                size_t klen = eq ? (size_t)(eq - extra[i]) : strlen(extra[i]);
                bool replaced = false;

                for (size_t j = 0; env[j]; j++) {
                        if (strncmp(env[j], extra[i], klen) == 0 && env[j][klen] == '=') {
                                free(env[j]);
                                env[j] = xstrdup(extra[i]);
                                replaced = true;
                                break;
                        }
                }
                if (!replaced)
                        strv_push(&env, extra[i]);
        }
        return env;
}

/* --cap adds to the bounding, effective, permitted and ambient sets, as runc's does; an
 * unknown name is left out with runc's warning. */
static void add_caps(struct oci_process *p, char *const *names)
{
        struct oci_process unknown = {0};

        for (size_t i = 0; names && names[i]; i++) {
                int v = oci_cap_from_name(names[i]);

                if (v < 0) {
                        strv_push(&unknown.unknown_caps, names[i]);
                        continue;
                }
                p->caps.bounding |= 1ULL << v;
                p->caps.effective |= 1ULL << v;
                p->caps.permitted |= 1ULL << v;
                p->caps.ambient |= 1ULL << v;
        }
        if (unknown.unknown_caps) {
                process_warn_unknown_caps(&unknown);
                strv_free(unknown.unknown_caps);
        }
}

static int build_process(const struct oci_config *c, const struct exec_opts *o,
                         struct exec_process *ep, struct nook_err *err)
{
        if (o->process_file) {
                _cleanup_free_ char *text = NULL;

                if (read_file(o->process_file, &text, NULL, 8 << 20, err) < 0 ||
                    oci_process_parse(text, &ep->loaded, err) < 0)
                        return -1;
                if (ep->loaded->unsupported)
                        return nook_err_set(err, EOPNOTSUPP, "%s: %s", o->process_file,
                                            ep->loaded->unsupported);
                ep->p = *ep->loaded;
                return 0;
        }
        if (o->args == NULL || o->args[0] == NULL)
                return nook_err_set(err, 0, "exec: a command to run is required");
        ep->p = *c->process;
        ep->p.args = o->args;
        ep->p.env = ep->env = merge_env(c->process->env, o->env);
        ep->p.terminal = o->tty;
        if (o->cwd) {
                if (o->cwd[0] != '/')
                        return nook_err_set(err, 0, "--cwd %s: must be an absolute path", o->cwd);
                ep->p.cwd = ep->cwd = xstrdup(o->cwd);
        }
        if (o->user && parse_user(o->user, &ep->p.user, err) < 0)
                return -1;
        if (o->additional_gids) {
                size_t n = strv_length(o->additional_gids);

                ep->p.user.additional_gids = ep->gids = xcalloc(n ? n : 1, sizeof(uint32_t));
                ep->p.user.n_additional_gids = n;
                for (size_t i = 0; i < n; i++) {
                        uint64_t v;

                        if (parse_uint64(o->additional_gids[i], &v) < 0 || v > UINT32_MAX)
                                return nook_err_set(err, 0,
                                                    "--additional-gids %s: expected a number",
                                                    o->additional_gids[i]);
                        ep->gids[i] = (uint32_t)v;
                }
        }
        if (o->no_new_privs)
                ep->p.no_new_privileges = true;
        if (o->caps)
                add_caps(&ep->p, o->caps);
        return 0;
}

static int send_pty(const struct oci_process *p, int sync_fd, struct nook_err *err)
{
        _cleanup_close_ int master = -1;
        char pts[64];

        if (terminal_open_in_child(p->console_height, p->console_width, &master, pts, sizeof(pts),
                                   err) < 0)
                return -1;
        return sync_send_fd(sync_fd, SYNC_PTY_MASTER, master, err);
}

/* Tells `nook exec` which process to wait for: the one about to become the command. */
static int send_own_pidfd(int sync_fd, struct nook_err *err)
{
        _cleanup_close_ int self = ns_pidfd_open(getpid());

        if (self < 0)
                return nook_err_sys(err, "pidfd_open");
        return sync_send_fd(sync_fd, SYNC_EXEC_PIDFD, self, err);
}

/* The child of `nook exec` is outside the container's pid namespace, so the container
 * cannot see it while it still has the host's root, cwd, namespaces and fds: through
 * /proc/<pid>/root or fd/ of a visible process, a container with CAP_SYS_PTRACE would
 * reach the host, and non-dumpable does not stop such a container.  Only once it has
 * joined every namespace and closed the init's pidfd does it fork, into the pid
 * namespace, the process the container sees; CLONE_PARENT makes that one our parent's
 * child, so that `nook exec` waits for it.  Returns in that process (this one when there
 * is no pid or time namespace to enter, hence nothing to hide); the child exits. */
static int join_container(int pidfd, int root_fd, int join_flags, int sync_fd, struct nook_err *err)
{
        struct ns_clone_args ca = {.flags = CLONE_PARENT, .cgroup_fd = -1, .exit_signal = 0};
        _cleanup_close_ int forked_pidfd = -1;
        bool placed;
        pid_t pid;

        /* CVE-2019-5736: keeps the container's processes out of our /proc/<pid> entries,
         * exe above all, until execve makes the command dumpable again; the fork
         * inherits it.  Its cost does not show (see cloned_binary.h); the second fork
         * costs 0.4 ms of an exec's 5 to 6 ms. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return nook_err_sys(err, "prctl PR_SET_DUMPABLE");
        if (ns_join_pidfd(pidfd, join_flags, err) < 0)
                return -1;
        close(pidfd);
        /* The init's root, which setns leaves to the mount namespace's: they differ for
         * an init that chroot'ed (a container without a mount namespace of its own, one
         * made from a chroot), and the command must never run on the host's. */
        if (fchdir(root_fd) < 0 || chroot(".") < 0)
                return nook_err_sys(err, "enter the root of the container's init");
        close(root_fd);
        if (join_flags & (CLONE_NEWPID | CLONE_NEWTIME)) {
                pid = ns_clone(&ca, &forked_pidfd, &placed, err);
                if (pid < 0)
                        return -1;
                if (pid > 0)
                        _exit(0);
        }
        return send_own_pidfd(sync_fd, err);
}

/* Runs a hook of exec's options, if it has one; true, to chain in a condition. */
static bool exec_hook(const struct exec_opts *o, bool before_exec)
{
        void (*fn)(void *) = NULL;

        if (o->hooks)
                fn = before_exec ? o->hooks->before_exec : o->hooks->before_setup;
        if (fn)
                fn(o->hooks->data);
        return true;
}

__attribute__((noreturn)) static void exec_child(const struct oci_process *p,
                                                 const struct oci_seccomp *seccomp,
                                                 const struct seccomp_program *prog, int pidfd,
                                                 int root_fd, int join_flags, int sync_fd,
                                                 const struct exec_opts *o)
{
        _cleanup_(process_launch_clear) struct process_launch launch = {0};
        struct process_seccomp sc = PROCESS_SECCOMP(seccomp, prog, o->preserve_fds);
        struct nook_err err = {0};

        /* A session of its own, as runc gives every exec'd process; with a terminal,
         * send_pty makes one and takes the terminal as its controlling one. */
        if (join_container(pidfd, root_fd, join_flags, sync_fd, &err) == 0 &&
            (p->terminal ? send_pty(p, sync_fd, &err) == 0
                         : setsid() >= 0 || nook_err_sys(&err, "setsid") == 0) &&
            process_prepare_launch(p, &launch, &err) == 0 && exec_hook(o, false) &&
            process_setup(p, &sc, &err) == 0 && process_send_seccomp_fd(&sc, sync_fd, &err) == 0) {
                exec_hook(o, true);
                process_exec(p, &launch, &sc, &err);
        }
        sync_send_error(sync_fd, &err);
        _exit(127);
}

/* The pid, in our pid namespace, of the process behind a pidfd. */
static pid_t pidfd_pid(int pidfd)
{
        char path[64], line[128];
        _cleanup_fclose_ FILE *f = NULL;
        int pid;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
        f = fopen(path, "re");
        if (f == NULL)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Pid:\t%d", &pid) == 1 && pid > 0)
                        return pid;
        errno = ESRCH;
        return -1;
}

/* The process that runs the command sends its pidfd first (join_container); the child
 * that forked it exits at once and is reaped here. */
static int receive_process(int sync_fd, pid_t joiner, int *pidfd, pid_t *pid, struct nook_err *err)
{
        int r = sync_expect(sync_fd, SYNC_EXEC_PIDFD, pidfd, err);

        *pid = r < 0 ? -1 : pidfd_pid(*pidfd);
        if (r == 0 && *pid < 0)
                r = nook_err_sys(err, "find the pid of the exec'd process");
        if (*pid != joiner)
                waitpid(joiner, NULL, 0);
        return r;
}

/* --cgroup: a cgroup below the container's, as runc takes it ("unified:" is cgroup
 * v2's controller name there; nook has no other). */
static int sub_cgroup(const struct container_state *st, const char *spec, char **out,
                      struct nook_err *err)
{
        const char *path = str_has_prefix(spec, "unified:") ? spec + 8 : spec;

        if (strchr(path, ':') || strstr(path, ".."))
                return nook_err_set(err, 0,
                                    "--cgroup %s: expected a path below the container's cgroup "
                                    "(cgroup v2 only)",
                                    spec);
        while (*path == '/')
                path++;
        *out = xasprintf("%s/%s", st->cgroup_path, path);
        return 0;
}

static int open_proc_root(pid_t pid, struct nook_err *err)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? nook_err_sys(err, "open %s", path) : fd;
}

static int exec_spawn(const struct container_state *st, const struct oci_process *p,
                      const struct oci_seccomp *seccomp, const struct seccomp_program *prog,
                      const struct exec_opts *o, int *status, struct nook_err *err)
{
        _cleanup_close_ int pidfd = -1, cgroup_fd = -1, child_pidfd = -1, master = -1;
        _cleanup_close_ int root_fd = -1;
        _cleanup_close_ int parent_end = -1, child_end = -1, joiner_pidfd = -1;
        _cleanup_free_ char *cgroup = NULL;
        struct ns_clone_args ca = {.cgroup_fd = -1, .exit_signal = SIGCHLD};
        int sv[2], flags;
        bool placed;
        pid_t joiner, pid;

        if (container_open_pidfd(st, &pidfd, err) < 0 || ns_differing(st->pid, &flags, err) < 0)
                return -1;
        /* Opened once the pidfd pins the init, before anything is joined (nsenter --root). */
        root_fd = open_proc_root(st->pid, err);
        if (root_fd < 0)
                return -1;
        if (st->cgroup_path) {
                if ((o->cgroup
                         ? sub_cgroup(st, o->cgroup, &cgroup, err)
                         : cgroup_for_new_process(st->cgroup_path, st->pid, &cgroup, err)) < 0 ||
                    cgroup_open(cgroup, &cgroup_fd, err) < 0)
                        return -1;
                ca.cgroup_fd = cgroup_fd;
        }
        if (sync_socketpair(sv, err) < 0)
                return -1;
        parent_end = sv[0];
        child_end = sv[1];
        joiner = ns_clone(&ca, &joiner_pidfd, &placed, err);
        if (joiner < 0)
                return -1;
        if (joiner == 0) {
                close(parent_end);
                /* A directory of the host's cgroup tree: nothing the container may reach. */
                if (cgroup_fd >= 0)
                        close(cgroup_fd);
                exec_child(p, seccomp, prog, pidfd, root_fd, flags, child_end, o);
        }
        close(TAKE_FD(child_end));
        if (receive_process(parent_end, joiner, &child_pidfd, &pid, err) < 0)
                return -1;
        if (!placed && cgroup && cgroup_enter(cgroup, pid, err) < 0)
                return -1;
        if (p->terminal) {
                if (sync_expect(parent_end, SYNC_PTY_MASTER, &master, err) < 0)
                        return -1;
                if (o->console_socket &&
                    terminal_send_to_socket(o->console_socket, TAKE_FD(master), err) < 0)
                        return -1;
        }
        if (oci_seccomp_uses_notify(seccomp) &&
            seccomp_relay_notify_fd(seccomp, parent_end, pid, st, state_status(st), err) < 0)
                return -1;
        if (sync_wait_exec(parent_end, err) < 0)
                return -1;
        if (o->pid_file) {
                char buf[16];
                int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
                if (write_file_atomic(o->pid_file, buf, (size_t)n, 0644, err) < 0)
                        return -1;
        }
        if (o->detach)
                return 0;
        return container_wait_foreground(child_pidfd, pid, master, status, err);
}

int container_exec(const struct nook_runtime *rt, const char *id, const struct exec_opts *opts,
                   int *status, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_config_ struct oci_config *config = NULL;
        _cleanup_(seccomp_program_clear) struct seccomp_program prog = {0};
        struct exec_process ep = {0};
        enum container_status s;
        sigset_t set;
        int r;

        *status = 0;
        if (container_load(rt, id, &st, err) < 0)
                return -1;
        s = state_status(st);
        if (s != CONTAINER_RUNNING && s != CONTAINER_CREATED &&
            !(s == CONTAINER_PAUSED && opts->ignore_paused))
                return nook_err_set(err, 0, "cannot exec in container %s: %s", id,
                                    s == CONTAINER_PAUSED ? "cannot exec in a paused container"
                                    : s == CONTAINER_STOPPED
                                        ? "cannot exec in a stopped container"
                                        : "container not running (it is being created)");
        if (container_load_config(st, &config, err) < 0)
                return -1;
        /* Before anything is done to the host; the copy comes back here and goes on. */
        if (cloned_binary_needed(config) && cloned_binary_ensure(err) < 0)
                return -1;
        if (opts->tty && opts->detach && !opts->console_socket)
                return nook_err_set(err, 0, "exec --tty --detach needs --console-socket");
        if (container_prepare_seccomp(rt, config, &prog, err) < 0)
                return -1;
        r = build_process(config, opts, &ep, err);
        if (r == 0) {
                if (!opts->detach) {
                        foreground_signals(&set);
                        sigprocmask(SIG_BLOCK, &set, NULL);
                }
                r = exec_spawn(st, &ep.p, config->linux_.seccomp, &prog, opts, status, err);
        }
        exec_process_done(&ep);
        return r;
}
