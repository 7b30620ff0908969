/* Opening any image or archive lsbimg inspects, in one place: its content says what it is
 * (ext2/3/4, squashfs, vfat, tar, cpio, gzip'd tar or cpio), and every inspect command
 * reads it through the same fsview. ext2 images are read through libext2fs directly; the
 * other kinds are read once into a tree (names, types, modes, owners, times, link
 * targets, devices, sizes) whose file data comes from the image on demand. */
#ifndef LSBIMG_IMGVIEW_H
#define LSBIMG_IMGVIEW_H

#include "model/fsview.h"
#include "model/tree.h"

#include <stdint.h>
#include <sys/types.h>

enum img_kind { IMG_EXT2, IMG_SQUASHFS, IMG_VFAT, IMG_ARCHIVE };

/* One line of `lsbimg info` for kinds other than ext2: a number or a text. */
typedef void (*img_info_fn)(const char *key, const char *text, uint64_t num, void *arg);

struct imgview;

/* A reader of one kind of image other than ext2 (io/fsview_KIND.c). */
struct img_backend {
	const char *name;
	/* Read PATH into IV->t and keep what reading file data needs in IV->backend;
	 * regular files are SRC_EMPTY nodes whose u.reg.off numbers them for read (from
	 * 1). 0, or -1 after a message. */
	int (*load)(struct imgview *iv, const char *path);
	ssize_t (*read)(void *backend, unsigned file, void *buf, size_t len, uint64_t off);
	void (*info)(void *backend, img_info_fn fn, void *arg);
	void (*close)(void *backend);
};

struct imgview {
	struct fsview v;              /* what the commands read */
	enum img_kind kind;
	const char *path;
	const char *type;             /* "ext2", "squashfs", "vfat", "tar", "cpio" ... */
	struct tree *t;               /* not ext2: the image's files */
	struct fsview tv;             /* the tree's view, for all but file data */
	void *backend;
	const struct img_backend *ops;
};

extern const struct img_backend sqfs_backend, vfat_backend;

/* A file in an open view: an ext2 inode number, or a tree node. */
typedef uint64_t img_handle;

/* Resolve PATH (a final symlink followed with FOLLOW) like image_lookup. 0 and *h, *st,
 * or -1 with errno. */
int imgview_lookup(struct imgview *iv, const char *path, int follow, img_handle *h,
		   struct fsview_stat *st);
int imgview_readlink(struct imgview *iv, img_handle h, char *buf, size_t len);
ssize_t imgview_pread(struct imgview *iv, img_handle h, void *buf, size_t len, uint64_t off);
/* The extended attributes of H by name, as fsview's xattrs. */
int imgview_xattrs(struct imgview *iv, img_handle h, fsview_xattr_fn fn, void *arg);
/* The inode number to show for H: ext2's own, else numbered in walk order from 1. */
uint64_t imgview_ino(struct imgview *iv, img_handle h);
/* Visit what is below directory DIR named PATH, as image_walk does (children in name
 * order, NAME the last component, DEPTH 1 for DIR's children, LAST for a directory's last
 * child); only DIR's children unless RECURSE. */
typedef int (*imgview_walk_fn)(const char *path, const char *name, img_handle h,
			       const struct fsview_stat *st, unsigned depth, int last,
			       void *arg);
int imgview_walk(struct imgview *iv, img_handle dir, const char *path, int recurse,
		 imgview_walk_fn fn, void *arg);

/* Open PATH by its content. 0, or -1 after a message naming PATH. */
int imgview_open(struct imgview *iv, const char *path);
/* Open PATH as an archive whatever its first bytes say (a .deb, an unknown compression):
 * libarchive names what is wrong with it. 0, or -1 after a message. */
int imgview_open_archive(struct imgview *iv, const char *path);
void imgview_close(struct imgview *iv);
/* The libext2fs image behind an ext2 view, else NULL. */
struct image *imgview_ext2(struct imgview *iv);
/* What PATH holds by its first bytes: "ext2", "squashfs", "vfat", "tar", "cpio", "gzip"
 * or NULL. */
const char *imgview_sniff(const char *path);

#endif
