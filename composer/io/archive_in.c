/* Archive import: libarchive reads, the tree confines. Every member name goes through
 * tree_add under the target directory, so absolute names, ".." and symlinks planted by
 * earlier members all resolve inside it. */
#include "io/archive_in.h"
#include "base/datacopy.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "io/pkgcache.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdatomic.h>
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
		if (write_at(spool.fd, buf, len, base + (uint64_t)off)) {
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

/* Where a member's data comes from: the archive being read (A) or a package cache
 * entry (ENTRY_FD, at the member's off). */
struct member_data {
	struct archive *a;
	int entry_fd;
};

/* N's data, SIZE bytes of member M. -1 when that failed (counted in im->errors). */
static int member_data(struct importer *im, const struct member_data *d,
		       const struct pkg_member *m, struct node *n)
{
	if (d->a)
		return spool_data(im, d->a, m->name, n, m->size);
	n->src = SRC_FD;
	n->u.reg.fd = d->entry_fd;
	n->u.reg.off = m->off;
	n->u.reg.size = m->size;
	return 0;
}

static void add_hardlink(struct importer *im, const struct member_data *d,
			 const struct pkg_member *m)
{
	const char *target = m->link, *member = m->name, *why;
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
	if (m->size > 0 && n->type == NODE_REG && member_data(im, d, m, n))
		return;   /* counted in im->errors */
}

static void copy_xattrs(struct importer *im, const struct pkg_member *m, struct node *n)
{
	for (size_t i = 0; i < m->nxattrs; i++)
		node_set_xattr(im->t, n, m->xattrs[i].name, m->xattrs[i].value, m->xattrs[i].len);
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

/* Member M of an archive or a cache entry (its data from D) into the tree. */
static void import_member(struct importer *im, const struct member_data *d,
			  const struct pkg_member *m)
{
	const char *member = m->name;
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

	if (m->hardlink) {
		add_hardlink(im, d, m);
		return;
	}
	enum node_type type;
	if (node_type_of(m->filetype, &type)) {
		member_error(im, member, "unsupported member type (mode 0%o)",
			     m->filetype | m->perm);
		return;
	}
	/* Excluded: its data is never read (libarchive skips it). */
	enum pathfilter_verdict v = filtered(im, member, type == NODE_DIR);
	if (v == PATH_OUT)
		return;
	struct node *n = tree_node_new(im->t, type, origin);
	n->mode = m->perm & 07777;
	int64_t uid = im->opt->uid >= 0 ? im->opt->uid : m->uid;
	int64_t gid = im->opt->gid >= 0 ? im->opt->gid : m->gid;
	if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX) {
		member_error(im, member, "owner %lld:%lld is out of range", (long long)uid,
			     (long long)gid);
		return;
	}
	n->uid = (unsigned)uid;
	n->gid = (unsigned)gid;
	n->mtime = m->mtime < im->opt->clamp ? m->mtime : im->opt->clamp;
	copy_xattrs(im, m, n);

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
		const char *target = m->link;
		if (!target || !*target || strlen(target) >= 4096) {
			member_error(im, member, "symlink target must be 1 to 4095 bytes");
			return;
		}
		n->u.lnk.target = tree_strdup(im->t, target);
		break;
	}
	case NODE_CHR:
	case NODE_BLK:
		n->u.dev.major = m->rmajor;
		n->u.dev.minor = m->rminor;
		break;
	default:
		break;
	}
	if (tree_add(im->t, im->base, member, n, im->opt->flags, &why)) {
		report_add(im, member, why);
		return;
	}
	added(im, n);
	if (type == NODE_REG && m->size > 0 && member_data(im, d, m, n))
		return;   /* counted in im->errors */
}

/* What libarchive says of entry E, as a member (xattrs malloc'd: free m->xattrs). */
static void member_of(struct archive_entry *e, struct pkg_member *m)
{
	memset(m, 0, sizeof(*m));
	m->name = archive_entry_pathname(e);
	m->hardlink = archive_entry_hardlink(e) != NULL;
	m->link = m->hardlink ? archive_entry_hardlink(e) : archive_entry_symlink(e);
	m->filetype = archive_entry_filetype(e);
	m->perm = archive_entry_perm(e);
	m->uid = archive_entry_uid(e);
	m->gid = archive_entry_gid(e);
	m->mtime = archive_entry_mtime(e);
	m->rmajor = archive_entry_rdevmajor(e);
	m->rminor = archive_entry_rdevminor(e);
	m->size = archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
	int count = archive_entry_xattr_reset(e);
	if (count <= 0)
		return;
	m->xattrs = xcalloc((size_t)count, sizeof(*m->xattrs));
	const char *name;
	const void *value;
	size_t len;
	while (archive_entry_xattr_next(e, &name, &value, &len) == ARCHIVE_OK &&
	       m->nxattrs < (size_t)count)
		m->xattrs[m->nxattrs++] = (struct pkg_xattr){ name, value, len };
}

