/* fsview over an existing image, so checks run on images as on trees being composed. */
#include "model/fsview.h"
#include "io/image.h"
#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int ev_stat(void *ctx, const char *path, int follow, struct fsview_stat *st)
{
	ext2_ino_t ino;
	if (image_lookup(ctx, path, follow, &ino) < 0)
		return -1;
	return image_stat_ino(ctx, ino, st);
}

static ssize_t ev_pread(void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
	ext2_ino_t ino;
	if (image_lookup(ctx, path, 1, &ino) < 0)
		return -1;
	return image_pread_ino(ctx, ino, buf, len, off);
}

static int ev_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	ext2_ino_t ino;
	if (image_lookup(ctx, path, 0, &ino) < 0)
		return -1;
	return image_readlink_ino(ctx, ino, buf, len);
}

static int ev_xattrs(void *ctx, const char *path, fsview_xattr_fn fn, void *arg)
{
	ext2_ino_t ino;
	if (image_lookup(ctx, path, 0, &ino) < 0)
		return -1;
	return image_xattrs_ino(ctx, ino, fn, arg);
}

struct walk_arg {
	int (*fn)(const char *path, const struct fsview_stat *st, void *arg);
	void *arg;
};

static int visit(const char *path, const char *name, ext2_ino_t ino,
		 const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	struct walk_arg *w = arg;
	(void)name, (void)ino, (void)depth, (void)last;
	return w->fn(path, st, w->arg);
}

static int ev_walk(void *ctx, int (*fn)(const char *path, const struct fsview_stat *st,
					void *arg), void *arg)
{
	struct walk_arg w = { fn, arg };
	struct fsview_stat st;
	if (image_stat_ino(ctx, EXT2_ROOT_INO, &st) < 0) {
		image_error(ctx, "/: unreadable root inode");
		return -1;
	}
	int rc = fn("/", &st, arg);
	return rc ? rc : image_walk(ctx, EXT2_ROOT_INO, "/", visit, &w);
}

int fsview_ext2_open(struct fsview *v, const char *image)
{
	struct image *im = xmalloc(sizeof(*im));
	if (image_open(im, image) < 0) {
		free(im);
		return -1;
	}
	v->ctx = im;
	v->stat = ev_stat;
	v->pread = ev_pread;
	v->readlink = ev_readlink;
	v->walk = ev_walk;
	v->xattrs = ev_xattrs;
	return 0;
}

void fsview_ext2_close(struct fsview *v)
{
	image_close(v->ctx);
	free(v->ctx);
	v->ctx = NULL;
}

struct image *fsview_ext2_image(struct fsview *v)
{
	return v->ctx;
}
