/* Reading a squashfs image through libsquashfs: the directory tree once, file data on
 * demand. A corrupt image is refused with libsquashfs's reason, never trusted. */
#include "io/imgview.h"
#include "io/disk.h"
#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>

struct sqview {
	sqfs_file_t *file;
	sqfs_super_t super;
	sqfs_compressor_t *cmp;
	sqfs_id_table_t *ids;
	sqfs_dir_reader_t *dr;
	sqfs_data_reader_t *data;
	sqfs_xattr_reader_t *xr;
	sqfs_tree_node_t *root;
	const sqfs_inode_generic_t **files;   /* regular files, by u.reg.off - 1 */
	unsigned nfiles, cap;
	struct node **by_number;              /* inode number -> node: hard links */
};

static void sq_close(void *backend)
{
	struct sqview *s = backend;
	if (!s)
		return;
	sqfs_dir_tree_destroy(s->root);
	sqfs_destroy(s->data);
	sqfs_destroy(s->xr);
	sqfs_destroy(s->dr);
	sqfs_destroy(s->ids);
	sqfs_destroy(s->cmp);
	sqfs_destroy(s->file);
	free(s->files);
	free(s->by_number);
	free(s);
}

static const char *compressor_name(unsigned id)
{
	static const char *const names[] = { "", "gzip", "lzma", "lzo", "xz", "lz4", "zstd" };
	return id < sizeof(names) / sizeof(names[0]) ? names[id] : "unknown";
}

/* The extended attributes of IN onto N. 0, or a libsquashfs error. */
static int read_xattrs(struct imgview *iv, struct sqview *s, const sqfs_inode_generic_t *in,
		       struct node *n)
{
	sqfs_u32 idx;
	sqfs_xattr_id_t desc;
	if (sqfs_inode_get_xattr_index(in, &idx) || idx == 0xFFFFFFFFu)
		return 0;
	int err = sqfs_xattr_reader_get_desc(s->xr, idx, &desc);
	if (!err)
		err = sqfs_xattr_reader_seek_kv(s->xr, &desc);
	for (sqfs_u32 i = 0; !err && i < desc.count; i++) {
		sqfs_xattr_entry_t *key = NULL;
		sqfs_xattr_value_t *val = NULL;
		err = sqfs_xattr_reader_read_key(s->xr, &key);
		if (!err)
			err = sqfs_xattr_reader_read_value(s->xr, key, &val);
		if (!err)   /* the key comes with its name space prefix and a NUL */
			node_set_xattr(iv->t, n, (const char *)key->key, val->value, val->size);
		sqfs_free(key);
		sqfs_free(val);
	}
	return err;
}

/* A node for sqfs tree node SN (not the root). -1 with *why on corruption. */
static struct node *make_node(struct imgview *iv, struct sqview *s, const sqfs_tree_node_t *sn,
			      const char **why)
{
	const sqfs_inode_generic_t *in = sn->inode;
	uint32_t num = in->base.inode_number;
	if (num == 0 || num > s->super.inode_count) {
		*why = "inode number out of range";
		return NULL;
	}
	if (s->by_number[num - 1]) {
		if (s->by_number[num - 1]->type == NODE_DIR) {
			*why = "a directory with two names";
			return NULL;
		}
		return s->by_number[num - 1];     /* another name of a file already read */
	}
	enum node_type type;
	switch (in->base.type) {
	case SQFS_INODE_DIR: case SQFS_INODE_EXT_DIR: type = NODE_DIR; break;
	case SQFS_INODE_FILE: case SQFS_INODE_EXT_FILE: type = NODE_REG; break;
	case SQFS_INODE_SLINK: case SQFS_INODE_EXT_SLINK: type = NODE_SYMLINK; break;
	case SQFS_INODE_CDEV: case SQFS_INODE_EXT_CDEV: type = NODE_CHR; break;
	case SQFS_INODE_BDEV: case SQFS_INODE_EXT_BDEV: type = NODE_BLK; break;
	case SQFS_INODE_FIFO: case SQFS_INODE_EXT_FIFO: type = NODE_FIFO; break;
	case SQFS_INODE_SOCKET: case SQFS_INODE_EXT_SOCKET: type = NODE_SOCK; break;
	default: *why = "unknown inode type"; return NULL;
	}
	struct node *n = tree_node_new(iv->t, type, "(squashfs)");
	n->mode = in->base.mode & 07777;
	n->uid = sn->uid;
	n->gid = sn->gid;
	n->mtime = in->base.mod_time;
	switch (type) {
	case NODE_REG: {
		sqfs_u64 size;
		sqfs_inode_get_file_size(in, &size);
		n->src = SRC_EMPTY;
		n->u.reg.size = size;
		if (s->nfiles == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 256;
			s->files = xrealloc(s->files, s->cap * sizeof(*s->files));
		}
		s->files[s->nfiles++] = in;
		n->u.reg.off = s->nfiles;
		break;
	}
	case NODE_SYMLINK: {
		size_t len = in->base.type == SQFS_INODE_SLINK ? in->data.slink.target_size :
							       in->data.slink_ext.target_size;
		if (len == 0 || len > in->payload_bytes_used || memchr(in->extra, 0, len)) {
			*why = "bad symlink target";
			return NULL;
		}
		char *target = tree_alloc(iv->t, len + 1);
		memcpy(target, in->extra, len);
		target[len] = 0;
		n->u.lnk.target = target;
		break;
	}
	case NODE_CHR:
	case NODE_BLK: {
		uint32_t dev = in->base.type <= SQFS_INODE_SOCKET ? in->data.dev.devno :
								      in->data.dev_ext.devno;
		n->u.dev.major = (dev & 0xfff00) >> 8;       /* the kernel's new_decode_dev */
		n->u.dev.minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
		break;
	}
	default:
		break;
	}
	if (read_xattrs(iv, s, in, n)) {
		*why = "unreadable extended attributes";
		return NULL;
	}
	n->ino = num;   /* shown as the inode number, as the kernel shows it */
	s->by_number[num - 1] = n;
	return n;
}

