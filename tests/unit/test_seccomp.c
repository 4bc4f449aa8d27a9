#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "oci/oci.h"
#include "runtime/container.h"
#include "runtime/seccomp.h"

/* The documents below are written with ' for " to stay readable. */
static char *dq(const char *text)
{
        char *s = xstrdup(text);

        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}

static struct oci_seccomp *parse_ok(const char *text)
{
        _cleanup_free_ char *json = dq(text);
        _cleanup_json_ json_val v = NULL;
        struct nook_err err = {0};
        struct oci_seccomp *s = NULL;

        assert_int_equal(json_parse(json, &v, &err), 0);
        if (oci_seccomp_parse(v, "linux.seccomp", &s, &err) < 0)
                fail_msg("unexpected error: %s", err.msg);
        assert_non_null(s);
        return s;
}

/* The error of a whole config.json whose linux.seccomp is `seccomp`, as create sees it. */
static void expect_error(const char *seccomp, const char *msg)
{
        _cleanup_free_ char *doc = xasprintf(
            "{'ociVersion':'1.2.0','root':{'path':'rootfs'},'linux':{'seccomp':%s}}", seccomp);
        _cleanup_free_ char *json = dq(doc);
        struct nook_err err = {0};
        struct oci_config *c = NULL;

        assert_true(oci_config_parse(json, &c, &err) < 0);
        assert_null(c);
        assert_string_equal(err.msg, msg);
}

static uint32_t action_of(const char *action, const char *extra)
{
        _cleanup_free_ char *text =
            xasprintf("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/agent.sock',"
                      "'syscalls':[{'names':['uname'],'action':'%s'%s}]}",
                      action, extra);
        struct oci_seccomp *s = parse_ok(text);
        uint32_t a = s->syscalls[0].action;

        oci_seccomp_free(s);
        return a;
}

static void test_actions(void **state)
{
        assert_int_equal(action_of("SCMP_ACT_KILL", ""), SCMP_ACT_KILL);
        assert_int_equal(action_of("SCMP_ACT_KILL_PROCESS", ""), SCMP_ACT_KILL_PROCESS);
        assert_int_equal(action_of("SCMP_ACT_KILL_THREAD", ""), SCMP_ACT_KILL_THREAD);
        assert_int_equal(action_of("SCMP_ACT_TRAP", ""), SCMP_ACT_TRAP);
        assert_int_equal(action_of("SCMP_ACT_ERRNO", ""), SCMP_ACT_ERRNO(EPERM));
        assert_int_equal(action_of("SCMP_ACT_ERRNO", ",'errnoRet':38"), SCMP_ACT_ERRNO(38));
        assert_int_equal(action_of("SCMP_ACT_TRACE", ""), SCMP_ACT_TRACE(EPERM));
        assert_int_equal(action_of("SCMP_ACT_TRACE", ",'errnoRet':7"), SCMP_ACT_TRACE(7));
        assert_int_equal(action_of("SCMP_ACT_ALLOW", ""), SCMP_ACT_ALLOW);
        assert_int_equal(action_of("SCMP_ACT_LOG", ""), SCMP_ACT_LOG);
        assert_int_equal(action_of("SCMP_ACT_NOTIFY", ""), SCMP_ACT_NOTIFY);
}

static void test_default_action_and_errno(void **state)
{
        struct oci_seccomp *s = parse_ok("{'defaultAction':'SCMP_ACT_ERRNO'}");

        assert_int_equal(s->default_action, SCMP_ACT_ERRNO(EPERM));
        assert_int_equal(s->n_syscalls, 0);
        assert_int_equal(s->n_archs, 0);
        assert_false(oci_seccomp_uses_notify(s));
        oci_seccomp_free(s);
        s = parse_ok("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38}");
        assert_int_equal(s->default_action, SCMP_ACT_ERRNO(38));
        oci_seccomp_free(s);
        s = parse_ok("{'defaultAction':'SCMP_ACT_KILL_PROCESS'}");
        assert_int_equal(s->default_action, SCMP_ACT_KILL_PROCESS);
        oci_seccomp_free(s);
}

