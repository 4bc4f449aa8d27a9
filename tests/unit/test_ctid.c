#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctid.h"

static char *joined(const char *spec)
{
        _cleanup_strv_ char **v = NULL;
        struct nook_err err = {0};
        char *out = xstrdup("");

        if (ctid_parse_list(spec, &v, &err) < 0)
                fail_msg("%s: %s", spec, err.msg);
        for (size_t i = 0; v[i]; i++) {
                char *n = xasprintf("%s%s%s", out, i ? " " : "", v[i]);
                free(out);
                out = n;
        }
        return out;
}

static void assert_list(const char *spec, const char *want)
{
        _cleanup_free_ char *got = joined(spec);
        assert_string_equal(got, want);
}

static void assert_refused(const char *spec, const char *reason)
{
        _cleanup_strv_ char **v = NULL;
        struct nook_err err = {0};

        assert_true(ctid_parse_list(spec, &v, &err) < 0);
        assert_null(v);
        if (strstr(err.msg, reason) == NULL)
                fail_msg("error '%s' does not mention '%s'", err.msg, reason);
}

static void test_valid_names(void **state)
{
        (void)state;
        assert_true(ctid_valid("101"));
        assert_true(ctid_valid("web-1.example_a"));
        assert_true(ctid_valid("A"));
        char max[CTID_MAX_LEN + 2];
        memset(max, 'a', CTID_MAX_LEN);
        max[CTID_MAX_LEN] = '\0';
        assert_true(ctid_valid(max));
        max[CTID_MAX_LEN] = 'a';
        max[CTID_MAX_LEN + 1] = '\0';
        assert_false(ctid_valid(max));
        assert_false(ctid_valid(""));
        assert_false(ctid_valid("-a"));
        assert_false(ctid_valid(".a"));
        assert_false(ctid_valid("_a"));
        assert_false(ctid_valid("a/b"));
        assert_false(ctid_valid("a b"));
        assert_false(ctid_valid("a{ID}"));
}

static void test_lists_and_ranges(void **state)
{
        (void)state;
        assert_list("101", "101");
        assert_list("101-105", "101 102 103 104 105");
        assert_list("101,105,110-112", "101 105 110 111 112");
        assert_list("web,db,101", "web db 101");
        assert_list("101-103,102", "101 102 103");
        assert_list("7-7", "7");
        /* A name with a dash that is not two numbers is a name. */
        assert_list("web-1", "web-1");
        assert_list("1-a", "1-a");
}

static void test_bad_lists(void **state)
{
        (void)state;
        assert_refused("1-20000", "more than 10000");
        assert_refused("1-9999,20000-20001", "more than 10000");
        assert_refused("105-101", "is above");
        assert_refused("", "empty entry");
        assert_refused("101,,102", "empty entry");
        assert_refused("101,", "empty entry");
        assert_refused("a/b", "invalid CTID a/b");
        assert_refused("1-99999999999999999999", "out of range");
}

static void test_range_of_exactly_10000(void **state)
{
        _cleanup_strv_ char **v = NULL;
        struct nook_err err = {0};

        (void)state;
        assert_int_equal(ctid_parse_list("1-10000", &v, &err), 0);
        assert_int_equal(strv_length(v), 10000);
        assert_string_equal(v[9999], "10000");
}

static void test_expand(void **state)
{
        (void)state;
        char *s = ctid_expand("10.0.0.{ID}/24", "101", 1);
        assert_string_equal(s, "10.0.0.101/24");
        free(s);
        s = ctid_expand("stu{N}-{ID}{N}", "7", 12);
        assert_string_equal(s, "stu12-712");
        free(s);
        s = ctid_expand("{I}{ID", "7", 1);
        assert_string_equal(s, "{I}{ID");
        free(s);
        s = ctid_expand("", "7", 1);
        assert_string_equal(s, "");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid_names), cmocka_unit_test(test_lists_and_ranges),
            cmocka_unit_test(test_bad_lists),   cmocka_unit_test(test_range_of_exactly_10000),
            cmocka_unit_test(test_expand),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
