/* The glue between a container's lifecycle and net/: its networking comes from the
 * org.nook.net.* annotations of its config. */
#ifndef NOOK_RUNTIME_NETWORK_H
#define NOOK_RUNTIME_NETWORK_H

#include "net/net.h"
#include "runtime/container.h"

/* Parses the annotations (NULL when there are none), requires a new network namespace
 * and checks for collisions with the other (not yet deleted) containers under rt->root. */
int container_net_prepare(const struct nook_runtime *rt, const char *id, const struct oci_config *c,
                          struct net_config **out, struct nook_err *err);
/* Sets up every interface for the init pid (waiting in its new network namespace). */
int container_net_setup(const struct net_config *cfg, pid_t pid, struct nook_err *err);
/* Removes the host-side rest (nft rules, routes); failures are logged, not fatal. */
void container_net_release(const struct oci_kv *annotations, size_t n, const char *id);

#endif
