/* Running one operation over many containers: a bounded pool of worker processes
 * (--jobs, default the CPU count), a progress line when stderr is a terminal, every
 * failure reported at the end without stopping the others.  Workers are forked after
 * the command loaded what it needs (the registry), so each container costs no parse.
 *
 * With `barrier`, every worker gets ready and then blocks on one pipe that the parent
 * closes once all are ready, so the operations start at the same instant. */
#ifndef NOOK_MANAGER_FLEET_H
#define NOOK_MANAGER_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* One container's work: < 0 with err filled on failure, else an exit status (0 = ok;
 * exec's command status otherwise).  index counts from 0. */
typedef int (*fleet_fn)(void *ctx, size_t index, const char *ctid, struct nook_err *err);

struct fleet_opts {
        const char *verb;  /* "start": names the operation in messages */
        unsigned jobs;     /* 0: the number of CPUs */
        bool label_output; /* capture each worker's output, print it labelled by CTID */
        bool barrier;
};

/* Runs fn for each CTID.  One CTID without a barrier runs in this process.  Prints
 * failures ("nookctl: CTID: cause") and returns the exit status of the command: 0 when
 * all succeeded, 1 when any failed; for one container, its own status. */
int fleet_run(char *const *ctids, fleet_fn fn, void *ctx, const struct fleet_opts *o);

#endif
