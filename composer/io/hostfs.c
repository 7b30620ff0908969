/* Host tree import. Nothing here reads file data: regular files become SRC_HOST nodes
 * whose bytes the writer streams later, so memory stays proportional to names. */
#include "io/hostfs.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "base/pathfilter.h"
#include "base/progress.h"
#include "model/hostsrc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct hardlink {
	dev_t dev;
	ino_t ino;
	struct node *node;
};

struct import {
	struct tree *t;
	const struct hostfs_opts *o;
	struct hardlink *links;
	size_t nlinks, cap;
	uid_t euid;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct node **find_link(struct import *im, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < im->nlinks; i++)
		if (im->links[i].dev == dev && im->links[i].ino == ino)
			return &im->links[i].node;
	return NULL;
}

static void remember_link(struct import *im, dev_t dev, ino_t ino, struct node *n)
{
	if (im->nlinks == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 16;
		im->links = xrealloc(im->links, im->cap * sizeof(*im->links));
	}
	im->links[im->nlinks++] = (struct hardlink){ dev, ino, n };
}

/* Link N as NAME in DIR: the dentry, whose copy of NAME the node may keep. */
static struct dentry *add(struct import *im, struct node *dir, const char *hostdir,
			  const char *name, struct node *n)
{
	const char *why;
	struct dentry *d = tree_link(im->t, dir, name, n, im->o->flags, &why);
	if (!d)
		diag_error_at(im->o->origin, 0, "%s/%s: %s", hostdir, name, why);
	return d;
}

static ssize_t list_names(const char *path, int follow, char *buf, size_t size)
{
	return follow ? listxattr(path, buf, size) : llistxattr(path, buf, size);
}

int hostfs_xattrs(struct tree *t, struct node *n, const char *path, int follow)
{
	char stack[1024], *heap = NULL, *names = stack;
	ssize_t len = list_names(path, follow, names, sizeof(stack));
	/* The list can grow between the calls: ask again. */
	while (len < 0 && errno == ERANGE) {
		ssize_t need = list_names(path, follow, NULL, 0);
		if (need < 0)
			break;
		free(heap);
		names = heap = xmalloc((size_t)need + 1);
		len = list_names(path, follow, names, (size_t)need);
	}
	int rc = len < 0 && errno != ENOTSUP ? -1 : 0;
	for (ssize_t off = 0; !rc && off < len; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		char buf[XATTR_SIZE_MAX];
		ssize_t vlen = follow ? getxattr(path, name, buf, sizeof(buf)) :
					lgetxattr(path, name, buf, sizeof(buf));
		if (vlen >= 0)
			node_set_xattr(t, n, name, buf, (size_t)vlen);
		else if (errno != ENODATA)   /* ENODATA: removed since the listing */
			rc = -1;
	}
	int e = errno;
	free(heap);
	errno = e;
	return rc;
}

/* A host error about NAME in HOSTDIR. */
static int host_error(struct import *im, const char *hostdir, const char *name, const char *what)
{
	diag_error_at(im->o->origin, 0, "%s/%s: %s", hostdir, name, what);
	return -1;
}

static void added(struct import *im, struct node *n)
{
	if (im->o->added)
		im->o->added(n, im->o->arg);
}

/* An image directory of the import. With include patterns, one that is not included
 * itself is made only when something below it is (from N, as the host has it), so the
 * directories on the way to an included file are kept and no others. */
struct idir {
	struct node *node;       /* NULL until made */
	struct node *n;          /* what to make it from */
	struct idir *up;
	const char *name;        /* its name in UP */
	char *rel;               /* path below the import's root (filters only: a directory
				  * made lazily always has one) */
};

static struct node *made(struct import *im, struct idir *d)
{
	if (d->node)
		return d->node;
	struct node *parent = made(im, d->up);
	const char *why;
	if (!parent)
		return NULL;
	struct dentry *de = tree_link(im->t, parent, d->name, d->n, im->o->flags, &why);
	if (!de) {
		diag_error_at(im->o->origin, 0, "%s: %s", d->rel, why);
		return NULL;
	}
	d->node = de->node;
	added(im, d->node);
	return d->node;
}

/* One directory entry NAME of host directory HD, open as DFD, with path HOSTDIR for
 * messages, to go into DIR. Entries are looked up
 * relative to DFD, not by full path: on large trees the kernel's path walks dominated,
 * and a path can be changed under us. A directory is returned in *SUB (its node NULL
 * when it waits to be made) and *SUBHD for the caller to descend into. */
