/* Read-only image access through libext2fs. Corrupted images are expected input, so
 * every number read from disk is range-checked before it is used. */
#include "io/image.h"
#include "io/disk.h"
#include "base/diag.h"
#include "io/ext2err.h"

#include <e2p/e2p.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <et/com_err.h>
#include <ext2fs/ext2_err.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SYMLINKS 40
#define MAX_PATH 4096

void image_error(const struct image *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error_at(im->path, 0, "%s", msg);
	free(msg);
}

const char *image_type_word(enum node_type t)
{
	static const char *const w[] = { "dir", "file", "symlink", "chr", "blk", "fifo", "sock" };
	return w[t];
}

int image_open(struct image *im, const char *path)
{
	struct stat sb;
	errcode_t err = 0;
	char *file, opts[48];
	uint64_t off, len;

	memset(im, 0, sizeof(*im));
	im->path = path;
	if (disk_resolve(path, &file, &off, &len))
		return -1;
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)off);
	int rc = stat(file, &sb);
	/* What the file holds of the range: a truncated disk's last partition is short. */
	if (!rc && S_ISREG(sb.st_mode) && (!len || off + len > (uint64_t)sb.st_size))
		len = (uint64_t)sb.st_size > off ? (uint64_t)sb.st_size - off : 0;
	if (!rc && (S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode)))
		err = ext2fs_open2(file, opts, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &im->fs);
	free(file);
	if (rc < 0) {
		image_error(im, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)) {
		image_error(im, "not an image file (neither a regular file nor a block device)");
		return -1;
	}
	if (err) {
		im->fs = NULL;
		image_error(im, "not a readable ext2/3/4 filesystem: %s", ext2_strerror(err));
		return -1;
	}
	im->bytes = ext2fs_blocks_count(im->fs->super) * (uint64_t)im->fs->blocksize;
	if (S_ISREG(sb.st_mode) && len < im->bytes) {
		image_error(im, "truncated: the filesystem needs %llu bytes, the %s has %llu",
			    (unsigned long long)im->bytes, off ? "partition" : "file",
			    (unsigned long long)len);
		goto bad;
	}
	err = ext2fs_check_desc(im->fs);
	if (err) {
		image_error(im, "corrupt group descriptors: %s", ext2_strerror(err));
		goto bad;
	}
	struct fsview_stat root;
	if (image_stat_ino(im, EXT2_ROOT_INO, &root) < 0 || root.type != NODE_DIR) {
		image_error(im, "corrupt: the root inode is not a directory");
		goto bad;
	}
	return 0;
bad:
	ext2fs_close_free(&im->fs);
	return -1;
}

/* Directories read so far: open addressing on the inode number. */
struct image_dircache {
	struct cached_dir {
		ext2_ino_t ino;            /* 0: free slot */
		struct image_dirent *d;
		size_t n;
		ext2_ino_t parent;         /* its ".." entry */
	} *slots;
	size_t nslots, used;
};

