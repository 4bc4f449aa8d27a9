#include "cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* How long cgroup_destroy waits for the processes to die and the directories to go. */
#define DESTROY_TIMEOUT_MS 5000
/* Without cgroup.kill, processes forked after we listed the cgroup escape the SIGKILL;
 * re-sending it this often catches them. */
#define RESEND_KILL_MS 100

/* mountinfo escapes space, tab, newline and backslash as \ooo (octal). */
static void unescape_mountinfo(char *s)
{
        char *out = s;

        for (char *in = s; *in; in++) {
                if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
                    in[3] >= '0' && in[3] <= '7') {
                        *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
                        in += 3;
                } else {
                        *out++ = *in;
                }
        }
        *out = '\0';
}

/* Returns the mount point of a mountinfo line if its filesystem type is cgroup2. */
static char *mountinfo_cgroup2(char *line)
{
        char *sep = strstr(line, " - ");
        char *save = NULL, *mnt = NULL;

        if (sep == NULL || !str_has_prefix(sep + 3, "cgroup2 "))
                return NULL;
        *sep = '\0';
        /* Fields: id, parent id, major:minor, root, mount point, ... */
        for (int i = 0; i < 5; i++) {
                mnt = strtok_r(i == 0 ? line : NULL, " ", &save);
                if (mnt == NULL)
                        return NULL;
        }
        unescape_mountinfo(mnt);
        return mnt;
}

int cgroup_v2_mount(const char **out, struct nook_err *err)
{
        static char *cached;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (cached != NULL) {
                *out = cached;
                return 0;
        }
        f = fopen("/proc/self/mountinfo", "re");
        if (f == NULL)
                return nook_err_sys(err, "open /proc/self/mountinfo");
        while (getline(&line, &cap, f) > 0) {
                char *mnt = mountinfo_cgroup2(line);

                if (mnt != NULL) {
                        cached = xstrdup(mnt);
                        *out = cached;
                        return 0;
                }
        }
        return nook_err_set(err, ENOENT, "find the cgroup2 mount in /proc/self/mountinfo");
}

/* Builds "/a/b" from path's components, dropping empty and "." ones, so that the result
 * can be appended to the mount point and stays below it.  what names the input in
 * messages. */
static int normalize(const char *path, const char *what, char **out, struct nook_err *err)
{
        _cleanup_free_ char *copy = xstrdup(path);
        _cleanup_free_ char *res = xcalloc(1, strlen(path) + 2);
        char *save = NULL;
        size_t len = 0;

        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (strcmp(c, ".") == 0)
                        continue;
                if (strcmp(c, "..") == 0)
                        return nook_err_set(err, EINVAL, "%s %s: must not contain '..'", what,
                                            path);
                len += (size_t)sprintf(res + len, "/%s", c);
        }
        if (len == 0)
                return nook_err_set(err, EINVAL, "%s %s: must name a cgroup below the root", what,
                                    path);
        *out = TAKE_PTR(res);
        return 0;
}

/* The caller's own cgroup v2 path, from the "0::" line of /proc/self/cgroup. */
static int own_cgroup(char **out, struct nook_err *err)
{
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        if (read_file("/proc/self/cgroup", &text, NULL, 0, err) < 0)
                return -1;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (str_has_prefix(l, "0::")) {
                        *out = xstrdup(l + 3);
                        return 0;
                }
        }
        return nook_err_set(err, ENOENT, "find the cgroup v2 entry in /proc/self/cgroup");
}

int cgroup_resolve(const char *cgroups_path, const char *id, char **out, struct nook_err *err)
{
        _cleanup_free_ char *own = NULL, *joined = NULL;

        if (cgroups_path == NULL || cgroups_path[0] == '\0') {
                *out = xasprintf("/nook/%s", id);
                return 0;
        }
        if (cgroups_path[0] == '/')
                return normalize(cgroups_path, "cgroupsPath", out, err);
        /* Check the relative part alone so the message names what the user wrote. */
        if (normalize(cgroups_path, "cgroupsPath", &joined, err) < 0)
                return -1;
        free(TAKE_PTR(joined));
        if (own_cgroup(&own, err) < 0)
                return -1;
        joined = xasprintf("%s/%s", own, cgroups_path);
        return normalize(joined, "cgroupsPath", out, err);
}

