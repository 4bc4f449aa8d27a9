/* libcriu through dlopen, and CRIU's own verdict on this kernel (criu check). */
#include "runtime/criu.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

#define LIBCRIU "libcriu.so.2"

static struct nook_criu criu;
static bool loaded;

static int load(struct nook_err *err)
{
        void *h;

        if (loaded)
                return 0;
        h = dlopen(LIBCRIU, RTLD_NOW | RTLD_LOCAL);
        if (h == NULL)
                return nook_err_set(err, ENOSYS,
                                    "checkpoint/restore needs CRIU: %s (install Debian's criu "
                                    "package)",
                                    dlerror());
#define NOOK_CRIU_RESOLVE(ret, name, args)                                                         \
        if ((*(void **)&criu.name = dlsym(h, #name)) == NULL)                                      \
                return nook_err_set(err, ENOSYS, "%s has no %s: CRIU is too old", LIBCRIU, #name);
        NOOK_CRIU_FUNCTIONS(NOOK_CRIU_RESOLVE)
#undef NOOK_CRIU_RESOLVE
        loaded = true;
        return 0;
}

/* The first "Error (file:line): message" of CRIU's output, without its origin. */
static char *error_in(char *text)
{
        char *line = strstr(text, "Error (");
        char *end;

        if (line == NULL)
                return NULL;
        end = strchr(line, '\n');
        if (end)
                *end = '\0';
        if ((end = strstr(line, "): ")) != NULL)
                line = end + 3;
        return xstrdup(line);
}

static char *first_error(int dirfd, const char *log)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (read_file_at(dirfd, log, &text, &len, 16 << 20, NULL) < 0)
                return NULL;
        return error_in(text);
}

static char *criu_version_text(void)
{
        /* libcriu asks the criu binary, with the options it is given. */
        int v = criu.criu_init_opts() < 0 ? -1 : criu.criu_get_version();

        if (v <= 0)
                return xstrdup("CRIU");
        return xasprintf("CRIU %d.%d.%d", v / 10000, v / 100 % 100, v % 100);
}

/* CRIU's own verdict on this kernel: the exit status of `criu check` and, when it
 * fails, its first error.  (On kernels CRIU does not know, libcriu's RPC check dies in
 * the vDSO probe before it logs anything.) */
static int check(struct nook_err *err)
{
        _cleanup_free_ char *why = NULL, *version = NULL;
        char text[16384];
        struct utsname u;
        FILE *p = popen("criu check 2>&1", "re");
        size_t n;
        int status;

        if (p == NULL)
                return nook_err_sys(err, "run criu check");
        n = fread(text, 1, sizeof(text) - 1, p);
        text[n] = '\0';
        status = pclose(p);
        if (status == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return nook_err_set(err, ENOENT,
                                    "checkpoint/restore needs CRIU: no criu binary in PATH "
                                    "(install Debian's criu package)");
        why = error_in(text);
        version = criu_version_text();
        uname(&u);
        return nook_err_set(err, 0, "%s cannot work on kernel %s (criu check: %s)", version,
                            u.release, why ? why : "failed");
}

static int usable(struct nook_err *err)
{
        /* Once a process: the kernel and CRIU do not change under it, and a migration
         * dumps three times, the last inside the container's downtime. */
        static bool checked;

        if (geteuid() != 0)
                return nook_err_set(err, EPERM, "checkpoint/restore needs root");
        if (checked)
                return 0;
        if (load(err) < 0 || check(err) < 0)
                return -1;
        checked = true;
        return 0;
}

int nook_criu_open(int work_dir_fd, const char *log, const struct nook_criu **out,
                   struct nook_err *err)
{
        if (usable(err) < 0)
                return -1;
        if (criu.criu_init_opts() < 0)
                return nook_err_set(err, ENOMEM, "libcriu: cannot initialise its options");
        criu.criu_set_work_dir_fd(work_dir_fd);
        criu.criu_set_log_level(4);
        criu.criu_set_log_file(log);
        if (out)
                *out = &criu;
        return 0;
}

int nook_criu_failed(const char *what, const char *work_dir, const char *log, struct nook_err *err)
{
        _cleanup_close_ int fd = open(work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *why = fd >= 0 ? first_error(fd, log) : NULL;

        return nook_err_set(err, 0, "CRIU %s failed: %s (log: %s/%s)", what,
                            why ? why : "see its log", work_dir, log);
}

bool nook_criu_available(char **why)
{
        struct nook_err err = {0};
        char buf[NOOK_ERR_MSG_MAX];

        *why = NULL;
        if (usable(&err) == 0)
                return true;
        *why = xstrdup(nook_err_format(&err, buf, sizeof(buf)));
        return false;
}
