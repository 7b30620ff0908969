/* A read-only view of an image's files, so checks (ELF closure, units) run the same way on
 * a tree being composed and on an existing image. Paths are absolute image paths;
 * symlinks are resolved inside the image, never on the host. */
#ifndef LSBIMG_FSVIEW_H
#define LSBIMG_FSVIEW_H

#include "model/tree.h"

#include <stdint.h>
#include <sys/types.h>

struct fsview_stat {
	enum node_type type;
	unsigned mode;        /* permission bits (07777) */
	unsigned uid, gid;
	int64_t mtime;
	unsigned nlink;
	uint64_t id;          /* equal for hard links to one file */
	uint64_t size;
	unsigned major, minor;/* device nodes */
};

/* One extended attribute; a non-zero return stops the listing and is returned. */
typedef int (*fsview_xattr_fn)(const char *name, const void *value, size_t len, void *arg);

struct fsview {
	void *ctx;
	/* 0 and *st, or -1 with errno (ENOENT, ENOTDIR, ELOOP). FOLLOW: follow a final link. */
	int (*stat)(void *ctx, const char *path, int follow, struct fsview_stat *st);
	/* Read from the regular file PATH (final symlink followed). */
	ssize_t (*pread)(void *ctx, const char *path, void *buf, size_t len, uint64_t off);
	/* Target of the symlink PATH into buf (NUL-terminated); -1 on error. */
	int (*readlink)(void *ctx, const char *path, char *buf, size_t len);
	/* Call FN for every path in the image, preorder; non-zero from FN stops the walk. */
	int (*walk)(void *ctx, int (*fn)(const char *path, const struct fsview_stat *st,
					 void *arg), void *arg);
	/* The extended attributes of PATH (final symlink not followed), by name: FN's
	 * non-zero return, or -1 with errno. NULL: the view has none. */
	int (*xattrs)(void *ctx, const char *path, fsview_xattr_fn fn, void *arg);
};

/* Read the whole regular file PATH of V (final symlink followed, at most MAX bytes) into
 * *buf (NUL-terminated, malloc'd) and *len: 0, or -1 with errno (EINVAL: not a regular
 * file, EFBIG: larger than MAX, EIO: shorter than it said). */
int fsview_read_all(struct fsview *v, const char *path, uint64_t max, char **buf, size_t *len);

/* Called for each symlink met resolving a path: its link-free PATH and its TARGET.
 * Non-zero stops the resolution. */
typedef int (*fsview_link_fn)(const char *path, const char *target, void *arg);
/* The symlink-free path PATH names in V (malloc'd; "/" for the root), every symlink on the
 * way followed, a final one too, inside the view (".." of the root is the root), with
 * ON_LINK (when not NULL) told of each; *ST (when not NULL) what it names. NULL with
 * errno (ELOOP for more than 40 links) when a component cannot be resolved, and then,
 * when AT is not NULL, *AT (malloc'd) the component's path, or NULL when it was ON_LINK
 * that stopped it, or the root. */
char *fsview_realpath(struct fsview *v, const char *path, struct fsview_stat *st,
		      fsview_link_fn on_link, void *arg, char **at);

/* The extended attributes of N, by name, as fsview's xattrs. */
int node_xattrs(const struct node *n, fsview_xattr_fn fn, void *arg);

/* The view of a tree being composed (fsview_tree.c). */
void fsview_tree_init(struct fsview *v, struct tree *t);
/* What the tree's view says of node N; its id is the node's address. */
void fsview_node_stat(const struct node *n, struct fsview_stat *st);

/* The view of an existing image file, read-only through libext2fs (fsview_ext2.c).
 * 0, or -1 after a message naming IMAGE. The walk visits "/" first, children in name
 * order, and fails (-1, after a message) on unreadable directories or cycles. */
int fsview_ext2_open(struct fsview *v, const char *image);
void fsview_ext2_close(struct fsview *v);
/* The image behind a view from fsview_ext2_open. */
struct image *fsview_ext2_image(struct fsview *v);

#endif