static int add_children(struct imgview *iv, struct sqview *s, const sqfs_tree_node_t *dir,
			const char *path, unsigned depth)
{
	if (depth > 256) {
		diag_error_at(iv->path, 0, "%s: directories nested too deep (corrupt?)", path);
		return -1;
	}
	for (const sqfs_tree_node_t *c = dir->children; c; c = c->next) {
		const char *name = (const char *)c->name, *why = NULL;
		char *cp = xasprintf("%s/%s", strcmp(path, "/") ? path : "", name);
		struct node *n = make_node(iv, s, c, &why);
		int rc = 0;
		if (!n || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
			diag_error_at(iv->path, 0, "%s: corrupt: %s", cp, why ? why : "bad name");
			rc = -1;
		} else if (tree_add(iv->t, NULL, cp, n, 0, &why)) {
			diag_error_at(iv->path, 0, "%s: corrupt: %s", cp, why);
			rc = -1;
		} else if (n->type == NODE_DIR) {
			rc = add_children(iv, s, c, cp, depth + 1);
		}
		free(cp);
		if (rc)
			return -1;
	}
	return 0;
}

static uint64_t count_names(const sqfs_tree_node_t *n)
{
	uint64_t c = 1;
	for (const sqfs_tree_node_t *k = n->children; k; k = k->next)
		c += count_names(k);
	return c;
}

static int sq_fail(struct imgview *iv, struct sqview *s, const char *what, int err)
{
	diag_error_at(iv->path, 0, "not a readable squashfs image: %s (libsquashfs error %d)",
		      what, err);
	sq_close(s);
	return -1;
}

/* A partition of a disk: the squashfs image at BASE, LEN bytes long, of file INNER. */
struct subfile {
	sqfs_file_t f;
	sqfs_file_t *inner;
	uint64_t base, len;
};

static void sub_destroy(sqfs_object_t *o)
{
	struct subfile *s = (struct subfile *)o;
	sqfs_destroy(s->inner);
	free(s);
}

static int sub_read_at(sqfs_file_t *f, sqfs_u64 off, void *buf, size_t size)
{
	struct subfile *s = (struct subfile *)f;
	if (off > s->len || size > s->len - off)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	return s->inner->read_at(s->inner, s->base + off, buf, size);
}

static int sub_write_at(sqfs_file_t *f, sqfs_u64 off, const void *buf, size_t size)
{
	(void)f, (void)off, (void)buf, (void)size;
	return SQFS_ERROR_IO;
}

static sqfs_u64 sub_get_size(const sqfs_file_t *f)
{
	return ((const struct subfile *)f)->len;
}

static int sub_truncate(sqfs_file_t *f, sqfs_u64 size)
{
	(void)f, (void)size;
	return SQFS_ERROR_IO;
}

/* PATH (a file, or a disk's partition DISK:SEL) as libsquashfs reads it. */
static sqfs_file_t *open_image(const char *path)
{
	char *file;
	uint64_t off, len;
	if (disk_resolve(path, &file, &off, &len))
		return NULL;
	sqfs_file_t *inner = sqfs_open_file(file, SQFS_FILE_OPEN_READ_ONLY);
	free(file);
	if (!inner || !off) {
		if (!inner)
			diag_error_at(path, 0, "cannot open: %s", strerror(errno));
		return inner;
	}
	struct subfile *s = xcalloc(1, sizeof(*s));
	s->f.base.destroy = sub_destroy;
	s->f.read_at = sub_read_at;
	s->f.write_at = sub_write_at;
	s->f.get_size = sub_get_size;
	s->f.truncate = sub_truncate;
	s->inner = inner;
	s->base = off;
	s->len = len;
	return &s->f;
}

