/* The linux object of config.json: namespaces, id mappings, idmapped mounts, time
 * offsets, devices, propagation and paths, and the errors of each. */
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

#define USERNS       "'namespaces':[{'type':'user'}],"
#define MAP(c, h, n) "{'containerID':" #c ",'hostID':" #h ",'size':" #n "}"

/* Adjacent ranges, and ranges that end exactly at 2^32, are fine. */
// clang-format off
static const char good_mappings[] = LINUX(USERNS
    "'uidMappings':[" MAP(0, 100000, 1000) "," MAP(1000, 1000, 1) ","
                      MAP(4294967295, 101000, 1) "],"
    "'gidMappings':[" MAP(0, 4294967286, 10) "]");
// clang-format on

static void test_id_mappings(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(good_mappings);

        assert_int_equal(c->linux_.n_uid_mappings, 3);
        assert_int_equal(c->linux_.uid_mappings[2].container_id, 4294967295u);
        assert_int_equal(c->linux_.gid_mappings[0].host_id, 4294967286u);
}

static void test_error_id_mapping_ranges(void **state)
{
        expect_error(LINUX(USERNS "'uidMappings':[" MAP(0, 100000, 0) "]"),
                     "config.json: linux.uidMappings[0].size: must not be 0");
        expect_error(LINUX(USERNS "'gidMappings':[" MAP(0, 1, 1) "," MAP(4294967295, 2, 2) "]"),
                     "config.json: linux.gidMappings[1]: containerID 4294967295 + size 2 goes "
                     "beyond 2^32");
        expect_error(LINUX(USERNS "'uidMappings':[" MAP(0, 4294967200, 100000) "]"),
                     "config.json: linux.uidMappings[0]: hostID 4294967200 + size 100000 goes "
                     "beyond 2^32");
}

static void test_error_id_mapping_overlaps(void **state)
{
        expect_error(LINUX(USERNS "'uidMappings':[" MAP(0, 100000, 10) "," MAP(5, 200000, 10) "]"),
                     "config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0] "
                     "(container ids)");
        expect_error(LINUX(USERNS "'gidMappings':[" MAP(0, 100000, 10) "," MAP(10, 1000, 1) "," MAP(
                         20, 99995, 6) "]"),
                     "config.json: linux.gidMappings[2]: overlaps linux.gidMappings[0] (host ids)");
        /* One range inside another overlaps too. */
        expect_error(LINUX(USERNS "'uidMappings':[" MAP(100, 100000, 1) "," MAP(0, 0, 65536) "]"),
                     "config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0] "
                     "(container ids)");
}

/* A linux.uidMappings of n one-id entries that do not overlap. */
static char *many_mappings(size_t n)
{
        char *json = xstrdup(HEAD "'linux':{" USERNS "'uidMappings':[");

        for (size_t i = 0; i < n; i++) {
                char *more = xasprintf("%s%s{'containerID':%zu,'hostID':%zu,'size':1}", json,
                                       i ? "," : "", i, 100000 + i);
                free(json);
                json = more;
        }
        {
                char *done = xasprintf("%s]}}", json);
                free(json);
                return done;
        }
}

static void test_id_mappings_kernel_limit(void **state)
{
        _cleanup_free_ char *most = many_mappings(340);
        _cleanup_free_ char *too_many = many_mappings(341);
        _cleanup_config_ struct oci_config *c = parse_ok(most);

        assert_int_equal(c->linux_.n_uid_mappings, 340);
        expect_error(too_many,
                     "config.json: linux.uidMappings: 341 entries, the kernel allows at most 340");
}

// clang-format off
#define IDMAP_MOUNT(options, ...)                                                                  \
        "{'destination':'/data','type':'bind','source':'/srv/data',"                              \
        "'options':[" options "]" __VA_ARGS__ "}"
#define MAPS(u, g) ",'uidMappings':[" u "],'gidMappings':[" g "]"

static const char idmapped_mounts[] = HEAD "'mounts':["
    IDMAP_MOUNT("'rbind','ridmap'", MAPS(MAP(0, 100000, 65536), MAP(0, 200000, 65536))) ","
    IDMAP_MOUNT("'bind','idmap','ro'") ","
    IDMAP_MOUNT("'rbind'", MAPS(MAP(0, 1000, 1), MAP(0, 1000, 1))) ","
    IDMAP_MOUNT("'rbind'") "],"
    "'linux':{" USERNS "'uidMappings':[" MAP(0, 100000, 65536) "]}}";

