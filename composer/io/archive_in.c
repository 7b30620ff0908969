/* Archive import: libarchive reads, the tree confines. Every member name goes through
 * tree_add under the target directory, so absolute names, ".." and symlinks planted by
 * earlier members all resolve inside it. */
#include "io/archive_in.h"
#include "base/diag.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Member data is spooled at block-aligned offsets so sparse members keep their holes
 * and readers can copy whole blocks. */
#define SPOOL_ALIGN 4096u

/* One spool per process: the tree's nodes refer to it until exit. */
static struct {
	int fd;
	uint64_t end;   /* first free byte */
	uint64_t size;  /* file size */
	int failed;     /* could not be created, and that was reported */
} spool = { -1, 0, 0, 0 };

/* 0, or -1 after reporting (once: every later member would fail the same way). */
static int spool_open(void)
{
	if (spool.fd >= 0)
		return 0;
	const char *env = getenv("TMPDIR");
	const char *dir = env && *env ? env : "/tmp";
	/* O_TMPFILE has no name at all, so even SIGKILL leaves nothing behind; where the file
	 * system cannot, a named file unlinked at once. */
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char *name = xasprintf("%s/lsbimg-spool-XXXXXX", dir);
		fd = mkostemp(name, O_CLOEXEC);
		if (fd >= 0)
			unlink(name);
		free(name);
	}
	if (fd < 0) {
		if (!spool.failed)
			diag_error("cannot create a spool file in %s: %s (set TMPDIR to a "
				   "writable directory)", dir, strerror(errno));
		spool.failed = 1;
		return -1;
	}
	spool.fd = fd;
	return 0;
}

void archive_spool_reset(void)
{
	if (spool.fd >= 0)
		close(spool.fd);
	spool.fd = -1;
	spool.end = spool.size = 0;
	spool.failed = 0;
}

static int pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t w = pwrite(fd, buf, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

struct importer {
	struct tree *t;
	struct node *base;
	const struct archive_import *opt;
	const char *name;     /* the archive, for messages */
	unsigned errors;
	int stripped;         /* warned about leading '/' */
	struct pending {      /* directories kept only for what below them is included */
		char *member;
		struct node *n;
	} *pending;
	size_t npending;
};

static void added(struct importer *im, struct node *n)
{
	if (im->opt->added)
		im->opt->added(n, im->opt->arg);
}

/* MEMBER as a path below the archive's root: without leading "/" and "./" components or
 * trailing slashes (malloc'd; "" for the root). */
static char *member_rel(const char *member)
{
	while (*member == '/' || (member[0] == '.' && (member[1] == '/' || !member[1])))
		member++;
	char *rel = xstrdup(member);
	size_t n = strlen(rel);
	while (n && rel[n - 1] == '/')
		rel[--n] = 0;
	return rel;
}

/* The filter's verdict on MEMBER (a directory when DIR). */
static enum pathfilter_verdict filtered(struct importer *im, const char *member, int dir)
{
	if (!im->opt->filter)
		return PATH_IN;
	char *rel = member_rel(member);
	enum pathfilter_verdict v = pathfilter_test(im->opt->filter, rel, dir);
	free(rel);
	return v;
}

/* The directories waiting for what is below them: each that something below made (an
 * implicit directory) gets the member's attributes. */
static void finish_pending(struct importer *im)
{
	const char *why;
	for (size_t i = 0; i < im->npending; i++) {
		struct pending *p = &im->pending[i];
		struct node *d = tree_lookup(im->t, im->base, p->member, 0);
		if (d && d->type == NODE_DIR && d->implicit &&
		    !tree_add(im->t, im->base, p->member, p->n, 0, &why))
			added(im, d);
		free(p->member);
	}
	free(im->pending);
}

__attribute__((format(printf, 3, 4)))
static void member_error(struct importer *im, const char *member, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (im->opt->where)
		diag_error("%s: %s: %s: %s", im->opt->where, im->name, member,
			   msg);
	else
		diag_error("%s: %s: %s", im->name, member, msg);
	free(msg);
	im->errors++;
}

static void archive_failed(struct importer *im, struct archive *a)
{
	const char *why = archive_error_string(a);
	if (im->opt->where)
		diag_error("%s: %s: %s", im->opt->where, im->name, why ? why : "read error");
	else
		diag_error("%s: %s", im->name, why ? why : "read error");
	im->errors++;
}

/* Copy the current member's data to the spool and point N at it. Any failure counts
 * as the import's: a member must never end up empty in the image instead. */
static int spool_data(struct importer *im, struct archive *a, const char *member,
		      struct node *n, uint64_t size)
{
	if (spool_open()) {
		im->errors++;
		return -1;
	}
	uint64_t base = (spool.end + SPOOL_ALIGN - 1) & ~(uint64_t)(SPOOL_ALIGN - 1);
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			member_error(im, member, "%s", archive_error_string(a));
			return -1;
		}
		if (off < 0 || (uint64_t)off > size || len > size - (uint64_t)off) {
			member_error(im, member, "data lies beyond the member's size");
			return -1;
		}
		if (pwrite_all(spool.fd, buf, len, base + (uint64_t)off)) {
			member_error(im, member, "cannot write the spool file: %s",
				     strerror(errno));
			return -1;
		}
	}
	/* A trailing hole: make the file long enough that reads see zeros, not EOF. */
	if (base + size > spool.size) {
		if (ftruncate(spool.fd, (off_t)(base + size))) {
			member_error(im, member, "cannot extend the spool file: %s",
				     strerror(errno));
			return -1;
		}
		spool.size = base + size;
	}
	spool.end = base + size;
	n->src = SRC_FD;
	n->u.reg.fd = spool.fd;
	n->u.reg.off = base;
	n->u.reg.size = size;
	return 0;
}

