/* The squashfs writer, through libsquashfs, straight from the frozen tree. Inodes are
 * numbered in post-order (a directory's files, then its subdirectories, then itself; the
 * root last), file data goes through libsquashfs's block processor in that order (all-zero
 * blocks become sparse blocks, tail ends are packed into fragments, duplicates stored
 * once), then inodes and directories are written in number order, so every directory
 * entry refers to an inode already written. Nothing depends on the host beyond the
 * files' bytes: times, owners and order come from the tree. */
#include "io/sqfswrite.h"
#include "base/diag.h"
#include "io/nodedata.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqfs/block.h>
#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sqfs/xattr_writer.h>

#define NO_XATTR 0xFFFFFFFFu

/* libsquashfs writes through this: the output's file descriptor. */
struct fdfile {
	sqfs_file_t base;
	int fd;
	uint64_t size;
};

static int fd_read_at(sqfs_file_t *f, sqfs_u64 off, void *buf, size_t len)
{
	struct fdfile *ff = (struct fdfile *)f;
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(ff->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (r <= 0)
			return r ? SQFS_ERROR_IO : SQFS_ERROR_OUT_OF_BOUNDS;
		done += (size_t)r;
	}
	return 0;
}

static int fd_write_at(sqfs_file_t *f, sqfs_u64 off, const void *buf, size_t len)
{
	struct fdfile *ff = (struct fdfile *)f;
	for (size_t done = 0; done < len;) {
		ssize_t r = pwrite(ff->fd, (const char *)buf + done, len - done,
				   (off_t)(off + done));
		if (r < 0)
			return SQFS_ERROR_IO;
		done += (size_t)r;
	}
	if (off + len > ff->size)
		ff->size = off + len;
	return 0;
}

static sqfs_u64 fd_get_size(const sqfs_file_t *f)
{
	return ((const struct fdfile *)f)->size;
}

static int fd_truncate(sqfs_file_t *f, sqfs_u64 size)
{
	struct fdfile *ff = (struct fdfile *)f;
	if (ftruncate(ff->fd, (off_t)size))
		return SQFS_ERROR_IO;
	ff->size = size;
	return 0;
}

static void fd_destroy(sqfs_object_t *o)
{
	(void)o;   /* lives on the writer's stack; the fd belongs to the caller */
}

struct sq {
	const struct image_params *p;
	const char *out;                 /* for messages */
	struct fdfile file;
	sqfs_compressor_t *cmp, *uncmp;
	sqfs_block_writer_t *bw;
	sqfs_frag_table_t *frag;
	sqfs_block_processor_t *proc;
	sqfs_id_table_t *ids;
	sqfs_xattr_writer_t *xw;
	sqfs_meta_writer_t *im, *dm;
	sqfs_dir_writer_t *dw;
	sqfs_super_t super;
	struct node **nodes;             /* by inode number - 1 */
	const char **paths;              /* the first name of each, for messages */
	sqfs_inode_generic_t **inodes;   /* regular files' inodes from the block processor */
	sqfs_u64 *refs;                  /* where each inode was written */
	uint32_t count;
	uint64_t bytes;
};

static const char *sqfs_words(int err)
{
	switch (err) {
	case SQFS_ERROR_ALLOC: return "out of memory";
	case SQFS_ERROR_IO: return strerror(errno);
	case SQFS_ERROR_COMPRESSOR: return "compressor failed";
	case SQFS_ERROR_OVERFLOW: return "a size or count too large for squashfs";
	case SQFS_ERROR_UNSUPPORTED: return "not supported by squashfs";
	default: return "libsquashfs failed";
	}
}

static int failed(struct sq *s, int err, const char *what)
{
	diag_error("%s: %s: %s", s->out, what, sqfs_words(err));
	return -1;
}

/* ---- numbering ---- */

struct numbering {
	struct sq *s;
	size_t cap;
};

static void add_node(struct numbering *nb, struct node *n, const char *path)
{
	struct sq *s = nb->s;
	if (s->count == nb->cap) {
		nb->cap = nb->cap ? 2 * nb->cap : 1024;
		s->nodes = xrealloc(s->nodes, nb->cap * sizeof(*s->nodes));
		s->paths = xrealloc(s->paths, nb->cap * sizeof(*s->paths));
	}
	s->nodes[s->count] = n;
	s->paths[s->count] = path;
	n->ino = ++s->count;
}

/* Post-order: DIR's children (subdirectories recursively), then DIR. PATH is DIR's
 * path, kept for messages (tree_strdup: it lives as long as the tree). */