/* Mappings of its own need no user namespace in the container... */
static const char idmapped_mount_own_maps[] = HEAD "'mounts':["
    IDMAP_MOUNT("'rbind','idmap'", MAPS(MAP(0, 1000, 1), MAP(0, 1000, 1))) "]}";
/* ... but borrowing the container's does. */
static const char idmapped_mount_no_maps[] = HEAD "'mounts':["
    "{'destination':'/a','type':'tmpfs'}," IDMAP_MOUNT("'rbind','ridmap'") "]}";

static const struct {
        const char *config, *error;
} idmapped_mount_errors[] = {
    {HEAD "'mounts':[{'destination':'/t','type':'tmpfs','options':['idmap']}]}",
     "config.json: mounts[0]: an idmapped mount (idmap) must be a bind mount"},
    {HEAD "'mounts':[{'destination':'/t','type':'tmpfs'" MAPS(MAP(0, 1000, 1), MAP(0, 1000, 1)) "}]}",
     "config.json: mounts[0]: an idmapped mount (uidMappings) must be a bind mount"},
    {HEAD "'mounts':[" IDMAP_MOUNT("'rbind'", ",'uidMappings':[" MAP(0, 1000, 1) "]") "]}",
     "config.json: mounts[0]: uidMappings given without gidMappings"},
    {HEAD "'mounts':[" IDMAP_MOUNT("'rbind'", MAPS("", MAP(0, 1000, 1))) "]}",
     "config.json: mounts[0]: gidMappings given without uidMappings"},
    {HEAD "'mounts':[" IDMAP_MOUNT("'rbind'", MAPS(MAP(0, 1000, 10) "," MAP(10, 1005, 1),
                                                   MAP(0, 1000, 1))) "]}",
     "config.json: mounts[0].uidMappings[1]: overlaps mounts[0].uidMappings[0] (host ids)"},
    {HEAD "'mounts':[" IDMAP_MOUNT("'rbind'", MAPS(MAP(0, 1000, 1), MAP(0, 1000, 0))) "]}",
     "config.json: mounts[0].gidMappings[0].size: must not be 0"},
};
// clang-format on

static void test_idmapped_mounts(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(idmapped_mounts);
        const struct oci_mount *m = c->mounts;

        assert_true(m[0].idmap);
        assert_true(m[0].idmap_recursive);
        assert_true(m[0].recursive);
        assert_int_equal(m[0].n_uid_mappings, 1);
        assert_int_equal(m[0].uid_mappings[0].host_id, 100000);
        assert_int_equal(m[0].uid_mappings[0].size, 65536);
        assert_int_equal(m[0].n_gid_mappings, 1);
        assert_int_equal(m[0].gid_mappings[0].host_id, 200000);
        assert_null(m[0].data);
        /* "idmap" alone: the container's mappings, only on the top mount. */
        assert_true(m[1].idmap);
        assert_false(m[1].idmap_recursive);
        assert_int_equal(m[1].n_uid_mappings, 0);
        assert_int_equal(m[1].flags, MS_RDONLY);
        assert_null(m[1].data);
        /* Mappings without either option mean "idmap", as in runc and crun. */
        assert_true(m[2].idmap);
        assert_false(m[2].idmap_recursive);
        assert_false(m[3].idmap);
        assert_null(m[3].uid_mappings);
}

static void test_idmapped_mount_without_user_namespace(void **state)
{
        _cleanup_config_ struct oci_config *c = parse_ok(idmapped_mount_own_maps);

        assert_true(c->mounts[0].idmap);
        expect_error(idmapped_mount_no_maps,
                     "config.json: mounts[1]: 'ridmap' without uidMappings and gidMappings "
                     "requires a user namespace, whose mappings it takes");
}

static void test_error_idmapped_mounts(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(idmapped_mount_errors); i++)
                expect_error(idmapped_mount_errors[i].config, idmapped_mount_errors[i].error);
}

