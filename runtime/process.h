/* Applies an OCI process object in the calling child and execs it.  Shared by the
 * container's init (create/run) and by exec, so both treat user, groups, umask,
 * rlimits, cwd, capabilities, no_new_privs and the fd set identically. */
#ifndef NOOK_RUNTIME_PROCESS_H
#define NOOK_RUNTIME_PROCESS_H

#include <stddef.h>

#include "common/error.h"
#include "runtime/config.h"

/* Resolves args[0] against the PATH of the process's own env (or a default PATH),
 * inside the current root.  Done before the container reports ready, so a missing
 * executable fails `create`/`run` with "exec: /bin/nosuch: No such file or directory"
 * instead of a container that dies silently on start. */
int process_find_executable(const struct oci_process *p, char **out, struct nook_err *err);

/* Everything but the exec: rlimits, umask, cwd, groups/gid/uid with capabilities kept
 * across the switch and then set as configured, no_new_privs.  */
int process_setup(const struct oci_process *p, struct nook_err *err);

/* Final step: default signal mask and dispositions, fds >= 3 + preserve_fds marked
 * close-on-exec (so the sync socket closing tells the parent the exec happened), and
 * execve.  Returns only on failure. */
int process_exec(const struct oci_process *p, const char *path, int preserve_fds,
                 struct nook_err *err);

#endif
