/* The ext2 writer: a frozen tree becomes a file system, written through libext2fs. */
#ifndef LSBIMG_EXT2WRITE_H
#define LSBIMG_EXT2WRITE_H

#include "layout.h"
#include "tree.h"

struct ext2_result {
	uint64_t blocks, blocks_used;
	uint64_t inodes, inodes_used;
	uint64_t bytes;       /* file data written */
	uint64_t image_size;
};

/* Write frozen tree T as an ext2 file system into FD (an empty file at PATH), sized and
 * identified by P. Returns 0, or -1 after reporting the problem. */
int ext2_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct ext2_result *res);

#endif
