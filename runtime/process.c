#include "runtime/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/sync.h"
#include "runtime/seccomp.h"

static const char *env_lookup(char *const *env, const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
                        return env[i] + n + 1;
        return NULL;
}

static bool is_executable_file(const char *path, int *why)
{
        struct stat sb;

        if (stat(path, &sb) < 0) {
                *why = errno;
                return false;
        }
        if (S_ISDIR(sb.st_mode)) {
                *why = EACCES;
                return false;
        }
        if (access(path, X_OK) < 0) {
                *why = errno;
                return false;
        }
        return true;
}

/* dir/name, with a relative dir ("./pause", a PATH entry "." or "") taken from the
 * process's cwd, where the command will run: the lookup happens before the chdir. */
static char *in_cwd(const char *cwd, const char *dir, size_t dir_len, const char *name)
{
        if (dir_len > 0 && dir[0] == '/')
                return xasprintf("%.*s/%s", (int)dir_len, dir, name);
        if (dir_len == 0 || (dir_len == 1 && dir[0] == '.'))
                return xasprintf("%s/%s", strcmp(cwd, "/") ? cwd : "", name);
        return xasprintf("%s/%.*s/%s", strcmp(cwd, "/") ? cwd : "", (int)dir_len, dir, name);
}

static int find_executable(const struct oci_process *p, char **out, struct nook_err *err)
{
        const char *name = p->args[0];
        const char *search;
        int why = ENOENT;

        if (strchr(name, '/') != NULL) {
                _cleanup_free_ char *path =
                    name[0] == '/' ? xstrdup(name) : in_cwd(p->cwd, NULL, 0, name);

                if (!is_executable_file(path, &why))
                        return nook_err_set(err, why, "exec: %s", name);
                *out = TAKE_PTR(path);
                return 0;
        }
        /* Without PATH in process.env, runc and crun find nothing (no default list as
         * execvp's): the config must say where to look. */
        search = env_lookup(p->env, "PATH");
        for (const char *dir = search; dir;) {
                const char *end = strchr(dir, ':');
                size_t len = end ? (size_t)(end - dir) : strlen(dir);
                _cleanup_free_ char *cand = in_cwd(p->cwd, dir, len, name);
                int this_why;

                if (is_executable_file(cand, &this_why)) {
                        *out = TAKE_PTR(cand);
                        return 0;
                }
                /* Like execvp: a permission problem is more telling than "not found". */
                if (this_why == EACCES)
                        why = EACCES;
                dir = end ? end + 1 : NULL;
        }
        /* runc's words, which podman turns into exit status 127. */
        return nook_err_set(err, why, "exec: \"%s\": executable file not found in $PATH", name);
}

static int apply_rlimits(const struct oci_process *p, struct nook_err *err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};

                if (setrlimit(p->rlimits[i].resource, &rl) < 0)
                        return nook_err_sys(err, "setrlimit %d (soft %llu, hard %llu)",
                                            p->rlimits[i].resource, (unsigned long long)rl.rlim_cur,
                                            (unsigned long long)rl.rlim_max);
        }
        return 0;
}

static void caps_fill(cap_t caps, cap_flag_t flag, uint64_t mask, int last)
{
        for (int c = 0; c <= last; c++) {
                cap_value_t v = c;
                if (mask & (1ULL << c))
                        cap_set_flag(caps, flag, 1, &v, CAP_SET);
        }
}

/* Bounding set first (needs CAP_SETPCAP, which we still hold), then the uid switch
 * with KEEPCAPS, then the remaining sets, ambient last (it requires permitted and
 * inheritable). */
static int drop_bounding(const struct oci_caps *c, int last, struct nook_err *err)
{
        for (int cap = 0; cap <= last; cap++) {
                if (c->bounding & (1ULL << cap))
                        continue;
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                        return nook_err_sys(err, "drop capability %d from the bounding set", cap);
        }
        return 0;
}

