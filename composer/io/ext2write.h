/* The ext2 writer: a frozen tree becomes a file system, written through libext2fs. */
#ifndef LSBIMG_EXT2WRITE_H
#define LSBIMG_EXT2WRITE_H

#include "io/output.h"
#include "model/params.h"
#include "model/tree.h"

/* Write frozen tree T as an ext2 file system into FD (an empty file at PATH), sized and
 * identified by P. Messages name P->output, never PATH (a temporary file). Returns 0, or
 * -1 after reporting the problem. */
int ext2_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res);

#endif
