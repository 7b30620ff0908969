/* The systemd section's tree, written out as a host directory so shell tests can hold it
 * against systemctl, systemd-analyze and systemd-sysusers.
 *   systemd_tree LAYOUT DIR   compose_build LAYOUT (parse, apply, checks), write its tree
 *                             into DIR, exit with compose_build's code
 *   systemd_tree              self test: the project's units, enabled; which units the
 *                             compose-time sanity check covers */
#include "base/diag.h"
#include "model/hostsrc.h"
#include "compose/pipeline.h"
#include "harness.h"

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

static const char *msgs;

/* compose_build of the layout FILE, its reports in msgs. */
static int build(const char *file, struct composition *c)
{
	capture_begin();
	int rc = compose_build(file, NULL, c);
	msgs = capture_end();
	return rc;
}

/* The programs the project's units start, so a strict build has nothing else to say. */
static const char programs[] =
	"entries = (\n"
	"  { type = \"text\"; path = \"/boot/fs_server\"; text = \"x\"; mode = \"0755\"; },\n"
	"  { type = \"text\"; path = \"/boot/net_server\"; text = \"x\"; mode = \"0755\"; },\n"
	"  { type = \"text\"; path = \"/boot/epoll_server\"; text = \"x\"; mode = \"0755\"; },\n"
	"  { type = \"text\"; path = \"/boot/fd_server\"; text = \"x\"; mode = \"0755\"; },\n"
	"  { type = \"text\"; path = \"/boot/aio_server\"; text = \"x\"; mode = \"0755\"; },\n"
	"  { type = \"text\"; path = \"/bin/bash\"; text = \"x\"; mode = \"0755\"; },\n"
	"  { type = \"archive\"; path = \"/\"; source = \"pkg.tar\"; }\n"
	");\n";

/* A unit that needs a unit nobody has. */
static const char ghost[] = "[Unit]\nRequires=ghost.service\n[Service]\nExecStart=/bin/true\n"
	"[Install]\nWantedBy=multi-user.target\n";

