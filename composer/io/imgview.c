/* The one place that tells image kinds apart, and the view of the kinds read into a tree. */
#include "io/imgview.h"
#include "base/diag.h"
#include "io/archive_in.h"
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = pread(fd, b, sizeof(b), 0);
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

/* File data from the image; the node's ino numbers the file for the backend. */
static ssize_t iv_pread(void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
	struct imgview *iv = ctx;
	struct node *n = tree_lookup(iv->t, NULL, path, TREE_FOLLOW);
	if (!n)
		return -1;
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
	return n->ino ? iv->ops->read(iv->backend, n->ino, buf, len, off) : 0;
}

static int load_archive(struct imgview *iv, const char *path)
{
	struct archive_import opt = { .clamp = INT64_MAX, .uid = -1, .gid = -1 };
	return archive_import(iv->t, NULL, path, &opt);
}

int imgview_open(struct imgview *iv, const char *path)
{
	struct stat sb;
	memset(iv, 0, sizeof(*iv));
	iv->path = path;
	if (stat(path, &sb) < 0) {
		diag_error_at(path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	const char *kind = S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode) ? imgview_sniff(path) : NULL;
	if (!kind || !strcmp(kind, "ext2") || !strcmp(kind, "vfat")) {
		/* libext2fs says what is wrong with anything else. */
		iv->kind = IMG_EXT2;
		iv->type = "ext2";
		return fsview_ext2_open(&iv->v, path);
	}
	iv->t = tree_new(0);
	int rc;
	if (!strcmp(kind, "squashfs")) {
		iv->kind = IMG_SQUASHFS;
		iv->ops = &sqfs_backend;
		iv->type = iv->ops->name;
		rc = iv->ops->load(iv, path);
	} else {
		iv->kind = IMG_ARCHIVE;
		iv->type = kind;
		rc = load_archive(iv, path);
	}
	if (rc) {
		tree_free(iv->t);
		iv->t = NULL;
		return -1;
	}
	tree_freeze(iv->t);
	fsview_tree_init(&iv->tv, iv->t);
	iv->v = (struct fsview){ iv, iv_stat, iv_pread, iv_readlink, iv_walk };
	return 0;
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
