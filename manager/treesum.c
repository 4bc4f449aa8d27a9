/* A template's checksum: SHA-256 over its tree in name order, each entry's relative
 * path, type and mode, owner, and content (a file's bytes, a link's target, a device's
 * number).  Times are left out: two hosts that built the same template at different
 * moments hold the same files. */
#include "manager/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/util.h"

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sum_file(int dirfd, const char *name, struct sha256 *s, struct nook_err *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char buf[65536];
        ssize_t n;

        if (fd < 0)
                return nook_err_sys(err, "open %s", name);
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                sha256_update(s, buf, (size_t)n);
        return n < 0 ? nook_err_sys(err, "read %s", name) : 0;
}

static int sum_dir(int dirfd, const char *rel, struct sha256 *s, struct nook_err *err);

static int sum_entry(int dirfd, const char *rel, const char *name, struct sha256 *s,
                     struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", rel, name);
        char head[128], target[4096];
        struct stat sb;
        int n;

        if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
                return nook_err_sys(err, "stat %s", path);
        n = snprintf(head, sizeof(head), "%o %u %u %" PRIu64 " ", (unsigned)sb.st_mode,
                     (unsigned)sb.st_uid, (unsigned)sb.st_gid,
                     S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? (uint64_t)sb.st_rdev
                                                                : (uint64_t)sb.st_size);
        sha256_update(s, path, strlen(path) + 1);
        sha256_update(s, head, (size_t)n);
        if (S_ISREG(sb.st_mode))
                return sum_file(dirfd, name, s, err);
        if (S_ISLNK(sb.st_mode)) {
                ssize_t len = readlinkat(dirfd, name, target, sizeof(target));
                if (len < 0)
                        return nook_err_sys(err, "readlink %s", path);
                sha256_update(s, target, (size_t)len);
                return 0;
        }
        if (S_ISDIR(sb.st_mode)) {
                _cleanup_close_ int fd =
                    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return nook_err_sys(err, "open %s", path);
                return sum_dir(TAKE_FD(fd), path, s, err);
        }
        return 0;
}

/* Takes dirfd (closed here). */
static int sum_dir(int dirfd, const char *rel, struct sha256 *s, struct nook_err *err)
{
        DIR *d = fdopendir(dirfd);
        _cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
        struct dirent *e;
        int r = 0;

        if (d == NULL) {
                close(dirfd);
                return nook_err_sys(err, "read %s", rel);
        }
        while ((e = readdir(d)) != NULL)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        strv_push(&names, e->d_name);
        qsort(names, strv_length(names), sizeof(char *), by_name);
        for (char **n = names; *n && r == 0; n++)
                r = sum_entry(dirfd, rel, *n, s, err);
        closedir(d);
        return r;
}

int template_checksum(const struct nook_home *h, const char *name, char out[65],
                      struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;
        struct sha256 s;
        int fd;

        if (template_name_check(name, err) < 0)
                return -1;
        if (!template_exists(h, name))
                return nook_err_set(err, 0, "template %s does not exist", name);
        dir = home_template_dir(h, name);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return nook_err_sys(err, "open %s", dir);
        sha256_init(&s);
        if (sum_dir(fd, "", &s, err) < 0)
                return nook_err_prefix(err, "checksum of template %s", name);
        sha256_hex(&s, out);
        return 0;
}
