#include "manager/debootstrap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* debootstrap needs chroot, mount and friends from the sbin directories, which a
 * caller's PATH may lack. */
#define CHILD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define PROGRESS_TOTAL 1000
/* The stages debootstrap announces with "P: NOW END STAGE", as shares of the whole run
 * in per mille: downloading dominates on a slow mirror, configuring on a fast one. */
static const struct {
        const char *name;
        unsigned from, to;
} stages[] = {
    {"DOWNREL", 0, 10},        {"DOWNRELSIG", 10, 20},   {"DOWNPKGS", 20, 40},
    {"DOWNMAINPKGS", 20, 40},  {"SIZEDEBS", 40, 60},     {"DOWNDEBS", 60, 500},
    {"EXTRACTPKGS", 500, 600}, {"INSTCORE", 600, 650},   {"UNPACKREQ", 650, 750},
    {"CONFREQ", 750, 850},     {"UNPACKBASE", 850, 920}, {"CONFBASE", 920, 990},
};

/* Packages that make a tree bootable as a system container. */
static const char *const init_packages[] = {"systemd-sysv", "sysvinit-core", "runit-init", "init"};

#define MAX_ARGS    8
#define ARG_MAX_LEN 512

/* debootstrap --debian-installer speaks a line protocol: "P: NOW END STAGE" for progress,
 * and for an error "E: NAME", then "EA: ARG" per argument and "EF: FORMAT" (printf with
 * %s).  Errors raised before debootstrap switches its messages to fd 3 arrive in the same
 * form on stdout, so both streams go through this parser. */
struct di_parser {
        const struct archive_progress *progress;
        unsigned permille;
        bool in_error;
        char error[NOOK_ERR_MSG_MAX / 2];
        char args[MAX_ARGS][ARG_MAX_LEN];
        size_t nargs;
};

static void di_progress(struct di_parser *p, unsigned long now, unsigned long end,
                        const char *stage)
{
        for (size_t i = 0; i < ARRAY_SIZE(stages); i++) {
                unsigned permille;

                if (strcmp(stages[i].name, stage) != 0)
                        continue;
                if (end == 0 || now > end)
                        return;
                permille = stages[i].from + (unsigned)((stages[i].to - stages[i].from) * now / end);
                /* Stages restart at 0 and some repeat: progress only moves forward. */
                if (permille <= p->permille)
                        return;
                p->permille = permille;
                if (p->progress != NULL && p->progress->fn != NULL)
                        p->progress->fn(p->progress->data, permille, PROGRESS_TOTAL);
                return;
        }
}

/* Expands the "%s" of an EF format with the EA arguments. */
static void di_format(struct di_parser *p, const char *fmt)
{
        size_t n = 0, arg = 0, cap = sizeof(p->error) - 1;

        for (const char *f = fmt; *f != '\0' && n < cap; f++) {
                if (f[0] == '%' && f[1] == 's') {
                        const char *a = arg < p->nargs ? p->args[arg++] : "";
                        size_t len = strlen(a);

                        if (len > cap - n)
                                len = cap - n;
                        memcpy(p->error + n, a, len);
                        n += len;
                        f++;
                } else if (f[0] == '%' && f[1] == '%') {
                        p->error[n++] = '%';
                        f++;
                } else {
                        p->error[n++] = *f;
                }
        }
        p->error[n] = '\0';
}

static void di_line(struct di_parser *p, const char *line)
{
        unsigned long now, end;
        char stage[32];

        if (str_has_prefix(line, "P: ")) {
                if (sscanf(line + 3, "%lu %lu %31s", &now, &end, stage) == 3)
                        di_progress(p, now, end, stage);
        } else if (str_has_prefix(line, "E: ")) {
                /* Kept as it is should no EF follow (an "E:" line of another tool). */
                snprintf(p->error, sizeof(p->error), "%s", line + 3);
                p->in_error = true;
                p->nargs = 0;
        } else if (str_has_prefix(line, "EA: ") && p->in_error) {
                if (p->nargs < MAX_ARGS)
                        snprintf(p->args[p->nargs++], ARG_MAX_LEN, "%s", line + 4);
        } else if (str_has_prefix(line, "EF: ") && p->in_error) {
                di_format(p, line + 4);
                p->in_error = false;
        }
}

