/* fsview over a tree being composed. */
#include "model/fsview.h"
#include "model/hostsrc.h"
#include "base/diag.h"

#include <errno.h>
#include <string.h>

void fsview_node_stat(const struct node *n, struct fsview_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = n->type;
	st->mode = n->mode;
	st->uid = n->uid;
	st->gid = n->gid;
	st->mtime = n->mtime;
	st->nlink = n->nlink;
	st->id = (uint64_t)(uintptr_t)n;
	if (n->type == NODE_REG)
		st->size = n->u.reg.size;
	else if (n->type == NODE_SYMLINK)
		st->size = strlen(n->u.lnk.target);
	else if (n->type == NODE_CHR || n->type == NODE_BLK) {
		st->major = n->u.dev.major;
		st->minor = n->u.dev.minor;
	}
}

static int tv_stat(void *ctx, const char *path, int follow, struct fsview_stat *st)
{
	struct node *n = tree_lookup(ctx, NULL, path, follow ? TREE_FOLLOW : 0);
	if (!n)
		return -1;
	fsview_node_stat(n, st);
	return 0;
}

static ssize_t tv_pread(void *ctx, const char *path, void *buf, size_t len, uint64_t off)
{
	struct node *n = tree_lookup(ctx, NULL, path, TREE_FOLLOW);
	if (!n)
		return -1;
	if (n->type != NODE_REG) {
		errno = n->type == NODE_DIR ? EISDIR : EINVAL;
		return -1;
	}
	return node_pread(n, buf, len, off);
}

static int tv_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	struct node *n = tree_lookup(ctx, NULL, path, 0);
	if (!n)
		return -1;
	if (n->type != NODE_SYMLINK) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(n->u.lnk.target) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, n->u.lnk.target);
	return 0;
}

struct walk_arg {
	int (*fn)(const char *path, const struct fsview_stat *st, void *arg);
	void *arg;
};

static int visit(const char *path, const struct dentry *d, void *ctx)
{
	struct walk_arg *w = ctx;
	struct fsview_stat st;
	fsview_node_stat(d->node, &st);
	return w->fn(path, &st, w->arg);
}

static int tv_walk(void *ctx, int (*fn)(const char *path, const struct fsview_stat *st,
					void *arg), void *arg)
{
	struct walk_arg w = { fn, arg };
	return tree_walk(ctx, visit, &w);
}

int node_xattrs(const struct node *n, fsview_xattr_fn fn, void *arg)
{
	int rc = 0;
	for (size_t i = 0; n->xattrs && i < n->xattrs->n && !rc; i++)
		rc = fn(n->xattrs->v[i].name, n->xattrs->v[i].value, n->xattrs->v[i].len, arg);
	return rc;
}

static int tv_xattrs(void *ctx, const char *path, fsview_xattr_fn fn, void *arg)
{
	const struct node *n = tree_lookup(ctx, NULL, path, 0);
	return n ? node_xattrs(n, fn, arg) : -1;
}

void fsview_tree_init(struct fsview *v, struct tree *t)
{
	v->ctx = t;
	v->stat = tv_stat;
	v->pread = tv_pread;
	v->readlink = tv_readlink;
	v->walk = tv_walk;
	v->xattrs = tv_xattrs;
}
