/* The glue between a container's lifecycle and net/: its networking comes from the
 * org.nook.net.* annotations of its config. */
#ifndef NOOK_RUNTIME_NETWORK_H
#define NOOK_RUNTIME_NETWORK_H

#include "net/net.h"
#include "runtime/container.h"

/* Parses the annotations (NULL when there are none) and requires a new network
 * namespace; nothing on the host is touched. */
int container_net_prepare(const struct nook_runtime *rt, const char *id, const struct oci_config *c,
                          struct net_config **out, struct nook_err *err);
/* Sets up every interface for the init pid (waiting in its new network namespace). */
int container_net_setup(const struct net_config *cfg, pid_t pid, struct nook_err *err);
/* Sets "lo" up in the new network namespace of the init pid. */
int container_loopback_up(pid_t pid, struct nook_err *err);
/* Claims the container's addresses, host-side names and published ports among the
 * (not yet deleted) containers under rt->root (net_claim); once its state dir exists,
 * which is what keeps a claim alive. */
int container_net_claim(const struct nook_runtime *rt, const struct net_config *cfg,
                        struct nook_err *err);
void container_net_unclaim(const struct nook_runtime *rt, const struct net_config *cfg);
/* Removes the host-side rest (nft rules, routes) and the claims; failures are logged,
 * not fatal. */
void container_net_release(const struct nook_runtime *rt, const struct oci_kv *annotations,
                           size_t n, const char *id);

#endif
