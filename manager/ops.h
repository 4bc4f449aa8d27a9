/* The per-container work of nookctl's fleet commands (each a fleet_fn): the container
 * is opened once (ct_open), under its lock, and handed to manager/ct.c. */
#ifndef NOOK_MANAGER_OPS_H
#define NOOK_MANAGER_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "manager/home.h"
#include "manager/registry.h"

struct ct_ops {
        const struct nook_home *h;
        const struct registry *r; /* create: the settings of the batch */
        bool fast, force;         /* stop, restart: no clean shutdown; destroy: stop first */
        bool keep_links;          /* stop: leave the veths to ct_links_delete */
        unsigned timeout;         /* stop, restart: seconds for the shutdown */
        char **args;              /* exec: the command */
};

int ct_op_create(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_start(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_stop(void *ops, size_t index, const char *ctid, struct nook_err *err);
/* The waiting of a fleet's stop, for all at once: every running container of ids gets
 * its init's shutdown signal, then this waits (one epoll over their pidfds) until all
 * are gone or o->timeout passed.  What it could not signal, and what is left at the
 * timeout, is ct_op_stop's with fast set: the kill and the clean-up. */
void ct_shutdown_all(const struct ct_ops *o, char *const *ids);
/* The host sides of the veths of the stopped containers of ids that the kernel has not
 * removed yet (it tears a network namespace down in its own time), deleted in one
 * request. */
void ct_links_delete(const struct ct_ops *o, char *const *ids);
/* vzctl's suspend (chkpnt) and resume (restore): manager/suspend.h. */
int ct_op_suspend(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_resume(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_restart(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_mount(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_umount(void *ops, size_t index, const char *ctid, struct nook_err *err);
int ct_op_destroy(void *ops, size_t index, const char *ctid, struct nook_err *err);
/* Returns the command's exit status. */
int ct_op_exec(void *ops, size_t index, const char *ctid, struct nook_err *err);

/* What `nookctl status` says of a CTID. */
struct ct_status {
        bool exists; /* with a config.json */
        bool broken; /* its directory without one */
        bool mounted;
        bool running;
        bool suspended; /* it has a dump (manager/suspend.h) */
};
void ct_status_of(const struct nook_home *h, const char *ctid, struct ct_status *st);

#endif
