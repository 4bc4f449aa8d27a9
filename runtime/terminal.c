#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/util.h"

/* The slave side of master: TIOCGPTPEER (Linux 4.13) opens it through the master, so it
 * is the right pts even if another devpts is mounted over /dev/pts; the path is the
 * fallback for older kernels. */
static int open_slave(int master, const char *pts_path, struct nook_err *err)
{
        int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

        if (fd < 0 && (errno == EINVAL || errno == ENOTTY))
                fd = open(pts_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return nook_err_sys(err, "open %s", pts_path);
        return fd;
}

int terminal_open_in_child(uint32_t rows, uint32_t cols, int *master, char *pts_path,
                           size_t pts_len, struct nook_err *err)
{
        _cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        _cleanup_close_ int slave = -1;
        int r;

        if (m < 0)
                return nook_err_sys(err, "open /dev/ptmx");
        if (unlockpt(m) < 0)
                return nook_err_sys(err, "unlockpt /dev/ptmx");
        r = ptsname_r(m, pts_path, pts_len);
        if (r != 0)
                return nook_err_set(err, r, "ptsname of /dev/ptmx");
        if (rows != 0 && cols != 0) {
                struct winsize ws = {.ws_row = (unsigned short)rows,
                                     .ws_col = (unsigned short)cols};

                if (ioctl(m, TIOCSWINSZ, &ws) < 0)
                        return nook_err_sys(err, "set window size of %s", pts_path);
        }
        slave = open_slave(m, pts_path, err);
        if (slave < 0)
                return -1;
        if (setsid() < 0)
                return nook_err_sys(err, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return nook_err_sys(err, "make %s the controlling terminal", pts_path);
        for (int i = 0; i <= STDERR_FILENO; i++) {
                if (dup2(slave, i) < 0)
                        return nook_err_sys(err, "dup2 %s onto fd %d", pts_path, i);
        }
        *master = TAKE_FD(m);
        return 0;
}

int terminal_send_to_socket(const char *path, int fd, struct nook_err *err)
{
        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        char name[64];
        unsigned int ptn;

        if (sock < 0)
                return nook_err_sys(err, "console socket %s: socket", path);
        if (strlen(path) >= sizeof(addr.sun_path))
                return nook_err_set(err, ENAMETOOLONG, "console socket %s", path);
        strcpy(addr.sun_path, path);
        if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return nook_err_sys(err, "connect to console socket %s", path);

        /* The name is informational (the receivers only want the fd); it is the name
         * inside the container's devpts, which ptsname_r could not verify from here. */
        if (ioctl(fd, TIOCGPTN, &ptn) == 0)
                snprintf(name, sizeof(name), "/dev/pts/%u", ptn);
        else
                snprintf(name, sizeof(name), "/dev/ptmx");
        if (fd_send(sock, name, strlen(name), fd) < 0)
                return nook_err_sys(err, "send the pty master to console socket %s", path);
        return 0;
}

/* Our terminal's mode before the relay made it raw; restored however the relay ends. */
struct saved_tty {
        bool saved;
        struct termios termios;
};

static void restore_tty(struct saved_tty *t)
{
        if (t->saved)
                tcsetattr(STDIN_FILENO, TCSANOW, &t->termios);
}

static int make_raw(struct saved_tty *t, struct nook_err *err)
{
        struct termios raw;

        if (tcgetattr(STDIN_FILENO, &t->termios) < 0)
                return nook_err_sys(err, "get terminal attributes of stdin");
        raw = t->termios;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
                return nook_err_sys(err, "set stdin to raw mode");
        t->saved = true;
        return 0;
}

/* Best effort: a missed resize only makes the container's layout stale. */
static void copy_window_size(int master)
{
        struct winsize ws;

        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(master, TIOCSWINSZ, &ws);
}

/* Outcome of moving one chunk from one fd to another. */
enum copy_result { COPY_OK, COPY_AGAIN, COPY_EOF, COPY_ERROR };

static enum copy_result copy_chunk(int from, int to)
{
        char buf[8192];
        ssize_t n;

        do
                n = read(from, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return COPY_AGAIN;
        /* EIO on the master means every slave fd is closed: the same as EOF. */
        if (n == 0 || (n < 0 && errno == EIO))
                return COPY_EOF;
        if (n < 0)
                return COPY_ERROR;
        return write_all(to, buf, (size_t)n) < 0 ? COPY_ERROR : COPY_OK;
}

/* After the process exited: whatever it wrote last may still be on its way.  The
 * kernel moves a pty's output to the master side asynchronously (the tty flip buffer),
 * so an empty master right after the exit does not mean the end: read until the slave
 * side is closed (EIO) or nothing came for a while, as when a process left in the
 * container still holds the terminal.  (exec --tty lost its last line this way under
 * ASan.) */
static int drain_master(int master, struct nook_err *err)
{
        struct pollfd p = {.fd = master, .events = POLLIN};
        int flags = fcntl(master, F_GETFL);

        if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
                return nook_err_sys(err, "make the pty master non-blocking");
        for (;;) {
                enum copy_result r;
                int n = poll(&p, 1, 200);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return nook_err_sys(err, "poll the pty");
                if (n == 0)
                        return 0;
                /* Also on POLLHUP alone: reading the master flushes what is pending. */
                r = copy_chunk(master, STDOUT_FILENO);
                if (r == COPY_ERROR)
                        return nook_err_sys(err, "relay the pty output");
                if (r != COPY_OK)
                        return 0;
        }
}

static int handle_signal(int master, int sigfd, void (*on_signal)(int signo, void *ctx), void *ctx,
                         struct nook_err *err)
{
        struct signalfd_siginfo si;
        ssize_t n;

        do
                n = read(sigfd, &si, sizeof(si));
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 0;
        if (n < 0)
                return nook_err_sys(err, "read signalfd");
        if (n != (ssize_t)sizeof(si))
                return nook_err_set(err, EIO, "read signalfd: short read of %zd bytes", n);
        if (si.ssi_signo == SIGWINCH)
                copy_window_size(master);
        else if (on_signal != NULL)
                on_signal((int)si.ssi_signo, ctx);
        return 0;
}

enum { POLL_MASTER, POLL_STDIN, POLL_PIDFD, POLL_SIGFD, POLL_COUNT };

int terminal_relay(int master, int pidfd, int sigfd, void (*on_signal)(int signo, void *ctx),
                   void *ctx, struct nook_err *err)
{
        _cleanup_(restore_tty) struct saved_tty tty = {.saved = false};
        struct pollfd p[POLL_COUNT] = {
            [POLL_MASTER] = {.fd = master, .events = POLLIN},
            [POLL_STDIN] = {.fd = STDIN_FILENO, .events = POLLIN},
            [POLL_PIDFD] = {.fd = pidfd, .events = POLLIN},
            [POLL_SIGFD] = {.fd = sigfd, .events = POLLIN},
        };

        if (isatty(STDIN_FILENO)) {
                if (make_raw(&tty, err) < 0)
                        return -1;
                copy_window_size(master);
        }
        for (;;) {
                enum copy_result r;

                /* poll ignores negative fds: that is how stdin drops out after EOF. */
                if (poll(p, POLL_COUNT, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return nook_err_sys(err, "poll the terminal relay");
                }
                if (p[POLL_MASTER].revents & POLLIN) {
                        r = copy_chunk(master, STDOUT_FILENO);
                        if (r == COPY_EOF)
                                return 0;
                        if (r == COPY_ERROR)
                                return nook_err_sys(err, "relay the pty output");
                } else if (p[POLL_MASTER].revents & (POLLHUP | POLLERR)) {
                        return 0;
                }
                if (p[POLL_STDIN].revents & POLLNVAL) {
                        p[POLL_STDIN].fd = -1; /* no stdin at all */
                } else if (p[POLL_STDIN].revents) {
                        r = copy_chunk(STDIN_FILENO, master);
                        if (r == COPY_EOF)
                                p[POLL_STDIN].fd = -1;
                        else if (r == COPY_ERROR && errno == EIO)
                                return 0; /* the slave side is gone */
                        else if (r == COPY_ERROR)
                                return nook_err_sys(err, "relay stdin to the pty");
                }
                if (p[POLL_SIGFD].revents && handle_signal(master, sigfd, on_signal, ctx, err) < 0)
                        return -1;
                if (p[POLL_PIDFD].revents)
                        return drain_master(master, err);
        }
}
