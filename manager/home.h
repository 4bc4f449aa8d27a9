/* nookctl's home directory (default /var/lib/nook, --home or NOOK_HOME) and its locks.
 *
 *   <home>/templates/<name>/      read-only root filesystems (overlay lower layers)
 *   <home>/containers/<ctid>/     one OCI bundle per container: config.json, private/
 *                                 (overlay upper), work/, rootfs/ (the mount point),
 *                                 console.log
 *   <home>/locks/<ctid>.lock      per-container flock
 *   <home>/.lock                  home-wide flock: creating and destroying containers,
 *                                 allocating names and addresses, templates
 *
 * Locks are flock(2) locks: the kernel drops them with the last fd, so a killed
 * command never leaves one held. */
#ifndef NOOK_MANAGER_HOME_H
#define NOOK_MANAGER_HOME_H

#include <stdbool.h>

#include "common/error.h"
#include "runtime/container.h"

#define NOOK_HOME_DEFAULT      "/var/lib/nook"
#define NOOK_CGROUP_PARENT_DEF "/nook"

struct nook_home {
        char *dir;           /* absolute */
        char *cgroup_parent; /* cgroup v2 path containers go below, default /nook */
        struct nook_runtime rt;
        int lock_fd; /* home-wide lock while held, else -1 */
};

/* Makes the home's directories if missing.  dir and root may be NULL for the defaults
 * (NOOK_HOME / NOOK_ROOT from the environment first). */
int home_open(struct nook_home *h, const char *dir, const char *root, const char *cgroup_parent,
              struct nook_err *err);
void home_close(struct nook_home *h);
#define _cleanup_home_ __attribute__((cleanup(home_close)))
#define NOOK_HOME_INIT                                                                             \
        {                                                                                          \
                .lock_fd = -1                                                                      \
        }

/* Takes the home-wide lock (blocking); released by home_unlock or home_close. */
int home_lock(struct nook_home *h, struct nook_err *err);
void home_unlock(struct nook_home *h);

/* Takes container ctid's lock (blocking) and returns its fd; close it to release. */
int home_lock_ct(const struct nook_home *h, const char *ctid, struct nook_err *err);

/* "<home>/containers/<ctid>" and friends (newly allocated). */
char *home_ct_dir(const struct nook_home *h, const char *ctid);
char *home_ct_path(const struct nook_home *h, const char *ctid, const char *file);
char *home_template_dir(const struct nook_home *h, const char *name);

#endif
