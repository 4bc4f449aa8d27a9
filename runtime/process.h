/* Applies an OCI process object in the calling child and execs it.  Shared by the
 * container's init (create/run) and by exec, so both treat user, groups, umask,
 * rlimits, cwd, capabilities, no_new_privs and the fd set identically. */
#ifndef NOOK_RUNTIME_PROCESS_H
#define NOOK_RUNTIME_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "oci/oci.h"
#include "runtime/seccomp.h"

/* Resolves args[0] against the PATH of the process's own env (or a default PATH),
 * inside the current root.  Done before the container reports ready, so a missing
 * executable fails `create`/`run` with "exec: /bin/nosuch: No such file or directory"
 * instead of a container that dies silently on start. */
int process_find_executable(const struct oci_process *p, char **out, struct nook_err *err);

/* The container's seccomp filter (linux.seccomp) for the process being set up.  It is
 * loaded once, as late as it can be: just before execve; but with noNewPrivileges off
 * before the switch to the process's user, while the CAP_SYS_ADMIN that loading then
 * needs is still held; and with SCMP_ACT_NOTIFY rules before the child reports ready,
 * so that the notify fd reaches the agent.  Whatever nook does after the load must be
 * allowed by the profile, as with runc and crun. */
struct process_seccomp {
        const struct oci_seccomp *filter;      /* NULL: none */
        const struct seccomp_program *program; /* compiled by the parent, or NULL */
        bool loaded;
        int notify_fd; /* from the load until it is sent; -1 otherwise */
};
#define PROCESS_SECCOMP(f, prog)                                                                   \
        ((struct process_seccomp){.filter = (f), .program = (prog), .notify_fd = -1})

/* Everything but the exec: rlimits, umask, cwd, groups/gid/uid with capabilities kept
 * across the switch and then set as configured, no_new_privs.  */
int process_setup(const struct oci_process *p, struct process_seccomp *sc, struct nook_err *err);

/* When the filter has SCMP_ACT_NOTIFY rules: loads it (unless process_setup did) and
 * sends its notify fd over the sync socket (SYNC_SECCOMP_FD) for the parent to hand to
 * the seccomp agent.  Nothing otherwise. */
int process_send_seccomp_fd(struct process_seccomp *sc, int sync_fd, struct nook_err *err);

/* Final step: default signal mask and dispositions, fds >= 3 + preserve_fds marked
 * close-on-exec (so the sync socket closing tells the parent the exec happened), the
 * seccomp filter unless loaded already, and execve.  Returns only on failure. */
int process_exec(const struct oci_process *p, const char *path, int preserve_fds,
                 struct process_seccomp *sc, struct nook_err *err);

#endif
