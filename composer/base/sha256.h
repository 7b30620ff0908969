/* SHA-256 (FIPS 180-4), for the digests lsbimg records in images. */
#ifndef LSBIMG_SHA256_H
#define LSBIMG_SHA256_H

#include <stddef.h>

/* The digest of LEN bytes at BUF as 64 lowercase hex digits and a NUL in OUT. */
void sha256_hex(const void *buf, size_t len, char out[65]);

#endif
