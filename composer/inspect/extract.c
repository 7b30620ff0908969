/* extract: an image walked once by handle, written into a host directory through kept
 * directory descriptors (struct cursor), or as an archive. */
#include "inspect/extract.h"
#include "base/diag.h"
#include "base/tempfile.h"
#include "io/archive_out.h"
#include "io/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define IO_CHUNK 65536u
/* Directory descriptors held at once; deeper ones are opened for each use. */
#define CURSOR_KEEP 128

int extract_open(struct imgview *iv, const char *src)
{
	const char *kind = imgview_sniff(src);
	if (kind && (!strcmp(kind, "ext2") || !strcmp(kind, "squashfs") || !strcmp(kind, "vfat")))
		return imgview_open(iv, src);
	return imgview_open_archive(iv, src);
}

/* ---- the host directory we are in ---- */

/* The directories from the top down to the last one asked for, each held open, so the
 * next entry's directory (in walk order: mostly the same, a child or a parent's sibling)
 * costs at most the components that differ. */
struct cursor {
	int top;                     /* not owned */
	size_t depth;                /* directories held */
	int fd[CURSOR_KEEP + 1];     /* fd[0] is top */
	size_t end[CURSOR_KEEP + 1]; /* where component i ends in path */
	char path[4096 + 2];         /* the directories held, "a/b" */
};

static void cursor_init(struct cursor *c, int top)
{
	c->top = c->fd[0] = top;
	c->depth = 0;
	c->end[0] = 0;
	c->path[0] = 0;
}

static void cursor_pop(struct cursor *c, size_t depth)
{
	while (c->depth > depth)
		close(c->fd[c->depth--]);
}

/* One component P[0..N) of a path inside the output: never empty, ".", ".." or too long. */
static int bad_component(const char *p, size_t n)
{
	return n == 0 || n > 255 || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2));
}

/* The directory DIR (LEN bytes, relative to the top, "" for it) opened below the top
 * without following symlinks. Returns a descriptor the cursor owns, or one the caller
 * closes (*owned) beyond CURSOR_KEEP levels; -1 with errno. */
static int cursor_dir(struct cursor *c, const char *dir, size_t len, int *owned)
{
	size_t keep = 0;
	*owned = 0;
	while (keep < c->depth && c->end[keep + 1] <= len &&
	       !memcmp(c->path, dir, c->end[keep + 1]) &&
	       (c->end[keep + 1] == len || dir[c->end[keep + 1]] == '/'))
		keep++;
	cursor_pop(c, keep);
	size_t pos = c->end[keep] + (keep > 0);
	int fd = c->fd[keep];
	while (pos < len) {
		const char *p = dir + pos;
		size_t n = strcspn(p, "/");
		if (n > len - pos)
			n = len - pos;
		char name[256];
		if (bad_component(p, n)) {
			errno = EINVAL;
			break;
		}
		memcpy(name, p, n);
		name[n] = 0;
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*owned)
			close(fd);
		fd = next;
		if (fd < 0)
			return -1;
		if (c->depth < CURSOR_KEEP && !*owned && pos + n < sizeof(c->path)) {
			c->fd[++c->depth] = fd;
			c->end[c->depth] = pos + n;
			memcpy(c->path, dir, pos + n);
			c->path[pos + n] = 0;
		} else {
			*owned = 1;
		}
		pos += n + 1;
	}
	if (pos < len) {   /* a bad component */
		if (*owned)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- writing into a directory ---- */

struct first_name {
	uint64_t id;   /* 0: free slot */
	char *rel;
};

struct dirout {
	struct imgview *iv;
	size_t sublen;            /* the top's image path length, its children below it */
	int dfd;                  /* the temporary directory */
	int root;                 /* owners and device nodes need root */
	struct cursor cur;
	struct first_name *links; /* first name of each multiply linked file, by id */
	size_t nlinks, nslots;
	struct dir_attr {
		char *rel;
		struct fsview_stat st;
	} *dirs;                  /* directory attributes, applied last */
	size_t ndirs, capdirs;
	unsigned skipped;
	unsigned xattrs_skipped;  /* not permitted here (non-root) or not supported */
	char *buf;
};

/* Owner, mode and time of LEAF in PFD, in the order that keeps set-id bits. */
static int set_attrs(struct dirout *o, int pfd, const char *leaf, const struct fsview_stat *st)
{
	struct timespec ts[2] = { { st->mtime, 0 }, { st->mtime, 0 } };
	if (o->root && fchownat(pfd, leaf, st->uid, st->gid, AT_SYMLINK_NOFOLLOW))
		return -1;
	if (st->type != NODE_SYMLINK && fchmodat(pfd, leaf, st->mode & 07777, 0))
		return -1;
	return utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW);
}

