/* config.json as a whole: the top level, the process, mounts, hooks, annotations,
 * unknown and unsupported settings, the errors of each and `nook spec`'s default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <errno.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_test.h"

static void test_minimal_config(void **state)
{
        _cleanup_config_ struct oci_config *c =
            parse_ok("{'ociVersion':'1.0.2','root':{'path':'r'}}");

        assert_string_equal(c->oci_version, "1.0.2");
        assert_string_equal(c->root.path, "r");
        assert_false(c->root.readonly);
        assert_null(c->process);
        assert_null(c->hostname);
        assert_int_equal(c->n_mounts, 0);
        assert_int_equal(c->n_annotations, 0);
        assert_false(c->has_linux);
        for (size_t k = 0; k < OCI_HOOK_KIND_COUNT; k++)
                assert_int_equal(c->hooks[k].n, 0);
        assert_null(oci_annotation(c, "x"));
        assert_false(oci_config_has_namespace(c, CLONE_NEWPID));
}

static void test_minimal_process_defaults(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(PROCESS(""));
        struct oci_process *p = c->process;

        assert_non_null(p);
        assert_string_equal(p->args[0], "sh");
        assert_null(p->args[1]);
        assert_non_null(p->env);
        assert_null(p->env[0]);
        assert_string_equal(p->cwd, "/");
        assert_int_equal(p->user.uid, 0);
        assert_int_equal(p->user.gid, 0);
        assert_false(p->user.has_umask);
        assert_false(p->has_caps);
        assert_false(p->has_oom_score_adj);
        assert_false(p->terminal);
        assert_int_equal(p->n_rlimits, 0);
}

static void test_full_config_process(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(full_config);
        struct oci_process *p = c->process;

        assert_true(c->root.readonly);
        assert_true(p->terminal);
        assert_int_equal(p->console_height, 24);
        assert_int_equal(p->console_width, 80);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 1001);
        assert_true(p->user.has_umask);
        assert_int_equal(p->user.umask, 18);
        assert_int_equal(p->user.n_additional_gids, 2);
        assert_int_equal(p->user.additional_gids[0], 5);
        assert_true(p->user.additional_gids[1] == UINT32_MAX);
        assert_int_equal(strv_length(p->args), 3);
        assert_string_equal(p->args[2], "true");
        assert_string_equal(p->env[1], "HOME=/root");
        assert_string_equal(p->cwd, "/home");

        assert_true(p->has_caps);
        assert_true(p->caps.bounding == (CAP(CAP_CHOWN) | CAP(CAP_SYS_ADMIN)));
        assert_true(p->caps.effective == CAP(CAP_KILL));
        assert_true(p->caps.inheritable == 0);
        assert_true(p->caps.permitted == (CAP(CAP_NET_RAW) | CAP(CAP_KILL)));
        assert_true(p->caps.ambient == CAP(CAP_NET_BIND_SERVICE));

        assert_int_equal(p->n_rlimits, 2);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[0].hard, 4096);
        assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
        assert_true(p->rlimits[1].soft == UINT64_C(18446744073709551615));
        assert_true(p->rlimits[1].hard == UINT64_MAX);

        assert_true(p->no_new_privileges);
        assert_true(p->has_oom_score_adj);
        assert_int_equal(p->oom_score_adj, -500);
        assert_string_equal(p->apparmor_profile, "nook-default");
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
}

static void test_full_config_mounts_hooks_annotations(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(full_config);

        assert_string_equal(c->hostname, "box");
        assert_string_equal(c->domainname, "example.org");

        assert_int_equal(c->n_mounts, 3);
        assert_string_equal(c->mounts[0].destination, "/proc");
        assert_string_equal(c->mounts[0].type, "proc");
        assert_null(c->mounts[0].options);
        assert_null(c->mounts[0].data);
        assert_true(c->mounts[1].bind);
        assert_true(c->mounts[1].recursive);
        assert_string_equal(c->mounts[1].source, "/srv/data");
        assert_int_equal(c->mounts[1].flags, MS_RDONLY | MS_NOSUID);
        assert_int_equal(c->mounts[1].propagation, MS_PRIVATE | MS_REC);
        assert_string_equal(c->mounts[1].options[0], "rbind");
        assert_string_equal(c->mounts[2].destination, "/dev/shm");
        assert_string_equal(c->mounts[2].data, "mode=1777,size=65536k");
        assert_int_equal(c->mounts[2].flags, MS_NOSUID);
        assert_false(c->mounts[2].bind);

        assert_int_equal(c->hooks[OCI_HOOK_PRESTART].n, 1);
        assert_string_equal(c->hooks[OCI_HOOK_PRESTART].hooks[0].path, "/usr/bin/pre");
        assert_null(c->hooks[OCI_HOOK_PRESTART].hooks[0].args);
        assert_int_equal(c->hooks[OCI_HOOK_PRESTART].hooks[0].timeout, 0);
        {
                const struct oci_hook *h = &c->hooks[OCI_HOOK_CREATE_RUNTIME].hooks[0];
                assert_string_equal(h->args[1], "--x");
                assert_string_equal(h->env[0], "A=1");
                assert_int_equal(h->timeout, 5);
        }
        assert_string_equal(c->hooks[OCI_HOOK_CREATE_CONTAINER].hooks[0].path, "/bin/cc");
        assert_string_equal(c->hooks[OCI_HOOK_START_CONTAINER].hooks[0].path, "/bin/sc");
        assert_string_equal(c->hooks[OCI_HOOK_POSTSTART].hooks[0].path, "/bin/ps");
        assert_int_equal(c->hooks[OCI_HOOK_POSTSTOP].n, 2);
        assert_string_equal(c->hooks[OCI_HOOK_POSTSTOP].hooks[1].path, "/bin/b");
        assert_int_equal(c->hooks[OCI_HOOK_POSTSTOP].hooks[1].timeout, 0);

        assert_int_equal(c->n_annotations, 2);
        assert_string_equal(oci_annotation(c, "org.example.key"), "value");
        assert_string_equal(oci_annotation(c, "empty"), "");
        assert_null(oci_annotation(c, "missing"));
}

static void test_full_config_linux(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(full_config);
        const struct oci_linux *l = &c->linux_;
        const struct oci_namespace *net;

        assert_true(c->has_linux);
        assert_int_equal(l->n_namespaces, 8);
        assert_true(oci_config_has_namespace(c, CLONE_NEWTIME));
        assert_true(oci_config_has_namespace(c, CLONE_NEWCGROUP));
        net = oci_config_namespace(c, CLONE_NEWNET);
        assert_non_null(net);
        assert_string_equal(net->path, "/var/run/netns/x");
        assert_null(oci_config_namespace(c, CLONE_NEWPID)->path);

        assert_int_equal(l->n_uid_mappings, 1);
        assert_int_equal(l->uid_mappings[0].container_id, 0);
        assert_int_equal(l->uid_mappings[0].host_id, 100000);
        assert_int_equal(l->uid_mappings[0].size, 65536);
        assert_int_equal(l->n_gid_mappings, 2);
        assert_int_equal(l->gid_mappings[1].container_id, 1000);
        assert_int_equal(l->gid_mappings[1].host_id, 1000);
        assert_int_equal(l->gid_mappings[1].size, 1);

        assert_true(l->has_time_offsets);
        assert_int_equal(l->boottime.secs, -3600);
        assert_int_equal(l->boottime.nanosecs, 5);
        assert_int_equal(l->monotonic.secs, 86400);
        assert_int_equal(l->monotonic.nanosecs, 999999999);

        assert_int_equal(l->n_devices, 2);
        assert_string_equal(l->devices[0].path, "/dev/fuse");
        assert_int_equal(l->devices[0].type, 'c');
        assert_int_equal(l->devices[0].major, 10);
        assert_int_equal(l->devices[0].minor, 229);
        assert_true(l->devices[0].has_file_mode);
        assert_int_equal(l->devices[0].file_mode, 0666);
        assert_true(l->devices[0].has_uid);
        assert_true(l->devices[0].has_gid);
        assert_int_equal(l->devices[0].gid, 5);
        assert_int_equal(l->devices[1].type, 'p');
        assert_false(l->devices[1].has_file_mode);
        assert_false(l->devices[1].has_uid);

        assert_string_equal(l->cgroups_path, "/nook/box");
        assert_non_null(l->resources);
        assert_non_null(l->seccomp);
        assert_int_equal(l->rootfs_propagation, MS_SLAVE | MS_REC);
        assert_string_equal(l->masked_paths[0], "/proc/kcore");
        assert_null(l->masked_paths[1]);
        assert_int_equal(strv_length(l->readonly_paths), 2);
        assert_int_equal(l->n_sysctl, 2);
        assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");
        assert_string_equal(l->sysctl[0].value, "1");
        assert_string_equal(l->sysctl[1].value, "4096");
        assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
}

static void test_unknown_properties_and_nulls_are_ignored(void **state)
{
        _cleanup_config_ struct oci_config *c =
            parse_ok("{'ociVersion':'1.2.0','root':{'path':'r','future':1},'vm':{'x':[1]},"
                     "'hostname':null,'mounts':null,'hooks':{'onReboot':[{'path':'x'}]},"
                     "'process':{'args':['sh'],'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_RT'},"
                     "           'user':{'uid':null,'username':'root'},'capabilities':null},"
                     "'linux':{'intelRdt':{},'personality':{'domain':'LINUX'},'resources':null,"
                     "         'namespaces':[{'type':'pid','extra':true}]}}");

        assert_null(c->hostname);
        assert_int_equal(c->n_mounts, 0);
        assert_int_equal(c->process->user.uid, 0);
        assert_false(c->process->has_caps);
        assert_true(c->has_linux);
        assert_null(c->linux_.resources);
        assert_null(c->linux_.seccomp);
        assert_int_equal(c->linux_.n_namespaces, 1);
        /* settings of the spec nook does not implement are noted for create to refuse */
        assert_string_equal(c->process->unsupported, "ioPriority");
        assert_string_equal(c->linux_.unsupported, "intelRdt");
}

