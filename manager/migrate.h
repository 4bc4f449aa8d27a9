/* vzmigrate: a container moved to another host over ssh, where nookctl runs with the
 * same template (checked by name and checksum).  Offline: stop, copy the config and
 * private layer, start there, remove here.  Online: CRIU pre-dumps while it runs
 * (memory tracking; each copied over at once), then a short freeze for the final dump
 * of what changed, the copy of the private layer and the restore there; the address
 * moves with it (a routed container's new host announces it).  The source goes only
 * once the destination runs it: any failure leaves the container running here, as
 * before, and nothing there.
 *
 * The destination side is `nookctl receive` (manager/receive.c). */
#ifndef NOOK_MANAGER_MIGRATE_H
#define NOOK_MANAGER_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "manager/home.h"
#include "manager/remote.h"

struct migrate_opts {
        struct remote remote;
        bool online;
        bool keep_src; /* leave the (stopped) container here too */
        FILE *log;     /* progress lines, or NULL */
};

struct migrate_result {
        bool online;          /* it was moved running */
        uint64_t downtime_ms; /* online: from the freeze to running there */
};

int ct_migrate(struct nook_home *h, const char *ctid, const struct migrate_opts *o,
               struct migrate_result *res, struct nook_err *err);

/* The destination's half, reading a tarball from stdin (`nookctl receive CTID WHAT`):
 * "backup" makes the container from its config and private layer; "predump N" keeps
 * pre-dump N; "dump" keeps the final dump and resumes the container from it; "abort"
 * removes what a failed migration of CTID left. */
int ct_receive(struct nook_home *h, const char *ctid, const char *what, const char *arg,
               struct nook_err *err);

#endif
