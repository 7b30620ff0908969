/* The systemd section's tree, written out as a host directory so shell tests can hold it
 * against systemctl, systemd-analyze and systemd-sysusers.
 *   systemd_tree LAYOUT DIR   load LAYOUT, write its tree into DIR, exit with load's code
 *   systemd_tree              self test: the project's units, enabled */
#include "base/diag.h"
#include "layout/layout.h"
#include "sections/systemd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *outdir;

static int dump(const char *path, const struct dentry *d, void *ctx)
{
	(void)ctx;
	char *p = xasprintf("%s%s", outdir, path);
	const struct node *n = d->node;
	int rc = 0;
	if (n->type == NODE_DIR) {
		rc = mkdir(p, 0755) && errno != EEXIST;
	} else if (n->type == NODE_SYMLINK) {
		rc = symlink(n->u.lnk.target, p);
	} else if (n->type == NODE_REG) {
		FILE *f = fopen(p, "wb");
		char buf[65536];
		ssize_t r = 1;
		for (uint64_t off = 0; f && off < n->u.reg.size && r > 0; off += (uint64_t)r)
			if ((r = node_pread(n, buf, sizeof(buf), off)) > 0)
				rc |= fwrite(buf, 1, (size_t)r, f) != (size_t)r;
		rc |= !f || r < 0 || fclose(f);
		rc |= chmod(p, n->mode);
	}
	if (rc)
		fprintf(stderr, "%s: %s\n", p, strerror(errno));
	free(p);
	return rc;
}

static int self_test(void)
{
	const char *top = getenv("TOP");
	if (!top) {
		fprintf(stderr, "run through tests/run (TOP unset)\n");
		return 1;
	}
	FILE *f = fopen("self.cfg", "w");
	if (!f)
		return 1;
	fprintf(f, "image = { name = \"t\"; };\nsystemd = { units = [ \"%s/units\" ];\n"
		"  enable = [ \"bash.service\", \"fs_server.service\" ];\n"
		"  caps_cfg = \"%s/cfg/bash.cfg\"; };\n", top, top);
	if (fclose(f))
		return 1;
	struct layout_ctx ctx;
	int rc = layout_load("self.cfg", &ctx);
	struct node *l = rc ? NULL : tree_lookup(ctx.tree, NULL,
		"/etc/systemd/system/multi-user.target.wants/fs_server.service", 0);
	struct node *m = rc ? NULL : tree_lookup(ctx.tree, NULL, "/etc/machine-id", 0);
	int ok = l && l->type == NODE_SYMLINK &&
		 !strcmp(l->u.lnk.target, "/usr/lib/systemd/system/fs_server.service") &&
		 m && m->type == NODE_REG && m->u.reg.size == 0;
	if (!rc) {
		/* A unit some package brought is not the layout's to sanity-check, even strict;
		 * the same text from the layout's units directory is. */
		static const char text[] = "[Unit]\nRequires=ghost.service\n";
		struct node *pkg = tree_node_new(ctx.tree, NODE_REG, "pkg.deb: ./x");
		pkg->u.reg.kind = SRC_MEM;
		pkg->u.reg.mem = text;
		pkg->u.reg.size = sizeof(text) - 1;
		const char *why;
		ok &= !tree_add(ctx.tree, NULL, "/usr/lib/systemd/system/pkg.service", pkg, 0, &why);
		static const char *const progs[] = { "/boot/fs_server", "/boot/net_server",
			"/boot/epoll_server", "/boot/fd_server", "/boot/aio_server", "/bin/bash", NULL };
		for (size_t i = 0; progs[i]; i++) {
			struct node *x = tree_node_new(ctx.tree, NODE_REG, "test");
			x->mode = 0755;
			ok &= !tree_add(ctx.tree, NULL, progs[i], x, 0, &why);
		}
		ctx.img.strict = 1;
		const config_setting_t *s = config_lookup(ctx.cfg, "systemd");
		ok &= s && systemd_section.check(s, &ctx) == 0;
		struct node *own = tree_lookup(ctx.tree, NULL, "/usr/lib/systemd/system/fs_server.service", 0);
		pkg->origin = own->origin;
		ok &= systemd_section.check(s, &ctx) == -1;
	}
	layout_free(&ctx);
	if (!ok)
		fprintf(stderr, "self test: rc %d, link or machine-id wrong\n", rc);
	return !ok;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc != 3) {
		fprintf(stderr, "usage: systemd_tree LAYOUT DIR\n");
		return 2;
	}
	struct layout_ctx ctx;
	int rc = layout_load(argv[1], &ctx);
	outdir = argv[2];
	if (ctx.tree) {
		tree_freeze(ctx.tree);
		if (tree_walk(ctx.tree, dump, NULL))
			rc = rc ? rc : 1;
	}
	layout_free(&ctx);
	return rc;
}
