/* linux.resources: parsing, validation, the translation into cgroup v2 files and the
 * device program (its shape, and that the kernel's verifier accepts it). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/resources.h"

/* The documents below are written with ' for " to stay readable. */
static char *dq(const char *text)
{
        char *s = xstrdup(text);

        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}

static int parse(const char *text, struct oci_resources **r, struct nook_err *err)
{
        _cleanup_free_ char *json = dq(text);
        _cleanup_json_ json_val v = NULL;

        assert_int_equal(json_parse(json, &v, err), 0);
        return oci_resources_parse(v, "linux.resources", r, err);
}

static struct oci_resources *parse_ok(const char *text)
{
        struct oci_resources *r = NULL;
        struct nook_err err = {0};

        if (parse(text, &r, &err) < 0)
                fail_msg("parse failed: %s", err.msg);
        return r;
}

static void assert_error(const char *text, const char *want)
{
        struct oci_resources *r = NULL;
        struct nook_err err = {0};

        if (parse(text, &r, &err) == 0) {
                oci_resources_free(r);
                fail_msg("parse of %s succeeded, expected: %s", text, want);
        }
        if (strstr(err.msg, want) == NULL)
                fail_msg("error '%s' does not contain '%s'", err.msg, want);
}

/* The value written to file (the last one when several are). */
static const char *setting(const struct cgroup_limits *l, const char *file)
{
        const char *v = NULL;

        for (size_t i = 0; i < l->n_settings; i++)
                if (strcmp(l->settings[i].file, file) == 0)
                        v = l->settings[i].value;
        return v;
}

static size_t count(const struct cgroup_limits *l, const char *file)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n_settings; i++)
                n += strcmp(l->settings[i].file, file) == 0;
        return n;
}

static void test_parse_all(void **state)
{
        struct oci_resources *r =
            parse_ok("{'memory':{'limit':67108864,'reservation':33554432,'swap':134217728,"
                     "           'kernel':1,'swappiness':10,'disableOOMKiller':false},"
                     " 'cpu':{'shares':1024,'quota':50000,'period':200000,'burst':1000,'cpus':'0',"
                     "        'mems':'0','idle':1,'realtimeRuntime':0},"
                     " 'pids':{'limit':100},"
                     " 'blockIO':{'weight':500,'leafWeight':300,"
                     "            'weightDevice':[{'major':8,'minor':0,'weight':100}],"
                     "            'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
                     "            'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':100}]},"
                     " 'hugepageLimits':[{'pageSize':'2MB','limit':0}],"
                     " 'unified':{'memory.high':'50000000','pids.max':'99'},"
                     " 'devices':[{'allow':false,'access':'rwm'},"
                     "            {'allow':true,'type':'c','major':1,'minor':3,'access':'rw'},"
                     "            {'allow':true,'type':'b','major':-1}]}");
        _cleanup_(cgroup_limits_clear) struct cgroup_limits l = {0};

        (void)state;
        assert_int_equal(r->memory.limit.v, 67108864);
        assert_true(r->cpu.period.set);
        assert_int_equal(r->block_io.n_weight_devices, 1);
        assert_int_equal(r->block_io.n_throttle[OCI_THROTTLE_READ_BPS], 1);
        assert_int_equal(r->block_io.n_throttle[OCI_THROTTLE_WRITE_IOPS], 1);
        assert_int_equal(r->n_devices, 3);
        assert_false(r->devices[0].allow);
        assert_int_equal(r->devices[0].type, 'a');
        assert_int_equal(r->devices[0].major, CGROUP_DEV_ANY);
        assert_int_equal(r->devices[1].access, CGROUP_DEV_READ | CGROUP_DEV_WRITE);
        assert_int_equal(r->devices[2].type, 'b');

        resources_settings(r, &l);
        assert_string_equal(setting(&l, "memory.max"), "67108864");
        assert_string_equal(setting(&l, "memory.low"), "33554432");
        assert_string_equal(setting(&l, "memory.swap.max"), "67108864");
        assert_string_equal(setting(&l, "cpu.weight"), "39");
        assert_string_equal(setting(&l, "cpu.max"), "50000 200000");
        assert_string_equal(setting(&l, "cpu.max.burst"), "1000");
        assert_string_equal(setting(&l, "cpu.idle"), "1");
        assert_string_equal(setting(&l, "cpuset.cpus"), "0");
        assert_string_equal(setting(&l, "cpuset.mems"), "0");
        assert_string_equal(setting(&l, "memory.high"), "50000000");
        /* unified comes last and wins */
        assert_string_equal(setting(&l, "pids.max"), "99");
        assert_int_equal(count(&l, "pids.max"), 2);
        assert_int_equal(count(&l, "io.weight"), 2);
        assert_string_equal(l.settings[0].file, "memory.max");
        assert_string_equal(setting(&l, "io.max"), "8:16 wiops=100");
        assert_int_equal(count(&l, "io.max"), 2);
        assert_string_equal(setting(&l, "hugetlb.2MB.max"), "0");
        oci_resources_free(r);
}

