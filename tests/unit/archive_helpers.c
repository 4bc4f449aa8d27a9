/* The helpers of the archive tests (tests/unit/archive_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/archive.h"
#include "archive_test.h"

/* ---- helpers --------------------------------------------------------------------------- */

char *make_tmpdir(void)
{
        char *dir = xstrdup("/tmp/nook-test-archive-XXXXXX");

        assert_non_null(mkdtemp(dir));
        return dir;
}

void remove_tmpdir(char *dir)
{
        struct nook_err err = {0};

        if (dir == NULL)
                return;
        if (remove_tree_at(AT_FDCWD, dir, &err) < 0)
                print_error("removing %s: %s\n", dir, err.msg);
        free(dir);
}

void write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
}

char *read_text(const char *path)
{
        struct nook_err err = {0};
        char *text = NULL;

        if (read_file(path, &text, NULL, 0, &err) < 0)
                return NULL;
        return text;
}

void mkdirs(const char *dir, const char *name, mode_t mode)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        struct nook_err err = {0};

        assert_int_equal(mkdir_p(path, mode, &err), 0);
        assert_int_equal(chmod(path, mode), 0);
}

bool is_root(void)
{
        if (geteuid() == 0)
                return true;
        print_message("skipped: device nodes, owners and trusted.* xattrs need root\n");
        return false;
}

void assert_error_mentions(const struct nook_err *err, const char *what)
{
        if (strstr(err->msg, what) == NULL)
                fail_msg("error '%s' does not mention '%s'", err->msg, what);
}

/* Every kind of file a rootfs or an overlayfs upper directory holds. */
void build_tree(const char *dir)
{
        /* A file capability, as ping has: VFS_CAP_REVISION_2 | effective, cap_net_raw. */
        static const uint32_t cap[5] = {0x02000001, 1u << 13, 0, 0, 0};
        _cleanup_free_ char *path = NULL;
        struct timespec times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
        char big[300000];

        mkdirs(dir, "etc", 0755);
        mkdirs(dir, "bin", 0755);
        mkdirs(dir, "dev", 0755);
        mkdirs(dir, "run", 0755);
        mkdirs(dir, "home/user", 0700);
        mkdirs(dir, "upper/opaque", 0755);
        write_text(dir, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
        write_text(dir, "etc/shadow", "root:*:1::::::\n", 0640);
        write_text(dir, "bin/busybox", "#!/bin/true\n", 0755);
        write_text(dir, "bin/su", "setuid\n", 04755);
        write_text(dir, "bin/ping", "ping\n", 0755);
        write_text(dir, "home/user/notes", "mine\n", 0600);
        write_text(dir, "upper/opaque/kept", "kept\n", 0644);
        memset(big, 'x', sizeof(big));
        big[sizeof(big) - 1] = '\0';
        write_text(dir, "big", big, 0644);

        path = xasprintf("%s/home/user", dir);
        assert_int_equal(lchown(path, OWNER, OWNER), 0);
        free(path);
        path = xasprintf("%s/home/user/notes", dir);
        assert_int_equal(lchown(path, OWNER, OWNER + 1), 0);
        assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
        free(path);
        path = xasprintf("%s/bin/sh", dir);
        assert_int_equal(symlink("busybox", path), 0);
        assert_int_equal(lchown(path, OWNER, OWNER), 0);
        free(path);
        path = xasprintf("%s/bin/ls", dir);
        {
                _cleanup_free_ char *target = xasprintf("%s/bin/busybox", dir);

                assert_int_equal(link(target, path), 0);
        }
        free(path);
        path = xasprintf("%s/run/fifo", dir);
        assert_int_equal(mkfifo(path, 0620), 0);
        assert_int_equal(chmod(path, 0620), 0);
        free(path);
        path = xasprintf("%s/dev/null", dir);
        assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 3)), 0);
        assert_int_equal(chmod(path, 0666), 0);
        free(path);
        /* An overlayfs whiteout: a character device 0/0. */
        path = xasprintf("%s/upper/gone", dir);
        assert_int_equal(mknod(path, S_IFCHR, makedev(0, 0)), 0);
        free(path);
        path = xasprintf("%s/upper/opaque", dir);
        assert_int_equal(setxattr(path, "trusted.overlay.opaque", "y", 1, 0), 0);
        free(path);
        path = xasprintf("%s/bin/ping", dir);
        assert_int_equal(setxattr(path, "security.capability", cap, sizeof(cap), 0), 0);
        assert_int_equal(setxattr(path, "user.comment", "hello", 5, 0), 0);
        free(path);
        /* A sparse file: 1 MiB hole between two blocks of data. */
        path = xasprintf("%s/sparse", dir);
        {
                _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

                assert_true(fd >= 0);
                assert_int_equal(pwrite(fd, "head", 4, 0), 4);
                assert_int_equal(pwrite(fd, "tail", 4, 1 << 20), 4);
        }
}

