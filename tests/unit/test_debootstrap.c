/* manager/debootstrap.c against fake debootstrap scripts (NOOK_DEBOOTSTRAP): the
 * arguments it passes, the --debian-installer progress and error protocol, the fix-ups
 * after success, and that a failure leaves no directory, no mount and no process behind.
 * The real debootstrap's failure paths are tests/integration/archive.sh's; a real
 * download of bookworm (minbase), a few minutes, runs only with NOOK_TEST_DEBOOTSTRAP=1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/debootstrap.h"

/* The fakes record their arguments and environment next to themselves; the target
 * directory is debootstrap's second-to-last argument. */
#define FAKE_PRELUDE                                                                               \
        "#!/bin/bash\n"                                                                            \
        "printf '%s\\n' \"$@\" > \"${0%/*}/args\"\n"                                               \
        "env > \"${0%/*}/env\"\n"                                                                  \
        "grep SigBlk /proc/self/status > \"${0%/*}/sigblk\"\n"                                     \
        "target=${@: -2:1}\n"

#define FAKE_TREE                                                                                  \
        "mkdir -p \"$target/etc\" \"$target/sbin\" \"$target/var/cache/apt/archives\"\n"           \
        "mkdir -p \"$target/var/lib/apt/lists/partial\"\n"                                         \
        "echo index > \"$target/var/lib/apt/lists/deb.debian.org_debian_Packages\"\n"              \
        "echo buildhost > \"$target/etc/hostname\"\n"                                              \
        "echo 'nameserver 192.0.2.1' > \"$target/etc/resolv.conf\"\n"                              \
        "echo 0123456789abcdef > \"$target/etc/machine-id\"\n"                                     \
        "touch \"$target/var/cache/apt/archives/a_1_amd64.deb\" "                                  \
        "\"$target/var/cache/apt/archives/lock\"\n"

static const char fake_success[] =
    FAKE_PRELUDE "echo 'P: 0 100 DOWNREL' >&3\n"
                 "echo 'P: 100 100 DOWNREL' >&3\n"
                 "for i in 1 2 3 4; do echo \"P: $i 4 DOWNDEBS\" >&3; done\n"
                 "echo 'I: BASESUCCESS' >&3\n"
                 "echo 'IF: Base system installed successfully.' >&3\n"
                 "echo 'P: 0 5 CONFBASE' >&3\n"
                 "echo 'P: 5 5 CONFBASE' >&3\n"
                 "echo 'a line of the full log'\n" FAKE_TREE
                 "ln -s /lib/systemd/systemd \"$target/sbin/init\"\n";

static const char fake_no_init[] = FAKE_PRELUDE FAKE_TREE;

/* Mounts inside the target, as debootstrap does for /proc, then fails the way it does
 * when the mirror is unreachable. */
static const char fake_mounts_and_fails[] =
    FAKE_PRELUDE "mkdir -p \"$target/proc\"\n"
                 "mount -t tmpfs nookfake \"$target/proc\" && echo mounted-in-its-namespace\n"
                 "echo 'P: 0 100 DOWNREL' >&3\n"
                 "echo 'E: NOGETRELEASE' >&3\n"
                 "echo 'EA: http://127.0.0.1:9/dists/bookworm/Release' >&3\n"
                 "echo 'EF: Failed getting release file %s' >&3\n"
                 "exit 1\n";

/* An error before debootstrap moves its messages to fd 3: on stdout. */
static const char fake_early_error[] =
    FAKE_PRELUDE "echo 'E: NOSCRIPT'\n"
                 "echo 'EA: /usr/share/debootstrap/scripts/nosuchsuite'\n"
                 "echo 'EF: No such script: %s'\n"
                 "exit 1\n";

/* The host's PIDs of a fake and of a process it leaves running in the background,
 * recorded in "hostpid" (written last) and "bgpid".  The fake runs in a PID namespace of
 * its own but sees the host's /proc, whose "self" gives the host's PID. */