static void dirents_free(struct image_dirent *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

void image_close(struct image *im)
{
	if (im->fs)
		ext2fs_close_free(&im->fs);
	if (im->dirs) {
		for (size_t i = 0; i < im->dirs->nslots; i++)
			dirents_free(im->dirs->slots[i].d, im->dirs->slots[i].n);
		free(im->dirs->slots);
		free(im->dirs);
		im->dirs = NULL;
	}
}

int image_inode(struct image *im, ext2_ino_t ino, struct ext2_inode_large *inode)
{
	if (ino < 1 || ino > im->fs->super->s_inodes_count) {
		errno = EIO;
		return -1;
	}
	memset(inode, 0, sizeof(*inode));
	if (ext2fs_read_inode_full(im->fs, ino, (struct ext2_inode *)inode, sizeof(*inode))) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Seconds with the extra epoch bits large inodes carry beyond 2038. */
struct xa_list {
	struct xattr *v;
	size_t n;
};

static int xa_collect(char *name, char *value, size_t len, void *data)
{
	struct xa_list *l = data;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	void *copy = xmalloc(len ? len : 1);
	memcpy(copy, value, len);
	l->v[l->n++] = (struct xattr){ xstrdup(name), copy, len };
	return 0;
}

static int xa_by_name(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

int image_xattrs_ino(struct image *im, ext2_ino_t ino, fsview_xattr_fn fn, void *arg)
{
	struct ext2_xattr_handle *h;
	struct xa_list l = { NULL, 0 };
	if (ino < 1 || ino > im->fs->super->s_inodes_count || ext2fs_xattrs_open(im->fs, ino, &h)) {
		errno = EIO;
		return -1;
	}
	errcode_t err = ext2fs_xattrs_read(h);
	if (!err)
		err = ext2fs_xattrs_iterate(h, xa_collect, &l);
	ext2fs_xattrs_close(&h);
	int rc = err ? -1 : 0;
	/* In the file system's order (in the inode, then the block): sorted for readers. */
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), xa_by_name);
	for (size_t i = 0; i < l.n; i++) {
		if (!rc)
			rc = fn(l.v[i].name, l.v[i].value, l.v[i].len, arg);
		free((char *)l.v[i].name);
		free((void *)l.v[i].value);
	}
	free(l.v);
	if (err)
		errno = EIO;
	return rc;
}

static int64_t xtime(const struct ext2_inode_large *in, __u32 base, const __u32 *extra)
{
	int64_t t = (int32_t)base;
	size_t end = (size_t)((const char *)(extra + 1) - (const char *)in);
	if (end <= EXT2_GOOD_OLD_INODE_SIZE + (size_t)in->i_extra_isize)
		t += (int64_t)(*extra & EXT4_EPOCH_MASK) << 32;
	return t;
}

static int node_type_of(unsigned mode, enum node_type *t)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFDIR: *t = NODE_DIR; return 0;
	case LINUX_S_IFREG: *t = NODE_REG; return 0;
	case LINUX_S_IFLNK: *t = NODE_SYMLINK; return 0;
	case LINUX_S_IFCHR: *t = NODE_CHR; return 0;
	case LINUX_S_IFBLK: *t = NODE_BLK; return 0;
	case LINUX_S_IFIFO: *t = NODE_FIFO; return 0;
	case LINUX_S_IFSOCK: *t = NODE_SOCK; return 0;
	}
	return -1;
}

int image_stat_ino(struct image *im, ext2_ino_t ino, struct fsview_stat *st)
{
	struct ext2_inode_large in;
	if (image_inode(im, ino, &in) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	if (node_type_of(in.i_mode, &st->type) < 0) {
		errno = EIO;
		return -1;
	}
	st->mode = in.i_mode & 07777;
	st->uid = inode_uid(in);
	st->gid = inode_gid(in);
	st->mtime = xtime(&in, in.i_mtime, &in.i_mtime_extra);
	st->nlink = in.i_links_count;
	st->id = ino;
	st->size = EXT2_I_SIZE(&in);
	if (st->type == NODE_CHR || st->type == NODE_BLK) {
		/* Old 16-bit encoding in i_block[0], else the kernel's new 32-bit one. */
		__u32 b0 = in.i_block[0], b1 = in.i_block[1];
		if (b0) {
			st->major = (b0 >> 8) & 0xff;
			st->minor = b0 & 0xff;
		} else {
			st->major = (b1 & 0xfff00) >> 8;
			st->minor = (b1 & 0xff) | ((b1 >> 12) & 0xfff00);
		}
	}
	return 0;
}

static ssize_t read_data(struct image *im, ext2_ino_t ino, struct ext2_inode_large *in,
			 void *buf, size_t len, uint64_t off)
{
	ext2_file_t file;
	unsigned got = 0;
	uint64_t size = EXT2_I_SIZE(in);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > 1u << 30)
		len = 1u << 30;
	if (ext2fs_file_open2(im->fs, ino, (struct ext2_inode *)in, 0, &file)) {
		errno = EIO;
		return -1;
	}
	errcode_t err = ext2fs_file_llseek(file, off, EXT2_SEEK_SET, NULL);
	if (!err)
		err = ext2fs_file_read(file, buf, (unsigned)len, &got);
	ext2fs_file_close(file);
	if (err) {
		errno = EIO;
		return -1;
	}
	return got;
}

ssize_t image_pread_ino(struct image *im, ext2_ino_t ino, void *buf, size_t len, uint64_t off)
{
	struct ext2_inode_large in;
	if (image_inode(im, ino, &in) < 0)
		return -1;
	if (!LINUX_S_ISREG(in.i_mode)) {
		errno = LINUX_S_ISDIR(in.i_mode) ? EISDIR : EINVAL;
		return -1;
	}
	/* A corrupted size would make readers stream zeros for hours. */
	if (EXT2_I_SIZE(&in) > im->bytes) {
		errno = EFBIG;
		return -1;
	}
	return read_data(im, ino, &in, buf, len, off);
}