/* One of debootstrap's output pipes: copied to the log and split into lines. */
struct di_stream {
        int fd;
        size_t len;
        char buf[4096];
};

static void di_stream_close(struct di_stream *s)
{
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -1;
}

/* Reads what is there; at end of file closes the stream. */
static int di_pump(struct di_stream *s, int log_fd, struct di_parser *p, struct nook_err *err)
{
        ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
        char *start, *nl;

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n < 0)
                return nook_err_sys(err, "read debootstrap's output");
        if (n > 0 && write_all(log_fd, s->buf + s->len, n) < 0)
                return nook_err_sys(err, "write debootstrap's log");
        s->len += n;
        s->buf[s->len] = '\0';
        start = s->buf;
        while ((nl = strchr(start, '\n')) != NULL) {
                *nl = '\0';
                di_line(p, start);
                start = nl + 1;
        }
        s->len -= start - s->buf;
        memmove(s->buf, start, s->len);
        /* A line longer than the buffer, or the last one without a newline. */
        if (n == 0 || s->len == sizeof(s->buf) - 1) {
                s->buf[s->len] = '\0';
                if (s->len > 0)
                        di_line(p, s->buf);
                s->len = 0;
        }
        if (n == 0)
                di_stream_close(s);
        return 0;
}

static const char *find_program(void)
{
        static char path[256];
        const char *env = getenv("NOOK_DEBOOTSTRAP");
        _cleanup_free_ char *dirs = xstrdup(CHILD_PATH);
        char *save = NULL;

        if (env != NULL && env[0] != '\0')
                return access(env, X_OK) == 0 ? env : NULL;
        for (char *d = strtok_r(dirs, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
                snprintf(path, sizeof(path), "%s/debootstrap", d);
                if (access(path, X_OK) == 0)
                        return path;
        }
        return NULL;
}

static char **child_env(void)
{
        static const char *const passed[] = {"HOME",        "TMPDIR",   "http_proxy",
                                             "https_proxy", "no_proxy", "HTTP_PROXY",
                                             "HTTPS_PROXY", "NO_PROXY", "DEBOOTSTRAP_DIR"};
        char **env = NULL;

        strv_push(&env, "PATH=" CHILD_PATH);
        /* debootstrap's messages are parsed: no translations. */
        strv_push(&env, "LC_ALL=C");
        for (size_t i = 0; i < ARRAY_SIZE(passed); i++) {
                const char *v = getenv(passed[i]);

                if (v != NULL) {
                        _cleanup_free_ char *kv = xasprintf("%s=%s", passed[i], v);

                        strv_push(&env, kv);
                }
        }
        return env;
}

/* The forked child, which puts debootstrap into namespaces of its own:
 * - a mount namespace with private propagation: the /proc, /sys and /dev/pts mounts
 *   debootstrap makes inside the target never appear in the caller's namespace (or,
 *   through shared propagation, the host's), and the kernel removes them when the last
 *   process of the namespace exits, however debootstrap ends.  So the caller never has
 *   to find and unmount leftovers before removing a failed tree.
 * - a PID namespace with debootstrap as its init: when debootstrap exits or is killed,
 *   the kernel kills whatever it left running (a daemon a postinst started, a wget),
 *   which would otherwise go on writing into a tree being removed and keep the mount
 *   namespace alive.  With PR_SET_PDEATHSIG on this child and on debootstrap, all of it
 *   also dies with the caller (nookctl interrupted).
 * This child stays outside the PID namespace as debootstrap's parent and passes its
 * status on. */
static __attribute__((noreturn)) void child_run(pid_t parent, const char *program, char **argv,
                                                char **envp, int out, int progress)
{
        static const int reset[] = {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGQUIT, SIGHUP};
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        sigset_t none;
        int status;
        pid_t pid;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
        /* The caller's signal mask and ignored signals would be debootstrap's. */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (size_t i = 0; i < ARRAY_SIZE(reset); i++)
                signal(reset[i], SIG_DFL);
        /* Above the three standard fds, so that the dup2s below cannot clobber them. */
        out = fcntl(out, F_DUPFD_CLOEXEC, 10);
        progress = fcntl(progress, F_DUPFD_CLOEXEC, 10);
        if (devnull < 0 || out < 0 || progress < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 ||
            dup2(out, 2) < 0 || dup2(progress, 3) < 0)
                _exit(127);
        if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                dprintf(1, "E: namespaces for debootstrap: %m\n");
                _exit(127);
        }
        pid = fork();
        if (pid < 0) {
                dprintf(1, "E: fork debootstrap: %m\n");
                _exit(127);
        }
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                execve(program, argv, envp);
                dprintf(1, "E: exec %s: %m\n", program);
                _exit(127);
        }
        /* The caller sees the end of the output when debootstrap's namespace is gone. */
        if (dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0 || close(3) < 0)
                _exit(127);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(127);
        if (WIFSIGNALED(status)) {
                signal(WTERMSIG(status), SIG_DFL);
                raise(WTERMSIG(status));
                _exit(128 + WTERMSIG(status));
        }
        _exit(WEXITSTATUS(status));
}

