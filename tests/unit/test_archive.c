/* manager/archive.c: round trips of a tree with every kind of file a container rootfs
 * or overlay upper layer holds, in each compression, and hostile tarballs that must be
 * refused without writing outside the target directory. */
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

#define OWNER 1234

/* ---- helpers --------------------------------------------------------------------------- */

static char *make_tmpdir(void)
{
        char *dir = xstrdup("/tmp/nook-test-archive-XXXXXX");

        assert_non_null(mkdtemp(dir));
        return dir;
}

static void remove_tmpdir(char *dir)
{
        struct nook_err err = {0};

        if (dir == NULL)
                return;
        if (remove_tree_at(AT_FDCWD, dir, &err) < 0)
                print_error("removing %s: %s\n", dir, err.msg);
        free(dir);
}

static void write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
}

static char *read_text(const char *path)
{
        struct nook_err err = {0};
        char *text = NULL;

        if (read_file(path, &text, NULL, 0, &err) < 0)
                return NULL;
        return text;
}

static void mkdirs(const char *dir, const char *name, mode_t mode)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        struct nook_err err = {0};

        assert_int_equal(mkdir_p(path, mode, &err), 0);
        assert_int_equal(chmod(path, mode), 0);
}

static bool is_root(void)
{
        if (geteuid() == 0)
                return true;
        print_message("skipped: device nodes, owners and trusted.* xattrs need root\n");
        return false;
}

static void assert_error_mentions(const struct nook_err *err, const char *what)
{
        if (strstr(err->msg, what) == NULL)
                fail_msg("error '%s' does not mention '%s'", err->msg, what);
}

/* Every kind of file a rootfs or an overlayfs upper directory holds. */
static void build_tree(const char *dir)
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
static void assert_same_tree(const char *src, const char *dst)
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

/* ---- round trips ----------------------------------------------------------------------- */

struct progress_log {
        int calls;
        uint64_t done, total;
        bool backwards;
};

static void record_progress(void *data, uint64_t done, uint64_t total)
{
        struct progress_log *log = data;

        if (done < log->done)
                log->backwards = true;
        log->calls++;
        log->done = done;
        log->total = total;
}

/* At most one call per 100 ms, one at the start and one at the end. */
static void assert_progress_rate(const struct progress_log *log, uint64_t elapsed_ms)
{
        if ((uint64_t)log->calls > elapsed_ms / 100 + 2)
                fail_msg("%d progress calls in %llu ms", log->calls,
                         (unsigned long long)elapsed_ms);
}

static void assert_magic(const char *file, const char *suffix)
{
        unsigned char head[512] = {0};
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_true(read_all(fd, head, sizeof(head)) > 0);
        if (strcmp(suffix, ".tar") == 0)
                assert_memory_equal(head + 257, "ustar", 5);
        else if (strstr(suffix, "gz"))
                assert_memory_equal(head, "\x1f\x8b", 2);
        else if (strstr(suffix, "xz"))
                assert_memory_equal(head,
                                    "\xfd"
                                    "7zXZ",
                                    5);
        else if (strstr(suffix, "zst"))
                assert_memory_equal(head, "\x28\xb5\x2f\xfd", 4);
        else if (strstr(suffix, "bz2"))
                assert_memory_equal(head, "BZh", 3);
        else
                fail_msg("no magic known for %s", suffix);
}

