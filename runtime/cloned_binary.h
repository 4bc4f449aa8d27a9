/* CVE-2019-5736: while `nook exec` joins a container, a process of the container can open
 * /proc/<pid>/exe of the joining process and, once nook has exited, write through it to
 * nook's binary on the host.  The joining process is non-dumpable, which keeps the
 * container away from its /proc/<pid> entries, except for a container that may ptrace host
 * processes: CAP_SYS_PTRACE in its bounding set without a user namespace.  For those, nook
 * first re-executes itself from a sealed memfd copy, so all the container can reach is a
 * copy nobody can write.  That costs an exec and a copy of the binary, hence only where it
 * is needed: the median of 400 `nook exec CT true` on a 2-core VM went from 5.2 to 6.9 ms
 * (6.0 to 8.1 ms in a second run), while PR_SET_DUMPABLE did not show (5.24 ms with it,
 * 5.28 ms without). */
#ifndef NOOK_RUNTIME_CLONED_BINARY_H
#define NOOK_RUNTIME_CLONED_BINARY_H

#include <stdbool.h>

#include "common/error.h"

struct oci_config;

/* Set in the environment of the re-executed copy, so that a copy that somehow is not
 * sealed fails instead of re-executing itself forever.  The copy removes it at once. */
#define CLONED_BINARY_ENV "_NOOK_CLONED"

/* Whether the container's processes can get past non-dumpable: no user namespace, and
 * CAP_SYS_PTRACE in the bounding set (or no capabilities object, which keeps them all). */
bool cloned_binary_needed(const struct oci_config *c);

/* True when this process runs from a memfd carrying nook's seals. */
bool cloned_binary_is_sealed(void);

/* Returns 0 at once when this process already runs from a sealed copy.  Otherwise copies
 * /proc/self/exe into a memfd, seals it and fexecve()s it with the same arguments (from
 * /proc/self/cmdline) and environment; returns only on failure. */
int cloned_binary_ensure(struct nook_err *err);

#endif
