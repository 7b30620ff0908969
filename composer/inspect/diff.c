/* diff: both images walked once, entries merged by path, files compared through their
 * handles (content, not inode layout). */
#include "inspect/diff.h"
#include "base/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *path;
	img_handle h;
	struct fsview_stat st;
};

struct list {
	struct entry *e;
	size_t n, cap;
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

/* Regular file contents: 1 differ, 0 same, -1 unreadable (message printed). */
static int content_differs(struct imgview *a, struct imgview *b, const struct entry *ea,
			   const struct entry *eb, char *ba, char *bb, size_t chunk)
{
	for (uint64_t off = 0; off < ea->st.size;) {
		ssize_t ga = imgview_pread(a, ea->h, ba, chunk, off);
		ssize_t gb = imgview_pread(b, eb->h, bb, chunk, off);
		if (ga <= 0 || gb <= 0) {
			diag_error_at(ga <= 0 ? a->path : b->path, 0, "%s: cannot read: %s",
				      ea->path, (ga < 0 || gb < 0) ? strerror(errno) : "short file");
			return -1;
		}
		size_t n = (size_t)(ga < gb ? ga : gb);
		if (memcmp(ba, bb, n))
			return 1;
		off += n;
	}
	return 0;
}

struct cmp {
	struct imgview *a, *b;
	char *ba, *bb;
	size_t chunk;
	char ta[4200], tb[4200];
};

/* What differs about one path in both images into *D. 0, or -1 on read errors. */
static int compare(struct cmp *c, const struct entry *ea, const struct entry *eb,
		   struct diff_item *d)
{
	const struct fsview_stat *x = &ea->st, *y = &eb->st;
	*d = (struct diff_item){ '~', ea->path, x, y, 0, c->ta, c->tb };
	if (x->type != y->type)
		d->changed |= DIFF_TYPE;
	else if (x->type == NODE_REG) {
		int r = x->size != y->size ? 1 :
			content_differs(c->a, c->b, ea, eb, c->ba, c->bb, c->chunk);
		if (r < 0)
			return -1;
		d->changed |= r ? DIFF_CONTENT : 0;
	} else if (x->type == NODE_SYMLINK) {
		if (imgview_readlink(c->a, ea->h, c->ta, sizeof(c->ta)) < 0 ||
		    imgview_readlink(c->b, eb->h, c->tb, sizeof(c->tb)) < 0) {
			diag_error("%s: cannot read the link in both images: %s", ea->path,
				   strerror(errno));
			return -1;
		}
		d->changed |= strcmp(c->ta, c->tb) ? DIFF_TARGET : 0;
	}
	if (x->mode != y->mode)
		d->changed |= DIFF_MODE;
	if (x->uid != y->uid || x->gid != y->gid)
		d->changed |= DIFF_OWNER;
	if (x->type == y->type && (x->type == NODE_CHR || x->type == NODE_BLK) &&
	    (x->major != y->major || x->minor != y->minor))
		d->changed |= DIFF_DEVICE;
	return 0;
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
}

int diff_images(struct imgview *a, struct imgview *b, diff_fn fn, void *arg)
{
	struct list la = { 0 }, lb = { 0 };
	int rc = gather(a, &la) || gather(b, &lb) ? -1 : 0;
	struct cmp *c = xcalloc(1, sizeof(*c));
	c->a = a;
	c->b = b;
	c->chunk = 1 << 16;
	c->ba = xmalloc(c->chunk);
	c->bb = xmalloc(c->chunk);
	size_t i = 0, j = 0;
	while (!rc && (i < la.n || j < lb.n)) {
		int order = i == la.n ? 1 : j == lb.n ? -1 : strcmp(la.e[i].path, lb.e[j].path);
		struct diff_item d;
		if (order < 0) {
			d = (struct diff_item){ '-', la.e[i].path, &la.e[i].st, NULL, 0, NULL, NULL };
			i++;
		} else if (order > 0) {
			d = (struct diff_item){ '+', lb.e[j].path, NULL, &lb.e[j].st, 0, NULL, NULL };
			j++;
		} else if ((rc = compare(c, &la.e[i++], &lb.e[j++], &d)) < 0 || !d.changed) {
			continue;
		}
		fn(&d, arg);
	}
	free(c->ba);
	free(c->bb);
	free(c);
	free_list(&la);
	free_list(&lb);
	return rc;
}
