#include "manager/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

struct job {
        pid_t pid;
        const char *ctid;
        int out;   /* memfd with the worker's output (label_output), else -1 */
        int cause; /* memfd with the worker's error message */
        int status;
        char *msg; /* the failure, NULL on success */
};

static char *slurp(int fd)
{
        char *buf = NULL;
        size_t len = 0;
        off_t size = lseek(fd, 0, SEEK_END);

        if (size <= 0)
                return NULL;
        buf = xmalloc((size_t)size + 1);
        if (pread(fd, buf, (size_t)size, 0) == size)
                len = (size_t)size;
        buf[len] = '\0';
        return buf;
}

static int mem_file(const char *name)
{
        int fd = memfd_create(name, MFD_CLOEXEC);

        if (fd < 0) {
                perror("nookctl: memfd_create");
                exit(1);
        }
        return fd;
}

/* The worker: runs fn and exits with its status; the error message goes to j->cause. */
static void worker(struct job *j, size_t index, fleet_fn fn, void *ctx, const struct fleet_opts *o,
                   int ready_w, int go_r, int go_w)
{
        struct nook_err err = {0};
        int r;

        if (j->out >= 0) {
                dup2(j->out, 1);
                dup2(j->out, 2);
        }
        if (o->barrier) {
                char c = 0;
                /* Only the parent may hold the go pipe's write end, or it never ends. */
                close(go_w);
                /* Ready; then wait for the parent to close the go pipe. */
                if (write(ready_w, "r", 1) != 1 || read(go_r, &c, 1) != 0)
                        _exit(125);
        }
        r = fn(ctx, index, j->ctid, &err);
        fflush(stdout);
        fflush(stderr);
        if (r < 0) {
                char buf[NOOK_ERR_MSG_MAX + 256];
                const char *m = nook_err_format(&err, buf, sizeof(buf));
                if (write_all(j->cause, m, strlen(m)) < 0)
                        _exit(126);
                _exit(1);
        }
        _exit(r & 0xff);
}

static unsigned default_jobs(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        return n > 0 ? (unsigned)n : 1;
}

static void show_output(const struct job *j)
{
        _cleanup_free_ char *text = j->out >= 0 ? slurp(j->out) : NULL;
        char *save = NULL;

        if (j->msg)
                printf("%s: failed: %s\n", j->ctid, j->msg);
        else
                printf("%s: exit status %d\n", j->ctid, j->status);
        for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save))
                printf("%s| %s\n", j->ctid, l);
        fflush(stdout);
}

static void progress(const struct fleet_opts *o, size_t done, size_t failed, size_t n, bool last)
{
        if (!isatty(2))
                return;
        fprintf(stderr, "\r%s: %zu/%zu done, %zu failed%s", o->verb, done, n, failed,
                last ? "\n" : "");
}

/* Records how worker pid ended; true when it failed. */
static bool reap(struct job *jobs, size_t n, pid_t pid, int ws)
{
        for (size_t i = 0; i < n; i++) {
                struct job *j = &jobs[i];
                if (j->pid != pid)
                        continue;
                j->pid = 0;
                j->msg = slurp(j->cause);
                j->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
                if (j->msg == NULL && !WIFEXITED(ws))
                        j->msg = xasprintf("worker killed by signal %d", WTERMSIG(ws));
                return j->msg || j->status;
        }
        return false;
}

static int run_one(char *const *ctids, fleet_fn fn, void *ctx)
{
        struct nook_err err = {0};
        int r = fn(ctx, 0, ctids[0], &err);

        if (r < 0) {
                nook_log_err(&err);
                return 1;
        }
        return r;
}

int fleet_run(char *const *ctids, fleet_fn fn, void *ctx, const struct fleet_opts *o)
{
        size_t n = strv_length(ctids), next = 0, running = 0, done = 0, failed = 0;
        unsigned jobs = o->jobs ? o->jobs : default_jobs();
        _cleanup_free_ struct job *v = NULL;
        int ready[2] = {-1, -1}, go[2] = {-1, -1};

        if (n == 1 && !o->barrier)
                return run_one(ctids, fn, ctx);
        if (o->barrier) {
                jobs = (unsigned)n;
                if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
                        perror("nookctl: pipe");
                        return 1;
                }
        }
        v = xcalloc(n, sizeof(*v));
        fflush(stdout);
        fflush(stderr);
        while (done < n) {
                while (next < n && running < jobs) {
                        struct job *j = &v[next];
                        j->ctid = ctids[next];
                        j->cause = mem_file("nookctl-cause");
                        j->out = o->label_output ? mem_file("nookctl-out") : -1;
                        j->pid = fork();
                        if (j->pid == 0)
                                worker(j, next, fn, ctx, o, ready[1], go[0], go[1]);
                        if (j->pid < 0) {
                                j->pid = 0;
                                j->msg = xasprintf("fork: %s", strerror(errno));
                                done++;
                                failed++;
                        } else {
                                running++;
                        }
                        next++;
                }
                if (o->barrier && ready[1] >= 0) {
                        /* Every worker is forked: wait until all are ready, then go. */
                        char c;
                        close(ready[1]);
                        ready[1] = -1;
                        for (size_t k = 0; k < running; k++)
                                if (read(ready[0], &c, 1) != 1)
                                        break;
                        close(go[1]);
                        go[1] = -1;
                }
                if (running == 0)
                        break;
                int ws;
                pid_t pid = waitpid(-1, &ws, 0);
                if (pid < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (reap(v, n, pid, ws))
                        failed++;
                running--;
                done++;
                progress(o, done, failed, n, done == n);
        }
        for (size_t i = 0; i < n; i++) {
                if (o->label_output)
                        show_output(&v[i]);
        }
        failed = 0;
        for (size_t i = 0; i < n; i++) {
                struct job *j = &v[i];
                if (j->msg || j->status)
                        failed++;
                if (j->msg)
                        fprintf(stderr, "nookctl: %s: %s\n", j->ctid, j->msg);
                else if (j->status && !o->label_output)
                        fprintf(stderr, "nookctl: %s: exit status %d\n", j->ctid, j->status);
                free(j->msg);
                closep(&j->out);
                closep(&j->cause);
        }
        closep(&ready[0]);
        closep(&ready[1]);
        closep(&go[0]);
        closep(&go[1]);
        if (failed)
                fprintf(stderr, "nookctl: %s failed for %zu of %zu containers\n", o->verb, failed,
                        n);
        return failed ? 1 : 0;
}