static void test_unlimited_values(void **state)
{
        struct oci_resources *r =
            parse_ok("{'memory':{'limit':-1,'swap':-1},'cpu':{'quota':-1},'pids':{'limit':0}}");
        _cleanup_(cgroup_limits_clear) struct cgroup_limits l = {0};

        (void)state;
        resources_settings(r, &l);
        assert_string_equal(setting(&l, "memory.max"), "max");
        assert_string_equal(setting(&l, "memory.swap.max"), "max");
        /* a quota without a period gets the default period */
        assert_string_equal(setting(&l, "cpu.max"), "max 100000");
        assert_string_equal(setting(&l, "pids.max"), "max");
        oci_resources_free(r);

        r = parse_ok("{'cpu':{'quota':20000},'pids':{'limit':-1},'memory':{'swap':0}}");
        cgroup_limits_clear(&l);
        resources_settings(r, &l);
        assert_string_equal(setting(&l, "cpu.max"), "20000 100000");
        assert_string_equal(setting(&l, "pids.max"), "max");
        assert_null(setting(&l, "memory.swap.max"));
        oci_resources_free(r);
}

static void test_conversions(void **state)
{
        (void)state;
        assert_int_equal(cgroup_cpu_weight_from_shares(2), 1);
        assert_int_equal(cgroup_cpu_weight_from_shares(1024), 39);
        assert_int_equal(cgroup_cpu_weight_from_shares(262144), 10000);
        assert_int_equal(cgroup_io_weight_from_blkio(10), 1);
        assert_int_equal(cgroup_io_weight_from_blkio(500), 4950);
        assert_int_equal(cgroup_io_weight_from_blkio(1000), 10000);
}

static void test_bad_input(void **state)
{
        (void)state;
        assert_error("{'memory':{'limit':-2}}", "linux.resources.memory.limit: -2 is out of range");
        assert_error("{'memory':{'limit':100}}",
                     "linux.resources.memory.limit: 100 bytes is too small");
        assert_error("{'memory':{'limit':'1G'}}", "linux.resources.memory.limit");
        assert_error("{'memory':{'limit':67108864,'swap':1048576}}",
                     "linux.resources.memory.swap: 1048576 is less than memory.limit");
        assert_error("{'memory':{'swap':1048576}}",
                     "linux.resources.memory.swap: needs a memory.limit");
        assert_error("{'memory':{'disableOOMKiller':true}}",
                     "linux.resources.memory.disableOOMKiller: not supported");
        assert_error("{'cpu':{'period':100000}}", "linux.resources.cpu.period: needs a cpu.quota");
        assert_error("{'cpu':{'quota':50000,'period':0}}", "linux.resources.cpu.period: 0 is out");
        assert_error("{'cpu':{'quota':10}}", "linux.resources.cpu.quota: 10 is too small");
        assert_error("{'cpu':{'quota':-5}}", "linux.resources.cpu.quota: -5 is out of range");
        assert_error("{'cpu':{'shares':999999}}", "linux.resources.cpu.shares");
        assert_error("{'cpu':{'realtimeRuntime':950000}}",
                     "linux.resources.cpu.realtimeRuntime: not supported");
        assert_error("{'cpu':{'cpus':'0-99999'}}", "linux.resources.cpu.cpus: 99999 is beyond");
        assert_error("{'cpu':{'cpus':'0-x'}}", "linux.resources.cpu.cpus: '0-x' is not a list");
        assert_error("{'cpu':{'cpus':'3-1'}}", "reversed");
        assert_error("{'cpu':{'idle':2}}", "linux.resources.cpu.idle");
        assert_error("{'pids':{'limit':-7}}", "linux.resources.pids.limit");
        assert_error("{'blockIO':{'weight':5}}", "linux.resources.blockIO.weight");
        assert_error("{'blockIO':{'throttleReadBpsDevice':[{'major':8,'rate':1}]}}",
                     "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required");
        assert_error("{'hugepageLimits':[{'pageSize':'2XB','limit':1}]}",
                     "linux.resources.hugepageLimits[0].pageSize: '2XB'");
        assert_error("{'unified':{'memory.max/../x':'1'}}",
                     "linux.resources.unified: 'memory.max/../x'");
        assert_error(
            "{'unified':{'nosuch.file':'1'}}",
            "linux.resources.unified: 'nosuch.file' does not belong to a known controller");
        assert_error("{'unified':{'cgroup.procs':'1'}}", "known controller");
        assert_error("{'unified':{'memory.max':1}}", "linux.resources.unified.memory.max");
        assert_error("{'devices':[{'allow':true,'type':'x'}]}",
                     "linux.resources.devices[0].type: 'x' is not a, c or b");
        assert_error("{'devices':[{'allow':true,'access':'rwx'}]}",
                     "linux.resources.devices[0].access: 'rwx'");
        assert_error("{'devices':[{'access':'r'}]}", "linux.resources.devices[0].allow: required");
        assert_error("{'devices':[{'allow':true,'major':-3}]}", "linux.resources.devices[0].major");
}