static int set_caps(const struct oci_caps *c, int last, struct nook_err *err)
{
        cap_t caps = cap_init();
        int r;

        if (caps == NULL)
                return nook_err_sys(err, "cap_init");
        caps_fill(caps, CAP_EFFECTIVE, c->effective, last);
        caps_fill(caps, CAP_PERMITTED, c->permitted, last);
        caps_fill(caps, CAP_INHERITABLE, c->inheritable, last);
        r = cap_set_proc(caps);
        cap_free(caps);
        if (r < 0)
                return nook_err_sys(err, "set capabilities");
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return nook_err_sys(err, "clear ambient capabilities");
        /* An ambient capability must be permitted and inheritable; configs that list it
         * without (buildah's RUN steps) run anyway, as under runc and crun. */
        for (int cap = 0; cap <= last; cap++) {
                if (!(c->ambient & (1ULL << cap)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
                        if (errno != EPERM && errno != EINVAL)
                                return nook_err_sys(err, "raise ambient capability %d", cap);
                        nook_debug("ambient capability %d cannot be raised: %s", cap,
                                   strerror(errno));
                }
        }
        return 0;
}

static int switch_user(const struct oci_user *u, struct nook_err *err)
{
        gid_t *groups = NULL;

        if (u->n_additional_gids) {
                groups = xcalloc(u->n_additional_gids, sizeof(gid_t));
                for (size_t i = 0; i < u->n_additional_gids; i++)
                        groups[i] = u->additional_gids[i];
        }
        /* EPERM here means setgroups was denied in a user namespace: only then is an
         * empty group list acceptable. */
        if (setgroups(u->n_additional_gids, groups) < 0 && !(errno == EPERM && !groups)) {
                free(groups);
                return nook_err_sys(err, "setgroups");
        }
        free(groups);
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return nook_err_sys(err, "setgid %u", u->gid);
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return nook_err_sys(err, "setuid %u", u->uid);
        return 0;
}

/* fds >= from close-on-exec: close_range(CLOSE_RANGE_CLOEXEC), or where the kernel or
 * a filter refuses it, each fd of /proc/self/fd. */
static int mark_fds_cloexec(int from, struct nook_err *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *e;

        if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS && errno != EPERM)
                return nook_err_sys(err, "close_range");
        d = opendir("/proc/self/fd");
        if (d == NULL)
                return nook_err_sys(err, "open /proc/self/fd");
        while ((e = readdir(d)) != NULL) {
                int64_t fd;

                if (parse_int64(e->d_name, &fd) < 0 || fd < from || fd == dirfd(d))
                        continue;
                if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
                        return nook_err_sys(err, "mark fd %d close-on-exec", (int)fd);
        }
        return 0;
}

/* Nothing nook does once the filter is loaded may depend on the profile, which a
 * restrictive one (defaultAction an error) lists only what the container needs: the fd
 * cleanup goes first, then the load; after it come only calls every profile must allow
 * for the container to start at all (the user and capability switch when
 * noNewPrivileges is off, as in runc and crun; the sync messages; execve). */
static int load_seccomp(struct process_seccomp *sc, struct nook_err *err)
{
        if (!sc->fds_marked) {
                if (mark_fds_cloexec(3 + sc->preserve_fds, err) < 0)
                        return -1;
                sc->fds_marked = true;
        }
        if (sc->filter == NULL || sc->loaded)
                return 0;
        if (seccomp_load_filter(sc->filter, sc->program, &sc->notify_fd, err) < 0)
                return -1;
        sc->loaded = true;
        return 0;
}

int process_send_seccomp_fd(struct process_seccomp *sc, int sync_fd, struct nook_err *err)
{
        int r;

        if (!oci_seccomp_uses_notify(sc->filter))
                return 0;
        if (load_seccomp(sc, err) < 0)
                return -1;
        r = sync_send_fd(sync_fd, SYNC_SECCOMP_FD, sc->notify_fd, err);
        /* Only the agent answers notifications: the container keeps no handle on them. */
        close(TAKE_FD(sc->notify_fd));
        return r;
}

/* CVE-2024-21626: a cwd reached through an fd that leaked into the container
 * (/proc/self/fd/N) lies outside its root, where getcwd(2) cannot reach it: ENOENT. */
static int check_cwd_inside_root(const char *cwd, struct nook_err *err)
{
        _cleanup_free_ char *real = getcwd(NULL, 0);

        if (real == NULL && errno != ENOENT)
                return nook_err_sys(err, "getcwd after chdir to %s", cwd);
        if (real == NULL || real[0] != '/')
                return nook_err_set(err, EPERM, "cwd %s is outside the container's root", cwd);
        return 0;
}

