/* The musl layout section driven by real layout snippets: the runtime it installs for
 * each arch from Debian's packages and from a staged `make install` prefix, its errors,
 * strictness, pulling programs from sysroots, and (oracle) the real x86_64 musl loader
 * running a program from the composed tree in a chroot. */
#include "base/diag.h"
#include "model/hostsrc.h"
#include "checks/check.h"
#include "compose/pipeline.h"
#include "layout/layout.h"
#include "sections/section.h"
#include "elftest.h"

#include <errno.h>
#include <sys/wait.h>

static const char *msgs;

/* One layout's musl section, parsed and applied onto a tree of the test's making. */
struct run {
	struct layout layout;
	const struct conf *musl;
	struct image_params img;
	struct check_opts opts;
	void *plan;
	struct tree *tree;
};

/* Read the layout FILE and, as compose does, check the section's keys, parse it and apply
 * the plan onto T. */
static int apply_file(struct run *r, struct tree *t, const char *file)
{
	memset(r, 0, sizeof(*r));
	r->tree = t;
	capture_begin();
	int rc = layout_read(file, &r->layout) ? -1 : 0;
	if (!rc) {
		r->musl = conf_member(r->layout.root, "musl");
		rc = schema_check(r->musl, musl_section.keys, "musl") ||
		     image_parse(NULL, file, r->layout.digest, &r->img) ||
		     musl_section.parse(r->musl, &r->img, &r->plan) ? -1 : 0;
	}
	if (!rc) {
		struct section_ctx ctx = { t, &r->img, &r->opts, NULL };
		rc = musl_section.apply(r->plan, &ctx);
	}
	msgs = capture_end();
	return rc;
}

/* The same for a layout of TEXT. */
static int apply(struct run *r, struct tree *t, const char *text)
{
	write_file("test.cfg", "%s\n", text);
	return apply_file(r, t, "test.cfg");
}

/* The checks the section asked for, on the finished tree: 0, or -1 when any error. */
static int check(struct run *r)
{
	struct fsview v;
	tree_freeze(r->tree);
	fsview_tree_init(&v, r->tree);
	struct check_ctx c = { &r->opts, &v, NULL, r->tree };
	capture_begin();
	unsigned errors = checks_run(&c, NULL, NULL, NULL);
	msgs = capture_end();
	return errors ? -1 : 0;
}

static void done(struct run *r)
{
	if (r->plan)
		musl_section.free(r->plan);
	layout_free(&r->layout);
}

static const char *link_target(struct tree *t, const char *path)
{
	struct node *n = tree_lookup(t, NULL, path, 0);
	return n && n->type == NODE_SYMLINK ? n->u.lnk.target : "(not a symlink)";
}

static const char *text_of(struct tree *t, const char *path)
{
	static char buf[4096];
	struct node *n = tree_lookup(t, NULL, path, TREE_FOLLOW);
	if (!n || n->type != NODE_REG)
		return "(missing)";
	ssize_t k = node_pread(n, buf, sizeof(buf) - 1, 0);
	buf[k > 0 ? k : 0] = 0;
	return buf;
}

/* Which host file backs PATH in T (following the image's symlinks). */
static const char *host_of(struct tree *t, const char *path)
{
	static char buf[4096];
	struct node *n = tree_lookup(t, NULL, path, TREE_FOLLOW);
	if (!n || n->type != NODE_REG || n->src != SRC_HOST)
		return "(none)";
	char *host = node_host_path(n);
	snprintf(buf, sizeof(buf), "%s", host);
	free(host);
	return buf;
}

