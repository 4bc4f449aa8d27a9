/* rootfs_write_file_in / rootfs_read_file_in: host-side files inside a root the
 * container controls, never followed out of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "rootfs/rootfs.h"

static char top[] = "/tmp/nook-test-infile.XXXXXX";
static char *root, *victim;

static int setup(void **state)
{
        struct nook_err err = {0};

        (void)state;
        if (mkdtemp(top) == NULL)
                return -1;
        root = xasprintf("%s/root", top);
        victim = xasprintf("%s/victim", top);
        if (mkdir_p(root, 0755, &err) < 0 || write_file_atomic(victim, "host\n", 5, 0644, &err) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        struct nook_err err = {0};

        (void)state;
        remove_tree_at(AT_FDCWD, top, &err);
        free(root);
        free(victim);
        return 0;
}

static char *slurp(const char *path)
{
        struct nook_err err = {0};
        char *text = NULL;

        return read_file(path, &text, NULL, 0, &err) < 0 ? NULL : text;
}

static void assert_victim_untouched(void)
{
        _cleanup_free_ char *v = slurp(victim);
        assert_non_null(v);
        assert_string_equal(v, "host\n");
}

static void test_write_creates_dirs_and_file(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *path = xasprintf("%s/etc/hostname", root);
        _cleanup_free_ char *text = NULL;
        struct stat st;

        (void)state;
        assert_int_equal(rootfs_write_file_in(root, "/etc/hostname", "web\n", 4, 0640, &err), 0);
        text = slurp(path);
        assert_string_equal(text, "web\n");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
}

static void test_symlink_at_target_is_replaced(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *link = xasprintf("%s/etc/hosts", root);
        struct stat st;

        (void)state;
        assert_int_equal(symlink(victim, link), 0);
        assert_int_equal(rootfs_write_file_in(root, "/etc/hosts", "x\n", 2, 0644, &err), 0);
        assert_int_equal(lstat(link, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_victim_untouched();
}

static void test_symlinked_directory_stays_inside(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *link = xasprintf("%s/var", root);
        _cleanup_free_ char *rel = xasprintf("../../../../../../../..%s", top);
        _cleanup_free_ char *inside = xasprintf("%s%s/victim", root, top);

        (void)state;
        /* /var -> a relative path climbing out to the victim's directory: inside the
         * root it resolves to root/<top>. */
        assert_int_equal(symlink(rel, link), 0);
        assert_int_equal(rootfs_write_file_in(root, "/var/victim", "pwned\n", 6, 0644, &err), 0);
        assert_victim_untouched();
        _cleanup_free_ char *text = slurp(inside);
        assert_non_null(text);
        assert_string_equal(text, "pwned\n");
}

static void test_read_stays_inside(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *link = xasprintf("%s/etc/shadow", root);
        char *text = NULL;

        (void)state;
        assert_int_equal(symlink(victim, link), 0);
        /* The absolute target is taken inside the root: the file the previous test made
         * there, not the host's. */
        assert_int_equal(rootfs_read_file_in(root, "/etc/shadow", &text, 0, &err), 0);
        assert_string_equal(text, "pwned\n");
        free(text);
        text = NULL;
        assert_int_equal(unlink(link), 0);
        assert_int_equal(symlink("/nonexistent", link), 0);
        assert_true(rootfs_read_file_in(root, "/etc/shadow", &text, 0, &err) < 0);
        assert_null(text);
        assert_int_equal(rootfs_read_file_in(root, "/etc/hostname", &text, 0, &err), 0);
        assert_string_equal(text, "web\n");
        free(text);
        text = NULL;
        assert_true(rootfs_read_file_in(root, "/etc", &text, 0, &err) < 0);
        assert_non_null(strstr(err.msg, "not a regular file"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_write_creates_dirs_and_file),
            cmocka_unit_test(test_symlink_at_target_is_replaced),
            cmocka_unit_test(test_symlinked_directory_stays_inside),
            cmocka_unit_test(test_read_stays_inside),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
