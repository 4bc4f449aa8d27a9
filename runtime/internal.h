/* Helpers shared by the lifecycle operations of runtime/ (not part of its API). */
#ifndef NOOK_RUNTIME_INTERNAL_H
#define NOOK_RUNTIME_INTERNAL_H

#include <signal.h>

#include "runtime/container.h"
#include "runtime/seccomp.h"

/* Validates the id and loads its state ("container x does not exist"). */
int container_load(const struct nook_runtime *rt, const char *id, struct container_state **st,
                   struct nook_err *err);
/* The copy of config.json that create kept in the state dir. */
int container_load_config(const struct container_state *st, struct oci_config **config,
                          struct nook_err *err);
/* The same, but only when the config has hooks of that kind (*config NULL otherwise). */
int container_load_hooks(const struct container_state *st, enum oci_hook_kind kind,
                         struct oci_config **config, struct nook_err *err);
/* Opens a pidfd for st->pid and checks it is still the process create started. */
int container_open_pidfd(const struct container_state *st, int *pidfd, struct nook_err *err);
/* The signals a foreground run/exec forwards to the container; blocked early so none
 * is lost, read later through a signalfd. */
void foreground_signals(sigset_t *set);
/* Where device programs are noted for sharing (cgroup_devices_load's share_dir). */
char *container_device_share_dir(const struct nook_runtime *rt);
/* Compiles (or finds in the cache under the root) the container's seccomp program
 * before clone, so the child only loads it. */
int container_prepare_seccomp(const struct nook_runtime *rt, const struct oci_config *c,
                              struct seccomp_program *prog, struct nook_err *err);
/* A container made without a mount namespace (st->host_mounts) has its mounts in the
 * namespace create ran in: detaches them, the rootfs bind first. */
void container_unmount_host(const struct container_state *st);
struct cgroup_limits;
/* create's first steps, which restore shares.  The config of the bundle (bundle_opt, or
 * the current directory) at config_opt (NULL: its config.json), parsed; *text is kept
 * for the state dir's copy. */
int container_read_bundle(const char *bundle_opt, const char *config_opt, char **bundle,
                          char **text, size_t *len, struct oci_config **config,
                          struct nook_err *err);
/* A new state from the config: the resolved rootfs, annotations, hooks, cgroup path. */
int container_init_state(const struct nook_runtime *rt, const char *id, const char *bundle,
                         const struct oci_config *c, struct container_state *st,
                         struct nook_err *err);
/* The config's limits into *l; those whose controller the host lacks are refused. */
int container_limits(const struct oci_config *c, const struct container_state *st,
                     struct cgroup_limits *l, struct nook_err *err);
struct net_config;
/* Undoes what create (or restore) did on the host, each part only when done: the
 * veths, the network claims, the cgroup, mounts left in our namespace, the state dir.
 * Failures are logged. */
void container_undo_host_side(const struct nook_runtime *rt, const struct container_state *st,
                              const struct net_config *net, bool net_done, bool net_claimed,
                              bool cgroup_made);
/* Writes pid into path (nothing when path is NULL). */
int container_write_pid_file(const char *path, pid_t pid, struct nook_err *err);
/* poststart/poststop failures are only warnings (runtime-spec). */
void run_hooks_warn_only(const struct oci_config *c, enum oci_hook_kind kind,
                         const struct container_state *st, enum container_status status);

#endif
