/* Read-only access to an existing ext2/3/4 image through libext2fs, never mounting it.
 * Every function tolerates corrupted metadata: it fails with an errno and leaves the
 * message to the caller, never crashes or loops without bound. */
#ifndef LSBIMG_IMAGE_H
#define LSBIMG_IMAGE_H

#include "model/fsview.h"

#include <ext2fs/ext2fs.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct image {
	const char *path;   /* the host file, for messages */
	ext2_filsys fs;
	uint64_t bytes;     /* filesystem size in bytes */
	struct image_dircache *dirs; /* directories read so far, by inode */
};

/* Nesting deeper than this is treated as corruption (a directory cycle). */
#define IMAGE_MAX_DEPTH 256

/* Open PATH read-only and validate its superblock, size and group descriptors.
 * 0, or -1 after printing "PATH: error: why". */
int image_open(struct image *im, const char *path);
void image_close(struct image *im);
/* Whether PATH starts like an ext2/3/4 image (superblock magic), so commands that take an
 * image or something else can tell them apart. */
int image_is_ext2(const char *path);

/* Resolve the absolute image PATH to an inode; symlinks are followed inside the image
 * (a final one only with FOLLOW). Each directory is read once (image_readdir) and then
 * searched by name, so resolving every path of a large directory stays linear.
 * 0, or -1 with errno ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG or EIO (unreadable metadata,
 * including a corrupt entry anywhere in a directory on the way). */
int image_lookup(struct image *im, const char *path, int follow, ext2_ino_t *ino);

/* Load inode INO into *st; -1 with errno EIO when it is unreadable or invalid. */
int image_stat_ino(struct image *im, ext2_ino_t ino, struct fsview_stat *st);
/* The raw inode, for callers that print more than struct fsview_stat holds. */
int image_inode(struct image *im, ext2_ino_t ino, struct ext2_inode_large *inode);

/* The target of symlink INO into BUF (NUL-terminated). 0 or -1 with errno. */
int image_readlink_ino(struct image *im, ext2_ino_t ino, char *buf, size_t len);
/* Read up to LEN bytes of regular file INO at OFF. */
ssize_t image_pread_ino(struct image *im, ext2_ino_t ino, void *buf, size_t len, uint64_t off);

/* The extended attributes of INO by name, as fsview's xattrs; -1 with errno EIO when
 * they are unreadable. */
int image_xattrs_ino(struct image *im, ext2_ino_t ino, fsview_xattr_fn fn, void *arg);

/* One directory entry (not "." or ".."). */
struct image_dirent {
	char *name;
	ext2_ino_t ino;
};
/* The entries of directory INO sorted by name. The directory is read once and kept until
 * image_close, so the array is the image's. 0, or -1 with errno ENOTDIR or EIO. */
int image_readdir(struct image *im, ext2_ino_t ino, const struct image_dirent **out,
		  size_t *n);

/* Visit everything below directory DIR (named PATH) in preorder, children in name order.
 * NAME is the last component of PATH; LAST is set for a directory's final child; DEPTH
 * is 1 for DIR's children. A non-zero return from FN stops the walk and is returned;
 * unreadable directories, cycles and absurd nesting give -1 after a message. */
typedef int (*image_walk_fn)(const char *path, const char *name, ext2_ino_t ino,
			     const struct fsview_stat *st, unsigned depth, int last, void *arg);
int image_walk(struct image *im, ext2_ino_t dir, const char *path, image_walk_fn fn,
	       void *arg);

/* What an inode holds beyond struct fsview_stat, for `lsbimg stat`. */
struct image_inode_extra {
	unsigned long long blocks;   /* 512-byte sectors */
	int32_t atime, ctime;
	uint32_t flags;
};
/* 0 and *x, or -1 with errno EIO when inode INO is unreadable. */
int image_stat_extra(struct image *im, ext2_ino_t ino, struct image_inode_extra *x);

/* ext2, ext3 or ext4, by the features mke2fs -t would set. */
const char *image_kind(struct image *im);

/* The superblock in words, for `lsbimg info`. */
struct image_summary {
	const char *kind;            /* ext2, ext3 or ext4, by the features */
	const char *state;           /* clean, not clean or errors */
	uint64_t blocks, blocks_free;
	unsigned block_size, inodes, inodes_free, inode_size, groups, mount_count;
	char uuid[37], label[17];
	char features[96][32];       /* compat, incompat, ro_compat names in bit order */
	size_t nfeatures;
	uint32_t created, mounted, written, checked;   /* 0: never */
};
void image_summarize(struct image *im, struct image_summary *s);

/* Short type words for listings and JSON: dir, file, symlink, chr, blk, fifo, sock. */
const char *image_type_word(enum node_type t);

/* "PATH: error: ..." naming the image, for command modules. */
__attribute__((format(printf, 2, 3))) void image_error(const struct image *im,
							const char *fmt, ...);

#endif
