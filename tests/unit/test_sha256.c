#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/sha256.h"

static void digest_of(const char *text, size_t repeat, char out[65])
{
        struct sha256 s;

        sha256_init(&s);
        for (size_t i = 0; i < repeat; i++)
                sha256_update(&s, text, strlen(text));
        sha256_hex(&s, out);
}

/* FIPS 180-4's examples and NIST's long message, fed in pieces across blocks. */
static void test_vectors(void **state)
{
        char d[65];

        (void)state;
        digest_of("", 1, d);
        assert_string_equal(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        digest_of("abc", 1, d);
        assert_string_equal(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, d);
        assert_string_equal(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        digest_of("aaaaaaaaaa", 100000, d);
        assert_string_equal(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_vectors)};
        return cmocka_run_group_tests(tests, NULL, NULL);
}
