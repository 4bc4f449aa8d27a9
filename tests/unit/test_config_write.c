/* The writer of config.json and process.json (oci_config_to_json, oci_process_to_json):
 * what it writes parses back to the same config, unknown members included. */
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

/* What the writer gives is what the parser read: parsed again it writes the same text,
 * for a config with every family of fields, and for `nook spec`'s with its seccomp
 * profile. */
static void assert_round_trip(const char *json)
{
        _cleanup_config_ struct oci_config *c = NULL, *again = NULL;
        _cleanup_free_ char *first = NULL, *second = NULL;
        struct nook_err err = {0};

        if (oci_config_parse(json, &c, &err) < 0)
                fail_msg("parse: %s", err.msg);
        first = oci_config_to_json(c, false);
        if (oci_config_parse(first, &again, &err) < 0)
                fail_msg("parse what was written: %s\n%s", err.msg, first);
        second = oci_config_to_json(again, true);
        free(first);
        first = oci_config_to_json(again, true);
        assert_string_equal(first, second);
}

static void test_writer_round_trip(void **state)
{
        _cleanup_free_ char *full = dq(full_config);
        _cleanup_free_ char *spec = oci_config_default_json(NULL, false);
        _cleanup_free_ char *rootless = oci_config_default_json(NULL, true);
        _cleanup_free_ char *res =
            dq(LINUX("'resources':{'memory':{'limit':67108864,'reservation':-1,'swap':134217728},"
                     "'cpu':{'shares':512,'quota':50000,'period':100000,'burst':1000,'idle':0,"
                     "'cpus':'0','mems':'0'},'pids':{'limit':64},'blockIO':{'weight':500,"
                     "'weightDevice':[{'major':8,'minor':0,'weight':100}],"
                     "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
                     "'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':100}]},"
                     "'hugepageLimits':[{'pageSize':'2MB','limit':0}],"
                     "'unified':{'memory.high':'max'},"
                     "'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c',"
                     "'major':1,'minor':3,'access':'rw'},{'allow':true,'type':'b','major':8,"
                     "'access':'m'}]}"));

        (void)state;
        assert_round_trip(full);
        assert_round_trip(spec);
        assert_round_trip(rootless);
        assert_round_trip(res);
}

/* The written config holds the values that were read. */
static void test_writer_values(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(full_config), *back = NULL;
        _cleanup_free_ char *json = oci_config_to_json(c, false);
        struct nook_err err = {0};
        const struct oci_process *p;

        (void)state;
        assert_int_equal(oci_config_parse(json, &back, &err), 0);
        p = back->process;
        assert_true(p->terminal);
        assert_int_equal(p->console_width, 80);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.umask, 18);
        assert_int_equal(p->user.additional_gids[1], UINT32_MAX);
        assert_true(p->caps.bounding == (CAP(CAP_CHOWN) | CAP(CAP_SYS_ADMIN)));
        assert_true(p->caps.ambient == CAP(CAP_NET_BIND_SERVICE));
        assert_true(p->rlimits[1].hard == UINT64_MAX);
        assert_int_equal(p->oom_score_adj, -500);
        assert_string_equal(back->mounts[1].source, "/srv/data");
        assert_true(back->mounts[1].recursive && (back->mounts[1].flags & MS_RDONLY));
        assert_string_equal(back->mounts[2].destination, "/dev/shm");
        assert_int_equal(back->hooks[OCI_HOOK_CREATE_RUNTIME].hooks[0].timeout, 5);
        assert_string_equal(back->hooks[OCI_HOOK_CREATE_RUNTIME].hooks[0].env[0], "A=1");
        assert_string_equal(oci_annotation(back, "empty"), "");
        assert_string_equal(oci_config_namespace(back, CLONE_NEWNET)->path, "/var/run/netns/x");
        assert_int_equal(back->linux_.gid_mappings[1].host_id, 1000);
        assert_int_equal(back->linux_.boottime.secs, -3600);
        assert_int_equal(back->linux_.devices[0].file_mode, 0666);
        assert_int_equal(back->linux_.devices[1].type, 'p');
        assert_int_equal(back->linux_.rootfs_propagation, MS_SLAVE | MS_REC);
        assert_string_equal(back->linux_.sysctl[1].value, "4096");
        assert_true(back->linux_.resources->memory.limit.v == 1048576);
        assert_non_null(back->linux_.seccomp);
}

/* Members the model does not know, at every level it reads, come back. */
static void test_writer_keeps_unknown_members(void **state)
{
        _cleanup_free_ char *json = NULL;
        _cleanup_config_ struct oci_config *c =
            parse_ok(HEAD "'x-top':{'a':[1,2,{'b':null}]},'process':{'args':['sh'],'cwd':'/',"
                          "'ioPriority':{'class':'IOPRIO_CLASS_IDLE'}},'linux':{'intelRdt':"
                          "{'closID':'x'},'resources':{'network':{'classID':7}}}}");

        (void)state;
        assert_string_equal(c->process->unsupported, "ioPriority");
        json = oci_config_to_json(c, false);
        assert_non_null(strstr(json, "\"x-top\":{\"a\":[1,2,{\"b\":null}]}"));
        assert_non_null(strstr(json, "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\"}"));
        assert_non_null(strstr(json, "\"intelRdt\":{\"closID\":\"x\"}"));
        assert_non_null(strstr(json, "\"network\":{\"classID\":7}"));
}

/* An exec's process.json: written and read back. */
static void test_process_writer(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(full_config);
        _cleanup_free_ char *json = oci_process_to_json(c->process);
        struct oci_process *p = NULL;
        struct nook_err err = {0};

        (void)state;
        assert_int_equal(oci_process_parse(json, &p, &err), 0);
        assert_string_equal(p->args[2], "true");
        assert_string_equal(p->cwd, "/home");
        assert_true(p->no_new_privileges);
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
        oci_process_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_writer_round_trip),
            cmocka_unit_test(test_writer_values),
            cmocka_unit_test(test_writer_keeps_unknown_members),
            cmocka_unit_test(test_process_writer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