/* The absolute directory of a cgroup path; refuses the root and "..", so that no
 * operation here can reach above the container's own cgroup. */
static int cgroup_dir(const char *path, char **out, struct nook_err *err)
{
        _cleanup_free_ char *norm = NULL;
        const char *mnt;

        if (path == NULL || path[0] != '/')
                return nook_err_set(err, EINVAL, "cgroup path %s: must be absolute",
                                    path ? path : "(null)");
        if (normalize(path, "cgroup path", &norm, err) < 0 || cgroup_v2_mount(&mnt, err) < 0)
                return -1;
        *out = xasprintf("%s%s", mnt, norm);
        return 0;
}

static int open_dir(const char *dir, int *dirfd_out, struct nook_err *err)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return nook_err_sys(err, "open %s", dir);
        *dirfd_out = fd;
        return 0;
}

int cgroup_create(const char *path, int *dirfd_out, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;
        const char *mnt;

        if (cgroup_dir(path, &dir, err) < 0 || cgroup_v2_mount(&mnt, err) < 0)
                return -1;
        /* Each component below the mount, parents first; dir is normalized, so every '/'
         * after the mount point separates two components. */
        for (char *p = dir + strlen(mnt) + 1;; p++) {
                char c = *p;

                if (c != '/' && c != '\0')
                        continue;
                *p = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return nook_err_sys(err, "mkdir %s", dir);
                *p = c;
                if (c == '\0')
                        break;
        }
        return open_dir(dir, dirfd_out, err);
}

int cgroup_open(const char *path, int *dirfd_out, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;

        if (cgroup_dir(path, &dir, err) < 0)
                return -1;
        return open_dir(dir, dirfd_out, err);
}

static int write_knob(const char *dir, const char *knob, const char *value, struct nook_err *err)
{
        _cleanup_free_ char *file = xasprintf("%s/%s", dir, knob);

        return write_file_at(AT_FDCWD, file, value, strlen(value), err);
}

int cgroup_enter(const char *path, pid_t pid, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;
        char buf[32];

        if (cgroup_dir(path, &dir, err) < 0)
                return -1;
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        return write_knob(dir, "cgroup.procs", buf, err);
}

int cgroup_for_new_process(const char *path, pid_t init, char **out, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL, *ctl = NULL, *text = NULL, *proc = NULL;
        _cleanup_free_ char *norm = NULL;
        const char *own;
        size_t len;

        *out = NULL;
        if (cgroup_dir(path, &dir, err) < 0 || normalize(path, "cgroup path", &norm, err) < 0)
                return -1;
        ctl = xasprintf("%s/cgroup.subtree_control", dir);
        if (read_file(ctl, &text, NULL, 4096, NULL) < 0 || text[strspn(text, " \n")] == '\0') {
                *out = TAKE_PTR(norm);
                return 0;
        }
        /* "0::/path" is the v2 line; the path is relative to our cgroup namespace's root,
         * which is the host's. */
        proc = xasprintf("/proc/%d/cgroup", (int)init);
        free(TAKE_PTR(text));
        if (read_file(proc, &text, NULL, 65536, err) < 0)
                return -1;
        own = strstr(text, "0::");
        if (own && (own == text || own[-1] == '\n')) {
                size_t n = strlen(norm);

                own += 3;
                len = strcspn(own, "\n");
                if (len >= n && strncmp(own, norm, n) == 0 && (len == n || own[n] == '/')) {
                        *out = xstrndup(own, len);
                        return 0;
                }
        }
        *out = TAKE_PTR(norm);
        return 0;
}

struct pid_list {
        pid_t *pids;
        size_t n, cap;
};