static void test_round_trip_every_compression(void **state)
{
        static const char *const suffixes[] = {".tar",     ".tar.gz", ".tgz",     ".tar.xz", ".txz",
                                               ".tar.zst", ".tzst",   ".tar.bz2", ".tbz2"};
        char *top;

        (void)state;
        if (!is_root())
                skip();
        top = make_tmpdir();
        {
                _cleanup_free_ char *src = xasprintf("%s/src", top);

                mkdirs(top, "src", 0755);
                build_tree(src);
                for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
                        _cleanup_free_ char *file = xasprintf("%s/out%s", top, suffixes[i]);
                        _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", file, (int)getpid());
                        _cleanup_free_ char *dst = xasprintf("%s/dst%zu", top, i);
                        struct progress_log wlog = {0}, rlog = {0};
                        struct archive_progress wp = {record_progress, &wlog};
                        struct archive_progress rp = {record_progress, &rlog};
                        struct nook_err err = {0};
                        struct stat st;

                        uint64_t start = now_ms();

                        print_message("%s\n", suffixes[i]);
                        if (archive_create(file, src, NULL, &wp, &err) < 0)
                                fail_msg("create %s: %s", file, err.msg);
                        assert_progress_rate(&wlog, now_ms() - start);
                        assert_magic(file, suffixes[i]);
                        assert_int_equal(stat(file, &st), 0);
                        assert_int_equal(st.st_mode & 07777, 0600);
                        assert_int_equal(access(tmp, F_OK), -1);
                        /* Progress: file data of all members, the hard link counted once. */
                        assert_true(wlog.calls >= 1);
                        assert_false(wlog.backwards);
                        assert_true(wlog.total > 300000);
                        assert_true(wlog.done == wlog.total);

                        assert_int_equal(mkdir(dst, 0755), 0);
                        start = now_ms();
                        if (archive_extract(file, dst, &rp, &err) < 0)
                                fail_msg("extract %s: %s", file, err.msg);
                        assert_progress_rate(&rlog, now_ms() - start);
                        assert_true(rlog.calls >= 1);
                        assert_false(rlog.backwards);
                        assert_int_equal(rlog.total, st.st_size);
                        assert_int_equal(rlog.done, st.st_size);
                        assert_same_tree(src, dst);
                }
        }
        remove_tmpdir(top);
}

/* Names of the entries of FILE, one string "name\n..." */
static char *list_names(const char *file)
{
        struct archive *a = archive_read_new();
        struct archive_entry *entry;
        char *names = xstrdup("");

        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_filename(a, file, 10240), ARCHIVE_OK);
        while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
                char *more = xasprintf("%s%s\n", names, archive_entry_pathname(entry));

                free(names);
                names = more;
        }
        archive_read_free(a);
        return names;
}

static void test_names_are_relative_without_dot_slash(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/out.tar", top);
                _cleanup_free_ char *src = xasprintf("%s/src", top);
                _cleanup_free_ char *names = NULL;
                struct nook_err err = {0};

                mkdirs(top, "src/etc", 0755);
                write_text(src, "etc/passwd", "x\n", 0644);
                assert_int_equal(archive_create(file, src, NULL, NULL, &err), 0);
                names = list_names(file);
                assert_string_equal(names, "etc/\netc/passwd\n");
        }
        remove_tmpdir(top);
}

static void test_members_select_subtrees(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/part.tar.zst", top);
                _cleanup_free_ char *src = xasprintf("%s/src", top);
                _cleanup_free_ char *names = NULL;
                const char *const members[] = {"etc", "var/lib/x", NULL};
                struct nook_err err = {0};

                mkdirs(top, "src/etc", 0755);
                mkdirs(top, "src/var/lib", 0755);
                mkdirs(top, "src/usr", 0755);
                write_text(src, "etc/passwd", "x\n", 0644);
                write_text(src, "var/lib/x", "y\n", 0644);
                write_text(src, "usr/z", "z\n", 0644);
                assert_int_equal(archive_create(file, src, members, NULL, &err), 0);
                names = list_names(file);
                assert_string_equal(names, "etc/\netc/passwd\nvar/lib/x\n");
        }
        remove_tmpdir(top);
}

/* The archive being written is not archived into itself when it lies inside DIR. */
static void test_archive_inside_its_own_tree(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/self.tar", top);
                _cleanup_free_ char *names = NULL;
                struct nook_err err = {0};

                write_text(top, "a", "a\n", 0644);
                assert_int_equal(archive_create(file, top, NULL, NULL, &err), 0);
                names = list_names(file);
                assert_string_equal(names, "a\n");
        }
        remove_tmpdir(top);
}

/* ---- bad input ------------------------------------------------------------------------- */

static void test_missing_archive_is_enoent(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/nothing.tar.gz", top);
                struct nook_err err = {0};

                assert_true(archive_extract(file, top, NULL, &err) < 0);
                assert_int_equal(err.errnum, ENOENT);
                assert_error_mentions(&err, file);
        }
        remove_tmpdir(top);
}

