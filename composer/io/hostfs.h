/* Importing host files and directory trees into the image tree. */
#ifndef LSBIMG_HOSTFS_H
#define LSBIMG_HOSTFS_H

#include "base/pathfilter.h"
#include "model/tree.h"

struct hostfs_opts {
	unsigned uid, gid;   /* owner of everything imported */
	int mode;            /* mode of the top directory, or -1 to keep */
	int flags;           /* tree_add flags */
	int no_xattrs;       /* leave the host's extended attributes behind */
	const char *origin;  /* layout position, for messages */
	/* Called with each node made for the tree (NULL: not wanted), e.g. to give it an
	 * owner known only later. */
	void (*added)(struct node *n, void *arg);
	void *arg;
	struct pathfilter *filter;  /* which paths below SRC to import (NULL: all) */
};

/* Give N the extended attributes of host file PATH (its final symlink followed with
 * FOLLOW). 0, or -1 with errno; a file system without them has none. */
int hostfs_xattrs(struct tree *t, struct node *n, const char *path, int follow);

/* Copy the contents of host directory SRC to image directory DEST: modes kept, owner from
 * O, mtimes from the tree, symlinks copied (never followed), hard links kept as hard links,
 * device nodes and fifos recreated, extended attributes kept unless O->no_xattrs.
 * Children are read in byte order. Reports errors naming the host path; returns 0 or -1. */
int hostfs_import(struct tree *t, const char *dest, const char *src,
		  const struct hostfs_opts *o);

#endif
