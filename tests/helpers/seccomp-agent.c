/* seccomp-agent: the receiving end of linux.seccomp.listenerPath for the tests.
 *
 *   seccomp-agent SOCKET_PATH STATE_FILE
 *
 * Listens on SOCKET_PATH and accepts one connection: the runtime's "container process
 * state" JSON goes to STATE_FILE (written once the connection closes) and the seccomp
 * notify fd comes with it (SCM_RIGHTS).  Then it answers every notified syscall with
 * EPERM, printing "syscall NR" on stdout for each, until no process uses the filter any
 * more; then exits 0 (1 with a message on any error, or after 60 s without events).
 * SOCKET_PATH appears only once the socket listens.  Links only libc. */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define IDLE_TIMEOUT_MS 60000

static void die(const char *what)
{
        fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
        exit(1);
}

/* Binds under a temporary name and renames it into place after listen(), so that a
 * client never finds the path before it can connect. */
static int listen_at(const char *path)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int n;

        if (fd < 0)
                die("socket");
        n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.tmp", path);
        if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
                errno = ENAMETOOLONG;
                die(path);
        }
        unlink(addr.sun_path);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                die("bind");
        if (listen(fd, 1) < 0)
                die("listen");
        if (rename(addr.sun_path, path) < 0)
                die("rename");
        return fd;
}

/* Waits until fd is readable (or hung up); gives up after IDLE_TIMEOUT_MS. */
static short wait_readable(int fd, const char *what)
{
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r;

        do
                r = poll(&pfd, 1, IDLE_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                die("poll");
        if (r == 0) {
                errno = ETIMEDOUT;
                die(what);
        }
        return pfd.revents;
}

/* Reads the whole message; the fd arrives with its first part. */
static int receive_state(int conn, const char *state_file)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        char buf[65536];
        size_t len = 0;
        int notify_fd = -1;
        FILE *f;

        for (;;) {
                struct iovec iov = {.iov_base = buf + len, .iov_len = sizeof(buf) - len};
                struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
                ssize_t n;

                if (notify_fd < 0) {
                        mh.msg_control = control.buf;
                        mh.msg_controllen = sizeof(control.buf);
                }
                n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        die("recvmsg");
                if (n == 0)
                        break;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                                memcpy(&notify_fd, CMSG_DATA(c), sizeof(int));
                len += (size_t)n;
                if (len == sizeof(buf)) {
                        errno = EMSGSIZE;
                        die("receive the state");
                }
        }
        f = fopen(state_file, "w");
        if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
                die(state_file);
        if (notify_fd < 0) {
                errno = EBADF;
                die("no notify fd came with the state");
        }
        return notify_fd;
}

static void answer_notifications(int notify_fd)
{
        struct seccomp_notif_sizes sizes;
        struct seccomp_notif *req;
        struct seccomp_notif_resp *resp;

        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                die("SECCOMP_GET_NOTIF_SIZES");
        req = calloc(1, sizes.seccomp_notif);
        resp = calloc(1, sizes.seccomp_notif_resp);
        if (req == NULL || resp == NULL)
                die("calloc");
        for (;;) {
                /* POLLHUP without POLLIN: the filtered processes are gone. */
                if (!(wait_readable(notify_fd, "waiting for notifications") & POLLIN))
                        break;
                memset(req, 0, sizes.seccomp_notif);
                if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
                        if (errno == EINTR || errno == ENOENT)
                                continue; /* ENOENT: the caller died meanwhile */
                        die("SECCOMP_IOCTL_NOTIF_RECV");
                }
                printf("syscall %d\n", req->data.nr);
                fflush(stdout);
                memset(resp, 0, sizes.seccomp_notif_resp);
                resp->id = req->id;
                resp->error = -EPERM;
                if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
                        die("SECCOMP_IOCTL_NOTIF_SEND");
        }
        free(req);
        free(resp);
}

int main(int argc, char **argv)
{
        int sock, conn, notify_fd;

        if (argc != 3) {
                fprintf(stderr, "usage: seccomp-agent SOCKET_PATH STATE_FILE\n");
                return 1;
        }
        sock = listen_at(argv[1]);
        wait_readable(sock, "waiting for the runtime");
        do
                conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
        while (conn < 0 && errno == EINTR);
        if (conn < 0)
                die("accept");
        notify_fd = receive_state(conn, argv[2]);
        close(conn);
        close(sock);
        answer_notifications(notify_fd);
        close(notify_fd);
        return 0;
}
