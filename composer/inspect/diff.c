/* diff: both images walked once, entries merged by path, files compared through their
 * handles (content, not inode layout). */
#include "inspect/diff.h"
#include "base/diag.h"
#include "base/sha256.h"
#include "formats/xattr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 16)

struct entry {
	char *path;
	img_handle h;
	struct fsview_stat st;
};

struct list {
	struct entry *e;
	size_t n, cap;
};

struct diff {
	struct imgview *a, *b;
	struct list la, lb;
	char *ba, *bb;
	char ta[4200], tb[4200];
};

static void add(struct list *l, const char *path, img_handle h, const struct fsview_stat *st)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->e = xrealloc(l->e, l->cap * sizeof(*l->e));
	}
	l->e[l->n++] = (struct entry){ xstrdup(path), h, *st };
}

static int collect(const char *path, const char *name, img_handle h,
		   const struct fsview_stat *st, unsigned depth, int last, void *arg)
{
	(void)name, (void)depth, (void)last;
	add(arg, path, h, st);
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* Every path of IV, "/" first, sorted. */
static int gather(struct imgview *iv, struct list *l)
{
	img_handle root;
	struct fsview_stat st;
	if (imgview_lookup(iv, "/", 0, &root, &st) < 0) {
		diag_error_at(iv->path, 0, "/: %s", strerror(errno));
		return -1;
	}
	add(l, "/", root, &st);
	if (imgview_walk(iv, root, "/", 1, collect, l))
		return -1;
	qsort(l->e, l->n, sizeof(*l->e), by_path);
	return 0;
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
}

void diff_free(struct diff *d)
{
	if (!d)
		return;
	free_list(&d->la);
	free_list(&d->lb);
	free(d->ba);
	free(d->bb);
	free(d);
}

struct diff *diff_open(struct imgview *a, struct imgview *b)
{
	struct diff *d = xcalloc(1, sizeof(*d));
	d->a = a;
	d->b = b;
	if (gather(a, &d->la) || gather(b, &d->lb)) {
		diff_free(d);
		return NULL;
	}
	d->ba = xmalloc(CHUNK);
	d->bb = xmalloc(CHUNK);
	return d;
}

int diff_sha256(struct imgview *iv, img_handle h, const char *path, uint64_t size,
		char out[65])
{
	static char buf[CHUNK];
	struct sha256 c;
	sha256_init(&c);
	for (uint64_t off = 0; off < size;) {
		ssize_t got = imgview_pread(iv, h, buf, sizeof(buf), off);
		if (got <= 0) {
			diag_error_at(iv->path, 0, "%s: cannot read: %s", path,
				      got < 0 ? strerror(errno) : "short file");
			return -1;
		}
		sha256_update(&c, buf, (size_t)got);
		off += (uint64_t)got;
	}
	sha256_final_hex(&c, out);
	return 0;
}

/* Regular file contents: 1 differ, 0 same, -1 unreadable (message printed). */
static int content_differs(struct diff *d, const struct entry *ea, const struct entry *eb)
{
	for (uint64_t off = 0; off < ea->st.size;) {
		ssize_t ga = imgview_pread(d->a, ea->h, d->ba, CHUNK, off);
		ssize_t gb = imgview_pread(d->b, eb->h, d->bb, CHUNK, off);
		if (ga <= 0 || gb <= 0) {
			diag_error_at(ga <= 0 ? d->a->path : d->b->path, 0, "%s: cannot read: %s",
				      ea->path, (ga < 0 || gb < 0) ? strerror(errno) : "short file");
			return -1;
		}
		size_t n = (size_t)(ga < gb ? ga : gb);
		if (memcmp(d->ba, d->bb, n))
			return 1;
		off += n;
	}
	return 0;
}

/* A file's extended attributes by name, values in getfattr's words. */
struct xattr_list {
	char **name, **value;
	size_t n;
};

static int collect_xattr(const char *name, const void *value, size_t len, void *arg)
{
	struct xattr_list *l = arg;
	l->name = xrealloc(l->name, (l->n + 1) * sizeof(*l->name));
	l->value = xrealloc(l->value, (l->n + 1) * sizeof(*l->value));
	l->name[l->n] = xstrdup(name);
	l->value[l->n++] = xattr_value_format(value, len);
	return 0;
}

static void free_xattrs(struct xattr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->name[i]);
		free(l->value[i]);
	}
	free(l->name);
	free(l->value);
}

/* The extended attributes added, removed or changed into *OUT, *N. 0, or -1 after a
 * message when one side's are unreadable. */