static int import_one(struct import *im, struct idir *dir, int dfd, struct hostdir *hd,
		      const char *hostdir, const char *name, struct idir *sub,
		      struct hostdir **subhd)
{
	struct stat st;
	*subhd = NULL;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return host_error(im, hostdir, name, strerror(errno));
	char *rel = NULL;
	enum pathfilter_verdict v = PATH_IN;
	if (im->o->filter) {
		rel = *dir->rel ? xasprintf("%s/%s", dir->rel, name) : xstrdup(name);
		v = pathfilter_test(im->o->filter, rel, S_ISDIR(st.st_mode));
		if (v == PATH_OUT) {  /* never read, nor descended into */
			free(rel);
			return 0;
		}
	}
	struct node *parent = v == PATH_BELOW ? NULL : made(im, dir);
	if (v != PATH_BELOW && !parent) {
		free(rel);
		return -1;
	}
	struct node **prev = NULL;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
	    (prev = find_link(im, st.st_dev, st.st_ino))) {
		free(rel);
		return add(im, parent, hostdir, name, *prev) ? 0 : -1;
	}
	enum node_type type;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: type = NODE_DIR; break;
	case S_IFREG: type = NODE_REG; break;
	case S_IFLNK: type = NODE_SYMLINK; break;
	case S_IFCHR: type = NODE_CHR; break;
	case S_IFBLK: type = NODE_BLK; break;
	case S_IFIFO: type = NODE_FIFO; break;
	default: type = NODE_SOCK; break;
	}
	/* Files and directories are noted as inputs where their host source is recorded. */
	if (type != NODE_REG && type != NODE_DIR) {
		char *path = xasprintf("%s/%s", hostdir, name);
		inputs_note(path, &st, 0);
		free(path);
	}
	struct node *n = tree_node_new(im->t, type, im->o->origin);
	progress_add(1, type == NODE_REG ? (uint64_t)st.st_size : 0);
	n->mode = st.st_mode & 07777;
	n->uid = im->o->uid;
	n->gid = im->o->gid;
	switch (type) {
	case NODE_REG:
		/* Catch unreadable sources now, not halfway through writing; a file we own
		 * with the owner read bit set needs no second lookup (ACLs map the owner
		 * entry to those bits). */
		if (!(st.st_uid == im->euid && (st.st_mode & S_IRUSR)) &&
		    faccessat(dfd, name, R_OK, 0)) {
			free(rel);
			return host_error(im, hostdir, name, strerror(errno));
		}
		break;
	case NODE_SYMLINK: {
		char buf[4096];
		ssize_t len = readlinkat(dfd, name, buf, sizeof(buf) - 1);
		if (len <= 0) {
			free(rel);
			return host_error(im, hostdir, name,
					  len < 0 ? strerror(errno) : "empty symlink");
		}
		buf[len] = 0;
		n->u.lnk.target = tree_strdup(im->t, buf);
		n->mode = 0777;
		break;
	}
	case NODE_CHR:
	case NODE_BLK:
		n->u.dev.major = major(st.st_rdev);
		n->u.dev.minor = minor(st.st_rdev);
		break;
	default:
		break;
	}
	if (!im->o->no_xattrs) {
		/* No *xattrat calls: the name is resolved under DFD through /proc. */
		char at[64 + NAME_MAX];
		snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", dfd, name);
		if (hostfs_xattrs(im->t, n, at, 0)) {
			free(rel);
			return host_error(im, hostdir, name, strerror(errno));
		}
	}
	if (type == NODE_DIR) {
		/* Its name as long as the tree lives: the dentry's, or, for a directory made
		 * later (when something below it is), a copy. */
		struct dentry *de = NULL;
		const char *kept;
		if (v == PATH_BELOW) {
			kept = tree_strdup(im->t, name);
		} else if ((de = add(im, parent, hostdir, name, n))) {
			kept = de->name;
		} else {
			free(rel);
			return -1;
		}
		/* The directory may have merged onto one already there. */
		*sub = (struct idir){ .node = de ? de->node : NULL, .n = n, .up = dir, .name = kept,
				      .rel = rel };
		*subhd = hostdir_sub(im->t, hd, kept, &st);
		if (de)
			added(im, de->node);
		return 0;
	}
	free(rel);
	struct dentry *de = add(im, parent, hostdir, name, n);
	if (!de)
		return -1;
	/* A host file's name is its dentry's: one copy of each name. */
	if (type == NODE_REG)
		node_set_host(n, hd, de->name, &st);
	added(im, n);
	if (st.st_nlink > 1)
		remember_link(im, st.st_dev, st.st_ino, n);
	return 0;
}