static void pid_list_add(struct pid_list *l, pid_t pid)
{
        if (l->n == l->cap) {
                l->cap = l->cap ? l->cap * 2 : 16;
                l->pids = xrealloc(l->pids, l->cap * sizeof(pid_t));
        }
        l->pids[l->n++] = pid;
}

/* Calls fn on each child cgroup of dir.  A dir that vanished meanwhile has none. */
static int for_each_child(const char *dir,
                          int (*fn)(const char *child, void *ctx, struct nook_err *err), void *ctx,
                          struct nook_err *err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (d == NULL)
                return errno == ENOENT ? 0 : nook_err_sys(err, "opendir %s", dir);
        while ((de = readdir(d)) != NULL) {
                _cleanup_free_ char *child = NULL;

                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                child = xasprintf("%s/%s", dir, de->d_name);
                if (fn(child, ctx, err) < 0)
                        return -1;
        }
        return 0;
}

static int collect_pids(const char *dir, bool top, struct pid_list *l, struct nook_err *err);

static int collect_child_pids(const char *child, void *ctx, struct nook_err *err)
{
        return collect_pids(child, false, ctx, err);
}

/* Adds the pids of dir and of its descendants.  A descendant that disappears while we
 * walk (top == false) is not an error: its processes are gone with it. */
static int collect_pids(const char *dir, bool top, struct pid_list *l, struct nook_err *err)
{
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        if (read_file(procs, &text, NULL, 0, err) < 0)
                return !top && errno == ENOENT ? 0 : -1;
        for (char *s = strtok_r(text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
                int64_t pid;

                if (parse_int64(s, &pid) < 0 || pid <= 0)
                        return nook_err_set(err, EINVAL, "read %s: bad pid '%s'", procs, s);
                pid_list_add(l, (pid_t)pid);
        }
        return for_each_child(dir, collect_child_pids, l, err);
}

static int pids_of_dir(const char *dir, pid_t **pids, size_t *n, struct nook_err *err)
{
        struct pid_list l = {0};

        if (collect_pids(dir, true, &l, err) < 0) {
                free(l.pids);
                return -1;
        }
        *pids = l.pids;
        *n = l.n;
        return 0;
}

int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;

        if (cgroup_dir(path, &dir, err) < 0)
                return -1;
        return pids_of_dir(dir, pids, n, err);
}

static int signal_dir(const char *dir, int sig, struct nook_err *err)
{
        _cleanup_free_ char *kill_file = xasprintf("%s/cgroup.kill", dir);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = 0;

        /* cgroup.kill (Linux 5.14) also catches processes forked while we signal. */
        if (sig == SIGKILL && access(kill_file, F_OK) == 0)
                return write_knob(dir, "cgroup.kill", "1", err);
        if (pids_of_dir(dir, &pids, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                /* Keep going so one failure does not spare the rest; report the first. */
                if (kill(pids[i], sig) < 0 && errno != ESRCH && r == 0)
                        r = nook_err_sys(err, "send signal %d to pid %d in %s", sig, (int)pids[i],
                                         dir);
        }
        return r;
}

int cgroup_signal_all(const char *path, int sig, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;

        if (cgroup_dir(path, &dir, err) < 0)
                return -1;
        return signal_dir(dir, sig, err);
}

static int remaining_ms(uint64_t deadline)
{
        uint64_t now = now_ms();

        return now >= deadline ? 0 : (int)(deadline - now);
}

/* Reads cgroup.events from the start and tells whether "populated 1" is in it. */
static int read_populated(int fd, const char *file, bool *populated, struct nook_err *err)
{
        char buf[512];
        ssize_t r;

        do
                r = pread(fd, buf, sizeof(buf) - 1, 0);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return nook_err_sys(err, "read %s", file);
        buf[r] = '\0';
        *populated = strstr(buf, "populated 1") != NULL;
        return 0;
}

/* SIGKILLs everything in dir and waits until the kernel reports the cgroup empty: it
 * flags cgroup.events with POLLPRI when "populated" changes. */
static int kill_and_wait(const char *dir, uint64_t deadline, struct nook_err *err)
{
        _cleanup_free_ char *file = xasprintf("%s/cgroup.events", dir);
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return nook_err_sys(err, "open %s", file);
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLPRI};
                bool populated;
                int left, r;

                if (signal_dir(dir, SIGKILL, err) < 0)
                        return -1;
                if (read_populated(fd, file, &populated, err) < 0)
                        return -1;
                if (!populated)
                        return 0;
                left = remaining_ms(deadline);
                if (left == 0)
                        return nook_err_set(err, EBUSY, "%s: processes still running after %d s",
                                            dir, DESTROY_TIMEOUT_MS / 1000);
                r = poll(&p, 1, left < RESEND_KILL_MS ? left : RESEND_KILL_MS);
                if (r < 0 && errno != EINTR)
                        return nook_err_sys(err, "poll %s", file);
        }
}