static int sq_load(struct imgview *iv, const char *path)
{
	struct sqview *s = xcalloc(1, sizeof(*s));
	sqfs_compressor_config_t cfg;
	int err;
	if (!(s->file = open_image(path))) {
		sq_close(s);
		return -1;
	}
	if ((err = sqfs_super_read(&s->super, s->file)))
		return sq_fail(iv, s, "superblock", err);
	/* libsquashfs sizes its tables by the superblock's counts: a corrupt count must not
	 * become a huge allocation. Each fragment entry takes 16 bytes of the image. */
	if ((uint64_t)s->super.fragment_entry_count * 16 > s->super.bytes_used ||
	    s->super.bytes_used > s->file->get_size(s->file))
		return sq_fail(iv, s, "superblock counts beyond the image", SQFS_ERROR_CORRUPTED);
	if ((err = sqfs_compressor_config_init(&cfg, (SQFS_COMPRESSOR)s->super.compression_id,
					       s->super.block_size,
					       SQFS_COMP_FLAG_UNCOMPRESS)) ||
	    (err = sqfs_compressor_create(&cfg, &s->cmp)))
		return sq_fail(iv, s, "compressor", err);
	if (!(s->ids = sqfs_id_table_create(0)) ||
	    (err = sqfs_id_table_read(s->ids, s->file, &s->super, s->cmp)))
		return sq_fail(iv, s, "id table", err);
	if (!(s->dr = sqfs_dir_reader_create(&s->super, s->cmp, s->file, 0)))
		return sq_fail(iv, s, "directory table", SQFS_ERROR_ALLOC);
	if (!(s->data = sqfs_data_reader_create(s->file, s->super.block_size, s->cmp, 0)) ||
	    (err = sqfs_data_reader_load_fragment_table(s->data, &s->super)))
		return sq_fail(iv, s, "fragment table", err);
	/* An image without the table loads as empty. */
	if (!(s->xr = sqfs_xattr_reader_create(0)))
		return sq_fail(iv, s, "xattr table", SQFS_ERROR_ALLOC);
	if ((err = sqfs_xattr_reader_load(s->xr, &s->super, s->file, s->cmp)))
		return sq_fail(iv, s, "xattr table", err);
	if ((err = sqfs_dir_reader_get_full_hierarchy(s->dr, s->ids, NULL, 0, &s->root)))
		return sq_fail(iv, s, "directory tree", err);
	/* Every inode has a name in the tree: more inodes than names is corruption (and must
	 * not size the table below). */
	uint64_t names = count_names(s->root);
	if (s->super.inode_count > names)
		return sq_fail(iv, s, "more inodes than names", SQFS_ERROR_CORRUPTED);
	s->by_number = xcalloc(s->super.inode_count ? s->super.inode_count : 1,
			       sizeof(*s->by_number));
	struct node *root = tree_root(iv->t);
	const sqfs_inode_generic_t *ri = s->root->inode;
	root->mode = ri->base.mode & 07777;
	root->uid = s->root->uid;
	root->gid = s->root->gid;
	root->mtime = ri->base.mod_time;
	root->ino = ri->base.inode_number;
	if ((err = read_xattrs(iv, s, ri, root)))
		return sq_fail(iv, s, "extended attributes of /", err);
	if (add_children(iv, s, s->root, "/", 0)) {
		sq_close(s);
		return -1;
	}
	iv->backend = s;
	return 0;
}

static ssize_t sq_read(void *backend, unsigned file, void *buf, size_t len, uint64_t off)
{
	struct sqview *s = backend;
	if (len > 1u << 30)
		len = 1u << 30;
	sqfs_s32 r = sqfs_data_reader_read(s->data, s->files[file - 1], off, buf, (sqfs_u32)len);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

static void sq_info(void *backend, img_info_fn fn, void *arg)
{
	struct sqview *s = backend;
	fn("compressor", compressor_name(s->super.compression_id), 0, arg);
	fn("block_size", NULL, s->super.block_size, arg);
	fn("bytes_used", NULL, s->super.bytes_used, arg);
	fn("inodes", NULL, s->super.inode_count, arg);
	fn("fragments", NULL, s->super.fragment_entry_count, arg);
	fn("ids", NULL, s->super.id_count, arg);
	fn("created", NULL, s->super.modification_time, arg);
}

const struct img_backend sqfs_backend = { "squashfs", sq_load, sq_read, sq_info, sq_close };
