/* One container's lifecycle, the operations behind `nook create/start/state/kill/
 * delete/run/exec/list/ps`.  Each is a library call that fills a struct nook_err on
 * failure and, on failure, leaves no state dir, cgroup, process or mount behind. */
#ifndef NOOK_RUNTIME_CONTAINER_H
#define NOOK_RUNTIME_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/oci.h"
#include "runtime/state.h"

/* Global options every command shares. */
struct nook_runtime {
        const char *root;      /* state directory, default /run/nook */
        bool cgroups_disabled; /* --cgroup-manager disabled */
};

struct create_opts {
        const char *bundle; /* NULL = current directory */
        /* crun's --config: NULL or "config.json" for the bundle's, another relative path
         * is the caller's (taken before create changes directory). */
        const char *config;
        const char *pid_file;       /* NULL = none */
        const char *console_socket; /* NULL = none */
        int preserve_fds;
        bool no_pivot;
        /* Internal to run: no exec fifo; init waits on the sync socket instead, so the
         * caller learns exactly whether the exec succeeded. */
        bool foreground;
        /* The caller's sd_notify socket ($NOTIFY_SOCKET): the container gets one of its
         * own, whose READY=1 start relays there (runtime/notify.h).  NULL = none. */
        const char *notify_socket;
        /* Sockets of systemd's socket activation at fds 3..3+listen_fds-1 ($LISTEN_FDS
         * for this process): passed on at the same numbers, before preserve_fds, with
         * LISTEN_FDS and LISTEN_PID=1 in the process's env, as runc does. */
        int listen_fds;
};

/* start, and the start of run: the caller's sd_notify socket, or NULL for the one create
 * was given. */
struct start_opts {
        const char *notify_socket;
};

/* What the caller of a create keeps, for run in the foreground. */
struct create_result {
        pid_t pid;
        int pidfd;
        int sync_fd;    /* foreground only: the live sync socket to init */
        int pty_master; /* foreground with a terminal and no console socket, else -1 */
};

int container_create(const struct nook_runtime *rt, const char *id, const struct create_opts *opts,
                     struct create_result *res, struct nook_err *err);
int container_start(const struct nook_runtime *rt, const char *id, const struct start_opts *opts,
                    struct nook_err *err);
/* The OCI state JSON of one container. */
int container_state(const struct nook_runtime *rt, const char *id, char **json,
                    struct nook_err *err);
int container_kill(const struct nook_runtime *rt, const char *id, int sig, bool all,
                   struct nook_err *err);
int container_delete(const struct nook_runtime *rt, const char *id, bool force,
                     struct nook_err *err);

struct run_opts {
        struct create_opts create;
        bool detach;
        bool keep; /* do not delete after a foreground run */
};
/* Foreground: returns the container's exit status in *status (128+N for signal N). */
int container_run(const struct nook_runtime *rt, const char *id, const struct run_opts *opts,
                  int *status, struct nook_err *err);

/* Called in exec's new process once it joined the container: before_setup while it still
 * holds nook's privileges, before_exec once it is set up, right before its execve.  A
 * fleet's barrier raises its priority in the first and waits in the second, so that
 * what it releases is the commands themselves. */
struct exec_hooks {
        void (*before_setup)(void *data);
        void (*before_exec)(void *data);
        void *data;
};

struct exec_opts {
        const char *process_file; /* --process: a process.json replacing the rest */
        char **args;              /* command and arguments */
        char **env;               /* extra KEY=VALUE entries */
        const char *cwd;
        const char *user;       /* "UID[:GID]" */
        char **caps;            /* extra capabilities: added to B/E/P/A, as runc's --cap */
        char **additional_gids; /* numbers, replacing the process's additional groups */
        bool no_new_privs;
        const char *cgroup; /* a sub-cgroup of the container's ("unified:" allowed) */
        bool ignore_paused; /* also into a paused container */
        bool tty;
        bool detach;
        const char *pid_file;
        const char *console_socket;
        int preserve_fds;
        const struct exec_hooks *hooks; /* or NULL */
};
int container_exec(const struct nook_runtime *rt, const char *id, const struct exec_opts *opts,
                   int *status, struct nook_err *err);

/* Freezes / thaws every process of a running container (cgroup.freeze); state then
 * says "paused".  runtime/cgroup_ops.c. */
int container_pause(const struct nook_runtime *rt, const char *id, struct nook_err *err);
int container_resume(const struct nook_runtime *rt, const char *id, struct nook_err *err);
/* Applies a LinuxResources document (the limits it names change, the rest stay) to a
 * live container. */
int container_update(const struct nook_runtime *rt, const char *id, const struct oci_resources *r,
                     struct nook_err *err);
/* One JSON object: {"type":"stats","id":..,"data":{memory, cpu, pids, io}}. */
int container_stats_json(const struct nook_runtime *rt, const char *id, char **json,
                         struct nook_err *err);
/* Calls emit with {"type":"oom","id":..} each time the kernel OOM-kills a process of
 * the container and, every interval_ms (0: never), with its statistics as
 * container_stats_json gives them, until the container stops (runc's events). */
int container_events(const struct nook_runtime *rt, const char *id, int interval_ms,
                     void (*emit)(const char *json, void *ctx), void *ctx, struct nook_err *err);

/* Pids in the container's cgroup (the init pid alone when cgroups are disabled). */
int container_pids(const struct nook_runtime *rt, const char *id, pid_t **pids, size_t *n,
                   struct nook_err *err);

struct container_info {
        struct container_state *state;
        enum container_status status;
};
/* Every container under the root, sorted by id; entries that cannot be read are
 * skipped (a create in progress may be writing them). */
int container_list(const struct nook_runtime *rt, struct container_info **out, size_t *n,
                   struct nook_err *err);
void container_list_free(struct container_info *list, size_t n);

/* The runtime-spec features document of this build. Caller frees. */
char *container_features_json(void);

/* Waits for a process this program started (pidfd), relaying signals, and with
 * pty_master >= 0 the terminal too; returns the exit status, 128+N for a signal. */
int container_wait_foreground(int pidfd, pid_t pid, int pty_master, int *status,
                              struct nook_err *err);

#endif
