/* systemd from Debian packages or a staged tree.
 *
 *   debs = "../out/debs/systemd-arm64";  # every *.deb there, in name order (`make debs`)
 *   staged = "/path/to/destdir";         # a `make install DESTDIR=` tree of systemd
 *   exclude = [ "usr/share/man" ];       # either one filtered (include, exclude)
 *
 * Packages are imported like `archive` entries at "/": symlinks already in the tree are
 * followed, so Debian's /lib and /sbin members land in a merged /usr. Their maintainer
 * scripts are not run; what those would do that matters at boot (system users, enabling)
 * the section does itself. */
#include "sections/systemd_source.h"
#include "io/archive_in.h"
#include "base/diag.h"
#include "io/hostfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The systemd manager, where a merged or a classic layout puts it. */
static const char *const manager_paths[] = { "/usr/lib/systemd/systemd", "/lib/systemd/systemd",
	NULL };

static int is_deb(const struct dirent *d)
{
	size_t l = strlen(d->d_name);
	return d->d_name[0] != '.' && l > 4 && !strcmp(d->d_name + l - 4, ".deb");
}

static int import_debs(const struct conf *at, struct pathfilter *f, struct tree *t,
		       int64_t clamp)
{
	char *dir = conf_host_path(at, at->str);
	struct dirent **ents;
	int n = scandir(dir, &ents, is_deb, alphasort), rc = 0;
	if (n <= 0) {
		conf_error(at, "%s: %s (the packages are fetched by `make debs`)", dir,
			     n < 0 ? strerror(errno) : "no .deb files");
		free(dir);
		return -1;
	}
	struct archive_import opt = {
		.where = tree_strdup(t, conf_where(at)), .clamp = clamp, .uid = -1, .gid = -1,
		.filter = f,
	};
	for (int i = 0; i < n; i++) {
		char *deb = xasprintf("%s/%s", dir, ents[i]->d_name);
		rc |= archive_import(t, NULL, deb, &opt);
		free(deb);
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return rc;
}

static int import_staged(const struct conf *at, struct pathfilter *f, struct tree *t)
{
	char *dir = conf_host_path(at, at->str);
	struct hostfs_opts o = { .mode = -1, .origin = tree_strdup(t, conf_where(at)),
				 .filter = f };
	int rc = hostfs_import(t, "/", dir, &o);
	free(dir);
	return rc;
}

int systemd_source_apply(const struct conf *at, int debs, struct pathfilter *f,
			 struct tree *t, int64_t clamp)
{
	if (!at)
		return 0;
	if (debs ? import_debs(at, f, t, clamp) : import_staged(at, f, t))
		return -1;

	const char *manager = NULL;
	for (size_t i = 0; manager_paths[i] && !manager; i++) {
		const struct node *n = tree_lookup(t, NULL, manager_paths[i], TREE_FOLLOW);
		if (n && n->type == NODE_REG)
			manager = manager_paths[i];
	}
	if (!manager) {
		conf_error(at, "systemd: %s brought no systemd manager (%s)", at->str,
			   manager_paths[0]);
		return -1;
	}
	if (tree_lookup(t, NULL, "/sbin/init", 0))
		return 0;
	struct node *init = tree_node_new(t, NODE_SYMLINK, tree_strdup(t, conf_where(at)));
	init->mode = 0777;
	init->u.lnk.target = tree_strdup(t, manager);
	const char *why;
	if (tree_add(t, NULL, "/sbin/init", init, 0, &why)) {
		conf_error(at, "/sbin/init: %s", why);
		return -1;
	}
	return 0;
}
