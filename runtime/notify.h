/* sd_notify readiness through the container boundary (NOTIFY_SOCKET), runc's way: create
 * binds the state directory's notify/ into the container at /run/notify, read-only, and
 * points the process's NOTIFY_SOCKET at a socket there; start (and run) listens on it
 * and relays the container's READY=1, with its MAINPID, to the caller's socket (podman
 * --sdnotify=container, a systemd unit of Type=notify running the container). */
#ifndef NOOK_RUNTIME_NOTIFY_H
#define NOOK_RUNTIME_NOTIFY_H

#include <sys/types.h>

#include "common/error.h"
#include "oci/oci.h"

#define NOTIFY_IN_CONTAINER "/run/notify/notify.sock"

/* create: makes <state_dir>/notify and adds its bind and NOTIFY_SOCKET to c. */
int notify_prepare(struct oci_config *c, const char *state_dir, struct nook_err *err);
/* Whether create prepared state_dir for it. */
bool notify_prepared(const char *state_dir);
/* start: the socket the container's process will send to, bound and world-writable (the
 * process may run as any user). */
int notify_listen(const char *state_dir, struct nook_err *err);
/* Waits on sock until a datagram with a READY= line comes, which it relays with
 * MAINPID=pid to host_socket, or until the process behind pidfd is gone.  Other
 * messages (STATUS=, WATCHDOG=) are dropped, as runc drops them. */
int notify_relay(int sock, int pidfd, pid_t pid, const char *host_socket, struct nook_err *err);

#endif