static void test_operators_and_args(void **state)
{
        static const struct {
                const char *name;
                enum scmp_compare op;
        } ops[] = {
            {"SCMP_CMP_NE", SCMP_CMP_NE},
            {"SCMP_CMP_LT", SCMP_CMP_LT},
            {"SCMP_CMP_LE", SCMP_CMP_LE},
            {"SCMP_CMP_EQ", SCMP_CMP_EQ},
            {"SCMP_CMP_GE", SCMP_CMP_GE},
            {"SCMP_CMP_GT", SCMP_CMP_GT},
            {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
        };

        for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
                _cleanup_free_ char *text = xasprintf(
                    "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['personality'],"
                    "'action':'SCMP_ACT_ERRNO','args':[{'index':5,'value':18446744073709551615,"
                    "'valueTwo':3,'op':'%s'},{'index':0,'value':0,'op':'SCMP_CMP_EQ'}]}]}",
                    ops[i].name);
                struct oci_seccomp *s = parse_ok(text);
                const struct oci_seccomp_syscall *sc = &s->syscalls[0];

                assert_int_equal(sc->n_args, 2);
                assert_int_equal(sc->args[0].op, ops[i].op);
                assert_int_equal(sc->args[0].index, 5);
                assert_true(sc->args[0].value == UINT64_MAX);
                assert_int_equal(sc->args[0].value_two, 3);
                assert_int_equal(sc->args[1].value_two, 0);
                assert_string_equal(sc->names[0], "personality");
                assert_null(sc->names[1]);
                oci_seccomp_free(s);
        }
}

