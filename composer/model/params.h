/* What the `image` group of a layout says about the output: the plan every writer reads. */
#ifndef LSBIMG_PARAMS_H
#define LSBIMG_PARAMS_H

#include <stdint.h>

struct image_params {
	const char *name;        /* output stem */
	uint64_t size;           /* bytes; 0 = auto */
	uint64_t headroom_bytes; /* auto size: extra free space ... */
	unsigned headroom_pct;   /* ... or percent of content */
	unsigned block_size;     /* ext2/ext4: block; squashfs: data block; vfat: cluster */
	unsigned inode_size;
	uint64_t inodes;         /* 0 = auto */
	const char *compressor;  /* squashfs: "gzip", "xz" or "zstd" */
	uint64_t journal_size;   /* ext4: bytes; 0 = mke2fs's default for the size */
	char label[17];
	unsigned char uuid[16];
	uint32_t hash_seed[4];
	int64_t timestamp;
	const char *output;      /* image path */
	const char *stage;       /* staging directory, "" = none */
	const char *format;      /* a row of io/output.c's table: "ext2", "ext4", "tar", "cpio", ... */
	int strict;              /* warnings become errors */
};

#endif
