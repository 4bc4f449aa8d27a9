/* Freezing a container's cgroup (cgroup.freeze) and reading its interface files for
 * statistics. */
#include "cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* How long a freeze may take before we give up: a task in an uninterruptible sleep
 * (e.g. on a stuck NFS server) delays it. */
#define FREEZE_TIMEOUT_MS 10000

int cgroup_read(const char *path, const char *file, char **out, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL, *full = NULL;

        if (cgroup_directory(path, &dir, err) < 0)
                return -1;
        full = xasprintf("%s/%s", dir, file);
        return read_file(full, out, NULL, 1 << 20, err);
}

static bool events_say_frozen(const char *events)
{
        return strstr(events, "frozen 1") != NULL;
}

bool cgroup_is_frozen(const char *path)
{
        _cleanup_free_ char *events = NULL;

        if (cgroup_read(path, "cgroup.events", &events, NULL) < 0)
                return false;
        return events_say_frozen(events);
}

int cgroup_freeze(const char *path, bool frozen, struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL, *events = NULL, *knob = NULL;
        _cleanup_close_ int fd = -1;
        uint64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;

        if (cgroup_directory(path, &dir, err) < 0)
                return -1;
        events = xasprintf("%s/cgroup.events", dir);
        knob = xasprintf("%s/cgroup.freeze", dir);
        fd = open(events, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return nook_err_sys(err, "open %s", events);
        if (write_file_at(AT_FDCWD, knob, frozen ? "1" : "0", 1, err) < 0)
                return -1;
        /* The kernel flags cgroup.events with POLLPRI when "frozen" changes; the state
         * is re-read every round as the change may come before the poll. */
        for (;;) {
                char buf[512];
                ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
                struct pollfd p = {.fd = fd, .events = POLLPRI};
                uint64_t now = now_ms();

                if (r < 0)
                        return nook_err_sys(err, "read %s", events);
                buf[r] = '\0';
                if (events_say_frozen(buf) == frozen)
                        return 0;
                if (now >= deadline)
                        return nook_err_set(err, ETIMEDOUT, "%s: still %s after %d s", dir,
                                            frozen ? "not frozen" : "frozen",
                                            FREEZE_TIMEOUT_MS / 1000);
                if (poll(&p, 1, (int)(deadline - now > 100 ? 100 : deadline - now)) < 0 &&
                    errno != EINTR)
                        return nook_err_sys(err, "poll %s", events);
        }
}
