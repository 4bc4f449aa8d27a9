/* The cgroup v2 subtree of a container: finds the v2 mount (also on hybrid hosts,
 * e.g. /sys/fs/cgroup/unified), creates the container's cgroup and hands out its
 * directory fd for CLONE_INTO_CGROUP, lists, signals and kills its processes, and
 * removes it.  Never touches cgroup v1 hierarchies.  Paths called "cgroup path" below
 * are relative to the v2 mount root and start with '/', e.g. "/nook/web1". */
#ifndef NOOK_CGROUP_CGROUP_H
#define NOOK_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* The v2 mount point from /proc/self/mountinfo (cached; do not free). */
int cgroup_v2_mount(const char **out, struct nook_err *err);

/* Resolves an OCI linux.cgroupsPath into a cgroup path: absolute paths are taken as
 * they are, relative ones are placed under the caller's own v2 cgroup, NULL/"" gives
 * "/nook/<id>".  Rejects "..". */
int cgroup_resolve(const char *cgroups_path, const char *id, char **out, struct nook_err *err);

/* Creates the cgroup (and missing ancestors) and returns an O_DIRECTORY fd on it. */
int cgroup_create(const char *path, int *dirfd_out, struct nook_err *err);

/* Opens an existing cgroup directory (O_DIRECTORY). */
int cgroup_open(const char *path, int *dirfd_out, struct nook_err *err);

/* Moves pid into the cgroup (for kernels without CLONE_INTO_CGROUP). */
int cgroup_enter(const char *path, pid_t pid, struct nook_err *err);

/* Pids in cgroup.procs of the cgroup and all its descendants. */
int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct nook_err *err);

/* Sends sig to every process in the cgroup; SIGKILL uses cgroup.kill where present. */
int cgroup_signal_all(const char *path, int sig, struct nook_err *err);

/* Kills what is left, waits (bounded) until the cgroup is empty and removes it and its
 * child cgroups.  A missing cgroup is not an error.  When prune_parent is set, also
 * removes the parent if it is now empty (the default "/nook" base). */
int cgroup_destroy(const char *path, bool prune_parent, struct nook_err *err);

bool cgroup_exists(const char *path);

#endif
