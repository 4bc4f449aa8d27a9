#include "manager/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* A worker's process and where its error message and output go. */
struct worker {
        pid_t pid;
        int out;   /* memfd with the worker's output (label_output), else -1 */
        int cause; /* memfd with the worker's error message */
};

static char *slurp(int fd)
{
        char *buf = NULL;
        size_t len = 0;
        off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;

        if (size <= 0)
                return NULL;
        buf = xmalloc((size_t)size + 1);
        if (pread(fd, buf, (size_t)size, 0) == size)
                len = (size_t)size;
        buf[len] = '\0';
        return buf;
}

static char *error_text(const struct nook_err *err)
{
        char buf[NOOK_ERR_MSG_MAX + 256];

        return xstrdup(nook_err_format(err, buf, sizeof(buf)));
}

/* One job's place in a barrier fleet's memory, shared by every process of the fleet. */
struct barrier_slot {
        int ready;            /* set when the job waits at the barrier */
        uint64_t released_ns; /* CLOCK_MONOTONIC when it went on */
};

/* The barrier of the job this process belongs to: set in the worker, inherited by what
 * the job forks (exec's process). */
static struct {
        struct barrier_slot *slot;
        int go_fd;
} current = {NULL, -1};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void fleet_barrier_wait(void *unused)
{
        char c;

        (void)unused;
        if (current.slot == NULL)
                return;
        __atomic_store_n(&current.slot->ready, 1, __ATOMIC_RELEASE);
        /* The parent closes the go pipe: end of file for every job at once. */
        while (read(current.go_fd, &c, 1) < 0 && errno == EINTR)
                ;
        current.slot->released_ns = now_ns();
}

/* The worker: runs fn and exits with its status; the error message goes to w->cause. */
static void worker(const struct worker *w, size_t index, const char *ctid, fleet_fn fn, void *ctx,
                   struct barrier_slot *slots, int go_r, int go_w)
{
        struct nook_err err = {0};
        int r;