static void test_rootfs_idmap_annotation(void **state)
{
        _cleanup_config_ struct oci_config *on =
            parse_ok(HEAD "'annotations':{'org.nook.rootfs.idmap':'true'},'linux':{" USERNS
                          "'mountLabel':''}}");
        _cleanup_config_ struct oci_config *off =
            parse_ok(HEAD "'annotations':{'org.nook.rootfs.idmap':'false'},'linux':{" USERNS
                          "'mountLabel':''}}");
        _cleanup_config_ struct oci_config *none = parse_ok(LINUX(USERNS "'mountLabel':''"));

        assert_true(on->root.idmap);
        assert_false(off->root.idmap);
        assert_false(none->root.idmap);
        expect_error(HEAD "'annotations':{'org.nook.rootfs.idmap':'yes'},'linux':{" USERNS
                          "'mountLabel':''}}",
                     "config.json: annotations.org.nook.rootfs.idmap: expected \"true\" or "
                     "\"false\", not \"yes\"");
        expect_error(HEAD "'annotations':{'org.nook.rootfs.idmap':'true'}}",
                     "config.json: annotations.org.nook.rootfs.idmap: requires a user namespace, "
                     "whose mappings the rootfs takes");
}

static void test_error_unknown_namespace_type(void **state)
{
        expect_error(LINUX("'namespaces':[{'type':'pid'},{'type':'foo'}]"),
                     "config.json: linux.namespaces[1].type: unknown namespace type 'foo'");
}

static void test_error_duplicate_namespace(void **state)
{
        expect_error(LINUX("'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'pid'}]"),
                     "config.json: linux.namespaces[2].type: duplicate namespace type 'pid'");
}

static void test_error_relative_namespace_path(void **state)
{
        expect_error(LINUX("'namespaces':[{'type':'network','path':'run/netns/x'}]"),
                     "config.json: linux.namespaces[0].path: must be an absolute path");
}

static void test_error_mappings_without_user_namespace(void **state)
{
        expect_error(LINUX("'namespaces':[{'type':'pid'}],"
                           "'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
                     "config.json: linux.uidMappings: requires a user namespace");
        expect_error(LINUX("'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
                     "config.json: linux.gidMappings: requires a user namespace");
}

static void test_error_hostname_without_uts_namespace(void **state)
{
        expect_error(HEAD "'hostname':'box','linux':{'namespaces':[{'type':'pid'}]}}",
                     "config.json: hostname: requires a new uts namespace");
        expect_error(HEAD "'hostname':'box','linux':{'namespaces':[{'type':'uts','path':'/x'}]}}",
                     "config.json: hostname: requires a new uts namespace");
        expect_error(HEAD "'domainname':'example.org'}",
                     "config.json: domainname: requires a new uts namespace");
}

static void test_error_time_offsets_without_time_namespace(void **state)
{
        expect_error(LINUX("'timeOffsets':{'monotonic':{'secs':1}}"),
                     "config.json: linux.timeOffsets: requires a new time namespace");
        expect_error(
            LINUX("'namespaces':[{'type':'time'}],"
                  "'timeOffsets':{'monotonic':{'nanosecs':1000000000}}"),
            "config.json: linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range "
            "(at most 999999999)");
}

static void test_error_bad_rootfs_propagation(void **state)
{
        expect_error(LINUX("'rootfsPropagation':'sideways'"),
                     "config.json: linux.rootfsPropagation: unknown propagation 'sideways'");
}

static void test_error_device_type(void **state)
{
        expect_error(LINUX("'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]"),
                     "config.json: linux.devices[0].type: invalid device type 'x' (expected c, b, "
                     "u or p)");
        expect_error(LINUX("'devices':[{'path':'/dev/x','type':'c','minor':1}]"),
                     "config.json: linux.devices[0].major: required property is missing");
}

static void test_error_masked_path_relative(void **state)
{
        expect_error(LINUX("'maskedPaths':['/proc/kcore','proc/keys']"),
                     "config.json: linux.maskedPaths[1]: must be an absolute path");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_id_mappings),
            cmocka_unit_test(test_error_id_mapping_ranges),
            cmocka_unit_test(test_error_id_mapping_overlaps),
            cmocka_unit_test(test_id_mappings_kernel_limit),
            cmocka_unit_test(test_idmapped_mounts),
            cmocka_unit_test(test_idmapped_mount_without_user_namespace),
            cmocka_unit_test(test_error_idmapped_mounts),
            cmocka_unit_test(test_rootfs_idmap_annotation),
            cmocka_unit_test(test_error_unknown_namespace_type),
            cmocka_unit_test(test_error_duplicate_namespace),
            cmocka_unit_test(test_error_relative_namespace_path),
            cmocka_unit_test(test_error_mappings_without_user_namespace),
            cmocka_unit_test(test_error_hostname_without_uts_namespace),
            cmocka_unit_test(test_error_time_offsets_without_time_namespace),
            cmocka_unit_test(test_error_bad_rootfs_propagation),
            cmocka_unit_test(test_error_device_type),
            cmocka_unit_test(test_error_masked_path_relative),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