static void debian_runtime(void)
{
	static const char *const arches[][3] = {
		{ "aarch64", "aarch64-linux-musl", "aarch64" },
		{ "armhf", "arm-linux-musleabihf", "armhf" },
		{ "x86_64", "x86_64-linux-musl", "x86_64" },
	};
	for (size_t i = 0; i < 3; i++) {
		const char *arch = arches[i][0], *trip = arches[i][1];
		char layout[256], loader[128], libc[128], want[128], pathfile[128];
		snprintf(layout, sizeof(layout), "musl = { arch = \"%s\"; source = \"debian\"; };",
			 arch);
		snprintf(loader, sizeof(loader), "/lib/ld-musl-%s.so.1", arch);
		snprintf(libc, sizeof(libc), "/usr/lib/%s/libc.so", trip);
		snprintf(pathfile, sizeof(pathfile), "/etc/ld-musl-%s.path", arch);

		/* Merged /usr: the loader lands in /usr/lib beside the triplet directory. */
		struct tree *t = tree_new(0);
		add_link(t, "/lib", "usr/lib");
		struct run r;
		CHECK(apply(&r, t, layout) == 0, "%s: %s", arch, msgs);
		snprintf(want, sizeof(want), "%s/libc.so", trip);
		CHECK(!strcmp(link_target(t, loader), want), "%s: loader -> %s", arch,
		      link_target(t, loader));
		CHECK(tree_lookup(t, NULL, loader, TREE_FOLLOW) ==
		      tree_lookup(t, NULL, libc, 0), "%s: loader does not reach libc.so", arch);
		CHECK(!strcmp(host_of(t, loader), libc) || !strncmp(host_of(t, loader), "/lib/", 5),
		      "%s: libc from %s", arch, host_of(t, loader));
		snprintf(want, sizeof(want), "/lib/%s\n/usr/lib/%s\n/lib\n/usr/local/lib\n/usr/lib\n",
			 trip, trip);
		CHECK(!strcmp(text_of(t, pathfile), want), "%s: path file '%s'", arch,
		      text_of(t, pathfile));
		add_host(t, "/usr/bin/main", prog_path(arches[i][2], "bin/main"));
		add_host(t, "/usr/lib/libfoo.so.1", prog_path(arches[i][2], "lib/libfoo.so.1"));
		CHECK(check(&r) == 0, "%s: closure: %s", arch, msgs);
		done(&r);
		tree_free(t);

		/* /lib a real directory: the link climbs to /usr/lib. */
		t = tree_new(0);
		CHECK(apply(&r, t, layout) == 0, "%s: %s", arch, msgs);
		snprintf(want, sizeof(want), "../usr/lib/%s/libc.so", trip);
		CHECK(!strcmp(link_target(t, loader), want), "%s: loader -> %s", arch,
		      link_target(t, loader));
		CHECK(tree_lookup(t, NULL, loader, TREE_FOLLOW) ==
		      tree_lookup(t, NULL, libc, 0), "%s: loader does not reach libc.so", arch);
		done(&r);
		tree_free(t);
	}
}

/* A prefix laid out like musl's `make install`, built here from Debian's files, with the
 * loader link pointing at an absolute host path that does not exist: the same runtime. */
static void prefix_runtime(void)
{
	sh("rm -rf out/musl/aarch64 layouts && mkdir -p out/musl/aarch64/lib layouts && "
	   "cp /usr/lib/aarch64-linux-musl/libc.so out/musl/aarch64/lib/ && "
	   "cp /usr/lib/aarch64-linux-musl/*.a /usr/lib/aarch64-linux-musl/*.o "
	   "out/musl/aarch64/lib/ && cp -r /usr/include/aarch64-linux-musl "
	   "out/musl/aarch64/include && "
	   "ln -s /opt/musl-build/lib/libc.so out/musl/aarch64/lib/ld-musl-aarch64.so.1 && "
	   "printf 'musl = { arch = \"aarch64\"; prefix = \"../out/musl/aarch64\"; };\\n' "
	   "> layouts/t.cfg");
	struct tree *deb = tree_new(0), *pfx = tree_new(0);
	add_link(deb, "/lib", "usr/lib");
	add_link(pfx, "/lib", "usr/lib");
	struct run r1, r2;
	CHECK(apply(&r1, deb, "musl = { arch = \"aarch64\"; };") == 0, "debian: %s", msgs);
	/* Relative prefix: relative to the layout file's directory. */
	CHECK(apply_file(&r2, pfx, "layouts/t.cfg") == 0, "prefix: %s", msgs);
	const char *paths[] = { "/lib/ld-musl-aarch64.so.1", "/usr/lib/aarch64-linux-musl/libc.so",
				"/etc/ld-musl-aarch64.path" };
	for (size_t i = 0; i < 3; i++) {
		struct node *a = tree_lookup(deb, NULL, paths[i], 0);
		struct node *b = tree_lookup(pfx, NULL, paths[i], 0);
		CHECK(a && b && a->type == b->type && a->mode == b->mode, "%s differs", paths[i]);
		if (a && b && a->type == NODE_SYMLINK)
			CHECK(!strcmp(a->u.lnk.target, b->u.lnk.target), "%s: %s vs %s", paths[i],
			      a->u.lnk.target, b->u.lnk.target);
	}
	CHECK(!strcmp(text_of(deb, paths[2]), text_of(pfx, paths[2])), "path files differ");
	sh("cmp /usr/lib/aarch64-linux-musl/libc.so %s", host_of(pfx, paths[0]));
	CHECK(strstr(host_of(pfx, paths[0]), "out/musl/aarch64/lib/libc.so") != NULL,
	      "prefix libc from %s", host_of(pfx, paths[0]));
	CHECK(!strstr(link_target(pfx, paths[0]), "/opt/musl-build"), "host path leaked");
	add_host(pfx, "/usr/bin/main", prog_path("aarch64", "bin/main"));
	add_host(pfx, "/usr/lib/libfoo.so.1", prog_path("aarch64", "lib/libfoo.so.1"));
	CHECK(check(&r2) == 0, "prefix runtime closure: %s", msgs);
	done(&r1);
	done(&r2);
	tree_free(deb);
	tree_free(pfx);
}

