/* manager/archive.c: round trips of a tree with every kind of file a container rootfs
 * or overlay upper layer holds, in each compression, and archives that are refused. */
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
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
