#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "manager/ctconf.h"

static void assert_ip(const char *in, bool routed, const char *want)
{
        _cleanup_free_ char *out = NULL;
        struct nook_err err = {0};

        if (ct_ip_normalize(in, routed, &out, &err) < 0)
                fail_msg("%s: %s", in, err.msg);
        assert_string_equal(out, want);
}

static void assert_bad_ip(const char *in, const char *reason)
{
        _cleanup_free_ char *out = NULL;
        struct nook_err err = {0};

        assert_true(ct_ip_normalize(in, false, &out, &err) < 0);
        assert_null(out);
        if (strstr(err.msg, reason) == NULL)
                fail_msg("error '%s' does not mention '%s'", err.msg, reason);
}

static void test_ip_normalize(void **state)
{
        (void)state;
        assert_ip("10.0.0.5", false, "10.0.0.5/24");
        assert_ip("10.0.0.5", true, "10.0.0.5/32");
        assert_ip("10.0.0.5/16", false, "10.0.0.5/16");
        assert_ip("fd00:0::5", false, "fd00::5/64");
        assert_ip("fd00::5", true, "fd00::5/128");
        assert_bad_ip("10.0.0.256", "invalid IP address");
        assert_bad_ip("10.0.0.1/33", "bad prefix length");
        assert_bad_ip("10.0.0.1/0", "bad prefix length");
        assert_bad_ip("10.0.0.1/x", "bad prefix length");
        assert_bad_ip("224.0.0.1/24", "not a unicast address");
        assert_bad_ip("", "invalid IP address");
}

static void test_hostname(void **state)
{
        char long_label[70];

        (void)state;
        assert_true(ct_hostname_valid("web101"));
        assert_true(ct_hostname_valid("web-1.example.org"));
        assert_true(ct_hostname_valid("1a"));
        assert_false(ct_hostname_valid(""));
        assert_false(ct_hostname_valid("-web"));
        assert_false(ct_hostname_valid("web-"));
        assert_false(ct_hostname_valid("a_b"));
        assert_false(ct_hostname_valid("a..b"));
        assert_false(ct_hostname_valid(".a"));
        assert_false(ct_hostname_valid("a."));
        memset(long_label, 'a', 64);
        long_label[64] = '\0';
        assert_false(ct_hostname_valid(long_label));
        long_label[63] = '\0';
        assert_true(ct_hostname_valid(long_label));
}

static void test_sizes(void **state)
{
        struct nook_err err = {0};
        uint64_t v;

        (void)state;
        assert_int_equal(ct_parse_size("--ram", "512M", &v, &err), 0);
        assert_true(v == 512ULL << 20);
        assert_int_equal(ct_parse_size("--ram", "2g", &v, &err), 0);
        assert_true(v == 2ULL << 30);
        assert_int_equal(ct_parse_size("--ram", "4096", &v, &err), 0);
        assert_true(v == 4096);
        assert_true(ct_parse_size("--ram", "lots", &v, &err) < 0);
        assert_true(ct_parse_size("--ram", "M", &v, &err) < 0);
        assert_true(ct_parse_size("--ram", "99999999999999999T", &v, &err) < 0);
        assert_non_null(strstr(err.msg, "--ram 99999999999999999T"));
}

static void test_caps(void **state)
{
        (void)state;
        assert_int_equal(ct_cap_from_name("CAP_NET_ADMIN"), 12);
        assert_int_equal(ct_cap_from_name("net_admin"), 12);
        assert_int_equal(ct_cap_from_name("CAP_NOPE"), -1);
        assert_int_equal(ct_cap_from_name("12"), -1);
        assert_true(ct_default_caps() & (1ULL << 12));
        assert_false(ct_default_caps() & (1ULL << 21)); /* CAP_SYS_ADMIN */
}

static void test_devices(void **state)
{
        struct nook_err err = {0};
        char *out = NULL;

        (void)state;
        assert_int_equal(ct_device_normalize("c:1:7:rw", &out, &err), 0);
        assert_string_equal(out, "c:1:7:rw");
        free(out);
        assert_int_equal(ct_device_normalize("b:*:*:none", &out, &err), 0);
        assert_string_equal(out, "b:*:*:none");
        free(out);
        out = NULL;
        assert_true(ct_device_normalize("x:1:7:rw", &out, &err) < 0);
        assert_true(ct_device_normalize("c:1:7", &out, &err) < 0);
        assert_true(ct_device_normalize("c:1:7:rwx", &out, &err) < 0);
        assert_true(ct_device_normalize("c:1:7:", &out, &err) < 0);
        assert_true(ct_device_normalize("c:a:7:r", &out, &err) < 0);
        assert_true(ct_device_normalize("c:1:7:r:x", &out, &err) < 0);
        assert_null(out);
        assert_non_null(strstr(err.msg, "--devices c:1:7:r:x"));
}

