/* Checkpoint and restore of one container through CRIU, with runc's interface (the
 * one podman and containerd drive): `nook checkpoint` dumps a running container into
 * an image directory and, unless asked to leave it running, removes it; `nook restore`
 * makes it again from its bundle and that image, with the same processes and PIDs.
 *
 * The network namespace is never in the image: CRIU is told it is external, and restore
 * gives the processes a new one that nook sets up from the config (loopback and the
 * org.nook.net.* interfaces: same addresses, same routes) or the one the config names
 * by path.  That is what lets a system container with a veth move, where CRIU's own
 * dump of a veth fails.  What the container itself changed in its network namespace
 * (an address it added, its own nft rules) does not come back. */
#ifndef NOOK_RUNTIME_CHECKPOINT_H
#define NOOK_RUNTIME_CHECKPOINT_H

#include <stdbool.h>

#include "runtime/container.h"

/* The options both share, as runc names them. */
struct criu_opts_common {
        const char *image_path; /* required */
        const char *work_path;  /* logs; NULL: image_path */
        bool tcp_established;
        bool ext_unix_sk;
        bool shell_job;
        bool file_locks;
        int manage_cgroups_mode; /* NOOK_CRIU_CG_*, -1: soft, as runc and crun */
};

struct checkpoint_opts {
        struct criu_opts_common c;
        const char *parent_path; /* a previous pre-dump, relative to image_path */
        bool leave_running;
        bool pre_dump; /* memory only, tracking changes for the next dump; keeps running */
        bool auto_dedup;
};

/* Dumps a running (or paused) container into o->c.image_path.  Without leave_running
 * or pre_dump the container is then deleted, as runc does. */
int container_checkpoint(const struct nook_runtime *rt, const char *id,
                         const struct checkpoint_opts *o, struct nook_err *err);

struct restore_opts {
        struct criu_opts_common c;
        const char *bundle; /* NULL: the current directory */
        const char *pid_file;
        bool detach; /* else wait for the container, relay signals, then delete it */
};

/* Makes container id from the bundle and the image.  The processes' stdin, stdout and
 * stderr, when they were pipes or files outside the container at checkpoint, are this
 * process's own 0, 1 and 2.  Foreground: *status is the container's exit status. */
int container_restore(const struct nook_runtime *rt, const char *id, const struct restore_opts *o,
                      int *status, struct nook_err *err);

/* --manage-cgroups-mode's names (ignore, none, props, soft, full, strict, default) to
 * the value of criu_opts_common.manage_cgroups_mode; -1 when unknown. */
int checkpoint_cg_mode(const char *name);

/* Whether checkpoint/restore can work on this host; *why (caller frees) says why not. */
bool container_checkpoint_available(char **why);

#endif
