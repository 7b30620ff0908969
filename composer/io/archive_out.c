/* Archive output. Inode numbers are assigned in walk order and libarchive's link resolver
 * decides which link of a hard-linked file carries the data (the first for tar, the last
 * for newc cpio), so the bytes depend only on the view. */
#include "io/archive_out.h"
#include "base/diag.h"
#include "base/outfile.h"
#include "base/progress.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IO_CHUNK 65536u

int archive_out_format_for(const char *name, enum archive_out_format *fmt)
{
	static const struct { const char *suffix; enum archive_out_format fmt; } ends[] = {
		{ ".tar", ARCHIVE_OUT_TAR }, { ".tar.gz", ARCHIVE_OUT_TAR_GZ },
		{ ".tgz", ARCHIVE_OUT_TAR_GZ }, { ".cpio", ARCHIVE_OUT_CPIO },
		{ ".cpio.gz", ARCHIVE_OUT_CPIO_GZ },
	};
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t n = strlen(ends[i].suffix);
		if (len > n && !strcmp(name + len - n, ends[i].suffix)) {
			*fmt = ends[i].fmt;
			return 0;
		}
	}
	return -1;
}

struct hardlinked {
	uint64_t id;
	unsigned ino;
};

struct writer {
	struct archive *a;
	struct archive_entry_linkresolver *lr;
	struct fsview *v;
	const char *sub;        /* subtree prefix without trailing '/', "" for all */
	size_t sublen;
	int tar;
	unsigned dropped;       /* cpio: files whose extended attributes it cannot hold */
	const char *out;
	unsigned next_ino;
	struct hardlinked *links;  /* ids of files with several links, for their inode */
	size_t nlinks, caplinks;
	char *buf;
};

static int write_failed(struct writer *w)
{
	diag_error("%s: %s", w->out, archive_error_string(w->a));
	return -1;
}

static unsigned inode_for(struct writer *w, const struct fsview_stat *st)
{
	if (st->type == NODE_DIR || st->nlink < 2)
		return ++w->next_ino;
	for (size_t i = 0; i < w->nlinks; i++)
		if (w->links[i].id == st->id)
			return w->links[i].ino;
	if (w->nlinks == w->caplinks) {
		w->caplinks = w->caplinks ? w->caplinks * 2 : 16;
		w->links = xrealloc(w->links, w->caplinks * sizeof(*w->links));
	}
	w->links[w->nlinks].id = st->id;
	w->links[w->nlinks].ino = ++w->next_ino;
	return w->links[w->nlinks++].ino;
}

static int read_at(struct writer *w, const char *path, uint64_t off, size_t len)
{
	ssize_t r = w->v->pread(w->v->ctx, path, w->buf, len, off);
	if (r != (ssize_t)len) {
		diag_error("%s: cannot read %s: %s", w->out, path,
			   r < 0 ? strerror(errno) : "short read");
		return -1;
	}
	return 0;
}

int zero_block(const char *p, size_t len)
{
	return !len || (p[0] == 0 && !memcmp(p, p + 1, len - 1));
}

/* Describe E's data regions: maximal runs of blocks that are not all zeros. */
static int map_holes(struct writer *w, struct archive_entry *e, const char *path)
{
	uint64_t size = (uint64_t)archive_entry_size(e), start = 0, off = 0;
	int in_data = 0, holes = 0;
	while (off < size) {
		size_t len = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
		if (read_at(w, path, off, len))
			return -1;
		for (size_t b = 0; b < len; b += HOLE_BLOCK) {
			size_t n = len - b < HOLE_BLOCK ? len - b : HOLE_BLOCK;
			int data = !zero_block(w->buf + b, n);
			if (data && !in_data)
				start = off + b;
			else if (!data && in_data)
				archive_entry_sparse_add_entry(e, (la_int64_t)start,
							       (la_int64_t)(off + b - start));
			holes |= !data;
			in_data = data;
		}
		off += len;
	}
	if (in_data)
		archive_entry_sparse_add_entry(e, (la_int64_t)start, (la_int64_t)(size - start));
	else
		/* A map must reach the end of the file. */
		archive_entry_sparse_add_entry(e, (la_int64_t)size, 0);
	if (!holes)
		archive_entry_sparse_clear(e);
	return 0;
}

