/* The seccomp filter of a container process, built with libseccomp from the parsed
 * linux.seccomp (oci/types.h), compiled once in the parent and loaded by the child;
 * the hand-over of a SCMP_ACT_NOTIFY fd to the seccomp agent; `nook features`' part. */
#ifndef NOOK_RUNTIME_SECCOMP_H
#define NOOK_RUNTIME_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/json.h"
#include "oci/oci.h"
#include "runtime/state.h"

/* A compiled filter: what the child hands to the kernel. */
struct seccomp_program {
        struct sock_filter *insns; /* NULL: not compiled (none, or a NOTIFY filter) */
        size_t n_insns;
};
void seccomp_program_clear(struct seccomp_program *p);

/* Builds the filter and loads it into the calling process (no_new_privs is left as the
 * caller set it: without it, loading needs CAP_SYS_ADMIN).  prog, when compiled, is
 * loaded as it is.  *notify_fd is the listener fd when oci_seccomp_uses_notify(s),
 * else -1. */
int seccomp_load_filter(const struct oci_seccomp *s, const struct seccomp_program *prog,
                        int *notify_fd, struct nook_err *err);

/* The program of s (not a NOTIFY one): libseccomp's, or (tree) rewritten as a tree over
 * ranges of syscall numbers where that is smaller (runtime/seccomp_tree.h). */
int seccomp_compile(const struct oci_seccomp *s, bool tree, struct seccomp_program *prog,
                    struct nook_err *err);

/* In the parent, before clone: fills *prog from the cache under cache_dir (keyed by
 * the profile, the libseccomp version and the architecture) or by compiling s once and
 * storing it there, so the child only hands the program to the kernel.  Leaves *prog
 * empty for NOTIFY filters, whose listener fd only libseccomp's own load gives. */
int seccomp_prepare(const struct oci_seccomp *s, const char *cache_dir,
                    struct seccomp_program *prog, struct nook_err *err);

/* The parent's side of SCMP_ACT_NOTIFY: receives the child's notify fd over the sync
 * socket (SYNC_SECCOMP_FD) and sends it, with the runtime-spec "container process
 * state" (pid: the filtered process as the runtime sees it; state: the container's OCI
 * state with `status`), over a new connection to s->listener_path. */
int seccomp_relay_notify_fd(const struct oci_seccomp *s, int sync_fd, pid_t pid,
                            const struct container_state *st, enum container_status status,
                            struct nook_err *err);

/* The "linux.seccomp" object of `nook features`. */
void seccomp_write_features(struct json_writer *w);
/* Whether the running kernel accepts a SECCOMP_FILTER_FLAG_* flag. */
bool seccomp_flag_supported(unsigned int flag);

#endif