static int has_dotdot(const char *path)
{
	for (const char *p = path; *p; ) {
		const char *end = strchrnul(p, '/');
		if (end - p == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static void report_add(struct importer *im, const char *member, const char *why)
{
	if (errno == EEXIST) {
		struct node *old = tree_lookup(im->t, im->base, member, 0);
		if (old && old->pinned) {
			diag_debug("%s: %s: kept the layout's %s", im->name, member, old->origin);
			return;
		}
		member_error(im, member, "duplicate: %s (first from %s)", why,
			     old && old->origin ? old->origin : "?");
	} else {
		member_error(im, member, "%s", why);
	}
}

/* A directory member. One already there keeps its attributes, and when the name is a
 * symlink to a directory the symlink stays (tar --keep-directory-symlink). */
static void add_dir(struct importer *im, const char *member, struct node *n)
{
	const char *why, *why2;
	if (!tree_add(im->t, im->base, member, n, 0, &why)) {
		/* It may have merged onto one already there. */
		added(im, tree_lookup(im->t, im->base, member, 0));
		return;
	}
	if (errno == EEXIST) {
		char *self = xasprintf("%s/.", member);
		struct node *probe = tree_node_new(im->t, NODE_DIR, n->origin);
		probe->implicit = 1;
		int rc = tree_add(im->t, im->base, self, probe, 0, &why2);
		free(self);
		if (!rc)
			return;
		errno = EEXIST;  /* report the first failure */
	}
	report_add(im, member, why);
}

static void add_hardlink(struct importer *im, struct archive *a, struct archive_entry *e,
			 const char *member)
{
	const char *target = archive_entry_hardlink(e), *why;
	if (has_dotdot(target)) {
		member_error(im, member, "hard link target '%s' contains '..'", target);
		return;
	}
	/* The data is the target's, which the filter may have left out: kept when both
	 * are. */
	if (filtered(im, member, 0) != PATH_IN)
		return;
	if (filtered(im, target, 0) != PATH_IN) {
		diag_warn("%s%s%s: %s: a hard link to '%s', which the filter leaves out: left out "
			  "too", im->opt->where ? im->opt->where : "", im->opt->where ? ": " : "",
			  im->name, member, target);
		return;
	}
	struct node *n = tree_lookup(im->t, im->base, target, 0);
	if (!n) {
		member_error(im, member, "hard link to '%s', which no earlier member created",
			     target);
		return;
	}
	if (n->type == NODE_DIR) {
		member_error(im, member, "hard link to the directory '%s'", target);
		return;
	}
	if (tree_add(im->t, im->base, member, n, im->opt->flags, &why)) {
		report_add(im, member, why);
		return;
	}
	/* cpio stores a file's data with its last link. */
	if (archive_entry_size(e) > 0 && n->type == NODE_REG &&
	    spool_data(im, a, member, n, (uint64_t)archive_entry_size(e)))
		return;   /* counted in im->errors */
}

static void copy_xattrs(struct importer *im, struct archive_entry *e, struct node *n)
{
	const char *name;
	const void *value;
	size_t len;
	if (archive_entry_xattr_reset(e) <= 0)
		return;
	while (archive_entry_xattr_next(e, &name, &value, &len) == ARCHIVE_OK)
		node_set_xattr(im->t, n, name, value, len);
}

static int node_type_of(mode_t ft, enum node_type *type)
{
	switch (ft) {
	case AE_IFDIR: *type = NODE_DIR; return 0;
	case AE_IFREG: *type = NODE_REG; return 0;
	case AE_IFLNK: *type = NODE_SYMLINK; return 0;
	case AE_IFCHR: *type = NODE_CHR; return 0;
	case AE_IFBLK: *type = NODE_BLK; return 0;
	case AE_IFIFO: *type = NODE_FIFO; return 0;
	case AE_IFSOCK: *type = NODE_SOCK; return 0;
	}
	return -1;
}

static void import_member(struct importer *im, struct archive *a, struct archive_entry *e)
{
	const char *member = archive_entry_pathname(e);
	if (!member || !*member) {
		member_error(im, "(unnamed)", "member without a usable name");
		return;
	}
	if (has_dotdot(member)) {
		member_error(im, member, "name contains '..'");
		return;
	}
	if (member[0] == '/' && !im->stripped) {
		diag_warn("%s: removing leading '/' from member names", im->name);
		im->stripped = 1;
	}
	char *o = xasprintf("%s: %s", im->name, member);
	const char *origin = tree_strdup(im->t, o);
	free(o);

	if (archive_entry_hardlink(e)) {
		add_hardlink(im, a, e, member);
		return;
	}
	enum node_type type;
	if (node_type_of(archive_entry_filetype(e), &type)) {
		member_error(im, member, "unsupported member type (mode 0%o)",
			     (unsigned)archive_entry_mode(e));
		return;
	}
	/* Excluded: its data is never read (libarchive skips it). */
	enum pathfilter_verdict v = filtered(im, member, type == NODE_DIR);
	if (v == PATH_OUT)
		return;
	struct node *n = tree_node_new(im->t, type, origin);
	n->mode = archive_entry_perm(e) & 07777;
	la_int64_t uid = im->opt->uid >= 0 ? im->opt->uid : archive_entry_uid(e);
	la_int64_t gid = im->opt->gid >= 0 ? im->opt->gid : archive_entry_gid(e);
	if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX) {
		member_error(im, member, "owner %lld:%lld is out of range", (long long)uid,
			     (long long)gid);
		return;
	}
	n->uid = (unsigned)uid;
	n->gid = (unsigned)gid;
	n->mtime = archive_entry_mtime(e) < im->opt->clamp ? archive_entry_mtime(e)
							   : im->opt->clamp;
	copy_xattrs(im, e, n);

	const char *why;
	switch (type) {
	case NODE_DIR:
		if (v == PATH_IN) {
			add_dir(im, member, n);
			return;
		}
		im->pending = xrealloc(im->pending, (im->npending + 1) * sizeof(*im->pending));
		im->pending[im->npending++] = (struct pending){ xstrdup(member), n };
		return;
	case NODE_SYMLINK: {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target || strlen(target) >= 4096) {
			member_error(im, member, "symlink target must be 1 to 4095 bytes");
			return;
		}
		n->u.lnk.target = tree_strdup(im->t, target);
		break;
	}
	case NODE_CHR:
	case NODE_BLK:
		n->u.dev.major = archive_entry_rdevmajor(e);
		n->u.dev.minor = archive_entry_rdevminor(e);
		break;
	default:
		break;
	}
	if (tree_add(im->t, im->base, member, n, im->opt->flags, &why)) {
		report_add(im, member, why);
		return;
	}
	added(im, n);
	if (type == NODE_REG && archive_entry_size(e) > 0 &&
	    spool_data(im, a, member, n, (uint64_t)archive_entry_size(e)))
		return;   /* counted in im->errors */
}

/* Import members from A, starting with the header already read (status R, entry E). */
static int import_members(struct importer *im, struct archive *a, int r,
			  struct archive_entry *e)
{
	for (;; r = archive_read_next_header(a, &e)) {
		if (r == ARCHIVE_EOF)
			return 0;
		if (r == ARCHIVE_WARN)
			diag_warn("%s: %s", im->name, archive_error_string(a));
		else if (r != ARCHIVE_OK) {
			archive_failed(im, a);
			return -1;
		}
		import_member(im, a, e);
	}
}

static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();
	if (!a) {
		diag_error("out of memory");
		exit(EXIT_FAILED);
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_cpio(a);
	return a;
}

/* The data.tar member of a .deb, read as an archive of its own. */
struct nested {
	struct archive *outer;
	char buf[65536];
};

static la_ssize_t nested_read(struct archive *inner, void *data, const void **buf)
{
	struct nested *n = data;
	la_ssize_t r = archive_read_data(n->outer, n->buf, sizeof(n->buf));
	if (r < 0)
		archive_set_error(inner, archive_errno(n->outer), "%s",
				  archive_error_string(n->outer));
	*buf = n->buf;
	return r;
}

static int import_deb(struct importer *im, struct archive *outer, int r,
		      struct archive_entry *e)
{
	for (int first = 1;; r = archive_read_next_header(outer, &e), first = 0) {
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			archive_failed(im, outer);
			return -1;
		}
		const char *name = archive_entry_pathname(e);
		if (first && (!name || strcmp(name, "debian-binary"))) {
			member_error(im, name ? name : "(unnamed)",
				     "an ar archive that is not a Debian package (its first member "
				     "is not debian-binary)");
			return -1;
		}
		if (!name || strncmp(name, "data.tar", 8))
			continue;
		struct nested *n = xmalloc(sizeof(*n));
		n->outer = outer;
		struct archive *inner = reader_new();
		int rc;
		if (archive_read_open(inner, n, NULL, nested_read, NULL) != ARCHIVE_OK) {
			archive_failed(im, inner);
			rc = -1;
		} else {
			struct archive_entry *ie;
			int ir = archive_read_next_header(inner, &ie);
			rc = import_members(im, inner, ir, ie);
		}
		archive_read_free(inner);
		free(n);
		return rc;
	}
	member_error(im, "data.tar", "the package has no data.tar member");
	return -1;
}

int archive_import(struct tree *t, struct node *base, const char *path,
		   const struct archive_import *opt)
{
	struct importer im = { t, base ? base : tree_root(t), opt, path, 0, 0, NULL, 0 };
	struct archive *a = reader_new();
	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		archive_failed(&im, a);
	} else {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);
		if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR)
			import_deb(&im, a, r, e);
		else
			import_members(&im, a, r, e);
	}
	archive_read_free(a);
	finish_pending(&im);
	return im.errors ? -1 : 0;
}
