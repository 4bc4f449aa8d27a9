#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "oci/oci.h"

struct option_flag {
        char *name;
        unsigned long flag;
};

static const struct option_flag set_options[] = {
    {"ro", MS_RDONLY},
    {"nosuid", MS_NOSUID},
    {"nodev", MS_NODEV},
    {"noexec", MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC},
    {"remount", MS_REMOUNT},
    {"mand", MS_MANDLOCK},
    {"noatime", MS_NOATIME},
    {"nodiratime", MS_NODIRATIME},
    {"relatime", MS_RELATIME},
    {"strictatime", MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME},
    {"silent", MS_SILENT},
    {"iversion", MS_I_VERSION},
    {"acl", MS_POSIXACL},
    {"nosymfollow", MS_NOSYMFOLLOW},
};

static const struct option_flag clear_options[] = {
    {"rw", MS_RDONLY},
    {"suid", MS_NOSUID},
    {"dev", MS_NODEV},
    {"exec", MS_NOEXEC},
    {"async", MS_SYNCHRONOUS},
    {"nomand", MS_MANDLOCK},
    {"atime", MS_NOATIME},
    {"diratime", MS_NODIRATIME},
    {"norelatime", MS_RELATIME},
    {"nostrictatime", MS_STRICTATIME},
    {"nolazytime", MS_LAZYTIME},
    {"loud", MS_SILENT},
    {"noiversion", MS_I_VERSION},
    {"noacl", MS_POSIXACL},
    {"symfollow", MS_NOSYMFOLLOW},
};

static const struct option_flag propagation_options[] = {
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Parses the options into *m; the caller frees m->data. */
static void parse(struct oci_mount *m, const char *type, char **options)
{
        struct nook_err err = {0};

        memset(m, 0, sizeof(*m));
        m->type = (char *)type;
        m->options = options;
        assert_int_equal(oci_mount_parse_options(m, &err), 0);
        assert_ptr_equal(m->options, options);
}

static void test_each_setting_option_sets_its_flag(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(set_options); i++) {
                struct oci_mount m;

                parse(&m, "tmpfs", (char *[]){set_options[i].name, NULL});
                assert_int_equal(m.flags, set_options[i].flag);
                assert_int_equal(m.clear_flags, 0);
                assert_int_equal(m.propagation, 0);
                assert_null(m.data);
                assert_false(m.bind);
        }
}

static void test_each_clearing_option_clears_its_flag(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(clear_options); i++) {
                struct oci_mount m;

                parse(&m, "tmpfs", (char *[]){clear_options[i].name, NULL});
                assert_int_equal(m.flags, 0);
                assert_int_equal(m.clear_flags, clear_options[i].flag);
                assert_null(m.data);
        }
}

static void test_later_of_ro_and_rw_wins(void **state)
{
        struct oci_mount m;

        parse(&m, NULL, (char *[]){"ro", "rw", NULL});
        assert_int_equal(m.flags & MS_RDONLY, 0);
        assert_int_equal(m.clear_flags, MS_RDONLY);

        parse(&m, NULL, (char *[]){"rw", "ro", NULL});
        assert_int_equal(m.flags, MS_RDONLY);
        assert_int_equal(m.clear_flags & MS_RDONLY, 0);

        parse(&m, NULL, (char *[]){"nosuid", "suid", "nodev", NULL});
        assert_int_equal(m.flags, MS_NODEV);
        assert_int_equal(m.clear_flags, MS_NOSUID);
}

static void test_each_propagation_option(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_options); i++) {
                struct oci_mount m;

                parse(&m, NULL, (char *[]){propagation_options[i].name, NULL});
                assert_int_equal(m.propagation, propagation_options[i].flag);
                assert_int_equal(m.flags, 0);
                assert_null(m.data);
        }
}

static void test_later_propagation_replaces_earlier(void **state)
{
        struct oci_mount m;

        parse(&m, NULL, (char *[]){"rshared", "slave", NULL});
        assert_int_equal(m.propagation, MS_SLAVE);

        parse(&m, NULL, (char *[]){"private", "runbindable", NULL});
        assert_int_equal(m.propagation, MS_UNBINDABLE | MS_REC);
}

static void test_unknown_options_become_data_in_order(void **state)
{
        struct oci_mount m;

        parse(&m, "devpts",
              (char *[]){"nosuid", "newinstance", "ptmxmode=0666", "noexec", "mode=0620", "gid=5",
                         NULL});
        assert_string_equal(m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC);
        free(m.data);

        parse(&m, "tmpfs", (char *[]){"size=65536k", NULL});
        assert_string_equal(m.data, "size=65536k");
        free(m.data);
}

