/* Tree checks. A symlink loop is legal to store but useless to ship; say so. */
#include "treecheck.h"
#include "diag.h"

#include <errno.h>

struct loops {
	struct tree *t;
	int strict, errors;
};

static int visit(const char *path, const struct dentry *d, void *ctx)
{
	struct loops *l = ctx;
	if (d->node->type != NODE_SYMLINK)
		return 0;
	if (tree_lookup(l->t, NULL, path, TREE_FOLLOW) || errno != ELOOP)
		return 0;
	if (l->strict) {
		diag_error_at(d->node->origin, 0, "%s -> %s: symlink loop", path,
			      d->node->u.lnk.target);
		l->errors++;
	} else {
		diag_warn_at(d->node->origin, 0, "%s -> %s: symlink loop", path,
			     d->node->u.lnk.target);
	}
	return 0;
}

int treecheck_symlinks(struct tree *t, int strict)
{
	struct loops l = { t, strict, 0 };
	tree_walk(t, visit, &l);
	return l.errors;
}