/* Pumps both pipes until they close, which they do when debootstrap's PID namespace is
 * gone, and reaps the child. */
static int pump_until_exit(pid_t pid, struct di_stream *streams, int log_fd,
                           struct di_parser *parser, int *status, struct nook_err *err)
{
        while (streams[0].fd >= 0 || streams[1].fd >= 0) {
                struct pollfd fds[2];
                int r;

                for (int i = 0; i < 2; i++)
                        fds[i] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
                r = poll(fds, 2, -1);
                if (r < 0 && errno != EINTR)
                        return nook_err_sys(err, "poll debootstrap's output");
                for (int i = 0; i < 2 && r > 0; i++)
                        if (fds[i].revents != 0 && di_pump(&streams[i], log_fd, parser, err) < 0)
                                return -1;
        }
        while (waitpid(pid, status, 0) < 0)
                if (errno != EINTR)
                        return nook_err_sys(err, "wait for debootstrap");
        return 0;
}

static int run_debootstrap(const char *program, char **argv, int log_fd, struct di_parser *parser,
                           struct nook_err *err)
{
        _cleanup_strv_ char **envp = child_env();
        struct di_stream streams[2] = {{.fd = -1}, {.fd = -1}};
        int out[2], progress[2], status = 0, r;
        pid_t parent, pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                return nook_err_sys(err, "pipe");
        if (pipe2(progress, O_CLOEXEC) < 0) {
                close(out[0]);
                close(out[1]);
                return nook_err_sys(err, "pipe");
        }
        parent = getpid();
        pid = fork();
        if (pid == 0)
                child_run(parent, program, argv, envp, out[1], progress[1]);
        close(out[1]);
        close(progress[1]);
        streams[0].fd = out[0];
        streams[1].fd = progress[0];
        if (pid < 0) {
                di_stream_close(&streams[0]);
                di_stream_close(&streams[1]);
                return nook_err_sys(err, "fork");
        }
        r = pump_until_exit(pid, streams, log_fd, parser, &status, err);
        di_stream_close(&streams[0]);
        di_stream_close(&streams[1]);
        if (r < 0) {
                /* Takes debootstrap and its namespace along (PR_SET_PDEATHSIG). */
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -1;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (parser->error[0] != '\0')
                return nook_err_set(err, 0, "%s", parser->error);
        if (WIFSIGNALED(status))
                return nook_err_set(err, 0, "killed by signal %d", WTERMSIG(status));
        return nook_err_set(err, 0, "exit status %d", WEXITSTATUS(status));
}

/* DIR must be new or empty; *created says whether this call made it. */
static int prepare_dir(const char *dir, bool *created, struct nook_err *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        *created = false;
        if (mkdir(dir, 0755) == 0) {
                *created = true;
                return 0;
        }
        if (errno != EEXIST)
                return nook_err_sys(err, "%s", dir);
        d = opendir(dir);
        if (d == NULL)
                return nook_err_sys(err, "%s", dir);
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        return nook_err_set(err, ENOTEMPTY, "%s", dir);
        return 0;
}

/* Removes what debootstrap left: DIR itself if this call made it, else its content. */
static void discard_dir(const char *dir, bool created)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (created) {
                remove_tree_at(AT_FDCWD, dir, NULL);
                return;
        }
        d = opendir(dir);
        if (d == NULL)
                return;
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        remove_tree_at(dirfd(d), de->d_name, NULL);
}