int process_setup(const struct oci_process *p, struct process_seccomp *sc, struct nook_err *err)
{
        int last = (int)cap_max_bits() - 1;

        if (last > 63)
                last = 63;
        if (apply_rlimits(p, err) < 0)
                return -1;
        if (p->user.has_umask)
                umask(p->user.umask);
        else
                umask(0022);
        if (chdir(p->cwd) < 0)
                return nook_err_sys(err, "chdir to cwd %s", p->cwd);
        if (check_cwd_inside_root(p->cwd, err) < 0)
                return -1;
        /* Without a capabilities object the process gets none, as under runc and crun. */
        if (drop_bounding(&p->caps, last, err) < 0)
                return -1;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return nook_err_sys(err, "prctl PR_SET_KEEPCAPS");
        if (!p->no_new_privileges && load_seccomp(sc, err) < 0)
                return -1;
        if (switch_user(&p->user, err) < 0)
                return -1;
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return nook_err_sys(err, "prctl PR_SET_KEEPCAPS");
        if (set_caps(&p->caps, last, err) < 0)
                return -1;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return nook_err_sys(err, "prctl PR_SET_NO_NEW_PRIVS");
        return 0;
}

static void reset_signals(void)
{
        sigset_t all;

        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
}

int process_exec(const struct oci_process *p, const struct process_launch *l,
                 struct process_seccomp *sc, struct nook_err *err)
{
        reset_signals();
        /* CLOEXEC rather than close: the sync socket must survive until execve
         * succeeds, and its closing is how the parent learns that it did.  Last, so that
         * the filter has only execve left to allow. */
        if (load_seccomp(sc, err) < 0)
                return -1;
        execve(l->exe, p->args, l->env);
        return nook_err_sys(err, "exec: %s", p->args[0]);
}

/* The home directory of uid in the root's /etc/passwd (its first entry), else "/". */
static char *home_of(uint32_t uid)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        while (f && getline(&line, &cap, f) > 0) {
                char *field[7] = {NULL}, *p = line;
                size_t n = 0;
                uint64_t id;

                line[strcspn(line, "\n")] = '\0';
                /* name:password:uid:gid:gecos:home:shell, empty fields included */
                for (char *f2 = strsep(&p, ":"); f2 && n < 7; f2 = strsep(&p, ":"))
                        field[n++] = f2;
                if (n >= 6 && parse_uint64(field[2], &id) == 0 && id == uid && field[5][0])
                        return xstrdup(field[5]);
        }
        return xstrdup("/");
}

int process_prepare_launch(const struct oci_process *p, struct process_launch *out,
                           struct nook_err *err)
{
        const char *home = env_lookup(p->env, "HOME");

        *out = (struct process_launch){0};
        if (find_executable(p, &out->exe, err) < 0)
                return -1;
        out->env = strv_dup(p->env);
        /* runc sets an empty HOME too; crun keeps it: runc's is what images expect. */
        if (home == NULL || home[0] == '\0') {
                _cleanup_free_ char *dir = home_of(p->user.uid);
                _cleanup_free_ char *entry = xasprintf("HOME=%s", dir);
                size_t n = 0;

                while (out->env[n] && strncmp(out->env[n], "HOME=", 5) != 0)
                        n++;
                if (out->env[n]) {
                        free(out->env[n]);
                        out->env[n] = TAKE_PTR(entry);
                } else {
                        strv_push(&out->env, entry);
                }
        }
        return 0;
}

void process_launch_clear(struct process_launch *l)
{
        free(l->exe);
        strv_free(l->env);
        *l = (struct process_launch){0};
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void process_warn_unknown_caps(const struct oci_process *p)
{
        const uint64_t all = p->caps.bounding | p->caps.effective | p->caps.inheritable |
                             p->caps.permitted | p->caps.ambient;
        int last = (int)cap_max_bits() - 1;
        _cleanup_strv_ char **names = strv_dup(p->unknown_caps);
        _cleanup_free_ char *list = xstrdup("");

        /* Known to nook but not to this kernel: the process cannot hold them either. */
        for (int c = last + 1; c < 64; c++)
                if ((all & (UINT64_C(1) << c)) && oci_cap_name(c))
                        strv_push(&names, oci_cap_name(c));
        if (names[0] == NULL)
                return;
        qsort(names, strv_length(names), sizeof(char *), name_cmp);
        for (size_t i = 0; names[i]; i++) {
                char *next = xasprintf("%s%s%s", list, i ? " " : "", names[i]);
                free(list);
                list = next;
        }
        /* runc's words and form. */
        nook_warn("ignoring unknown or unavailable capabilities: [%s]", list);
}
