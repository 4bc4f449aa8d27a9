/* recvtty: the receiving end of `nook create --console-socket` for the tests, like
 * runc's recvtty.
 *
 *   recvtty SOCKET_PATH [--once] [--input STRING]
 *
 * Listens on SOCKET_PATH, accepts one connection, receives the pty master sent with
 * SCM_RIGHTS, writes STRING to it if given, and copies everything the container prints
 * to stdout until the pty closes; then exits 0 (1 with a message on any error).  Only one
 * connection is ever served, so --once is accepted for compatibility and changes nothing.
 * SOCKET_PATH appears only once the socket listens, so a test may wait for the file
 * before it starts nook.  Links only libc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
        fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
        exit(1);
}

static void usage(void)
{
        fprintf(stderr, "usage: recvtty SOCKET_PATH [--once] [--input STRING]\n");
        exit(1);
}

static void write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        die("write");
                buf += n;
                len -= (size_t)n;
        }
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
                die("rename the socket into place");
        return fd;
}

static int accept_one(int listener)
{
        int conn;

        do
                conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        while (conn < 0 && errno == EINTR);
        if (conn < 0)
                die("accept");
        return conn;
}

/* The first fd attached to the message; the data (the pts name) is not needed. */
static int receive_fd(int conn)
{
        char data[256];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = control.buf,
                            .msg_controllen = sizeof(control.buf)};
        ssize_t n;

        do
                n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                die("recvmsg");
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
                        return fd;
                }
        }
        fprintf(stderr, "recvtty: no fd received\n");
        exit(1);
}

/* EIO from a pty master means the last slave fd is closed: the normal end. */
static void copy_to_stdout(int master)
{
        char buf[8192];

        for (;;) {
                ssize_t n = read(master, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0 || (n < 0 && errno == EIO))
                        return;
                if (n < 0)
                        die("read the pty master");
                write_all(STDOUT_FILENO, buf, (size_t)n);
        }
}

int main(int argc, char **argv)
{
        const char *path = NULL, *input = NULL;
        int listener, conn, master;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--once") == 0)
                        continue;
                if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
                        input = argv[++i];
                else if (argv[i][0] != '-' && path == NULL)
                        path = argv[i];
                else
                        usage();
        }
        if (path == NULL)
                usage();

        listener = listen_at(path);
        conn = accept_one(listener);
        close(listener);
        unlink(path);
        master = receive_fd(conn);
        close(conn);
        if (input != NULL)
                write_all(master, input, strlen(input));
        copy_to_stdout(master);
        return 0;
}
