/* systemd from Debian packages or a staged tree.
 *
 *   debs = "../out/debs/systemd-arm64";  # every *.deb there, in name order (`make debs`)
 *   staged = "/path/to/destdir";         # a `make install DESTDIR=` tree of systemd
 *
 * Packages are imported like `archive` entries at "/": symlinks already in the tree are
 * followed, so Debian's /lib and /sbin members land in a merged /usr. Their maintainer
 * scripts are not run; what those would do that matters at boot (system users, enabling)
 * the section does itself. */
#include "systemd_source.h"
#include "archive_in.h"
#include "diag.h"
#include "hostfs.h"
#include "schema.h"

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

static int import_debs(const config_setting_t *at, struct layout_ctx *ctx)
{
	char *dir = layout_host_path(at, config_setting_get_string(at));
	struct dirent **ents;
	int n = scandir(dir, &ents, is_deb, alphasort), rc = 0;
	if (n <= 0) {
		schema_error(at, "%s: %s (the packages are fetched by `make debs`)", dir,
			     n < 0 ? strerror(errno) : "no .deb files");
		free(dir);
		return -1;
	}
	struct archive_import opt = {
		.where = layout_origin(ctx, at), .clamp = ctx->img.timestamp, .uid = -1, .gid = -1,
	};
	for (int i = 0; i < n; i++) {
		char *deb = xasprintf("%s/%s", dir, ents[i]->d_name);
		rc |= archive_import(ctx->tree, NULL, deb, &opt);
		free(deb);
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return rc;
}

static int import_staged(const config_setting_t *at, struct layout_ctx *ctx)
{
	char *dir = layout_host_path(at, config_setting_get_string(at));
	struct hostfs_opts o = { .mode = -1, .origin = layout_origin(ctx, at) };
	int rc = hostfs_import(ctx->tree, "/", dir, &o);
	free(dir);
	return rc;
}

int systemd_source_apply(const config_setting_t *s, struct layout_ctx *ctx)
{
	const config_setting_t *debs = config_setting_get_member(s, "debs");
	const config_setting_t *staged = config_setting_get_member(s, "staged");
	if (!debs && !staged)
		return 0;
	if (debs && staged) {
		schema_error(staged, "systemd: name one source of systemd, 'debs' or 'staged'");
		return -1;
	}
	const config_setting_t *at = debs ? debs : staged;
	if (debs ? import_debs(debs, ctx) : import_staged(staged, ctx))
		return -1;

	const char *manager = NULL;
	for (size_t i = 0; manager_paths[i] && !manager; i++) {
		const struct node *n = tree_lookup(ctx->tree, NULL, manager_paths[i], TREE_FOLLOW);
		if (n && n->type == NODE_REG)
			manager = manager_paths[i];
	}
	if (!manager) {
		schema_error(at, "systemd: %s brought no systemd manager (%s)",
			     config_setting_get_string(at), manager_paths[0]);
		return -1;
	}
	if (tree_lookup(ctx->tree, NULL, "/sbin/init", 0))
		return 0;
	struct node *init = tree_node_new(ctx->tree, NODE_SYMLINK, layout_origin(ctx, at));
	init->mode = 0777;
	init->u.lnk.target = tree_strdup(ctx->tree, manager);
	const char *why;
	if (tree_add(ctx->tree, NULL, "/sbin/init", init, 0, &why)) {
		schema_error(at, "/sbin/init: %s", why);
		return -1;
	}
	return 0;
}