        if (w->out >= 0) {
                dup2(w->out, 1);
                dup2(w->out, 2);
        }
        if (slots) {
                /* Only the parent may hold the go pipe's write end, or it never ends. */
                close(go_w);
                current.slot = &slots[index];
                current.go_fd = go_r;
        }
        r = fn(ctx, index, ctid, &err);
        fflush(stdout);
        fflush(stderr);
        if (r < 0) {
                _cleanup_free_ char *m = error_text(&err);
                if (write_all(w->cause, m, strlen(m)) < 0)
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

/* Records how worker pid ended; true when it failed. */
static bool reap(struct worker *w, struct fleet_report *r, pid_t pid, int ws)
{
        for (size_t i = 0; i < r->n; i++) {
                struct fleet_job *j = &r->jobs[i];

                if (w[i].pid != pid)
                        continue;
                w[i].pid = 0;
                j->error = slurp(w[i].cause);
                j->output = slurp(w[i].out);
                j->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
                if (j->error == NULL && !WIFEXITED(ws))
                        j->error = xasprintf("worker killed by signal %d", WTERMSIG(ws));
                return j->error || j->status;
        }
        return false;
}

/* A job's process pid ended with status ws: recorded, counted and shown. */
static void job_ended(struct worker *w, struct fleet_report *r, pid_t pid, int ws, size_t *running,
                      size_t *done, const struct fleet_opts *o)
{
        if (reap(w, r, pid, ws))
                r->failed++;
        (*running)--;
        (*done)++;
        if (o->progress)
                o->progress(o->progress_data, *done, r->failed, r->n);
}

/* Until every job of a barrier fleet waits at it or has ended. */
static void barrier_gather(struct worker *w, struct barrier_slot *slots, struct fleet_report *r,
                           size_t *running, size_t *done, const struct fleet_opts *o)
{
        for (;;) {
                size_t waiting = 0;
                int ws;
                pid_t pid;

                for (size_t i = 0; i < r->n; i++)
                        if (w[i].pid > 0 && !__atomic_load_n(&slots[i].ready, __ATOMIC_ACQUIRE))
                                waiting++;
                if (waiting == 0)
                        return;
                while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
                        job_ended(w, r, pid, ws, running, done, o);
                nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
}

static void barrier_spread(const struct barrier_slot *slots, size_t n, struct fleet_report *r)
{
        uint64_t first = UINT64_MAX, last = 0;

        for (size_t i = 0; i < n; i++) {
                if (slots[i].released_ns == 0)
                        continue;
                r->released++;
                first = slots[i].released_ns < first ? slots[i].released_ns : first;
                last = slots[i].released_ns > last ? slots[i].released_ns : last;
        }
        r->spread_ns = r->released ? last - first : 0;
}

static int run_here(char *const *ctids, fleet_fn fn, void *ctx, struct fleet_report *r)
{
        struct nook_err err = {0};
        int status = fn(ctx, 0, ctids[0], &err);

        r->jobs[0].status = status < 0 ? 1 : status;
        if (status < 0)
                r->jobs[0].error = error_text(&err);
        r->failed = r->jobs[0].status != 0;
        return 0;
}

static int mem_file(const char *name, int *fd, struct nook_err *err)
{
        *fd = memfd_create(name, MFD_CLOEXEC);
        return *fd < 0 ? nook_err_sys(err, "memfd_create") : 0;
}

static void workers_close(struct worker *w, size_t n)
{
        for (size_t i = 0; w && i < n; i++) {
                closep(&w[i].out);
                closep(&w[i].cause);
        }
        free(w);
}

static void pipe_closep(int (*p)[2])
{
        closep(&(*p)[0]);
        closep(&(*p)[1]);
}

int fleet_run(char *const *ctids, fleet_fn fn, void *ctx, const struct fleet_opts *o,
              struct fleet_report *r, struct nook_err *err)
{
        size_t n = strv_length(ctids), next = 0, running = 0, done = 0;
        unsigned jobs = o->jobs ? o->jobs : default_jobs();
        struct worker *w = NULL;
        struct barrier_slot *slots = NULL;
        __attribute__((cleanup(pipe_closep))) int go[2] = {-1, -1};
        int rc = 0;

        *r = (struct fleet_report){.jobs = xcalloc(n ? n : 1, sizeof(*r->jobs)), .n = n};
        for (size_t i = 0; i < n; i++)
                r->jobs[i].ctid = ctids[i];
        if (n == 1 && !o->barrier)
                return run_here(ctids, fn, ctx, r);
        if (o->barrier) {
                jobs = (unsigned)n;
                if (pipe2(go, O_CLOEXEC) < 0)
                        return nook_err_sys(err, "pipe");
                slots = mmap(NULL, n * sizeof(*slots), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                if (slots == MAP_FAILED)
                        return nook_err_sys(err, "mmap");
        }
        w = xcalloc(n ? n : 1, sizeof(*w));
        for (size_t i = 0; i < n; i++)
                w[i] = (struct worker){.out = -1, .cause = -1};
        fflush(stdout);
        fflush(stderr);
        while (done < n) {
                while (next < n && running < jobs) {
                        struct worker *wk = &w[next];

                        if (mem_file("nookctl-cause", &wk->cause, err) < 0 ||
                            (o->label_output && mem_file("nookctl-out", &wk->out, err) < 0)) {
                                rc = -1;
                                break;
                        }
                        wk->pid = fork();
                        if (wk->pid == 0)
                                worker(wk, next, ctids[next], fn, ctx, slots, go[0], go[1]);
                        if (wk->pid < 0) {
                                wk->pid = 0;
                                r->jobs[next].error = xasprintf("fork: %s", strerror(errno));
                                r->jobs[next].status = 1;
                                r->failed++;
                                done++;
                        } else {
                                running++;
                        }
                        next++;
                }
                if (rc < 0)
                        next = n; /* start no more; wait for those running */
                if (slots && go[1] >= 0) {
                        /* Every job is started: wait until each waits at the barrier or
                         * has ended (failed before it), then release them all. */
                        barrier_gather(w, slots, r, &running, &done, o);
                        closep(&go[1]);
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
                job_ended(w, r, pid, ws, &running, &done, o);
        }
        workers_close(w, n);
        if (slots) {
                barrier_spread(slots, n, r);
                munmap(slots, n * sizeof(*slots));
        }
        return rc;
}

void fleet_report_free(struct fleet_report *r)
{
        for (size_t i = 0; i < r->n; i++) {
                free(r->jobs[i].error);
                free(r->jobs[i].output);
        }
        free(r->jobs);
        *r = (struct fleet_report){0};
}