static char *log_path(const char *dir)
{
        _cleanup_free_ char *copy = xstrdup(dir);
        size_t len = strlen(copy);
        char *slash;

        while (len > 1 && copy[len - 1] == '/')
                copy[--len] = '\0';
        slash = strrchr(copy, '/');
        if (slash == NULL)
                return xasprintf(".%s.debootstrap.log", copy);
        *slash = '\0';
        return xasprintf("%s/.%s.debootstrap.log", slash == copy ? "" : copy, slash + 1);
}

static bool variant_lacks_init(const char *variant)
{
        return variant != NULL &&
               (strcmp(variant, "minbase") == 0 || strcmp(variant, "buildd") == 0 ||
                strcmp(variant, "fakechroot") == 0);
}

static bool names_init(const char *include)
{
        _cleanup_free_ char *copy = xstrdup(include != NULL ? include : "");
        char *save = NULL;

        for (char *p = strtok_r(copy, ", ", &save); p != NULL; p = strtok_r(NULL, ", ", &save))
                for (size_t i = 0; i < ARRAY_SIZE(init_packages); i++)
                        if (strcmp(p, init_packages[i]) == 0)
                                return true;
        return false;
}

static char **debootstrap_argv(const char *dir, const char *suite, const char *variant,
                               const char *include, const char *mirror)
{
        char **argv = NULL;
        _cleanup_free_ char *packages = NULL;

        strv_push(&argv, "debootstrap");
        strv_push(&argv, "--debian-installer");
        if (variant != NULL) {
                _cleanup_free_ char *opt = xasprintf("--variant=%s", variant);

                strv_push(&argv, opt);
        }
        if (variant_lacks_init(variant) && !names_init(include))
                packages = include != NULL && include[0] != '\0'
                               ? xasprintf("%s,%s", include, init_packages[0])
                               : xstrdup(init_packages[0]);
        else if (include != NULL && include[0] != '\0')
                packages = xstrdup(include);
        if (packages != NULL) {
                _cleanup_free_ char *opt = xasprintf("--include=%s", packages);

                strv_push(&argv, opt);
        }
        strv_push(&argv, suite);
        strv_push(&argv, dir);
        strv_push(&argv, mirror != NULL ? mirror : DEBOOTSTRAP_DEFAULT_MIRROR);
        return argv;
}

static int check_word(const char *what, const char *value, bool required, struct nook_err *err)
{
        if (value == NULL && !required)
                return 0;
        /* Passed as arguments, never through a shell; a leading '-' would be an option. */
        if (value == NULL || value[0] == '\0' || value[0] == '-')
                return nook_err_set(err, EINVAL, "debootstrap: bad %s '%s'", what,
                                    value != NULL ? value : "");
        return 0;
}

