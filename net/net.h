/* Networking over netlink (libmnl).  So far: bringing up the loopback link of a new
 * network namespace, which every container with its own netns needs. */
#ifndef NOOK_NET_NET_H
#define NOOK_NET_NET_H

#include "common/error.h"

/* Sets "lo" up in the calling process's network namespace. */
int net_loopback_up(struct nook_err *err);

#endif