int image_readlink_ino(struct image *im, ext2_ino_t ino, char *buf, size_t len)
{
	struct ext2_inode_large in;
	if (image_inode(im, ino, &in) < 0)
		return -1;
	if (!LINUX_S_ISLNK(in.i_mode)) {
		errno = EINVAL;
		return -1;
	}
	uint64_t size = EXT2_I_SIZE(&in);
	if (size == 0 || size >= im->fs->blocksize) {
		errno = EIO;
		return -1;
	}
	if (size >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (in.i_flags & EXT4_INLINE_DATA_FL) {
		size_t isize;
		char *tmp;
		if (ext2fs_inline_data_size(im->fs, ino, &isize) || isize > im->fs->blocksize ||
		    isize < size) {
			errno = EIO;
			return -1;
		}
		tmp = xmalloc(isize);
		errcode_t err = ext2fs_inline_data_get(im->fs, ino, (struct ext2_inode *)&in, tmp,
						       &isize);
		if (!err)
			memcpy(buf, tmp, size);
		free(tmp);
		if (err) {
			errno = EIO;
			return -1;
		}
	} else if (ext2fs_is_fast_symlink((struct ext2_inode *)&in)) {
		if (size >= sizeof(in.i_block)) {
			errno = EIO;
			return -1;
		}
		memcpy(buf, in.i_block, size);
	} else if (read_data(im, ino, &in, buf, size, 0) != (ssize_t)size) {
		errno = EIO;
		return -1;
	}
	buf[size] = 0;
	if (strlen(buf) != size) {  /* an embedded NUL: corruption */
		errno = EIO;
		return -1;
	}
	return 0;
}

static int is_dir(struct image *im, ext2_ino_t ino)
{
	struct ext2_inode_large in;
	if (image_inode(im, ino, &in) < 0)
		return -1;
	if (!LINUX_S_ISDIR(in.i_mode)) {
		errno = ENOTDIR;
		return 0;
	}
	/* dir_iterate walks every block the size covers. */
	if (EXT2_I_SIZE(&in) > im->bytes) {
		errno = EIO;
		return -1;
	}
	return 1;
}

static int find_entry(struct image *im, ext2_ino_t dir, const char *name, size_t len,
		      ext2_ino_t *ino);

int image_lookup(struct image *im, const char *path, int follow, ext2_ino_t *out)
{
	char *rest = xmalloc(2 * MAX_PATH + 2), *link = xmalloc(MAX_PATH);
	ext2_ino_t cur = EXT2_ROOT_INO;
	int links = 0, rc = -1;

	if (strlen(path) >= MAX_PATH) {
		errno = ENAMETOOLONG;
		goto out;
	}
	strcpy(rest, path);
	for (;;) {
		char *p = rest;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		if (n > EXT2_NAME_LEN) {
			errno = ENAMETOOLONG;
			goto out;
		}
		int d = is_dir(im, cur);
		if (d <= 0)
			goto out;
		ext2_ino_t next;
		if (n == 1 && p[0] == '.') {
			next = cur;
		} else if (n == 2 && !strncmp(p, "..", 2) && cur == EXT2_ROOT_INO) {
			next = cur;   /* ".." never leaves the image */
		} else {
			if (find_entry(im, cur, p, n, &next) < 0)
				goto out;
		}
		struct ext2_inode_large in;
		if (image_inode(im, next, &in) < 0)
			goto out;
		char *after = p + n;
		int more = *after == '/';  /* "link/" names the target too */
		if (LINUX_S_ISLNK(in.i_mode) && (more || follow)) {
			if (++links > MAX_SYMLINKS) {
				errno = ELOOP;
				goto out;
			}
			if (image_readlink_ino(im, next, link, MAX_PATH) < 0)
				goto out;
			/* rest := target "/" after; absolute targets restart at the image root. */
			size_t tl = strlen(link), al = strlen(after);
			if (tl + 1 + al >= 2 * MAX_PATH) {
				errno = ENAMETOOLONG;
				goto out;
			}
			memmove(rest + tl + 1, after, al + 1);
			memcpy(rest, link, tl);
			rest[tl] = '/';
			if (link[0] == '/')
				cur = EXT2_ROOT_INO;
			continue;
		}
		cur = next;
		memmove(rest, after, strlen(after) + 1);
	}
	*out = cur;
	rc = 0;
out:
	free(rest);
	free(link);
	return rc;
}

struct rd {
	struct image_dirent *d;
	size_t n, cap;
	ext2_ino_t max, dotdot;
	int bad;
};

static int rd_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		    int blocksize, char *buf, void *arg)
{
	struct rd *r = arg;
	int len = ext2fs_dirent_name_len(de);
	(void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
	if (len == 2 && !strncmp(de->name, "..", 2))
		r->dotdot = de->inode;
	if ((len == 1 && de->name[0] == '.') || (len == 2 && !strncmp(de->name, "..", 2)))
		return 0;
	if (de->inode > r->max || len == 0 || memchr(de->name, '/', len) ||
	    memchr(de->name, 0, len)) {
		r->bad = 1;
		return DIRENT_ABORT;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->d = xrealloc(r->d, r->cap * sizeof(*r->d));
	}
	char *name = xmalloc((size_t)len + 1);
	memcpy(name, de->name, len);
	name[len] = 0;
	r->d[r->n++] = (struct image_dirent){ name, de->inode };
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct image_dirent *)a)->name,
		      ((const struct image_dirent *)b)->name);
}