static void number(struct numbering *nb, struct tree *t, struct node *dir, const char *path)
{
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		const struct dentry *d = dir->u.dir.kids[i];
		char *kp = tree_path(d);
		const char *kpath = tree_strdup(t, kp);
		free(kp);
		if (d->node->type == NODE_DIR)
			number(nb, t, d->node, kpath);
		else if (!d->node->ino)
			add_node(nb, d->node, kpath);
	}
	add_node(nb, dir, path);
}

static int clear_ino(const char *path, const struct dentry *d, void *ctx)
{
	(void)path, (void)ctx;
	d->node->ino = 0;
	return 0;
}

/* ---- data ---- */

static int append(const void *buf, size_t len, void *arg)
{
	struct sq *s = arg;
	int err = sqfs_block_processor_append(s->proc, buf, len);
	if (err)
		return failed(s, err, "cannot store file data");
	s->bytes += len;
	return 0;
}

static int write_data(struct sq *s)
{
	for (uint32_t i = 0; i < s->count; i++) {
		const struct node *n = s->nodes[i];
		if (n->type != NODE_REG)
			continue;
		int err = sqfs_block_processor_begin_file(s->proc, &s->inodes[i], NULL, 0);
		if (err)
			return failed(s, err, "cannot store file data");
		if (node_stream(n, append, s))
			return -1;
		if ((err = sqfs_block_processor_end_file(s->proc)))
			return failed(s, err, "cannot store file data");
	}
	int err = sqfs_block_processor_finish(s->proc);
	return err ? failed(s, err, "cannot store file data") : 0;
}

/* ---- inodes and directories ---- */

static sqfs_u16 type_bits(enum node_type t)
{
	static const sqfs_u16 bits[] = {
		[NODE_DIR] = S_IFDIR, [NODE_REG] = S_IFREG, [NODE_SYMLINK] = S_IFLNK,
		[NODE_CHR] = S_IFCHR, [NODE_BLK] = S_IFBLK, [NODE_FIFO] = S_IFIFO,
		[NODE_SOCK] = S_IFSOCK,
	};
	return bits[t];
}

/* A directory's entries, then its inode from the directory writer. */
static sqfs_inode_generic_t *dir_inode(struct sq *s, const struct node *dir, uint32_t parent)
{
	int err = sqfs_dir_writer_begin(s->dw, 0);
	for (size_t i = 0; !err && i < dir->u.dir.nkids; i++) {
		const struct dentry *d = dir->u.dir.kids[i];
		err = sqfs_dir_writer_add_entry(s->dw, d->name, d->node->ino,
						s->refs[d->node->ino - 1],
						type_bits(d->node->type) | (d->node->mode & 07777));
	}
	if (!err)
		err = sqfs_dir_writer_end(s->dw);
	if (err) {
		failed(s, err, "cannot write a directory");
		return NULL;
	}
	sqfs_inode_generic_t *in = sqfs_dir_writer_create_inode(s->dw, 0, NO_XATTR, parent);
	if (!in) {
		failed(s, SQFS_ERROR_ALLOC, "cannot write a directory");
		return NULL;
	}
	if (in->base.type == SQFS_INODE_DIR)
		in->data.dir.nlink = dir->nlink;
	else
		in->data.dir_ext.nlink = dir->nlink;
	return in;
}

/* The inode of a symlink, device, fifo or socket. */
static sqfs_inode_generic_t *other_inode(const struct node *n)
{
	size_t extra = n->type == NODE_SYMLINK ? strlen(n->u.lnk.target) : 0;
	sqfs_inode_generic_t *in = xcalloc(1, sizeof(*in) + extra);
	in->payload_bytes_available = in->payload_bytes_used = (sqfs_u32)extra;
	switch (n->type) {
	case NODE_SYMLINK:
		in->base.type = SQFS_INODE_SLINK;
		in->data.slink.nlink = n->nlink;
		in->data.slink.target_size = (sqfs_u32)extra;
		memcpy(in->extra, n->u.lnk.target, extra);
		break;
	case NODE_CHR:
	case NODE_BLK: {
		unsigned ma = n->u.dev.major, mi = n->u.dev.minor;
		in->base.type = n->type == NODE_CHR ? SQFS_INODE_CDEV : SQFS_INODE_BDEV;
		in->data.dev.nlink = n->nlink;
		/* The kernel's new_encode_dev. */
		in->data.dev.devno = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
		break;
	}
	default:
		in->base.type = n->type == NODE_FIFO ? SQFS_INODE_FIFO : SQFS_INODE_SOCKET;
		in->data.ipc.nlink = n->nlink;
		break;
	}
	return in;
}