static void errors(void)
{
	struct run r;
	struct tree *t = tree_new(0);
	CHECK(apply(&r, t, "musl = { arch = \"aarch46\"; };") == -1, "bad arch accepted");
	assert_has("unknown musl.arch 'aarch46' (did you mean 'aarch64'?)");
	done(&r);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; strcit = false; };") == -1,
	      "unknown key accepted");
	assert_has("unknown key 'strcit' in musl (did you mean 'strict'?)");
	done(&r);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; source = \"alpine\"; };") == -1,
	      "bad source accepted");
	assert_has("musl.source must be \"debian\"");
	done(&r);
	CHECK(apply(&r, t, "musl = { source = \"debian\"; };") == -1, "no arch accepted");
	assert_has("musl needs 'arch'");
	done(&r);
	sh("rm -rf nolibc x86pfx && mkdir -p nolibc/lib x86pfx/lib && "
	   "cp /usr/lib/x86_64-linux-musl/libc.so x86pfx/lib/");
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; prefix = \"nolibc\"; };") == -1,
	      "prefix without libc.so accepted");
	assert_has("musl: cannot open nolibc/lib/libc.so: No such file or directory");
	done(&r);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; prefix = \"x86pfx\"; };") == -1,
	      "x86_64 libc accepted for aarch64");
	assert_has("musl: x86pfx/lib/libc.so is built for x86-64 64-bit, not aarch64");
	done(&r);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; prefix = \"x\"; source = \"debian\"; };")
	      == -1, "prefix and source together accepted");
	done(&r);
	tree_free(t);

	/* A dangling /lib link is the layout's mistake to fix, not to paper over. */
	t = tree_new(0);
	add_link(t, "/lib", "nowhere");
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; };") == -1, "dangling /lib accepted");
	assert_has("musl: /lib does not lead to a directory in the image");
	CHECK(!strcmp(link_target(t, "/lib"), "nowhere"), "/lib replaced");
	done(&r);
	tree_free(t);
}

static void strictness(void)
{
	struct run r;
	struct tree *t = tree_new(0);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; };") == 0, "%s", msgs);
	add_host(t, "/usr/bin/needs-bar", prog_path("aarch64", "bin/needs-bar"));
	CHECK(check(&r) == -1, "strict: absent library passed");
	assert_has("/usr/bin/needs-bar: needs libbar.so.2, not found in /lib/aarch64-linux-musl:"
		   "/usr/lib/aarch64-linux-musl:/lib:/usr/local/lib:/usr/lib");
	/* The problem, and the summary at the section naming what to change. */
	assert_has("test.cfg:1: error: musl: 1 ELF closure problem in the image (strict = false "
		   "makes them warnings)");
	CHECK(captured_errors == 2, "%u errors: %s", captured_errors, msgs);
	done(&r);
	tree_free(t);

	t = tree_new(0);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; strict = false; };") == 0, "%s", msgs);
	add_host(t, "/usr/bin/needs-bar", prog_path("aarch64", "bin/needs-bar"));
	unsigned errs = diag_error_count();
	CHECK(check(&r) == 0, "strict = false still fails");
	CHECK(diag_error_count() == errs, "strict = false counted errors: %s", msgs);
	assert_has("warning: /usr/bin/needs-bar: needs libbar.so.2");
	done(&r);
	tree_free(t);
}