static void test_missing_target_dir_is_enoent(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/ok.tar", top);
                _cleanup_free_ char *dst = xasprintf("%s/nope", top);
                struct nook_err err = {0};

                mkdirs(top, "src", 0755);
                {
                        _cleanup_free_ char *src = xasprintf("%s/src", top);

                        assert_int_equal(archive_create(file, src, NULL, NULL, &err), 0);
                }
                assert_true(archive_extract(file, dst, NULL, &err) < 0);
                assert_int_equal(err.errnum, ENOENT);
                assert_error_mentions(&err, dst);
        }
        remove_tmpdir(top);
}

static void assert_extract_fails(const char *top, const char *file, const char *what)
{
        _cleanup_free_ char *dst = xasprintf("%s/dst", top);
        struct nook_err err = {0};

        assert_int_equal(mkdir(dst, 0755), 0);
        assert_true(archive_extract(file, dst, NULL, &err) < 0);
        print_message("%s: %s\n", what, err.msg);
        assert_error_mentions(&err, file);
        assert_error_mentions(&err, what);
        assert_int_equal(remove_tree_at(AT_FDCWD, dst, &err), 0);
}

static void test_garbage_empty_and_truncated_archives(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *garbage = xasprintf("%s/garbage.tar", top);
                _cleanup_free_ char *empty = xasprintf("%s/empty.tar", top);
                _cleanup_free_ char *src = xasprintf("%s/src", top);
                char big[200000];
                struct nook_err err = {0};

                write_text(top, "garbage.tar", "this is not a tarball at all, just text\n", 0644);
                assert_extract_fails(top, garbage, "Unrecognized archive format");
                write_text(top, "empty.tar", "", 0644);
                assert_extract_fails(top, empty, "");

                /* Random-ish data that does not compress, so halving cuts into it. */
                for (size_t i = 0; i < sizeof(big) - 1; i++)
                        big[i] = 'a' + (char)((i * 7919u + (i >> 5) * 104729u) % 26);
                big[sizeof(big) - 1] = '\0';
                mkdirs(top, "src", 0755);
                write_text(src, "big", big, 0644);
                for (int i = 0; i < 3; i++) {
                        static const char *const names[] = {"cut.tar", "cut.tar.gz", "cut.tar.zst"};
                        _cleanup_free_ char *file = xasprintf("%s/%s", top, names[i]);
                        struct stat st;

                        assert_int_equal(archive_create(file, src, NULL, NULL, &err), 0);
                        assert_int_equal(stat(file, &st), 0);
                        assert_int_equal(truncate(file, st.st_size / 2), 0);
                        assert_extract_fails(top, file, "runcated");
                }
        }
        remove_tmpdir(top);
}

static void test_create_refuses_unknown_suffix(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/out.zip", top);
                _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", file, (int)getpid());
                struct nook_err err = {0};

                assert_true(archive_create(file, top, NULL, NULL, &err) < 0);
                assert_int_equal(err.errnum, EINVAL);
                assert_error_mentions(&err, "unknown archive type");
                assert_error_mentions(&err, file);
                assert_int_equal(access(file, F_OK), -1);
                assert_int_equal(access(tmp, F_OK), -1);
        }
        remove_tmpdir(top);
}

static void test_create_refuses_bad_members(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/out.tar.gz", top);
                _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", file, (int)getpid());
                const char *const missing[] = {"nope", NULL};
                const char *const up[] = {"a/../../etc", NULL};
                const char *const absolute[] = {"/etc", NULL};
                struct nook_err err = {0};

                assert_true(archive_create(file, top, missing, NULL, &err) < 0);
                assert_int_equal(err.errnum, ENOENT);
                assert_error_mentions(&err, "nope");
                assert_true(archive_create(file, top, up, NULL, &err) < 0);
                assert_error_mentions(&err, "..");
                assert_true(archive_create(file, top, absolute, NULL, &err) < 0);
                assert_error_mentions(&err, "relative");
                assert_int_equal(access(file, F_OK), -1);
                assert_int_equal(access(tmp, F_OK), -1);
        }
        remove_tmpdir(top);
}

/* ---- hostile archives ------------------------------------------------------------------ */

struct member {
        char type; /* 'f' file, 'd' directory, 'l' symlink, 'h' hard link */
        const char *name;
        const char *target; /* symlink or hard-link target */
        const char *data;   /* file data (a hard link may carry data too) */
};

