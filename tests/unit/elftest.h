/* Shared by the ELF, closure and musl unit tests: shell helpers, the small dynamic
 * programs they build with the real cross compilers, and tree building. */
#ifndef ELFTEST_H
#define ELFTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "harness.h"
#include "model/hostsrc.h"
#include "model/tree.h"

/* Run a shell command; a failing one means the test cannot run its oracle: fail. */
__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		exit(1);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "FAIL: command failed (%d): %s\n", rc, cmd);
		exit(1);
	}
	free(cmd);
}

/* Toolchains: output directory, compiler. Each directory gets lib/libfoo.so.1 and
 * bin/main (needs libfoo.so.1 through RUNPATH $ORIGIN/../lib), bin/rpath (the same through
 * DT_RPATH), bin/plain (libc only), bin/needs-bar (needs an absent libbar.so.2) and
 * bin/static (no interpreter), and lib/libusesbar.so (a library needing libbar.so.2). */
static const struct toolchain {
	const char *dir, *cc;
} toolchains[] = {
	{ "aarch64", "aarch64-linux-musl-gcc" },
	{ "armhf", "arm-linux-musleabihf-gcc" },
	{ "x86_64", "musl-gcc" },
	{ "glibc-x86_64", "gcc" },
	{ "glibc-aarch64", "aarch64-linux-gnu-gcc" },
};
#define NTOOLCHAINS (sizeof(toolchains) / sizeof(toolchains[0]))

static __attribute__((unused)) void build_programs(void)
{
	struct stat st;
	if (!stat("progs/done", &st))
		return;
	sh("mkdir -p progs && cd progs && "
	   "printf 'int foo(void) { return 42; }\\n' > foo.c && "
	   "printf 'int bar(void) { return 7; }\\n' > bar.c && "
	   "printf '#include <stdio.h>\\nint foo(void);\\n"
	   "int main(void) { printf(\"%%%%d\\\\n\", foo()); return 0; }\\n' > main.c && "
	   "printf 'int bar(void);\\nint main(void) { return bar(); }\\n' > needs-bar.c && "
	   "printf '#include <stdio.h>\\nint main(void) { puts(\"hi\"); return 0; }\\n' > plain.c");
	for (size_t i = 0; i < NTOOLCHAINS; i++) {
		const char *d = toolchains[i].dir, *cc = toolchains[i].cc;
		sh("cd progs && mkdir -p %s/lib %s/bin %s/tmp && "
		   "%s -shared -fPIC -Wl,-soname,libfoo.so.1 -o %s/lib/libfoo.so.1 foo.c && "
		   "%s -shared -fPIC -Wl,-soname,libbar.so.2 -o %s/tmp/libbar.so.2 bar.c && "
		   "%s -shared -fPIC -o %s/lib/libusesbar.so foo.c %s/tmp/libbar.so.2 && "
		   "%s -o %s/bin/main main.c %s/lib/libfoo.so.1 "
		   "-Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags && "
		   "%s -o %s/bin/rpath main.c %s/lib/libfoo.so.1 "
		   "-Wl,-rpath,/opt/foo/lib -Wl,--disable-new-dtags && "
		   "%s -o %s/bin/plain plain.c && "
		   "%s -o %s/bin/needs-bar needs-bar.c %s/tmp/libbar.so.2 && "
		   "%s -static -o %s/bin/static plain.c",
		   d, d, d, cc, d, cc, d, cc, d, d, cc, d, d, cc, d, d, cc, d, cc, d, d, cc, d);
	}
	sh("touch progs/done");
}

/* "progs/DIR/FILE" (one of a few rotating static buffers). */
static __attribute__((unused)) const char *prog_path(const char *dir, const char *file)
{
	static char buf[8][256];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "progs/%s/%s", dir, file);
	return buf[i];
}

/* Tree building: a host file, a symlink, an inline text file. */
static __attribute__((unused)) void add_node(struct tree *t, const char *path, struct node *n)
{
	const char *why;
	if (tree_add(t, NULL, path, n, TREE_OVERRIDE, &why)) {
		fprintf(stderr, "FAIL: tree_add %s: %s\n", path, why);
		exit(1);
	}
}

static __attribute__((unused)) void add_host(struct tree *t, const char *path, const char *host)
{
	struct stat st;
	if (stat(host, &st)) {
		fprintf(stderr, "FAIL: no host file %s\n", host);
		exit(1);
	}
	struct node *n = tree_node_new(t, NODE_REG, "test");
	n->mode = 0755;
	node_set_host(n, NULL, tree_strdup(t, host), &st);
	add_node(t, path, n);
}

static __attribute__((unused)) void add_link(struct tree *t, const char *path, const char *target)
{
	struct node *n = tree_node_new(t, NODE_SYMLINK, "test");
	n->u.lnk.target = tree_strdup(t, target);
	add_node(t, path, n);
}

static __attribute__((unused)) void add_text(struct tree *t, const char *path, const char *text)
{
	struct node *n = tree_node_new(t, NODE_REG, "test");
	n->src = SRC_MEM;
	n->u.reg.mem = tree_strdup(t, text);
	n->u.reg.size = strlen(text);
	add_node(t, path, n);
}

static __attribute__((unused)) void del(struct tree *t, const char *path)
{
	struct dentry *d = tree_lookup_dentry(t, path);
	if (!d) {
		fprintf(stderr, "FAIL: nothing to delete at %s\n", path);
		exit(1);
	}
	/* Turning it into a dangling name is enough for every test: nothing resolves it. */
	d->node = tree_node_new(t, NODE_SYMLINK, "test");
	d->node->u.lnk.target = "/nonexistent";
}

#endif