static void test_cpu_list(void **state)
{
        struct nook_err err;

        (void)state;
        assert_int_equal(oci_cpu_list_check("0-3,5,7-8", 8, "x", &err), 0);
        assert_int_equal(oci_cpu_list_check("9", 8, "x", &err), -1);
        assert_int_equal(oci_cpu_list_check("", 8, "x", &err), -1);
        assert_int_equal(oci_cpu_list_check("1,", 8, "x", &err), -1);
        assert_int_equal(oci_cpu_list_check("1,,2", 8, "x", &err), -1);
}

static void test_device_rules(void **state)
{
        _cleanup_(cgroup_limits_clear) struct cgroup_limits l = {0};
        struct oci_resources *r = parse_ok("{'devices':[{'allow':true,'access':'rwm'},"
                                           "{'allow':false,'type':'c','major':1,'minor':3}]}");

        (void)state;
        resources_device_rules(NULL, r, &l);
        /* the default list first (deny all, then the standard nodes), the config's last */
        assert_false(l.devices[0].allow);
        assert_int_equal(l.devices[0].type, 'a');
        assert_true(l.n_devices > 10);
        assert_false(l.devices[l.n_devices - 1].allow);
        assert_int_equal(l.devices[l.n_devices - 1].minor, 3);
        assert_true(l.devices[l.n_devices - 2].allow);
        oci_resources_free(r);
}

/* podman's and containerd's configs begin with a deny of everything: the standard
 * nodes stay allowed after it (as with runc and crun), a later deny of one still wins. */
static void test_device_rules_deny_all(void **state)
{
        _cleanup_(cgroup_limits_clear) struct cgroup_limits l = {0};
        struct oci_resources *r = parse_ok("{'devices':[{'allow':false,'access':'rwm'},"
                                           "{'allow':false,'type':'c','major':1,'minor':5}]}");
        bool ptmx_after_deny_all = false;
        size_t deny_all = 0;

        (void)state;
        resources_device_rules(NULL, r, &l);
        for (size_t i = 1; i < l.n_devices; i++)
                if (!l.devices[i].allow && l.devices[i].type == 'a')
                        deny_all = i;
        assert_true(deny_all > 0);
        for (size_t i = deny_all + 1; i < l.n_devices; i++)
                if (l.devices[i].allow && l.devices[i].major == 5 && l.devices[i].minor == 2)
                        ptmx_after_deny_all = true;
        assert_true(ptmx_after_deny_all);
        assert_false(l.devices[l.n_devices - 1].allow);
        assert_int_equal(l.devices[l.n_devices - 1].minor, 5);
        oci_resources_free(r);
}

