/* The squashfs writer: a frozen tree becomes a compressed read-only file system, written
 * through libsquashfs. */
#ifndef LSBIMG_SQFSWRITE_H
#define LSBIMG_SQFSWRITE_H

#include "io/output.h"
#include "model/params.h"
#include "model/tree.h"

/* Write frozen tree T as squashfs into FD (an empty file at PATH), compressed with
 * P->compressor in blocks of P->block_size, times P->timestamp for the superblock.
 * Returns 0, or -1 after reporting the problem. */
int sqfs_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res);

#endif
