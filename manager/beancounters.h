/* OpenVZ's /proc/user_beancounters for nook's containers: per resource, what a container
 * holds now, the most it held, its limit and how many times the limit was hit.  Read
 * from a running container's cgroup v2 files (memory.events, pids.events, cpu.stat,
 * io.stat, io.pressure), its processes' /proc/PID/fd (open files) and its private
 * layer (disk); a stopped container has its limits only. */
#ifndef NOOK_MANAGER_BEANCOUNTERS_H
#define NOOK_MANAGER_BEANCOUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "manager/ctlist.h"
#include "manager/home.h"

enum bc_resource {
        BC_RAM,         /* bytes: memory.current, .peak, .max; failcnt: events max */
        BC_SWAP,        /* bytes: memory.swap.current, .peak, .max; failcnt: events max */
        BC_KMEM,        /* bytes: memory.stat kernel (slab, stacks, page tables) */
        BC_OOM,         /* failcnt: memory.events oom_kill */
        BC_NUMPROC,     /* tasks: pids.current, .peak, .max; failcnt: events max */
        BC_NUMFILE,     /* open files of its processes */
        BC_CPU,         /* microseconds used; failcnt: periods throttled */
        BC_IO_READ,     /* bytes read (io.stat rbytes); limit --iolimit */
        BC_IO_WRITE,    /* bytes written (wbytes); limit --iolimit */
        BC_IO_READOPS,  /* read operations (rios); limit --iopslimit */
        BC_IO_WRITEOPS, /* write operations (wios); limit --iopslimit */
        BC_IO_WAIT,     /* microseconds all its tasks waited on I/O (io.pressure full) */
        BC_DISK,        /* bytes of its private layer (its quota's count, or du); --diskspace */
        BC_DISKINODES,  /* inodes of its quota; --diskinodes */
        BC_COUNT
};

enum bc_column { BC_HELD, BC_MAXHELD, BC_LIMIT, BC_FAILCNT, BC_COLUMNS };

struct bc_value {
        uint64_t v[BC_COLUMNS];
        bool has[BC_COLUMNS]; /* false: the kernel or the container has none */
};

/* "ram", "swap", ...: the names stats and list -o use. */
extern const char *const bc_names[BC_COUNT];
extern const char *const bc_column_names[BC_COLUMNS];

/* Resource res of the container of row. */
void bc_read(const struct nook_home *h, const struct list_row *row, enum bc_resource res,
             struct bc_value *out);

/* The processes in the cgroup directory dirfd and below it (a systemd guest keeps none
 * in its root cgroup), and with files set, their open files added to *files. */
uint64_t bc_procs(int dirfd, uint64_t *files);
/* The same for a running container's cgroup (false when it does not run); files may be
 * NULL. */
bool bc_tasks(const struct list_row *row, uint64_t *procs, uint64_t *files);

#endif