static void test_device_program_shape(void **state)
{
        /* deny all; allow c 1:3 rw; allow b *:* m */
        const struct cgroup_device_rule rules[] = {
            {false, 'a', CGROUP_DEV_ANY, CGROUP_DEV_ANY, 7},
            {true, 'c', 1, 3, CGROUP_DEV_READ | CGROUP_DEV_WRITE},
            {true, 'b', CGROUP_DEV_ANY, CGROUP_DEV_ANY, CGROUP_DEV_MKNOD},
        };
        _cleanup_free_ void *raw = NULL;
        struct bpf_insn *insns;
        struct nook_err err;
        size_t n;

        (void)state;
        assert_int_equal(cgroup_devices_program(rules, 3, &raw, &n, &err), 0);
        insns = raw;
        /* 6 loads + b-rule (type, access x3, verdict x2 = 6) + c-rule (type, access x3,
         * major, minor, verdict x2 = 8) + deny-all (verdict x2); no default after a
         * rule that decides everything */
        assert_int_equal(n, 6 + 6 + 8 + 2);
        /* the last rule is tested first: its type test jumps past its 6 instructions */
        assert_int_equal(insns[6].code, BPF_JMP | BPF_JNE | BPF_K);
        assert_int_equal(insns[6].imm, BPF_DEVCG_DEV_BLOCK);
        assert_int_equal(insns[6].off, 5);
        assert_int_equal(insns[11].code, BPF_JMP | BPF_EXIT);
        assert_int_equal(insns[10].imm, 1);
        /* the c 1:3 rule: minor test is the last jump, over the two verdict insns */
        assert_int_equal(insns[17].imm, 3);
        assert_int_equal(insns[17].off, 2);
        assert_int_equal(insns[n - 2].imm, 0);
        assert_int_equal(insns[n - 1].code, BPF_JMP | BPF_EXIT);
        free(raw);
        raw = NULL;
        /* without a catch-all rule the program ends in the default: deny */
        assert_int_equal(cgroup_devices_program(rules + 1, 1, &raw, &n, &err), 0);
        assert_int_equal(n, 6 + 8 + 2);

        const struct cgroup_device_rule bad_type = {true, 'x', 1, 1, 7};
        assert_int_equal(cgroup_devices_program(&bad_type, 1, &raw, &n, &err), -1);
}

static uint32_t prog_id(int fd)
{
        struct bpf_prog_info info;
        union bpf_attr attr;

        memset(&info, 0, sizeof(info));
        memset(&attr, 0, sizeof(attr));
        attr.info.bpf_fd = (uint32_t)fd;
        attr.info.info_len = sizeof(info);
        attr.info.info = (uint64_t)(uintptr_t)&info;
        assert_int_equal(syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)), 0);
        assert_string_equal(info.name, "nook_devices");
        return info.id;
}

/* Two containers with the same rules share one program (found through the note the
 * first load left in the share directory); other rules get their own. */
static void test_device_programs_are_shared(void **state)
{
        const struct cgroup_device_rule a[] = {{false, 'a', CGROUP_DEV_ANY, CGROUP_DEV_ANY, 7},
                                               {true, 'c', 1, 3, 7}};
        const struct cgroup_device_rule b[] = {{false, 'a', CGROUP_DEV_ANY, CGROUP_DEV_ANY, 7},
                                               {true, 'c', 1, 5, 7}};
        char share[] = "/tmp/nook-test-devices-XXXXXX";
        struct nook_err err = {0};
        int fd1, fd2, fd3;

        (void)state;
        if (geteuid() != 0)
                skip();
        assert_non_null(mkdtemp(share));
        fd1 = cgroup_devices_load(a, 2, share, &err);
        fd2 = cgroup_devices_load(a, 2, share, &err);
        fd3 = cgroup_devices_load(b, 2, share, &err);
        assert_true(fd1 >= 0 && fd2 >= 0 && fd3 >= 0);
        assert_int_equal(prog_id(fd1), prog_id(fd2));
        assert_int_not_equal(prog_id(fd1), prog_id(fd3));
        close(fd1);
        close(fd2);
        close(fd3);
        assert_int_equal(remove_tree_at(AT_FDCWD, share, &err), 0);
}

static void test_device_program_loads(void **state)
{
        _cleanup_(cgroup_limits_clear) struct cgroup_limits l = {0};
        struct oci_resources *r = parse_ok("{'devices':[{'allow':false,'type':'c','major':1,"
                                           "'minor':3,'access':'w'},{'allow':true,'type':'b',"
                                           "'major':8,'access':'r'}]}");
        struct nook_err err = {0};
        int fd;

        (void)state;
        if (geteuid() != 0) {
                oci_resources_free(r);
                skip();
        }
        resources_device_rules(NULL, r, &l);
        fd = cgroup_devices_load(l.devices, l.n_devices, NULL, &err);
        if (fd < 0)
                fail_msg("load: %s (errno %d)", err.msg, err.errnum);
        close(fd);
        oci_resources_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_all),
            cmocka_unit_test(test_unlimited_values),
            cmocka_unit_test(test_conversions),
            cmocka_unit_test(test_bad_input),
            cmocka_unit_test(test_cpu_list),
            cmocka_unit_test(test_device_rules),
            cmocka_unit_test(test_device_rules_deny_all),
            cmocka_unit_test(test_device_program_shape),
            cmocka_unit_test(test_device_program_loads),
            cmocka_unit_test(test_device_programs_are_shared),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