static int empty_file(const char *dir, const char *name, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);

        return write_file_atomic(path, "", 0, 0644, err);
}

/* Removes the regular files in DIR/SUB whose names end in SUFFIX ("" for all). */
static int remove_files(const char *dir, const char *sub, const char *suffix, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, sub);
        _cleanup_closedir_ DIR *d = opendir(path);
        size_t n = strlen(suffix);
        struct dirent *de;

        if (d == NULL)
                return errno == ENOENT ? 0 : nook_err_sys(err, "%s", path);
        while ((de = readdir(d)) != NULL) {
                size_t len = strlen(de->d_name);

                if (de->d_type == DT_REG && len > n && strcmp(de->d_name + len - n, suffix) == 0 &&
                    unlinkat(dirfd(d), de->d_name, 0) < 0)
                        return nook_err_sys(err, "%s/%s", path, de->d_name);
        }
        return 0;
}

/* What a system container needs beyond what debootstrap makes (see the header). */
static int fit_for_container(const char *dir, struct nook_err *err)
{
        static const char *const inits[] = {"sbin/init", "lib/systemd/systemd"};
        _cleanup_free_ char *machine_id = xasprintf("%s/etc/machine-id", dir);
        struct stat st;

        if (empty_file(dir, "etc/hostname", err) < 0 || empty_file(dir, "etc/resolv.conf", err) < 0)
                return -1;
        if (lstat(machine_id, &st) == 0 && empty_file(dir, "etc/machine-id", err) < 0)
                return -1;
        if (remove_files(dir, "var/cache/apt/archives", ".deb", err) < 0 ||
            remove_files(dir, "var/lib/apt/lists", "", err) < 0)
                return -1;
        /* lstat: the last component may be an absolute symlink, meaningful only inside. */
        for (size_t i = 0; i < ARRAY_SIZE(inits); i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, inits[i]);

                if (lstat(path, &st) == 0)
                        return 0;
        }
        return nook_err_set(err, ENOENT,
                            "%s has neither sbin/init nor lib/systemd/systemd: include an init "
                            "package (systemd-sysv or sysvinit-core)",
                            dir);
}

int template_debootstrap(const char *dir, const char *suite, const char *variant,
                         const char *include, const char *mirror,
                         const struct archive_progress *progress, struct nook_err *err)
{
        struct di_parser parser = {.progress = progress};
        _cleanup_strv_ char **argv = NULL;
        _cleanup_free_ char *log = NULL;
        _cleanup_close_ int log_fd = -1;
        const char *program;
        bool created;
        int r;

        if (check_word("suite", suite, true, err) < 0 ||
            check_word("variant", variant, false, err) < 0 ||
            check_word("package list", include, false, err) < 0 ||
            check_word("mirror", mirror, false, err) < 0)
                return -1;
        if (dir == NULL || dir[0] == '\0')
                return nook_err_set(err, EINVAL, "debootstrap: no target directory");
        program = find_program();
        if (program == NULL)
                return nook_err_set(err, ENOENT,
                                    "debootstrap is not installed (apt-get install debootstrap)");
        if (prepare_dir(dir, &created, err) < 0)
                return nook_err_prefix(err, "debootstrap");
        log = log_path(dir);
        log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (log_fd < 0) {
                nook_err_sys(err, "%s", log);
                discard_dir(dir, created);
                return -1;
        }
        argv = debootstrap_argv(dir, suite, variant, include, mirror);
        r = run_debootstrap(program, argv, log_fd, &parser, err);
        if (r == 0)
                r = fit_for_container(dir, err);
        if (r < 0) {
                discard_dir(dir, created);
                return nook_err_prefix(err, "debootstrap %s into %s failed (log: %s)", suite, dir,
                                       log);
        }
        unlink(log);
        if (progress != NULL && progress->fn != NULL)
                progress->fn(progress->data, PROGRESS_TOTAL, PROGRESS_TOTAL);
        return 0;
}
