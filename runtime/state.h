/* A container's runtime state under --root: <root>/<id>/state.json (what create
 * learned: pid and its start time, bundle, cgroup, annotations), a copy of the
 * bundle's config.json for later commands, and exec.fifo while the container waits
 * for `start`.  The status is derived from the live process every time, never stored:
 * a pid is only believed together with its start time. */
#ifndef NOOK_RUNTIME_STATE_H
#define NOOK_RUNTIME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/oci.h"

#define STATE_FILE "state.json"
/* The state before the init exists (pid 0).  A file of its own rather than a first
 * state.json: replacing a file by rename makes ext4 (auto_da_alloc) start writing it
 * back, and the unlink at delete then waited for that I/O: 1.5 ms of a 10 ms run. */
#define STATE_FILE_CREATING "creating.json"
#define CONFIG_COPY         "config.json"
#define EXEC_FIFO           "exec.fifo"
/* Where a created container's init reports a failure after create returned (a
 * startContainer hook, the exec), for `nook start` to print. */
#define START_ERROR "start.err"

enum container_status {
        CONTAINER_CREATING, /* create has not finished (or was killed midway) */
        CONTAINER_CREATED,  /* init waits on the exec fifo */
        CONTAINER_RUNNING,
        CONTAINER_STOPPED,
        CONTAINER_PAUSED, /* its cgroup is frozen (nook pause) */
};

const char *container_status_name(enum container_status s);

struct container_state {
        char *dir; /* <root>/<id> */
        char *id;
        pid_t pid; /* 0 until the init process exists */
        uint64_t pid_start;
        char *bundle;
        char *rootfs;
        char *cgroup_path;   /* relative to the v2 mount, NULL when cgroups are disabled */
        bool cgroup_default; /* nook chose the path, so it may prune the /nook parent */
        char *created;       /* RFC 3339 */
        /* The config has no mount namespace: the container's mounts live in the one
         * create ran in, under rootfs, and delete unmounts them there. */
        bool host_mounts;
        char *notify_socket; /* the caller's at create (NOTIFY_SOCKET), or NULL */
        struct oci_kv *annotations;
        size_t n_annotations;
        /* Bit (1u << kind) for each hook kind the config has, so that start and delete
         * parse the config copy only when they have hooks to run (a parse of a config
         * with the default seccomp profile is ~0.5 ms, `nook run` needed three).  All
         * bits when unknown: no state.json yet, or one written without the field. */
        unsigned hooks;
};
#define STATE_HOOKS_UNKNOWN (~0u)
static inline bool state_has_hooks(const struct container_state *st, enum oci_hook_kind kind)
{
        return (st->hooks & (1u << kind)) != 0;
}

void container_state_free(struct container_state *st);
static inline void container_state_freep(struct container_state **st)
{
        if (*st)
                container_state_free(*st);
}
#define _cleanup_state_ __attribute__((cleanup(container_state_freep)))

/* Makes <root>/<id> (exclusively: an existing one means a duplicate id). */
int state_dir_create(const char *root, const char *id, char **dir_out, struct nook_err *err);
/* Writes the copy of the config (text, len bytes: modified) later commands read,
 * without the whitespace between its tokens: nookctl's config.json is indented, and
 * the copy lives as long as the container, on /run's tmpfs (12.7 KiB, four pages, for
 * the default profile; 8.3 KiB, three, without). */
int state_write_config(const struct container_state *st, char *text, size_t len,
                       struct nook_err *err);
/* Writes state.json, or creating.json while st->pid is 0; never replaces a file. */
int state_write(const struct container_state *st, struct nook_err *err);
/* Loads <root>/<id>; "container <id> does not exist" when there is no such directory.
 * A directory without state.json (create killed before writing it) loads as a state
 * with pid 0. */
int state_read(const char *root, const char *id, struct container_state **out,
               struct nook_err *err);
enum container_status state_status(const struct container_state *st);
/* Whether the root holds a state directory for id (whatever its contents). */
bool state_exists(const char *root, const char *id);
/* The OCI state document (runtime-spec "state"), as `nook state` prints it and hooks
 * read it on stdin.  Caller frees. */
char *state_oci_json(const struct container_state *st, enum container_status status, bool pretty);
int state_remove(const struct container_state *st, struct nook_err *err);
/* Names of the entries under root (empty when root does not exist). */
int state_list_ids(const char *root, char ***ids, struct nook_err *err);
/* RFC 3339 timestamp of now with nanoseconds, UTC. */
char *state_timestamp_now(void);

#endif