static void test_unsupported_settings(void **state)
{
        _cleanup_config_ struct oci_config *c =
            parse_ok(LINUX("'mountLabel':'system_u:object_r:container_file_t:s0'"));
        _cleanup_config_ struct oci_config *none = parse_ok(PROCESS(",'scheduler':null"));
        _cleanup_config_ struct oci_config *sched =
            parse_ok(PROCESS(",'scheduler':{'policy':'SCHED_BATCH'}"));

        (void)state;
        assert_string_equal(c->linux_.unsupported, "mountLabel");
        assert_null(none->process->unsupported);
        assert_null(none->linux_.unsupported);
        assert_string_equal(sched->process->unsupported, "scheduler");
}

/* runtime-spec 1.1: an unknown capability name does not fail the config (runc and crun
 * warn and go on); it is left out of the set and listed for the runtime's warning.
 * Only the spec's spelling is a name: lower case and numbers are not. */
static void test_unknown_capabilities_are_left_out(void **state)
{
        _cleanup_free_ char *json = dq("{'args':['sh'],'cwd':'/','capabilities':"
                                       "{'ambient':['CAP_KILL','CAP_NOPE']}}");
        _cleanup_config_ struct oci_config *c =
            parse_ok(PROCESS(",'capabilities':{'bounding':['CAP_KILL','CAP_CHOWN','CAP_FOO'],"
                             "'effective':['cap_chown'],'permitted':['12','CAP_FOO'],"
                             "'inheritable':['CAP_KILL,CAP_CHOWN']}"));
        const struct oci_process *p = c->process;
        struct oci_process *alone = NULL;
        struct nook_err err = {0};

        (void)state;
        assert_true(p->caps.bounding == (CAP(CAP_KILL) | CAP(CAP_CHOWN)));
        assert_true(p->caps.effective == 0 && p->caps.permitted == 0 && p->caps.inheritable == 0);
        assert_string_equal(p->unknown_caps[0], "CAP_FOO");
        assert_string_equal(p->unknown_caps[1], "cap_chown");
        assert_string_equal(p->unknown_caps[2], "CAP_KILL,CAP_CHOWN");
        assert_string_equal(p->unknown_caps[3], "12");
        assert_null(p->unknown_caps[4]);
        /* The process of `exec --process` goes through the same parser. */
        assert_int_equal(oci_process_parse(json, &alone, &err), 0);
        assert_true(alone->caps.ambient == CAP(CAP_KILL));
        assert_string_equal(alone->unknown_caps[0], "CAP_NOPE");
        oci_process_free(alone);
}

