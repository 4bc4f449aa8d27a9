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

static json_val parse_ok(const char *text)
{
        struct nook_err err = {0};
        json_val v = NULL;

        assert_int_equal(json_parse(text, &v, &err), 0);
        assert_non_null(v);
        return v;
}

static void test_invalid_json_is_reported(void **state)
{
        struct nook_err err = {0};
        json_val v = NULL;

        assert_true(json_parse("{\"a\": ", &v, &err) < 0);
        assert_null(v);
        assert_true(str_has_prefix(err.msg, "invalid JSON: "));
        assert_null(strchr(err.msg, '\n'));
}

static void test_type_errors_name_the_path(void **state)
{
        _cleanup_json_ json_val v = parse_ok("{\"n\": 1, \"s\": \"x\", \"o\": {}, \"a\": []}");
        struct nook_err err = {0};
        char *s = NULL;
        bool b;
        int64_t i;

        assert_true(json_as_string(json_get(v, "n"), "root.n", &s, &err) < 0);
        assert_string_equal(err.msg, "root.n: expected a string");
        assert_true(json_as_bool(json_get(v, "s"), "root.s", &b, &err) < 0);
        assert_string_equal(err.msg, "root.s: expected a boolean");
        assert_true(json_as_int64(json_get(v, "s"), "x.y[2]", &i, &err) < 0);
        assert_string_equal(err.msg, "x.y[2]: expected an integer");
        assert_true(json_expect_object(json_get(v, "a"), "a", &err) < 0);
        assert_string_equal(err.msg, "a: expected an object");
        assert_true(json_expect_array(json_get(v, "o"), "o", &err) < 0);
        assert_string_equal(err.msg, "o: expected an array");
        assert_true(json_as_string(json_get(v, "missing"), "missing", &s, &err) < 0);
        assert_string_equal(err.msg, "missing: expected a string");
        assert_null(s);
}

static void test_accessors_read_values(void **state)
{
        _cleanup_json_ json_val v =
            parse_ok("{\"s\": \"hi\", \"t\": true, \"i\": -42, \"o\": {\"k\": null}}");
        struct nook_err err = {0};
        _cleanup_free_ char *s = NULL;
        json_val o = json_get(v, "o");
        bool b = false;
        int64_t i = 0;

        assert_int_equal(json_as_string(json_get(v, "s"), "s", &s, &err), 0);
        assert_string_equal(s, "hi");
        assert_int_equal(json_as_bool(json_get(v, "t"), "t", &b, &err), 0);
        assert_true(b);
        assert_int_equal(json_as_int64(json_get(v, "i"), "i", &i, &err), 0);
        assert_int_equal(i, -42);
        assert_int_equal(json_object_len(o), 1);
        assert_string_equal(json_object_key(o, 0), "k");
        assert_true(json_is_null(json_object_value(o, 0)));
        assert_true(json_is_null(json_get(v, "absent")));
        assert_null(json_get(json_get(v, "s"), "s"));
}

static void test_uint64_limits(void **state)
{
        _cleanup_json_ json_val v = parse_ok("{\"max\": 18446744073709551615, "
                                             "\"over\": 18446744073709551616, \"neg\": -1, "
                                             "\"float\": 1.5, \"eleven\": 11, \"str\": \"1\"}");
        struct nook_err err = {0};
        uint64_t u = 0;

        assert_int_equal(json_as_uint64(json_get(v, "max"), "max", UINT64_MAX, &u, &err), 0);
        assert_true(u == UINT64_MAX);

        assert_true(json_as_uint64(json_get(v, "over"), "over", UINT64_MAX, &u, &err) < 0);
        assert_string_equal(err.msg, "over: expected a non-negative integer");
        assert_true(json_as_uint64(json_get(v, "neg"), "neg", UINT64_MAX, &u, &err) < 0);
        assert_string_equal(err.msg, "neg: expected a non-negative integer");
        assert_true(json_as_uint64(json_get(v, "float"), "float", UINT64_MAX, &u, &err) < 0);
        assert_string_equal(err.msg, "float: expected a non-negative integer");
        assert_true(json_as_uint64(json_get(v, "str"), "str", UINT64_MAX, &u, &err) < 0);
        assert_string_equal(err.msg, "str: expected a non-negative integer");

        assert_true(json_as_uint64(json_get(v, "eleven"), "a.b", 10, &u, &err) < 0);
        assert_string_equal(err.msg, "a.b: 11 is out of range (at most 10)");
        assert_int_equal(json_as_uint64(json_get(v, "eleven"), "a.b", 11, &u, &err), 0);
        assert_int_equal(u, 11);
}

