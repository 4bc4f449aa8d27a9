#include "manager/console.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "ns/ns.h"

/* Copies what was appended to fd since *off to out_fd. */
static int copy_new(int fd, off_t *off, int out_fd, struct nook_err *err)
{
        char buf[65536];
        ssize_t n;

        while ((n = pread(fd, buf, sizeof(buf), *off)) > 0) {
                if (write_all(out_fd, buf, (size_t)n) < 0)
                        return nook_err_sys(err, "write the console");
                *off += n;
        }
        return 0;
}

int ct_console(const struct ct *c, bool follow, int out_fd, struct nook_err *err)
{
        _cleanup_free_ char *log = ct_path(c, "console.log");
        _cleanup_close_ int fd = open(log, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int pidfd = -1;
        off_t off = 0;
        pid_t pid;

        if (fd >= 0 && copy_new(fd, &off, out_fd, err) < 0)
                return -1;
        if (!follow || !ct_running(c, &pid) || (pidfd = ns_pidfd_open(pid)) < 0)
                return 0;
        /* The log may appear only once the init writes; poll it until the init ends. */
        for (struct pollfd pf = {.fd = pidfd, .events = POLLIN}; poll(&pf, 1, 200) == 0;) {
                if (fd < 0)
                        fd = open(log, O_RDONLY | O_CLOEXEC);
                if (fd >= 0 && copy_new(fd, &off, out_fd, err) < 0)
                        return -1;
        }
        return fd >= 0 ? copy_new(fd, &off, out_fd, err) : 0;
}
