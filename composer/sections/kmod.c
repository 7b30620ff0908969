/* The "kmods" layout section: kernel modules for an initramfs.
 *
 *   kmods = { dir = "kernel/lib/modules/6.1.0-50-arm64";   # host module tree, after depmod
 *             load = ["virtio_mmio", "virtio_blk", "ext4"];
 *             dest = "/lib/modules/6.1.0-50-arm64"; };      # optional, this is the default
 *
 * Adds what modprobe would load for each name (a module, '-' and '_' alike, or an alias):
 * the modules, their dependencies and soft dependencies (io/kmodtree, through libkmod),
 * under DEST, and writes /etc/modules.order: their image paths, one a line, in modprobe's
 * load order, for the initramfs /init to load in that order; a '?' before the path marks
 * a module only soft dependencies bring, which modprobe lets fail. A module built into the
 * kernel is skipped. Parse only checks the settings; the tree is read in apply. */
#include "sections/section.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "io/kmodtree.h"
#include "model/hostsrc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct key kmod_keys[] = {
	{ "dir", KEY_STRING, 1 },
	{ "load", KEY_STRINGS, 1 },
	{ "dest", KEY_STRING, 0 },
	{ NULL, 0, 0 },
};

static int resolve_one(const struct conf *at, const char *name, void *arg)
{
	struct kmodtree *k = arg;
	const char *why;
	int rc = kmodtree_add(k, name, &why);
	if (rc == 1) {
		const char *best = kmodtree_closest(k, name);
		conf_error(at, "kmods: no module or alias '%s' in %s%s%s%s", name, k->dir,
			   best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
	} else if (rc) {
		conf_error(at, "kmods: %s: %s", name, why);
	}
	return rc ? -1 : 0;
}

static int add_file(struct section_ctx *ctx, const char *origin, const char *path,
		    struct node *n)
{
	const char *why = NULL;
	if (tree_add(ctx->tree, NULL, path, n, 0, &why) != 0) {
		diag_error("%s: kmods: cannot add %s: %s", origin, path, why ? why : strerror(errno));
		return -1;
	}
	return 0;
}

/* One module file, from the host modules dir, at DEST/PATH. */
static int add_module(struct kmodtree *k, const char *dest, const char *rel, const char *origin,
		      struct section_ctx *ctx)
{
	char *host = xasprintf("%s/%s", k->dir, rel);
	struct stat st;
	/* Opened later relative to the modules directory held open now, and checked to be
	 * the file stat saw here (model/hostsrc). */
	struct hostdir *d = hostdir_root(ctx->tree, k->dir, 1, NULL);
	const char *bad = !d || host_stat(d, rel, &st) != 0 ? strerror(errno)
			  : !S_ISREG(st.st_mode) ? "not a regular file"
						 : NULL;
	if (bad)
		diag_error("%s: kmods: %s: %s", origin, host, bad);
	free(host);
	if (bad)
		return -1;
	struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
	node_set_host(n, d, tree_strdup(ctx->tree, rel), &st);
	char *path = xasprintf("%s/%s", dest, rel);
	int rc = add_file(ctx, origin, path, n);
	free(path);
	return rc;
}

/* Put the ordered modules under DEST and list their image paths in /etc/modules.order. */
static int install(struct kmodtree *k, const char *dest, const char *origin,
		   struct section_ctx *ctx)
{
	char *list = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&list, &len);
	if (!m) {
		diag_error("kmods: %s", strerror(errno));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < k->norder && rc == 0; i++) {
		rc = add_module(k, dest, k->order[i].path, origin, ctx);
		fprintf(m, "%s%s/%s\n", k->order[i].required ? "" : "?", dest, k->order[i].path);
	}
	if (fclose(m) != 0) {
		diag_error("kmods: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		struct node *n = tree_node_new(ctx->tree, NODE_REG, origin);
		n->src = SRC_MEM;
		n->u.reg.mem = tree_strdup(ctx->tree, list);
		n->u.reg.size = len;
		rc = add_file(ctx, origin, "/etc/modules.order", n);
	}
	free(list);
	return rc;
}

/* What the section says, checked. */
struct kmod_plan {
	const struct conf *at;
	char *dir;              /* host modules dir */
	const char *dest;       /* NULL: /lib/modules/<the dir's name> */
	const struct conf *load;
};

static int kmod_parse(const struct conf *s, const struct image_params *img, void **plan)
{
	(void)img;
	if (!s)
		return 0;
	const char *dir = NULL, *dest = NULL;
	conf_lookup_string(s, "dir", &dir);
	conf_lookup_string(s, "dest", &dest);
	if (dest && section_image_path(conf_member(s, "dest"), "kmods.dest", dest))
		return -1;
	struct kmod_plan *p = xcalloc(1, sizeof(*p));
	p->at = s;
	p->dir = conf_host_path(s, dir);
	p->dest = dest;
	p->load = conf_member(s, "load");
	*plan = p;
	return 0;
}

static void kmod_free(void *plan)
{
	struct kmod_plan *p = plan;
	if (p)
		free(p->dir);
	free(p);
}

/* The root of the package the module tree DIR (ROOT/lib/modules/VERSION) comes from, for
 * its modprobe.d (malloc'd), or NULL when DIR is not in such a tree. */
static char *package_root(const char *dir)
{
	const char *v = strrchr(dir, '/');
	size_t len = v ? (size_t)(v - dir) : 0;
	if (len < strlen("/lib/modules") || strncmp(dir + len - 12, "/lib/modules", 12))
		return NULL;
	return len == 12 ? xstrdup("/") : xasprintf("%.*s", (int)(len - 12), dir);
}

static int kmod_apply(void *plan, struct section_ctx *ctx)
{
	const struct kmod_plan *p = plan;
	const char *dest = p->dest;
	const char *origin = tree_strdup(ctx->tree, conf_where(p->at));
	char real[PATH_MAX];
	if (!realpath(p->dir, real)) {
		conf_error(conf_member(p->at, "dir"), "kmods: %s: %s", p->dir, strerror(errno));
		return -1;
	}
	/* The path as written too: a symlink pointed at another tree changes the image. */
	inputs_note_path(p->dir, 0);
	char *root = package_root(real);
	struct kmodtree k;
	const char *why;
	int rc = kmodtree_open(&k, real, root, &why);
	free(root);
	if (rc) {
		conf_error(conf_member(p->at, "dir"), "kmods: %s: %s", real, why);
		return -1;
	}
	char *dest_default = NULL;
	if (!dest)
		dest = dest_default = xasprintf("/lib/modules/%s", strrchr(real, '/') + 1);
	rc = conf_each_string(p->load, resolve_one, &k);
	if (rc == 0)
		rc = install(&k, dest, origin, ctx);
	if (rc == 0)
		diag_info("kmods: %zu modules from %s (%u built in)", k.norder, real, k.builtin);
	kmodtree_close(&k);
	free(dest_default);
	return rc;
}

const struct section kmod_section = { "kmods", kmod_keys, kmod_parse, kmod_apply, kmod_free };
