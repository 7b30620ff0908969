/* extract: the files of an archive, a .deb or an image, written as an archive or into a
 * host directory. Directories are built in a temporary directory beside DEST and renamed
 * into place on success; every component is opened with O_NOFOLLOW relative to it, so
 * nothing is ever written outside. */
#include "io/archive_in.h"
#include "io/archive_out.h"
#include "cli/cli.h"
#include "base/diag.h"
#include "base/tempfile.h"
#include "io/image.h"
#include "io/imgview.h"
#include "model/fsview.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define IO_CHUNK 65536u

struct source {
	struct fsview v;
	struct tree *t;                    /* an imported archive */
	struct imgview iv;                 /* or an image */
	int image;
};

static int open_source(struct source *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	const char *kind = imgview_sniff(path);
	if (kind && (!strcmp(kind, "ext2") || !strcmp(kind, "squashfs") || !strcmp(kind, "vfat"))) {
		if (imgview_open(&s->iv, path))
			return -1;
		s->v = s->iv.v;
		s->image = 1;
		return 0;
	}
	struct archive_import opt = { .clamp = INT64_MAX, .uid = -1, .gid = -1 };
	s->t = tree_new(0);
	if (archive_import(s->t, NULL, path, &opt)) {
		tree_free(s->t);
		return -1;
	}
	tree_freeze(s->t);
	fsview_tree_init(&s->v, s->t);
	return 0;
}

static void close_source(struct source *s)
{
	if (s->image)
		imgview_close(&s->iv);
	tree_free(s->t);
}

/* ---- writing into a directory ---- */

struct dirent_done {
	uint64_t id;
	char *rel;
};

struct dirout {
	struct fsview *v;
	const char *sub;          /* subtree prefix, "" for all */
	size_t sublen;
	int dfd;                  /* the temporary directory */
	int root;                 /* owners and device nodes need root */
	struct dirent_done *links;/* first name of each multiply linked file */
	size_t nlinks, caplinks;
	struct dir_attr {
		char *rel;
		struct fsview_stat st;
	} *dirs;                  /* directory attributes, applied last */
	size_t ndirs, capdirs;
	unsigned skipped;
	unsigned xattrs_skipped;  /* not permitted here (non-root) or not supported */
	char *buf;
	char *parent;             /* the directory open_parent opened last, and its fd */
	int parent_fd;
};

/* The directory holding REL, opened component by component without following symlinks;
 * *leaf is REL's last component ("." for the top). The descriptor is borrowed: kept until
 * the next call, which reuses it while the files of one directory follow each other.
 * -1 with errno on failure. */
static int bad_name(const char *p, size_t n)
{
	return n == 0 || n > 255 || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2));
}

static int open_parent(struct dirout *o, const char *rel, const char **leaf)
{
	const char *slash = strrchr(rel, '/'), *last = slash ? slash + 1 : rel;
	size_t plen = slash ? (size_t)(slash - rel) : 0;
	if (*rel && (!slash || (o->parent && !strncmp(o->parent, rel, plen) &&
				!o->parent[plen]))) {
		if (bad_name(last, strlen(last))) {
			errno = EINVAL;
			return -1;
		}
		*leaf = last;
		return slash ? o->parent_fd : o->dfd;
	}
	int fd = dup(o->dfd);
	const char *p = rel;
	*leaf = ".";
	while (fd >= 0 && *p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (bad_name(p, n)) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		if (!*end) {
			*leaf = p;
			break;
		}
		char name[256];
		memcpy(name, p, n);
		name[n] = 0;
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p = end + 1;
	}
	if (fd >= 0) {
		if (o->parent_fd >= 0)
			close(o->parent_fd);
		free(o->parent);
		o->parent = xasprintf("%.*s", (int)plen, rel);
		o->parent_fd = fd;
	}
	return fd;
}

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

/* The extended attributes of image file PATH onto LEAF in PFD: after the owner, since
 * chown clears security.capability. 0, 1 after a message, or -1 with errno. */
static int set_xattrs(struct dirout *o, const char *path, int pfd, const char *leaf)
{
	if (!o->v->xattrs)
		return 0;
	struct xattr_target x = { .o = o, .path = path };
	snprintf(x.at, sizeof(x.at), "/proc/self/fd/%d/%s", pfd, leaf);
	return o->v->xattrs(o->v->ctx, path, put_xattr, &x);
}

