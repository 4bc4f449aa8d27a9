/* The lock-step channel between `nook create`/`exec` and the child it cloned: a
 * SOCK_SEQPACKET socketpair carrying one fixed-size message per step.  A failure in the
 * child travels back as a SYNC_ERROR message with its errno and context, so the parent
 * prints the real cause ("exec: /bin/nosuch: No such file or directory"). */
#ifndef NOOK_RUNTIME_SYNC_H
#define NOOK_RUNTIME_SYNC_H

#include <stdint.h>

#include "common/error.h"

enum sync_type {
        SYNC_ERROR = 1,
        SYNC_CHILD_STARTED, /* child: alive, waiting for id maps */
        SYNC_PARENT_READY,  /* parent: maps written, do the mounts */
        SYNC_HOST_READY,    /* parent: network and device program in place */
        SYNC_RUN_PRESTART,  /* child: mounts done, run createRuntime/prestart hooks now */
        SYNC_HOOKS_DONE,    /* parent: those hooks succeeded */
        SYNC_CHILD_READY,   /* child: set up; waiting for start (or about to exec) */
        SYNC_PTY_MASTER,    /* child: carries the pty master fd (SCM_RIGHTS) */
        SYNC_START,         /* parent (run in the foreground): exec now */
        SYNC_SECCOMP_FD,    /* child: carries the seccomp notify fd for the agent */
        SYNC_EXEC_PIDFD,    /* exec: the process to wait for sends its own pidfd */
};

struct sync_msg {
        uint32_t type;
        int32_t errnum;
        char text[NOOK_ERR_MSG_MAX];
};

int sync_socketpair(int fds[2], struct nook_err *err);
int sync_send(int fd, enum sync_type type, struct nook_err *err);
int sync_send_error(int fd, const struct nook_err *cause);
/* Sends a message with an fd attached. */
int sync_send_fd(int fd, enum sync_type type, int payload, struct nook_err *err);
/* Waits for a message of the given type.  A SYNC_ERROR from the peer is copied into err
 * (as the child wrote it) and gives -1; so does EOF, with errnum EPIPE.  When
 * payload is not NULL an attached fd is returned there. */
int sync_expect(int fd, enum sync_type type, int *payload, struct nook_err *err);

/* For a failure of our own while the peer worked on: when the peer has died of an
 * error it reported (which is often why we failed: its /proc entries are gone), that
 * error replaces ours in err.  Does not wait. */
void sync_prefer_peer_error(int fd, struct nook_err *err);

/* After the child was told to exec: 0 when the socket closes (close-on-exec fired, so
 * execve succeeded), -1 with the child's error when it sends SYNC_ERROR instead. */
int sync_wait_exec(int fd, struct nook_err *err);

#endif