static void test_flags(void **state)
{
        struct oci_seccomp *s =
            parse_ok("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_TSYNC',"
                     "'SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW']}");

        assert_int_equal(s->flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
                                       SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        oci_seccomp_free(s);
        if (!NOOK_SECCOMP_WAITKILL)
                expect_error("{'defaultAction':'SCMP_ACT_ALLOW','flags':["
                             "'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']}",
                             "config.json: linux.seccomp.flags[0]: "
                             "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs libseccomp 2.6");
}

static void test_architectures(void **state)
{
        struct oci_seccomp *s = parse_ok(
            "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64',"
            "'SCMP_ARCH_X86','SCMP_ARCH_X32','SCMP_ARCH_AARCH64','SCMP_ARCH_ARM',"
            "'SCMP_ARCH_MIPSEL64N32','SCMP_ARCH_PPC64LE','SCMP_ARCH_S390X','SCMP_ARCH_RISCV64']}");
        static const uint32_t want[] = {
            SCMP_ARCH_X86_64,  SCMP_ARCH_X86,   SCMP_ARCH_X32,
            SCMP_ARCH_AARCH64, SCMP_ARCH_ARM,   SCMP_ARCH_MIPSEL64N32,
            SCMP_ARCH_PPC64LE, SCMP_ARCH_S390X, SCMP_ARCH_RISCV64,
        };

        assert_int_equal(s->n_archs, ARRAY_SIZE(want));
        for (size_t i = 0; i < ARRAY_SIZE(want); i++)
                assert_int_equal(s->archs[i], want[i]);
        oci_seccomp_free(s);
}

static void test_listener(void **state)
{
        struct oci_seccomp *s =
            parse_ok("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/agent.sock',"
                     "'listenerMetadata':'hello','syscalls':[{'names':['mkdir'],"
                     "'action':'SCMP_ACT_NOTIFY'}]}");

        assert_string_equal(s->listener_path, "/run/agent.sock");
        assert_string_equal(s->listener_metadata, "hello");
        assert_true(oci_seccomp_uses_notify(s));
        oci_seccomp_free(s);
        assert_false(oci_seccomp_uses_notify(NULL));
}

static void test_errors(void **state)
{
        static const char *const cases[][2] = {
            {"{}", "config.json: linux.seccomp.defaultAction: required property is missing"},
            {"[]", "config.json: linux.seccomp: expected an object"},
            {"{'defaultAction':1}", "config.json: linux.seccomp.defaultAction: expected a string"},
            {"{'defaultAction':'SCMP_ACT_FOO'}",
             "config.json: linux.seccomp.defaultAction: unknown action 'SCMP_ACT_FOO'"},
            {"{'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/a'}",
             "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default "
             "action"},
            {"{'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}",
             "config.json: linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or "
             "SCMP_ACT_TRACE, not SCMP_ACT_KILL"},
            {"{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':65536}",
             "config.json: linux.seccomp.defaultErrnoRet: 65536 is out of range (at most 65535)"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86','SCMP_ARCH_FOO']}",
             "config.json: linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_FOO'"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','architectures':['x86_64']}",
             "config.json: linux.seccomp.architectures[0]: unknown architecture 'x86_64'"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_FOO']}",
             "config.json: linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_FOO'"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'agent.sock'}",
             "config.json: linux.seccomp.listenerPath: must be an absolute path"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','listenerMetadata':'x'}",
             "config.json: linux.seccomp.listenerMetadata: requires linux.seccomp.listenerPath"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':{}}",
             "config.json: linux.seccomp.syscalls: expected an array"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG'}"
             ","
             "{'names':['b'],'action':'SCMP_ACT_ALLOW'},{'names':['c'],'action':'SCMP_ACT_FOO'}]}",
             "config.json: linux.seccomp.syscalls[2].action: unknown action 'SCMP_ACT_FOO'"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_LOG'}]}",
             "config.json: linux.seccomp.syscalls[0].names: required property is missing"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_LOG'}]}",
             "config.json: linux.seccomp.syscalls[0].names: must contain at least one name"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a',1],'action':'SCMP_ACT_"
             "LOG'}]}",
             "config.json: linux.seccomp.syscalls[0].names[1]: expected a string"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a']}]}",
             "config.json: linux.seccomp.syscalls[0].action: required property is missing"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'errnoRet':1}]}",
             "config.json: linux.seccomp.syscalls[0].errnoRet: only allowed with SCMP_ACT_ERRNO "
             "or SCMP_ACT_TRACE, not SCMP_ACT_LOG"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],"
             "'action':'SCMP_ACT_NOTIFY'}]}",
             "config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires "
             "linux.seccomp.listenerPath"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}",
             "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (at most 5)"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'args':[{'index':0,'value':1,'op':'SCMP_CMP_EQ'},{'index':1,'value':1,"
             "'op':'SCMP_CMP_FOO'}]}]}",
             "config.json: linux.seccomp.syscalls[0].args[1].op: unknown operator 'SCMP_CMP_FOO'"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]}",
             "config.json: linux.seccomp.syscalls[0].args[0].value: required property is missing"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'args':[{'index':0,'value':-1,'op':'SCMP_CMP_EQ'}]}]}",
             "config.json: linux.seccomp.syscalls[0].args[0].value: expected a non-negative "
             "integer"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'args':[{'value':1,'op':'SCMP_CMP_EQ'}]}]}",
             "config.json: linux.seccomp.syscalls[0].args[0].index: required property is missing"},
            {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
             "'args':[{'index':0,'value':1}]}]}",
             "config.json: linux.seccomp.syscalls[0].args[0].op: required property is missing"},
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                expect_error(cases[i][0], cases[i][1]);
}

static bool allows(const struct oci_seccomp *s, const char *name)
{
        for (size_t i = 0; i < s->n_syscalls; i++)
                for (char **n = s->syscalls[i].names; *n; n++)
                        if (strcmp(*n, name) == 0 && s->syscalls[i].action == SCMP_ACT_ALLOW &&
                            s->syscalls[i].n_args == 0)
                                return true;
        return false;
}

static void test_default_profile(void **state)
{
        _cleanup_json_ json_val v = NULL;
        struct nook_err err = {0};
        struct oci_seccomp *s = NULL;

        assert_int_equal(json_parse(oci_seccomp_default_profile_json(), &v, &err), 0);
        assert_int_equal(oci_seccomp_parse(v, "linux.seccomp", &s, &err), 0);
        assert_int_equal(s->default_action, SCMP_ACT_ERRNO(EPERM));
        assert_true(allows(s, "read"));
        assert_true(allows(s, "execve"));
        assert_true(allows(s, "close_range"));
        assert_false(allows(s, "mount"));
        assert_false(allows(s, "clone")); /* only without namespace flags */
        assert_false(allows(s, "unshare"));
        assert_false(allows(s, "reboot"));
        assert_false(oci_seccomp_uses_notify(s));
        assert_int_equal(s->archs[0], SCMP_ARCH_X86_64);
        oci_seccomp_free(s);
}