#define FAKE_RECORD_PIDS                                                                           \
        "( read -r p _ < /proc/self/stat; echo \"$p\" > \"${0%/*}/bgpid\"; exec sleep 30 ) &\n"    \
        "until [ -s \"${0%/*}/bgpid\" ]; do sleep 0.05; done\n"                                    \
        "echo $$ > \"${0%/*}/nspid\"\n"                                                            \
        "read -r p _ < /proc/self/stat; echo \"$p\" > \"${0%/*}/hostpid.tmp\"\n"                   \
        "mv \"${0%/*}/hostpid.tmp\" \"${0%/*}/hostpid\"\n"

/* Leaves a process behind that holds the output pipes open. */
static const char fake_lingers[] = FAKE_PRELUDE FAKE_RECORD_PIDS "echo 'E: plain error text' >&3\n"
                                                                 "exit 1\n";

/* Waits to be killed. */
static const char fake_waits[] = FAKE_PRELUDE FAKE_RECORD_PIDS "sleep 30\n";

static const char fake_fails[] = FAKE_PRELUDE "exit 3\n";

struct fixture {
        char *top;    /* holds the fake, its records, the target and the log */
        char *target; /* TOP/rootfs */
        char *log;    /* TOP/.rootfs.debootstrap.log */
};

static struct fixture fx;

static int setup_any(void **state)
{
        (void)state;
        fx.top = xstrdup("/tmp/nook-test-debootstrap-XXXXXX");
        if (mkdtemp(fx.top) == NULL)
                return -1;
        fx.target = xasprintf("%s/rootfs", fx.top);
        fx.log = xasprintf("%s/.rootfs.debootstrap.log", fx.top);
        return 0;
}

/* debootstrap runs in a mount namespace of its own, which needs root. */
static int setup(void **state)
{
        if (geteuid() != 0) {
                print_message("skipped: running debootstrap needs root\n");
                skip();
        }
        return setup_any(state);
}

static int teardown(void **state)
{
        struct nook_err err = {0};

        (void)state;
        unsetenv("NOOK_DEBOOTSTRAP");
        remove_tree_at(AT_FDCWD, fx.top, &err);
        free(fx.top);
        free(fx.target);
        free(fx.log);
        return 0;
}

static void use_fake(const char *script)
{
        _cleanup_free_ char *path = xasprintf("%s/debootstrap", fx.top);
        struct nook_err err = {0};

        assert_int_equal(write_file_atomic(path, script, strlen(script), 0755, &err), 0);
        assert_int_equal(setenv("NOOK_DEBOOTSTRAP", path, 1), 0);
}

/* A file's text (NULL if unreadable): NAME relative to the fixture's directory, where
 * the fakes leave their records, or absolute. */
static char *record(const char *name)
{
        _cleanup_free_ char *path =
            name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", fx.top, name);
        struct nook_err err = {0};
        char *text = NULL;

        return read_file(path, &text, NULL, 0, &err) < 0 ? NULL : text;
}

static void assert_mentions(const char *text, const char *what)
{
        if (text == NULL || strstr(text, what) == NULL)
                fail_msg("'%s' does not mention '%s'", text != NULL ? text : "(null)", what);
}

static void assert_no_mount_below(const char *dir)
{
        _cleanup_free_ char *mountinfo = record("/proc/self/mountinfo");

        assert_non_null(mountinfo);
        if (strstr(mountinfo, dir) != NULL || strstr(mountinfo, "nookfake") != NULL)
                fail_msg("a mount below %s is left:\n%s", dir, mountinfo);
}

/* debootstrap's arguments as the fake recorded them: the options, then SUITE TARGET MIRROR. */
static void assert_args(const char *options, const char *suite, const char *mirror)
{
        _cleanup_free_ char *args = record("args");
        _cleanup_free_ char *expected =
            xasprintf("--debian-installer\n%s%s\n%s\n%s\n", options, suite, fx.target, mirror);

        assert_non_null(args);
        assert_string_equal(args, expected);
}

struct progress_log {
        int calls;
        uint64_t last, total;
        bool backwards, saw_download;
};

static void record_progress(void *data, uint64_t done, uint64_t total)
{
        struct progress_log *log = data;

        if (done < log->last)
                log->backwards = true;
        if (done > 60 && done < 500)
                log->saw_download = true;
        log->calls++;
        log->last = done;
        log->total = total;
}