struct xattr_target {
	struct dirout *o;
	const char *path;         /* the image path, for messages */
	char at[64 + 4096];       /* the leaf through /proc: there are no *xattrat calls */
};

static int put_xattr(const char *name, const void *value, size_t len, void *arg)
{
	struct xattr_target *x = arg;
	if (!lsetxattr(x->at, name, value, len, 0))
		return 0;
	if (errno != EPERM && errno != ENOTSUP) {
		diag_error("%s: cannot set extended attribute %s: %s", x->path, name,
			   strerror(errno));
		return 1;   /* reported */
	}
	diag_warn("%s: extended attribute %s not restored: %s%s", x->path, name, strerror(errno),
		  x->o->root ? "" : " (security. and trusted. need root)");
	x->o->xattrs_skipped++;
	return 0;
}

/* The extended attributes of image file H (PATH in messages) onto LEAF in PFD: after the
 * owner, since chown clears security.capability. 0, 1 after a message, or -1 with errno. */
static int set_xattrs(struct dirout *o, const char *path, img_handle h, int pfd,
		      const char *leaf)
{
	struct xattr_target x = { .o = o, .path = path };
	snprintf(x.at, sizeof(x.at), "/proc/self/fd/%d/%s", pfd, leaf);
	return imgview_xattrs(o->iv, h, put_xattr, &x);
}

/* Regular file data; all-zero blocks are left as holes. */
static int copy_data(struct dirout *o, img_handle h, int fd, uint64_t size)
{
	for (uint64_t off = 0; off < size; ) {
		size_t len = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
		ssize_t r = imgview_pread(o->iv, h, o->buf, len, off);
		if (r != (ssize_t)len) {
			if (r >= 0)
				errno = EIO;
			return -1;
		}
		for (size_t b = 0; b < len; b += HOLE_BLOCK) {
			size_t n = len - b < HOLE_BLOCK ? len - b : HOLE_BLOCK;
			for (size_t done = 0; !zero_block(o->buf + b, n) && done < n; ) {
				ssize_t w = pwrite(fd, o->buf + b + done, n - done,
						   (off_t)(off + b + done));
				if (w <= 0)
					return -1;
				done += (size_t)w;
			}
		}
		off += len;
	}
	return ftruncate(fd, (off_t)size);
}

static int make_file(struct dirout *o, img_handle h, int pfd, const char *leaf,
		     const struct fsview_stat *st)
{
	int fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = copy_data(o, h, fd, st->size);
	int saved = errno;
	if (close(fd) && !rc)
		return -1;
	errno = saved;
	return rc;
}

static struct first_name *link_slot(struct first_name *s, size_t nslots, uint64_t id)
{
	size_t mask = nslots - 1;
	for (size_t i = (size_t)(id * 0x9e3779b97f4a7c15ull >> 7) & mask;; i = (i + 1) & mask)
		if (!s[i].id || s[i].id == id)
			return &s[i];
}