/* `nook spec` writes the default profile under linux.seccomp, and it reads back. */
static void test_spec_has_the_default_profile(void **state)
{
        for (int rootless = 0; rootless <= 1; rootless++) {
                _cleanup_free_ char *json = oci_config_default_json(NULL, rootless);
                struct nook_err err = {0};
                struct oci_config *c = NULL;

                if (oci_config_parse(json, &c, &err) < 0)
                        fail_msg("unexpected error: %s", err.msg);
                assert_non_null(c->linux_.seccomp);
                assert_int_equal(c->linux_.seccomp->default_action, SCMP_ACT_ERRNO(EPERM));
                assert_true(allows(c->linux_.seccomp, "read"));
                oci_config_free(c);
        }
}

static void test_features(void **state)
{
        _cleanup_free_ char *json = container_features_json();
        _cleanup_json_ json_val v = NULL;
        struct nook_err err = {0};
        json_val sc;
        bool enabled = false;

        assert_int_equal(json_parse(json, &v, &err), 0);
        sc = json_get(json_get(v, "linux"), "seccomp");
        assert_int_equal(json_as_bool(json_get(sc, "enabled"), "enabled", &enabled, &err), 0);
        assert_true(enabled);
        assert_int_equal(json_array_len(json_get(sc, "actions")), 9);
        assert_int_equal(json_array_len(json_get(sc, "operators")), 7);
        assert_true(json_array_len(json_get(sc, "archs")) >= 3);
        assert_true(json_array_len(json_get(sc, "knownFlags")) >= 3);
        assert_true(json_is_array(json_get(sc, "supportedFlags")));
}

/* ---- filters loaded in a child ---- */

typedef int (*probe_fn)(void);

/* What a child needs to finish under a deny-by-default filter: exiting, and what a
 * sanitizer's runtime does around it (an ASan build of these tests dies with its own
 * exit code when mmap and the like fail). */
#define RUNTIME_SYSCALLS                                                                           \
        "'exit_group','exit','mmap','munmap','mprotect','madvise','brk','write','writev',"         \
        "'rt_sigprocmask','rt_sigaction','sigaltstack','futex','getpid','gettid','sched_yield',"   \
        "'prctl','open','openat','read','close','fstat','newfstatat','readlink','readlinkat'"

/* Loads the filter in a forked child (which sets no_new_privs, as a container process
 * would) and runs probe there; returns the child's wait status.  The probe's return
 * value is the exit status. */
/* The exit status of a child that loads s (its program prog when compiled, else
 * through libseccomp) and runs probe. */