static struct cached_dir *cache_slot(struct image_dircache *c, ext2_ino_t ino)
{
	size_t mask = c->nslots - 1;
	for (size_t i = (ino * 2654435761u) & mask;; i = (i + 1) & mask)
		if (!c->slots[i].ino || c->slots[i].ino == ino)
			return &c->slots[i];
}

static void cache_grow(struct image_dircache *c)
{
	struct cached_dir *old = c->slots;
	size_t n = c->nslots;
	c->nslots = n ? 2 * n : 64;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (size_t i = 0; i < n; i++)
		if (old[i].ino)
			*cache_slot(c, old[i].ino) = old[i];
	free(old);
}

static struct cached_dir *read_dir(struct image *im, ext2_ino_t ino)
{
	if (!im->dirs)
		im->dirs = xcalloc(1, sizeof(*im->dirs));
	struct image_dircache *c = im->dirs;
	if ((c->used + 1) * 2 > c->nslots)
		cache_grow(c);
	struct cached_dir *slot = cache_slot(c, ino);
	if (!slot->ino) {
		struct rd r = { .max = im->fs->super->s_inodes_count };
		int d = is_dir(im, ino);
		if (d <= 0)
			return NULL;
		errcode_t err = ext2fs_dir_iterate2(im->fs, ino, 0, NULL, rd_entry, &r);
		if (err || r.bad || r.dotdot > r.max) {
			dirents_free(r.d, r.n);
			errno = EIO;
			return NULL;
		}
		if (r.n)
			qsort(r.d, r.n, sizeof(*r.d), by_name);
		*slot = (struct cached_dir){ ino, r.d, r.n, r.dotdot };
		c->used++;
	}
	return slot;
}

int image_readdir(struct image *im, ext2_ino_t ino, const struct image_dirent **out,
		  size_t *n)
{
	struct cached_dir *dir = read_dir(im, ino);
	if (!dir)
		return -1;
	*out = dir->d;
	*n = dir->n;
	return 0;
}

/* NAME (LEN bytes, not terminated; "." is the caller's) in directory DIR: its ".." entry,
 * or a binary search of its entries. */