static void test_error_invalid_json(void **state)
{
        struct nook_err err = {0};
        struct oci_config *c = NULL;

        assert_true(oci_config_parse("{\"ociVersion\": ", &c, &err) < 0);
        assert_null(c);
        assert_true(str_has_prefix(err.msg, "config.json: invalid JSON: "));
}

static void test_error_top_level_array(void **state)
{
        expect_error("[1,2]", "config.json: expected an object");
}

static void test_error_missing_oci_version(void **state)
{
        expect_error("{'root':{'path':'r'}}",
                     "config.json: ociVersion: required property is missing");
        expect_error("{'ociVersion':1,'root':{'path':'r'}}",
                     "config.json: ociVersion: expected a string");
}

static void test_error_missing_root_path(void **state)
{
        expect_error("{'ociVersion':'1.2.0','root':{'readonly':true}}",
                     "config.json: root.path: required property is missing");
        expect_error("{'ociVersion':'1.2.0'}", "config.json: root: required property is missing");
        expect_error("{'ociVersion':'1.2.0','root':'r'}", "config.json: root: expected an object");
}

static void test_error_process_args_missing(void **state)
{
        expect_error(HEAD "'process':{'cwd':'/'}}",
                     "config.json: process.args: required property is missing");
}

static void test_error_process_args_empty(void **state)
{
        expect_error(HEAD "'process':{'args':[],'cwd':'/'}}",
                     "config.json: process.args: must not be empty");
}