static int compare_xattrs(struct diff *d, const struct entry *ea, const struct entry *eb,
			  struct diff_xattr **out, size_t *n)
{
	struct xattr_list x = { 0 }, y = { 0 };
	int ra = imgview_xattrs(d->a, ea->h, collect_xattr, &x);
	int rb = ra ? 0 : imgview_xattrs(d->b, eb->h, collect_xattr, &y);
	if (ra || rb)
		diag_error_at(ra ? d->a->path : d->b->path, 0,
			      "%s: cannot read extended attributes: %s", ea->path, strerror(errno));
	for (size_t i = 0, j = 0; !ra && !rb && (i < x.n || j < y.n);) {
		int c = i == x.n ? 1 : j == y.n ? -1 : strcmp(x.name[i], y.name[j]);
		const char *name = c <= 0 ? x.name[i] : y.name[j];
		const char *from = c <= 0 ? x.value[i] : "(none)";
		const char *to = c >= 0 ? y.value[j] : "(none)";
		i += c <= 0;
		j += c >= 0;
		if (strcmp(from, to)) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = (struct diff_xattr){ xstrdup(name), xstrdup(from),
							       xstrdup(to) };
		}
	}
	free_xattrs(&x);
	free_xattrs(&y);
	return ra || rb ? -1 : 0;
}

/* What differs about one path in both images into *IT. 0; 1 when only its extended
 * attributes could not be read; -1 on other read errors (messages printed). */
static int compare(struct diff *d, const struct entry *ea, const struct entry *eb,
		   struct diff_item *it)
{
	const struct fsview_stat *x = &ea->st, *y = &eb->st;
	it->changed = 0;
	if (x->type != y->type)
		it->changed |= DIFF_TYPE;
	else if (x->type == NODE_REG) {
		int r = x->size != y->size ? 1 : content_differs(d, ea, eb);
		if (r < 0)
			return -1;
		it->changed |= r ? DIFF_CONTENT : 0;
	} else if (x->type == NODE_SYMLINK) {
		if (imgview_readlink(d->a, ea->h, d->ta, sizeof(d->ta)) < 0 ||
		    imgview_readlink(d->b, eb->h, d->tb, sizeof(d->tb)) < 0) {
			diag_error("%s: cannot read the link in both images: %s", ea->path,
				   strerror(errno));
			return -1;
		}
		it->changed |= strcmp(d->ta, d->tb) ? DIFF_TARGET : 0;
	}
	if (x->mode != y->mode)
		it->changed |= DIFF_MODE;
	if (x->uid != y->uid || x->gid != y->gid)
		it->changed |= DIFF_OWNER;
	if (x->type == y->type && (x->type == NODE_CHR || x->type == NODE_BLK) &&
	    (x->major != y->major || x->minor != y->minor))
		it->changed |= DIFF_DEVICE;
	struct diff_xattr *xa = NULL;
	size_t n = 0;
	int rc = compare_xattrs(d, ea, eb, &xa, &n) ? 1 : 0;
	it->xattrs = xa;
	it->nxattrs = n;
	it->changed |= n ? DIFF_XATTR : 0;
	return rc;
}

static void free_item_xattrs(struct diff_item *it)
{
	struct diff_xattr *xa = (struct diff_xattr *)it->xattrs;
	for (size_t i = 0; i < it->nxattrs; i++) {
		free(xa[i].name);
		free(xa[i].from);
		free(xa[i].to);
	}
	free(xa);
}

int diff_each(struct diff *d, int (*fn)(const struct diff_item *it, void *arg), void *arg)
{
	const struct list *la = &d->la, *lb = &d->lb;
	size_t i = 0, j = 0;
	int rc = 0;
	while (!rc && (i < la->n || j < lb->n)) {
		int order = i == la->n ? 1 : j == lb->n ? -1 : strcmp(la->e[i].path, lb->e[j].path);
		struct diff_item it = { .what = order < 0 ? '-' : order > 0 ? '+' : '~' };
		const struct entry *ea = order <= 0 ? &la->e[i++] : NULL;
		const struct entry *eb = order >= 0 ? &lb->e[j++] : NULL;
		it.path = ea ? ea->path : eb->path;
		if (ea)
			it.a = (struct diff_side){ d->a, ea->h, &ea->st };
		if (eb)
			it.b = (struct diff_side){ d->b, eb->h, &eb->st };
		int bad = 0;
		if (ea && eb) {
			it.target_a = d->ta;
			it.target_b = d->tb;
			if ((bad = compare(d, ea, eb, &it)) < 0)
				return -1;
		}
		if (!(ea && eb) || it.changed)
			rc = fn(&it, arg) ? -1 : 0;
		free_item_xattrs(&it);
		if (bad)
			rc = -1;
	}
	return rc;
}
