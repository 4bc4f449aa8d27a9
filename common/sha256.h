/* SHA-256 (FIPS 180-4), for checksums of trees nookctl compares across hosts (a
 * template on both ends of a migration).  Not for secrets: no constant-time care. */
#ifndef NOOK_COMMON_SHA256_H
#define NOOK_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
        uint32_t h[8];
        uint64_t len; /* bytes so far */
        uint8_t buf[64];
        size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(struct sha256 *s, char out[65]);

#endif