static void import_entry(struct importer *im, struct archive *a, struct archive_entry *e)
{
	struct pkg_member m;
	struct member_data d = { a, -1 };
	member_of(e, &m);
	import_member(im, &d, &m);
	free(m.xattrs);
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
		import_entry(im, a, e);
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

/* Find the data.tar member of the .deb OUTER (first header read: status R, entry E) and
 * call FN with it open as an archive of its own and its first header read. IM: where
 * problems are reported, or NULL to report nothing. Returns FN's result, or -1. */
static int deb_data(struct importer *im, struct archive *outer, int r, struct archive_entry *e,
		    int (*fn)(void *arg, struct archive *inner, int r, struct archive_entry *e),
		    void *arg)
{
	for (int first = 1;; r = archive_read_next_header(outer, &e), first = 0) {
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (im)
				archive_failed(im, outer);
			return -1;
		}
		const char *name = archive_entry_pathname(e);
		if (first && (!name || strcmp(name, "debian-binary"))) {
			if (im)
				member_error(im, name ? name : "(unnamed)",
					     "an ar archive that is not a Debian package (its first "
					     "member is not debian-binary)");
			return -1;
		}
		if (!name || strncmp(name, "data.tar", 8))
			continue;
		struct nested *n = xmalloc(sizeof(*n));
		n->outer = outer;
		struct archive *inner = reader_new();
		int rc;
		if (archive_read_open(inner, n, NULL, nested_read, NULL) != ARCHIVE_OK) {
			if (im)
				archive_failed(im, inner);
			rc = -1;
		} else {
			struct archive_entry *ie;
			int ir = archive_read_next_header(inner, &ie);
			rc = fn(arg, inner, ir, ie);
		}
		archive_read_free(inner);
		free(n);
		return rc;
	}
	if (im)
		member_error(im, "data.tar", "the package has no data.tar member");
	return -1;
}

static int import_members_cb(void *im, struct archive *a, int r, struct archive_entry *e)
{
	return import_members(im, a, r, e);
}

/* Every member of A, with its data, into the cache entry W. Anything unusual (even a
 * warning) fails: the package is then imported directly, which reports it. */
static int build_members(void *w, struct archive *a, int r, struct archive_entry *e)
{
	for (;; r = archive_read_next_header(a, &e)) {
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK)
			return -1;
		struct pkg_member m;
		member_of(e, &m);
		int rc = !m.name || pkgw_add(w, &m) ? -1 : 0;
		free(m.xattrs);
		while (!rc && m.size) {
			const void *buf;
			size_t len;
			la_int64_t off;
			int dr = archive_read_data_block(a, &buf, &len, &off);
			if (dr == ARCHIVE_EOF)
				break;
			rc = dr != ARCHIVE_OK || off < 0 || pkgw_data(w, buf, len, (uint64_t)off);
		}
		if (rc)
			return -1;
	}
}

/* pkg_open's builder: the .deb at PATH. */
static int build_deb(const char *path, struct pkg_writer *w)
{
	struct archive *a = reader_new();
	archive_read_support_format_ar(a);
	struct archive_entry *e;
	int rc = archive_read_open_filename(a, path, 65536) != ARCHIVE_OK ? -1 : 0;
	if (!rc) {
		int r = archive_read_next_header(a, &e);
		rc = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_AR ? -1
			: deb_data(NULL, a, r, e, build_members, w);
	}
	archive_read_free(a);
	return rc;
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
		inputs_note_path(path, 1);
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);
		if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR)
			deb_data(&im, a, r, e, import_members_cb, &im);
		else
			import_members(&im, a, r, e);
	}
	archive_read_free(a);
	finish_pending(&im);
	return im.errors ? -1 : 0;
}

/* ---- packages, through the package cache ---- */

struct deb_job {
	const char *path;
	struct pkg_entry e;
	int ok;
};

struct deb_pool {
	struct deb_job *jobs;
	size_t n;
	atomic_size_t next;
};

static void *deb_worker(void *arg)
{
	struct deb_pool *p = arg;
	for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n; )
		p->jobs[i].ok = !pkg_open(p->jobs[i].path, &p->jobs[i].e, build_deb);
	return NULL;
}

/* The entry's members, in its order, into the tree; their data stays in the entry. */
static int import_entry_members(struct tree *t, struct node *base, struct deb_job *j,
				const struct archive_import *opt)
{
	struct importer im = { t, base ? base : tree_root(t), opt, j->path, 0, 0, NULL, 0 };
	struct member_data d = { NULL, j->e.fd };
	struct pkg_member m;
	int r;
	while ((r = pkg_next(&j->e, &m)) > 0)
		import_member(&im, &d, &m);
	if (r < 0)
		member_error(&im, "(cache entry)", "the cached listing is malformed");
	finish_pending(&im);
	return im.errors ? -1 : 0;
}

int archive_import_debs(struct tree *t, struct node *base, const char *const *paths, size_t n,
			const struct archive_import *opt)
{
	struct deb_pool p = { xcalloc(n ? n : 1, sizeof(*p.jobs)), n, 0 };
	for (size_t i = 0; i < n; i++)
		p.jobs[i].path = paths[i];
	/* Unpacking is what takes the time: every core at it, one package each at a time.
	 * Importing into the tree stays in the packages' order, on this thread. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cpus > 1 ? (size_t)cpus - 1 : 0;
	if (nthreads > n)
		nthreads = n;
	pthread_t *th = xcalloc(nthreads ? nthreads : 1, sizeof(*th));
	size_t started = 0;
	while (started < nthreads && !pthread_create(&th[started], NULL, deb_worker, &p))
		started++;
	deb_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct deb_job *j = &p.jobs[i];
		if (j->ok) {
			inputs_note_digest(j->path, &j->e.pkg_st, j->e.key);
			rc |= import_entry_members(t, base, j, opt);
			pkg_close(&j->e, 1);
		} else {
			rc |= archive_import(t, base, j->path, opt);
		}
	}
	free(p.jobs);
	return rc;
}