static void pulling(void)
{
	/* A musl sysroot with absolute links (they must resolve inside it) and a chain of
	 * library names; a glibc one made from Debian's arm64 cross libc. */
	sh("rm -rf sr && mkdir -p sr/usr/bin sr/usr/lib/aarch64-linux-musl && "
	   "cp %s sr/usr/bin/main && cp %s sr/usr/lib/libfoo.so.1.0 && "
	   "ln -s libfoo.so.1.0 sr/usr/lib/libfoo.so.1 && ln -s /usr/lib sr/lib && "
	   "cp /usr/lib/aarch64-linux-musl/libc.so sr/usr/lib/aarch64-linux-musl/ && "
	   "ln -s /usr/lib/aarch64-linux-musl/libc.so sr/usr/lib/ld-musl-aarch64.so.1",
	   prog_path("aarch64", "bin/main"), prog_path("aarch64", "lib/libfoo.so.1"));
	sh("rm -rf gsr && mkdir -p gsr/lib/aarch64-linux-gnu gsr/usr/bin gsr/usr/lib && "
	   "cp /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 gsr/lib/ && "
	   "cp /usr/aarch64-linux-gnu/lib/libc.so.6 gsr/lib/aarch64-linux-gnu/ && "
	   "cp %s gsr/usr/bin/gmain && cp %s gsr/usr/lib/libfoo.so.1",
	   prog_path("glibc-aarch64", "bin/main"), prog_path("glibc-aarch64", "lib/libfoo.so.1"));

	struct run r;
	struct tree *t = tree_new(0);
	add_link(t, "/lib", "usr/lib");
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; sysroot = \"sr\"; "
		    "programs = [ \"/usr/bin/main\" ]; };") == 0, "pull: %s", msgs);
	CHECK(!strcmp(link_target(t, "/usr/lib/libfoo.so.1"), "libfoo.so.1.0"),
	      "libfoo.so.1 -> %s", link_target(t, "/usr/lib/libfoo.so.1"));
	CHECK(!strcmp(host_of(t, "/usr/lib/libfoo.so.1"), "sr/usr/lib/libfoo.so.1.0"),
	      "libfoo from %s", host_of(t, "/usr/lib/libfoo.so.1"));
	CHECK(!strcmp(host_of(t, "/usr/bin/main"), "sr/usr/bin/main"), "main from %s",
	      host_of(t, "/usr/bin/main"));
	/* The section's own loader stays: a relative link, not the sysroot's absolute one. */
	CHECK(!strcmp(link_target(t, "/lib/ld-musl-aarch64.so.1"), "aarch64-linux-musl/libc.so"),
	      "loader -> %s", link_target(t, "/lib/ld-musl-aarch64.so.1"));
	CHECK(check(&r) == 0, "pulled musl program: %s", msgs);
	done(&r);
	tree_free(t);

	t = tree_new(0);
	add_link(t, "/lib", "usr/lib");
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; sysroot = \"gsr\"; "
		    "programs = \"/usr/bin/gmain\"; };") == 0, "glibc pull: %s", msgs);
	CHECK(!strcmp(host_of(t, "/lib/ld-linux-aarch64.so.1"), "gsr/lib/ld-linux-aarch64.so.1"),
	      "glibc loader from %s", host_of(t, "/lib/ld-linux-aarch64.so.1"));
	CHECK(!strcmp(host_of(t, "/lib/aarch64-linux-gnu/libc.so.6"),
		      "gsr/lib/aarch64-linux-gnu/libc.so.6"), "libc.so.6 from %s",
	      host_of(t, "/lib/aarch64-linux-gnu/libc.so.6"));
	CHECK(check(&r) == 0, "pulled glibc program: %s", msgs);
	done(&r);
	tree_free(t);

	/* A musl program from a sysroot without musl: the section's own loader serves. */
	sh("rm sr/usr/lib/ld-musl-aarch64.so.1");
	t = tree_new(0);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; sysroot = \"sr\"; "
		    "programs = [ \"/usr/bin/main\" ]; };") == 0, "pull without loader: %s", msgs);
	CHECK(check(&r) == 0, "pulled musl program, section loader: %s", msgs);
	done(&r);
	tree_free(t);

	t = tree_new(0);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; sysroot = \"sr\"; "
		    "programs = [ \"/usr/bin/nothere\" ]; };") == -1, "missing program pulled");
	assert_has("sysroot sr: error: /usr/bin/nothere is missing");
	done(&r);
	CHECK(apply(&r, t, "musl = { arch = \"aarch64\"; programs = [ \"/usr/bin/main\" ]; };")
	      == -1, "programs without sysroot accepted");
	assert_has("musl: sysroot and programs go together");
	done(&r);
	tree_free(t);
}

