/* Running one operation over many containers: a bounded pool of worker processes
 * (--jobs, default the CPU count), every failure kept without stopping the others.
 * Workers are forked after the command loaded what it needs (the CTIDs, or the
 * registry), so that none of them does it again.  Nothing is printed here: the caller
 * gets every job's outcome (and, with label_output, its output) and reports it.
 *
 * With `barrier`, all jobs run at once and each waits, where fn calls
 * fleet_barrier_wait() (exec: in the command's own process, right before its execve),
 * until every job has reached that point or failed before it; then all are released
 * together and the report says how far apart their releases were. */
#ifndef NOOK_MANAGER_FLEET_H
#define NOOK_MANAGER_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* One container's work: < 0 with err filled on failure, else an exit status (0 = ok;
 * exec's command status otherwise).  index counts from 0. */
typedef int (*fleet_fn)(void *ctx, size_t index, const char *ctid, struct nook_err *err);

struct fleet_opts {
        unsigned jobs; /* 0: the number of CPUs (waits_on_disk: 16 a CPU, at most 64) */
        /* Each job mostly waits for the disk (destroy: on a filesystem mounted with
         * `discard`, every unlink waits for its blocks' discard), so more of them at
         * once keep the CPUs busy. */
        bool waits_on_disk;
        bool label_output; /* capture each worker's output into its job */
        bool barrier;
        /* Called in the parent after each job ends (a progress display), or NULL. */
        void (*progress)(void *data, size_t done, size_t failed, size_t n);
        void *progress_data;
};

struct fleet_job {
        const char *ctid;
        int status;   /* its exit status; 0 = ok */
        char *error;  /* why it failed, or NULL (a status alone is no error message) */
        char *output; /* label_output: what it printed, or NULL */
};

struct fleet_report {
        struct fleet_job *jobs; /* in the order of the CTIDs */
        size_t n;
        size_t failed; /* jobs with an error or a non-zero status */
        /* barrier: how many passed it, and the time between the first and the last */
        size_t released;
        uint64_t spread_ns;
};
void fleet_report_free(struct fleet_report *r);
#define _cleanup_fleet_report_ __attribute__((cleanup(fleet_report_free)))

/* In a job of a barrier fleet (in any process the job made): fleet_barrier_arm, while
 * the process is still privileged, makes its wait real-time; fleet_barrier_wait marks
 * it ready, waits for the release and gives the process its own policy back.
 * Elsewhere both return at once. */
void fleet_barrier_arm(void *unused);
void fleet_barrier_wait(void *unused);

/* Runs fn for each CTID.  One CTID without a barrier runs in this process.  < 0 only
 * when the fleet itself cannot run (no pipe or memfd); each job's outcome is in *r. */
int fleet_run(char *const *ctids, fleet_fn fn, void *ctx, const struct fleet_opts *o,
              struct fleet_report *r, struct nook_err *err);

#endif
