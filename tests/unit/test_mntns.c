/* rootfs_mntns_enter_private / rootfs_mntns_leave: what is mounted in the private
 * namespace stays there, and the process comes back to its namespace and working
 * directory.  Needs root (unshare); the mount is made only inside the test's own
 * namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "rootfs/rootfs.h"

static ino_t mnt_ns(void)
{
        struct stat st;

        assert_int_equal(stat("/proc/self/ns/mnt", &st), 0);
        return st.st_ino;
}

static char top[] = "/tmp/nook-test-mntns.XXXXXX";

static int setup(void **state)
{
        (void)state;
        return mkdtemp(top) ? 0 : -1;
}

/* Also after a failed assertion: the mount was made in the private namespace only. */
static int teardown(void **state)
{
        struct nook_err err = {0};

        (void)state;
        if (chdir("/") < 0)
                return -1;
        return remove_tree_at(AT_FDCWD, top, &err);
}

static void test_mount_stays_private(void **state)
{
        struct nook_err err = {0};
        struct rootfs_mntns saved;
        ino_t host = mnt_ns();
        struct stat before, after;

        (void)state;
        _cleanup_free_ char *target = xasprintf("%s/target", top);
        _cleanup_free_ char *cwd = xasprintf("%s/cwd", top);
        assert_int_equal(mkdir(target, 0755), 0);
        assert_int_equal(mkdir(cwd, 0755), 0);
        assert_int_equal(chdir(cwd), 0);
        assert_int_equal(stat(".", &before), 0);

        assert_int_equal(rootfs_mntns_enter_private(&saved, &err), 0);
        assert_int_not_equal(mnt_ns(), host);
        assert_int_equal(mount("tmpfs", target, "tmpfs", 0, "size=64k"), 0);
        assert_true(rootfs_is_mount_point(target));
        assert_int_equal(rootfs_mntns_leave(&saved, &err), 0);

        assert_int_equal(mnt_ns(), host);
        assert_false(rootfs_is_mount_point(target));
        /* setns() moved the process to /; the working directory came back. */
        assert_int_equal(stat(".", &after), 0);
        assert_int_equal(before.st_ino, after.st_ino);
        assert_int_equal(saved.ns, -1);
        assert_int_equal(saved.cwd, -1);
}

static void test_leave_without_enter(void **state)
{
        struct rootfs_mntns saved = {.ns = -1, .cwd = -1};
        struct nook_err err = {0};
        ino_t host = mnt_ns();

        (void)state;
        assert_int_equal(rootfs_mntns_leave(&saved, &err), 0);
        assert_int_equal(mnt_ns(), host);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_mount_stays_private),
            cmocka_unit_test(test_leave_without_enter),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