/* One ustar header block and its data, padded to 512 bytes. */
static void write_ustar(int fd, char type, const char *name, const char *target, const char *data)
{
        static const char zeros[512];
        unsigned char h[512] = {0};
        size_t len = data != NULL ? strlen(data) : 0;
        unsigned sum = 0;

        assert_true(strlen(name) < 100);
        memcpy(h, name, strlen(name));
        snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
        snprintf((char *)h + 108, 8, "%07o", 0);
        snprintf((char *)h + 116, 8, "%07o", 0);
        snprintf((char *)h + 124, 12, "%011o", (unsigned)len);
        snprintf((char *)h + 136, 12, "%011o", 1000000000);
        h[156] = (unsigned char)type;
        if (target != NULL) {
                assert_true(strlen(target) < 100);
                memcpy(h + 157, target, strlen(target));
        }
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        for (size_t j = 0; j < sizeof(h); j++)
                sum += h[j];
        snprintf((char *)h + 148, 8, "%06o", sum);
        h[155] = ' ';
        assert_int_equal(write_all(fd, h, sizeof(h)), (ssize_t)sizeof(h));
        if (len > 0) {
                assert_int_equal(write_all(fd, data, len), (ssize_t)len);
                assert_int_equal(write_all(fd, zeros, 512 - len % 512), 512 - len % 512);
        }
}

/* Writes a tarball FILE holding the members exactly as given, however hostile, byte by
 * byte: libarchive's own writer would drop the data of a hard link.  A hard link with
 * data gets a pax header first, as only in pax archives do readers honour that data. */
static void write_tarball(const char *file, const struct member *m, size_t n)
{
        static const char zeros[1024];
        _cleanup_close_ int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        for (size_t i = 0; i < n; i++) {
                char type = m[i].type == 'd'   ? '5'
                            : m[i].type == 'l' ? '2'
                            : m[i].type == 'h' ? '1'
                                               : '0';

                if (m[i].type == 'h' && m[i].data != NULL) {
                        /* A pax record "LEN path=NAME\n" counts its own length's digits. */
                        size_t body = strlen(" path=\n") + strlen(m[i].name);
                        size_t digits = body + 2 >= 100 ? 3 : body + 2 >= 10 ? 2 : 1;
                        _cleanup_free_ char *record =
                            xasprintf("%zu path=%s\n", body + digits, m[i].name);

                        write_ustar(fd, 'x', "PaxHeader", NULL, record);
                }
                write_ustar(fd, type, m[i].name, m[i].target, m[i].data);
        }
        assert_int_equal(write_all(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
}

#define SENTINEL "sentinel: must not change\n"

/* TOP holds the sentinel file and the target directory TOP/dst; the hostile archive
 * must be refused with an error naming the entry BAD, and nothing may change in TOP
 * outside TOP/dst. */
static void assert_refused(const char *top, const struct member *m, size_t n, const char *bad)
{
        _cleanup_free_ char *file = xasprintf("%s/hostile.tar", top);
        _cleanup_free_ char *dst = xasprintf("%s/dst", top);
        _cleanup_free_ char *sentinel = xasprintf("%s/sentinel", top);
        _cleanup_free_ char *escaped = xasprintf("%s/escaped", top);
        _cleanup_free_ char *text = NULL;
        struct nook_err err = {0};
        struct stat st;

        write_text(top, "sentinel", SENTINEL, 0644);
        write_tarball(file, m, n);
        assert_int_equal(mkdir(dst, 0755), 0);
        assert_true(archive_extract(file, dst, NULL, &err) < 0);
        print_message("refused: %s\n", err.msg);
        assert_error_mentions(&err, bad);
        text = read_text(sentinel);
        assert_non_null(text);
        assert_string_equal(text, SENTINEL);
        assert_int_equal(stat(sentinel, &st), 0);
        assert_int_equal(st.st_nlink, 1);
        assert_int_equal(access(escaped, F_OK), -1);
        assert_int_equal(remove_tree_at(AT_FDCWD, dst, &err), 0);
        assert_int_equal(unlink(file), 0);
}

static void test_hostile_absolute_name(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *abs = xasprintf("%s/escaped", top);
                const struct member m[] = {{'f', "ok", NULL, "fine\n"}, {'f', abs, NULL, "x\n"}};

                assert_refused(top, m, ARRAY_SIZE(m), abs + 1);
        }
        remove_tmpdir(top);
}

static void test_hostile_dotdot(void **state)
{
        char *top = make_tmpdir();
        const struct member m1[] = {{'f', "../escaped", NULL, "x\n"}};
        const struct member m2[] = {{'d', "a", NULL, NULL}, {'f', "a/../../escaped", NULL, "x\n"}};
        const struct member m3[] = {{'f', "./../escaped", NULL, "x\n"}};

        (void)state;
        assert_refused(top, m1, ARRAY_SIZE(m1), "../escaped");
        assert_refused(top, m2, ARRAY_SIZE(m2), "a/../../escaped");
        assert_refused(top, m3, ARRAY_SIZE(m3), "../escaped");
        remove_tmpdir(top);
}

static void test_hostile_through_symlink(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                /* An absolute symlink to the directory above, then a file through it. */
                const struct member m1[] = {{'l', "link", top, NULL},
                                            {'f', "link/escaped", NULL, "x\n"}};
                /* The same with a relative symlink. */
                const struct member m2[] = {{'l', "link", "..", NULL},
                                            {'f', "link/escaped", NULL, "x\n"}};
                /* A symlink to /, then a path through it to TOP/escaped. */
                _cleanup_free_ char *via_root = xasprintf("root%s/escaped", top);
                const struct member m3[] = {{'l', "root", "/", NULL}, {'f', via_root, NULL, "x\n"}};
                /* Through a symlink that is a deeper component, and a directory entry. */
                const struct member m4[] = {{'d', "a", NULL, NULL},
                                            {'l', "a/b", "../..", NULL},
                                            {'d', "a/b/escaped", NULL, NULL}};

                assert_refused(top, m1, ARRAY_SIZE(m1), "link/escaped");
                assert_refused(top, m2, ARRAY_SIZE(m2), "link/escaped");
                assert_refused(top, m3, ARRAY_SIZE(m3), via_root);
                assert_refused(top, m4, ARRAY_SIZE(m4), "a/b/escaped");
        }
        remove_tmpdir(top);
}

