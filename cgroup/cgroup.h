/* The cgroup v2 subtree of a container: finds the v2 mount (also on hybrid hosts,
 * e.g. /sys/fs/cgroup/unified), creates the container's cgroup and hands out its
 * directory fd for CLONE_INTO_CGROUP, lists, signals and kills its processes, and
 * removes it.  Never touches cgroup v1 hierarchies.  Paths called "cgroup path" below
 * are relative to the v2 mount root and start with '/', e.g. "/nook/web1". */
#ifndef NOOK_CGROUP_CGROUP_H
#define NOOK_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* Where a new process of the container whose cgroup is `path` and whose init is `pid`
 * goes: `path` itself, unless the guest manages its own cgroups (systemd enables
 * controllers in it and moves its init into a child), when the kernel refuses
 * processes there ("no internal processes", EBUSY) and the init's cgroup is used, as
 * long as it lies below `path`.  Caller frees *out. */
int cgroup_for_new_process(const char *path, pid_t init, char **out, struct nook_err *err);

/* Pids in cgroup.procs of the cgroup and all its descendants. */
int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct nook_err *err);

/* Sends sig to every process in the cgroup; SIGKILL uses cgroup.kill where present. */
int cgroup_signal_all(const char *path, int sig, struct nook_err *err);

/* Kills what is left, waits (bounded) until the cgroup is empty and removes it and its
 * child cgroups.  A missing cgroup is not an error.  When prune_parent is set, also
 * removes the parent if it is now empty (the default "/nook" base). */
int cgroup_destroy(const char *path, bool prune_parent, struct nook_err *err);

bool cgroup_exists(const char *path);
/* Whether the cgroup has child cgroups (a guest's systemd makes its slices there). */
bool cgroup_has_children(const char *path);

/* ---- resource limits (cgroup/limits.c) ----
 * What a container's cgroup is to be limited by, already in cgroup v2 terms: the
 * interface files to write and the device rules.  runtime/ translates the OCI
 * linux.resources into this; the conversions of values whose scale differs between the
 * OCI (v1) model and v2 are offered here. */

/* One value for an interface file of the container's cgroup; the file's controller is
 * the part of its name before the first '.' ("memory.max" -> memory). */
struct cgroup_setting {
        char *file;
        char *value;
};

/* Access bits of a device rule. */
#define CGROUP_DEV_READ  1u
#define CGROUP_DEV_WRITE 2u
#define CGROUP_DEV_MKNOD 4u
#define CGROUP_DEV_ANY   (-1) /* a major or minor matching every number */

/* One rule of the device controller; rules are evaluated last to first, the first
 * that matches decides.  An allow rule matches a request whose access bits are all in
 * its own; a deny rule matches a request that asks for any of its bits. */
struct cgroup_device_rule {
        bool allow;
        char type;            /* 'a' (any), 'c' or 'b' */
        int64_t major, minor; /* CGROUP_DEV_ANY or a number */
        unsigned access;      /* CGROUP_DEV_* */
};

struct cgroup_limits {
        struct cgroup_setting *settings;
        size_t n_settings;
        /* The device program attached to the cgroup: with no rule at all, none is. */
        struct cgroup_device_rule *devices;
        size_t n_devices;
};

/* Appends "file = value" (value from fmt). */
void cgroup_limits_set(struct cgroup_limits *l, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cgroup_limits_add_device(struct cgroup_limits *l, const struct cgroup_device_rule *rule);
void cgroup_limits_clear(struct cgroup_limits *l);

/* cpu.shares (v1, 2..262144) -> cpu.weight (1..10000), as runc and crun convert. */
uint64_t cgroup_cpu_weight_from_shares(uint64_t shares);
/* blkio.weight (v1, 10..1000) -> io.weight (1..10000), as runc and crun convert. */
uint64_t cgroup_io_weight_from_blkio(uint64_t weight);

/* Refuses limits whose controller the v2 hierarchy does not offer, naming the
 * controller and, on a hybrid host, the v1 hierarchy that holds it.  Touches nothing. */
int cgroup_check_limits(const struct cgroup_limits *l, struct nook_err *err);

/* Enables the controllers the settings need in every ancestor's cgroup.subtree_control
 * (refusing an ancestor other than the root that has processes of its own), writes the
 * settings into the cgroup at path and attaches its device program.  Used at create,
 * before the init is cloned into the cgroup, and by update on a live container. */
int cgroup_apply_limits(const char *path, const struct cgroup_limits *l, struct nook_err *err);
/* The same without the device program, which create attaches (cgroup_devices_attach)
 * while the init does its mounts: loading it takes the verifier half a millisecond. */
int cgroup_apply_settings(const char *path, const struct cgroup_limits *l, struct nook_err *err);

/* ---- the device controller (cgroup/devices.c) ---- */

/* Builds the BPF_PROG_TYPE_CGROUP_DEVICE program of rules (struct bpf_insn array,
 * returned as raw 8-byte instructions) for tests and for cgroup_devices_attach. */
int cgroup_devices_program(const struct cgroup_device_rule *rules, size_t n, void **insns,
                           size_t *n_insns, struct nook_err *err);
/* The program of rules in the kernel, as an fd.  With share_dir (a directory of the
 * runtime's state), one loaded before with the same instructions is used when it is
 * still there, so that containers with the same rules share it; else it is loaded now
 * (verifier included) and noted there. */
int cgroup_devices_load(const struct cgroup_device_rule *rules, size_t n, const char *share_dir,
                        struct nook_err *err);
/* Loads the program and attaches it to the cgroup directory fd (BPF_F_ALLOW_MULTI),
 * replacing any program nook attached there before. */
int cgroup_devices_attach(int cgroup_dirfd, const struct cgroup_device_rule *rules, size_t n,
                          const char *share_dir, struct nook_err *err);

/* ---- freezer, statistics (cgroup/freeze.c) ---- */

/* Freezes (or thaws) the cgroup and waits until cgroup.events reports it. */
int cgroup_freeze(const char *path, bool frozen, struct nook_err *err);
/* Whether cgroup.events says "frozen 1"; false when that cannot be read. */
bool cgroup_is_frozen(const char *path);
/* Reads an interface file of the cgroup (NUL-terminated; ENOENT when it has none). */
int cgroup_read(const char *path, const char *file, char **out, struct nook_err *err);
/* Absolute directory of the cgroup (for polling its files). */
int cgroup_directory(const char *path, char **out, struct nook_err *err);

/* ---- statistics (cgroup/stats.c) ---- */

/* One "key value" line of a flat-keyed file (memory.stat, cpu.stat, memory.events). */
struct cgroup_stat {
        char *key;
        char *value;
};
/* The lines of a flat-keyed file of the cgroup. */
int cgroup_read_keyed(const char *path, const char *file, struct cgroup_stat **out, size_t *n,
                      struct nook_err *err);
void cgroup_stats_free(struct cgroup_stat *v, size_t n);
/* A number: the whole of a single-value file (key NULL: memory.current), or the value
 * of `key` in a flat-keyed one (cpu.stat usage_usec). */
int cgroup_read_u64(const char *path, const char *file, const char *key, uint64_t *out,
                    struct nook_err *err);

#endif