static int write_entry(struct writer *w, struct archive_entry *e)
{
	const char *src = archive_entry_sourcepath(e);
	/* The resolver unsets the size of links that carry no data; newc needs one. */
	if (!archive_entry_size_is_set(e))
		archive_entry_set_size(e, 0);
	uint64_t size = (uint64_t)archive_entry_size(e);
	if (w->tar && size && map_holes(w, e, src))
		return -1;
	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		return write_failed(w);
	for (uint64_t off = 0; off < size; ) {
		size_t len = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
		if (read_at(w, src, off, len))
			return -1;
		if (archive_write_data(w->a, w->buf, len) != (la_ssize_t)len)
			return write_failed(w);
		off += len;
		progress_add(0, len);
	}
	progress_add(archive_entry_filetype(e) == AE_IFREG, 0);
	return 0;
}

/* Write and free what the link resolver handed back. */
static int write_pair(struct writer *w, struct archive_entry *e, struct archive_entry *spare)
{
	int rc = e ? write_entry(w, e) : 0;
	if (!rc && spare)
		rc = write_entry(w, spare);
	archive_entry_free(e);
	archive_entry_free(spare);
	return rc;
}

static int emit(struct writer *w, struct archive_entry *e)
{
	struct archive_entry *spare = NULL;
	archive_entry_linkify(w->lr, &e, &spare);
	return write_pair(w, e, spare);
}

/* The entries the resolver held back (newc: links whose last link never came). */
static int flush(struct writer *w)
{
	for (;;) {
		struct archive_entry *e = NULL, *spare = NULL;
		archive_entry_linkify(w->lr, &e, &spare);
		if (!e)
			return 0;
		if (write_pair(w, e, spare))
			return -1;
	}
}

static const mode_t ae_types[] = {
	[NODE_DIR] = AE_IFDIR, [NODE_REG] = AE_IFREG, [NODE_SYMLINK] = AE_IFLNK,
	[NODE_CHR] = AE_IFCHR, [NODE_BLK] = AE_IFBLK, [NODE_FIFO] = AE_IFIFO,
	[NODE_SOCK] = AE_IFSOCK,
};

static int add_xattr(const char *name, const void *value, size_t len, void *arg)
{
	archive_entry_xattr_add_entry(arg, name, value, len);
	return 0;
}

static int count_xattr(const char *name, const void *value, size_t len, void *arg)
{
	(void)name, (void)value, (void)len;
	return ++*(unsigned *)arg, 1;
}

/* Extended attributes of PATH onto E: pax headers in tar, counted as dropped in cpio. */
static int put_xattrs(struct writer *w, const char *path, struct archive_entry *e)
{
	if (!w->v->xattrs)
		return 0;
	int rc = w->tar ? w->v->xattrs(w->v->ctx, path, add_xattr, e) :
			  w->v->xattrs(w->v->ctx, path, count_xattr, &w->dropped);
	if (rc < 0) {
		diag_error("%s: cannot read the extended attributes of %s: %s", w->out, path,
			   strerror(errno));
		return -1;
	}
	return 0;
}

