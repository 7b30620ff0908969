/* The one place that tells image kinds apart, and the view of the kinds read into a tree. */
#include "io/imgview.h"
#include "model/hostsrc.h"
#include "base/diag.h"
#include "io/archive_in.h"
#include "io/disk.h"
#include "io/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *imgview_sniff(const char *path)
{
	unsigned char b[1088];
	char *file;
	uint64_t off, len;
	if (disk_resolve(path, &file, &off, &len))
		return NULL;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	free(file);
	if (fd < 0)
		return NULL;
	ssize_t n = pread(fd, b, sizeof(b), (off_t)off);
	close(fd);
	if (n < 6)
		return NULL;
	if (n >= 1082 && b[1080] == 0x53 && b[1081] == 0xef)
		return "ext2";
	if (!memcmp(b, "hsqs", 4))
		return "squashfs";
	if (!memcmp(b, "070701", 6) || !memcmp(b, "070702", 6) || !memcmp(b, "070707", 6) ||
	    (b[0] == 0xc7 && b[1] == 0x71))
		return "cpio";
	if (n >= 263 && !memcmp(b + 257, "ustar", 5))
		return "tar";
	if (b[0] == 0x1f && b[1] == 0x8b)
		return "gzip";
	/* A FAT boot sector: the signature, a jump, and a power-of-two sector size. */
	if (n >= 512 && b[510] == 0x55 && b[511] == 0xaa && (b[0] == 0xeb || b[0] == 0xe9)) {
		unsigned bps = b[11] | b[12] << 8;
		if (bps >= 512 && bps <= 4096 && !(bps & (bps - 1)) && b[13] &&
		    !(b[13] & (b[13] - 1)))
			return "vfat";
	}
	return NULL;
}

/* ---- the view of a tree read from an image ---- */

static int iv_stat(void *ctx, const char *path, int follow, struct fsview_stat *st)
{
	struct imgview *iv = ctx;
	return iv->tv.stat(iv->tv.ctx, path, follow, st);
}

static int iv_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	struct imgview *iv = ctx;
	return iv->tv.readlink(iv->tv.ctx, path, buf, len);
}

static int iv_walk(void *ctx, int (*fn)(const char *path, const struct fsview_stat *st,
					void *arg), void *arg)
{
	struct imgview *iv = ctx;
	return iv->tv.walk(iv->tv.ctx, fn, arg);
}

static int iv_xattrs(void *ctx, const char *path, fsview_xattr_fn fn, void *arg)
{
	struct imgview *iv = ctx;
	return iv->tv.xattrs(iv->tv.ctx, path, fn, arg);
}

/* File data from the image or the archive's spool. */
static ssize_t iv_pread(void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
	struct imgview *iv = ctx;
	struct node *n = tree_lookup(iv->t, NULL, path, TREE_FOLLOW);
	return n ? imgview_pread(iv, (uintptr_t)n, buf, len, off) : -1;
}

static int number_nodes(const char *path, const struct dentry *d, void *ctx)
{
	unsigned *next = ctx;
	(void)path;
	if (!d->node->ino)
		d->node->ino = (*next)++;
	return 0;
}

static int load_archive(struct imgview *iv, const char *path)
{
	struct archive_import opt = { .clamp = INT64_MAX, .uid = -1, .gid = -1 };
	return archive_import(iv->t, NULL, path, &opt);
}

