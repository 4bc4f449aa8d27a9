#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/id.h"

static void assert_valid(const char *id)
{
        struct nook_err err = {0};

        assert_int_equal(container_id_validate(id, &err), 0);
        assert_string_equal(err.msg, "");
}

static void assert_invalid(const char *id, const char *reason)
{
        struct nook_err err = {0};

        assert_true(container_id_validate(id, &err) < 0);
        if (strstr(err.msg, reason) == NULL)
                fail_msg("error '%s' does not mention '%s'", err.msg, reason);
}

static void test_plain_ids_are_valid(void **state)
{
        assert_valid("abc");
        assert_valid("a.b-c_d");
        assert_valid("a..b");
        assert_valid("0123456789abcdef");
}

static void test_id_of_1024_bytes_is_valid(void **state)
{
        char id[CONTAINER_ID_MAX + 1];

        memset(id, 'x', CONTAINER_ID_MAX);
        id[CONTAINER_ID_MAX] = '\0';
        assert_valid(id);
}

static void test_id_of_1025_bytes_is_rejected(void **state)
{
        char id[CONTAINER_ID_MAX + 2];

        memset(id, 'x', CONTAINER_ID_MAX + 1);
        id[CONTAINER_ID_MAX + 1] = '\0';
        assert_invalid(id, "1025 bytes");
        assert_invalid(id, "at most 1024");
}

static void test_empty_id_is_rejected(void **state)
{
        assert_invalid("", "must not be empty");
        assert_invalid(NULL, "must not be empty");
}

static void test_slash_is_rejected(void **state)
{
        assert_invalid("a/b", "must not contain '/'");
        assert_invalid("/abs", "must not contain '/'");
}

static void test_dot_names_are_rejected(void **state)
{
        assert_invalid(".", "must not start with '.'");
        assert_invalid("..", "must not start with '.'");
        assert_invalid(".hidden", "must not start with '.'");
}

static void test_space_and_control_characters_are_rejected(void **state)
{
        assert_invalid("a b", "spaces or control characters");
        assert_invalid("a\tb", "spaces or control characters");
        assert_invalid("a\x01", "spaces or control characters");
        assert_invalid("a\x7f", "spaces or control characters");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_ids_are_valid),
            cmocka_unit_test(test_id_of_1024_bytes_is_valid),
            cmocka_unit_test(test_id_of_1025_bytes_is_rejected),
            cmocka_unit_test(test_empty_id_is_rejected),
            cmocka_unit_test(test_slash_is_rejected),
            cmocka_unit_test(test_dot_names_are_rejected),
            cmocka_unit_test(test_space_and_control_characters_are_rejected),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