/* ---- tree comparison ------------------------------------------------------------------- */

static const char *cmp_src, *cmp_dst;
static int cmp_count;

static void compare_xattrs(const char *a, const char *b, const char *rel)
{
        char names_a[4096], names_b[4096];
        ssize_t na = llistxattr(a, names_a, sizeof(names_a));
        ssize_t nb = llistxattr(b, names_b, sizeof(names_b));

        if (na != nb)
                fail_msg("%s: xattr names differ (%zd vs %zd bytes)", rel, na, nb);
        for (ssize_t off = 0; off < na; off += strlen(names_a + off) + 1) {
                char va[512], vb[512];
                const char *name = names_a + off;
                ssize_t la = lgetxattr(a, name, va, sizeof(va));
                ssize_t lb = lgetxattr(b, name, vb, sizeof(vb));

                if (la != lb || la < 0 || memcmp(va, vb, la) != 0)
                        fail_msg("%s: xattr %s differs", rel, name);
        }
}

static void compare_content(const char *a, const char *b, const char *rel)
{
        _cleanup_free_ char *ca = NULL, *cb = NULL;
        size_t la = 0, lb = 0;
        struct nook_err err = {0};

        assert_int_equal(read_file(a, &ca, &la, 0, &err), 0);
        assert_int_equal(read_file(b, &cb, &lb, 0, &err), 0);
        if (la != lb || memcmp(ca, cb, la) != 0)
                fail_msg("%s: content differs", rel);
}

static int compare_one(const char *path, const struct stat *sa, int type, struct FTW *ftw)
{
        const char *rel = path + strlen(cmp_src);
        _cleanup_free_ char *other = xasprintf("%s%s", cmp_dst, rel);
        struct stat sb;

        (void)type;
        (void)ftw;
        if (*rel == '\0')
                return 0; /* the roots themselves are not archived */
        cmp_count++;
        if (lstat(other, &sb) < 0)
                fail_msg("%s: missing after the round trip: %s", rel, strerror(errno));
        if (sa->st_mode != sb.st_mode)
                fail_msg("%s: mode %o became %o", rel, sa->st_mode, sb.st_mode);
        if (sa->st_uid != sb.st_uid || sa->st_gid != sb.st_gid)
                fail_msg("%s: owner %d:%d became %d:%d", rel, sa->st_uid, sa->st_gid, sb.st_uid,
                         sb.st_gid);
        if (sa->st_mtim.tv_sec != sb.st_mtim.tv_sec)
                fail_msg("%s: mtime %ld became %ld", rel, (long)sa->st_mtim.tv_sec,
                         (long)sb.st_mtim.tv_sec);
        if ((S_ISCHR(sa->st_mode) || S_ISBLK(sa->st_mode)) && sa->st_rdev != sb.st_rdev)
                fail_msg("%s: device numbers differ", rel);
        if (S_ISREG(sa->st_mode)) {
                if (sa->st_size != sb.st_size || sa->st_nlink != sb.st_nlink)
                        fail_msg("%s: size or link count differs", rel);
                compare_content(path, other, rel);
        }
        if (S_ISLNK(sa->st_mode)) {
                char ta[256] = "", tb[256] = "";

                assert_true(readlink(path, ta, sizeof(ta) - 1) > 0);
                assert_true(readlink(other, tb, sizeof(tb) - 1) > 0);
                assert_string_equal(ta, tb);
        }
        compare_xattrs(path, other, rel);
        return 0;
}

static int count_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)path;
        (void)st;
        (void)type;
        (void)ftw;
        cmp_count--;
        return 0;
}

/* Same names, types, modes, owners, times, devices, contents, link targets and xattrs. */
void assert_same_tree(const char *src, const char *dst)
{
        cmp_src = src;
        cmp_dst = dst;
        cmp_count = 0;
        assert_int_equal(nftw(src, compare_one, 16, FTW_PHYS), 0);
        cmp_count++; /* dst's own root */
        assert_int_equal(nftw(dst, count_one, 16, FTW_PHYS), 0);
        if (cmp_count != 0)
                fail_msg("%s has %d more entries than %s", dst, -cmp_count, src);
}