static void test_success_fixes_the_tree_for_a_container(void **state)
{
        struct progress_log log = {0};
        struct archive_progress progress = {record_progress, &log};
        struct nook_err err = {0};
        _cleanup_free_ char *env = NULL, *text = NULL, *sigblk = NULL;
        sigset_t usr1;
        int r;
        _cleanup_free_ char *deb = xasprintf("%s/var/cache/apt/archives/a_1_amd64.deb", fx.target);
        _cleanup_free_ char *lock = xasprintf("%s/var/cache/apt/archives/lock", fx.target);
        _cleanup_free_ char *list =
            xasprintf("%s/var/lib/apt/lists/deb.debian.org_debian_Packages", fx.target);
        _cleanup_free_ char *partial = xasprintf("%s/var/lib/apt/lists/partial", fx.target);

        (void)state;
        use_fake(fake_success);
        /* A signal the caller blocks stays deliverable to debootstrap. */
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, NULL), 0);
        r = template_debootstrap(fx.target, "bookworm", "minbase", NULL, NULL, &progress, &err);
        assert_int_equal(sigprocmask(SIG_UNBLOCK, &usr1, NULL), 0);
        if (r < 0)
                fail_msg("%s", err.msg);
        sigblk = record("sigblk");
        assert_string_equal(sigblk, "SigBlk:\t0000000000000000\n");
        assert_args("--variant=minbase\n--include=systemd-sysv\n", "bookworm",
                    "http://deb.debian.org/debian");
        env = record("env");
        assert_mentions(env, "LC_ALL=C\n");
        assert_mentions(env, "PATH=/usr/local/sbin:");

        assert_false(log.backwards);
        assert_true(log.saw_download);
        assert_true(log.calls >= 5);
        assert_int_equal(log.last, 1000);
        assert_int_equal(log.total, 1000);

        /* The host's hostname, resolver and machine id are not the containers'. */
        text = record("rootfs/etc/hostname");
        assert_string_equal(text, "");
        free(text);
        text = record("rootfs/etc/resolv.conf");
        assert_string_equal(text, "");
        free(text);
        text = record("rootfs/etc/machine-id");
        assert_string_equal(text, "");
        assert_int_equal(access(deb, F_OK), -1);
        assert_int_equal(access(lock, F_OK), 0);
        assert_int_equal(access(list, F_OK), -1);
        assert_int_equal(access(partial, F_OK), 0);
        /* The log goes with success. */
        assert_int_equal(access(fx.log, F_OK), -1);
}

static void test_arguments(void **state)
{
        struct nook_err err = {0};

        (void)state;
        use_fake(fake_fails);
        /* An init named in the includes is not added again. */
        assert_true(template_debootstrap(fx.target, "trixie", "buildd", "curl,sysvinit-core",
                                         "http://127.0.0.1:9/debian", NULL, &err) < 0);
        assert_args("--variant=buildd\n--include=curl,sysvinit-core\n", "trixie",
                    "http://127.0.0.1:9/debian");
        assert_mentions(err.msg, "exit status 3");

        /* The default variant has an init: nothing added. */
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_args("", "bookworm", "http://deb.debian.org/debian");

        assert_true(
            template_debootstrap(fx.target, "bookworm", "minbase", "curl", NULL, NULL, &err) < 0);
        assert_args("--variant=minbase\n--include=curl,systemd-sysv\n", "bookworm",
                    "http://deb.debian.org/debian");
}

static void test_failure_removes_tree_and_mounts_and_keeps_log(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *log = NULL;

        (void)state;
        use_fake(fake_mounts_and_fails);
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        print_message("%s\n", err.msg);
        assert_mentions(err.msg, "Failed getting release file "
                                 "http://127.0.0.1:9/dists/bookworm/Release");
        assert_mentions(err.msg, fx.log);
        assert_int_equal(access(fx.target, F_OK), -1);
        assert_no_mount_below(fx.target);
        /* The fake did mount: in debootstrap's own namespace, which died with it. */
        log = record(fx.log);
        assert_mentions(log, "mounted-in-its-namespace");
        assert_mentions(log, "E: NOGETRELEASE");
}

