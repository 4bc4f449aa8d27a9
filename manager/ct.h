/* One nookctl container's life: create (a bundle under the home), mount (overlayfs of
 * its template and its private layer, in the mount namespace nookctl runs in), start
 * (nook's container_create + container_start, detached, init's stdio on console.log),
 * stop (the init's own shutdown signal, then cgroup.kill after a timeout), destroy,
 * exec, and the host-side edits of its /etc.
 *
 * A command resolves a CTID once, with ct_open, into a handle that holds its paths, its
 * lock and its parsed config, and passes that handle down. */
#ifndef NOOK_MANAGER_CT_H
#define NOOK_MANAGER_CT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "manager/ctconf.h"
#include "manager/home.h"
#include "oci/oci.h"

struct exec_hooks;

#define CT_STOP_TIMEOUT_DEFAULT 60

struct ct {
        const struct nook_home *h;
        char *ctid;
        char *dir;                 /* <home>/containers/<ctid>: the bundle */
        char *rootfs;              /* its rootfs/, the overlay's mount point */
        int lock_fd;               /* the container's lock while held, else -1 */
        struct oci_config *config; /* NULL when the bundle has no config.json */
        struct ct_settings s;      /* the settings of config */
        bool mounted;              /* rootfs is mounted */
};

/* ct_open flags. */
#define CT_LOCK 1u /* take the container's lock (blocking) before reading it */
/* Also a directory without a config.json that parses (a create killed midway, a file
 * edited by hand): config is then NULL, for destroy to clean it up. */
#define CT_BROKEN 2u

/* "container X does not exist" unless the bundle is there (with a config.json, unless
 * CT_BROKEN); a config.json that does not parse is an error (unless CT_BROKEN). */
int ct_open(const struct nook_home *h, const char *ctid, unsigned flags, struct ct **out,
            struct nook_err *err);
void ct_close(struct ct *c);
static inline void ct_closep(struct ct **c)
{
        if (*c)
                ct_close(*c);
}
#define _cleanup_ct_ __attribute__((cleanup(ct_closep)))

/* Takes the container's lock on a handle opened without it. */
int ct_lock(struct ct *c, struct nook_err *err);
/* "<bundle>/<file>", newly allocated. */
char *ct_path(const struct ct *c, const char *file);

/* Whether nook runs it (created, running or paused) and its init's pid. */
bool ct_running(const struct ct *c, pid_t *pid);

/* Makes <home>/containers/<ctid> with its layers and config.json; the caller holds the
 * home lock and has checked the settings against the other containers.  On failure
 * nothing is left. */
int ct_create(const struct nook_home *h, const char *ctid, const struct ct_settings *s,
              struct nook_err *err);
/* Puts the disk quota of settings s on the container in dir (with attach, first its
 * layers into s's project); nothing when s has no project. */
int ct_disk_quota(const char *dir, const struct ct_settings *s, bool attach, struct nook_err *err);
/* Mounts the root (the template under the private layer) at c->rootfs in the caller's
 * mount namespace: the host's for `nookctl mount`, a private one to start. */
int ct_mount(struct ct *c, struct nook_err *err);
int ct_umount(struct ct *c, struct nook_err *err);
/* Runs fn with the root mounted in a private mount namespace (rootfs_mntns_enter_private),
 * and returns to the caller's: a container started or restored by fn keeps its own copy
 * of that mount, and the host's namespace holds none (unless the root was mounted there
 * before, by `nookctl mount`, which the container then shares).  While it runs, the
 * host reaches its root at /proc/PID/root. */
int ct_with_own_root(struct ct *c, int (*fn)(const struct ct *c, struct nook_err *err),
                     struct nook_err *err);
int ct_start(struct ct *c, struct nook_err *err);
/* Runs fn with stdin on /dev/null and stdout and stderr on the container's console.log,
 * which a container's init inherits: no process of nookctl stays to hold a terminal. */
int ct_with_console(const struct ct *c, int (*fn)(const struct ct *c, struct nook_err *err),
                    struct nook_err *err);
/* timeout: seconds to wait for a clean shutdown; fast: none at all.  The host sides of
 * its veths are deleted (the kernel would take its time), unless keep_links: a fleet's
 * stop deletes them all in one request (ct_links_delete), as one at a time each costs
 * an RCU grace period, 17 ms. */
int ct_stop(struct ct *c, bool fast, unsigned timeout, bool keep_links, struct nook_err *err);
/* Appends the names of the host sides of its veths to *names, and its CTID as their
 * owner to *owners (net_links_delete's lists). */
void ct_host_links(const struct ct *c, char ***names, char ***owners);
/* Sends a running container's init its shutdown signal and returns a pidfd of it to
 * wait on (-1 when it does not run or cannot be signalled: ct_stop will see). */
int ct_shutdown_begin(struct ct *c, struct nook_err *err);
/* Refused while running unless force (which stops it first, fast). */
int ct_destroy(struct ct *c, bool force, struct nook_err *err);
/* Runs args in the running container, stdio inherited; *status is its exit status.
 * hooks (or NULL) run in the new process (runtime/container.h). */
int ct_exec(const struct ct *c, char **args, bool tty, const struct exec_hooks *hooks, int *status,
            struct nook_err *err);

/* Writes /etc/hostname, /etc/hosts and /etc/resolv.conf of the container's root at root
 * (c->rootfs mounted, or a running one's /proc/PID/root) from the settings (resolved
 * inside the root). */
int ct_sync_etc(const struct ct *c, const char *root, const struct ct_settings *s,
                struct nook_err *err);
/* Applies s to the handle's config and writes config.json atomically. */
int ct_config_save(struct ct *c, const struct ct_settings *s, struct nook_err *err);

#endif