static void test_strv_reads_strings_and_names_bad_element(void **state)
{
        _cleanup_json_ json_val v = parse_ok("{\"ok\": [\"a\", \"\", \"c\"], \"bad\": [\"a\", 1], "
                                             "\"empty\": [], \"notarray\": \"a\"}");
        struct nook_err err = {0};
        _cleanup_strv_ char **ok = NULL;
        _cleanup_strv_ char **empty = NULL;
        char **bad = NULL;

        assert_int_equal(json_as_strv(json_get(v, "ok"), "ok", &ok, &err), 0);
        assert_int_equal(strv_length(ok), 3);
        assert_string_equal(ok[0], "a");
        assert_string_equal(ok[1], "");
        assert_string_equal(ok[2], "c");
        assert_null(ok[3]);

        assert_int_equal(json_as_strv(json_get(v, "empty"), "empty", &empty, &err), 0);
        assert_non_null(empty);
        assert_null(empty[0]);

        assert_true(json_as_strv(json_get(v, "bad"), "x", &bad, &err) < 0);
        assert_string_equal(err.msg, "x[1]: expected a string");
        assert_null(bad);
        assert_true(json_as_strv(json_get(v, "notarray"), "n", &bad, &err) < 0);
        assert_string_equal(err.msg, "n: expected an array");
}

static void write_sample(struct json_writer *w)
{
        json_w_object_open(w);
        json_w_kv_string(w, "text", "quote\" backslash\\ newline\n tab\t ctrl\x01 é");
        json_w_key(w, "nested");
        json_w_array_open(w);
        json_w_int(w, -7);
        json_w_array_open(w);
        json_w_string(w, "inner");
        json_w_array_close(w);
        json_w_array_open(w);
        json_w_array_close(w);
        json_w_array_close(w);
        json_w_key(w, "big");
        json_w_uint(w, UINT64_MAX);
        json_w_kv_bool(w, "yes", true);
        json_w_kv_bool(w, "no", false);
        json_w_key(w, "nothing");
        json_w_null(w);
        json_w_kv_string(w, "null_string", NULL);
        json_w_kv_strv(w, "list", (char *[]){"a", "b", NULL});
        json_w_kv_strv(w, "no_list", NULL);
        json_w_kv_int(w, "min", INT64_MIN);
        json_w_object_close(w);
}

