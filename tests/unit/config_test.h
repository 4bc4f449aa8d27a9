/* What the unit tests of config.json's parser share: documents written with ' for "
 * (dq), a parse that must succeed or fail with one message, and the skeletons of a
 * config with a process or a linux object. */
#ifndef NOOK_TESTS_UNIT_CONFIG_TEST_H
#define NOOK_TESTS_UNIT_CONFIG_TEST_H

#include <stdint.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/oci.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define CAP(c) (UINT64_C(1) << (c))

/* The documents below are written with ' for " to stay readable. */
static inline char *dq(const char *text)
{
        char *s = xstrdup(text);

        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}

static inline struct oci_config *parse_ok(const char *text)
{
        _cleanup_free_ char *json = dq(text);
        struct nook_err err = {0};
        struct oci_config *c = NULL;

        if (oci_config_parse(json, &c, &err) < 0)
                fail_msg("unexpected error: %s", err.msg);
        assert_non_null(c);
        return c;
}

static inline void expect_error(const char *text, const char *msg)
{
        _cleanup_free_ char *json = dq(text);
        struct nook_err err = {0};
        struct oci_config *c = NULL;

        assert_true(oci_config_parse(json, &c, &err) < 0);
        assert_null(c);
        assert_string_equal(err.msg, msg);
}

#define HEAD         "{'ociVersion':'1.2.0','root':{'path':'rootfs'},"
#define PROCESS(...) HEAD "'process':{'args':['sh'],'cwd':'/'" __VA_ARGS__ "}}"
#define LINUX(...)   HEAD "'linux':{" __VA_ARGS__ "}}"

#endif