static int self_test(void)
{
	const char *top = getenv("TOP");
	if (!top) {
		fprintf(stderr, "run through tests/run (TOP unset)\n");
		return 1;
	}
	write_file("self.cfg", "image = { name = \"t\"; };\nsystemd = { units = [ \"%s/units\" ];\n"
		   "  enable = [ \"bash.service\", \"fs_server.service\" ];\n"
		   "  caps_cfg = \"%s/cfg/bash.cfg\"; };\n", top, top);
	struct composition c;
	int rc = build("self.cfg", &c);
	CHECK(rc == EXIT_OK, "exit %d: %s", rc, msgs);
	struct node *l = c.tree ? tree_lookup(c.tree, NULL,
		"/etc/systemd/system/multi-user.target.wants/fs_server.service", 0) : NULL;
	struct node *m = c.tree ? tree_lookup(c.tree, NULL, "/etc/machine-id", 0) : NULL;
	CHECK(l && l->type == NODE_SYMLINK &&
	      !strcmp(l->u.lnk.target, "/usr/lib/systemd/system/fs_server.service"),
	      "enable link %s", l && l->type == NODE_SYMLINK ? l->u.lnk.target : "missing");
	CHECK(m && m->type == NODE_REG && m->u.reg.size == 0 && m->mode == 0444, "machine-id");
	/* Enabled units are checked: their programs are not in the image (warnings) ... */
	assert_has("bash.service:10: warning: ExecStart=/bin/bash: program not in the image");
	/* ... unless a condition that fails in the image skips the unit at boot. */
	assert_lacks("ExecStart=/boot/fs_server");
	compose_free(&c);

	/* A unit some package brought is not the layout's to sanity-check, even strict ... */
	if (system("rm -rf pkg units && mkdir -p pkg/usr/lib/systemd/system units && "
		   "tar -cf pkg.tar -C pkg . && cp \"$TOP\"/units/* units/")) {
		fprintf(stderr, "cannot make the scratch files\n");
		return 1;
	}
	write_file("pkg/usr/lib/systemd/system/pkg.service", "%s", ghost);
	if (system("tar -cf pkg.tar -C pkg .")) {
		fprintf(stderr, "cannot make pkg.tar\n");
		return 1;
	}
	const char *layout = "image = { name = \"t\"; strict = true; };\n%s"
		"systemd = { units = [ \"units\" ]; enable = [ %s ];\n"
		"  caps_cfg = \"%s/cfg/bash.cfg\"; };\n";
	write_file("strict.cfg", layout, programs, "\"bash.service\", \"fs_server.service\"", top);
	rc = build("strict.cfg", &c);
	CHECK(rc == EXIT_OK, "package unit checked: exit %d: %s", rc, msgs);
	CHECK(c.tree && tree_lookup(c.tree, NULL, "/usr/lib/systemd/system/pkg.service", 0),
	      "no pkg.service from the archive");
	assert_lacks("ghost");
	compose_free(&c);

	/* ... unless it is enabled ... */
	write_file("strict.cfg", layout, programs,
		   "\"bash.service\", \"fs_server.service\", \"pkg.service\"", top);
	rc = build("strict.cfg", &c);
	CHECK(rc == EXIT_FAILED, "enabled package unit not checked: exit %d: %s", rc, msgs);
	assert_has("/usr/lib/systemd/system/pkg.service:2: error: Requires=ghost.service: "
		   "no such unit in the image");
	compose_free(&c);

	/* ... and the same text from the layout's units directory is, enabled or not. */
	if (system("rm -rf pkg && mkdir -p pkg && tar -cf pkg.tar -C pkg .")) {
		fprintf(stderr, "cannot make pkg.tar\n");
		return 1;
	}
	write_file("units/own.service", "%s", ghost);
	write_file("strict.cfg", layout, programs, "\"bash.service\", \"fs_server.service\"", top);
	rc = build("strict.cfg", &c);
	CHECK(rc == EXIT_FAILED, "layout's unit not checked: exit %d: %s", rc, msgs);
	assert_has("/usr/lib/systemd/system/own.service:2: error: Requires=ghost.service: "
		   "no such unit in the image");
	compose_free(&c);

	/* Not strict: the same problem is a warning. */
	write_file("strict.cfg", "image = { name = \"t\"; };\n%s"
		   "systemd = { units = [ \"units\" ]; caps_cfg = \"%s/cfg/bash.cfg\"; };\n",
		   programs, top);
	rc = build("strict.cfg", &c);
	CHECK(rc == EXIT_OK, "not strict: exit %d: %s", rc, msgs);
	assert_has("/usr/lib/systemd/system/own.service:2: warning: Requires=ghost.service");
	compose_free(&c);

	/* systemd.strict makes only the units' warnings errors. */
	write_file("strict.cfg", "image = { name = \"t\"; };\n%s"
		   "systemd = { units = [ \"units\" ]; caps_cfg = \"%s/cfg/bash.cfg\"; "
		   "strict = true; };\n", programs, top);
	rc = build("strict.cfg", &c);
	CHECK(rc == EXIT_FAILED, "systemd.strict: exit %d: %s", rc, msgs);
	assert_has("/usr/lib/systemd/system/own.service:2: error: Requires=ghost.service");
	compose_free(&c);
	/* ... and not the other checks' (a symlink loop stays a warning). */
	if (system("rm units/own.service"))
		return 1;
	write_file("strict.cfg", "image = { name = \"t\"; };\n%s"
		   "entries_loop = ( { type = \"symlink\"; path = \"/loop\"; target = \"loop\"; } );\n"
		   "systemd = { units = [ \"units\" ]; caps_cfg = \"%s/cfg/bash.cfg\"; "
		   "strict = true; };\n", programs, top);
	rc = build("strict.cfg", &c);
	CHECK(rc == EXIT_OK, "systemd.strict, symlink loop: exit %d: %s", rc, msgs);
	assert_has("warning: /loop -> loop: symlink loop");
	compose_free(&c);
	return harness_done();
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc != 3) {
		fprintf(stderr, "usage: systemd_tree LAYOUT DIR\n");
		return 2;
	}
	struct composition c;
	int rc = compose_build(argv[1], NULL, &c);
	outdir = argv[2];
	if (c.tree) {
		tree_freeze(c.tree);
		if (tree_walk(c.tree, dump, NULL))
			rc = rc ? rc : 1;
	}
	compose_free(&c);
	return rc;
}
