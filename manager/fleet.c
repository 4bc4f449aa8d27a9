#include "manager/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

/* A barrier fleet's shared memory: the word its jobs wait on, then their places. */
struct barrier {
        uint32_t go; /* a futex: 1 once every job may go */
        struct barrier_slot slots[];
};

/* The barrier of the job this process belongs to: set in the worker, inherited by what
 * the job forks (exec's process). */
static struct {
        struct barrier *barrier;
        struct barrier_slot *slot;
        int go_fd;
        bool realtime; /* waits as SCHED_FIFO; policy and param to return to */
        int policy;
        struct sched_param param;
} current = {.go_fd = -1};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The go pipe has no writer left: nookctl ended without releasing the barrier. */
static bool go_pipe_ended(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};

        return poll(&p, 1, 0) > 0;
}

void fleet_barrier_arm(void *unused)
{
        (void)unused;
        if (current.slot == NULL)
                return;
        /* A waiter that wakes as a real-time task runs at once, ahead of the commands
         * already released (normal tasks): it notes its release and returns to its own
         * policy before its execve.  As normal tasks, 1000 waiters on 2 CPUs were released
         * one after another over 250-450 ms, each waiting behind the execve of those
         * woken before it.  Set here, while the process may (CAP_SYS_NICE); without it
         * (a host whose cgroups give no real-time time), the waiter yields instead. */
        current.policy = sched_getscheduler(0);
        if (current.policy >= 0 && sched_getparam(0, &current.param) == 0)
                current.realtime =
                    sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){.sched_priority = 1}) ==
                    0;
}

void fleet_barrier_wait(void *unused)
{
        uint32_t *go;

        (void)unused;
        if (current.slot == NULL)
                return;
        go = &current.barrier->go;
        __atomic_store_n(&current.slot->ready, 1, __ATOMIC_RELEASE);
        /* One FUTEX_WAKE puts every waiter on a run queue, and none has a lock to take on
         * its way out (after a pipe's end of file each takes the pipe's mutex in turn).
         * The pipe stays, to end the wait if nookctl dies before it releases. */
        while (!__atomic_load_n(go, __ATOMIC_ACQUIRE)) {
                struct timespec second = {.tv_sec = 1};

                syscall(SYS_futex, go, FUTEX_WAIT, 0, &second, NULL, 0);
                if (!__atomic_load_n(go, __ATOMIC_ACQUIRE) && go_pipe_ended(current.go_fd))
                        break;
        }
        current.slot->released_ns = now_ns();
        /* Never run the command as a real-time task: a seccomp profile that refuses the
         * call back ends the job instead. */
        if (current.realtime && sched_setscheduler(0, current.policy, &current.param) < 0) {
                fprintf(stderr, "nookctl: leave the barrier's real-time priority: %s\n",
                        strerror(errno));
                _exit(126);
        }
        /* A normal task lets the other waiters note their release before its execve. */
        if (!current.realtime)
                sched_yield();
}

/* The worker: runs fn and exits with its status; the error message goes to w->cause. */
static void worker(const struct worker *w, size_t index, const char *ctid, fleet_fn fn, void *ctx,
                   struct barrier *b, int go_r, int go_w)
{
        struct nook_err err = {0};
        int r;

        if (w->out >= 0) {
                dup2(w->out, 1);
                dup2(w->out, 2);
        }
        if (b) {
                /* Only the parent may hold the go pipe's write end, or it never ends. */
                close(go_w);
                current.barrier = b;
                current.slot = &b->slots[index];
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

static unsigned default_jobs(const struct fleet_opts *o)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        if (n <= 0)
                n = 1;
        /* Destroying 1000 on ext4 mounted `discard` (2 CPUs): 2.6 s with 2 jobs, 1.4 with
         * 16 or 32, 1.55 with 64 (bench/README.md). */
        if (o->waits_on_disk)
                return (unsigned)(n < 4 ? n * 16 : 64);
        return (unsigned)n;
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
        unsigned jobs = o->jobs ? o->jobs : default_jobs(o);
        struct worker *w = NULL;
        struct barrier *b = NULL;
        size_t b_size = sizeof(*b) + n * sizeof(b->slots[0]);
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
                b = mmap(NULL, b_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                if (b == MAP_FAILED)
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
                                worker(wk, next, ctids[next], fn, ctx, b, go[0], go[1]);
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
                if (b && go[1] >= 0) {
                        /* Every job is started: wait until each waits at the barrier or
                         * has ended (failed before it), then release them all. */
                        barrier_gather(w, b->slots, r, &running, &done, o);
                        __atomic_store_n(&b->go, 1, __ATOMIC_RELEASE);
                        syscall(SYS_futex, &b->go, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
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
        if (b) {
                barrier_spread(b->slots, n, r);
                munmap(b, b_size);
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