static void test_bind_is_not_recursive(void **state)
{
        struct oci_mount m;

        parse(&m, NULL, (char *[]){"bind", "ro", NULL});
        assert_true(m.bind);
        assert_false(m.recursive);
        assert_int_equal(m.flags, MS_RDONLY);
        assert_null(m.data);
}

static void test_rbind_is_recursive(void **state)
{
        struct oci_mount m;

        parse(&m, "none", (char *[]){"rbind", "rprivate", NULL});
        assert_true(m.bind);
        assert_true(m.recursive);
        assert_int_equal(m.propagation, MS_PRIVATE | MS_REC);
        assert_null(m.data);
}

static void test_type_bind_means_bind(void **state)
{
        struct oci_mount m;

        parse(&m, "bind", NULL);
        assert_true(m.bind);
        assert_false(m.recursive);

        parse(&m, "tmpfs", NULL);
        assert_false(m.bind);
}

static void test_no_options_gives_no_data(void **state)
{
        struct oci_mount m;

        parse(&m, "proc", NULL);
        assert_null(m.data);
        assert_int_equal(m.flags, 0);
        assert_int_equal(m.clear_flags, 0);
        assert_int_equal(m.propagation, 0);

        parse(&m, "proc", (char *[]){NULL});
        assert_null(m.data);
        assert_int_equal(m.flags, 0);
}

/* runtime-spec 1.1's recursive options become mount_setattr attributes, not flags or
 * data; an atime mode also clears the others, as mount_setattr(2) requires. */
static void test_recursive_options_are_mount_attributes(void **state)
{
        struct oci_mount m;

        parse(&m, "bind", (char *[]){"rbind", "rro", "rnosuid", "rdev", "rnoatime", NULL});
        assert_int_equal(m.rec_attr_set,
                         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
        assert_int_equal(m.rec_attr_clr, MOUNT_ATTR_NODEV | MOUNT_ATTR__ATIME);
        assert_int_equal(m.flags, 0);
        assert_null(m.data);

        parse(&m, "bind", (char *[]){"rrw", "rexec", "rsymfollow", NULL});
        assert_int_equal(m.rec_attr_set, 0);
        assert_int_equal(m.rec_attr_clr,
                         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW);
}

/* runc's and crun's tmpcopyup is nook's too; "defaults" means nothing (as in crun). */
static void test_tmpcopyup_and_defaults_are_not_data(void **state)
{
        struct oci_mount m;

        parse(&m, "tmpfs", (char *[]){"defaults", "tmpcopyup", "size=1m", NULL});
        assert_true(m.tmpcopyup);
        assert_string_equal(m.data, "size=1m");
        free(m.data);

        parse(&m, "tmpfs", (char *[]){"size=1m", NULL});
        assert_false(m.tmpcopyup);
        free(m.data);
}

static void test_reparsing_replaces_previous_result(void **state)
{
        struct oci_mount m;
        struct nook_err err = {0};

        parse(&m, "tmpfs", (char *[]){"ro", "mode=755", "rshared", NULL});
        assert_string_equal(m.data, "mode=755");
        m.options = (char *[]){"nodev", NULL};
        assert_int_equal(oci_mount_parse_options(&m, &err), 0);
        assert_null(m.data);
        assert_int_equal(m.flags, MS_NODEV);
        assert_int_equal(m.propagation, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_each_setting_option_sets_its_flag),
            cmocka_unit_test(test_each_clearing_option_clears_its_flag),
            cmocka_unit_test(test_later_of_ro_and_rw_wins),
            cmocka_unit_test(test_each_propagation_option),
            cmocka_unit_test(test_later_propagation_replaces_earlier),
            cmocka_unit_test(test_unknown_options_become_data_in_order),
            cmocka_unit_test(test_bind_is_not_recursive),
            cmocka_unit_test(test_rbind_is_recursive),
            cmocka_unit_test(test_type_bind_means_bind),
            cmocka_unit_test(test_no_options_gives_no_data),
            cmocka_unit_test(test_recursive_options_are_mount_attributes),
            cmocka_unit_test(test_tmpcopyup_and_defaults_are_not_data),
            cmocka_unit_test(test_reparsing_replaces_previous_result),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