static void test_hostile_hard_links(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *abs = xasprintf("%s/sentinel", top);
                struct stat before, after;
                /* To a host file by absolute name: without data, so that a failure of
                 * this test could not damage the host's /etc/passwd. */
                const struct member m1[] = {{'h', "passwd", "/etc/passwd", NULL}};
                /* To the sentinel by absolute name, carrying data that would overwrite it. */
                const struct member m2[] = {{'h', "h", abs, "PWNED\n"}};
                const struct member m3[] = {{'h', "h", "../sentinel", "PWNED\n"}};
                /* A target reached through a symlink. */
                const struct member m4[] = {{'l', "link", top, NULL},
                                            {'h', "h", "link/sentinel", "PWNED\n"}};

                assert_int_equal(stat("/etc/passwd", &before), 0);
                assert_refused(top, m1, ARRAY_SIZE(m1), "passwd");
                assert_int_equal(stat("/etc/passwd", &after), 0);
                assert_int_equal(before.st_nlink, after.st_nlink);
                assert_refused(top, m2, ARRAY_SIZE(m2), "h");
                assert_refused(top, m3, ARRAY_SIZE(m3), "h");
                assert_refused(top, m4, ARRAY_SIZE(m4), "h");
        }
        remove_tmpdir(top);
}

/* Overwriting a symlink (as the last component) replaces the symlink; it never writes
 * through it, whether by a file entry or by a hard link to it carrying data. */
