#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

static void oom(void)
{
        static const char msg[] = "nook: out of memory\n";
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        abort();
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (p == NULL)
                oom();
        return p;
}

void *xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);
        if (p == NULL)
                oom();
        return p;
}

void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (p == NULL)
                oom();
        return p;
}

char *xstrdup(const char *s)
{
        char *p = strdup(s);
        if (p == NULL)
                oom();
        return p;
}

char *xstrndup(const char *s, size_t n)
{
        char *p = strndup(s, n);
        if (p == NULL)
                oom();
        return p;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *p;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&p, fmt, ap);
        va_end(ap);
        if (r < 0)
                oom();
        return p;
}

void strv_free(char **v)
{
        if (v == NULL)
                return;
        for (char **i = v; *i; i++)
                free(*i);
        free(v);
}

size_t strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

char **strv_dup(char *const *v)
{
        size_t n = strv_length(v);
        char **r = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                r[i] = xstrdup(v[i]);
        return r;
}

void strv_push(char ***v, const char *s)
{
        size_t n = strv_length(*v);
        *v = xrealloc(*v, (n + 2) * sizeof(char *));
        (*v)[n] = xstrdup(s);
        (*v)[n + 1] = NULL;
}

bool str_has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len, size_t max,
                 struct nook_err *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        size_t used = 0, cap = 4096;

        if (fd < 0)
                return nook_err_sys(err, "open %s", path);
        buf = xmalloc(cap);
        for (;;) {
                ssize_t r;

                if (used + 1 >= cap) {
                        cap *= 2;
                        buf = xrealloc(buf, cap);
                }
                r = read(fd, buf + used, cap - used - 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return nook_err_sys(err, "read %s", path);
                if (r == 0)
                        break;
                used += (size_t)r;
                if (max && used > max)
                        return nook_err_set(err, EFBIG, "read %s", path);
        }
        buf[used] = '\0';
        if (len)
                *len = used;
        *out = TAKE_PTR(buf);
        return 0;
}

int read_file(const char *path, char **out, size_t *len, size_t max, struct nook_err *err)
{
        return read_file_at(AT_FDCWD, path, out, len, max, err);
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, struct nook_err *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);

        if (fd < 0)
                return nook_err_sys(err, "open %s", path);
        if (write_all(fd, data, len) < 0)
                return nook_err_sys(err, "write %s", path);
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      struct nook_err *err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (fd < 0)
                return nook_err_sys(err, "create %s", tmp);
        if (write_all(fd, data, len) < 0) {
                nook_err_sys(err, "write %s", tmp);
                unlink(tmp);
                return -1;
        }
        if (rename(tmp, path) < 0) {
                nook_err_sys(err, "rename %s", path);
                unlink(tmp);
                return -1;
        }
        return 0;
}

int mkdir_p(const char *path, mode_t mode, struct nook_err *err)
{
        _cleanup_free_ char *copy = xstrdup(path);

        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return nook_err_sys(err, "mkdir %s", copy);
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return nook_err_sys(err, "mkdir %s", copy);
        return 0;
}

int remove_tree_at(int parent_fd, const char *name, struct nook_err *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                if (errno == ENOTDIR || errno == ELOOP) {
                        if (unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT)
                                return nook_err_sys(err, "unlink %s", name);
                        return 0;
                }
                return nook_err_sys(err, "open %s", name);
        }
        d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return nook_err_sys(err, "opendir %s", name);
        }
        while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (de->d_type == DT_DIR) {
                        if (remove_tree_at(dirfd(d), de->d_name, err) < 0)
                                return -1;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        return nook_err_sys(err, "unlink %s/%s", name, de->d_name);
                }
        }
        if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return nook_err_sys(err, "rmdir %s", name);
        return 0;
}

int parse_uint64(const char *s, uint64_t *out)
{
        char *end;
        unsigned long long v;

        if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
                return -1;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -1;
        *out = v;
        return 0;
}

int parse_int64(const char *s, int64_t *out)
{
        char *end;
        long long v;

        if (s == NULL || *s == '\0' || *s == ' ')
                return -1;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -1;
        *out = v;
        return 0;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t r = write(fd, p + done, len - done);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -1;
                done += (size_t)r;
        }
        return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t r = read(fd, p + done, len - done);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -1;
                if (r == 0)
                        break;
                done += (size_t)r;
        }
        return (ssize_t)done;
}

/* Reads /proc/<pid>/stat and returns a pointer to field 3 (state): comm may contain
 * spaces and parentheses, so fields restart after the last ')'. */
static char *read_proc_stat(pid_t pid, char *buf, size_t len)
{
        char path[64];
        _cleanup_close_ int fd = -1;
        ssize_t n;
        char *p;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        n = read_all(fd, buf, len - 1);
        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (p == NULL || p[1] != ' ')
                return NULL;
        return p + 2;
}

int proc_start_time(pid_t pid, uint64_t *out)
{
        char buf[1024];
        char *p = read_proc_stat(pid, buf, sizeof(buf));

        if (p == NULL)
                return -1;
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (p == NULL)
                        return -1;
                p++;
        }
        *out = strtoull(p, NULL, 10);
        return 0;
}

bool proc_is_zombie(pid_t pid)
{
        char buf[1024];
        char *p = read_proc_stat(pid, buf, sizeof(buf));

        return p != NULL && (*p == 'Z' || *p == 'X');
}

uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
