/* The symlinks check: a symlink that can never resolve inside the image (a loop) is legal
 * to store but useless to ship; a warning. */
#include "checks/check.h"
#include "base/diag.h"

#include <errno.h>
#include <limits.h>

static int visit(const char *path, const struct fsview_stat *st, void *arg)
{
	struct check_ctx *c = arg;
	struct fsview_stat to;
	char target[PATH_MAX];
	if (st->type != NODE_SYMLINK)
		return 0;
	if (!c->view->stat(c->view->ctx, path, 1, &to) || errno != ELOOP)
		return 0;
	if (c->view->readlink(c->view->ctx, path, target, sizeof(target)) < 0)
		target[0] = 0;
	const struct dentry *d = c->tree ? tree_lookup_dentry(c->tree, path) : NULL;
	diag_warn_at(d ? d->node->origin : NULL, 0, "%s -> %s: symlink loop", path, target);
	return 0;
}

int check_symlinks(struct check_ctx *c)
{
	return c->view->walk(c->view->ctx, visit, c) < 0 ? -1 : 0;
}
