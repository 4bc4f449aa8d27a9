/* `nookctl set` on a running container: what the kernel lets change without a restart.
 * Limits go through nook's container_update; the host name is set from inside the
 * container's UTS namespace; addresses over netlink in its network namespace. */
#ifndef NOOK_MANAGER_LIVE_H
#define NOOK_MANAGER_LIVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* pid: the container's init (its namespaces are joined through a pidfd). */
int live_set_hostname(pid_t pid, const char *hostname, struct nook_err *err);
/* ip: a normalized "ADDR/PREFIX", on the container's eth0. */
int live_change_addr(pid_t pid, const char *ip, bool add, struct nook_err *err);

#endif