static int run_program(const struct oci_seccomp *s, const struct seccomp_program *prog,
                       probe_fn probe)
{
        int status;
        pid_t pid;

        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct nook_err err = {0};
                int notify_fd;

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(200);
                if (seccomp_load_filter(s, prog, &notify_fd, &err) < 0) {
                        fprintf(stderr, "load: %s (%s)\n", err.msg, strerror(err.errnum));
                        _exit(201);
                }
                _exit(probe());
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

static int run_filtered(const char *seccomp, probe_fn probe)
{
        struct oci_seccomp *s = parse_ok(seccomp);
        int status = run_program(s, NULL, probe);

        oci_seccomp_free(s);
        return status;
}

static void expect_exit(int status, int code)
{
        if (!WIFEXITED(status))
                fail_msg("the child did not exit (status 0x%x)", status);
        assert_int_equal(WEXITSTATUS(status), code);
}

/* errno of uname(), 0 when it succeeds. */
static int probe_uname(void)
{
        struct utsname u;

        return uname(&u) < 0 ? errno : 0;
}

static int probe_getpid(void)
{
        return getpid() > 0 ? 0 : 1;
}

static void test_load_errno(void **state)
{
        /* uname fails with the configured errno, other calls are untouched. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['uname'],'action':'SCMP_ACT_ERRNO','errnoRet':77}]}",
                                 probe_uname),
                    77);
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['uname'],'action':'SCMP_ACT_ERRNO'}]}",
                                 probe_getpid),
                    0);
        /* EPERM when errnoRet is not given; unknown names are skipped. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['no_such_syscall','uname'],'action':'SCMP_ACT_ERRNO'}]}",
                                 probe_uname),
                    EPERM);
        /* A rule that does what the default does is left out rather than refused. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['uname'],'action':'SCMP_ACT_ALLOW'}]}",
                                 probe_uname),
                    0);
        /* The default action with its errno. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
                                 "'syscalls':[{'names':[" RUNTIME_SYSCALLS "],"
                                 "'action':'SCMP_ACT_ALLOW'}]}",
                                 probe_uname),
                    38);
}

static int count_files(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        assert_non_null(d);
        while ((de = readdir(d)) != NULL)
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

/* The parent compiles a profile once and keeps the program under the root; the next
 * container with the same profile reads it back; the cached program still enforces. */
static void test_prepare_caches_the_program(void **state)
{
        static const char profile[] = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                      "['uname'],'action':'SCMP_ACT_ERRNO','errnoRet':77}]}";
        char cache[] = "/tmp/nook-test-seccomp-cache-XXXXXX";
        struct oci_seccomp *first = parse_ok(profile), *second = parse_ok(profile);
        struct oci_seccomp *other = parse_ok("{'defaultAction':'SCMP_ACT_ALLOW'}");
        struct seccomp_program p1 = {0}, p2 = {0}, p3 = {0};
        struct nook_err err = {0};

        assert_non_null(mkdtemp(cache));
        assert_int_equal(seccomp_prepare(first, cache, &p1, &err), 0);
        assert_non_null(p1.insns);
        assert_int_equal(count_files(cache), 1);
        assert_int_equal(seccomp_prepare(second, cache, &p2, &err), 0);
        assert_int_equal(p2.n_insns, p1.n_insns);
        assert_memory_equal(p2.insns, p1.insns, p1.n_insns * sizeof(*p1.insns));
        assert_int_equal(seccomp_prepare(other, cache, &p3, &err), 0);
        assert_int_equal(count_files(cache), 2);

        expect_exit(run_program(second, &p2, probe_uname), 77);
        oci_seccomp_free(first);
        oci_seccomp_free(second);
        oci_seccomp_free(other);
        seccomp_program_clear(&p1);
        seccomp_program_clear(&p2);
        seccomp_program_clear(&p3);
        assert_int_equal(remove_tree_at(AT_FDCWD, cache, &err), 0);
}

/* What the default profile refuses, through the program a container loads (the tree
 * of runtime/seccomp_tree.h): bit 0 mount, 1 socket(AF_VSOCK), 2
 * personality(READ_IMPLIES_EXEC), 3 clone3 (ENOSYS); bit 4 when uname, socket(AF_UNIX)
 * or personality(query) failed. */
static int probe_default_profile(void)
{
        struct utsname u;
        int r = 0, fd;

        if (syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL) < 0 && errno == EPERM)
                r |= 1;
        if (socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) < 0 && errno == EPERM)
                r |= 2;
        if (personality(0x0400000) == -1 && errno == EPERM)
                r |= 4;
        if (syscall(435 /* clone3 */, NULL, 0) < 0 && errno == ENOSYS)
                r |= 8;
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (uname(&u) < 0 || fd < 0 || personality(0xffffffff) == -1)
                r |= 16;
        return r;
}

static void test_tree_loads_and_enforces(void **state)
{
        _cleanup_json_ json_val v = NULL;
        struct nook_err err = {0};
        struct oci_seccomp *s = NULL;
        struct seccomp_program lib = {0}, tree = {0};

        assert_int_equal(json_parse(oci_seccomp_default_profile_json(), &v, &err), 0);
        assert_int_equal(oci_seccomp_parse(v, "linux.seccomp", &s, &err), 0);
        assert_int_equal(seccomp_compile(s, false, &lib, &err), 0);
        assert_int_equal(seccomp_compile(s, true, &tree, &err), 0);
        assert_true(tree.n_insns < lib.n_insns);
        expect_exit(run_program(s, &tree, probe_default_profile), 15);
        expect_exit(run_program(s, &lib, probe_default_profile), 15);
        seccomp_program_clear(&lib);
        seccomp_program_clear(&tree);
        oci_seccomp_free(s);
}

