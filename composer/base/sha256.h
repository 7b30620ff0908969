/* SHA-256 (FIPS 180-4), for the digests lsbimg records in images. */
#ifndef LSBIMG_SHA256_H
#define LSBIMG_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A digest computed piece by piece: init, update any number of times, final. */
struct sha256 {
	uint32_t h[8];
	unsigned char buf[64];
	uint64_t len;
};
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *buf, size_t len);
void sha256_final_hex(struct sha256 *c, char out[65]);

/* The digest of LEN bytes at BUF as 64 lowercase hex digits and a NUL in OUT. */
void sha256_hex(const void *buf, size_t len, char out[65]);

#endif
