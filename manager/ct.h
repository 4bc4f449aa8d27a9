/* One nookctl container's life: create (a bundle under the home), mount (overlayfs of
 * its template and its private layer, in the mount namespace nookctl runs in), start
 * (nook's container_create + container_start, detached, init's stdio on console.log),
 * stop (the init's own shutdown signal, then cgroup.kill after a timeout), destroy,
 * exec, and the host-side edits of its /etc.  Each takes the container's lock. */
#ifndef NOOK_MANAGER_CT_H
#define NOOK_MANAGER_CT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "manager/ctconf.h"
#include "manager/home.h"

#define CT_STOP_TIMEOUT_DEFAULT 60

struct ct_status {
        bool exists;
        bool mounted;
        bool running;
        pid_t pid; /* init's pid when running */
};

int ct_status(const struct nook_home *h, const char *ctid, struct ct_status *st);
bool ct_mounted(const struct nook_home *h, const char *ctid);

/* Makes <home>/containers/<ctid> with its layers and config.json; the caller holds the
 * home lock and has checked the settings against the other containers.  On failure
 * nothing is left. */
int ct_create(struct nook_home *h, const char *ctid, const struct ct_settings *s,
              struct nook_err *err);
int ct_mount(const struct nook_home *h, const char *ctid, struct nook_err *err);
int ct_umount(const struct nook_home *h, const char *ctid, struct nook_err *err);
int ct_start(const struct nook_home *h, const char *ctid, struct nook_err *err);
/* timeout: seconds to wait for a clean shutdown; fast: none at all. */
int ct_stop(const struct nook_home *h, const char *ctid, bool fast, unsigned timeout,
            struct nook_err *err);
/* Refused while running unless force (which stops it first, fast). */
int ct_destroy(struct nook_home *h, const char *ctid, bool force, struct nook_err *err);
/* Runs args in the running container, stdio inherited; *status is its exit status. */
int ct_exec(const struct nook_home *h, const char *ctid, char **args, bool tty, int *status,
            struct nook_err *err);

/* Writes /etc/hostname, /etc/hosts and /etc/resolv.conf of the mounted container root
 * from the settings (resolved inside the root). */
int ct_sync_etc(const struct nook_home *h, const char *ctid, const struct ct_settings *s,
                struct nook_err *err);
/* Writes config.json atomically. */
int ct_config_save(const struct nook_home *h, const char *ctid, const char *json,
                   struct nook_err *err);

#endif