static void test_load_kill_process(void **state)
{
        int status = run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                  "['uname'],'action':'SCMP_ACT_KILL_PROCESS'}]}",
                                  probe_uname);

        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* Which personality() calls fail: bit 0 for 0xffffffff (a query), bit 1 for PER_LINUX,
 * bit 2 for PER_LINUX32 (8), bit 3 for ADDR_NO_RANDOMIZE (0x20000, 131072). */
static int probe_personality(void)
{
        static const unsigned long values[] = {0xffffffffUL, 0, 8, 0x20000};
        int failed = 0;

        for (size_t i = 0; i < ARRAY_SIZE(values); i++)
                if (personality(values[i]) == -1 && errno == EPERM)
                        failed |= 1 << i;
        return failed;
}

static void test_load_args(void **state)
{
        /* One condition: everything but the query is refused. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,"
                                 "'value':4294967295,'op':'SCMP_CMP_NE'}]}]}",
                                 probe_personality),
                    0xe);
        /* The other way round, as the default profile has it: allowed values only. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':["
                                 "{'names':[" RUNTIME_SYSCALLS "],'action':'SCMP_ACT_ALLOW'},"
                                 "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':"
                                 "[{'index':0,'value':4294967295,'op':'SCMP_CMP_EQ'}]}]}",
                                 probe_personality),
                    0xe);
        /* Two conditions on one argument become two rules, either of which matches. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['personality'],'action':'SCMP_ACT_ERRNO','args':["
                                 "{'index':0,'value':8,'op':'SCMP_CMP_EQ'},"
                                 "{'index':0,'value':131072,'op':'SCMP_CMP_EQ'}]}]}",
                                 probe_personality),
                    0xc);
        /* MASKED_EQ: value is the mask, valueTwo the expected result. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['personality'],'action':'SCMP_ACT_ERRNO','args':["
                                 "{'index':0,'value':131080,'valueTwo':8,"
                                 "'op':'SCMP_CMP_MASKED_EQ'}]}]}",
                                 probe_personality),
                    0x4);
}

/* getpriority(PRIO_PROCESS, 0) and getpriority(PRIO_PROCESS, 999999): bit 0 and bit 1
 * when they fail with EPERM. */
static int probe_getpriority(void)
{
        int failed = 0;

        errno = 0;
        if (getpriority(PRIO_PROCESS, 0) == -1 && errno == EPERM)
                failed |= 1;
        errno = 0;
        if (getpriority(PRIO_PROCESS, 999999) == -1 && errno == EPERM)
                failed |= 2;
        return failed;
}

static void test_load_args_on_two_indexes(void **state)
{
        /* Conditions on different arguments must all hold. */
        expect_exit(run_filtered("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':"
                                 "['getpriority'],'action':'SCMP_ACT_ERRNO','args':["
                                 "{'index':0,'value':0,'op':'SCMP_CMP_EQ'},"
                                 "{'index':1,'value':999999,'op':'SCMP_CMP_EQ'}]}]}",
                                 probe_getpriority),
                    2);
}

static void test_load_notify(void **state)
{
        struct oci_seccomp *s =
            parse_ok("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/nonexistent/agent.sock',"
                     "'syscalls':[{'names':['uname'],'action':'SCMP_ACT_NOTIFY'}]}");
        int status;
        pid_t pid;

        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct nook_err err = {0};
                int notify_fd = -1;

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    seccomp_load_filter(s, NULL, &notify_fd, &err) < 0)
                        _exit(1);
                /* Not calling uname: nobody would answer. */
                _exit(notify_fd >= 0 ? 0 : 2);
        }
        oci_seccomp_free(s);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        expect_exit(status, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_actions),
            cmocka_unit_test(test_default_action_and_errno),
            cmocka_unit_test(test_operators_and_args),
            cmocka_unit_test(test_flags),
            cmocka_unit_test(test_architectures),
            cmocka_unit_test(test_listener),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_default_profile),
            cmocka_unit_test(test_spec_has_the_default_profile),
            cmocka_unit_test(test_features),
            cmocka_unit_test(test_load_errno),
            cmocka_unit_test(test_prepare_caches_the_program),
            cmocka_unit_test(test_tree_loads_and_enforces),
            cmocka_unit_test(test_load_kill_process),
            cmocka_unit_test(test_load_args),
            cmocka_unit_test(test_load_args_on_two_indexes),
            cmocka_unit_test(test_load_notify),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