/* A config written from settings reads back as the same settings, and a rewrite keeps
 * what nookctl does not own. */
static void test_config_round_trip(void **state)
{
        struct ct_settings s = {.ostemplate = xstrdup("minimal"),
                                .hostname = xstrdup("web101"),
                                .name = xstrdup("web"),
                                .description = xstrdup("d"),
                                .onboot = true,
                                .ram = 256ULL << 20,
                                .swap = 128ULL << 20,
                                .cpulimit = 150,
                                .cpuunits = 512,
                                .numproc = 100,
                                .caps = ct_default_caps(),
                                .cgroups_path = xstrdup("/nook/101")};
        struct ct_settings back = {0};
        struct nook_err err = {0};
        _cleanup_config_ struct oci_config *v = NULL, *v2 = NULL, *made = NULL;
        _cleanup_free_ char *json = NULL, *json2 = NULL;
        _cleanup_free_ char *edited = NULL;

        (void)state;
        strv_push(&s.ips, "10.0.0.101/24");
        strv_push(&s.ips, "fd00::101/64");
        strv_push(&s.nameservers, "10.0.0.1");
        strv_push(&s.devices, "c:10:200:rwm");
        strv_push(&s.devices, "b:8:*:none");
        made = ct_config_new("101", &s);
        json = oci_config_to_json(made, true);
        assert_int_equal(oci_config_parse(json, &v, &err), 0);
        assert_int_equal(ct_settings_from_config(v, &back, &err), 0);
        assert_string_equal(back.ostemplate, "minimal");
        assert_string_equal(back.hostname, "web101");
        assert_string_equal(back.name, "web");
        assert_true(back.onboot);
        assert_true(back.ram == s.ram && back.swap == s.swap);
        assert_true(back.cpulimit == 150 && back.cpuunits == 512 && back.numproc == 100);
        assert_true(back.caps == s.caps);
        assert_string_equal(back.ips[0], "10.0.0.101/24");
        assert_string_equal(back.ips[1], "fd00::101/64");
        assert_null(back.ips[2]);
        assert_string_equal(back.nameservers[0], "10.0.0.1");
        assert_string_equal(back.devices[0], "c:10:200:rwm");
        assert_string_equal(back.devices[1], "b:8:*:none");
        assert_false(back.routed);
        assert_string_equal(back.bridge, CT_DEFAULT_BRIDGE);
        assert_string_equal(back.cgroups_path, "/nook/101");
        assert_non_null(strstr(json, "\"bridge=nookbr0,ip=10.0.0.101/24,ip=fd00::101/64,"
                                     "gw=10.0.0.1,gw=fd00::1\""));

        /* A key nookctl does not own survives a rewrite. */
        edited = xasprintf("{\"x-mine\":[1,2],%s", strchr(json, '{') + 1);
        assert_int_equal(oci_config_parse(edited, &v2, &err), 0);
        ct_config_apply(v2, "101", &back);
        json2 = oci_config_to_json(v2, true);
        assert_non_null(strstr(json2, "\"x-mine\""));
        ct_settings_free(&back);

        /* Routed: no gateway written, the uplink kept. */
        s.routed = true;
        s.routed_dev = xstrdup("eth0");
        free(json);
        oci_config_free(made);
        made = ct_config_new("101", &s);
        json = oci_config_to_json(made, true);
        assert_non_null(strstr(json, "\"mode=routed,dev=eth0,ip=10.0.0.101/24,ip=fd00::101/64\""));
        ct_settings_free(&s);
}

/* How many rules of profile p name sync, and whether the one of --sync off is there. */
static size_t sync_rules(const struct oci_seccomp *p, bool *errno0)
{
        size_t n = 0;

        *errno0 = false;
        for (size_t i = 0; i < p->n_syscalls; i++)
                for (char **name = p->syscalls[i].names; *name; name++) {
                        if (strcmp(*name, "sync"))
                                continue;
                        n++;
                        *errno0 |= p->syscalls[i].action == SECCOMP_RET_ERRNO;
                }
        return n;
}