static void test_symlink_replaced_not_followed(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *abs = xasprintf("%s/sentinel", top);
                _cleanup_free_ char *file = xasprintf("%s/replace.tar", top);
                _cleanup_free_ char *dst = xasprintf("%s/dst", top);
                _cleanup_free_ char *s = xasprintf("%s/dst/s", top);
                _cleanup_free_ char *text = NULL;
                const struct member m[] = {{'l', "s", abs, NULL}, {'f', "s", NULL, "PWNED\n"}};
                const struct member h[] = {{'l', "s", abs, NULL}, {'h', "h", "s", "PWNED\n"}};
                const struct member control[] = {{'f', "t", NULL, "old\n"},
                                                 {'h', "h", "t", "new\n"}};
                _cleanup_free_ char *t = xasprintf("%s/dst/t", top);
                struct nook_err err = {0};
                struct stat st;
                int r;

                write_text(top, "sentinel", SENTINEL, 0644);
                write_tarball(file, m, ARRAY_SIZE(m));
                assert_int_equal(mkdir(dst, 0755), 0);
                assert_int_equal(archive_extract(file, dst, NULL, &err), 0);
                assert_int_equal(lstat(s, &st), 0);
                assert_true(S_ISREG(st.st_mode));
                text = read_text(abs);
                assert_string_equal(text, SENTINEL);
                free(text);
                assert_int_equal(remove_tree_at(AT_FDCWD, dst, &err), 0);

                /* The control: a hard link's data does reach the file it links to. */
                write_tarball(file, control, ARRAY_SIZE(control));
                assert_int_equal(mkdir(dst, 0755), 0);
                assert_int_equal(archive_extract(file, dst, NULL, &err), 0);
                text = read_text(t);
                assert_string_equal(text, "new\n");
                free(text);
                assert_int_equal(remove_tree_at(AT_FDCWD, dst, &err), 0);

                write_tarball(file, h, ARRAY_SIZE(h));
                assert_int_equal(mkdir(dst, 0755), 0);
                r = archive_extract(file, dst, NULL, &err);
                print_message("hard link to a symlink with data: %s\n", r < 0 ? err.msg : "ok");
                text = read_text(abs);
                assert_string_equal(text, SENTINEL);
                if (r == 0) {
                        assert_int_equal(lstat(s, &st), 0);
                        print_message("s is %s\n",
                                      S_ISLNK(st.st_mode) ? "a symlink" : "not a symlink");
                }
                assert_int_equal(remove_tree_at(AT_FDCWD, dst, &err), 0);
        }
        remove_tmpdir(top);
}

/* Tarballs made with `tar -C rootfs -c .` name "./" and "./etc/passwd". */
static void test_dot_slash_names_extract(void **state)
{
        char *top = make_tmpdir();

        (void)state;
        {
                _cleanup_free_ char *file = xasprintf("%s/dot.tar", top);
                _cleanup_free_ char *dst = xasprintf("%s/dst", top);
                _cleanup_free_ char *passwd = xasprintf("%s/dst/etc/passwd", top);
                _cleanup_free_ char *group = xasprintf("%s/dst/etc/group", top);
                _cleanup_free_ char *text = NULL;
                const struct member m[] = {{'d', "./", NULL, NULL},
                                           {'d', "./etc/", NULL, NULL},
                                           {'f', "./etc/passwd", NULL, "root\n"},
                                           {'f', "etc/group", NULL, "root\n"}};
                struct nook_err err = {0};

                write_tarball(file, m, ARRAY_SIZE(m));
                assert_int_equal(mkdir(dst, 0700), 0);
                if (archive_extract(file, dst, NULL, &err) < 0)
                        fail_msg("%s", err.msg);
                text = read_text(passwd);
                assert_string_equal(text, "root\n");
                assert_int_equal(access(group, F_OK), 0);
        }
        remove_tmpdir(top);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_round_trip_every_compression),
            cmocka_unit_test(test_names_are_relative_without_dot_slash),
            cmocka_unit_test(test_members_select_subtrees),
            cmocka_unit_test(test_archive_inside_its_own_tree),
            cmocka_unit_test(test_missing_archive_is_enoent),
            cmocka_unit_test(test_missing_target_dir_is_enoent),
            cmocka_unit_test(test_garbage_empty_and_truncated_archives),
            cmocka_unit_test(test_create_refuses_unknown_suffix),
            cmocka_unit_test(test_create_refuses_bad_members),
            cmocka_unit_test(test_hostile_absolute_name),
            cmocka_unit_test(test_hostile_dotdot),
            cmocka_unit_test(test_hostile_through_symlink),
            cmocka_unit_test(test_hostile_hard_links),
            cmocka_unit_test(test_symlink_replaced_not_followed),
            cmocka_unit_test(test_dot_slash_names_extract),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