static void check_sample(const char *text)
{
        _cleanup_json_ json_val v = parse_ok(text);
        struct nook_err err = {0};
        _cleanup_free_ char *s = NULL;
        _cleanup_strv_ char **list = NULL;
        json_val nested = json_get(v, "nested");
        uint64_t u = 0;
        int64_t i = 0;
        bool b;

        assert_int_equal(json_as_string(json_get(v, "text"), "text", &s, &err), 0);
        assert_string_equal(s, "quote\" backslash\\ newline\n tab\t ctrl\x01 é");

        assert_int_equal(json_array_len(nested), 3);
        assert_int_equal(json_as_int64(json_array_get(nested, 0), "n", &i, &err), 0);
        assert_int_equal(i, -7);
        assert_int_equal(json_array_len(json_array_get(nested, 1)), 1);
        assert_true(json_is_array(json_array_get(nested, 2)));
        assert_int_equal(json_array_len(json_array_get(nested, 2)), 0);

        assert_int_equal(json_as_uint64(json_get(v, "big"), "big", UINT64_MAX, &u, &err), 0);
        assert_true(u == UINT64_MAX);
        assert_int_equal(json_as_bool(json_get(v, "yes"), "yes", &b, &err), 0);
        assert_true(b);
        assert_int_equal(json_as_bool(json_get(v, "no"), "no", &b, &err), 0);
        assert_false(b);
        assert_non_null(json_get(v, "nothing"));
        assert_true(json_is_null(json_get(v, "nothing")));
        assert_non_null(json_get(v, "null_string"));
        assert_true(json_is_null(json_get(v, "null_string")));
        assert_int_equal(json_as_strv(json_get(v, "list"), "list", &list, &err), 0);
        assert_string_equal(list[1], "b");
        assert_int_equal(json_array_len(json_get(v, "no_list")), 0);
        assert_true(json_is_array(json_get(v, "no_list")));
        assert_int_equal(json_as_int64(json_get(v, "min"), "min", &i, &err), 0);
        assert_true(i == INT64_MIN);
}

static void test_compact_writer_round_trip(void **state)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);
        size_t len = 0;
        const char *text;

        write_sample(w);
        text = json_writer_text(w, &len);
        assert_int_equal(strlen(text), len);
        assert_null(strchr(text, '\n'));
        assert_non_null(strstr(text, "\"big\":18446744073709551615"));
        check_sample(text);
}

static void test_pretty_writer_round_trip(void **state)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(true);
        const char *text;

        write_sample(w);
        text = json_writer_text(w, NULL);
        assert_non_null(strchr(text, '\n'));
        check_sample(text);
}

static void test_members_copy_all_but_skipped(void **state)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);
        _cleanup_json_ json_val v = NULL;
        static const char *const skip[] = {"b", "d", NULL};
        struct nook_err err = {0};

        assert_int_equal(json_parse("{\"a\":1,\"b\":[2],\"c\":{\"x\":null},\"d\":\"s\"}", &v, &err),
                         0);
        json_w_object_open(w);
        json_w_members(w, v, skip);
        json_w_kv_string(w, "b", "new");
        json_w_object_close(w);
        assert_string_equal(json_writer_text(w, NULL),
                            "{\"a\":1,\"c\":{\"x\":null},\"b\":\"new\"}");
}

/* The pretty writer's text minified is the compact writer's, byte for byte; whitespace
 * and quotes inside strings (escaped quotes and backslashes too) stay. */
static void test_minify_keeps_strings(void **state)
{
        _cleanup_json_writer_ struct json_writer *pretty = json_writer_new(true);
        _cleanup_json_writer_ struct json_writer *compact = json_writer_new(false);
        char odd[] = "{ \"a b\" :\t[ \"x \\\" } y\" ,\r\n \"\\\\\" , 1 ] }\n";
        _cleanup_free_ char *text = NULL;
        size_t len;

        write_sample(pretty);
        write_sample(compact);
        text = xstrdup(json_writer_text(pretty, &len));
        len = json_minify(text, len);
        text[len] = '\0';
        assert_string_equal(text, json_writer_text(compact, NULL));
        len = json_minify(odd, strlen(odd));
        odd[len] = '\0';
        assert_string_equal(odd, "{\"a b\":[\"x \\\" } y\",\"\\\\\",1]}");
        assert_int_equal(json_minify(odd, 0), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_invalid_json_is_reported),
            cmocka_unit_test(test_type_errors_name_the_path),
            cmocka_unit_test(test_accessors_read_values),
            cmocka_unit_test(test_uint64_limits),
            cmocka_unit_test(test_strv_reads_strings_and_names_bad_element),
            cmocka_unit_test(test_compact_writer_round_trip),
            cmocka_unit_test(test_pretty_writer_round_trip),
            cmocka_unit_test(test_members_copy_all_but_skipped),
            cmocka_unit_test(test_minify_keeps_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
