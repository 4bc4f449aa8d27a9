#include "runtime/sync.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"

static const char *sync_type_name(uint32_t type)
{
        static const char *const names[] = {
            [SYNC_ERROR] = "error",
            [SYNC_CHILD_STARTED] = "child-started",
            [SYNC_PARENT_READY] = "parent-ready",
            [SYNC_HOST_READY] = "host-ready",
            [SYNC_RUN_PRESTART] = "run-prestart",
            [SYNC_HOOKS_DONE] = "hooks-done",
            [SYNC_CHILD_READY] = "child-ready",
            [SYNC_PTY_MASTER] = "pty-master",
            [SYNC_START] = "start",
            [SYNC_SECCOMP_FD] = "seccomp-fd",
            [SYNC_EXEC_PIDFD] = "exec-pidfd",
        };

        if (type < ARRAY_SIZE(names) && names[type] != NULL)
                return names[type];
        return "unknown";
}

int sync_socketpair(int fds[2], struct nook_err *err)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return nook_err_sys(err, "socketpair for the sync channel");
        return 0;
}

static int send_msg(int fd, const struct sync_msg *msg, int payload, struct nook_err *err)
{
        if (fd_send(fd, msg, sizeof(*msg), payload) < 0)
                return nook_err_sys(err, "send sync message %s", sync_type_name(msg->type));
        return 0;
}

int sync_send(int fd, enum sync_type type, struct nook_err *err)
{
        return sync_send_fd(fd, type, -1, err);
}

int sync_send_fd(int fd, enum sync_type type, int payload, struct nook_err *err)
{
        struct sync_msg msg = {.type = type};

        return send_msg(fd, &msg, payload, err);
}

int sync_send_error(int fd, const struct nook_err *cause)
{
        struct sync_msg msg = {.type = SYNC_ERROR, .errnum = cause->errnum};

        snprintf(msg.text, sizeof(msg.text), "%s", cause->msg);
        return send_msg(fd, &msg, -1, NULL);
}

/* Takes the fds out of the control data: the first goes to *fd, extra ones (a confused
 * or hostile peer) are closed. */
static void take_fds(struct msghdr *mh, int *fd)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                size_t n;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int f;

                        memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (*fd < 0)
                                *fd = f;
                        else
                                close(f);
                }
        }
}

/* Receives one message; 0 at EOF, 1 with a message (its fd in *received), -1 on error. */
static int recv_msg(int fd, struct sync_msg *msg, int *received, struct nook_err *err)
{
        union {
                char buf[CMSG_SPACE(4 * sizeof(int))];
                struct cmsghdr align;
        } control;
        struct iovec iov = {.iov_base = msg, .iov_len = sizeof(*msg)};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = control.buf,
                            .msg_controllen = sizeof(control.buf)};
        ssize_t r;

        do
                r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return nook_err_sys(err, "receive sync message");
        take_fds(&mh, received);
        if (r == 0)
                return 0;
        if ((size_t)r != sizeof(*msg) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
                return nook_err_set(err, EPROTO, "receive sync message: malformed (%zd bytes)", r);
        if (msg->type == SYNC_ERROR) {
                msg->text[sizeof(msg->text) - 1] = '\0';
                return nook_err_set(err, msg->errnum, "%s", msg->text);
        }
        return 1;
}

int sync_expect(int fd, enum sync_type type, int *payload, struct nook_err *err)
{
        _cleanup_close_ int received = -1;
        struct sync_msg msg;
        int r = recv_msg(fd, &msg, &received, err);

        if (r < 0)
                return -1;
        if (r == 0)
                return nook_err_set(err, EPIPE,
                                    "the other side closed the sync channel "
                                    "(waiting for %s)",
                                    sync_type_name(type));
        if (msg.type != (uint32_t)type)
                return nook_err_set(err, EPROTO, "sync: got message %s (%u), expected %s (%u)",
                                    sync_type_name(msg.type), msg.type, sync_type_name(type),
                                    (unsigned)type);
        if (payload != NULL) {
                if (received < 0)
                        return nook_err_set(err, EPROTO, "sync message %s: no fd attached",
                                            sync_type_name(type));
                *payload = TAKE_FD(received);
        }
        return 0;
}

void sync_prefer_peer_error(int fd, struct nook_err *err)
{
        _cleanup_close_ int received = -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        struct sync_msg msg = {0};
        struct nook_err peer = {0};

        if (poll(&pfd, 1, 0) == 1 && recv_msg(fd, &msg, &received, &peer) < 0 &&
            msg.type == SYNC_ERROR && err)
                *err = peer;
}

int sync_wait_exec(int fd, struct nook_err *err)
{
        _cleanup_close_ int received = -1;
        struct sync_msg msg;
        int r = recv_msg(fd, &msg, &received, err);

        if (r <= 0)
                return r; /* EOF: close-on-exec fired, the exec happened */
        return nook_err_set(err, EPROTO, "sync: got message %s while waiting for the exec",
                            sync_type_name(msg.type));
}