static int set_xattrs(struct sq *s, const struct node *n, const char *path,
		      sqfs_inode_generic_t *in)
{
	if (!n->xattrs)
		return 0;
	sqfs_u32 idx;
	int err = sqfs_xattr_writer_begin(s->xw, 0);
	for (size_t i = 0; !err && i < n->xattrs->n; i++) {
		const struct xattr *x = &n->xattrs->v[i];
		err = sqfs_xattr_writer_add(s->xw, x->name, x->value, x->len);
		if (err == SQFS_ERROR_UNSUPPORTED) {
			diag_error("%s: %s: extended attribute %s: squashfs holds only the user., "
				   "trusted. and security. name spaces", n->origin, path, x->name);
			return -1;
		}
	}
	if (!err)
		err = sqfs_xattr_writer_end(s->xw, &idx);
	if (!err)
		err = sqfs_inode_set_xattr_index(in, idx);
	return err ? failed(s, err, "cannot store extended attributes") : 0;
}

static int write_inode(struct sq *s, uint32_t i)
{
	const struct node *n = s->nodes[i];
	const char *path = s->paths[i];
	sqfs_inode_generic_t *in;
	if (n->mtime < 0 || n->mtime > UINT32_MAX) {
		diag_error("%s: %s: time %lld is outside what squashfs holds (0 to 2^32 - 1)",
			   n->origin, path, (long long)n->mtime);
		return -1;
	}
	if (n->type == NODE_DIR) {
		/* The root is its own parent in the tree; squashfs gives it one past the last
		 * inode, as mksquashfs does. */
		const struct node *up = n->u.dir.parent;
		if (!(in = dir_inode(s, n, up != n ? up->ino : s->count + 1)))
			return -1;
	} else if (n->type == NODE_REG) {
		in = s->inodes[i];
		s->inodes[i] = NULL;
		if (n->nlink > 1) {   /* only the extended file inode counts links */
			int err = sqfs_inode_make_extended(in);
			if (err) {
				free(in);
				return failed(s, err, "cannot write an inode");
			}
			in->data.file_ext.nlink = n->nlink;
		}
	} else {
		in = other_inode(n);
	}
	in->base.mode = type_bits(n->type) | (n->mode & 07777);
	in->base.mod_time = (sqfs_u32)n->mtime;
	in->base.inode_number = n->ino;
	int err = sqfs_id_table_id_to_index(s->ids, n->uid, &in->base.uid_idx);
	if (!err)
		err = sqfs_id_table_id_to_index(s->ids, n->gid, &in->base.gid_idx);
	if (err == SQFS_ERROR_OVERFLOW) {
		diag_error("%s: %s: owner %u:%u: squashfs holds at most 65536 distinct owner and "
			   "group ids", n->origin, path, n->uid, n->gid);
		free(in);
		return -1;
	}
	if (err || set_xattrs(s, n, path, in)) {
		free(in);
		return err ? failed(s, err, "cannot write an inode") : -1;
	}
	sqfs_u64 block;
	sqfs_u32 offset;
	sqfs_meta_writer_get_position(s->im, &block, &offset);
	s->refs[i] = block << 16 | offset;
	err = sqfs_meta_writer_write_inode(s->im, in);
	free(in);
	return err ? failed(s, err, "cannot write an inode") : 0;
}

static int write_tables(struct sq *s)
{
	sqfs_super_t *sb = &s->super;
	sb->inode_table_start = s->file.size;
	for (uint32_t i = 0; i < s->count; i++)
		if (write_inode(s, i))
			return -1;
	int err = sqfs_meta_writer_flush(s->im);
	if (!err)
		err = sqfs_meta_writer_flush(s->dm);
	if (err)
		return failed(s, err, "cannot write the inode table");
	sb->root_inode_ref = s->refs[s->count - 1];
	sb->directory_table_start = s->file.size;
	sb->inode_count = s->count;
	if ((err = sqfs_meta_write_write_to_file(s->dm)))
		return failed(s, err, "cannot write the directory table");
	if ((err = sqfs_frag_table_write(s->frag, &s->file.base, sb, s->cmp)))
		return failed(s, err, "cannot write the fragment table");
	if ((err = sqfs_id_table_write(s->ids, &s->file.base, sb, s->cmp)))
		return failed(s, err, "cannot write the id table");
	if ((err = sqfs_xattr_writer_flush(s->xw, &s->file.base, sb, s->cmp)))
		return failed(s, err, "cannot write the extended attributes");
	sb->bytes_used = s->file.size;
	if ((err = sqfs_super_write(sb, &s->file.base)))
		return failed(s, err, "cannot write the superblock");
	/* Padded to whole 4 KiB blocks, as a block device needs. */
	uint64_t padded = (s->file.size + SQFS_DEVBLK_SIZE - 1) / SQFS_DEVBLK_SIZE *
			  SQFS_DEVBLK_SIZE;
	if ((err = fd_truncate(&s->file.base, padded)))
		return failed(s, err, "cannot pad the image");
	return 0;
}

