/* manager/archive.c: hostile tarballs must be refused without writing outside the
 * target directory. */
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
            cmocka_unit_test(test_hostile_absolute_name),
            cmocka_unit_test(test_hostile_dotdot),
            cmocka_unit_test(test_hostile_through_symlink),
            cmocka_unit_test(test_hostile_hard_links),
            cmocka_unit_test(test_symlink_replaced_not_followed),
            cmocka_unit_test(test_dot_slash_names_extract),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