static int visit(const char *path, const struct fsview_stat *st, void *arg)
{
	struct writer *w = arg;
	if (strncmp(path, w->sub, w->sublen) || (path[w->sublen] && path[w->sublen] != '/'))
		return 0;
	const char *rel = path + w->sublen;
	if (w->tar && st->type == NODE_SOCK) {
		diag_warn("%s: socket %s left out (tar cannot hold sockets)", w->out, path);
		return 0;
	}
	struct archive_entry *e = archive_entry_new();
	char *name = xasprintf(".%s", !strcmp(rel, "/") ? "" : rel);
	archive_entry_set_pathname(e, name);
	free(name);
	archive_entry_copy_sourcepath(e, path);
	archive_entry_set_filetype(e, ae_types[st->type]);
	archive_entry_set_perm(e, st->mode & 07777);
	archive_entry_set_uid(e, st->uid);
	archive_entry_set_gid(e, st->gid);
	archive_entry_set_mtime(e, st->mtime, 0);
	archive_entry_set_nlink(e, st->nlink);
	archive_entry_set_ino(e, inode_for(w, st));
	archive_entry_set_dev(e, 0);
	archive_entry_set_size(e, st->type == NODE_REG ? (la_int64_t)st->size : 0);
	if (put_xattrs(w, path, e)) {
		archive_entry_free(e);
		return -1;
	}
	switch (st->type) {
	case NODE_SYMLINK: {
		char target[4096];
		if (w->v->readlink(w->v->ctx, path, target, sizeof(target))) {
			diag_error("%s: cannot read symlink %s: %s", w->out, path,
				   strerror(errno));
			archive_entry_free(e);
			return -1;
		}
		archive_entry_copy_symlink(e, target);
		break;
	}
	case NODE_CHR:
	case NODE_BLK:
		archive_entry_set_rdevmajor(e, st->major);
		archive_entry_set_rdevminor(e, st->minor);
		break;
	default:
		break;
	}
	return emit(w, e);
}

/* Everything between opening and closing the archive. */
static int write_all(struct writer *w, int fd, enum archive_out_format fmt)
{
	int gz = fmt == ARCHIVE_OUT_TAR_GZ || fmt == ARCHIVE_OUT_CPIO_GZ;
	w->tar = fmt == ARCHIVE_OUT_TAR || fmt == ARCHIVE_OUT_TAR_GZ;
	if ((w->tar ? archive_write_set_format_pax_restricted(w->a)
		    : archive_write_set_format_cpio_newc(w->a)) != ARCHIVE_OK)
		return write_failed(w);
	/* gzip: no timestamp in the header, so equal inputs give equal bytes. */
	if (gz && (archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
		   archive_write_set_filter_option(w->a, "gzip", "timestamp", NULL) !=
			   ARCHIVE_OK))
		return write_failed(w);
	if (archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
		return write_failed(w);
	archive_entry_linkresolver_set_strategy(w->lr, archive_format(w->a));
	if (w->v->walk(w->v->ctx, visit, w) || flush(w))
		return -1;
	if (w->dropped)
		diag_warn("%s: the extended attributes of %u files are dropped (cpio cannot hold "
			  "them; tar can)", w->out, w->dropped);
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return write_failed(w);
	return 0;
}

int archive_write_fd(struct fsview *v, const char *subtree, int fd, const char *out,
		     enum archive_out_format fmt)
{
	struct writer w = { .v = v, .out = out };
	w.sub = subtree ? subtree : "";
	w.sublen = strlen(w.sub);
	w.a = archive_write_new();
	w.lr = archive_entry_linkresolver_new();
	w.buf = xmalloc(IO_CHUNK);
	if (!w.a || !w.lr) {
		diag_error("out of memory");
		exit(EXIT_FAILED);
	}
	int rc = write_all(&w, fd, fmt);
	archive_write_free(w.a);
	archive_entry_linkresolver_free(w.lr);
	free(w.links);
	free(w.buf);
	return rc;
}

int archive_write_view(struct fsview *v, const char *subtree, const char *out,
		       enum archive_out_format fmt)
{
	struct outfile o;
	if (outfile_open(&o, out))
		return -1;
	if (archive_write_fd(v, subtree, o.fd, out, fmt)) {
		outfile_abort(&o);
		return -1;
	}
	return outfile_commit(&o);
}