/* Regular file data; all-zero blocks are left as holes. */
static int copy_data(struct dirout *o, const char *path, int fd, uint64_t size)
{
	for (uint64_t off = 0; off < size; ) {
		size_t len = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
		ssize_t r = o->v->pread(o->v->ctx, path, o->buf, len, off);
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

static int make_file(struct dirout *o, const char *path, int pfd, const char *leaf,
		     const struct fsview_stat *st)
{
	int fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = copy_data(o, path, fd, st->size);
	int saved = errno;
	if (close(fd) && !rc)
		return -1;
	errno = saved;
	return rc;
}

static const char *first_link(struct dirout *o, const struct fsview_stat *st, const char *rel)
{
	for (size_t i = 0; i < o->nlinks; i++)
		if (o->links[i].id == st->id)
			return o->links[i].rel;
	if (o->nlinks == o->caplinks) {
		o->caplinks = o->caplinks ? o->caplinks * 2 : 16;
		o->links = xrealloc(o->links, o->caplinks * sizeof(*o->links));
	}
	o->links[o->nlinks].id = st->id;
	o->links[o->nlinks++].rel = xstrdup(rel);
	return NULL;
}

/* Create REL (not yet existing) as a copy of image file PATH: 0, 1 after a message, or -1
 * with errno. */
static int make_node(struct dirout *o, const char *path, const char *rel, int pfd,
		     const char *leaf, const struct fsview_stat *st)
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
		return set_xattrs(o, path, pfd, leaf);
	case NODE_REG:
		if (make_file(o, path, pfd, leaf, st))
			return -1;
		break;
	case NODE_SYMLINK: {
		char target[4096];
		if (o->v->readlink(o->v->ctx, path, target, sizeof(target)) ||
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
	return set_attrs(o, pfd, leaf, st) ? -1 : set_xattrs(o, path, pfd, leaf);
}

static int dir_visit(const char *path, const struct fsview_stat *st, void *arg)
{
	struct dirout *o = arg;
	if (strncmp(path, o->sub, o->sublen) || (path[o->sublen] && path[o->sublen] != '/'))
		return 0;
	const char *rel = path + o->sublen;
	while (*rel == '/')
		rel++;
	const char *leaf;
	int pfd = open_parent(o, rel, &leaf);
	int rc = pfd < 0 ? -1 : make_node(o, path, rel, pfd, leaf, st);
	if (rc < 0)
		diag_error("%s: %s", path, strerror(errno));
	return rc ? -1 : 0;
}

/* Directory attributes, deepest first, so read-only directories are filled before. */
static int finish_dirs(struct dirout *o)
{
	int rc = 0;
	for (size_t i = o->ndirs; i-- > 0; ) {
		const char *leaf;
		int pfd = open_parent(o, o->dirs[i].rel, &leaf);
		if (pfd < 0 || set_attrs(o, pfd, leaf, &o->dirs[i].st)) {
			diag_error("%s: %s", *o->dirs[i].rel ? o->dirs[i].rel : ".",
				   strerror(errno));
			rc = -1;
		}
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

static int write_dir(struct fsview *v, const char *sub, const char *dest)
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
	struct dirout o = { .v = v, .sub = sub, .sublen = strlen(sub), .root = geteuid() == 0,
			    .dfd = tmp.fd, .parent_fd = -1 };
	int rc = -1;
	o.buf = xmalloc(IO_CHUNK);
	if (!v->walk(v->ctx, dir_visit, &o) && !finish_dirs(&o))
		rc = 0;
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
	if (o.skipped)
		diag_warn("%u device nodes were not created", o.skipped);
	if (o.xattrs_skipped)
		diag_warn("%u extended attributes were not restored", o.xattrs_skipped);
	for (size_t i = 0; i < o.nlinks; i++)
		free(o.links[i].rel);
	for (size_t i = 0; i < o.ndirs; i++)
		free(o.dirs[i].rel);
	free(o.links);
	free(o.dirs);
	free(o.buf);
	free(o.parent);
	if (o.parent_fd >= 0)
		close(o.parent_fd);
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: lsbimg extract [--path DIR] SRC DEST\n"
	      "Copy the files of SRC out, owners, modes, times and holes kept (devices only as\n"
	      "root), atomically: DEST appears whole or not at all.\n"
	      "  SRC   a tar or cpio archive (any compression), a Debian .deb, or an image\n"
	      "        (ext2/3/4, squashfs, vfat)\n"
	      "  DEST  DEST.tar, .tar.gz, .tgz, .cpio or .cpio.gz writes an archive; any other\n"
	      "        name a directory (which must not exist or be empty)\n"
	      "  -p, --path DIR  only the directory DIR of SRC, as the top of DEST\n"
	      "  -h, --help      this text\n"
	      "Exit: 0 ok, 1 failed, 2 usage.\n", f);
}

int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub = "/";
	int c;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			sub = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || sub[0] != '/') {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *src = argv[optind], *dest = argv[optind + 1];
	struct source s;
	if (open_source(&s, src))
		return EXIT_FAILED;

	/* The top: "" for the whole view, else the directory without trailing slashes. */
	char *top = xstrdup(sub);
	size_t n = strlen(top);
	while (n && top[n - 1] == '/')
		top[--n] = 0;
	enum archive_out_format fmt;
	struct fsview_stat st;
	int rc = -1;
	if (s.v.stat(s.v.ctx, n ? top : "/", 0, &st))
		diag_error("%s: %s", sub, strerror(errno));
	else if (st.type != NODE_DIR)
		diag_error("%s is a %s, not a directory", sub, node_type_name(st.type));
	else if (!archive_out_format_for(dest, &fmt))
		rc = archive_write_view(&s.v, top, dest, fmt);
	else
		rc = write_dir(&s.v, top, dest);
	free(top);
	close_source(&s);
	return rc ? EXIT_FAILED : EXIT_OK;
}