/* The name a file with more links was first written under, or NULL (and REL is now). */
static const char *first_link(struct dirout *o, const struct fsview_stat *st, const char *rel)
{
	if ((o->nlinks + 1) * 2 > o->nslots) {
		size_t n = o->nslots ? 2 * o->nslots : 64;
		struct first_name *s = xcalloc(n, sizeof(*s));
		for (size_t i = 0; i < o->nslots; i++)
			if (o->links[i].id)
				*link_slot(s, n, o->links[i].id) = o->links[i];
		free(o->links);
		o->links = s;
		o->nslots = n;
	}
	/* Ids start at 1 in every view; 0 marks a free slot. */
	struct first_name *f = link_slot(o->links, o->nslots, st->id + 1);
	if (f->id)
		return f->rel;
	*f = (struct first_name){ st->id + 1, xstrdup(rel) };
	o->nlinks++;
	return NULL;
}

/* Create REL (not yet existing) as a copy of image file H, named PATH in messages: 0, 1
 * after a message, or -1 with errno. */
static int make_node(struct dirout *o, const char *path, img_handle h, const char *rel,
		     int pfd, const char *leaf, const struct fsview_stat *st)
{
	if (st->type != NODE_DIR && st->nlink > 1) {
		const char *first = first_link(o, st, rel);
		if (first)
			return linkat(o->dfd, first, pfd, leaf, 0);
	}
	switch (st->type) {
	case NODE_DIR:
		if (*rel && mkdirat(pfd, leaf, 0700))
			return -1;
		if (o->ndirs == o->capdirs) {
			o->capdirs = o->capdirs ? o->capdirs * 2 : 64;
			o->dirs = xrealloc(o->dirs, o->capdirs * sizeof(*o->dirs));
		}
		o->dirs[o->ndirs].rel = xstrdup(rel);
		o->dirs[o->ndirs++].st = *st;
		/* Mode, owner and time once its contents are in. */
		return set_xattrs(o, path, h, pfd, leaf);
	case NODE_REG:
		if (make_file(o, h, pfd, leaf, st))
			return -1;
		break;
	case NODE_SYMLINK: {
		char target[4096];
		if (imgview_readlink(o->iv, h, target, sizeof(target)) ||
		    symlinkat(target, pfd, leaf))
			return -1;
		break;
	}
	case NODE_CHR:
	case NODE_BLK:
		if (!o->root) {
			diag_warn("%s: device node skipped (only root can create it)", path);
			o->skipped++;
			return 0;
		}
		if (mknodat(pfd, leaf, (st->type == NODE_CHR ? S_IFCHR : S_IFBLK) | 0600,
			    makedev(st->major, st->minor)))
			return -1;
		break;
	case NODE_FIFO:
		if (mkfifoat(pfd, leaf, 0600))
			return -1;
		break;
	case NODE_SOCK:
		if (mknodat(pfd, leaf, S_IFSOCK | 0600, 0))
			return -1;
		break;
	}
	return set_attrs(o, pfd, leaf, st) ? -1 : set_xattrs(o, path, h, pfd, leaf);
}

/* REL's directory from the cursor and its last component ("." for the top). */
static int parent_of(struct dirout *o, const char *rel, const char **leaf, int *owned)
{
	const char *slash = strrchr(rel, '/');
	*leaf = !*rel ? "." : slash ? slash + 1 : rel;
	if (bad_component(*leaf, strlen(*leaf)) && *rel) {
		errno = EINVAL;
		return -1;
	}
	return cursor_dir(&o->cur, rel, slash ? (size_t)(slash - rel) : 0, owned);
}

static int put(struct dirout *o, const char *path, img_handle h, const struct fsview_stat *st)
{
	const char *rel = path + o->sublen, *leaf;
	while (*rel == '/')
		rel++;
	int owned, pfd = parent_of(o, rel, &leaf, &owned);
	int rc = pfd < 0 ? -1 : make_node(o, path, h, rel, pfd, leaf, st);
	if (rc < 0)
		diag_error("%s: %s", path, strerror(errno));
	if (owned)
		close(pfd);
	return rc ? -1 : 0;
}