/* --sync off is one seccomp rule (sync returns 0), read back as the setting; on again
 * allows sync as the default profile does, and a config whose setting did not change
 * keeps its profile as it is. */
static void test_sync_off(void **state)
{
        struct ct_settings s = {.ostemplate = xstrdup("minimal"), .sync_off = true};
        struct ct_settings back = {0};
        struct nook_err err = {0};
        _cleanup_config_ struct oci_config *made = NULL, *v = NULL;
        _cleanup_free_ char *json = NULL, *again = NULL;
        size_t rules_before;
        bool errno0;

        (void)state;
        made = ct_config_new("101", &s);
        assert_int_equal(sync_rules(made->linux_.seccomp, &errno0), 1);
        assert_true(errno0);
        json = oci_config_to_json(made, true);
        assert_non_null(strstr(json, "\"errnoRet\": 0"));
        assert_int_equal(oci_config_parse(json, &v, &err), 0);
        assert_int_equal(ct_settings_from_config(v, &back, &err), 0);
        assert_true(back.sync_off);
        ct_settings_free(&back);

        /* Applying the same setting again changes nothing. */
        rules_before = v->linux_.seccomp->n_syscalls;
        ct_config_apply(v, "101", &s);
        assert_int_equal(v->linux_.seccomp->n_syscalls, rules_before);

        /* On: the rule goes, sync is allowed (the default profile refuses what it does
         * not list). */
        s.sync_off = false;
        ct_config_apply(v, "101", &s);
        assert_int_equal(sync_rules(v->linux_.seccomp, &errno0), 1);
        assert_false(errno0);
        assert_int_not_equal(v->linux_.seccomp->default_action, SECCOMP_RET_ALLOW);
        again = oci_config_to_json(v, true);
        assert_null(strstr(again, "\"errnoRet\": 0"));
        assert_int_equal(ct_settings_from_config(v, &back, &err), 0);
        assert_false(back.sync_off);
        ct_settings_free(&back);
        ct_settings_free(&s);
}

/* The VPS placement survives config.json, and vzctl's ioprio maps both ways. */
static void test_placement_round_trip(void **state)
{
        struct ct_settings s = {.ostemplate = xstrdup("minimal"),
                                .cpumask = xstrdup("0"), /* parsing checks it against this host */
                                .nodemask = xstrdup("0"),
                                .iolimit = 5ULL << 20,
                                .iopslimit = 300,
                                .io_major = 8,
                                .io_minor = 16,
                                .ioweight = ct_ioprio_weight(6)};
        struct ct_settings back = {0};
        struct nook_err err = {0};
        _cleanup_config_ struct oci_config *made = NULL, *v = NULL;
        _cleanup_free_ char *json = NULL;

        (void)state;
        assert_int_equal(ct_ioprio_weight(4), 100);
        assert_int_equal(ct_ioprio_weight(0), 6);
        assert_int_equal(ct_ioprio_weight(7), 800);
        for (unsigned p = 0; p <= 7; p++)
                assert_int_equal(ct_ioprio_of(ct_ioprio_weight(p)), (int)p);
        assert_int_equal(ct_ioprio_of(150), -1);
        made = ct_config_new("101", &s);
        json = oci_config_to_json(made, true);
        assert_non_null(strstr(json, "\"throttleWriteBpsDevice\""));
        assert_non_null(strstr(json, "\"io.weight\": \"default 400\""));
        assert_int_equal(oci_config_parse(json, &v, &err), 0);
        assert_int_equal(ct_settings_from_config(v, &back, &err), 0);
        assert_string_equal(back.cpumask, "0");
        assert_string_equal(back.nodemask, "0");
        assert_true(back.iolimit == 5ULL << 20 && back.iopslimit == 300);
        assert_true(back.io_major == 8 && back.io_minor == 16);
        assert_int_equal(ct_ioprio_of(back.ioweight), 6);
        ct_settings_free(&back);
        ct_settings_free(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ip_normalize),
            cmocka_unit_test(test_hostname),
            cmocka_unit_test(test_sizes),
            cmocka_unit_test(test_caps),
            cmocka_unit_test(test_devices),
            cmocka_unit_test(test_config_round_trip),
            cmocka_unit_test(test_placement_round_trip),
            cmocka_unit_test(test_sync_off),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
