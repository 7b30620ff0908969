/* The vfat writer: a frozen tree of regular files and directories becomes a FAT file
 * system (FAT32, or FAT16/FAT12 when small) with long names. */
#ifndef LSBIMG_VFATWRITE_H
#define LSBIMG_VFATWRITE_H

#include "io/output.h"
#include "model/params.h"
#include "model/tree.h"

/* Write frozen tree T as vfat into FD (an empty file at PATH), sized and identified by P
 * (P->block_size: cluster bytes, 0 = auto). Other kinds of file, hard links, names FAT
 * cannot hold and files of 4 GiB or more are errors naming the path; owners and modes
 * are dropped with one warning. Returns 0, or -1 after reporting. */
int vfat_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res);

#endif
