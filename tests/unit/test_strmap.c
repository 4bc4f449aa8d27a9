#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/strmap.h"

static void test_put_get_replace(void **state)
{
        struct strmap m = {0};
        int a, b;

        (void)state;
        assert_null(strmap_get(&m, "10.0.0.1"));
        strmap_put(&m, "10.0.0.1", &a);
        strmap_put(&m, "fd00::1", &b);
        assert_ptr_equal(strmap_get(&m, "10.0.0.1"), &a);
        assert_ptr_equal(strmap_get(&m, "fd00::1"), &b);
        assert_null(strmap_get(&m, "10.0.0.10"));
        strmap_put(&m, "10.0.0.1", &b);
        assert_ptr_equal(strmap_get(&m, "10.0.0.1"), &b);
        assert_int_equal(m.n, 2);
        strmap_free(&m);
        assert_null(strmap_get(&m, "10.0.0.1"));
}

/* A key is removed only when it maps to the value given (another container's address
 * stays); probes past a removed key still find what follows. */
static void test_del_by_value_and_probes_past_tombstones(void **state)
{
        struct strmap m = {0};
        int a, b;
        char key[32];

        (void)state;
        strmap_put(&m, "x", &a);
        strmap_del(&m, "x", &b);
        assert_ptr_equal(strmap_get(&m, "x"), &a);
        strmap_del(&m, "x", &a);
        assert_null(strmap_get(&m, "x"));
        assert_int_equal(m.n, 0);
        for (int i = 0; i < 20000; i++) {
                snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
                strmap_put(&m, key, (void *)(intptr_t)(i + 1));
        }
        for (int i = 0; i < 20000; i += 2) {
                snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
                strmap_del(&m, key, NULL);
        }
        assert_int_equal(m.n, 10000);
        for (int i = 0; i < 20000; i++) {
                snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
                if (i % 2)
                        assert_int_equal((intptr_t)strmap_get(&m, key), i + 1);
                else
                        assert_null(strmap_get(&m, key));
        }
        /* Removing and adding again forever does not fill the table with tombstones. */
        for (int round = 0; round < 100000; round++) {
                strmap_put(&m, "churn", &a);
                strmap_del(&m, "churn", NULL);
        }
        assert_true(m.used <= m.cap / 2);
        strmap_free(&m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_put_get_replace),
            cmocka_unit_test(test_del_by_value_and_probes_past_tombstones),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
