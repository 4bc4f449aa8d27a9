/* OCI hooks: each runs with the container state JSON on stdin, its own args and env,
 * and a timeout after which it is killed.  Failure semantics (whether a failure aborts
 * the operation) are the caller's: this reports the first failure. */
#ifndef NOOK_RUNTIME_HOOKS_H
#define NOOK_RUNTIME_HOOKS_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/oci.h"

/* Runs the hooks of one kind in order; stops at and reports the first that fails
 * ("createRuntime hook /bin/x: exited with status 1"). */
int hooks_run(const struct oci_hook_list *list, enum oci_hook_kind kind, const char *state_json,
              struct nook_err *err);

#endif
