/* Importing archives into the image tree through libarchive: tar in any format and
 * compression libarchive reads, cpio, and Debian .deb packages (the data.tar.* member of
 * the ar container, read as a nested stream). Nothing is unpacked on the host: member
 * data goes to one unlinked spool file that the tree's nodes point into (SRC_FD). */
#ifndef LSBIMG_ARCHIVE_IN_H
#define LSBIMG_ARCHIVE_IN_H

#include "base/pathfilter.h"
#include "model/tree.h"

#include <stdint.h>

struct archive_import {
	const char *where;   /* "file:line" of the layout entry for messages, or NULL */
	int64_t clamp;       /* later mtimes become this (INT64_MAX: keep them) */
	long uid, gid;       /* owner of every member, or -1 to keep the archive's */
	int flags;           /* TREE_OVERRIDE: members may replace non-directories */
	/* Called with each node made for a member (NULL: not wanted). */
	void (*added)(struct node *n, void *arg);
	void *arg;
	struct pathfilter *filter;  /* which members to import, by their path below the
				     * archive's root (NULL: all) */
};

/* Import archive PATH under directory BASE (NULL: the root). Member names are resolved
 * inside BASE, following symlinks already in the tree (a directory symlink stays a
 * symlink, as with tar --keep-directory-symlink). Directories that already exist keep
 * their attributes. Each bad member is reported naming the archive and the member;
 * returns 0, or -1 when any member or the archive itself failed. */
int archive_import(struct tree *t, struct node *base, const char *path,
		   const struct archive_import *opt);

/* Close and forget the spool that imported members' data lives in. Only for a process
 * that imports into many trees in turn (the fuzz targets), after freeing every tree that
 * used it; lsbimg itself builds one tree and keeps the spool until exit. */
void archive_spool_reset(void);

#endif