static void test_error_process_args_not_string(void **state)
{
        expect_error(HEAD "'process':{'args':[1],'cwd':'/'}}",
                     "config.json: process.args[0]: expected a string");
}

static void test_error_process_cwd(void **state)
{
        expect_error(HEAD "'process':{'args':['sh'],'cwd':'home'}}",
                     "config.json: process.cwd: must be an absolute path");
        expect_error(HEAD "'process':{'args':['sh']}}",
                     "config.json: process.cwd: required property is missing");
}

static void test_error_uid_negative(void **state)
{
        expect_error(PROCESS(",'user':{'uid':-1}"),
                     "config.json: process.user.uid: expected a non-negative integer");
}

static void test_error_uid_too_large(void **state)
{
        expect_error(
            PROCESS(",'user':{'uid':4294967296}"),
            "config.json: process.user.uid: 4294967296 is out of range (at most 4294967295)");
        expect_error(PROCESS(",'user':{'additionalGids':[1,4294967296]}"),
                     "config.json: process.user.additionalGids[1]: 4294967296 is out of range (at "
                     "most 4294967295)");
}

static void test_error_rlimit_unknown_type(void **state)
{
        expect_error(PROCESS(",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
                     "config.json: process.rlimits[0].type: unknown rlimit type 'RLIMIT_FOO'");
}

static void test_error_rlimit_duplicate(void **state)
{
        expect_error(PROCESS(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
                             "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
                     "config.json: process.rlimits[1].type: duplicate rlimit type 'RLIMIT_NOFILE'");
}

static void test_error_rlimit_soft_above_hard(void **state)
{
        expect_error(PROCESS(",'rlimits':[{'type':'RLIMIT_NPROC','soft':10,'hard':5}]"),
                     "config.json: process.rlimits[0]: soft limit 10 is greater than hard limit 5");
        expect_error(PROCESS(",'rlimits':[{'type':'RLIMIT_NPROC','soft':10}]"),
                     "config.json: process.rlimits[0].hard: required property is missing");
}

static void test_error_oom_score_adj_range(void **state)
{
        expect_error(PROCESS(",'oomScoreAdj':2000"),
                     "config.json: process.oomScoreAdj: 2000 is out of range (-1000 to 1000)");
        expect_error(PROCESS(",'oomScoreAdj':-1001"),
                     "config.json: process.oomScoreAdj: -1001 is out of range (-1000 to 1000)");
}

static void test_error_hook_path_relative(void **state)
{
        expect_error(HEAD "'hooks':{'prestart':[{'path':'bin/hook'}]}}",
                     "config.json: hooks.prestart[0].path: must be an absolute path");
}

static void test_error_hook_timeout_zero(void **state)
{
        expect_error(
            HEAD "'hooks':{'poststop':[{'path':'/a'},{'path':'/b','timeout':0}]}}",
            "config.json: hooks.poststop[1].timeout: must be a positive number of seconds");
        expect_error(
            HEAD "'hooks':{'poststop':[{'path':'/a','timeout':-3}]}}",
            "config.json: hooks.poststop[0].timeout: must be a positive number of seconds");
}

static void test_error_annotation_not_string(void **state)
{
        expect_error(HEAD "'annotations':{'ok':'x','foo':1}}",
                     "config.json: annotations.foo: expected a string");
}

static void test_error_mount_without_destination(void **state)
{
        expect_error(HEAD "'mounts':[{'destination':'/a'},{'type':'tmpfs'}]}",
                     "config.json: mounts[1].destination: required property is missing");
        expect_error(HEAD "'mounts':[{'destination':''}]}",
                     "config.json: mounts[0].destination: must not be empty");
        expect_error(HEAD "'mounts':[{'destination':'/a','options':['ro',7]}]}",
                     "config.json: mounts[0].options[1]: expected a string");
}

static void test_default_spec_parses_back(void **state)
{
        _cleanup_free_ char *json = oci_config_default_json(NULL, false);
        _cleanup_config_ struct oci_config *c = NULL;
        struct nook_err err = {0};
        static const int namespaces[] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
                                         CLONE_NEWUTS, CLONE_NEWNS,  CLONE_NEWCGROUP};

        if (oci_config_parse(json, &c, &err) < 0)
                fail_msg("default spec does not parse: %s", err.msg);
        assert_string_equal(c->oci_version, "1.2.0");
        assert_string_equal(c->root.path, "rootfs");
        assert_true(c->root.readonly);
        assert_string_equal(c->hostname, "nook");
        assert_false(c->process->terminal);
        assert_string_equal(c->process->args[0], "sh");
        assert_null(c->process->args[1]);
        assert_string_equal(c->process->cwd, "/");
        assert_true(c->process->no_new_privileges);
        assert_true(c->process->caps.bounding ==
                    (CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE)));
        assert_true(c->process->caps.permitted == c->process->caps.bounding);
        assert_true(c->process->caps.inheritable == 0);
        assert_int_equal(c->process->n_rlimits, 1);
        assert_int_equal(c->process->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(c->process->rlimits[0].hard, 1024);

        assert_int_equal(c->linux_.n_namespaces, ARRAY_SIZE(namespaces));
        for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++)
                assert_true(oci_config_has_namespace(c, namespaces[i]));
        assert_false(oci_config_has_namespace(c, CLONE_NEWUSER));
        assert_null(c->linux_.resources);
        assert_int_equal(strv_length(c->linux_.masked_paths), 10);
        assert_int_equal(strv_length(c->linux_.readonly_paths), 5);

        assert_int_equal(c->n_mounts, 7);
        assert_string_equal(c->mounts[2].destination, "/dev/pts");
        assert_string_equal(c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_int_equal(c->mounts[2].flags, MS_NOSUID | MS_NOEXEC);
        assert_string_equal(c->mounts[5].destination, "/sys");
        assert_string_equal(c->mounts[5].type, "sysfs");
        assert_int_equal(c->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
        assert_string_equal(c->mounts[6].destination, "/sys/fs/cgroup");
        assert_int_equal(c->mounts[6].flags,
                         MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
}

static void test_default_spec_takes_args(void **state)
{
        _cleanup_free_ char *json = oci_config_default_json((char *[]){"echo", "hi", NULL}, false);
        _cleanup_config_ struct oci_config *c = NULL;
        struct nook_err err = {0};

        assert_int_equal(oci_config_parse(json, &c, &err), 0);
        assert_int_equal(strv_length(c->process->args), 2);
        assert_string_equal(c->process->args[1], "hi");
}

static void test_rootless_spec_has_user_namespace(void **state)
{
        _cleanup_free_ char *json = oci_config_default_json(NULL, true);
        _cleanup_config_ struct oci_config *c = NULL;
        struct nook_err err = {0};

        if (oci_config_parse(json, &c, &err) < 0)
                fail_msg("rootless spec does not parse: %s", err.msg);
        assert_true(oci_config_has_namespace(c, CLONE_NEWUSER));
        assert_true(oci_config_has_namespace(c, CLONE_NEWNET));
        assert_int_equal(c->linux_.n_uid_mappings, 1);
        assert_int_equal(c->linux_.uid_mappings[0].container_id, 0);
        assert_int_equal(c->linux_.uid_mappings[0].host_id, getuid());
        assert_int_equal(c->linux_.uid_mappings[0].size, 1);
        assert_int_equal(c->linux_.gid_mappings[0].host_id, getgid());

        assert_int_equal(c->n_mounts, 6);
        for (size_t i = 0; i < c->n_mounts; i++) {
                assert_string_not_equal(c->mounts[i].destination, "/sys/fs/cgroup");
                if (c->mounts[i].data)
                        assert_null(strstr(c->mounts[i].data, "gid="));
        }
        assert_string_equal(c->mounts[5].destination, "/sys");
        assert_true(c->mounts[5].bind);
        assert_true(c->mounts[5].recursive);
        assert_string_equal(c->mounts[5].source, "/sys");
        assert_int_equal(c->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
}

static void test_rlimit_from_name(void **state)
{
        static const struct {
                const char *name;
                int resource;
        } names[] = {
            {"RLIMIT_AS", RLIMIT_AS},
            {"RLIMIT_CORE", RLIMIT_CORE},
            {"RLIMIT_CPU", RLIMIT_CPU},
            {"RLIMIT_DATA", RLIMIT_DATA},
            {"RLIMIT_FSIZE", RLIMIT_FSIZE},
            {"RLIMIT_LOCKS", RLIMIT_LOCKS},
            {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
            {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
            {"RLIMIT_NICE", RLIMIT_NICE},
            {"RLIMIT_NOFILE", RLIMIT_NOFILE},
            {"RLIMIT_NPROC", RLIMIT_NPROC},
            {"RLIMIT_RSS", RLIMIT_RSS},
            {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
            {"RLIMIT_RTTIME", RLIMIT_RTTIME},
            {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
            {"RLIMIT_STACK", RLIMIT_STACK},
        };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                assert_int_equal(oci_rlimit_from_name(names[i].name), names[i].resource);
        assert_int_equal(oci_rlimit_from_name("RLIMIT_FOO"), -1);
        assert_int_equal(oci_rlimit_from_name("NOFILE"), -1);
        assert_int_equal(oci_rlimit_from_name("rlimit_nofile"), -1);
        assert_int_equal(oci_rlimit_from_name(""), -1);
}

static void test_process_parse(void **state)
{
        struct oci_process *p = NULL;
        struct nook_err err = {0};

        assert_int_equal(oci_process_parse("{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/tmp\","
                                           "\"env\":[\"A=b\"],\"terminal\":true}",
                                           &p, &err),
                         0);
        assert_string_equal(p->args[1], "-l");
        assert_string_equal(p->cwd, "/tmp");
        assert_true(p->terminal);
        oci_process_free(p);
        p = NULL;

        assert_true(oci_process_parse("{\"args\":[\"ls\"],\"cwd\":\"tmp\"}", &p, &err) < 0);
        assert_null(p);
        assert_string_equal(err.msg, "process.json: process.cwd: must be an absolute path");
        assert_true(oci_process_parse("[]", &p, &err) < 0);
        assert_string_equal(err.msg, "process.json: process: expected an object");
        assert_true(oci_process_parse("{", &p, &err) < 0);
        assert_true(str_has_prefix(err.msg, "process.json: invalid JSON: "));
        oci_process_free(NULL);
}

static void test_config_load(void **state)
{
        char dir[] = "/tmp/nook-test-config-XXXXXX";
        _cleanup_free_ char *path = NULL, *expected = NULL;
        _cleanup_free_ char *json = oci_config_default_json(NULL, false);
        _cleanup_config_ struct oci_config *c = NULL;
        struct nook_err err = {0};

        assert_non_null(mkdtemp(dir));
        path = xasprintf("%s/config.json", dir);

        assert_true(oci_config_load(dir, &c, &err) < 0);
        assert_null(c);
        assert_int_equal(err.errnum, ENOENT);
        expected = xasprintf("open %s", path);
        assert_string_equal(err.msg, expected);

        {
                _cleanup_fclose_ FILE *f = fopen(path, "w");
                assert_non_null(f);
                assert_true(fputs(json, f) >= 0);
        }
        assert_int_equal(oci_config_load(dir, &c, &err), 0);
        assert_string_equal(c->hostname, "nook");

        unlink(path);
        rmdir(dir);
}

static void test_config_free_accepts_null(void **state)
{
        oci_config_free(NULL);
        assert_string_equal(oci_hook_kind_names[OCI_HOOK_PRESTART], "prestart");
        assert_string_equal(oci_hook_kind_names[OCI_HOOK_CREATE_RUNTIME], "createRuntime");
        assert_string_equal(oci_hook_kind_names[OCI_HOOK_CREATE_CONTAINER], "createContainer");
        assert_string_equal(oci_hook_kind_names[OCI_HOOK_START_CONTAINER], "startContainer");
        assert_string_equal(oci_hook_kind_names[OCI_HOOK_POSTSTART], "poststart");
        assert_string_equal(oci_hook_kind_names[OCI_HOOK_POSTSTOP], "poststop");
}

/* ociVersion: a semantic version of major 1; anything else is refused, naming it. */
static void test_oci_version(void **state)
{
        static const char *const good[] = {"1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.0+build.5",
                                           "1.10.20"};
        static const char *const bad[] = {"invalid", "2.0.0",  "1.0", "1.01.0", "1.0.0-",
                                          "1.0.0 ",  "v1.0.0", "",    "0.9.0"};

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                _cleanup_free_ char *doc =
                    xasprintf("{'ociVersion':'%s','root':{'path':'rootfs'}}", good[i]);
                _cleanup_config_ struct oci_config *c = parse_ok(doc);
                assert_string_equal(c->oci_version, good[i]);
        }
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *doc =
                    xasprintf("{'ociVersion':'%s','root':{'path':'rootfs'}}", bad[i]);
                _cleanup_free_ char *msg = xasprintf(
                    "config.json: ociVersion: '%s' is not a runtime-spec version 1.x.y", bad[i]);
                expect_error(doc, msg);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_minimal_config),
            cmocka_unit_test(test_oci_version),
            cmocka_unit_test(test_minimal_process_defaults),
            cmocka_unit_test(test_full_config_process),
            cmocka_unit_test(test_full_config_mounts_hooks_annotations),
            cmocka_unit_test(test_full_config_linux),
            cmocka_unit_test(test_unknown_properties_and_nulls_are_ignored),
            cmocka_unit_test(test_unsupported_settings),
            cmocka_unit_test(test_unknown_capabilities_are_left_out),
            cmocka_unit_test(test_error_invalid_json),
            cmocka_unit_test(test_error_top_level_array),
            cmocka_unit_test(test_error_missing_oci_version),
            cmocka_unit_test(test_error_missing_root_path),
            cmocka_unit_test(test_error_process_args_missing),
            cmocka_unit_test(test_error_process_args_empty),
            cmocka_unit_test(test_error_process_args_not_string),
            cmocka_unit_test(test_error_process_cwd),
            cmocka_unit_test(test_error_uid_negative),
            cmocka_unit_test(test_error_uid_too_large),
            cmocka_unit_test(test_error_rlimit_unknown_type),
            cmocka_unit_test(test_error_rlimit_duplicate),
            cmocka_unit_test(test_error_rlimit_soft_above_hard),
            cmocka_unit_test(test_error_oom_score_adj_range),
            cmocka_unit_test(test_error_hook_path_relative),
            cmocka_unit_test(test_error_hook_timeout_zero),
            cmocka_unit_test(test_error_annotation_not_string),
            cmocka_unit_test(test_error_mount_without_destination),
            cmocka_unit_test(test_default_spec_parses_back),
            cmocka_unit_test(test_default_spec_takes_args),
            cmocka_unit_test(test_rootless_spec_has_user_namespace),
            cmocka_unit_test(test_rlimit_from_name),
            cmocka_unit_test(test_process_parse),
            cmocka_unit_test(test_config_load),
            cmocka_unit_test(test_config_free_accepts_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