static int dir_visit(const char *path, const char *name, img_handle h,
		     const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	(void)name, (void)depth, (void)last;
	return put(arg, path, h, st);
}

/* Directory attributes, deepest first, so read-only directories are filled before. */
static int finish_dirs(struct dirout *o)
{
	int rc = 0;
	for (size_t i = o->ndirs; i-- > 0; ) {
		const char *leaf;
		int owned, pfd = parent_of(o, o->dirs[i].rel, &leaf, &owned);
		if (pfd < 0 || set_attrs(o, pfd, leaf, &o->dirs[i].st)) {
			diag_error("%s: %s", *o->dirs[i].rel ? o->dirs[i].rel : ".",
				   strerror(errno));
			rc = -1;
		}
		if (owned)
			close(pfd);
	}
	return rc;
}

/* DEST may be replaced by rename(2): it must be missing or an empty directory. */
static int replaceable(const char *dest)
{
	struct stat sb;
	if (lstat(dest, &sb))
		return errno == ENOENT;
	DIR *d = S_ISDIR(sb.st_mode) ? opendir(dest) : NULL;
	if (!d)
		return 0;
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return !n;
}

static int write_dir(struct imgview *iv, const char *top, img_handle h,
		     const struct fsview_stat *st, const char *dest)
{
	if (!replaceable(dest)) {
		diag_error("%s exists and is not an empty directory", dest);
		return -1;
	}
	/* Built in a temporary directory beside DEST (base/tempfile: removed on failure and
	 * on SIGINT/SIGTERM/SIGHUP, and by the next run if this one is killed). */
	struct tempfile tmp;
	if (temp_create(&tmp, dest, 1))
		return -1;
	struct dirout *o = xcalloc(1, sizeof(*o));
	*o = (struct dirout){ .iv = iv, .sublen = strlen(top), .root = geteuid() == 0,
			      .dfd = tmp.fd };
	cursor_init(&o->cur, tmp.fd);
	int rc = -1;
	o->buf = xmalloc(IO_CHUNK);
	if (!put(o, *top ? top : "/", h, st) && !imgview_walk(iv, h, *top ? top : "/", 1, dir_visit, o) &&
	    !finish_dirs(o))
		rc = 0;
	cursor_pop(&o->cur, 0);
	if (!rc) {
		temp_hold_signals(1);
		if (rename(tmp.path, dest)) {
			diag_error("cannot rename %s to %s: %s", tmp.path, dest, strerror(errno));
			rc = -1;
		} else {
			temp_keep(&tmp);
		}
		temp_hold_signals(0);
	}
	temp_remove(&tmp);   /* after a rename only closes the descriptor */
	if (o->skipped)
		diag_warn("%u device nodes were not created", o->skipped);
	if (o->xattrs_skipped)
		diag_warn("%u extended attributes were not restored", o->xattrs_skipped);
	for (size_t i = 0; i < o->nslots; i++)
		free(o->links[i].rel);
	for (size_t i = 0; i < o->ndirs; i++)
		free(o->dirs[i].rel);
	free(o->links);
	free(o->dirs);
	free(o->buf);
	free(o);
	return rc;
}

int extract_image(struct imgview *iv, const char *sub, const char *dest)
{
	/* The top: "" for the whole view, else the directory without trailing slashes. */
	char *top = xstrdup(sub);
	size_t n = strlen(top);
	while (n && top[n - 1] == '/')
		top[--n] = 0;
	enum archive_out_format fmt;
	struct fsview_stat st;
	img_handle h;
	int rc = -1;
	if (imgview_lookup(iv, n ? top : "/", 0, &h, &st))
		diag_error("%s: %s", sub, strerror(errno));
	else if (st.type != NODE_DIR)
		diag_error("%s is a %s, not a directory", sub, node_type_name(st.type));
	else if (!archive_out_format_for(dest, &fmt))
		rc = archive_write_view(&iv->v, top, dest, fmt);
	else
		rc = write_dir(iv, top, h, &st, dest);
	free(top);
	return rc;
}