static int find_entry(struct image *im, ext2_ino_t dir, const char *name, size_t len,
		      ext2_ino_t *ino)
{
	struct cached_dir *cd = read_dir(im, dir);
	if (!cd)
		return -1;
	if (len == 2 && !strncmp(name, "..", 2)) {
		*ino = cd->parent;
		if (!cd->parent)
			errno = ENOENT;
		return cd->parent ? 0 : -1;
	}
	const struct image_dirent *d = cd->d;
	size_t lo = 0, hi = cd->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(name, d[mid].name, len);
		if (!c && d[mid].name[len])
			c = -1;   /* NAME is a prefix of this entry: it sorts before */
		if (!c) {
			*ino = d[mid].ino;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	errno = ENOENT;
	return -1;
}

struct walker {
	struct image *im;
	image_walk_fn fn;
	void *arg;
	unsigned char *seen;  /* directories entered, one bit per inode: catches cycles */
	char *path;
	size_t cap;
};

static int walk_dir(struct walker *w, ext2_ino_t dir, size_t plen, unsigned depth)
{
	const struct image_dirent *d;
	size_t n;
	int rc = 0;

	if (depth > IMAGE_MAX_DEPTH) {
		image_error(w->im, "%s: directories nested too deep (corrupt?)", w->path);
		return -1;
	}
	if (w->seen[dir / 8] & (1u << (dir % 8))) {
		image_error(w->im, "%s: directory reached twice (a cycle: corrupt)", w->path);
		return -1;
	}
	w->seen[dir / 8] |= 1u << (dir % 8);
	if (image_readdir(w->im, dir, &d, &n) < 0) {
		image_error(w->im, "%s: cannot read directory: %s", w->path, strerror(errno));
		return -1;
	}
	int slash = w->path[plen - 1] != '/';
	for (size_t i = 0; i < n && !rc; i++) {
		size_t nl = strlen(d[i].name), len = plen + slash + nl;
		if (len + 1 > w->cap) {
			w->cap = 2 * (len + 1);
			w->path = xrealloc(w->path, w->cap);
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + slash, d[i].name, nl + 1);
		struct fsview_stat st;
		if (image_stat_ino(w->im, d[i].ino, &st) < 0) {
			image_error(w->im, "%s: unreadable inode %u", w->path, d[i].ino);
			rc = -1;
			break;
		}
		rc = w->fn(w->path, w->path + plen + slash, d[i].ino, &st, depth + 1, i + 1 == n,
			   w->arg);
		if (!rc && st.type == NODE_DIR)
			rc = walk_dir(w, d[i].ino, len, depth + 1);
		w->path[plen] = 0;
	}
	return rc;
}

int image_walk(struct image *im, ext2_ino_t dir, const char *path, image_walk_fn fn,
	       void *arg)
{
	size_t len = strlen(path);
	struct walker w = { im, fn, arg, xcalloc(im->fs->super->s_inodes_count / 8 + 1, 1),
			    NULL, len + 256 };
	w.path = xmalloc(w.cap);
	memcpy(w.path, path, len + 1);
	int rc = walk_dir(&w, dir, len ? len : 1, 0);
	free(w.seen);
	free(w.path);
	return rc;
}

int image_is_ext2(const char *path)
{
	unsigned char magic[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int yes = pread(fd, magic, 2, 1024 + 56) == 2 && magic[0] == 0x53 && magic[1] == 0xef;
	close(fd);
	return yes;
}

int image_stat_extra(struct image *im, ext2_ino_t ino, struct image_inode_extra *x)
{
	struct ext2_inode_large in;
	if (image_inode(im, ino, &in) < 0)
		return -1;
	x->blocks = ext2fs_get_stat_i_blocks(im->fs, (struct ext2_inode *)&in);
	x->atime = (int32_t)in.i_atime;
	x->ctime = (int32_t)in.i_ctime;
	x->flags = in.i_flags;
	return 0;
}

const char *image_kind(struct image *im)
{
	struct ext2_super_block *sb = im->fs->super;
	return ext2fs_has_feature_extents(sb) || ext2fs_has_feature_64bit(sb) ? "ext4" :
	       ext2fs_has_feature_journal(sb) ? "ext3" : "ext2";
}

void image_summarize(struct image *im, struct image_summary *s)
{
	struct ext2_super_block *sb = im->fs->super;
	memset(s, 0, sizeof(*s));
	s->kind = image_kind(im);
	s->state = sb->s_state & EXT2_ERROR_FS ? "errors" :
		   sb->s_state & EXT2_VALID_FS ? "clean" : "not clean";
	s->blocks = ext2fs_blocks_count(sb);
	s->blocks_free = ext2fs_free_blocks_count(sb);
	s->block_size = im->fs->blocksize;
	s->inodes = sb->s_inodes_count;
	s->inodes_free = sb->s_free_inodes_count;
	s->inode_size = EXT2_INODE_SIZE(sb);
	s->groups = im->fs->group_desc_count;
	s->mount_count = sb->s_mnt_count;
	snprintf(s->uuid, sizeof(s->uuid), "%s", e2p_uuid2str(sb->s_uuid));
	memcpy(s->label, sb->s_volume_name, sizeof(sb->s_volume_name));
	const __u32 feat[3] = { sb->s_feature_compat, sb->s_feature_incompat,
				sb->s_feature_ro_compat };
	for (int i = 0; i < 3; i++)
		for (int b = 0; b < 32; b++)
			if (feat[i] & (1u << b))
				snprintf(s->features[s->nfeatures++], sizeof(s->features[0]), "%s",
					 e2p_feature2string(i, 1u << b));
	s->created = sb->s_mkfs_time;
	s->mounted = sb->s_mtime;
	s->written = sb->s_wtime;
	s->checked = sb->s_lastcheck;
}
