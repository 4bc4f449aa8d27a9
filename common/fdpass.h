/* Sending a file descriptor over a unix socket (SCM_RIGHTS), for the sync channel and
 * for --console-socket. */
#ifndef NOOK_COMMON_FDPASS_H
#define NOOK_COMMON_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* One sendmsg of data with fd attached (fd < 0: none); EINTR retried, never SIGPIPE.
 * Returns what sendmsg returned, errno set on failure. */
ssize_t fd_send(int sock, const void *data, size_t len, int fd);

#endif