/* Through the pipeline (compose_build): entries, the section, then the check table, with
 * strictness from the section and from the image. */
static void pipeline(void)
{
	static const struct {
		const char *image, *musl;
		int rc;
		const char *want;
	} cases[] = {
		{ "", "", EXIT_FAILED, "error: /usr/bin/needs-bar: needs libbar.so.2" },
		{ "", "strict = false;", EXIT_OK, "warning: /usr/bin/needs-bar: needs libbar.so.2" },
		{ "strict = true;", "strict = false;", EXIT_FAILED,
		  "error: /usr/bin/needs-bar: needs libbar.so.2" },
		{ "", "strcit = false;", EXIT_USAGE,
		  "p.cfg:2: error: unknown key 'strcit' in musl (did you mean 'strict'?)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file("p.cfg", "image = { name = \"p\"; %s };\n"
			   "musl = { arch = \"aarch64\"; %s };\n"
			   "entries = ( { type = \"file\"; path = \"/usr/bin/needs-bar\"; "
			   "source = \"%s\"; } );\n", cases[i].image, cases[i].musl,
			   prog_path("aarch64", "bin/needs-bar"));
		struct composition c;
		capture_begin();
		int rc = compose_build("p.cfg", NULL, &c);
		msgs = capture_end();
		CHECK(rc == cases[i].rc, "case %zu: exit %d, want %d: %s", i, rc, cases[i].rc, msgs);
		assert_has(cases[i].want);
		compose_free(&c);
	}
}

struct out {
	const char *root;
	int failed;
};

/* Materialize a frozen tree under a host directory (test-only writer). */
static int materialize(const char *path, const struct dentry *d, void *arg)
{
	struct out *o = arg;
	char *dst = xasprintf("%s%s", o->root, path);
	const struct node *n = d->node;
	int rc = 0;
	if (n->type == NODE_DIR) {
		rc = mkdir(dst, 0755) && errno != EEXIST;
	} else if (n->type == NODE_SYMLINK) {
		rc = symlink(n->u.lnk.target, dst);
	} else if (n->type == NODE_REG) {
		int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, n->mode);
		char buf[65536];
		uint64_t off = 0;
		ssize_t k;
		while (fd >= 0 && (k = node_pread(n, buf, sizeof(buf), off)) > 0) {
			if (write(fd, buf, (size_t)k) != k)
				rc = -1;
			off += (uint64_t)k;
		}
		rc |= fd < 0 || close(fd);
	}
	if (rc) {
		fprintf(stderr, "FAIL: materialize %s: %s\n", dst, strerror(errno));
		o->failed = 1;
	}
	free(dst);
	return 0;
}

/* The real musl loader is the oracle: what the section composes runs in a chroot, and
 * without the loader the kernel cannot start the program. */
static void chroot_oracle(void)
{
	struct run r;
	struct tree *t = tree_new(0);
	add_link(t, "/lib", "usr/lib");
	CHECK(apply(&r, t, "musl = { arch = \"x86_64\"; };") == 0, "%s", msgs);
	add_host(t, "/usr/bin/main", prog_path("x86_64", "bin/main"));
	add_host(t, "/usr/lib/libfoo.so.1", prog_path("x86_64", "lib/libfoo.so.1"));
	CHECK(check(&r) == 0, "%s", msgs);
	sh("rm -rf root && mkdir root");
	struct out o = { "root", 0 };
	tree_walk(t, materialize, &o);
	CHECK(!o.failed, "materialize");
	sh("test \"$(chroot root /usr/bin/main)\" = 42");
	sh("rm root/usr/lib/ld-musl-x86_64.so.1");
	int rc = system("chroot root /usr/bin/main 2>/dev/null");
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 127, "ran without its loader: %d", rc);
	done(&r);
	tree_free(t);
}

int main(void)
{
	build_programs();
	debian_runtime();
	prefix_runtime();
	errors();
	strictness();
	pulling();
	pipeline();
	chroot_oracle();
	return harness_done();
}