static void test_early_error_on_stdout(void **state)
{
        struct nook_err err = {0};

        (void)state;
        use_fake(fake_early_error);
        assert_true(template_debootstrap(fx.target, "nosuchsuite", NULL, NULL, NULL, NULL, &err) <
                    0);
        assert_mentions(err.msg, "No such script: /usr/share/debootstrap/scripts/nosuchsuite");
        assert_int_equal(access(fx.target, F_OK), -1);
}

/* The PID the fake recorded in NAME, waiting up to 10 s for it. */
static pid_t recorded_pid(const char *name)
{
        for (int i = 0; i < 200; i++) {
                _cleanup_free_ char *text = record(name);
                uint64_t pid;

                if (text != NULL) {
                        text[strcspn(text, "\n")] = '\0';
                        if (parse_uint64(text, &pid) == 0)
                                return (pid_t)pid;
                }
                usleep(50 * 1000);
        }
        return -1;
}

static pid_t parent_of(pid_t pid)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
        _cleanup_free_ char *stat = record(path);
        char *end = stat != NULL ? strrchr(stat, ')') : NULL;
        int ppid = -1;

        if (end == NULL || sscanf(end + 1, " %*c %d", &ppid) != 1)
                return -1;
        return ppid;
}

/* Gone (or a zombie nobody reaped yet) within 5 s. */
static bool is_gone(pid_t pid)
{
        for (int i = 0; i < 100; i++) {
                if (kill(pid, 0) < 0 || proc_is_zombie(pid))
                        return true;
                usleep(50 * 1000);
        }
        return false;
}

static void test_processes_left_behind_are_killed(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *nspid = NULL;
        pid_t bg;

        (void)state;
        use_fake(fake_lingers);
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_mentions(err.msg, "plain error text");
        /* debootstrap was the init of a PID namespace, whose end took the rest along. */
        nspid = record("nspid");
        assert_string_equal(nspid, "1\n");
        bg = recorded_pid("bgpid");
        assert_true(bg > 1);
        assert_true(is_gone(bg));
        assert_int_equal(access(fx.target, F_OK), -1);
}

static void test_killed_by_signal(void **state)
{
        struct nook_err err = {0};
        pid_t killer, bg, fake;

        (void)state;
        use_fake(fake_waits);
        killer = fork();
        assert_true(killer >= 0);
        if (killer == 0) {
                /* Kills the fake's parent, outside its PID namespace, as the OOM killer or
                 * an administrator would. */
                pid_t pid = recorded_pid("hostpid");

                _exit(pid > 0 && kill(parent_of(pid), SIGKILL) == 0 ? 0 : 1);
        }
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_int_equal(waitpid(killer, NULL, 0), killer);
        assert_mentions(err.msg, "killed by signal 9");
        fake = recorded_pid("hostpid");
        bg = recorded_pid("bgpid");
        assert_true(fake > 1 && bg > 1);
        assert_true(is_gone(fake));
        assert_true(is_gone(bg));
        assert_int_equal(access(fx.target, F_OK), -1);
}

/* The caller (nookctl) killed, Ctrl-C say: debootstrap and all it started die too. */
static void test_caller_killed(void **state)
{
        struct nook_err err = {0};
        pid_t caller, fake, bg;
        int status;

        (void)state;
        use_fake(fake_waits);
        caller = fork();
        assert_true(caller >= 0);
        if (caller == 0)
                _exit(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) <
                      0);
        fake = recorded_pid("hostpid");
        bg = recorded_pid("bgpid");
        assert_int_equal(kill(caller, SIGKILL), 0);
        assert_int_equal(waitpid(caller, &status, 0), caller);
        assert_true(fake > 1 && bg > 1);
        assert_true(is_gone(fake));
        assert_true(is_gone(bg));
}

static void test_tree_without_init_is_refused(void **state)
{
        struct nook_err err = {0};

        (void)state;
        use_fake(fake_no_init);
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_mentions(err.msg, "neither sbin/init nor lib/systemd/systemd");
        assert_int_equal(access(fx.target, F_OK), -1);
}

