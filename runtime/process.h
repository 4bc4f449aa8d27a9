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

/* What the final execve takes, found inside the container's root before the container
 * reports ready, so that a missing executable fails `create`/`run` with "exec:
 * /bin/nosuch: No such file or directory" instead of a container that dies silently on
 * start. */
struct process_launch {
        char *exe;  /* args[0] resolved: a name against the PATH of the process's env (or a
                     * default PATH), a relative path ("./pause") against process.cwd */
        char **env; /* process.env, with HOME from the container's /etc/passwd for the
                     * process's uid (else "/") when it has none, as runc and crun set it */
};
int process_prepare_launch(const struct oci_process *p, struct process_launch *out,
                           struct nook_err *err);
void process_launch_clear(struct process_launch *l);

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
        int notify_fd;    /* from the load until it is sent; -1 otherwise */
        int preserve_fds; /* fds 3..3+preserve_fds-1 are kept across execve */
        bool fds_marked;  /* the others are close-on-exec already */
};
#define PROCESS_SECCOMP(f, prog, preserve)                                                         \
        ((struct process_seccomp){                                                                 \
            .filter = (f), .program = (prog), .notify_fd = -1, .preserve_fds = (preserve)})

/* Says once, in runc's words, which capability names of p this build or this kernel
 * does not know: they are left out. */
void process_warn_unknown_caps(const struct oci_process *p);

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
int process_exec(const struct oci_process *p, const struct process_launch *l,
                 struct process_seccomp *sc, struct nook_err *err);

#endif
