/* The child side of create/run: what the cloned process does, in its new namespaces,
 * between clone and the exec of the container's program.  Internal to runtime/. */
#ifndef NOOK_RUNTIME_INIT_H
#define NOOK_RUNTIME_INIT_H

#include <stdbool.h>

#include "oci/oci.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"

struct rootfs_idmaps;

struct init_ctx {
        const struct oci_config *config;
        struct container_state *state; /* for the hooks' state JSON */
        const char *rootfs;            /* absolute */
        int sync_fd;
        int fifo_fd;  /* create: read end of the exec fifo; run: -1 */
        int error_fd; /* create: START_ERROR, written on failure after ready; run: -1 */
        struct rootfs_idmaps *idmaps; /* idmapped mounts made by the parent, or NULL */
        bool new_userns;
        bool no_pivot;
        int preserve_fds;
        const struct seccomp_program *seccomp; /* compiled by the parent */
};

/* Never returns: execs the container's program or exits, reporting any failure to
 * the parent over sync_fd first. */
__attribute__((noreturn)) void container_init(struct init_ctx *ctx);

/* Whether the parent must run prestart/createRuntime hooks in the middle of the
 * child's setup (both sides decide the same way from the config). */
bool init_has_runtime_hooks(const struct oci_config *c);

#endif