static void test_existing_dir(void **state)
{
        struct nook_err err = {0};
        _cleanup_free_ char *file = xasprintf("%s/keep", fx.target);
        _cleanup_free_ char *args = xasprintf("%s/args", fx.top);

        (void)state;
        use_fake(fake_mounts_and_fails);
        /* An empty directory is used, and emptied again on failure, not removed. */
        assert_int_equal(mkdir(fx.target, 0700), 0);
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_int_equal(access(fx.target, F_OK), 0);
        assert_int_equal(rmdir(fx.target), 0);
        assert_int_equal(unlink(args), 0);

        /* A directory with something in it is refused before debootstrap runs. */
        assert_int_equal(mkdir(fx.target, 0700), 0);
        assert_int_equal(write_file_atomic(file, "x", 1, 0644, &err), 0);
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_int_equal(err.errnum, ENOTEMPTY);
        assert_mentions(err.msg, fx.target);
        assert_int_equal(access(file, F_OK), 0);
        assert_int_equal(access(args, F_OK), -1);
}

static void test_bad_input(void **state)
{
        _cleanup_free_ char *missing = xasprintf("%s/no-debootstrap-here", fx.top);
        struct nook_err err = {0};

        (void)state;
        assert_int_equal(setenv("NOOK_DEBOOTSTRAP", missing, 1), 0);
        assert_true(template_debootstrap(fx.target, "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_int_equal(err.errnum, ENOENT);
        assert_string_equal(err.msg, "debootstrap is not installed (apt-get install debootstrap)");

        use_fake(fake_success);
        assert_true(template_debootstrap(fx.target, "--foreign", NULL, NULL, NULL, NULL, &err) < 0);
        assert_int_equal(err.errnum, EINVAL);
        assert_mentions(err.msg, "suite");
        assert_true(template_debootstrap(fx.target, NULL, NULL, NULL, NULL, NULL, &err) < 0);
        assert_true(template_debootstrap(fx.target, "bookworm", "-x", NULL, NULL, NULL, &err) < 0);
        assert_mentions(err.msg, "variant");
        assert_true(template_debootstrap("", "bookworm", NULL, NULL, NULL, NULL, &err) < 0);
        assert_int_equal(access(fx.target, F_OK), -1);
}

/* The real thing, from deb.debian.org: opt-in. */
static void test_real_bookworm_minbase(void **state)
{
        struct progress_log log = {0};
        struct archive_progress progress = {record_progress, &log};
        struct nook_err err = {0};
        _cleanup_free_ char *init = xasprintf("%s/sbin/init", fx.target);
        _cleanup_free_ char *chroot = xasprintf("chroot %s /bin/true", fx.target);
        _cleanup_free_ char *os = NULL, *hostname = NULL;
        struct stat st;

        (void)state;
        if (getenv("NOOK_TEST_DEBOOTSTRAP") == NULL ||
            strcmp(getenv("NOOK_TEST_DEBOOTSTRAP"), "1") != 0) {
                print_message("skipped: downloads ~100 MB; set NOOK_TEST_DEBOOTSTRAP=1\n");
                skip();
        }
        unsetenv("NOOK_DEBOOTSTRAP");
        if (template_debootstrap(fx.target, "bookworm", "minbase", NULL, NULL, &progress, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(lstat(init, &st), 0);
        os = record("rootfs/etc/os-release");
        assert_mentions(os, "VERSION_CODENAME=bookworm");
        hostname = record("rootfs/etc/hostname");
        assert_string_equal(hostname, "");
        assert_int_equal(system(chroot), 0);
        assert_false(log.backwards);
        assert_int_equal(log.last, 1000);
        assert_int_equal(access(fx.log, F_OK), -1);
        assert_no_mount_below(fx.target);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_success_fixes_the_tree_for_a_container, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failure_removes_tree_and_mounts_and_keeps_log,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_early_error_on_stdout, setup, teardown),
            cmocka_unit_test_setup_teardown(test_processes_left_behind_are_killed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
            cmocka_unit_test_setup_teardown(test_caller_killed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tree_without_init_is_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_existing_dir, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_input, setup_any, teardown),
            cmocka_unit_test_setup_teardown(test_real_bookworm_minbase, setup, teardown),
        };

        /* Should the code under test fail to isolate the fakes' mounts, they still stay
         * in this test's own namespace, where the tests look for them. */
        if (geteuid() == 0 &&
            (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)) {
                perror("a private mount namespace for the test");
                return 1;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