struct subdir {
	struct idir d;
	struct hostdir *hd;
};

/* Import the entries of host directory HD in byte order (not the host's listing order or
 * locale) into DIR, then descend into its subdirectories, each opened relative to its
 * parent and checked to be the one listed (model/hostsrc). */
static int import_dir(struct import *im, struct idir *dir, struct hostdir *hd)
{
	int pfd = hostdir_fd(hd);
	if (pfd < 0)
		return -1;
	char *hostdir = hostdir_path(hd);
	/* Relative opens could go deeper, but nothing could name such files by path (the
	 * host's tools, nor the image's own users): refused, as ever. */
	if (strlen(hostdir) >= PATH_MAX) {
		diag_error_at(im->o->origin, 0, "%s: %s", hostdir, strerror(ENAMETOOLONG));
		free(hostdir);
		return -1;
	}
	/* A descriptor of its own: the listing moves its offset. */
	int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		diag_error_at(im->o->origin, 0, "%s: %s", hostdir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		free(hostdir);
		return -1;
	}
	/* The listing's names, back to back in one buffer (the tree copies them once). */
	char *text = NULL, **names = NULL;
	size_t n = 0, used = 0, tcap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t len = strlen(de->d_name) + 1;
		if (used + len > tcap) {
			tcap = (used + len) * 2;
			text = xrealloc(text, tcap);
		}
		memcpy(text + used, de->d_name, len);
		used += len;
		n++;
	}
	int rc = errno ? -1 : 0;
	if (rc)
		diag_error_at(im->o->origin, 0, "%s: %s", hostdir, strerror(errno));
	if (n) {   /* qsort's array must not be NULL, even when empty */
		names = xmalloc(n * sizeof(*names));
		for (size_t i = 0, off = 0; i < n; i++, off += strlen(text + off) + 1)
			names[i] = text + off;
		qsort(names, n, sizeof(*names), cmp_names);
		/* Room for them all, when all are kept. */
		if (dir->node && !im->o->filter)
			tree_dir_reserve(dir->node, n);
	}
	struct subdir *subs = xmalloc((n ? n : 1) * sizeof(*subs));
	size_t nsubs = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct hostdir *subhd;
		rc = import_one(im, dir, dfd, hd, hostdir, names[i], &subs[nsubs].d, &subhd);
		if (subhd)
			subs[nsubs++].hd = subhd;
	}
	closedir(d);
	free(names);
	free(text);
	free(hostdir);
	for (size_t i = 0; i < nsubs && !rc; i++)
		rc = import_dir(im, &subs[i].d, subs[i].hd);
	for (size_t i = 0; i < nsubs; i++)
		free(subs[i].d.rel);
	free(subs);
	return rc;
}

int hostfs_import(struct tree *t, const char *dest, const char *src,
		  const struct hostfs_opts *o)
{
	struct stat st;
	const char *why;
	struct hostdir *root = hostdir_root(t, src, 0, &st);
	if (!root && errno == ENOTDIR) {
		diag_error_at(o->origin, 0, "%s is not a directory (use type = \"file\")", src);
		return -1;
	}
	if (!root) {
		diag_error_at(o->origin, 0, "%s: %s", src, strerror(errno));
		return -1;
	}
	struct node *top = tree_lookup(t, NULL, dest, TREE_FOLLOW);
	if (!top || top->type != NODE_DIR) {
		struct node *n = tree_node_new(t, NODE_DIR, o->origin);
		n->mode = st.st_mode & 07777;
		n->uid = o->uid;
		n->gid = o->gid;
		if (!o->no_xattrs && hostfs_xattrs(t, n, src, 1)) {
			diag_error_at(o->origin, 0, "%s: %s", src, strerror(errno));
			return -1;
		}
		if (tree_add(t, NULL, dest, n, o->flags, &why)) {
			diag_error_at(o->origin, 0, "%s: %s", dest, why);
			return -1;
		}
		top = tree_lookup(t, NULL, dest, TREE_FOLLOW);
		if (o->added)
			o->added(top, o->arg);
	}
	if (o->mode >= 0)
		top->mode = (unsigned)o->mode;
	struct import im = { .t = t, .o = o, .euid = geteuid() };
	struct idir d = { .node = top, .rel = "" };
	int rc = import_dir(&im, &d, root);
	free(im.links);
	return rc;
}
