#include "runtime/cloned_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/oci.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: say so, or the kernel logs a warning per memfd */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool cloned_binary_needed(const struct oci_config *c)
{
        const struct oci_process *p = c->process;

        if (oci_config_has_namespace(c, CLONE_NEWUSER))
                return false;
        return p == NULL || (p->caps.bounding & (1ULL << CAP_SYS_PTRACE));
}

static bool is_sealed(int fd)
{
        int seals = fcntl(fd, F_GET_SEALS);

        return seals >= 0 && (seals & SEALS) == SEALS;
}

bool cloned_binary_is_sealed(void)
{
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

        return fd >= 0 && is_sealed(fd);
}

static int make_sealed_copy(struct nook_err *err)
{
        _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int memfd = -1;
        struct stat st;
        off_t left;

        if (exe < 0 || fstat(exe, &st) < 0)
                return nook_err_sys(err, "open /proc/self/exe");
        memfd = memfd_create("nook", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (memfd < 0 && errno == EINVAL)
                memfd = memfd_create("nook", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0)
                return nook_err_sys(err, "memfd_create");
        for (left = st.st_size; left > 0;) {
                ssize_t n = sendfile(memfd, exe, NULL, (size_t)left);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return nook_err_sys(err, "copy /proc/self/exe into a memfd");
                left -= n;
        }
        if (fcntl(memfd, F_ADD_SEALS, SEALS) < 0)
                return nook_err_sys(err, "seal the memfd");
        return TAKE_FD(memfd);
}

/* The arguments we were started with; runc does the same, so that no caller has to hand
 * argv down to the library. */
static int read_argv(char ***argv, struct nook_err *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;

        if (read_file("/proc/self/cmdline", &buf, &len, 0, err) < 0)
                return -1;
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
                strv_push(argv, buf + i);
        if (*argv == NULL)
                return nook_err_set(err, EINVAL, "/proc/self/cmdline is empty");
        return 0;
}

int cloned_binary_ensure(struct nook_err *err)
{
        _cleanup_strv_ char **argv = NULL;
        _cleanup_close_ int memfd = -1;

        if (cloned_binary_is_sealed()) {
                unsetenv(CLONED_BINARY_ENV);
                return 0;
        }
        if (getenv(CLONED_BINARY_ENV) != NULL)
                return nook_err_set(err, 0,
                                    "re-executed from a memfd, but /proc/self/exe is not sealed");
        if (read_argv(&argv, err) < 0)
                return -1;
        memfd = make_sealed_copy(err);
        if (memfd < 0)
                return nook_err_prefix(err, "re-execute from a sealed copy");
        if (setenv(CLONED_BINARY_ENV, "1", 1) < 0)
                return nook_err_sys(err, "setenv %s", CLONED_BINARY_ENV);
        fexecve(memfd, argv, environ);
        unsetenv(CLONED_BINARY_ENV);
        return nook_err_sys(err, "re-execute from a sealed copy: fexecve");
}