/* ---- setting up ---- */

static int comp_id(const char *name)
{
	return !strcmp(name, "xz") ? SQFS_COMP_XZ : !strcmp(name, "zstd") ? SQFS_COMP_ZSTD :
	       SQFS_COMP_GZIP;
}

static int open_all(struct sq *s)
{
	const struct image_params *p = s->p;
	sqfs_compressor_config_t cfg;
	int err = sqfs_compressor_config_init(&cfg, (SQFS_COMPRESSOR)comp_id(p->compressor),
					      p->block_size, 0);
	if (!err)
		err = sqfs_compressor_create(&cfg, &s->cmp);
	cfg.flags |= SQFS_COMP_FLAG_UNCOMPRESS;
	if (!err)
		err = sqfs_compressor_create(&cfg, &s->uncmp);
	if (err)
		return failed(s, err, "cannot set up the compressor");
	if ((err = sqfs_super_init(&s->super, p->block_size, (sqfs_u32)p->timestamp,
				   (SQFS_COMPRESSOR)comp_id(p->compressor))) ||
	    (err = sqfs_super_write(&s->super, &s->file.base)))
		return failed(s, err, "cannot write the superblock");
	int opts = s->cmp->write_options(s->cmp, &s->file.base);
	if (opts < 0)
		return failed(s, opts, "cannot write the compressor options");
	if (opts > 0)
		s->super.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
	s->bw = sqfs_block_writer_create(&s->file.base, SQFS_DEVBLK_SIZE, 0);
	s->frag = sqfs_frag_table_create(0);
	s->ids = sqfs_id_table_create(0);
	s->xw = sqfs_xattr_writer_create(0);
	s->im = sqfs_meta_writer_create(&s->file.base, s->cmp, 0);
	s->dm = sqfs_meta_writer_create(&s->file.base, s->cmp, SQFS_META_WRITER_KEEP_IN_MEMORY);
	s->dw = s->dm ? sqfs_dir_writer_create(s->dm, 0) : NULL;
	if (!s->bw || !s->frag || !s->ids || !s->xw || !s->im || !s->dm || !s->dw)
		return failed(s, SQFS_ERROR_ALLOC, "cannot set up the writer");
	/* One worker: blocks are compressed and written in order on this thread. */
	sqfs_block_processor_desc_t d = {
		.size = sizeof(d), .max_block_size = p->block_size, .num_workers = 1,
		.max_backlog = 10, .cmp = s->cmp, .wr = s->bw, .tbl = s->frag,
		.file = &s->file.base, .uncmp = s->uncmp,
	};
	if ((err = sqfs_block_processor_create_ex(&d, &s->proc)))
		return failed(s, err, "cannot set up the writer");
	return 0;
}

static void close_all(struct sq *s)
{
	sqfs_destroy(s->proc);
	sqfs_destroy(s->dw);
	sqfs_destroy(s->dm);
	sqfs_destroy(s->im);
	sqfs_destroy(s->xw);
	sqfs_destroy(s->ids);
	sqfs_destroy(s->frag);
	sqfs_destroy(s->bw);
	sqfs_destroy(s->uncmp);
	sqfs_destroy(s->cmp);
	for (uint32_t i = 0; s->inodes && i < s->count; i++)
		free(s->inodes[i]);
	free(s->inodes);
	free(s->refs);
	free(s->nodes);
	free(s->paths);
}

int sqfs_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res)
{
	struct sq s = { .p = p, .out = p->output };
	(void)path;   /* written through FD alone */
	s.file.base.base.destroy = fd_destroy;
	s.file.base.read_at = fd_read_at;
	s.file.base.write_at = fd_write_at;
	s.file.base.get_size = fd_get_size;
	s.file.base.truncate = fd_truncate;
	s.file.fd = fd;

	struct numbering nb = { &s, 0 };
	tree_walk(t, clear_ino, NULL);
	number(&nb, t, tree_root(t), "/");
	s.inodes = xcalloc(s.count, sizeof(*s.inodes));
	s.refs = xcalloc(s.count, sizeof(*s.refs));
	int rc = open_all(&s) || write_data(&s) || write_tables(&s) ? -1 : 0;
	if (!rc) {
		res->image_size = s.file.size;
		res->bytes = s.bytes;
		res->blocks = res->blocks_used = s.bw->get_block_count(s.bw);
		res->inodes = res->inodes_used = s.count;
	}
	close_all(&s);
	return rc;
}