/* A kind read into a tree: squashfs, vfat, or (KIND anything else) an archive. */
static int open_tree(struct imgview *iv, const char *kind)
{
	iv->t = tree_new(0);
	int rc;
	if (!strcmp(kind, "squashfs") || !strcmp(kind, "vfat")) {
		iv->kind = kind[0] == 's' ? IMG_SQUASHFS : IMG_VFAT;
		iv->ops = kind[0] == 's' ? &sqfs_backend : &vfat_backend;
		iv->type = iv->ops->name;
		rc = iv->ops->load(iv, iv->path);
	} else {
		iv->kind = IMG_ARCHIVE;
		iv->type = kind;
		rc = load_archive(iv, iv->path);
	}
	if (rc) {
		tree_free(iv->t);
		iv->t = NULL;
		return -1;
	}
	tree_freeze(iv->t);
	unsigned next = 1;
	tree_walk(iv->t, number_nodes, &next);
	fsview_tree_init(&iv->tv, iv->t);
	iv->v = (struct fsview){ iv, iv_stat, iv_pread, iv_readlink, iv_walk, iv_xattrs };
	return 0;
}

int imgview_open(struct imgview *iv, const char *path)
{
	struct stat sb;
	char *file;
	uint64_t off, len;
	memset(iv, 0, sizeof(*iv));
	iv->path = path;
	if (disk_resolve(path, &file, &off, &len))
		return -1;
	int rc = stat(file, &sb);
	const char *table = !rc && !off ? disk_sniff(file) : NULL;
	free(file);
	if (rc < 0) {
		diag_error_at(path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (table) {
		diag_error_at(path, 0, "a partitioned disk (%s): name a partition, %s:N or %s:NAME "
			      "(lsbimg info %s lists them)", table, path, path, path);
		return -1;
	}
	const char *kind = S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode) ? imgview_sniff(path) : NULL;
	if (!kind || !strcmp(kind, "ext2")) {
		/* libext2fs says what is wrong with anything else. */
		iv->kind = IMG_EXT2;
		iv->type = "ext2";
		return fsview_ext2_open(&iv->v, path);
	}
	return open_tree(iv, kind);
}

int imgview_open_archive(struct imgview *iv, const char *path)
{
	memset(iv, 0, sizeof(*iv));
	iv->path = path;
	const char *kind = imgview_sniff(path);
	return open_tree(iv, kind ? kind : "archive");
}

void imgview_close(struct imgview *iv)
{
	if (iv->kind == IMG_EXT2) {
		if (iv->v.ctx)
			fsview_ext2_close(&iv->v);
		return;
	}
	if (iv->ops)
		iv->ops->close(iv->backend);
	tree_free(iv->t);
	memset(iv, 0, sizeof(*iv));
}

struct image *imgview_ext2(struct imgview *iv)
{
	return iv->kind == IMG_EXT2 ? fsview_ext2_image(&iv->v) : NULL;
}

/* ---- handles: ext2 inodes through io/image, tree nodes directly ---- */

/* The tree view's stat, with the inode number shown for the node. */
static void node_stat(const struct node *n, struct fsview_stat *st)
{
	fsview_node_stat(n, st);
	st->id = n->ino;
}

static struct node *node_of(img_handle h)
{
	return (struct node *)(uintptr_t)h;
}

int imgview_lookup(struct imgview *iv, const char *path, int follow, img_handle *h,
		   struct fsview_stat *st)
{
	if (iv->kind == IMG_EXT2) {
		ext2_ino_t ino;
		if (image_lookup(imgview_ext2(iv), path, follow, &ino) < 0 ||
		    image_stat_ino(imgview_ext2(iv), ino, st) < 0)
			return -1;
		*h = ino;
		return 0;
	}
	struct node *n = tree_lookup(iv->t, NULL, path, follow ? TREE_FOLLOW : 0);
	if (!n)
		return -1;
	*h = (uintptr_t)n;
	node_stat(n, st);
	return 0;
}

int imgview_readlink(struct imgview *iv, img_handle h, char *buf, size_t len)
{
	if (iv->kind == IMG_EXT2)
		return image_readlink_ino(imgview_ext2(iv), (ext2_ino_t)h, buf, len);
	const struct node *n = node_of(h);
	if (n->type != NODE_SYMLINK || strlen(n->u.lnk.target) >= len) {
		errno = n->type != NODE_SYMLINK ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, n->u.lnk.target);
	return 0;
}

ssize_t imgview_pread(struct imgview *iv, img_handle h, void *buf, size_t len, uint64_t off)
{
	if (iv->kind == IMG_EXT2)
		return image_pread_ino(imgview_ext2(iv), (ext2_ino_t)h, buf, len, off);
	const struct node *n = node_of(h);
	if (n->type != NODE_REG) {
		errno = n->type == NODE_DIR ? EISDIR : EINVAL;
		return -1;
	}
	if (!iv->ops)
		return node_pread(n, buf, len, off);
	if (off >= n->u.reg.size)
		return 0;
	if (len > n->u.reg.size - off)
		len = (size_t)(n->u.reg.size - off);
	return n->u.reg.off ? iv->ops->read(iv->backend, (unsigned)n->u.reg.off, buf, len, off) : 0;
}

int imgview_xattrs(struct imgview *iv, img_handle h, fsview_xattr_fn fn, void *arg)
{
	if (iv->kind == IMG_EXT2)
		return image_xattrs_ino(imgview_ext2(iv), (ext2_ino_t)h, fn, arg);
	return node_xattrs(node_of(h), fn, arg);
}

uint64_t imgview_ino(struct imgview *iv, img_handle h)
{
	return iv->kind == IMG_EXT2 ? h : node_of(h)->ino;
}

struct ext2_walk {
	imgview_walk_fn fn;
	void *arg;
};

static int ext2_visit(const char *path, const char *name, ext2_ino_t ino,
		      const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct ext2_walk *w = arg;
	return w->fn(path, name, ino, st, depth, last, w->arg);
}

/* DIR's children only, for ls. */
static int ext2_children(struct imgview *iv, ext2_ino_t dir, const char *path,
			 imgview_walk_fn fn, void *arg)
{
	struct image *im = imgview_ext2(iv);
	const struct image_dirent *d;
	size_t n;
	int rc = 0;
	if (image_readdir(im, dir, &d, &n) < 0) {
		image_error(im, "%s: cannot read directory: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct fsview_stat st;
		if (image_stat_ino(im, d[i].ino, &st) < 0) {
			image_error(im, "%s/%s: unreadable inode %u", path, d[i].name, d[i].ino);
			rc = -1;
		} else {
			char *cp = xasprintf("%s/%s", strcmp(path, "/") ? path : "", d[i].name);
			rc = fn(cp, d[i].name, d[i].ino, &st, 1, i + 1 == n, arg);
			free(cp);
		}
	}
	return rc;
}

static int tree_children(const struct node *dir, const char *path, unsigned depth,
			 int recurse, imgview_walk_fn fn, void *arg)
{
	int rc = 0;
	for (size_t i = 0; i < dir->u.dir.nkids && !rc; i++) {
		const struct dentry *d = dir->u.dir.kids[i];
		struct fsview_stat st;
		node_stat(d->node, &st);
		char *cp = xasprintf("%s/%s", strcmp(path, "/") ? path : "", d->name);
		rc = fn(cp, d->name, (uintptr_t)d->node, &st, depth + 1, i + 1 == dir->u.dir.nkids,
			arg);
		if (!rc && recurse && d->node->type == NODE_DIR)
			rc = tree_children(d->node, cp, depth + 1, 1, fn, arg);
		free(cp);
	}
	return rc;
}

int imgview_walk(struct imgview *iv, img_handle dir, const char *path, int recurse,
		 imgview_walk_fn fn, void *arg)
{
	if (iv->kind == IMG_EXT2) {
		struct ext2_walk w = { fn, arg };
		return recurse ? image_walk(imgview_ext2(iv), (ext2_ino_t)dir, path, ext2_visit, &w) :
				 ext2_children(iv, (ext2_ino_t)dir, path, fn, arg);
	}
	return tree_children(node_of(dir), path, 0, recurse, fn, arg);
}