/* rmdir that waits out EBUSY: the kernel may still be tearing down the last
 * processes' css references right after "populated 0". */
static int rmdir_retry(const char *dir, uint64_t deadline, struct nook_err *err)
{
        while (rmdir(dir) < 0) {
                if (errno == ENOENT)
                        return 0;
                if (errno != EBUSY || remaining_ms(deadline) == 0)
                        return nook_err_sys(err, "rmdir %s", dir);
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
        return 0;
}

static int remove_cgroup_tree(const char *dir, uint64_t deadline, struct nook_err *err);

static int remove_child_tree(const char *child, void *ctx, struct nook_err *err)
{
        return remove_cgroup_tree(child, *(uint64_t *)ctx, err);
}

/* Removes dir's child cgroups depth-first, then dir itself. */
static int remove_cgroup_tree(const char *dir, uint64_t deadline, struct nook_err *err)
{
        if (for_each_child(dir, remove_child_tree, &deadline, err) < 0)
                return -1;
        return rmdir_retry(dir, deadline, err);
}

/* Removes the parent of dir if nothing else lives in it (e.g. the shared "/nook"). */
static int prune_parent_dir(const char *path, struct nook_err *err)
{
        _cleanup_free_ char *norm = NULL, *parent = NULL;
        char *slash;

        if (normalize(path, "cgroup path", &norm, err) < 0)
                return -1;
        slash = strrchr(norm, '/');
        if (slash == norm) /* the parent is the root of the mount */
                return 0;
        *slash = '\0';
        if (cgroup_dir(norm, &parent, err) < 0)
                return -1;
        if (rmdir(parent) < 0 && errno != ENOTEMPTY && errno != EBUSY && errno != ENOENT)
                return nook_err_sys(err, "rmdir %s", parent);
        return 0;
}

int cgroup_destroy(const char *path, bool prune_parent, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;
        uint64_t deadline = now_ms() + DESTROY_TIMEOUT_MS;

        if (cgroup_dir(path, &dir, err) < 0)
                return -1;
        if (access(dir, F_OK) == 0) {
                if (kill_and_wait(dir, deadline, err) < 0 ||
                    remove_cgroup_tree(dir, deadline, err) < 0)
                        return -1;
        } else if (errno != ENOENT) {
                return nook_err_sys(err, "access %s", dir);
        }
        return prune_parent ? prune_parent_dir(path, err) : 0;
}

bool cgroup_exists(const char *path)
{
        _cleanup_free_ char *dir = NULL;
        struct stat st;

        if (cgroup_dir(path, &dir, NULL) < 0)
                return false;
        return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

bool cgroup_has_children(const char *path)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *e;

        if (cgroup_dir(path, &dir, NULL) < 0 || (d = opendir(dir)) == NULL)
                return false;
        while ((e = readdir(d)) != NULL)
                if (e->d_type == DT_DIR && e->d_name[0] != '.')
                        return true;
        return false;
}

int cgroup_directory(const char *path, char **out, struct nook_err *err)
{
        return cgroup_dir(path, out, err);
}
